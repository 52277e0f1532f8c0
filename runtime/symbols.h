/* symbols: names for kernel and user addresses and the frames of stack ids.
 * Kernel symbols come from /proc/kallsyms; user symbols from the ELF files a
 * process maps (PIE, libraries, deleted files) and /tmp/perf-PID.map for JITs.
 * Symbol tables are loaded on first use and shared per binary; a process's
 * mappings are captured while it lives, so its stacks print after it exits.
 * Not thread-safe: use one symbolizer from one thread. */
#ifndef BPFDECK_SYMBOLS_H
#define BPFDECK_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../lang/types.h"

struct symbolizer;

/* Returns the fd of the stack-trace map that holds stack ids of type t
 * (TY_KSTACK/TY_USTACK: its stack_mode and stack_depth), or -errno. */
typedef int (*symbols_stack_fd_fn)(void *ctx, const struct type *t);

struct symbolizer *symbolizer_new(symbols_stack_fd_fn stack_fd, void *ctx);
void symbolizer_free(struct symbolizer *s);

/* One resolved address. The strings stay valid until symbolizer_free. */
struct sym_frame {
	uint64_t addr;
	const char *name;       /* demangled symbol, NULL when unknown */
	uint64_t offset;        /* addr - the symbol's start */
	const char *module;     /* user: the mapped file (as /proc/PID/maps names it) or
				 * "[perf-PID.map]"; kernel: "[kernel]"; NULL when unknown */
};

/* Starts loading kernel symbols in a thread (reading /proc/kallsyms takes 30-70
 * ms), for a caller that will want them soon: the workbench when a kstack pane
 * appears, so its first draw does not wait for it. */
void symbols_prefetch_kernel(struct symbolizer *s);
/* Kernel address -> symbol. 0, or -ENOENT (out->name NULL, addr kept). */
int symbols_resolve_kernel(struct symbolizer *s, uint64_t addr, struct sym_frame *out);
/* User address of process pid -> symbol. 0, or -ENOENT (out->name NULL). */
int symbols_resolve_user(struct symbolizer *s, int pid, uint64_t addr, struct sym_frame *out);

/* bpftrace's texts: "sym" or "sym+off" for a kernel address, "0x..." when
 * unknown. snprintf-style return (length needed). s may be NULL: hex. */
int symbols_ksym(struct symbolizer *s, uint64_t addr, bool offset, char *buf, size_t len);
/* The same for a user address of pid; module adds " (/path/of/file)" as
 * bpftrace's perf stack mode does (" ([unknown])" when unresolved). */
int symbols_usym(struct symbolizer *s, uint64_t addr, int pid, bool offset, char *buf,
		 size_t len);
int symbols_usym_module(struct symbolizer *s, uint64_t addr, int pid, bool offset, bool module,
			char *buf, size_t len);

/* Reads the frames of stack_id (a TY_KSTACK/TY_USTACK of type t) into ips, at most
 * max; returns how many frames precede the first zero, or -errno. */
int symbols_stack_ips(struct symbolizer *s, const struct type *t, uint64_t stack_id,
		      uint64_t *ips, unsigned max);
/* The frames of a kstack/ustack value (its bytes as types.h lays them out),
 * innermost first, resolved; at most max. Returns the count or -errno
 * (-EFAULT: the probe had no stack of that kind). */
int symbols_stack_frames(struct symbolizer *s, const struct type *t, const void *value,
			 struct sym_frame *frames, unsigned max);
/* One frame of a stack as bpftrace prints it in mode (without indent or
 * newline): "sym+off" / "0x..." (STACK_BPFTRACE), "ADDR sym+off (module)"
 * (STACK_PERF, user) or "ADDR sym+off" (STACK_PERF, kernel), "ADDR" (STACK_RAW). */
int symbols_frame_format(const struct sym_frame *f, bool user, enum stack_mode mode, char *buf,
			 size_t len);

/* pid was seen with a user stack or address (EV_USER_PID): captures its
 * mappings now, while it still lives. Safe to call more than once. */
void symbols_note_pid(struct symbolizer *s, int pid);
/* Forgets what was captured of pid (e.g. it exec'd). */
void symbols_forget_pid(struct symbolizer *s, int pid);
/* Follows the kernel's mmap/exec/fork records from now on (one dummy perf
 * event per CPU), so processes that exit before their first stack is handled
 * still resolve. For programs that take user stacks; 0 or -errno. */
int symbols_track_start(struct symbolizer *s);

struct symbols_stats {
	unsigned processes;     /* processes whose mappings are held */
	unsigned binaries;      /* files known */
	unsigned loaded;        /* of which symbol tables are loaded */
	size_t symbols;         /* symbols held */
	size_t bytes;           /* heap bytes of tables and names (roughly) */
	bool kernel_loaded;
	size_t kernel_symbols;
};
void symbols_get_stats(struct symbolizer *s, struct symbols_stats *out);

#endif
