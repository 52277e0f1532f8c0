/* sema: gives every expression a type and checks the clause against the session.
 * Maps are declared by their first use across all clauses; later uses must
 * agree with it (strings and tuples are widened/padded to the declared layout). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "sema.h"
#include "ctypes.h"

int sema_error(struct sema *se, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* at the span bpftrace reports (bt_loc), when the parser gave one */
	diag_vreport(se->d, DIAG_ERROR, n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

struct type *sema_int64(struct sema *se, bool is_signed)
{
	return type_int(se->s->arena, 8, is_signed);
}

bool sema_is_int(const struct type *t)
{
	return t && (t->kind == TY_INT || t->kind == TY_POINTER);
}

bool sema_is_str(const struct type *t)
{
	return t && t->kind == TY_STRING;
}

struct type *sema_storage_type(struct sema *se, struct type *t, bool for_var)
{
	struct type_arena *a = se->s->arena;

	switch (t->kind) {
	case TY_INT:
		return t->size == 8 ? t : type_int(a, 8, t->is_signed);
	case TY_POINTER:
		return t;  /* a pointer stays one: @p[0], $p->f and p + 1 need its type */
	case TY_STRING:
		if (t->size < se->s->cfg.strlen && !for_var)
			return type_string(a, se->s->cfg.strlen);
		if (for_var && t->size < se->s->cfg.strlen)
			return type_string(a, se->s->cfg.strlen);
		return t;
	case TY_TUPLE: {
		struct type **el = malloc(sizeof(*el) * t->nfields);
		struct type *r;

		if (for_var) {
			free(el);
			return t;
		}
		for (unsigned i = 0; i < t->nfields; i++) {
			struct type *ft = t->fields[i].type;

			el[i] = ft->kind == TY_STRING ? sema_storage_type(se, ft, false) :
				ft->kind == TY_TUPLE ? sema_storage_type(se, ft, false) : ft;
		}
		r = type_tuple(a, el, t->nfields);
		free(el);
		return r;
	}
	default:
		return t;
	}
}

/* compatible: can a value of type v be stored where type d was declared? */
static bool compatible(const struct type *d, const struct type *v)
{
	if (sema_is_int(d) && sema_is_int(v))
		return true;
	if (d->kind != v->kind)
		return false;
	switch (d->kind) {
	case TY_STRING:
		return true;
	case TY_TUPLE:
		if (d->nfields != v->nfields)
			return false;
		for (unsigned i = 0; i < d->nfields; i++)
			if (!compatible(d->fields[i].type, v->fields[i].type))
				return false;
		return true;
	case TY_LHIST:
		return d->lh_min == v->lh_min && d->lh_max == v->lh_max && d->lh_step == v->lh_step;
	default:
		return type_equal(d, v) || type_is_agg(d) || d->kind == TY_KSTACK ||
		       d->kind == TY_USTACK || d->kind == TY_BUFFER;
	}
}

/* map_storage_of: how the kernel keeps a map with this key and value. */
static void map_layout(struct session *s, struct map_decl *m)
{
	bool agg = type_is_agg(m->value);

	m->value_size = m->value->size;
	m->max_entries = s->cfg.map_keys_max;
	if (!m->key) {
		if (agg) {
			m->storage = MAP_PERCPU_ARRAY;
			m->key_size = 4;
			m->max_entries = 1;
		} else {
			m->storage = MAP_HASH;
			m->key_size = 8;
			m->max_entries = 1;
		}
		return;
	}
	m->key_size = m->key->size;
	m->storage = agg ? MAP_PERCPU_HASH : MAP_HASH;
}

/* key_type: the stored key of @m[args]: one value, or a tuple of several. */
static struct type *key_type(struct sema *se, struct node *key)
{
	struct type *t;

	if (!key)
		return NULL;
	t = sema_expr(se, key);
	if (!t)
		return NULL;
	if (t->kind == TY_VOID && key->kind == N_CALL) {
		diag_error(se->d, key->bt_loc.first_line > 0 ? &key->bt_loc : &key->loc,
			   "%s() should not be used in an assignment or as a map key", key->name);
		return NULL;
	}
	if (t->kind == TY_VOID || type_is_agg(t) || t->kind == TY_CTX || t->kind == TY_TP_ARGS) {
		sema_error(se, key, "Invalid map key type");
		return NULL;
	}
	/* With the whole program seen first, a string key is as long as its longest use
	 * (comm: 16 bytes, as in bpftrace): hashing and comparing 64 bytes per event
	 * costs. The workbench cannot grow a map later, so it keeps BPFTRACE_STRLEN. */
	if (t->kind == TY_STRING && se->s->whole_program)
		return t;
	return sema_storage_type(se, t, false);
}

struct map_decl *sema_map(struct sema *se, struct node *n, struct type *value)
{
	struct map_decl *m = session_map_find(se->s, n->name);
	struct type *kt = NULL;
	char a[128], b[128];

	if (n->a) {
		kt = key_type(se, n->a);
		if (!kt)
			return NULL;
	}
	if (!m) {
		if (!value) {
			if (!se->lenient)
				sema_error(se, n, "Undefined map: %s", n->name);
			return NULL;
		}
		m = session_map_add(se->s, n->name);
		m->key = kt;
		m->value = type_is_agg(value) ? value : sema_storage_type(se, value, false);
		map_layout(se->s, m);
		n->id = m->id;
		return m;
	}
	if ((m->key == NULL) != (kt == NULL)) {
		sema_error(se, n, m->key ? "%s used as a map without an explicit key (scalar map), "
			   "previously used with an explicit key (non-scalar map)" :
			   "%s used as a map with an explicit key (non-scalar map), previously used "
			   "without an explicit key (scalar map)", n->name);
		return NULL;
	}
	if (kt && !compatible(m->key, kt)) {
		type_name(kt, a, sizeof(a));
		type_name(m->key, b, sizeof(b));
		sema_error(se, n, "Argument mismatch for %s: trying to access with arguments: [%s] "
			   "when map expects arguments: [%s]", n->name, a, b);
		return NULL;
	}
	/* the prepass grows a string key to its longest use before anything compiles */
	if (kt && se->lenient && se->s->whole_program && kt->kind == TY_STRING &&
	    m->key->kind == TY_STRING && kt->size > m->key->size) {
		m->key = kt;
		m->key_size = kt->size;
	}
	if (value && (!compatible(m->value, value) || type_is_agg(m->value) != type_is_agg(value))) {
		type_name(value, a, sizeof(a));
		type_name(m->value, b, sizeof(b));
		sema_error(se, n, "Type mismatch for %s: trying to assign value of type '%s' when map "
			   "already contains a value of type '%s'", n->name, a, b);
		return NULL;
	}
	n->id = m->id;
	return m;
}

bool sema_fn_visible(const struct sema *se, int var_fn, int fn)
{
	for (;; fn = se->fn_parent[fn]) {
		if (var_fn == fn)
			return true;
		if (!fn)
			return false;
	}
}

static struct sema_var *var_find(struct sema *se, const char *name)
{
	/* a for-loop body sees its own variables and those of the bodies around it
	 * (bpftrace >= 0.20), not those of sibling loops */
	for (int i = 0; i < se->nvars; i++)
		if (sema_fn_visible(se, se->vars[i].fn, se->cur_fn) && !strcmp(se->vars[i].name, name))
			return &se->vars[i];
	return NULL;
}

static struct sema_var *var_add(struct sema *se, const char *name, struct type *t)
{
	if (se->nvars == se->vars_cap) {
		se->vars_cap = se->vars_cap ? se->vars_cap * 2 : 16;
		se->vars = realloc(se->vars, sizeof(*se->vars) * se->vars_cap);
	}
	se->vars[se->nvars] = (struct sema_var){ name, t, se->nvars, se->cur_fn };
	return &se->vars[se->nvars++];
}

/* binop_type: C-like arithmetic on 64-bit ints; comparisons of strings too. */
static struct type *sema_binop(struct sema *se, struct node *n)
{
	struct type *l = sema_expr(se, n->a), *r = sema_expr(se, n->b);
	char a[128], b[128];

	if (!l || !r)
		return NULL;
	if (sema_is_str(l) || sema_is_str(r) || l->kind == TY_BUFFER || r->kind == TY_BUFFER) {
		if (l->kind == r->kind && (n->op == BOP_EQ || n->op == BOP_NE))
			return sema_int64(se, false);
		type_name(l, a, sizeof(a));
		type_name(r, b, sizeof(b));
		sema_error(se, n, "Type mismatch for '%s': comparing '%s' with '%s'",
			   binop_str(n->op), a, b);
		return NULL;
	}
	if (l->kind == TY_ARRAY && r->kind == TY_ARRAY && (n->op == BOP_EQ || n->op == BOP_NE) &&
	    type_equal(l, r) && l->elem && l->elem->kind == TY_INT)
		return sema_int64(se, false);
	if (!sema_is_int(l) || !sema_is_int(r)) {
		type_name(l, a, sizeof(a));
		type_name(r, b, sizeof(b));
		sema_error(se, n, "Type mismatch for '%s': comparing '%s' with '%s'",
			   binop_str(n->op), a, b);
		return NULL;
	}
	if (n->op == BOP_LAND || n->op == BOP_LOR)
		return sema_int64(se, false);
	if (l->kind == TY_POINTER || r->kind == TY_POINTER)
		return sema_ptr_binop(se, n, l, r);  /* ctypes.c: p + i, p - i, i + p, compares */
	sema_sign_warnings(se, n, l, r);
	return sema_int64(se, (l->kind == TY_INT && l->is_signed) && (r->kind == TY_INT && r->is_signed));
}

/* tp_args_type: the `args` record of a tracepoint from its format file. */
struct type *sema_tp_args(struct sema *se, struct node *n)
{
	struct type_arena *a = se->s->arena;
	struct type *t;
	int err;

	if (se->args_type)
		return se->args_type;
	if (se->ap->kind != PK_TRACEPOINT) {
		/* sic: bpftrace 0.17 runs "uprobe" and "probes" together; BEGIN/END are "special" */
		const char *full = se->ap->full ? se->ap->full : "";
		int plen = (int)strcspn(full, ":");

		if (se->ap->kind == PK_BEGIN || se->ap->kind == PK_END || !full[plen]) {
			full = "special";
			plen = 7;
		}
		sema_error(se, n, "The args builtin can only be used with tracepoint/kfunc/uprobeprobes "
			   "(%.*s used here)", plen, full);
		return NULL;
	}
	se->tpf = calloc(1, sizeof(*se->tpf));
	err = se->s->kinfo->tp_format(se->ap->target, se->ap->func, se->tpf);
	if (err) {
		sema_error(se, n, "Cannot read the format of tracepoint %s:%s: %s", se->ap->target,
			   se->ap->func, strerror(-err));
		free(se->tpf);
		se->tpf = NULL;
		return NULL;
	}
	t = type_new(a, TY_TP_ARGS, 0, 8);
	t->name = arena_strdup(a, se->ap->full);
	t->nfields = se->tpf->nfields;
	t->fields = arena_zalloc(a, sizeof(*t->fields) * (t->nfields + 1));
	for (int i = 0; i < se->tpf->nfields; i++) {
		const struct tp_field *f = &se->tpf->fields[i];
		struct type *ft;

		if (f->data_loc) {
			ft = type_string(a, se->s->cfg.strlen);
		} else if (f->array_len > 0) {
			unsigned esz = f->size / f->array_len;

			if (strstr(f->type, "char") && esz == 1)
				ft = type_string(a, f->size);
			else
				ft = type_array(a, type_int(a, esz, f->is_signed), f->array_len);
		} else if (strchr(f->type, '*')) {
			bool is_char = strstr(f->type, "char") && !strstr(f->type, "* const *") &&
				       !strstr(f->type, "**");
			ft = type_pointer(a, is_char ? type_int(a, 1, true) : type_int(a, 8, false));
			if (strstr(f->type, "**") || strstr(f->type, "* const *"))
				ft = type_pointer(a, type_pointer(a, type_int(a, 1, true)));
			ft->is_user = strstr(f->type, "__user") != NULL || !strcmp(se->ap->target, "syscalls");
			ft = ctypes_tp_pointer(se->s, f->type, ft);  /* struct pointers typed from BTF */
		} else {
			ft = type_int(a, f->size > 8 ? 8 : f->size, f->is_signed);
		}
		t->fields[i].name = arena_strdup(a, f->name);
		t->fields[i].type = ft;
		t->fields[i].offset = f->offset;
		if (f->data_loc)
			t->fields[i].bit_size = 32;  /* marks a __data_loc field for codegen */
	}
	se->args_type = t;
	return t;
}

/* sema_field: a.b / a->b on tracepoint args, tuples are N_TUPLE_GET. */
static int sema_define(const struct program *p, struct node *n);

static struct type *sema_field(struct sema *se, struct node *n)
{
	struct type *t = sema_expr(se, n->a);

	if (!t)
		return NULL;
	if (t->kind != TY_TP_ARGS)
		return sema_member(se, n, t);
	for (unsigned i = 0; i < t->nfields; i++)
		if (t->fields[i].name && !strcmp(t->fields[i].name, n->name)) {
			n->id = i;
			return t->fields[i].type;
		}
	sema_error(se, n, "Struct/union of type '%s' does not contain a field named '%s'",
		   t->name ? t->name : "args", n->name);
	return NULL;
}

struct type *sema_expr(struct sema *se, struct node *n)
{
	struct type_arena *a = se->s->arena;
	struct type *t = NULL, *x, *y;
	const struct builtin_def *bd;
	const struct func_def *fd;
	struct sema_var *v;

	switch (n->kind) {
	case N_INT:
		t = sema_int64(se, !n->is_unsigned_lit);
		break;
	case N_STR:
		t = type_string(a, n->slen + 1);
		break;
	case N_POSPARAM:
		if (n->ival == -1) {
			t = sema_int64(se, false);
			break;
		}
		if (n->ival >= 1 && n->ival <= se->s->cfg.argc) {
			const char *arg = se->s->cfg.argv[n->ival - 1];
			char *end;

			(void)strtoll(arg, &end, 0);
			if (*arg && !*end) {
				t = sema_int64(se, true);
			} else {
				/* only str($N) reads a parameter as text (functions: fn_expr_lit) */
				diag_error(se->d, n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc,
					   "$%lld used numerically but given \"%s\". Try using str($%lld).",
					   (long long)n->ival, arg, (long long)n->ival);
				t = sema_int64(se, true);   /* bpftrace goes on with it as a number */
			}
		} else {
			t = sema_int64(se, true);  /* missing parameters read as 0 */
		}
		break;
	case N_BUILTIN:
		bd = builtin_find(n->name);
		if (!bd) {
			if (!strncmp(n->name, "arg", 3) || !strncmp(n->name, "sarg", 4))
				bd = builtin_find("arg0");
		}
		if (!bd) {
			sema_error(se, n, "Unknown builtin variable: %s", n->name);
			return NULL;
		}
		t = bd->check(se, n);
		break;
	case N_IDENT:
		/* a #define'd literal, then enumerators and integer macros (script, BTF, headers) */
		if (sema_ident_const(se, n) == 0 || sema_define(se->prog, n) == 0)
			return sema_expr(se, n);
		sema_error(se, n, "Unknown identifier: '%s'", n->name);
		return NULL;
	case N_VAR:
		v = var_find(se, n->name);
		if (!v) {
			sema_error(se, n, "Undefined or undeclared variable: %s", n->name);
			return NULL;
		}
		n->id = v->slot;
		t = v->type;
		break;
	case N_MAP: {
		struct map_decl *m = sema_map(se, n, NULL);

		if (!m) {
			if (se->lenient && !se->d->nerrors)
				return sema_int64(se, true);
			return NULL;
		}
		t = m->value;
		switch (t->kind) {
		case TY_COUNT: case TY_SUM: case TY_MIN: case TY_MAX: case TY_AVG:
			t = sema_int64(se, t->kind != TY_COUNT);
			break;
		case TY_STATS: case TY_HIST: case TY_LHIST:
			sema_error(se, n, "Cannot read the value of %s map %s", t->kind == TY_STATS ?
				   "stats" : "histogram", n->name);
			return NULL;
		default:
			break;
		}
		break;
	}
	case N_CALL:
		fd = func_find(n->name);
		if (!fd) {
			struct loc name = n->loc;

			/* bpftrace underlines the name only */
			name.last_line = name.first_line;
			name.last_col = name.first_col + (int)strlen(n->name) - 1;
			diag_error(se->d, &name, "Unknown function: %s", n->name);
			return NULL;
		}
	{
		/* bpftrace reports calls at its own span, and goes on after an unsafe one */
		const struct loc *cl = n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc;
		static const char *const aggs[] = { "count", "sum", "min", "max", "avg", "stats",
						    "hist", "lhist" };
		bool refused = fd->unsafe && !se->s->cfg.unsafe;
		int nargs = n->args.n, want = -1;
		const char *what = NULL;

		if (refused)
			diag_error(se->d, cl, "%s() is an unsafe function being used in safe mode", n->name);
		for (size_t i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
			if (!strcmp(n->name, aggs[i]) && se->agg_ok != n) {
				diag_error(se->d, cl, "%s() should be directly assigned to a map", n->name);
				refused = true;
			}
		if (nargs < fd->min_args) {
			what = fd->min_args == fd->max_args && !fd->varargs ? "requires" : "requires at least";
			want = fd->min_args;
		} else if (nargs > fd->max_args) {
			what = fd->max_args == 0 ? "requires" : fd->min_args == fd->max_args &&
			       !fd->varargs ? "requires" : "takes up to";
			want = fd->max_args;
		}
		if (what) {
			if (want == 0)
				diag_error(se->d, cl, "%s() requires no arguments (%d provided)", n->name, nargs);
			else if (want == 1)
				diag_error(se->d, cl, "%s() %s one argument (%d provided)", n->name, what, nargs);
			else
				diag_error(se->d, cl, "%s() %s %d arguments (%d provided)", n->name, what, want,
					   nargs);
			return NULL;
		}
		if (!fd->check) {
			sema_error(se, n, "%s() is not supported yet", n->name);
			return NULL;
		}
		t = fd->check(se, n);
		if (refused)
			return NULL;
		break;
	}
	case N_BINOP:
		t = sema_binop(se, n);
		break;
	case N_UNOP:
		x = sema_expr(se, n->a);
		if (!x)
			return NULL;
		if (n->op == UOP_DEREF) {
			t = sema_deref(se, n, x);
			if (!t)
				return NULL;
		} else if (n->op == UOP_ADDR) {
			sema_error(se, n, "The address-of operator is not supported yet");
			return NULL;
		} else {
			if (!sema_is_int(x)) {
				sema_error(se, n, "The %s operator can not be used on expressions of this type",
					   unop_str(n->op));
				return NULL;
			}
			t = n->op == UOP_LNOT ? sema_int64(se, false) :
			    sema_int64(se, n->op == UOP_NEG ? true : x->is_signed);
		}
		break;
	case N_INCDEC:
		if (n->a->kind == N_MAP) {
			struct map_decl *m = session_map_find(se->s, n->a->name);

			if (!m || !type_is_agg(m->value))
				m = sema_map(se, n->a, m ? m->value : sema_int64(se, true));
			if (!m)
				return NULL;
			if (!sema_is_int(m->value)) {
				sema_error(se, n, "The %s operator must be applied to an integer map",
					   n->ival > 0 ? "++" : "--");
				return NULL;
			}
			t = m->value;
		} else if (n->a->kind == N_VAR) {
			v = var_find(se, n->a->name);
			if (!v) {
				sema_error(se, n, "Undefined or undeclared variable: %s", n->a->name);
				return NULL;
			}
			n->a->id = v->slot;
			n->a->type = v->type;
			t = v->type;
			if (!sema_is_int(t)) {
				sema_error(se, n, "The %s operator must be applied to an integer variable",
					   n->ival > 0 ? "++" : "--");
				return NULL;
			}
		} else {
			sema_error(se, n, "The %s operator must be applied to a map or variable",
				   n->ival > 0 ? "++" : "--");
			return NULL;
		}
		break;
	case N_TERNARY:
		if (!sema_expr(se, n->a))
			return NULL;
		x = sema_expr(se, n->b);
		y = sema_expr(se, n->c);
		if (!x || !y)
			return NULL;
		if (sema_is_int(x) && sema_is_int(y)) {
			t = sema_int64(se, x->is_signed || y->is_signed);
		} else if (x->kind == TY_STRING && y->kind == TY_STRING) {
			t = type_string(a, x->size > y->size ? x->size : y->size);
		} else {
			sema_error(se, n, "Ternary operator must return the same type");
			return NULL;
		}
		break;
	case N_CAST:
		t = sema_cast(se, n);
		if (!t)
			return NULL;
		break;
	case N_FIELD:
		t = sema_field(se, n);
		break;
	case N_INDEX:
		t = sema_subscript(se, n);
		if (!t)
			return NULL;
		break;
	case N_TUPLE: {
		struct type **el = malloc(sizeof(*el) * n->args.n);

		for (int i = 0; i < n->args.n; i++) {
			el[i] = sema_expr(se, n->args.v[i]);
			if (!el[i] || el[i]->kind == TY_VOID || type_is_agg(el[i])) {
				if (el[i])
					sema_error(se, n->args.v[i], "Invalid value in a tuple");
				free(el);
				return NULL;
			}
			if (el[i]->kind == TY_POINTER)
				el[i] = sema_int64(se, false);
		}
		t = type_tuple(a, el, n->args.n);
		free(el);
		break;
	}
	case N_TUPLE_GET:
		x = sema_expr(se, n->a);
		if (!x)
			return NULL;
		if (x->kind != TY_TUPLE) {
			sema_error(se, n, "Can not access index %ld on a non-tuple expression", (long)n->ival);
			return NULL;
		}
		if (n->ival < 0 || n->ival >= x->nfields) {
			sema_error(se, n, "Invalid tuple index: %ld. Found %u elements in tuple.",
				   (long)n->ival, x->nfields);
			return NULL;
		}
		t = x->fields[n->ival].type;
		break;
	case N_SIZEOF:
		t = sema_sizeof(se, n);
		if (!t)
			return NULL;
		break;
	case N_OFFSETOF:
		t = sema_offsetof(se, n);
		if (!t)
			return NULL;
		break;
	default:
		sema_error(se, n, "Unexpected expression");
		return NULL;
	}
	n->type = t;
	return t;
}

static int sema_stmt(struct sema *se, struct node *n);

static int sema_block(struct sema *se, struct node *b)
{
	int err = 0;

	for (int i = 0; b && i < b->stmts.n; i++)
		err = sema_stmt(se, b->stmts.v[i]) ?: err;
	return err;
}

/* sema_assign: @m = v, @m[k] = v, $v = v, and the compound forms. */
static int sema_assign(struct sema *se, struct node *n)
{
	struct type *v;

	if (n->op) {
		/* a += b is typed as a = a + b */
		struct node tmp = *n;

		tmp.kind = N_BINOP;
		tmp.a = n->a;
		tmp.b = n->b;
		if (n->a->kind == N_MAP && !session_map_find(se->s, n->a->name))
			sema_map(se, n->a, sema_int64(se, true));
		if (n->a->kind == N_VAR && !var_find(se, n->a->name))
			return sema_error(se, n->a, "Undefined or undeclared variable: %s", n->a->name);
		v = sema_binop(se, &tmp);
	} else {
		struct node *saved = se->agg_ok;

		/* an aggregation may only be the value of a map assignment */
		if (n->a->kind == N_MAP)
			se->agg_ok = n->b;
		v = sema_expr(se, n->b);
		se->agg_ok = saved;
	}
	if (!v)
		return -EINVAL;
	if (v->kind == TY_VOID && n->b->kind == N_CALL) {
		diag_error(se->d, n->b->bt_loc.first_line > 0 ? &n->b->bt_loc : &n->b->loc,
			   "%s() should not be used in an assignment or as a map key", n->b->name);
		return -EINVAL;
	}
	if (v->kind == TY_VOID || v->kind == TY_CTX || v->kind == TY_TP_ARGS)
		return sema_error(se, n->b, "Value cannot be assigned: it has no storable type");
	if (n->a->kind == N_MAP && v->kind == TY_POINTER && v->is_ctx) {
		diag_error(se->d, n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc,
			   "context cannot be assigned to a map");
		return -EINVAL;
	}
	if (n->a->kind == N_MAP) {
		struct map_decl *m = sema_map(se, n->a, v);

		if (!m)
			return -EINVAL;
		n->a->type = m->value;
		return 0;
	}
	if (n->a->kind == N_VAR) {
		struct sema_var *var = var_find(se, n->a->name);

		if (type_is_agg(v))
			return sema_error(se, n->b, "%s() can only be assigned to a map", n->b->name);
		if (!var) {
			var = var_add(se, n->a->name, sema_storage_type(se, v, true));
		} else if (!compatible(var->type, v)) {
			char a[128], b[128];

			type_name(v, a, sizeof(a));
			type_name(var->type, b, sizeof(b));
			return sema_error(se, n, "Type mismatch for %s: trying to assign value of type "
					  "'%s' when variable already contains a value of type '%s'",
					  n->a->name, a, b);
		} else if (var->type->kind == TY_STRING && v->size > var->type->size) {
			var->type = v;
		}
		n->a->id = var->slot;
		n->a->type = var->type;
		return 0;
	}
	return sema_error(se, n->a, "Can only assign to maps and variables");
}

/* sema_for: for ($kv : @m) { body }: $kv is the tuple (key, value) of each
 * element, and the body is a function of its own (bpf_for_each_map_elem's
 * callback): its variables are its own, those around it are reached by pointer. */
static int sema_for(struct sema *se, struct node *n)
{
	struct map_decl *m = session_map_find(se->s, n->b->name);
	struct type *kv[2];
	struct sema_var *var;
	int saved_fn = se->cur_fn, saved_depth = se->loop_depth, err;

	if (!m) {
		if (se->lenient)
			return 0;
		return sema_error(se, n->b, "Undefined map: %s", n->b->name);
	}
	if (!m->key)
		return sema_error(se, n->b, "Loop expression must be a map with explicit keys "
				  "(%s is a scalar map)", m->name);
	if (type_is_agg(m->value))
		return sema_error(se, n->b, "Loop over %s is not supported: its values are "
				  "per-CPU aggregations", m->name);
	if (se->nfns + 1 >= SEMA_FNS_MAX)
		return sema_error(se, n, "Too many for-loops in one probe (at most %d)",
				  SEMA_FNS_MAX - 1);
	n->b->id = m->id;
	n->b->type = m->value;
	kv[0] = m->key;
	kv[1] = m->value;
	se->cur_fn = n->ival = ++se->nfns;
	se->fn_parent[se->cur_fn] = saved_fn;
	var = var_add(se, n->a->name, type_tuple(se->s->arena, kv, 2));
	n->a->id = var->slot;
	n->a->type = var->type;
	se->loop_depth = 1;
	err = sema_block(se, n->body);
	se->loop_depth = saved_depth;
	se->cur_fn = saved_fn;
	return err;
}

static int sema_stmt(struct sema *se, struct node *n)
{
	struct type *t;
	int err = 0;

	switch (n->kind) {
	case N_EXPR_STMT:
		t = sema_expr(se, n->a);
		if (t && type_is_agg(t))
			return sema_error(se, n->a, "%s() should be assigned to a map", n->a->name);
		return t ? 0 : -EINVAL;
	case N_ASSIGN:
		return sema_assign(se, n);
	case N_IF:
		t = sema_expr(se, n->a);
		if (t && !sema_is_int(t))
			err = sema_error(se, n->a, "Invalid condition in if(): it must be an integer");
		err = sema_block(se, n->body) ?: err;
		if (n->else_body)
			err = (n->else_body->kind == N_IF ? sema_stmt(se, n->else_body) :
			       sema_block(se, n->else_body)) ?: err;
		return t ? err : -EINVAL;
	case N_UNROLL:
		t = sema_expr(se, n->a);
		if (!t)
			return -EINVAL;
		if (n->a->kind != N_INT && n->a->kind != N_POSPARAM)
			return sema_error(se, n->a, "unroll count must be a literal integer");
		if (n->a->kind == N_INT && (n->a->ival < 1 || n->a->ival > 100))
			return sema_error(se, n->a, n->a->ival < 1 ? "unroll minimum value is 1" :
					  "unroll maximum value is 100");
		return sema_block(se, n->body);
	case N_WHILE:
		t = sema_expr(se, n->a);
		se->loop_depth++;
		err = sema_block(se, n->body);
		se->loop_depth--;
		return t ? err : -EINVAL;
	case N_FOR:
		return sema_for(se, n);
	case N_BREAK:
	case N_CONTINUE:
		if (!se->loop_depth)
			return sema_error(se, n, "%s statement is not allowed outside of a loop",
					  n->kind == N_BREAK ? "break" : "continue");
		return 0;
	case N_RETURN:
		if (n->a && !sema_expr(se, n->a))
			return -EINVAL;
		return 0;
	case N_BLOCK:
		return sema_block(se, n);
	default:
		return sema_error(se, n, "Unexpected statement");
	}
}

/* sema_group: type one program: the predicate, then the body. */
int sema_group(struct sema *se, struct node *probe)
{
	int err = 0;

	if (probe->a) {
		struct type *t = sema_expr(se, probe->a);

		if (!t)
			err = -EINVAL;
		else if (!sema_is_int(t))
			err = sema_error(se, probe->a, "Invalid type for predicate: it must be an integer");
	}
	err = sema_block(se, probe->body) ?: err;
	return err;
}

/* define_value: the body of "#define NAME body" for NAME, or NULL. */
static const char *define_value(const struct program *p, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	for (int i = p->preproc.n - 1; i >= 0; i--) {
		const char *t = p->preproc.v[i]->text, *v;

		while (*t == ' ' || *t == '\t')
			t++;
		if (strncmp(t, "#define", 7))
			continue;
		t += 7;
		while (*t == ' ' || *t == '\t')
			t++;
		if (strncmp(t, name, nl) || (t[nl] != ' ' && t[nl] != '\t' && t[nl]))
			continue;
		v = t + nl;
		while (*v == ' ' || *v == '\t')
			v++;
		*len = strlen(v);
		while (*len && (v[*len - 1] == ' ' || v[*len - 1] == '\t' || v[*len - 1] == '\r'))
			(*len)--;
		return v;
	}
	return NULL;
}

/* sema_define: replace a #define'd identifier by the literal it stands for. */
static int sema_define(const struct program *p, struct node *n)
{
	size_t len;
	const char *v = define_value(p, n->name, &len);
	char *end, buf[64];

	if (!v || !len || len >= sizeof(buf))
		return -ENOENT;
	memcpy(buf, v, len);
	buf[len] = 0;
	if (buf[0] == '"' && len >= 2 && buf[len - 1] == '"') {
		n->kind = N_STR;
		n->sval = strndup(buf + 1, len - 2);
		n->slen = len - 2;
		return 0;
	}
	n->ival = strtoll(buf, &end, 0);
	if (*end)
		return -EINVAL;
	n->kind = N_INT;
	return 0;
}


/* sema_check_unique_probes: bpftrace runs BEGIN and END once per program, so a
 * second one is an error at its attach point. Checked per probe, before its
 * body, so errors come in bpftrace's order; the workbench replaces clauses
 * instead, and does not call this. */
int sema_check_unique_probes(const struct program *p, int index, struct diag_sink *d)
{
	static const char *const once[] = { "BEGIN", "END" };
	bool seen[2] = { false, false };
	int err = 0;

	for (int i = 0; i <= index && i < p->probes.n; i++) {
		const struct node *probe = p->probes.v[i];

		for (int j = 0; j < probe->aps.n; j++) {
			const struct node *ap = probe->aps.v[j];

			for (int k = 0; k < 2; k++) {
				if (strcmp(ap->text, once[k]))
					continue;
				if (seen[k] && i == index) {
					diag_error(d, ap->bt_loc.first_line > 0 ? &ap->bt_loc : &ap->loc,
						   "More than one %s probe defined", once[k]);
					err = -EINVAL;
				}
				seen[k] = true;
			}
		}
	}
	return err;
}
