/* store-read.c: the report's reads, streamed: paths aggregated by SQL (GROUP BY name,
 * stack_id, on event_rows: the ids, then their strings), events walked by a cursor in the order the analysis needs, one row at a time.
 * Must not: keep rows beyond the callback, analyse anything, or accept a query that did not
 * end in SQLITE_DONE (a damaged page must fail the report, not shorten it).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store-internal.h"
#include "core/xalloc.h"

/* a row's fields are read by its id when a callback asks for them: building them (a JSON
 * patch of the field set's template with the row's own values) for every row cost the
 * report three times the rest of the scan, and most rows are never asked */
struct store_row {
	struct vx_store *st;
	sqlite3_stmt *s;
	int64_t id;
	int err;	/* reading the fields failed: the walk fails after the callback */
};

int store_read_begin(struct vx_store *st)
{
	if (st->reading++)
		return 0;
	/* inside the import's own transaction (store_import_flush): read what it wrote */
	st->read_began = sqlite3_get_autocommit(st->db) != 0;
	if (st->read_began && sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		st->reading = 0;
		return store_db_error(st, "cannot start reading");
	}
	return 0;
}

void store_read_end(struct vx_store *st)
{
	if (st->reading > 0 && --st->reading == 0 && st->read_began)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

/* read_start - a read transaction and @sql prepared in *@s, ?1 bound to @capture_id when
 * the query has it; 0, or -1 with vx_error() set (no transaction left open). The caller
 * finalizes *@s and calls store_read_end() */
static int read_start(struct vx_store *st, const char *sql, int64_t capture_id, sqlite3_stmt **s)
{
	if (store_read_begin(st) < 0)
		return -1;
	if (store_prepare(st, sql, s) < 0) {
		store_read_end(st);
		return -1;
	}
	if (sqlite3_bind_parameter_count(*s) >= 1)
		sqlite3_bind_int64(*s, 1, capture_id);
	return 0;
}

size_t store_row_fields(struct store_row *row, struct arena *a, struct vx_field **out)
{
	size_t n = 0;

	*out = NULL;
	if (!row)
		return 0;
	if (store_event_fields(row->st, row->id, a, out, &n) < 0) {
		row->err = -1;
		return 0;
	}
	return n;
}

/* ---- paths ---- */

int store_paths_each(struct vx_store *st, int64_t capture_id,
		     int (*fn)(void *arg, const struct vx_path_row *p), void *arg)
{
	/* per capture, so that the first event of a path is (capture, time, id)-first; the
	 * caller adds the captures up. The correlated min(id) runs once per group, through
	 * events_capture_ts, to break ties between events of the same nanosecond. */
	static const char sql[] =
		"SELECT n.text, g.stack_id, g.n, g.cap, g.t,"
		" (SELECT min(e.id) FROM event_rows e WHERE e.capture_id = g.cap AND e.ts_ns = g.t"
		"  AND e.name_id = g.name_id AND e.stack_id = g.stack_id),"
		" s.depth, s.frames"
		" FROM (SELECT name_id, stack_id, capture_id AS cap, count(*) AS n, min(ts_ns) AS t"
		"  FROM event_rows WHERE stack_id IS NOT NULL AND (?1 = 0 OR capture_id = ?1)"
		"  GROUP BY name_id, stack_id, capture_id) g"
		" JOIN strings n ON n.id = g.name_id"
		" LEFT JOIN stacks s ON s.id = g.stack_id"
		" ORDER BY g.cap, g.t";
	struct strbuf text = STRBUF_INIT;
	const char **frames = NULL;
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_start(st, sql, capture_id, &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct vx_path_row p = { 0 };
		const char *t = (const char *)sqlite3_column_text(s, 7);

		p.name = (const char *)sqlite3_column_text(s, 0);
		p.stack_id = sqlite3_column_int64(s, 1);
		p.count = (uint64_t)sqlite3_column_int64(s, 2);
		p.first_capture = sqlite3_column_int64(s, 3);
		p.first_ts = (uint64_t)sqlite3_column_int64(s, 4);
		p.first_id = sqlite3_column_int64(s, 5);
		p.stack_missing = sqlite3_column_type(s, 6) == SQLITE_NULL;
		if (!p.name)
			p.name = "unknown:unknown";
		strbuf_reset(&text);
		if (t)
			strbuf_add(&text, t, (size_t)sqlite3_column_bytes(s, 7));
		/* frames: one per line, innermost first; at most depth of them */
		int64_t depth = sqlite3_column_int64(s, 6);

		for (char *f = text.len ? text.buf : NULL; f && (int64_t)p.nframes < depth;) {
			char *nl = strchr(f, '\n');

			if (p.nframes == cap) {
				cap = cap ? cap * 2 : 64;
				frames = xrealloc(frames, cap * sizeof(*frames));
			}
			frames[p.nframes++] = f;
			if (!nl)
				break;
			*nl = '\0';
			f = nl + 1;
		}
		p.frames = frames;
		ret = fn(arg, &p);
		if (ret)
			break;
	}
	if (!ret)
		ret = store_step_done(st, rc, "cannot read the paths");
	sqlite3_finalize(s);
	store_read_end(st);
	strbuf_release(&text);
	free(frames);
	return ret;
}

/* ---- events ---- */

/* the columns every event query selects first, in this order (see rec_of) */
#define REC_COLUMNS "id, capture_id, ts_ns, cpu, pid, comm, name, dev, len, skb, stack_id"
/* the same columns from event_rows and the strings (the events view without its fields) */
#define REC_FROM "SELECT e.id, e.capture_id, e.ts_ns, e.cpu, e.pid, c.text, n.text, d.text, e.len, e.skb," \
	" e.stack_id FROM event_rows e JOIN strings n ON n.id = e.name_id" \
	" LEFT JOIN strings c ON c.id = e.comm_id LEFT JOIN strings d ON d.id = e.dev_id"

static void rec_of(sqlite3_stmt *s, struct vx_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->capture_id = sqlite3_column_int64(s, 1);
	r->ts_ns = (uint64_t)sqlite3_column_int64(s, 2);
	r->cpu = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3);
	r->pid = sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 4);
	r->comm = (const char *)sqlite3_column_text(s, 5);
	r->name = (const char *)sqlite3_column_text(s, 6);
	if (!r->name)
		r->name = "unknown:unknown";
	r->dev = (const char *)sqlite3_column_text(s, 7);
	r->len = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 8);
	r->skb = (uint64_t)sqlite3_column_int64(s, 9);
	r->stack_id = sqlite3_column_int64(s, 10);
}

