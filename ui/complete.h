/* complete: Tab completion at the prompt. From the text before the cursor it
 * decides what is being typed (a command, a probe type, a tracepoint, an
 * args-> field, a kernel function, a binary's symbol, a map, a variable,
 * a builtin) and lists the candidates for the word under the cursor. */
#ifndef BPFDECK_UI_COMPLETE_H
#define BPFDECK_UI_COMPLETE_H

#include "wb.h"

struct completion {
	char **v;               /* replacements for line[from, cursor), suffix included */
	int n;
	int total;              /* matches before the list was cut at the limit */
	int from;
	char note[160];         /* where the candidates come from */
};

/* pending: earlier lines of an unfinished clause; line/cursor: the current line.
 * Returns the number of candidates. */
int complete(struct workbench *wb, const char *pending, const char *line, int cursor,
	     struct completion *out);
void completion_free(struct completion *c);
/* The longest prefix all candidates share. malloc'd. */
char *completion_common(const struct completion *c);

#endif
