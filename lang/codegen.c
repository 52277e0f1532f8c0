/* codegen: typed AST of one program -> LLVM IR for the BPF target.
 * Maps are referenced through llvm.bpf.pseudo(BPF_PSEUDO_MAP_FD, map id), so
 * the object has no relocations and the loader patches ids into fds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "codegen.h"
#include "ctypes.h"

bool cg_is_scalar(const struct type *t)
{
	switch (t->kind) {
	case TY_INT: case TY_POINTER: case TY_KSYM: case TY_USERNAME: case TY_PROBE:
	case TY_KSTACK: case TY_COUNT: case TY_SUM:
		return true;
	default:
		return false;
	}
}

LLVMValueRef cg_const(struct cg *cg, uint64_t v)
{
	return LLVMConstInt(cg->i64, v, false);
}

LLVMBasicBlockRef cg_block(struct cg *cg, const char *name)
{
	return LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, name);
}

LLVMValueRef cg_alloca(struct cg *cg, unsigned size, const char *name)
{
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(cg->b);
	LLVMValueRef first = LLVMGetFirstInstruction(cg->entry), a;

	if (first)
		LLVMPositionBuilderBefore(cg->b, first);
	else
		LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	a = LLVMBuildAlloca(cg->b, LLVMArrayType(cg->i8, size ? size : 1), name);
	LLVMSetAlignment(a, 8);
	LLVMPositionBuilderAtEnd(cg->b, cur);
	return a;
}

void cg_memset(struct cg *cg, LLVMValueRef dst, int byte, unsigned size)
{
	LLVMValueRef s = LLVMBuildMemSet(cg->b, dst, LLVMConstInt(cg->i8, byte, false),
					 LLVMConstInt(cg->i64, size, false), 1);
	(void)s;
}

LLVMValueRef cg_alloca_zero(struct cg *cg, unsigned size, const char *name)
{
	LLVMValueRef a = cg_alloca(cg, size, name);

	cg_memset(cg, a, 0, size);
	return a;
}

void cg_memcpy(struct cg *cg, LLVMValueRef dst, LLVMValueRef src, unsigned size)
{
	if (size)
		LLVMBuildMemCpy(cg->b, dst, 1, src, 1, LLVMConstInt(cg->i64, size, false));
}

LLVMValueRef cg_gep(struct cg *cg, LLVMValueRef p, uint64_t off)
{
	LLVMValueRef idx = cg_const(cg, off);

	if (!off)
		return p;
	return LLVMBuildGEP2(cg->b, cg->i8, p, &idx, 1, "");
}

/* cg_helper: call a BPF helper by number; every helper here returns i64. */
LLVMValueRef cg_helper(struct cg *cg, enum bpf_helper_id id, LLVMValueRef *args, int n)
{
	static const char *const pure_attrs[] = { "memory", "nounwind", "willreturn" };
	LLVMTypeRef params[8];
	LLVMTypeRef fnty;
	LLVMValueRef fp, call;

	for (int i = 0; i < n; i++)
		params[i] = LLVMTypeOf(args[i]);
	fp = LLVMConstIntToPtr(cg_const(cg, id), cg->ptr);
	if (id == H_MAP_LOOKUP || id == H_RINGBUF_RESERVE) {
		/* Map values and ring-buffer records are 8-byte aligned. Saying so lets
		 * LLVM use 8-byte loads and stores on them: BPF has no unaligned access,
		 * so an align-1 u64 access becomes 8 byte loads and shifts. */
		unsigned kind = LLVMGetEnumAttributeKindForName("align", 5);

		fnty = LLVMFunctionType(cg->ptr, params, n, false);
		call = LLVMBuildCall2(cg->b, fnty, fp, args, n, "");
		LLVMAddCallSiteAttribute(call, LLVMAttributeReturnIndex,
					 LLVMCreateEnumAttribute(cg->ctx, kind, 8));
		return LLVMBuildPtrToInt(cg->b, call, cg->i64, "");
	}
	fnty = LLVMFunctionType(cg->i64, params, n, false);
	call = LLVMBuildCall2(cg->b, fnty, fp, args, n, "");
	switch (id) {
	case H_PID_TGID: case H_UID_GID: case H_CPU: case H_CURRENT_TASK: case H_CGROUP_ID:
	case H_NUMA_NODE:
		/* the same answer all through one run of a program (it cannot migrate):
		 * marked as reading no memory, LLVM calls it once for `pid ... pid` */
		for (size_t i = 0; i < sizeof(pure_attrs) / sizeof(pure_attrs[0]); i++)
			LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
						 LLVMCreateEnumAttribute(cg->ctx,
							LLVMGetEnumAttributeKindForName(pure_attrs[i],
											strlen(pure_attrs[i])), 0));
		break;
	case H_MAP_UPDATE: case H_MAP_DELETE:
		/* a value pointer looked up before may now be stale */
		cg->nlookups = 0;
		break;
	default:
		break;
	}
	return call;
}

LLVMValueRef cg_map_ptr(struct cg *cg, int map_id)
{
	unsigned iid = LLVMLookupIntrinsicID("llvm.bpf.pseudo", 15);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, iid, NULL, 0);
	LLVMTypeRef fnty = LLVMIntrinsicGetType(cg->ctx, iid, NULL, 0);
	LLVMValueRef args[2] = { cg_const(cg, 1 /* BPF_PSEUDO_MAP_FD */), cg_const(cg, map_id) };
	LLVMValueRef v = LLVMBuildCall2(cg->b, fnty, fn, args, 2, "");

	return LLVMBuildIntToPtr(cg->b, v, cg->ptr, "map");
}

static LLVMTypeRef int_type(struct cg *cg, unsigned size)
{
	switch (size) {
	case 1: return cg->i8;
	case 2: return cg->i16;
	case 4: return cg->i32;
	default: return cg->i64;
	}
}

LLVMValueRef cg_load_int(struct cg *cg, LLVMValueRef p, unsigned size, bool is_signed)
{
	LLVMValueRef v = LLVMBuildLoad2(cg->b, int_type(cg, size), p, "");

	LLVMSetAlignment(v, 1);
	if (size >= 8)
		return v;
	return is_signed ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

void cg_store_int(struct cg *cg, LLVMValueRef p, LLVMValueRef v, unsigned size)
{
	LLVMValueRef st;

	if (size < 8)
		v = LLVMBuildTrunc(cg->b, v, int_type(cg, size), "");
	st = LLVMBuildStore(cg->b, v, p);
	LLVMSetAlignment(st, 1);
}

LLVMValueRef cg_int_cast(struct cg *cg, LLVMValueRef v, unsigned size, bool is_signed)
{
	LLVMValueRef t;

	if (size >= 8)
		return v;
	t = LLVMBuildTrunc(cg->b, v, int_type(cg, size), "");
	return is_signed ? LLVMBuildSExt(cg->b, t, cg->i64, "") : LLVMBuildZExt(cg->b, t, cg->i64, "");
}

void cg_store(struct cg *cg, LLVMValueRef dst, const struct type *dt, LLVMValueRef v,
	      const struct type *src)
{
	if (cg_is_scalar(dt)) {
		cg_store_int(cg, dst, v, dt->size);
		return;
	}
	if (dt->kind == TY_TUPLE && src->kind == TY_TUPLE && !type_equal(dt, src)) {
		cg_memset(cg, dst, 0, dt->size);
		for (unsigned i = 0; i < dt->nfields && i < src->nfields; i++) {
			const struct type *sf = src->fields[i].type;
			LLVMValueRef sp = cg_gep(cg, v, src->fields[i].offset), fv;

			fv = cg_is_scalar(sf) ? cg_load_int(cg, sp, sf->size, sf->is_signed) : sp;
			cg_store(cg, cg_gep(cg, dst, dt->fields[i].offset), dt->fields[i].type, fv, sf);
		}
		return;
	}
	if (src->size >= dt->size) {
		cg_memcpy(cg, dst, v, dt->size);
	} else {
		cg_memcpy(cg, dst, v, src->size);
		cg_memset(cg, cg_gep(cg, dst, src->size), 0, dt->size - src->size);
	}
}

void cg_return(struct cg *cg)
{
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	/* anything emitted after a return lands in an unreachable block */
	LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "dead"));
}

