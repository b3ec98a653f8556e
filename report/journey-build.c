/* journey-build.c: the journey builder: the source's events in (capture, skb, time) order
 * become journeys, one address at a time, cut where the journey rule (journey-rule.h) sees
 * another packet; each finished journey is explained (hop-why.c), filtered, counted, folded
 * into its shape and maybe kept (journey-keep.c). Up to three walks of the source: the first
 * builds, a second keeps again when the hosts' windows moved, a third numbers the shapes'
 * first journeys that were not kept. Must not: touch the store, parse inputs, or print.
 */
#include "analysis-int.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "filter.h"
#include "core/xalloc.h"

static void count_before(struct builder *b, const struct vx_journey *j)
{
	struct jkey k = vx_jkey_of(j);
	size_t lo = 0, hi = b->nkeys;

	/* the first key greater than k: it and every later key started after k */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (vx_jkey_cmp(&b->keys[mid], &k) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->nkeys)
		b->less[lo]++;
}

/* a finished journey of the first walk (its verdict and NAT decided): counted by verdict,
 * its drop, the command's rows */
static void judge_journey(struct builder *b, struct vx_journey *j)
{
	struct vx_analysis *an = b->an;
	int mine = vx_mine_mark(an, j);

	an->verdicts[j->verdict.kind]++;
	/* a drop whose clone may have been delivered is counted once links.c knows */
	if (j->verdict.kind == VX_VERDICT_DROPPED && vx_links_defer(an, j, mine)) {
		vx_mine_count(an, j, mine);
		return;
	}
	vx_mine_count(an, j, mine);
	if (j->verdict.kind == VX_VERDICT_DROPPED)
		vx_analysis_count_drop(an, j->drop);
}

static void finish_journey(struct builder *b)
{
	struct vx_analysis *an = b->an;
	bool light = b->counting || b->resolving;	/* a walk that only counts or finds */
	struct vx_journey j;
	struct arena t;
	bool kept = false;

	if (!b->open)
		return;
	b->open = false;
	if (b->total >= 2) {
		memset(&j, 0, sizeof(j));
		j.capture_id = b->capture;
		j.skb = b->skb;
		j.hops = b->hops;
		j.nhops = b->nkept;
		j.hops_left_out = b->total - b->nkept;
		j.end = b->end;
		j.end_rule = b->end == VX_JEND_REUSED ? b->end_rule : NULL;
		if (!light || an->priv->filter) {
			vx_journey_encap(&j);
			vx_journey_segments(&j);
			vx_journey_why(an, &j, b->pkts, b->last_drop ? &b->last : NULL,
				       b->last_drop && b->last_path ? b->last_path->stack : NULL, b->prev_ts, &b->drop);
			/* a reason stored as a number reads as the capture's name of it */
			if (j.drop)
				b->drop.reason = vx_reason_name(an, j.capture_id, b->drop.reason);
			if (!light) {
				vx_journey_nat(&j, b->nats);
				vx_journey_verdict(&j, b->last_free ? &b->endrec : NULL, b->last_path);
				vx_links_excuse_early(an, &j);
				vx_links_attach_early(an, &j, &b->scratch);
			}
			if ((an->priv->filter || an->priv->journey_each) && an->priv->lookups_in_source &&
			    vx_journey_routes_find(an, &j, &b->scratch) < 0)
				b->failed = true;
		}
		/* --filter: the journeys that do not match are not counted anywhere */
		kept = !b->failed && (!an->priv->filter || vx_filter_match(an->priv->filter, &j));
		if (kept && an->priv->journey_each && !light && !b->rekeeping &&
		    an->priv->journey_each(an->priv->journey_each_arg, &j) < 0)
			b->failed = true;
		/* routes and early links live in the scratch: the kept get theirs afterwards */
		if (an->priv->lookups_in_source)
			vx_journey_routes_clear(&j);
		j.links = NULL;
		j.nlinks = 0;
		if (!kept) {
			;
		} else if (b->rekeeping) {
			vx_mine_mark(an, &j);
			vx_keep_journey(b, &j);
		} else if (b->counting) {
			count_before(b, &j);
		} else if (!b->resolving) {
			an->journeys_total++;
			an->journeys_encap += j.encap != NULL;
			an->journeys_reenter += j.reenters_ip_after_encap;
			judge_journey(b, &j);
			for (size_t i = 0; i < b->njpaths; i++)
				an->paths[b->jpaths[i]].in_journey = true;
			vx_shape_add(b, &j, vx_hash64(b->hash, &b->total, sizeof(b->total)));
			vx_keep_journey(b, &j);
		}
	}
	if (b->resolving)
		vx_links_resolve_journey(an, b->total >= 2 && kept);
	if (an->priv->journey_done && !light && !b->rekeeping)
		an->priv->journey_done(an->priv->journey_done_arg, &b->span, kept);
	/* the open journey's strings go (one journey late: the arenas take turns) */
	arena_release(&b->spare);
	t = b->spare;
	b->spare = b->scratch;
	b->scratch = t;
	b->nkept = b->total = 0;
	b->njpaths = 0;
	b->last_drop = false;
	b->last_free = false;
	b->serial++;
}

