/* hardware: PMU events (cycles, cache misses ...) on every online CPU, run
 * every `count` occurrences. Machines without a PMU (most VMs) refuse them, and
 * that is said plainly rather than as a bare perf_event_open errno. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/perf_event.h>
#include "../attach.h"
#include "../perf_events.h"

static int hardware_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	const struct attach_point *ap = ctx->ap;
	const struct perf_event_desc *ev = perf_event_find(PERF_KIND_HARDWARE, ap->target);
	struct perf_event_attr attr = {0};
	int i, err = 0;

	if (!ev) {
		snprintf(ctx->err, ctx->errlen, "unknown hardware event '%s'",
			 ap->target ? ap->target : "");
		return -ENOENT;
	}
	attr.type = ev->type;
	attr.config = ev->config;
	attr.sample_period = ap->freq ? ap->freq : ev->default_period;
	for (i = 0; i < ctx->ncpus && !err; i++)
		err = perf_attach(ctx, &attr, ctx->cpus[i], out);
	if (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV)
		snprintf(ctx->err, ctx->errlen,
			 "this machine has no hardware PMU events (perf_event_open: %s)",
			 strerror(-err));
	return err;
}

const struct probe_ops probe_hardware = {
	.kind = PK_HARDWARE,
	.attach_reverse = false,
	.attach = hardware_attach,
};
