/* complete: Tab completion (see complete.h).
 * The text before the cursor is scanned like the lexer would (strings,
 * comments, braces, predicates) to tell a probe spec from an expression;
 * each kind of word has its own source of names. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "commands.h"
#include "complete.h"
#include "runtime/tracefs.h"
#include "symindex.h"

#define MAX_CANDS 400

static const char *const probe_types[] = {
	"BEGIN", "END", "tracepoint:", "rawtracepoint:", "kprobe:", "kretprobe:", "uprobe:",
	"uretprobe:", "usdt:", "kfunc:", "kretfunc:", "profile:", "interval:", "software:",
	"hardware:", "watchpoint:", "iter:", NULL,
};
static const char *const aliases[][2] = {
	{ "t", "tracepoint" }, { "rt", "rawtracepoint" }, { "k", "kprobe" }, { "kr", "kretprobe" },
	{ "u", "uprobe" }, { "ur", "uretprobe" }, { "U", "usdt" }, { "f", "kfunc" },
	{ "fr", "kretfunc" }, { "p", "profile" }, { "i", "interval" }, { "s", "software" },
	{ "h", "hardware" }, { "w", "watchpoint" }, { "it", "iter" },
};
static const char *const sw_events[] = {
	"cpu-clock", "cpu", "task-clock", "page-faults", "faults", "context-switches", "cs",
	"cpu-migrations", "minor-faults", "major-faults", "alignment-faults", "emulation-faults",
	"dummy", "bpf-output", NULL,
};
static const char *const hw_events[] = {
	"cpu-cycles", "cycles", "instructions", "cache-references", "cache-misses",
	"branch-instructions", "branches", "branch-misses", "bus-cycles", "frontend-stalls",
	"backend-stalls", "ref-cycles", NULL,
};
static const char *const time_units[] = { "hz:", "s:", "ms:", "us:", NULL };
static const char *const builtins[] = {
	"pid", "tid", "uid", "gid", "nsecs", "elapsed", "numaid", "cpu", "comm", "kstack",
	"ustack", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "retval", "func", "probe",
	"curtask", "rand", "cgroup", "cpid", "args", "username", "ctx", NULL,
};
static const char *const functions[] = {
	"printf(", "time(", "join(", "str(", "ksym(", "usym(", "kaddr(", "uaddr(", "reg(",
	"system(", "exit(", "cgroupid(", "ntop(", "kstack(", "ustack(", "cat(", "signal(",
	"strncmp(", "strcontains(", "override(", "buf(", "sizeof(", "print(", "strftime(", "path(",
	"uptr(", "kptr(", "macaddr(", "cgroup_path(", "bswap(", "skboutput(", "pton(",
	"strerror(", "count(", "sum(", "avg(", "min(", "max(", "stats(", "hist(", "lhist(",
	"delete(", "clear(", "zero(", NULL,
};
static const char *const keywords[] = { "if", "else", "unroll", "while", "return", "break",
					"continue", NULL };
static const char *const views[] = { "auto", "table", "hist", "pct", "heat", "stack", "scalar",
				     NULL };

struct cands {
	struct completion *c;
	const char *prefix;
	size_t plen;
};

static void cand(struct cands *k, const char *s)
{
	struct completion *c = k->c;

	if (strncmp(s, k->prefix, k->plen))
		return;
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], s))
			return;
	c->total++;
	if (c->n >= MAX_CANDS)
		return;
	c->v = realloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = strdup(s);
}

static void cand_list(struct cands *k, const char *const *v)
{
	for (; *v; v++)
		cand(k, *v);
}

static void cand_suffixed(struct cands *k, const char *s, const char *suffix)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s%s", s, suffix);
	cand(k, buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void completion_free(struct completion *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

char *completion_common(const struct completion *c)
{
	size_t len;

	if (!c->n)
		return strdup("");
	len = strlen(c->v[0]);
	for (int i = 1; i < c->n; i++) {
		size_t j = 0;

		while (j < len && c->v[i][j] == c->v[0][j])
			j++;
		len = j;
	}
	return strndup(c->v[0], len);
}

/* ------------------------------------------------------------ sources */

