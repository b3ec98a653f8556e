/* filter.h: `report --filter EXPR`, a small pcap-like language over journeys:
 *   host A | src A | dst A | net CIDR | port N | icmp | icmp6 | udp | tcp | dev GLOB | dropped |
 *   encap
 * combined with and/or/not (&&, ||, !) and parentheses. A journey matches through what is
 * known of it: the packet headers read at its hops (outer and inner), the route lookups of
 * its hops (addresses, protocol, ports), its devices, its drop and its encapsulation.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_FILTER_H
#define VX_FILTER_H

#include <stdbool.h>

#include "analysis.h"

struct vx_filter;

/*
 * vx_filter_parse - compile @expr. Returns the filter (free it with vx_filter_free()), or
 * NULL with vx_error() set to one line that names the column ("filter: column 6: expected
 * an address after 'host'").
 */
struct vx_filter *vx_filter_parse(const char *expr);
void vx_filter_free(struct vx_filter *f);
/* vx_filter_needs_routes - @f speaks of addresses, ports or protocols, which a journey may
 * know only from its hops' route lookups */
bool vx_filter_needs_routes(const struct vx_filter *f);
/* vx_filter_match - does journey @j match @f */
bool vx_filter_match(const struct vx_filter *f, const struct vx_journey *j);
/* vx_analysis_filter - keep only the journeys of @an that match @f (ids unchanged) and
 * recount the drop summary over them; 0, or -1 with vx_error() set. For an analysis built
 * whole (vx_analysis_build keeps every journey); shapes and totals are not recounted. The
 * report filters in the stream instead (vx_analysis_opts.filter: vx_filter_match() on each
 * journey as it is finished, before shapes, totals and the drop summary count it). */
int vx_analysis_filter(struct vx_analysis *an, const struct vx_filter *f);

#endif
