/* listing: `bpfdeck -l [pattern]` and `-lv`, as bpftrace 0.17 prints them.
 * Owns parsing the search pattern, expanding it per probe type (tracefs,
 * perf tables, ELF symbols and USDT notes, kernel symbols, BTF) and printing. */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "features.h"
#include "listing.h"
#include "perf_events.h"
#include "tracefs.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
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

static bool strset_has(const struct strset *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return true;
	return false;
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
	btf__free(r->btf);
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

static bool is_elf_file(const char *path)
{
	unsigned char magic[4];
	struct stat st;
	bool ok;
	int fd;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
	close(fd);
	return ok;
}

static int path_search(const char *name, struct strset *out)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL, full[PATH_MAX];
	struct stat st;
	int err = 0;

	dirs = strdup(env && *env ? env : DEFAULT_PATH);
	if (!dirs)
		return -ENOMEM;
	for (dir = strtok_r(dirs, ":", &save); dir && !err; dir = strtok_r(NULL, ":", &save)) {
		snprintf(full, sizeof(full), "%s/%s", dir, name);
		if (!stat(full, &st) && S_ISREG(st.st_mode) && !access(full, X_OK))
			err = strset_addf(out, "%s", full);
	}
	free(dirs);
	return err;
}

/* glibc's ld.so.cache (format 1.1): which file "lib<name>.so*" the loader picks. */
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

static char *ldcache_lookup(const char *name)
{
	const struct ldcache_hdr *h;
	const struct ldcache_entry *e;
	char prefix[256], *res = NULL;
	const char *base, *key;
	struct stat st;
	void *map;
	size_t plen;
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
	h = (const void *)base;
	e = (const void *)(h + 1);
	plen = snprintf(prefix, sizeof(prefix), "%s.so", name);
	for (uint32_t i = 0; i < h->nlibs; i++, e++) {
		if ((const char *)(e + 1) > (char *)map + st.st_size)
			break;
		/* string offsets count from the new-format header */
		if (e->key >= (size_t)st.st_size - (base - (char *)map) ||
		    e->value >= (size_t)st.st_size - (base - (char *)map))
			continue;
		key = base + e->key;
		if ((e->flags & 0xffff) != LDCACHE_ARCH_FLAGS || strncmp(key, prefix, plen))
			continue;
		res = strndup(base + e->value, PATH_MAX);
		break;
	}
out:
	munmap(map, st.st_size);
	return res;
}

/* uprobe:bash / uprobe:libc: bpftrace takes the first executable on PATH,
 * else the library ld.so.cache names. NULL (and an error printed) if none. */
static char *resolve_target(struct lrun *r, const char *type, const char *target, int c1, int c2)
{
	struct strset found = { 0 };
	char *res = NULL;

	if (strchr(target, '/')) {
		if (is_elf_file(target))
			res = strdup(target);
		goto out;
	}
	if (path_search(target, &found))
		goto out;
	if (found.n > 1)
		lst_diag(r, false, c1, c2,
			 "attaching to %s target file '%s' but matched %zu binaries", type,
			 found.v[0], found.n);
	res = found.n ? strdup(found.v[0]) : ldcache_lookup(target);
out:
	if (!res)
		lst_diag(r, true, c1, c2, "%s target file '%s' does not exist or is not executable",
			 type, target);
	strset_free(&found);
	return res;
}

/* Every ELF file mapped by pid, seen through the process's root: its mount
 * namespace may hold files we cannot see at the same path. */
static int mapped_paths(int pid, struct strset *out)
{
	char maps[64], line[PATH_MAX + 128], *p;
	struct strset all = { 0 };
	FILE *f;
	int err = 0;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		p = strchr(line, '/');
		if (p && !strstr(p, " (deleted)"))
			err = strset_addf(&all, "/proc/%d/root%s", pid, p);
	}
	fclose(f);
	strset_sort_uniq(&all);
	/* maps also name locale archives and caches */
	for (size_t i = 0; i < all.n && !err; i++)
		if (is_elf_file(all.v[i]))
			err = strset_addf(out, "%s", all.v[i]);
	strset_free(&all);
	return err;
}

