/* links.c: one packet across skbs (see links.h). After the journeys are built, one walk of
 * the link probes in time order pairs each copying function's entry (the old skb) with its
 * return on the same CPU (the new skb), reads skb_gro_receive's two skbs and a segment list's
 * ->next chain, and keeps the links that touch a kept journey; the far ends that are not
 * kept are found by a resolving walk of the builder and numbered with the shapes' first
 * journeys. The same walk watches the clones of dropped journeys: one that reaches a socket
 * turns its original's drop into a delivery (a raw socket gets a clone of the echo reply
 * while icmp_rcv frees the original with a drop reason). An analysis that hands each journey
 * on as it ends (export) walks the probes once before the journeys instead, watching every
 * clone call, so that a journey's drop is excused as it ends (vx_links_early).
 * Must not: touch the store (only the source's callbacks), parse inputs, or print.
 */
#include "analysis-int.h"

#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "core/error.h"
#include "core/xalloc.h"

void vx_links_note_name(struct vx_analysis *an, int64_t capture_id, const char *name)
{
	struct vx_analysis_priv *pv = an->priv;
	enum vx_link_ev ev = vx_link_event_of(name, NULL, NULL);

	(void)capture_id;
	if (ev == VX_LEV_NONE || ev == VX_LEV_NAT)
		return;
	pv->link_probes = pv->link_probes || ev == VX_LEV_RETURN || ev == VX_LEV_MERGE;
	for (size_t i = 0; i < pv->nlink_names; i++)
		if (!strcmp(pv->link_names[i], name))
			return;
	VX_GROW(pv->link_names, pv->nlink_names, pv->link_names_cap);
	pv->link_names[pv->nlink_names++] = xstrdup(name);
}

/* the event ids of @j's first calls of a clone or copy function (their entries: the skb is
 * the journey's own), at most VX_DEFERRED_ENTRIES, into @ids; how many */
static size_t clone_calls(const struct vx_journey *j, int64_t ids[VX_DEFERRED_ENTRIES])
{
	size_t n = 0;

	for (size_t i = 0; i < j->nhops && n < VX_DEFERRED_ENTRIES; i++) {
		const struct vx_hop *h = &j->hops[i];
		enum vx_link_kind k;

		if (h->rec && vx_hop_kind_of(h->event) == VX_HOP_OTHER &&
		    vx_link_event_of(h->event, &k, NULL) == VX_LEV_ENTRY && k != VX_LINK_SEGMENT)
			ids[n++] = h->rec->id;
	}
	return n;
}

bool vx_links_defer(struct vx_analysis *an, const struct vx_journey *j, int mine)
{
	struct vx_analysis_priv *pv = an->priv;
	struct vx_deferred d = { .capture = j->capture_id, .mine = mine, .fate.pid = -1 };

	/* the early walk decided it as it ended (vx_links_excuse_early) */
	if (!pv->link_probes || !j->drop || !j->nhops || pv->early)
		return false;
	d.nentries = clone_calls(j, d.entries);
	if (!d.nentries)
		return false;
	d.what = vx_mine_what(j);
	d.ts = j->hops[0].ts_ns;
	d.id = j->hops[0].rec ? j->hops[0].rec->id : 0;
	d.reason = j->drop->reason ? arena_strdup(&an->arena, j->drop->reason) : NULL;
	d.location = j->drop->location ? arena_strdup(&an->arena, j->drop->location) : NULL;
	VX_GROW(pv->deferred, pv->ndeferred, pv->deferred_cap);
	pv->deferred[pv->ndeferred++] = d;
	return true;
}

/* ---- the walk's state ---- */

/* a call of a copying function waiting for its return on one CPU */
struct pending {
	int64_t id;
	uint64_t ts, skb;
	const char *func;
};

/* the segments a segment list's return reads: seg0 (its own skb) and seg1..seg13 (the
 * recorder's chain, record-plan.c) */
#define SEGMENTS_READ 13

