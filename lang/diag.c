/* diag: errors and warnings in bpftrace 0.17's layout.
 * "FILE:LINE:COL-END: ERROR: msg", then the source line with tabs shown as
 * four spaces and a line of '~' under the span (END is one past the span). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"

/* diag_source_line: line number line of src (from 1), without its newline; NULL past the end */
static const char *diag_source_line(const char *src, int line, size_t *len)
{
	const char *s = src, *nl;

	if (!src || line < 1)
		return NULL;
	while (--line > 0) {
		s = strchr(s, '\n');
		if (!s)
			return NULL;
		s++;
	}
	nl = strchr(s, '\n');
	*len = nl ? (size_t)(nl - s) : strlen(s);
	if (*len && s[*len - 1] == '\r')
		(*len)--;
	return s;
}

/* diag_caret: the source line and the '~' span under [first_col, end_col) */
static void diag_caret(FILE *out, const char *src, const struct loc *loc)
{
	size_t len, x;
	const char *s = diag_source_line(src, loc->first_line, &len);
	size_t end = loc->last_col > 0 ? (size_t)loc->last_col : 0;

	char *buf, *p;

	/* bpftrace prints nothing for a missing or empty line */
	if (!s || !len)
		return;
	/* both lines in one write each: stderr is unbuffered, and a line of a
	 * 1 MB script is a million write()s when written a byte at a time */
	buf = malloc(4 * len + 2);
	if (!buf)
		return;
	for (p = buf, x = 0; x < len; x++) {
		if (s[x] == '\t') {
			memcpy(p, "    ", 4);
			p += 4;
		} else {
			*p++ = s[x];
		}
	}
	*p++ = '\n';
	fwrite(buf, 1, p - buf, out);
	for (p = buf, x = 0; x < len && x < end; x++) {
		char mark = (int)x < loc->first_col - 1 ? ' ' : '~';

		memset(p, mark, s[x] == '\t' ? 4 : 1);
		p += s[x] == '\t' ? 4 : 1;
	}
	*p++ = '\n';
	fwrite(buf, 1, p - buf, out);
	free(buf);
}

/* diag_vreport: print one diagnostic and count it */
void diag_vreport(struct diag_sink *d, enum diag_level lvl, const struct loc *loc,
		  const char *fmt, va_list ap)
{
	const char *what = lvl == DIAG_ERROR ? "ERROR" : "WARNING";
	FILE *out = d->out ? d->out : stderr;

	if (lvl == DIAG_ERROR) {
		if (++d->nerrors > DIAG_MAX_ERRORS) {
			if (d->nerrors == DIAG_MAX_ERRORS + 1)
				fprintf(out, "ERROR: too many errors (more than %d), stopping\n",
					DIAG_MAX_ERRORS);
			return;
		}
	} else {
		d->nwarnings++;
		if (d->no_warnings)
			return;
	}
	if (!loc) {
		fprintf(out, "%s: ", what);
		vfprintf(out, fmt, ap);
		fputc('\n', out);
		return;
	}
	fputs(d->filename ? d->filename : "stdin", out);
	if (loc->first_line != loc->last_line) {
		/* bpftrace gives a span over lines by line numbers alone, with no source */
		fprintf(out, ":%d-%d: %s: ", loc->first_line, loc->last_line, what);
		vfprintf(out, fmt, ap);
		fputc('\n', out);
		return;
	}
	fprintf(out, ":%d:%d-%d: %s: ", loc->first_line, loc->first_col, loc->last_col + 1, what);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	diag_caret(out, d->source, loc);
}

/* diag_report: printf-style front of diag_vreport */
void diag_report(struct diag_sink *d, enum diag_level lvl, const struct loc *loc,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vreport(d, lvl, loc, fmt, ap);
	va_end(ap);
}
