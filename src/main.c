/* main: the bpfdeck command line; wires the compiler (lang) to the runtime.
 * Flags are one table: the parser and the --help text both come from it,
 * so they cannot drift apart. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "compile.h"
#include "../runtime/features.h"
#include "../runtime/listing.h"
#include "../runtime/output.h"
#include "../runtime/rt.h"
#include "../runtime/symbols.h"
#include "../runtime/tools.h"
#include "../runtime/tracefs.h"
#include "../ui/ui.h"

#define BPFDECK_VERSION "v0.1"

enum opt_id {
	OPT_BUFFER = 'B', OPT_FORMAT = 'f', OPT_OUTPUT = 'o', OPT_EXPR = 'e', OPT_HELP = 'h',
	OPT_INCDIR = 'I', OPT_LIST = 'l', OPT_PID = 'p', OPT_CMD = 'c', OPT_QUIET = 'q',
	OPT_HELPERS = 'k', OPT_VERSION = 'V', OPT_VERBOSE = 'v', OPT_DEBUG = 'd',
	OPT_INCLUDE = 256, OPT_USDT_FILE, OPT_UNSAFE, OPT_INFO, OPT_NO_WARNINGS,
	OPT_SCRIPT_UI = 'i', OPT_SESSION = 300, OPT_BATCH,
};

struct flag {
	const char *spelling;   /* as shown in --help */
	const char *help;
	int id;
	const char *long_name;  /* NULL: short only */
	int has_arg;
	bool troubleshooting;
};

static const struct flag flags[] = {
	{ "-B MODE", "output buffering mode ('full', 'none')", OPT_BUFFER, NULL, 1, false },
	{ "-f FORMAT", "output format ('text', 'json')", OPT_FORMAT, NULL, 1, false },
	{ "-o file", "redirect bpftrace output to file", OPT_OUTPUT, NULL, 1, false },
	{ "-e 'program'", "execute this program", OPT_EXPR, NULL, 1, false },
	{ "-h, --help", "show this help message", OPT_HELP, "help", 0, false },
	{ "-I DIR", "add the directory to the include search path", OPT_INCDIR, NULL, 1, false },
	{ "--include FILE", "add an #include file before preprocessing", OPT_INCLUDE, "include", 1, false },
	{ "-l [search]", "list probes (-l tools: the bundled tools)", OPT_LIST, NULL, 0, false },
	{ "-p PID", "enable USDT probes on PID", OPT_PID, NULL, 1, false },
	{ "-c 'CMD'", "run CMD and enable USDT probes on resulting process", OPT_CMD, NULL, 1, false },
	{ "--usdt-file-activation", "activate usdt semaphores based on file path", OPT_USDT_FILE,
	  "usdt-file-activation", 0, false },
	{ "--unsafe", "allow unsafe builtin functions", OPT_UNSAFE, "unsafe", 0, false },
	{ "-q", "keep messages quiet", OPT_QUIET, NULL, 0, false },
	{ "--info", "Print information about kernel BPF support", OPT_INFO, "info", 0, false },
	{ "-k", "emit a warning when a bpf helper returns an error (except read functions)",
	  OPT_HELPERS, NULL, 0, false },
	{ "-kk", "check all bpf helper functions", 0, NULL, 0, false },
	{ "-V, --version", "bpfdeck version", OPT_VERSION, "version", 0, false },
	{ "--no-warnings", "disable all warning messages", OPT_NO_WARNINGS, "no-warnings", 0, false },
	{ "-i FILE.bt", "open the script in the workbench instead of running it", OPT_SCRIPT_UI,
	  NULL, 1, false },
	{ "--session FILE", "open the workbench on a saved session", OPT_SESSION, "session", 1, false },
	{ "--batch FILE|-", "run workbench prompt lines (clauses, :commands) without a screen",
	  OPT_BATCH, "batch", 1, false },
	{ "-v", "verbose messages (the raw verifier log on a rejection)", OPT_VERBOSE, NULL, 0, true },
	{ "-d", "(dry run) print the AST and the LLVM IR", OPT_DEBUG, NULL, 0, true },
};

static const char *const env_help[][3] = {
	{ "BPFTRACE_STRLEN", "64", "bytes on BPF stack per str()" },
	{ "BPFTRACE_MAP_KEYS_MAX", "4096", "max keys in a map" },
	{ "BPFTRACE_CAT_BYTES_MAX", "10k", "maximum bytes read by cat builtin" },
	{ "BPFTRACE_MAX_PROBES", "512", "max number of probes" },
	{ "BPFTRACE_LOG_SIZE", "1000000", "log size in bytes" },
	{ "BPFTRACE_PERF_RB_PAGES", "64", "pages per CPU to allocate for ring buffer" },
	{ "BPFTRACE_NO_USER_SYMBOLS", "0", "disable user symbol resolution" },
};

