/* output: helpers every sink shares, and the histogram renderings.
 * Histogram bodies, JSON escaping and aggregation decoding live here so the
 * text and JSON sinks (and the TUI pane) print exactly the same numbers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output_priv.h"

void sbuf_init(struct sbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void sbuf_free(struct sbuf *sb)
{
	free(sb->buf);
	sbuf_init(sb);
}

void sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	sb->oom = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static bool sbuf_grow(struct sbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1, cap;
	char *p;

	if (sb->oom)
		return false;
	if (want <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < want)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void sbuf_put(struct sbuf *sb, const void *p, size_t n)
{
	if (!sbuf_grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sbuf_puts(struct sbuf *sb, const char *s)
{
	sbuf_put(sb, s, strlen(s));
}

void sbuf_putc(struct sbuf *sb, char c)
{
	sbuf_put(sb, &c, 1);
}

void sbuf_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || !sbuf_grow(sb, n))
		return;
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	sb->len += n;
}

void sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

int sbuf_export(const struct sbuf *sb, char *buf, size_t len)
{
	size_t n = sb->len;

	if (len) {
		if (n > len - 1)
			n = len - 1;
		if (n)
			memcpy(buf, sb->buf, n);
		buf[n] = '\0';
	}
	if (sb->oom)
		return -ENOMEM;
	return sb->len > INT32_MAX ? INT32_MAX : (int)sb->len;
}

/* bpftrace tests `c <= '\x1f'` on a signed char, so bytes >= 0x80 come out as
 * "\uffffffXX"; the JSON is then wrong, but it is what bpftrace 0.17 prints. */
void json_escape(struct sbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		signed char c = (signed char)s[i];

		switch (c) {
		case '"':
			sbuf_puts(sb, "\\\"");
			break;
		case '\\':
			sbuf_puts(sb, "\\\\");
			break;
		case '\n':
			sbuf_puts(sb, "\\n");
			break;
		case '\r':
			sbuf_puts(sb, "\\r");
			break;
		case '\t':
			sbuf_puts(sb, "\\t");
			break;
		default:
			if (c <= 0x1f)
				sbuf_printf(sb, "\\u%04x", (unsigned)(int)c);
			else
				sbuf_putc(sb, c);
		}
	}
}

int64_t value_int(const struct type *t, const void *p)
{
	const uint8_t *b = p;

	switch (t->size) {
	case 1:
		return t->is_signed ? (int64_t)*(const int8_t *)b : (int64_t)*b;
	case 2: {
		uint16_t v;

		memcpy(&v, b, 2);
		return t->is_signed ? (int64_t)(int16_t)v : (int64_t)v;
	}
	case 4: {
		uint32_t v;

		memcpy(&v, b, 4);
		return t->is_signed ? (int64_t)(int32_t)v : (int64_t)v;
	}
	default: {
		int64_t v;

		memcpy(&v, b, 8);
		return v;
	}
	}
}

uint64_t agg_count(const void *v)
{
	uint64_t x;

	memcpy(&x, v, sizeof(x));
	return x;
}

int64_t agg_minmax_value(const void *v)
{
	struct agg_minmax m;

	memcpy(&m, v, sizeof(m));
	return m.value;
}

int64_t agg_avg_value(const void *v)
{
	struct agg_avg a;

	memcpy(&a, v, sizeof(a));
	if (!a.count)
		return 0;
	return a.total / (int64_t)a.count;
}

unsigned agg_nbuckets(const struct type *t)
{
	if (t->kind == TY_HIST)
		return HIST_NBUCKETS;
	if (t->kind == TY_LHIST && t->lh_step > 0)
		return lhist_nbuckets(t->lh_min, t->lh_max, t->lh_step);
	return t->size / 8;
}

uint64_t agg_hist_total(const struct type *t, const void *v)
{
	unsigned n = agg_nbuckets(t);
	uint64_t sum = 0, x;

	for (unsigned i = 0; i < n; i++) {
		memcpy(&x, (const uint8_t *)v + i * 8, 8);
		sum += x;
	}
	return sum;
}

static uint64_t bucket(const void *v, unsigned i)
{
	uint64_t x;

	memcpy(&x, (const uint8_t *)v + (size_t)i * 8, 8);
	return x;
}

