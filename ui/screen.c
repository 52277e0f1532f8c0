/* screen: panes, layout, key routing and drawing (see screen.h).
 * Keys go to the prompt or to the focused pane; handlers only return flags,
 * and screen_draw is the one place that draws: a pane is drawn again only when
 * it is marked dirty or its changed() says its data moved. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "complete.h"
#include "draw.h"
#include "prompt.h"
#include "screen.h"
#include "textutil.h"

#define STATUS_MS 4000

int pane_scalar_count(struct pane *p);

static const char *const global_keys[][2] = {
	{ "Tab / Shift-Tab", "next / previous pane (the prompt is one of them)" },
	{ "Esc, i", "back to the prompt; : starts a command there" },
	{ "arrows, PgUp/PgDn", "scroll the focused pane (at the prompt: PgUp/PgDn scroll output)" },
	{ "s, r", "sort column, reverse (tables)" },
	{ "z", "totals vs per-interval changes" },
	{ "v", "histogram: buckets / percentiles / heatmap" },
	{ "Enter", "table: new clause filtered on this key; stack: expand; clauses: edit" },
	{ "/", "filter rows (output: search; n/N jump)" },
	{ "p", "pause / resume polling" },
	{ "t", "kernel BPF stats on/off (events/s, ns per event)" },
	{ "q", "quit (asks while clauses are attached); Ctrl-C quits" },
	{ "at the prompt", "Tab completes, Up/Down history, F1 this help, :help commands" },
};

static struct pane *focused(struct screen *scr)
{
	return scr->focus >= 0 && scr->focus < scr->npanes ? scr->panes[scr->focus] : NULL;
}

bool screen_is_focused(const struct screen *scr, const struct pane *p)
{
	return scr->focus >= 0 && scr->focus < scr->npanes && scr->panes[scr->focus] == p;
}

void screen_mark_all(struct screen *scr)
{
	for (int i = 0; i < scr->npanes; i++)
		scr->panes[i]->dirty = true;
	scr->status_dirty = true;
}

void screen_data_changed(struct screen *scr)
{
	scr->status_dirty = true;
}

void screen_status(struct screen *scr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(scr->status, sizeof(scr->status), fmt, ap);
	va_end(ap);
	scr->status_until = wb_now_ms() + STATUS_MS;
	scr->status_dirty = true;
}

struct screen *screen_new(struct cmd_host *host)
{
	struct screen *scr = calloc(1, sizeof(*scr));
	char hist[4096];
	const char *home = getenv("HOME");

	scr->host = host;
	scr->focus = -1;
	snprintf(hist, sizeof(hist), "%s/.bpfdeck_history", home && *home ? home : "/tmp");
	if (getenv("BPFDECK_HISTORY"))
		snprintf(hist, sizeof(hist), "%s", getenv("BPFDECK_HISTORY"));
	scr->prompt = prompt_new(*hist && strcmp(hist, "/dev/null") ? hist : NULL);
	scr->panes = calloc(2, sizeof(*scr->panes));
	scr->panes[scr->npanes++] = pane_clauses_new(scr);
	scr->panes[scr->npanes++] = pane_output_new(scr);
	scr->need_layout = true;
	scr->wb_gen = (uint64_t)-1;
	return scr;
}

void screen_free(struct screen *scr)
{
	if (!scr)
		return;
	for (int i = 0; i < scr->npanes; i++)
		pane_free(scr->panes[i]);
	free(scr->panes);
	prompt_free(scr->prompt);
	if (scr->statusw)
		delwin(scr->statusw);
	if (scr->promptw)
		delwin(scr->promptw);
	if (scr->overlay)
		delwin(scr->overlay);
	free(scr);
}

/* ------------------------------------------------------------ panes */

static const char *ctor_kind(pane_ctor c)
{
	return c == pane_table_new ? "table" : c == pane_hist_new ? "hist" :
	       c == pane_stack_new ? "stack" : "?";
}

