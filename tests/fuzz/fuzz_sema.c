/* fuzz_sema: parse plus semantic analysis, no code generation.
 * Runs what compile_clause runs before codegen: the prelude, the map pre-pass,
 * attach point expansion against the fake kernel and a strict type check of
 * every attach-point group of every clause. */
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"
#include "probes.h"
#include "sema.h"

static void fuzz_sema_clause(struct session *s, struct program *p, struct node *probe,
			     struct diag_sink *d)
{
	struct ap_vec aps = { 0 };
	int err = 0;

	for (int i = 0; i < probe->aps.n; i++)
		err = probe_expand(s, probe->aps.v[i], &aps, d) ?: err;
	for (int i = 0; !err && i < aps.n;) {
		struct sema se = { 0 };
		int end = i + 1;

		while (end < aps.n && aps.v[end].kind == aps.v[i].kind &&
		       aps.v[i].kind != PK_BEGIN && aps.v[i].kind != PK_END)
			end++;
		se.s = s;
		se.prog = p;
		se.d = d;
		se.ap = &aps.v[i];
		se.naps = end - i;
		err = sema_group(&se, probe);
		if (se.tpf) {
			tp_format_free(se.tpf);
			free(se.tpf);
		}
		free(se.vars);
		i = end;
	}
	ap_vec_free(&aps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_sink d;
	struct session *s = NULL;
	struct program *p;
	char *src;

	if (size > FUZZ_MAX_INPUT)
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
	for (int i = 0; i < p->probes.n; i++)
		fuzz_sema_clause(s, p, p->probes.v[i], &d);
out:
	session_free(s);
	program_free(p);
	fuzz_diag_done(&d);
	free(src);
	return 0;
}
