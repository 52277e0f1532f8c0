/* test_ctypes: C declarations, kernel BTF types and the kfunc args API.
 * Layouts are checked against numbers gcc gives for the same declarations
 * (x86-64); the BTF part is skipped where /sys/kernel/btf/vmlinux is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "btf.h"
#include "cdecl.h"
#include "ctypes.h"
#include "session.h"
#include "runtime/output_priv.h"

static int failures, passes;

#define CHECK(cond, ...) do { \
		if (cond) { \
			passes++; \
		} else { \
			failures++; \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

static const char decls[] =
	"struct A { char c; int i; short s; long l; };\n"
	"struct B { unsigned a:3, b:5; char c; int d:7; long e:40; unsigned f:30; };\n"
	"union U { int a; char b[10]; long c; };\n"
	"struct N { struct { int x; short y[3]; } in; union { int u1; char u2; }; int tail; };\n"
	"struct P { char c; int *p; char d[3]; } __attribute__((packed));\n"
	"struct Q { char c; long l __attribute__((aligned(16))); };\n"
	"struct Z { int a; int :0; char b; unsigned :4; unsigned c:4; };\n"
	"typedef struct { int a; long b; } foo_t;\n"
	"struct F { int n; char data[]; };\n"
	"#define TWO 2\n"
	"struct M { int y[TWO][3]; char s[2][8]; int (*fp)(int); void *vp; };\n"
	"enum E { EA = -1, EB = 5, EC };\n"
	"struct EE { enum E e; char c; };\n"
	"struct L { struct L *next; struct Later *later; };\n"
	"struct Later { int x; };\n"
	"struct NoSemi { struct { int m[1] } y; struct { int n } a; }";

static const struct type_field *field(struct type *t, const char *name)
{
	for (unsigned i = 0; t && i < t->nfields; i++)
		if (t->fields[i].name && !strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}

static unsigned off(struct type *t, const char *name)
{
	const struct type_field *f = field(t, name);

	return f ? f->offset : ~0u;
}

static struct type *tag(struct session *s, const char *name)
{
	struct type *t = ctypes_lookup(s, name);

	if (t && t->incomplete)
		ctypes_complete(s, t);
	return t;
}

static void test_layouts(struct session *s)
{
	struct cdecl_error err;
	struct type *t;
	const struct type_field *f;
	int64_t v;

	CHECK(!cdecl_parse(s, decls, CT_SCRIPT, false, &err), "parse: %d:%d: %s", err.line, err.col,
	      err.msg);
	t = tag(s, "struct A");
	CHECK(t && t->size == 24 && t->align == 8, "struct A size");
	CHECK(off(t, "i") == 4 && off(t, "s") == 8 && off(t, "l") == 16, "struct A offsets");
	t = tag(s, "struct B");
	CHECK(t && t->size == 16, "struct B size %u", t ? t->size : 0);
	f = field(t, "b");
	CHECK(f && f->offset == 0 && f->bit_offset == 3 && f->bit_size == 5, "B.b bits");
	f = field(t, "d");
	CHECK(f && f->offset == 2 && f->bit_offset == 0 && f->bit_size == 7, "B.d bits");
	f = field(t, "e");
	CHECK(f && f->offset == 2 && f->bit_offset == 7 && f->bit_size == 40, "B.e bits");
	f = field(t, "f");
	CHECK(f && f->offset == 8 && f->bit_offset == 0, "B.f moves to the next unit");
	t = tag(s, "union U");
	CHECK(t && t->is_union && t->size == 16 && off(t, "c") == 0, "union U");
	t = tag(s, "struct N");
	CHECK(t && t->size == 20 && off(t, "tail") == 16, "struct N size/tail");
	CHECK(t && t->nfields == 3 && !t->fields[1].name && t->fields[1].offset == 12,
	      "struct N anonymous union member");
	t = tag(s, "struct P");
	CHECK(t && t->size == 12 && t->align == 1 && off(t, "p") == 1 && off(t, "d") == 9, "packed P");
	t = tag(s, "struct Q");
	CHECK(t && t->size == 32 && off(t, "l") == 16, "aligned member Q");
	t = tag(s, "struct Z");
	CHECK(t && t->size == 8 && off(t, "b") == 4, "zero-width bit-field Z");
	f = field(t, "c");
	CHECK(f && f->offset == 5 && f->bit_offset == 4, "Z.c after an unnamed bit-field");
	t = ctypes_lookup(s, "foo_t");
	CHECK(t && t->kind == TY_RECORD && t->size == 16 && off(t, "b") == 8, "typedef of anonymous");
	t = tag(s, "struct F");
	CHECK(t && t->size == 4 && off(t, "data") == 4, "flexible array member");
	t = tag(s, "struct M");
	CHECK(t && t->size == 56 && off(t, "s") == 24 && off(t, "fp") == 40 && off(t, "vp") == 48,
	      "struct M");
	f = field(t, "y");
	CHECK(f && f->type->kind == TY_ARRAY && f->type->count == 2 && f->type->elem->count == 3,
	      "int y[2][3] is an array of 2 arrays of 3");
	f = field(t, "s");
	CHECK(f && f->type->kind == TY_ARRAY && f->type->elem->kind == TY_STRING &&
	      f->type->elem->size == 8, "char s[2][8] is an array of strings");
	f = field(t, "fp");
	CHECK(f && f->type->kind == TY_POINTER, "function pointer member");
	t = ctypes_lookup(s, "enum E");
	CHECK(t && t->kind == TY_INT && t->size == 4 && t->is_signed, "enum E is int32");
	CHECK(ctypes_const(s, "EC", &v) && v == 6, "enumerator after EB = 5");
	CHECK(ctypes_const(s, "EA", &v) && v == -1, "negative enumerator");
	CHECK(ctypes_const(s, "TWO", &v) && v == 2, "#define value");
	t = tag(s, "struct EE");
	CHECK(t && t->size == 8 && off(t, "c") == 4, "struct EE");
	t = tag(s, "struct L");
	f = field(t, "later");
	CHECK(f && f->type->elem && !ctypes_complete(s, f->type->elem) && f->type->elem->size == 4,
	      "a forward reference completes from the later definition");
	t = tag(s, "struct NoSemi");
	CHECK(t && t->size == 8 && off(t, "a") == 4, "members without ';' before '}'");
	CHECK(!cdecl_eval(s, "(1 << 4) + sizeof(struct A) * 2 - EB", &v, NULL) && v == 59,
	      "constant expression = %ld", (long)v);
	CHECK(!cdecl_eval(s, "(unsigned char)300 + 'a'", &v, NULL) && v == 44 + 97, "casts and chars");
	t = cdecl_typename(s, "const char *", NULL);
	CHECK(t && t->kind == TY_POINTER && ctypes_is_char(t->elem), "type name const char *");
	t = cdecl_typename(s, "unsigned long [4]", NULL);
	CHECK(t && t->kind == TY_ARRAY && t->count == 4 && t->elem->size == 8, "type name array");
	CHECK(cdecl_parse(s, "struct Bad { nosuch_t x; };", CT_SCRIPT, false, &err) &&
	      strstr(err.msg, "unknown type name 'nosuch_t'"), "unknown type: %s", err.msg);
	CHECK(cdecl_parse(s, "struct Bad2 { struct Nowhere x; };", CT_SCRIPT, false, &err) &&
	      strstr(err.msg, "incomplete type"), "incomplete member: %s", err.msg);
}

static void test_btf(struct session *s)
{
	struct type *t, *a;
	const struct type_field *f;
	char err[256];
	int64_t v;

	if (!btf_available()) {
		printf("SKIP btf: no kernel BTF\n");
		return;
	}
	t = tag(s, "struct task_struct");
	CHECK(t && t->kind == TY_RECORD && t->size > 1000 && !t->incomplete, "task_struct");
	f = field(t, "pid");
	CHECK(f && f->type->kind == TY_INT && f->type->size == 4 && f->type->is_signed, "task->pid");
	f = field(t, "comm");
	CHECK(f && f->type->kind == TY_STRING && f->type->size == 16, "task->comm is string[16]");
	f = field(t, "parent");
	CHECK(f && f->type->kind == TY_POINTER && f->type->elem == t, "task->parent points back");
	t = ctypes_lookup(s, "pid_t");
	CHECK(t && t->kind == TY_INT && t->size == 4, "typedef pid_t");
	CHECK(btf_enum_value("TASK_COMM_LEN", &v) && v == 16, "enumerator TASK_COMM_LEN");
	a = btf_func_args(s, NULL, "vfs_read", false, err, sizeof(err));
	CHECK(a && a->kind == TY_TP_ARGS && a->nfields == 4, "kfunc:vfs_read args: %s", a ? "" : err);
	if (a && a->nfields == 4) {
		CHECK(!strcmp(a->fields[0].name, "file") && a->fields[0].type->kind == TY_POINTER &&
		      a->fields[0].type->is_kernel && a->fields[0].offset == 0, "args->file");
		CHECK(!strcmp(a->fields[2].name, "count") && a->fields[2].offset == 16 &&
		      a->fields[2].type->size == 8, "args->count");
	}
	a = btf_func_args(s, NULL, "vfs_read", true, err, sizeof(err));
	CHECK(a && a->nfields == 5 && !strcmp(a->fields[4].name, "retval") &&
	      a->fields[4].offset == 32, "kretfunc:vfs_read retval");
	a = btf_func_args(s, NULL, "no_such_function_here", false, err, sizeof(err));
	CHECK(!a && strstr(err, "no_such_function_here"), "missing function: %s", err);
	{
		struct btf_func_param p[8];
		const char *mod = NULL;
		char ret[64];
		int n = btf_func_params(NULL, "vfs_read", &mod, p, 8, ret, sizeof(ret));

		CHECK(n == 4 && !strcmp(p[0].type, "struct file *") && !strcmp(p[1].type, "char *") &&
		      mod && !strcmp(mod, "vmlinux") && !strcmp(ret, "ssize_t"),
		      "btf_func_params vfs_read: %d %s %s", n, n > 0 ? p[0].type : "", ret);
	}
	/* a script definition shadows the kernel's */
	CHECK(!cdecl_parse(s, "struct task_struct { int x; };", CT_SCRIPT, false, NULL), "shadow");
	t = tag(s, "struct task_struct");
	CHECK(t && t->size == 4, "script task_struct wins");
}

