/* types: constructors, layout and names of value types.
 * Tuples are laid out like C structs because bpftrace does so, and the
 * printed sizeof() of a tuple is part of its contract. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "types.h"
#include "arena.h"

struct type *type_new(struct type_arena *a, enum type_kind kind, unsigned size, unsigned align)
{
	struct type *t = arena_zalloc(a, sizeof(*t));

	t->kind = kind;
	t->size = size;
	t->align = align ? align : 1;
	return t;
}

struct type *type_int(struct type_arena *a, unsigned size, bool is_signed)
{
	struct type *t = type_new(a, TY_INT, size, size);

	t->is_signed = is_signed;
	return t;
}

struct type *type_string(struct type_arena *a, unsigned size)
{
	return type_new(a, TY_STRING, size, 1);
}

struct type *type_buffer(struct type_arena *a, unsigned data_size)
{
	return type_new(a, TY_BUFFER, data_size + 4, 4);
}

/* Fixed-layout kinds: the size is a property of the kind. */
struct type *type_simple(struct type_arena *a, enum type_kind kind)
{
	switch (kind) {
	case TY_VOID: case TY_NONE: case TY_CTX: case TY_TP_ARGS:
		return type_new(a, kind, 0, 1);
	case TY_USTACK: case TY_USYM: case TY_AVG: case TY_STATS: case TY_MIN: case TY_MAX:
	case TY_TIMESTAMP: case TY_CGROUP_PATH:
		return type_new(a, kind, 16, 8);
	case TY_INET:
		return type_new(a, kind, 24, 8);
	case TY_MACADDR:
		return type_new(a, kind, 6, 1);
	case TY_HIST:
		return type_new(a, kind, HIST_NBUCKETS * 8, 8);
	default:
		return type_new(a, kind, 8, 8);
	}
}

struct type *type_pointer(struct type_arena *a, struct type *elem)
{
	struct type *t = type_new(a, TY_POINTER, 8, 8);

	t->elem = elem;
	return t;
}

struct type *type_array(struct type_arena *a, struct type *elem, unsigned count)
{
	struct type *t = type_new(a, TY_ARRAY, elem->size * count, elem->align);

	t->elem = elem;
	t->count = count;
	return t;
}

struct type *type_tuple(struct type_arena *a, struct type **elems, unsigned n)
{
	struct type *t = type_new(a, TY_TUPLE, 0, 1);
	unsigned off = 0;

	t->nfields = n;
	t->fields = arena_zalloc(a, sizeof(*t->fields) * (n ? n : 1));
	for (unsigned i = 0; i < n; i++) {
		unsigned al = elems[i]->align ? elems[i]->align : 1;

		off = (off + al - 1) / al * al;
		t->fields[i].type = elems[i];
		t->fields[i].offset = off;
		off += elems[i]->size;
		if (al > t->align)
			t->align = al;
	}
	t->size = (off + t->align - 1) / t->align * t->align;
	return t;
}

struct type *type_lhist(struct type_arena *a, int64_t min, int64_t max, int64_t step)
{
	unsigned n = lhist_nbuckets(min, max, step);
	struct type *t = type_new(a, TY_LHIST, n * 8, 8);

	t->lh_min = min;
	t->lh_max = max;
	t->lh_step = step;
	return t;
}

bool type_is_agg(const struct type *t)
{
	return t && t->kind >= TY_COUNT && t->kind <= TY_LHIST;
}

bool type_equal(const struct type *x, const struct type *y)
{
	if (x == y)
		return true;
	if (!x || !y || x->kind != y->kind || x->size != y->size)
		return false;
	switch (x->kind) {
	case TY_INT:
		return x->is_signed == y->is_signed;
	case TY_TUPLE: case TY_RECORD:
		if (x->nfields != y->nfields)
			return false;
		for (unsigned i = 0; i < x->nfields; i++)
			if (!type_equal(x->fields[i].type, y->fields[i].type))
				return false;
		return !x->name || !y->name || !strcmp(x->name, y->name);
	case TY_POINTER: case TY_ARRAY:
		return x->count == y->count && type_equal(x->elem, y->elem);
	case TY_LHIST:
		return x->lh_min == y->lh_min && x->lh_max == y->lh_max && x->lh_step == y->lh_step;
	case TY_KSTACK: case TY_USTACK:
		return x->stack_mode == y->stack_mode && x->stack_depth == y->stack_depth;
	default:
		return true;
	}
}

static const char *const kind_names[] = {
	[TY_NONE] = "none", [TY_VOID] = "void", [TY_KSTACK] = "kstack", [TY_USTACK] = "ustack",
	[TY_KSYM] = "ksym", [TY_USYM] = "usym", [TY_USERNAME] = "username", [TY_PROBE] = "probe",
	[TY_TIMESTAMP] = "timestamp", [TY_INET] = "inet", [TY_MACADDR] = "mac_address",
	[TY_CTX] = "ctx", [TY_TP_ARGS] = "args", [TY_COUNT] = "count", [TY_SUM] = "sum",
	[TY_MIN] = "min", [TY_MAX] = "max", [TY_AVG] = "avg", [TY_STATS] = "stats",
	[TY_HIST] = "hist", [TY_LHIST] = "lhist", [TY_STRERROR] = "strerror",
	[TY_CGROUP_PATH] = "cgroup_path",
};

int type_name(const struct type *t, char *buf, size_t len)
{
	size_t n = 0;

	if (!t)
		return snprintf(buf, len, "none");
	switch (t->kind) {
	case TY_INT:
		return snprintf(buf, len, "%sint%u", t->is_signed ? "" : "u", t->size * 8);
	case TY_STRING:
		return snprintf(buf, len, "string[%u]", t->size);
	case TY_BUFFER:
		return snprintf(buf, len, "buffer[%u]", t->size - 4);
	case TY_POINTER:
		n = type_name(t->elem, buf, len);
		return n + snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, " *");
	case TY_ARRAY:
		n = type_name(t->elem, buf, len);
		return n + snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, "[%u]", t->count);
	case TY_RECORD:
		return snprintf(buf, len, "%s", t->name ? t->name : "struct");
	case TY_TUPLE:
		n = snprintf(buf, len, "(");
		for (unsigned i = 0; i < t->nfields; i++) {
			if (i)
				n += snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, ",");
			n += type_name(t->fields[i].type, buf + (n < len ? n : len), n < len ? len - n : 0);
		}
		return n + snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, ")");
	default:
		return snprintf(buf, len, "%s", kind_names[t->kind] ? kind_names[t->kind] : "?");
	}
}
