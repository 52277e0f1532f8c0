/* fn_common: what the function families share: diagnostics at bpftrace's
 * spans, bpftrace's words for types and probes, literal arguments, probe
 * reads and -k/-kk helper-error checks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fn.h"

const struct loc *fn_loc(const struct node *n)
{
	return n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc;
}

int fn_error(struct sema *se, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vreport(se->d, DIAG_ERROR, fn_loc(n), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void fn_warn(struct sema *se, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	/* the pre-pass types clauses twice: warn once, when the clause is compiled */
	if (se->lenient)
		return;
	va_start(ap, fmt);
	diag_vreport(se->d, DIAG_WARNING, fn_loc(n), fmt, ap);
	va_end(ap);
}

const char *fn_type_word(const struct type *t)
{
	if (!t)
		return "none";
	switch (t->kind) {
	case TY_INT: return "integer";
	case TY_POINTER: return "pointer";
	case TY_STRING: return "string";
	case TY_BUFFER: return "buffer";
	case TY_TUPLE: return "tuple";
	case TY_RECORD: case TY_TP_ARGS: return "record";
	case TY_ARRAY: return "array";
	case TY_KSTACK: return "kstack";
	case TY_USTACK: return "ustack";
	case TY_KSYM: return "ksym";
	case TY_USYM: return "usym";
	case TY_USERNAME: return "username";
	case TY_PROBE: return "probe";
	case TY_TIMESTAMP: return "timestamp";
	case TY_INET: return "inet";
	case TY_MACADDR: return "mac_address";
	case TY_STRERROR: return "strerror";
	case TY_CGROUP_PATH: return "cgroup_path";
	case TY_COUNT: return "count";
	case TY_SUM: return "sum";
	case TY_MIN: return "min";
	case TY_MAX: return "max";
	case TY_AVG: return "avg";
	case TY_STATS: return "stats";
	case TY_HIST: return "hist";
	case TY_LHIST: return "lhist";
	case TY_CTX: return "ctx";
	default: return "none";
	}
}

const char *fn_probe_word(enum probe_kind k)
{
	switch (k) {
	case PK_BEGIN: return "BEGIN";
	case PK_END: return "END";
	case PK_TRACEPOINT: return "tracepoint";
	case PK_RAWTRACEPOINT: return "rawtracepoint";
	case PK_KPROBE: return "kprobe";
	case PK_KRETPROBE: return "kretprobe";
	case PK_UPROBE: return "uprobe";
	case PK_URETPROBE: return "uretprobe";
	case PK_USDT: return "usdt";
	case PK_KFUNC: return "kfunc";
	case PK_KRETFUNC: return "kretfunc";
	case PK_INTERVAL: return "interval";
	case PK_PROFILE: return "profile";
	case PK_SOFTWARE: return "software";
	case PK_HARDWARE: return "hardware";
	case PK_WATCHPOINT: return "watchpoint";
	case PK_ITER: return "iter";
	default: return "invalid";
	}
}

const char *fn_literal_str(struct sema *se, struct node *a)
{
	if (a->kind == N_STR)
		return a->sval;
	if (a->kind == N_POSPARAM && a->ival >= 1) {
		if (a->ival > se->s->cfg.argc)
			return "";
		return se->s->cfg.argv[a->ival - 1];
	}
	return NULL;
}

bool fn_literal_int(struct sema *se, struct node *a, int64_t *v)
{
	if (a->kind == N_INT) {
		*v = a->ival;
		return true;
	}
	if (a->kind == N_UNOP && a->op == UOP_NEG && a->a->kind == N_INT) {
		*v = -a->a->ival;
		return true;
	}
	if (a->kind == N_POSPARAM && a->ival >= 1) {
		const char *s = a->ival <= se->s->cfg.argc ? se->s->cfg.argv[a->ival - 1] : "0";
		char *end;

		*v = strtoll(s, &end, 0);
		return *s && !*end;
	}
	return false;
}

int fn_forbid_probe(struct sema *se, struct node *n)
{
	return fn_error(se, n, "%s can not be used with \"%s\" probes", n->name,
			fn_probe_word(ap_written_kind(se->ap)));
}

