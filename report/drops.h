/* drops.h: why a journey ended in a drop. skb:kfree_skb is a drop (consume_skb is a normal
 * free): its reason as the kernel names it, where it happened, and the failed route lookup
 * that explains it when the capture has one.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_DROPS_H
#define VX_DROPS_H

#include <stdbool.h>

#include "core/model.h"
#include "core/strbuf.h"
#include "events.h"
#include "lookups.h"

/*
 * struct vx_drop - strings borrowed from the event and its stack.
 * @reason: "NOT_SPECIFIED", "NETFILTER_DROP", ... or NULL (kernels before 5.17 have none);
 * @location: the dropping function: the event's location field when it is a symbol
 *   ("ip_error+0x94/0x1b0"), else the first frame of its stack past the freeing functions;
 *   NULL when neither tells. @lookup: the failed lookup that explains it, or NULL.
 */
struct vx_drop {
	const char *reason;
	const char *location;
	const struct vx_lookup *lookup;
	/* where the failed lookup is looked for: on @cpu in [@from, @to] (vx_journey_why) */
	int cpu;
	uint64_t from, to;
};

/* vx_drop_from_rec - reason and location of the drop event @r with stack @st (may be NULL) */
void vx_drop_from_rec(const struct vx_rec *r, const struct vx_stack *st, struct vx_drop *out);
/* vx_drop_describe - "dropped at ip_error (NOT_SPECIFIED) after route lookup err -22
 * (blackhole) in table main" into @sb */
void vx_drop_describe(const struct vx_drop *d, struct strbuf *sb);
/* vx_drop_describe_excused - the same free of a packet whose clone was delivered (verdict.h):
 * "freed at icmp_rcv (NOT_SPECIFIED) after a clone of it reached a socket: not a drop" */
void vx_drop_describe_excused(const struct vx_drop *d, struct strbuf *sb);

#endif
