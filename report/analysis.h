/* analysis.h: what a capture means: layers of each frame, distinct paths (stacks) with
 * their IP-layer passes and encapsulation, and per-packet journeys joined by skb address.
 * Input is pulled through a struct vx_event_source (the store's cursors, wired up by the
 * command) in bounded memory, or a struct vx_dataset already loaded (tests); output is read
 * by the renderers. Must not: touch the store directly, parse inputs, or print.
 */
#ifndef VX_ANALYSIS_H
#define VX_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/model.h"
#include "hist.h"
#include "drops.h"
#include "lookups.h"
#include "packet.h"
#include "journey-rule.h"
#include "routes.h"
#include "join.h"

struct vx_filter;

/* kernel network layers, outermost (user side) to innermost (wire side) */
enum vx_layer {
	VX_LAYER_OTHER = 0,	/* not a network function (scheduler, irq entry, ...) */
	VX_LAYER_SYSCALL,	/* syscall entry: __x64_sys_sendto, do_syscall_64 */
	VX_LAYER_SOCKET,	/* socket layer: sock_sendmsg, __sys_sendto */
	VX_LAYER_L4,		/* udp/tcp/icmp/raw */
	VX_LAYER_IP,		/* ip_rcv, ip_forward, ip_output, ip_local_out, ... */
	VX_LAYER_ROUTE,		/* FIB, route lookup, nexthop validation */
	VX_LAYER_NEIGH,		/* neighbour / ARP resolution */
	VX_LAYER_TUNNEL,	/* vxlan, geneve, ipip, gre, wireguard, udp_tunnel */
	VX_LAYER_DEV,		/* device / L2: dev_queue_xmit, netif_receive_skb, veth */
	VX_LAYER_SOFTIRQ,	/* softirq / NAPI: net_rx_action, process_backlog */
	VX_LAYER_NETLINK,	/* netlink / rtnetlink */
	VX_LAYER_COUNT
};

/* vx_layer_of - layer of a kernel function (suffixes like .constprop.0 ignored) */
enum vx_layer vx_layer_of(const char *func);
/* vx_layer_name - short stable name ("ip", "tunnel", "dev", ...) used in JSON and HTML */
const char *vx_layer_name(enum vx_layer l);
/* vx_tunnel_kind - "vxlan", "geneve", "ipip", "gre", "wireguard", or NULL for @func */
const char *vx_tunnel_kind(const char *func);

/*
 * struct vx_path - one distinct (event, stack) pair of the dataset.
 * @ip_passes: separate entries into the IP layer, counted as maximal runs of IP-layer
 *   frames from the outermost frame inward (frames of other layers between two runs
 *   separate them; OTHER frames are transparent).
 * @encap: tunnel kind whose frames appear in the stack, NULL when none.
 * @reenters_ip_after_encap: an IP-layer run lies inside (innermost of) the tunnel frames.
 */
struct vx_path {
	int id;			/* 1-based, stable within one analysis */
	const char *event;
	const struct vx_stack *stack;
	enum vx_layer *layers;	/* one per frame of @stack */
	bool in_journey;	/* some journey of two hops or more has an event on this path */
	size_t count;		/* events with this event name and stack */
	int ip_passes;
	const char *encap;
	bool reenters_ip_after_encap;
	struct vx_journey_path journey;	/* what the stack says about its packet (journey-rule.h) */
};

/* one event of a journey */
struct vx_hop {
	uint64_t ts_ns;
	const struct vx_rec *rec;
	const char *event;
	const char *dev;	/* NULL when the event names no device */
	int64_t len;		/* -1 when unknown */
	const struct vx_path *path;	/* NULL when the event has no stack */
	int segment;		/* network-namespace stretch of the journey (0 = where it starts) */
	const struct vx_lookup *route;	/* the FIB lookup that sent a transmit here, or NULL */
	const struct vx_packet *pkt;	/* the headers a kprobe read at this hop, or NULL */
};

/*
 * struct vx_journey - the events that carry one skb address within one capture, in time
 * order, for one packet. Where a journey ends and the next begins on the same address is
 * decided by vx_journey_step() (journey-rule.h): at an skb free event, after
 * VX_JOURNEY_GAP_NS of silence, or where an event shows another packet (its stack created
 * it, or one packet cannot make that hop sequence); @end says which.
 * @overhead_bytes: bytes the encapsulation added (underlay transmit len minus tunnel
 *   device transmit len), -1 when the journey does not show both hops.
 */
