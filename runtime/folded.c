/* folded: stack tables and folded-stack export for maps holding stacks.
 * Every entry's stacks are resolved through the output's symbolizer (which
 * keeps exited processes' mappings), so an export after the traced programs
 * ended still names their frames. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "folded.h"
#include "output_priv.h"

#define STACK_DEPTH_DEFAULT 127

static bool is_stack(const struct type *t)
{
	return t && (t->kind == TY_KSTACK || t->kind == TY_USTACK);
}

bool folded_map_has_stacks(const struct map_decl *d)
{
	if (!d)
		return false;
	if (is_stack(d->value) || is_stack(d->key))
		return true;
	if (d->key && d->key->kind == TY_TUPLE)
		for (unsigned i = 0; i < d->key->nfields; i++)
			if (is_stack(d->key->fields[i].type))
				return true;
	return false;
}

static uint64_t entry_count(const struct type *t, const void *v)
{
	const struct agg_avg *avg = v;

	if (!t || !v)
		return 1;
	switch (t->kind) {
	case TY_COUNT:
		return agg_count(v);
	case TY_SUM:
	case TY_INT: {
		int64_t x = value_int(t, v);

		return x > 0 ? (uint64_t)x : 0;
	}
	case TY_AVG:
	case TY_STATS:
		return avg->count;
	case TY_HIST:
	case TY_LHIST:
		return agg_hist_total(t, v);
	default:
		return 1;
	}
}

struct part {
	const struct type *t;
	const uint8_t *p;
};

/* The key's parts in order, then the value if it is a stack. */
static int entry_parts(const struct map_decl *d, const struct map_entry *e, struct part *v, int max)
{
	int n = 0;

	if (d->key && e->key) {
		if (d->key->kind == TY_TUPLE) {
			for (unsigned i = 0; i < d->key->nfields && n < max; i++)
				v[n++] = (struct part){ d->key->fields[i].type,
							(const uint8_t *)e->key + d->key->fields[i].offset };
		} else {
			v[n++] = (struct part){ d->key, e->key };
		}
	}
	if (is_stack(d->value) && n < max)
		v[n++] = (struct part){ d->value, e->value };
	return n;
}

static int row_frames(struct output *o, const struct part *pt, struct stack_row *row)
{
	unsigned depth = pt->t->stack_depth ? pt->t->stack_depth : STACK_DEPTH_DEFAULT;
	struct sym_frame *f;
	int n;

	f = realloc(row->frames, (row->nframes + depth) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	row->frames = f;
	n = symbols_stack_frames(o ? o->syms : NULL, pt->t, pt->p, f + row->nframes, depth);
	if (n < 0)
		return 0;       /* no stack of this kind here (a kernel stack in user code) */
	if (pt->t->kind == TY_USTACK && !row->pid)
		memcpy(&row->pid, pt->p + 8, sizeof(row->pid));
	row->nframes += n;
	return 0;
}

static int row_build(struct output *o, const struct map_snapshot *m, const struct map_entry *e,
		     struct stack_row *row)
{
	struct part parts[32];
	struct sbuf sb;
	int n, err = 0;

	memset(row, 0, sizeof(*row));
	row->count = is_stack(m->decl->value) ? 1 : entry_count(m->decl->value, e->value);
	n = entry_parts(m->decl, e, parts, 32);
	row->parts = calloc(n ? n : 1, sizeof(*row->parts));
	if (!row->parts)
		return -ENOMEM;
	sbuf_init(&sb);
	for (int i = 0; i < n; i++) {
		struct sbuf one;

		if (is_stack(parts[i].t))
			continue;
		sbuf_init(&one);
		key_arg_render(o, parts[i].t, parts[i].p, &one);
		row->parts[row->nparts++] = strdup(one.buf ? one.buf : "");
		if (sb.len)
			sbuf_puts(&sb, ", ");
		sbuf_puts(&sb, one.buf ? one.buf : "");
		sbuf_free(&one);
	}
	row->label = strdup(sb.buf ? sb.buf : "");
	sbuf_free(&sb);
	if (!row->label)
		return -ENOMEM;
	/* user frames first, then kernel ones: the kernel ran on top of user code */
	for (int pass = 0; pass < 2 && !err; pass++) {
		for (int i = 0; i < n && !err; i++) {
			if (parts[i].t->kind != (pass ? TY_KSTACK : TY_USTACK))
				continue;
			err = row_frames(o, &parts[i], row);
		}
		if (!pass)
			row->nuser = row->nframes;
	}
	return err;
}

static int row_cmp(const void *a, const void *b)
{
	const struct stack_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->label, y->label);
}

