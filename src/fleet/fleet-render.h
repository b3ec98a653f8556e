/* fleet-render.h: the fleet report's renderers (text, json, html), all reading one struct
 * fleet_report and writing to a FILE. Must not: query, or compute a figure.
 */
#ifndef VX_FLEET_RENDER_H
#define VX_FLEET_RENDER_H

#include <stdio.h>

#include "fleet-query.h"

struct fleet_renderer {
	const char *name;	/* --format NAME */
	const char *desc;
	int (*write)(FILE *out, const struct fleet_report *rep);
};

extern const struct fleet_renderer *const fleet_renderers[];	/* NULL-terminated */
const struct fleet_renderer *fleet_renderer_by_name(const char *name);

#endif
