/* functions: the language's functions, one table entry each (type rule + code).
 * Async ones (printf, exit, print, clear ...) become ring-buffer records that
 * the runtime acts on; aggregations update their map in place. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "codegen.h"
#include "ctypes.h"
#include "fn.h"

#define ARG(n, i) ((n)->args.v[i])

/* ---- shared pieces ---- */

static bool is_map(const struct node *n)
{
	return n->kind == N_MAP;
}

/* check_format: printf/system/cat: a literal format, then arguments it consumes. */
static struct type *check_format(struct sema *se, struct node *n, enum fmt_kind kind)
{
	struct type **el;
	struct type *args;
	int nargs = n->args.n - 1;

	if (ARG(n, 0)->kind != N_STR) {
		struct type *t = sema_expr(se, ARG(n, 0));

		if (t)
			fn_error(se, n, "%s() expects a string literal (%s provided)", n->name,
				 fn_type_word(t));
		return NULL;
	}
	el = malloc(sizeof(*el) * (nargs + 1));
	for (int i = 0; i < nargs; i++) {
		struct type *t = sema_expr(se, ARG(n, i + 1));

		if (!t) {
			free(el);
			return NULL;
		}
		el[i] = t;
	}
	if (fn_fmt_check(se, n, n->name, ARG(n, 0)->sval, el, nargs)) {
		free(el);
		return NULL;
	}
	for (int i = 0; i < nargs; i++) {
		struct type *t = el[i];

		if (t->kind == TY_VOID || type_is_agg(t) || t->kind == TY_CTX || t->kind == TY_TP_ARGS) {
			sema_error(se, ARG(n, i + 1), "%s() can not print a value of this type", n->name);
			free(el);
			return NULL;
		}
		el[i] = (t->kind == TY_INT || t->kind == TY_POINTER) ? sema_int64(se, t->kind == TY_INT && t->is_signed) : t;
		/* pid and tid fit 32 bits (pid_max <= 2^22) and print the same from 4
		 * bytes: a smaller record lets the ring hold more of them in a burst */
		if (t->kind == TY_INT && ARG(n, i + 1)->kind == N_BUILTIN &&
		    (!strcmp(ARG(n, i + 1)->name, "pid") || !strcmp(ARG(n, i + 1)->name, "tid")))
			el[i] = type_int(se->s->arena, 4, false);
	}
	args = type_tuple(se->s->arena, el, nargs);
	free(el);
	n->id = session_fmt_add(se->s, kind, ARG(n, 0)->sval, args, n->loc.first_line, n->loc.first_col);
	return type_simple(se->s->arena, TY_VOID);
}

struct fill_args {
	struct node *n;
	LLVMValueRef *vals;
	const struct type *rec;
};

static void fill_format(struct cg *cg, LLVMValueRef rec, void *arg)
{
	struct fill_args *fa = arg;

	for (unsigned i = 0; i < fa->rec->nfields; i++)
		cg_store(cg, cg_gep(cg, rec, fa->rec->fields[i].offset), fa->rec->fields[i].type,
			 fa->vals[i], ARG(fa->n, i + 1)->type);
}

static LLVMValueRef gen_format(struct cg *cg, struct node *n, enum event_kind kind)
{
	const struct fmt_decl *f = cg->s->fmts[n->id];
	LLVMValueRef vals[64];
	struct fill_args fa = { n, vals, f->args };

	for (int i = 1; i < n->args.n && i <= 64; i++)
		vals[i - 1] = cg_expr(cg, ARG(n, i));
	cg_event(cg, kind, f->id, f->args->size, fill_format, &fa);
	return cg_const(cg, 0);
}

/* whole_map: a bare @name naming the whole map (print/clear/zero), keyed or not. */
static struct map_decl *whole_map(struct sema *se, struct node *a)
{
	struct map_decl *m = session_map_find(se->s, a->name);

	if (!m) {
		if (!se->lenient)
			fn_error(se, a, "Undefined map: %s", a->name);
		return NULL;
	}
	a->id = m->id;
	return m;
}

/* ---- printf, system, cat ---- */

static struct type *ck_printf(struct sema *se, struct node *n)
{
	return check_format(se, n, FMT_PRINTF);
}

static LLVMValueRef gen_printf(struct cg *cg, struct node *n)
{
	return gen_format(cg, n, EV_PRINTF);
}

static struct type *ck_system(struct sema *se, struct node *n)
{
	/* sema refuses it without --unsafe (func_def.unsafe) */
	return check_format(se, n, FMT_SYSTEM);
}