static void check_render(const char *what, const struct type *t, const void *data,
			 const char *want_value, const char *want_key)
{
	struct map_decl d = { .name = "@", .key = (struct type *)t };
	struct sbuf sb;
	char buf[512];

	format_value(NULL, t, data, buf, sizeof(buf));
	CHECK(!strcmp(buf, want_value), "%s value: got '%s' want '%s'", what, buf, want_value);
	sbuf_init(&sb);
	key_render(NULL, &d, data, ", ", &sb);
	CHECK(sb.buf && !strcmp(sb.buf, want_key), "%s key: got '%s' want '%s'", what,
	      sb.buf ? sb.buf : "", want_key);
	sbuf_free(&sb);
}

/* Records print as bpftrace 0.17 prints them (outputs taken from bpftrace 0.17). */
static void test_render(struct session *s)
{
	/* { .a = -3, .b = 5, .c = 1000, .d = 7, .e = 300 } as gcc lays it out */
	static const uint8_t bits[8] = { 0x5d, 0xf4, 0x01, 0x00, 0x07, 0x2c, 0x01, 0x00 };
	uint8_t zero[64] = { 0 };

	CHECK(!cdecl_parse(s, "struct Bits { int a:4; unsigned int b:3; long c:20; char d; unsigned e:9; };"
			   "struct Anon { int a; struct { int x; short q; }; union { long y; char z; }; int t; };"
			   "struct Mix { int m; char c[4]; int *p; struct { short a; unsigned char b[2]; } z; };",
			   CT_SCRIPT, false, NULL), "render decls");
	/* 0.17 prints a bit-field as the whole of its type at its byte, unmasked */
	check_render("bit-fields", tag(s, "struct Bits"), bits,
		     "{ .a = 128093, .b = 128093, .c = 329883553231965, .d = 7, .e = 300 }",
		     "{.a=128093,.b=128093,.c=329883553231965,.d=7,.e=300}");
	/* anonymous members are flattened into their parent */
	check_render("anonymous members", tag(s, "struct Anon"), zero,
		     "{ .a = 0, .x = 0, .q = 0, .y = 0, .z = 0, .t = 0 }",
		     "{.a=0,.x=0,.q=0,.y=0,.z=0,.t=0}");
	/* char arrays are strings, unsigned char arrays numbers; pointers are hex in keys */
	check_render("mixed", tag(s, "struct Mix"), zero,
		     "{ .m = 0, .c = , .p = 0, .z = { .a = 0, .b = [0,0] } }",
		     "{.m=0,.c=,.p=0x0,.z={.a=0,.b=[0,0]}}");
}

int main(void)
{
	struct session_config cfg = { .strlen = 64, .map_keys_max = 4096, .max_probes = 512 };
	struct session *s = session_new(&cfg, NULL);

	test_layouts(s);
	session_free(s);
	s = session_new(&cfg, NULL);
	test_render(s);
	session_free(s);
	s = session_new(&cfg, NULL);
	test_btf(s);
	session_free(s);
	printf("%d passed, %d failed, 0 skipped\n", passes, failures);
	return failures ? 1 : 0;
}
