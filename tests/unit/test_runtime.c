/* test_runtime: the runtime against the real kernel, without the compiler.
 * Small BPF objects are built from LLVM IR with llc-19 at test time, loaded,
 * attached, triggered and torn down; the kernel must hold nothing of ours after.
 * Needs root and llc-19; exits 77 (skipped) without them. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "runtime/perf_events.h"
#include "runtime/rt.h"
#include "runtime/rt_priv.h"

#define SKIP 77

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

/* ---- a recording output ---- */

struct rec_output {
	struct output base;
	char text[8192];
	size_t text_len;
	int attached;
	int exit_begins;
	char maps[1024];        /* names of printed maps, space separated */
	int nmaps;
	char msgs[2048];
};

static struct rec_output *rec(struct output *o)
{
	return (struct rec_output *)o;
}

static void rec_attached(struct output *o, int n)
{
	rec(o)->attached = n;
}

static void rec_text(struct output *o, enum text_kind k, const char *s, size_t len)
{
	struct rec_output *r = rec(o);

	(void)k;
	if (r->text_len + len < sizeof(r->text)) {
		memcpy(r->text + r->text_len, s, len);
		r->text_len += len;
		r->text[r->text_len] = '\0';
	}
}

static void rec_map(struct output *o, const struct map_snapshot *m, int64_t top, int64_t div)
{
	struct rec_output *r = rec(o);
	size_t n = strlen(r->maps);

	(void)top;
	(void)div;
	snprintf(r->maps + n, sizeof(r->maps) - n, "%s ", m->decl->name);
	r->nmaps++;
}

static void rec_exit_maps_begin(struct output *o)
{
	rec(o)->exit_begins++;
}

static void rec_message(struct output *o, enum msg_level lvl, const char *text)
{
	struct rec_output *r = rec(o);
	size_t n = strlen(r->msgs);

	(void)lvl;
	snprintf(r->msgs + n, sizeof(r->msgs) - n, "%s\n", text);
}

static const struct output_ops rec_ops = {
	.attached = rec_attached,
	.text = rec_text,
	.map = rec_map,
	.exit_maps_begin = rec_exit_maps_begin,
	.message = rec_message,
};

static void rec_reset(struct rec_output *r)
{
	memset(r, 0, sizeof(*r));
	r->base.ops = &rec_ops;
}

/* ---- BPF objects from LLVM IR ---- */

static const char ir_head[] =
	"target datalayout = \"e-m:e-p:64:64-i64:64-i128:128-n32:64-S128\"\n"
	"target triple = \"bpfel\"\n"
	"declare i64 @llvm.bpf.pseudo(i64, i64)\n";

/* Adds 1 to map 0 (array, u64 at key 0). */
static const char ir_count[] =
	"define i64 @rtt_count(ptr %ctx) section \"prog/rtt_count\" {\n"
	"entry:\n"
	"  %key = alloca i32, align 4\n"
	"  store i32 0, ptr %key, align 4\n"
	"  %m = call i64 @llvm.bpf.pseudo(i64 1, i64 0)\n"
	"  %mp = inttoptr i64 %m to ptr\n"
	"  %v = call ptr inttoptr (i64 1 to ptr)(ptr %mp, ptr %key)\n"
	"  %null = icmp eq ptr %v, null\n"
	"  br i1 %null, label %out, label %inc\n"
	"inc:\n"
	"  %old = atomicrmw add ptr %v, i64 1 monotonic, align 8\n"
	"  br label %out\n"
	"out:\n"
	"  ret i64 0\n"
	"}\n";

/* BEGIN: @x[0] = 42, printf(fmt 0), exit(), then a printf that must be dropped. */
static const char ir_begin_fmt[] =
	"define i64 @rtt_begin(ptr %%ctx) section \"prog/rtt_begin\" {\n"
	"entry:\n"
	"  %%key = alloca i64, align 8\n"
	"  %%val = alloca i64, align 8\n"
	"  %%ev = alloca [2 x i32], align 8\n"
	"  store i64 0, ptr %%key, align 8\n"
	"  store i64 42, ptr %%val, align 8\n"
	"  %%m = call i64 @llvm.bpf.pseudo(i64 1, i64 1)\n"
	"  %%mp = inttoptr i64 %%m to ptr\n"
	"  %%r = call i64 inttoptr (i64 2 to ptr)(ptr %%mp, ptr %%key, ptr %%val, i64 0)\n"
	"  %%rb = call i64 @llvm.bpf.pseudo(i64 1, i64 2)\n"
	"  %%rbp = inttoptr i64 %%rb to ptr\n"
	"  %%idp = getelementptr [2 x i32], ptr %%ev, i64 0, i64 1\n"
	"  store i32 %d, ptr %%ev, align 8\n"
	"  store i32 0, ptr %%idp, align 4\n"
	"  %%r1 = call i64 inttoptr (i64 130 to ptr)(ptr %%rbp, ptr %%ev, i64 8, i64 0)\n"
	"  store i32 %d, ptr %%ev, align 8\n"
	"  %%r2 = call i64 inttoptr (i64 130 to ptr)(ptr %%rbp, ptr %%ev, i64 8, i64 0)\n"
	"  store i32 %d, ptr %%ev, align 8\n"
	"  store i32 1, ptr %%idp, align 4\n"
	"  %%r3 = call i64 inttoptr (i64 130 to ptr)(ptr %%rbp, ptr %%ev, i64 8, i64 0)\n"
	"  ret i64 0\n"
	"}\n";

