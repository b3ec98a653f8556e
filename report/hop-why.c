/* hop-why.c: the why of each hop (see vx_analysis_why in analysis.h): the packet headers a
 * kprobe read there, the FIB lookup that sent a transmit to its device, the drop a journey ended in with the failed lookup that
 * explains it, and the summary of drops by reason and location.
 * Must not: touch the store, parse inputs, or print.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "flow.h"

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

/* count @d into the summary (a handful of distinct reasons and places: a linear search) */
static int count_drop(struct vx_analysis *an, const struct vx_drop *d, size_t *cap)
{
	for (size_t i = 0; i < an->ndrops; i++)
		if (same_str(an->drops[i].reason, d->reason) && same_str(an->drops[i].location, d->location)) {
			an->drops[i].count++;
			return 0;
		}
	if (an->ndrops == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct vx_drop_count *v = realloc(an->drops, ncap * sizeof(*v));

		if (!v)
			return -1;
		an->drops = v;
		*cap = ncap;
	}
	an->drops[an->ndrops++] = (struct vx_drop_count){ d->reason, d->location, 1 };
	return 0;
}

int vx_analysis_count_drops(struct vx_analysis *an)
{
	size_t cap = 0;

	free(an->drops);
	an->drops = NULL;
	an->ndrops = 0;
	for (size_t j = 0; j < an->njourneys; j++)
		if (an->journeys[j].drop && count_drop(an, an->journeys[j].drop, &cap) < 0)
			return -1;
	if (an->ndrops > 1)
		qsort(an->drops, an->ndrops, sizeof(*an->drops), cmp_drop_count);
	return 0;
}

int vx_analysis_why(struct vx_analysis *an)
{
	const struct vx_dataset *ds = an->ds;

	if (vx_lookups_build(ds->recs, ds->nrecs, &an->lookups) < 0)
		return -1;
	for (size_t j = 0; j < an->njourneys; j++) {
		struct vx_journey *jj = &an->journeys[j];

		for (size_t i = 0; i < jj->nhops; i++) {
			struct vx_hop *h = &jj->hops[i];
			struct vx_packet pkt;

			if (h->rec && vx_packet_from_rec(h->rec, &pkt)) {
				struct vx_packet *p = arena_alloc(&an->arena, sizeof(*p));

				*p = pkt;
				h->pkt = p;
			}

			if (an->lookups.n && vx_event_is_xmit(h->event))
				h->route = vx_lookup_for_hop(&an->lookups, jj->capture_id, h->rec->cpu,
							     i ? h[-1].ts_ns : 0, h->ts_ns, h->dev);
		}
		if (jj->nhops && vx_event_is_drop(jj->hops[jj->nhops - 1].event)) {
			const struct vx_hop *last = &jj->hops[jj->nhops - 1];
			const struct vx_hop *prev = jj->nhops > 1 ? last - 1 : last;
			struct vx_drop *d = arena_alloc(&an->arena, sizeof(*d));

			vx_drop_from_rec(last->rec, last->path ? last->path->stack : NULL, d);
			d->lookup = vx_lookup_failed_between(&an->lookups, jj->capture_id, last->rec->cpu,
							     prev->ts_ns, last->ts_ns);
			jj->drop = d;
		}
	}
	return vx_analysis_count_drops(an);
}
