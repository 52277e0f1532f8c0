/* features: what the running kernel can do for us, each probed lazily and once.
 * Owns every kernel capability test (prog/map types, helpers, attach kinds,
 * tracefs files) and the `--info` report built from them. */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include "features.h"
#include "kfuncs.h"
#include "perf_events.h"
#include "tracefs.h"

#ifndef BPFDECK_VERSION
#define BPFDECK_VERSION "v0.1"
#endif
#ifndef BPFDECK_LLVM_VERSION
#define BPFDECK_LLVM_VERSION "19"
#endif
/* The uprobe attach code resolves bare library names ("uprobe:libc:fread")
 * through ld.so.cache; the corpus keys libpath_resolv on this line. */
#ifndef BPFDECK_LIBPATH_RESOLUTION
#define BPFDECK_LIBPATH_RESOLUTION 1
#endif

/* Newer than the 6.1 UAPI headers Debian 12 ships. */
#define FEAT_BPF_TRACE_UPROBE_MULTI 48

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX_DW(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_DW(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define JLT_IMM(d, i, o) INSN(BPF_JMP | BPF_JLT | BPF_K, d, 0, o, i)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { FS_UNKNOWN, FS_NO, FS_YES };
static unsigned char feat_state[FEAT__COUNT];
static const char *feat_reason[FEAT__COUNT];

static const char *const feat_names[FEAT__COUNT] = {
	[FEAT_KPROBE] = "kprobe",
	[FEAT_UPROBE] = "uprobe",
	[FEAT_TRACEPOINT] = "tracepoint",
	[FEAT_PERF_EVENT] = "perf_event",
	[FEAT_RAW_TP_SPECIAL] = "raw_tp_special",
	[FEAT_KFUNC] = "kfunc",
	[FEAT_KPROBE_MULTI] = "kprobe_multi",
	[FEAT_UPROBE_MULTI] = "uprobe_multi",
	[FEAT_ITER_TASK] = "iter:task",
	[FEAT_ITER_TASK_FILE] = "iter:task_file",
	[FEAT_PERF_HW] = "hardware perf events",
	[FEAT_BTF] = "btf",
	[FEAT_LOOP] = "Loop support",
	[FEAT_MAP_BATCH] = "map batch",
	[FEAT_UPROBE_REFCOUNT] = "uprobe refcount",
	[FEAT_AVAIL_FILTER_FUNCS] = "available_filter_functions readable",
	[FEAT_MAP_HASH] = "hash",
	[FEAT_MAP_PERCPU_HASH] = "percpu hash",
	[FEAT_MAP_ARRAY] = "array",
	[FEAT_MAP_PERCPU_ARRAY] = "percpu array",
	[FEAT_MAP_STACK_TRACE] = "stack_trace",
	[FEAT_MAP_PERF_EVENT_ARRAY] = "perf_event_array",
	[FEAT_MAP_RINGBUF] = "ringbuf",
	[FEAT_HELPER_PROBE_READ] = "probe_read",
	[FEAT_HELPER_PROBE_READ_STR] = "probe_read_str",
	[FEAT_HELPER_PROBE_READ_USER] = "probe_read_user",
	[FEAT_HELPER_PROBE_READ_USER_STR] = "probe_read_user_str",
	[FEAT_HELPER_PROBE_READ_KERNEL] = "probe_read_kernel",
	[FEAT_HELPER_PROBE_READ_KERNEL_STR] = "probe_read_kernel_str",
	[FEAT_HELPER_GET_CURRENT_CGROUP_ID] = "get_current_cgroup_id",
	[FEAT_HELPER_SEND_SIGNAL] = "send_signal",
	[FEAT_HELPER_OVERRIDE_RETURN] = "override_return",
	[FEAT_HELPER_GET_BOOT_NS] = "get_boot_ns",
	[FEAT_HELPER_GET_FUNC_IP] = "get_func_ip",
	[FEAT_HELPER_D_PATH] = "dpath",
	[FEAT_HELPER_SKB_OUTPUT] = "skboutput",
};

const char *features_name(enum feature f)
{
	return f < FEAT__COUNT ? feat_names[f] : "?";
}

bool features_has_named(const char *name)
{
	for (int f = 0; f < FEAT__COUNT; f++)
		if (feat_names[f] && !strcmp(feat_names[f], name))
			return features_has(f);
	return false;
}

/* ---- kernel config ---- */

static int kconfig_scan_line(const char *line, const char *sym, size_t symlen)
{
	if (!strncmp(line, sym, symlen) && line[symlen] == '=')
		return line[symlen + 1] == 'm' ? 'm' : line[symlen + 1] == 'y' ? 'y' : 'n';
	if (!strncmp(line, "# ", 2) && !strncmp(line + 2, sym, symlen) &&
	    !strncmp(line + 2 + symlen, " is not set", 11))
		return 'n';
	return 0;
}

int features_kconfig(const char *sym)
{
	char line[512], path[300];
	struct utsname u;
	size_t symlen = strlen(sym);
	gzFile gz;
	int v = 0;

	/* gzopen reads plain files too, so one loop serves both places. */
	gz = gzopen("/proc/config.gz", "rb");
	if (!gz && !uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		gz = gzopen(path, "rb");
	}
	if (!gz)
		return -ENOENT;
	while (!v && gzgets(gz, line, sizeof(line)))
		v = kconfig_scan_line(line, sym, symlen);
	gzclose(gz);
	/* Options absent from a full config are off too. */
	return v ? v : 'n';
}

/* ---- loading probe programs ---- */

static int feat_load(enum bpf_prog_type type, enum bpf_attach_type eat, __u32 btf_id,
		     const struct bpf_insn *insns, size_t n, char *log, size_t logsz)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = eat,
		    .attach_btf_id = btf_id, .log_buf = log, .log_size = log ? logsz : 0,
		    .log_level = log ? 1 : 0);
	int fd;

	fd = bpf_prog_load(type, NULL, "GPL", insns, n, &opts);
	return fd >= 0 ? fd : -errno;
}

