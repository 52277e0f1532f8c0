/* session: map, format and probe-name tables shared by all clauses.
 * Ids are indexes and never reused within a session, so compiled clauses
 * keep referring to the right map after others come and go. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "session.h"
#include "arena.h"

struct session *session_new(const struct session_config *cfg, const struct kinfo_ops *kinfo)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->kinfo = kinfo;
	s->arena = arena_new();
	s->ringbuf_map = -1;
	s->skb_map = -1;
	s->zero_map = -1;
	return s;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	free(s->maps);
	free(s->fmts);
	free(s->probe_names);
	arena_free(s->arena);
	free(s);
}

/* grow: make room for one more pointer in a session table. */
static void *grow(void *v, int n, int *cap)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	v = realloc(v, sizeof(void *) * *cap);
	if (!v)
		abort();
	return v;
}

struct map_decl *session_map_find(struct session *s, const char *name)
{
	for (int i = 0; i < s->nmaps; i++)
		if (s->maps[i] && !strcmp(s->maps[i]->name, name))
			return s->maps[i];
	return NULL;
}

struct map_decl *session_map_add(struct session *s, const char *name)
{
	struct map_decl *m = arena_zalloc(s->arena, sizeof(*m));

	s->maps = grow(s->maps, s->nmaps, &s->maps_cap);
	m->id = s->nmaps;
	m->name = arena_strdup(s->arena, name);
	s->maps[s->nmaps++] = m;
	return m;
}

int session_fmt_add(struct session *s, enum fmt_kind kind, const char *text,
		    struct type *args, int line, int col)
{
	struct fmt_decl *f = arena_zalloc(s->arena, sizeof(*f));

	s->fmts = grow(s->fmts, s->nfmts, &s->fmts_cap);
	f->id = s->nfmts;
	f->kind = kind;
	f->text = arena_strdup(s->arena, text ? text : "");
	f->args = args;
	f->line = line;
	f->col = col;
	s->fmts[s->nfmts++] = f;
	return f->id;
}

int session_probe_name_add(struct session *s, const char *name)
{
	for (int i = 0; i < s->nprobe_names; i++)
		if (!strcmp(s->probe_names[i], name))
			return i;
	s->probe_names = grow(s->probe_names, s->nprobe_names, &s->probe_names_cap);
	s->probe_names[s->nprobe_names] = arena_strdup(s->arena, name);
	return s->nprobe_names++;
}
