/* listing: `bpfdeck -l [pattern]` and `-lv`, as bpftrace 0.17 prints them.
 * Owns parsing the search pattern, expanding it per probe type (tracefs,
 * perf tables, ELF symbols and USDT notes, kernel symbols, BTF) and printing. */
#ifndef BPFDECK_LISTING_H
#define BPFDECK_LISTING_H

#include <stdbool.h>
#include <stdio.h>

/* pattern NULL lists everything (bpftrace -l with no argument). Matches go to
 * out, warnings and errors to stderr in bpftrace's format. Returns 0, or
 * -EINVAL after printing an error (the CLI then exits 1). */
int listing_print(const char *pattern, bool verbose, FILE *out);

/* Same, for -p PID: a wildcard probe type means uprobe/usdt, and a uprobe or
 * usdt without a file means every file mapped by PID (seen via /proc/PID/root). */
int listing_print_pid(const char *pattern, bool verbose, int pid, FILE *out);

/* "struct X", "union X", "enum X": the kernel's BTF types of that name (wildcards),
 * -v their C definitions (listing_btf.c). */
int listing_print_btf(const char *pattern, bool verbose, FILE *out);

#endif
