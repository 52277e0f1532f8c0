/* test_symbols: unit tests for the ELF readers (runtime/elf_*, usdt_notes,
 * procmaps, maptrack), the compiler's USDT argument specs and the symbolizer:
 * PIE and libraries of this process, C++ names, a JIT's perf map, a deleted
 * executable, and processes that exited before or after being captured.
 * Prints the cost of resolving a stack through libc. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "../../runtime/elf_file.h"
#include "../../runtime/folded.h"
#include "../../runtime/elf_paths.h"
#include "../../runtime/kinfo_user.h"
#include "../../runtime/maptrack.h"
#include "../../runtime/procmaps.h"
#include "../../runtime/symbols.h"
#include "../../runtime/usdt_notes.h"
#include "session.h"
#include "usdt_args.h"
#include "x86_insn.h"

#ifndef USERPROGS_DIR
#define USERPROGS_DIR "."
#endif
#ifndef CROOT_DIR
#define CROOT_DIR "."
#endif

static int passed, failed, skipped;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (cond) {                                                      \
			passed++;                                                \
		} else {                                                         \
			failed++;                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
		}                                                                \
	} while (0)

static void skip(const char *what)
{
	skipped++;
	fprintf(stderr, "skipped: %s\n", what);
}

/* ---- procmaps ---- */

static void test_procmaps_parse(void)
{
	struct procmap m;

	CHECK(!procmaps_parse_line("7f0000000000-7f0000021000 r-xp 00002000 fd:01 1234    "
				   "/usr/lib/x86_64-linux-gnu/libc.so.6\n", &m));
	CHECK(m.start == 0x7f0000000000ull && m.end == 0x7f0000021000ull && m.pgoff == 0x2000);
	CHECK(m.exec && !m.write && !m.deleted && m.inode == 1234);
	CHECK(m.path && !strcmp(m.path, "/usr/lib/x86_64-linux-gnu/libc.so.6"));
	free(m.path);
	CHECK(!procmaps_parse_line("00400000-00401000 r-xp 00000000 08:02 77 /tmp/a b (deleted)\n",
				   &m));
	CHECK(m.deleted && m.path && !strcmp(m.path, "/tmp/a b"));
	free(m.path);
	CHECK(!procmaps_parse_line("7ffd1000-7ffd3000 r-xp 00000000 00:00 0 [vdso]\n", &m));
	CHECK(m.path && !strcmp(m.path, "[vdso]") && !m.inode);
	free(m.path);
	CHECK(!procmaps_parse_line("7ffd1000-7ffd3000 rw-p 00000000 00:00 0\n", &m));
	CHECK(!m.path && !m.exec && m.write);
	CHECK(procmaps_parse_line("garbage\n", &m) == -EINVAL);
}

static void test_procmaps_self(void)
{
	struct procmaps maps;
	const struct procmap *m;

	CHECK(!procmaps_read(getpid(), &maps));
	m = procmaps_find(&maps, (uint64_t)(uintptr_t)&test_procmaps_self);
	CHECK(m && m->exec && m->path && strstr(m->path, "test_symbols"));
	CHECK(!procmaps_find(&maps, 0));
	procmaps_free(&maps);
	CHECK(procmaps_read(0x7ffffff0, &maps) == -ENOENT);
}

/* ---- ELF ---- */

static void test_elf_self(void)
{
	struct elf_segs segs;
	struct elf_sym sym;
	uint64_t off, va;
	uint8_t id[32];
	int fd;
	Elf *e;

	CHECK(elf_is_file("/proc/self/exe"));
	CHECK(!elf_is_file("/proc/self/status"));
	CHECK(!elf_symbol_lookup("/proc/self/exe", "main", &sym));
	CHECK(sym.type == STT_FUNC && sym.size > 0);
	CHECK(elf_symbol_lookup("/proc/self/exe", "no_such_symbol_here", &sym) == -ENOENT);
	CHECK(elf_symbol_lookup("/proc/self/status", "main", &sym) == -ENOEXEC);
	e = elf_file_open("/proc/self/exe", &fd);
	CHECK(e != NULL);
	if (!e)
		return;
	CHECK(!elf_load_segments(e, &segs) && segs.n >= 2);
	CHECK(elf_build_id(e, id, sizeof(id)) == 20);
	elf_symbol_lookup("/proc/self/exe", "main", &sym);
	CHECK(!elf_vaddr_to_offset(&segs, sym.addr, &off));
	CHECK(!elf_offset_to_vaddr(&segs, off, &va) && va == sym.addr);
	elf_file_close(e, fd);
}

