/* wb: the workbench's clauses on one long-lived session and runtime.
 * A submission is compiled whole before anything is loaded, and loaded and
 * attached whole or not at all, so an error never leaves half a change. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "runtime/symbols.h"
#include "runtime/tracefs.h"
#include "poller.h"
#include "sink.h"
#include "wb.h"

double wb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double wb_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void wb_msg(struct workbench *wb, enum ol_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	outlog_vprintf(wb->log, kind, fmt, ap);
	va_end(ap);
}

/* The stack-trace map a kstack/ustack value's id refers to. */
static int wb_stack_fd(void *ctx, const struct type *t)
{
	struct workbench *wb = ctx;
	struct map_decl *m;
	char name[32];

	snprintf(name, sizeof(name), "__stack_%u", t->stack_depth);
	m = session_map_find(wb->s, name);
	return m ? rt_map_fd(wb->rt, m->id) : -ENOENT;
}

struct workbench *wb_new(const struct session_config *cfg, struct outlog *log, bool batch)
{
	struct workbench *wb = calloc(1, sizeof(*wb));
	struct timespec ts;

	if (!wb)
		return NULL;
	wb->cfg = *cfg;
	wb->log = log;
	wb->batch = batch;
	wb->next_id = 1;
	wb->interval_ms = 1000;
	wb->stats_fd = -1;
	tracefs_root();
	wb->s = session_new(cfg, &tracefs_kinfo);
	if (!wb->s)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	wb->s->start_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	wb->o = sink_new(wb->s, log, &wb->lost);
	if (!wb->o)
		goto fail;
	wb->rt = rt_new(wb->s, wb->o, &(struct rt_opts){ .quiet_attach = true });
	if (!wb->rt)
		goto fail;
	wb->o->syms = symbolizer_new(wb_stack_fd, wb);
	wb->o->src_name = "prompt";
	if (rt_signals_catch(wb->rt)) {
		fprintf(stderr, "ERROR: %s\n", rt_strerror(wb->rt));
		goto fail;
	}
	return wb;
fail:
	if (!wb->rt)
		fprintf(stderr, "ERROR: cannot start the runtime\n");
	wb_free(wb);
	return NULL;
}

static void wb_map_free(struct wb_map *m)
{
	if (!m)
		return;
	map_snapshot_free(m->cur);
	map_snapshot_free(m->delta);
	free(m->ring);
	free(m);
}

static void wb_clause_free(struct workbench *wb, struct wb_clause *c)
{
	if (!c)
		return;
	if (c->rc)
		rt_clause_free(wb->rt, c->rc);
	clause_obj_free(c->obj);
	for (int i = 0; i < c->nmaps; i++)
		free(c->maps[i]);
	free(c->maps);
	free(c->text);
	free(c->error);
	free(c);
}

void wb_free(struct workbench *wb)
{
	if (!wb)
		return;
	if (wb->stats_fd >= 0)
		close(wb->stats_fd);
	/* the poller reads map fds: it stops before they close */
	poller_free(wb->poller);
	/* rt_free detaches everything in one batch; clause objects outlive it */
	for (int i = 0; i < wb->ncl; i++)
		wb->cl[i]->rc = NULL;
	rt_free(wb->rt);
	for (int i = 0; i < wb->ncl; i++)
		wb_clause_free(wb, wb->cl[i]);
	free(wb->cl);
	for (int i = 0; i < wb->nmaps; i++)
		wb_map_free(wb->maps[i]);
	free(wb->maps);
	if (wb->o) {
		symbolizer_free(wb->o->syms);
		wb->o->ops->destroy(wb->o);
	}
	session_free(wb->s);
	for (int i = 0; i < wb->nprogs; i++) {
		program_free(wb->progs[i]);
		free(wb->srcs[i]);
	}
	free(wb->progs);
	free(wb->srcs);
	for (int i = 0; i < wb->npreamble; i++)
		free(wb->preamble[i]);
	free(wb->preamble);
	free(wb);
}

struct wb_clause *wb_clause(struct workbench *wb, int id)
{
	for (int i = 0; i < wb->ncl; i++)
		if (wb->cl[i]->id == id)
			return wb->cl[i];
	return NULL;
}

int wb_nattached(const struct workbench *wb)
{
	int n = 0;

	for (int i = 0; i < wb->ncl; i++)
		n += wb->cl[i]->state == WB_ATTACHED;
	return n;
}

/* ------------------------------------------------------------ AST facts */

static bool name_in(const char *name, const char *const *v)
{
	for (; *v; v++)
		if (!strcmp(name, *v))
			return true;
	return false;
}

static void strv_add_unique(char ***v, int *n, const char *s)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = strdup(s);
}

static void ast_facts(const struct node *n, struct wb_clause *c)
{
	static const char *const emitting[] = { "printf", "time", "cat", "system", "join",
						 "print", "clear", "zero", "exit", NULL };

	if (!n)
		return;
	if (n->kind == N_MAP && n->name)
		strv_add_unique(&c->maps, &c->nmaps, n->name);
	if (n->kind == N_CALL && n->name && name_in(n->name, emitting))
		c->emits = true;
	ast_facts(n->a, c);
	ast_facts(n->b, c);
	ast_facts(n->c, c);
	ast_facts(n->body, c);
	ast_facts(n->else_body, c);
	for (int i = 0; i < n->args.n; i++)
		ast_facts(n->args.v[i], c);
	for (int i = 0; i < n->stmts.n; i++)
		ast_facts(n->stmts.v[i], c);
}

