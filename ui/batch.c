/* batch: the workbench without a screen, bpftool "batch" style.
 * Reads prompt lines (clauses, continued while a brace is open, and ":"
 * commands) from a file or stdin; program output goes to stdout, messages to
 * stderr. At the end END probes run and everything is released. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "runtime/poll.h"
#include "textutil.h"
#include "ui.h"

static void batch_swap(struct cmd_host *h, struct workbench *nwb)
{
	wb_free(h->wb);
	h->wb = nwb;
}

/* Runs the event loop for ms milliseconds, or until a signal stops it. */
static void batch_sleep(struct cmd_host *h, int ms)
{
	double end = wb_now_ms() + ms;

	while (!h->wb->stop) {
		double left = end - wb_now_ms();
		struct pollfd p = { .fd = rt_wait_fd(h->wb->rt), .events = POLLIN };

		if (left <= 0)
			break;
		poll(&p, 1, left > 100 ? 100 : (int)left + 1);
		wb_service(h->wb);
	}
	wb_service(h->wb);
}

int ui_batch(const struct session_config *cfg, const struct ui_opts *opts)
{
	struct layout layout = { 0 };
	struct cmd_host h = { 0 };
	struct outlog *log;
	char *line = NULL, *pending = NULL;
	size_t cap = 0, plen = 0;
	int lineno = 0, first = 0, status = 0;
	const char *fname;
	FILE *in;

	fname = strcmp(opts->batch, "-") ? opts->batch : "stdin";
	in = strcmp(opts->batch, "-") ? fopen(opts->batch, "re") : stdin;
	if (!in) {
		fprintf(stderr, "ERROR: %s: %s\n", opts->batch, strerror(errno));
		return 1;
	}
	log = outlog_new(16);
	outlog_set_echo(log, stdout, stderr);
	if (opts->session || opts->script)
		h.wb = cmd_open_session(cfg, log, true, opts->session ? opts->session : opts->script,
					&layout);
	else
		h.wb = wb_new(cfg, log, true);
	if (!h.wb) {
		outlog_free(log);
		if (in != stdin)
			fclose(in);
		return 1;
	}
	h.layout = &layout;
	h.cfg = cfg;
	h.batch = true;
	h.swap = batch_swap;
	h.sleep = batch_sleep;
	while (!h.quit && !h.wb->stop) {
		ssize_t n = getline(&line, &cap, in);

		if (n < 0)
			break;
		lineno++;
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		wb_service(h.wb);
		if (!pending) {
			const char *p = line + strspn(line, " \t");

			if (*p == ':') {
				if (cmd_run(&h, p))
					status = 1;
				continue;
			}
			if (text_is_blank(p))
				continue;
			first = lineno;
		}
		pending = realloc(pending, plen + n + 2);
		memcpy(pending + plen, line, n);
		plen += n;
		pending[plen++] = '\n';
		pending[plen] = 0;
		if (text_unfinished(pending))
			continue;
		if (wb_submit(h.wb, pending, fname, first))
			status = 1;
		free(pending);
		pending = NULL;
		plen = 0;
	}
	if (pending && !h.wb->stop) {
		if (wb_submit(h.wb, pending, fname, first))
			status = 1;
	}
	free(pending);
	free(line);
	if (in != stdin)
		fclose(in);
	wb_service(h.wb);
	wb_run_end(h.wb);
	wb_free(h.wb);
	layout_free(&layout);
	outlog_free(log);
	return status;
}
