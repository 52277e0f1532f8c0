/* probes: the compiler's side of each probe type.
 * It turns an attach point as written into concrete attach points (expanding
 * wildcards through kinfo) and names the BPF program type to emit for it. */
#ifndef BPFDECK_PROBES_H
#define BPFDECK_PROBES_H

#include "compile.h"

struct ap_vec {
	struct attach_point *v;
	int n, cap;
};

struct probe_lang {
	const char *name;       /* "tracepoint" */
	const char *alias;      /* "t" */
	enum probe_kind kind;
	int prog_type;          /* enum bpf_prog_type */
	/* parts: the spec split at ':' after the provider; nparts of them. */
	int (*expand)(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
		      const struct node *ap, struct ap_vec *out, struct diag_sink *d);
};

const struct probe_lang *probe_lang_find(const char *provider);
const struct probe_lang *probe_lang_of(enum probe_kind kind);
/* Expand one N_ATTACH node, appending to out. 0 or -EINVAL after a diagnostic. */
int probe_expand(struct session *s, const struct node *ap, struct ap_vec *out, struct diag_sink *d);
void ap_vec_free(struct ap_vec *v);
/* Appends a zeroed attach point of kind (tp_id -1) and returns it. */
struct attach_point *ap_vec_push(struct ap_vec *v, enum probe_kind kind);
void attach_point_free_fields(struct attach_point *ap);
/* Whether this kernel can attach aps->v[from..to) (expanded from node): switches
 * them to a fallback kind with a one-line notice, or reports why not (-EOPNOTSUPP). */
int probe_resolve(struct session *s, const struct node *node, struct ap_vec *aps, int from,
		  int to, struct diag_sink *d);

#endif
