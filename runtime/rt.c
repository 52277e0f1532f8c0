/* rt: the runtime session's lifetime, its kernel maps and its clauses.
 * Maps are created lazily as the session declares them and outlive clauses,
 * so the workbench can swap clauses while counts keep accumulating. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rt_priv.h"
#include "verifier_explain.h"

#define RB_BYTES_MIN (64u * 4096u)

int rt_fail(struct rt *rt, int err, const char *fmt, ...)
{
	va_list ap;

	rt->err_located = false;
	va_start(ap, fmt);
	vsnprintf(rt->err, sizeof(rt->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *rt_strerror(const struct rt *rt)
{
	return rt->err[0] ? rt->err : "no error";
}

void rt_msg(struct rt *rt, enum msg_level lvl, const char *fmt, ...)
{
	static const char *const prefix[] = { "", "WARNING: ", "ERROR: " };
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (rt->o && rt->o->ops && rt->o->ops->message)
		rt->o->ops->message(rt->o, lvl, buf);
	else
		fprintf(stderr, "%s%s\n", prefix[lvl], buf);
}

/* /sys/devices/system/cpu/online: "0-3,5,7-8". */
static int rt_read_cpus(struct rt *rt)
{
	char line[4096], *p, *end;
	long a, b, i;
	FILE *f;
	int *v;

	f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	for (p = line; *p && *p != '\n'; p = *end ? end + 1 : end) {
		a = b = strtol(p, &end, 10);
		if (end == p)
			return -EINVAL;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (i = a; i <= b; i++) {
			v = realloc(rt->cpus, (rt->ncpus + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			rt->cpus = v;
			rt->cpus[rt->ncpus++] = (int)i;
		}
		if (*end != ',')
			break;
	}
	return rt->ncpus ? 0 : -EINVAL;
}

struct rt *rt_new(struct session *s, struct output *o, const struct rt_opts *opts)
{
	struct rt *rt;

	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return NULL;
	rt->s = s;
	rt->o = o;
	if (opts)
		rt->opts = *opts;
	rt->sig_fd = rt->child_pidfd = rt->target_pidfd = -1;
	rt->child_go_fd = rt->child_err_fd = -1;
	rt->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	rt->ncpus_possible = libbpf_num_possible_cpus();
	if (rt->epoll_fd < 0 || rt->ncpus_possible <= 0 || rt_read_cpus(rt)) {
		rt_free(rt);
		return NULL;
	}
	return rt;
}

static enum bpf_map_type rt_map_type(enum map_storage st)
{
	switch (st) {
	case MAP_HASH:          return BPF_MAP_TYPE_HASH;
	case MAP_PERCPU_HASH:   return BPF_MAP_TYPE_PERCPU_HASH;
	case MAP_PERCPU_ARRAY:  return BPF_MAP_TYPE_PERCPU_ARRAY;
	case MAP_ARRAY:         return BPF_MAP_TYPE_ARRAY;
	case MAP_RINGBUF:       return BPF_MAP_TYPE_RINGBUF;
	case MAP_STACK_TRACE:   return BPF_MAP_TYPE_STACK_TRACE;
	case MAP_PERF_EVENT_ARRAY: return BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	}
	return BPF_MAP_TYPE_UNSPEC;
}

/* bpftrace's BPFTRACE_PERF_RB_PAGES per CPU, as one power-of-two ring. */
static unsigned rt_ringbuf_bytes(const struct rt *rt, const struct map_decl *d)
{
	unsigned long want, sz = RB_BYTES_MIN;
	long page = sysconf(_SC_PAGESIZE);

	/* The compiler's size (the pages of one CPU) is a floor: bpftrace gives every
	 * CPU that many pages, and a smaller ring loses records in bursts. */
	want = (unsigned long)(rt->s->cfg.perf_rb_pages ? rt->s->cfg.perf_rb_pages : 64) *
	       page * rt->ncpus_possible;
	if (d->max_entries > want)
		want = d->max_entries;
	while (sz < want && sz < (1ul << 30))
		sz <<= 1;
	return sz;
}

/* Kernel names allow [A-Za-z0-9_.]; "@x" becomes "AT_x" as in bpftrace. */
static void rt_map_name(char dst[BPF_OBJ_NAME_LEN], const char *src)
{
	size_t i = 0;

	if (src[0] == '@') {
		memcpy(dst, "AT_", 3);
		i = 3;
		src++;
	}
	for (; *src && i < BPF_OBJ_NAME_LEN - 1; src++, i++)
		dst[i] = ((*src >= 'a' && *src <= 'z') || (*src >= 'A' && *src <= 'Z') ||
			  (*src >= '0' && *src <= '9') || *src == '.') ? *src : '_';
	dst[i] = '\0';
}

static int rt_map_create(struct rt *rt, const struct map_decl *d)
{
	enum bpf_map_type type = rt_map_type(d->storage);
	unsigned key = d->key_size, val = d->value_size, max = d->max_entries;
	char name[BPF_OBJ_NAME_LEN];
	int fd;

	switch (d->storage) {
	case MAP_RINGBUF:
		key = val = 0;
		max = rt_ringbuf_bytes(rt, d);
		break;
	case MAP_ARRAY:
	case MAP_PERCPU_ARRAY:
	case MAP_STACK_TRACE:
		key = 4;
		break;
	case MAP_PERF_EVENT_ARRAY:
		key = val = 4;
		max = (unsigned)rt->ncpus_possible;
		break;
	default:
		break;
	}
	if (!max)
		max = d->storage == MAP_HASH || d->storage == MAP_PERCPU_HASH ?
		      (rt->s->cfg.map_keys_max ? rt->s->cfg.map_keys_max : 4096) : 1;
	rt_map_name(name, d->name ? d->name : "map");
	fd = bpf_map_create(type, name, key, val, max, NULL);
	if (fd < 0) {
		struct vx_explanation x;

		/* EPERM here is the first sign of no root, or of a memlock limit */
		vx_explain_map_create(fd, &x);
		return rt_fail(rt, fd, "maps: creating %s (key %u, value %u, %u entries): %s: %s. %s",
			       d->name, key, val, max, strerror(-fd), x.what, x.fix);
	}
	return fd;
}

int rt_map_fd(const struct rt *rt, int map_id)
{
	if (map_id < 0 || map_id >= rt->nmap_fds || rt->map_fds[map_id] < 0)
		return -ENOENT;
	return rt->map_fds[map_id];
}

static int rt_ringbuf_open(struct rt *rt, int id)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = RT_EP_RINGBUF };
	int fd = rt_map_fd(rt, id);

	if (fd < 0)
		return rt_fail(rt, fd, "maps: ring buffer map %d was not created", id);
	rt->rb = ring_buffer__new(fd, events_dispatch, rt, NULL);
	if (!rt->rb)
		return rt_fail(rt, -errno, "maps: ring buffer: %s", strerror(errno));
	if (epoll_ctl(rt->epoll_fd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(rt->rb), &ev) < 0) {
		ring_buffer__free(rt->rb);
		rt->rb = NULL;
		return rt_fail(rt, -errno, "maps: epoll: %s", strerror(errno));
	}
	return 0;
}

