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

/* vx_die_oom - "vxanalyze: out of memory allocating N bytes", exit(1) */
void vx_die_oom(size_t n) __attribute__((noreturn));

#endif
