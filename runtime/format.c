/* format: printf() records and single values, rendered as bpftrace 0.17 does.
 * printf hands every argument to C's printf as one 64-bit value or a string,
 * so conversions truncate and sign-extend exactly like glibc with bpftrace. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "cgroup.h"
#include "output_priv.h"
#include "symbols.h"

#define STRFTIME_BUF 64         /* bpftrace's buffer: longer results are "(?)" */
#define STACK_DEPTH_DEFAULT 127

/* The sink's symbolizer; without one, kernel symbols still resolve through a
 * process-wide kallsyms reader (it has no stack maps, so stacks print empty). */
static struct symbolizer *syms_of(struct output *o)
{
	static struct symbolizer *fallback;

	if (o && o->syms)
		return o->syms;
	if (!fallback)
		fallback = symbolizer_new(NULL, NULL);
	return fallback;
}

static uint64_t load_u64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

bool json_quoted_type(const struct type *t)
{
	switch (t->kind) {
	case TY_KSTACK: case TY_USTACK: case TY_KSYM: case TY_USYM: case TY_INET:
	case TY_USERNAME: case TY_STRING: case TY_BUFFER: case TY_PROBE:
		return true;
	default:
		return false;
	}
}

/* Integer values divide in their own width (bpftrace's reduce_value<intN_t> / (intN_t)div). */
static void int_render(struct sbuf *sb, const struct type *t, const void *p, uint64_t div)
{
	uint32_t d32 = (uint32_t)div ? (uint32_t)div : 1;
	int64_t v = value_int(t, p);

	if (!t->is_signed) {
		uint64_t mask = t->size >= 8 ? UINT64_MAX : (1ULL << (t->size * 8)) - 1;

		/* unsigned values promote and divide by the whole (u32) div */
		sbuf_printf(sb, "%" PRIu64, ((uint64_t)v & mask) / d32);
		return;
	}
	switch (t->size) {
	case 1: case 2: case 4: {
		int64_t ds = t->size == 1 ? (int8_t)d32 : t->size == 2 ? (int16_t)d32 : (int32_t)d32;
		int64_t r = ds ? v / ds : v;

		/* int32 INT_MIN / -1 wraps in the width, as the C++ does on x86 */
		if (t->size == 4)
			r = (int32_t)(uint32_t)r;
		sbuf_printf(sb, "%" PRId64, r);
		return;
	}
	default:
		sbuf_printf(sb, "%" PRId64, v / (int64_t)d32);
	}
}

static void username_render(uint64_t uid, struct sbuf *sb)
{
	char line[1024], want[32];
	FILE *f;

	/* bpftrace reads /etc/passwd itself (no NSS); unknown uids print empty */
	snprintf(want, sizeof(want), "%" PRIu64, uid);
	f = fopen("/etc/passwd", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *name = line, *pw, *id, *end;

		pw = strchr(name, ':');
		if (!pw)
			continue;
		id = strchr(pw + 1, ':');
		if (!id)
			continue;
		id++;
		end = strchr(id, ':');
		if (!end)
			end = id + strcspn(id, "\n");
		if ((size_t)(end - id) == strlen(want) && !strncmp(id, want, end - id)) {
			sbuf_put(sb, name, pw - name);
			break;
		}
	}
	fclose(f);
}

static void boottime(struct timespec *out)
{
	static struct timespec bt;
	static bool done;

	if (!done) {
		struct timespec real, boot;

		clock_gettime(CLOCK_REALTIME, &real);
		clock_gettime(CLOCK_BOOTTIME, &boot);
		bt.tv_sec = real.tv_sec - boot.tv_sec;
		bt.tv_nsec = real.tv_nsec - boot.tv_nsec;
		if (bt.tv_nsec < 0) {
			bt.tv_sec--;
			bt.tv_nsec += 1000000000L;
		}
		done = true;
	}
	*out = bt;
}

static void timestamp_render(struct output *o, const void *p, struct sbuf *sb)
{
	uint64_t id = load_u64(p), ns = load_u64((const uint8_t *)p + 8);
	const char *raw = "";
	char out[STRFTIME_BUF], us[16];
	struct timespec bt;
	struct sbuf fmt;
	struct tm tm;
	time_t secs;
	uint64_t sum;

	if (o && o->session && id < (uint64_t)o->session->nfmts && o->session->fmts[id])
		raw = o->session->fmts[id]->text;
	boottime(&bt);
	sum = (uint64_t)bt.tv_nsec + ns;
	snprintf(us, sizeof(us), "%06" PRIu64, (uint64_t)((sum % 1000000000ULL) / 1000));
	/* %f (microseconds) is substituted textually, so "%%f" is hit too, as in bpftrace */
	sbuf_init(&fmt);
	for (const char *s = raw; *s; s++) {
		if (s[0] == '%' && s[1] == 'f') {
			sbuf_puts(&fmt, us);
			s++;
		} else {
			sbuf_putc(&fmt, *s);
		}
	}
	secs = bt.tv_sec + (time_t)(sum / 1000000000ULL);
	if (!localtime_r(&secs, &tm) ||
	    !strftime(out, sizeof(out), fmt.buf ? fmt.buf : "", &tm)) {
		fprintf(stderr, "ERROR: strftime returned 0\n");
		sbuf_puts(sb, "(?)");
	} else {
		sbuf_puts(sb, out);
	}
	sbuf_free(&fmt);
}

