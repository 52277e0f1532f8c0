/* kinfo_user: uprobe/usdt questions the compiler asks, answered from ELF files.
 * Matching follows bpftrace 0.17 (its '*'-only wildcards, C++ names matched
 * mangled first, then demangled); addresses come back with their file offsets. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "elf_file.h"
#include "elf_paths.h"
#include "kinfo_user.h"
#include "procmaps.h"
#include "tracefs.h"
#include "usdt_notes.h"

char *kinfo_user_resolve(const char *target, int pid, int *nfound)
{
	return elf_paths_resolve(target, pid, nfound);
}

struct count_ctx {
	user_file_fn fn;
	void *ctx;
	int n;
};

static int count_visit(const char *path, void *ctx)
{
	struct count_ctx *c = ctx;

	c->n++;
	return c->fn(path, c->ctx);
}

int kinfo_user_glob(const char *pattern, user_file_fn fn, void *ctx)
{
	struct count_ctx c = { fn, ctx, 0 };
	int err = elf_paths_glob(pattern, count_visit, &c);

	return err < 0 ? err : c.n;
}

int kinfo_user_pid_files(int pid, bool exe_only, user_file_fn fn, void *ctx)
{
	struct count_ctx c = { fn, ctx, 0 };
	char exe[4096];
	int err;

	if (exe_only) {
		err = procmaps_exe(pid, exe, sizeof(exe));
		if (err)
			return err;
		err = count_visit(exe, &c);
	} else {
		err = procmaps_elf_files(pid, count_visit, &c);
	}
	return err < 0 ? err : c.n;
}

int kinfo_user_needed(const char *path, user_file_fn fn, void *ctx)
{
	struct count_ctx c = { fn, ctx, 0 };
	int err = elf_paths_needed(path, count_visit, &c);

	return err < 0 ? err : c.n;
}

struct fsym {
	char *name;
	uint64_t addr, size;
};

struct fsym_vec {
	struct fsym *v;
	size_t n, cap;
	const char *glob;
	bool wild;
	int err;
};

/* "ns::f(int) const" -> "ns::f": the name without its parameter list. */
static char *strip_params(const char *dem)
{
	int depth = 0;

	for (const char *p = dem; *p; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && depth)
			depth--;
		else if (*p == '(' && !depth && p > dem)
			return strndup(dem, p - dem);
	}
	return NULL;
}

/* Wildcards: bpftrace 0.17's rule, demangled names with loose ends. Without
 * one: the exact mangled name, demangled name or demangled name sans params. */
static bool func_matches(const char *glob, bool wild, const char *name)
{
	char *dem, *bare;
	bool ok;

	if (wild ? tracefs_wildcard_match(glob, name) : !strcmp(glob, name))
		return true;
	dem = elf_demangle(name);
	if (!dem)
		return false;
	if (wild) {
		ok = tracefs_wildcard_find(glob, dem);
	} else {
		ok = !strcmp(glob, dem);
		if (!ok && (bare = strip_params(dem))) {
			ok = !strcmp(glob, bare);
			free(bare);
		}
	}
	free(dem);
	return ok;
}

static int fsym_visit(const struct elf_sym *sym, void *ctx)
{
	struct fsym_vec *v = ctx;
	struct fsym *tmp;

	/* ".part.N" clones cannot be traced; bpftrace hides them. */
	if (strstr(sym->name, ".part.") || !func_matches(v->glob, v->wild, sym->name))
		return 0;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		tmp = realloc(v->v, v->cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		v->v = tmp;
	}
	v->v[v->n].name = strdup(sym->name);
	if (!v->v[v->n].name)
		return -ENOMEM;
	v->v[v->n].addr = sym->addr;
	v->v[v->n].size = sym->size;
	v->n++;
	return 0;
}

static int fsym_cmp(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* sized definitions first, so the dedup below keeps them */
	if (c)
		return c;
	return (x->size == 0) - (y->size == 0);
}