static uint64_t hash_hop(uint64_t h, const struct vx_rec *r, int path)
{
	int64_t pid = path >= 0 ? path + 1 : 0;

	h = vx_hash64(h, r->name, strlen(r->name) + 1);
	h = vx_hash64(h, r->dev ? r->dev : "", r->dev ? strlen(r->dev) + 1 : 1);
	h = vx_hash64(h, &r->len, sizeof(r->len));
	return vx_hash64(h, &pid, sizeof(pid));
}

/* the fields of @r that the journey needs (the packet a kprobe read; a drop's reason and
 * location), from the rec or the current row; none for the device tracepoints */
/* the kind of event @r on path @p (decided once per path), else by its name */
static enum vx_hop_kind rec_kind(const struct vx_rec *r, const struct vx_path *p)
{
	return p && p->journey.has_kind ? (enum vx_hop_kind)p->journey.kind : vx_hop_kind_of(r->name);
}

static size_t hop_fields(struct builder *b, const struct vx_rec *r, const struct vx_path *p, bool drop,
			 struct vx_field **out)
{
	*out = NULL;
	if (!drop && rec_kind(r, p) != VX_HOP_OTHER)
		return 0;
	if (r->nfields || !b->row_fields) {
		*out = r->fields;
		return r->nfields;
	}
	return b->row_fields(b->priv, &b->scratch, out);
}

/* the last event so far of the open journey: a drop, a free (the free that ends a journey
 * says how: a consume in a reader, in the local stack, ...), its path */
static void note_last(struct builder *b, const struct vx_rec *r, const struct vx_path *p, bool drop)
{
	b->last_drop = drop;
	b->last_path = p;
	b->last_free = drop || rec_kind(r, p) == VX_HOP_FREE;
	if (b->last_free && !b->counting && !b->resolving) {
		b->endrec = *r;
		b->endrec.comm = arena_strdup(&b->scratch, r->comm);
		b->endrec.name = drop ? "skb:kfree_skb" : "skb:consume_skb";
		b->endrec.dev = NULL;
		b->endrec.nfields = 0;
	}
}

static int journey_event(void *arg, const struct vx_rec *r)
{
	struct builder *b = arg;
	struct vx_analysis *an = b->an;
	int k = vx_path_index_of(an, r);
	const struct vx_path *p = k >= 0 ? &an->paths[k] : NULL;
	enum vx_journey_end end;
	bool drop;

	if (b->failed)
		return -1;
	if (!r->skb)
		return 0;
	if (!b->have_addr || r->capture_id != b->capture || r->skb != b->skb) {
		/* a new address: the open journey ends with the capture's events on its own */
		if (b->open) {
			b->end = vx_journey_close(&b->rule);
			b->end_rule = NULL;
			finish_journey(b);
		}
		vx_journey_state_reset(&b->rule, vx_traced_set_of(&an->priv->traced, r->capture_id));
		b->have_addr = true;
		b->capture = r->capture_id;
		b->skb = r->skb;
	}
	end = vx_journey_step(&b->rule, r, p ? &p->journey : NULL);
	if (end != VX_JEND_NONE && b->open) {
		b->end = end;
		b->end_rule = b->rule.rule;
		finish_journey(b);
	}
	if (!b->open) {
		b->open = true;
		b->hash = VX_HASH_INIT;
		b->span = (struct vx_span){ .capture_id = r->capture_id, .skb = r->skb,
					    .first_ts = r->ts_ns, .first_id = r->id };
	}
	b->span.last_ts = r->ts_ns;
	b->span.last_id = r->id;
	b->prev_ts = b->total ? b->last_ts : r->ts_ns;
	b->last_ts = r->ts_ns;
	b->total++;
	if (b->resolving) {
		struct jkey key = { b->span.capture_id, b->span.first_ts, b->span.first_id };

		vx_links_resolve_event(an, r, b->total - 1, &key);
	}
	if ((b->counting || b->resolving) && !an->priv->filter) {
		if (!b->nkept) {
			/* the key needs the first hop only */
			b->recs[0] = (struct vx_rec){ .id = r->id, .capture_id = r->capture_id, .ts_ns = r->ts_ns };
			b->hops[0] = (struct vx_hop){ .ts_ns = r->ts_ns, .rec = &b->recs[0] };
			b->nkept = 1;
		}
		return 0;
	}
	if (!b->counting && !b->resolving && !b->rekeeping) {
		b->hash = hash_hop(b->hash, r, k);
		if (k >= 0 && b->path_serial[k] != b->serial + 1) {
			b->path_serial[k] = b->serial + 1;
			b->jpaths[b->njpaths++] = k;
		}
	}
	drop = vx_event_is_drop(r->name);
	if (b->nkept < VX_JOURNEY_MAX_HOPS) {
		struct vx_rec *c = &b->recs[b->nkept];
		struct vx_hop *h = &b->hops[b->nkept++];

		*c = *r;
		c->name = arena_strdup(&b->scratch, r->name);
		c->dev = arena_strdup(&b->scratch, r->dev);
		c->comm = arena_strdup(&b->scratch, r->comm);
		c->nfields = hop_fields(b, r, p, drop, &c->fields);
		memset(h, 0, sizeof(*h));
		h->ts_ns = r->ts_ns;
		h->rec = c;
		h->event = c->name;
		h->dev = c->dev;
		h->len = r->len;
		h->path = p;
		if (drop)
			b->last = *c;
	} else if (drop) {
		/* a drop beyond the kept hops still says how the journey ended */
		b->last = *r;
		b->last.name = arena_strdup(&b->scratch, r->name);
		b->last.dev = arena_strdup(&b->scratch, r->dev);
		b->last.comm = arena_strdup(&b->scratch, r->comm);
		b->last.nfields = hop_fields(b, r, p, drop, &b->last.fields);
	}
	note_last(b, r, p, drop);
	return 0;
}

