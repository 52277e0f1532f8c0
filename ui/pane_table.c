/* pane_table: keyed count/sum/avg/min/max/stats (and plain value) maps as a
 * table sorted by value with a bar column; more maps of the same key type can
 * be joined in as columns (DTrace printa style). s cycles the sort column,
 * r reverses, z switches totals/per-interval, / filters, Enter drills down. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "mapval.h"
#include "pane.h"
#include "screen.h"

#define MAXJ 6                  /* maps in one table */
#define MAXC 8                  /* value columns */
#define KEYTEXT 256
#define SORT_MIN 512            /* rows put in order at least; the rest when scrolled to */

struct tcol {
	char head[48];
	int map;                /* index into maps[] */
	enum mv_field f;
};

struct trow {
	const void *key;
	const void *val[MAXJ];  /* each map's value for this key (NULL: none) */
	double v[MAXC];
	bool has[MAXC];
	char *kt;               /* key text, made when needed */
};

struct tbl_priv {
	struct wb_map *maps[MAXJ];
	int nmaps;
	struct tcol cols[MAXC];
	int ncols;
	bool numeric;
	struct trow *rows;
	int n, cap;
	const void *sig_snap[MAXJ];
	struct wb_map *sig_map[MAXJ];
	int sig_nmaps;
	uint64_t sig_gen[MAXJ];
	char sig_filter[128];
	int sig_sort;
	bool sig_rev, sig_delta;
	char sig_join[192];
	bool built;
	int sorted;             /* rows[0..sorted) are in order */
	double colmax;
};

static int body_rows(struct pane *p)
{
	return p->h > 2 ? p->h - 2 : 1;       /* title and header */
}

static const struct map_snapshot *snap_of(struct pane *p, struct wb_map *m)
{
	return p->conf && p->conf->delta ? m->delta : m->cur;
}

static void free_rows(struct tbl_priv *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->rows[i].kt);
	t->n = 0;
}

static const char *key_text(struct pane *p, struct trow *r)
{
	struct tbl_priv *t = p->priv;

	if (!r->kt) {
		char buf[KEYTEXT];

		mv_key_text(screen_wb(p->scr)->o, t->maps[0]->decl, r->key, buf, sizeof(buf));
		r->kt = strdup(buf);
	}
	return r->kt;
}

/* Which maps and columns this table shows. */
static void setup(struct pane *p)
{
	struct tbl_priv *t = p->priv;
	struct workbench *wb = screen_wb(p->scr);
	char join[192], *save = NULL, *name;

	t->nmaps = 0;
	t->maps[t->nmaps++] = p->map;
	if (p->conf && p->conf->join[0]) {
		snprintf(join, sizeof(join), "%s", p->conf->join);
		for (name = strtok_r(join, " ", &save); name && t->nmaps < MAXJ;
		     name = strtok_r(NULL, " ", &save)) {
			struct wb_map *m = wb_map_find(wb, name);

			if (m && m->decl->key && type_equal(m->decl->key, p->map->decl->key))
				t->maps[t->nmaps++] = m;
		}
	}
	t->ncols = 0;
	t->numeric = true;
	for (int i = 0; i < t->nmaps && t->ncols < MAXC; i++) {
		const struct type *vt = t->maps[i]->decl->value;
		const char *nm = t->maps[i]->decl->name;
		struct tcol *c = &t->cols[t->ncols];

		if (!mv_is_numeric(vt)) {
			t->numeric = t->numeric && i > 0;
			c->map = i;
			c->f = MV_VALUE;
			snprintf(c->head, sizeof(c->head), "%s", t->nmaps > 1 ? nm : "VALUE");
			t->ncols++;
			continue;
		}
		if (vt->kind == TY_STATS && t->ncols + 3 <= MAXC) {
			static const enum mv_field fs[] = { MV_COUNT, MV_AVG, MV_TOTAL };
			static const char *const hs[] = { "COUNT", "AVG", "TOTAL" };

			for (int k = 0; k < 3; k++) {
				c = &t->cols[t->ncols++];
				c->map = i;
				c->f = fs[k];
				if (t->nmaps > 1)
					snprintf(c->head, sizeof(c->head), "%s.%s", nm, hs[k]);
				else
					snprintf(c->head, sizeof(c->head), "%s", hs[k]);
			}
			continue;
		}
		c->map = i;
		c->f = MV_VALUE;
		if (t->nmaps > 1)
			snprintf(c->head, sizeof(c->head), "%s", nm);
		else
			snprintf(c->head, sizeof(c->head), "%s",
				 vt->kind == TY_COUNT ? "COUNT" : vt->kind == TY_SUM ? "SUM" :
				 vt->kind == TY_AVG ? "AVG" : vt->kind == TY_MIN ? "MIN" :
				 vt->kind == TY_MAX ? "MAX" : "VALUE");
		t->ncols++;
	}
}

