/* test_parser: the lexer/parser against the conformance corpus and targeted cases.
 * Usage: test_parser SHARED_DIR (the directory holding conformance/, or that
 * directory itself). Prints one ok/FAIL line per check; exits 1 on a failure. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ast.h"
#include "compile.h"
#include "diag.h"

static int failures, checks;

/* check: one ok/FAIL line */
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		failures++;
	fputs(ok ? "ok - " : "FAIL - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

struct parsed {
	struct program *p;
	char *diag;     /* everything the parser reported */
	int nerrors;
};

/* parse_len: parse len bytes as file fname, capturing the diagnostics */
static struct parsed parse_len(const char *src, size_t len, const char *fname)
{
	struct parsed r = { 0 };
	size_t dlen = 0;
	FILE *out = open_memstream(&r.diag, &dlen);
	struct diag_sink d = { .filename = fname, .source = src, .out = out };

	r.p = parse_program_len(src, len, fname, &d);
	fclose(out);
	r.nerrors = d.nerrors;
	return r;
}

/* parse: parse a -e program */
static struct parsed parse(const char *src)
{
	return parse_len(src, strlen(src), "stdin");
}

/* parsed_free: release a parse result */
static void parsed_free(struct parsed *r)
{
	program_free(r->p);
	free(r->diag);
}

/* dump: ast_dump into a string */
static char *dump(const struct program *p)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	ast_dump(p, f);
	fclose(f);
	return s;
}

/* show: a failure's detail, indented under its FAIL line */
static void show(const char *what, const char *text)
{
	printf("#   %s:\n", what);
	for (const char *s = text; s && *s;) {
		const char *nl = strchr(s, '\n');
		int n = nl ? (int)(nl - s) : (int)strlen(s);

		printf("#     |%.*s\n", n, s);
		s += n + (nl ? 1 : 0);
	}
}

/* ---------------------------------------------------------------- corpus */

/* Programs of the corpus that bpftrace 0.17 rejects with a syntax error.
 * Every PROG line, every "{{BPFTRACE}} ... -e PROG" of a RUN line and every
 * .bt script was run through `bpftrace -d` (0.17.0): all of them parse, so
 * the list is empty; the rejections it does have (unknown tracepoints, attach
 * point arguments, missing kernel features) come after parsing. The RUN lines'
 * "...};" forms look like syntax errors only if the shell's ';' is kept: see
 * the debugf cases among the targeted ones below. */
static const char *const corpus_expected_fail[] = { NULL };

/* expected_fail: whether a corpus program is one bpftrace 0.17 rejects */
static bool expected_fail(const char *prog)
{
	for (int i = 0; corpus_expected_fail[i]; i++)
		if (!strcmp(prog, corpus_expected_fail[i]))
			return true;
	return false;
}

/* corpus_check: one corpus program must parse (or fail, if bpftrace's does) */
static void corpus_check(const char *where, const char *prog)
{
	struct parsed r = parse(prog);
	bool want_fail = expected_fail(prog);

	check((r.p != NULL) != want_fail, "corpus %s", where);
	if ((r.p != NULL) == want_fail) {
		show("program", prog);
		show("diagnostics", r.diag);
	}
	parsed_free(&r);
}

/* collapse: the runner's reading of a directive value: words joined by one space */
static char *collapse(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	bool blank = false;

	for (; *s && *s != '\n'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r') {
			blank = o != out;
			continue;
		}
		if (blank)
			*o++ = ' ';
		blank = false;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* shell_word: the next word of a POSIX shell command line, unquoted; NULL at the
 * end or at an operator (; | &), whose spelling is put in *op */
static char *shell_word(const char **sp, char *op)
{
	const char *s = *sp;
	char *w, *o;

	*op = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	if (*s == ';' || *s == '|' || *s == '&') {
		*op = *s;
		*sp = s + 1;
		return NULL;
	}
	w = o = malloc(strlen(s) + 1);
	while (*s && *s != ' ' && *s != '\t' && *s != ';' && *s != '|' && *s != '&') {
		if (*s == '\'') {
			for (s++; *s && *s != '\''; s++)
				*o++ = *s;
			if (*s)
				s++;
		} else if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && strchr("\"\\$`", s[1]))
					s++;
				*o++ = *s;
			}
			if (*s)
				s++;
		} else {
			if (*s == '\\' && s[1])
				s++;
			*o++ = *s++;
		}
	}
	*o = '\0';
	*sp = s;
	return w;
}

/* run_programs: the -e programs given to {{BPFTRACE}} in a RUN command */
static void run_programs(const char *where, const char *cmd)
{
	bool in_bpftrace = false, want_prog = false;
	const char *s = cmd;
	char *w, op;

	for (;;) {
		w = shell_word(&s, &op);
		if (!w) {
			if (!op)
				break;
			in_bpftrace = want_prog = false;
			continue;
		}
		if (want_prog) {
			/* "$(echo ...)" builds the program in the shell: not ours to expand */
			if (!strstr(w, "$("))
				corpus_check(where, w);
			want_prog = false;
		} else if (!strcmp(w, "{{BPFTRACE}}")) {
			in_bpftrace = true;
		} else if (in_bpftrace && !strcmp(w, "-e")) {
			want_prog = true;
		}
		free(w);
	}
}

