/* btf: BTF types -> language types, lazily.
 * Records are made with their size and name only and get their members on first
 * use (btf_complete), so naming task_struct does not convert half the kernel;
 * records held by value are completed together, pointer targets stay lazy. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf.h"
#include "ctypes.h"
#include "session.h"
#include "arena.h"

#define SYSFS_BTF "/sys/kernel/btf"

/* One BTF file: vmlinux (index 0) or a module's, split on top of vmlinux. */
struct bsrc {
	char name[64];
	struct btf *btf;
	bool tried;
	unsigned idx;
};

static struct bsrc **srcs;
static unsigned nsrcs;
static bool modules_listed;

static struct bsrc *src_add(const char *name)
{
	struct bsrc *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->idx = nsrcs;
	srcs = realloc(srcs, sizeof(*srcs) * (nsrcs + 1));
	srcs[nsrcs++] = b;
	return b;
}

static struct bsrc *vmlinux(void)
{
	struct bsrc *b;

	if (!nsrcs && !src_add("vmlinux"))
		return NULL;
	b = srcs[0];
	if (!b->tried) {
		const char *path = getenv("BPFTRACE_BTF");

		b->tried = true;
		b->btf = btf__parse(path && *path ? path : SYSFS_BTF "/vmlinux", NULL);
		if (libbpf_get_error(b->btf))
			b->btf = NULL;
	}
	return b->btf ? b : NULL;
}

/* list_modules: the other files of /sys/kernel/btf, parsed when first searched. */
static void list_modules(void)
{
	struct dirent *de;
	DIR *d;

	if (modules_listed || !vmlinux())
		return;
	modules_listed = true;
	if (getenv("BPFTRACE_BTF"))
		return;  /* an explicit BTF file stands alone */
	d = opendir(SYSFS_BTF);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "vmlinux"))
			src_add(de->d_name);
	closedir(d);
}

static struct btf *src_btf(struct bsrc *b)
{
	char path[512];

	if (b->idx == 0)
		return vmlinux() ? b->btf : NULL;
	if (!b->tried) {
		b->tried = true;
		snprintf(path, sizeof(path), SYSFS_BTF "/%s", b->name);
		b->btf = btf__parse_split(path, srcs[0]->btf);
		if (libbpf_get_error(b->btf))
			b->btf = NULL;
	}
	return b->btf;
}

/* Visit the sources in search order: vmlinux, then modules (only if vmlinux misses). */
static struct bsrc *src_at(unsigned i)
{
	if (i == 0)
		return vmlinux();
	list_modules();
	return i < nsrcs ? srcs[i] : NULL;
}

bool btf_available(void)
{
	const char *path = getenv("BPFTRACE_BTF");

	/* Every program asks (BPFTRACE_HAVE_BTF): parsing vmlinux's BTF, megabytes
	 * of it, waits until a type is actually looked up. */
	if (nsrcs && srcs[0]->tried)
		return srcs[0]->btf != NULL;
	return !access(path && *path ? path : SYSFS_BTF "/vmlinux", R_OK);
}

/* find: a named type of a kind in one source's own types (not its base). */
static int find_in(struct bsrc *b, const char *name, int kind)
{
	struct btf *btf = src_btf(b);
	int id;

	if (!btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, name, kind);
	if (id <= 0)
		return -ENOENT;
	if (b->idx && (uint32_t)id < btf__type_cnt(srcs[0]->btf))
		return -ENOENT;  /* found in the base: vmlinux answers for it */
	return id;
}

static int find_any(const char *name, int kind, struct bsrc **out)
{
	for (unsigned i = 0;; i++) {
		struct bsrc *b = src_at(i);
		int id;

		if (!b) {
			if (i == 0)
				return -ENOENT;
			if (i >= nsrcs)
				return -ENOENT;
			continue;
		}
		id = find_in(b, name, kind);
		if (id > 0) {
			*out = b;
			return id;
		}
	}
}