static struct pane *take(struct pane **old, int nold, const char *name, const char *kind)
{
	for (int i = 0; i < nold; i++) {
		if (old[i] && !strcmp(old[i]->name, name) && !strcmp(old[i]->ops->kind, kind)) {
			struct pane *p = old[i];

			old[i] = NULL;
			return p;
		}
	}
	return NULL;
}

void screen_sync(struct screen *scr)
{
	struct workbench *wb = screen_wb(scr);
	struct layout *l = scr->host->layout;
	struct pane **old = scr->panes, **nv, *foc = focused(scr);
	int nold = scr->npanes, n = 0, nscalar = 0;

	/* layout entries first: adding one may move the array */
	for (int i = 0; i < wb->nmaps; i++)
		layout_get(l, wb->maps[i]->decl->name, true);
	if (scr->wb_seen == wb && scr->wb_gen == wb->gen) {
		for (int i = 0; i < scr->npanes; i++)
			if (scr->panes[i]->map)
				scr->panes[i]->conf = layout_get(l, scr->panes[i]->name, true);
		return;
	}
	if (scr->wb_seen != wb) {
		/* a new workbench (:load): map panes point into the old one */
		for (int i = 0; i < nold; i++) {
			if (!old[i]->map)
				continue;
			if (old[i] == foc)
				foc = NULL;
			pane_free(old[i]);
			old[i] = NULL;
		}
	}
	nv = calloc(wb->nmaps + 4, sizeof(*nv));
	nv[n++] = take(old, nold, "clauses", "clauses");
	for (int i = 0; i < wb->nmaps; i++) {
		struct wb_map *m = wb->maps[i];
		struct pane_conf *c = layout_get(l, m->decl->name, false);
		pane_ctor ctor;
		struct pane *p;

		if (c && c->hidden)
			continue;
		if (map_is_scalar(m, c)) {
			nscalar++;
			continue;
		}
		ctor = pane_kind_for(m, c);
		if (!ctor)
			continue;
		p = take(old, nold, m->decl->name, ctor_kind(ctor));
		if (!p)
			p = ctor(scr, m->decl->name);
		p->map = m;
		p->conf = c;
		p->dirty = true;
		nv[n++] = p;
	}
	if (nscalar) {
		struct pane *p = take(old, nold, "scalars", "scalars");

		nv[n++] = p ? p : pane_scalar_new(scr);
	}
	nv[n++] = take(old, nold, "output", "output");
	for (int i = 0; i < nold; i++)
		if (old[i]) {
			if (old[i] == foc)
				foc = NULL;
			pane_free(old[i]);
		}
	free(old);
	scr->panes = nv;
	scr->npanes = n;
	scr->focus = -1;
	for (int i = 0; foc && i < n; i++)
		if (nv[i] == foc)
			scr->focus = i;
	scr->wb_seen = wb;
	scr->wb_gen = wb->gen;
	scr->need_layout = true;
}

/* ------------------------------------------------------------ layout */

/* Heights for panes [from, to) sharing rows, the focused one favoured; panes
 * that do not fit with 3 rows are collapsed to their title line. */
