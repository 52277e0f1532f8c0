/* test_verifier_explain: kernel rejections explained in the user's terms.
 * Part 1 maps logs of several kernel versions (canned text); part 2 makes the
 * running kernel reject hand-assembled programs and map updates for real; part 3
 * runs bpfdeck itself (argv[1]) on programs the verifier rejects and checks the
 * message names the clause and its span, and that -v shows the raw log. Parts 2
 * and 3 are skipped without BPF privileges (exit 77 when nothing ran). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "runtime/verifier_explain.h"

static int failures, passes, skips;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (cond) {                                                     \
			passes++;                                               \
		} else {                                                        \
			failures++;                                             \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);             \
			printf(__VA_ARGS__);                                    \
			printf("\n");                                           \
		}                                                               \
	} while (0)

/* ---------------------------------------------------------------- part 1 */

static const struct {
	const char *name, *log;
	int err;
	enum probe_kind kind;
	enum vx_kind want;
	const char *reason;     /* substring of x.reason */
	const char *fix;        /* substring of x.fix */
} canned[] = {
	{ "6.x infinite loop",
	  "0: R1=ctx() R10=fp0\n0: (05) goto pc-1\n0: (05) goto pc-1\n"
	  "infinite loop detected at insn 0\ncur state: R1=ctx() R10=fp0\n"
	  "old state: R1=ctx() R10=fp0\n"
	  "processed 9 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0\n",
	  -EINVAL, PK_BEGIN, VX_UNBOUNDED_LOOP, "infinite loop detected at insn 0", "while" },
	{ "5.2 back-edge", "back-edge from insn 12 to 4\n", -EINVAL, PK_KPROBE, VX_UNBOUNDED_LOOP,
	  "back-edge from insn 12 to 4", "constant limit" },
	{ "too large",
	  "10: (85) call bpf_map_update_elem#2   ; R0=scalar()\n"
	  "12: (55) if r6 != 0x186a0 goto pc-12          ; R6=0x1631d\n"
	  "BPF program is too large. Processed 1000001 insn\n"
	  "processed 1000001 insns (limit 1000000) max_states_per_insn 4 total_states 9742 "
	  "peak_states 9742 mark_read 0\n",
	  -E2BIG, PK_TRACEPOINT, VX_PROG_TOO_LARGE, "Processed 1000001 insn", "unroll" },
	{ "jump sequence", "The sequence of 8193 jumps is too complex.\n", -E2BIG, PK_KPROBE,
	  VX_PROG_TOO_LARGE, "too complex", "loop" },
	{ "combined stack", "combined stack size of 2 calls is 608. Too large\n"
	  "verification time 20 usec\nstack depth 304+304\n", -EACCES, PK_BEGIN,
	  VX_STACK_TOO_LARGE, "combined stack size", "BPFTRACE_STRLEN" },
	{ "write past stack 6.x", "0: (7a) *(u64 *)(r10 -520) = 0\n"
	  "invalid write to stack R10 off=-520 size=8\nprocessed 1 insns\n", -EACCES,
	  PK_TRACEPOINT, VX_STACK_TOO_LARGE, "off=-520", "strings" },
	{ "stack 5.x", "invalid stack off=-528 size=8\n", -EACCES, PK_KPROBE,
	  VX_STACK_TOO_LARGE, "invalid stack off=-528", "strings" },
	{ "uninit stack read", "invalid read from stack off -16+0 size 8\n", -EACCES, PK_KPROBE,
	  VX_UNINIT, "off -16+0", "Assign" },
	{ "uninit register", "0: (bf) r0 = r2\nR2 !read_ok\n", -EACCES, PK_KPROBE, VX_UNINIT,
	  "R2 !read_ok", "before" },
	{ "scalar deref 6.x", "1: (79) r0 = *(u64 *)(r2 +0)\nR2 invalid mem access 'scalar'\n",
	  -EACCES, PK_KPROBE, VX_INVALID_MEM, "invalid mem access 'scalar'", "str()" },
	{ "scalar deref 5.x", "R2 invalid mem access 'inv'\n", -EACCES, PK_KPROBE,
	  VX_INVALID_MEM, "'inv'", "buf()" },
	{ "map value bounds", "invalid access to map value, value_size=8 off=8 size=8\n"
	  "R0 min value is outside of the allowed memory range\n", -EACCES, PK_KPROBE,
	  VX_INVALID_MEM, "allowed memory range", "index" },
	{ "helper 6.x", "0: (85) call bpf_override_return#58\n"
	  "program of this type cannot use helper bpf_override_return#58\n", -EINVAL,
	  PK_TRACEPOINT, VX_HELPER_NOT_ALLOWED, "bpf_override_return#58", "override()" },
	{ "helper allowlist", "14: (85) call bpf_d_path#147\nhelper call is not allowed in probe\n"
	  "processed 15 insns (limit 1000000)\n", -EINVAL, PK_KFUNC, VX_HELPER_NOT_ALLOWED,
	  "helper call is not allowed in probe", "path()" },
	{ "helper 5.x", "unknown func bpf_send_signal#109\n", -EINVAL, PK_INTERVAL,
	  VX_HELPER_NOT_ALLOWED, "bpf_send_signal#109", "signal()" },
	{ "unknown helper", "unknown func bpf_sys_bpf#166\n", -EINVAL, PK_UPROBE,
	  VX_HELPER_NOT_ALLOWED, "bpf_sys_bpf", "bpf_sys_bpf" },
	{ "ctx", "0: (79) r0 = *(u64 *)(r1 +160)\ninvalid bpf_context access off=160 size=8\n",
	  -EACCES, PK_RAWTRACEPOINT, VX_CTX_ACCESS, "off=160", "arguments" },
	{ "ringbuf ref", "Unreleased reference id=2 alloc_insn=7\n", -EINVAL, PK_KPROBE,
	  VX_UNRELEASED_REF, "Unreleased reference", "bpfdeck bug" },
	{ "no log, E2BIG", NULL, -E2BIG, PK_KPROBE, VX_PROG_TOO_LARGE, "", "unroll" },
	{ "no log, ENOSPC", "", -ENOSPC, PK_KPROBE, VX_LOG_TOO_SMALL, "", "BPFTRACE_LOG_SIZE" },
	{ "unknown wording", "something the kernel never said before\nprocessed 3 insns\n",
	  -EINVAL, PK_KPROBE, VX_UNKNOWN, "something the kernel never said before", "-v" },
};

