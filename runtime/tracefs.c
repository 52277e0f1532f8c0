/* tracefs: where the tracing filesystem lives and what its event files say.
 * Owns locating (and, as root, mounting) tracefs, reading tracepoint ids and
 * format files, and the kinfo_ops the compiler uses to see tracepoints. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup.h"
#include "fallback.h"
#include "features.h"
#include "kinfo_user.h"
#include "tracefs.h"

#define TRACEFS_MAIN "/sys/kernel/tracing"
#define TRACEFS_DEBUG "/sys/kernel/debug/tracing"

static const char *root_cached;
static bool root_probed;

static const char root_missing_msg[] =
	"tracefs is not mounted at " TRACEFS_MAIN "; run: mount -t tracefs tracefs " TRACEFS_MAIN;

static bool tracefs_has_events_dir(const char *root)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events", root);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool tracefs_mounted_at(const char *dir)
{
	char line[1024], mnt[512], fstype[64];
	bool found = false;
	FILE *f;

	f = fopen("/proc/mounts", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %511s %63s", mnt, fstype) != 2)
			continue;
		found = !strcmp(mnt, dir) && !strcmp(fstype, "tracefs");
	}
	fclose(f);
	return found;
}

const char *tracefs_root(void)
{
	if (root_probed)
		goto out;
	root_probed = true;
	if (features_env_disabled("tracefs"))
		goto out;       /* as without tracefs, to test what does without it */

	if (tracefs_mounted_at(TRACEFS_MAIN) || tracefs_has_events_dir(TRACEFS_MAIN)) {
		root_cached = TRACEFS_MAIN;
		goto out;
	}
	/* Mounting quietly is what a root user would do by hand anyway; bpftrace
	 * simply fails here, which helps nobody. */
	if (geteuid() == 0 && mount("tracefs", TRACEFS_MAIN, "tracefs", 0, NULL) == 0 &&
	    tracefs_has_events_dir(TRACEFS_MAIN)) {
		root_cached = TRACEFS_MAIN;
		goto out;
	}
	/* Looking inside debugfs automounts tracefs there on most kernels. */
	if (tracefs_has_events_dir(TRACEFS_DEBUG))
		root_cached = TRACEFS_DEBUG;
out:
	if (!root_cached)
		errno = ENOENT;
	return root_cached;
}

const char *tracefs_error(void)
{
	if (features_env_disabled("tracefs"))
		return "tracefs is disabled by BPFDECK_DISABLE_FEATURES";
	return root_missing_msg;
}