LLVMValueRef cg_bound(struct cg *cg, LLVMValueRef v, uint64_t max)
{
	LLVMTypeRef fnty = LLVMFunctionType(cg->i64, &cg->i64, 1, false);
	LLVMValueRef barrier = LLVMGetInlineAsm(fnty, "", 0, "=r,0", 4, true, false,
						 LLVMInlineAsmDialectATT, false);
	LLVMValueRef o = LLVMBuildCall2(cg->b, fnty, barrier, &v, 1, "");
	LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGT, o, cg_const(cg, max), "");

	return LLVMBuildSelect(cg->b, big, cg_const(cg, max), o, "");
}

LLVMValueRef cg_map_key(struct cg *cg, const struct map_decl *m, struct node *key)
{
	LLVMValueRef k = cg_alloca(cg, m->key_size, "key");

	/* live from here: keys of different map operations can share a stack slot */
	cg_lifetime(cg, true, k, m->key_size);
	cg_memset(cg, k, 0, m->key_size);
	if (!key)
		return k;
	if (key->kind == N_TUPLE && m->key->kind == TY_TUPLE && key->type != m->key &&
	    key->args.n == (int)m->key->nfields) {
		for (int i = 0; i < key->args.n; i++) {
			struct node *e = key->args.v[i];

			cg_expr_to(cg, cg_gep(cg, k, m->key->fields[i].offset), m->key->fields[i].type, e);
		}
		return k;
	}
	cg_expr_to(cg, k, m->key, key);
	return k;
}

void cg_event(struct cg *cg, uint32_t kind, uint32_t id, unsigned payload, cg_fill_fn fill, void *arg)
{
	unsigned size = (sizeof(struct event_hdr) + payload + 7) & ~7u;
	LLVMValueRef args[3] = { cg_map_ptr(cg, cg->s->ringbuf_map), cg_const(cg, size), cg_const(cg, 0) };
	LLVMValueRef rec = cg_helper(cg, H_RINGBUF_RESERVE, args, 3), recp, ok;
	LLVMBasicBlockRef yes = cg_block(cg, "ev_ok"), lost = cg_block(cg, "ev_lost"),
			  done = cg_block(cg, "ev_done");

	recp = LLVMBuildIntToPtr(cg->b, rec, cg->ptr, "");
	ok = LLVMBuildICmp(cg->b, LLVMIntNE, rec, cg_const(cg, 0), "");
	LLVMBuildCondBr(cg->b, ok, yes, lost);
	LLVMPositionBuilderAtEnd(cg->b, lost);
	{
		/* ringbuf_map + 1 is the session's __lost_events per-CPU counter */
		LLVMValueRef key = cg_alloca_zero(cg, 4, "lost_key");
		LLVMValueRef largs[2] = { cg_map_ptr(cg, cg->s->ringbuf_map + 1), key };
		LLVMValueRef p = cg_helper(cg, H_MAP_LOOKUP, largs, 2);
		LLVMBasicBlockRef inc = cg_block(cg, "ev_lost_inc");
		LLVMValueRef pp;

		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, p, cg_const(cg, 0), ""), inc, done);
		LLVMPositionBuilderAtEnd(cg->b, inc);
		pp = LLVMBuildIntToPtr(cg->b, p, cg->ptr, "");
		/* atomic although per-CPU: fentry programs run with only migration
		 * disabled and perf_event ones interrupt others in NMI, so a
		 * load-add-store could drop a count, and lost events must add up */
		LLVMBuildAtomicRMW(cg->b, LLVMAtomicRMWBinOpAdd, pp, cg_const(cg, 1),
				   LLVMAtomicOrderingMonotonic, false);
		LLVMBuildBr(cg->b, done);
	}
	LLVMPositionBuilderAtEnd(cg->b, yes);
	cg_store_int(cg, recp, LLVMConstInt(cg->i32, kind, false), 4);
	cg_store_int(cg, cg_gep(cg, recp, 4), LLVMConstInt(cg->i32, id, false), 4);
	if (fill)
		fill(cg, cg_gep(cg, recp, sizeof(struct event_hdr)), arg);
	{
		LLVMValueRef sargs[2] = { recp, cg_const(cg, 0) };
		LLVMTypeRef params[2] = { cg->ptr, cg->i64 };
		LLVMTypeRef fnty = LLVMFunctionType(cg->voidt, params, 2, false);

		LLVMBuildCall2(cg->b, fnty, LLVMConstIntToPtr(cg_const(cg, H_RINGBUF_SUBMIT), cg->ptr),
			       sargs, 2, "");
	}
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

LLVMValueRef cg_str_equal(struct cg *cg, LLVMValueRef a, unsigned asz, LLVMValueRef b,
			  unsigned bsz, unsigned limit)
{
	/* past the shorter string only its implicit NUL can still match */
	unsigned lo = asz < bsz ? asz : bsz, hi = asz > bsz ? asz : bsz;
	unsigned n = lo + 1 < hi ? lo + 1 : hi;
	LLVMBasicBlockRef done = cg_block(cg, "streq_done");
	LLVMValueRef phi, r;
	LLVMBasicBlockRef *from = calloc(2 * n + 2, sizeof(*from));
	LLVMValueRef *vals = calloc(2 * n + 2, sizeof(*vals));
	int nin = 0;

	if (limit && limit < n)
		n = limit;
	for (unsigned i = 0; i < n; i++) {
		LLVMValueRef ca = i < asz ? LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, a, i), "") :
					    LLVMConstInt(cg->i8, 0, false);
		LLVMValueRef cb = i < bsz ? LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, b, i), "") :
					    LLVMConstInt(cg->i8, 0, false);
		LLVMBasicBlockRef same = cg_block(cg, "streq_same"), next = cg_block(cg, "streq_next");

		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, ca, cb, ""), same, done);
		from[nin] = LLVMGetInsertBlock(cg->b);
		vals[nin++] = LLVMConstInt(cg->i1, 0, false);
		LLVMPositionBuilderAtEnd(cg->b, same);
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, ca, LLVMConstInt(cg->i8, 0, false), ""),
				done, next);
		from[nin] = same;
		vals[nin++] = LLVMConstInt(cg->i1, 1, false);
		LLVMPositionBuilderAtEnd(cg->b, next);
	}
	LLVMBuildBr(cg->b, done);
	from[nin] = LLVMGetInsertBlock(cg->b);
	vals[nin++] = LLVMConstInt(cg->i1, 1, false);
	LLVMPositionBuilderAtEnd(cg->b, done);
	phi = LLVMBuildPhi(cg->b, cg->i1, "streq");
	LLVMAddIncoming(phi, vals, from, nin);
	r = phi;
	free(from);
	free(vals);
	return r;
}

