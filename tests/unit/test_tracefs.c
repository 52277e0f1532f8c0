/* test_tracefs: unit tests for runtime/tracefs, perf_events, features, listing.
 * Parsing and matching run on fixed text; the parts that need the kernel
 * (tracefs, BPF loads) are skipped when the host lacks them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../runtime/features.h"
#include "../../runtime/listing.h"
#include "../../runtime/perf_events.h"
#include "../../runtime/tracefs.h"

static int passed, failed, skipped;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (cond) {                                                      \
			passed++;                                                \
		} else {                                                         \
			failed++;                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                \
		}                                                                \
	} while (0)

static const char sched_fmt[] =
	"name: sched_switch\n"
	"ID: 372\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:__data_loc char[] filename;\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:const char * name;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long args[6];\toffset:40;\tsize:48;\tsigned:0;\n"
	"\tfield:char buf[];\toffset:88;\tsize:0;\tsigned:0;\n"
	"\n"
	"print fmt: \"prev_comm=%s\", REC->prev_comm\n";

static void test_parse_format(void)
{
	struct tp_format f;
	const struct tp_field *x;

	CHECK(tracefs_parse_format(sched_fmt, &f) == 0);
	CHECK(f.id == 372);
	CHECK(f.nfields == 6);
	if (f.nfields != 6)
		goto out;
	x = &f.fields[0];
	CHECK(!strcmp(x->name, "prev_comm") && !strcmp(x->type, "char"));
	CHECK(x->array_len == 16 && x->size == 16 && x->offset == 8 && !x->is_signed);
	x = &f.fields[1];
	CHECK(!strcmp(x->name, "prev_pid") && !strcmp(x->type, "pid_t") && x->is_signed);
	CHECK(x->array_len == 0 && !x->data_loc);
	x = &f.fields[2];
	CHECK(!strcmp(x->name, "filename") && !strcmp(x->type, "char") && x->data_loc);
	CHECK(x->array_len == 0 && x->size == 4);
	x = &f.fields[3];
	CHECK(!strcmp(x->name, "name") && !strcmp(x->type, "const char *"));
	x = &f.fields[4];
	CHECK(!strcmp(x->name, "args") && !strcmp(x->type, "unsigned long") && x->array_len == 6);
	x = &f.fields[5];
	CHECK(!strcmp(x->name, "buf") && !strcmp(x->type, "char") && x->size == 0);
out:
	tp_format_free(&f);
	CHECK(f.fields == NULL && f.nfields == 0);
	CHECK(tracefs_parse_format("\tfield:int;\toffset:0;\n", &f) == -EINVAL);
}

static void test_wildcards(void)
{
	CHECK(tracefs_wildcard_match("*", "anything"));
	CHECK(tracefs_wildcard_match("sys_*", "sys_enter"));
	CHECK(!tracefs_wildcard_match("sys_*", "xsys_enter"));
	CHECK(tracefs_wildcard_match("*:sys_enter", "raw_syscalls:sys_enter"));
	CHECK(!tracefs_wildcard_match("*:sys_enter", "syscalls:sys_enter_read"));
	CHECK(tracefs_wildcard_match("*sleep*", "do_nanosleep"));
	CHECK(tracefs_wildcard_match("exact", "exact"));
	CHECK(!tracefs_wildcard_match("exact", "exactly"));
	CHECK(!tracefs_wildcard_match("a?c", "abc"));	/* '?' is literal */
	CHECK(tracefs_wildcard_match("a?c", "a?c"));
	/* bpftrace takes each piece at its first occurrence, without backtracking */
	CHECK(!tracefs_wildcard_match("a*b", "abab"));
	CHECK(tracefs_wildcard_match("a*b*", "abab"));
	CHECK(tracefs_wildcard_find("*:main", "/bin/x:toplev::main(int, char**)"));
	CHECK(tracefs_has_wildcard("f*") && !tracefs_has_wildcard("f"));
}

static void test_perf_events(void)
{
	const struct perf_event_desc *d, *t;
	size_t n;

	d = perf_event_find(PERF_KIND_SOFTWARE, "faults");
	CHECK(d && !strcmp(d->name, "page-faults") && d->default_period == 100);
	d = perf_event_find(PERF_KIND_SOFTWARE, "cpu");
	CHECK(d && !strcmp(d->name, "cpu-clock") && d->default_period == 1000000);
	d = perf_event_find(PERF_KIND_SOFTWARE, "task-clock");
	CHECK(d && d->default_period == 1);
	d = perf_event_find(PERF_KIND_HARDWARE, "cycles");
	CHECK(d && !strcmp(d->name, "cpu-cycles") && d->type == 0 /* PERF_TYPE_HARDWARE */);
	d = perf_event_find(PERF_KIND_HARDWARE, "branches");
	CHECK(d && d->default_period == 100000);
	CHECK(!perf_event_find(PERF_KIND_HARDWARE, "faults"));
	CHECK(!perf_event_find(PERF_KIND_SOFTWARE, NULL));
	t = perf_event_table(PERF_KIND_SOFTWARE, &n);
	CHECK(n == 11);
	for (size_t i = 1; i < n; i++)
		CHECK(strcmp(t[i - 1].name, t[i].name) < 0);
	t = perf_event_table(PERF_KIND_HARDWARE, &n);
	CHECK(n == 10);
}

static char *capture(int (*fn)(const char *, bool, FILE *), const char *pattern, bool verbose,
		     int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	*ret = fn(pattern, verbose, f);
	fclose(f);
	return buf;
}

