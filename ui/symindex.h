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

/* Kernel functions: available_filter_functions when readable, else BTF's FUNC
 * names, else /proc/kallsyms text symbols. Loaded on the first call. */
const struct symindex *ksyms_index(void);
/* Function symbols of an ELF file (.symtab and .dynsym); cached per path. */
const struct symindex *elf_func_index(const char *path);
/* USDT probes of an ELF file (.note.stapsdt) as "provider:name"; cached per path. */
const struct symindex *elf_usdt_index(const char *path);

/* The range of names starting with prefix: returns the count, *first the index. */
size_t symindex_prefix(const struct symindex *ix, const char *prefix, size_t *first);
void symindex_free(struct symindex *ix);

#endif
