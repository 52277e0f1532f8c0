/* poller: the map-reading thread (see poller.h).
 * The thread only calls map_snapshot_read/delta/equal on keyed maps: those
 * touch nothing but the map fd and the snapshots given to it. Keyless maps
 * (which consult the runtime's zero()ed list) are read by the main thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "poller.h"
#include "runtime/poll.h"

struct poller {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv, done_cv;
	int efd;
	struct poll_item *items;
	int n;
	bool job, busy, done, quit, started;
	double ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void run_items(struct poll_item *v, int n)
{
	for (int i = 0; i < n; i++) {
		struct poll_item *it = &v[i];

		it->err = map_snapshot_read(it->decl, it->fd, &it->snap);
		if (it->err)
			continue;
		it->err = map_snapshot_delta(it->prev, it->snap, &it->delta);
		if (it->err) {
			map_snapshot_free(it->snap);
			it->snap = NULL;
			continue;
		}
		it->equal = map_snapshot_equal(it->prev, it->snap);
	}
}

static void *poller_main(void *arg)
{
	struct poller *pl = arg;
	sigset_t all;
	uint64_t one = 1;

	/* signals are the main thread's (signalfd, SIGWINCH for ncurses) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		double t0;

		while (!pl->job && !pl->quit)
			pthread_cond_wait(&pl->cv, &pl->mu);
		if (pl->quit)
			break;
		pl->job = false;
		pthread_mutex_unlock(&pl->mu);
		t0 = now_ms();
		run_items(pl->items, pl->n);
		pthread_mutex_lock(&pl->mu);
		pl->ms = now_ms() - t0;
		pl->done = true;
		pthread_cond_broadcast(&pl->done_cv);
		if (write(pl->efd, &one, sizeof(one)) < 0) {
			/* the main thread also finds it through poller_take */
		}
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

struct poller *poller_new(void)
{
	struct poller *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	pl->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pl->efd < 0) {
		free(pl);
		return NULL;
	}
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->cv, NULL);
	pthread_cond_init(&pl->done_cv, NULL);
	return pl;
}

static void free_items(struct poll_item *v, int n)
{
	for (int i = 0; i < n; i++) {
		map_snapshot_free(v[i].snap);
		map_snapshot_free(v[i].delta);
	}
	free(v);
}

void poller_free(struct poller *pl)
{
	if (!pl)
		return;
	pthread_mutex_lock(&pl->mu);
	pl->quit = true;
	pthread_cond_broadcast(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
	if (pl->started)
		pthread_join(pl->th, NULL);
	if (pl->busy)
		free_items(pl->items, pl->n);
	close(pl->efd);
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->cv);
	pthread_cond_destroy(&pl->done_cv);
	free(pl);
}

int poller_fd(const struct poller *pl)
{
	return pl->efd;
}

bool poller_busy(const struct poller *pl)
{
	return pl->busy;
}

int poller_submit(struct poller *pl, struct poll_item *items, int n)
{
	if (pl->busy)
		return -EBUSY;
	if (!pl->started) {
		if (pthread_create(&pl->th, NULL, poller_main, pl))
			return -EAGAIN;
		pl->started = true;
	}
	pthread_mutex_lock(&pl->mu);
	pl->items = items;
	pl->n = n;
	pl->done = false;
	pl->job = true;
	pl->busy = true;
	pthread_cond_signal(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
	return 0;
}

struct poll_item *poller_take(struct poller *pl, int *n, bool wait, double *ms)
{
	struct poll_item *v = NULL;
	uint64_t cnt;

	if (!pl->busy)
		return NULL;
	pthread_mutex_lock(&pl->mu);
	while (wait && !pl->done)
		pthread_cond_wait(&pl->done_cv, &pl->mu);
	if (pl->done) {
		v = pl->items;
		*n = pl->n;
		if (ms)
			*ms = pl->ms;
		pl->items = NULL;
		pl->n = 0;
		pl->busy = false;
		pl->done = false;
		if (read(pl->efd, &cnt, sizeof(cnt)) < 0) {
			/* nothing to clear */
		}
	}
	pthread_mutex_unlock(&pl->mu);
	return v;
}
