/* maptrack: the executable mappings of every process, as the kernel reports
 * them (PERF_RECORD_MMAP2/COMM/FORK of a dummy perf event per CPU, the way
 * `perf record` tracks them). /proc/PID/maps is gone once a process exits and
 * a short-lived process exits before anyone reads it; these records are not. */
#ifndef BPFDECK_MAPTRACK_H
#define BPFDECK_MAPTRACK_H

#include <stdbool.h>
#include "procmaps.h"

struct maptrack;

/* Starts tracking on every online CPU. NULL with errno when perf events are
 * refused (perf_event_paranoid, no CAP_PERFMON). */
struct maptrack *maptrack_start(void);
void maptrack_free(struct maptrack *t);
/* Reads every record the kernel wrote since the last call. Returns how many
 * records were lost to full buffers since the start. */
unsigned long maptrack_drain(struct maptrack *t);
/* The executable file mappings pid made since tracking started (after its last
 * exec), plus what it inherited from a tracked parent, in address order.
 * Returns 0 (out filled, paths malloc'd: procmaps_free) or -ENOENT. */
int maptrack_maps(struct maptrack *t, int pid, struct procmaps *out);
/* Did pid exec since tracking started (so an older capture is stale)? The
 * flag is cleared by the call. */
bool maptrack_execed(struct maptrack *t, int pid);

#endif
