/* join-infer.c: the two-host join of journeys without headers (tracepoint-only captures).
 * An encapsulated send is grouped with the receives of the same flow on another host: the
 * inner destination its tunnel lookup names and the outer length on the wire. A group whose
 * sends and receives pair up one to one is joined in order, unless that order disagrees with
 * the direction's delay (a send lost at one end and a receive at the other shift the order by
 * one: it is then paired by time). A group that lost some (events
 * lost, a packet dropped, a capture that began or ended in the middle of the flow) is joined
 * by time: each send predicts its receive at the send time plus the direction's delay on the
 * raw clocks (from the packets already joined that way, or, when there are none, the shift
 * between the first sends and receives that pairs the most of them and, with the other
 * direction, gives the smallest positive round trip: a shift by one packet gives a round
 * trip a packet interval longer, or negative), and a send and a receive are joined when each
 * is the other's nearest and they are closer than a quarter of the gap to their neighbours.
 * What stays unpaired is counted apart. Must not: touch the store, parse inputs, or print.
 */
#include "join.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

#include "analysis.h"
#include "events.h"
#include "join-int.h"
#include "core/xalloc.h"

/* VXLAN over IPv4 adds 50 bytes: outer Ethernet 14, IP 20, UDP 8, VXLAN 8; a transmit's
 * length counts the Ethernet header, a receive's does not */
#define ETH_HLEN_ 14
#define VXLAN4_OVERHEAD 50
/* shifts tried for a direction without a known delay: first sends x first receives */
#define SHIFT_TRIES 8

struct flowkey {
	uint64_t key;
	int host;
	bool sender;
	size_t journey;
	int64_t ts;		/* on the wire: a sender's encapsulated transmit, a receiver's first hop */
	const struct vx_lookup *flow;
};

static int cmp_flowkey(const void *a, const void *b)
{
	const struct flowkey *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->sender != y->sender)
		return x->sender ? -1 : 1;
	return (x->ts > y->ts) - (x->ts < y->ts);
}

/* the group of a send or receive: the inner destination and the outer length. The forward
 * lookups of the tracepoint carry no protocol or ports (input routes), and a hop's lookup may
 * name no source (0.0.0.0), so sources are checked pair by pair instead (flows_agree) */
static uint64_t flow_hash(const struct vx_lookup *l, int64_t wire_len)
{
	uint64_t h = 0x464c4f574b4559ULL;

	if (!l->dst)
		return 0;
	h = vx_hash64(h, l->dst, strlen(l->dst) + 1);
	h = vx_hash64(h, &wire_len, sizeof(wire_len));
	return h ? h : 1;
}

static bool known_addr(const char *a)
{
	return a && *a && strcmp(a, "0.0.0.0") && strcmp(a, "::");
}

/* two lookups that may be of one packet: sources, protocols and ports agree where both know them */
static bool flows_agree(const struct vx_lookup *a, const struct vx_lookup *b)
{
	if (!a || !b)
		return true;
	if (known_addr(a->src) && known_addr(b->src) && strcmp(a->src, b->src))
		return false;
	if (a->proto > 0 && b->proto > 0 && a->proto != b->proto)
		return false;
	return !(a->sport > 0 && b->sport > 0 && (a->sport != b->sport || a->dport != b->dport));
}

/* @j as the sender of an encapsulated packet: the flow of its tunnel transmit's lookup and
 * the outer packet's IP length on the wire; 0 when it is not one */
static uint64_t sender_key(const struct vx_journey *j, const struct vx_lookup **flow)
{
	const struct vx_lookup *l = NULL;

	if (!j->encap || j->encap_hop < 0 || !j->tunnel_dev || j->hops[j->encap_hop].len <= ETH_HLEN_)
		return 0;
	for (int i = 0; i < j->encap_hop && !l; i++)
		if (j->hops[i].route && j->hops[i].dev && !strcmp(j->hops[i].dev, j->tunnel_dev))
			l = j->hops[i].route;
	*flow = l;
	return l ? flow_hash(l, j->hops[j->encap_hop].len - ETH_HLEN_) : 0;
}

/* @j as the receiver: it starts with the outer packet's receive, a receive VXLAN's overhead
 * shorter follows (the decapsulated packet), and a transmit after it was routed by a lookup
 * of the inner flow; 0 when it is not one */
static uint64_t receiver_key(const struct vx_journey *j, const struct vx_lookup **flow)
{
	int64_t outer = j->nhops ? j->hops[0].len : -1;

	if (!j->nhops || !vx_event_is_arrival(j->hops[0].event) || outer <= VXLAN4_OVERHEAD)
		return 0;
	for (size_t i = 1; i < j->nhops; i++) {
		if (!vx_event_is_arrival(j->hops[i].event) || j->hops[i].len != outer - VXLAN4_OVERHEAD)
			continue;
		for (size_t k = i + 1; k < j->nhops; k++)
			if (j->hops[k].route) {
				*flow = j->hops[k].route;
				return flow_hash(j->hops[k].route, outer);
			}
		return 0;
	}
	return 0;
}

