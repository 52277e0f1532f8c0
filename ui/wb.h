/* wb: the workbench model, with no terminal in it.
 * One long-lived session and runtime; clauses compiled, loaded and attached one
 * at a time; the user maps and their polled snapshots; BPF stats; export.
 * The TUI and batch mode both drive it; its messages go to the output log. */
#ifndef BPFDECK_UI_WB_H
#define BPFDECK_UI_WB_H

#include <stdbool.h>
#include <stdint.h>
#include "lang/compile.h"
#include "runtime/output.h"
#include "runtime/poll.h"
#include "runtime/rt.h"
#include "outlog.h"

enum wb_state {
	WB_ATTACHED,
	WB_DISABLED,            /* loaded, detached by :disable */
	WB_ERROR,               /* from a session/script: did not compile, load or attach */
};

struct wb_clause {
	int id;                 /* what the user types in :rm N; never reused */
	char *text;             /* the clause as written */
	enum wb_state state;
	char *error;            /* WB_ERROR: why, one line */
	struct node *probe;     /* its AST (owned by a program the workbench keeps) */
	const char *src;        /* the source the AST's locations point into */
	struct clause_obj *obj;
	struct rt_clause *rc;
	char **maps;            /* user maps it names ("@x") */
	int nmaps;
	bool emits;             /* sends ring-buffer records: lost events apply to it */
	bool has_end;
	/* BPF stats: rates over the last sample interval; < 0 unknown */
	struct prog_stats st_prev;
	double st_t;
	bool st_valid;
	double ev_rate, ns_per_ev;
};

/* A user map as the panes see it: the latest read, the change since the one
 * before, and a short history of per-interval changes. */
struct wb_map {
	const struct map_decl *decl;
	int fd;
	struct map_snapshot *cur;
	struct map_snapshot *delta;     /* cur minus the read before it */
	uint64_t gen;                   /* bumped whenever cur changed (it is kept otherwise) */
	uint64_t dgen;                  /* bumped whenever delta changed */
	uint64_t hgen;                  /* bumped whenever the history ring moved */
	double dt;                      /* seconds between the last two reads */
	double t_read;
	int err;
	/* ring of the last hcols intervals, hb values each: a scalar's change
	 * (hb 1) or a histogram's bucket changes summed over keys (hb buckets) */
	int64_t *ring;
	int hb, hcols, hhead, hn;
};

#define WB_HISTORY 240

struct workbench {
	struct session_config cfg;
	struct session *s;
	struct rt *rt;
	struct output *o;
	struct outlog *log;
	struct wb_clause **cl;
	int ncl;
	struct wb_map **maps;
	int nmaps;
	struct program **progs;         /* every program parsed: freed with the session */
	char **srcs;                    /* and the source text each points into */
	int nprogs;
	char **preamble;                /* #include/#define/struct text, for export/save */
	int npreamble;
	int next_id, next_index;
	int edit_target;                /* the clause the next submission replaces, 0 none */
	int interval_ms;
	bool paused;
	int stats_fd;                   /* bpf_enable_stats fd while BPF stats are on */
	uint64_t lost;
	uint64_t gen;                   /* bumped when clauses or maps come and go */
	uint64_t stats_gen;             /* bumped by every BPF stats sample */
	bool batch;
	/* timings in ms, for :timing and the README's numbers */
	double t_add, t_compile, t_load, t_attach, t_poll;
	double t_draw, t_draw_max;      /* set by the screen: redraw of changed panes */
	double t_draw_max_cpu;          /* the most CPU time one redraw of map panes took */
	bool stop;                      /* a signal asked to quit */
	struct poller *poller;          /* reads keyed maps off the main thread */
};

/* A new workbench writing to log (not owned). NULL with a message on stderr. */
struct workbench *wb_new(const struct session_config *cfg, struct outlog *log, bool batch);
/* Releases every link, program and map. */
void wb_free(struct workbench *wb);
/* Runs END probes of every clause and prints what they send (batch mode at exit). */
void wb_run_end(struct workbench *wb);

/* Compiles, loads and attaches the clause(s) in text as one change: on any error it
 * is reported (file:line:col and caret) and nothing changes. fname/first_line say
 * where text came from, for the diagnostics. With wb->edit_target set, text must be
 * one clause and replaces that clause. 0 or -errno. */
int wb_submit(struct workbench *wb, const char *text, const char *fname, int first_line);
/* Adds one clause of a session file or script: a clause that fails is kept in
 * state WB_ERROR (to :edit later); disabled: loaded but not attached. */
int wb_add_loaded(struct workbench *wb, const char *text, const char *fname, int first_line,
		  bool disabled);
/* One clause of a script: its text (columns kept) and first line. */
struct wb_piece {
	char *text;
	int line;
};
int wb_script_split(struct workbench *wb, const char *text, const char *fname,
		    struct wb_piece **out);
int wb_replace(struct workbench *wb, int id, const char *text, const char *fname, int first_line);
int wb_rm(struct workbench *wb, int id);
int wb_disable(struct workbench *wb, int id);
int wb_enable(struct workbench *wb, int id);
struct wb_clause *wb_clause(struct workbench *wb, int id);
int wb_nattached(const struct workbench *wb);

/* The map named name ("@x" or "x"), or NULL. */
struct wb_map *wb_map_find(struct workbench *wb, const char *name);
/* Makes wb->maps match the session's user maps. */
void wb_sync_maps(struct workbench *wb);
/* Reads every map once, now, in this thread; returns how many changed. */
int wb_poll_maps(struct workbench *wb);
/* The same in the background: keyless maps are read now, keyed ones on the
 * poller thread; wb_poll_finish applies them once wb_poll_fd is readable
 * (wait: block until they are). wb_poll_fd is -1 before the first start. */
void wb_poll_start(struct workbench *wb);
int wb_poll_finish(struct workbench *wb, bool wait);
int wb_poll_fd(const struct workbench *wb);
int wb_map_clear(struct workbench *wb, const char *name);
int wb_map_zero(struct workbench *wb, const char *name);
int wb_map_print(struct workbench *wb, const char *name);
/* The clause that first names map name, or NULL. */
struct wb_clause *wb_map_writer(struct workbench *wb, const char *name);

/* Turns kernel BPF stats on or off. */
int wb_stats(struct workbench *wb, bool on);
/* Samples run counts and times of every clause (with stats on). */
void wb_stats_sample(struct workbench *wb);

/* Handles what the runtime has pending without waiting. */
int wb_service(struct workbench *wb);

/* :export: a bpftrace script of the attached clauses, atomically. 0 or -errno;
 * reports which clause needs more than bpftrace 0.17, if any. */
int wb_export(struct workbench *wb, const char *path);
/* :export-folded: map name (or the only map holding stacks, name NULL) as
 * folded stacks ("root;...;leaf COUNT" lines, flamegraph.pl's input),
 * atomically. 0 or -errno, reported. */
int wb_export_folded(struct workbench *wb, const char *path, const char *name);
/* Why a clause cannot run under bpftrace 0.17 (NULL when it can); static text
 * or a pointer into buf. */
const char *wb_needs_newer(const struct wb_clause *c, char *buf, size_t len);

/* Writes data to path atomically (temp file in the same directory + rename). */
int wb_write_atomic(const char *path, const char *data, size_t len);

double wb_now_ms(void);
/* CPU time this thread has used, in ms. */
double wb_cpu_ms(void);
void wb_msg(struct workbench *wb, enum ol_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
