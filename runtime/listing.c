/* listing: `bpfdeck -l [pattern]` and `-lv`, as bpftrace 0.17 prints them.
 * Owns parsing the search pattern, expanding it per probe type (tracefs,
 * perf tables, ELF symbols and USDT notes, kernel symbols, BTF) and printing. */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "elf_file.h"
#include "elf_paths.h"
#include "features.h"
#include "kfuncs.h"
#include "listing.h"
#include "perf_events.h"
#include "procmaps.h"
#include "tracefs.h"
#include "usdt_notes.h"
#define MAX_PARTS 8

/* ---- a sorted set of strings, like the std::set bpftrace prints from ---- */

struct strset {
	char **v;
	size_t n, cap;
};

static int strset_take(struct strset *s, char *str)
{
	char **tmp;

	if (!str)
		return -ENOMEM;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		tmp = realloc(s->v, s->cap * sizeof(*tmp));
		if (!tmp) {
			free(str);
			return -ENOMEM;
		}
		s->v = tmp;
	}
	s->v[s->n++] = str;
	return 0;
}

static int strset_addf(struct strset *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int strset_addf(struct strset *s, const char *fmt, ...)
{
	va_list ap;
	char *str;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&str, fmt, ap);
	va_end(ap);
	return strset_take(s, n < 0 ? NULL : str);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strset_sort_uniq(struct strset *s)
{
	size_t j = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_strp);
	for (size_t i = 0; i < s->n; i++) {
		if (j && !strcmp(s->v[j - 1], s->v[i]))
			free(s->v[i]);
		else
			s->v[j++] = s->v[i];
	}
	s->n = j;
}

static void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- probe types ---- */

enum lkind {
	LK_KPROBE, LK_KRETPROBE, LK_UPROBE, LK_URETPROBE, LK_USDT, LK_BEGIN, LK_END,
	LK_TRACEPOINT, LK_PROFILE, LK_INTERVAL, LK_SOFTWARE, LK_HARDWARE, LK_WATCHPOINT,
	LK_ASYNCWATCHPOINT, LK_KFUNC, LK_KRETFUNC, LK_ITER,
};

struct ltype {
	const char *name, *alias;
	enum lkind kind;
};

/* bpftrace 0.17's PROBE_LIST: names and aliases a pattern may use. */
static const struct ltype ltypes[] = {
	{ "kprobe", "k", LK_KPROBE },
	{ "kretprobe", "kr", LK_KRETPROBE },
	{ "uprobe", "u", LK_UPROBE },
	{ "uretprobe", "ur", LK_URETPROBE },
	{ "usdt", "U", LK_USDT },
	{ "BEGIN", NULL, LK_BEGIN },
	{ "END", NULL, LK_END },
	{ "tracepoint", "t", LK_TRACEPOINT },
	{ "profile", "p", LK_PROFILE },
	{ "interval", "i", LK_INTERVAL },
	{ "software", "s", LK_SOFTWARE },
	{ "hardware", "h", LK_HARDWARE },
	{ "watchpoint", "w", LK_WATCHPOINT },
	{ "asyncwatchpoint", "aw", LK_ASYNCWATCHPOINT },
	{ "kfunc", "f", LK_KFUNC },
	{ "kretfunc", "fr", LK_KRETFUNC },
	{ "iter", "it", LK_ITER },
};

/* What a wildcard probe type expands to, in the sorted order bpftrace's
 * std::set gives; return probes are left out, as bpftrace does. */
static const enum lkind kernel_kinds[] = {
	LK_HARDWARE, LK_ITER, LK_KFUNC, LK_KPROBE, LK_SOFTWARE, LK_TRACEPOINT,
};
static const enum lkind user_kinds[] = { LK_UPROBE, LK_USDT };

static const char *lkind_name(enum lkind k)
{
	for (size_t i = 0; i < sizeof(ltypes) / sizeof(ltypes[0]); i++)
		if (ltypes[i].kind == k)
			return ltypes[i].name;
	return "?";
}

static const struct ltype *ltype_find(const char *provider)
{
	for (size_t i = 0; i < sizeof(ltypes) / sizeof(ltypes[0]); i++)
		if (!strcmp(ltypes[i].name, provider) ||
		    (ltypes[i].alias && !strcmp(ltypes[i].alias, provider)))
			return &ltypes[i];
	return NULL;
}

