/* test_compile: sema and codegen without a kernel.
 * Valid programs must compile to a BPF ELF; invalid ones must fail with the
 * exact diagnostic (message, location, caret). A fake kinfo stands in for tracefs. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile.h"
#include "btf.h"

static int failures, passes;

/* A fake kernel: two tracepoints with fixed formats. */
static int fake_tp_format(const char *cat, const char *ev, struct tp_format *out)
{
	static const struct tp_field openat[] = {
		{ "__syscall_nr", "int", 8, 4, true, 0, false },
		{ "dfd", "int", 16, 8, true, 0, false },
		{ "filename", "const char *", 24, 8, false, 0, false },
		{ "flags", "int", 32, 8, true, 0, false },
	};
	static const struct tp_field sw[] = {
		{ "prev_comm", "char", 8, 16, true, 16, false },
		{ "prev_pid", "pid_t", 24, 4, true, 0, false },
	};
	const struct tp_field *f;
	int n;

	if (!strcmp(cat, "syscalls") && !strcmp(ev, "sys_enter_openat")) {
		f = openat;
		n = 4;
	} else if (!strcmp(cat, "sched") && !strcmp(ev, "sched_switch")) {
		f = sw;
		n = 2;
	} else {
		return -ENOENT;
	}
	out->id = 1;
	out->nfields = n;
	out->fields = malloc(sizeof(*f) * n);
	memcpy(out->fields, f, sizeof(*f) * n);
	return 0;
}