static struct bsrc *src_of(const void *btf_src)
{
	for (unsigned i = 0; i < nsrcs; i++)
		if (srcs[i] == btf_src)
			return srcs[i];
	return NULL;
}

/* ---------------------------------------------------------------- conversion */

static struct type *conv(struct session *s, struct bsrc *b, uint32_t id);

static struct type *function_type(struct session *s)
{
	struct type *t = type_new(s->arena, TY_VOID, 1, 1);

	t->name = "function";
	return t;
}

static char *record_name(struct session *s, const struct btf *btf, const struct btf_type *t,
			 bool is_union)
{
	const char *n = btf__name_by_offset(btf, t->name_off);
	char *r;

	if (!n || !*n)
		return NULL;
	r = arena_zalloc(s->arena, strlen(n) + 8);
	sprintf(r, "%s %s", is_union ? "union" : "struct", n);
	return r;
}

static struct type *conv_uncached(struct session *s, struct bsrc *b, uint32_t id, uint64_t key)
{
	struct ctypes *ct = ctypes_of(s);
	struct type_arena *a = s->arena;
	const struct btf *btf = b->btf;
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	struct type *r;

	if (!t)
		return type_simple(a, TY_VOID);
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint8_t enc = btf_int_encoding(t);
		const char *n = btf__name_by_offset(btf, t->name_off);

		if (t->size > 8)
			return type_array(a, type_int(a, 8, false), t->size / 8);
		if (n && !strcmp(n, "char") && t->size == 1)
			return ctypes_char(s);
		return type_int(a, t->size, (enc & BTF_INT_SIGNED) && !(enc & BTF_INT_BOOL));
	}
	case BTF_KIND_PTR:
		/* cached before the target: a pointer cycle ends here */
		r = type_pointer(a, NULL);
		ct_hash_put(s, &ct->btf_ids, NULL, key)->val = r;
		r->elem = conv(s, b, t->type);
		return r;
	case BTF_KIND_ARRAY: {
		const struct btf_array *arr = btf_array(t);
		struct type *e = conv(s, b, arr->type);

		if (e->kind == TY_RECORD && e->incomplete)
			btf_complete(s, e);
		if (ctypes_is_char(e))
			return type_string(a, arr->nelems);
		return type_array(a, e, arr->nelems);
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		int al = btf__align_of(btf, id);

		r = type_new(a, TY_RECORD, t->size, al > 0 ? (unsigned)al : 1);
		r->is_union = btf_kind(t) == BTF_KIND_UNION;
		r->name = record_name(s, btf, t, r->is_union);
		r->incomplete = true;
		r->btf_src = b;
		r->btf_id = id;
		return r;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return type_int(a, t->size ? t->size : 4, btf_kflag(t));
	case BTF_KIND_FWD: {
		bool is_union = btf_kflag(t);
		const char *n = btf__name_by_offset(btf, t->name_off);
		struct bsrc *fb;
		int fid = n && *n ? find_any(n, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT, &fb) : -1;

		if (fid > 0)
			return conv(s, fb, (uint32_t)fid);
		r = type_new(a, TY_RECORD, 0, 1);
		r->is_union = is_union;
		r->name = record_name(s, btf, t, is_union);
		r->incomplete = true;
		return r;
	}
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return conv(s, b, t->type);
	case BTF_KIND_FUNC:
	case BTF_KIND_FUNC_PROTO:
		return function_type(s);
	case BTF_KIND_FLOAT:
		if (t->size > 8)
			return type_array(a, type_int(a, 8, false), t->size / 8);
		return type_int(a, t->size, false);
	default:
		return type_simple(a, TY_VOID);
	}
}

static struct type *conv(struct session *s, struct bsrc *b, uint32_t id)
{
	struct ctypes *ct = ctypes_of(s);
	uint64_t key = ((uint64_t)b->idx << 32) | id;
	bool found;
	struct type *r = ct_hash_get(&ct->btf_ids, NULL, key, &found);

	if (found)
		return r;
	r = conv_uncached(s, b, id, key);
	ct_hash_put(s, &ct->btf_ids, NULL, key)->val = r;
	return r;
}