static void inet_render(const void *p, struct sbuf *sb)
{
	const uint8_t *addr = (const uint8_t *)p + 8;
	char s[INET6_ADDRSTRLEN];
	uint64_t af = load_u64(p);

	if ((af == AF_INET && inet_ntop(AF_INET, addr, s, sizeof(s))) ||
	    (af == AF_INET6 && inet_ntop(AF_INET6, addr, s, sizeof(s))))
		sbuf_puts(sb, s);
}

/* bpftrace's hex_format_buffer: printable ASCII as is (keep_ascii), the rest as
 * \xNN, or (!escape_hex, printf's %rh) every byte as "NN" separated by spaces. */
static void buffer_render_opts(const struct type *t, const void *p, bool keep_ascii,
			       bool escape_hex, struct sbuf *sb)
{
	const uint8_t *d = (const uint8_t *)p + 4;
	uint32_t n;

	memcpy(&n, p, sizeof(n));
	if (t->size < 4)
		return;
	if (n > t->size - 4)
		n = t->size - 4;
	for (uint32_t i = 0; i < n; i++) {
		if (keep_ascii && d[i] >= 32 && d[i] <= 126)
			sbuf_putc(sb, d[i]);
		else if (escape_hex)
			sbuf_printf(sb, "\\x%02x", d[i]);
		else
			sbuf_printf(sb, i == n - 1 ? "%02x" : "%02x ", d[i]);
	}
}

static void buffer_render(const struct type *t, const void *p, struct sbuf *sb)
{
	buffer_render_opts(t, p, true, true, sb);
}

/* BPFtrace::resolve_ksym/usym stream unknown addresses as (void *): null is "0" */
static void sym_render(struct output *o, const struct type *t, const uint8_t *b, struct sbuf *sb)
{
	uint64_t addr = load_u64(b);
	char sym[512];

	if (!addr) {
		sbuf_putc(sb, '0');
		return;
	}
	if (t->kind == TY_KSYM)
		symbols_ksym(syms_of(o), addr, false, sym, sizeof(sym));
	else
		symbols_usym(syms_of(o), addr, (int)load_u64(b + 8), false, sym, sizeof(sym));
	sbuf_puts(sb, sym);
}

static void cgroup_path_render(struct output *o, const uint8_t *b, struct sbuf *sb)
{
	uint64_t id = load_u64(b), fid = load_u64(b + 8);
	const char *filter = "*";

	if (o && o->session && fid < (uint64_t)o->session->nfmts && o->session->fmts[fid])
		filter = o->session->fmts[fid]->text;
	cgroup_paths_render(id, filter, sb);
}

/* BPFtrace::get_stack: a leading newline, then one frame per line. */
static void stack_render(struct output *o, const struct type *t, const void *p, int indent,
			 struct sbuf *sb)
{
	unsigned depth = t->stack_depth ? t->stack_depth : STACK_DEPTH_DEFAULT;
	bool user = t->kind == TY_USTACK;
	uint64_t id = load_u64(p), *ips;
	int pid = user ? (int)load_u64((const uint8_t *)p + 8) : 0;
	char sym[512];
	int n;

	if ((int32_t)id < 0) {
		/* EFAULT: no stack in this context, which bpftrace prints as nothing */
		if ((int32_t)id != -EFAULT)
			fprintf(stderr, "Error looking up stack id %d (pid %d): %d\n",
				(int32_t)id, pid, -1);
		return;
	}
	ips = calloc(depth, sizeof(*ips));
	if (!ips)
		return;
	n = symbols_stack_ips(o ? o->syms : NULL, t, id, ips, depth);
	if (n < 0) {
		/* no symbolizer (or no stack map for it) is not bpftrace's error case */
		if (o && o->syms && n != -ENOENT)
			fprintf(stderr, "Error looking up stack id %d (pid %d): %d\n", (int32_t)id,
				pid, n);
		goto out;
	}
	sbuf_putc(sb, '\n');
	for (int i = 0; i < n; i++) {
		if (user)
			/* perf mode names the file too, as bpftrace's does */
			symbols_usym_module(syms_of(o), ips[i], pid, true,
					    t->stack_mode == STACK_PERF, sym, sizeof(sym));
		else
			symbols_ksym(syms_of(o), ips[i], true, sym, sizeof(sym));
		switch (t->stack_mode) {
		case STACK_PERF:
			sbuf_printf(sb, "\t%" PRIx64 " %s\n", ips[i], sym);
			break;
		case STACK_RAW:
			sbuf_printf(sb, "%" PRIx64 "\n", ips[i]);
			break;
		default:
			sbuf_printf(sb, "%*s%s\n", indent, "", sym);
		}
	}
out:
	free(ips);
}