static LLVMValueRef gen_system(struct cg *cg, struct node *n)
{
	return gen_format(cg, n, EV_SYSTEM);
}

static struct type *ck_cat(struct sema *se, struct node *n)
{
	return check_format(se, n, FMT_CAT);
}

static LLVMValueRef gen_cat(struct cg *cg, struct node *n)
{
	return gen_format(cg, n, EV_CAT);
}

/* ---- exit, time ---- */

static struct type *ck_void(struct sema *se, struct node *n)
{
	return type_simple(se->s->arena, TY_VOID);
}

static LLVMValueRef gen_exit(struct cg *cg, struct node *n)
{
	cg_event(cg, EV_EXIT, 0, 0, NULL, NULL);
	cg_return(cg);
	return cg_const(cg, 0);
}

static struct type *ck_time(struct sema *se, struct node *n)
{
	const char *f = "%H:%M:%S\n";

	if (n->args.n) {
		if (ARG(n, 0)->kind != N_STR) {
			struct type *t = sema_expr(se, ARG(n, 0));

			if (t)
				fn_error(se, n, "time() expects a string literal (%s provided)",
					 fn_type_word(t));
			return NULL;
		}
		f = ARG(n, 0)->sval;
	}
	n->id = session_fmt_add(se->s, FMT_TIME, f, NULL, n->loc.first_line, n->loc.first_col);
	return type_simple(se->s->arena, TY_VOID);
}

static LLVMValueRef gen_time(struct cg *cg, struct node *n)
{
	cg_event(cg, EV_TIME, n->id, 0, NULL, NULL);
	return cg_const(cg, 0);
}

/* ---- print, clear, zero, delete ---- */

static struct type *ck_print(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);
	struct type *t, *el[1];

	if (fn_is_print_key(se, n))
		return fn_ck_print_key(se, n);
	if (is_map(a) && !a->a) {
		struct map_decl *m = whole_map(se, a);

		if (!m)
			return NULL;
		for (int i = 1; i < n->args.n; i++) {
			struct type *t = sema_expr(se, ARG(n, i));

			if (!t)
				return NULL;
			if (t->kind != TY_INT) {
				fn_error(se, n, "print() expects a integer literal (%s provided)",
					 fn_type_word(t));
				return NULL;
			}
		}
		return type_simple(se->s->arena, TY_VOID);
	}
	if (n->args.n > 1) {
		sema_error(se, n, "Non-map print() only takes 1 argument, %d found", n->args.n);
		return NULL;
	}
	t = sema_expr(se, a);
	if (!t)
		return NULL;
	if (t->kind == TY_POINTER) {
		char tn[128];

		type_name(t, tn, sizeof(tn));
		fn_error(se, n, "%s%s type passed to print() is not printable",
			 t->is_ctx ? "(ctx) " : "", tn);
		return NULL;
	}
	if (t->kind == TY_VOID || type_is_agg(t) || t->kind == TY_CTX || t->kind == TY_TP_ARGS) {
		sema_error(se, a, "print() can not print a value of this type");
		return NULL;
	}
	el[0] = t;
	n->id = session_fmt_add(se->s, FMT_PRINT_VALUE, "", type_tuple(se->s->arena, el, 1),
				n->loc.first_line, n->loc.first_col);
	return type_simple(se->s->arena, TY_VOID);
}

struct fill_print {
	LLVMValueRef top, div;
};

static void fill_print_map(struct cg *cg, LLVMValueRef rec, void *arg)
{
	struct fill_print *fp = arg;

	cg_store_int(cg, rec, fp->top, 8);
	cg_store_int(cg, cg_gep(cg, rec, 8), fp->div, 8);
}

struct fill_value {
	LLVMValueRef v;
	const struct type *dt, *st;
};

static void fill_value(struct cg *cg, LLVMValueRef rec, void *arg)
{
	struct fill_value *fv = arg;

	cg_store(cg, rec, fv->dt, fv->v, fv->st);
}

/* fill_remote: print(*p) of a record/array behind a pointer: read straight into
 * the ring-buffer record, so it may be bigger than the 512-byte stack */
struct fill_remote {
	struct node *a;
	const struct type *dt;
};

static void fill_remote(struct cg *cg, LLVMValueRef rec, void *arg)
{
	struct fill_remote *fr = arg;

	cg_expr_to(cg, rec, fr->dt, fr->a);
}