int rt_maps_sync(struct rt *rt)
{
	struct session *s = rt->s;
	int *v, i, fd, err;

	if (s->nmaps > rt->nmap_fds) {
		v = realloc(rt->map_fds, s->nmaps * sizeof(*v));
		if (!v)
			return rt_fail(rt, -ENOMEM, "maps: out of memory");
		for (i = rt->nmap_fds; i < s->nmaps; i++)
			v[i] = -1;
		rt->map_fds = v;
		rt->nmap_fds = s->nmaps;
	}
	for (i = 0; i < rt->nmap_fds; i++) {
		if ((i >= s->nmaps || !s->maps[i]) && rt->map_fds[i] >= 0) {
			close(rt->map_fds[i]);
			rt->map_fds[i] = -1;
		} else if (i < s->nmaps && s->maps[i] && rt->map_fds[i] < 0) {
			fd = rt_map_create(rt, s->maps[i]);
			if (fd < 0)
				return fd;
			rt->map_fds[i] = fd;
		}
	}
	if (!rt->rb && s->ringbuf_map >= 0 && (err = rt_ringbuf_open(rt, s->ringbuf_map)))
		return err;
	return skb_sync(rt);
}

static int rt_clauses_add(struct rt *rt, struct rt_clause *c)
{
	struct rt_clause **v;

	v = realloc(rt->clauses, (rt->nclauses + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rt->clauses = v;
	rt->clauses[rt->nclauses++] = c;
	return 0;
}

int rt_clause_load(struct rt *rt, struct clause_obj *c, struct rt_clause **out,
		   char **verifier_log)
{
	struct rt_clause *rc;
	int err;

	*out = NULL;
	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return rt_fail(rt, -ENOMEM, "loader: out of memory");
	rc->obj = c;
	rc->progs = calloc(c->nprogs ? c->nprogs : 1, sizeof(*rc->progs));
	if (!rc->progs) {
		err = rt_fail(rt, -ENOMEM, "loader: out of memory");
		goto cleanup;
	}
	rc->nprogs = c->nprogs;
	err = loader_load_clause(rt, c, rc->progs, verifier_log);
	if (err)
		goto cleanup;
	err = rt_clauses_add(rt, rc);
	if (err) {
		rt_fail(rt, err, "loader: out of memory");
		goto cleanup;
	}
	*out = rc;
	return 0;

cleanup:
	for (int i = 0; rc->progs && i < rc->nprogs; i++)
		if (rc->progs[i].fd >= 0)
			close(rc->progs[i].fd);
	free(rc->progs);
	free(rc);
	return err;
}

static bool rt_is_special(enum probe_kind k)
{
	return k == PK_BEGIN || k == PK_END;
}

int rt_prog_attach(struct rt *rt, const struct rt_prog *p, const struct attach_point *ap,
		   struct rt_links *out)
{
	const struct probe_ops *ops = probe_ops_find(ap->kind);
	struct rt_links tmp = {0};
	char why[256] = "";
	struct attach_ctx ctx = {
		.prog_fd = p->fd, .unit = p->unit, .ap_index = (int)(ap - p->unit->aps),
		.li = &p->li, .ap = ap, .cpus = rt->cpus, .ncpus = rt->ncpus,
		.pid = rt->s->cfg.target_pid > 0 ? rt->s->cfg.target_pid : rt->child_pid,
		.err = why, .errlen = sizeof(why),
	};
	int err;

	if (p->sys_raw || p->tp_raw) {
		/* sysraw: one raw tracepoint link serves every attach point of the program */
		if (p->sys_raw && ap != &p->unit->aps[0])
			return 0;
		err = p->sys_raw ? sysraw_attach(p->sys_raw, p->fd) : tpraw_attach(ap, p->fd);
		/* a wildcard's match that will not attach is skipped, as below */
		if (err < 0 && p->tp_raw && ap->wildcard && err != -ENOMEM && err != -EMFILE &&
		    err != -ENFILE) {
			rt_msg(rt, MSG_WARNING, "%s: %s, skipping.", ap->full, strerror(-err));
			return 0;
		}
		if (err < 0)
			return rt_fail(rt, err, "Error attaching probe: %s: %s", ap->full,
				       strerror(-err));
		if (links_push(out, err, -1)) {
			close(err);
			return rt_fail(rt, -ENOMEM, "Error attaching probe: %s: out of memory",
				       ap->full);
		}
		return 0;
	}
	if (!ops)
		return rt_fail(rt, -EOPNOTSUPP, "Error attaching probe: %s: probe type not supported",
			       ap->full);
	err = ops->attach(&ctx, &tmp);
	for (int i = 0; !err && ops->run && i < tmp.n; i++)
		tmp.v[i].run_ops = ops;
	if (!err)
		err = links_move(out, &tmp);
	if (err) {
		links_close(&tmp, &rt->reaper);
		/* A wildcard's match the kernel will not probe is skipped, as in bpftrace. */
		if (ap->wildcard && err != -ENOMEM && err != -EMFILE && err != -ENFILE) {
			rt_msg(rt, MSG_WARNING, "%s%s%s, skipping.", ap->full, why[0] ? ": " : "", why);
			return 0;
		}
		/* what to do about it, where the errno tells (issue 9: explain every failure) */
		return rt_fail(rt, err, "Error attaching probe: %s%s%s%s%s", ap->full,
			       why[0] ? ": " : "", why, vx_attach_hint(err) ? ". " : "",
			       vx_attach_hint(err) ? vx_attach_hint(err) : "");
	}
	return 0;
}

struct ap_ref {
	struct rt_clause *c;
	const struct rt_prog *p;
	const struct attach_point *ap;
	bool reverse;
};

/* Every attachable point of cs[] in script order (BEGIN/END are run, not attached). */
static struct ap_ref *rt_ap_refs(struct rt_clause **cs, int n, int *count)
{
	struct ap_ref *v = NULL, *nv;
	const struct probe_ops *ops;
	int ci, pi, ai, k = 0;

	for (ci = 0; ci < n; ci++) {
		for (pi = 0; pi < cs[ci]->nprogs; pi++) {
			const struct prog_unit *u = cs[ci]->progs[pi].unit;

			for (ai = 0; ai < u->naps; ai++) {
				if (rt_is_special(u->aps[ai].kind))
					continue;
				nv = realloc(v, (k + 1) * sizeof(*v));
				if (!nv) {
					free(v);
					return NULL;
				}
				v = nv;
				ops = probe_ops_find(u->aps[ai].kind);
				v[k++] = (struct ap_ref){ cs[ci], &cs[ci]->progs[pi], &u->aps[ai],
							  ops && ops->attach_reverse };
			}
		}
	}
	*count = k;
	return v ? v : calloc(1, sizeof(*v));
}

/* bpftrace's order: kinds whose programs run in attach order go first-to-last,
 * then kinds run newest-first go clause by clause, last to first, so on a shared
 * event clauses run in script order. On failure only what this call attached is detached. */
int rt_attach_all(struct rt *rt, struct rt_clause **cs, int n)
{
	struct rt_links undo = {0};
	struct ap_ref *refs;
	int *base, i, k = 0, err = 0;

	refs = rt_ap_refs(cs, n, &k);
	base = calloc(n ? n : 1, sizeof(*base));
	if (!refs || !base) {
		err = rt_fail(rt, -ENOMEM, "attach: out of memory");
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		base[i] = cs[i]->links.n;
	for (i = 0; i < k && !err; i++)
		if (!refs[i].reverse)
			err = rt_prog_attach(rt, refs[i].p, refs[i].ap, &refs[i].c->links);
	/* newest-first kinds: clauses last to first, but a clause's own attach
	 * points in order (usdt:bin:* fires its first probe first on kernels
	 * without uprobe_multi too, where each is a link of its own) */
	for (int end = k; end > 0 && !err;) {
		int start = end - 1;

		while (start > 0 && refs[start - 1].c == refs[end - 1].c)
			start--;
		for (i = start; i < end && !err; i++)
			if (refs[i].reverse)
				err = rt_prog_attach(rt, refs[i].p, refs[i].ap, &refs[i].c->links);
		end = start;
	}
	if (err) {
		for (i = 0; i < n; i++) {
			while (cs[i]->links.n > base[i]) {
				struct rt_link *l = &cs[i]->links.v[--cs[i]->links.n];

				if (links_push(&undo, l->link_fd, l->perf_fd)) {
					close(l->link_fd);
					close(l->perf_fd);
				}
			}
		}
		links_close(&undo, &rt->reaper);
	}

cleanup:
	free(refs);
	free(base);
	return err;
}

void rt_detach_all(struct rt *rt, struct rt_clause **cs, int n)
{
	struct rt_links all = {0};
	int i;

	/* One batch, so the slow closes of every clause overlap. */
	for (i = 0; i < n; i++) {
		if (links_move(&all, &cs[i]->links))
			links_close(&cs[i]->links, &rt->reaper);
	}
	links_close(&all, &rt->reaper);
}

int rt_clause_attach(struct rt *rt, struct rt_clause *c)
{
	return rt_attach_all(rt, &c, 1);
}

void rt_clause_detach(struct rt *rt, struct rt_clause *c)
{
	rt_detach_all(rt, &c, 1);
}

int rt_prog_trigger(struct rt *rt, const struct rt_prog *p)
{
	/* A raw tracepoint's context is its u64 arguments; BEGIN/END read none. */
	__u64 args[12] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = args, .ctx_size_in = sizeof(args));
	int err;

	err = bpf_prog_test_run_opts(p->fd, &topts);
	if (err)
		return rt_fail(rt, err, "Error running probe %s: %s",
			       p->unit->naps ? p->unit->aps[0].full : p->unit->name,
			       strerror(-err));
	return 0;
}

int rt_clause_trigger(struct rt *rt, struct rt_clause *c, enum probe_kind kind)
{
	int i, j, err;

	for (i = 0; i < c->nprogs; i++) {
		const struct prog_unit *u = c->progs[i].unit;
		bool hit = !u->naps && u->kind == kind;

		for (j = 0; j < u->naps; j++)
			hit |= u->aps[j].kind == kind;
		if (!hit)
			continue;
		err = rt_prog_trigger(rt, &c->progs[i]);
		if (err)
			return err;
	}
	return 0;
}

int rt_clause_nprobes(const struct rt_clause *c)
{
	return clause_obj_nprobes(c->obj);
}

void rt_clause_free(struct rt *rt, struct rt_clause *c)
{
	int i;

	if (!c)
		return;
	links_close(&c->links, &rt->reaper);
	for (i = 0; i < c->nprogs; i++)
		if (c->progs[i].fd >= 0)
			close(c->progs[i].fd);
	for (i = 0; i < rt->nclauses; i++) {
		if (rt->clauses[i] == c) {
			rt->clauses[i] = rt->clauses[--rt->nclauses];
			break;
		}
	}
	free(c->progs);
	free(c);
}

void rt_free(struct rt *rt)
{
	int i;

	if (!rt)
		return;
	rt_detach_all(rt, rt->clauses, rt->nclauses);
	while (rt->nclauses)
		rt_clause_free(rt, rt->clauses[0]);
	free(rt->clauses);
	perf_reaper_wait(&rt->reaper);
	if (rt->child_pid > 0 && !rt->child_reaped) {
		kill(rt->child_pid, SIGKILL);
		waitpid(rt->child_pid, NULL, 0);
	}
	ring_buffer__free(rt->rb);
	skb_free(rt);
	for (i = 0; i < rt->nmap_fds; i++)
		if (rt->map_fds[i] >= 0)
			close(rt->map_fds[i]);
	free(rt->map_fds);
	if (rt->epoll_fd >= 0)
		close(rt->epoll_fd);
	if (rt->sig_fd >= 0)
		close(rt->sig_fd);
	if (rt->child_pidfd >= 0)
		close(rt->child_pidfd);
	if (rt->target_pidfd >= 0)
		close(rt->target_pidfd);
	if (rt->child_go_fd >= 0)
		close(rt->child_go_fd);
	if (rt->child_err_fd >= 0)
		close(rt->child_err_fd);
	free(rt->cpus);
	sbuf_free(&rt->fmt_sb);
	free(rt->log_buf);
	free(rt);
}
