/* sysraw: syscall tracepoints served by the raw sys_enter/sys_exit tracepoints.
 * Detaching a perf-event tracepoint waits for two RCU grace periods under a
 * kernel-wide mutex (~50 ms per tracepoint, one after another); a raw tracepoint
 * link detaches in well under a millisecond. A program that never reads its
 * context runs the same either way, so it is loaded as a raw tracepoint program
 * behind a prologue that does what the perf handler does first: keep only its
 * syscalls (an array map indexed by syscall number) and skip 32-bit syscalls.
 * x86-64 only: the syscall numbers come from its table below. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "rt_priv.h"

#if defined(__x86_64__)
/* Event names by syscall number: arch/x86/entry/syscalls/syscall_64.tbl's entry
 * points without "sys_" (so 4 is "newstat", as tracefs names its event). */
static const char *const sys_names[] = {
	[0] = "read", [1] = "write", [2] = "open", [3] = "close", [4] = "newstat",
	[5] = "newfstat", [6] = "newlstat", [7] = "poll", [8] = "lseek", [9] = "mmap",
	[10] = "mprotect", [11] = "munmap", [12] = "brk", [13] = "rt_sigaction",
	[14] = "rt_sigprocmask", [15] = "rt_sigreturn", [16] = "ioctl", [17] = "pread64",
	[18] = "pwrite64", [19] = "readv", [20] = "writev", [21] = "access", [22] = "pipe",
	[23] = "select", [24] = "sched_yield", [25] = "mremap", [26] = "msync", [27] = "mincore",
	[28] = "madvise", [29] = "shmget", [30] = "shmat", [31] = "shmctl", [32] = "dup",
	[33] = "dup2", [34] = "pause", [35] = "nanosleep", [36] = "getitimer", [37] = "alarm",
	[38] = "setitimer", [39] = "getpid", [40] = "sendfile64", [41] = "socket",
	[42] = "connect", [43] = "accept", [44] = "sendto", [45] = "recvfrom", [46] = "sendmsg",
	[47] = "recvmsg", [48] = "shutdown", [49] = "bind", [50] = "listen", [51] = "getsockname",
	[52] = "getpeername", [53] = "socketpair", [54] = "setsockopt", [55] = "getsockopt",
	[56] = "clone", [57] = "fork", [58] = "vfork", [59] = "execve", [60] = "exit",
	[61] = "wait4", [62] = "kill", [63] = "newuname", [64] = "semget", [65] = "semop",
	[66] = "semctl", [67] = "shmdt", [68] = "msgget", [69] = "msgsnd", [70] = "msgrcv",
	[71] = "msgctl", [72] = "fcntl", [73] = "flock", [74] = "fsync", [75] = "fdatasync",
	[76] = "truncate", [77] = "ftruncate", [78] = "getdents", [79] = "getcwd", [80] = "chdir",
	[81] = "fchdir", [82] = "rename", [83] = "mkdir", [84] = "rmdir", [85] = "creat",
	[86] = "link", [87] = "unlink", [88] = "symlink", [89] = "readlink", [90] = "chmod",
	[91] = "fchmod", [92] = "chown", [93] = "fchown", [94] = "lchown", [95] = "umask",
	[96] = "gettimeofday", [97] = "getrlimit", [98] = "getrusage", [99] = "sysinfo",
	[100] = "times", [101] = "ptrace", [102] = "getuid", [103] = "syslog", [104] = "getgid",
	[105] = "setuid", [106] = "setgid", [107] = "geteuid", [108] = "getegid",
	[109] = "setpgid", [110] = "getppid", [111] = "getpgrp", [112] = "setsid",
	[113] = "setreuid", [114] = "setregid", [115] = "getgroups", [116] = "setgroups",
	[117] = "setresuid", [118] = "getresuid", [119] = "setresgid", [120] = "getresgid",
	[121] = "getpgid", [122] = "setfsuid", [123] = "setfsgid", [124] = "getsid",
	[125] = "capget", [126] = "capset", [127] = "rt_sigpending", [128] = "rt_sigtimedwait",
	[129] = "rt_sigqueueinfo", [130] = "rt_sigsuspend", [131] = "sigaltstack",
	[132] = "utime", [133] = "mknod", [134] = "uselib", [135] = "personality",
	[136] = "ustat", [137] = "statfs", [138] = "fstatfs", [139] = "sysfs",
	[140] = "getpriority", [141] = "setpriority", [142] = "sched_setparam",
	[143] = "sched_getparam", [144] = "sched_setscheduler", [145] = "sched_getscheduler",
	[146] = "sched_get_priority_max", [147] = "sched_get_priority_min",
	[148] = "sched_rr_get_interval", [149] = "mlock", [150] = "munlock", [151] = "mlockall",
	[152] = "munlockall", [153] = "vhangup", [154] = "modify_ldt", [155] = "pivot_root",
	[156] = "_sysctl", [157] = "prctl", [158] = "arch_prctl", [159] = "adjtimex",
	[160] = "setrlimit", [161] = "chroot", [162] = "sync", [163] = "acct",
	[164] = "settimeofday", [165] = "mount", [166] = "umount", [167] = "swapon",
	[168] = "swapoff", [169] = "reboot", [170] = "sethostname", [171] = "setdomainname",
	[172] = "iopl", [173] = "ioperm", [174] = "create_module", [175] = "init_module",
	[176] = "delete_module", [177] = "get_kernel_syms", [178] = "query_module",
	[179] = "quotactl", [180] = "nfsservctl", [181] = "getpmsg", [182] = "putpmsg",
	[183] = "afs_syscall", [184] = "tuxcall", [185] = "security", [186] = "gettid",
	[187] = "readahead", [188] = "setxattr", [189] = "lsetxattr", [190] = "fsetxattr",
	[191] = "getxattr", [192] = "lgetxattr", [193] = "fgetxattr", [194] = "listxattr",
	[195] = "llistxattr", [196] = "flistxattr", [197] = "removexattr", [198] = "lremovexattr",
	[199] = "fremovexattr", [200] = "tkill", [201] = "time", [202] = "futex",
	[203] = "sched_setaffinity", [204] = "sched_getaffinity", [205] = "set_thread_area",
	[206] = "io_setup", [207] = "io_destroy", [208] = "io_getevents", [209] = "io_submit",
	[210] = "io_cancel", [211] = "get_thread_area", [212] = "lookup_dcookie",
	[213] = "epoll_create", [214] = "epoll_ctl_old", [215] = "epoll_wait_old",
	[216] = "remap_file_pages", [217] = "getdents64", [218] = "set_tid_address",
	[219] = "restart_syscall", [220] = "semtimedop", [221] = "fadvise64",
	[222] = "timer_create", [223] = "timer_settime", [224] = "timer_gettime",
	[225] = "timer_getoverrun", [226] = "timer_delete", [227] = "clock_settime",
	[228] = "clock_gettime", [229] = "clock_getres", [230] = "clock_nanosleep",
	[231] = "exit_group", [232] = "epoll_wait", [233] = "epoll_ctl", [234] = "tgkill",
	[235] = "utimes", [236] = "vserver", [237] = "mbind", [238] = "set_mempolicy",
	[239] = "get_mempolicy", [240] = "mq_open", [241] = "mq_unlink", [242] = "mq_timedsend",
	[243] = "mq_timedreceive", [244] = "mq_notify", [245] = "mq_getsetattr",
	[246] = "kexec_load", [247] = "waitid", [248] = "add_key", [249] = "request_key",
	[250] = "keyctl", [251] = "ioprio_set", [252] = "ioprio_get", [253] = "inotify_init",
	[254] = "inotify_add_watch", [255] = "inotify_rm_watch", [256] = "migrate_pages",
	[257] = "openat", [258] = "mkdirat", [259] = "mknodat", [260] = "fchownat",
	[261] = "futimesat", [262] = "newfstatat", [263] = "unlinkat", [264] = "renameat",
	[265] = "linkat", [266] = "symlinkat", [267] = "readlinkat", [268] = "fchmodat",
	[269] = "faccessat", [270] = "pselect6", [271] = "ppoll", [272] = "unshare",
	[273] = "set_robust_list", [274] = "get_robust_list", [275] = "splice", [276] = "tee",
	[277] = "sync_file_range", [278] = "vmsplice", [279] = "move_pages", [280] = "utimensat",
	[281] = "epoll_pwait", [282] = "signalfd", [283] = "timerfd_create", [284] = "eventfd",
	[285] = "fallocate", [286] = "timerfd_settime", [287] = "timerfd_gettime",
	[288] = "accept4", [289] = "signalfd4", [290] = "eventfd2", [291] = "epoll_create1",
	[292] = "dup3", [293] = "pipe2", [294] = "inotify_init1", [295] = "preadv",
	[296] = "pwritev", [297] = "rt_tgsigqueueinfo", [298] = "perf_event_open",
	[299] = "recvmmsg", [300] = "fanotify_init", [301] = "fanotify_mark", [302] = "prlimit64",
	[303] = "name_to_handle_at", [304] = "open_by_handle_at", [305] = "clock_adjtime",
	[306] = "syncfs", [307] = "sendmmsg", [308] = "setns", [309] = "getcpu",
	[310] = "process_vm_readv", [311] = "process_vm_writev", [312] = "kcmp",
	[313] = "finit_module", [314] = "sched_setattr", [315] = "sched_getattr",
	[316] = "renameat2", [317] = "seccomp", [318] = "getrandom", [319] = "memfd_create",
	[320] = "kexec_file_load", [321] = "bpf", [322] = "execveat", [323] = "userfaultfd",
	[324] = "membarrier", [325] = "mlock2", [326] = "copy_file_range", [327] = "preadv2",
	[328] = "pwritev2", [329] = "pkey_mprotect", [330] = "pkey_alloc", [331] = "pkey_free",
	[332] = "statx", [333] = "io_pgetevents", [334] = "rseq", [335] = "uretprobe",
	[336] = "uprobe", [424] = "pidfd_send_signal", [425] = "io_uring_setup",
	[426] = "io_uring_enter", [427] = "io_uring_register", [428] = "open_tree",
	[429] = "move_mount", [430] = "fsopen", [431] = "fsconfig", [432] = "fsmount",
	[433] = "fspick", [434] = "pidfd_open", [435] = "clone3", [436] = "close_range",
	[437] = "openat2", [438] = "pidfd_getfd", [439] = "faccessat2", [440] = "process_madvise",
	[441] = "epoll_pwait2", [442] = "mount_setattr", [443] = "quotactl_fd",
	[444] = "landlock_create_ruleset", [445] = "landlock_add_rule",
	[446] = "landlock_restrict_self", [447] = "memfd_secret", [448] = "process_mrelease",
	[449] = "futex_waitv", [450] = "set_mempolicy_home_node", [451] = "cachestat",
	[452] = "fchmodat2", [453] = "map_shadow_stack", [454] = "futex_wake",
	[455] = "futex_wait", [456] = "futex_requeue", [457] = "statmount", [458] = "listmount",
	[459] = "lsm_get_self_attr", [460] = "lsm_set_self_attr", [461] = "lsm_list_modules",
	[462] = "mseal", [463] = "setxattrat", [464] = "getxattrat", [465] = "listxattrat",
	[466] = "removexattrat", [467] = "open_tree_attr", [468] = "file_getattr",
	[469] = "file_setattr",
};
#define SYS_NAMES_N (sizeof(sys_names) / sizeof(sys_names[0]))
#define REGS_ORIG_AX 120        /* offsetof(struct pt_regs, orig_ax) */
#define TI_STATUS 16            /* task_struct.thread_info.status, Linux >= 5.11 */
#define TS_COMPAT 0x2           /* a 32-bit syscall is running */
#else
static const char *const sys_names[] = { NULL };
#define SYS_NAMES_N 0
#endif

