/* store-source.h: the analysis' event source (struct vx_event_source, report/analysis.h)
 * wired to the store's cursors, for the commands that analyse stored captures (report,
 * diff). Lives with the commands: it is the one place that knows both sides.
 */
#ifndef VX_STORE_SOURCE_H
#define VX_STORE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "report/analysis.h"

struct store_source {
	struct vx_store *st;
	int64_t capture;	/* 0: every capture */
	vx_rec_fn fn;
	void *arg;
	struct store_row *row;	/* during a journey or route events callback */
	bool lookups_started;	/* store_lookups_reset() done for this source */
};

/* store_source_init - @src pulls capture @capture (0: all) of @st through @ss; both are the
 * caller's and must outlive the analysis that reads them; nothing to free */
void store_source_init(struct store_source *ss, struct vx_event_source *src, struct vx_store *st,
		       int64_t capture);

#endif
