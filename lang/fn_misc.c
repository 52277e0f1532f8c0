/* fn_misc: the remaining functions: strftime() strerror() cgroup_path()
 * (values the runtime renders), cgroupid() (a compile-time constant),
 * strcontains(), signal() override() path() debugf() (helpers), skboutput(),
 * and the `ctx` builtin. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "ctypes.h"
#include "fn.h"

#define ARG(n, i) ((n)->args.v[i])

/* ---- strftime(fmt, nsecs): { u64 format id, u64 nsecs } ---- */

struct type *fn_ck_strftime(struct sema *se, struct node *n)
{
	struct node *f = ARG(n, 0);
	struct type *ft = fn_expr_lit(se, f), *t;
	const char *text;

	if (!ft)
		return NULL;
	text = ft->kind == TY_STRING ? fn_literal_str(se, f) : NULL;
	if (!text) {
		fn_error(se, n, "strftime() expects a string literal (%s provided)", fn_type_word(ft));
		return NULL;
	}
	t = sema_expr(se, ARG(n, 1));
	if (!t)
		return NULL;
	if (t->kind != TY_INT && t->kind != TY_POINTER) {
		fn_error(se, n, "strftime() only supports integer arguments (%s provided)",
			 fn_type_word(t));
		return NULL;
	}
	n->id = session_fmt_add(se->s, FMT_STRFTIME, text, NULL, n->loc.first_line,
				n->loc.first_col);
	return type_simple(se->s->arena, TY_TIMESTAMP);
}

LLVMValueRef fn_gen_strftime(struct cg *cg, struct node *n)
{
	LLVMValueRef rec = cg_alloca(cg, 16, "strftime");

	cg_store_int(cg, rec, cg_const(cg, (uint64_t)n->id), 8);
	cg_store_int(cg, cg_gep(cg, rec, 8), cg_expr(cg, ARG(n, 1)), 8);
	return rec;
}

/* ---- strerror(errno): u64 ---- */

struct type *fn_ck_strerror(struct sema *se, struct node *n)
{
	struct type *t = sema_expr(se, ARG(n, 0));

	if (!t)
		return NULL;
	if (t->kind != TY_INT) {
		fn_error(se, n, "strerror() only supports integer arguments (%s provided)",
			 fn_type_word(t));
		return NULL;
	}
	return type_simple(se->s->arena, TY_STRERROR);
}

LLVMValueRef fn_gen_strerror(struct cg *cg, struct node *n)
{
	LLVMValueRef rec = cg_alloca(cg, 8, "strerror");

	cg_store_int(cg, rec, cg_expr(cg, ARG(n, 0)), 8);
	return rec;
}

/* ---- cgroup_path(id [, filter]): { u64 id, u64 filter format id } ---- */

struct type *fn_ck_cgroup_path(struct sema *se, struct node *n)
{
	struct type *t = sema_expr(se, ARG(n, 0));
	const char *filter = "*";

	if (!t)
		return NULL;
	if (t->kind != TY_INT) {
		fn_error(se, n, "cgroup_path() only supports integer arguments (%s provided)",
			 fn_type_word(t));
		return NULL;
	}
	if (n->args.n > 1) {
		struct type *ft = fn_expr_lit(se, ARG(n, 1));

		if (!ft)
			return NULL;
		if (ft->kind != TY_STRING) {
			fn_error(se, n, "cgroup_path() only supports string arguments (%s provided)",
				 fn_type_word(ft));
			return NULL;
		}
		/* bpftrace reads the filter as a literal: other strings filter out all */
		filter = fn_literal_str(se, ARG(n, 1));
		if (!filter)
			filter = "";
	}
	n->id = session_fmt_add(se->s, FMT_CGROUP_PATH, filter, NULL, n->loc.first_line,
				n->loc.first_col);
	return type_simple(se->s->arena, TY_CGROUP_PATH);
}

LLVMValueRef fn_gen_cgroup_path(struct cg *cg, struct node *n)
{
	LLVMValueRef rec = cg_alloca(cg, 16, "cgroup_path");

	cg_store_int(cg, rec, cg_expr(cg, ARG(n, 0)), 8);
	cg_store_int(cg, cg_gep(cg, rec, 8), cg_const(cg, (uint64_t)n->id), 8);
	return rec;
}

