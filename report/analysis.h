/* analysis.h: what a capture means: layers of each frame, distinct paths (stacks) with
 * their IP-layer passes and encapsulation, and per-packet journeys joined by skb address.
 * Input is a struct vx_dataset loaded by the store; output is read by the renderers.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_ANALYSIS_H
#define VX_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../src/model.h"
#include "drops.h"
#include "lookups.h"
#include "packet.h"
#include "journey-rule.h"

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
 * struct vx_route - one route request the kernel validated (ip route add/del ...), rebuilt
 * from fib:fib_table_lookup / netlink:netlink_extack tracepoints or fib_check_nh kprobes.
 * @class: VALIDATED - the gateway was looked up in the FIB and found reachable;
 *         REJECTED  - the lookup failed or fib_check_nh returned an error;
 *         ONLINK    - no nexthop lookup in the main table, only the local-table check that
 *                     the gateway is not a local address: the gateway was taken as on-link;
 *         ACCEPTED  - fib_check_nh returned 0 but the capture has no lookup events to tell
 *                     validated from onlink.
 */
enum vx_route_class { VX_ROUTE_VALIDATED, VX_ROUTE_REJECTED, VX_ROUTE_ONLINK, VX_ROUTE_ACCEPTED };

struct vx_route {
	int id;
	int64_t capture_id;
	uint64_t ts_ns;
	int pid;
	const char *comm;
	const char *op;		/* "add", "delete", or NULL when the stack does not say */
	const char *family;	/* "inet" or "inet6" */
	const char *gateway;	/* NULL when no event carried it */
	const char *dev;	/* device the lookup resolved the gateway to, NULL when none */
	int table;		/* table of the nexthop lookup, -1 when there was none */
	enum vx_route_class class;
	bool has_err;
	int64_t err;		/* lookup err or fib_check_nh return value */
	const char *extack;	/* the kernel's message to the user, NULL when none */
	const struct vx_path *path;	/* the event that decided, NULL without stack */
	size_t nevents;
};

const char *vx_route_class_name(enum vx_route_class c);

/* one row of the drop summary: how many journeys died for one reason at one place */
struct vx_drop_count {
	const char *reason;	/* NULL when the kernel gives none */
	const char *location;	/* NULL when unknown */
	size_t count;
};

struct vx_analysis {
	const struct vx_dataset *ds;	/* borrowed */
	struct vx_path *paths;
	size_t npaths;
	struct vx_journey *journeys;
	size_t njourneys;
	struct vx_route *routes;
	size_t nroutes;
	int *rec_path;		/* per dataset rec: index into @paths, -1 without stack */
	struct vx_lookups lookups;	/* FIB lookups by (capture, cpu, time), for hops and drops */
	struct vx_drop_count *drops;	/* the drop summary, most frequent first */
	size_t ndrops;
	size_t frames;		/* stack frames of all paths */
	size_t unsymbolised_frames;	/* of which raw kernel addresses ("0xffff...") */
	struct arena arena;	/* everything above lives here or in the malloc'd arrays */
};

/* vx_analysis_build - analyse @ds (borrowed; must outlive @an). Free with vx_analysis_release() */
int vx_analysis_build(const struct vx_dataset *ds, struct vx_analysis *an);
void vx_analysis_release(struct vx_analysis *an);
/* vx_analysis_why - attach to each journey's transmit hops the route lookup that decided
 * them and to each dropped journey its drop, and build the drop summary (called by
 * vx_analysis_build; report/hop-why.c) */
int vx_analysis_why(struct vx_analysis *an);
/* vx_analysis_count_drops - (re)build the drop summary from the journeys' drops */
int vx_analysis_count_drops(struct vx_analysis *an);

/* vx_analysis_blind - NULL, or the one-line warning every renderer shows when most stack
 * frames are raw addresses: layers, passes and encapsulation cannot be told then */
const char *vx_analysis_blind(const struct vx_analysis *an);
/* vx_analysis_path_of - the path of a loaded event, or NULL */
const struct vx_path *vx_analysis_path_of(const struct vx_analysis *an, const struct vx_rec *r);

/* vx_routes_build - fill @an->routes from the dataset (called by vx_analysis_build) */
int vx_routes_build(struct vx_analysis *an);

/* path analysis on a bare list of frames (innermost first), used by the above and by tests */
int vx_frames_ip_passes(const char *const *frames, size_t n);
const char *vx_frames_encap(const char *const *frames, size_t n);
bool vx_frames_reenter_ip(const char *const *frames, size_t n);

#endif
