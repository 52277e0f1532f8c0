/* maps_read: reading, clearing and zeroing a user map in the kernel.
 * A snapshot holds per-CPU values already combined, only the entries bpftrace
 * 0.17 would print, in the order it prints them (see map_snapshot_read). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "output_priv.h"

#define BATCH_CHUNK 64

/* Keyless per-CPU arrays cannot tell "zeroed" from "never written", but bpftrace
 * prints the first and not the second; map_zero() remembers which were zeroed. */
struct zeroed_map {
	int id, fd;
};
static struct zeroed_map *zeroed;
static int nzeroed, zeroed_cap;

static int zeroed_find(const struct map_decl *d, int fd)
{
	for (int i = 0; i < nzeroed; i++)
		if (zeroed[i].id == d->id && zeroed[i].fd == fd)
			return i;
	return -1;
}

static void zeroed_set(const struct map_decl *d, int fd, bool on)
{
	int i = zeroed_find(d, fd);

	if (!on) {
		if (i >= 0)
			zeroed[i] = zeroed[--nzeroed];
		return;
	}
	if (i >= 0)
		return;
	if (nzeroed == zeroed_cap) {
		int cap = zeroed_cap ? zeroed_cap * 2 : 8;
		struct zeroed_map *z = realloc(zeroed, cap * sizeof(*z));

		if (!z)
			return;
		zeroed = z;
		zeroed_cap = cap;
	}
	zeroed[nzeroed].id = d->id;
	zeroed[nzeroed].fd = fd;
	nzeroed++;
}

static bool is_percpu(const struct map_decl *d)
{
	return d->storage == MAP_PERCPU_HASH || d->storage == MAP_PERCPU_ARRAY;
}

static bool is_array(const struct map_decl *d)
{
	return d->storage == MAP_PERCPU_ARRAY || d->storage == MAP_ARRAY;
}

/* Value geometry as the kernel hands it out: one slot per possible CPU, 8-aligned. */
struct geom {
	int ncpus;
	size_t stride;          /* bytes per CPU slot */
	size_t raw;             /* bytes of one lookup */
};

static int geom_of(const struct map_decl *d, struct geom *g)
{
	g->ncpus = 1;
	g->stride = d->value_size;
	if (is_percpu(d)) {
		g->ncpus = libbpf_num_possible_cpus();
		if (g->ncpus <= 0)
			return g->ncpus < 0 ? g->ncpus : -EINVAL;
		g->stride = (d->value_size + 7) & ~(size_t)7;
	}
	g->raw = g->stride * g->ncpus;
	return 0;
}

/* Keys and raw values as read, before combining. */
struct raw_read {
	size_t n, cap;
	size_t ks, vs;
	uint8_t *keys, *vals;
};

static int raw_reserve(struct raw_read *r, size_t more)
{
	size_t cap = r->cap ? r->cap : BATCH_CHUNK;
	uint8_t *k, *v;

	if (r->n + more <= r->cap)
		return 0;
	while (cap < r->n + more)
		cap *= 2;
	k = realloc(r->keys, cap * (r->ks ? r->ks : 1));
	if (!k)
		return -ENOMEM;
	r->keys = k;
	v = realloc(r->vals, cap * r->vs);
	if (!v)
		return -ENOMEM;
	r->vals = v;
	r->cap = cap;
	return 0;
}

static int read_iter(int fd, struct raw_read *r, unsigned max_entries)
{
	uint8_t *cur = NULL, *next = NULL;
	size_t limit = (size_t)max_entries * 2 + 16;
	bool have_prev = false;
	int err = 0;

	cur = calloc(1, r->ks);
	next = calloc(1, r->ks);
	if (!cur || !next) {
		err = -ENOMEM;
		goto out;
	}
	/* a key deleted under us restarts the walk; the limit keeps that finite */
	while (limit-- && !bpf_map_get_next_key(fd, have_prev ? cur : NULL, next)) {
		err = raw_reserve(r, 1);
		if (err)
			goto out;
		err = bpf_map_lookup_elem(fd, next, r->vals + r->n * r->vs);
		if (!err) {
			memcpy(r->keys + r->n * r->ks, next, r->ks);
			r->n++;
		} else if (err != -ENOENT) {
			goto out;
		}
		err = 0;
		memcpy(cur, next, r->ks);
		have_prev = true;
	}
out:
	free(cur);
	free(next);
	return err;
}