void cg_map_agg(struct cg *cg, const struct map_decl *m, struct node *mapnode, LLVMValueRef v,
		cg_agg_fn update)
{
	LLVMValueRef map = cg_map_ptr(cg, m->id);
	LLVMValueRef key = cg_map_key(cg, m, mapnode->a);
	LLVMValueRef args[4] = { map, key };
	LLVMValueRef p = cg_helper(cg, H_MAP_LOOKUP, args, 2), pp;
	LLVMBasicBlockRef found = cg_block(cg, "agg_found"), miss = cg_block(cg, "agg_miss"),
			  done = cg_block(cg, "agg_done");

	if (m->storage != MAP_PERCPU_ARRAY) {
		/* -kk: a new key; bpftrace looks avg and stats up twice */
		cg_helper_check(cg, p, H_MAP_LOOKUP, cg->site, true);
		if (m->value->kind == TY_AVG || m->value->kind == TY_STATS)
			cg_helper_check(cg, p, H_MAP_LOOKUP, cg->site, true);
	}
	pp = LLVMBuildIntToPtr(cg->b, p, cg->ptr, "");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, p, cg_const(cg, 0), ""), found, miss);
	LLVMPositionBuilderAtEnd(cg->b, found);
	update(cg, pp, v, m->value);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, miss);
	if (m->storage != MAP_PERCPU_ARRAY) {
		/* insert zeroes from the session's zero map (values can be too big for the
		 * 512-byte stack), then update the new entry in place */
		LLVMBasicBlockRef again = cg_block(cg, "agg_again");
		LLVMValueRef zkey = cg_alloca_zero(cg, 4, "zkey"), z, zp, q;

		args[0] = cg_map_ptr(cg, cg->s->zero_map);
		args[1] = zkey;
		z = cg_helper(cg, H_MAP_LOOKUP, args, 2);
		zp = LLVMBuildIntToPtr(cg->b, z, cg->ptr, "");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, z, cg_const(cg, 0), ""), again, done);
		LLVMPositionBuilderAtEnd(cg->b, again);
		args[0] = cg_map_ptr(cg, m->id);
		args[1] = key;
		args[2] = zp;
		args[3] = cg_const(cg, 1 /* BPF_NOEXIST */);
		cg_helper_check(cg, cg_helper(cg, H_MAP_UPDATE, args, 4), H_MAP_UPDATE, cg->site, false);
		args[0] = cg_map_ptr(cg, m->id);
		args[1] = key;
		q = cg_helper(cg, H_MAP_LOOKUP, args, 2);
		pp = LLVMBuildIntToPtr(cg->b, q, cg->ptr, "");
		found = cg_block(cg, "agg_found2");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, q, cg_const(cg, 0), ""), found, done);
		LLVMPositionBuilderAtEnd(cg->b, found);
		update(cg, pp, v, m->value);
	}
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

/* cg_map_read: the value of @m[k], zero when the key is missing. */
/* Reusing lookups: `/@start[tid]/ { ... nsecs - @start[tid] ...; delete(@start[tid]) }`
 * looks @start[tid] up once, as one would by hand. A read reuses an earlier lookup of
 * the same map with the same key expression when that expression cannot have changed
 * in between, no map was written since (cg_helper empties the list on every update
 * and delete, and loops start with an empty list) and the earlier lookup is on every
 * path to the read. Off with -kk, which reports each failed lookup. */
struct cg_lookup {
	int map_id;
	const struct node *key;
	LLVMValueRef p;                 /* the lookup's result, as an i64 */
	LLVMBasicBlockRef block;        /* where it was done */
};

#define CG_LOOKUPS_MAX 16
#define CG_DOM_BLOCKS_MAX 2048

/* key_stable: the same value wherever it is evaluated in one run of a program. */
static bool key_stable(const struct node *n)
{
	static const char *const builtins[] = { "pid", "tid", "uid", "gid", "cpu", "comm",
						"cgroup", "curtask", "cpid", "numaid" };

	if (!n || !n->type)
		return false;
	switch (n->kind) {
	case N_INT: case N_STR: case N_POSPARAM:
		return true;
	case N_BUILTIN:
		for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
			if (!strcmp(n->name, builtins[i]))
				return true;
		return false;
	case N_FIELD:   /* args->f: the tracepoint record does not change under us */
		return n->a && n->a->type && n->a->type->kind == TY_TP_ARGS && cg_is_scalar(n->type);
	case N_CAST:
		return key_stable(n->a);
	case N_UNOP:
		return n->op != UOP_DEREF && key_stable(n->a);
	case N_BINOP:
		return key_stable(n->a) && key_stable(n->b);
	case N_TUPLE:
		for (int i = 0; i < n->args.n; i++)
			if (!key_stable(n->args.v[i]))
				return false;
		return true;
	default:
		return false;
	}
}

static bool key_same(const struct node *a, const struct node *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind || !a->type || !b->type || !type_equal(a->type, b->type))
		return false;
	switch (a->kind) {
	case N_INT: case N_POSPARAM:
		return a->ival == b->ival;
	case N_STR:
		return a->slen == b->slen && !memcmp(a->sval, b->sval, a->slen);
	case N_BUILTIN:
		return !strcmp(a->name, b->name);
	case N_FIELD:
		return a->id == b->id && key_same(a->a, b->a);
	case N_CAST: case N_UNOP:
		return a->op == b->op && key_same(a->a, b->a);
	case N_BINOP:
		return a->op == b->op && key_same(a->a, b->a) && key_same(a->b, b->b);
	case N_TUPLE:
		if (a->args.n != b->args.n)
			return false;
		for (int i = 0; i < a->args.n; i++)
			if (!key_same(a->args.v[i], b->args.v[i]))
				return false;
		return true;
	default:
		return false;
	}
}

/* cg_dominates: does every path from the program's start to cur go through x? Asked
 * of the blocks built so far: a block gets its incoming edges before it is filled,
 * and a loop's back edge comes from blocks its header dominates. */
static bool cg_dominates(struct cg *cg, LLVMBasicBlockRef x, LLVMBasicBlockRef cur)
{
	LLVMBasicBlockRef root = LLVMGetNextBasicBlock(cg->entry), *stack, *seen;
	unsigned n = LLVMCountBasicBlocks(cg->fn), nstack = 0, nseen = 0;
	bool dom = true;

	if (x == root || x == cur)
		return true;
	if (n > CG_DOM_BLOCKS_MAX)
		return false;
	stack = malloc(n * sizeof(*stack));
	seen = malloc(n * sizeof(*seen));
	if (!stack || !seen) {
		dom = false;
		goto out;
	}
	stack[nstack++] = seen[nseen++] = root;
	while (nstack && dom) {
		LLVMBasicBlockRef b = stack[--nstack];
		LLVMValueRef t = LLVMGetBasicBlockTerminator(b);

		if (b == cur) {
			dom = false;
			break;
		}
		for (unsigned i = 0; t && i < LLVMGetNumSuccessors(t); i++) {
			LLVMBasicBlockRef s = LLVMGetSuccessor(t, i);
			unsigned j;

			if (s == x)
				continue;
			for (j = 0; j < nseen && seen[j] != s; j++)
				;
			if (j == nseen && nseen < n)
				stack[nstack++] = seen[nseen++] = s;
		}
	}
out:
	free(stack);
	free(seen);
	return dom;
}

