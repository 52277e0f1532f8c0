/* events: the consumer side of the event ring buffer and the poll loop.
 * Each record (struct event_hdr + payload) becomes one output call; the loop
 * also takes signals and the exit of the -c/-p process from one epoll set. */
#define _GNU_SOURCE  /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rt_priv.h"
#include "symbols.h"

extern char **environ;

/* Records handled per consume before rt_poll looks at signals again: a producer
 * that outpaces us must not keep Ctrl-C from being seen. */
#define EVENTS_BUDGET 4096
/* Returned by the callback to make ring_buffer__consume stop early. */
#define EVENTS_YIELD (-ECANCELED)
#define TIME_BUF 64             /* bpftrace's strftime buffer: longer is an error */
#define CAT_BYTES_DEFAULT 10240
#define LOST_MAP_NAME "__lost_events"

static const struct fmt_decl *events_fmt(struct rt *rt, uint32_t id)
{
	if (id >= (uint32_t)rt->s->nfmts || !rt->s->fmts[id]) {
		rt_msg(rt, MSG_ERROR, "event refers to unknown format %u", id);
		return NULL;
	}
	return rt->s->fmts[id];
}

static const struct map_decl *events_map(struct rt *rt, uint32_t id, int *fd)
{
	if (id >= (uint32_t)rt->s->nmaps || !rt->s->maps[id] || rt_map_fd(rt, id) < 0) {
		rt_msg(rt, MSG_ERROR, "event refers to unknown map %u", id);
		return NULL;
	}
	*fd = rt_map_fd(rt, id);
	return rt->s->maps[id];
}

/* A record's text into rt->fmt_sb, reused from record to record so a printf
 * stream formats without allocating or copying. Its length, or -errno. */
static int events_format(struct rt *rt, const struct fmt_decl *fmt, const void *payload,
			 size_t plen)
{
	int err;

	sbuf_reset(&rt->fmt_sb);
	err = format_printf_sb(rt->o, fmt, payload, plen, &rt->fmt_sb);
	if (!err && rt->fmt_sb.oom)
		err = -ENOMEM;
	if (err)
		return err;
	/* later uses take it as a C string */
	if (!rt->fmt_sb.buf)
		sbuf_put(&rt->fmt_sb, "", 0);
	return rt->fmt_sb.len > INT32_MAX ? -EOVERFLOW : (int)rt->fmt_sb.len;
}

/* system(): the command's stdout is the output. posix_spawn, not popen, so the
 * shell gets default signal handling instead of our blocked set. */
static void events_system(struct rt *rt, const char *cmd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	char *out = NULL, *p;
	size_t len = 0, cap = 0;
	sigset_t none, dfl;
	int pipefd[2] = { -1, -1 };
	pid_t pid = -1;
	ssize_t r;
	int err;

	if (pipe2(pipefd, O_CLOEXEC)) {
		rt_msg(rt, MSG_ERROR, "system(): pipe: %s", strerror(errno));
		return;
	}
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipefd[1]);
	if (err) {
		rt_msg(rt, MSG_ERROR, "system(): %s", strerror(err));
		goto cleanup;
	}
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			p = realloc(out, cap);
			if (!p)
				break;
			out = p;
		}
		r = read(pipefd[0], out + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (len)
		rt->o->ops->text(rt->o, TEXT_SYSTEM, out, len);

cleanup:
	free(out);
	close(pipefd[0]);
}

/* cat(): up to BPFTRACE_CAT_BYTES_MAX bytes of the file, as one output. */
static void events_cat(struct rt *rt, const char *path)
{
	size_t max = rt->s->cfg.cat_bytes_max ? rt->s->cfg.cat_bytes_max : CAT_BYTES_DEFAULT;
	size_t len = 0;
	char *buf;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rt_msg(rt, MSG_ERROR, "failed to open file '%s': %s", path, strerror(errno));
		return;
	}
	buf = malloc(max + 1);
	while (buf && len < max) {
		r = read(fd, buf + len, max - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rt_msg(rt, MSG_ERROR, "failed to open file '%s': %s", path, strerror(errno));
		if (r <= 0)
			break;
		len += r;
	}
	if (buf && len)
		rt->o->ops->text(rt->o, TEXT_CAT, buf, len);
	free(buf);
	close(fd);
}

static void events_time(struct rt *rt, const struct fmt_decl *fmt)
{
	char buf[TIME_BUF];
	struct tm tm;
	time_t t = time(NULL);
	size_t n;

	if (!localtime_r(&t, &tm)) {
		rt_msg(rt, MSG_WARNING, "localtime_r: %s", strerror(errno));
		return;
	}
	n = strftime(buf, sizeof(buf), fmt->text ? fmt->text : "%H:%M:%S\n", &tm);
	if (!n) {
		rt_msg(rt, MSG_ERROR, "strftime returned 0");
		return;
	}
	rt->o->ops->text(rt->o, TEXT_TIME, buf, n);
}

