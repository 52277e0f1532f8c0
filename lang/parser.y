/* parser: the bpftrace 0.17 grammar, building the AST of ast.h.
 * Its LALR states follow bpftrace's own grammar so syntax errors read the
 * same; error productions on top let one run report several errors. */

%code top {
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
}

%code requires {
#include "parse_internal.h"
typedef void *yyscan_t;
}

%code provides {
int btyylex(BTYYSTYPE *lval, BTYYLTYPE *lloc, yyscan_t scanner);
}

%code {
#include "compile.h"

/* Both spans of a rule run from its first symbol to its last; an empty rule
 * sits just after the symbol before it. */
#define YYLLOC_DEFAULT(Cur, Rhs, N) do {					\
	if (N) {							\
		(Cur).p.first_line = YYRHSLOC(Rhs, 1).p.first_line;	\
		(Cur).p.first_col = YYRHSLOC(Rhs, 1).p.first_col;	\
		(Cur).b.first_line = YYRHSLOC(Rhs, 1).b.first_line;	\
		(Cur).b.first_col = YYRHSLOC(Rhs, 1).b.first_col;	\
		(Cur).p.last_line = YYRHSLOC(Rhs, N).p.last_line;	\
		(Cur).p.last_col = YYRHSLOC(Rhs, N).p.last_col;	\
		(Cur).b.last_line = YYRHSLOC(Rhs, N).b.last_line;	\
		(Cur).b.last_col = YYRHSLOC(Rhs, N).b.last_col;	\
	} else {							\
		(Cur).p.first_line = (Cur).p.last_line = YYRHSLOC(Rhs, 0).p.last_line; \
		(Cur).p.last_col = YYRHSLOC(Rhs, 0).p.last_col;	\
		(Cur).p.first_col = (Cur).p.last_col + 1;		\
		(Cur).b = (Cur).p;					\
	}								\
} while (0)

/* Deeper nesting than this is reported, so no later tree walk recurses too far. */
#define YYMAXDEPTH 10000
/* Left-associative chains ("1 + 1 + ...", "a.b.c...") grow the tree without
 * growing the parser's stack: the tree's own depth is checked after parsing.
 * Sema and codegen recurse about twice per level; ASan frames are large. */
#define PARSE_MAX_TREE_DEPTH 1000

static void yyerror(YYLTYPE *loc, yyscan_t scanner, struct parse_ctx *ctx, const char *msg);
static struct node *mk(enum node_kind kind, const YYLTYPE *loc);
static struct node *mk_bin(int op, struct node *a, struct node *b, const YYLTYPE *loc);
static struct node *mk_unop(int op, struct node *a, const YYLTYPE *loc, const YYLTYPE *oploc,
			    const YYLTYPE *aloc);
static struct node *mk_name(enum node_kind kind, char *name, const YYLTYPE *loc);
static struct node *mk_assign(int op, struct node *lhs, struct node *rhs, const YYLTYPE *loc,
			      const YYLTYPE *oploc);
static struct node *mk_incdec(int dir, bool post, struct node *a, const YYLTYPE *loc,
			      const YYLTYPE *oploc);
static struct node *mk_cast(struct ctype *t, int nptr, struct node *a, const YYLTYPE *loc,
			    const YYLTYPE *rparen);
static struct node *mk_key(struct node *keys);
static struct node *mk_neg_int(struct node *n, const YYLTYPE *oploc);
static struct ctype *ctype_new(const char *kw, char *name, const YYLTYPE *loc);
static void ctype_free(struct ctype *t);
static void attach_append(struct node *ap, char *text, const YYLTYPE *loc);
static void add_text(struct node_list *l, enum node_kind kind, char *text, const YYLTYPE *loc);
static struct node *push(struct node *list, struct node *n);
static struct node *check_attach(struct parse_ctx *ctx, struct node *ap);
}

%define api.prefix {btyy}
%define api.pure full
%define api.token.prefix {TOK_}
%define api.location.type {struct parse_loc}
%define parse.error custom
%locations
%expect 0
%param {yyscan_t scanner}
%parse-param {struct parse_ctx *ctx}

%union {
	char *str;
	struct node *node;
	struct ctype *ctype;
	int num;
}

/* Token order and names follow bpftrace's: bison lists expected tokens by number. */
%token
	END 0		"end of file"
	COLON		":"
	SEMI		";"
	LBRACE		"{"
	RBRACE		"}"
	LBRACKET	"["
	RBRACKET	"]"
	LPAREN		"("
	RPAREN		")"
	QUES		"?"
	ENDPRED		"end predicate"
	COMMA		","
	PARAMCOUNT	"$#"
	ASSIGN		"="
	EQ		"=="
	NE		"!="
	LE		"<="
	GE		">="
	LEFT		"<<"
	RIGHT		">>"
	LT		"<"
	GT		">"
	LAND		"&&"
	LOR		"||"
	PLUS		"+"
	INCREMENT	"++"
	LEFTASSIGN	"<<="
	RIGHTASSIGN	">>="
	PLUSASSIGN	"+="
	MINUSASSIGN	"-="
	MULASSIGN	"*="
	DIVASSIGN	"/="
	MODASSIGN	"%="
	BANDASSIGN	"&="
	BORASSIGN	"|="
	BXORASSIGN	"^="
	MINUS		"-"
	DECREMENT	"--"
	MUL		"*"
	DIV		"/"
	MOD		"%"
	BAND		"&"
	BOR		"|"
	BXOR		"^"
	LNOT		"!"
	BNOT		"~"
	DOT		"."
	PTR		"->"
	IF		"if"
	ELSE		"else"
	UNROLL		"unroll"
	STRUCT		"struct"
	UNION		"union"
	WHILE		"while"
	FOR		"for"
	RETURN		"return"
	CONTINUE	"continue"
	BREAK		"break"
	SIZEOF		"sizeof"
	OFFSETOF	"offsetof"
	ENUM		"enum"