#define PENDING_MAX 16
#define PENDING_MAX_NS 1000000000ULL	/* a return never seen (kretprobe missed) is forgotten */

struct cpu_calls {
	struct pending p[PENDING_MAX];
	size_t n;
};

/*
 * struct lref - one end of a link: the event @id itself (@exact), or the first event on
 * (@capture, @skb) from (@ts, @id) on (a segment after the first, a merge's head); where it
 * is: @kept (index into an->journeys, -1) and @hop, or after a resolving walk @key, @counts
 * and, once numbered, @jid
 */
struct lref {
	int64_t capture;
	uint64_t skb, ts;
	int64_t id;
	bool exact;
	int kept;
	int hop;
	bool wanted, found, counts;
	struct jkey key;
	int jid;
};

struct lrec {
	enum vx_link_kind kind;
	const char *func;
	struct lref parent, child;
};

/* a clone of a deferred drop (or, in the early walk, of any call), watched until it is
 * delivered */
struct watch {
	int64_t capture;
	uint64_t skb, born;
	size_t to;		/* index into an->priv->deferred, or in the early walk into fates */
};

struct vx_links {
	struct vx_analysis *an;
	struct vx_hash hops;	/* kept hop's event id -> journey << 16 | hop */
	struct vx_hash addrs;	/* (capture, skb) -> kept journey index */
	struct cpu_calls *cpus;
	size_t ncpus;
	int64_t capture;	/* of the CPUs' calls */
	struct lrec *recs;
	size_t nrecs, recs_cap;
	struct vx_hash dentries;	/* deferred clone call's event id -> deferred index */
	struct watch *watch;
	size_t nwatch, watch_cap;
	struct vx_hash watched;	/* (capture, skb) -> watch index */
	struct vx_hash wanted;	/* (capture, skb) -> ref (rec << 1 | child) */
	size_t *open;		/* refs found in the resolving walk's open journey */
	size_t nopen, open_cap;
	struct arena tmp;
	bool early;		/* vx_links_early(): every clone call watched, every link kept */
	struct vx_hash byjourney;	/* early: a found end's journey key -> ref (rec << 1 | child) */
	struct vx_hash fated;	/* early: a call's entry event id -> index into fates */
	struct vx_clone_fate *fates;
	size_t nfates, fates_cap;
};

static uint64_t addr_key(int64_t capture, uint64_t skb)
{
	return skb ^ ((uint64_t)capture * 0x9e3779b97f4a7c15ULL);
}

/* a journey's key (struct jkey) as a hash */
static uint64_t jkey_hash(int64_t capture, uint64_t ts, int64_t id)
{
	uint64_t v[3] = { (uint64_t)capture, ts, (uint64_t)id };

	return vx_hash64(VX_HASH_INIT, v, sizeof(v));
}

static struct lref *ref_at(struct vx_links *l, uint64_t v)
{
	return v & 1 ? &l->recs[v >> 1].child : &l->recs[v >> 1].parent;
}

/* the kept journeys' hops by event id and the kept journeys by address */
static void index_kept(struct vx_links *l)
{
	struct vx_analysis *an = l->an;

	for (size_t k = 0; k < an->njourneys; k++) {
		const struct vx_journey *j = &an->journeys[k];

		vx_hash_add(&l->addrs, addr_key(j->capture_id, j->skb), k);
		for (size_t h = 0; h < j->nhops && h < 0xffff; h++)
			if (j->hops[h].rec)
				vx_hash_add(&l->hops, (uint64_t)j->hops[h].rec->id, k << 16 | h);
	}
}

static int key_cmp_rec(uint64_t ts, int64_t id, uint64_t rts, int64_t rid)
{
	if (ts != rts)
		return ts < rts ? -1 : 1;
	return (id > rid) - (id < rid);
}

/* @r among the kept journeys: the hop of its event, or of the first event on its address
 * from its time on (the journey holding that time, or the next one within the silence a
 * journey may have) */
