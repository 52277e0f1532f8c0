/* usdt_notes: the SystemTap SDT notes (.note.stapsdt) of an ELF file, one entry
 * per probe location, with the addresses turned into the file offsets uprobes
 * and the kernel's semaphore reference counter take. */
#ifndef BPFDECK_USDT_NOTES_H
#define BPFDECK_USDT_NOTES_H

#include <stdint.h>

struct usdt_note {
	const char *provider;   /* valid during the callback */
	const char *name;
	const char *args;       /* "-4@%eax 8@-8(%rbp)", "" without arguments */
	uint64_t pc;            /* virtual address, corrected by .stapsdt.base */
	uint64_t pc_offset;     /* file offset of pc; 0 if no PT_LOAD holds it */
	uint64_t sema;          /* semaphore's virtual address, 0 if none */
	uint64_t sema_offset;   /* its file offset (ref_ctr_offset), 0 if none */
};

/* Non-zero stops the walk and is returned. */
typedef int (*usdt_note_fn)(const struct usdt_note *n, void *ctx);

/* Visits the notes of path in file order. -ENOEXEC if it is no ELF file; 0 when
 * it has no notes. */
int usdt_notes_foreach(const char *path, usdt_note_fn fn, void *ctx);

#endif