/* Dereferences a hash lookup without a NULL check: the verifier says no. */
static const char ir_bad[] =
	"define i64 @rtt_bad(ptr %ctx) section \"prog/rtt_bad\" {\n"
	"entry:\n"
	"  %key = alloca i64, align 8\n"
	"  store i64 0, ptr %key, align 8\n"
	"  %m = call i64 @llvm.bpf.pseudo(i64 1, i64 1)\n"
	"  %mp = inttoptr i64 %m to ptr\n"
	"  %v = call ptr inttoptr (i64 1 to ptr)(ptr %mp, ptr %key)\n"
	"  %x = load i64, ptr %v, align 8\n"
	"  ret i64 %x\n"
	"}\n";

/* A call into another section needs a relocation, which the loader refuses. */
static const char ir_reloc[] =
	"define internal i64 @rtt_sub(i64 %a) #0 section \"sub\" {\n"
	"  ret i64 %a\n"
	"}\n"
	"define i64 @rtt_reloc(ptr %ctx) section \"prog/rtt_reloc\" {\n"
	"  %r = call i64 @rtt_sub(i64 1)\n"
	"  ret i64 0\n"
	"}\n"
	"attributes #0 = { noinline }\n";

/* Order probe: once slot 3 holds our tgid, the first two runs (of any of these
 * programs) write their number into slots 1 and 2, counting in slot 0. */
static const char ir_seq_fmt[] =
	"define i64 @rtt_seq%d(ptr %%ctx) section \"prog/rtt_seq%d\" {\n"
	"entry:\n"
	"  %%k = alloca i32, align 4\n"
	"  %%m = call i64 @llvm.bpf.pseudo(i64 1, i64 3)\n"
	"  %%mp = inttoptr i64 %%m to ptr\n"
	"  store i32 3, ptr %%k, align 4\n"
	"  %%go = call ptr inttoptr (i64 1 to ptr)(ptr %%mp, ptr %%k)\n"
	"  %%gonull = icmp eq ptr %%go, null\n"
	"  br i1 %%gonull, label %%out, label %%chk\n"
	"chk:\n"
	"  %%gv = load i64, ptr %%go, align 8\n"
	"  %%pt = call i64 inttoptr (i64 14 to ptr)()\n"
	"  %%tgid = lshr i64 %%pt, 32\n"
	"  %%ok = icmp eq i64 %%gv, %%tgid\n"
	"  br i1 %%ok, label %%count, label %%out\n"
	"count:\n"
	"  store i32 0, ptr %%k, align 4\n"
	"  %%c = call ptr inttoptr (i64 1 to ptr)(ptr %%mp, ptr %%k)\n"
	"  %%cnull = icmp eq ptr %%c, null\n"
	"  br i1 %%cnull, label %%out, label %%inc\n"
	"inc:\n"
	"  %%old = atomicrmw add ptr %%c, i64 1 seq_cst, align 8\n"
	"  %%lt = icmp ult i64 %%old, 2\n"
	"  br i1 %%lt, label %%rec, label %%out\n"
	"rec:\n"
	"  %%idx = add i64 %%old, 1\n"
	"  %%idx32 = trunc i64 %%idx to i32\n"
	"  store i32 %%idx32, ptr %%k, align 4\n"
	"  %%slot = call ptr inttoptr (i64 1 to ptr)(ptr %%mp, ptr %%k)\n"
	"  %%snull = icmp eq ptr %%slot, null\n"
	"  br i1 %%snull, label %%out, label %%w\n"
	"w:\n"
	"  store i64 %d, ptr %%slot, align 8\n"
	"  br label %%out\n"
	"out:\n"
	"  ret i64 0\n"
	"}\n";

/* A subprogram in the program's own section needs no relocation; the entry
 * must come first (rtt_subfirst puts the helper first and is refused). */
static const char ir_sub_fmt[] =
	"define %s i64 @%s(ptr %%ctx) %s section \"prog/%s\" {\n"
	"  %%r = call i64 @rtt_add(i64 1)\n"
	"  ret i64 0\n"
	"}\n"
	"define internal i64 @rtt_add(i64 %%a) #0 section \"prog/%s\" {\n"
	"  %%b = add i64 %%a, 1\n"
	"  ret i64 %%b\n"
	"}\n"
	"attributes #0 = { noinline }\n";

