/* store-lookups.c: a read's index of FIB lookups, kept out of memory. `report --filter` on
 * addresses, ports or protocols decides each journey as it ends, and without packet headers
 * only the route lookup behind each transmit hop says where the packet went; a flood makes a
 * lookup per packet and more, so holding them all grew the report by ~140 bytes a lookup.
 * Here they go into a temporary table of the connection (SQLite's temp store: a file with a
 * bounded page cache; it goes with the connection), indexed by (capture, cpu, time) once
 * the first question comes, and each question is one indexed query.
 * Must not: parse events (the analysis hands over lookups it parsed) or touch the main
 * database's tables (a read-only store stays read-only).
 */
#include "core/arena.h"
#include "core/error.h"
#include "store-internal.h"

static const char *column_str(sqlite3_stmt *s, int col, struct arena *a)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? arena_strdup(a, (const char *)t) : NULL;
}

static void lookups_finalize(struct vx_store *st)
{
	sqlite3_finalize(st->lk_add);
	sqlite3_finalize(st->lk_ok);
	sqlite3_finalize(st->lk_failed);
	st->lk_add = st->lk_ok = st->lk_failed = NULL;
}

int store_lookups_reset(struct vx_store *st)
{
	lookups_finalize(st);
	st->lk_sealed = false;
	if (store_exec(st, "DROP TABLE IF EXISTS temp.vx_lookups;"
			   "CREATE TEMP TABLE vx_lookups(capture_id INTEGER, cpu INTEGER, ts_ns INTEGER,"
			   " id INTEGER, tbl INTEGER, ipv6 INTEGER, src TEXT, dst TEXT, proto INTEGER,"
			   " sport INTEGER, dport INTEGER, dev TEXT, gw TEXT, err INTEGER)") < 0)
		return -1;
	return store_prepare(st, "INSERT INTO temp.vx_lookups VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
			     " ?9, ?10, ?11, ?12, ?13, ?14)", &st->lk_add);
}

int store_lookups_add(struct vx_store *st, const struct store_lookup *l)
{
	sqlite3_stmt *s = st->lk_add;
	int rc;

	if (!s || st->lk_sealed)
		return vx_error("%s: lookup index: add after the first question (or before reset)", st->path);
	sqlite3_bind_int64(s, 1, l->capture_id);
	sqlite3_bind_int(s, 2, l->cpu);
	sqlite3_bind_int64(s, 3, (int64_t)l->ts_ns);
	sqlite3_bind_int64(s, 4, l->id);
	sqlite3_bind_int(s, 5, l->table);
	sqlite3_bind_int(s, 6, l->ipv6);
	sqlite3_bind_text(s, 7, l->src, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, l->dst, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 9, l->proto);
	sqlite3_bind_int(s, 10, l->sport);
	sqlite3_bind_int(s, 11, l->dport);
	sqlite3_bind_text(s, 12, l->dev, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 13, l->gw, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 14, l->err);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return store_step_done(st, rc, "cannot keep a route lookup in the temporary table");
}

#define LK_COLS "SELECT capture_id, cpu, ts_ns, id, tbl, ipv6, src, dst, proto, sport, dport, dev," \
		" gw, err FROM temp.vx_lookups WHERE capture_id = ?1 AND cpu = ?2 AND ts_ns BETWEEN ?3 AND ?4"

/* the index once all lookups are in (one sort, not an update per row), and the questions */
static int lookups_seal(struct vx_store *st)
{
	if (st->lk_sealed)
		return 0;
	if (!st->lk_add)
		return vx_error("%s: lookup index: a question before any reset", st->path);
	if (store_exec(st, "CREATE INDEX temp.vx_lookups_at ON vx_lookups(capture_id, cpu, ts_ns)") < 0)
		return -1;
	/* a hop: the last successful lookup whose result is its device; a drop: the first
	 * failed lookup that is not a mere miss of one table (-11: the next rule is tried) */
	if (store_prepare(st, LK_COLS " AND err = 0 AND dev = ?5 ORDER BY ts_ns DESC, id DESC LIMIT 1",
			  &st->lk_ok) < 0 ||
	    store_prepare(st, LK_COLS " AND err <> 0 AND err <> -11 ORDER BY ts_ns, id LIMIT 1",
			  &st->lk_failed) < 0)
		return -1;
	st->lk_sealed = true;
	return 0;
}

int store_lookups_find(struct vx_store *st, int64_t capture_id, int cpu, uint64_t lo, uint64_t hi,
		       const char *dev, struct arena *a, struct store_lookup *out)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	if (lookups_seal(st) < 0)
		return -1;
	s = dev ? st->lk_ok : st->lk_failed;
	sqlite3_bind_int64(s, 1, capture_id);
	sqlite3_bind_int(s, 2, cpu);
	sqlite3_bind_int64(s, 3, (int64_t)lo);
	sqlite3_bind_int64(s, 4, (int64_t)hi);
	if (dev)
		sqlite3_bind_text(s, 5, dev, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = (struct store_lookup){
			.capture_id = sqlite3_column_int64(s, 0), .cpu = sqlite3_column_int(s, 1),
			.ts_ns = (uint64_t)sqlite3_column_int64(s, 2), .id = sqlite3_column_int64(s, 3),
			.table = sqlite3_column_int(s, 4), .ipv6 = sqlite3_column_int(s, 5),
			.src = column_str(s, 6, a), .dst = column_str(s, 7, a),
			.proto = sqlite3_column_int(s, 8), .sport = sqlite3_column_int(s, 9),
			.dport = sqlite3_column_int(s, 10), .dev = column_str(s, 11, a),
			.gw = column_str(s, 12, a), .err = sqlite3_column_int(s, 13),
		};
		found = 1;
		rc = sqlite3_step(s);
	}
	rc = store_step_done(st, rc, "cannot read the temporary route lookups");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc < 0 ? -1 : found;
}

void store_lookups_release(struct vx_store *st)
{
	lookups_finalize(st);
}
