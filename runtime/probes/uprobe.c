/* uprobe: uprobe and uretprobe on a file offset the compiler resolved (symbol,
 * symbol+offset or address), in every process or only the -p one. One perf
 * event of the uprobe PMU per attach point, or, on kernels with uprobe_multi,
 * one link per file for all attach points of a program: a wildcard over libc's
 * functions then attaches (and detaches) in milliseconds instead of seconds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include "../features.h"
#include "uprobe.h"

#define PMU_DIR "/sys/bus/event_source/devices/uprobe"
/* Newer than the 6.1 UAPI headers Debian 12 ships. */
#define UPROBE_MULTI_ATTACH_TYPE 48     /* BPF_TRACE_UPROBE_MULTI */
#define UPROBE_MULTI_RETURN 1u          /* BPF_F_UPROBE_MULTI_RETURN */

/* link_create for uprobe_multi (Linux 6.6), which libbpf 1.1 cannot build. */
struct uprobe_multi_attr {
	__u32 prog_fd, target_fd, attach_type, flags;
	__aligned_u64 path, offsets, ref_ctr_offsets, cookies;
	__u32 cnt, flags2, pid;
};

/* "config:32-63" -> 32 */
static int format_bit(const char *name, int def)
{
	char path[128], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), PMU_DIR "/format/%s", name);
	f = fopen(path, "re");
	if (!f)
		return def;
	if (fgets(buf, sizeof(buf), f) && !strncmp(buf, "config:", 7))
		def = atoi(buf + 7);
	fclose(f);
	return def;
}

static int uprobe_pmu(int *type, int *ret_bit, int *ref_shift)
{
	static int pmu_type = -2, rbit, rshift;
	FILE *f;

	if (pmu_type == -2) {
		f = fopen(PMU_DIR "/type", "re");
		if (!f || fscanf(f, "%d", &pmu_type) != 1)
			pmu_type = -1;
		if (f)
			fclose(f);
		rbit = format_bit("retprobe", 0);
		rshift = format_bit("ref_ctr_offset", 32);
	}
	*type = pmu_type;
	*ret_bit = rbit;
	*ref_shift = rshift;
	return pmu_type >= 0 ? 0 : -ENOENT;
}

/* Several attach points, one file each time or not: uprobe_multi takes them
 * in one link per file. */
int uprobe_prepare(const struct prog_unit *u, struct prog_load_info *li, char *err,
		   size_t errlen)
{
	if (u->naps < 2 || getenv("BPFDECK_NO_UPROBE_MULTI") || !features_has(FEAT_UPROBE_MULTI))
		return 0;
	for (int i = 0; i < u->naps; i++)
		if (!u->aps[i].path)
			return 0;
	li->multi = true;
	li->expected_attach_type = UPROBE_MULTI_ATTACH_TYPE;
	return 0;
}

static const char *why_errno(int err)
{
	switch (err) {
	case -ENOENT:
		return "the file does not exist";
	case -EINVAL:
		return "the kernel refused the offset (outside the file, or a semaphore offset "
		       "that differs from another probe's at the same place)";
	case -EPERM:
	case -EACCES:
		return "permission denied (bpfdeck needs root or CAP_PERFMON+CAP_BPF)";
	case -ESRCH:
		return "no such process";
	case -524: /* ENOTSUPP */
		return "the kernel cannot probe the instruction there (x86: lock or segment "
		       "prefixes, AVX encodings, traps)";
	default:
		return strerror(-err);
	}
}

static int multi_link(struct attach_ctx *ctx, const char *path, int first, bool ret,
		      struct rt_links *out)
{
	const struct prog_unit *u = ctx->unit;
	struct uprobe_multi_attr a;
	__u64 *offs, *refs, *cookies;
	int n = 0, fd, err;
	bool any_ref = false;

