/* fn: the builtin and function families beyond the core, one file each
 * (fn_sym.c, fn_mem.c, fn_net.c, fn_misc.c): type rules and code side by side,
 * registered by name in the tables of functions.c and builtins.c. */
#ifndef BPFDECK_FN_H
#define BPFDECK_FN_H

#include "codegen.h"

/* ---- shared by the families (fn_common.c) ---- */

/* The span bpftrace 0.17 reports for n (bt_loc when the parser set it). */
const struct loc *fn_loc(const struct node *n);
int fn_error(struct sema *se, const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fn_warn(struct sema *se, const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* How bpftrace names a type's kind in messages: "integer", "string", "tuple"... */
const char *fn_type_word(const struct type *t);
/* The probe type as bpftrace names it in messages: "BEGIN", "interval", "tracepoint". */
const char *fn_probe_word(enum probe_kind k);
/* The text of a string literal argument (a literal or a string positional
 * parameter), or NULL. */
const char *fn_literal_str(struct sema *se, struct node *a);
/* The type of an argument bpftrace reads as a literal: a string positional
 * parameter is a string here (elsewhere it is an error, see sema N_POSPARAM). */
struct type *fn_expr_lit(struct sema *se, struct node *a);
/* str($N) and str($N + k): the parameter's text (sema marks the call, n->id = 1). */
bool fn_is_str_param(const struct node *a);
struct type *fn_ck_str_param(struct sema *se, struct node *n);
LLVMValueRef fn_gen_str_param(struct cg *cg, struct node *n);
/* A literal integer argument (n, -n, or a numeric positional parameter). */
bool fn_literal_int(struct sema *se, struct node *a, int64_t *v);
/* Rejects the call in probes of kind k: `NAME can not be used with "PROBE" probes`. */
int fn_forbid_probe(struct sema *se, struct node *n);
/* The name libbpf gives helper id ("probe_read_kernel", "map_update_elem"). */
const char *fn_helper_name(enum bpf_helper_id id);
/* The probe read helper for memory of an address space (AS_NONE: the generic one,
 * as bpftrace uses where it knows none). */
enum bpf_helper_id fn_read_helper(enum addrspace as, bool str);
/* Copy size (an i64, bounded by the caller) bytes at addr (an i64) into dst,
 * checked for -kk at n. cg_probe_read is the same for a constant size. */
void fn_probe_read(struct cg *cg, LLVMValueRef dst, LLVMValueRef size, LLVMValueRef addr,
		   enum addrspace as, const struct node *n);

/* ---- fn_sym.c: ksym usym kaddr uaddr reg, the func builtin ---- */
struct type *fn_ck_ksym(struct sema *se, struct node *n);
LLVMValueRef fn_gen_ksym(struct cg *cg, struct node *n);
struct type *fn_ck_usym(struct sema *se, struct node *n);
LLVMValueRef fn_gen_usym(struct cg *cg, struct node *n);
struct type *fn_ck_kaddr(struct sema *se, struct node *n);
struct type *fn_ck_uaddr(struct sema *se, struct node *n);
LLVMValueRef fn_gen_const(struct cg *cg, struct node *n);   /* n->type int, value in n->ival */
struct type *fn_ck_reg(struct sema *se, struct node *n);
LLVMValueRef fn_gen_reg(struct cg *cg, struct node *n);
struct type *fn_ck_func(struct sema *se, struct node *n);   /* builtin `func` */
LLVMValueRef fn_gen_func(struct cg *cg, struct node *n);
/* pt_regs offset of an x86-64 register name, or -1 */
int fn_reg_offset(const char *name);

/* ---- fn_mem.c: buf uptr kptr bswap ---- */
struct type *fn_ck_buf(struct sema *se, struct node *n);
LLVMValueRef fn_gen_buf(struct cg *cg, struct node *n);
struct type *fn_ck_uptr(struct sema *se, struct node *n);   /* uptr and kptr */
LLVMValueRef fn_gen_uptr(struct cg *cg, struct node *n);
struct type *fn_ck_bswap(struct sema *se, struct node *n);
LLVMValueRef fn_gen_bswap(struct cg *cg, struct node *n);

/* ---- fn_net.c: ntop pton macaddr ---- */
struct type *fn_ck_ntop(struct sema *se, struct node *n);
LLVMValueRef fn_gen_ntop(struct cg *cg, struct node *n);
struct type *fn_ck_pton(struct sema *se, struct node *n);
LLVMValueRef fn_gen_pton(struct cg *cg, struct node *n);
struct type *fn_ck_macaddr(struct sema *se, struct node *n);
LLVMValueRef fn_gen_macaddr(struct cg *cg, struct node *n);

/* ---- fn_misc.c: strftime strerror cgroup_path cgroupid strcontains signal
 * override path debugf skboutput, the ctx builtin ---- */
struct type *fn_ck_strftime(struct sema *se, struct node *n);
LLVMValueRef fn_gen_strftime(struct cg *cg, struct node *n);
struct type *fn_ck_strerror(struct sema *se, struct node *n);
LLVMValueRef fn_gen_strerror(struct cg *cg, struct node *n);
struct type *fn_ck_cgroup_path(struct sema *se, struct node *n);
LLVMValueRef fn_gen_cgroup_path(struct cg *cg, struct node *n);
struct type *fn_ck_cgroupid(struct sema *se, struct node *n);
struct type *fn_ck_strcontains(struct sema *se, struct node *n);
LLVMValueRef fn_gen_strcontains(struct cg *cg, struct node *n);
struct type *fn_ck_signal(struct sema *se, struct node *n);
LLVMValueRef fn_gen_signal(struct cg *cg, struct node *n);
struct type *fn_ck_override(struct sema *se, struct node *n);
LLVMValueRef fn_gen_override(struct cg *cg, struct node *n);
struct type *fn_ck_path(struct sema *se, struct node *n);
LLVMValueRef fn_gen_path(struct cg *cg, struct node *n);
struct type *fn_ck_debugf(struct sema *se, struct node *n);
LLVMValueRef fn_gen_debugf(struct cg *cg, struct node *n);
struct type *fn_ck_skboutput(struct sema *se, struct node *n);
LLVMValueRef fn_gen_skboutput(struct cg *cg, struct node *n);
struct type *fn_ck_ctx(struct sema *se, struct node *n);    /* builtin `ctx` */
LLVMValueRef fn_gen_ctx(struct cg *cg, struct node *n);
/* signal number of "KILL"/"SIGKILL", or -1 */
int fn_signal_num(const char *name);

/* ---- fn_map.c: has_key(), print(@m[k]) of aggregations (beyond 0.17) ---- */
struct type *fn_ck_has_key(struct sema *se, struct node *n);
LLVMValueRef fn_gen_has_key(struct cg *cg, struct node *n);
struct type *fn_ck_len(struct sema *se, struct node *n);
LLVMValueRef fn_gen_len(struct cg *cg, struct node *n);
/* print(@m[k]) where @m holds an aggregation: printed from the map by the runtime */
bool fn_is_print_key(struct sema *se, struct node *n);
struct type *fn_ck_print_key(struct sema *se, struct node *n);
LLVMValueRef fn_gen_print_key(struct cg *cg, struct node *n);

/* ---- fn_fmt.c: printf-family format strings ---- */
/* The type a conversion (its text after '%' and flags: "d", "lu", "s", "rx") wants:
 * TY_INT, TY_STRING, TY_BUFFER, or TY_NONE when bpftrace does not know it. */
enum type_kind fn_fmt_conv_type(const char *conv, size_t len);
/* bpftrace's specifier scan: calls fn(conv, len, ctx) for each specifier in order
 * (conv points after '%', '-' and the width/precision), returns how many. */
int fn_fmt_scan(const char *fmt, void (*fn)(const char *conv, size_t len, void *ctx),
		void *ctx);
/* Checks the arguments' types against fmt's conversions as bpftrace does; reports
 * "NAME: %X specifier expects a value of type T (U supplied)" at n. */
int fn_fmt_check(struct sema *se, struct node *n, const char *name, const char *fmt,
		 struct type **args, int nargs);

#endif
