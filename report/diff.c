/* diff.c: the comparison of two captures (see diff.h). Each side's analysis is folded in
 * and released before the next is made, so the diff holds aggregates only: one entry per
 * distinct path and shape of either capture, latencies as merged histograms while a side is
 * added and as p50 values afterwards. Must not: print or touch the store.
 */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

const char *vx_diff_status_name(enum vx_diff_status s)
{
	switch (s) {
	case VX_DIFF_SAME: return "same";
	case VX_DIFF_ADDED: return "added";
	case VX_DIFF_REMOVED: return "removed";
	case VX_DIFF_CHANGED: return "changed";
	}
	return "same";
}

void vx_diff_init(struct vx_diff *d, const struct vx_diff_opts *o)
{
	memset(d, 0, sizeof(*d));
	d->threshold_pct = o && o->threshold_pct > 0 ? o->threshold_pct : VX_DIFF_DEFAULT_THRESHOLD;
}

void vx_diff_release(struct vx_diff *d)
{
	for (size_t i = 0; i < d->nshapes; i++) {
		free(d->shapes[i].hops);
		free(d->shapes[i].hist[0]);
		free(d->shapes[i].hist[1]);
	}
	for (size_t i = 0; i < d->npaths; i++)
		free(d->paths[i].frames);
	free(d->shapes);
	free(d->paths);
	arena_release(&d->arena);
	memset(d, 0, sizeof(*d));
}

