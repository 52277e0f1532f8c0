/* fuzz_common: the fake kernel, session and sink the fuzz targets share.
 * Tracepoint formats here mirror real ones closely enough for `args` code paths
 * (strings, arrays, data_loc, signed and unsigned fields) to be reached. */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"

static const struct tp_field f_openat[] = {
	{ "__syscall_nr", "int", 8, 4, true, 0, false },
	{ "dfd", "int", 16, 8, true, 0, false },
	{ "filename", "const char *", 24, 8, false, 0, false },
	{ "flags", "int", 32, 8, true, 0, false },
	{ "mode", "umode_t", 40, 8, false, 0, false },
};
static const struct tp_field f_read[] = {
	{ "__syscall_nr", "int", 8, 4, true, 0, false },
	{ "fd", "unsigned int", 16, 8, false, 0, false },
	{ "buf", "char *", 24, 8, false, 0, false },
	{ "count", "size_t", 32, 8, false, 0, false },
};
static const struct tp_field f_exit[] = {
	{ "__syscall_nr", "int", 8, 4, true, 0, false },
	{ "ret", "long", 16, 8, true, 0, false },
};
static const struct tp_field f_switch[] = {
	{ "prev_comm", "char", 8, 16, true, 16, false },
	{ "prev_pid", "pid_t", 24, 4, true, 0, false },
	{ "prev_prio", "int", 28, 4, true, 0, false },
	{ "prev_state", "long", 32, 8, true, 0, false },
	{ "next_comm", "char", 40, 16, true, 16, false },
	{ "next_pid", "pid_t", 56, 4, true, 0, false },
	{ "next_prio", "int", 60, 4, true, 0, false },
};
static const struct tp_field f_exec[] = {
	{ "filename", "char", 8, 4, true, 0, true },
	{ "pid", "pid_t", 12, 4, true, 0, false },
	{ "old_pid", "pid_t", 16, 4, true, 0, false },
};
static const struct tp_field f_raw[] = {
	{ "id", "long", 8, 8, true, 0, false },
	{ "args", "unsigned long", 16, 48, false, 6, false },
};

static const struct {
	const char *cat, *ev;
	const struct tp_field *f;
	int n;
} fuzz_tps[] = {
#define TP(c, e, f) { c, e, f, sizeof(f) / sizeof(f[0]) }
	TP("raw_syscalls", "sys_enter", f_raw),
	TP("sched", "sched_process_exec", f_exec),
	TP("sched", "sched_switch", f_switch),
	TP("syscalls", "sys_enter_openat", f_openat),
	TP("syscalls", "sys_enter_read", f_read),
	TP("syscalls", "sys_exit_openat", f_exit),
	TP("syscalls", "sys_exit_read", f_exit),
#undef TP
};
#define NTPS ((int)(sizeof(fuzz_tps) / sizeof(fuzz_tps[0])))

static int fake_tp_format(const char *cat, const char *ev, struct tp_format *out)
{
	for (int i = 0; i < NTPS; i++) {
		if (strcmp(cat, fuzz_tps[i].cat) || strcmp(ev, fuzz_tps[i].ev))
			continue;
		out->id = 100 + i;
		out->nfields = fuzz_tps[i].n;
		out->fields = malloc(sizeof(*out->fields) * fuzz_tps[i].n);
		if (!out->fields)
			return -ENOMEM;
		memcpy(out->fields, fuzz_tps[i].f, sizeof(*out->fields) * fuzz_tps[i].n);
		return 0;
	}
	return -ENOENT;
}

static int fake_tp_glob(const char *cg, const char *eg, tp_visit_fn fn, void *ctx)
{
	int n = 0;

	for (int i = 0; i < NTPS; i++) {
		if (fnmatch(cg, fuzz_tps[i].cat, 0) || fnmatch(eg, fuzz_tps[i].ev, 0))
			continue;
		n++;
		if (fn(fuzz_tps[i].cat, fuzz_tps[i].ev, ctx))
			break;
	}
	return n;
}

/* Normally runtime/tracefs.c's; the fuzz targets link no runtime. */
void tp_format_free(struct tp_format *f)
{
	free(f->fields);
	f->fields = NULL;
	f->nfields = 0;
}

const struct kinfo_ops fuzz_kinfo = { fake_tp_format, fake_tp_glob };

struct session *fuzz_session_new(void)
{
	static char *argv[] = { "1", "hello", NULL };
	struct session_config cfg = {
		.strlen = 64, .map_keys_max = 4096, .max_probes = 512, .cat_bytes_max = 10240,
		.perf_rb_pages = 64, .log_size = 1000000, .argc = 2, .argv = argv,
	};

	return session_new(&cfg, &fuzz_kinfo);
}

static FILE *fuzz_null(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

static const char *fuzz_internal;       /* format of the first internal error */

void __real_diag_report(struct diag_sink *d, enum diag_level lvl, const struct loc *loc,
			const char *fmt, ...);
void __wrap_diag_report(struct diag_sink *d, enum diag_level lvl, const struct loc *loc,
			const char *fmt, ...)
{
	va_list ap;

	if (!fuzz_internal && !strncmp(fmt, "internal error", 14))
		fuzz_internal = fmt;
	va_start(ap, fmt);
	diag_vreport(d, lvl, loc, fmt, ap);
	va_end(ap);
}

void fuzz_diag_init(struct diag_sink *d, const char *source)
{
	memset(d, 0, sizeof(*d));
	d->filename = "fuzz.bt";
	d->source = source;
	d->out = fuzz_null();
	fuzz_internal = NULL;
}

void fuzz_diag_done(struct diag_sink *d)
{
	if (fuzz_internal) {
		fprintf(stderr, "fuzz: the compiler reported an internal error: %s\n", fuzz_internal);
		abort();
	}
}

struct program *fuzz_parse(const uint8_t *data, size_t size, struct diag_sink *d)
{
	return parse_program_len((const char *)data, size, "fuzz.bt", d);
}

void fuzz_check_object(const struct clause_obj *c)
{
	const unsigned char *e = c->elf;

	if (!e || c->elf_size < 64 || memcmp(e, "\177ELF", 4) || c->nprogs < 1) {
		fprintf(stderr, "fuzz: compile_clause succeeded without a BPF object\n");
		abort();
	}
	for (int i = 0; i < c->nprogs; i++) {
		char sec[256];

		snprintf(sec, sizeof(sec), "prog/%s", c->progs[i].name);
		if (!memmem(e, c->elf_size, sec, strlen(sec) + 1)) {
			fprintf(stderr, "fuzz: object lacks section %s\n", sec);
			abort();
		}
	}
}
