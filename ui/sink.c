/* sink: output_ops into the workbench's output log.
 * Maps, values and helper-error warnings are rendered by the text sink into
 * a memory stream first, so the pane shows exactly what bpftrace would print. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sink.h"

struct sink {
	struct output o;        /* first: the runtime holds a struct output * */
	struct output *text;    /* the text sink, pointed at a memstream per call */
	struct outlog *log;
	uint64_t *lost;
};

static struct sink *sink_of(struct output *o)
{
	return (struct sink *)o;
}

/* Runs fn on the text sink with its output captured, then logs it as kind. */
#define SINK_CAPTURE(sk, kind, call)                                            \
	do {                                                                    \
		char *buf_ = NULL;                                              \
		size_t len_ = 0;                                                \
		FILE *f_ = open_memstream(&buf_, &len_);                        \
		if (!f_)                                                        \
			break;                                                  \
		(sk)->text->out = f_;                                           \
		(sk)->text->syms = (sk)->o.syms;                                \
		(sk)->text->src_name = (sk)->o.src_name;                        \
		(sk)->text->src_text = (sk)->o.src_text;                        \
		call;                                                           \
		fclose(f_);                                                     \
		(sk)->text->out = NULL;                                         \
		outlog_add((sk)->log, (kind), buf_, len_);                      \
		free(buf_);                                                     \
	} while (0)

static void sink_attached(struct output *o, int nprobes)
{
	(void)o;
	(void)nprobes;
}

static void sink_text(struct output *o, enum text_kind kind, const char *s, size_t len)
{
	struct sink *sk = sink_of(o);

	outlog_add(sk->log, OL_TEXT, s, len);
	if (kind == TEXT_JOIN)
		outlog_add(sk->log, OL_TEXT, "\n", 1);
}

static void sink_map(struct output *o, const struct map_snapshot *m, int64_t top, int64_t div)
{
	struct sink *sk = sink_of(o);

	SINK_CAPTURE(sk, OL_TEXT, sk->text->ops->map(sk->text, m, top, div));
}

void sink_print_map(struct output *o, const struct map_snapshot *m)
{
	struct sink *sk = sink_of(o);

	SINK_CAPTURE(sk, OL_CMD, sk->text->ops->map(sk->text, m, 0, 0));
}

static void sink_value(struct output *o, const struct type *t, const void *data)
{
	struct sink *sk = sink_of(o);

	SINK_CAPTURE(sk, OL_TEXT, sk->text->ops->value(sk->text, t, data));
}

static void sink_exit_maps_begin(struct output *o)
{
	(void)o;
}

static void sink_lost_events(struct output *o, uint64_t n)
{
	struct sink *sk = sink_of(o);

	if (sk->lost)
		*sk->lost += n;
	outlog_printf(sk->log, OL_WARN, "Lost %llu events", (unsigned long long)n);
}

static void sink_helper_error(struct output *o, const char *helper, int64_t retcode, int line,
			      int col, int last_col)
{
	struct sink *sk = sink_of(o);

	SINK_CAPTURE(sk, OL_WARN,
		     sk->text->ops->helper_error(sk->text, helper, retcode, line, col, last_col));
}

static void sink_message(struct output *o, enum msg_level lvl, const char *text)
{
	struct sink *sk = sink_of(o);

	switch (lvl) {
	case MSG_ERROR:
		outlog_printf(sk->log, OL_ERROR, "ERROR: %s", text);
		break;
	case MSG_WARNING:
		outlog_printf(sk->log, OL_WARN, "WARNING: %s", text);
		break;
	default:
		outlog_printf(sk->log, OL_INFO, "%s", text);
	}
}

static void sink_flush(struct output *o)
{
	(void)o;
}

static void sink_destroy(struct output *o)
{
	struct sink *sk = sink_of(o);

	if (!o)
		return;
	if (sk->text) {
		sk->text->out = stdout;     /* the text sink flushes its stream */
		sk->text->ops->destroy(sk->text);
	}
	free(sk);
}

static const struct output_ops sink_ops = {
	.attached = sink_attached,
	.text = sink_text,
	.map = sink_map,
	.value = sink_value,
	.exit_maps_begin = sink_exit_maps_begin,
	.lost_events = sink_lost_events,
	.helper_error = sink_helper_error,
	.message = sink_message,
	.flush = sink_flush,
	.destroy = sink_destroy,
};

struct output *sink_new(struct session *s, struct outlog *log, uint64_t *lost)
{
	struct sink *sk = calloc(1, sizeof(*sk));

	if (!sk)
		return NULL;
	sk->text = output_text_new(s, stdout);
	if (!sk->text) {
		free(sk);
		return NULL;
	}
	sk->o.ops = &sink_ops;
	sk->o.session = s;
	sk->log = log;
	sk->lost = lost;
	return &sk->o;
}