static int sysraw_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

/* The syscall number of tracefs event sys_enter_NAME / sys_exit_NAME, *dir set to
 * SYSRAW_ENTER or SYSRAW_EXIT; -1 when unknown. */
static int sysraw_nr(const char *event, int *dir)
{
	static const char **sorted;
	static size_t nsorted;
	const char *name, **hit;

	if (!strncmp(event, "sys_enter_", 10)) {
		*dir = SYSRAW_ENTER;
		name = event + 10;
	} else if (!strncmp(event, "sys_exit_", 9)) {
		*dir = SYSRAW_EXIT;
		name = event + 9;
	} else {
		return -1;
	}
	if (!sorted) {
		sorted = malloc((SYS_NAMES_N + 1) * sizeof(*sorted));
		if (!sorted)
			return -1;
		for (size_t i = 0; i < SYS_NAMES_N; i++)
			if (sys_names[i])
				sorted[nsorted++] = sys_names[i];
		qsort(sorted, nsorted, sizeof(*sorted), sysraw_cmp);
	}
	hit = bsearch(&name, sorted, nsorted, sizeof(*sorted), sysraw_cmp);
	if (!hit)
		return -1;
	for (size_t i = 0; i < SYS_NAMES_N; i++)
		if (sys_names[i] == *hit)
			return (int)i;
	return -1;
}