/* ---- cgroupid("path"): resolved now ---- */

struct type *fn_ck_cgroupid(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);
	struct type *t = fn_expr_lit(se, a);
	unsigned long long id = 0;
	const char *path;
	int err;

	if (!t)
		return NULL;
	path = t->kind == TY_STRING ? fn_literal_str(se, a) : NULL;
	if (!path) {
		fn_error(se, n, "cgroupid() expects a string literal (%s provided)", fn_type_word(t));
		return NULL;
	}
	if (!se->lenient) {
		err = se->s->kinfo && se->s->kinfo->cgroup_id ? se->s->kinfo->cgroup_id(path, &id) :
								  -ENOTSUP;
		if (err) {
			if (!se->d->nerrors)
				diag_error(se->d, NULL, "Failed to compile: Failed to get `cgroupid` for "
					   "path: \"%s\": %s", path, strerror(-err));
			return NULL;
		}
	}
	n->ival = (int64_t)id;
	return sema_int64(se, false);
}

/* ---- strcontains(haystack, needle) ---- */

struct type *fn_ck_strcontains(struct sema *se, struct node *n)
{
	for (int i = 0; i < 2; i++) {
		struct type *t = sema_expr(se, ARG(n, i));

		if (!t)
			return NULL;
		if (t->kind != TY_STRING) {
			fn_error(se, n, "strcontains() only supports string arguments (%s provided)",
				 fn_type_word(t));
			return NULL;
		}
	}
	return sema_int64(se, false);
}

/* One byte of the haystack. Volatile: otherwise SROA turns a haystack variable
 * into one scalar per byte, which the BPF backend spills past the 512-byte stack. */
static LLVMValueRef sc_load(struct cg *cg, LLVMValueRef h, unsigned i)
{
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, h, i), "");

	LLVMSetVolatile(v, 1);
	return v;
}

/* Unrolled: for each start i in the haystack, match the needle's bytes up to its
 * NUL (or its end). A NUL in the haystack at a start ends the search. */
LLVMValueRef fn_gen_strcontains(struct cg *cg, struct node *n)
{
	struct node *hn = ARG(n, 0), *nn = ARG(n, 1);
	unsigned hs = hn->type->size, ns = nn->type->size;
	LLVMValueRef h = cg_expr(cg, hn), nd = cg_expr(cg, nn), phi;
	LLVMBasicBlockRef found = cg_block(cg, "sc_found"), none = cg_block(cg, "sc_none");
	LLVMBasicBlockRef done = cg_block(cg, "sc_done");
	LLVMValueRef zero8 = LLVMConstInt(cg->i8, 0, false);
	LLVMValueRef vals[2];
	LLVMBasicBlockRef from[2];
	bool lit = nn->kind == N_STR;

	if (lit)
		ns = (unsigned)strlen(nn->sval);
	for (unsigned i = 0; i < hs; i++) {
		LLVMBasicBlockRef next_i = cg_block(cg, "sc_next"), more;
		LLVMValueRef hc;

		for (unsigned j = 0; j < ns; j++) {
			LLVMValueRef nc = lit ? LLVMConstInt(cg->i8, (unsigned char)nn->sval[j], false) :
					  LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, nd, j), "");

			if (!lit) {
				more = cg_block(cg, "sc_more");
				LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, nc, zero8, ""),
						found, more);
				LLVMPositionBuilderAtEnd(cg->b, more);
			}
			if (i + j >= hs) {
				LLVMBuildBr(cg->b, next_i);
				break;
			}
			hc = sc_load(cg, h, i + j);
			more = cg_block(cg, "sc_eq");
			LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, hc, nc, ""), more, next_i);
			LLVMPositionBuilderAtEnd(cg->b, more);
		}
		if (!LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(cg->b)))
			LLVMBuildBr(cg->b, found);
		LLVMPositionBuilderAtEnd(cg->b, next_i);
		hc = sc_load(cg, h, i);
		more = cg_block(cg, "sc_start");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, hc, zero8, ""), none, more);
		LLVMPositionBuilderAtEnd(cg->b, more);
	}
	LLVMBuildBr(cg->b, none);
	LLVMPositionBuilderAtEnd(cg->b, found);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, none);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	phi = LLVMBuildPhi(cg->b, cg->i64, "strcontains");
	vals[0] = cg_const(cg, 1);
	vals[1] = cg_const(cg, 0);
	from[0] = found;
	from[1] = none;
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