static void usage(FILE *out)
{
	fprintf(out, "USAGE:\n"
		"    bpfdeck [options] filename\n"
		"    bpfdeck [options] - <stdin input>\n"
		"    bpfdeck [options] -e 'program'\n"
		"    bpfdeck [options] tool NAME [args]  (a bundled tool; bpfdeck -l tools lists them)\n"
		"    bpfdeck                      (the workbench, on the default session)\n\n"
		"OPTIONS:\n");
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			fprintf(out, "\nTROUBLESHOOTING OPTIONS:\n");
		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			if (flags[i].troubleshooting != pass)
				continue;
			if (strlen(flags[i].spelling) > 14)
				fprintf(out, "    %s\n                   %s\n", flags[i].spelling, flags[i].help);
			else
				fprintf(out, "    %-14s %s\n", flags[i].spelling, flags[i].help);
		}
	}
	fprintf(out, "\nENVIRONMENT:\n");
	for (size_t i = 0; i < sizeof(env_help) / sizeof(env_help[0]); i++)
		fprintf(out, "    %-27s [default: %s] %s\n", env_help[i][0], env_help[i][1], env_help[i][2]);
	fprintf(out, "\nEXAMPLES:\n"
		"bpfdeck -l '*sleep*'\n    list probes containing \"sleep\"\n"
		"bpfdeck -e 'tracepoint:syscalls:sys_enter_nanosleep { printf(\"PID %%d sleeping...\\n\", pid); }'\n"
		"    trace processes calling sleep\n"
		"bpfdeck -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'\n"
		"    count syscalls by process name\n");
}

struct cli {
	const char *expr, *file, *output, *cmd, *list_pattern;
	const char *tool;       /* bpfdeck tool NAME [args] */
	const char *session, *script_ui, *batch;    /* the workbench */
	bool list, info, debug, verbose, quiet, json, unsafe, no_warnings;
	int helper_level;
	int pid;
	int buffering;          /* 0 default, 1 none, 2 line, 3 full */
	char *incdirs[64], *incfiles[64];
	int nincdirs, nincfiles;
	int argc;
	char **argv;
	char **argv_alloc;      /* the permuted copy, if one was made */
};

static unsigned env_uint(const char *name, unsigned def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	if (*end == 'k' || *end == 'K')
		n *= 1024, end++;
	if (*end) {
		fprintf(stderr, "ERROR: Env var '%s' did not contain a valid uint64_t: %s\n", name, v);
		exit(1);
	}
	return n;
}

/* The whole file: *lenp bytes, which may hold NULs (the parser reports them). */
static char *read_file(FILE *f, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t n;

	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = 0;
	*lenp = len;
	return buf;
}

static int parse_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno) {
		fprintf(stderr, "ERROR: pid '%s' is not a valid decimal number\n", s);
		exit(1);
	}
	if (v < 1 || v > 4194304) {
		fprintf(stderr, "ERROR: pid '%s' out of valid pid range [1,4194304]\n", s);
		exit(1);
	}
	return (int)v;
}

static void parse_args(int argc, char **argv, struct cli *c)
{
	struct option longopts[sizeof(flags) / sizeof(flags[0]) + 1];
	char shortopts[64] = "+";
	const char *opts = shortopts;
	int nl = 0, opt;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const struct flag *f = &flags[i];

		if (!f->id)
			continue;
		if (f->id < 256) {
			size_t l = strlen(shortopts);

			shortopts[l] = (char)f->id;
			shortopts[l + 1] = f->has_arg ? ':' : 0;
			shortopts[l + 1 + !!f->has_arg] = 0;
		}
		if (f->long_name)
			longopts[nl++] = (struct option){ f->long_name, f->has_arg, NULL, f->id };
	}
	longopts[nl] = (struct option){ 0 };
