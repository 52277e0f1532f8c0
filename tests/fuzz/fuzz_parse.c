/* fuzz_parse: the lexer and parser on arbitrary bytes.
 * Everything a user can type reaches parse_program_len (NULs, invalid UTF-8
 * included); diagnostics are rendered with their caret lines, then dropped. */
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_sink d;
	struct program *p;
	char *src;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	/* the caret printer reads d->source as a C string: give it one */
	src = malloc(size + 1);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	fuzz_diag_init(&d, src);
	p = fuzz_parse(data, size, &d);
	if (p)
		ast_dump(p, d.out);
	program_free(p);
	fuzz_diag_done(&d);
	free(src);
	return 0;
}
