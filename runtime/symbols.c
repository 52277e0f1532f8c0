/* symbols: address-to-name resolution for stacks, ksym()/usym() and the
 * workbench. Kernel symbols come from /proc/kallsyms, loaded once. User
 * symbols: each process's /proc/PID/maps is captured (at its first ustack, see
 * symbols_note_pid, or at first use), each mapped file is known by device and
 * inode, and its symbol table is read only when an address falls in it, then
 * shared by every process mapping it (and by files with the same build id). A
 * table is a sorted array of 24-byte entries plus one block of names, so even
 * libc with separate debug info costs a few hundred KiB; libelf reads the
 * file through mmap and lets go of it once the table is built. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "elf_file.h"
#include "maptrack.h"
#include "procmaps.h"
#include "symbols.h"

#define STACK_DEPTH_DEFAULT 127
#define PROC_BUCKETS 256
/* a process's mappings are read again on a miss at most this often */
#define REFRESH_NS 50000000ull

struct ksym {
	uint64_t addr;
	char *name;
};

struct usym {
	uint64_t addr;
	uint64_t size;
	uint32_t name;          /* offset in the table's names */
	uint32_t rank;          /* while building: which alias wins */
};

/* One file, identified by device and inode. */
struct symtab {
	struct symtab *next;
	dev_t dev;
	uint64_t ino;
	char *module;           /* the path /proc/PID/maps shows */
	char *path;             /* a path that opens it in our mount namespace, or NULL */
	int fd;                 /* held open for deleted or namespaced files, else -1 */
	bool loaded, failed;
	uint8_t build_id[32];
	int build_id_len;
	struct elf_segs segs;
	struct symtab *same;    /* an identical file (build id) whose table we use */
	struct usym *syms;
	size_t nsyms;
	char *names;
	size_t names_len;
	char **dem;             /* demangled names, made on first use */
};

struct pmsym {
	uint64_t addr, size;
	char *name;
};

/* /tmp/perf-PID.map, written by JITs: "START SIZE name" in hex. */
struct perfmap {
	char *path;
	off_t size;
	struct timespec mtime;
	struct pmsym *v;
	size_t n;
};

struct proc {
	struct proc *next;
	int pid;
	struct procmaps maps;
	struct symtab **tabs;   /* per mapping, NULL when not file-backed */
	struct perfmap perf;
	uint64_t read_ns;       /* when maps was read */
};

struct symbolizer {
	symbols_stack_fd_fn stack_fd;
	void *ctx;
	/* kernel */
	struct ksym *ksyms;
	size_t nksyms;
	bool ksyms_loaded;
	bool kthread_on;        /* kthread is loading them: join before any use */
	pthread_t kthread;
	char *names;            /* one block for every ksym name */
	/* user */
	bool no_user;
	struct maptrack *track;         /* mmap records: for processes gone before capture */
	struct symtab *tabs;
	struct proc *procs[PROC_BUCKETS];
};

/* Waits for the prefetch thread, if one is loading the kernel symbols. */
static void ksyms_join(struct symbolizer *s)
{
	if (s->kthread_on) {
		pthread_join(s->kthread, NULL);
		s->kthread_on = false;
	}
}

struct symbolizer *symbolizer_new(symbols_stack_fd_fn stack_fd, void *ctx)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->stack_fd = stack_fd;
	s->ctx = ctx;
	s->no_user = getenv("BPFTRACE_NO_USER_SYMBOLS") &&
		     strcmp(getenv("BPFTRACE_NO_USER_SYMBOLS"), "0");
	return s;
}

static void perfmap_free(struct perfmap *pm)
{
	for (size_t i = 0; i < pm->n; i++)
		free(pm->v[i].name);
	free(pm->v);
	free(pm->path);
	memset(pm, 0, sizeof(*pm));
}

static void proc_free(struct proc *p)
{
	procmaps_free(&p->maps);
	free(p->tabs);
	perfmap_free(&p->perf);
	free(p);
}

