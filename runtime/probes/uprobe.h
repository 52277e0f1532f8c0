/* uprobe: attaching BPF_PROG_TYPE_KPROBE programs to instructions in ELF files,
 * shared by uprobe/uretprobe (uprobe.c) and usdt (usdt.c), whose semaphores
 * the kernel counts through ref_ctr_offset. */
#ifndef BPFDECK_PROBES_UPROBE_H
#define BPFDECK_PROBES_UPROBE_H

#include <stdbool.h>
#include "../attach.h"

/* prepare(): one uprobe_multi link per file for programs with several attach
 * points, when the kernel has uprobe_multi (Linux 6.6). */
int uprobe_prepare(const struct prog_unit *u, struct prog_load_info *li, char *err,
		   size_t errlen);
/* attach() for one attach point (or, with uprobe_multi, the whole program at its
 * first attach point). ret: a return probe. */
int uprobe_attach_common(struct attach_ctx *ctx, bool ret, struct rt_links *out);

#endif
