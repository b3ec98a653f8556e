/* nat.c: rewrites of a packet's addresses and ports between two hops of its journey (see
 * nat.h). Must not: touch the store, parse inputs, or print.
 */
#include "nat.h"

#include <string.h>

#include "journey.h"

const char *vx_nat_kind_name(enum vx_nat_kind k)
{
	return k == VX_NAT_SNAT ? "snat" : "dnat";
}

/* the packet of the journey a hop shows: the inner one at a tunnel hop (its outer headers
 * are the encapsulation's, another packet) */
static const struct vx_ip *view_of(const struct vx_hop *h)
{
	if (!h->pkt)
		return NULL;
	if (h->pkt->vni >= 0)
		return h->pkt->inner.known ? &h->pkt->inner : NULL;
	return h->pkt->ip.known ? &h->pkt->ip : NULL;
}

/* @a and @b are the same packet: the fields NAT leaves alone agree (and one of them tells
 * packets apart: an IP id, an ICMP sequence or a TCP sequence) */
static bool same_packet(const struct vx_ip *a, const struct vx_ip *b)
{
	bool told = false;

	if (a->version != b->version || a->proto != b->proto)
		return false;
	if (a->ip_id > 0 || b->ip_id > 0) {
		if (a->ip_id != b->ip_id)
			return false;
		told = true;
	}
	if (a->icmp_seq >= 0 || b->icmp_seq >= 0) {
		if (a->icmp_seq != b->icmp_seq || a->icmp_type != b->icmp_type)
			return false;
		told = true;
	}
	if (a->tcp_seq >= 0 || b->tcp_seq >= 0) {
		if (a->tcp_seq != b->tcp_seq)
			return false;
		told = true;
	}
	return told;
}

static void tuple_of(const struct vx_ip *ip, struct vx_tuple *t)
{
	memcpy(t->src, ip->src, sizeof(t->src));
	memcpy(t->dst, ip->dst, sizeof(t->dst));
	t->sport = ip->sport;
	t->dport = ip->dport;
	t->icmp_id = ip->icmp_id;
}

/* the NAT probe between hops @from (exclusive) and @to (exclusive), NULL when none */
static const char *nat_function(const struct vx_journey *j, size_t from, size_t to)
{
	const char *func = NULL;

	for (size_t i = from + 1; i < to; i++)
		if (vx_link_event_of(j->hops[i].event, NULL, &func) == VX_LEV_NAT)
			return func;
	return NULL;
}

size_t vx_journey_nat(struct vx_journey *j, struct vx_nat *nats)
{
	const struct vx_ip *last = NULL;
	size_t last_hop = 0, n = 0;

	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_ip *v = view_of(&j->hops[i]);
		struct vx_nat *x = &nats[i];
		bool src, dst;

		j->hops[i].nat = NULL;
		if (!v)
			continue;
		if (last && !same_packet(last, v))
			continue;	/* another packet's headers (the outer one of a tunnel) */
		if (last) {
			src = strcmp(last->src, v->src) || last->sport != v->sport;
			dst = strcmp(last->dst, v->dst) || last->dport != v->dport;
			/* conntrack rewrites an ICMP echo's id as it rewrites a port */
			if (v->proto == 1 || v->proto == 58)
				src = src || last->icmp_id != v->icmp_id;
			if (src || dst) {
				x->kind = dst ? VX_NAT_DNAT : VX_NAT_SNAT;
				tuple_of(last, &x->before);
				tuple_of(v, &x->after);
				x->function = nat_function(j, last_hop, i);
				j->hops[i].nat = x;
				n++;
			}
		}
		last = v;
		last_hop = i;
	}
	return n;
}

void vx_nat_tuple_describe(const struct vx_tuple *t, struct strbuf *sb)
{
	strbuf_addstr(sb, t->src);
	if (t->sport >= 0)
		strbuf_addf(sb, "/%d", t->sport);
	strbuf_addstr(sb, " \xe2\x86\x92 ");	/* → */
	strbuf_addstr(sb, t->dst);
	if (t->dport >= 0)
		strbuf_addf(sb, "/%d", t->dport);
	if (t->icmp_id >= 0)
		strbuf_addf(sb, " id %d", t->icmp_id);
}

void vx_nat_describe(const struct vx_nat *n, struct strbuf *sb)
{
	strbuf_addf(sb, "%s: ", vx_nat_kind_name(n->kind));
	vx_nat_tuple_describe(&n->before, sb);
	strbuf_addstr(sb, " became ");
	vx_nat_tuple_describe(&n->after, sb);
	if (n->function)
		strbuf_addf(sb, " (by %s)", n->function);
}
