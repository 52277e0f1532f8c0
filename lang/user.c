/* user: uprobe/uretprobe/usdt attach points and USDT arguments.
 * Files, symbols and notes come from kinfo (runtime reads the ELF); here they
 * become concrete attach points with the file offsets the kernel attaches at. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "user.h"
#include "x86_insn.h"

/* ---- expansion ---- */

struct uexp {
	struct session *s;
	const struct probe_lang *pl;
	const struct node *ap;
	struct ap_vec *out;
	struct diag_sink *d;
	int pid;
	/* the file being expanded */
	const char *display;    /* target as `probe` shows it */
	const char *path;       /* what the kernel opens */
	/* uprobe */
	const char *func;       /* as written, "+off" removed */
	const char *func_written;
	uint64_t off;
	bool wild;
	uint64_t addr;          /* address probes */
	bool by_addr;
	const struct user_sym *hit;     /* address probes: the function holding addr */
	struct user_sym hit_copy;
	char *hit_name;
	/* usdt */
	const char *prov_glob, *name_glob;
	int matched;
	int err;
	/* wildcard matches whose first instruction uprobes cannot take */
	int refused;
	const char *refused_why;
	char refused_names[160];
};

static bool has_wildcard(const char *s)
{
	return strchr(s, '*') != NULL;
}

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

static struct attach_point *uexp_push(struct uexp *u, uint64_t file_offset)
{
	struct attach_point *a = ap_vec_push(u->out, u->pl->kind);

	a->target = strdup(u->display);
	a->path = strdup(u->path);
	a->file_offset = file_offset;
	a->pid = u->pid;
	return a;
}

/* "123", "0x7b": an address probe; bpftrace takes a number as an address. */
static bool parse_number(const char *s, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !*end && !errno;
}

/* Does off start an instruction of the function (size bytes at file_offset)?
 * 1 yes, 0 no, -errno when it cannot tell. A linear sweep from the function's
 * start, as bpftrace's check through libbfd does. */
static int insn_boundary(struct session *s, const char *path, uint64_t file_offset,
			 uint64_t size, uint64_t off)
{
#if defined(__x86_64__)
	unsigned char *buf;
	long n;
	int r;

	if (!s->kinfo->user_read)
		return -ENOTSUP;
	if (!size || size > (1u << 20))
		return -E2BIG;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	n = s->kinfo->user_read(path, file_offset, buf, size);
	r = n < (long)size ? (n < 0 ? (int)n : -EIO) : x86_insn_boundary(buf, size, off);
	free(buf);
	return r == -1 ? -EILSEQ : r;
#else
	return -ENOTSUP;
#endif
}

/* An offset into a function must start an instruction: a uprobe that splits
 * one corrupts the process. --unsafe skips the check. */
static int check_offset(struct uexp *u, const char *func, uint64_t file_offset, uint64_t size,
			uint64_t off)
{
	int r;

	if (!off || u->s->cfg.unsafe)
		return 0;
	r = insn_boundary(u->s, u->path, file_offset, size, off);
	if (r == 1)
		return 0;
	if (r == 0)
		diag_error(u->d, &u->ap->loc, "Could not add uprobe into middle of instruction: %s:%s+%"
			   PRIu64, u->display, func, off);
	else
		diag_error(u->d, &u->ap->loc, "%s:%s+%" PRIu64 ": cannot check that the offset starts "
			   "an instruction (%s): pass --unsafe to probe there anyway", u->display, func,
			   off, strerror(-r));
	return -EINVAL;
}

/* A wildcard's match whose first instruction the kernel would refuse is left
 * out: one such function would fail the uprobe_multi link of all of them. */
static bool refused_match(struct uexp *u, const struct user_sym *sym)
{
#if defined(__x86_64__)
	unsigned char insn[16];
	const char *why;
	long n;
	size_t len;

	if (!u->wild || u->off || !u->s->kinfo->user_read)
		return false;
	n = u->s->kinfo->user_read(u->path, sym->file_offset, insn, sizeof(insn));
	if (n <= 0 || !(why = x86_uprobe_refuses(insn, (size_t)n)))
		return false;
	u->refused_why = u->refused ? u->refused_why : why;
	len = strlen(u->refused_names);
	if (u->refused < 3 && len + strlen(sym->name) + 3 < sizeof(u->refused_names))
		snprintf(u->refused_names + len, sizeof(u->refused_names) - len, "%s%s",
			 len ? ", " : "", sym->name);
	u->refused++;
	return true;
#else
	return false;
#endif
}

