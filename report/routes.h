/* routes.h: route requests (ip route add/del) rebuilt from a capture's route events, the
 * class the kernel's checks put each in, and the sentences that explain a request and one
 * route event. Reads events and stacks only: knows nothing of the analysis that calls it.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_ROUTES_H
#define VX_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/strbuf.h"

struct vx_path;

/*
 * struct vx_route - one route request the kernel validated (ip route add/del ...), rebuilt
 * from fib:fib_table_lookup / netlink:netlink_extack tracepoints or fib_check_nh kprobes.
 * @class: VALIDATED - the gateway was looked up in the FIB and found reachable;
 *         REJECTED  - the lookup failed or fib_check_nh returned an error;
 *         ONLINK    - no nexthop lookup in the main table, only the local-table check that
 *                     the gateway is not a local address: the gateway was taken as on-link;
 *         ACCEPTED  - fib_check_nh returned 0 but the capture has no lookup events to tell
 *                     validated from onlink.
 */
enum vx_route_class { VX_ROUTE_VALIDATED, VX_ROUTE_REJECTED, VX_ROUTE_ONLINK, VX_ROUTE_ACCEPTED };

struct vx_route {
	int id;
	int64_t capture_id;
	uint64_t ts_ns;
	int pid;
	const char *comm;
	const char *op;		/* "add", "delete", or NULL when the stack does not say */
	const char *family;	/* "inet" or "inet6" */
	const char *gateway;	/* NULL when no event carried it */
	const char *dev;	/* device the lookup resolved the gateway to, NULL when none */
	int table;		/* table of the nexthop lookup, -1 when there was none */
	enum vx_route_class class;
	bool has_err;
	int64_t err;		/* lookup err or fib_check_nh return value */
	const char *extack;	/* the kernel's message to the user, NULL when none */
	const struct vx_rec *decider;	/* the event that decided (in the dataset), or NULL */
	const struct vx_path *path;	/* its path, NULL without stack (set by the analysis) */
	size_t nevents;
};

const char *vx_route_class_name(enum vx_route_class c);

/* vx_is_route_event - fib lookups, netlink extack, nexthop probes: the route events table */
bool vx_is_route_event(const char *name);
/* vx_route_event_kept - @r matters to the route requests (vx_routes_build keeps it) */
bool vx_route_event_kept(const struct vx_rec *r, const struct vx_stack *st);

/*
 * vx_routes_build - the route requests of @ds (borrowed: the requests point into it), in
 * time order, into *@out (malloc'd, the caller frees it with free()) and *@n; each one's
 * @decider is set, its @path left NULL for the caller. Returns 0.
 */
int vx_routes_build(const struct vx_dataset *ds, struct vx_route **out, size_t *n);

/* vx_route_explain - one or two sentences on why the kernel classed @q as it did */
void vx_route_explain(const struct vx_route *q, struct strbuf *sb);
/* vx_route_event_note - what one route event @r with stack @st (may be NULL) means, in a
 * sentence, into @sb (capture text: the caller escapes it) */
void vx_route_event_note(const struct vx_rec *r, const struct vx_stack *st, struct strbuf *sb);

#endif
