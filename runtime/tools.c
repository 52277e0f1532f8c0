/* tools: the bundled tools (share/tools/NAME.bt) that `bpfdeck tool NAME` runs.
 * Owns finding the tools directory, reading a tool's header comment and
 * checking its requirements against what this kernel offers (features.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "features.h"
#include "tools.h"
#include "tracefs.h"

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

const char *tools_dir(void)
{
	static char dir[PATH_MAX];
	static bool done;
	static const char *const rel[] = {
		"/../share/bpfdeck/tools",      /* PREFIX/bin/bpfdeck */
		"/../../share/tools",           /* SRC/build/src/bpfdeck */
		"/../share/tools",              /* SRC/build/bpfdeck */
	};
	const char *env = getenv("BPFDECK_TOOLS_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return is_dir(env) ? env : NULL;
	if (done)
		return *dir ? dir : NULL;
	done = true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash)
			*slash = 0;
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char *real;

			snprintf(dir, sizeof(dir), "%s%s", exe, rel[i]);
			real = realpath(dir, NULL);
			if (real && is_dir(real)) {
				snprintf(dir, sizeof(dir), "%s", real);
				free(real);
				return dir;
			}
			free(real);
		}
	}
#ifdef BPFDECK_TOOLS_DATADIR
	snprintf(dir, sizeof(dir), "%s", BPFDECK_TOOLS_DATADIR);
	if (is_dir(dir))
		return dir;
#endif
#ifdef BPFDECK_TOOLS_SRCDIR
	snprintf(dir, sizeof(dir), "%s", BPFDECK_TOOLS_SRCDIR);
	if (is_dir(dir))
		return dir;
#endif
	*dir = 0;
	return NULL;
}

static bool valid_name(const char *name)
{
	if (!*name || strlen(name) >= sizeof(((struct tool_info *)0)->name) || *name == '.')
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			return false;
	return true;
}

static void copy_trimmed(char *dst, size_t len, const char *src)
{
	size_t n;

	while (*src == ' ' || *src == '\t')
		src++;
	n = strcspn(src, "\n");
	while (n && (src[n - 1] == ' ' || src[n - 1] == '\t' || src[n - 1] == '\r'))
		n--;
	snprintf(dst, len, "%.*s", (int)n, src);
}

int tools_info(const char *name, struct tool_info *t)
{
	const char *dir = tools_dir();
	char line[512];
	size_t namelen;
	FILE *f;
	int nline = 0;

	memset(t, 0, sizeof(*t));
	if (!valid_name(name))
		return -EINVAL;
	if (!dir)
		return -ENOENT;
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->path, sizeof(t->path), "%s/%s.bt", dir, name);
	f = fopen(t->path, "r");
	if (!f)
		return -ENOENT;
	namelen = strlen(name);
	/* the header: the comment block at the top (after an optional #! line) */
	while (fgets(line, sizeof(line), f) && nline++ < 80) {
		const char *p = line;

		if (nline == 1 && !strncmp(p, "#!", 2))
			continue;
		if (strncmp(p, "//", 2))
			break;
		p += 2;
		while (*p == ' ')
			p++;
		if (!*t->summary && !strncmp(p, name, namelen) && !strncmp(p + namelen, " - ", 3))
			copy_trimmed(t->summary, sizeof(t->summary), p + namelen + 3);
		else if (!strncmp(p, "requires:", 9))
			copy_trimmed(t->requires, sizeof(t->requires), p + 9);
		else if (!strncmp(p, "prefer:", 7))
			copy_trimmed(t->prefer, sizeof(t->prefer), p + 7);
		else if (!strncmp(p, "fallback:", 9))
			copy_trimmed(t->fallback, sizeof(t->fallback), p + 9);
		else if (!strncmp(p, "usage:", 6))
			copy_trimmed(t->usage, sizeof(t->usage), p + 6);
	}
	fclose(f);
	return 0;
}