static LLVMValueRef gen_print(struct cg *cg, struct node *n)
{
	struct node *a = ARG(n, 0);

	if (n->id == -1)
		return fn_gen_print_key(cg, n);
	if (is_map(a) && !a->a) {
		struct fill_print fp = { cg_const(cg, 0), cg_const(cg, 0) };

		if (n->args.n > 1)
			fp.top = cg_expr(cg, ARG(n, 1));
		if (n->args.n > 2)
			fp.div = cg_expr(cg, ARG(n, 2));
		cg_event(cg, EV_PRINT_MAP, a->id, sizeof(struct ev_print_map), fill_print_map, &fp);
	} else if (ctypes_remote_value(a)) {
		const struct fmt_decl *f = cg->s->fmts[n->id];
		struct fill_remote fr = { a, f->args->fields[0].type };

		cg_event(cg, EV_PRINT_VALUE, f->id, f->args->size, fill_remote, &fr);
	} else {
		const struct fmt_decl *f = cg->s->fmts[n->id];
		struct fill_value fv = { cg_expr(cg, a), f->args->fields[0].type, a->type };

		cg_event(cg, EV_PRINT_VALUE, f->id, f->args->size, fill_value, &fv);
	}
	return cg_const(cg, 0);
}

static struct type *ck_map_arg(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);

	if (!is_map(a)) {
		fn_error(se, n, "%s() expects a map to be provided", n->name);
		return NULL;
	}
	if (a->a) {
		fn_error(se, n, "The map passed to %s() should not be indexed by a key", n->name);
		return NULL;
	}
	if (!whole_map(se, a))
		return NULL;
	return type_simple(se->s->arena, TY_VOID);
}

static LLVMValueRef gen_clear(struct cg *cg, struct node *n)
{
	cg_event(cg, EV_CLEAR, ARG(n, 0)->id, 0, NULL, NULL);
	return cg_const(cg, 0);
}

static LLVMValueRef gen_zero(struct cg *cg, struct node *n)
{
	cg_event(cg, EV_ZERO, ARG(n, 0)->id, 0, NULL, NULL);
	return cg_const(cg, 0);
}

static struct type *ck_delete(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);

	if (!is_map(a)) {
		fn_error(se, n, "delete() expects a map to be provided");
		return NULL;
	}
	if (!sema_map(se, a, NULL))
		return NULL;
	return type_simple(se->s->arena, TY_VOID);
}

static LLVMValueRef gen_delete(struct cg *cg, struct node *n)
{
	struct node *a = ARG(n, 0);
	const struct map_decl *m = cg->s->maps[a->id];
	LLVMValueRef args[2];

	if (m->storage == MAP_PERCPU_ARRAY) {
		/* array entries cannot be deleted: reset the value like zero() */
		cg_event(cg, EV_ZERO, m->id, 0, NULL, NULL);
		return cg_const(cg, 0);
	}
	args[0] = cg_map_ptr(cg, m->id);
	args[1] = cg_map_key(cg, m, a->a);
	cg_helper_check(cg, cg_helper(cg, H_MAP_DELETE, args, 2), H_MAP_DELETE, n, false);
	return cg_const(cg, 0);
}

/* ---- strings ---- */

static struct type *ck_str(struct sema *se, struct node *n)
{
	struct type *t;

	if (fn_is_str_param(ARG(n, 0)))
		return fn_ck_str_param(se, n);
	t = sema_expr(se, ARG(n, 0));

	if (!t)
		return NULL;
	/* a tracepoint's __data_loc string: an address in bpftrace, read here already */
	if (t->kind == TY_STRING && ARG(n, 0)->kind == N_FIELD && ARG(n, 0)->a->type &&
	    ARG(n, 0)->a->type->kind == TY_TP_ARGS &&
	    ARG(n, 0)->a->type->fields[ARG(n, 0)->id].bit_size == 32)
		return type_string(se->s->arena, se->s->cfg.strlen);
	if (!sema_is_int(t)) {
		char tn[128];

		type_name(t, tn, sizeof(tn));
		fn_error(se, n, "str() expects an integer or a pointer type as first argument (%s "
			 "provided)", tn);
		return NULL;
	}
	if (n->args.n > 1) {
		struct type *lt = sema_expr(se, ARG(n, 1));
		int64_t len;

		if (!lt)
			return NULL;
		if (!sema_is_int(lt)) {
			fn_error(se, n, "str() only supports integer arguments (%s provided)",
				 fn_type_word(lt));
			return NULL;
		}
		if (fn_literal_int(se, ARG(n, 1), &len) && len < 0) {
			/* sic: no space, as bpftrace 0.17 prints it */
			fn_error(se, n, "strcannot use negative length (%lld)", (long long)len);
			return NULL;
		}
	}
	return type_string(se->s->arena, se->s->cfg.strlen);
}