static bool clause_has_kind(const struct clause_obj *o, enum probe_kind k)
{
	for (int i = 0; o && i < o->nprogs; i++)
		for (int j = 0; j < o->progs[i].naps; j++)
			if (o->progs[i].aps[j].kind == k)
				return true;
	return false;
}

/* ------------------------------------------------------------ compiling */

struct compiled {
	struct program *prog;
	struct clause_obj **objs;
	struct node **probes;
	int n;
	char *diag;             /* what the compiler reported (errors, warnings) */
	size_t diag_len;
	int nerrors;
};

static void compiled_drop(struct compiled *cp)
{
	for (int i = 0; i < cp->n; i++)
		clause_obj_free(cp->objs[i]);
	free(cp->objs);
	free(cp->probes);
	free(cp->diag);
	memset(cp, 0, sizeof(*cp));
}

static void wb_keep_prog(struct workbench *wb, struct program *p, char *src)
{
	wb->progs = realloc(wb->progs, (wb->nprogs + 1) * sizeof(*wb->progs));
	wb->srcs = realloc(wb->srcs, (wb->nprogs + 1) * sizeof(*wb->srcs));
	wb->progs[wb->nprogs] = p;
	wb->srcs[wb->nprogs++] = src;
}

/* text with first_line - 1 newlines in front, so diagnostics name the file's lines */
static char *wb_padded(const char *text, int first_line)
{
	size_t pad = first_line > 1 ? (size_t)first_line - 1 : 0, len = strlen(text);
	char *s = malloc(pad + len + 1);

	if (!s)
		return NULL;
	memset(s, '\n', pad);
	memcpy(s + pad, text, len + 1);
	return s;
}

/* Parses and compiles every clause of text; the program is kept either way
 * (the session's types may point into it). */
static int wb_compile(struct workbench *wb, const char *text, const char *fname, int first_line,
		      struct compiled *cp)
{
	struct diag_sink d = { 0 };
	char *src = wb_padded(text, first_line);
	int err = 0;

	memset(cp, 0, sizeof(*cp));
	if (!src)
		return -ENOMEM;
	d.filename = fname;
	d.source = src;
	d.out = open_memstream(&cp->diag, &cp->diag_len);
	if (!d.out) {
		free(src);
		return -ENOMEM;
	}
	cp->prog = parse_program(src, fname, &d);
	if (!cp->prog || d.nerrors) {
		err = -EINVAL;
		goto out;
	}
	if (sema_program_prelude(wb->s, cp->prog, &d)) {
		err = -EINVAL;
		goto out;
	}
	if (cp->prog->probes.n > 1)
		compile_prepass(wb->s, cp->prog);
	cp->objs = calloc(cp->prog->probes.n + 1, sizeof(*cp->objs));
	cp->probes = calloc(cp->prog->probes.n + 1, sizeof(*cp->probes));
	for (int i = 0; i < cp->prog->probes.n; i++) {
		struct clause_obj *o = NULL;

		if (compile_clause(wb->s, cp->prog, cp->prog->probes.v[i], wb->next_index++, &o, &d,
				   NULL)) {
			err = -EINVAL;
			continue;
		}
		cp->probes[cp->n] = cp->prog->probes.v[i];
		cp->objs[cp->n++] = o;
	}
	if (d.nerrors && !err)
		err = -EINVAL;
out:
	fclose(d.out);
	cp->nerrors = d.nerrors;
	/* the program is kept either way, with the source it points into */
	wb_keep_prog(wb, cp->prog, src);
	return err;
}

static void wb_report_diag(struct workbench *wb, const struct compiled *cp)
{
	if (cp->diag && cp->diag_len)
		outlog_add(wb->log, cp->nerrors ? OL_ERROR : OL_WARN, cp->diag, cp->diag_len);
}

/* Loads and attaches one compiled clause. 0, or -errno with the reason logged. */
static int wb_load_attach(struct workbench *wb, struct clause_obj *obj, bool attach,
			  struct rt_clause **out, char **why)
{
	struct rt_clause *rc = NULL;
	char *vlog = NULL;
	double t0 = wb_now_ms(), t1;
	int err;

	*out = NULL;
	err = rt_maps_sync(wb->rt);
	if (!err)
		err = rt_clause_load(wb->rt, obj, &rc, &vlog);
	t1 = wb_now_ms();
	wb->t_load = t1 - t0;
	if (err) {
		if (why)
			*why = strdup(rt_strerror(wb->rt));
		if (vlog) {
			/* the end of the verifier log says why */
			size_t len = strlen(vlog), from = len > 2000 ? len - 2000 : 0;

			outlog_add(wb->log, OL_ERROR, vlog + from, len - from);
		}
		free(vlog);
		return err;
	}
	free(vlog);
	if (attach) {
		err = rt_clause_attach(wb->rt, rc);
		wb->t_attach = wb_now_ms() - t1;
		if (err) {
			if (why)
				*why = strdup(rt_strerror(wb->rt));
			rt_clause_free(wb->rt, rc);
			return err;
		}
	}
	*out = rc;
	return 0;
}

