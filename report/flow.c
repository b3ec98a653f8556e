/* flow.c: journey shapes, lanes and the kernel route between hops (see flow.h).
 * Shared by the diagram renderers; must not print or depend on an output format.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

static const char *const lane_titles[VX_LANE_COUNT] = {
	[VX_LANE_SOCKET] = "socket / syscall",
	[VX_LANE_L4] = "L4 (udp/tcp/icmp/raw)",
	[VX_LANE_IP] = "IP",
	[VX_LANE_ROUTE] = "routing / neighbour",
	[VX_LANE_TUNNEL] = "tunnel",
	[VX_LANE_DEV] = "device / L2",
	[VX_LANE_NIC] = "NIC / driver",
};

static const char *const lane_keys[VX_LANE_COUNT] = {
	[VX_LANE_SOCKET] = "socket",
	[VX_LANE_L4] = "l4",
	[VX_LANE_IP] = "ip",
	[VX_LANE_ROUTE] = "route",
	[VX_LANE_TUNNEL] = "tunnel",
	[VX_LANE_DEV] = "dev",
	[VX_LANE_NIC] = "nic",
};

const char *vx_lane_title(enum vx_lane l)
{
	return l < VX_LANE_COUNT ? lane_titles[l] : "other";
}

const char *vx_lane_key(enum vx_lane l)
{
	return l < VX_LANE_COUNT ? lane_keys[l] : "other";
}

enum vx_lane vx_lane_of_layer(enum vx_layer l)
{
	switch (l) {
	case VX_LAYER_SYSCALL:
	case VX_LAYER_SOCKET:
	case VX_LAYER_NETLINK:
		return VX_LANE_SOCKET;
	case VX_LAYER_L4:
		return VX_LANE_L4;
	case VX_LAYER_IP:
		return VX_LANE_IP;
	case VX_LAYER_ROUTE:
	case VX_LAYER_NEIGH:
		return VX_LANE_ROUTE;
	case VX_LAYER_TUNNEL:
		return VX_LANE_TUNNEL;
	case VX_LAYER_DEV:
	case VX_LAYER_SOFTIRQ:
		return VX_LANE_DEV;
	default:
		return VX_LANE_COUNT;
	}
}

/*
 * Tracepoints by the place in the stack where the kernel fires them. An entry ending in ':'
 * matches a whole system. Kprobe events (system probe/kprobes) are placed by the function
 * they probe instead (vx_layer_of), so probe:iptunnel_xmit lands in the tunnel row.
 */
static const struct {
	const char *name;
	enum vx_lane lane;
} event_lanes[] = {
	/* net/core/dev.c: the device layer proper */
	{ "net:net_dev_start_xmit", VX_LANE_DEV },
	{ "net:net_dev_queue", VX_LANE_DEV },
	{ "net:netif_receive_skb", VX_LANE_DEV },
	{ "net:netif_receive_skb_entry", VX_LANE_DEV },
	{ "net:netif_receive_skb_list_entry", VX_LANE_DEV },
	/* the driver hands the packet over (veth_xmit -> netif_rx, NAPI poll) or is done with it */
	{ "net:net_dev_xmit", VX_LANE_NIC },
	{ "net:netif_rx", VX_LANE_NIC },
	{ "net:netif_rx_entry", VX_LANE_NIC },
	{ "net:napi_gro_receive_entry", VX_LANE_NIC },
	{ "net:napi_gro_frags_entry", VX_LANE_NIC },
	{ "napi:", VX_LANE_NIC },
	/* routing and neighbours */
	{ "fib:", VX_LANE_ROUTE },
	{ "fib6:", VX_LANE_ROUTE },
	{ "neigh:", VX_LANE_ROUTE },
	/* transport and sockets */
	{ "udp:", VX_LANE_L4 },
	{ "tcp:", VX_LANE_L4 },
	{ "icmp:", VX_LANE_L4 },
	{ "sock:", VX_LANE_SOCKET },
	{ "netlink:", VX_LANE_SOCKET },
	{ "syscalls:", VX_LANE_SOCKET },
};