/* Uses a map id the session does not have. */
static const char ir_nomap[] =
	"define i64 @rtt_nomap(ptr %ctx) section \"prog/rtt_nomap\" {\n"
	"  %m = call i64 @llvm.bpf.pseudo(i64 1, i64 77)\n"
	"  ret i64 0\n"
	"}\n";

static int llc_compile(const char *body, void **out, size_t *out_len)
{
	char ll[] = "/tmp/rtt_XXXXXX.ll", obj[64], cmd[256];
	FILE *f;
	long n;
	int fd, err = -1;

	fd = mkstemps(ll, 3);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fprintf(f, "%s%s", ir_head, body);
	fclose(f);
	snprintf(obj, sizeof(obj), "%.*s.o", (int)strlen(ll) - 3, ll);
	snprintf(cmd, sizeof(cmd), "llc-19 -march=bpfel -mcpu=v3 -O2 -filetype=obj -o %s %s", obj, ll);
	if (system(cmd) != 0)
		goto cleanup;
	f = fopen(obj, "rb");
	if (!f)
		goto cleanup;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*out = malloc(n);
	*out_len = n;
	err = fread(*out, 1, n, f) == (size_t)n ? 0 : -1;
	fclose(f);

cleanup:
	unlink(ll);
	unlink(obj);
	return err;
}

/* ---- a hand-made session ---- */

static struct type t_u64 = { .kind = TY_INT, .size = 8, .align = 8 };
static struct map_decl decls[] = {
	{ .id = 0, .name = "@rtt_count", .value = &t_u64, .storage = MAP_ARRAY, .key_size = 4,
	  .value_size = 8, .max_entries = 1 },
	{ .id = 1, .name = "@rtt_x", .key = &t_u64, .value = &t_u64, .storage = MAP_HASH,
	  .key_size = 8, .value_size = 8, .max_entries = 16 },
	{ .id = 2, .name = "__rtt_ringbuf", .internal = true, .storage = MAP_RINGBUF },
	{ .id = 3, .name = "__rtt_seq", .internal = true, .value = &t_u64, .storage = MAP_ARRAY,
	  .key_size = 4, .value_size = 8, .max_entries = 4 },
};
static struct map_decl *decl_ptrs[] = { &decls[0], &decls[1], &decls[2], &decls[3] };
static struct fmt_decl fmts[] = {
	{ .id = 0, .kind = FMT_PRINTF, .text = "hello from BEGIN\n" },
	{ .id = 1, .kind = FMT_PRINTF, .text = "after exit\n" },
};
static struct fmt_decl *fmt_ptrs[] = { &fmts[0], &fmts[1] };

static void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->cfg.strlen = 64;
	s->cfg.map_keys_max = 4096;
	s->cfg.perf_rb_pages = 64;
	s->cfg.cat_bytes_max = 10240;
	s->maps = decl_ptrs;
	s->nmaps = s->maps_cap = 4;
	s->fmts = fmt_ptrs;
	s->nfmts = s->fmts_cap = 2;
	s->ringbuf_map = 2;
	s->skb_map = -1;
}

static struct attach_point ap_make(enum probe_kind k, const char *target, const char *func,
				   const char *full)
{
	struct attach_point ap = { .kind = k, .target = (char *)target, .func = (char *)func,
				   .full = (char *)full, .tp_id = -1 };
	return ap;
}

static struct clause_obj *clause_make(void *elf, size_t len, const char *prog, int type,
				      struct attach_point *aps, int naps, int index)
{
	struct clause_obj *c = calloc(1, sizeof(*c));
	struct prog_unit *u = calloc(1, sizeof(*u));

	u->name = (char *)prog;
	u->kind = aps[0].kind;
	u->bpf_prog_type = type;
	u->aps = aps;
	u->naps = naps;
	c->elf = elf;
	c->elf_size = len;
	c->progs = u;
	c->nprogs = 1;
	c->index = index;
	return c;
}

static void clause_drop(struct clause_obj *c)
{
	free(c->progs);
	free(c);
}

/* ---- kernel bookkeeping ---- */

static __u32 ids_prog[64], ids_map[64], ids_link[64];
static int nids_prog, nids_map, nids_link;

static __u32 fd_id(int fd)
{
	struct bpf_prog_info info = {0};   /* id is the first field of every info */
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static void ids_note_clause(struct rt_clause *c)
{
	for (int i = 0; i < c->nprogs && nids_prog < 64; i++)
		ids_prog[nids_prog++] = fd_id(c->progs[i].fd);
}

static void ids_note_links(void)
{
	__u32 id = 0;
	int fd, i;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {0};
		__u32 len = sizeof(info);

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			for (i = 0; i < nids_prog; i++)
				if (info.prog_id == ids_prog[i] && nids_link < 64)
					ids_link[nids_link++] = id;
		close(fd);
	}
}

