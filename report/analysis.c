/* analysis.c: paths (distinct event+stack pairs) with their IP-layer passes and
 * encapsulation, and journeys (events joined by skb address), built one address at a time
 * and folded into shapes, so that memory does not grow with the events. See analysis.h.
 * Must not: touch the store (only the source's callbacks), parse inputs, or print.
 */
#include "analysis.h"
#include "events.h"
#include "filter.h"

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
}

static int build_paths(struct vx_analysis *an)
{
	const struct vx_dataset *ds = an->ds;
	struct path_key *keys = xmalloc((ds->nrecs ? ds->nrecs : 1) * sizeof(*keys));
	struct path_key *firsts;
	size_t nk = 0, ngroups = 0;

	an->rec_path = xmalloc((ds->nrecs ? ds->nrecs : 1) * sizeof(int));
	for (size_t i = 0; i < ds->nrecs; i++) {
		an->rec_path[i] = -1;
		if (ds->recs[i].stack_id)
			keys[nk++] = (struct path_key){ ds->recs[i].stack_id, ds->recs[i].name, i };
	}
	qsort(keys, nk, sizeof(*keys), cmp_path_key);
	/* one entry per group, remembering its first record; ids follow first appearance */
	firsts = xmalloc((nk ? nk : 1) * sizeof(*firsts));
	for (size_t i = 0; i < nk; i++)
		if (!i || keys[i].stack_id != keys[i - 1].stack_id || strcmp(keys[i].name, keys[i - 1].name))
			firsts[ngroups++] = keys[i];
	qsort(firsts, ngroups, sizeof(*firsts), cmp_path_first);
	an->paths = xcalloc(ngroups ? ngroups : 1, sizeof(*an->paths));
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
		path_facts(an, p, st);
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

		if (!vx_event_is_xmit(h->event))
			continue;
		/* the transmit before it on another device (a capture whose events name no
		 * device, like 6.1's text output with hash-ptr off, takes the one before) */
		for (size_t k = i; k-- > 0;) {
			const struct vx_hop *c = &j->hops[k];

			if (vx_event_is_xmit(c->event) && (!c->dev || !h->dev || strcmp(c->dev, h->dev))) {
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
			if (vx_event_is_recv(j->hops[k].event) && j->hops[k].dev && t->dev && !strcmp(j->hops[k].dev, t->dev)) {
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
	return vx_event_is_xmit(a->event) && vx_event_is_recv(b->event) && !(a->dev && !strcmp(a->dev, "lo"));
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


/* ---- the (stack, event) -> path map ---- */

static size_t pathmap_slot(const struct vx_analysis *an, int64_t stack_id, const char *name)
{
	uint64_t h = vx_hash64(VX_HASH_INIT, name, strlen(name)) ^ ((uint64_t)stack_id * 0x9e3779b97f4a7c15ULL);
	size_t i = (size_t)h & (an->pathmap_cap - 1);

	for (;;) {
		int k = an->pathmap[i];

		if (k < 0)
			return i;
		if (an->paths[k].stack->id == stack_id && !strcmp(an->paths[k].event, name))
			return i;
		i = (i + 1) & (an->pathmap_cap - 1);
	}
}

/* index every path of @an by its stack id and event name */
static void pathmap_build(struct vx_analysis *an)
{
	free(an->pathmap);
	an->pathmap_cap = 16;
	while (an->pathmap_cap < an->npaths * 2 + 1)
		an->pathmap_cap *= 2;
	an->pathmap = xmalloc(an->pathmap_cap * sizeof(*an->pathmap));
	for (size_t i = 0; i < an->pathmap_cap; i++)
		an->pathmap[i] = -1;
	for (size_t i = 0; i < an->npaths; i++)
		an->pathmap[pathmap_slot(an, an->paths[i].stack->id, an->paths[i].event)] = (int)i;
}

static int path_index(const struct vx_analysis *an, const struct vx_rec *r)
{
	if (!r->stack_id || !an->pathmap)
		return -1;
	return an->pathmap[pathmap_slot(an, r->stack_id, r->name)];
}

const struct vx_path *vx_analysis_path_of(const struct vx_analysis *an, const struct vx_rec *r)
{
	int k;

	if (an->rec_path && an->ds && an->ds->recs && r >= an->ds->recs && r < an->ds->recs + an->ds->nrecs) {
		k = an->rec_path[r - an->ds->recs];
		return k >= 0 ? &an->paths[k] : NULL;
	}
	k = path_index(an, r);
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
	struct vx_rec key = { .stack_id = row->stack_id, .name = row->name };
	int k = path_index(an, &key);

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
		pr->cap = pr->cap ? pr->cap * 2 : 64;
		an->paths = xrealloc(an->paths, pr->cap * sizeof(*an->paths));
		pr->first = xrealloc(pr->first, pr->cap * sizeof(*pr->first));
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
	an->npaths++;
	if (an->npaths * 2 >= an->pathmap_cap)
		pathmap_build(an);
	else
		an->pathmap[pathmap_slot(an, st->id, p->event)] = (int)an->npaths - 1;
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

/* paths numbered by their first event, as vx_analysis_build numbers them */
static int stream_paths(struct vx_analysis *an)
{
	struct path_rows pr = { an, NULL, 0 };
	struct vx_path *sorted;
	int ret;

	pathmap_build(an);
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
	pathmap_build(an);
	/* the stacks of the dataset (routes.c looks stacks up by id there) */
	an->own.stacks = xcalloc(an->npaths ? an->npaths : 1, sizeof(*an->own.stacks));
	for (size_t i = 0; i < an->npaths; i++)
		an->own.stacks[an->own.nstacks++] = *an->paths[i].stack;
	qsort(an->own.stacks, an->own.nstacks, sizeof(*an->own.stacks), cmp_stack_id);
	size_t n = 0;

	for (size_t i = 0; i < an->own.nstacks; i++)
		if (!n || an->own.stacks[n - 1].id != an->own.stacks[i].id)
			an->own.stacks[n++] = an->own.stacks[i];
	an->own.nstacks = n;
	return 0;
}

/* ---- the journey rule (journey-rule.h): per capture, the hop kinds it records ---- */

static int traced_add(void *arg, int64_t capture_id, const char *name)
{
	struct vx_analysis *an = arg;
	size_t i;

	for (i = 0; i < an->ntraced && an->traced[i].capture_id != capture_id; i++)
		;
	if (i == an->ntraced) {
		if ((an->ntraced & (an->ntraced + 1)) == 0 || !an->traced) {
			an->traced = xrealloc(an->traced, (an->ntraced + 1) * 2 * sizeof(*an->traced));
		}
		an->traced[an->ntraced++] = (struct vx_traced){ capture_id, 0 };
	}
	vx_journey_traced_add(&an->traced[i].traced, name);
	return 0;
}

static uint32_t traced_of(const struct vx_analysis *an, int64_t capture_id)
{
	for (size_t i = 0; i < an->ntraced; i++)
		if (an->traced[i].capture_id == capture_id)
			return an->traced[i].traced;
	return ~0u;	/* nothing known: everything is recorded */
}

/* ---- the journey builder: one address at a time, folded into shapes ---- */

struct jkey {
	int64_t capture;
	uint64_t ts;
	int64_t id;
};

static int cmp_jkey(const struct jkey *x, const struct jkey *y)
{
	if (x->capture != y->capture)
		return x->capture < y->capture ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static struct jkey key_of(const struct vx_journey *j)
{
	return (struct jkey){ j->capture_id, j->hops[0].ts_ns, j->hops[0].rec ? j->hops[0].rec->id : 0 };
}

/* the first journeys in time of one host (of all captures with one host or none): a
 * max-heap on their key, at most @max_keep journeys and @budget bytes */
struct kheap {
	struct vx_journey **h;
	size_t n, cap;
	size_t bytes, budget;
	size_t max_keep;
	size_t seen;		/* journeys of its captures (first walk) */
	uint64_t first_ts;	/* the first hop of its first journey (own clock), UINT64_MAX none */
	bool from_set;		/* keeping pass: only journeys from @from_ts on (own clock) */
	uint64_t from_ts;
	/* a bottom-k sketch of its packets: the VX_ALIGN_SKETCH smallest identities seen, with
	 * the first hop's time of the journey that carried each (ambiguous: seen twice) */
	struct sketch_entry *sk;	/* 2 * VX_ALIGN_SKETCH, compacted when full */
	size_t nsk;
	uint64_t sk_limit;	/* its largest identity once full, UINT64_MAX before */
};

/* the identities the heaps sample to align their windows (bytes: 24 each, twice over) */
#define VX_ALIGN_SKETCH 1024

struct sketch_entry {
	uint64_t key;
	uint64_t ts;
	bool ambiguous;
};

struct builder {
	struct vx_analysis *an;
	bool counting;		/* second pass: only count journeys before the shapes' firsts */
	bool rekeeping;		/* keeping pass: the heaps keep again, from their aligned start */
	/* the open journey */
	bool open;
	bool have_addr;		/* @capture, @skb and @rule describe an address */
	int64_t capture;
	uint64_t skb;
	struct vx_journey_state rule;
	enum vx_journey_end end;	/* how the open journey ended, when it is finished */
	const char *end_rule;
	uint64_t last_ts, prev_ts;	/* the open journey's last event and the one before */
	struct vx_span span;	/* the open journey's events (vx_analysis_opts.journey_done) */
	bool last_drop;		/* its last event is a drop: @last (strings in @scratch) */
	struct vx_rec last;
	const struct vx_path *last_path;
	struct vx_packet pkts[VX_JOURNEY_MAX_HOPS];	/* by hop, for vx_journey_why() */
	struct vx_drop drop;
	bool failed;		/* asking the source for a journey's routes failed (vx_error set) */
	/* the current row's fields (NULL: the recs carry theirs) */
	size_t (*row_fields)(void *priv, struct arena *a, struct vx_field **out);
	void *priv;
	struct vx_hop hops[VX_JOURNEY_MAX_HOPS];
	struct vx_rec recs[VX_JOURNEY_MAX_HOPS];
	size_t nkept, total;
	uint64_t hash;
	struct arena scratch;	/* strings of the open journey's hops */
	struct arena spare;	/* swapped with @scratch: released every journey */
	int *jpaths;		/* distinct paths of the open journey */
	size_t njpaths;
	size_t *path_serial;	/* by path: the journey that last listed it */
	size_t serial;
	/* the first journeys in time: one heap, or with captures of several hosts one heap per
	 * host (so that each host keeps its first journeys and the join finds both halves) */
	struct kheap *heaps;
	size_t nheaps;
	size_t *cap_heap;	/* by index of ds->captures: index into @heaps */
	size_t *cap_count;	/* by index of ds->captures: its journeys (ids are ranks) */
	size_t *cap_skipped;	/* by index of ds->captures: its journeys before its heap's start */
	size_t cap_last;	/* index of ds->captures of the last journey's capture */
	/* counting pass */
	struct jkey *keys;
	size_t nkeys;
	size_t *less;		/* by key: journeys that started before it (+1 at index, summed) */
};

/* bytes of @s a kept journey copies: at most VX_KEPT_STR_MAX, cut on a UTF-8 boundary */
static size_t kept_len(const char *s)
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
	size_t n = kept_len(a);

	return n == kept_len(b) && !memcmp(a, b, n);
}

/* journey_pack - one malloc'd copy of @j with its hops, recs and strings (free() frees
 * all; fields are left out, see fetch_fields); *@bytes receives its size */
static struct vx_journey *journey_pack_sized(const struct vx_journey *j, size_t *bytes)
{
	size_t sz = sizeof(*j) + j->nhops * (sizeof(struct vx_hop) + sizeof(struct vx_rec)), off;
	size_t npkt = 0;
	struct vx_journey *c;
	struct vx_packet *pk;
	char *p;

	for (size_t i = 0; i < j->nhops; i++)
		npkt += j->hops[i].pkt != NULL;
	sz += npkt * sizeof(struct vx_packet);
	if (j->drop)
		sz += sizeof(struct vx_drop) + (j->drop->reason ? kept_len(j->drop->reason) + 1 : 0) +
		      (j->drop->location ? kept_len(j->drop->location) + 1 : 0);
	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_rec *r = j->hops[i].rec;

		sz += kept_len(j->hops[i].event) + 1 + (j->hops[i].dev ? kept_len(j->hops[i].dev) + 1 : 0) +
		      (r && r->comm ? kept_len(r->comm) + 1 : 0);
	}
	*bytes = sz;
	c = xmalloc(sz);
	*c = *j;
	c->hops = (struct vx_hop *)(c + 1);
	struct vx_rec *recs = (struct vx_rec *)(c->hops + j->nhops);

	pk = (struct vx_packet *)(recs + j->nhops);
	p = (char *)(pk + npkt);
	if (j->drop) {
		struct vx_drop *d = (struct vx_drop *)p;

		*d = *j->drop;
		c->drop = d;
		p = (char *)(d + 1);
	}
	off = 0;
#define COPY(dst, src) do { size_t n_ = kept_len(src); memcpy(p + off, (src), n_); p[off + n_] = '\0'; \
			    (dst) = p + off; off += n_ + 1; } while (0)
	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_hop *h = &j->hops[i];
		struct vx_hop *d = &c->hops[i];

		*d = *h;
		if (h->pkt) {
			*pk = *h->pkt;
			d->pkt = pk++;
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
		sz += (c->hops[i].pkt ? sizeof(struct vx_packet) : 0) + strlen(c->hops[i].event) + 1 + (c->hops[i].dev ? strlen(c->hops[i].dev) + 1 : 0) +
		      (c->hops[i].rec && c->hops[i].rec->comm ? strlen(c->hops[i].rec->comm) + 1 : 0);
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
	struct jkey x = key_of(a), y = key_of(b);

	return cmp_jkey(&x, &y) < 0;
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
	size_t n = 0;

	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_packet *p = j->hops[i].pkt;
		uint64_t two[2];

		if (!p)
			continue;
		two[0] = vx_packet_identity(&p->ip);
		two[1] = vx_packet_identity(&p->inner);
		for (int t = 0; t < 2; t++) {
			size_t x = 0;

			while (x < n && ids[x] != two[t])
				x++;
			if (two[t] && x == n)
				ids[n++] = two[t];
		}
	}
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
static void keep_journey(struct builder *b, const struct vx_journey *j)
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
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 16;
		k->h = xrealloc(k->h, k->cap * sizeof(*k->h));
		h = k->h;
	}
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
static void add_to_shape(struct builder *b, const struct vx_journey *j, uint64_t hash)
{
	struct vx_analysis *an = b->an;
	struct vx_shape *s = NULL;
	struct jkey k = key_of(j);

	for (size_t i = 0; i < an->nshapes; i++)
		if (an->shapes[i].hash == hash && same_kept_hops(an->shapes[i].first, j)) {
			s = &an->shapes[i];
			break;
		}
	if (s) {
		struct jkey f = key_of(s->first);

		shape_count(s, j);
		if (cmp_jkey(&k, &f) < 0) {
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

static void count_before(struct builder *b, const struct vx_journey *j)
{
	struct jkey k = key_of(j);
	size_t lo = 0, hi = b->nkeys;

	/* the first key greater than k: it and every later key started after k */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cmp_jkey(&b->keys[mid], &k) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->nkeys)
		b->less[lo]++;
}

static void finish_journey(struct builder *b)
{
	struct vx_analysis *an = b->an;
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
		if (!b->counting || an->filter) {
			journey_encap(&j);
			vx_journey_segments(&j);
			vx_journey_why(an, &j, b->pkts, b->last_drop ? &b->last : NULL,
				       b->last_drop && b->last_path ? b->last_path->stack : NULL, b->prev_ts, &b->drop);
			if ((an->filter || an->journey_each) && an->lookups_in_source &&
			    vx_journey_routes_find(an, &j, &b->scratch) < 0)
				b->failed = true;
		}
		/* --filter: the journeys that do not match are not counted anywhere */
		kept = !b->failed && (!an->filter || vx_filter_match(an->filter, &j));
		if (kept && an->journey_each && !b->counting && !b->rekeeping &&
		    an->journey_each(an->journey_each_arg, &j) < 0)
			b->failed = true;
		/* routes from the source live in the scratch: the kept get theirs afterwards */
		if (an->lookups_in_source)
			vx_journey_routes_clear(&j);
		if (!kept) {
			;
		} else if (b->rekeeping) {
			keep_journey(b, &j);
		} else if (b->counting) {
			count_before(b, &j);
		} else {
			an->journeys_total++;
			an->journeys_encap += j.encap != NULL;
			an->journeys_reenter += j.reenters_ip_after_encap;
			if (j.drop)
				vx_analysis_count_drop(an, j.drop);
			for (size_t i = 0; i < b->njpaths; i++)
				an->paths[b->jpaths[i]].in_journey = true;
			add_to_shape(b, &j, vx_hash64(b->hash, &b->total, sizeof(b->total)));
			keep_journey(b, &j);
		}
	}
	if (an->journey_done && !b->counting && !b->rekeeping)
		an->journey_done(an->journey_done_arg, &b->span, kept);
	/* the open journey's strings go (one journey late: the arenas take turns) */
	arena_release(&b->spare);
	t = b->spare;
	b->spare = b->scratch;
	b->scratch = t;
	b->nkept = b->total = 0;
	b->njpaths = 0;
	b->last_drop = false;
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
static size_t hop_fields(struct builder *b, const struct vx_rec *r, bool drop, struct vx_field **out)
{
	*out = NULL;
	if (!drop && vx_hop_kind_of(r->name) != VX_HOP_OTHER)
		return 0;
	if (r->nfields || !b->row_fields) {
		*out = r->fields;
		return r->nfields;
	}
	return b->row_fields(b->priv, &b->scratch, out);
}

static int journey_event(void *arg, const struct vx_rec *r)
{
	struct builder *b = arg;
	struct vx_analysis *an = b->an;
	int k = path_index(an, r);
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
		vx_journey_state_reset(&b->rule, traced_of(an, r->capture_id));
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
	if (b->counting && !an->filter) {
		if (!b->nkept) {
			/* the key needs the first hop only */
			b->recs[0] = (struct vx_rec){ .id = r->id, .capture_id = r->capture_id, .ts_ns = r->ts_ns };
			b->hops[0] = (struct vx_hop){ .ts_ns = r->ts_ns, .rec = &b->recs[0] };
			b->nkept = 1;
		}
		return 0;
	}
	if (!b->counting && !b->rekeeping) {
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
		c->nfields = hop_fields(b, r, drop, &c->fields);
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
		b->last.nfields = hop_fields(b, r, drop, &b->last.fields);
	}
	b->last_drop = drop;
	b->last_path = p;
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
	arena_release(&b->scratch);
	arena_release(&b->spare);
	free(b->jpaths);
	free(b->path_serial);
	free(b->keys);
	free(b->less);
	free(b);
}

static int cmp_journey(const void *a, const void *b)
{
	struct jkey x = key_of(a), y = key_of(b);

	return cmp_jkey(&x, &y);
}

static int cmp_jkey_v(const void *a, const void *b)
{
	return cmp_jkey(a, b);
}

static int cmp_shape(const void *a, const void *b)
{
	const struct vx_shape *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->first->id > y->first->id) - (x->first->id < y->first->id);
}

static void add_block(struct vx_analysis *an, void *p)
{
	if ((an->nblocks & (an->nblocks + 1)) == 0 || !an->blocks) {
		an->blocks = xrealloc(an->blocks, (an->nblocks + 1) * 2 * sizeof(*an->blocks));
	}
	an->blocks[an->nblocks++] = p;
}

/* the fields of kept events that renderers read (flow.c: vx_journey_vni); only these are
 * kept, whatever else (and however much) an event carries */
static const char *const kept_fields[] = { "vni" };

/* the kept fields of @j's events, fetched by id once the stream is over */
static int fetch_fields(struct vx_analysis *an, struct vx_journey *j,
			int (*get)(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n),
			void *priv)
{
	for (size_t i = 0; get && i < j->nhops; i++) {
		struct vx_rec *r = (struct vx_rec *)j->hops[i].rec;
		struct arena tmp = ARENA_INIT;
		struct vx_field *f;
		size_t n, k = 0;

		if (!r)
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
							kept_len(f[x].value));
					}
		}
		arena_release(&tmp);
	}
	return 0;
}

/* the heaps: one, or one per host when the captures come from several hosts (join.h), each
 * keeping @max_keep journeys in its share of VX_KEPT_JOURNEY_BYTES */
static void builder_heaps(struct builder *b, size_t max_keep)
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
static bool align_windows(struct builder *b, size_t max_keep)
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
static void kept_journeys(struct builder *b)
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
			add_block(an, b->heaps[k].h[i]);
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

/* stream the journeys of @each through the builder; ids are ranks in time order */
static int build_journeys_stream(struct vx_analysis *an, size_t max_keep,
				 int (*each)(void *priv, vx_rec_fn fn, void *arg), void *priv,
				 int (*fields)(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n),
				 size_t (*row_fields)(void *priv, struct arena *a, struct vx_field **out))
{
	struct builder *b = xcalloc(1, sizeof(*b));
	size_t nunres = 0;
	int ret;

	b->an = an;
	builder_heaps(b, max_keep);
	b->row_fields = row_fields;
	b->priv = priv;
	b->jpaths = xmalloc((an->npaths ? an->npaths : 1) * sizeof(*b->jpaths));
	b->path_serial = xcalloc(an->npaths ? an->npaths : 1, sizeof(*b->path_serial));
	ret = each(priv, journey_event, b);
	close_journey(b);
	if (!ret && b->failed)
		ret = -1;
	if (!ret && align_windows(b, max_keep)) {
		/* the keeping pass: the heaps whose windows moved keep again from their start */
		b->rekeeping = true;
		ret = each(priv, journey_event, b);
		close_journey(b);
		if (!ret && b->failed)
			ret = -1;
		b->rekeeping = false;
	}
	if (ret) {
		builder_release(b);
		return ret < 0 ? ret : -1;
	}
	kept_journeys(b);
	/* each shape's first journey: its id when it was kept, else counted below */
	b->keys = xmalloc((an->nshapes ? an->nshapes : 1) * sizeof(*b->keys));
	for (size_t s = 0; s < an->nshapes; s++) {
		struct jkey k = key_of(an->shapes[s].first);
		size_t lo = 0, hi = an->njourneys;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			struct jkey m = key_of(&an->journeys[mid]);

			if (cmp_jkey(&m, &k) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < an->njourneys) {
			struct jkey m = key_of(&an->journeys[lo]);

			if (!cmp_jkey(&m, &k)) {
				an->shapes[s].first->id = an->journeys[lo].id;
				continue;
			}
		}
		an->shapes[s].first->id = 0;
		b->keys[nunres++] = k;
	}
	if (nunres) {
		/* a second walk counts the journeys that started before each unresolved first */
		qsort(b->keys, nunres, sizeof(*b->keys), cmp_jkey_v);
		b->nkeys = nunres;
		b->less = xcalloc(nunres, sizeof(*b->less));
		b->counting = true;
		ret = each(priv, journey_event, b);
		close_journey(b);
		if (!ret && b->failed)
			ret = -1;
		if (ret) {
			builder_release(b);
			return ret < 0 ? ret : -1;
		}
		for (size_t i = 1; i < nunres; i++)
			b->less[i] += b->less[i - 1];
		for (size_t s = 0; s < an->nshapes; s++) {
			struct jkey k = key_of(an->shapes[s].first);
			struct jkey *f = bsearch(&k, b->keys, nunres, sizeof(k), cmp_jkey_v);

			if (!an->shapes[s].first->id && f)
				an->shapes[s].first->id = (int)b->less[f - b->keys] + 1;
		}
	}
	builder_release(b);
	vx_analysis_sort_drops(an);
	if (an->nshapes)
		qsort(an->shapes, an->nshapes, sizeof(*an->shapes), cmp_shape);
	for (size_t s = 0; s < an->nshapes; s++) {
		an->shapes[s].id = (int)s + 1;
		if (fetch_fields(an, an->shapes[s].first, fields, priv) < 0)
			return -1;
	}
	for (size_t i = 0; i < an->njourneys; i++)
		if (fetch_fields(an, &an->journeys[i], fields, priv) < 0)
			return -1;
	return 0;
}

/* ---- a loaded dataset as a source (vx_analysis_build) ---- */

struct ds_source {
	const struct vx_dataset *ds;
	size_t *by_skb;		/* indices of the recs with an skb, in (capture, skb, time) order */
	size_t nby_skb;
	size_t *by_id;		/* indices of all recs by id */
};

static const struct vx_dataset *sort_ds;

static int cmp_by_skb(const void *a, const void *b)
{
	const struct vx_rec *x = &sort_ds->recs[*(const size_t *)a], *y = &sort_ds->recs[*(const size_t *)b];

	if (x->capture_id != y->capture_id)
		return x->capture_id < y->capture_id ? -1 : 1;
	if (x->skb != y->skb)
		return x->skb < y->skb ? -1 : 1;
	/* then the dataset's own (time) order */
	return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int cmp_by_id(const void *a, const void *b)
{
	const struct vx_rec *x = &sort_ds->recs[*(const size_t *)a], *y = &sort_ds->recs[*(const size_t *)b];

	return (x->id > y->id) - (x->id < y->id);
}

static int ds_journey_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct ds_source *d = priv;
	int ret;

	for (size_t i = 0; i < d->nby_skb; i++)
		if ((ret = fn(arg, &d->ds->recs[d->by_skb[i]])))
			return ret;
	return 0;
}

static int ds_event_fields(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n)
{
	struct ds_source *d = priv;
	size_t lo = 0, hi = d->ds->nrecs;

	(void)a;
	*out = NULL;
	*n = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->ds->recs[d->by_id[mid]].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->ds->nrecs && d->ds->recs[d->by_id[lo]].id == id) {
		*out = d->ds->recs[d->by_id[lo]].fields;
		*n = d->ds->recs[d->by_id[lo]].nfields;
	}
	return 0;
}

