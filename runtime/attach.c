/* attach: the probe-kind table and the link bookkeeping all probes share.
 * Detaching is closing fds; it is done here, on worker threads when there are
 * many, because the kernel waits for RCU grace periods on each close. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include "attach.h"

static const struct probe_ops *const probe_table[] = {
	&probe_tracepoint,
	&probe_rawtracepoint,
	&probe_interval,
	&probe_profile,
	&probe_software,
	&probe_hardware,
	&probe_kprobe,
	&probe_kretprobe,
	&probe_kfunc,
	&probe_kretfunc,
	&probe_iter,
	&probe_watchpoint,
	&probe_uprobe,
	&probe_uretprobe,
	&probe_usdt,
};

/* From this many links on, closes run on threads; below, thread start-up costs more. */
#define LINKS_THREAD_MIN 4
#define LINKS_THREADS_MAX 64

const struct probe_ops *probe_ops_find(enum probe_kind kind)
{
	size_t i;

	for (i = 0; i < sizeof(probe_table) / sizeof(probe_table[0]); i++)
		if (probe_table[i]->kind == kind)
			return probe_table[i];
	return NULL;
}

int links_push(struct rt_links *ls, int link_fd, int perf_fd)
{
	struct rt_link *v;
	int cap;

	if (ls->n == ls->cap) {
		cap = ls->cap ? ls->cap * 2 : 8;
		v = realloc(ls->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ls->v = v;
		ls->cap = cap;
	}
	ls->v[ls->n].link_fd = link_fd;
	ls->v[ls->n].perf_fd = perf_fd;
	ls->v[ls->n].run_ops = NULL;
	ls->n++;
	return 0;
}

int links_move(struct rt_links *dst, struct rt_links *src)
{
	int i, err;

	for (i = 0; i < src->n; i++) {
		err = links_push(dst, src->v[i].link_fd, src->v[i].perf_fd);
		if (err)
			return err;
		dst->v[dst->n - 1].run_ops = src->v[i].run_ops;
	}
	free(src->v);
	memset(src, 0, sizeof(*src));
	return 0;
}

struct close_job {
	int *fds;
	int n, first, stride;
};

static void *close_worker(void *arg)
{
	struct close_job *job = arg;
	int i;

	for (i = job->first; i < job->n; i += job->stride)
		close(job->fds[i]);
	return NULL;
}

/* Threads get no signals: the process's handling stays with its main thread. */
static int close_thread_start(pthread_t *tid, struct close_job *job)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(tid, NULL, close_worker, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* Closes fds[] on up to LINKS_THREADS_MAX threads; a share whose thread could
 * not start is closed here. */
static void close_parallel(int *fds, int n)
{
	pthread_t tids[LINKS_THREADS_MAX];
	struct close_job jobs[LINKS_THREADS_MAX];
	int i, want, started = 0;

	want = n < LINKS_THREAD_MIN ? 1 : n < LINKS_THREADS_MAX ? n : LINKS_THREADS_MAX;
	for (i = 0; i < want; i++) {
		jobs[i] = (struct close_job){ .fds = fds, .n = n, .first = i, .stride = want };
		if (want > 1 && started == i && !close_thread_start(&tids[i], &jobs[i]))
			started++;
	}
	for (i = started; i < want; i++)
		close_worker(&jobs[i]);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
}

struct reap_job {
	struct close_job job;
	pthread_t tid;
	struct reap_job *next;
};

void links_close(struct rt_links *ls, struct perf_reaper *r)
{
	struct reap_job *rj = NULL;
	int *fds, i, n = 0;

	fds = malloc((ls->n ? ls->n : 1) * sizeof(*fds));
	if (!fds) {
		/* no memory for batching: close one by one */
		for (i = 0; i < ls->n; i++) {
			close(ls->v[i].link_fd);
			close(ls->v[i].perf_fd);
		}
		goto cleanup;
	}
	/* Closing a link detaches its program at once and then waits for a grace
	 * period; those waits overlap across threads. */
	for (i = 0; i < ls->n; i++)
		if (ls->v[i].link_fd >= 0)
			fds[n++] = ls->v[i].link_fd;
	close_parallel(fds, n);
	/* A perf event's last close waits for a grace period under a kernel-wide
	 * mutex, so threads don't help: with a reaper, it happens in the background
	 * while END runs and maps print. */
	for (i = n = 0; i < ls->n; i++)
		if (ls->v[i].perf_fd >= 0)
			fds[n++] = ls->v[i].perf_fd;
	if (r && n)
		rj = calloc(1, sizeof(*rj));
	if (rj) {
		rj->job = (struct close_job){ .fds = fds, .n = n, .first = 0, .stride = 1 };
		if (!close_thread_start(&rj->tid, &rj->job)) {
			rj->next = r->jobs;
			r->jobs = rj;
			fds = NULL;
		} else {
			free(rj);
		}
	}
	for (i = 0; fds && i < n; i++)
		close(fds[i]);
	free(fds);

cleanup:
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

void perf_reaper_wait(struct perf_reaper *r)
{
	struct reap_job *rj;

	while ((rj = r->jobs)) {
		pthread_join(rj->tid, NULL);
		r->jobs = rj->next;
		free(rj->job.fds);
		free(rj);
	}
}

int perf_attach(struct attach_ctx *ctx, struct perf_event_attr *attr, int cpu,
		struct rt_links *out)
{
	int pfd, lfd = -1, err;

	attr->size = sizeof(*attr);
	pfd = syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		err = -errno;
		snprintf(ctx->err, ctx->errlen, "perf_event_open (cpu %d): %s", cpu,
			 strerror(-err));
		goto cleanup;
	}
	lfd = bpf_link_create(ctx->prog_fd, pfd, BPF_PERF_EVENT, NULL);
	if (lfd < 0) {
		err = lfd;
		snprintf(ctx->err, ctx->errlen, "bpf_link_create: %s", strerror(-err));
		goto cleanup;
	}
	err = links_push(out, lfd, pfd);
	if (err) {
		snprintf(ctx->err, ctx->errlen, "%s", strerror(-err));
		goto cleanup;
	}
	return 0;

cleanup:
	if (lfd >= 0)
		close(lfd);
	if (pfd >= 0)
		close(pfd);
	return err;
}
