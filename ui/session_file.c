/* session_file: reading, validating and writing workbench session files.
 *
 *   bpfdeck-session 1 [sealed]        first line that is not a comment
 *   interval MS                       map polling interval
 *   preamble N                        N lines of #include/#define/C definitions
 *   clause attached|disabled|error N  N lines: one clause as written
 *   pane @MAP [view=V] [sort=N] [reverse=0|1] [delta=0|1] [hidden=0|1] [join=@a,@b]
 *   end                               the last entry: nothing but comments follow
 *
 * Lines starting with '#' outside a clause or preamble are comments. A sealed
 * file (what :save writes) must have its "end": one cut short is refused instead
 * of opening with clauses missing. Hand-written files need neither. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "session_file.h"

#define SF_MAGIC "bpfdeck-session"
#define SF_VERSION 1

static const char *const views[] = { "", "table", "hist", "pct", "heat", "stack", "scalar", NULL };

struct pane_conf *layout_get(struct layout *l, const char *name, bool create)
{
	struct pane_conf *p;

	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	if (!create)
		return NULL;
	p = reallocarray(l->v, l->n + 1, sizeof(*p));
	if (!p)
		return NULL;
	l->v = p;
	p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

void layout_free(struct layout *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void session_doc_free(struct session_doc *doc)
{
	for (int i = 0; i < doc->ncl; i++)
		free(doc->cl[i].text);
	free(doc->cl);
	layout_free(&doc->layout);
	memset(doc, 0, sizeof(*doc));
}

static char *read_all(const char *path, char **err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0, n;
	int e = 0;

	if (!f) {
		e = errno;
		goto cleanup;
	}
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			grown = realloc(buf, cap);
			if (!grown) {
				e = ENOMEM;
				goto cleanup;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	/* a directory opens but cannot be read: say so, not "empty" */
	if (ferror(f)) {
		e = errno ? errno : EIO;
		goto cleanup;
	}
	buf[len] = 0;
	if (strlen(buf) != len) {
		if (asprintf(err, "%s: holds a NUL byte: not a session file", path) < 0)
			*err = NULL;
		e = EINVAL;
	}
cleanup:
	if (f)
		fclose(f);
	if (e) {
		if (e != EINVAL && asprintf(err, "%s: %s", path, strerror(e)) < 0)
			*err = NULL;
		free(buf);
		return NULL;
	}
	return buf;
}

/* Splits buf into lines in place; returns the count or -ENOMEM. */
static int split_lines(char *buf, char ***lines)
{
	int n = 0, cap = 0;
	char **grown;

	*lines = NULL;
	for (char *p = buf; *p;) {
		char *nl = strchr(p, '\n');

		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			grown = reallocarray(*lines, cap, sizeof(**lines));
			if (!grown) {
				free(*lines);
				*lines = NULL;
				return -ENOMEM;
			}
			*lines = grown;
		}
		(*lines)[n++] = p;
		if (!nl)
			break;
		*nl = 0;
		if (nl > p && nl[-1] == '\r')
			nl[-1] = 0;
		p = nl + 1;
	}
	return n;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
		*out = false;
	else
		return false;
	return true;
}

static bool parse_int(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max)
		return false;
	*out = n;
	return true;
}

static bool valid_map_name(const char *s)
{
	if (s[0] != '@' || strlen(s) >= 64)
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

/* "pane @m key=value ..." */
static int parse_pane(char *args, struct layout *l, const char **why)
{
	char *save = NULL, *tok = strtok_r(args, " \t", &save);
	struct pane_conf *p;

	if (!tok || !valid_map_name(tok)) {
		*why = "pane: expected a map name (@name)";
		return -EINVAL;
	}
	p = layout_get(l, tok, true);
	if (!p) {
		*why = "out of memory";
		return -ENOMEM;
	}
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		long n;
		bool ok = true;

		if (!eq) {
			*why = "pane: expected key=value";
			return -EINVAL;
		}
		*eq++ = 0;
		if (!strcmp(tok, "view")) {
			ok = false;
			for (int i = 1; views[i]; i++)
				ok |= !strcmp(eq, views[i]);
			if (ok)
				snprintf(p->view, sizeof(p->view), "%s", eq);
			else
				*why = "pane: view must be table, hist, pct, heat, stack or scalar";
		} else if (!strcmp(tok, "sort")) {
			ok = parse_int(eq, 0, 16, &n);
			p->sort = (int)n;
			if (!ok)
				*why = "pane: sort must be a column number 0..16";
		} else if (!strcmp(tok, "reverse")) {
			if (!(ok = parse_bool(eq, &p->reverse)))
				*why = "pane: reverse must be 0 or 1";
		} else if (!strcmp(tok, "delta")) {
			if (!(ok = parse_bool(eq, &p->delta)))
				*why = "pane: delta must be 0 or 1";
		} else if (!strcmp(tok, "hidden")) {
			if (!(ok = parse_bool(eq, &p->hidden)))
				*why = "pane: hidden must be 0 or 1";
		} else if (!strcmp(tok, "join")) {
			char copy[192], *s2 = NULL, *m;

			snprintf(copy, sizeof(copy), "%s", eq);
			p->join[0] = 0;
			for (m = strtok_r(copy, ",", &s2); m && ok; m = strtok_r(NULL, ",", &s2)) {
				ok = valid_map_name(m);
				if (ok && strlen(p->join) + strlen(m) + 2 < sizeof(p->join)) {
					if (p->join[0])
						strcat(p->join, " ");
					strcat(p->join, m);
				}
			}
			if (!ok)
				*why = "pane: join must list maps as @a,@b";
		} else {
			ok = false;
			*why = "pane: unknown key (view, sort, reverse, delta, hidden, join)";
		}
		if (!ok)
			return -EINVAL;
	}
	return 0;
}