/* Open-addressing index of one snapshot's keys. */
struct kix {
	size_t cap, *slot;
	const struct map_snapshot *s;
	size_t ks;
};

static uint64_t hash(const void *k, size_t n)
{
	const unsigned char *p = k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void kix_build(struct kix *x, const struct map_snapshot *s, size_t ks)
{
	x->s = s;
	x->ks = ks;
	x->cap = 16;
	while (s && x->cap < s->n * 2)
		x->cap <<= 1;
	x->slot = calloc(x->cap, sizeof(*x->slot));
	for (size_t i = 0; s && i < s->n; i++) {
		size_t h = hash(s->entries[i].key, ks) & (x->cap - 1);

		while (x->slot[h])
			h = (h + 1) & (x->cap - 1);
		x->slot[h] = i + 1;
	}
}

static const void *kix_find(struct kix *x, const void *key)
{
	size_t h = hash(key, x->ks) & (x->cap - 1);

	while (x->slot[h]) {
		const struct map_entry *e = &x->s->entries[x->slot[h] - 1];

		if (!memcmp(e->key, key, x->ks))
			return e->value;
		h = (h + 1) & (x->cap - 1);
	}
	return NULL;
}

static struct pane *sort_pane;

static int row_cmp(const void *a, const void *b)
{
	struct pane *p = sort_pane;
	struct tbl_priv *t = p->priv;
	struct trow *x = (struct trow *)a, *y = (struct trow *)b;
	int col = p->conf ? p->conf->sort : 0, r;
	bool rev = p->conf && p->conf->reverse;

	if (col >= t->ncols || !t->numeric) {
		/* by key, ascending unless reversed; integer keys by value */
		const struct type *kt = t->maps[0]->decl->key;

		if (kt->kind == TY_INT) {
			double a = 0, b = 0;

			mv_num(kt, x->key, MV_VALUE, &a);
			mv_num(kt, y->key, MV_VALUE, &b);
			r = a < b ? -1 : a > b;
		} else if (kt->kind == TY_STRING) {
			r = strncmp(x->key, y->key, kt->size);
		} else {
			r = strcmp(key_text(p, x), key_text(p, y));
		}
		return rev ? -r : r;
	}
	if (x->has[col] != y->has[col])
		return x->has[col] ? -1 : 1;
	r = x->v[col] < y->v[col] ? 1 : x->v[col] > y->v[col] ? -1 : 0;
	if (!r)
		r = memcmp(x->key, y->key, t->maps[0]->decl->key_size);
	return rev ? -r : r;
}

static void swap_rows(struct trow *a, struct trow *b)
{
	struct trow t = *a;

	*a = *b;
	*b = t;
}

/* Rearranges v so that v[0..k) are the k first rows in row_cmp order (Hoare's
 * selection, middle pivot). */
static void select_first(struct trow *v, int n, int k)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		int i = lo, j = hi;
		struct trow pivot = v[lo + (hi - lo) / 2];

		while (i <= j) {
			while (row_cmp(&v[i], &pivot) < 0)
				i++;
			while (row_cmp(&v[j], &pivot) > 0)
				j--;
			if (i <= j)
				swap_rows(&v[i++], &v[j--]);
		}
		if (k - 1 <= j)
			hi = j;
		else if (k - 1 >= i)
			lo = i;
		else
			break;
	}
}