/* The trade: a raw sys_enter/sys_exit program runs for every syscall of the machine
 * and costs the ones it filters out (about 80 ns each on a retpoline/SRSO VM,
 * docs/performance.md), where the perf handler tests a bit; a perf event costs
 * ~50 ms to detach, one after another. So a program goes raw from this many
 * syscall tracepoints of one direction on; BPFDECK_RAW_SYSCALLS=N moves the bar
 * (0: never, 1: always). */
#define SYSRAW_MIN_DEFAULT 4

/* The bar, or 0 when this kernel or architecture cannot go raw. */
static int sysraw_min(void)
{
	static int min = -1;
	struct utsname u;
	const char *env = getenv("BPFDECK_RAW_SYSCALLS");
	int major = 0, minor = 0;

	if (min >= 0)
		return min;
	min = env && *env ? atoi(env) : SYSRAW_MIN_DEFAULT;
	if (min < 0 || !SYS_NAMES_N || uname(&u) ||
	    sscanf(u.release, "%d.%d", &major, &minor) != 2 ||
	    major < 5 || (major == 5 && minor < 11))
		min = 0;
	return min;
}

/* Helpers that take no argument: calling one kills r1 without reading it. */
static bool sysraw_noarg_helper(int id)
{
	switch (id) {
	case BPF_FUNC_ktime_get_ns: case BPF_FUNC_get_prandom_u32:
	case BPF_FUNC_get_smp_processor_id: case BPF_FUNC_get_current_pid_tgid:
	case BPF_FUNC_get_current_uid_gid: case BPF_FUNC_get_current_task:
	case BPF_FUNC_get_numa_node_id: case BPF_FUNC_get_current_cgroup_id:
	case BPF_FUNC_jiffies64: case BPF_FUNC_ktime_get_boot_ns:
	case BPF_FUNC_get_current_task_btf:
		return true;
	default:
		return false;
	}
}

