/* commands: the ":" command table and its handlers.
 * A name is matched exactly or by a unique prefix (":di 2" is :disable);
 * :help prints the table, so the help and the commands cannot drift apart. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"

#define MAX_ARGS 16

struct command {
	const char *name;
	const char *args;
	int (*fn)(struct cmd_host *h, int argc, char **argv);
	const char *help;
	int min_args;
};

static const struct command commands[];

static struct workbench *W(struct cmd_host *h)
{
	return h->wb;
}

static int parse_id(struct cmd_host *h, const char *s, int *id)
{
	char *end;
	long v;

	if (s[0] == '#')
		s++;
	v = strtol(s, &end, 10);
	if (!*s || *end || v <= 0 || v > 1000000) {
		wb_msg(W(h), OL_ERROR, "ERROR: '%s' is not a clause id (see :list)", s);
		return -EINVAL;
	}
	*id = (int)v;
	return 0;
}

static int c_help(struct cmd_host *h, int argc, char **argv)
{
	wb_msg(W(h), OL_CMD, "Commands (a unique prefix is enough, e.g. :di 2):");
	for (const struct command *c = commands; c->name; c++) {
		char head[48];

		if (argc > 1 && strncmp(c->name, argv[1], strlen(argv[1])))
			continue;
		snprintf(head, sizeof(head), ":%s %s", c->name, c->args);
		wb_msg(W(h), OL_CMD, "  %-26s %s", head, c->help);
	}
	if (argc <= 1 && !h->batch) {
		wb_msg(W(h), OL_CMD, "Anything else typed at the prompt is a clause: "
		       "probe[,probe] [/pred/] { actions }");
		wb_msg(W(h), OL_CMD, "Keys: ? (with a pane focused) lists them; Esc leaves the "
		       "prompt, Tab completes in it.");
	}
	return 0;
}

static const char *state_name(enum wb_state s)
{
	return s == WB_ATTACHED ? "attached" : s == WB_DISABLED ? "disabled" : "error";
}

static int c_list(struct cmd_host *h, int argc, char **argv)
{
	struct workbench *wb = W(h);

	if (!wb->ncl)
		wb_msg(wb, OL_CMD, "no clauses (type one at the prompt)");
	for (int i = 0; i < wb->ncl; i++) {
		struct wb_clause *c = wb->cl[i];
		char links[160] = "";
		uint32_t ids[32];
		int n = c->rc ? rt_clause_link_ids(c->rc, ids, 32) : 0;
		size_t off = 0;

		for (int k = 0; k < n && k < 32 && off + 12 < sizeof(links); k++)
			off += snprintf(links + off, sizeof(links) - off, "%s%u", k ? "," : "", ids[k]);
		wb_msg(wb, OL_CMD, "%3d %-8s links=%s%s%s", c->id, state_name(c->state),
		       n ? links : "-", c->error ? " error: " : "", c->error ? c->error : "");
		for (const char *p = c->text; *p;) {
			size_t len = strcspn(p, "\n");

			wb_msg(wb, OL_CMD, "      %.*s", (int)len, p);
			p += len;
			if (*p)
				p++;
		}
	}
	return 0;
}

static int c_rm(struct cmd_host *h, int argc, char **argv)
{
	int id, err = 0;

	for (int i = 1; i < argc && !err; i++)
		err = parse_id(h, argv[i], &id) ?: wb_rm(W(h), id);
	return err;
}

static int c_edit(struct cmd_host *h, int argc, char **argv)
{
	struct wb_clause *c;
	int id;

	if (parse_id(h, argv[1], &id))
		return -EINVAL;
	c = wb_clause(W(h), id);
	if (!c) {
		wb_msg(W(h), OL_ERROR, "ERROR: no clause %d", id);
		return -ENOENT;
	}
	W(h)->edit_target = id;
	if (h->edit)
		h->edit(h, id, c->text);
	else
		wb_msg(W(h), OL_INFO, "the next clause replaces clause %d", id);
	return 0;
}

static int c_disable(struct cmd_host *h, int argc, char **argv)
{
	int id, err = 0;

	for (int i = 1; i < argc && !err; i++)
		err = parse_id(h, argv[i], &id) ?: wb_disable(W(h), id);
	return err;
}

static int c_enable(struct cmd_host *h, int argc, char **argv)
{
	int id, err = 0;

	for (int i = 1; i < argc && !err; i++)
		err = parse_id(h, argv[i], &id) ?: wb_enable(W(h), id);
	return err;
}

static int c_clear(struct cmd_host *h, int argc, char **argv)
{
	int err = 0;

	for (int i = 1; i < argc; i++)
		err = wb_map_clear(W(h), argv[i]) ?: err;
	return err;
}

static int c_zero(struct cmd_host *h, int argc, char **argv)
{
	int err = 0;

	for (int i = 1; i < argc; i++)
		err = wb_map_zero(W(h), argv[i]) ?: err;
	return err;
}

static int c_print(struct cmd_host *h, int argc, char **argv)
{
	int err = 0;

	if (argc == 1) {
		for (int i = 0; i < W(h)->nmaps; i++)
			err = wb_map_print(W(h), W(h)->maps[i]->decl->name) ?: err;
		return err;
	}
	for (int i = 1; i < argc; i++)
		err = wb_map_print(W(h), argv[i]) ?: err;
	return err;
}

static int c_interval(struct cmd_host *h, int argc, char **argv)
{
	char *end;
	long ms;

	if (argc < 2) {
		wb_msg(W(h), OL_CMD, "interval %d ms", W(h)->interval_ms);
		return 0;
	}
	ms = strtol(argv[1], &end, 10);
	if (!strcmp(end, "s"))
		ms *= 1000;
	else if (*end && strcmp(end, "ms"))
		ms = -1;
	if (ms < 10 || ms > 3600000) {
		wb_msg(W(h), OL_ERROR, "ERROR: interval: expected milliseconds, 10..3600000");
		return -EINVAL;
	}
	W(h)->interval_ms = (int)ms;
	h->layout->interval_ms = (int)ms;
	wb_msg(W(h), OL_INFO, "maps are polled every %ld ms", ms);
	return 0;
}

static int c_save(struct cmd_host *h, int argc, char **argv)
{
	return session_save(W(h), h->layout, argv[1]);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

struct workbench *cmd_open_session(const struct session_config *cfg, struct outlog *log,
				   bool batch, const char *path, struct layout *layout)
{
	struct session_doc doc;
	struct workbench *wb;
	char *err = NULL;

	if (ends_with(path, ".bt")) {
		if (access(path, R_OK)) {
			outlog_printf(log, OL_ERROR, "ERROR: %s: %s", path, strerror(errno));
			return NULL;
		}
		wb = wb_new(cfg, log, batch);
		if (wb)
			session_load_script(wb, path);
		return wb;
	}
	if (session_doc_read(path, &doc, &err)) {
		outlog_printf(log, OL_ERROR, "ERROR: %s", err ? err : path);
		free(err);
		return NULL;
	}
	wb = wb_new(cfg, log, batch);
	if (wb) {
		session_doc_apply(&doc, path, wb);
		if (layout) {
			layout_free(layout);
			*layout = doc.layout;
			memset(&doc.layout, 0, sizeof(doc.layout));
		}
		wb_msg(wb, OL_INFO, "session %s: %d clause%s", path, wb->ncl, wb->ncl == 1 ? "" : "s");
	}
	session_doc_free(&doc);
	return wb;
}

static int c_load(struct cmd_host *h, int argc, char **argv)
{
	struct layout l = { 0 };
	struct workbench *nwb;

	if (ends_with(argv[1], ".bt"))
		return session_load_script(W(h), argv[1]);
	nwb = cmd_open_session(h->cfg, W(h)->log, h->batch, argv[1], &l);
	if (!nwb) {
		wb_msg(W(h), OL_ERROR, "the current session is unchanged");
		return -EINVAL;
	}
	layout_free(h->layout);
	*h->layout = l;
	if (h->swap)
		h->swap(h, nwb);
	return 0;
}

static int c_export(struct cmd_host *h, int argc, char **argv)
{
	return wb_export(W(h), argv[1]);
}

static int c_export_folded(struct cmd_host *h, int argc, char **argv)
{
	return wb_export_folded(W(h), argv[1], argc > 2 ? argv[2] : NULL);
}

static int c_quit(struct cmd_host *h, int argc, char **argv)
{
	h->quit = true;
	return 0;
}

static int c_stats(struct cmd_host *h, int argc, char **argv)
{
	bool on = W(h)->stats_fd < 0;

	if (argc > 1) {
		if (!strcmp(argv[1], "on"))
			on = true;
		else if (!strcmp(argv[1], "off"))
			on = false;
		else {
			wb_msg(W(h), OL_ERROR, "ERROR: stats: on or off");
			return -EINVAL;
		}
	}
	return wb_stats(W(h), on);
}

static int pane_flag(struct cmd_host *h, int argc, char **argv, const char *what)
{
	for (int i = 1; i < argc; i++) {
		struct pane_conf *p;

		if (argv[i][0] != '@') {
			wb_msg(W(h), OL_ERROR, "ERROR: %s: expected a map name (@name), not '%s'", what,
			       argv[i]);
			return -EINVAL;
		}
		p = layout_get(h->layout, argv[i], true);
		if (!strcmp(what, "hide"))
			p->hidden = true;
		else if (!strcmp(what, "show"))
			p->hidden = false;
	}
	if (h->relayout)
		h->relayout(h);
	return 0;
}

static int c_hide(struct cmd_host *h, int argc, char **argv)
{
	return pane_flag(h, argc, argv, "hide");
}

static int c_show(struct cmd_host *h, int argc, char **argv)
{
	return pane_flag(h, argc, argv, "show");
}

static int c_view(struct cmd_host *h, int argc, char **argv)
{
	static const char *const views[] = { "auto", "table", "hist", "pct", "heat", "stack",
					     "scalar", NULL };
	struct pane_conf *p;
	int i;

	for (i = 0; views[i] && strcmp(views[i], argv[2]); i++)
		;
	if (!views[i] || argv[1][0] != '@') {
		wb_msg(W(h), OL_ERROR, "ERROR: view @map auto|table|hist|pct|heat|stack|scalar");
		return -EINVAL;
	}
	p = layout_get(h->layout, argv[1], true);
	snprintf(p->view, sizeof(p->view), "%s", i ? views[i] : "");
	if (h->relayout)
		h->relayout(h);
	return 0;
}

static int c_join(struct cmd_host *h, int argc, char **argv)
{
	struct wb_map *first = wb_map_find(W(h), argv[1]);
	struct pane_conf *p;

	if (!first) {
		wb_msg(W(h), OL_ERROR, "ERROR: no map %s", argv[1]);
		return -ENOENT;
	}
	p = layout_get(h->layout, first->decl->name, true);
	p->join[0] = 0;
	for (int i = 2; i < argc; i++) {
		struct wb_map *m = wb_map_find(W(h), argv[i]);
		struct pane_conf *o;

		if (!m) {
			wb_msg(W(h), OL_ERROR, "ERROR: no map %s", argv[i]);
			return -ENOENT;
		}
		if (!first->decl->key || !m->decl->key || !type_equal(first->decl->key, m->decl->key)) {
			wb_msg(W(h), OL_ERROR, "ERROR: join: %s and %s have different key types",
			       first->decl->name, m->decl->name);
			return -EINVAL;
		}
		if (strlen(p->join) + strlen(m->decl->name) + 2 >= sizeof(p->join))
			break;
		if (p->join[0])
			strcat(p->join, " ");
		strcat(p->join, m->decl->name);
		o = layout_get(h->layout, m->decl->name, true);
		o->hidden = true;
	}
	if (argc == 2)
		wb_msg(W(h), OL_INFO, "%s: joined columns removed", first->decl->name);
	else
		wb_msg(W(h), OL_INFO, "%s now shows %s as columns", first->decl->name, p->join);
	if (h->relayout)
		h->relayout(h);
	return 0;
}

static int c_pause(struct cmd_host *h, int argc, char **argv)
{
	bool on = !W(h)->paused;

	if (h->pause)
		h->pause(h, on);
	else
		W(h)->paused = on;
	return 0;
}

static int c_timing(struct cmd_host *h, int argc, char **argv)
{
	struct workbench *wb = W(h);

	size_t keys = 0;

	for (int i = 0; i < wb->nmaps; i++)
		keys += wb->maps[i]->cur ? wb->maps[i]->cur->n : 0;
	wb_msg(wb, OL_CMD, "last clause add: %.1f ms (compile %.1f, load %.1f, attach %.1f); "
	       "last map poll: %.1f ms for %zu keys; last map pane redraw: %.1f ms (max %.1f, CPU %.1f)",
	       wb->t_add,
	       wb->t_compile, wb->t_load, wb->t_attach, wb->t_poll, keys, wb->t_draw,
	       wb->t_draw_max, wb->t_draw_max_cpu);
	return 0;
}

static int c_cls(struct cmd_host *h, int argc, char **argv)
{
	outlog_clear(W(h)->log);
	return 0;
}

static int c_sleep(struct cmd_host *h, int argc, char **argv)
{
	long ms = strtol(argv[1], NULL, 10);

	if (ms < 0 || ms > 86400000) {
		wb_msg(W(h), OL_ERROR, "ERROR: sleep: milliseconds");
		return -EINVAL;
	}
	if (h->sleep)
		h->sleep(h, (int)ms);
	return 0;
}

static const struct command commands[] = {
	{ "help", "[CMD]", c_help, "list the commands", 0 },
	{ "list", "", c_list, "list the clauses: id, state, link ids, text", 0 },
	{ "rm", "N...", c_rm, "detach and remove clause N (its maps keep their data)", 1 },
	{ "edit", "N", c_edit, "put clause N into the prompt; submitting replaces it", 1 },
	{ "disable", "N...", c_disable, "detach clause N, keeping it loaded", 1 },
	{ "enable", "N...", c_enable, "attach disabled clause N again", 1 },
	{ "clear", "@MAP...", c_clear, "delete every key of a map", 1 },
	{ "zero", "@MAP...", c_zero, "set every value of a map to zero", 1 },
	{ "print", "[@MAP...]", c_print, "print maps into the output pane (bpftrace's format)", 0 },
	{ "interval", "[MS]", c_interval, "poll maps every MS milliseconds (default 1000)", 0 },
	{ "save", "FILE", c_save, "save the session (clauses and panes) to FILE", 1 },
	{ "load", "FILE", c_load, "open a session file, or add the clauses of FILE.bt", 1 },
	{ "export", "FILE.bt", c_export, "write the attached clauses as a bpftrace script", 1 },
	{ "export-folded", "FILE [@MAP]", c_export_folded,
	  "write a stack map as folded stacks, for flamegraph.pl", 1 },
	{ "stats", "[on|off]", c_stats, "kernel BPF stats: events/s and ns per event per clause", 0 },
	{ "join", "@A @B...", c_join, "show maps with A's key type as columns of A's table", 1 },
	{ "hide", "@MAP...", c_hide, "hide a map's pane", 1 },
	{ "show", "@MAP...", c_show, "show a hidden map's pane", 1 },
	{ "view", "@MAP VIEW", c_view, "show a map as table, hist, pct, heat, stack or scalar", 2 },
	{ "pause", "", c_pause, "pause or resume map polling", 0 },
	{ "cls", "", c_cls, "clear the output pane", 0 },
	{ "timing", "", c_timing, "how long the last clause add and map poll took", 0 },
	{ "sleep", "MS", c_sleep, "batch mode: let probes run for MS milliseconds", 1 },
	{ "quit", "", c_quit, "detach everything and leave", 0 },
	{ NULL, NULL, NULL, NULL, 0 },
};

void cmd_names(const char *prefix, void (*fn)(void *ctx, const char *name), void *ctx)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strncmp(c->name, prefix, strlen(prefix)))
			fn(ctx, c->name);
}

const char *cmd_args(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c->args;
	return NULL;
}

int cmd_run(struct cmd_host *h, const char *line)
{
	const struct command *found = NULL;
	char *copy, *argv[MAX_ARGS + 1], *save = NULL, *tok;
	int argc = 0, nmatch = 0, err;
	char cands[256] = "";

	while (*line == ' ' || *line == ':')
		line++;
	copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (!argc) {
		free(copy);
		return 0;
	}
	for (const struct command *c = commands; c->name; c++) {
		if (!strcmp(c->name, argv[0])) {
			found = c;
			nmatch = 1;
			break;
		}
		if (!strncmp(c->name, argv[0], strlen(argv[0]))) {
			found = c;
			nmatch++;
			if (strlen(cands) + strlen(c->name) + 3 < sizeof(cands))
				strcat(strcat(cands, " :"), c->name);
		}
	}
	if (nmatch != 1) {
		if (nmatch)
			wb_msg(W(h), OL_ERROR, "ERROR: :%s is ambiguous:%s", argv[0], cands);
		else
			wb_msg(W(h), OL_ERROR, "ERROR: unknown command :%s (:help lists them)", argv[0]);
		free(copy);
		return -EINVAL;
	}
	if (argc - 1 < found->min_args) {
		wb_msg(W(h), OL_ERROR, "ERROR: usage: :%s %s", found->name, found->args);
		free(copy);
		return -EINVAL;
	}
	err = found->fn(h, argc, argv);
	free(copy);
	return err;
}
