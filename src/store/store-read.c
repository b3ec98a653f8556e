/* store-read.c: the report's reads, streamed: paths aggregated by SQL (GROUP BY name,
 * stack_id, on event_rows: the ids, then their strings), events walked by a cursor in the order the analysis needs, one row at a time.
 * Must not: keep rows beyond the callback, analyse anything, or accept a query that did not
 * end in SQLITE_DONE (a damaged page must fail the report, not shorten it).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/model.h"
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
	/* ids are stable while the transaction lasts, not across: a string may be gone since */
	vx_hash_clear(&st->strcache);
	vx_hash_clear(&st->fscache);
	arena_release(&st->strtext);
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

/* ---- an event's fields ---- */

/* the skb column as the event printed it: @fmt is one of the formats store-import.c chooses */
static const char *skb_text(struct arena *a, const char *fmt, uint64_t skb)
{
	char buf[32];

	if (!strcmp(fmt, "%016x"))
		snprintf(buf, sizeof(buf), "%016" PRIx64, skb);
	else if (!strcmp(fmt, "%x"))
		snprintf(buf, sizeof(buf), "%" PRIx64, skb);
	else
		snprintf(buf, sizeof(buf), "0x%" PRIx64, skb);
	return arena_strdup(a, buf);
}

/* put @value under the first key @key of @f (json_replace: a key not there is not added) */
static void field_replace(struct vx_field *f, size_t n, const char *key, const char *value)
{
	for (size_t i = 0; key && i < n; i++)
		if (!strcmp(f[i].key, key)) {
			f[i].value = value;
			return;
		}
}

static const char *col_text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

/* a field set as a template: its fields parsed once per read (in st->strtext), and the keys
 * its row's skb, length and device columns go back under */
struct fs_tmpl {
	struct vx_field *f;
	int n;			/* -1: its JSON is not an object (a damaged database) */
	const char *skb_key, *skb_fmt, *len_key, *dev_key;
};

static const char *tmpl_str(struct vx_store *st, sqlite3_stmt *s, int col)
{
	return col_text(s, col) ? arena_strdup(&st->strtext, col_text(s, col)) : NULL;
}

/* the template of field set @id through the read's cache, NULL (vx_error set) when the
 * database cannot say */
static const struct fs_tmpl *fieldset_tmpl(struct vx_store *st, int64_t id)
{
	struct vx_hash_slot *h = vx_hash_first(&st->fscache, (uint64_t)id);
	struct fs_tmpl *t;
	int rc;

	if (h)
		return (const struct fs_tmpl *)(uintptr_t)h->value;
	if (!st->sel_fieldset && store_prepare(st, "SELECT fields, skb_key, skb_fmt, len_key, dev_key"
					       " FROM fieldsets WHERE id = ?1", &st->sel_fieldset) < 0)
		return NULL;
	t = arena_alloc(&st->strtext, sizeof(*t));
	memset(t, 0, sizeof(*t));
	t->n = -1;
	sqlite3_bind_int64(st->sel_fieldset, 1, id);
	rc = sqlite3_step(st->sel_fieldset);
	if (rc == SQLITE_ROW) {
		if (col_text(st->sel_fieldset, 0))
			t->n = json_parse_flat(col_text(st->sel_fieldset, 0), &st->strtext, &t->f);
		t->skb_key = tmpl_str(st, st->sel_fieldset, 1);
		t->skb_fmt = tmpl_str(st, st->sel_fieldset, 2);
		t->len_key = tmpl_str(st, st->sel_fieldset, 3);
		t->dev_key = tmpl_str(st, st->sel_fieldset, 4);
		rc = sqlite3_step(st->sel_fieldset);
	}
	sqlite3_reset(st->sel_fieldset);
	if (store_step_done(st, rc, "cannot read a field set") < 0)
		return NULL;
	vx_hash_add(&st->fscache, (uint64_t)id, (uint64_t)(uintptr_t)t);
	return t;
}

/*
 * fields_assemble - an event's fields in @a: its field set's (@t, strings copied) with its
 * row's skb (@skb), length (@len, NULL column: @len_null) and device (@dev) put back under
 * their keys, and the varying values of @vals (a JSON object, NULL when none) replacing
 * theirs or coming after, as the `events` view's json_replace() and json_patch() do. The
 * number of fields, or -1 when @t or @vals is not a JSON object.
 */
