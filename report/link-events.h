/* link-events.h: the vocabulary of the events that follow a packet across skbs: which probe
 * events are a copying function's entry or return (clone, copy, GSO segmentation), a GRO
 * merge, a delivery to a socket, a read by a process, or a NAT rewrite. By name only, as
 * events.h for the device events. Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_LINK_EVENTS_H
#define VX_LINK_EVENTS_H

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

#endif