static bool feat_load_ok(enum bpf_prog_type type, enum bpf_attach_type eat, __u32 btf_id,
			 const struct bpf_insn *insns, size_t n)
{
	int fd = feat_load(type, eat, btf_id, insns, n, NULL, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* libbpf 1.1's libbpf_probe_bpf_helper() misses the newer verifier wording
 * "program of this type cannot use helper", so it calls override_return
 * present on kernels built without it; this looks for every wording. */
static bool feat_helper(enum bpf_prog_type type, enum bpf_attach_type eat, __u32 btf_id,
			int func_id)
{
	struct bpf_insn insns[] = { CALL(func_id), EXIT() };
	char log[4096] = "";
	int fd;

	fd = feat_load(type, eat, btf_id, insns, ARRAY_SIZE(insns), log, sizeof(log));
	if (fd >= 0) {
		close(fd);
		return true;
	}
	if (fd == -EPERM || !log[0])
		return false;
	return !strstr(log, "invalid func ") && !strstr(log, "unknown func ") &&
	       !strstr(log, "cannot use helper ") && !strstr(log, "helper call is not allowed");
}

struct btf *features_vmlinux_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = features_has(FEAT_BTF) ? btf__load_vmlinux_btf() : NULL;
	}
	return btf;
}

static int btf_func_id(const char *name)
{
	struct btf *btf = features_vmlinux_btf();

	return btf ? btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) : -ENOENT;
}

/* An fentry target that nothing calls outside BPF selftests, so attaching
 * for a moment costs nothing; do_nanosleep when the test hooks are missing. */
static int kfunc_target_id(void)
{
	int id = btf_func_id("bpf_fentry_test1");

	return id > 0 ? id : btf_func_id("do_nanosleep");
}

/* ---- individual probes ---- */

static bool path_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static bool tracefs_file_exists(const char *rel)
{
	char path[512];

	return !tracefs_path(path, sizeof(path), rel) && path_exists(path);
}

static bool probe_kprobe(void)
{
	if (path_exists("/sys/bus/event_source/devices/kprobe/type") ||
	    tracefs_file_exists("kprobe_events"))
		return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL) == 1;
	feat_reason[FEAT_KPROBE] = features_kconfig("CONFIG_KPROBES") == 'n' ?
		"CONFIG_KPROBES is off" :
		"no kprobe PMU and no tracefs kprobe_events";
	return false;
}

