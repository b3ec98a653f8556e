/* kallsyms.c: load a kallsyms text into a sorted array and look addresses up by binary
 * search (see kallsyms.h). No I/O besides reading the one file it is given.
 */
#include "kallsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"

/* add_line - one "ADDR TYPE NAME [MODULE]" line of @len bytes; 1 added, 0 ignored */
static int add_line(struct vx_kallsyms *ks, const char *s, size_t len, int *zero)
{
	const char *end = s + len, *p = s, *name;
	uint64_t addr = 0;
	int digits = 0;
	char type;

	for (; p < end; p++, digits++) {
		int c = *p, v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			break;
		addr = addr << 4 | (uint64_t)v;
	}
	if (!digits || p + 3 > end || p[0] != ' ' || p[2] != ' ')
		return 0;
	type = p[1];
	name = p + 3;
	p = name;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (p == name)
		return 0;
	if (p - name == 5 && !memcmp(name, "_text", 5) && addr)
		ks->text = addr;
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	if (!addr) {
		(*zero)++;
		return 0;
	}
	VX_GROW(ks->syms, ks->n, ks->alloc);
	size_t nlen = (size_t)(p - name);

	if (ks->names_len + nlen + 1 > ks->names_alloc) {
		ks->names_alloc = ks->names_alloc ? 2 * ks->names_alloc : 65536;
		while (ks->names_len + nlen + 1 > ks->names_alloc)
			ks->names_alloc *= 2;
		ks->names = xrealloc(ks->names, ks->names_alloc);
	}
	memcpy(ks->names + ks->names_len, name, nlen);
	ks->names[ks->names_len + nlen] = '\0';
	ks->syms[ks->n].addr = addr;
	ks->syms[ks->n].name_off = ks->names_len;
	ks->n++;
	ks->names_len += nlen + 1;
	return 1;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct vx_ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->name_off < y->name_off ? -1 : x->name_off > y->name_off;
}

/* sorted by (address, position): /proc/kallsyms is (a capture's copy usually is), so the
 * sort, a quarter of the load, is skipped when one pass finds the order already right */
static bool sorted(const struct vx_kallsyms *ks)
{
	for (size_t i = 1; i < ks->n; i++)
		if (cmp_sym(&ks->syms[i - 1], &ks->syms[i]) > 0)
			return false;
	return true;
}

static int finish(struct vx_kallsyms *ks, size_t before, int zero, const char *what)
{
	if (ks->n == before) {
		if (zero)
			return vx_error("%s: every kernel address is zero (read with kptr_restrict set); "
					"read /proc/kallsyms as root with kernel.kptr_restrict=0", what);
		return vx_error("%s: no kernel text symbols found (not a kallsyms file?)", what);
	}
	if (!sorted(ks))
		qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_sym);
	for (size_t i = 0; i < ks->n; i++)
		ks->syms[i].name = ks->names + ks->syms[i].name_off;
	return (int)(ks->n - before);
}

/* add_lines - the complete lines of @text (@len bytes); returns the bytes used (up to just
 * past the last newline, or all of them when @last) */
static size_t add_lines(struct vx_kallsyms *ks, const char *text, size_t len, bool last, int *zero)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl && !last)
			break;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		add_line(ks, p, l, zero);
		p += l + 1;
	}
	return p < end ? (size_t)(p - text) : len;
}

int vx_kallsyms_parse(struct vx_kallsyms *ks, const char *text, size_t len, const char *what)
{
	size_t before = ks->n;
	int zero = 0;

	add_lines(ks, text, len, true, &zero);
	return finish(ks, before, zero, what);
}

int vx_kallsyms_load(struct vx_kallsyms *ks, const char *path)
{
	/* read in large pieces (a /proc/kallsyms of 5 MB in a few dozen reads, not one per line) */
	size_t cap = 1 << 20, len = 0, before = ks->n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), zero = 0;
	char *buf;

	if (fd < 0)
		return vx_error("%s: cannot open kallsyms: %s", path, strerror(errno));
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r = read(fd, buf + len, cap - len);
		size_t used;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			close(fd);
			return vx_error("%s: read error: %s", path, strerror(errno));
		}
		len += (size_t)r;
		used = add_lines(ks, buf, len, r == 0, &zero);
		memmove(buf, buf + used, len - used);
		len -= used;
		if (r == 0)
			break;
		if (len == cap) {	/* one line longer than the buffer */
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	free(buf);
	close(fd);
	return finish(ks, before, zero, path);
}

const struct vx_ksym *vx_kallsyms_lookup(const struct vx_kallsyms *ks, uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi = ks->n;

	if (!ks->n || addr < ks->syms[0].addr)
		return NULL;
	/* last symbol with sym.addr <= addr */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	while (lo > 0 && ks->syms[lo - 1].addr == ks->syms[lo].addr)
		lo--;
	if (off)
		*off = addr - ks->syms[lo].addr;
	return &ks->syms[lo];
}

void vx_kallsyms_release(struct vx_kallsyms *ks)
{
	free(ks->syms);
	free(ks->names);
	memset(ks, 0, sizeof(*ks));
}