static struct wb_clause *wb_clause_new(struct workbench *wb, struct clause_obj *obj,
				       struct node *probe, const char *text, const char *src)
{
	struct wb_clause *c = calloc(1, sizeof(*c));

	text += strspn(text, " \t\n");
	c->src = src;
	c->id = wb->next_id++;
	c->obj = obj;
	c->probe = probe;
	c->text = strdup(obj && obj->text && *obj->text ? obj->text : text);
	c->ev_rate = c->ns_per_ev = -1;
	if (probe)
		ast_facts(probe, c);
	c->has_end = clause_has_kind(obj, PK_END);
	return c;
}

static void wb_clause_push(struct workbench *wb, struct wb_clause *c, int at)
{
	wb->cl = realloc(wb->cl, (wb->ncl + 1) * sizeof(*wb->cl));
	if (at < 0 || at > wb->ncl)
		at = wb->ncl;
	memmove(wb->cl + at + 1, wb->cl + at, (wb->ncl - at) * sizeof(*wb->cl));
	wb->cl[at] = c;
	wb->ncl++;
	wb->gen++;
}

static void wb_begin(struct workbench *wb, struct wb_clause *c)
{
	if (c->rc && clause_has_kind(c->obj, PK_BEGIN)) {
		if (rt_clause_trigger(wb->rt, c->rc, PK_BEGIN))
			wb_msg(wb, OL_ERROR, "ERROR: %s", rt_strerror(wb->rt));
		rt_drain(wb->rt, true);
	}
}

static void wb_end(struct workbench *wb, struct wb_clause *c)
{
	if (c->rc && c->has_end) {
		if (rt_clause_trigger(wb->rt, c->rc, PK_END))
			wb_msg(wb, OL_ERROR, "ERROR: %s", rt_strerror(wb->rt));
		rt_drain(wb->rt, true);
	}
}

/* One line of text for the log: "tracepoint:a:b { @x = count(); }". */
static void wb_oneline(const char *text, char *buf, size_t len)
{
	size_t j = 0;
	bool sp = false;

	for (const char *p = text; *p && j + 4 < len; p++) {
		if (*p == '\n' || *p == '\t' || *p == ' ') {
			sp = j > 0;
			continue;
		}
		if (sp)
			buf[j++] = ' ';
		sp = false;
		buf[j++] = *p;
	}
	if (j + 4 >= len && j >= 3)
		memcpy(buf + j - 3, "...", 3);
	buf[j] = 0;
}

static void wb_keep_preamble(struct workbench *wb, const struct program *p)
{
	const struct node_list *lists[] = { &p->preproc, &p->cdefs };

	for (int k = 0; k < 2; k++) {
		for (int i = 0; i < lists[k]->n; i++) {
			const char *t = lists[k]->v[i]->text;

			if (!t)
				continue;
			wb->preamble = realloc(wb->preamble, (wb->npreamble + 1) * sizeof(char *));
			wb->preamble[wb->npreamble++] = strdup(t);
		}
	}
	wb->gen++;
}

int wb_submit(struct workbench *wb, const char *text, const char *fname, int first_line)
{
	struct rt_clause **rcs = NULL;
	struct compiled cp;
	double t0 = wb_now_ms();
	int err, i, done = 0;

	if (wb->edit_target) {
		int id = wb->edit_target;

		wb->edit_target = 0;
		return wb_replace(wb, id, text, fname, first_line);
	}
	err = wb_compile(wb, text, fname, first_line, &cp);
	wb->t_compile = wb_now_ms() - t0;
	wb_report_diag(wb, &cp);
	if (err)
		goto out;
	if (!cp.n && cp.prog && (cp.prog->cdefs.n || cp.prog->preproc.n)) {
		wb_keep_preamble(wb, cp.prog);
		goto out;
	}
	rcs = calloc(cp.n + 1, sizeof(*rcs));
	for (i = 0; i < cp.n; i++) {
		char *why = NULL;

		err = wb_load_attach(wb, cp.objs[i], true, &rcs[i], &why);
		if (err) {
			wb_msg(wb, OL_ERROR, "ERROR: %s", why ? why : strerror(-err));
			free(why);
			break;
		}
	}
	if (err) {
		/* all or nothing */
		for (int k = 0; k < i; k++)
			rt_clause_free(wb->rt, rcs[k]);
		goto out;
	}
	wb_keep_preamble(wb, cp.prog);
	for (i = 0; i < cp.n; i++) {
		struct wb_clause *c = wb_clause_new(wb, cp.objs[i], cp.probes[i], text, cp.prog->source);
		char line[160];

		c->rc = rcs[i];
		c->state = WB_ATTACHED;
		cp.objs[i] = NULL;
		wb_clause_push(wb, c, -1);
		wb_oneline(c->text, line, sizeof(line));
		wb_msg(wb, OL_INFO, "clause %d attached: %s", c->id, line);
		wb_begin(wb, c);
		done++;
	}
	wb_sync_maps(wb);
	wb->t_add = wb_now_ms() - t0;
out:
	free(rcs);
	compiled_drop(&cp);
	return err ? err : (done ? 0 : 0);
}

