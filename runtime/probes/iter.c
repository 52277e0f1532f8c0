/* iter: BPF iterators (iter:task, iter:task_file), BPF_PROG_TYPE_TRACING with
 * BPF_TRACE_ITER. Nothing in the kernel fires them: after BEGIN the runtime
 * reads the iterator once, which runs the program per task (or open file), and
 * the run then ends, as in bpftrace. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "../attach.h"
#include "../features.h"

static int iter_prepare(const struct prog_unit *u, struct prog_load_info *li, char *err,
			size_t errlen)
{
	const struct attach_point *ap = u->naps ? &u->aps[0] : NULL;
	char name[128];
	struct btf *btf;
	int id;

	if (!ap || !ap->func || (strcmp(ap->func, "task") && strcmp(ap->func, "task_file"))) {
		snprintf(err, errlen, "unknown iterator '%s' (iter:task and iter:task_file are known)",
			 ap && ap->func ? ap->func : "");
		return -ENOENT;
	}
	btf = features_vmlinux_btf();
	if (!btf) {
		snprintf(err, errlen, "this kernel has no BTF, which iterators need");
		return -ENOENT;
	}
	/* The kernel declares each iterator target as a function bpf_iter_<name>. */
	snprintf(name, sizeof(name), "bpf_iter_%s", ap->func);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id <= 0) {
		snprintf(err, errlen, "this kernel has no %s iterator (Linux 5.8 or later)", ap->func);
		return -ENOENT;
	}
	li->expected_attach_type = BPF_TRACE_ITER;
	li->attach_btf_id = id;
	return 0;
}

static int iter_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	int fd, err;

	fd = bpf_link_create(ctx->prog_fd, 0, BPF_TRACE_ITER, NULL);
	if (fd < 0) {
		snprintf(ctx->err, ctx->errlen, "bpf_link_create: %s", strerror(-fd));
		return fd;
	}
	err = links_push(out, fd, -1);
	if (err)
		close(fd);
	return err;
}

/* Each read() runs the program over the next batch of objects; EOF ends it. */
static int iter_run(const struct rt_link *l, char *err, size_t errlen)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = bpf_iter_create(l->link_fd);
	if (fd < 0) {
		snprintf(err, errlen, "bpf_iter_create: %s", strerror(-fd));
		return fd;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
	n = n < 0 ? -errno : 0;
	close(fd);
	if (n)
		snprintf(err, errlen, "reading the iterator: %s", strerror((int)-n));
	return (int)n;
}

const struct probe_ops probe_iter = {
	.kind = PK_ITER,
	.attach_reverse = false,
	.attach = iter_attach,
	.prepare = iter_prepare,
	.run = iter_run,
};
