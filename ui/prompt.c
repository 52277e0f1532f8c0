/* prompt: libedit as a line-editing engine behind an ncurses screen.
 * libedit wants a terminal; it gets a private pseudo-terminal that nobody
 * types into, reads keys from our queue (EL_GETCFN) one command at a time
 * (EL_UNBUFFERED) and draws into /dev/null, while the screen draws el_line(). */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>
#include "prompt.h"
#include "textutil.h"

#define QLEN 64

struct prompt {
	EditLine *el;
	History *hist;
	FILE *fin, *fout;
	int master;
	wchar_t q[QLEN];
	int qh, qn;
	char *pending;          /* lines of an unfinished clause */
	size_t plen;
	char *submit;
	char *history_file;
	char empty[1];
};

static int prompt_getc(EditLine *el, wchar_t *c)
{
	struct prompt *p = NULL;

	el_get(el, EL_CLIENTDATA, &p);
	if (!p || !p->qn)
		return 0;
	*c = p->q[p->qh];
	p->qh = (p->qh + 1) % QLEN;
	p->qn--;
	return 1;
}

static char *prompt_text(EditLine *el)
{
	(void)el;
	return "";
}

/* Drops what libedit drew on its private terminal. */
static void drain(struct prompt *p)
{
	char buf[4096];

	if (p->fout)
		fflush(p->fout);
	while (read(p->master, buf, sizeof(buf)) > 0)
		;
}

static void push(struct prompt *p, wchar_t c)
{
	if (p->qn == QLEN)
		return;
	p->q[(p->qh + p->qn) % QLEN] = c;
	p->qn++;
}

struct prompt *prompt_new(const char *history_file)
{
	struct prompt *p = calloc(1, sizeof(*p));
	struct winsize ws = { .ws_row = 50, .ws_col = 4000 };
	HistEvent ev;
	int slave = -1;