/* corpus_suite: every program of one runtime suite file */
static void corpus_suite(const char *dir, const char *suite)
{
	char path[4096], where[4096], name[2048] = "", *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/runtime/%s", dir, suite);
	f = fopen(path, "r");
	if (!f) {
		check(false, "open %s: %s", path, strerror(errno));
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		char *v;

		if (!strncmp(line, "NAME ", 5)) {
			v = collapse(line + 5);
			snprintf(name, sizeof(name), "%s", v);
			free(v);
		} else if (!strncmp(line, "PROG ", 5)) {
			snprintf(where, sizeof(where), "%s:%s (PROG)", suite, name);
			v = collapse(line + 5);
			corpus_check(where, v);
			free(v);
		} else if (!strncmp(line, "RUN ", 4)) {
			snprintf(where, sizeof(where), "%s:%s (RUN -e)", suite, name);
			v = collapse(line + 4);
			run_programs(where, v);
			free(v);
		}
	}
	free(line);
	fclose(f);
}

/* read_file: a whole file, NUL-terminated */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;
	FILE *m;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &n);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(m);
	fclose(f);
	*len = n;
	return buf;
}

/* compare_names: alphabetical order for scandir */
static int compare_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* corpus: all runtime suites and scripts */
static void corpus(const char *dir)
{
	char path[4096];
	struct dirent **ents;
	int n;

	snprintf(path, sizeof(path), "%s/runtime", dir);
	n = scandir(path, &ents, NULL, compare_names);
	check(n > 2, "corpus directory %s", path);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.')
			corpus_suite(dir, ents[i]->d_name);
		free(ents[i]);
	}
	if (n > 0)
		free(ents);

	snprintf(path, sizeof(path), "%s/scripts", dir);
	n = scandir(path, &ents, NULL, compare_names);
	check(n > 2, "scripts directory %s", path);
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t len = strlen(nm), flen;

		if (len > 3 && !strcmp(nm + len - 3, ".bt")) {
			char file[8192], *src;
			struct parsed r;

			snprintf(file, sizeof(file), "%s/%s", path, nm);
			src = read_file(file, &flen);
			r = parse_len(src ? src : "", src ? flen : 0, file);
			check(src && r.p, "script %s", nm);
			if (!r.p)
				show("diagnostics", r.diag);
			parsed_free(&r);
			free(src);
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
}

/* ------------------------------------------------------- targeted checks */

/* expect_dump: a program parses to exactly this tree */
static void expect_dump(const char *what, const char *src, const char *want)
{
	struct parsed r = parse(src);
	char *got = r.p ? dump(r.p) : NULL;
	bool ok = got && !strcmp(got, want);

	check(ok, "%s", what);
	if (!ok) {
		show("program", src);
		show("want", want);
		show("got", got ? got : r.diag);
	}
	free(got);
	parsed_free(&r);
}

/* expect_errors_len: a program fails with exactly these messages (bpftrace 0.17's) */
static void expect_errors_len(const char *what, const char *src, size_t len, const char *fname,
			      const char *want)
{
	struct parsed r = parse_len(src, len, fname);
	bool ok = !r.p && r.diag && !strcmp(r.diag, want);

	check(ok, "%s", what);
	if (!ok) {
		show("want", want);
		show("got", r.p ? "(parsed)" : r.diag);
	}
	parsed_free(&r);
}

/* expect_errors: the same for a -e program */
static void expect_errors(const char *what, const char *src, const char *want)
{
	expect_errors_len(what, src, strlen(src), "stdin", want);
}

/* first_stmt: the first statement of the first probe */
static struct node *first_stmt(struct program *p)
{
	if (!p || !p->probes.n || !p->probes.v[0]->body || !p->probes.v[0]->body->stmts.n)
		return NULL;
	return p->probes.v[0]->body->stmts.v[0];
}

/* rhs: the value of a "$x = value" first statement */
static struct node *rhs(struct program *p)
{
	struct node *s = first_stmt(p);

	return s && s->kind == N_ASSIGN ? s->b : NULL;
}

/* loc_is: a span equals line:first-last (inclusive columns) */
static bool loc_is(const struct loc *l, int fl, int fc, int ll, int lc)
{
	return l->first_line == fl && l->first_col == fc && l->last_line == ll && l->last_col == lc;
}

