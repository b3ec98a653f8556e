/* join-int.h: what join.c and join-infer.c share inside the two-host join (not for other
 * modules: they use join.h). Must not: be included outside report/join*.c.
 */
#ifndef VX_JOIN_INT_H
#define VX_JOIN_INT_H

#include <stdbool.h>
#include <stddef.h>

struct vx_analysis;
struct vx_packet;

/*
 * vx_join_inferred - join the kept journeys no header joined and that carry no header
 * (@firstpkt[j] NULL) by their flow, outer length and time (join-infer.c); appends to
 * @an->join.joined, whose capacity is *@jcap.
 */
void vx_join_inferred(struct vx_analysis *an, const struct vx_packet *const *firstpkt, size_t *jcap);

#endif
