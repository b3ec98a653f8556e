/* paths.c: the distinct kernel paths of a capture, from the source's aggregate of (event,
 * stack) pairs: what each stack says (layers, IP-layer passes, encapsulation), and the index
 * that finds an event's path. Must not: touch the store, parse inputs, or print.
 */
#include "analysis-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

/* ---- per-stack facts ---- */

int vx_frames_ip_passes(const char *const *frames, size_t n)
{
	int passes = 0;
	bool in_run = false;

	/* outermost (last) to innermost (first) */
	for (size_t i = n; i-- > 0;) {
		enum vx_layer l = vx_layer_of(frames[i]);

		if (l == VX_LAYER_IP) {
			if (!in_run)
				passes++;
			in_run = true;
		} else if (l != VX_LAYER_OTHER) {
			in_run = false;
		}
	}
	return passes;
}

const char *vx_frames_encap(const char *const *frames, size_t n)
{
	bool tunnel = false;

	for (size_t i = n; i-- > 0;) {
		const char *k = vx_tunnel_kind(frames[i]);

		if (k)
			return k;
		if (vx_layer_of(frames[i]) == VX_LAYER_TUNNEL && strncmp(frames[i], "gro_cell", 8))
			tunnel = true;
	}
	return tunnel ? "ip-tunnel" : NULL;
}

bool vx_frames_reenter_ip(const char *const *frames, size_t n)
{
	bool tunnel = false;

	for (size_t i = n; i-- > 0;) {
		enum vx_layer l = vx_layer_of(frames[i]);

		/* gro_cell_poll is the decapsulation side: the packet leaves the tunnel there */
		if (l == VX_LAYER_TUNNEL && strncmp(frames[i], "gro_cell", 8))
			tunnel = true;
		else if (l == VX_LAYER_IP && tunnel)
			return true;
	}
	return false;
}

/* a frame the producer could not symbolise: "0x" and hex digits only */
static bool is_raw_address(const char *frame)
{
	if (frame[0] != '0' || frame[1] != 'x' || !frame[2])
		return false;
	for (frame += 2; *frame; frame++)
		if (!isxdigit((unsigned char)*frame))
			return false;
	return true;
}

const char *vx_analysis_blind(const struct vx_analysis *an)
{
	if (!an->frames || an->unsymbolised_frames * 2 <= an->frames)
		return NULL;
	return "kernel addresses not symbolised: layers unknown; import with --kallsyms FILE "
	       "(the capturing machine's /proc/kallsyms, same boot)";
}

/* layers, passes and encapsulation of @p, whose stack is @st */
static void path_facts(struct vx_analysis *an, struct vx_path *p, const struct vx_stack *st)
{
	p->stack = st;
	p->layers = arena_alloc(&an->arena, (st->nframes ? st->nframes : 1) * sizeof(*p->layers));
	for (size_t f = 0; f < st->nframes; f++) {
		p->layers[f] = vx_layer_of(st->frames[f]);
		an->unsymbolised_frames += is_raw_address(st->frames[f]);
	}
	an->frames += st->nframes;
	p->ip_passes = vx_frames_ip_passes(st->frames, st->nframes);
	p->encap = vx_frames_encap(st->frames, st->nframes);
	p->reenters_ip_after_encap = vx_frames_reenter_ip(st->frames, st->nframes);
	vx_journey_path_init(&p->journey, st->frames, st->nframes);
	p->journey.has_kind = true;
	p->journey.kind = (unsigned char)vx_hop_kind_of(p->event);
	vx_path_end_init(&p->end, st->frames, st->nframes);
	{
		enum vx_link_kind k = VX_LINK_CLONE;

		p->link_ev = (unsigned char)vx_link_event_of(p->event, &k, &p->link_func);
		p->link_kind = (unsigned char)k;
	}
}

/* ---- the (stack, event) -> path index ---- */

static uint64_t index_key(int64_t stack_id, const char *event)
{
	return vx_hash64(VX_HASH_INIT, event, strlen(event)) ^ (uint64_t)stack_id;
}

void vx_path_index_build(struct vx_path_index *ix, const struct vx_path *paths, size_t n)
{
	vx_hash_clear(&ix->map);
	ix->paths = paths;
	ix->n = 0;
	for (size_t i = 0; i < n; i++)
		vx_path_index_add(ix, paths, i);
}

void vx_path_index_add(struct vx_path_index *ix, const struct vx_path *paths, size_t i)
{
	ix->paths = paths;
	ix->n = i + 1;
	vx_hash_add(&ix->map, index_key(paths[i].stack->id, paths[i].event), i);
}

int vx_path_index_find(const struct vx_path_index *ix, int64_t stack_id, const char *event)
{
	struct vx_hash_slot *s;

	if (!stack_id)
		return -1;
	vx_hash_each(&ix->map, index_key(stack_id, event), s) {
		const struct vx_path *p = &ix->paths[s->value];

		if (p->stack->id == stack_id && !strcmp(p->event, event))
			return (int)s->value;
	}
	return -1;
}

void vx_path_index_release(struct vx_path_index *ix)
{
	vx_hash_release(&ix->map);
	memset(ix, 0, sizeof(*ix));
}

int vx_path_index_of(const struct vx_analysis *an, const struct vx_rec *r)
{
	return vx_path_index_find(&an->pathidx, r->stack_id, r->name);
}

