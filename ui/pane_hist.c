/* pane_hist: hist()/lhist() maps, three ways (v cycles): the bucket bars of
 * every key, redrawn live; percentiles p50/p90/p99 estimated from the buckets;
 * and a heatmap over time, one column per poll interval. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "mapval.h"
#include "pane.h"
#include "screen.h"

enum hview { HV_BARS, HV_PCT, HV_HEAT };

struct hrow {
	int entry;              /* index into the snapshot */
	int bucket;             /* -1: the key's header line */
};

struct hist_priv {
	const void *snap;
	uint64_t gen, hgen;
	char filter[128];
	int view;
	bool delta;
	struct hrow *rows;
	int n, cap;
	bool scrolled;          /* heatmap: the user moved, stop following the busiest bucket */
};

static enum hview view_of(struct pane *p)
{
	const char *v = p->conf ? p->conf->view : "";

	return !strcmp(v, "pct") ? HV_PCT : !strcmp(v, "heat") ? HV_HEAT : HV_BARS;
}

static const struct map_snapshot *snap_of(struct pane *p)
{
	return p->conf && p->conf->delta ? p->map->delta : p->map->cur;
}

static int body_rows(struct pane *p)
{
	return p->h > 1 ? p->h - 1 : 1;
}

static void push_row(struct hist_priv *h, int entry, int bucket)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->rows = realloc(h->rows, h->cap * sizeof(*h->rows));
	}
	h->rows[h->n++] = (struct hrow){ entry, bucket };
}

static bool key_matches(struct pane *p, const struct map_entry *e)
{
	char kt[256];

	if (!p->filter[0] || !p->map->decl->key)
		return true;
	mv_key_text(screen_wb(p->scr)->o, p->map->decl, e->key, kt, sizeof(kt));
	return strcasestr(kt, p->filter) != NULL;
}

static uint64_t total_of(const struct type *t, const void *v)
{
	const uint64_t *b = v;
	uint64_t s = 0;

	for (unsigned i = 0; i < mv_hist_nbuckets(t); i++)
		s += b[i];
	return s;
}

/* Entries sorted by total count, largest first (index list). */
static struct map_snapshot *cmp_snap;
static const struct type *cmp_type;

static int entry_cmp(const void *a, const void *b)
{
	uint64_t x = total_of(cmp_type, cmp_snap->entries[*(const int *)a].value);
	uint64_t y = total_of(cmp_type, cmp_snap->entries[*(const int *)b].value);

	return x < y ? 1 : x > y ? -1 : *(const int *)a - *(const int *)b;
}

static void build_rows(struct pane *p)
{
	struct hist_priv *h = p->priv;
	const struct map_snapshot *s = snap_of(p);
	const struct type *t = p->map->decl->value;
	unsigned nb = mv_hist_nbuckets(t);
	int *order;

	h->n = 0;
	if (!s)
		return;
	order = malloc((s->n + 1) * sizeof(*order));
	for (size_t i = 0; i < s->n; i++)
		order[i] = (int)i;
	cmp_snap = (struct map_snapshot *)s;
	cmp_type = t;
	qsort(order, s->n, sizeof(*order), entry_cmp);
	for (size_t k = 0; k < s->n; k++) {
		const struct map_entry *e = &s->entries[order[k]];
		const uint64_t *b = e->value;
		int lo = -1, hi = -1;

		if (!key_matches(p, e))
			continue;
		if (view_of(p) == HV_PCT) {
			push_row(h, order[k], -1);
			continue;
		}
		for (unsigned i = 0; i < nb; i++)
			if (b[i]) {
				if (lo < 0)
					lo = (int)i;
				hi = (int)i;
			}
		if (p->map->decl->key)
			push_row(h, order[k], -1);
		for (int i = lo; lo >= 0 && i <= hi; i++)
			push_row(h, order[k], i);
	}
	free(order);
}

