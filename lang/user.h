/* user: the compiler's side of user-space probes: expanding uprobe, uretprobe
 * and usdt attach points (through kinfo, never reading ELF itself), USDT
 * arguments from the notes' specs, and telling the runtime about new pids. */
#ifndef BPFDECK_USER_H
#define BPFDECK_USER_H

#include "codegen.h"
#include "probes.h"
#include "usdt_args.h"

/* probe_lang expand function for uprobe, uretprobe and usdt. */
int user_expand(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
		const struct node *ap, struct ap_vec *out, struct diag_sink *d);
/* May aps a and b (same kind) share one program? USDT arguments are read by
 * code generated from each location's spec. */
bool user_same_program(const struct attach_point *a, const struct attach_point *b);

/* argN of a usdt probe: checks N against the group's argument spec. */
struct type *usdt_arg_type(struct sema *se, struct node *n, int idx);
LLVMValueRef usdt_arg_gen(struct cg *cg, struct node *n, int idx);

/* ustack/usym: emits a one-time record per pid (EV_USER_PID) so the runtime
 * snapshots the process's mappings while it still lives. */
void user_pid_seen(struct cg *cg);
/* Declares the pid set user_pid_seen needs (call from sema). */
void user_pid_seen_decl(struct sema *se);

#endif