static LLVMValueRef gen_str(struct cg *cg, struct node *n)
{
	unsigned size = cg->s->cfg.strlen;
	LLVMValueRef buf, v, args[3], len = cg_const(cg, size);

	if (n->id == 1) {
		/* str($N): the parameter's text, known now */
		return fn_gen_str_param(cg, n);
	}
	buf = cg_alloca_zero(cg, size, "str");
	v = cg_expr(cg, ARG(n, 0));
	if (ARG(n, 0)->type->kind == TY_STRING) {
		cg_store(cg, buf, n->type, v, ARG(n, 0)->type);
		return buf;
	}
	if (n->args.n > 1) {
		LLVMValueRef want = LLVMBuildAdd(cg->b, cg_expr(cg, ARG(n, 1)), cg_const(cg, 1), "");

		len = cg_bound(cg, want, size);
	}
	{
		enum bpf_helper_id h = fn_read_helper(type_as(ARG(n, 0)->type), true);

		args[0] = buf;
		args[1] = len;
		args[2] = LLVMBuildIntToPtr(cg->b, v, cg->ptr, "");
		cg_helper_check(cg, cg_helper(cg, h, args, 3), h, n, false);
	}
	return buf;
}

static struct type *ck_strncmp(struct sema *se, struct node *n)
{
	struct type *a = sema_expr(se, ARG(n, 0)), *b = sema_expr(se, ARG(n, 1));

	struct type *c;
	int64_t len;

	if (!a || !b)
		return NULL;
	if (a->kind != TY_STRING || b->kind != TY_STRING) {
		fn_error(se, n, "strncmp() only supports string arguments (%s provided)",
			 fn_type_word(a->kind != TY_STRING ? a : b));
		return NULL;
	}
	c = sema_expr(se, ARG(n, 2));
	if (!c)
		return NULL;
	if (!fn_literal_int(se, ARG(n, 2), &len)) {
		fn_error(se, n, "strncmp() expects a integer literal (%s provided)", fn_type_word(c));
		return NULL;
	}
	if (len < 0) {
		fn_error(se, n, "Builtin strncmp requires a non-negative size");
		return NULL;
	}
	ARG(n, 2)->ival = len;
	return sema_int64(se, false);
}

static LLVMValueRef gen_strncmp(struct cg *cg, struct node *n)
{
	struct node *a = ARG(n, 0), *b = ARG(n, 1);
	LLVMValueRef eq = cg_str_equal(cg, cg_expr(cg, a), a->type->size, cg_expr(cg, b),
				       b->type->size, (unsigned)ARG(n, 2)->ival);

	return LLVMBuildZExt(cg->b, LLVMBuildNot(cg->b, eq, ""), cg->i64, "");
}

static struct type *ck_join(struct sema *se, struct node *n)
{
	struct type *t = sema_expr(se, ARG(n, 0));
	const char *sep = " ";

	if (!t)
		return NULL;
	if (!sema_is_int(t)) {
		/* sic: bpftrace 0.17 leaves the function name out */
		fn_error(se, n, "() only supports int or pointer arguments (%s provided)",
			 fn_type_word(t));
		return NULL;
	}
	if (n->args.n > 1) {
		if (ARG(n, 1)->kind != N_STR) {
			struct type *d = sema_expr(se, ARG(n, 1));

			if (d)
				fn_error(se, n, "join() expects a string literal (%s provided)",
					 fn_type_word(d));
			return NULL;
		}
		sep = ARG(n, 1)->sval;
	}
	n->id = session_fmt_add(se->s, FMT_JOIN, sep, NULL, n->loc.first_line, n->loc.first_col);
	return type_simple(se->s->arena, TY_VOID);
}

struct fill_join {
	LLVMValueRef ptrs;
	unsigned strlen;
	const struct node *n;
	enum addrspace as;
};

