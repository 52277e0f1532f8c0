/* pane: one rectangle of the workbench screen, htop's Panel idea: a struct
 * with a vtable. The screen owns panes, gives each a window, asks whether its
 * data changed and calls draw only then; key handlers return flags and never
 * draw, so drawing stays in one place. */
#ifndef BPFDECK_UI_PANE_H
#define BPFDECK_UI_PANE_H

#include <stdbool.h>
#include <stdint.h>
#include <curses.h>
#include "session_file.h"
#include "wb.h"

struct screen;
struct pane;

/* What a key handler did. */
enum {
	K_UNHANDLED = 0,
	K_HANDLED = 1 << 0,
	K_REDRAW = 1 << 1,      /* this pane */
	K_REDRAW_ALL = 1 << 2,
	K_RELAYOUT = 1 << 3,    /* sizes changed (a pane grew, expanded rows...) */
	K_QUIT = 1 << 4,
};

struct pane_ops {
	const char *kind;
	/* Draws the body (the title line is the screen's) into rows 1..h-1 of p->win. */
	void (*draw)(struct pane *p);
	/* The title text after the name: what is shown and how. */
	void (*title)(struct pane *p, char *buf, size_t len);
	/* Has the data changed since the last draw? */
	bool (*changed)(struct pane *p);
	/* Rows wanted, title included (the screen may give fewer). */
	int (*want)(struct pane *p);
	int (*key)(struct pane *p, int key);
	/* Incremental row filter ("/"); NULL if the pane has none. */
	void (*filter)(struct pane *p, const char *text);
	/* A one-line list of this pane's own keys, for the status line and "?". */
	const char *keys_help;
	void (*destroy)(struct pane *p);
};

struct pane {
	const struct pane_ops *ops;
	struct screen *scr;
	char name[64];          /* "@map", "clauses", "output", "scalars" */
	struct wb_map *map;     /* map panes: refreshed whenever the screen syncs */
	struct pane_conf *conf; /* map panes: their layout entry */
	WINDOW *win;
	int y, x, h, w;
	bool collapsed;         /* only the title line fits */
	bool dirty;
	int top, sel;           /* first row shown, selected row */
	int nrows;              /* rows the body has (for scrolling) */
	int want;               /* what want() said at the last layout */
	char title[160];        /* the title last drawn (collapsed panes redraw when it moves) */
	char filter[128];
	void *priv;
};

/* Scrolls sel/top for the navigation keys; K_UNHANDLED for other keys. */
int pane_nav_key(struct pane *p, int key, int body_rows);
/* Keeps sel inside [0, nrows) and visible in rows body rows. */
void pane_clamp(struct pane *p, int body_rows);

struct pane *pane_new(const struct pane_ops *ops, struct screen *scr, const char *name);
void pane_free(struct pane *p);

/* Constructors (pane_*.c). */
struct pane *pane_clauses_new(struct screen *scr);
struct pane *pane_output_new(struct screen *scr);
struct pane *pane_table_new(struct screen *scr, const char *map);
struct pane *pane_hist_new(struct screen *scr, const char *map);
struct pane *pane_stack_new(struct screen *scr, const char *map);
struct pane *pane_scalar_new(struct screen *scr);

/* The pane constructor for a map, by its type and the layout's view. */
typedef struct pane *(*pane_ctor)(struct screen *scr, const char *map);
pane_ctor pane_kind_for(const struct wb_map *m, const struct pane_conf *conf);
bool map_is_scalar(const struct wb_map *m, const struct pane_conf *conf);

#endif
