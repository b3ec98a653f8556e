/* store-source.c: the analysis' event source on the store's cursors (see store-source.h):
 * each callback of struct vx_event_source is one store_*_each() walk of the chosen capture.
 */
#include "store-source.h"

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

static int src_names_each(void *priv, int (*fn)(void *arg, int64_t capture_id, const char *name), void *arg)
{
	struct store_source *s = priv;

	return store_event_names_each(s->st, s->capture, fn, arg);
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

void store_source_init(struct store_source *ss, struct vx_event_source *src, struct vx_store *st,
		       int64_t capture)
{
	*ss = (struct store_source){ .st = st, .capture = capture };
	*src = (struct vx_event_source){
		.priv = ss,
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
