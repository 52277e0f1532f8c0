/* mapval: reading keys and values of a map snapshot for display: numbers out
 * of aggregation layouts, key text as bpftrace prints it, and a drill-down
 * predicate ("comm == \"bash\"") built from a key and the clause's key
 * expression. */
#ifndef BPFDECK_UI_MAPVAL_H
#define BPFDECK_UI_MAPVAL_H

#include <stdbool.h>
#include <stddef.h>
#include "runtime/output.h"
#include "wb.h"

/* Value fields a table can show. */
enum mv_field { MV_VALUE, MV_COUNT, MV_AVG, MV_TOTAL };

/* The number in field f of value v (type t); false when t is not numeric. */
bool mv_num(const struct type *t, const void *v, enum mv_field f, double *out);
bool mv_is_numeric(const struct type *t);
/* Key (a tuple: fields joined by ", ") or value as text. */
void mv_key_text(struct output *o, const struct map_decl *d, const void *key, char *buf,
		 size_t len);
void mv_value_text(struct output *o, const struct type *t, const void *v, char *buf, size_t len);
/* Histogram buckets: count, label of bucket i ("[4, 8)"), and its range. */
unsigned mv_hist_nbuckets(const struct type *t);
void mv_hist_label(const struct type *t, unsigned i, char *buf, size_t len);
/* A representative value of bucket i (its middle), for percentiles. */
double mv_hist_value(const struct type *t, unsigned i, double frac);

/* A new clause text for the key of map name: the writer clause's probes with
 * "keyexpr == value" added to its predicate. *cursor: where typing goes.
 * NULL with *why set when the key cannot be expressed. malloc'd. */
char *mv_drill_clause(struct workbench *wb, const char *name, const void *key, int *cursor,
		      const char **why);

#endif