int session_doc_read(const char *path, struct session_doc *doc, char **errmsg)
{
	char *buf, **lines = NULL;
	const char *why = NULL;
	int n, i, err = -EINVAL;
	bool magic = false, sealed = false, ended = false;

	memset(doc, 0, sizeof(*doc));
	*errmsg = NULL;
	buf = read_all(path, errmsg);
	if (!buf)
		return -EINVAL;
	n = split_lines(buf, &lines);
	if (n < 0) {
		why = "out of memory";
		err = n;
		i = 0;
	}
	for (i = 0; i < n && !why; i++) {
		char *ln = lines[i], *word, *rest;
		long cnt;

		while (*ln == ' ' || *ln == '\t')
			ln++;
		if (!*ln || *ln == '#')
			continue;
		if (ended) {
			why = "nothing but comments may follow \"end\"";
			break;
		}
		word = ln;
		rest = word + strcspn(word, " \t");
		if (*rest)
			*rest++ = 0;
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (!magic) {
			char *flag = rest + strcspn(rest, " \t");
			long v;

			if (strcmp(word, SF_MAGIC)) {
				why = "not a bpfdeck session file (expected \"" SF_MAGIC " 1\" first)";
				break;
			}
			if (*flag)
				*flag++ = 0;
			flag += strspn(flag, " \t");
			if (!parse_int(rest, 1, 1000, &v) || v > SF_VERSION) {
				why = "unsupported session file version (this bpfdeck reads version 1)";
				break;
			}
			sealed = !strcmp(flag, "sealed");
			if (*flag && !sealed) {
				why = "unknown flag after the version (expected \"sealed\" or nothing)";
				break;
			}
			magic = true;
			continue;
		}
		if (!strcmp(word, "end")) {
			if (*rest) {
				why = "end: takes nothing after it";
				break;
			}
			ended = true;
			continue;
		}
		if (!strcmp(word, "interval")) {
			if (!parse_int(rest, 10, 3600000, &cnt)) {
				why = "interval: expected milliseconds (10..3600000)";
				break;
			}
			doc->layout.interval_ms = (int)cnt;
		} else if (!strcmp(word, "clause") || !strcmp(word, "preamble")) {
			struct sf_clause c = { 0 }, *grown;
			char *st = rest, *num;
			size_t len = 0;

			if (!strcmp(word, "preamble")) {
				c.preamble = true;
				num = st;
			} else {
				num = st + strcspn(st, " \t");
				if (*num)
					*num++ = 0;
				if (!strcmp(st, "attached"))
					c.state = WB_ATTACHED;
				else if (!strcmp(st, "disabled"))
					c.state = WB_DISABLED;
				else if (!strcmp(st, "error"))
					c.state = WB_ERROR;
				else {
					why = "clause: state must be attached, disabled or error";
					break;
				}
			}
			if (!parse_int(num, 1, 100000, &cnt)) {
				why = "expected the number of lines that follow";
				break;
			}
			if (i + cnt >= n) {
				why = "the file ends before the lines this entry announces";
				break;
			}
			for (int k = 1; k <= cnt; k++)
				len += strlen(lines[i + k]) + 1;
			grown = reallocarray(doc->cl, doc->ncl + 1, sizeof(*doc->cl));
			if (grown)
				doc->cl = grown;
			c.text = malloc(len + 1);
			if (!grown || !c.text) {
				free(c.text);
				why = "out of memory";
				err = -ENOMEM;
				break;
			}
			c.text[0] = 0;
			for (int k = 1; k <= cnt; k++) {
				strcat(c.text, lines[i + k]);
				if (k < cnt)
					strcat(c.text, "\n");
			}
			c.line = i + 2;
			doc->cl[doc->ncl++] = c;
			i += cnt;
		} else if (!strcmp(word, "pane")) {
			int r = parse_pane(rest, &doc->layout, &why);

			if (r) {
				err = r;
				break;
			}
		} else {
			why = "unknown entry (expected interval, preamble, clause or pane)";
			break;
		}
	}
	if (!why && !magic) {
		why = "empty: not a bpfdeck session file";
		i = 0;
	}
	if (!why && sealed && !ended) {
		why = "the file ends without its \"end\" line: it was cut short";
		i = n - 1;
	}
	if (why) {
		if (asprintf(errmsg, "%s:%d: %s", path, i + 1, why) < 0)
			*errmsg = NULL;
		session_doc_free(doc);
	}
	free(lines);
	free(buf);
	return why ? err : 0;
}