int btf_complete(struct session *s, struct type *t)
{
	struct bsrc *b = src_of(t->btf_src);
	const struct btf_type *bt;
	const struct btf_member *m;
	unsigned n;

	if (!t->incomplete)
		return 0;
	if (!b || !b->btf)
		return -ENOENT;
	bt = btf__type_by_id(b->btf, t->btf_id);
	if (!bt || !btf_is_composite(bt))
		return -EINVAL;
	n = btf_vlen(bt);
	m = btf_members(bt);
	t->fields = arena_zalloc(s->arena, sizeof(*t->fields) * (n ? n : 1));
	t->nfields = n;
	/* complete before the members: a record can only hold itself through pointers */
	t->incomplete = false;
	for (unsigned i = 0; i < n; i++) {
		struct type_field *f = &t->fields[i];
		const char *name = btf__name_by_offset(b->btf, m[i].name_off);
		uint32_t bitoff = btf_member_bit_offset(bt, i);
		uint32_t bitsz = btf_member_bitfield_size(bt, i);
		struct type *ft = conv(s, b, m[i].type);

		if (ft->kind == TY_RECORD && ft->incomplete)
			btf_complete(s, ft);
		f->name = name && *name ? name : NULL;
		f->type = ft;
		f->offset = bitoff / 8;
		if (bitsz) {
			f->bit_offset = bitoff % 8;
			f->bit_size = bitsz;
		}
	}
	return 0;
}

struct type *btf_type_by_name(struct session *s, const char *name)
{
	struct ctypes *ct = ctypes_of(s);
	struct type *r = NULL;
	struct bsrc *b;
	bool found;
	int id = -1;

	if (!vmlinux())
		return NULL;
	r = ct_hash_get(&ct->btf_names, name, 0, &found);
	if (found)
		return r;
	if (!strncmp(name, "struct ", 7))
		id = find_any(name + 7, BTF_KIND_STRUCT, &b);
	else if (!strncmp(name, "union ", 6))
		id = find_any(name + 6, BTF_KIND_UNION, &b);
	else if (!strncmp(name, "enum ", 5)) {
		id = find_any(name + 5, BTF_KIND_ENUM, &b);
		if (id <= 0)
			id = find_any(name + 5, BTF_KIND_ENUM64, &b);
	} else {
		id = find_any(name, BTF_KIND_TYPEDEF, &b);
		if (id <= 0)
			id = find_any(name, BTF_KIND_INT, &b);
	}
	r = id > 0 ? conv(s, b, (uint32_t)id) : NULL;
	ct_hash_put(s, &ct->btf_names, arena_strdup(s->arena, name), 0)->val = r;
	return r;
}

/* ---------------------------------------------------------------- enumerators */

struct enum_ent {
	const char *name;
	int64_t val;
};

static struct enum_ent *enums;
static size_t enums_cap;
static bool enums_built;

static size_t str_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void enum_add(const char *name, int64_t v)
{
	size_t i = str_hash(name) & (enums_cap - 1);

	while (enums[i].name) {
		if (!strcmp(enums[i].name, name))
			return;  /* the first definition wins */
		i = (i + 1) & (enums_cap - 1);
	}
	enums[i].name = name;
	enums[i].val = v;
}

static void enums_build(void)
{
	struct bsrc *b = vmlinux();
	size_t total = 0;
	uint32_t n;

	enums_built = true;
	if (!b)
		return;
	n = btf__type_cnt(b->btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b->btf, id);

		if (btf_is_any_enum(t))
			total += btf_vlen(t);
	}
	for (enums_cap = 1024; enums_cap < total * 2; enums_cap <<= 1)
		;
	enums = calloc(enums_cap, sizeof(*enums));
	if (!enums)
		return;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b->btf, id);

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);

			for (unsigned i = 0; i < btf_vlen(t); i++)
				enum_add(btf__name_by_offset(b->btf, e[i].name_off),
					 btf_kflag(t) ? (int64_t)e[i].val : (int64_t)(uint32_t)e[i].val);
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);

			for (unsigned i = 0; i < btf_vlen(t); i++)
				enum_add(btf__name_by_offset(b->btf, e[i].name_off),
					 (int64_t)btf_enum64_value(&e[i]));
		}
	}
}

