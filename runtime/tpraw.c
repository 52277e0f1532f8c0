/* tpraw: tracepoints served by raw tracepoint links, the rest of what sysraw.c
 * does for syscalls. Closing a perf-event tracepoint waits for two RCU grace
 * periods (80-100 ms at exit); a raw tracepoint link detaches in well under a
 * millisecond. A program that never reads its context runs the same either way:
 * TP_CONDITION is checked before any probe of the tracepoint runs, and a raw
 * tracepoint NAME is the event CAT:NAME itself, so no filter is needed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "features.h"
#include "rt_priv.h"
#include "tracefs.h"

/* The kernel tracepoint whose probe runs the perf-event programs of ap: one per
 * event, but every syscalls:sys_enter_* event hangs on sys_enter (and exits on
 * sys_exit). NULL for anything but a tracepoint. */
static const char *tpraw_kernel_tp(const struct attach_point *ap)
{
	if (ap->kind != PK_TRACEPOINT || !ap->target || !ap->func)
		return NULL;
	if (!strcmp(ap->target, "syscalls"))
		return !strncmp(ap->func, "sys_enter_", 10) ? "sys_enter" :
		       !strncmp(ap->func, "sys_exit_", 9) ? "sys_exit" : NULL;
	return ap->func;
}

/* Does a perf-event program of progs[] run on kernel tracepoint tp? */
static bool tpraw_perf_in(const struct rt_prog *progs, int n, const char *tp)
{
	for (int i = 0; i < n; i++) {
		const struct prog_unit *u = progs[i].unit;

		if (progs[i].sys_raw || progs[i].tp_raw || !u)
			continue;
		for (int k = 0; k < u->naps; k++) {
			const char *t = tpraw_kernel_tp(&u->aps[k]);

			if (t && !strcmp(t, tp))
				return true;
		}
	}
	return false;
}

bool tpraw_perf_loaded(const struct rt *rt, const struct rt_prog *cur, int ncur, const char *tp)
{
	if (tpraw_perf_in(cur, ncur, tp))
		return true;
	for (int i = 0; i < rt->nclauses; i++)
		if (tpraw_perf_in(rt->clauses[i]->progs, rt->clauses[i]->nprogs, tp))
			return true;
	return false;
}

/* A module's BTF (/sys/kernel/btf/MOD), parsed once; NULL when it has none. */
static const struct btf *tpraw_module_btf(const char *mod)
{
	static struct { char *name; struct btf *btf; } cache[16];
	static int ncache;
	struct btf *base = features_vmlinux_btf(), *btf;
	char path[256];

	for (int i = 0; i < ncache; i++)
		if (!strcmp(cache[i].name, mod))
			return cache[i].btf;
	if (!base || strchr(mod, '/') ||
	    snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mod) >= (int)sizeof(path))
		return NULL;
	btf = btf__parse_split(path, base);     /* NULL: no such module, or no BTF */
	if (ncache < (int)(sizeof(cache) / sizeof(cache[0]))) {
		cache[ncache].name = strdup(mod);
		if (cache[ncache].name)
			cache[ncache++].btf = btf;
	}
	return btf;
}

/* Is NAME a kernel tracepoint under that name? The BTF typedef btf_trace_NAME is
 * what the kernel emits for each one a raw tracepoint can attach to, in vmlinux
 * or (as the category usually names it) the module CAT. */
static bool tpraw_known(const char *cat, const char *name)
{
	const struct btf *vmlinux = features_vmlinux_btf(), *mod;
	char tn[256];

	if (!vmlinux || snprintf(tn, sizeof(tn), "btf_trace_%s", name) >= (int)sizeof(tn))
		return false;
	if (btf__find_by_name_kind(vmlinux, tn, BTF_KIND_TYPEDEF) > 0)
		return true;
	mod = tpraw_module_btf(cat);
	return mod && btf__find_by_name_kind(mod, tn, BTF_KIND_TYPEDEF) > 0;
}

/* A dynamic event (kprobe, uprobe, eprobe, synthetic or user event) can be
 * named like a kernel tracepoint: tracefs dynamic_events has a line
 * "TYPE:GROUP/EVENT ..." (or "TYPE:EVENT ...", in the type's group) for each.
 * Read once: the events are fixed by the time programs load. */
static bool tpraw_dynamic(const char *cat, const char *name)
{
	static char *text;
	static bool read;
	char want[512];
	size_t wlen, nlen = strlen(name);

	if (!read) {
		read = true;
		if (tracefs_read("dynamic_events", &text))
			text = NULL;
	}
	wlen = (size_t)snprintf(want, sizeof(want), "%s/%s", cat, name);
	for (const char *l = text, *nl; l && *l; l = nl ? nl + 1 : "") {
		const char *ev = strchr(l, ':'), *end;

		nl = strchr(l, '\n');
		if (!ev)
			break;
		ev++;
		end = ev + strcspn(ev, " \n");
		if (((size_t)(end - ev) == wlen && !strncmp(ev, want, wlen)) ||
		    ((size_t)(end - ev) == nlen && !strncmp(ev, name, nlen)))
			return true;
	}
	return false;
}

static bool tpraw_enabled(void)
{
	const char *env = getenv("BPFDECK_RAW_TRACEPOINTS");

	return !(env && !strcmp(env, "0"));
}

bool tpraw_plan(const struct rt *rt, const struct rt_prog *cur, int ncur,
		const struct prog_unit *u, const struct bpf_insn *insns, size_t n)
{
	if (rt->opts.verbose || rt->tpraw_off || !u->naps || !tpraw_enabled())
		return false;
	for (int i = 0; i < u->naps; i++) {
		const struct attach_point *ap = &u->aps[i];

		if (ap->kind != PK_TRACEPOINT || !ap->target || !ap->func ||
		    !strcmp(ap->target, "syscalls") || !tpraw_known(ap->target, ap->func) ||
		    tpraw_dynamic(ap->target, ap->func))
			return false;
		/* perf programs already on it run from the one perf probe, registered
		 * before this link would be: later ones would run ahead of it */
		if (tpraw_perf_loaded(rt, cur, ncur, ap->func))
			return false;
	}
	return sysraw_ctx_unused(insns, n);
}

int tpraw_attach(const struct attach_point *ap, int prog_fd)
{
	return bpf_raw_tracepoint_open(ap->func, prog_fd);
}

/* The kernel runs a tracepoint's probes in the order they were registered, and
 * the perf-event programs of one event all from one probe, registered when the
 * first perf event opened (by us or by anyone). A raw link and a perf program
 * of ours on one tracepoint could then run out of script order. */
bool tpraw_mixed(struct rt_clause **cs, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; cs[i] && j < cs[i]->nprogs; j++) {
			const struct rt_prog *p = &cs[i]->progs[j];

			for (int k = 0; p->tp_raw && k < p->unit->naps; k++)
				for (int m = 0; m < n; m++)
					if (cs[m] && tpraw_perf_in(cs[m]->progs, cs[m]->nprogs,
								   p->unit->aps[k].func))
						return true;
		}
	}
	return false;
}
