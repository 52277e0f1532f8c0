/* export: :export FILE.bt, the live clauses as a plain bpftrace script, and
 * :export-folded FILE, a stack map as folded stacks for flame graphs. Also
 * decides whether a clause stays inside bpftrace 0.17's language (so the
 * script runs under Debian's bpftrace too) and, if not, names what is newer. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "runtime/folded.h"
#include "wb.h"

/* bpftrace 0.17's functions (reference guide "Functions" and "Map Functions"). */
static const char *const fn_017[] = {
	"printf", "time", "join", "str", "ksym", "usym", "kaddr", "uaddr", "reg", "system",
	"exit", "cgroupid", "ntop", "kstack", "ustack", "cat", "signal", "strncmp",
	"strcontains", "override", "buf", "sizeof", "print", "strftime", "path", "uptr", "kptr",
	"macaddr", "cgroup_path", "bswap", "skboutput", "pton", "strerror", "debugf",
	"count", "sum", "avg", "min", "max", "stats", "hist", "lhist", "delete", "clear", "zero",
	NULL,
};

/* Its builtin variables; argN/sargN are matched by prefix. */
static const char *const bi_017[] = {
	"pid", "tid", "uid", "gid", "nsecs", "elapsed", "numaid", "cpu", "comm", "kstack",
	"ustack", "retval", "func", "probe", "curtask", "rand", "cgroup", "cpid", "args", "ctx",
	"username", NULL,
};

/* Its probe types, long and short names. */
static const char *const pt_017[] = {
	"BEGIN", "END", "kprobe", "k", "kretprobe", "kr", "uprobe", "u", "uretprobe", "ur",
	"tracepoint", "t", "usdt", "U", "profile", "p", "interval", "i", "software", "s",
	"hardware", "h", "watchpoint", "w", "asyncwatchpoint", "aw", "kfunc", "f", "kretfunc",
	"fr", "iter", "it", "rawtracepoint", "rt", NULL,
};

static bool in_list(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (!strcmp(s, *v))
			return true;
	return false;
}

static bool is_arg_builtin(const char *s)
{
	const char *p = !strncmp(s, "arg", 3) ? s + 3 : !strncmp(s, "sarg", 4) ? s + 4 : NULL;

	if (!p || !*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static const char *scan(const struct node *n, char *buf, size_t len)
{
	const char *r;

	if (!n)
		return NULL;
	if (n->kind == N_CALL && n->name && !in_list(n->name, fn_017)) {
		snprintf(buf, len, "function %s()", n->name);
		return buf;
	}
	if (n->kind == N_BUILTIN && n->name && !in_list(n->name, bi_017) &&
	    !is_arg_builtin(n->name)) {
		snprintf(buf, len, "builtin %s", n->name);
		return buf;
	}
	if (n->kind == N_ATTACH && n->text) {
		char word[64];
		size_t k = strcspn(n->text, ":");

		snprintf(word, sizeof(word), "%.*s", (int)(k < 63 ? k : 63), n->text);
		if (!in_list(word, pt_017)) {
			snprintf(buf, len, "probe type %s", word);
			return buf;
		}
	}
	if ((r = scan(n->a, buf, len)) || (r = scan(n->b, buf, len)) || (r = scan(n->c, buf, len)) ||
	    (r = scan(n->body, buf, len)) || (r = scan(n->else_body, buf, len)))
		return r;
	for (int i = 0; i < n->args.n; i++)
		if ((r = scan(n->args.v[i], buf, len)))
			return r;
	for (int i = 0; i < n->stmts.n; i++)
		if ((r = scan(n->stmts.v[i], buf, len)))
			return r;
	for (int i = 0; i < n->aps.n; i++)
		if ((r = scan(n->aps.v[i], buf, len)))
			return r;
	return NULL;
}

/* Words of later bpftrace versions that no 0.17 program contains outside strings
 * and comments (the AST may not show them: "for" becomes a loop node). */
static const char *scan_words(const char *text, char *buf, size_t len)
{
	static const char *const newer[] = { "for", "let", "macro", "import", "config", NULL };
	const char *p = text;

	while (*p) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '/') {
			p += strcspn(p, "\n");
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			p = e ? e + 2 : p + strlen(p);
			continue;
		}
		if ((*p >= 'a' && *p <= 'z') || *p == '_') {
			const char *s = p;
			char w[16];

			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			       (*p >= '0' && *p <= '9') || *p == '_')
				p++;
			if (p - s < (long)sizeof(w) && (s == text || (s[-1] != '$' && s[-1] != '@' &&
								    s[-1] != '.' && s[-1] != '>'))) {
				snprintf(w, sizeof(w), "%.*s", (int)(p - s), s);
				if (in_list(w, newer)) {
					snprintf(buf, len, "keyword %s", w);
					return buf;
				}
			}
			continue;
		}
		p++;
	}
	return NULL;
}

const char *wb_needs_newer(const struct wb_clause *c, char *buf, size_t len)
{
	const char *r = c->probe ? scan(c->probe, buf, len) : NULL;

	if (!r)
		r = scan_words(c->text, buf, len);
	return r;
}

