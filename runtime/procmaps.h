/* procmaps: a process's memory map (/proc/PID/maps) and the files behind it,
 * seen through the process's root so other mount namespaces work. Used by
 * listing and uprobe/usdt resolution (-p) and by the symbolizer. */
#ifndef BPFDECK_PROCMAPS_H
#define BPFDECK_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procmap {
	uint64_t start, end, pgoff;
	uint64_t inode;
	dev_t dev;
	bool exec, write;
	bool deleted;           /* " (deleted)" was stripped from path */
	char *path;             /* "/usr/lib/x.so", "[vdso]", "[anon:x]"; NULL if anonymous */
};

struct procmaps {
	struct procmap *v;
	int n;
};

/* Parses one maps line ("start-end perms pgoff maj:min inode   path"). 0 or -EINVAL.
 * out->path is malloc'd. */
int procmaps_parse_line(const char *line, struct procmap *out);
/* Reads /proc/PID/maps. 0 or -errno (-ENOENT once the process is gone). */
int procmaps_read(int pid, struct procmaps *out);
void procmaps_free(struct procmaps *m);
/* The mapping holding addr, or NULL. Mappings are in address order. */
const struct procmap *procmaps_find(const struct procmaps *m, uint64_t addr);

typedef int (*procmaps_path_fn)(const char *path, void *ctx);
/* Every ELF file pid maps, once each in sorted order, as /proc/PID/root/PATH
 * (deleted files left out). Non-zero from fn stops and is returned. */
int procmaps_elf_files(int pid, procmaps_path_fn fn, void *ctx);
/* "/proc/PID/root" + the target of /proc/PID/exe. 0 or -errno. */
int procmaps_exe(int pid, char *buf, size_t len);

#endif
