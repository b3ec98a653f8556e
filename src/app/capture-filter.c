/* capture-filter.c: `record --filter` and `import --filter` (see capture-filter.h): the
 * report's streamed analysis over the capture being imported collects the spans of the
 * journeys the filter leaves out; the store removes them. Holds no SQL.
 */
#include <stdlib.h>
#include <string.h>

#include "capture-filter.h"
#include "core/error.h"
#include "store-source.h"
#include "core/xalloc.h"
#include "report/analysis.h"
#include "report/filter.h"

/* the spans of the journeys the filter leaves out, in the order they were finished */
struct drop_list {
	struct vx_span *v;
	size_t n, cap;
};

static void collect_dropped(void *arg, const struct vx_span *span, bool kept)
{
	struct drop_list *l = arg;

	if (kept)
		return;
	VX_GROW(l->v, l->n, l->cap);
	l->v[l->n++] = *span;
}

int vx_capture_filter(struct vx_store *st, int64_t capture_id, const char *expr, const struct vx_filter *f,
		      uint64_t *filtered)
{
	struct drop_list drops = { 0 };
	struct vx_analysis an;
	/* one journey kept in detail is enough: only the spans are wanted */
	struct vx_analysis_opts opts = { .max_journeys = 1, .filter = f, .journey_done = collect_dropped,
					 .journey_done_arg = &drops };
	int ret;

	*filtered = 0;
	if (vx_stored_analyse(st, capture_id, &opts, &an) < 0) {
		free(drops.v);
		return -1;
	}
	vx_stored_analysis_release(&an);
	ret = store_import_filter(st, expr, drops.v, drops.n, filtered);
	free(drops.v);
	return ret;
}