int wb_export(struct workbench *wb, const char *path)
{
	char *data = NULL, why[128], stamp[64];
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	int nlive = 0, newer = 0, err;
	time_t now = time(NULL);

	if (!f)
		return -ENOMEM;
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", localtime(&now));
	for (int i = 0; i < wb->ncl; i++) {
		struct wb_clause *c = wb->cl[i];

		if (c->state == WB_ATTACHED && wb_needs_newer(c, why, sizeof(why)))
			newer++;
	}
	fprintf(f, "#!/usr/bin/env bpftrace\n");
	fprintf(f, "// Exported by bpfdeck's workbench on %s.\n", stamp);
	if (newer)
		fprintf(f, "// Needs bpfdeck (%d clause%s use%s more than bpftrace 0.17): bpfdeck %s\n",
			newer, newer == 1 ? "" : "s", newer == 1 ? "s" : "", path);
	else
		fprintf(f, "// Runs with: bpfdeck %s   (or bpftrace 0.17: bpftrace %s)\n", path, path);
	for (int i = 0; i < wb->npreamble; i++)
		fprintf(f, "%s\n", wb->preamble[i]);
	for (int i = 0; i < wb->ncl; i++) {
		struct wb_clause *c = wb->cl[i];

		if (c->state != WB_ATTACHED)
			continue;
		fprintf(f, "\n// clause %d", c->id);
		if (wb_needs_newer(c, why, sizeof(why))) {
			fprintf(f, ": needs more than bpftrace 0.17 (%s)", why);
			wb_msg(wb, OL_WARN, "export: clause %d needs more than bpftrace 0.17: it uses %s",
			       c->id, why);
		}
		fprintf(f, "\n%s\n", c->text);
		nlive++;
	}
	for (int i = 0; i < wb->ncl; i++) {
		struct wb_clause *c = wb->cl[i];
		const char *p;

		if (c->state == WB_ATTACHED)
			continue;
		fprintf(f, "\n// clause %d (%s, not exported):\n", c->id,
			c->state == WB_DISABLED ? "disabled" : "error");
		for (p = c->text; *p;) {
			size_t n = strcspn(p, "\n");

			fprintf(f, "//   %.*s\n", (int)n, p);
			p += n;
			if (*p)
				p++;
		}
	}
	fclose(f);
	err = wb_write_atomic(path, data, len);
	free(data);
	if (err) {
		wb_msg(wb, OL_ERROR, "ERROR: export %s: %s", path, strerror(-err));
		return err;
	}
	wb_msg(wb, OL_INFO, "exported %d clause%s to %s (%s)", nlive, nlive == 1 ? "" : "s", path,
	       newer ? "needs bpfdeck" : "bpftrace 0.17 syntax");
	return 0;
}

/* The map to export: the one named, else the only map holding stacks. */
static struct wb_map *folded_map(struct workbench *wb, const char *name)
{
	struct wb_map *m = NULL;
	char names[256] = "";
	int n = 0;

	if (name) {
		m = wb_map_find(wb, name);
		if (!m)
			wb_msg(wb, OL_ERROR, "ERROR: export-folded: no map %s", name);
		else if (!folded_map_has_stacks(m->decl))
			wb_msg(wb, OL_ERROR, "ERROR: export-folded: %s holds no kstack or ustack",
			       m->decl->name);
		return m && folded_map_has_stacks(m->decl) ? m : NULL;
	}
	for (int i = 0; i < wb->nmaps; i++) {
		if (!folded_map_has_stacks(wb->maps[i]->decl))
			continue;
		m = wb->maps[i];
		if (strlen(names) + strlen(m->decl->name) + 2 < sizeof(names))
			strcat(strcat(names, " "), m->decl->name);
		n++;
	}
	if (n == 1)
		return m;
	if (!n)
		wb_msg(wb, OL_ERROR, "ERROR: export-folded: no map holds stacks (key a map on "
		       "kstack or ustack)");
	else
		wb_msg(wb, OL_ERROR, "ERROR: export-folded: several maps hold stacks (%s): name one, "
		       ":export-folded FILE @MAP", names + 1);
	return NULL;
}

int wb_export_folded(struct workbench *wb, const char *path, const char *name)
{
	struct map_snapshot *snap = NULL;
	struct wb_map *m = folded_map(wb, name);
	char *data = NULL;
	size_t len = 0;
	FILE *f;
	int n, err;

	if (!m)
		return name ? -ENOENT : -EINVAL;
	/* read now rather than take the last poll: the file holds what the map
	 * holds when the command runs */
	err = map_snapshot_read(m->decl, m->fd, &snap);
	if (err)
		goto cleanup;
	f = open_memstream(&data, &len);
	if (!f) {
		err = -ENOMEM;
		goto cleanup;
	}
	n = folded_write(f, wb->o, snap);
	if (fclose(f) && n >= 0)
		n = -ENOMEM;
	err = n < 0 ? n : wb_write_atomic(path, data, len);
	if (!err)
		wb_msg(wb, OL_INFO, "exported %d stack%s of %s to %s (folded: flamegraph.pl %s > "
		       "out.svg)", n, n == 1 ? "" : "s", m->decl->name, path, path);
cleanup:
	if (err)
		wb_msg(wb, OL_ERROR, "ERROR: export-folded %s: %s", path, strerror(-err));
	free(data);
	map_snapshot_free(snap);
	return err;
}
