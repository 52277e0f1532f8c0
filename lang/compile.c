/* compile: one clause -> attach points -> typed programs -> BPF ELF in memory.
 * Attach points that can share code share one program (the `probe` builtin
 * reads the link's bpf_cookie); tracepoints whose `args` differ get their own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <llvm-c/Core.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include "codegen.h"
#include "probes.h"
#include "user.h"

int cg_function(struct cg *cg, struct node *probe, const char *name);

/* LLVM reports some errors (the BPF stack limit) as diagnostics, and without a
 * handler of ours it prints them and exits the process: keep the first instead. */
struct llvm_diag {
	bool error;
	char msg[512];
};

static void llvm_diag_handler(LLVMDiagnosticInfoRef di, void *ctx)
{
	struct llvm_diag *ld = ctx;
	char *m;

	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError || ld->error)
		return;
	m = LLVMGetDiagInfoDescription(di);
	snprintf(ld->msg, sizeof(ld->msg), "%s", m ? m : "unknown error");
	LLVMDisposeMessage(m);
	ld->error = true;
}

/* llvm_diag_report: an error LLVM found while generating code, as a diagnostic on
 * the clause. The stack limit is the user's to fix; anything else is a bug of ours. */
static void llvm_diag_report(struct diag_sink *d, const struct node *probe,
			     const struct llvm_diag *ld)
{
	if (strstr(ld->msg, "stack limit"))
		diag_error(d, &probe->loc, "this clause needs more than the 512 bytes of stack a BPF "
			   "program may use (strings, tuples and buffers are built there): use fewer "
			   "or shorter strings (BPFTRACE_STRLEN) or tuples, or split the clause");
	/* LLVM's BPF target inlines copies and fills up to 1 KiB and has no library
	 * to call for bigger ones (a 1 KiB string tuple zero-filled into a map value) */
	else if (strstr(ld->msg, "built-in function 'memset'") ||
		 strstr(ld->msg, "built-in function 'memcpy'") ||
		 strstr(ld->msg, "built-in function 'memmove'"))
		diag_error(d, &probe->loc, "this clause copies or clears a value of more than 1 KiB "
			   "at once, which BPF code cannot do: use shorter strings (BPFTRACE_STRLEN) "
			   "or smaller tuples in its maps");
	else
		diag_error(d, &probe->loc, "internal error: LLVM: %s", ld->msg);
}

static LLVMTargetMachineRef target_machine(void)
{
	static LLVMTargetMachineRef tm;
	LLVMTargetRef target;
	char *err = NULL;

	if (tm)
		return tm;
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();
	if (LLVMGetTargetFromTriple("bpfel", &target, &err)) {
		LLVMDisposeMessage(err);
		return NULL;
	}
	tm = LLVMCreateTargetMachine(target, "bpfel", "v3", "", LLVMCodeGenLevelDefault,
				     LLVMRelocDefault, LLVMCodeModelDefault);
	return tm;
}

/* uses_builtin: does the subtree mention a builtin variable of this name? */
static bool uses_builtin(const struct node *n, const char *name)
{
	if (!n)
		return false;
	if (n->kind == N_BUILTIN && !strcmp(n->name, name))
		return true;
	if (uses_builtin(n->a, name) || uses_builtin(n->b, name) || uses_builtin(n->c, name) ||
	    uses_builtin(n->body, name) || uses_builtin(n->else_body, name))
		return true;
	for (int i = 0; i < n->args.n; i++)
		if (uses_builtin(n->args.v[i], name))
			return true;
	for (int i = 0; i < n->stmts.n; i++)
		if (uses_builtin(n->stmts.v[i], name))
			return true;
	return false;
}

static void sema_reset(struct sema *se)
{
	if (se->tpf) {
		tp_format_free(se->tpf);
		free(se->tpf);
	}
	free(se->vars);
	memset(se, 0, sizeof(*se));
}

void clause_obj_free(struct clause_obj *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nprogs; i++) {
		for (int j = 0; j < c->progs[i].naps; j++)
			attach_point_free_fields(&c->progs[i].aps[j]);
		free(c->progs[i].aps);
		free(c->progs[i].name);
	}
	free(c->progs);
	free(c->sites);
	free(c->elf);
	free(c->text);
	free(c);
}

/* largest value a new map entry starts from: an lhist of 1000 buckets */
#define ZERO_MAP_SIZE 8192