again:
	while ((opt = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_BUFFER:
			if (!strcmp(optarg, "none"))
				c->buffering = 1;
			else if (!strcmp(optarg, "line"))
				c->buffering = 2;
			else if (!strcmp(optarg, "full"))
				c->buffering = 3;
			else {
				fprintf(stderr, "ERROR: Invalid buffering mode: %s\n", optarg);
				exit(1);
			}
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "json"))
				c->json = true;
			else if (strcmp(optarg, "text")) {
				fprintf(stderr, "ERROR: Invalid output format \"%s\"\n"
					"Valid formats: 'text', 'json'\n", optarg);
				exit(1);
			}
			break;
		case OPT_OUTPUT: c->output = optarg; break;
		case OPT_EXPR: c->expr = optarg; break;
		case OPT_HELP: usage(stdout); exit(0);
		case OPT_INCDIR:
			if (c->nincdirs < 64)
				c->incdirs[c->nincdirs++] = optarg;
			break;
		case OPT_INCLUDE:
			if (c->nincfiles < 64)
				c->incfiles[c->nincfiles++] = optarg;
			break;
		case OPT_USDT_FILE: break;
		case OPT_LIST: c->list = true; break;
		case OPT_PID: c->pid = parse_pid(optarg); break;
		case OPT_CMD: c->cmd = optarg; break;
		case OPT_QUIET: c->quiet = true; break;
		case OPT_HELPERS: c->helper_level++; break;
		case OPT_VERSION:
			printf("bpfdeck %s (bpftrace v0.17 language)\n", BPFDECK_VERSION);
			exit(0);
		case OPT_VERBOSE: c->verbose = true; break;
		case OPT_DEBUG: c->debug = true; break;
		case OPT_UNSAFE: c->unsafe = true; break;
		case OPT_INFO: c->info = true; break;
		case OPT_NO_WARNINGS: c->no_warnings = true; break;
		case OPT_SCRIPT_UI: {
			/* bpftrace has no -i: anything but a script stays a bad flag there */
			size_t l = strlen(optarg);
			struct stat st;

			if ((l < 3 || strcmp(optarg + l - 3, ".bt")) &&
			    (stat(optarg, &st) || !S_ISREG(st.st_mode))) {
				fprintf(stderr, "%s: invalid option -- 'i'\n", argv[0]);
				usage(stderr);
				exit(1);
			}
			c->script_ui = optarg;
			break;
		}
		case OPT_SESSION: c->session = optarg; break;
		case OPT_BATCH: c->batch = optarg; break;
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (c->list) {
		if (optind < argc && !c->list_pattern) {
			c->list_pattern = argv[optind++];
			/* as with bpftrace's GNU getopt, options may follow: -l 'usdt:*' -p PID */
			if (optind < argc)
				goto again;
		}
		return;
	}
	if (!c->expr && !c->file && optind < argc)
		c->file = argv[optind++];
	if (!c->expr && c->file && !strcmp(c->file, "tool")) {
		/* bpfdeck [options] tool NAME [args]: the args are the tool's $1, $2... */
		c->file = NULL;
		if (optind >= argc) {
			fprintf(stderr, "USAGE: bpfdeck [options] tool NAME [args]\n"
				"The tools (bpfdeck -l tools):\n");
			tools_list(stderr);
			exit(1);
		}
		c->tool = argv[optind++];
	} else if (opts == shortopts && optind < argc && strcmp(argv[optind - 1], "--")) {
		/* bpftrace's GNU getopt permutes: "prog.bt -v 1 -- -2" takes -v, and
		 * 1, -2 are $1, $2. A tool's arguments stay its own, hence the "+"
		 * up to the script. */
		char **rest = calloc(argc - optind + 2, sizeof(*rest));

		if (!rest) {
			fprintf(stderr, "ERROR: out of memory\n");
			exit(1);
		}
		rest[0] = argv[0];
		memcpy(rest + 1, argv + optind, (argc - optind) * sizeof(*rest));
		argc = argc - optind + 1;
		argv = c->argv_alloc = rest; /* c->argv points into it until exit */
		opts = shortopts + 1;
		optind = 0;
		goto again;
	}
	c->argc = argc - optind;
	c->argv = argv + optind;
}

static int list_probes(struct cli *c)
{
	if (c->list_pattern && !strcmp(c->list_pattern, "tools"))
		return tools_list(stdout) < 0 ? 1 : 0;
	if (c->list_pattern && strpbrk(c->list_pattern, "\n\t\r\\")) {
		fprintf(stderr, "ERROR: invalid character in search expression\n");
		return 1;
	}
	if (c->list_pattern && (!strncmp(c->list_pattern, "struct ", 7) ||
				!strncmp(c->list_pattern, "union ", 6) ||
				!strncmp(c->list_pattern, "enum ", 5)))
		return listing_print_btf(c->list_pattern, c->verbose, stdout) < 0 ? 1 : 0;
	/* -p: uprobes and USDT probes of that process's files */
	return listing_print_pid(c->list_pattern ? c->list_pattern : (c->expr ? c->expr : NULL),
				 c->verbose, c->pid, stdout) < 0 ? 1 : 0;
}

