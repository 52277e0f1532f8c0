/* builtins: the builtin variables, one table entry each (type rule + code).
 * Adding a builtin means one check/gen pair and one line in the table. */
#include <string.h>
#include <stdlib.h>
#include "codegen.h"
#include "btf.h"
#include "ctypes.h"
#include "fn.h"
#include "user.h"

static struct type *ty_u64(struct sema *se, struct node *n)
{
	return sema_int64(se, false);
}

static LLVMValueRef gen_pid(struct cg *cg, struct node *n)
{
	LLVMValueRef v = cg_helper(cg, H_PID_TGID, NULL, 0);

	return LLVMBuildLShr(cg->b, v, cg_const(cg, 32), "");
}

static LLVMValueRef gen_tid(struct cg *cg, struct node *n)
{
	return LLVMBuildAnd(cg->b, cg_helper(cg, H_PID_TGID, NULL, 0), cg_const(cg, 0xffffffff), "");
}

static LLVMValueRef gen_uid(struct cg *cg, struct node *n)
{
	return LLVMBuildAnd(cg->b, cg_helper(cg, H_UID_GID, NULL, 0), cg_const(cg, 0xffffffff), "");
}

static LLVMValueRef gen_gid(struct cg *cg, struct node *n)
{
	return LLVMBuildLShr(cg->b, cg_helper(cg, H_UID_GID, NULL, 0), cg_const(cg, 32), "");
}

static LLVMValueRef gen_nsecs(struct cg *cg, struct node *n)
{
	return cg_helper(cg, H_KTIME_NS, NULL, 0);
}

static LLVMValueRef gen_elapsed(struct cg *cg, struct node *n)
{
	return LLVMBuildSub(cg->b, cg_helper(cg, H_KTIME_NS, NULL, 0), cg_const(cg, cg->s->start_ns), "");
}

static LLVMValueRef gen_cpu(struct cg *cg, struct node *n)
{
	return cg_helper(cg, H_CPU, NULL, 0);
}

static LLVMValueRef gen_curtask(struct cg *cg, struct node *n)
{
	return cg_helper(cg, H_CURRENT_TASK, NULL, 0);
}

static LLVMValueRef gen_rand(struct cg *cg, struct node *n)
{
	return LLVMBuildAnd(cg->b, cg_helper(cg, H_PRANDOM, NULL, 0), cg_const(cg, 0xffffffff), "");
}

static LLVMValueRef gen_cgroup(struct cg *cg, struct node *n)
{
	return cg_helper(cg, H_CGROUP_ID, NULL, 0);
}

static LLVMValueRef gen_numaid(struct cg *cg, struct node *n)
{
	return cg_helper(cg, H_NUMA_NODE, NULL, 0);
}

static LLVMValueRef gen_jiffies(struct cg *cg, struct node *n)
{
	return cg_helper(cg, H_JIFFIES64, NULL, 0);
}

static struct type *ty_cpid(struct sema *se, struct node *n)
{
	if (!se->s->cfg.has_child) {
		sema_error(se, n, "cpid cannot be used without child command");
		return NULL;
	}
	return sema_int64(se, false);
}

static LLVMValueRef gen_cpid(struct cg *cg, struct node *n)
{
	return cg_const(cg, cg->s->cfg.child_pid);
}

static struct type *ty_comm(struct sema *se, struct node *n)
{
	return type_string(se->s->arena, 16);
}

static LLVMValueRef gen_comm(struct cg *cg, struct node *n)
{
	LLVMValueRef buf = cg_alloca_zero(cg, 16, "comm");
	LLVMValueRef args[2] = { buf, cg_const(cg, 16) };

	cg_helper_check(cg, cg_helper(cg, H_COMM, args, 2), H_COMM, n, false);
	return buf;
}

static struct type *ty_username(struct sema *se, struct node *n)
{
	return type_simple(se->s->arena, TY_USERNAME);
}

static struct type *ty_probe(struct sema *se, struct node *n)
{
	se->uses_probe = true;
	return type_simple(se->s->arena, TY_PROBE);
}

