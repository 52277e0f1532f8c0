/* usdt_args: the argument specs of USDT notes ("-4@%eax 8@-8(%rbp)"), x86-64
 * AT&T operands as gcc and clang write them through sys/sdt.h. Parsing only:
 * lang/user.c generates the code that reads them. */
#ifndef BPFDECK_USDT_ARGS_H
#define BPFDECK_USDT_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Parsed form of one "N@OPERAND" of an argument spec (x86-64 AT&T syntax). */
enum usdt_op { USDT_OP_CONST, USDT_OP_REG, USDT_OP_MEM };
struct usdt_arg {
	enum usdt_op op;
	int size;               /* bytes: 1, 2, 4, 8 */
	bool is_signed;
	int64_t value;          /* CONST; MEM: displacement */
	int reg_off;            /* REG/MEM base: offset in struct pt_regs, -1 none */
	int reg_shift;          /* REG: bits to shift right (%ah: 8) */
	int reg_size;           /* REG: the register's width in bytes */
	int index_off;          /* MEM: index register's pt_regs offset, -1 none */
	int scale;
	char sym[64];           /* MEM: "sym(%rip)"-style displacement symbol, "" none */
};
/* Splits spec into at most max arguments; returns how many, or -EINVAL for a
 * form it cannot read (bad points to the offending argument). */
int usdt_args_parse(const char *spec, struct usdt_arg *out, int max, const char **bad);

#endif
