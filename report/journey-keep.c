/* journey-keep.c: which journeys the analysis keeps in detail and how the rest fold into
 * shapes: the first journeys in time per host (heaps of packed copies within a byte budget),
 * their windows aligned across hosts so both halves of a packet are kept, their ids as ranks
 * in time, and the shapes with their latency distributions.
 * Must not: touch the store, parse inputs, or print.
 */
#include "analysis-int.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

size_t vx_kept_len(const char *s)
{
	size_t n = strnlen(s, VX_KEPT_STR_MAX + 1);

	if (n > VX_KEPT_STR_MAX) {
		n = VX_KEPT_STR_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return n;
}

/* kept strings compare as kept: a journey with a 1 MB device name matches its copy */
static bool kept_eq(const char *a, const char *b)
{
	size_t n = vx_kept_len(a);

	return n == vx_kept_len(b) && !memcmp(a, b, n);
}

/* journey_pack - one malloc'd copy of @j with its hops, recs and strings (free() frees
 * all; fields are left out, see fetch_fields); *@bytes receives its size */
static struct vx_journey *journey_pack_sized(const struct vx_journey *j, size_t *bytes)
{
	size_t sz = sizeof(*j) + j->nhops * (sizeof(struct vx_hop) + sizeof(struct vx_rec)), off;
	size_t npkt = 0, nnat = 0;
	struct vx_journey *c;
	struct vx_packet *pk;
	struct vx_nat *nt;
	char *p;

	for (size_t i = 0; i < j->nhops; i++) {
		npkt += j->hops[i].pkt != NULL;
		nnat += j->hops[i].nat != NULL;
	}
	sz += npkt * sizeof(struct vx_packet) + nnat * sizeof(struct vx_nat);
	sz += (j->verdict.where ? vx_kept_len(j->verdict.where) + 1 : 0) +
	      (j->verdict.comm ? vx_kept_len(j->verdict.comm) + 1 : 0);
	if (j->drop)
		sz += sizeof(struct vx_drop) + (j->drop->reason ? vx_kept_len(j->drop->reason) + 1 : 0) +
		      (j->drop->location ? vx_kept_len(j->drop->location) + 1 : 0);
	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_rec *r = j->hops[i].rec;

		sz += vx_kept_len(j->hops[i].event) + 1 + (j->hops[i].dev ? vx_kept_len(j->hops[i].dev) + 1 : 0) +
		      (r && r->comm ? vx_kept_len(r->comm) + 1 : 0);
	}
	*bytes = sz;
	c = xmalloc(sz);
	*c = *j;
	c->hops = (struct vx_hop *)(c + 1);
	struct vx_rec *recs = (struct vx_rec *)(c->hops + j->nhops);

	pk = (struct vx_packet *)(recs + j->nhops);
	nt = (struct vx_nat *)(pk + npkt);
	p = (char *)(nt + nnat);
	if (j->drop) {
		struct vx_drop *d = (struct vx_drop *)p;

		*d = *j->drop;
		c->drop = d;
		p = (char *)(d + 1);
	}
	off = 0;
#define COPY(dst, src) do { size_t n_ = vx_kept_len(src); memcpy(p + off, (src), n_); p[off + n_] = '\0'; \
			    (dst) = p + off; off += n_ + 1; } while (0)
	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_hop *h = &j->hops[i];
		struct vx_hop *d = &c->hops[i];

		*d = *h;
		if (h->pkt) {
			*pk = *h->pkt;
			d->pkt = pk++;
		}
		if (h->nat) {
			*nt = *h->nat;
			d->nat = nt++;
		}
		COPY(d->event, h->event);
		if (h->dev) {
			COPY(d->dev, h->dev);
			if (j->tunnel_dev == h->dev)
				c->tunnel_dev = d->dev;
		}
		if (h->rec) {
			recs[i] = *h->rec;
			recs[i].name = d->event;
			recs[i].dev = d->dev;
			recs[i].fields = NULL;
			recs[i].nfields = 0;
			if (h->rec->comm)
				COPY(recs[i].comm, h->rec->comm);
			d->rec = &recs[i];
		}
	}
	if (j->drop) {
		struct vx_drop *d = (struct vx_drop *)c->drop;

		if (j->drop->reason)
			COPY(d->reason, j->drop->reason);
		if (j->drop->location)
			COPY(d->location, j->drop->location);
	}
	if (j->verdict.where)
		COPY(c->verdict.where, j->verdict.where);
	if (j->verdict.comm)
		COPY(c->verdict.comm, j->verdict.comm);
	c->links = NULL;
	c->nlinks = 0;