/* test_precedence: C precedence and associativity, seen in the tree's shape */
static void test_precedence(void)
{
	expect_dump("precedence: * over +, left to right",
		    "BEGIN { $r = 1 + 2 * 3 - 4 / 2 % 3; }",
		    "Program\n BEGIN\n  =\n   variable: $r\n   -\n    +\n     int: 1\n     *\n"
		    "      int: 2\n      int: 3\n    %\n     /\n      int: 4\n      int: 2\n     int: 3\n");
	expect_dump("precedence: shift, relational, equality, bitwise, logical",
		    "BEGIN { $r = 1 << 2 < 3 == 4 & 5 ^ 6 | 7 && 8 || 9; }",
		    "Program\n BEGIN\n  =\n   variable: $r\n   ||\n    &&\n     |\n      ^\n"
		    "       &\n        ==\n         <\n          <<\n           int: 1\n"
		    "           int: 2\n          int: 3\n         int: 4\n        int: 5\n"
		    "       int: 6\n      int: 7\n     int: 8\n    int: 9\n");
	expect_dump("precedence: ternary is right associative and lowest",
		    "BEGIN { $r = $a || $b ? 1 : $c ? 2 : 3; }",
		    "Program\n BEGIN\n  =\n   variable: $r\n   ?:\n    ||\n     variable: $a\n"
		    "     variable: $b\n    int: 1\n    ?:\n     variable: $c\n     int: 2\n"
		    "     int: 3\n");
	expect_dump("precedence: unary, cast and postfix",
		    "BEGIN { $r = -(int8)*$p->x[1] + !~$y.0; }",
		    "Program\n BEGIN\n  =\n   variable: $r\n   +\n    -\n     (int8)\n"
		    "      dereference\n       []\n        ->\n         variable: $p\n         x\n"
		    "        int: 1\n    !\n     ~\n      .\n       variable: $y\n       0\n");
	expect_dump("negative literals fold like bpftrace's, parenthesised ones do not",
		    "BEGIN { $r = -1 - -2 * -(3); }",
		    "Program\n BEGIN\n  =\n   variable: $r\n   -\n    int: -1\n    *\n     int: -2\n"
		    "     -\n      int: 3\n");
	expect_dump("compound assignment, increments, map keys",
		    "BEGIN { @m[1, \"a\"] += 2; $i++; --@n; @k[(1, 2)] = 1; @ = 1; }",
		    "Program\n BEGIN\n  +=\n   map: @m\n    int: 1\n    string: a\n   int: 2\n"
		    "  ++ (post)\n   variable: $i\n  -- (pre)\n   map: @n\n  =\n   map: @k\n"
		    "    tuple:\n     int: 1\n     int: 2\n   int: 1\n  =\n   map: @\n   int: 1\n");
	expect_dump("statements: if/else if/else, while, unroll, jumps, no ';' after blocks",
		    "i:ms:1 /pid/ { if ($x) { break } else if ($y) { continue; } else { return }"
		    " while ($i < 3) { $i++ } unroll ($1) { @a = 1 } unroll(-2) { } exit() }",
		    "Program\n i:ms:1\n  pred\n   builtin: pid\n  if\n   variable: $x\n   then\n"
		    "    break\n   else\n    if\n     variable: $y\n     then\n      continue\n"
		    "     else\n      return\n  while\n   <\n    variable: $i\n    int: 3\n"
		    "   block\n    ++ (post)\n     variable: $i\n  unroll\n   param: $1\n   block\n"
		    "    =\n     map: @a\n     int: 1\n  unroll\n   int: -2\n   block\n"
		    "  call: exit\n");
}

