/* symindex: building the name lists of symindex.h.
 * Kernel names are read once (tens of thousands of them), sorted and
 * deduplicated; lookups are two binary searches, so a Tab stays fast. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "runtime/tracefs.h"
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

static int from_filter_functions(struct builder *b)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if (tracefs_path(path, sizeof(path), "available_filter_functions"))
		return -ENOENT;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((n = getline(&line, &cap, f)) > 0)
		add(b, line, strcspn(line, " \t\n"));
	free(line);
	fclose(f);
	return b->n ? 0 : -ENOENT;
}

static int from_btf(struct builder *b)
{
	struct btf *btf = btf__load_vmlinux_btf();
	unsigned n;

	if (!btf || libbpf_get_error(btf))
		return -ENOENT;
	n = btf__type_cnt(btf);
	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (!t || !btf_is_func(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (name)
			add(b, name, strlen(name));
	}
	btf__free(btf);
	return b->n ? 0 : -ENOENT;
}

static int from_kallsyms(struct builder *b)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *type = strchr(line, ' '), *name;

		if (!type || (type[1] != 't' && type[1] != 'T') || type[2] != ' ')
			continue;
		name = type + 3;
		add(b, name, strcspn(name, " \t\n"));
	}
	free(line);
	fclose(f);
	return b->n ? 0 : -ENOENT;
}

const struct symindex *ksyms_index(void)
{
	static struct symindex ix;
	static bool loaded;
	struct builder b = { 0 };

	if (loaded)
		return &ix;
	loaded = true;
	if (!from_filter_functions(&b)) {
		finish(&b, &ix, "available_filter_functions");
	} else if (!from_btf(&b)) {
		finish(&b, &ix, "BTF function names (available_filter_functions unreadable)");
	} else if (!from_kallsyms(&b)) {
		finish(&b, &ix, "/proc/kallsyms (no BTF, available_filter_functions unreadable)");
	} else {
		finish(&b, &ix, "nothing: no kernel function list is readable");
	}
	return &ix;
}

/* ---------------------------------------------------------------- ELF */

struct elf_cache {
	char path[4096];
	struct stat st;
	struct symindex ix;
};

static bool cache_hit(struct elf_cache *c, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return false;
	if (!strcmp(c->path, path) && st.st_ino == c->st.st_ino && st.st_mtime == c->st.st_mtime)
		return true;
	symindex_free(&c->ix);
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->st = st;
	return false;
}

static Elf *elf_open(const char *path, int *fd)
{
	Elf *e;

	elf_version(EV_CURRENT);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	e = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		close(*fd);
		return NULL;
	}
	return e;
}

const struct symindex *elf_func_index(const char *path)
{
	static struct elf_cache c;
	struct builder b = { 0 };
	Elf_Scn *scn = NULL;
	Elf *e;
	int fd;

	if (cache_hit(&c, path))
		return &c.ix;
	e = elf_open(path, &fd);
	if (!e) {
		finish(&b, &c.ix, "not an ELF file");
		return &c.ix;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (name && *name) {
				/* "malloc@@GLIBC_2.2.5" is probed as "malloc" */
				add(&b, name, strcspn(name, "@"));
			}
		}
	}
	elf_end(e);
	close(fd);
	finish(&b, &c.ix, "ELF symbols");
	return &c.ix;
}

const struct symindex *elf_usdt_index(const char *path)
{
	static struct elf_cache c;
	struct builder b = { 0 };
	Elf_Scn *scn = NULL;
	Elf *e;
	int fd;

	if (cache_hit(&c, path))
		return &c.ix;
	e = elf_open(path, &fd);
	if (!e) {
		finish(&b, &c.ix, "not an ELF file");
		return &c.ix;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		size_t shstrndx;
		const char *sname;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		if (elf_getshdrstrndx(e, &shstrndx))
			continue;
		sname = elf_strptr(e, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".note.stapsdt"))
			continue;
		data = elf_getdata(scn, NULL);
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *desc = (const char *)data->d_buf + desc_off;
			const char *owner = (const char *)data->d_buf + name_off;
			size_t addr = gelf_getclass(e) == ELFCLASS32 ? 4 : 8;
			const char *prov, *pname;
			char buf[512];

			if (nh.n_type != 3 || strcmp(owner, "stapsdt") || nh.n_descsz < 3 * addr + 2)
				continue;
			prov = desc + 3 * addr;
			pname = prov + strlen(prov) + 1;
			if (pname >= desc + nh.n_descsz)
				continue;
			snprintf(buf, sizeof(buf), "%s:%s", prov, pname);
			add(&b, buf, strlen(buf));
		}
	}
	elf_end(e);
	close(fd);
	finish(&b, &c.ix, "USDT probes (.note.stapsdt)");
	return &c.ix;
}
