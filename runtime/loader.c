/* loader: a clause's BPF ELF object in memory -> loaded kernel programs.
 * libelf finds each `prog/<name>` section, map ids in ld_imm64 become this
 * runtime's map fds, and bpf_prog_load runs the verifier, keeping its log. */
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "rt_priv.h"
#include "verifier_explain.h"

#define PROG_SEC_PREFIX "prog/"
#define LOG_SIZE_DEFAULT 1000000u       /* bpftrace's BPFTRACE_LOG_SIZE */
#define LOG_SIZE_MAX (1u << 30)         /* the kernel takes up to UINT_MAX >> 2 */

struct loader_elf {
	Elf *elf;
	size_t shstrndx;
	Elf_Scn *symtab;
};

static const char *loader_sec_name(struct loader_elf *le, Elf_Scn *scn)
{
	GElf_Shdr sh;

	if (!gelf_getshdr(scn, &sh))
		return NULL;
	return elf_strptr(le->elf, le->shstrndx, sh.sh_name);
}

/* Opens the image and refuses what the loader cannot honour: anything but a
 * 64-bit little-endian BPF object, and RELA relocations against program code
 * (maps are plain ld_imm64 ids, calls are resolved by LLVM; the REL ones are
 * callback addresses, loader_link_funcs). */