/* ---- one listing run ---- */

/* An attach point as written: parts split at ':' outside quotes. */
struct raw_ap {
	char *parts[MAX_PARTS];
	int nparts;
	int c1, c2;             /* columns of the whole attach point */
};

/* One probe type applied to an attach point. */
struct lap {
	enum lkind kind;
	char *target;           /* file, tracepoint category or perf event name */
	char *ns;               /* usdt provider */
	char *func;             /* function, event or iterator */
	bool from_pid;          /* no file given: take it from -p PID */
};

struct lrun {
	const char *src;
	bool verbose;
	int pid;
	FILE *out;
	struct lap *aps;
	int naps, capaps;
	bool failed;
	bool warned_kprobe, warned_ksyms, warned_kfunc, warned_dwarf, warned_tracefs;
	struct btf *btf;
};

static void lst_diag(struct lrun *r, bool error, int c1, int c2, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void lst_diag(struct lrun *r, bool error, int c1, int c2, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stdin:1:%d-%d: %s: ", c1, c2, error ? "ERROR" : "WARNING");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s\n", r->src);
	for (int i = 1; i < c2; i++)
		fputc(i < c1 ? ' ' : '~', stderr);
	fputc('\n', stderr);
	if (error)
		r->failed = true;
}

static void raw_ap_free(struct raw_ap *ra)
{
	for (int i = 0; i < ra->nparts; i++)
		free(ra->parts[i]);
	ra->nparts = 0;
}

static void lrun_free(struct lrun *r)
{
	for (int i = 0; i < r->naps; i++) {
		free(r->aps[i].target);
		free(r->aps[i].ns);
		free(r->aps[i].func);
	}
	free(r->aps);
}

/* ---- lexing the pattern like bpftrace's attach point grammar ---- */

struct lex_buf {
	char *s;
	size_t n, cap;
};

static int lex_putc(struct lex_buf *b, char c)
{
	char *tmp;

	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		tmp = realloc(b->s, b->cap);
		if (!tmp)
			return -ENOMEM;
		b->s = tmp;
	}
	b->s[b->n++] = c;
	b->s[b->n] = '\0';
	return 0;
}

static int lex_end_part(struct raw_ap *ra, struct lex_buf *b)
{
	char *p;

	if (ra->nparts == MAX_PARTS)
		return -E2BIG;
	p = strndup(b->s ? b->s : "", b->n);
	if (!p)
		return -ENOMEM;
	ra->parts[ra->nparts++] = p;
	b->n = 0;
	return 0;
}

/* The lexer's verdict on a character that cannot be part of an attach point;
 * messages and spans are bpftrace 0.17's. */
static void lex_reject(struct lrun *r, size_t i)
{
	const char *s = r->src;
	size_t len = strlen(s), j;
	unsigned char c = s[i];
	int col = (int)i + 1;

	if (c == '{') {
		lst_diag(r, true, 1, (int)len + 1, strchr(s + i, '}') ?
			 "unexpected listing query format" : "syntax error, unexpected end of file");
	} else if (c == '$' || c == '@') {
		for (j = i + 1; j < len && (isalnum((unsigned char)s[j]) || s[j] == '_'); j++)
			;
		lst_diag(r, true, 1, (int)j + 1, "syntax error, unexpected %s, expecting {",
			 c == '$' ? "variable" : "map");
	} else if (c == '+' && s[i + 1] == '+') {
		lst_diag(r, true, 1, col + 2, "syntax error, unexpected ++, expecting {");
	} else if (c == '\'' || c == '`' || c == '\\' || !isprint(c)) {
		lst_diag(r, true, 1, col + 1, "invalid character '%c'", c);
	} else {
		lst_diag(r, true, 1, col + 1, "syntax error, unexpected %c, expecting {", c);
	}
}

