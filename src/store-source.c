/* store-source.c: the analysis' event source over the store's cursors (store-source.h), and
 * the capture filter that uses it before an import commits. Holds no SQL: the store's
 * functions do the reading and the removing.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-source.h"
#include "xalloc.h"
#include "../report/filter.h"

static int src_captures(void *priv, struct vx_dataset *ds)
{
	struct vx_store_source *s = priv;

	return store_load(s->st, s->capture, false, ds);
}

static int src_paths_each(void *priv, int (*fn)(void *arg, const struct vx_path_row *p), void *arg)
{
	struct vx_store_source *s = priv;

	return store_paths_each(s->st, s->capture, fn, arg);
}

static int pass_rec(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct vx_store_source *s = arg;

	(void)row;
	return s->fn(s->arg, r);
}

/* the row is kept for src_row_fields() during the callback */
static int pass_rec_row(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct vx_store_source *s = arg;
	int ret;

	s->row = row;
	ret = s->fn(s->arg, r);
	s->row = NULL;
	return ret;
}

static size_t src_row_fields(void *priv, struct arena *a, struct vx_field **out)
{
	struct vx_store_source *s = priv;

	return store_row_fields(s->row, a, out);
}

static int src_journey_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct vx_store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_events_by_skb_each(s->st, s->capture, pass_rec_row, s);
}

static int src_route_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct vx_store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_route_events_each(s->st, s->capture, pass_rec_row, s);
}

static int src_names_each(void *priv, int (*fn)(void *arg, int64_t capture_id, const char *name), void *arg)
{
	struct vx_store_source *s = priv;

	return store_event_names_each(s->st, s->capture, fn, arg);
}

static int src_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct vx_store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_events_each(s->st, s->capture, pass_rec, s);
}

static int src_event_fields(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n)
{
	struct vx_store_source *s = priv;

	return store_event_fields(s->st, id, a, out, n);
}

void vx_store_source_init(struct vx_store_source *s, struct vx_event_source *src, struct vx_store *st,
			  int64_t capture)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	s->capture = capture;
	*src = (struct vx_event_source){
		.priv = s,
		.captures = src_captures,
		.paths_each = src_paths_each,
		.journey_events_each = src_journey_events_each,
		.route_events_each = src_route_events_each,
		.names_each = src_names_each,
		.events_each = src_events_each,
		.event_fields = src_event_fields,
		.row_fields = src_row_fields,
	};
}

/* the spans of the journeys the filter leaves out, in the order they were finished */
struct drop_list {
	struct vx_span *v;
	size_t n, cap;
};

static void collect_dropped(void *arg, const struct vx_span *span, bool kept)
{
	struct drop_list *l = arg;

	if (kept)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *span;
}

int vx_capture_filter(struct vx_store *st, int64_t capture_id, const char *expr, const struct vx_filter *f,
		      uint64_t *filtered)
{
	struct vx_store_source ssrc;
	struct vx_event_source src;
	struct drop_list drops = { 0 };
	struct vx_analysis an;
	/* one journey kept in detail is enough: only the spans are wanted */
	struct vx_analysis_opts opts = { .max_journeys = 1, .filter = f, .journey_done = collect_dropped,
					 .journey_done_arg = &drops };
	int ret;

	*filtered = 0;
	vx_store_source_init(&ssrc, &src, st, capture_id);
	if (store_read_begin(st) < 0)
		return -1;
	ret = vx_analysis_stream(&src, &opts, &an);
	store_read_end(st);
	if (ret < 0) {
		free(drops.v);
		return -1;
	}
	vx_analysis_release(&an);
	ret = store_import_filter(st, expr, drops.v, drops.n);
	for (size_t i = 0; !ret && i < drops.n; i++)
		*filtered += drops.v[i].events;
	free(drops.v);
	return ret;
}