/* the last address's journey: the stream is over */
static void close_journey(struct builder *b)
{
	if (b->open) {
		b->end = vx_journey_close(&b->rule);
		b->end_rule = NULL;
		finish_journey(b);
	}
	b->have_addr = false;
}

static void builder_release(struct builder *b)
{
	vx_builder_heaps_release(b);
	arena_release(&b->scratch);
	arena_release(&b->spare);
	free(b->jpaths);
	free(b->path_serial);
	free(b->keys);
	free(b->less);
	free(b);
}

static int cmp_jkey_v(const void *a, const void *b)
{
	return vx_jkey_cmp(a, b);
}

static int cmp_shape(const void *a, const void *b)
{
	const struct vx_shape *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->first->id > y->first->id) - (x->first->id < y->first->id);
}

/* the fields of kept events that renderers read (flow.c: vx_journey_vni); only these are
 * kept, whatever else (and however much) an event carries */
static const char *const kept_fields[] = { "vni" };

/* the kept fields of @j's events, fetched by id once the stream is over */
static int fetch_fields(struct vx_analysis *an, struct vx_journey *j)
{
	int (*get)(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n) =
		an->src->event_fields;
	void *priv = an->src->priv;

	for (size_t i = 0; get && i < j->nhops; i++) {
		struct vx_rec *r = (struct vx_rec *)j->hops[i].rec;
		struct arena tmp = ARENA_INIT;
		struct vx_field *f;
		size_t n, k = 0;

		/* device tracepoints carry none of them (as hop_fields() reads no fields there) */
		if (!r || vx_hop_kind_of(r->name) != VX_HOP_OTHER)
			continue;
		if (get(priv, r->id, &tmp, &f, &n) < 0) {
			arena_release(&tmp);
			return -1;
		}
		for (size_t x = 0; x < n; x++)
			for (size_t w = 0; w < sizeof(kept_fields) / sizeof(kept_fields[0]); w++)
				k += !strcmp(f[x].key, kept_fields[w]);
		r->fields = NULL;
		r->nfields = 0;
		if (k) {
			r->fields = arena_alloc(&an->arena, k * sizeof(*r->fields));
			for (size_t x = 0; x < n; x++)
				for (size_t w = 0; w < sizeof(kept_fields) / sizeof(kept_fields[0]); w++)
					if (!strcmp(f[x].key, kept_fields[w])) {
						r->fields[r->nfields].key = kept_fields[w];
						r->fields[r->nfields++].value = arena_strndup(&an->arena, f[x].value,
							vx_kept_len(f[x].value));
					}
		}
		arena_release(&tmp);
	}
	return 0;
}

/* one walk of the source's journey events through the builder; 0, or -1 with vx_error() */
static int builder_walk(struct builder *b)
{
	const struct vx_event_source *src = b->an->src;
	int ret = src->journey_events_each(src->priv, journey_event, b);

	close_journey(b);
	if (!ret && b->failed)
		ret = -1;
	return ret ? (ret < 0 ? ret : -1) : 0;
}