static int lst_lex(struct lrun *r, struct raw_ap **out, int *nout)
{
	const char *s = r->src;
	size_t len = strlen(s), i = 0, j;
	struct raw_ap *aps = NULL, *tmp, cur = { 0 };
	struct lex_buf b = { 0 };
	bool in_ap = false;
	int n = 0, err = 0;

	for (;;) {
		unsigned char c = i < len ? s[i] : ',';

		if (i < len && isspace(c)) {
			i++;
			continue;
		}
		if (c == ',') {
			if (in_ap) {
				err = lex_end_part(&cur, &b);
				if (err)
					goto out;
				cur.c2 = (int)i + 1;
				tmp = realloc(aps, (n + 1) * sizeof(*aps));
				if (!tmp) {
					err = -ENOMEM;
					goto out;
				}
				aps = tmp;
				aps[n++] = cur;
				memset(&cur, 0, sizeof(cur));
				in_ap = false;
			}
			if (i++ >= len)
				break;
			continue;
		}
		if (!in_ap) {
			/* A backslash may escape inside a path but cannot start one. */
			if (c == '\\') {
				lex_reject(r, i);
				err = -EINVAL;
				goto out;
			}
			in_ap = true;
			cur.c1 = (int)i + 1;
		}
		if (c == '"') {
			for (j = i + 1; j < len && s[j] != '"'; j++)
				;
			if (j >= len) {
				lst_diag(r, true, 1, (int)len + 1, "unterminated string");
				err = -EINVAL;
				goto out;
			}
			for (i++; i < j; i++) {
				err = lex_putc(&b, s[i]);
				if (err)
					goto out;
			}
			i++;
			continue;
		}
		if (c == ':') {
			err = lex_end_part(&cur, &b);
			if (err)
				goto out;
			i++;
			continue;
		}
		if ((isalnum(c) || strchr("_-./*+#[]\\", c)) && !(c == '+' && s[i + 1] == '+')) {
			err = lex_putc(&b, c);
			if (err)
				goto out;
			i++;
			continue;
		}
		lex_reject(r, i);
		err = -EINVAL;
		goto out;
	}
	*out = aps;
	*nout = n;
	aps = NULL;
	n = 0;
out:
	raw_ap_free(&cur);
	for (int k = 0; k < n; k++)
		raw_ap_free(&aps[k]);
	free(aps);
	free(b.s);
	if (err == -E2BIG) {
		lst_diag(r, true, 1, (int)len + 1, "too many ':' in attach point");
		err = -EINVAL;
	}
	return err;
}

/* ---- finding files for uprobe and usdt ---- */

static int strset_add_path(const char *path, void *ctx)
{
	return strset_addf(ctx, "%s", path);
}

/* uprobe:bash / uprobe:libc: bpftrace takes the first executable on PATH,
 * else the library ld.so.cache names. NULL (and an error printed) if none. */
static char *resolve_target(struct lrun *r, const char *type, const char *target, int c1, int c2)
{
	char *res;
	int found = 0;

	res = elf_paths_resolve(target, strchr(target, '/') ? 0 : r->pid, &found);
	if (res && found > 1)
		lst_diag(r, false, c1, c2,
			 "attaching to %s target file '%s' but matched %d binaries", type, res, found);
	if (!res)
		lst_diag(r, true, c1, c2, "%s target file '%s' does not exist or is not executable",
			 type, target);
	return res;
}

static int pid_exe(int pid, struct strset *out)
{
	char exe[PATH_MAX];
	int err = procmaps_exe(pid, exe, sizeof(exe));

	return err ? err : strset_addf(out, "%s", exe);
}

static int lap_files(struct lrun *r, const struct lap *a, struct strset *files)
{
	/* bpftrace 0.17 with -p: "uprobe:FUNC" is the executable's own, while
	 * USDT probes come from every mapped file (libraries carry them too). */
	if (a->from_pid)
		return a->kind == LK_USDT ? procmaps_elf_files(r->pid, strset_add_path, files) :
		       pid_exe(r->pid, files);
	if (a->kind == LK_USDT && r->pid > 0 && !strcmp(a->target, "*"))
		return procmaps_elf_files(r->pid, strset_add_path, files);
	if (tracefs_has_wildcard(a->target))
		return elf_paths_glob(a->target, strset_add_path, files);
	return strset_addf(files, "%s", a->target);
}

/* ---- ELF: function symbols and USDT notes ---- */

/* line is "FILE:SYMBOL"; bpftrace matches the whole line against the pattern
 * "TARGET:FUNC" and, failing that, the demangled line with the ends loose. */
static bool sym_line_matches(const char *glob, const char *line, size_t label_len)
{
	const char *name = line + label_len + 1;
	char *dem, *full;
	bool ok;

	if (tracefs_wildcard_match(glob, line))
		return true;
	dem = elf_demangle(name);
	if (!dem)
		return false;
	ok = asprintf(&full, "%.*s:%s", (int)label_len, line, dem) >= 0;
	free(dem);
	if (!ok)
		return false;
	ok = tracefs_wildcard_find(glob, full);
	free(full);
	return ok;
}