/* struct group - one flow's sends @s (from host @hs) and receives @r (on host @hr), each in
 * wire time order */
struct group {
	struct flowkey *s, *r;
	size_t ns, nr;
	int hs, hr;
	bool in_order;		/* as many sends as receives, the k-th's flows agree */
};

/* struct dir_delay - what is known of the delay from host a to host b on the raw clocks */
struct dir_delay {
	int64_t *d;		/* from joined packets; malloc'd */
	size_t n, cap;
	bool known;
	int64_t delay;
};

static void delay_add(struct dir_delay *dd, int64_t d)
{
	VX_GROW(dd->d, dd->n, dd->cap);
	dd->d[dd->n++] = d;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t gap_around(const struct flowkey *v, size_t n, size_t i)
{
	int64_t g = INT64_MAX;

	if (i > 0 && v[i].ts - v[i - 1].ts < g)
		g = v[i].ts - v[i - 1].ts;
	if (i + 1 < n && v[i + 1].ts - v[i].ts < g)
		g = v[i + 1].ts - v[i].ts;
	return g;
}

/* the entry of @r (@nr > 0, in time order) nearest to time @t */
static size_t nearest(const struct flowkey *r, size_t nr, int64_t t)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r[mid].ts < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == nr)
		return nr - 1;
	if (lo > 0 && t - r[lo - 1].ts <= r[lo].ts - t)
		return lo - 1;
	return lo;
}

static int64_t absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

/*
 * pair_by_time - the pairs of @g when the receives come @delay after the sends: send i and
 * receive j when each is the other's nearest (predicted) and they are closer than a quarter
 * of the gap to either's neighbours. With @pairs NULL only counts; else writes receive index
 * or -1 per send into @pairs.
 */
static size_t pair_by_time(const struct group *g, int64_t delay, ssize_t *pairs)
{
	size_t n = 0;

	for (size_t i = 0; i < g->ns; i++) {
		int64_t t = g->s[i].ts + delay;
		size_t j = nearest(g->r, g->nr, t);
		size_t back = nearest(g->s, g->ns, g->r[j].ts - delay);
		int64_t res = absdiff(g->r[j].ts, t), gs = gap_around(g->s, g->ns, i),
			gr = gap_around(g->r, g->nr, j);
		bool ok = back == i && res < (gs < gr ? gs : gr) / 4 && flows_agree(g->s[i].flow, g->r[j].flow);

		if (pairs)
			pairs[i] = ok ? (ssize_t)j : -1;
		n += ok;
	}
	return n;
}

/* the k-th send and k-th receive of @g (as many of each) are @delay apart within a quarter
 * of the gap to their neighbours */
static bool in_step(const struct group *g, int64_t delay)
{
	for (size_t k = 0; k < g->ns; k++) {
		int64_t gs = gap_around(g->s, g->ns, k), gr = gap_around(g->r, g->nr, k);

		if (absdiff(g->r[k].ts - g->s[k].ts, delay) >= (gs < gr ? gs : gr) / 4)
			return false;
	}
	return true;
}

/* the median of @g's k-th receive minus k-th send (as many of each) */
static int64_t own_delay(const struct group *g)
{
	int64_t *d = xmalloc((g->ns ? g->ns : 1) * sizeof(*d)), m;

	for (size_t k = 0; k < g->ns; k++)
		d[k] = g->r[k].ts - g->s[k].ts;
	qsort(d, g->ns, sizeof(*d), cmp_i64);
	m = g->ns ? d[g->ns / 2] : 0;
	free(d);
	return m;
}

static void add_joined(struct vx_analysis *an, size_t *jcap, const struct group *g, size_t i, size_t j)
{
	struct vx_join *jn = &an->join;
	struct vx_joined jd = { 0 };

	jd.nparts = 2;
	jd.parts[0] = &an->journeys[g->s[i].journey];
	jd.parts[1] = &an->journeys[g->r[j].journey];
	jd.host[0] = g->hs;
	jd.host[1] = g->hr;
	jd.ordered = true;
	jd.inferred = true;
	jd.flow = g->s[i].flow;
	jd.send_hop[1] = (size_t)jd.parts[0]->encap_hop;
	VX_GROW(jn->joined, jn->njoined, *jcap);
	jn->joined[jn->njoined++] = jd;
	jn->inferred++;
}

/* struct shift - a candidate delay of a direction and how many pairs it makes */
struct shift {
	int64_t delay;
	size_t pairs;
};

