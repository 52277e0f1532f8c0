/* tracepoint: BPF_PROG_TYPE_TRACEPOINT programs on a tracefs event.
 * One counting perf event (cpu 0, no sample_period) is enough: the kernel runs
 * a tracepoint's programs on every CPU, and a program returning 0 skips perf. */
#include <errno.h>
#include <stdio.h>
#include <linux/perf_event.h>
#include "../attach.h"
#include "../tracefs.h"

static int tracepoint_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	const struct attach_point *ap = ctx->ap;
	struct perf_event_attr attr = {0};
	int id = ap->tp_id;

	if (id < 0 && ap->target && ap->func)
		id = tracefs_tp_id(ap->target, ap->func);
	if (id < 0) {
		snprintf(ctx->err, ctx->errlen, "tracepoint not found: %s:%s",
			 ap->target ? ap->target : "?", ap->func ? ap->func : "?");
		return -ENOENT;
	}
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = id;
	return perf_attach(ctx, &attr, 0, out);
}

const struct probe_ops probe_tracepoint = {
	.kind = PK_TRACEPOINT,
	/* Tracepoint programs live in one array per event, run in attach order. */
	.attach_reverse = false,
	.attach = tracepoint_attach,
};