/* #include/#define lines and C definitions, kept for :save and :export */
int wb_add_loaded(struct workbench *wb, const char *text, const char *fname, int first_line,
		  bool disabled)
{
	struct compiled cp;
	struct wb_clause *c;
	char *why = NULL;
	int err;

	err = wb_compile(wb, text, fname, first_line, &cp);
	wb_report_diag(wb, &cp);
	if (!err && cp.n != 1) {
		if (cp.n == 0 && (cp.prog->cdefs.n || cp.prog->preproc.n)) {
			wb_keep_preamble(wb, cp.prog);
			compiled_drop(&cp);
			return 0;
		}
		wb_msg(wb, OL_ERROR, "%s:%d: a clause entry holds %d clauses", fname, first_line, cp.n);
		err = -EINVAL;
	}
	if (err) {
		c = wb_clause_new(wb, NULL, NULL, text, NULL);
		c->state = WB_ERROR;
		c->error = strdup(cp.nerrors ? "does not compile (see output)" : "invalid clause");
		wb_clause_push(wb, c, -1);
		compiled_drop(&cp);
		return err;
	}
	c = wb_clause_new(wb, cp.objs[0], cp.probes[0], text, cp.prog->source);
	cp.objs[0] = NULL;
	compiled_drop(&cp);
	err = wb_load_attach(wb, c->obj, !disabled, &c->rc, &why);
	if (err) {
		wb_msg(wb, OL_ERROR, "%s:%d: clause %d: ERROR: %s", fname, first_line, c->id,
		       why ? why : strerror(-err));
		c->state = WB_ERROR;
		c->error = why ? why : strdup(strerror(-err));
		clause_obj_free(c->obj);
		c->obj = NULL;
	} else {
		c->state = disabled ? WB_DISABLED : WB_ATTACHED;
	}
	wb_clause_push(wb, c, -1);
	if (c->state == WB_ATTACHED)
		wb_begin(wb, c);
	wb_sync_maps(wb);
	return err;
}


/* Splits a whole script into its clauses after declaring its prelude and maps
 * in the session, so one clause may use what another declares. Each text keeps
 * the columns of the file (blanks in front). Returns the count, or -errno with
 * the errors logged. */
int wb_script_split(struct workbench *wb, const char *text, const char *fname,
		    struct wb_piece **out)
{
	struct diag_sink d = { 0 };
	struct program *prog;
	struct wb_piece *v = NULL;
	char *src = strdup(text), *diag = NULL;
	size_t dlen = 0;
	int n = 0;

	*out = NULL;
	if (!src)
		return -ENOMEM;
	d.filename = fname;
	d.source = src;
	d.out = open_memstream(&diag, &dlen);
	prog = parse_program(src, fname, &d);
	if (prog && !d.nerrors)
		sema_program_prelude(wb->s, prog, &d);
	fclose(d.out);
	if (dlen)
		outlog_add(wb->log, d.nerrors ? OL_ERROR : OL_WARN, diag, dlen);
	free(diag);
	wb_keep_prog(wb, prog, src);
	if (!prog || d.nerrors)
		return -EINVAL;
	compile_prepass(wb->s, prog);
	wb_keep_preamble(wb, prog);
	v = calloc(prog->probes.n + 1, sizeof(*v));
	for (int i = 0; i < prog->probes.n; i++) {
		const struct loc *l = &prog->probes.v[i]->loc;
		const char *p = src, *start, *end;
		int line = 1;
		size_t pad;

		while (line < l->first_line && (p = strchr(p, '\n')))
			p++, line++;
		if (!p)
			continue;
		start = p + l->first_col - 1;
		for (end = p; line < l->last_line && (end = strchr(end, '\n')); end++, line++)
			;
		if (!end)
			continue;
		end += l->last_col;
		pad = (size_t)(l->first_col - 1);
		v[n].text = malloc(pad + (end - start) + 1);
		memset(v[n].text, ' ', pad);
		memcpy(v[n].text + pad, start, end - start);
		v[n].text[pad + (end - start)] = 0;
		v[n].line = l->first_line;
		n++;
	}
	*out = v;
	return n;
}

/* ------------------------------------------------------------ editing */

/* Maps of c that no other clause names. */
static bool map_exclusive(struct workbench *wb, struct wb_clause *c, const char *name)
{
	for (int i = 0; i < wb->ncl; i++) {
		if (wb->cl[i] == c)
			continue;
		for (int j = 0; j < wb->cl[i]->nmaps; j++)
			if (!strcmp(wb->cl[i]->maps[j], name))
				return false;
	}
	return true;
}

struct hidden {
	struct map_decl *decl;
	int id;
	bool changed;
};

static void hidden_set(struct workbench *wb, struct hidden *h, int n, bool hide, bool only_changed)
{
	for (int i = 0; i < n; i++) {
		if (only_changed && !h[i].changed)
			continue;
		wb->s->maps[h[i].id] = hide ? NULL : h[i].decl;
	}
}

static bool decl_same_type(const struct map_decl *a, const struct map_decl *b)
{
	if (!a || !b)
		return false;
	if ((a->key == NULL) != (b->key == NULL))
		return false;
	if (a->key && !type_equal(a->key, b->key))
		return false;
	return type_equal(a->value, b->value) && a->storage == b->storage &&
	       a->key_size == b->key_size && a->value_size == b->value_size;
}