static int count_links_of(__u32 prog_id)
{
	__u32 id = 0;
	int fd, n = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {0};
		__u32 len = sizeof(info);

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.prog_id == prog_id)
			n++;
		close(fd);
	}
	return n;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Programs and links go at once; maps when the last program's RCU callback runs. */
static void check_kernel_clean(void)
{
	double deadline = now_ms() + 3000;
	int i, fd, left;
	char line[512];
	FILE *p;

	do {
		left = 0;
		for (i = 0; i < nids_prog; i++)
			if ((fd = bpf_prog_get_fd_by_id(ids_prog[i])) >= 0 && ++left)
				close(fd);
		for (i = 0; i < nids_map; i++)
			if ((fd = bpf_map_get_fd_by_id(ids_map[i])) >= 0 && ++left)
				close(fd);
		for (i = 0; i < nids_link; i++)
			if ((fd = bpf_link_get_fd_by_id(ids_link[i])) >= 0 && ++left)
				close(fd);
		if (left)
			usleep(20000);
	} while (left && now_ms() < deadline);
	CHECK(!left, "%d kernel objects of ours are left", left);

	/* and as the user would look */
	do {
		left = 0;
		p = popen("bpftool prog list; bpftool map list; bpftool link list", "r");
		while (p && fgets(line, sizeof(line), p))
			if (strstr(line, "rtt_") && ++left && now_ms() >= deadline)
				fprintf(stderr, "bpftool still shows: %s", line);
		if (p)
			pclose(p);
		if (left)
			usleep(20000);
	} while (left && now_ms() < deadline);
	CHECK(!left, "bpftool shows %d objects of ours", left);
}

/* ---- tests ---- */

static __u64 map_u64(struct rt *rt, int id, const void *key)
{
	__u64 v = 0;

	bpf_map_lookup_elem(rt_map_fd(rt, id), key, &v);
	return v;
}

static void test_tracepoint(struct rt *rt, void *elf, size_t len)
{
	struct attach_point ap = ap_make(PK_TRACEPOINT, "syscalls", "sys_enter_getppid",
					 "tracepoint:syscalls:sys_enter_getppid");
	struct clause_obj *c = clause_make(elf, len, "rtt_count", BPF_PROG_TYPE_TRACEPOINT, &ap, 1, 0);
	struct rt_clause *rc = NULL;
	__u32 key = 0;
	__u64 before, after;
	double t0, t1, t2, t3;
	int i, err;

	t0 = now_ms();
	err = rt_clause_load(rt, c, &rc, NULL);
	t1 = now_ms();
	CHECK(!err, "load: %s", rt_strerror(rt));
	if (err)
		goto out;
	ids_note_clause(rc);
	err = rt_clause_attach(rt, rc);
	t2 = now_ms();
	CHECK(!err, "attach: %s", rt_strerror(rt));
	ids_note_links();
	CHECK(count_links_of(ids_prog[nids_prog - 1]) == 1, "one perf link expected");
	before = map_u64(rt, 0, &key);
	for (i = 0; i < 100; i++)
		syscall(SYS_getppid);
	after = map_u64(rt, 0, &key);
	CHECK(after - before >= 100, "tracepoint counted %llu of 100 getppid",
	      (unsigned long long)(after - before));
	t3 = now_ms();
	rt_clause_detach(rt, rc);
	fprintf(stderr, "timing: 1 syscall tracepoint: load %.2f ms, attach %.2f ms, detach %.2f ms\n",
		t1 - t0, t2 - t1, now_ms() - t3);
	CHECK(count_links_of(ids_prog[nids_prog - 1]) == 0, "link left after detach");
	before = map_u64(rt, 0, &key);
	for (i = 0; i < 100; i++)
		syscall(SYS_getppid);
	CHECK(map_u64(rt, 0, &key) == before, "program still runs after detach");
	/* maps outlive the clause */
	rt_clause_free(rt, rc);
	CHECK(map_u64(rt, 0, &key) == before, "map lost its contents with the clause");
out:
	clause_drop(c);
}

