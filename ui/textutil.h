/* textutil: small facts about clause text that the prompt, batch mode and
 * completion share: brace depth (is the clause finished?), one-line form. */
#ifndef BPFDECK_UI_TEXTUTIL_H
#define BPFDECK_UI_TEXTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Open braces minus closed ones, outside strings and comments. */
int text_brace_depth(const char *s);
/* A clause still open: a brace open, or probes without their block yet. */
bool text_unfinished(const char *s);
/* text on one line for the prompt: "//" comments become block comments,
 * newlines and tabs spaces (strings are left alone). malloc'd. */
char *text_one_line(const char *s);
/* Is the line blank or only a comment? */
bool text_is_blank(const char *s);

#endif
