/* types: the value types of the language and their byte layout.
 * A layout here is also the wire format: map keys/values and event records
 * are these bytes, which runtime/ decodes for printing. Types are allocated
 * from the session and live as long as it does. */
#ifndef BPFDECK_TYPES_H
#define BPFDECK_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum type_kind {
	TY_NONE = 0,    /* not inferred yet */
	TY_VOID,        /* statements, functions without a value */
	TY_INT,         /* size 1/2/4/8, is_signed */
	TY_STRING,      /* size bytes, NUL-terminated if shorter */
	TY_BUFFER,      /* buf(): u32 length, then size-4 data bytes */
	TY_TUPLE,       /* fields, C-struct aligned (bpftrace's tuple layout) */
	TY_RECORD,      /* a C struct or union: name, fields */
	TY_ARRAY,       /* elem x count */
	TY_POINTER,     /* elem; 8 bytes */
	TY_KSTACK,      /* u64: stack id in the session's stack map (stack_mode/depth) */
	TY_USTACK,      /* u64 stack id, u64 pid */
	TY_KSYM,        /* u64 kernel address, printed as a symbol */
	TY_USYM,        /* u64 address, u64 pid */
	TY_USERNAME,    /* u64 uid, printed as a user name */
	TY_PROBE,       /* u64 probe index into session probe names (the `probe` builtin) */
	TY_TIMESTAMP,   /* strftime(): u64 format id, u64 ns */
	TY_INET,        /* ntop(): u64 family, 16 address bytes */
	TY_MACADDR,     /* 6 bytes */
	TY_CTX,         /* the probe context pointer; not storable */
	TY_TP_ARGS,     /* tracepoint `args`: a record view over the context */
	TY_STRERROR,    /* strerror(): u64 errno, printed as its message */
	TY_CGROUP_PATH, /* cgroup_path(): u64 cgroup id, u64 filter format id */

	/* map value types of aggregation functions */
	TY_COUNT,       /* u64 */
	TY_SUM,         /* s64/u64 per is_signed */
	TY_MIN,         /* struct agg_minmax */
	TY_MAX,         /* struct agg_minmax */
	TY_AVG,         /* struct agg_avg */
	TY_STATS,       /* struct agg_avg */
	TY_HIST,        /* u64[HIST_NBUCKETS] */
	TY_LHIST,       /* u64[lhist_nbuckets(min, max, step)] */
};

#define HIST_NBUCKETS 66  /* [neg], [0], [1], [2,4) ... [2^63, ...) */

/* Per-CPU layouts; runtime adds them up across CPUs before printing. */
struct agg_minmax {
	int64_t value;
	uint64_t set;     /* 0 until the first sample on this CPU */
};
struct agg_avg {
	int64_t total;
	uint64_t count;
};

enum stack_mode { STACK_BPFTRACE = 0, STACK_PERF, STACK_RAW };

/* Where memory behind a pointer lives, as bpftrace's AddrSpace: it picks the
 * helper that reads it (probe_read_kernel, probe_read_user, or probe_read). */
enum addrspace { AS_NONE = 0, AS_KERNEL, AS_USER };

struct type;

struct type_field {
	const char *name;       /* NULL for tuple elements */
	struct type *type;
	unsigned offset;
	unsigned bit_offset, bit_size;  /* bitfields; bit_size 0 otherwise */
};

struct type {
	enum type_kind kind;
	unsigned size;          /* bytes as stored */
	unsigned align;
	bool is_signed;         /* TY_INT; for aggregations: of the values fed in */
	bool is_user;           /* TY_POINTER / TY_RECORD / TY_ARRAY: lives in user memory */
	bool is_ctx;            /* TY_POINTER: the `ctx` builtin (not storable in maps) */
	/* ... or in kernel memory; neither flag is bpftrace's AddrSpace::none, which
	 * reads through bpf_probe_read (casts of plain numbers in BEGIN and such). */
	bool is_kernel;
	/* TY_RECORD whose members are not known yet: a forward reference in a C
	 * definition or a BTF record not expanded yet; ctypes_complete() fills it in. */
	bool incomplete;
	const void *btf_src;    /* TY_RECORD from BTF: the struct btf it comes from */
	uint32_t btf_id;        /* ... and its type id there */
	struct type *elem;      /* TY_POINTER, TY_ARRAY */
	unsigned count;         /* TY_ARRAY */
	const char *name;       /* TY_RECORD: "struct Foo"; TY_TP_ARGS: "tracepoint:cat:ev" */
	bool is_union;          /* TY_RECORD */
	unsigned nfields;       /* TY_TUPLE, TY_RECORD, TY_TP_ARGS */
	struct type_field *fields;
	int64_t lh_min, lh_max, lh_step;  /* TY_LHIST */
	enum stack_mode stack_mode;       /* TY_KSTACK, TY_USTACK */
	unsigned stack_depth;
};

static inline unsigned lhist_nbuckets(int64_t min, int64_t max, int64_t step)
{
	return (unsigned)((max - min) / step) + 2;  /* [< min], ranges, [>= max] */
}

static inline enum addrspace type_as(const struct type *t)
{
	return !t ? AS_NONE : t->is_user ? AS_USER : t->is_kernel ? AS_KERNEL : AS_NONE;
}

struct type_arena;  /* allocation context: the session's arena */

struct type *type_new(struct type_arena *a, enum type_kind kind, unsigned size, unsigned align);
struct type *type_int(struct type_arena *a, unsigned size, bool is_signed);
struct type *type_string(struct type_arena *a, unsigned size);
struct type *type_buffer(struct type_arena *a, unsigned data_size);
struct type *type_simple(struct type_arena *a, enum type_kind kind);  /* stacks, ksym, count... */
struct type *type_pointer(struct type_arena *a, struct type *elem);
struct type *type_array(struct type_arena *a, struct type *elem, unsigned count);
/* Lays the elements out with C alignment rules, as bpftrace does. */
struct type *type_tuple(struct type_arena *a, struct type **elems, unsigned n);
struct type *type_lhist(struct type_arena *a, int64_t min, int64_t max, int64_t step);

bool type_is_agg(const struct type *t);        /* TY_COUNT .. TY_LHIST */
bool type_equal(const struct type *x, const struct type *y);
/* "int64", "string[16]", "(int64,string[3])", "hist", "struct Foo *": as bpftrace names them. */
int type_name(const struct type *t, char *buf, size_t len);

#endif
