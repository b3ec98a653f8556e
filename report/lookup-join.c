/* lookup-join.c: the FIB lookups of a streamed analysis joined to the journeys it keeps,
 * in bounded memory. A flood makes a lookup per packet and more; holding them all to join
 * each journey as it is finished grew the report by ~140 bytes a lookup. Instead the
 * journeys are built without routes, and afterwards one time-ordered walk over the
 * capture's route events answers the questions the kept journeys (and each shape's first)
 * ask: for each transmit hop, the last successful lookup on its CPU since the hop before
 * that names a device (vx_hop_lookup_from) whose result is its device (vx_lookup_for_hop);
 * for a drop, the first failed lookup between the hop before it and the drop
 * (vx_lookup_failed_between). Each question keeps
 * one candidate (an event id) while the walk goes on, so memory grows with the kept
 * journeys, not with the capture; the winners' fields are read back by id at the end.
 * The same rules as lookups.c; the results are the same lookups (tests compare both).
 * A filter that needs every journey's routes asks the source per journey instead
 * (vx_journey_routes_find: the store answers from a temporary table), and the kept journeys
 * are joined here all the same.
 * Must not: touch the store, parse inputs, or print.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "analysis-int.h"
#include "events.h"
#include "flow.h"

/* one question: a transmit hop's route (@dev set) or a drop's failed lookup (@dev NULL) */
struct lj_req {
	int64_t capture;
	int cpu;
	uint64_t lo, hi;	/* the lookup's time must be in [lo, hi] */
	const char *dev;
	const struct vx_lookup **slot;	/* where the answer goes */
	int64_t cand_id;	/* the candidate so far, 0: none */
	uint64_t cand_ts;
	int cand_cpu;
	const char *cand_name;	/* in the analysis' arena */
};

struct lj {
	struct vx_analysis *an;
	struct lj_req *v;
	size_t n, cap;
	size_t next;		/* the first request not yet active */
	size_t *active;		/* requests whose window has begun and not yet ended */
	size_t nactive;
	int64_t capture;	/* of the active requests */
	const char *name;	/* the last lookup event name copied to the arena */
};

