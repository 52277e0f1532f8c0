/* verifier_explain: kernel load errors in the user's terms.
 * Reads a verifier log and the errno of a failed program load or map operation
 * and says what went wrong and what to change in one sentence each; pure text
 * work (no bpf() calls), so the CLI, the workbench and tests share it. */
#ifndef BPFDECK_VERIFIER_EXPLAIN_H
#define BPFDECK_VERIFIER_EXPLAIN_H

#include <stddef.h>
#include "../lang/compile.h"

enum vx_kind {
	VX_UNKNOWN,
	VX_STACK_TOO_LARGE,     /* over the 512-byte BPF stack */
	VX_PROG_TOO_LARGE,      /* 1M instructions processed, E2BIG, too complex */
	VX_UNBOUNDED_LOOP,      /* infinite loop / back-edge / unbounded loop */
	VX_INVALID_MEM,         /* invalid memory access: stack, map value, pointer */
	VX_UNINIT,              /* reads a register or stack slot never written */
	VX_HELPER_NOT_ALLOWED,  /* a helper this program type may not call */
	VX_CTX_ACCESS,          /* reads past the probe's context (arguments) */
	VX_UNRELEASED_REF,      /* a ring buffer record never submitted: our bug */
	VX_MAP_FULL,            /* a map update found no room */
	VX_MEMLOCK,             /* RLIMIT_MEMLOCK too low (kernels before 5.11) */
	VX_PERMISSION,          /* not allowed to use BPF at all */
	VX_LOG_TOO_SMALL,       /* the log did not fit: the reason was cut off */
	VX__COUNT,
};

struct vx_explanation {
	enum vx_kind kind;
	int insn;               /* instruction the verifier stopped at, or -1 */
	char helper[64];        /* VX_HELPER_NOT_ALLOWED: "bpf_override_return" */
	char reason[256];       /* the kernel's own line that says why, or "" */
	const char *what;       /* what went wrong, in the user's terms (a phrase) */
	char fix[384];          /* one sentence: what to change */
};

/* What the errno advice depends on besides the errno. */
struct vx_host {
	const char *release;    /* uname -r */
	unsigned long long memlock; /* RLIMIT_MEMLOCK soft limit, ~0 for unlimited */
	unsigned euid;
};
void vx_host_current(struct vx_host *h);
/* An errno from any BPF call, on host h (tests pass other kernels and limits). */
void vx_explain_errno(int err, const struct vx_host *h, struct vx_explanation *x);

/* A failed BPF_PROG_LOAD: log is the verifier log (NULL or "" if none), err the
 * -errno, kind the probe kind of the program (for helper advice). */
void vx_explain_load(const char *log, int err, enum probe_kind kind, struct vx_explanation *x);
/* A failed BPF_MAP_CREATE with -errno err. */
void vx_explain_map_create(int err, struct vx_explanation *x);
/* A map update that failed with -errno err (a helper error, a user-space write). */
void vx_explain_map_update(int err, const char *map, unsigned max_entries,
			   struct vx_explanation *x);

/* One sentence on what to do about an attach that failed with -errno err, or NULL
 * when the errno says nothing more than its text. */
const char *vx_attach_hint(int err);

/* The bpftrace function (or builtin) that calls helper, e.g. "override()", or NULL. */
const char *vx_helper_function(const char *helper);
/* The probe kind as users write it ("kprobe"). */
const char *vx_probe_kind_name(enum probe_kind kind);
const char *vx_kind_name(enum vx_kind kind);

/* A clause's span: "file:L:C-E" on one line, "file:L1:C1-L2:C2" over several.
 * Returns what snprintf would. */
int vx_format_span(char *buf, size_t len, const char *file, const struct loc *loc);
/* The one-line error for a failed load of the program for probe, in the clause at
 * span: "Error loading program: PROBE (clause at SPAN): WHAT. FIX [kernel: REASON]". */
int vx_format_load(char *buf, size_t len, const char *probe, const char *span,
		   const struct vx_explanation *x);

#endif