static void test_elf_paths(void)
{
	char *p = elf_paths_resolve("libc", 0, NULL), *q;
	int n = -1;

	CHECK(p && strstr(p, "libc.so"));
	q = elf_paths_ldcache("libc.so.6");
	CHECK(q && p && !strcmp(p, q));
	free(p);
	free(q);
	p = elf_paths_resolve("bash", 0, &n);
	CHECK(p && strstr(p, "bash") && n >= 1);
	free(p);
	CHECK(!elf_paths_resolve("/no/such/file", 0, NULL));
	p = elf_paths_pid_lib(getpid(), "libc");
	CHECK(p && strstr(p, "/root/") && strstr(p, "libc.so"));
	free(p);
}

struct lib_seen {
	int n;
	bool tp, libc;
};

static int lib_visit(const char *path, void *ctx)
{
	struct lib_seen *l = ctx;

	l->n++;
	l->tp |= strstr(path, "testlibs/libusdt_tp.so") != NULL;
	l->libc |= strstr(path, "libc.so.6") != NULL;
	return 0;
}

static void test_needed(void)
{
	struct lib_seen l = { 0 };

	if (access(CROOT_DIR "/testprogs/usdt_lib", X_OK)) {
		skip("conformance helpers not built");
		return;
	}
	CHECK(!elf_paths_needed(CROOT_DIR "/testprogs/usdt_lib", lib_visit, &l));
	CHECK(l.tp && l.libc && l.n >= 3);      /* libc needs ld-linux too */
}

struct note_list {
	int n, with_sema;
	char names[64][64];
	char args[64][64];
};

static int note_visit(const struct usdt_note *note, void *ctx)
{
	struct note_list *l = ctx;

	if (l->n < 64) {
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s:%s", note->provider, note->name);
		snprintf(l->args[l->n], sizeof(l->args[0]), "%s", note->args);
	}
	l->with_sema += note->sema_offset != 0;
	l->n += note->pc_offset != 0;
	return 0;
}

static void test_usdt_notes(void)
{
	struct note_list l = { 0 };

	if (access(CROOT_DIR "/testprogs/usdt_test", X_OK)) {
		skip("conformance helpers not built");
		return;
	}
	CHECK(!usdt_notes_foreach(CROOT_DIR "/testprogs/usdt_test", note_visit, &l));
	CHECK(l.n == 3 && !l.with_sema);
	CHECK(!strcmp(l.names[0], "tracetest:testprobe") && !strcmp(l.names[2], "tracetest2:testprobe2"));
	CHECK(!strcmp(l.args[0], "-8@%rax 8@%rdx"));
	memset(&l, 0, sizeof(l));
	CHECK(!usdt_notes_foreach(CROOT_DIR "/testprogs/usdt_semaphore_test", note_visit, &l));
	CHECK(l.n == 1 && l.with_sema == 1);
	memset(&l, 0, sizeof(l));
	CHECK(!usdt_notes_foreach(CROOT_DIR "/testprogs/usdt_args", note_visit, &l));
	CHECK(l.n == 32);
	memset(&l, 0, sizeof(l));
	CHECK(!usdt_notes_foreach(CROOT_DIR "/testprogs/usdt_lib", note_visit, &l));
	CHECK(l.n == 0);
	CHECK(usdt_notes_foreach("/proc/self/status", note_visit, &l) == -ENOEXEC);
}

