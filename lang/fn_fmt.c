/* fn_fmt: format strings of printf(), system(), cat() and debugf() as bpftrace
 * 0.17 reads them: its specifier regex decides how many arguments a format
 * takes, and each specifier's conversion the type its argument must have. */
#include <string.h>
#include "fn.h"

/* The conversion at p (after '%', '-' and the width/precision) as bpftrace's
 * regex alternatives match it: its length, or 0. */
static size_t conv_len(const char *p)
{
	static const char *const mods[] = { "hh", "h", "ll", "l", "j", "z", "t", "" };

	if (p[0] == 'r')
		return p[1] == 'x' || p[1] == 'h' ? 2 : 1;
	if (p[0] == 's' || p[0] == 'c')
		return 1;
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		size_t n = strlen(mods[i]);

		if (!strncmp(p, mods[i], n) && p[n] && strchr("duoxXp", p[n]))
			return n + 1;
	}
	return 0;
}

int fn_fmt_scan(const char *fmt, void (*fn)(const char *conv, size_t len, void *ctx), void *ctx)
{
	int count = 0;

	for (const char *p = fmt; *p; p++) {
		const char *q = p + 1;
		size_t len;

		if (*p != '%')
			continue;
		if (*q == '-')
			q++;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q[0] == '.' && q[1] >= '0' && q[1] <= '9') {
			q++;
			while (*q >= '0' && *q <= '9')
				q++;
		}
		len = conv_len(q);
		if (!len)
			continue;   /* the regex finds no match starting here */
		if (fn)
			fn(q, len, ctx);
		count++;
		p = q + len - 1;
	}
	return count;
}

enum type_kind fn_fmt_conv_type(const char *conv, size_t len)
{
	if (conv[0] == 's')
		return TY_STRING;
	if (conv[0] == 'r')
		return TY_BUFFER;
	if (len)
		return TY_INT;
	return TY_NONE;
}

struct fmt_walk {
	struct sema *se;
	struct node *n;
	const char *name;
	struct type **args;
	int nargs, i, err;
	bool printk;
};

/* The kind bpftrace checks an argument as: symbols and the like print as strings,
 * pointers as integers. */
static enum type_kind arg_kind(const struct type *t)
{
	switch (t->kind) {
	case TY_KSYM: case TY_USYM: case TY_PROBE: case TY_USERNAME: case TY_KSTACK:
	case TY_USTACK: case TY_INET: case TY_TIMESTAMP: case TY_MACADDR: case TY_CGROUP_PATH:
	case TY_STRERROR: case TY_STRING:
		return TY_STRING;
	case TY_POINTER: case TY_INT:
		return TY_INT;
	default:
		return t->kind;
	}
}

static const char *kind_word(enum type_kind k)
{
	struct type t = { .kind = k };

	return fn_type_word(&t);
}

static void check_one(const char *conv, size_t len, void *ctx)
{
	struct fmt_walk *w = ctx;
	enum type_kind want = fn_fmt_conv_type(conv, len), have;
	int i = w->i++;

	if (w->err || i >= w->nargs)
		return;
	/* bpf_trace_printk knows fewer conversions */
	if (w->printk && (conv[len - 1] == 'c' || conv[len - 1] == 'o' || conv[0] == 'r' ||
			  conv[0] == 'h' || conv[0] == 'j' || conv[0] == 'z' || conv[0] == 't')) {
		w->err = fn_error(w->se, w->n, "%s: Unknown format string token: %%%.*s", w->name,
				  (int)len, conv);
		return;
	}
	have = arg_kind(w->args[i]);
	if (have != want) {
		const char *hw = have == TY_INT ? "integer" : have == TY_STRING ? "string" :
				 fn_type_word(w->args[i]);

		w->err = fn_error(w->se, w->n, "%s: %%%.*s specifier expects a value of type %s "
				  "(%s supplied)", w->name, (int)len, conv, kind_word(want), hw);
	}
}

int fn_fmt_check(struct sema *se, struct node *n, const char *name, const char *fmt,
		 struct type **args, int nargs)
{
	struct fmt_walk w = { se, n, name, args, nargs, 0, 0, !strcmp(name, "debugf") };
	int want = fn_fmt_scan(fmt, NULL, NULL);

	if (nargs < want)
		return fn_error(se, n, "%s: Not enough arguments for format string (%d supplied, "
				"%d expected)", name, nargs, want);
	if (nargs > want)
		return fn_error(se, n, "%s: Too many arguments for format string (%d supplied, "
				"%d expected)", name, nargs, want);
	if (w.printk && nargs > 3)
		return fn_error(se, n, "%s: Cannot use more than 3 conversion specifiers", name);
	fn_fmt_scan(fmt, check_one, &w);
	return w.err;
}
