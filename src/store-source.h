/* store-source.h: the analysis' event source (report/analysis.h) over the store's cursors
 * (store.h), shared by `report` and by the capture filter of `record --filter` and `import
 * --filter` (capture-filter.c). Commands layer: it joins two layers that must not know
 * each other.
 */
#ifndef VX_STORE_SOURCE_H
#define VX_STORE_SOURCE_H

#include <stdint.h>

#include "store.h"
#include "../report/analysis.h"

struct vx_filter;

/* the cursor state behind one struct vx_event_source; no allocation */
struct vx_store_source {
	struct vx_store *st;
	int64_t capture;	/* 0: every capture */
	vx_rec_fn fn;
	void *arg;
	struct store_row *row;	/* during a journey or route events callback */
};

/* vx_store_source_init - make @src read capture @capture (0: all) of @st through @s */
void vx_store_source_init(struct vx_store_source *s, struct vx_event_source *src, struct vx_store *st,
			  int64_t capture);

/*
 * vx_capture_filter - between store_import_flush() and store_import_commit(): walk the
 * journeys of capture @capture_id (not yet committed) with the report's analysis and remove
 * from the store the events of every journey that does not match @f (@expr is its text, kept
 * as capture meta `filter`), one-event journeys included; events without an skb address
 * (route lookups, route requests) stay. *@filtered receives the number of events removed.
 * 0, or -1 with vx_error() set (the caller rolls the import back).
 */
int vx_capture_filter(struct vx_store *st, int64_t capture_id, const char *expr, const struct vx_filter *f,
		      uint64_t *filtered);

#endif
