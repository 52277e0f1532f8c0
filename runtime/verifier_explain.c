/* verifier_explain: kernel verifier logs and load errors -> what to change.
 * The verifier's wording differs between kernels (5.x says "back-edge", 6.x
 * "infinite loop detected"), so each kind matches every wording we know of. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "verifier_explain.h"

static const char *const kind_names[VX__COUNT] = {
	[VX_UNKNOWN] = "unknown",
	[VX_STACK_TOO_LARGE] = "stack too large",
	[VX_PROG_TOO_LARGE] = "program too large",
	[VX_UNBOUNDED_LOOP] = "unbounded loop",
	[VX_INVALID_MEM] = "invalid memory access",
	[VX_UNINIT] = "uninitialized read",
	[VX_HELPER_NOT_ALLOWED] = "helper not allowed",
	[VX_CTX_ACCESS] = "invalid context access",
	[VX_UNRELEASED_REF] = "unreleased reference",
	[VX_MAP_FULL] = "map full",
	[VX_MEMLOCK] = "memlock limit",
	[VX_PERMISSION] = "permission denied",
	[VX_LOG_TOO_SMALL] = "verifier log too small",
};

const char *vx_kind_name(enum vx_kind kind)
{
	return kind >= 0 && kind < VX__COUNT && kind_names[kind] ? kind_names[kind] : "unknown";
}

const char *vx_probe_kind_name(enum probe_kind kind)
{
	static const char *const names[PK__COUNT] = {
		[PK_BEGIN] = "BEGIN", [PK_END] = "END", [PK_TRACEPOINT] = "tracepoint",
		[PK_RAWTRACEPOINT] = "rawtracepoint", [PK_KPROBE] = "kprobe",
		[PK_KRETPROBE] = "kretprobe", [PK_UPROBE] = "uprobe", [PK_URETPROBE] = "uretprobe",
		[PK_USDT] = "usdt", [PK_KFUNC] = "kfunc", [PK_KRETFUNC] = "kretfunc",
		[PK_INTERVAL] = "interval", [PK_PROFILE] = "profile", [PK_SOFTWARE] = "software",
		[PK_HARDWARE] = "hardware", [PK_WATCHPOINT] = "watchpoint", [PK_ITER] = "iter",
	};

	return kind >= 0 && kind < PK__COUNT && names[kind] ? names[kind] : "this";
}

/* Which bpftrace function or builtin makes bpfdeck call each helper. */
static const struct {
	const char *helper, *function;
} helper_functions[] = {
	{ "bpf_override_return", "override()" },
	{ "bpf_send_signal_thread", "signal()" },
	{ "bpf_send_signal", "signal()" },
	{ "bpf_d_path", "path()" },
	{ "bpf_skb_output", "skboutput()" },
	{ "bpf_get_stackid", "kstack/ustack" },
	{ "bpf_get_stack", "kstack/ustack" },
	{ "bpf_get_func_ip", "func" },
	{ "bpf_get_attach_cookie", "probe" },
	{ "bpf_get_current_task_btf", "curtask" },
	{ "bpf_get_current_task", "curtask" },
	{ "bpf_task_pt_regs", "reg()/uregs" },
	{ "bpf_get_func_arg", "args" },
	{ "bpf_get_func_ret", "retval" },
	{ "bpf_copy_from_user", "reading user memory" },
	{ "bpf_probe_read_user_str", "str()" },
	{ "bpf_probe_read_kernel_str", "str()" },
	{ "bpf_probe_read_str", "str()" },
	{ "bpf_probe_read_user", "reading user memory (buf(), uptr(), struct fields)" },
	{ "bpf_probe_read_kernel", "reading kernel memory (buf(), kptr(), struct fields)" },
	{ "bpf_probe_read", "reading memory" },
	{ "bpf_strncmp", "strncmp()" },
	{ "bpf_trace_printk", "debugf()" },
	{ "bpf_get_current_cgroup_id", "cgroup" },
	{ "bpf_get_ns_current_pid_tgid", "pid/tid" },
	{ "bpf_get_current_pid_tgid", "pid/tid" },
	{ "bpf_get_current_uid_gid", "uid/gid" },
	{ "bpf_get_current_comm", "comm" },
	{ "bpf_get_smp_processor_id", "cpu" },
	{ "bpf_get_numa_node_id", "numaid" },
	{ "bpf_jiffies64", "jiffies" },
	{ "bpf_get_prandom_u32", "rand" },
	{ "bpf_ktime_get_boot_ns", "nsecs" },
	{ "bpf_ktime_get_ns", "nsecs/elapsed" },
	{ "bpf_ringbuf_output", "printf()/print()/exit() (output records)" },
	{ "bpf_ringbuf_reserve", "printf()/print()/exit() (output records)" },
	{ "bpf_ringbuf_submit", "printf()/print()/exit() (output records)" },
	{ "bpf_map_update_elem", "map assignment" },
	{ "bpf_map_lookup_elem", "map reads" },
	{ "bpf_map_delete_elem", "delete()" },
};