#undef COPY
	return c;
}

static struct vx_journey *journey_pack(const struct vx_journey *j)
{
	size_t n;

	return journey_pack_sized(j, &n);
}

static size_t packed_size(const struct vx_journey *c)
{
	size_t sz = sizeof(*c) + c->nhops * (sizeof(struct vx_hop) + sizeof(struct vx_rec));

	if (c->drop)
		sz += sizeof(struct vx_drop) + (c->drop->reason ? strlen(c->drop->reason) + 1 : 0) +
		      (c->drop->location ? strlen(c->drop->location) + 1 : 0);
	for (size_t i = 0; i < c->nhops; i++)
		sz += (c->hops[i].pkt ? sizeof(struct vx_packet) : 0) + (c->hops[i].nat ? sizeof(struct vx_nat) : 0) +
		      strlen(c->hops[i].event) + 1 + (c->hops[i].dev ? strlen(c->hops[i].dev) + 1 : 0) +
		      (c->hops[i].rec && c->hops[i].rec->comm ? strlen(c->hops[i].rec->comm) + 1 : 0);
	sz += (c->verdict.where ? strlen(c->verdict.where) + 1 : 0) + (c->verdict.comm ? strlen(c->verdict.comm) + 1 : 0);
	return sz;
}

static void heap_swap(struct vx_journey **h, size_t a, size_t b)
{
	struct vx_journey *t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static bool heap_less(struct vx_journey *a, struct vx_journey *b)
{
	struct jkey x = vx_jkey_of(a), y = vx_jkey_of(b);

	return vx_jkey_cmp(&x, &y) < 0;
}

static void heap_sift_down(struct kheap *k);
static void heap_trim(struct kheap *k);

/* the index of ds->captures of capture @id (the last one asked first), SIZE_MAX unknown */
static size_t capture_index(struct builder *b, int64_t id)
{
	const struct vx_dataset *ds = b->an->ds;

	if (b->cap_last < ds->ncaptures && ds->captures[b->cap_last].id == id)
		return b->cap_last;
	for (size_t i = 0; i < ds->ncaptures; i++)
		if (ds->captures[i].id == id)
			return b->cap_last = i;
	return SIZE_MAX;
}

static int cmp_sketch(const void *a, const void *b)
{
	const struct sketch_entry *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->ts > y->ts) - (x->ts < y->ts);
}

/* @k's sketch sorted by identity, an identity seen twice once and ambiguous, at most
 * VX_ALIGN_SKETCH entries (the smallest identities) */
static void sketch_compact(struct kheap *k)
{
	size_t n = 0;

	if (!k->nsk)
		return;
	qsort(k->sk, k->nsk, sizeof(*k->sk), cmp_sketch);
	for (size_t i = 0; i < k->nsk; i++) {
		if (n && k->sk[n - 1].key == k->sk[i].key) {
			k->sk[n - 1].ambiguous = true;
			continue;
		}
		k->sk[n++] = k->sk[i];
	}
	if (n >= VX_ALIGN_SKETCH) {
		n = VX_ALIGN_SKETCH;
		k->sk_limit = k->sk[n - 1].key;
	}
	k->nsk = n;
}

/* the packet identities of @j (each once) into @k's bottom-k sketch, with @j's start */
static void sketch_add(struct kheap *k, const struct vx_journey *j)
{
	uint64_t ids[2 * VX_JOURNEY_MAX_HOPS];
	size_t n = vx_journey_identities(j, ids);

	for (size_t i = 0; i < n; i++) {
		/* once full, only identities not above its largest can belong */
		if (ids[i] > k->sk_limit)
			continue;
		if (!k->sk)
			k->sk = xmalloc(2 * VX_ALIGN_SKETCH * sizeof(*k->sk));
		if (k->nsk == 2 * VX_ALIGN_SKETCH)
			sketch_compact(k);
		k->sk[k->nsk++] = (struct sketch_entry){ ids[i], j->hops[0].ts_ns, false };
	}
}