/* Batch lookups; -EOPNOTSUPP (or similar) on the first call means "iterate instead". */
static int read_batch(int fd, struct raw_read *r)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t tok = r->ks > 8 ? r->ks : 8;
	uint8_t *tokens = calloc(2, tok);
	void *in = NULL, *out;
	__u32 chunk = BATCH_CHUNK;
	bool first = true;
	int err = 0;

	if (!tokens)
		return -ENOMEM;
	out = tokens;
	for (;;) {
		__u32 cnt = chunk;

		err = raw_reserve(r, chunk);
		if (err)
			goto out;
		err = bpf_map_lookup_batch(fd, in, out, r->keys + r->n * r->ks,
					   r->vals + r->n * r->vs, &cnt, &opts);
		if (err == -ENOSPC && !cnt && chunk < (1u << 20)) {
			/* one hash bucket holds more than a chunk */
			chunk *= 2;
			continue;
		}
		if (err && err != -ENOENT) {
			if (first)
				err = -EOPNOTSUPP;
			goto out;
		}
		r->n += cnt;
		if (err == -ENOENT) {
			err = 0;
			goto out;
		}
		first = false;
		in = out;
		out = in == (void *)tokens ? tokens + tok : tokens;
	}
out:
	free(tokens);
	return err;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static uint64_t slot_u64(const uint8_t *raw, const struct geom *g, int cpu, size_t off)
{
	uint64_t v;

	memcpy(&v, raw + cpu * g->stride + off, sizeof(v));
	return v;
}

/* Adds up one entry's per-CPU slots into out (value_size bytes). */
static void combine(const struct map_decl *d, const struct geom *g, const uint8_t *raw,
		    uint8_t *out)
{
	const struct type *t = d->value;
	size_t vs = d->value_size;

	if (!is_percpu(d) || g->ncpus == 1) {
		memcpy(out, raw, vs);
		return;
	}
	memset(out, 0, vs);
	switch (t->kind) {
	case TY_MIN:
	case TY_MAX: {
		struct agg_minmax m = { 0, 0 };

		for (int c = 0; c < g->ncpus; c++) {
			int64_t v = (int64_t)slot_u64(raw, g, c, 0);

			if (!slot_u64(raw, g, c, 8))
				continue;
			if (!m.set || (t->kind == TY_MIN ? v < m.value : v > m.value))
				m.value = v;
			m.set = 1;
		}
		memcpy(out, &m, sizeof(m) <= vs ? sizeof(m) : vs);
		break;
	}
	default:
		if (vs % 8) {
			/* not a u64-made aggregation: nothing sensible to add up */
			memcpy(out, raw, vs);
			break;
		}
		/* count, sum, avg/stats (total, count) and hist buckets are all u64 sums */
		for (size_t off = 0; off < vs; off += 8) {
			uint64_t sum = 0;

			for (int c = 0; c < g->ncpus; c++)
				sum += slot_u64(raw, g, c, off);
			memcpy(out + off, &sum, 8);
		}
	}
}

/* Sorting ---------------------------------------------------------------- */

struct sitem {
	void *key, *value;
	int64_t s;              /* sort value, signed view */
	uint64_t u;             /* sort value, unsigned view */
};

typedef bool (*less_fn)(const struct sitem *a, const struct sitem *b, const void *ctx);

