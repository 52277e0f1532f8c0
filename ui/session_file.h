/* session_file: the workbench's session files (:save, :load, --session).
 * A line-based text format: the clauses as written (with their state) and the
 * pane layout. Files are validated whole before anything is applied and are
 * written atomically. The format is described in session_file.c. */
#ifndef BPFDECK_UI_SESSION_FILE_H
#define BPFDECK_UI_SESSION_FILE_H

#include <stdbool.h>
#include "wb.h"

/* How one map's pane is shown; also kept for maps that do not exist yet. */
struct pane_conf {
	char name[64];          /* "@x" */
	char view[16];          /* "" (by type), table, hist, pct, heat, stack, scalar */
	int sort;               /* column the table sorts by */
	bool reverse;           /* ascending instead of descending */
	bool delta;             /* per-interval changes instead of totals */
	bool hidden;
	char join[192];         /* maps shown as extra columns of this table: "@b @c" */
};

struct layout {
	struct pane_conf *v;
	int n;
	int interval_ms;        /* 0: unchanged */
};

struct pane_conf *layout_get(struct layout *l, const char *name, bool create);
void layout_free(struct layout *l);

struct sf_clause {
	char *text;
	int line;               /* first line of the text in the file */
	enum wb_state state;
	bool preamble;          /* #include/#define/C definitions, not a clause */
};

struct session_doc {
	struct sf_clause *cl;
	int ncl;
	struct layout layout;
};

/* Parses and validates path; on error *err gets "FILE:LINE: why" (malloc'd). */
int session_doc_read(const char *path, struct session_doc *doc, char **err);
void session_doc_free(struct session_doc *doc);
/* Loads the document's clauses into wb (a clause that fails stays in WB_ERROR). */
void session_doc_apply(const struct session_doc *doc, const char *path, struct workbench *wb);
/* Writes wb's clauses and layout l to path atomically. */
int session_save(struct workbench *wb, const struct layout *l, const char *path);

/* A whole script (FILE.bt) into wb clause by clause, each keeping its line numbers. */
int session_load_script(struct workbench *wb, const char *path);

#endif