static void cand_dir(struct cands *k, const char *dir, bool dirs_only, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (dirs_only && e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		cand_suffixed(k, e->d_name, suffix);
	}
	closedir(d);
}

static void tp_categories(struct cands *k)
{
	char path[512];

	if (!tracefs_path(path, sizeof(path), "events"))
		cand_dir(k, path, true, ":");
}

static void tp_events(struct cands *k, const char *cat)
{
	char path[512], rel[300];

	snprintf(rel, sizeof(rel), "events/%s", cat);
	if (!tracefs_path(path, sizeof(path), rel))
		cand_dir(k, path, true, " ");
}

static void all_tp_events(struct cands *k)
{
	const char *const *all;
	int n = tracefs_all_events(&all);

	for (int i = 0; i < n; i++) {
		const char *ev = strchr(all[i], ':');

		cand_suffixed(k, ev ? ev + 1 : all[i], " ");
	}
}

static void sym_range(struct cands *k, const struct symindex *ix, const char *suffix)
{
	size_t first, n = symindex_prefix(ix, k->prefix, &first);

	k->c->total += n > MAX_CANDS ? (int)(n - MAX_CANDS) : 0;
	for (size_t i = first; i < first + n && k->c->n < MAX_CANDS; i++)
		cand_suffixed(k, ix->v[i], suffix);
}

/* File names for "uprobe:PATH" (and :load FILE): dirs get "/", files the suffix. */
static void files(struct cands *k, const char *word, const char *file_suffix, int *from_adj)
{
	const char *slash = strrchr(word, '/');
	char dir[4096];
	DIR *d;
	struct dirent *e;

	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - word + 1), word);
		k->prefix = slash + 1;
	} else {
		snprintf(dir, sizeof(dir), ".");
		k->prefix = word;
	}
	k->plen = strlen(k->prefix);
	*from_adj = (int)(k->prefix - word);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char full[8192];
		struct stat st;

		if (e->d_name[0] == '.' && k->prefix[0] != '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
		if (stat(full, &st))
			continue;
		cand_suffixed(k, e->d_name, S_ISDIR(st.st_mode) ? "/" : file_suffix);
	}
	closedir(d);
}

/* ------------------------------------------------------------ context */