struct vx_journey {
	int id;
	int64_t capture_id;
	uint64_t skb;
	struct vx_hop *hops;
	size_t nhops;
	const char *encap;
	const char *tunnel_dev;	/* the device of the tunnel transmit hop */
	int encap_hop;		/* index of the underlay transmit that carries the outer headers, -1 */
	int decap_hop;		/* index of the receive on the tunnel device after it, -1 */
	int64_t overhead_bytes;
	bool reenters_ip_after_encap;	/* some hop's path re-enters IP after encap */
	int nsegments;		/* stretches between namespace crossings (veth pair or wire) */
	const struct vx_drop *drop;	/* the journey ended in a drop (skb:kfree_skb), or NULL */
	enum vx_journey_end end;	/* how it ended: seen (freed) or inferred */
	const char *end_rule;	/* VX_JEND_REUSED: the rule that saw the next packet (static) */
	size_t hops_left_out;	/* hops after the first VX_JOURNEY_MAX_HOPS, counted only */
	int joined;		/* id of the joined journey (join.h) it is a part of, 0 when none */
	bool join_ambiguous;	/* its packet matched two journeys of another host: left apart */
};

/* a journey keeps its first VX_JOURNEY_MAX_HOPS hops in detail, the rest are counted; the
 * journeys kept whole copy at most VX_KEPT_STR_MAX bytes of an event, device or comm name
 * and take at most VX_KEPT_JOURNEY_BYTES together (beyond, fewer of the first are kept) */
#define VX_JOURNEY_MAX_HOPS 256
#define VX_KEPT_STR_MAX 256
#define VX_KEPT_JOURNEY_BYTES (32u << 20)

/*
 * struct vx_shape - the journeys that took the same way: the same sequence of (event,
 * dev, len, path) hops. @first is the earliest of them (owned by the analysis), @count how
 * many there were, @hist[i] (1 <= i < @nhist) the distribution of the time from hop i-1 to
 * hop i over all of them (hop 0 has none; hops beyond VX_SHAPE_MAX_HOPS have none).
 */
#define VX_MAX_SHAPES 100
#define VX_SHAPE_MAX_HOPS 40
struct vx_shape {
	int id;			/* 1-based, most frequent first */
	size_t count;
	uint64_t hash;
	struct vx_journey *first;
	size_t nhist;
	struct vx_hist *hist;	/* malloc'd, @nhist of them */
};

/*
 * vx_journey_segment_role - what stretch @seg of @j is: "sender", "encapsulating host",
 * "decapsulating host", "receiver" or "network namespace". A transmit followed by a
 * receive of the same skb (not on lo) crossed a veth pair or a wire into another namespace.
 */
const char *vx_journey_segment_role(const struct vx_journey *j, int seg);
/* vx_journey_segments - set each hop's segment and @j->nsegments from the hops' events
 * (vx_analysis_build does it; for journeys built by hand, as in tests) */
void vx_journey_segments(struct vx_journey *j);


/*
 * struct vx_event_source - where the analysis pulls events from, one row at a time; the
 * command wires it to the store's cursors (store_*_each). Every callback's rec and its
 * strings are borrowed for the call. Each *_each returns 0, @fn's non-zero value, or -1
 * with vx_error() set when the source fails.
 * @captures:            fill ds->captures (ds owned by the analysis)
 * @paths_each:          distinct (event, stack) pairs with counts (any order)
 * @journey_events_each: events with an skb address in (capture, skb, time, id) order
 * @route_events_each:   fib* (fib:fib_table_lookup, fib6:fib6_table_lookup), netlink:*,
 *                       probe:*, kprobes:* events in time order
 * @names_each:          the distinct event names of each capture (any order)
 * @row_fields:          during a journey_events_each or route_events_each callback, the
 *                       current row's fields in @a (the recs come without them)
 * @events_each:         every event in time order, without fields (chrome trace)
 * @event_fields:        fields of one event by id, in @a
 * @lookup_keep:         (optional, with @lookup_find) keep one FIB lookup (event @id) out of
 *                       memory; called during route_events_each when a filter needs every
 *                       journey's routes
 * @lookup_find:         the lookup kept by @lookup_keep that lookups.h's rules pick: with
 *                       @dev, vx_lookup_for_hop's on @cpu in [@lo, @hi]; without,
 *                       vx_lookup_failed_between's. 1 with *@out (strings in @a), 0 when
 *                       none, -1 with vx_error() set
 */