;
%token <str> BUILTIN "builtin" IDENT "identifier" ATTACH "attach point"
%token <str> CPREPROC "preprocessor directive" CDEF "struct definition"
%token <node> STRING "string"
%token <str> MAP "map" VAR "variable"
%token <node> PARAM "positional parameter" INT "integer"

%type <node> attach_points attach_point pred block stmts seq simple_stmt block_stmt
%type <node> if_stmt block_or_if loop_stmt jump_stmt assign_stmt unroll_count
%type <node> expr conditional_expr logical_or_expr logical_and_expr or_expr xor_expr
%type <node> and_expr equality_expr relational_expr shift_expr addi_expr muli_expr
%type <node> cast_expr unary_expr postfix_expr tuple_access_expr primary_expr call
%type <node> map var map_or_var param vargs
%type <ctype> record_type
%type <num> stars unary_op compound_op
%type <str> field_name

%destructor { free($$); } <str>
%destructor { node_free($$); } <node>
%destructor { ctype_free($$); } <ctype>

/* The only conflicts, resolved toward shifting as bpftrace does:
 * "(x)" and "(x*" open a cast, "@m[" opens a map key. */
%precedence LOW
%precedence ")" "*" "["

%start program

%%

/* program: preamble probes */
program
	: preamble probes
	;

/* preamble: { CPREPROC | CDEF } */
preamble
	: %empty
	| preamble CPREPROC		{ add_text(&ctx->prog->preproc, N_PREPROC, $2, &@2); }
	| preamble CDEF			{ add_text(&ctx->prog->cdefs, N_CDEF, $2, &@2); }
	;

/* probes: probe { probe } */
probes
	: probe
	| probes probe
	;

/* probe: attach_points [pred] block; after an error, skip to the next block */
probe
	: attach_points pred block	{
						$1->a = $2;
						$1->body = $3;
						$1->loc = @$.p;
						$1->bt_loc = @$.b;
						node_list_push(&ctx->prog->probes, $1);
					}
	| attach_points END		{
						/* bpftrace's own rule and words for a probe cut short */
						struct loc l = @2.b;

						l.first_line = ctx->probe_start.first_line;
						l.first_col = ctx->probe_start.first_col;
						parse_report(ctx, &l, "unexpected end of file, expected {");
						node_free($1);
						YYABORT;
					}
	| error				{
						/* a probe opened by "{": nothing is wrong yet */
						if (ctx->noattach)
							yyerrok;
					}
	  block				{
						/* bpftrace parses a probe without attach points and
						 * rejects it afterwards, unless its block failed */
						if (ctx->noattach && ctx->nerrors == ctx->noattach_errors)
							parse_report(ctx, &ctx->noattach_loc, "No attach points for probe");
						ctx->noattach = false;
						node_free($3);
					}
	;

/* attach_points: attach_point { "," attach_point } [","]: bpftrace skips empty ones */
attach_points
	: attach_point			{ $$ = push(mk(N_PROBE, &@$), check_attach(ctx, $1)); }
	| attach_points "," attach_point { $$ = push($1, check_attach(ctx, $3)); }
	| attach_points ","		{ $$ = $1; }
	;

/* attach_point: ATTACH { ATTACH }: bpftrace glues the words up, blanks or not */
attach_point
	: ATTACH			{
						$$ = mk(N_ATTACH, &@1);
						$$->text = strdup("");
						/* bpftrace spans an attach point from the token before */
						$$->bt_loc.first_line = ctx->ap_start.first_line;
						$$->bt_loc.first_col = ctx->ap_start.first_col;
						attach_append($$, $1, &@1);
					}
	| attach_point ATTACH		{ attach_append($1, $2, &@2); $$ = $1; }
	;

/* pred: [ "/" expr ENDPRED ] */
pred
	: %empty			{ $$ = NULL; }
	| "/" expr ENDPRED		{ $$ = $2; }
	;

/* block: "{" stmts "}" */
block
	: "{" stmts "}"			{ $$ = $2; $$->loc = @$.p; $$->bt_loc = @$.b; }
	;

/* stmts: seq [simple_stmt]: the last statement needs no ";" */
stmts
	: seq				{ $$ = $1; }
	| seq simple_stmt		{ $$ = push($1, $2); }
	;

/* seq: { simple_stmt ";" | block_stmt }, and error recovery at statement level */
seq
	: %empty			{ $$ = mk(N_BLOCK, &@$); }
	| seq simple_stmt ";"		{ $$ = push($1, $2); }
	| seq simple_stmt error		{ $$ = push($1, $2); }
	| seq block_stmt		{ $$ = push($1, $2); }
	| seq error ";"			{ $$ = $1; }
	| seq error			{ $$ = $1; }
	;

/* block_stmt: if_stmt | loop_stmt | block: statements that take no ";" */
block_stmt
	: if_stmt
	| loop_stmt
	| block
	;