static void merge_sort(struct sitem *v, struct sitem *tmp, size_t n, less_fn less,
		       const void *ctx)
{
	size_t mid = n / 2, i = 0, j, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, mid, less, ctx);
	merge_sort(v + mid, tmp, n - mid, less, ctx);
	j = mid;
	while (i < mid && j < n) {
		if (less(&v[j], &v[i], ctx))
			tmp[k++] = v[j++];
		else
			tmp[k++] = v[i++];
	}
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static int stable_sort(struct sitem *v, size_t n, less_fn less, const void *ctx)
{
	struct sitem *tmp;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	merge_sort(v, tmp, n, less, ctx);
	free(tmp);
	return 0;
}

/* libstdc++'s std::sort, step for step: bpftrace sorts hist and stats maps with it
 * from a deterministic start (std::map key order), so ties come out in the order
 * this exact introsort leaves them, which is part of the output. */
struct xsort {
	less_fn less;
	const void *ctx;
};

static void xswap(struct sitem *a, struct sitem *b)
{
	struct sitem t = *a;

	*a = *b;
	*b = t;
}

static void push_heap(struct xsort *x, struct sitem *first, long hole, long top,
		      struct sitem value)
{
	long parent = (hole - 1) / 2;

	while (hole > top && x->less(&first[parent], &value, x->ctx)) {
		first[hole] = first[parent];
		hole = parent;
		parent = (hole - 1) / 2;
	}
	first[hole] = value;
}

static void adjust_heap(struct xsort *x, struct sitem *first, long hole, long len,
			struct sitem value)
{
	long top = hole, child = hole;

	while (child < (len - 1) / 2) {
		child = 2 * (child + 1);
		if (x->less(&first[child], &first[child - 1], x->ctx))
			child--;
		first[hole] = first[child];
		hole = child;
	}
	if ((len & 1) == 0 && child == (len - 2) / 2) {
		child = 2 * (child + 1);
		first[hole] = first[child - 1];
		hole = child - 1;
	}
	push_heap(x, first, hole, top, value);
}

static void heap_sort(struct xsort *x, struct sitem *first, struct sitem *last)
{
	long len = last - first;

	if (len >= 2) {
		for (long parent = (len - 2) / 2;; parent--) {
			adjust_heap(x, first, parent, len, first[parent]);
			if (!parent)
				break;
		}
	}
	while (last - first > 1) {
		struct sitem value;

		last--;
		value = *last;
		*last = *first;
		adjust_heap(x, first, 0, last - first, value);
	}
}

static void move_median_to_first(struct xsort *x, struct sitem *result, struct sitem *a,
				 struct sitem *b, struct sitem *c)
{
	if (x->less(a, b, x->ctx)) {
		if (x->less(b, c, x->ctx))
			xswap(result, b);
		else if (x->less(a, c, x->ctx))
			xswap(result, c);
		else
			xswap(result, a);
	} else if (x->less(a, c, x->ctx)) {
		xswap(result, a);
	} else if (x->less(b, c, x->ctx)) {
		xswap(result, c);
	} else {
		xswap(result, b);
	}
}

static struct sitem *unguarded_partition(struct xsort *x, struct sitem *first,
					 struct sitem *last, struct sitem *pivot)
{
	for (;;) {
		while (x->less(first, pivot, x->ctx))
			first++;
		last--;
		while (x->less(pivot, last, x->ctx))
			last--;
		if (!(first < last))
			return first;
		xswap(first, last);
		first++;
	}
}

static void introsort_loop(struct xsort *x, struct sitem *first, struct sitem *last, long depth)
{
	while (last - first > 16) {
		struct sitem *cut;

		if (!depth) {
			heap_sort(x, first, last);
			return;
		}
		depth--;
		move_median_to_first(x, first, first + 1, first + (last - first) / 2, last - 1);
		cut = unguarded_partition(x, first + 1, last, first);
		introsort_loop(x, cut, last, depth);
		last = cut;
	}
}

