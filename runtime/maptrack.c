/* maptrack: per-CPU dummy perf events that carry only side-band records:
 * MMAP2 for each executable file mapping (path, device, inode, offset), COMM
 * with the exec flag (the image changed) and FORK/EXIT. They are read lazily
 * (maptrack_drain) into a small per-process list of file mappings; exited
 * processes are kept, the oldest dropped beyond TRACK_EXITED_MAX. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include "maptrack.h"

#define TRACK_PAGES 64          /* ring pages per CPU (256 KiB) */
#define TRACK_BUCKETS 1024
#define TRACK_EXITED_MAX 4096

struct tmap {
	uint64_t start, end, pgoff, ino;
	dev_t dev;
	char *path;
};

struct tproc {
	struct tproc *next;
	int pid;
	bool exited, execed;
	uint64_t exit_seq;
	struct tmap *v;
	int n, cap;
};

struct maptrack {
	int ncpus;
	int *fds;
	void **rings;
	size_t page, size;      /* page size; data bytes per ring */
	struct tproc *procs[TRACK_BUCKETS];
	unsigned nexited;
	uint64_t seq;
	unsigned long lost;
	char *tmp;
	size_t tmp_cap;
};

static int online_cpus(int **out)
{
	char line[4096], *p, *end;
	int *v = NULL, n = 0;
	long a, b;
	FILE *f;

	f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	for (p = line; *p && *p != '\n'; p = *end ? end + 1 : end) {
		a = b = strtol(p, &end, 10);
		if (end == p)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long i = a; i <= b; i++) {
			int *nv = realloc(v, (n + 1) * sizeof(*v));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			v[n++] = (int)i;
		}
		if (*end != ',')
			break;
	}
	*out = v;
	return n;
}

struct maptrack *maptrack_start(void)
{
	struct perf_event_attr attr = { 0 };
	struct maptrack *t;
	int *cpus = NULL, n, err = 0;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	n = online_cpus(&cpus);
	if (n <= 0) {
		free(t);
		errno = n < 0 ? -n : ENODEV;
		return NULL;
	}
	t->page = sysconf(_SC_PAGESIZE);
	t->size = TRACK_PAGES * t->page;
	t->fds = calloc(n, sizeof(*t->fds));
	t->rings = calloc(n, sizeof(*t->rings));
	if (!t->fds || !t->rings) {
		err = ENOMEM;
		goto fail;
	}
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.mmap = 1;
	attr.mmap2 = 1;
	attr.comm = 1;
	attr.comm_exec = 1;
	attr.task = 1;
	attr.watermark = 1;
	attr.wakeup_watermark = t->size / 2;
	for (int i = 0; i < n; i++) {
		int fd = syscall(__NR_perf_event_open, &attr, -1, cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
		void *ring;

		if (fd < 0) {
			err = errno;
			goto fail;
		}
		ring = mmap(NULL, t->page + t->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (ring == MAP_FAILED) {
			err = errno;
			close(fd);
			goto fail;
		}
		t->fds[t->ncpus] = fd;
		t->rings[t->ncpus++] = ring;
	}
	free(cpus);
	return t;
fail:
	free(cpus);
	maptrack_free(t);
	errno = err;
	return NULL;
}

static void tproc_clear(struct tproc *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->v[i].path);
	p->n = 0;
}

void maptrack_free(struct maptrack *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->ncpus; i++) {
		munmap(t->rings[i], t->page + t->size);
		close(t->fds[i]);
	}
	for (int i = 0; i < TRACK_BUCKETS; i++) {
		struct tproc *p, *pn;

		for (p = t->procs[i]; p; p = pn) {
			pn = p->next;
			tproc_clear(p);
			free(p->v);
			free(p);
		}
	}
	free(t->fds);
	free(t->rings);
	free(t->tmp);
	free(t);
}

static struct tproc *tproc_find(struct maptrack *t, int pid, bool create)
{
	struct tproc **pp = &t->procs[(unsigned)pid % TRACK_BUCKETS], *p;

	for (p = *pp; p; p = p->next)
		if (p->pid == pid)
			return p;
	if (!create)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->next = *pp;
	*pp = p;
	return p;
}

static void tproc_remove(struct maptrack *t, struct tproc *victim)
{
	struct tproc **pp = &t->procs[(unsigned)victim->pid % TRACK_BUCKETS];

	while (*pp && *pp != victim)
		pp = &(*pp)->next;
	if (*pp)
		*pp = victim->next;
	tproc_clear(victim);
	free(victim->v);
	free(victim);
}

