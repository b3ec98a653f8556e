/* kallsyms.h: kernel symbol table from a /proc/kallsyms text (file, capture-embedded copy
 * or the running kernel's), for turning callchain addresses into "symbol+0xoff".
 * Only text symbols (t T w W) are kept: a code address belongs to the last one before it.
 * It does not decide which kallsyms matches a capture; the importer does.
 */
#ifndef VX_KALLSYMS_H
#define VX_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct vx_ksym {
	uint64_t addr;
	size_t name_off;	/* into vx_kallsyms.names (stable while the table grows) */
	const char *name;	/* points into vx_kallsyms.names, set after each parse/load */
};

/*
 * struct vx_kallsyms - sorted by address; owns @syms and @names, freed with
 * vx_kallsyms_release(). Zero-initialise before loading ({0} is an empty table).
 */
struct vx_kallsyms {
	struct vx_ksym *syms;
	size_t n, alloc;
	char *names;
	size_t names_len, names_alloc;
	uint64_t text;		/* address of _text, 0 when the table has none */
};

/* vx_kallsyms_parse - add the symbols of a kallsyms text of @len bytes ("ADDR TYPE NAME
 * [MODULE]" lines); sorts afterwards. Returns the number of symbols added, -1 + vx_error()
 * when the text holds no usable symbol (all addresses zero: read under kptr_restrict). */
int vx_kallsyms_parse(struct vx_kallsyms *ks, const char *text, size_t len, const char *what);
/* vx_kallsyms_load - read and parse the file at @path (streamed line by line) */
int vx_kallsyms_load(struct vx_kallsyms *ks, const char *path);
/* vx_kallsyms_lookup - the symbol containing @addr (last one at or before it), with the
 * offset in *@off; NULL when @addr is below the first symbol or the table is empty */
const struct vx_ksym *vx_kallsyms_lookup(const struct vx_kallsyms *ks, uint64_t addr, uint64_t *off);
void vx_kallsyms_release(struct vx_kallsyms *ks);

#endif