struct stack_ctx {
	struct session *s;
	struct rt *rt;
};

/* stack_fd: the stack-trace map a kstack/ustack value's id refers to. */
static int stack_fd(void *ctx, const struct type *t)
{
	struct stack_ctx *sc = ctx;
	struct map_decl *m;
	char name[32];

	snprintf(name, sizeof(name), "__stack_%u", t->stack_depth);
	m = session_map_find(sc->s, name);
	return m ? rt_map_fd(sc->rt, m->id) : -ENOENT;
}

/* Priority 101: before the static constructors of LLVM (hundreds of them, most of
 * bpfdeck's start-up on a slow machine), so a SIGINT that comes while we start
 * waits for the event loop, even for a `bpfdeck ... &` job, whose SIGINT starts
 * out ignored. main() lets them go again where no program will run. */
__attribute__((constructor(101))) static void main_hold_signals(void)
{
	rt_signals_hold();
}

int main(int argc, char **argv)
{
	struct stack_ctx sc = { 0 };
	static struct cli c;    /* static: its argv copy stays reachable until exit */
	struct session_config cfg = { 0 };
	struct diag_sink d = { 0 };
	struct clause_obj **clauses = NULL;
	struct program *prog = NULL;
	struct session *s = NULL;
	struct output *o = NULL;
	struct rt *rt = NULL;
	struct rt_opts ropts = { 0 };
	const char *filename;
	FILE *out = stdout;
	char *source = NULL, *shown = NULL;
	size_t source_len = 0;
	bool workbench = false;
	struct timespec ts;
	int status = 1, n = 0;

	parse_args(argc, argv, &c);
	if (c.info || c.list || c.session || c.script_ui || c.batch ||
	    (!c.expr && !c.file && !c.tool))
		rt_signals_release();   /* no run: Ctrl-C acts at once */
	if (c.info) {
		features_print_info(stdout);
		return 0;
	}
	if (c.list)
		return list_probes(&c);
	if (c.tool) {
		static struct tool_info tool;
		char why[256];
		int err = tools_resolve(c.tool, &tool, why, sizeof(why));

		if (err == -ENOENT && !tools_dir()) {
			fprintf(stderr, "ERROR: no tools directory found (install bpfdeck, or set "
				"BPFDECK_TOOLS_DIR)\n");
			return 1;
		}
		if (err == -ENOENT) {
			fprintf(stderr, "ERROR: no tool named '%s' (bpfdeck -l tools lists them)\n", c.tool);
			return 1;
		}
		if (err == -ENOTSUP) {
			fprintf(stderr, "ERROR: tool %s needs %s\n", c.tool, why);
			return 1;
		}
		if (c.argc < tools_required_args(&tool)) {
			fprintf(stderr, "USAGE: %s\n", tool.usage);
			return 1;
		}
		c.file = tool.path;
	}
	if (c.expr) {
		source = strdup(c.expr);
		source_len = strlen(c.expr);
		filename = "stdin";
	} else if (c.file && !strcmp(c.file, "-")) {
		source = read_file(stdin, &source_len);
		filename = "stdin";
	} else if (c.file) {
		FILE *f = fopen(c.file, "r");

		if (!f) {
			fprintf(stderr, "ERROR: failed to open file '%s': %s\n", c.file, strerror(errno));
			return 1;
		}
		source = read_file(f, &source_len);
		fclose(f);
		filename = c.file;
	} else {
		/* no program: the workbench */
		workbench = true;
		source = strdup("");
		filename = "stdin";
	}

	cfg.strlen = env_uint("BPFTRACE_STRLEN", 64);
	if (cfg.strlen > 200) {
		fprintf(stderr, "ERROR: BPFTRACE_STRLEN too large (%u); the maximum is 200\n", cfg.strlen);
		return 1;
	}
	cfg.map_keys_max = env_uint("BPFTRACE_MAP_KEYS_MAX", 4096);
	cfg.max_probes = env_uint("BPFTRACE_MAX_PROBES", 512);
	cfg.max_bpf_progs = env_uint("BPFTRACE_MAX_BPF_PROGS", 512);
	cfg.cat_bytes_max = env_uint("BPFTRACE_CAT_BYTES_MAX", 10240);
	cfg.perf_rb_pages = env_uint("BPFTRACE_PERF_RB_PAGES", 64);
	cfg.log_size = env_uint("BPFTRACE_LOG_SIZE", 1000000);
	cfg.no_user_symbols = env_uint("BPFTRACE_NO_USER_SYMBOLS", 0);
	cfg.unsafe = c.unsafe;
	cfg.helper_check_level = c.helper_level;
	cfg.target_pid = c.pid;
	cfg.has_child = c.cmd != NULL;
	cfg.argc = c.argc;
	cfg.argv = c.argv;
	cfg.include_dirs = c.incdirs;
	cfg.ninclude_dirs = c.nincdirs;
	cfg.include_files = c.incfiles;
	cfg.ninclude_files = c.nincfiles;

	if (workbench || c.session || c.script_ui || c.batch) {
		struct ui_opts uo = { .session = c.session, .script = c.script_ui, .batch = c.batch,
				      .argv0 = argv[0] };

		free(source);
		return c.batch ? ui_batch(&cfg, &uo) : ui_main(&cfg, &uo);
	}
	if (c.output) {
		out = fopen(c.output, "w");
		if (!out) {
			fprintf(stderr, "ERROR: failed to open output file '%s': %s\n", c.output, strerror(errno));
			return 1;
		}
	}
	if (c.buffering == 1)
		setvbuf(out, NULL, _IONBF, 0);
	else if (c.buffering == 2 || (c.buffering == 0 && out == stdout))
		setvbuf(out, NULL, _IOLBF, 0);

	tracefs_root();
	s = session_new(&cfg, &tracefs_kinfo);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->start_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	o = c.json ? output_json_new(s, out) : output_text_new(s, out);
	o->unbuffered = c.buffering == 1;
	ropts.verbose = c.verbose;
	ropts.quiet_attach = c.quiet;
	rt = rt_new(s, o, &ropts);
	if (!s || !o || !rt) {
		fprintf(stderr, "ERROR: out of memory\n");
		goto out;
	}
	sc.s = s;
	sc.rt = rt;
	o->syms = symbolizer_new(stack_fd, &sc);
	o->src_name = filename;
	o->src_text = source;

	d.filename = filename;
	d.source = source;
	if (memchr(source, '\0', source_len)) {
		/* caret lines read the source as a C string: show NULs as blanks */
		shown = malloc(source_len + 1);
		if (shown) {
			for (size_t i = 0; i < source_len; i++)
				shown[i] = source[i] ? source[i] : ' ';
			shown[source_len] = '\0';
			d.source = shown;
		}
	}
	d.out = stderr;
	d.no_warnings = c.no_warnings;
	prog = parse_program_len(source, source_len, filename, &d);
	if (!prog || d.nerrors)
		goto out;
	if (c.debug)
		ast_dump(prog, stdout);
	if (sema_program_prelude(s, prog, &d))
		goto out;
	if (c.cmd) {
		pid_t pid = rt_spawn_child(rt, c.cmd);

		if (pid < 0) {
			fprintf(stderr, "ERROR: %s\n", rt_strerror(rt));
			goto out;
		}
		s->cfg.child_pid = pid;
	}
	compile_prepass(s, prog);
	clauses = calloc(prog->probes.n + 1, sizeof(*clauses));
	for (int i = 0; i < prog->probes.n && d.nerrors <= DIAG_MAX_ERRORS; i++) {
		sema_check_unique_probes(prog, i, &d);
		if (compile_clause(s, prog, prog->probes.v[i], i, &clauses[n], &d, c.debug ? stdout : NULL))
			continue;
		n++;
	}
	if (d.nerrors)
		goto out;
	if (c.debug) {
		status = 0;
		goto out;
	}
	/* user stacks: follow mmaps, so processes that exit at once still resolve */
	if (session_map_find(s, "__user_pids"))
		symbols_track_start(o->syms);
	rt_signals_catch(rt);
	status = rt_run_oneshot(rt, clauses, n);
out:
	rt_free(rt);
	for (int i = 0; i < n; i++)
		clause_obj_free(clauses[i]);
	free(clauses);
	if (o) {
		symbolizer_free(o->syms);
		o->ops->destroy(o);
	}
	program_free(prog);
	session_free(s);
	free(source);
	free(shown);
	if (out != stdout)
		fclose(out);
	return status;
}
