/* usdt_notes: reads .note.stapsdt. Each note is one probe location: pc, the
 * .stapsdt.base it was linked against, the semaphore, then provider, name and
 * the argument spec as NUL-terminated strings. */
#include <errno.h>
#include <string.h>
#include "elf_file.h"
#include "usdt_notes.h"

#define NT_STAPSDT 3

/* The semaphore lives in a data section (.probes); sections map it to the
 * file, as the kernel's ref_ctr_offset wants. */
static uint64_t section_offset(Elf *e, uint64_t addr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !(sh.sh_flags & SHF_ALLOC))
			continue;
		if (addr >= sh.sh_addr && addr < sh.sh_addr + sh.sh_size)
			return addr - sh.sh_addr + sh.sh_offset;
	}
	return 0;
}

int usdt_notes_foreach(const char *path, usdt_note_fn fn, void *ctx)
{
	size_t off, next, name_off, desc_off, asz;
	uint64_t base_addr = 0, v[3];
	struct usdt_note n;
	struct elf_segs segs;
	const char *desc, *end, *p;
	Elf_Scn *scn;
	Elf_Data *data;
	GElf_Nhdr nh;
	GElf_Shdr sh;
	int fd, err = 0;
	Elf *e;

	e = elf_file_open(path, &fd);
	if (!e)
		return -ENOEXEC;
	asz = gelf_getclass(e) == ELFCLASS32 ? 4 : 8;
	if (elf_load_segments(e, &segs))
		segs.n = 0;
	scn = elf_section_named(e, ".stapsdt.base");
	if (scn && gelf_getshdr(scn, &sh))
		base_addr = sh.sh_addr;
	scn = elf_section_named(e, ".note.stapsdt");
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
		goto out;
	data = elf_getdata(scn, NULL);
	for (off = 0; data && !err && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0;
	     off = next) {
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
		    memcmp((char *)data->d_buf + name_off, "stapsdt", 8) || nh.n_descsz < 3 * asz)
			continue;
		desc = (char *)data->d_buf + desc_off;
		end = desc + nh.n_descsz;
		for (int i = 0; i < 3; i++) {
			if (asz == 8) {
				memcpy(&v[i], desc + 8 * i, 8);
			} else {
				uint32_t w;

				memcpy(&w, desc + 4 * i, 4);
				v[i] = w;
			}
		}
		p = desc + 3 * asz;
		n.provider = p;
		p = memchr(p, '\0', end - p);
		if (!p++ || p >= end)
			continue;
		n.name = p;
		p = memchr(p, '\0', end - p);
		if (!p++)
			continue;
		n.args = p < end && memchr(p, '\0', end - p) ? p : "";
		/* prelink may have moved the file since the note was written */
		n.pc = v[0];
		if (base_addr && v[1])
			n.pc += base_addr - v[1];
		/* 0 (no code there) only in files no uprobe can take, such as .o */
		if (elf_vaddr_to_offset(&segs, n.pc, &n.pc_offset))
			n.pc_offset = 0;
		n.sema = v[2];
		n.sema_offset = n.sema ? section_offset(e, n.sema) : 0;
		err = fn(&n, ctx);
	}
out:
	elf_file_close(e, fd);
	return err;
}
