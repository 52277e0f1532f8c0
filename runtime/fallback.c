/* fallback: which attach method a probe gets on this kernel, and why-not messages.
 * Owns the policy (kprobe <-> fentry, tracepoint -> raw tracepoint), the wording
 * of "cannot attach here" in the user's terms with a suggested alternative, and
 * the kinfo ops that let the compiler ask about kernel functions and support. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fallback.h"
#include "features.h"
#include "kfuncs.h"
#include "tracefs.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524    /* the kernel's internal "not supported", seen by bpf(2) callers */
#endif

struct traceable_visit {
	kfunc_visit_fn fn;
	void *ctx;
	int n;
};

static int visit_traceable(const char *module, const char *func, void *ctx)
{
	struct traceable_visit *v = ctx;

	if (!kfuncs_traceable(module ? module : "vmlinux", func))
		return 0;
	v->n++;
	return v->fn(module, func, v->ctx);
}

int fallback_kfunc_glob(const char *mod_glob, const char *func_glob, bool btf,
			kfunc_visit_fn fn, void *ctx)
{
	struct traceable_visit v = { fn, ctx, 0 };
	int err;

	/* fentry wildcards: functions with BTF that ftrace can also hook, as bpftrace
	 * lists them (a static inline has BTF but no call site to patch) */
	if (!btf || !tracefs_has_wildcard(func_glob) || kfuncs_source(false) != KFS_FILTER_FUNCS)
		return kfuncs_visit(mod_glob, func_glob, btf, fn, ctx);
	err = kfuncs_visit(mod_glob, func_glob, btf, visit_traceable, &v);
	return err < 0 ? err : v.n;
}

int fallback_kfunc_size(const char *module, const char *func, unsigned long *size)
{
	uint64_t addr, sz;
	int err;

	if (module && !strcmp(module, "vmlinux"))
		module = NULL;
	err = kfuncs_symbol(module, func, &addr, &sz);
	if (err == -ENOENT)
		return -ENOENT;
	*size = err ? 0 : sz;
	return 0;
}

/* "CONFIG_KPROBES off" when the config says so, else what is missing. */
static const char *kprobe_reason(void)
{
	const char *why = features_why_not(FEAT_KPROBE);

	if (why && strstr(why, "BPFDECK_DISABLE_FEATURES"))
		return why;
	if (features_kconfig("CONFIG_KPROBES") == 'n')
		return "CONFIG_KPROBES off";
	return why ? why : "no kprobe support found";
}

static const char *kfunc_reason(void)
{
	const char *why = features_why_not(FEAT_KFUNC);

	if (why && strstr(why, "BPFDECK_DISABLE_FEATURES"))
		return "has fentry disabled (BPFDECK_DISABLE_FEATURES)";
	if (why && strstr(why, "EPERM"))
		return "refuses fentry programs (EPERM)";
	if (!features_has(FEAT_BTF))
		return "has no BTF, which fentry needs";
	return "cannot attach fentry programs";
}

static bool tp_exists(const char *cat, const char *ev)
{
	return tracefs_tp_id(cat, ev) >= 0;
}

/* The first event named ev in any category, as "cat:ev". */
static bool tp_find_event(const char *ev, char *out, size_t len)
{
	const char *const *events;
	int n = tracefs_all_events(&events);

	for (int i = 0; i < n; i++) {
		const char *colon = strchr(events[i], ':');

		if (colon && !strcmp(colon + 1, ev)) {
			snprintf(out, len, "%s", events[i]);
			return true;
		}
	}
	return false;
}

static bool tp_any_event_has(const char *stem)
{
	const char *const *events;
	int n = tracefs_all_events(&events);

	for (int i = 0; i < n; i++)
		if (strstr(events[i], stem))
			return true;
	return false;
}

/* Syscall implementations and their helpers carry the syscall's name after one
 * of these; "do_nanosleep" -> "nanosleep", "vfs_read" -> "read". */
static const char *const stem_prefixes[] = {
	"__x64_sys_", "__ia32_sys_", "__se_sys_", "__do_sys_", "__sys_", "ksys_",
	"do_sys_", "sys_", "do_", "vfs_", "__",
};

void fallback_suggest(const char *func, bool ret, char *buf, size_t len)
{
	char stems[4][128], tp[256];
	int nstems = 0, i;
	size_t k;

	buf[0] = '\0';
	if (!func || !*func || tracefs_has_wildcard(func) || !tracefs_root())
		return;
	snprintf(stems[nstems++], sizeof(stems[0]), "%s", func);
	while (nstems < 4) {
		const char *cur = stems[nstems - 1], *rest = NULL;

		for (k = 0; k < sizeof(stem_prefixes) / sizeof(stem_prefixes[0]) && !rest; k++)
			if (!strncmp(cur, stem_prefixes[k], strlen(stem_prefixes[k])) &&
			    cur[strlen(stem_prefixes[k])])
				rest = cur + strlen(stem_prefixes[k]);
		if (!rest)
			break;
		snprintf(stems[nstems], sizeof(stems[0]), "%s", rest);
		nstems++;
	}
	for (i = 0; i < nstems; i++) {
		snprintf(tp, sizeof(tp), "%s%.127s", ret ? "sys_exit_" : "sys_enter_", stems[i]);
		if (tp_exists("syscalls", tp)) {
			snprintf(buf, len, "tracepoint:syscalls:%s", tp);
			return;
		}
		if (tp_find_event(stems[i], tp, sizeof(tp))) {
			snprintf(buf, len, "tracepoint:%s", tp);
			return;
		}
	}
	for (i = nstems - 1; i >= 0; i--) {
		if (strlen(stems[i]) >= 3 && tp_any_event_has(stems[i])) {
			snprintf(buf, len, "a tracepoint from `bpfdeck -l 'tracepoint:*%s*'`", stems[i]);
			return;
		}
	}
}