static void part1(void)
{
	struct vx_explanation x;
	struct loc one = { 3, 1, 3, 24 }, many = { 3, 1, 7, 1 };
	char buf[1024], span[128];
	size_t i;

	for (i = 0; i < sizeof(canned) / sizeof(canned[0]); i++) {
		vx_explain_load(canned[i].log, canned[i].err, canned[i].kind, &x);
		CHECK(x.kind == canned[i].want, "%s: kind %s, want %s", canned[i].name,
		      vx_kind_name(x.kind), vx_kind_name(canned[i].want));
		CHECK(strstr(x.reason, canned[i].reason), "%s: reason '%s' lacks '%s'",
		      canned[i].name, x.reason, canned[i].reason);
		CHECK(strstr(x.fix, canned[i].fix), "%s: fix '%s' lacks '%s'", canned[i].name,
		      x.fix, canned[i].fix);
		CHECK(x.what && *x.what, "%s: no summary", canned[i].name);
		/* one sentence on what to change */
		CHECK(x.fix[0] && x.fix[strlen(x.fix) - 1] == '.' && !strstr(x.fix, ". "),
		      "%s: fix is not one sentence: '%s'", canned[i].name, x.fix);
	}
	/* a log of any length: the reason is found at its end */
	{
		size_t n = 4 << 20, off = 0;
		char *big = malloc(n + 100);

		while (off + 40 < n)
			off += (size_t)sprintf(big + off, "%zu: (07) r1 += 1 ; R1=scalar()\n", off % 100000);
		strcpy(big + off, "BPF program is too large. Processed 1000001 insn\n");
		vx_explain_load(big, -E2BIG, PK_KPROBE, &x);
		CHECK(x.kind == VX_PROG_TOO_LARGE, "4 MB log: kind %s", vx_kind_name(x.kind));
		free(big);
	}
	/* errno advice on other hosts: memlock on kernels before 5.11, permissions */
	{
		struct vx_host old = { "5.4.0-150-generic", 64 << 10, 0 };
		struct vx_host new = { "6.1.0-13-amd64", 64 << 10, 0 };
		struct vx_host user = { "6.1.0", ~0ull, 1000 };

		vx_explain_errno(-EPERM, &old, &x);
		CHECK(x.kind == VX_MEMLOCK && strstr(x.fix, "ulimit -l"), "5.4 EPERM: %s / %s",
		      vx_kind_name(x.kind), x.fix);
		vx_explain_errno(-ENOMEM, &old, &x);
		CHECK(x.kind == VX_MEMLOCK, "5.4 ENOMEM: %s", vx_kind_name(x.kind));
		vx_explain_errno(-EPERM, &new, &x);
		CHECK(x.kind == VX_PERMISSION && strstr(x.fix, "lockdown"), "6.1 root EPERM: %s / %s",
		      vx_kind_name(x.kind), x.fix);
		vx_explain_errno(-EPERM, &user, &x);
		CHECK(x.kind == VX_PERMISSION && strstr(x.fix, "as root"), "user EPERM: %s / %s",
		      vx_kind_name(x.kind), x.fix);
		old.memlock = ~0ull;
		vx_explain_errno(-EPERM, &old, &x);
		CHECK(x.kind == VX_PERMISSION, "5.4 unlimited memlock: %s", vx_kind_name(x.kind));
	}
	CHECK(vx_attach_hint(-EMFILE) && strstr(vx_attach_hint(-EMFILE), "ulimit -n") &&
	      vx_attach_hint(-EPERM) && !vx_attach_hint(-EINVAL), "attach hints");
	vx_explain_map_update(-E2BIG, "@counts", 4096, &x);
	CHECK(x.kind == VX_MAP_FULL && strstr(x.fix, "@counts") && strstr(x.fix, "4096") &&
	      strstr(x.fix, "BPFTRACE_MAP_KEYS_MAX"), "map full: %s / %s", vx_kind_name(x.kind),
	      x.fix);
	CHECK(!strcmp(vx_helper_function("bpf_override_return#58"), "override()") &&
	      !strcmp(vx_helper_function("bpf_get_stackid"), "kstack/ustack") &&
	      !vx_helper_function("bpf_nonexistent"), "helper names");
	vx_format_span(span, sizeof(span), "x.bt", &one);
	CHECK(!strcmp(span, "x.bt:3:1-25"), "span one line: %s", span);
	vx_format_span(span, sizeof(span), NULL, &many);
	CHECK(!strcmp(span, "stdin:3:1-7:2"), "span lines: %s", span);
	vx_explain_load(canned[0].log, -EINVAL, PK_BEGIN, &x);
	vx_format_load(buf, sizeof(buf), "BEGIN", "stdin:1:1-24", &x);
	CHECK(strstr(buf, "Error loading program: BEGIN (clause at stdin:1:1-24): ") &&
	      strstr(buf, "[kernel: infinite loop detected at insn 0]"), "message: %s", buf);
}

