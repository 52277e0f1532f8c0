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
};

struct rt_links {
	struct rt_link *v;
	int n, cap;
};

/* What a probe's attach needs from the runtime. */
struct attach_ctx {
	int prog_fd;
	const struct attach_point *ap;
	const int *cpus;        /* online CPUs */
	int ncpus;
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
};

extern const struct probe_ops probe_tracepoint;
extern const struct probe_ops probe_rawtracepoint;
extern const struct probe_ops probe_interval;
extern const struct probe_ops probe_profile;
extern const struct probe_ops probe_software;
extern const struct probe_ops probe_hardware;

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
