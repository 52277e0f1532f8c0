/* codegen: the emitter's state and the building blocks builtins and functions use.
 * Integers are always i64 values in the IR (narrow types are truncated and
 * re-extended at casts and stores); everything else is a pointer to bytes. */
#ifndef BPFDECK_CODEGEN_H
#define BPFDECK_CODEGEN_H

#include <llvm-c/Core.h>
#include "sema.h"

enum bpf_helper_id {
	H_MAP_LOOKUP = 1, H_MAP_UPDATE = 2, H_MAP_DELETE = 3, H_PROBE_READ = 4, H_KTIME_NS = 5,
	H_PRANDOM = 7, H_CPU = 8, H_PID_TGID = 14, H_UID_GID = 15, H_COMM = 16,
	H_STACKID = 27, H_CURRENT_TASK = 35, H_NUMA_NODE = 42, H_PROBE_READ_STR = 45,
	H_CGROUP_ID = 80, H_SEND_SIGNAL = 109, H_PROBE_READ_USER = 112,
	H_PROBE_READ_KERNEL = 113, H_PROBE_READ_USER_STR = 114, H_PROBE_READ_KERNEL_STR = 115,
	H_JIFFIES64 = 118, H_RINGBUF_OUTPUT = 130, H_RINGBUF_RESERVE = 131,
	H_RINGBUF_SUBMIT = 132, H_GET_FUNC_IP = 173, H_ATTACH_COOKIE = 174,
	H_TRACE_PRINTK = 6, H_OVERRIDE_RETURN = 58, H_D_PATH = 147, H_FOR_EACH_MAP_ELEM = 164,
	H_SKB_OUTPUT = 111, H_KTIME_BOOT_NS = 125,
};

struct clause_obj;

struct cg_loop {
	LLVMBasicBlockRef brk, cont;
};

struct cg {
	struct session *s;
	struct sema *se;
	struct diag_sink *d;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMValueRef fn;
	LLVMValueRef ctxp;              /* the program's context argument */
	LLVMBasicBlockRef entry;        /* allocas go here */
	LLVMTypeRef i1, i8, i16, i32, i64, ptr, voidt;
	LLVMValueRef *vars;             /* alloca per sema variable slot */
	int nvars;
	struct cg_loop loops[32];
	int nloops;
	bool in_callback;               /* generating a for-loop body's callback */
	int cur_fn;                     /* sema_var.fn of the body being generated */
	int ncallbacks;                 /* callbacks of the program so far, for names */
	const struct attach_point *ap;
	int naps;
	struct node *agg_target;         /* the @map of `@map = agg(...)` being generated */
	/* The statement or call whose span -k/-kk reports for helpers that shared
	 * building blocks (map updates, aggregations, stacks) emit; NULL: their own node. */
	const struct node *site;
	struct clause_obj *obj;          /* the clause being built: helper sites go here */
	int nerrors;
	/* map lookups done so far in this program, for later reads of the same
	 * @m[key] to reuse (codegen.c, cg_map_read); emptied by map writes */
	struct cg_lookup *lookups;
	int nlookups;
};

/* Is this type carried as an i64 value (true) or as a pointer to its bytes? */
bool cg_is_scalar(const struct type *t);

LLVMValueRef cg_expr(struct cg *cg, struct node *n);
LLVMValueRef cg_const(struct cg *cg, uint64_t v);
LLVMValueRef cg_alloca(struct cg *cg, unsigned size, const char *name);
LLVMValueRef cg_alloca_zero(struct cg *cg, unsigned size, const char *name);
void cg_memset(struct cg *cg, LLVMValueRef dst, int byte, unsigned size);
void cg_memcpy(struct cg *cg, LLVMValueRef dst, LLVMValueRef src, unsigned size);
LLVMValueRef cg_gep(struct cg *cg, LLVMValueRef p, uint64_t off);
LLVMValueRef cg_helper(struct cg *cg, enum bpf_helper_id id, LLVMValueRef *args, int n);
LLVMValueRef cg_map_ptr(struct cg *cg, int map_id);
/* Load an integer of the type's size at p and extend it to i64 by its signedness. */
LLVMValueRef cg_load_int(struct cg *cg, LLVMValueRef p, unsigned size, bool is_signed);
void cg_store_int(struct cg *cg, LLVMValueRef p, LLVMValueRef v, unsigned size);
/* Store value v of type src into memory dst laid out as type dt (padding/widening). */
void cg_store(struct cg *cg, LLVMValueRef dst, const struct type *dt, LLVMValueRef v,
	      const struct type *src);
