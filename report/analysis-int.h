/* analysis-int.h: what the files that build the analysis share (analysis.c, paths.c,
 * journey-build.c, journey-keep.c, hop-why.c, lookup-join.c): the analysis' private state
 * and the journey builder. Must not: be included by renderers or outside report/.
 */
#ifndef VX_ANALYSIS_INT_H
#define VX_ANALYSIS_INT_H

#include "analysis.h"

/* the analysis' own state while it is built, and what it keeps for the renderers' helpers */
struct vx_analysis_priv {
	struct vx_dataset own;	/* what an->ds points to: captures, stacks, kept route events */
	signed char *path_route;	/* by path: -1 unknown, 0/1 vx_route_event_kept() */
	const struct vx_filter *filter;	/* borrowed from the options */
	void (*journey_done)(void *arg, const struct vx_span *span, bool kept);	/* the options' */
	void *journey_done_arg;
	int (*journey_each)(void *arg, const struct vx_journey *j);	/* the options' */
	void *journey_each_arg;
	bool no_numbering;	/* the options' */
	struct vx_lookups lookups;	/* FIB lookups held for a filter (source without lookup_keep) */
	bool has_lookups;	/* the capture has FIB lookups */
	bool lookups_deferred;	/* joined to the kept journeys afterwards (lookup-join.c) */
	bool lookups_in_source;	/* kept by the source (lookup_keep), asked per journey */
	struct vx_traced_set traced;	/* the journey rule's traced kinds, by capture */
	void **blocks;		/* malloc'd journey copies, freed with the analysis */
	size_t nblocks, blocks_cap;
	size_t drops_cap;
	/* links.c: the event names of the probes that link journeys, to walk in time order */
	char **link_names;
	size_t nlink_names, link_names_cap;
	bool link_probes;	/* some capture records a copying function's entry and return */
	/* dropped journeys whose clone may have reached a socket: counted once links.c knows */
	struct vx_deferred *deferred;
	size_t ndeferred, deferred_cap;
	struct vx_links *links;	/* the link walk's state, between the walks (links.c) */
	struct vx_links *early;	/* the clones' deliveries, walked before the journeys (links.c) */
	/* drop reasons named so far (drops.c): (capture, value) -> index into @reasons */
	struct vx_hash reason_index;
	struct vx_reason_name { int64_t capture; const char *value, *name; } *reasons;
	size_t nreasons, reasons_cap;
};

/* a dropped journey that cloned or copied its packet first: a drop unless a clone of it was
 * delivered (links.c); its drop strings live in the analysis' arena */
#define VX_DEFERRED_ENTRIES 4
/* what became of a clone or copy: a socket took it (@delivered) through queue @where, and
 * process @pid (-1 unknown) read it; @comm in the analysis' arena */
struct vx_clone_fate {
	bool delivered;
	const char *where;
	int pid;
	const char *comm;
};

struct vx_deferred {
	int64_t capture;
	uint64_t ts;		/* its first hop: the journey's key */
	int64_t id;
	int64_t entries[VX_DEFERRED_ENTRIES];	/* its clone/copy calls (entry events) */
	size_t nentries;
	const char *reason, *location;
	int mine;		/* its row in the command's summary (mine.c), -1 none */
	const char *what;	/* its kind of packet (mine.c, static) */
	struct vx_clone_fate fate;	/* excused: a clone of it reached a socket */
};

/* ---- paths.c ---- */

/* vx_paths_stream - the paths from the source's aggregate, numbered by their first event,
 * with an->ds's stacks; 0, or -1 with vx_error() set */
int vx_paths_stream(struct vx_analysis *an);
/* vx_path_index_of - index into an->paths of @r's path, -1 without */
int vx_path_index_of(const struct vx_analysis *an, const struct vx_rec *r);

/* ---- journey-build.c: the journey builder, one address at a time ---- */

struct jkey {
	int64_t capture;
	uint64_t ts;
	int64_t id;
};