static void symtab_free(struct symtab *t)
{
	if (t->dem)
		for (size_t i = 0; i < t->nsyms; i++)
			free(t->dem[i]);
	free(t->dem);
	free(t->syms);
	free(t->names);
	free(t->module);
	free(t->path);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

void symbolizer_free(struct symbolizer *s)
{
	struct symtab *t, *tn;
	struct proc *p, *pn;

	if (!s)
		return;
	for (int i = 0; i < PROC_BUCKETS; i++)
		for (p = s->procs[i]; p; p = pn) {
			pn = p->next;
			proc_free(p);
		}
	for (t = s->tabs; t; t = tn) {
		tn = t->next;
		symtab_free(t);
	}
	maptrack_free(s->track);
	ksyms_join(s);
	free(s->ksyms);
	free(s->names);
	free(s);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- kernel ---- */

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* bcc's filter, which bpftrace 0.17 resolves through: every symbol but data
 * (b/B/d/D/r/R). Among aliases of one address bcc's std::sort decides which
 * name wins; that order is not reproduced here yet. */
static int ksyms_load(struct symbolizer *s)
{
	size_t cap = 0, names_len = 0, names_cap = 0;
	char line[512], type, name[256];
	unsigned long long addr;
	FILE *f;
	int err = 0;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;
		size_t nl;

		/* "ADDR T NAME[\t[MODULE]]": by hand, sscanf doubled the load time */
		addr = strtoull(line, &p, 16);
		if (p == line || *p != ' ' || !p[1] || p[2] != ' ' || !addr)
			continue;
		type = p[1];
		if (strchr("bBdDrR", type))
			continue;
		p += 3;
		end = p + strcspn(p, " \t\n");
		if (end == p || end - p >= (ptrdiff_t)sizeof(name))
			continue;
		memcpy(name, p, (size_t)(end - p));
		name[end - p] = '\0';
		if (s->nksyms == cap) {
			struct ksym *k;

			cap = cap ? cap * 2 : 4096;
			k = realloc(s->ksyms, cap * sizeof(*k));
			if (!k) {
				err = -ENOMEM;
				goto out;
			}
			s->ksyms = k;
		}
		nl = strlen(name) + 1;
		if (names_len + nl > names_cap) {
			char *n;

			names_cap = names_cap ? names_cap * 2 : 1 << 20;
			n = realloc(s->names, names_cap);
			if (!n) {
				err = -ENOMEM;
				goto out;
			}
			s->names = n;
		}
		memcpy(s->names + names_len, name, nl);
		/* an offset now, a pointer once the block stops moving */
		s->ksyms[s->nksyms].addr = addr;
		s->ksyms[s->nksyms].name = (char *)(uintptr_t)names_len;
		s->nksyms++;
		names_len += nl;
	}
	for (size_t i = 0; i < s->nksyms; i++)
		s->ksyms[i].name = s->names + (uintptr_t)s->ksyms[i].name;
	qsort(s->ksyms, s->nksyms, sizeof(*s->ksyms), ksym_cmp);
out:
	if (err)
		s->nksyms = 0;
	fclose(f);
	return err;
}

static void *ksyms_thread(void *arg)
{
	ksyms_load(arg);
	return NULL;
}

void symbols_prefetch_kernel(struct symbolizer *s)
{
	if (!s || s->ksyms_loaded)
		return;
	s->ksyms_loaded = true;
	s->kthread_on = !pthread_create(&s->kthread, NULL, ksyms_thread, s);
	if (!s->kthread_on)
		s->ksyms_loaded = false;
}

/* Kernel symbols loaded, here or by the prefetch thread. */
static void ksyms_ready(struct symbolizer *s)
{
	if (!s)
		return;
	ksyms_join(s);
	if (!s->ksyms_loaded) {
		s->ksyms_loaded = true;
		ksyms_load(s);
	}
}

int symbols_resolve_kernel(struct symbolizer *s, uint64_t addr, struct sym_frame *out)
{
	size_t lo = 0, hi;

	memset(out, 0, sizeof(*out));
	out->addr = addr;
	ksyms_ready(s);
	if (!s || !s->nksyms || addr < s->ksyms[0].addr)
		return -ENOENT;
	hi = s->nksyms;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	out->name = s->ksyms[lo].name;
	out->offset = addr - s->ksyms[lo].addr;
	out->module = "[kernel]";
	return 0;
}

int symbols_ksym(struct symbolizer *s, uint64_t addr, bool offset, char *buf, size_t len)
{
	struct sym_frame f;

	if (symbols_resolve_kernel(s, addr, &f))
		return snprintf(buf, len, "0x%" PRIx64, addr);
	if (offset)
		return snprintf(buf, len, "%s+%" PRIu64, f.name, f.offset);
	return snprintf(buf, len, "%s", f.name);
}

/* ---- user: symbol tables per file ---- */

struct tab_build {
	struct symtab *t;
	size_t cap, names_cap;
	int err;
};

/* Which name of one address wins: sized, global, public-looking, exported. */
static uint32_t sym_rank(const struct elf_sym *es)
{
	return (es->size ? 8u : 0u) | (es->bind != STB_LOCAL ? 4u : 0u) |
	       (es->name[0] != '_' ? 2u : 0u) | (es->dynamic ? 1u : 0u);
}

static int tab_visit(const struct elf_sym *es, void *ctx)
{
	struct tab_build *b = ctx;
	struct symtab *t = b->t;
	size_t nl = strlen(es->name) + 1;

	if (!es->addr)
		return 0;
	if (t->nsyms == b->cap) {
		struct usym *v;

		b->cap = b->cap ? b->cap * 2 : 1024;
		v = realloc(t->syms, b->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->syms = v;
	}
	if (t->names_len + nl > b->names_cap) {
		char *n;

		b->names_cap = b->names_cap ? b->names_cap * 2 : 16384;
		while (b->names_cap < t->names_len + nl)
			b->names_cap *= 2;
		n = realloc(t->names, b->names_cap);
		if (!n)
			return -ENOMEM;
		t->names = n;
	}
	if (t->names_len > UINT32_MAX - nl)
		return -E2BIG;
	memcpy(t->names + t->names_len, es->name, nl);
	t->syms[t->nsyms++] = (struct usym){ es->addr, es->size, (uint32_t)t->names_len,
					     sym_rank(es) };
	t->names_len += nl;
	return 0;
}

static const char *usym_name(const struct symtab *t, const struct usym *u)
{
	return t->names + u->name;
}

static int usym_cmp_build(const void *a, const void *b, void *ctx)
{
	const struct usym *x = a, *y = b;
	const struct symtab *t = ctx;
	size_t lx, ly;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	lx = strlen(usym_name(t, x));
	ly = strlen(usym_name(t, y));
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(usym_name(t, x), usym_name(t, y));
}

/* Sorts by address keeping the best name of each, and compacts the names. */
static void tab_finish(struct symtab *t)
{
	size_t j = 0, len = 0;
	char *names;
	struct usym *v;

	if (!t->nsyms)
		return;
	qsort_r(t->syms, t->nsyms, sizeof(*t->syms), usym_cmp_build, t);
	for (size_t i = 0; i < t->nsyms; i++)
		if (!j || t->syms[j - 1].addr != t->syms[i].addr)
			t->syms[j++] = t->syms[i];
	t->nsyms = j;
	for (size_t i = 0; i < t->nsyms; i++)
		len += strlen(usym_name(t, &t->syms[i])) + 1;
	names = malloc(len ? len : 1);
	if (!names)
		return;
	len = 0;
	for (size_t i = 0; i < t->nsyms; i++) {
		size_t nl = strlen(usym_name(t, &t->syms[i])) + 1;

		memcpy(names + len, usym_name(t, &t->syms[i]), nl);
		t->syms[i].name = (uint32_t)len;
		len += nl;
	}
	free(t->names);
	t->names = names;
	t->names_len = len;
	v = realloc(t->syms, t->nsyms * sizeof(*v));
	if (v)
		t->syms = v;
}

static struct symtab *tab_same_build(struct symbolizer *s, struct symtab *t)
{
	for (struct symtab *o = s->tabs; o; o = o->next)
		if (o != t && o->loaded && !o->failed && !o->same &&
		    o->build_id_len == t->build_id_len && t->build_id_len > 0 &&
		    !memcmp(o->build_id, t->build_id, t->build_id_len))
			return o;
	return NULL;
}

static void tab_load(struct symbolizer *s, struct symtab *t)
{
	struct tab_build b = { t };
	char fdpath[64], *debug = NULL;
	const char *path = t->path;
	int fd = -1, dfd;
	Elf *e, *d;

	t->loaded = true;
	if (t->fd >= 0) {
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", t->fd);
		path = fdpath;
	}
	if (!path || !(e = elf_file_open(path, &fd))) {
		t->failed = true;
		return;
	}
	if (elf_load_segments(e, &t->segs)) {
		t->failed = true;
		goto out;
	}
	t->build_id_len = elf_build_id(e, t->build_id, sizeof(t->build_id));
	if ((t->same = tab_same_build(s, t)))
		goto out;
	b.err = elf_symbols_walk(e, ELF_SYMS_FUNC | ELF_SYMS_OBJECT, tab_visit, &b);
	/* libc6-dbg and friends: the local functions a stripped file lacks */
	if (!b.err && t->path)
		debug = elf_debug_file(e, t->path);
	if (debug && (d = elf_file_open(debug, &dfd))) {
		b.err = elf_symbols_walk(d, ELF_SYMS_FUNC | ELF_SYMS_OBJECT, tab_visit, &b);
		elf_file_close(d, dfd);
	}
	free(debug);
	tab_finish(t);
out:
	elf_file_close(e, fd);
}

/* file offset -> symbol: the last one starting at or before the address, if
 * the address lies inside it (or it has no size). */
static const struct usym *tab_lookup(struct symtab *t, uint64_t vaddr, size_t *idx)
{
	size_t lo = 0, hi = t->nsyms;

	if (!t->nsyms || vaddr < t->syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	if (t->syms[lo].size && vaddr >= t->syms[lo].addr + t->syms[lo].size)
		return NULL;
	*idx = lo;
	return &t->syms[lo];
}

static const char *tab_name(struct symtab *t, size_t i)
{
	const char *name = usym_name(t, &t->syms[i]);

	if (strncmp(name, "_Z", 2))
		return name;
	if (!t->dem) {
		t->dem = calloc(t->nsyms, sizeof(*t->dem));
		if (!t->dem)
			return name;
	}
	if (!t->dem[i])
		t->dem[i] = elf_demangle(name);
	return t->dem[i] ? t->dem[i] : name;
}

static bool same_inode(const char *path, dev_t dev, uint64_t ino)
{
	struct stat st;

	return !stat(path, &st) && st.st_dev == dev && st.st_ino == ino;
}

/* The file behind mapping m of pid, known from now on even after pid exits:
 * by path when ours is the same file, else by a descriptor held open. */
static struct symtab *tab_get(struct symbolizer *s, int pid, const struct procmap *m)
{
	char buf[4200];
	struct symtab *t;
	int fd;

	for (t = s->tabs; t; t = t->next)
		if (t->dev == m->dev && t->ino == m->inode)
			return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->fd = -1;
	t->dev = m->dev;
	t->ino = m->inode;
	t->module = strdup(m->path);
	if (!m->deleted && same_inode(m->path, m->dev, m->inode)) {
		t->path = strdup(m->path);
	} else {
		snprintf(buf, sizeof(buf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, m->start,
			 m->end);
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && !m->deleted) {
			snprintf(buf, sizeof(buf), "/proc/%d/root%s", pid, m->path);
			if (same_inode(buf, m->dev, m->inode))
				fd = open(buf, O_RDONLY | O_CLOEXEC);
		}
		t->fd = fd;
		t->failed = fd < 0;
		t->loaded = fd < 0;
	}
	t->next = s->tabs;
	s->tabs = t;
	return t;
}

/* ---- user: processes ---- */

static struct proc **proc_slot(struct symbolizer *s, int pid)
{
	struct proc **pp = &s->procs[(unsigned)pid % PROC_BUCKETS];

	while (*pp && (*pp)->pid != pid)
		pp = &(*pp)->next;
	return pp;
}

static bool proc_alive(int pid)
{
	return !kill(pid, 0) || errno == EPERM;
}

/* Takes the mappings from /proc, or (tracked) from the kernel's mmap records
 * when the process is gone. */
static int proc_read(struct symbolizer *s, struct proc *p, bool tracked)
{
	struct procmaps maps;
	struct symtab **tabs;
	int err;

	err = tracked ? maptrack_maps(s->track, p->pid, &maps) : procmaps_read(p->pid, &maps);
	if (err)
		return err;
	tabs = calloc(maps.n ? maps.n : 1, sizeof(*tabs));
	if (!tabs) {
		procmaps_free(&maps);
		return -ENOMEM;
	}
	for (int i = 0; i < maps.n; i++) {
		const struct procmap *m = &maps.v[i];

		if (m->path && m->path[0] == '/' && m->inode)
			tabs[i] = tab_get(s, p->pid, m);
	}
	procmaps_free(&p->maps);
	free(p->tabs);
	p->maps = maps;
	p->tabs = tabs;
	p->read_ns = now_ns();
	return 0;
}

/* The process's capture, made now if there is none (NULL if it is gone and
 * was not tracked either). */
static struct proc *proc_get(struct symbolizer *s, int pid)
{
	struct proc **pp = proc_slot(s, pid), *p;

	if (s->track) {
		maptrack_drain(s->track);
		/* a new image since the capture: capture again */
		if (*pp && maptrack_execed(s->track, pid))
			symbols_forget_pid(s, pid);
		pp = proc_slot(s, pid);
	}
	if (*pp)
		return *pp;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	if (proc_read(s, p, false) && proc_read(s, p, true)) {
		free(p);
		return NULL;
	}
	*pp = p;
	return p;
}

int symbols_track_start(struct symbolizer *s)
{
	if (!s || s->no_user)
		return 0;
	if (!s->track && !(s->track = maptrack_start()))
		return -errno;
	return 0;
}

void symbols_note_pid(struct symbolizer *s, int pid)
{
	if (s && pid > 0 && !s->no_user)
		proc_get(s, pid);
}

void symbols_forget_pid(struct symbolizer *s, int pid)
{
	struct proc **pp, *p;

	if (!s)
		return;
	pp = proc_slot(s, pid);
	if ((p = *pp)) {
		*pp = p->next;
		proc_free(p);
	}
}

static int pmsym_cmp(const void *a, const void *b)
{
	const struct pmsym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* NSpid's last field: the pid inside the process's own namespace. */
static int ns_pid(int pid)
{
	char path[64], line[256];
	int ns = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		for (char *tok = strtok(line + 6, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			ns = atoi(tok);
		break;
	}
	fclose(f);
	return ns;
}

/* Loads (or reloads, when the JIT wrote more) the process's perf map. */
static void perfmap_load(struct proc *p)
{
	struct perfmap *pm = &p->perf;
	char path[128], *line = NULL, *name;
	unsigned long long addr, size;
	size_t cap = 0, vcap = 0;
	struct stat st;
	int pos;
	FILE *f;

	if (!pm->path) {
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", p->pid);
		if (stat(path, &st))
			snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", p->pid,
				 ns_pid(p->pid));
		pm->path = strdup(path);
		if (!pm->path)
			return;
	}
	if (stat(pm->path, &st) || (st.st_size == pm->size &&
				    st.st_mtim.tv_sec == pm->mtime.tv_sec &&
				    st.st_mtim.tv_nsec == pm->mtime.tv_nsec))
		return;
	f = fopen(pm->path, "re");
	if (!f)
		return;
	for (size_t i = 0; i < pm->n; i++)
		free(pm->v[i].name);
	pm->n = 0;
	pm->size = st.st_size;
	pm->mtime = st.st_mtim;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%llx %llx %n", &addr, &size, &pos) != 2)
			continue;
		name = line + pos;
		name[strcspn(name, "\n")] = '\0';
		if (pm->n == vcap) {
			struct pmsym *v;

			vcap = vcap ? vcap * 2 : 256;
			v = realloc(pm->v, vcap * sizeof(*v));
			if (!v)
				break;
			pm->v = v;
		}
		pm->v[pm->n].addr = addr;
		pm->v[pm->n].size = size;
		pm->v[pm->n].name = strdup(name);
		if (pm->v[pm->n].name)
			pm->n++;
	}
	free(line);
	fclose(f);
	/* stable: a later entry for the same address (recompiled code) stays last */
	if (pm->n)
		qsort(pm->v, pm->n, sizeof(*pm->v), pmsym_cmp);
}

static const struct pmsym *perfmap_lookup(struct proc *p, uint64_t addr)
{
	const struct perfmap *pm = &p->perf;
	size_t lo = 0, hi;

	perfmap_load(p);
	if (!pm->n || addr < pm->v[0].addr)
		return NULL;
	hi = pm->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return addr < pm->v[lo].addr + pm->v[lo].size ? &pm->v[lo] : NULL;
}

int symbols_resolve_user(struct symbolizer *s, int pid, uint64_t addr, struct sym_frame *out)
{
	const struct procmap *m;
	const struct usym *u;
	const struct pmsym *ps;
	struct symtab *t = NULL;
	struct proc *p;
	uint64_t vaddr;
	size_t idx;

	memset(out, 0, sizeof(*out));
	out->addr = addr;
	if (!s || s->no_user || pid <= 0 || !(p = proc_get(s, pid)))
		return -ENOENT;
	m = procmaps_find(&p->maps, addr);
	/* mapped since the capture (dlopen, JIT): look again while it lives */
	if ((!m || !p->tabs[m - p->maps.v]) && now_ns() - p->read_ns > REFRESH_NS) {
		if (proc_alive(pid) ? !proc_read(s, p, false) : !proc_read(s, p, true))
			m = procmaps_find(&p->maps, addr);
		p->read_ns = now_ns();
	}
	if (m)
		t = p->tabs[m - p->maps.v];
	if (t) {
		out->module = t->module;
		if (!t->loaded)
			tab_load(s, t);
		if (t->same)
			t = t->same;
		if (!t->failed &&
		    !elf_offset_to_vaddr(&t->segs, addr - m->start + m->pgoff, &vaddr) &&
		    (u = tab_lookup(t, vaddr, &idx))) {
			out->name = tab_name(t, idx);
			out->offset = vaddr - u->addr;
			return 0;
		}
	}
	/* anonymous code (or memfd) of a JIT */
	if ((!m || !t || t->failed) && (ps = perfmap_lookup(p, addr))) {
		out->name = ps->name;
		out->offset = addr - ps->addr;
		out->module = p->perf.path;
		return 0;
	}
	return -ENOENT;
}

int symbols_usym_module(struct symbolizer *s, uint64_t addr, int pid, bool offset, bool module,
			char *buf, size_t len)
{
	char off[32] = "";
	struct sym_frame f;

	if (symbols_resolve_user(s, pid, addr, &f))
		return snprintf(buf, len, "0x%" PRIx64 "%s", addr, module ? " ([unknown])" : "");
	if (offset)
		snprintf(off, sizeof(off), "+%" PRIu64, f.offset);
	if (module)
		return snprintf(buf, len, "%s%s (%s)", f.name, off, f.module ? f.module : "[unknown]");
	return snprintf(buf, len, "%s%s", f.name, off);
}

int symbols_usym(struct symbolizer *s, uint64_t addr, int pid, bool offset, char *buf,
		 size_t len)
{
	return symbols_usym_module(s, addr, pid, offset, false, buf, len);
}

/* ---- stacks ---- */

int symbols_stack_ips(struct symbolizer *s, const struct type *t, uint64_t stack_id,
		      uint64_t *ips, unsigned max)
{
	unsigned depth = t->stack_depth ? t->stack_depth : STACK_DEPTH_DEFAULT;
	uint32_t id = (uint32_t)stack_id;
	uint64_t *frames = NULL;
	int fd, err, n = 0;

	if (!s || !s->stack_fd)
		return -ENOENT;
	fd = s->stack_fd(s->ctx, t);
	if (fd < 0)
		return fd;
	frames = calloc(depth, sizeof(*frames));
	if (!frames)
		return -ENOMEM;
	err = bpf_map_lookup_elem(fd, &id, frames);
	if (err) {
		n = err < 0 ? err : -errno;
		goto out;
	}
	while ((unsigned)n < depth && (unsigned)n < max && frames[n]) {
		ips[n] = frames[n];
		n++;
	}
out:
	free(frames);
	return n;
}

int symbols_stack_frames(struct symbolizer *s, const struct type *t, const void *value,
			 struct sym_frame *frames, unsigned max)
{
	bool user = t->kind == TY_USTACK;
	uint64_t id, pid = 0, *ips;
	int n;

	memcpy(&id, value, 8);
	if (user)
		memcpy(&pid, (const uint8_t *)value + 8, 8);
	if ((int32_t)id < 0)
		return (int32_t)id;
	ips = calloc(max ? max : 1, sizeof(*ips));
	if (!ips)
		return -ENOMEM;
	n = symbols_stack_ips(s, t, id, ips, max);
	for (int i = 0; i < n; i++) {
		if (user)
			symbols_resolve_user(s, (int)pid, ips[i], &frames[i]);
		else
			symbols_resolve_kernel(s, ips[i], &frames[i]);
	}
	free(ips);
	return n;
}

int symbols_frame_format(const struct sym_frame *f, bool user, enum stack_mode mode, char *buf,
			 size_t len)
{
	switch (mode) {
	case STACK_RAW:
		return snprintf(buf, len, "%" PRIx64, f->addr);
	case STACK_PERF:
		if (!f->name)
			return snprintf(buf, len, "%" PRIx64 " 0x%" PRIx64 "%s", f->addr, f->addr,
					user ? " ([unknown])" : "");
		if (!user)
			return snprintf(buf, len, "%" PRIx64 " %s+%" PRIu64, f->addr, f->name,
					f->offset);
		return snprintf(buf, len, "%" PRIx64 " %s+%" PRIu64 " (%s)", f->addr, f->name,
				f->offset, f->module ? f->module : "[unknown]");
	default:
		if (!f->name)
			return snprintf(buf, len, "0x%" PRIx64, f->addr);
		return snprintf(buf, len, "%s+%" PRIu64, f->name, f->offset);
	}
}

void symbols_get_stats(struct symbolizer *s, struct symbols_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	for (struct symtab *t = s->tabs; t; t = t->next) {
		out->binaries++;
		out->bytes += sizeof(*t) + (t->module ? strlen(t->module) + 1 : 0) +
			      (t->path ? strlen(t->path) + 1 : 0);
		if (!t->loaded || t->failed)
			continue;
		out->loaded++;
		out->symbols += t->nsyms;
		out->bytes += t->nsyms * sizeof(*t->syms) + t->names_len;
		if (t->dem) {
			out->bytes += t->nsyms * sizeof(*t->dem);
			for (size_t i = 0; i < t->nsyms; i++)
				out->bytes += t->dem[i] ? strlen(t->dem[i]) + 1 : 0;
		}
	}
	for (int i = 0; i < PROC_BUCKETS; i++)
		for (struct proc *p = s->procs[i]; p; p = p->next) {
			out->processes++;
			out->bytes += sizeof(*p) + p->maps.n * (sizeof(*p->maps.v) + sizeof(*p->tabs));
			for (int j = 0; j < p->maps.n; j++)
				out->bytes += p->maps.v[j].path ? strlen(p->maps.v[j].path) + 1 : 0;
		}
	ksyms_join(s);
	out->kernel_loaded = s->ksyms_loaded;
	out->kernel_symbols = s->nksyms;
	if (s->nksyms)
		out->bytes += s->nksyms * sizeof(*s->ksyms);
}