/* bitfield_raw: the bytes bpftrace 0.17 prints for a bit-field member: the whole
 * of its declared type read at the member's byte offset, unshifted and unmasked
 * (bytes past the record read as zero). */
static const uint8_t *bitfield_raw(const struct type_field *f, const uint8_t *base, unsigned avail,
				   uint8_t raw[8])
{
	unsigned sz = f->type->size < 8 ? f->type->size : 8;

	memset(raw, 0, 8);
	if (f->offset < avail)
		memcpy(raw, base + f->offset, avail - f->offset < sz ? avail - f->offset : sz);
	return raw;
}

static void field_render(struct output *o, const struct type_field *f, const uint8_t *base,
			 unsigned avail, uint64_t div, enum vstyle style, struct sbuf *sb)
{
	uint8_t raw[8];

	if (!f->bit_size) {
		value_render(o, f->type, base + f->offset, div, style, sb);
		return;
	}
	value_render(o, f->type, bitfield_raw(f, base, avail, raw), div, style, sb);
}

/* The members of a record, those of anonymous struct/union members inline (as
 * bpftrace 0.17 flattens them): ".a = 1, .b = 2" or "\"a\": 1, \"b\": 2". */
static void fields_render(struct output *o, const struct type *t, const uint8_t *b, unsigned avail,
			  uint64_t div, enum vstyle style, bool *first, struct sbuf *sb)
{
	for (unsigned i = 0; i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];

		if (!f->name && f->type->kind == TY_RECORD && !f->bit_size) {
			fields_render(o, f->type, b + f->offset,
				      avail > f->offset ? avail - f->offset : 0, div, style, first, sb);
			continue;
		}
		if (!*first)
			sbuf_puts(sb, ", ");
		*first = false;
		if (style == VS_JSON)
			sbuf_printf(sb, "\"%s\": ", f->name ? f->name : "");
		else
			sbuf_printf(sb, ".%s = ", f->name ? f->name : "");
		field_render(o, f, b, avail, div, style, sb);
	}
}

void value_render(struct output *o, const struct type *t, const void *p, uint64_t div,
		  enum vstyle style, struct sbuf *sb)
{
	const uint8_t *b = p;
	uint32_t d32 = (uint32_t)div ? (uint32_t)div : 1;

	if (!t)
		return;
	if (style == VS_JSON && json_quoted_type(t)) {
		struct sbuf raw;

		sbuf_init(&raw);
		value_render(o, t, p, div, VS_TEXT, &raw);
		sbuf_putc(sb, '"');
		json_escape(sb, raw.buf ? raw.buf : "", raw.len);
		sbuf_putc(sb, '"');
		sbuf_free(&raw);
		return;
	}
	switch (t->kind) {
	case TY_INT:
		int_render(sb, t, p, d32);
		break;
	case TY_STRING:
		sbuf_put(sb, b, strnlen((const char *)b, t->size));
		break;
	case TY_BUFFER:
		buffer_render(t, p, sb);
		break;
	case TY_TUPLE:
		sbuf_puts(sb, style == VS_JSON ? "[" : "(");
		for (unsigned i = 0; i < t->nfields; i++) {
			if (i)
				sbuf_puts(sb, style == VS_JSON ? "," : ", ");
			value_render(o, t->fields[i].type, b + t->fields[i].offset, div, style, sb);
		}
		sbuf_puts(sb, style == VS_JSON ? "]" : ")");
		break;
	case TY_RECORD:
	case TY_TP_ARGS: {
		bool first = true;

		sbuf_puts(sb, "{ ");
		fields_render(o, t, b, t->size, div, style, &first, sb);
		sbuf_puts(sb, " }");
		break;
	}
	case TY_ARRAY:
		sbuf_putc(sb, '[');
		for (unsigned i = 0; t->elem && i < t->count; i++) {
			if (i)
				sbuf_putc(sb, ',');
			value_render(o, t->elem, b + (size_t)i * t->elem->size, div, style, sb);
		}
		sbuf_putc(sb, ']');
		break;
	case TY_KSTACK:
	case TY_USTACK:
		stack_render(o, t, p, 8, sb);
		break;
	case TY_KSYM:
	case TY_USYM:
		sym_render(o, t, b, sb);
		break;
	case TY_STRERROR:
		sbuf_puts(sb, strerror((int)load_u64(b)));
		break;
	case TY_CGROUP_PATH:
		cgroup_path_render(o, b, sb);
		break;
	case TY_USERNAME:
		username_render(load_u64(b), sb);
		break;
	case TY_PROBE: {
		uint64_t id = load_u64(b);

		if (o && o->session && id < (uint64_t)o->session->nprobe_names)
			sbuf_puts(sb, o->session->probe_names[id]);
		break;
	}
	case TY_TIMESTAMP:
		timestamp_render(o, p, sb);
		break;
	case TY_INET:
		inet_render(p, sb);
		break;
	case TY_MACADDR:
		sbuf_printf(sb, "%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1], b[2], b[3], b[4], b[5]);
		break;
	case TY_COUNT:
		sbuf_printf(sb, "%" PRIu64, load_u64(b) / d32);
		break;
	case TY_SUM:
		if (t->is_signed)
			sbuf_printf(sb, "%" PRId64, (int64_t)load_u64(b) / (int64_t)d32);
		else
			sbuf_printf(sb, "%" PRIu64, load_u64(b) / d32);
		break;
	case TY_MIN:
	case TY_MAX:
		sbuf_printf(sb, "%" PRId64, agg_minmax_value(b) / (int64_t)d32);
		break;
	case TY_AVG:
		sbuf_printf(sb, "%" PRId64, agg_avg_value(b) / (int64_t)d32);
		break;
	case TY_STATS: {
		struct agg_avg a;

		memcpy(&a, b, sizeof(a));
		sbuf_printf(sb, style == VS_JSON ?
			    "{\"count\": %" PRId64 ", \"average\": %" PRId64 ", \"total\": %" PRId64 "}" :
			    "count %" PRId64 ", average %" PRId64 ", total %" PRId64,
			    (int64_t)a.count, agg_avg_value(b), a.total);
		break;
	}
	case TY_HIST:
	case TY_LHIST:
		if (style == VS_JSON)
			hist_render_json(t, p, div, sb);
		else
			hist_render_text(t, p, div, sb);
		break;
	default:
		/* pointers and anything else print as a signed 64-bit number */
		if (t->size >= 8)
			sbuf_printf(sb, "%" PRId64, (int64_t)load_u64(b) / (int64_t)d32);
		else if (t->size)
			sbuf_printf(sb, "%" PRId64, value_int(t, p) / (int64_t)d32);
		break;
	}
}

static void key_fields_render(struct output *o, const struct type *t, const uint8_t *b,
			      unsigned avail, bool *first, struct sbuf *sb)
{
	for (unsigned i = 0; i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];
		uint8_t raw[8];

		if (!f->name && f->type->kind == TY_RECORD && !f->bit_size) {
			key_fields_render(o, f->type, b + f->offset,
					  avail > f->offset ? avail - f->offset : 0, first, sb);
			continue;
		}
		if (!*first)
			sbuf_putc(sb, ',');
		*first = false;
		sbuf_printf(sb, ".%s=", f->name ? f->name : "");
		key_arg_render(o, f->type, f->bit_size ? bitfield_raw(f, b, avail, raw) : b + f->offset,
			       sb);
	}
}