struct sym_list {
	const char *label, *glob;
	struct strset *out;
};

static int sym_list_visit(const struct elf_sym *sym, void *ctx)
{
	struct sym_list *l = ctx;
	char *line;

	/* ".part.N" clones cannot be traced; bpftrace hides them. */
	if (strstr(sym->name, ".part."))
		return 0;
	if (asprintf(&line, "%s:%s", l->label, sym->name) < 0)
		return -ENOMEM;
	if (sym_line_matches(l->glob, line, strlen(l->label)))
		return strset_take(l->out, line);
	free(line);
	return 0;
}

/* Defined functions (and ifuncs) from .symtab and .dynsym, and from separate
 * debug info, as bcc lists them. */
static int elf_func_symbols(const char *path, const char *glob, struct strset *out)
{
	struct sym_list l = { path, glob, out };

	return elf_symbols_foreach(path, ELF_SYMS_FUNC | ELF_SYMS_DEBUG, sym_list_visit, &l);
}

static int usdt_list_visit(const struct usdt_note *n, void *ctx)
{
	struct sym_list *l = ctx;
	char *line;

	if (asprintf(&line, "%s:%s:%s", l->label, n->provider, n->name) < 0)
		return -ENOMEM;
	if (tracefs_wildcard_match(l->glob, line))
		return strset_take(l->out, line);
	free(line);
	return 0;
}

static int elf_usdt_probes(const char *path, const char *glob, struct strset *out)
{
	struct sym_list l = { path, glob, out };

	return usdt_notes_foreach(path, usdt_list_visit, &l);
}

/* ---- per-type parsing (bpftrace's attach point parser) ---- */

