/* perf_events: bpftrace 0.17's software and hardware probe names.
 * Owns the name/alias -> perf type/config table with default sample periods,
 * and the one question about the PMU that listing and --info ask. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "perf_events.h"

#define SW(n, a, c, p) { n, a, PERF_KIND_SOFTWARE, PERF_TYPE_SOFTWARE, c, p }
#define HW(n, a, c, p) { n, a, PERF_KIND_HARDWARE, PERF_TYPE_HARDWARE, c, p }

/* Names, aliases and periods are bpftrace 0.17's SW_PROBE_LIST/HW_PROBE_LIST. */
static const struct perf_event_desc sw_events[] = {
	SW("alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1),
	SW("bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1),
	SW("context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000),
	SW("cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000),
	SW("cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1),
	SW("dummy", NULL, PERF_COUNT_SW_DUMMY, 1),
	SW("emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1),
	SW("major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1),
	SW("minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100),
	SW("page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100),
	SW("task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1),
};

static const struct perf_event_desc hw_events[] = {
	HW("backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000),
	HW("branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000),
	HW("branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000),
	HW("bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000),
	HW("cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000),
	HW("cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000),
	HW("cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000),
	HW("frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000),
	HW("instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000),
	HW("ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000),
};

const struct perf_event_desc *perf_event_table(enum perf_kind kind, size_t *n)
{
	if (kind == PERF_KIND_HARDWARE) {
		*n = sizeof(hw_events) / sizeof(hw_events[0]);
		return hw_events;
	}
	*n = sizeof(sw_events) / sizeof(sw_events[0]);
	return sw_events;
}

const struct perf_event_desc *perf_event_find(enum perf_kind kind, const char *name_or_alias)
{
	const struct perf_event_desc *t;
	size_t n;

	if (!name_or_alias)
		return NULL;
	t = perf_event_table(kind, &n);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(t[i].name, name_or_alias) ||
		    (t[i].alias && !strcmp(t[i].alias, name_or_alias)))
			return &t[i];
	}
	return NULL;
}

const char *perf_kind_name(enum perf_kind kind)
{
	return kind == PERF_KIND_HARDWARE ? "hardware" : "software";
}

bool perf_hw_available(void)
{
	static int cached = -1;
	struct perf_event_attr attr;
	int fd;

	if (cached >= 0)
		return cached;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	attr.exclude_kernel = 1;	/* passes even with a strict perf_event_paranoid */
	/* Counting on ourselves on any CPU: the cheapest event the PMU must support. */
	fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	cached = fd >= 0;
	if (fd >= 0)
		close(fd);
	return cached;
}
