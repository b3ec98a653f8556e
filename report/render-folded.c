/* render-folded.c: `--format folded`, collapsed stacks for FlameGraph's flamegraph.pl and
 * speedscope: one line per distinct stack, "outermost;...;innermost;EVENT COUNT", where the
 * last (leaf) element is the event that fired there (e.g. net:net_dev_start_xmit), so a
 * flame graph shows which tracepoint sits on which kernel path. The counts add up to the
 * number of events that have a stack; events without a stack are left out.
 * Frame names are made safe for the format: ';' becomes ':', blanks, control characters
 * (vx_term_unsafe) become '_', bytes that are not UTF-8 U+FFFD. Must not: parse, query
 * the store, or write a name except through folded_frame() and put_folded_line().
 */
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/xalloc.h"

struct folded_line {
	char *text;	/* malloc'd */
	size_t count;
};

/* folded_frame - append @s to @sb with the format's separators made harmless */
static void folded_frame(struct strbuf *sb, const char *s)
{
	if (!s || !*s) {
		strbuf_addstr(sb, "[unknown]");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = vx_utf8_len(p);

		if (!n)
			strbuf_addstr(sb, VX_UTF8_REPLACEMENT);
		else if (*p == ';')
			strbuf_addch(sb, ':');
		else if (*p == ' ' || vx_term_unsafe(p, n))
			strbuf_addch(sb, '_');
		else
			strbuf_add(sb, p, (size_t)n);
		p += n ? n : 1;
	}
}

/* one line of the output: @text made by folded_frame(), its count */
static void put_folded_line(FILE *out, const char *text, size_t count)
{
	fputs(text, out);
	fprintf(out, " %zu\n", count);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->text, ((const struct folded_line *)b)->text);
}

static int folded_write(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts)
{
	struct folded_line *lines = xcalloc(an->npaths + 1, sizeof(*lines));
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < an->npaths; i++) {
		const struct vx_path *p = &an->paths[i];
		struct strbuf sb = STRBUF_INIT;

		if (!p->stack || !p->stack->nframes || !p->count)
			continue;
		for (size_t f = p->stack->nframes; f-- > 0;) {
			folded_frame(&sb, p->stack->frames[f]);
			strbuf_addch(&sb, ';');
		}
		folded_frame(&sb, p->event);
		lines[n].text = strbuf_detach(&sb, NULL);
		lines[n++].count = p->count;
	}
	/* two paths can fold to the same text once names are made safe: merge them */
	qsort(lines, n, sizeof(*lines), cmp_line);
	for (size_t i = 0; i < n; i++) {
		size_t count = lines[i].count;

		while (i + 1 < n && !strcmp(lines[i].text, lines[i + 1].text))
			count += lines[++i].count;
		put_folded_line(out, lines[i].text, count);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	if (ferror(out))
		ret = vx_error("folded report: write error");
	return ret;
}

const struct vx_renderer vx_render_folded = {
	.name = "folded",
	.desc = "collapsed stacks (outermost;...;innermost;event count) for flamegraph.pl/speedscope",
	.write = folded_write,
	.paths_only = true,
};