/* keep @j when it is among the first max_keep journeys of its heap by key (in the keeping
 * pass, among the first from the heap's aligned start) */
void vx_keep_journey(struct builder *b, const struct vx_journey *j)
{
	size_t c = capture_index(b, j->capture_id), i, n;
	struct kheap *k = &b->heaps[c == SIZE_MAX ? 0 : b->cap_heap[c]];
	struct vx_journey **h = k->h;

	if (b->rekeeping) {
		if (!k->from_set)
			return;	/* its first journeys stay kept from the first walk */
		if (j->hops[0].ts_ns < k->from_ts) {
			if (c != SIZE_MAX)
				b->cap_skipped[c]++;
			return;
		}
	} else {
		if (c != SIZE_MAX)
			b->cap_count[c]++;
		k->seen++;
		if (j->hops[0].ts_ns < k->first_ts)
			k->first_ts = j->hops[0].ts_ns;
		if (b->nheaps > 1)
			sketch_add(k, j);
	}
	if (!k->max_keep)
		return;
	if (k->n == k->max_keep) {
		if (!heap_less((struct vx_journey *)j, h[0]))
			return;
		k->bytes -= packed_size(h[0]);
		free(h[0]);
		h[0] = journey_pack_sized(j, &n);
		k->bytes += n;
		heap_sift_down(k);
		heap_trim(k);
		return;
	}
	VX_GROW(k->h, k->n, k->cap);
	h = k->h;
	h[k->n] = journey_pack_sized(j, &n);
	k->bytes += n;
	for (i = k->n++; i && heap_less(h[(i - 1) / 2], h[i]); i = (i - 1) / 2)
		heap_swap(h, i, (i - 1) / 2);
	heap_trim(k);
}

static void heap_sift_down(struct kheap *k)
{
	struct vx_journey **h = k->h;

	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < k->n && heap_less(h[m], h[l]))
			m = l;
		if (r < k->n && heap_less(h[m], h[r]))
			m = r;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
}

/* over its share of VX_KEPT_JOURNEY_BYTES, a heap's latest kept journeys go and fewer are
 * kept from now on (the heap still holds the first ones in time) */
static void heap_trim(struct kheap *k)
{
	while (k->bytes > k->budget && k->n > 1) {
		k->bytes -= packed_size(k->h[0]);
		free(k->h[0]);
		k->h[0] = k->h[--k->n];
		heap_sift_down(k);
		k->max_keep = k->n;
	}
}

static bool same_kept_hops(const struct vx_journey *a, const struct vx_journey *b)
{
	if (a->nhops != b->nhops || a->hops_left_out != b->hops_left_out)
		return false;
	for (size_t i = 0; i < a->nhops; i++) {
		const struct vx_hop *x = &a->hops[i], *y = &b->hops[i];

		if (!kept_eq(x->event, y->event) || (!x->dev != !y->dev) || (x->dev && !kept_eq(x->dev, y->dev)) ||
		    x->len != y->len || x->path != y->path)
			return false;
	}
	return true;
}

static void shape_count(struct vx_shape *s, const struct vx_journey *j)
{
	s->count++;
	for (size_t i = 1; i < s->nhist && i < j->nhops; i++)
		vx_hist_add(&s->hist[i], j->hops[i].ts_ns - j->hops[i - 1].ts_ns);
}

/* fold @j (hash @hash) into its shape; shapes beyond VX_MAX_SHAPES push out a shape seen
 * once (its journey joins the other shapes), else the journey goes to the other shapes */
void vx_shape_add(struct builder *b, const struct vx_journey *j, uint64_t hash)
{
	struct vx_analysis *an = b->an;
	struct vx_shape *s = NULL;
	struct jkey k = vx_jkey_of(j);

	for (size_t i = 0; i < an->nshapes; i++)
		if (an->shapes[i].hash == hash && same_kept_hops(an->shapes[i].first, j)) {
			s = &an->shapes[i];
			break;
		}
	if (s) {
		struct jkey f = vx_jkey_of(s->first);

		shape_count(s, j);
		if (vx_jkey_cmp(&k, &f) < 0) {
			free(s->first);
			s->first = journey_pack(j);
		}
		return;
	}
	if (an->nshapes == VX_MAX_SHAPES) {
		size_t victim = VX_MAX_SHAPES;

		for (size_t i = 0; i < an->nshapes && victim == VX_MAX_SHAPES; i++)
			if (an->shapes[i].count == 1)
				victim = i;
		an->other_shape_journeys++;
		if (victim == VX_MAX_SHAPES)
			return;
		s = &an->shapes[victim];
		free(s->first);
		free(s->hist);
	} else {
		if (!an->shapes) {
			an->shapes = xcalloc(VX_MAX_SHAPES, sizeof(*an->shapes));
		}
		s = &an->shapes[an->nshapes++];
	}
	memset(s, 0, sizeof(*s));
	s->hash = hash;
	s->first = journey_pack(j);
	s->nhist = j->nhops < VX_SHAPE_MAX_HOPS ? j->nhops : VX_SHAPE_MAX_HOPS;
	s->hist = xcalloc(s->nhist ? s->nhist : 1, sizeof(*s->hist));
	shape_count(s, j);
}