/* "ip_output", "ip_output__return", "p_ip_output_0" -> "ip_output" in @buf */
static const char *probe_function(const char *ev, char *buf, size_t bufsz)
{
	const char *colon = strchr(ev, ':');
	size_t n;

	if (!colon)
		return NULL;
	n = (size_t)(colon - ev);
	if (!((n == 5 && !strncmp(ev, "probe", 5)) || (n == 7 && !strncmp(ev, "kprobes", 7))))
		return NULL;
	ev = colon + 1;
	if ((ev[0] == 'p' || ev[0] == 'r') && ev[1] == '_')
		ev += 2;
	n = strlen(ev);
	if (n >= bufsz)
		return NULL;
	memcpy(buf, ev, n + 1);
	if (n > 8 && !strcmp(buf + n - 8, "__return"))
		buf[n -= 8] = '\0';
	/* anonymous ftrace kprobes end in _<number> */
	while (n > 0 && buf[n - 1] >= '0' && buf[n - 1] <= '9')
		n--;
	if (n > 0 && n < strlen(buf) && buf[n - 1] == '_')
		buf[n - 1] = '\0';
	return buf;
}

enum vx_lane vx_lane_of_event(const char *event)
{
	char fn[128];
	const char *f;

	if (!event)
		return VX_LANE_COUNT;
	for (size_t i = 0; i < sizeof(event_lanes) / sizeof(event_lanes[0]); i++) {
		const char *n = event_lanes[i].name;
		size_t len = strlen(n);

		if (n[len - 1] == ':' ? !strncmp(event, n, len) : !strcmp(event, n))
			return event_lanes[i].lane;
	}
	f = probe_function(event, fn, sizeof(fn));
	if (f)
		return vx_lane_of_layer(vx_layer_of(f));
	return VX_LANE_COUNT;
}

enum vx_lane vx_lane_of_hop(const struct vx_hop *h)
{
	enum vx_lane l = vx_lane_of_event(h->event);

	if (l != VX_LANE_COUNT)
		return l;
	if (h->path && h->path->stack)
		for (size_t i = 0; i < h->path->stack->nframes; i++) {
			l = vx_lane_of_layer(h->path->layers[i]);
			if (l != VX_LANE_COUNT)
				return l;
		}
	return VX_LANE_DEV;
}

/* ---- journey groups ---- */

static uint64_t hash_str(uint64_t h, const char *s)
{
	if (!s)
		s = "";
	return vx_hash64(h, s, strlen(s) + 1);
}

static uint64_t journey_shape(const struct vx_journey *j)
{
	uint64_t h = VX_HASH_INIT;

	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_hop *hp = &j->hops[i];
		int64_t pid = hp->path ? hp->path->id : 0;

		h = hash_str(h, hp->event);
		h = hash_str(h, hp->dev);
		h = vx_hash64(h, &hp->len, sizeof(hp->len));
		h = vx_hash64(h, &pid, sizeof(pid));
	}
	return vx_hash64(h, &j->nhops, sizeof(j->nhops));
}

static bool str_eq(const char *a, const char *b)
{
	return (!a || !b) ? a == b : !strcmp(a, b);
}

static bool same_shape(const struct vx_journey *a, const struct vx_journey *b)
{
	if (a->nhops != b->nhops)
		return false;
	for (size_t i = 0; i < a->nhops; i++) {
		const struct vx_hop *x = &a->hops[i], *y = &b->hops[i];

		if (!str_eq(x->event, y->event) || !str_eq(x->dev, y->dev) || x->len != y->len ||
		    x->path != y->path)
			return false;
	}
	return true;
}

struct shape_ref {
	uint64_t shape;
	const struct vx_journey *j;
};

static int cmp_shape_ref(const void *a, const void *b)
{
	const struct shape_ref *x = a, *y = b;

	if (x->shape != y->shape)
		return x->shape < y->shape ? -1 : 1;
	return x->j->id < y->j->id ? -1 : x->j->id > y->j->id;
}

static int cmp_group(const void *a, const void *b)
{
	const struct vx_journey_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->first->id < y->first->id ? -1 : x->first->id > y->first->id;
}

static int cmp_group_time(const void *a, const void *b)
{
	const struct vx_journey_group *x = a, *y = b;

	return x->first->id < y->first->id ? -1 : x->first->id > y->first->id;
}