/* test_errors: exact messages and columns, as bpftrace 0.17 prints them */
static void test_errors(void)
{
	expect_errors("error: missing ';' between statements",
		      "BEGIN { @x = 1 @y = 2; }",
		      "stdin:1:16-18: ERROR: syntax error, unexpected map, expecting }\n"
		      "BEGIN { @x = 1 @y = 2; }\n"
		      "               ~~\n");
	expect_errors("error: missing ';' before a call",
		      "BEGIN { printf(\"hello\\n\") exit(); }",
		      "stdin:1:27-31: ERROR: syntax error, unexpected call, expecting }\n"
		      "BEGIN { printf(\"hello\\n\") exit(); }\n"
		      "                          ~~~~\n");
	expect_errors("error: end of file inside a block",
		      "BEGIN { print(1); ",
		      "stdin:1:19-19: ERROR: syntax error, unexpected end of file, expecting }\n"
		      "BEGIN { print(1); \n"
		      "                  \n");
	expect_errors("error: span runs from the last blank",
		      "BEGIN{print(1)",
		      "stdin:1:1-15: ERROR: syntax error, unexpected end of file, expecting }\n"
		      "BEGIN{print(1)\n"
		      "~~~~~~~~~~~~~~\n");
	expect_errors("error: if without parentheses",
		      "BEGIN { if 1 { } }",
		      "stdin:1:12-13: ERROR: syntax error, unexpected integer, expecting (\n"
		      "BEGIN { if 1 { } }\n"
		      "           ~\n");
	expect_errors("error: unclosed call, ',' quoted",
		      "BEGIN { printf(\"x\"; }",
		      "stdin:1:9-20: ERROR: syntax error, unexpected ;, expecting ) or \",\"\n"
		      "BEGIN { printf(\"x\"; }\n"
		      "        ~~~~~~~~~~~\n");
	expect_errors("error: unclosed predicate",
		      "kprobe:f /pid == 1 { }",
		      "stdin:1:20-21: ERROR: syntax error, unexpected {, expecting end predicate\n"
		      "kprobe:f /pid == 1 { }\n"
		      "                   ~\n");
	expect_errors("error: probe without a block",
		      "BEGIN",
		      "stdin:1:1-6: ERROR: unexpected end of file, expected {\n"
		      "BEGIN\n"
		      "~~~~~\n");
	expect_errors("error: ';' after a probe (the debugf RUN lines, shell ';' kept)",
		      "i:ms:1 { debugf(\"debugf\"); exit();};",
		      "stdin:1:28-37: ERROR: syntax error, unexpected ;, expecting {\n"
		      "i:ms:1 { debugf(\"debugf\"); exit();};\n"
		      "                           ~~~~~~~~~\n");
	expect_errors("error: probe without attach points",
		      "{ }",
		      "stdin:1:1-1: ERROR: No attach points for probe\n"
		      "{ }\n"
		      "\n");
	expect_errors("error: on a later line of a file",
		      "BEGIN\n{\n  @x = 1;\n  @y = ;\n}",
		      "stdin:4:8-9: ERROR: syntax error, unexpected ;\n"
		      "  @y = ;\n"
		      "       ~\n");
	expect_errors_len("error: file name, blank line before the error",
			  "BEGIN {\n  @x = 1\n\n  +;\n}\n", 25, "/tmp/e.bt",
			  "/tmp/e.bt:4:3-5: ERROR: syntax error, unexpected ;\n"
			  "  +;\n"
			  "  ~~\n");
	expect_errors("error: end of file after a newline prints no source line",
		      "BEGIN { print(1)\n",
		      "stdin:2:1-1: ERROR: syntax error, unexpected end of file, expecting }\n");
	expect_errors("error: tabs show as four spaces, carets follow",
		      "BEGIN {\t@x\t=\t1\t@y=\t2; }",
		      "stdin:1:16-18: ERROR: syntax error, unexpected map, expecting }\n"
		      "BEGIN {    @x    =    1    @y=    2; }\n"
		      "                           ~~\n");
	expect_errors("error: invalid characters are skipped and reported",
		      "BEGIN { $x = 'a'; }",
		      "stdin:1:14-15: ERROR: invalid character '''\n"
		      "BEGIN { $x = 'a'; }\n"
		      "             ~\n"
		      "stdin:1:14-17: ERROR: invalid character '''\n"
		      "BEGIN { $x = 'a'; }\n"
		      "             ~~~\n");
	expect_errors("error: bad escape in a string",
		      "BEGIN { printf(\"\\xZZ\"); }",
		      "stdin:1:9-19: ERROR: invalid escape character '\\x'\n"
		      "BEGIN { printf(\"\\xZZ\"); }\n"
		      "        ~~~~~~~~~~\n");
	expect_errors("error: octal escape out of range",
		      "BEGIN { printf(\"\\400\"); }",
		      "stdin:1:9-21: ERROR: octal escape sequence out of range '\\400'\n"
		      "BEGIN { printf(\"\\400\"); }\n"
		      "        ~~~~~~~~~~~~\n");
	expect_errors("error: unterminated comment",
		      "BEGIN { /* unterminated",
		      "stdin:1:9-24: ERROR: end of file during comment\n"
		      "BEGIN { /* unterminated\n"
		      "        ~~~~~~~~~~~~~~~\n"
		      "stdin:1:9-24: ERROR: syntax error, unexpected end of file, expecting }\n"
		      "BEGIN { /* unterminated\n"
		      "        ~~~~~~~~~~~~~~~\n");
	expect_errors("error: unterminated string at a newline, lexing goes on",
		      "BEGIN { @x = \"a\nb\"; @y = 2; }",
		      "stdin:1:14-17: ERROR: unterminated string\n"
		      "BEGIN { @x = \"a\n"
		      "             ~~\n"
		      "stdin:2:1-14: ERROR: unterminated string\n"
		      "b\"; @y = 2; }\n"
		      "~~~~~~~~~~~~~\n"
		      "stdin:2:1-14: ERROR: syntax error, unexpected end of file, expecting }\n"
		      "b\"; @y = 2; }\n"
		      "~~~~~~~~~~~~~\n");
	expect_errors("error: integer literals: exponent, octal",
		      "BEGIN { $y = 1e20; }",
		      "stdin:1:14-18: ERROR: Exponent will overflow integer range: 20\n"
		      "BEGIN { $y = 1e20; }\n"
		      "             ~~~~\n"
		      "stdin:1:14-19: ERROR: syntax error, unexpected ;\n"
		      "BEGIN { $y = 1e20; }\n"
		      "             ~~~~~\n");
	expect_errors("error: tuples are immutable",
		      "BEGIN { $x.0 = 1; }",
		      "stdin:1:9-17: ERROR: Tuples are immutable once created. Consider creating a new tuple and assigning it instead.\n"
		      "BEGIN { $x.0 = 1; }\n"
		      "        ~~~~~~~~\n");
	expect_errors("error: ++ on a builtin",
		      "BEGIN { @x = pid++; }",
		      "stdin:1:14-17: ERROR: The ++ operator must be applied to a map or variable\n"
		      "BEGIN { @x = pid++; }\n"
		      "             ~~~\n");
	expect_errors("error: $0",
		      "BEGIN { @x = $0; }",
		      "stdin:1:14-16: ERROR: param $0 is out of integer range [1, 9223372036854775807]\n"
		      "BEGIN { @x = $0; }\n"
		      "             ~~\n");
	expect_errors("error: struct definition after a probe",
		      "BEGIN { } struct Foo { int a; } END { }",
		      "stdin:1:11-32: ERROR: syntax error, unexpected struct definition, expecting {\n"
		      "BEGIN { } struct Foo { int a; } END { }\n"
		      "          ~~~~~~~~~~~~~~~~~~~~~\n");
	expect_errors("recovery: several errors in one run",
		      "BEGIN { @x = 1 +; @y = ; @z = 3 }\nEND { print(@x }",
		      "stdin:1:16-18: ERROR: syntax error, unexpected ;\n"
		      "BEGIN { @x = 1 +; @y = ; @z = 3 }\n"
		      "               ~~\n"
		      "stdin:1:24-25: ERROR: syntax error, unexpected ;\n"
		      "BEGIN { @x = 1 +; @y = ; @z = 3 }\n"
		      "                       ~\n"
		      "stdin:2:16-17: ERROR: syntax error, unexpected }, expecting ) or \",\"\n"
		      "END { print(@x }\n"
		      "               ~\n");
}