static bool need_rebuild(struct pane *p)
{
	struct tbl_priv *t = p->priv;
	struct pane_conf *c = p->conf;

	/* joined maps may have been replaced: look them up again, never through
	 * the old pointers */
	setup(p);
	if (!t->built || strcmp(t->sig_filter, p->filter) || t->nmaps != t->sig_nmaps)
		return true;
	for (int i = 0; i < t->nmaps; i++)
		if (t->maps[i] != t->sig_map[i])
			return true;
	if (c && (c->sort != t->sig_sort || c->reverse != t->sig_rev || c->delta != t->sig_delta ||
		  strcmp(c->join, t->sig_join)))
		return true;
	for (int i = 0; i < t->nmaps; i++) {
		const struct map_snapshot *s = snap_of(p, t->maps[i]);

		if (s != t->sig_snap[i] || t->maps[i]->gen + t->maps[i]->dgen != t->sig_gen[i])
			return true;
	}
	return false;
}

static void rebuild(struct pane *p)
{
	struct tbl_priv *t = p->priv;
	const struct map_snapshot *own;
	struct kix ix[MAXJ];
	size_t ks = p->map->decl->key_size;

	setup(p);
	free_rows(t);
	own = snap_of(p, p->map);
	memset(ix, 0, sizeof(ix));
	for (int i = 1; i < t->nmaps; i++)
		kix_build(&ix[i], snap_of(p, t->maps[i]), ks);
	if (own && own->n > (size_t)t->cap) {
		t->cap = (int)own->n;
		t->rows = realloc(t->rows, t->cap * sizeof(*t->rows));
	}
	for (size_t e = 0; own && e < own->n; e++) {
		struct trow *r = &t->rows[t->n];

		memset(r, 0, sizeof(*r));
		r->key = own->entries[e].key;
		r->val[0] = own->entries[e].value;
		for (int i = 1; i < t->nmaps; i++)
			r->val[i] = ix[i].s ? kix_find(&ix[i], r->key) : NULL;
		for (int c = 0; c < t->ncols; c++) {
			const void *v = r->val[t->cols[c].map];

			r->has[c] = v && mv_num(t->maps[t->cols[c].map]->decl->value, v, t->cols[c].f,
						&r->v[c]);
		}
		if (p->filter[0] && !strcasestr(key_text(p, r), p->filter)) {
			free(r->kt);
			continue;
		}
		t->n++;
	}
	for (int i = 1; i < t->nmaps; i++)
		free(ix[i].slot);
	sort_pane = p;
	{
		/* only the rows that can be seen need an order: select the first K,
		 * sort those, and sort the rest if someone scrolls that far */
		int k = p->top + 3 * body_rows(p);

		if (k < SORT_MIN)
			k = SORT_MIN;
		if (t->n > 2 * k) {
			select_first(t->rows, t->n, k);
			qsort(t->rows, k, sizeof(*t->rows), row_cmp);
			t->sorted = k;
		} else {
			if (t->n > 1)
				qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
			t->sorted = t->n;
		}
	}
	p->nrows = t->n;
	/* bars scale to the sort column (or the first numeric one) */
	t->colmax = 0;
	{
		int col = p->conf && p->conf->sort < t->ncols ? p->conf->sort : 0;

		for (int i = 0; i < t->n; i++)
			if (t->rows[i].has[col] && t->rows[i].v[col] > t->colmax)
				t->colmax = t->rows[i].v[col];
	}
	t->built = true;
	snprintf(t->sig_filter, sizeof(t->sig_filter), "%s", p->filter);
	if (p->conf) {
		t->sig_sort = p->conf->sort;
		t->sig_rev = p->conf->reverse;
		t->sig_delta = p->conf->delta;
		snprintf(t->sig_join, sizeof(t->sig_join), "%s", p->conf->join);
	}
	t->sig_nmaps = t->nmaps;
	for (int i = 0; i < t->nmaps; i++) {
		t->sig_map[i] = t->maps[i];
		t->sig_snap[i] = snap_of(p, t->maps[i]);
		t->sig_gen[i] = t->maps[i]->gen + t->maps[i]->dgen;
	}
}