/* run @sql (?1 bound to @capture_id when it uses it) and hand each row to @fn */
static int events_query(struct vx_store *st, const char *sql, int64_t capture_id,
			const char *what, store_rec_fn fn, void *arg)
{
	struct store_row row = { st, NULL, 0, 0 };
	struct vx_rec r;
	int rc, ret = 0;

	if (read_start(st, sql, capture_id, &row.s) < 0)
		return -1;
	while ((rc = sqlite3_step(row.s)) == SQLITE_ROW) {
		rec_of(row.s, &r);
		row.id = r.id;
		ret = fn(arg, &r, &row);
		if (!ret && row.err)
			ret = -1;
		if (ret)
			break;
	}
	if (!ret)
		ret = store_step_done(st, rc, what);
	sqlite3_finalize(row.s);
	store_read_end(st);
	return ret;
}

int store_events_by_skb_each(struct vx_store *st, int64_t capture_id, store_rec_fn fn, void *arg)
{
	/* two texts so that the planner walks events_capture_skb_ts in both cases (an OR on
	 * the capture would make it sort instead) */
	return events_query(st, capture_id ?
			    REC_FROM " WHERE e.capture_id = ?1 AND e.skb IS NOT NULL AND e.skb != 0"
			    " ORDER BY e.capture_id, e.skb, e.ts_ns, e.id" :
			    REC_FROM " WHERE e.capture_id > 0 AND e.skb IS NOT NULL AND e.skb != 0"
			    " ORDER BY e.capture_id, e.skb, e.ts_ns, e.id",
			    capture_id, "cannot read the events by skb address", fn, arg);
}

int store_events_each(struct vx_store *st, int64_t capture_id, store_rec_fn fn, void *arg)
{
	return events_query(st, REC_FROM " WHERE ?1 = 0 OR e.capture_id = ?1 ORDER BY e.capture_id, e.ts_ns, e.id",
			    capture_id, "cannot read the events", fn, arg);
}

int store_route_events_each(struct vx_store *st, int64_t capture_id, store_rec_fn fn, void *arg)
{
	/* the names first (a few strings), then the events in time order through
	 * events_capture_ts with a test on name_id per row */
	return events_query(st, REC_FROM " WHERE (?1 = 0 OR e.capture_id = ?1) AND e.name_id IN"
			    " (SELECT id FROM strings WHERE text LIKE 'fib%' OR text LIKE 'netlink:%' OR"
			    "  text LIKE 'probe:%' OR text LIKE 'kprobes:%')"
			    " ORDER BY e.capture_id, e.ts_ns, e.id",
			    capture_id, "cannot read the route events", fn, arg);
}

int store_event_names_each(struct vx_store *st, int64_t capture_id,
			   int (*fn)(void *arg, int64_t capture_id, const char *name), void *arg)
{
	static const char sql[] = "SELECT g.capture_id, n.text FROM (SELECT DISTINCT capture_id, name_id"
				  " FROM event_rows WHERE ?1 = 0 OR capture_id = ?1) g"
				  " JOIN strings n ON n.id = g.name_id";
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (read_start(st, sql, capture_id, &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ret = fn(arg, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1));
		if (ret)
			break;
	}
	if (!ret)
		ret = store_step_done(st, rc, "cannot read the event names");
	sqlite3_finalize(s);
	store_read_end(st);
	return ret;
}

int store_event_fields(struct vx_store *st, int64_t id, struct arena *a, struct vx_field **out, size_t *n)
{
	/* the events view's fields, built in C: a view runs with a trusted schema only */
	static const char sql[] =
		"SELECT e.skb, e.len, d.text, e.vals, f.fields, f.skb_key, f.skb_fmt, f.len_key, f.dev_key"
		" FROM event_rows e JOIN fieldsets f ON f.id = e.fieldset_id JOIN strings n ON n.id = e.name_id"
		" LEFT JOIN strings d ON d.id = e.dev_id WHERE e.id = ?1";
	sqlite3_stmt *s;
	int rc, k;

	*out = NULL;
	*n = 0;
	if (!st->sel_fields && store_prepare(st, sql, &st->sel_fields) < 0)
		return -1;
	s = st->sel_fields;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		k = store_fields_build(a, s, 0, out);
		if (k < 0) {
			sqlite3_reset(s);
			return vx_error("%s: event %" PRId64 ": its fields are not a JSON object; the database is damaged",
					st->path, id);
		}
		*n = (size_t)k;
		rc = sqlite3_step(s);
	}
	rc = store_step_done(st, rc, "cannot read an event's fields");
	sqlite3_reset(s);
	return rc;
}
