/* attach: one vtable per probe kind, the only code that knows how a program
 * meets the kernel. Adding a probe type is a file in runtime/probes/ with its
 * `struct probe_ops` and one entry in attach.c's table. */
#ifndef BPFDECK_ATTACH_H
#define BPFDECK_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "../lang/compile.h"

/* One kernel attachment: a BPF link and the perf event it hangs on (-1 if none).
 * Closing both detaches, so nothing outlives the process even if it is killed. */
struct rt_link {
	int link_fd;
	int perf_fd;
	const struct probe_ops *run_ops;  /* set when the kind has run() (iter) */
};

struct rt_links {
	struct rt_link *v;
	int n, cap;
};

/* How a program loads, filled in by its kind's prepare() before the verifier
 * sees it (fentry needs its target's BTF id, kprobe_multi its attach type). */
struct prog_load_info {
	int expected_attach_type;       /* enum bpf_attach_type; 0 for most kinds */
	unsigned attach_btf_id;         /* fentry/fexit/iter target */
	int attach_btf_obj_fd;          /* module BTF of the target; -1: vmlinux */
	bool multi;                     /* one kprobe_multi link for every attach point */
};

/* What a probe's attach needs from the runtime. */
struct attach_ctx {
	int prog_fd;
	const struct prog_unit *unit;   /* the program; ap == &unit->aps[ap_index] */
	int ap_index;
	const struct prog_load_info *li;
	const struct attach_point *ap;
	const int *cpus;        /* online CPUs */
	int ncpus;
	int pid;                /* the -p process or -c child; 0 when none */
	char *err;              /* on failure: why, one line, without the probe name */
	size_t errlen;
};

struct probe_ops {
	enum probe_kind kind;
	/* The kernel runs this kind's programs newest first, so bpftrace attaches its
	 * probes last-to-first to keep script order. */
	bool attach_reverse;
	/* Appends the links of one attach point to out. 0 or -errno (with ctx->err). */
	int (*attach)(struct attach_ctx *ctx, struct rt_links *out);
	/* Optional: extra teardown beyond closing link and perf fds. */
	void (*detach)(struct rt_link *l);
	/* Optional: decides how the programs of unit u load, before loading (the
	 * loader closes li->attach_btf_obj_fd after). 0 or -errno with err set. */
	int (*prepare)(const struct prog_unit *u, struct prog_load_info *li, char *err,
		       size_t errlen);
	/* Optional: a probe that fires when the runtime asks, not on kernel events
	 * (iter): runs it once after BEGIN; the run then stops as exit() would. */
	int (*run)(const struct rt_link *l, char *err, size_t errlen);
};

extern const struct probe_ops probe_tracepoint;
extern const struct probe_ops probe_rawtracepoint;
extern const struct probe_ops probe_interval;
extern const struct probe_ops probe_profile;
extern const struct probe_ops probe_software;
extern const struct probe_ops probe_hardware;
extern const struct probe_ops probe_kprobe;
extern const struct probe_ops probe_kretprobe;
extern const struct probe_ops probe_kfunc;
extern const struct probe_ops probe_kretfunc;
extern const struct probe_ops probe_iter;
extern const struct probe_ops probe_watchpoint;
extern const struct probe_ops probe_uprobe;
extern const struct probe_ops probe_uretprobe;
extern const struct probe_ops probe_usdt;

/* The ops for kind, or NULL if this runtime cannot attach it. */
const struct probe_ops *probe_ops_find(enum probe_kind kind);

/* Perf events closed in the background (see links_close). */
struct reap_job;
struct perf_reaper {
	struct reap_job *jobs;
};

int links_push(struct rt_links *ls, int link_fd, int perf_fd);
/* Detaches every link and empties ls. Link closes run on threads: each waits
 * for RCU grace periods (~30 ms), and those overlap. The perf events' closes
 * (~40 ms each, serialised by the kernel) go to a background thread of r when
 * r is given; when this returns no program runs anymore either way. */
void links_close(struct rt_links *ls, struct perf_reaper *r);
/* Waits until the reaper has closed everything handed to it. */
void perf_reaper_wait(struct perf_reaper *r);
/* Moves all of src's links to the end of dst. */
int links_move(struct rt_links *dst, struct rt_links *src);

/* Shared by perf-event based probes: perf_event_open + BPF_PERF_EVENT link. */
struct perf_event_attr;
int perf_attach(struct attach_ctx *ctx, struct perf_event_attr *attr, int cpu,
		struct rt_links *out);

#endif