/* Does the program never read its context (r1 at entry)? Followed until r1 is
 * overwritten or clobbered by a call; a branch or anything unclear first: no. */
bool sysraw_ctx_unused(const struct bpf_insn *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bpf_insn *x = &in[i];
		unsigned cls = BPF_CLASS(x->code), op = BPF_OP(x->code);
		bool src_r1 = BPF_SRC(x->code) == BPF_X && x->src_reg == 1;

		switch (cls) {
		case BPF_JMP:
			if (op == BPF_EXIT)
				return true;
			if (op == BPF_CALL)
				return x->src_reg == 0 && sysraw_noarg_helper(x->imm);
			return false;
		case BPF_JMP32:
			return false;
		case BPF_ALU:
		case BPF_ALU64:
			if (op == BPF_MOV) {
				if (src_r1)
					return false;
				if (x->dst_reg == 1)
					return true;
				break;
			}
			if (x->dst_reg == 1 || src_r1)
				return false;
			break;
		case BPF_LD:
			if (x->code != (BPF_LD | BPF_IMM | BPF_DW))
				return false;
			if (x->dst_reg == 1)
				return true;
			i++;
			break;
		case BPF_LDX:
			if (x->src_reg == 1)
				return false;
			if (x->dst_reg == 1)
				return true;
			break;
		case BPF_ST:
			if (x->dst_reg == 1)
				return false;
			break;
		case BPF_STX:
			if (x->dst_reg == 1 || x->src_reg == 1)
				return false;
			break;
		default:
			return false;
		}
	}
	return false;
}