/* the shifts between the first sends and the first receives of @g, in @out (SHIFT_TRIES^2) */
static size_t shifts_of(const struct group *g, struct shift *out)
{
	size_t n = 0;

	for (size_t i = 0; i < g->ns && i < SHIFT_TRIES; i++)
		for (size_t j = 0; j < g->nr && j < SHIFT_TRIES; j++) {
			int64_t d = g->r[j].ts - g->s[i].ts;

			out[n++] = (struct shift){ d, pair_by_time(g, d, NULL) };
		}
	return n;
}

/*
 * choose_delays - the delays of the directions of @g (a to b) and @back (b to a, NULL when
 * no group goes that way; its delay may be known in @dback): the shifts that pair the most,
 * with a positive round trip, the smallest one. A direction with no way back stays unknown
 * (nothing tells a shift by one packet from the right one).
 */
static void choose_delays(const struct group *g, struct dir_delay *d, const struct group *back,
			  struct dir_delay *dback)
{
	struct shift a[SHIFT_TRIES * SHIFT_TRIES], b[SHIFT_TRIES * SHIFT_TRIES];
	size_t na = shifts_of(g, a), nb, best = 0;
	int64_t best_rtt = INT64_MAX, da = 0, db = 0;

	if (dback->known) {
		b[0] = (struct shift){ dback->delay, 0 };
		nb = 1;
	} else if (back) {
		nb = shifts_of(back, b);
	} else {
		return;
	}
	for (size_t x = 0; x < na; x++)
		for (size_t y = 0; y < nb; y++) {
			int64_t rtt = a[x].delay + b[y].delay;
			size_t pairs = a[x].pairs + b[y].pairs;

			if (rtt <= 0 || !a[x].pairs)
				continue;
			if (pairs > best || (pairs == best && rtt < best_rtt)) {
				best = pairs;
				best_rtt = rtt;
				da = a[x].delay;
				db = b[y].delay;
			}
		}
	if (!best)
		return;
	d->known = true;
	d->delay = da;
	if (!dback->known) {
		dback->known = true;
		dback->delay = db;
	}
}

/* what vx_join_inferred() works on */
struct infer {
	struct vx_analysis *an;
	size_t nh;
	struct dir_delay *dd;	/* nh * nh: from host a (row) to host b (column) */
	struct flowkey *f;	/* sends and receives without headers, by flow key */
	size_t nf, fcap;
	struct group *pend;	/* the groups still to pair */
	size_t ng, pend_cap;
	size_t *jcap;
};

static struct dir_delay *delay_of(struct infer *w, int from, int to)
{
	return &w->dd[(size_t)from * w->nh + (size_t)to];
}

/* the kept journeys no header joined: their flow keys as senders or receivers */
static void infer_keys(struct infer *w, const struct vx_packet *const *firstpkt)
{
	struct vx_analysis *an = w->an;

	for (size_t j = 0; j < an->njourneys; j++) {
		const struct vx_journey *jo = &an->journeys[j];
		int h = vx_join_host_of(an, jo->capture_id);
		const struct vx_lookup *flow = NULL;
		uint64_t ks, kr;

		if (h < 0 || jo->joined || jo->join_ambiguous || firstpkt[j] || !jo->nhops)
			continue;
		ks = sender_key(jo, &flow);
		kr = ks ? 0 : receiver_key(jo, &flow);
		if (!ks && !kr)
			continue;
		VX_GROW(w->f, w->nf, w->fcap);
		w->f[w->nf++] = (struct flowkey){ ks ? ks : kr, h, ks != 0, j,
						  (int64_t)jo->hops[ks ? (size_t)jo->encap_hop : 0].ts_ns, flow };
	}
	if (w->nf)
		qsort(w->f, w->nf, sizeof(*w->f), cmp_flowkey);
}

/* the flow keys of one key, [@g, @end), as a group of sends and receives; false (counted
 * apart) when they are not one sending and one other receiving host */
static bool infer_group(struct infer *w, size_t g, size_t end, struct group *gr)
{
	bool ok = true;

	*gr = (struct group){ &w->f[g], NULL, 0, 0, -1, -1, false };
	for (size_t i = g; i < end; i++) {
		int *hp = w->f[i].sender ? &gr->hs : &gr->hr;

		gr->ns += w->f[i].sender;
		if (*hp >= 0 && *hp != w->f[i].host)
			ok = false;
		*hp = w->f[i].host;
	}
	gr->nr = end - g - gr->ns;
	gr->r = &w->f[g + gr->ns];
	if (!ok || gr->hs < 0 || gr->hr < 0 || gr->hs == gr->hr) {
		w->an->join.inferred_apart += gr->ns + gr->nr;
		return false;
	}
	for (size_t k = 0; ok && k < gr->ns; k++)
		ok = gr->ns == gr->nr && flows_agree(gr->s[k].flow, gr->r[k].flow);
	/* in order only when its own delays agree (a loss at each end shifts the pairs after
	 * it by one packet): a shifted group must not feed the direction's median */
	gr->in_order = ok && in_step(gr, own_delay(gr));
	return true;
}

