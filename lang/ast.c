/* ast: allocation, release and printing of syntax tree nodes.
 * Every node owns its strings, children and lists; freeing a node frees its
 * whole subtree. ast_dump prints the tree for -d, one node per line. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "types.h"

/* Sema's type printer, when linked in: ast.c stands alone in the parser's tests. */
extern int type_name(const struct type *t, char *buf, size_t len) __attribute__((weak));

/* node_new: a zeroed node of kind at loc (NULL: no location) */
struct node *node_new(enum node_kind kind, const struct loc *loc)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n) {
		/* the parser has no way to go on without memory */
		fputs("bpfdeck: out of memory\n", stderr);
		abort();
	}
	n->kind = kind;
	if (loc) {
		n->loc = *loc;
		n->bt_loc = *loc;
	}
	return n;
}

/* node_list_push: append n, growing the list by doubling */
void node_list_push(struct node_list *l, struct node *n)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		struct node **v = realloc(l->v, (size_t)cap * sizeof(*v));

		if (!v) {
			fputs("bpfdeck: out of memory\n", stderr);
			abort();
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
}

/* node_list_free: free every node of a list and the list's array */
static void node_list_free(struct node_list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		node_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* a node's own child pointers: a, b, c, body, else_body (then its three lists) */
#define AST_MAX_CHILDREN_DIRECT 5

/* node_free_push: v[*n] = x, growing v; false (x not taken) if memory runs out */
static bool node_free_push(struct node ***v, size_t *n, size_t *cap, struct node *x)
{
	struct node **nv;

	if (!x)
		return true;
	if (*n == *cap) {
		nv = realloc(*v, (*cap ? *cap * 2 : 64) * sizeof(*nv));
		if (!nv)
			return false;
		*v = nv;
		*cap = *cap ? *cap * 2 : 64;
	}
	(*v)[(*n)++] = x;
	return true;
}

/* node_free: free n and everything below it. Iterative: a program may hold
 * a tree far deeper than the C stack (a 1 MB chain of "+ 1"), and freeing it
 * is how such a program is rejected. */
void node_free(struct node *n)
{
	struct node **todo = NULL, *kids[AST_MAX_CHILDREN_DIRECT];
	struct node_list *lists[3];
	size_t ntodo = 0, cap = 0;
	int i, j;

	while (n) {
		kids[0] = n->a;
		kids[1] = n->b;
		kids[2] = n->c;
		kids[3] = n->body;
		kids[4] = n->else_body;
		for (i = 0; i < AST_MAX_CHILDREN_DIRECT; i++)
			if (!node_free_push(&todo, &ntodo, &cap, kids[i]))
				node_free(kids[i]);     /* out of memory: recursion is all that is left */
		lists[0] = &n->args;
		lists[1] = &n->stmts;
		lists[2] = &n->aps;
		for (i = 0; i < 3; i++) {
			for (j = 0; j < lists[i]->n; j++)
				if (!node_free_push(&todo, &ntodo, &cap, lists[i]->v[j]))
					node_free(lists[i]->v[j]);
			free(lists[i]->v);
		}
		free(n->name);
		free(n->text);
		free(n->sval);
		if (n->ctype) {
			free(n->ctype->name);
			free(n->ctype);
		}
		free(n);
		n = ntodo ? todo[--ntodo] : NULL;
	}
	free(todo);
}

/* ast_too_deep: the first node found more than limit levels below n, or NULL.
 * Iterative for the same reason as node_free; every recursive walk after the
 * parser (sema, codegen, dumps) may rely on trees being at most limit deep. */
const struct node *ast_too_deep(const struct node *n, int limit)
{
	struct frame { const struct node *n; int depth; } *todo = NULL, *nt;
	const struct node *kids[AST_MAX_CHILDREN_DIRECT], *found = NULL;
	const struct node_list *lists[3];
	size_t ntodo = 0, cap = 0;
	int depth = 1, i, j;

	while (n && !found) {
		if (depth > limit) {
			found = n;
			break;
		}
		kids[0] = n->a;
		kids[1] = n->b;
		kids[2] = n->c;
		kids[3] = n->body;
		kids[4] = n->else_body;
		lists[0] = &n->args;
		lists[1] = &n->stmts;
		lists[2] = &n->aps;
		for (i = 0; i < AST_MAX_CHILDREN_DIRECT + 3; i++) {
			int count = i < AST_MAX_CHILDREN_DIRECT ? 1 : lists[i - AST_MAX_CHILDREN_DIRECT]->n;

			for (j = 0; j < count; j++) {
				const struct node *k = i < AST_MAX_CHILDREN_DIRECT ? kids[i] :
						       lists[i - AST_MAX_CHILDREN_DIRECT]->v[j];

				if (!k)
					continue;
				if (ntodo == cap) {
					nt = realloc(todo, (cap ? cap * 2 : 64) * sizeof(*nt));
					if (!nt) {
						/* cannot tell: call it too deep rather than risk the stack */
						found = k;
						goto out;
					}
					todo = nt;
					cap = cap ? cap * 2 : 64;
				}
				todo[ntodo++] = (struct frame){ k, depth + 1 };
			}
		}
		if (!ntodo)
			break;
		ntodo--;
		n = todo[ntodo].n;
		depth = todo[ntodo].depth;
	}
out:
	free(todo);
	return found;
}

/* program_free: free a program, its nodes and its copies of source and filename */
void program_free(struct program *p)
{
	if (!p)
		return;
	node_list_free(&p->cdefs);
	node_list_free(&p->preproc);
	node_list_free(&p->probes);
	free((char *)p->filename);
	free((char *)p->source);
	free(p);
}

/* binop_str: an operator as written */
const char *binop_str(enum binop op)
{
	switch (op) {
	case BOP_NONE: return "";
	case BOP_ADD: return "+";
	case BOP_SUB: return "-";
	case BOP_MUL: return "*";
	case BOP_DIV: return "/";
	case BOP_MOD: return "%";
	case BOP_AND: return "&";
	case BOP_OR: return "|";
	case BOP_XOR: return "^";
	case BOP_SHL: return "<<";
	case BOP_SHR: return ">>";
	case BOP_LAND: return "&&";
	case BOP_LOR: return "||";
	case BOP_EQ: return "==";
	case BOP_NE: return "!=";
	case BOP_LT: return "<";
	case BOP_LE: return "<=";
	case BOP_GT: return ">";
	case BOP_GE: return ">=";
	}
	return "?";
}

/* unop_str: a unary operator as written */
const char *unop_str(enum unop op)
{
	switch (op) {
	case UOP_NEG: return "-";
	case UOP_LNOT: return "!";
	case UOP_BNOT: return "~";
	case UOP_DEREF: return "*";
	case UOP_ADDR: return "&";
	case UOP_PLUS: return "+";
	}
	return "?";
}

/* dump_indent: one space per level, as bpftrace -d does */
static void dump_indent(FILE *out, int depth)
{
	fprintf(out, "%*s", depth, "");
}

/* dump_type: " :: type" once sema has set one */
static void dump_type(const struct node *n, FILE *out)
{
	char buf[256];

	if (n->type && type_name && type_name(n->type, buf, sizeof(buf)) >= 0)
		fprintf(out, " :: %s", buf);
	fputc('\n', out);
}

/* dump_bytes: string contents with C escapes, on one line */
static void dump_bytes(const char *s, size_t len, FILE *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		switch (ch) {
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		default:
			if (ch < 0x20 || ch >= 0x7f)
				fprintf(out, "\\x%02x", ch);
			else
				fputc(ch, out);
		}
	}
}