/* if_stmt: IF "(" expr ")" block [ELSE (block | if_stmt)] */
if_stmt
	: IF "(" expr ")" block		{
						$$ = mk(N_IF, &@$);
						$$->a = $3;
						$$->body = $5;
					}
	| IF "(" expr ")" block ELSE block_or_if {
						$$ = mk(N_IF, &@$);
						$$->a = $3;
						$$->body = $5;
						$$->else_body = $7;
					}
	;

/* block_or_if: block | if_stmt */
block_or_if
	: block
	| if_stmt
	;

/* loop_stmt: UNROLL "(" count ")" block | WHILE "(" expr ")" block
 *          | FOR "(" var ":" MAP ")" block */
loop_stmt
	: UNROLL "(" unroll_count ")" block {
						$$ = mk(N_UNROLL, &@$);
						$$->bt_loc.last_line = @4.b.last_line;
						$$->bt_loc.last_col = @4.b.last_col;
						$$->a = $3;
						$$->body = $5;
					}
	| WHILE "(" expr ")" block	{
						$$ = mk(N_WHILE, &@$);
						$$->bt_loc = @1.b;
						$$->a = $3;
						$$->body = $5;
					}
	| FOR "(" var ":" MAP ")" block	{
						$$ = mk(N_FOR, &@$);
						$$->bt_loc = @1.b;
						$$->a = $3;
						$$->b = mk_name(N_MAP, $5, &@5);
						$$->body = $7;
					}
	;

/* unroll_count: INT | "-" INT | param: bpftrace takes no other expression */
unroll_count
	: INT
	| "-" INT			{ $$ = mk_neg_int($2, &@1); }
	| param
	;

/* simple_stmt: expr | jump_stmt | assign_stmt */
simple_stmt
	: expr				{ $$ = mk(N_EXPR_STMT, &@$); $$->a = $1; }
	| jump_stmt
	| assign_stmt
	;

/* jump_stmt: BREAK | CONTINUE | RETURN [expr] */
jump_stmt
	: BREAK				{ $$ = mk(N_BREAK, &@$); }
	| CONTINUE			{ $$ = mk(N_CONTINUE, &@$); }
	| RETURN			{ $$ = mk(N_RETURN, &@$); }
	| RETURN expr			{ $$ = mk(N_RETURN, &@$); $$->a = $2; }
	;

/* assign_stmt: (map | var) ("=" | compound_op) expr */
assign_stmt
	: tuple_access_expr "=" expr	{
						/* bpftrace's message; keep parsing the rest */
						parse_report(ctx, &@$.b, "Tuples are immutable once created. Consider creating a new tuple and assigning it instead.");
						node_free($1);
						$$ = mk(N_EXPR_STMT, &@$);
						$$->a = $3;
					}
	| map "=" expr			{ $$ = mk_assign(BOP_NONE, $1, $3, &@$, &@2); }
	| var "=" expr			{ $$ = mk_assign(BOP_NONE, $1, $3, &@$, &@2); }
	| map compound_op expr		{ $$ = mk_assign($2, $1, $3, &@$, &@2); }
	| var compound_op expr		{ $$ = mk_assign($2, $1, $3, &@$, &@2); }
	;

/* compound_op: "+=" | "-=" | ... */
compound_op
	: "<<="				{ $$ = BOP_SHL; }
	| ">>="				{ $$ = BOP_SHR; }
	| "+="				{ $$ = BOP_ADD; }
	| "-="				{ $$ = BOP_SUB; }
	| "*="				{ $$ = BOP_MUL; }
	| "/="				{ $$ = BOP_DIV; }
	| "%="				{ $$ = BOP_MOD; }
	| "&="				{ $$ = BOP_AND; }
	| "|="				{ $$ = BOP_OR; }
	| "^="				{ $$ = BOP_XOR; }
	;

/* expr: conditional_expr */
expr
	: conditional_expr
	;

/* conditional_expr: logical_or_expr ["?" expr ":" conditional_expr] */
conditional_expr
	: logical_or_expr
	| logical_or_expr "?" expr ":" conditional_expr {
						$$ = mk(N_TERNARY, &@$);
						$$->a = $1;
						$$->b = $3;
						$$->c = $5;
					}
	;

/* logical_or_expr: logical_and_expr { "||" logical_and_expr } */
logical_or_expr
	: logical_and_expr
	| logical_or_expr "||" logical_and_expr { $$ = mk_bin(BOP_LOR, $1, $3, &@$); }
	;

/* logical_and_expr: or_expr { "&&" or_expr } */
logical_and_expr
	: or_expr
	| logical_and_expr "&&" or_expr	{ $$ = mk_bin(BOP_LAND, $1, $3, &@$); }
	;

/* or_expr: xor_expr { "|" xor_expr } */
or_expr
	: xor_expr
	| or_expr "|" xor_expr		{ $$ = mk_bin(BOP_OR, $1, $3, &@$); }
	;

/* xor_expr: and_expr { "^" and_expr } */
xor_expr
	: and_expr
	| xor_expr "^" and_expr		{ $$ = mk_bin(BOP_XOR, $1, $3, &@$); }
	;

/* and_expr: equality_expr { "&" equality_expr } */
and_expr
	: equality_expr
	| and_expr "&" equality_expr	{ $$ = mk_bin(BOP_AND, $1, $3, &@$); }
	;