const char *fn_helper_name(enum bpf_helper_id id)
{
	switch ((int)id) {
	case H_MAP_LOOKUP: return "map_lookup_elem";
	case H_MAP_UPDATE: return "map_update_elem";
	case H_MAP_DELETE: return "map_delete_elem";
	case H_PROBE_READ: return "probe_read";
	case H_PROBE_READ_STR: return "probe_read_str";
	case H_PROBE_READ_USER: return "probe_read_user";
	case H_PROBE_READ_KERNEL: return "probe_read_kernel";
	case H_PROBE_READ_USER_STR: return "probe_read_user_str";
	case H_PROBE_READ_KERNEL_STR: return "probe_read_kernel_str";
	case H_STACKID: return "get_stackid";
	case H_COMM: return "get_current_comm";
	case H_SEND_SIGNAL: return "send_signal";
	case H_D_PATH: return "d_path";
	case H_OVERRIDE_RETURN: return "override_return";
	case H_TRACE_PRINTK: return "trace_printk";
	case H_GET_FUNC_IP: return "get_func_ip";
	case H_SKB_OUTPUT: return "skb_output";
	default: return "unknown";
	}
}

enum bpf_helper_id fn_read_helper(enum addrspace as, bool str)
{
	if (as == AS_USER)
		return str ? H_PROBE_READ_USER_STR : H_PROBE_READ_USER;
	if (as == AS_KERNEL)
		return str ? H_PROBE_READ_KERNEL_STR : H_PROBE_READ_KERNEL;
	return str ? H_PROBE_READ_STR : H_PROBE_READ;
}

void fn_probe_read(struct cg *cg, LLVMValueRef dst, LLVMValueRef size, LLVMValueRef addr,
		   enum addrspace as, const struct node *n)
{
	enum bpf_helper_id h = fn_read_helper(as, false);
	LLVMValueRef args[3] = { dst, LLVMBuildTrunc(cg->b, size, cg->i32, ""),
				 LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "") };

	cg_helper_check(cg, cg_helper(cg, h, args, 3), h, n, false);
}

/* ---- -k / -kk ---- */

static bool zero_if_err(enum bpf_helper_id id)
{
	switch ((int)id) {
	case H_PROBE_READ: case H_PROBE_READ_STR: case H_PROBE_READ_USER:
	case H_PROBE_READ_KERNEL: case H_PROBE_READ_USER_STR: case H_PROBE_READ_KERNEL_STR:
	case H_MAP_LOOKUP:
		return true;
	default:
		return false;
	}
}

struct fill_ret {
	LLVMValueRef ret;
};

static void fill_ret(struct cg *cg, LLVMValueRef rec, void *arg)
{
	cg_store_int(cg, rec, ((struct fill_ret *)arg)->ret, 8);
}

void cg_helper_site(struct cg *cg, enum bpf_helper_id id, const struct node *n)
{
	struct clause_obj *c = cg->obj;
	struct helper_site *v;
	char name[40];

	if (!c)
		return;
	snprintf(name, sizeof(name), "bpf_%s", fn_helper_name(id));
	for (int i = 0; i < c->nsites; i++)
		if (!strcmp(c->sites[i].helper, name))
			return;
	v = realloc(c->sites, (c->nsites + 1) * sizeof(*v));
	if (!v)
		return;     /* only a less precise error message is lost */
	c->sites = v;
	snprintf(v[c->nsites].helper, sizeof(v->helper), "%s", name);
	v[c->nsites++].loc = *fn_loc(n);
}

