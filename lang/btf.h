/* btf: kernel types from BTF (/sys/kernel/btf/vmlinux and module BTF).
 * Parsing only, through libbpf's btf.h: nothing is loaded into the kernel.
 * Converted types live in the session arena, cached per session by type id. */
#ifndef BPFDECK_BTF_H
#define BPFDECK_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "types.h"

struct session;

/* Is vmlinux BTF readable? ($BPFTRACE_BTF names another file, as in bpftrace.) */
bool btf_available(void);

/* A type by the name a script writes: "struct task_struct", "union bpf_attr",
 * "enum pid_type", or a typedef/base name ("pid_t", "u32"). NULL if BTF has none.
 * Records come back possibly incomplete (t->incomplete): btf_complete() fills them. */
struct type *btf_type_by_name(struct session *s, const char *name);
/* Fill the members of a record made by this module (t->btf_src set) in place,
 * and those of every record it holds by value. 0 or -errno. */
int btf_complete(struct session *s, struct type *t);
/* The value of an enumerator ("TASK_COMM_LEN"), from vmlinux then module BTF. */
bool btf_enum_value(const char *name, int64_t *val);

/* ---- kernel functions (kfunc/kretfunc) ---- */

struct btf_func_param {
	const char *name;       /* "" for unnamed parameters */
	char type[128];         /* C spelling: "struct file *", "char *", "size_t" */
	struct type *ty;        /* converted type (btf_func_args only) */
};

/* The `args` of kernel function func as a kfunc program sees them: a TY_TP_ARGS
 * type named "kfunc:<func>" (or "kretfunc:<func>") with one field per parameter
 * at offset 8*i (fentry's u64 slots), typed from BTF (pointers in the kernel
 * address space), plus "retval" after them when with_retval. module: restrict
 * the search to one module's BTF ("vmlinux" or NULL: vmlinux first, then modules).
 * Returns NULL with a message in err (no BTF, no such function, unsupported
 * parameter type such as a struct passed by value). */
struct type *btf_func_args(struct session *s, const char *module, const char *func,
			   bool with_retval, char *err, size_t errlen);
/* Parameters of a kernel function without a session, for listings (-lv):
 * fills up to max params and ret (the return type), sets *module_out to the
 * module holding it ("vmlinux" for the kernel). Returns the parameter count
 * or -ENOENT (no such function) / -ENOTSUP (no BTF). */
int btf_func_params(const char *module, const char *func, const char **module_out,
		    struct btf_func_param *params, int max, char *ret, size_t retlen);
/* Visit every kernel function with BTF (vmlinux, then each module's), in BTF order;
 * a non-zero return from fn stops the walk and is returned. */
int btf_funcs_foreach(int (*fn)(const char *module, const char *func, void *ctx), void *ctx);

/* The C spelling of any BTF type id (for messages and listings). */
int btf_type_str(const void *btf, uint32_t id, char *buf, size_t len);

#endif