int sysraw_plan(const struct rt *rt, const struct rt_prog *cur, int ncur,
		const struct prog_unit *u, const struct bpf_insn *insns, size_t n)
{
	int dir = 0, d;

	if (rt->opts.verbose || rt->sysraw_off || !sysraw_min() || u->naps < sysraw_min())
		return 0;
	for (int i = 0; i < u->naps; i++) {
		const struct attach_point *ap = &u->aps[i];

		if (ap->kind != PK_TRACEPOINT || !ap->target || !ap->func ||
		    strcmp(ap->target, "syscalls") || sysraw_nr(ap->func, &d) < 0 || (dir && d != dir))
			return 0;
		dir = d;
	}
	/* a perf program already loaded on it would run ahead of later ones (tpraw.c) */
	if (tpraw_perf_loaded(rt, cur, ncur, dir == SYSRAW_ENTER ? "sys_enter" : "sys_exit"))
		return 0;
	return sysraw_ctx_unused(insns, n) ? dir : 0;
}

#define I(c, d, s, o, k) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
					    .off = (o), .imm = (k) })

int sysraw_build(const struct prog_unit *u, int dir, bool btf, const struct bpf_insn *insns,
		 size_t n, struct bpf_insn **out, size_t *nout)
{
	struct bpf_insn pro[40], *v;
	int map, k = 0, d, to_exit[3], nexit = 0;
	unsigned char one = 1;
	size_t np;

	*out = NULL;
	map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sys_filter", 4, 1, SYS_NAMES_N, NULL);
	if (map < 0)
		return map;
	for (int i = 0; i < u->naps; i++) {
		__u32 nr = (__u32)sysraw_nr(u->aps[i].func, &d);

		if (bpf_map_update_elem(map, &nr, &one, BPF_ANY)) {
			close(map);
			return -errno;
		}
	}
#if defined(__x86_64__)
	pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);                 /* r6 = ctx */
	if (dir == SYSRAW_ENTER) {
		pro[k++] = I(BPF_LDX | BPF_DW | BPF_MEM, 2, 6, 8, 0);           /* r2 = id */
	} else {
		/* sys_exit(regs, ret): the number is regs->orig_ax, as syscall_get_nr() */
		pro[k++] = I(BPF_LDX | BPF_DW | BPF_MEM, 3, 6, 0, 0);
		pro[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, REGS_ORIG_AX);
		pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
		pro[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -8);
		pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 8);
		pro[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel);
		pro[k++] = I(BPF_LDX | BPF_DW | BPF_MEM, 2, 10, -8, 0);
	}
	/* filter[nr]: out of range (and -1) finds nothing */
	pro[k++] = I(BPF_STX | BPF_W | BPF_MEM, 10, 2, -4, 0);
	pro[k++] = I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map);
	pro[k++] = I(0, 0, 0, 0, 0);
	pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	pro[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	pro[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	to_exit[nexit++] = k;
	pro[k++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
	pro[k++] = I(BPF_LDX | BPF_B | BPF_MEM, 1, 0, 0, 0);
	to_exit[nexit++] = k;
	pro[k++] = I(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 0);
	/* like the perf handler, no 32-bit syscalls (in_ia32_syscall): current's
	 * thread_info.status, read through its BTF type (a plain load) or a helper */
	if (btf) {
		pro[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task_btf);
		pro[k++] = I(BPF_LDX | BPF_W | BPF_MEM, 1, 0, TI_STATUS, 0);
	} else {
		pro[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task);
		pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 0, 0, 0);
		pro[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, TI_STATUS);
		pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
		pro[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -8);
		pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 4);
		pro[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel);
		pro[k++] = I(BPF_LDX | BPF_W | BPF_MEM, 1, 10, -8, 0);
	}
	pro[k++] = I(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, TS_COMPAT);
	to_exit[nexit++] = k;
	pro[k++] = I(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 0, 0);
	pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);                 /* r1 = ctx */
	pro[k++] = I(BPF_JMP | BPF_JA, 0, 0, 2, 0);
	for (int i = 0; i < nexit; i++)
		pro[to_exit[i]].off = k - to_exit[i] - 1;
	pro[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	pro[k++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
#endif
	np = k;
	v = malloc((np + n) * sizeof(*v));
	if (!v) {
		close(map);
		return -ENOMEM;
	}
	memcpy(v, pro, np * sizeof(*v));
	memcpy(v + np, insns, n * sizeof(*v));
	*out = v;
	*nout = np + n;
	/* the program keeps the map: its fd can go once the program is loaded */
	return map;
}

/* The kernel runs a tracepoint's probes in the order they were registered. Raw links
 * register in attach (script) order, but the perf handler of syscall tracepoints is
 * one probe, registered by whoever came first: a raw program and a perf one on
 * the same tracepoint could run out of script order. */
bool sysraw_mixed(struct rt_clause **cs, int n)
{
	bool raw[3] = { false }, perf[3] = { false };
	int d;

	for (int i = 0; i < n; i++) {
		for (int j = 0; cs[i] && j < cs[i]->nprogs; j++) {
			const struct rt_prog *p = &cs[i]->progs[j];

			if (p->sys_raw) {
				raw[p->sys_raw] = true;
				continue;
			}
			/* raw_syscalls on raw links: tpraw_mixed weighs those */
			if (p->tp_raw)
				continue;
			for (int k = 0; k < p->unit->naps; k++) {
				const struct attach_point *ap = &p->unit->aps[k];

				if (ap->kind != PK_TRACEPOINT || !ap->target || !ap->func)
					continue;
				if (!strcmp(ap->target, "raw_syscalls"))
					perf[strcmp(ap->func, "sys_enter") ? SYSRAW_EXIT : SYSRAW_ENTER] = true;
				else if (!strcmp(ap->target, "syscalls") && sysraw_nr(ap->func, &d) >= 0)
					perf[d] = true;
				else if (!strcmp(ap->target, "syscalls"))
					perf[SYSRAW_ENTER] = perf[SYSRAW_EXIT] = true;
			}
		}
	}
	return (raw[SYSRAW_ENTER] && perf[SYSRAW_ENTER]) || (raw[SYSRAW_EXIT] && perf[SYSRAW_EXIT]);
}

int sysraw_attach(int dir, int prog_fd)
{
	return bpf_raw_tracepoint_open(dir == SYSRAW_ENTER ? "sys_enter" : "sys_exit", prog_fd);
}
