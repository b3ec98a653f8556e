/* routes.c: route requests (ip route add/del) rebuilt from a capture, and why the kernel
 * accepted or refused each: the seed's second story (fib_check_nh validates a gateway with a
 * FIB lookup unless `onlink` is given). Works from tracepoints (fib:fib_table_lookup,
 * netlink:netlink_extack, with stacks) and from kprobes (fib_check_nh*, its kretprobe,
 * netlink_recvmsg). Also the sentences that explain a request and one route event, for
 * every renderer. Must not: print, touch the store, know the analysis (routes.h).
 */
#include "routes.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "core/xalloc.h"

#define REQUEST_GAP_NS 1000000000ULL	/* events of one pid further apart are two requests */

const char *vx_route_class_name(enum vx_route_class c)
{
	switch (c) {
	case VX_ROUTE_VALIDATED: return "validated";
	case VX_ROUTE_REJECTED: return "rejected";
	case VX_ROUTE_ONLINK: return "onlink";
	case VX_ROUTE_ACCEPTED: return "accepted";
	}
	return "unknown";
}

static bool is_nh_probe(const char *name)
{
	return !strncmp(vx_event_base(name), "fib_check_nh", 12);
}

static bool is_ret_probe(const struct vx_rec *r)
{
	return is_nh_probe(r->name) && (vx_rec_field(r, "ret") || vx_rec_field(r, "__probe_func") ||
					strstr(vx_event_base(r->name), "ret"));
}

static bool is_recvmsg_probe(const char *name)
{
	return !strcmp(vx_event_base(name), "netlink_recvmsg");
}

static bool stack_has(const struct vx_stack *st, const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; st && i < st->nframes; i++)
		if (!strncmp(st->frames[i], prefix, n))
			return true;
	return false;
}

/* a rec belongs to a route request when it is evidence of the nexthop check (a nexthop
 * probe, a FIB lookup or the kernel's extack message) and its stack runs through the route
 * netlink handlers; other events under those handlers (the request's own netlink skb being
 * consumed, say) say nothing about the gateway and must not invent a request */
static bool is_route_rec(const struct vx_rec *r, const struct vx_stack *st)
{
	const char *ev = vx_event_base(r->name);

	if (is_nh_probe(r->name))
		return true;
	if (!vx_event_is_fib_lookup(r->name) && strcmp(ev, "netlink_extack"))
		return false;
	return stack_has(st, "inet_rtm_") || stack_has(st, "inet6_rtm_") || stack_has(st, "fib_check_nh") ||
	       stack_has(st, "fib_create_info") || stack_has(st, "fib6_") || stack_has(st, "ip6_route_add");
}

bool vx_is_route_event(const char *ev)
{
	return ev && (!strcmp(ev, "fib:fib_table_lookup") || !strcmp(ev, "fib6:fib6_table_lookup") ||
		      !strcmp(ev, "netlink:netlink_extack") || !strncmp(ev, "probe:fib_check_nh", 18) ||
		      !strncmp(ev, "kprobes:fib_check_nh", 20));
}

bool vx_route_event_kept(const struct vx_rec *r, const struct vx_stack *st)
{
	return is_recvmsg_probe(r->name) || is_route_rec(r, st);
}

struct open_req {
	int64_t capture_id;
	int pid;
	size_t idx;
	uint64_t last_ts;
	bool open;
};

/* decide the class of @q from what its events showed */
struct req_facts {
	bool nh_lookup, local_lookup, nh_ret_seen, ret_probe;
	int64_t nh_err, ret;
	const struct vx_rec *lookup, *local, *extack, *retrec, *any;
};

static void classify(struct vx_route *q, const struct req_facts *f)
{
	const struct vx_rec *decider = NULL;

	q->table = -1;
	if (f->nh_lookup) {
		decider = f->lookup;
		q->table = atoi(vx_rec_field(f->lookup, "tb_id") ? vx_rec_field(f->lookup, "tb_id") : "-1");
		q->has_err = true;
		q->err = f->nh_err;
		q->class = f->nh_err ? VX_ROUTE_REJECTED : VX_ROUTE_VALIDATED;
		if (!f->nh_err) {
			const char *d = vx_rec_field(f->lookup, "name");

			q->dev = d && strcmp(d, "-") ? d : NULL;
		}
	} else if (f->extack) {
		decider = f->extack;
		q->class = VX_ROUTE_REJECTED;
	} else if (f->ret_probe && f->ret != 0) {
		decider = f->retrec;
		q->class = VX_ROUTE_REJECTED;
	} else if (f->local_lookup) {
		decider = f->local;
		q->class = VX_ROUTE_ONLINK;
	} else {
		decider = f->retrec ? f->retrec : f->any;
		q->class = VX_ROUTE_ACCEPTED;
	}
	/* a failing return value outranks a successful lookup (a later check refused it) */
	if (f->ret_probe && f->ret != 0)
		q->class = VX_ROUTE_REJECTED;
	/* fib_check_nh's own return value is the verdict when the capture has it */
	if (f->ret_probe) {
		q->has_err = true;
		q->err = f->ret;
	}
	if (f->extack) {
		const char *msg = vx_rec_field(f->extack, "msg");

		q->extack = msg && *msg ? msg : NULL;	/* 6.1 prints it empty with hash-ptr off */
		if (q->class != VX_ROUTE_REJECTED && q->class != VX_ROUTE_VALIDATED)
			q->class = VX_ROUTE_REJECTED;
	}
	q->decider = decider;
}