static void fill_join(struct cg *cg, LLVMValueRef rec, void *arg)
{
	struct fill_join *fj = arg;

	for (unsigned i = 0; i < JOIN_MAX_ARGS; i++) {
		LLVMValueRef p = cg_load_int(cg, cg_gep(cg, fj->ptrs, i * 8), 8, false);
		LLVMValueRef dst = cg_gep(cg, rec, i * fj->strlen);
		LLVMValueRef args[3] = { dst, cg_const(cg, fj->strlen), LLVMBuildIntToPtr(cg->b, p, cg->ptr, "") };
		LLVMBasicBlockRef rd = cg_block(cg, "join_rd"), skip = cg_block(cg, "join_skip"),
				  next = cg_block(cg, "join_next");

		enum bpf_helper_id h = fn_read_helper(fj->as, true);

		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, p, cg_const(cg, 0), ""), rd, skip);
		LLVMPositionBuilderAtEnd(cg->b, rd);
		cg_helper_check(cg, cg_helper(cg, h, args, 3), h, fj->n, false);
		LLVMBuildBr(cg->b, next);
		LLVMPositionBuilderAtEnd(cg->b, skip);
		cg_store_int(cg, dst, cg_const(cg, 0), 1);
		LLVMBuildBr(cg->b, next);
		LLVMPositionBuilderAtEnd(cg->b, next);
	}
}

static LLVMValueRef gen_join(struct cg *cg, struct node *n)
{
	LLVMValueRef addr = cg_expr(cg, ARG(n, 0));
	LLVMValueRef ptrs = cg_alloca_zero(cg, JOIN_MAX_ARGS * 8, "join_ptrs");
	LLVMValueRef args[3] = { ptrs, cg_const(cg, JOIN_MAX_ARGS * 8), LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "") };
	struct fill_join fj = { ptrs, cg->s->cfg.strlen, n, type_as(ARG(n, 0)->type) };
	enum bpf_helper_id h = fn_read_helper(fj.as, false);

	cg_helper_check(cg, cg_helper(cg, h, args, 3), h, n, false);
	cg_event(cg, EV_JOIN, n->id, JOIN_MAX_ARGS * fj.strlen, fill_join, &fj);
	return cg_const(cg, 0);
}

/* ---- aggregations ---- */

static struct type *ck_agg(struct sema *se, struct node *n, enum type_kind kind)
{
	struct type *t;

	if (n->args.n) {
		struct type *v = sema_expr(se, ARG(n, 0));

		if (!v)
			return NULL;
		if (!sema_is_int(v)) {
			fn_error(se, n, "%s() only supports integer arguments (%s provided)", n->name,
				 fn_type_word(v));
			return NULL;
		}
		t = type_simple(se->s->arena, kind);
		t->is_signed = v->kind == TY_INT && v->is_signed;
	} else {
		t = type_simple(se->s->arena, kind);
	}
	return t;
}

static struct type *ck_count(struct sema *se, struct node *n) { return ck_agg(se, n, TY_COUNT); }
static struct type *ck_sum(struct sema *se, struct node *n) { return ck_agg(se, n, TY_SUM); }
static struct type *ck_min(struct sema *se, struct node *n) { return ck_agg(se, n, TY_MIN); }
static struct type *ck_max(struct sema *se, struct node *n) { return ck_agg(se, n, TY_MAX); }
static struct type *ck_avg(struct sema *se, struct node *n) { return ck_agg(se, n, TY_AVG); }
static struct type *ck_stats(struct sema *se, struct node *n) { return ck_agg(se, n, TY_STATS); }
static struct type *ck_hist(struct sema *se, struct node *n) { return ck_agg(se, n, TY_HIST); }

static struct type *ck_lhist(struct sema *se, struct node *n)
{
	struct type *t, *vt = sema_expr(se, ARG(n, 0));
	int64_t v[3];
	int err = 0;

