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
#include <stdint.h>

#include "link-events.h"

/*
 * struct vx_link - one link of a journey to another, as the JSON report writes it:
 * @child: the other journey is the child (the clone, a segment, the packet merged into this
 *   one); false: it is the parent (this journey is the clone, segment or merged packet)
 * @journey_id: the other journey's id, 0 when it is not a journey of two hops or more
 * @hop: the hop of this journey where it happened (the call on the parent, the first hop of
 *   a child), -1 when not among its kept hops
 * @other_hop: the same on the other journey, -1 when unknown
 * @function: the kernel function (static)
 * @other_first_id: the event id of the other journey's first hop (its key), 0 when it is
 *   not a journey of two hops or more; set for the journeys an analysis hands on as they
 *   end (journey_each), whose ids are not known yet
 */
struct vx_link {
	enum vx_link_kind kind;
	bool child;
	int journey_id;
	int hop;
	int other_hop;
	const char *function;
	int64_t other_first_id;
};

#endif
