/* pane_clauses: the clause list: id, state, events/s, lost events, mean run
 * time per event (both from kernel BPF stats, on only while asked for) and
 * the clause. Enter/e edits, d disables or enables, x removes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "draw.h"
#include "pane.h"
#include "screen.h"
#include "textutil.h"

struct cl_priv {
	uint64_t gen, stats_gen, lost;
	struct workbench *wb;
	int confirm_rm;         /* id awaiting a second x */
};

static int body_rows(struct pane *p)
{
	return p->h > 1 ? p->h - 1 : 1;
}

static void cl_draw(struct pane *p)
{
	struct cl_priv *c = p->priv;
	struct workbench *wb = screen_wb(p->scr);
	bool stats = wb->stats_fd >= 0, focus = screen_is_focused(p->scr, p);
	int rows = body_rows(p) - 1, y = 1;

	c->gen = wb->gen;
	c->stats_gen = wb->stats_gen;
	c->lost = wb->lost;
	c->wb = wb;
	p->nrows = wb->ncl;
	pane_clamp(p, rows);
	wattron(p->win, ui_attr(UC_HEADER));
	draw_textf(p->win, y++, 0, p->w, "%3s %-8s %7s %6s %7s  %s", "ID", "STATE", "EV/S", "LOST",
		   "NS/EV", "CLAUSE");
	wattroff(p->win, ui_attr(UC_HEADER));
	if (!wb->ncl) {
		wattron(p->win, ui_attr(UC_DIM));
		draw_text(p->win, y, 4, p->w - 4, "no clauses: type one at the prompt, e.g. "
			  "tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }");
		wattroff(p->win, ui_attr(UC_DIM));
		return;
	}
	for (int i = p->top; i < wb->ncl && y < p->h; i++, y++) {
		struct wb_clause *cl = wb->cl[i];
		char ev[16] = "-", ns[16] = "-", lost[16] = "-", *one;
		enum ui_color sc = cl->state == WB_ATTACHED ? UC_GOOD :
				   cl->state == WB_ERROR ? UC_ERROR : UC_DIM;
		static const char *const names[] = { "attached", "disabled", "error" };
		int x;

		if (stats && cl->state == WB_ATTACHED && cl->ev_rate >= 0)
			fmt_num(ev, sizeof(ev), cl->ev_rate);
		if (stats && cl->state == WB_ATTACHED && cl->ns_per_ev >= 0)
			snprintf(ns, sizeof(ns), "%.0f", cl->ns_per_ev);
		if (cl->emits)
			fmt_num(lost, sizeof(lost), (double)wb->lost);
		if (focus && i == p->sel)
			wattron(p->win, ui_attr(UC_SELECT));
		x = draw_textf(p->win, y, 0, p->w, "%3d ", cl->id);
		wattron(p->win, ui_attr(sc));
		x += draw_textf(p->win, y, x, p->w - x, "%-8s", names[cl->state]);
		wattroff(p->win, ui_attr(sc));
		if (focus && i == p->sel)
			wattron(p->win, ui_attr(UC_SELECT));
		x += draw_textf(p->win, y, x, p->w - x, " %7s %6s %7s  ", ev, lost, ns);
		one = text_one_line(cl->text);
		if (cl->state == WB_ERROR && cl->error) {
			char *t = NULL;

			if (asprintf(&t, "%s   <- %s", one, cl->error) >= 0) {
				free(one);
				one = t;
			}
		}
		x += draw_text(p->win, y, x, p->w - x, one);
		free(one);
		if (focus && i == p->sel) {
			for (; x < p->w; x++)
				mvwaddch(p->win, y, x, ' ');
			wattroff(p->win, ui_attr(UC_SELECT));
		}
	}
}

static void cl_title(struct pane *p, char *buf, size_t len)
{
	struct workbench *wb = screen_wb(p->scr);
	int na = wb_nattached(wb), nd = 0, ne = 0;

	for (int i = 0; i < wb->ncl; i++) {
		nd += wb->cl[i]->state == WB_DISABLED;
		ne += wb->cl[i]->state == WB_ERROR;
	}
	snprintf(buf, len, "%d attached%s%.0d%s%s%.0d%s  BPF stats %s", na, nd ? ", " : "", nd,
		 nd ? " disabled" : "", ne ? ", " : "", ne, ne ? " with errors" : "",
		 wb->stats_fd >= 0 ? "on (t: off)" : "off (t: on, costs every BPF program time)");
}

static bool cl_changed(struct pane *p)
{
	struct cl_priv *c = p->priv;
	struct workbench *wb = screen_wb(p->scr);

	return c->wb != wb || c->gen != wb->gen || c->stats_gen != wb->stats_gen || c->lost != wb->lost;
}

static int cl_want(struct pane *p)
{
	int n = screen_wb(p->scr)->ncl;

	return 2 + (n < 1 ? 1 : n);
}

static int cl_key(struct pane *p, int key)
{
	struct cl_priv *c = p->priv;
	struct workbench *wb = screen_wb(p->scr);
	struct wb_clause *cl;
	char cmd[64];
	int r = pane_nav_key(p, key, body_rows(p) - 1);

	if (r)
		return r;
	if (p->sel < 0 || p->sel >= wb->ncl)
		return K_UNHANDLED;
	cl = wb->cl[p->sel];
	switch (key) {
	case '\n': case '\r': case KEY_ENTER: case 'e':
		snprintf(cmd, sizeof(cmd), "edit %d", cl->id);
		cmd_run(p->scr->host, cmd);
		return K_HANDLED | K_REDRAW_ALL;
	case 'd':
		if (cl->state == WB_ATTACHED)
			wb_disable(wb, cl->id);
		else
			wb_enable(wb, cl->id);
		return K_HANDLED | K_REDRAW;
	case 'x': case KEY_DC:
		if (c->confirm_rm != cl->id) {
			c->confirm_rm = cl->id;
			screen_status(p->scr, "press x again to remove clause %d", cl->id);
			return K_HANDLED;
		}
		c->confirm_rm = 0;
		wb_rm(wb, cl->id);
		return K_HANDLED | K_RELAYOUT;
	}
	return K_UNHANDLED;
}

static void cl_destroy(struct pane *p)
{
	free(p->priv);
}

static const struct pane_ops clauses_ops = {
	.kind = "clauses",
	.draw = cl_draw,
	.title = cl_title,
	.changed = cl_changed,
	.want = cl_want,
	.key = cl_key,
	.keys_help = "Enter/e edit, d disable/enable, x x remove, t BPF stats",
	.destroy = cl_destroy,
};

struct pane *pane_clauses_new(struct screen *scr)
{
	struct pane *p = pane_new(&clauses_ops, scr, "clauses");

	p->priv = calloc(1, sizeof(struct cl_priv));
	return p;
}