/* NULL when requirement req (one token) is met, else the reason. */
static const char *unmet_one(const char *req, char *buf, size_t len)
{
	if (!strncmp(req, "tracepoint:", 11)) {
		char cat[128], ev[128], rel[300], path[PATH_MAX];
		const char *colon = strchr(req + 11, ':');

		if (!colon || colon == req + 11 || !colon[1]) {
			snprintf(buf, len, "%s (not a requirement bpfdeck knows)", req);
			return buf;
		}
		snprintf(cat, sizeof(cat), "%.*s", (int)(colon - req - 11), req + 11);
		snprintf(ev, sizeof(ev), "%s", colon + 1);
		snprintf(rel, sizeof(rel), "events/%s/%s", cat, ev);
		if (tracefs_path(path, sizeof(path), rel) < 0) {
			snprintf(buf, len, "tracepoint %s:%s (%s)", cat, ev,
				 tracefs_error() ? tracefs_error() : "tracefs is not mounted");
			return buf;
		}
		if (is_dir(path))
			return NULL;
		snprintf(buf, len, "tracepoint %s:%s, which this kernel does not have", cat, ev);
		return buf;
	}
	for (int f = 0; f < FEAT__COUNT; f++) {
		const char *why;

		if (strcasecmp(req, features_name(f)))
			continue;
		if (features_has(f))
			return NULL;
		why = features_why_not(f);
		if (why)
			snprintf(buf, len, "%s (%s)", req, why);
		else
			snprintf(buf, len, "%s, which this kernel does not offer (see bpfdeck --info)", req);
		return buf;
	}
	snprintf(buf, len, "%s (not a requirement bpfdeck knows)", req);
	return buf;
}

const char *tools_unmet(const struct tool_info *t, char *buf, size_t len)
{
	char reqs[sizeof(t->requires)], *save = NULL;

	snprintf(reqs, sizeof(reqs), "%s", t->requires);
	for (char *tok = strtok_r(reqs, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
		if (unmet_one(tok, buf, len))
			return buf;
	return NULL;
}

int tools_resolve(const char *name, struct tool_info *t, char *why, size_t whylen)
{
	struct tool_info alt;
	char altwhy[256];
	int err = tools_info(name, t);

	if (err)
		return err == -EINVAL ? -ENOENT : err;
	if (*t->prefer && !tools_info(t->prefer, &alt) &&
	    !tools_unmet(&alt, altwhy, sizeof(altwhy))) {
		*t = alt;
		return 0;
	}
	if (!tools_unmet(t, why, whylen))
		return 0;
	if (*t->fallback && !tools_info(t->fallback, &alt) &&
	    !tools_unmet(&alt, altwhy, sizeof(altwhy))) {
		*t = alt;
		return 0;
	}
	return -ENOTSUP;
}

int tools_required_args(const struct tool_info *t)
{
	char usage[sizeof(t->usage)], *save = NULL;
	int n = 0, skip = 3, depth = 0;         /* "bpfdeck tool NAME" */

	snprintf(usage, sizeof(usage), "%s", t->usage);
	for (char *tok = strtok_r(usage, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (skip > 0) {
			skip--;
			continue;
		}
		if (!depth && *tok != '[')
			n++;
		for (const char *p = tok; *p; p++)
			depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
	}
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tools_list(FILE *out)
{
	const char *dir = tools_dir();
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (!dir || !(d = opendir(dir))) {
		fprintf(stderr, "ERROR: no tools directory found (install bpfdeck, or set "
			"BPFDECK_TOOLS_DIR)\n");
		return -ENOENT;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 3 || strcmp(de->d_name + len - 3, ".bt"))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!nn)
				break;
			names = nn;
		}
		names[n] = strndup(de->d_name, len - 3);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct tool_info t;
		char why[256];

		if (!tools_info(names[i], &t)) {
			fprintf(out, "%-18s %s", t.name, t.summary);
			if (tools_unmet(&t, why, sizeof(why)))
				fprintf(out, "  [needs %s]", why);
			fputc('\n', out);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}
