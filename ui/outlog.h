/* outlog: the workbench's output log, what the output pane shows.
 * Lines of program output (printf/time/print...), messages, errors with their
 * caret lines and command output, kept in a bounded ring; in batch mode lines
 * are echoed to stdout/stderr instead of being kept. */
#ifndef BPFDECK_UI_OUTLOG_H
#define BPFDECK_UI_OUTLOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum ol_kind {
	OL_TEXT,        /* program output */
	OL_INFO,        /* workbench messages */
	OL_WARN,
	OL_ERROR,
	OL_INPUT,       /* echo of what was submitted */
	OL_CMD,         /* command output (:list, :help, :print ...) */
};

struct outlog;

struct outlog *outlog_new(size_t max_lines);
void outlog_free(struct outlog *l);
/* Batch mode: OL_TEXT/OL_CMD lines go to out, the rest to err, nothing is kept. */
void outlog_set_echo(struct outlog *l, FILE *out, FILE *err);

/* Appends text, split at newlines. OL_TEXT keeps an unterminated last line open
 * so the next OL_TEXT continues it (printf without "\n"). */
void outlog_add(struct outlog *l, enum ol_kind kind, const char *text, size_t len);
void outlog_printf(struct outlog *l, enum ol_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void outlog_vprintf(struct outlog *l, enum ol_kind kind, const char *fmt, va_list ap);

/* Lines kept, oldest first; index 0 .. outlog_count()-1. */
size_t outlog_count(const struct outlog *l);
const char *outlog_line(const struct outlog *l, size_t i, enum ol_kind *kind);
/* Bumped by every change: lets the pane redraw only when something was added. */
uint64_t outlog_gen(const struct outlog *l);
/* Lines dropped from the front so far (keeps scroll positions stable). */
uint64_t outlog_dropped(const struct outlog *l);
/* The next line at or after from (dir > 0) / at or before (dir < 0) containing
 * pat, case-insensitively; -1 if none. */
long outlog_find(const struct outlog *l, const char *pat, long from, int dir);
void outlog_clear(struct outlog *l);

#endif