static int fields_assemble(struct arena *a, const struct fs_tmpl *t, uint64_t skb, int64_t len, bool len_null,
			   const char *dev, const char *vals, struct vx_field **out)
{
	struct vx_field *v = NULL, *all;
	int nv = vals ? json_parse_flat(vals, a, &v) : 0;
	size_t total = t->n > 0 ? (size_t)t->n : 0;
	char buf[24];

	*out = NULL;
	if (t->n < 0 || nv < 0)
		return -1;
	all = arena_alloc(a, (total + (size_t)nv + 1) * sizeof(*all));
	for (size_t i = 0; i < total; i++)
		all[i] = (struct vx_field){ arena_strdup(a, t->f[i].key), arena_strdup(a, t->f[i].value) };
	/* a NULL column is JSON null, as the view's json_replace() puts it */
	if (t->skb_fmt)
		field_replace(all, total, t->skb_key, skb_text(a, t->skb_fmt, skb));
	snprintf(buf, sizeof(buf), "%" PRId64, len);
	field_replace(all, total, t->len_key, len_null ? "null" : arena_strdup(a, buf));
	field_replace(all, total, t->dev_key, dev ? arena_strdup(a, dev) : "null");
	/* json_patch(): the varying values replace theirs, or come after */
	for (int k = 0; k < nv; k++) {
		size_t i = 0;

		while (i < total && strcmp(all[i].key, v[k].key))
			i++;
		all[i] = v[k];
		if (i == total)
			total++;
	}
	*out = total ? all : NULL;
	return (int)total;
}

/* ---- paths ---- */

/* one (capture, event name, stack) group of the paths' scan */
struct path_group {
	int64_t capture, name_id, stack_id;
	uint64_t n, first_ts;
	int64_t first_id;
};

struct path_scan {
	struct path_group *g;
	size_t n, cap;
	struct vx_hash index;	/* (capture, name, stack) -> index into @g */
};

static uint64_t group_key(int64_t capture, int64_t name_id, int64_t stack_id)
{
	int64_t k[3] = { capture, name_id, stack_id };

	return vx_hash64(VX_HASH_INIT, k, sizeof(k));
}

/* count one event into its group: the first event is the (time, id)-first one */
static void group_add(struct path_scan *ps, int64_t capture, int64_t name_id, int64_t stack_id,
		      uint64_t ts, int64_t id)
{
	uint64_t key = group_key(capture, name_id, stack_id);
	struct vx_hash_slot *h;
	struct path_group *g;

	vx_hash_each(&ps->index, key, h) {
		g = &ps->g[h->value];
		if (g->capture == capture && g->name_id == name_id && g->stack_id == stack_id) {
			g->n++;
			if (ts < g->first_ts || (ts == g->first_ts && id < g->first_id)) {
				g->first_ts = ts;
				g->first_id = id;
			}
			return;
		}
	}
	VX_GROW(ps->g, ps->n, ps->cap);
	ps->g[ps->n] = (struct path_group){ capture, name_id, stack_id, 1, ts, id };
	vx_hash_add(&ps->index, key, ps->n++);
}

static int cmp_group(const void *a, const void *b)
{
	const struct path_group *x = a, *y = b;

	if (x->capture != y->capture)
		return x->capture < y->capture ? -1 : 1;
	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	return (x->first_id > y->first_id) - (x->first_id < y->first_id);
}

/* every event of the capture(s) into its group: one scan of the rows' integer columns,
 * counted here (a GROUP BY sorted every row and cost the report a fifth of its time) */