	if (!p)
		return NULL;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0 || grantpt(p->master) || unlockpt(p->master))
		goto fail;
	slave = open(ptsname(p->master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		goto fail;
	/* wide enough that libedit never wraps or scrolls its (invisible) line */
	ioctl(slave, TIOCSWINSZ, &ws);
	/* libedit edits only if its output is a terminal too: it writes to the
	 * same pseudo-terminal, whose other end we drain and drop */
	fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
	p->fout = fdopen(dup(slave), "w");
	p->fin = fdopen(slave, "r");
	if (!p->fin || !p->fout)
		goto fail;
	slave = -1;
	p->el = el_init("bpfdeck", p->fin, p->fout, p->fout);
	if (!p->el)
		goto fail;
	p->hist = history_init();
	history(p->hist, &ev, H_SETSIZE, 1000);
	history(p->hist, &ev, H_SETUNIQUE, 1);
	if (history_file) {
		p->history_file = strdup(history_file);
		history(p->hist, &ev, H_LOAD, history_file);
	}
	el_set(p->el, EL_CLIENTDATA, p);
	el_set(p->el, EL_EDITOR, "emacs");
	el_set(p->el, EL_HIST, history, p->hist);
	el_set(p->el, EL_PROMPT, prompt_text);
	el_set(p->el, EL_GETCFN, prompt_getc);
	el_set(p->el, EL_BIND, "^D", "ed-delete-next-char", NULL);
	el_set(p->el, EL_BIND, "^I", "ed-insert", NULL);
	el_set(p->el, EL_UNBUFFERED, 1);
	drain(p);
	return p;
fail:
	if (slave >= 0)
		close(slave);
	prompt_free(p);
	return NULL;
}

void prompt_free(struct prompt *p)
{
	HistEvent ev;

	if (!p)
		return;
	if (p->hist) {
		if (p->history_file)
			history(p->hist, &ev, H_SAVE, p->history_file);
		history_end(p->hist);
	}
	if (p->el)
		el_end(p->el);
	if (p->fin)
		fclose(p->fin);
	if (p->fout)
		fclose(p->fout);
	if (p->master >= 0)
		close(p->master);
	free(p->pending);
	free(p->submit);
	free(p->history_file);
	free(p);
}

/* Starts an empty line (libedit resets its line when unbuffered mode restarts). */
static void line_reset(struct prompt *p)
{
	el_set(p->el, EL_UNBUFFERED, 0);
	el_set(p->el, EL_UNBUFFERED, 1);
}

static void line_done(struct prompt *p, const char *line)
{
	HistEvent ev;
	size_t n = strlen(line);
	const char *l = line + strspn(line, " \t");

	if (*l)
		history(p->hist, &ev, H_ENTER, line);
	if (!p->pending && *l == ':') {
		free(p->submit);
		p->submit = strdup(l);
		return;
	}
	if (!p->pending && text_is_blank(line))
		return;
	p->pending = realloc(p->pending, p->plen + n + 2);
	memcpy(p->pending + p->plen, line, n);
	p->plen += n;
	p->pending[p->plen++] = '\n';
	p->pending[p->plen] = 0;
	if (text_unfinished(p->pending))
		return;
	free(p->submit);
	p->submit = p->pending;
	p->pending = NULL;
	p->plen = 0;
}

/* Runs libedit over the queued characters; true when a line was finished. */
static bool run_queue(struct prompt *p)
{
	bool done = false;

	while (p->qn) {
		int n = 0;
		const char *s = el_gets(p->el, &n);

		if (s && n > 0 && s[n - 1] == '\n') {
			char *line = strndup(s, n - 1);

			line_reset(p);
			line_done(p, line);
			free(line);
			done = true;
		}
		drain(p);
	}
	return done;
}

enum prompt_result prompt_key(struct prompt *p, int key, bool is_key)
{
	wchar_t c = 0;

	if (is_key) {
		switch (key) {
		case KEY_LEFT: c = 2; break;            /* ^B */
		case KEY_RIGHT: c = 6; break;           /* ^F */
		case KEY_UP: c = 16; break;             /* ^P: history */
		case KEY_DOWN: c = 14; break;           /* ^N */
		case KEY_HOME: c = 1; break;            /* ^A */
		case KEY_END: c = 5; break;             /* ^E */
		case KEY_BACKSPACE: c = 127; break;
		case KEY_DC: c = 4; break;              /* ^D: bound to delete-next-char */
		case KEY_ENTER: c = '\n'; break;
		default: return PR_NONE;
		}
	} else {
		c = (wchar_t)key;
		if (c == '\r')
			c = '\n';
		if (c == 8)
			c = 127;
		/* keys the screen owns, or that would make libedit wait or signal */
		if (c == 27 || c == 3 || c == 9 || c == 26 || c == 28 || c == 19 || c == 17)
			return PR_NONE;
	}
	push(p, c);
	return run_queue(p) && p->submit ? PR_SUBMIT : PR_CHANGED;
}

char *prompt_take(struct prompt *p)
{
	char *s = p->submit;

	p->submit = NULL;
	return s;
}

const char *prompt_line(struct prompt *p, int *cursor)
{
	const LineInfo *li = el_line(p->el);
	static char *buf;
	static size_t cap;
	size_t n;

	if (!li) {
		*cursor = 0;
		p->empty[0] = 0;
		return p->empty;
	}
	n = li->lastchar - li->buffer;
	if (n + 1 > cap) {
		cap = n + 64;
		buf = realloc(buf, cap);
	}
	memcpy(buf, li->buffer, n);
	buf[n] = 0;
	*cursor = (int)(li->cursor - li->buffer);
	return buf;
}

const char *prompt_pending(struct prompt *p)
{
	return p->pending ? p->pending : "";
}

void prompt_replace(struct prompt *p, int from, const char *s)
{
	int cursor;

	prompt_line(p, &cursor);
	if (from < cursor)
		el_deletestr(p->el, cursor - from);
	if (*s)
		el_insertstr(p->el, s);
}

void prompt_set(struct prompt *p, const char *text, int cursor)
{
	const LineInfo *li = el_line(p->el);
	int len = (int)strlen(text);

	if (li && li->lastchar > li->cursor)
		el_cursor(p->el, (int)(li->lastchar - li->cursor));
	li = el_line(p->el);
	if (li && li->cursor > li->buffer)
		el_deletestr(p->el, (int)(li->cursor - li->buffer));
	if (*text)
		el_insertstr(p->el, text);
	if (cursor >= 0 && cursor < len)
		el_cursor(p->el, cursor - len);
	drain(p);
}

void prompt_clear(struct prompt *p)
{
	prompt_set(p, "", -1);
	free(p->pending);
	p->pending = NULL;
	p->plen = 0;
}

bool prompt_empty(struct prompt *p)
{
	const LineInfo *li = el_line(p->el);

	return !p->pending && (!li || li->lastchar == li->buffer);
}
