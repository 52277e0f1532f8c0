/* ui: the workbench's entry points for src/main.c.
 * ui_main opens the ncurses workbench; ui_batch runs prompt lines from a file
 * or stdin without a screen (for scripts and tests). */
#ifndef BPFDECK_UI_H
#define BPFDECK_UI_H

#include "lang/session.h"

struct ui_opts {
	const char *session;    /* --session FILE; NULL: the default session */
	const char *script;     /* -i FILE.bt: open a script instead */
	const char *batch;      /* --batch FILE or "-" */
	const char *argv0;      /* to find share/ next to the binary */
};

/* Both return the process exit status. */
int ui_main(const struct session_config *cfg, const struct ui_opts *opts);
int ui_batch(const struct session_config *cfg, const struct ui_opts *opts);

/* The default session file, or NULL when none is installed. */
const char *ui_default_session(const char *argv0);

#endif