static bool probe_uprobe(void)
{
	if (path_exists("/sys/bus/event_source/devices/uprobe/type") ||
	    tracefs_file_exists("uprobe_events"))
		return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL) == 1;
	feat_reason[FEAT_UPROBE] = "no uprobe PMU and no tracefs uprobe_events";
	return false;
}

static bool probe_kfunc(void)
{
	struct bpf_insn insns[] = { MOV64_IMM(BPF_REG_0, 0), EXIT() };
	int id, fd, link;

	id = kfunc_target_id();
	if (id <= 0) {
		feat_reason[FEAT_KFUNC] = "no BTF for an fentry target";
		return false;
	}
	fd = feat_load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id, insns, ARRAY_SIZE(insns),
		       NULL, 0);
	if (fd < 0) {
		feat_reason[FEAT_KFUNC] = fd == -EPERM ? "fentry programs are refused with EPERM" :
			"fentry programs do not load";
		return false;
	}
	/* Loading is not enough: without ftrace trampolines the attach fails. */
	link = bpf_raw_tracepoint_open(NULL, fd);
	close(fd);
	if (link < 0) {
		feat_reason[FEAT_KFUNC] = "fentry programs load but do not attach";
		return false;
	}
	close(link);
	return true;
}

static bool probe_iter(const char *func)
{
	struct bpf_insn insns[] = { MOV64_IMM(BPF_REG_0, 0), EXIT() };
	int id = btf_func_id(func);

	return id > 0 &&
	       feat_load_ok(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, id, insns, ARRAY_SIZE(insns));
}

static bool probe_kprobe_multi(void)
{
	struct bpf_insn insns[] = { MOV64_IMM(BPF_REG_0, 0), EXIT() };
	LIBBPF_OPTS(bpf_link_create_opts, lopts);
	const char *sym = "ksys_read";
	int fd, link;

	fd = feat_load(BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0, insns, ARRAY_SIZE(insns),
		       NULL, 0);
	if (fd < 0)
		return false;
	lopts.kprobe_multi.syms = &sym;
	lopts.kprobe_multi.cnt = 1;
	link = bpf_link_create(fd, 0, BPF_TRACE_KPROBE_MULTI, &lopts);
	close(fd);
	if (link < 0)
		return false;
	close(link);
	return true;
}

/* The link_create attr of kernels >= 6.6, which libbpf 1.1 cannot build. */
struct uprobe_multi_attr {
	__u32 prog_fd, target_fd, attach_type, flags;
	__aligned_u64 path, offsets, ref_ctr_offsets, cookies;
	__u32 cnt, flags2, pid;
};

static bool probe_uprobe_multi(void)
{
	struct bpf_insn insns[] = { MOV64_IMM(BPF_REG_0, 0), EXIT() };
	union {
		union bpf_attr attr;
		struct uprobe_multi_attr um;
	} a;
	__u64 offset = 0;
	int fd, link, err;

	fd = feat_load(BPF_PROG_TYPE_KPROBE, FEAT_BPF_TRACE_UPROBE_MULTI, 0, insns,
		       ARRAY_SIZE(insns), NULL, 0);
	if (fd < 0)
		return false;
	/* Same test as newer libbpf: "/" is no ELF file, so a kernel that knows
	 * uprobe_multi answers EBADF, and one that does not answers EINVAL. */
	memset(&a, 0, sizeof(a));
	a.um.prog_fd = fd;
	a.um.target_fd = -1;
	a.um.attach_type = FEAT_BPF_TRACE_UPROBE_MULTI;
	a.um.path = (uintptr_t)"/";
	a.um.offsets = (uintptr_t)&offset;
	a.um.cnt = 1;
	link = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	err = link < 0 ? errno : 0;
	if (link >= 0)
		close(link);
	close(fd);
	return link < 0 && err == EBADF;
}