/* the kept journeys @pick chooses, grouped by shape; *@out malloc'd */
static size_t group_kept(const struct vx_analysis *an, bool (*pick)(const struct vx_journey *),
			 struct vx_journey_group **out)
{
	struct shape_ref *refs = xmalloc((an->njourneys ? an->njourneys : 1) * sizeof(*refs));
	struct vx_journey_group *g = xmalloc((an->njourneys ? an->njourneys : 1) * sizeof(*g));
	size_t ng = 0, nr = 0;

	for (size_t i = 0; i < an->njourneys; i++)
		if (!pick || pick(&an->journeys[i])) {
			refs[nr].shape = journey_shape(&an->journeys[i]);
			refs[nr++].j = &an->journeys[i];
		}
	qsort(refs, nr, sizeof(*refs), cmp_shape_ref);
	for (size_t i = 0; i < nr; i++) {
		size_t k;

		/* groups of this hash run start at the first group with this hash */
		for (k = ng; k > 0 && g[k - 1].shape == refs[i].shape; k--)
			;
		for (; k < ng; k++)
			if (same_shape(g[k].first, refs[i].j))
				break;
		if (k < ng) {
			g[k].count++;
			continue;
		}
		g[ng].first = refs[i].j;
		g[ng].count = 1;
		g[ng].shape = refs[i].shape;
		g[ng].agg = NULL;
		ng++;
	}
	free(refs);
	*out = g;
	return ng;
}

static bool is_mine(const struct vx_journey *j)
{
	return j->mine;
}

int vx_journey_groups(const struct vx_analysis *an, struct vx_journey_group **out, size_t *n)
{
	struct vx_journey_group *g;

	*out = NULL;
	*n = 0;
	if (an->nshapes) {
		g = xcalloc(an->nshapes, sizeof(*g));
		for (size_t i = 0; i < an->nshapes; i++)
			g[i] = (struct vx_journey_group){ an->shapes[i].first, an->shapes[i].count,
							  an->shapes[i].hash, &an->shapes[i] };
		*out = g;
		*n = an->nshapes;
		return 0;
	}
	if (!an->njourneys)
		return 0;
	*n = group_kept(an, NULL, out);
	qsort(*out, *n, sizeof(**out), cmp_group);
	return 0;
}

int vx_journey_groups_split(const struct vx_analysis *an, bool mine, struct vx_journey_group **out, size_t *n)
{
	size_t k = 0;

	if (mine) {
		*n = group_kept(an, is_mine, out);
		qsort(*out, *n, sizeof(**out), cmp_group_time);
		return 0;
	}
	if (vx_journey_groups(an, out, n) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++)
		if (!vx_journey_is_mine(an, (*out)[i].first))
			(*out)[k++] = (*out)[i];
	*n = k;
	return 0;
}

/* ---- the route between two hops ---- */

/*
 * Frames of the context the event ran in: everything inward of the innermost softirq
 * frame (what lies outward of it is whatever the softirq interrupted), innermost first.
 */
static size_t context_frames(const struct vx_path *p)
{
	size_t n;

	if (!p || !p->stack)
		return 0;
	n = p->stack->nframes;
	for (size_t i = 0; i < n; i++)
		if (p->layers[i] == VX_LAYER_SOFTIRQ)
			return i;
	return n;
}

#define FLOW_MAX_RUNS 64

/*
 * stack_runs - phase 1: the runs of same-lane frames of @cur's stack that @prev's does not
 * share (compared from the outermost frame of the context each ran in), outermost first,
 * into @runs (FLOW_MAX_RUNS at most: the innermost are kept, *@lost counts the others).
 */
