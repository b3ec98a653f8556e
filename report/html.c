/* html.c: what every HTML page vxanalyze writes shares: the one escaping function for
 * capture text, and the Content-Security-Policy that lets only the page's own style and
 * script run (by their SHA-256). Used by render-html.c and render-diff.c.
 * Must not: write capture text any other way.
 */
#include "render.h"

#include <stdio.h>

#include "core/sha256.h"
#include "core/strbuf.h"
#include "core/utf8.h"

static void html_ascii(FILE *out, unsigned char c)
{
	switch (c) {
	case '&': fputs("&amp;", out); break;
	case '<': fputs("&lt;", out); break;
	case '>': fputs("&gt;", out); break;
	case '"': fputs("&#34;", out); break;
	case '\'': fputs("&#39;", out); break;
	default: fputc(c, out);
	}
}

/*
 * html_escape - the one escaping function of the page: writes capture text @s with
 * & < > " ' as character references (safe in text and in double-quoted attributes),
 * control characters and invalid UTF-8 as U+FFFD, cut after @max characters with "…".
 * NULL writes nothing.
 */
void vx_html_escape(FILE *out, const char *s, size_t max)
{
	vx_utf8_write(out, s, max, "\xe2\x80\xa6", VX_UTF8_REPLACEMENT, html_ascii);
}

/* put_own - text the page made itself from literals (its style sheet, its policy) */
static void put_own(FILE *out, const struct strbuf *sb)
{
	fwrite(sb->buf, 1, sb->len, out);
}

void vx_html_csp_meta(FILE *out, const char *style, size_t style_len, const char *script, size_t script_len)
{
	struct strbuf csp = STRBUF_INIT;

	strbuf_addstr(&csp, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src ");
	vx_csp_hash(&csp, style, style_len);
	strbuf_addstr(&csp, "; script-src ");
	if (script)
		vx_csp_hash(&csp, script, script_len);
	else
		strbuf_addstr(&csp, "'none'");
	strbuf_addstr(&csp, "; base-uri 'none'; form-action 'none'\">\n");
	put_own(out, &csp);
	strbuf_release(&csp);
}