void key_arg_render(struct output *o, const struct type *t, const void *p, struct sbuf *sb)
{
	const uint8_t *b = p;

	switch (t->kind) {
	case TY_KSTACK:
	case TY_USTACK:
		/* map keys indent stack frames by 4, values by 8 */
		stack_render(o, t, p, 4, sb);
		break;
	case TY_POINTER:
		sbuf_printf(sb, "0x%" PRIx64, load_u64(p));
		break;
	case TY_RECORD: {
		/* MapKey::argument_value: no blanks, "{.m=2,.n=3}" */
		bool first = true;

		sbuf_putc(sb, '{');
		key_fields_render(o, t, b, t->size, &first, sb);
		sbuf_putc(sb, '}');
		break;
	}
	case TY_ARRAY:
		sbuf_putc(sb, '[');
		for (unsigned i = 0; t->elem && i < t->count; i++) {
			if (i)
				sbuf_putc(sb, ',');
			key_arg_render(o, t->elem, b + (size_t)i * t->elem->size, sb);
		}
		sbuf_putc(sb, ']');
		break;
	default:
		value_render(o, t, p, 1, VS_TEXT, sb);
	}
}

void key_render(struct output *o, const struct map_decl *d, const void *key, const char *sep,
		struct sbuf *sb)
{
	const struct type *k = d->key;

	if (!k || !key)
		return;
	if (k->kind != TY_TUPLE) {
		key_arg_render(o, k, key, sb);
		return;
	}
	for (unsigned i = 0; i < k->nfields; i++) {
		if (i)
			sbuf_puts(sb, sep);
		key_arg_render(o, k->fields[i].type, (const uint8_t *)key + k->fields[i].offset, sb);
	}
}

int format_value(struct output *o, const struct type *t, const void *data, char *buf, size_t len)
{
	struct sbuf sb;
	int n;

	if (!t || !data)
		return -EINVAL;
	sbuf_init(&sb);
	value_render(o, t, data, 1, VS_TEXT, &sb);
	n = sbuf_export(&sb, buf, len);
	sbuf_free(&sb);
	return n;
}

/* printf ------------------------------------------------------------------
 * bpftrace 0.17 finds its specifiers with a regex, cuts the format after each
 * one, and runs C's snprintf on every piece with that one argument: text in
 * front of a specifier goes through printf too ("%%" becomes "%"), text after
 * the last one is copied as is ("%%" stays), and a piece stops at a NUL byte. */

