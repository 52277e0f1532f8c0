/* probes: attach point specs -> concrete attach points, one entry per probe type.
 * Adding a probe type to the compiler means one table entry here and, when its
 * spec has its own syntax, one expand function. */
#include <errno.h>
#include <fnmatch.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "probes.h"

void attach_point_free_fields(struct attach_point *ap)
{
	free(ap->target);
	free(ap->func);
	free(ap->full);
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
	if (n < 0) {
		diag_error(d, &ap->loc, "cannot read tracepoints: %s", strerror(-n));
		return n;
	}
	if (out->n == before) {
		if (has_wildcard(parts[0]) || has_wildcard(parts[1]))
			diag_error(d, &ap->loc, "No probes matched: %s", ap->text);
		else
			diag_error(d, &ap->loc, "Invalid tracepoint: %s:%s (no such event in tracefs)",
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

/* expand_user: uprobe:BIN:FUNC, usdt:BIN[:PROVIDER]:NAME; resolved by the runtime. */
static int expand_user(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
		       const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	struct attach_point *a;

	if (nparts < 2 || nparts > 3) {
		diag_error(d, &ap->loc, "%s probe type requires 2 arguments", pl->name);
		return -EINVAL;
	}
	a = ap_push(out, pl->kind);
	a->target = strdup(parts[0]);
	a->func = nparts == 3 ? join3(parts[1], parts[2], NULL) : strdup(parts[1]);
	a->full = join3(pl->name, parts[0], a->func);
	return 0;
}

static const struct probe_lang probe_langs[] = {
	{ "BEGIN", NULL, PK_BEGIN, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_special },
	{ "END", NULL, PK_END, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_special },
	{ "tracepoint", "t", PK_TRACEPOINT, BPF_PROG_TYPE_TRACEPOINT, expand_tracepoint },
	{ "rawtracepoint", "rt", PK_RAWTRACEPOINT, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_func },
	{ "kprobe", "k", PK_KPROBE, BPF_PROG_TYPE_KPROBE, expand_func },
	{ "kretprobe", "kr", PK_KRETPROBE, BPF_PROG_TYPE_KPROBE, expand_func },
	{ "uprobe", "u", PK_UPROBE, BPF_PROG_TYPE_KPROBE, expand_user },
	{ "uretprobe", "ur", PK_URETPROBE, BPF_PROG_TYPE_KPROBE, expand_user },
	{ "usdt", "U", PK_USDT, BPF_PROG_TYPE_KPROBE, expand_user },
	{ "kfunc", "f", PK_KFUNC, BPF_PROG_TYPE_TRACING, expand_func },
	{ "kretfunc", "fr", PK_KRETFUNC, BPF_PROG_TYPE_TRACING, expand_func },
	{ "fentry", NULL, PK_KFUNC, BPF_PROG_TYPE_TRACING, expand_func },
	{ "fexit", NULL, PK_KRETFUNC, BPF_PROG_TYPE_TRACING, expand_func },
	{ "interval", "i", PK_INTERVAL, BPF_PROG_TYPE_PERF_EVENT, expand_timed },
	{ "profile", "p", PK_PROFILE, BPF_PROG_TYPE_PERF_EVENT, expand_timed },
	{ "software", "s", PK_SOFTWARE, BPF_PROG_TYPE_PERF_EVENT, expand_perf },
	{ "hardware", "h", PK_HARDWARE, BPF_PROG_TYPE_PERF_EVENT, expand_perf },
	{ "watchpoint", "w", PK_WATCHPOINT, BPF_PROG_TYPE_PERF_EVENT, expand_func },
	{ "iter", "it", PK_ITER, BPF_PROG_TYPE_TRACING, expand_func },
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

int probe_expand(struct session *s, const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	const struct probe_lang *pl;
	char **parts = NULL;
	int n, err;

	n = split_spec(ap->text, &parts);
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