typedef int (*vx_rec_fn)(void *arg, const struct vx_rec *r);
struct vx_event_source {
	void *priv;
	int (*captures)(void *priv, struct vx_dataset *ds);
	int (*paths_each)(void *priv, int (*fn)(void *arg, const struct vx_path_row *p), void *arg);
	int (*journey_events_each)(void *priv, vx_rec_fn fn, void *arg);
	int (*route_events_each)(void *priv, vx_rec_fn fn, void *arg);
	int (*names_each)(void *priv, int (*fn)(void *arg, int64_t capture_id, const char *name), void *arg);
	int (*events_each)(void *priv, vx_rec_fn fn, void *arg);
	int (*event_fields)(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n);
	size_t (*row_fields)(void *priv, struct arena *a, struct vx_field **out);
	int (*lookup_keep)(void *priv, int64_t capture_id, int64_t id, const struct vx_lookup *l);
	int (*lookup_find)(void *priv, int64_t capture_id, int cpu, uint64_t lo, uint64_t hi,
			   const char *dev, struct arena *a, struct vx_lookup *out);
};

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
};

/* one row of the drop summary: how many journeys died for one reason at one place */
struct vx_drop_count {
	const char *reason;	/* NULL when the kernel gives none */
	const char *location;	/* NULL when unknown */
	size_t count;
};

struct vx_analysis {
	const struct vx_dataset *ds;	/* borrowed (vx_analysis_build) or @own (streamed) */
	struct vx_path *paths;
	size_t npaths;
	struct vx_journey *journeys;
	size_t njourneys;
	struct vx_route *routes;
	size_t nroutes;
	int *rec_path;		/* per dataset rec: index into @paths, -1 without stack */
	struct vx_lookups lookups;	/* FIB lookups by (capture, cpu, time), for hops and drops */
	bool has_lookups;	/* the capture has FIB lookups (streamed: also when deferred) */
	bool lookups_deferred;	/* streamed: joined to the kept journeys afterwards, @lookups empty */
	bool lookups_in_source;	/* streamed with a filter that needs routes: kept by the source
				 * (lookup_keep), asked per journey (vx_journey_routes_find) */
	struct vx_drop_count *drops;	/* the drop summary, most frequent first */
	size_t ndrops, drops_cap;
	size_t frames;		/* stack frames of all paths */
	size_t unsymbolised_frames;	/* of which raw kernel addresses ("0xffff...") */
	struct arena arena;	/* everything above lives here or in the malloc'd arrays */

	/* streamed analyses (vx_analysis_stream); zero in analyses built by hand */
	const struct vx_event_source *src;	/* borrowed, for renderers that stream (chrome) */
	struct vx_dataset own;	/* captures, stacks of the paths, kept route events */
	size_t journeys_total;	/* journeys of two hops or more; @journeys are the first of them */
	size_t journeys_encap, journeys_reenter;
	struct vx_shape *shapes;	/* VX_MAX_SHAPES at most, most frequent first */
	size_t nshapes;
	size_t other_shape_journeys;	/* journeys whose shape did not fit in @shapes */
	size_t nroute_events;	/* route events in all (vx_is_route_event); the first are in ds->recs */
	void **blocks;		/* malloc'd journey copies, freed with the analysis */
	size_t nblocks;
	int *pathmap;		/* (stack id, event) -> index into @paths, open addressing */
	signed char *path_route;	/* by path: -1 unknown, 0/1 vx_route_event_kept() */
	size_t pathmap_cap;
	const struct vx_filter *filter;	/* borrowed from the options */
	void (*journey_done)(void *arg, const struct vx_span *span, bool kept);	/* the options' */
	void *journey_done_arg;
	int (*journey_each)(void *arg, const struct vx_journey *j);	/* the options' */
	void *journey_each_arg;
	struct vx_traced { int64_t capture_id; uint32_t traced; } *traced;	/* by capture */
	size_t ntraced;
	struct vx_join join;	/* the kept journeys joined across hosts, hosts' clocks (join.h) */
};

/*
 * vx_analysis_stream - analyse what @src yields in memory bounded by the number of distinct
 * paths and shapes, not of events: paths from its aggregate, journeys built one address at
 * a time (journey_events_each) and folded into at most VX_MAX_SHAPES shapes with latency
 * distributions, the first @opts->max_journeys journeys kept in detail, route events
 * filtered by name. Route events come first. Their FIB lookups are joined to the kept
 * journeys afterwards (vx_analysis_join_lookups), in memory bounded by the kept journeys;
 * when @opts->filter speaks of addresses, ports or protocols it needs every journey's
 * routes as the journey ends: the source keeps the lookups (@src->lookup_keep, the store's
 * temporary table) and is asked per journey, or, for a source without those callbacks, they
 * are all held (an->lookups) and joined to each journey in vx_journey_why. Then
 * @opts->filter decides whether the journey counts at all (shapes, totals, drop summary,
 * kept journeys). @src must outlive @an. Free with vx_analysis_release().
 */
