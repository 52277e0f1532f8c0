/* rt: the runtime session, everything bpfdeck holds in the kernel for a run.
 * It owns one map fd per session map declaration, the event ring buffer and
 * the loaded/attached clauses, and runs the one-shot bpftrace-style flow. */
#ifndef BPFDECK_RT_H
#define BPFDECK_RT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "../lang/compile.h"
#include "../lang/session.h"
#include "output.h"

struct rt;
struct rt_clause;

struct rt_opts {
	bool verbose;           /* -v: load with a verifier log and hand it back */
	bool quiet_attach;      /* -q: no "Attaching N probes..." */
};

/* Why rt_poll() says the run is over. */
enum rt_stop {
	RT_RUNNING = 0,
	RT_STOP_EXIT,           /* exit() in a probe: later records are dropped */
	RT_STOP_SIGNAL,         /* SIGINT, SIGTERM or SIGHUP */
	RT_STOP_CHILD,          /* the -c command exited */
	RT_STOP_TARGET,         /* the -p process exited */
};

/* Exit status of rt_run_oneshot() when loading or attaching fails (bpftrace's -1). */
#define RT_EXIT_FAILURE 255

/* A runtime for session s printing through o (needed once records flow).
 * Nothing touches the kernel yet. NULL on failure. */
struct rt *rt_new(struct session *s, struct output *o, const struct rt_opts *opts);
/* Detaches and closes everything (programs, links, perf events, maps, ring buffer),
 * waiting for background perf-event closes, and kills and reaps a -c child still
 * running. Afterwards the kernel holds nothing of this runtime. */
void rt_free(struct rt *rt);

/* The last error as one line for the caller to print after "ERROR: ", worded as
 * bpftrace words it where it has one ("Error attaching probe: t:syscalls:x: ..."). */
const char *rt_strerror(const struct rt *rt);

/* Creates the kernel maps the session declared since the last call, and the ring
 * buffer consumer once the session has one; closes maps the session dropped (NULL
 * slots). Existing maps and their contents are kept. 0 or -errno. */
int rt_maps_sync(struct rt *rt);
/* The fd of session map map_id, or -ENOENT if it has none (yet). */
int rt_map_fd(const struct rt *rt, int map_id);

/* Loads every program of c (its ELF must stay alive while loaded: c is borrowed
 * until rt_clause_free). Map ids in ld_imm64 are replaced by fds, so call
 * rt_maps_sync first. On a verifier rejection *verifier_log (if non-NULL) gets the
 * kernel's log (malloc'd, caller frees); with opts.verbose it also gets the log of a
 * successful load. 0 or -errno; nothing stays loaded on error. */
int rt_clause_load(struct rt *rt, struct clause_obj *c, struct rt_clause **out,
		   char **verifier_log);
/* Attaches every attach point of c except BEGIN/END; on error detaches what it
 * attached. 0 or -errno (rt_strerror names the probe). */
int rt_clause_attach(struct rt *rt, struct rt_clause *c);
/* Detaches c's probes: they no longer run when this returns. Its programs stay
 * loaded and maps keep their contents. The kernel's slow part of tearing down
 * perf events (~40 ms each, serialised) finishes on a background thread. */
void rt_clause_detach(struct rt *rt, struct rt_clause *c);
/* Runs c's BEGIN (kind PK_BEGIN) or END (PK_END) programs once, in this thread. */
int rt_clause_trigger(struct rt *rt, struct rt_clause *c, enum probe_kind kind);
/* Detaches and unloads c. */
void rt_clause_free(struct rt *rt, struct rt_clause *c);
/* Attach points of c as bpftrace counts them (BEGIN/END included). */
int rt_clause_nprobes(const struct rt_clause *c);

/* -c: forks cmd (split on spaces, no shell, as bpftrace 0.17 does) blocked until
 * rt_child_release(), so its pid is known before compiling (cpid). pid, or -errno
 * with rt_strerror() = "Failed to fork child: path 'x' does not exist or is not
 * executable". A child still running when the run stops gets SIGTERM. */
pid_t rt_spawn_child(struct rt *rt, const char *cmd);
int rt_child_release(struct rt *rt);

/* Routes SIGINT/SIGTERM/SIGHUP (stop) and SIGUSR1 (print maps) through a signalfd
 * that rt_poll() reads. Blocks those signals in the calling thread: call it before
 * starting other threads, which inherit the mask. */
int rt_signals_catch(struct rt *rt);
/* Blocks those signals now, before there is an rt: a Ctrl-C (or a SIGINT sent to a
 * `cmd &` job, which starts with SIGINT ignored) during a slow compile is then
 * kept for rt_signals_catch()'s fd instead of lost, and the run ends as soon as
 * the probes are up, through END. Children get a clean mask (-c, system()). */
int rt_signals_hold(void);
int rt_signals_release(void);

/* Waits up to timeout_ms (-1: forever) for records, signals or the -c/-p process
 * exiting, and handles them. Returns enum rt_stop (RT_RUNNING to go on) or -errno. */
int rt_poll(struct rt *rt, int timeout_ms);
/* Handles every record already in the ring buffer (print: false drops them). */
int rt_drain(struct rt *rt, bool print);
/* Asks the loop to stop as exit() would (the workbench's :stop); RT_RUNNING
 * clears a stop so rt_poll() goes on (the workbench keeps running after exit()). */
void rt_request_stop(struct rt *rt, enum rt_stop why);
/* Prints every user-visible map, sorted by name, as SIGUSR1 does; at_exit first
 * calls the output's exit_maps_begin. */
int rt_print_maps(struct rt *rt, bool at_exit);
/* Events the BPF side could not reserve ring-buffer space for since the last call,
 * read from the session's internal "__lost_events" per-CPU counter if it has one. */
uint64_t rt_lost_events(struct rt *rt);

/* The whole bpftrace run for the clauses of one program (in source order): load,
 * "Attaching N probes...", attach (all or nothing), release -c, BEGIN, event loop
 * until exit()/signal/child exit, detach, END, drain, print maps. Returns the exit
 * status bpftrace would (0, or RT_EXIT_FAILURE with the reason printed). */
int rt_run_oneshot(struct rt *rt, struct clause_obj **clauses, int n);

#endif
