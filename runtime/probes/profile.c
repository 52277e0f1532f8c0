/* profile: a cpu-clock perf event on every online CPU, at a rate (hz) or a
 * period (s/ms/us); BPF_PROG_TYPE_PERF_EVENT, one link per CPU. */
#include <errno.h>
#include <linux/perf_event.h>
#include "../attach.h"

static int profile_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	const struct attach_point *ap = ctx->ap;
	struct perf_event_attr attr = {0};
	int i, err = 0;

	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	if (ap->period_ns) {
		attr.sample_period = ap->period_ns;
	} else {
		attr.freq = 1;
		attr.sample_freq = ap->freq;
	}
	/* On error the caller closes what out already holds. */
	for (i = 0; i < ctx->ncpus && !err; i++)
		err = perf_attach(ctx, &attr, ctx->cpus[i], out);
	return err;
}

const struct probe_ops probe_profile = {
	.kind = PK_PROFILE,
	.attach_reverse = false,
	.attach = profile_attach,
};