static int file_segments(const char *path, struct elf_segs *segs)
{
	int fd, err;
	Elf *e = elf_file_open(path, &fd);

	if (!e)
		return -ENOEXEC;
	err = elf_load_segments(e, segs);
	elf_file_close(e, fd);
	return err;
}

static void user_sym_fill(struct user_sym *us, const struct elf_segs *segs, const char *name,
			  uint64_t addr, uint64_t size, bool is_func)
{
	uint64_t off = 0;

	us->name = name;
	us->demangled = NULL;
	us->addr = addr;
	us->size = size;
	us->file_offset = elf_vaddr_to_offset(segs, addr, &off) ? addr : off;
	us->is_func = is_func;
}

int kinfo_user_func_glob(const char *path, const char *glob, user_sym_fn fn, void *ctx)
{
	struct fsym_vec v = { .glob = glob, .wild = tracefs_has_wildcard(glob) };
	struct elf_segs segs;
	struct user_sym us;
	int err, n = 0;
	char *dem;

	err = file_segments(path, &segs);
	if (!err)
		err = elf_symbols_foreach(path, ELF_SYMS_FUNC | ELF_SYMS_DEBUG, fsym_visit, &v);
	if (!err && v.n)
		qsort(v.v, v.n, sizeof(*v.v), fsym_cmp);
	for (size_t i = 0; i < v.n && !err; i++) {
		if (i && !strcmp(v.v[i - 1].name, v.v[i].name))
			continue;
		user_sym_fill(&us, &segs, v.v[i].name, v.v[i].addr, v.v[i].size, true);
		dem = elf_demangle(v.v[i].name);
		us.demangled = dem;
		err = fn(&us, ctx);
		free(dem);
		n++;
	}
	for (size_t i = 0; i < v.n; i++)
		free(v.v[i].name);
	free(v.v);
	return err < 0 ? err : err ? err : n;
}

int kinfo_user_sym_lookup(const char *path, const char *name, struct user_sym *out)
{
	struct elf_segs segs;
	struct elf_sym es;
	int err;

	err = file_segments(path, &segs);
	if (!err)
		err = elf_symbol_lookup(path, name, &es);
	if (err)
		return err;
	user_sym_fill(out, &segs, name, es.addr, es.size,
		      es.type == STT_FUNC || es.type == STT_GNU_IFUNC);
	return 0;
}

struct usdt_ctx {
	const char *pglob, *nglob;
	usdt_loc_fn fn;
	void *ctx;
	int n;
};

static int usdt_visit(const struct usdt_note *n, void *ctx)
{
	struct usdt_ctx *u = ctx;
	struct usdt_loc loc;

	if (!tracefs_wildcard_match(u->pglob, n->provider) ||
	    !tracefs_wildcard_match(u->nglob, n->name))
		return 0;
	loc.provider = n->provider;
	loc.name = n->name;
	loc.args = n->args;
	loc.pc = n->pc;
	loc.file_offset = n->pc_offset;
	loc.sema_offset = n->sema_offset;
	u->n++;
	return u->fn(&loc, u->ctx);
}

int kinfo_usdt_glob(const char *path, const char *provider_glob, const char *name_glob,
		    usdt_loc_fn fn, void *ctx)
{
	struct usdt_ctx u = { provider_glob && *provider_glob ? provider_glob : "*",
			      name_glob && *name_glob ? name_glob : "*", fn, ctx, 0 };
	int err = usdt_notes_foreach(path, usdt_visit, &u);

	return err < 0 ? err : err ? err : u.n;
}

int kinfo_ksym_lookup(const char *name, unsigned long long *addr)
{
	char line[512], sym[256], type;
	unsigned long long a;
	int err = -ENOENT;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name)) {
			*addr = a;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

long kinfo_user_read(const char *path, unsigned long long file_offset, void *buf,
		     unsigned long len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, (off_t)file_offset);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}
