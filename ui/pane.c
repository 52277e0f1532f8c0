/* pane: what all panes share: construction, scrolling keys and the choice of
 * a pane kind for a map (by its key and value types, unless the layout says). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pane.h"

struct pane *pane_new(const struct pane_ops *ops, struct screen *scr, const char *name)
{
	struct pane *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ops = ops;
	p->scr = scr;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->dirty = true;
	return p;
}

void pane_free(struct pane *p)
{
	if (!p)
		return;
	if (p->ops->destroy)
		p->ops->destroy(p);
	if (p->win)
		delwin(p->win);
	free(p);
}

void pane_clamp(struct pane *p, int rows)
{
	if (rows < 1)
		rows = 1;
	if (p->sel >= p->nrows)
		p->sel = p->nrows - 1;
	if (p->sel < 0)
		p->sel = 0;
	if (p->top > p->sel)
		p->top = p->sel;
	if (p->sel >= p->top + rows)
		p->top = p->sel - rows + 1;
	if (p->top > p->nrows - rows)
		p->top = p->nrows - rows;
	if (p->top < 0)
		p->top = 0;
}

int pane_nav_key(struct pane *p, int key, int rows)
{
	int old_sel = p->sel, old_top = p->top;

	switch (key) {
	case KEY_UP: case 'k':
		p->sel--;
		break;
	case KEY_DOWN: case 'j':
		p->sel++;
		break;
	case KEY_PPAGE:
		p->sel -= rows > 1 ? rows - 1 : 1;
		break;
	case KEY_NPAGE:
		p->sel += rows > 1 ? rows - 1 : 1;
		break;
	case KEY_HOME: case 'g':
		p->sel = 0;
		break;
	case KEY_END: case 'G':
		p->sel = p->nrows - 1;
		break;
	default:
		return K_UNHANDLED;
	}
	pane_clamp(p, rows);
	return K_HANDLED | (p->sel != old_sel || p->top != old_top ? K_REDRAW : 0);
}

static bool key_has_stack(const struct type *t)
{
	if (!t)
		return false;
	if (t->kind == TY_KSTACK || t->kind == TY_USTACK)
		return true;
	if (t->kind == TY_TUPLE)
		for (unsigned i = 0; i < t->nfields; i++)
			if (key_has_stack(t->fields[i].type))
				return true;
	return false;
}

bool map_is_scalar(const struct wb_map *m, const struct pane_conf *conf)
{
	const struct type *v = m->decl->value;

	if (m->decl->key || v->kind == TY_HIST || v->kind == TY_LHIST)
		return false;
	return !conf || !conf->view[0] || !strcmp(conf->view, "scalar");
}

pane_ctor pane_kind_for(const struct wb_map *m, const struct pane_conf *conf)
{
	const struct type *v = m->decl->value;
	const char *view = conf ? conf->view : "";

	if (v->kind == TY_HIST || v->kind == TY_LHIST)
		return pane_hist_new;
	if (!m->decl->key)
		return NULL;    /* the scalars pane */
	if (key_has_stack(m->decl->key) && strcmp(view, "table"))
		return pane_stack_new;
	return pane_table_new;
}