static void unguarded_linear_insert(struct xsort *x, struct sitem *last)
{
	struct sitem val = *last, *next = last - 1;

	while (x->less(&val, next, x->ctx)) {
		*last = *next;
		last = next;
		next--;
	}
	*last = val;
}

static void insertion_sort(struct xsort *x, struct sitem *first, struct sitem *last)
{
	if (first == last)
		return;
	for (struct sitem *i = first + 1; i != last; i++) {
		if (x->less(i, first, x->ctx)) {
			struct sitem val = *i;

			memmove(first + 1, first, (i - first) * sizeof(*i));
			*first = val;
		} else {
			unguarded_linear_insert(x, i);
		}
	}
}

static void std_sort(struct sitem *v, size_t n, less_fn less, const void *ctx)
{
	struct xsort x = { less, ctx };
	long lg = 0;

	if (n < 2)
		return;
	while ((2UL << lg) <= n)
		lg++;
	introsort_loop(&x, v, v + n, lg * 2);
	if (n > 16) {
		insertion_sort(&x, v, v + 16);
		for (struct sitem *i = v + 16; i != v + n; i++)
			unguarded_linear_insert(&x, i);
	} else {
		insertion_sort(&x, v, v + n);
	}
}

static bool less_signed(const struct sitem *a, const struct sitem *b, const void *ctx)
{
	(void)ctx;
	return a->s < b->s;
}

static bool less_unsigned(const struct sitem *a, const struct sitem *b, const void *ctx)
{
	(void)ctx;
	return a->u < b->u;
}

static bool less_key_bytes(const struct sitem *a, const struct sitem *b, const void *ctx)
{
	const struct map_decl *d = ctx;

	return memcmp(a->key, b->key, d->key_size) < 0;
}

struct key_arg_ctx {
	const struct type *t;
	unsigned offset;
};

/* BPFtrace::sort_by_key: integer key parts compare unsigned, strings with strncmp. */
static bool less_key_arg(const struct sitem *a, const struct sitem *b, const void *ctx)
{
	const struct key_arg_ctx *k = ctx;
	const uint8_t *x = (const uint8_t *)a->key + k->offset;
	const uint8_t *y = (const uint8_t *)b->key + k->offset;

	if (k->t->kind == TY_STRING)
		return strncmp((const char *)x, (const char *)y, k->t->size) < 0;
	if (k->t->size >= 8) {
		uint64_t p, q;

		memcpy(&p, x, 8);
		memcpy(&q, y, 8);
		return p < q;
	}
	return (uint64_t)value_int(&(struct type){ .kind = TY_INT, .size = k->t->size }, x) <
	       (uint64_t)value_int(&(struct type){ .kind = TY_INT, .size = k->t->size }, y);
}

static int sort_by_key(const struct map_decl *d, struct sitem *v, size_t n)
{
	const struct type *k = d->key;
	unsigned nargs = k->kind == TY_TUPLE ? k->nfields : 1;
	int err = 0;

	/* last argument first, so the first one ends up the primary order */
	for (unsigned i = nargs; i-- > 0;) {
		struct key_arg_ctx c;

		c.t = k->kind == TY_TUPLE ? k->fields[i].type : k;
		c.offset = k->kind == TY_TUPLE ? k->fields[i].offset : 0;
		if (c.t->kind != TY_INT && c.t->kind != TY_STRING)
			continue;
		err = stable_sort(v, n, less_key_arg, &c);
		if (err)
			break;
	}
	return err;
}