static int alloc_heights(struct screen *scr, struct pane **v, int n, int rows, int *h)
{
	int used = 0, nexp = n, k;
	int *want = calloc(n + 1, sizeof(int));

	for (int i = 0; i < n; i++) {
		want[i] = v[i]->want = v[i]->ops->want(v[i]);
		if (want[i] < 2)
			want[i] = 2;
		h[i] = 1;
	}
	/* as many as fit at 3 rows with the rest as title lines: the focused
	 * pane first, then from the top */
	nexp = (rows - n) / 2;
	if (nexp > n)
		nexp = n;
	if (nexp < 1)
		nexp = 1;
	k = 0;
	for (int i = 0; i < n; i++) {
		v[i]->collapsed = !screen_is_focused(scr, v[i]);
		k += !v[i]->collapsed;
	}
	for (int i = 0; i < n && k < nexp; i++)
		if (v[i]->collapsed) {
			v[i]->collapsed = false;
			k++;
		}
	for (int i = 0; i < n; i++) {
		h[i] = v[i]->collapsed ? 1 : (want[i] < 3 ? want[i] : 3);
		used += h[i];
	}
	/* hand out the rest one row at a time, focused pane first */
	for (bool more = true; used < rows && more;) {
		more = false;
		for (int pass = 0; pass < 2 && used < rows; pass++)
			for (int i = 0; i < n && used < rows; i++) {
				if (v[i]->collapsed || h[i] >= want[i])
					continue;
				if (pass == 0 && !screen_is_focused(scr, v[i]))
					continue;
				h[i]++;
				used++;
				more = true;
				if (pass == 0)
					break;
			}
	}
	free(want);
	return used;
}

static void place(struct pane *p, int y, int x, int h, int w)
{
	if (p->win && (p->y != y || p->x != x || p->h != h || p->w != w)) {
		delwin(p->win);
		p->win = NULL;
	}
	p->y = y;
	p->x = x;
	p->h = h;
	p->w = w;
	if (!p->win && h > 0 && w > 0)
		p->win = newwin(h, w, y, x);
	p->dirty = true;
}

static void layout(struct screen *scr)
{
	int rows, cols, area, nmid = scr->npanes - 2, clh, outh, mid, y;
	struct pane *cl = scr->panes[0], *out = scr->panes[scr->npanes - 1];
	struct pane **midp = scr->panes + 1;

	getmaxyx(stdscr, rows, cols);
	scr->rows = rows;
	scr->cols = cols;
	area = rows - 2;
	if (area < 3)
		area = 3;
	clh = cl->want = cl->ops->want(cl);
	if (clh > area / 3)
		clh = area / 3 > 3 ? area / 3 : 3;
	cl->collapsed = false;
	outh = area / 4;
	if (outh < 4)
		outh = area >= 14 ? 4 : 3;
	if (outh > 12)
		outh = 12;
	if (screen_is_focused(scr, out) && outh < area / 2)
		outh = area / 2;
	out->collapsed = false;
	mid = area - clh - outh;
	if (nmid <= 0) {
		outh += mid;
		mid = 0;
	}
	if (mid < 0) {
		outh += mid;
		mid = 0;
	}
	place(cl, 0, 0, clh, cols);
	y = clh;
	if (nmid > 0) {
		int two = cols >= 140 && nmid >= 2;
		int ncol = two ? 2 : 1, colw[2] = { two ? cols / 2 : cols, cols - cols / 2 };

		for (int c = 0; c < ncol; c++) {
			struct pane *v[64];
			int hs[64], n = 0, used, yy = y;

			for (int i = c; i < nmid && n < 64; i += ncol)
				v[n++] = midp[i];
			used = alloc_heights(scr, v, n, mid, hs);
			if (!two && used < mid) {
				/* the output pane takes what the maps do not need */
				outh += mid - used;
			} else if (used < mid && n) {
				hs[n - 1] += mid - used;
			}
			for (int i = 0; i < n; i++) {
				place(v[i], yy, c ? colw[0] : 0, hs[i], colw[c]);
				yy += hs[i];
			}
			if (!two)
				mid = used;
		}
		y += mid;
	}
	place(out, y, 0, outh, cols);
	if (scr->statusw)
		delwin(scr->statusw);
	if (scr->promptw)
		delwin(scr->promptw);
	scr->statusw = newwin(1, cols, rows - 2, 0);
	scr->promptw = newwin(1, cols, rows - 1, 0);
	keypad(scr->promptw, TRUE);
	nodelay(scr->promptw, TRUE);
	werase(stdscr);
	wnoutrefresh(stdscr);
	scr->need_layout = false;
	screen_mark_all(scr);
}

void screen_resize(struct screen *scr)
{
	scr->need_layout = true;
}