/* equality_expr: relational_expr { ("==" | "!=") relational_expr } */
equality_expr
	: relational_expr
	| equality_expr "==" relational_expr { $$ = mk_bin(BOP_EQ, $1, $3, &@$); }
	| equality_expr "!=" relational_expr { $$ = mk_bin(BOP_NE, $1, $3, &@$); }
	;

/* relational_expr: shift_expr { ("<=" | ">=" | "<" | ">") shift_expr } */
relational_expr
	: shift_expr
	| relational_expr "<=" shift_expr { $$ = mk_bin(BOP_LE, $1, $3, &@$); }
	| relational_expr ">=" shift_expr { $$ = mk_bin(BOP_GE, $1, $3, &@$); }
	| relational_expr "<" shift_expr { $$ = mk_bin(BOP_LT, $1, $3, &@$); }
	| relational_expr ">" shift_expr { $$ = mk_bin(BOP_GT, $1, $3, &@$); }
	;

/* shift_expr: addi_expr { ("<<" | ">>") addi_expr } */
shift_expr
	: addi_expr
	| shift_expr "<<" addi_expr	{ $$ = mk_bin(BOP_SHL, $1, $3, &@$); }
	| shift_expr ">>" addi_expr	{ $$ = mk_bin(BOP_SHR, $1, $3, &@$); }
	;

/* addi_expr: muli_expr { ("+" | "-") muli_expr } */
addi_expr
	: muli_expr
	| addi_expr "+" muli_expr	{ $$ = mk_bin(BOP_ADD, $1, $3, &@$); }
	| addi_expr "-" muli_expr	{ $$ = mk_bin(BOP_SUB, $1, $3, &@$); }
	;

/* muli_expr: cast_expr { ("*" | "/" | "%") cast_expr } */
muli_expr
	: cast_expr
	| muli_expr "*" cast_expr	{ $$ = mk_bin(BOP_MUL, $1, $3, &@$); }
	| muli_expr "/" cast_expr	{ $$ = mk_bin(BOP_DIV, $1, $3, &@$); }
	| muli_expr "%" cast_expr	{ $$ = mk_bin(BOP_MOD, $1, $3, &@$); }
	;

/* cast_expr: unary_expr | "(" type ")" cast_expr; "(x)" is always a cast, as in bpftrace */
cast_expr
	: unary_expr
	| "(" IDENT ")" cast_expr	{ $$ = mk_cast(ctype_new(NULL, $2, &@2), 0, $4, &@$, &@3); }
	| "(" IDENT stars ")" cast_expr	{ $$ = mk_cast(ctype_new(NULL, $2, &@2), $3, $5, &@$, &@4); }
	| "(" record_type ")" cast_expr	{ $$ = mk_cast($2, 0, $4, &@$, &@3); }
	| "(" record_type stars ")" cast_expr { $$ = mk_cast($2, $3, $5, &@$, &@4); }
	;

/* record_type: ("struct" | "union" | "enum") IDENT */
record_type
	: STRUCT IDENT			{ $$ = ctype_new("struct", $2, &@$); }
	| UNION IDENT			{ $$ = ctype_new("union", $2, &@$); }
	| ENUM IDENT			{ $$ = ctype_new("enum", $2, &@$); }
	;

/* stars: "*" { "*" } */
stars
	: "*"				{ $$ = 1; }
	| stars "*"			{ $$ = $1 + 1; }
	;

/* unary_expr: postfix_expr | unary_op cast_expr | ("++" | "--") map_or_var */
unary_expr
	: postfix_expr
	| unary_op cast_expr		{ $$ = mk_unop($1, $2, &@$, &@1, &@2); }
	| "++" map_or_var		{ $$ = mk_incdec(1, false, $2, &@$, &@1); }
	| "--" map_or_var		{ $$ = mk_incdec(-1, false, $2, &@$, &@1); }
	| "++" field_name		{
						parse_report(ctx, &@1.b, "The ++ operator must be applied to a map or variable");
						$$ = mk_name(N_IDENT, $2, &@2);
					}
	| "--" field_name		{
						parse_report(ctx, &@1.b, "The -- operator must be applied to a map or variable");
						$$ = mk_name(N_IDENT, $2, &@2);
					}
	| field_name "++"		{
						parse_report(ctx, &@1.b, "The ++ operator must be applied to a map or variable");
						$$ = mk_name(N_IDENT, $1, &@1);
					}
	| field_name "--"		{
						parse_report(ctx, &@1.b, "The -- operator must be applied to a map or variable");
						$$ = mk_name(N_IDENT, $1, &@1);
					}
	;

/* unary_op: "*" | "~" | "!" | "-" | "&" | "+" */
unary_op
	: "*"				{ $$ = UOP_DEREF; }
	| "~"				{ $$ = UOP_BNOT; }
	| "!"				{ $$ = UOP_LNOT; }
	| "-"				{ $$ = UOP_NEG; }
	| "&"				{ $$ = UOP_ADDR; }
	| "+"				{ $$ = UOP_PLUS; }
	;

/* postfix_expr: primary_expr { "." name | "->" name | "." INT | "[" expr "]" } | call | map_or_var ("++" | "--") */
postfix_expr
	: primary_expr
	| postfix_expr "." field_name	{
						$$ = mk_name(N_FIELD, $3, &@$);
						$$->a = $1;
					}
	| postfix_expr "->" field_name	{
						$$ = mk_name(N_FIELD, $3, &@$);
						$$->a = $1;
						$$->is_arrow = true;
					}
	| tuple_access_expr
	| postfix_expr "[" expr "]"	{
						$$ = mk(N_INDEX, &@$);
						$$->a = $1;
						$$->b = $3;
					}
	| call
	| map_or_var "++"		{ $$ = mk_incdec(1, true, $1, &@$, &@2); }
	| map_or_var "--"		{ $$ = mk_incdec(-1, true, $1, &@$, &@2); }
	;