static void with_suggestion(char *why, size_t len, const char *func, bool ret)
{
	char sug[256];
	size_t n = strlen(why);

	fallback_suggest(func, ret, sug, sizeof(sug));
	if (sug[0] && n < len)
		snprintf(why + n, len - n, "; try %s", sug);
}

int fallback_probe_support(int kind, const char *func, int *alt, char *why, size_t len)
{
	bool ret = kind == PK_KRETPROBE || kind == PK_KRETFUNC;

	/* Each feature is asked only when the answer matters: finding out about
	 * fentry attaches a trampoline, which is slow under emulation. */
	*alt = kind;
	why[0] = '\0';
	switch (kind) {
	case PK_KPROBE:
	case PK_KRETPROBE:
		if (features_has(FEAT_KPROBE))
			return PS_OK;
		if (features_has(FEAT_KFUNC)) {
			*alt = ret ? PK_KRETFUNC : PK_KFUNC;
			snprintf(why, len, "this kernel has no kprobes (%s); attaching with %s instead",
				 kprobe_reason(), ret ? "fexit" : "fentry");
			return PS_FALLBACK;
		}
		snprintf(why, len, "this kernel has no kprobes (%s)", kprobe_reason());
		with_suggestion(why, len, func, ret);
		return PS_NONE;
	case PK_KFUNC:
	case PK_KRETFUNC:
		if (features_has(FEAT_KFUNC) && func && !kfuncs_traceable(NULL, func)) {
			snprintf(why, len, "function not traceable (probably it is inlined or marked "
				 "as \"notrace\")");
			return PS_NONE;
		}
		if (features_has(FEAT_KFUNC))
			return PS_OK;
		if (features_has(FEAT_KPROBE)) {
			*alt = ret ? PK_KRETPROBE : PK_KPROBE;
			snprintf(why, len, "this kernel %s; attaching with a %s instead", kfunc_reason(),
				 ret ? "kretprobe" : "kprobe");
			return PS_FALLBACK;
		}
		snprintf(why, len, "this kernel %s and has no kprobes (%s)", kfunc_reason(),
			 kprobe_reason());
		with_suggestion(why, len, func, ret);
		return PS_NONE;
	case PK_TRACEPOINT:
		if (tracefs_root())
			return PS_OK;
		/* Without tracefs there are no tracepoint ids, but a raw tracepoint is
		 * found by name alone. */
		if (features_has(FEAT_RAW_TP_SPECIAL)) {
			*alt = PK_RAWTRACEPOINT;
			snprintf(why, len, "%s; attaching as a raw tracepoint instead",
				 tracefs_error());
			return PS_FALLBACK;
		}
		snprintf(why, len, "%s", tracefs_error());
		return PS_NONE;
	case PK_RAWTRACEPOINT:
		if (features_has(FEAT_RAW_TP_SPECIAL))
			return PS_OK;
		snprintf(why, len, "this kernel cannot load raw tracepoint programs");
		return PS_NONE;
	case PK_ITER:
		if (func && !strcmp(func, "task_file") ? features_has(FEAT_ITER_TASK_FILE) :
		    features_has(FEAT_ITER_TASK))
			return PS_OK;
		snprintf(why, len, "this kernel has no BPF iterator for %s (needs Linux 5.8 with BTF)",
			 func ? func : "it");
		return PS_NONE;
	default:
		return PS_OK;
	}
}

void fallback_attach_why(enum probe_kind kind, const char *func, uint64_t offset, int err,
			 char *buf, size_t len)
{
	bool kprobe = kind == PK_KPROBE || kind == PK_KRETPROBE;

	if (err < 0)
		err = -err;
	switch (err) {
	case ENOENT:
		if (kprobe && func && !kfuncs_exists(NULL, func))
			snprintf(buf, len, "no kernel function '%s'", func);
		else if (kprobe)
			snprintf(buf, len, "the kernel cannot find '%s' to probe", func ? func : "");
		else
			snprintf(buf, len, "no BTF for kernel function '%s'", func ? func : "");
		return;
	case EILSEQ:
		snprintf(buf, len, "Possible attachment attempt in the middle of an instruction, "
			 "try a different offset.");
		return;
	case EINVAL:
		if (kprobe && func && !kfuncs_kprobe_allowed(func)) {
			snprintf(buf, len, "the kernel does not allow kprobes on '%s' (kprobe blacklist)",
				 func);
			return;
		}
		if (kprobe && offset) {
			snprintf(buf, len, "the kernel refused offset %llu into '%s'",
				 (unsigned long long)offset, func ? func : "");
			return;
		}
		break;
	case EBUSY:
		/* fentry finds no ftrace call site to patch at the function's start */
		if (!kprobe)
			snprintf(buf, len, "function not traceable (probably it is inlined or "
				 "marked as \"notrace\")");
		else
			snprintf(buf, len, "'%s' is already probed the one way this kernel allows",
				 func ? func : "");
		return;
	case EPERM:
	case EACCES:
		snprintf(buf, len, "permission denied (%s needs root, or CAP_BPF and CAP_PERFMON)",
			 kprobe ? "a kprobe" : "fentry");
		return;
	case ENOTSUPP:
	case EOPNOTSUPP:
		if (!kprobe) {
			snprintf(buf, len, "'%s' cannot be traced with fentry (not an ftrace-able "
				 "function)", func ? func : "");
			return;
		}
		break;
	case EMFILE:
	case ENFILE:
		snprintf(buf, len, "too many open files (raise `ulimit -n`)");
		return;
	}
	snprintf(buf, len, "%s", strerror(err));
}
