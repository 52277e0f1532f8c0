/* interval: a cpu-clock perf event on one CPU firing every period.
 * BPF_PROG_TYPE_PERF_EVENT; bpftrace runs interval probes on CPU 0 only, so a
 * period fires once, not once per CPU as profile does. */
#include <linux/perf_event.h>
#include "../attach.h"

static int interval_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	const struct attach_point *ap = ctx->ap;
	struct perf_event_attr attr = {0};

	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	if (ap->period_ns) {
		attr.sample_period = ap->period_ns;
	} else {
		attr.freq = 1;
		attr.sample_freq = ap->freq;
	}
	return perf_attach(ctx, &attr, ctx->ncpus ? ctx->cpus[0] : 0, out);
}

const struct probe_ops probe_interval = {
	.kind = PK_INTERVAL,
	/* Separate hrtimers: they expire in the order they were started. */
	.attach_reverse = false,
	.attach = interval_attach,
};
