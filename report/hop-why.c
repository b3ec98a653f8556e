/* hop-why.c: the why of each hop (see vx_journey_why in analysis-int.h): the packet headers a
 * kprobe read there, the FIB lookup that sent a transmit to its device, the drop a journey ended in with the failed lookup that
 * explains it, and the summary of drops by reason and location.
 * Must not: touch the store, parse inputs, or print.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis-int.h"
#include "flow.h"
#include "core/xalloc.h"

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int cmp_drop_count(const void *a, const void *b)
{
	const struct vx_drop_count *x = a, *y = b;

	int c;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	c = strcmp(x->reason ? x->reason : "", y->reason ? y->reason : "");
	return c ? c : strcmp(x->location ? x->location : "", y->location ? y->location : "");
}

/* count @d into the summary (a handful of distinct reasons and places: a linear search);
 * a new row copies its strings, which may be borrowed from a streamed row */
void vx_analysis_count_drop(struct vx_analysis *an, const struct vx_drop *d)
{
	for (size_t i = 0; i < an->ndrops; i++)
		if (same_str(an->drops[i].reason, d->reason) && same_str(an->drops[i].location, d->location)) {
			an->drops[i].count++;
			return;
		}
	VX_GROW(an->drops, an->ndrops, an->priv->drops_cap);
	an->drops[an->ndrops++] = (struct vx_drop_count){
		d->reason ? arena_strdup(&an->arena, d->reason) : NULL,
		d->location ? arena_strdup(&an->arena, d->location) : NULL, 1 };
}

void vx_analysis_sort_drops(struct vx_analysis *an)
{
	if (an->ndrops > 1)
		qsort(an->drops, an->ndrops, sizeof(*an->drops), cmp_drop_count);
}

uint64_t vx_hop_lookup_from(const struct vx_journey *j, size_t i)
{
	/* the hop before that names a device: a kprobe hop (ip_output, ip_rcv_core,
	 * iptunnel_xmit) runs between the lookup and the transmit it decided, so it does not
	 * start the window */
	while (i-- > 0)
		if (j->hops[i].dev)
			return j->hops[i].ts_ns;
	return 0;
}

void vx_journey_why(const struct vx_analysis *an, struct vx_journey *jj, struct vx_packet *pkts,
		    const struct vx_rec *last, const struct vx_stack *last_stack, uint64_t prev_ts,
		    struct vx_drop *drop)
{
	for (size_t i = 0; i < jj->nhops; i++) {
		struct vx_hop *h = &jj->hops[i];

		h->pkt = NULL;
		h->route = NULL;
		if (h->rec && h->rec->nfields && vx_packet_from_rec(h->rec, &pkts[i]))
			h->pkt = &pkts[i];
		if (an->priv->lookups.n && h->rec && vx_event_is_xmit(h->event))
			h->route = vx_lookup_for_hop(&an->priv->lookups, jj->capture_id, h->rec->cpu,
						     vx_hop_lookup_from(jj, i), h->ts_ns, h->dev);
	}
	jj->drop = NULL;
	if (last && vx_event_is_drop(last->name)) {
		vx_drop_from_rec(last, last_stack, drop);
		drop->cpu = last->cpu;
		drop->from = prev_ts;
		drop->to = last->ts_ns;
		drop->lookup = vx_lookup_failed_between(&an->priv->lookups, jj->capture_id, last->cpu,
							prev_ts, last->ts_ns);
		jj->drop = drop;
	}
}