static int uprobe_visit(const struct user_sym *sym, void *ctx)
{
	struct uexp *u = ctx;
	struct attach_point *a;

	if (refused_match(u, sym))
		return 0;
	if (u->off && sym->size && u->off >= sym->size) {
		diag_error(u->d, &u->ap->loc, "Offset outside the function bounds ('%s' size is %llu)",
			   sym->name, sym->size);
		return -EINVAL;
	}
	if (check_offset(u, sym->name, sym->file_offset, sym->size, u->off))
		return -EINVAL;
	a = uexp_push(u, sym->file_offset + u->off);
	a->offset = u->off;
	a->wildcard = u->wild;
	a->func = strdup(sym->name);
	/* A name as written stays as written; matches of a wildcard show the symbol. */
	if (!u->wild)
		a->full = str_printf("%s:%s:%s", u->pl->name, u->display, u->func_written);
	else
		a->full = str_printf("%s:%s:%s", u->pl->name, u->display, sym->name);
	u->matched++;
	return 0;
}

static int addr_visit(const struct user_sym *sym, void *ctx)
{
	struct uexp *u = ctx;

	if (u->addr < sym->addr || (u->addr >= sym->addr + sym->size && u->addr != sym->addr))
		return 0;
	/* a sized function beats a label at the same address */
	if (u->hit && u->hit_copy.size >= sym->size)
		return 0;
	free(u->hit_name);
	u->hit_copy = *sym;
	u->hit_name = strdup(sym->name);
	u->hit_copy.name = u->hit_name;
	u->hit_copy.demangled = NULL;
	u->hit = &u->hit_copy;
	return 0;
}

static int uprobe_file(struct uexp *u)
{
	const struct kinfo_ops *k = u->s->kinfo;
	struct attach_point *a;
	int n;

	if (u->by_addr) {
		u->hit = NULL;
		n = k->user_func_glob(u->path, "*", addr_visit, u);
		if (n < 0 || !u->hit) {
			diag_error(u->d, &u->ap->loc, "Could not resolve address: %s:0x%" PRIx64,
				   u->display, u->addr);
			return -ENOENT;
		}
		if (check_offset(u, u->hit->name, u->hit->file_offset, u->hit->size,
				 u->addr - u->hit->addr))
			return -EINVAL;
		a = uexp_push(u, u->hit->file_offset + (u->addr - u->hit->addr));
		a->func = strdup(u->hit->name);
		a->offset = u->addr - u->hit->addr;
		a->full = str_printf("%s:%s:%" PRIu64, u->pl->name, u->display, u->addr);
		u->matched++;
		return 0;
	}
	n = k->user_func_glob(u->path, u->func, uprobe_visit, u);
	if (n == -ENOEXEC) {
		if (!u->wild)
			diag_error(u->d, &u->ap->loc, "%s target file '%s' is not an ELF file",
				   u->pl->name, u->display);
		return u->wild ? 0 : n;
	}
	return n < 0 ? n : 0;
}

static int usdt_visit(const struct usdt_loc *loc, void *ctx)
{
	struct uexp *u = ctx;
	struct attach_point *a;

	if (!loc->file_offset)
		return 0;
	a = uexp_push(u, loc->file_offset);
	a->func = str_printf("%s:%s", loc->provider, loc->name);
	a->full = str_printf("usdt:%s:%s:%s", u->display, loc->provider, loc->name);
	a->ref_ctr_offset = loc->sema_offset;
	a->usdt_args = strdup(loc->args);
	a->offset = loc->pc;
	a->wildcard = u->wild;
	u->matched++;
	return 0;
}

static int usdt_file(struct uexp *u)
{
	int n = u->s->kinfo->usdt_glob(u->path, u->prov_glob, u->name_glob, usdt_visit, u);

	if (n == -ENOEXEC) {
		if (!u->wild)
			diag_error(u->d, &u->ap->loc, "usdt target file '%s' is not an ELF file",
				   u->display);
		return u->wild ? 0 : n;
	}
	return n < 0 ? n : 0;
}

static int uexp_file(struct uexp *u)
{
	return u->pl->kind == PK_USDT ? usdt_file(u) : uprobe_file(u);
}

