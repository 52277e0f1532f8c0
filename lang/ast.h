/* ast: the syntax tree of a bpftrace program, one node struct for every kind.
 * The parser builds it, sema annotates each expression node with a type,
 * codegen walks it; nodes are owned by the struct program that holds them. */
#ifndef BPFDECK_AST_H
#define BPFDECK_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct type;

/* A span in the source text; lines and columns count from 1, last_* is inclusive. */
struct loc {
	int first_line, first_col;
	int last_line, last_col;
};

enum node_kind {
	/* expressions */
	N_INT,        /* ival (uval for literals above INT64_MAX), text = spelling */
	N_STR,        /* sval, slen: bytes after escape processing, excluding the NUL */
	N_POSPARAM,   /* $1..$N: ival = N; $#: ival = -1 */
	N_BUILTIN,    /* name: pid, tid, comm, arg0, args, retval, probe, curtask, ... */
	N_IDENT,      /* name: a bare identifier (e.g. a #define'd constant, enum value) */
	N_VAR,        /* name: "$x" */
	N_MAP,        /* name: "@x" or "@"; a = key expr (N_TUPLE for @m[a, b]) or NULL */
	N_CALL,       /* name: function; args: list */
	N_BINOP,      /* op: one of the binop enum; a, b */
	N_UNOP,       /* op: UOP_*; a */
	N_INCDEC,     /* op: INC/DEC; is_post; a: N_VAR or N_MAP */
	N_TERNARY,    /* a ? b : c */
	N_CAST,       /* ctype: the written type; a: operand */
	N_FIELD,      /* a.name or a->name (is_arrow) */
	N_INDEX,      /* a[b] (array or pointer subscript; map keys are N_MAP.a) */
	N_TUPLE,      /* args: elements (two or more, or one for a map key list) */
	N_TUPLE_GET,  /* a.ival: tuple element access "$t.0" */
	N_SIZEOF,     /* sizeof(ctype) when ctype != NULL, else sizeof(a) */
	N_OFFSETOF,   /* offsetof(ctype, name) */

	/* statements */
	N_EXPR_STMT,  /* a */
	N_ASSIGN,     /* a (N_MAP or N_VAR) = b; op: 0 for "=", else the BOP_* of "+=" etc. */
	N_IF,         /* cond = a; then = body; else = else_body (N_BLOCK or N_IF) or NULL */
	N_UNROLL,     /* count expr = a; body */
	N_WHILE,      /* cond = a; body */
	N_FOR,        /* for ($a : @b) body: a = N_VAR, b = N_MAP (bpftrace 0.19) */
	N_BREAK,
	N_CONTINUE,
	N_RETURN,     /* value a or NULL */
	N_BLOCK,      /* stmts: list */

	/* top level */
	N_PROBE,      /* one clause: aps (attach points), pred (a) or NULL, body (N_BLOCK) */
	N_ATTACH,     /* one attach point as written: text = raw spec, name = provider */
	N_CDEF,       /* a C definition kept verbatim: text (struct/union/enum/typedef) */
	N_PREPROC,    /* a "#include ..." or "#define ..." line: text (without newline) */
};

enum binop {
	BOP_NONE = 0,
	BOP_ADD, BOP_SUB, BOP_MUL, BOP_DIV, BOP_MOD,
	BOP_AND, BOP_OR, BOP_XOR, BOP_SHL, BOP_SHR,   /* bitwise */
	BOP_LAND, BOP_LOR,                            /* logical, short-circuit */
	BOP_EQ, BOP_NE, BOP_LT, BOP_LE, BOP_GT, BOP_GE,
};

enum unop {
	UOP_NEG,      /* -a */
	UOP_LNOT,     /* !a */
	UOP_BNOT,     /* ~a */
	UOP_DEREF,    /* *a */
	UOP_ADDR,     /* &a */
	UOP_PLUS,     /* +a */
};

/* A type as written in a cast, sizeof or offsetof: "struct task_struct *", "uint8", "int32[4]". */
struct ctype {
	char *name;      /* base name as written: "int", "uint8", "struct Foo", "unsigned long" */
	int nptr;        /* number of '*' */
	int array_len;   /* 0 unless "type[N]" */
	struct loc loc;
};

struct node;

struct node_list {
	struct node **v;
	int n, cap;
};

struct node {
	enum node_kind kind;
	struct loc loc;
	/* The span bpftrace 0.17 reports for this node, for exact error columns:
	 * it starts where the run of non-blank text holding the first token began
	 * (bpftrace's lexer steps its location only at whitespace), and for
	 * N_UNOP/N_INCDEC/N_ASSIGN it is the operator, N_CAST the "(type)",
	 * N_UNROLL "unroll(n)", N_WHILE the keyword. Added by the parser. */
	struct loc bt_loc;

	char *name;             /* N_BUILTIN N_IDENT N_VAR N_MAP N_CALL N_FIELD N_ATTACH N_OFFSETOF */
	char *text;             /* N_INT spelling, N_ATTACH raw spec, N_CDEF, N_PREPROC */
	char *sval;             /* N_STR */
	size_t slen;
	int64_t ival;           /* N_INT, N_POSPARAM, N_TUPLE_GET, N_INCDEC(1=inc,-1=dec) */
	bool is_unsigned_lit;   /* N_INT: literal does not fit int64 */
	int op;                 /* N_BINOP (enum binop), N_UNOP (enum unop), N_ASSIGN (enum binop) */
	bool is_post;           /* N_INCDEC */
	bool is_arrow;          /* N_FIELD */

	struct node *a, *b, *c; /* operands; see node_kind */
	struct node *body;      /* N_IF then, N_UNROLL, N_WHILE, N_PROBE */
	struct node *else_body; /* N_IF */
	struct node_list args;  /* N_CALL arguments, N_TUPLE elements */
	struct node_list stmts; /* N_BLOCK */
	struct node_list aps;   /* N_PROBE attach points (N_ATTACH) */
	struct ctype *ctype;    /* N_CAST, N_SIZEOF, N_OFFSETOF */

	/* filled by sema */
	struct type *type;
	int id;                 /* sema: map id, format id, variable slot, ... per kind */
};

/* A whole program: the C definitions, preprocessor lines and probe clauses in source order. */
struct program {
	const char *filename;   /* "stdin" for -e, the path for a file: used in diagnostics */
	const char *source;     /* the full text, for caret lines */
	struct node_list cdefs;    /* N_CDEF */
	struct node_list preproc;  /* N_PREPROC */
	struct node_list probes;   /* N_PROBE */
};

struct node *node_new(enum node_kind kind, const struct loc *loc);
void node_list_push(struct node_list *l, struct node *n);
void node_free(struct node *n);
/* The first node more than limit levels below n (n is level 1), or NULL. The
 * parser rejects deeper programs, so later recursive walks cannot overflow. */
const struct node *ast_too_deep(const struct node *n, int limit);
void program_free(struct program *p);

/* Print the tree for -d, one node per line, indented. */
void ast_dump(const struct program *p, FILE *out);

const char *binop_str(enum binop op);
const char *unop_str(enum unop op);

#endif
