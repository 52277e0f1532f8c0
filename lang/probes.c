/* probes: attach point specs -> concrete attach points, one entry per probe type.
 * Adding a probe type to the compiler means one table entry here and, when its
 * spec has its own syntax, one expand function. */
#include <errno.h>
#include <fnmatch.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "user.h"

void attach_point_free_fields(struct attach_point *ap)
{
	free(ap->target);
	free(ap->func);
	free(ap->full);
	free(ap->path);
	free(ap->usdt_args);
}

void ap_vec_free(struct ap_vec *v)
{
	for (int i = 0; i < v->n; i++)
		attach_point_free_fields(&v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

static struct attach_point *ap_push(struct ap_vec *v, enum probe_kind kind)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = realloc(v->v, sizeof(*v->v) * v->cap);
		if (!v->v)
			abort();
	}
	memset(&v->v[v->n], 0, sizeof(v->v[0]));
	v->v[v->n].kind = kind;
	v->v[v->n].tp_id = -1;
	return &v->v[v->n++];
}

struct attach_point *ap_vec_push(struct ap_vec *v, enum probe_kind kind)
{
	return ap_push(v, kind);
}

static char *join3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
	char *s = malloc(n);

	if (c)
		snprintf(s, n, "%s:%s:%s", a, b, c);
	else
		snprintf(s, n, "%s:%s", a, b);
	return s;
}

/* expand_special: BEGIN and END take no parts. */
static int expand_special(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
			  const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	struct attach_point *a;

	if (nparts) {
		diag_error(d, &ap->loc, "%s probe type takes no arguments", pl->name);
		return -EINVAL;
	}
	a = ap_push(out, pl->kind);
	a->full = strdup(pl->name);
	return 0;
}

struct tp_walk {
	struct ap_vec *out;
	const char *provider;
};

