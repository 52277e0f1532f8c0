/* pane_scalar: every keyless map that is not a histogram, one row each: its
 * value, its rate over the last interval and a sparkline of recent intervals
 * (counts and sums: the change; avg: the interval's mean; others: the value). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "mapval.h"
#include "pane.h"
#include "screen.h"

struct scalar_priv {
	uint64_t sig;
	int nmaps;
};

static bool shown(struct pane *p, struct wb_map *m)
{
	struct pane_conf *c = layout_get(p->scr->host->layout, m->decl->name, false);

	return map_is_scalar(m, c) && !(c && c->hidden);
}

static uint64_t signature(struct pane *p, int *n)
{
	struct workbench *wb = screen_wb(p->scr);
	uint64_t sig = 1469598103934665603ull;

	*n = 0;
	for (int i = 0; i < wb->nmaps; i++) {
		struct wb_map *m = wb->maps[i];

		if (!shown(p, m))
			continue;
		(*n)++;
		sig = (sig ^ (m->gen * 31 + m->hgen)) * 1099511628211ull;
		sig = (sig ^ (uintptr_t)m) * 1099511628211ull;
	}
	return sig;
}

static void sc_draw(struct pane *p)
{
	struct scalar_priv *s = p->priv;
	struct workbench *wb = screen_wb(p->scr);
	int y = 1, rows = p->h - 1, row = 0;
	bool focus = screen_is_focused(p->scr, p);

	s->sig = signature(p, &s->nmaps);
	p->nrows = s->nmaps;
	pane_clamp(p, rows);
	for (int i = 0; i < wb->nmaps && y <= rows; i++) {
		struct wb_map *m = wb->maps[i];
		const struct type *t = m->decl->value;
		char val[64] = "-", rate[24] = "", cnt[16];
		double v = 0, hist[WB_HISTORY];
		int nh = 0, x;

		if (!shown(p, m))
			continue;
		if (row++ < p->top)
			continue;
		if (m->cur && m->cur->n) {
			const void *raw = m->cur->entries[0].value;

			if (t->kind == TY_AVG || t->kind == TY_STATS) {
				double c = 0, a = 0;

				mv_num(t, raw, MV_AVG, &a);
				mv_num(t, raw, MV_COUNT, &c);
				fmt_num(val, sizeof(val), a);
				fmt_num(cnt, sizeof(cnt), c);
				snprintf(val + strlen(val), sizeof(val) - strlen(val), " avg, n=%s", cnt);
			} else if (mv_num(t, raw, MV_VALUE, &v)) {
				fmt_num(val, sizeof(val), v);
			} else {
				mv_value_text(wb->o, t, raw, val, sizeof(val));
			}
		}
		if ((t->kind == TY_COUNT || t->kind == TY_SUM) && m->hn && m->dt > 0) {
			int64_t last = m->ring[(size_t)m->hhead * m->hb];

			fmt_num(rate, sizeof(rate), last / m->dt);
			strcat(rate, "/s");
		}
		for (int k = m->hn - 1; k >= 0; k--) {
			int slot = ((m->hhead - k) % m->hcols + m->hcols) % m->hcols;

			hist[nh++] = (double)m->ring[(size_t)slot * m->hb];
		}
		if (focus && row - 1 == p->sel)
			wattron(p->win, ui_attr(UC_SELECT));
		x = draw_textf(p->win, y, 0, p->w, "%-16s %18s %10s  ", m->decl->name, val, rate);
		wattroff(p->win, ui_attr(UC_SELECT));
		if (x < p->w)
			draw_spark(p->win, y, x, p->w - x, hist, nh);
		y++;
	}
}

static void sc_title(struct pane *p, char *buf, size_t len)
{
	int n;

	signature(p, &n);
	snprintf(buf, len, "%d counter%s: value, rate, recent intervals", n, n == 1 ? "" : "s");
}

static bool sc_changed(struct pane *p)
{
	struct scalar_priv *s = p->priv;
	int n;

	return signature(p, &n) != s->sig;
}

static int sc_want(struct pane *p)
{
	int n;

	signature(p, &n);
	return 1 + (n ? n : 1);
}

static int sc_key(struct pane *p, int key)
{
	return pane_nav_key(p, key, p->h - 1);
}

static void sc_destroy(struct pane *p)
{
	free(p->priv);
}

static const struct pane_ops scalar_ops = {
	.kind = "scalars",
	.draw = sc_draw,
	.title = sc_title,
	.changed = sc_changed,
	.want = sc_want,
	.key = sc_key,
	.keys_help = "arrows scroll",
	.destroy = sc_destroy,
};

struct pane *pane_scalar_new(struct screen *scr)
{
	struct pane *p = pane_new(&scalar_ops, scr, "scalars");

	p->priv = calloc(1, sizeof(struct scalar_priv));
	return p;
}

/* Lets scalar maps be counted by the screen without a pane per map. */
int pane_scalar_count(struct pane *p)
{
	int n;

	signature(p, &n);
	return n;
}
