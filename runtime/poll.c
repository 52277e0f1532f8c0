/* poll: the runtime's surface for long-running front ends (see poll.h).
 * Reads ids and run statistics of a clause's programs and links, and turns
 * two snapshots of one map into the change between them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "rt_priv.h"
#include "poll.h"

int rt_wait_fd(const struct rt *rt)
{
	return rt->epoll_fd;
}

int rt_clause_prog_fds(const struct rt_clause *c, int *fds, int max)
{
	for (int i = 0; i < c->nprogs && i < max; i++)
		fds[i] = c->progs[i].fd;
	return c->nprogs;
}

int rt_clause_link_ids(const struct rt_clause *c, uint32_t *ids, int max)
{
	int n = 0;

	for (int i = 0; i < c->links.n; i++) {
		struct bpf_link_info info;
		__u32 len = sizeof(info);

		if (c->links.v[i].link_fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(c->links.v[i].link_fd, &info, &len))
			continue;
		if (n < max)
			ids[n] = info.id;
		n++;
	}
	return n;
}

int rt_clause_prog_stats(const struct rt_clause *c, struct prog_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < c->nprogs; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		if (c->progs[i].fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(c->progs[i].fd, &info, &len))
			return -errno;
		out->run_cnt += info.run_cnt;
		out->run_time_ns += info.run_time_ns;
		out->recursion_misses += info.recursion_misses;
	}
	return 0;
}

/* Key lookup over prev: open addressing on an FNV-1a hash of the key bytes. */
struct keyidx {
	size_t cap;             /* power of two */
	size_t *slot;           /* entry index + 1, 0 empty */
};

static uint64_t key_hash(const void *k, size_t n)
{
	const unsigned char *p = k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int keyidx_build(struct keyidx *ix, const struct map_snapshot *m, size_t ks)
{
	ix->cap = 16;
	while (ix->cap < m->n * 2)
		ix->cap <<= 1;
	ix->slot = calloc(ix->cap, sizeof(*ix->slot));
	if (!ix->slot)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t h = key_hash(m->entries[i].key, ks) & (ix->cap - 1);

		while (ix->slot[h])
			h = (h + 1) & (ix->cap - 1);
		ix->slot[h] = i + 1;
	}
	return 0;
}

static const struct map_entry *keyidx_find(const struct keyidx *ix, const struct map_snapshot *m,
					   const void *key, size_t ks)
{
	size_t h = key_hash(key, ks) & (ix->cap - 1);

	while (ix->slot[h]) {
		const struct map_entry *e = &m->entries[ix->slot[h] - 1];

		if (!memcmp(e->key, key, ks))
			return e;
		h = (h + 1) & (ix->cap - 1);
	}
	return NULL;
}

/* cur - prev into out (value_size bytes); false when nothing changed. */
static bool value_delta(const struct type *t, size_t vs, const void *prev, const void *cur,
			void *out)
{
	bool any = false;

	switch (t->kind) {
	case TY_COUNT: case TY_SUM: case TY_AVG: case TY_STATS: case TY_HIST: case TY_LHIST:
		for (size_t off = 0; off + 8 <= vs; off += 8) {
			/* sums (and avg/stats totals, at offset 0) may shrink; counts and
			 * buckets only grow, so a smaller one was clear()ed or zero()ed */
			bool is_sum = t->kind == TY_SUM ||
				      ((t->kind == TY_AVG || t->kind == TY_STATS) && off == 0);
			uint64_t a = 0, b, d;

			if (prev)
				memcpy(&a, (const char *)prev + off, 8);
			memcpy(&b, (const char *)cur + off, 8);
			d = (is_sum || b >= a) ? b - a : b;
			memcpy((char *)out + off, &d, 8);
			any |= d != 0;
		}
		return any;
	default:
		memcpy(out, cur, vs);
		return !prev || memcmp(prev, cur, vs);
	}
}

int map_snapshot_delta(const struct map_snapshot *prev, const struct map_snapshot *cur,
		       struct map_snapshot **out)
{
	const struct map_decl *d = cur->decl;
	size_t ks = d->key ? d->key_size : 0, vs = d->value_size, n = 0;
	struct keyidx ix = { 0 };
	struct map_snapshot *m;
	char *p;
	int err = 0;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->decl = d;
	m->entries = calloc(cur->n ? cur->n : 1, sizeof(*m->entries));
	m->storage = malloc((cur->n ? cur->n : 1) * (ks + vs));
	if (!m->entries || !m->storage) {
		err = -ENOMEM;
		goto fail;
	}
	if (prev && ks && prev->n) {
		err = keyidx_build(&ix, prev, ks);
		if (err)
			goto fail;
	}
	p = m->storage;
	for (size_t i = 0; i < cur->n; i++) {
		const struct map_entry *e = &cur->entries[i], *pe = NULL;

		if (prev && !ks)
			pe = prev->n ? &prev->entries[0] : NULL;
		else if (prev && prev->n)
			pe = keyidx_find(&ix, prev, e->key, ks);
		if (!value_delta(d->value, vs, pe ? pe->value : NULL, e->value, p + ks))
			continue;
		if (ks)
			memcpy(p, e->key, ks);
		m->entries[n].key = ks ? p : NULL;
		m->entries[n].value = p + ks;
		p += ks + vs;
		n++;
	}
	m->n = n;
	free(ix.slot);
	*out = m;
	return 0;
fail:
	free(ix.slot);
	map_snapshot_free(m);
	return err;
}

bool map_snapshot_equal(const struct map_snapshot *a, const struct map_snapshot *b)
{
	size_t ks, vs;

	if (!a || !b)
		return a == b;
	if (a->decl != b->decl || a->n != b->n)
		return false;
	ks = a->decl->key ? a->decl->key_size : 0;
	vs = a->decl->value_size;
	for (size_t i = 0; i < a->n; i++) {
		if (ks && memcmp(a->entries[i].key, b->entries[i].key, ks))
			return false;
		if (memcmp(a->entries[i].value, b->entries[i].value, vs))
			return false;
	}
	return true;
}
