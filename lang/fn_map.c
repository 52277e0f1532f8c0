/* fn_map: map functions beyond bpftrace 0.17: has_key(@m, k), len(@m), print(@m[k])
 * of an aggregation (the runtime prints that entry, its CPUs added up). 0.17
 * rejects both, so no 0.17 script prints differently. */
#include <string.h>
#include "fn.h"

#define ARG(n, i) ((n)->args.v[i])

/* keyed_map: the bare @m of has_key(@m, k), which must have keys */
static struct map_decl *keyed_map(struct sema *se, struct node *n, struct node *a)
{
	struct map_decl *m;

	if (a->kind != N_MAP || a->a) {
		fn_error(se, n, "%s() expects a map to be provided", n->name);
		return NULL;
	}
	m = session_map_find(se->s, a->name);
	if (!m) {
		if (!se->lenient)
			fn_error(se, a, "Undefined map: %s", a->name);
		return NULL;
	}
	if (!m->key) {
		fn_error(se, n, "%s() expects a map with explicit keys (non-scalar map)", n->name);
		return NULL;
	}
	a->id = m->id;
	return m;
}

struct type *fn_ck_has_key(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0), probe;
	struct map_decl *m = keyed_map(se, n, a);

	if (!m)
		return NULL;
	/* type the key as @m[k] would be, with the same mismatch messages */
	probe = *a;
	probe.a = ARG(n, 1);
	if (!sema_map(se, &probe, NULL))
		return NULL;
	return sema_int64(se, false);
}

LLVMValueRef fn_gen_has_key(struct cg *cg, struct node *n)
{
	const struct map_decl *m = cg->s->maps[ARG(n, 0)->id];
	LLVMValueRef args[2] = { cg_map_ptr(cg, m->id), cg_map_key(cg, m, ARG(n, 1)) };
	LLVMValueRef p = cg_helper(cg, H_MAP_LOOKUP, args, 2);

	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, p, cg_const(cg, 0), ""),
			     cg->i64, "");
}

/* ---- print(@m[k]) of an aggregation ---- */

bool fn_is_print_key(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);
	struct map_decl *m;

	if (a->kind != N_MAP || !a->a || n->args.n != 1)
		return false;
	m = session_map_find(se->s, a->name);
	return m && type_is_agg(m->value);
}

struct type *fn_ck_print_key(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);

	if (!sema_map(se, a, NULL))
		return NULL;
	n->id = -1;     /* marks the form for codegen */
	return type_simple(se->s->arena, TY_VOID);
}

struct fill_key {
	LLVMValueRef key;
	unsigned size;
};

static void fill_key(struct cg *cg, LLVMValueRef rec, void *arg)
{
	struct fill_key *fk = arg;

	cg_memcpy(cg, rec, fk->key, fk->size);
}

LLVMValueRef fn_gen_print_key(struct cg *cg, struct node *n)
{
	struct node *a = ARG(n, 0);
	const struct map_decl *m = cg->s->maps[a->id];
	struct fill_key fk = { cg_map_key(cg, m, a->a), m->key_size };

	cg_event(cg, EV_PRINT_MAP_KEY, m->id, m->key_size, fill_key, &fk);
	return cg_const(cg, 0);
}

/* ---- len(@m): the number of elements (bpftrace 0.19) ---- */

struct type *fn_ck_len(struct sema *se, struct node *n)
{
	return keyed_map(se, n, ARG(n, 0)) ? sema_int64(se, false) : NULL;
}

LLVMValueRef fn_gen_len(struct cg *cg, struct node *n)
{
	return cg_map_count(cg, ARG(n, 0)->id);
}
