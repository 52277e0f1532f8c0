/* cdecl: C declarations -> types, by recursive descent over a token array.
 * Declarators are read inside out with a rewind (the "(*name)[N]" group is
 * applied after the suffixes that follow it), records are laid out as the
 * x86-64 System V ABI and GCC do it, bit-fields included. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cdecl.h"
#include "session.h"
#include "arena.h"

enum tk { TK_EOF, TK_ID, TK_NUM, TK_STR, TK_CHR, TK_P, TK_DEFINE };

struct tok {
	enum tk k;
	const char *s;
	int len;
	uint64_t num;
	int line, col;
};

struct toks {
	struct tok *v;
	int n, cap;
};

/* ---------------------------------------------------------------- lexing */

static void toks_push(struct toks *ts, struct tok t)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 256;
		ts->v = realloc(ts->v, sizeof(*ts->v) * ts->cap);
	}
	ts->v[ts->n++] = t;
}

static const char *const puncts3[] = { "...", "<<=", ">>=" };
static const char *const puncts2[] = {
	"<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "++", "--", "##",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
};

static int char_escape(const char **pp)
{
	const char *p = *pp;
	int v;

	if (*p != '\\') {
		*pp = p + 1;
		return (unsigned char)*p;
	}
	p++;
	switch (*p) {
	case 'n': v = '\n'; p++; break;
	case 't': v = '\t'; p++; break;
	case 'r': v = '\r'; p++; break;
	case 'a': v = '\a'; p++; break;
	case 'b': v = '\b'; p++; break;
	case 'f': v = '\f'; p++; break;
	case 'v': v = '\v'; p++; break;
	case 'x':
		v = (int)strtol(p + 1, (char **)&p, 16);
		break;
	default:
		if (*p >= '0' && *p <= '7') {
			v = 0;
			for (int i = 0; i < 3 && *p >= '0' && *p <= '7'; i++)
				v = v * 8 + (*p++ - '0');
		} else {
			v = (unsigned char)*p++;
		}
	}
	*pp = p;
	return v;
}

/* lex: the whole text into tokens; "#define" lines go to defs as one TK_DEFINE
 * each (cpp -dD puts them anywhere, even inside an enum's braces), other
 * preprocessor lines (line markers, #pragma) are dropped. */
static void lex(const char *text, struct toks *ts, struct toks *defs)
{
	const char *p = text, *ls = text;
	int line = 1;
	bool bol = true;

	for (;;) {
		struct tok t = { 0 };

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v' || *p == '\n' ||
		       (p[0] == '\\' && p[1] == '\n')) {
			if (*p == '\\')
				p++;
			if (*p == '\n') {
				line++;
				ls = p + 1;
				bol = true;
			}
			p++;
		}
		if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			for (const char *q = p; q < (e ? e : p + strlen(p)); q++)
				if (*q == '\n') {
					line++;
					ls = q + 1;
				}
			p = e ? e + 2 : p + strlen(p);
			continue;
		}
		if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		t.s = p;
		t.line = line;
		t.col = (int)(p - ls) + 1;
		if (!*p) {
			t.k = TK_EOF;
			toks_push(ts, t);
			return;
		}
		if (*p == '#' && bol) {
			const char *q = p + 1, *e = p;

			while (*e && !(*e == '\n' && e[-1] != '\\'))
				e++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (!strncmp(q, "define", 6) && (q[6] == ' ' || q[6] == '\t')) {
				t.k = TK_DEFINE;
				t.s = q + 6;
				t.len = (int)(e - t.s);
				if (defs)
					toks_push(defs, t);
			}
			for (const char *r = p; r < e; r++)
				if (*r == '\n') {
					line++;
					ls = r + 1;
				}
			p = e;
			continue;
		}
		bol = false;
		if (isalpha((unsigned char)*p) || *p == '_' || *p == '$') {
			while (isalnum((unsigned char)*p) || *p == '_' || *p == '$')
				p++;
			t.k = TK_ID;
		} else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
			char *end;

			t.k = TK_NUM;
			t.num = strtoull(p, &end, 0);
			if (end == p)
				end = (char *)p + 1;
			p = end;
			/* suffixes, and the rest of a floating literal */
			while (isalnum((unsigned char)*p) || *p == '.' || *p == '_' ||
			       ((*p == '+' || *p == '-') && strchr("eEpP", p[-1])))
				p++;
		} else if (*p == '"') {
			p++;
			while (*p && *p != '"' && *p != '\n') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			if (*p == '"')
				p++;
			t.k = TK_STR;
		} else if (*p == '\'') {
			const char *q = p + 1;

			t.k = TK_CHR;
			t.num = (uint64_t)(int64_t)(signed char)char_escape(&q);
			while (*q && *q != '\'' && *q != '\n')
				q++;
			p = *q == '\'' ? q + 1 : q;
		} else {
			int n = 1;

			for (size_t i = 0; i < sizeof(puncts3) / sizeof(puncts3[0]); i++)
				if (!strncmp(p, puncts3[i], 3))
					n = 3;
			for (size_t i = 0; n == 1 && i < sizeof(puncts2) / sizeof(puncts2[0]); i++)
				if (!strncmp(p, puncts2[i], 2))
					n = 2;
			p += n;
			t.k = TK_P;
		}
		t.len = (int)(p - t.s);
		toks_push(ts, t);
	}
}

/* ---------------------------------------------------------------- parser state */

struct cp {
	struct session *s;
	struct type_arena *a;
	enum ct_scope scope;
	bool lenient;
	struct tok *t;
	int n, i;
	bool failed;
	struct cdecl_error *err;
	int depth;
};

