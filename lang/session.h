/* session: what all clauses of one bpfdeck run share.
 * It owns map declarations, printf/async formats and their ids, the probe
 * names table and the config; clauses are compiled one at a time against it,
 * so the workbench adds and removes clauses while maps keep their types. */
#ifndef BPFDECK_SESSION_H
#define BPFDECK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "types.h"
#include "kinfo.h"

/* How a map is stored in the kernel; chosen by sema from key and value type. */
enum map_storage {
	MAP_HASH,          /* BPF_MAP_TYPE_HASH: keyed (or keyless, key u64 0) plain values */
	MAP_PERCPU_HASH,   /* keyed aggregations */
	MAP_PERCPU_ARRAY,  /* keyless aggregations: one entry, key u32 0, updated in place */
	MAP_ARRAY,         /* internal: one-entry scratch/config arrays */
	MAP_RINGBUF,       /* internal: the event ring buffer */
	MAP_STACK_TRACE,   /* internal: kstack/ustack ids */
	MAP_PERF_EVENT_ARRAY, /* internal: skboutput() packets (bpf_skb_output writes only these) */
};

struct map_decl {
	int id;                 /* index in session->maps; what codegen embeds in ld_imm64 */
	char *name;             /* "@x", "@"; internal maps: "__ringbuf", "__stack_perf_127" ... */
	bool internal;          /* not user-visible: never printed */
	struct type *key;       /* NULL: keyless; a tuple type for @m[a, b] */
	struct type *value;
	enum map_storage storage;
	unsigned key_size;      /* bytes in the kernel map (keyless: 4 for arrays, 8 for hash) */
	unsigned value_size;    /* bytes per CPU */
	unsigned max_entries;
	int clause_refs;        /* clauses using it; the workbench drops a map at 0 */
};

/* Ring-buffer record header: every event starts with it. */
struct event_hdr {
	uint32_t kind;          /* enum event_kind */
	uint32_t id;            /* format / map / site id, per kind */
};

enum event_kind {
	EV_PRINTF = 1,    /* id: fmt; payload: args record (fmt->args layout) */
	EV_SYSTEM,        /* id: fmt; payload: args record; runs the command (--unsafe) */
	EV_CAT,           /* id: fmt; payload: args record; prints the file */
	EV_TIME,          /* id: fmt (strftime format, args NULL) */
	EV_JOIN,          /* id: fmt (separator in fmt->text); payload: JOIN_MAX_ARGS x strlen bytes */
	EV_PRINT_VALUE,   /* id: fmt (fmt->args: 1-field tuple of the value type); payload: value */
	EV_PRINT_MAP,     /* id: map; payload: struct ev_print_map */
	EV_CLEAR,         /* id: map */
	EV_ZERO,          /* id: map */
	EV_EXIT,          /* id: unused */
	EV_HELPER_ERROR,  /* id: fmt (site: fmt->text = helper name, fmt->loc); payload: int64 retcode */
	EV_PRINT_MAP_KEY, /* id: map; payload: key (key_size bytes): print(@m[k]) of an aggregation */
	EV_USER_PID,      /* id: unused; payload: u64 pid, first seen with a ustack/usym value */
};

#define JOIN_MAX_ARGS 16

/* What skboutput() puts before the packet's bytes in its perf event record. */
struct skb_hdr {
	uint64_t id;            /* FMT_SKBOUTPUT fmt id: the file and offset */
	uint64_t ns;            /* CLOCK_BOOTTIME (or monotonic) when captured */
	uint64_t len;           /* packet bytes that follow */
};

struct ev_print_map {
	int64_t top;
	int64_t div;
};

enum fmt_kind { FMT_PRINTF, FMT_SYSTEM, FMT_CAT, FMT_TIME, FMT_JOIN, FMT_PRINT_VALUE,
		FMT_HELPER_ERROR, FMT_STRFTIME, FMT_CGROUP_PATH,
		FMT_SKBOUTPUT /* text: the pcap file; aux: bytes skipped at the packet's start */ };

struct fmt_decl {
	int id;
	enum fmt_kind kind;
	char *text;             /* the format string after escape processing */
	struct type *args;      /* a TY_TUPLE of the argument types, or NULL */
	int line, col;          /* source position (helper errors report it) */
	int last_col;           /* helper errors: one past the site's last column, 0 unknown */
	uint64_t aux;           /* per kind (FMT_SKBOUTPUT: the offset) */
};

/* Limits from bpftrace's environment variables. */
struct session_config {
	unsigned strlen;            /* BPFTRACE_STRLEN, default 64 */
	unsigned map_keys_max;      /* BPFTRACE_MAP_KEYS_MAX, default 4096 */
	unsigned max_probes;        /* BPFTRACE_MAX_PROBES, default 512 */
	unsigned max_bpf_progs;     /* BPFTRACE_MAX_BPF_PROGS, default 512 (0: the default) */
	unsigned cat_bytes_max;     /* BPFTRACE_CAT_BYTES_MAX, default 10240 */
	unsigned perf_rb_pages;     /* BPFTRACE_PERF_RB_PAGES, default 64 */
	unsigned log_size;          /* BPFTRACE_LOG_SIZE */
	bool no_user_symbols;       /* BPFTRACE_NO_USER_SYMBOLS */
	bool unsafe;                /* --unsafe */
	int helper_check_level;     /* -k: 1, -kk: 2 */
	int target_pid;             /* -p, 0 if none */
	bool has_child;             /* -c: cpid is known */
	int child_pid;              /* -c: the spawned child's pid (cpid) */
	char **include_dirs;        /* -I DIR: searched by #include, passed on to cpp */
	int ninclude_dirs;
	char **include_files;       /* --include FILE: read before the script's own headers */
	int ninclude_files;
	int argc;                   /* positional parameters $1..$N */
	char **argv;
};

struct session {
	struct session_config cfg;
	const struct kinfo_ops *kinfo;
	struct type_arena *arena;

	struct map_decl **maps;
	int nmaps, maps_cap;
	struct fmt_decl **fmts;
	int nfmts, fmts_cap;
	char **probe_names;     /* `probe` builtin values, indexed by TY_PROBE ids */
	int nprobe_names, probe_names_cap;

	uint64_t start_ns;      /* CLOCK_MONOTONIC at session start: `elapsed` counts from it */
	int ringbuf_map;        /* id of the event ring buffer map (created lazily, -1 none) */
	int zero_map;           /* id of a read-only array of zeroes that new map entries copy */
	int skb_map;            /* id of the skboutput() perf event array (lazily, -1 none) */
	int next_clause_id;
	struct ctypes *ctypes;  /* C types: script definitions, BTF cache (lang/ctypes.c) */
	/* compile_prepass saw every clause before any compiled: a string map key can be
	 * as long as its longest use instead of BPFTRACE_STRLEN (sema.c key_type) */
	bool whole_program;
};

struct session *session_new(const struct session_config *cfg, const struct kinfo_ops *kinfo);
void session_free(struct session *s);

struct map_decl *session_map_find(struct session *s, const char *name);
/* Adds a declaration; returns it (id set). */
struct map_decl *session_map_add(struct session *s, const char *name);
int session_fmt_add(struct session *s, enum fmt_kind kind, const char *text,
		    struct type *args, int line, int col);
int session_probe_name_add(struct session *s, const char *name);

#endif