/* the id of each shape's first journey and of the links' far ends (links.c): its id when it
 * was kept, else the journeys that started before it, counted in one more walk; 0, or -1
 * with vx_error() */
static int number_firsts(struct builder *b)
{
	struct vx_analysis *an = b->an;
	size_t nunres = 0, nlink = 0;
	struct jkey *lk = vx_links_keys(an, &nlink);

	b->keys = xmalloc((an->nshapes + nlink ? an->nshapes + nlink : 1) * sizeof(*b->keys));
	for (size_t s = 0; s < an->nshapes; s++) {
		struct jkey k = vx_jkey_of(an->shapes[s].first);
		size_t lo = 0, hi = an->njourneys;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			struct jkey m = vx_jkey_of(&an->journeys[mid]);

			if (vx_jkey_cmp(&m, &k) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < an->njourneys) {
			struct jkey m = vx_jkey_of(&an->journeys[lo]);

			if (!vx_jkey_cmp(&m, &k)) {
				an->shapes[s].first->id = an->journeys[lo].id;
				continue;
			}
		}
		an->shapes[s].first->id = 0;
		b->keys[nunres++] = k;
	}
	for (size_t i = 0; i < nlink; i++)
		b->keys[nunres++] = lk[i];
	free(lk);
	if (!nunres)
		return 0;
	/* a second walk counts the journeys that started before each unresolved first */
	qsort(b->keys, nunres, sizeof(*b->keys), cmp_jkey_v);
	b->nkeys = nunres;
	b->less = xcalloc(nunres, sizeof(*b->less));
	b->counting = true;
	if (builder_walk(b) < 0)
		return -1;
	for (size_t i = 1; i < nunres; i++)
		b->less[i] += b->less[i - 1];
	for (size_t s = 0; s < an->nshapes; s++) {
		struct jkey k = vx_jkey_of(an->shapes[s].first);
		struct jkey *f = bsearch(&k, b->keys, nunres, sizeof(k), cmp_jkey_v);

		if (!an->shapes[s].first->id && f)
			an->shapes[s].first->id = (int)b->less[f - b->keys] + 1;
	}
	for (size_t i = 0; i < nunres; i++)
		if (!i || vx_jkey_cmp(&b->keys[i], &b->keys[i - 1]))
			vx_links_number(an, &b->keys[i], (int)b->less[i] + 1);
	return 0;
}

/* the links of the kept journeys (links.c): their walk, and a resolving walk of the builder
 * when some far ends are not kept; 0, or -1 with vx_error() */
static int find_links(struct builder *b)
{
	int far = vx_links_walk(b->an);

	if (far <= 0)
		return far;
	b->resolving = true;
	far = builder_walk(b);
	b->resolving = false;
	return far;
}

int vx_journeys_build(struct vx_analysis *an, size_t max_keep)
{
	struct builder *b = xcalloc(1, sizeof(*b));
	int ret = 0;

	b->an = an;
	vx_builder_heaps(b, max_keep);
	b->row_fields = an->src->row_fields;
	b->priv = an->src->priv;
	b->jpaths = xmalloc((an->npaths ? an->npaths : 1) * sizeof(*b->jpaths));
	b->path_serial = xcalloc(an->npaths ? an->npaths : 1, sizeof(*b->path_serial));
	/* the journeys at both ends of every link, before the journeys are handed on */
	if (vx_links_early_wanted(an)) {
		b->resolving = true;
		ret = builder_walk(b);
		b->resolving = false;
		if (!ret)
			vx_links_early_index(an);
	}
	if (!ret)
		ret = builder_walk(b);
	if (!ret && vx_builder_align(b, max_keep)) {
		/* the keeping pass: the heaps whose windows moved keep again from their start */
		b->rekeeping = true;
		ret = builder_walk(b);
		b->rekeeping = false;
	}
	if (!ret)
		vx_builder_kept(b);
	/* the kept journeys' links and the ids of far ends and first journeys, when asked */
	if (!ret && !an->priv->no_numbering)
		ret = find_links(b);
	if (!ret && !an->priv->no_numbering)
		ret = number_firsts(b);
	builder_release(b);
	if (ret)
		return -1;
	vx_links_finish(an);
	vx_analysis_sort_drops(an);
	if (an->nshapes)
		qsort(an->shapes, an->nshapes, sizeof(*an->shapes), cmp_shape);
	for (size_t s = 0; s < an->nshapes; s++) {
		an->shapes[s].id = (int)s + 1;
		if (fetch_fields(an, an->shapes[s].first) < 0)
			return -1;
	}
	for (size_t i = 0; i < an->njourneys; i++)
		if (fetch_fields(an, &an->journeys[i]) < 0)
			return -1;
	return 0;
}