static void ref_find_kept(struct vx_links *l, struct lref *r)
{
	const struct vx_analysis *an = l->an;
	struct vx_hash_slot *s;
	uint64_t best_ts = UINT64_MAX;

	r->kept = r->hop = -1;
	if (r->exact) {
		vx_hash_each(&l->hops, (uint64_t)r->id, s) {
			const struct vx_journey *j = &an->journeys[s->value >> 16];
			size_t h = s->value & 0xffff;

			if (j->hops[h].rec && j->hops[h].rec->id == r->id) {
				r->kept = (int)(s->value >> 16);
				r->hop = (int)h;
				return;
			}
		}
		return;
	}
	vx_hash_each(&l->addrs, addr_key(r->capture, r->skb), s) {
		const struct vx_journey *j = &an->journeys[s->value];
		const struct vx_hop *last = &j->hops[j->nhops - 1];
		int64_t lid = last->rec ? last->rec->id : 0;

		if (j->capture_id != r->capture || j->skb != r->skb || !j->nhops)
			continue;
		if (!j->hops_left_out && key_cmp_rec(last->ts_ns, lid, r->ts, r->id) < 0)
			continue;	/* over before the link */
		if (j->hops[0].ts_ns > r->ts + VX_JOURNEY_GAP_NS || j->hops[0].ts_ns >= best_ts)
			continue;
		best_ts = j->hops[0].ts_ns;
		r->kept = (int)s->value;
		r->hop = (int)j->nhops - 1;
		for (size_t h = 0; h < j->nhops; h++)
			if (key_cmp_rec(j->hops[h].ts_ns, j->hops[h].rec ? j->hops[h].rec->id : 0, r->ts, r->id) >= 0) {
				r->hop = (int)h;
				break;
			}
	}
}

/* a link found by the walk: kept when one of its ends is a kept journey */
static void link_add(struct vx_links *l, enum vx_link_kind kind, const char *func, const struct lref *parent,
		     const struct lref *child)
{
	struct lrec rec = { kind, func, *parent, *child };

	if (l->early) {
		/* every link, both ends found by the resolving walk before the journeys */
		VX_GROW(l->recs, l->nrecs, l->recs_cap);
		l->recs[l->nrecs] = rec;
		for (int side = 0; side < 2; side++) {
			struct lref *x = side ? &l->recs[l->nrecs].child : &l->recs[l->nrecs].parent;

			x->wanted = true;
			vx_hash_add(&l->wanted, addr_key(x->capture, x->skb), (uint64_t)l->nrecs << 1 | (uint64_t)side);
		}
		l->nrecs++;
		return;
	}
	ref_find_kept(l, &rec.parent);
	ref_find_kept(l, &rec.child);
	if (rec.parent.kept < 0 && rec.child.kept < 0)
		return;
	VX_GROW(l->recs, l->nrecs, l->recs_cap);
	l->recs[l->nrecs++] = rec;
}

/* ---- the walk ---- */

static struct cpu_calls *cpu_of(struct vx_links *l, const struct vx_rec *r)
{
	size_t c = r->cpu >= 0 ? (size_t)r->cpu + 1 : 0;	/* an unknown CPU has its own */

	if (r->capture_id != l->capture) {
		for (size_t i = 0; i < l->ncpus; i++)
			l->cpus[i].n = 0;
		l->capture = r->capture_id;
	}
	if (c >= l->ncpus) {
		size_t n = c + 1;

		l->cpus = xrealloc(l->cpus, n * sizeof(*l->cpus));
		memset(l->cpus + l->ncpus, 0, (n - l->ncpus) * sizeof(*l->cpus));
		l->ncpus = n;
	}
	return &l->cpus[c];
}

static void call_push(struct cpu_calls *c, const struct vx_rec *r, const char *func)
{
	if (c->n == PENDING_MAX) {
		memmove(c->p, c->p + 1, (PENDING_MAX - 1) * sizeof(c->p[0]));
		c->n--;
	}
	c->p[c->n++] = (struct pending){ r->id, r->ts_ns, r->skb, func };
}

