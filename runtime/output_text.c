/* output_text: the default sink, byte for byte bpftrace 0.17's text output.
 * Every line layout here (map entries, histogram bars, blank lines after
 * stats maps) was checked against the real bpftrace, quirks included. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output_priv.h"

static void text_attached(struct output *o, int nprobes)
{
	output_release(o);
	fprintf(o->out, "Attaching %d probe%s...\n", nprobes, nprobes == 1 ? "" : "s");
	output_line_done(o);
}

static void text_text(struct output *o, enum text_kind kind, const char *s, size_t len)
{
	if (kind == TEXT_PRINTF && !o->unbuffered) {
		/* bytes as bpftrace prints them, written at the event loop's next flush
		 * (before it sleeps): a line-buffered stream would write() each line */
		output_hold(o, s, len);
		return;
	}
	output_release(o);
	if (len)
		fwrite(s, 1, len, o->out);
	/* join() is the one message bpftrace ends with a newline itself */
	if (kind == TEXT_JOIN) {
		fputc('\n', o->out);
		output_line_done(o);
	} else if (o->unbuffered) {
		fflush(o->out);
	}
}

/* Value types whose strings carry their own layout: bpftrace joins their map
 * entries with nothing instead of a newline. */
static bool no_delim(const struct type *t)
{
	switch (t->kind) {
	case TY_KSTACK: case TY_USTACK: case TY_KSYM: case TY_USYM: case TY_INET:
		return true;
	default:
		return false;
	}
}

static void text_map(struct output *o, const struct map_snapshot *m, int64_t top, int64_t div)
{
	const struct map_decl *d = m->decl;
	const struct type *t = d->value;
	bool hist = t->kind == TY_HIST || t->kind == TY_LHIST;
	bool stats = t->kind == TY_STATS || t->kind == TY_AVG;
	uint32_t top32 = (uint32_t)top, div32 = (uint32_t)div ? (uint32_t)div : 1;
	size_t skip = 0;
	struct sbuf sb;

	sbuf_init(&sb);
	/* print(@m, top) keeps the last (largest) top entries; stats maps ignore top */
	if (top32 && m->n > top32 && t->kind != TY_STATS)
		skip = m->n - top32;
	for (size_t i = skip; i < m->n; i++) {
		const struct map_entry *e = &m->entries[i];

		if (i > skip && !no_delim(t))
			sbuf_putc(&sb, '\n');
		sbuf_puts(&sb, d->name);
		if (d->key) {
			sbuf_putc(&sb, '[');
			key_render(o, d, e->key, ", ", &sb);
			sbuf_putc(&sb, ']');
		}
		sbuf_puts(&sb, ": ");
		if (hist) {
			sbuf_putc(&sb, '\n');
			hist_render_text(t, e->value, t->kind == TY_HIST ? div32 : 1, &sb);
		} else {
			/* stats never divide */
			value_render(o, t, e->value, t->kind == TY_STATS ? 1 : div32, VS_TEXT, &sb);
		}
	}
	sbuf_puts(&sb, stats ? "\n\n" : "\n");
	output_write(o, &sb);
	output_line_done(o);
	sbuf_free(&sb);
}

static void text_value(struct output *o, const struct type *t, const void *data)
{
	struct sbuf sb;

	sbuf_init(&sb);
	value_render(o, t, data, 1, VS_TEXT, &sb);
	sbuf_putc(&sb, '\n');
	output_write(o, &sb);
	output_line_done(o);
	sbuf_free(&sb);
}

static void text_exit_maps_begin(struct output *o)
{
	output_release(o);
	fputs("\n\n", o->out);
	if (o->unbuffered)
		fflush(o->out);
}

static void text_lost_events(struct output *o, uint64_t n)
{
	output_release(o);
	fprintf(o->out, "Lost %" PRIu64 " events\n", n);
	output_line_done(o);
}

const char *output_source_line(const char *src, int line, size_t *len)
{
	for (int l = 1; src && l < line; l++) {
		src = strchr(src, '\n');
		if (src)
			src++;
	}
	if (!src)
		return NULL;
	*len = strcspn(src, "\n");
	return src;
}

/* Log::log_with_location for a WARNING, written to the output stream as bpftrace does. */
static void text_helper_error(struct output *o, const char *helper, int64_t retcode, int line,
			      int col, int last_col)
{
	struct sbuf sb;
	const char *src;
	size_t len = 0;

	sbuf_init(&sb);
	if (o->src_name)
		sbuf_printf(&sb, "%s:", o->src_name);
	if (line > 0)
		sbuf_printf(&sb, "%d:%d-%d: ", line, col, last_col);
	sbuf_printf(&sb, "WARNING: Failed to %s: ", helper ? helper : "");
	if (retcode < 0)
		sbuf_printf(&sb, "%s (%d)", strerror((int)-retcode), (int)retcode);
	else
		sbuf_printf(&sb, "%d", (int)retcode);
	sbuf_putc(&sb, '\n');
	src = line > 0 ? output_source_line(o->src_text, line, &len) : NULL;
	if (src && len) {
		sbuf_put(&sb, src, len);
		sbuf_putc(&sb, '\n');
		sbuf_printf(&sb, "%*s", col > 1 ? col - 1 : 0, "");
		for (int i = col; i < last_col; i++)
			sbuf_putc(&sb, '~');
		sbuf_putc(&sb, '\n');
	}
	output_write(o, &sb);
	output_line_done(o);
	sbuf_free(&sb);
}

/* Messages go to stderr like bpftrace's LOG(), never into the program's output. */
static void text_message(struct output *o, enum msg_level lvl, const char *text)
{
	/* what the program printed before this message reaches the terminal first */
	output_line_done(o);
	switch (lvl) {
	case MSG_WARNING:
		fprintf(stderr, "WARNING: %s\n", text);
		break;
	case MSG_ERROR:
		fprintf(stderr, "ERROR: %s\n", text);
		break;
	default:
		fprintf(stderr, "%s\n", text);
	}
}

static void text_flush(struct output *o)
{
	output_line_done(o);
}

static void text_destroy(struct output *o)
{
	if (!o)
		return;
	output_line_done(o);
	free(o->held);
	free(o);
}

static const struct output_ops text_ops = {
	.attached = text_attached,
	.text = text_text,
	.map = text_map,
	.value = text_value,
	.exit_maps_begin = text_exit_maps_begin,
	.lost_events = text_lost_events,
	.helper_error = text_helper_error,
	.message = text_message,
	.flush = text_flush,
	.destroy = text_destroy,
};

struct output *output_text_new(struct session *s, FILE *out)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->ops = &text_ops;
	o->session = s;
	o->out = out ? out : stdout;
	return o;
}