/* A new mapping replaces whatever it overlaps, as mmap(MAP_FIXED) would. */
static void tproc_add(struct tproc *p, const struct tmap *m)
{
	int i, j = 0;

	for (i = 0; i < p->n; i++) {
		struct tmap *o = &p->v[i];

		if (o->start < m->end && m->start < o->end) {
			free(o->path);
			continue;
		}
		p->v[j++] = *o;
	}
	p->n = j;
	if (p->n == p->cap) {
		struct tmap *v;
		int cap = p->cap ? p->cap * 2 : 16;

		v = realloc(p->v, cap * sizeof(*v));
		if (!v) {
			free(m->path);
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	for (i = p->n; i > 0 && p->v[i - 1].start > m->start; i--)
		p->v[i] = p->v[i - 1];
	p->v[i] = *m;
	p->n++;
}

static void tproc_copy(struct tproc *dst, const struct tproc *src)
{
	for (int i = 0; i < src->n; i++) {
		struct tmap m = src->v[i];

		m.path = strdup(m.path);
		if (m.path)
			tproc_add(dst, &m);
	}
}

/* Drops the oldest exited processes beyond the cap. */
static void evict(struct maptrack *t)
{
	while (t->nexited > TRACK_EXITED_MAX) {
		struct tproc *old = NULL;

		for (int i = 0; i < TRACK_BUCKETS; i++)
			for (struct tproc *p = t->procs[i]; p; p = p->next)
				if (p->exited && (!old || p->exit_seq < old->exit_seq))
					old = p;
		if (!old)
			return;
		tproc_remove(t, old);
		t->nexited--;
	}
}

struct rec_mmap2 {
	struct perf_event_header h;
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint32_t prot, flags;
	char filename[];
};

struct rec_task {
	struct perf_event_header h;
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

struct rec_comm {
	struct perf_event_header h;
	uint32_t pid, tid;
	char comm[];
};

struct rec_lost {
	struct perf_event_header h;
	uint64_t id, lost;
};

static void handle(struct maptrack *t, const struct perf_event_header *h)
{
	struct tproc *p, *parent;

	switch (h->type) {
	case PERF_RECORD_MMAP2: {
		const struct rec_mmap2 *r = (const void *)h;
		size_t max = h->size - sizeof(*r);
		struct tmap m;

		if (h->size < sizeof(*r) || !(r->prot & PROT_EXEC) || r->filename[0] != '/')
			return;
		m.start = r->addr;
		m.end = r->addr + r->len;
		m.pgoff = r->pgoff;
		m.ino = r->ino;
		m.dev = makedev(r->maj, r->min);
		m.path = strndup(r->filename, max);
		if (m.path && (p = tproc_find(t, r->pid, true)))
			tproc_add(p, &m);
		else
			free(m.path);
		break;
	}
	case PERF_RECORD_COMM: {
		const struct rec_comm *r = (const void *)h;

		if (!(h->misc & PERF_RECORD_MISC_COMM_EXEC) || r->pid != r->tid)
			return;
		p = tproc_find(t, r->pid, true);
		if (p) {
			tproc_clear(p);
			p->execed = true;
		}
		break;
	}
	case PERF_RECORD_FORK: {
		const struct rec_task *r = (const void *)h;

		if (r->pid == r->ppid)
			return;         /* a new thread */
		parent = tproc_find(t, r->ppid, false);
		p = tproc_find(t, r->pid, true);
		if (p && parent && parent != p)
			tproc_copy(p, parent);
		break;
	}
	case PERF_RECORD_EXIT: {
		const struct rec_task *r = (const void *)h;

		if (r->pid != r->tid || !(p = tproc_find(t, r->pid, false)) || p->exited)
			return;
		p->exited = true;
		p->exit_seq = ++t->seq;
		t->nexited++;
		evict(t);
		break;
	}
	case PERF_RECORD_LOST: {
		const struct rec_lost *r = (const void *)h;

		t->lost += r->lost;
		break;
	}
	}
}

unsigned long maptrack_drain(struct maptrack *t)
{
	if (!t)
		return 0;
	for (int i = 0; i < t->ncpus; i++) {
		struct perf_event_mmap_page *mp = t->rings[i];
		const char *data = (const char *)t->rings[i] + t->page;
		uint64_t head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
		uint64_t tail = mp->data_tail;

		while (tail < head) {
			const struct perf_event_header *h = (const void *)(data + tail % t->size);
			size_t off = tail % t->size, sz = h->size;

			if (sz < sizeof(*h))
				break;
			if (off + sz > t->size) {
				/* the record wraps: make it whole */
				if (sz > t->tmp_cap) {
					char *n = realloc(t->tmp, sz);

					if (!n)
						break;
					t->tmp = n;
					t->tmp_cap = sz;
				}
				memcpy(t->tmp, data + off, t->size - off);
				memcpy(t->tmp + (t->size - off), data, sz - (t->size - off));
				h = (const void *)t->tmp;
			}
			handle(t, h);
			tail += sz;
		}
		__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
	}
	return t->lost;
}

int maptrack_maps(struct maptrack *t, int pid, struct procmaps *out)
{
	struct tproc *p;

	memset(out, 0, sizeof(*out));
	if (!t || !(p = tproc_find(t, pid, false)) || !p->n)
		return -ENOENT;
	out->v = calloc(p->n, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (int i = 0; i < p->n; i++) {
		struct procmap *m = &out->v[out->n];

		m->start = p->v[i].start;
		m->end = p->v[i].end;
		m->pgoff = p->v[i].pgoff;
		m->inode = p->v[i].ino;
		m->dev = p->v[i].dev;
		m->exec = true;
		m->path = strdup(p->v[i].path);
		if (m->path)
			out->n++;
	}
	return 0;
}

bool maptrack_execed(struct maptrack *t, int pid)
{
	struct tproc *p = t ? tproc_find(t, pid, false) : NULL;
	bool r = p && p->execed;

	if (p)
		p->execed = false;
	return r;
}
