/* software: kernel software perf events (faults, context switches ...) on every
 * online CPU, BPF_PROG_TYPE_PERF_EVENT run every `count` occurrences; names and
 * default counts come from perf_events.c (bpftrace 0.17's table). */
#include <errno.h>
#include <stdio.h>
#include <linux/perf_event.h>
#include "../attach.h"
#include "../perf_events.h"

static int software_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	const struct attach_point *ap = ctx->ap;
	const struct perf_event_desc *ev = perf_event_find(PERF_KIND_SOFTWARE, ap->target);
	struct perf_event_attr attr = {0};
	int i, err = 0;

	if (!ev) {
		snprintf(ctx->err, ctx->errlen, "unknown software event '%s'",
			 ap->target ? ap->target : "");
		return -ENOENT;
	}
	attr.type = ev->type;
	attr.config = ev->config;
	attr.sample_period = ap->freq ? ap->freq : ev->default_period;
	for (i = 0; i < ctx->ncpus && !err; i++)
		err = perf_attach(ctx, &attr, ctx->cpus[i], out);
	return err;
}

const struct probe_ops probe_software = {
	.kind = PK_SOFTWARE,
	/* A software event's handlers sit on a list that grows at its head. */
	.attach_reverse = true,
	.attach = software_attach,
};
