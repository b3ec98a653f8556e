/* formats.c: the table of importers and auto-detection. Adding a format = one row. */
#include "format.h"

#include <string.h>

#include "core/error.h"

const struct vx_format *const vx_formats[] = {
	&vx_format_ftrace_text,
	&vx_format_perf_data,
	&vx_format_perf_script,
	&vx_format_trace_dat,
	NULL,
};

const struct vx_format *vx_format_by_name(const char *name)
{
	for (size_t i = 0; vx_formats[i]; i++)
		if (!strcmp(vx_formats[i]->name, name))
			return vx_formats[i];
	return NULL;
}

const struct vx_format *vx_format_detect(struct vx_input *in)
{
	size_t len;
	const unsigned char *head = vx_input_peek(in, &len);
	const struct vx_format *best = NULL;
	int best_score = 0;

	if (len == 0) {
		vx_error("%s: empty file, nothing to import", in->name);
		return NULL;
	}
	for (size_t i = 0; vx_formats[i]; i++) {
		int s = vx_formats[i]->probe(head, len);

		if (s > best_score) {
			best_score = s;
			best = vx_formats[i];
		}
	}
	if (!best) {
		struct strbuf names = STRBUF_INIT;

		for (size_t i = 0; vx_formats[i]; i++)
			strbuf_addf(&names, "%s%s", i ? ", " : "", vx_formats[i]->name);
		vx_error("%s: not a capture vxanalyze can read (tried %s); see 'vxanalyze import --help'",
			 in->name, names.buf);
		strbuf_release(&names);
	}
	return best;
}
