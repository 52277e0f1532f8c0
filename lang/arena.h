/* arena: bump allocation for compiler objects that live as long as a session.
 * Types and declarations are never freed one by one, so an arena keeps the
 * ownership rules trivial and session_free releases everything at once. */
#ifndef BPFDECK_ARENA_H
#define BPFDECK_ARENA_H

#include <stddef.h>

struct type_arena;

struct type_arena *arena_new(void);
void arena_free(struct type_arena *a);
void *arena_zalloc(struct type_arena *a, size_t size);
char *arena_strdup(struct type_arena *a, const char *s);

#endif