struct attrs {
	bool packed;
	unsigned aligned;
};

static struct tok *cur(struct cp *cp)
{
	return &cp->t[cp->i < cp->n ? cp->i : cp->n - 1];
}

static struct tok *peek(struct cp *cp, int k)
{
	int j = cp->i + k;

	return &cp->t[j < cp->n ? j : cp->n - 1];
}

static void next(struct cp *cp)
{
	if (cp->i < cp->n - 1)
		cp->i++;
}

static bool tok_is(const struct tok *t, const char *s)
{
	size_t n = strlen(s);

	return (t->k == TK_P || t->k == TK_ID) && (size_t)t->len == n && !strncmp(t->s, s, n);
}

static bool is(struct cp *cp, const char *s)
{
	return tok_is(cur(cp), s);
}

static bool accept(struct cp *cp, const char *s)
{
	if (!is(cp, s))
		return false;
	next(cp);
	return true;
}

static char *tok_str(struct cp *cp, const struct tok *t)
{
	char *r = arena_zalloc(cp->a, t->len + 1);

	memcpy(r, t->s, t->len);
	return r;
}

static void fail(struct cp *cp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct cp *cp, const char *fmt, ...)
{
	va_list ap;

	if (cp->failed)
		return;
	cp->failed = true;
	if (!cp->err)
		return;
	cp->err->line = cur(cp)->line;
	cp->err->col = cur(cp)->col;
	va_start(ap, fmt);
	vsnprintf(cp->err->msg, sizeof(cp->err->msg), fmt, ap);
	va_end(ap);
}

static bool expect(struct cp *cp, const char *s)
{
	if (accept(cp, s))
		return true;
	if (cur(cp)->k == TK_EOF)
		fail(cp, "expected '%s' at end of input", s);
	else
		fail(cp, "expected '%s' before '%.*s'", s, cur(cp)->len, cur(cp)->s);
	return false;
}

/* skip_balanced: at an opening bracket, move past its matching close. */
static void skip_balanced(struct cp *cp)
{
	int depth = 0;

	do {
		struct tok *t = cur(cp);

		if (t->k == TK_EOF)
			return;
		if (tok_is(t, "(") || tok_is(t, "[") || tok_is(t, "{"))
			depth++;
		else if (tok_is(t, ")") || tok_is(t, "]") || tok_is(t, "}"))
			depth--;
		next(cp);
	} while (depth > 0);
}

static const char *const c_keywords[] = {
	"auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
	"enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
	"restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch",
	"typedef", "union", "unsigned", "void", "volatile", "while", "_Bool", "_Atomic",
	"__attribute__", "__attribute", "__extension__", "__inline", "__inline__", "__restrict",
	"__restrict__", "__const", "__volatile__", "__volatile", "__signed__", "__signed",
	"__int128", "_Noreturn", "__thread", "_Thread_local", "_Alignas", "__asm__", "asm",
	"__asm", "typeof", "__typeof__", "__typeof",
};

static bool is_keyword(const struct tok *t)
{
	if (t->k != TK_ID)
		return false;
	for (size_t i = 0; i < sizeof(c_keywords) / sizeof(c_keywords[0]); i++)
		if (tok_is(t, c_keywords[i]))
			return true;
	return false;
}

static const char *const qualifiers[] = {
	"const", "volatile", "restrict", "__restrict", "__restrict__", "__const", "__volatile__",
	"__volatile", "register", "auto", "static", "extern", "inline", "__inline", "__inline__",
	"_Noreturn", "__thread", "_Thread_local", "__extension__", "__user", "__kernel",
	"__iomem", "__percpu", "__rcu", "__force", "__must_check", "__always_inline",
};

static bool is_qualifier(const struct tok *t)
{
	if (t->k != TK_ID)
		return false;
	for (size_t i = 0; i < sizeof(qualifiers) / sizeof(qualifiers[0]); i++)
		if (tok_is(t, qualifiers[i]))
			return true;
	return false;
}

static int64_t cexpr(struct cp *cp);
static struct type *type_name_at(struct cp *cp);

/* attributes: any run of __attribute__((...)), __declspec(...), asm("..."), _Alignas(..). */
static void attributes(struct cp *cp, struct attrs *at)
{
	for (;;) {
		if (is(cp, "__attribute__") || is(cp, "__attribute")) {
			int start, depth = 0;

			next(cp);
			if (!is(cp, "("))
				return;
			start = cp->i;
			do {
				struct tok *t = cur(cp);

				if (t->k == TK_EOF)
					return;
				if (tok_is(t, "("))
					depth++;
				else if (tok_is(t, ")"))
					depth--;
				else if (at && depth == 2 && (tok_is(t, "packed") || tok_is(t, "__packed__")))
					at->packed = true;
				else if (at && depth == 2 && (tok_is(t, "aligned") || tok_is(t, "__aligned__"))) {
					if (tok_is(peek(cp, 1), "(")) {
						int save;

						next(cp);
						next(cp);
						save = cp->i;
						at->aligned = (unsigned)cexpr(cp);
						if (cp->failed && cp->lenient)
							cp->failed = false;
						cp->i = save;
						depth++;
						continue;
					}
					at->aligned = 16;
				}
				next(cp);
			} while (depth > 0);
			(void)start;
		} else if (is(cp, "__declspec") || is(cp, "asm") || is(cp, "__asm__") || is(cp, "__asm")) {
			next(cp);
			while (is(cp, "volatile") || is(cp, "__volatile__") || is(cp, "goto"))
				next(cp);
			if (is(cp, "("))
				skip_balanced(cp);
		} else if (is(cp, "_Alignas") || is(cp, "alignas")) {
			next(cp);
			if (is(cp, "(")) {
				int save = cp->i;

				next(cp);
				if (at) {
					struct type *t = type_name_at(cp);

					if (t)
						at->aligned = t->align;
					else {
						cp->failed = false;
						cp->i = save + 1;
						at->aligned = (unsigned)cexpr(cp);
					}
				}
				cp->i = save;
				skip_balanced(cp);
			}
		} else {
			return;
		}
	}
}

