/* join.c: two hosts, one journey (see join.h). The kept journeys' packet identities are
 * listed as (identity, journey, host) entries, sorted, and read group by group: an identity
 * seen in two journeys of one host is ambiguous (both stay apart), one seen on several hosts
 * links their journeys; linked journeys with one journey per host become one joined journey.
 * Then the clocks: each joined journey that crossed from the reference host or to it gives a
 * one-way delay on the raw clocks; the minimum of each direction bounds the offset.
 * Must not: touch the store, parse inputs, or print.
 */
#include "join.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "events.h"
#include "join-int.h"
#include "core/xalloc.h"

uint64_t vx_packet_identity(const struct vx_ip *ip)
{
	uint64_t h = 0x4944454e54495459ULL;
	int v[9];

	if (!ip->known || !ip->src[0] || !ip->dst[0])
		return 0;
	/* an IP id of 0 (DF packets without a socket counter) tells nothing without a sequence,
	 * nor does IPv6, which has no IP id (-1): its echo and TCP packets have one */
	if (ip->ip_id <= 0 && ip->tcp_seq < 0 && ip->icmp_seq < 0)
		return 0;
	v[0] = ip->proto;
	v[1] = ip->ip_id;
	v[2] = ip->sport;
	v[3] = ip->dport;
	v[4] = ip->icmp_type;
	v[5] = ip->icmp_id;
	v[6] = ip->icmp_seq;
	v[7] = (int)(ip->tcp_seq & 0xffffffff);
	v[8] = ip->tcp_seq < 0;
	h = vx_hash64(h, ip->src, strlen(ip->src) + 1);
	h = vx_hash64(h, ip->dst, strlen(ip->dst) + 1);
	h = vx_hash64(h, v, sizeof(v));
	return h ? h : 1;
}

size_t vx_journey_identities(const struct vx_journey *j, uint64_t *ids)
{
	size_t n = 0;

	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_packet *p = j->hops[i].pkt;
		uint64_t two[2];

		if (!p)
			continue;
		two[0] = vx_packet_identity(&p->ip);
		two[1] = vx_packet_identity(&p->inner);
		for (int t = 0; t < 2; t++) {
			size_t x = 0;

			while (x < n && ids[x] != two[t])
				x++;
			if (two[t] && x == n)
				ids[n++] = two[t];
		}
	}
	return n;
}

/* ---- identities ---- */

struct entry {
	uint64_t key;
	size_t journey;
	int host;
	const struct vx_packet *pkt;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->journey != y->journey)
		return x->journey < y->journey ? -1 : 1;
	return 0;
}

static size_t uf_find(size_t *p, size_t i)
{
	while (p[i] != i) {
		p[i] = p[p[i]];
		i = p[i];
	}
	return i;
}

static bool is_transmit(const char *event)
{
	return !strcmp(vx_event_base(event), "net_dev_start_xmit");
}

/* the hop of @j the packet left its host at: its last transmit, else its last hop */
size_t vx_join_send_hop(const struct vx_journey *j)
{
	for (size_t i = j->nhops; i-- > 0;)
		if (is_transmit(j->hops[i].event))
			return i;
	return j->nhops ? j->nhops - 1 : 0;
}

/* a kept journey and the root of its component, sorted so that each component is one run */
struct member {
	size_t root, journey;
};

static int cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	return (x->journey > y->journey) - (x->journey < y->journey);
}

static int cmp_joined(const void *a, const void *b)
{
	const struct vx_joined *x = a, *y = b;

	return (x->parts[0]->id > y->parts[0]->id) - (x->parts[0]->id < y->parts[0]->id);
}

/* order the parts of @jd: the ones that start with a receive come after one that does not */
static void order_parts(struct vx_joined *jd)
{
	size_t senders = 0, s = 0;

	for (size_t i = 0; i < jd->nparts; i++)
		if (!vx_event_is_arrival(jd->parts[i]->hops[0].event)) {
			senders++;
			s = i;
		}
	jd->ordered = senders == 1 && jd->nparts == 2;
	if (jd->ordered && s != 0) {
		struct vx_journey *t = jd->parts[0];
		int h = jd->host[0];

		jd->parts[0] = jd->parts[s];
		jd->host[0] = jd->host[s];
		jd->parts[s] = t;
		jd->host[s] = h;
	}
}

