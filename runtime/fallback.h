/* fallback: which attach method a probe gets on this kernel, and why-not messages.
 * Owns the policy (kprobe <-> fentry, tracepoint -> raw tracepoint), the wording
 * of "cannot attach here" in the user's terms with a suggested alternative, and
 * the kinfo ops that let the compiler ask about kernel functions and support. */
#ifndef BPFDECK_FALLBACK_H
#define BPFDECK_FALLBACK_H

#include <stddef.h>
#include "../lang/compile.h"
#include "features.h"

/* kinfo_ops.probe_support (see lang/kinfo.h). */
int fallback_probe_support(int kind, const char *func, int *alt, char *why, size_t len);
/* kinfo_ops.kfunc_glob and kfunc_size, served from runtime/kfuncs.c. */
int fallback_kfunc_glob(const char *mod_glob, const char *func_glob, bool btf,
			kfunc_visit_fn fn, void *ctx);
int fallback_kfunc_size(const char *module, const char *func, unsigned long *size);

/* The kinfo ops this module serves, for the runtime's kinfo_ops initializer. */
#define KINFO_KERNEL_OPS                                \
	.kfunc_glob = fallback_kfunc_glob,              \
	.kfunc_size = fallback_kfunc_size,              \
	.probe_support = fallback_probe_support,        \
	.has_feature = features_has_named

/* A tracepoint to try instead of a kernel function probe, as "tracepoint:cat:event"
 * or a `-l` search; "" when there is nothing to say. ret: the function's return. */
void fallback_suggest(const char *func, bool ret, char *buf, size_t len);

/* Why attaching a kprobe/kretprobe/kfunc/kretfunc on func failed with err, in the
 * user's terms, into buf (without the probe name). */
void fallback_attach_why(enum probe_kind kind, const char *func, uint64_t offset, int err,
			 char *buf, size_t len);

#endif