/* cg_map_lookup: the i64 result of looking @m[key] up, done here or reused. */
static LLVMValueRef cg_map_lookup(struct cg *cg, const struct map_decl *m, struct node *n)
{
	bool cache = cg->s->cfg.helper_check_level < 2 && (!n->a || key_stable(n->a));
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(cg->b);
	LLVMValueRef args[2], p;

	for (int i = 0; cache && i < cg->nlookups; i++) {
		struct cg_lookup *l = &cg->lookups[i];

		if (l->map_id == m->id && key_same(l->key, n->a) && cg_dominates(cg, l->block, cur))
			return l->p;
	}
	args[0] = cg_map_ptr(cg, m->id);
	args[1] = cg_map_key(cg, m, n->a);
	p = cg_helper(cg, H_MAP_LOOKUP, args, 2);
	if (cache) {
		if (!cg->lookups)
			cg->lookups = calloc(CG_LOOKUPS_MAX, sizeof(*cg->lookups));
		if (cg->lookups && cg->nlookups < CG_LOOKUPS_MAX)
			cg->lookups[cg->nlookups++] = (struct cg_lookup){ m->id, n->a, p,
									 LLVMGetInsertBlock(cg->b) };
	}
	return p;
}

static LLVMValueRef cg_map_read(struct cg *cg, struct node *n)
{
	const struct map_decl *m = cg->s->maps[n->id];
	LLVMValueRef p = cg_map_lookup(cg, m, n), pp, ok;
	LLVMBasicBlockRef found, done, from;

	cg_helper_check(cg, p, H_MAP_LOOKUP, cg->site ? cg->site : n, true);
	found = cg_block(cg, "rd_found");
	done = cg_block(cg, "rd_done");
	pp = LLVMBuildIntToPtr(cg->b, p, cg->ptr, "");
	ok = LLVMBuildICmp(cg->b, LLVMIntNE, p, cg_const(cg, 0), "");
	if (cg_is_scalar(m->value) || type_is_agg(m->value)) {
		LLVMValueRef v, phi, zero = cg_const(cg, 0), vals[2];
		LLVMBasicBlockRef blocks[2];

		from = LLVMGetInsertBlock(cg->b);
		LLVMBuildCondBr(cg->b, ok, found, done);
		LLVMPositionBuilderAtEnd(cg->b, found);
		v = cg_load_int(cg, pp, 8, true);
		if (m->value->kind == TY_AVG) {
			LLVMValueRef c = cg_load_int(cg, cg_gep(cg, pp, 8), 8, false);
			LLVMValueRef nz = LLVMBuildICmp(cg->b, LLVMIntNE, c, zero, "");

			c = LLVMBuildSelect(cg->b, nz, c, cg_const(cg, 1), "");
			v = LLVMBuildSDiv(cg->b, v, c, "");
		}
		LLVMBuildBr(cg->b, done);
		blocks[0] = from;
		blocks[1] = LLVMGetInsertBlock(cg->b);
		vals[0] = zero;
		vals[1] = v;
		LLVMPositionBuilderAtEnd(cg->b, done);
		phi = LLVMBuildPhi(cg->b, cg->i64, "");
		LLVMAddIncoming(phi, vals, blocks, 2);
		return phi;
	} else {
		LLVMValueRef buf = cg_alloca(cg, m->value_size, "mapval");

		cg_memset(cg, buf, 0, m->value_size);
		LLVMBuildCondBr(cg->b, ok, found, done);
		LLVMPositionBuilderAtEnd(cg->b, found);
		cg_memcpy(cg, buf, pp, m->value_size);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, done);
		return buf;
	}
}

/* cg_map_write: @m[k] = v for plain (non-aggregation) maps. */
/* cg_map_write: @m[k] = v; with e instead of v (a record or array read through a
 * pointer), e is read straight into the value buffer. */
static void cg_map_write_from(struct cg *cg, struct node *mapn, LLVMValueRef v,
			      const struct type *vt, struct node *e)
{
	const struct map_decl *m = cg->s->maps[mapn->id];
	LLVMValueRef key = cg_map_key(cg, m, mapn->a);
	LLVMValueRef val, args[4];

	if (e && cg_map_write_in_place(cg, m, key, e, cg->site ? cg->site : mapn)) {
		cg_lifetime(cg, false, key, m->key_size);
		return;
	}
	val = cg_alloca(cg, m->value_size, "val");
	cg_lifetime(cg, true, val, m->value_size);
	if (e)
		cg_expr_to(cg, val, m->value, e);
	else
		cg_store(cg, val, m->value, v, vt);
	args[0] = cg_map_ptr(cg, m->id);
	args[1] = key;
	args[2] = val;
	args[3] = cg_const(cg, 0);
	cg_helper_check(cg, cg_helper(cg, H_MAP_UPDATE, args, 4), H_MAP_UPDATE,
			cg->site ? cg->site : mapn, false);
	cg_lifetime(cg, false, val, m->value_size);
	cg_lifetime(cg, false, key, m->key_size);
}

static void cg_map_write(struct cg *cg, struct node *mapn, LLVMValueRef v, const struct type *vt)
{
	cg_map_write_from(cg, mapn, v, vt, NULL);
}

/* cg_div: signed division and remainder through unsigned ones (BPF ISA v3 has none). */
static LLVMValueRef cg_div(struct cg *cg, LLVMValueRef l, LLVMValueRef r, bool is_signed, bool rem)
{
	LLVMValueRef zero = cg_const(cg, 0), ln, rn, la, ra, q, neg;

	if (!is_signed)
		return rem ? LLVMBuildURem(cg->b, l, r, "") : LLVMBuildUDiv(cg->b, l, r, "");
	ln = LLVMBuildICmp(cg->b, LLVMIntSLT, l, zero, "");
	rn = LLVMBuildICmp(cg->b, LLVMIntSLT, r, zero, "");
	la = LLVMBuildSelect(cg->b, ln, LLVMBuildNeg(cg->b, l, ""), l, "");
	ra = LLVMBuildSelect(cg->b, rn, LLVMBuildNeg(cg->b, r, ""), r, "");
	if (rem) {
		q = LLVMBuildURem(cg->b, la, ra, "");
		return LLVMBuildSelect(cg->b, ln, LLVMBuildNeg(cg->b, q, ""), q, "");
	}
	q = LLVMBuildUDiv(cg->b, la, ra, "");
	neg = LLVMBuildXor(cg->b, ln, rn, "");
	return LLVMBuildSelect(cg->b, neg, LLVMBuildNeg(cg->b, q, ""), q, "");
}

