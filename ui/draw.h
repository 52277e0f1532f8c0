/* draw: what every pane draws with: colors (or none, with NO_COLOR), bar and
 * sparkline glyphs (Unicode blocks, or ASCII outside UTF-8 locales), clipped
 * text and compact numbers. */
#ifndef BPFDECK_UI_DRAW_H
#define BPFDECK_UI_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curses.h>

enum ui_color {
	UC_NORMAL = 0,
	UC_TITLE,               /* pane title bar */
	UC_TITLE_FOCUS,
	UC_HEADER,              /* column headers */
	UC_BAR,
	UC_ERROR,
	UC_WARN,
	UC_INFO,
	UC_DIM,
	UC_STATUS,
	UC_SELECT,              /* the selected row of the focused pane */
	UC_MATCH,               /* search matches */
	UC_GOOD,                /* attached */
	UC_INPUT,               /* echoed input */
	UC_HEAT1, UC_HEAT2, UC_HEAT3, UC_HEAT4,
	UC__COUNT,
};

/* Sets up colors (unless NO_COLOR is set or the terminal has none) and glyphs. */
void draw_init(void);
attr_t ui_attr(enum ui_color c);
bool ui_utf8(void);

/* Text clipped to width display columns from x; returns columns used. */
int draw_text(WINDOW *w, int y, int x, int width, const char *s);
int draw_textf(WINDOW *w, int y, int x, int width, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Display columns of s. */
int text_width(const char *s);
/* A horizontal bar of frac (0..1) of width columns. */
void draw_bar(WINDOW *w, int y, int x, int width, double frac);
/* A sparkline of n values (newest last) in width columns, scaled to their max. */
void draw_spark(WINDOW *w, int y, int x, int width, const double *v, int n);
/* One heatmap cell at level 0..1 (0: blank). */
void draw_heat(WINDOW *w, int y, int x, double level);

/* "1234", "12.3k", "4.56M", "7.8G" in at most 6 columns. */
void fmt_num(char *buf, size_t len, double v);
/* "512ns", "3.2us", "41ms", "2.0s". */
void fmt_ns(char *buf, size_t len, double ns);

#endif
