/* arena.h: bump allocator for many small, same-lifetime objects (strings of a loaded
 * dataset, per-import scratch). Nothing is freed individually; arena_release() frees all.
 */
#ifndef VX_ARENA_H
#define VX_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t used;	/* bytes handed out in head */
};

#define ARENA_INIT { 0, 0 }

/* arena_alloc - zeroed, 16-byte aligned memory owned by @a (freed by arena_release) */
void *arena_alloc(struct arena *a, size_t n);
/* arena_strdup/strndup - copy into @a; NULL in gives NULL out */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_release(struct arena *a);

#endif