static int loader_elf_open(struct rt *rt, struct clause_obj *c, struct loader_elf *le)
{
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	const char *name;
	int err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return rt_fail(rt, -EINVAL, "loader: libelf: %s", elf_errmsg(-1));
	le->elf = elf_memory((char *)c->elf, c->elf_size);
	if (!le->elf)
		return rt_fail(rt, -EINVAL, "loader: clause %d: not an ELF object: %s",
			       c->index, elf_errmsg(-1));
	if (!gelf_getehdr(le->elf, &eh) || eh.e_machine != EM_BPF ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		err = rt_fail(rt, -EINVAL, "loader: clause %d: not a 64-bit little-endian BPF object",
			      c->index);
		goto cleanup;
	}
	if (elf_getshdrstrndx(le->elf, &le->shstrndx)) {
		err = rt_fail(rt, -EINVAL, "loader: clause %d: %s", c->index, elf_errmsg(-1));
		goto cleanup;
	}
	while ((scn = elf_nextscn(le->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			le->symtab = scn;
		if (sh.sh_type != SHT_RELA)
			continue;
		name = loader_sec_name(le, elf_getscn(le->elf, sh.sh_info));
		if (name && !strncmp(name, PROG_SEC_PREFIX, strlen(PROG_SEC_PREFIX))) {
			err = rt_fail(rt, -EINVAL, "loader: %s: unsupported relocation", name);
			goto cleanup;
		}
	}
	return 0;

cleanup:
	elf_end(le->elf);
	le->elf = NULL;
	return err;
}

/* The section named prog/<name>. Its function symbol <name> must come first:
 * the kernel enters a program at its first instruction, and subprograms (which
 * LLVM calls without relocations inside one section) have to follow it. */
static Elf_Scn *loader_find_prog(struct rt *rt, struct loader_elf *le, const char *name,
				 int *err)
{
	Elf_Scn *scn = NULL, *found = NULL;
	Elf_Data *syms;
	GElf_Shdr sh;
	GElf_Sym sym;
	const char *sname;
	size_t i, n;

	while ((scn = elf_nextscn(le->elf, scn)) && !found) {
		sname = loader_sec_name(le, scn);
		if (sname && !strncmp(sname, PROG_SEC_PREFIX, strlen(PROG_SEC_PREFIX)) &&
		    !strcmp(sname + strlen(PROG_SEC_PREFIX), name))
			found = scn;
	}
	*err = rt_fail(rt, -ENOENT, "loader: no section %s%s", PROG_SEC_PREFIX, name);
	if (!found)
		return NULL;
	*err = rt_fail(rt, -ENOENT, "loader: no function %s in section %s%s", name,
		       PROG_SEC_PREFIX, name);
	if (!le->symtab || !gelf_getshdr(le->symtab, &sh))
		return NULL;
	syms = elf_getdata(le->symtab, NULL);
	n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	for (i = 0; syms && i < n; i++) {
		if (!gelf_getsym(syms, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx != elf_ndxscn(found) ||
		    strcmp(elf_strptr(le->elf, sh.sh_link, sym.st_name), name))
			continue;
		if (sym.st_value == 0) {
			*err = 0;
			return found;
		}
		*err = rt_fail(rt, -EINVAL,
			       "loader: function %s is at offset %llu of section %s%s, not first",
			       name, (unsigned long long)sym.st_value, PROG_SEC_PREFIX, name);
		return NULL;
	}
	return NULL;
}

/* ld_imm64 with src_reg BPF_PSEUDO_MAP_FD/VALUE carries a session map id. */
static int loader_patch_maps(struct rt *rt, const char *name, struct bpf_insn *insns,
			     size_t n)
{
	size_t i;
	int fd;

	for (i = 0; i < n; i++) {
		if (insns[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (i + 1 >= n)
			return rt_fail(rt, -EINVAL, "loader: prog/%s: truncated ld_imm64", name);
		if (insns[i].src_reg == BPF_PSEUDO_MAP_FD ||
		    insns[i].src_reg == BPF_PSEUDO_MAP_VALUE) {
			fd = rt_map_fd(rt, insns[i].imm);
			if (fd < 0)
				return rt_fail(rt, -EINVAL,
					       "loader: prog/%s: insn %zu uses map id %d, which has no map",
					       name, i, insns[i].imm);
			insns[i].imm = fd;
		}
		i++;    /* second half of ld_imm64 */
	}
	return 0;
}

/* loader_link_funcs: a callback's address (bpf_for_each_map_elem) is an
 * ld_imm64 with a relocation against the callback, which LLVM put in the
 * program's section; the kernel wants src_reg BPF_PSEUDO_FUNC and the callback's
 * first instruction relative to the next one. Returns how many were linked. */
static int loader_link_funcs(struct rt *rt, struct loader_elf *le, Elf_Scn *prog,
			     const char *name, struct bpf_insn *insns, size_t n)
{
	Elf_Data *rels, *syms = elf_getdata(le->symtab, NULL);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Rel rel;
	GElf_Sym sym;
	int linked = 0;

	while ((scn = elf_nextscn(le->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL ||
		    sh.sh_info != elf_ndxscn(prog) || !(rels = elf_getdata(scn, NULL)))
			continue;
		for (size_t r = 0; sh.sh_entsize && r < sh.sh_size / sh.sh_entsize; r++) {
			size_t i;
			int64_t target;

			if (!gelf_getrel(rels, (int)r, &rel) || !syms ||
			    !gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym))
				return rt_fail(rt, -EINVAL, "loader: prog/%s: bad relocation", name);
			i = rel.r_offset / sizeof(struct bpf_insn);
			if (i + 1 >= n || insns[i].code != (BPF_LD | BPF_IMM | BPF_DW) ||
			    sym.st_shndx != elf_ndxscn(prog))
				return rt_fail(rt, -EINVAL,
					       "loader: prog/%s: unsupported relocation at insn %zu",
					       name, i);
			/* a section symbol carries the offset in the instruction (REL) */
			target = ((int64_t)sym.st_value + insns[i].imm) / (int64_t)sizeof(struct bpf_insn);
			if (target <= 0 || (size_t)target >= n)
				return rt_fail(rt, -EINVAL, "loader: prog/%s: callback outside the program",
					       name);
			insns[i].src_reg = BPF_PSEUDO_FUNC;
			insns[i].imm = (int32_t)(target - (int64_t)i - 1);
			linked++;
		}
	}
	return linked;
}

static int loader_insn_cmp(const void *a, const void *b)
{
	const struct bpf_func_info *x = a, *y = b;

	return (x->insn_off > y->insn_off) - (x->insn_off < y->insn_off);
}

/* loader_func_btf: the kernel takes a callback's address only from a program
 * with BTF func_info, one record per subprogram (the program at insn 0, then
 * each callback and call target). The types are placeholders: static
 * subprograms are verified by their code, not their prototype. */
static int loader_func_btf(struct rt *rt, const char *name, const struct bpf_insn *insns,
			   size_t n, struct btf **out, struct bpf_func_info **fi, size_t *nfi)
{
	struct bpf_func_info *v = calloc(n + 1, sizeof(*v));
	struct btf *btf = btf__new_empty();
	int err = -ENOMEM, type, proto;
	size_t k = 1;

	*out = NULL;
	*fi = NULL;
	if (!v || !btf)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		bool call = insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == BPF_PSEUDO_CALL;
		bool func = insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    insns[i].src_reg == BPF_PSEUDO_FUNC;

		if (call || func)
			v[k++].insn_off = (uint32_t)(i + insns[i].imm + 1);
	}
	qsort(v + 1, k - 1, sizeof(*v), loader_insn_cmp);
	*nfi = 0;
	for (size_t i = 0; i < k; i++)
		if (!*nfi || v[i].insn_off != v[*nfi - 1].insn_off)
			v[(*nfi)++] = v[i];
	type = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	proto = type < 0 ? type : btf__add_func_proto(btf, type);
	for (int a = 0; a < 4 && proto >= 0; a++)
		err = btf__add_func_param(btf, "a", type);
	if (proto < 0 || err < 0) {
		err = rt_fail(rt, proto < 0 ? proto : err, "loader: prog/%s: cannot build BTF", name);
		goto cleanup;
	}
	for (size_t i = 0; i < *nfi; i++) {
		char fname[32];
		int id;

		snprintf(fname, sizeof(fname), i ? "cb%zu" : "prog", i);
		id = btf__add_func(btf, fname, i ? BTF_FUNC_STATIC : BTF_FUNC_GLOBAL, proto);
		if (id < 0) {
			err = rt_fail(rt, id, "loader: prog/%s: cannot build BTF", name);
			goto cleanup;
		}
		v[i].type_id = (uint32_t)id;
	}
	err = btf__load_into_kernel(btf);
	if (err) {
		err = rt_fail(rt, err, "loader: prog/%s: kernel refused the program's BTF: %s",
			      name, strerror(-err));
		goto cleanup;
	}
	*out = btf;
	*fi = v;
	return 0;

cleanup:
	btf__free(btf);
	free(v);
	return err;
}

/* Kernel object names: 15 chars of [A-Za-z0-9_.]. */
static void loader_obj_name(char dst[BPF_OBJ_NAME_LEN], const char *src)
{
	size_t i;

	for (i = 0; src[i] && i < BPF_OBJ_NAME_LEN - 1; i++)
		dst[i] = (isalnum((unsigned char)src[i]) || src[i] == '.') ? src[i] : '_';
	dst[i] = '\0';
}

/* -v shows the logs of all of a clause's programs one after the other. */
static void loader_log_append(char **acc, const char *log)
{
	size_t have = *acc ? strlen(*acc) : 0, add = strlen(log);
	char *s = realloc(*acc, have + add + 1);

	if (!s)
		return;
	memcpy(s + have, log, add + 1);
	*acc = s;
}

static int loader_log_grow(struct rt *rt, size_t want)
{
	char *buf;

	if (rt->log_buf_len >= want)
		return 0;
	buf = realloc(rt->log_buf, want);
	if (!buf)
		return -ENOMEM;
	rt->log_buf = buf;
	rt->log_buf_len = want;
	return 0;
}

/* Loads without a log first (the verifier is faster without one), and again with
 * one to explain a rejection. -v logs every load, growing the buffer as needed
 * since a full log makes even a good program fail with ENOSPC. */
/* A helper the kernel refuses in this probe (bpf_d_path outside its allowlist):
 * said at the call, with the source line and a caret as bpftrace 0.17 does.
 * False when the clause has no recorded site for the helper. */
static bool loader_helper_error(struct rt *rt, const struct clause_obj *c,
				const struct vx_explanation *x)
{
	const char *name = rt->o && rt->o->src_name ? rt->o->src_name : "stdin";
	const struct helper_site *site = NULL;
	const struct loc *l;
	const char *src;
	size_t len = 0, n;
	char span[128];

	/* x->helper is the bare name ("bpf_d_path"): the log's "#147" is cut off */
	for (int i = 0; i < c->nsites && !site; i++)
		if (!strcmp(c->sites[i].helper, x->helper))
			site = &c->sites[i];
	if (!site)
		return false;
	l = &site->loc;
	vx_format_span(span, sizeof(span), name, l);
	n = (size_t)snprintf(rt->err, sizeof(rt->err), "%s: ERROR: helper %s not supported in probe",
			     span, site->helper);
	src = rt->o ? output_source_line(rt->o->src_text, l->first_line, &len) : NULL;
	if (src && len && n + len + 3 + (size_t)l->last_col < sizeof(rt->err)) {
		n += (size_t)snprintf(rt->err + n, sizeof(rt->err) - n, "\n%.*s\n%*s", (int)len, src,
				      l->first_col > 1 ? l->first_col - 1 : 0, "");
		for (int i = l->first_col; i <= l->last_col && n + 1 < sizeof(rt->err); i++)
			rt->err[n++] = '~';
		rt->err[n] = '\0';
	}
	rt->err_located = true;
	return true;
}

static int loader_load_prog(struct rt *rt, const struct clause_obj *c, const struct prog_unit *u,
			    struct bpf_insn *insns, size_t n, const struct prog_load_info *li,
			    const struct btf *btf, const struct bpf_func_info *fi, size_t nfi,
			    char **verifier_log)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = li->expected_attach_type,
		    .attach_btf_id = li->attach_btf_id,
		    .attach_btf_obj_fd = li->attach_btf_obj_fd >= 0 ? li->attach_btf_obj_fd : 0,
		    .prog_btf_fd = btf ? btf__fd(btf) : 0, .func_info = fi,
		    .func_info_cnt = (__u32)nfi, .func_info_rec_size = fi ? sizeof(*fi) : 0);
	char name[BPF_OBJ_NAME_LEN], span[256];
	struct vx_explanation x;
	const char *probe;
	size_t size = rt->s->cfg.log_size ? rt->s->cfg.log_size : LOG_SIZE_DEFAULT;
	int fd, err;

	/* bpftool shows this: the probe ("kprobe_vfs_read"), as bpftrace names them. */
	loader_obj_name(name, u->naps && u->aps[0].full ? u->aps[0].full : u->name);
	if (!rt->opts.verbose) {
		fd = bpf_prog_load(u->bpf_prog_type, name, "GPL", insns, n, &opts);
		if (fd >= 0)
			return fd;
	}
	for (;;) {
		err = loader_log_grow(rt, size);
		if (err)
			return rt_fail(rt, err, "loader: prog/%s: no memory for the verifier log",
				       u->name);
		rt->log_buf[0] = '\0';
		opts.log_buf = rt->log_buf;
		opts.log_size = size;
		opts.log_level = 1;
		fd = bpf_prog_load(u->bpf_prog_type, name, "GPL", insns, n, &opts);
		err = fd < 0 ? fd : 0;  /* libbpf returns -errno */
		if (!(fd < 0 && err == -ENOSPC && rt->opts.verbose && size < LOG_SIZE_MAX))
			break;
		size *= 2;
	}
	if (verifier_log && rt->log_buf[0])
		loader_log_append(verifier_log, rt->log_buf);
	if (fd >= 0)
		return fd;
	/* Users know the probe and their clause, not our program names: name both,
	 * say what went wrong in their terms and what to change (verifier_explain). */
	probe = u->naps && u->aps[0].full ? u->aps[0].full : u->name;
	vx_explain_load(rt->log_buf, err, u->kind, &x);
	if (x.kind == VX_HELPER_NOT_ALLOWED && loader_helper_error(rt, c, &x))
		return err;
	vx_format_span(span, sizeof(span), rt->o ? rt->o->src_name : NULL, &c->loc);
	rt->err_located = false;
	vx_format_load(rt->err, sizeof(rt->err), probe, span, &x);
	return err;
}

/* The probe kind decides how its programs load (fentry's BTF target, kprobe_multi). */
static int loader_prepare(struct rt *rt, const struct prog_unit *u, struct prog_load_info *li)
{
	const struct probe_ops *ops = probe_ops_find(u->kind);
	char why[256] = "";
	int err;

	if (!ops || !ops->prepare)
		return 0;
	err = ops->prepare(u, li, why, sizeof(why));
	if (err)
		return rt_fail(rt, err, "Error loading program: %s: %s",
			       u->naps && u->aps[0].full ? u->aps[0].full : u->name,
			       why[0] ? why : strerror(-err));
	return 0;
}

/* Syscall tracepoints as a raw tracepoint program behind a filter (sysraw.c) when
 * the program allows it and the kernel takes it; -1: load it as compiled. */
static int loader_load_sysraw(struct rt *rt, const struct prog_unit *u, const struct bpf_insn *insns,
			      size_t n, struct rt_prog *progs, int i)
{
	int dir = sysraw_plan(rt, progs, i, u, insns, n), map, fd;
	struct rt_prog *p = &progs[i];
	char name[BPF_OBJ_NAME_LEN];
	struct bpf_insn *v;
	size_t nv;

	p->sys_raw = SYSRAW_NONE;
	if (!dir)
		return -1;
	loader_obj_name(name, u->naps && u->aps[0].full ? u->aps[0].full : u->name);
	/* the cheaper prologue first; a kernel without BTF takes the other */
	for (int btf = 1; btf >= 0; btf--) {
		map = sysraw_build(u, dir, btf, insns, n, &v, &nv);
		if (map < 0)
			return -1;
		fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, name, "GPL", v, nv, NULL);
		close(map);
		free(v);
		if (fd >= 0) {
			p->sys_raw = dir;
			return fd;
		}
	}
	return -1;
}

/* Other tracepoints as a raw tracepoint program, the instructions unchanged
 * (tpraw.c), when the program allows it and the kernel takes it; -1: load it as
 * compiled. The raw type has its own helper set: a refusal is no error here. */
static int loader_load_tpraw(struct rt *rt, const struct prog_unit *u, const struct bpf_insn *insns,
			     size_t n, const struct btf *btf, const struct bpf_func_info *fi,
			     size_t nfi, struct rt_prog *progs, int i)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_btf_fd = btf ? btf__fd(btf) : 0,
		    .func_info = fi, .func_info_cnt = (__u32)nfi,
		    .func_info_rec_size = fi ? sizeof(*fi) : 0);
	char name[BPF_OBJ_NAME_LEN];
	int fd;

	progs[i].tp_raw = false;
	if (!tpraw_plan(rt, progs, i, u, insns, n))
		return -1;
	loader_obj_name(name, u->aps[0].full ? u->aps[0].full : u->name);
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, name, "GPL", insns, n, &opts);
	if (fd < 0)
		return -1;
	progs[i].tp_raw = true;
	return fd;
}

