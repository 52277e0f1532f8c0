/* compile: the compiler's entry points and what it hands to the runtime.
 * parse -> sema -> codegen for one clause at a time against a session; the
 * result is a BPF ELF object in memory plus what each program attaches to. */
#ifndef BPFDECK_COMPILE_H
#define BPFDECK_COMPILE_H

#include <stddef.h>
#include <stdint.h>
#include "ast.h"
#include "diag.h"
#include "session.h"

enum probe_kind {
	PK_BEGIN,
	PK_END,
	PK_TRACEPOINT,
	PK_RAWTRACEPOINT,
	PK_KPROBE,
	PK_KRETPROBE,
	PK_UPROBE,
	PK_URETPROBE,
	PK_USDT,
	PK_KFUNC,
	PK_KRETFUNC,
	PK_INTERVAL,
	PK_PROFILE,
	PK_SOFTWARE,
	PK_HARDWARE,
	PK_WATCHPOINT,
	PK_ITER,
	PK__COUNT,
};

/* One concrete attach point after wildcard expansion. */
struct attach_point {
	enum probe_kind kind;
	char *target;       /* tracepoint category, uprobe binary, interval unit, sw/hw event */
	char *func;         /* tracepoint event, function name */
	uint64_t freq;      /* profile: Hz (unit hz); software/hardware: count */
	uint64_t period_ns; /* interval/profile in time units: nanoseconds */
	uint64_t offset;    /* func+off, or address */
	char *full;         /* "tracepoint:syscalls:sys_enter_read": `probe` text */
	int tp_id;          /* tracepoint id when known, else -1 */
	uint64_t cookie;    /* bpf_cookie for the link: the `probe` name id (session probe_names) */
	/* After a fallback (kprobe:f attached as fentry on a kernel without kprobes)
	 * kind is how it attaches and written_kind the kind as written: builtins accept
	 * what the written kind allows and read the context as kind lays it out. */
	bool fallback;
	enum probe_kind written_kind;   /* valid when fallback: use ap_written_kind() */
	bool wildcard;      /* a match of a wildcard: one that cannot attach is skipped */
	int nargs;          /* kfunc/kretfunc: parameters of func from BTF, 0 unknown */
	/* uprobe/uretprobe/usdt, resolved by expansion (target and func stay as shown) */
	char *path;         /* the file the kernel attaches to (maybe via /proc/PID/root) */
	uint64_t file_offset;     /* of the probed instruction in path */
	uint64_t ref_ctr_offset;  /* usdt: file offset of the semaphore, 0 none */
	char *usdt_args;    /* usdt: the location's argument spec ("-4@%eax 8@-8(%rbp)") */
	int pid;            /* -p: fire in this process only; 0 in every process */
};

static inline enum probe_kind ap_written_kind(const struct attach_point *ap)
{
	return ap->fallback ? ap->written_kind : ap->kind;
}

/* One BPF program of a clause, and everything it attaches to. */
struct prog_unit {
	char *name;                 /* ELF function symbol; section is "prog/<name>" */
	enum probe_kind kind;
	int bpf_prog_type;          /* enum bpf_prog_type */
	struct attach_point *aps;
	int naps;
};

/* Where a clause first calls a helper: a load the verifier refuses for a helper
 * (bpf_d_path outside its allowlist) is reported at the call, as bpftrace does. */
struct helper_site {
	char helper[40];            /* "bpf_d_path", as the verifier log names it */
	struct loc loc;
};

struct clause_obj {
	int clause_id;
	int index;                  /* position of the clause in its program (source order) */
	void *elf;                  /* BPF ELF object, owned */
	size_t elf_size;
	struct prog_unit *progs;
	int nprogs;
	char *text;                 /* the clause's source text, for the workbench and exports */
	struct loc loc;
	struct helper_site *sites;  /* first call of each checked helper */
	int nsites;
};

/* Attach points over all its programs: what "Attaching N probes" counts. */
static inline int clause_obj_nprobes(const struct clause_obj *c)
{
	int n = 0;

	for (int i = 0; i < c->nprogs; i++)
		n += c->progs[i].naps;
	return n;
}

/* Parse a whole script. Returns NULL after reporting to d on a syntax error. */
struct program *parse_program(const char *source, const char *filename, struct diag_sink *d);
/* The same for a buffer of len bytes that may hold NUL bytes (a script file
 * read whole): a NUL is reported as an invalid character, not an end. */
struct program *parse_program_len(const char *source, size_t len, const char *filename,
				  struct diag_sink *d);

/* Resolve #define/#include and C definitions of the program into the session. */
int sema_program_prelude(struct session *s, struct program *p, struct diag_sink *d);
/* A whole program has at most one BEGIN and one END: is probe index a second one?
 * (reported as bpftrace does) */
int sema_check_unique_probes(const struct program *p, int index, struct diag_sink *d);
/* Expand the clause's attach points, type-check it against the session (adding map and
 * format declarations) and generate its BPF object. On error the session is left as it
 * was and the errors are reported to d. dump: print LLVM IR (-d) when non-NULL.
 * Returns 0 or a negative errno. */
int compile_clause(struct session *s, struct program *p, struct node *probe, int index,
		   struct clause_obj **out, struct diag_sink *d, FILE *dump);
void clause_obj_free(struct clause_obj *c);
/* Declare the maps of every clause of a whole script up front (one-shot mode), so
 * clauses may read maps that later clauses assign. Reports nothing. */
int compile_prepass(struct session *s, struct program *p);

#endif