static void tbl_draw(struct pane *p)
{
	struct tbl_priv *t = p->priv;
	struct workbench *wb = screen_wb(p->scr);
	bool focus = screen_is_focused(p->scr, p);
	int rows = body_rows(p), colw = 10, kw, x, sortc;
	int valw;

	if (need_rebuild(p))
		rebuild(p);
	pane_clamp(p, rows);
	if (p->top + rows > t->sorted && t->sorted < t->n) {
		sort_pane = p;
		qsort(t->rows + t->sorted, t->n - t->sorted, sizeof(*t->rows), row_cmp);
		t->sorted = t->n;
	}
	sortc = p->conf ? p->conf->sort : 0;
	/* key column: what the visible keys need, at most half the width */
	kw = 3;
	for (int i = p->top; i < t->n && i < p->top + rows; i++) {
		int w = text_width(key_text(p, &t->rows[i]));

		if (w > kw)
			kw = w;
	}
	for (int c = 0; c < t->ncols; c++) {
		int hw = (int)strlen(t->cols[c].head) + 1;

		if (hw > colw && hw < 20)
			colw = hw;
	}
	if (!t->numeric)
		colw = p->w / 3 > 12 ? p->w / 3 : 12;
	valw = t->ncols * (colw + 1);
	if (kw > p->w - valw - 8)
		kw = p->w - valw - 8;
	if (kw > p->w / 2 && t->numeric)
		kw = p->w / 2;
	if (kw < 6)
		kw = 6;
	/* header */
	wattron(p->win, ui_attr(UC_HEADER));
	x = draw_textf(p->win, 1, 0, kw, "%s%s", "KEY", sortc >= t->ncols ? "*" : "");
	x = kw + 1;
	for (int c = 0; c < t->ncols && x < p->w; c++) {
		char h[64];

		snprintf(h, sizeof(h), "%s%s", t->cols[c].head, c == sortc ? "*" : "");
		draw_textf(p->win, 1, x, p->w - x, "%*s", colw, h);
		x += colw + 1;
	}
	wattroff(p->win, ui_attr(UC_HEADER));
	if (!t->n) {
		wattron(p->win, ui_attr(UC_DIM));
		draw_text(p->win, 2, 1, p->w - 1, p->filter[0] ? "no key matches the filter" :
			  p->conf && p->conf->delta ? "nothing changed in the last interval" :
			  "empty");
		wattroff(p->win, ui_attr(UC_DIM));
	}
	for (int i = p->top, y = 2; i < t->n && y < p->h; i++, y++) {
		struct trow *r = &t->rows[i];
		bool sel = focus && i == p->sel;

		if (sel)
			wattron(p->win, ui_attr(UC_SELECT));
		draw_text(p->win, y, 0, kw, key_text(p, r));
		x = kw + 1;
		for (int c = 0; c < t->ncols && x < p->w; c++) {
			char v[64] = "-";

			if (r->has[c])
				fmt_num(v, sizeof(v), r->v[c]);
			else if (r->val[t->cols[c].map] &&
				 !mv_is_numeric(t->maps[t->cols[c].map]->decl->value))
				mv_value_text(wb->o, t->maps[t->cols[c].map]->decl->value,
					      r->val[t->cols[c].map], v, sizeof(v));
			if (mv_is_numeric(t->maps[t->cols[c].map]->decl->value))
				draw_textf(p->win, y, x, p->w - x, "%*s", colw, v);
			else
				draw_textf(p->win, y, x, p->w - x, " %-*s", colw - 1, v);
			x += colw + 1;
		}
		if (sel) {
			for (int k = 0; k < p->w; k++)
				if ((mvwinch(p->win, y, k) & A_CHARTEXT) == ' ')
					mvwchgat(p->win, y, k, 1, ui_attr(UC_SELECT), 0, NULL);
			wattroff(p->win, ui_attr(UC_SELECT));
		}
		if (t->numeric && x < p->w - 1) {
			int col = sortc < t->ncols ? sortc : 0;

			if (r->has[col] && t->colmax > 0)
				draw_bar(p->win, y, x + 1, p->w - x - 1, r->v[col] / t->colmax);
		}
	}
}

