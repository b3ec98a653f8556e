/* links.h: one packet across skbs. A packet changes skb where the kernel clones or copies it,
 * cuts it into GSO segments or merges it by GRO; the recorder's probes show those calls
 * (an entry probe with the old skb and a kretprobe with the new one, paired on one CPU, or
 * skb_gro_receive with both skbs), and a link joins the journey of the old skb at that hop
 * with the journey of the new one. Links are found for the kept journeys after the journeys
 * are built, in one time-ordered walk of those probes (links.c), in memory bounded by the
 * kept journeys; the journey on the other side is numbered like the shapes' first journeys.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_LINKS_H
#define VX_LINKS_H

#include <stdbool.h>
#include <stddef.h>

enum vx_link_kind {
	VX_LINK_CLONE,		/* skb_clone */
	VX_LINK_COPY,		/* skb_copy, __pskb_copy_fclone, skb_copy_expand */
	VX_LINK_SEGMENT,	/* GSO: __skb_gso_segment's segment list */
	VX_LINK_MERGE,		/* GRO: skb_gro_receive(head, skb) */
	VX_LINK_KIND_COUNT
};

/* vx_link_kind_name - "clone", "copy", "segment", "merge": the JSON values, never renamed */
const char *vx_link_kind_name(enum vx_link_kind k);

/* what an event is to the links and verdicts, by its name (any system: vxanalyze:, probe:) */
enum vx_link_ev {
	VX_LEV_NONE = 0,
	VX_LEV_ENTRY,		/* a copying function's entry: its skb is the old one */
	VX_LEV_RETURN,		/* its return (name_ret, name__return): the skb is the new one */
	VX_LEV_MERGE,		/* skb_gro_receive: skb merged into field "head" */
	VX_LEV_DELIVER,		/* a socket queue took it (sock_queue_rcv, udp_queue_rcv, ...) */
	VX_LEV_READ,		/* a process read it (skb_copy_datagram_iter in recvmsg) */
	VX_LEV_NAT,		/* NAT rewrote its headers (nf_nat_manip_pkt) */
};

/*
 * vx_link_event_of - what @name ("vxanalyze:skb_clone_ret", "probe:skb_clone__return") is;
 * *@kind receives the link kind for ENTRY/RETURN/MERGE, *@func (may be NULL) the function
 * the event stands for ("skb_clone", a static string)
 */
enum vx_link_ev vx_link_event_of(const char *name, enum vx_link_kind *kind, const char **func);

/*
 * struct vx_link - one link of a journey to another, as the JSON report writes it:
 * @child: the other journey is the child (the clone, a segment, the packet merged into this
 *   one); false: it is the parent (this journey is the clone, segment or merged packet)
 * @journey_id: the other journey's id, 0 when it is not a journey of two hops or more
 * @hop: the hop of this journey where it happened (the call on the parent, the first hop of
 *   a child), -1 when not among its kept hops
 * @other_hop: the same on the other journey, -1 when unknown
 * @function: the kernel function (static)
 */
struct vx_link {
	enum vx_link_kind kind;
	bool child;
	int journey_id;
	int hop;
	int other_hop;
	const char *function;
};

#endif
