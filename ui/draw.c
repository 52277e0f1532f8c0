/* draw: colors, glyphs and the drawing helpers of draw.h.
 * NO_COLOR (no-color.org: set and not empty) keeps every color out; bold,
 * reverse and dim still mark titles, selections and errors. */
#define _GNU_SOURCE
#include <langinfo.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>
#include "draw.h"

static attr_t attrs[UC__COUNT];
static bool utf8;

void draw_init(void)
{
	const char *nc = getenv("NO_COLOR");
	bool color = has_colors() && !(nc && *nc);
	const char *cs = nl_langinfo(CODESET);

	utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	attrs[UC_NORMAL] = A_NORMAL;
	attrs[UC_TITLE] = A_REVERSE;
	attrs[UC_TITLE_FOCUS] = A_REVERSE | A_BOLD;
	attrs[UC_HEADER] = A_BOLD;
	attrs[UC_BAR] = A_NORMAL;
	attrs[UC_ERROR] = A_BOLD;
	attrs[UC_WARN] = A_BOLD;
	attrs[UC_INFO] = A_DIM;
	attrs[UC_DIM] = A_DIM;
	attrs[UC_STATUS] = A_REVERSE;
	attrs[UC_SELECT] = A_REVERSE;
	attrs[UC_MATCH] = A_UNDERLINE | A_BOLD;
	attrs[UC_GOOD] = A_NORMAL;
	attrs[UC_INPUT] = A_BOLD;
	attrs[UC_HEAT1] = A_DIM;
	attrs[UC_HEAT2] = A_NORMAL;
	attrs[UC_HEAT3] = A_NORMAL;
	attrs[UC_HEAT4] = A_BOLD;
	if (!color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_BLACK, COLOR_CYAN);
	init_pair(2, COLOR_BLACK, COLOR_GREEN);
	init_pair(3, COLOR_CYAN, -1);
	init_pair(4, COLOR_GREEN, -1);
	init_pair(5, COLOR_RED, -1);
	init_pair(6, COLOR_YELLOW, -1);
	init_pair(7, COLOR_BLUE, -1);
	init_pair(8, COLOR_BLACK, COLOR_WHITE);
	init_pair(9, COLOR_MAGENTA, -1);
	init_pair(10, COLOR_BLUE, -1);
	init_pair(11, COLOR_CYAN, -1);
	init_pair(12, COLOR_YELLOW, -1);
	init_pair(13, COLOR_RED, -1);
	attrs[UC_TITLE] = COLOR_PAIR(1);
	attrs[UC_TITLE_FOCUS] = COLOR_PAIR(2) | A_BOLD;
	attrs[UC_HEADER] = COLOR_PAIR(3) | A_BOLD;
	attrs[UC_BAR] = COLOR_PAIR(4);
	attrs[UC_ERROR] = COLOR_PAIR(5) | A_BOLD;
	attrs[UC_WARN] = COLOR_PAIR(6);
	attrs[UC_INFO] = COLOR_PAIR(7);
	attrs[UC_STATUS] = COLOR_PAIR(8);
	attrs[UC_GOOD] = COLOR_PAIR(4);
	attrs[UC_INPUT] = COLOR_PAIR(9) | A_BOLD;
	attrs[UC_HEAT1] = COLOR_PAIR(10);
	attrs[UC_HEAT2] = COLOR_PAIR(11);
	attrs[UC_HEAT3] = COLOR_PAIR(12);
	attrs[UC_HEAT4] = COLOR_PAIR(13) | A_BOLD;
}

attr_t ui_attr(enum ui_color c)
{
	return c < UC__COUNT ? attrs[c] : A_NORMAL;
}

bool ui_utf8(void)
{
	return utf8;
}

/* The next character of s: its length in bytes and display width. */
static size_t next_char(const char *s, int *width)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;

	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*width = 1;
		return 1;
	}
	*width = wcwidth(wc);
	if (*width < 0)
		*width = 1;
	return n;
}

int text_width(const char *s)
{
	int w = 0, cw;

	while (*s) {
		s += next_char(s, &cw);
		w += cw;
	}
	return w;
}