/* the clocks: min one-way delays from and to the reference host, then offsets */
static void clocks(struct vx_join *jn)
{
	for (size_t k = 0; k < jn->njoined; k++) {
		struct vx_joined *jd = &jn->joined[k];

		if (!jd->ordered)
			continue;
		for (size_t i = 1; i < jd->nparts; i++) {
			const struct vx_journey *a = jd->parts[i - 1], *b = jd->parts[i];
			int ha = jd->host[i - 1], hb = jd->host[i];
			int64_t d = (int64_t)b->hops[0].ts_ns - (int64_t)a->hops[jd->send_hop[i]].ts_ns;

			if (jn->hosts[ha].reference && !jn->hosts[hb].reference) {
				if (d < jn->hosts[hb].min_to_ns)
					jn->hosts[hb].min_to_ns = d;
				jn->hosts[hb].samples++;
			} else if (jn->hosts[hb].reference && !jn->hosts[ha].reference) {
				if (d < jn->hosts[ha].min_from_ns)
					jn->hosts[ha].min_from_ns = d;
				jn->hosts[ha].samples++;
			}
		}
	}
	for (size_t h = 0; h < jn->nhosts; h++) {
		struct vx_host_clock *hc = &jn->hosts[h];

		if (hc->reference || hc->min_to_ns == INT64_MAX || hc->min_from_ns == INT64_MAX)
			continue;
		/* d_to = delay + offset, d_from = delay' - offset, delays >= 0 */
		hc->offset_ns = (hc->min_to_ns - hc->min_from_ns) / 2;
		hc->uncertainty_ns = (hc->min_to_ns + hc->min_from_ns + 1) / 2;
		hc->known = true;
	}
	for (size_t k = 0; k < jn->njoined; k++) {
		struct vx_joined *jd = &jn->joined[k];

		for (size_t i = 1; jd->ordered && i < jd->nparts; i++) {
			const struct vx_host_clock *ha = &jn->hosts[jd->host[i - 1]], *hb = &jn->hosts[jd->host[i]];
			int64_t ta = (int64_t)jd->parts[i - 1]->hops[jd->send_hop[i]].ts_ns - ha->offset_ns;
			int64_t tb = (int64_t)jd->parts[i]->hops[0].ts_ns - hb->offset_ns;

			if (!ha->known || !hb->known)
				continue;
			jd->wire_known[i] = true;
			jd->wire_ns[i] = tb - ta;
			jd->wire_unc_ns[i] = ha->uncertainty_ns + hb->uncertainty_ns;
		}
	}
}

/* what vx_join_build() works on: the kept journeys' identities and their union-find */
struct join_work {
	struct vx_analysis *an;
	struct entry *e;	/* (identity, journey, host), sorted by identity */
	size_t ne, ecap;
	size_t *parent;		/* by journey: union-find of the journeys that share an identity */
	size_t *jhost;		/* by journey: its host, (size_t)-1 unknown */
	const struct vx_packet **firstpkt;	/* by journey: its first packet with known headers */
	bool *amb;		/* by journey: an identity of it is ambiguous */
	size_t jcap;		/* capacity of an->join.joined */
};

/* the identities of each kept journey's packets (inner and outer) as entries */
static void join_identities(struct join_work *w)
{
	struct vx_analysis *an = w->an;

	for (size_t j = 0; j < an->njourneys; j++) {
		const struct vx_journey *jo = &an->journeys[j];
		int h = vx_join_host_of(an, jo->capture_id);
		bool any = false;

		w->jhost[j] = (size_t)h;
		if (h < 0)
			continue;
		for (size_t i = 0; i < jo->nhops; i++) {
			const struct vx_packet *p = jo->hops[i].pkt;
			uint64_t k[2];

			if (!p)
				continue;
			if (!w->firstpkt[j] && p->ip.known)
				w->firstpkt[j] = p;
			k[0] = vx_packet_identity(&p->ip);
			k[1] = vx_packet_identity(&p->inner);
			for (int n = 0; n < 2; n++) {
				if (!k[n])
					continue;
				VX_GROW(w->e, w->ne, w->ecap);
				w->e[w->ne++] = (struct entry){ k[n], j, h, p };
				any = true;
			}
		}
		an->join.with_identity += any;
	}
	if (w->ne)
		qsort(w->e, w->ne, sizeof(*w->e), cmp_entry);
}