/* tuple_access_expr: postfix_expr "." INT, apart for the immutable-tuple error */
tuple_access_expr
	: postfix_expr "." INT		{
						$$ = mk(N_TUPLE_GET, &@$);
						$$->a = $1;
						$$->ival = $3->ival;
						node_free($3);
					}
	;

/* field_name: IDENT | BUILTIN: struct fields may be named like builtins */
field_name
	: IDENT
	| BUILTIN
	;

/* primary_expr: IDENT | BUILTIN | INT | STRING | param | map_or_var | "(" expr ")" | tuple | sizeof | offsetof */
primary_expr
	: IDENT		%prec LOW	{ $$ = mk_name(N_IDENT, $1, &@$); }
	| BUILTIN			{ $$ = mk_name(N_BUILTIN, $1, &@$); }
	| INT
	| STRING
	| param
	| map_or_var
	| "(" expr ")"			{ $$ = $2; }
	| "(" expr "," vargs ")"	{
						/* bpftrace's shape, so "(a b" expects ")" or "," */
						$$ = mk(N_TUPLE, &@$);
						node_list_push(&$$->args, $2);
						for (int i = 0; i < $4->args.n; i++)
							node_list_push(&$$->args, $4->args.v[i]);
						$4->args.n = 0;
						node_free($4);
					}
	| SIZEOF "(" expr ")"		{
						$$ = mk(N_SIZEOF, &@$);
						if ($3->kind == N_IDENT) {
							/* sizeof(int8), sizeof(mytype_t): a type name */
							$$->ctype = ctype_new(NULL, $3->name, &@3);
							$3->name = NULL;
							node_free($3);
						} else {
							$$->a = $3;
						}
					}
	| SIZEOF "(" record_type ")"	{ $$ = mk(N_SIZEOF, &@$); $$->ctype = $3; }
	| SIZEOF "(" record_type stars ")" {
						$$ = mk(N_SIZEOF, &@$);
						$$->ctype = $3;
						$$->ctype->nptr = $4;
						$$->ctype->loc.last_line = @4.p.last_line;
						$$->ctype->loc.last_col = @4.p.last_col;
					}
	| OFFSETOF "(" record_type "," field_name ")" {
						$$ = mk_name(N_OFFSETOF, $5, &@$);
						$$->ctype = $3;
					}
	| OFFSETOF "(" IDENT "," field_name ")" {
						$$ = mk_name(N_OFFSETOF, $5, &@$);
						$$->ctype = ctype_new(NULL, $3, &@3);
					}
	;

/* call: (IDENT | BUILTIN) "(" [vargs] ")": sema knows which names are functions */
call
	: IDENT "(" ")"			{ $$ = mk_name(N_CALL, $1, &@$); }
	| IDENT "(" vargs ")"		{
						$$ = mk_name(N_CALL, $1, &@$);
						$$->args = $3->args;
						memset(&$3->args, 0, sizeof($3->args));
						node_free($3);
					}
	| BUILTIN "(" ")"		{ $$ = mk_name(N_CALL, $1, &@$); }
	| BUILTIN "(" vargs ")"		{
						$$ = mk_name(N_CALL, $1, &@$);
						$$->args = $3->args;
						memset(&$3->args, 0, sizeof($3->args));
						node_free($3);
					}
	;

/* map: MAP ["[" vargs "]"] */
map
	: MAP		%prec LOW	{ $$ = mk_name(N_MAP, $1, &@$); }
	| MAP "[" vargs "]"		{ $$ = mk_name(N_MAP, $1, &@$); $$->a = mk_key($3); }
	;

/* var: VAR */
var
	: VAR				{ $$ = mk_name(N_VAR, $1, &@$); }
	;

/* map_or_var: map | var */
map_or_var
	: map
	| var
	;

/* param: PARAM | "$#" */
param
	: PARAM
	| "$#"				{ $$ = mk(N_POSPARAM, &@$); $$->ival = -1; }
	;

/* vargs: expr { "," expr }, gathered in an N_TUPLE */
vargs
	: expr				{ $$ = push(mk(N_TUPLE, &@$), $1); }
	| vargs "," expr		{ $$ = push($1, $3); $$->loc = @$.p; $$->bt_loc = @$.b; }
	;

%%

/* mk: a node spanning loc */
static struct node *mk(enum node_kind kind, const YYLTYPE *loc)
{
	struct node *n = node_new(kind, &loc->p);

	n->bt_loc = loc->b;
	return n;
}

/* mk_name: a node that owns a name (identifier, map, call, field...) */
static struct node *mk_name(enum node_kind kind, char *name, const YYLTYPE *loc)
{
	struct node *n = mk(kind, loc);

	n->name = name;
	return n;
}

/* mk_bin: a binary operation */
static struct node *mk_bin(int op, struct node *a, struct node *b, const YYLTYPE *loc)
{
	struct node *n = mk(N_BINOP, loc);

	n->op = op;
	n->a = a;
	n->b = b;
	return n;
}

/* mk_neg_int: fold "-" INT into a negative literal, as bpftrace's grammar does */
static struct node *mk_neg_int(struct node *n, const YYLTYPE *oploc)
{
	size_t len = strlen(n->text);
	char *text = malloc(len + 2);