static size_t stack_runs(const struct vx_hop *cur, const struct vx_hop *prev, struct vx_waypoint *runs,
			 size_t *lost)
{
	const struct vx_path *cp = cur->path;
	size_t cn = context_frames(cp), pn = prev ? context_frames(prev->path) : 0;
	const char **cf, **pf;
	size_t common = 0, nruns = 0;

	if (!cp || !cp->stack)
		return 0;
	cf = cp->stack->frames;
	pf = pn ? prev->path->stack->frames : NULL;
	while (common < cn && common < pn && !strcmp(cf[cn - 1 - common], pf[pn - 1 - common]))
		common++;
	/* outermost new frame first */
	for (size_t k = cn - common; k-- > 0;) {
		enum vx_lane l = vx_lane_of_layer(cp->layers[k]);
		struct vx_waypoint *r;

		if (l == VX_LANE_COUNT)
			continue;
		if (nruns && runs[nruns - 1].lane == l) {
			r = &runs[nruns - 1];
			r->inner = cf[k];
			r->nframes++;
			if (l == VX_LANE_TUNNEL && !r->encap)
				r->encap = vx_tunnel_kind(cf[k]);
			continue;
		}
		if (nruns == FLOW_MAX_RUNS) {
			/* keep the innermost runs: slide the window */
			memmove(runs, runs + 1, (nruns - 1) * sizeof(runs[0]));
			nruns--;
			++*lost;
		}
		r = &runs[nruns++];
		memset(r, 0, sizeof(*r));
		r->lane = l;
		r->outer = r->inner = cf[k];
		r->nframes = 1;
		if (l == VX_LANE_TUNNEL)
			r->encap = vx_tunnel_kind(cf[k]);
	}
	return nruns;
}

/* phase 2: mark the IP runs entered from a tunnel run in runs[@first, @last); whether the
 * route drawn from @prev_lane through them to @cur_lane shows the re-entry */
static bool mark_reentries(struct vx_waypoint *runs, size_t first, size_t last, enum vx_lane prev_lane,
			   enum vx_lane cur_lane)
{
	bool shown = false;

	for (size_t k = first; k < last; k++) {
		enum vx_lane before = k > first ? runs[k - 1].lane : prev_lane;

		runs[k].reenter = runs[k].lane == VX_LANE_IP && before == VX_LANE_TUNNEL;
		shown |= runs[k].reenter;
	}
	if (last > first)
		shown |= vx_flow_reenters(runs[last - 1].lane, cur_lane);
	else
		shown |= vx_flow_reenters(prev_lane, cur_lane);
	return shown;
}

/* phase 3: hop @i of @j is where the journey re-enters IP although no stack shows it */
static bool reentry_unseen_at(const struct vx_journey *j, size_t i)
{
	const struct vx_hop *cur = &j->hops[i];
	const struct vx_hop *prev = i ? &j->hops[i - 1] : NULL;
	bool path_says = cur->path && cur->path->reenters_ip_after_encap;
	/* the analysis knows the underlay transmit; without it, the transmit that
	 * follows the tunnel device's transmit on another device */
	bool devs_say = j->encap_hop >= 0 ? (size_t)j->encap_hop == i :
			prev && j->tunnel_dev && prev->dev && cur->dev &&
			vx_event_is_xmit(prev->event) && vx_event_is_xmit(cur->event) &&
			!strcmp(prev->dev, j->tunnel_dev) && strcmp(cur->dev, j->tunnel_dev);

	return path_says || devs_say;
}

/* the synthesised route tunnel -> IP (two waypoints) */
static size_t synth_reentry(const struct vx_journey *j, const struct vx_path *cp, struct vx_waypoint *wp)
{
	memset(wp, 0, 2 * sizeof(*wp));
	wp[0].lane = VX_LANE_TUNNEL;
	wp[0].encap = j->encap ? j->encap : (cp ? cp->encap : NULL);
	wp[0].synthetic = true;
	wp[1].lane = VX_LANE_IP;
	wp[1].reenter = true;
	wp[1].synthetic = true;
	return 2;
}

/* phase 4: the innermost of runs[@first, @last) into @wp, at most @room of them, and the
 * synthesised decapsulation after them when @decap; *@lost counts what was left out */