	offs = calloc(u->naps, sizeof(*offs));
	refs = calloc(u->naps, sizeof(*refs));
	cookies = calloc(u->naps, sizeof(*cookies));
	if (!offs || !refs || !cookies) {
		err = -ENOMEM;
		snprintf(ctx->err, ctx->errlen, "out of memory");
		goto out;
	}
	for (int i = first; i < u->naps; i++) {
		if (strcmp(u->aps[i].path, path))
			continue;
		offs[n] = u->aps[i].file_offset;
		refs[n] = u->aps[i].ref_ctr_offset;
		cookies[n] = u->aps[i].cookie;
		any_ref |= refs[n] != 0;
		n++;
	}
	memset(&a, 0, sizeof(a));
	a.prog_fd = ctx->prog_fd;
	a.attach_type = UPROBE_MULTI_ATTACH_TYPE;
	a.path = (uintptr_t)path;
	a.offsets = (uintptr_t)offs;
	a.ref_ctr_offsets = any_ref ? (uintptr_t)refs : 0;
	a.cookies = (uintptr_t)cookies;
	a.cnt = n;
	a.flags2 = ret ? UPROBE_MULTI_RETURN : 0;
	a.pid = u->aps[first].pid > 0 ? u->aps[first].pid : 0;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	if (fd < 0) {
		err = -errno;
		snprintf(ctx->err, ctx->errlen, "uprobe_multi link for %d location%s in %s: %s", n,
			 n == 1 ? "" : "s", path, why_errno(err));
		goto out;
	}
	err = links_push(out, fd, -1);
	if (err)
		close(fd);
out:
	free(offs);
	free(refs);
	free(cookies);
	return err;
}

/* All attach points of the program, one link per file, made at the first. */
static int multi_attach(struct attach_ctx *ctx, bool ret, struct rt_links *out)
{
	const struct prog_unit *u = ctx->unit;
	int err = 0;

	if (ctx->ap_index)
		return 0;
	for (int i = 0; i < u->naps && !err; i++) {
		bool seen = false;

		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(u->aps[j].path, u->aps[i].path);
		if (!seen)
			err = multi_link(ctx, u->aps[i].path, i, ret, out);
	}
	return err;
}

int uprobe_attach_common(struct attach_ctx *ctx, bool ret, struct rt_links *out)
{
	const struct attach_point *ap = ctx->ap;
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	struct perf_event_attr attr = {0};
	int type, rbit, rshift, pfd, lfd, pid, err;

	if (!ap->path) {
		snprintf(ctx->err, ctx->errlen, "no file resolved for this probe");
		return -ENOENT;
	}
	if (ctx->li && ctx->li->multi)
		return multi_attach(ctx, ret, out);
	if (uprobe_pmu(&type, &rbit, &rshift)) {
		snprintf(ctx->err, ctx->errlen,
			 "this kernel has no uprobe PMU (" PMU_DIR "; Linux 4.17 or later)");
		return -EOPNOTSUPP;
	}
	attr.size = sizeof(attr);
	attr.type = type;
	attr.config = (ret ? 1ull << rbit : 0) | (ap->ref_ctr_offset << rshift);
	attr.config1 = (__u64)(uintptr_t)ap->path;     /* uprobe_path */
	attr.config2 = ap->file_offset;                 /* probe_offset */
	pid = ap->pid > 0 ? ap->pid : -1;
	pfd = syscall(__NR_perf_event_open, &attr, pid, pid > 0 ? -1 : 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		err = -errno;
		if (pid > 0)
			snprintf(ctx->err, ctx->errlen, "%s at offset 0x%llx in process %d: %s",
				 ap->path, (unsigned long long)ap->file_offset, pid, why_errno(err));
		else
			snprintf(ctx->err, ctx->errlen, "%s at offset 0x%llx: %s", ap->path,
				 (unsigned long long)ap->file_offset, why_errno(err));
		return err;
	}
	lopts.perf_event.bpf_cookie = ap->cookie;
	lfd = bpf_link_create(ctx->prog_fd, pfd, BPF_PERF_EVENT, &lopts);
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

static int uprobe_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	return uprobe_attach_common(ctx, false, out);
}

static int uretprobe_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	return uprobe_attach_common(ctx, true, out);
}

const struct probe_ops probe_uprobe = {
	.kind = PK_UPROBE,
	/* A uprobe's consumers sit on a list that grows at its head. */
	.attach_reverse = true,
	.attach = uprobe_attach,
	.prepare = uprobe_prepare,
};

const struct probe_ops probe_uretprobe = {
	.kind = PK_URETPROBE,
	.attach_reverse = true,
	.attach = uretprobe_attach,
	.prepare = uprobe_prepare,
};