/* One printf argument, located in the payload. */
struct parg {
	const struct type *t;
	const uint8_t *p;
};

enum len_mod { LM_NONE, LM_HH, LM_H, LM_L, LM_LL, LM_J, LM_Z, LM_T, LM_BIG_L };

/* The regex %-?[0-9]*(\.[0-9]+)?((hh|h|l|ll|j|z|t)?[duxXop]|[csr]) at p ('%'):
 * the match length, or 0. *mod gets the length modifier. */
static size_t token_match(const char *p, enum len_mod *mod)
{
	static const struct {
		const char *s;
		enum len_mod m;
	} mods[] = {
		{ "hh", LM_HH }, { "h", LM_H }, { "ll", LM_LL }, { "l", LM_L },
		{ "j", LM_J }, { "z", LM_Z }, { "t", LM_T },
	};
	const char *q = p + 1;

	*mod = LM_NONE;
	if (*q == '-')
		q++;
	while (*q >= '0' && *q <= '9')
		q++;
	if (q[0] == '.' && q[1] >= '0' && q[1] <= '9') {
		q++;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	/* "rx" and "rh" come before "r" among bpftrace's alternatives */
	if (q[0] == 'r' && (q[1] == 'x' || q[1] == 'h'))
		return q + 2 - p;
	if (*q && strchr("csr", *q))
		return q + 1 - p;
	if (*q && strchr("duxXop", *q))
		return q + 1 - p;
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		size_t n = strlen(mods[i].s);

		if (!strncmp(q, mods[i].s, n) && q[n] && strchr("duxXop", q[n])) {
			*mod = mods[i].m;
			return q + n + 1 - p;
		}
	}
	return 0;
}

/* Number of arguments bpftrace expects for a format: its specifier count. */
static unsigned tokens_find(const char *text, size_t *ends, enum len_mod *mods, unsigned max)
{
	unsigned n = 0;

	for (const char *p = text; *p; p++) {
		enum len_mod m;
		size_t len;

		if (*p != '%')
			continue;
		len = token_match(p, &m);
		if (!len)
			continue;
		if (n < max) {
			ends[n] = (size_t)(p - text) + len;
			mods[n] = m;
		}
		n++;
		p += len - 1;
	}
	return n;
}

/* Printed through %s: strings, buffers, symbols, stacks and friends. */
static bool parg_is_str(const struct parg *a)
{
	return a && a->t && a->t->kind != TY_INT && a->t->kind != TY_POINTER;
}

static int64_t parg_int(const struct parg *a)
{
	if (!a || !a->t)
		return 0;
	if (a->t->kind == TY_INT || (a->t->size && a->t->size < 8))
		return value_int(a->t, a->p);
	return (int64_t)load_u64(a->p);
}

/* PrintableInt::print casts to the unsigned type of the specifier's length
 * modifier (%p: a pointer); the vararg slot then holds that value zero-extended. */
static uint64_t slot_of(int64_t v, enum len_mod m, char conv)
{
	if (conv == 'p')
		return (uint64_t)v;
	switch (m) {
	case LM_HH:
		return (uint8_t)v;
	case LM_H:
		return (uint16_t)v;
	case LM_NONE:
		return (uint32_t)v;
	default:
		return (uint64_t)v;
	}
}

/* One glibc conversion inside a piece. */
struct conv_spec {
	char flags[8];
	int nflags;
	bool has_width, has_prec;
	bool width_arg, prec_arg;
	int width, prec;
	enum len_mod len;
	char conv;
};

/* Parses a glibc conversion at p (just past '%'); returns its end or NULL if
 * glibc would not recognise it (it then prints it verbatim). */
static const char *conv_parse(const char *p, struct conv_spec *c)
{
	memset(c, 0, sizeof(*c));
	while (*p && strchr("-+ #0'I", *p)) {
		if (c->nflags < (int)sizeof(c->flags))
			c->flags[c->nflags++] = *p;
		p++;
	}
	if (*p == '*') {
		c->has_width = c->width_arg = true;
		p++;
	} else if (*p >= '0' && *p <= '9') {
		c->has_width = true;
		c->width = (int)strtol(p, (char **)&p, 10);
	}
	if (*p == '.') {
		c->has_prec = true;
		p++;
		if (*p == '*') {
			c->prec_arg = true;
			p++;
		} else {
			c->prec = (int)strtol(p, (char **)&p, 10);
		}
	}
	if (p[0] == 'h' && p[1] == 'h') {
		c->len = LM_HH;
		p += 2;
	} else if (p[0] == 'l' && p[1] == 'l') {
		c->len = LM_LL;
		p += 2;
	} else if (*p == 'h') {
		c->len = LM_H;
		p++;
	} else if (*p == 'l') {
		c->len = LM_L;
		p++;
	} else if (*p == 'q' || *p == 'L') {
		c->len = LM_LL;
		p++;
	} else if (*p == 'j') {
		c->len = LM_J;
		p++;
	} else if (*p == 'z' || *p == 'Z') {
		c->len = LM_Z;
		p++;
	} else if (*p == 't') {
		c->len = LM_T;
		p++;
	}
	c->conv = *p;
	if (!*p || !strchr("diouxXcspaAeEfFgGnm", *p))
		return NULL;
	return p + 1;
}

