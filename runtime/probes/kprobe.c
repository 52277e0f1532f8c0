/* kprobe: BPF_PROG_TYPE_KPROBE programs on kernel functions (entry, +offset,
 * MODULE:function) and their returns. One perf event of the kprobe PMU per
 * function, or, for a wildcard's matches on kernels with kprobe_multi, one link
 * for all of them (attaching and detaching thousands then takes milliseconds). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include "../attach.h"
#include "../fallback.h"
#include "../features.h"

#define PMU_DIR "/sys/bus/event_source/devices/kprobe"
#ifndef BPF_F_KPROBE_MULTI_RETURN
#define BPF_F_KPROBE_MULTI_RETURN (1U << 0)
#endif

static int read_int_file(const char *path, int *out)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", out) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* The kprobe PMU's type, and the config bit that makes it a return probe
 * (format/retprobe reads "config:0"). */
static int kprobe_pmu(int *type, int *ret_bit)
{
	static int pmu_type = -2, bit = 0;
	char buf[64] = "";
	FILE *f;

	if (pmu_type == -2) {
		if (read_int_file(PMU_DIR "/type", &pmu_type))
			pmu_type = -1;
		f = fopen(PMU_DIR "/format/retprobe", "re");
		if (f) {
			if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "config:", 7))
				bit = atoi(buf + 7);
			fclose(f);
		}
	}
	*type = pmu_type;
	*ret_bit = bit;
	return pmu_type >= 0 ? 0 : -ENOENT;
}

/* The name the kernel resolves: "func", or "module:func" for a module's function. */
static void kprobe_symbol(const struct attach_point *ap, char *buf, size_t len)
{
	if (ap->target && *ap->target && strcmp(ap->target, "vmlinux"))
		snprintf(buf, len, "%s:%s", ap->target, ap->func);
	else
		snprintf(buf, len, "%s", ap->func);
}

/* kprobe_multi takes plain vmlinux names at entry offset 0, for a wildcard's matches. */
static bool kprobe_multi_fits(const struct prog_unit *u)
{
	if (u->naps < 2 || !features_has(FEAT_KPROBE_MULTI))
		return false;
	for (int i = 0; i < u->naps; i++) {
		const struct attach_point *ap = &u->aps[i];

		if (!ap->wildcard || ap->offset ||
		    (ap->target && *ap->target && strcmp(ap->target, "vmlinux")))
			return false;
	}
	return true;
}

static int kprobe_prepare(const struct prog_unit *u, struct prog_load_info *li, char *err,
			  size_t errlen)
{
	li->multi = kprobe_multi_fits(u);
	if (li->multi)
		li->expected_attach_type = BPF_TRACE_KPROBE_MULTI;
	return 0;
}

static int kprobe_multi_attach(struct attach_ctx *ctx, bool ret, struct rt_links *out)
{
	const struct prog_unit *u = ctx->unit;
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	const char **syms;
	__u64 *cookies;
	int i, fd, err;

	/* One link holds every attach point; it is made for the first of them. */
	if (ctx->ap_index)
		return 0;
	syms = calloc(u->naps, sizeof(*syms));
	cookies = calloc(u->naps, sizeof(*cookies));
	if (!syms || !cookies) {
		free(syms);
		free(cookies);
		snprintf(ctx->err, ctx->errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < u->naps; i++) {
		syms[i] = u->aps[i].func;
		cookies[i] = u->aps[i].cookie;
	}
	opts.kprobe_multi.syms = syms;
	opts.kprobe_multi.cnt = u->naps;
	opts.kprobe_multi.cookies = cookies;
	opts.kprobe_multi.flags = ret ? BPF_F_KPROBE_MULTI_RETURN : 0;
	fd = bpf_link_create(ctx->prog_fd, 0, BPF_TRACE_KPROBE_MULTI, &opts);
	free(syms);
	free(cookies);
	if (fd < 0) {
		snprintf(ctx->err, ctx->errlen, "kprobe_multi link for %d functions: %s", u->naps,
			 strerror(-fd));
		return fd;
	}
	err = links_push(out, fd, -1);
	if (err)
		close(fd);
	return err;
}

static int kprobe_attach_common(struct attach_ctx *ctx, bool ret, struct rt_links *out)
{
	const struct attach_point *ap = ctx->ap;
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	struct perf_event_attr attr = {0};
	int type, bit, pfd, lfd, err;
	char sym[512];

	if (ctx->li && ctx->li->multi)
		return kprobe_multi_attach(ctx, ret, out);
	if (kprobe_pmu(&type, &bit)) {
		if (!features_has(FEAT_KPROBE))
			fallback_probe_support(ret ? PK_KRETPROBE : PK_KPROBE, ap->func, &type,
					       ctx->err, ctx->errlen);
		else
			snprintf(ctx->err, ctx->errlen,
				 "this kernel has no kprobe PMU (" PMU_DIR "; Linux 4.17 or later)");
		return -EOPNOTSUPP;
	}
	kprobe_symbol(ap, sym, sizeof(sym));
	attr.size = sizeof(attr);
	attr.type = type;
	attr.config = ret ? 1ull << bit : 0;
	attr.config1 = (__u64)(uintptr_t)sym;   /* kprobe_func */
	attr.config2 = ap->offset;              /* probe_offset */
	pfd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		err = -errno;
		fallback_attach_why(ctx->ap->kind, ap->func, ap->offset, err, ctx->err, ctx->errlen);
		return err;
	}
	lopts.perf_event.bpf_cookie = ap->cookie;
	lfd = bpf_link_create(ctx->prog_fd, pfd, BPF_PERF_EVENT, &lopts);
	if (lfd < 0 && (lfd == -EINVAL || lfd == -EOPNOTSUPP)) {
		/* Before Linux 5.15 no perf-event links (and no cookies): the perf
		 * event itself holds the program, and closing it detaches. */
		if (!ioctl(pfd, PERF_EVENT_IOC_SET_BPF, ctx->prog_fd) &&
		    !ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
			err = links_push(out, -1, pfd);
			if (err)
				close(pfd);
			return err;
		}
	}
	if (lfd < 0) {
		snprintf(ctx->err, ctx->errlen, "bpf_link_create: %s", strerror(-lfd));
		close(pfd);
		return lfd;
	}
	err = links_push(out, lfd, pfd);
	if (err) {
		close(lfd);
		close(pfd);
	}
	return err;
}

static int kprobe_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	return kprobe_attach_common(ctx, false, out);
}

static int kretprobe_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	return kprobe_attach_common(ctx, true, out);
}

const struct probe_ops probe_kprobe = {
	.kind = PK_KPROBE,
	/* Probes on one address are called newest first (the kernel adds each new
	 * kprobe at the head of the address's list). */
	.attach_reverse = true,
	.attach = kprobe_attach,
	.prepare = kprobe_prepare,
};

const struct probe_ops probe_kretprobe = {
	.kind = PK_KRETPROBE,
	/* Return handlers are taken from a stack on return: the entry order of newest
	 * first comes out oldest first, so they attach in script order. */
	.attach_reverse = false,
	.attach = kretprobe_attach,
	.prepare = kprobe_prepare,
};