static void test_usdt_args(void)
{
	struct usdt_arg a[8];
	const char *bad = NULL;

	CHECK(usdt_args_parse("-8@%rax 8@%rdx", a, 8, NULL) == 2);
	CHECK(a[0].op == USDT_OP_REG && a[0].size == 8 && a[0].is_signed && a[0].reg_off == 80);
	CHECK(a[1].reg_off == 96 && !a[1].is_signed);
	CHECK(usdt_args_parse("-4@$-202182160", a, 8, NULL) == 1);
	CHECK(a[0].op == USDT_OP_CONST && a[0].value == -202182160 && a[0].size == 4);
	CHECK(usdt_args_parse("8@$-579005069656919568", a, 8, NULL) == 1 &&
	      a[0].value == -579005069656919568ll);
	CHECK(usdt_args_parse("1@%al -1@%ah 2@%r9w", a, 8, NULL) == 3);
	CHECK(a[0].reg_size == 1 && !a[0].reg_shift && a[1].reg_shift == 8 && a[2].reg_off == 64);
	CHECK(usdt_args_parse("4@-72(%rbp)", a, 8, NULL) == 1);
	CHECK(a[0].op == USDT_OP_MEM && a[0].value == -72 && a[0].reg_off == 32 && a[0].index_off < 0);
	CHECK(usdt_args_parse("-2@-80(%rbp,%rax,8)", a, 8, NULL) == 1);
	CHECK(a[0].index_off == 80 && a[0].scale == 8 && a[0].size == 2 && a[0].is_signed);
	CHECK(usdt_args_parse("8@(%rsp)", a, 8, NULL) == 1 && a[0].reg_off == 152 && !a[0].value);
	CHECK(usdt_args_parse("4@counter+4(%rip)", a, 8, NULL) == 1);
	CHECK(!strcmp(a[0].sym, "counter") && a[0].value == 4 && a[0].reg_off == 128);
	CHECK(usdt_args_parse("", a, 8, NULL) == 0);
	CHECK(usdt_args_parse("8@%rax 3@%rbx", a, 8, &bad) == -EINVAL && bad && !strcmp(bad, "3@%rbx"));
	CHECK(usdt_args_parse("8@%xyz", a, 8, NULL) == -EINVAL);
}


static void test_x86_insn(void)
{
	/* push %r15; mov %rsp,%rbp; sub $0x28,%rsp; mov 0x10(%rsp,%rax,8),%rax;
	 * movabs $imm64,%rax; vmovdqu64 (%rdi),%zmm0; call rel32; ret */
	static const uint8_t code[] = {
		0x41, 0x57, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x28, 0x48, 0x8b, 0x44, 0xc4, 0x10,
		0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 0x62, 0xf1, 0xfe, 0x48, 0x6f, 0x07,
		0xe8, 0, 0, 0, 0, 0xc3,
	};
	static const uint8_t ops16[] = { 0x66, 0x81, 0xc3, 0x34, 0x12 };      /* add $0x1234,%bx */
	static const uint8_t test_imm[] = { 0xf7, 0xc0, 1, 0, 0, 0 };          /* test $1,%eax */
	static const uint8_t not_rm[] = { 0xf7, 0xd0 };                        /* not %eax */

	CHECK(x86_insn_length(code, sizeof(code)) == 2);
	CHECK(x86_insn_length(code + 2, sizeof(code) - 2) == 3);
	CHECK(x86_insn_length(code + 5, sizeof(code) - 5) == 4);
	CHECK(x86_insn_length(code + 9, sizeof(code) - 9) == 5);
	CHECK(x86_insn_length(code + 14, sizeof(code) - 14) == 10);
	CHECK(x86_insn_length(code + 24, sizeof(code) - 24) == 6);
	CHECK(x86_insn_length(code + 30, sizeof(code) - 30) == 5);
	CHECK(x86_insn_boundary(code, sizeof(code), 24) == 1);
	CHECK(x86_insn_boundary(code, sizeof(code), 25) == 0);
	CHECK(x86_insn_boundary(code, sizeof(code), 35) == 1);
	CHECK(x86_insn_length(ops16, sizeof(ops16)) == 5);
	CHECK(x86_insn_length(test_imm, sizeof(test_imm)) == 6);
	CHECK(x86_insn_length(not_rm, sizeof(not_rm)) == 2);
	CHECK(x86_insn_length(code + 14, 5) == -1);     /* truncated */
	CHECK(x86_insn_length((const uint8_t *)"\x06", 1) == -1);    /* push %es: not in 64-bit */
}