static int cmp_journey(const void *a, const void *b)
{
	struct jkey x = vx_jkey_of(a), y = vx_jkey_of(b);

	return vx_jkey_cmp(&x, &y);
}

static void add_block(struct vx_analysis_priv *pv, void *p)
{
	VX_GROW(pv->blocks, pv->nblocks, pv->blocks_cap);
	pv->blocks[pv->nblocks++] = p;
}

/* the heaps: one, or one per host when the captures come from several hosts (join.h), each
 * keeping @max_keep journeys in its share of VX_KEPT_JOURNEY_BYTES */
void vx_builder_heaps(struct builder *b, size_t max_keep)
{
	const struct vx_dataset *ds = b->an->ds;
	size_t nc = ds->ncaptures;
	bool other = false;

	vx_join_hosts(b->an);	/* only fails without a dataset, which the builder has */

	b->cap_heap = xcalloc(nc ? nc : 1, sizeof(*b->cap_heap));
	b->cap_count = xcalloc(nc ? nc : 1, sizeof(*b->cap_count));
	b->cap_skipped = xcalloc(nc ? nc : 1, sizeof(*b->cap_skipped));
	b->nheaps = 1;
	if (b->an->join.nhosts > 1) {
		/* captures of no known host together in one more heap */
		for (size_t i = 0; i < nc; i++) {
			int h = b->an->join.capture_host[i];

			other = other || h < 0;
			b->cap_heap[i] = h < 0 ? b->an->join.nhosts : (size_t)h;
		}
		b->nheaps = b->an->join.nhosts + other;
	}
	b->heaps = xcalloc(b->nheaps, sizeof(*b->heaps));
	for (size_t k = 0; k < b->nheaps; k++) {
		b->heaps[k].max_keep = max_keep;
		b->heaps[k].budget = VX_KEPT_JOURNEY_BYTES / b->nheaps;
		b->heaps[k].first_ts = UINT64_MAX;
		b->heaps[k].sk_limit = UINT64_MAX;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * With captures of several hosts, after the first walk: each host's kept window aligned on
 * the reference host's clock. Each host's clock offset is roughly the median of (its time -
 * the reference host's time) over the identities both hosts' sketches hold (the same
 * packet has the same identity on both, so both keep the same smallest ones); the windows
 * start at the latest host's first journey on the reference clock, less the spread of those
 * differences (10% either end left out) so that both halves of the first packets are in.
 * A host whose heap left journeys out and whose window starts after its first journey
 * keeps again, from its start, in a second walk; a host whose offset is unknown (no
 * identity in common) or that kept all its journeys keeps its first ones. Returns whether
 * some heap has to keep again.
 */
bool vx_builder_align(struct builder *b, size_t max_keep)
{
	struct vx_join *jn = &b->an->join;
	size_t nh = jn->nhosts, nd;
	int64_t *off, *d, start = INT64_MIN, spread = 0;
	bool *known, again = false;
	const struct kheap *r = &b->heaps[0];

	if (b->nheaps < 2 || nh < 2 || !max_keep)
		return false;
	for (size_t k = 0; k < b->nheaps; k++)
		sketch_compact(&b->heaps[k]);
	off = xcalloc(nh, sizeof(*off));
	known = xcalloc(nh, sizeof(*known));
	d = xmalloc(VX_ALIGN_SKETCH * sizeof(*d));
	known[0] = true;
	for (size_t h = 1; h < nh; h++) {
		const struct kheap *k = &b->heaps[h];
		size_t x = 0, y = 0;

		nd = 0;
		while (x < r->nsk && y < k->nsk) {
			if (r->sk[x].key < k->sk[y].key) {
				x++;
			} else if (r->sk[x].key > k->sk[y].key) {
				y++;
			} else {
				if (!r->sk[x].ambiguous && !k->sk[y].ambiguous)
					d[nd++] = (int64_t)k->sk[y].ts - (int64_t)r->sk[x].ts;
				x++;
				y++;
			}
		}
		if (!nd)
			continue;
		qsort(d, nd, sizeof(*d), cmp_i64);
		known[h] = true;
		off[h] = d[nd / 2];
		if (d[nd - 1 - nd / 10] - d[nd / 10] > spread)
			spread = d[nd - 1 - nd / 10] - d[nd / 10];
	}
	for (size_t h = 0; h < nh; h++)
		if (known[h] && b->heaps[h].first_ts != UINT64_MAX &&
		    (int64_t)b->heaps[h].first_ts - off[h] > start)
			start = (int64_t)b->heaps[h].first_ts - off[h];
	for (size_t h = 0; h < nh && start != INT64_MIN; h++) {
		struct kheap *k = &b->heaps[h];
		int64_t from = start + off[h] - spread;

		if (!known[h] || k->seen <= k->n || k->first_ts == UINT64_MAX || from <= (int64_t)k->first_ts)
			continue;
		/* it keeps again from @from: its first walk's journeys go */
		for (size_t i = 0; i < k->n; i++)
			free(k->h[i]);
		k->n = 0;
		k->bytes = 0;
		k->max_keep = max_keep;
		k->from_set = true;
		k->from_ts = (uint64_t)from;
		jn->hosts[h].kept_from = true;
		jn->hosts[h].kept_from_ns = (uint64_t)from;
		again = true;
	}
	free(d);
	free(known);
	free(off);
	return again;
}

/* the kept journeys of all heaps, in time order, become an->journeys; their ids are their
 * ranks in time order among all journeys: a heap keeps the first journeys of its captures
 * (from its aligned start, when align_windows() moved it), so a kept journey's rank is the
 * journeys of the captures before its own, plus its capture's journeys before the start,
 * plus its place among its capture's kept ones (1..n with one heap, as every kept journey
 * came first) */
void vx_builder_kept(struct builder *b)
{
	struct vx_analysis *an = b->an;
	const struct vx_dataset *ds = an->ds;
	size_t n = 0, before = 0, c = SIZE_MAX, at = 0;

	for (size_t k = 0; k < b->nheaps; k++)
		n += b->heaps[k].n;
	an->journeys = xcalloc(n ? n : 1, sizeof(*an->journeys));
	for (size_t k = 0; k < b->nheaps; k++) {
		for (size_t i = 0; i < b->heaps[k].n; i++) {
			an->journeys[an->njourneys++] = *b->heaps[k].h[i];
			add_block(an->priv, b->heaps[k].h[i]);
		}
		b->heaps[k].n = 0;
	}
	if (n)
		qsort(an->journeys, n, sizeof(*an->journeys), cmp_journey);
	for (size_t i = 0; i < n; i++) {
		struct vx_journey *j = &an->journeys[i];

		if (c == SIZE_MAX || ds->captures[c].id != j->capture_id) {
			size_t x = capture_index(b, j->capture_id);

			before = at = 0;
			for (size_t o = 0; x != SIZE_MAX && o < ds->ncaptures; o++)
				if (ds->captures[o].id < j->capture_id)
					before += b->cap_count[o];
			if (x != SIZE_MAX)	/* its journeys before its heap's aligned start */
				before += b->cap_skipped[x];
			c = x;
			if (x == SIZE_MAX)	/* not a capture of the dataset: as before, 1..n */
				before = i;
		}
		j->id = (int)(before + at++) + 1;
	}
}

void vx_builder_heaps_release(struct builder *b)
{
	for (size_t k = 0; k < b->nheaps; k++) {
		for (size_t i = 0; i < b->heaps[k].n; i++)
			free(b->heaps[k].h[i]);
		free(b->heaps[k].h);
		free(b->heaps[k].sk);
	}
	free(b->heaps);
	free(b->cap_heap);
	free(b->cap_count);
	free(b->cap_skipped);
}