/* ------------------------------------------------------------ drawing */

static void draw_title(struct screen *scr, struct pane *p)
{
	bool foc = screen_is_focused(scr, p);
	attr_t a = ui_attr(foc ? UC_TITLE_FOCUS : UC_TITLE);
	char t[512] = "";

	if (p->map && p->map->decl->internal)
		return;
	p->ops->title(p, t, sizeof(t));
	snprintf(p->title, sizeof(p->title), "%s", t);
	wattron(p->win, a);
	mvwhline(p->win, 0, 0, ' ', p->w);
	draw_textf(p->win, 0, 0, p->w, "%s%s  %s%s", foc ? "> " : " ", p->name, t,
		   p->collapsed ? "   [Tab to open]" : "");
	wattroff(p->win, a);
}

static void draw_status(struct screen *scr)
{
	struct workbench *wb = screen_wb(scr);
	struct pane *f = focused(scr);
	char left[512], right[256];
	int hidden = 0, lw;

	werase(scr->statusw);
	wbkgdset(scr->statusw, ui_attr(UC_STATUS));
	wattron(scr->statusw, ui_attr(UC_STATUS));
	mvwhline(scr->statusw, 0, 0, ' ', scr->cols);
	for (int i = 0; i < scr->host->layout->n; i++)
		hidden += scr->host->layout->v[i].hidden && wb_map_find(wb, scr->host->layout->v[i].name);
	if (scr->status[0] && wb_now_ms() < scr->status_until) {
		snprintf(left, sizeof(left), " %s", scr->status);
	} else {
		scr->status[0] = 0;
		snprintf(left, sizeof(left), " %d/%d attached  %d map%s%s%.0d%s  every %gs%s%s",
			 wb_nattached(wb), wb->ncl, wb->nmaps, wb->nmaps == 1 ? "" : "s",
			 hidden ? " (" : "", hidden, hidden ? " hidden)" : "", wb->interval_ms / 1000.0,
			 wb->paused ? "  PAUSED (p)" : "", wb->stats_fd >= 0 ? "  BPF stats on" : "");
		if (wb->lost)
			snprintf(left + strlen(left), sizeof(left) - strlen(left), "  lost %llu",
				 (unsigned long long)wb->lost);
	}
	if (scr->mode == SM_CONFIRM_QUIT)
		snprintf(left, sizeof(left), " %d clause%s attached: detach everything and quit? (y/n)",
			 wb_nattached(wb), wb_nattached(wb) == 1 ? "" : "s");
	if (scr->mode == SM_FILTER && scr->filter_pane)
		snprintf(left, sizeof(left), " filter %s: %s_   (Enter keeps, Esc clears)",
			 scr->filter_pane->name, scr->filter_pane->filter);
	if (f)
		snprintf(right, sizeof(right), "%s | Esc prompt  ? help ", f->ops->keys_help);
	else
		snprintf(right, sizeof(right), "Tab complete  Esc panes  F1 keys  :help ");
	lw = draw_text(scr->statusw, 0, 0, scr->cols, left);
	if (f && text_width(right) >= scr->cols - lw - 2)
		snprintf(right, sizeof(right), "Esc prompt  ? keys ");
	if (text_width(right) < scr->cols - lw - 2)
		draw_text(scr->statusw, 0, scr->cols - text_width(right), text_width(right), right);
	wattroff(scr->statusw, ui_attr(UC_STATUS));
	wnoutrefresh(scr->statusw);
	scr->status_dirty = false;
}

