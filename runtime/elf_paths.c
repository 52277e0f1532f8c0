/* elf_paths: finding the files uprobe and usdt targets name. The order is
 * bpftrace's (PATH before libraries); glibc's ld.so.cache is read directly so
 * `uprobe:libc:fread` needs no ldconfig run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libgen.h>
#include "elf_file.h"
#include "elf_paths.h"
#include "procmaps.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static char *path_env(void)
{
	const char *env = getenv("PATH");

	return strdup(env && *env ? env : DEFAULT_PATH);
}

int elf_paths_which(const char *name, elf_path_fn fn, void *ctx)
{
	char *dirs, *dir, *save = NULL, full[PATH_MAX];
	struct stat st;
	int err = 0;

	dirs = path_env();
	if (!dirs)
		return -ENOMEM;
	for (dir = strtok_r(dirs, ":", &save); dir && !err; dir = strtok_r(NULL, ":", &save)) {
		snprintf(full, sizeof(full), "%s/%s", dir, name);
		if (!stat(full, &st) && S_ISREG(st.st_mode) && !access(full, X_OK))
			err = fn(full, ctx);
	}
	free(dirs);
	return err;
}

/* glibc's ld.so.cache (format 1.1). */
#define LDCACHE_MAGIC "glibc-ld.so.cache1.1"
struct ldcache_hdr {
	char magic[20];
	uint32_t nlibs, len_strings;
	uint8_t flags, pad[3];
	uint32_t ext_offset, unused[3];
};
struct ldcache_entry {
	int32_t flags;
	uint32_t key, value, osversion;
	uint64_t hwcap;
};
#if defined(__x86_64__)
#define LDCACHE_ARCH_FLAGS 0x0303	/* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */
#elif defined(__aarch64__)
#define LDCACHE_ARCH_FLAGS 0x0a03	/* FLAG_ELF_LIBC6 | FLAG_AARCH64_LIB64 */
#else
#define LDCACHE_ARCH_FLAGS 0x0003
#endif

char *elf_paths_ldcache(const char *name)
{
	const struct ldcache_hdr *h;
	const struct ldcache_entry *e;
	char prefix[256], *res = NULL;
	const char *base, *key;
	struct stat st;
	void *map;
	size_t plen, avail;
	int fd;

	fd = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*h)) {
		close(fd);
		return NULL;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	base = memmem(map, st.st_size, LDCACHE_MAGIC, sizeof(LDCACHE_MAGIC) - 1);
	if (!base || (size_t)(base - (char *)map) + sizeof(*h) > (size_t)st.st_size)
		goto out;
	avail = st.st_size - (base - (char *)map);
	h = (const void *)base;
	e = (const void *)(h + 1);
	plen = snprintf(prefix, sizeof(prefix), "%s.so", name);
	for (uint32_t i = 0; i < h->nlibs; i++, e++) {
		if ((const char *)(e + 1) > (char *)map + st.st_size)
			break;
		/* string offsets count from the new-format header */
		if (e->key >= avail || e->value >= avail)
			continue;
		key = base + e->key;
		if ((e->flags & 0xffff) != LDCACHE_ARCH_FLAGS ||
		    (strncmp(key, prefix, plen) && strncmp(key, name, avail - e->key)))
			continue;
		res = strndup(base + e->value, avail - e->value < PATH_MAX ? avail - e->value : PATH_MAX);
		break;
	}
out:
	munmap(map, st.st_size);
	return res;
}

static bool lib_name_matches(const char *path, const char *name)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(name);

	base = base ? base + 1 : path;
	if (!strcmp(base, name))
		return true;
	if (strncmp(base, name, n))
		return false;
	return !strncmp(base + n, ".so", 3) || (base[n] == '-' && strstr(base + n, ".so"));
}

char *elf_paths_pid_lib(int pid, const char *name)
{
	struct procmaps m;
	char *res = NULL;

	if (pid <= 0 || procmaps_read(pid, &m))
		return NULL;
	for (int i = 0; i < m.n && !res; i++) {
		if (!m.v[i].path || m.v[i].path[0] != '/' || m.v[i].deleted ||
		    !lib_name_matches(m.v[i].path, name))
			continue;
		if (asprintf(&res, "/proc/%d/root%s", pid, m.v[i].path) < 0)
			res = NULL;
		else if (!elf_is_file(res)) {
			free(res);
			res = NULL;
		}
	}
	procmaps_free(&m);
	return res;
}

struct path_set {
	char **v;
	int n, cap;
};

static int set_add(const char *path, void *ctx)
{
	struct path_set *s = ctx;
	char **v;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		v = realloc(s->v, s->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
	}
	s->v[s->n] = strdup(path);
	return s->v[s->n] ? (s->n++, 0) : -ENOMEM;
}