/* dump_flat: verbatim text with each run of blanks shown as one space */
static void dump_flat(const char *s, FILE *out)
{
	bool blank = false;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			blank = true;
			continue;
		}
		if (blank)
			fputc(' ', out);
		blank = false;
		fputc(*s, out);
	}
	fputc('\n', out);
}

/* dump_ctype: "struct Foo**", "int8", as bpftrace prints casts */
static void dump_ctype(const struct ctype *t, FILE *out)
{
	int i;

	fputs(t->name ? t->name : "?", out);
	for (i = 0; i < t->nptr; i++)
		fputc('*', out);
	if (t->array_len)
		fprintf(out, "[%d]", t->array_len);
}

static void dump_node(const struct node *n, FILE *out, int depth);

/* dump_list: each node of a list at depth */
static void dump_list(const struct node_list *l, FILE *out, int depth)
{
	int i;

	for (i = 0; i < l->n; i++)
		dump_node(l->v[i], out, depth);
}

/* dump_label: a line of its own naming a part of the parent ("then", "else") */
static void dump_label(const char *label, FILE *out, int depth)
{
	dump_indent(out, depth);
	fprintf(out, "%s\n", label);
}

/* dump_body: a block's statements under a label */
static void dump_body(const char *label, const struct node *b, FILE *out, int depth)
{
	dump_label(label, out, depth);
	if (b && b->kind == N_BLOCK)
		dump_list(&b->stmts, out, depth + 1);
	else if (b)
		dump_node(b, out, depth + 1);
}