int wb_replace(struct workbench *wb, int id, const char *text, const char *fname, int first_line)
{
	struct wb_clause *old = wb_clause(wb, id), *c;
	struct hidden *hid = NULL;
	struct compiled cp;
	struct rt_clause *rc = NULL;
	char *why = NULL, line[160];
	int nhid = 0, err, pos = 0;
	double t0 = wb_now_ms();

	if (!old) {
		wb_msg(wb, OL_ERROR, "ERROR: no clause %d", id);
		return -ENOENT;
	}
	/* maps may be hidden and closed below: nothing may be reading them */
	wb_poll_finish(wb, true);
	err = wb_compile(wb, text, fname, first_line, &cp);
	if (err && old->nmaps) {
		/* maybe a map of this clause alone changes type: try without them */
		int saved_maps = wb->s->nmaps, saved_fmts = wb->s->nfmts;
		struct compiled cp2;
		int e2;

		for (int i = 0; i < old->nmaps; i++) {
			struct map_decl *d = session_map_find(wb->s, old->maps[i]);

			if (!d || !map_exclusive(wb, old, old->maps[i]))
				continue;
			hid = realloc(hid, (nhid + 1) * sizeof(*hid));
			hid[nhid++] = (struct hidden){ d, d->id, false };
		}
		hidden_set(wb, hid, nhid, true, false);
		e2 = wb_compile(wb, text, fname, first_line, &cp2);
		for (int i = 0; !e2 && i < nhid; i++) {
			/* only maps the new text declares differently; unused ones stay */
			struct map_decl *nd = session_map_find(wb->s, hid[i].decl->name);

			hid[i].changed = nd && !decl_same_type(hid[i].decl, nd);
		}
		compiled_drop(&cp2);
		/* forget what the trial declared */
		wb->s->nmaps = saved_maps;
		wb->s->nfmts = saved_fmts;
		hidden_set(wb, hid, nhid, false, false);
		if (!e2) {
			compiled_drop(&cp);
			hidden_set(wb, hid, nhid, true, true);
			err = wb_compile(wb, text, fname, first_line, &cp);
			if (err)
				hidden_set(wb, hid, nhid, false, true);
		}
	}
	wb->t_compile = wb_now_ms() - t0;
	wb_report_diag(wb, &cp);
	if (!err && cp.n != 1) {
		wb_msg(wb, OL_ERROR, "ERROR: :edit replaces one clause; this is %d", cp.n);
		err = -EINVAL;
	}
	if (err)
		goto fail;
	/* load first, then swap attachments: the old one runs until the new one can */
	err = wb_load_attach(wb, cp.objs[0], false, &rc, &why);
	if (err) {
		wb_msg(wb, OL_ERROR, "ERROR: %s", why ? why : strerror(-err));
		goto fail;
	}
	if (old->rc && old->state == WB_ATTACHED)
		rt_clause_detach(wb->rt, old->rc);
	if (old->state != WB_DISABLED) {
		double t1 = wb_now_ms();

		err = rt_clause_attach(wb->rt, rc);
		wb->t_attach = wb_now_ms() - t1;
		if (err) {
			wb_msg(wb, OL_ERROR, "ERROR: %s", rt_strerror(wb->rt));
			rt_clause_free(wb->rt, rc);
			rc = NULL;
			if (old->rc && old->state == WB_ATTACHED && rt_clause_attach(wb->rt, old->rc))
				wb_msg(wb, OL_ERROR, "ERROR: clause %d could not be re-attached: %s",
				       old->id, rt_strerror(wb->rt));
			goto fail;
		}
	}
	for (pos = 0; pos < wb->ncl && wb->cl[pos] != old; pos++)
		;
	c = wb_clause_new(wb, cp.objs[0], cp.probes[0], text, cp.prog->source);
	cp.objs[0] = NULL;
	wb->next_id--;          /* it keeps the old id */
	c->id = old->id;
	c->rc = rc;
	c->state = old->state == WB_DISABLED ? WB_DISABLED : WB_ATTACHED;
	wb->cl[pos] = c;
	wb_end(wb, old);
	wb_clause_free(wb, old);
	wb->gen++;
	for (int i = 0; i < nhid; i++)
		if (hid[i].changed)
			wb_msg(wb, OL_INFO, "map %s changed type: its old data is dropped",
			       hid[i].decl->name);
	/* maps hidden for good are closed here */
	rt_maps_sync(wb->rt);
	wb_sync_maps(wb);
	wb_oneline(c->text, line, sizeof(line));
	wb_msg(wb, OL_INFO, "clause %d replaced: %s", c->id, line);
	if (c->state == WB_ATTACHED)
		wb_begin(wb, c);
	wb->t_add = wb_now_ms() - t0;
	free(hid);
	compiled_drop(&cp);
	return 0;
fail:
	free(why);
	free(hid);
	compiled_drop(&cp);
	return err ? err : -EINVAL;
}

