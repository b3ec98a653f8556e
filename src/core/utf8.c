/* utf8.c: the one UTF-8 decoder (see utf8.h), used by json.c, the HTML and dot escapers and
 * the text renderer.
 */
#include "utf8.h"

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

size_t vx_utf8_clean(struct strbuf *sb, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	if (!s)
		return 0;
	while (*p && (!max || chars < max)) {
		int n = vx_utf8_len(p);

		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			strbuf_addstr(sb, VX_UTF8_REPLACEMENT);
			n = 1;
		} else {
			strbuf_add(sb, p, (size_t)n);
		}
		p += n;
		chars++;
	}
	return chars;
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