const char *vx_helper_function(const char *helper)
{
	size_t i, n;

	if (!helper)
		return NULL;
	for (i = 0; i < sizeof(helper_functions) / sizeof(helper_functions[0]); i++) {
		n = strlen(helper_functions[i].helper);
		/* exact, or followed by the "#NN" the verifier appends */
		if (!strncmp(helper, helper_functions[i].helper, n) &&
		    (helper[n] == '\0' || helper[n] == '#'))
			return helper_functions[i].function;
	}
	return NULL;
}

/* One line of the log; the log is not modified. */
struct vx_line {
	const char *s;
	size_t n;
};

static bool line_has(const struct vx_line *l, const char *needle)
{
	size_t k = strlen(needle);

	return k <= l->n && memmem(l->s, l->n, needle, k) != NULL;
}

static bool line_starts(const struct vx_line *l, const char *prefix)
{
	size_t k = strlen(prefix);

	return k <= l->n && !memcmp(l->s, prefix, k);
}

/* Lines that never say why: statistics, state dumps, the instruction trace. */
static bool line_is_noise(const struct vx_line *l)
{
	size_t i = 0;

	if (!l->n)
		return true;
	if (line_starts(l, "processed ") || line_starts(l, "verification time") ||
	    line_starts(l, "stack depth") || line_starts(l, "cur state:") ||
	    line_starts(l, "old state:") || line_starts(l, "func#") ||
	    line_starts(l, "last_idx ") || line_starts(l, "regs=") || line_starts(l, "mark_precise") ||
	    line_starts(l, "from ") || line_starts(l, "Live regs") || line_starts(l, "; ") ||
	    line_starts(l, "max_states_per_insn") || line_starts(l, "peak_states") ||
	    line_starts(l, "Validating ") || line_starts(l, "reg type unsupported"))
		return true;
	/* "12: (85) call ..." and "12: R1=ctx() ..." */
	while (i < l->n && l->s[i] >= '0' && l->s[i] <= '9')
		i++;
	if (i && i < l->n && l->s[i] == ':')
		return true;
	/* bare register states "R1=..." and blank-ish lines */
	if (l->s[0] == 'R' && l->n > 1 && l->s[1] >= '0' && l->s[1] <= '9')
		return true;
	return l->s[0] == ' ' || l->s[0] == '\t';
}

