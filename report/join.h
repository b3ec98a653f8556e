/* join.h: two hosts, one journey. Joins the journeys of captures from different hosts that
 * carry the same packet (its identity from the headers a kprobe read: the tuple, IP id, ICMP
 * id and sequence, TCP sequence; the outer UDP tuple and IP id at the tunnel hops) into one
 * joined journey, sender first, and estimates each host's clock offset from the packets that
 * crossed the wire in both directions (the minimum one-way delays, as NTP does).
 * Without headers (tracepoint-only captures) the encapsulated journeys are matched on the
 * inner flow their route lookups name, the outer length on the wire and their order (or,
 * where some were lost, their time) within that flow, and said to be inferred (join-infer.c).
 * Works on the journeys the analysis keeps in detail (--max-journeys), so its memory is
 * bounded by them. Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_JOIN_H
#define VX_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vx_analysis;
struct vx_journey;
struct vx_packet;
struct vx_lookup;

/* a joined journey has at most this many parts (one per host) */
#define VX_JOIN_MAX_PARTS 4

/*
 * struct vx_host_clock - one host of the report: the captures with the same boot id (or,
 * without one, the same host name). @offset_ns is this host's clock minus the reference
 * host's (the host of the first capture, offset 0), known when packets crossed between
 * them in both directions: offset = (min d_ab - min d_ba) / 2, uncertainty = (min d_ab +
 * min d_ba) / 2, where d_ab is a receive time on this host minus the send time on the
 * reference host, and d_ba the other way round.
 */
struct vx_host_clock {
	const char *name;	/* host name, or "boot <id>" without one */
	const char *key;	/* boot id or host name: what tells hosts apart */
	bool reference;
	bool known;
	int64_t offset_ns, uncertainty_ns;
	int64_t min_to_ns, min_from_ns;	/* min d from / to the reference host, INT64_MAX none */
	size_t samples;
	/* with a window of kept journeys aligned on the other hosts' (analysis.c): its kept
	 * journeys start at @kept_from_ns on its own clock, not at its first journey */
	bool kept_from;
	uint64_t kept_from_ns;
};

/*
 * struct vx_joined - one packet seen on several hosts: @parts (journeys of an->journeys) in
 * the packet's order, sender first. @wire_ns[i] is the one-way time from part i-1's last
 * transmit to part i's first hop on the aligned clocks, ± @wire_unc_ns[i], when @wire_known[i].
 * @ordered: the direction was told by the hops (the later part starts with a receive).
 */
struct vx_joined {
	int id;
	size_t nparts;
	struct vx_journey *parts[VX_JOIN_MAX_PARTS];
	int host[VX_JOIN_MAX_PARTS];	/* index into vx_join.hosts */
	int64_t wire_ns[VX_JOIN_MAX_PARTS], wire_unc_ns[VX_JOIN_MAX_PARTS];
	bool wire_known[VX_JOIN_MAX_PARTS];
	size_t send_hop[VX_JOIN_MAX_PARTS];	/* part i-1's hop the wire starts at */
	bool ordered;
	const struct vx_packet *pkt;	/* the packet it was joined on (a hop's headers), or NULL */
	/* inferred: no headers (tracepoint-only captures); joined on the inner flow of the hops'
	 * route lookups, the outer length on the wire and the order within that flow; @flow is
	 * the sender's tunnel-device lookup */
	bool inferred;
	const struct vx_lookup *flow;
};

struct vx_join {
	struct vx_host_clock *hosts;	/* malloc'd */
	size_t nhosts;
	int *capture_host;	/* by index of ds->captures: index into @hosts, -1 unknown */
	struct vx_joined *joined;	/* malloc'd, in the time order of their first part */
	size_t njoined;
	size_t with_identity;	/* kept journeys whose hops carry a packet identity */
	size_t ambiguous;	/* journeys left apart: their identity matched two journeys of a host */
	size_t inferred;	/* joined journeys of them matched without headers */
	size_t inferred_apart;	/* journeys without headers left apart: their flow's sends and
				 * receives do not pair up one to one */
};

/* vx_join_hosts - fill @an->join's hosts and capture_host from @an->ds's captures (once:
 * the journey builder keeps each host's first journeys with them); 0 or -1 */
int vx_join_hosts(struct vx_analysis *an);
/* vx_join_build - fill @an->join from @an->journeys and set each journey's joined/host; 0 or -1 */
int vx_join_build(struct vx_analysis *an);
void vx_join_release(struct vx_join *jn);

/* vx_join_host_of - index into an->join.hosts of capture @capture_id, -1 when unknown */
int vx_join_host_of(const struct vx_analysis *an, int64_t capture_id);
/* vx_join_host_name - the name of host @h (NULL for -1) */
const char *vx_join_host_name(const struct vx_analysis *an, int h);
/* vx_join_aligned - @ts of host @h on the reference host's clock (unchanged when unknown) */
int64_t vx_join_aligned(const struct vx_analysis *an, int h, uint64_t ts);

/* vx_join_send_hop - the hop of @j its packet left the host at: its last transmit, else its
 * last hop (a part's wire to the next part starts there) */
size_t vx_join_send_hop(const struct vx_journey *j);

/* vx_join_kept - the kept journey (an->journeys, where the join marks are) that @j is, or is
 * a copy of (a shape's first journey), or NULL */
const struct vx_journey *vx_join_kept(const struct vx_analysis *an, const struct vx_journey *j);
/* vx_joined_describe - the joined packet in words: its headers, or for an inferred match the
 * flow of its route lookups and that it is inferred */
struct strbuf;
void vx_joined_describe(const struct vx_joined *jd, struct strbuf *sb);

/* vx_packet_identity - a 64-bit identity of the IP packet (tuple, IP id, ICMP id/seq, TCP
 * seq; not the TTL), 0 when the headers do not tell it from others */
struct vx_ip;
uint64_t vx_packet_identity(const struct vx_ip *ip);
/* vx_journey_identities - the distinct identities of @j's packets (outer and inner, of every
 * hop with headers) into @ids, which holds 2 per hop; returns how many */
struct vx_journey;
size_t vx_journey_identities(const struct vx_journey *j, uint64_t *ids);

#endif