bool btf_enum_value(const char *name, int64_t *val)
{
	size_t i;

	if (!enums_built)
		enums_build();
	if (!enums)
		return false;
	for (i = str_hash(name) & (enums_cap - 1); enums[i].name; i = (i + 1) & (enums_cap - 1))
		if (!strcmp(enums[i].name, name)) {
			*val = enums[i].val;
			return true;
		}
	return false;
}

/* ---------------------------------------------------------------- spelling */

static int spell(const struct btf *btf, uint32_t id, char *buf, size_t len, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	const char *n;
	int k;

	if (!t)
		return snprintf(buf, len, "void");
	if (depth > 16)
		return snprintf(buf, len, "...");
	n = btf__name_by_offset(btf, t->name_off);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FLOAT:
		return snprintf(buf, len, "%s", n);
	case BTF_KIND_STRUCT:
		return snprintf(buf, len, "struct %s", n);
	case BTF_KIND_UNION:
		return snprintf(buf, len, "union %s", n);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return snprintf(buf, len, "enum %s", n);
	case BTF_KIND_FWD:
		return snprintf(buf, len, "%s %s", btf_kflag(t) ? "union" : "struct", n);
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE: {
		const char *q = btf_kind(t) == BTF_KIND_CONST ? "const " : "volatile ";

		k = snprintf(buf, len, "%s", q);
		return k + spell(btf, t->type, buf + k, (size_t)k < len ? len - k : 0, depth + 1);
	}
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return spell(btf, t->type, buf, len, depth + 1);
	case BTF_KIND_PTR: {
		const struct btf_type *tt = btf__type_by_id(btf, t->type);

		if (tt && btf_is_func_proto(tt))
			return snprintf(buf, len, "void *");
		k = spell(btf, t->type, buf, len, depth + 1);
		return k + snprintf(buf + ((size_t)k < len ? k : len), (size_t)k < len ? len - k : 0,
				    " *");
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *arr = btf_array(t);

		k = spell(btf, arr->type, buf, len, depth + 1);
		return k + snprintf(buf + ((size_t)k < len ? k : len), (size_t)k < len ? len - k : 0,
				    "[%u]", arr->nelems);
	}
	default:
		return snprintf(buf, len, "void");
	}
}

int btf_type_str(const void *btf, uint32_t id, char *buf, size_t len)
{
	if (!btf) {
		struct bsrc *b = vmlinux();

		if (!b)
			return snprintf(buf, len, "?");
		btf = b->btf;
	}
	return spell(btf, id, buf, len, 0);
}

/* ---------------------------------------------------------------- functions */

static int find_func(const char *module, const char *func, struct bsrc **out)
{
	if (!vmlinux())
		return -ENOTSUP;
	if (!module || !*module) {
		int id = find_any(func, BTF_KIND_FUNC, out);

		return id > 0 ? id : -ENOENT;
	}
	list_modules();
	for (unsigned i = 0; i < nsrcs; i++) {
		int id;

		if (strcmp(srcs[i]->name, module))
			continue;
		id = find_in(srcs[i], func, BTF_KIND_FUNC);
		if (id > 0) {
			*out = srcs[i];
			return id;
		}
	}
	return -ENOENT;
}

int btf_func_params(const char *module, const char *func, const char **module_out,
		    struct btf_func_param *params, int max, char *ret, size_t retlen)
{
	const struct btf_type *fn, *proto;
	const struct btf_param *p;
	struct bsrc *b;
	int id = find_func(module, func, &b), n;