static int snapshot_sort(struct map_snapshot *m)
{
	const struct map_decl *d = m->decl;
	const struct type *t = d->value;
	struct sitem *v;
	int err = 0;

	if (m->n < 2 || !d->key)
		return 0;
	v = calloc(m->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		v[i].key = m->entries[i].key;
		v[i].value = m->entries[i].value;
		switch (t->kind) {
		case TY_COUNT:
		case TY_SUM:
			v[i].u = agg_count(v[i].value);
			v[i].s = (int64_t)v[i].u;
			break;
		case TY_INT:
			v[i].s = value_int(t, v[i].value);
			v[i].u = (uint64_t)v[i].s;
			break;
		case TY_MIN:
		case TY_MAX:
			v[i].s = agg_minmax_value(v[i].value);
			break;
		case TY_AVG:
		case TY_STATS:
			v[i].s = agg_avg_value(v[i].value);
			break;
		case TY_HIST:
		case TY_LHIST:
			v[i].u = agg_hist_total(t, v[i].value);
			break;
		default:
			break;
		}
	}
	switch (t->kind) {
	case TY_COUNT:
	case TY_SUM:
	case TY_INT:
	case TY_MIN:
	case TY_MAX: {
		bool sign = t->kind == TY_MIN || t->kind == TY_MAX ||
			    ((t->kind == TY_SUM || t->kind == TY_INT) && t->is_signed);

		/* bpftrace starts from hash order, which is random; key order is a stable
		 * stand-in for ties */
		err = sort_by_key(d, v, m->n);
		if (!err)
			err = stable_sort(v, m->n, sign ? less_signed : less_unsigned, NULL);
		break;
	}
	case TY_AVG:
	case TY_STATS:
		err = stable_sort(v, m->n, less_key_bytes, d);
		if (!err)
			std_sort(v, m->n, less_signed, NULL);
		break;
	case TY_HIST:
	case TY_LHIST:
		err = stable_sort(v, m->n, less_key_bytes, d);
		if (!err)
			std_sort(v, m->n, less_unsigned, NULL);
		break;
	default:
		err = sort_by_key(d, v, m->n);
		break;
	}
	if (!err) {
		for (size_t i = 0; i < m->n; i++) {
			m->entries[i].key = v[i].key;
			m->entries[i].value = v[i].value;
		}
	}
	free(v);
	return err;
}

/* Reading ----------------------------------------------------------------- */

static int read_keyless(const struct map_decl *d, int fd, const struct geom *g,
			struct raw_read *r)
{
	uint8_t key[8] = { 0 };
	int err;

	err = raw_reserve(r, 1);
	if (err)
		return err;
	err = bpf_map_lookup_elem(fd, key, r->vals);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	/* bpftrace always prints a keyless count; other aggregations only once written
	 * (or zero()ed): an untouched slot is all zero bytes on every CPU */
	if (d->storage == MAP_PERCPU_ARRAY && d->value->kind != TY_COUNT &&
	    all_zero(r->vals, g->raw) && zeroed_find(d, fd) < 0)
		return 0;
	r->n = 1;
	return 0;
}

int map_snapshot_read(const struct map_decl *d, int map_fd, struct map_snapshot **out)
{
	struct map_snapshot *m = NULL;
	struct raw_read r = { 0 };
	size_t ks, vs;
	struct geom g;
	uint8_t *p;
	int err;

	*out = NULL;
	if (!d || !d->value || map_fd < 0)
		return -EINVAL;
	err = geom_of(d, &g);
	if (err)
		return err;
	r.ks = d->key ? d->key_size : 0;
	r.vs = g.raw;
	if (!d->key) {
		err = read_keyless(d, map_fd, &g, &r);
	} else {
		err = read_batch(map_fd, &r);
		if (err == -EOPNOTSUPP) {
			r.n = 0;
			err = read_iter(map_fd, &r, d->max_entries);
		}
	}
	if (err)
		goto out;

	ks = r.ks;
	vs = d->value_size;
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto out;
	}
	m->decl = d;
	m->entries = calloc(r.n ? r.n : 1, sizeof(*m->entries));
	m->storage = malloc(r.n * (ks + vs) + 1);
	if (!m->entries || !m->storage) {
		err = -ENOMEM;
		goto out;
	}
	p = m->storage;
	for (size_t i = 0; i < r.n; i++) {
		struct map_entry *e = &m->entries[m->n++];

		e->key = NULL;
		if (ks) {
			e->key = p;
			memcpy(p, r.keys + i * ks, ks);
			p += ks;
		}
		e->value = p;
		combine(d, &g, r.vals + i * r.vs, p);
		p += vs;
	}
	err = snapshot_sort(m);