/* The instruction number of the last "N: (op) ..." line. */
static int last_insn(const char *log)
{
	const char *p = log;
	int insn = -1;
	char *end;
	long v;

	while (p && *p) {
		v = strtol(p, &end, 10);
		if (end > p && end[0] == ':' && end[1] == ' ' && end[2] == '(' && v >= 0 && v < 1 << 30)
			insn = (int)v;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return insn;
}

static void copy_line(char *dst, size_t len, const struct vx_line *l)
{
	size_t n = l->n < len - 1 ? l->n : len - 1;

	memcpy(dst, l->s, n);
	dst[n] = '\0';
}

/* A pattern of verifier wording and the kind it means, most specific first. */
static const struct {
	const char *needle;
	enum vx_kind kind;
} patterns[] = {
	{ "combined stack size", VX_STACK_TOO_LARGE },
	{ "stack limit", VX_STACK_TOO_LARGE },
	{ "BPF program is too large", VX_PROG_TOO_LARGE },
	{ "is too complex", VX_PROG_TOO_LARGE },
	{ "too many states", VX_PROG_TOO_LARGE },
	{ "program too large", VX_PROG_TOO_LARGE },
	{ "infinite loop detected", VX_UNBOUNDED_LOOP },
	{ "back-edge from insn", VX_UNBOUNDED_LOOP },
	{ "loop detected", VX_UNBOUNDED_LOOP },
	{ "unbounded loop", VX_UNBOUNDED_LOOP },
	{ "cannot use helper", VX_HELPER_NOT_ALLOWED },
	{ "unknown func ", VX_HELPER_NOT_ALLOWED },
	{ "helper call is not allowed", VX_HELPER_NOT_ALLOWED },
	{ "helper call might sleep", VX_HELPER_NOT_ALLOWED },
	{ "GPL-restricted function", VX_HELPER_NOT_ALLOWED },
	{ "Unreleased reference", VX_UNRELEASED_REF },
	{ "invalid bpf_context access", VX_CTX_ACCESS },
	{ "dereference of modified ctx", VX_CTX_ACCESS },
	{ "!read_ok", VX_UNINIT },
	{ "invalid read from stack", VX_UNINIT },
	{ "invalid indirect read from stack", VX_UNINIT },
	{ "invalid size of register", VX_INVALID_MEM },
	{ "invalid write to stack", VX_INVALID_MEM },
	{ "invalid stack off", VX_INVALID_MEM },
	{ "invalid indirect access to stack", VX_INVALID_MEM },
	{ "invalid mem access", VX_INVALID_MEM },
	{ "invalid access to map value", VX_INVALID_MEM },
	{ "invalid access to memory", VX_INVALID_MEM },
	{ "invalid access to packet", VX_INVALID_MEM },
	{ "outside of the allowed memory range", VX_INVALID_MEM },
	{ "unbounded memory access", VX_INVALID_MEM },
	{ "min value is negative", VX_INVALID_MEM },
	{ "pointer arithmetic", VX_INVALID_MEM },
	{ "misaligned", VX_INVALID_MEM },
	{ "invalid mem", VX_INVALID_MEM },
	{ "out of bounds", VX_INVALID_MEM },
	{ "type=scalar expected", VX_INVALID_MEM },
	{ "type=inv expected", VX_INVALID_MEM },
};

/* A stack access past the 512 bytes: "invalid write to stack R10 off=-520 size=8"
 * (6.x), "invalid stack off=-520 size=8" (5.x). Uninitialised reads inside the
 * stack say "off -8+0" instead, and are not this. */
static bool past_stack(const struct vx_line *l)
{
	const char *p = memmem(l->s, l->n, "off=", 4);
	long off;

	if (!p || !line_has(l, "stack"))
		return false;
	off = strtol(p + 4, NULL, 10);
	return off < -512;
}

/* "program of this type cannot use helper bpf_override_return#58" -> the name. */
static void helper_name(const struct vx_line *l, char *dst, size_t len)
{
	const char *p = memmem(l->s, l->n, "bpf_", 4), *end = l->s + l->n, *q;

	dst[0] = '\0';
	if (!p)
		return;
	for (q = p; q < end && (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9'));
	     q++)
		;
	if ((size_t)(q - p) < len) {
		memcpy(dst, p, q - p);
		dst[q - p] = '\0';
	}
}

void vx_host_current(struct vx_host *h)
{
	static struct utsname u;
	struct rlimit r;

	h->release = uname(&u) ? "" : u.release;
	h->memlock = getrlimit(RLIMIT_MEMLOCK, &r) || r.rlim_cur == RLIM_INFINITY ?
		     UINT64_MAX : (uint64_t)r.rlim_cur;
	h->euid = geteuid();
}

/* Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; later ones to memcg. */
static bool memlock_charged(const struct vx_host *h)
{
	int major = 0, minor = 0;

	if (!h->release || sscanf(h->release, "%d.%d", &major, &minor) != 2)
		return false;
	return major < 5 || (major == 5 && minor < 11);
}

static bool memlock_low(const struct vx_host *h)
{
	return h->memlock < (64ull << 20);
}

static void set(struct vx_explanation *x, enum vx_kind kind, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set(struct vx_explanation *x, enum vx_kind kind, const char *what, const char *fmt, ...)
{
	va_list ap;

	x->kind = kind;
	x->what = what;
	va_start(ap, fmt);
	vsnprintf(x->fix, sizeof(x->fix), fmt, ap);
	va_end(ap);
}

/* For errors that come without a log (or whose log says nothing we know). */
static bool explain_errno_on(int err, const struct vx_host *h, struct vx_explanation *x)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		if (h->euid == 0 && memlock_charged(h) && memlock_low(h)) {
			set(x, VX_MEMLOCK, "the locked-memory limit is too low for BPF on this kernel",
			    "Raise it before starting bpfdeck: `ulimit -l unlimited` (kernels before "
			    "5.11 charge BPF programs and maps to RLIMIT_MEMLOCK).");
			return true;
		}
		set(x, VX_PERMISSION, "permission denied",
		    h->euid ? "Run bpfdeck as root (or with CAP_BPF, CAP_PERFMON and "
				"CAP_SYS_RESOURCE)."
			      : "Root was refused: kernel lockdown or a security module forbids BPF "
				"here; `dmesg` says which.");
		return true;
	case -ENOMEM:
		if (memlock_charged(h) && memlock_low(h)) {
			set(x, VX_MEMLOCK, "the locked-memory limit is too low for BPF on this kernel",
			    "Raise it before starting bpfdeck: `ulimit -l unlimited`.");
			return true;
		}
		return false;
	case -E2BIG:
		set(x, VX_PROG_TOO_LARGE, "the program has more instructions than the kernel accepts",
		    "Lower unroll() counts or split the clause into smaller ones.");
		return true;
	case -ENOSPC:
		set(x, VX_LOG_TOO_SMALL, "the verifier's log did not fit in its buffer",
		    "Set BPFTRACE_LOG_SIZE higher (for example 100000000) to see why the program was "
		    "rejected.");
		return true;
	}
	return false;
}

static bool explain_errno(int err, struct vx_explanation *x)
{
	struct vx_host h;

	vx_host_current(&h);
	return explain_errno_on(err, &h, x);
}

void vx_explain_errno(int err, const struct vx_host *h, struct vx_explanation *x)
{
	memset(x, 0, sizeof(*x));
	x->insn = -1;
	snprintf(x->reason, sizeof(x->reason), "%s", strerror(err < 0 ? -err : err));
	if (!explain_errno_on(err, h, x))
		set(x, VX_UNKNOWN, "the kernel refused", "Run with -v for details.");
}

void vx_explain_load(const char *log, int err, enum probe_kind kind, struct vx_explanation *x)
{
	struct vx_line lines[512], l, hit = { 0 }, last = { 0 };
	enum vx_kind found = VX_UNKNOWN;
	const char *p, *nl;
	size_t nlines = 0, i, k, hit_i = 0;
	const char *fn;

	memset(x, 0, sizeof(*x));
	x->insn = -1;
	x->what = "the kernel's verifier rejected the program";
	/* Keep the last lines: the reason is at the end of a log of any length. */
	for (p = log && *log ? log : NULL; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		l.s = p;
		l.n = nl ? (size_t)(nl - p) : strlen(p);
		while (l.n && (l.s[l.n - 1] == '\r' || l.s[l.n - 1] == ' '))
			l.n--;
		lines[nlines++ % 512] = l;
	}
	k = nlines > 512 ? 512 : nlines;
	/* the last line with a known wording, else the last line that is not noise */
	for (i = 0; i < k && found == VX_UNKNOWN; i++) {
		const struct vx_line *c = &lines[(nlines - 1 - i) % 512];

		for (size_t j = 0; j < sizeof(patterns) / sizeof(patterns[0]); j++) {
			if (line_has(c, patterns[j].needle)) {
				found = patterns[j].kind;
				hit = *c;
				hit_i = i;
				break;
			}
		}
		if (!last.s && !line_is_noise(c))
			last = *c;
	}
	if (hit.s)
		copy_line(x->reason, sizeof(x->reason), &hit);
	else if (last.s)
		copy_line(x->reason, sizeof(x->reason), &last);
	if (log)
		x->insn = last_insn(log);
	if ((found == VX_INVALID_MEM || found == VX_UNINIT) && past_stack(&hit))
		found = VX_STACK_TOO_LARGE;

	switch (found) {
	case VX_STACK_TOO_LARGE:
		set(x, found, "the program needs more than the 512 bytes of stack BPF allows",
		    "Use fewer or shorter strings (lower BPFTRACE_STRLEN) and smaller tuples in "
		    "this clause, or split it into clauses that pass values through maps.");
		return;
	case VX_PROG_TOO_LARGE:
		set(x, found, "the verifier gave up: too many instructions to check",
		    "Lower the bound of the while loop or the unroll() count in this clause, or "
		    "spread the work over more events.");
		return;
	case VX_UNBOUNDED_LOOP:
		set(x, found, "a loop in this clause may never end",
		    "Give each while loop a condition on a counter with a constant limit (for example "
		    "`while ($i < 100)`) and change the counter in the body.");
		return;
	case VX_INVALID_MEM:
		set(x, found, "the program reads or writes memory the verifier cannot prove safe",
		    "Read memory through str(), buf() or a pointer cast rather than directly, and "
		    "keep array indexes constant or checked; if it persists it is a bpfdeck bug "
		    "(report it with the -v log).");
		return;
	case VX_UNINIT:
		set(x, found, "the program reads a value that is not set on every path",
		    "Assign every variable before its first use, on every branch of the clause.");
		return;
	case VX_HELPER_NOT_ALLOWED:
		helper_name(&hit, x->helper, sizeof(x->helper));
		/* "helper call is not allowed in probe" follows the call it is about:
		 * "14: (85) call bpf_d_path#147" */
		for (i = hit_i + 1; !x->helper[0] && i < k && i <= hit_i + 3; i++) {
			const struct vx_line *c = &lines[(nlines - 1 - i) % 512];

			if (line_has(c, ") call bpf_"))
				helper_name(c, x->helper, sizeof(x->helper));
		}
		fn = vx_helper_function(x->helper);
		if (fn)
			set(x, found, "a function is not available in this kind of probe",
			    "%s (kernel helper %s) cannot be used in %s probes on this kernel: "
			    "move it to a probe type that allows it or remove it.",
			    fn, x->helper, vx_probe_kind_name(kind));
		else
			set(x, found, "a function is not available in this kind of probe",
			    "The kernel helper %s cannot be used in %s probes on this kernel: remove "
			    "the call that needs it or move it to another probe type.",
			    x->helper[0] ? x->helper : "it needs", vx_probe_kind_name(kind));
		return;
	case VX_CTX_ACCESS:
		set(x, found, "the program reads past the probe's arguments",
		    "Use only the arguments this probe type has (args, argN, retval) in this "
		    "clause.");
		return;
	case VX_UNRELEASED_REF:
		set(x, found, "bpfdeck generated code that leaves an output record open",
		    "This is a bpfdeck bug: please report it with the program and the -v log.");
		return;
	default:
		break;
	}
	if (explain_errno(err, x))
		return;
	set(x, VX_UNKNOWN, "the kernel's verifier rejected the program",
	    "Run with -v to see the whole verifier log.");
}

void vx_explain_map_create(int err, struct vx_explanation *x)
{
	memset(x, 0, sizeof(*x));
	x->insn = -1;
	if (explain_errno(err, x))
		return;
	snprintf(x->reason, sizeof(x->reason), "%s", strerror(-err));
	if (err == -ENOMEM || err == -E2BIG || err == -EINVAL)
		set(x, VX_MAP_FULL, "the kernel could not create a map that large",
		    "Lower BPFTRACE_MAP_KEYS_MAX, BPFTRACE_PERF_RB_PAGES or BPFTRACE_STRLEN.");
	else
		set(x, VX_UNKNOWN, "the kernel could not create a map", "Run with -v for details.");
}

void vx_explain_map_update(int err, const char *map, unsigned max_entries,
			   struct vx_explanation *x)
{
	memset(x, 0, sizeof(*x));
	x->insn = -1;
	snprintf(x->reason, sizeof(x->reason), "%s", strerror(err < 0 ? -err : err));
	if (err == -E2BIG || err == -ENOMEM || err == -ENOSPC) {
		set(x, VX_MAP_FULL, "a map is full: new keys are dropped",
		    "Map %s holds at most %u keys: raise BPFTRACE_MAP_KEYS_MAX, clear() it now and "
		    "then, or key it by fewer distinct values.", map ? map : "?", max_entries);
		return;
	}
	if (explain_errno(err, x))
		return;
	set(x, VX_UNKNOWN, "a map update failed", "Run with -k to see where.");
}

const char *vx_attach_hint(int err)
{
	switch (err) {
	case -EMFILE:
	case -ENFILE:
		return "Each probe holds a perf event and a link: raise the open-file limit "
		       "(`ulimit -n 65536`) or attach fewer probes.";
	case -EPERM:
	case -EACCES:
		return "Run bpfdeck as root (or with CAP_BPF and CAP_PERFMON); kernel lockdown can "
		       "forbid this too (see dmesg).";
	case -EBUSY:
		return "Something else holds this probe exclusively: stop it, or pick another probe.";
	case -EOPNOTSUPP:
		return "This kernel cannot attach this probe type (bpfdeck --info lists what it can).";
	case -ENOMEM:
		return "The kernel is out of memory for probes: attach fewer of them.";
	}
	return NULL;
}

int vx_format_span(char *buf, size_t len, const char *file, const struct loc *loc)
{
	if (!file)
		file = "stdin";
	if (!loc || loc->first_line <= 0)
		return snprintf(buf, len, "%s", file);
	if (loc->first_line == loc->last_line)
		return snprintf(buf, len, "%s:%d:%d-%d", file, loc->first_line, loc->first_col,
				loc->last_col + 1);
	return snprintf(buf, len, "%s:%d:%d-%d:%d", file, loc->first_line, loc->first_col,
			loc->last_line, loc->last_col + 1);
}

int vx_format_load(char *buf, size_t len, const char *probe, const char *span,
		   const struct vx_explanation *x)
{
	return snprintf(buf, len, "Error loading program: %s (clause at %s): %s. %s%s%s%s",
			probe ? probe : "?", span ? span : "?", x->what, x->fix,
			x->reason[0] ? " [kernel: " : "", x->reason, x->reason[0] ? "]" : "");
}
