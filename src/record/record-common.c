/* record-common.c: what the recording's phases (record.c) and its backends (record-ftrace.c,
 * record-perf.c) both use: notes through the options' callback and the event ids of a
 * recording's plan. Kept apart so that record.c calls the backends and never the other way.
 */
#include <stdarg.h>
#include <stdio.h>

#include <event-parse.h>

#include "record-int.h"
#include "core/error.h"
#include "core/xalloc.h"

void vx_rec_note(const struct vx_record_opts *o, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->note(o->note_ctx, msg);
}

int vx_rec_event_ids(struct vx_recording *r, uint64_t **ids, const char ***names, size_t *n)
{
	size_t total = r->nkprobes + r->plan.ntps, k = 0;

	*ids = xcalloc(total ? total : 1, sizeof(**ids));
	*names = xcalloc(total ? total : 1, sizeof(**names));
	*n = 0;
	for (size_t i = 0; i < total; i++) {
		const char *sys = i < r->nkprobes ? VX_RECORD_GROUP : r->plan.tps[i - r->nkprobes].system;
		const char *ev = i < r->nkprobes ? r->plan.probes[i].event : r->plan.tps[i - r->nkprobes].event;
		struct tep_event *e = tep_find_event_by_name(r->tep, sys, ev);

		if (!e)
			return vx_error("event %s:%s: no format/id in %s/events", sys, ev, r->tracing_dir);
		(*ids)[k] = (uint64_t)e->id;
		(*names)[k] = e->name;
		k++;
	}
	*n = k;
	return 0;
}