/* the route requests of the dataset (routes.c), each with the path of the event that decided */
static int routes_build(struct vx_analysis *an)
{
	if (vx_routes_build(an->ds, &an->routes, &an->nroutes))
		return -1;
	for (size_t i = 0; i < an->nroutes; i++)
		an->routes[i].path = an->routes[i].decider ? vx_analysis_path_of(an, an->routes[i].decider) : NULL;
	return 0;
}

int vx_analysis_build(const struct vx_dataset *ds, struct vx_analysis *an)
{
	struct ds_source d = { ds, NULL, 0, NULL };
	int ret;

	memset(an, 0, sizeof(*an));
	an->ds = ds;
	d.by_skb = xmalloc((ds->nrecs ? ds->nrecs : 1) * sizeof(size_t));
	d.by_id = xmalloc((ds->nrecs ? ds->nrecs : 1) * sizeof(size_t));
	for (size_t i = 0; i < ds->nrecs; i++) {
		d.by_id[i] = i;
		if (ds->recs[i].skb)
			d.by_skb[d.nby_skb++] = i;
	}
	sort_ds = ds;
	qsort(d.by_skb, d.nby_skb, sizeof(size_t), cmp_by_skb);
	qsort(d.by_id, ds->nrecs, sizeof(size_t), cmp_by_id);
	sort_ds = NULL;
	for (size_t i = 0; i < ds->nrecs; i++)
		traced_add(an, ds->recs[i].capture_id, ds->recs[i].name);
	ret = build_paths(an);
	if (!ret)
		ret = vx_lookups_build(ds->recs, ds->nrecs, &an->lookups);
	if (!ret) {
		pathmap_build(an);
		ret = build_journeys_stream(an, SIZE_MAX, ds_journey_each, &d, ds_event_fields, NULL);
	}
	if (!ret)
		ret = vx_join_build(an);
	if (!ret)
		ret = routes_build(an);
	free(d.by_skb);
	free(d.by_id);
	if (ret) {
		vx_analysis_release(an);
		return -1;
	}
	return 0;
}