/* the call @r returns from: the latest of its function on its CPU (calls above it, whose
 * returns were not seen, go with it); false when none */
static bool call_pop(struct cpu_calls *c, const struct vx_rec *r, const char *func, struct pending *out)
{
	for (size_t i = c->n; i-- > 0;) {
		if (c->p[i].func != func)
			continue;
		*out = c->p[i];
		c->n = i;
		return out->ts <= r->ts_ns && r->ts_ns - out->ts <= PENDING_MAX_NS;
	}
	return false;
}

static struct lref ref_event(const struct vx_rec *r, uint64_t skb)
{
	return (struct lref){ .capture = r->capture_id, .skb = skb, .ts = r->ts_ns, .id = r->id,
			      .exact = true, .kept = -1, .hop = -1 };
}

/* the call's entry event, on the old skb */
static struct lref call_ref(const struct vx_rec *r, const struct pending *call)
{
	return (struct lref){ .capture = r->capture_id, .skb = call->skb, .ts = call->ts, .id = call->id,
			      .exact = true, .kept = -1, .hop = -1 };
}

static struct lref ref_after(const struct vx_rec *r, uint64_t skb)
{
	struct lref x = ref_event(r, skb);

	x.exact = false;
	return x;
}

/* a new skb of a deferred drop's clone call: watched until a socket takes it */
static void watch_child(struct vx_links *l, const struct pending *call, const struct vx_rec *r)
{
	struct vx_hash_slot *s = l->early ? NULL : vx_hash_first(&l->dentries, (uint64_t)call->id);
	size_t to;

	if (l->early) {
		VX_GROW(l->fates, l->nfates, l->fates_cap);
		l->fates[l->nfates] = (struct vx_clone_fate){ .pid = -1 };
		vx_hash_add(&l->fated, (uint64_t)call->id, l->nfates);
		to = l->nfates++;
	} else if (s) {
		to = s->value;
	} else {
		return;
	}
	VX_GROW(l->watch, l->nwatch, l->watch_cap);
	l->watch[l->nwatch] = (struct watch){ r->capture_id, r->skb, r->ts_ns, to };
	vx_hash_add(&l->watched, addr_key(r->capture_id, r->skb), l->nwatch++);
}

/* a socket took @r's skb, or a process read it: a watched clone excuses its original */
static void watch_delivered(struct vx_links *l, const struct vx_rec *r, enum vx_link_ev ev, const char *func)
{
	struct vx_analysis *an = l->an;
	struct vx_hash_slot *s;

	vx_hash_each(&l->watched, addr_key(r->capture_id, r->skb), s) {
		const struct watch *w = &l->watch[s->value];
		struct vx_clone_fate *f = l->early ? &l->fates[w->to] : &an->priv->deferred[w->to].fate;

		if (w->capture != r->capture_id || w->skb != r->skb || w->born > r->ts_ns)
			continue;
		f->delivered = true;
		if (!f->where)
			f->where = ev == VX_LEV_READ ? "skb_copy_datagram" : func;
		if (ev == VX_LEV_READ && f->pid < 0) {
			f->pid = r->pid;
			f->comm = r->comm ? arena_strdup(&an->arena, r->comm) : NULL;
		}
	}
}

/* a segment list's return: a link to each segment (the first is the return's own skb, the
 * others hang off its ->next: fields seg1, seg2, ...) */