static void set_free(struct path_set *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int glob_elf(const char *pattern, bool need_exec, struct path_set *out)
{
	glob_t g;
	int err = 0;

	if (glob(pattern, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc && !err; i++)
		if ((!need_exec || !access(g.gl_pathv[i], X_OK)) && elf_is_file(g.gl_pathv[i]))
			err = set_add(g.gl_pathv[i], out);
	globfree(&g);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int elf_paths_glob(const char *pattern, elf_path_fn fn, void *ctx)
{
	struct path_set s = { 0 };
	char *dirs, *dir, *save = NULL, full[PATH_MAX];
	int err;

	if (strchr(pattern, '/')) {
		err = glob_elf(pattern, false, &s);
	} else {
		err = glob_elf(pattern, true, &s);
		dirs = path_env();
		if (!dirs)
			err = -ENOMEM;
		for (dir = dirs ? strtok_r(dirs, ":", &save) : NULL; dir && !err;
		     dir = strtok_r(NULL, ":", &save)) {
			snprintf(full, sizeof(full), "%s/%s", dir, pattern);
			err = glob_elf(full, true, &s);
		}
		free(dirs);
	}
	if (s.n)
		qsort(s.v, s.n, sizeof(*s.v), cmp_str);
	for (int i = 0; i < s.n && !err; i++)
		if (!i || strcmp(s.v[i - 1], s.v[i]))
			err = fn(s.v[i], ctx);
	set_free(&s);
	return err;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

char *elf_paths_resolve(const char *target, int pid, int *nfound)
{
	struct path_set found = { 0 };
	char *res = NULL, *rooted = NULL;

	if (nfound)
		*nfound = 0;
	if (strchr(target, '/')) {
		/* -p: the process may live in another mount namespace */
		if (pid > 0 && target[0] == '/' &&
		    asprintf(&rooted, "/proc/%d/root%s", pid, target) >= 0 &&
		    elf_is_file(rooted) && !same_file(rooted, target))
			return rooted;
		free(rooted);
		return elf_is_file(target) ? strdup(target) : NULL;
	}
	if (elf_paths_which(target, set_add, &found))
		goto out;
	if (nfound)
		*nfound = found.n;
	if (found.n)
		res = strdup(found.v[0]);
	if (!res)
		res = elf_paths_pid_lib(pid, target);
	if (!res)
		res = elf_paths_ldcache(target);
	if (res && !elf_is_file(res)) {
		free(res);
		res = NULL;
	}
out:
	set_free(&found);
	return res;
}

/* The dynamic section's DT_NEEDED names and its search paths. */
struct dyn_info {
	struct path_set needed;
	char *rpath, *runpath;
};

static int dyn_read(const char *path, struct dyn_info *di)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Dyn dyn;
	Elf_Data *data;
	const char *str;
	int fd, err = 0;
	Elf *e;

	memset(di, 0, sizeof(*di));
	e = elf_file_open(path, &fd);
	if (!e)
		return -ENOEXEC;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize && !err; i++) {
			if (!gelf_getdyn(data, (int)i, &dyn))
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH)
				continue;
			str = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
			if (!str)
				continue;
			if (dyn.d_tag == DT_NEEDED)
				err = set_add(str, &di->needed);
			else if (dyn.d_tag == DT_RPATH && !di->rpath)
				di->rpath = strdup(str);
			else if (dyn.d_tag == DT_RUNPATH && !di->runpath)
				di->runpath = strdup(str);
		}
	}
	elf_file_close(e, fd);
	return err;
}

/* dir list "a:$ORIGIN/../lib" -> the first dir holding name. */
static char *search_dirs(const char *dirs, const char *origin, const char *name)
{
	char *copy, *dir, *save = NULL, cand[PATH_MAX], *res = NULL;

	if (!dirs)
		return NULL;
	copy = strdup(dirs);
	for (dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !res;
	     dir = strtok_r(NULL, ":", &save)) {
		if (!strncmp(dir, "$ORIGIN", 7))
			snprintf(cand, sizeof(cand), "%s%s/%s", origin, dir + 7, name);
		else if (!strncmp(dir, "${ORIGIN}", 9))
			snprintf(cand, sizeof(cand), "%s%s/%s", origin, dir + 9, name);
		else
			snprintf(cand, sizeof(cand), "%s/%s", dir, name);
		if (elf_is_file(cand))
			res = strdup(cand);
	}
	free(copy);
	return res;
}

static char *find_lib(const char *name, const struct dyn_info *di, const char *origin)
{
	static const char *const defaults = "/lib64:/usr/lib64:/lib:/usr/lib:"
					    "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu";
	char *res;

	if (strchr(name, '/'))
		return elf_is_file(name) ? strdup(name) : NULL;
	if (!di->runpath && (res = search_dirs(di->rpath, origin, name)))
		return res;
	if ((res = search_dirs(getenv("LD_LIBRARY_PATH"), origin, name)))
		return res;
	if ((res = search_dirs(di->runpath, origin, name)))
		return res;
	if ((res = elf_paths_ldcache(name)) && elf_is_file(res))
		return res;
	free(res);
	return search_dirs(defaults, origin, name);
}

int elf_paths_needed(const char *path, elf_path_fn fn, void *ctx)
{
	struct path_set todo = { 0 }, done = { 0 };
	char real[PATH_MAX], *origin, *lib;
	struct dyn_info di;
	int err = set_add(path, &todo);

	/* breadth first, as the loader maps them; a library visits once */
	for (int i = 0; !err && i < todo.n && i < 256; i++) {
		if (dyn_read(todo.v[i], &di))
			continue;
		snprintf(real, sizeof(real), "%s", todo.v[i]);
		origin = dirname(real);
		for (int j = 0; j < di.needed.n && !err; j++) {
			bool seen = false;

			lib = find_lib(di.needed.v[j], &di, origin);
			if (!lib)
				continue;
			for (int k = 0; k < done.n && !seen; k++)
				seen = same_file(done.v[k], lib);
			if (!seen) {
				err = set_add(lib, &done) ?: set_add(lib, &todo) ?: fn(lib, ctx);
			}
			free(lib);
		}
		set_free(&di.needed);
		free(di.rpath);
		free(di.runpath);
	}
	set_free(&todo);
	set_free(&done);
	return err;
}
