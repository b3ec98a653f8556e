/* verdict.h: what happened to the packet a journey carried, in one word: delivered (to a
 * socket, with the reading process when the capture shows it, or to the kernel's own stack),
 * sent (left on a device), dropped, merged (GRO), segmented (GSO) or unknown; and what a
 * stack says about the free that ends a journey. The old end (freed, reused, silence,
 * capture_end; journey-rule.h) stays beside it as the detail.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_VERDICT_H
#define VX_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/model.h"
#include "core/strbuf.h"

enum vx_verdict_kind {
	VX_VERDICT_UNKNOWN = 0,	/* the capture ended first, or the address was reused unseen */
	VX_VERDICT_DELIVERED,	/* handed to a socket, or consumed by the local stack */
	VX_VERDICT_SENT,	/* left the host on a device */
	VX_VERDICT_DROPPED,	/* freed with a drop (skb:kfree_skb), no clone of it delivered */
	VX_VERDICT_MERGED,	/* GRO merged it into another packet (links: merge) */
	VX_VERDICT_SEGMENTED,	/* GSO cut it into segments (links: segment) */
	VX_VERDICT_COUNT
};

/* vx_verdict_name - "unknown", "delivered", "sent", "dropped", "merged", "segmented": the JSON
 * report's journeys[].end values, never renamed */
const char *vx_verdict_name(enum vx_verdict_kind k);

/*
 * struct vx_verdict - a journey's verdict; strings borrowed from the journey's hops and
 * paths (a kept journey has copies).
 * @hop: the hop that decided (the delivery, the merge, the segmentation, the last transmit,
 *   the drop), -1 when none of the kept hops did
 * @where: the function that delivered, merged or segmented it, or the device it left on
 * @pid, @comm: delivered: the receiving process (a read in its recvmsg), -1 / NULL unknown
 * @local: delivered to the kernel's own stack (icmp_rcv answering an echo), not a socket
 * @via_clone: delivered through a clone or copy of it (links.h); its own free is not a drop
 */
struct vx_verdict {
	enum vx_verdict_kind kind;
	int hop;
	const char *where;
	int pid;
	const char *comm;
	bool local;
	bool via_clone;
};

/*
 * struct vx_path_end - what a stack says about a free at its top, computed once per path:
 * @reader: the free runs in a process reading the packet (recvmsg, skb_free_datagram)
 * @local: the free runs in the local stack's receive (a transport or socket frame)
 * @consumer: the first frame past the freeing functions (icmp_rcv), NULL when none
 */
struct vx_path_end {
	bool reader;
	bool local;
	const char *consumer;
};

/* vx_path_end_init - classify the frames (innermost first) of a path's stack */
void vx_path_end_init(struct vx_path_end *e, const char *const *frames, size_t n);

struct vx_journey;
struct vx_path;
/*
 * vx_journey_verdict - decide @j's verdict from its hops and its last event @last (name and
 * pid/comm; may be NULL) with the path of that event (may be NULL), in this order: merged
 * (a GRO merge probe on it), dropped (it ended in skb:kfree_skb), segmented (a GSO
 * segmentation of it), delivered (a socket queue or read probe, or a consume in a reader or
 * in the local stack after its last receive), sent (its last device step is a transmit),
 * unknown. A dropped journey's clone can still turn it into delivered (links.c).
 */
void vx_journey_verdict(struct vx_journey *j, const struct vx_rec *last, const struct vx_path *last_path);

/* vx_verdict_describe - "delivered to ping (pid 123)", "delivered to the local stack at
 * icmp_rcv", "sent on eth0", "merged by skb_gro_receive", ... into @sb */
void vx_verdict_describe(const struct vx_verdict *v, struct strbuf *sb);

#endif
