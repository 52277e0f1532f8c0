/* tui: the workbench's main loop. One thread polls the terminal and the
 * runtime's fd together, reads maps at the pane interval, and redraws what
 * changed; a signal, q/:quit or a lost terminal ends it, and every link,
 * program and map is released before the process exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <curses.h>
#include "commands.h"
#include "draw.h"
#include "prompt.h"
#include "runtime/poll.h"
#include "screen.h"
#include "ui.h"

#define FIRST_POLL_MS 200       /* live data within a second of starting */
#define MAX_WAIT_MS 250

static bool readable(const char *path)
{
	return path && !access(path, R_OK);
}

const char *ui_default_session(const char *argv0)
{
	static char path[PATH_MAX];
	static const char *const rel[] = {
		"/../share/sessions/default.session",           /* build/bpfdeck */
		"/../../share/sessions/default.session",        /* build/src/bpfdeck */
		"/../share/bpfdeck/sessions/default.session",   /* PREFIX/bin/bpfdeck */
	};
	char exe[PATH_MAX];
	const char *env = getenv("BPFDECK_DEFAULT_SESSION");
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", exe, rel[i]);
			if (readable(path))
				return path;
		}
	}
	(void)argv0;
	snprintf(path, sizeof(path), "%s/sessions/default.session", BPFDECK_DATADIR);
	if (readable(path))
		return path;
	snprintf(path, sizeof(path), "%s/sessions/default.session", BPFDECK_SOURCE_SHARE);
	if (readable(path))
		return path;
	return NULL;
}

static void tui_edit(struct cmd_host *h, int id, const char *text)
{
	struct screen *scr = h->ui;

	screen_prompt_fill(scr, text, -1);
	h->wb->edit_target = id;
	screen_status(scr, "editing clause %d: Enter replaces it (its maps keep their data if "
		      "their types stay), Ctrl-C cancels", id);
}

static void tui_swap(struct cmd_host *h, struct workbench *nwb)
{
	struct screen *scr = h->ui;
	struct workbench *old = h->wb;

	h->wb = nwb;
	screen_sync(scr);        /* drops every pane of the old workbench */
	wb_free(old);
	screen_mark_all(scr);
}

static void tui_relayout(struct cmd_host *h)
{
	struct screen *scr = h->ui;

	scr->wb_gen = (uint64_t)-1;
	screen_sync(scr);
}

static void tui_pause(struct cmd_host *h, bool on)
{
	h->wb->paused = on;
	screen_status(h->ui, on ? "polling paused (p resumes)" : "polling resumed");
}

/* Reads every pending key (a resize shows up as KEY_RESIZE even when poll saw
 * no input: the SIGWINCH only interrupted it); false when the terminal is gone. */
static bool read_keys(struct screen *scr, bool *quit, bool pollin)
{
	int got = 0;

	for (;;) {
		wint_t wc;
		int r = wget_wch(scr->promptw, &wc);
		int flags;

		if (r == ERR)
			break;
		got++;
		flags = screen_key(scr, (int)wc, r == KEY_CODE_YES);
		if ((flags & K_QUIT) || scr->host->quit) {
			*quit = true;
			return true;
		}
	}
	/* readable but nothing to read, and no terminal behind stdin: it is gone */
	if (pollin && !got && tcgetpgrp(STDIN_FILENO) < 0 && (errno == ENOTTY || errno == EIO))
		return false;
	return true;
}

int ui_main(const struct session_config *cfg, const struct ui_opts *opts)
{
	struct layout layout = { 0 };
	struct cmd_host h = { 0 };
	struct screen *scr;
	struct outlog *log;
	const char *path;
	double next_poll, t_start;
	bool quit = false, lost_tty = false;
	SCREEN *term;
	int nattached;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ERROR: the workbench needs a terminal; use --batch FILE|- to run "
			"prompt lines without one, or -e/FILE to run a program\n");
		return 1;
	}
	setlocale(LC_ALL, "");
	log = outlog_new(5000);
	path = opts->session ? opts->session : opts->script;
	if (path) {
		h.wb = cmd_open_session(cfg, log, false, path, &layout);
		if (!h.wb) {
			for (size_t i = 0; i < outlog_count(log); i++)
				fprintf(stderr, "%s\n", outlog_line(log, i, NULL));
			outlog_free(log);
			return 1;
		}
	} else {
		path = ui_default_session(opts->argv0);
		h.wb = path ? cmd_open_session(cfg, log, false, path, &layout) : NULL;
		if (!h.wb)
			h.wb = wb_new(cfg, log, false);
		if (!h.wb) {
			outlog_free(log);
			return 1;
		}
		if (!path)
			wb_msg(h.wb, OL_WARN, "no default session found (share/sessions/default.session): "
			       "starting empty");
	}
	h.layout = &layout;
	h.cfg = cfg;
	h.edit = tui_edit;
	h.swap = tui_swap;
	h.relayout = tui_relayout;
	h.pause = tui_pause;
	wb_msg(h.wb, OL_INFO, "bpfdeck workbench: type a clause to attach it, :help for commands, "
	       "F1 or ? for keys, :quit to leave");

	term = newterm(NULL, stdout, stdin);
	if (!term) {
		fprintf(stderr, "ERROR: cannot open the terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		wb_free(h.wb);
		outlog_free(log);
		return 1;
	}
	set_term(term);
	raw();
	noecho();
	nonl();
	set_escdelay(25);
	keypad(stdscr, TRUE);
	draw_init();
	scr = screen_new(&h);
	h.ui = scr;
	if (!scr->prompt) {
		endwin();
		fprintf(stderr, "ERROR: cannot set up the prompt (libedit)\n");
		wb_free(h.wb);
		return 1;
	}
	screen_draw(scr);
	t_start = wb_now_ms();
	next_poll = t_start + FIRST_POLL_MS;
	while (!quit && !h.quit) {
		struct pollfd pf[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = rt_wait_fd(h.wb->rt), .events = POLLIN },
			{ .fd = wb_poll_fd(h.wb), .events = POLLIN },
		};
		double now = wb_now_ms(), wait = next_poll - now;

		if (wait > MAX_WAIT_MS)
			wait = MAX_WAIT_MS;
		if (wait < 0)
			wait = 0;
		if (poll(pf, 3, (int)wait) < 0 && errno != EINTR)
			break;
		if (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			lost_tty = true;
			break;
		}
		if (!read_keys(scr, &quit, pf[0].revents & POLLIN)) {
			lost_tty = true;
			break;
		}
		/* a key may have swapped the workbench (:load): look again */
		if (wb_poll_finish(h.wb, false) >= 0 && (pf[2].revents & POLLIN))
			screen_data_changed(scr);
		wb_service(h.wb);
		if (h.wb->stop)
			break;
		now = wb_now_ms();
		if (now >= next_poll) {
			if (!h.wb->paused) {
				wb_poll_start(h.wb);
				wb_stats_sample(h.wb);
			}
			next_poll = now + h.wb->interval_ms;
			screen_data_changed(scr);
		}
		screen_draw(scr);
	}
	nattached = wb_nattached(h.wb);
	if (!lost_tty)
		endwin();
	screen_free(scr);
	delscreen(term);
	wb_free(h.wb);
	layout_free(&layout);
	outlog_free(log);
	if (!lost_tty)
		fprintf(stderr, "bpfdeck: detached %d clause%s; nothing of this session is left in "
			"the kernel\n", nattached, nattached == 1 ? "" : "s");
	return 0;
}
