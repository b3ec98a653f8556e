/* xalloc.c: allocation that never fails back to the caller (see xalloc.h). */
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vx_die_oom(size_t n)
{
	fprintf(stderr, "vxanalyze: out of memory allocating %zu bytes\n", n);
	exit(1);
}

size_t vx_grow_cap(size_t cap, size_t need)
{
	size_t n = cap < 16 ? 16 : cap;

	while (n < need) {
		if (n > SIZE_MAX / 2)
			vx_die_oom(SIZE_MAX);
		n *= 2;
	}
	return n;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		vx_die_oom(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (!p)
		vx_die_oom(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		vx_die_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		vx_die_oom(strlen(s) + 1);
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		vx_die_oom(n + 1);
	return p;
}
