/* fuzz_common: what every libFuzzer target shares.
 * A fake kernel (fixed tracepoints, no tracefs, no bpf()), a session like the
 * CLI's defaults, and a diagnostics sink that formats everything to /dev/null. */
#ifndef BPFDECK_FUZZ_COMMON_H
#define BPFDECK_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "compile.h"

/* Larger inputs only slow the fuzzer down; the bad-input catalogue covers 1 MB. */
#define FUZZ_MAX_INPUT (64 * 1024)

extern const struct kinfo_ops fuzz_kinfo;

/* A session with bpfdeck's default limits and two positional parameters. */
struct session *fuzz_session_new(void);
/* A sink that renders every diagnostic (caret lines included) to /dev/null. */
void fuzz_diag_init(struct diag_sink *d, const char *source);
/* Aborts if the compiler reported an internal error (invalid IR, failed codegen):
 * those are bugs of ours whatever the input was. The targets link with
 * -Wl,--wrap=diag_report, so the check sees each message's format string, which
 * is our code's, never the input's. */
void fuzz_diag_done(struct diag_sink *d);
/* Parses data (which may hold NULs); NULL on a syntax error. */
struct program *fuzz_parse(const uint8_t *data, size_t size, struct diag_sink *d);
/* A compiled clause must be a BPF ELF with one prog/<name> section per program. */
void fuzz_check_object(const struct clause_obj *c);

#endif