/* Output::hist_prepare: counts go through `int`, as in bpftrace. */
static void hist_prepare(const void *v, unsigned n, int *min_index, int *max_index,
			 int *max_value)
{
	*min_index = -1;
	*max_index = -1;
	*max_value = 0;
	for (unsigned i = 0; i < n; i++) {
		int x = (int)bucket(v, i);

		if (x > 0) {
			if (*min_index == -1)
				*min_index = i;
			*max_index = i;
		}
		if (x > *max_value)
			*max_value = x;
	}
}

/* Output::lhist_prepare: nonzero test through `int`, edge trim on the u64 counts. */
static void lhist_prepare(const void *v, unsigned n, int buckets, int *max_index,
			  int *max_value, int *start, int *end)
{
	*max_index = -1;
	*max_value = 0;
	for (unsigned i = 0; i < n; i++) {
		int x = (int)bucket(v, i);

		if (x != 0)
			*max_index = i;
		if (x > *max_value)
			*max_value = x;
	}
	if (*max_index == -1)
		return;
	*start = -1;
	*end = 0;
	for (int i = 0; i <= buckets + 1 && (unsigned)i < n; i++) {
		if (bucket(v, i) > 0) {
			if (*start == -1)
				*start = i;
			*end = i;
		}
	}
	if (*start == -1)
		*start = 0;
}

static void hist_index_label(struct sbuf *sb, int power)
{
	char suffix = '\0';

	if (power >= 40) {
		suffix = 'T';
		power -= 40;
	} else if (power >= 30) {
		suffix = 'G';
		power -= 30;
	} else if (power >= 20) {
		suffix = 'M';
		power -= 20;
	} else if (power >= 10) {
		suffix = 'K';
		power -= 10;
	}
	sbuf_printf(sb, "%lld", 1LL << power);
	if (suffix)
		sbuf_putc(sb, suffix);
}

static void lhist_index_label(struct sbuf *sb, int64_t number)
{
	const int64_t kilo = 1024, mega = 1048576;

	if (number == 0)
		sbuf_puts(sb, "0");
	else if (number % mega == 0)
		sbuf_printf(sb, "%" PRId64 "M", number / mega);
	else if (number % kilo == 0)
		sbuf_printf(sb, "%" PRId64 "K", number / kilo);
	else
		sbuf_printf(sb, "%" PRId64, number);
}

/* One "[lo, hi)   count |@@@   |" line; the bar is computed in float as bpftrace does. */
static void hist_line(struct sbuf *sb, const struct sbuf *header, uint64_t count,
		      uint64_t raw, int max_value)
{
	const int max_width = 52;
	float w = (float)raw / (float)max_value * (float)max_width;
	/* only counts past INT_MAX (truncated like bpftrace's int) get a longer bar */
	int bar_width = w > 1024.0f ? 1024 : (int)w;
	char bar[1025];

	if (bar_width < 0)
		bar_width = 0;
	memset(bar, '@', bar_width);
	bar[bar_width] = '\0';
	sbuf_printf(sb, "%-16s%8" PRIu64 " |%-52s|\n", header->buf ? header->buf : "", count, bar);
}

void hist_render_text(const struct type *t, const void *v, uint64_t div, struct sbuf *sb)
{
	unsigned n = agg_nbuckets(t);
	struct sbuf h;

	sbuf_init(&h);
	if (!div)
		div = 1;
	if (t->kind == TY_HIST) {
		int min_index, max_index, max_value;

		hist_prepare(v, n, &min_index, &max_index, &max_value);
		if (max_index == -1)
			goto out;
		for (int i = min_index; i <= max_index; i++) {
			sbuf_reset(&h);
			if (i == 0) {
				sbuf_puts(&h, "(..., 0)");
			} else if (i == 1) {
				sbuf_puts(&h, "[0]");
			} else if (i == 2) {
				sbuf_puts(&h, "[1]");
			} else {
				sbuf_putc(&h, '[');
				hist_index_label(&h, i - 2);
				sbuf_puts(&h, ", ");
				hist_index_label(&h, i - 2 + 1);
				sbuf_putc(&h, ')');
			}
			hist_line(sb, &h, bucket(v, i) / div, bucket(v, i), max_value);
		}
	} else {
		int64_t min = t->lh_min, max = t->lh_max, step = t->lh_step ? t->lh_step : 1;
		int buckets = (int)((max - min) / step);
		int max_index, max_value, start = 0, end = 0;

		lhist_prepare(v, n, buckets, &max_index, &max_value, &start, &end);
		if (max_index == -1)
			goto out;
		for (int i = start; i <= end; i++) {
			sbuf_reset(&h);
			if (i == 0) {
				sbuf_puts(&h, "(..., ");
				lhist_index_label(&h, min);
				sbuf_putc(&h, ')');
			} else if (i == buckets + 1) {
				sbuf_putc(&h, '[');
				lhist_index_label(&h, max);
				sbuf_puts(&h, ", ...)");
			} else {
				sbuf_putc(&h, '[');
				lhist_index_label(&h, (i - 1) * step + min);
				sbuf_puts(&h, ", ");
				lhist_index_label(&h, i * step + min);
				sbuf_putc(&h, ')');
			}
			/* lhist ignores print()'s div in bpftrace 0.17 */
			hist_line(sb, &h, bucket(v, i), bucket(v, i), max_value);
		}
	}
out:
	sbuf_free(&h);
}

