/* folded: maps holding kstack/ustack values as stack tables (top stacks with
 * their counts and resolved frames, for the workbench) and as folded stacks,
 * the "root;caller;leaf COUNT" lines flame-graph tools (flamegraph.pl,
 * speedscope, inferno) read. */
#ifndef BPFDECK_FOLDED_H
#define BPFDECK_FOLDED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "output.h"
#include "symbols.h"

/* Does the map hold stacks (in its key, or as its value)? */
bool folded_map_has_stacks(const struct map_decl *d);

/* One stack of a stack table: every frame of the map entry's stacks (user
 * frames, then kernel frames, each innermost first as the kernel gives them)
 * and the entry's other key parts as text ("bash, 1234"). */
struct stack_row {
	uint64_t count;         /* count/sum/int value; hist/lhist/avg/stats: samples; else 1 */
	char *label;            /* the non-stack key parts, ", "-separated; "" if none */
	char **parts;           /* the same one by one (nparts of them) */
	int nparts;
	struct sym_frame *frames;
	int nframes;
	int nuser;              /* frames[0..nuser) are user frames, the rest kernel frames */
	int pid;                /* of the (first) user stack, 0 if none */
};

struct stack_table {
	struct stack_row *rows; /* by count, largest first */
	size_t n;
	uint64_t total;         /* sum of every row's count */
};

/* Resolves every entry of m (through o->syms; o renders the other key parts).
 * 0 or -errno (-EINVAL: the map holds no stacks). */
int stack_table_build(struct output *o, const struct map_snapshot *m, struct stack_table *out);
void stack_table_free(struct stack_table *t);

/* Writes m as folded stacks, one line per distinct stack (identical symbol
 * paths merged, counts added), sorted: "label;outermost;...;innermost COUNT".
 * Frames are function names without offsets ("0x..." when unknown); a ';' in
 * a name becomes ':'. Returns the number of lines or -errno. */
int folded_write(FILE *f, struct output *o, const struct map_snapshot *m);

#endif
