/* hand: the hand-written libbpf reference the bench compares bpfdeck with.
 * It does each workload's work the plain libbpf way: open the object, load the
 * programs it needs, attach them one by one, say "attached" as bpftrace does
 * (__BPFTRACE_NOTIFY_PROBES_ATTACHED on stderr), wait for SIGINT or an exit
 * event, destroy the links in order, print the maps, exit.
 *
 *   hand begin | tp1 | tp20 | tpall | count | comm | comm64 | hist | lat | printf | keys PID
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define HIST_NBUCKETS 66
#define MAX_LINKS 1024

struct event {
	unsigned pid, tid;
	unsigned long long ns;
};

static struct bpf_link *links[MAX_LINKS];
static int nlinks;
static int stop;
static const char *mode;

static const char *const syscalls20[] = {
	"read", "write", "openat", "close", "mmap", "munmap", "newfstat", "lseek",
	"ioctl", "pread64", "pwrite64", "readv", "writev", "access", "pipe2", "dup",
	"dup3", "nanosleep", "getpid", "kill",
};

static int attach_tp(struct bpf_program *p, const char *cat, const char *name)
{
	struct bpf_link *l = bpf_program__attach_tracepoint(p, cat, name);

	if (!l) {
		fprintf(stderr, "attach %s:%s: %s\n", cat, name, strerror(errno));
		return -1;
	}
	links[nlinks++] = l;
	return 0;
}

static int attach_auto(struct bpf_program *p)
{
	struct bpf_link *l = bpf_program__attach(p);

	if (!l) {
		fprintf(stderr, "attach %s: %s\n", bpf_program__name(p), strerror(errno));
		return -1;
	}
	links[nlinks++] = l;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct event *e = data;

	if (e->ns == ~0ull) {   /* exit() */
		stop = 1;
		return -ECANCELED;
	}
	printf("%u %u %llu\n", e->pid, e->tid, e->ns);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void print_count(struct bpf_object *obj, const char *map)
{
	int fd = bpf_object__find_map_fd_by_name(obj, map), ncpu = libbpf_num_possible_cpus();
	unsigned long long v[ncpu], sum = 0;
	unsigned k = 0;

	if (!bpf_map_lookup_elem(fd, &k, v))
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	printf("@: %llu\n", sum);
}

/* bpftrace's hist layout and labels */
static void label(char *buf, size_t n, unsigned long long v)
{
	static const char *suf[] = { "", "K", "M", "G", "T", "P", "E" };
	int i = 0;

	while (v >= 1024 && v % 1024 == 0 && i < 6) {
		v /= 1024;
		i++;
	}
	snprintf(buf, n, "%llu%s", v, suf[i]);
}

static void print_hist(struct bpf_object *obj)
{
	int fd = bpf_object__find_map_fd_by_name(obj, "hist"), ncpu = libbpf_num_possible_cpus();
	unsigned long long *v = calloc(ncpu, HIST_NBUCKETS * 8), s[HIST_NBUCKETS] = {0}, max = 0;
	unsigned k = 0;
	int lo = -1, hi = -1;

	if (!v || bpf_map_lookup_elem(fd, &k, v))
		goto out;
	for (int b = 0; b < HIST_NBUCKETS; b++) {
		for (int c = 0; c < ncpu; c++)
			s[b] += v[c * HIST_NBUCKETS + b];
		if (s[b]) {
			if (lo < 0)
				lo = b;
			hi = b;
			if (s[b] > max)
				max = s[b];
		}
	}
	printf("@: \n");
	for (int b = lo; lo >= 0 && b <= hi; b++) {
		char l[32], h[32], range[80], bar[53];
		int w = max ? (int)(s[b] * 52 / max) : 0;

		if (b == 0)
			snprintf(range, sizeof(range), "(..., 0)");
		else if (b == 1)
			snprintf(range, sizeof(range), "[0]");
		else if (b == 2)
			snprintf(range, sizeof(range), "[1]");
		else {
			label(l, sizeof(l), 1ull << (b - 2));
			label(h, sizeof(h), 1ull << (b - 1));
			snprintf(range, sizeof(range), "[%s, %s)", l, h);
		}
		memset(bar, '@', w);
		bar[w] = 0;
		printf("%-16s %8llu |%-52s|\n", range, s[b], bar);
	}
	printf("\n");
out:
	free(v);
}

