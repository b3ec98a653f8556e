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
#include "core/error.h"
#include "store-internal.h"

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
	/* emptied, not dropped: a reset comes while the route events are being read, and a
	 * schema change under a running statement fails ("database table is locked") */
	if (store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS vx_lookups(capture_id INTEGER, cpu INTEGER,"
			   " ts_ns INTEGER, id INTEGER, tbl INTEGER, ipv6 INTEGER, src TEXT, dst TEXT,"
			   " proto INTEGER, sport INTEGER, dport INTEGER, dev TEXT, gw TEXT, err INTEGER,"
			   " PRIMARY KEY (capture_id, cpu, ts_ns, id)) WITHOUT ROWID;"
			   "DELETE FROM temp.vx_lookups") < 0)
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

/* the index once all lookups are in (one sort, not an update per row), and the walks of a
 * window in either direction; which lookup of the window counts is the analysis' rule */
static int lookups_seal(struct vx_store *st)
{
	if (st->lk_sealed)
		return 0;
	if (!st->lk_add)
		return vx_error("%s: lookup index: a question before any reset", st->path);
	if (store_prepare(st, LK_COLS " ORDER BY ts_ns DESC, id DESC", &st->lk_ok) < 0 ||
	    store_prepare(st, LK_COLS " ORDER BY ts_ns, id", &st->lk_failed) < 0)
		return -1;
	st->lk_sealed = true;
	return 0;
}

static const char *column_text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

int store_lookups_each(struct vx_store *st, int64_t capture_id, int cpu, uint64_t lo, uint64_t hi,
		       bool newest_first, int (*fn)(void *arg, const struct store_lookup *l), void *arg)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (lookups_seal(st) < 0)
		return -1;
	s = newest_first ? st->lk_ok : st->lk_failed;
	sqlite3_bind_int64(s, 1, capture_id);
	sqlite3_bind_int(s, 2, cpu);
	sqlite3_bind_int64(s, 3, (int64_t)lo);
	sqlite3_bind_int64(s, 4, (int64_t)hi);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_lookup l = {
			.capture_id = sqlite3_column_int64(s, 0), .cpu = sqlite3_column_int(s, 1),
			.ts_ns = (uint64_t)sqlite3_column_int64(s, 2), .id = sqlite3_column_int64(s, 3),
			.table = sqlite3_column_int(s, 4), .ipv6 = sqlite3_column_int(s, 5),
			.src = column_text(s, 6), .dst = column_text(s, 7),
			.proto = sqlite3_column_int(s, 8), .sport = sqlite3_column_int(s, 9),
			.dport = sqlite3_column_int(s, 10), .dev = column_text(s, 11),
			.gw = column_text(s, 12), .err = sqlite3_column_int(s, 13),
		};

		if ((ret = fn(arg, &l)))
			break;
	}
	if (!ret)
		ret = store_step_done(st, rc, "cannot read the temporary route lookups");
	sqlite3_reset(s);
	return ret;
}

void store_lookups_release(struct vx_store *st)
{
	lookups_finalize(st);
}
