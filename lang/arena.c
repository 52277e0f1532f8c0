/* arena: bump allocation in 64 KiB chunks, freed all at once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct type_arena {
	struct chunk *head;
};

struct type_arena *arena_new(void)
{
	return calloc(1, sizeof(struct type_arena));
}

void arena_free(struct type_arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *arena_zalloc(struct type_arena *a, size_t size)
{
	struct chunk *c = a->head;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!c || c->used + size > c->cap) {
		size_t cap = size > 65536 ? size : 65536;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			abort();
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strdup(struct type_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(arena_zalloc(a, n), s, n);
}