void session_doc_apply(const struct session_doc *doc, const char *path, struct workbench *wb)
{
	if (doc->layout.interval_ms)
		wb->interval_ms = doc->layout.interval_ms;
	for (int i = 0; i < doc->ncl; i++) {
		const struct sf_clause *c = &doc->cl[i];

		if (c->preamble) {
			struct wb_piece *pieces = NULL;
			int n = wb_script_split(wb, c->text, path, &pieces);

			for (int k = 0; k < n; k++)
				free(pieces[k].text);
			free(pieces);
			continue;
		}
		wb_add_loaded(wb, c->text, path, c->line, c->state == WB_DISABLED);
	}
}

static void put_block(FILE *f, const char *head, const char *text)
{
	int n = 1;

	for (const char *p = text; *p; p++)
		n += *p == '\n';
	fprintf(f, "%s %d\n%s\n", head, n, text);
}

int session_save(struct workbench *wb, const struct layout *l, const char *path)
{
	static const char *const st[] = { "attached", "disabled", "error" };
	char *data = NULL, head[64];
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	int err;

	if (!f)
		return -ENOMEM;
	fprintf(f, SF_MAGIC " %d sealed\n", SF_VERSION);
	fprintf(f, "# Written by bpfdeck. Open with: bpfdeck --session %s\n", path);
	fprintf(f, "interval %d\n", wb->interval_ms);
	for (int i = 0; i < wb->npreamble; i++)
		put_block(f, "preamble", wb->preamble[i]);
	for (int i = 0; i < wb->ncl; i++) {
		snprintf(head, sizeof(head), "clause %s", st[wb->cl[i]->state]);
		put_block(f, head, wb->cl[i]->text);
	}
	for (int i = 0; l && i < l->n; i++) {
		const struct pane_conf *p = &l->v[i];

		/* maps that are gone keep only settings worth keeping */
		if (!wb_map_find(wb, p->name) && !p->view[0] && !p->sort && !p->reverse &&
		    !p->delta && !p->hidden && !p->join[0])
			continue;

		fprintf(f, "pane %s", p->name);
		if (p->view[0])
			fprintf(f, " view=%s", p->view);
		fprintf(f, " sort=%d reverse=%d delta=%d hidden=%d", p->sort, p->reverse, p->delta,
			p->hidden);
		if (p->join[0]) {
			fprintf(f, " join=");
			for (const char *s = p->join; *s; s++)
				fputc(*s == ' ' ? ',' : *s, f);
		}
		fputc('\n', f);
	}
	fputs("end\n", f);
	/* a stream that ran out of memory holds part of the session: never write it
	 * over a whole one */
	if (fclose(f) || !data)
		err = -ENOMEM;
	else
		err = wb_write_atomic(path, data, len);
	free(data);
	if (err)
		wb_msg(wb, OL_ERROR, "ERROR: save %s: %s", path, strerror(-err));
	else
		wb_msg(wb, OL_INFO, "session saved to %s (%d clause%s)", path, wb->ncl,
		       wb->ncl == 1 ? "" : "s");
	return err;
}

int session_load_script(struct workbench *wb, const char *path)
{
	struct wb_piece *pieces = NULL;
	char *err = NULL, *text;
	int n;

	text = read_all(path, &err);
	if (!text) {
		wb_msg(wb, OL_ERROR, "ERROR: %s", err ? err : path);
		free(err);
		return -ENOENT;
	}
	n = wb_script_split(wb, text, path, &pieces);
	free(text);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		wb_add_loaded(wb, pieces[i].text, path, pieces[i].line, false);
		free(pieces[i].text);
	}
	free(pieces);
	wb_msg(wb, OL_INFO, "%s: %d clause%s", path, n, n == 1 ? "" : "s");
	return 0;
}