/* join(): the strings up to the first empty one, separated by fmt->text. The
 * text is passed without a newline: bpftrace adds one in text mode only. */
static void events_join(struct rt *rt, const struct fmt_decl *fmt, const char *p, size_t plen)
{
	size_t argsz = rt->s->cfg.strlen ? rt->s->cfg.strlen : 64;
	size_t sep = fmt->text ? strlen(fmt->text) : 0, len = 0, n, i;
	char *out;

	out = malloc(JOIN_MAX_ARGS * (argsz + sep) + 1);
	if (!out)
		return;
	for (i = 0; i < JOIN_MAX_ARGS && (i + 1) * argsz <= plen; i++) {
		n = strnlen(p + i * argsz, argsz);
		if (!n)
			break;
		if (i) {
			memcpy(out + len, fmt->text, sep);
			len += sep;
		}
		memcpy(out + len, p + i * argsz, n);
		len += n;
	}
	out[len] = '\0';
	rt->o->ops->text(rt->o, TEXT_JOIN, out, len);
	free(out);
}

static void events_print_map(struct rt *rt, uint32_t id, const void *payload, size_t plen)
{
	const struct ev_print_map *pm = payload;
	const struct map_decl *d;
	struct map_snapshot *snap = NULL;
	int fd, err;

	d = events_map(rt, id, &fd);
	if (!d)
		return;
	err = map_snapshot_read(d, fd, &snap);
	if (err) {
		rt_msg(rt, MSG_ERROR, "Could not print map with ident \"%s\", err=%d", d->name, err);
		return;
	}
	rt->o->ops->map(rt->o, snap, plen >= sizeof(*pm) ? pm->top : 0,
			plen >= sizeof(*pm) ? pm->div : 0);
	map_snapshot_free(snap);
}

/* print(@m[k]) of an aggregation: that entry with its CPUs added up (zero when
 * the key is missing, as reading it in the program would give). */
static void events_print_map_key(struct rt *rt, uint32_t id, const void *key, size_t klen)
{
	const struct map_decl *d;
	struct map_snapshot *snap = NULL;
	const void *value = NULL;
	void *zero = NULL;
	int fd, err;

	d = events_map(rt, id, &fd);
	if (!d || !d->key || klen < d->key_size || !rt->o->ops->value)
		return;
	err = map_snapshot_read(d, fd, &snap);
	if (err) {
		rt_msg(rt, MSG_ERROR, "Could not print map with ident \"%s\", err=%d", d->name, err);
		return;
	}
	for (size_t i = 0; i < snap->n && !value; i++)
		if (!memcmp(snap->entries[i].key, key, d->key_size))
			value = snap->entries[i].value;
	if (!value)
		value = zero = calloc(1, d->value_size ? d->value_size : 8);
	if (value)
		rt->o->ops->value(rt->o, d->value, value);
	free(zero);
	map_snapshot_free(snap);
}

static void events_map_op(struct rt *rt, uint32_t kind, uint32_t id)
{
	const struct map_decl *d;
	int fd, err;

	d = events_map(rt, id, &fd);
	if (!d)
		return;
	err = kind == EV_CLEAR ? map_clear(d, fd) : map_zero(d, fd);
	if (err)
		rt_msg(rt, MSG_ERROR, "Could not %s map with ident \"%s\", err=%d",
		       kind == EV_CLEAR ? "clear" : "zero", d->name, err);
}

static void events_text(struct rt *rt, uint32_t kind, const struct fmt_decl *fmt,
			const void *payload, size_t plen)
{
	int n = events_format(rt, fmt, payload, plen);

	if (n < 0) {
		rt_msg(rt, MSG_ERROR, "could not format \"%s\": %s", fmt->text, strerror(-n));
		return;
	}
	switch (kind) {
	case EV_PRINTF:
		rt->o->ops->text(rt->o, TEXT_PRINTF, rt->fmt_sb.buf, n);
		break;
	case EV_SYSTEM:
		if (!rt->s->cfg.unsafe)
			rt_msg(rt, MSG_ERROR, "system() not allowed in safe mode");
		else
			events_system(rt, rt->fmt_sb.buf);
		break;
	case EV_CAT:
		events_cat(rt, rt->fmt_sb.buf);
		break;
	}
}