	if (text) {
		text[0] = '-';
		memcpy(text + 1, n->text, len + 1);
		free(n->text);
		n->text = text;
	}
	n->ival = (int64_t)(0 - (uint64_t)n->ival);
	n->is_unsigned_lit = false;
	n->loc.first_line = oploc->p.first_line;
	n->loc.first_col = oploc->p.first_col;
	n->bt_loc.first_line = oploc->b.first_line;
	n->bt_loc.first_col = oploc->b.first_col;
	return n;
}

/* mk_unop: a unary operation; "-" on a bare literal folds into the literal */
static struct node *mk_unop(int op, struct node *a, const YYLTYPE *loc, const YYLTYPE *oploc,
			    const YYLTYPE *aloc)
{
	struct node *n;

	/* a literal in parentheses starts later than its cast_expr: not folded */
	if (op == UOP_NEG && a->kind == N_INT && a->text && a->text[0] != '-' &&
	    a->loc.first_line == aloc->p.first_line && a->loc.first_col == aloc->p.first_col)
		return mk_neg_int(a, oploc);
	n = mk(N_UNOP, loc);
	n->bt_loc = oploc->b;
	n->op = op;
	n->a = a;
	return n;
}

/* mk_assign: "=" or a compound assignment; bt_loc is the operator */
static struct node *mk_assign(int op, struct node *lhs, struct node *rhs, const YYLTYPE *loc,
			      const YYLTYPE *oploc)
{
	struct node *n = mk(N_ASSIGN, loc);

	n->bt_loc = oploc->b;
	n->op = op;
	n->a = lhs;
	n->b = rhs;
	return n;
}

/* mk_incdec: "++"/"--" before or after a map or variable */
static struct node *mk_incdec(int dir, bool post, struct node *a, const YYLTYPE *loc,
			      const YYLTYPE *oploc)
{
	struct node *n = mk(N_INCDEC, loc);

	n->bt_loc = oploc->b;
	n->ival = dir;
	n->is_post = post;
	n->a = a;
	return n;
}

/* mk_cast: "(type)" operand; bt_loc is the parenthesised type, where bpftrace reports */
static struct node *mk_cast(struct ctype *t, int nptr, struct node *a, const YYLTYPE *loc,
			    const YYLTYPE *rparen)
{
	struct node *n = mk(N_CAST, loc);

	t->nptr = nptr;
	n->ctype = t;
	n->a = a;
	n->bt_loc.last_line = rparen->b.last_line;
	n->bt_loc.last_col = rparen->b.last_col;
	return n;
}

/* mk_key: a map's key list: one key stands alone unless it is itself a tuple
 * literal, which stays wrapped so "@m[(1, 2)]" differs from "@m[1, 2]" */
static struct node *mk_key(struct node *keys)
{
	struct node *k;

	if (keys->args.n != 1 || keys->args.v[0]->kind == N_TUPLE)
		return keys;
	k = keys->args.v[0];
	keys->args.n = 0;
	node_free(keys);
	return k;
}

/* ctype_new: a written type "kw name", taking ownership of name */
static struct ctype *ctype_new(const char *kw, char *name, const YYLTYPE *loc)
{
	struct ctype *t = calloc(1, sizeof(*t));

	if (!t) {
		free(name);
		return NULL;
	}
	if (kw) {
		size_t len = strlen(kw) + strlen(name) + 2;

		t->name = malloc(len);
		if (t->name)
			snprintf(t->name, len, "%s %s", kw, name);
		free(name);
	} else {
		t->name = name;
	}
	t->loc = loc->p;
	return t;
}

/* ctype_free: a type not yet attached to a node */
static void ctype_free(struct ctype *t)
{
	if (!t)
		return;
	free(t->name);
	free(t);
}

/* attach_append: glue one more word onto an attach point */
static void attach_append(struct node *ap, char *text, const YYLTYPE *loc)
{
	size_t a = strlen(ap->text), b = strlen(text);
	char *s = realloc(ap->text, a + b + 1), *colon;

	if (s) {
		memcpy(s + a, text, b + 1);
		ap->text = s;
	}
	free(text);
	ap->loc.last_line = loc->p.last_line;
	ap->loc.last_col = loc->p.last_col;
	ap->bt_loc.last_line = loc->b.last_line;
	ap->bt_loc.last_col = loc->b.last_col;
	/* the provider is the text before the first ':' */
	free(ap->name);
	colon = strchr(ap->text, ':');
	ap->name = strndup(ap->text, colon ? (size_t)(colon - ap->text) : strlen(ap->text));
}

/* check_attach: bpftrace's parser takes "$N" in an attach point and nothing else after '$' */
static struct node *check_attach(struct parse_ctx *ctx, struct node *ap)
{
	bool quoted = false;
	const char *s;

	for (s = ap->text; *s; s++) {
		if (*s == '\\' && quoted && s[1])
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (*s == '$' && !quoted && (s[1] < '0' || s[1] > '9')) {
			parse_report(ctx, &ap->bt_loc, "Not a positional parameter");
			break;
		}
	}
	return ap;
}

/* add_text: a preprocessor line or C definition, kept verbatim */
static void add_text(struct node_list *l, enum node_kind kind, char *text, const YYLTYPE *loc)
{
	struct node *n = mk(kind, loc);
	size_t len = strlen(text);

	while (len && (text[len - 1] == '\r' || text[len - 1] == ' ' || text[len - 1] == '\t'))
		text[--len] = '\0';
	n->text = text;
	node_list_push(l, n);
}

