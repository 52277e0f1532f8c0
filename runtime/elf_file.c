/* elf_file: the ELF reading that listing, uprobe/usdt expansion and the
 * symbolizer share. Files are read through libelf's mmap, so looking at a big
 * binary costs address space, not copies of it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "elf_file.h"

bool elf_is_file(const char *path)
{
	unsigned char magic[4];
	struct stat st;
	bool ok;
	int fd;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
	close(fd);
	return ok;
}

Elf *elf_file_open_fd(int fd)
{
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		return NULL;
	}
	return e;
}

Elf *elf_file_open(const char *path, int *fd_out)
{
	Elf *e;
	int fd;

	*fd_out = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	e = elf_file_open_fd(fd);
	if (!e) {
		close(fd);
		return NULL;
	}
	*fd_out = fd;
	return e;
}

void elf_file_close(Elf *e, int fd)
{
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
}

Elf_Scn *elf_section_named(Elf *e, const char *want)
{
	Elf_Scn *scn = NULL;
	const char *name;
	GElf_Shdr sh;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (name && !strcmp(name, want))
			return scn;
	}
	return NULL;
}

/* From the notes of the PT_NOTE segments, which stripped files keep too. */
int elf_build_id(Elf *e, uint8_t *buf, size_t len)
{
	size_t nph, off, next, name_off, desc_off;
	GElf_Phdr ph;
	GElf_Nhdr nh;
	Elf_Data *data;
	Elf_Scn *scn;

	scn = elf_section_named(e, ".note.gnu.build-id");
	data = scn ? elf_getdata(scn, NULL) : NULL;
	for (off = 0; data && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0;
	     off = next) {
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((char *)data->d_buf + name_off, "GNU", 4))
			continue;
		if (nh.n_descsz < len)
			len = nh.n_descsz;
		memcpy(buf, (char *)data->d_buf + desc_off, len);
		return (int)len;
	}
	if (elf_getphdrnum(e, &nph))
		return -ENOENT;
	for (size_t i = 0; i < nph; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(e, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		for (off = 0; data && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0;
		     off = next) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4))
				continue;
			if (nh.n_descsz < len)
				len = nh.n_descsz;
			memcpy(buf, (char *)data->d_buf + desc_off, len);
			return (int)len;
		}
	}
	return -ENOENT;
}

static bool file_crc_is(const char *path, uint32_t want)
{
	unsigned char buf[65536];
	uLong crc = crc32(0, Z_NULL, 0);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, n);
	close(fd);
	return n == 0 && crc == want;
}

/* bcc's order, which bpftrace lists through: the build id under
 * /usr/lib/debug/.build-id, then .gnu_debuglink beside the file. */
char *elf_debug_file(Elf *e, const char *path)
{
	static const char *const fmts[] = { "%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s" };
	char *res = NULL, real[PATH_MAX], dir[PATH_MAX], cand[PATH_MAX * 2], *slash;
	uint8_t id[64];
	size_t llen;
	Elf_Data *data;
	Elf_Scn *scn;
	uint32_t crc;
	int n, idlen;

	idlen = elf_build_id(e, id, sizeof(id));
	if (idlen >= 2) {
		n = snprintf(cand, sizeof(cand), "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (int i = 1; i < idlen && n < (int)sizeof(cand) - 8; i++)
			n += snprintf(cand + n, sizeof(cand) - n, "%02x", id[i]);
		snprintf(cand + n, sizeof(cand) - n, ".debug");
		if (!access(cand, R_OK))
			return strdup(cand);
	}
	scn = elf_section_named(e, ".gnu_debuglink");
	data = scn ? elf_getdata(scn, NULL) : NULL;
	if (!data || !data->d_size || !realpath(path, real))
		return NULL;
	llen = strnlen(data->d_buf, data->d_size);
	/* the CRC follows the name, 4-byte aligned */
	if (((llen + 4) & ~3ul) + 4 > data->d_size)
		return NULL;
	memcpy(&crc, (char *)data->d_buf + ((llen + 4) & ~3ul), 4);
	snprintf(dir, sizeof(dir), "%s", real);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]) && !res; i++) {
		snprintf(cand, sizeof(cand), fmts[i], dir, (char *)data->d_buf);
		if (strcmp(cand, real) && file_crc_is(cand, crc))
			res = strdup(cand);
	}
	return res;
}

