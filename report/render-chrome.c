/* render-chrome.c: `--format chrome`, Chrome trace-event JSON that Perfetto's UI
 * (ui.perfetto.dev, "Open trace file") and chrome://tracing open: one process per capture,
 * one track (thread) per network device with a thread_name record, every event an instant
 * event ("ph":"i", thread scope) at its time in µs since the capture's first event, with
 * args skb, len, dev, path (id of its kernel path), journey, cpu, pid and comm.
 * Events are streamed through the analysis (vx_analysis_events_each), never held; the
 * "journey" arg names the journeys the analysis kept (the first --max-journeys, default
 * 1000, in time order). Must not: parse, query the store, or print JSON except through
 * the jw_* writer.
 */
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define CHROME_MAX_TRACKS 4096	/* devices beyond this share one "(other devices)" track */

struct tracks {
	const char *names[CHROME_MAX_TRACKS];
	bool owned[CHROME_MAX_TRACKS];	/* names[i] is malloc'd */
	size_t n;
	bool other_named;
};

static void tracks_reset(struct tracks *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->owned[i])
			free((char *)t->names[i]);
	memset(t->owned, 0, sizeof(t->owned));
	t->n = 0;
}

static void tracks_release(struct tracks *t)
{
	if (t)
		tracks_reset(t);
	free(t);
}

/* track of @dev in capture order of appearance: 1 = no device, 2.. = devices */
static int track_of(struct tracks *t, const char *dev, bool *is_new)
{
	*is_new = false;
	if (!dev)
		return 1;
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->names[i], dev))
			return (int)i + 2;
	if (t->n == CHROME_MAX_TRACKS)
		return CHROME_MAX_TRACKS + 2;
	t->names[t->n++] = dev;
	*is_new = true;
	return (int)t->n + 1;
}

static void write_meta(struct json_writer *w, const char *what, int64_t pid, int tid,
		       const char *name, int sort)
{
	jw_start_object(w);
	jw_kstring(w, "name", what);
	jw_kstring(w, "ph", "M");
	jw_kint(w, "pid", pid);
	jw_kint(w, "tid", tid);
	jw_key(w, "args");
	jw_start_object(w);
	if (sort >= 0)
		jw_kint(w, "sort_index", sort);
	else
		jw_kstring(w, "name", name);
	jw_end_object(w);
	jw_end_object(w);
}

/* event id -> journey id of the journeys the analysis kept (an id is its own key, hash.h) */
static void ids_put(struct vx_hash *m, int64_t id, int journey)
{
	struct vx_hash_slot *s = vx_hash_first(m, (uint64_t)id);

	if (s)
		s->value = (uint64_t)journey;
	else
		vx_hash_add(m, (uint64_t)id, (uint64_t)journey);
}

static int ids_get(const struct vx_hash *m, int64_t id)
{
	struct vx_hash_slot *s = id ? vx_hash_first(m, (uint64_t)id) : NULL;

	return s ? (int)s->value : 0;
}

struct chrome {
	const struct vx_analysis *an;
	struct json_writer *w;
	struct tracks *t;
	struct vx_hash ids;	/* event id -> journey id */
	int64_t cur_capture;
	uint64_t t0;
	bool first;
};

/* a new capture begins: its process, named after its source, and its first track */
static void chrome_capture(struct chrome *c, const struct vx_rec *r)
{
	const struct vx_dataset *ds = c->an->ds;
	struct json_writer *w = c->w;
	struct strbuf name = STRBUF_INIT;
	const char *src = NULL;

	c->cur_capture = r->capture_id;
	c->t0 = r->ts_ns;
	c->first = false;
	tracks_reset(c->t);
	c->t->other_named = false;
	for (size_t i = 0; ds && i < ds->ncaptures; i++)
		if (ds->captures[i].id == c->cur_capture) {
			src = ds->captures[i].source;
			if (ds->captures[i].first_ts && ds->captures[i].first_ts <= c->t0)
				c->t0 = ds->captures[i].first_ts;
		}
	strbuf_addf(&name, "capture %" PRId64 ": %s", c->cur_capture, src ? src : "?");
	jw_start_object(w);
	jw_kstring(w, "name", "process_name");
	jw_kstring(w, "ph", "M");
	jw_kint(w, "pid", c->cur_capture);
	jw_kint(w, "tid", 0);
	jw_key(w, "args");
	jw_start_object(w);
	jw_kstring(w, "name", name.buf);
	jw_end_object(w);
	jw_end_object(w);
	strbuf_release(&name);
	write_meta(w, "thread_name", c->cur_capture, 1, "(no device)", -1);
	write_meta(w, "thread_sort_index", c->cur_capture, 1, NULL, 1);
}

/* the track of @r's device, named when it is new (the capture's devices are few: the names
 * outlive the row as copies) */