/* test_diag: the layout of diagnostics made by hand */
static void test_diag(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct diag_sink d = { .filename = "stdin", .out = out,
			       .source = "BEGIN { foo(1); }\nEND {\n  x;\n}" };
	struct loc one = { 1, 9, 1, 11 }, lines = { 2, 1, 4, 1 };
	const char *want = "stdin:1:9-12: ERROR: Unknown function: foo\n"
			   "BEGIN { foo(1); }\n"
			   "        ~~~\n"
			   "stdin:2-4: WARNING: spans lines\n"
			   "ERROR: no location\n";

	diag_error(&d, &one, "Unknown function: %s", "foo");
	diag_warn(&d, &lines, "spans lines");
	diag_error(&d, NULL, "no location");
	d.no_warnings = true;
	diag_warn(&d, &one, "hidden");
	fclose(out);
	check(!strcmp(buf, want) && d.nerrors == 2 && d.nwarnings == 2,
	      "diag: caret, multi-line span, no location, --no-warnings");
	if (strcmp(buf, want))
		show("got", buf);
	free(buf);
}

/* test_escapes: string escapes become bytes */
static void test_escapes(void)
{
	struct parsed r = parse("BEGIN { $s = \"a\\n\\t\\r\\\\\\\"\\x41\\x4\\101\\0z\\377é\"; }");
	struct node *s = rhs(r.p);
	static const char want[] = "a\n\t\r\\\"A\x04" "A\0z\xff\xc3\xa9";

	check(s && s->kind == N_STR && s->slen == sizeof(want) - 1 &&
	      !memcmp(s->sval, want, sizeof(want) - 1) && s->sval[s->slen] == '\0',
	      "strings: \\n \\t \\r \\\\ \\\" \\xHH \\NNN and raw UTF-8");
	parsed_free(&r);
}

