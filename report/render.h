/* render.h: the report renderers, one file each (render-<format>.c), all reading one
 * struct vx_analysis and writing to a FILE. Renderers never parse and never query the store.
 */
#ifndef VX_RENDER_H
#define VX_RENDER_H

#include <stdio.h>

#include "analysis.h"

struct vx_render_opts {
	int max_journeys;	/* 0: renderer default */
	bool verbose;
	bool color;	/* ANSI colours (text only); the command decides (src/cli/color.c) */
	int journey;	/* pcapng: only the journey of this id (report --journey), 0: all kept */
	/* the report's options that select its journeys, quoted for a shell ("-d 'x.db'
	 * --capture 2"), for the command lines a renderer prints (html: each journey's pcapng);
	 * NULL: none */
	const char *select_args;
};

struct vx_renderer {
	const char *name;	/* --format NAME */
	const char *desc;
	int (*write)(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts);
	bool paths_only;	/* reads the paths alone: the command skips journeys and routes */
};

extern const struct vx_renderer *const vx_renderers[];	/* NULL-terminated, in report/renderers.c */
const struct vx_renderer *vx_renderer_by_name(const char *name);

/* vx_path_layer_summary - "syscall > socket > l4 > ip > dev" (outermost first) into @sb */
struct strbuf;
void vx_path_layer_summary(const struct vx_path *p, struct strbuf *sb);

/* vx_html_escape - the one HTML escaping function (html.c): capture text @s with
 * & < > " ' as character references, control characters and invalid UTF-8 as U+FFFD, cut
 * after @max characters with "…"; NULL writes nothing */
void vx_html_escape(FILE *out, const char *s, size_t max);

/* vx_pcapng_hint_html - when journey @j's kprobe hops read packet bytes (record --snaplen),
 * a paragraph with the command line that writes them as pcapng (render-pcapng.c): to copy,
 * not a download, as the page holds no packet bytes and runs no script but its own */
struct vx_journey;
void vx_pcapng_hint_html(FILE *out, const struct vx_journey *j, const struct vx_render_opts *opts);

/* vx_html_csp_meta - the Content-Security-Policy <meta> of a page whose only style is the
 * @style_len bytes of @style and whose only script is the @script_len bytes of @script (NULL:
 * none), each exactly as written between its tags: nothing is fetched, and no other style or
 * script runs, inline handlers and injected <script> elements included */
void vx_html_csp_meta(FILE *out, const char *style, size_t style_len, const char *script, size_t script_len);

extern const struct vx_renderer vx_render_text;
extern const struct vx_renderer vx_render_json;
extern const struct vx_renderer vx_render_html;
extern const struct vx_renderer vx_render_dot;
extern const struct vx_renderer vx_render_folded;
extern const struct vx_renderer vx_render_chrome;
extern const struct vx_renderer vx_render_pcapng;

#endif
