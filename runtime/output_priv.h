/* output_priv: what the output sinks, format.c and maps_read.c share.
 * A growable string buffer, value decoding of the types.h layouts and the
 * bpftrace 0.17 text/JSON renderings both sinks build their lines from. */
#ifndef BPFDECK_OUTPUT_PRIV_H
#define BPFDECK_OUTPUT_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "output.h"

struct sbuf {
	char *buf;              /* always NUL-terminated once anything was added */
	size_t len, cap;
	bool oom;               /* an allocation failed: contents are truncated */
};

void sbuf_init(struct sbuf *sb);
void sbuf_free(struct sbuf *sb);
void sbuf_reset(struct sbuf *sb);
void sbuf_put(struct sbuf *sb, const void *p, size_t n);
void sbuf_puts(struct sbuf *sb, const char *s);
void sbuf_putc(struct sbuf *sb, char c);
void sbuf_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vprintf(struct sbuf *sb, const char *fmt, va_list ap);
/* Copies sb into buf (truncated, NUL-terminated) and returns sb's full length. */
int sbuf_export(const struct sbuf *sb, char *buf, size_t len);

/* Escapes s as bpftrace 0.17's json_escape does, byte quirks included. */
void json_escape(struct sbuf *sb, const char *s, size_t n);

/* Integer of t (TY_INT/TY_POINTER/...) at p, sign- or zero-extended to 64 bits. */
int64_t value_int(const struct type *t, const void *p);

/* Combined aggregation values (layouts of types.h, already summed over CPUs). */
uint64_t agg_count(const void *v);
int64_t agg_minmax_value(const void *v);
int64_t agg_avg_value(const void *v);   /* total / count, 0 when empty */
uint64_t agg_hist_total(const struct type *t, const void *v);
unsigned agg_nbuckets(const struct type *t);

enum vstyle {
	VS_TEXT,        /* bpftrace's text output */
	VS_JSON,        /* -f json: quoted types quoted and escaped */
};

/* Appends one value as bpftrace's value_to_str would (div divides integer and
 * scalar aggregation values; pass 1 otherwise). hist/lhist are not handled here. */
void value_render(struct output *o, const struct type *t, const void *p, uint64_t div,
		  enum vstyle style, struct sbuf *sb);
/* One map key argument as MapKey::argument_value prints it (raw, never quoted). */
void key_arg_render(struct output *o, const struct type *t, const void *p, struct sbuf *sb);
/* Appends the key arguments of a map key joined by sep ("[", "]" are the caller's). */
void key_render(struct output *o, const struct map_decl *d, const void *key, const char *sep,
		struct sbuf *sb);
/* True for the types -f json prints as quoted strings. */
bool json_quoted_type(const struct type *t);

/* Histogram bodies. */
void hist_render_text(const struct type *t, const void *v, uint64_t div, struct sbuf *sb);
void hist_render_json(const struct type *t, const void *v, uint64_t div, struct sbuf *sb);

/* Same as format_printf but into a growable buffer. */
int format_printf_sb(struct output *o, const struct fmt_decl *fmt, const void *payload,
		     size_t payload_len, struct sbuf *sb);

/* Shared by the text and JSON sinks: writes sb to o->out (after what is held). */
void output_write(struct output *o, const struct sbuf *sb);
/* Keeps s to be written at the next flush, write or output_release, in order. */
void output_hold(struct output *o, const char *s, size_t len);
/* Writes what output_hold kept to o->out (not flushed). */
void output_release(struct output *o);
/* Flushes when bpftrace's std::endl would have, or on every write with -B none. */
void output_line_done(struct output *o);

#endif