/* Rebuilds a conversion for snprintf with '*' already replaced by numbers. */
static void spec_build(const struct conv_spec *c, bool keep_len, char conv, char *out, size_t n)
{
	static const char *const lens[] = {
		[LM_NONE] = "", [LM_HH] = "hh", [LM_H] = "h", [LM_L] = "l", [LM_LL] = "ll",
		[LM_J] = "j", [LM_Z] = "z", [LM_T] = "t", [LM_BIG_L] = "",
	};
	size_t o = 0;

	o += snprintf(out + o, n - o, "%%%.*s", c->nflags, c->flags);
	if (c->has_width && o < n)
		o += snprintf(out + o, n - o, "%d", c->width);
	if (c->has_prec && o < n)
		o += snprintf(out + o, n - o, ".%d", c->prec);
	if (o < n)
		snprintf(out + o, n - o, "%s%c", keep_len ? lens[c->len] : "", conv);
}

/* An integer conversion reading a 64-bit vararg slot in its own width. */
static void conv_int(struct sbuf *sb, const struct conv_spec *c, uint64_t slot)
{
	bool sign = c->conv == 'd' || c->conv == 'i';
	char spec[64];

	spec_build(c, true, c->conv, spec, sizeof(spec));
	switch (c->len) {
	case LM_L:
	case LM_LL:
	case LM_J:
	case LM_Z:
	case LM_T:
		if (sign)
			sbuf_printf(sb, spec, (long long)slot);
		else
			sbuf_printf(sb, spec, (unsigned long long)slot);
		break;
	default:
		/* hh and h narrow inside printf itself */
		if (sign)
			sbuf_printf(sb, spec, (int)(uint32_t)slot);
		else
			sbuf_printf(sb, spec, (unsigned int)slot);
	}
}

/* The one vararg a piece gets; later reads are garbage in bpftrace (zero here). */
struct vararg {
	bool used;
	bool is_str;
	uint64_t slot;
	const char *str;
};

static uint64_t vararg_int(struct vararg *va)
{
	uint64_t v = va->used || va->is_str ? 0 : va->slot;

	va->used = true;
	return v;
}

static const char *vararg_str(struct vararg *va)
{
	const char *s = va->used || !va->is_str ? "" : va->str;

	va->used = true;
	return s;
}

/* snprintf(piece, arg) as glibc would run it. */
static void piece_render(const char *piece, struct vararg *va, struct sbuf *sb)
{
	const char *p = piece;

	while (*p) {
		struct conv_spec c;
		const char *end;
		char spec[64];

		if (*p != '%') {
			size_t run = strcspn(p, "%");

			sbuf_put(sb, p, run);
			p += run;
			continue;
		}
		if (p[1] == '%') {
			sbuf_putc(sb, '%');
			p += 2;
			continue;
		}
		end = conv_parse(p + 1, &c);
		if (!end) {
			/* glibc prints a conversion it does not know verbatim */
			sbuf_putc(sb, '%');
			p++;
			continue;
		}
		p = end;
		if (c.width_arg) {
			c.width = (int)(uint32_t)vararg_int(va);
			if (c.width < 0) {
				c.width = -c.width;
				if (c.nflags < (int)sizeof(c.flags))
					c.flags[c.nflags++] = '-';
			}
		}
		if (c.prec_arg) {
			c.prec = (int)(uint32_t)vararg_int(va);
			if (c.prec < 0)
				c.has_prec = false;
		}
		switch (c.conv) {
		case 'd': case 'i': case 'o': case 'u': case 'x': case 'X':
			conv_int(sb, &c, vararg_int(va));
			break;
		case 'c':
			spec_build(&c, false, 'c', spec, sizeof(spec));
			sbuf_printf(sb, spec, (int)(uint32_t)vararg_int(va));
			break;
		case 'p':
			spec_build(&c, false, 'p', spec, sizeof(spec));
			sbuf_printf(sb, spec, (void *)(uintptr_t)vararg_int(va));
			break;
		case 's':
			spec_build(&c, false, 's', spec, sizeof(spec));
			sbuf_printf(sb, spec, vararg_str(va));
			break;
		case 'n':
			vararg_int(va);
			break;
		case 'm':
			spec_build(&c, false, 'm', spec, sizeof(spec));
			sbuf_printf(sb, spec, 0);
			break;
		default:
			/* floating point reads another register file: nothing bpftrace passed */
			spec_build(&c, false, c.conv, spec, sizeof(spec));
			sbuf_printf(sb, spec, 0.0);
			break;
		}
	}
}

/* A piece whose last '%' starts exactly "%r", "%rx" or "%rh" has every "%r[x|h]?"
 * in it rewritten to "%s" (bpftrace's regex_replace, '|' included), and its
 * buffer printed as the specifier says; "%-6r" reaches glibc as is. Returns
 * 'r', 'x', 'h' for the specifier, 0 for none. */