static LLVMValueRef cg_arith(struct cg *cg, int op, LLVMValueRef l, LLVMValueRef r, bool is_signed)
{
	LLVMIntPredicate pred;

	switch (op) {
	case BOP_ADD: return LLVMBuildAdd(cg->b, l, r, "");
	case BOP_SUB: return LLVMBuildSub(cg->b, l, r, "");
	case BOP_MUL: return LLVMBuildMul(cg->b, l, r, "");
	case BOP_DIV: return cg_div(cg, l, r, is_signed, false);
	case BOP_MOD: return cg_div(cg, l, r, is_signed, true);
	case BOP_AND: return LLVMBuildAnd(cg->b, l, r, "");
	case BOP_OR: return LLVMBuildOr(cg->b, l, r, "");
	case BOP_XOR: return LLVMBuildXor(cg->b, l, r, "");
	case BOP_SHL: return LLVMBuildShl(cg->b, l, r, "");
	case BOP_SHR: return is_signed ? LLVMBuildAShr(cg->b, l, r, "") : LLVMBuildLShr(cg->b, l, r, "");
	case BOP_EQ: pred = LLVMIntEQ; break;
	case BOP_NE: pred = LLVMIntNE; break;
	case BOP_LT: pred = is_signed ? LLVMIntSLT : LLVMIntULT; break;
	case BOP_LE: pred = is_signed ? LLVMIntSLE : LLVMIntULE; break;
	case BOP_GT: pred = is_signed ? LLVMIntSGT : LLVMIntUGT; break;
	case BOP_GE: pred = is_signed ? LLVMIntSGE : LLVMIntUGE; break;
	default: return cg_const(cg, 0);
	}
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, pred, l, r, ""), cg->i64, "");
}

static bool int_signed(const struct type *t)
{
	return t->kind == TY_INT && t->is_signed;
}

/* ptr_step: what one unit of pointer arithmetic on t adds (1 for non-pointers). */
static uint64_t ptr_step(const struct type *t)
{
	if (!t || t->kind != TY_POINTER || !t->elem || !t->elem->size)
		return 1;
	return t->elem->size;
}

/* ptr_scale: the integer operand of p + i / p - i counts elements of p's type. */
static LLVMValueRef ptr_scale(struct cg *cg, LLVMValueRef v, const struct type *ptr)
{
	uint64_t step = ptr_step(ptr);

	return step == 1 ? v : LLVMBuildMul(cg->b, v, cg_const(cg, step), "");
}

static LLVMValueRef cg_binop(struct cg *cg, struct node *n)
{
	struct type *lt = n->a->type, *rt = n->b->type;
	LLVMValueRef l, r;

	if (n->op == BOP_LAND || n->op == BOP_LOR) {
		LLVMBasicBlockRef rhs = cg_block(cg, "sc_rhs"), done = cg_block(cg, "sc_done"), from;
		LLVMValueRef lb, rb, phi, vals[2];
		LLVMBasicBlockRef blocks[2];

		l = cg_expr(cg, n->a);
		lb = LLVMBuildICmp(cg->b, LLVMIntNE, l, cg_const(cg, 0), "");
		from = LLVMGetInsertBlock(cg->b);
		if (n->op == BOP_LAND)
			LLVMBuildCondBr(cg->b, lb, rhs, done);
		else
			LLVMBuildCondBr(cg->b, lb, done, rhs);
		LLVMPositionBuilderAtEnd(cg->b, rhs);
		r = cg_expr(cg, n->b);
		rb = LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, r, cg_const(cg, 0), ""), cg->i64, "");
		blocks[1] = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, done);
		phi = LLVMBuildPhi(cg->b, cg->i64, "");
		blocks[0] = from;
		vals[0] = cg_const(cg, n->op == BOP_LOR);
		vals[1] = rb;
		LLVMAddIncoming(phi, vals, blocks, 2);
		return phi;
	}
	if (lt->kind == TY_ARRAY)
		return cg_array_compare(cg, n);
	l = cg_expr(cg, n->a);
	r = cg_expr(cg, n->b);
	if (n->op == BOP_ADD || n->op == BOP_SUB) {
		if (lt->kind == TY_POINTER && rt->kind != TY_POINTER)
			r = ptr_scale(cg, r, lt);
		else if (rt->kind == TY_POINTER && lt->kind != TY_POINTER)
			l = ptr_scale(cg, l, rt);
	}
	if (lt->kind == TY_STRING || lt->kind == TY_BUFFER) {
		LLVMValueRef eq = lt->kind == TY_BUFFER ? cg_bytes_equal(cg, l, lt->size, r, rt->size) :
				  cg_str_equal(cg, l, lt->size, r, rt->size, 0);

		if (n->op == BOP_NE)
			eq = LLVMBuildNot(cg->b, eq, "");
		return LLVMBuildZExt(cg->b, eq, cg->i64, "");
	}
	return cg_arith(cg, n->op, l, r, int_signed(lt) && int_signed(rt));
}

/* cg_tp_field: args->field: direct context loads for integers, copies for arrays. */
static LLVMValueRef cg_tp_field(struct cg *cg, struct node *n)
{
	const struct type_field *f = &n->a->type->fields[n->id];
	const struct type *t = f->type;
	LLVMValueRef p = cg_gep(cg, cg->ctxp, f->offset);

	if (f->bit_size == 32) {
		/* __data_loc: u32 (length << 16 | offset from the record start). One
		 * aligned load: byte loads joined by shifts leave the offset unbounded
		 * for 6.1's verifier, which then refuses ctx + offset. */
		LLVMValueRef raw = LLVMBuildLoad2(cg->b, cg->i32, p, "");
		LLVMValueRef off, buf, args[3];

		LLVMSetAlignment(raw, 4);
		off = LLVMBuildAnd(cg->b, LLVMBuildZExt(cg->b, raw, cg->i64, ""),
				   cg_const(cg, 0xffff), "");
		buf = cg_alloca_zero(cg, t->size, "dataloc");
		args[0] = buf;
		args[1] = cg_const(cg, t->size);
		args[2] = LLVMBuildGEP2(cg->b, cg->i8, cg->ctxp, &off, 1, "");
		cg_helper(cg, H_PROBE_READ_KERNEL_STR, args, 3);
		return buf;
	}
	if (cg_is_scalar(t)) {
		/* fentry's context is u64 slots the verifier lets be read only whole:
		 * 8 bytes, volatile so that LLVM cannot narrow the load, truncated here */
		bool slots = cg->ap->kind == PK_KFUNC || cg->ap->kind == PK_KRETFUNC;
		LLVMValueRef v = LLVMBuildLoad2(cg->b, int_type(cg, slots ? 8 : t->size), p, "");

		if (slots) {
			LLVMSetVolatile(v, 1);
			LLVMSetAlignment(v, 8);   /* or the backend splits it in two */
			if (t->size < 8)
				v = LLVMBuildTrunc(cg->b, v, int_type(cg, t->size), "");
		}
		if (t->size < 8)
			v = int_signed(t) ? LLVMBuildSExt(cg->b, v, cg->i64, "") :
					    LLVMBuildZExt(cg->b, v, cg->i64, "");
		return v;
	} else {
		LLVMValueRef buf = cg_alloca(cg, t->size, "tpfield");
		LLVMValueRef args[3] = { buf, cg_const(cg, t->size), p };

		cg_helper(cg, H_PROBE_READ_KERNEL, args, 3);
		return buf;
	}
}

