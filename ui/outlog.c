/* outlog: a bounded ring of output lines with a kind each (see outlog.h).
 * Program output may arrive in pieces (printf without a newline), so the
 * last OL_TEXT line stays open until its newline comes. */
#define _GNU_SOURCE  /* strcasestr */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "outlog.h"

struct ol_line {
	char *text;
	enum ol_kind kind;
};

struct outlog {
	struct ol_line *v;      /* ring of cap lines */
	size_t cap, head, n;
	bool open;              /* last line is an unterminated OL_TEXT line */
	uint64_t gen, dropped;
	FILE *echo_out, *echo_err;
};

struct outlog *outlog_new(size_t max_lines)
{
	struct outlog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->cap = max_lines ? max_lines : 1;
	l->v = calloc(l->cap, sizeof(*l->v));
	if (!l->v) {
		free(l);
		return NULL;
	}
	return l;
}

void outlog_clear(struct outlog *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[(l->head + i) % l->cap].text);
	l->dropped += l->n;
	l->n = l->head = 0;
	l->open = false;
	l->gen++;
}

void outlog_free(struct outlog *l)
{
	if (!l)
		return;
	outlog_clear(l);
	free(l->v);
	free(l);
}

void outlog_set_echo(struct outlog *l, FILE *out, FILE *err)
{
	l->echo_out = out;
	l->echo_err = err;
}

static struct ol_line *ol_last(struct outlog *l)
{
	return l->n ? &l->v[(l->head + l->n - 1) % l->cap] : NULL;
}

static void ol_push(struct outlog *l, enum ol_kind kind, const char *s, size_t len)
{
	struct ol_line *ln;

	if (l->n == l->cap) {
		free(l->v[l->head].text);
		l->head = (l->head + 1) % l->cap;
		l->n--;
		l->dropped++;
	}
	ln = &l->v[(l->head + l->n) % l->cap];
	ln->text = strndup(s, len);
	ln->kind = kind;
	l->n++;
}

/* Tabs become spaces and other control bytes '?', so the pane's columns hold. */
static void ol_clean(char *s)
{
	for (; *s; s++)
		if (*s == '\t')
			*s = ' ';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void outlog_add(struct outlog *l, enum ol_kind kind, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	if (l->echo_out || l->echo_err) {
		FILE *f = (kind == OL_TEXT || kind == OL_CMD || kind == OL_INPUT) ? l->echo_out : l->echo_err;

		if (!f)
			f = l->echo_out ? l->echo_out : l->echo_err;
		if (kind == OL_INPUT)
			return;
		fwrite(text, 1, len, f);
		if (kind != OL_TEXT && (!len || text[len - 1] != '\n'))
			fputc('\n', f);
		fflush(f);
		return;
	}
	l->gen++;
	while (p < end || (p == text && !len && kind != OL_TEXT)) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct ol_line *last = ol_last(l);

		if (kind == OL_TEXT && l->open && last) {
			size_t old = strlen(last->text);
			char *t = realloc(last->text, old + n + 1);

			if (t) {
				memcpy(t + old, p, n);
				t[old + n] = 0;
				last->text = t;
				ol_clean(last->text);
			}
		} else {
			ol_push(l, kind, p, n);
			ol_clean(ol_last(l)->text);
		}
		l->open = kind == OL_TEXT && !nl;
		if (!nl)
			break;
		p = nl + 1;
	}
	if (kind != OL_TEXT)
		l->open = false;
}

void outlog_vprintf(struct outlog *l, enum ol_kind kind, const char *fmt, va_list ap)
{
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);

	if (n >= 0)
		outlog_add(l, kind, s, (size_t)n);
	free(s);
}

void outlog_printf(struct outlog *l, enum ol_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	outlog_vprintf(l, kind, fmt, ap);
	va_end(ap);
}

size_t outlog_count(const struct outlog *l)
{
	return l->n;
}

const char *outlog_line(const struct outlog *l, size_t i, enum ol_kind *kind)
{
	const struct ol_line *ln;

	if (i >= l->n)
		return NULL;
	ln = &l->v[(l->head + i) % l->cap];
	if (kind)
		*kind = ln->kind;
	return ln->text;
}

uint64_t outlog_gen(const struct outlog *l)
{
	return l->gen;
}

uint64_t outlog_dropped(const struct outlog *l)
{
	return l->dropped;
}

long outlog_find(const struct outlog *l, const char *pat, long from, int dir)
{
	if (!pat || !*pat || !l->n)
		return -1;
	if (from < 0)
		from = dir > 0 ? 0 : -1;
	if (from >= (long)l->n)
		from = dir > 0 ? (long)l->n : (long)l->n - 1;
	for (long i = from; i >= 0 && i < (long)l->n; i += dir > 0 ? 1 : -1)
		if (strcasestr(outlog_line(l, i, NULL), pat))
			return i;
	return -1;
}