void cg_helper_check(struct cg *cg, LLVMValueRef ret, enum bpf_helper_id id,
		     const struct node *n, bool compare_zero)
{
	int level = cg->s->cfg.helper_check_level;
	const struct loc *l;
	LLVMBasicBlockRef fail, ok;
	struct fill_ret fr;
	LLVMValueRef bad;
	int fid;

	if (n)
		cg_helper_site(cg, id, n);
	if (level <= 0 || (level == 1 && zero_if_err(id)) || !n)
		return;
	l = fn_loc(n);
	fid = session_fmt_add(cg->s, FMT_HELPER_ERROR, fn_helper_name(id), NULL, l->first_line,
			      l->first_col);
	cg->s->fmts[fid]->last_col = l->last_col + 1;
	if (LLVMGetTypeKind(LLVMTypeOf(ret)) == LLVMPointerTypeKind)
		ret = LLVMBuildPtrToInt(cg->b, ret, cg->i64, "");
	if (compare_zero) {
		/* a missing map entry: reported with retcode 0 */
		bad = LLVMBuildICmp(cg->b, LLVMIntEQ, ret, cg_const(cg, 0), "");
		fr.ret = cg_const(cg, 0);
	} else {
		/* helpers return int: the sign of the low 32 bits decides */
		fr.ret = LLVMBuildSExt(cg->b, LLVMBuildTrunc(cg->b, ret, cg->i32, ""), cg->i64, "");
		bad = LLVMBuildICmp(cg->b, LLVMIntSLT, fr.ret, cg_const(cg, 0), "");
	}
	fail = cg_block(cg, "helper_failure");
	ok = cg_block(cg, "helper_merge");
	LLVMBuildCondBr(cg->b, bad, fail, ok);
	LLVMPositionBuilderAtEnd(cg->b, fail);
	cg_event(cg, EV_HELPER_ERROR, fid, 8, fill_ret, &fr);
	LLVMBuildBr(cg->b, ok);
	LLVMPositionBuilderAtEnd(cg->b, ok);
}

/* ---- positional parameters read as text ---- */

static bool param_is_str(struct sema *se, const struct node *a)
{
	const char *s;
	char *end;

	if (a->kind != N_POSPARAM || a->ival < 1 || a->ival > se->s->cfg.argc)
		return false;
	s = se->s->cfg.argv[a->ival - 1];
	(void)strtoll(s, &end, 0);
	return !*s || *end;
}

struct type *fn_expr_lit(struct sema *se, struct node *a)
{
	if (param_is_str(se, a)) {
		a->type = type_string(se->s->arena, strlen(se->s->cfg.argv[a->ival - 1]) + 1);
		a->id = 1;
		return a->type;
	}
	return sema_expr(se, a);
}

bool fn_is_str_param(const struct node *a)
{
	if (a->kind == N_POSPARAM && a->ival >= 1)
		return true;
	return a->kind == N_BINOP && a->op == BOP_ADD && a->a->kind == N_POSPARAM &&
	       a->a->ival >= 1 && a->b->kind == N_INT;
}

struct type *fn_ck_str_param(struct sema *se, struct node *n)
{
	struct node *a = n->args.v[0], *p = a->kind == N_POSPARAM ? a : a->a;
	const char *text = p->ival <= se->s->cfg.argc ? se->s->cfg.argv[p->ival - 1] : "";
	size_t len = strlen(text);
	int64_t off = a->kind == N_BINOP ? a->b->ival : 0;

	if (off < 0 || (size_t)off > len) {
		fn_error(se, a, "only addition of a single constant less or equal to the length "
			 "of $%lld (which is %zu) is allowed inside str()", (long long)p->ival, len);
		return NULL;
	}
	if (n->args.n > 1 && !sema_expr(se, n->args.v[1]))
		return NULL;
	n->id = 1;
	n->ival = off;
	return type_string(se->s->arena, se->s->cfg.strlen ? se->s->cfg.strlen : 64);
}

LLVMValueRef fn_gen_str_param(struct cg *cg, struct node *n)
{
	struct node *a = n->args.v[0], *p = a->kind == N_POSPARAM ? a : a->a;
	const char *text = p->ival <= cg->s->cfg.argc ? cg->s->cfg.argv[p->ival - 1] : "";
	unsigned size = n->type->size;
	size_t len = strlen(text + n->ival);
	LLVMValueRef buf = cg_alloca_zero(cg, size, "strparam");
	int64_t lim;

	text += n->ival;
	/* str($1, n): at most n bytes, like a read of n + 1 with its NUL */
	if (n->args.n > 1) {
		struct node *l = n->args.v[1];

		if (l->kind == N_INT) {
			lim = l->ival < 0 ? 0 : l->ival;
			if ((size_t)lim < len)
				len = (size_t)lim;
		}
	}
	if (len > size - 1)
		len = size - 1;
	for (size_t i = 0; i < len; i++)
		cg_store_int(cg, cg_gep(cg, buf, i), cg_const(cg, (unsigned char)text[i]), 1);
	return buf;
}
