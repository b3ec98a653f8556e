/* journey.h: one packet's way through the kernel as events of one skb address (its hops),
 * and the shapes that journeys of the same way fold into; what a journey's hops say about
 * encapsulation and the network namespaces it crossed.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_JOURNEY_H
#define VX_JOURNEY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "drops.h"
#include "hist.h"
#include "journey-rule.h"
#include "lookups.h"
#include "packet.h"
#include "paths.h"

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
 * (the journey builder does it; for journeys built by hand, as in renderer tests) */
void vx_journey_segments(struct vx_journey *j);
/* vx_journey_encap - set @j's encapsulation from its hops: the underlay transmit whose stack
 * holds the tunnel (or, without stacks, the transmit right after one on a tunnel-named
 * device), the bytes it added and the decapsulating receive after it */
void vx_journey_encap(struct vx_journey *j);

#endif
