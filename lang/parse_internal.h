/* parse_internal: state shared by the flex scanner and the bison grammar.
 * One parse_ctx lives for one parse_program() call: the scanner tracks
 * positions and lexer errors in it, the grammar actions append to its program. */
#ifndef BPFDECK_PARSE_INTERNAL_H
#define BPFDECK_PARSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "ast.h"
#include "diag.h"

/* A token or rule span twice over: p is the exact span; b starts where the
 * run of non-blank text holding the first token began, because bpftrace's
 * lexer only steps its location at whitespace and reports errors that way. */
struct parse_loc {
	struct loc p;
	struct loc b;
};

struct parse_ctx {
	const char *src;        /* whole source, len bytes (may hold NULs) */
	size_t len;
	struct diag_sink *d;
	struct program *prog;   /* what the grammar fills in */

	/* scanner position of the next byte */
	size_t off;
	int line, col;
	int run_line, run_col;  /* first byte after the last blank */

	int depth;              /* brace depth inside a probe body */
	int last_tok;           /* last token returned, END aside */
	int prev_line, prev_col;/* just after that token (1:1 before any) */
	int before_line, before_col; /* just after the token before that one */
	struct loc probe_start; /* from just after the token before this probe's attach points */
	struct loc ap_start;    /* from just after the token before this attach point (a ',') */

	/* a multi-match token in progress: string, C definition, comment */
	struct parse_loc tok_start;
	size_t tok_off;
	char *buf;
	size_t buf_len, buf_cap;
	int cdef_depth;
	bool cdef_typedef, cdef_brace;

	char last_word[32];     /* the last identifier, keyword or builtin read */
	bool noattach;          /* a probe began with "{": reported once its block parses */
	struct loc noattach_loc;
	int noattach_errors;

	int nerrors;            /* errors reported by the scanner and parser */
};

/* lexer.l: a scanner over c->src (0 or -errno), and its release */
int lex_open(struct parse_ctx *c, void **scanner);
void lex_close(void *scanner);

/* parser.y: report an error at loc and count it */
void parse_report(struct parse_ctx *c, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