/* ---- streamed from a source (the store) ---- */

struct route_keep {
	struct vx_analysis *an;
	size_t cap;
	size_t other_kept;
};

static int route_event(void *arg, const struct vx_rec *r)
{
	struct route_keep *k = arg;
	struct vx_analysis *an = k->an;
	int pi = path_index(an, r);
	const struct vx_path *p = pi >= 0 ? &an->paths[pi] : NULL;
	bool listed = vx_is_route_event(r->name), kept;
	struct vx_field *fields = NULL;
	size_t nfields;
	struct vx_rec *c;

	an->nroute_events += listed;
	/* every FIB lookup, kept or not, for the hops and drops (lookups.h), when a filter
	 * needs every journey's routes: kept by the source, or else held here; without such a
	 * filter the kept journeys join them afterwards */
	if (vx_event_is_fib_lookup(r->name) && (!an->lookups_deferred || an->lookups_in_source)) {
		struct arena tmp = ARENA_INIT;
		struct vx_rec t = *r;
		struct vx_lookup l;
		int err = 0;

		an->has_lookups = true;
		t.nfields = an->src->row_fields(an->src->priv, &tmp, &t.fields);
		if (!vx_lookup_from_rec(&t, &l)) {
			if (an->lookups_in_source) {
				err = an->src->lookup_keep(an->src->priv, r->capture_id, r->id, &l);
			} else {
				l.src = arena_strdup(&an->arena, l.src);
				l.dst = arena_strdup(&an->arena, l.dst);
				l.dev = arena_strdup(&an->arena, l.dev);
				l.gw = arena_strdup(&an->arena, l.gw);
				vx_lookups_add(&an->lookups, r->capture_id, &l);
			}
		}
		arena_release(&tmp);
		if (err < 0)
			return -1;
	} else if (vx_event_is_fib_lookup(r->name)) {
		an->has_lookups = true;
	}
	/* the route facts of a path are the same for each of its events: decide once */
	if (pi >= 0 && an->path_route[pi] >= 0) {
		kept = an->path_route[pi];
	} else {
		kept = vx_route_event_kept(r, p ? p->stack : NULL);
		if (pi >= 0)
			an->path_route[pi] = kept;
	}
	if (!kept) {
		if (!listed || k->other_kept == VX_ROUTE_EVENTS_KEPT)
			return 0;
		k->other_kept++;
	}
	if (an->own.nrecs == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		an->own.recs = xrealloc(an->own.recs, k->cap * sizeof(*an->own.recs));
	}
	c = &an->own.recs[an->own.nrecs++];
	*c = *r;
	c->comm = arena_strdup(&an->own.arena, r->comm);
	c->name = arena_strdup(&an->own.arena, r->name);
	c->dev = arena_strdup(&an->own.arena, r->dev);
	nfields = an->src->row_fields(an->src->priv, &an->own.arena, &fields);
	c->fields = fields;
	c->nfields = nfields;
	return 0;
}

