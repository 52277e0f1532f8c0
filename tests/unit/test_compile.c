/* test_compile: sema and codegen without a kernel.
 * Valid programs must compile to a BPF ELF; invalid ones must fail with the
 * exact diagnostic (message, location, caret). A fake kinfo stands in for tracefs. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile.h"

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

static const struct kinfo_ops fake_kinfo = { fake_tp_format, fake_tp_glob };

/* compile: the whole program; returns 0 and fills diag text. */
static int compile(const char *src, char *diag, size_t len)
{
	struct session_config cfg = { .strlen = 64, .map_keys_max = 4096, .max_probes = 512,
				      .perf_rb_pages = 64 };
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
		int e = compile_clause(s, p, p->probes.v[i], i, &c, &d, NULL);

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
	check_err("BEGIN { $x = count(); }", "count() can only be assigned to a map");
	check_err("BEGIN { @x[1] = 1; @x[\"a\"] = 2; }", "Argument mismatch for @x");
	check_err("nosuch:foo { }", "Invalid probe type: nosuch");
	check_err("tracepoint:nosuch:event { }", "Invalid tracepoint: nosuch:event");
	check_err("tracepoint:sched:sched_switch { @ = args->nofield; }", "does not contain a field named 'nofield'");
	check_err("BEGIN { @ = cpid; }", "cpid cannot be used without child command");
	check_err("interval:xs:1 { }", "requires a unit of s, ms, us or hz");
	check_err("BEGIN { @ = retval; }", "The retval builtin can only be used with");
	check_err("BEGIN { $x = 1; $x = \"s\"; }", "Type mismatch for $x");
	check_err("#include <nosuch/header.h>\nBEGIN { }", "'nosuch/header.h' file not found");
	check_err("BEGIN { @x = (1, 2); @x = (1, 2, 3); }", "Type mismatch for @x");

	printf("%d passed, %d failed, 0 skipped\n", passes, failures);
	return failures ? 1 : 0;
}