static void segments(struct vx_links *l, const struct vx_rec *r, const struct pending *call, const char *func)
{
	const struct vx_event_source *src = l->an->src;
	struct lref parent = call_ref(r, call), child = ref_event(r, r->skb);
	struct vx_field *f = NULL;
	size_t n;
	int k;

	link_add(l, VX_LINK_SEGMENT, func, &parent, &child);
	n = src->row_fields ? src->row_fields(src->priv, &l->tmp, &f) : 0;
	for (k = 1;; k++) {
		char key[16];
		const char *v = NULL;
		uint64_t seg;

		snprintf(key, sizeof(key), "seg%d", k);
		for (size_t i = 0; i < n && !v; i++)
			if (!strcmp(f[i].key, key))
				v = f[i].value;
		seg = v ? vx_parse_hex_u64(v) : 0;
		if (!seg || seg >= (uint64_t)-4095)
			break;
		child = ref_after(r, seg);
		link_add(l, VX_LINK_SEGMENT, func, &parent, &child);
	}
	/* the probe read the chain as far as it could and it went on: the rest is not followed */
	if (k > 1 && k - 1 >= SEGMENTS_READ && n)
		l->an->segments_unfollowed++;
	arena_release(&l->tmp);
}

static int link_event(void *arg, const struct vx_rec *r)
{
	struct vx_links *l = arg;
	enum vx_link_kind kind;
	const char *func = NULL;
	enum vx_link_ev ev = vx_link_event_of(r->name, &kind, &func);
	struct lref parent, child;
	struct pending call;

	if (!r->skb)
		return 0;
	switch (ev) {
	case VX_LEV_ENTRY:
		call_push(cpu_of(l, r), r, func);
		break;
	case VX_LEV_RETURN:
		/* a failed call returns NULL or an error pointer */
		if (!call_pop(cpu_of(l, r), r, func, &call) || r->skb >= (uint64_t)-4095)
			break;
		if (kind == VX_LINK_SEGMENT) {
			segments(l, r, &call, func);
			break;
		}
		parent = call_ref(r, &call);
		child = ref_event(r, r->skb);
		link_add(l, kind, func, &parent, &child);
		watch_child(l, &call, r);
		break;
	case VX_LEV_MERGE: {
		struct vx_field *f = NULL;
		const struct vx_event_source *src = l->an->src;
		size_t n = src->row_fields ? src->row_fields(src->priv, &l->tmp, &f) : 0;
		uint64_t head = 0;

		for (size_t i = 0; i < n; i++)
			if (!strcmp(f[i].key, "head"))
				head = vx_parse_hex_u64(f[i].value);
		arena_release(&l->tmp);
		parent = ref_after(r, head);
		child = ref_event(r, r->skb);
		if (head)
			link_add(l, VX_LINK_MERGE, func, &parent, &child);
		break;
	}
	case VX_LEV_DELIVER:
	case VX_LEV_READ:
		if (l->nwatch)
			watch_delivered(l, r, ev, func);
		break;
	case VX_LEV_NONE:
	case VX_LEV_NAT:
		break;
	}
	return 0;
}

int vx_links_walk(struct vx_analysis *an)
{
	struct vx_analysis_priv *pv = an->priv;
	const struct vx_event_source *src = an->src;
	struct vx_links *l;
	size_t far = 0;
	int ret;

	if (!pv->nlink_names || !src || !src->named_events_each)
		return 0;
	l = pv->links = xcalloc(1, sizeof(*l));
	l->an = an;
	l->capture = -1;
	index_kept(l);
	for (size_t i = 0; i < pv->ndeferred; i++)
		for (size_t e = 0; e < pv->deferred[i].nentries; e++)
			vx_hash_add(&l->dentries, (uint64_t)pv->deferred[i].entries[e], i);
	ret = src->named_events_each(src->priv, (const char *const *)pv->link_names, pv->nlink_names,
				     link_event, l);
	if (ret)
		return ret < 0 ? ret : -1;
	/* the far ends that are not kept: a resolving walk finds their journeys */
	for (size_t i = 0; i < l->nrecs; i++)
		for (int side = 0; side < 2; side++) {
			struct lref *x = side ? &l->recs[i].child : &l->recs[i].parent;

			if (x->kept >= 0)
				continue;
			x->wanted = true;
			vx_hash_add(&l->wanted, addr_key(x->capture, x->skb), (uint64_t)i << 1 | (uint64_t)side);
			far++;
		}
	return (int)(far > INT32_MAX ? INT32_MAX : far);
}