static void ensure_ringbuf(struct session *s)
{
	struct map_decl *m;
	unsigned size = 4096;

	if (s->ringbuf_map >= 0)
		return;
	while (size < s->cfg.perf_rb_pages * 4096u)
		size <<= 1;
	m = session_map_add(s, "__ringbuf");
	m->internal = true;
	m->storage = MAP_RINGBUF;
	m->max_entries = size;
	s->ringbuf_map = m->id;
	/* counts records the BPF side could not reserve: reported, never silent */
	m = session_map_add(s, "__lost_events");
	m->internal = true;
	m->storage = MAP_PERCPU_ARRAY;
	m->key_size = 4;
	m->value_size = 8;
	m->max_entries = 1;
	m->value = type_simple(s->arena, TY_COUNT);
	m = session_map_add(s, "__zero");
	m->internal = true;
	m->storage = MAP_ARRAY;
	m->key_size = 4;
	m->value_size = ZERO_MAP_SIZE;
	m->max_entries = 1;
	s->zero_map = m->id;
}

/* fentry/fexit and iterators are verified against their one target; with `probe`
 * kprobes get a program per function, as bpftrace generates them. */
static bool one_program_each(const struct attach_point *ap, bool split_kprobes)
{
	return ap->kind == PK_KFUNC || ap->kind == PK_KRETFUNC || ap->kind == PK_ITER ||
	       (split_kprobes && (ap->kind == PK_KPROBE || ap->kind == PK_KRETPROBE));
}

/* The programs of these that one_program_each() gives, over limit (bpftrace's
 * BPFTRACE_MAX_BPF_PROGS): reported. */
static int check_prog_limit(struct session *s, const struct node *probe,
			    const struct ap_vec *aps, bool split_kprobes, struct diag_sink *d)
{
	unsigned limit = s->cfg.max_bpf_progs ? s->cfg.max_bpf_progs : 512, n = 0;

	for (int i = 0; i < aps->n; i++)
		n += one_program_each(&aps->v[i], split_kprobes);
	if (n <= limit)
		return 0;
	diag_error(d, &probe->loc, "Your program is trying to generate more than %u BPF programs, "
		   "which exceeds the current limit of %u.\nYou can increase the limit through "
		   "the BPFTRACE_MAX_BPF_PROGS environment variable.", n, limit);
	return -E2BIG;
}

/* group_end: attach points [i, end) share one program. */
static int group_end(const struct ap_vec *aps, int i, bool split_tracepoints, bool split_usdt,
		     bool split_kprobes)
{
	int j = i + 1;

	if (aps->v[i].kind == PK_BEGIN || aps->v[i].kind == PK_END)
		return j;
	if (one_program_each(&aps->v[i], split_kprobes))
		return j;
	if (aps->v[i].kind == PK_TRACEPOINT && split_tracepoints)
		return j;
	while (j < aps->n && aps->v[j].kind == aps->v[i].kind &&
	       (!split_usdt || user_same_program(&aps->v[i], &aps->v[j])))
		j++;
	return j;
}

static char *prog_name(int clause_id, int group, const struct attach_point *ap)
{
	char buf[128], *p;

	snprintf(buf, sizeof(buf), "c%d_%d_%s", clause_id, group, ap->full);
	for (p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	return strdup(buf);
}

static int emit_object(LLVMModuleRef mod, struct clause_obj *c, struct diag_sink *d, FILE *dump,
		       const struct node *probe)
{
	LLVMTargetMachineRef tm = target_machine();
	LLVMPassBuilderOptionsRef opts;
	LLVMMemoryBufferRef buf;
	LLVMErrorRef lerr;
	char *err = NULL;

	if (!tm) {
		diag_error(d, &probe->loc, "LLVM has no BPF target");
		return -ENOTSUP;
	}
	LLVMSetTarget(mod, "bpfel");
	{
		LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
		char *dl = LLVMCopyStringRepOfTargetData(td);

		LLVMSetDataLayout(mod, dl);
		LLVMDisposeMessage(dl);
		LLVMDisposeTargetData(td);
	}
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &err)) {
		diag_error(d, &probe->loc, "internal error: invalid IR generated: %s", err);
		if (dump) {
			char *ir = LLVMPrintModuleToString(mod);
			fputs(ir, dump);
			LLVMDisposeMessage(ir);
		}
		LLVMDisposeMessage(err);
		return -EINVAL;
	}
	LLVMDisposeMessage(err);
	opts = LLVMCreatePassBuilderOptions();
	lerr = LLVMRunPasses(mod, "default<O2>", tm, opts);
	LLVMDisposePassBuilderOptions(opts);
	if (lerr) {
		char *msg = LLVMGetErrorMessage(lerr);

		diag_error(d, &probe->loc, "internal error: optimization failed: %s", msg);
		LLVMDisposeErrorMessage(msg);
		return -EINVAL;
	}
	if (dump) {
		char *ir = LLVMPrintModuleToString(mod);

		fputs(ir, dump);
		LLVMDisposeMessage(ir);
	}
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &err, &buf)) {
		diag_error(d, &probe->loc, "internal error: BPF code generation failed: %s", err);
		LLVMDisposeMessage(err);
		return -EINVAL;
	}
	c->elf_size = LLVMGetBufferSize(buf);
	c->elf = malloc(c->elf_size);
	memcpy(c->elf, LLVMGetBufferStart(buf), c->elf_size);
	LLVMDisposeMemoryBuffer(buf);
	return 0;
}

