/* elf_file: reading user-space ELF files for -l, uprobe/usdt expansion and the
 * symbolizer: opening, sections, build ids, separate debug files, symbols and
 * converting between virtual addresses and file offsets through PT_LOAD. */
#ifndef BPFDECK_ELF_FILE_H
#define BPFDECK_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libelf.h>
#include <gelf.h>

/* A regular file starting with the ELF magic (libraries need not be executable). */
bool elf_is_file(const char *path);
/* libelf over path (read through mmap); NULL if it is no ELF file. Close with
 * elf_file_close. fd_out gets the descriptor libelf reads. */
Elf *elf_file_open(const char *path, int *fd_out);
/* The same over an open descriptor, which the caller keeps owning. */
Elf *elf_file_open_fd(int fd);
void elf_file_close(Elf *e, int fd);
Elf_Scn *elf_section_named(Elf *e, const char *name);

/* NT_GNU_BUILD_ID bytes into buf (at most len); returns their count or -ENOENT. */
int elf_build_id(Elf *e, uint8_t *buf, size_t len);
/* Separate debug info (libc6-dbg and friends), found by build id, then by
 * .gnu_debuglink next to path; NULL if none. Malloc'd. */
char *elf_debug_file(Elf *e, const char *path);

#define ELF_SEGS_MAX 16
/* The PT_LOAD segments, which map file offsets to virtual addresses. */
struct elf_segs {
	int type;               /* ET_EXEC, ET_DYN ... */
	int n;
	struct elf_seg {
		uint64_t vaddr, memsz, offset, filesz;
		uint32_t flags;         /* PF_X, PF_W, PF_R */
	} v[ELF_SEGS_MAX];
};

int elf_load_segments(Elf *e, struct elf_segs *out);
/* 0 and *off, or -ENOENT when no segment holds vaddr in the file. */
int elf_vaddr_to_offset(const struct elf_segs *s, uint64_t vaddr, uint64_t *off);
int elf_offset_to_vaddr(const struct elf_segs *s, uint64_t off, uint64_t *vaddr);

/* One defined symbol. name points into libelf's data: valid during the callback. */
struct elf_sym {
	const char *name;
	uint64_t addr;          /* st_value */
	uint64_t size;
	int type;               /* STT_FUNC, STT_GNU_IFUNC, STT_OBJECT ... */
	int bind;               /* STB_LOCAL, STB_GLOBAL, STB_WEAK */
	bool dynamic;           /* from .dynsym */
};

/* Non-zero stops the walk and is returned. */
typedef int (*elf_sym_fn)(const struct elf_sym *sym, void *ctx);

#define ELF_SYMS_FUNC   1u      /* STT_FUNC and STT_GNU_IFUNC */
#define ELF_SYMS_OBJECT 2u      /* STT_OBJECT and STT_TLS */
#define ELF_SYMS_DEBUG  4u      /* also the separate debug file's .symtab */

/* Visits the defined symbols of the wanted types in e's .symtab and .dynsym. */
int elf_symbols_walk(Elf *e, unsigned types, elf_sym_fn fn, void *ctx);
/* The same for path (-ENOEXEC if it is no ELF file), adding its debug file's
 * symbols with ELF_SYMS_DEBUG. A symbol can be visited more than once. */
int elf_symbols_foreach(const char *path, unsigned types, elf_sym_fn fn, void *ctx);

/* Looks a symbol up by exact name (functions and objects). 0, -ENOENT, -ENOEXEC. */
int elf_symbol_lookup(const char *path, const char *name, struct elf_sym *out);

/* C++ names for display and matching: the demangled name (malloc'd), or NULL
 * when name is not mangled or no demangler is linked in. */
char *elf_demangle(const char *name);

#endif