static int visit_count(const char *cat, const char *ev, void *ctx)
{
	char **last = ctx;
	char *cur;

	if (asprintf(&cur, "%s:%s", cat, ev) < 0)
		return 1;
	if (*last && strcmp(*last, cur) >= 0)
		fprintf(stderr, "tp_glob out of order: %s then %s\n", *last, cur);
	free(*last);
	*last = cur;
	return 0;
}

static void test_live_tracefs(void)
{
	struct tp_format f;
	char *out, *last = NULL;
	bool has_args = false;
	int ret, n;

	if (!tracefs_root()) {
		fprintf(stderr, "skip: %s\n", tracefs_error());
		skipped++;
		return;
	}
	CHECK(tracefs_tp_id("raw_syscalls", "sys_enter") > 0);
	CHECK(tracefs_tp_id("raw_syscalls", "no_such_event") < 0);
	CHECK(tracefs_kinfo.tp_format("raw_syscalls", "sys_enter", &f) == 0);
	CHECK(f.id == tracefs_tp_id("raw_syscalls", "sys_enter"));
	for (int i = 0; i < f.nfields; i++) {
		CHECK(strncmp(f.fields[i].name, "common_", 7) != 0);
		if (!strcmp(f.fields[i].name, "args"))
			has_args = f.fields[i].array_len == 6;
	}
	CHECK(has_args);
	tp_format_free(&f);

	n = tracefs_kinfo.tp_glob("raw_syscalls", "*", visit_count, &last);
	CHECK(n == 2);
	CHECK(last && !strcmp(last, "raw_syscalls:sys_exit"));
	free(last);
	last = NULL;
	n = tracefs_kinfo.tp_glob("*", "*", visit_count, &last);
	CHECK(n > 100);
	free(last);

	out = capture(listing_print, "tracepoint:raw_syscalls:*", false, &ret);
	CHECK(ret == 0 && out &&
	      !strcmp(out, "tracepoint:raw_syscalls:sys_enter\ntracepoint:raw_syscalls:sys_exit\n"));
	free(out);
	out = capture(listing_print, "t:raw_syscalls:sys_enter", true, &ret);
	CHECK(ret == 0 && out && !strncmp(out, "tracepoint:raw_syscalls:sys_enter\n    long id\n", 46));
	free(out);
}

static void test_listing_offline(void)
{
	char *out;
	int ret;

	out = capture(listing_print, "software:*", false, &ret);
	CHECK(ret == 0 && out && !strcmp(out, "software:*:\n"));
	free(out);
	out = capture(listing_print, "*ware:*", false, &ret);
	CHECK(ret == 0 && out && !strcmp(out, "hardware:*:\nsoftware:*:\n"));
	free(out);
	out = capture(listing_print, "s:faults:100,h:cycles", false, &ret);
	CHECK(ret == 0 && out && !strcmp(out, "software:faults:\nhardware:cycles:\n"));
	free(out);

	fprintf(stderr, "-- expected diagnostics follow --\n");
	out = capture(listing_print, "\\n", false, &ret);
	CHECK(ret == -EINVAL && out && !*out);
	free(out);
	out = capture(listing_print, "software:nonexist", false, &ret);
	CHECK(ret == -EINVAL);
	free(out);
	out = capture(listing_print, "tracepoint:x:* { }", false, &ret);
	CHECK(ret == -EINVAL);
	free(out);
	out = capture(listing_print, "", false, &ret);
	CHECK(ret == -EINVAL);
	free(out);
	fprintf(stderr, "-- end of expected diagnostics --\n");

	out = capture(listing_print, "uprobe:/proc/self/exe:main", false, &ret);
	CHECK(ret == 0 && out && !strcmp(out, "uprobe:/proc/self/exe:main\n"));
	free(out);
}

static void test_features(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(features_has(FEAT_BTF) == (access("/sys/kernel/btf/vmlinux", F_OK) == 0));
	/* answers are cached: the second call must agree */
	CHECK(features_has(FEAT_LOOP) == features_has(FEAT_LOOP));
	CHECK(!strcmp(features_name(FEAT_KPROBE_MULTI), "kprobe_multi"));
	CHECK(features_why_not(FEAT__COUNT) == NULL);
	CHECK(features_kconfig("CONFIG_THIS_DOES_NOT_EXIST") == 'n' ||
	      features_kconfig("CONFIG_THIS_DOES_NOT_EXIST") == -ENOENT);
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	features_print_info(f);
	fclose(f);
	CHECK(strstr(buf, "System\n  OS: ") == buf);
	CHECK(strstr(buf, "\nBuild\n  version: "));
	CHECK(strstr(buf, "\nKernel helpers\n  probe_read: "));
	CHECK(strstr(buf, "  Loop support: "));
	CHECK(strstr(buf, "  uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount): "));
	CHECK(strstr(buf, "\nMap types\n  hash: "));
	CHECK(strstr(buf, "\nProbe types\n  kprobe: "));
	CHECK(strstr(buf, "  raw_tp_special: "));
	/* bpftrace's sections come first, ours after */
	CHECK(strstr(buf, "\nbpfdeck\n") > strstr(buf, "raw_tp_special: "));
	free(buf);
}

int main(void)
{
	test_parse_format();
	test_wildcards();
	test_perf_events();
	test_listing_offline();
	test_live_tracefs();
	test_features();
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
