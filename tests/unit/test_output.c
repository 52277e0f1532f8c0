/* test_output: the text/JSON sinks, printf and map reading against bpftrace 0.17.
 * Every expected string was captured from bpftrace 0.17.0 itself; the program
 * it came from is in the comment above each case. Kernel cases skip without root. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../../lang/session.h"
#include "../../lang/types.h"
#include "../../runtime/output.h"

static int failures, checks;
static struct session *sess;

#define A (sess->arena)

static void check_str(const char *name, const char *got, const char *want)
{
	checks++;
	if (got && !strcmp(got, want))
		return;
	failures++;
	fprintf(stderr, "FAIL %s\n--- want ---\n%s\n--- got ---\n%s\n------------\n", name, want,
		got ? got : "(null)");
}

static void check_int(const char *name, long long got, long long want)
{
	checks++;
	if (got == want)
		return;
	failures++;
	fprintf(stderr, "FAIL %s: want %lld, got %lld\n", name, want, got);
}

/* Fixtures ------------------------------------------------------------------ */

static struct map_decl *decl_new(const char *name, struct type *key, struct type *value)
{
	struct map_decl *d = session_map_add(sess, name);
	bool agg = type_is_agg(value);

	d->key = key;
	d->value = value;
	d->value_size = value->size;
	d->max_entries = 4096;
	if (!key) {
		d->storage = agg ? MAP_PERCPU_ARRAY : MAP_HASH;
		d->key_size = agg ? 4 : 8;
		d->max_entries = 1;
	} else {
		d->storage = agg ? MAP_PERCPU_HASH : MAP_HASH;
		d->key_size = key->size;
	}
	return d;
}

static struct type *tuple2(struct type *a, struct type *b)
{
	struct type *e[2] = { a, b };

	return type_tuple(A, e, 2);
}

static struct type *agg(enum type_kind k, bool is_signed)
{
	struct type *t = type_simple(A, k);

	t->is_signed = is_signed;
	return t;
}

/* A snapshot built by hand, entries already in bpftrace's order. */
static struct map_snapshot *snap_new(const struct map_decl *d, size_t n)
{
	struct map_snapshot *m = calloc(1, sizeof(*m));
	size_t ks = d->key ? d->key_size : 0, vs = d->value_size;

	m->decl = d;
	m->n = n;
	m->entries = calloc(n ? n : 1, sizeof(*m->entries));
	m->storage = calloc(n ? n : 1, ks + vs);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)m->storage + i * (ks + vs);

		m->entries[i].key = ks ? p : NULL;
		m->entries[i].value = p + ks;
	}
	return m;
}

static void put_u64(void *p, size_t off, uint64_t v)
{
	memcpy((uint8_t *)p + off, &v, 8);
}

static void put_str(void *p, size_t off, const char *s)
{
	memcpy((uint8_t *)p + off, s, strlen(s));
}

typedef struct output *(*sink_new_fn)(struct session *s, FILE *out);

/* Runs fn against a fresh sink writing to memory; returns what it printed. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
	struct output *o;
};

static struct output *cap_begin(struct capture *c, sink_new_fn sink)
{
	c->buf = NULL;
	c->f = open_memstream(&c->buf, &c->len);
	c->o = sink(sess, c->f);
	return c->o;
}

static char *cap_end(struct capture *c)
{
	c->o->ops->destroy(c->o);
	fclose(c->f);
	return c->buf;
}

static void check_map(const char *name, sink_new_fn sink, const struct map_snapshot *m,
		      int64_t top, int64_t div, const char *want)
{
	struct capture c;
	struct output *o = cap_begin(&c, sink);
	char *got;

	o->ops->map(o, m, top, div);
	got = cap_end(&c);
	check_str(name, got, want);
	free(got);
}

/* Histograms ---------------------------------------------------------------- */

/* bpftrace -e 'BEGIN { @h = hist(-5); @h = hist(0); @h = hist(1); @h = hist(1);
 *   @h = hist(1); @h = hist(1000); @h = hist(1500); exit(); }' */
static void test_hist(void)
{
	struct map_decl *d = decl_new("@h", NULL, type_simple(A, TY_HIST));
	struct map_snapshot *m = snap_new(d, 1);

	put_u64(m->entries[0].value, 0 * 8, 1);
	put_u64(m->entries[0].value, 1 * 8, 1);
	put_u64(m->entries[0].value, 2 * 8, 3);
	put_u64(m->entries[0].value, 11 * 8, 1);
	put_u64(m->entries[0].value, 12 * 8, 1);
	check_map("hist text", output_text_new, m, 0, 0,
		"@h: \n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"[0]                    1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2, 4)                 0 |                                                    |\n"
		"[4, 8)                 0 |                                                    |\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               0 |                                                    |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              0 |                                                    |\n"
		"[128, 256)             0 |                                                    |\n"
		"[256, 512)             0 |                                                    |\n"
		"[512, 1K)              1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"\n");
	check_map("hist json", output_json_new, m, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}, "
		"{\"min\": 0, \"max\": 0, \"count\": 1}, {\"min\": 1, \"max\": 1, \"count\": 3}, "
		"{\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 0}, "
		"{\"min\": 8, \"max\": 15, \"count\": 0}, {\"min\": 16, \"max\": 31, \"count\": 0}, "
		"{\"min\": 32, \"max\": 63, \"count\": 0}, {\"min\": 64, \"max\": 127, \"count\": 0}, "
		"{\"min\": 128, \"max\": 255, \"count\": 0}, {\"min\": 256, \"max\": 511, \"count\": 0}, "
		"{\"min\": 512, \"max\": 1023, \"count\": 1}, {\"min\": 1024, \"max\": 2047, \"count\": 1}]}}\n");
	/* bpftrace -e 'BEGIN { @hist = hist(2); zero(@hist); exit(); }' (corpus hist_zero) */
	memset(m->entries[0].value, 0, d->value_size);
	check_map("hist zero text", output_text_new, m, 0, 0, "@h: \n\n");
	check_map("hist zero json", output_json_new, m, 0, 0,
		  "{\"type\": \"hist\", \"data\": {\"@h\": []}}\n");
	map_snapshot_free(m);
	m = snap_new(d, 0);
	check_map("hist empty text", output_text_new, m, 0, 0, "\n");
	check_map("hist empty json", output_json_new, m, 0, 0, "");
	map_snapshot_free(m);
}

/* bpftrace -e 'BEGIN { @l = lhist(-1, 0, 100, 10); @l = lhist(5, 0, 100, 10);
 *   @l = lhist(5, 0, 100, 10); @l = lhist(55, 0, 100, 10); @l = lhist(100, 0, 100, 10); exit(); }' */