int tracefs_path(char *buf, size_t len, const char *rel)
{
	const char *root = tracefs_root();
	int n;

	if (!root)
		return -ENOENT;
	n = snprintf(buf, len, "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* tracefs files report st_size 0, so read until EOF. */
int tracefs_read(const char *rel, char **out)
{
	char path[PATH_MAX];
	size_t cap = 4096, len = 0;
	char *buf = NULL, *tmp;
	ssize_t n;
	int fd, err;

	err = tracefs_path(path, sizeof(path), rel);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (cap - len < 2048) {
			tmp = realloc(buf, cap * 2);
			if (!tmp) {
				err = -ENOMEM;
				goto out;
			}
			buf = tmp;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

int tracefs_tp_id(const char *cat, const char *ev)
{
	char rel[PATH_MAX];
	char *text = NULL;
	long id;
	int err;

	snprintf(rel, sizeof(rel), "events/%s/%s/id", cat, ev);
	err = tracefs_read(rel, &text);
	if (err)
		return err;
	id = strtol(text, NULL, 10);
	free(text);
	return id > 0 && id <= INT_MAX ? (int)id : -EINVAL;
}

static void copy_trimmed(char *dst, size_t dstlen, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* decl is what sits between "field:" and ';': "char prev_comm[16]",
 * "__data_loc char[] filename", "const char * filename". */
static int tracefs_parse_decl(const char *decl, size_t n, struct tp_field *f)
{
	static const char data_loc[] = "__data_loc ";
	const char *end, *name, *br;
	size_t tlen;

	while (n && isspace((unsigned char)*decl)) {
		decl++;
		n--;
	}
	while (n && isspace((unsigned char)decl[n - 1]))
		n--;
	if (n > sizeof(data_loc) - 1 && !strncmp(decl, data_loc, sizeof(data_loc) - 1)) {
		f->data_loc = true;
		decl += sizeof(data_loc) - 1;
		n -= sizeof(data_loc) - 1;
	}
	end = decl + n;
	if (n && end[-1] == ']') {
		br = memrchr(decl, '[', n);
		if (!br)
			return -EINVAL;
		/* "buf[]" is a flexible array: no length to report. */
		f->array_len = (int)strtol(br + 1, NULL, 0);
		end = br;
	}
	while (end > decl && isspace((unsigned char)end[-1]))
		end--;
	name = end;
	while (name > decl && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
		name--;
	if (name == end || name == decl)
		return -EINVAL;
	copy_trimmed(f->name, sizeof(f->name), name, end - name);
	tlen = name - decl;
	copy_trimmed(f->type, sizeof(f->type), decl, tlen);
	/* "__data_loc char[]": the brackets belong to the type, not the field. */
	tlen = strlen(f->type);
	if (tlen > 2 && !strcmp(f->type + tlen - 2, "[]"))
		copy_trimmed(f->type, sizeof(f->type), f->type, tlen - 2);
	return 0;
}

static long field_attr(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtol(p + strlen(key), NULL, 10) : 0;
}

int tracefs_parse_format(const char *text, struct tp_format *out)
{
	const char *line = text, *nl, *decl, *semi;
	struct tp_field *fields = NULL, *tmp, f;
	int n = 0, cap = 0, err = 0;

	memset(out, 0, sizeof(*out));
	out->id = -1;
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (!strncmp(line, "ID:", 3)) {
			out->id = (int)strtol(line + 3, NULL, 10);
			continue;
		}
		decl = strstr(line, "field:");
		if (!decl || (nl && decl > nl))
			continue;
		decl += strlen("field:");
		semi = strchr(decl, ';');
		if (!semi || (nl && semi > nl)) {
			err = -EINVAL;
			goto out;
		}
		memset(&f, 0, sizeof(f));
		err = tracefs_parse_decl(decl, semi - decl, &f);
		if (err)
			goto out;
		if (!strncmp(f.name, "common_", 7))
			continue;
		f.offset = (int)field_attr(semi, "offset:");
		f.size = (int)field_attr(semi, "size:");
		f.is_signed = field_attr(semi, "signed:") != 0;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			tmp = realloc(fields, cap * sizeof(*fields));
			if (!tmp) {
				err = -ENOMEM;
				goto out;
			}
			fields = tmp;
		}
		fields[n++] = f;
	}
	out->fields = fields;
	out->nfields = n;
	fields = NULL;
out:
	free(fields);
	return err;
}

static int tracefs_tp_format(const char *category, const char *event, struct tp_format *out)
{
	char rel[PATH_MAX];
	char *text = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(rel, sizeof(rel), "events/%s/%s/format", category, event);
	err = tracefs_read(rel, &text);
	if (err)
		return err;
	err = tracefs_parse_format(text, out);
	free(text);
	return err;
}

void tp_format_free(struct tp_format *f)
{
	if (!f)
		return;
	free(f->fields);
	f->fields = NULL;
	f->nfields = 0;
}

bool tracefs_has_wildcard(const char *s)
{
	return strchr(s, '*') != NULL;
}

/* bpftrace's matcher, not a real glob: each '*'-separated token is taken at
 * its first occurrence with no backtracking, so "a*b" does not match "abab".
 * Listing and attach expansion must agree with bpftrace, quirks included. */
static bool wildcard_tokens(const char *p, const char *s, bool any_start, bool any_end)
{
	size_t plen = strlen(p), n;
	const char *next = s, *found;
	bool first = true;

	if (!plen)
		return !*s;
	any_start = any_start || p[0] == '*';
	any_end = any_end || p[plen - 1] == '*';
	while (*p) {
		if (*p == '*') {
			p++;
			continue;
		}
		n = strcspn(p, "*");
		found = memmem(next, strlen(next), p, n);
		if (!found || (first && !any_start && found != s))
			return false;
		first = false;
		next = found + n;
		p += n;
	}
	return any_end || !*next;
}

bool tracefs_wildcard_match(const char *pattern, const char *s)
{
	return wildcard_tokens(pattern, s, false, false);
}

bool tracefs_wildcard_find(const char *pattern, const char *s)
{
	return wildcard_tokens(pattern, s, true, true);
}

struct str_vec {
	char **v;
	int n, cap;
};

static int str_vec_push(struct str_vec *sv, char *s)
{
	char **tmp;

	if (!s)
		return -ENOMEM;
	if (sv->n + 1 >= sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 1024;
		tmp = realloc(sv->v, sv->cap * sizeof(*tmp));
		if (!tmp) {
			free(s);
			return -ENOMEM;
		}
		sv->v = tmp;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

static void str_vec_free(struct str_vec *sv)
{
	for (int i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int tracefs_events_from_list(struct str_vec *sv)
{
	char *text = NULL, *line, *save = NULL;
	int err;

	err = tracefs_read("available_events", &text);
	if (err)
		return err;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strchr(line, ':'))
			continue;
		err = str_vec_push(sv, strdup(line));
		if (err)
			break;
	}
	free(text);
	return err;
}

/* available_events can be unreadable (lockdown); the events/ tree says the same. */
static int tracefs_events_from_dirs(struct str_vec *sv)
{
	char path[PATH_MAX], sub[PATH_MAX * 2];
	struct dirent *c, *e;
	DIR *dc = NULL, *de;
	char *s;
	int err;

	err = tracefs_path(path, sizeof(path), "events");
	if (err)
		return err;
	dc = opendir(path);
	if (!dc)
		return -errno;
	while ((c = readdir(dc))) {
		if (c->d_name[0] == '.' || c->d_type != DT_DIR)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, c->d_name);
		de = opendir(sub);
		if (!de)
			continue;
		while (!err && (e = readdir(de))) {
			if (e->d_name[0] == '.' || e->d_type != DT_DIR)
				continue;
			if (asprintf(&s, "%s:%s", c->d_name, e->d_name) < 0)
				s = NULL;
			err = str_vec_push(sv, s);
		}
		closedir(de);
		if (err)
			break;
	}
	closedir(dc);
	return err;
}

static struct str_vec all_events;
static bool all_events_loaded;

int tracefs_all_events(const char *const **out)
{
	struct str_vec sv = { 0 };
	int err, j = 0;

	if (all_events_loaded)
		goto done;
	err = tracefs_events_from_list(&sv);
	if (err && err != -ENOMEM) {
		str_vec_free(&sv);
		err = tracefs_events_from_dirs(&sv);
	}
	if (err)
		goto fail;
	if (!sv.v) {
		sv.v = calloc(1, sizeof(*sv.v));
		if (!sv.v)
			goto fail;
		sv.cap = 1;
	}
	qsort(sv.v, sv.n, sizeof(*sv.v), cmp_str);
	for (int i = 0; i < sv.n; i++) {
		if (j && !strcmp(sv.v[j - 1], sv.v[i]))
			free(sv.v[i]);
		else
			sv.v[j++] = sv.v[i];
	}
	sv.n = j;
	sv.v[j] = NULL;
	all_events = sv;
	all_events_loaded = true;
done:
	*out = (const char *const *)all_events.v;
	return all_events.n;
fail:
	str_vec_free(&sv);
	return err ? err : -ENOMEM;
}

/* Matches "CAT_GLOB:EVENT_GLOB" against whole "category:event" lines, as
 * bpftrace does, so attaching expands exactly what -l lists. */
static int tracefs_tp_glob(const char *cat_glob, const char *event_glob, tp_visit_fn fn, void *ctx)
{
	const char *const *events;
	char cat[256], *pattern;
	const char *colon;
	int n, visited = 0;
	size_t clen;

	n = tracefs_all_events(&events);
	if (n < 0)
		return n;
	if (asprintf(&pattern, "%s:%s", cat_glob, event_glob) < 0)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		colon = strchr(events[i], ':');
		clen = colon - events[i];
		if (clen >= sizeof(cat) || !tracefs_wildcard_match(pattern, events[i]))
			continue;
		memcpy(cat, events[i], clen);
		cat[clen] = '\0';
		visited++;
		if (fn(cat, colon + 1, ctx))
			break;
	}
	free(pattern);
	return visited;
}

const struct kinfo_ops tracefs_kinfo = {
	.tp_format = tracefs_tp_format,
	.tp_glob = tracefs_tp_glob,
	KINFO_USER_OPS,
	KINFO_KERNEL_OPS,
	.cgroup_id = cgroup_id_of_path,
};
