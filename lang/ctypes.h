/* ctypes: the C types a script can name, and the expressions that use them.
 * Names resolve in the script's own definitions (cdecl.c) first, then in kernel
 * BTF (btf.c), then in the declarations of #included headers (read through cpp).
 * Casts, sizeof, offsetof, field access, dereference and subscripts are typed
 * and generated here; sema.c and codegen.c dispatch to these functions. */
#ifndef BPFDECK_CTYPES_H
#define BPFDECK_CTYPES_H

#include <stdbool.h>
#include <stdint.h>
#include "ast.h"
#include "diag.h"
#include "types.h"

struct session;
struct program;
struct sema;
struct cg;
typedef struct LLVMOpaqueValue *cg_value;

/* Where a name was declared: the script's own text, or an #included header. */
enum ct_scope { CT_SCRIPT, CT_HEADERS, CT__NSCOPES };

/* A string- or integer-keyed hash table in the session arena. */
struct ct_ent {
	struct ct_ent *next;
	const char *skey;
	uint64_t ikey;
	void *val;
	int64_t ival;
};

struct ct_hash {
	struct ct_ent **b;
	unsigned nb, n;
};

struct ctypes {
	struct ct_hash tags[CT__NSCOPES];     /* "struct Foo", "union U", "enum E" -> type */
	struct ct_hash typedefs[CT__NSCOPES]; /* "foo_t" -> type */
	struct ct_hash consts[CT__NSCOPES];   /* enumerators -> ival */
	struct ct_hash macros[CT__NSCOPES];   /* object-like #define NAME -> body text */
	struct ct_hash btf_ids;               /* (BTF source, id) -> converted type */
	struct ct_hash btf_names;             /* name -> BTF type, misses included (val NULL) */
	struct ct_hash warned;                /* warnings given: (sink, kind) x (line, col) */
	const char *cpp_input;                /* the program's #define/#include lines, or NULL */
	bool headers_read;                    /* cpp ran (or failed) for cpp_input */
	char *headers_error;                  /* why headers could not be read, if they could not */
};

struct ctypes *ctypes_of(struct session *s);

void *ct_hash_get(const struct ct_hash *h, const char *skey, uint64_t ikey, bool *found);
struct ct_ent *ct_hash_put(struct session *s, struct ct_hash *h, const char *skey, uint64_t ikey);

/* The plain char type: a signed 1-byte TY_INT named "char". Arrays of it are strings. */
struct type *ctypes_char(struct session *s);
bool ctypes_is_char(const struct type *t);
/* bpftrace's own integer names and C's spellings of them ("uint8", "u32", "int32_t",
 * "unsigned long", "size_t", "bool"); "void" too. NULL if the name is none of them. */
struct type *ctypes_base(struct session *s, const char *name);
/* A struct/union/enum tag ("struct Foo") or a type name ("pid_t"), looked up in
 * the script's definitions, then BTF, then the included headers. NULL if unknown. */
struct type *ctypes_lookup(struct session *s, const char *name);
/* As ctypes_lookup, searching one scope's tables first (cdecl's view while parsing). */
struct type *ctypes_lookup_from(struct session *s, const char *name, enum ct_scope first);
/* An enumerator or object-like macro with an integer value, in the same order. */
bool ctypes_const(struct session *s, const char *name, int64_t *val);
/* Fill in an incomplete record (a forward reference, a lazy BTF record) and the
 * records it holds by value. 0, or -ENOENT when no definition is known. */
int ctypes_complete(struct session *s, struct type *t);
/* The same type in another address space (a copy when it differs). */
struct type *ctypes_with_as(struct session *s, struct type *t, enum addrspace as);
/* Read the program's #include headers through cpp (once): their declarations
 * and macros go to the CT_HEADERS tables. 0 or -errno (message kept). */
int ctypes_read_headers(struct session *s);

/* ---- sema: typing ---- */