/* clause_text: the clause's source, for the workbench and session exports. */
static char *clause_text(const struct program *p, const struct node *probe)
{
	const char *src = p->source;
	int line = 1;
	const char *start = NULL, *end = NULL;

	if (!src)
		return strdup("");
	for (const char *q = src;; q++) {
		const char *ls = q;

		while (*q && *q != '\n')
			q++;
		if (line == probe->loc.first_line)
			start = ls + probe->loc.first_col - 1;
		if (line == probe->loc.last_line) {
			end = ls + probe->loc.last_col;
			break;
		}
		if (!*q)
			break;
		line++;
	}
	if (!start || !end || end < start)
		return strdup("");
	return strndup(start, end - start);
}

int compile_clause(struct session *s, struct program *p, struct node *probe, int index,
		   struct clause_obj **out, struct diag_sink *d, FILE *dump)
{
	int saved_maps = s->nmaps, saved_fmts = s->nfmts, saved_ringbuf = s->ringbuf_map;
	int saved_skb = s->skb_map;
	int nerr = d->nerrors, err = 0, ngroups = 0;
	struct ap_vec aps = { 0 };
	struct clause_obj *c = NULL;
	struct sema se = { 0 };
	struct llvm_diag ld = { 0 };
	struct cg cg = { 0 };
	bool split, split_usdt = false, split_kprobes;
	int *node_end = NULL;

	node_end = calloc(probe->aps.n + 1, sizeof(*node_end));
	for (int i = 0; i < probe->aps.n; i++) {
		err = probe_expand(s, probe->aps.v[i], &aps, d) ?: err;
		node_end[i] = aps.n;
	}
	if (err)
		goto out;
	split_kprobes = uses_builtin(probe, "probe");
	err = check_prog_limit(s, probe, &aps, split_kprobes, d);
	/* what this kernel cannot attach is said now, after the spec's own errors */
	for (int i = 0, from = 0; i < probe->aps.n && !err; from = node_end[i++])
		err = probe_resolve(s, probe->aps.v[i], &aps, from, node_end[i], d);
	if (!err)
		err = check_prog_limit(s, probe, &aps, split_kprobes, d);
	if (err)
		goto out;
	if ((int)aps.n > (int)s->cfg.max_probes) {
		diag_error(d, &probe->loc, "Can not attach more than %u probes (this clause has %d); "
			   "raise BPFTRACE_MAX_PROBES", s->cfg.max_probes, aps.n);
		err = -E2BIG;
		goto out;
	}
	for (int i = 0; i < aps.n; i++)
		aps.v[i].cookie = session_probe_name_add(s, aps.v[i].full);
	ensure_ringbuf(s);

	c = calloc(1, sizeof(*c));
	c->clause_id = s->next_clause_id;
	c->index = index;
	c->loc = probe->loc;
	c->text = clause_text(p, probe);
	split = uses_builtin(probe, "args");
	/* USDT arguments are read as each location's note says */
	for (int k = 0; k < 10 && !split_usdt; k++) {
		char arg[8];

		snprintf(arg, sizeof(arg), "arg%d", k);
		split_usdt = uses_builtin(probe, arg);
	}