static int lst_push(struct lrun *r, enum lkind kind, const char *target, const char *ns,
		    const char *func)
{
	struct lap *tmp, *a;

	if (r->naps == r->capaps) {
		r->capaps = r->capaps ? r->capaps * 2 : 8;
		tmp = realloc(r->aps, r->capaps * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		r->aps = tmp;
	}
	a = &r->aps[r->naps++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->target = target ? strdup(target) : NULL;
	a->ns = ns ? strdup(ns) : NULL;
	a->func = func ? strdup(func) : NULL;
	if ((target && !a->target) || (ns && !a->ns) || (func && !a->func))
		return -ENOMEM;
	return 0;
}

static int lst_push_pid(struct lrun *r, enum lkind kind, const char *ns, const char *func)
{
	int err = lst_push(r, kind, "*", ns, func);

	if (!err)
		r->aps[r->naps - 1].from_pid = true;
	return err;
}

static bool is_ull(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	return true;	/* std::stoull stops at the first non-digit too */
}

/* args: the parts after the probe type. wild: the type came from a wildcard,
 * so attach points this type cannot take are skipped without a word, and the
 * errors left are reported at 1-1, as bpftrace 0.17 does. */
static int lst_add(struct lrun *r, enum lkind kind, char **args, int nargs,
		   const struct raw_ap *ra, bool wild)
{
	const char *name = lkind_name(kind);
	int c1 = wild ? 1 : ra->c1, c2 = wild ? 1 : ra->c2;
	const struct perf_event_desc *pe;
	enum perf_kind pk;
	char *file;
	int err;

#define ARGC_ERROR(what)                                                              \
	do {                                                                          \
		if (!wild)                                                            \
			lst_diag(r, true, c1, c2, "%s probe type requires %s", name, what); \
		return 0;                                                             \
	} while (0)

	switch (kind) {
	case LK_ITER:
		if (nargs != 1)
			ARGC_ERROR("1 argument");
		if (!wild && ((!strcmp(args[0], "task") && !features_has(FEAT_ITER_TASK)) ||
			      (!strcmp(args[0], "task_file") && !features_has(FEAT_ITER_TASK_FILE)))) {
			lst_diag(r, true, c1, c2, "iter %s not available for your kernel version.",
				 args[0]);
			return 0;
		}
		return lst_push(r, kind, NULL, NULL, args[0]);
	case LK_KPROBE:
	case LK_KRETPROBE:
	case LK_KFUNC:
	case LK_KRETFUNC:
		if (nargs != 1)
			ARGC_ERROR("1 argument");
		return lst_push(r, kind, NULL, NULL, args[0]);
	case LK_TRACEPOINT:
		if (nargs == 2)
			return lst_push(r, kind, args[0], NULL, args[1]);
		/* "tracepoint:*sleep*" searches every category */
		if (nargs == 1 && tracefs_has_wildcard(args[0]))
			return lst_push(r, kind, "*", NULL, args[0]);
		ARGC_ERROR("2 arguments");
	case LK_SOFTWARE:
	case LK_HARDWARE:
		if (nargs < 1 || nargs > 2)
			ARGC_ERROR("1 or 2 arguments");
		pk = kind == LK_SOFTWARE ? PERF_KIND_SOFTWARE : PERF_KIND_HARDWARE;
		if (!*args[0]) {
			lst_diag(r, true, c1, c2, "%s probe must have a %s event name", name, name);
			return 0;
		}
		pe = perf_event_find(pk, args[0]);
		if (!wild && !pe && !tracefs_has_wildcard(args[0])) {
			lst_diag(r, true, c1, c2, "%s is not a %s probe", args[0], name);
			return 0;
		}
		if (nargs == 2 && !tracefs_has_wildcard(args[1]) && !is_ull(args[1])) {
			lst_diag(r, true, c1, c2, "stoull");
			return 0;
		}
		return lst_push(r, kind, args[0], NULL, NULL);
	case LK_UPROBE:
	case LK_URETPROBE:
		if (nargs == 1 && r->pid > 0)
			return lst_push_pid(r, kind, NULL, args[0]);
		if (nargs != 2)
			ARGC_ERROR("2 arguments");
		if (!*args[1]) {
			lst_diag(r, true, c1, c2, "%s should be attached to a function and/or address",
				 name);
			return 0;
		}
		if (tracefs_has_wildcard(args[0]))
			return lst_push(r, kind, args[0], NULL, args[1]);
		file = resolve_target(r, name, args[0], c1, c2);
		if (!file)
			return 0;
		err = lst_push(r, kind, file, NULL, args[1]);
		free(file);
		return err;
	case LK_USDT:
		if (nargs == 1 && r->pid > 0)
			return lst_push_pid(r, kind, "*", args[0]);
		if (nargs < 2 || nargs > 3)
			ARGC_ERROR("2 or 3 arguments");
		if (tracefs_has_wildcard(args[0]))
			file = strdup(args[0]);
		else
			file = resolve_target(r, name, args[0], c1, c2);
		if (!file)
			return 0;
		err = lst_push(r, kind, file, nargs == 3 ? args[1] : "*", args[nargs - 1]);
		free(file);
		return err;
	case LK_PROFILE:
	case LK_INTERVAL:
		if (nargs != 2)
			ARGC_ERROR("2 arguments");
		return 0;
	case LK_WATCHPOINT:
	case LK_ASYNCWATCHPOINT:
		if (nargs != 3)
			ARGC_ERROR("3 arguments");
		return 0;
	case LK_BEGIN:
	case LK_END:
		/* bpftrace prints a meaningless "special::" for these; we print nothing */
		if (nargs != 0)
			ARGC_ERROR("0 arguments");
		return 0;
	}
#undef ARGC_ERROR
	return 0;
}

static int lst_parse(struct lrun *r, struct raw_ap *ra)
{
	const enum lkind *kinds;
	const struct ltype *t;
	char *provider, **args;
	int nkinds, nargs, matched = 0, err = 0;
	char *fake[1];

	args = ra->parts + 1;
	nargs = ra->nparts - 1;
	provider = ra->parts[0];
	/* A lone "*sleep*" means "*:*sleep*": any probe type. */
	if (ra->nparts == 1 && tracefs_has_wildcard(provider)) {
		fake[0] = provider;
		args = fake;
		nargs = 1;
		provider = "*";
	}
	if (!tracefs_has_wildcard(provider)) {
		t = ltype_find(provider);
		if (!t) {
			lst_diag(r, true, ra->c1, ra->c2, "Invalid probe type: %s", provider);
			return 0;
		}
		return lst_add(r, t->kind, args, nargs, ra, false);
	}
	if (r->pid > 0 || (nargs > 0 && strchr(args[0], '/'))) {
		kinds = user_kinds;
		nkinds = sizeof(user_kinds) / sizeof(user_kinds[0]);
	} else {
		kinds = kernel_kinds;
		nkinds = sizeof(kernel_kinds) / sizeof(kernel_kinds[0]);
	}
	for (int i = 0; i < nkinds && !err; i++) {
		if ((kinds[i] == LK_KFUNC && !features_has(FEAT_KFUNC)) ||
		    !tracefs_wildcard_match(provider, lkind_name(kinds[i])))
			continue;
		matched++;
		err = lst_add(r, kinds[i], args, nargs, ra, true);
	}
	if (!err && !matched) {
		lst_diag(r, true, ra->c1, ra->c2, "No probe type matched for %s", provider);
		lst_diag(r, true, 1, 1, "No attach points for probe");
	}
	return err;
}

/* ---- listing each probe type ---- */

static void print_set(struct lrun *r, const char *type, struct strset *s)
{
	strset_sort_uniq(s);
	for (size_t i = 0; i < s->n; i++)
		fprintf(r->out, "%s:%s\n", type, s->v[i]);
}

static bool tracefs_ok(struct lrun *r)
{
	if (tracefs_root())
		return true;
	if (!r->warned_tracefs)
		fprintf(stderr, "WARNING: %s\n", tracefs_error());
	r->warned_tracefs = true;
	return false;
}

/* bpftrace -lv prints each field as declared, between "field:" and ';',
 * from the first blank line of the format file on (so no common_ fields). */
static void print_tp_fields(struct lrun *r, const char *event)
{
	char rel[PATH_MAX], path[PATH_MAX], line[1024];
	const char *colon = strchr(event, ':');
	bool body = false;
	char *f, *semi;
	FILE *fp;

	snprintf(rel, sizeof(rel), "events/%.*s/%s/format", (int)(colon - event), event, colon + 1);
	if (tracefs_path(path, sizeof(path), rel) || !(fp = fopen(path, "re"))) {
		fprintf(stderr, "ERROR: tracepoint format file not found: %s\n", path);
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		if (!body) {
			body = line[0] == '\n';
			continue;
		}
		if (strncmp(line, "\tfield:", 7))
			continue;
		f = line + 7;
		semi = strchr(f, ';');
		if (semi)
			*semi = '\0';
		fprintf(r->out, "    %s\n", f);
	}
	fclose(fp);
}

static int list_tracepoints(struct lrun *r, const struct lap *a)
{
	const char *const *events;
	char *pattern;
	int n;

	if (!tracefs_ok(r))
		return 0;
	n = tracefs_all_events(&events);
	if (n < 0) {
		fprintf(stderr, "WARNING: Could not read tracepoints from tracefs: %s\n", strerror(-n));
		return 0;
	}
	if (asprintf(&pattern, "%s:%s", a->target, a->func) < 0)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (!tracefs_wildcard_match(pattern, events[i]))
			continue;
		fprintf(r->out, "tracepoint:%s\n", events[i]);
		if (r->verbose)
			print_tp_fields(r, events[i]);
	}
	free(pattern);
	return 0;
}

struct kf_collect {
	struct strset *out;
	int err;
};

static int kf_collect(const char *module, const char *func, void *ctx)
{
	struct kf_collect *c = ctx;

	c->err = strset_addf(c->out, "%s", func);
	return c->err;
}

/* Function names kprobes can take, from the one list wildcard expansion and the
 * workbench use (runtime/kfuncs.c): available_filter_functions, else BTF, else
 * /proc/kallsyms; which one is said when it is not the first. */
static int kernel_functions(struct lrun *r, const char *glob, struct strset *out)
{
	enum kfuncs_source src = kfuncs_source(false);
	struct kf_collect c = { out, 0 };
	int n;

	if (src != KFS_FILTER_FUNCS && !r->warned_ksyms)
		fprintf(stderr, "WARNING: available_filter_functions is not readable; "
			"listing kernel functions from %s\n", kfuncs_source_name(src));
	r->warned_ksyms = true;
	/* "*" would match compiler clones too: bpftrace hides ".part.N" names */
	n = kfuncs_visit(NULL, glob, false, kf_collect, &c);
	if (n < 0)
		return n;
	return c.err;
}

static int list_kprobes(struct lrun *r, const struct lap *a)
{
	struct strset s = { 0 };
	const char *why;
	int err;

	if (!features_has(FEAT_KPROBE)) {
		why = features_why_not(FEAT_KPROBE);
		if (!r->warned_kprobe)
			fprintf(stderr, "WARNING: kprobes are not available on this kernel (%s), "
				"so none are listed\n", why ? why : "no support found");
		r->warned_kprobe = true;
		return 0;
	}
	err = kernel_functions(r, a->func, &s);
	print_set(r, lkind_name(a->kind), &s);
	strset_free(&s);
	return err;
}

static void print_sw_hw(struct lrun *r, const struct lap *a)
{
	/* bpftrace 0.17 echoes the event as written rather than expanding it:
	 * "software:*" lists "software:*:". */
	fprintf(r->out, "%s:%s:\n", lkind_name(a->kind), a->target);
}

/* C spelling of a BTF type as bpftrace prints kfunc arguments: "struct sock *". */
static void btf_type_str(const struct btf *btf, __u32 id, char *buf, size_t len)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	const char *prefix = "";
	size_t n;

	if (!t) {
		snprintf(buf, len, "void");
		return;
	}
	if (btf_is_ptr(t)) {
		btf_type_str(btf, t->type, buf, len);
		n = strlen(buf);
		if (n + 2 < len)
			memcpy(buf + n, " *", 3);
		return;
	}
	if (btf_is_mod(t)) {
		prefix = btf_is_const(t) ? "const " : btf_is_volatile(t) ? "volatile " : "";
		n = strlen(prefix);
		if (n >= len)
			return;
		memcpy(buf, prefix, n);
		btf_type_str(btf, t->type, buf + n, len - n);
		return;
	}
	if (btf_is_struct(t))
		prefix = "struct ";
	else if (btf_is_union(t))
		prefix = "union ";
	else if (btf_is_any_enum(t))
		prefix = "enum ";
	else if (btf_is_func_proto(t))
		name = NULL;	/* function pointers print as "void *" */
	snprintf(buf, len, "%s%s", prefix, name && *name ? name : "void");
}

