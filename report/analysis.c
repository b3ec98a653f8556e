/* analysis.c: the analysis' entry points: what a capture means, streamed from its source in
 * bounded memory: the paths (paths.c), the route events, the journeys (journey-build.c and
 * journey-keep.c) with their routes (lookup-join.c), the hosts' joins (join.c) and the route
 * requests (routes.c). See analysis.h.
 * Must not: touch the store (only the source's callbacks), parse inputs, or print.
 */
#include "analysis-int.h"
#include "events.h"
#include "filter.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

/* the route requests of the dataset (routes.c), each with the path of the event that decided */
static int routes_build(struct vx_analysis *an)
{
	if (vx_routes_build(an->ds, &an->routes, &an->nroutes))
		return -1;
	for (size_t i = 0; i < an->nroutes; i++)
		an->routes[i].path = an->routes[i].decider ? vx_analysis_path_of(an, an->routes[i].decider) : NULL;
	return 0;
}

struct route_keep {
	struct vx_analysis *an;
	size_t cap;
	size_t other_kept;
};

static int route_event(void *arg, const struct vx_rec *r)
{
	struct route_keep *k = arg;
	struct vx_analysis *an = k->an;
	int pi = vx_path_index_of(an, r);
	const struct vx_path *p = pi >= 0 ? &an->paths[pi] : NULL;
	bool listed = vx_is_route_event(r->name), kept;
	struct vx_field *fields = NULL;
	size_t nfields;
	struct vx_rec *c;

	an->nroute_events += listed;
	/* every FIB lookup, kept or not, for the hops and drops (lookups.h), when a filter
	 * needs every journey's routes: kept by the source, or else held here; without such a
	 * filter the kept journeys join them afterwards */
	if (vx_event_is_fib_lookup(r->name) && (!an->priv->lookups_deferred || an->priv->lookups_in_source)) {
		struct arena tmp = ARENA_INIT;
		struct vx_rec t = *r;
		struct vx_lookup l;
		int err = 0;

		an->priv->has_lookups = true;
		t.nfields = an->src->row_fields(an->src->priv, &tmp, &t.fields);
		if (!vx_lookup_from_rec(&t, &l)) {
			if (an->priv->lookups_in_source) {
				err = an->src->lookup_keep(an->src->priv, r->capture_id, r->id, &l);
			} else {
				l.src = arena_strdup(&an->arena, l.src);
				l.dst = arena_strdup(&an->arena, l.dst);
				l.dev = arena_strdup(&an->arena, l.dev);
				l.gw = arena_strdup(&an->arena, l.gw);
				vx_lookups_add(&an->priv->lookups, r->capture_id, &l);
			}
		}
		arena_release(&tmp);
		if (err < 0)
			return -1;
	} else if (vx_event_is_fib_lookup(r->name)) {
		an->priv->has_lookups = true;
	}
	/* the route facts of a path are the same for each of its events: decide once */
	if (pi >= 0 && an->priv->path_route[pi] >= 0) {
		kept = an->priv->path_route[pi];
	} else {
		kept = vx_route_event_kept(r, p ? p->stack : NULL);
		if (pi >= 0)
			an->priv->path_route[pi] = kept;
	}
	if (!kept) {
		if (!listed || k->other_kept == VX_ROUTE_EVENTS_KEPT)
			return 0;
		k->other_kept++;
	}
	VX_GROW(an->priv->own.recs, an->priv->own.nrecs, k->cap);
	c = &an->priv->own.recs[an->priv->own.nrecs++];
	*c = *r;
	c->comm = arena_strdup(&an->priv->own.arena, r->comm);
	c->name = arena_strdup(&an->priv->own.arena, r->name);
	c->dev = arena_strdup(&an->priv->own.arena, r->dev);
	nfields = an->src->row_fields(an->src->priv, &an->priv->own.arena, &fields);
	c->fields = fields;
	c->nfields = nfields;
	return 0;
}

/* where the analysis starts: its private state, the options' filter and what it asks of
 * the source's lookups */
static void analysis_init(struct vx_analysis *an, const struct vx_event_source *src,
			  const struct vx_analysis_opts *opts)
{
	struct vx_analysis_priv *pv = xcalloc(1, sizeof(*pv));
	bool need;

	memset(an, 0, sizeof(*an));
	an->priv = pv;
	an->src = src;
	an->ds = &pv->own;
	pv->filter = opts ? opts->filter : NULL;
	pv->journey_done = opts ? opts->journey_done : NULL;
	pv->journey_done_arg = opts ? opts->journey_done_arg : NULL;
	pv->journey_each = opts ? opts->journey_each : NULL;
	pv->journey_each_arg = opts ? opts->journey_each_arg : NULL;
	pv->no_numbering = opts && opts->no_numbering;
	/* the kept journeys ask the source for their lookups once the stream is over; a filter
	 * that needs every journey's routes (or a journey_each) has the source keep them
	 * (bounded memory) and asks as each journey ends; a source that answers no questions
	 * has them all held here */
	need = (pv->filter && vx_filter_needs_routes(pv->filter)) || pv->journey_each;
	if (!src->lookup_find || (need && !src->lookup_keep))
		return;
	pv->lookups_deferred = true;
	pv->lookups_in_source = need;
}