static bool probe_loop(void)
{
	struct bpf_insn insns[] = {
		MOV64_IMM(BPF_REG_0, 0),
		ADD64_IMM(BPF_REG_0, 1),
		JLT_IMM(BPF_REG_0, 4, -2),
		EXIT(),
	};

	return feat_load_ok(BPF_PROG_TYPE_TRACEPOINT, 0, 0, insns, ARRAY_SIZE(insns));
}

static bool probe_map_batch(void)
{
	__u32 keys[4], values[4], out_batch, count = 4;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, NULL, 4, 4, 4, NULL);
	if (fd < 0)
		return false;
	err = bpf_map_lookup_batch(fd, NULL, &out_batch, keys, values, &count, NULL);
	close(fd);
	/* An empty map ends the batch at once with ENOENT; old kernels say EINVAL. */
	return err == 0 || err == -ENOENT;
}

static bool probe_avail_filter_funcs(void)
{
	char path[512], c;
	bool ok;
	int fd;

	if (tracefs_path(path, sizeof(path), "available_filter_functions"))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = read(fd, &c, 1) == 1;
	close(fd);
	return ok;
}

static bool probe_d_path(void)
{
	struct bpf_insn insns[] = {
		LDX_DW(BPF_REG_1, BPF_REG_1, 0),	/* first argument: const struct path * */
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -8),
		MOV64_IMM(BPF_REG_6, 0),
		STX_DW(BPF_REG_10, BPF_REG_6, -8),
		MOV64_IMM(BPF_REG_3, 8),
		CALL(BPF_FUNC_d_path),
		MOV64_IMM(BPF_REG_0, 0),
		EXIT(),
	};
	int id;

	if (!features_has(FEAT_KFUNC))
		return false;
	/* d_path is only allowed on a fixed list of functions; dentry_open is one. */
	id = btf_func_id("dentry_open");
	return id > 0 &&
	       feat_load_ok(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id, insns, ARRAY_SIZE(insns));
}

static bool probe_skb_output(void)
{
	int id;

	if (!features_has(FEAT_KFUNC))
		return false;
	id = kfunc_target_id();
	return id > 0 &&
	       feat_helper(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id, BPF_FUNC_skb_output);
}

static bool kprobe_helper(int func_id)
{
	return feat_helper(BPF_PROG_TYPE_KPROBE, 0, 0, func_id);
}

static bool features_probe(enum feature f)
{
	switch (f) {
	case FEAT_KPROBE: return probe_kprobe();
	case FEAT_UPROBE: return probe_uprobe();
	case FEAT_TRACEPOINT: return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_TRACEPOINT, NULL) == 1;
	case FEAT_PERF_EVENT: return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_PERF_EVENT, NULL) == 1;
	case FEAT_RAW_TP_SPECIAL:
		return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL) == 1;
	case FEAT_KFUNC: return probe_kfunc();
	case FEAT_KPROBE_MULTI: return probe_kprobe_multi();
	case FEAT_UPROBE_MULTI: return probe_uprobe_multi();
	case FEAT_ITER_TASK: return probe_iter("bpf_iter_task");
	case FEAT_ITER_TASK_FILE: return probe_iter("bpf_iter_task_file");
	case FEAT_PERF_HW: return perf_hw_available();
	case FEAT_BTF: return path_exists("/sys/kernel/btf/vmlinux");
	case FEAT_LOOP: return probe_loop();
	case FEAT_MAP_BATCH: return probe_map_batch();
	case FEAT_UPROBE_REFCOUNT:
		return path_exists("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset");
	case FEAT_AVAIL_FILTER_FUNCS: return probe_avail_filter_funcs();
	case FEAT_MAP_HASH: return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_HASH, NULL) == 1;
	case FEAT_MAP_PERCPU_HASH: return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERCPU_HASH, NULL) == 1;
	case FEAT_MAP_ARRAY: return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_ARRAY, NULL) == 1;
	case FEAT_MAP_PERCPU_ARRAY:
		return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERCPU_ARRAY, NULL) == 1;
	case FEAT_MAP_STACK_TRACE: return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_STACK_TRACE, NULL) == 1;
	case FEAT_MAP_PERF_EVENT_ARRAY:
		return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERF_EVENT_ARRAY, NULL) == 1;
	case FEAT_MAP_RINGBUF: return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	case FEAT_HELPER_PROBE_READ: return kprobe_helper(BPF_FUNC_probe_read);
	case FEAT_HELPER_PROBE_READ_STR: return kprobe_helper(BPF_FUNC_probe_read_str);
	case FEAT_HELPER_PROBE_READ_USER: return kprobe_helper(BPF_FUNC_probe_read_user);
	case FEAT_HELPER_PROBE_READ_USER_STR: return kprobe_helper(BPF_FUNC_probe_read_user_str);
	case FEAT_HELPER_PROBE_READ_KERNEL: return kprobe_helper(BPF_FUNC_probe_read_kernel);
	case FEAT_HELPER_PROBE_READ_KERNEL_STR: return kprobe_helper(BPF_FUNC_probe_read_kernel_str);
	case FEAT_HELPER_GET_CURRENT_CGROUP_ID: return kprobe_helper(BPF_FUNC_get_current_cgroup_id);
	case FEAT_HELPER_SEND_SIGNAL: return kprobe_helper(BPF_FUNC_send_signal);
	case FEAT_HELPER_OVERRIDE_RETURN: return kprobe_helper(BPF_FUNC_override_return);
	case FEAT_HELPER_GET_BOOT_NS: return kprobe_helper(BPF_FUNC_ktime_get_boot_ns);
	case FEAT_HELPER_GET_FUNC_IP: return kprobe_helper(BPF_FUNC_get_func_ip);
	case FEAT_HELPER_D_PATH: return probe_d_path();
	case FEAT_HELPER_SKB_OUTPUT: return probe_skb_output();
	case FEAT__COUNT: break;
	}
	return false;
}