/* ---------------------------------------------------------------- types */

static struct type *mk_array(struct cp *cp, struct type *elem, unsigned n)
{
	if (ctypes_is_char(elem))
		return type_string(cp->a, n);
	return type_array(cp->a, elem, n);
}

static struct type *mk_function(struct cp *cp)
{
	struct type *t = type_new(cp->a, TY_VOID, 1, 1);

	t->name = "function";
	return t;
}

/* A name that denotes a type where a declaration could start. */
static struct type *typedef_name(struct cp *cp, const struct tok *t)
{
	char buf[128];

	if (t->k != TK_ID || is_keyword(t) || t->len >= (int)sizeof(buf))
		return NULL;
	memcpy(buf, t->s, t->len);
	buf[t->len] = 0;
	if (!strcmp(buf, "__builtin_va_list"))
		return type_array(cp->a, type_int(cp->a, 1, false), 24);
	return ctypes_lookup_from(cp->s, buf, cp->scope);
}

static bool is_type_start(struct cp *cp, const struct tok *t)
{
	static const char *const kw[] = {
		"void", "char", "short", "int", "long", "signed", "unsigned", "float", "double",
		"_Bool", "struct", "union", "enum", "__signed__", "__signed", "__int128",
	};

	if (t->k != TK_ID)
		return false;
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (tok_is(t, kw[i]))
			return true;
	if (is_qualifier(t))
		return true;
	return typedef_name(cp, t) != NULL;
}

struct spec {
	struct type *type;
	int nvoid, nchar, nshort, nint, nlong, nsigned, nunsigned, nbool, nfloat, ndouble, nint128;
	bool is_typedef, any;
	struct attrs at;
};

static struct type *record_spec(struct cp *cp, bool is_union, struct attrs *outer);
static struct type *enum_spec(struct cp *cp);

static struct type *spec_type(struct cp *cp, struct spec *sp)
{
	int nkw = sp->nvoid + sp->nchar + sp->nshort + sp->nint + sp->nlong + sp->nsigned +
		  sp->nunsigned + sp->nbool + sp->nfloat + sp->ndouble + sp->nint128;
	bool sign = !sp->nunsigned;

	if (sp->type) {
		if (nkw)
			fail(cp, "cannot combine with previous type specifier");
		return sp->type;
	}
	if (sp->nvoid)
		return type_simple(cp->a, TY_VOID);
	if (sp->nbool)
		return type_int(cp->a, 1, false);
	if (sp->nchar) {
		if (!sp->nsigned && !sp->nunsigned)
			return ctypes_char(cp->s);
		return type_int(cp->a, 1, sign);
	}
	if (sp->nint128)
		return type_array(cp->a, type_int(cp->a, 8, false), 2);
	if (sp->ndouble)
		return sp->nlong ? type_array(cp->a, type_int(cp->a, 8, false), 2) :
				   type_int(cp->a, 8, false);
	if (sp->nfloat)
		return type_int(cp->a, 4, false);
	if (sp->nshort)
		return type_int(cp->a, 2, sign);
	if (sp->nlong)
		return type_int(cp->a, 8, sign);
	if (sp->nint || sp->nsigned || sp->nunsigned)
		return type_int(cp->a, 4, sign);
	if (sp->any)
		return type_int(cp->a, 4, true);  /* "const x;" is implicit int in old C */
	fail(cp, "expected a type");
	return NULL;
}