static int file_visit(const char *path, void *ctx)
{
	struct uexp *u = ctx;

	u->display = path;
	u->path = path;
	u->err = uexp_file(u);
	return u->err;
}

/* func+off: a '+' followed by a number at the end. */
static char *split_offset(const char *func, uint64_t *off)
{
	const char *plus = strrchr(func, '+');

	*off = 0;
	if (!plus || plus == func || !parse_number(plus + 1, off))
		return strdup(func);
	return strndup(func, plus - func);
}

static char *join_parts(char **parts, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(s, ":");
		strcat(s, parts[i]);
	}
	return s;
}

int user_expand(struct session *s, const struct probe_lang *pl, char **parts, int nparts,
		const struct node *ap, struct ap_vec *out, struct diag_sink *d)
{
	const struct kinfo_ops *k = s->kinfo;
	struct uexp u = { .s = s, .pl = pl, .ap = ap, .out = out, .d = d,
			  .pid = s->cfg.target_pid > 0 ? s->cfg.target_pid : 0 };
	const char *target;
	char *func = NULL, *resolved = NULL;
	bool usdt = pl->kind == PK_USDT;
	int before = out->n, nfound = 0, err = 0;

	if (!k || !k->user_resolve || !k->user_glob || !k->user_pid_files ||
	    (usdt ? !k->usdt_glob : !k->user_func_glob)) {
		diag_error(d, &ap->loc, "%s probes are not available: no ELF file support", pl->name);
		return -EINVAL;
	}
	if (usdt) {
		if (nparts < 1 || nparts > 3) {
			diag_error(d, &ap->loc, "usdt probe type requires 2 or 3 arguments");
			return -EINVAL;
		}
		target = nparts == 1 ? "" : parts[0];
		u.prov_glob = nparts == 3 && *parts[1] ? parts[1] : "*";
		u.name_glob = parts[nparts - 1];
		u.wild = has_wildcard(u.prov_glob) || has_wildcard(u.name_glob) ||
			 has_wildcard(target) || !*target;
	} else {
		if (nparts < 1 || (nparts == 1 && !u.pid)) {
			diag_error(d, &ap->loc, "%s probe type requires 2 arguments", pl->name);
			return -EINVAL;
		}
		target = nparts == 1 ? "" : parts[0];
		/* C++ names may be written unquoted: "ns::f" splits into parts */
		func = nparts == 1 ? strdup(parts[0]) : join_parts(parts + 1, nparts - 1);
		if (!*func) {
			diag_error(d, &ap->loc, "%s should be attached to a function and/or address",
				   pl->name);
			free(func);
			return -EINVAL;
		}
		u.func_written = func;
		u.by_addr = parse_number(func, &u.addr);
		if (!u.by_addr) {
			char *bare = split_offset(func, &u.off);

			u.func = bare;
		}
		u.wild = !u.by_addr && has_wildcard(u.func);
		if (u.wild && u.off) {
			diag_error(d, &ap->loc, "%s: an offset cannot follow a wildcard", pl->name);
			err = -EINVAL;
			goto out;
		}
	}
	if (!*target) {
		if (!u.pid) {
			diag_error(d, &ap->loc, "%s probe needs a target file, or -p PID", pl->name);
			err = -EINVAL;
			goto out;
		}
		/* uprobe:FUNC is the executable's own; USDT notes live in libraries too */
		err = k->user_pid_files(u.pid, !usdt, file_visit, &u);
		if (err < 0 && !u.err) {
			diag_error(d, &ap->loc, "cannot read the files of process %d: %s", u.pid,
				   strerror(-err));
			goto out;
		}
		err = u.err;
	} else if (has_wildcard(target)) {
		err = k->user_glob(target, file_visit, &u);
		err = err < 0 ? err : u.err;
	} else {
		resolved = k->user_resolve(target, u.pid, &nfound);
		if (!resolved) {
			diag_error(d, &ap->loc, "%s target file '%s' does not exist or is not executable",
				   pl->name, target);
			err = -ENOENT;
			goto out;
		}
		if (nfound > 1)
			diag_warn(d, &ap->loc, "attaching to %s target file '%s' but matched %d binaries",
				     pl->name, resolved, nfound);
		u.display = strchr(target, '/') ? target : resolved;
		u.path = resolved;
		err = uexp_file(&u);
		/* a USDT probe of a library the binary loads: usdt:./app:lib:probe */
		if (!err && usdt && out->n == before && k->user_needed)
			err = k->user_needed(resolved, file_visit, &u) < 0 ? 0 : u.err;
	}
	if (u.refused)
		diag_warn(d, &ap->loc, "%d matching function%s skipped (%s%s): the kernel's uprobes "
			  "cannot probe a first instruction with %s", u.refused,
			  u.refused == 1 ? "" : "s", u.refused_names, u.refused > 3 ? ", ..." : "",
			  u.refused_why);
	if (!err && out->n == before) {
		if (usdt)
			diag_error(d, &ap->loc, "No usdt probes matched: %s", ap->text);
		else if (u.wild)
			diag_error(d, &ap->loc, "No probes matched: %s", ap->text);
		else
			diag_error(d, &ap->loc, "Could not find function '%s' in %s", u.func,
				   u.display ? u.display : target);
		err = -ENOENT;
	}
out:
	if (err && !d->nerrors)
		diag_error(d, &ap->loc, "%s: %s", ap->text, strerror(-err));
	if (u.func != func)
		free((char *)u.func);
	free(func);
	free(resolved);
	free(u.hit_name);
	return err;
}

