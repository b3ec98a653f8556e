/* color.h: whether the text report is coloured: --color=auto|always|never and NO_COLOR
 * (https://no-color.org), decided once by the command. Must not: print colours itself;
 * the renderer gets a yes/no in struct vx_render_opts.
 */
#ifndef VX_COLOR_H
#define VX_COLOR_H

#include <stdbool.h>
#include <stdio.h>

enum vx_color { VX_COLOR_AUTO, VX_COLOR_ALWAYS, VX_COLOR_NEVER };

/* vx_color_parse - "auto", "always", "never" into *@c; 0, or -1 for anything else */
int vx_color_parse(const char *s, enum vx_color *c);
/* vx_color_enabled - always: yes; never: no; auto: @out is a terminal and NO_COLOR is unset
 * or empty */
bool vx_color_enabled(enum vx_color c, FILE *out);

#endif
