/* hand.bpf.c: the BPF side of the hand-written reference, written the way one
 * would write it with libbpf by hand: per-CPU arrays updated in place, a per-CPU
 * hash for keyed counts, one lookup per map access, a ring buffer for events.
 * Each program is what bpfdeck's bench workload of the same name does. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define HIST_NBUCKETS 66        /* bpftrace's: [neg], [0], [1], [2,4) ... */
#define COMM_LEN 16

struct hist { __u64 slot[HIST_NBUCKETS]; };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cnt SEC(".maps");

struct comm_key { char c[COMM_LEN]; };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct comm_key);
	__type(value, __u64);
} bycomm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} start SEC(".maps");

/* keys: one entry per distinct close() fd argument (100k-key read-out) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 200000);
	__type(key, __u64);
	__type(value, __u64);
} bykey SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024);        /* bpfdeck's: 64 pages x 2 CPUs */
} events SEC(".maps");

struct event {
	__u32 pid, tid;
	__u64 ns;
};

/* the target pid of the keys workload, set before load */
const volatile __u32 target_pid = 0;

/* The syscall tracepoint context as tracefs describes it. */
struct sys_enter_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

static __always_inline void count_one(void)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&cnt, &k);

	if (v)
		(*v)++;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int count(void *ctx)
{
	count_one();
	return 0;
}

/* a tracepoint that is not a syscall's, the way a libbpf user opens it */
SEC("tracepoint/sched/sched_switch")
int sched_count(void *ctx)
{
	count_one();
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int comm_count(void *ctx)
{
	struct comm_key k;
	__u64 one = 1, *v;

	bpf_get_current_comm(&k, sizeof(k));
	v = bpf_map_lookup_elem(&bycomm, &k);
	if (v)
		(*v)++;
	else
		bpf_map_update_elem(&bycomm, &k, &one, BPF_NOEXIST);
	return 0;
}

/* the same with bpfdeck's key: comm in a string[64] (BPFTRACE_STRLEN), for the
 * analysis in docs/performance.md */
struct comm64_key { char c[64]; };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct comm64_key);
	__type(value, __u64);
} bycomm64 SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int comm64_count(void *ctx)
{
	struct comm64_key k = {};
	__u64 one = 1, *v;

	bpf_get_current_comm(&k, COMM_LEN);
	v = bpf_map_lookup_elem(&bycomm64, &k);
	if (v)
		(*v)++;
	else
		bpf_map_update_elem(&bycomm64, &k, &one, BPF_NOEXIST);
	return 0;
}

/* libbpf-tools' log2 (bits.bpf.h) */
static __always_inline __u64 log2_32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2_64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_32(hi) + 32 : log2_32(v);
}

static __always_inline void hist_add(__s64 v)
{
	__u32 k = 0, idx;
	struct hist *h = bpf_map_lookup_elem(&hist, &k);

	if (!h)
		return;
	idx = v < 0 ? 0 : v == 0 ? 1 : log2_64(v) + 2;
	if (idx < HIST_NBUCKETS)
		h->slot[idx]++;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int hist_pid(void *ctx)
{
	hist_add(bpf_get_current_pid_tgid() >> 32);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int lat_enter(void *ctx)
{
	__u64 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_getppid")
int lat_exit(void *ctx)
{
	__u64 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *ts = bpf_map_lookup_elem(&start, &tid);

	if (!ts)
		return 0;
	hist_add(bpf_ktime_get_ns() - *ts);
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int printf_ev(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__u32 k = 0;
		__u64 *lost = bpf_map_lookup_elem(&cnt, &k);

		if (lost)
			(*lost)++;
		return 0;
	}
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_close")
int keys(struct sys_enter_ctx *ctx)
{
	__u64 k = ctx->args[0], one = 1, *v;

	if (bpf_get_current_pid_tgid() >> 32 != target_pid)
		return 0;
	v = bpf_map_lookup_elem(&bykey, &k);
	if (v)
		(*v)++;
	else
		bpf_map_update_elem(&bykey, &k, &one, BPF_NOEXIST);
	return 0;
}

/* BEGIN { exit(); }: run once with BPF_PROG_TEST_RUN, asks user space to stop */
SEC("raw_tp/sys_enter")
int begin(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (e) {
		e->pid = 0;
		e->tid = 0;
		e->ns = ~0ull;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}
