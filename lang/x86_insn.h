/* x86_insn: the length of one x86-64 instruction, enough to tell whether a
 * uprobe at func+off would split an instruction (which corrupts the process).
 * Covers the general-purpose, x87, SSE and VEX/EVEX encodings compilers emit;
 * anything else is reported as unknown rather than guessed. */
#ifndef BPFDECK_X86_INSN_H
#define BPFDECK_X86_INSN_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the instruction at p (at most avail readable), or -1 when it is
 * invalid in 64-bit mode, truncated or of a kind not decoded here. */
int x86_insn_length(const uint8_t *p, size_t avail);
/* Does off start an instruction of the code (a linear sweep from code[0])?
 * 1 yes, 0 no, -1 the sweep met something it could not decode first. */
int x86_insn_boundary(const uint8_t *code, size_t size, size_t off);
/* Why the kernel's x86 uprobes refuse to probe the instruction at p (they
 * single-step a copy of it, and cannot for these), or NULL when they take it:
 * LOCK and ES/CS/SS/DS prefixes, VEX/EVEX (AVX) encodings, traps and port I/O. */
const char *x86_uprobe_refuses(const uint8_t *p, size_t avail);

#endif
