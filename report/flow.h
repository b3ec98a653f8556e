/* flow.h: the drawing-independent shape of a journey, shared by the diagram renderers
 * (render-html.c, render-dot.c): journeys grouped by shape, the lane (row) each hop and
 * each stack frame belongs to, and the kernel route between two hops (the layer runs of a
 * hop's stack that its predecessor's stack does not share), where the IP-layer re-entry
 * after encapsulation shows up. Must not: print, or know about any output format.
 */
#ifndef VX_FLOW_H
#define VX_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"
#include "events.h"

/* the rows of a flow diagram, user side (top) to wire side (bottom) */
enum vx_lane {
	VX_LANE_SOCKET = 0,	/* socket / syscall */
	VX_LANE_L4,
	VX_LANE_IP,
	VX_LANE_ROUTE,		/* routing / neighbour */
	VX_LANE_TUNNEL,
	VX_LANE_DEV,		/* device / L2 (and the softirq that drives it) */
	VX_LANE_NIC,		/* driver hand-over: netif_rx, napi_gro_receive, net_dev_xmit */
	VX_LANE_COUNT
};

/* vx_lane_title - "socket / syscall", "L4", "IP", ... for row headers */
const char *vx_lane_title(enum vx_lane l);
/* vx_lane_key - short stable name ("socket", "l4", "ip", "route", "tunnel", "dev", "nic") */
const char *vx_lane_key(enum vx_lane l);
/* vx_lane_of_layer - row of a kernel layer; VX_LANE_COUNT for VX_LAYER_OTHER */
enum vx_lane vx_lane_of_layer(enum vx_layer l);
/* vx_lane_of_event - row of an event by its name alone ("net:netif_receive_skb" -> dev,
 * "probe:ip_output" -> IP, "probe:iptunnel_xmit" -> tunnel); VX_LANE_COUNT when unknown */
enum vx_lane vx_lane_of_event(const char *event);
/* vx_lane_of_hop - row of a hop: by event name, else by the innermost network frame of
 * its stack, else the device row */
enum vx_lane vx_lane_of_hop(const struct vx_hop *h);

/*
 * struct vx_journey_group - journeys with the same shape: the same sequence of
 * (event, dev, len, path id). @first is the earliest journey of the group.
 */
struct vx_journey_group {
	const struct vx_journey *first;
	size_t count;
	uint64_t shape;		/* hash of the shape */
	const struct vx_shape *agg;	/* the streamed shape with its hop latencies, or NULL */
};

/*
 * vx_journey_groups - group the journeys of @an by shape, most frequent group first
 * (ties: the group whose first journey has the lower id): the analysis' shapes when it
 * was streamed (at most VX_MAX_SHAPES; an->other_shape_journeys did not fit), else the
 * journeys grouped here. *@out is malloc'd and freed by the caller with free(); *@n
 * receives the number of groups. Returns 0 or -1.
 */
int vx_journey_groups(const struct vx_analysis *an, struct vx_journey_group **out, size_t *n);
/*
 * vx_journey_groups_split - with @mine, the kept journeys of the recorded command (and the
 * journeys linked to them) grouped by shape, in time order; without, the groups of
 * vx_journey_groups() whose first journey is not the command's. Same ownership.
 */
int vx_journey_groups_split(const struct vx_analysis *an, bool mine, struct vx_journey_group **out, size_t *n);

/*
 * struct vx_waypoint - one run of same-lane frames between two hops.
 * @outer, @inner: outermost and innermost frame of the run (borrowed from the stack),
 *   both NULL for a waypoint synthesised without a stack.
 * @encap: tunnel kind ("vxlan", ...) when this is a tunnel run that encapsulates.
 * @reenter: an IP run entered from a tunnel run: the second trip through the IP layer
 *   (ip_local_out after iptunnel_xmit).
 */
struct vx_waypoint {
	enum vx_lane lane;
	const char *outer;
	const char *inner;
	size_t nframes;
	const char *encap;
	bool reenter;
	bool decap;		/* synthesised: the decapsulation before the tunnel device's receive */
	bool synthetic;
};

#define VX_FLOW_MAX_WAYPOINTS 6

/* vx_flow_reenters - an arrow from @from to @to is the IP-layer re-entry after encapsulation */
static inline bool vx_flow_reenters(enum vx_lane from, enum vx_lane to)
{
	return from == VX_LANE_TUNNEL && to == VX_LANE_IP;
}

/*
 * vx_flow_between - the kernel route from hop @i-1 to hop @i of @j (from the start of the
 * stack when @i is 0): the runs of same-lane frames of hop @i's stack that hop @i-1's stack
 * does not share (compared from the outermost frame, within the softirq or task context
 * the event ran in), outermost first, without the last run when it lies in the hop's own
 * lane. When the journey re-enters IP after encapsulation but no stack shows it (no stack,
 * or the stacks' shared part hides it), the route tunnel -> IP is synthesised for the hop
 * whose path re-enters, or for the transmit that follows the tunnel device's transmit;
 * *@reentered (caller-kept, false before the first hop) makes that happen once per journey.
 * Before the receive on the tunnel device after decapsulation (j->decap_hop), whose stack
 * runs in another context than the decapsulation, a synthesised tunnel waypoint marks it.
 * Writes at most VX_FLOW_MAX_WAYPOINTS entries to @wp (the innermost ones) and returns
 * how many; *@dropped receives the number of runs left out.
 */
size_t vx_flow_between(const struct vx_journey *j, size_t i, struct vx_waypoint *wp,
		       size_t *dropped, bool *reentered);

/*
 * vx_unjoined_paths - the paths with a stack that no journey uses (events without an skb
 * address: route lookups, netlink, ...), most frequent first. *@out is malloc'd, the
 * caller frees it with free(). Returns 0 or -1.
 */
int vx_unjoined_paths(const struct vx_analysis *an, const struct vx_path ***out, size_t *n);

/* vx_path_journey - a one-hop journey standing for path @p, in @j and @hop (caller's) */
void vx_path_journey(const struct vx_path *p, struct vx_journey *j, struct vx_hop *hop);

/* vx_journey_vni - the VNI of the journey when an event carries a "vni" field, or NULL */
const char *vx_journey_vni(const struct vx_journey *j);

#endif