/* ---- signal(sig) ---- */

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int fn_signal_num(const char *name)
{
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcmp(signals[i].name, name))
			return signals[i].num;
	return -1;
}

struct type *fn_ck_signal(struct sema *se, struct node *n)
{
	enum probe_kind k = ap_written_kind(se->ap);
	struct node *a;
	const char *name;
	struct type *t;
	int64_t v;
	int err = 0;

	if (n->args.n != 1) {
		fn_error(se, n, n->args.n ? "signal() takes up to one argument (%d provided)" :
			 "signal() requires at least one argument (%d provided)", n->args.n);
		return NULL;
	}
	a = ARG(n, 0);
	t = fn_expr_lit(se, a);
	if (!t)
		return NULL;
	name = t->kind == TY_STRING ? fn_literal_str(se, a) : NULL;
	if (name) {
		n->ival = fn_signal_num(name);
		if (n->ival < 1)
			err = fn_error(se, n, "%s is not a valid signal", name);
	} else if (fn_literal_int(se, a, &v)) {
		n->ival = v;
		if (v < 1 || v > 64)
			err = fn_error(se, n, "%lld is not a valid signal, allowed range: [1,64]",
				       (long long)v);
	} else if (t->kind != TY_INT) {
		err = fn_error(se, n, "signal only accepts string literals or integers");
	} else {
		n->ival = 0;    /* decided at run time */
	}
	if (k == PK_BEGIN || k == PK_END || k == PK_INTERVAL || k == PK_SOFTWARE ||
	    k == PK_HARDWARE)
		err = fn_forbid_probe(se, n);
	return err ? NULL : type_simple(se->s->arena, TY_VOID);
}

LLVMValueRef fn_gen_signal(struct cg *cg, struct node *n)
{
	LLVMValueRef sig = n->ival ? cg_const(cg, (uint64_t)n->ival) : cg_expr(cg, ARG(n, 0));
	LLVMValueRef args[1] = { LLVMBuildTrunc(cg->b, sig, cg->i32, "") };

	cg_helper_check(cg, cg_helper(cg, H_SEND_SIGNAL, args, 1), H_SEND_SIGNAL, n, false);
	return cg_const(cg, 0);
}

/* ---- override(rc) ---- */

struct type *fn_ck_override(struct sema *se, struct node *n)
{
	struct type *t;
	int err = 0;

	if (ap_written_kind(se->ap) != PK_KPROBE)
		err = fn_error(se, n, "override can only be used with kprobes.");
	t = sema_expr(se, ARG(n, 0));
	if (!t)
		return NULL;
	if (t->kind != TY_INT) {
		fn_error(se, n, "override() only supports integer arguments (%s provided)",
			 fn_type_word(t));
		return NULL;
	}
	return err ? NULL : type_simple(se->s->arena, TY_VOID);
}

LLVMValueRef fn_gen_override(struct cg *cg, struct node *n)
{
	LLVMValueRef args[2] = { cg->ctxp, cg_expr(cg, ARG(n, 0)) };

	cg_helper(cg, H_OVERRIDE_RETURN, args, 2);
	return cg_const(cg, 0);
}

/* ---- path(struct path *) ---- */

struct type *fn_ck_path(struct sema *se, struct node *n)
{
	enum probe_kind k = ap_written_kind(se->ap);
	struct type *t;

	if (k != PK_KFUNC && k != PK_KRETFUNC && k != PK_ITER) {
		fn_error(se, n, "The path function can only be used with 'kfunc', 'kretfunc', "
			 "'iter' probes");
		return NULL;
	}
	t = sema_expr(se, ARG(n, 0));
	if (!t)
		return NULL;
	/* a struct path member (args->file->f_path) stands for its address, as in bpftrace */
	if (t->kind != TY_POINTER && t->kind != TY_INT &&
	    !(t->kind == TY_RECORD && ctypes_is_remote(ARG(n, 0)))) {
		fn_error(se, n, "path() expects a pointer to a struct path (%s provided)",
			 fn_type_word(t));
		return NULL;
	}
	return type_string(se->s->arena, se->s->cfg.strlen ? se->s->cfg.strlen : 64);
}