/* specifiers: declaration specifiers and qualifiers, up to the declarator. */
static struct type *specifiers(struct cp *cp, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	for (;;) {
		struct tok *t = cur(cp);

		if (cp->failed)
			return NULL;
		if (t->k != TK_ID)
			break;
		if (tok_is(t, "typedef")) {
			sp->is_typedef = sp->any = true;
		} else if (tok_is(t, "__attribute__") || tok_is(t, "__attribute") ||
			   tok_is(t, "__declspec") || tok_is(t, "_Alignas")) {
			attributes(cp, &sp->at);
			continue;
		} else if (tok_is(t, "_Atomic") && tok_is(peek(cp, 1), "(")) {
			next(cp);
			next(cp);
			sp->type = type_name_at(cp);
			expect(cp, ")");
			sp->any = true;
			continue;
		} else if (is_qualifier(t) || tok_is(t, "_Atomic")) {
			sp->any = true;
		} else if (tok_is(t, "void")) {
			sp->nvoid++;
		} else if (tok_is(t, "char")) {
			sp->nchar++;
		} else if (tok_is(t, "short")) {
			sp->nshort++;
		} else if (tok_is(t, "int")) {
			sp->nint++;
		} else if (tok_is(t, "long")) {
			sp->nlong++;
		} else if (tok_is(t, "signed") || tok_is(t, "__signed__") || tok_is(t, "__signed")) {
			sp->nsigned++;
		} else if (tok_is(t, "unsigned")) {
			sp->nunsigned++;
		} else if (tok_is(t, "_Bool")) {
			sp->nbool++;
		} else if (tok_is(t, "float") || tok_is(t, "_Float32") || tok_is(t, "_Float32x")) {
			sp->nfloat++;
		} else if (tok_is(t, "double") || tok_is(t, "_Float64") || tok_is(t, "_Float64x")) {
			sp->ndouble++;
		} else if (tok_is(t, "__int128") || tok_is(t, "_Float128") || tok_is(t, "__float128")) {
			sp->nint128++;
		} else if (tok_is(t, "struct") || tok_is(t, "union")) {
			bool u = tok_is(t, "union");

			next(cp);
			sp->type = record_spec(cp, u, &sp->at);
			sp->any = true;
			continue;
		} else if (tok_is(t, "enum")) {
			next(cp);
			sp->type = enum_spec(cp);
			sp->any = true;
			continue;
		} else if (tok_is(t, "typeof") || tok_is(t, "__typeof__") || tok_is(t, "__typeof")) {
			fail(cp, "typeof is not supported");
			return NULL;
		} else {
			struct type *td;
			int nkw = sp->nvoid + sp->nchar + sp->nshort + sp->nint + sp->nlong +
				  sp->nsigned + sp->nunsigned + sp->nbool + sp->nfloat + sp->ndouble;

			if (sp->type || nkw)
				break;
			td = typedef_name(cp, t);
			if (!td) {
				/* "foo_t x;" with foo_t unknown: report the type, not the syntax */
				struct tok *n1 = peek(cp, 1);

				if (!is_keyword(t) && (n1->k == TK_ID || tok_is(n1, "*"))) {
					fail(cp, "unknown type name '%.*s'", t->len, t->s);
					return NULL;
				}
				break;
			}
			sp->type = td;
		}
		sp->any = true;
		next(cp);
	}
	if (cp->failed)
		return NULL;
	return spec_type(cp, sp);
}

static struct type *declarator(struct cp *cp, struct type *base, const struct tok **name);

/* type_name_at: specifiers and an abstract declarator ("const char *", "int[4]"). */
static struct type *type_name_at(struct cp *cp)
{
	struct spec sp;
	struct type *t = specifiers(cp, &sp);
	const struct tok *name = NULL;

	if (!t)
		return NULL;
	t = declarator(cp, t, &name);
	if (name && !cp->failed) {
		cp->i--;
		fail(cp, "unexpected name '%.*s' in a type name", name->len, name->s);
	}
	return cp->failed ? NULL : t;
}

/* suffixes: "[N]" and "(params)" after a declarator name, applied right to left. */
static struct type *suffixes(struct cp *cp, struct type *base)
{
	struct suffix { bool fn; int64_t n; } suf[16];
	int ns = 0;

	for (;;) {
		if (is(cp, "[")) {
			int64_t n = 0;

			next(cp);
			while (is(cp, "static") || is_qualifier(cur(cp)))
				next(cp);
			if (!is(cp, "]")) {
				n = cexpr(cp);
				if (cp->failed)
					return NULL;
				if (n < 0) {
					fail(cp, "array has a negative size");
					return NULL;
				}
			}
			if (!expect(cp, "]"))
				return NULL;
			if (ns < 16)
				suf[ns++] = (struct suffix){ false, n };
		} else if (is(cp, "(")) {
			skip_balanced(cp);
			if (ns < 16)
				suf[ns++] = (struct suffix){ true, 0 };
		} else {
			break;
		}
	}
	while (ns-- > 0) {
		if (suf[ns].fn) {
			base = mk_function(cp);
			continue;
		}
		if (base->kind == TY_RECORD && base->incomplete && ctypes_complete(cp->s, base)) {
			fail(cp, "array has incomplete element type '%s'", base->name ? base->name : "struct");
			return NULL;
		}
		base = mk_array(cp, base, (unsigned)suf[ns].n);
	}
	return base;
}

/* paren_group: "(" starting a nested declarator rather than a parameter list. */
static bool paren_group(struct cp *cp)
{
	struct tok *t = peek(cp, 1);

	if (tok_is(t, "*") || tok_is(t, "(") || tok_is(t, "^") || tok_is(t, "["))
		return true;
	if (tok_is(t, "__attribute__"))
		return true;
	if (t->k == TK_ID && !is_keyword(t) && !typedef_name(cp, t))
		return true;
	return false;
}

static struct type *declarator(struct cp *cp, struct type *base, const struct tok **name)
{
	if (++cp->depth > 64) {
		fail(cp, "declarator nested too deeply");
		return NULL;
	}
	while (is(cp, "*") || is(cp, "^")) {
		next(cp);
		base = type_pointer(cp->a, base);
		while (is_qualifier(cur(cp)) || is(cp, "_Atomic") || is(cp, "__attribute__"))
			if (is(cp, "__attribute__"))
				attributes(cp, NULL);
			else
				next(cp);
	}
	attributes(cp, NULL);
	if (is(cp, "(") && paren_group(cp)) {
		int inner = cp->i + 1, after;

		skip_balanced(cp);
		base = suffixes(cp, base);
		if (!base) {
			cp->depth--;
			return NULL;
		}
		after = cp->i;
		cp->i = inner;
		base = declarator(cp, base, name);
		if (base)
			expect(cp, ")");
		cp->i = after;
		cp->depth--;
		return cp->failed ? NULL : base;
	}
	if (cur(cp)->k == TK_ID && !is_keyword(cur(cp))) {
		*name = cur(cp);
		next(cp);
	}
	base = suffixes(cp, base);
	cp->depth--;
	return base;
}