struct sym_list {
	int n;
	char names[8][128];
};

static int sym_visit(const struct user_sym *s, void *ctx)
{
	struct sym_list *l = ctx;

	if (l->n < 8)
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s", s->name);
	l->n++;
	return 0;
}

static void test_kinfo_cxx(void)
{
	const char *bin = USERPROGS_DIR "/cxx_names";
	struct sym_list l = { 0 };

	if (access(bin, X_OK)) {
		skip("cxx_names not built");
		return;
	}
	CHECK(kinfo_user_func_glob(bin, "ns::Widget::spin", sym_visit, &l) == 1);
	CHECK(!strcmp(l.names[0], "_ZN2ns6Widget4spinEi"));
	memset(&l, 0, sizeof(l));
	CHECK(kinfo_user_func_glob(bin, "ns::Widget::spin(int)", sym_visit, &l) == 1);
	memset(&l, 0, sizeof(l));
	CHECK(kinfo_user_func_glob(bin, "_ZN2ns6Widget4spinEi", sym_visit, &l) == 1);
	memset(&l, 0, sizeof(l));
	CHECK(kinfo_user_func_glob(bin, "*Widget*", sym_visit, &l) == 2);
	memset(&l, 0, sizeof(l));
	CHECK(kinfo_user_func_glob(bin, "ns::twice*", sym_visit, &l) == 2);
	memset(&l, 0, sizeof(l));
	CHECK(kinfo_user_func_glob(bin, "spin", sym_visit, &l) == 0);
}

/* ---- the symbolizer ---- */

static __attribute__((noinline)) int local_static_fn(int x)
{
	return x * 7;
}

static char *resolve(struct symbolizer *s, int pid, uint64_t addr)
{
	struct sym_frame f;
	static char buf[512];

	if (symbols_resolve_user(s, pid, addr, &f))
		return NULL;
	snprintf(buf, sizeof(buf), "%s", f.name);
	return buf;
}

