/* mapval: decoding map keys and values for the panes (see mapval.h).
 * Aggregation layouts are those of lang/types.h, already summed over CPUs by
 * map_snapshot_read; text comes from the runtime's own formatter. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mapval.h"

static int64_t rd64(const void *p)
{
	int64_t v;

	memcpy(&v, p, 8);
	return v;
}

static int64_t int_of(const struct type *t, const void *p)
{
	switch (t->size) {
	case 1: return t->is_signed ? *(const int8_t *)p : *(const uint8_t *)p;
	case 2: { int16_t v; memcpy(&v, p, 2); return t->is_signed ? v : (uint16_t)v; }
	case 4: { int32_t v; memcpy(&v, p, 4); return t->is_signed ? v : (uint32_t)v; }
	default: return rd64(p);
	}
}

bool mv_is_numeric(const struct type *t)
{
	switch (t->kind) {
	case TY_INT: case TY_COUNT: case TY_SUM: case TY_MIN: case TY_MAX: case TY_AVG:
	case TY_STATS:
		return true;
	default:
		return false;
	}
}

bool mv_num(const struct type *t, const void *v, enum mv_field f, double *out)
{
	int64_t total, count;

	switch (t->kind) {
	case TY_INT:
		*out = t->is_signed || t->size < 8 ? (double)int_of(t, v) : (double)(uint64_t)rd64(v);
		return f == MV_VALUE;
	case TY_COUNT:
		*out = (double)(uint64_t)rd64(v);
		return f == MV_VALUE || f == MV_COUNT;
	case TY_SUM:
		*out = t->is_signed ? (double)rd64(v) : (double)(uint64_t)rd64(v);
		return f == MV_VALUE || f == MV_TOTAL;
	case TY_MIN: case TY_MAX:
		*out = (double)rd64(v);
		return f == MV_VALUE;
	case TY_AVG: case TY_STATS:
		total = rd64(v);
		count = rd64((const char *)v + 8);
		switch (f) {
		case MV_COUNT: *out = (double)(uint64_t)count; return true;
		case MV_TOTAL: *out = (double)total; return true;
		case MV_VALUE:
		case MV_AVG:
			/* bpftrace prints the integer average */
			*out = count ? (double)(total / count) : 0;
			return true;
		}
		return false;
	default:
		return false;
	}
}

void mv_value_text(struct output *o, const struct type *t, const void *v, char *buf, size_t len)
{
	if (format_value(o, t, v, buf, len) < 0)
		snprintf(buf, len, "?");
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
}

void mv_key_text(struct output *o, const struct map_decl *d, const void *key, char *buf,
		 size_t len)
{
	const struct type *t = d->key;
	size_t off = 0;

	buf[0] = 0;
	if (!t || !key)
		return;
	if (t->kind != TY_TUPLE) {
		mv_value_text(o, t, key, buf, len);
		return;
	}
	for (unsigned i = 0; i < t->nfields && off + 4 < len; i++) {
		if (i)
			off += snprintf(buf + off, len - off, ", ");
		if (off < len)
			mv_value_text(o, t->fields[i].type, (const char *)key + t->fields[i].offset,
				      buf + off, len - off);
		off += strlen(buf + off);
	}
}

unsigned mv_hist_nbuckets(const struct type *t)
{
	if (t->kind == TY_HIST)
		return HIST_NBUCKETS;
	if (t->kind == TY_LHIST)
		return lhist_nbuckets(t->lh_min, t->lh_max, t->lh_step);
	return 0;
}

