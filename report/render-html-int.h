/* render-html-int.h: what the files of the HTML page share (render-html.c, the page;
 * render-html-flow.c, the flow diagram of a journey): its size bounds, the diagram's
 * geometry, the page's state and the helpers every capture string goes through.
 * Must not: be included outside report/render-html*.c.
 */
#ifndef VX_RENDER_HTML_INT_H
#define VX_RENDER_HTML_INT_H

#include <inttypes.h>
#include <stdio.h>

#include "flow.h"
#include "render.h"

#define HTML_DEFAULT_GROUPS 20
#define HTML_MAX_GROUPS 100
#define HTML_MAX_HOPS 40
#define HTML_MAX_PATHS 100
#define HTML_MAX_ROUTE 100
#define HTML_MAX_STACKS 120
#define HTML_MAX_FRAMES 80
#define HTML_MAX_STR 64
#define HTML_MAX_CHILD_PAGE 20	/* linked journeys drawn under their parents, per page */

/* diagram geometry (SVG user units = CSS px at scale 1) */
#define G_GUTTER 150	/* lane titles */
#define G_TOP 30
#define G_LANE_H 80
#define G_HOP_W 136
#define G_HOP_H 64
#define G_WP_W 124
#define G_WP_H 40
#define G_ENC_W 204	/* a tunnel box with the encapsulation written in it */
#define G_ENC_H 58
#define G_STEP 64	/* least horizontal distance between consecutive points */
#define G_GAP 26	/* least room between two boxes of one lane (an arrow fits) */

struct html {
	FILE *out;
	const struct vx_analysis *an;
	unsigned char *want_stack;	/* by path index: 1 = emit its stack template */
	size_t nstacks;
	const struct vx_render_opts *opts;	/* NULL: defaults */
	int gid;		/* the diagram being drawn (its SVG markers' ids) */
	int child_gid;		/* the last id given to a linked journey's diagram */
};

static inline void esc(struct html *h, const char *s)
{
	vx_html_escape(h->out, s, HTML_MAX_STR);
}

static inline void fmt_dt(char *buf, size_t n, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, n, "+%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, n, "+%.1f \xc2\xb5s", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, n, "+%.2f ms", ns / 1e6);
	else
		snprintf(buf, n, "+%.2f s", ns / 1e9);
}

static inline size_t path_index(const struct html *h, const struct vx_path *p)
{
	return (size_t)(p - h->an->paths);
}

static inline void want_stack(struct html *h, const struct vx_path *p)
{
	size_t i;

	if (!p || !p->stack || !p->stack->nframes)
		return;
	i = path_index(h, p);
	if (i >= h->an->npaths || h->want_stack[i] || h->nstacks >= HTML_MAX_STACKS)
		return;
	h->want_stack[i] = 1;
	h->nstacks++;
}

/* background / accent colour of each kernel layer, for frames, chips and lanes */
struct vx_html_color {
	const char *bg, *fg;
};
extern const struct vx_html_color layer_colors[VX_LAYER_COUNT];

/* the kernel layer a diagram lane shows */
enum vx_layer lane_layer(enum vx_lane l);

/* html_write_diagram - one journey's flow diagram (an SVG in a div), its hops' stacks
 * wanted; @gid tells the page's diagrams apart */
void html_write_diagram(struct html *h, const struct vx_journey *j, int gid);

#endif