static void test_perf_kinds(struct rt *rt, void *elf, size_t len)
{
	struct attach_point aps[] = {
		ap_make(PK_INTERVAL, "ms", NULL, "interval:ms:1"),
		ap_make(PK_PROFILE, "hz", NULL, "profile:hz:997"),
		ap_make(PK_SOFTWARE, "faults", NULL, "software:faults:1"),
		ap_make(PK_RAWTRACEPOINT, NULL, "sys_enter", "rawtracepoint:sys_enter"),
	};
	int types[] = { BPF_PROG_TYPE_PERF_EVENT, BPF_PROG_TYPE_PERF_EVENT,
			BPF_PROG_TYPE_PERF_EVENT, BPF_PROG_TYPE_RAW_TRACEPOINT };
	struct clause_obj *c;
	struct rt_clause *rc = NULL;
	__u32 key = 0;
	__u64 before;
	char *mem;
	int i, err;

	aps[0].period_ns = 1000000;
	aps[1].freq = 997;
	aps[2].freq = 1;
	for (i = 0; i < 4; i++) {
		c = clause_make(elf, len, "rtt_count", types[i], &aps[i], 1, 0);
		err = rt_clause_load(rt, c, &rc, NULL);
		CHECK(!err, "%s load: %s", aps[i].full, rt_strerror(rt));
		if (err) {
			clause_drop(c);
			continue;
		}
		ids_note_clause(rc);
		err = rt_clause_attach(rt, rc);
		CHECK(!err, "%s attach: %s", aps[i].full, rt_strerror(rt));
		ids_note_links();
		before = map_u64(rt, 0, &key);
		mem = mmap(NULL, 64 << 12, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (int j = 0; j < 64; j++)
			mem[j << 12] = 1;       /* page faults */
		munmap(mem, 64 << 12);
		for (double end = now_ms() + 50; now_ms() < end;)
			;                       /* cpu-clock ticks */
		CHECK(map_u64(rt, 0, &key) > before, "%s never fired", aps[i].full);
		rt_clause_free(rt, rc);
		clause_drop(c);
	}
}

static void test_begin_exit(struct rt *rt, struct rec_output *out, void *elf, size_t len)
{
	struct attach_point ap = ap_make(PK_BEGIN, NULL, NULL, "BEGIN");
	struct clause_obj *c = clause_make(elf, len, "rtt_begin", BPF_PROG_TYPE_RAW_TRACEPOINT, &ap, 1, 0);
	struct rt_clause *rc = NULL;
	__u64 key = 0;
	int err, r;

	err = rt_clause_load(rt, c, &rc, NULL);
	CHECK(!err, "BEGIN load: %s", rt_strerror(rt));
	if (err)
		goto out;
	ids_note_clause(rc);
	CHECK(rt_clause_nprobes(rc) == 1, "BEGIN counts as one probe");
	err = rt_clause_trigger(rt, rc, PK_BEGIN);
	CHECK(!err, "BEGIN test_run: %s", rt_strerror(rt));
	CHECK(map_u64(rt, 1, &key) == 42, "BEGIN did not write @rtt_x");
	r = RT_RUNNING;
	for (int i = 0; i < 10 && r == RT_RUNNING; i++)
		r = rt_poll(rt, 100);
	CHECK(r == RT_STOP_EXIT, "exit() not seen (rt_poll %d)", r);
	rt_drain(rt, false);
	CHECK(!strcmp(out->text, "hello from BEGIN\n"), "BEGIN output was '%s'", out->text);
	rt_clause_free(rt, rc);
out:
	clause_drop(c);
}

static void test_subprogs(struct rt *rt)
{
	struct attach_point ap = ap_make(PK_BEGIN, NULL, NULL, "BEGIN");
	char ir[2048];
	struct clause_obj *c;
	struct rt_clause *rc = NULL;
	void *elf = NULL;
	size_t len;
	int err;

	/* entry first */
	snprintf(ir, sizeof(ir), ir_sub_fmt, "", "rtt_subok", "", "rtt_subok", "rtt_subok");
	CHECK(!llc_compile(ir, &elf, &len), "llc");
	c = clause_make(elf, len, "rtt_subok", BPF_PROG_TYPE_RAW_TRACEPOINT, &ap, 1, 0);
	err = rt_clause_load(rt, c, &rc, NULL);
	CHECK(!err, "subprogram after the entry: %s", rt_strerror(rt));
	if (!err) {
		ids_note_clause(rc);
		CHECK(!rt_clause_trigger(rt, rc, PK_BEGIN), "run: %s", rt_strerror(rt));
		rt_clause_free(rt, rc);
	}
	clause_drop(c);
	free(elf);

	/* LLVM emits functions in module order: a helper defined first comes first */
	snprintf(ir, sizeof(ir),
		 "define internal i64 @rtt_add2(i64 %%a) #0 section \"prog/rtt_subbad\" {\n"
		 "  ret i64 %%a\n}\n"
		 "define i64 @rtt_subbad(ptr %%ctx) section \"prog/rtt_subbad\" {\n"
		 "  %%r = call i64 @rtt_add2(i64 1)\n  ret i64 0\n}\n"
		 "attributes #0 = { noinline }\n");
	CHECK(!llc_compile(ir, &elf, &len), "llc");
	c = clause_make(elf, len, "rtt_subbad", BPF_PROG_TYPE_RAW_TRACEPOINT, &ap, 1, 0);
	err = rt_clause_load(rt, c, &rc, NULL);
	CHECK(err && strstr(rt_strerror(rt), "not first"), "helper first: %d %s", err,
	      rt_strerror(rt));
	clause_drop(c);
	free(elf);
}

static void test_rejections(struct rt *rt, void *bad, size_t bad_len, void *reloc,
			    size_t reloc_len, void *nomap, size_t nomap_len)
{
	struct attach_point ap = ap_make(PK_BEGIN, NULL, NULL, "BEGIN");
	struct clause_obj *c;
	struct rt_clause *rc = NULL;
	char *log = NULL;
	int err;

	c = clause_make(bad, bad_len, "rtt_bad", BPF_PROG_TYPE_RAW_TRACEPOINT, &ap, 1, 0);
	err = rt_clause_load(rt, c, &rc, &log);
	CHECK(err == -EACCES && !rc, "bad program loaded (%d)", err);
	CHECK(log && strstr(log, "invalid mem access"), "no verifier log: %s", log ? log : "(null)");
	CHECK(strstr(rt_strerror(rt), "invalid mem access"), "error says: %s", rt_strerror(rt));
	free(log);
	clause_drop(c);

	c = clause_make(reloc, reloc_len, "rtt_reloc", BPF_PROG_TYPE_RAW_TRACEPOINT, &ap, 1, 0);
	err = rt_clause_load(rt, c, &rc, NULL);
	CHECK(err && strstr(rt_strerror(rt), "unsupported relocation"), "reloc: %d %s", err,
	      rt_strerror(rt));
	clause_drop(c);

	c = clause_make(nomap, nomap_len, "rtt_nomap", BPF_PROG_TYPE_RAW_TRACEPOINT, &ap, 1, 0);
	err = rt_clause_load(rt, c, &rc, NULL);
	CHECK(err && strstr(rt_strerror(rt), "map id 77"), "nomap: %d %s", err, rt_strerror(rt));
	clause_drop(c);

	c = clause_make(nomap, nomap_len, "rtt_missing", BPF_PROG_TYPE_RAW_TRACEPOINT, &ap, 1, 0);
	err = rt_clause_load(rt, c, &rc, NULL);
	CHECK(err == -ENOENT, "missing section: %d %s", err, rt_strerror(rt));
	clause_drop(c);
}

static void test_attach_failure(struct rt *rt, void *elf, size_t len)
{
	/* the second attach point fails: the first must not stay attached */
	struct attach_point aps[] = {
		ap_make(PK_TRACEPOINT, "syscalls", "sys_enter_getppid",
			"tracepoint:syscalls:sys_enter_getppid"),
		ap_make(PK_TRACEPOINT, "syscalls", "nonsense", "tracepoint:syscalls:nonsense"),
	};
	struct clause_obj *c = clause_make(elf, len, "rtt_count", BPF_PROG_TYPE_TRACEPOINT, aps, 2, 0);
	struct rt_clause *rc = NULL;
	int err;

	err = rt_clause_load(rt, c, &rc, NULL);
	CHECK(!err, "load: %s", rt_strerror(rt));
	if (err)
		goto out;
	ids_note_clause(rc);
	err = rt_clause_attach(rt, rc);
	CHECK(err && strstr(rt_strerror(rt), "tracepoint:syscalls:nonsense"), "attach: %d %s",
	      err, rt_strerror(rt));
	CHECK(count_links_of(ids_prog[nids_prog - 1]) == 0, "a failed attach left a link");
	rt_clause_free(rt, rc);
out:
	clause_drop(c);
	if (perf_hw_available())
		return;
	/* no PMU here: the message must say so */
	aps[0] = ap_make(PK_HARDWARE, "cache-misses", NULL, "hardware:cache-misses:10");
	aps[0].freq = 10;
	c = clause_make(elf, len, "rtt_count", BPF_PROG_TYPE_PERF_EVENT, aps, 1, 0);
	err = rt_clause_load(rt, c, &rc, NULL);
	CHECK(!err, "load: %s", rt_strerror(rt));
	if (!err) {
		ids_note_clause(rc);
		err = rt_clause_attach(rt, rc);
		CHECK(err && strstr(rt_strerror(rt), "no hardware PMU"), "hardware: %d %s", err,
		      rt_strerror(rt));
		rt_clause_free(rt, rc);
	}
	clause_drop(c);
}

/* Clauses on one event run in script order: rt_attach_all attaches tracepoints
 * first-to-last and software events last-to-first, as bpftrace does. */
static void test_order(struct rt *rt, void *seq1, size_t len1, void *seq2, size_t len2)
{
	struct attach_point aps[] = {
		ap_make(PK_TRACEPOINT, "syscalls", "sys_enter_getppid",
			"tracepoint:syscalls:sys_enter_getppid"),
		ap_make(PK_SOFTWARE, "faults", NULL, "software:faults:1"),
	};
	int types[] = { BPF_PROG_TYPE_TRACEPOINT, BPF_PROG_TYPE_PERF_EVENT };
	int fd = rt_map_fd(rt, 3), k, err;
	struct rt_clause *rcs[2] = { NULL, NULL };
	struct clause_obj *cs[2];
	__u64 v, zero = 0, tgid = getpid(), got[3];
	__u32 key;
	char *mem;

	aps[1].freq = 1;
	for (k = 0; k < 2; k++) {
		cs[0] = clause_make(seq1, len1, "rtt_seq1", types[k], &aps[k], 1, 0);
		cs[1] = clause_make(seq2, len2, "rtt_seq2", types[k], &aps[k], 1, 1);
		for (key = 0; key < 4; key++)
			bpf_map_update_elem(fd, &key, &zero, 0);
		err = rt_clause_load(rt, cs[0], &rcs[0], NULL);
		if (!err)
			err = rt_clause_load(rt, cs[1], &rcs[1], NULL);
		CHECK(!err, "%s load: %s", aps[k].full, rt_strerror(rt));
		if (!err) {
			ids_note_clause(rcs[0]);
			ids_note_clause(rcs[1]);
			err = rt_attach_all(rt, rcs, 2);
			CHECK(!err, "%s attach: %s", aps[k].full, rt_strerror(rt));
			key = 3;
			bpf_map_update_elem(fd, &key, &tgid, 0);
			if (k == 0) {
				syscall(SYS_getppid);
			} else {
				mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				mem[0] = 1;
				munmap(mem, 4096);
			}
			bpf_map_update_elem(fd, &key, &zero, 0);
			for (key = 0; key < 3; key++)
				got[key] = bpf_map_lookup_elem(fd, &key, &v) ? 0 : v;
			CHECK(got[0] >= 2 && got[1] == 1 && got[2] == 2,
			      "%s: clauses ran as %llu, %llu (of %llu runs)", aps[k].full,
			      (unsigned long long)got[1], (unsigned long long)got[2],
			      (unsigned long long)got[0]);
		}
		rt_clause_free(rt, rcs[0]);
		rt_clause_free(rt, rcs[1]);
		rcs[0] = rcs[1] = NULL;
		clause_drop(cs[0]);
		clause_drop(cs[1]);
	}
}

/* The whole flow: BEGIN prints and exits, the tracepoint is attached and gone. */
static void test_oneshot_exit(struct session *s, struct rec_output *out, void *count,
			      size_t count_len, void *begin, size_t begin_len)
{
	struct attach_point ap_b = ap_make(PK_BEGIN, NULL, NULL, "BEGIN");
	struct attach_point ap_t = ap_make(PK_TRACEPOINT, "syscalls", "sys_enter_getppid",
					   "tracepoint:syscalls:sys_enter_getppid");
	struct clause_obj *cs[2];
	struct rt *rt;
	double t0;
	int ret;

	rec_reset(out);
	rt = rt_new(s, &out->base, NULL);
	cs[0] = clause_make(begin, begin_len, "rtt_begin", BPF_PROG_TYPE_RAW_TRACEPOINT, &ap_b, 1, 0);
	cs[1] = clause_make(count, count_len, "rtt_count", BPF_PROG_TYPE_TRACEPOINT, &ap_t, 1, 1);
	t0 = now_ms();
	ret = rt_run_oneshot(rt, cs, 2);
	fprintf(stderr, "timing: one-shot BEGIN{exit()} + 1 tracepoint: %.1f ms\n", now_ms() - t0);
	CHECK(ret == 0, "oneshot returned %d: %s", ret, out->msgs);
	CHECK(out->attached == 2, "Attaching %d probes", out->attached);
	CHECK(!strcmp(out->text, "hello from BEGIN\n"), "output '%s'", out->text);
	CHECK(out->exit_begins == 1, "exit_maps_begin called %d times", out->exit_begins);
	CHECK(!strcmp(out->maps, "@rtt_count @rtt_x "), "maps printed: '%s' %s", out->maps,
	      out->msgs);
	rt_free(rt);
	clause_drop(cs[0]);
	clause_drop(cs[1]);
}

/* -c: the run ends when the child does. */
static void test_oneshot_child(struct session *s, struct rec_output *out, void *count,
			       size_t count_len)
{
	struct attach_point ap = ap_make(PK_TRACEPOINT, "syscalls", "sys_enter_getppid",
					 "tracepoint:syscalls:sys_enter_getppid");
	struct clause_obj *c;
	struct rt *rt;
	pid_t pid;
	int ret;

	rec_reset(out);
	rt = rt_new(s, &out->base, NULL);
	pid = rt_spawn_child(rt, "/nonexistent/cmd arg");
	CHECK(pid < 0 && strstr(rt_strerror(rt), "does not exist or is not executable"),
	      "bad -c: %d %s", pid, rt_strerror(rt));
	pid = rt_spawn_child(rt, "/bin/sleep 0.2");
	CHECK(pid > 0, "spawn: %s", rt_strerror(rt));
	c = clause_make(count, count_len, "rtt_count", BPF_PROG_TYPE_TRACEPOINT, &ap, 1, 0);
	ret = rt_run_oneshot(rt, &c, 1);
	CHECK(ret == 0 && rt->stop == RT_STOP_CHILD, "child run: ret %d stop %d", ret, rt->stop);
	CHECK(rt->child_reaped, "child not reaped");
	rt_free(rt);
	clause_drop(c);
}

/* SIGUSR1 prints the maps, SIGINT ends the run and prints them again. */
static void test_oneshot_signals(struct session *s, struct rec_output *out, void *count,
				 size_t count_len)
{
	struct attach_point ap = ap_make(PK_TRACEPOINT, "syscalls", "sys_enter_getppid",
					 "tracepoint:syscalls:sys_enter_getppid");
	struct clause_obj *c;
	struct rt *rt;
	pid_t me = getpid(), helper;
	int ret;

	rec_reset(out);
	rt = rt_new(s, &out->base, NULL);
	c = clause_make(count, count_len, "rtt_count", BPF_PROG_TYPE_TRACEPOINT, &ap, 1, 0);
	helper = fork();
	if (helper == 0) {
		usleep(300000);
		kill(me, SIGUSR1);
		usleep(100000);
		kill(me, SIGINT);
		_exit(0);
	}
	ret = rt_run_oneshot(rt, &c, 1);
	waitpid(helper, NULL, 0);
	CHECK(ret == 0 && rt->stop == RT_STOP_SIGNAL, "signal run: ret %d stop %d", ret, rt->stop);
	CHECK(!strcmp(out->maps, "@rtt_count @rtt_x @rtt_count @rtt_x "),
	      "maps printed: '%s'", out->maps);
	rt_free(rt);
	clause_drop(c);
}

int main(void)
{
	void *count = NULL, *begin = NULL, *bad = NULL, *reloc = NULL, *nomap = NULL;
	void *seq1 = NULL, *seq2 = NULL;
	size_t count_len, begin_len, bad_len, reloc_len, nomap_len, seq1_len, seq2_len;
	char begin_ir[4096], seq1_ir[4096], seq2_ir[4096];
	struct rec_output out;
	struct session s;
	struct rt *rt;
	int i;

	if (geteuid() != 0 || system("command -v llc-19 >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_runtime: needs root and llc-19, skipped\n");
		return SKIP;
	}
	snprintf(begin_ir, sizeof(begin_ir), ir_begin_fmt, EV_PRINTF, EV_EXIT, EV_PRINTF);
	snprintf(seq1_ir, sizeof(seq1_ir), ir_seq_fmt, 1, 1, 1);
	snprintf(seq2_ir, sizeof(seq2_ir), ir_seq_fmt, 2, 2, 2);
	if (llc_compile(ir_count, &count, &count_len) || llc_compile(begin_ir, &begin, &begin_len) ||
	    llc_compile(seq1_ir, &seq1, &seq1_len) || llc_compile(seq2_ir, &seq2, &seq2_len) ||
	    llc_compile(ir_bad, &bad, &bad_len) || llc_compile(ir_reloc, &reloc, &reloc_len) ||
	    llc_compile(ir_nomap, &nomap, &nomap_len)) {
		fprintf(stderr, "test_runtime: llc-19 failed\n");
		return 1;
	}

	session_init(&s);
	rec_reset(&out);
	rt = rt_new(&s, &out.base, NULL);
	CHECK(rt, "rt_new");
	if (!rt)
		return 1;
	CHECK(!rt_maps_sync(rt), "maps: %s", rt_strerror(rt));
	for (i = 0; i < s.nmaps; i++)
		ids_map[nids_map++] = fd_id(rt_map_fd(rt, i));

	test_tracepoint(rt, count, count_len);
	test_perf_kinds(rt, count, count_len);
	test_begin_exit(rt, &out, begin, begin_len);
	test_rejections(rt, bad, bad_len, reloc, reloc_len, nomap, nomap_len);
	test_subprogs(rt);
	test_attach_failure(rt, count, count_len);
	test_order(rt, seq1, seq1_len, seq2, seq2_len);
	rt_free(rt);
	check_kernel_clean();

	test_oneshot_exit(&s, &out, count, count_len, begin, begin_len);
	test_oneshot_child(&s, &out, count, count_len);
	test_oneshot_signals(&s, &out, count, count_len);
	check_kernel_clean();

	free(count);
	free(begin);
	free(bad);
	free(reloc);
	free(nomap);
	free(seq1);
	free(seq2);
	if (failures) {
		fprintf(stderr, "test_runtime: %d failure(s)\n", failures);
		return 1;
	}
	fprintf(stderr, "test_runtime: ok\n");
	return 0;
}