static void print_btf_params(struct lrun *r, const struct btf_type *fn, bool ret)
{
	const struct btf_type *proto = btf__type_by_id(r->btf, fn->type);
	const struct btf_param *p;
	char type[256];

	if (!proto || !btf_is_func_proto(proto))
		return;
	p = btf_params(proto);
	for (int i = 0; i < btf_vlen(proto); i++) {
		btf_type_str(r->btf, p[i].type, type, sizeof(type));
		fprintf(r->out, "    %s %s\n", type, btf__name_by_offset(r->btf, p[i].name_off));
	}
	if (ret && proto->type) {
		btf_type_str(r->btf, proto->type, type, sizeof(type));
		fprintf(r->out, "    %s retval\n", type);
	}
}

static int list_kfuncs(struct lrun *r, const struct lap *a)
{
	const struct btf_type *t;
	struct strset s = { 0 };
	const char *name;
	__u32 n;

	if (!features_has(FEAT_KFUNC)) {
		if (!r->warned_kfunc)
			fprintf(stderr, "WARNING: kfuncs are not available on this kernel (%s), "
				"so none are listed\n",
				features_why_not(FEAT_KFUNC) ? features_why_not(FEAT_KFUNC) :
				"no support found");
		r->warned_kfunc = true;
		return 0;
	}
	/* shared with the kfunc list and probes: parsed once a run */
	if (!r->btf && !(r->btf = features_vmlinux_btf()))
		return -ENOENT;
	n = btf__type_cnt(r->btf);
	for (__u32 id = 1; id < n; id++) {
		t = btf__type_by_id(r->btf, id);
		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(r->btf, t->name_off);
		/* duplicates go in strset_sort_uniq: a lookup per name here was
		 * quadratic, most of a minute for vmlinux's 50000 functions emulated */
		if (name && tracefs_wildcard_match(a->func, name))
			if (strset_addf(&s, "%s", name))
				return -ENOMEM;
	}
	strset_sort_uniq(&s);
	for (size_t i = 0; i < s.n; i++) {
		/* BTF has inline functions too; fentry needs ftrace's call site */
		if (!kfuncs_traceable("vmlinux", s.v[i]))
			continue;
		fprintf(r->out, "%s:%s\n", lkind_name(a->kind), s.v[i]);
		if (r->verbose) {
			int id = btf__find_by_name_kind(r->btf, s.v[i], BTF_KIND_FUNC);

			if (id > 0)
				print_btf_params(r, btf__type_by_id(r->btf, id),
						 a->kind == LK_KRETFUNC);
		}
	}
	strset_free(&s);
	return 0;
}

