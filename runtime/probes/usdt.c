/* usdt: a uprobe on each location of a USDT probe. Semaphores (is-enabled
 * counters some probes guard their arguments with) are counted by the kernel
 * through ref_ctr_offset, in every process that maps the file, present or
 * future: so -p, --usdt-file-activation and no flag at all behave alike. */
#include "uprobe.h"

static int usdt_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	return uprobe_attach_common(ctx, false, out);
}

const struct probe_ops probe_usdt = {
	.kind = PK_USDT,
	.attach_reverse = true,
	.attach = usdt_attach,
	.prepare = uprobe_prepare,
};
