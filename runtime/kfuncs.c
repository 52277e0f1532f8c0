/* kfuncs: the kernel functions that kprobes and fentry can attach to.
 * Owns the one list of them (tracefs available_filter_functions where readable,
 * else BTF function names, else /proc/kallsyms text symbols) and function sizes. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "features.h"
#include "kfuncs.h"
#include "tracefs.h"

struct kfunc {
	char *module;           /* NULL: vmlinux */
	char *name;
};

struct kfunc_list {
	bool loaded;
	int err;
	enum kfuncs_source src;
	struct kfunc *v;
	size_t n, cap;
};

/* [0]: the list for kprobes, [1]: the BTF one (fentry). Loaded on first use. */
static struct kfunc_list lists[2];

struct ksym {
	uint64_t addr;
	char *module;
	char *name;
};

static struct {
	bool loaded;
	int err;
	struct ksym *v;
	size_t n, cap;
} kallsyms;

static struct {
	bool loaded;
	char **v;
	size_t n;
} blacklist;

const char *kfuncs_source_name(enum kfuncs_source src)
{
	switch (src) {
	case KFS_FILTER_FUNCS: return "available_filter_functions";
	case KFS_BTF: return "BTF";
	case KFS_KALLSYMS: return "/proc/kallsyms";
	default: return "nothing";
	}
}

static int list_push(struct kfunc_list *l, const char *module, const char *name)
{
	struct kfunc *v;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;

		v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].module = module ? strdup(module) : NULL;
	l->v[l->n].name = strdup(name);
	if (!l->v[l->n].name || (module && !l->v[l->n].module))
		return -ENOMEM;
	l->n++;
	return 0;
}

static int kfunc_cmp(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;
	int c;

	/* vmlinux first, then modules by name */
	if (!x->module != !y->module)
		return x->module ? 1 : -1;
	if (x->module && (c = strcmp(x->module, y->module)))
		return c;
	return strcmp(x->name, y->name);
}

static void list_sort_uniq(struct kfunc_list *l)
{
	size_t i, o = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), kfunc_cmp);
	for (i = 1; i < l->n; i++) {
		if (!kfunc_cmp(&l->v[o], &l->v[i])) {
			free(l->v[i].module);
			free(l->v[i].name);
			continue;
		}
		l->v[++o] = l->v[i];
	}
	l->n = o + 1;
}

/* Compiler clones are not functions of the source: ".cold" parts are no entry
 * points, and bpftrace hides ".part.N" too. */
bool kfuncs_skip_in_wildcard(const char *func)
{
	return strstr(func, ".cold") || strstr(func, ".part.") || !strncmp(func, "__bpf_trace_", 12);
}

/* "name" or "name [module]" per line; duplicates are static functions of one name. */
static int load_filter_funcs(struct kfunc_list *l)
{
	char path[512], line[512], name[256], mod[128];
	FILE *f;
	int n, err = 0;

	if (!features_has(FEAT_AVAIL_FILTER_FUNCS) ||
	    tracefs_path(path, sizeof(path), "available_filter_functions"))
		return -EPERM;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		n = sscanf(line, "%255s [%127[^]]]", name, mod);
		if (n < 1)
			continue;
		err = list_push(l, n == 2 ? mod : NULL, name);
	}
	fclose(f);
	return err ? err : (l->n ? 0 : -ENOENT);
}

static int btf_add_funcs(struct kfunc_list *l, const struct btf *btf, const char *module,
			 __u32 first)
{
	__u32 id, n = btf__type_cnt(btf);
	const struct btf_type *t;
	const char *name;
	int err;

	for (id = first; id < n; id++) {
		t = btf__type_by_id(btf, id);
		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (name && *name && (err = list_push(l, module, name)))
			return err;
	}
	return 0;
}