static int pid_exe(int pid, struct strset *out)
{
	char link[64], exe[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	return strset_addf(out, "/proc/%d/root%s", pid, exe);
}

static int glob_elf(const char *pattern, bool need_exec, struct strset *out)
{
	glob_t g;
	int err = 0;

	if (glob(pattern, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc && !err; i++)
		if ((!need_exec || !access(g.gl_pathv[i], X_OK)) && is_elf_file(g.gl_pathv[i]))
			err = strset_addf(out, "%s", g.gl_pathv[i]);
	globfree(&g);
	return err;
}

/* A wildcard file: a path glob as is; a bare name is globbed in the current
 * directory and in every PATH directory, as bpftrace resolves binaries. */
static int glob_binaries(const char *pattern, struct strset *out)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL, full[PATH_MAX];
	int err;

	if (strchr(pattern, '/'))
		return glob_elf(pattern, false, out);
	err = glob_elf(pattern, true, out);
	dirs = strdup(env && *env ? env : DEFAULT_PATH);
	if (!dirs)
		return -ENOMEM;
	for (dir = strtok_r(dirs, ":", &save); dir && !err; dir = strtok_r(NULL, ":", &save)) {
		snprintf(full, sizeof(full), "%s/%s", dir, pattern);
		err = glob_elf(full, true, out);
	}
	free(dirs);
	return err;
}

static int lap_files(struct lrun *r, const struct lap *a, struct strset *files)
{
	/* bpftrace 0.17 with -p: "uprobe:FUNC" is the executable's own, while
	 * USDT probes come from every mapped file (libraries carry them too). */
	if (a->from_pid)
		return a->kind == LK_USDT ? mapped_paths(r->pid, files) : pid_exe(r->pid, files);
	if (a->kind == LK_USDT && r->pid > 0 && !strcmp(a->target, "*"))
		return mapped_paths(r->pid, files);
	if (tracefs_has_wildcard(a->target))
		return glob_binaries(a->target, files);
	return strset_addf(files, "%s", a->target);
}

/* ---- ELF: function symbols and USDT notes ---- */

static Elf *elf_open_file(const char *path, int *fd)
{
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	e = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		close(*fd);
		return NULL;
	}
	return e;
}

/* libstdc++'s demangler, when the program links it (LLVM brings it in);
 * without it C++ names are matched only as mangled. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status)
	__attribute__((weak));

/* line is "FILE:SYMBOL"; bpftrace matches the whole line against the pattern
 * "TARGET:FUNC" and, failing that, the demangled line with the ends loose. */
static bool sym_line_matches(const char *glob, const char *line, size_t label_len)
{
	const char *name = line + label_len + 1;
	char *dem, *full;
	bool ok;
	int status;

	if (tracefs_wildcard_match(glob, line))
		return true;
	if (strncmp(name, "_Z", 2) || !__cxa_demangle)
		return false;
	dem = __cxa_demangle(name, NULL, NULL, &status);
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

static int elf_syms_add(Elf *e, const char *label, const char *glob, struct strset *out)
{
	size_t label_len = strlen(label);
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym;
	const char *name;
	char *line;
	int err = 0, type;

	while (!err && (scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && !err; i++) {
			if (!gelf_getsym(data, i, &sym))
				break;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			/* ".part.N" clones cannot be traced; bpftrace hides them. */
			if (!name || !*name || strstr(name, ".part."))
				continue;
			if (asprintf(&line, "%s:%s", label, name) < 0)
				return -ENOMEM;
			if (sym_line_matches(glob, line, label_len))
				err = strset_take(out, line);
			else
				free(line);
		}
	}
	return err;
}

static Elf_Scn *elf_section_named(Elf *e, const char *want)
{
	Elf_Scn *scn = NULL;
	const char *name;
	GElf_Shdr sh;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (name && !strcmp(name, want))
			return scn;
	}
	return NULL;
}

static bool file_crc_is(const char *path, uint32_t want)
{
	unsigned char buf[65536];
	uLong crc = crc32(0, Z_NULL, 0);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, n);
	close(fd);
	return n == 0 && crc == want;
}

/* Separate debug info (libc6-dbg and friends) carries the local function
 * symbols; bcc reads it through the build id, then .gnu_debuglink. */
static char *elf_debug_file(Elf *e, const char *path)
{
	static const char *const fmts[] = { "%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s" };
	char *res = NULL, real[PATH_MAX], dir[PATH_MAX], cand[PATH_MAX * 2], *slash;
	size_t off = 0, next, name_off, desc_off, llen;
	const unsigned char *id;
	Elf_Data *data;
	Elf_Scn *scn;
	GElf_Nhdr nh;
	uint32_t crc;
	int n;

	scn = elf_section_named(e, ".note.gnu.build-id");
	data = scn ? elf_getdata(scn, NULL) : NULL;
	while (data && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		off = next;
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_descsz < 2)
			continue;
		id = (const unsigned char *)data->d_buf + desc_off;
		n = snprintf(cand, sizeof(cand), "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (size_t i = 1; i < nh.n_descsz && n < (int)sizeof(cand) - 8; i++)
			n += snprintf(cand + n, sizeof(cand) - n, "%02x", id[i]);
		snprintf(cand + n, sizeof(cand) - n, ".debug");
		if (!access(cand, R_OK))
			return strdup(cand);
		break;
	}
	scn = elf_section_named(e, ".gnu_debuglink");
	data = scn ? elf_getdata(scn, NULL) : NULL;
	if (!data || !data->d_size || !realpath(path, real))
		return NULL;
	llen = strnlen(data->d_buf, data->d_size);
	/* the CRC follows the name, 4-byte aligned */
	if (((llen + 4) & ~3ul) + 4 > data->d_size)
		return NULL;
	memcpy(&crc, (char *)data->d_buf + ((llen + 4) & ~3ul), 4);
	snprintf(dir, sizeof(dir), "%s", real);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]) && !res; i++) {
		snprintf(cand, sizeof(cand), fmts[i], dir, (char *)data->d_buf);
		if (strcmp(cand, real) && file_crc_is(cand, crc))
			res = strdup(cand);
	}
	return res;
}

