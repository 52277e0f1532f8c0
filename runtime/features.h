/* features: what the running kernel can do for us, each probed lazily and once.
 * Owns every kernel capability test (prog/map types, helpers, attach kinds,
 * tracefs files) and the `--info` report built from them. */
#ifndef BPFDECK_FEATURES_H
#define BPFDECK_FEATURES_H

#include <stdbool.h>
#include <stdio.h>

enum feature {
	/* probe types */
	FEAT_KPROBE,            /* kprobes can be created: kprobe PMU or kprobe_events */
	FEAT_UPROBE,            /* uprobe PMU or uprobe_events */
	FEAT_TRACEPOINT,        /* BPF_PROG_TYPE_TRACEPOINT loads */
	FEAT_PERF_EVENT,        /* BPF_PROG_TYPE_PERF_EVENT loads */
	FEAT_RAW_TP_SPECIAL,    /* BPF_PROG_TYPE_RAW_TRACEPOINT loads (BEGIN/END) */
	FEAT_KFUNC,             /* an fentry program loads and attaches */
	FEAT_KPROBE_MULTI,
	FEAT_UPROBE_MULTI,
	FEAT_ITER_TASK,
	FEAT_ITER_TASK_FILE,
	FEAT_PERF_HW,           /* hardware PMU events open */
	/* kernel features */
	FEAT_BTF,               /* /sys/kernel/btf/vmlinux */
	FEAT_LOOP,              /* bounded loops pass the verifier */
	FEAT_MAP_BATCH,
	FEAT_UPROBE_REFCOUNT,   /* uprobe PMU takes ref_ctr_offset (USDT semaphores) */
	FEAT_AVAIL_FILTER_FUNCS,/* tracefs available_filter_functions is readable */
	/* map types */
	FEAT_MAP_HASH,
	FEAT_MAP_PERCPU_HASH,
	FEAT_MAP_ARRAY,
	FEAT_MAP_PERCPU_ARRAY,
	FEAT_MAP_STACK_TRACE,
	FEAT_MAP_PERF_EVENT_ARRAY,
	FEAT_MAP_RINGBUF,
	/* helpers */
	FEAT_HELPER_PROBE_READ,
	FEAT_HELPER_PROBE_READ_STR,
	FEAT_HELPER_PROBE_READ_USER,
	FEAT_HELPER_PROBE_READ_USER_STR,
	FEAT_HELPER_PROBE_READ_KERNEL,
	FEAT_HELPER_PROBE_READ_KERNEL_STR,
	FEAT_HELPER_GET_CURRENT_CGROUP_ID,
	FEAT_HELPER_SEND_SIGNAL,
	FEAT_HELPER_OVERRIDE_RETURN,
	FEAT_HELPER_GET_BOOT_NS,
	FEAT_HELPER_GET_FUNC_IP,
	FEAT_HELPER_D_PATH,     /* d_path from an fentry program on an allowed function */
	FEAT_HELPER_SKB_OUTPUT, /* skb_output from an fentry program */
	FEAT__COUNT
};

/* Probes f on first use and remembers the answer for the process.
 * Not thread-safe: call from the main thread. */
bool features_has(enum feature f);
/* The same by the name --info prints ("skboutput"); false for unknown names. */
bool features_has_named(const char *name);

/* Short name as --info prints it ("kprobe_multi"). */
const char *features_name(enum feature f);

/* Why f is missing, when there is more to say than "no" (e.g. "CONFIG_KPROBES
 * is off"); NULL when f is present or no reason is known. */
const char *features_why_not(enum feature f);

/* Whether BPFDECK_DISABLE_FEATURES (comma-separated: "kprobe,kfunc,tracefs")
 * names name: bpfdeck then acts as on a kernel without it, to test fallbacks. */
bool features_env_disabled(const char *name);

/* The kernel's own BTF (/sys/kernel/btf/vmlinux), loaded on first use and kept
 * for the process; NULL without it. Not thread-safe, as features_has(). */
struct btf;
struct btf *features_vmlinux_btf(void);

/* The verifier's instruction limit, or -1 when it cannot be learnt. */
int features_insn_limit(void);

/* Kernel config symbol from /proc/config.gz or /boot/config-RELEASE:
 * 'y', 'm', 'n' (not set), or -errno when the config cannot be read. */
int features_kconfig(const char *sym);

/* `--info`: bpftrace 0.17's sections and wording first, then ours.
 * bpftrace 0.17 writes it to stderr; the caller picks the stream. */
void features_print_info(FILE *out);

#endif