static void draw_bars(struct pane *p)
{
	struct hist_priv *h = p->priv;
	const struct map_snapshot *s = snap_of(p);
	const struct type *t = p->map->decl->value;
	struct workbench *wb = screen_wb(p->scr);
	int rows = body_rows(p), lw = 8;
	double max = 0;

	if (!h->n) {
		wattron(p->win, ui_attr(UC_DIM));
		draw_text(p->win, 1, 1, p->w - 1, p->conf && p->conf->delta ?
			  "nothing in the last interval" : "no samples yet");
		wattroff(p->win, ui_attr(UC_DIM));
		return;
	}
	for (int i = 0; i < h->n; i++) {
		char lab[48];

		if (h->rows[i].bucket < 0)
			continue;
		mv_hist_label(t, h->rows[i].bucket, lab, sizeof(lab));
		if ((int)strlen(lab) > lw)
			lw = (int)strlen(lab);
		{
			const uint64_t *b = s->entries[h->rows[i].entry].value;

			if (b[h->rows[i].bucket] > max)
				max = (double)b[h->rows[i].bucket];
		}
	}
	for (int i = p->top, y = 1; i < h->n && y <= rows; i++, y++) {
		const struct hrow *r = &h->rows[i];
		const struct map_entry *e = &s->entries[r->entry];
		bool sel = screen_is_focused(p->scr, p) && i == p->sel;

		if (sel)
			wattron(p->win, ui_attr(UC_SELECT));
		if (r->bucket < 0) {
			char kt[256];

			mv_key_text(wb->o, p->map->decl, e->key, kt, sizeof(kt));
			wattron(p->win, ui_attr(UC_HEADER));
			draw_textf(p->win, y, 0, p->w, "%s[%s]  total %llu", p->map->decl->name, kt,
				   (unsigned long long)total_of(t, e->value));
			wattroff(p->win, ui_attr(UC_HEADER));
		} else {
			char lab[48], cnt[16];
			uint64_t c = ((const uint64_t *)e->value)[r->bucket];
			int x;

			mv_hist_label(t, r->bucket, lab, sizeof(lab));
			fmt_num(cnt, sizeof(cnt), (double)c);
			x = draw_textf(p->win, y, 0, p->w, "%*s %7s ", lw, lab, cnt);
			if (sel)
				wattroff(p->win, ui_attr(UC_SELECT));
			draw_bar(p->win, y, x, p->w - x, max > 0 ? c / max : 0);
		}
		if (sel)
			wattroff(p->win, ui_attr(UC_SELECT));
	}
}

/* The value below which frac of the samples fall, interpolated in its bucket. */
static double percentile(const struct type *t, const uint64_t *b, uint64_t total, double frac)
{
	unsigned nb = mv_hist_nbuckets(t);
	double want = frac * (double)total, cum = 0;

	for (unsigned i = 0; i < nb; i++) {
		if (!b[i])
			continue;
		if (cum + b[i] >= want)
			return mv_hist_value(t, i, (want - cum) / (double)b[i]);
		cum += b[i];
	}
	return 0;
}

static void draw_pct(struct pane *p)
{
	struct hist_priv *h = p->priv;
	const struct map_snapshot *s = snap_of(p);
	const struct type *t = p->map->decl->value;
	struct workbench *wb = screen_wb(p->scr);
	int rows = body_rows(p) - 1, kw = p->w - 5 * 9 - 2;

	if (kw > 30)
		kw = 30;
	if (kw < 6)
		kw = 6;
	wattron(p->win, ui_attr(UC_HEADER));
	draw_textf(p->win, 1, 0, p->w, "%-*s %8s %8s %8s %8s %8s", kw, "KEY", "COUNT", "P50", "P90",
		   "P99", "MAX<");
	wattroff(p->win, ui_attr(UC_HEADER));
	for (int i = p->top, y = 2; i < h->n && y <= rows + 1; i++, y++) {
		const struct map_entry *e = &s->entries[h->rows[i].entry];
		const uint64_t *b = e->value;
		uint64_t tot = total_of(t, b);
		char kt[256], c[16], p50[16], p90[16], p99[16], mx[16];
		int top = -1;

		for (unsigned k = 0; k < mv_hist_nbuckets(t); k++)
			if (b[k])
				top = (int)k;
		mv_key_text(wb->o, p->map->decl, e->key, kt, sizeof(kt));
		fmt_num(c, sizeof(c), (double)tot);
		fmt_num(p50, sizeof(p50), percentile(t, b, tot, 0.50));
		fmt_num(p90, sizeof(p90), percentile(t, b, tot, 0.90));
		fmt_num(p99, sizeof(p99), percentile(t, b, tot, 0.99));
		fmt_num(mx, sizeof(mx), top >= 0 ? mv_hist_value(t, top, 1.0) : 0);
		if (screen_is_focused(p->scr, p) && i == p->sel)
			wattron(p->win, ui_attr(UC_SELECT));
		draw_textf(p->win, y, 0, p->w, "%-*.*s %8s %8s %8s %8s %8s", kw, kw,
			   p->map->decl->key ? kt : p->map->decl->name, c, p50, p90, p99, mx);
		wattroff(p->win, ui_attr(UC_SELECT));
	}
}