/* what vx_routes_build() gathers: the requests, their facts, the requests still open */
struct routes_work {
	struct vx_route *routes;
	struct req_facts *facts;
	size_t n, cap;
	struct open_req *open;	/* one per (capture, pid) seen */
	size_t nopen, open_cap;
};

/* the request of @r's process (@o, NULL when it has none yet): its open one, or a new one;
 * returns the process's entry, whose idx is the request's index */
static struct open_req *request_of(struct routes_work *w, struct open_req *o, const struct vx_rec *r)
{
	struct vx_route *q;

	if (o && o->open && r->ts_ns <= o->last_ts + REQUEST_GAP_NS)
		return o;
	if (!o) {
		VX_GROW(w->open, w->nopen, w->open_cap);
		o = &w->open[w->nopen++];
	}
	if (w->n == w->cap) {
		size_t fcap = w->cap;

		VX_GROW(w->routes, w->n, w->cap);
		VX_GROW(w->facts, w->n, fcap);
	}
	q = &w->routes[w->n];
	memset(q, 0, sizeof(*q));
	memset(&w->facts[w->n], 0, sizeof(*w->facts));
	q->id = (int)w->n + 1;
	q->capture_id = r->capture_id;
	q->ts_ns = r->ts_ns;
	q->pid = r->pid;
	q->comm = r->comm;
	q->family = "inet";
	*o = (struct open_req){ r->capture_id, r->pid, w->n++, r->ts_ns, true };
	return o;
}

/* a FIB lookup of a request: the nexthop validation, or the local-table check */
static void lookup_fact(struct vx_route *q, struct req_facts *f, const struct vx_rec *r,
			const struct vx_stack *st)
{
	const char *dst = vx_rec_field(r, "dst");
	const char *err = vx_rec_field(r, "err");
	/* the local-table address-type check that runs with and without onlink */
	bool local = stack_has(st, "__inet_dev_addr_type") || stack_has(st, "inet_addr_type");

	if (dst && !q->gateway)
		q->gateway = dst;
	if (local) {
		if (!f->local_lookup) {
			f->local_lookup = true;
			f->local = r;
		}
	} else if (stack_has(st, "fib_check_nh") || !st) {
		/* the last nexthop lookup decides (fib_lookup retries after a table miss) */
		f->nh_lookup = true;
		f->nh_err = err ? atoll(err) : 0;
		f->lookup = r;
		if (dst)
			q->gateway = dst;
	}
}

/* what one event of a request says about it */
static void request_fact(struct vx_route *q, struct req_facts *f, const struct vx_rec *r,
			 const struct vx_stack *st)
{
	const char *base = vx_event_base(r->name);

	q->nevents++;
	if (!f->any)
		f->any = r;
	if (!q->comm)
		q->comm = r->comm;
	if (!q->op && (stack_has(st, "inet_rtm_newroute") || stack_has(st, "inet6_rtm_newroute")))
		q->op = "add";
	if (!q->op && (stack_has(st, "inet_rtm_delroute") || stack_has(st, "inet6_rtm_delroute")))
		q->op = "delete";
	if (stack_has(st, "inet6_rtm_") || stack_has(st, "fib6_") || strstr(r->name, "fib6"))
		q->family = "inet6";
	if (!strcmp(base, "fib_table_lookup") || !strcmp(base, "fib6_table_lookup")) {
		lookup_fact(q, f, r, st);
	} else if (!strcmp(base, "netlink_extack")) {
		f->extack = r;
	} else if (is_ret_probe(r)) {
		const char *ret = vx_rec_field(r, "ret");

		f->ret_probe = true;
		f->ret = ret ? atoll(ret) : 0;
		f->retrec = r;
	}
}

