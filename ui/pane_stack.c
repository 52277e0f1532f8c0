/* pane_stack: maps keyed by kstack/ustack: the top stacks by value, one line
 * each (leaf first, then its callers), symbolized once per stack id; Enter or
 * Right expands a stack into one frame per line. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "mapval.h"
#include "pane.h"
#include "runtime/symbols.h"
#include "screen.h"

#define MAX_FRAMES 127
#define MAX_EXPANDED 64
#define CACHE_MS 30000

struct frames {
	uint64_t id, pid;
	int n;
	char **f;
};

struct srow {
	int entry;
	int frame;              /* -1: the summary line */
};

struct stack_priv {
	const void *snap;
	uint64_t gen;
	char filter[128];
	bool delta;
	int field;              /* key field holding the stack (-1: the key itself) */
	struct frames *cache;
	int ncache, capcache;
	double cache_t;
	uint64_t expanded[MAX_EXPANDED];
	int nexp;
	int *order;             /* entries by value, filtered */
	int norder;
	struct srow *rows;
	int n, cap;
	bool prefetched;        /* kernel symbols asked for ahead of the first stack */
};

static int body_rows(struct pane *p)
{
	return p->h > 1 ? p->h - 1 : 1;
}

static const struct map_snapshot *snap_of(struct pane *p)
{
	return p->conf && p->conf->delta ? p->map->delta : p->map->cur;
}

static const struct type *stack_type(struct pane *p, const void *key, const void **at)
{
	const struct type *k = p->map->decl->key;

	if (k->kind == TY_TUPLE) {
		for (unsigned i = 0; i < k->nfields; i++) {
			const struct type *f = k->fields[i].type;

			if (f->kind == TY_KSTACK || f->kind == TY_USTACK) {
				*at = (const char *)key + k->fields[i].offset;
				return f;
			}
		}
		return NULL;
	}
	*at = key;
	return k;
}

static void cache_clear(struct stack_priv *s)
{
	for (int i = 0; i < s->ncache; i++) {
		for (int k = 0; k < s->cache[i].n; k++)
			free(s->cache[i].f[k]);
		free(s->cache[i].f);
	}
	s->ncache = 0;
}

static const struct frames *frames_of(struct pane *p, const void *key)
{
	struct stack_priv *s = p->priv;
	struct output *o = screen_wb(p->scr)->o;
	const void *at = NULL;
	const struct type *t = stack_type(p, key, &at);
	uint64_t id = 0, pid = 0, ips[MAX_FRAMES];
	struct frames *fr;
	int n;

	if (!t)
		return NULL;
	memcpy(&id, at, 8);
	if (t->kind == TY_USTACK)
		memcpy(&pid, (const char *)at + 8, 8);
	if (wb_now_ms() - s->cache_t > CACHE_MS) {
		cache_clear(s);
		s->cache_t = wb_now_ms();
	}
	for (int i = 0; i < s->ncache; i++)
		if (s->cache[i].id == id && s->cache[i].pid == pid)
			return &s->cache[i];
	if (s->ncache == s->capcache) {
		s->capcache = s->capcache ? s->capcache * 2 : 64;
		s->cache = realloc(s->cache, s->capcache * sizeof(*s->cache));
	}
	fr = &s->cache[s->ncache++];
	memset(fr, 0, sizeof(*fr));
	fr->id = id;
	fr->pid = pid;
	n = o->syms ? symbols_stack_ips(o->syms, t, id, ips, MAX_FRAMES) : -1;
	if (n <= 0) {
		fr->f = calloc(1, sizeof(char *));
		fr->f[0] = strdup(t->kind == TY_KSTACK ? "(no kernel frames: in user space, or lost)" :
				  "(no user frames: in the kernel, or lost)");
		fr->n = 1;
		return fr;
	}
	fr->f = calloc(n, sizeof(char *));
	for (int i = 0; i < n; i++) {
		char buf[256];

		if (t->kind == TY_KSTACK)
			symbols_ksym(o->syms, ips[i], true, buf, sizeof(buf));
		else
			symbols_usym(o->syms, ips[i], (int)pid, true, buf, sizeof(buf));
		fr->f[i] = strdup(buf);
	}
	fr->n = n;
	return fr;
}

static bool is_expanded(struct stack_priv *s, const struct frames *f)
{
	for (int i = 0; f && i < s->nexp; i++)
		if (s->expanded[i] == (f->id ^ (f->pid << 32)))
			return true;
	return false;
}

static double value_of(struct pane *p, const void *v)
{
	double d = 0;

	mv_num(p->map->decl->value, v, MV_VALUE, &d);
	return d;
}

static const struct map_snapshot *cmp_s;
static struct pane *cmp_p;

static int cmp_entry(const void *a, const void *b)
{
	double x = value_of(cmp_p, cmp_s->entries[*(const int *)a].value);
	double y = value_of(cmp_p, cmp_s->entries[*(const int *)b].value);

	return x < y ? 1 : x > y ? -1 : *(const int *)a - *(const int *)b;
}

