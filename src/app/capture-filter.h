/* capture-filter.h: `record --filter` and `import --filter`: the journeys of a capture that
 * is written but not yet committed, judged by the report's filter, and the events of those
 * that do not match removed from the store. Commands layer: it joins the analysis and the
 * store (through store-source.h).
 */
#ifndef VX_CAPTURE_FILTER_H
#define VX_CAPTURE_FILTER_H

#include <stdint.h>

#include "store/store.h"

struct vx_filter;

/*
 * vx_capture_filter - between store_import_flush() and store_import_commit(): walk the
 * journeys of capture @capture_id (not yet committed) with the report's analysis and remove
 * from the store the events of every journey that does not match @f (@expr is its text, kept
 * as capture meta `filter`), one-event journeys included; events without an skb address
 * (route lookups, route requests) stay. *@filtered receives the number of events removed.
 * 0, or -1 with vx_error() set (the caller rolls the import back). Allocates nothing that
 * outlives the call.
 */
int vx_capture_filter(struct vx_store *st, int64_t capture_id, const char *expr, const struct vx_filter *f,
		      uint64_t *filtered);

#endif