static void draw_prompt(struct screen *scr)
{
	struct workbench *wb = screen_wb(scr);
	char label[32];
	const char *line;
	int cursor, lw, avail, start = 0, cx;
	bool foc = scr->focus < 0;

	line = prompt_line(scr->prompt, &cursor);
	if (wb->edit_target)
		snprintf(label, sizeof(label), "edit %d> ", wb->edit_target);
	else if (*prompt_pending(scr->prompt))
		snprintf(label, sizeof(label), "   ...> ");
	else
		snprintf(label, sizeof(label), "bpfdeck> ");
	werase(scr->promptw);
	wattron(scr->promptw, foc ? A_BOLD : A_DIM);
	mvwaddstr(scr->promptw, 0, 0, label);
	wattroff(scr->promptw, foc ? A_BOLD : A_DIM);
	lw = (int)strlen(label);
	avail = scr->cols - lw - 1;
	if (avail < 1)
		avail = 1;
	/* scroll so the cursor stays visible (bytes ~ columns for the ASCII typical here) */
	if (cursor > avail)
		start = cursor - avail + avail / 4;
	if (!foc)
		wattron(scr->promptw, A_DIM);
	draw_text(scr->promptw, 0, lw, avail, line + start);
	if (!foc)
		wattroff(scr->promptw, A_DIM);
	cx = lw + cursor - start;
	if (cx >= scr->cols)
		cx = scr->cols - 1;
	wmove(scr->promptw, 0, cx);
	wnoutrefresh(scr->promptw);
}

static void draw_help(struct screen *scr)
{
	int n = sizeof(global_keys) / sizeof(global_keys[0]);
	int h = n + 5, w = scr->cols - 4 > 100 ? 100 : scr->cols - 4;
	struct pane *f = focused(scr);

	if (h > scr->rows - 2)
		h = scr->rows - 2;
	if (scr->overlay)
		delwin(scr->overlay);
	scr->overlay = newwin(h, w, (scr->rows - h) / 2, (scr->cols - w) / 2);
	werase(scr->overlay);
	box(scr->overlay, 0, 0);
	wattron(scr->overlay, A_BOLD);
	draw_text(scr->overlay, 0, 2, w - 4, " bpfdeck keys (any key closes; :help lists commands) ");
	wattroff(scr->overlay, A_BOLD);
	for (int i = 0; i < n && i + 1 < h - 3; i++)
		draw_textf(scr->overlay, i + 1, 2, w - 4, "%-18s %s", global_keys[i][0], global_keys[i][1]);
	if (f && h > 4)
		draw_textf(scr->overlay, h - 3, 2, w - 4, "%-18s %s", f->name, f->ops->keys_help);
	if (h > 3)
		draw_text(scr->overlay, h - 2, 2, w - 4, "Type a clause at the prompt to attach it; "
			  ":edit N, :rm N, :save FILE, :export FILE.bt ...");
	wnoutrefresh(scr->overlay);
}

void screen_draw(struct screen *scr)
{
	double t0 = wb_now_ms(), tmaps = 0, cmaps = 0;
	bool any = false;

	screen_sync(scr);
	/* panes whose data grew or shrank get their share again */
	for (int i = 0; i < scr->npanes - 1 && !scr->need_layout; i++)
		if (scr->panes[i]->ops->want(scr->panes[i]) != scr->panes[i]->want)
			scr->need_layout = true;
	if (scr->need_layout)
		layout(scr);
	for (int i = 0; i < scr->npanes; i++) {
		struct pane *p = scr->panes[i];

		if (!p->win)
			continue;
		if (!p->dirty && p->collapsed) {
			char t[sizeof(p->title)];

			p->ops->title(p, t, sizeof(t));
			if (!strcmp(t, p->title))
				continue;
		} else if (!p->dirty && !p->ops->changed(p)) {
			continue;
		}
		werase(p->win);
		/* the body first: titles count what drawing found */
		{
			double tp = wb_now_ms(), cp = wb_cpu_ms();

			if (!p->collapsed)
				p->ops->draw(p);
			if (p->map || !strcmp(p->name, "scalars")) {
				tmaps += wb_now_ms() - tp;
				cmaps += wb_cpu_ms() - cp;
			}
		}
		draw_title(scr, p);
		wnoutrefresh(p->win);
		p->dirty = false;
		any = true;
	}
	if (any || scr->status_dirty || (scr->status[0] && wb_now_ms() >= scr->status_until))
		draw_status(scr);
	if (scr->mode == SM_HELP)
		draw_help(scr);
	curs_set(scr->focus < 0 && scr->mode == SM_NORMAL ? 1 : 0);
	draw_prompt(scr);
	doupdate();
	if (any) {
		scr->t_draw = wb_now_ms() - t0;
		if (scr->t_draw > scr->t_draw_max)
			scr->t_draw_max = scr->t_draw;
		/* what :timing reports: redraws of map panes (not of :timing's own output) */
		if (tmaps > 0) {
			screen_wb(scr)->t_draw = tmaps;
			if (tmaps > screen_wb(scr)->t_draw_max)
				screen_wb(scr)->t_draw_max = tmaps;
			/* wall time counts preemption too: the CPU the slowest one took */
			if (cmaps > screen_wb(scr)->t_draw_max_cpu)
				screen_wb(scr)->t_draw_max_cpu = cmaps;
		}
	}
}

