/* output: the one interface every sink implements (text, JSON, TUI pane).
 * The event loop and the exit path only call output_* functions; how a map,
 * a printf line or an error looks is decided by the sink behind the vtable. */
#ifndef BPFDECK_OUTPUT_H
#define BPFDECK_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../lang/session.h"

struct symbolizer;  /* runtime/symbols: ksym/usym/stack resolution (may be NULL) */

/* One map entry after per-CPU values were combined (see types.h layouts). */
struct map_entry {
	void *key;              /* key_size bytes (NULL for keyless maps) */
	void *value;            /* combined value: value_size bytes (not per CPU) */
};

/* A map read out of the kernel, in bpftrace's print order. */
struct map_snapshot {
	const struct map_decl *decl;
	struct map_entry *entries;
	size_t n;
	void *storage;          /* backing memory for keys and values */
};

/* Reads a whole map with batch lookups (falling back to iteration), adds up per-CPU
 * values, drops entries that bpftrace would not print, and sorts them as bpftrace does.
 * Keyless: a count always has its one entry; other aggregations only once written or
 * zero()ed. Order: count/sum/int/min/max by value (ties by key), avg/stats by average
 * and hist/lhist by total count (ties as libstdc++'s std::sort leaves them, starting
 * from key-byte order), everything else by key (ints unsigned, strings strncmp). */
int map_snapshot_read(const struct map_decl *d, int map_fd, struct map_snapshot **out);
void map_snapshot_free(struct map_snapshot *s);
/* clear(): delete every key (keyless arrays are zeroed); zero(): zero every value.
 * A keyless per-CPU array remembers (by decl id and fd) that it was zero()ed, since
 * bpftrace then prints it with zeros while an untouched one prints nothing. */
int map_clear(const struct map_decl *d, int map_fd);
int map_zero(const struct map_decl *d, int map_fd);

enum text_kind {
	TEXT_PRINTF,            /* json type "printf" */
	TEXT_TIME,              /* "time" */
	TEXT_CAT,               /* "cat" */
	TEXT_SYSTEM,            /* "syscall" */
	TEXT_JOIN,              /* "join" */
};

enum msg_level { MSG_INFO, MSG_WARNING, MSG_ERROR };

struct output;

struct output_ops {
	/* "Attaching N probes..." (text) / {"type": "attached_probes", ...} (json) */
	void (*attached)(struct output *o, int nprobes);
	/* Text produced by printf/time/cat/system/join, already formatted. */
	void (*text)(struct output *o, enum text_kind kind, const char *s, size_t len);
	/* print(@map, top, div) and the maps printed at exit. */
	void (*map)(struct output *o, const struct map_snapshot *m, int64_t top, int64_t div);
	/* print(value) of a non-map expression. */
	void (*value)(struct output *o, const struct type *t, const void *data);
	/* The blank line(s)/separators bpftrace prints before the maps at exit. */
	void (*exit_maps_begin)(struct output *o);
	void (*lost_events)(struct output *o, uint64_t n);
	/* A failed helper (-k/-kk). line, col and last_col are the numbers bpftrace
	 * prints in "stdin:LINE:COL-LAST_COL: WARNING: ..." (the caret line has
	 * last_col - col tildes, the same span the compiler's diagnostics print). */
	void (*helper_error)(struct output *o, const char *helper, int64_t retcode, int line, int col,
			     int last_col);
	void (*message)(struct output *o, enum msg_level lvl, const char *text);
	void (*flush)(struct output *o);
	void (*destroy)(struct output *o);
};

struct output {
	const struct output_ops *ops;
	struct session *session;
	struct symbolizer *syms;
	FILE *out;
	bool unbuffered;        /* -B none */
	/* The program as bpftrace names and quotes it in helper-error warnings ("stdin"
	 * for -e, else the script path), set by the caller; NULL: no location shown. */
	const char *src_name;
	const char *src_text;
	/* Text printf output waiting for the next flush (output_hold): a burst of
	 * records becomes one write() instead of one per line. */
	char *held;
	size_t held_len, held_cap;
};

struct output *output_text_new(struct session *s, FILE *out);
/* The source line a location points into (1-based), without its newline; NULL
 * when src is NULL or shorter. */
const char *output_source_line(const char *src, int line, size_t *len);
struct output *output_json_new(struct session *s, FILE *out);

/* Formats one printf/system/cat record: the format's text with the payload's args
 * (laid out as fmt->args), following bpftrace's printf rules. Returns the full
 * length like snprintf (buf holds at most len-1 bytes, NUL-terminated; a result
 * >= len means it was truncated: call again with a bigger buffer) or -errno. */
int format_printf(struct output *o, const struct fmt_decl *fmt, const void *payload,
		  size_t payload_len, char *buf, size_t len);
/* Formats one value as bpftrace prints it in text mode (tuples "(1, a)", structs
 * "{ .a = 1 }", arrays "[1,2]", strings raw, ints signed/unsigned, ksym ...). */
int format_value(struct output *o, const struct type *t, const void *data, char *buf, size_t len);

#endif