static void list_iters(struct lrun *r, const struct lap *a)
{
	/* bpftrace 0.17 knows these two, with fixed argument lists. */
	static const struct {
		const char *name;
		enum feature feat;
		const char *params;
	} iters[] = {
		{ "task", FEAT_ITER_TASK, "    struct task_struct * task\n" },
		{ "task_file", FEAT_ITER_TASK_FILE,
		  "    struct task_struct * task\n    int fd\n    struct file * file\n" },
	};

	for (size_t i = 0; i < sizeof(iters) / sizeof(iters[0]); i++) {
		if (!tracefs_wildcard_match(a->func, iters[i].name) || !features_has(iters[i].feat))
			continue;
		fprintf(r->out, "iter:%s\n", iters[i].name);
		if (r->verbose)
			fputs(iters[i].params, r->out);
	}
}

static int list_user(struct lrun *r, const struct lap *a)
{
	struct strset files = { 0 }, s = { 0 };
	char *glob;
	int err;

	if (a->kind == LK_USDT)
		err = asprintf(&glob, "%s:%s:%s", a->target, a->ns, a->func);
	else
		err = asprintf(&glob, "%s:%s", a->target, a->func);
	if (err < 0)
		return -ENOMEM;
	err = lap_files(r, a, &files);
	for (size_t i = 0; i < files.n && !err; i++) {
		if (a->kind == LK_USDT)
			err = elf_usdt_probes(files.v[i], glob, &s);
		else
			err = elf_func_symbols(files.v[i], glob, &s);
		if (err == -ENOEXEC) {
			fprintf(stderr, "WARNING: Could not list function symbols: %s\n", files.v[i]);
			err = 0;
		}
	}
	print_set(r, lkind_name(a->kind), &s);
	if (r->verbose && s.n && a->kind != LK_USDT && !r->warned_dwarf) {
		fprintf(stderr, "WARNING: bpfdeck does not read DWARF, "
			"so uprobe arguments are not listed\n");
		r->warned_dwarf = true;
	}
	strset_free(&s);
	strset_free(&files);
	free(glob);
	return err;
}

