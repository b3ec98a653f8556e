/* store-source.c: the analysis' event source on the store's cursors (see store-source.h):
 * each callback of struct vx_event_source is one store_*_each() walk of the chosen capture.
 */
#include "store-source.h"

#include <stddef.h>
#include <stdlib.h>

#include "core/xalloc.h"

struct store_source {
	struct vx_store *st;
	int64_t capture;	/* 0: every capture */
	vx_rec_fn fn;
	void *arg;
	struct store_row *row;	/* during a journey or route events callback */
	bool lookups_started;	/* store_lookups_reset() done for this source */
};

/* what an analysis of the store holds on to: the source it reads through (an->src) */
struct stored {
	struct vx_event_source src;
	struct store_source ss;
};

static int src_captures(void *priv, struct vx_dataset *ds)
{
	struct store_source *s = priv;

	return store_load(s->st, s->capture, false, ds);
}

static int src_paths_each(void *priv, int (*fn)(void *arg, const struct vx_path_row *p), void *arg)
{
	struct store_source *s = priv;

	return store_paths_each(s->st, s->capture, fn, arg);
}

static int pass_rec(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct store_source *s = arg;

	(void)row;
	return s->fn(s->arg, r);
}

/* the row is kept for src_row_fields() during the callback */
static int pass_rec_row(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct store_source *s = arg;
	int ret;

	s->row = row;
	ret = s->fn(s->arg, r);
	s->row = NULL;
	return ret;
}

static size_t src_row_fields(void *priv, struct arena *a, struct vx_field **out)
{
	struct store_source *s = priv;

	return store_row_fields(s->row, a, out);
}

static int src_journey_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_events_by_skb_each(s->st, s->capture, pass_rec_row, s);
}

static int src_route_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_route_events_each(s->st, s->capture, pass_rec_row, s);
}

static int src_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_events_each(s->st, s->capture, pass_rec, s);
}

static int src_event_fields(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n)
{
	struct store_source *s = priv;

	return store_event_fields(s->st, id, a, out, n);
}

/* the lookups a filter needs go to the store's temporary table (store-lookups.c) */
static int src_lookup_keep(void *priv, int64_t capture_id, int64_t id, const struct vx_lookup *l)
{
	struct store_source *s = priv;
	struct store_lookup sl = {
		.capture_id = capture_id, .id = id, .ts_ns = l->ts_ns, .cpu = l->cpu, .table = l->table,
		.ipv6 = l->ipv6, .proto = l->proto, .sport = l->sport, .dport = l->dport, .err = l->err,
		.src = l->src, .dst = l->dst, .dev = l->dev, .gw = l->gw,
	};

	if (!s->lookups_started) {
		if (store_lookups_reset(s->st) < 0)
			return -1;
		s->lookups_started = true;
	}
	return store_lookups_add(s->st, &sl);
}

/* the first lookup of a window that the report's route rule picks (report/lookups.h) */
struct lookup_pick {
	const char *dev;	/* a transmit's device, or NULL: a drop's failed lookup */
	struct arena *a;
	struct vx_lookup *out;
};

static const char *pick_str(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

static int lookup_pick(void *arg, const struct store_lookup *sl)
{
	struct lookup_pick *p = arg;
	struct vx_lookup l = {
		.ts_ns = sl->ts_ns, .cpu = sl->cpu, .table = sl->table, .ipv6 = sl->ipv6 != 0,
		.src = sl->src, .dst = sl->dst, .proto = sl->proto, .sport = sl->sport,
		.dport = sl->dport, .dev = sl->dev, .gw = sl->gw, .err = sl->err,
	};

	if (p->dev ? !vx_lookup_decides_hop(&l, p->dev) : !vx_lookup_explains_drop(&l))
		return 0;
	l.src = pick_str(p->a, l.src);
	l.dst = pick_str(p->a, l.dst);
	l.dev = pick_str(p->a, l.dev);
	l.gw = pick_str(p->a, l.gw);
	*p->out = l;
	return 1;
}

/* a FIB lookup event of the window, parsed, through the same pick */
struct event_pick {
	struct store_source *s;
	struct lookup_pick *p;
};

static int event_pick(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct event_pick *e = arg;
	struct arena tmp = ARENA_INIT;
	struct vx_rec t = *r;
	struct vx_lookup l;
	int ret = 0;

	if (e->p->dev && !vx_lookup_rec_may_decide(r, e->p->dev))
		return 0;	/* another device's route: no need to read its fields */
	t.nfields = store_row_fields(row, &tmp, &t.fields);
	if (!vx_lookup_from_rec(&t, &l)) {
		struct store_lookup sl = {
			.capture_id = r->capture_id, .id = r->id, .ts_ns = l.ts_ns, .cpu = l.cpu,
			.table = l.table, .ipv6 = l.ipv6, .proto = l.proto, .sport = l.sport,
			.dport = l.dport, .err = l.err, .src = l.src, .dst = l.dst, .dev = l.dev, .gw = l.gw,
		};

		ret = lookup_pick(e->p, &sl);
	}
	arena_release(&tmp);
	return ret;
}

static int src_lookup_find(void *priv, int64_t capture_id, int cpu, uint64_t lo, uint64_t hi,
			   const char *dev, struct arena *a, struct vx_lookup *out)
{
	struct store_source *s = priv;
	struct lookup_pick p = { dev, a, out };
	struct event_pick e = { s, &p };

	/* a transmit's route: the last one that decides it; a drop's: the first failure; from
	 * the lookups kept for a filter, else from the events themselves */
	if (s->lookups_started)
		return store_lookups_each(s->st, capture_id, cpu, lo, hi, dev != NULL, lookup_pick, &p);
	return store_fib_lookups_in(s->st, capture_id, cpu, lo, hi, dev != NULL, event_pick, &e);
}

static void store_source_init(struct store_source *ss, struct vx_event_source *src, struct vx_store *st,
			      int64_t capture)
{
	*ss = (struct store_source){ .st = st, .capture = capture };
	*src = (struct vx_event_source){
		.priv = ss,
		.captures = src_captures,
		.paths_each = src_paths_each,
		.journey_events_each = src_journey_events_each,
		.route_events_each = src_route_events_each,
		.events_each = src_events_each,
		.event_fields = src_event_fields,
		.row_fields = src_row_fields,
		.lookup_keep = src_lookup_keep,
		.lookup_find = src_lookup_find,
	};
}

static struct stored *stored_of(const struct vx_analysis *an)
{
	return an->src ? (struct stored *)((char *)an->src - offsetof(struct stored, src)) : NULL;
}

int vx_stored_analyse(struct vx_store *st, int64_t capture, const struct vx_analysis_opts *opts,
		      struct vx_analysis *an)
{
	struct stored *s = xcalloc(1, sizeof(*s));

	store_source_init(&s->ss, &s->src, st, capture);
	if (store_read_begin(st) < 0) {
		free(s);
		return -1;
	}
	if (vx_analysis_stream(&s->src, opts, an) < 0) {
		store_read_end(st);
		free(s);
		return -1;
	}
	return 0;
}

void vx_stored_analysis_release(struct vx_analysis *an)
{
	struct stored *s = stored_of(an);

	vx_analysis_release(an);
	if (s) {
		store_read_end(s->ss.st);
		free(s);
	}
}

struct vx_store *vx_stored_analysis_store(const struct vx_analysis *an)
{
	struct stored *s = stored_of(an);

	return s ? s->ss.st : NULL;
}