/* push: append n to a list node (N_BLOCK stmts, N_PROBE aps, N_TUPLE args) */
static struct node *push(struct node *list, struct node *n)
{
	switch (list->kind) {
	case N_BLOCK:
		node_list_push(&list->stmts, n);
		break;
	case N_PROBE:
		node_list_push(&list->aps, n);
		break;
	default:
		node_list_push(&list->args, n);
		break;
	}
	return list;
}

/* parse_report: one error at loc; the parse will fail */
void parse_report(struct parse_ctx *c, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vreport(c->d, DIAG_ERROR, loc, fmt, ap);
	va_end(ap);
	c->nerrors++;
}

/* yyerror: bison's own complaints (memory exhausted on too deep nesting) */
static void yyerror(YYLTYPE *loc, yyscan_t scanner, struct parse_ctx *ctx, const char *msg)
{
	(void)scanner;
	if (!strcmp(msg, "memory exhausted"))
		parse_report(ctx, &loc->b, "memory exhausted: the program is nested too deeply");
	else
		parse_report(ctx, &loc->b, "%s", msg);
}

/* bt_action: the parse table entry for token tok in state s: >0 shift, <0 reduce, 0 error */
static int bt_action(int s, int tok)
{
	int n = yypact[s];

	if (yypact_value_is_default(n))
		return -yydefact[s];
	n += tok;
	if (n < 0 || YYLAST < n || yycheck[n] != tok)
		return -yydefact[s];
	n = yytable[n];
	if (yytable_value_is_error(n))
		return 0;
	return n;
}

/* bt_explicit: whether state s has an entry of its own for token tok, as bison lists them */
static bool bt_explicit(int s, int tok)
{
	int n = yypact[s];

	if (yypact_value_is_default(n))
		return false;
	n += tok;
	return 0 <= n && n <= YYLAST && yycheck[n] == tok && !yytable_value_is_error(yytable[n]);
}

/* bt_reduction: the rule bpftrace's tables would reduce by default in state s, or 0 */
static int bt_reduction(int s)
{
	int count[YYNRULES + 1] = { 0 }, best = 0, tok, a;

	if (yydefact[s])
		return yydefact[s];
	/* the error shift of a recovery rule took the default away: count again */
	for (tok = 0; tok < YYNTOKENS; tok++) {
		if (tok == YYSYMBOL_YYerror)
			continue;
		a = bt_action(s, tok);
		if (a < 0 && ++count[-a] > count[best])
			best = -a;
	}
	return best;
}

/* bt_error_state: where bpftrace would find the error: its parser, free of
 * error rules, takes every default reduction before it gives up on a token */
static int bt_error_state(const yy_state_t *ssp, int tok, bool *attach)
{
	yy_state_t pushed[64];
	int npushed = 0, popped = 0, s = *ssp, i, rule, len, lhs, top, g;

	for (i = 0; i < 256; i++) {
		*attach = bt_action(s, YYSYMBOL_ATTACH) > 0;
		if (*attach || bt_action(s, tok) > 0)
			return s;
		rule = bt_reduction(s);
		if (!rule)
			return s;
		for (len = yyr2[rule]; len > 0 && npushed > 0; len--)
			npushed--;
		popped += len;
		top = npushed ? pushed[npushed - 1] : ssp[-popped];
		lhs = yyr1[rule] - YYNTOKENS;
		g = yypgoto[lhs] + top;
		s = (0 <= g && g <= YYLAST && yycheck[g] == top) ? yytable[g] : yydefgoto[lhs];
		if (npushed == (int)(sizeof(pushed) / sizeof(pushed[0])))
			return s;
		pushed[npushed++] = (yy_state_t)s;
	}
	return s;
}

/* bt_symbol_name: a token as bison's verbose errors print it: quoted if it holds ',' */
static const char *bt_symbol_name(int sym, char *buf, size_t len)
{
	const char *name = yysymbol_name((yysymbol_kind_t)sym);

	if (sym == YYSYMBOL_ATTACH)
		return "identifier";
	if (!strchr(name, ',') && !strchr(name, '\''))
		return name;
	snprintf(buf, len, "\"%s\"", name);
	return buf;
}

/* bt_word_name: the unexpected token's name; bpftrace's lexer had kinds of words we lack */
static const char *bt_word_name(int sym, const char *word, char *buf, size_t len)
{
	/* bpftrace 0.17's function names, lexed as "call" tokens */
	static const char *const calls[] = {
		"avg", "bswap", "buf", "cat", "cgroupid", "cgroup_path", "clear", "count",
		"debugf", "delete", "exit", "hist", "join", "kaddr", "kptr", "ksym", "lhist",
		"macaddr", "max", "min", "ntop", "override", "path", "print", "printf", "pton",
		"reg", "signal", "sizeof", "skboutput", "stats", "str", "strcontains", "strerror",
		"strftime", "strncmp", "sum", "system", "time", "uaddr", "unwatch", "uptr", "usym",
		"zero",
	};
	size_t i;

	if (sym == YYSYMBOL_SIZEOF)
		return "call";
	if (sym == YYSYMBOL_OFFSETOF)
		return "identifier";
	if (sym == YYSYMBOL_BUILTIN && (!strcmp(word, "kstack") || !strcmp(word, "ustack")))
		return "call_builtin";
	if (sym == YYSYMBOL_IDENT) {
		if (!strcmp(word, "perf") || !strcmp(word, "bpftrace"))
			return "stack_mode";
		for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			if (!strcmp(word, calls[i]))
				return "call";
	}
	return bt_symbol_name(sym, buf, len);
}

