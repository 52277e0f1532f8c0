/* x86_insn: x86-64 instruction lengths from the opcode maps (legacy 1-byte,
 * 0F, 0F38, 0F3A, VEX and EVEX): prefixes, opcode, ModRM/SIB, displacement,
 * immediate. It answers "where do instructions start", nothing more. */
#include <stdbool.h>
#include "x86_insn.h"

enum {
	M = 1,          /* ModRM follows */
	B = 2,          /* imm8 */
	W = 4,          /* imm16 */
	Z = 8,          /* imm16 with 66, else imm32 */
	V = 16,         /* B8-BF: imm64 with REX.W, imm16 with 66, else imm32 */
	O = 32,         /* A0-A3: 8-byte address (4 with 67) */
	X = 64,         /* invalid in 64-bit mode */
	G = 128,        /* F6/F7: an immediate only for /0 and /1 */
};

static const uint8_t map1[256] = {
	/* 00 */ M, M, M, M, B, Z, X, X, M, M, M, M, B, Z, X, 0,
	/* 10 */ M, M, M, M, B, Z, X, X, M, M, M, M, B, Z, X, X,
	/* 20 */ M, M, M, M, B, Z, 0, X, M, M, M, M, B, Z, 0, X,
	/* 30 */ M, M, M, M, B, Z, 0, X, M, M, M, M, B, Z, 0, X,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ X, X, X, M, 0, 0, 0, 0, Z, M | Z, B, M | B, 0, 0, 0, 0,
	/* 70 */ B, B, B, B, B, B, B, B, B, B, B, B, B, B, B, B,
	/* 80 */ M | B, M | Z, X, M | B, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, X, 0, 0, 0, 0, 0,
	/* A0 */ O, O, O, O, 0, 0, 0, 0, B, Z, 0, 0, 0, 0, 0, 0,
	/* B0 */ B, B, B, B, B, B, B, B, V, V, V, V, V, V, V, V,
	/* C0 */ M | B, M | B, W, 0, X, X, M | B, M | Z, W | B, 0, W, 0, 0, B, X, 0,
	/* D0 */ M, M, M, M, X, X, X, 0, M, M, M, M, M, M, M, M,
	/* E0 */ B, B, B, B, B, B, B, B, Z, Z, X, B, 0, 0, 0, 0,
	/* F0 */ 0, 0, 0, 0, 0, 0, M | G, M | G, 0, 0, 0, 0, 0, 0, M, M,
};

static const uint8_t map0f[256] = {
	/* 00 */ M, M, M, M, X, 0, 0, 0, 0, 0, X, 0, X, M, 0, M | B,
	/* 10 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 20 */ M, M, M, M, X, X, X, X, M, M, M, M, M, M, M, M,
	/* 30 */ 0, 0, 0, 0, 0, 0, X, 0, 0, X, 0, X, X, X, X, X,
	/* 40 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 70 */ M | B, M | B, M | B, M | B, M, M, M, 0, M, M, X, X, M, M, M, M,
	/* 80 */ Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z, Z,
	/* 90 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* A0 */ 0, 0, 0, M, M | B, M, X, X, 0, 0, 0, M, M | B, M, M, M,
	/* B0 */ M, M, M, M, M, M, M, M, M, M, M | B, M, M, M, M, M,
	/* C0 */ M, M, M | B, M, M | B, M | B, M | B, M, 0, 0, 0, 0, 0, 0, 0, 0,
	/* D0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* E0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* F0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
};

/* ModRM, SIB and displacement bytes starting at p; -1 if truncated. */
static int modrm_len(const uint8_t *p, size_t avail)
{
	int mod, rm, len = 1;

	if (avail < 1)
		return -1;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	if (mod == 3)
		return 1;
	if (rm == 4) {
		if (avail < 2)
			return -1;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;
	}
	if (mod == 0 && rm == 5)
		len += 4;
	else if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

/* VEX/EVEX-encoded: map 1 (0F), 2 (0F38), 3 (0F3A) and EVEX's 5, 6. */
static bool vex_imm8(int map, uint8_t op)
{
	if (map == 3)
		return true;
	return map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6));
}