/* ------------------------------------------------------------ keys */

void screen_prompt_fill(struct screen *scr, const char *text, int cursor)
{
	char *one = strchr(text, '\n') ? text_one_line(text) : NULL;

	prompt_clear(scr->prompt);
	/* a clause of several lines is edited as one: the cursor goes to its end */
	prompt_set(scr->prompt, one ? one : text, one ? -1 : cursor);
	free(one);
	scr->focus = -1;
	screen_mark_all(scr);
}

static void focus_move(struct screen *scr, int dir)
{
	/* the prompt (-1) is one stop of the cycle */
	int n = scr->npanes + 1, cur = scr->focus + 1;

	cur = ((cur + dir) % n + n) % n;
	scr->focus = cur - 1;
	scr->need_layout = true;
}

static void echo_input(struct screen *scr, const char *s)
{
	struct workbench *wb = screen_wb(scr);
	const char *p = s;

	while (*p) {
		size_t n = strcspn(p, "\n");

		outlog_printf(wb->log, OL_INPUT, "%s %.*s", p == s ? ">" : " ", (int)n, p);
		p += n;
		if (*p)
			p++;
	}
}

static void show_candidates(struct screen *scr, const struct completion *c)
{
	struct workbench *wb = screen_wb(scr);
	char line[256];
	size_t off = 0;

	outlog_printf(wb->log, OL_CMD, "%d completion%s (%s)%s:", c->total, c->total == 1 ? "" : "s",
		      c->note, c->total > c->n ? ", first ones" : "");
	for (int i = 0; i < c->n; i++) {
		int w = (int)strlen(c->v[i]) + 2;

		if (off && off + w > (size_t)(scr->cols > 20 ? scr->cols - 2 : 78)) {
			outlog_printf(wb->log, OL_CMD, "  %s", line);
			off = 0;
		}
		off += snprintf(line + off, sizeof(line) - off, "%s  ", c->v[i]);
		if (off >= sizeof(line) - 1)
			off = sizeof(line) - 1;
	}
	if (off)
		outlog_printf(wb->log, OL_CMD, "  %s", line);
}