	cg.s = s;
	cg.d = d;
	cg.obj = c;
	cg.ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(cg.ctx, llvm_diag_handler, &ld);
	cg.mod = LLVMModuleCreateWithNameInContext("bpfdeck", cg.ctx);
	cg.b = LLVMCreateBuilderInContext(cg.ctx);
	cg.i1 = LLVMInt1TypeInContext(cg.ctx);
	cg.i8 = LLVMInt8TypeInContext(cg.ctx);
	cg.i16 = LLVMInt16TypeInContext(cg.ctx);
	cg.i32 = LLVMInt32TypeInContext(cg.ctx);
	cg.i64 = LLVMInt64TypeInContext(cg.ctx);
	cg.ptr = LLVMPointerTypeInContext(cg.ctx, 0);
	cg.voidt = LLVMVoidTypeInContext(cg.ctx);

	for (int i = 0; i < aps.n;) {
		int end = group_end(&aps, i, split, split_usdt, split_kprobes);
		const struct probe_lang *pl = probe_lang_of(aps.v[i].kind);
		struct prog_unit *pu;

		se.s = s;
		se.prog = p;
		se.d = d;
		se.ap = &aps.v[i];
		se.naps = end - i;
		if (sema_group(&se, probe) || d->nerrors > nerr) {
			err = -EINVAL;
			sema_reset(&se);
			goto out;
		}
		c->progs = realloc(c->progs, sizeof(*c->progs) * (c->nprogs + 1));
		pu = &c->progs[c->nprogs++];
		memset(pu, 0, sizeof(*pu));
		pu->name = prog_name(c->clause_id, ngroups++, &aps.v[i]);
		pu->kind = aps.v[i].kind;
		pu->bpf_prog_type = pl->prog_type;
		pu->naps = end - i;
		pu->aps = calloc(pu->naps, sizeof(*pu->aps));
		for (int j = i; j < end; j++) {
			pu->aps[j - i] = aps.v[j];
			memset(&aps.v[j], 0, sizeof(aps.v[j]));  /* ownership moves */
		}
		cg.se = &se;
		cg.ap = &pu->aps[0];
		cg.naps = pu->naps;
		err = cg_function(&cg, probe, pu->name);
		sema_reset(&se);
		if (err)
			goto out;
		i = end;
	}
	err = emit_object(cg.mod, c, d, dump, probe);
	if (!err && ld.error) {
		llvm_diag_report(d, probe, &ld);
		err = -EINVAL;
	}
out:
	if (cg.b)
		LLVMDisposeBuilder(cg.b);
	if (cg.mod)
		LLVMDisposeModule(cg.mod);
	if (cg.ctx)
		LLVMContextDispose(cg.ctx);
	ap_vec_free(&aps);
	free(node_end);
	if (err) {
		clause_obj_free(c);
		s->nmaps = saved_maps;
		s->nfmts = saved_fmts;
		s->ringbuf_map = saved_ringbuf;
		s->skb_map = saved_skb;
		if (saved_ringbuf < 0)
			s->zero_map = -1;
		return err ? err : -EINVAL;
	}
	s->next_clause_id++;
	*out = c;
	return 0;
}

/* compile_prepass: declare every map of a whole program before compiling clause by
 * clause, so a clause may read a map that a later clause assigns (as bpftrace allows). */
int compile_prepass(struct session *s, struct program *p)
{
	struct diag_sink quiet = { .filename = p->filename, .source = p->source };
	char *buf = NULL;
	size_t len = 0;
	int saved_fmts = s->nfmts;

	s->whole_program = true;
	quiet.out = open_memstream(&buf, &len);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < p->probes.n; i++) {
			struct node *probe = p->probes.v[i];
			struct ap_vec aps = { 0 };
			struct sema se = { 0 };
			int err = 0;

			for (int j = 0; j < probe->aps.n; j++)
				err = probe_expand(s, probe->aps.v[j], &aps, &quiet) ?: err;
			if (!err && aps.n) {
				se.s = s;
				se.prog = p;
				se.d = &quiet;
				se.ap = &aps.v[0];
				se.naps = aps.n;
				se.lenient = true;
				sema_group(&se, probe);
				sema_reset(&se);
			}
			ap_vec_free(&aps);
		}
	}
	s->nfmts = saved_fmts;
	fclose(quiet.out);
	free(buf);
	return 0;
}