static LLVMValueRef gen_probe(struct cg *cg, struct node *n)
{
	LLVMValueRef args[1] = { cg->ctxp };

	if (cg->naps == 1 || cg->ap->kind == PK_BEGIN || cg->ap->kind == PK_END)
		return cg_const(cg, cg->ap->cookie);
	return cg_helper(cg, H_ATTACH_COOKIE, args, 1);
}

/* x86-64 pt_regs offsets of the argument registers and the return value */
static const unsigned regs_arg_off[] = { 112, 104, 96, 88, 72, 64 };
#define REGS_AX_OFF 80

/* Parameters of the group's kernel function from BTF, -1 when BTF cannot say. */
static int kfunc_nargs(const struct attach_point *ap)
{
	return btf_func_params(ap->target, ap->func, NULL, NULL, 0, NULL, 0);
}

/* Slot i of fentry's context: read whole (volatile, so LLVM cannot narrow it to
 * the byte a comparison needs), as the verifier allows nothing else. */
static LLVMValueRef ctx_slot(struct cg *cg, int i)
{
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, cg_gep(cg, cg->ctxp, 8 * i), "");

	LLVMSetVolatile(v, 1);
	LLVMSetAlignment(v, 8);   /* an unaligned i64 load is split in two */
	return v;
}

static struct type *ty_arg(struct sema *se, struct node *n)
{
	enum probe_kind k = ap_written_kind(se->ap);
	int idx = atoi(n->name + (n->name[0] == 's' ? 4 : 3));

	/* a raw tracepoint's context is its arguments, one u64 each */
	if (se->ap->kind == PK_RAWTRACEPOINT && n->name[0] != 's') {
		if (idx > 11) {
			sema_error(se, n, "%s: raw tracepoints pass at most 12 arguments", n->name);
			return NULL;
		}
		return sema_int64(se, false);
	}
	if (k != PK_KPROBE && k != PK_UPROBE && k != PK_USDT) {
		sema_error(se, n, n->name[0] == 's' ?
			   "The %s builtin can only be used with 'kprobes' and 'uprobes' probes" :
			   "The %s builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes",
			   n->name);
		return NULL;
	}
	if (k == PK_USDT && n->name[0] != 's')
		return usdt_arg_type(se, n, idx);
	if (n->name[0] == 's') {
		if (k == PK_USDT || se->ap->kind != k) {
			sema_error(se, n, "The %s builtin can only be used with 'kprobes' and 'uprobes' "
				   "probes", n->name);
			return NULL;
		}
		return sema_int64(se, false);
	}
	if (idx > 5) {
		sema_error(se, n, "%s: only arg0..arg5 are passed in registers on x86_64", n->name);
		return NULL;
	}
	/* a kprobe attached as fentry: arguments are the trampoline's u64 slots, and
	 * only the function's own exist */
	if (se->ap->kind == PK_KFUNC) {
		int nargs = kfunc_nargs(se->ap);

		if (nargs >= 0 && idx >= nargs) {
			sema_error(se, n, "%s: %s takes %d argument%s (attached with fentry, which "
				   "sees no more)", n->name, se->ap->func, nargs, nargs == 1 ? "" : "s");
			return NULL;
		}
	}
	return sema_int64(se, false);
}

/* sargN (x86-64): the N-th argument passed on the stack, above the return
 * address the call pushed, as a probe at function entry sees it */
static LLVMValueRef gen_sarg(struct cg *cg, int idx)
{
	LLVMValueRef sp = cg_load_int(cg, cg_gep(cg, cg->ctxp, 152 /* pt_regs->sp */), 8, false);
	LLVMValueRef buf = cg_alloca_zero(cg, 8, "sarg"), args[3];

	args[0] = buf;
	args[1] = cg_const(cg, 8);
	args[2] = LLVMBuildIntToPtr(cg->b, LLVMBuildAdd(cg->b, sp, cg_const(cg, 8 * (idx + 1)), ""),
				    cg->ptr, "");
	cg_helper(cg, cg->ap->kind == PK_KPROBE ? H_PROBE_READ_KERNEL : H_PROBE_READ_USER, args, 3);
	return cg_load_int(cg, buf, 8, false);
}