bool user_same_program(const struct attach_point *a, const struct attach_point *b)
{
	if (a->kind != PK_USDT || b->kind != PK_USDT)
		return true;
	if (!a->usdt_args || !b->usdt_args)
		return a->usdt_args == b->usdt_args;
	/* %rip-relative operands depend on where each location is */
	return !strcmp(a->usdt_args, b->usdt_args) && !strstr(a->usdt_args, "%rip");
}

/* ---- USDT arguments ---- */

/* struct pt_regs (x86-64) */
static const struct {
	const char *names[4];   /* 64, 32, 16, 8 bit */
	int off;
} x86_regs[] = {
	{ { "rax", "eax", "ax", "al" }, 80 },
	{ { "rbx", "ebx", "bx", "bl" }, 40 },
	{ { "rcx", "ecx", "cx", "cl" }, 88 },
	{ { "rdx", "edx", "dx", "dl" }, 96 },
	{ { "rsi", "esi", "si", "sil" }, 104 },
	{ { "rdi", "edi", "di", "dil" }, 112 },
	{ { "rbp", "ebp", "bp", "bpl" }, 32 },
	{ { "rsp", "esp", "sp", "spl" }, 152 },
	{ { "r8", "r8d", "r8w", "r8b" }, 72 },
	{ { "r9", "r9d", "r9w", "r9b" }, 64 },
	{ { "r10", "r10d", "r10w", "r10b" }, 56 },
	{ { "r11", "r11d", "r11w", "r11b" }, 48 },
	{ { "r12", "r12d", "r12w", "r12b" }, 24 },
	{ { "r13", "r13d", "r13w", "r13b" }, 16 },
	{ { "r14", "r14d", "r14w", "r14b" }, 8 },
	{ { "r15", "r15d", "r15w", "r15b" }, 0 },
	{ { "rip", "eip", "ip", NULL }, 128 },
};

/* "%rax" at *p: sets the pt_regs offset, width and shift; advances p. */
static int parse_reg(const char **p, int *off, int *width, int *shift)
{
	static const int widths[4] = { 8, 4, 2, 1 };
	static const char *const high[] = { "ah", "bh", "ch", "dh" };
	char name[8];
	size_t n = 0;
	const char *q = *p;

	if (*q != '%')
		return -EINVAL;
	q++;
	while (isalnum((unsigned char)*q) && n < sizeof(name) - 1)
		name[n++] = *q++;
	name[n] = '\0';
	*shift = 0;
	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(name, high[i])) {
			*off = x86_regs[i].off;
			*width = 1;
			*shift = 8;
			*p = q;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(x86_regs) / sizeof(x86_regs[0]); i++) {
		for (int w = 0; w < 4; w++) {
			if (x86_regs[i].names[w] && !strcmp(name, x86_regs[i].names[w])) {
				*off = x86_regs[i].off;
				*width = widths[w];
				*p = q;
				return 0;
			}
		}
	}
	return -EINVAL;
}

