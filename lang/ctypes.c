/* ctypes: name resolution for C types, and the typing and code of expressions
 * that reach into memory: casts, sizeof/offsetof, a.b, p->b, *p, a[i].
 * A record or array read through a pointer is not copied until its value is
 * needed: codegen works out the address of the innermost member and reads
 * only that, with the helper of the pointer's address space. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ctypes.h"
#include "cdecl.h"
#include "btf.h"
#include "codegen.h"
#include "arena.h"

/* ---------------------------------------------------------------- tables */

static uint64_t hash_key(const char *skey, uint64_t ikey)
{
	uint64_t h = 1469598103934665603ULL ^ ikey;

	if (skey)
		while (*skey)
			h = (h ^ (unsigned char)*skey++) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static bool key_eq(const struct ct_ent *e, const char *skey, uint64_t ikey)
{
	if (e->ikey != ikey || !e->skey != !skey)
		return false;
	return !skey || !strcmp(e->skey, skey);
}

void *ct_hash_get(const struct ct_hash *h, const char *skey, uint64_t ikey, bool *found)
{
	if (found)
		*found = false;
	if (!h->nb)
		return NULL;
	for (struct ct_ent *e = h->b[hash_key(skey, ikey) & (h->nb - 1)]; e; e = e->next)
		if (key_eq(e, skey, ikey)) {
			if (found)
				*found = true;
			return e->val;
		}
	return NULL;
}

static struct ct_ent *ct_hash_find(const struct ct_hash *h, const char *skey, uint64_t ikey)
{
	if (!h->nb)
		return NULL;
	for (struct ct_ent *e = h->b[hash_key(skey, ikey) & (h->nb - 1)]; e; e = e->next)
		if (key_eq(e, skey, ikey))
			return e;
	return NULL;
}

struct ct_ent *ct_hash_put(struct session *s, struct ct_hash *h, const char *skey, uint64_t ikey)
{
	struct ct_ent *e = ct_hash_find(h, skey, ikey);
	uint64_t i;

	if (e)
		return e;
	if (h->n >= h->nb) {
		unsigned nb = h->nb ? h->nb * 4 : 64;
		struct ct_ent **b = arena_zalloc(s->arena, sizeof(*b) * nb);

		/* relink into the bigger table; the old bucket array stays in the arena */
		for (unsigned j = 0; j < h->nb; j++)
			for (struct ct_ent *x = h->b[j], *nx; x; x = nx) {
				nx = x->next;
				i = hash_key(x->skey, x->ikey) & (nb - 1);
				x->next = b[i];
				b[i] = x;
			}
		h->b = b;
		h->nb = nb;
	}
	e = arena_zalloc(s->arena, sizeof(*e));
	e->skey = skey ? arena_strdup(s->arena, skey) : NULL;
	e->ikey = ikey;
	i = hash_key(skey, ikey) & (h->nb - 1);
	e->next = h->b[i];
	h->b[i] = e;
	h->n++;
	return e;
}

struct ctypes *ctypes_of(struct session *s)
{
	if (!s->ctypes)
		s->ctypes = arena_zalloc(s->arena, sizeof(*s->ctypes));
	return s->ctypes;
}

/* ---------------------------------------------------------------- names */

struct type *ctypes_char(struct session *s)
{
	struct type *t = type_int(s->arena, 1, true);

	t->name = "char";
	return t;
}

bool ctypes_is_char(const struct type *t)
{
	return t && t->kind == TY_INT && t->size == 1 && t->name && !strcmp(t->name, "char");
}

struct type *ctypes_base(struct session *s, const char *name)
{
	static const struct { const char *name; unsigned size; bool sign; } ints[] = {
		{ "int8", 1, true }, { "int16", 2, true }, { "int32", 4, true }, { "int64", 8, true },
		{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false },
		{ "uint64", 8, false }, { "short", 2, true }, { "int", 4, true },
		{ "long", 8, true }, { "unsigned char", 1, false }, { "unsigned short", 2, false },
		{ "unsigned int", 4, false }, { "unsigned", 4, false }, { "unsigned long", 8, false },
		{ "long long", 8, true }, { "unsigned long long", 8, false }, { "bool", 1, false },
		{ "_Bool", 1, false }, { "signed char", 1, true }, { "long int", 8, true },
		{ "long unsigned int", 8, false }, { "short int", 2, true },
		{ "short unsigned int", 2, false }, { "long long int", 8, true },
		{ "long long unsigned int", 8, false },
		{ "u8", 1, false }, { "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
		{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true }, { "s64", 8, true },
		{ "__u8", 1, false }, { "__u16", 2, false }, { "__u32", 4, false }, { "__u64", 8, false },
		{ "__s8", 1, true }, { "__s16", 2, true }, { "__s32", 4, true }, { "__s64", 8, true },
		{ "int8_t", 1, true }, { "int16_t", 2, true }, { "int32_t", 4, true },
		{ "int64_t", 8, true }, { "uint8_t", 1, false }, { "uint16_t", 2, false },
		{ "uint32_t", 4, false }, { "uint64_t", 8, false }, { "size_t", 8, false },
		{ "ssize_t", 8, true }, { "uintptr_t", 8, false }, { "intptr_t", 8, true },
	};

	if (!strcmp(name, "char"))
		return ctypes_char(s);
	if (!strcmp(name, "void"))
		return type_simple(s->arena, TY_VOID);
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strcmp(name, ints[i].name))
			return type_int(s->arena, ints[i].size, ints[i].sign);
	return NULL;
}

static bool is_tag(const char *name)
{
	return !strncmp(name, "struct ", 7) || !strncmp(name, "union ", 6) || !strncmp(name, "enum ", 5);
}

static struct type *scope_lookup(struct ctypes *ct, enum ct_scope sc, const char *name)
{
	return ct_hash_get(is_tag(name) ? &ct->tags[sc] : &ct->typedefs[sc], name, 0, NULL);
}

struct type *ctypes_lookup_from(struct session *s, const char *name, enum ct_scope first)
{
	struct ctypes *ct = ctypes_of(s);
	struct type *t = is_tag(name) ? NULL : ctypes_base(s, name);

	if (t)
		return t;
	if (first == CT_HEADERS) {
		t = scope_lookup(ct, CT_HEADERS, name);
		return t ? t : btf_type_by_name(s, name);
	}
	t = scope_lookup(ct, CT_SCRIPT, name);
	if (t && !(t->kind == TY_RECORD && t->incomplete && !t->btf_src))
		return t;
	/* a script forward reference: BTF or the headers may know the definition */
	{
		struct type *b = btf_type_by_name(s, name);

		if (b)
			return t ? (ctypes_complete(s, t), t) : b;
	}
	if (ct->cpp_input) {
		struct type *h;

		ctypes_read_headers(s);
		h = scope_lookup(ct, CT_HEADERS, name);
		if (h)
			return t ? (ctypes_complete(s, t), t) : h;
	}
	return t;
}

struct type *ctypes_lookup(struct session *s, const char *name)
{
	return ctypes_lookup_from(s, name, CT_SCRIPT);
}

static bool macro_value(struct session *s, enum ct_scope sc, const char *name, int64_t *val)
{
	struct ctypes *ct = ctypes_of(s);
	const char *body = ct_hash_get(&ct->macros[sc], name, 0, NULL);

	return body && *body && !cdecl_eval(s, body, val, NULL);
}

bool ctypes_const(struct session *s, const char *name, int64_t *val)
{
	struct ctypes *ct = ctypes_of(s);
	bool found;
	int64_t v;

	ct_hash_get(&ct->consts[CT_SCRIPT], name, 0, &found);
	if (found) {
		*val = ct_hash_find(&ct->consts[CT_SCRIPT], name, 0)->ival;
		return true;
	}
	if (macro_value(s, CT_SCRIPT, name, val))
		return true;
	if (btf_enum_value(name, &v)) {
		*val = v;
		return true;
	}
	if (!ct->cpp_input)
		return false;
	ctypes_read_headers(s);
	if (ct_hash_find(&ct->consts[CT_HEADERS], name, 0)) {
		*val = ct_hash_find(&ct->consts[CT_HEADERS], name, 0)->ival;
		return true;
	}
	return macro_value(s, CT_HEADERS, name, val);
}

int ctypes_complete(struct session *s, struct type *t)
{
	struct ctypes *ct = ctypes_of(s);
	struct type *u = NULL;

	if (!t || t->kind != TY_RECORD || !t->incomplete)
		return 0;
	if (t->btf_src)
		return btf_complete(s, t);
	if (!t->name)
		return -ENOENT;
	/* a forward reference: take the first definition known by that name */
	u = scope_lookup(ct, CT_SCRIPT, t->name);
	if (!u || u == t || u->kind != TY_RECORD || u->incomplete)
		u = btf_type_by_name(s, t->name);
	if ((!u || u == t) && ct->cpp_input) {
		ctypes_read_headers(s);
		u = scope_lookup(ct, CT_HEADERS, t->name);
	}
	if (!u || u == t || u->kind != TY_RECORD)
		return -ENOENT;
	if (u->incomplete && u->btf_src)
		btf_complete(s, u);
	if (u->incomplete)
		return -ENOENT;
	t->size = u->size;
	t->align = u->align;
	t->nfields = u->nfields;
	t->fields = u->fields;
	t->is_union = u->is_union;
	t->incomplete = false;
	return 0;
}

struct type *ctypes_with_as(struct session *s, struct type *t, enum addrspace as)
{
	struct type *c;

	if (!t || type_as(t) == as)
		return t;
	if (t->kind == TY_RECORD && t->incomplete)
		ctypes_complete(s, t);
	c = arena_zalloc(s->arena, sizeof(*c));
	*c = *t;
	c->is_user = as == AS_USER;
	c->is_kernel = as == AS_KERNEL;
	return c;
}

/* ---------------------------------------------------------------- headers */

static const char *const cpp_names[] = { "cpp", "clang-cpp" };

/* find_cpp: the preprocessor's absolute path; gcc's driver locates cc1 from its
 * argv[0], which must therefore be a real path (bpftrace's tests run without PATH). */
static bool find_cpp(char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[4096];

	snprintf(dirs, sizeof(dirs), "%s:/usr/local/bin:/usr/bin:/bin", path && *path ? path : "");
	for (size_t i = 0; i < sizeof(cpp_names) / sizeof(cpp_names[0]); i++) {
		char *save = NULL, *d, buf[4096];

		snprintf(buf, sizeof(buf), "%s", dirs);
		for (d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			if (!*d)
				continue;
			snprintf(out, len, "%s/%s", d, cpp_names[i]);
			if (!access(out, X_OK))
				return true;
		}
	}
	return false;
}

/* run_cpp: input through the system preprocessor with the session's -I and
 * --include options; the output (malloc'd) or NULL. */
static char *run_cpp(const struct session *s, const char *input, int *status, bool *no_cpp)
{
	const struct session_config *cfg = &s->cfg;
	int nargv = 0, maxargv = 16 + 2 * (cfg->ninclude_dirs + cfg->ninclude_files);
	char **argv = calloc(maxargv, sizeof(*argv));
	int in[2], out[2], devnull;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	pid_t pid;

	char cpp[PATH_MAX];

	*no_cpp = false;
	if (!argv)
		return NULL;
	if (!find_cpp(cpp, sizeof(cpp))) {
		*no_cpp = true;
		free(argv);
		return NULL;
	}
	argv[nargv++] = cpp;
	argv[nargv++] = "-P";
	argv[nargv++] = "-dD";
	argv[nargv++] = "-x";
	argv[nargv++] = "c";
	argv[nargv++] = "-D__BPF_TRACING__";
	for (int i = 0; i < cfg->ninclude_dirs; i++) {
		argv[nargv++] = "-I";
		argv[nargv++] = cfg->include_dirs[i];
	}
	for (int i = 0; i < cfg->ninclude_files; i++) {
		argv[nargv++] = "-include";
		argv[nargv++] = cfg->include_files[i];
	}
	argv[nargv++] = "-";
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		free(argv);
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		free(argv);
		return NULL;
	}
	if (pid == 0) {
		sigset_t none;

		/* the one-shot CLI holds SIGINT & co. blocked; cpp must stay killable */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		devnull = open("/dev/null", O_WRONLY);
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		execv(cpp, argv);
		_exit(127);
	}
	free(argv);
	close(in[0]);
	close(out[1]);
	{
		/* the input is a few #include lines: it fits in the pipe */
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		ssize_t w = write(in[1], input, strlen(input));

		(void)w;
		close(in[1]);
		signal(SIGPIPE, old);
	}
	for (;;) {
		ssize_t n;

		if (len + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 262144;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(out[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(out[0]);
	waitpid(pid, status, 0);
	if (WIFEXITED(*status) && WEXITSTATUS(*status) == 127)
		*no_cpp = true;
	if (buf)
		buf[len] = 0;
	return buf;
}

int ctypes_read_headers(struct session *s)
{
	struct ctypes *ct = ctypes_of(s);
	bool no_cpp;
	int status = 0;
	char *out, msg[256];

	if (ct->headers_read)
		return ct->headers_error ? -ENOENT : 0;
	ct->headers_read = true;
	if (!ct->cpp_input || (!strstr(ct->cpp_input, "#include") && !s->cfg.ninclude_files))
		return 0;
	out = run_cpp(s, ct->cpp_input, &status, &no_cpp);
	if (no_cpp || !out || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (no_cpp)
			snprintf(msg, sizeof(msg), "the #included headers cannot be read: no C preprocessor "
				 "(cpp) is installed, and kernel BTF does not have the definition either");
		else
			snprintf(msg, sizeof(msg), "the #included headers cannot be read: the C preprocessor "
				 "(cpp) failed on them");
		ct->headers_error = arena_strdup(s->arena, msg);
		free(out);
		return -ENOENT;
	}
	cdecl_parse(s, out, CT_HEADERS, true, NULL);
	free(out);
	return 0;
}

/* ---------------------------------------------------------------- prelude */

static const char *const include_dirs[] = {
	"/usr/local/include", "/usr/include/x86_64-linux-gnu", "/usr/include",
};

static bool macro_defined(struct session *s, const char *name, size_t len)
{
	char buf[128];

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, name, len);
	buf[len] = 0;
	return ct_hash_get(&ctypes_of(s)->macros[CT_SCRIPT], buf, 0, NULL) != NULL;
}

/* pp_cond: the value of "#if expr" (defined(X) known, other names 0, as in C). */
static bool pp_cond(struct session *s, const char *e)
{
	char out[1024];
	size_t o = 0;
	int64_t v = 0;

	while (*e && o < sizeof(out) - 8) {
		if (!strncmp(e, "defined", 7) && !(isalnum((unsigned char)e[7]) || e[7] == '_')) {
			const char *nm;
			bool paren;

			e += 7;
			while (*e == ' ' || *e == '\t')
				e++;
			paren = *e == '(';
			if (paren)
				e++;
			while (*e == ' ' || *e == '\t')
				e++;
			nm = e;
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			o += snprintf(out + o, sizeof(out) - o, " %d ", macro_defined(s, nm, e - nm));
			while (paren && *e && *e != ')')
				e++;
			if (paren && *e)
				e++;
			continue;
		}
		if (isalpha((unsigned char)*e) || *e == '_') {
			const char *nm = e;
			int64_t c;
			char buf[128];

			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			snprintf(buf, sizeof(buf), "%.*s", (int)(e - nm), nm);
			/* names that are no constants count as 0 in #if */
			o += snprintf(out + o, sizeof(out) - o, " %lld ",
				      ctypes_const(s, buf, &c) ? (long long)c : 0LL);
			continue;
		}
		out[o++] = *e++;
	}
	out[o] = 0;
	return !cdecl_eval(s, out, &v, NULL) && v;
}

/* sema_program_prelude: #define constants, #include checks and the script's C
 * definitions, into the session's type tables; #if/#ifdef/#else/#endif select
 * what counts (BPFTRACE_HAVE_BTF is defined when kernel BTF is there, as in
 * bpftrace, so tools that #include kernel headers only without BTF work). A missing header is an error,
 * as with bpftrace's clang front end; its declarations are read only when a
 * name is not found in the script or BTF. */
int sema_program_prelude(struct session *s, struct program *p, struct diag_sink *d)
{
	struct ctypes *ct = ctypes_of(s);
	size_t inlen = 0;
	char *input = NULL;
	FILE *in = open_memstream(&input, &inlen);
	bool any_include = false, active = true;
	struct ppcond { bool parent, taken; } conds[64];
	int depth = 0, err = 0;
	bool *after = calloc(p->preproc.n + 1, sizeof(*after));

	if (btf_available())
		ct_hash_put(s, &ct->macros[CT_SCRIPT], "BPFTRACE_HAVE_BTF", 0)->val = "1";
	for (int i = 0; i < p->preproc.n; i++) {
		struct node *n = p->preproc.v[i];
		const char *t = n->text, *open, *close, *dir;
		char path[PATH_MAX], name[256];
		bool found = false;
		bool is_cond = true;
		size_t dl;

		while (*t == ' ' || *t == '\t')
			t++;
		for (dir = t + 1; *dir == ' ' || *dir == '\t'; dir++)
			;
		dl = strcspn(dir, " \t(");
		if ((dl == 5 && !strncmp(dir, "ifdef", 5)) || (dl == 6 && !strncmp(dir, "ifndef", 6)) ||
		    (dl == 2 && !strncmp(dir, "if", 2))) {
			bool c = false;

			if (active) {
				const char *a = dir + dl;

				while (*a == ' ' || *a == '\t')
					a++;
				if (dl == 2)
					c = pp_cond(s, a);
				else
					c = macro_defined(s, a, strcspn(a, " \t\r")) == (dl == 5);
			}
			if (depth < 64) {
				conds[depth].parent = active;
				conds[depth].taken = c;
				depth++;
			}
			active = active && c;
		} else if (dl == 4 && !strncmp(dir, "elif", 4) && depth) {
			struct ppcond *top = &conds[depth - 1];
			bool c = top->parent && !top->taken && pp_cond(s, dir + 4);

			active = c;
			top->taken |= c;
		} else if (dl == 4 && !strncmp(dir, "else", 4) && depth) {
			active = conds[depth - 1].parent && !conds[depth - 1].taken;
			conds[depth - 1].taken = true;
		} else if (dl == 5 && !strncmp(dir, "endif", 5) && depth) {
			active = conds[--depth].parent;
		} else {
			is_cond = false;
		}
		after[i] = active;
		if (!active || is_cond)
			continue;  /* conditionals and what they leave out */
		if (dl == 5 && !strncmp(dir, "undef", 5)) {
			const char *a = dir + 5;
			struct ct_ent *e;

			while (*a == ' ' || *a == '\t')
				a++;
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(a, " \t\r"), a);
			e = ct_hash_put(s, &ct->macros[CT_SCRIPT], name, 0);
			e->val = NULL;
			if (in)
				fprintf(in, "%s\n", t);
			continue;
		}
		if (in && (!strncmp(t, "#define", 7) || !strncmp(t, "#include", 8)))
			fprintf(in, "%s\n", t);
		if (!strncmp(t, "#define", 7)) {
			struct cdecl_error ce;

			cdecl_parse(s, t, CT_SCRIPT, true, &ce);
			continue;
		}
		if (strncmp(t, "#include", 8))
			continue;
		any_include = true;
		open = strpbrk(t + 8, "<\"");
		close = open ? strchr(open + 1, *open == '<' ? '>' : '"') : NULL;
		if (!open || !close || (size_t)(close - open) >= sizeof(name)) {
			diag_error(d, &n->loc, "invalid #include line");
			err = -EINVAL;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
		if (*open == '"' && !access(name, R_OK))
			continue;
		for (int j = 0; j < s->cfg.ninclude_dirs && !found; j++) {
			snprintf(path, sizeof(path), "%s/%s", s->cfg.include_dirs[j], name);
			found = !access(path, R_OK);
		}
		for (size_t j = 0; j < sizeof(include_dirs) / sizeof(include_dirs[0]) && !found; j++) {
			snprintf(path, sizeof(path), "%s/%s", include_dirs[j], name);
			found = !access(path, R_OK);
		}
		if (!found) {
			diag_error(d, &n->loc, "'%s' file not found", name);
			err = -ENOENT;
		}
	}
	if (in)
		fclose(in);
	if ((any_include || s->cfg.ninclude_files) && !err && input) {
		ct->cpp_input = arena_strdup(s->arena, input);
		ct->headers_read = false;
		ct->headers_error = NULL;
	}
	free(input);
	for (int i = 0; i < p->cdefs.n; i++) {
		struct node *n = p->cdefs.v[i];
		struct cdecl_error ce;
		bool on = true;

		/* left out by an #if around it? */
		for (int j = 0; j < p->preproc.n; j++)
			if (p->preproc.v[j]->loc.first_line < n->loc.first_line ||
			    (p->preproc.v[j]->loc.first_line == n->loc.first_line &&
			     p->preproc.v[j]->loc.first_col < n->loc.first_col))
				on = after[j];
		if (!on)
			continue;
		if (cdecl_parse(s, n->text, CT_SCRIPT, false, &ce)) {
			struct loc l = n->loc;

			l.first_line = n->loc.first_line + ce.line - 1;
			l.first_col = ce.line == 1 ? n->loc.first_col + ce.col - 1 : ce.col;
			l.last_line = l.first_line;
			l.last_col = l.first_col;
			diag_error(d, &l, "%s", ce.msg);
			err = -EINVAL;
		}
	}
	free(after);
	return err;
}

/* ---------------------------------------------------------------- sema */

/* type_str: a type as bpftrace 0.17 prints one in its messages ("unsigned int64"). */
int ctypes_type_str(const struct type *t, char *buf, size_t len)
{
	int n;

	if (!t)
		return snprintf(buf, len, "none");
	switch (t->kind) {
	case TY_INT:
		return snprintf(buf, len, "%sint%u", t->is_signed ? "" : "unsigned ", t->size * 8);
	case TY_POINTER:
		n = ctypes_type_str(t->elem, buf, len);
		return n + snprintf(buf + ((size_t)n < len ? n : len), (size_t)n < len ? len - n : 0, " *");
	case TY_ARRAY:
		n = ctypes_type_str(t->elem, buf, len);
		return n + snprintf(buf + ((size_t)n < len ? n : len), (size_t)n < len ? len - n : 0,
				    "[%u]", t->count);
	case TY_VOID:
		return snprintf(buf, len, "%s", t->name && !strcmp(t->name, "function") ? "function" : "void");
	default:
		return type_name(t, buf, len);
	}
}

static enum addrspace probe_as(const struct sema *se)
{
	switch (se->ap->kind) {
	case PK_KPROBE: case PK_KRETPROBE: case PK_KFUNC: case PK_KRETFUNC: case PK_TRACEPOINT:
	case PK_RAWTRACEPOINT: case PK_ITER:
		return AS_KERNEL;
	case PK_UPROBE: case PK_URETPROBE: case PK_USDT:
		return AS_USER;
	default:
		return AS_NONE;
	}
}

/* The address space a number is taken to point into: its own, that of the probe
 * for values the probe hands over (arguments, registers), none for literals. */
static enum addrspace int_as(const struct sema *se, const struct node *n, const struct type *t)
{
	if (type_as(t) != AS_NONE)
		return type_as(t);
	if (n->kind == N_INT || n->kind == N_POSPARAM || n->kind == N_SIZEOF)
		return AS_NONE;
	if (n->kind == N_BUILTIN || n->kind == N_VAR || n->kind == N_MAP || n->kind == N_CALL)
		return probe_as(se);
	return AS_NONE;
}

/* ct_error: an error at the span bpftrace 0.17 reports (bt_loc when the parser set it). */
static int ct_error(struct sema *se, const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ct_error(struct sema *se, const struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vreport(se->d, DIAG_ERROR, n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool headers_hint(struct sema *se, char *buf, size_t len)
{
	struct ctypes *ct = ctypes_of(se->s);

	if (ct->headers_error) {
		snprintf(buf, len, " (%s)", ct->headers_error);
		return true;
	}
	buf[0] = 0;
	return false;
}

struct type *sema_ctype(struct sema *se, struct ctype *ct, struct node *n)
{
	struct session *s = se->s;
	struct type *t = ctypes_base(s, ct->name);
	char hint[300];

	if (!t)
		t = ctypes_lookup(s, ct->name);
	if (!t || (t->kind == TY_RECORD && t->incomplete && ctypes_complete(s, t) && !ct->nptr)) {
		headers_hint(se, hint, sizeof(hint));
		if (!t && !is_tag(ct->name) && !btf_available() && !ctypes_of(s)->cpp_input)
			ct_error(se, n, "Unknown struct/union: '%s' (kernel BTF is not available to "
				   "look it up)", ct->name);
		else
			ct_error(se, n, "Unknown struct/union: '%s'%s", ct->name, hint);
		return NULL;
	}
	for (int i = 0; i < ct->nptr; i++)
		t = type_pointer(s->arena, t);
	if (ct->array_len)
		t = ctypes_is_char(t) ? type_string(s->arena, ct->array_len) :
					type_array(s->arena, t, ct->array_len);
	return t;
}

struct type *sema_cast(struct sema *se, struct node *n)
{
	struct type *x = sema_expr(se, n->a), *t;
	char a[128];

	if (!x)
		return NULL;
	t = sema_ctype(se, n->ctype, n);
	if (!t)
		return NULL;
	if (t->kind == TY_VOID) {
		ct_error(se, n, "Cannot cast to void");
		return NULL;
	}
	if (t->kind == TY_RECORD) {
		ct_error(se, n, "Cannot cast to struct type \"%s\"", t->name ? t->name : "struct");
		return NULL;
	}
	if (t->kind == TY_ARRAY || t->kind == TY_STRING) {
		ct_error(se, n, "Casts to arrays are not supported yet");
		return NULL;
	}
	if (!sema_is_int(x)) {
		ctypes_type_str(x, a, sizeof(a));
		ct_error(se, n, "Cannot cast from \"%s\" to \"%s\"", a, n->ctype->name);
		return NULL;
	}
	if (t->kind == TY_POINTER)
		t = ctypes_with_as(se->s, t, x->kind == TY_POINTER ? type_as(x) : int_as(se, n->a, x));
	return t;
}

/* find_field: a member by name, looking into anonymous struct/union members;
 * the byte offset adds up along the way. */
static const struct type_field *find_field(struct session *s, struct type *rec, const char *name,
					   unsigned *off)
{
	if (rec->incomplete)
		ctypes_complete(s, rec);
	for (unsigned i = 0; i < rec->nfields; i++) {
		const struct type_field *f = &rec->fields[i];

		if (f->name && !strcmp(f->name, name)) {
			*off = f->offset;
			return f;
		}
	}
	for (unsigned i = 0; i < rec->nfields; i++) {
		const struct type_field *f = &rec->fields[i], *r;
		unsigned sub;

		if (f->name || f->type->kind != TY_RECORD)
			continue;
		r = find_field(s, f->type, name, &sub);
		if (r) {
			*off = f->offset + sub;
			return r;
		}
	}
	return NULL;
}

static struct type *record_of(struct sema *se, struct type *rec, struct node *n)
{
	if (rec->incomplete && ctypes_complete(se->s, rec)) {
		ct_error(se, n, "Unknown struct/union: '%s'", rec->name ? rec->name : "struct");
		return NULL;
	}
	return rec;
}

struct type *sema_member(struct sema *se, struct node *n, struct type *t)
{
	struct type *rec, *ft;
	const struct type_field *f;
	enum addrspace as;
	unsigned off = 0;
	char a[128];

	if (!t)
		return NULL;
	if (n->is_arrow) {
		if (t->kind == TY_RECORD) {
			ct_error(se, n, "Can not dereference struct/union of type '%s'. It is not a pointer.",
				   t->name ? t->name : "struct");
			return NULL;
		}
		if (t->kind != TY_POINTER || !t->elem || t->elem->kind != TY_RECORD) {
			ctypes_type_str(t->kind == TY_POINTER ? t->elem : t, a, sizeof(a));
			ct_error(se, n, "Can not access field '%s' on expression of type '%s'", n->name, a);
			return NULL;
		}
		rec = t->elem;
		as = type_as(t);
	} else {
		if (t->kind == TY_POINTER && t->elem && t->elem->kind == TY_RECORD) {
			ctypes_type_str(t, a, sizeof(a));
			ct_error(se, n, "Can not access field '%s' on type '%s'. Try dereferencing it "
				   "first, or using '->'", n->name, a);
			return NULL;
		}
		if (t->kind != TY_RECORD) {
			ctypes_type_str(t, a, sizeof(a));
			ct_error(se, n, "Can not access field '%s' on expression of type '%s'", n->name, a);
			return NULL;
		}
		rec = t;
		as = type_as(t);
	}
	if (!record_of(se, rec, n))
		return NULL;
	f = find_field(se->s, rec, n->name, &off);
	if (!f) {
		ct_error(se, n, "Struct/union of type '%s' does not contain a field named '%s'",
			   rec->name ? rec->name : "struct", n->name);
		return NULL;
	}
	/* for codegen: the byte offset (through anonymous members) and, for a
	 * bit-field, bit_size << 8 | bit_offset (tracepoint args keep a field index) */
	n->ival = off;
	n->id = f->bit_size ? (int)(f->bit_size << 8 | f->bit_offset) : 0;
	ft = f->type;
	if (ft->kind == TY_RECORD && ft->incomplete)
		ctypes_complete(se->s, ft);
	return ctypes_with_as(se->s, ft, as);
}

struct type *sema_deref(struct sema *se, struct node *n, struct type *x)
{
	struct type *t;
	char a[128];

	if (!x)
		return NULL;
	if (x->kind == TY_INT)
		return ctypes_with_as(se->s, sema_int64(se, false), int_as(se, n->a, x));
	if (x->kind != TY_POINTER) {
		ctypes_type_str(x, a, sizeof(a));
		ct_error(se, n, "Can not dereference type '%s'", a);
		return NULL;
	}
	t = x->elem;
	if (!t || t->kind == TY_VOID) {
		ctypes_type_str(x, a, sizeof(a));
		ct_error(se, n, "Can not dereference type '%s'", a);
		return NULL;
	}
	if (t->kind == TY_RECORD && !record_of(se, t, n))
		return NULL;
	return ctypes_with_as(se->s, t, type_as(x));
}

/* const_index: the value of a literal index (a number or a numeric $N). */
static bool const_index(struct sema *se, const struct node *b, int64_t *v)
{
	if (b->kind == N_INT) {
		*v = b->ival;
		return true;
	}
	if (b->kind == N_UNOP && b->op == UOP_NEG && b->a->kind == N_INT) {
		*v = -b->a->ival;
		return true;
	}
	if (b->kind == N_POSPARAM && b->ival >= 1 && b->type && b->type->kind == TY_INT) {
		*v = b->ival <= se->s->cfg.argc ? strtoll(se->s->cfg.argv[b->ival - 1], NULL, 0) : 0;
		return true;
	}
	return false;
}

struct type *sema_subscript(struct sema *se, struct node *n)
{
	struct type *x = sema_expr(se, n->a), *y = sema_expr(se, n->b), *t;
	int64_t idx;

	if (!x || !y)
		return NULL;
	if (x->kind != TY_ARRAY && x->kind != TY_POINTER) {
		ct_error(se, n, "The array index operator [] can only be used on arrays and pointers, "
			   "found %s.", x->kind == TY_INT ? "integer" : x->kind == TY_STRING ? "string" :
			   x->kind == TY_RECORD ? "record" : x->kind == TY_TUPLE ? "tuple" : "value");
		return NULL;
	}
	if (!sema_is_int(y)) {
		ct_error(se, n->b, "The array index operator [] expects an integer index");
		return NULL;
	}
	if (x->kind == TY_ARRAY && const_index(se, n->b, &idx) && (idx < 0 || idx >= x->count)) {
		ct_error(se, n, "the index %ld is out of bounds for array of size %u", (long)idx,
			   x->count);
		return NULL;
	}
	t = x->elem;
	if (!t || t->kind == TY_VOID) {
		ct_error(se, n, "Can not index a pointer to void");
		return NULL;
	}
	if (t->kind == TY_RECORD && !record_of(se, t, n))
		return NULL;
	return ctypes_with_as(se->s, t, type_as(x));
}

struct type *sema_sizeof(struct sema *se, struct node *n)
{
	struct type *x;

	if (n->ctype) {
		x = sema_ctype(se, n->ctype, n);
		if (x && x->kind == TY_VOID && !n->ctype->nptr) {
			ct_error(se, n, "Invalid application of sizeof to void");
			return NULL;
		}
	} else {
		x = sema_expr(se, n->a);
	}
	if (!x)
		return NULL;
	if (x->kind == TY_RECORD && !record_of(se, x, n))
		return NULL;
	/* bpftrace's sizes where our wire layout differs: its buffer has a u8
	 * length (ours u32), its ustack is one u64 (ours stack id and pid) */
	if (x->kind == TY_BUFFER)
		n->ival = x->size - 4 + 1;
	else if (x->kind == TY_USTACK)
		n->ival = 8;
	else
		n->ival = x->size;
	return sema_int64(se, false);
}

struct type *sema_offsetof(struct sema *se, struct node *n)
{
	struct type *t = sema_ctype(se, n->ctype, n);
	const struct type_field *f;
	unsigned off;

	if (!t)
		return NULL;
	if (t->kind != TY_RECORD) {
		ct_error(se, n, "offsetof() expects a struct or union type, not '%s'", n->ctype->name);
		return NULL;
	}
	if (!record_of(se, t, n))
		return NULL;
	f = find_field(se->s, t, n->name, &off);
	if (!f) {
		ct_error(se, n, "Struct/union of type '%s' does not contain a field named '%s'",
			   t->name ? t->name : "struct", n->name);
		return NULL;
	}
	n->ival = off;
	return sema_int64(se, false);
}

static bool comparison(int op)
{
	return op == BOP_EQ || op == BOP_NE || op == BOP_LT || op == BOP_LE || op == BOP_GT ||
	       op == BOP_GE;
}

/* first_warning: a clause is typed once per program it compiles to (one per
 * tracepoint using args): warn about a node once per diagnostic sink. */
static bool first_warning(struct sema *se, const struct loc *at, int kind)
{
	struct ctypes *ct = ctypes_of(se->s);
	char key[64];
	bool found;

	snprintf(key, sizeof(key), "%p:%d", (void *)se->d, kind);
	ct_hash_get(&ct->warned, key, (uint64_t)at->first_line << 32 | (uint32_t)at->first_col,
		    &found);
	if (found)
		return false;
	ct_hash_put(se->s, &ct->warned, key,
		    (uint64_t)at->first_line << 32 | (uint32_t)at->first_col);
	return true;
}

struct type *sema_ptr_binop(struct sema *se, struct node *n, struct type *l, struct type *r)
{
	bool lp = l->kind == TY_POINTER, rp = r->kind == TY_POINTER;
	struct type *ptr = lp ? l : r;
	char a[128], b[128];

	if (lp && rp) {
		if (comparison(n->op)) {
			if (!type_equal(l->elem, r->elem) &&
			    first_warning(se, n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc, 3)) {
				ctypes_type_str(l->elem, a, sizeof(a));
				ctypes_type_str(r->elem, b, sizeof(b));
				diag_report(se->d, DIAG_WARNING, n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc,
					    "comparison of distinct pointer types ('%s, '%s')", a, b);
			}
			return sema_int64(se, true);
		}
	} else if (n->op == BOP_ADD || (n->op == BOP_SUB && lp)) {
		return ptr;
	} else if (comparison(n->op)) {
		return sema_int64(se, true);
	}
	ctypes_type_str(l, a, sizeof(a));
	ctypes_type_str(r, b, sizeof(b));
	ct_error(se, n, "The %s operator can not be used on expressions of types %s, %s",
		 binop_str(n->op), a, b);
	return NULL;
}

static bool nonneg_literal(const struct node *n)
{
	return n->kind == N_INT && (n->is_unsigned_lit || n->ival >= 0);
}

void sema_sign_warnings(struct sema *se, struct node *n, struct type *l, struct type *r)
{
	const struct loc *at = n->bt_loc.first_line > 0 ? &n->bt_loc : &n->loc;
	bool ls = l->kind == TY_INT && l->is_signed, rs = r->kind == TY_INT && r->is_signed;
	char a[128], b[128];

	if (l->kind != TY_INT || r->kind != TY_INT)
		return;
	/* bpftrace 0.17 binop_int: "a > 10" is fine, 10 can be unsigned */
	if (ls != rs) {
		if (ls && nonneg_literal(n->a)) {
			ls = false;
		} else if (rs && nonneg_literal(n->b)) {
			rs = false;
		} else if (first_warning(se, at, 1)) {
			ctypes_type_str(l, a, sizeof(a));
			ctypes_type_str(r, b, sizeof(b));
			if (comparison(n->op))
				diag_report(se->d, DIAG_WARNING, at, "comparison of integers of different "
					    "signs: '%s' and '%s' can lead to undefined behavior", a, b);
			else if (n->op == BOP_ADD || n->op == BOP_SUB || n->op == BOP_MUL ||
				 n->op == BOP_DIV || n->op == BOP_MOD)
				diag_report(se->d, DIAG_WARNING, at, "arithmetic on integers of different "
					    "signs: '%s' and '%s' can lead to undefined behavior", a, b);
		}
	}
	if (n->op == BOP_DIV || n->op == BOP_MOD) {
		if (ls && nonneg_literal(n->a))
			ls = false;
		if (rs && nonneg_literal(n->b))
			rs = false;
		if ((ls || rs) && first_warning(se, at, 2))
			diag_report(se->d, DIAG_WARNING, at, "signed operands for '%s' can lead to "
				    "undefined behavior (cast to unsigned to silence warning)",
				    binop_str(n->op));
	}
}

struct type *ctypes_tp_pointer(struct session *s, const char *ctext, struct type *fallback)
{
	struct type *t;

	if (!strstr(ctext, "struct ") && !strstr(ctext, "union "))
		return fallback;
	t = cdecl_typename(s, ctext, NULL);
	if (!t || t->kind != TY_POINTER || !t->elem || t->elem->kind != TY_RECORD ||
	    (t->elem->incomplete && ctypes_complete(s, t->elem)))
		return fallback;
	return ctypes_with_as(s, t, fallback->is_user ? AS_USER : AS_KERNEL);
}

struct type *sema_curtask(struct sema *se, struct node *n)
{
	struct type *t = ctypes_lookup(se->s, "struct task_struct");

	/* typed like bpftrace: a kernel task_struct pointer when the type is known */
	if (!t || t->kind != TY_RECORD)
		return sema_int64(se, false);
	return ctypes_with_as(se->s, type_pointer(se->s->arena, t), AS_KERNEL);
}

int sema_ident_const(struct sema *se, struct node *n)
{
	int64_t v;

	if (!ctypes_const(se->s, n->name, &v))
		return -ENOENT;
	n->kind = N_INT;
	n->ival = v;
	n->is_unsigned_lit = false;
	return 0;
}

bool ctypes_is_remote(const struct node *n)
{
	switch (n->kind) {
	case N_UNOP:
		return n->op == UOP_DEREF;
	case N_FIELD:
		if (!n->a->type || n->a->type->kind == TY_TP_ARGS)
			return false;
		return n->is_arrow || ctypes_is_remote(n->a);
	case N_INDEX:
		return (n->a->type && n->a->type->kind == TY_POINTER) || ctypes_is_remote(n->a);
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- has_key */

/* has_key(@m, key): is there an entry for key (beyond 0.17). The key moves into
 * the map node, so the map is checked and keyed as @m[key] would be. */
struct type *sema_has_key(struct sema *se, struct node *n)
{
	struct node *m = n->args.v[0];
	struct map_decl *md;

	if (m->kind != N_MAP) {
		ct_error(se, n, "has_key() expects a map as its first argument");
		return NULL;
	}
	if (n->args.n == 2) {
		if (m->a) {
			ct_error(se, n, "has_key() expects a map without a key and the key");
			return NULL;
		}
		m->a = n->args.v[1];
		n->args.n = 1;
	}
	if (!m->a) {
		ct_error(se, n, "has_key() requires 2 arguments (1 provided)");
		return NULL;
	}
	md = sema_map(se, m, NULL);
	if (!md)
		return NULL;
	if (!md->key) {
		ct_error(se, n, "has_key() expects a map with explicit keys (non-scalar map)");
		return NULL;
	}
	return sema_int64(se, false);
}

LLVMValueRef cg_has_key(struct cg *cg, struct node *n)
{
	struct node *m = n->args.v[0];
	const struct map_decl *md = cg->s->maps[m->id];
	LLVMValueRef args[2] = { cg_map_ptr(cg, md->id), cg_map_key(cg, md, m->a) };
	LLVMValueRef p = cg_helper(cg, H_MAP_LOOKUP, args, 2);

	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, p, cg_const(cg, 0), ""), cg->i64, "");
}

/* ---------------------------------------------------------------- codegen */

/* A place: where the bytes of an expression are. Local places are pointers the
 * program may load from; remote ones are addresses read through a helper. */
struct place {
	bool remote;
	LLVMValueRef ptr;       /* local */
	LLVMValueRef addr;      /* remote: i64 */
	enum addrspace as;
};

static void place_of(struct cg *cg, struct node *n, struct place *pl);

static void place_add(struct cg *cg, struct place *pl, LLVMValueRef off)
{
	if (pl->remote)
		pl->addr = LLVMBuildAdd(cg->b, pl->addr, off, "");
	else
		pl->ptr = LLVMBuildGEP2(cg->b, cg->i8, pl->ptr, &off, 1, "");
}

static void place_of(struct cg *cg, struct node *n, struct place *pl)
{
	memset(pl, 0, sizeof(*pl));
	switch (n->kind) {
	case N_UNOP:
		if (n->op != UOP_DEREF)
			break;
		pl->remote = true;
		pl->addr = cg_expr(cg, n->a);
		pl->as = type_as(n->type);
		return;
	case N_FIELD:
		if (n->a->type->kind == TY_TP_ARGS)
			break;
		if (n->is_arrow) {
			pl->remote = true;
			pl->addr = cg_expr(cg, n->a);
			pl->as = type_as(n->a->type);
		} else {
			place_of(cg, n->a, pl);
		}
		if (n->ival)
			place_add(cg, pl, cg_const(cg, (uint64_t)n->ival));
		return;
	case N_INDEX: {
		const struct type *at = n->a->type;
		unsigned esz = n->type->size ? n->type->size : 1;
		LLVMValueRef idx, off;
		bool constant;

		if (at->kind == TY_POINTER) {
			pl->remote = true;
			pl->addr = cg_expr(cg, n->a);
			pl->as = type_as(at);
		} else {
			place_of(cg, n->a, pl);
		}
		idx = cg_expr(cg, n->b);
		constant = LLVMIsAConstantInt(idx) != NULL;
		off = LLVMBuildMul(cg->b, idx, cg_const(cg, esz), "");
		if (!pl->remote && !constant) {
			/* a variable offset into the stack would need bounds the verifier can see:
			 * read the element through the helper instead */
			pl->remote = true;
			pl->addr = LLVMBuildPtrToInt(cg->b, pl->ptr, cg->i64, "");
			pl->as = AS_KERNEL;
		}
		place_add(cg, pl, off);
		return;
	}
	default:
		break;
	}
	pl->remote = false;
	pl->ptr = cg_expr(cg, n);
}

/* lifetime: llvm.lifetime.start/end on a scratch buffer, so buffers of reads
 * that are over share stack slots (the BPF stack is 512 bytes). */
void cg_lifetime(struct cg *cg, bool start, LLVMValueRef buf, unsigned size)
{
	const char *name = start ? "llvm.lifetime.start" : "llvm.lifetime.end";
	unsigned iid = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMTypeRef pt = cg->ptr;
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(cg->mod, iid, &pt, 1);
	LLVMTypeRef fnty = LLVMIntrinsicGetType(cg->ctx, iid, &pt, 1);
	LLVMValueRef args[2] = { cg_const(cg, size), buf };

	LLVMBuildCall2(cg->b, fnty, fn, args, 2, "");
}

/* load_place: the value of type t at a place (bitfield bits: n->id of N_FIELD). */
static LLVMValueRef load_place(struct cg *cg, struct place *pl, const struct type *t, struct node *n,
			       unsigned bit_size, unsigned bit_off)
{
	LLVMValueRef buf, v;

	if (bit_size) {
		unsigned nbytes = (bit_off + bit_size + 7) / 8;

		buf = cg_alloca(cg, 8, "bits");
		cg_lifetime(cg, true, buf, 8);
		cg_memset(cg, buf, 0, 8);
		if (pl->remote)
			cg_probe_read(cg, buf, nbytes, pl->addr, pl->as, n);
		else
			cg_memcpy(cg, buf, pl->ptr, nbytes);
		v = cg_load_int(cg, buf, 8, false);
		cg_lifetime(cg, false, buf, 8);
		if (bit_off)
			v = LLVMBuildLShr(cg->b, v, cg_const(cg, bit_off), "");
		if (bit_size < 64)
			v = LLVMBuildAnd(cg->b, v, cg_const(cg, (1ULL << bit_size) - 1), "");
		return v;
	}
	if (!pl->remote)
		return cg_is_scalar(t) ? cg_load_int(cg, pl->ptr, t->size, t->kind == TY_INT && t->is_signed)
				       : pl->ptr;
	/* the helpers zero the buffer when the read fails: no memset first */
	if (cg_is_scalar(t)) {
		unsigned sz = t->size ? t->size : 8;

		buf = cg_alloca(cg, 8, "mem");
		cg_lifetime(cg, true, buf, 8);
		cg_probe_read(cg, buf, sz, pl->addr, pl->as, n);
		v = cg_load_int(cg, buf, sz, t->kind == TY_INT && t->is_signed);
		cg_lifetime(cg, false, buf, 8);
		return v;
	}
	buf = cg_alloca(cg, t->size ? t->size : 1, "mem");
	if (t->size)
		cg_probe_read(cg, buf, t->size, pl->addr, pl->as, n);
	return buf;
}

void cg_expr_to(struct cg *cg, LLVMValueRef dst, const struct type *dt, struct node *n)
{
	const struct type *t = n->type;
	LLVMValueRef addr;
	enum addrspace as;

	/* a record or array read through a pointer goes straight to its destination:
	 * no copy on the 512-byte stack first */
	if (!cg_is_scalar(t) && t->kind == dt->kind && t->size == dt->size && dt->kind != TY_TUPLE &&
	    cg_remote_addr(cg, n, &addr, &as)) {
		cg_probe_read(cg, dst, dt->size, addr, as, n);
		return;
	}
	cg_store(cg, dst, dt, cg_expr(cg, n), t);
}

bool cg_map_write_in_place(struct cg *cg, const struct map_decl *m, LLVMValueRef key,
			   struct node *e, const struct node *site)
{
	const struct map_decl *z = cg->s->zero_map >= 0 ? cg->s->maps[cg->s->zero_map] : NULL;
	LLVMValueRef addr, zkey, zp, p, args[4];
	LLVMBasicBlockRef have_zero, have_entry, done;
	enum addrspace as;

	/* values that fit the stack take the ordinary way */
	if (!e || m->value_size <= 256 || !z || m->value_size > z->value_size ||
	    m->storage != MAP_HASH || e->type->size != m->value->size || e->type->kind != m->value->kind)
		return false;
	if (!cg_remote_addr(cg, e, &addr, &as))
		return false;
	have_zero = cg_block(cg, "inplace_zero");
	have_entry = cg_block(cg, "inplace_entry");
	done = cg_block(cg, "inplace_done");
	/* make the entry exist (zeroes from the session's zero map), then read into it */
	zkey = cg_alloca_zero(cg, 4, "zkey");
	args[0] = cg_map_ptr(cg, z->id);
	args[1] = zkey;
	zp = cg_helper(cg, H_MAP_LOOKUP, args, 2);
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, zp, cg_const(cg, 0), ""), have_zero, done);
	LLVMPositionBuilderAtEnd(cg->b, have_zero);
	args[0] = cg_map_ptr(cg, m->id);
	args[1] = key;
	args[2] = LLVMBuildIntToPtr(cg->b, zp, cg->ptr, "");
	args[3] = cg_const(cg, 0);
	cg_helper_check(cg, cg_helper(cg, H_MAP_UPDATE, args, 4), H_MAP_UPDATE, site, false);
	args[0] = cg_map_ptr(cg, m->id);
	args[1] = key;
	p = cg_helper(cg, H_MAP_LOOKUP, args, 2);
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, p, cg_const(cg, 0), ""), have_entry, done);
	LLVMPositionBuilderAtEnd(cg->b, have_entry);
	cg_probe_read(cg, LLVMBuildIntToPtr(cg->b, p, cg->ptr, ""), m->value_size, addr, as, e);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return true;
}

bool ctypes_remote_value(const struct node *n)
{
	return n->type && !cg_is_scalar(n->type) && ctypes_is_remote(n);
}

bool cg_remote_addr(struct cg *cg, struct node *n, LLVMValueRef *addr, enum addrspace *as)
{
	struct place pl;

	if (!ctypes_is_remote(n))
		return false;
	place_of(cg, n, &pl);
	if (!pl.remote)
		return false;
	*addr = pl.addr;
	*as = pl.as;
	return true;
}

LLVMValueRef cg_member(struct cg *cg, struct node *n)
{
	struct place pl;

	place_of(cg, n, &pl);
	return load_place(cg, &pl, n->type, n, (unsigned)n->id >> 8, (unsigned)n->id & 0xff);
}

LLVMValueRef cg_deref(struct cg *cg, struct node *n)
{
	struct place pl;

	place_of(cg, n, &pl);
	return load_place(cg, &pl, n->type, n, 0, 0);
}

LLVMValueRef cg_subscript(struct cg *cg, struct node *n)
{
	struct place pl;

	place_of(cg, n, &pl);
	return load_place(cg, &pl, n->type, n, 0, 0);
}

LLVMValueRef cg_array_compare(struct cg *cg, struct node *n)
{
	const struct type *t = n->a->type, *e = t->elem;
	LLVMValueRef l = cg_expr(cg, n->a), r = cg_expr(cg, n->b), eq = NULL;
	unsigned esz = e && e->size ? e->size : 1, cnt = t->size / esz;

	for (unsigned i = 0; i < cnt; i++) {
		LLVMValueRef a, b, c;

		if (esz == 1 || esz == 2 || esz == 4 || esz == 8) {
			a = cg_load_int(cg, cg_gep(cg, l, (uint64_t)i * esz), esz, false);
			b = cg_load_int(cg, cg_gep(cg, r, (uint64_t)i * esz), esz, false);
			c = LLVMBuildICmp(cg->b, LLVMIntEQ, a, b, "");
			eq = eq ? LLVMBuildAnd(cg->b, eq, c, "") : c;
			continue;
		}
		for (unsigned j = 0; j < esz; j++) {
			a = cg_load_int(cg, cg_gep(cg, l, (uint64_t)i * esz + j), 1, false);
			b = cg_load_int(cg, cg_gep(cg, r, (uint64_t)i * esz + j), 1, false);
			c = LLVMBuildICmp(cg->b, LLVMIntEQ, a, b, "");
			eq = eq ? LLVMBuildAnd(cg->b, eq, c, "") : c;
		}
	}
	if (!eq)
		eq = LLVMConstInt(cg->i1, 1, false);
	if (n->op == BOP_NE)
		eq = LLVMBuildNot(cg->b, eq, "");
	return LLVMBuildZExt(cg->b, eq, cg->i64, "");
}