static int raw_mode(struct sbuf *piece)
{
	const char *last = piece->buf ? strrchr(piece->buf, '%') : NULL;
	struct sbuf out;
	int mode;

	if (!last)
		return 0;
	if (!strcmp(last, "%r"))
		mode = 'r';
	else if (!strcmp(last, "%rx"))
		mode = 'x';
	else if (!strcmp(last, "%rh"))
		mode = 'h';
	else
		return 0;
	sbuf_init(&out);
	for (const char *c = piece->buf; *c; c++) {
		if (c[0] == '%' && c[1] == 'r') {
			sbuf_puts(&out, "%s");
			c++;
			if (c[1] == 'x' || c[1] == 'h' || c[1] == '|')
				c++;
		} else {
			sbuf_putc(&out, *c);
		}
	}
	sbuf_reset(piece);
	sbuf_put(piece, out.buf ? out.buf : "", out.len);
	sbuf_free(&out);
	return mode;
}

/* Printf records of one format come by the million: its tokens are found once
 * (per thread, keyed by the format's text), and a piece that is literal text and a
 * lone plain %d %i %u %x (l, ll) or %s prints without glibc's format parser. What
 * it prints is byte for byte what piece_render prints for that piece. */
#define PLAN_SLOTS 64

struct fmt_plan {
	char *text;             /* NULL: empty slot */
	unsigned ntok;
	size_t *ends;
	enum len_mod *mods;
	size_t *lit;            /* per token: length of the literal text before it */
	char *simple;           /* per token: its conversion when plain, else 0 */
};

static _Thread_local struct fmt_plan plans[PLAN_SLOTS];

static void plan_free(struct fmt_plan *pl)
{
	free(pl->text);
	free(pl->ends);
	free(pl->mods);
	free(pl->lit);
	free(pl->simple);
	memset(pl, 0, sizeof(*pl));
}

static const struct fmt_plan *plan_of(const struct fmt_decl *fmt)
{
	struct fmt_plan *pl = &plans[(unsigned)fmt->id % PLAN_SLOTS];
	const char *text = fmt->text;
	size_t prev = 0;
	unsigned n;

	if (pl->text && !strcmp(pl->text, text))
		return pl;
	plan_free(pl);
	n = tokens_find(text, NULL, NULL, 0);
	pl->text = strdup(text);
	pl->ends = calloc(n + 1, sizeof(*pl->ends));
	pl->mods = calloc(n + 1, sizeof(*pl->mods));
	pl->lit = calloc(n + 1, sizeof(*pl->lit));
	pl->simple = calloc(n + 1, 1);
	if (!pl->text || !pl->ends || !pl->mods || !pl->lit || !pl->simple) {
		plan_free(pl);
		return NULL;
	}
	pl->ntok = n;
	tokens_find(text, pl->ends, pl->mods, n);
	for (unsigned i = 0; i < n; prev = pl->ends[i++]) {
		const char *pc = memchr(text + prev, '%', pl->ends[i] - prev), *q;

		/* the piece's first '%' must start its token, which must be plain */
		if (!pc)
			continue;
		pl->lit[i] = pc - (text + prev);
		q = pc + 1;
		if (q[0] == 's' && q + 1 == text + pl->ends[i]) {
			pl->simple[i] = 's';
			continue;
		}
		if (q[0] == 'l')
			q += q[1] == 'l' ? 2 : 1;
		if (q + 1 == text + pl->ends[i] && strchr("diux", *q) && *q)
			pl->simple[i] = *q;
	}
	return pl;
}

