/* fn_net: network addresses: ntop() records (u64 family, 16 address bytes)
 * printed as text by the runtime, pton() byte arrays built at compile time,
 * macaddr() records of six bytes. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include "fn.h"

#define ARG(n, i) ((n)->args.v[i])

/* ---- ntop([af, ] addr) ---- */

struct type *fn_ck_ntop(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, n->args.n - 1);
	struct type *t;

	if (n->args.n == 2) {
		struct type *af = sema_expr(se, ARG(n, 0));

		if (!af)
			return NULL;
		if (af->kind != TY_INT) {
			fn_error(se, n, "ntop() only supports integer arguments (%s provided)",
				 fn_type_word(af));
			return NULL;
		}
	}
	t = sema_expr(se, a);
	if (!t)
		return NULL;
	if (t->kind != TY_INT && t->kind != TY_STRING && t->kind != TY_ARRAY) {
		fn_error(se, n, "ntop() expects an integer or array argument, got %s",
			 fn_type_word(t));
		return NULL;
	}
	if ((t->kind == TY_STRING || t->kind == TY_ARRAY) && t->size != 4 && t->size != 16) {
		fn_error(se, n, "ntop() argument must be 4 or 16 bytes in size");
		return NULL;
	}
	return type_simple(se->s->arena, TY_INET);
}

LLVMValueRef fn_gen_ntop(struct cg *cg, struct node *n)
{
	struct node *a = ARG(n, n->args.n - 1);
	LLVMValueRef rec = cg_alloca_zero(cg, 24, "inet"), af, v;

	if (n->args.n == 2)
		af = cg_expr(cg, ARG(n, 0));
	else
		af = cg_const(cg, a->type->kind == TY_INT || a->type->size == 4 ? AF_INET : AF_INET6);
	v = cg_expr(cg, a);
	cg_store_int(cg, rec, af, 8);
	if (a->type->kind == TY_INT)
		cg_store_int(cg, cg_gep(cg, rec, 8), v, 4);     /* as a u32, in memory order */
	else
		cg_memcpy(cg, cg_gep(cg, rec, 8), v, a->type->size);
	return rec;
}

/* ---- pton("address") ---- */

struct type *fn_ck_pton(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);
	unsigned char addr[16];
	const char *s = NULL;
	struct type *t;
	char tn[64];
	int af;

	t = a->kind == N_POSPARAM ? NULL : sema_expr(se, a);
	if (a->kind == N_STR || a->kind == N_POSPARAM) {
		s = fn_literal_str(se, a);
	} else {
		if (!t)
			return NULL;
		type_name(t, tn, sizeof(tn));
		/* bpftrace's literal lookup complains first, without a location */
		diag_error(se->d, NULL, "Expected string literal, got %s", tn);
		fn_error(se, n, "pton() expects an string argument of an IPv4/IPv6 address, got ");
		return NULL;
	}
	af = strchr(s, ':') ? AF_INET6 : strchr(s, '.') ? AF_INET : 0;
	if (!af || inet_pton(af, s, addr) != 1) {
		fn_error(se, n, "pton() expects an string argument of an IPv4/IPv6 address, got %s", s);
		return NULL;
	}
	/* the bytes travel in the node until codegen */
	n->ival = af;
	return type_array(se->s->arena, type_int(se->s->arena, 1, false), af == AF_INET ? 4 : 16);
}

LLVMValueRef fn_gen_pton(struct cg *cg, struct node *n)
{
	struct node *a = ARG(n, 0);
	const char *s = a->kind == N_STR ? a->sval :
			a->ival <= cg->s->cfg.argc ? cg->s->cfg.argv[a->ival - 1] : "";
	unsigned size = n->type->size;
	unsigned char addr[16] = { 0 };
	LLVMValueRef buf = cg_alloca(cg, size, "pton");

	inet_pton((int)n->ival, s, addr);
	for (unsigned i = 0; i < size; i++)
		cg_store_int(cg, cg_gep(cg, buf, i), cg_const(cg, addr[i]), 1);
	return buf;
}

/* ---- macaddr(addr) ---- */

struct type *fn_ck_macaddr(struct sema *se, struct node *n)
{
	struct node *a = ARG(n, 0);
	struct type *t = sema_expr(se, a);
	int err = 0;

	if (!t)
		return NULL;
	if (t->kind != TY_INT && t->kind != TY_POINTER && t->kind != TY_STRING &&
	    t->kind != TY_ARRAY) {
		fn_error(se, n, "macaddr() only supports array or pointer arguments (%s provided)",
			 fn_type_word(t));
		return NULL;
	}
	if ((t->kind == TY_STRING || t->kind == TY_ARRAY) && t->size != 6)
		err = fn_error(se, n, "macaddr() argument must be 6 bytes in size");
	if (a->kind == N_STR)
		err = fn_error(se, n, "macaddr() does not support literal string arguments");
	return err ? NULL : type_simple(se->s->arena, TY_MACADDR);
}

LLVMValueRef fn_gen_macaddr(struct cg *cg, struct node *n)
{
	struct node *a = ARG(n, 0);
	LLVMValueRef rec = cg_alloca_zero(cg, 6, "macaddr"), v = cg_expr(cg, a);

	if (a->type->kind == TY_INT || a->type->kind == TY_POINTER)
		fn_probe_read(cg, rec, cg_const(cg, 6), v, type_as(a->type), n);
	else
		cg_memcpy(cg, rec, v, 6);
	return rec;
}