static void other_fields(struct pane *p, const void *key, char *buf, size_t len)
{
	const struct type *k = p->map->decl->key;
	struct output *o = screen_wb(p->scr)->o;
	size_t off = 0;

	buf[0] = 0;
	if (k->kind != TY_TUPLE)
		return;
	for (unsigned i = 0; i < k->nfields && off + 8 < len; i++) {
		const struct type *f = k->fields[i].type;

		if (f->kind == TY_KSTACK || f->kind == TY_USTACK)
			continue;
		off += snprintf(buf + off, len - off, "%s", off ? ", " : "");
		mv_value_text(o, f, (const char *)key + k->fields[i].offset, buf + off, len - off);
		off += strlen(buf + off);
	}
}

static bool matches(struct pane *p, const void *key)
{
	const struct frames *f;
	char other[256];

	if (!p->filter[0])
		return true;
	other_fields(p, key, other, sizeof(other));
	if (strcasestr(other, p->filter))
		return true;
	f = frames_of(p, key);
	for (int i = 0; f && i < f->n; i++)
		if (strcasestr(f->f[i], p->filter))
			return true;
	return false;
}

static void build(struct pane *p)
{
	struct stack_priv *s = p->priv;
	const struct map_snapshot *snap = snap_of(p);
	int rows = body_rows(p);

	s->n = s->norder = 0;
	if (!snap)
		return;
	s->order = realloc(s->order, (snap->n + 1) * sizeof(*s->order));
	for (size_t i = 0; i < snap->n; i++)
		s->order[s->norder++] = (int)i;
	cmp_s = snap;
	cmp_p = p;
	qsort(s->order, s->norder, sizeof(*s->order), cmp_entry);
	for (int k = 0; k < s->norder; k++) {
		const void *key = snap->entries[s->order[k]].key;
		const struct frames *f;

		/* symbolize only what can be seen or filtered */
		if (!p->filter[0] && s->n > p->top + rows * 3 && !s->nexp) {
			if (s->n == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 64;
				s->rows = realloc(s->rows, s->cap * sizeof(*s->rows));
			}
			s->rows[s->n++] = (struct srow){ s->order[k], -1 };
			continue;
		}
		if (!matches(p, key))
			continue;
		f = frames_of(p, key);
		for (int fi = -1; fi < (is_expanded(s, f) ? f->n : 0); fi++) {
			if (s->n == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 64;
				s->rows = realloc(s->rows, s->cap * sizeof(*s->rows));
			}
			s->rows[s->n++] = (struct srow){ s->order[k], fi };
		}
	}
	p->nrows = s->n;
}

static void stack_draw(struct pane *p)
{
	struct stack_priv *s = p->priv;
	const struct map_snapshot *snap = snap_of(p);
	int rows = body_rows(p);
	double max = 0;

	if (!s->prefetched) {
		const struct type *k = p->map->decl->key;
		bool kernel = k->kind == TY_KSTACK;

		for (unsigned i = 0; k->kind == TY_TUPLE && i < k->nfields; i++)
			kernel |= k->fields[i].type->kind == TY_KSTACK;
		/* the pane shows "no stacks yet" for a poll or more: time enough to
		 * read /proc/kallsyms aside instead of in the first real draw */
		if (kernel)
			symbols_prefetch_kernel(screen_wb(p->scr)->o->syms);
		s->prefetched = true;
	}
	s->snap = snap;
	s->gen = p->map->gen + p->map->dgen;
	s->delta = p->conf && p->conf->delta;
	snprintf(s->filter, sizeof(s->filter), "%s", p->filter);
	build(p);
	pane_clamp(p, rows);
	if (!s->n) {
		wattron(p->win, ui_attr(UC_DIM));
		draw_text(p->win, 1, 1, p->w - 1, p->filter[0] ? "no stack matches the filter" :
			  "no stacks yet");
		wattroff(p->win, ui_attr(UC_DIM));
		return;
	}
	for (int i = 0; i < s->n; i++)
		if (s->rows[i].frame < 0) {
			double v = value_of(p, snap->entries[s->rows[i].entry].value);

			if (v > max)
				max = v;
		}
	for (int i = p->top, y = 1; i < s->n && y <= rows; i++, y++) {
		const struct srow *r = &s->rows[i];
		const void *key = snap->entries[r->entry].key;
		const struct frames *f = frames_of(p, key);
		bool sel = screen_is_focused(p->scr, p) && i == p->sel;
		int x;

		if (sel)
			wattron(p->win, ui_attr(UC_SELECT));
		if (r->frame >= 0) {
			draw_textf(p->win, y, 0, p->w, "%8s   %s", "", f->f[r->frame]);
		} else {
			char v[16], line[2048], other[256];
			size_t off = 0;

			fmt_num(v, sizeof(v), value_of(p, snap->entries[r->entry].value));
			other_fields(p, key, other, sizeof(other));
			if (other[0])
				off += snprintf(line, sizeof(line), "[%s] ", other);
			for (int k = 0; f && k < f->n && off + 8 < sizeof(line); k++)
				off += snprintf(line + off, sizeof(line) - off, "%s%s", k ? " < " : "",
						f->f[k]);
			if (!off)
				snprintf(line, sizeof(line), "?");
			x = draw_textf(p->win, y, 0, 8, "%8s", v);
			if (sel)
				wattroff(p->win, ui_attr(UC_SELECT));
			draw_bar(p->win, y, x + 1, 6, max > 0 ? value_of(p, snap->entries[r->entry].value) / max : 0);
			if (sel)
				wattron(p->win, ui_attr(UC_SELECT));
			draw_textf(p->win, y, x + 8, p->w - x - 8, "%s %s", is_expanded(s, f) ? "-" : "+",
				   line);
		}
		if (sel)
			wattroff(p->win, ui_attr(UC_SELECT));
	}
}