int vx_analysis_stream(const struct vx_event_source *src, const struct vx_analysis_opts *opts,
		       struct vx_analysis *an);
/* vx_analysis_events_each - every event in time order, from the source or the dataset
 * (@r and its strings borrowed for the call); returns 0, @fn's non-zero value, or -1 */
int vx_analysis_events_each(const struct vx_analysis *an, vx_rec_fn fn, void *arg);
/* vx_analysis_journeys_total - journeys of two hops or more, also those not kept */
size_t vx_analysis_journeys_total(const struct vx_analysis *an);

/* vx_analysis_build - analyse @ds (borrowed; must outlive @an), keeping every journey.
 * The journeys go through the same builder as vx_analysis_stream(). Free with
 * vx_analysis_release() */
int vx_analysis_build(const struct vx_dataset *ds, struct vx_analysis *an);
void vx_analysis_release(struct vx_analysis *an);
/* vx_journey_why - as each journey is finished (report/hop-why.c): the packet a kprobe read
 * at each of its hops (into @pkts, one per hop, when the hop's rec has header fields), the
 * FIB lookup of @an->lookups that sent each transmit hop to its device, and, when @last (its
 * last event, with fields and the stack @last_stack, may be NULL) is a drop, its drop in
 * *@drop with the failed lookup since @prev_ts (the event before it). */
void vx_journey_why(const struct vx_analysis *an, struct vx_journey *j, struct vx_packet *pkts,
		    const struct vx_rec *last, const struct vx_stack *last_stack, uint64_t prev_ts,
		    struct vx_drop *drop);
/*
 * vx_journey_routes_find - for a filter that needs routes while the source keeps the
 * lookups (@an->lookups_in_source): the lookup of each transmit hop of @j and of its drop,
 * asked of the source, allocated in @a (the journey's scratch). The caller clears them with
 * vx_journey_routes_clear() before keeping @j: the kept journeys get theirs from
 * vx_analysis_join_lookups(), as without a filter. 0, or -1 with vx_error() set.
 */
int vx_journey_routes_find(const struct vx_analysis *an, struct vx_journey *j, struct arena *a);
void vx_journey_routes_clear(struct vx_journey *j);
/* vx_analysis_join_lookups - for a streamed analysis whose lookups were deferred: the FIB
 * lookups of the kept journeys' transmit hops and drops (and the shapes' first journeys),
 * found in one walk over the source's route events (report/lookup-join.c); lookups live in
 * the analysis' arena. 0, or -1 with vx_error() set when the source fails */
int vx_analysis_join_lookups(struct vx_analysis *an);
/* vx_hop_lookup_from - where the window of hop @i's route lookup begins: the time of the
 * journey's last hop before it that names a device (kprobe hops do not: the lookup that
 * decided a transmit runs before ip_output), 0 when there is none (then the window is
 * VX_LOOKUP_WINDOW_NS back from the hop) */
uint64_t vx_hop_lookup_from(const struct vx_journey *j, size_t i);
/* vx_analysis_count_drop - count @d into the drop summary (strings copied) */
void vx_analysis_count_drop(struct vx_analysis *an, const struct vx_drop *d);
/* vx_analysis_sort_drops - most frequent first */
void vx_analysis_sort_drops(struct vx_analysis *an);
/* vx_analysis_count_drops - (re)build the drop summary from the kept journeys' drops */
int vx_analysis_count_drops(struct vx_analysis *an);

/* vx_analysis_blind - NULL, or the one-line warning every renderer shows when most stack
 * frames are raw addresses: layers, passes and encapsulation cannot be told then */
const char *vx_analysis_blind(const struct vx_analysis *an);
/* vx_analysis_path_of - the path of a loaded event, or NULL */
const struct vx_path *vx_analysis_path_of(const struct vx_analysis *an, const struct vx_rec *r);

/* path analysis on a bare list of frames (innermost first), used by the above and by tests */
int vx_frames_ip_passes(const char *const *frames, size_t n);
const char *vx_frames_encap(const char *const *frames, size_t n);
bool vx_frames_reenter_ip(const char *const *frames, size_t n);

#endif
