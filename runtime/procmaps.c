/* procmaps: parsing /proc/PID/maps. Paths may hold spaces, so a line's path is
 * everything after the inode column; the kernel marks unlinked files with a
 * trailing " (deleted)", which is stripped into a flag. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "elf_file.h"
#include "procmaps.h"

#define DELETED_SUFFIX " (deleted)"

int procmaps_parse_line(const char *line, struct procmap *out)
{
	unsigned long long start, end, pgoff, inode;
	unsigned maj, min;
	char perms[8];
	int pos = 0;
	const char *p;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &pgoff, &maj, &min,
		   &inode, &pos) != 7)
		return -EINVAL;
	out->start = start;
	out->end = end;
	out->pgoff = pgoff;
	out->inode = inode;
	out->dev = makedev(maj, min);
	out->exec = strlen(perms) >= 3 && perms[2] == 'x';
	out->write = strlen(perms) >= 2 && perms[1] == 'w';
	for (p = line + pos; *p == ' ' || *p == '\t'; p++)
		;
	len = strcspn(p, "\n");
	if (!len)
		return 0;
	if (len > strlen(DELETED_SUFFIX) &&
	    !memcmp(p + len - strlen(DELETED_SUFFIX), DELETED_SUFFIX, strlen(DELETED_SUFFIX))) {
		out->deleted = true;
		len -= strlen(DELETED_SUFFIX);
	}
	out->path = strndup(p, len);
	return out->path ? 0 : -ENOMEM;
}

int procmaps_read(int pid, struct procmaps *out)
{
	char name[64], *line = NULL;
	size_t cap = 0;
	struct procmap *v;
	int cnt = 0, n = 0, err = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	f = fopen(name, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (n == cnt) {
			cnt = cnt ? cnt * 2 : 64;
			v = realloc(out->v, cnt * sizeof(*v));
			if (!v) {
				err = -ENOMEM;
				break;
			}
			out->v = v;
		}
		if (!procmaps_parse_line(line, &out->v[n]))
			out->n = ++n;
	}
	free(line);
	fclose(f);
	if (err)
		procmaps_free(out);
	/* a process that exited while we read leaves an empty file */
	return err ? err : n ? 0 : -ENOENT;
}

void procmaps_free(struct procmaps *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

const struct procmap *procmaps_find(const struct procmaps *m, uint64_t addr)
{
	int lo = 0, hi = m->n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (m->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && addr >= m->v[lo].start ? &m->v[lo] : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int procmaps_elf_files(int pid, procmaps_path_fn fn, void *ctx)
{
	struct procmaps m;
	char **paths = NULL;
	int n = 0, err;

	err = procmaps_read(pid, &m);
	if (err)
		return err;
	paths = calloc(m.n ? m.n : 1, sizeof(*paths));
	if (!paths) {
		procmaps_free(&m);
		return -ENOMEM;
	}
	for (int i = 0; i < m.n; i++)
		if (m.v[i].path && m.v[i].path[0] == '/' && !m.v[i].deleted &&
		    asprintf(&paths[n], "/proc/%d/root%s", pid, m.v[i].path) >= 0)
			n++;
	procmaps_free(&m);
	qsort(paths, n, sizeof(*paths), cmp_str);
	/* maps also name locale archives and caches */
	for (int i = 0; i < n && !err; i++)
		if ((!i || strcmp(paths[i - 1], paths[i])) && elf_is_file(paths[i]))
			err = fn(paths[i], ctx);
	for (int i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return err;
}

int procmaps_exe(int pid, char *buf, size_t len)
{
	char link[64], exe[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	if ((size_t)snprintf(buf, len, "/proc/%d/root%s", pid, exe) >= len)
		return -ENAMETOOLONG;
	return 0;
}