LLVMValueRef cg_probe_read(struct cg *cg, LLVMValueRef dst, unsigned size, LLVMValueRef src,
			   enum addrspace as, const struct node *n)
{
	enum bpf_helper_id h = as == AS_USER ? H_PROBE_READ_USER :
			       as == AS_KERNEL ? H_PROBE_READ_KERNEL : H_PROBE_READ;
	LLVMValueRef args[3] = { dst, cg_const(cg, size), LLVMBuildIntToPtr(cg->b, src, cg->ptr, "") };
	LLVMValueRef ret;
	static bool warned;

	/* bpftrace 0.17 says so once when it falls back to the generic helper */
	if (as == AS_NONE && !warned && cg->d) {
		warned = true;
		diag_report(cg->d, DIAG_WARNING, NULL, "Addrspace is not set");
	}
	ret = cg_helper(cg, h, args, 3);
	cg_helper_check(cg, ret, h, n, false);
	return ret;
}

static LLVMValueRef cg_var_ptr(struct cg *cg, struct node *var)
{
	return cg->vars[var->id];
}

static LLVMValueRef cg_incdec(struct cg *cg, struct node *n)
{
	LLVMValueRef old, nv;

	if (n->a->kind == N_VAR) {
		LLVMValueRef p = cg_var_ptr(cg, n->a);
		const struct type *t = n->a->type;

		old = cg_load_int(cg, p, t->size, int_signed(t));
		nv = LLVMBuildAdd(cg->b, old, cg_const(cg, (uint64_t)n->ival * ptr_step(t)), "");
		cg_store_int(cg, p, nv, t->size);
	} else {
		const struct map_decl *m = cg->s->maps[n->a->id];

		const struct node *site = cg->site;

		n->a->type = m->value;
		cg->site = n;   /* -k/-kk: both helpers report at "@m[k]++" */
		old = cg_map_read(cg, n->a);
		nv = LLVMBuildAdd(cg->b, old, cg_const(cg, (uint64_t)n->ival * ptr_step(m->value)), "");
		cg_map_write(cg, n->a, nv, m->value);
		cg->site = site;
	}
	return n->is_post ? old : nv;
}

static LLVMValueRef cg_str_lit(struct cg *cg, const char *s, size_t len, unsigned size)
{
	LLVMValueRef buf = cg_alloca(cg, size, "str");

	/* 8-byte constant stores: no .rodata, so the object stays relocation-free */
	for (unsigned off = 0; off < size; off += 8) {
		uint64_t chunk = 0;
		unsigned n = size - off < 8 ? size - off : 8;

		for (unsigned i = 0; i < n; i++)
			if (off + i < len)
				chunk |= (uint64_t)(unsigned char)s[off + i] << (8 * i);
		if (n == 8) {
			cg_store_int(cg, cg_gep(cg, buf, off), cg_const(cg, chunk), 8);
		} else {
			for (unsigned i = 0; i < n; i++)
				cg_store_int(cg, cg_gep(cg, buf, off + i), cg_const(cg, (chunk >> (8 * i)) & 0xff), 1);
		}
	}
	return buf;
}

LLVMValueRef cg_expr(struct cg *cg, struct node *n)
{
	const struct builtin_def *bd;
	const struct func_def *fd;
	struct type *t = n->type;
	LLVMValueRef v, p;

	switch (n->kind) {
	case N_INT:
		return cg_const(cg, (uint64_t)n->ival);
	case N_STR:
		return cg_str_lit(cg, n->sval, n->slen, t->size);
	case N_POSPARAM:
		if (n->ival == -1)
			return cg_const(cg, cg->s->cfg.argc);
		if (n->ival > cg->s->cfg.argc)
			return cg_const(cg, 0);
		if (t->kind == TY_STRING) {
			const char *arg = cg->s->cfg.argv[n->ival - 1];

			return cg_str_lit(cg, arg, strlen(arg), t->size);
		}
		return cg_const(cg, (uint64_t)strtoll(cg->s->cfg.argv[n->ival - 1], NULL, 0));
	case N_BUILTIN:
		bd = builtin_find(n->name);
		if (!bd)
			bd = builtin_find("arg0");
		return bd->gen(cg, n);
	case N_VAR:
		p = cg_var_ptr(cg, n);
		if (cg_is_scalar(t))
			return cg_load_int(cg, p, t->size, int_signed(t));
		return p;
	case N_MAP:
		return cg_map_read(cg, n);
	case N_CALL:
		fd = func_find(n->name);
		return fd->gen(cg, n);
	case N_BINOP:
		return cg_binop(cg, n);
	case N_UNOP:
		/* a dereference reads only what is used of it: no operand value here */
		v = n->op == UOP_DEREF ? NULL : cg_expr(cg, n->a);
		switch (n->op) {
		case UOP_NEG: return LLVMBuildNeg(cg->b, v, "");
		case UOP_LNOT:
			return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, v, cg_const(cg, 0), ""),
					     cg->i64, "");
		case UOP_BNOT: return LLVMBuildNot(cg->b, v, "");
		case UOP_PLUS: return v;
		case UOP_DEREF:
			return cg_deref(cg, n);
		default:
			return cg_const(cg, 0);
		}
	case N_INCDEC:
		return cg_incdec(cg, n);
	case N_TERNARY: {
		LLVMBasicBlockRef yes = cg_block(cg, "t_yes"), no = cg_block(cg, "t_no"),
				  done = cg_block(cg, "t_done");
		LLVMValueRef c = cg_expr(cg, n->a), vals[2], phi, res = NULL;
		LLVMBasicBlockRef blocks[2];

		if (!cg_is_scalar(t))
			res = cg_alloca(cg, t->size, "tern");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, cg_const(cg, 0), ""), yes, no);
		LLVMPositionBuilderAtEnd(cg->b, yes);
		vals[0] = cg_expr(cg, n->b);
		if (res)
			cg_store(cg, res, t, vals[0], n->b->type);
		blocks[0] = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, no);
		vals[1] = cg_expr(cg, n->c);
		if (res)
			cg_store(cg, res, t, vals[1], n->c->type);
		blocks[1] = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, done);
		if (res)
			return res;
		phi = LLVMBuildPhi(cg->b, cg->i64, "");
		LLVMAddIncoming(phi, vals, blocks, 2);
		return phi;
	}
	case N_CAST:
		v = cg_expr(cg, n->a);
		if (t->kind == TY_INT)
			return cg_int_cast(cg, v, t->size, t->is_signed);
		return v;
	case N_FIELD:
		if (n->a->type->kind == TY_TP_ARGS)
			return cg_tp_field(cg, n);
		return cg_member(cg, n);
	case N_INDEX:
		return cg_subscript(cg, n);
	case N_TUPLE: {
		LLVMValueRef buf = cg_alloca_zero(cg, t->size, "tuple");

		for (int i = 0; i < n->args.n; i++)
			cg_expr_to(cg, cg_gep(cg, buf, t->fields[i].offset), t->fields[i].type,
				   n->args.v[i]);
		return buf;
	}
	case N_TUPLE_GET: {
		const struct type *tt = n->a->type;

		v = cg_expr(cg, n->a);
		p = cg_gep(cg, v, tt->fields[n->ival].offset);
		return cg_is_scalar(t) ? cg_load_int(cg, p, t->size, int_signed(t)) : p;
	}
	case N_SIZEOF:
	case N_OFFSETOF:
		return cg_const(cg, n->ival);
	default:
		return cg_const(cg, 0);
	}
}