static void draw_heat_view(struct pane *p)
{
	struct wb_map *m = p->map;
	const struct type *t = m->decl->value;
	int lw = 10, cols, lo = -1, hi = -1, rows = body_rows(p);
	double max = 0;

	cols = p->w - lw - 2;
	if (cols > m->hn)
		cols = m->hn;
	if (cols <= 0 || !m->hn) {
		wattron(p->win, ui_attr(UC_DIM));
		draw_text(p->win, 1, 1, p->w - 1, "the heatmap starts after the second poll");
		wattroff(p->win, ui_attr(UC_DIM));
		return;
	}
	/* buckets seen in the visible window */
	for (int c = 0; c < cols; c++) {
		int slot = ((m->hhead - c) % m->hcols + m->hcols) % m->hcols;
		const int64_t *row = m->ring + (size_t)slot * m->hb;

		for (int b = 0; b < m->hb; b++) {
			if (row[b] <= 0)
				continue;
			if (lo < 0 || b < lo)
				lo = b;
			if (b > hi)
				hi = b;
			if (row[b] > max)
				max = (double)row[b];
		}
	}
	if (lo < 0) {
		wattron(p->win, ui_attr(UC_DIM));
		draw_text(p->win, 1, 1, p->w - 1, "no samples in the last intervals");
		wattroff(p->win, ui_attr(UC_DIM));
		return;
	}
	p->nrows = hi - lo + 1;
	{
		/* labels as wide as they need; without scrolling, center on the busiest bucket */
		int64_t best = -1;
		int mode = hi;

		lw = 3;
		for (int b = lo; b <= hi; b++) {
			char lab[48];
			int64_t sum = 0;

			mv_hist_label(t, b, lab, sizeof(lab));
			if ((int)strlen(lab) > lw)
				lw = (int)strlen(lab);
			for (int c = 0; c < cols; c++) {
				int slot = ((m->hhead - c) % m->hcols + m->hcols) % m->hcols;

				sum += m->ring[(size_t)slot * m->hb + b];
			}
			if (sum > best) {
				best = sum;
				mode = b;
			}
		}
		cols = p->w - lw - 2;
		if (cols > m->hn)
			cols = m->hn;
		if (!((struct hist_priv *)p->priv)->scrolled && p->nrows > rows)
			p->sel = p->top = (hi - mode) - rows / 2 > 0 ? (hi - mode) - rows / 2 : 0;
	}
	pane_clamp(p, rows);
	/* largest buckets on top */
	for (int y = 1, b = hi - p->top; y <= rows && b >= lo; y++, b--) {
		char lab[48];

		mv_hist_label(t, b, lab, sizeof(lab));
		draw_textf(p->win, y, 0, lw, "%*s", lw, lab);
		for (int c = 0; c < cols; c++) {
			int slot = ((m->hhead - (cols - 1 - c)) % m->hcols + m->hcols) % m->hcols;
			int64_t v = m->ring[(size_t)slot * m->hb + b];

			draw_heat(p->win, y, lw + 1 + c, v > 0 ? log1p((double)v) / log1p(max) : 0);
		}
	}
}