struct ctx {
	bool spec;              /* in a probe spec (else an expression) */
	int word;               /* spec: start of the attach point being typed, in text */
	int clause;             /* start of the current clause, in text */
};

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static void scan(const char *t, int len, struct ctx *cx)
{
	int depth = 0, i = 0;
	bool pred = false;

	cx->spec = true;
	cx->word = 0;
	cx->clause = 0;
	while (i < len) {
		char c = t[i];

		if (c == '"') {
			for (i++; i < len && t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (c == '/' && i + 1 < len && t[i + 1] == '/') {
			while (i < len && t[i] != '\n')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < len && t[i + 1] == '*') {
			const char *e = strstr(t + i + 2, "*/");

			i = e && e - t < len ? (int)(e - t) + 2 : len;
			continue;
		}
		if (depth == 0 && !pred) {
			if (c == '{') {
				depth++;
			} else if (c == '/' && !memchr(t + cx->word, ':', i - cx->word)) {
				pred = true;
			} else if (isspace((unsigned char)c) || c == ',') {
				cx->word = i + 1;
			}
			i++;
			continue;
		}
		if (c == '{')
			depth++;
		else if (c == '}' && depth > 0 && --depth == 0) {
			pred = false;
			cx->clause = cx->word = i + 1;
		}
		if (pred && depth == 0 && c == '{')
			depth++;
		i++;
	}
	cx->spec = depth == 0 && !pred;
}

/* The first attach point of the clause starting at t: "tracepoint:cat:ev". */
static void first_attach(const char *t, char *buf, size_t len)
{
	size_t n;

	t += strspn(t, " \t\n");
	n = strcspn(t, " \t\n,{/");
	/* a uprobe path holds '/': take up to blanks and ',' then */
	if (t[n] == '/')
		n = strcspn(t, " \t\n,{");
	snprintf(buf, len, "%.*s", (int)n, t);
}

static const char *unalias(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strlen(aliases[i][0]) == n && !strncmp(aliases[i][0], w, n))
			return aliases[i][1];
	return NULL;
}

static void complete_spec(struct cands *k, const char *word, int *from, char *note,
			  size_t notelen)
{
	const char *colon = strchr(word, ':');
	char provider[32];
	const char *rest, *prov;

	if (!colon) {
		k->prefix = word;
		k->plen = strlen(word);
		cand_list(k, probe_types);
		snprintf(note, notelen, "probe types");
		return;
	}
	snprintf(provider, sizeof(provider), "%.*s", (int)(colon - word), word);
	prov = unalias(provider, strlen(provider));
	if (!prov)
		prov = provider;
	rest = colon + 1;
	if (!strcmp(prov, "tracepoint")) {
		const char *c2 = strchr(rest, ':');

		if (!c2) {
			k->prefix = rest;
			k->plen = strlen(rest);
			tp_categories(k);
			snprintf(note, notelen, "tracepoint categories (tracefs events/)");
		} else {
			char cat[256];

			snprintf(cat, sizeof(cat), "%.*s", (int)(c2 - rest), rest);
			k->prefix = c2 + 1;
			k->plen = strlen(k->prefix);
			tp_events(k, cat);
			snprintf(note, notelen, "events of tracepoint category %.100s", cat);
		}
	} else if (!strcmp(prov, "rawtracepoint")) {
		k->prefix = rest;
		k->plen = strlen(rest);
		all_tp_events(k);
		snprintf(note, notelen, "raw tracepoints (tracefs event names)");
	} else if (!strcmp(prov, "kprobe") || !strcmp(prov, "kretprobe") || !strcmp(prov, "kfunc") ||
		   !strcmp(prov, "kretfunc")) {
		const struct symindex *ix = ksyms_index();

		k->prefix = rest;
		k->plen = strlen(rest);
		sym_range(k, ix, " ");
		snprintf(note, notelen, "kernel functions from %s (%zu)", ix->source, ix->n);
	} else if (!strcmp(prov, "uprobe") || !strcmp(prov, "uretprobe") || !strcmp(prov, "usdt")) {
		const char *c2 = strchr(rest, ':');
		bool usdt = !strcmp(prov, "usdt");

		if (!c2) {
			int adj = 0;

			files(k, rest, ":", &adj);
			*from += (int)(rest - word) + adj;
			snprintf(note, notelen, "files");
			return;
		} else {
			char path[4096];
			const struct symindex *ix;

			snprintf(path, sizeof(path), "%.*s", (int)(c2 - rest), rest);
			ix = usdt ? elf_usdt_index(path) : elf_func_index(path);
			k->prefix = c2 + 1;
			k->plen = strlen(k->prefix);
			sym_range(k, ix, " ");
			snprintf(note, notelen, "%s of %.80s (%zu)", ix->source, path, ix->n);
		}
	} else if (!strcmp(prov, "software") || !strcmp(prov, "hardware")) {
		const char *c2 = strchr(rest, ':');

		if (c2)
			return;
		k->prefix = rest;
		k->plen = strlen(rest);
		for (const char *const *v = prov[0] == 's' ? sw_events : hw_events; *v; v++)
			cand_suffixed(k, *v, ":");
		snprintf(note, notelen, "%s events", prov);
	} else if (!strcmp(prov, "profile") || !strcmp(prov, "interval")) {
		if (strchr(rest, ':'))
			return;
		k->prefix = rest;
		k->plen = strlen(rest);
		cand_list(k, time_units);
		snprintf(note, notelen, "%s units", prov);
	} else {
		return;
	}
	k->plen = strlen(k->prefix);
	*from += (int)(k->prefix - word);
}

static void tp_fields(struct cands *k, const char *spec, char *note, size_t notelen)
{
	char cat[256], ev[256];
	const char *p = strchr(spec, ':'), *q;
	struct tp_format fmt = { 0 };
	size_t n = p ? (size_t)(p - spec) : 0;

	if (!p || !((n == 10 && !strncmp(spec, "tracepoint", 10)) || (n == 1 && spec[0] == 't')))
		return;
	q = strchr(p + 1, ':');
	if (!q)
		return;
	snprintf(cat, sizeof(cat), "%.*s", (int)(q - p - 1), p + 1);
	snprintf(ev, sizeof(ev), "%s", q + 1);
	if (tracefs_kinfo.tp_format(cat, ev, &fmt))
		return;
	for (int i = 0; i < fmt.nfields; i++)
		cand(k, fmt.fields[i].name);
	tp_format_free(&fmt);
	snprintf(note, notelen, "fields of %.60s:%.60s (its format file)", cat, ev);
}

static void words_after(struct cands *k, const char *t, char sigil)
{
	for (const char *p = t; (p = strchr(p, sigil)); p++) {
		const char *s = p;
		char buf[128];

		if (p > t && is_ident((unsigned char)p[-1]))
			continue;
		p++;
		while (is_ident((unsigned char)*p))
			p++;
		if (p - s < (long)sizeof(buf) && p - s > 1) {
			snprintf(buf, sizeof(buf), "%.*s", (int)(p - s), s);
			cand(k, buf);
		}
		p--;
	}
}

static void complete_expr(struct cands *k, struct workbench *wb, const char *t, int tlen,
			  const struct ctx *cx, int *from, char *note, size_t notelen)
{
	int s = tlen;
	char spec[512];

	while (s > cx->clause && is_ident((unsigned char)t[s - 1]))
		s--;
	if (s > cx->clause && (t[s - 1] == '@' || t[s - 1] == '$'))
		s--;
	*from -= tlen - s;
	k->prefix = t + s;
	k->plen = tlen - s;
	if (t[s] == '@') {
		for (int i = 0; wb && i < wb->s->nmaps; i++)
			if (wb->s->maps[i] && !wb->s->maps[i]->internal)
				cand(k, wb->s->maps[i]->name);
		words_after(k, t + cx->clause, '@');
		snprintf(note, notelen, "maps");
		return;
	}
	if (t[s] == '$') {
		char *clause = strndup(t + cx->clause, s - cx->clause);

		words_after(k, clause, '$');
		free(clause);
		snprintf(note, notelen, "variables of this clause");
		return;
	}
	/* args->field / args.field */
	{
		int b = s;

		while (b > cx->clause && t[b - 1] == ' ')
			b--;
		if ((b >= 2 && !strncmp(t + b - 2, "->", 2)) || (b >= 1 && t[b - 1] == '.')) {
			b -= t[b - 1] == '.' ? 1 : 2;
			while (b > cx->clause && t[b - 1] == ' ')
				b--;
			if (b >= 4 && !strncmp(t + b - 4, "args", 4) &&
			    (b == 4 || !is_ident((unsigned char)t[b - 5]))) {
				first_attach(t + cx->clause, spec, sizeof(spec));
				tp_fields(k, spec, note, notelen);
				return;
			}
			return;
		}
	}
	cand_list(k, builtins);
	cand_list(k, functions);
	cand_list(k, keywords);
	snprintf(note, notelen, "builtins and functions");
}

static void cmd_cand(void *ctx, const char *n)
{
	cand_suffixed(ctx, n, " ");
}

struct cmd_match {
	char full[32];
	int n;
};

static void cmd_one(void *ctx, const char *n)
{
	struct cmd_match *m = ctx;

	snprintf(m->full, sizeof(m->full), "%s", n);
	m->n++;
}

/* How many argument words (blank-separated) come before word. */
static int arg_index(const char *args, const char *word)
{
	int n = 0;

	for (const char *p = args; p < word; p++)
		if (*p != ' ' && (p == args || p[-1] == ' '))
			n++;
	return n;
}

/* The kind of argument i of a command, from its argument text ("FILE [@MAP]",
 * "@MAP...", "[on|off]"): the word without brackets or "..."; a last word
 * ending in "..." stands for every later argument too. "" if there is none. */
static const char *arg_kind(const char *args, int i, char *buf, size_t len)
{
	const char *p = args, *w = NULL;
	bool repeats = false;
	size_t n = 0;

	for (int k = 0; k <= i; k++) {
		p += strspn(p, " ");
		if (!*p) {
			if (!repeats)
				w = NULL;
			break;
		}
		w = p;
		n = strcspn(p, " ");
		p += n;
		repeats = n > 3 && !strncmp(p - 3, "...", 3);
	}
	if (!w)
		n = 0;
	else if (*w == '[')
		w++, n--;
	while (n && (w[n - 1] == ']' || w[n - 1] == '.'))
		n--;
	snprintf(buf, len, "%.*s", (int)n, w ? w : "");
	return buf;
}

static void complete_command(struct cands *k, struct workbench *wb, const char *line, int cursor,
			     int *from, char *note, size_t notelen)
{
	const char *p = line + strspn(line, " :"), *sp = memchr(p, ' ', line + cursor - p);
	char name[32], kbuf[32];
	const char *args, *word, *kind;

	if (!sp) {
		k->prefix = p;
		k->plen = line + cursor - p;
		*from = (int)(p - line);
		{
			char pre[32];

			snprintf(pre, sizeof(pre), "%.*s", (int)k->plen, p);
			cmd_names(pre, cmd_cand, k);
		}
		snprintf(note, notelen, "commands");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(sp - p), p);
	{
		/* the command the prefix names, if unique */
		struct cmd_match m = { "", 0 };

		cmd_names(name, cmd_one, &m);
		args = m.n == 1 ? cmd_args(m.full) : NULL;
	}
	if (!args)
		return;
	word = line + cursor;
	while (word > sp + 1 && word[-1] != ' ')
		word--;
	*from = (int)(word - line);
	k->prefix = word;
	k->plen = line + cursor - word;
	kind = arg_kind(args, arg_index(sp + 1, word), kbuf, sizeof(kbuf));
	if (kind[0] == '@') {
		for (int i = 0; wb && i < wb->nmaps; i++)
			cand(k, wb->maps[i]->decl->name);
		snprintf(note, notelen, "maps");
	} else if (!strcmp(kind, "N")) {
		for (int i = 0; wb && i < wb->ncl; i++) {
			char id[16];

			snprintf(id, sizeof(id), "%d", wb->cl[i]->id);
			cand(k, id);
		}
		snprintf(note, notelen, "clause ids");
	} else if (strstr(kind, "FILE")) {
		char w[4096];
		int adj = 0;

		snprintf(w, sizeof(w), "%.*s", (int)k->plen, word);
		files(k, w, " ", &adj);
		*from += adj;
		snprintf(note, notelen, "files");
	} else if (!strcmp(kind, "VIEW")) {
		cand_list(k, views);
		snprintf(note, notelen, "views");
	} else if (!strcmp(kind, "on|off")) {
		cand(k, "on");
		cand(k, "off");
		snprintf(note, notelen, "on or off");
	} else if (!strcmp(kind, "CMD")) {
		cmd_names("", cmd_cand, k);
		snprintf(note, notelen, "commands");
	}
}

int complete(struct workbench *wb, const char *pending, const char *line, int cursor,
	     struct completion *out)
{
	struct cands k = { out, "", 0 };
	struct ctx cx;
	size_t plen = strlen(pending);
	char *t;
	int tlen, from = cursor;

	memset(out, 0, sizeof(*out));
	if (!*pending && line[strspn(line, " ")] == ':') {
		complete_command(&k, wb, line, cursor, &from, out->note, sizeof(out->note));
		goto done;
	}
	tlen = (int)plen + cursor;
	t = malloc(tlen + 1);
	memcpy(t, pending, plen);
	memcpy(t + plen, line, cursor);
	t[tlen] = 0;
	scan(t, tlen, &cx);
	if (cx.spec) {
		int start = cx.word > (int)plen ? cx.word : (int)plen;

		from = start - (int)plen;
		complete_spec(&k, t + start, &from, out->note, sizeof(out->note));
	} else {
		complete_expr(&k, wb, t, tlen, &cx, &from, out->note, sizeof(out->note));
	}
	free(t);
done:
	if (from < 0)
		from = 0;
	out->from = from;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	if (out->total < out->n)
		out->total = out->n;
	return out->n;
}
