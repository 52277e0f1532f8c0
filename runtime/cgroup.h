/* cgroup: cgroupid() and cgroup_path() resolution (see cgroup.c). */
#ifndef BPFDECK_CGROUP_H
#define BPFDECK_CGROUP_H

#include <stdint.h>
#include "output_priv.h"

/* kinfo_ops.cgroup_id: the id of the cgroup at a cgroupfs path. 0 or -errno. */
int cgroup_id_of_path(const char *path, unsigned long long *id);
/* "unified:/path,cpu:/path" for every hierarchy whose name matches the filter
 * glob, unified first, as bpftrace prints a cgroup_path() value. */
void cgroup_paths_render(uint64_t id, const char *filter, struct sbuf *sb);

#endif