int vx_routes_build(const struct vx_dataset *ds, struct vx_route **out, size_t *n)
{
	struct routes_work w = { 0 };

	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct vx_rec *r = &ds->recs[i];
		const struct vx_stack *st = r->stack_id ? vx_dataset_stack(ds, r->stack_id) : NULL;
		struct open_req *o = NULL;

		for (size_t k = 0; k < w.nopen; k++)
			if (w.open[k].capture_id == r->capture_id && w.open[k].pid == r->pid)
				o = &w.open[k];
		/* netlink_recvmsg: the requester reads the kernel's answer, the request is over */
		if (is_recvmsg_probe(r->name)) {
			if (o)
				o->open = false;
			continue;
		}
		if (!is_route_rec(r, st))
			continue;
		o = request_of(&w, o, r);
		o->last_ts = r->ts_ns;
		request_fact(&w.routes[o->idx], &w.facts[o->idx], r, st);
	}
	for (size_t i = 0; i < w.n; i++)
		classify(&w.routes[i], &w.facts[i]);
	free(w.open);
	free(w.facts);
	*out = w.routes;
	*n = w.n;
	return 0;
}

/* ---- the sentences of the renderers ---- */

void vx_route_explain(const struct vx_route *q, struct strbuf *sb)
{
	const char *gw = q->gateway ? q->gateway : "the gateway";

	switch (q->class) {
	case VX_ROUTE_VALIDATED:
		strbuf_addf(sb, "validated: the kernel looked %s up in table %d and found it reachable", gw,
			    q->table);
		if (q->dev)
			strbuf_addf(sb, " on %s", q->dev);
		strbuf_addstr(sb, " (fib_check_nh -> fib_table_lookup, err 0).");
		break;
	case VX_ROUTE_REJECTED:
		if (q->table >= 0)
			strbuf_addf(sb, "rejected: the lookup of %s in table %d failed (err %lld)", gw, q->table,
				    (long long)q->err);
		else if (q->has_err)
			strbuf_addf(sb, "rejected: fib_check_nh returned %lld for %s", (long long)q->err, gw);
		else
			strbuf_addf(sb, "rejected: the kernel refused %s", gw);
		if (q->extack)
			strbuf_addf(sb, "; the kernel said \"%s\"", q->extack);
		strbuf_addstr(sb, ". Without onlink the gateway must be reachable through a route that"
				  " already exists; add that route first or say onlink.");
		break;
	case VX_ROUTE_ONLINK:
		strbuf_addf(sb, "onlink: no lookup of %s in the main table; onlink told the kernel the"
				" gateway is directly reachable on the given device (only the local-table check"
				" that it is not a local address ran).", gw);
		break;
	case VX_ROUTE_ACCEPTED:
		strbuf_addf(sb, "accepted: fib_check_nh returned 0 for %s; the capture has no FIB lookup"
				" events to tell a validated gateway from an onlink one.", gw);
		break;
	}
}

/* from the event's own fields and, for FIB lookups, from where its stack ran */
void vx_route_event_note(const struct vx_rec *r, const struct vx_stack *st, struct strbuf *sb)
{
	const char *err = vx_rec_field(r, "err");

	if (!strcmp(r->name, "netlink:netlink_extack")) {
		strbuf_addstr(sb, "the kernel refused the request: ");
		strbuf_addstr(sb, vx_rec_field(r, "msg") ? vx_rec_field(r, "msg") : "(no message)");
		return;
	}
	if (strstr(r->name, "fib_check_nh")) {
		const char *ret = vx_rec_field(r, "ret");

		strbuf_addstr(sb, "nexthop check");
		if (ret) {
			strbuf_addstr(sb, " returned ");
			strbuf_addstr(sb, ret);
			if (!strcmp(ret, "0"))
				strbuf_addstr(sb, " (gateway accepted)");
			else if (!strcmp(ret, "-101"))
				strbuf_addstr(sb, " (-ENETUNREACH: gateway not reachable)");
		}
		return;
	}
	if (stack_has(st, "__inet_dev_addr_type") && stack_has(st, "fib_check_nh"))
		strbuf_addstr(sb, "local-table lookup: is the gateway a local address? (onlink route)");
	else if (stack_has(st, "fib_check_nh"))
		strbuf_addstr(sb, "nexthop validation lookup: is the gateway reachable? (route without onlink)");
	else if (stack_has(st, "ip_route_input") || stack_has(st, "ip_rcv"))
		strbuf_addstr(sb, "route lookup for a received packet");
	else if (stack_has(st, "ip_route_output") || stack_has(st, "ip_queue_xmit"))
		strbuf_addstr(sb, "route lookup for a sent packet");
	else
		strbuf_addstr(sb, "route lookup");
	if (err && strcmp(err, "0")) {
		strbuf_addstr(sb, "; err ");
		strbuf_addstr(sb, err);
		if (!strcmp(err, "-11"))
			strbuf_addstr(sb, " (no matching route in this table)");
	}
}
