/* fuzz-json-flat.c: libFuzzer target for the store's reader of flat JSON field objects
 * (json_parse_flat in src/json.c) and for its writer: whatever json_escape() makes of
 * arbitrary bytes must parse back as one string field. */
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "../../src/arena.h"
#include "../../src/json.h"
#include "../../src/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct arena a = { 0 };
	struct vx_field *f;
	struct strbuf sb = STRBUF_INIT;
	char *s = malloc(len + 1);
	int n;

	memcpy(s, data, len);
	s[len] = '\0';
	n = json_parse_flat(s, &a, &f);
	if (n < -1 || (n > 0 && !f))
		abort();
	for (int i = 0; i < n; i++) {
		if (!f[i].key || !f[i].value)
			abort();
		(void)strlen(f[i].key);
		(void)strlen(f[i].value);
	}

	/* the writer's output is always readable by the reader */
	strbuf_addch(&sb, '{');
	json_escape(&sb, s);
	strbuf_addch(&sb, ':');
	json_escape(&sb, s);
	strbuf_addch(&sb, '}');
	if (json_parse_flat(sb.buf, &a, &f) != 1)
		abort();
	if (strcmp(f[0].key, f[0].value))
		abort();
	strbuf_release(&sb);
	arena_release(&a);
	free(s);
	return 0;
}
