/* commands: the workbench's ":" commands, one table entry each (bpftool style:
 * prefix-matched, :help is generated from the table). Shared by the TUI and
 * batch mode; what only a screen can do goes through the host's hooks. */
#ifndef BPFDECK_UI_COMMANDS_H
#define BPFDECK_UI_COMMANDS_H

#include <stdbool.h>
#include "session_file.h"
#include "wb.h"

struct cmd_host {
	struct workbench *wb;
	struct layout *layout;          /* pane settings, saved with the session */
	const struct session_config *cfg;
	bool quit;
	bool batch;
	void *ui;                       /* the screen (NULL in batch mode) */
	/* Puts text into the prompt for editing clause id (TUI). */
	void (*edit)(struct cmd_host *h, int id, const char *text);
	/* A new workbench replaces h->wb (after :load); the host frees the old one. */
	void (*swap)(struct cmd_host *h, struct workbench *nwb);
	/* Layout changed (join/hide/show/view): panes must follow. */
	void (*relayout)(struct cmd_host *h);
	/* Pause/resume polling. */
	void (*pause)(struct cmd_host *h, bool on);
	/* Runs the event loop for ms milliseconds (batch :sleep). */
	void (*sleep)(struct cmd_host *h, int ms);
};

/* Runs one command line (with or without the leading ':'). 0 or -errno. */
int cmd_run(struct cmd_host *h, const char *line);

/* Command names starting with prefix, for completion: calls fn for each. */
void cmd_names(const char *prefix, void (*fn)(void *ctx, const char *name), void *ctx);
/* The argument kinds of a command ("N", "@map", "FILE"...), or NULL. */
const char *cmd_args(const char *name);

/* Opens a session file or script into a fresh workbench (for --session, -i,
 * the default session and :load). NULL on error, reported to log. */
struct workbench *cmd_open_session(const struct session_config *cfg, struct outlog *log,
				   bool batch, const char *path, struct layout *layout);

#endif