int stack_table_build(struct output *o, const struct map_snapshot *m, struct stack_table *out)
{
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!m || !folded_map_has_stacks(m->decl))
		return -EINVAL;
	out->rows = calloc(m->n ? m->n : 1, sizeof(*out->rows));
	if (!out->rows)
		return -ENOMEM;
	for (size_t i = 0; i < m->n && !err; i++) {
		err = row_build(o, m, &m->entries[i], &out->rows[out->n]);
		out->total += out->rows[out->n].count;
		out->n++;
	}
	if (err) {
		stack_table_free(out);
		return err;
	}
	qsort(out->rows, out->n, sizeof(*out->rows), row_cmp);
	return 0;
}

void stack_table_free(struct stack_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (int k = 0; k < t->rows[i].nparts; k++)
			free(t->rows[i].parts[k]);
		free(t->rows[i].parts);
		free(t->rows[i].label);
		free(t->rows[i].frames);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

static void put_frame(struct sbuf *sb, const char *s)
{
	for (; *s; s++)
		sbuf_putc(sb, *s == ';' ? ':' : *s == '\n' ? ' ' : *s);
}

struct fline {
	char *text;
	uint64_t count;
};

static int fline_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fline *)a)->text, ((const struct fline *)b)->text);
}

int folded_write(FILE *f, struct output *o, const struct map_snapshot *m)
{
	struct stack_table t;
	struct fline *lines;
	size_t n = 0, out = 0;
	int err;

	err = stack_table_build(o, m, &t);
	if (err)
		return err;
	lines = calloc(t.n ? t.n : 1, sizeof(*lines));
	if (!lines) {
		stack_table_free(&t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct stack_row *r = &t.rows[i];
		struct sbuf sb;
		bool first = true;
		char hex[32];

		if (!r->count)
			continue;
		sbuf_init(&sb);
		/* the other key parts are root frames: "bash;main;..." */
		for (int k = 0; k < r->nparts; k++) {
			if (!first)
				sbuf_putc(&sb, ';');
			first = false;
			put_frame(&sb, r->parts[k]);
		}
		/* user frames outermost first, then kernel frames outermost first */
		for (int seg = 0; seg < 2; seg++) {
			int lo = seg ? r->nuser : 0, hi = seg ? r->nframes : r->nuser;

			for (int k = hi - 1; k >= lo; k--) {
				if (!first)
					sbuf_putc(&sb, ';');
				first = false;
				if (r->frames[k].name) {
					put_frame(&sb, r->frames[k].name);
				} else {
					snprintf(hex, sizeof(hex), "0x%" PRIx64, r->frames[k].addr);
					sbuf_puts(&sb, hex);
				}
			}
		}
		if (first)
			sbuf_puts(&sb, "[no stack]");
		lines[n].text = sb.buf ? sb.buf : strdup("");
		lines[n++].count = r->count;
	}
	qsort(lines, n, sizeof(*lines), fline_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(lines[i].text, lines[i - 1].text)) {
			lines[i].count += lines[i - 1].count;
			lines[i - 1].count = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (lines[i].count && lines[i].text) {
			fprintf(f, "%s %" PRIu64 "\n", lines[i].text, lines[i].count);
			out++;
		}
		free(lines[i].text);
	}
	free(lines);
	stack_table_free(&t);
	return ferror(f) ? -EIO : (int)out;
}