/* ---------------------------------------------------------------- part 2 */

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i)       INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)       INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i)       INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_DW(d, o, i)      INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define LDX_DW(d, s, o)     INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define JLT_IMM(d, i, o)    INSN(BPF_JMP | BPF_JLT | BPF_K, d, 0, o, i)
#define JA(o)               INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(h)             INSN(BPF_JMP | BPF_CALL, 0, 0, 0, h)
#define CALL_SUB(rel)       INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define EXIT()              INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static char logbuf[1 << 22];

/* Loads insns; returns -errno (the program is closed if it loaded). */
static int load(enum bpf_prog_type type, const struct bpf_insn *insns, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = logbuf, .log_size = sizeof(logbuf),
		    .log_level = 1);
	int fd;

	logbuf[0] = '\0';
	fd = bpf_prog_load(type, "vx_test", "GPL", insns, n, &opts);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return fd;
}

static void expect_rejection(const char *name, enum bpf_prog_type type, enum probe_kind kind,
			     const struct bpf_insn *insns, size_t n, enum vx_kind want)
{
	struct vx_explanation x;
	int err = load(type, insns, n);

	CHECK(err < 0, "%s: the kernel accepted it", name);
	if (err >= 0)
		return;
	vx_explain_load(logbuf, err, kind, &x);
	CHECK(x.kind == want, "%s: explained as %s, want %s (err %d, reason '%s')", name,
	      vx_kind_name(x.kind), vx_kind_name(want), err, x.reason);
	printf("  %-26s -> %-22s [kernel: %s]\n", name, vx_kind_name(x.kind), x.reason);
}

static bool bpf_usable(void)
{
	const struct bpf_insn ok[] = { MOV_IMM(0, 0), EXIT() };

	return load(BPF_PROG_TYPE_RAW_TRACEPOINT, ok, 2) == 0;
}

