/* kinfo: what the compiler may ask about the running kernel.
 * lang never reads tracefs or BTF itself; src plugs in an implementation
 * (runtime/tracefs.c) so the compiler stays free of kernel access. */
#ifndef BPFDECK_KINFO_H
#define BPFDECK_KINFO_H

#include <stdbool.h>

/* One field of a tracepoint's format file ("field:int flags; offset:24; size:4; signed:1;"). */
struct tp_field {
	char name[64];
	char type[128];   /* C type as written, without the array suffix: "const char *", "int" */
	int offset;
	int size;         /* total size in bytes (for arrays: whole array) */
	bool is_signed;
	int array_len;    /* 0: not an array; N: "char comm[16]" */
	bool data_loc;    /* "__data_loc char[] name": u32 (len << 16 | offset) */
};

struct tp_format {
	int id;           /* tracefs events/CAT/NAME/id */
	int nfields;      /* common_* fields excluded */
	struct tp_field *fields;
};

/* Called once per matched event by kinfo_ops.tp_glob; non-zero return stops the walk. */
typedef int (*tp_visit_fn)(const char *category, const char *event, void *ctx);

struct kinfo_ops {
	/* Parse events/CATEGORY/EVENT/format. Returns 0 or -errno. */
	int (*tp_format)(const char *category, const char *event, struct tp_format *out);
	/* Visit tracepoints matching shell globs on category and event, in sorted order.
	 * Returns number visited or -errno. */
	int (*tp_glob)(const char *cat_glob, const char *event_glob, tp_visit_fn fn, void *ctx);
};

void tp_format_free(struct tp_format *f);

#endif