int vx_analysis_stream(const struct vx_event_source *src, const struct vx_analysis_opts *opts,
		       struct vx_analysis *an)
{
	size_t keep = opts && opts->max_journeys ? opts->max_journeys : VX_ANALYSIS_MAX_JOURNEYS;
	struct route_keep rk = { an, 0, 0 };
	struct vx_analysis_priv *pv;
	int ret;

	analysis_init(an, src, opts);
	pv = an->priv;
	ret = src->captures(src->priv, &pv->own);
	if (!ret) {
		vx_mine_init(an);
		ret = vx_paths_stream(an);
	}
	if (!ret && opts && opts->paths_only)
		return 0;
	an->links_followed = pv->link_probes;
	for (size_t i = 0; i < an->ds->ncaptures; i++)
		an->links_followed = an->links_followed ||
				     (an->ds->captures[i].kprobes && strstr(an->ds->captures[i].kprobes, "/skb_clone "));
	/* route events first: the journeys join their hops and drops to the FIB lookups */
	if (!ret) {
		pv->path_route = xmalloc(an->npaths ? an->npaths : 1);
		memset(pv->path_route, -1, an->npaths ? an->npaths : 1);
		ret = src->route_events_each(src->priv, route_event, &rk);
		vx_lookups_sort(&pv->lookups);
	}
	/* a journey handed on as it ends needs its clones' fates first */
	if (!ret)
		ret = vx_links_early(an);
	if (!ret)
		ret = vx_journeys_build(an, keep);
	if (!ret && pv->lookups_deferred && pv->has_lookups)
		ret = vx_analysis_join_lookups(an);
	/* the kept journeys, complete with their routes, joined across hosts */
	if (!ret)
		ret = vx_join_build(an);
	if (!ret)
		ret = routes_build(an);
	if (ret) {
		vx_analysis_release(an);
		return -1;
	}
	return 0;
}

int vx_analysis_events_each(const struct vx_analysis *an, vx_rec_fn fn, void *arg)
{
	int ret;

	if (an->src)
		return an->src->events_each(an->src->priv, fn, arg);
	/* an analysis made by hand (a renderer's test): the events it holds */
	for (size_t i = 0; an->ds && i < an->ds->nrecs; i++)
		if ((ret = fn(arg, &an->ds->recs[i])))
			return ret;
	return 0;
}

const char *vx_analysis_unfollowed(const struct vx_analysis *an)
{
	if (an->links_followed || !vx_analysis_journeys_total(an))
		return NULL;
	return "tracepoints only: a packet is followed while it keeps its skb; clones, copies, GSO "
	       "segments and GRO merges start journeys of their own and cannot be linked (record on a "
	       "kernel with kprobes to follow them)";
}

const char *vx_analysis_segments_unfollowed(void)
{
	return "some GSO packets had more segments than the probe reads (14): the rest are not "
	       "linked to their packet";
}

size_t vx_analysis_journeys_total(const struct vx_analysis *an)
{
	return an->journeys_total > an->njourneys ? an->journeys_total : an->njourneys;
}

void vx_analysis_release(struct vx_analysis *an)
{
	struct vx_analysis_priv *pv = an->priv;

	free(an->paths);
	free(an->journeys);
	free(an->routes);
	for (size_t i = 0; i < an->nshapes; i++) {
		free(an->shapes[i].first);
		free(an->shapes[i].hist);
	}
	free(an->shapes);
	free(an->drops);
	vx_join_release(&an->join);
	vx_path_index_release(&an->pathidx);
	arena_release(&an->arena);
	if (pv) {
		for (size_t i = 0; i < pv->nblocks; i++)
			free(pv->blocks[i]);
		free(pv->blocks);
		free(pv->path_route);
		vx_dataset_release(&pv->own);
		vx_traced_set_release(&pv->traced);
		vx_lookups_release(&pv->lookups);
		vx_links_release(an);
		vx_hash_release(&pv->reason_index);
		free(pv->reasons);
		for (size_t i = 0; i < pv->nlink_names; i++)
			free(pv->link_names[i]);
		free(pv->link_names);
		free(pv);
	}
	vx_mine_release(an);
	memset(an, 0, sizeof(*an));
}
