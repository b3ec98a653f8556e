/* utf8.h: the one UTF-8 decoder of vxanalyze and the one sanitiser for the terminal. Capture
 * text (comms, device names, messages, frames, host names, sources) is untrusted bytes; every
 * escaper (JSON, HTML, dot) asks this module what is a valid character, and everything printed
 * for a terminal or a plain-text file goes through vx_term_clean(), so no output lets invalid
 * UTF-8 or a terminal control sequence through.
 * Must not: allocate except through the strbuf it is given.
 */
#ifndef VX_UTF8_H
#define VX_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "strbuf.h"

/* U+FFFD REPLACEMENT CHARACTER, what every output writes for a byte that is not UTF-8 */
#define VX_UTF8_REPLACEMENT "\xef\xbf\xbd"
/* U+2026 HORIZONTAL ELLIPSIS, the mark of a string cut short */
#define VX_UTF8_ELLIPSIS "\xe2\x80\xa6"

/*
 * vx_utf8_len - length (1..4) of the well-formed UTF-8 sequence at @p, or 0 when the bytes
 * there are not UTF-8 (RFC 3629: no overlong forms, no UTF-16 surrogates, nothing past
 * U+10FFFF, no stray continuation byte). A NUL byte is a (1-byte) character; the caller
 * decides what to do with control characters. Reads at most until the first invalid byte,
 * so a truncated sequence at the end of a NUL-terminated string is safe.
 */
int vx_utf8_len(const unsigned char *p);

/*
 * vx_term_unsafe - the well-formed character of @n bytes at @p would change what a terminal
 * shows rather than show itself: C0 controls and DEL (ESC starts every escape sequence), C1
 * controls U+0080..U+009F (8-bit CSI and OSC), the line and paragraph separators U+2028/9
 * and the bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069)
 * that reorder the text around them.
 */
bool vx_term_unsafe(const unsigned char *p, int n);

#define VX_TERM_ESCAPES 1u	/* show bad bytes as \n, \t, \xNN instead of U+FFFD */
#define VX_TERM_MARK_CUT 2u	/* end text cut by @max with "…" */
#define VX_TERM_KEEP_CONTROLS 4u	/* not for a terminal: only make the bytes valid UTF-8 (CSV data
				 * for a program keeps its newlines and other control characters) */

/*
 * vx_term_clean - THE sanitiser for text meant for a terminal or a plain-text file: append
 * the @len bytes at @s to @sb as valid UTF-8 in which every byte that is not UTF-8 and every
 * vx_term_unsafe() character (NUL, newline and tab included) is shown visibly: as U+FFFD, or
 * with VX_TERM_ESCAPES as \n, \t and \xNN per byte. Cut after @max characters (0: no limit;
 * "…" after a cut with VX_TERM_MARK_CUT). Returns the number of characters taken from @s.
 * NULL appends nothing.
 */
size_t vx_term_clean(struct strbuf *sb, const char *s, size_t len, size_t max, unsigned flags);

/*
 * vx_utf8_clean - append @s to @sb as valid UTF-8 for a terminal or a plain-text file:
 * vx_term_clean() of the NUL-terminated @s with U+FFFD for what is not shown; cut after @max
 * characters (0: no limit). Returns the number of characters appended. NULL appends nothing.
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