static int load_btf_funcs(struct kfunc_list *l)
{
	struct btf *vmlinux, *mod;
	struct dirent *de;
	char path[512];
	DIR *d;
	int err;

	vmlinux = features_vmlinux_btf();
	if (!vmlinux)
		return -ENOENT;
	err = btf_add_funcs(l, vmlinux, NULL, 1);
	d = opendir("/sys/kernel/btf");
	while (!err && d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", de->d_name);
		mod = btf__parse_split(path, vmlinux);
		if (!mod)
			continue;
		err = btf_add_funcs(l, mod, de->d_name, btf__type_cnt(vmlinux));
		btf__free(mod);
	}
	if (d)
		closedir(d);
	return err;
}

/* "ffffffff81234560 T vfs_read" or "... t nft_trans_alloc_gfp	[nf_tables]" */
static int load_kallsyms(void)
{
	char line[512], name[256], mod[128], type;
	unsigned long long addr;
	struct ksym *v;
	FILE *f;
	int n;

	if (kallsyms.loaded)
		return kallsyms.err;
	kallsyms.loaded = true;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return kallsyms.err = -errno;
	while (fgets(line, sizeof(line), f)) {
		n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (n < 3 || (type != 't' && type != 'T'))
			continue;
		if (kallsyms.n == kallsyms.cap) {
			kallsyms.cap = kallsyms.cap ? kallsyms.cap * 2 : 65536;
			v = realloc(kallsyms.v, kallsyms.cap * sizeof(*v));
			if (!v) {
				fclose(f);
				return kallsyms.err = -ENOMEM;
			}
			kallsyms.v = v;
		}
		kallsyms.v[kallsyms.n++] = (struct ksym){ addr, n == 4 ? strdup(mod) : NULL,
							  strdup(name) };
	}
	fclose(f);
	if (!kallsyms.n)
		return kallsyms.err = -ENOENT;
	if (kallsyms.v[0].addr == 0)
		return kallsyms.err = -EPERM;   /* kptr_restrict: names without addresses */
	return 0;
}

static int ksym_addr_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int load_kallsyms_funcs(struct kfunc_list *l)
{
	int err = load_kallsyms();
	size_t i;

	if (err && err != -EPERM)
		return err;
	for (i = 0; i < kallsyms.n && !err; i++)
		err = list_push(l, kallsyms.v[i].module, kallsyms.v[i].name);
	return err;
}

static struct kfunc_list *list_get(bool btf_only)
{
	struct kfunc_list *l = &lists[btf_only];
	int err = -ENOENT;

	if (l->loaded)
		return l;
	l->loaded = true;
	if (!btf_only && !(err = load_filter_funcs(l)))
		l->src = KFS_FILTER_FUNCS;
	if (err && features_has(FEAT_BTF)) {
		l->n = 0;
		if (!(err = load_btf_funcs(l)))
			l->src = KFS_BTF;
	}
	if (err && !btf_only) {
		l->n = 0;
		if (!(err = load_kallsyms_funcs(l)))
			l->src = KFS_KALLSYMS;
	}
	l->err = err;
	list_sort_uniq(l);
	return l;
}

enum kfuncs_source kfuncs_source(bool btf_only)
{
	return list_get(btf_only)->src;
}

static bool match(const char *glob, const char *s)
{
	if (!tracefs_has_wildcard(glob))
		return !strcmp(glob, s);
	return tracefs_wildcard_match(glob, s);
}