static void pow2_label(char *buf, size_t len, uint64_t v)
{
	static const char suf[] = " KMGTPE";
	int k = 0;

	while (v >= 1024 && v % 1024 == 0 && k < 6) {
		v /= 1024;
		k++;
	}
	if (k)
		snprintf(buf, len, "%llu%c", (unsigned long long)v, suf[k]);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

void mv_hist_label(const struct type *t, unsigned i, char *buf, size_t len)
{
	char a[32], b[32];

	if (t->kind == TY_HIST) {
		if (i == 0)
			snprintf(buf, len, "(..., 0)");
		else if (i == 1)
			snprintf(buf, len, "[0]");
		else if (i == 2)
			snprintf(buf, len, "[1]");
		else if (i >= HIST_NBUCKETS - 1) {
			pow2_label(a, sizeof(a), 1ull << 63);
			snprintf(buf, len, "[%s, ...)", a);
		} else {
			pow2_label(a, sizeof(a), 1ull << (i - 2));
			pow2_label(b, sizeof(b), 1ull << (i - 1));
			snprintf(buf, len, "[%s, %s)", a, b);
		}
		return;
	}
	if (i == 0)
		snprintf(buf, len, "(..., %lld)", (long long)t->lh_min);
	else if (i >= mv_hist_nbuckets(t) - 1)
		snprintf(buf, len, "[%lld, ...)", (long long)t->lh_max);
	else
		snprintf(buf, len, "[%lld, %lld)", (long long)(t->lh_min + (i - 1) * t->lh_step),
			 (long long)(t->lh_min + i * t->lh_step));
}

double mv_hist_value(const struct type *t, unsigned i, double frac)
{
	double lo, hi;

	if (t->kind == TY_HIST) {
		if (i == 0)
			return -1;
		if (i <= 2)
			return i - 1;
		lo = (double)(1ull << (i - 2));
		hi = i >= HIST_NBUCKETS - 1 ? lo : lo * 2;
	} else {
		if (i == 0)
			return (double)t->lh_min;
		if (i >= mv_hist_nbuckets(t) - 1)
			return (double)t->lh_max;
		lo = (double)(t->lh_min + (int64_t)(i - 1) * t->lh_step);
		hi = lo + t->lh_step;
	}
	return lo + (hi - lo) * frac;
}

/* ------------------------------------------------------------ drill-down */

/* The source text a location spans (inclusive columns). */
static char *slice(const char *src, const struct loc *l)
{
	const char *p = src, *start, *end;
	int line = 1;

	if (!src)
		return NULL;
	while (line < l->first_line && (p = strchr(p, '\n')))
		p++, line++;
	if (!p)
		return NULL;
	start = p + l->first_col - 1;
	end = p;
	while (line < l->last_line && (end = strchr(end, '\n')))
		end++, line++;
	if (!end)
		return NULL;
	end += l->last_col;
	if (end < start)
		return NULL;
	return strndup(start, end - start);
}

static const struct node *find_key(const struct node *n, const char *name)
{
	const struct node *r;

	if (!n)
		return NULL;
	if (n->kind == N_MAP && n->name && !strcmp(n->name, name) && n->a)
		return n->a;
	if ((r = find_key(n->a, name)) || (r = find_key(n->b, name)) || (r = find_key(n->c, name)) ||
	    (r = find_key(n->body, name)) || (r = find_key(n->else_body, name)))
		return r;
	for (int i = 0; i < n->args.n; i++)
		if ((r = find_key(n->args.v[i], name)))
			return r;
	for (int i = 0; i < n->stmts.n; i++)
		if ((r = find_key(n->stmts.v[i], name)))
			return r;
	return NULL;
}

/* "expr == value" for one key component; false if its type has no literal. */
static bool term(FILE *f, const char *expr, const struct type *t, const void *p)
{
	if (t->kind == TY_INT) {
		int64_t v = int_of(t, p);

		if (t->is_signed || t->size < 8)
			fprintf(f, "%s == %lld", expr, (long long)v);
		else
			fprintf(f, "%s == %llu", expr, (unsigned long long)v);
		return true;
	}
	if (t->kind == TY_STRING) {
		const char *s = p;
		size_t n = strnlen(s, t->size);

		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return false;
		fprintf(f, "%s == \"", expr);
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				fputc('\\', f);
			fputc(s[i], f);
		}
		fputc('"', f);
		return true;
	}
	return false;
}

char *mv_drill_clause(struct workbench *wb, const char *name, const void *key, int *cursor,
		      const char **why)
{
	struct wb_clause *c = wb_map_writer(wb, name);
	struct wb_map *m = wb_map_find(wb, name);
	const struct node *kn;
	const struct type *kt;
	char *out = NULL, *pred = NULL, *old = NULL;
	size_t olen = 0, plen = 0;
	FILE *f, *pf;
	int nterms = 0;

	*why = NULL;
	if (!c || !c->probe || !c->src || !m || !m->decl->key) {
		*why = "no clause of this workbench writes this map";
		return NULL;
	}
	kn = find_key(c->probe, name);
	kt = m->decl->key;
	if (!kn) {
		*why = "the key expression was not found";
		return NULL;
	}
	pf = open_memstream(&pred, &plen);
	if (kt->kind == TY_TUPLE && kn->kind == N_TUPLE && kn->args.n == (int)kt->nfields) {
		for (unsigned i = 0; i < kt->nfields; i++) {
			char *e = slice(c->src, &kn->args.v[i]->loc), *t = NULL;
			size_t tl = 0;
			FILE *tf = open_memstream(&t, &tl);
			bool ok = e && term(tf, e, kt->fields[i].type,
					    (const char *)key + kt->fields[i].offset);

			fclose(tf);
			if (ok)
				fprintf(pf, "%s%s", nterms++ ? " && " : "", t);
			free(t);
			free(e);
		}
	} else if (kt->kind != TY_TUPLE) {
		char *e = slice(c->src, &kn->loc);

		if (e && term(pf, e, kt, key))
			nterms++;
		free(e);
	}
	fclose(pf);
	if (!nterms) {
		free(pred);
		*why = "the key has no literal form (only integer and string keys drill down)";
		return NULL;
	}
	f = open_memstream(&out, &olen);
	for (int i = 0; i < c->probe->aps.n; i++)
		fprintf(f, "%s%s", i ? "," : "", c->probe->aps.v[i]->text);
	if (c->probe->a)
		old = slice(c->src, &c->probe->a->loc);
	if (old)
		fprintf(f, " /(%s) && %s/ { ", old, pred);
	else
		fprintf(f, " /%s/ { ", pred);
	fflush(f);
	*cursor = (int)olen;
	fprintf(f, " }");
	fclose(f);
	free(old);
	free(pred);
	return out;
}
