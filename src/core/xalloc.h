/* xalloc.h: the one allocation policy of vxanalyze (after git's xmalloc): these never
 * return NULL. A command-line tool that runs out of memory cannot do anything useful, so
 * they print one line naming the size and exit with status 1; callers have no "out of
 * memory" branches. Memory from these is freed with free().
 */
#ifndef VX_XALLOC_H
#define VX_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * VX_GROW - make room for one more element at index @n of the malloc'd array @p whose
 * capacity is @cap (both lvalues, updated): at least doubled, 16 at first (git's
 * ALLOC_GROW). The one way vxanalyze grows an array.
 *
 *	VX_GROW(v->items, v->n, v->cap);
 *	v->items[v->n++] = item;
 */
#define VX_GROW(p, n, cap)                                                          \
	do {                                                                        \
		if ((size_t)(n) >= (size_t)(cap)) {                                 \
			(cap) = vx_grow_cap((size_t)(cap), (size_t)(n) + 1);        \
			(p) = xrealloc((p), (size_t)(cap) * sizeof(*(p)));          \
		}                                                                   \
	} while (0)

/* vx_grow_cap - the capacity VX_GROW grows @cap to so that @need elements fit (dies on overflow) */
size_t vx_grow_cap(size_t cap, size_t need);

/* vx_die_oom - "vxanalyze: out of memory allocating N bytes", exit(1) */
void vx_die_oom(size_t n) __attribute__((noreturn));

#endif