int x86_insn_length(const uint8_t *p, size_t avail)
{
	size_t i = 0;
	bool opsize = false, addrsize = false, rexw = false, two_byte = false;
	int flags, m, imm = 0, map;
	uint8_t op;

	/* legacy prefixes, then REX */
	while (i < avail && i < 14) {
		uint8_t c = p[i];

		if (c == 0x66)
			opsize = true;
		else if (c == 0x67)
			addrsize = true;
		else if (!(c == 0xf0 || c == 0xf2 || c == 0xf3 || c == 0x2e || c == 0x36 ||
			   c == 0x3e || c == 0x26 || c == 0x64 || c == 0x65))
			break;
		i++;
	}
	if (i < avail && (p[i] & 0xf0) == 0x40) {
		rexw = p[i] & 8;
		i++;
	}
	if (i >= avail)
		return -1;
	op = p[i++];
	if (op == 0xc4 || op == 0xc5 || op == 0x62) {
		/* VEX (2 or 3 bytes) and EVEX (4 bytes) carry the map; ModRM follows */
		size_t plen = op == 0xc5 ? 1 : op == 0xc4 ? 2 : 3;

		if (i + plen + 1 > avail)
			return -1;
		map = op == 0xc5 ? 1 : p[i] & (op == 0x62 ? 0x7 : 0x1f);
		if (map < 1 || map > 6 || map == 4 || (op != 0x62 && map > 3))
			return -1;
		i += plen;
		op = p[i++];
		if (map == 1 && op == 0x77)
			return (int)i;      /* vzeroupper, vzeroall */
		m = modrm_len(p + i, avail - i);
		if (m < 0)
			return -1;
		i += m + (vex_imm8(map, op) ? 1 : 0);
		return i <= avail && i <= 15 ? (int)i : -1;
	}
	if (op == 0x0f) {
		if (i >= avail)
			return -1;
		op = p[i++];
		if (op == 0x38 || op == 0x3a) {
			if (i >= avail)
				return -1;
			i++;
			m = modrm_len(p + i, avail - i);
			if (m < 0)
				return -1;
			i += m + (op == 0x3a ? 1 : 0);
			return i <= avail && i <= 15 ? (int)i : -1;
		}
		flags = map0f[op];
		two_byte = true;
	} else {
		flags = map1[op];
		/* AMD's XOP (8F with a non-zero ModRM.reg) is not decoded */
		if (op == 0x8f && i < avail && (p[i] & 0x38))
			return -1;
	}
	if (flags & X)
		return -1;
	if (flags & M) {
		m = modrm_len(p + i, avail - i);
		if (m < 0)
			return -1;
		if ((flags & G) && ((p[i] >> 3) & 7) < 2)
			flags |= op == 0xf6 ? B : Z;
		i += m;
	}
	if (flags & B)
		imm += 1;
	if (flags & W)
		imm += 2;
	if (flags & Z)
		/* near branches stay rel32 in 64-bit mode whatever 66 says */
		imm += opsize && !two_byte && op != 0xe8 && op != 0xe9 ? 2 : 4;
	if (flags & V)
		imm += rexw ? 8 : opsize ? 2 : 4;
	if (flags & O)
		imm += addrsize ? 4 : 8;
	i += imm;
	return i <= avail && i <= 15 ? (int)i : -1;
}

int x86_insn_boundary(const uint8_t *code, size_t size, size_t off)
{
	size_t pos = 0;

	while (pos < off) {
		int len = x86_insn_length(code + pos, size - pos);

		if (len <= 0)
			return -1;
		pos += len;
	}
	return pos == off;
}

const char *x86_uprobe_refuses(const uint8_t *p, size_t avail)
{
	size_t i;

	for (i = 0; i < avail && i < 14; i++) {
		if (p[i] == 0xf0)
			return "a lock prefix";
		if (p[i] == 0x26 || p[i] == 0x2e || p[i] == 0x36 || p[i] == 0x3e)
			return "a segment prefix";
		if (p[i] != 0x64 && p[i] != 0x65 && p[i] != 0x66 && p[i] != 0x67 && p[i] != 0xf2 &&
		    p[i] != 0xf3)
			break;
	}
	if (i < avail && (p[i] & 0xf0) == 0x40)
		i++;
	if (i >= avail)
		return NULL;
	switch (p[i]) {
	case 0xc4:
	case 0xc5:
	case 0x62:
		return "an AVX (VEX/EVEX) encoding";
	case 0xcc:
	case 0xcd:
	case 0xce:
	case 0xf1:
	case 0xf4:
	case 0xfa:
	case 0xfb:
		return "a trapping or privileged instruction";
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		return "port I/O";
	default:
		return NULL;
	}
}
