/* fuzz_compile: the whole compile of a script to BPF objects, as the CLI runs it.
 * parse -> prelude -> pre-pass -> compile_clause per clause (sema, LLVM codegen,
 * O2, BPF ELF emission). Nothing is loaded: no bpf() syscall is ever made. */
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_sink d;
	struct session *s = NULL;
	struct program *p;
	char *src;

	/* LLVM's O2 pipeline makes big inputs slow without finding more */
	if (size > FUZZ_MAX_INPUT / 4)
		return 0;
	src = malloc(size + 1);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	fuzz_diag_init(&d, src);
	p = fuzz_parse(data, size, &d);
	if (!p)
		goto out;
	s = fuzz_session_new();
	if (!s || sema_program_prelude(s, p, &d))
		goto out;
	compile_prepass(s, p);
	for (int i = 0; i < p->probes.n; i++) {
		struct clause_obj *c = NULL;

		if (compile_clause(s, p, p->probes.v[i], i, &c, &d, NULL))
			continue;
		fuzz_check_object(c);
		clause_obj_free(c);
	}
out:
	session_free(s);
	program_free(p);
	fuzz_diag_done(&d);
	free(src);
	return 0;
}
