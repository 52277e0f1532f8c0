/* cgroup: cgroup ids and paths as bpftrace 0.17 finds them: cgroupid() through
 * a file handle of the cgroupfs directory, cgroup_path() by walking every
 * mounted hierarchy for the directory whose inode number is the id. */
#define _GNU_SOURCE  /* name_to_handle_at */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroup.h"

int cgroup_id_of_path(const char *path, unsigned long long *id)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[8];
	} h;
	uint64_t v;
	int mount_id;

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = 8;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0))
		return -errno;
	memcpy(&v, h.fh.f_handle, sizeof(v));
	*id = v;
	return 0;
}

/* The cgroupfs mounts of /proc/mounts: name (v1: the mount directory's name,
 * v2: "unified") and mount point. */
struct root {
	char *name, *dir;
};

static int roots_read(struct root **out)
{
	FILE *f = fopen("/proc/mounts", "re");
	char line[4096], dev[256], dir[4096];
	struct root *v = NULL;
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *base;
		struct root *nv;
		bool v2;

		if (sscanf(line, "%255s %4095s", dev, dir) != 2)
			continue;
		v2 = !strcmp(dev, "cgroup2");
		if (!v2 && strcmp(dev, "cgroup"))
			continue;
		nv = realloc(v, sizeof(*v) * (n + 1));
		if (!nv)
			break;
		v = nv;
		base = strrchr(dir, '/');
		v[n].name = strdup(v2 ? "unified" : base ? base + 1 : dir);
		v[n].dir = strdup(dir);
		n++;
	}
	fclose(f);
	*out = v;
	return n;
}

static int root_cmp(const void *a, const void *b)
{
	const struct root *x = a, *y = b;

	/* unified first, then by name */
	if (!strcmp(x->name, "unified") != !strcmp(y->name, "unified"))
		return !strcmp(x->name, "unified") ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Depth-first, as a recursive directory iterator: the relative path of the
 * directory with inode id, or false. */
static bool find_ino(const char *base, size_t baselen, char *path, size_t cap, uint64_t id,
		     int depth)
{
	size_t len = strlen(path);
	struct dirent *e;
	struct stat st;
	bool found = false;
	DIR *d;

	if (depth > 64)
		return false;
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (len + 1 + strlen(e->d_name) + 1 > cap)
			continue;
		snprintf(path + len, cap - len, "/%s", e->d_name);
		if (lstat(path, &st) == 0) {
			if ((uint64_t)st.st_ino == id)
				found = true;
			else if (S_ISDIR(st.st_mode))
				found = find_ino(base, baselen, path, cap, id, depth + 1);
		}
		if (!found)
			path[len] = '\0';
	}
	closedir(d);
	return found;
}

void cgroup_paths_render(uint64_t id, const char *filter, struct sbuf *sb)
{
	struct root *roots = NULL;
	char path[4096];
	struct stat st;
	int n = roots_read(&roots), out = 0;

	if (n <= 0)
		return;
	qsort(roots, n, sizeof(*roots), root_cmp);
	for (int i = 0; i < n; i++) {
		if (fnmatch(filter && *filter ? filter : "", roots[i].name, 0) == 0) {
			if (out++)
				sbuf_putc(sb, ',');
			sbuf_printf(sb, "%s:", roots[i].name);
			snprintf(path, sizeof(path), "%s", roots[i].dir);
			if (stat(path, &st) == 0 && (uint64_t)st.st_ino == id)
				sbuf_putc(sb, '/');
			else if (find_ino(roots[i].dir, strlen(roots[i].dir), path, sizeof(path), id, 0))
				sbuf_puts(sb, path + strlen(roots[i].dir));
		}
		free(roots[i].name);
		free(roots[i].dir);
	}
	free(roots);
}
