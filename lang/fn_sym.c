/* fn_sym: addresses and symbols: ksym() usym() kaddr() uaddr() reg() and the
 * `func` builtin. Names resolve at compile time through kinfo; addresses are
 * recorded in the program and symbolized by the runtime when printed. */
#include <errno.h>
#include <string.h>
#include "fn.h"
#include "user.h"

#define ARG(n, i) ((n)->args.v[i])

/* x86-64 struct pt_regs, in order: a register's offset is its index * 8 */
static const char *const x86_regs[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx",
	"dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
};
#define REG_IP_OFF (16 * 8)

int fn_reg_offset(const char *name)
{
	for (size_t i = 0; i < sizeof(x86_regs) / sizeof(x86_regs[0]); i++)
		if (!strcmp(x86_regs[i], name))
			return (int)(i * 8);
	return -1;
}

static bool int_or_ptr(const struct type *t)
{
	return t && (t->kind == TY_INT || t->kind == TY_POINTER);
}

/* A whole, aligned and volatile 8-byte context load: perf event contexts refuse
 * the byte loads LLVM makes of unaligned or narrowed ones. */
static LLVMValueRef ctx_load64(struct cg *cg, unsigned off)
{
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, cg_gep(cg, cg->ctxp, off), "");

	LLVMSetAlignment(v, 8);
	LLVMSetVolatile(v, true);
	return v;
}

/* ---- ksym(addr), usym(addr) ---- */

struct type *fn_ck_ksym(struct sema *se, struct node *n)
{
	struct type *t = sema_expr(se, ARG(n, 0));

	if (!t)
		return NULL;
	if (!int_or_ptr(t)) {
		fn_error(se, n, "%s() expects an integer or pointer argument", n->name);
		return NULL;
	}
	return type_simple(se->s->arena, TY_KSYM);
}

LLVMValueRef fn_gen_ksym(struct cg *cg, struct node *n)
{
	return cg_expr(cg, ARG(n, 0));
}

struct type *fn_ck_usym(struct sema *se, struct node *n)
{
	if (!fn_ck_ksym(se, n))
		return NULL;
	user_pid_seen_decl(se);
	return type_simple(se->s->arena, TY_USYM);
}

/* usym_record: { u64 addr, u64 pid } of the current process. The pid is
 * announced too, so its mappings are captured while it lives and the address
 * still resolves when printed after the process exited. */
static LLVMValueRef usym_record(struct cg *cg, LLVMValueRef addr)
{
	LLVMValueRef buf = cg_alloca(cg, 16, "usym");
	LLVMValueRef pid = LLVMBuildLShr(cg->b, cg_helper(cg, H_PID_TGID, NULL, 0), cg_const(cg, 32), "");

	user_pid_seen(cg);
	cg_store_int(cg, buf, addr, 8);
	cg_store_int(cg, cg_gep(cg, buf, 8), pid, 8);
	return buf;
}

LLVMValueRef fn_gen_usym(struct cg *cg, struct node *n)
{
	return usym_record(cg, cg_expr(cg, ARG(n, 0)));
}

/* ---- kaddr("name"), uaddr("name"): constants found at compile time ---- */

LLVMValueRef fn_gen_const(struct cg *cg, struct node *n)
{
	return cg_const(cg, (uint64_t)n->ival);
}

struct type *fn_ck_kaddr(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);
	unsigned long long addr = 0;
	const char *name;
	struct type *t;

	t = fn_expr_lit(se, a);
	if (!t)
		return NULL;
	name = t->kind == TY_STRING ? fn_literal_str(se, a) : NULL;
	if (!name) {
		fn_error(se, n, "kaddr() expects a string literal (%s provided)", fn_type_word(t));
		return NULL;
	}
	if (!se->lenient) {
		if (!se->s->kinfo || !se->s->kinfo->ksym_lookup ||
		    se->s->kinfo->ksym_lookup(name, &addr)) {
			/* bpftrace stops at the first one, and only once the program is valid */
			if (!se->d->nerrors)
				diag_error(se->d, NULL, "Failed to compile: Failed to resolve kernel "
					   "symbol: %s", name);
			return NULL;
		}
	}
	n->ival = (int64_t)addr;
	return sema_int64(se, false);
}

