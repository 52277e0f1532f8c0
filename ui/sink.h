/* sink: the workbench's output sink, one more implementation of output_ops.
 * printf/time/cat/system/join text, print() of maps and values, helper errors
 * and runtime messages all become lines of the output log. */
#ifndef BPFDECK_UI_SINK_H
#define BPFDECK_UI_SINK_H

#include <stdint.h>
#include "runtime/output.h"
#include "outlog.h"

/* A sink writing into log. Lost events are added to *lost (may be NULL). */
struct output *sink_new(struct session *s, struct outlog *log, uint64_t *lost);
/* Renders map snapshot m as bpftrace's text output would (for :print). */
void sink_print_map(struct output *o, const struct map_snapshot *m);

#endif
