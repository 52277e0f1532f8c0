/* symbols: minimal address-to-name resolution for printing.
 * Kernel symbols come from /proc/kallsyms, loaded once and searched by
 * address; user symbols stay hex until the real symbolizer replaces this. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "symbols.h"

#define STACK_DEPTH_DEFAULT 127

struct ksym {
	uint64_t addr;
	char *name;
};

struct symbolizer {
	symbols_stack_fd_fn stack_fd;
	void *ctx;
	struct ksym *ksyms;
	size_t nksyms;
	bool ksyms_loaded;
	char *names;            /* one block for every ksym name */
};

struct symbolizer *symbolizer_new(symbols_stack_fd_fn stack_fd, void *ctx)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->stack_fd = stack_fd;
	s->ctx = ctx;
	return s;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	free(s->ksyms);
	free(s->names);
	free(s);
}

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

	s->ksyms_loaded = true;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t nl;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (strchr("bBdDrR", type))
			continue;
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
	if (err) {
		s->nksyms = 0;
	}
	fclose(f);
	return err;
}

int symbols_ksym(struct symbolizer *s, uint64_t addr, bool offset, char *buf, size_t len)
{
	size_t lo = 0, hi;

	if (s && !s->ksyms_loaded)
		ksyms_load(s);
	if (!s || !s->nksyms || addr < s->ksyms[0].addr)
		return snprintf(buf, len, "0x%" PRIx64, addr);
	hi = s->nksyms;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (offset)
		return snprintf(buf, len, "%s+%" PRIu64, s->ksyms[lo].name, addr - s->ksyms[lo].addr);
	return snprintf(buf, len, "%s", s->ksyms[lo].name);
}

int symbols_usym(struct symbolizer *s, uint64_t addr, int pid, bool offset, char *buf,
		 size_t len)
{
	(void)s;
	(void)pid;
	(void)offset;
	return snprintf(buf, len, "0x%" PRIx64, addr);
}

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
