/* utf8.h: the one UTF-8 decoder of vxanalyze. Capture text (comms, device names, messages,
 * frames) is untrusted bytes; every escaper (JSON, HTML, dot) and the text renderer ask
 * this module what is a valid character, so no output lets invalid UTF-8 through.
 * Must not: allocate except through the strbuf it is given.
 */
#ifndef VX_UTF8_H
#define VX_UTF8_H

#include <stddef.h>
#include <stdio.h>

#include "strbuf.h"

/* U+FFFD REPLACEMENT CHARACTER, what every output writes for a byte that is not UTF-8 */
#define VX_UTF8_REPLACEMENT "\xef\xbf\xbd"

/*
 * vx_utf8_len - length (1..4) of the well-formed UTF-8 sequence at @p, or 0 when the bytes
 * there are not UTF-8 (RFC 3629: no overlong forms, no UTF-16 surrogates, nothing past
 * U+10FFFF, no stray continuation byte). A NUL byte is a (1-byte) character; the caller
 * decides what to do with control characters. Reads at most until the first invalid byte,
 * so a truncated sequence at the end of a NUL-terminated string is safe.
 */
int vx_utf8_len(const unsigned char *p);

/*
 * vx_utf8_clean - append @s to @sb as valid UTF-8 for a terminal or a plain-text file:
 * invalid bytes and control characters (C0, DEL) become U+FFFD; cut after @max characters
 * (0: no limit). Returns the number of characters appended. NULL appends nothing.
 */
size_t vx_utf8_clean(struct strbuf *sb, const char *s, size_t max);

/*
 * vx_utf8_write - write @s to @out for an output with its own escaping: valid multi-byte
 * characters as they are, printable ASCII through @ascii (which escapes what the output
 * needs), invalid bytes and control characters (C0, DEL) as @bad; after @max characters,
 * @cut and stop. NULL writes nothing.
 */
void vx_utf8_write(FILE *out, const char *s, size_t max, const char *cut, const char *bad,
		   void (*ascii)(FILE *out, unsigned char c));

#endif