struct type *fn_ck_uaddr(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);
	enum probe_kind k = ap_written_kind(se->ap);
	const char *target = "", *file = NULL, *name;
	struct user_sym sym = { 0 };
	struct type *t, *elem;
	int err = -ENOENT;

	t = fn_expr_lit(se, a);
	if (!t)
		return NULL;
	if (k != PK_UPROBE && k != PK_URETPROBE && k != PK_USDT)
		fn_forbid_probe(se, n);
	else
		target = se->ap->target ? se->ap->target : "";
	/* the file the probe attaches to (through /proc/PID/root with -p, the
	 * library of a usdt probe found in one); target is only how it is shown */
	file = se->ap->path ? se->ap->path : target;
	name = t->kind == TY_STRING ? fn_literal_str(se, a) : NULL;
	if (!name) {
		fn_error(se, n, "uaddr() expects a string literal (%s provided)", fn_type_word(t));
		return NULL;
	}
	if (*file && se->s->kinfo && se->s->kinfo->user_sym_lookup)
		err = se->s->kinfo->user_sym_lookup(file, name, &sym);
	if (err || !sym.addr) {
		if (!se->lenient)
			fn_error(se, n, "Could not resolve symbol: %s:%s", target, name);
		return NULL;
	}
	n->ival = (int64_t)sym.addr;
	/* an object of a known integer size gets a pointer to that width */
	switch (sym.size) {
	case 1: case 2: case 4: case 8:
		elem = type_int(se->s->arena, (unsigned)sym.size, false);
		break;
	default:
		elem = type_int(se->s->arena, 8, false);
	}
	t = type_pointer(se->s->arena, elem);
	t->is_user = true;
	return t;
}

/* ---- reg("name") ---- */

struct type *fn_ck_reg(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);
	enum probe_kind k = ap_written_kind(se->ap);
	const char *name;
	struct type *t;
	int err = 0;

	switch (k) {
	case PK_BEGIN: case PK_END: case PK_TRACEPOINT: case PK_RAWTRACEPOINT: case PK_ITER:
	case PK_KFUNC: case PK_KRETFUNC:
		err = fn_forbid_probe(se, n);
		break;
	default:
		break;
	}
	t = fn_expr_lit(se, a);
	if (!t)
		return NULL;
	name = t->kind == TY_STRING ? fn_literal_str(se, a) : NULL;
	if (!name) {
		fn_error(se, n, "reg() expects a string literal (%s provided)", fn_type_word(t));
		return NULL;
	}
	n->ival = fn_reg_offset(name);
	if (n->ival < 0) {
		fn_error(se, n, "'%s' is not a valid register on this architecture (x86_64)", name);
		return NULL;
	}
	if (err)
		return NULL;
	return sema_int64(se, false);
}

/* pt_regs of the context: perf events (interval, profile, software, hardware)
 * start with them too */
LLVMValueRef fn_gen_reg(struct cg *cg, struct node *n)
{
	return ctx_load64(cg, (unsigned)n->ival);
}

/* ---- the func builtin ---- */

struct type *fn_ck_func(struct sema *se, struct node *n)
{
	switch (ap_written_kind(se->ap)) {
	case PK_KPROBE: case PK_KRETPROBE: case PK_KFUNC: case PK_KRETFUNC:
		return type_simple(se->s->arena, TY_KSYM);
	case PK_UPROBE: case PK_URETPROBE: case PK_USDT:
		user_pid_seen_decl(se);
		return type_simple(se->s->arena, TY_USYM);
	default:
		fn_error(se, n, "The func builtin can not be used with '%s' probes",
			 fn_probe_word(ap_written_kind(se->ap)));
		return NULL;
	}
}

/* Return probes fire after the function returned and fentry has no registers:
 * bpf_get_func_ip knows the function there. Entry probes read the instruction
 * pointer, as bpftrace does (the helper fails inside a function, at an offset). */
LLVMValueRef fn_gen_func(struct cg *cg, struct node *n)
{
	enum probe_kind k = cg->ap->kind;
	LLVMValueRef ip;

	if (k == PK_KRETPROBE || k == PK_URETPROBE || k == PK_KFUNC || k == PK_KRETFUNC) {
		LLVMValueRef args[1] = { cg->ctxp };

		ip = cg_helper(cg, H_GET_FUNC_IP, args, 1);
	} else {
		ip = ctx_load64(cg, REG_IP_OFF);
	}
	if (n->type->kind == TY_USYM)
		return usym_record(cg, ip);
	return ip;
}