/* test_integers: literal spellings and values */
static void test_integers(void)
{
	static const struct {
		const char *text;
		int64_t v;
		bool is_unsigned;
	} cases[] = {
		{ "0x1F", 31, false }, { "010", 8, false }, { "1_000_000", 1000000, false },
		{ "1e6", 1000000, false }, { "9e16", 90000000000000000LL, false },
		{ "9223372036854775807", INT64_MAX, false },
		{ "18446744073709551615", -1, true }, { "-9223372036854775808", INT64_MIN, false },
		{ "- 5", -5, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[128];
		struct parsed r;
		struct node *n;

		snprintf(src, sizeof(src), "BEGIN { $x = %s; }", cases[i].text);
		r = parse(src);
		n = rhs(r.p);
		check(n && n->kind == N_INT && n->ival == cases[i].v &&
		      n->is_unsigned_lit == cases[i].is_unsigned, "integer %s", cases[i].text);
		parsed_free(&r);
	}
}

/* test_tuples: "$t.3.0" is two accesses, never a float */
static void test_tuples(void)
{
	struct parsed r = parse("BEGIN { $x = $t.3.0; }");
	struct node *n = rhs(r.p);

	check(n && n->kind == N_TUPLE_GET && n->ival == 0 && n->a->kind == N_TUPLE_GET &&
	      n->a->ival == 3 && n->a->a->kind == N_VAR, "tuple access $t.3.0");
	parsed_free(&r);

	r = parse("BEGIN { $x = (1, \"a\", (2, 3)); }");
	n = rhs(r.p);
	check(n && n->kind == N_TUPLE && n->args.n == 3 && n->args.v[2]->kind == N_TUPLE,
	      "tuple literal, nested");
	parsed_free(&r);
}

/* test_casts: written types in casts, sizeof and offsetof */
static void test_casts(void)
{
	static const struct {
		const char *expr, *name;
		int nptr;
	} cases[] = {
		{ "(int8)$v", "int8", 0 }, { "(uint32*)$v", "uint32", 1 },
		{ "(struct  Foo **)$v", "struct Foo", 2 }, { "(union U*)$v", "union U", 1 },
		{ "(enum E)$v", "enum E", 0 }, { "(mytype_t)$v", "mytype_t", 0 },
	};
	struct parsed r;
	struct node *n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char src[128];

		snprintf(src, sizeof(src), "BEGIN { $x = %s; }", cases[i].expr);
		r = parse(src);
		n = rhs(r.p);
		check(n && n->kind == N_CAST && !strcmp(n->ctype->name, cases[i].name) &&
		      n->ctype->nptr == cases[i].nptr && n->a->kind == N_VAR, "cast %s", cases[i].expr);
		parsed_free(&r);
	}

	r = parse("BEGIN { $x = (struct Foo *)arg0; }");
	n = rhs(r.p);
	check(n && loc_is(&n->loc, 1, 14, 1, 31) && loc_is(&n->bt_loc, 1, 14, 1, 27) &&
	      loc_is(&n->ctype->loc, 1, 15, 1, 24), "cast spans: whole, bpftrace's \"(type)\", type");
	parsed_free(&r);

	r = parse("BEGIN { $a = sizeof(struct Foo); $b = sizeof(uint64); $c = sizeof($x + 1);"
		  " $d = offsetof(struct Foo, pid); }");
	n = r.p ? first_stmt(r.p) : NULL;
	check(n && n->b->kind == N_SIZEOF && !strcmp(n->b->ctype->name, "struct Foo"),
	      "sizeof(struct Foo)");
	n = r.p ? r.p->probes.v[0]->body->stmts.v[1] : NULL;
	check(n && n->b->kind == N_SIZEOF && !strcmp(n->b->ctype->name, "uint64"), "sizeof(uint64)");
	n = r.p ? r.p->probes.v[0]->body->stmts.v[2] : NULL;
	check(n && n->b->kind == N_SIZEOF && !n->b->ctype && n->b->a->kind == N_BINOP,
	      "sizeof(expr)");
	n = r.p ? r.p->probes.v[0]->body->stmts.v[3] : NULL;
	check(n && n->b->kind == N_OFFSETOF && !strcmp(n->b->ctype->name, "struct Foo") &&
	      !strcmp(n->b->name, "pid"), "offsetof(struct Foo, pid)");
	parsed_free(&r);
}

/* test_cdefs: C definitions and preprocessor lines, kept verbatim */
static void test_cdefs(void)
{
	struct parsed r = parse("#include <linux/sched.h>\n#define N 5\n"
				"struct Foo { struct { int m[1]; } y; /* } */ char b[10]; };\n"
				"union U { int a; char b; } enum E { A, B = 2 }\n"
				"typedef struct { int q; } q_t;\nstruct Fwd;\n"
				"BEGIN { @ = N; }");
	struct program *p = r.p;

	check(p && p->preproc.n == 2 && !strcmp(p->preproc.v[0]->text, "#include <linux/sched.h>") &&
	      !strcmp(p->preproc.v[1]->text, "#define N 5"), "preprocessor lines");
	check(p && p->cdefs.n == 5 &&
	      !strcmp(p->cdefs.v[0]->text,
		      "struct Foo { struct { int m[1]; } y; /* } */ char b[10]; };") &&
	      !strcmp(p->cdefs.v[1]->text, "union U { int a; char b; }") &&
	      !strcmp(p->cdefs.v[2]->text, "enum E { A, B = 2 }") &&
	      !strcmp(p->cdefs.v[3]->text, "typedef struct { int q; } q_t;") &&
	      !strcmp(p->cdefs.v[4]->text, "struct Fwd;") &&
	      loc_is(&p->cdefs.v[0]->loc, 3, 1, 3, 59), "C definitions: struct, union, enum, typedef");
	check(p && p->probes.n == 1, "probe after C definitions");
	parsed_free(&r);
}

