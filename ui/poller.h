/* poller: reads keyed maps on a thread of its own, so a map of 100k keys
 * (a few hundred ms of batch lookups, per-CPU sums and sorting) never stalls
 * the screen or the prompt. One batch at a time; the main thread applies the
 * results when the poller's fd becomes readable. */
#ifndef BPFDECK_UI_POLLER_H
#define BPFDECK_UI_POLLER_H

#include <stdbool.h>
#include "runtime/output.h"

struct wb_map;

struct poll_item {
	struct wb_map *m;                       /* whose map (the main thread's business) */
	const struct map_decl *decl;
	int fd;
	const struct map_snapshot *prev;        /* m->cur when submitted: kept alive meanwhile */
	struct map_snapshot *snap, *delta;      /* results */
	bool equal;                             /* snap equals prev */
	int err;
};

struct poller;

struct poller *poller_new(void);
/* Stops the thread (after the batch in flight) and frees everything. */
void poller_free(struct poller *pl);
/* Readable when a batch is done. */
int poller_fd(const struct poller *pl);
bool poller_busy(const struct poller *pl);
/* Hands n items (malloc'd array, now the poller's) to the thread. -EBUSY while
 * a batch is in flight. */
int poller_submit(struct poller *pl, struct poll_item *items, int n);
/* The finished batch (the caller frees the array and what it keeps), or NULL if
 * none is done; wait: block until the batch in flight is done. *ms: how long
 * the thread took. */
struct poll_item *poller_take(struct poller *pl, int *n, bool wait, double *ms);

#endif