	/* bpftrace's order: the value, the literals, then the range checks */
	if (!vt)
		return NULL;
	if (!sema_is_int(vt))
		err = fn_error(se, n, "lhist() only supports integer arguments (%s provided)",
			       fn_type_word(vt));
	for (int i = 0; i < 3; i++) {
		struct node *a = ARG(n, i + 1);
		struct type *at = sema_expr(se, a);

		if (!at)
			return NULL;
		if (!fn_literal_int(se, a, &v[i])) {
			fn_error(se, n, "lhist() expects a integer literal (%s provided)", fn_type_word(at));
			return NULL;
		}
	}
	if (v[0] < 0) {
		fn_error(se, n, "lhist() min must be non-negative (provided min %lld)", (long long)v[0]);
		return NULL;
	}
	if (v[2] < 1) {
		fn_error(se, n, "lhist() step must be >= 1 (%lld provided)", (long long)v[2]);
		return NULL;
	}
	if (v[0] > v[1])
		err = fn_error(se, n, "lhist() min must be less than max (provided min %lld and max %lld)",
			       (long long)v[0], (long long)v[1]);
	if (v[1] - v[0] < v[2])
		err = fn_error(se, n, "lhist() step is too large for the given range (provided step "
			       "%lld for range %lld)", (long long)v[2], (long long)(v[1] - v[0]));
	if (err)
		return NULL;
	if ((v[1] - v[0]) / v[2] > 1000) {
		fn_error(se, n, "lhist() too many buckets, must be <= 1000 (would need %lld)",
			 (long long)((v[1] - v[0]) / v[2]));
		return NULL;
	}
	t = type_lhist(se->s->arena, v[0], v[1], v[2]);
	t->is_signed = vt->kind == TY_INT && vt->is_signed;
	return t;
}

static void add_at(struct cg *cg, LLVMValueRef p, LLVMValueRef v)
{
	cg_store_int(cg, p, LLVMBuildAdd(cg->b, cg_load_int(cg, p, 8, false), v, ""), 8);
}

static void upd_count(struct cg *cg, LLVMValueRef p, LLVMValueRef v, const struct type *t)
{
	add_at(cg, p, cg_const(cg, 1));
}

static void upd_sum(struct cg *cg, LLVMValueRef p, LLVMValueRef v, const struct type *t)
{
	add_at(cg, p, v);
}

static void upd_avg(struct cg *cg, LLVMValueRef p, LLVMValueRef v, const struct type *t)
{
	add_at(cg, p, v);
	add_at(cg, cg_gep(cg, p, 8), cg_const(cg, 1));
}

static void upd_minmax(struct cg *cg, LLVMValueRef p, LLVMValueRef v, const struct type *t, bool is_min)
{
	LLVMValueRef cur = cg_load_int(cg, p, 8, true), set = cg_load_int(cg, cg_gep(cg, p, 8), 8, false);
	LLVMIntPredicate pr = is_min ? (t->is_signed ? LLVMIntSLT : LLVMIntULT) :
				       (t->is_signed ? LLVMIntSGT : LLVMIntUGT);
	LLVMValueRef better = LLVMBuildICmp(cg->b, pr, v, cur, "");
	LLVMValueRef unset = LLVMBuildICmp(cg->b, LLVMIntEQ, set, cg_const(cg, 0), "");
	LLVMBasicBlockRef yes = cg_block(cg, "mm_set"), done = cg_block(cg, "mm_done");

	LLVMBuildCondBr(cg->b, LLVMBuildOr(cg->b, better, unset, ""), yes, done);
	LLVMPositionBuilderAtEnd(cg->b, yes);
	cg_store_int(cg, p, v, 8);
	cg_store_int(cg, cg_gep(cg, p, 8), cg_const(cg, 1), 8);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void upd_min(struct cg *cg, LLVMValueRef p, LLVMValueRef v, const struct type *t)
{
	upd_minmax(cg, p, v, t, true);
}

static void upd_max(struct cg *cg, LLVMValueRef p, LLVMValueRef v, const struct type *t)
{
	upd_minmax(cg, p, v, t, false);
}

/* bucket_add: p[idx] += 1 with idx bounded for the verifier. */
static void bucket_add(struct cg *cg, LLVMValueRef p, LLVMValueRef idx, unsigned nbuckets)
{
	LLVMValueRef off = LLVMBuildMul(cg->b, cg_bound(cg, idx, nbuckets - 1), cg_const(cg, 8), "");

	add_at(cg, LLVMBuildGEP2(cg->b, cg->i8, p, &off, 1, ""), cg_const(cg, 1));
}

static void upd_hist(struct cg *cg, LLVMValueRef p, LLVMValueRef v, const struct type *t)
{
	LLVMValueRef zero = cg_const(cg, 0), r = cg_const(cg, 0), x = v, idx;

	/* floor(log2(x)) by halving: each step is a compare and a shift */
	for (int sh = 32; sh >= 1; sh /= 2) {
		LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGE, x, cg_const(cg, 1ull << sh), "");

		x = LLVMBuildSelect(cg->b, big, LLVMBuildLShr(cg->b, x, cg_const(cg, sh), ""), x, "");
		r = LLVMBuildSelect(cg->b, big, LLVMBuildAdd(cg->b, r, cg_const(cg, sh), ""), r, "");
	}
	idx = LLVMBuildAdd(cg->b, r, cg_const(cg, 2), "");
	idx = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, v, zero, ""), cg_const(cg, 1), idx, "");
	if (t->is_signed)
		idx = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, v, zero, ""), zero, idx, "");
	bucket_add(cg, p, idx, HIST_NBUCKETS);
}

