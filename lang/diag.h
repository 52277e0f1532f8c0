/* diag: compiler diagnostics with a source location and a caret line.
 * Every error and warning the compiler reports goes through here, so the
 * CLI prints them to stderr and the workbench to its output pane. */
#ifndef BPFDECK_DIAG_H
#define BPFDECK_DIAG_H

#include <stdarg.h>
#include <stdio.h>
#include "ast.h"

enum diag_level { DIAG_ERROR, DIAG_WARNING };

/* Errors printed per sink; past it one "too many errors" line, and the parser
 * and the CLI stop early: a 1 MB file of garbage must not take minutes. */
#define DIAG_MAX_ERRORS 50

struct diag_sink {
	const char *filename;   /* as shown: "stdin" for -e, else the script path */
	const char *source;     /* whole source text, for the caret line */
	FILE *out;              /* where messages go (stderr by default) */
	int nerrors, nwarnings;
	bool no_warnings;       /* --no-warnings */
};

/* Prints "FILE:LINE:COL: error: MSG", then the source line and a caret/tilde span:
 *   stdin:1:9-14: ERROR: Unknown function: foo
 * follows bpftrace 0.17's layout (see diag.c for the exact format). */
void diag_report(struct diag_sink *d, enum diag_level lvl, const struct loc *loc,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_vreport(struct diag_sink *d, enum diag_level lvl, const struct loc *loc,
		  const char *fmt, va_list ap);

#define diag_error(d, loc, ...) diag_report((d), DIAG_ERROR, (loc), __VA_ARGS__)
#define diag_warn(d, loc, ...) diag_report((d), DIAG_WARNING, (loc), __VA_ARGS__)

#endif