/* the entries of one identity, [@g, @end): true when two journeys of one host carry it;
 * *@hosts receives the number of hosts that do */
static bool group_ambiguous(const struct entry *e, size_t g, size_t end, size_t *hosts)
{
	bool ambiguous = false;

	*hosts = 0;
	for (size_t i = g; i < end; i++) {
		bool seen_host = false;

		if (i != g && e[i].journey == e[i - 1].journey)
			continue;	/* not the first entry of its journey */
		for (size_t k = g; k < i; k++)
			if (e[k].host == e[i].host && (k == g || e[k].journey != e[k - 1].journey)) {
				seen_host = true;
				if (e[k].journey != e[i].journey)
					ambiguous = true;
			}
		*hosts += !seen_host;
	}
	return ambiguous;
}

/* journeys of several hosts that share an identity are linked; an identity two journeys of
 * one host carry makes them ambiguous, and so is everything linked with them */
static void join_link(struct join_work *w)
{
	size_t nj = w->an->njourneys;

	for (size_t j = 0; j < nj; j++)
		w->parent[j] = j;
	for (size_t g = 0, end, hosts; g < w->ne; g = end) {
		for (end = g + 1; end < w->ne && w->e[end].key == w->e[g].key; end++)
			;
		if (group_ambiguous(w->e, g, end, &hosts)) {
			for (size_t i = g; i < end; i++)
				w->amb[w->e[i].journey] = true;
		} else if (hosts >= 2) {
			for (size_t i = g + 1; i < end; i++) {
				size_t a = uf_find(w->parent, w->e[g].journey), b = uf_find(w->parent, w->e[i].journey);

				if (a != b)
					w->parent[b] = a;
			}
		}
	}
	/* ambiguity spreads to what it is linked with: never join two different packets */
	for (size_t j = 0; j < nj; j++)
		if (w->amb[j])
			w->amb[uf_find(w->parent, j)] = true;
	for (size_t j = 0; j < nj; j++)
		if (w->amb[uf_find(w->parent, j)])
			w->amb[j] = true;
}

/* one component [@g, @end) of @m: a joined journey when every host has one journey in it */
static void join_component(struct join_work *w, const struct member *m, size_t g, size_t end)
{
	struct vx_analysis *an = w->an;
	struct vx_join *jn = &an->join;
	struct vx_joined jd = { 0 };
	bool bad = false;

	for (size_t x = g; x < end; x++) {
		size_t j = m[x].journey;

		for (size_t k = 0; k < jd.nparts; k++)
			if (jd.host[k] == (int)w->jhost[j])
				bad = true;
		if (jd.nparts == VX_JOIN_MAX_PARTS) {
			bad = true;
		} else {
			jd.host[jd.nparts] = (int)w->jhost[j];
			jd.parts[jd.nparts++] = &an->journeys[j];
		}
	}
	if (end - g < 2 || bad || w->amb[m[g].root]) {
		for (size_t x = g; end - g >= 2 && x < end; x++)
			an->journeys[m[x].journey].join_ambiguous = true;
		return;
	}
	order_parts(&jd);
	for (size_t i = 1; i < jd.nparts; i++)
		jd.send_hop[i] = vx_join_send_hop(jd.parts[i - 1]);
	jd.pkt = w->firstpkt[jd.parts[0] - an->journeys];
	VX_GROW(jn->joined, jn->njoined, w->jcap);
	jn->joined[jn->njoined++] = jd;
}

