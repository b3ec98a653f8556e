/* store-db.c: what every store file does with the connection: run and prepare statements,
 * turn SQLite's failures into one line naming the database, switch the journal mode, and
 * hand the connection to the store's other files. Every other store file builds on these;
 * none of them is called from here.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "store-internal.h"

int store_db_error(struct vx_store *st, const char *what)
{
	int code = st->db ? sqlite3_errcode(st->db) : SQLITE_OK;

	if (st->timed_out && code == SQLITE_INTERRUPT)
		return vx_error("%s: stopped reading it after %.3g s, the time allowed for a database from elsewhere of its size (VXANALYZE_IMPORT_TIMEOUT=SECONDS sets it); nothing imported",
				st->path, st->time_limit);
	if (st->mode == STORE_FOREIGN && code == SQLITE_TOOBIG)
		return vx_error("%s: %s: it holds a value over %d MiB, more than vxanalyze reads from a database from elsewhere; nothing imported",
				st->path, what, STORE_FOREIGN_MAX_VALUE >> 20);
	return vx_error("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int store_exec(struct vx_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		vx_error("%s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_prepare(struct vx_store *st, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return store_db_error(st, "cannot prepare statement");
	return 0;
}

int store_step_done(struct vx_store *st, int rc, const char *what)
{
	return rc == SQLITE_DONE ? 0 : store_db_error(st, what);
}

int store_journal_mode(struct vx_store *st, const char *mode)
{
	char sql[48];
	sqlite3_stmt *s;
	int ret = -1;

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", mode);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	/* the mode in force afterwards: the old one when it could not change (another
	 * connection has the database open, or a :memory: database) */
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) &&
	    !strcmp((const char *)sqlite3_column_text(s, 0), mode))
		ret = 0;
	sqlite3_finalize(s);
	return ret;
}

/* the connection and file name for the other store*.c files (store-private.h) */
sqlite3 *store_sqlite(struct vx_store *st)
{
	return st->db;
}

const char *store_path(const struct vx_store *st)
{
	return st->path;
}
