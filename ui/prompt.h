/* prompt: the workbench's input line, edited by libedit (emacs keys, history)
 * but drawn by the screen. A clause whose braces are still open continues on
 * the next line; a finished clause or a ":" command is handed out whole. */
#ifndef BPFDECK_UI_PROMPT_H
#define BPFDECK_UI_PROMPT_H

#include <stdbool.h>

struct prompt;

enum prompt_result {
	PR_NONE,                /* the key did nothing visible */
	PR_CHANGED,             /* redraw the prompt */
	PR_SUBMIT,              /* prompt_take() has a clause or command */
};

struct prompt *prompt_new(const char *history_file);
void prompt_free(struct prompt *p);

/* Feeds one key (a wide character, or a KEY_* code when is_key). */
enum prompt_result prompt_key(struct prompt *p, int key, bool is_key);
/* The submission: a whole clause (lines joined by '\n') or a ":" command.
 * malloc'd; NULL when there is none. */
char *prompt_take(struct prompt *p);

/* The line being edited and the cursor as a byte offset into it. */
const char *prompt_line(struct prompt *p, int *cursor);
/* Lines of an unfinished clause typed so far ("" when none). */
const char *prompt_pending(struct prompt *p);
/* Replaces bytes [from, cursor) of the line with s (completion). */
void prompt_replace(struct prompt *p, int from, const char *s);
/* Sets the whole line; cursor: byte offset or -1 for the end. */
void prompt_set(struct prompt *p, const char *text, int cursor);
/* Drops the line and any unfinished clause. */
void prompt_clear(struct prompt *p);
bool prompt_empty(struct prompt *p);

#endif