static int lst_list(struct lrun *r, const struct lap *a)
{
	switch (a->kind) {
	case LK_TRACEPOINT:
		return list_tracepoints(r, a);
	case LK_SOFTWARE:
	case LK_HARDWARE:
		print_sw_hw(r, a);
		return 0;
	case LK_KPROBE:
	case LK_KRETPROBE:
		return list_kprobes(r, a);
	case LK_KFUNC:
	case LK_KRETFUNC:
		return list_kfuncs(r, a);
	case LK_ITER:
		list_iters(r, a);
		return 0;
	case LK_UPROBE:
	case LK_URETPROBE:
	case LK_USDT:
		return list_user(r, a);
	default:
		return 0;
	}
}

int listing_print_pid(const char *pattern, bool verbose, int pid, FILE *out)
{
	struct lrun r = { .verbose = verbose, .pid = pid, .out = out };
	struct raw_ap *raw = NULL;
	int nraw = 0, err;

	/* No pattern is "*:*"; an empty one is an empty program to bpftrace. */
	r.src = pattern ? pattern : "*:*";
	err = lst_lex(&r, &raw, &nraw);
	if (err)
		goto out;
	if (!nraw) {
		fprintf(stderr, "ERROR: No attach points for probe\n");
		err = -EINVAL;
		goto out;
	}
	for (int i = 0; i < nraw && !err; i++)
		err = lst_parse(&r, &raw[i]);
	if (!err && r.failed)
		err = -EINVAL;
	for (int i = 0; i < r.naps && !err; i++)
		err = lst_list(&r, &r.aps[i]);
	if (err && err != -EINVAL)
		fprintf(stderr, "ERROR: listing failed: %s\n", strerror(-err));
out:
	for (int i = 0; i < nraw; i++)
		raw_ap_free(&raw[i]);
	free(raw);
	lrun_free(&r);
	fflush(out);
	return err && err != -EINVAL ? err : (r.failed || err ? -EINVAL : 0);
}

int listing_print(const char *pattern, bool verbose, FILE *out)
{
	return listing_print_pid(pattern, verbose, 0, out);
}
