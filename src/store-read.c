/* store-read.c: the report's reads, streamed: paths aggregated by SQL (GROUP BY name,
 * stack_id), events walked by a cursor in the order the analysis needs, one row at a time.
 * Must not: keep rows beyond the callback, analyse anything, or accept a query that did not
 * end in SQLITE_DONE (a damaged page must fail the report, not shorten it).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store-internal.h"
#include "xalloc.h"

struct store_row {
	sqlite3_stmt *s;
	int fields_col;	/* -1: the query did not select the fields */
};

int store_read_begin(struct vx_store *st)
{
	if (st->reading++)
		return 0;
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		st->reading = 0;
		return store_db_error(st, "cannot start reading");
	}
	return 0;
}

void store_read_end(struct vx_store *st)
{
	if (st->reading > 0 && --st->reading == 0)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

size_t store_row_fields(struct store_row *row, struct arena *a, struct vx_field **out)
{
	*out = NULL;
	if (!row || row->fields_col < 0)
		return 0;
	return store_fields_decode(row->s, row->fields_col, a, out);
}

/* ---- paths ---- */

int store_paths_each(struct vx_store *st, int64_t capture_id,
		     int (*fn)(void *arg, const struct vx_path_row *p), void *arg)
{
	/* per capture, so that the first event of a path is (capture, time, id)-first; the
	 * caller adds the captures up. The correlated min(id) runs once per group, through
	 * events_capture_ts, to break ties between events of the same nanosecond. */
	static const char sql[] =
		"SELECT g.name, g.stack_id, g.n, g.cap, g.t,"
		" (SELECT min(e.id) FROM events e WHERE e.capture_id = g.cap AND e.ts_ns = g.t"
		"  AND e.name = g.name AND e.stack_id = g.stack_id),"
		" s.depth, s.frames"
		" FROM (SELECT name, stack_id, capture_id AS cap, count(*) AS n, min(ts_ns) AS t"
		"  FROM events WHERE stack_id IS NOT NULL AND (?1 = 0 OR capture_id = ?1)"
		"  GROUP BY name, stack_id, capture_id) g"
		" LEFT JOIN stacks s ON s.id = g.stack_id"
		" ORDER BY g.cap, g.t";
	struct strbuf text = STRBUF_INIT;
	const char **frames = NULL;
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (store_read_begin(st) < 0)
		return -1;
	if (store_prepare(st, sql, &s) < 0) {
		store_read_end(st);
		return -1;
	}
	sqlite3_bind_int64(s, 1, capture_id);
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
static int events_query(struct vx_store *st, const char *sql, int64_t capture_id, int fields_col,
			const char *what, store_rec_fn fn, void *arg)
{
	struct store_row row = { NULL, fields_col };
	struct vx_rec r;
	int rc, ret = 0;

	if (store_read_begin(st) < 0)
		return -1;
	if (store_prepare(st, sql, &row.s) < 0) {
		store_read_end(st);
		return -1;
	}
	if (sqlite3_bind_parameter_count(row.s) >= 1)
		sqlite3_bind_int64(row.s, 1, capture_id);
	while ((rc = sqlite3_step(row.s)) == SQLITE_ROW) {
		rec_of(row.s, &r);
		ret = fn(arg, &r, &row);
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
			    "SELECT " REC_COLUMNS ", fields FROM events"
			    " WHERE capture_id = ?1 AND skb IS NOT NULL AND skb != 0"
			    " ORDER BY capture_id, skb, ts_ns, id" :
			    "SELECT " REC_COLUMNS ", fields FROM events"
			    " WHERE capture_id > 0 AND skb IS NOT NULL AND skb != 0"
			    " ORDER BY capture_id, skb, ts_ns, id",
			    capture_id, 11, "cannot read the events by skb address", fn, arg);
}

int store_events_each(struct vx_store *st, int64_t capture_id, store_rec_fn fn, void *arg)
{
	return events_query(st, "SELECT " REC_COLUMNS ", fields FROM events"
			    " WHERE ?1 = 0 OR capture_id = ?1 ORDER BY capture_id, ts_ns, id",
			    capture_id, 11, "cannot read the events", fn, arg);
}

int store_route_events_each(struct vx_store *st, int64_t capture_id, store_rec_fn fn, void *arg)
{
	return events_query(st, "SELECT " REC_COLUMNS ", fields FROM events"
			    " WHERE (?1 = 0 OR capture_id = ?1) AND (name LIKE 'fib%' OR"
			    " name LIKE 'netlink:%' OR name LIKE 'probe:%' OR name LIKE 'kprobes:%')"
			    " ORDER BY capture_id, ts_ns, id",
			    capture_id, 11, "cannot read the route events", fn, arg);
}

int store_event_names_each(struct vx_store *st, int64_t capture_id,
			   int (*fn)(void *arg, int64_t capture_id, const char *name), void *arg)
{
	static const char sql[] = "SELECT DISTINCT capture_id, name FROM events"
				  " WHERE (?1 = 0 OR capture_id = ?1) AND name IS NOT NULL";
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (store_read_begin(st) < 0)
		return -1;
	if (store_prepare(st, sql, &s) < 0) {
		store_read_end(st);
		return -1;
	}
	sqlite3_bind_int64(s, 1, capture_id);
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
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st->sel_fields && store_prepare(st, "SELECT fields FROM events WHERE id = ?1", &st->sel_fields) < 0)
		return -1;
	s = st->sel_fields;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*n = store_fields_decode(s, 0, a, out);
		rc = sqlite3_step(s);
	}
	rc = store_step_done(st, rc, "cannot read an event's fields");
	sqlite3_reset(s);
	return rc;
}