static int paths_scan(struct vx_store *st, int64_t capture_id, struct path_scan *ps)
{
	sqlite3_stmt *s;
	int rc;

	if (read_start(st, "SELECT capture_id, name_id, stack_id, ts_ns, id FROM event_rows"
			   " WHERE ?1 = 0 OR capture_id = ?1", capture_id, &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		group_add(ps, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			  sqlite3_column_int64(s, 2), (uint64_t)sqlite3_column_int64(s, 3),
			  sqlite3_column_int64(s, 4));
	rc = store_step_done(st, rc, "cannot read the paths");
	sqlite3_finalize(s);
	store_read_end(st);
	if (rc == 0 && ps->n)
		qsort(ps->g, ps->n, sizeof(*ps->g), cmp_group);
	return rc;
}

/* the frames of stack @id into @p (one per line, innermost first, at most its depth; in
 * @text), or p->stack_missing */
static int group_frames(struct vx_store *st, sqlite3_stmt *s, int64_t id, struct strbuf *text,
			const char ***frames, size_t *cap, struct vx_path_row *p)
{
	int64_t depth;
	int rc;

	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	p->stack_missing = rc != SQLITE_ROW;
	strbuf_reset(text);
	if (rc == SQLITE_ROW && sqlite3_column_text(s, 1))
		strbuf_add(text, sqlite3_column_text(s, 1), (size_t)sqlite3_column_bytes(s, 1));
	depth = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (store_step_done(st, rc, "cannot read a stack") < 0)
		return -1;
	for (char *f = text->len ? text->buf : NULL; f && (int64_t)p->nframes < depth;) {
		char *nl = strchr(f, '\n');

		VX_GROW(*frames, p->nframes, *cap);
		(*frames)[p->nframes++] = f;
		if (!nl)
			break;
		*nl = '\0';
		f = nl + 1;
	}
	p->frames = *frames;
	return 0;
}

/* the text of string @id ("unknown:unknown" when missing), valid until the next call */
static const char *group_name(sqlite3_stmt *s, int64_t id, struct strbuf *name)
{
	strbuf_reset(name);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		strbuf_addstr(name, (const char *)sqlite3_column_text(s, 0));
	else
		strbuf_addstr(name, "unknown:unknown");
	sqlite3_reset(s);
	return name->buf;
}

int store_paths_each(struct vx_store *st, int64_t capture_id,
		     int (*fn)(void *arg, const struct vx_path_row *p), void *arg)
{
	struct path_scan ps = { 0 };
	struct strbuf text = STRBUF_INIT, name = STRBUF_INIT;
	sqlite3_stmt *sname = NULL, *sstack = NULL;
	const char **frames = NULL;
	size_t cap = 0;
	int ret;

	if (store_read_begin(st) < 0)
		return -1;
	ret = paths_scan(st, capture_id, &ps);
	if (!ret && (store_prepare(st, "SELECT text FROM strings WHERE id = ?1", &sname) < 0 ||
		     store_prepare(st, "SELECT depth, frames FROM stacks WHERE id = ?1", &sstack) < 0))
		ret = -1;
	for (size_t i = 0; !ret && i < ps.n; i++) {
		const struct path_group *g = &ps.g[i];
		struct vx_path_row p = { .stack_id = g->stack_id, .count = g->n, .first_capture = g->capture,
					 .first_ts = g->first_ts, .first_id = g->first_id };

		p.name = group_name(sname, g->name_id, &name);
		if (g->stack_id && group_frames(st, sstack, g->stack_id, &text, &frames, &cap, &p) < 0)
			ret = -1;
		if (!ret)
			ret = fn(arg, &p);
	}
	sqlite3_finalize(sname);
	sqlite3_finalize(sstack);
	store_read_end(st);
	vx_hash_release(&ps.index);
	free(ps.g);
	strbuf_release(&text);
	strbuf_release(&name);
	free(frames);
	return ret;
}

/* ---- events ---- */

/* the columns every event query selects first, in this order (see rec_of) */
#define REC_COLUMNS "id, capture_id, ts_ns, cpu, pid, comm, name, dev, len, skb, stack_id"
/* the same columns from event_rows (the events view without its fields; the texts by id) */
#define REC_FROM "SELECT e.id, e.capture_id, e.ts_ns, e.cpu, e.pid, e.comm_id, e.name_id, e.dev_id, e.len," \
	" e.skb, e.stack_id, e.fieldset_id, e.vals FROM event_rows e"

/* a comm, event name or device name as the analysis gets it: at most STRING_MAX characters,
 * the last a "…" when the stored one is longer. A comm is 16 bytes in the kernel and a
 * device name too; a foreign database's 200 MB comm was copied with every event the
 * analysis keeps (4.7 GB for a report of 66 events). */
#define STRING_MAX 256

/* copy of the @n bytes at @t into @a, cut as STRING_MAX says (characters counted as SQLite's
 * substr() counts them: bytes that are not UTF-8 continuation bytes) */
static const char *string_cut(struct arena *a, const char *t, size_t n)
{
	size_t chars = 0, keep = n;
	char *r;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)t[i] & 0xc0) != 0x80 && ++chars == STRING_MAX)
			keep = i;	/* where the STRING_MAXth character starts */
	if (chars <= STRING_MAX)
		return arena_strndup(a, t, n);
	r = arena_alloc(a, keep + 4);
	memcpy(r, t, keep);
	memcpy(r + keep, "\xe2\x80\xa6", 4);
	return r;
}

/* the text of the string whose id is column @col of @s, through the read's cache (three
 * joins with the strings per row cost the report more than its own work); NULL for none */