int vx_analysis_stream(const struct vx_event_source *src, const struct vx_analysis_opts *opts,
		       struct vx_analysis *an)
{
	size_t keep = opts && opts->max_journeys ? opts->max_journeys : VX_ANALYSIS_MAX_JOURNEYS;
	struct route_keep rk = { an, 0, 0 };
	int ret;

	memset(an, 0, sizeof(*an));
	an->src = src;
	an->ds = &an->own;
	an->filter = opts ? opts->filter : NULL;
	an->journey_done = opts ? opts->journey_done : NULL;
	an->journey_done_arg = opts ? opts->journey_done_arg : NULL;
	an->journey_each = opts ? opts->journey_each : NULL;
	an->journey_each_arg = opts ? opts->journey_each_arg : NULL;
	/* every journey's routes as it ends: for a filter that needs them, or a journey_each */
	an->lookups_deferred = !an->journey_each && (!an->filter || !vx_filter_needs_routes(an->filter));
	/* a filter that needs every journey's routes: the source keeps the lookups when it can
	 * (bounded memory), and the kept journeys still get theirs from the deferred join */
	if (!an->lookups_deferred && src->lookup_keep && src->lookup_find) {
		an->lookups_in_source = true;
		an->lookups_deferred = true;
	}
	ret = src->captures(src->priv, &an->own);
	if (!ret)
		ret = stream_paths(an);
	if (!ret && opts && opts->paths_only)
		return 0;
	/* the journey rule's traced kinds, by capture */
	if (!ret && src->names_each)
		ret = src->names_each(src->priv, traced_add, an);
	/* route events first: the journeys join their hops and drops to the FIB lookups */
	if (!ret) {
		an->path_route = xmalloc(an->npaths ? an->npaths : 1);
		memset(an->path_route, -1, an->npaths ? an->npaths : 1);
		ret = src->route_events_each(src->priv, route_event, &rk);
		vx_lookups_sort(&an->lookups);
	}
	if (!ret)
		ret = build_journeys_stream(an, keep, src->journey_events_each, src->priv, src->event_fields,
					    src->row_fields);
	if (!ret && an->lookups_deferred && an->has_lookups)
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
	for (size_t i = 0; an->ds && i < an->ds->nrecs; i++)
		if ((ret = fn(arg, &an->ds->recs[i])))
			return ret;
	return 0;
}

size_t vx_analysis_journeys_total(const struct vx_analysis *an)
{
	return an->journeys_total > an->njourneys ? an->journeys_total : an->njourneys;
}

void vx_analysis_release(struct vx_analysis *an)
{
	free(an->paths);
	free(an->journeys);
	free(an->routes);
	free(an->rec_path);
	for (size_t i = 0; i < an->nblocks; i++)
		free(an->blocks[i]);
	free(an->blocks);
	for (size_t i = 0; i < an->nshapes; i++) {
		free(an->shapes[i].first);
		free(an->shapes[i].hist);
	}
	free(an->shapes);
	free(an->pathmap);
	free(an->path_route);
	vx_dataset_release(&an->own);
	free(an->drops);
	free(an->traced);
	vx_lookups_release(&an->lookups);
	vx_join_release(&an->join);
	arena_release(&an->arena);
	memset(an, 0, sizeof(*an));
}