static void upd_lhist(struct cg *cg, LLVMValueRef p, LLVMValueRef v, const struct type *t)
{
	unsigned n = lhist_nbuckets(t->lh_min, t->lh_max, t->lh_step);
	LLVMValueRef min = cg_const(cg, t->lh_min), max = cg_const(cg, t->lh_max), idx;
	LLVMValueRef below = LLVMBuildICmp(cg->b, t->is_signed ? LLVMIntSLT : LLVMIntULT, v, min, "");
	LLVMValueRef above = LLVMBuildICmp(cg->b, t->is_signed ? LLVMIntSGE : LLVMIntUGE, v, max, "");

	idx = LLVMBuildAdd(cg->b, LLVMBuildUDiv(cg->b, LLVMBuildSub(cg->b, v, min, ""),
						cg_const(cg, t->lh_step), ""), cg_const(cg, 1), "");
	idx = LLVMBuildSelect(cg->b, above, cg_const(cg, n - 1), idx, "");
	idx = LLVMBuildSelect(cg->b, below, cg_const(cg, 0), idx, "");
	bucket_add(cg, p, idx, n);
}

static LLVMValueRef gen_agg(struct cg *cg, struct node *n, cg_agg_fn upd)
{
	struct node *mapn = cg->agg_target;
	LLVMValueRef v = n->args.n ? cg_expr(cg, ARG(n, 0)) : cg_const(cg, 0);
	const struct node *site = cg->site;

	cg->site = n;   /* -k/-kk report the aggregation's helpers at the call */
	cg_map_agg(cg, cg->s->maps[mapn->id], mapn, v, upd);
	cg->site = site;
	return cg_const(cg, 0);
}

static LLVMValueRef gen_count(struct cg *cg, struct node *n) { return gen_agg(cg, n, upd_count); }
static LLVMValueRef gen_sum(struct cg *cg, struct node *n) { return gen_agg(cg, n, upd_sum); }
static LLVMValueRef gen_min(struct cg *cg, struct node *n) { return gen_agg(cg, n, upd_min); }
static LLVMValueRef gen_max(struct cg *cg, struct node *n) { return gen_agg(cg, n, upd_max); }
static LLVMValueRef gen_avg(struct cg *cg, struct node *n) { return gen_agg(cg, n, upd_avg); }
static LLVMValueRef gen_hist(struct cg *cg, struct node *n) { return gen_agg(cg, n, upd_hist); }
static LLVMValueRef gen_lhist(struct cg *cg, struct node *n) { return gen_agg(cg, n, upd_lhist); }

/* ---- kstack(mode, depth), ustack(...) ---- */

static struct type *ck_stack(struct sema *se, struct node *n)
{
	enum stack_mode mode = STACK_BPFTRACE;
	unsigned depth = 127;
	int i = 0;

	/* [mode,] [limit]: a mode is a bare word (raw is ours, beyond bpftrace) */
	if (n->args.n && ARG(n, 0)->kind == N_IDENT) {
		struct node *a = ARG(n, 0);

		if (!strcmp(a->name, "perf")) {
			mode = STACK_PERF;
		} else if (!strcmp(a->name, "bpftrace")) {
			mode = STACK_BPFTRACE;
		} else if (!strcmp(a->name, "raw")) {
			mode = STACK_RAW;
		} else {
			/* bpftrace reads it as an identifier, then wants a limit */
			sema_error(se, a, "Unknown identifier: '%s'", a->name);
			fn_error(se, n, "%s() expects a integer literal (none provided)", n->name);
			return NULL;
		}
		i = 1;
	}
	for (; i < n->args.n; i++) {
		struct node *a = ARG(n, i);
		struct type *t = sema_expr(se, a);
		int64_t v;

		if (!t)
			return NULL;
		if (!fn_literal_int(se, a, &v)) {
			fn_error(se, n, "%s() expects a integer literal (%s provided)", n->name,
				 fn_type_word(t));
			return NULL;
		}
		if (v > 1024) {
			fn_error(se, n, "%s([int limit]): limit shouldn't exceed 1024, %lld given",
				 n->name, (long long)v);
			return NULL;
		}
		if (v < 1) {
			fn_error(se, n, "%s: stack depth must be between 1 and 1024", n->name);
			return NULL;
		}
		depth = (unsigned)v;
	}
	return sema_stack_type(se, n->name[0] == 'u', mode, depth);
}

