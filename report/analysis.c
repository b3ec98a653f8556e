/* analysis.c: paths (distinct event+stack pairs) with their IP-layer passes and
 * encapsulation, and journeys (events joined by skb address). See analysis.h.
 * Must not: touch the store, parse inputs, or print.
 */
#include "analysis.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"

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

/* ---- paths ---- */

struct path_key {
	int64_t stack_id;
	const char *name;
	size_t rec;
};

static int cmp_path_key(const void *a, const void *b)
{
	const struct path_key *x = a, *y = b;
	int c;

	if (x->stack_id != y->stack_id)
		return x->stack_id < y->stack_id ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static int cmp_path_first(const void *a, const void *b)
{
	const struct path_key *x = a, *y = b;

	return x->rec < y->rec ? -1 : x->rec > y->rec;
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

static int build_paths(struct vx_analysis *an)
{
	const struct vx_dataset *ds = an->ds;
	struct path_key *keys = malloc((ds->nrecs ? ds->nrecs : 1) * sizeof(*keys));
	struct path_key *firsts;
	size_t nk = 0, ngroups = 0;

	an->rec_path = malloc((ds->nrecs ? ds->nrecs : 1) * sizeof(int));
	if (!keys || !an->rec_path)
		abort();
	for (size_t i = 0; i < ds->nrecs; i++) {
		an->rec_path[i] = -1;
		if (ds->recs[i].stack_id)
			keys[nk++] = (struct path_key){ ds->recs[i].stack_id, ds->recs[i].name, i };
	}
	qsort(keys, nk, sizeof(*keys), cmp_path_key);
	/* one entry per group, remembering its first record; ids follow first appearance */
	firsts = malloc((nk ? nk : 1) * sizeof(*firsts));
	if (!firsts)
		abort();
	for (size_t i = 0; i < nk; i++)
		if (!i || keys[i].stack_id != keys[i - 1].stack_id || strcmp(keys[i].name, keys[i - 1].name))
			firsts[ngroups++] = keys[i];
	qsort(firsts, ngroups, sizeof(*firsts), cmp_path_first);
	an->paths = calloc(ngroups ? ngroups : 1, sizeof(*an->paths));
	if (!an->paths)
		abort();
	an->npaths = ngroups;
	for (size_t g = 0; g < ngroups; g++) {
		struct vx_path *p = &an->paths[g];
		const struct vx_stack *st = vx_dataset_stack(ds, firsts[g].stack_id);

		if (!st) {
			vx_error("stack %lld of event %lld is missing from the database",
				 (long long)firsts[g].stack_id, (long long)ds->recs[firsts[g].rec].id);
			free(keys);
			free(firsts);
			return -1;
		}
		p->id = (int)g + 1;
		p->event = firsts[g].name;
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
		/* remember the group's first record so the members can find the path */
		an->rec_path[firsts[g].rec] = (int)g;
	}
	/* members: walk the sorted keys, each group starts at a record that now has a path */
	for (size_t i = 0, g = 0; i < nk; i++) {
		if (!i || keys[i].stack_id != keys[i - 1].stack_id || strcmp(keys[i].name, keys[i - 1].name))
			g = (size_t)an->rec_path[keys[i].rec];
		an->rec_path[keys[i].rec] = (int)g;
		an->paths[g].count++;
	}
	free(keys);
	free(firsts);
	return 0;
}

/* ---- journeys ---- */

static bool is_xmit_event(const char *name)
{
	return !strcmp(name, "net:net_dev_start_xmit") || !strcmp(name, "net:net_dev_queue") ||
	       !strcmp(name, "net:net_dev_xmit");
}

/* tunnel kind from a device name when no stack says it (vxlan.calico, geneve0, tunl0) */
static const char *tunnel_kind_of_dev(const char *dev)
{
	static const struct {
		const char *prefix, *kind;
	} devs[] = {
		{ "vxlan", "vxlan" }, { "flannel", "vxlan" }, { "geneve", "geneve" },
		{ "genev_sys", "geneve" }, { "tunl", "ipip" }, { "gre", "gre" }, { "wg", "wireguard" },
	};

	for (size_t i = 0; dev && i < sizeof(devs) / sizeof(devs[0]); i++)
		if (!strncmp(dev, devs[i].prefix, strlen(devs[i].prefix)))
			return devs[i].kind;
	return NULL;
}

/* encapsulation of a journey: the underlay transmit whose stack holds the tunnel
 * (or, without stacks, the transmit right after one on a tunnel-named device) */
static bool is_recv_event(const char *name)
{
	return !strcmp(name, "net:netif_receive_skb") || !strcmp(name, "net:netif_rx") ||
	       !strcmp(name, "net:napi_gro_receive_entry") || !strcmp(name, "net:netif_receive_skb_entry");
}

static void journey_encap(struct vx_journey *j)
{
	j->overhead_bytes = -1;
	j->encap_hop = j->decap_hop = -1;
	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_hop *h = &j->hops[i];

		if (h->path && h->path->reenters_ip_after_encap)
			j->reenters_ip_after_encap = true;
	}
	for (size_t i = 1; i < j->nhops; i++) {
		const struct vx_hop *h = &j->hops[i];
		const struct vx_hop *t = NULL;
		const char *kind = NULL;

		if (!is_xmit_event(h->event))
			continue;
		/* the transmit before it on another device (a capture whose events name no
		 * device, like 6.1's text output with hash-ptr off, takes the one before) */
		for (size_t k = i; k-- > 0;) {
			const struct vx_hop *c = &j->hops[k];

			if (is_xmit_event(c->event) && (!c->dev || !h->dev || strcmp(c->dev, h->dev))) {
				t = c;
				break;
			}
		}
		if (!t)
			continue;
		if (h->path && h->path->encap && h->path->reenters_ip_after_encap)
			kind = h->path->encap;
		else if (!h->path && tunnel_kind_of_dev(t->dev))
			kind = tunnel_kind_of_dev(t->dev);
		if (!kind)
			continue;
		j->encap = kind;
		j->tunnel_dev = t->dev;
		j->encap_hop = (int)i;
		if (h->len >= 0 && t->len >= 0)
			j->overhead_bytes = h->len - t->len;
		for (size_t k = i + 1; k < j->nhops; k++)
			if (is_recv_event(j->hops[k].event) && j->hops[k].dev && t->dev && !strcmp(j->hops[k].dev, t->dev)) {
				j->decap_hop = (int)k;
				break;
			}
		return;
	}
	/* a stack that shows encapsulation, even without the underlay hop */
	for (size_t i = 0; i < j->nhops; i++)
		if (j->hops[i].path && j->hops[i].path->encap) {
			j->encap = j->hops[i].path->encap;
			return;
		}
}

/* the same skb received after a transmit went through a veth pair or a wire; only
 * loopback stays in its namespace */
static bool crosses_netns(const struct vx_hop *a, const struct vx_hop *b)
{
	return is_xmit_event(a->event) && is_recv_event(b->event) && !(a->dev && !strcmp(a->dev, "lo"));
}

void vx_journey_segments(struct vx_journey *j)
{
	int seg = 0;

	for (size_t i = 0; i < j->nhops; i++) {
		if (i && crosses_netns(&j->hops[i - 1], &j->hops[i]))
			seg++;
		j->hops[i].segment = seg;
	}
	j->nsegments = seg + 1;
}

const char *vx_journey_segment_role(const struct vx_journey *j, int seg)
{
	if (j->encap_hop >= 0 && j->hops[j->encap_hop].segment == seg)
		return "encapsulating host";
	if (j->decap_hop >= 0 && j->hops[j->decap_hop].segment == seg)
		return "decapsulating host";
	if (seg == 0)
		return "sender";
	if (seg == j->nsegments - 1)
		return "receiver";
	return "network namespace";
}

/* one skb address of one capture and the state of its open journey */
struct open_journey {
	uint64_t skb;
	int64_t capture_id;
	size_t idx;	/* its open journey, into the per-journey arrays */
	bool used;
	struct vx_journey_state st;
};

/* open-addressing table of the addresses, grown at half load */
struct open_table {
	struct open_journey *t;
	size_t cap, n;
};

static size_t slot_of(const struct open_table *o, uint64_t skb, int64_t cap_id)
{
	size_t i = (size_t)((skb ^ (skb >> 17) ^ (uint64_t)cap_id) * 0x9e3779b97f4a7c15ULL) & (o->cap - 1);

	while (o->t[i].used && (o->t[i].skb != skb || o->t[i].capture_id != cap_id))
		i = (i + 1) & (o->cap - 1);
	return i;
}

static void open_table_grow(struct open_table *o)
{
	struct open_table g = { calloc(o->cap * 2, sizeof(*o->t)), o->cap * 2, o->n };

	if (!g.t)
		abort();
	for (size_t i = 0; i < o->cap; i++)
		if (o->t[i].used)
			g.t[slot_of(&g, o->t[i].skb, o->t[i].capture_id)] = o->t[i];
	free(o->t);
	*o = g;
}

/* per record: the hop kinds its capture records at all (the rule's "traced" mask); malloc'd,
 * the caller frees. @recs are ordered by capture, so each capture is one run of records. */
static uint32_t *traced_per_rec(const struct vx_dataset *ds)
{
	uint32_t *traced = malloc((ds->nrecs ? ds->nrecs : 1) * sizeof(*traced));
	size_t start = 0;

	if (!traced)
		abort();
	while (start < ds->nrecs) {
		size_t end = start;
		uint32_t m = 0;

		while (end < ds->nrecs && ds->recs[end].capture_id == ds->recs[start].capture_id)
			vx_journey_traced_add(&m, ds->recs[end++].name);
		while (start < end)
			traced[start++] = m;
	}
	return traced;
}

static int build_journeys(struct vx_analysis *an)
{
	const struct vx_dataset *ds = an->ds;
	struct open_table open = { calloc(1024, sizeof(struct open_journey)), 1024, 0 };
	size_t nj = 0, jcap = 0;
	size_t *hop_counts = NULL;	/* per journey */
	enum vx_journey_end *ends = NULL;	/* per journey */
	const char **rules = NULL;	/* per journey: the rule that ended it */
	size_t *rec_journey = malloc((ds->nrecs ? ds->nrecs : 1) * sizeof(size_t));
	uint32_t *traced = traced_per_rec(ds);

	if (!open.t || !rec_journey)
		abort();
	/* pass 1: assign records to journeys, event by event per address (journey-rule.h) */
	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct vx_rec *r = &ds->recs[i];
		const struct vx_journey_path *jp = an->rec_path[i] >= 0 ? &an->paths[an->rec_path[i]].journey : NULL;
		struct open_journey *o;
		enum vx_journey_end end;
		size_t s;

		rec_journey[i] = (size_t)-1;
		if (!r->skb)
			continue;
		if ((open.n + 1) * 2 > open.cap)
			open_table_grow(&open);
		s = slot_of(&open, r->skb, r->capture_id);
		o = &open.t[s];
		if (!o->used) {
			*o = (struct open_journey){ .skb = r->skb, .capture_id = r->capture_id, .used = true };
			vx_journey_state_reset(&o->st, traced[i]);
			open.n++;
		}
		end = vx_journey_step(&o->st, r, jp);
		if (o->st.nhops == 1) {
			if (end != VX_JEND_NONE) {
				ends[o->idx] = end;
				rules[o->idx] = o->st.rule;
			}
			if (nj == jcap) {
				jcap = jcap ? jcap * 2 : 64;
				hop_counts = realloc(hop_counts, jcap * sizeof(*hop_counts));
				ends = realloc(ends, jcap * sizeof(*ends));
				rules = realloc(rules, jcap * sizeof(*rules));
				if (!hop_counts || !ends || !rules)
					abort();
			}
			hop_counts[nj] = 0;
			ends[nj] = VX_JEND_NONE;
			rules[nj] = NULL;
			o->idx = nj++;
		}
		rec_journey[i] = o->idx;
		hop_counts[o->idx]++;
	}
	/* the journeys still open when the capture ends */
	for (size_t i = 0; i < open.cap; i++)
		if (open.t[i].used)
			ends[open.t[i].idx] = vx_journey_close(&open.t[i].st);
	/* keep journeys of two hops or more, numbered in order of their first hop */
	size_t *jmap = malloc((nj ? nj : 1) * sizeof(size_t));
	size_t kept = 0;

	if (!jmap)
		abort();
	for (size_t j = 0; j < nj; j++)
		jmap[j] = hop_counts[j] >= 2 ? kept++ : (size_t)-1;
	an->journeys = calloc(kept ? kept : 1, sizeof(*an->journeys));
	if (!an->journeys)
		abort();
	an->njourneys = kept;
	for (size_t j = 0; j < nj; j++)
		if (jmap[j] != (size_t)-1) {
			struct vx_journey *jj = &an->journeys[jmap[j]];

			jj->id = (int)jmap[j] + 1;
			jj->hops = arena_alloc(&an->arena, hop_counts[j] * sizeof(*jj->hops));
			jj->end = ends[j];
			jj->end_rule = rules[j];
		}
	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct vx_rec *r = &ds->recs[i];
		size_t j = rec_journey[i];

		if (j == (size_t)-1 || jmap[j] == (size_t)-1)
			continue;
		struct vx_journey *jj = &an->journeys[jmap[j]];
		struct vx_hop *h = &jj->hops[jj->nhops++];

		jj->skb = r->skb;
		jj->capture_id = r->capture_id;
		h->ts_ns = r->ts_ns;
		h->rec = r;
		h->event = r->name;
		h->dev = r->dev;
		h->len = r->len;
		h->path = an->rec_path[i] >= 0 ? &an->paths[an->rec_path[i]] : NULL;
	}
	for (size_t j = 0; j < an->njourneys; j++) {
		journey_encap(&an->journeys[j]);
		vx_journey_segments(&an->journeys[j]);
	}
	free(jmap);
	free(open.t);
	free(hop_counts);
	free(ends);
	free(rules);
	free(traced);
	free(rec_journey);
	return 0;
}

int vx_analysis_build(const struct vx_dataset *ds, struct vx_analysis *an)
{
	memset(an, 0, sizeof(*an));
	an->ds = ds;
	if (build_paths(an) < 0 || build_journeys(an) < 0 || vx_routes_build(an) < 0 ||
	    vx_analysis_why(an) < 0) {
		vx_analysis_release(an);
		return -1;
	}
	return 0;
}

void vx_analysis_release(struct vx_analysis *an)
{
	free(an->paths);
	free(an->journeys);
	free(an->routes);
	free(an->rec_path);
	free(an->drops);
	vx_lookups_release(&an->lookups);
	arena_release(&an->arena);
	memset(an, 0, sizeof(*an));
}

const struct vx_path *vx_analysis_path_of(const struct vx_analysis *an, const struct vx_rec *r)
{
	size_t i = (size_t)(r - an->ds->recs);

	if (i >= an->ds->nrecs || an->rec_path[i] < 0)
		return NULL;
	return &an->paths[an->rec_path[i]];
}
