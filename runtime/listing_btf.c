/* listing_btf: `bpfdeck -l 'struct NAME'` and `-lv` (the C definitions), as
 * bpftrace 0.17 lists kernel types: every named struct, union and enum of the
 * kernel's BTF, sorted, matched with '*' wildcards. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "listing.h"

struct defs {
	char **v;
	size_t n, cap;
};

static int defs_add(struct defs *d, char *s)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		char **v = realloc(d->v, cap * sizeof(*v));

		if (!v) {
			free(s);
			return -ENOMEM;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = s;
	return 0;
}

static int defs_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* wild_match: bpftrace's wildcards, '*' only (any run, newlines too) */
static bool wild_match(const char *p, const char *s)
{
	const char *star = NULL, *retry = NULL;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			retry = s;
		} else if (*p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

/* split_defs: btf_dump's text of all types into bpftrace's definitions: each
 * runs from a line opening one up to a line "};", so a packed struct ("}
 * __attribute__((packed));") stays with the definition after it, as bpftrace
 * lists them */
static int split_defs(const char *text, struct defs *d)
{
	const char *start = NULL, *p = text;
	int err = 0;

	while (*p && !err) {
		const char *nl = strchr(p, '\n'), *next = nl ? nl + 1 : p + strlen(p);
		size_t n = (size_t)(next - p) - (nl != NULL);

		/* blank lines and one-line declarations (struct x;, typedefs) between
		 * definitions belong to none */
		if (!start && (n == 0 || p[n - 1] == ';')) {
			p = next;
			continue;
		}
		if (!start)
			start = p;
		if (n == 2 && !strncmp(p, "};", 2) && nl) {
			char *def = strndup(start, (size_t)(next - start));

			err = def ? defs_add(d, def) : -ENOMEM;
			start = NULL;
		}
		p = next;
	}
	return err;
}

/* listing_print_btf: pattern is "struct X", "union X" or "enum X" (wildcards
 * allowed); verbose prints each match's definition, else its name */
int listing_print_btf(const char *pattern, bool verbose, FILE *out)
{
	struct btf *btf = btf__load_vmlinux_btf();
	struct defs d = { 0 };
	struct btf_dump *dump = NULL;
	char *text = NULL, *want = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int err = 0;

	if (!btf) {
		fprintf(stderr, "ERROR: cannot read the kernel's BTF: %s\n", strerror(errno));
		return -ENOENT;
	}
	if (verbose) {
		mem = open_memstream(&text, &len);
		dump = mem ? btf_dump__new(btf, dump_printf, mem, NULL) : NULL;
		if (!dump) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	for (unsigned id = 1; id < btf__type_cnt(btf) && !err; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf__name_by_offset(btf, t->name_off), *kind;
		char *s;

		if (btf_is_struct(t))
			kind = "struct";
		else if (btf_is_union(t))
			kind = "union";
		else if (btf_is_enum(t))    /* 0.17 predates enum64 */
			kind = "enum";
		else
			continue;
		if (!name || !*name)
			continue;
		if (verbose) {
			/* one dumper for all: a type is written once, before its users */
			err = btf_dump__dump_type(dump, id);
			continue;
		}
		if (asprintf(&s, "%s %s", kind, name) < 0)
			err = -ENOMEM;
		else
			err = defs_add(&d, s);
	}
	if (verbose && !err) {
		fclose(mem);
		mem = NULL;
		err = split_defs(text, &d);
	}
	if (err)
		goto cleanup;
	/* a definition matches the name followed by its body, as bpftrace's " *{*}*" */
	if (asprintf(&want, verbose ? "%s *{*}*" : "%s", pattern) < 0) {
		err = -ENOMEM;
		goto cleanup;
	}
	qsort(d.v, d.n, sizeof(*d.v), defs_cmp);
	for (size_t i = 0; i < d.n; i++) {
		if (i && !strcmp(d.v[i], d.v[i - 1]))
			continue;
		if (wild_match(want, d.v[i]))
			fprintf(out, "%s\n", d.v[i]);
	}

cleanup:
	if (err)
		fprintf(stderr, "ERROR: cannot list kernel types: %s\n", strerror(-err));
	if (mem)
		fclose(mem);
	btf_dump__free(dump);
	btf__free(btf);
	for (size_t i = 0; i < d.n; i++)
		free(d.v[i]);
	free(d.v);
	free(text);
	free(want);
	return err;
}
