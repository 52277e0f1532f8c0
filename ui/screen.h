/* screen: the workbench's screen manager. It owns the panes (clause list, one
 * per map, scalars, output), lays them out to fit the terminal, routes keys
 * (focus, prompt, filters, help, quit confirmation) and draws only what
 * changed, then the status line and the prompt. */
#ifndef BPFDECK_UI_SCREEN_H
#define BPFDECK_UI_SCREEN_H

#include <stdbool.h>
#include <stdint.h>
#include <curses.h>
#include "commands.h"
#include "pane.h"
#include "wb.h"

struct prompt;
struct completer;

enum screen_mode {
	SM_NORMAL,
	SM_HELP,                /* the key help overlay */
	SM_CONFIRM_QUIT,        /* "quit? y/n" */
	SM_FILTER,              /* typing a pane's filter */
};

struct screen {
	struct cmd_host *host;
	struct pane **panes;    /* top to bottom */
	int npanes;
	int focus;              /* index into panes; -1: the prompt */
	struct prompt *prompt;
	struct completer *comp;
	WINDOW *statusw, *promptw, *overlay;
	int rows, cols;
	uint64_t wb_gen;        /* wb->gen the panes were built for */
	struct workbench *wb_seen;
	enum screen_mode mode;
	struct pane *filter_pane;
	char status[256];
	double status_until;
	bool need_layout;
	bool status_dirty;
	double t_draw;          /* ms the last draw of changed panes took */
	double t_draw_max;
};

struct screen *screen_new(struct cmd_host *host);
void screen_free(struct screen *scr);
static inline struct workbench *screen_wb(struct screen *scr)
{
	return scr->host->wb;
}

/* Rebuilds panes when clauses or maps came or went (or the workbench changed). */
void screen_sync(struct screen *scr);
/* Handles one key (wide char or KEY_*; is_key: from the keypad). Returns K_* flags. */
int screen_key(struct screen *scr, int key, bool is_key);
/* Draws what changed and puts the cursor in the prompt. */
void screen_draw(struct screen *scr);
void screen_resize(struct screen *scr);
/* A message in the status line for a few seconds. */
void screen_status(struct screen *scr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fills the prompt (drill-down, :edit) and gives it focus; cursor at byte offset
 * cursor (-1: the end). */
void screen_prompt_fill(struct screen *scr, const char *text, int cursor);
bool screen_is_focused(const struct screen *scr, const struct pane *p);
void screen_mark_all(struct screen *scr);
/* Everything the panes show changed (poll tick): check every pane. */
void screen_data_changed(struct screen *scr);

#endif
