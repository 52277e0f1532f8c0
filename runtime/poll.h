/* poll: what a long-running front end (the workbench) needs from the runtime
 * beyond rt.h: an fd to wait on next to its own input, the kernel ids behind a
 * clause (for BPF stats and for checking attachments), and map deltas. */
#ifndef BPFDECK_POLL_H
#define BPFDECK_POLL_H

#include <stdbool.h>
#include <stdint.h>
#include "rt.h"
#include "output.h"

/* An fd that becomes readable whenever rt_poll(rt, 0) has work: ring-buffer
 * records, caught signals, the -c/-p process exiting. Owned by rt. */
int rt_wait_fd(const struct rt *rt);

/* The fds of c's loaded programs (borrowed): up to max, returns how many c has. */
int rt_clause_prog_fds(const struct rt_clause *c, int *fds, int max);
/* Kernel ids of c's current BPF links (none while detached): up to max, returns
 * how many c has. */
int rt_clause_link_ids(const struct rt_clause *c, uint32_t *ids, int max);

/* Run statistics of one program, summed over the programs of a clause. Only
 * counted while kernel BPF stats are on (bpf_enable_stats). */
struct prog_stats {
	uint64_t run_cnt;
	uint64_t run_time_ns;
	uint64_t recursion_misses;
};
int rt_clause_prog_stats(const struct rt_clause *c, struct prog_stats *out);

/* What changed in an aggregation map between two reads of it: count/sum, avg/stats
 * (total and count) and hist/lhist buckets are subtracted key by key (a key new in
 * cur counts whole), min/max and plain values are taken from cur. Keys whose change
 * is zero are left out. The result is freed with map_snapshot_free. */
int map_snapshot_delta(const struct map_snapshot *prev, const struct map_snapshot *cur,
		       struct map_snapshot **out);
/* Same keys with the same values, in the same order. */
bool map_snapshot_equal(const struct map_snapshot *a, const struct map_snapshot *b);

#endif