static LLVMValueRef gen_stack_fn(struct cg *cg, struct node *n)
{
	const struct node *site = cg->site;
	LLVMValueRef v;

	cg->site = n;
	v = cg_stack(cg, n->type);
	cg->site = site;
	return v;
}

/* Functions with a NULL check are known but not implemented yet: a clear error. */
static const struct func_def funcs[] = {
	{ "printf", 1, 65, ck_printf, gen_printf },
	{ "system", 1, 65, ck_system, gen_system, true },
	{ "cat", 1, 65, ck_cat, gen_cat },
	{ "exit", 0, 0, ck_void, gen_exit },
	{ "time", 0, 1, ck_time, gen_time, false, true },
	{ "print", 1, 3, ck_print, gen_print },
	{ "clear", 1, 1, ck_map_arg, gen_clear },
	{ "zero", 1, 1, ck_map_arg, gen_zero },
	{ "delete", 1, 1, ck_delete, gen_delete },
	{ "str", 1, 2, ck_str, gen_str },
	{ "strncmp", 3, 3, ck_strncmp, gen_strncmp },
	{ "join", 1, 2, ck_join, gen_join },
	{ "count", 0, 0, ck_count, gen_count },
	{ "sum", 1, 1, ck_sum, gen_sum },
	{ "min", 1, 1, ck_min, gen_min },
	{ "max", 1, 1, ck_max, gen_max },
	{ "avg", 1, 1, ck_avg, gen_avg },
	{ "stats", 1, 1, ck_stats, gen_avg },
	{ "hist", 1, 1, ck_hist, gen_hist },
	{ "lhist", 4, 4, ck_lhist, gen_lhist },
	{ "buf", 1, 2, fn_ck_buf, fn_gen_buf },
	{ "ksym", 1, 1, fn_ck_ksym, fn_gen_ksym },
	{ "usym", 1, 1, fn_ck_usym, fn_gen_usym },
	{ "kaddr", 1, 1, fn_ck_kaddr, fn_gen_const },
	{ "uaddr", 1, 1, fn_ck_uaddr, fn_gen_const },
	{ "reg", 1, 1, fn_ck_reg, fn_gen_reg },
	{ "signal", 1, 1, fn_ck_signal, fn_gen_signal, true, true },
	{ "override", 1, 1, fn_ck_override, fn_gen_override, true },
	{ "sizeof", 1, 1, NULL, NULL },
	{ "strftime", 2, 2, fn_ck_strftime, fn_gen_strftime, false, true },
	{ "path", 1, 1, fn_ck_path, fn_gen_path },
	{ "uptr", 1, 1, fn_ck_uptr, fn_gen_uptr },
	{ "kptr", 1, 1, fn_ck_uptr, fn_gen_uptr },
	{ "macaddr", 1, 1, fn_ck_macaddr, fn_gen_macaddr },
	{ "ntop", 1, 2, fn_ck_ntop, fn_gen_ntop },
	{ "pton", 1, 1, fn_ck_pton, fn_gen_pton },
	{ "cgroupid", 1, 1, fn_ck_cgroupid, fn_gen_const },
	{ "bswap", 1, 1, fn_ck_bswap, fn_gen_bswap },
	{ "strcontains", 2, 2, fn_ck_strcontains, fn_gen_strcontains },
	{ "strerror", 1, 1, fn_ck_strerror, fn_gen_strerror },
	{ "cgroup_path", 1, 2, fn_ck_cgroup_path, fn_gen_cgroup_path },
	{ "debugf", 1, 65, fn_ck_debugf, fn_gen_debugf },
	{ "kstack", 0, 2, ck_stack, gen_stack_fn },
	{ "ustack", 0, 2, ck_stack, gen_stack_fn },
	{ "skboutput", 4, 4, fn_ck_skboutput, fn_gen_skboutput },
	{ "has_key", 2, 2, fn_ck_has_key, fn_gen_has_key },
	{ "len", 1, 1, fn_ck_len, fn_gen_len },
	{ "has_key", 1, 2, sema_has_key, cg_has_key },
};

const struct func_def *func_find(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (!strcmp(funcs[i].name, name))
			return &funcs[i];
	return NULL;
}
