/* rt_priv: the runtime's state, shared by rt.c, loader.c, events.c and run.c.
 * Not for use outside runtime/: the workbench goes through rt.h. Every fd here is
 * -1 when not open, so one cleanup path can close whatever exists. */
#ifndef BPFDECK_RT_PRIV_H
#define BPFDECK_RT_PRIV_H

#include <stddef.h>
#include "attach.h"
#include "output_priv.h"
#include "rt.h"

struct ring_buffer;
struct perf_buffer;

struct rt_prog {
	const struct prog_unit *unit;   /* borrowed from the clause_obj */
	int fd;
	struct prog_load_info li;       /* how it was loaded (probe_ops.prepare) */
	int sys_raw;                    /* SYSRAW_*: syscall tracepoints on one raw tp link */
	bool tp_raw;                    /* tracepoints on raw tp links, one per attach point */
};

struct rt_clause {
	struct clause_obj *obj;         /* borrowed */
	struct rt_prog *progs;
	int nprogs;
	struct rt_links links;          /* what rt_clause_attach attached */
};

/* What an epoll event of rt->epoll_fd is about. */
enum rt_ep_tag { RT_EP_RINGBUF = 1, RT_EP_SIGNAL, RT_EP_CHILD, RT_EP_TARGET, RT_EP_PERFBUF };

struct rt {
	struct session *s;
	struct output *o;
	struct rt_opts opts;

	int *map_fds;                   /* indexed by map_decl.id */
	int nmap_fds;
	struct rt_clause **clauses;     /* loaded, not yet freed */
	int nclauses;
	struct perf_reaper reaper;      /* detached perf events still closing */

	struct ring_buffer *rb;         /* reads the session's ringbuf_map */
	struct perf_buffer *pb;         /* reads skboutput()'s perf event array */
	FILE **skb_files;               /* pcap file per FMT_SKBOUTPUT fmt id */
	bool *skb_shared;               /* skb_files[i] belongs to an earlier id */
	int nskb_files;
	int64_t skb_boot_ns;            /* CLOCK_REALTIME - CLOCK_BOOTTIME */

	int epoll_fd;
	int sig_fd;
	int child_pidfd;
	int target_pidfd;

	pid_t child_pid;                /* 0 none */
	int child_go_fd;                /* write end: one byte releases the child */
	int child_err_fd;               /* read end: errno from a failed execve */
	bool child_reaped;

	enum rt_stop stop;
	bool discard;                   /* drop records (after exit()) */
	unsigned budget;                /* records left before consume yields */

	int *cpus;                      /* online CPUs */
	int ncpus;
	int ncpus_possible;

	uint64_t lost_seen;
	uint64_t lost_checked;           /* CLOCK_MONOTONIC ns of the last look at the lost count */
	struct sbuf fmt_sb;             /* a record's text, kept: printf formats without malloc */
	char *log_buf;                  /* verifier log */
	size_t log_buf_len;
	bool sysraw_off;                /* load syscall tracepoints as perf events only */
	bool tpraw_off;                 /* load other tracepoints as perf events only */
	char err[512];
	bool err_located;               /* err is a whole "FILE:L:C: ERROR: ..." diagnostic */
};

/* Sets rt_strerror()'s text; returns err (a -errno) for `return rt_fail(...)`. */
int rt_fail(struct rt *rt, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error/warning/info line through the output (stderr without one). */
void rt_msg(struct rt *rt, enum msg_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* skboutput.c: creates the pcap files of new skboutput() calls and the perf
 * buffer; writes what arrived; closes everything. */
int skb_sync(struct rt *rt);
void skb_consume(struct rt *rt);
void skb_free(struct rt *rt);

/* loader.c: loads the programs of c into progs[] (c->nprogs entries). */
int loader_load_clause(struct rt *rt, struct clause_obj *c, struct rt_prog *progs,
		       char **verifier_log);

/* sysraw.c: syscall tracepoints as one raw sys_enter/sys_exit tracepoint link. */
struct bpf_insn;
enum { SYSRAW_NONE, SYSRAW_ENTER, SYSRAW_EXIT };
/* How unit u (its relocated instructions) can load: SYSRAW_NONE (as compiled),
 * or behind a syscall filter on the raw sys_enter/sys_exit tracepoint. */
int sysraw_plan(const struct rt *rt, const struct rt_prog *cur, int ncur,
		const struct prog_unit *u, const struct bpf_insn *insns, size_t n);
/* u's filter prologue + insns into *out (malloc'd); btf: the prologue reads the
 * task through its BTF type (needs kernel BTF). Returns the filter map's fd, to
 * close once the program is loaded, or -errno. */
int sysraw_build(const struct prog_unit *u, int dir, bool btf, const struct bpf_insn *insns,
		 size_t n, struct bpf_insn **out, size_t *nout);
/* The raw tracepoint link of a program loaded that way, or -errno. */
int sysraw_attach(int dir, int prog_fd);
/* Would raw and perf-event programs share a syscall tracepoint among cs[]? */
bool sysraw_mixed(struct rt_clause **cs, int n);
/* Does the program never read its context (r1 at entry)? Conservative: no when
 * unsure. Such a program runs the same as a raw tracepoint program. */
bool sysraw_ctx_unused(const struct bpf_insn *insns, size_t n);

/* tpraw.c: other tracepoints CAT:NAME as raw tracepoint NAME links, the program
 * unchanged. Whether unit u (relocated insns) loads that way; cur[0..ncur) are
 * the programs of its clause loaded before it. */
bool tpraw_plan(const struct rt *rt, const struct rt_prog *cur, int ncur,
		const struct prog_unit *u, const struct bpf_insn *insns, size_t n);
/* Does a loaded perf-event program (of rt's clauses or cur[]) run on kernel
 * tracepoint tp ("sched_switch"; "sys_enter" for syscalls:sys_enter_*)? A raw
 * link added now would run after it and after perf programs added later. */
bool tpraw_perf_loaded(const struct rt *rt, const struct rt_prog *cur, int ncur, const char *tp);
/* The raw tracepoint link of attach point ap of a program loaded that way, or -errno. */
int tpraw_attach(const struct attach_point *ap, int prog_fd);
/* Would a raw tracepoint program and a perf-event one share a tracepoint among cs[]? */
bool tpraw_mixed(struct rt_clause **cs, int n);

/* events.c: the ring buffer callback (ctx is the rt). */
int events_dispatch(void *ctx, void *data, size_t size);
/* Handles the records in the ring buffer: 1 stopped early (budget or exit()),
 * 0 emptied it, or -errno. */
int events_consume(struct rt *rt);

/* rt.c: one attach point of a loaded program, appended to out. */
int rt_prog_attach(struct rt *rt, const struct rt_prog *p, const struct attach_point *ap,
		   struct rt_links *out);
int rt_prog_trigger(struct rt *rt, const struct rt_prog *p);
/* Attaches cs[] in bpftrace's order (all or nothing) / detaches them in one batch. */
int rt_attach_all(struct rt *rt, struct rt_clause **cs, int n);
void rt_detach_all(struct rt *rt, struct rt_clause **cs, int n);

#endif
