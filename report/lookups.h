/* lookups.h: the route decision behind each hop. A FIB lookup (fib:fib_table_lookup,
 * fib6:fib6_table_lookup) runs before the skb reaches the device it chose, so it carries no
 * skb address; it is joined to the transmit hop it decided by CPU, time and device, and to a
 * drop by being the failed lookup between the drop and the hop before it.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_LOOKUPS_H
#define VX_LOOKUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/strbuf.h"

/* a lookup further from the hop than this (same CPU) did not decide it */
#define VX_LOOKUP_WINDOW_NS 10000000ULL	/* 10 ms: a socket send under software emulation */
/* vx_lookup_window_from - where the lookup of a hop at @ts is looked for from: @from (the
 * journey's previous hop), or VX_LOOKUP_WINDOW_NS back for a first hop (@from 0) */
static inline uint64_t vx_lookup_window_from(uint64_t from, uint64_t ts)
{
	return from ? from : ts > VX_LOOKUP_WINDOW_NS ? ts - VX_LOOKUP_WINDOW_NS : 0;
}

/*
 * struct vx_lookup - one FIB lookup and its result; strings borrowed from the event.
 * @dev: the resulting device, NULL when none ("-"); @gw: the gateway, NULL when the route
 * has none (the tracepoint leaves its gateway fields uncleared: a gateway counts only when
 * exactly one of gw4 and gw6 is non-zero); @proto, @sport, @dport: 0 when not given.
 */
struct vx_lookup {
	uint64_t ts_ns;
	int cpu;
	int table;
	bool ipv6;
	const char *src, *dst;
	int proto, sport, dport;
	const char *dev;
	const char *gw;
	int err;
};

/* vx_lookup_from_rec - parse @r when it is a FIB lookup event: 0, or -1 when it is not one */
int vx_lookup_from_rec(const struct vx_rec *r, struct vx_lookup *out);
/* vx_route_gateway - the gateway of an IPv4 lookup's result from its gw4 and gw6 fields, or
 * NULL. The tracepoint leaves both uninitialised when the nexthop has no gateway, so a
 * gateway counts only when exactly one of them is non-zero, and an IPv6 gateway of an IPv4
 * route (RFC 5549) only when it is link-local (fe80::/10) as such gateways are. */
const char *vx_route_gateway(const char *gw4, const char *gw6);
/* vx_route_table_name - "local", "main", "default", or the number, in @buf */
const char *vx_route_table_name(int table, char *buf, size_t size);
/* vx_route_err_meaning - "blackhole", "unreachable", "prohibit", "network unreachable",
 * "throw" for the FIB's error codes, NULL for 0 and for others */
const char *vx_route_err_meaning(int err);
/* vx_route_proto_name - "icmp", "tcp", "udp", "ipv6-icmp", NULL for 0 and others */
const char *vx_route_proto_name(int proto);
/* vx_lookup_describe - "routed by table main: 10.244.1.5 → 10.244.2.7 via 10.244.2.0 dev
 * vxlan.calico", or "route lookup err -22 (blackhole) in table main: ..." into @sb */
void vx_lookup_describe(const struct vx_lookup *l, struct strbuf *sb);

/*
 * struct vx_lookups - the lookups of a capture sorted by (capture, cpu, time), for joins.
 * vx_lookups_build() fills it from @n recs (the other events are skipped); the array is
 * malloc'd and freed by vx_lookups_release(); strings stay borrowed from the recs.
 */
struct vx_lookup_rec {
	int64_t capture_id;
	struct vx_lookup l;
};
struct vx_lookups {
	struct vx_lookup_rec *v;
	size_t n, cap;
};
int vx_lookups_build(const struct vx_rec *recs, size_t n, struct vx_lookups *out);
void vx_lookups_release(struct vx_lookups *ls);
/* vx_lookups_add - append one lookup (its strings must outlive @ls), for callers that see
 * the events one at a time; vx_lookups_sort() once they are all in, before any join */
void vx_lookups_add(struct vx_lookups *ls, int64_t capture_id, const struct vx_lookup *l);
void vx_lookups_sort(struct vx_lookups *ls);

/* the route rule, in one place: vx_lookup_decides_hop - @l (a successful lookup whose result
 * is @dev) can be what sent a transmit on @dev; vx_lookup_explains_drop - @l failed for real
 * (not a mere miss of one table, err -11, after which the next rule is tried). The joins
 * below, and the source's kept lookups (report --filter), pick with these. */
bool vx_lookup_decides_hop(const struct vx_lookup *l, const char *dev);
/* vx_lookup_rec_may_decide - the same rule on a lookup event before its fields are read: its
 * device as the store keeps it (the lookup's "name" field) must be @dev when it has one */
bool vx_lookup_rec_may_decide(const struct vx_rec *r, const char *dev);
bool vx_lookup_explains_drop(const struct vx_lookup *l);

/*
 * vx_lookup_for_hop - the lookup that decided a transmit on @dev at @ts on @cpu: the last
 * successful lookup on the same CPU since @from whose result is @dev. @from is the
 * journey's previous hop (the lookup moved the packet on from there), or 0 for a first hop,
 * which looks back VX_LOOKUP_WINDOW_NS. NULL when there is none: a route served from a
 * cache (a tunnel's dst_cache, a connected socket) runs no lookup.
 */
const struct vx_lookup *vx_lookup_for_hop(const struct vx_lookups *ls, int64_t capture_id, int cpu,
					  uint64_t from, uint64_t ts, const char *dev);
/*
 * vx_lookup_failed_between - the first failed lookup on @cpu in [@from, @to] that is not
 * a mere miss of one table (err -11, the next rule is tried): the one that explains a drop
 * at @to after a hop at @from. NULL when there is none.
 */
const struct vx_lookup *vx_lookup_failed_between(const struct vx_lookups *ls, int64_t capture_id,
						 int cpu, uint64_t from, uint64_t to);

#endif
