/* utf8.c: the one UTF-8 decoder (see utf8.h), used by json.c, the HTML and dot escapers, and
 * the one terminal sanitiser (vx_term_clean) that every command printing stored or foreign
 * text goes through.
 */
#include "utf8.h"

#include <string.h>

int vx_utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	int n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;	/* continuation byte, C0/C1 overlong lead, or past U+10FFFF */
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* the second byte's range for the leads that allow overlong, surrogate or too large forms */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

/* length of the character at @p within @left bytes: 0 for bytes that are not UTF-8, for a
 * sequence cut by @left, and for a NUL inside the text (a control character) */
static int char_len(const unsigned char *p, size_t left)
{
	int n;

	if (*p < 0x80)
		return 1;
	/* vx_utf8_len() stops at the first byte that is no continuation; a copy bounds it by @left */
	if (left < 4) {
		unsigned char b[5] = { 0 };

		memcpy(b, p, left);
		n = vx_utf8_len(b);
	} else {
		n = vx_utf8_len(p);
	}
	return (size_t)n <= left ? n : 0;
}

bool vx_term_unsafe(const unsigned char *p, int n)
{
	if (n == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	if (n == 2)	/* C1 controls U+0080..U+009F: 8-bit CSI, OSC, ... */
		return p[0] == 0xc2 && p[1] < 0xa0;
	if (n == 3 && p[0] == 0xe2 && p[1] == 0x80)	/* U+2028/9 separators, U+202A..E bidi */
		return p[2] >= 0xa8 && p[2] <= 0xae;
	if (n == 3 && p[0] == 0xe2 && p[1] == 0x81)	/* U+2066..U+2069 bidi isolates */
		return p[2] >= 0xa6 && p[2] <= 0xa9;
	return false;
}

/* @n bad bytes at @p as visible escapes: \n, \t, \xNN */
static void add_escaped(struct strbuf *sb, const unsigned char *p, int n)
{
	for (int i = 0; i < n; i++) {
		if (p[i] == '\n')
			strbuf_addstr(sb, "\\n");
		else if (p[i] == '\t')
			strbuf_addstr(sb, "\\t");
		else
			strbuf_addf(sb, "\\x%02x", p[i]);
	}
}

size_t vx_term_clean(struct strbuf *sb, const char *s, size_t len, size_t max, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t chars = 0;

	if (!s)
		return 0;
	while (p < end && (!max || chars < max)) {
		int n = char_len(p, (size_t)(end - p));
		bool bad = n == 0 || (!(flags & VX_TERM_KEEP_CONTROLS) && vx_term_unsafe(p, n));

		if (n == 0)
			n = 1;
		if (bad && (flags & VX_TERM_ESCAPES))
			add_escaped(sb, p, n);
		else if (bad)
			strbuf_addstr(sb, VX_UTF8_REPLACEMENT);
		else
			strbuf_add(sb, p, (size_t)n);
		p += n;
		chars++;
	}
	if (p < end && (flags & VX_TERM_MARK_CUT))
		strbuf_addstr(sb, VX_UTF8_ELLIPSIS);
	return chars;
}

size_t vx_utf8_clean(struct strbuf *sb, const char *s, size_t max)
{
	return s ? vx_term_clean(sb, s, strlen(s), max, 0) : 0;
}

void vx_utf8_write(FILE *out, const char *s, size_t max, const char *cut, const char *bad,
		   void (*ascii)(FILE *out, unsigned char c))
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	if (!s)
		return;
	while (*p) {
		int n = vx_utf8_len(p);

		if (chars++ == max) {
			fputs(cut, out);
			return;
		}
		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			fputs(bad, out);
			n = 1;
		} else if (n == 1) {
			ascii(out, *p);
		} else {
			fwrite(p, 1, (size_t)n, out);
		}
		p += n;
	}
}
