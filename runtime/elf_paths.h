/* elf_paths: which file a uprobe/usdt target names, as bpftrace resolves it:
 * paths as written, bare names on PATH, libraries through the process's maps
 * and ld.so.cache, globs over the current directory and PATH. */
#ifndef BPFDECK_ELF_PATHS_H
#define BPFDECK_ELF_PATHS_H

#include <stdbool.h>

typedef int (*elf_path_fn)(const char *path, void *ctx);

/* Every executable regular file called name in a $PATH directory, in PATH order.
 * Non-zero from fn stops and is returned. */
int elf_paths_which(const char *name, elf_path_fn fn, void *ctx);
/* The library glibc's loader would pick for "libc" / "libc.so.6": the first
 * ld.so.cache entry for this architecture whose name starts with NAME.so
 * (or is NAME). Malloc'd, NULL if none. */
char *elf_paths_ldcache(const char *name);
/* A library NAME that process pid has mapped (basename NAME.so*, NAME-*.so* or
 * NAME itself), as /proc/PID/root/PATH. Malloc'd, NULL if none. */
char *elf_paths_pid_lib(int pid, const char *name);
/* The ELF files a glob names: a path glob as is; a bare name in the current
 * directory (executables) and in every PATH directory. Sorted, each once. */
int elf_paths_glob(const char *pattern, elf_path_fn fn, void *ctx);

/* The shared libraries path needs (DT_NEEDED, transitively), found as the
 * dynamic loader would: DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH ($ORIGIN
 * expanded), ld.so.cache, the default directories. Each once, in load order.
 * Non-zero from fn stops and is returned. */
int elf_paths_needed(const char *path, elf_path_fn fn, void *ctx);

/* bpftrace's uprobe/usdt target resolution: a path with '/' as is (through
 * /proc/PID/root when pid > 0 and the path is absolute), else the first
 * executable on PATH, else a library mapped by pid, else ld.so.cache.
 * *nfound (may be NULL) gets how many PATH entries matched. Malloc'd, NULL if
 * nothing was found or the file is no ELF file. */
char *elf_paths_resolve(const char *target, int pid, int *nfound);

#endif
