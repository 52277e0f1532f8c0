/* kfunc: BPF_PROG_TYPE_TRACING programs on kernel function entry (fentry) and
 * return (fexit) through BPF trampolines. A program is verified against its one
 * target's BTF prototype, so the target (vmlinux or a module's BTF id) is found
 * before loading, and each attach point has a program of its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "../attach.h"
#include "../fallback.h"
#include "../features.h"

/* The kernel's BTF object of module mod (or, with mod NULL, of the first module
 * whose BTF has func): fd, and func's id in it. -ENOENT if none has it. */
static int module_btf_find(const char *mod, const char *func, int *fd_out, int *id_out)
{
	struct btf *base = features_vmlinux_btf(), *btf;
	struct bpf_btf_info info;
	char name[64];
	__u32 id = 0, len;
	int fd, fid;

	while (!bpf_btf_get_next_id(id, &id)) {
		fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		name[0] = '\0';
		info.name = (__u64)(uintptr_t)name;
		info.name_len = sizeof(name);
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.kernel_btf ||
		    !strcmp(name, "vmlinux") || (mod && strcmp(name, mod))) {
			close(fd);
			continue;
		}
		btf = btf__load_from_kernel_by_id_split(id, base);
		fid = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -ENOENT;
		btf__free(btf);
		if (fid > 0) {
			*fd_out = fd;
			*id_out = fid;
			return 0;
		}
		close(fd);
		if (mod)
			break;
	}
	return -ENOENT;
}

static int kfunc_prepare_common(const struct prog_unit *u, struct prog_load_info *li,
				bool ret, char *err, size_t errlen)
{
	const struct attach_point *ap = u->naps ? &u->aps[0] : NULL;
	const char *mod;
	struct btf *btf = features_vmlinux_btf();
	int id = -ENOENT, fd = -1;

	if (!ap || !ap->func) {
		snprintf(err, errlen, "no function to attach to");
		return -EINVAL;
	}
	if (u->naps > 1) {
		snprintf(err, errlen, "internal error: one fentry program for %d functions", u->naps);
		return -EINVAL;
	}
	if (!btf) {
		snprintf(err, errlen, "this kernel has no BTF (/sys/kernel/btf/vmlinux), which "
			 "fentry needs");
		return -ENOENT;
	}
	mod = ap->target && *ap->target && strcmp(ap->target, "vmlinux") ? ap->target : NULL;
	if (!mod)
		id = btf__find_by_name_kind(btf, ap->func, BTF_KIND_FUNC);
	if (id <= 0 && (mod || !ap->target) && module_btf_find(mod, ap->func, &fd, &id)) {
		snprintf(err, errlen, "no BTF for kernel function '%s'%s%s", ap->func,
			 mod ? " in module " : "", mod ? mod : "");
		return -ENOENT;
	}
	if (id <= 0) {
		snprintf(err, errlen, "no BTF for kernel function '%s'", ap->func);
		return -ENOENT;
	}
	li->expected_attach_type = ret ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
	li->attach_btf_id = id;
	li->attach_btf_obj_fd = fd;
	return 0;
}

static int kfunc_prepare(const struct prog_unit *u, struct prog_load_info *li, char *err,
			 size_t errlen)
{
	return kfunc_prepare_common(u, li, false, err, errlen);
}

static int kretfunc_prepare(const struct prog_unit *u, struct prog_load_info *li, char *err,
			    size_t errlen)
{
	return kfunc_prepare_common(u, li, true, err, errlen);
}

static int kfunc_attach(struct attach_ctx *ctx, struct rt_links *out)
{
	int fd, err;

	/* The target was fixed at load time; this makes the trampoline call us. */
	fd = bpf_raw_tracepoint_open(NULL, ctx->prog_fd);
	if (fd < 0) {
		fallback_attach_why(ctx->ap->kind, ctx->ap->func, 0, fd, ctx->err, ctx->errlen);
		return fd;
	}
	err = links_push(out, fd, -1);
	if (err)
		close(fd);
	return err;
}

const struct probe_ops probe_kfunc = {
	.kind = PK_KFUNC,
	/* A trampoline calls its fentry programs in attach order. */
	.attach_reverse = false,
	.attach = kfunc_attach,
	.prepare = kfunc_prepare,
};

const struct probe_ops probe_kretfunc = {
	.kind = PK_KRETFUNC,
	.attach_reverse = false,
	.attach = kfunc_attach,
	.prepare = kretfunc_prepare,
};