/* yyreport_syntax_error: "syntax error, unexpected X, expecting Y or Z" as bpftrace 0.17 words it */
static int yyreport_syntax_error(const yypcontext_t *yyctx, yyscan_t scanner,
				 struct parse_ctx *ctx)
{
	int tok = yypcontext_token(yyctx), exp[4], nexp = 0, s, t, i;
	struct loc loc = yypcontext_location(yyctx)->b;
	char msg[512], name[64];
	bool attach;
	size_t off;

	(void)scanner;
	(void)yypcontext_expected_tokens;	/* bison's list misses default reductions */
	s = bt_error_state(yyctx->yyssp, tok, &attach);
	if (attach && (tok == YYSYMBOL_YYEOF || tok == YYSYMBOL_LBRACE)) {
		/* bpftrace reads an empty attach point where a probe may start */
		/* the lookahead was read already: start after the token before it */
		loc.first_line = tok == YYSYMBOL_YYEOF ? ctx->prev_line : ctx->before_line;
		loc.first_col = tok == YYSYMBOL_YYEOF ? ctx->prev_col : ctx->before_col;
		if (tok == YYSYMBOL_YYEOF) {
			parse_report(ctx, &loc, "unexpected end of file, expected {");
		} else {
			loc.last_line = loc.first_line;
			loc.last_col = loc.first_col - 1;
			ctx->noattach = true;
			ctx->noattach_loc = loc;
			ctx->noattach_errors = ctx->nerrors;
		}
		return 0;
	}
	if (attach) {
		/* bpftrace reads an empty attach point here and then wants a block */
		exp[nexp++] = YYSYMBOL_LBRACE;
	} else {
		for (t = 0; t < YYNTOKENS; t++) {
			if (t == YYSYMBOL_YYerror || t == YYSYMBOL_YYUNDEF || !bt_explicit(s, t))
				continue;
			if (nexp == 4) {
				nexp = 0;
				break;
			}
			exp[nexp++] = t;
		}
		/* where bpftrace takes any word, it has five kinds of them: too many to list */
		if (bt_explicit(s, YYSYMBOL_IDENT) && bt_explicit(s, YYSYMBOL_BUILTIN))
			nexp = 0;
	}
	off = (size_t)snprintf(msg, sizeof(msg), "syntax error, unexpected %s",
			       bt_word_name(tok, ctx->last_word, name, sizeof(name)));
	for (i = 0; i < nexp && off < sizeof(msg); i++)
		off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s%s",
					i ? " or " : ", expecting ",
					bt_symbol_name(exp[i], name, sizeof(name)));
	parse_report(ctx, &loc, "%s", msg);
	return 0;
}

/* parse_program: parse a NUL-terminated script */
struct program *parse_program(const char *source, const char *filename, struct diag_sink *d)
{
	return parse_program_len(source, strlen(source), filename, d);
}

/* parse_program_len: parse len bytes of script into a program, or NULL after reporting */
struct program *parse_program_len(const char *source, size_t len, const char *filename,
				  struct diag_sink *d)
{
	struct diag_sink fallback = { .out = stderr };
	struct parse_ctx c = { 0 };
	const char *old_source, *old_filename;
	struct program *p;
	char *src = NULL, *fname = NULL;
	void *scanner = NULL;
	int err;

	if (!d)
		d = &fallback;
	p = calloc(1, sizeof(*p));
	src = malloc(len + 1);
	fname = strdup(filename ? filename : "stdin");
	if (!p || !src || !fname) {
		diag_error(d, NULL, "out of memory while parsing");
		goto errout;
	}
	memcpy(src, source, len);
	src[len] = '\0';
	p->source = src;
	p->filename = fname;
	src = fname = NULL;

	/* caret lines need the text: lend ours while parsing if the caller gave none */
	old_source = d->source;
	old_filename = d->filename;
	if (!d->source)
		d->source = p->source;
	if (!d->filename)
		d->filename = p->filename;
	c.src = p->source;
	c.len = len;
	c.d = d;
	c.prog = p;
	err = lex_open(&c, &scanner);
	if (err) {
		diag_error(d, NULL, "cannot scan %s: %s", p->filename, strerror(-err));
		c.nerrors++;
	} else {
		if (btyyparse(scanner, &c) && !c.nerrors) {
			/* every way out reports, but never fail in silence */
			if (c.noattach)
				parse_report(&c, &c.noattach_loc, "No attach points for probe");
			else
				parse_report(&c, NULL, "syntax error");
		}
		lex_close(scanner);
	}
	for (int i = 0; !c.nerrors && i < p->probes.n; i++) {
		const struct node *deep = ast_too_deep(p->probes.v[i], PARSE_MAX_TREE_DEPTH);

		if (deep)
			parse_report(&c, &deep->loc, "the program is nested too deeply (more than %d levels)",
				     PARSE_MAX_TREE_DEPTH);
	}
	free(c.buf);
	d->source = old_source;
	d->filename = old_filename;
	if (c.nerrors)
		goto errout;
	return p;
errout:
	free(src);
	free(fname);
	program_free(p);
	return NULL;
}
