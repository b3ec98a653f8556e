/* fuzz-json-flat.c: libFuzzer target for the store's reader of flat JSON field objects
 * (json_parse_flat in src/core/json.c) and for its writer: whatever json_escape() makes of
 * arbitrary bytes must parse back as one string field. */
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/strbuf.h"

/* strict UTF-8 (RFC 3629): what Python's json.load and browsers accept */
static int valid_utf8(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		unsigned char lo = 0x80, hi = 0xbf;

		if (!k || c == 0xc0 || c == 0xc1 || c > 0xf4 || i + k > n)
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (k > 1 && (p[i + 1] < lo || p[i + 1] > hi))
			return 0;
		for (size_t j = 2; j < k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

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
	if (!valid_utf8((const unsigned char *)sb.buf, sb.len))
		abort();
	if (json_parse_flat(sb.buf, &a, &f) != 1)
		abort();
	if (strcmp(f[0].key, f[0].value))
		abort();
	strbuf_release(&sb);
	arena_release(&a);
	free(s);
	return 0;
}