static void test_lhist(void)
{
	struct map_decl *d = decl_new("@l", NULL, type_lhist(A, 0, 100, 10));
	struct map_snapshot *m = snap_new(d, 1);

	put_u64(m->entries[0].value, 0 * 8, 1);
	put_u64(m->entries[0].value, 1 * 8, 2);
	put_u64(m->entries[0].value, 6 * 8, 1);
	put_u64(m->entries[0].value, 11 * 8, 1);
	check_map("lhist text", output_text_new, m, 0, 0,
		"@l: \n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[0, 10)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[10, 20)               0 |                                                    |\n"
		"[20, 30)               0 |                                                    |\n"
		"[30, 40)               0 |                                                    |\n"
		"[40, 50)               0 |                                                    |\n"
		"[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[60, 70)               0 |                                                    |\n"
		"[70, 80)               0 |                                                    |\n"
		"[80, 90)               0 |                                                    |\n"
		"[90, 100)              0 |                                                    |\n"
		"[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n");
	check_map("lhist json", output_json_new, m, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}, "
		"{\"min\": 0, \"max\": 9, \"count\": 2}, {\"min\": 10, \"max\": 19, \"count\": 0}, "
		"{\"min\": 20, \"max\": 29, \"count\": 0}, {\"min\": 30, \"max\": 39, \"count\": 0}, "
		"{\"min\": 40, \"max\": 49, \"count\": 0}, {\"min\": 50, \"max\": 59, \"count\": 1}, "
		"{\"min\": 60, \"max\": 69, \"count\": 0}, {\"min\": 70, \"max\": 79, \"count\": 0}, "
		"{\"min\": 80, \"max\": 89, \"count\": 0}, {\"min\": 90, \"max\": 99, \"count\": 0}, "
		"{\"min\": 100, \"count\": 1}]}}\n");
	map_snapshot_free(m);

	/* bpftrace -e 'BEGIN { @l = lhist(0, 2048, 3145728, 1048576);
	 *   @l = lhist(2048, 2048, 3145728, 1048576); @l = lhist(5000000, 2048, 3145728, 1048576);
	 *   @l2 = lhist(1500, 0, 4096, 1024); @l2 = lhist(-1, 0, 4096, 1024); exit(); }' */
	d = decl_new("@l", NULL, type_lhist(A, 2048, 3145728, 1048576));
	m = snap_new(d, 1);
	put_u64(m->entries[0].value, 0 * 8, 1);
	put_u64(m->entries[0].value, 1 * 8, 1);
	put_u64(m->entries[0].value, 3 * 8, 1);
	check_map("lhist K/M labels", output_text_new, m, 0, 0,
		"@l: \n"
		"(..., 2K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2K, 1026K)            1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[1026K, 2050K)         0 |                                                    |\n"
		"[3M, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	map_snapshot_free(m);
	d = decl_new("@l2", NULL, type_lhist(A, 0, 4096, 1024));
	m = snap_new(d, 1);
	put_u64(m->entries[0].value, 0 * 8, 1);
	put_u64(m->entries[0].value, 2 * 8, 1);
	check_map("lhist K labels", output_text_new, m, 0, 0,
		"@l2: \n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[0, 1K)                0 |                                                    |\n"
		"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	map_snapshot_free(m);
}

/* bpftrace -e 'BEGIN { @h["a"] = hist(3); @h["a"] = hist(5); @h["b"] = hist(1);
 *   @h["c"] = hist(1024); @h["c"] = hist(1024); @h["c"] = hist(70000); exit(); }' */
static void test_hist_keyed(void)
{
	struct map_decl *d = decl_new("@h", type_string(A, 4), type_simple(A, TY_HIST));
	struct map_snapshot *m = snap_new(d, 3);

	put_str(m->entries[0].key, 0, "b");
	put_u64(m->entries[0].value, 2 * 8, 1);
	put_str(m->entries[1].key, 0, "a");
	put_u64(m->entries[1].value, 3 * 8, 1);
	put_u64(m->entries[1].value, 4 * 8, 1);
	put_str(m->entries[2].key, 0, "c");
	put_u64(m->entries[2].value, 12 * 8, 2);
	put_u64(m->entries[2].value, 18 * 8, 1);
	check_map("hist keyed text", output_text_new, m, 0, 0,
		"@h[b]: \n"
		"[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[a]: \n"
		"[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[c]: \n"
		"[1K, 2K)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2K, 4K)               0 |                                                    |\n"
		"[4K, 8K)               0 |                                                    |\n"
		"[8K, 16K)              0 |                                                    |\n"
		"[16K, 32K)             0 |                                                    |\n"
		"[32K, 64K)             0 |                                                    |\n"
		"[64K, 128K)            1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"\n");
	check_map("hist keyed json", output_json_new, m, 0, 0,
		"{\"type\": \"hist\", \"data\": {\"@h\": {\"b\": [{\"min\": 1, \"max\": 1, \"count\": 1}], "
		"\"a\": [{\"min\": 2, \"max\": 3, \"count\": 1}, {\"min\": 4, \"max\": 7, \"count\": 1}], "
		"\"c\": [{\"min\": 1024, \"max\": 2047, \"count\": 2}, {\"min\": 2048, \"max\": 4095, \"count\": 0}, "
		"{\"min\": 4096, \"max\": 8191, \"count\": 0}, {\"min\": 8192, \"max\": 16383, \"count\": 0}, "
		"{\"min\": 16384, \"max\": 32767, \"count\": 0}, {\"min\": 32768, \"max\": 65535, \"count\": 0}, "
		"{\"min\": 65536, \"max\": 131071, \"count\": 1}]}}}\n");
	/* bpftrace -f json -e 'BEGIN { @[1] = hist(10); @[2] = hist(20); @[3] = hist(30);
	 *   print(@, 2); clear(@); exit(); }' (corpus print_hist_with_top_arg) */
	map_snapshot_free(m);
	d = decl_new("@", type_int(A, 8, true), type_simple(A, TY_HIST));
	m = snap_new(d, 3);
	for (int i = 0; i < 3; i++) {
		put_u64(m->entries[i].key, 0, i + 1);
		put_u64(m->entries[i].value, (i ? 6 : 5) * 8, 1);
	}
	check_map("hist top json", output_json_new, m, 2, 0,
		"{\"type\": \"hist\", \"data\": {\"@\": {\"2\": [{\"min\": 16, \"max\": 31, \"count\": 1}], "
		"\"3\": [{\"min\": 16, \"max\": 31, \"count\": 1}]}}}\n");
	map_snapshot_free(m);

	/* bpftrace -e 'BEGIN { @h[1]=hist(10); @h[1]=hist(10); @h[1]=hist(10); @h[1]=hist(1000);
	 *   @h[2]=hist(1); print(@h, 1, 2); clear(@h); exit(); }' */
	d = decl_new("@h", type_int(A, 8, true), type_simple(A, TY_HIST));
	m = snap_new(d, 2);
	put_u64(m->entries[0].key, 0, 2);
	put_u64(m->entries[0].value, 2 * 8, 1);
	put_u64(m->entries[1].key, 0, 1);
	put_u64(m->entries[1].value, 5 * 8, 3);
	put_u64(m->entries[1].value, 11 * 8, 1);
	check_map("hist top div text", output_text_new, m, 1, 2,
		"@h[1]: \n"
		"[8, 16)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[16, 32)               0 |                                                    |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              0 |                                                    |\n"
		"[128, 256)             0 |                                                    |\n"
		"[256, 512)             0 |                                                    |\n"
		"[512, 1K)              0 |@@@@@@@@@@@@@@@@@                                   |\n"
		"\n");
	map_snapshot_free(m);
}

/* Scalar maps ------------------------------------------------------------------ */

/* bpftrace -e 'BEGIN { @c["b", 2] = count(); @c["a", 7] = count(); @c["a", 7] = count();
 *   @c["zz", 1] = count(); @c["zz", 1] = count(); @c["zz", 1] = count(); @s[-5] = sum(-20);
 *   @s[3] = sum(10); @v[2] = "two"; @v[1] = "one"; @v[-1] = "minus";
 *   @t = (1, -2, "str", (4, "x")); exit(); }' */
static void test_scalar_maps(void)
{
	struct type *k = tuple2(type_string(A, 3), type_int(A, 8, true));
	struct map_decl *d = decl_new("@c", k, type_simple(A, TY_COUNT));
	struct map_snapshot *m = snap_new(d, 3);
	const char *keys[] = { "b", "a", "zz" };
	const int64_t nums[] = { 2, 7, 1 };
	struct type *inner, *el[4];

	for (int i = 0; i < 3; i++) {
		put_str(m->entries[i].key, k->fields[0].offset, keys[i]);
		put_u64(m->entries[i].key, k->fields[1].offset, nums[i]);
		put_u64(m->entries[i].value, 0, i + 1);
	}
	check_map("count text", output_text_new, m, 0, 0, "@c[b, 2]: 1\n@c[a, 7]: 2\n@c[zz, 1]: 3\n");
	check_map("count json", output_json_new, m, 0, 0,
		  "{\"type\": \"map\", \"data\": {\"@c\": {\"b,2\": 1, \"a,7\": 2, \"zz,1\": 3}}}\n");
	/* print(@c, 2, 2): the two largest, divided */
	check_map("count top div", output_text_new, m, 2, 2, "@c[a, 7]: 1\n@c[zz, 1]: 1\n");
	map_snapshot_free(m);

	d = decl_new("@s", type_int(A, 8, true), agg(TY_SUM, true));
	m = snap_new(d, 2);
	put_u64(m->entries[0].key, 0, (uint64_t)-5);
	put_u64(m->entries[0].value, 0, (uint64_t)-20);
	put_u64(m->entries[1].key, 0, 3);
	put_u64(m->entries[1].value, 0, 10);
	check_map("sum text", output_text_new, m, 0, 0, "@s[-5]: -20\n@s[3]: 10\n");
	check_map("sum json", output_json_new, m, 0, 0,
		  "{\"type\": \"map\", \"data\": {\"@s\": {\"-5\": -20, \"3\": 10}}}\n");
	/* print(@s, 0, 3): signed division truncates toward zero */
	check_map("sum div", output_text_new, m, 0, 3, "@s[-5]: -6\n@s[3]: 3\n");
	map_snapshot_free(m);

	d = decl_new("@v", type_int(A, 8, true), type_string(A, 8));
	m = snap_new(d, 3);
	put_u64(m->entries[0].key, 0, 1);
	put_str(m->entries[0].value, 0, "one");
	put_u64(m->entries[1].key, 0, 2);
	put_str(m->entries[1].value, 0, "two");
	put_u64(m->entries[2].key, 0, (uint64_t)-1);
	put_str(m->entries[2].value, 0, "minus");
	check_map("string values text", output_text_new, m, 0, 0, "@v[1]: one\n@v[2]: two\n@v[-1]: minus\n");
	check_map("string values json", output_json_new, m, 0, 0,
		  "{\"type\": \"map\", \"data\": {\"@v\": {\"1\": \"one\", \"2\": \"two\", \"-1\": \"minus\"}}}\n");
	map_snapshot_free(m);

	inner = tuple2(type_int(A, 8, true), type_string(A, 2));
	el[0] = type_int(A, 8, true);
	el[1] = type_int(A, 8, true);
	el[2] = type_string(A, 4);
	el[3] = inner;
	d = decl_new("@t", NULL, type_tuple(A, el, 4));
	m = snap_new(d, 1);
	put_u64(m->entries[0].value, d->value->fields[0].offset, 1);
	put_u64(m->entries[0].value, d->value->fields[1].offset, (uint64_t)-2);
	put_str(m->entries[0].value, d->value->fields[2].offset, "str");
	put_u64(m->entries[0].value, d->value->fields[3].offset + inner->fields[0].offset, 4);
	put_str(m->entries[0].value, d->value->fields[3].offset + inner->fields[1].offset, "x");
	check_map("tuple text", output_text_new, m, 0, 0, "@t: (1, -2, str, (4, x))\n");
	check_map("tuple json", output_json_new, m, 0, 0,
		  "{\"type\": \"map\", \"data\": {\"@t\": [1,-2,\"str\",[4,\"x\"]]}}\n");
	map_snapshot_free(m);

	/* bpftrace -e 'BEGIN { @mi[1] = min(5); @mi[2] = min(-9); @mk = min(4); exit(); }' */
	d = decl_new("@mi", type_int(A, 8, true), type_simple(A, TY_MIN));
	m = snap_new(d, 2);
	put_u64(m->entries[0].key, 0, 2);
	put_u64(m->entries[0].value, 0, (uint64_t)-9);
	put_u64(m->entries[0].value, 8, 1);
	put_u64(m->entries[1].key, 0, 1);
	put_u64(m->entries[1].value, 0, 5);
	put_u64(m->entries[1].value, 8, 1);
	check_map("min text", output_text_new, m, 0, 0, "@mi[2]: -9\n@mi[1]: 5\n");
	check_map("min json", output_json_new, m, 0, 0,
		  "{\"type\": \"map\", \"data\": {\"@mi\": {\"2\": -9, \"1\": 5}}}\n");
	map_snapshot_free(m);

	/* bpftrace -e 'BEGIN { @[ntop(0x0100007f)] = ntop(0x0200007f);
	 *   @[ntop(0x0300007f)] = ntop(0x0200007f); exit(); }': inet values have no separator */
	d = decl_new("@i", type_int(A, 8, false), type_simple(A, TY_INET));
	m = snap_new(d, 2);
	for (int i = 0; i < 2; i++) {
		uint8_t ip[4] = { 127, 0, 0, 2 };

		put_u64(m->entries[i].key, 0, i + 1);
		put_u64(m->entries[i].value, 0, AF_INET);
		memcpy((uint8_t *)m->entries[i].value + 8, ip, 4);
	}
	check_map("inet values text", output_text_new, m, 0, 0, "@i[1]: 127.0.0.2@i[2]: 127.0.0.2\n");
	map_snapshot_free(m);

	/* bpftrace -e 'BEGIN { @q[(int8*)16] = 1; exit(); }': pointer keys are hex */
	d = decl_new("@q", type_pointer(A, type_int(A, 1, true)), type_int(A, 8, true));
	m = snap_new(d, 1);
	put_u64(m->entries[0].key, 0, 16);
	put_u64(m->entries[0].value, 0, 1);
	check_map("pointer key", output_text_new, m, 0, 0, "@q[0x10]: 1\n");
	check_map("pointer key json", output_json_new, m, 0, 0,
		  "{\"type\": \"map\", \"data\": {\"@q\": {\"0x10\": 1}}}\n");
	map_snapshot_free(m);
}

/* bpftrace -e 'BEGIN { @s[1, "a"] = stats(10); @s[1, "a"] = stats(-3); @s[2, "b"] = stats(100);
 *   @a["x"] = avg(-7); @a["x"] = avg(2); @a["y"] = avg(5); @k = stats(-10); @k = stats(7); exit(); }' */
static void test_stats(void)
{
	struct type *k = tuple2(type_int(A, 8, true), type_string(A, 2));
	struct map_decl *d = decl_new("@s", k, type_simple(A, TY_STATS));
	struct map_snapshot *m = snap_new(d, 2);
	struct agg_avg v;

	put_u64(m->entries[0].key, 0, 1);
	put_str(m->entries[0].key, 8, "a");
	v = (struct agg_avg){ 7, 2 };
	memcpy(m->entries[0].value, &v, sizeof(v));
	put_u64(m->entries[1].key, 0, 2);
	put_str(m->entries[1].key, 8, "b");
	v = (struct agg_avg){ 100, 1 };
	memcpy(m->entries[1].value, &v, sizeof(v));
	check_map("stats text", output_text_new, m, 0, 0,
		  "@s[1, a]: count 2, average 3, total 7\n@s[2, b]: count 1, average 100, total 100\n\n");
	check_map("stats json", output_json_new, m, 0, 0,
		  "{\"type\": \"stats\", \"data\": {\"@s\": {\"1,a\": {\"count\": 2, \"average\": 3, "
		  "\"total\": 7}, \"2,b\": {\"count\": 1, \"average\": 100, \"total\": 100}}}}\n");
	/* stats ignore print()'s top and div */
	check_map("stats top div", output_text_new, m, 1, 10,
		  "@s[1, a]: count 2, average 3, total 7\n@s[2, b]: count 1, average 100, total 100\n\n");
	map_snapshot_free(m);

	d = decl_new("@a", type_string(A, 2), type_simple(A, TY_AVG));
	m = snap_new(d, 2);
	put_str(m->entries[0].key, 0, "x");
	v = (struct agg_avg){ -5, 2 };
	memcpy(m->entries[0].value, &v, sizeof(v));
	put_str(m->entries[1].key, 0, "y");
	v = (struct agg_avg){ 5, 1 };
	memcpy(m->entries[1].value, &v, sizeof(v));
	check_map("avg text", output_text_new, m, 0, 0, "@a[x]: -2\n@a[y]: 5\n\n");
	check_map("avg json", output_json_new, m, 0, 0,
		  "{\"type\": \"stats\", \"data\": {\"@a\": {\"x\": -2, \"y\": 5}}}\n");
	map_snapshot_free(m);

	d = decl_new("@k", NULL, type_simple(A, TY_STATS));
	m = snap_new(d, 1);
	v = (struct agg_avg){ -3, 2 };
	memcpy(m->entries[0].value, &v, sizeof(v));
	check_map("stats keyless", output_text_new, m, 0, 0, "@k: count 2, average -1, total -3\n\n");
	check_map("stats keyless json", output_json_new, m, 0, 0,
		  "{\"type\": \"stats\", \"data\": {\"@k\": {\"count\": 2, \"average\": -1, \"total\": -3}}}\n");
	map_snapshot_free(m);

	/* bpftrace -f json -e 'BEGIN { @["a"] = avg(10); @["b"] = avg(20); @["c"] = avg(30);
	 *   @["d"] = avg(40); print(@, 2, 10); clear(@); exit(); }' (corpus print_avg_map_args) */
	d = decl_new("@", type_string(A, 2), type_simple(A, TY_AVG));
	m = snap_new(d, 4);
	for (int i = 0; i < 4; i++) {
		char s[2] = { (char)('a' + i), 0 };

		put_str(m->entries[i].key, 0, s);
		v = (struct agg_avg){ 10 * (i + 1), 1 };
		memcpy(m->entries[i].value, &v, sizeof(v));
	}
	check_map("avg top div json", output_json_new, m, 2, 10,
		  "{\"type\": \"stats\", \"data\": {\"@\": {\"c\": 3, \"d\": 4}}}\n");
	map_snapshot_free(m);
	m = snap_new(d, 0);
	check_map("avg empty text", output_text_new, m, 0, 0, "\n\n");
	map_snapshot_free(m);
}

/* Values ----------------------------------------------------------------------- */

static char *fmt_value(const struct type *t, const void *data)
{
	static char buf[4096];
	struct capture c;
	struct output *o = cap_begin(&c, output_text_new);

	format_value(o, t, data, buf, sizeof(buf));
	free(cap_end(&c));
	return buf;
}

static void check_value(const char *name, sink_new_fn sink, const struct type *t,
			const void *data, const char *want)
{
	struct capture c;
	struct output *o = cap_begin(&c, sink);
	char *got;

	o->ops->value(o, t, data);
	got = cap_end(&c);
	check_str(name, got, want);
	free(got);
}

static void test_values(void)
{
	struct type *rec, *in, *arr, *t, *mac, *buf;
	uint8_t data[256] = { 0 };
	struct type_field *f;
	int probe = session_probe_name_add(sess, "BEGIN");

	/* struct Inner { int m[2]; char c; }; struct Foo { int m; int n; struct Inner in; };
	 * print($f) of { 2, 3, { {4, 5}, 'x' } }:
	 *   { .m = 2, .n = 3, .in = { .m = [4,5], .c = 120 } } */
	arr = type_array(A, type_int(A, 4, true), 2);
	in = calloc(1, sizeof(*in));
	in->kind = TY_RECORD;
	in->name = "struct Inner";
	in->size = 12;
	in->align = 4;
	in->nfields = 2;
	in->fields = f = calloc(2, sizeof(*f));
	f[0] = (struct type_field){ .name = "m", .type = arr, .offset = 0 };
	f[1] = (struct type_field){ .name = "c", .type = type_int(A, 1, true), .offset = 8 };
	rec = calloc(1, sizeof(*rec));
	rec->kind = TY_RECORD;
	rec->name = "struct Foo";
	rec->size = 20;
	rec->align = 4;
	rec->nfields = 3;
	rec->fields = f = calloc(3, sizeof(*f));
	f[0] = (struct type_field){ .name = "m", .type = type_int(A, 4, true), .offset = 0 };
	f[1] = (struct type_field){ .name = "n", .type = type_int(A, 4, true), .offset = 4 };
	f[2] = (struct type_field){ .name = "in", .type = in, .offset = 8 };
	data[0] = 2;
	data[4] = 3;
	data[8] = 4;
	data[12] = 5;
	data[16] = 'x';
	check_str("record", fmt_value(rec, data), "{ .m = 2, .n = 3, .in = { .m = [4,5], .c = 120 } }");
	check_value("record json", output_json_new, rec, data,
		    "{\"type\": \"value\", \"data\": { \"m\": 2, \"n\": 3, \"in\": { \"m\": [4,5], \"c\": 120 } }}\n");
	check_value("record text value", output_text_new, rec, data,
		    "{ .m = 2, .n = 3, .in = { .m = [4,5], .c = 120 } }\n");
	free(in->fields);
	free(in);
	free(rec->fields);
	free(rec);

	/* bpftrace -q -f json -e 'BEGIN { $x = 5; print($x); exit() }' (corpus print_non_map) */
	memset(data, 0, sizeof(data));
	data[0] = 5;
	check_value("int json", output_json_new, type_int(A, 8, true), data,
		    "{\"type\": \"value\", \"data\": 5}\n");
	/* print((int8)-5), print((uint8)255) */
	data[0] = 0xfb;
	check_str("int8", fmt_value(type_int(A, 1, true), data), "-5");
	data[0] = 0xff;
	check_str("uint8", fmt_value(type_int(A, 1, false), data), "255");
	/* print(comm) -> "bpftrace" in json (corpus print_non_map_builtin) */
	memset(data, 0, sizeof(data));
	strcpy((char *)data, "bpftrace");
	check_value("string json", output_json_new, type_string(A, 16), data,
		    "{\"type\": \"value\", \"data\": \"bpftrace\"}\n");
	/* print(buf("ab\x01\"", 4)) -> ab\x01" ; json "ab\\x01\"" */
	buf = type_buffer(A, 4);
	memset(data, 0, sizeof(data));
	data[0] = 4;
	memcpy(data + 4, "ab\x01\"", 4);
	check_str("buffer", fmt_value(buf, data), "ab\\x01\"");
	check_value("buffer json", output_json_new, buf, data,
		    "{\"type\": \"value\", \"data\": \"ab\\\\x01\\\"\"}\n");
	/* print(ntop(0x0100007f)), print(ntop(pton("::1"))) */
	t = type_simple(A, TY_INET);
	memset(data, 0, sizeof(data));
	put_u64(data, 0, AF_INET);
	data[8] = 127;
	data[11] = 1;
	check_str("inet4", fmt_value(t, data), "127.0.0.1");
	memset(data, 0, sizeof(data));
	put_u64(data, 0, AF_INET6);
	data[8 + 15] = 1;
	check_str("inet6", fmt_value(t, data), "::1");
	/* macaddr: upper case, and unquoted in JSON (invalid JSON, as bpftrace prints it) */
	mac = type_simple(A, TY_MACADDR);
	memcpy(data, "\x01\x02\xab\xcd\xef\x10", 6);
	check_str("macaddr", fmt_value(mac, data), "01:02:AB:CD:EF:10");
	check_value("macaddr json", output_json_new, mac, data,
		    "{\"type\": \"value\", \"data\": 01:02:AB:CD:EF:10}\n");
	/* print(probe), print(username) for uid 0, print(ksym(1)) */
	memset(data, 0, sizeof(data));
	put_u64(data, 0, probe);
	check_str("probe", fmt_value(type_simple(A, TY_PROBE), data), "BEGIN");
	put_u64(data, 0, 0);
	check_str("username", fmt_value(type_simple(A, TY_USERNAME), data), "root");
	put_u64(data, 0, 12345);
	check_str("username unknown", fmt_value(type_simple(A, TY_USERNAME), data), "");
	put_u64(data, 0, 1);
	check_str("ksym unknown", fmt_value(type_simple(A, TY_KSYM), data), "0x1");
	/* print(kstack) when there is no stack (-EFAULT id): empty */
	put_u64(data, 0, (uint64_t)(int64_t)-EFAULT);
	check_str("kstack efault", fmt_value(type_simple(A, TY_KSTACK), data), "");
}

/* printf ----------------------------------------------------------------------- */

/* Builds an args record of n int64 values and formats it. */
static void check_printf_ints(const char *name, const char *text, const int64_t *v, int n,
			      const char *want)
{
	struct type *el[32];
	struct fmt_decl f = { 0 };
	uint8_t payload[512] = { 0 };
	char out[1024];
	int len;

	for (int i = 0; i < n; i++)
		el[i] = type_int(A, 8, true);
	f.kind = FMT_PRINTF;
	f.text = (char *)text;
	f.args = n ? type_tuple(A, el, n) : NULL;
	for (int i = 0; i < n; i++)
		put_u64(payload, f.args->fields[i].offset, (uint64_t)v[i]);
	len = format_printf(NULL, &f, payload, f.args ? f.args->size : 0, out, sizeof(out));
	check_str(name, out, want);
	check_int(name, len, strlen(want));
}

static void test_printf(void)
{
	/* bpftrace -e 'BEGIN { printf("%d|%5d|%-5d|%05d|%x|%X|%o|%u|%lu|%ld|%hhd|%hd|%lld|%llu|%c|%p|%%|\n",
	 *   -1, 42, 42, 42, 255, 255, 8, -1, -1, -1, 300, 70000, -5, -5, 65, 4096); exit(); }' */
	static const int64_t v1[] = { -1, 42, 42, 42, 255, 255, 8, -1, -1, -1, 300, 70000, -5, -5, 65, 4096 };
	/* printf("%d %%|\n", 1): after the last specifier "%%" is copied as is */
	static const int64_t v2[] = { 1 };
	/* printf("%d%%|%d %% %c|\n", 1, 2, 0): a piece ends at the NUL %c writes */
	static const int64_t v3[] = { 1, 2, 0 };
	/* printf("%d\n", -123456789012) and friends: plain %d reads 32 bits */
	static const int64_t v4[] = { -123456789012, -123456789012, -123456789012, -123456789012 };
	/* printf("[%-05d] [%5.2x] [%10p] [%-10p] [%.3p]\n", 1, 2, 3, 4, 5) */
	static const int64_t v5[] = { 1, 2, 3, 4, 5 };
	/* printf("%p %p\n", 0, -1) */
	static const int64_t v6[] = { 0, -1 };
	/* printf("%hhd %c %c\n", -129, 256+66, -190) */
	static const int64_t v7[] = { -129, 322, -190 };
	/* printf("%%|%d %%\n", 1) */
	static const int64_t v8[] = { 1 };
	struct type *el[5];
	struct fmt_decl f = { 0 };
	uint8_t payload[512] = { 0 };
	char out[256];
	int probe = session_probe_name_add(sess, "BEGIN");

	check_printf_ints("printf ints", "%d|%5d|%-5d|%05d|%x|%X|%o|%u|%lu|%ld|%hhd|%hd|%lld|%llu|%c|%p|%%|\n",
			  v1, 16,
			  "-1|   42|42   |00042|ff|FF|10|4294967295|18446744073709551615|-1|44|4464|-5|"
			  "18446744073709551611|A|0x1000|%%|\n");
	check_printf_ints("printf tail %%", "%d %%|\n", v2, 1, "1 %%|\n");
	check_printf_ints("printf nul", "%d%%|%d %% %c|\n", v3, 3, "1%|2 % |\n");
	check_printf_ints("printf widths", "%d %ld %hhd %hd\n", v4, 4,
			  "1097262572 -123456789012 -20 -6676\n");
	check_printf_ints("printf flags", "[%-05d] [%5.2x] [%10p] [%-10p] [%.3p]\n", v5, 5,
			  "[1    ] [   02] [       0x3] [0x4       ] [0x005]\n");
	check_printf_ints("printf nil", "%p %p\n", v6, 2, "(nil) 0xffffffffffffffff\n");
	check_printf_ints("printf char", "%hhd %c %c\n", v7, 3, "127 B B\n");
	check_printf_ints("printf lead %%", "%%|%d %%\n", v8, 1, "%|1 %%\n");
	/* printf("a %i b %% c\n"): no arguments, printed verbatim */
	check_printf_ints("printf no args", "a %i b %% c\n", NULL, 0, "a %i b %% c\n");

	/* printf("[%s] [%10s] [%-10s] [%.2s] [%5.1s] %d\n", "abc" x5, 7) */
	for (int i = 0; i < 5; i++)
		el[i] = type_string(A, 4);
	{
		struct type *all[6] = { el[0], el[1], el[2], el[3], el[4], type_int(A, 8, true) };

		f.args = type_tuple(A, all, 6);
	}
	f.text = "[%s] [%10s] [%-10s] [%.2s] [%5.1s] %d\n";
	for (int i = 0; i < 5; i++)
		put_str(payload, f.args->fields[i].offset, "abc");
	put_u64(payload, f.args->fields[5].offset, 7);
	format_printf(NULL, &f, payload, f.args->size, out, sizeof(out));
	check_str("printf strings", out, "[abc] [       abc] [abc       ] [ab] [    a] 7\n");

	/* printf("%r|%s|%s|%-6r|\n", buf("a\x01\xff\n", 4), probe, comm, buf("xy", 2)):
	 * "a\x01\xff\x0a|BEGIN|bpftrace|%-6r|" (only the literal "%r" becomes %s) */
	{
		struct type *all[4] = { type_buffer(A, 4), type_simple(A, TY_PROBE),
					type_string(A, 16), type_buffer(A, 2) };
		struct capture c;
		struct output *o = cap_begin(&c, output_text_new);

		memset(payload, 0, sizeof(payload));
		f.args = type_tuple(A, all, 4);
		f.text = "%r|%s|%s|%-6r|\n";
		payload[f.args->fields[0].offset] = 4;
		memcpy(payload + f.args->fields[0].offset + 4, "a\x01\xff\n", 4);
		put_u64(payload, f.args->fields[1].offset, probe);
		put_str(payload, f.args->fields[2].offset, "bpftrace");
		payload[f.args->fields[3].offset] = 2;
		memcpy(payload + f.args->fields[3].offset + 4, "xy", 2);
		format_printf(o, &f, payload, f.args->size, out, sizeof(out));
		free(cap_end(&c));
		check_str("printf %r", out, "a\\x01\\xff\\x0a|BEGIN|bpftrace|%-6r|\n");
	}
	/* printf("%ld %d %lu\n", (uint32)-1, (uint32)-1, (uint8)-1) -> 4294967295 -1 255 */
	{
		struct type *all[3] = { type_int(A, 4, false), type_int(A, 4, false),
					type_int(A, 1, false) };

		memset(payload, 0, sizeof(payload));
		f.args = type_tuple(A, all, 3);
		f.text = "%ld %d %lu\n";
		memset(payload + f.args->fields[0].offset, 0xff, 4);
		memset(payload + f.args->fields[1].offset, 0xff, 4);
		memset(payload + f.args->fields[2].offset, 0xff, 1);
		format_printf(NULL, &f, payload, f.args->size, out, sizeof(out));
		check_str("printf unsigned widths", out, "4294967295 -1 255\n");
	}
	/* a payload shorter than the args is refused */
	check_int("printf short payload", format_printf(NULL, &f, payload, 2, out, sizeof(out)),
		  -EINVAL);
	/* truncation reports the full length */
	f.text = "%ld %d %lu\n";
	check_int("printf truncated", format_printf(NULL, &f, payload, f.args->size, out, 5), 18);
	check_str("printf truncated text", out, "4294");
}

/* Values of the function families (lang/fn_*.c) ------------------------------------ */

static void test_fn_values(void)
{
	uint8_t data[64] = { 0 }, payload[128] = { 0 };
	struct fmt_decl f = { 0 };
	char out[256];
	int fid;

	/* print(strerror(2)) -> No such file or directory; JSON unquoted (as bpftrace) */
	put_u64(data, 0, 2);
	check_str("strerror", fmt_value(type_simple(A, TY_STRERROR), data),
		  "No such file or directory");
	check_value("strerror json", output_json_new, type_simple(A, TY_STRERROR), data,
		    "{\"type\": \"value\", \"data\": No such file or directory}\n");
	/* print(ksym(0)), print(usym(0)): bpftrace streams a null (void *) as "0" */
	put_u64(data, 0, 0);
	check_str("ksym 0", fmt_value(type_simple(A, TY_KSYM), data), "0");
	check_str("usym 0", fmt_value(type_simple(A, TY_USYM), data), "0");
	/* cgroup_path(id, "nomatch"): no hierarchy matches the filter -> empty */
	fid = session_fmt_add(sess, FMT_CGROUP_PATH, "nomatch", NULL, 1, 1);
	put_u64(data, 0, 1);
	put_u64(data, 8, fid);
	check_str("cgroup_path filtered", fmt_value(type_simple(A, TY_CGROUP_PATH), data), "");

	/* printf("[%r][%rx][%rh][%5r][%rhh][%rxx]\n", $b x6) of $b = buf("A\x01z", 3):
	 * [A\x01z][\x41\x01\x7a][41 01 7a][%5r][41 01 7ah][\x41\x01\x7ax] */
	{
		struct type *b = type_buffer(A, 3);
		struct type *all[6] = { b, b, b, b, b, b };

		f.args = type_tuple(A, all, 6);
	}
	f.kind = FMT_PRINTF;
	f.text = "[%r][%rx][%rh][%5r][%rhh][%rxx]\n";
	for (int i = 0; i < 6; i++) {
		payload[f.args->fields[i].offset] = 3;
		memcpy(payload + f.args->fields[i].offset + 4, "A\x01z", 3);
	}
	format_printf(NULL, &f, payload, f.args->size, out, sizeof(out));
	check_str("printf %rx %rh", out,
		  "[A\\x01z][\\x41\\x01\\x7a][41 01 7a][%5r][41 01 7ah][\\x41\\x01\\x7ax]\n");
	/* printf("%rz %s\n", buf("a", 1), "x") -> "az x": %r, then a literal z */
	{
		struct type *all[2] = { type_buffer(A, 1), type_string(A, 2) };

		memset(payload, 0, sizeof(payload));
		f.args = type_tuple(A, all, 2);
		f.text = "%rz %s\n";
		payload[f.args->fields[0].offset] = 1;
		payload[f.args->fields[0].offset + 4] = 'a';
		put_str(payload, f.args->fields[1].offset, "x");
		format_printf(NULL, &f, payload, f.args->size, out, sizeof(out));
		check_str("printf %rz", out, "az x\n");
	}
}

/* Other sink messages ----------------------------------------------------------- */

static void test_messages(void)
{
	struct capture c;
	struct output *o;
	char *got;

	/* "Attaching 1 probe..." / "Attaching 2 probes..." */
	o = cap_begin(&c, output_text_new);
	o->ops->attached(o, 1);
	o->ops->attached(o, 2);
	o->ops->lost_events(o, 7);
	o->ops->exit_maps_begin(o);
	got = cap_end(&c);
	check_str("text messages", got, "Attaching 1 probe...\nAttaching 2 probes...\nLost 7 events\n\n\n");
	free(got);

	o = cap_begin(&c, output_json_new);
	o->ops->attached(o, 1);
	o->ops->lost_events(o, 7);
	o->ops->exit_maps_begin(o);
	got = cap_end(&c);
	check_str("json messages", got,
		  "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n"
		  "{\"type\": \"lost_events\", \"data\": {\"events\": 7}}\n\n\n");
	free(got);

	/* bpftrace -f json -e 'BEGIN { printf("test \r \n \t \\ \" bar"); exit(); }'
	 * (corpus printf_escaping), plus control and high bytes:
	 * printf("a\x01b\x1fc\x7fd\xe9e") -> "a\u0001b\u001fc\x7fd\uffffffe9e" */
	o = cap_begin(&c, output_json_new);
	o->ops->text(o, TEXT_PRINTF, "test \r \n \t \\ \" bar", 18);
	o->ops->text(o, TEXT_PRINTF, "a\x01" "b\x1f" "c\x7f" "d\xe9" "e", 9);
	o->ops->text(o, TEXT_TIME, "16:51:21\n", 9);
	o->ops->text(o, TEXT_SYSTEM, "a b c\n", 6);
	o->ops->text(o, TEXT_CAT, "", 0);
	o->ops->text(o, TEXT_JOIN, "/bin/echo,'A'", 13);
	got = cap_end(&c);
	check_str("json text", got,
		  "{\"type\": \"printf\", \"data\": \"test \\r \\n \\t \\\\ \\\" bar\"}\n"
		  "{\"type\": \"printf\", \"data\": \"a\\u0001b\\u001fc\x7f" "d\\uffffffe9e\"}\n"
		  "{\"type\": \"time\", \"data\": \"16:51:21\\n\"}\n"
		  "{\"type\": \"syscall\", \"data\": \"a b c\\n\"}\n"
		  "{\"type\": \"cat\", \"data\": \"\"}\n"
		  "{\"type\": \"join\", \"data\": \"/bin/echo,'A'\"}\n");
	free(got);

	/* text: only join() gets a newline from bpftrace */
	o = cap_begin(&c, output_text_new);
	o->ops->text(o, TEXT_PRINTF, "x", 1);
	o->ops->text(o, TEXT_TIME, "12:00:00\n", 9);
	o->ops->text(o, TEXT_JOIN, "a b", 3);
	got = cap_end(&c);
	check_str("text text", got, "x12:00:00\na b\n");
	free(got);

	/* bpftrace -kk -q -f json -e 'struct foo {int a;}; BEGIN { $tmp = ((struct foo*) 0)->a; exit(); }'
	 * (corpus helper_error); text mode prints the warning with the source line */
	o = cap_begin(&c, output_json_new);
	o->ops->helper_error(o, "probe_read", -14, 1, 37, 58);
	got = cap_end(&c);
	check_str("json helper error", got,
		  "{\"type\": \"helper_error\", \"helper\": \"probe_read\", \"retcode\": -14, "
		  "\"line\": 1, \"col\": 37}\n");
	free(got);
	o = cap_begin(&c, output_text_new);
	o->src_name = "stdin";
	o->src_text = "struct foo {int a;}; BEGIN { $tmp = ((struct foo*) 0)->a; exit(); }";
	o->ops->helper_error(o, "probe_read", -14, 1, 37, 58);
	got = cap_end(&c);
	check_str("text helper error", got,
		  "stdin:1:37-58: WARNING: Failed to probe_read: Bad address (-14)\n"
		  "struct foo {int a;}; BEGIN { $tmp = ((struct foo*) 0)->a; exit(); }\n"
		  "                                    ~~~~~~~~~~~~~~~~~~~~~\n");
	free(got);
}

/* Kernel maps ------------------------------------------------------------------- */

static int ncpus;

static int kmap_create(const struct map_decl *d)
{
	static const enum bpf_map_type types[] = {
		[MAP_HASH] = BPF_MAP_TYPE_HASH, [MAP_PERCPU_HASH] = BPF_MAP_TYPE_PERCPU_HASH,
		[MAP_PERCPU_ARRAY] = BPF_MAP_TYPE_PERCPU_ARRAY, [MAP_ARRAY] = BPF_MAP_TYPE_ARRAY,
	};

	return bpf_map_create(types[d->storage], NULL, d->key_size, d->value_size, d->max_entries,
			      NULL);
}

/* Stores per-CPU values: vals[cpu] points to value_size bytes (NULL: zero). */
static void kmap_put(const struct map_decl *d, int fd, const void *key, const void **vals)
{
	size_t stride = (d->value_size + 7) & ~7u;
	int n = (d->storage == MAP_PERCPU_HASH || d->storage == MAP_PERCPU_ARRAY) ? ncpus : 1;
	uint8_t *buf = calloc(n, stride);
	uint64_t zero_key = 0;

	for (int c = 0; c < n; c++)
		if (vals[c])
			memcpy(buf + c * stride, vals[c], d->value_size);
	if (bpf_map_update_elem(fd, key ? key : &zero_key, buf, BPF_ANY))
		fprintf(stderr, "update %s: %s\n", d->name, strerror(errno));
	free(buf);
}

static char *kmap_print(const struct map_decl *d, int fd, sink_new_fn sink, int64_t top,
			int64_t div)
{
	struct map_snapshot *m;
	struct capture c;
	struct output *o = cap_begin(&c, sink);
	int err = map_snapshot_read(d, fd, &m);

	if (err) {
		fprintf(stderr, "map_snapshot_read %s: %s\n", d->name, strerror(-err));
		failures++;
	} else {
		o->ops->map(o, m, top, div);
		map_snapshot_free(m);
	}
	return cap_end(&c);
}

/* bpftrace -e 'BEGIN { exit(); } interval:s:10 { @c = count(); @h = hist(1); @x = 5;
 *   @s = stats(1); @m = max(1); }' prints "\n\n@c: 0\n" and five blank lines. */
static void test_kernel_untouched(void)
{
	struct map_decl *ds[] = {
		decl_new("@c", NULL, type_simple(A, TY_COUNT)),
		decl_new("@h", NULL, type_simple(A, TY_HIST)),
		decl_new("@m", NULL, type_simple(A, TY_MAX)),
		decl_new("@s", NULL, type_simple(A, TY_STATS)),
		decl_new("@x", NULL, type_int(A, 8, true)),
	};
	struct capture c;
	struct output *o = cap_begin(&c, output_text_new);
	char *got;

	o->ops->exit_maps_begin(o);
	for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		struct map_snapshot *m;
		int fd = kmap_create(ds[i]);

		if (!map_snapshot_read(ds[i], fd, &m)) {
			o->ops->map(o, m, 0, 0);
			map_snapshot_free(m);
		}
		close(fd);
	}
	got = cap_end(&c);
	check_str("kernel untouched", got, "\n\n@c: 0\n\n\n\n\n\n");
	free(got);
}

/* bpftrace -e 'BEGIN { @a = sum(1); @b[1] = sum(1); zero(@a); zero(@b); exit(); }' -> "@a: 0\n"
 * "@b[1]: 0"; with clear() instead: "\n" each; hist zero "@a: \n\n"; count clear "@a: 0". */
static void test_kernel_zero_clear(void)
{
	struct map_decl *sa = decl_new("@a", NULL, agg(TY_SUM, true));
	struct map_decl *sb = decl_new("@b", type_int(A, 8, true), agg(TY_SUM, true));
	struct map_decl *ha = decl_new("@a", NULL, type_simple(A, TY_HIST));
	struct map_decl *ca = decl_new("@a", NULL, type_simple(A, TY_COUNT));
	struct map_decl *xa = decl_new("@a", NULL, type_simple(A, TY_MAX));
	int fa = kmap_create(sa), fb = kmap_create(sb), fh = kmap_create(ha), fc = kmap_create(ca);
	int fx = kmap_create(xa);
	uint64_t one = 1, key = 1, hist[HIST_NBUCKETS] = { 0 };
	struct agg_minmax mm = { 1, 1 };
	const void *v[64] = { &one };
	char *got;

	kmap_put(sa, fa, NULL, v);
	kmap_put(sb, fb, &key, v);
	check_int("zero a", map_zero(sa, fa), 0);
	check_int("zero b", map_zero(sb, fb), 0);
	got = kmap_print(sa, fa, output_text_new, 0, 0);
	check_str("sum zeroed keyless", got, "@a: 0\n");
	free(got);
	got = kmap_print(sb, fb, output_text_new, 0, 0);
	check_str("sum zeroed keyed", got, "@b[1]: 0\n");
	free(got);
	check_int("clear a", map_clear(sa, fa), 0);
	check_int("clear b", map_clear(sb, fb), 0);
	got = kmap_print(sa, fa, output_text_new, 0, 0);
	check_str("sum cleared keyless", got, "\n");
	free(got);
	got = kmap_print(sb, fb, output_text_new, 0, 0);
	check_str("sum cleared keyed", got, "\n");
	free(got);

	hist[3] = 1;
	v[0] = hist;
	kmap_put(ha, fh, NULL, v);
	map_zero(ha, fh);
	got = kmap_print(ha, fh, output_text_new, 0, 0);
	check_str("hist zeroed", got, "@a: \n\n");
	free(got);
	got = kmap_print(ha, fh, output_json_new, 0, 0);
	check_str("hist zeroed json", got, "{\"type\": \"hist\", \"data\": {\"@a\": []}}\n");
	free(got);

	v[0] = &one;
	kmap_put(ca, fc, NULL, v);
	map_clear(ca, fc);
	got = kmap_print(ca, fc, output_text_new, 0, 0);
	check_str("count cleared keyless", got, "@a: 0\n");
	free(got);

	v[0] = &mm;
	kmap_put(xa, fx, NULL, v);
	map_zero(xa, fx);
	got = kmap_print(xa, fx, output_text_new, 0, 0);
	check_str("max zeroed keyless", got, "@a: 0\n");
	free(got);
	close(fa);
	close(fb);
	close(fh);
	close(fc);
	close(fx);
}

/* Per-CPU values are combined: counts add up, min/max skip CPUs never written. */
static void test_kernel_percpu(void)
{
	struct map_decl *mn = decl_new("@mn", type_int(A, 8, true), type_simple(A, TY_MIN));
	struct map_decl *mx = decl_new("@mx", NULL, type_simple(A, TY_MAX));
	struct map_decl *ct = decl_new("@ct", type_int(A, 8, true), type_simple(A, TY_COUNT));
	struct map_decl *st = decl_new("@st", NULL, type_simple(A, TY_STATS));
	int fmn = kmap_create(mn), fmx = kmap_create(mx), fct = kmap_create(ct), fst = kmap_create(st);
	struct agg_minmax a = { 5, 1 }, b = { -3, 1 }, unset = { 0, 0 };
	struct agg_avg s0 = { 10, 2 }, s1 = { -4, 2 };
	uint64_t key = 1, c0 = 3, c1 = 4;
	const void *v[64] = { 0 };
	char *got;

	if (ncpus < 2) {
		fprintf(stderr, "skip per-CPU tests: one CPU\n");
		goto out;
	}
	v[0] = &unset;
	v[1] = &a;
	kmap_put(mn, fmn, &key, v);
	got = kmap_print(mn, fmn, output_text_new, 0, 0);
	check_str("min skips unset cpu", got, "@mn[1]: 5\n");
	free(got);
	v[0] = &b;
	kmap_put(mx, fmx, NULL, v);
	got = kmap_print(mx, fmx, output_text_new, 0, 0);
	check_str("max over cpus", got, "@mx: 5\n");
	free(got);
	v[0] = &c0;
	v[1] = &c1;
	kmap_put(ct, fct, &key, v);
	got = kmap_print(ct, fct, output_text_new, 0, 0);
	check_str("count over cpus", got, "@ct[1]: 7\n");
	free(got);
	v[0] = &s0;
	v[1] = &s1;
	kmap_put(st, fst, NULL, v);
	got = kmap_print(st, fst, output_text_new, 0, 0);
	check_str("stats over cpus", got, "@st: count 4, average 1, total 6\n\n");
	free(got);
out:
	close(fmn);
	close(fmx);
	close(fct);
	close(fst);
}

/* bpftrace -e 'BEGIN { @[1] = hist(1); @s[1] = avg(1 % 3); ... @[40] = hist(1); @s[40] = avg(40 % 3);
 *   @[7] = hist(5); @[300] = hist(5); @[300] = hist(5); exit(); }'
 * Equal totals keep the order libstdc++'s std::sort leaves them in (from key-byte order). */
static void test_kernel_sort(void)
{
	static const char *want_h =
		"31 22 23 24 25 26 27 28 29 30 2 32 33 34 35 36 37 38 39 40 20 1 3 4 5 6 8 9 "
		"10 11 12 13 14 15 16 17 18 19 21 7 300 ";
	static const char *want_s =
		"21 3 39 6 36 24 9 33 18 12 30 15 27 31 22 25 28 40 34 37 1 19 4 16 7 13 10 11 2 "
		"38 5 35 8 32 20 29 14 26 17 23 ";
	struct map_decl *h = decl_new("@", type_int(A, 8, true), type_simple(A, TY_HIST));
	struct map_decl *s = decl_new("@s", type_int(A, 8, true), type_simple(A, TY_AVG));
	struct map_decl *c = decl_new("@c", type_int(A, 8, true), type_simple(A, TY_COUNT));
	struct map_decl *v = decl_new("@v", tuple2(type_string(A, 4), type_int(A, 8, true)),
				      type_string(A, 4));
	int fh = kmap_create(h), fs = kmap_create(s), fc = kmap_create(c), fv = kmap_create(v);
	char got_h[1024] = "", got_s[1024] = "";
	struct map_snapshot *m;
	const void *vals[64] = { 0 };
	char *got;

	for (uint64_t k = 1; k <= 40; k++) {
		uint64_t hv[HIST_NBUCKETS] = { 0 };
		struct agg_avg av = { (int64_t)(k % 3), 1 };

		hv[2] = 1;
		if (k == 7)
			hv[4] = 1;
		vals[0] = hv;
		kmap_put(h, fh, &k, vals);
		vals[0] = &av;
		kmap_put(s, fs, &k, vals);
	}
	{
		uint64_t k = 300, hv[HIST_NBUCKETS] = { 0 };

		hv[4] = 2;
		vals[0] = hv;
		kmap_put(h, fh, &k, vals);
	}
	if (!map_snapshot_read(h, fh, &m)) {
		for (size_t i = 0; i < m->n; i++)
			sprintf(got_h + strlen(got_h), "%" PRId64 " ", *(int64_t *)m->entries[i].key);
		map_snapshot_free(m);
	}
	check_str("hist tie order", got_h, want_h);
	if (!map_snapshot_read(s, fs, &m)) {
		for (size_t i = 0; i < m->n; i++)
			sprintf(got_s + strlen(got_s), "%" PRId64 " ", *(int64_t *)m->entries[i].key);
		map_snapshot_free(m);
	}
	check_str("avg tie order", got_s, want_s);

	/* counts sort by value (ties: by key); non-aggregation values by key:
	 * bpftrace -e 'BEGIN { @v["b", 2] = "x"; @v["a", 9] = "y"; @v["a", -1] = "z"; exit(); }'
	 *   -> @v[a, 9]: y / @v[a, -1]: z / @v[b, 2]: x (ints compare unsigned) */
	for (uint64_t k = 1; k <= 5; k++) {
		uint64_t cnt = k == 3 ? 10 : 1;

		vals[0] = &cnt;
		kmap_put(c, fc, &k, vals);
	}
	got = kmap_print(c, fc, output_text_new, 0, 0);
	check_str("count order", got, "@c[1]: 1\n@c[2]: 1\n@c[4]: 1\n@c[5]: 1\n@c[3]: 10\n");
	free(got);
	{
		struct { char s[4]; int64_t n; char val[4]; } e[3] = {
			{ "b", 2, "x" }, { "a", 9, "y" }, { "a", -1, "z" },
		};

		for (int i = 0; i < 3; i++) {
			uint8_t key[16] = { 0 };

			memcpy(key + v->key->fields[0].offset, e[i].s, 4);
			memcpy(key + v->key->fields[1].offset, &e[i].n, 8);
			vals[0] = e[i].val;
			kmap_put(v, fv, key, vals);
		}
	}
	got = kmap_print(v, fv, output_text_new, 0, 0);
	check_str("key order", got, "@v[a, 9]: y\n@v[a, -1]: z\n@v[b, 2]: x\n");
	free(got);
	close(fh);
	close(fs);
	close(fc);
	close(fv);
}

/* Corpus json-output "multiple histograms" and "multiple linear histograms", read
 * back from kernel maps:
 * bpftrace -f json -e 'BEGIN { @["bpftrace"] = hist(2); @["curl"] = hist(-1); @["curl"] = hist(0);
 *   @["curl"] = hist(511); @["curl"] = hist(1024); @["curl"] = hist(1025); exit(); }'
 * bpftrace -f json -e 'BEGIN { @stats["bpftrace"] = lhist(2, 0, 100, 10);
 *   @stats["curl"] = lhist(50, 0, 100, 10); @stats["bpftrace"] = lhist(1000, 0, 100, 10); exit(); }' */
static void test_kernel_corpus_hists(void)
{
	struct map_decl *h = decl_new("@", type_string(A, 9), type_simple(A, TY_HIST));
	struct map_decl *l = decl_new("@stats", type_string(A, 9), type_lhist(A, 0, 100, 10));
	int fh = kmap_create(h), fl = kmap_create(l);
	uint64_t b1[HIST_NBUCKETS] = { 0 }, b2[HIST_NBUCKETS] = { 0 };
	uint64_t l1[12] = { 0 }, l2[12] = { 0 };
	char k1[9] = "bpftrace", k2[9] = "curl";
	const void *vals[64] = { 0 };
	char *got;

	b1[3] = 1;
	b2[0] = 1;
	b2[1] = 1;
	b2[10] = 1;
	b2[12] = 2;
	vals[0] = b1;
	kmap_put(h, fh, k1, vals);
	vals[0] = b2;
	kmap_put(h, fh, k2, vals);
	got = kmap_print(h, fh, output_json_new, 0, 0);
	check_str("corpus hist_multiple", got,
		"{\"type\": \"hist\", \"data\": {\"@\": {\"bpftrace\": [{\"min\": 2, \"max\": 3, \"count\": 1}], "
		"\"curl\": [{\"max\": -1, \"count\": 1}, {\"min\": 0, \"max\": 0, \"count\": 1}, "
		"{\"min\": 1, \"max\": 1, \"count\": 0}, {\"min\": 2, \"max\": 3, \"count\": 0}, "
		"{\"min\": 4, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 15, \"count\": 0}, "
		"{\"min\": 16, \"max\": 31, \"count\": 0}, {\"min\": 32, \"max\": 63, \"count\": 0}, "
		"{\"min\": 64, \"max\": 127, \"count\": 0}, {\"min\": 128, \"max\": 255, \"count\": 0}, "
		"{\"min\": 256, \"max\": 511, \"count\": 1}, {\"min\": 512, \"max\": 1023, \"count\": 0}, "
		"{\"min\": 1024, \"max\": 2047, \"count\": 2}]}}}\n");
	free(got);
	l1[1] = 1;
	l1[11] = 1;
	l2[6] = 1;
	vals[0] = l1;
	kmap_put(l, fl, k1, vals);
	vals[0] = l2;
	kmap_put(l, fl, k2, vals);
	got = kmap_print(l, fl, output_json_new, 0, 0);
	check_str("corpus lhist_multiple", got,
		"{\"type\": \"hist\", \"data\": {\"@stats\": {\"curl\": [{\"min\": 50, \"max\": 59, \"count\": 1}], "
		"\"bpftrace\": [{\"min\": 0, \"max\": 9, \"count\": 1}, {\"min\": 10, \"max\": 19, \"count\": 0}, "
		"{\"min\": 20, \"max\": 29, \"count\": 0}, {\"min\": 30, \"max\": 39, \"count\": 0}, "
		"{\"min\": 40, \"max\": 49, \"count\": 0}, {\"min\": 50, \"max\": 59, \"count\": 0}, "
		"{\"min\": 60, \"max\": 69, \"count\": 0}, {\"min\": 70, \"max\": 79, \"count\": 0}, "
		"{\"min\": 80, \"max\": 89, \"count\": 0}, {\"min\": 90, \"max\": 99, \"count\": 0}, "
		"{\"min\": 100, \"count\": 1}]}}}\n");
	free(got);
	close(fh);
	close(fl);
}

/* More entries than one batch holds, in a per-CPU and a plain hash map. */
static void test_kernel_many(void)
{
	struct map_decl *c = decl_new("@c", type_int(A, 8, true), type_simple(A, TY_COUNT));
	struct map_decl *v = decl_new("@v", type_int(A, 8, true), type_int(A, 8, true));
	int fc = kmap_create(c), fv = kmap_create(v);
	const void *vals[64] = { 0 };
	struct map_snapshot *m;
	bool sorted = true;

	for (uint64_t k = 0; k < 1000; k++) {
		uint64_t cnt = k % 7, neg = (uint64_t)-(int64_t)(k % 5);

		vals[0] = &cnt;
		vals[1] = &cnt;
		kmap_put(c, fc, &k, vals);
		vals[0] = &neg;
		kmap_put(v, fv, &k, vals);
	}
	if (!map_snapshot_read(c, fc, &m)) {
		check_int("many count entries", m->n, 1000);
		for (size_t i = 1; i < m->n; i++) {
			uint64_t a = *(uint64_t *)m->entries[i - 1].value;
			uint64_t b = *(uint64_t *)m->entries[i].value;
			uint64_t ka = *(uint64_t *)m->entries[i - 1].key;
			uint64_t kb = *(uint64_t *)m->entries[i].key;

			if (a > b || (a == b && ka > kb))
				sorted = false;
		}
		check_int("many count sorted", sorted, 1);
		check_int("many count combined", *(uint64_t *)m->entries[m->n - 1].value, 12);
		map_snapshot_free(m);
	}
	if (!map_snapshot_read(v, fv, &m)) {
		check_int("many int entries", m->n, 1000);
		check_int("many int signed first", *(int64_t *)m->entries[0].value, -4);
		check_int("many int signed last", *(int64_t *)m->entries[m->n - 1].value, 0);
		map_snapshot_free(m);
	}
	check_int("many clear", map_clear(c, fc), 0);
	if (!map_snapshot_read(c, fc, &m)) {
		check_int("many cleared", m->n, 0);
		map_snapshot_free(m);
	}
	close(fc);
	close(fv);
}

static void test_kernel(void)
{
	struct map_decl *probe_decl = decl_new("@probe", NULL, type_simple(A, TY_COUNT));
	int fd = kmap_create(probe_decl);

	if (fd < 0) {
		fprintf(stderr, "skip kernel map tests: bpf_map_create: %s\n", strerror(errno));
		return;
	}
	close(fd);
	ncpus = libbpf_num_possible_cpus();
	test_kernel_untouched();
	test_kernel_zero_clear();
	test_kernel_percpu();
	test_kernel_sort();
	test_kernel_many();
	test_kernel_corpus_hists();
}

int main(void)
{
	struct session_config cfg = { .strlen = 64, .map_keys_max = 4096 };

	sess = session_new(&cfg, NULL);
	if (!sess)
		return 2;
	test_hist();
	test_lhist();
	test_hist_keyed();
	test_scalar_maps();
	test_stats();
	test_values();
	test_printf();
	test_fn_values();
	test_messages();
	test_kernel();
	session_free(sess);
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
