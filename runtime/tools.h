/* tools: the bundled tools (share/tools/NAME.bt) that `bpfdeck tool NAME` runs.
 * Owns finding the tools directory, reading a tool's header comment (summary,
 * requires:, prefer:, fallback:, usage:) and checking requirements on this kernel.
 *
 * Header convention (comment lines at the top of NAME.bt, see docs/tools.md):
 *   // NAME - one-line summary
 *   // requires: tracepoint, btf, tracepoint:capability:cap_capable
 *   // prefer:   NAME.kprobe        (run that variant instead when it can run)
 *   // fallback: NAME.kprobe        (run that variant when NAME cannot run)
 *   // usage:    bpfdeck tool NAME [ARGS]
 * A requirement is a feature name as --info prints it (kprobe, uprobe,
 * tracepoint, perf_event, btf, kfunc, ...) or tracepoint:CATEGORY:EVENT. */
#ifndef BPFDECK_TOOLS_H
#define BPFDECK_TOOLS_H

#include <limits.h>
#include <stdio.h>

struct tool_info {
	char name[64];
	char path[PATH_MAX];
	char summary[200];
	char usage[200];
	char requires[200];     /* as written: comma-separated */
	char prefer[64];
	char fallback[64];
};

/* The directory holding the tools, or NULL when none is found. In order:
 * $BPFDECK_TOOLS_DIR; BIN/../share/bpfdeck/tools (an installed binary);
 * BIN/../../share/tools and BIN/../share/tools (a build directory inside the
 * source tree); the configured install and source directories. */
const char *tools_dir(void);

/* Reads tool NAME's header into *t. 0, -EINVAL for a bad name, -ENOENT. */
int tools_info(const char *name, struct tool_info *t);

/* NULL when this kernel meets all of t's requirements; otherwise a one-line
 * reason naming the first unmet one ("kprobe (CONFIG_KPROBES is off)"),
 * written into buf. */
const char *tools_unmet(const struct tool_info *t, char *buf, size_t len);

/* The tool to run for NAME: its prefer: variant when that can run here, else
 * NAME when it can, else its fallback: variant when that can. 0 and *t filled;
 * -ENOENT when there is no such tool; -ENOTSUP when none can run here, with *t
 * being NAME's own info and why[] the reason. */
int tools_resolve(const char *name, struct tool_info *t, char *why, size_t whylen);

/* How many arguments t's usage: line asks for that are not in [brackets]
 * ("bpfdeck tool qslower BINARY [MS]" -> 1). */
int tools_required_args(const struct tool_info *t);

/* `bpfdeck -l tools`: one line per tool, name and summary, with what is
 * missing for those that cannot run on this kernel. 0, or -ENOENT. */
int tools_list(FILE *out);

#endif