/* Truncate and re-extend an i64 to the width and sign of an integer type. */
LLVMValueRef cg_int_cast(struct cg *cg, LLVMValueRef v, unsigned size, bool is_signed);
/* Build the key of @m[...] (zeroed, so padding is deterministic). */
LLVMValueRef cg_map_key(struct cg *cg, const struct map_decl *m, struct node *key);
/* Reserve a ring-buffer record of size bytes, call fill, submit. fill may be NULL. */
typedef void (*cg_fill_fn)(struct cg *cg, LLVMValueRef rec, void *arg);
void cg_event(struct cg *cg, uint32_t kind, uint32_t id, unsigned payload, cg_fill_fn fill, void *arg);
/* Compare two strings of (possibly different) fixed sizes, up to limit bytes; i1 equal. */
LLVMValueRef cg_str_equal(struct cg *cg, LLVMValueRef a, unsigned asz, LLVMValueRef b,
			  unsigned bsz, unsigned limit);
/* Byte-wise equality of two values (buffers: length and bytes); sizes may differ,
 * the shorter one reads as zero-padded. i1 equal. */
LLVMValueRef cg_bytes_equal(struct cg *cg, LLVMValueRef a, unsigned asz, LLVMValueRef b,
			    unsigned bsz);
/* Emit the body of an aggregation update: lookup, init-or-update in place. */
typedef void (*cg_agg_fn)(struct cg *cg, LLVMValueRef valp, LLVMValueRef v, const struct type *t);
void cg_map_agg(struct cg *cg, const struct map_decl *m, struct node *mapnode, LLVMValueRef v,
		cg_agg_fn update);
void cg_return(struct cg *cg);
/* The number of elements of map_id (bpf_for_each_map_elem with a callback that
 * only counts), an i64. */
LLVMValueRef cg_map_count(struct cg *cg, int map_id);
/* The stack id (kstack) or (id, pid) record (ustack) of the current context. */
LLVMValueRef cg_stack(struct cg *cg, const struct type *t);
/* An opaque copy of v no greater than max, so the verifier sees the bound that LLVM
 * would otherwise prove redundant and delete. */
LLVMValueRef cg_bound(struct cg *cg, LLVMValueRef v, uint64_t max);
LLVMBasicBlockRef cg_block(struct cg *cg, const char *name);
/* Read size bytes at address src (an i64) into dst with the helper of the address
 * space (probe_read_user / probe_read_kernel / probe_read for AS_NONE), checked
 * for -kk at n. Every read of kernel or user memory by the language goes here. */
LLVMValueRef cg_probe_read(struct cg *cg, LLVMValueRef dst, unsigned size, LLVMValueRef src,
			   enum addrspace as, const struct node *n);
/* Remembers where the clause first calls helper id (for load errors). */
void cg_helper_site(struct cg *cg, enum bpf_helper_id id, const struct node *n);
/* -k/-kk: report a failed call of helper id (its i64 result ret) as an EV_HELPER_ERROR
 * at n's bpftrace location. Failure is ret < 0 as an int, or ret == 0 when compare_zero
 * (map lookups, reported with retcode 0). Level 1 skips probe reads and map lookups.
 * Records the site (cg_helper_site) at every level. */
void cg_helper_check(struct cg *cg, LLVMValueRef ret, enum bpf_helper_id id,
		     const struct node *n, bool compare_zero);

#endif