const struct vx_path *vx_analysis_path_of(const struct vx_analysis *an, const struct vx_rec *r)
{
	int k = vx_path_index_of(an, r);

	return k >= 0 ? &an->paths[k] : NULL;
}

/* ---- paths from the source's aggregate ---- */

struct path_first {
	int64_t capture, id;
	uint64_t ts;
	size_t idx;
};

struct path_rows {
	struct vx_analysis *an;
	struct path_first *first;
	size_t cap;
};

static int path_row(void *arg, const struct vx_path_row *row)
{
	struct path_rows *pr = arg;
	struct vx_analysis *an = pr->an;
	int k;

	/* every event name of each capture: the journey rule's traced kinds */
	vx_traced_set_add(&an->priv->traced, row->first_capture, row->name);
	vx_links_note_name(an, row->first_capture, row->name);
	if (!row->stack_id)
		return 0;	/* events without a stack make no path */
	k = vx_path_index_find(&an->pathidx, row->stack_id, row->name);
	if (row->stack_missing)
		return vx_error("stack %lld of event %lld is missing from the database",
				(long long)row->stack_id, (long long)row->first_id);
	if (k >= 0) {
		struct path_first *f = &pr->first[k];

		an->paths[k].count += row->count;
		if (row->first_capture < f->capture || (row->first_capture == f->capture &&
		    (row->first_ts < f->ts || (row->first_ts == f->ts && row->first_id < f->id))))
			*f = (struct path_first){ row->first_capture, row->first_id, row->first_ts, (size_t)k };
		return 0;
	}
	if (an->npaths == pr->cap) {
		size_t fcap = pr->cap;

		VX_GROW(an->paths, an->npaths, pr->cap);
		VX_GROW(pr->first, an->npaths, fcap);
	}
	struct vx_stack *st = arena_alloc(&an->arena, sizeof(*st));
	struct vx_path *p = &an->paths[an->npaths];

	st->id = row->stack_id;
	st->nframes = row->nframes;
	st->frames = arena_alloc(&an->arena, (row->nframes ? row->nframes : 1) * sizeof(char *));
	for (size_t f = 0; f < row->nframes; f++)
		st->frames[f] = arena_strdup(&an->arena, row->frames[f]);
	memset(p, 0, sizeof(*p));
	p->event = arena_strdup(&an->arena, row->name);
	p->count = row->count;
	path_facts(an, p, st);
	pr->first[an->npaths] = (struct path_first){ row->first_capture, row->first_id, row->first_ts, an->npaths };
	vx_path_index_add(&an->pathidx, an->paths, an->npaths++);
	return 0;
}

static int cmp_path_first_key(const void *a, const void *b)
{
	const struct path_first *x = a, *y = b;

	if (x->capture != y->capture)
		return x->capture < y->capture ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_stack_id(const void *a, const void *b)
{
	const struct vx_stack *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int vx_paths_stream(struct vx_analysis *an)
{
	struct path_rows pr = { an, NULL, 0 };
	struct vx_path *sorted;
	int ret;

	vx_path_index_build(&an->pathidx, an->paths, 0);
	ret = an->src->paths_each(an->src->priv, path_row, &pr);
	if (ret) {
		free(pr.first);
		return ret < 0 ? ret : -1;
	}
	if (an->npaths)
		qsort(pr.first, an->npaths, sizeof(*pr.first), cmp_path_first_key);
	sorted = xcalloc(an->npaths ? an->npaths : 1, sizeof(*sorted));
	for (size_t i = 0; i < an->npaths; i++) {
		sorted[i] = an->paths[pr.first[i].idx];
		sorted[i].id = (int)i + 1;
	}
	free(an->paths);
	free(pr.first);
	an->paths = sorted;
	vx_path_index_build(&an->pathidx, an->paths, an->npaths);
	/* the stacks of the dataset (routes.c looks stacks up by id there) */
	an->priv->own.stacks = xcalloc(an->npaths ? an->npaths : 1, sizeof(*an->priv->own.stacks));
	for (size_t i = 0; i < an->npaths; i++)
		an->priv->own.stacks[an->priv->own.nstacks++] = *an->paths[i].stack;
	qsort(an->priv->own.stacks, an->priv->own.nstacks, sizeof(*an->priv->own.stacks), cmp_stack_id);
	size_t n = 0;

	for (size_t i = 0; i < an->priv->own.nstacks; i++)
		if (!n || an->priv->own.stacks[n - 1].id != an->priv->own.stacks[i].id)
			an->priv->own.stacks[n++] = an->priv->own.stacks[i];
	an->priv->own.nstacks = n;
	return 0;
}

void vx_traced_set_add(struct vx_traced_set *s, int64_t capture_id, const char *name)
{
	size_t i;

	for (i = 0; i < s->n && s->v[i].capture_id != capture_id; i++)
		;
	if (i == s->n) {
		VX_GROW(s->v, s->n, s->cap);
		s->v[s->n++] = (struct vx_traced){ capture_id, 0 };
	}
	vx_journey_traced_add(&s->v[i].traced, name);
}

uint32_t vx_traced_set_of(const struct vx_traced_set *s, int64_t capture_id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].capture_id == capture_id)
			return s->v[i].traced;
	return ~0u;	/* nothing known: everything is recorded */
}

void vx_traced_set_release(struct vx_traced_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
