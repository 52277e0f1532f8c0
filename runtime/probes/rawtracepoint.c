/* rawtracepoint: BPF_PROG_TYPE_RAW_TRACEPOINT on a kernel tracepoint by name,
 * with the tracepoint's raw arguments as context. No perf event is involved,
 * so detaching costs well under a millisecond instead of grace periods. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "../attach.h"

static int rawtracepoint_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	int fd, err;

	fd = bpf_raw_tracepoint_open(ctx->ap->func, ctx->prog_fd);
	if (fd < 0) {
		snprintf(ctx->err, ctx->errlen, "%s", fd == -ENOENT ? "no such raw tracepoint" :
			 fd == -EINVAL ? "the program reads more arguments (argN) than the raw "
			 "tracepoint has" : strerror(-fd));
		return fd;
	}
	err = links_push(out, fd, -1);
	if (err)
		close(fd);
	return err;
}

const struct probe_ops probe_rawtracepoint = {
	.kind = PK_RAWTRACEPOINT,
	/* Probes of one tracepoint are called in registration order. */
	.attach_reverse = false,
	.attach = rawtracepoint_attach,
};