/* test_attach: attach point text and provider, as written */
static void test_attach(void)
{
	static const char *const specs[] = {
		"tracepoint:syscalls:sys_enter_*", "i:ms:1", "uprobe:/bin/bash:readline",
		"u:./testprogs/uprobe_test:uprobeFunction1", "usdt:./testprogs/usdt_test:tracetest:testprobe",
		"uprobe:libc:fread", "kprobe:vfs_read+10", "usdt:./testprogs/usdt_quoted_probe:test:\"\\\"probe1\\\"\"",
		"uprobe:\"/path with space\":func", "software:cpu-clock:1000", "hardware:cache-misses:1e6",
		"kprobe:mod:func", "watchpoint:0x1234:8:rw", "iter:task", "uprobe:./x:cpp:\"fn(int)\"",
		"kfunc:vmlinu*:vfs_read", "kprobe:vfs_[rw]*", "uprobe:/bin/bash:\"echo_builtin\"+0",
		"kprobe:$1", "k:a-b.isra.0",
	};
	char src[4096] = "";
	size_t off = 0;
	struct parsed r;
	bool ok;

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		off += (size_t)snprintf(src + off, sizeof(src) - off, "%s%s", i ? ",\n" : "", specs[i]);
	snprintf(src + off, sizeof(src) - off, " /arg0/ { }");
	r = parse(src);
	ok = r.p && r.p->probes.n == 1 &&
	     r.p->probes.v[0]->aps.n == (int)(sizeof(specs) / sizeof(specs[0]));
	for (size_t i = 0; ok && i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct node *ap = r.p->probes.v[0]->aps.v[i];

		ok = !strcmp(ap->text, specs[i]) && !strncmp(ap->name, specs[i], strlen(ap->name)) &&
		     specs[i][strlen(ap->name)] == ':';
		if (!ok)
			printf("#   attach point %zu: \"%s\" (%s)\n", i, ap->text, ap->name);
	}
	check(ok, "attach points: raw text and provider");
	if (!r.p)
		show("diagnostics", r.diag);
	parsed_free(&r);

	r = parse("BEGIN,END{}kprobe : vfs_read,\n{ }");
	ok = r.p && r.p->probes.n == 2 && r.p->probes.v[0]->aps.n == 2 &&
	     !strcmp(r.p->probes.v[0]->aps.v[1]->name, "END") &&
	     r.p->probes.v[1]->aps.n == 1 && !strcmp(r.p->probes.v[1]->aps.v[0]->text, "kprobe:vfs_read");
	check(ok, "attach points: BEGIN,END; words glued as bpftrace does; trailing ','");
	parsed_free(&r);
}

/* test_locations: exact node spans across lines */
static void test_locations(void)
{
	struct parsed r = parse("// header\nkprobe:vfs_read\n  /pid == 42/\n{\n\t@bytes[comm] =\n"
				"\t    sum(arg2);\n  $s = \"x\" ;\n}\n");
	struct program *p = r.p;
	struct node *pr = p ? p->probes.v[0] : NULL, *asg, *call;

	check(pr && loc_is(&pr->aps.v[0]->loc, 2, 1, 2, 15), "location: attach point");
	check(pr && loc_is(&pr->a->loc, 3, 4, 3, 12) && loc_is(&pr->a->b->loc, 3, 11, 3, 12),
	      "location: predicate expression");
	asg = pr ? pr->body->stmts.v[0] : NULL;
	check(asg && loc_is(&asg->loc, 5, 2, 6, 14) && loc_is(&asg->a->loc, 5, 2, 5, 13) &&
	      loc_is(&asg->a->a->loc, 5, 9, 5, 12), "location: statement over two lines, map, key");
	call = asg ? asg->b : NULL;
	check(call && loc_is(&call->loc, 6, 6, 6, 14) && loc_is(&call->args.v[0]->loc, 6, 10, 6, 13),
	      "location: call after tabs");
	check(pr && loc_is(&pr->body->stmts.v[1]->b->loc, 7, 8, 7, 10), "location: string");
	check(pr && loc_is(&pr->loc, 2, 1, 8, 1), "location: whole probe");
	parsed_free(&r);

	r = parse("BEGIN { print($x); @a[1]=(1+$y); }");
	call = rhs(r.p) ? NULL : first_stmt(r.p);
	check(call && loc_is(&call->a->args.v[0]->loc, 1, 15, 1, 16) &&
	      loc_is(&call->a->args.v[0]->bt_loc, 1, 9, 1, 16),
	      "bt_loc: starts at the run's first byte, as bpftrace reports");
	parsed_free(&r);
}