static int parse_one(const char *s, const char *end, struct usdt_arg *a)
{
	const char *p = s, *at;
	char *num_end;
	int width, shift;

	memset(a, 0, sizeof(*a));
	a->reg_off = a->index_off = -1;
	a->size = 8;
	at = memchr(s, '@', end - s);
	if (at) {
		long sz = strtol(s, &num_end, 10);

		if (num_end != at)
			return -EINVAL;
		a->is_signed = sz < 0;
		a->size = (int)(sz < 0 ? -sz : sz);
		if (a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8)
			return -EINVAL;
		p = at + 1;
	}
	if (*p == '$') {
		a->op = USDT_OP_CONST;
		errno = 0;
		a->value = *(p + 1) == '-' ? strtoll(p + 1, &num_end, 0) :
			   (int64_t)strtoull(p + 1, &num_end, 0);
		return num_end == end && !errno ? 0 : -EINVAL;
	}
	if (*p == '%') {
		a->op = USDT_OP_REG;
		if (parse_reg(&p, &a->reg_off, &a->reg_size, &a->reg_shift) || p != end)
			return -EINVAL;
		return 0;
	}
	/* [disp|sym[+-disp]](%base[,%index[,scale]]) */
	a->op = USDT_OP_MEM;
	if (*p == '-' || *p == '+' || isdigit((unsigned char)*p)) {
		a->value = strtoll(p, &num_end, 0);
		p = num_end;
	} else if (*p != '(') {
		size_t n = 0;

		while (p < end && *p != '(' && *p != '+' && *p != '-' && n < sizeof(a->sym) - 1)
			a->sym[n++] = *p++;
		a->sym[n] = '\0';
		if (*p == '+' || *p == '-') {
			a->value = strtoll(p, &num_end, 0);
			p = num_end;
		}
	}
	if (*p++ != '(')
		return -EINVAL;
	if (*p == '%' && parse_reg(&p, &a->reg_off, &width, &shift))
		return -EINVAL;
	if (*p == ',') {
		p++;
		if (parse_reg(&p, &a->index_off, &width, &shift))
			return -EINVAL;
		a->scale = 1;
		if (*p == ',') {
			a->scale = (int)strtol(p + 1, &num_end, 10);
			p = num_end;
		}
	}
	if (*p++ != ')' || p != end)
		return -EINVAL;
	/* a symbol is only meaningful relative to %rip */
	if (a->sym[0] && a->reg_off != 128)
		return -EINVAL;
	return 0;
}

int usdt_args_parse(const char *spec, struct usdt_arg *out, int max, const char **bad)
{
	const char *p = spec, *end;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return n;
		end = p + strcspn(p, " \t");
		if (n == max)
			return n;
		if (parse_one(p, end, &out[n])) {
			if (bad)
				*bad = p;
			return -EINVAL;
		}
		n++;
		p = end;
	}
}

#define USDT_MAX_ARGS 12

static const char *ap_usdt_name(const struct attach_point *ap)
{
	return ap->func ? ap->func : "?";
}

struct type *usdt_arg_type(struct sema *se, struct node *n, int idx)
{
	struct usdt_arg args[USDT_MAX_ARGS];
	const char *bad = NULL;
	int nargs;

	nargs = usdt_args_parse(se->ap->usdt_args ? se->ap->usdt_args : "", args, USDT_MAX_ARGS,
				&bad);
	if (nargs < 0) {
		int len = (int)strcspn(bad, " \t");

		sema_error(se, n, "usdt probe %s: cannot read argument '%.*s' of its note",
			   ap_usdt_name(se->ap), len, bad);
		return NULL;
	}
	if (idx >= nargs) {
		sema_error(se, n, "usdt probe %s has %d argument%s, so %s does not exist",
			   ap_usdt_name(se->ap), nargs, nargs == 1 ? "" : "s", n->name);
		return NULL;
	}
	if (args[idx].sym[0]) {
		const struct kinfo_ops *k = se->s->kinfo;
		struct user_sym us;

		if (!k || !k->user_sym_lookup || !se->ap->path ||
		    k->user_sym_lookup(se->ap->path, args[idx].sym, &us)) {
			sema_error(se, n, "usdt probe %s: %s is at symbol '%s', which %s does not define "
				   "(stripped?)", ap_usdt_name(se->ap), n->name, args[idx].sym,
				   se->ap->path ? se->ap->path : "its file");
			return NULL;
		}
	}
	return sema_int64(se, false);
}

static LLVMValueRef load_reg(struct cg *cg, int off)
{
	return cg_load_int(cg, cg_gep(cg, cg->ctxp, off), 8, false);
}

