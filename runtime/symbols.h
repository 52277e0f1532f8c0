/* symbols: names for kernel/user addresses and the frames of stack ids.
 * This is the minimal resolver the output needs until real symbolization
 * lands: kernel symbols from /proc/kallsyms, user addresses as hex. */
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

/* "sym" or "sym+off" for a kernel address, "0x..." when unknown. snprintf-style
 * return (length needed). s may be NULL: then the address is printed as hex. */
int symbols_ksym(struct symbolizer *s, uint64_t addr, bool offset, char *buf, size_t len);
/* User address of process pid; for now always "0x..." as bpftrace prints unknowns. */
int symbols_usym(struct symbolizer *s, uint64_t addr, int pid, bool offset, char *buf,
		 size_t len);
/* Reads the frames of stack_id (a TY_KSTACK/TY_USTACK of type t) into ips, at most
 * max; returns how many frames precede the first zero, or -errno. */
int symbols_stack_ips(struct symbolizer *s, const struct type *t, uint64_t stack_id,
		      uint64_t *ips, unsigned max);

#endif