static void cg_stmt(struct cg *cg, struct node *n);

static void cg_blockn(struct cg *cg, struct node *b)
{
	for (int i = 0; b && i < b->stmts.n; i++)
		cg_stmt(cg, b->stmts.v[i]);
}

static void cg_assign(struct cg *cg, struct node *n)
{
	struct node *lhs = n->a;
	const struct type *vt;
	LLVMValueRef v;

	if (n->op) {
		struct type *lt = lhs->kind == N_MAP ? cg->s->maps[lhs->id]->value : lhs->type;
		LLVMValueRef cur;

		if (lhs->kind == N_MAP) {
			cur = cg_map_read(cg, lhs);
		} else {
			cur = cg_load_int(cg, cg_var_ptr(cg, lhs), lt->size, int_signed(lt));
		}
		v = cg_expr(cg, n->b);
		if ((n->op == BOP_ADD || n->op == BOP_SUB) && n->b->type->kind != TY_POINTER)
			v = ptr_scale(cg, v, lt);
		v = cg_arith(cg, n->op, cur, v, int_signed(lt) && int_signed(n->b->type));
		vt = lt;
	} else {
		if (n->b->kind == N_CALL && type_is_agg(n->b->type)) {
			/* aggregations update the map themselves */
			cg->agg_target = lhs;
			cg_expr(cg, n->b);
			cg->agg_target = NULL;
			return;
		}
		if (ctypes_remote_value(n->b)) {
			/* a record/array read through a pointer: read into place, no copy */
			if (lhs->kind == N_MAP) {
				const struct node *site = cg->site;

				cg->site = n;
				cg_map_write_from(cg, lhs, NULL, NULL, n->b);
				cg->site = site;
			} else {
				cg_expr_to(cg, cg_var_ptr(cg, lhs), lhs->type, n->b);
			}
			return;
		}
		v = cg_expr(cg, n->b);
		vt = n->b->type;
	}
	if (lhs->kind == N_MAP) {
		const struct node *site = cg->site;

		cg->site = n;   /* -k: a failed update reports at the "=" */
		cg_map_write(cg, lhs, v, vt);
		cg->site = site;
	} else {
		cg_store(cg, cg_var_ptr(cg, lhs), lhs->type, v, vt);
	}
}


/* cg_callback_new: a bpf_for_each_map_elem callback (map, key, value, ctx) of the
 * program being generated. It shares the program's section: the kernel takes a
 * subprogram only inside the program's instructions, and the loader turns its
 * address (an ld_imm64 with a relocation) into a BPF_PSEUDO_FUNC. */
static LLVMValueRef cg_callback_new(struct cg *cg)
{
	LLVMTypeRef params[4] = { cg->ptr, cg->ptr, cg->ptr, cg->ptr };
	LLVMTypeRef fnty = LLVMFunctionType(cg->i64, params, 4, false);
	unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	char name[256];
	LLVMValueRef f;

	snprintf(name, sizeof(name), "%s_cb%d", LLVMGetValueName(cg->fn), cg->ncallbacks++);
	f = LLVMAddFunction(cg->mod, name, fnty);
	LLVMSetLinkage(f, LLVMInternalLinkage);
	LLVMSetSection(f, LLVMGetSection(cg->fn));
	LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(cg->ctx, noinline, 0));
	return f;
}

/* cg_for_each: bpf_for_each_map_elem(map, cb, ctx, 0), the number of elements visited */
static LLVMValueRef cg_for_each(struct cg *cg, int map_id, LLVMValueRef cb, LLVMValueRef ctx)
{
	LLVMValueRef args[4] = { cg_map_ptr(cg, map_id), cb, ctx, cg_const(cg, 0) };

	return cg_helper(cg, H_FOR_EACH_MAP_ELEM, args, 4);
}

LLVMValueRef cg_map_count(struct cg *cg, int map_id)
{
	LLVMValueRef cb = cg_callback_new(cg), slot = cg_alloca_zero(cg, 8, "len_ctx");
	LLVMBuilderRef b = LLVMCreateBuilderInContext(cg->ctx);

	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(cg->ctx, cb, "entry"));
	LLVMBuildRet(b, LLVMConstInt(cg->i64, 0, false));
	LLVMDisposeBuilder(b);
	return cg_for_each(cg, map_id, cb, slot);
}

static void cg_blockn(struct cg *cg, struct node *b);

/* cg_for: for ($kv : @m) { body } as a callback. The body's own variables live
 * in the callback's frame; the program's context and the variables of the
 * bodies around it reach it through the callback's ctx argument: a record of
 * pointers in the caller's frame (the verifier follows them there). */
static void cg_for(struct cg *cg, struct node *n)
{
	const struct map_decl *m = cg->s->maps[n->b->id];
	const struct type *kvt = n->a->type;
	const struct sema *se = cg->se;
	LLVMValueRef outer_fn = cg->fn, outer_ctxp = cg->ctxp, cb, ctxrec, ctxarg;
	LLVMValueRef *outer_vars = malloc(sizeof(*outer_vars) * (se->nvars + 1));
	LLVMBasicBlockRef outer_entry = cg->entry, outer_at = LLVMGetInsertBlock(cg->b), body;
	struct cg_lookup *outer_lookups = cg->lookups;
	int outer_nloops = cg->nloops, outer_fn_id = cg->cur_fn, nshared = 0;
	bool outer_cb = cg->in_callback;

	if (!outer_vars) {
		cg->nerrors++;
		return;
	}
	memcpy(outer_vars, cg->vars, sizeof(*outer_vars) * se->nvars);
	for (int i = 0; i < se->nvars; i++)
		nshared += sema_fn_visible(se, se->vars[i].fn, outer_fn_id);
	ctxrec = cg_alloca(cg, 8 * (1 + nshared), "for_ctx");
	LLVMBuildStore(cg->b, cg->ctxp, ctxrec);
	for (int i = 0, j = 1; i < se->nvars; i++)
		if (sema_fn_visible(se, se->vars[i].fn, outer_fn_id))
			LLVMBuildStore(cg->b, cg->vars[i], cg_gep(cg, ctxrec, 8 * j++));
	cb = cg_callback_new(cg);
	cg->fn = cb;
	cg->cur_fn = (int)n->ival;
	cg->entry = LLVMAppendBasicBlockInContext(cg->ctx, cb, "entry");
	body = cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, body);
	ctxarg = LLVMGetParam(cb, 3);
	cg->ctxp = LLVMBuildLoad2(cg->b, cg->ptr, ctxarg, "ctx");
	cg->lookups = NULL;
	cg->nlookups = 0;
	cg->nloops = 0;
	cg->in_callback = true;
	for (int i = 0, j = 1; i < se->nvars; i++) {
		const struct sema_var *v = &se->vars[i];

		if (sema_fn_visible(se, v->fn, outer_fn_id))
			cg->vars[i] = LLVMBuildLoad2(cg->b, cg->ptr, cg_gep(cg, ctxarg, 8 * j++), v->name);
		else if (v->fn == cg->cur_fn)
			cg->vars[i] = cg_alloca_zero(cg, v->type->size ? v->type->size : 8, v->name);
	}
	cg_memcpy(cg, cg_gep(cg, cg->vars[n->a->id], kvt->fields[0].offset), LLVMGetParam(cb, 1),
		  m->key->size);
	cg_memcpy(cg, cg_gep(cg, cg->vars[n->a->id], kvt->fields[1].offset), LLVMGetParam(cb, 2),
		  m->value->size);
	cg_blockn(cg, n->body);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	LLVMBuildBr(cg->b, body);
	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(cb); bb; bb = LLVMGetNextBasicBlock(bb)) {
		if (!LLVMGetBasicBlockTerminator(bb)) {
			LLVMPositionBuilderAtEnd(cg->b, bb);
			LLVMBuildRet(cg->b, cg_const(cg, 0));
		}
	}
	free(cg->lookups);
	memcpy(cg->vars, outer_vars, sizeof(*outer_vars) * se->nvars);
	free(outer_vars);
	cg->fn = outer_fn;
	cg->cur_fn = outer_fn_id;
	cg->ctxp = outer_ctxp;
	cg->entry = outer_entry;
	cg->lookups = outer_lookups;
	cg->nlookups = 0;       /* the body may have written any map */
	cg->nloops = outer_nloops;
	cg->in_callback = outer_cb;
	LLVMPositionBuilderAtEnd(cg->b, outer_at);
	cg_for_each(cg, m->id, cb, ctxrec);
}

