/* diff.h: what changed between two captures: their paths (event + kernel stack), their
 * journey shapes (the hops' events, devices and lengths) with counts and per-hop p50
 * latencies, and the double trip through IP. Built from two streamed analyses, one capture
 * at a time, keeping only the aggregates (never the journeys). Read by render-diff.c.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_DIFF_H
#define VX_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis.h"

/* a count or a p50 is "changed" when it differs by more than the threshold (percent of the
 * larger of the two); a p50 must also differ by at least VX_DIFF_MIN_LATENCY_NS, below
 * which the text formats' microsecond timestamps and one scheduling hiccup decide */
#define VX_DIFF_DEFAULT_THRESHOLD 25
#define VX_DIFF_MIN_LATENCY_NS 5000

enum vx_diff_status {
	VX_DIFF_SAME,		/* in both, nothing changed beyond the threshold */
	VX_DIFF_ADDED,		/* only in B */
	VX_DIFF_REMOVED,	/* only in A */
	VX_DIFF_CHANGED,	/* in both; its count or a hop's p50 changed */
};
const char *vx_diff_status_name(enum vx_diff_status s);	/* "same", "added", ... */

/* one side of the diff: a capture and its totals */
struct vx_diff_side {
	struct vx_capture cap;		/* strings in the diff's arena */
	size_t journeys, journeys_encap, journeys_reenter;
	size_t other_shape_journeys;	/* journeys of shapes beyond VX_MAX_SHAPES: not compared */
	size_t paths_reenter;		/* paths whose stack re-enters IP after encapsulation */
	bool double_trip;		/* some journey or path re-enters IP after encapsulation */
	bool blind;			/* most frames unsymbolised: paths cannot be told apart */
};

/* a path: one distinct (event, stack by function names) */
struct vx_diff_path {
	uint64_t hash;
	const char *event;
	const char **frames;	/* innermost first */
	size_t nframes;
	int ip_passes;
	const char *encap;
	bool reenters_ip_after_encap;
	uint64_t count[2];	/* events in A, in B */
	enum vx_diff_status status;
};

struct vx_diff_hop {
	const char *event;
	const char *dev;	/* NULL when the event names none */
	int64_t len;		/* -1 when unknown */
	bool has_p50[2];	/* hop 0 and hops beyond VX_SHAPE_MAX_HOPS have no latency */
	uint64_t p50[2];	/* time since the previous hop, median over the shape's journeys */
	bool changed;		/* the p50 changed beyond the threshold */
};

/* a shape: journeys whose hops have the same events, devices and lengths */
struct vx_diff_shape {
	uint64_t hash;
	struct vx_diff_hop *hops;
	size_t nhops;
	const char *encap;	/* tunnel kind, NULL when not encapsulated */
	bool reenters_ip_after_encap;
	uint64_t count[2];
	enum vx_diff_status status;
	struct vx_hist *hist[2];	/* while a side is added: the merged latencies (malloc'd) */
	size_t nhist;
};

struct vx_diff_opts {
	int threshold_pct;	/* 0: VX_DIFF_DEFAULT_THRESHOLD */
};

struct vx_diff {
	int threshold_pct;
	struct vx_diff_side side[2];	/* A, B */
	struct vx_diff_path *paths;	/* in order of first sight: A's most frequent first, then B's */
	size_t npaths, paths_cap;
	struct vx_diff_shape *shapes;
	size_t nshapes, shapes_cap;
	size_t npath_status[4], nshape_status[4];	/* by enum vx_diff_status */
	bool changed;		/* anything at all differs (paths, shapes, double trip) */
	struct arena arena;
};

/* vx_diff_init - an empty diff; release with vx_diff_release() */
void vx_diff_init(struct vx_diff *d, const struct vx_diff_opts *o);
/* vx_diff_add - fold the analysis @an of one capture into side @side (0: A, 1: B): its paths
 * and shapes are copied (merged by key), latencies reduced to per-hop p50; @an may be
 * released afterwards. 0, or -1 with vx_error() set */
int vx_diff_add(struct vx_diff *d, int side, const struct vx_analysis *an);
/* vx_diff_finish - after both sides: statuses, totals, d->changed */
void vx_diff_finish(struct vx_diff *d);
void vx_diff_release(struct vx_diff *d);

/* vx_diff_differs - @a and @b differ beyond @threshold_pct percent of the larger (and by at
 * least @min_abs) */
bool vx_diff_differs(uint64_t a, uint64_t b, int threshold_pct, uint64_t min_abs);

/* the diff renderers (render-diff.c): --format text|json|html */
struct vx_diff_renderer {
	const char *name;
	const char *desc;
	int (*write)(FILE *out, const struct vx_diff *d, bool verbose);
};
extern const struct vx_diff_renderer *const vx_diff_renderers[];	/* NULL-terminated */
const struct vx_diff_renderer *vx_diff_renderer_by_name(const char *name);

#endif