	if (id < 0)
		return id;
	fn = btf__type_by_id(b->btf, id);
	proto = fn ? btf__type_by_id(b->btf, fn->type) : NULL;
	if (!proto || !btf_is_func_proto(proto))
		return -EINVAL;
	if (module_out)
		*module_out = b->name;
	if (ret)
		spell(b->btf, proto->type, ret, retlen, 0);
	n = btf_vlen(proto);
	p = btf_params(proto);
	/* a trailing type 0 parameter marks varargs: not a parameter */
	if (n && !p[n - 1].type)
		n--;
	for (int i = 0; i < n && params && i < max; i++) {
		const char *pn = btf__name_by_offset(b->btf, p[i].name_off);

		params[i].name = pn ? pn : "";
		spell(b->btf, p[i].type, params[i].type, sizeof(params[i].type), 0);
		params[i].ty = NULL;
	}
	return n;
}

struct type *btf_func_args(struct session *s, const char *module, const char *func,
			   bool with_retval, char *err, size_t errlen)
{
	const struct btf_type *fn, *proto;
	const struct btf_param *p;
	struct type_arena *a = s->arena;
	struct type *t;
	struct bsrc *b;
	int id = find_func(module, func, &b), n, nf;
	bool has_ret;
	char name[160];

	if (id == -ENOTSUP) {
		snprintf(err, errlen, "kernel BTF is not available (%s/vmlinux)", SYSFS_BTF);
		return NULL;
	}
	if (id < 0) {
		snprintf(err, errlen, "No BTF found for %s%s%s", module ? module : "",
			 module ? ":" : "", func);
		return NULL;
	}
	fn = btf__type_by_id(b->btf, id);
	proto = fn ? btf__type_by_id(b->btf, fn->type) : NULL;
	if (!proto || !btf_is_func_proto(proto)) {
		snprintf(err, errlen, "%s: BTF has no prototype for it", func);
		return NULL;
	}
	n = btf_vlen(proto);
	p = btf_params(proto);
	if (n && !p[n - 1].type)
		n--;
	has_ret = with_retval && proto->type;
	nf = n + (has_ret ? 1 : 0);
	t = type_new(a, TY_TP_ARGS, 8 * nf, 8);
	snprintf(name, sizeof(name), "%s:%s", with_retval ? "kretfunc" : "kfunc", func);
	t->name = arena_strdup(a, name);
	t->nfields = nf;
	t->fields = arena_zalloc(a, sizeof(*t->fields) * (nf ? nf : 1));
	for (int i = 0; i < nf; i++) {
		uint32_t tid = i < n ? p[i].type : proto->type;
		struct type *ft = conv(s, b, tid);
		const char *pn = i < n ? btf__name_by_offset(b->btf, p[i].name_off) : "retval";

		if (ft->kind == TY_RECORD || ft->kind == TY_ARRAY || ft->kind == TY_STRING ||
		    ft->size > 8) {
			char ts[128];

			spell(b->btf, tid, ts, sizeof(ts), 0);
			snprintf(err, errlen, "%s: %s %s is passed by value, which is not supported",
				 func, ts, pn && *pn ? pn : "(unnamed)");
			return NULL;
		}
		if (ft->kind == TY_POINTER)
			ft = ctypes_with_as(s, ft, AS_KERNEL);
		t->fields[i].name = pn && *pn ? pn : arena_strdup(a, "");
		t->fields[i].type = ft;
		t->fields[i].offset = 8 * i;
	}
	return t;
}

int btf_funcs_foreach(int (*fn)(const char *module, const char *func, void *ctx), void *ctx)
{
	if (!vmlinux())
		return -ENOTSUP;
	list_modules();
	for (unsigned i = 0; i < nsrcs; i++) {
		struct btf *btf = src_btf(srcs[i]);
		uint32_t start = i ? btf__type_cnt(srcs[0]->btf) : 1, n;

		if (!btf)
			continue;
		n = btf__type_cnt(btf);
		for (uint32_t id = start; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			int r;

			if (!btf_is_func(t))
				continue;
			r = fn(srcs[i]->name, btf__name_by_offset(btf, t->name_off), ctx);
			if (r)
				return r;
		}
	}
	return 0;
}
