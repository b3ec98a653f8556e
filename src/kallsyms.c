/* kallsyms.c: load a kallsyms text into a sorted array and look addresses up by binary
 * search (see kallsyms.h). No I/O besides reading the one file it is given.
 */
#include "kallsyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "xalloc.h"


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
	if (ks->n == ks->alloc) {
		ks->alloc = ks->alloc ? 2 * ks->alloc : 4096;
		ks->syms = xrealloc(ks->syms, ks->alloc * sizeof(*ks->syms));
	}
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

static int finish(struct vx_kallsyms *ks, size_t before, int zero, const char *what)
{
	if (ks->n == before) {
		if (zero)
			return vx_error("%s: every kernel address is zero (read with kptr_restrict set); "
					"read /proc/kallsyms as root with kernel.kptr_restrict=0", what);
		return vx_error("%s: no kernel text symbols found (not a kallsyms file?)", what);
	}
	qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_sym);
	for (size_t i = 0; i < ks->n; i++)
		ks->syms[i].name = ks->names + ks->syms[i].name_off;
	return (int)(ks->n - before);
}

int vx_kallsyms_parse(struct vx_kallsyms *ks, const char *text, size_t len, const char *what)
{
	size_t before = ks->n;
	const char *p = text, *end = text + len;
	int zero = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		add_line(ks, p, l, &zero);
		p += l + 1;
	}
	return finish(ks, before, zero, what);
}

int vx_kallsyms_load(struct vx_kallsyms *ks, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, before = ks->n;
	ssize_t l;
	int zero = 0;

	if (!f)
		return vx_error("%s: cannot open kallsyms: %s", path, strerror(errno));
	while ((l = getline(&line, &cap, f)) > 0)
		add_line(ks, line, (size_t)l - (line[l - 1] == '\n'), &zero);
	free(line);
	if (ferror(f)) {
		fclose(f);
		return vx_error("%s: read error", path);
	}
	fclose(f);
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