bool vx_diff_differs(uint64_t a, uint64_t b, int threshold_pct, uint64_t min_abs)
{
	uint64_t hi = a > b ? a : b, delta = a > b ? a - b : b - a;

	if (delta == 0 || delta < min_abs)
		return false;
	/* delta / hi > pct / 100, in integers (hi < 2^57 for any count or latency here) */
	return (double)delta * 100.0 > (double)threshold_pct * (double)hi;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	static const char none = '\1';	/* NULL differs from "" */

	return s ? vx_hash64(h, s, strlen(s) + 1) : vx_hash64(h, &none, 1);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* ---- paths ---- */

static uint64_t path_hash(const struct vx_path *p)
{
	uint64_t h = hash_str(VX_HASH_INIT, p->event);

	for (size_t i = 0; i < p->stack->nframes; i++)
		h = hash_str(h, p->stack->frames[i]);
	return h;
}

static bool path_eq(const struct vx_diff_path *dp, const struct vx_path *p)
{
	if (!str_eq(dp->event, p->event) || dp->nframes != p->stack->nframes)
		return false;
	for (size_t i = 0; i < dp->nframes; i++)
		if (!str_eq(dp->frames[i], p->stack->frames[i]))
			return false;
	return true;
}

static void add_path(struct vx_diff *d, int side, const struct vx_path *p)
{
	uint64_t h = path_hash(p);
	struct vx_diff_path *dp;

	for (size_t i = 0; i < d->npaths; i++)
		if (d->paths[i].hash == h && path_eq(&d->paths[i], p)) {
			d->paths[i].count[side] += p->count;
			return;
		}
	VX_GROW(d->paths, d->npaths, d->paths_cap);
	dp = &d->paths[d->npaths++];
	memset(dp, 0, sizeof(*dp));
	dp->hash = h;
	dp->event = arena_strdup(&d->arena, p->event);
	dp->nframes = p->stack->nframes;
	dp->frames = xcalloc(dp->nframes ? dp->nframes : 1, sizeof(*dp->frames));
	for (size_t i = 0; i < dp->nframes; i++)
		dp->frames[i] = arena_strdup(&d->arena, p->stack->frames[i]);
	dp->ip_passes = p->ip_passes;
	dp->encap = p->encap;	/* static strings (vx_tunnel_kind) */
	dp->reenters_ip_after_encap = p->reenters_ip_after_encap;
	dp->count[side] = p->count;
}

/* ---- shapes ---- */

static uint64_t shape_hash(const struct vx_journey *j)
{
	uint64_t h = VX_HASH_INIT;

	for (size_t i = 0; i < j->nhops; i++) {
		h = hash_str(h, j->hops[i].event);
		h = hash_str(h, j->hops[i].dev);
		h = vx_hash64(h, &j->hops[i].len, sizeof(j->hops[i].len));
	}
	return vx_hash64(h, &j->hops_left_out, sizeof(j->hops_left_out));
}

static bool shape_eq(const struct vx_diff_shape *ds, const struct vx_journey *j)
{
	if (ds->nhops != j->nhops)
		return false;
	for (size_t i = 0; i < j->nhops; i++)
		if (!str_eq(ds->hops[i].event, j->hops[i].event) || !str_eq(ds->hops[i].dev, j->hops[i].dev) ||
		    ds->hops[i].len != j->hops[i].len)
			return false;
	return true;
}

static void add_shape(struct vx_diff *d, int side, const struct vx_shape *s)
{
	const struct vx_journey *j = s->first;
	uint64_t h = shape_hash(j);
	struct vx_diff_shape *ds = NULL;

	for (size_t i = 0; i < d->nshapes && !ds; i++)
		if (d->shapes[i].hash == h && shape_eq(&d->shapes[i], j))
			ds = &d->shapes[i];
	if (!ds) {
		VX_GROW(d->shapes, d->nshapes, d->shapes_cap);
		ds = &d->shapes[d->nshapes++];
		memset(ds, 0, sizeof(*ds));
		ds->hash = h;
		ds->nhops = j->nhops;
		ds->hops = xcalloc(j->nhops ? j->nhops : 1, sizeof(*ds->hops));
		for (size_t i = 0; i < j->nhops; i++) {
			ds->hops[i].event = arena_strdup(&d->arena, j->hops[i].event);
			ds->hops[i].dev = arena_strdup(&d->arena, j->hops[i].dev);
			ds->hops[i].len = j->hops[i].len;
		}
		ds->nhist = j->nhops < VX_SHAPE_MAX_HOPS ? j->nhops : VX_SHAPE_MAX_HOPS;
	}
	/* shapes of one capture that differ only by a hop's stack become one here */
	ds->count[side] += s->count;
	if (j->encap && !ds->encap)
		ds->encap = j->encap;	/* static (vx_tunnel_kind) */
	ds->reenters_ip_after_encap |= j->reenters_ip_after_encap;
	if (!ds->hist[side])
		ds->hist[side] = xcalloc(ds->nhist ? ds->nhist : 1, sizeof(struct vx_hist));
	for (size_t i = 1; i < ds->nhist && i < s->nhist; i++)
		vx_hist_merge(&ds->hist[side][i], &s->hist[i]);
}

/* the side's histograms become p50 values and go */
static void reduce_side(struct vx_diff *d, int side)
{
	for (size_t i = 0; i < d->nshapes; i++) {
		struct vx_diff_shape *ds = &d->shapes[i];

		if (!ds->hist[side])
			continue;
		for (size_t h = 1; h < ds->nhist; h++)
			if (ds->hist[side][h].n) {
				ds->hops[h].has_p50[side] = true;
				ds->hops[h].p50[side] = vx_hist_quantile(&ds->hist[side][h], 0.5);
			}
		free(ds->hist[side]);
		ds->hist[side] = NULL;
	}
}

int vx_diff_add(struct vx_diff *d, int side, const struct vx_analysis *an)
{
	struct vx_diff_side *s = &d->side[side];
	const struct vx_capture *c;

	if (side < 0 || side > 1)
		return vx_error("diff: side %d: there are two, 0 and 1", side);
	if (!an->ds || an->ds->ncaptures != 1)
		return vx_error("diff: a side is one capture, not %zu", an->ds ? an->ds->ncaptures : 0);
	c = &an->ds->captures[0];
	s->cap = *c;
	s->cap.source = arena_strdup(&d->arena, c->source);
	s->cap.format = arena_strdup(&d->arena, c->format);
	s->cap.kernel_release = arena_strdup(&d->arena, c->kernel_release);
	s->cap.imported_at = arena_strdup(&d->arena, c->imported_at);
	s->journeys = an->journeys_total;
	s->journeys_encap = an->journeys_encap;
	s->journeys_reenter = an->journeys_reenter;
	s->other_shape_journeys = an->other_shape_journeys;
	s->blind = vx_analysis_blind(an) != NULL;
	for (size_t i = 0; i < an->npaths; i++) {
		add_path(d, side, &an->paths[i]);
		s->paths_reenter += an->paths[i].reenters_ip_after_encap;
	}
	s->double_trip = s->journeys_reenter > 0 || s->paths_reenter > 0;
	for (size_t i = 0; i < an->nshapes; i++)
		add_shape(d, side, &an->shapes[i]);
	reduce_side(d, side);
	return 0;
}

static enum vx_diff_status status_of(const uint64_t count[2], bool changed)
{
	if (!count[0])
		return VX_DIFF_ADDED;
	if (!count[1])
		return VX_DIFF_REMOVED;
	return changed ? VX_DIFF_CHANGED : VX_DIFF_SAME;
}

void vx_diff_finish(struct vx_diff *d)
{
	int t = d->threshold_pct;

	memset(d->npath_status, 0, sizeof(d->npath_status));
	memset(d->nshape_status, 0, sizeof(d->nshape_status));
	for (size_t i = 0; i < d->npaths; i++) {
		struct vx_diff_path *p = &d->paths[i];

		p->status = status_of(p->count, vx_diff_differs(p->count[0], p->count[1], t, 1));
		d->npath_status[p->status]++;
	}
	for (size_t i = 0; i < d->nshapes; i++) {
		struct vx_diff_shape *s = &d->shapes[i];
		bool changed = vx_diff_differs(s->count[0], s->count[1], t, 1);

		for (size_t h = 0; h < s->nhops; h++) {
			struct vx_diff_hop *hp = &s->hops[h];

			hp->changed = hp->has_p50[0] && hp->has_p50[1] &&
				      vx_diff_differs(hp->p50[0], hp->p50[1], t, VX_DIFF_MIN_LATENCY_NS);
			changed |= hp->changed;
		}
		s->status = status_of(s->count, changed);
		d->nshape_status[s->status]++;
	}
	d->changed = d->side[0].double_trip != d->side[1].double_trip;
	for (int st = VX_DIFF_ADDED; st <= VX_DIFF_CHANGED; st++)
		d->changed |= d->npath_status[st] || d->nshape_status[st];
}