/* a drop excused by its clone's fate @f: the packet was delivered */
static void delivered_via_clone(struct vx_verdict *v, const struct vx_clone_fate *f)
{
	v->kind = VX_VERDICT_DELIVERED;
	v->via_clone = true;
	v->where = f->where;
	v->pid = f->pid;
	v->comm = f->comm;
	v->hop = -1;
	v->local = false;
}

int vx_links_early(struct vx_analysis *an)
{
	struct vx_analysis_priv *pv = an->priv;
	const struct vx_event_source *src = an->src;
	struct vx_links *l;
	int ret;

	if (!pv->journey_each || !pv->link_probes || !pv->nlink_names || !src || !src->named_events_each)
		return 0;
	l = pv->early = xcalloc(1, sizeof(*l));
	l->an = an;
	l->capture = -1;
	l->early = true;
	ret = src->named_events_each(src->priv, (const char *const *)pv->link_names, pv->nlink_names,
				     link_event, l);
	return ret ? (ret < 0 ? ret : -1) : 0;
}

void vx_links_excuse_early(struct vx_analysis *an, struct vx_journey *j)
{
	const struct vx_links *l = an->priv->early;
	int64_t ids[VX_DEFERRED_ENTRIES];
	size_t n;

	if (!l || j->verdict.kind != VX_VERDICT_DROPPED)
		return;
	/* the calls whose clones excuse a deferred drop (vx_links_defer), the same here */
	n = clone_calls(j, ids);
	for (size_t i = 0; i < n; i++) {
		struct vx_hash_slot *s;

		vx_hash_each(&l->fated, (uint64_t)ids[i], s) {
			if (l->fates[s->value].delivered) {
				delivered_via_clone(&j->verdict, &l->fates[s->value]);
				return;
			}
		}
	}
}

bool vx_links_early_wanted(const struct vx_analysis *an)
{
	return an->priv->early && an->priv->early->nrecs;
}

void vx_links_early_index(struct vx_analysis *an)
{
	struct vx_links *l = an->priv->early;

	for (size_t i = 0; l && i < l->nrecs; i++)
		for (int side = 0; side < 2; side++) {
			const struct lref *x = side ? &l->recs[i].child : &l->recs[i].parent;

			if (x->found && x->counts)
				vx_hash_add(&l->byjourney, jkey_hash(x->key.capture, x->key.ts, x->key.id),
					    (uint64_t)i << 1 | (uint64_t)side);
		}
}

void vx_links_attach_early(struct vx_analysis *an, struct vx_journey *j, struct arena *a)
{
	const struct vx_links *l = an->priv->early;
	struct jkey k;
	struct vx_hash_slot *s;
	size_t n = 0, cap = 0;

	if (!l || !l->byjourney.n || !j->nhops)
		return;
	k = vx_jkey_of(j);
	vx_hash_each(&l->byjourney, jkey_hash(k.capture, k.ts, k.id), s) {
		const struct lrec *r = &l->recs[s->value >> 1];
		bool side = s->value & 1;
		const struct lref *me = side ? &r->child : &r->parent, *other = side ? &r->parent : &r->child;

		if (vx_jkey_cmp(&me->key, &k))
			continue;
		if (n == cap) {
			struct vx_link *v = arena_alloc(a, (cap = cap ? 2 * cap : 4) * sizeof(*v));

			if (n)
				memcpy(v, j->links, n * sizeof(*v));
			j->links = v;
		}
		j->links[n++] = (struct vx_link){
			.kind = r->kind, .child = !side, .hop = me->hop,
			.other_hop = other->found ? other->hop : -1, .function = r->func,
			.other_first_id = other->found && other->counts ? other->key.id : 0,
		};
	}
	j->nlinks = n;
}

/* ---- the far ends: a resolving walk of the builder, then numbered ---- */

/* the links whose far ends a resolving walk finds: the kept journeys', else the early walk's */
static struct vx_links *resolving_links(struct vx_analysis *an)
{
	return an->priv->links ? an->priv->links : an->priv->early;
}