int wb_rm(struct workbench *wb, int id)
{
	struct wb_clause *c = wb_clause(wb, id);
	int i;

	if (!c) {
		wb_msg(wb, OL_ERROR, "ERROR: no clause %d", id);
		return -ENOENT;
	}
	if (c->rc && c->state == WB_ATTACHED)
		rt_clause_detach(wb->rt, c->rc);
	wb_end(wb, c);
	for (i = 0; i < wb->ncl && wb->cl[i] != c; i++)
		;
	memmove(wb->cl + i, wb->cl + i + 1, (wb->ncl - i - 1) * sizeof(*wb->cl));
	wb->ncl--;
	wb_clause_free(wb, c);
	if (wb->edit_target == id)
		wb->edit_target = 0;
	wb->gen++;
	wb_msg(wb, OL_INFO, "clause %d removed (its maps keep their data)", id);
	return 0;
}

int wb_disable(struct workbench *wb, int id)
{
	struct wb_clause *c = wb_clause(wb, id);

	if (!c) {
		wb_msg(wb, OL_ERROR, "ERROR: no clause %d", id);
		return -ENOENT;
	}
	if (c->state != WB_ATTACHED) {
		wb_msg(wb, OL_INFO, "clause %d is not attached", id);
		return 0;
	}
	rt_clause_detach(wb->rt, c->rc);
	c->state = WB_DISABLED;
	c->st_valid = false;
	c->ev_rate = c->ns_per_ev = -1;
	wb->gen++;
	wb_msg(wb, OL_INFO, "clause %d disabled", id);
	return 0;
}

int wb_enable(struct workbench *wb, int id)
{
	struct wb_clause *c = wb_clause(wb, id);
	int err;

	if (!c) {
		wb_msg(wb, OL_ERROR, "ERROR: no clause %d", id);
		return -ENOENT;
	}
	if (c->state == WB_ATTACHED) {
		wb_msg(wb, OL_INFO, "clause %d is already attached", id);
		return 0;
	}
	if (c->state == WB_ERROR) {
		wb_msg(wb, OL_ERROR, "ERROR: clause %d has an error (%s): :edit %d to fix it", id,
		       c->error ? c->error : "?", id);
		return -EINVAL;
	}
	err = rt_clause_attach(wb->rt, c->rc);
	if (err) {
		wb_msg(wb, OL_ERROR, "ERROR: %s", rt_strerror(wb->rt));
		return err;
	}
	c->state = WB_ATTACHED;
	wb->gen++;
	wb_msg(wb, OL_INFO, "clause %d enabled", id);
	return 0;
}

void wb_run_end(struct workbench *wb)
{
	for (int i = 0; i < wb->ncl; i++)
		if (wb->cl[i]->rc && wb->cl[i]->state == WB_ATTACHED)
			rt_clause_detach(wb->rt, wb->cl[i]->rc);
	rt_drain(wb->rt, true);
	for (int i = 0; i < wb->ncl; i++)
		wb_end(wb, wb->cl[i]);
}

/* ------------------------------------------------------------ maps */

struct wb_map *wb_map_find(struct workbench *wb, const char *name)
{
	for (int i = 0; i < wb->nmaps; i++) {
		const char *n = wb->maps[i]->decl->name;

		if (!strcmp(n, name) || (name[0] != '@' && n[0] == '@' && !strcmp(n + 1, name)))
			return wb->maps[i];
	}
	return NULL;
}

struct wb_clause *wb_map_writer(struct workbench *wb, const char *name)
{
	for (int i = 0; i < wb->ncl; i++)
		for (int j = 0; j < wb->cl[i]->nmaps; j++)
			if (!strcmp(wb->cl[i]->maps[j], name))
				return wb->cl[i];
	return NULL;
}

void wb_sync_maps(struct workbench *wb)
{
	struct session *s = wb->s;
	bool changed = false;

	/* maps may go away here: nothing may be reading them */
	wb_poll_finish(wb, true);

	for (int i = 0; i < wb->nmaps;) {
		const struct map_decl *d = wb->maps[i]->decl;

		if (d->id < s->nmaps && s->maps[d->id] == d && rt_map_fd(wb->rt, d->id) >= 0) {
			i++;
			continue;
		}
		wb_map_free(wb->maps[i]);
		memmove(wb->maps + i, wb->maps + i + 1, (wb->nmaps - i - 1) * sizeof(*wb->maps));
		wb->nmaps--;
		changed = true;
	}
	for (int id = 0; id < s->nmaps; id++) {
		const struct map_decl *d = s->maps[id];
		struct wb_map *m;
		bool have = false;

		if (!d || d->internal || !d->value || rt_map_fd(wb->rt, id) < 0)
			continue;
		for (int i = 0; i < wb->nmaps && !have; i++)
			have = wb->maps[i]->decl == d;
		if (have)
			continue;
		m = calloc(1, sizeof(*m));
		m->decl = d;
		m->fd = rt_map_fd(wb->rt, id);
		if (d->value->kind == TY_HIST)
			m->hb = HIST_NBUCKETS;
		else if (d->value->kind == TY_LHIST)
			m->hb = lhist_nbuckets(d->value->lh_min, d->value->lh_max, d->value->lh_step);
		else
			m->hb = 1;
		m->hcols = WB_HISTORY;
		m->ring = calloc((size_t)m->hb * m->hcols, sizeof(*m->ring));
		wb->maps = realloc(wb->maps, (wb->nmaps + 1) * sizeof(*wb->maps));
		wb->maps[wb->nmaps++] = m;
		changed = true;
	}
	/* a clause takes user stacks or addresses: follow mmap/exec records from
	 * now on, as the CLI does, so a process that exits before its first stack
	 * is drawn still resolves */
	if (session_map_find(s, "__user_pids"))
		symbols_track_start(wb->o->syms);
	if (changed)
		wb->gen++;
}