static LLVMValueRef gen_arg(struct cg *cg, struct node *n)
{
	int idx = atoi(n->name + 3);

	if (n->name[0] == 's')
		return gen_sarg(cg, atoi(n->name + 4));

	if (cg->ap->kind == PK_USDT)
		return usdt_arg_gen(cg, n, idx);
	if (cg->ap->kind == PK_KFUNC || cg->ap->kind == PK_RAWTRACEPOINT)
		return ctx_slot(cg, idx);
	return cg_load_int(cg, cg_gep(cg, cg->ctxp, regs_arg_off[idx]), 8, false);
}

static struct type *ty_retval(struct sema *se, struct node *n)
{
	enum probe_kind k = ap_written_kind(se->ap);

	if (k != PK_KRETPROBE && k != PK_URETPROBE && k != PK_KRETFUNC) {
		sema_error(se, n, "The retval builtin can only be used with 'kretprobe' and 'uretprobe' "
			   "and 'kfunc' probes");
		return NULL;
	}
	/* fexit's return value is the slot after the arguments */
	if (se->ap->kind == PK_KRETFUNC) {
		n->ival = kfunc_nargs(se->ap);
		if (n->ival < 0) {
			sema_error(se, n, "retval: no BTF prototype for %s", se->ap->func);
			return NULL;
		}
	}
	return sema_int64(se, false);
}

static LLVMValueRef gen_retval(struct cg *cg, struct node *n)
{
	if (cg->ap->kind == PK_KRETFUNC)
		return ctx_slot(cg, n->ival);
	return cg_load_int(cg, cg_gep(cg, cg->ctxp, REGS_AX_OFF), 8, false);
}

/* args of a kfunc/kretfunc from its BTF prototype: one u64 slot each in fentry's
 * context. Attached as a kprobe instead (fallback), the same names read the
 * argument registers of pt_regs; past the sixth, arguments are on the stack. */
static struct type *kfunc_args_type(struct sema *se, struct node *n)
{
	bool ret = ap_written_kind(se->ap) == PK_KRETFUNC;
	char err[256] = "";
	struct type *t, *r;
	unsigned i, nf;

	if (se->args_type)
		return se->args_type;
	t = btf_func_args(se->s, se->ap->target, se->ap->func, ret, err, sizeof(err));
	if (!t) {
		sema_error(se, n, "%s", err);
		return NULL;
	}
	if (se->ap->kind == PK_KPROBE || se->ap->kind == PK_KRETPROBE) {
		r = type_new(se->s->arena, TY_TP_ARGS, REGS_AX_OFF + 8, 8);
		r->name = t->name;
		r->fields = arena_zalloc(se->s->arena, sizeof(*r->fields) * (t->nfields + 1));
		for (i = nf = 0; i < t->nfields; i++) {
			bool is_ret = ret && i == t->nfields - 1 && !strcmp(t->fields[i].name, "retval");

			if (!is_ret && i >= sizeof(regs_arg_off) / sizeof(regs_arg_off[0]))
				continue;
			r->fields[nf] = t->fields[i];
			r->fields[nf++].offset = is_ret ? REGS_AX_OFF : regs_arg_off[i];
		}
		r->nfields = nf;
		t = r;
	}
	se->args_type = t;
	return t;
}

static struct type *ty_args(struct sema *se, struct node *n)
{
	enum probe_kind k = ap_written_kind(se->ap);

	se->uses_args = true;
	if (k == PK_KFUNC || k == PK_KRETFUNC)
		return kfunc_args_type(se, n);
	if (k == PK_TRACEPOINT && se->ap->kind == PK_RAWTRACEPOINT) {
		sema_error(se, n, "args: %s has no format without tracefs (it attaches as a raw "
			   "tracepoint here): use arg0, arg1 ...", se->ap->full);
		return NULL;
	}
	return sema_tp_args(se, n);
}