void vx_links_resolve_event(struct vx_analysis *an, const struct vx_rec *r, size_t hop, const struct jkey *key)
{
	struct vx_links *l = resolving_links(an);
	struct vx_hash_slot *s;

	if (!l || !l->wanted.n)
		return;
	vx_hash_each(&l->wanted, addr_key(r->capture_id, r->skb), s) {
		struct lref *x = ref_at(l, s->value);

		if (x->found || x->capture != r->capture_id || x->skb != r->skb)
			continue;
		if (x->exact ? x->id != r->id : key_cmp_rec(r->ts_ns, r->id, x->ts, x->id) < 0)
			continue;
		x->found = true;
		x->key = *key;
		x->hop = hop > INT32_MAX ? -1 : (int)hop;
		VX_GROW(l->open, l->nopen, l->open_cap);
		l->open[l->nopen++] = s->value;
	}
}

void vx_links_resolve_journey(struct vx_analysis *an, bool counts)
{
	struct vx_links *l = resolving_links(an);

	if (!l)
		return;
	for (size_t i = 0; i < l->nopen; i++)
		ref_at(l, l->open[i])->counts = counts;
	l->nopen = 0;
}

struct jkey *vx_links_keys(struct vx_analysis *an, size_t *n)
{
	struct vx_links *l = an->priv->links;
	struct jkey *k = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; l && i < l->nrecs; i++)
		for (int side = 0; side < 2; side++) {
			const struct lref *x = side ? &l->recs[i].child : &l->recs[i].parent;

			if (x->found && x->counts) {
				VX_GROW(k, *n, cap);
				k[(*n)++] = x->key;
			}
		}
	return k;
}

void vx_links_number(struct vx_analysis *an, const struct jkey *k, int id)
{
	struct vx_links *l = an->priv->links;

	for (size_t i = 0; l && i < l->nrecs; i++)
		for (int side = 0; side < 2; side++) {
			struct lref *x = side ? &l->recs[i].child : &l->recs[i].parent;

			if (x->found && x->counts && !vx_jkey_cmp(&x->key, k))
				x->jid = id;
		}
}

/* ---- the links onto the journeys, the deferred drops ---- */

static int ref_id(const struct vx_analysis *an, const struct lref *x)
{
	return x->kept >= 0 ? an->journeys[x->kept].id : x->jid;
}

static void attach_links(struct vx_analysis *an, struct vx_links *l)
{
	size_t *count = xcalloc(an->njourneys ? an->njourneys : 1, sizeof(*count));

	for (size_t i = 0; i < l->nrecs; i++) {
		if (l->recs[i].parent.kept >= 0)
			count[l->recs[i].parent.kept]++;
		if (l->recs[i].child.kept >= 0 && l->recs[i].child.kept != l->recs[i].parent.kept)
			count[l->recs[i].child.kept]++;
	}
	for (size_t k = 0; k < an->njourneys; k++)
		if (count[k])
			an->journeys[k].links = arena_alloc(&an->arena, count[k] * sizeof(struct vx_link));
	for (size_t i = 0; i < l->nrecs; i++) {
		const struct lrec *r = &l->recs[i];

		for (int side = 0; side < 2; side++) {
			const struct lref *me = side ? &r->child : &r->parent, *other = side ? &r->parent : &r->child;
			struct vx_journey *j;

			if (me->kept < 0 || (side && r->child.kept == r->parent.kept))
				continue;
			j = &an->journeys[me->kept];
			j->links[j->nlinks++] = (struct vx_link){
				.kind = r->kind, .child = !side, .journey_id = ref_id(an, other),
				.hop = me->hop, .other_hop = other->kept >= 0 || other->found ? other->hop : -1,
				.function = r->func,
			};
		}
	}
	free(count);
}

/* the command's packets lead to their clones, segments and merges: the kept journeys linked
 * to one of its journeys are its too (the report's first section; not counted again) */