/* BPFDECK_DISABLE_FEATURES=kprobe,kfunc answers "no" as a kernel without them
 * would, so fallbacks are tested on kernels that have everything. */
bool features_env_disabled(const char *name)
{
	const char *p = getenv("BPFDECK_DISABLE_FEATURES");
	size_t n = strlen(name);

	for (; p && *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static bool feat_disabled(enum feature f)
{
	return features_env_disabled(feat_names[f]);
}

bool features_has(enum feature f)
{
	if (f >= FEAT__COUNT)
		return false;
	if (feat_state[f] == FS_UNKNOWN && feat_disabled(f)) {
		feat_state[f] = FS_NO;
		feat_reason[f] = "disabled by BPFDECK_DISABLE_FEATURES";
	}
	if (feat_state[f] == FS_UNKNOWN)
		feat_state[f] = features_probe(f) ? FS_YES : FS_NO;
	return feat_state[f] == FS_YES;
}

const char *features_why_not(enum feature f)
{
	if (f >= FEAT__COUNT || features_has(f))
		return NULL;
	return feat_reason[f];
}

int features_insn_limit(void)
{
	static int limit = -2;
	/* ld_imm64 makes the verifier print "processed 2 insns (limit N)". */
	struct bpf_insn insns[] = {
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_0, 0, 0, 0),
		INSN(0, 0, 0, 0, 0),
		EXIT(),
	};
	char log[4096] = "";
	const char *p;
	int fd;

	if (limit != -2)
		return limit;
	limit = -1;
	fd = feat_load(BPF_PROG_TYPE_KPROBE, 0, 0, insns, ARRAY_SIZE(insns), log, sizeof(log));
	if (fd < 0)
		return limit;
	close(fd);
	p = strstr(log, "processed 2 insns (limit ");
	if (p)
		limit = atoi(p + strlen("processed 2 insns (limit "));
	return limit;
}

/* ---- --info ---- */

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_feat(FILE *out, enum feature f)
{
	fprintf(out, "  %s: %s\n", feat_names[f], yes_no(features_has(f)));
}

static void print_feat_reason(FILE *out, enum feature f)
{
	const char *why = features_why_not(f);

	if (why)
		fprintf(out, "  %s: no (%s)\n", feat_names[f], why);
	else
		print_feat(out, f);
}

void features_print_info(FILE *out)
{
	static const enum feature helpers[] = {
		FEAT_HELPER_PROBE_READ, FEAT_HELPER_PROBE_READ_STR, FEAT_HELPER_PROBE_READ_USER,
		FEAT_HELPER_PROBE_READ_USER_STR, FEAT_HELPER_PROBE_READ_KERNEL,
		FEAT_HELPER_PROBE_READ_KERNEL_STR, FEAT_HELPER_GET_CURRENT_CGROUP_ID,
		FEAT_HELPER_SEND_SIGNAL, FEAT_HELPER_OVERRIDE_RETURN, FEAT_HELPER_GET_BOOT_NS,
		FEAT_HELPER_D_PATH, FEAT_HELPER_SKB_OUTPUT,
	};
	static const enum feature maps[] = {
		FEAT_MAP_HASH, FEAT_MAP_PERCPU_HASH, FEAT_MAP_ARRAY, FEAT_MAP_PERCPU_ARRAY,
		FEAT_MAP_STACK_TRACE, FEAT_MAP_PERF_EVENT_ARRAY,
	};
	static const enum feature probes[] = {
		FEAT_KPROBE, FEAT_TRACEPOINT, FEAT_PERF_EVENT, FEAT_KFUNC, FEAT_ITER_TASK,
		FEAT_ITER_TASK_FILE, FEAT_KPROBE_MULTI, FEAT_RAW_TP_SPECIAL,
	};
	const char *root = tracefs_root();
	struct utsname u;
	bool kprobe, umulti;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	fprintf(out, "System\n  OS: %s %s %s\n  Arch: %s\n\n", u.sysname, u.release, u.version,
		u.machine);

	fprintf(out, "Build\n  version: %s\n  LLVM: %s\n", BPFDECK_VERSION, BPFDECK_LLVM_VERSION);
	fprintf(out, "  unsafe uprobe: no\n  bfd: no\n  libdw (DWARF support): no\n");
	fprintf(out, "  bcc library path resolution: %s\n\n", yes_no(BPFDECK_LIBPATH_RESOLUTION));

	fprintf(out, "Kernel helpers\n");
	for (size_t i = 0; i < ARRAY_SIZE(helpers); i++)
		print_feat(out, helpers[i]);

	fprintf(out, "\nKernel features\n  Instruction limit: %d\n", features_insn_limit());
	print_feat(out, FEAT_LOOP);
	print_feat(out, FEAT_BTF);
	print_feat(out, FEAT_MAP_BATCH);
	fprintf(out, "  uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount): %s\n",
		yes_no(features_has(FEAT_UPROBE_REFCOUNT)));

	fprintf(out, "\nMap types\n");
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++)
		print_feat(out, maps[i]);

	fprintf(out, "\nProbe types\n");
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++)
		print_feat(out, probes[i]);

	/* Ours, after bpftrace's layout so greps written for bpftrace still work. */
	kprobe = features_has(FEAT_KPROBE);
	umulti = features_has(FEAT_UPROBE_MULTI);
	fprintf(out, "\nbpfdeck\n  tracefs: %s\n", root ? root : "not mounted");
	print_feat_reason(out, FEAT_KPROBE);
	print_feat_reason(out, FEAT_UPROBE);
	print_feat(out, FEAT_UPROBE_MULTI);
	print_feat_reason(out, FEAT_KFUNC);
	print_feat(out, FEAT_MAP_RINGBUF);
	print_feat(out, FEAT_HELPER_GET_FUNC_IP);
	print_feat(out, FEAT_PERF_HW);
	print_feat(out, FEAT_AVAIL_FILTER_FUNCS);
	fprintf(out, "  kernel functions from: %s\n", kfuncs_source_name(kfuncs_source(false)));
	fprintf(out, "  attach fallbacks: kprobe wildcards -> %s; uprobe wildcards -> %s; "
		"kfunc -> %s\n",
		!kprobe ? "unavailable" : features_has(FEAT_KPROBE_MULTI) ? "kprobe_multi" :
		"one kprobe per function",
		umulti ? "uprobe_multi" : "one uprobe per function",
		features_has(FEAT_KFUNC) ? "fentry" : kprobe ? "kprobe" : "unavailable");
	fprintf(out, "\n");
}