/* test_robustness: deep nesting, a big program, NUL bytes, invalid UTF-8 */
static void test_robustness(void)
{
	size_t n = 10000, len;
	char *src = malloc(4 * n + 64), *o;
	struct parsed r;

	o = src + sprintf(src, "BEGIN { @x = ");
	memset(o, '(', n);
	o += n;
	*o++ = '1';
	memset(o, ')', n);
	o += n;
	strcpy(o, "; }");
	r = parse(src);
	check(!r.p && strstr(r.diag, "nested too deeply"), "10000 nested parentheses: an error, no crash");
	parsed_free(&r);

	n = 400;
	o = src + sprintf(src, "BEGIN { @x = ");
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "-(");
	*o++ = '1';
	memset(o, ')', n);
	o += n;
	strcpy(o, "; }");
	r = parse(src);
	check(r.p != NULL, "400 nested unary minus and parentheses parse");
	parsed_free(&r);
	free(src);

	/* a left-leaning chain deepens the tree, not the parser's stack */
	n = 300000;
	src = malloc(3 * n + 64);
	o = src + sprintf(src, "BEGIN { @x = 1");
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "+1");
	strcpy(o, "; }");
	r = parse(src);
	check(!r.p && strstr(r.diag, "nested too deeply"), "a 600 KB chain of \"+1\": an error, no crash");
	parsed_free(&r);
	free(src);

	/* about 1 MB: many probes, and one probe with many statements */
	len = 1 << 20;
	src = malloc(len + 256);
	o = src;
	for (int i = 0; (size_t)(o - src) < len / 2; i++)
		o += sprintf(o, "kprobe:f%d /pid == %d && comm != \"x\"/ { @a[tid, %d] = count();"
			     " $x = (1 + 2) * arg0 - %d; if ($x > 3) { printf(\"%%d\\n\", $x); } }\n",
			     i, i, i, i);
	o += sprintf(o, "END {\n");
	while ((size_t)(o - src) < len)
		o += sprintf(o, "  @s = @s + 1; $v = ($v << 1) | 1;\n");
	o += sprintf(o, "}\n");
	r = parse_len(src, (size_t)(o - src), "big.bt");
	check(r.p && r.p->probes.n > 1000, "a 1 MB program parses (%zu bytes)", (size_t)(o - src));
	if (!r.p)
		show("diagnostics", r.diag);
	parsed_free(&r);
	free(src);

	expect_errors_len("NUL byte: located error",
			  "BEGIN { @x = 1;\0 @y = 2; }", 26, "stdin",
			  "stdin:1:14-17: ERROR: invalid character '\\x00'\n"
			  "BEGIN { @x = 1;\n"
			  "             ~~\n");
	expect_errors("invalid UTF-8 and stray UTF-8 outside strings (columns count bytes)",
		      "BEGIN { @x = \xff 1 + \xc3\xa9 2; }",
		      "stdin:1:14-15: ERROR: invalid character '\\xff'\n"
		      "BEGIN { @x = \xff 1 + \xc3\xa9 2; }\n"
		      "             ~\n"
		      "stdin:1:20-22: ERROR: invalid character '\xc3\xa9'\n"
		      "BEGIN { @x = \xff 1 + \xc3\xa9 2; }\n"
		      "                   ~~\n");
	r = parse("BEGIN { @x = \"\xff\xfe\"; } // \xff\x80\n/* \xc0 */");
	check(r.p != NULL, "invalid UTF-8 inside strings and comments is kept");
	parsed_free(&r);

	r = parse("");
	check(!r.p && r.nerrors == 1, "empty program: one error");
	parsed_free(&r);

	/* every prefix of a program: never a crash, never a silent failure */
	{
		const char *full = "struct S { int a; } kprobe:f,u:/x:\"y\" /pid == 1 && $1/ "
				   "{ @m[1, \"s\\n\"] += (uint8*)arg0->x[2].0 ? -1 : sizeof(struct S); "
				   "if ($x) { unroll(2) { $x++ } } else if (1) { while (1) { break } } }";
		bool ok = true;

		for (size_t i = 0; i < strlen(full); i++) {
			r = parse_len(full, i, "stdin");
			if (!r.p && r.nerrors == 0)
				ok = false;
			parsed_free(&r);
		}
		r = parse(full);
		check(ok && r.p, "every prefix of a program fails with a message, the whole parses");
		parsed_free(&r);
	}
}

/* shared_dir: the conformance directory under the argument */
static char *conformance_dir(const char *arg)
{
	static char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/conformance", arg);
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return path;
	snprintf(path, sizeof(path), "%s", arg);
	return path;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s SHARED_DIR\n", argv[0]);
		return 2;
	}
	corpus(conformance_dir(argv[1]));
	test_precedence();
	test_errors();
	test_diag();
	test_escapes();
	test_integers();
	test_tuples();
	test_casts();
	test_cdefs();
	test_attach();
	test_locations();
	test_robustness();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