static LLVMValueRef gen_args(struct cg *cg, struct node *n)
{
	return cg->ctxp;
}

/* stack_type: kstack/ustack with a mode and depth, declaring the stack map it needs. */
struct type *sema_stack_type(struct sema *se, bool user, enum stack_mode mode, unsigned depth)
{
	struct type *t = type_simple(se->s->arena, user ? TY_USTACK : TY_KSTACK);
	char name[32];
	struct map_decl *m;

	t->stack_mode = mode;
	t->stack_depth = depth;
	if (user)
		user_pid_seen_decl(se);
	snprintf(name, sizeof(name), "__stack_%u", depth);
	if (!session_map_find(se->s, name)) {
		m = session_map_add(se->s, name);
		m->internal = true;
		m->storage = MAP_STACK_TRACE;
		m->key_size = 4;
		m->value_size = depth * 8;
		m->max_entries = se->s->cfg.map_keys_max;
	}
	return t;
}

static struct type *ty_kstack(struct sema *se, struct node *n)
{
	return sema_stack_type(se, false, STACK_BPFTRACE, 127);
}

static struct type *ty_ustack(struct sema *se, struct node *n)
{
	return sema_stack_type(se, true, STACK_BPFTRACE, 127);
}

LLVMValueRef cg_stack(struct cg *cg, const struct type *t)
{
	char name[32];
	const struct map_decl *m;
	LLVMValueRef args[3], id;

	snprintf(name, sizeof(name), "__stack_%u", t->stack_depth);
	m = session_map_find(cg->s, name);
	args[0] = cg->ctxp;
	args[1] = cg_map_ptr(cg, m->id);
	args[2] = cg_const(cg, t->kind == TY_USTACK ? 1 << 8 /* BPF_F_USER_STACK */ : 0);
	id = cg_helper(cg, H_STACKID, args, 3);
	cg_helper_check(cg, id, H_STACKID, cg->site, false);
	if (t->kind == TY_KSTACK)
		return id;
	/* the runtime snapshots the process's mappings while it still lives */
	user_pid_seen(cg);
	{
		LLVMValueRef buf = cg_alloca(cg, 16, "ustack");

		cg_store_int(cg, buf, id, 8);
		cg_store_int(cg, cg_gep(cg, buf, 8),
			     LLVMBuildLShr(cg->b, cg_helper(cg, H_PID_TGID, NULL, 0), cg_const(cg, 32), ""), 8);
		return buf;
	}
}

static LLVMValueRef gen_stack(struct cg *cg, struct node *n)
{
	const struct node *site = cg->site;
	LLVMValueRef v;

	cg->site = n;
	v = cg_stack(cg, n->type);
	cg->site = site;
	return v;
}

static const struct builtin_def builtins[] = {
	{ "pid", ty_u64, gen_pid },
	{ "tid", ty_u64, gen_tid },
	{ "uid", ty_u64, gen_uid },
	{ "gid", ty_u64, gen_gid },
	{ "nsecs", ty_u64, gen_nsecs },
	{ "elapsed", ty_u64, gen_elapsed },
	{ "cpu", ty_u64, gen_cpu },
	{ "curtask", sema_curtask, gen_curtask },
	{ "rand", ty_u64, gen_rand },
	{ "cgroup", ty_u64, gen_cgroup },
	{ "numaid", ty_u64, gen_numaid },
	{ "jiffies", ty_u64, gen_jiffies },
	{ "cpid", ty_cpid, gen_cpid },
	{ "comm", ty_comm, gen_comm },
	{ "username", ty_username, gen_uid },
	{ "probe", ty_probe, gen_probe },
	{ "arg0", ty_arg, gen_arg },
	{ "retval", ty_retval, gen_retval },
	{ "args", ty_args, gen_args },
	{ "ctx", fn_ck_ctx, fn_gen_ctx },
	{ "func", fn_ck_func, fn_gen_func },
	{ "kstack", ty_kstack, gen_stack },
	{ "ustack", ty_ustack, gen_stack },
};

const struct builtin_def *builtin_find(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

