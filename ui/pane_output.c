/* pane_output: the output pane: printf/time/print output, messages, errors
 * with their caret lines and command output. Follows the newest line until
 * scrolled; "/" searches (matches highlighted, n/N jump between them). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "pane.h"
#include "screen.h"

struct out_priv {
	uint64_t gen;
	bool follow;
	long abs_top;           /* first line shown, counted from the log's start */
	int hscroll;
};

static struct outlog *log_of(struct pane *p)
{
	return screen_wb(p->scr)->log;
}

static int body_rows(struct pane *p)
{
	return p->h > 1 ? p->h - 1 : 1;
}

/* First line shown, as an index into the log now. */
static long first_shown(struct pane *p)
{
	struct out_priv *o = p->priv;
	struct outlog *l = log_of(p);
	long n = (long)outlog_count(l), rows = body_rows(p), top;

	if (o->follow)
		top = n - rows;
	else
		top = o->abs_top - (long)outlog_dropped(l);
	if (top > n - rows)
		top = n - rows;
	if (top < 0)
		top = 0;
	return top;
}

static void out_draw(struct pane *p)
{
	struct out_priv *o = p->priv;
	struct outlog *l = log_of(p);
	long top = first_shown(p), n = (long)outlog_count(l);
	int rows = body_rows(p);

	o->gen = outlog_gen(l);
	for (int r = 0; r < rows && top + r < n; r++) {
		enum ol_kind kind;
		const char *s = outlog_line(l, top + r, &kind);
		static const enum ui_color col[] = { UC_NORMAL, UC_INFO, UC_WARN, UC_ERROR, UC_INPUT,
						     UC_NORMAL };
		attr_t a = ui_attr(col[kind]);
		size_t skip = 0;

		while (skip < (size_t)o->hscroll && s[skip])
			skip++;
		wattron(p->win, a);
		draw_text(p->win, 1 + r, 0, p->w, s + skip);
		wattroff(p->win, a);
		if (p->filter[0]) {
			/* highlight matches */
			const char *m = s + skip;
			size_t fl = strlen(p->filter);

			while ((m = strcasestr(m, p->filter))) {
				int col_x = (int)(m - (s + skip));

				if (col_x >= p->w)
					break;
				wattron(p->win, ui_attr(UC_MATCH));
				mvwaddnstr(p->win, 1 + r, col_x, m, (int)(fl < (size_t)(p->w - col_x) ?
									   fl : (size_t)(p->w - col_x)));
				wattroff(p->win, ui_attr(UC_MATCH));
				m += fl;
			}
		}
	}
}

static void out_title(struct pane *p, char *buf, size_t len)
{
	struct out_priv *o = p->priv;
	struct outlog *l = log_of(p);

	snprintf(buf, len, "%zu lines%s%s%s%s", outlog_count(l), o->follow ? "" : "  [scrolled: End follows]",
		 p->filter[0] ? "  search: " : "", p->filter, p->filter[0] ? " (n/N)" : "");
}

static bool out_changed(struct pane *p)
{
	struct out_priv *o = p->priv;

	return o->gen != outlog_gen(log_of(p));
}

static int out_want(struct pane *p)
{
	long n = (long)outlog_count(log_of(p));

	return 1 + (n < 3 ? 3 : n > 12 ? 12 : (int)n);
}

static void scroll_to(struct pane *p, long top)
{
	struct out_priv *o = p->priv;
	struct outlog *l = log_of(p);
	long n = (long)outlog_count(l), rows = body_rows(p);

	if (top >= n - rows) {
		o->follow = true;
		return;
	}
	if (top < 0)
		top = 0;
	o->follow = false;
	o->abs_top = top + (long)outlog_dropped(l);
}

static int out_key(struct pane *p, int key)
{
	struct out_priv *o = p->priv;
	long top = first_shown(p), rows = body_rows(p), m;

	switch (key) {
	case KEY_UP: case 'k': scroll_to(p, top - 1); break;
	case KEY_DOWN: case 'j': scroll_to(p, top + 1); break;
	case KEY_PPAGE: scroll_to(p, top - (rows - 1)); break;
	case KEY_NPAGE: scroll_to(p, top + (rows - 1)); break;
	case KEY_HOME: case 'g': scroll_to(p, 0); break;
	case KEY_END: case 'G': o->follow = true; break;
	case KEY_LEFT: o->hscroll = o->hscroll > 8 ? o->hscroll - 8 : 0; break;
	case KEY_RIGHT: o->hscroll += 8; break;
	case 'c':
		outlog_clear(log_of(p));
		o->follow = true;
		break;
	case 'n': case 'N':
		if (!p->filter[0])
			return K_HANDLED;
		m = outlog_find(log_of(p), p->filter, key == 'n' ? top + 1 : top - 1,
				key == 'n' ? 1 : -1);
		if (m < 0) {
			screen_status(p->scr, "no %s match for '%s'", key == 'n' ? "later" : "earlier",
				      p->filter);
			return K_HANDLED;
		}
		scroll_to(p, m);
		break;
	default:
		return K_UNHANDLED;
	}
	return K_HANDLED | K_REDRAW;
}

static void out_filter(struct pane *p, const char *text)
{
	long m;

	snprintf(p->filter, sizeof(p->filter), "%s", text);
	if (!*text)
		return;
	/* jump to the latest match */
	m = outlog_find(log_of(p), text, (long)outlog_count(log_of(p)) - 1, -1);
	if (m >= 0)
		scroll_to(p, m - body_rows(p) / 2);
}

static void out_destroy(struct pane *p)
{
	free(p->priv);
}

static const struct pane_ops output_ops = {
	.kind = "output",
	.draw = out_draw,
	.title = out_title,
	.changed = out_changed,
	.want = out_want,
	.key = out_key,
	.filter = out_filter,
	.keys_help = "arrows/PgUp/PgDn scroll, End follow, / search, n/N next/prev, c clear",
	.destroy = out_destroy,
};

struct pane *pane_output_new(struct screen *scr)
{
	struct pane *p = pane_new(&output_ops, scr, "output");
	struct out_priv *o = calloc(1, sizeof(*o));

	o->follow = true;
	o->gen = (uint64_t)-1;
	p->priv = o;
	return p;
}