int elf_load_segments(Elf *e, struct elf_segs *out)
{
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t nph;

	memset(out, 0, sizeof(*out));
	if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &nph))
		return -ENOEXEC;
	out->type = eh.e_type;
	for (size_t i = 0; i < nph && out->n < ELF_SEGS_MAX; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		out->v[out->n++] = (struct elf_seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset,
						     ph.p_filesz, ph.p_flags };
	}
	return out->n ? 0 : -ENOEXEC;
}

int elf_vaddr_to_offset(const struct elf_segs *s, uint64_t vaddr, uint64_t *off)
{
	for (int i = 0; i < s->n; i++) {
		const struct elf_seg *g = &s->v[i];

		if (vaddr >= g->vaddr && vaddr < g->vaddr + g->filesz) {
			*off = vaddr - g->vaddr + g->offset;
			return 0;
		}
	}
	return -ENOENT;
}

int elf_offset_to_vaddr(const struct elf_segs *s, uint64_t off, uint64_t *vaddr)
{
	/* executable segments first: a page can be mapped by two segments */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < s->n; i++) {
			const struct elf_seg *g = &s->v[i];

			if (!pass != !!(g->flags & PF_X))
				continue;
			if (off >= g->offset && off < g->offset + g->filesz) {
				*vaddr = off - g->offset + g->vaddr;
				return 0;
			}
		}
	}
	return -ENOENT;
}

static bool sym_type_wanted(int type, unsigned types)
{
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		return types & ELF_SYMS_FUNC;
	if (type == STT_OBJECT || type == STT_TLS)
		return types & ELF_SYMS_OBJECT;
	return false;
}

int elf_symbols_walk(Elf *e, unsigned types, elf_sym_fn fn, void *ctx)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym;
	struct elf_sym es;
	int err = 0;

	while (!err && (scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && !err; i++) {
			if (!gelf_getsym(data, (int)i, &sym))
				break;
			if (sym.st_shndx == SHN_UNDEF || !sym_type_wanted(GELF_ST_TYPE(sym.st_info), types))
				continue;
			es.name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!es.name || !*es.name)
				continue;
			es.addr = sym.st_value;
			es.size = sym.st_size;
			es.type = GELF_ST_TYPE(sym.st_info);
			es.bind = GELF_ST_BIND(sym.st_info);
			es.dynamic = sh.sh_type == SHT_DYNSYM;
			err = fn(&es, ctx);
		}
	}
	return err;
}

int elf_symbols_foreach(const char *path, unsigned types, elf_sym_fn fn, void *ctx)
{
	char *debug = NULL;
	int fd, dfd, err;
	Elf *e, *d;

	e = elf_file_open(path, &fd);
	if (!e)
		return -ENOEXEC;
	err = elf_symbols_walk(e, types, fn, ctx);
	if (!err && (types & ELF_SYMS_DEBUG))
		debug = elf_debug_file(e, path);
	elf_file_close(e, fd);
	if (!debug)
		return err;
	d = elf_file_open(debug, &dfd);
	if (d) {
		err = elf_symbols_walk(d, types, fn, ctx);
		elf_file_close(d, dfd);
	}
	free(debug);
	return err;
}

struct lookup_ctx {
	const char *name;
	struct elf_sym *out;
	bool found;
};

static int lookup_visit(const struct elf_sym *s, void *ctx)
{
	struct lookup_ctx *l = ctx;

	if (strcmp(s->name, l->name))
		return 0;
	*l->out = *s;
	l->out->name = l->name;
	l->found = true;
	/* a sized definition beats a zero-sized alias; keep looking otherwise */
	return s->size ? 1 : 0;
}

int elf_symbol_lookup(const char *path, const char *name, struct elf_sym *out)
{
	struct lookup_ctx l = { name, out, false };
	int err;

	err = elf_symbols_foreach(path, ELF_SYMS_FUNC | ELF_SYMS_OBJECT | ELF_SYMS_DEBUG,
				  lookup_visit, &l);
	if (err < 0)
		return err;
	return l.found ? 0 : -ENOENT;
}

/* libstdc++'s demangler, when the program links it (LLVM brings it in);
 * without it C++ names are shown and matched only as mangled. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status)
	__attribute__((weak));

char *elf_demangle(const char *name)
{
	int status;

	if (strncmp(name, "_Z", 2) || !__cxa_demangle)
		return NULL;
	return __cxa_demangle(name, NULL, NULL, &status);
}