/* conv_int for a conversion without flags, width or precision. */
static const char digit_pairs[] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static void conv_int_plain(struct sbuf *sb, enum len_mod len, char conv, uint64_t slot)
{
	char buf[24], *e = buf + sizeof(buf), *p = e;
	bool wide = len == LM_L || len == LM_LL, neg = false;
	uint64_t v = wide ? slot : (uint32_t)slot;

	if (conv == 'd' || conv == 'i') {
		int64_t sv = wide ? (int64_t)slot : (int64_t)(int32_t)(uint32_t)slot;

		neg = sv < 0;
		v = neg ? -(uint64_t)sv : (uint64_t)sv;
	}
	if (conv == 'x') {
		do {
			*--p = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
	} else {
		/* two digits a division: a printf stream is mostly nsecs and pids */
		while (v >= 100) {
			p -= 2;
			memcpy(p, digit_pairs + 2 * (v % 100), 2);
			v /= 100;
		}
		if (v >= 10) {
			p -= 2;
			memcpy(p, digit_pairs + 2 * v, 2);
		} else {
			*--p = (char)('0' + v);
		}
	}
	if (neg)
		*--p = '-';
	sbuf_put(sb, p, e - p);
}

#define FMT_STACK_TOKENS 16

int format_printf_sb(struct output *o, const struct fmt_decl *fmt, const void *payload,
		     size_t payload_len, struct sbuf *sb)
{
	const struct fmt_plan *plan;
	const struct type *args = fmt ? fmt->args : NULL;
	unsigned nargs = args && args->kind == TY_TUPLE ? args->nfields : 0;
	const uint8_t *pl = payload;
	size_t *ends = NULL, prev = 0, tlen, ends_stack[FMT_STACK_TOKENS];
	enum len_mod *mods = NULL, mods_stack[FMT_STACK_TOKENS];
	struct sbuf piece, out, str;
	unsigned ntok, nparts, i;
	const char *text;
	int err = 0, rmode;

	if (!fmt || !fmt->text)
		return -EINVAL;
	text = fmt->text;
	tlen = strlen(text);
	for (i = 0; i < nargs; i++) {
		const struct type_field *f = &args->fields[i];

		if (!pl || f->offset + f->type->size > payload_len)
			return -EINVAL;
	}
	/* no arguments: bpftrace prints the format through "%s", untouched */
	if (!nargs) {
		sbuf_puts(sb, text);
		return 0;
	}
	plan = plan_of(fmt);
	ntok = plan ? plan->ntok : tokens_find(text, NULL, NULL, 0);
	/* on the stack for the usual few conversions: this runs once per printf record */
	if (ntok + 1 <= FMT_STACK_TOKENS) {
		ends = ends_stack;
		mods = mods_stack;
		memset(ends, 0, (ntok + 1) * sizeof(*ends));
		memset(mods, 0, (ntok + 1) * sizeof(*mods));
	} else {
		ends = calloc(ntok + 1, sizeof(*ends));
		mods = calloc(ntok + 1, sizeof(*mods));
		if (!ends || !mods) {
			err = -ENOMEM;
			goto out;
		}
	}
	if (plan) {
		memcpy(ends, plan->ends, ntok * sizeof(*ends));
		memcpy(mods, plan->mods, ntok * sizeof(*mods));
	} else {
		tokens_find(text, ends, mods, ntok);
	}
	nparts = ntok;
	if (!ntok || ends[ntok - 1] != tlen)
		ends[nparts++] = tlen;       /* the text after the last specifier */
	sbuf_init(&piece);
	sbuf_init(&out);
	sbuf_init(&str);
	for (i = 0; i < nargs && i < nparts; i++) {
		struct parg a = { args->fields[i].type, pl + args->fields[i].offset };
		struct vararg va = { 0 };
		char simple = plan && i < ntok ? plan->simple[i] : 0;

		if (simple && (simple == 's') == parg_is_str(&a) &&
		    (simple != 's' || a.t->kind != TY_BUFFER)) {
			sbuf_put(sb, text + prev, plan->lit[i]);
			if (simple == 's') {
				sbuf_reset(&str);
				value_render(o, a.t, a.p, 1, VS_TEXT, &str);
				if (str.buf)
					sbuf_put(sb, str.buf, strlen(str.buf));
			} else {
				conv_int_plain(sb, mods[i], simple,
					       slot_of(parg_int(&a), mods[i], text[ends[i] - 1]));
			}
			prev = ends[i];
			continue;
		}
		sbuf_reset(&piece);
		sbuf_reset(&out);
		sbuf_reset(&str);
		sbuf_put(&piece, text + prev, ends[i] - prev);
		rmode = i < ntok ? raw_mode(&piece) : 0;
		va.is_str = parg_is_str(&a);
		if (va.is_str) {
			if (rmode && a.t->kind == TY_BUFFER)
				buffer_render_opts(a.t, a.p, rmode == 'r', rmode != 'h', &str);
			else
				value_render(o, a.t, a.p, 1, VS_TEXT, &str);
			va.str = str.buf ? str.buf : "";
		} else {
			va.slot = slot_of(parg_int(&a), i < ntok ? mods[i] : LM_NONE,
					  i < ntok ? text[ends[i] - 1] : 'd');
		}
		piece_render(piece.buf ? piece.buf : "", &va, &out);
		/* the piece goes out as a C string: a %c of 0 ends it */
		if (out.buf)
			sbuf_put(sb, out.buf, strlen(out.buf));
		prev = ends[i];
	}
	if (i < nparts)
		sbuf_put(sb, text + prev, ends[i] - prev);
	sbuf_free(&piece);
	sbuf_free(&out);
	sbuf_free(&str);
out:
	if (ends != ends_stack)
		free(ends);
	if (mods != mods_stack)
		free(mods);
	return err;
}

int format_printf(struct output *o, const struct fmt_decl *fmt, const void *payload,
		  size_t payload_len, char *buf, size_t len)
{
	struct sbuf sb;
	int err, n;

	sbuf_init(&sb);
	err = format_printf_sb(o, fmt, payload, payload_len, &sb);
	if (err) {
		n = err;
		if (len)
			buf[0] = '\0';
		goto out;
	}
	n = sbuf_export(&sb, buf, len);
out:
	sbuf_free(&sb);
	return n;
}