/* The first vmlinux entry named func, by binary search (vmlinux sorts first). */
static size_t list_find_vmlinux(const struct kfunc_list *l, const char *func)
{
	size_t lo = 0, hi = l->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->v[mid].module || strcmp(l->v[mid].name, func) >= 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int kfuncs_visit(const char *mod_glob, const char *func_glob, bool btf_only,
		 kfuncs_visit_fn fn, void *ctx)
{
	struct kfunc_list *l = list_get(btf_only);
	bool wild = tracefs_has_wildcard(func_glob);
	size_t i = 0;
	int n = 0;

	if (l->err)
		return l->err;
	/* One exact name: skip to it in vmlinux; modules, if asked for, follow. */
	if (!wild && (!mod_glob || !strcmp(mod_glob, "vmlinux"))) {
		i = list_find_vmlinux(l, func_glob);
		if (i < l->n && !l->v[i].module && !strcmp(l->v[i].name, func_glob)) {
			n = 1;
			fn(NULL, l->v[i].name, ctx);
			return n;
		}
		if (mod_glob)
			return 0;
		while (i < l->n && !l->v[i].module)
			i++;
	}
	for (; i < l->n; i++) {
		const struct kfunc *k = &l->v[i];

		if (mod_glob && !match(mod_glob, k->module ? k->module : "vmlinux"))
			continue;
		if (!match(func_glob, k->name) || (wild && kfuncs_skip_in_wildcard(k->name)))
			continue;
		n++;
		if (fn(k->module, k->name, ctx))
			break;
	}
	return n;
}

static int kfuncs_found(const char *module, const char *func, void *ctx)
{
	(void)module;
	(void)func;
	*(bool *)ctx = true;
	return 1;
}

bool kfuncs_traceable(const char *module, const char *func)
{
	bool found = false;

	if (kfuncs_source(false) != KFS_FILTER_FUNCS || tracefs_has_wildcard(func))
		return true;    /* cannot tell: let the kernel decide */
	kfuncs_visit(module, func, false, kfuncs_found, &found);
	return found;
}

bool kfuncs_exists(const char *module, const char *func)
{
	size_t i;

	if (load_kallsyms() && !kallsyms.n)
		return true;    /* cannot tell: let the kernel decide */
	for (i = 0; i < kallsyms.n; i++)
		if (!strcmp(kallsyms.v[i].name, func) &&
		    (!module || (kallsyms.v[i].module ? !strcmp(module, kallsyms.v[i].module) :
				 !strcmp(module, "vmlinux"))))
			return true;
	return false;
}

int kfuncs_symbol(const char *module, const char *func, uint64_t *addr, uint64_t *size)
{
	static bool sorted;
	int err = load_kallsyms();
	size_t i;

	if (err)
		return err;
	if (!sorted) {
		qsort(kallsyms.v, kallsyms.n, sizeof(*kallsyms.v), ksym_addr_cmp);
		sorted = true;
	}
	for (i = 0; i < kallsyms.n; i++) {
		const struct ksym *k = &kallsyms.v[i];

		if (strcmp(k->name, func))
			continue;
		if (module && (k->module ? strcmp(module, k->module) : strcmp(module, "vmlinux")))
			continue;
		*addr = k->addr;
		/* aliases share an address: the size runs to the next distinct one */
		*size = 0;
		for (size_t j = i + 1; j < kallsyms.n && !*size; j++)
			if (kallsyms.v[j].addr > k->addr)
				*size = kallsyms.v[j].addr - k->addr;
		return 0;
	}
	return -ENOENT;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* debugfs kprobes/blacklist: "0xffffffff81001000-0xffffffff81001020	do_int3" */
static void load_blacklist(void)
{
	char line[512], name[256];
	size_t cap = 0;
	char **v;
	FILE *f;

	blacklist.loaded = true;
	f = fopen("/sys/kernel/debug/kprobes/blacklist", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %255s", name) != 1)
			continue;
		if (blacklist.n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(blacklist.v, cap * sizeof(*v));
			if (!v)
				break;
			blacklist.v = v;
		}
		blacklist.v[blacklist.n++] = strdup(name);
	}
	fclose(f);
	qsort(blacklist.v, blacklist.n, sizeof(*blacklist.v), str_cmp);
}

bool kfuncs_kprobe_allowed(const char *func)
{
	if (!blacklist.loaded)
		load_blacklist();
	return !blacklist.n ||
	       !bsearch(&func, blacklist.v, blacklist.n, sizeof(*blacklist.v), str_cmp);
}
