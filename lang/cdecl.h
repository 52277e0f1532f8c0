/* cdecl: our own parser for C declarations (no libclang).
 * It reads a script's struct/union/enum/typedef definitions, the output of cpp
 * for #included headers, type names written in tracepoint formats, and integer
 * constant expressions (array sizes, enumerators, #define bodies). Layouts follow
 * the x86-64 System V ABI, bit-fields as GCC places them. */
#ifndef BPFDECK_CDECL_H
#define BPFDECK_CDECL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctypes.h"

struct cdecl_error {
	int line, col;          /* in the parsed text, from 1 */
	char msg[256];
};

/* Declarations in text go to the scope's tables of the session. Script text
 * stops at the first error (reported in err); header text (lenient) skips
 * declarations it cannot read, and "#define NAME body" lines record macros. */
int cdecl_parse(struct session *s, const char *text, enum ct_scope scope, bool lenient,
		struct cdecl_error *err);
/* A type name alone: "const struct sk_buff *", "unsigned long", "char [16]". */
struct type *cdecl_typename(struct session *s, const char *text, struct cdecl_error *err);
/* An integer constant expression: "(1 << 3)", "sizeof(struct Foo) * 2", "'a'". */
int cdecl_eval(struct session *s, const char *text, int64_t *out, struct cdecl_error *err);

#endif
