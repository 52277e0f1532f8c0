/* tracefs: where the tracing filesystem lives and what its event files say.
 * Owns locating (and, as root, mounting) tracefs, reading tracepoint ids and
 * format files, and the kinfo_ops the compiler uses to see tracepoints. */
#ifndef BPFDECK_TRACEFS_H
#define BPFDECK_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>
#include "../lang/kinfo.h"

/* The tracefs mount point ("/sys/kernel/tracing" or "/sys/kernel/debug/tracing"),
 * found once and cached. NULL with errno set when there is none; tracefs_error()
 * then says what the user should do. */
const char *tracefs_root(void);
const char *tracefs_error(void);

/* Writes ROOT/rel into buf. 0, -ENOENT without tracefs, -ENAMETOOLONG. */
int tracefs_path(char *buf, size_t len, const char *rel);
/* The whole of ROOT/rel into *out (malloc'd, NUL-terminated), or -errno. */
int tracefs_read(const char *rel, char **out);

/* events/CAT/EV/id, or -errno. */
int tracefs_tp_id(const char *cat, const char *ev);

/* Parses a format file's text (for tests and for callers holding the text). */
int tracefs_parse_format(const char *text, struct tp_format *out);

/* bpftrace's wildcard rule: only '*' is special, and each piece between stars
 * is matched at its first occurrence (no backtracking), exactly as bpftrace
 * does, so "a*b" does not match "abab". */
bool tracefs_wildcard_match(const char *pattern, const char *s);
/* The same pieces in order anywhere in s, ends unanchored: how bpftrace 0.17
 * matches demangled C++ names. */
bool tracefs_wildcard_find(const char *pattern, const char *s);
bool tracefs_has_wildcard(const char *s);

/* Every "category:event" of the running kernel, sorted bytewise like bpftrace's
 * std::set. *out is a NULL-terminated array owned by tracefs: do not free it.
 * Returns the count or -errno. */
int tracefs_all_events(const char *const **out);

extern const struct kinfo_ops tracefs_kinfo;

#endif
