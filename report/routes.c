/* routes.c: route requests (ip route add/del) rebuilt from a capture, and why the kernel
 * accepted or refused each: the seed's second story (fib_check_nh validates a gateway with a
 * FIB lookup unless `onlink` is given). Works from tracepoints (fib:fib_table_lookup,
 * netlink:netlink_extack, with stacks) and from kprobes (fib_check_nh*, its kretprobe,
 * netlink_recvmsg). Must not: print, touch the store.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

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

/* the bare event name after "system:" */
static const char *ev_base(const char *name)
{
	const char *c = strchr(name, ':');

	return c ? c + 1 : name;
}

static bool is_nh_probe(const char *name)
{
	return !strncmp(ev_base(name), "fib_check_nh", 12);
}

static bool is_ret_probe(const struct vx_rec *r)
{
	return is_nh_probe(r->name) && (vx_rec_field(r, "ret") || vx_rec_field(r, "__probe_func") ||
					strstr(ev_base(r->name), "ret"));
}

static bool is_recvmsg_probe(const char *name)
{
	return !strcmp(ev_base(name), "netlink_recvmsg");
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
	const char *ev = ev_base(r->name);

	if (is_nh_probe(r->name))
		return true;
	if (strcmp(ev, "fib_table_lookup") && strcmp(ev, "fib6_table_lookup") && strcmp(ev, "netlink_extack"))
		return false;
	return stack_has(st, "inet_rtm_") || stack_has(st, "inet6_rtm_") || stack_has(st, "fib_check_nh") ||
	       stack_has(st, "fib_create_info") || stack_has(st, "fib6_") || stack_has(st, "ip6_route_add");
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

static void classify(struct vx_route *q, const struct req_facts *f, const struct vx_analysis *an)
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
	q->path = decider ? vx_analysis_path_of(an, decider) : NULL;
}

int vx_routes_build(struct vx_analysis *an)
{
	const struct vx_dataset *ds = an->ds;
	struct open_req *open = NULL;
	size_t nopen = 0, cap = 0;
	struct req_facts *facts = NULL;

	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct vx_rec *r = &ds->recs[i];
		const struct vx_stack *st = r->stack_id ? vx_dataset_stack(ds, r->stack_id) : NULL;
		struct open_req *o = NULL;

		for (size_t k = 0; k < nopen; k++)
			if (open[k].capture_id == r->capture_id && open[k].pid == r->pid)
				o = &open[k];
		/* netlink_recvmsg: the requester reads the kernel's answer, the request is over */
		if (is_recvmsg_probe(r->name)) {
			if (o)
				o->open = false;
			continue;
		}
		if (!is_route_rec(r, st))
			continue;
		if (!o || !o->open || r->ts_ns > o->last_ts + REQUEST_GAP_NS) {
			if (!o) {
				open = realloc(open, (nopen + 1) * sizeof(*open));
				if (!open)
					abort();
				o = &open[nopen++];
			}
			if (an->nroutes == cap) {
				cap = cap ? cap * 2 : 16;
				an->routes = realloc(an->routes, cap * sizeof(*an->routes));
				facts = realloc(facts, cap * sizeof(*facts));
				if (!an->routes || !facts)
					abort();
			}
			struct vx_route *q = &an->routes[an->nroutes];

			memset(q, 0, sizeof(*q));
			memset(&facts[an->nroutes], 0, sizeof(*facts));
			q->id = (int)an->nroutes + 1;
			q->capture_id = r->capture_id;
			q->ts_ns = r->ts_ns;
			q->pid = r->pid;
			q->comm = r->comm;
			q->family = "inet";
			*o = (struct open_req){ r->capture_id, r->pid, an->nroutes++, r->ts_ns, true };
		}
		struct vx_route *q = &an->routes[o->idx];
		struct req_facts *f = &facts[o->idx];

		o->last_ts = r->ts_ns;
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

		const char *base = ev_base(r->name);

		if (!strcmp(base, "fib_table_lookup") || !strcmp(base, "fib6_table_lookup")) {
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
		} else if (!strcmp(base, "netlink_extack")) {
			f->extack = r;
		} else if (is_ret_probe(r)) {
			const char *ret = vx_rec_field(r, "ret");

			f->ret_probe = true;
			f->ret = ret ? atoll(ret) : 0;
			f->retrec = r;
		}
	}
	for (size_t i = 0; i < an->nroutes; i++)
		classify(&an->routes[i], &facts[i], an);
	free(open);
	free(facts);
	return 0;
}