static void part2(void)
{
	const struct bpf_insn loop[] = { JA(-1) };
	const struct bpf_insn bounded[] = {
		MOV_IMM(1, 0), ADD_IMM(1, 1), JLT_IMM(1, 10000000, -2), MOV_IMM(0, 0), EXIT(),
	};
	const struct bpf_insn past_stack_write[] = { ST_DW(10, -520, 0), MOV_IMM(0, 0), EXIT() };
	const struct bpf_insn past_stack_read[] = { LDX_DW(0, 10, -520), EXIT() };
	const struct bpf_insn stack_calls[] = {
		ST_DW(10, -304, 0), CALL_SUB(2), MOV_IMM(0, 0), EXIT(),
		ST_DW(10, -304, 0), MOV_IMM(0, 0), EXIT(),
	};
	const struct bpf_insn scalar_deref[] = { MOV_IMM(2, 64), LDX_DW(0, 2, 0), EXIT() };
	const struct bpf_insn uninit[] = { MOV_REG(0, 2), EXIT() };
	const struct bpf_insn ctx[] = { LDX_DW(0, 1, 160), EXIT() };
	const struct bpf_insn helper[] = { MOV_IMM(2, 0), CALL(58 /* override_return */),
					   MOV_IMM(0, 0), EXIT() };
	struct bpf_insn *huge;
	struct vx_explanation x;
	size_t nhuge = 1000001, i;
	int fd, err;
	__u64 k, v = 1;
	pid_t pid;
	int status;

	expect_rejection("infinite loop", BPF_PROG_TYPE_RAW_TRACEPOINT, PK_BEGIN, loop, 1,
			 VX_UNBOUNDED_LOOP);
	expect_rejection("10M-iteration loop", BPF_PROG_TYPE_RAW_TRACEPOINT, PK_BEGIN, bounded, 5,
			 VX_PROG_TOO_LARGE);
	expect_rejection("write past the stack", BPF_PROG_TYPE_TRACEPOINT, PK_TRACEPOINT,
			 past_stack_write, 3, VX_STACK_TOO_LARGE);
	expect_rejection("read past the stack", BPF_PROG_TYPE_TRACEPOINT, PK_TRACEPOINT,
			 past_stack_read, 2, VX_STACK_TOO_LARGE);
	/* Kernels with private stacks for tracing programs (6.13+ JITs) accept 608
	 * combined bytes there; a socket filter still has the 512-byte limit. */
	if (load(BPF_PROG_TYPE_SOCKET_FILTER, stack_calls, 7) < 0)
		expect_rejection("combined stack of calls", BPF_PROG_TYPE_SOCKET_FILTER, PK_BEGIN,
				 stack_calls, 7, VX_STACK_TOO_LARGE);
	else
		printf("  %-26s: accepted by this kernel\n", "combined stack of calls");
	expect_rejection("scalar dereference", BPF_PROG_TYPE_TRACEPOINT, PK_TRACEPOINT,
			 scalar_deref, 3, VX_INVALID_MEM);
	expect_rejection("uninitialised register", BPF_PROG_TYPE_TRACEPOINT, PK_TRACEPOINT,
			 uninit, 2, VX_UNINIT);
	expect_rejection("context past the args", BPF_PROG_TYPE_RAW_TRACEPOINT, PK_RAWTRACEPOINT,
			 ctx, 2, VX_CTX_ACCESS);
	expect_rejection("override() in tracepoint", BPF_PROG_TYPE_TRACEPOINT, PK_TRACEPOINT,
			 helper, 4, VX_HELPER_NOT_ALLOWED);
	/* more instructions than the kernel takes at all: E2BIG before verifying */
	huge = malloc(nhuge * sizeof(*huge));
	for (i = 0; i + 1 < nhuge; i++)
		huge[i] = MOV_IMM(0, 0);
	huge[nhuge - 1] = EXIT();
	expect_rejection("1M+1 instructions", BPF_PROG_TYPE_RAW_TRACEPOINT, PK_BEGIN, huge, nhuge,
			 VX_PROG_TOO_LARGE);
	free(huge);

	/* map full: a one-key hash map refuses a second key */
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "vx_full", 8, 8, 1, NULL);
	CHECK(fd >= 0, "map create: %s", strerror(-fd));
	if (fd >= 0) {
		k = 1;
		CHECK(!bpf_map_update_elem(fd, &k, &v, BPF_ANY), "first key");
		k = 2;
		err = bpf_map_update_elem(fd, &k, &v, BPF_ANY);
		CHECK(err < 0, "second key fit a one-key map");
		vx_explain_map_update(err < 0 ? err : -errno, "@full", 1, &x);
		CHECK(x.kind == VX_MAP_FULL, "map full explained as %s (err %d)",
		      vx_kind_name(x.kind), err);
		printf("  %-26s -> %-22s [kernel: %s]\n", "update of a full map", vx_kind_name(x.kind),
		       x.reason);
		close(fd);
	}

	/* permission denied: the same load as nobody */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		const struct bpf_insn ok[] = { MOV_IMM(0, 0), EXIT() };

		if (setgid(65534) || setuid(65534))
			_exit(3);
		err = load(BPF_PROG_TYPE_RAW_TRACEPOINT, ok, 2);
		if (!err)
			_exit(2);       /* unprivileged BPF allowed here: nothing to test */
		vx_explain_load(logbuf, err, PK_BEGIN, &x);
		printf("  %-26s -> %-22s (%s)\n", "load as nobody", vx_kind_name(x.kind), x.fix);
		fflush(stdout);
		_exit(x.kind == VX_PERMISSION && strstr(x.fix, "root") ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		printf("SKIP permission: unprivileged BPF is allowed on this machine\n");
		skips++;
	} else {
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "permission denied not explained (child status %d)", status);
	}
	/* memlock: kernels since 5.11 do not charge RLIMIT_MEMLOCK, so only part 1
	 * (and a run on an older kernel) can show it */
}