LLVMValueRef fn_gen_path(struct cg *cg, struct node *n)
{
	unsigned size = n->type->size;
	LLVMValueRef buf = cg_alloca_zero(cg, size, "path");
	struct node *a = ARG(n, 0);
	LLVMValueRef p, args[3];
	enum addrspace as;

	if (a->type->kind != TY_RECORD || !cg_remote_addr(cg, a, &p, &as))
		p = cg_expr(cg, a);
	args[0] = LLVMBuildIntToPtr(cg->b, p, cg->ptr, "");
	args[1] = buf;
	args[2] = LLVMConstInt(cg->i32, size, false);

	cg_helper_check(cg, cg_helper(cg, H_D_PATH, args, 3), H_D_PATH, n, false);
	return buf;
}

/* ---- debugf(fmt, ...): bpf_trace_printk ---- */

#define PRINTK_MAX_ARGS 3

struct type *fn_ck_debugf(struct sema *se, struct node *n)
{
	struct type *args[64];
	struct node *f = ARG(n, 0);
	struct type *ft;
	const char *text;
	int nargs = n->args.n - 1;

	ft = sema_expr(se, f);
	if (!ft)
		return NULL;
	text = f->kind == N_STR ? f->sval : NULL;
	if (!text) {
		fn_error(se, n, "debugf() expects a string literal (%s provided)", fn_type_word(ft));
		return NULL;
	}
	fn_warn(se, n, "The debugf() builtin is not recommended for production use. For more "
		"information see bpf_trace_printk in bpf-helpers(7).");
	if (nargs > 64)
		nargs = 64;
	for (int i = 0; i < nargs; i++) {
		args[i] = sema_expr(se, ARG(n, i + 1));
		if (!args[i])
			return NULL;
	}
	if (fn_fmt_check(se, n, "debugf", text, args, nargs))
		return NULL;
	return type_simple(se->s->arena, TY_VOID);
}

LLVMValueRef fn_gen_debugf(struct cg *cg, struct node *n)
{
	struct node *f = ARG(n, 0);
	LLVMValueRef args[2 + PRINTK_MAX_ARGS];
	int na = 2;

	args[0] = cg_expr(cg, f);
	args[1] = LLVMConstInt(cg->i32, f->slen + 1, false);
	for (int i = 1; i < n->args.n && na < 2 + PRINTK_MAX_ARGS; i++) {
		struct node *a = ARG(n, i);
		LLVMValueRef v = cg_expr(cg, a);

		/* %s takes the address of the string; integers go by value */
		args[na++] = cg_is_scalar(a->type) ? v : LLVMBuildPtrToInt(cg->b, v, cg->i64, "");
	}
	cg_helper(cg, H_TRACE_PRINTK, args, na);
	return cg_const(cg, 0);
}

/* ---- skboutput(path, skb, len, offset): packets into a pcap file ---- */

/* bpf_skb_output writes only into a perf event array: the session's one,
 * read by the runtime (runtime/skboutput.c), which writes the pcap files. */
static int skb_map_ensure(struct session *s)
{
	struct map_decl *m;

	if (s->skb_map >= 0)
		return s->skb_map;
	m = session_map_add(s, "__skboutput");
	m->internal = true;
	m->storage = MAP_PERF_EVENT_ARRAY;
	m->key_size = 4;
	m->value_size = 4;
	m->max_entries = 0;     /* the runtime makes one entry per possible CPU */
	return s->skb_map = m->id;
}

struct type *fn_ck_skboutput(struct sema *se, struct node *n)
{
	enum probe_kind k = ap_written_kind(se->ap);
	const struct kinfo_ops *ki = se->s->kinfo;
	struct type *skb, *len;
	const char *path;
	int64_t off;

