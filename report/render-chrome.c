/* render-chrome.c: `--format chrome`, Chrome trace-event JSON that Perfetto's UI
 * (ui.perfetto.dev, "Open trace file") and chrome://tracing open: one process per capture,
 * one track (thread) per network device with a thread_name record, every event an instant
 * event ("ph":"i", thread scope) at its time in µs since the capture's first event, with
 * args skb, len, dev, path (id of its kernel path), journey, cpu, pid and comm.
 * Must not: parse, query the store, or print JSON except through the jw_* writer.
 */
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../src/error.h"
#include "../src/json.h"
#include "../src/strbuf.h"

#define CHROME_MAX_TRACKS 4096	/* devices beyond this share one "(other devices)" track */

struct tracks {
	const char *names[CHROME_MAX_TRACKS];
	size_t n;
	bool other_named;
};

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

static int chrome_write(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts)
{
	const struct vx_dataset *ds = an->ds;
	size_t nrecs = ds ? ds->nrecs : 0;
	int *journey_of = calloc(nrecs + 1, sizeof(*journey_of));
	struct tracks *t = calloc(1, sizeof(*t));
	struct json_writer *w;
	int64_t cur_capture = 0;
	uint64_t t0 = 0;
	bool first = true;

	if (!journey_of || !t) {
		free(journey_of);
		free(t);
		return vx_error("out of memory rendering the chrome trace");
	}
	for (size_t i = 0; i < an->njourneys; i++)
		for (size_t k = 0; k < an->journeys[i].nhops; k++) {
			const struct vx_rec *r = an->journeys[i].hops[k].rec;

			if (r && r >= ds->recs && r < ds->recs + nrecs)
				journey_of[r - ds->recs] = an->journeys[i].id;
		}
	w = jw_new_file(out, false);
	jw_start_object(w);
	jw_kstring(w, "displayTimeUnit", "ns");
	jw_key(w, "otherData");
	jw_start_object(w);
	jw_kstring(w, "generator", "vxanalyze report --format chrome");
	jw_kstring(w, "tracks", "one thread per network device; ts in microseconds since the "
		   "first event of the capture");
	jw_end_object(w);
	jw_key(w, "traceEvents");
	jw_start_array(w);
	for (size_t i = 0; i < nrecs; i++) {
		const struct vx_rec *r = &ds->recs[i];
		const struct vx_path *p;
		bool is_new;
		int tid;

		if (first || r->capture_id != cur_capture) {
			const char *src = NULL;
			char name[64];

			cur_capture = r->capture_id;
			t0 = r->ts_ns;
			first = false;
			t->n = 0;
			t->other_named = false;
			for (size_t c = 0; c < ds->ncaptures; c++)
				if (ds->captures[c].id == cur_capture) {
					src = ds->captures[c].source;
					if (ds->captures[c].first_ts && ds->captures[c].first_ts <= t0)
						t0 = ds->captures[c].first_ts;
				}
			snprintf(name, sizeof(name), "capture %" PRId64 ": ", cur_capture);
			jw_start_object(w);
			jw_kstring(w, "name", "process_name");
			jw_kstring(w, "ph", "M");
			jw_kint(w, "pid", cur_capture);
			jw_kint(w, "tid", 0);
			jw_key(w, "args");
			jw_start_object(w);
			jw_key(w, "name");
			{
				struct strbuf sb = STRBUF_INIT;

				strbuf_addstr(&sb, name);
				strbuf_addstr(&sb, src ? src : "?");
				jw_string(w, sb.buf);
				strbuf_release(&sb);
			}
			jw_end_object(w);
			jw_end_object(w);
			write_meta(w, "thread_name", cur_capture, 1, "(no device)", -1);
			write_meta(w, "thread_sort_index", cur_capture, 1, NULL, 1);
		}
		tid = track_of(t, r->dev, &is_new);
		if (is_new) {
			write_meta(w, "thread_name", cur_capture, tid, r->dev, -1);
			write_meta(w, "thread_sort_index", cur_capture, tid, NULL, tid);
		} else if (tid == CHROME_MAX_TRACKS + 2 && !t->other_named) {
			write_meta(w, "thread_name", cur_capture, tid, "(other devices)", -1);
			t->other_named = true;
		}
		jw_start_object(w);
		jw_kstring(w, "name", r->name);
		{
			const char *colon = r->name ? strchr(r->name, ':') : NULL;
			char cat[32];
			size_t n = colon ? (size_t)(colon - r->name) : 0;

			if (n >= sizeof(cat))
				n = sizeof(cat) - 1;
			memcpy(cat, r->name ? r->name : "", n);
			cat[n] = '\0';
			jw_kstring(w, "cat", n ? cat : "event");
		}
		jw_kstring(w, "ph", "i");
		jw_kstring(w, "s", "t");
		jw_key(w, "ts");
		jw_decimal(w, r->ts_ns >= t0 ? (int64_t)(r->ts_ns - t0) : -(int64_t)(t0 - r->ts_ns), 3);
		jw_kint(w, "pid", cur_capture);
		jw_kint(w, "tid", tid);
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
		p = vx_analysis_path_of(an, r);
		if (p) {
			jw_kint(w, "path", p->id);
			jw_kint(w, "ip_passes", p->ip_passes);
			if (p->reenters_ip_after_encap)
				jw_kbool(w, "reenters_ip_after_encap", true);
		}
		if (journey_of[i])
			jw_kint(w, "journey", journey_of[i]);
		jw_kint(w, "cpu", r->cpu);
		jw_kint(w, "pid", r->pid);
		if (r->comm)
			jw_kstring(w, "comm", r->comm);
		jw_end_object(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
	jw_destroy(w);
	fputc('\n', out);
	free(journey_of);
	free(t);
	if (ferror(out))
		return vx_error("chrome report: write error");
	return 0;
}

const struct vx_renderer vx_render_chrome = {
	.name = "chrome",
	.desc = "Chrome trace-event JSON, one track per device (open in ui.perfetto.dev)",
	.write = chrome_write,
};