static int cmp_req(const void *a, const void *b)
{
	const struct lj_req *x = a, *y = b;

	if (x->capture != y->capture)
		return x->capture < y->capture ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

static void add_req(struct lj *lj, const struct lj_req *r)
{
	VX_GROW(lj->v, lj->n, lj->cap);
	lj->v[lj->n++] = *r;
}

/* a transmit hop on a device, with the CPU it ran on: a lookup may have decided it */
static bool asks_route(const struct vx_hop *h)
{
	return h->rec && h->dev && h->rec->cpu >= 0 && vx_event_is_xmit(h->event);
}

/* the questions of one kept journey */
static void journey_reqs(struct lj *lj, struct vx_journey *j)
{
	for (size_t i = 0; i < j->nhops; i++) {
		struct vx_hop *h = &j->hops[i];
		uint64_t from = vx_lookup_window_from(vx_hop_lookup_from(j, i), h->ts_ns);

		if (!asks_route(h))
			continue;
		add_req(lj, &(struct lj_req){ j->capture_id, h->rec->cpu, from, h->ts_ns, h->dev,
					      &h->route, 0, 0, 0, NULL });
	}
	if (j->drop && j->drop->cpu >= 0) {
		/* the drop lives in the journey's own malloc'd block (journey_pack) */
		struct vx_drop *d = (struct vx_drop *)j->drop;

		add_req(lj, &(struct lj_req){ j->capture_id, d->cpu, d->from, d->to, NULL,
					      &d->lookup, 0, 0, 0, NULL });
	}
}

/* one route event of the walk, in (capture, time) order */
static int lj_event(void *arg, const struct vx_rec *r)
{
	struct lj *lj = arg;
	struct vx_analysis *an = lj->an;
	struct arena tmp = ARENA_INIT;
	struct vx_lookup l;
	bool parsed = false, ok = false;

	if (!vx_event_is_fib_lookup(r->name))
		return 0;
	if (r->capture_id != lj->capture) {
		lj->nactive = 0;
		lj->capture = r->capture_id;
		while (lj->next < lj->n && lj->v[lj->next].capture < r->capture_id)
			lj->next++;
	}
	while (lj->next < lj->n && lj->v[lj->next].capture == r->capture_id && lj->v[lj->next].lo <= r->ts_ns)
		lj->active[lj->nactive++] = lj->next++;
	for (size_t k = 0; k < lj->nactive;) {
		struct lj_req *q = &lj->v[lj->active[k]];

		if (q->hi < r->ts_ns) {
			lj->active[k] = lj->active[--lj->nactive];	/* its window is over */
			continue;
		}
		k++;
		if (q->cpu != r->cpu)
			continue;
		if (!parsed) {
			struct vx_rec t = *r;

			parsed = true;
			t.nfields = an->src->row_fields(an->src->priv, &tmp, &t.fields);
			ok = !vx_lookup_from_rec(&t, &l);
		}
		if (!ok)
			break;
		if (q->dev ? (l.err || !l.dev || strcmp(l.dev, q->dev)) : (!l.err || l.err == -11 || q->cand_id))
			continue;
		/* a hop keeps the last match (the walk is in time order), a drop the first */
		if (!lj->name || strcmp(lj->name, r->name))
			lj->name = arena_strdup(&an->arena, r->name);
		q->cand_id = r->id;
		q->cand_ts = r->ts_ns;
		q->cand_cpu = r->cpu;
		q->cand_name = lj->name;
	}
	arena_release(&tmp);
	return 0;
}

static int cmp_req_cand(const void *a, const void *b)
{
	const struct lj_req *x = *(const struct lj_req *const *)a, *y = *(const struct lj_req *const *)b;

	return (x->cand_id > y->cand_id) - (x->cand_id < y->cand_id);
}

/* read back each winning lookup once, into the analysis' arena, and answer its questions */
static int lj_resolve(struct lj *lj)
{
	struct vx_analysis *an = lj->an;
	struct lj_req **by = xmalloc((lj->n ? lj->n : 1) * sizeof(*by));
	const struct vx_lookup *cur = NULL;
	size_t nby = 0;
	int64_t cur_id = 0;
	int ret = 0;

	for (size_t i = 0; i < lj->n; i++)
		if (lj->v[i].cand_id)
			by[nby++] = &lj->v[i];
	qsort(by, nby, sizeof(*by), cmp_req_cand);
	for (size_t i = 0; i < nby; i++) {
		struct lj_req *q = by[i];

		if (q->cand_id != cur_id) {
			struct vx_rec t = { .id = q->cand_id, .capture_id = q->capture, .ts_ns = q->cand_ts,
					    .cpu = q->cand_cpu, .name = q->cand_name, .len = -1 };
			struct vx_lookup *l = arena_alloc(&an->arena, sizeof(*l));

			cur_id = q->cand_id;
			cur = NULL;
			if (an->src->event_fields(an->src->priv, q->cand_id, &an->arena, &t.fields, &t.nfields) < 0) {
				ret = -1;
				break;
			}
			if (!vx_lookup_from_rec(&t, l))
				cur = l;
		}
		*q->slot = cur;
	}
	free(by);
	return ret;
}

int vx_analysis_join_lookups(struct vx_analysis *an)
{
	struct lj lj = { .an = an, .capture = -1 };
	int ret;

	for (size_t i = 0; i < an->njourneys; i++)
		journey_reqs(&lj, &an->journeys[i]);
	for (size_t s = 0; s < an->nshapes; s++)
		if (an->shapes[s].first)
			journey_reqs(&lj, an->shapes[s].first);
	if (!lj.n)
		return 0;
	qsort(lj.v, lj.n, sizeof(*lj.v), cmp_req);
	lj.active = xmalloc(lj.n * sizeof(*lj.active));
	ret = an->src->route_events_each(an->src->priv, lj_event, &lj);
	if (!ret)
		ret = lj_resolve(&lj);
	free(lj.active);
	free(lj.v);
	return ret ? -1 : 0;
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
