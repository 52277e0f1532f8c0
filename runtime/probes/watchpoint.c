/* watchpoint: hardware breakpoints on a data address (watchpoint:ADDR:LEN:MODE),
 * BPF_PROG_TYPE_PERF_EVENT run on every access. In a process (-p/-c) the address
 * is the process's; without one it is a kernel address, watched on every CPU.
 * Where the CPU or hypervisor has no debug registers this is said plainly. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include "../attach.h"

/* ap->offset: address; ap->freq: length in bytes; ap->target: mode ("rw", "x" ...). */
static int watchpoint_type(const char *mode, int *type)
{
	*type = 0;
	for (const char *c = mode ? mode : ""; *c; c++) {
		switch (*c) {
		case 'r': *type |= HW_BREAKPOINT_R; break;
		case 'w': *type |= HW_BREAKPOINT_W; break;
		case 'x': *type |= HW_BREAKPOINT_X; break;
		default: return -EINVAL;
		}
	}
	return *type ? 0 : -EINVAL;
}

static int watchpoint_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	const struct attach_point *ap = ctx->ap;
	struct perf_event_attr attr = {0};
	int type, i, pfd, lfd, err = 0;
	int n = ctx->pid > 0 ? 1 : ctx->ncpus;

	if (watchpoint_type(ap->target, &type)) {
		snprintf(ctx->err, ctx->errlen, "invalid mode '%s' (r, w, x or a mix)",
			 ap->target ? ap->target : "");
		return -EINVAL;
	}
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_BREAKPOINT;
	attr.bp_type = type;
	attr.bp_addr = ap->offset;
	attr.bp_len = ap->freq;
	attr.sample_period = 1;
	attr.precise_ip = 2;    /* the program sees the accessing instruction's registers */
	for (i = 0; i < n && !err; i++) {
		pfd = syscall(__NR_perf_event_open, &attr, ctx->pid > 0 ? ctx->pid : -1,
			      ctx->pid > 0 ? -1 : ctx->cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0 && errno == EINVAL && attr.precise_ip) {
			attr.precise_ip = 0;
			i--;
			continue;
		}
		if (pfd < 0) {
			err = -errno;
			if (err == -ENOSPC)
				snprintf(ctx->err, ctx->errlen, "every hardware debug register is in use "
					 "(x86 has 4)");
			else if (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV)
				snprintf(ctx->err, ctx->errlen, "this machine has no hardware "
					 "breakpoints (perf_event_open: %s)", strerror(-err));
			else if (err == -EINVAL)
				snprintf(ctx->err, ctx->errlen, "the CPU cannot watch %llu bytes at 0x%llx "
					 "for '%s' (length 1, 2, 4 or 8 at an aligned address; x needs 8)",
					 (unsigned long long)ap->freq, (unsigned long long)ap->offset,
					 ap->target);
			else
				snprintf(ctx->err, ctx->errlen, "perf_event_open: %s", strerror(-err));
			break;
		}
		lfd = bpf_link_create(ctx->prog_fd, pfd, BPF_PERF_EVENT, NULL);
		if (lfd < 0) {
			err = lfd;
			snprintf(ctx->err, ctx->errlen, "bpf_link_create: %s", strerror(-err));
			close(pfd);
			break;
		}
		err = links_push(out, lfd, pfd);
		if (err) {
			close(lfd);
			close(pfd);
		}
	}
	return err;
}

const struct probe_ops probe_watchpoint = {
	.kind = PK_WATCHPOINT,
	.attach_reverse = false,
	.attach = watchpoint_attach,
};