static int tp_visit(const char *cat, const char *ev, void *ctx)
{
	struct tp_walk *w = ctx;
	struct attach_point *a = ap_push(w->out, PK_TRACEPOINT);

	a->target = strdup(cat);
	a->func = strdup(ev);
	a->full = join3("tracepoint", cat, ev);
	return 0;
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* tp_as_raw: without tracefs there are no tracepoint ids or formats, but the
 * kernel finds a raw tracepoint by its event name: attach that (no `args`),
 * with a notice. 0 when it did, -errno after a diagnostic, -ENOENT silently
 * when there is no such fallback here. */
static int tp_as_raw(struct session *s, const char *cat, const char *ev, const struct node *ap,
		     struct ap_vec *out, struct diag_sink *d)
{
	struct attach_point *a;
	char why[512];
	int alt;

	if (!s->kinfo->probe_support ||
	    s->kinfo->probe_support(PK_TRACEPOINT, ev, &alt, why, sizeof(why)) != PS_FALLBACK ||
	    alt != PK_RAWTRACEPOINT)
		return -ENOENT;
	/* syscalls:* are one raw tracepoint each way, sys_enter/sys_exit */
	if (!strcmp(cat, "syscalls")) {
		diag_error(d, &ap->loc, "%s: %s; syscall tracepoints have none of their own "
			   "(rawtracepoint:sys_enter sees every system call, its number in arg1)",
			   ap->text, strtok(why, ";"));
		return -EOPNOTSUPP;
	}
	a = ap_push(out, PK_RAWTRACEPOINT);
	a->fallback = true;
	a->written_kind = PK_TRACEPOINT;
	a->target = strdup(cat);
	a->func = strdup(ev);
	a->full = join3("tracepoint", cat, ev);
	diag_warn(d, NULL, "%s: %s", a->full, why);
	return 0;
}

/* expand_tracepoint: tracepoint:CATEGORY:EVENT, either part may be a glob. */
static int expand_tracepoint(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
			     const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	struct tp_walk w = { out, pl->name };
	int before = out->n, n;

	if (nparts != 2 || !*parts[0] || !*parts[1]) {
		diag_error(d, &ap->loc, "tracepoint probe type requires 2 arguments");
		return -EINVAL;
	}
	if (!s->kinfo || !s->kinfo->tp_glob) {
		diag_error(d, &ap->loc, "tracepoints are not available: tracefs is not readable");
		return -EINVAL;
	}
	n = s->kinfo->tp_glob(parts[0], parts[1], tp_visit, &w);
	if (n < 0 && !has_wildcard(parts[0]) && !has_wildcard(parts[1])) {
		int r = tp_as_raw(s, parts[0], parts[1], ap, out, d);

		if (r != -ENOENT)
			return r;       /* attached as a raw tracepoint, or said why not */
	}
	if (n < 0) {
		diag_error(d, &ap->loc, "cannot read tracepoints: %s", strerror(-n));
		return n;
	}
	if (out->n == before) {
		if (has_wildcard(parts[0]) || has_wildcard(parts[1]))
			diag_error(d, &ap->loc, "No probes matched: %s", ap->text);
		else
			diag_error(d, &ap->loc, "tracepoint not found: %s:%s",
				   parts[0], parts[1]);
		return -ENOENT;
	}
	return 0;
}

/* parse_count: a positive integer, allowing 1e6-style exponents like bpftrace. */
static int parse_count(const char *str, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(str, &end, 10);

	if (end == str)
		return -EINVAL;
	if (*end == 'e') {
		unsigned long long e = strtoull(end + 1, &end, 10);

		while (e--)
			v *= 10;
	}
	if (*end || v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/* expand_timed: interval:UNIT:N and profile:UNIT:N (units s ms us hz). */
static int expand_timed(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
			const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	struct attach_point *a;
	uint64_t n, mult;
	const char *unit;

	if (nparts != 2) {
		diag_error(d, &ap->loc, "%s probe type requires 2 arguments", pl->name);
		return -EINVAL;
	}
	unit = parts[0];
	if (!strcmp(unit, "s"))
		mult = 1000000000ull;
	else if (!strcmp(unit, "ms"))
		mult = 1000000ull;
	else if (!strcmp(unit, "us"))
		mult = 1000ull;
	else if (!strcmp(unit, "hz"))
		mult = 0;
	else {
		diag_error(d, &ap->loc, "%s probe type requires a unit of s, ms, us or hz, not '%s'",
			   pl->name, unit);
		return -EINVAL;
	}
	if (parse_count(parts[1], &n)) {
		diag_error(d, &ap->loc, "%s probe: invalid count '%s'", pl->name, parts[1]);
		return -EINVAL;
	}
	a = ap_push(out, pl->kind);
	a->target = strdup(unit);
	a->func = strdup(parts[1]);
	if (mult)
		a->period_ns = n * mult;
	else
		a->freq = n;
	a->full = join3(pl->name, unit, parts[1]);
	return 0;
}

/* expand_perf: software:EVENT[:COUNT] and hardware:EVENT[:COUNT]; the runtime owns the
 * event tables, so names are checked when attaching. */
static int expand_perf(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
		       const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	struct attach_point *a;
	uint64_t n = 0;

	if (nparts < 1 || nparts > 2 || !*parts[0]) {
		diag_error(d, &ap->loc, "%s probe type requires 1 or 2 arguments", pl->name);
		return -EINVAL;
	}
	if (nparts == 2 && *parts[1] && parse_count(parts[1], &n)) {
		diag_error(d, &ap->loc, "%s probe: invalid count '%s'", pl->name, parts[1]);
		return -EINVAL;
	}
	a = ap_push(out, pl->kind);
	a->target = strdup(parts[0]);
	a->freq = n;
	a->full = nparts == 2 ? join3(pl->name, parts[0], parts[1]) : join3(pl->name, parts[0], NULL);
	return 0;
}

/* expand_func: kprobe:FUNC[+OFF], kprobe:MOD:FUNC, kfunc:FUNC, rawtracepoint:EV ...
 * kept as written; the runtime says whether this kernel can attach them. */
static int expand_func(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
		       const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	struct attach_point *a;

	if (nparts < 1 || nparts > 2 || !*parts[nparts - 1]) {
		diag_error(d, &ap->loc, "%s probe type requires 1 argument", pl->name);
		return -EINVAL;
	}
	a = ap_push(out, pl->kind);
	a->target = nparts == 2 ? strdup(parts[0]) : NULL;
	a->func = strdup(parts[nparts - 1]);
	a->full = nparts == 2 ? join3(pl->name, parts[0], parts[1]) : join3(pl->name, parts[0], NULL);
	return 0;
}

/* ---- kernel functions: kprobe, kretprobe, kfunc, kretfunc ---- */

struct kfunc_walk {
	struct ap_vec *out;
	const struct probe_lang *pl;
	bool with_module;       /* the spec named a module: keep it in the probe name */
	int n;
};

static int kfunc_visit(const char *module, const char *func, void *ctx)
{
	struct kfunc_walk *w = ctx;
	struct attach_point *a = ap_push(w->out, w->pl->kind);

	a->target = module ? strdup(module) : NULL;
	a->func = strdup(func);
	a->wildcard = true;
	a->full = w->with_module ? join3(w->pl->name, module ? module : "vmlinux", func) :
		  join3(w->pl->name, func, NULL);
	w->n++;
	return 0;
}

static int count_one(const char *module, const char *func, void *ctx)
{
	(*(int *)ctx)++;
	return 1;       /* one is enough */
}

/* parse_offset: "vfs_read+0x10" -> "vfs_read", 16. */
static int parse_offset(char *spec, uint64_t *off, bool *has)
{
	char *plus = strchr(spec, '+'), *end;

	*off = 0;
	*has = plus != NULL;
	if (!plus)
		return 0;
	*plus = '\0';
	if (!plus[1])
		return -EINVAL;
	*off = strtoull(plus + 1, &end, 0);
	return *end ? -EINVAL : 0;
}

/* expand_kfunc_spec: kprobe:[MODULE:]FUNC[+OFF] and kfunc:[MODULE:]FUNC, either
 * name a wildcard matched against the kernel's function list (kinfo kfunc_glob:
 * available_filter_functions, else BTF, else kallsyms; for kfunc only BTF). */
static int expand_kfunc_spec(struct session *s, const struct probe_lang *pl, char **parts,
			     int nparts, const struct node *ap, struct ap_vec *out,
			     struct diag_sink *d)
{
	bool fentry = pl->kind == PK_KFUNC || pl->kind == PK_KRETFUNC;
	bool ret = pl->kind == PK_KRETPROBE || pl->kind == PK_KRETFUNC, has_off;
	const char *mod = nparts == 2 ? parts[0] : NULL;
	struct kfunc_walk w = { out, pl, mod != NULL, 0 };
	struct attach_point *a;
	unsigned long size = 0;
	uint64_t off;
	char *func;
	int n = 0, err = 0;

	if (nparts < 1 || nparts > 2 || !*parts[nparts - 1] || (mod && !*mod)) {
		diag_error(d, &ap->loc, "%s probe type requires 1 argument", pl->name);
		return -EINVAL;
	}
	func = strdup(parts[nparts - 1]);
	if (parse_offset(func, &off, &has_off) || (has_off && fentry)) {
		if (has_off && fentry)
			diag_error(d, &ap->loc, "%s probes take no offset: %s", pl->name,
				   parts[nparts - 1]);
		else
			diag_error(d, &ap->loc, "%s: invalid offset in %s", pl->name, parts[nparts - 1]);
		err = -EINVAL;
		goto out;
	}
	if (has_off && ret) {
		diag_error(d, &ap->loc, "%s: a return probe cannot take an offset", pl->name);
		err = -EINVAL;
		goto out;
	}
	/* MODULE:FUNC needs a module this kernel has (bpftrace 0.17 knew no modules
	 * for kprobes, and its message for two arguments stays the first thing said). */
	if (mod && !has_wildcard(mod) && strcmp(mod, "vmlinux") && s->kinfo &&
	    s->kinfo->kfunc_glob && s->kinfo->kfunc_glob(mod, "*", fentry, count_one, &n) >= 0 &&
	    !n) {
		diag_error(d, &ap->loc, "%s probe type requires 1 argument (or MODULE:FUNCTION, "
			   "and '%s' is no loaded kernel module)", pl->name, mod);
		err = -EINVAL;
		goto out;
	}
	if (has_wildcard(func) || (mod && has_wildcard(mod))) {
		if (has_off) {
			diag_error(d, &ap->loc, "%s: an offset cannot follow a wildcard", pl->name);
			err = -EINVAL;
			goto out;
		}
		if (!s->kinfo || !s->kinfo->kfunc_glob) {
			diag_error(d, &ap->loc, "%s: no list of kernel functions to match wildcards",
				   pl->name);
			err = -ENOENT;
			goto out;
		}
		n = s->kinfo->kfunc_glob(mod, func, fentry, kfunc_visit, &w);
		if (n < 0) {
			diag_error(d, &ap->loc, "%s: cannot list kernel functions: %s", ap->text,
				   strerror(-n));
			err = n;
		} else if (!w.n) {
			diag_error(d, &ap->loc, "No probes matched: %s", ap->text);
			err = -ENOENT;
		}
		goto out;
	}
	if (s->kinfo && s->kinfo->kfunc_size && !fentry) {
		err = s->kinfo->kfunc_size(mod, func, &size);
		if (err == -ENOENT) {
			diag_error(d, &ap->loc, "%s: no kernel function '%s'%s%s", ap->text, func,
				   mod ? " in " : "", mod ? mod : "");
			goto out;
		}
		err = 0;
		if (has_off && size && off >= size) {
			diag_error(d, &ap->loc, "Offset outside the function bounds ('%s' size is %lu)",
				   func, size);
			err = -EINVAL;
			goto out;
		}
	}
	if (fentry && s->kinfo && s->kinfo->kfunc_glob) {
		n = 0;
		if (s->kinfo->kfunc_glob(mod, func, true, count_one, &n) >= 0 && !n) {
			diag_error(d, &ap->loc, "%s: no BTF for kernel function '%s'%s%s", ap->text,
				   func, mod ? " in " : "", mod ? mod : "");
			err = -ENOENT;
			goto out;
		}
	}
	a = ap_push(out, pl->kind);
	a->target = mod ? strdup(mod) : NULL;
	a->func = strdup(func);
	a->offset = off;
	a->full = mod ? join3(pl->name, mod, parts[1]) : join3(pl->name, parts[0], NULL);
out:
	free(func);
	return err;
}

/* expand_iter: iter:task and iter:task_file, the iterators bpftrace 0.17 knows. */
static int expand_iter(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
		       const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	struct attach_point *a;

	if (nparts != 1 || !*parts[0]) {
		diag_error(d, &ap->loc, "iter probe type requires 1 argument");
		return -EINVAL;
	}
	if (has_wildcard(parts[0])) {
		diag_error(d, &ap->loc, "iter probe type does not support wildcards");
		return -EINVAL;
	}
	if (strcmp(parts[0], "task") && strcmp(parts[0], "task_file")) {
		diag_error(d, &ap->loc, "iter probe type does not support %s iterator (known: "
			   "task, task_file)", parts[0]);
		return -EINVAL;
	}
	a = ap_push(out, pl->kind);
	a->func = strdup(parts[0]);
	a->full = join3(pl->name, parts[0], NULL);
	return 0;
}

/* expand_watchpoint: watchpoint:ADDR:LEN:MODE; the runtime reads the address from
 * offset, the length from freq and the mode ("rw", "x" ...) from target. */
static int expand_watchpoint(struct session *s, const struct probe_lang *pl, char **parts,
			     int nparts, const struct node *ap, struct ap_vec *out,
			     struct diag_sink *d)
{
	struct attach_point *a;
	uint64_t addr, len;
	char *end, full[256];

	if (nparts != 3) {
		diag_error(d, &ap->loc, "%s probe type requires 3 arguments", pl->name);
		return -EINVAL;
	}
	addr = strtoull(parts[0], &end, 0);
	if (!*parts[0] || *end) {
		diag_error(d, &ap->loc, "%s: invalid address '%s'", pl->name, parts[0]);
		return -EINVAL;
	}
	len = strtoull(parts[1], &end, 0);
	if (!*parts[1] || *end || (len != 1 && len != 2 && len != 4 && len != 8)) {
		diag_error(d, &ap->loc, "%s length must be one of (1,2,4,8)", pl->name);
		return -EINVAL;
	}
	if (!*parts[2] || strspn(parts[2], "rwx") != strlen(parts[2])) {
		diag_error(d, &ap->loc, "%s mode must be a combination of r, w and x", pl->name);
		return -EINVAL;
	}
	if (strchr(parts[2], 'x') && strpbrk(parts[2], "rw")) {
		diag_error(d, &ap->loc, "%s: x cannot be combined with r or w", pl->name);
		return -EINVAL;
	}
	a = ap_push(out, pl->kind);
	a->offset = addr;
	a->freq = len;
	a->target = strdup(parts[2]);
	snprintf(full, sizeof(full), "%s:%s:%s:%s", pl->name, parts[0], parts[1], parts[2]);
	a->full = strdup(full);
	return 0;
}

/* probe_resolve: can this kernel attach them? Fallbacks (kprobe as fentry, kfunc as
 * kprobe) change kind with a one-line notice; where nothing can attach, the error
 * says why in the user's terms. */
int probe_resolve(struct session *s, const struct node *node, struct ap_vec *aps, int from,
		  int to, struct diag_sink *d)
{
	bool noticed = false;
	char why[512];
	int i, alt, r;

	if (!s->kinfo || !s->kinfo->probe_support)
		return 0;
	for (i = from; i < to; i++) {
		struct attach_point *a = &aps->v[i];
		const char *name = a->wildcard ? node->text : a->full;

		switch (a->kind) {
		case PK_KPROBE: case PK_KRETPROBE: case PK_KFUNC: case PK_KRETFUNC:
		case PK_ITER:
			break;
		default:
			continue;
		}
		/* a wildcard's first match is no tracepoint to suggest */
		r = s->kinfo->probe_support(a->kind, a->wildcard ? NULL : a->func, &alt, why,
					    sizeof(why));
		if (r == PS_FALLBACK && (alt == PK_KFUNC || alt == PK_KRETFUNC) && a->offset) {
			diag_error(d, &node->loc, "%s: %s; fentry cannot attach at an offset", name,
				   strtok(why, ";"));
			return -EOPNOTSUPP;
		}
		if (r == PS_NONE) {
			diag_error(d, &node->loc, "%s: %s", name, why);
			return -EOPNOTSUPP;
		}
		if (r != PS_FALLBACK)
			continue;
		if (!noticed)
			diag_warn(d, NULL, "%s: %s", name, why);
		noticed = true;
		a->fallback = true;
		a->written_kind = a->kind;
		a->kind = alt;
	}
	return 0;
}

static const struct probe_lang probe_langs[] = {
	{ "BEGIN", NULL, PK_BEGIN, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_special },
	{ "END", NULL, PK_END, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_special },
	{ "tracepoint", "t", PK_TRACEPOINT, BPF_PROG_TYPE_TRACEPOINT, expand_tracepoint },
	{ "rawtracepoint", "rt", PK_RAWTRACEPOINT, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_func },
	{ "kprobe", "k", PK_KPROBE, BPF_PROG_TYPE_KPROBE, expand_kfunc_spec },
	{ "kretprobe", "kr", PK_KRETPROBE, BPF_PROG_TYPE_KPROBE, expand_kfunc_spec },
	{ "uprobe", "u", PK_UPROBE, BPF_PROG_TYPE_KPROBE, user_expand },
	{ "uretprobe", "ur", PK_URETPROBE, BPF_PROG_TYPE_KPROBE, user_expand },
	{ "usdt", "U", PK_USDT, BPF_PROG_TYPE_KPROBE, user_expand },
	{ "kfunc", "f", PK_KFUNC, BPF_PROG_TYPE_TRACING, expand_kfunc_spec },
	{ "kretfunc", "fr", PK_KRETFUNC, BPF_PROG_TYPE_TRACING, expand_kfunc_spec },
	{ "fentry", NULL, PK_KFUNC, BPF_PROG_TYPE_TRACING, expand_kfunc_spec },
	{ "fexit", NULL, PK_KRETFUNC, BPF_PROG_TYPE_TRACING, expand_kfunc_spec },
	{ "interval", "i", PK_INTERVAL, BPF_PROG_TYPE_PERF_EVENT, expand_timed },
	{ "profile", "p", PK_PROFILE, BPF_PROG_TYPE_PERF_EVENT, expand_timed },
	{ "software", "s", PK_SOFTWARE, BPF_PROG_TYPE_PERF_EVENT, expand_perf },
	{ "hardware", "h", PK_HARDWARE, BPF_PROG_TYPE_PERF_EVENT, expand_perf },
	{ "watchpoint", "w", PK_WATCHPOINT, BPF_PROG_TYPE_PERF_EVENT, expand_watchpoint },
	{ "iter", "it", PK_ITER, BPF_PROG_TYPE_TRACING, expand_iter },
};

const struct probe_lang *probe_lang_find(const char *provider)
{
	for (size_t i = 0; i < sizeof(probe_langs) / sizeof(probe_langs[0]); i++) {
		const struct probe_lang *pl = &probe_langs[i];

		if (!strcmp(pl->name, provider) || (pl->alias && !strcmp(pl->alias, provider)))
			return pl;
	}
	return NULL;
}

const struct probe_lang *probe_lang_of(enum probe_kind kind)
{
	for (size_t i = 0; i < sizeof(probe_langs) / sizeof(probe_langs[0]); i++)
		if (probe_langs[i].kind == kind)
			return &probe_langs[i];
	return NULL;
}

/* split_spec: split at ':' outside double quotes, unquoting quoted parts. */
static int split_spec(const char *spec, char ***partsp)
{
	char **parts = NULL, *cur = malloc(strlen(spec) + 1);
	int n = 0, len = 0;
	bool quoted = false;

	for (const char *p = spec;; p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (*p == '\\' && quoted && p[1]) {
			cur[len++] = *++p;
			continue;
		}
		if (!*p || (*p == ':' && !quoted)) {
			cur[len] = 0;
			parts = realloc(parts, sizeof(*parts) * (n + 1));
			parts[n++] = strdup(cur);
			len = 0;
			if (!*p)
				break;
			continue;
		}
		cur[len++] = *p;
	}
	free(cur);
	*partsp = parts;
	return n;
}

/* $1..$N in an attach point are the positional parameters, as in bpftrace
 * ("usdt:$1:*:query__start"); one not given is empty. */
static char *subst_params(const struct session *s, const char *text)
{
	size_t cap = strlen(text) + 1, len = 0;
	char *out = malloc(cap);

	for (const char *p = text; *p;) {
		const char *add = p;
		size_t alen = 1;

		if (p[0] == '$' && p[1] >= '0' && p[1] <= '9') {
			char *end;
			long i = strtol(p + 1, &end, 10);

			add = i >= 1 && i <= s->cfg.argc && s->cfg.argv ? s->cfg.argv[i - 1] : "";
			alen = strlen(add);
			p = end;
		} else {
			p++;
		}
		if (len + alen + 1 > cap) {
			cap = (len + alen + 1) * 2;
			out = realloc(out, cap);
		}
		memcpy(out + len, add, alen);
		len += alen;
	}
	out[len] = '\0';
	return out;
}

int probe_expand(struct session *s, const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	const struct probe_lang *pl;
	char **parts = NULL, *text;
	int n, err;

	text = strchr(ap->text, '$') ? subst_params(s, ap->text) : strdup(ap->text);
	n = split_spec(text, &parts);
	free(text);
	pl = probe_lang_find(parts[0]);
	if (!pl) {
		if (has_wildcard(parts[0]))
			diag_error(d, &ap->loc, "Wildcards are not allowed in probe types: %s", parts[0]);
		else
			diag_error(d, &ap->loc, "Invalid probe type: %s", parts[0]);
		err = -EINVAL;
	} else {
		err = pl->expand(s, pl, parts + 1, n - 1, ap, out, d);
	}
	for (int i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
	return err;
}
