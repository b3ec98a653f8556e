/* color.c: the colour decision of the text report (see color.h). */
#include "color.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vx_color_parse(const char *s, enum vx_color *c)
{
	if (!strcmp(s, "auto"))
		*c = VX_COLOR_AUTO;
	else if (!strcmp(s, "always"))
		*c = VX_COLOR_ALWAYS;
	else if (!strcmp(s, "never"))
		*c = VX_COLOR_NEVER;
	else
		return -1;
	return 0;
}

bool vx_color_enabled(enum vx_color c, FILE *out)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (c != VX_COLOR_AUTO)
		return c == VX_COLOR_ALWAYS;
	if ((no && *no) || (term && !strcmp(term, "dumb")))
		return false;
	return isatty(fileno(out)) == 1;
}
