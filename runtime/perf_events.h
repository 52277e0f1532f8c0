/* perf_events: bpftrace 0.17's software and hardware probe names.
 * Owns the name/alias -> perf type/config table with default sample periods,
 * and the one question about the PMU that listing and --info ask. */
#ifndef BPFDECK_PERF_EVENTS_H
#define BPFDECK_PERF_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum perf_kind { PERF_KIND_SOFTWARE, PERF_KIND_HARDWARE };

struct perf_event_desc {
	const char *name;           /* "cpu-clock" */
	const char *alias;          /* "cpu", or NULL */
	enum perf_kind kind;
	uint32_t type;              /* PERF_TYPE_SOFTWARE / PERF_TYPE_HARDWARE */
	uint64_t config;            /* PERF_COUNT_SW_* / PERF_COUNT_HW_* */
	uint64_t default_period;    /* sample_period when the probe gives no count */
};

/* Looks up by name or alias ("faults" finds page-faults); NULL if unknown. */
const struct perf_event_desc *perf_event_find(enum perf_kind kind, const char *name_or_alias);

/* The table for kind, sorted by name as bpftrace lists it; *n gets its length. */
const struct perf_event_desc *perf_event_table(enum perf_kind kind, size_t *n);

/* "software" / "hardware". */
const char *perf_kind_name(enum perf_kind kind);

/* Whether a hardware cycles counter can be opened (asked once per process). */
bool perf_hw_available(void);

#endif