int draw_text(WINDOW *w, int y, int x, int width, const char *s)
{
	char buf[1024];
	size_t o = 0;
	int used = 0;

	if (width <= 0)
		return 0;
	/* copy what fits; control bytes and broken UTF-8 become '?' so no
	 * terminal ever sees them (map keys hold arbitrary bytes) */
	while (*s && o + MB_LEN_MAX + 1 < sizeof(buf)) {
		mbstate_t st;
		wchar_t wc;
		size_t n;
		int cw;

		memset(&st, 0, sizeof(st));
		n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0 || !iswprint(wc) ||
		    (cw = wcwidth(wc)) < 0) {
			if (used + 1 > width)
				break;
			buf[o++] = '?';
			used++;
			s += (n == (size_t)-1 || n == (size_t)-2 || n == 0) ? 1 : n;
			continue;
		}
		if (used + cw > width)
			break;
		memcpy(buf + o, s, n);
		o += n;
		s += n;
		used += cw;
	}
	buf[o] = 0;
	mvwaddstr(w, y, x, buf);
	return used;
}

int draw_textf(WINDOW *w, int y, int x, int width, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return draw_text(w, y, x, width, buf);
}

void draw_bar(WINDOW *w, int y, int x, int width, double frac)
{
	static const char *const part[] = { "", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b",
					     "\u258a", "\u2589" };
	int eighths, full;

	if (width <= 0)
		return;
	if (!(frac > 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	eighths = (int)(frac * width * 8 + 0.5);
	if (frac > 0 && eighths == 0)
		eighths = 1;
	full = eighths / 8;
	wattron(w, ui_attr(UC_BAR));
	wmove(w, y, x);
	for (int i = 0; i < full; i++)
		waddstr(w, utf8 ? "\u2588" : "#");
	if (full < width && eighths % 8)
		waddstr(w, utf8 ? part[eighths % 8] : (eighths % 8 >= 4 ? "#" : ""));
	wattroff(w, ui_attr(UC_BAR));
}

void draw_spark(WINDOW *w, int y, int x, int width, const double *v, int n)
{
	static const char *const lv[] = { "\u2581", "\u2582", "\u2583", "\u2584", "\u2585",
					   "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-~=+*#";
	double max = 0;
	int from = n > width ? n - width : 0;

	for (int i = from; i < n; i++)
		if (v[i] > max)
			max = v[i];
	wmove(w, y, x + (width > n ? width - n : 0));
	wattron(w, ui_attr(UC_BAR));
	for (int i = from; i < n; i++) {
		int k = max > 0 && v[i] > 0 ? (int)(v[i] / max * 7.0 + 0.5) : 0;

		if (k > 7)
			k = 7;
		if (utf8)
			waddstr(w, v[i] > 0 ? lv[k] : " ");
		else
			waddch(w, v[i] > 0 ? ascii[k] : ' ');
	}
	wattroff(w, ui_attr(UC_BAR));
}

void draw_heat(WINDOW *w, int y, int x, double level)
{
	static const char *const shade[] = { " ", "\u2591", "\u2592", "\u2593", "\u2588" };
	static const char ascii[] = " .:o#";
	static const enum ui_color col[] = { UC_NORMAL, UC_HEAT1, UC_HEAT2, UC_HEAT3, UC_HEAT4 };
	int k = level <= 0 ? 0 : level < 0.25 ? 1 : level < 0.5 ? 2 : level < 0.75 ? 3 : 4;

	wattron(w, ui_attr(col[k]));
	if (utf8)
		mvwaddstr(w, y, x, shade[k]);
	else
		mvwaddch(w, y, x, ascii[k]);
	wattroff(w, ui_attr(col[k]));
}

void fmt_num(char *buf, size_t len, double v)
{
	static const char units[] = "kMGTPE";
	double a = fabs(v);
	int u = -1;

	if (a < 100000) {
		if (v == (double)(int64_t)v)
			snprintf(buf, len, "%lld", (long long)v);
		else
			snprintf(buf, len, a < 10 ? "%.2f" : a < 100 ? "%.1f" : "%.0f", v);
		return;
	}
	while (a >= 1000 && u < 5) {
		a /= 1000;
		v /= 1000;
		u++;
	}
	snprintf(buf, len, a < 10 ? "%.2f%c" : a < 100 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

void fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}
