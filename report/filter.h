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

#include "journey.h"

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
/* vx_filter_match - does journey @j match @f (the analysis asks it of each journey as it is
 * finished: vx_analysis_opts.filter) */
bool vx_filter_match(const struct vx_filter *f, const struct vx_journey *j);

#endif
