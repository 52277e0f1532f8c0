/* sema: the type checker's state and the helpers builtins/functions use.
 * One sema walk types one program of a clause (one attach-point group) and
 * declares the maps and formats it needs in the session. */
#ifndef BPFDECK_SEMA_H
#define BPFDECK_SEMA_H

#include "compile.h"
#include "arena.h"

#define SEMA_FNS_MAX 64   /* for-loops of one program, plus the program */

struct sema_var {
	const char *name;
	struct type *type;
	int slot;
	int fn;         /* 0: the program's; k: the k-th for-loop body's (its callback) */
};

struct sema {
	struct session *s;
	struct program *prog;
	struct diag_sink *d;
	const struct attach_point *ap;    /* the group's first attach point */
	int naps;
	struct tp_format *tpf;            /* tracepoint format of ap, if loaded */
	struct type *args_type;           /* TY_TP_ARGS record for `args` */
	struct sema_var *vars;
	int nvars, vars_cap;
	int loop_depth;
	int cur_fn, nfns;                 /* sema_var.fn of the body being typed, and count */
	int fn_parent[SEMA_FNS_MAX];      /* the body a for-loop is in */
	bool lenient;                     /* pre-pass: unknown map reads are not errors */
	bool uses_probe, uses_args;
	struct node *agg_ok;              /* the aggregation call being assigned to a map */
	int nerr_start;
};

struct type *sema_expr(struct sema *se, struct node *n);
struct type *sema_int64(struct sema *se, bool is_signed);
/* Is a variable of body var_fn visible in body fn (the same or an enclosing one)? */
bool sema_fn_visible(const struct sema *se, int var_fn, int fn);
bool sema_is_int(const struct type *t);
bool sema_is_str(const struct type *t);
/* The type a value takes when stored in a map or variable (ints widen to 64 bits). */
struct type *sema_storage_type(struct sema *se, struct type *t, bool for_var);
int sema_error(struct sema *se, const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Declare or check the map named by n with a key and a value type (value NULL: a read). */
struct map_decl *sema_map(struct sema *se, struct node *n, struct type *value);

/* Builtin variables and functions: one table entry each (builtins.c, functions.c). */
struct cg;
typedef struct LLVMOpaqueValue *cg_value;

struct builtin_def {
	const char *name;
	struct type *(*check)(struct sema *se, struct node *n);
	cg_value (*gen)(struct cg *cg, struct node *n);
};

struct func_def {
	const char *name;
	int min_args, max_args;
	struct type *(*check)(struct sema *se, struct node *n);
	cg_value (*gen)(struct cg *cg, struct node *n);
	bool unsafe;            /* needs --unsafe (system, signal, override) */
	bool varargs;           /* argument count messages as for a range (min..max) */
};

const struct builtin_def *builtin_find(const char *name);
const struct func_def *func_find(const char *name);

/* The `args` record of the group's tracepoint, read from its format file. */
struct type *sema_tp_args(struct sema *se, struct node *n);
/* kstack/ustack of a mode and depth; declares the session's stack map for it. */
struct type *sema_stack_type(struct sema *se, bool user, enum stack_mode mode, unsigned depth);
int sema_group(struct sema *se, struct node *probe);

#endif