static const char *string_of(struct vx_store *st, sqlite3_stmt *s, int col)
{
	struct vx_hash_slot *h;
	const char *text = NULL;
	int64_t id;

	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return NULL;
	id = sqlite3_column_int64(s, col);
	if (id <= 0)
		return NULL;
	if ((h = vx_hash_first(&st->strcache, (uint64_t)id)))
		return (const char *)(uintptr_t)h->value;
	/* substr() reads a long text once and hands over STRING_MAX + 1 characters of it */
	_Static_assert(STRING_MAX + 1 == 257, "the substr() below");
	if (st->sel_string || store_prepare(st, "SELECT substr(text, 1, 257) FROM strings WHERE id = ?1",
					    &st->sel_string) == 0) {
		sqlite3_bind_int64(st->sel_string, 1, id);
		if (sqlite3_step(st->sel_string) == SQLITE_ROW && sqlite3_column_text(st->sel_string, 0))
			text = string_cut(&st->strtext, (const char *)sqlite3_column_text(st->sel_string, 0),
					  (size_t)sqlite3_column_bytes(st->sel_string, 0));
		sqlite3_reset(st->sel_string);
	}
	vx_hash_add(&st->strcache, (uint64_t)id, (uint64_t)(uintptr_t)text);
	return text;
}

static void rec_of(struct vx_store *st, sqlite3_stmt *s, struct vx_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->capture_id = sqlite3_column_int64(s, 1);
	r->ts_ns = (uint64_t)sqlite3_column_int64(s, 2);
	r->cpu = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3);
	r->pid = sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 4);
	r->comm = string_of(st, s, 5);
	r->name = string_of(st, s, 6);
	if (!r->name)
		r->name = "unknown:unknown";
	r->dev = string_of(st, s, 7);
	r->len = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 8);
	r->skb = (uint64_t)sqlite3_column_int64(s, 9);
	r->stack_id = sqlite3_column_int64(s, 10);
}

size_t store_row_fields(struct store_row *row, struct arena *a, struct vx_field **out)
{
	sqlite3_stmt *s = row ? row->s : NULL;
	const struct fs_tmpl *t;
	int n;

	*out = NULL;
	if (!row)
		return 0;
	/* the row of a REC_FROM walk has its field set and varying values (columns 11, 12) */
	t = fieldset_tmpl(row->st, sqlite3_column_int64(s, 11));
	n = t ? fields_assemble(a, t, (uint64_t)sqlite3_column_int64(s, 9), sqlite3_column_int64(s, 8),
				sqlite3_column_type(s, 8) == SQLITE_NULL, string_of(row->st, s, 7),
				col_text(s, 12), out) : -1;
	if (n < 0) {
		if (t)
			vx_error("%s: event %" PRId64 ": its fields are not a JSON object; the database is damaged",
				 row->st->path, row->id);
		row->err = -1;
		return 0;
	}
	return (size_t)n;
}

/* run @sql (?1 bound to @capture_id when it uses it) and hand each row to @fn */
/* each row of @s (a REC_FROM query, bound) as a rec to @fn; 0, @fn's value, or -1 */
static int rows_each(struct vx_store *st, sqlite3_stmt *s, const char *what, store_rec_fn fn, void *arg)
{
	struct store_row row = { st, s, 0, 0 };
	struct vx_rec r;
	int rc, ret = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rec_of(st, s, &r);
		row.id = r.id;
		ret = fn(arg, &r, &row);
		if (!ret && row.err)
			ret = -1;
		if (ret)
			break;
	}
	return ret ? ret : store_step_done(st, rc, what);
}

static int events_query(struct vx_store *st, const char *sql, int64_t capture_id,
			const char *what, store_rec_fn fn, void *arg)
{
	sqlite3_stmt *s;
	int ret;

	if (read_start(st, sql, capture_id, &s) < 0)
		return -1;
	ret = rows_each(st, s, what, fn, arg);
	sqlite3_finalize(s);
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
	 * events_capture_ts with a test on name_id per row. The names' first characters are
	 * read once each (every LIKE on the text would load a long comm again: 4 x 200 MB) */
	return events_query(st, "WITH n(id, p) AS MATERIALIZED (SELECT id, substr(text, 1, 9) FROM strings) "
			    REC_FROM " WHERE (?1 = 0 OR e.capture_id = ?1) AND e.name_id IN"
			    " (SELECT id FROM n WHERE p LIKE 'fib%' OR p LIKE 'netlink:%' OR"
			    "  p LIKE 'probe:%' OR p LIKE 'kprobes:%')"
			    " ORDER BY e.capture_id, e.ts_ns, e.id",
			    capture_id, "cannot read the route events", fn, arg);
}

