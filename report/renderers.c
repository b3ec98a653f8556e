/* renderers.c: the table of report formats. Adding a format = one file and one row. */
#include "render.h"

#include <string.h>

const struct vx_renderer *const vx_renderers[] = {
	&vx_render_text,
	&vx_render_json,
	&vx_render_html,
	&vx_render_dot,
	&vx_render_folded,
	&vx_render_chrome,
	&vx_render_pcapng,
	NULL,
};

const struct vx_renderer *vx_renderer_by_name(const char *name)
{
	for (size_t i = 0; vx_renderers[i]; i++)
		if (!strcmp(vx_renderers[i]->name, name))
			return vx_renderers[i];
	return NULL;
}