LLVMValueRef usdt_arg_gen(struct cg *cg, struct node *n, int idx)
{
	struct usdt_arg args[USDT_MAX_ARGS], *a;
	LLVMValueRef v, addr, buf, rargs[3];
	int nargs;

	nargs = usdt_args_parse(cg->ap->usdt_args ? cg->ap->usdt_args : "", args, USDT_MAX_ARGS,
				NULL);
	if (idx >= nargs)
		return cg_const(cg, 0);
	a = &args[idx];
	switch (a->op) {
	case USDT_OP_CONST:
		return cg_int_cast(cg, cg_const(cg, (uint64_t)a->value), a->size, a->is_signed);
	case USDT_OP_REG:
		v = load_reg(cg, a->reg_off);
		if (a->reg_shift)
			v = LLVMBuildLShr(cg->b, v, cg_const(cg, a->reg_shift), "");
		return cg_int_cast(cg, v, a->size, a->is_signed);
	case USDT_OP_MEM:
		break;
	}
	addr = cg_const(cg, (uint64_t)a->value);
	if (a->reg_off == 128) {
		/* %rip-relative: the note's operand is relative to the probe's nop,
		 * and at a uprobe pt_regs->ip is the probed address */
		addr = LLVMBuildAdd(cg->b, addr, load_reg(cg, 128), "");
		if (a->sym[0] && cg->s->kinfo && cg->s->kinfo->user_sym_lookup && cg->ap->path) {
			struct user_sym us;

			if (!cg->s->kinfo->user_sym_lookup(cg->ap->path, a->sym, &us))
				addr = LLVMBuildAdd(cg->b, addr, cg_const(cg, us.addr - cg->ap->offset), "");
		} else {
			addr = LLVMBuildAdd(cg->b, addr, cg_const(cg, 1 /* the nop */), "");
		}
	} else if (a->reg_off >= 0) {
		addr = LLVMBuildAdd(cg->b, addr, load_reg(cg, a->reg_off), "");
	}
	if (a->index_off >= 0)
		addr = LLVMBuildAdd(cg->b, addr,
				    LLVMBuildMul(cg->b, load_reg(cg, a->index_off),
						 cg_const(cg, (uint64_t)a->scale), ""), "");
	buf = cg_alloca_zero(cg, 8, "usdt_arg");
	rargs[0] = buf;
	rargs[1] = cg_const(cg, a->size);
	rargs[2] = LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "");
	cg_helper(cg, H_PROBE_READ_USER, rargs, 3);
	return cg_load_int(cg, buf, a->size, a->is_signed);
}

/* ---- pids whose stacks need their mappings ---- */

#define USER_PIDS_MAP "__user_pids"
#define USER_PIDS_MAX 8192

void user_pid_seen_decl(struct sema *se)
{
	struct map_decl *m;

	if (session_map_find(se->s, USER_PIDS_MAP))
		return;
	m = session_map_add(se->s, USER_PIDS_MAP);
	m->internal = true;
	m->storage = MAP_HASH;
	m->key_size = 4;
	m->value_size = 8;
	m->max_entries = USER_PIDS_MAX;
}

static void fill_pid(struct cg *cg, LLVMValueRef rec, void *arg)
{
	cg_store_int(cg, rec, arg, 8);
}

void user_pid_seen(struct cg *cg)
{
	const struct map_decl *m = session_map_find(cg->s, USER_PIDS_MAP);
	LLVMValueRef pid, key, val, args[4], ret;
	LLVMBasicBlockRef first, done;

	if (!m)
		return;
	pid = LLVMBuildLShr(cg->b, cg_helper(cg, H_PID_TGID, NULL, 0), cg_const(cg, 32), "");
	key = cg_alloca_zero(cg, 4, "pid_key");
	val = cg_alloca_zero(cg, 8, "pid_val");
	cg_store_int(cg, key, pid, 4);
	args[0] = cg_map_ptr(cg, m->id);
	args[1] = key;
	args[2] = val;
	args[3] = cg_const(cg, 1 /* BPF_NOEXIST */);
	ret = cg_helper(cg, H_MAP_UPDATE, args, 4);
	first = cg_block(cg, "pid_first");
	done = cg_block(cg, "pid_done");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, ret, cg_const(cg, 0), ""), first, done);
	LLVMPositionBuilderAtEnd(cg->b, first);
	cg_event(cg, EV_USER_PID, 0, 8, fill_pid, pid);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}