struct kv {
	unsigned long long k, v;
};

static int cmp_kv(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* keyed per-CPU counts read with batch lookups, summed, sorted, printed */
static void print_keys(struct bpf_object *obj)
{
	int fd = bpf_object__find_map_fd_by_name(obj, "bykey"), ncpu = libbpf_num_possible_cpus();
	size_t cap = 1 << 18, n = 0;
	unsigned long long *keys = malloc(cap * 8), *vals = malloc(cap * 8 * ncpu);
	struct kv *kv;
	unsigned long long in = 0, out = 0;
	void *inp = NULL;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	for (;;) {
		__u32 cnt = 4096;
		int err = bpf_map_lookup_batch(fd, inp, &out, keys + n, vals + n * ncpu, &cnt, &opts);

		n += cnt;
		if (err)
			break;
		in = out;
		inp = &in;
		if (n + 4096 > cap)
			break;
	}
	kv = malloc((n ? n : 1) * sizeof(*kv));
	for (size_t i = 0; i < n; i++) {
		kv[i].k = keys[i];
		kv[i].v = 0;
		for (int c = 0; c < ncpu; c++)
			kv[i].v += vals[i * ncpu + c];
	}
	qsort(kv, n, sizeof(*kv), cmp_kv);
	for (size_t i = 0; i < n; i++)
		printf("@[%llu]: %llu\n", kv[i].k, kv[i].v);
	free(kv);
	free(keys);
	free(vals);
}

struct ck {
	char c[16];
	unsigned long long v;
};

static int cmp_ck(const void *a, const void *b)
{
	return cmp_u64(&((const struct ck *)a)->v, &((const struct ck *)b)->v);
}

static void print_comm(struct bpf_object *obj)
{
	int fd = bpf_object__find_map_fd_by_name(obj, "bycomm"), ncpu = libbpf_num_possible_cpus();
	char key[16], next[16];
	unsigned long long v[ncpu];
	struct ck *all = NULL;
	size_t n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, 16);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, v))
			continue;
		all = realloc(all, (n + 1) * sizeof(*all));
		memcpy(all[n].c, key, 16);
		all[n].v = 0;
		for (int c = 0; c < ncpu; c++)
			all[n].v += v[c];
		n++;
	}
	qsort(all, n, sizeof(*all), cmp_ck);
	for (size_t i = 0; i < n; i++)
		printf("@[%.16s]: %llu\n", all[i].c, all[i].v);
	free(all);
}

