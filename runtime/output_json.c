/* output_json: the -f json sink, one JSON object per line as bpftrace 0.17.
 * Spacing follows bpftrace exactly because tests match lines by regex; the
 * known invalid-JSON quirks (unquoted strftime/macaddr) are kept on purpose. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output_priv.h"

static void json_attached(struct output *o, int nprobes)
{
	fprintf(o->out, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}}\n", nprobes);
	output_line_done(o);
}

static const char *const text_types[] = {
	[TEXT_PRINTF] = "printf",
	[TEXT_TIME] = "time",
	[TEXT_CAT] = "cat",
	[TEXT_SYSTEM] = "syscall",
	[TEXT_JOIN] = "join",
};

static void json_text(struct output *o, enum text_kind kind, const char *s, size_t len)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_printf(&sb, "{\"type\": \"%s\", \"data\": \"",
		    (unsigned)kind < sizeof(text_types) / sizeof(text_types[0]) ?
		    text_types[kind] : "printf");
	json_escape(&sb, s ? s : "", s ? len : 0);
	sbuf_puts(&sb, "\"}\n");
	output_write(o, &sb);
	output_line_done(o);
	sbuf_free(&sb);
}

static void json_map(struct output *o, const struct map_snapshot *m, int64_t top, int64_t div)
{
	const struct map_decl *d = m->decl;
	const struct type *t = d->value;
	bool hist = t->kind == TY_HIST || t->kind == TY_LHIST;
	bool stats = t->kind == TY_STATS || t->kind == TY_AVG;
	uint32_t top32 = (uint32_t)top, div32 = (uint32_t)div ? (uint32_t)div : 1;
	size_t skip = 0;
	struct sbuf sb, key;

	/* an empty map prints nothing at all in JSON */
	if (!m->n)
		return;
	sbuf_init(&sb);
	sbuf_init(&key);
	if (top32 && m->n > top32 && t->kind != TY_STATS)
		skip = m->n - top32;
	sbuf_printf(&sb, "{\"type\": \"%s\", \"data\": {\"", hist ? "hist" : stats ? "stats" : "map");
	json_escape(&sb, d->name, strlen(d->name));
	sbuf_puts(&sb, "\": ");
	if (d->key)
		sbuf_putc(&sb, '{');
	for (size_t i = skip; i < m->n; i++) {
		const struct map_entry *e = &m->entries[i];

		if (i > skip)
			sbuf_puts(&sb, ", ");
		if (d->key) {
			/* the key arguments are joined raw, then escaped as one string */
			sbuf_reset(&key);
			key_render(o, d, e->key, ",", &key);
			sbuf_putc(&sb, '"');
			json_escape(&sb, key.buf ? key.buf : "", key.len);
			sbuf_puts(&sb, "\": ");
		}
		if (hist)
			hist_render_json(t, e->value, t->kind == TY_HIST ? div32 : 1, &sb);
		else
			value_render(o, t, e->value, t->kind == TY_STATS ? 1 : div32, VS_JSON, &sb);
	}
	if (d->key)
		sbuf_putc(&sb, '}');
	sbuf_puts(&sb, "}}\n");
	output_write(o, &sb);
	output_line_done(o);
	sbuf_free(&key);
	sbuf_free(&sb);
}

static void json_value(struct output *o, const struct type *t, const void *data)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_puts(&sb, "{\"type\": \"value\", \"data\": ");
	value_render(o, t, data, 1, VS_JSON, &sb);
	sbuf_puts(&sb, "}\n");
	output_write(o, &sb);
	output_line_done(o);
	sbuf_free(&sb);
}

/* bpftrace writes the two newlines before the exit-time maps in JSON mode too */
static void json_exit_maps_begin(struct output *o)
{
	fputs("\n\n", o->out);
	if (o->unbuffered)
		fflush(o->out);
}

static void json_lost_events(struct output *o, uint64_t n)
{
	fprintf(o->out, "{\"type\": \"lost_events\", \"data\": {\"events\": %" PRIu64 "}}\n", n);
	output_line_done(o);
}

static void json_helper_error(struct output *o, const char *helper, int64_t retcode, int line,
			      int col, int last_col)
{
	struct sbuf sb;

	(void)last_col;
	sbuf_init(&sb);
	sbuf_puts(&sb, "{\"type\": \"helper_error\", \"helper\": \"");
	sbuf_puts(&sb, helper ? helper : "");
	sbuf_printf(&sb, "\", \"retcode\": %d, \"line\": %d, \"col\": %d}\n", (int)retcode, line,
		    col);
	output_write(o, &sb);
	output_line_done(o);
	sbuf_free(&sb);
}

/* bpftrace's warnings and errors stay plain text on stderr in JSON mode. */
static void json_message(struct output *o, enum msg_level lvl, const char *text)
{
	(void)o;
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

static void json_flush(struct output *o)
{
	fflush(o->out);
}

static void json_destroy(struct output *o)
{
	if (!o)
		return;
	fflush(o->out);
	free(o);
}

static const struct output_ops json_ops = {
	.attached = json_attached,
	.text = json_text,
	.map = json_map,
	.value = json_value,
	.exit_maps_begin = json_exit_maps_begin,
	.lost_events = json_lost_events,
	.helper_error = json_helper_error,
	.message = json_message,
	.flush = json_flush,
	.destroy = json_destroy,
};

struct output *output_json_new(struct session *s, FILE *out)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->ops = &json_ops;
	o->session = s;
	o->out = out ? out : stdout;
	return o;
}