static void cg_stmt(struct cg *cg, struct node *n)
{
	LLVMBasicBlockRef a, b, c;
	LLVMValueRef v;

	switch (n->kind) {
	case N_EXPR_STMT:
		cg_expr(cg, n->a);
		break;
	case N_ASSIGN:
		cg_assign(cg, n);
		break;
	case N_IF:
		v = cg_expr(cg, n->a);
		a = cg_block(cg, "if_then");
		b = cg_block(cg, "if_else");
		c = cg_block(cg, "if_end");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, v, cg_const(cg, 0), ""), a, b);
		LLVMPositionBuilderAtEnd(cg->b, a);
		cg_blockn(cg, n->body);
		LLVMBuildBr(cg->b, c);
		LLVMPositionBuilderAtEnd(cg->b, b);
		if (n->else_body) {
			if (n->else_body->kind == N_IF)
				cg_stmt(cg, n->else_body);
			else
				cg_blockn(cg, n->else_body);
		}
		LLVMBuildBr(cg->b, c);
		LLVMPositionBuilderAtEnd(cg->b, c);
		break;
	case N_UNROLL: {
		int64_t count = n->a->kind == N_INT ? n->a->ival : 1;

		if (n->a->kind == N_POSPARAM && n->a->ival <= cg->s->cfg.argc)
			count = strtoll(cg->s->cfg.argv[n->a->ival - 1], NULL, 0);
		for (int64_t i = 0; i < count && i < 100; i++)
			cg_blockn(cg, n->body);
		break;
	}
	case N_WHILE:
		cg->nlookups = 0;       /* the body may write what the condition reads */
		a = cg_block(cg, "while_cond");
		b = cg_block(cg, "while_body");
		c = cg_block(cg, "while_end");
		LLVMBuildBr(cg->b, a);
		LLVMPositionBuilderAtEnd(cg->b, a);
		v = cg_expr(cg, n->a);
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, v, cg_const(cg, 0), ""), b, c);
		LLVMPositionBuilderAtEnd(cg->b, b);
		cg->loops[cg->nloops++] = (struct cg_loop){ c, a };
		cg_blockn(cg, n->body);
		cg->nloops--;
		LLVMBuildBr(cg->b, a);
		LLVMPositionBuilderAtEnd(cg->b, c);
		cg->nlookups = 0;
		break;
	case N_FOR:
		cg_for(cg, n);
		break;
	case N_BREAK:
	case N_CONTINUE:
		if (!cg->nloops && cg->in_callback) {
			/* a for-loop body: 1 stops bpf_for_each_map_elem, 0 goes on */
			LLVMBuildRet(cg->b, cg_const(cg, n->kind == N_BREAK));
			LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "dead"));
			break;
		}
		LLVMBuildBr(cg->b, n->kind == N_BREAK ? cg->loops[cg->nloops - 1].brk :
				    cg->loops[cg->nloops - 1].cont);
		LLVMPositionBuilderAtEnd(cg->b, cg_block(cg, "dead"));
		break;
	case N_RETURN:
		cg_return(cg);
		break;
	case N_BLOCK:
		cg_blockn(cg, n);
		break;
	default:
		break;
	}
}

/* cg_function: one BPF program: entry allocas, predicate, body, return 0. */
int cg_function(struct cg *cg, struct node *probe, const char *name)
{
	LLVMTypeRef params[1] = { cg->ptr };
	LLVMTypeRef fnty = LLVMFunctionType(cg->i64, params, 1, false);
	LLVMBasicBlockRef body;
	char section[160];

	cg->fn = LLVMAddFunction(cg->mod, name, fnty);
	cg->ncallbacks = 0;
	cg->cur_fn = 0;
	snprintf(section, sizeof(section), "prog/%s", name);
	LLVMSetSection(cg->fn, section);
	cg->ctxp = LLVMGetParam(cg->fn, 0);
	cg->entry = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "entry");
	cg->nlookups = 0;
	body = cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, body);
	cg->nvars = cg->se->nvars;
	cg->vars = calloc(cg->nvars + 1, sizeof(*cg->vars));
	for (int i = 0; i < cg->nvars; i++) {
		struct type *t = cg->se->vars[i].type;

		if (cg->se->vars[i].fn)
			continue;       /* a for-loop body's: in its callback */
		cg->vars[i] = cg_alloca_zero(cg, t->size ? t->size : 8, cg->se->vars[i].name);
	}
	if (probe->a) {
		LLVMBasicBlockRef pass = cg_block(cg, "pred_pass"), fail = cg_block(cg, "pred_fail");
		LLVMValueRef v = cg_expr(cg, probe->a);

		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, v, cg_const(cg, 0), ""), pass, fail);
		LLVMPositionBuilderAtEnd(cg->b, fail);
		LLVMBuildRet(cg->b, cg_const(cg, 0));
		LLVMPositionBuilderAtEnd(cg->b, pass);
	}
	cg_blockn(cg, probe->body);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	LLVMBuildBr(cg->b, body);
	/* blocks after a return/break/exit() are unreachable but must be terminated */
	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(cg->fn); bb; bb = LLVMGetNextBasicBlock(bb)) {
		if (!LLVMGetBasicBlockTerminator(bb)) {
			LLVMPositionBuilderAtEnd(cg->b, bb);
			LLVMBuildRet(cg->b, cg_const(cg, 0));
		}
	}
	free(cg->vars);
	cg->vars = NULL;
	free(cg->lookups);
	cg->lookups = NULL;
	cg->nlookups = 0;
	return cg->nerrors ? -EINVAL : 0;
}