static void events_handle(struct rt *rt, const struct event_hdr *h, const void *payload,
			  size_t plen)
{
	const struct fmt_decl *fmt = NULL;

	switch (h->kind) {
	case EV_PRINTF:
	case EV_SYSTEM:
	case EV_CAT:
		if ((fmt = events_fmt(rt, h->id)))
			events_text(rt, h->kind, fmt, payload, plen);
		break;
	case EV_TIME:
		if ((fmt = events_fmt(rt, h->id)))
			events_time(rt, fmt);
		break;
	case EV_JOIN:
		if ((fmt = events_fmt(rt, h->id)))
			events_join(rt, fmt, payload, plen);
		break;
	case EV_PRINT_VALUE:
		fmt = events_fmt(rt, h->id);
		if (fmt && fmt->args && fmt->args->nfields && rt->o->ops->value &&
		    plen >= fmt->args->fields[0].type->size)
			rt->o->ops->value(rt->o, fmt->args->fields[0].type, payload);
		break;
	case EV_PRINT_MAP:
		events_print_map(rt, h->id, payload, plen);
		break;
	case EV_PRINT_MAP_KEY:
		events_print_map_key(rt, h->id, payload, plen);
		break;
	case EV_CLEAR:
	case EV_ZERO:
		events_map_op(rt, h->kind, h->id);
		break;
	case EV_HELPER_ERROR:
		if ((fmt = events_fmt(rt, h->id)) && plen >= sizeof(int64_t) &&
		    rt->o->ops->helper_error) {
			int64_t ret;

			memcpy(&ret, payload, sizeof(ret));
			rt->o->ops->helper_error(rt->o, fmt->text, ret, fmt->line, fmt->col,
						 fmt->last_col > fmt->col ? fmt->last_col : fmt->col);
		}
		break;
	default:
		rt_msg(rt, MSG_ERROR, "unknown event kind %u", h->kind);
		break;
	}
}

int events_dispatch(void *ctx, void *data, size_t size)
{
	struct rt *rt = ctx;
	const struct event_hdr *h = data;

	/* a process seen with a user stack: capture its mappings while it lives,
	 * even after exit(), since maps print later */
	if (size >= sizeof(*h) + sizeof(uint64_t) && h->kind == EV_USER_PID) {
		uint64_t pid;

		memcpy(&pid, h + 1, sizeof(pid));
		symbols_note_pid(rt->o ? rt->o->syms : NULL, (int)pid);
		return 0;
	}
	if (!rt->discard && size >= sizeof(*h)) {
		if (h->kind == EV_EXIT) {
			/* bpftrace ignores whatever follows exit(), END's output aside. */
			rt->discard = true;
			if (!rt->stop)
				rt->stop = RT_STOP_EXIT;
			return EVENTS_YIELD;
		}
		events_handle(rt, h, h + 1, size - sizeof(*h));
	}
	if (rt->budget && --rt->budget == 0)
		return EVENTS_YIELD;
	return 0;
}

/* 1: stopped early (budget or exit), 0: buffer empty, -errno. */
int events_consume(struct rt *rt)
{
	int n;

	if (!rt->rb)
		return 0;
	rt->budget = EVENTS_BUDGET;
	n = ring_buffer__consume(rt->rb);
	rt->budget = 0;
	if (n == EVENTS_YIELD)
		return 1;
	if (n < 0)
		return rt_fail(rt, n, "events: ring buffer: %s", strerror(-n));
	return 0;
}

int rt_drain(struct rt *rt, bool print)
{
	int err;

	skb_consume(rt);        /* packets go to their files whether or not we print */
	rt->discard = !print;
	do
		err = events_consume(rt);
	while (err == 1 && !(print && rt->discard));
	if (!print)
		rt->discard = false;
	if (rt->o && rt->o->ops->flush)
		rt->o->ops->flush(rt->o);
	return err < 0 ? err : 0;
}

uint64_t rt_lost_events(struct rt *rt)
{
	const struct map_decl *d = NULL;
	uint64_t *vals, total = 0, n;
	__u32 key = 0;
	int i, fd;

	for (i = 0; i < rt->s->nmaps && !d; i++)
		if (rt->s->maps[i] && rt->s->maps[i]->name &&
		    !strcmp(rt->s->maps[i]->name, LOST_MAP_NAME))
			d = rt->s->maps[i];
	if (!d || (fd = rt_map_fd(rt, d->id)) < 0)
		return 0;
	vals = calloc(rt->ncpus_possible, sizeof(*vals));
	if (!vals)
		return 0;
	/* per-CPU values come back 8-byte aligned, one per possible CPU */
	if (!bpf_map_lookup_elem(fd, &key, vals))
		for (i = 0; i < rt->ncpus_possible; i++)
			total += vals[i];
	free(vals);
	n = total > rt->lost_seen ? total - rt->lost_seen : 0;
	rt->lost_seen = total;
	return n;
}