static void do_complete(struct screen *scr)
{
	static char last[1024];
	struct workbench *wb = screen_wb(scr);
	struct completion c;
	const char *line;
	int cursor;
	double t0 = wb_now_ms(), t1;
	char *common, state[1024];

	line = prompt_line(scr->prompt, &cursor);
	complete(wb, prompt_pending(scr->prompt), line, cursor, &c);
	snprintf(state, sizeof(state), "%s|%d", line, cursor);
	if (!c.n) {
		screen_status(scr, "no completions%s%s", c.note[0] ? " among " : "", c.note);
		completion_free(&c);
		return;
	}
	common = completion_common(&c);
	t1 = wb_now_ms() - t0;
	if (c.n == 1 || (int)strlen(common) > cursor - c.from) {
		prompt_replace(scr->prompt, c.from, common);
		if (c.n == 1)
			screen_status(scr, "%s  [%.1f ms]", c.note, t1);
		else
			screen_status(scr, "%d matches: %s  [%.1f ms]", c.total, c.note, t1);
	} else if (!strcmp(state, last)) {
		show_candidates(scr, &c);
	} else {
		char list[200] = "";
		size_t off = 0;

		for (int i = 0; i < c.n && off + strlen(c.v[i]) + 2 < sizeof(list); i++)
			off += snprintf(list + off, sizeof(list) - off, "%s ", c.v[i]);
		screen_status(scr, "%d matches [%.1f ms]: %s (Tab again lists them; %s)", c.total, t1,
			      list, c.note);
	}
	line = prompt_line(scr->prompt, &cursor);
	snprintf(last, sizeof(last), "%s|%d", line, cursor);
	free(common);
	completion_free(&c);
}

static int submit(struct screen *scr)
{
	struct cmd_host *h = scr->host;
	char *s = prompt_take(scr->prompt);
	int r = K_HANDLED | K_REDRAW_ALL;

	if (!s)
		return r;
	scr->status[0] = 0;
	echo_input(scr, s);
	if (s[0] == ':') {
		cmd_run(h, s);
		if (h->quit)
			r |= K_QUIT;
	} else {
		struct workbench *wb = screen_wb(scr);
		int edit = wb->edit_target;

		if (wb_submit(wb, s, "prompt", 1) && edit && wb_clause(wb, edit)) {
			/* still editing: the text comes back to be fixed */
			screen_prompt_fill(scr, s, -1);
			wb->edit_target = edit;
		}
	}
	free(s);
	screen_sync(scr);
	return r;
}

static int prompt_keys(struct screen *scr, int key, bool is_key)
{
	struct workbench *wb = screen_wb(scr);
	struct pane *out = scr->panes[scr->npanes - 1];

	if (!is_key) {
		switch (key) {
		case '\t':
			do_complete(scr);
			return K_HANDLED;
		case 27:
			for (int i = 1; i < scr->npanes; i++)
				if (!scr->panes[i]->collapsed || i == scr->npanes - 1) {
					scr->focus = i;
					break;
				}
			if (scr->focus < 0)
				scr->focus = 0;
			scr->need_layout = true;
			return K_HANDLED;
		case 3:
			if (!prompt_empty(scr->prompt) || wb->edit_target) {
				prompt_clear(scr->prompt);
				wb->edit_target = 0;
				return K_HANDLED;
			}
			return K_QUIT;
		case 12:
			clearok(curscr, TRUE);
			return K_REDRAW_ALL;
		}
	} else {
		switch (key) {
		case KEY_BTAB:
			focus_move(scr, -1);
			return K_HANDLED;
		case KEY_PPAGE: case KEY_NPAGE:
			return out->ops->key(out, key);
		case KEY_F(1):
			scr->mode = SM_HELP;
			return K_HANDLED;
		}
	}
	switch (prompt_key(scr->prompt, key, is_key)) {
	case PR_SUBMIT:
		return submit(scr);
	case PR_CHANGED:
		if (prompt_empty(scr->prompt) && wb->edit_target && key == '\n')
			wb->edit_target = 0;
		return K_HANDLED;
	default:
		return K_HANDLED;
	}
}

