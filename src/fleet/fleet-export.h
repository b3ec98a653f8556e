/* fleet-export.h: one capture's analysis written into the fleet's tables as one batch. The
 * rows of the journeys, hops, drops, routes and paths go in under a new batch id (bulk
 * RowBinary inserts of a few MB each); the capture's row in `captures` goes in last and
 * makes the batch visible: every fleet query reads only batches that table names, so a
 * capture is never seen half written (an interrupted export leaves rows nobody reads).
 */
#ifndef VX_FLEET_EXPORT_H
#define VX_FLEET_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "fleet-schema.h"
#include "core/model.h"
#include "report/analysis.h"

/* what is exported of a capture besides its analysis (strings borrowed) */
struct fleet_capture {
	const struct vx_capture *c;
	const char *host;	/* c->host, or the name the command gives a capture without one */
	const char *clock;	/* capture meta "clock", NULL when unknown */
	const char *database;	/* the SQLite file it comes from */
};

/* what a batch wrote, and how long the server took to take it */
struct fleet_export_stats {
	uint64_t journeys, hops, drops, routes, paths;
	uint64_t bytes;		/* RowBinary bytes sent */
	double insert_secs;	/* wall time inside the INSERT requests */
};

/*
 * fleet_capture_find - whether @db holds @fc's capture already: the same boot id (without
 * one, the same host), first and last event time and event count. 1 with its batch id in
 * @batch, 0 when it is not there, -1 with vx_error().
 */
int fleet_capture_find(struct fleet_db *db, const struct fleet_capture *fc, char batch[64]);

struct fleet_batch;

/* fleet_batch_begin - a new batch for @fc (both borrowed until fleet_batch_free) */
struct fleet_batch *fleet_batch_begin(struct fleet_db *db, const struct fleet_capture *fc);
/* fleet_batch_journey - the analysis' journey_each (struct vx_analysis_opts): one journey's
 * rows, sent when the buffers are full; 0, or -1 with vx_error() */
int fleet_batch_journey(void *batch, const struct vx_journey *j);
/* fleet_batch_finish - the paths and route requests of @an, the rest of the rows, and then
 * the capture's row that makes it all visible; *@st says what was written. 0 or -1 */
int fleet_batch_finish(struct fleet_batch *b, const struct vx_analysis *an, struct fleet_export_stats *st);
const char *fleet_batch_id(const struct fleet_batch *b);
void fleet_batch_free(struct fleet_batch *b);

#endif