static void tbl_title(struct pane *p, char *buf, size_t len)
{
	struct tbl_priv *t = p->priv;
	const struct map_decl *d = p->map->decl;
	char kt[64] = "", vt[32] = "";

	if (d->key)
		type_name(d->key, kt, sizeof(kt));
	type_name(d->value, vt, sizeof(vt));
	const struct map_snapshot *s = snap_of(p, p->map);
	int n = p->filter[0] ? t->n : s ? (int)s->n : 0;

	snprintf(buf, len, "%s by [%s]  %d key%s%s%s%s%s", vt, kt, n, n == 1 ? "" : "s",
		 p->conf && p->conf->delta ? "  per interval (z: totals)" : "",
		 p->filter[0] ? "  filter: " : "", p->filter, p->map->err ? "  read error" : "");
}

static bool tbl_changed(struct pane *p)
{
	return need_rebuild(p);
}

static int tbl_want(struct pane *p)
{
	const struct map_snapshot *s = snap_of(p, p->map);
	int n = s ? (int)s->n : 0;

	return 2 + (n < 1 ? 1 : n > 30 ? 30 : n);
}

static int tbl_key(struct pane *p, int key)
{
	struct tbl_priv *t = p->priv;
	int r = pane_nav_key(p, key, body_rows(p));

	if (r)
		return r;
	switch (key) {
	case 's':
		setup(p);
		if (p->conf)
			p->conf->sort = (p->conf->sort + 1) % (t->ncols + 1);
		return K_HANDLED | K_REDRAW;
	case 'r':
		if (p->conf)
			p->conf->reverse = !p->conf->reverse;
		return K_HANDLED | K_REDRAW;
	case 'z':
		if (p->conf)
			p->conf->delta = !p->conf->delta;
		return K_HANDLED | K_REDRAW;
	case '\n': case '\r': case KEY_ENTER: {
		const char *why = NULL;
		int cursor = 0;
		char *clause;

		if (need_rebuild(p))
			rebuild(p);
		if (p->sel >= t->sorted && t->sorted < t->n) {
			sort_pane = p;
			qsort(t->rows + t->sorted, t->n - t->sorted, sizeof(*t->rows), row_cmp);
			t->sorted = t->n;
		}
		if (p->sel < 0 || p->sel >= t->n)
			return K_HANDLED;
		clause = mv_drill_clause(screen_wb(p->scr), p->map->decl->name, t->rows[p->sel].key,
					 &cursor, &why);
		if (!clause) {
			screen_status(p->scr, "drill-down: %s", why);
			return K_HANDLED;
		}
		screen_prompt_fill(p->scr, clause, cursor);
		free(clause);
		return K_HANDLED | K_REDRAW_ALL;
	}
	}
	return K_UNHANDLED;
}

static void tbl_filter(struct pane *p, const char *text)
{
	snprintf(p->filter, sizeof(p->filter), "%s", text);
	p->sel = p->top = 0;
}

static void tbl_destroy(struct pane *p)
{
	struct tbl_priv *t = p->priv;

	free_rows(t);
	free(t->rows);
	free(t);
}

static const struct pane_ops table_ops = {
	.kind = "table",
	.draw = tbl_draw,
	.title = tbl_title,
	.changed = tbl_changed,
	.want = tbl_want,
	.key = tbl_key,
	.filter = tbl_filter,
	.keys_help = "s sort column, r reverse, z totals/per-interval, / filter, "
		     "Enter drill down into the key",
	.destroy = tbl_destroy,
};

struct pane *pane_table_new(struct screen *scr, const char *map)
{
	struct pane *p = pane_new(&table_ops, scr, map);

	p->priv = calloc(1, sizeof(struct tbl_priv));
	return p;
}
