/* analysis.h: what a capture means: the distinct kernel paths (paths.h), the packets'
 * journeys (journey.h) folded into shapes, the route requests (routes.h), the drops, and
 * the journeys of several hosts joined (join.h). Input is pulled through a struct
 * vx_event_source (source.h) in memory bounded by the paths and shapes, not the events;
 * output is read by the renderers. Must not: touch the store directly, parse inputs, or print.
 */
#ifndef VX_ANALYSIS_H
#define VX_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/model.h"
#include "drops.h"
#include "join.h"
#include "journey.h"
#include "layers.h"
#include "paths.h"
#include "routes.h"
#include "source.h"

struct vx_filter;
struct vx_analysis_priv;

/* journeys kept in detail (the first in time order) when the caller does not say */
#define VX_ANALYSIS_MAX_JOURNEYS 1000
/* route events (fib lookups, extack, nexthop probes) kept besides the route requests' own */
#define VX_ROUTE_EVENTS_KEPT 100

struct vx_analysis_opts {
	size_t max_journeys;	/* 0: VX_ANALYSIS_MAX_JOURNEYS; SIZE_MAX: all */
	bool paths_only;	/* no journeys, shapes or routes (flame graphs need the paths alone) */
	const struct vx_filter *filter;	/* only the journeys that match (filter.h), or NULL */
	/* every journey of the first walk as it is finished, one-event journeys included: its
	 * events' span and whether it counts (two hops or more, matching @filter); what
	 * `record --filter` removes from the store is the spans that do not */
	void (*journey_done)(void *arg, const struct vx_span *span, bool kept);
	void *journey_done_arg;
	/* every journey that counts (two hops or more, matching @filter) as the first walk
	 * finishes it, whole: hops, packets, drop, and the routes of its hops, which the
	 * analysis then finds for every journey (as for a filter that needs routes). @j and all
	 * it points to are borrowed for the call (its id is not known yet: 0). A negative
	 * return stops the analysis with the callback's vx_error() (export: a failed write) */
	int (*journey_each)(void *arg, const struct vx_journey *j);
	void *journey_each_arg;
	/* the kept journeys have no links, and the shapes' first journeys no ids: no walks
	 * to find them (for a caller that takes the journeys through @journey_each and
	 * renders none of the analysis' journeys, shapes or links) */
	bool no_numbering;
};

/* one row of the drop summary: how many journeys died for one reason at one place */
struct vx_drop_count {
	const char *reason;	/* NULL when the kernel gives none */
	const char *location;	/* NULL when unknown */
	size_t count;
};

/*
 * struct vx_recorded_cmd - a recorded capture's command (mine.c): its command line (the capture's
 * source after "record: "), its pid and every pid forked from it (capture meta command_pids)
 */
struct vx_recorded_cmd {
	int64_t capture_id;
	const char *line;
	int *pids;		/* the first is the command's own */
	size_t npids;
};

/* one row of a command's one-line verdict: @count of its packets of one kind (@what: "echo
 * request") ended the same way (@verdict, @where: "to ping (pid 123)") */
struct vx_mine_row {
	int64_t capture_id;
	const char *what;
	enum vx_verdict_kind verdict;
	const char *where;
	size_t count;
};

/*
 * struct vx_analysis - what the renderers read. Everything lives in @arena or in the
 * malloc'd arrays, freed by vx_analysis_release(); @priv is the builder's own state
 * (analysis-int.h), for the report/ files that build the analysis only.
 */
