/* journey.c: what a journey's hops say about it: where it was encapsulated and
 * decapsulated (and the bytes that added), and the network namespaces it crossed.
 * Must not: touch the store, parse inputs, or print.
 */
#include "journey.h"

#include <string.h>

#include "events.h"

/* tunnel kind from a device name when no stack says it (vxlan.calico, geneve0, tunl0) */
static const char *tunnel_kind_of_dev(const char *dev)
{
	static const struct {
		const char *prefix, *kind;
	} devs[] = {
		{ "vxlan", "vxlan" }, { "flannel", "vxlan" }, { "geneve", "geneve" },
		{ "genev_sys", "geneve" }, { "tunl", "ipip" }, { "gre", "gre" }, { "wg", "wireguard" },
	};

	for (size_t i = 0; dev && i < sizeof(devs) / sizeof(devs[0]); i++)
		if (!strncmp(dev, devs[i].prefix, strlen(devs[i].prefix)))
			return devs[i].kind;
	return NULL;
}

void vx_journey_encap(struct vx_journey *j)
{
	j->overhead_bytes = -1;
	j->encap_hop = j->decap_hop = -1;
	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_hop *h = &j->hops[i];

		if (h->path && h->path->reenters_ip_after_encap)
			j->reenters_ip_after_encap = true;
	}
	for (size_t i = 1; i < j->nhops; i++) {
		const struct vx_hop *h = &j->hops[i];
		const struct vx_hop *t = NULL;
		const char *kind = NULL;

		if (!vx_event_is_xmit(h->event))
			continue;
		/* the transmit before it on another device (a capture whose events name no
		 * device, like 6.1's text output with hash-ptr off, takes the one before) */
		for (size_t k = i; k-- > 0;) {
			const struct vx_hop *c = &j->hops[k];

			if (vx_event_is_xmit(c->event) && (!c->dev || !h->dev || strcmp(c->dev, h->dev))) {
				t = c;
				break;
			}
		}
		if (!t)
			continue;
		if (h->path && h->path->encap && h->path->reenters_ip_after_encap)
			kind = h->path->encap;
		else if (!h->path && tunnel_kind_of_dev(t->dev))
			kind = tunnel_kind_of_dev(t->dev);
		if (!kind)
			continue;
		j->encap = kind;
		j->tunnel_dev = t->dev;
		j->encap_hop = (int)i;
		if (h->len >= 0 && t->len >= 0)
			j->overhead_bytes = h->len - t->len;
		for (size_t k = i + 1; k < j->nhops; k++)
			if (vx_event_is_recv(j->hops[k].event) && j->hops[k].dev && t->dev && !strcmp(j->hops[k].dev, t->dev)) {
				j->decap_hop = (int)k;
				break;
			}
		return;
	}
	/* a stack that shows encapsulation, even without the underlay hop */
	for (size_t i = 0; i < j->nhops; i++)
		if (j->hops[i].path && j->hops[i].path->encap) {
			j->encap = j->hops[i].path->encap;
			return;
		}
}

/* the same skb received after a transmit went through a veth pair or a wire; only
 * loopback stays in its namespace */
static bool crosses_netns(const struct vx_hop *a, const struct vx_hop *b)
{
	return vx_event_is_xmit(a->event) && vx_event_is_recv(b->event) && !(a->dev && !strcmp(a->dev, "lo"));
}

void vx_journey_segments(struct vx_journey *j)
{
	int seg = 0;

	for (size_t i = 0; i < j->nhops; i++) {
		if (i && crosses_netns(&j->hops[i - 1], &j->hops[i]))
			seg++;
		j->hops[i].segment = seg;
	}
	j->nsegments = seg + 1;
}

const char *vx_journey_segment_role(const struct vx_journey *j, int seg)
{
	if (j->encap_hop >= 0 && j->hops[j->encap_hop].segment == seg)
		return "encapsulating host";
	if (j->decap_hop >= 0 && j->hops[j->decap_hop].segment == seg)
		return "decapsulating host";
	if (seg == 0)
		return "sender";
	if (seg == j->nsegments - 1)
		return "receiver";
	return "network namespace";
}