static int fake_tp_glob(const char *cg, const char *eg, tp_visit_fn fn, void *ctx)
{
	static const char *const evs[][2] = {
		{ "sched", "sched_switch" }, { "syscalls", "sys_enter_openat" },
		{ "syscalls", "sys_enter_read" },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (!fnmatch(cg, evs[i][0], 0) && !fnmatch(eg, evs[i][1], 0)) {
			fn(evs[i][0], evs[i][1], ctx);
			n++;
		}
	return n;
}

void tp_format_free(struct tp_format *f)
{
	free(f->fields);
	f->fields = NULL;
}

/* kaddr(): one kernel symbol; cgroupid(): one cgroup */
static int fake_ksym_lookup(const char *name, unsigned long long *addr)
{
	if (strcmp(name, "vfs_read"))
		return -ENOENT;
	*addr = 0xffffffff81000000ull;
	return 0;
}

static int fake_cgroup_id(const char *path, unsigned long long *id)
{
	if (strcmp(path, "/sys/fs/cgroup/unified"))
		return -ENOENT;
	*id = 1;
	return 0;
}

static const struct kinfo_ops fake_kinfo = {
	.tp_format = fake_tp_format,
	.tp_glob = fake_tp_glob,
	.ksym_lookup = fake_ksym_lookup,
	.cgroup_id = fake_cgroup_id,
};

/* --unsafe and -k/-kk for the cases that need them */
static bool unsafe_mode;
static int helper_level;

/* compile: the whole program; returns 0 and fills diag text. */
static int compile(const char *src, char *diag, size_t len)
{
	struct session_config cfg = { .strlen = 64, .map_keys_max = 4096, .max_probes = 512,
				      .perf_rb_pages = 64, .unsafe = unsafe_mode,
				      .helper_check_level = helper_level };
	struct session *s = session_new(&cfg, &fake_kinfo);
	char *buf = NULL;
	size_t blen = 0;
	struct diag_sink d = { .filename = "stdin", .source = src };
	struct program *p;
	int err = 0;

	d.out = open_memstream(&buf, &blen);
	p = parse_program(src, "stdin", &d);
	if (!p || d.nerrors) {
		err = -EINVAL;
		goto out;
	}
	if (sema_program_prelude(s, p, &d)) {
		err = -EINVAL;
		goto out;
	}
	compile_prepass(s, p);
	for (int i = 0; i < p->probes.n; i++) {
		struct clause_obj *c = NULL;
		int e = sema_check_unique_probes(p, i, &d);

		e = compile_clause(s, p, p->probes.v[i], i, &c, &d, NULL) ?: e;

		if (!e && (c->elf_size < 64 || memcmp(c->elf, "\177ELF", 4))) {
			fprintf(d.out, "not an ELF object\n");
			e = -EINVAL;
		}
		clause_obj_free(c);
		err = e ?: err;
	}
out:
	fclose(d.out);
	snprintf(diag, len, "%s", buf ? buf : "");
	free(buf);
	program_free(p);
	session_free(s);
	return err;
}

static void check_ok(const char *src)
{
	char diag[4096];

	if (compile(src, diag, sizeof(diag))) {
		printf("FAIL compiles: %s\n%s", src, diag);
		failures++;
	} else {
		passes++;
	}
}

static void check_err(const char *src, const char *want)
{
	char diag[4096];

	if (!compile(src, diag, sizeof(diag)) || !strstr(diag, want)) {
		printf("FAIL rejects: %s\n  want: %s\n  got:  %s\n", src, want, diag);
		failures++;
	} else {
		passes++;
	}
}

int main(void)
{
	/* every kind of statement and expression the core supports */
	check_ok("BEGIN { printf(\"%d %s %u\\n\", pid, comm, 5); exit(); }");
	check_ok("BEGIN { @ = count(); @a[1, \"x\"] = sum(5); @b = avg(-3); @c = min(2); @d = max(3); }");
	check_ok("BEGIN { @h = hist(100); @l = lhist(5, 0, 100, 10); @s = stats(7); @k[comm] = hist(1); }");
	check_ok("BEGIN { $x = 1; $x++; --$x; $x += 5; if ($x > 2) { $x = 0 } else if ($x) { $x = 1 } }");
	check_ok("BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 5) { break; } continue; } }");
	check_ok("BEGIN { unroll(3) { @c++; } $t = (1, \"a\", (2, 3)); printf(\"%d\\n\", $t.2.1); }");
	check_ok("BEGIN { @s = \"hi\"; @s = \"hello\"; @m[\"a\"] = 1; @m[\"longer\"] = 2; }");
	check_ok("BEGIN { print(1 + 2 * 3); print(@x); @x = 1; clear(@x); zero(@x); delete(@x); }");
	check_ok("BEGIN { $a = (int8)-10; $b = (uint16)131087; printf(\"%d %d\\n\", $a / 3, $b % 7); }");
	check_ok("BEGIN { $s = \"abc\"; if ($s == \"abc\" && strncmp($s, \"abd\", 2) == 0) { time(); } }");
	check_ok("tracepoint:syscalls:sys_enter_openat /comm == \"cat\"/ { printf(\"%s\\n\", str(args->filename)); }");
	check_ok("tracepoint:syscalls:sys_enter_* { @[probe] = count(); }");
	check_ok("tracepoint:sched:sched_switch { @[args->prev_comm] = count(); @p = args->prev_pid; }");
	check_ok("interval:ms:100 { exit(); } profile:hz:99 { @[cpu] = count(); } software:cpu-clock:1000 { @x = 1 }");
	check_ok("#define N 5\nBEGIN { printf(\"%d\\n\", N); }");
	check_ok("BEGIN { @x = 1 ? 2 : 3; $s = 1 ? \"a\" : \"bb\"; printf(\"%s\\n\", $s); }");
	check_ok("END { @r = @x; } BEGIN { @x = 5 }");

	/* errors: message and exact span */
	check_err("BEGIN { foo(1); }", "stdin:1:9-12: ERROR: Unknown function: foo");
	check_err("BEGIN { @x = 1; @x = \"a\"; }", "stdin:1:17-19: ERROR: Type mismatch for @x: trying to assign value of type 'string[2]' when map already contains a value of type 'int64'");
	check_err("BEGIN { printf(\"%d %d\\n\", 1); }", "printf: Not enough arguments for format string (1 supplied, 2 expected)");
	check_err("BEGIN { printf(\"%d\\n\", 1, 2); }", "printf: Too many arguments for format string (2 supplied, 1 expected)");
	check_err("BEGIN { $y = $x; }", "stdin:1:14-16: ERROR: Undefined or undeclared variable: $x");
	check_err("BEGIN { system(\"ls\"); }", "system() is an unsafe function being used in safe mode");
	check_err("BEGIN { break; }", "break statement is not allowed outside of a loop");
	check_err("BEGIN { @ = lhist(1, 10, 0, 1); }", "lhist() min must be less than max");
	check_err("BEGIN { $x = count(); }", "stdin:1:14-21: ERROR: count() should be directly assigned to a map");
	check_err("BEGIN { @x[1] = 1; @x[\"a\"] = 2; }", "Argument mismatch for @x");
	check_err("nosuch:foo { }", "Invalid probe type: nosuch");
	check_err("tracepoint:nosuch:event { }", "tracepoint not found: nosuch:event");
	check_err("tracepoint:sched:sched_switch { @ = args->nofield; }", "does not contain a field named 'nofield'");
	check_err("BEGIN { @ = cpid; }", "cpid cannot be used without child command");
	check_err("interval:xs:1 { }", "requires a unit of s, ms, us or hz");
	check_err("BEGIN { @ = retval; }", "The retval builtin can only be used with");
	check_err("BEGIN { $x = 1; $x = \"s\"; }", "Type mismatch for $x");
	check_err("#include <nosuch/header.h>\nBEGIN { }", "'nosuch/header.h' file not found");
	check_err("BEGIN { @x = (1, 2); @x = (1, 2, 3); }", "Type mismatch for @x");

	/* types: script C definitions, casts, members, pointers, arrays (lang/ctypes.c) */
	check_ok("struct Foo { int m; int n; } BEGIN { @s = *(struct Foo *)0; @k[*(struct Foo *)0] = 1; @t = (1, *(struct Foo *)0); }");
	check_ok("struct Foo { int m; char c[4]; } BEGIN { $f = *(struct Foo *)0; print($f); print($f.c); printf(\"%d %s\\n\", $f.m, $f.c); }");
	check_ok("struct Foo { struct { int m[1] } y; struct { int n } a; } BEGIN { $f = *(struct Foo *)0; @ = $f.y.m[0] + $f.a.n; }");
	check_ok("struct A { int x[4]; } struct B { int y[2][2]; } BEGIN { $a = (struct A *)0; @a = $a->x; @k[$a->x, 1] = 1; @v = ((struct B *)8)->y[1][0]; $b = $a->x; @w = $b[2]; }");
	check_ok("struct A { int x[4]; } BEGIN { $a = (struct A *)0; $b = (struct A *)16; if ($a->x == $b->x) { @eq = 1 } @ne = $a->x != $b->x; }");
	check_ok("struct C { int *z[4]; } BEGIN { @x = *((struct C *)0)->z[1]; $p = (int32 **)0; @y = **($p + 1); }");
	check_ok("struct C { uint32_t a; uint64_t b; }; BEGIN { $c = (struct C *)0; @a += $c->a; @b += ($c++)->b; $c--; @p = $c + $c->a; }");
	check_ok("BEGIN { @ = (int16 *)32; @ += 1; @--; $p = (int64 *)8; $q = $p - 2; @d = 3 + $p; @c = $p == $q; }");
	check_ok("struct Bits { int a:4; unsigned int b:3; long c:20; } BEGIN { $p = (struct Bits *)0; @ = $p->a + $p->b + $p->c; print(*$p); }");
	check_ok("union U { int a; char b[8]; } typedef struct { int x; } tdef_t; enum E { EA = 3, EB } BEGIN { @u = *(union U *)0; @t = ((tdef_t *)0)->x; @e = EB; @s = sizeof(union U) + sizeof(tdef_t) + sizeof(enum E); }");
	check_ok("#define SHIFT (1 << 3)\nstruct A { char s[SHIFT]; } BEGIN { @ = sizeof(struct A) + SHIFT; }");
	check_ok("struct A { int a; long b; } BEGIN { @o = offsetof(struct A, b); @s = sizeof(struct A *); }");
	check_ok("struct N { struct { int x; }; union { long y; char z; }; } BEGIN { @ = ((struct N *)0)->y + (*(struct N *)0).x; }");
	check_ok("struct L { struct L *next; int v; } BEGIN { @ = ((struct L *)0)->next->next->v; }");
	check_ok("BEGIN { $x = (int32 *)0; @a = $x[3]; @b = *$x; @c = *0; }");
	check_err("struct Foo { int m; } BEGIN { $p = (struct Foo *)0; @ = $p.m; }", "Can not access field 'm' on type 'struct Foo *'. Try dereferencing it first, or using '->'");
	check_err("struct Foo { int m; } BEGIN { $p = *(struct Foo *)0; @ = $p->m; }", "Can not dereference struct/union of type 'struct Foo'. It is not a pointer.");
	check_err("struct Foo { int m; } BEGIN { @ = ((struct Foo *)0)->q; }", "Struct/union of type 'struct Foo' does not contain a field named 'q'");
	check_err("BEGIN { @ = ((struct NoSuchStruct *)0)->q; }", "Unknown struct/union: 'struct NoSuchStruct'");
	check_err("struct Foo { int m; } BEGIN { $x = (struct Foo)0; }", "Cannot cast to struct type \"struct Foo\"");
	check_err("BEGIN { $x = (int32 *)1; $y = (int32 *)2; @ = $x + $y; }", "The + operator can not be used on expressions of types int32 *, int32 *");
	check_err("BEGIN { $x = (int32 *)1; @ = 1 - $x; }", "The - operator can not be used on expressions of types int64, int32 *");
	check_err("struct A { int x[4]; } BEGIN { @ = ((struct A *)0)->x[4]; }", "the index 4 is out of bounds for array of size 4");
	check_err("BEGIN { $x = \"abc\"; @ = $x[1]; }", "The array index operator [] can only be used on arrays and pointers, found string.");
	check_err("struct Bad { nosuch_t x; } BEGIN { }", "unknown type name 'nosuch_t'");
	check_err("struct A { int a; } BEGIN { @ = offsetof(struct A, b); }", "does not contain a field named 'b'");
	if (btf_available()) {
		/* kernel types from BTF */
		check_ok("BEGIN { @p = curtask->pid; @c = curtask->comm; @pp = curtask->real_parent->parent->tgid; @w = curtask->se.load.weight; }");
		check_ok("tracepoint:sched:sched_switch { $t = (struct task_struct *)curtask; @[$t->comm] = sizeof(struct task_struct) + TASK_COMM_LEN; }");
		check_ok("BEGIN { $f = (struct file *)0; @ = $f->f_path.dentry->d_name.name; @m = $f->f_inode->i_mode; }");
		check_ok("struct task_struct { int x; } BEGIN { @ = curtask->x; }");
		check_err("BEGIN { @ = curtask->no_such_member; }", "Struct/union of type 'struct task_struct' does not contain a field named 'no_such_member'");
	}

	/* builtins and functions of the reference guide (lang/fn_*.c) */
	check_ok("BEGIN { printf(\"%s %s %s\\n\", ntop(0x0100007f), ntop(10, pton(\"::1\")), ntop(2, pton(\"1.2.3.4\"))); @n[ntop(1)] = ntop(1); }");
	check_ok("BEGIN { $b = buf(\"ab\", 2); @b[buf(\"k\", 1)] = $b; printf(\"%r %rx %rh\\n\", $b, $b, $b); @e = $b == $b; $l = 1; @c = buf(\"abc\", $l); }");
	check_ok("BEGIN { @t = strftime(\"%H:%M:%S:%f\", nsecs); @e = strerror(2); @g = cgroup_path(cgroup, \"unified\"); printf(\"%s %s %s\\n\", @t, @e, @g); }");
	check_ok("BEGIN { @a = kaddr(\"vfs_read\"); @c = cgroupid(\"/sys/fs/cgroup/unified\"); @k = ksym(@a); @u = usym(1); print(@k); }");
	check_ok("BEGIN { @s = bswap((uint16)0x1234) + bswap((uint32)1) + bswap(1) + bswap((int8)1); @c = strcontains(comm, \"bpf\") + strcontains(\"abc\", \"\"); }");
	check_ok("BEGIN { $p = uptr(1); $q = kptr((int32 *)2); @m = macaddr($p); print(macaddr(1)); print(pton(\"::1\")); }");
	check_ok("profile:hz:99 { @[reg(\"ip\"), reg(\"sp\")] = count(); } interval:s:1 { print(reg(\"ip\")); $c = ctx; @x = $c > 0; }");
	check_ok("interval:s:1 { debugf(\"%d %s %lx\", 1, \"a\", 2); print((1, \"a\", buf(\"x\", 1), ntop(1), strftime(\"%Y\", 0))); }");
	unsafe_mode = true;
	check_ok("profile:hz:99 { signal(\"KILL\"); signal(9); signal(pid % 2 + 1); system(\"echo %d\", pid); }");
	unsafe_mode = false;
	helper_level = 2;
	check_ok("BEGIN { @a[1] = 1; delete(@a[2]); $x = @a[3]; @c[1] = count(); @v[1] = avg(1); @n[1]++; print(str(0)); @s = kstack; @p = comm; }");
	helper_level = 0;
	check_err("BEGIN { print(kaddr(1)); }", "stdin:1:9-23: ERROR: kaddr() expects a string literal (integer provided)");
	check_err("BEGIN { print(kaddr(\"nosuch\")); }", "ERROR: Failed to compile: Failed to resolve kernel symbol: nosuch");
	check_err("BEGIN { print(cgroupid(\"/nosuch\")); }", "ERROR: Failed to compile: Failed to get `cgroupid` for path: \"/nosuch\": No such file or directory");
	check_err("BEGIN { print(pton(\"abc\")); }", "stdin:1:9-26: ERROR: pton() expects an string argument of an IPv4/IPv6 address, got abc");
	check_err("BEGIN { print(ntop(\"abcdef\")); }", "stdin:1:9-29: ERROR: ntop() argument must be 4 or 16 bytes in size");
	check_err("BEGIN { print(macaddr(\"abcde\")); }", "stdin:1:9-31: ERROR: macaddr() does not support literal string arguments");
	check_err("BEGIN { $x = buf(1); }", "stdin:1:14-20: ERROR: buf() expects a length argument for non-array type integer");
	check_err("BEGIN { printf(\"%s\\n\", 1); }", "stdin:1:9-26: ERROR: printf: %s specifier expects a value of type string (integer supplied)");
	check_err("BEGIN { printf(\"%r\\n\", 1); }", "ERROR: printf: %r specifier expects a value of type buffer (integer supplied)");
	check_err("BEGIN { printf(\"%d\\n\", (1,2)); }", "ERROR: printf: %d specifier expects a value of type integer (tuple supplied)");
	check_err("BEGIN { printf(\"%lld %qd\\n\", 1, 2); }", "printf: Too many arguments for format string (2 supplied, 1 expected)");
	check_err("profile:hz:1 { signal(1); }", "stdin:1:16-25: ERROR: signal() is an unsafe function being used in safe mode");
	check_err("profile:hz:1 { signal(0); }", "ERROR: 0 is not a valid signal, allowed range: [1,64]");
	check_err("BEGIN { print(reg(\"ip\")); }", "stdin:1:9-24: ERROR: reg can not be used with \"BEGIN\" probes");
	check_err("profile:hz:99 { print(reg(\"bogus\")); }", "ERROR: 'bogus' is not a valid register on this architecture (x86_64)");
	check_err("BEGIN { print(func); }", "stdin:1:9-19: ERROR: The func builtin can not be used with 'BEGIN' probes");
	check_err("BEGIN { print(strftime(1, nsecs)); }", "ERROR: strftime() expects a string literal (integer provided)");
	check_err("BEGIN { count(); }", "stdin:1:9-16: ERROR: count() should be directly assigned to a map");
	check_err("BEGIN { $x = print(1); }", "stdin:1:14-22: ERROR: print() should not be used in an assignment or as a map key");
	check_err("interval:s:1 { @x = ctx; }", "ERROR: context cannot be assigned to a map");
	check_err("interval:s:1 { print(ctx); }", "ERROR: (ctx) struct bpf_perf_event_data * type passed to print() is not printable");
	check_err("interval:s:1 { debugf(\"%d %d %d %d\", 1, 2, 3, 4); }", "ERROR: debugf: Cannot use more than 3 conversion specifiers");
	check_err("BEGIN { exit(1); }", "stdin:1:9-16: ERROR: exit() requires no arguments (1 provided)");
	check_err("BEGIN { time(1, 2); }", "ERROR: time() takes up to one argument (2 provided)");
	check_err("BEGIN { str(); }", "ERROR: str() requires at least one argument (0 provided)");
	check_err("BEGIN { str(\"a\"); }", "ERROR: str() expects an integer or a pointer type as first argument (string[2] provided)");
	check_err("BEGIN { print(strcontains(1, \"a\")); }", "ERROR: strcontains() only supports string arguments (integer provided)");
	check_err("BEGIN { override(1); }", "ERROR: override() is an unsafe function being used in safe mode");
	check_err("BEGIN { clear(1); }", "stdin:1:9-17: ERROR: clear() expects a map to be provided");

	/* len(@m) and for ($kv : @m) (bpftrace 0.19+): callbacks of bpf_for_each_map_elem */
	check_ok("BEGIN { @a[1] = 2; @c[comm] = count(); @h[1] = hist(3); printf(\"%d %d %d\\n\", len(@a), len(@c), len(@h)); }");
	check_ok("BEGIN { @a[1] = 2; @s[\"k\", 1] = \"v\"; $n = 0; for ($kv : @a) { @b[$kv.0] = $kv.1; $n += $kv.1; for ($e : @s) { printf(\"%s %d %s %d\\n\", $e.0.0, $e.0.1, $e.1, len(@a)); break; } } }");
	check_ok("tracepoint:sched:sched_switch { @a[1] = 1; for ($kv : @a) { @p[probe, args->prev_pid] = count(); if ($kv.1) { continue; } } }");
	check_err("BEGIN { @x = count(); print(len(@x)); }", "stdin:1:23-36: ERROR: len() expects a map with explicit keys (non-scalar map)");
	check_err("BEGIN { print(len(1)); }", "len() expects a map to be provided");
	check_err("BEGIN { @x = 1; for ($kv : @x) { } }", "stdin:1:28-30: ERROR: Loop expression must be a map with explicit keys (@x is a scalar map)");
	check_err("BEGIN { @x[1] = count(); for ($kv : @x) { } }", "Loop over @x is not supported: its values are per-CPU aggregations");
	check_err("BEGIN { for ($kv : @nope) { } }", "stdin:1:20-25: ERROR: Undefined map: @nope");
	check_err("BEGIN { @a[1] = 1; for ($kv : @a) { $y = 1; } for ($kv : @a) { print($y); } }", "Undefined or undeclared variable: $y");
	check_err("BEGIN { @a[1] = 1; for ($kv : @a) { } print($kv); }", "Undefined or undeclared variable: $kv");

	/* one BEGIN and one END per program, at bpftrace's span (from the token before) */
	check_err("BEGIN {} BEGIN {}", "stdin:1:9-15: ERROR: More than one BEGIN probe defined");
	check_err("BEGIN,END {} END {}", "stdin:1:13-17: ERROR: More than one END probe defined");
	check_err("BEGIN {}\n  BEGIN {}", "stdin:1-2: ERROR: More than one BEGIN probe defined");

	/* sizeof as bpftrace lays values out: buffer u8 length, ustack one u64 */
	check_ok("BEGIN { @b = sizeof(buf(\"abc\", 2)); @u = sizeof(ustack); }");

	printf("%d passed, %d failed, 0 skipped\n", passes, failures);
	return failures ? 1 : 0;
}