static void mine_closure(struct vx_analysis *an)
{
	struct vx_hash byid = VX_HASH_INIT_EMPTY;
	size_t *todo = xmalloc((an->njourneys ? an->njourneys : 1) * sizeof(*todo)), n = 0;

	for (size_t k = 0; k < an->njourneys; k++) {
		vx_hash_add(&byid, (uint64_t)an->journeys[k].id, k);
		if (an->journeys[k].mine)
			todo[n++] = k;
	}
	while (n) {
		const struct vx_journey *j = &an->journeys[todo[--n]];

		for (size_t i = 0; i < j->nlinks; i++) {
			struct vx_hash_slot *s;

			if (!j->links[i].journey_id)
				continue;
			vx_hash_each(&byid, (uint64_t)j->links[i].journey_id, s) {
				struct vx_journey *o = &an->journeys[s->value];

				if (o->id == j->links[i].journey_id && !o->mine) {
					o->mine = true;
					todo[n++] = s->value;
				}
			}
		}
	}
	vx_hash_release(&byid);
	free(todo);
}

static struct vx_journey *journey_at(struct vx_analysis *an, size_t i)
{
	return i < an->njourneys ? &an->journeys[i] : an->shapes[i - an->njourneys].first;
}

/* an excused drop: it and its journeys (the kept one, the shape's first, found through
 * @byk: key -> index of journey_at) are delivered */
static void excuse(struct vx_analysis *an, const struct vx_deferred *d, const struct vx_hash *byk)
{
	struct jkey k = { d->capture, d->ts, d->id };
	struct vx_hash_slot *s;

	an->verdicts[VX_VERDICT_DROPPED]--;
	an->verdicts[VX_VERDICT_DELIVERED]++;
	vx_mine_excused(an, d);
	vx_hash_each(byk, jkey_hash(d->capture, d->ts, d->id), s) {
		struct vx_journey *j = journey_at(an, s->value);
		struct jkey x = vx_jkey_of(j);

		if (vx_jkey_cmp(&x, &k))
			continue;
		delivered_via_clone(&j->verdict, &d->fate);
		j->mine = j->mine || vx_mine_has_pid(an, d->capture, d->fate.pid);
	}
}

void vx_links_finish(struct vx_analysis *an)
{
	struct vx_analysis_priv *pv = an->priv;
	struct vx_hash byk = VX_HASH_INIT_EMPTY;

	if (pv->links)
		attach_links(an, pv->links);
	for (size_t i = 0; pv->ndeferred && i < an->njourneys + an->nshapes; i++) {
		struct jkey x = vx_jkey_of(journey_at(an, i));

		vx_hash_add(&byk, jkey_hash(x.capture, x.ts, x.id), i);
	}
	for (size_t i = 0; i < pv->ndeferred; i++) {
		const struct vx_deferred *d = &pv->deferred[i];

		if (d->fate.delivered)
			excuse(an, d, &byk);
		else
			vx_analysis_count_drop(an, &(struct vx_drop){ .reason = d->reason, .location = d->location });
	}
	vx_hash_release(&byk);
	if (pv->links && an->ncommands)
		mine_closure(an);
	vx_links_release(an);
}

static void links_free(struct vx_links *l)
{
	vx_hash_release(&l->hops);
	vx_hash_release(&l->addrs);
	vx_hash_release(&l->dentries);
	vx_hash_release(&l->watched);
	vx_hash_release(&l->wanted);
	free(l->cpus);
	free(l->recs);
	free(l->watch);
	free(l->open);
	vx_hash_release(&l->fated);
	vx_hash_release(&l->byjourney);
	free(l->fates);
	arena_release(&l->tmp);
	free(l);
}

void vx_links_release(struct vx_analysis *an)
{
	struct vx_analysis_priv *pv = an->priv;

	free(pv->deferred);
	pv->deferred = NULL;
	pv->ndeferred = pv->deferred_cap = 0;
	if (pv->links)
		links_free(pv->links);
	if (pv->early)
		links_free(pv->early);
	pv->links = pv->early = NULL;
}