/* ---------------------------------------------------------------- part 3 */

/* Runs bpfdeck with args; returns its exit status, stderr in out. */
static int run_bpfdeck(const char *bpfdeck, char *const argv[], char *out, size_t len)
{
	int pfd[2], status;
	size_t have = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	fflush(NULL);   /* or the child's freopen writes our buffered output again */
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 2);
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		close(pfd[0]);
		execv(bpfdeck, argv);
		_exit(127);
	}
	close(pfd[1]);
	while (have + 1 < len && (r = read(pfd[0], out + have, len - 1 - have)) > 0)
		have += (size_t)r;
	out[have] = '\0';
	/* drain the rest so the child never blocks on a full pipe */
	{
		char sink[4096];

		while (read(pfd[0], sink, sizeof(sink)) > 0)
			;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static void part3(const char *bpfdeck)
{
	static char out[1 << 20];
	char *const loop[] = { (char *)bpfdeck, "-e",
			       "END { printf(\"a\\n\"); }\nBEGIN { while (1) { } }", NULL };
	char *const loop_v[] = { (char *)bpfdeck, "-v", "-e", "BEGIN { while (1) { } }", NULL };
	char *const big[] = { (char *)bpfdeck, "-e",
			      "BEGIN { $i = 0; while ($i < 100000) { @x[$i] = $i; $i++; } exit(); }",
			      NULL };
	char *const stack[] = { (char *)bpfdeck, "-e",
				"BEGIN { @x = (\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaa\", 1); exit(); }", NULL };
	int rc;

	if (access(bpfdeck, X_OK)) {
		printf("SKIP part 3: no bpfdeck at %s\n", bpfdeck);
		skips++;
		return;
	}
	/* the second clause is rejected: the message names it, its span, the fix */
	rc = run_bpfdeck(bpfdeck, loop, out, sizeof(out));
	CHECK(rc > 0, "loop: exit status %d", rc);
	CHECK(strstr(out, "Error loading program: BEGIN (clause at stdin:2:1-24): ") &&
	      strstr(out, "may never end") && strstr(out, "while ($i < 100)") &&
	      strstr(out, "[kernel: infinite loop detected") && strstr(out, "try -v"),
	      "loop message:\n%s", out);
	printf("  bpfdeck: %s", out);
	/* -v: the raw verifier log is shown too */
	rc = run_bpfdeck(bpfdeck, loop_v, out, sizeof(out));
	CHECK(rc != 0 && strstr(out, "goto pc-1") && strstr(out, "processed ") &&
	      strstr(out, "may never end") && !strstr(out, "try -v"), "-v: %s", out);
	rc = run_bpfdeck(bpfdeck, big, out, sizeof(out));
	CHECK(rc > 0 && strstr(out, "clause at stdin:1:1-") &&
	      strstr(out, "too many instructions") && strstr(out, "Processed 1000001 insn"),
	      "too large: %s", out);
	printf("  bpfdeck: %s", out);
	/* stack: LLVM finds it before the kernel; a diagnostic on the clause, no exit() */
	rc = run_bpfdeck(bpfdeck, stack, out, sizeof(out));
	CHECK(rc == 1 && strstr(out, "stdin:1:1-") && strstr(out, "512 bytes of stack") &&
	      !strstr(out, "Looks like the BPF stack limit"), "stack (%d): %s", rc, out);
	printf("  bpfdeck: %.*s\n", (int)strcspn(out, "\n"), out);
}

int main(int argc, char **argv)
{
	part1();
	if (geteuid() != 0 || !bpf_usable()) {
		printf("SKIP parts 2 and 3: no BPF privileges\n");
		skips++;
	} else {
		part2();
		part3(argc > 1 ? argv[1] : "");
	}
	printf("%d checks passed, %d failed, %d skipped\n", passes, failures, skips);
	return failures ? 1 : 0;
}