/* dump_node: one node and its children, one per line */
static void dump_node(const struct node *n, FILE *out, int depth)
{
	if (!n)
		return;
	if (n->kind == N_EXPR_STMT) {
		/* bpftrace shows the expression alone */
		dump_node(n->a, out, depth);
		return;
	}
	dump_indent(out, depth);
	switch (n->kind) {
	case N_INT:
		if (n->is_unsigned_lit)
			fprintf(out, "int: %" PRIu64, (uint64_t)n->ival);
		else
			fprintf(out, "int: %" PRId64, n->ival);
		dump_type(n, out);
		break;
	case N_STR:
		fputs("string: ", out);
		dump_bytes(n->sval ? n->sval : "", n->slen, out);
		dump_type(n, out);
		break;
	case N_POSPARAM:
		if (n->ival < 0)
			fputs("param: $#", out);
		else
			fprintf(out, "param: $%" PRId64, n->ival);
		dump_type(n, out);
		break;
	case N_BUILTIN:
		fprintf(out, "builtin: %s", n->name);
		dump_type(n, out);
		break;
	case N_IDENT:
		fprintf(out, "identifier: %s", n->name);
		dump_type(n, out);
		break;
	case N_VAR:
		fprintf(out, "variable: %s", n->name);
		dump_type(n, out);
		break;
	case N_MAP:
		fprintf(out, "map: %s", n->name);
		dump_type(n, out);
		/* a key list shows its keys, like bpftrace */
		if (n->a && n->a->kind == N_TUPLE)
			dump_list(&n->a->args, out, depth + 1);
		else
			dump_node(n->a, out, depth + 1);
		break;
	case N_CALL:
		fprintf(out, "call: %s", n->name);
		dump_type(n, out);
		dump_list(&n->args, out, depth + 1);
		break;
	case N_BINOP:
		fputs(binop_str(n->op), out);
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		dump_node(n->b, out, depth + 1);
		break;
	case N_UNOP:
		fputs(n->op == UOP_DEREF ? "dereference" : unop_str(n->op), out);
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		break;
	case N_INCDEC:
		fprintf(out, "%s %s", n->ival > 0 ? "++" : "--", n->is_post ? "(post)" : "(pre)");
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		break;
	case N_TERNARY:
		fputs("?:", out);
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		dump_node(n->b, out, depth + 1);
		dump_node(n->c, out, depth + 1);
		break;
	case N_CAST:
		fputc('(', out);
		dump_ctype(n->ctype, out);
		fputc(')', out);
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		break;
	case N_FIELD:
		fputs(n->is_arrow ? "->" : ".", out);
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		dump_label(n->name, out, depth + 1);
		break;
	case N_INDEX:
		fputs("[]", out);
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		dump_node(n->b, out, depth + 1);
		break;
	case N_TUPLE:
		fputs("tuple:", out);
		dump_type(n, out);
		dump_list(&n->args, out, depth + 1);
		break;
	case N_TUPLE_GET:
		fputs(".", out);
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		dump_indent(out, depth + 1);
		fprintf(out, "%" PRId64 "\n", n->ival);
		break;
	case N_SIZEOF:
		fputs("sizeof", out);
		if (n->ctype) {
			fputs(": ", out);
			dump_ctype(n->ctype, out);
		}
		dump_type(n, out);
		dump_node(n->a, out, depth + 1);
		break;
	case N_OFFSETOF:
		fputs("offsetof: ", out);
		dump_ctype(n->ctype, out);
		fprintf(out, ", %s", n->name);
		dump_type(n, out);
		break;
	case N_EXPR_STMT:
		break;
	case N_ASSIGN:
		fprintf(out, "%s=\n", binop_str(n->op));
		dump_node(n->a, out, depth + 1);
		dump_node(n->b, out, depth + 1);
		break;
	case N_IF:
		fputs("if\n", out);
		dump_node(n->a, out, depth + 1);
		dump_body("then", n->body, out, depth + 1);
		if (n->else_body)
			dump_body("else", n->else_body, out, depth + 1);
		break;
	case N_UNROLL:
		fputs("unroll\n", out);
		dump_node(n->a, out, depth + 1);
		dump_body("block", n->body, out, depth + 1);
		break;
	case N_WHILE:
		fputs("while\n", out);
		dump_node(n->a, out, depth + 1);
		dump_body("block", n->body, out, depth + 1);
		break;
	case N_FOR:
		fputs("for\n", out);
		dump_node(n->a, out, depth + 1);
		dump_node(n->b, out, depth + 1);
		dump_body("block", n->body, out, depth + 1);
		break;
	case N_BREAK:
		fputs("break\n", out);
		break;
	case N_CONTINUE:
		fputs("continue\n", out);
		break;
	case N_RETURN:
		fputs("return\n", out);
		dump_node(n->a, out, depth + 1);
		break;
	case N_BLOCK:
		fputs("block\n", out);
		dump_list(&n->stmts, out, depth + 1);
		break;
	case N_PROBE:
		/* the attach points were printed in place of this line */
		fputs("probe\n", out);
		break;
	case N_ATTACH:
		fprintf(out, "%s\n", n->text);
		break;
	case N_CDEF:
	case N_PREPROC:
		dump_flat(n->text, out);
		break;
	}
}

/* ast_dump: the whole program for -d */
void ast_dump(const struct program *p, FILE *out)
{
	int i, j;

	fputs("Program\n", out);
	for (i = 0; i < p->preproc.n; i++)
		dump_node(p->preproc.v[i], out, 1);
	for (i = 0; i < p->cdefs.n; i++)
		dump_node(p->cdefs.v[i], out, 1);
	for (i = 0; i < p->probes.n; i++) {
		const struct node *pr = p->probes.v[i];

		for (j = 0; j < pr->aps.n; j++)
			dump_node(pr->aps.v[j], out, 1);
		if (pr->a) {
			dump_label("pred", out, 2);
			dump_node(pr->a, out, 3);
		}
		if (pr->body)
			dump_list(&pr->body->stmts, out, 2);
	}
}