	if (!ki || !ki->has_feature || !ki->has_feature("skboutput")) {
		fn_error(se, n, "BPF_FUNC_skb_output is not available for your kernel version");
		return NULL;
	}
	if (k != PK_KFUNC && k != PK_KRETFUNC) {
		fn_error(se, n, "The skboutput function can only be used with 'kfunc', 'kretfunc' "
			 "probes");
		return NULL;
	}
	path = fn_literal_str(se, ARG(n, 0));
	if (!path || !*path) {
		fn_error(se, n, "skboutput() expects a file name (a string literal) as its first "
			 "argument");
		return NULL;
	}
	skb = sema_expr(se, ARG(n, 1));
	len = sema_expr(se, ARG(n, 2));
	if (!skb || !len)
		return NULL;
	if (skb->kind != TY_POINTER) {
		fn_error(se, n, "skboutput() expects a struct sk_buff pointer as its second argument "
			 "(%s provided)", fn_type_word(skb));
		return NULL;
	}
	if (len->kind != TY_INT) {
		fn_error(se, n, "skboutput() expects an integer length (%s provided)",
			 fn_type_word(len));
		return NULL;
	}
	if (!fn_literal_int(se, ARG(n, 3), &off) || off < 0) {
		fn_error(se, n, "skboutput() expects a non-negative integer literal offset");
		return NULL;
	}
	skb_map_ensure(se->s);
	n->id = session_fmt_add(se->s, FMT_SKBOUTPUT, path, NULL, n->loc.first_line,
				n->loc.first_col);
	se->s->fmts[n->id]->aux = (uint64_t)off;
	return type_int(se->s->arena, 4, false);
}

LLVMValueRef fn_gen_skboutput(struct cg *cg, struct node *n)
{
	LLVMValueRef hdr = cg_alloca_zero(cg, sizeof(struct skb_hdr), "skbhdr");
	LLVMValueRef skb = cg_expr(cg, ARG(n, 1));
	LLVMValueRef len = LLVMBuildAnd(cg->b, cg_expr(cg, ARG(n, 2)), cg_const(cg, 0xffffffff), "");
	LLVMValueRef args[5], ret;

	cg_store_int(cg, hdr, cg_const(cg, (uint64_t)n->id), 8);
	cg_store_int(cg, cg_gep(cg, hdr, 8), cg_helper(cg, H_KTIME_BOOT_NS, NULL, 0), 8);
	cg_store_int(cg, cg_gep(cg, hdr, 16), len, 8);
	/* the helper's ctx argument is the sk_buff itself (a BTF pointer of the probe's
	 * arguments); the upper half of flags is how many of its bytes to copy */
	args[0] = LLVMBuildIntToPtr(cg->b, skb, cg->ptr, "");
	args[1] = cg_map_ptr(cg, cg->s->skb_map);
	args[2] = LLVMBuildOr(cg->b, LLVMBuildShl(cg->b, len, cg_const(cg, 32), ""),
			      cg_const(cg, 0xffffffffULL /* BPF_F_CURRENT_CPU */), "");
	args[3] = hdr;
	args[4] = cg_const(cg, sizeof(struct skb_hdr));
	ret = cg_helper(cg, H_SKB_OUTPUT, args, 5);
	cg_helper_check(cg, ret, H_SKB_OUTPUT, n, false);
	return LLVMBuildAnd(cg->b, ret, cg_const(cg, 0xffffffff), "");
}

/* ---- the ctx builtin: a pointer to the program's context ---- */

struct type *fn_ck_ctx(struct sema *se, struct node *n)
{
	struct type_arena *a = se->s->arena;
	const char *name;
	struct type *rec, *t;
	char buf[96];

	switch (ap_written_kind(se->ap)) {
	case PK_KPROBE: case PK_KRETPROBE: case PK_UPROBE: case PK_URETPROBE: case PK_USDT:
		name = "struct pt_regs";
		break;
	case PK_INTERVAL: case PK_PROFILE: case PK_SOFTWARE: case PK_HARDWARE:
	case PK_WATCHPOINT:
		name = "struct bpf_perf_event_data";
		break;
	case PK_ITER:
		snprintf(buf, sizeof(buf), "struct bpf_iter__%s", se->ap->func ? se->ap->func :
			 se->ap->target ? se->ap->target : "");
		name = buf;
		break;
	case PK_TRACEPOINT:
		fn_error(se, n, "Use args instead of ctx in tracepoint");
		return NULL;
	default:
		fn_error(se, n, "invalid program type");
		return NULL;
	}
	rec = type_new(a, TY_RECORD, 0, 8);
	rec->name = arena_strdup(a, name);
	t = type_pointer(a, rec);
	t->is_ctx = true;
	return t;
}

LLVMValueRef fn_gen_ctx(struct cg *cg, struct node *n)
{
	return LLVMBuildPtrToInt(cg->b, cg->ctxp, cg->i64, "");
}