static int pane_keys(struct screen *scr, struct pane *p, int key, bool is_key)
{
	struct workbench *wb = screen_wb(scr);
	int r;

	if (!is_key) {
		switch (key) {
		case '\t':
			focus_move(scr, 1);
			return K_HANDLED;
		case 27: case 'i':
			scr->focus = -1;
			scr->need_layout = true;
			return K_HANDLED;
		case ':':
			scr->focus = -1;
			scr->need_layout = true;
			prompt_clear(scr->prompt);
			prompt_key(scr->prompt, ':', false);
			return K_HANDLED;
		case '?':
			scr->mode = SM_HELP;
			return K_HANDLED;
		case 'q':
			if (wb_nattached(wb)) {
				scr->mode = SM_CONFIRM_QUIT;
				scr->status_dirty = true;
				return K_HANDLED;
			}
			return K_QUIT;
		case 3:
			return K_QUIT;
		case 'p':
			scr->host->pause(scr->host, !wb->paused);
			return K_HANDLED;
		case 't':
			wb_stats(wb, wb->stats_fd < 0);
			return K_HANDLED | K_REDRAW_ALL;
		case '/':
			if (!p->ops->filter) {
				screen_status(scr, "this pane has no filter");
				return K_HANDLED;
			}
			scr->mode = SM_FILTER;
			scr->filter_pane = p;
			p->ops->filter(p, "");
			p->dirty = true;
			scr->status_dirty = true;
			return K_HANDLED;
		case 12:
			clearok(curscr, TRUE);
			return K_REDRAW_ALL;
		}
	} else if (key == KEY_BTAB) {
		focus_move(scr, -1);
		return K_HANDLED;
	}
	r = p->ops->key(p, key);
	if (r & K_REDRAW)
		p->dirty = true;
	if (!r && !is_key && key >= ' ' && key < 127)
		screen_status(scr, "'%c' does nothing here: ? lists the keys, Esc goes to the prompt",
			      key);
	return r ? r : K_HANDLED;
}

static int filter_keys(struct screen *scr, int key, bool is_key)
{
	struct pane *p = scr->filter_pane;
	char buf[128];
	size_t n;

	if (!p) {
		scr->mode = SM_NORMAL;
		return K_HANDLED;
	}
	snprintf(buf, sizeof(buf), "%s", p->filter);
	n = strlen(buf);
	if ((!is_key && (key == '\n' || key == '\r')) || (is_key && key == KEY_ENTER)) {
		scr->mode = SM_NORMAL;
	} else if (!is_key && key == 27) {
		buf[0] = 0;
		scr->mode = SM_NORMAL;
	} else if ((is_key && key == KEY_BACKSPACE) || (!is_key && (key == 127 || key == 8))) {
		if (n)
			buf[n - 1] = 0;
	} else if (!is_key && key >= ' ' && n + 1 < sizeof(buf)) {
		buf[n] = (char)key;
		buf[n + 1] = 0;
	} else {
		return K_HANDLED;
	}
	p->ops->filter(p, buf);
	p->dirty = true;
	scr->status_dirty = true;
	if (scr->mode == SM_NORMAL)
		scr->filter_pane = NULL;
	return K_HANDLED;
}

int screen_key(struct screen *scr, int key, bool is_key)
{
	struct pane *p;
	int r;

	if (is_key && key == KEY_RESIZE) {
		scr->need_layout = true;
		return K_RELAYOUT;
	}
	switch (scr->mode) {
	case SM_HELP:
		scr->mode = SM_NORMAL;
		if (scr->overlay) {
			delwin(scr->overlay);
			scr->overlay = NULL;
		}
		touchwin(stdscr);
		wnoutrefresh(stdscr);
		screen_mark_all(scr);
		return K_REDRAW_ALL;
	case SM_CONFIRM_QUIT:
		scr->mode = SM_NORMAL;
		scr->status_dirty = true;
		if (!is_key && (key == 'y' || key == 'Y'))
			return K_QUIT;
		screen_status(scr, "still running");
		return K_HANDLED;
	case SM_FILTER:
		return filter_keys(scr, key, is_key);
	default:
		break;
	}
	p = focused(scr);
	r = p ? pane_keys(scr, p, key, is_key) : prompt_keys(scr, key, is_key);
	if (r & K_REDRAW_ALL)
		screen_mark_all(scr);
	if (r & K_RELAYOUT)
		scr->need_layout = true;
	scr->status_dirty = true;
	return r;
}