static void hist_draw(struct pane *p)
{
	struct hist_priv *h = p->priv;

	h->snap = snap_of(p);
	h->gen = p->map->gen + p->map->dgen;
	h->hgen = p->map->hgen;
	snprintf(h->filter, sizeof(h->filter), "%s", p->filter);
	h->view = view_of(p);
	h->delta = p->conf && p->conf->delta;
	if (h->view == HV_HEAT) {
		draw_heat_view(p);
		return;
	}
	build_rows(p);
	p->nrows = h->n;
	pane_clamp(p, body_rows(p) - (h->view == HV_PCT));
	if (h->view == HV_PCT)
		draw_pct(p);
	else
		draw_bars(p);
}

static void hist_title(struct pane *p, char *buf, size_t len)
{
	static const char *const names[] = { "buckets", "percentiles", "heatmap over time" };
	const struct map_snapshot *s = snap_of(p);

	snprintf(buf, len, "%s  %s%s  %zu key%s  (v: view%s)%s%s",
		 p->map->decl->value->kind == TY_LHIST ? "lhist" : "hist", names[view_of(p)],
		 p->conf && p->conf->delta && view_of(p) != HV_HEAT ? " per interval" : "",
		 s ? s->n : 0, s && s->n == 1 ? "" : "s", view_of(p) != HV_HEAT ? ", z: delta" : "",
		 p->filter[0] ? "  filter: " : "", p->filter);
}

static bool hist_changed(struct pane *p)
{
	struct hist_priv *h = p->priv;

	if (view_of(p) == HV_HEAT)
		return h->view != HV_HEAT || h->hgen != p->map->hgen;
	return h->snap != snap_of(p) || h->gen != p->map->gen + p->map->dgen ||
	       strcmp(h->filter, p->filter) || h->view != (int)view_of(p) ||
	       h->delta != (p->conf && p->conf->delta);
}

static int hist_want(struct pane *p)
{
	struct hist_priv *h = p->priv;

	if (view_of(p) == HV_HEAT)
		return 12;
	if (!h->n)
		build_rows(p);
	return 1 + (h->n < 2 ? 2 : h->n > 24 ? 24 : h->n) + (view_of(p) == HV_PCT);
}

static int hist_key(struct pane *p, int key)
{
	int r = pane_nav_key(p, key, body_rows(p));

	if (r) {
		((struct hist_priv *)p->priv)->scrolled = true;
		/* the heatmap has no row to select: the keys scroll it */
		if (view_of(p) == HV_HEAT)
			p->top = p->sel;
		return r;
	}
	switch (key) {
	case 'v': case 'h':
		((struct hist_priv *)p->priv)->scrolled = false;
		if (p->conf) {
			enum hview v = (view_of(p) + 1) % 3;

			snprintf(p->conf->view, sizeof(p->conf->view), "%s",
				 v == HV_PCT ? "pct" : v == HV_HEAT ? "heat" : "hist");
		}
		p->top = p->sel = 0;
		return K_HANDLED | K_RELAYOUT;
	case 'z':
		if (p->conf)
			p->conf->delta = !p->conf->delta;
		return K_HANDLED | K_REDRAW;
	}
	return K_UNHANDLED;
}

static void hist_filter(struct pane *p, const char *text)
{
	snprintf(p->filter, sizeof(p->filter), "%s", text);
	p->top = p->sel = 0;
}

static void hist_destroy(struct pane *p)
{
	struct hist_priv *h = p->priv;

	free(h->rows);
	free(h);
}

static const struct pane_ops hist_ops = {
	.kind = "hist",
	.draw = hist_draw,
	.title = hist_title,
	.changed = hist_changed,
	.want = hist_want,
	.key = hist_key,
	.filter = hist_filter,
	.keys_help = "v buckets/percentiles/heatmap, z totals/per-interval, / filter keys",
	.destroy = hist_destroy,
};

struct pane *pane_hist_new(struct screen *scr, const char *map)
{
	struct pane *p = pane_new(&hist_ops, scr, map);
	struct hist_priv *h = calloc(1, sizeof(*h));

	h->view = -1;
	p->priv = h;
	return p;
}