out:
	free(r.keys);
	free(r.vals);
	if (err) {
		map_snapshot_free(m);
		return err;
	}
	*out = m;
	return 0;
}

void map_snapshot_free(struct map_snapshot *s)
{
	if (!s)
		return;
	free(s->entries);
	free(s->storage);
	free(s);
}

/* Clearing and zeroing ------------------------------------------------------ */

/* Every key currently in a hash map, read before touching any of them. */
static int keys_collect(const struct map_decl *d, int fd, uint8_t **keys, size_t *n)
{
	struct raw_read r = { 0 };
	uint8_t *cur = NULL, *next = NULL;
	size_t limit = (size_t)d->max_entries * 2 + 16;
	bool have_prev = false;
	int err = 0;

	r.ks = d->key_size;
	r.vs = 1;
	cur = calloc(1, r.ks);
	next = calloc(1, r.ks);
	if (!cur || !next) {
		err = -ENOMEM;
		goto out;
	}
	while (limit-- && !bpf_map_get_next_key(fd, have_prev ? cur : NULL, next)) {
		err = raw_reserve(&r, 1);
		if (err)
			goto out;
		memcpy(r.keys + r.n++ * r.ks, next, r.ks);
		memcpy(cur, next, r.ks);
		have_prev = true;
	}
out:
	free(cur);
	free(next);
	free(r.vals);
	if (err) {
		free(r.keys);
		return err;
	}
	*keys = r.keys;
	*n = r.n;
	return 0;
}

/* Writes zeros into every slot of an array map. */
static int array_zero(const struct map_decl *d, int fd, const struct geom *g)
{
	uint8_t *zero = calloc(1, g->raw);
	int err = 0;

	if (!zero)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->max_entries; i++) {
		err = bpf_map_update_elem(fd, &i, zero, BPF_ANY);
		if (err)
			break;
	}
	free(zero);
	return err;
}

int map_clear(const struct map_decl *d, int map_fd)
{
	uint8_t *keys = NULL;
	size_t n = 0;
	struct geom g;
	int err;

	if (!d || map_fd < 0)
		return -EINVAL;
	err = geom_of(d, &g);
	if (err)
		return err;
	if (is_array(d)) {
		zeroed_set(d, map_fd, false);
		return array_zero(d, map_fd, &g);
	}
	err = keys_collect(d, map_fd, &keys, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		err = bpf_map_delete_elem(map_fd, keys + i * d->key_size);
		if (err == -ENOENT)
			err = 0;
		if (err)
			break;
	}
	free(keys);
	return err;
}

int map_zero(const struct map_decl *d, int map_fd)
{
	uint8_t *keys = NULL, *zero = NULL;
	size_t n = 0;
	struct geom g;
	int err;

	if (!d || map_fd < 0)
		return -EINVAL;
	err = geom_of(d, &g);
	if (err)
		return err;
	if (is_array(d)) {
		err = array_zero(d, map_fd, &g);
		if (!err)
			zeroed_set(d, map_fd, true);
		return err;
	}
	err = keys_collect(d, map_fd, &keys, &n);
	if (err)
		return err;
	zero = calloc(1, g.raw);
	if (!zero) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		err = bpf_map_update_elem(map_fd, keys + i * d->key_size, zero, BPF_EXIST);
		if (err == -ENOENT)
			err = 0;
		if (err)
			break;
	}
out:
	free(zero);
	free(keys);
	return err;
}