int store_events_named_each(struct vx_store *st, int64_t capture_id, const char *const *names, size_t n,
			    store_rec_fn fn, void *arg)
{
	struct strbuf sql = STRBUF_INIT;
	struct store_row row = { st, NULL, 0, 0 };
	struct vx_rec r;
	int rc, ret = 0;

	if (!n)
		return 0;
	/* the names' ids first (a few strings), then the events in time order through
	 * events_capture_ts with a test on name_id per row, as for the route events */
	strbuf_addstr(&sql, REC_FROM " WHERE (?1 = 0 OR e.capture_id = ?1) AND e.name_id IN"
		      " (SELECT id FROM strings WHERE text IN (");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sql, "%s?%zu", i ? ", " : "", i + 2);
	strbuf_addstr(&sql, ")) ORDER BY e.capture_id, e.ts_ns, e.id");
	ret = read_start(st, sql.buf, capture_id, &row.s);
	strbuf_release(&sql);
	if (ret < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		sqlite3_bind_text(row.s, (int)i + 2, names[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(row.s)) == SQLITE_ROW) {
		rec_of(st, row.s, &r);
		row.id = r.id;
		ret = fn(arg, &r, &row);
		if (!ret && row.err)
			ret = -1;
		if (ret)
			break;
	}
	if (!ret)
		ret = store_step_done(st, rc, "cannot read the events by name");
	sqlite3_finalize(row.s);
	store_read_end(st);
	return ret;
}

/* the string ids of the two FIB lookup event names into st->fib_ids (-1: not in the store) */
static int fib_name_ids(struct vx_store *st)
{
	static const char *const names[2] = { "fib:fib_table_lookup", "fib6:fib6_table_lookup" };
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (store_prepare(st, "SELECT id FROM strings WHERE text = ?1", &s) < 0)
		return -1;
	for (int i = 0; i < 2 && rc == SQLITE_DONE; i++) {
		st->fib_ids[i] = -1;
		sqlite3_bind_text(s, 1, names[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			st->fib_ids[i] = sqlite3_column_int64(s, 0);
			rc = sqlite3_step(s);
		}
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return store_step_done(st, rc, "cannot read the event names");
}

int store_fib_lookups_in(struct vx_store *st, int64_t capture_id, int cpu, uint64_t lo, uint64_t hi,
			bool newest_first, store_rec_fn fn, void *arg)
{
	sqlite3_stmt **sp = newest_first ? &st->sel_fib_desc : &st->sel_fib_asc;
	int ret;

	/* through events_capture_ts: the window of one capture, then CPU and name per row (the
	 * names' ids found once: a subquery would scan the strings at every question) */
	if (!*sp && (fib_name_ids(st) < 0 || store_prepare(st, newest_first ?
				  REC_FROM " WHERE e.capture_id = ?1 AND e.ts_ns BETWEEN ?2 AND ?3 AND e.cpu = ?4"
				  " AND e.name_id IN (?5, ?6) ORDER BY e.capture_id DESC, e.ts_ns DESC, e.id DESC" :
				  REC_FROM " WHERE e.capture_id = ?1 AND e.ts_ns BETWEEN ?2 AND ?3 AND e.cpu = ?4"
				  " AND e.name_id IN (?5, ?6) ORDER BY e.capture_id, e.ts_ns, e.id", sp) < 0))
		return -1;
	sqlite3_bind_int64(*sp, 1, capture_id);
	sqlite3_bind_int64(*sp, 2, (int64_t)lo);
	sqlite3_bind_int64(*sp, 3, (int64_t)hi);
	sqlite3_bind_int(*sp, 4, cpu);
	sqlite3_bind_int64(*sp, 5, st->fib_ids[0]);
	sqlite3_bind_int64(*sp, 6, st->fib_ids[1]);
	ret = rows_each(st, *sp, "cannot read the route lookups", fn, arg);
	sqlite3_reset(*sp);
	return ret;
}

int store_event_fields(struct vx_store *st, int64_t id, struct arena *a, struct vx_field **out, size_t *n)
{
	/* the events view's fields, built in C: a view runs with a trusted schema only */
	static const char sql[] = "SELECT e.skb, e.len, e.dev_id, e.vals, e.fieldset_id FROM event_rows e WHERE e.id = ?1";
	const struct fs_tmpl *t;
	sqlite3_stmt *s;
	int rc, k = 0;

	*out = NULL;
	*n = 0;
	if (!st->sel_fields && store_prepare(st, sql, &st->sel_fields) < 0)
		return -1;
	s = st->sel_fields;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		t = fieldset_tmpl(st, sqlite3_column_int64(s, 4));
		if (!t) {
			sqlite3_reset(s);
			return -1;
		}
		k = fields_assemble(a, t, (uint64_t)sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
				    sqlite3_column_type(s, 1) == SQLITE_NULL, string_of(st, s, 2), col_text(s, 3), out);
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