static struct bpf_program *prog(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!p) {
		fprintf(stderr, "no program %s\n", name);
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	char path[PATH_MAX], *slash;
	const char *want[3] = { NULL };
	struct bpf_object *obj;
	struct bpf_program *p;
	struct ring_buffer *rb = NULL;
	struct epoll_event ev;
	sigset_t set;
	int sfd, efd, target = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: hand begin|tp1|tp1sched|tp20|tpall|count|comm|comm64|hist|lat|printf|keys PID\n");
		return 2;
	}
	mode = argv[1];
	if (!strcmp(mode, "keys"))
		target = argc > 2 ? atoi(argv[2]) : 0;
	if (!strcmp(mode, "begin"))
		want[0] = "begin";
	else if (!strcmp(mode, "tp1sched"))
		want[0] = "sched_count";
	else if (!strcmp(mode, "tp1") || !strcmp(mode, "tp20") || !strcmp(mode, "tpall") ||
		 !strcmp(mode, "count"))
		want[0] = "count";
	else if (!strcmp(mode, "comm"))
		want[0] = "comm_count";
	else if (!strcmp(mode, "comm64"))
		want[0] = "comm64_count";
	else if (!strcmp(mode, "hist"))
		want[0] = "hist_pid";
	else if (!strcmp(mode, "lat"))
		want[0] = "lat_enter", want[1] = "lat_exit";
	else if (!strcmp(mode, "printf"))
		want[0] = "printf_ev";
	else if (!strcmp(mode, "keys"))
		want[0] = "keys";
	else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);

	snprintf(path, sizeof(path), "%s", argv[0]);
	if (readlink("/proc/self/exe", path, sizeof(path) - 1) > 0)
		path[sizeof(path) - 1] = 0;
	slash = strrchr(path, '/');
	snprintf(slash ? slash + 1 : path, sizeof(path) - (slash ? slash + 1 - path : 0), "hand.bpf.o");
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		bool on = false;

		for (int i = 0; want[i]; i++)
			on |= !strcmp(bpf_program__name(p), want[i]);
		bpf_program__set_autoload(p, on);
	}
	/* 200k preallocated per-CPU entries take half a second to create: only for keys */
	if (strcmp(mode, "keys"))
		bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "bykey"), 1);
	if (target) {
		struct bpf_map *ro = bpf_object__find_map_by_name(obj, ".rodata");
		size_t sz;
		const void *init = ro ? bpf_map__initial_value(ro, &sz) : NULL;

		if (init && sz >= 4) {
			char *copy = malloc(sz);

			memcpy(copy, init, sz);
			memcpy(copy, &target, 4);
			bpf_map__set_initial_value(ro, copy, sz);
			free(copy);
		}
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "load: %s\n", strerror(errno));
		return 1;
	}

	if (!strcmp(mode, "tp20")) {
		for (size_t i = 0; i < sizeof(syscalls20) / sizeof(syscalls20[0]); i++) {
			char name[64];

			snprintf(name, sizeof(name), "sys_enter_%s", syscalls20[i]);
			if (attach_tp(prog(obj, "count"), "syscalls", name))
				return 1;
		}
	} else if (!strcmp(mode, "tpall")) {
		DIR *d = opendir("/sys/kernel/tracing/events/syscalls");
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (!strncmp(de->d_name, "sys_enter_", 10) && nlinks < MAX_LINKS &&
			    attach_tp(prog(obj, "count"), "syscalls", de->d_name))
				return 1;
		if (d)
			closedir(d);
	} else if (strcmp(mode, "begin")) {
		for (int i = 0; want[i]; i++)
			if (attach_auto(prog(obj, want[i])))
				return 1;
	}

	efd = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.u32 = 0;
	epoll_ctl(efd, EPOLL_CTL_ADD, sfd, &ev);
	if (!strcmp(mode, "printf") || !strcmp(mode, "begin")) {
		rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "events"), on_event, NULL, NULL);
		ev.data.u32 = 1;
		epoll_ctl(efd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(rb), &ev);
	}
	if (getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED"))
		fprintf(stderr, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
	if (!strcmp(mode, "begin")) {
		LIBBPF_OPTS(bpf_test_run_opts, topts);
		unsigned long long args[2] = { 0 };

		topts.ctx_in = args;
		topts.ctx_size_in = sizeof(args);
		bpf_prog_test_run_opts(bpf_program__fd(prog(obj, "begin")), &topts);
		ring_buffer__consume(rb);
	}
	while (!stop) {
		struct epoll_event evs[2];
		int n = epoll_wait(efd, evs, 2, -1);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == 0)
				stop = 1;
			else if (ring_buffer__consume(rb) == -ECANCELED)
				stop = 1;
		}
		fflush(stdout);
	}
	for (int i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	if (rb) {
		ring_buffer__consume(rb);
		if (!strcmp(mode, "printf")) {
			unsigned k = 0;
			int ncpu = libbpf_num_possible_cpus();
			unsigned long long v[ncpu], lost = 0;

			if (!bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(obj, "cnt"), &k, v))
				for (int i = 0; i < ncpu; i++)
					lost += v[i];
			if (lost)
				fprintf(stderr, "Lost %llu events\n", lost);
		}
	}
	if (!strcmp(mode, "tp1") || !strcmp(mode, "tp1sched") || !strcmp(mode, "tp20") ||
	    !strcmp(mode, "tpall") || !strcmp(mode, "count"))
		print_count(obj, "cnt");
	else if (!strcmp(mode, "comm"))
		print_comm(obj);
	else if (!strcmp(mode, "hist") || !strcmp(mode, "lat"))
		print_hist(obj);
	else if (!strcmp(mode, "keys"))
		print_keys(obj);
	fflush(stdout);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