static void ring_push(struct wb_map *m)
{
	const struct type *t = m->decl->value;
	int64_t *row;

	m->hhead = (m->hhead + 1) % m->hcols;
	if (m->hn < m->hcols)
		m->hn++;
	row = m->ring + (size_t)m->hhead * m->hb;
	memset(row, 0, m->hb * sizeof(*row));
	if (t->kind == TY_HIST || t->kind == TY_LHIST) {
		for (size_t i = 0; m->delta && i < m->delta->n; i++) {
			const uint64_t *b = m->delta->entries[i].value;

			for (int k = 0; k < m->hb; k++)
				row[k] += (int64_t)b[k];
		}
		return;
	}
	if (m->decl->key)
		return;
	/* scalars: the change in this interval (min/max/plain values: the value) */
	if (t->kind == TY_COUNT || t->kind == TY_SUM || t->kind == TY_AVG || t->kind == TY_STATS) {
		if (m->delta && m->delta->n) {
			int64_t v[2];

			memcpy(v, m->delta->entries[0].value, t->kind == TY_COUNT || t->kind == TY_SUM ? 8 : 16);
			row[0] = (t->kind == TY_AVG || t->kind == TY_STATS) ? (v[1] ? v[0] / v[1] : 0) : v[0];
		}
	} else if (m->cur && m->cur->n) {
		int64_t v = 0;

		memcpy(&v, m->cur->entries[0].value, m->decl->value_size < 8 ? m->decl->value_size : 8);
		row[0] = v;
	}
}

/* Takes in one read of m: snap/delta are consumed. Returns whether m changed. */
static bool wb_apply(struct workbench *wb, struct wb_map *m, struct map_snapshot *snap,
		     struct map_snapshot *delta, bool equal, double t0)
{
	bool first = !m->cur;

	/* unchanged snapshots are kept, so panes holding pointers into them
	 * need not rebuild */
	if (!equal) {
		map_snapshot_free(m->cur);
		m->cur = snap;
		m->gen++;
	} else {
		map_snapshot_free(snap);
	}
	if (!map_snapshot_equal(m->delta, delta)) {
		map_snapshot_free(m->delta);
		m->delta = delta;
		m->dgen++;
	} else {
		map_snapshot_free(delta);
	}
	m->dt = m->t_read ? (t0 - m->t_read) / 1e3 : wb->interval_ms / 1e3;
	m->t_read = t0;
	if (!first) {
		ring_push(m);
		m->hgen++;
	}
	return !equal;
}

static bool wb_read_now(struct workbench *wb, struct wb_map *m, double t0)
{
	struct map_snapshot *snap = NULL, *delta = NULL;

	m->err = map_snapshot_read(m->decl, m->fd, &snap);
	if (m->err)
		return false;
	if (map_snapshot_delta(m->cur, snap, &delta)) {
		map_snapshot_free(snap);
		return false;
	}
	return wb_apply(wb, m, snap, delta, map_snapshot_equal(m->cur, snap), t0);
}

int wb_poll_maps(struct workbench *wb)
{
	double t0;
	int changed = 0;

	wb_poll_finish(wb, true);
	t0 = wb_now_ms();
	for (int i = 0; i < wb->nmaps; i++)
		changed += wb_read_now(wb, wb->maps[i], t0);
	wb->t_poll = wb_now_ms() - t0;
	return changed;
}

void wb_poll_start(struct workbench *wb)
{
	struct poll_item *items;
	double t0 = wb_now_ms();
	int n = 0;

	if (!wb->poller)
		wb->poller = poller_new();
	if (!wb->poller) {
		wb_poll_maps(wb);
		return;
	}
	if (poller_busy(wb->poller))
		return;         /* the last batch is still being read: skip a beat */
	items = calloc(wb->nmaps + 1, sizeof(*items));
	for (int i = 0; i < wb->nmaps; i++) {
		struct wb_map *m = wb->maps[i];

		if (!m->decl->key) {
			wb_read_now(wb, m, t0);
			continue;
		}
		items[n++] = (struct poll_item){ .m = m, .decl = m->decl, .fd = m->fd, .prev = m->cur };
	}
	if (!n) {
		free(items);
		wb->t_poll = wb_now_ms() - t0;
		return;
	}
	if (poller_submit(wb->poller, items, n)) {
		free(items);
		wb_poll_maps(wb);
	}
}

int wb_poll_finish(struct workbench *wb, bool wait)
{
	struct poll_item *items;
	double ms = 0, t0 = wb_now_ms();
	int n = 0, changed = 0;

	if (!wb->poller)
		return 0;
	items = poller_take(wb->poller, &n, wait, &ms);
	if (!items)
		return 0;
	for (int i = 0; i < n; i++) {
		struct poll_item *it = &items[i];
		bool live = false;

		for (int k = 0; k < wb->nmaps && !live; k++)
			live = wb->maps[k] == it->m;
		if (!live || it->err || it->m->cur != it->prev) {
			if (live)
				it->m->err = it->err;
			map_snapshot_free(it->snap);
			map_snapshot_free(it->delta);
			continue;
		}
		it->m->err = 0;
		changed += wb_apply(wb, it->m, it->snap, it->delta, it->equal, t0);
	}
	free(items);
	wb->t_poll = ms;
	return changed;
}