/* ---------------------------------------------------------------- records */

struct layout {
	struct type_field *f;
	unsigned nf, cap;
	uint64_t bits;          /* next free bit (structs) */
	uint64_t size;          /* bytes (unions: the largest member) */
	unsigned align;
	bool is_union, packed;
};

static void layout_add(struct cp *cp, struct layout *l, const char *name, struct type *t,
		       int64_t width, unsigned mem_align)
{
	unsigned al = l->packed ? 1 : (t->align ? t->align : 1);
	uint64_t unit = (uint64_t)t->size * 8, pos;
	struct type_field *f;

	if (mem_align > al)
		al = mem_align;
	if (width >= 0 && t->kind != TY_INT) {
		fail(cp, "bit-field '%s' has a non-integral type", name ? name : "");
		return;
	}
	if (width > (int64_t)unit) {
		fail(cp, "width of bit-field '%s' (%ld bits) exceeds the width of its type (%lu bits)",
		     name ? name : "", (long)width, (unsigned long)unit);
		return;
	}
	if (width == 0) {
		/* a zero-width bit-field starts the next unit; it is no member */
		if (!l->is_union && unit)
			l->bits = (l->bits + unit - 1) / unit * unit;
		return;
	}
	if (l->is_union) {
		pos = 0;
	} else if (width > 0) {
		pos = l->bits;
		if (!l->packed && unit && pos / unit != (pos + width - 1) / unit)
			pos = (pos + unit - 1) / unit * unit;
	} else {
		pos = (l->bits + al * 8 - 1) / (al * 8) * (al * 8);
	}
	/* unnamed bit-fields do not make the record more aligned (SysV) */
	if ((name || width < 0) && al > l->align)
		l->align = al;
	if (width > 0 && !name) {
		if (!l->is_union)
			l->bits = pos + width;
		return;
	}
	if (l->nf == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->f = realloc(l->f, sizeof(*l->f) * l->cap);
	}
	f = &l->f[l->nf++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->type = t;
	f->offset = (unsigned)(pos / 8);
	if (width > 0) {
		f->bit_offset = (unsigned)(pos % 8);
		f->bit_size = (unsigned)width;
	}
	if (l->is_union) {
		uint64_t sz = width > 0 ? ((uint64_t)width + 7) / 8 : t->size;

		if (sz > l->size)
			l->size = sz;
	} else {
		l->bits = pos + (width > 0 ? (uint64_t)width : (uint64_t)t->size * 8);
	}
}

/* members: "{ decl; decl; ... }" laid out into rec. */
static void members(struct cp *cp, struct type *rec, struct attrs *at)
{
	struct layout l = { .is_union = rec->is_union, .align = 1 };
	int save_fail_i;

	/* "packed" may come after the closing brace: look ahead for it first */
	save_fail_i = cp->i;
	skip_balanced(cp);
	attributes(cp, at);
	cp->i = save_fail_i;
	l.packed = at->packed;
	next(cp);  /* "{" */
	while (!cp->failed && !is(cp, "}")) {
		struct spec sp;
		struct type *base;

		if (cur(cp)->k == TK_EOF) {
			fail(cp, "expected '}' at end of input");
			break;
		}
		if (accept(cp, ";"))
			continue;
		if (is(cp, "_Static_assert") || is(cp, "static_assert")) {
			while (!is(cp, ";") && !is(cp, "}") && cur(cp)->k != TK_EOF)
				if (is(cp, "("))
					skip_balanced(cp);
				else
					next(cp);
			continue;
		}
		base = specifiers(cp, &sp);
		if (!base)
			break;
		if (is(cp, ";") || is(cp, "}")) {
			/* an anonymous struct/union member, or a lone definition */
			if (base->kind == TY_RECORD && !sp.type->name) {
				if (base->incomplete)
					ctypes_complete(cp->s, base);
				layout_add(cp, &l, NULL, base, -1, sp.at.aligned);
			}
			accept(cp, ";");
			continue;
		}
		for (;;) {
			const struct tok *name = NULL;
			struct type *t = base;
			struct attrs ma = sp.at;
			int64_t width = -1;

			if (!is(cp, ":"))
				t = declarator(cp, base, &name);
			if (!t)
				break;
			if (accept(cp, ":")) {
				width = cexpr(cp);
				if (cp->failed)
					break;
				if (width < 0) {
					fail(cp, "bit-field has negative width (%ld)", (long)width);
					break;
				}
			}
			attributes(cp, &ma);
			if (t->kind == TY_RECORD && t->incomplete && ctypes_complete(cp->s, t)) {
				fail(cp, "field %s%.*s%s has incomplete type '%s'", name ? "'" : "",
				     name ? name->len : 0, name ? name->s : "", name ? "'" : "",
				     t->name ? t->name : "struct");
				break;
			}
			if (t->kind == TY_VOID && !(t->name && !strcmp(t->name, "function"))) {
				fail(cp, "field has incomplete type 'void'");
				break;
			}
			layout_add(cp, &l, name ? tok_str(cp, name) : NULL, t, width,
				   ma.packed ? 1 : ma.aligned);
			if (!accept(cp, ","))
				break;
		}
		if (cp->failed)
			break;
		/* clang accepts a missing ';' before '}' with a warning, and so does bpftrace */
		if (!is(cp, "}"))
			expect(cp, ";");
	}
	if (cp->failed) {
		free(l.f);
		return;
	}
	next(cp);  /* "}" */
	attributes(cp, at);
	if (at->aligned > l.align)
		l.align = at->aligned;
	if (!l.is_union)
		l.size = (l.bits + 7) / 8;
	l.size = (l.size + l.align - 1) / l.align * l.align;
	rec->size = (unsigned)l.size;
	rec->align = l.align;
	rec->nfields = l.nf;
	rec->fields = arena_zalloc(cp->a, sizeof(*rec->fields) * (l.nf ? l.nf : 1));
	if (l.nf)
		memcpy(rec->fields, l.f, sizeof(*rec->fields) * l.nf);
	rec->incomplete = false;
	free(l.f);
}

static struct type *record_spec(struct cp *cp, bool is_union, struct attrs *outer)
{
	const char *kw = is_union ? "union" : "struct";
	struct ctypes *ct = ctypes_of(cp->s);
	struct attrs at = { 0 };
	char *name = NULL;
	struct type *t;

	attributes(cp, &at);
	if (cur(cp)->k == TK_ID && !is_keyword(cur(cp))) {
		const struct tok *nt = cur(cp);

		name = arena_zalloc(cp->a, strlen(kw) + nt->len + 2);
		sprintf(name, "%s %.*s", kw, nt->len, nt->s);
		next(cp);
	}
	attributes(cp, &at);
	if (is(cp, "{")) {
		t = name ? ct_hash_get(&ct->tags[cp->scope], name, 0, NULL) : NULL;
		/* complete an earlier forward reference in place; a redefinition (a later
		 * program in the workbench) gets a new type, old maps keep theirs */
		if (!t || t->kind != TY_RECORD || !t->incomplete || t->btf_src ||
		    t->is_union != is_union)
			t = type_new(cp->a, TY_RECORD, 0, 1);
		t->name = name;
		t->is_union = is_union;
		t->incomplete = true;
		if (name)
			ct_hash_put(cp->s, &ct->tags[cp->scope], name, 0)->val = t;
		members(cp, t, &at);
		if (outer) {
			outer->packed |= at.packed;
		}
		return cp->failed ? NULL : t;
	}
	if (!name) {
		fail(cp, "expected a %s name or '{'", kw);
		return NULL;
	}
	t = ctypes_lookup_from(cp->s, name, cp->scope);
	if (t && t->kind == TY_RECORD && t->is_union == is_union)
		return t;
	/* a forward reference: completed later from a definition, BTF or headers */
	t = type_new(cp->a, TY_RECORD, 0, 1);
	t->name = name;
	t->is_union = is_union;
	t->incomplete = true;
	ct_hash_put(cp->s, &ct->tags[cp->scope], name, 0)->val = t;
	return t;
}

static struct type *enum_spec(struct cp *cp)
{
	struct ctypes *ct = ctypes_of(cp->s);
	int64_t v = 0, lo = 0, hi = 0;
	struct type *t, *under = NULL;
	char *name = NULL;
	bool any = false;

	attributes(cp, NULL);
	if (cur(cp)->k == TK_ID && !is_keyword(cur(cp))) {
		name = arena_zalloc(cp->a, cur(cp)->len + 6);
		sprintf(name, "enum %.*s", cur(cp)->len, cur(cp)->s);
		next(cp);
	}
	attributes(cp, NULL);
	if (accept(cp, ":")) {
		under = type_name_at(cp);
		if (!under)
			return NULL;
	}
	if (!is(cp, "{")) {
		if (!name) {
			fail(cp, "expected an enum name or '{'");
			return NULL;
		}
		t = ctypes_lookup_from(cp->s, name, cp->scope);
		if (t)
			return t;
		return type_int(cp->a, 4, false);
	}
	next(cp);
	while (!cp->failed && !is(cp, "}")) {
		const struct tok *en = cur(cp);

		if (en->k != TK_ID) {
			fail(cp, "expected an enumerator name");
			return NULL;
		}
		next(cp);
		attributes(cp, NULL);
		if (accept(cp, "=")) {
			v = cexpr(cp);
			if (cp->failed)
				return NULL;
		}
		ct_hash_put(cp->s, &ct->consts[cp->scope], tok_str(cp, en), 0)->ival = v;
		if (!any || v < lo)
			lo = v;
		if (!any || v > hi)
			hi = v;
		any = true;
		v++;
		if (!accept(cp, ","))
			break;
	}
	if (!expect(cp, "}"))
		return NULL;
	attributes(cp, NULL);
	if (under)
		t = type_int(cp->a, under->size, under->is_signed);
	else if (lo < INT32_MIN || hi > (int64_t)UINT32_MAX || (lo < 0 && hi > INT32_MAX))
		t = type_int(cp->a, 8, lo < 0);
	else
		t = type_int(cp->a, 4, lo < 0);
	if (name)
		ct_hash_put(cp->s, &ct->tags[cp->scope], name, 0)->val = t;
	return t;
}

/* ---------------------------------------------------------------- expressions */

static int64_t cast_to(const struct type *t, int64_t v)
{
	if (!t || t->kind != TY_INT || t->size >= 8)
		return v;
	if (t->is_signed)
		return t->size == 1 ? (int8_t)v : t->size == 2 ? (int16_t)v : (int32_t)v;
	return t->size == 1 ? (uint8_t)v : t->size == 2 ? (uint16_t)v : (uint32_t)v;
}

static int64_t unary(struct cp *cp);

static int64_t ident_value(struct cp *cp, const struct tok *t)
{
	char buf[128];
	int64_t v;

	if (t->len >= (int)sizeof(buf)) {
		fail(cp, "identifier too long");
		return 0;
	}
	memcpy(buf, t->s, t->len);
	buf[t->len] = 0;
	if (ctypes_const(cp->s, buf, &v))
		return v;
	fail(cp, "use of undeclared identifier '%s'", buf);
	return 0;
}

static int64_t primary(struct cp *cp)
{
	struct tok *t = cur(cp);
	int64_t v;

	if (t->k == TK_NUM || t->k == TK_CHR) {
		next(cp);
		return (int64_t)t->num;
	}
	if (t->k == TK_ID && !is_keyword(t)) {
		next(cp);
		return ident_value(cp, t);
	}
	if (accept(cp, "(")) {
		v = cexpr(cp);
		expect(cp, ")");
		return v;
	}
	if (t->k == TK_EOF)
		fail(cp, "expected an expression");
	else
		fail(cp, "expected an expression before '%.*s'", t->len, t->s);
	return 0;
}

static int64_t unary(struct cp *cp)
{
	if (++cp->depth > 200) {
		fail(cp, "expression nested too deeply");
		return 0;
	}
	int64_t v;

	if (accept(cp, "-"))
		v = -unary(cp);
	else if (accept(cp, "+"))
		v = unary(cp);
	else if (accept(cp, "~"))
		v = ~unary(cp);
	else if (accept(cp, "!"))
		v = !unary(cp);
	else if (is(cp, "sizeof") || is(cp, "_Alignof") || is(cp, "__alignof__") || is(cp, "__alignof")) {
		bool size = is(cp, "sizeof");
		struct type *t = NULL;

		next(cp);
		if (is(cp, "(") && is_type_start(cp, peek(cp, 1))) {
			next(cp);
			t = type_name_at(cp);
			expect(cp, ")");
		}
		if (!t) {
			if (!cp->failed)
				fail(cp, "sizeof of an expression is not supported here");
			cp->depth--;
			return 0;
		}
		if (t->kind == TY_RECORD && t->incomplete && ctypes_complete(cp->s, t)) {
			fail(cp, "invalid application of 'sizeof' to an incomplete type '%s'",
			     t->name ? t->name : "struct");
			cp->depth--;
			return 0;
		}
		v = size ? t->size : t->align;
	} else if (is(cp, "(") && is_type_start(cp, peek(cp, 1))) {
		struct type *t;

		next(cp);
		t = type_name_at(cp);
		expect(cp, ")");
		v = cast_to(t, unary(cp));
	} else {
		v = primary(cp);
	}
	cp->depth--;
	return v;
}

static int prec_of(const struct tok *t)
{
	static const struct { const char *op; int prec; } ops[] = {
		{ "||", 1 }, { "&&", 2 }, { "|", 3 }, { "^", 4 }, { "&", 5 }, { "==", 6 }, { "!=", 6 },
		{ "<", 7 }, { ">", 7 }, { "<=", 7 }, { ">=", 7 }, { "<<", 8 }, { ">>", 8 },
		{ "+", 9 }, { "-", 9 }, { "*", 10 }, { "/", 10 }, { "%", 10 },
	};

	if (t->k != TK_P)
		return 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (tok_is(t, ops[i].op))
			return ops[i].prec;
	return 0;
}

static int64_t binary(struct cp *cp, int min)
{
	int64_t l = unary(cp);

	for (;;) {
		struct tok *op = cur(cp);
		int p = prec_of(op);
		int64_t r;

		if (!p || p < min || cp->failed)
			return l;
		next(cp);
		r = binary(cp, p + 1);
		if (cp->failed)
			return 0;
		if (tok_is(op, "||")) l = l || r;
		else if (tok_is(op, "&&")) l = l && r;
		else if (tok_is(op, "|")) l = l | r;
		else if (tok_is(op, "^")) l = l ^ r;
		else if (tok_is(op, "&")) l = l & r;
		else if (tok_is(op, "==")) l = l == r;
		else if (tok_is(op, "!=")) l = l != r;
		else if (tok_is(op, "<")) l = l < r;
		else if (tok_is(op, ">")) l = l > r;
		else if (tok_is(op, "<=")) l = l <= r;
		else if (tok_is(op, ">=")) l = l >= r;
		else if (tok_is(op, "<<")) l = (int64_t)((uint64_t)l << (r & 63));
		else if (tok_is(op, ">>")) l = l >> (r & 63);
		else if (tok_is(op, "+")) l = (int64_t)((uint64_t)l + (uint64_t)r);
		else if (tok_is(op, "-")) l = (int64_t)((uint64_t)l - (uint64_t)r);
		else if (tok_is(op, "*")) l = (int64_t)((uint64_t)l * (uint64_t)r);
		else if (tok_is(op, "/") || tok_is(op, "%")) {
			if (!r) {
				fail(cp, "division by zero in a constant expression");
				return 0;
			}
			if (r == -1)
				l = tok_is(op, "/") ? (int64_t)(0 - (uint64_t)l) : 0;
			else
				l = tok_is(op, "/") ? l / r : l % r;
		}
	}
}

static int64_t cexpr(struct cp *cp)
{
	int64_t c = binary(cp, 1), a, b;

	if (!accept(cp, "?"))
		return c;
	a = cexpr(cp);
	expect(cp, ":");
	b = cexpr(cp);
	return c ? a : b;
}

/* ---------------------------------------------------------------- declarations */

/* define_line: "#define NAME body" (object-like only) into the macro table. */
static void define_line(struct cp *cp, const struct tok *t)
{
	struct ctypes *ct = ctypes_of(cp->s);
	const char *p = t->s, *end = t->s + t->len, *name;
	char *nm, *body;
	size_t n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	name = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	if (p == name || (p < end && *p == '('))
		return;  /* function-like macros are not constants */
	nm = arena_zalloc(cp->a, p - name + 1);
	memcpy(nm, name, p - name);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	n = end - p;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	body = arena_zalloc(cp->a, n + 1);
	memcpy(body, p, n);
	ct_hash_put(cp->s, &ct->macros[cp->scope], nm, 0)->val = body;
}

/* skip_decl: after an error in lenient mode, move past the declaration. */
static void skip_decl(struct cp *cp, int start)
{
	int depth = 0;

	cp->i = start;
	for (;;) {
		struct tok *t = cur(cp);

		if (t->k == TK_EOF)
			return;
		if (tok_is(t, "(") || tok_is(t, "[") || tok_is(t, "{")) {
			depth++;
		} else if (tok_is(t, ")") || tok_is(t, "]") || tok_is(t, "}")) {
			depth--;
			if (depth <= 0 && tok_is(t, "}") && !tok_is(peek(cp, 1), ";") &&
			    !tok_is(peek(cp, 1), ",") && peek(cp, 1)->k != TK_ID &&
			    !tok_is(peek(cp, 1), "*")) {
				next(cp);
				return;
			}
		} else if (depth <= 0 && tok_is(t, ";")) {
			next(cp);
			return;
		}
		next(cp);
	}
}

static void external_decl(struct cp *cp)
{
	struct ctypes *ct = ctypes_of(cp->s);
	struct spec sp;
	struct type *base;

	if (accept(cp, ";"))
		return;
	if (is(cp, "_Static_assert") || is(cp, "static_assert") || is(cp, "asm") || is(cp, "__asm__")) {
		skip_decl(cp, cp->i);
		return;
	}
	base = specifiers(cp, &sp);
	if (!base)
		return;
	if (accept(cp, ";") || cur(cp)->k == TK_EOF)
		return;
	for (;;) {
		const struct tok *name = NULL;
		struct type *t = declarator(cp, base, &name);

		if (!t)
			return;
		attributes(cp, NULL);
		if (sp.is_typedef) {
			if (!name) {
				fail(cp, "expected a typedef name");
				return;
			}
			ct_hash_put(cp->s, &ct->typedefs[cp->scope], tok_str(cp, name), 0)->val = t;
		}
		if (accept(cp, "=")) {
			/* an initializer: skip it */
			while (!is(cp, ",") && !is(cp, ";") && cur(cp)->k != TK_EOF)
				if (is(cp, "(") || is(cp, "{") || is(cp, "["))
					skip_balanced(cp);
				else
					next(cp);
		}
		if (is(cp, "{")) {
			skip_balanced(cp);  /* a function body */
			return;
		}
		if (!accept(cp, ","))
			break;
	}
	if (cur(cp)->k != TK_EOF || cp->lenient)
		expect(cp, ";");
}

static void cp_init(struct cp *cp, struct session *s, struct toks *ts, enum ct_scope scope,
		    bool lenient, struct cdecl_error *err)
{
	memset(cp, 0, sizeof(*cp));
	cp->s = s;
	cp->a = s->arena;
	cp->scope = scope;
	cp->lenient = lenient;
	cp->t = ts->v;
	cp->n = ts->n;
	cp->err = err;
	if (err)
		memset(err, 0, sizeof(*err));
}

int cdecl_parse(struct session *s, const char *text, enum ct_scope scope, bool lenient,
		struct cdecl_error *err)
{
	struct toks ts = { 0 }, defs = { 0 };
	struct cp cp;

	lex(text, &ts, &defs);
	cp_init(&cp, s, &ts, scope, lenient, err);
	/* macros first: a declaration may use one defined after it in the text */
	for (int i = 0; i < defs.n; i++)
		define_line(&cp, &defs.v[i]);
	free(defs.v);
	while (cur(&cp)->k != TK_EOF) {
		int start = cp.i;

		external_decl(&cp);
		if (cp.failed) {
			if (!lenient)
				break;
			cp.failed = false;
			cp.depth = 0;
			skip_decl(&cp, start);
			if (cp.i == start)
				next(&cp);
		}
	}
	free(ts.v);
	return cp.failed ? -EINVAL : 0;
}

struct type *cdecl_typename(struct session *s, const char *text, struct cdecl_error *err)
{
	struct toks ts = { 0 };
	struct type *t;
	struct cp cp;

	lex(text, &ts, NULL);
	cp_init(&cp, s, &ts, CT_SCRIPT, false, err);
	t = type_name_at(&cp);
	if (t && cur(&cp)->k != TK_EOF)
		fail(&cp, "unexpected '%.*s' after a type name", cur(&cp)->len, cur(&cp)->s);
	free(ts.v);
	return cp.failed ? NULL : t;
}

int cdecl_eval(struct session *s, const char *text, int64_t *out, struct cdecl_error *err)
{
	static int nesting;
	struct toks ts = { 0 };
	struct cp cp;
	int64_t v;

	if (nesting > 32) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "macro expansion nested too deeply");
		return -ELOOP;
	}
	nesting++;
	lex(text, &ts, NULL);
	cp_init(&cp, s, &ts, CT_SCRIPT, false, err);
	v = cexpr(&cp);
	if (!cp.failed && cur(&cp)->k != TK_EOF)
		fail(&cp, "unexpected '%.*s' in a constant expression", cur(&cp)->len, cur(&cp)->s);
	free(ts.v);
	nesting--;
	if (cp.failed)
		return -EINVAL;
	*out = v;
	return 0;
}