static inline int vx_jkey_cmp(const struct jkey *x, const struct jkey *y)
{
	if (x->capture != y->capture)
		return x->capture < y->capture ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static inline struct jkey vx_jkey_of(const struct vx_journey *j)
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
	bool resolving;		/* a pass that finds the journeys of links' far ends (links.c) */
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
	struct vx_nat nats[VX_JOURNEY_MAX_HOPS];	/* by hop, for vx_journey_nat() */
	bool last_free;		/* its last event freed the skb: @endrec (strings in @scratch) */
	struct vx_rec endrec;
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

/* vx_journeys_build - stream the source's journeys through the builder, keeping the first
 * @max_keep (per host) in detail; ids are ranks in time order. 0, or -1 with vx_error() */
int vx_journeys_build(struct vx_analysis *an, size_t max_keep);

/* ---- links.c: links between the kept journeys, and the drops a delivered clone excuses ---- */

/* vx_links_note_name - (names_each) capture @capture_id records events named @name: the
 * link probes among them are walked */
void vx_links_note_name(struct vx_analysis *an, int64_t capture_id, const char *name);
/* vx_links_defer - @j (dropped, kept hops complete enough) cloned its packet first: its drop
 * is counted once links.c knows whether a clone was delivered; true when deferred */
bool vx_links_defer(struct vx_analysis *an, const struct vx_journey *j, int mine);
/* vx_links_early - for an analysis that hands each journey on as it ends (journey_each):
 * the link probes walked before the journeys, every clone or copy call watched until its
 * new skb reaches a socket, so that a journey's drop is excused as it ends, not after the
 * walk; memory grows with the clone calls. 0, or -1 with vx_error() */
int vx_links_early(struct vx_analysis *an);
/* vx_links_early_wanted - the early walk found links: a resolving walk of the builder
 * before the journeys finds the journeys at their ends; vx_links_early_index() after it
 * indexes them by journey */
bool vx_links_early_wanted(const struct vx_analysis *an);
void vx_links_early_index(struct vx_analysis *an);
/* vx_links_attach_early - @j's links from the early walk into j->links (allocated in @a,
 * which the caller releases; @j's far ends by other_first_id, journey_id 0) */
void vx_links_attach_early(struct vx_analysis *an, struct vx_journey *j, struct arena *a);
/* vx_links_excuse_early - after vx_links_early(): @j (dropped) becomes delivered when a
 * clone or copy of one of its calls reached a socket, as the deferred drops are after the
 * walk (vx_links_finish) */
void vx_links_excuse_early(struct vx_analysis *an, struct vx_journey *j);
/* vx_links_walk - the link probes in time order: links of the kept journeys, the drops
 * excused; returns how many far ends are not among the kept journeys (a resolving walk of
 * the builder finds them), or -1 with vx_error() set */
int vx_links_walk(struct vx_analysis *an);
/* vx_links_resolve_event / _journey - during a resolving walk: event @r is hop @hop of the
 * open journey that starts at @key; the open journey is over (@counts: two hops or more,
 * matching the filter) */
void vx_links_resolve_event(struct vx_analysis *an, const struct vx_rec *r, size_t hop, const struct jkey *key);
void vx_links_resolve_journey(struct vx_analysis *an, bool counts);
/* vx_links_keys - the keys of the far ends found (to number them), malloc'd, *@n of them */
struct jkey *vx_links_keys(struct vx_analysis *an, size_t *n);
/* vx_links_number - the far end of key @k has id @id */
void vx_links_number(struct vx_analysis *an, const struct jkey *k, int id);
/* vx_links_finish - the links onto the kept journeys, the deferred drops counted or
 * excused (kept journeys and shapes' first journeys get their verdict); frees the state */
void vx_links_finish(struct vx_analysis *an);
void vx_links_release(struct vx_analysis *an);

/* ---- mine.c: the recorded command's own packets ---- */

/* vx_mine_init - the captures' commands from their meta (ds->captures loaded) */
void vx_mine_init(struct vx_analysis *an);
/* vx_mine_mark - decide @j->mine (its first hop created by the command's process tree, or
 * delivered to it); returns its row in an->mine when it is mine and counts as a packet of
 * its own (not a clone's journey), else -1 */
int vx_mine_mark(struct vx_analysis *an, struct vx_journey *j);
/* vx_mine_what - what kind of packet @j carried, by its first headers ("echo request") */
const char *vx_mine_what(const struct vx_journey *j);
/* vx_mine_count - count @j (marked) into its row @row */
void vx_mine_count(struct vx_analysis *an, const struct vx_journey *j, int row);
/* vx_mine_excused - a deferred drop turned out delivered: move it to its delivered row */
void vx_mine_excused(struct vx_analysis *an, const struct vx_deferred *d);
void vx_mine_release(struct vx_analysis *an);
/* vx_mine_has_pid - @pid is in the process tree of capture @capture_id's command */
bool vx_mine_has_pid(const struct vx_analysis *an, int64_t capture_id, int pid);

/* ---- journey-keep.c: the kept journeys and the shapes ---- */

/* vx_kept_len - bytes of @s a kept journey copies: at most VX_KEPT_STR_MAX, cut on a UTF-8
 * boundary */
size_t vx_kept_len(const char *s);
/* vx_builder_heaps - the heaps: one, or one per host with captures of several hosts */
void vx_builder_heaps(struct builder *b, size_t max_keep);
/* vx_keep_journey - keep @j when it is among its heap's first journeys */
void vx_keep_journey(struct builder *b, const struct vx_journey *j);
/* vx_shape_add - fold @j (hash @hash) into its shape */
void vx_shape_add(struct builder *b, const struct vx_journey *j, uint64_t hash);
/* vx_builder_align - several hosts: align the heaps' windows; true when some keep again */
bool vx_builder_align(struct builder *b, size_t max_keep);
/* vx_builder_kept - the heaps' journeys become an->journeys, numbered by rank in time */
void vx_builder_kept(struct builder *b);
/* vx_builder_heaps_release - the heaps and the journeys they still hold */
void vx_builder_heaps_release(struct builder *b);

/* ---- hop-why.c ---- */

/* vx_journey_why - as each journey is finished: the packet a kprobe read at each of its hops
 * (into @pkts, one per hop, when the hop's rec has header fields), the FIB lookup held in
 * an->priv->lookups that sent each transmit hop to its device, and, when @last (its last
 * event, with fields and the stack @last_stack, may be NULL) is a drop, its drop in *@drop
 * with the failed lookup since @prev_ts (the event before it). */
void vx_journey_why(const struct vx_analysis *an, struct vx_journey *j, struct vx_packet *pkts,
		    const struct vx_rec *last, const struct vx_stack *last_stack, uint64_t prev_ts,
		    struct vx_drop *drop);
/* vx_analysis_count_drop - count @d into the drop summary (strings copied) */
void vx_analysis_count_drop(struct vx_analysis *an, const struct vx_drop *d);
/* vx_analysis_sort_drops - most frequent first */
void vx_analysis_sort_drops(struct vx_analysis *an);

/* vx_reason_name - the name of drop reason @value of capture @capture_id: as it is when it is
 * a name, else from the capture's meta drop_reasons, else "UNKNOWN(n)" (core/dropreason.h);
 * the names live in the analysis' arena (each distinct value named once) */
const char *vx_reason_name(struct vx_analysis *an, int64_t capture_id, const char *value);

/* ---- lookup-join.c ---- */

/*
 * vx_journey_routes_find - for a filter that needs routes while the source keeps the
 * lookups (an->priv->lookups_in_source): the lookup of each transmit hop of @j and of its
 * drop, asked of the source, allocated in @a (the journey's scratch). The caller clears them
 * with vx_journey_routes_clear() before keeping @j: the kept journeys get theirs from
 * vx_analysis_join_lookups(), as without a filter. 0, or -1 with vx_error() set.
 */
int vx_journey_routes_find(const struct vx_analysis *an, struct vx_journey *j, struct arena *a);
void vx_journey_routes_clear(struct vx_journey *j);
/* vx_analysis_join_lookups - the FIB lookups of the kept journeys' transmit hops and drops
 * (and the shapes' first journeys), found in one walk over the source's route events;
 * lookups live in the analysis' arena. 0, or -1 with vx_error() set when the source fails */
int vx_analysis_join_lookups(struct vx_analysis *an);

#endif
