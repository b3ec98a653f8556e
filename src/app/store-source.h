/* store-source.h: a stored capture analysed the one way every command and test does it:
 * the analysis' event source (struct vx_event_source, report/analysis.h) wired to the
 * store's cursors, inside one read transaction that lasts as long as the analysis (renderers
 * stream events through it). The one place that knows both the store and the analysis.
 */
#ifndef VX_STORE_SOURCE_H
#define VX_STORE_SOURCE_H

#include <stdint.h>

#include "store/store.h"
#include "report/analysis.h"

/*
 * vx_stored_analyse - analyse capture @capture (0: every capture) of @st with @opts (NULL:
 * the defaults) into @an, as `report` does. @st is borrowed and must outlive @an; the
 * source and the read transaction belong to @an. Release with vx_stored_analysis_release().
 * 0, or -1 with vx_error() set (nothing to release then).
 */
int vx_stored_analyse(struct vx_store *st, int64_t capture, const struct vx_analysis_opts *opts,
		      struct vx_analysis *an);
/* vx_stored_analysis_release - the analysis, its source and its read transaction (not the store) */
void vx_stored_analysis_release(struct vx_analysis *an);
/* vx_stored_analysis_store - the store @an reads (borrowed) */
struct vx_store *vx_stored_analysis_store(const struct vx_analysis *an);

#endif