/* The type written in a cast, sizeof or offsetof, or NULL after an error. */
struct type *sema_ctype(struct sema *se, struct ctype *ct, struct node *n);
struct type *sema_cast(struct sema *se, struct node *n);            /* N_CAST */
/* N_FIELD on records and pointers to them; t: the type of n->a, already checked */
struct type *sema_member(struct sema *se, struct node *n, struct type *t);
struct type *sema_deref(struct sema *se, struct node *n, struct type *x); /* *a, a typed x */
struct type *sema_subscript(struct sema *se, struct node *n);       /* N_INDEX */
struct type *sema_sizeof(struct sema *se, struct node *n);          /* N_SIZEOF */
struct type *sema_offsetof(struct sema *se, struct node *n);        /* N_OFFSETOF */
/* A binary operator with a pointer operand, as bpftrace's binop_ptr: p + i, i + p,
 * p - i (scaled by the pointee size in codegen) and comparisons; errors otherwise. */
struct type *sema_ptr_binop(struct sema *se, struct node *n, struct type *l, struct type *r);
/* bpftrace's warnings on integer operands of different signs and signed division. */
void sema_sign_warnings(struct sema *se, struct node *n, struct type *l, struct type *r);
/* A tracepoint format field's pointer type ("struct __kernel_timespec * rqtp") as
 * the record pointer it names, through the script's types and BTF; fallback (the
 * format-derived type, whose address space is kept) when the name is unknown. */
struct type *ctypes_tp_pointer(struct session *s, const char *ctext, struct type *fallback);
/* The type of `curtask`: struct task_struct * (kernel) when that type is known. */
struct type *sema_curtask(struct sema *se, struct node *n);
/* A type as bpftrace 0.17 names it in messages: "int32 *", "unsigned int64". */
int ctypes_type_str(const struct type *t, char *buf, size_t len);
/* An identifier naming an enumerator or a #define'd integer: rewrites n into N_INT. */
int sema_ident_const(struct sema *se, struct node *n);
/* Does this expression denote memory outside the BPF program (read on use)? */
bool ctypes_is_remote(const struct node *n);

/* has_key(@map, key), beyond bpftrace 0.17 */
struct type *sema_has_key(struct sema *se, struct node *n);
cg_value cg_has_key(struct cg *cg, struct node *n);

/* ---- codegen ---- */

cg_value cg_member(struct cg *cg, struct node *n);
cg_value cg_deref(struct cg *cg, struct node *n);
cg_value cg_subscript(struct cg *cg, struct node *n);
/* For an expression that denotes memory outside the program (a member, element
 * or dereference read through a pointer: ctypes_is_remote), its address (an i64)
 * and address space, without reading it; false for values the program holds.
 * Functions that copy bytes (buf, macaddr...) read from there directly. */
bool cg_remote_addr(struct cg *cg, struct node *n, cg_value *addr, enum addrspace *as);
/* Evaluate n into dst laid out as dt (cg_store's rules); a record or array that
 * lives outside the program is read into dst directly, without a stack copy. */
void cg_expr_to(struct cg *cg, cg_value dst, const struct type *dt, struct node *n);
struct map_decl;
/* @m[key] = e for a record/array e behind a pointer too big for the stack: the
 * entry is made (zeroes) and e is read into it in place. False when the ordinary
 * way (a stack buffer and an update) applies. */
bool cg_map_write_in_place(struct cg *cg, const struct map_decl *m, cg_value key, struct node *e,
			   const struct node *site);
/* Is n a record/array value read from outside the program (what cg_expr_to reads
 * in place)? */
bool ctypes_remote_value(const struct node *n);
/* llvm.lifetime.start/end on a scratch buffer, so the stack slots of buffers
 * that are over can be shared (the BPF stack is 512 bytes). */
void cg_lifetime(struct cg *cg, bool start, cg_value buf, unsigned size);
/* Element-wise == / != of two arrays of the same type: an i64 0/1. */
cg_value cg_array_compare(struct cg *cg, struct node *n);

#endif