void hist_render_json(const struct type *t, const void *v, uint64_t div, struct sbuf *sb)
{
	unsigned n = agg_nbuckets(t);

	if (!div)
		div = 1;
	if (t->kind == TY_HIST) {
		int min_index, max_index, max_value;

		hist_prepare(v, n, &min_index, &max_index, &max_value);
		if (max_index == -1) {
			sbuf_puts(sb, "[]");
			return;
		}
		sbuf_putc(sb, '[');
		for (int i = min_index; i <= max_index; i++) {
			if (i > min_index)
				sbuf_puts(sb, ", ");
			sbuf_putc(sb, '{');
			if (i == 0) {
				sbuf_puts(sb, "\"max\": -1, ");
			} else if (i == 1) {
				sbuf_puts(sb, "\"min\": 0, \"max\": 0, ");
			} else if (i == 2) {
				sbuf_puts(sb, "\"min\": 1, \"max\": 1, ");
			} else {
				long low = (long)(1ULL << (i - 2));
				/* 1ULL << 64 is a shift by 0 on x86, which bpftrace relies on */
				long high = (long)((1ULL << ((i - 2 + 1) & 63)) - 1);

				sbuf_printf(sb, "\"min\": %ld, \"max\": %ld, ", low, high);
			}
			sbuf_printf(sb, "\"count\": %" PRIu64 "}", bucket(v, i) / div);
		}
		sbuf_putc(sb, ']');
	} else {
		int64_t min = t->lh_min, max = t->lh_max, step = t->lh_step ? t->lh_step : 1;
		int buckets = (int)((max - min) / step);
		int max_index, max_value, start = 0, end = 0;

		lhist_prepare(v, n, buckets, &max_index, &max_value, &start, &end);
		if (max_index == -1) {
			sbuf_puts(sb, "[]");
			return;
		}
		sbuf_putc(sb, '[');
		for (int i = start; i <= end; i++) {
			if (i > start)
				sbuf_puts(sb, ", ");
			sbuf_putc(sb, '{');
			if (i == 0)
				sbuf_printf(sb, "\"max\": %" PRId64 ", ", min - 1);
			else if (i == buckets + 1)
				sbuf_printf(sb, "\"min\": %" PRId64 ", ", max);
			else
				sbuf_printf(sb, "\"min\": %" PRId64 ", \"max\": %" PRId64 ", ",
					    (i - 1) * step + min, i * step + min - 1);
			sbuf_printf(sb, "\"count\": %" PRIu64 "}", bucket(v, i));
		}
		sbuf_putc(sb, ']');
	}
}

/* Larger bursts are written as they fill up, so memory stays bounded. */
#define HELD_MAX (64u * 1024)

void output_hold(struct output *o, const char *s, size_t len)
{
	if (o->held_len + len > o->held_cap) {
		size_t cap = o->held_cap ? o->held_cap : 4096;
		char *p;

		while (cap < o->held_len + len)
			cap *= 2;
		p = realloc(o->held, cap);
		if (!p) {
			output_release(o);
			fwrite(s, 1, len, o->out);
			return;
		}
		o->held = p;
		o->held_cap = cap;
	}
	memcpy(o->held + o->held_len, s, len);
	o->held_len += len;
	if (o->held_len >= HELD_MAX)
		output_release(o);
}

void output_release(struct output *o)
{
	if (o->held_len)
		fwrite(o->held, 1, o->held_len, o->out);
	o->held_len = 0;
}

void output_write(struct output *o, const struct sbuf *sb)
{
	output_release(o);
	if (sb->len)
		fwrite(sb->buf, 1, sb->len, o->out);
}

void output_line_done(struct output *o)
{
	output_release(o);
	fflush(o->out);
}
