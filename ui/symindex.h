/* symindex: sorted name lists for completion, built once and searched by
 * prefix in O(log n): the kernel's traceable functions, and the function
 * symbols and USDT probes of an ELF file. */
#ifndef BPFDECK_UI_SYMINDEX_H
#define BPFDECK_UI_SYMINDEX_H

#include <stddef.h>

struct symindex {
	char **v;               /* sorted, unique */
	size_t n;
	const char *source;     /* where the names came from, for the status line */
};

/* Kernel functions: runtime/kfuncs.c's list, the one `-l` and wildcards use.
 * Loaded on the first call. */
const struct symindex *ksyms_index(void);
/* The functions uprobes can probe in the file a uprobe target names (a path,
 * a name on PATH, a library: resolved as the probe resolves it), as
 * `-l 'uprobe:TARGET:*'` lists them; the last file's list is kept. */
const struct symindex *elf_func_index(const char *target);
/* Its USDT probes (.note.stapsdt) as "provider:name"; the last file's list is kept. */
const struct symindex *elf_usdt_index(const char *target);

/* The range of names starting with prefix: returns the count, *first the index. */
size_t symindex_prefix(const struct symindex *ix, const char *prefix, size_t *first);
void symindex_free(struct symindex *ix);

#endif