int loader_load_clause(struct rt *rt, struct clause_obj *c, struct rt_prog *progs,
		       char **verifier_log)
{
	struct loader_elf le = {0};
	struct bpf_insn *insns = NULL;
	struct btf *btf = NULL;
	struct bpf_func_info *fi = NULL;
	size_t nfi = 0;
	Elf_Scn *scn;
	Elf_Data *data;
	size_t n;
	int i, fd, err;

	for (i = 0; i < c->nprogs; i++) {
		progs[i].unit = &c->progs[i];
		progs[i].fd = -1;
		progs[i].li.attach_btf_obj_fd = -1;
		progs[i].sys_raw = SYSRAW_NONE;
		progs[i].tp_raw = false;
	}
	err = loader_elf_open(rt, c, &le);
	if (err)
		return err;
	for (i = 0; i < c->nprogs; i++) {
		scn = loader_find_prog(rt, &le, c->progs[i].name, &err);
		if (!scn)
			goto cleanup;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_size || data->d_size % sizeof(struct bpf_insn)) {
			err = rt_fail(rt, -EINVAL, "loader: section %s%s is empty or truncated",
				      PROG_SEC_PREFIX, c->progs[i].name);
			goto cleanup;
		}
		n = data->d_size / sizeof(struct bpf_insn);
		free(insns);
		insns = malloc(data->d_size);
		if (!insns) {
			err = rt_fail(rt, -ENOMEM, "loader: out of memory");
			goto cleanup;
		}
		memcpy(insns, data->d_buf, data->d_size);
		err = loader_patch_maps(rt, c->progs[i].name, insns, n);
		if (err)
			goto cleanup;
		err = loader_link_funcs(rt, &le, scn, c->progs[i].name, insns, n);
		if (err < 0)
			goto cleanup;
		btf__free(btf);
		btf = NULL;
		free(fi);
		fi = NULL;
		nfi = 0;
		if (err > 0) {
			err = loader_func_btf(rt, c->progs[i].name, insns, n, &btf, &fi, &nfi);
			if (err)
				goto cleanup;
		}
		err = loader_prepare(rt, &c->progs[i], &progs[i].li);
		if (err)
			goto cleanup;
		/* sysraw puts code in front, which func_info would not follow */
		fd = btf ? -1 : loader_load_sysraw(rt, &c->progs[i], insns, n, progs, i);
		if (fd < 0)
			fd = loader_load_tpraw(rt, &c->progs[i], insns, n, btf, fi, nfi, progs, i);
		if (fd < 0)
			fd = loader_load_prog(rt, c, &c->progs[i], insns, n, &progs[i].li,
					      btf, fi, nfi, verifier_log);
		/* the kernel holds its own reference to a module's BTF now */
		if (progs[i].li.attach_btf_obj_fd >= 0)
			close(progs[i].li.attach_btf_obj_fd);
		progs[i].li.attach_btf_obj_fd = -1;
		if (fd < 0) {
			err = fd;
			goto cleanup;
		}
		progs[i].fd = fd;
	}
	err = 0;

cleanup:
	if (err) {
		for (i = 0; i < c->nprogs; i++) {
			if (progs[i].fd >= 0)
				close(progs[i].fd);
			progs[i].fd = -1;
		}
	}
	free(insns);
	btf__free(btf);
	free(fi);
	elf_end(le.elf);
	return err;
}
