/* symindex: building the name lists of symindex.h from the runtime's own
 * readers (kfuncs.c, kinfo_user.c), so Tab offers what probes find. Kernel
 * names are read once (tens of thousands of them), sorted and deduplicated;
 * lookups are two binary searches, so a Tab stays fast. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "runtime/kfuncs.h"
#include "runtime/kinfo_user.h"
#include "symindex.h"

struct builder {
	char **v;
	size_t n, cap;
};

static void add(struct builder *b, const char *s, size_t len)
{
	if (!len)
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
	}
	b->v[b->n++] = strndup(s, len);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void finish(struct builder *b, struct symindex *ix, const char *source)
{
	size_t j = 0;

	if (b->n > 1)
		qsort(b->v, b->n, sizeof(*b->v), cmp);
	for (size_t i = 0; i < b->n; i++) {
		if (j && !strcmp(b->v[j - 1], b->v[i])) {
			free(b->v[i]);
			continue;
		}
		b->v[j++] = b->v[i];
	}
	ix->v = b->v;
	ix->n = j;
	ix->source = source;
}

void symindex_free(struct symindex *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->n; i++)
		free(ix->v[i]);
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

size_t symindex_prefix(const struct symindex *ix, const char *prefix, size_t *first)
{
	size_t lo = 0, hi = ix->n, len = strlen(prefix), a;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strncmp(ix->v[mid], prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	a = lo;
	hi = ix->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strncmp(ix->v[mid], prefix, len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = a;
	return lo - a;
}

static int add_kfunc(const char *module, const char *func, void *ctx)
{
	(void)module;
	add(ctx, func, strlen(func));
	return 0;
}

/* The same list as wildcard expansion and `-l` (runtime/kfuncs.c), so Tab offers
 * what `-l 'kprobe:*'` lists and the status line names the same source. */
const struct symindex *ksyms_index(void)
{
	static struct symindex ix;
	static bool loaded;
	struct builder b = { 0 };

	if (loaded)
		return &ix;
	loaded = true;
	if (kfuncs_visit(NULL, "*", false, add_kfunc, &b) < 0)
		finish(&b, &ix, "nothing: no kernel function list is readable");
	else
		finish(&b, &ix, kfuncs_source_name(kfuncs_source(false)));
	return &ix;
}

/* ---------------------------------------------------------------- ELF */

struct elf_cache {
	char path[4096];        /* the resolved file, "" for none */
	struct stat st;
	struct symindex ix;
};

typedef int (*elf_fill_fn)(const char *file, struct builder *b);

/* The index of the file target names, resolved as a uprobe target is (a path,
 * else PATH, else ld.so.cache: "bash", "libc"), so Tab offers what the probe
 * will find. The last file's index is kept while the file does not change. */
static const struct symindex *elf_cached(struct elf_cache *c, const char *target,
					 elf_fill_fn fill, const char *source)
{
	char *file = kinfo_user_resolve(target, 0, NULL);
	struct builder b = { 0 };
	struct stat st;

	if (file && !stat(file, &st) && !strcmp(c->path, file) && st.st_dev == c->st.st_dev &&
	    st.st_ino == c->st.st_ino && st.st_mtime == c->st.st_mtime) {
		free(file);
		return &c->ix;
	}
	symindex_free(&c->ix);
	c->path[0] = '\0';
	if (!file || stat(file, &st)) {
		finish(&b, &c->ix, "no ELF file of that name");
	} else {
		snprintf(c->path, sizeof(c->path), "%s", file);
		c->st = st;
		finish(&b, &c->ix, fill(file, &b) < 0 ? "unreadable ELF file" : source);
	}
	free(file);
	return &c->ix;
}

static int add_func(const struct user_sym *sym, void *ctx)
{
	/* "malloc@@GLIBC_2.2.5" is probed as "malloc" */
	add(ctx, sym->name, strcspn(sym->name, "@"));
	return 0;
}

/* What `-l 'uprobe:FILE:*'` lists (runtime/kinfo_user.c): .symtab, .dynsym
 * and the separate debug file, without the clones uprobes skip. */
static int fill_funcs(const char *file, struct builder *b)
{
	return kinfo_user_func_glob(file, "*", add_func, b);
}

const struct symindex *elf_func_index(const char *target)
{
	static struct elf_cache c;

	return elf_cached(&c, target, fill_funcs, "ELF symbols");
}

static int add_usdt(const struct usdt_loc *loc, void *ctx)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s:%s", loc->provider, loc->name);
	add(ctx, buf, strlen(buf));
	return 0;
}

static int fill_usdt(const char *file, struct builder *b)
{
	return kinfo_usdt_glob(file, "*", "*", add_usdt, b);
}

const struct symindex *elf_usdt_index(const char *target)
{
	static struct elf_cache c;

	return elf_cached(&c, target, fill_usdt, "USDT probes (.note.stapsdt)");
}