int wb_poll_fd(const struct workbench *wb)
{
	return wb->poller ? poller_fd(wb->poller) : -1;
}

static struct wb_map *wb_map_named(struct workbench *wb, const char *name)
{
	struct wb_map *m = wb_map_find(wb, name);

	if (!m)
		wb_msg(wb, OL_ERROR, "ERROR: no map %s", name);
	return m;
}

int wb_map_clear(struct workbench *wb, const char *name)
{
	struct wb_map *m = wb_map_named(wb, name);
	int err;

	if (!m)
		return -ENOENT;
	err = map_clear(m->decl, m->fd);
	if (err)
		wb_msg(wb, OL_ERROR, "ERROR: clear %s: %s", m->decl->name, strerror(-err));
	else
		wb_msg(wb, OL_INFO, "%s cleared", m->decl->name);
	wb_poll_maps(wb);
	return err;
}

int wb_map_zero(struct workbench *wb, const char *name)
{
	struct wb_map *m = wb_map_named(wb, name);
	int err;

	if (!m)
		return -ENOENT;
	err = map_zero(m->decl, m->fd);
	if (err)
		wb_msg(wb, OL_ERROR, "ERROR: zero %s: %s", m->decl->name, strerror(-err));
	else
		wb_msg(wb, OL_INFO, "%s zeroed", m->decl->name);
	wb_poll_maps(wb);
	return err;
}

int wb_map_print(struct workbench *wb, const char *name)
{
	struct wb_map *m = wb_map_named(wb, name);
	struct map_snapshot *snap = NULL;
	int err;

	if (!m)
		return -ENOENT;
	err = map_snapshot_read(m->decl, m->fd, &snap);
	if (err) {
		wb_msg(wb, OL_ERROR, "ERROR: Could not print map with ident \"%s\", err=%d",
		       m->decl->name, err);
		return err;
	}
	sink_print_map(wb->o, snap);
	map_snapshot_free(snap);
	return 0;
}

/* ------------------------------------------------------------ stats */

int wb_stats(struct workbench *wb, bool on)
{
	if (on && wb->stats_fd < 0) {
		int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

		if (fd < 0) {
			wb_msg(wb, OL_ERROR, "ERROR: cannot turn BPF stats on: %s", strerror(-fd));
			return fd;
		}
		wb->stats_fd = fd;
		wb_msg(wb, OL_INFO, "BPF stats on: every BPF program now pays ~20 ns per run "
		       "for being timed");
	} else if (!on && wb->stats_fd >= 0) {
		close(wb->stats_fd);
		wb->stats_fd = -1;
		wb_msg(wb, OL_INFO, "BPF stats off");
	}
	for (int i = 0; i < wb->ncl; i++) {
		wb->cl[i]->st_valid = false;
		wb->cl[i]->ev_rate = wb->cl[i]->ns_per_ev = -1;
	}
	wb->gen++;
	return 0;
}

void wb_stats_sample(struct workbench *wb)
{
	double now = wb_now_ms();

	if (wb->stats_fd < 0)
		return;
	for (int i = 0; i < wb->ncl; i++) {
		struct wb_clause *c = wb->cl[i];
		struct prog_stats st;

		if (!c->rc || c->state != WB_ATTACHED || rt_clause_prog_stats(c->rc, &st))
			continue;
		if (c->st_valid && now > c->st_t) {
			uint64_t dn = st.run_cnt - c->st_prev.run_cnt;
			uint64_t dt = st.run_time_ns - c->st_prev.run_time_ns;

			c->ev_rate = dn * 1e3 / (now - c->st_t);
			c->ns_per_ev = dn ? (double)dt / dn : (c->ns_per_ev >= 0 ? c->ns_per_ev : -1);
		}
		c->st_prev = st;
		c->st_t = now;
		c->st_valid = true;
	}
	wb->stats_gen++;
}

int wb_service(struct workbench *wb)
{
	int r = rt_poll(wb->rt, 0);

	if (r == RT_STOP_EXIT) {
		wb_msg(wb, OL_INFO, "exit() called by a probe: the workbench keeps running "
		       "(:quit to leave)");
		rt_request_stop(wb->rt, RT_RUNNING);
		return 0;
	}
	if (r == RT_STOP_SIGNAL) {
		wb->stop = true;
		return r;
	}
	if (r > 0) {
		rt_request_stop(wb->rt, RT_RUNNING);
		return 0;
	}
	if (r < 0)
		wb_msg(wb, OL_ERROR, "ERROR: %s", rt_strerror(wb->rt));
	return r;
}

/* ------------------------------------------------------------ files */

int wb_write_atomic(const char *path, const char *data, size_t len)
{
	char *dup = strdup(path), *dir, tmp[4096];
	int fd, err = 0;
	size_t off = 0;

	if (!dup)
		return -ENOMEM;
	dir = dirname(dup);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, basename((char *)path));
	free(dup);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += w;
	}
	if (!err && fsync(fd))
		err = -errno;
	if (fchmod(fd, 0644) && !err)
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
