/* kfuncs: the kernel functions that kprobes and fentry can attach to.
 * Owns the one list of them (tracefs available_filter_functions where readable,
 * else BTF function names, else /proc/kallsyms text symbols) that wildcard
 * expansion, `-l` and the workbench's completion share, and function sizes. */
#ifndef BPFDECK_KFUNCS_H
#define BPFDECK_KFUNCS_H

#include <stdbool.h>
#include <stdint.h>

enum kfuncs_source {
	KFS_NONE,
	KFS_FILTER_FUNCS,       /* tracefs available_filter_functions: exactly what ftrace can hook */
	KFS_BTF,                /* /sys/kernel/btf: every function with a BTF prototype */
	KFS_KALLSYMS,           /* /proc/kallsyms text symbols: a superset, some not traceable */
};

/* One kernel function; module NULL for the core kernel (vmlinux). */
typedef int (*kfuncs_visit_fn)(const char *module, const char *func, void *ctx);

/* Visits the functions matching mod_glob and func_glob (bpftrace wildcards; mod_glob
 * NULL matches every module and vmlinux, "vmlinux" the core kernel only), each once,
 * sorted by module then name. btf_only: the BTF list whatever else is readable
 * (fentry needs a BTF prototype). Stops when fn returns non-zero. Returns the number
 * visited or -errno. */
int kfuncs_visit(const char *mod_glob, const char *func_glob, bool btf_only,
		 kfuncs_visit_fn fn, void *ctx);

/* Where kfuncs_visit's list comes from on this host (btf_only: the BTF one). */
enum kfuncs_source kfuncs_source(bool btf_only);
/* "available_filter_functions", "BTF", "/proc/kallsyms", "nothing": for status lines. */
const char *kfuncs_source_name(enum kfuncs_source src);

/* Whether func (in module, NULL: anywhere) is a kernel text symbol (kallsyms). */
bool kfuncs_exists(const char *module, const char *func);
/* Whether ftrace can hook func (available_filter_functions lists it): what
 * fentry needs besides BTF. True when the list cannot be read. */
bool kfuncs_traceable(const char *module, const char *func);
/* Address and size of a kernel function from /proc/kallsyms (size: up to the next
 * symbol). -ENOENT when unknown, -EPERM when kallsyms hides addresses. */
int kfuncs_symbol(const char *module, const char *func, uint64_t *addr, uint64_t *size);
/* Whether func may be probed as far as the kernel's kprobe blacklist says
 * (debugfs kprobes/blacklist); true when the blacklist cannot be read. */
bool kfuncs_kprobe_allowed(const char *func);

/* A kprobe target the kernel would refuse or that is not code: blacklisted, "notrace"
 * helpers bpftrace skips too, or compiler clones (".cold", ".part.N"). */
bool kfuncs_skip_in_wildcard(const char *func);

#endif