static int chrome_track(struct chrome *c, const struct vx_rec *r)
{
	struct tracks *t = c->t;
	bool is_new;
	int tid = track_of(t, r->dev, &is_new);

	if (is_new) {
		t->names[t->n - 1] = xstrdup(r->dev);
		t->owned[t->n - 1] = true;
		write_meta(c->w, "thread_name", c->cur_capture, tid, r->dev, -1);
		write_meta(c->w, "thread_sort_index", c->cur_capture, tid, NULL, tid);
	} else if (tid == CHROME_MAX_TRACKS + 2 && !t->other_named) {
		write_meta(c->w, "thread_name", c->cur_capture, tid, "(other devices)", -1);
		t->other_named = true;
	}
	return tid;
}

/* the event's args: skb, length, device, path, journey, cpu, pid, comm */
static void chrome_args(struct chrome *c, const struct vx_rec *r)
{
	struct json_writer *w = c->w;
	const struct vx_path *p = vx_analysis_path_of(c->an, r);
	int journey = ids_get(&c->ids, r->id);

	jw_key(w, "args");
	jw_start_object(w);
	if (r->skb) {
		char skb[24];

		snprintf(skb, sizeof(skb), "0x%" PRIx64, r->skb);
		jw_kstring(w, "skb", skb);
	}
	if (r->len >= 0)
		jw_kint(w, "len", r->len);
	if (r->dev)
		jw_kstring(w, "dev", r->dev);
	if (p) {
		jw_kint(w, "path", p->id);
		jw_kint(w, "ip_passes", p->ip_passes);
		if (p->reenters_ip_after_encap)
			jw_kbool(w, "reenters_ip_after_encap", true);
	}
	if (journey)
		jw_kint(w, "journey", journey);
	jw_kint(w, "cpu", r->cpu);
	jw_kint(w, "pid", r->pid);
	if (r->comm)
		jw_kstring(w, "comm", r->comm);
	jw_end_object(w);
}

static int chrome_event(void *arg, const struct vx_rec *r)
{
	struct chrome *c = arg;
	struct json_writer *w = c->w;
	const char *colon = r->name ? strchr(r->name, ':') : NULL;
	size_t n = colon ? (size_t)(colon - r->name) : 0;
	char cat[32];
	int tid;

	if (c->first || r->capture_id != c->cur_capture)
		chrome_capture(c, r);
	tid = chrome_track(c, r);
	if (n >= sizeof(cat))
		n = sizeof(cat) - 1;
	memcpy(cat, r->name ? r->name : "", n);
	cat[n] = '\0';
	jw_start_object(w);
	jw_kstring(w, "name", r->name);
	jw_kstring(w, "cat", n ? cat : "event");
	jw_kstring(w, "ph", "i");
	jw_kstring(w, "s", "t");
	jw_key(w, "ts");
	jw_decimal(w, r->ts_ns >= c->t0 ? (int64_t)(r->ts_ns - c->t0) : -(int64_t)(c->t0 - r->ts_ns), 3);
	jw_kint(w, "pid", c->cur_capture);
	jw_kint(w, "tid", tid);
	chrome_args(c, r);
	jw_end_object(w);
	return 0;
}

/* phase 1: which journey each kept event belongs to (the events come back by id) */
static void chrome_index_journeys(struct chrome *c, const struct vx_analysis *an)
{
	for (size_t i = 0; i < an->njourneys; i++)
		for (size_t k = 0; k < an->journeys[i].nhops; k++) {
			const struct vx_rec *r = an->journeys[i].hops[k].rec;

			if (r && r->id)
				ids_put(&c->ids, r->id, an->journeys[i].id);
		}
}

/* phase 2: the trace object around the events, which stream from the analysis' source */
static int chrome_write_events(struct chrome *c, FILE *out, const struct vx_analysis *an)
{
	int ret;

	c->w = jw_new_file(out, false);
	jw_start_object(c->w);
	jw_kstring(c->w, "displayTimeUnit", "ns");
	jw_key(c->w, "otherData");
	jw_start_object(c->w);
	jw_kstring(c->w, "generator", "vxanalyze report --format chrome");
	jw_kstring(c->w, "tracks", "one thread per network device; ts in microseconds since the "
		   "first event of the capture");
	jw_end_object(c->w);
	jw_key(c->w, "traceEvents");
	jw_start_array(c->w);
	ret = vx_analysis_events_each(an, chrome_event, c);
	jw_end_array(c->w);
	jw_end_object(c->w);
	jw_destroy(c->w);
	fputc('\n', out);
	return ret;
}

static int chrome_write(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts)
{
	struct chrome c = { .an = an, .first = true };
	int ret;

	(void)opts;
	chrome_index_journeys(&c, an);
	c.t = xcalloc(1, sizeof(*c.t));
	ret = chrome_write_events(&c, out, an);
	tracks_release(c.t);
	vx_hash_release(&c.ids);
	if (ret)
		return -1;
	if (ferror(out))
		return vx_error("chrome report: write error");
	return 0;
}

const struct vx_renderer vx_render_chrome = {
	.name = "chrome",
	.desc = "Chrome trace-event JSON, one track per device (open in ui.perfetto.dev)",
	.write = chrome_write,
};
