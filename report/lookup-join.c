/* lookup-join.c: the FIB lookups joined to journeys, in bounded memory. A flood makes a
 * lookup per packet and more; holding them all to join each journey as it is finished grew
 * the report by ~140 bytes a lookup. Instead each question is put to the source: for each
 * transmit hop, the last successful lookup on its CPU since the hop before that names a
 * device (vx_hop_lookup_from) whose result is its device; for a drop, the first failed
 * lookup between the hop before it and the drop (the rule: vx_lookup_decides_hop and
 * vx_lookup_explains_drop in lookups.c, as the in-memory join uses). The kept journeys (and
 * each shape's first) ask once the stream is over (the store answers from its time index);
 * a filter that needs every journey's routes asks as each journey ends (the store answers
 * from the lookups it kept in a temporary table).
 * Must not: touch the store, parse inputs, or print.
 */
#include "analysis-int.h"
#include "events.h"

/* a transmit hop on a device, with the CPU it ran on: a lookup may have decided it */
static bool asks_route(const struct vx_hop *h)
{
	return h->rec && h->dev && h->rec->cpu >= 0 && vx_event_is_xmit(h->event);
}

int vx_analysis_join_lookups(struct vx_analysis *an)
{
	for (size_t i = 0; i < an->njourneys; i++)
		if (vx_journey_routes_find(an, &an->journeys[i], &an->arena) < 0)
			return -1;
	for (size_t s = 0; s < an->nshapes; s++)
		if (an->shapes[s].first && vx_journey_routes_find(an, an->shapes[s].first, &an->arena) < 0)
			return -1;
	return 0;
}

int vx_journey_routes_find(const struct vx_analysis *an, struct vx_journey *j, struct arena *a)
{
	const struct vx_event_source *src = an->src;

	for (size_t i = 0; i < j->nhops; i++) {
		struct vx_hop *h = &j->hops[i];
		uint64_t from = vx_lookup_window_from(vx_hop_lookup_from(j, i), h->ts_ns);
		struct vx_lookup *l;
		int found;

		h->route = NULL;
		if (!asks_route(h))
			continue;
		l = arena_alloc(a, sizeof(*l));
		found = src->lookup_find(src->priv, j->capture_id, h->rec->cpu, from, h->ts_ns, h->dev, a, l);
		if (found < 0)
			return -1;
		if (found)
			h->route = l;
	}
	if (j->drop && j->drop->cpu >= 0) {
		struct vx_drop *d = (struct vx_drop *)j->drop;	/* the builder's own */
		struct vx_lookup *l = arena_alloc(a, sizeof(*l));
		int found = src->lookup_find(src->priv, j->capture_id, d->cpu, d->from, d->to, NULL, a, l);

		if (found < 0)
			return -1;
		d->lookup = found ? l : NULL;
	}
	return 0;
}

void vx_journey_routes_clear(struct vx_journey *j)
{
	for (size_t i = 0; i < j->nhops; i++)
		j->hops[i].route = NULL;
	if (j->drop)
		((struct vx_drop *)j->drop)->lookup = NULL;
}
