/* fn_mem: raw memory: buf() records (u32 length, then the bytes), uptr() and
 * kptr() address-space annotations, bswap(). A buffer's bytes past its
 * length are zero, so two buffers compare (and hash as map keys) by value. */
#include <string.h>
#include "fn.h"

#define ARG(n, i) ((n)->args.v[i])

/* ---- buf(data [, length]) ---- */

struct type *fn_ck_buf(struct sema *se, struct node *n)
{
	unsigned max = se->s->cfg.strlen ? se->s->cfg.strlen : 64, size;
	struct node *a = ARG(n, 0);
	struct type *t = sema_expr(se, a), *lt;
	int64_t len;

	if (!t)
		return NULL;
	if (t->kind != TY_INT && t->kind != TY_POINTER && t->kind != TY_STRING &&
	    t->kind != TY_ARRAY) {
		fn_error(se, n, "buf() expects an integer, string, or array argument but saw %s",
			 fn_type_word(t));
		return NULL;
	}
	if (n->args.n == 1) {
		if (t->kind != TY_ARRAY) {
			fn_error(se, n, "buf() expects a length argument for non-array type %s",
				 fn_type_word(t));
			return NULL;
		}
		size = t->size;
	} else {
		lt = sema_expr(se, ARG(n, 1));
		if (!lt)
			return NULL;
		if (lt->kind != TY_INT) {
			fn_error(se, n, "buf() only supports integer arguments (%s provided)",
				 fn_type_word(lt));
			return NULL;
		}
		size = max;
		if (fn_literal_int(se, ARG(n, 1), &len)) {
			if (len < 0) {
				fn_error(se, n, "buf cannot use negative length (%lld)", (long long)len);
				return NULL;
			}
			if ((uint64_t)len > max)
				fn_warn(se, n, "buf() length is too long and will be shortened to %u "
					"bytes (see BPFTRACE_STRLEN)", max);
			else
				size = (unsigned)len;
		}
	}
	return type_buffer(se->s->arena, size);
}

LLVMValueRef fn_gen_buf(struct cg *cg, struct node *n)
{
	struct node *a = ARG(n, 0);
	const struct type *at = a->type;
	unsigned size = n->type->size - 4;
	LLVMValueRef rec = cg_alloca_zero(cg, n->type->size, "buf");
	LLVMValueRef v = cg_expr(cg, a), len;

	if (n->args.n > 1) {
		/* at most the buffer's size: the rest of the bytes stay zero */
		LLVMValueRef want = cg_expr(cg, ARG(n, 1));
		LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGT, want, cg_const(cg, size), "");

		len = LLVMBuildSelect(cg->b, big, cg_const(cg, size), want, "");
	} else {
		len = cg_const(cg, size);
	}
	cg_store_int(cg, rec, len, 4);
	if (!size)
		return rec;
	if (at->kind == TY_INT || at->kind == TY_POINTER) {
		fn_probe_read(cg, cg_gep(cg, rec, 4), cg_bound(cg, len, size), v, type_as(at), n);
	} else {
		/* already in our memory: the bytes up to the length, the rest zero */
		unsigned have = at->size < size ? at->size : size;
		LLVMValueRef dst = cg_gep(cg, rec, 4);

		cg_memcpy(cg, dst, v, have);
		if (n->args.n > 1 && !LLVMIsConstant(len)) {
			/* stores under branches: no values held live across the bytes */
			for (unsigned i = 0; i < have; i++) {
				LLVMBasicBlockRef z = cg_block(cg, "buf_zero"), next = cg_block(cg, "buf_next");

				LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntULE, len, cg_const(cg, i), ""),
						z, next);
				LLVMPositionBuilderAtEnd(cg->b, z);
				cg_store_int(cg, cg_gep(cg, dst, i), cg_const(cg, 0), 1);
				LLVMBuildBr(cg->b, next);
				LLVMPositionBuilderAtEnd(cg->b, next);
			}
		}
	}
	return rec;
}

/* ---- uptr(p), kptr(p) ---- */

struct type *fn_ck_uptr(struct sema *se, struct node *n)
{
	struct type *t = sema_expr(se, ARG(n, 0)), *r;

	if (!t)
		return NULL;
	if (t->kind != TY_INT && t->kind != TY_POINTER) {
		fn_error(se, n, "%s() only supports integer or pointer arguments (%s provided)",
			 n->name, fn_type_word(t));
		return NULL;
	}
	r = type_new(se->s->arena, t->kind, t->size, t->align);
	*r = *t;
	r->is_user = n->name[0] == 'u';
	r->is_kernel = n->name[0] == 'k';
	return r;
}

LLVMValueRef fn_gen_uptr(struct cg *cg, struct node *n)
{
	return cg_expr(cg, ARG(n, 0));
}

/* ---- bswap(n) ---- */

struct type *fn_ck_bswap(struct sema *se, struct node *n)
{
	struct type *t = sema_expr(se, ARG(n, 0));

	if (!t)
		return NULL;
	if (t->kind != TY_INT) {
		fn_error(se, n, "bswap() only supports integer arguments (%s provided)",
			 fn_type_word(t));
		return NULL;
	}
	return type_int(se->s->arena, t->size, false);
}

LLVMValueRef fn_gen_bswap(struct cg *cg, struct node *n)
{
	unsigned size = n->type->size;
	LLVMValueRef v = cg_expr(cg, ARG(n, 0)), fn, r;
	LLVMTypeRef ty, fnty;
	unsigned iid;

	if (size < 2)
		return cg_int_cast(cg, v, 1, false);
	ty = LLVMIntTypeInContext(cg->ctx, size * 8);
	iid = LLVMLookupIntrinsicID("llvm.bswap", 10);
	fn = LLVMGetIntrinsicDeclaration(cg->mod, iid, &ty, 1);
	fnty = LLVMIntrinsicGetType(cg->ctx, iid, &ty, 1);
	if (size < 8)
		v = LLVMBuildTrunc(cg->b, v, ty, "");
	r = LLVMBuildCall2(cg->b, fnty, fn, &v, 1, "");
	return size < 8 ? LLVMBuildZExt(cg->b, r, cg->i64, "") : r;
}

/* ---- buffer comparison ---- */

LLVMValueRef cg_bytes_equal(struct cg *cg, LLVMValueRef a, unsigned asz, LLVMValueRef b,
			    unsigned bsz)
{
	unsigned n = asz > bsz ? asz : bsz;
	LLVMValueRef zero = LLVMConstInt(cg->i8, 0, false), diff = zero;

	/* OR of the XORs: no branches, so no state explosion for the verifier */
	for (unsigned i = 0; i < n; i++) {
		LLVMValueRef x = i < asz ? LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, a, i), "") : zero;
		LLVMValueRef y = i < bsz ? LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, b, i), "") : zero;

		diff = LLVMBuildOr(cg->b, diff, LLVMBuildXor(cg->b, x, y, ""), "");
	}
	return LLVMBuildICmp(cg->b, LLVMIntEQ, diff, zero, "");
}