/* the directions' delays: from the packets the headers joined and the groups in order */
static void infer_delays(struct infer *w)
{
	struct vx_join *jn = &w->an->join;

	for (size_t k = 0; k < jn->njoined; k++) {
		const struct vx_joined *jd = &jn->joined[k];

		for (size_t i = 1; jd->ordered && i < jd->nparts; i++)
			delay_add(delay_of(w, jd->host[i - 1], jd->host[i]),
				  (int64_t)jd->parts[i]->hops[0].ts_ns -
				  (int64_t)jd->parts[i - 1]->hops[jd->send_hop[i]].ts_ns);
	}
	for (size_t g = 0, end; g < w->nf; g = end) {
		struct group gr;

		for (end = g; end < w->nf && w->f[end].key == w->f[g].key; end++)
			;
		if (!infer_group(w, g, end, &gr))
			continue;
		if (gr.in_order)
			for (size_t k = 0; k < gr.ns; k++)
				delay_add(delay_of(w, gr.hs, gr.hr), gr.r[k].ts - gr.s[k].ts);
		VX_GROW(w->pend, w->ng, w->pend_cap);
		w->pend[w->ng++] = gr;
	}
	for (size_t k = 0; k < w->nh * w->nh; k++)
		if (w->dd[k].n) {
			qsort(w->dd[k].d, w->dd[k].n, sizeof(*w->dd[k].d), cmp_i64);
			w->dd[k].known = true;
			w->dd[k].delay = w->dd[k].d[w->dd[k].n / 2];
		}
}

/* the groups that pair one to one, joined in order unless that order disagrees with the
 * direction's delay (a send lost at one end and a receive at the other: shifted by one) */
static void infer_in_order(struct infer *w)
{
	for (size_t k = 0; k < w->ng;) {
		struct group *g = &w->pend[k];

		if (!g->in_order || !in_step(g, delay_of(w, g->hs, g->hr)->delay)) {
			g->in_order = false;
			k++;
			continue;
		}
		for (size_t i = 0; i < g->ns; i++)
			add_joined(w->an, w->jcap, g, i, i);
		w->pend[k] = w->pend[--w->ng];
	}
}

/* directions nothing joined yet: their delay from their largest group, with the way back */
static void infer_unknown_delays(struct infer *w)
{
	for (size_t k = 0; k < w->ng; k++) {
		struct dir_delay *d = delay_of(w, w->pend[k].hs, w->pend[k].hr);
		const struct group *big = &w->pend[k], *back = NULL;

		if (d->known)
			continue;
		for (size_t x = 0; x < w->ng; x++) {
			const struct group *p = &w->pend[x];

			if (p->hs == big->hs && p->hr == big->hr && p->ns + p->nr > big->ns + big->nr)
				big = p;
			if (p->hs == big->hr && p->hr == big->hs && (!back || p->ns + p->nr > back->ns + back->nr))
				back = p;
		}
		choose_delays(big, d, back, delay_of(w, w->pend[k].hr, w->pend[k].hs));
	}
}

/* the rest paired by time with their direction's delay; what stays unpaired is counted */
static void infer_by_time(struct infer *w)
{
	struct vx_join *jn = &w->an->join;

	for (size_t k = 0; k < w->ng; k++) {
		const struct group *g = &w->pend[k];
		const struct dir_delay *d = delay_of(w, g->hs, g->hr);
		ssize_t *pairs;
		size_t n = 0;

		if (!d->known) {
			jn->inferred_apart += g->ns + g->nr;
			continue;
		}
		pairs = xmalloc(g->ns * sizeof(*pairs));
		pair_by_time(g, d->delay, pairs);
		for (size_t i = 0; i < g->ns; i++)
			if (pairs[i] >= 0) {
				add_joined(w->an, w->jcap, g, i, (size_t)pairs[i]);
				n++;
			}
		jn->inferred_apart += g->ns + g->nr - 2 * n;
		free(pairs);
	}
}

void vx_join_inferred(struct vx_analysis *an, const struct vx_packet *const *firstpkt, size_t *jcap)
{
	struct infer w = { .an = an, .nh = an->join.nhosts, .jcap = jcap };

	w.dd = xcalloc(w.nh * w.nh, sizeof(*w.dd));
	infer_keys(&w, firstpkt);
	infer_delays(&w);
	infer_in_order(&w);
	infer_unknown_delays(&w);
	infer_by_time(&w);
	for (size_t k = 0; k < w.nh * w.nh; k++)
		free(w.dd[k].d);
	free(w.dd);
	free(w.pend);
	free(w.f);
}