static void stack_title(struct pane *p, char *buf, size_t len)
{
	struct stack_priv *s = p->priv;
	char vt[32];

	type_name(p->map->decl->value, vt, sizeof(vt));
	const struct map_snapshot *snap = snap_of(p);
	int n = snap ? (int)snap->n : 0;

	(void)s;
	snprintf(buf, len, "%s by stack  %d stack%s%s  (Enter: expand, leaf first)%s%s", vt,
		 n, n == 1 ? "" : "s", p->conf && p->conf->delta ? " per interval" : "",
		 p->filter[0] ? "  filter: " : "", p->filter);
}

static bool stack_changed(struct pane *p)
{
	struct stack_priv *s = p->priv;

	return s->snap != snap_of(p) || s->gen != p->map->gen + p->map->dgen ||
	       strcmp(s->filter, p->filter) || s->delta != (p->conf && p->conf->delta);
}

static int stack_want(struct pane *p)
{
	struct stack_priv *s = p->priv;
	const struct map_snapshot *snap = snap_of(p);
	int n = snap ? (int)snap->n : 0;

	/* an expanded stack asks for a line per frame */
	if (s->nexp && s->n > n)
		n = s->n;
	return 1 + (n < 2 ? 2 : n > 20 ? 20 : n);
}

static int stack_key(struct pane *p, int key)
{
	struct stack_priv *s = p->priv;
	const struct map_snapshot *snap = snap_of(p);
	int r = pane_nav_key(p, key, body_rows(p));

	if (r)
		return r;
	switch (key) {
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case KEY_LEFT: case 'e': {
		const struct frames *f;
		uint64_t tag;

		if (s->snap != snap)
			build(p);       /* rows index the snapshot they were built from */
		if (!snap || p->sel < 0 || p->sel >= s->n)
			return K_HANDLED;
		f = frames_of(p, snap->entries[s->rows[p->sel].entry].key);
		if (!f)
			return K_HANDLED;
		tag = f->id ^ (f->pid << 32);
		if (is_expanded(s, f)) {
			for (int i = 0; i < s->nexp; i++)
				if (s->expanded[i] == tag)
					s->expanded[i] = s->expanded[--s->nexp];
			/* back to the summary line */
			while (p->sel > 0 && s->rows[p->sel].frame >= 0)
				p->sel--;
		} else if (key != KEY_LEFT && s->nexp < MAX_EXPANDED) {
			s->expanded[s->nexp++] = tag;
		}
		/* rows now, so the pane's share of the screen follows before drawing */
		build(p);
		s->snap = NULL;
		return K_HANDLED | K_REDRAW;
	}
	case 'z':
		if (p->conf)
			p->conf->delta = !p->conf->delta;
		return K_HANDLED | K_REDRAW;
	}
	return K_UNHANDLED;
}

static void stack_filter(struct pane *p, const char *text)
{
	snprintf(p->filter, sizeof(p->filter), "%s", text);
	p->top = p->sel = 0;
}

static void stack_destroy(struct pane *p)
{
	struct stack_priv *s = p->priv;

	cache_clear(s);
	free(s->cache);
	free(s->order);
	free(s->rows);
	free(s);
}

static const struct pane_ops stack_ops = {
	.kind = "stack",
	.draw = stack_draw,
	.title = stack_title,
	.changed = stack_changed,
	.want = stack_want,
	.key = stack_key,
	.filter = stack_filter,
	.keys_help = "Enter/Right expand a stack, Left collapse, z per-interval, / filter frames",
	.destroy = stack_destroy,
};

struct pane *pane_stack_new(struct screen *scr, const char *map)
{
	struct pane *p = pane_new(&stack_ops, scr, map);

	p->priv = calloc(1, sizeof(struct stack_priv));
	return p;
}