struct vx_analysis {
	const struct vx_dataset *ds;	/* captures, the paths' stacks, the kept route events */
	struct vx_path *paths;
	size_t npaths;
	struct vx_path_index pathidx;	/* @paths by (stack id, event): vx_analysis_path_of() */
	struct vx_journey *journeys;	/* the first journeys in time, kept in detail */
	size_t njourneys;
	size_t journeys_total;	/* journeys of two hops or more; @journeys are the first of them */
	size_t journeys_encap, journeys_reenter;
	struct vx_shape *shapes;	/* VX_MAX_SHAPES at most, most frequent first */
	size_t nshapes;
	size_t other_shape_journeys;	/* journeys whose shape did not fit in @shapes */
	struct vx_route *routes;
	size_t nroutes;
	size_t nroute_events;	/* route events in all (vx_is_route_event); the first are in ds->recs */
	struct vx_drop_count *drops;	/* the drop summary, most frequent first */
	size_t ndrops;
	size_t frames;		/* stack frames of all paths */
	size_t unsymbolised_frames;	/* of which raw kernel addresses ("0xffff...") */
	struct vx_join join;	/* the kept journeys joined across hosts, hosts' clocks (join.h) */
	size_t verdicts[VX_VERDICT_COUNT];	/* every counted journey by verdict (verdict.h) */
	bool links_followed;	/* some capture records the probes that link journeys (links.h) */
	size_t segments_unfollowed;	/* segment lists longer than the probe reads */
	struct vx_recorded_cmd *commands;	/* the recorded captures' commands (mine.c) */
	size_t ncommands;
	struct vx_mine_row *mine;	/* their packets' verdicts, in the order first seen */
	size_t nmine;
	const struct vx_event_source *src;	/* borrowed, for renderers that stream (chrome) */
	struct arena arena;
	struct vx_analysis_priv *priv;
};

/*
 * vx_analysis_stream - analyse what @src yields in memory bounded by the number of distinct
 * paths and shapes, not of events: paths from its aggregate, journeys built one address at
 * a time (journey_events_each) and folded into at most VX_MAX_SHAPES shapes with latency
 * distributions, the first @opts->max_journeys journeys kept in detail, route events
 * filtered by name. Route events come first. Their FIB lookups are joined to the kept
 * journeys afterwards (lookup-join.c), in memory bounded by the kept journeys; when
 * @opts->filter speaks of addresses, ports or protocols it needs every journey's routes as
 * the journey ends: the source keeps the lookups (@src->lookup_keep, the store's temporary
 * table) and is asked per journey, or, for a source without those callbacks, they are all
 * held and joined to each journey as it ends. Then @opts->filter decides whether the
 * journey counts at all (shapes, totals, drop summary, kept journeys). @src must outlive
 * @an. Free with vx_analysis_release(). 0, or -1 with vx_error() set.
 */
int vx_analysis_stream(const struct vx_event_source *src, const struct vx_analysis_opts *opts,
		       struct vx_analysis *an);
void vx_analysis_release(struct vx_analysis *an);
/* vx_analysis_events_each - every event in time order, from the source (@r and its strings
 * borrowed for the call); returns 0, @fn's non-zero value, or -1 */
int vx_analysis_events_each(const struct vx_analysis *an, vx_rec_fn fn, void *arg);
/* vx_analysis_journeys_total - journeys of two hops or more, also those not kept */
size_t vx_analysis_journeys_total(const struct vx_analysis *an);
/* vx_analysis_blind - NULL, or the one-line warning every renderer shows when most stack
 * frames are raw addresses: layers, passes and encapsulation cannot be told then */
const char *vx_analysis_blind(const struct vx_analysis *an);
/* vx_analysis_path_of - the path of an event, or NULL */
const struct vx_path *vx_analysis_path_of(const struct vx_analysis *an, const struct vx_rec *r);
/* vx_analysis_unfollowed - NULL, or the one-line warning that packets were not followed
 * across skbs (tracepoints only: no clone, copy, segment or merge probes) */
const char *vx_analysis_unfollowed(const struct vx_analysis *an);
/* vx_analysis_segments_unfollowed - the warning when a segment list was longer than the
 * recorder's probe reads (its first 14 segments are linked) */
const char *vx_analysis_segments_unfollowed(void);
/* vx_journey_is_mine - @j is a packet of its capture's recorded command (mine.c) */
bool vx_journey_is_mine(const struct vx_analysis *an, const struct vx_journey *j);
/* vx_command_line - "ping -c 3 10.244.2.7 (pid 123): 3 echo requests delivered to the local
 * stack at icmp_rcv, 3 echo replies delivered to ping (pid 123); 0 dropped" into @sb */
void vx_command_line(const struct vx_analysis *an, const struct vx_recorded_cmd *c, struct strbuf *sb);

/* vx_hop_lookup_from - where the window of hop @i's route lookup begins: the time of the
 * journey's last hop before it that names a device (kprobe hops do not: the lookup that
 * decided a transmit runs before ip_output), 0 when there is none (then the window is
 * VX_LOOKUP_WINDOW_NS back from the hop) */
uint64_t vx_hop_lookup_from(const struct vx_journey *j, size_t i);

#endif