/* The programs count lost records in a per-CPU map, and reading it is a system
 * call: a busy stream (a wake-up every few dozen records) looks at most this
 * often; the run's end reads the rest. */
#define LOST_CHECK_NS 100000000ull

static void events_report_lost(struct rt *rt)
{
	struct timespec ts;
	uint64_t now, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (rt->lost_checked && now - rt->lost_checked < LOST_CHECK_NS)
		return;
	rt->lost_checked = now;
	n = rt_lost_events(rt);

	if (n && rt->o->ops->lost_events)
		rt->o->ops->lost_events(rt->o, n);
}

static int events_map_cmp(const void *a, const void *b)
{
	const struct map_decl *x = *(const struct map_decl *const *)a;
	const struct map_decl *y = *(const struct map_decl *const *)b;

	return strcmp(x->name, y->name);
}

int rt_print_maps(struct rt *rt, bool at_exit)
{
	const struct map_decl **v;
	struct map_snapshot *snap;
	int i, n = 0, err = 0, fd;

	v = calloc(rt->s->nmaps ? rt->s->nmaps : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < rt->s->nmaps; i++)
		if (rt->s->maps[i] && !rt->s->maps[i]->internal && rt_map_fd(rt, i) >= 0)
			v[n++] = rt->s->maps[i];
	qsort(v, n, sizeof(*v), events_map_cmp);
	if (at_exit && rt->o->ops->exit_maps_begin)
		rt->o->ops->exit_maps_begin(rt->o);
	for (i = 0; i < n; i++) {
		fd = rt_map_fd(rt, v[i]->id);
		snap = NULL;
		err = map_snapshot_read(v[i], fd, &snap);
		if (err) {
			rt_msg(rt, MSG_ERROR, "Could not print map with ident \"%s\", err=%d",
			       v[i]->name, err);
			continue;
		}
		rt->o->ops->map(rt->o, snap, 0, 0);
		map_snapshot_free(snap);
	}
	if (rt->o->ops->flush)
		rt->o->ops->flush(rt->o);
	free(v);
	return err;
}

void rt_request_stop(struct rt *rt, enum rt_stop why)
{
	if (why == RT_RUNNING) {
		rt->stop = RT_RUNNING;
		rt->discard = false;
	} else if (!rt->stop) {
		rt->stop = why;
	}
}

static void events_unwatch(struct rt *rt, int *fd)
{
	epoll_ctl(rt->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static void events_signals(struct rt *rt)
{
	struct signalfd_siginfo si;

	while (read(rt->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			rt_print_maps(rt, false);
		else
			rt_request_stop(rt, RT_STOP_SIGNAL);
	}
}

static void events_child(struct rt *rt)
{
	int status;

	if (waitpid(rt->child_pid, &status, WNOHANG) != rt->child_pid)
		return;
	rt->child_reaped = true;
	events_unwatch(rt, &rt->child_pidfd);
	rt_request_stop(rt, RT_STOP_CHILD);
}

int rt_poll(struct rt *rt, int timeout_ms)
{
	struct epoll_event evs[8];
	bool rb = false, sig = false, child = false, target = false, pb = false;
	int i, n, err;

	if (rt->stop)
		return rt->stop;
	n = epoll_wait(rt->epoll_fd, evs, 8, timeout_ms);
	if (n < 0)
		return errno == EINTR ? RT_RUNNING : rt_fail(rt, -errno, "events: epoll_wait: %s",
							      strerror(errno));
	for (i = 0; i < n; i++) {
		rb |= evs[i].data.u32 == RT_EP_RINGBUF;
		sig |= evs[i].data.u32 == RT_EP_SIGNAL;
		child |= evs[i].data.u32 == RT_EP_CHILD;
		target |= evs[i].data.u32 == RT_EP_TARGET;
		pb |= evs[i].data.u32 == RT_EP_PERFBUF;
	}
	if (pb)
		skb_consume(rt);
	/* Records first: what probes wrote before a stop still gets printed. */
	if (rb) {
		err = events_consume(rt);
		if (err < 0)
			return err;
		events_report_lost(rt);
	}
	if (sig)
		events_signals(rt);
	if (child)
		events_child(rt);
	if (target) {
		events_unwatch(rt, &rt->target_pidfd);
		rt_request_stop(rt, RT_STOP_TARGET);
	}
	if (rt->o->ops->flush && rb)
		rt->o->ops->flush(rt->o);
	return rt->stop;
}