static void test_symbolize_self(void)
{
	struct symbolizer *s = symbolizer_new(NULL, NULL);
	struct symbols_stats st;
	struct sym_frame f;
	char buf[256], *name;

	name = resolve(s, getpid(), (uint64_t)(uintptr_t)&local_static_fn + 2);
	CHECK(name && !strcmp(name, "local_static_fn"));
	CHECK(!symbols_resolve_user(s, getpid(), (uint64_t)(uintptr_t)&local_static_fn + 2, &f));
	CHECK(f.offset == 2 && f.module && strstr(f.module, "test_symbols"));
	name = resolve(s, getpid(), (uint64_t)(uintptr_t)&fclose);
	CHECK(name && strstr(name, "fclose"));
	CHECK(!resolve(s, getpid(), 16));
	symbols_usym_module(s, (uint64_t)(uintptr_t)&local_static_fn, getpid(), true, true, buf,
			    sizeof(buf));
	CHECK(!strncmp(buf, "local_static_fn+0 (/", 20));
	symbols_usym(s, 1, getpid(), false, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0x1"));
	f = (struct sym_frame){ .addr = 0x1234, .name = "fn", .offset = 4, .module = "/lib/x.so" };
	symbols_frame_format(&f, true, STACK_PERF, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1234 fn+4 (/lib/x.so)"));
	symbols_frame_format(&f, false, STACK_BPFTRACE, buf, sizeof(buf));
	CHECK(!strcmp(buf, "fn+4"));
	f.name = NULL;
	symbols_frame_format(&f, true, STACK_PERF, buf, sizeof(buf));
	CHECK(!strcmp(buf, "1234 0x1234 ([unknown])"));
	symbols_get_stats(s, &st);
	CHECK(st.processes == 1 && st.loaded >= 2);
	symbolizer_free(s);
}

struct child {
	pid_t pid;
	int in, out;
	FILE *outf;
};

static int child_start(struct child *c, const char *prog, const char *arg)
{
	int pin[2], pout[2];

	if (pipe(pin) || pipe(pout))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (!c->pid) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		close(pin[1]);
		close(pout[0]);
		execl(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	c->in = pin[1];
	c->outf = fdopen(pout[0], "r");
	return 0;
}

/* "ADDR NAME" lines */
static int child_addrs(struct child *c, uint64_t *addrs, char names[][128], int max)
{
	char line[256];
	int n = 0;
	void *p;

	while (n < max && fgets(line, sizeof(line), c->outf)) {
		if (sscanf(line, "%p %127[^\n]", &p, names[n]) != 2)
			continue;
		addrs[n++] = (uint64_t)(uintptr_t)p;
	}
	return n;
}

static int child_stop(struct child *c)
{
	int status = -1;

	close(c->in);
	fclose(c->outf);
	waitpid(c->pid, &status, 0);
	return status;
}

static void test_cxx_names(void)
{
	struct symbolizer *s;
	struct child c;
	uint64_t addrs[8];
	char names[8][128];
	char *name;
	int n;

	if (access(USERPROGS_DIR "/cxx_names", X_OK)) {
		skip("cxx_names not built");
		return;
	}
	s = symbolizer_new(NULL, NULL);
	CHECK(!child_start(&c, USERPROGS_DIR "/cxx_names", "wait"));
	n = child_addrs(&c, addrs, names, 4);
	CHECK(n == 4);
	symbols_note_pid(s, c.pid);
	for (int i = 0; i < n; i++) {
		name = resolve(s, c.pid, addrs[i]);
		CHECK(name && !strcmp(name, names[i]));
		if (!name || strcmp(name, names[i]))
			fprintf(stderr, "  %s resolved as %s\n", names[i], name ? name : "(none)");
	}
	child_stop(&c);
	/* captured while alive: still resolves */
	for (int i = 0; i < n; i++) {
		name = resolve(s, c.pid, addrs[i] + 1);
		CHECK(name && !strcmp(name, names[i]));
	}
	symbolizer_free(s);
}

static void test_jit_perfmap(void)
{
	struct symbolizer *s;
	char names[2][128], path[64];
	uint64_t addr;
	struct child c;
	struct sym_frame f;

	if (access(USERPROGS_DIR "/jit_perfmap", X_OK)) {
		skip("jit_perfmap not built");
		return;
	}
	s = symbolizer_new(NULL, NULL);
	CHECK(!child_start(&c, USERPROGS_DIR "/jit_perfmap", "wait"));
	CHECK(child_addrs(&c, &addr, names, 1) == 1);
	CHECK(!symbols_resolve_user(s, c.pid, addr + 3, &f));
	CHECK(f.name && !strcmp(f.name, "jitted_answer") && f.offset == 3);
	CHECK(f.module && strstr(f.module, "perf-"));
	CHECK(child_stop(&c) == 0);
	CHECK(!symbols_resolve_user(s, c.pid, addr, &f) && f.name && !strcmp(f.name, "jitted_answer"));
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", c.pid);
	unlink(path);
	symbolizer_free(s);
}

static void test_deleted_binary(void)
{
	struct symbolizer *s;
	char names[2][128], *name;
	uint64_t addr;
	struct child c;
	struct sym_frame f;

	if (access(USERPROGS_DIR "/deleted_bin", X_OK)) {
		skip("deleted_bin not built");
		return;
	}
	s = symbolizer_new(NULL, NULL);
	CHECK(!child_start(&c, USERPROGS_DIR "/deleted_bin", "wait"));
	CHECK(child_addrs(&c, &addr, names, 1) == 1);
	symbols_note_pid(s, c.pid);
	CHECK(!symbols_resolve_user(s, c.pid, addr, &f));
	CHECK(f.name && !strcmp(f.name, "deleted_fn"));
	CHECK(f.module && strstr(f.module, "/tmp/bpfdeck-deleted-"));
	child_stop(&c);
	name = resolve(s, c.pid, addr);
	CHECK(name && !strcmp(name, "deleted_fn"));
	symbolizer_free(s);
}

/* A process that is gone before anyone looks: only the mmap records know it. */
static void test_exited_before_capture(void)
{
	struct symbolizer *s = symbolizer_new(NULL, NULL), *plain = symbolizer_new(NULL, NULL);
	uint64_t addrs[8];
	char names[8][128], *name;
	struct child c;
	int n;

	if (access(USERPROGS_DIR "/cxx_names", X_OK)) {
		skip("cxx_names not built");
		goto out;
	}
	if (symbols_track_start(s)) {
		skip("perf events refused: mmap tracking untested");
		goto out;
	}
	CHECK(!child_start(&c, USERPROGS_DIR "/cxx_names", "exit"));
	n = child_addrs(&c, addrs, names, 4);
	CHECK(n == 4);
	child_stop(&c);
	CHECK(!resolve(plain, c.pid, addrs[0]));
	symbols_note_pid(s, c.pid);
	for (int i = 0; i < n; i++) {
		name = resolve(s, c.pid, addrs[i]);
		CHECK(name && !strcmp(name, names[i]));
	}
out:
	symbolizer_free(s);
	symbolizer_free(plain);
}


/* ---- stack tables and folded stacks ---- */

static int fake_stack_fd;

static int fake_stack_map(void *ctx, const struct type *t)
{
	return fake_stack_fd;
}

static __attribute__((noinline)) int outer_fn(int x)
{
	return local_static_fn(x) + 1;
}

static void test_folded(void)
{
	struct session_config cfg = { .strlen = 64, .map_keys_max = 16 };
	struct session *sess;
	struct output *o;
	struct map_decl d = { .name = "@s" };
	struct map_entry e[3];
	struct map_snapshot snap = { .decl = &d, .entries = e, .n = 3 };
	struct stack_table tab;
	struct type *elems[2];
	uint64_t frames[127] = { 0 }, key_buf[3][4], val[3];
	uint32_t id;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int n;

	fake_stack_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "fake_stacks", 4, sizeof(frames), 8, NULL);
	if (fake_stack_fd < 0) {
		skip("no BPF maps here: folded stacks untested");
		return;
	}
	/* stack 1: local_static_fn <- outer_fn; stack 2: the same path at other
	 * offsets (merges in folded output); stack 3: an unknown address */
	frames[0] = (uint64_t)(uintptr_t)&local_static_fn + 1;
	frames[1] = (uint64_t)(uintptr_t)&outer_fn + 4;
	id = 1;
	bpf_map_update_elem(fake_stack_fd, &id, frames, 0);
	frames[0] = (uint64_t)(uintptr_t)&local_static_fn + 3;
	id = 2;
	bpf_map_update_elem(fake_stack_fd, &id, frames, 0);
	frames[0] = 0x10;
	frames[1] = 0;
	id = 3;
	bpf_map_update_elem(fake_stack_fd, &id, frames, 0);

	sess = session_new(&cfg, NULL);
	o = output_text_new(sess, stdout);
	o->syms = symbolizer_new(fake_stack_map, NULL);
	elems[0] = type_string(sess->arena, 8);
	elems[1] = type_simple(sess->arena, TY_USTACK);
	elems[1]->stack_depth = 127;
	d.key = type_tuple(sess->arena, elems, 2);
	d.value = type_simple(sess->arena, TY_COUNT);
	for (int i = 0; i < 3; i++) {
		memset(key_buf[i], 0, sizeof(key_buf[i]));
		strcpy((char *)key_buf[i], "prog");
		key_buf[i][1] = i + 1;                  /* stack id */
		key_buf[i][2] = (uint64_t)getpid();     /* its pid */
		val[i] = 10 * (i + 1);
		e[i].key = key_buf[i];
		e[i].value = &val[i];
	}
	CHECK(folded_map_has_stacks(&d));
	CHECK(!stack_table_build(o, &snap, &tab));
	CHECK(tab.n == 3 && tab.total == 60);
	CHECK(tab.rows[0].count == 30 && tab.rows[0].nframes == 1 && !tab.rows[0].frames[0].name);
	CHECK(tab.rows[1].count == 20 && tab.rows[1].nframes == 2 && tab.rows[1].nuser == 2);
	CHECK(tab.rows[1].frames[0].name && !strcmp(tab.rows[1].frames[0].name, "local_static_fn"));
	CHECK(!strcmp(tab.rows[1].label, "prog") && tab.rows[1].pid == getpid());
	stack_table_free(&tab);
	mem = open_memstream(&text, &len);
	n = folded_write(mem, o, &snap);
	fclose(mem);
	CHECK(n == 2);
	CHECK(text && !strcmp(text, "prog;0x10 30\nprog;outer_fn;local_static_fn 30\n"));
	if (text && n != 2)
		fprintf(stderr, "%s", text);
	free(text);
	d.key = type_string(sess->arena, 8);
	CHECK(!folded_map_has_stacks(&d));
	CHECK(folded_write(stdout, o, &snap) == -EINVAL);
	symbolizer_free(o->syms);
	o->ops->destroy(o);
	session_free(sess);
	close(fake_stack_fd);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = atol(line + 6);
	if (f)
		fclose(f);
	return kib;
}

/* What a user stack through libc costs: the first resolution loads the
 * tables of the executable and libc; later ones are lookups. */
static void test_cost(void);
static void test_cost(void)
{
	struct symbolizer *s = symbolizer_new(NULL, NULL);
	uint64_t stack[] = { (uint64_t)(uintptr_t)&fread, (uint64_t)(uintptr_t)&qsort + 1,
			     (uint64_t)(uintptr_t)&local_static_fn, (uint64_t)(uintptr_t)&test_cost };
	struct symbols_stats st;
	struct sym_frame f;
	long rss0 = rss_kib(), rss1;
	uint64_t t0 = now_ns(), t1, t2;
	int ok = 0;

	for (size_t i = 0; i < sizeof(stack) / sizeof(stack[0]); i++)
		ok += !symbols_resolve_user(s, getpid(), stack[i], &f);
	t1 = now_ns();
	for (int r = 0; r < 1000; r++)
		for (size_t i = 0; i < sizeof(stack) / sizeof(stack[0]); i++)
			symbols_resolve_user(s, getpid(), stack[i], &f);
	t2 = now_ns();
	rss1 = rss_kib();
	symbols_get_stats(s, &st);
	CHECK(ok == 4);
	CHECK(st.bytes < 4u << 20);
	printf("symbolization: first 4-frame stack through libc %.2f ms, then %.2f us per "
	       "stack; %zu symbols in %u tables, %zu KiB of tables, RSS +%ld KiB\n",
	       (t1 - t0) / 1e6, (t2 - t1) / 1e3 / 1000, st.symbols, st.loaded, st.bytes / 1024,
	       rss1 - rss0);
	symbolizer_free(s);
}

int main(void)
{
	test_procmaps_parse();
	test_procmaps_self();
	test_elf_self();
	test_elf_paths();
	test_usdt_notes();
	test_needed();
	test_usdt_args();
	test_x86_insn();
	test_kinfo_cxx();
	test_symbolize_self();
	test_folded();
	test_cost();
	test_cxx_names();
	test_jit_perfmap();
	test_deleted_binary();
	if (geteuid())
		skip("not root: exited-process tracking");
	else
		test_exited_before_capture();
	printf("test_symbols: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