static size_t copy_out(const struct vx_journey *j, const struct vx_waypoint *runs, size_t first, size_t last,
		       bool decap, struct vx_waypoint *wp, size_t *lost)
{
	size_t room = decap ? VX_FLOW_MAX_WAYPOINTS - 1 : VX_FLOW_MAX_WAYPOINTS, nout = last - first;

	if (nout > room) {
		first = last - room;
		*lost += nout - room;
		nout = room;
	}
	memcpy(wp, runs + first, nout * sizeof(*wp));
	if (!decap)
		return nout;
	/* the receive on the tunnel device after decapsulation: its stack runs in another
	 * context than the decapsulation, so a tunnel waypoint marks it */
	memset(&wp[nout], 0, sizeof(*wp));
	wp[nout].lane = VX_LANE_TUNNEL;
	wp[nout].encap = j->encap;
	wp[nout].decap = true;
	wp[nout].synthetic = true;
	return nout + 1;
}

size_t vx_flow_between(const struct vx_journey *j, size_t i, struct vx_waypoint *wp,
		       size_t *dropped, bool *reentered)
{
	const struct vx_hop *cur = &j->hops[i];
	const struct vx_hop *prev = i ? &j->hops[i - 1] : NULL;
	enum vx_lane cur_lane = vx_lane_of_hop(cur);
	enum vx_lane prev_lane = prev ? vx_lane_of_hop(prev) : VX_LANE_COUNT;
	struct vx_waypoint runs[FLOW_MAX_RUNS];
	size_t lost = 0, first = 0, last, nruns, nout;
	bool shown, decap = false;

	nruns = stack_runs(cur, prev, runs, &lost);
	/* the hop itself stands for the run of its own lane; so does the previous hop */
	last = nruns;
	if (last && runs[last - 1].lane == cur_lane)
		last--;
	while (prev && first < last && runs[first].lane == prev_lane)
		first++;
	shown = mark_reentries(runs, first, last, prev_lane, cur_lane);
	if (!shown && !*reentered && reentry_unseen_at(j, i)) {
		*reentered = true;
		*dropped = lost + nruns;
		return synth_reentry(j, cur->path, wp);
	}
	*reentered |= shown;
	if (j->decap_hop >= 0 && (size_t)j->decap_hop == i) {
		decap = true;
		for (size_t k = first; k < last; k++)
			decap &= runs[k].lane != VX_LANE_TUNNEL;
	}
	nout = copy_out(j, runs, first, last, decap, wp, &lost);
	*dropped = lost;
	return nout;
}

const char *vx_journey_vni(const struct vx_journey *j)
{
	for (size_t i = 0; i < j->nhops; i++) {
		const char *v = j->hops[i].rec ? vx_rec_field(j->hops[i].rec, "vni") : NULL;

		if (v && *v)
			return v;
	}
	return NULL;
}

static int cmp_path_count(const void *a, const void *b)
{
	const struct vx_path *x = *(const struct vx_path *const *)a;
	const struct vx_path *y = *(const struct vx_path *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

int vx_unjoined_paths(const struct vx_analysis *an, const struct vx_path ***out, size_t *n)
{
	unsigned char *used = xcalloc(an->npaths + 1, 1);
	const struct vx_path **list = xmalloc((an->npaths + 1) * sizeof(*list));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < an->npaths; i++)
		used[i] = an->paths[i].in_journey;
	for (size_t i = 0; i < an->njourneys; i++)
		for (size_t h = 0; h < an->journeys[i].nhops; h++) {
			const struct vx_path *p = an->journeys[i].hops[h].path;

			if (p && p >= an->paths && p < an->paths + an->npaths)
				used[p - an->paths] = 1;
		}
	for (size_t i = 0; i < an->npaths; i++)
		if (!used[i] && an->paths[i].stack && an->paths[i].stack->nframes)
			list[k++] = &an->paths[i];
	free(used);
	qsort(list, k, sizeof(*list), cmp_path_count);
	*out = list;
	*n = k;
	return 0;
}

void vx_path_journey(const struct vx_path *p, struct vx_journey *j, struct vx_hop *hop)
{
	memset(hop, 0, sizeof(*hop));
	memset(j, 0, sizeof(*j));
	hop->event = p->event;
	hop->len = -1;
	hop->path = p;
	j->id = p->id;
	j->hops = hop;
	j->nhops = 1;
	j->encap = p->encap;
	j->overhead_bytes = -1;
	j->encap_hop = -1;
	j->decap_hop = -1;
	j->reenters_ip_after_encap = p->reenters_ip_after_encap;
}