/* Defined functions (and ifuncs) from .symtab and .dynsym, as bcc lists them. */
static int elf_func_symbols(const char *path, const char *glob, struct strset *out)
{
	char *debug = NULL;
	int fd, dfd, err;
	Elf *e, *d;

	e = elf_open_file(path, &fd);
	if (!e)
		return -ENOEXEC;
	err = elf_syms_add(e, path, glob, out);
	if (!err)
		debug = elf_debug_file(e, path);
	elf_end(e);
	close(fd);
	if (!debug)
		return err;
	d = elf_open_file(debug, &dfd);
	if (d) {
		err = elf_syms_add(d, path, glob, out);
		elf_end(d);
		close(dfd);
	}
	free(debug);
	return err;
}

static int elf_usdt_probes(const char *path, const char *glob, struct strset *out)
{
	size_t off, next, name_off, desc_off, addr_sz;
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Nhdr nh;
	GElf_Shdr sh;
	const char *desc, *prov, *pname, *end;
	char *line;
	int fd, err = 0;
	Elf *e;

	e = elf_open_file(path, &fd);
	if (!e)
		return -ENOEXEC;
	addr_sz = gelf_getclass(e) == ELFCLASS32 ? 4 : 8;
	scn = elf_section_named(e, ".note.stapsdt");
	if (scn && gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE) {
		data = elf_getdata(scn, NULL);
		for (off = 0; data && !err &&
		     (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0; off = next) {
			if (nh.n_type != 3 || nh.n_namesz != 8 ||
			    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
				continue;
			/* desc: pc, base, semaphore addresses, then provider\0name\0args\0 */
			desc = (char *)data->d_buf + desc_off;
			end = desc + nh.n_descsz;
			prov = desc + 3 * addr_sz;
			if (prov >= end)
				continue;
			pname = memchr(prov, '\0', end - prov);
			if (!pname++ || pname >= end || !memchr(pname, '\0', end - pname))
				continue;
			if (asprintf(&line, "%s:%s:%s", path, prov, pname) < 0)
				return -ENOMEM;
			if (tracefs_wildcard_match(glob, line))
				err = strset_take(out, line);
			else
				free(line);
		}
	}
	elf_end(e);
	close(fd);
	return err;
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

/* Function names kprobes can take: available_filter_functions, or the text
 * symbols of /proc/kallsyms when tracefs keeps that file to itself. */
static int kernel_functions(struct lrun *r, const char *glob, struct strset *out)
{
	char path[PATH_MAX], line[512], name[256], type;
	bool from_kallsyms = false;
	FILE *f = NULL;
	int err = 0;

	if (features_has(FEAT_AVAIL_FILTER_FUNCS) &&
	    !tracefs_path(path, sizeof(path), "available_filter_functions"))
		f = fopen(path, "re");
	if (!f) {
		f = fopen("/proc/kallsyms", "re");
		from_kallsyms = true;
		if (!r->warned_ksyms)
			fprintf(stderr, "WARNING: available_filter_functions is not readable; "
				"listing kernel functions from /proc/kallsyms\n");
		r->warned_ksyms = true;
	}
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		if (from_kallsyms) {
			if (sscanf(line, "%*s %c %255s", &type, name) != 2 ||
			    (type != 't' && type != 'T'))
				continue;
		} else if (sscanf(line, "%255s", name) != 1) {
			continue;
		}
		/* ".part.N" clones cannot be traced; bpftrace hides them too. */
		if (strstr(name, ".part.") || !tracefs_wildcard_match(glob, name))
			continue;
		err = strset_addf(out, "%s", name);
	}
	fclose(f);
	return err;
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
	if (!r->btf && !(r->btf = btf__load_vmlinux_btf()))
		return -errno;
	n = btf__type_cnt(r->btf);
	for (__u32 id = 1; id < n; id++) {
		t = btf__type_by_id(r->btf, id);
		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(r->btf, t->name_off);
		if (name && tracefs_wildcard_match(a->func, name) && !strset_has(&s, name))
			if (strset_addf(&s, "%s", name))
				return -ENOMEM;
	}
	strset_sort_uniq(&s);
	for (size_t i = 0; i < s.n; i++) {
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