/* the components of the union-find, each one run of the journeys sorted by root */
static void join_components(struct join_work *w)
{
	size_t nj = w->an->njourneys;
	struct member *m = xmalloc(nj * sizeof(*m));

	for (size_t j = 0; j < nj; j++)
		m[j] = (struct member){ uf_find(w->parent, j), j };
	qsort(m, nj, sizeof(*m), cmp_member);
	for (size_t g = 0, end; g < nj; g = end) {
		for (end = g; end < nj && m[end].root == m[g].root; end++)
			;
		join_component(w, m, g, end);
	}
	free(m);
}

/* the joined journeys numbered in the order of their first part, and their parts marked */
static void join_number(struct vx_analysis *an)
{
	struct vx_join *jn = &an->join;

	if (jn->njoined)
		qsort(jn->joined, jn->njoined, sizeof(*jn->joined), cmp_joined);
	for (size_t k = 0; k < jn->njoined; k++) {
		jn->joined[k].id = (int)k + 1;
		for (size_t i = 0; i < jn->joined[k].nparts; i++)
			jn->joined[k].parts[i]->joined = (int)k + 1;
	}
}

int vx_join_build(struct vx_analysis *an)
{
	struct vx_join *jn = &an->join;
	struct join_work w = { .an = an };
	size_t nj = an->njourneys;

	if (vx_join_hosts(an) < 0)
		return -1;
	if (jn->nhosts < 2 || !nj)
		return 0;
	w.jhost = xmalloc(nj * sizeof(*w.jhost));
	w.firstpkt = xcalloc(nj, sizeof(*w.firstpkt));
	w.parent = xmalloc(nj * sizeof(*w.parent));
	w.amb = xcalloc(nj, sizeof(*w.amb));
	join_identities(&w);
	join_link(&w);
	join_components(&w);
	for (size_t j = 0; j < nj; j++) {
		if (w.amb[j])
			an->journeys[j].join_ambiguous = true;
		jn->ambiguous += an->journeys[j].join_ambiguous;
	}
	for (size_t k = 0; k < jn->njoined; k++)
		for (size_t i = 0; i < jn->joined[k].nparts; i++)
			jn->joined[k].parts[i]->joined = -1;	/* taken; numbered below */
	vx_join_inferred(an, w.firstpkt, &w.jcap);
	join_number(an);
	clocks(jn);
	free(w.e);
	free(w.parent);
	free(w.amb);
	free(w.jhost);
	free(w.firstpkt);
	return 0;
}

const struct vx_journey *vx_join_kept(const struct vx_analysis *an, const struct vx_journey *j)
{
	const struct vx_journey *k;
	size_t lo = 0, hi = an->njourneys;

	/* the kept journeys are in id order (ids are ranks in time order, not always 1..n:
	 * with several hosts each keeps its first journeys) */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (an->journeys[mid].id < j->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == an->njourneys || an->journeys[lo].id != j->id)
		return NULL;
	k = &an->journeys[lo];
	return k == j || (k->capture_id == j->capture_id && k->skb == j->skb && k->nhops && j->nhops &&
			  k->hops[0].ts_ns == j->hops[0].ts_ns) ? k : NULL;
}

void vx_joined_describe(const struct vx_joined *jd, struct strbuf *sb)
{
	static const char *const proto[] = { [1] = "icmp", [6] = "tcp", [17] = "udp" };
	const struct vx_lookup *l = jd->flow;

	if (jd->pkt) {
		vx_packet_describe(jd->pkt, sb);
		return;
	}
	if (!l)
		return;
	if (l->proto > 0 && l->proto < 18 && proto[l->proto])
		strbuf_addf(sb, "%s ", proto[l->proto]);
	strbuf_addf(sb, "%s", l->src ? l->src : "?");
	if (l->sport > 0)
		strbuf_addf(sb, "/%d", l->sport);
	strbuf_addf(sb, " → %s", l->dst ? l->dst : "?");
	if (l->dport > 0)
		strbuf_addf(sb, "/%d", l->dport);
	strbuf_addstr(sb, " (from the route lookups; inferred match: flow, lengths and order, no headers)");
}

void vx_join_release(struct vx_join *jn)
{
	free(jn->hosts);
	free(jn->capture_host);
	free(jn->joined);
	memset(jn, 0, sizeof(*jn));
}
