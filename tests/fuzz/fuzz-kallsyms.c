/* fuzz-kallsyms.c: libFuzzer target for the kallsyms reader (parsers/kallsyms.c): parse the
 * bytes as a kallsyms text, then look up addresses taken from the input. A symbol found
 * must start at or below the address, and the table must stay sorted. */
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "decode/kallsyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct vx_kallsyms ks = { 0 };
	int n = vx_kallsyms_parse(&ks, (const char *)data, len, "fuzz");

	if (n < -1 || (n >= 0 && (size_t)n > ks.n))
		abort();
	for (size_t i = 0; i < ks.n; i++) {
		if (!ks.syms[i].name)
			abort();
		(void)strlen(ks.syms[i].name);
		if (i && ks.syms[i - 1].addr > ks.syms[i].addr)
			abort();
	}
	/* lookups: each symbol's address, one past it, and words of the input */
	for (size_t i = 0; i < ks.n && i < 64; i++) {
		uint64_t off;
		const struct vx_ksym *k;

		if (ks.syms[i].addr == UINT64_MAX)
			continue;
		k = vx_kallsyms_lookup(&ks, ks.syms[i].addr + 1, &off);

		if (!k || k->addr > ks.syms[i].addr + 1 || k->addr + off != ks.syms[i].addr + 1)
			abort();
	}
	for (size_t i = 0; i + 8 <= len && i < 512; i += 8) {
		uint64_t a, off = 0;
		const struct vx_ksym *k;

		memcpy(&a, data + i, 8);
		k = vx_kallsyms_lookup(&ks, a, &off);
		if (k && (k->addr > a || k->addr + off != a))
			abort();
	}
	vx_kallsyms_release(&ks);
	return 0;
}
