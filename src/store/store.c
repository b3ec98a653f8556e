/* store.c: SQLite store (see store.h): opening and checking a database, its schema (version
 * in PRAGMA user_version, WAL), and loading captures back for the analysis. Writing a capture
 * is store-import.c. Must not: parse capture formats or analyse anything.
 */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "core/json.h"
#include "store-internal.h"
#include "store-private.h"
#include "core/strbuf.h"

#define VX_STR_(x) #x
#define VX_STR(x) VX_STR_(x)
#define db_error store_db_error
#define exec store_exec
#define prepare store_prepare

static int user_version(struct vx_store *st, int *v)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* 1 when the database has no tables at all (new file) */
static int is_empty(struct vx_store *st)
{
	sqlite3_stmt *s;
	int n = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n < 0 ? -1 : n == 0;
}

/* the directory that holds @path: SQLite creates the -wal and -shm files there */
static void dir_of(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, n, ".");
	else if (slash == path)
		snprintf(dir, n, "/");
	else
		snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

/* 1 when @path has a non-empty -wal file (committed data not yet in the main file), or a
 * -journal file (an import into an empty store is running, or was killed) */
static int has_wal(const char *path)
{
	char wal[4096];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &sb) == 0 && sb.st_size > 0)
		return 1;
	snprintf(wal, sizeof(wal), "%s-journal", path);
	return stat(wal, &sb) == 0;
}

/*
 * A WAL database in a directory we cannot write cannot be read the normal way (the reader
 * must create the -shm file). When no -wal file holds data, the main file is complete and
 * nobody is writing it (a writer would have made the -wal), so read it as immutable.
 */
static int reopen_immutable(struct vx_store *st)
{
	char *uri = store_uri(st->path, "immutable=1");
	int rc;

	sqlite3_close(st->db);
	st->db = NULL;
	rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	if (rc == SQLITE_OK)
		store_harden(st, 0);
	return rc == SQLITE_OK ? 0 : -1;
}

/* before SQLite's first use: no global memory statistics (a mutex on every allocation) */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* what can be said before SQLite opens @st's file: missing, not writable */
static int open_precheck(struct vx_store *st)
{
	const char *path = st->path;
	char dir[4096];

	if (!strcmp(path, ":memory:"))
		return 0;
	if (st->mode == STORE_FOREIGN && access(path, F_OK) != 0)
		return vx_error("%s: cannot read it: %s", path, strerror(errno));
	if (st->mode == STORE_READ && access(path, F_OK) != 0)
		return vx_error("%s: no such database; import a capture first ('vxanalyze import FILE') or pass -d",
				path);
	if (st->mode != STORE_WRITE)
		return 0;
	/* say it plainly instead of SQLite's "attempt to write a readonly database" */
	dir_of(path, dir, sizeof(dir));
	if (access(path, F_OK) == 0 && access(path, W_OK) != 0)
		return vx_error("%s: database is read-only (%s); import into a database you can write with -d FILE",
				path, strerror(errno));
	if (access(dir, W_OK | X_OK) != 0)
		return vx_error("%s: cannot write in directory %s (%s), where the database and its -wal/-shm files live; use -d FILE elsewhere",
				path, dir, strerror(errno));
	return 0;
}

/* open @st's connection in its mode, by a name SQLite does not read as a URI */
static int open_connection(struct vx_store *st)
{
	static const int flags[] = {
		[STORE_WRITE] = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		[STORE_READ] = SQLITE_OPEN_READONLY,
		[STORE_FOREIGN] = SQLITE_OPEN_READONLY,
	};
	/* NOMUTEX: one thread at a time uses the connection (the import's writer thread while the
	 * caller waits for it), so SQLite's per-call locking is pure cost */
	int f = flags[st->mode] | SQLITE_OPEN_NOMUTEX, rc;
	struct stat sb;

	if (!strcmp(st->path, ":memory:")) {
		rc = sqlite3_open_v2(st->path, &st->db, f, NULL);
	} else {
		char *uri = store_uri(st->path, st->mode == STORE_FOREIGN ? "immutable=1" : NULL);

		rc = sqlite3_open_v2(uri, &st->db, f | SQLITE_OPEN_URI, NULL);
		free(uri);
	}
	if (rc != SQLITE_OK)
		return vx_error("%s: cannot open database: %s", st->path,
				st->db ? sqlite3_errmsg(st->db) : "out of memory");
	if (st->mode == STORE_WRITE && sqlite3_db_readonly(st->db, "main") == 1)
		return vx_error("%s: database is read-only; import into a database you can write with -d FILE", st->path);
	store_harden(st, stat(st->path, &sb) == 0 ? (int64_t)sb.st_size : 0);
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	return 0;
}

/* the first read of @st's file, which is where a foreign file fails: 1 empty, 0 not */
static int open_first_read(struct vx_store *st)
{
	int empty = is_empty(st), code;

	if (empty < 0 && st->mode == STORE_READ && !has_wal(st->path)) {
		code = sqlite3_errcode(st->db) & 0xff;
		if ((code == SQLITE_READONLY || code == SQLITE_CANTOPEN) && reopen_immutable(st) == 0)
			empty = is_empty(st);
	}
	if (empty >= 0)
		return empty;
	code = st->db ? sqlite3_extended_errcode(st->db) : SQLITE_CANTOPEN;
	if (code == SQLITE_READONLY_ROLLBACK)
		return vx_error("%s: an unfinished write left %s-journal (an import killed); read-only commands do not roll it back: if the database is yours, the next import into it ('vxanalyze import -d %s FILE') does, else ask for a copy without the journal",
				st->path, st->path, st->path);
	if ((code & 0xff) == SQLITE_NOTADB)
		return vx_error("%s: not a vxanalyze database (%s)", st->path, sqlite3_errmsg(st->db));
	if (st->timed_out || (code & 0xff) == SQLITE_TOOBIG)
		return store_db_error(st, "cannot read the database");
	return vx_error("%s: cannot read the database: %s", st->path,
			st->db ? sqlite3_errmsg(st->db) : "cannot open");
}

/* the schema: created in an empty file opened to write, else the version and exactly ours */
static int open_schema(struct vx_store *st)
{
	const char *path = st->path;
	int v, empty = open_first_read(st);

	if (empty < 0)
		return -1;
	if (user_version(st, &v) < 0)
		return db_error(st, "cannot read schema version");
	if (empty && st->mode != STORE_WRITE)
		return vx_error("%s: empty database, nothing imported yet", path);
	if (empty) {
		/* 16 KiB pages: a quarter of the page writes of the default 4 KiB on a bulk load */
		if (exec(st, "PRAGMA page_size=16384") < 0 || exec(st, "PRAGMA journal_mode=WAL") < 0 || exec(st, "BEGIN") < 0 ||
		    exec(st, store_schema_sql) < 0 || exec(st, "PRAGMA user_version=" VX_STR(VX_STORE_SCHEMA_VERSION)) < 0 ||
		    exec(st, "COMMIT") < 0)
			return vx_error("%s: cannot create the database: %s", path, vx_error_msg());
		return 0;
	}
	if (v == 0)
		return vx_error("%s: not a vxanalyze database (it has tables but no vxanalyze schema); use another -d FILE",
				path);
	if (v > 0 && v < VX_STORE_SCHEMA_VERSION)
		return vx_error("%s: schema %d: made by an older vxanalyze; re-import the capture into a new database (this one reads schema %d)",
				path, v, VX_STORE_SCHEMA_VERSION);
	if (v != VX_STORE_SCHEMA_VERSION)
		return vx_error("%s: database schema version %d, this vxanalyze reads version %d: made by a newer vxanalyze; use it, or re-import into a new database",
				path, v, VX_STORE_SCHEMA_VERSION);
	return store_schema_verify(st);
}

struct vx_store *store_open_mode(const char *path, enum store_mode mode)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct vx_store *st = xcalloc(1, sizeof(*st));

	pthread_once(&once, sqlite_setup);
	st->path = xstrdup(path);
	st->mode = mode;
	st->readonly = mode != STORE_WRITE;
	if (open_precheck(st) < 0 || store_files_check(path, mode) < 0 || open_connection(st) < 0 ||
	    open_schema(st) < 0)
		goto fail;
	if (exec(st, "PRAGMA foreign_keys=ON") < 0)
		goto fail;
	if (mode == STORE_WRITE && exec(st, "PRAGMA synchronous=NORMAL") < 0)
		goto fail;
	/* WAL again after an import into an empty store that was killed, or whose end found
	 * another connection on the database (store-import.c); :memory: stays as it is */
	if (mode == STORE_WRITE && strcmp(path, ":memory:"))
		store_journal_mode(st, "wal");
	return st;
fail:
	store_close(st);
	return NULL;
}

struct vx_store *store_open(const char *path, bool readonly)
{
	return store_open_mode(path, readonly ? STORE_READ : STORE_WRITE);
}

void store_close(struct vx_store *st)
{
	if (!st)
		return;
	store_import_rollback(st);
	sqlite3_finalize(st->sel_fields);
	sqlite3_finalize(st->sel_string);
	sqlite3_finalize(st->sel_fieldset);
	vx_hash_release(&st->strcache);
	vx_hash_release(&st->fscache);
	arena_release(&st->strtext);
	sqlite3_finalize(st->sel_fib_desc);
	sqlite3_finalize(st->sel_fib_asc);
	store_lookups_release(st);
	if (st->db)
		sqlite3_close(st->db);
	free(st->path);
	free(st);
}

/* ---- loading ---- */

static const char *col_str(struct arena *a, sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? arena_strdup(a, (const char *)t) : NULL;
}

static int load_captures(struct vx_store *st, int64_t id, struct vx_dataset *ds)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if (prepare(st, "SELECT id, source, format, kernel_release, imported_at, events, lost_events,"
		    " skipped, truncated, first_ts, last_ts,"
		    " (SELECT CAST(value AS TEXT) FROM capture_meta m WHERE m.capture_id = c.id AND m.key = 'hostname'),"
		    " (SELECT CAST(value AS TEXT) FROM capture_meta m WHERE m.capture_id = c.id AND m.key = 'boot_id'),"
		    " (SELECT CAST(value AS TEXT) FROM capture_meta m WHERE m.capture_id = c.id AND m.key = 'filter'),"
		    " (SELECT CAST(value AS INTEGER) FROM capture_meta m WHERE m.capture_id = c.id AND m.key = 'filtered'),"
		    " (SELECT CAST(value AS TEXT) FROM capture_meta m WHERE m.capture_id = c.id AND m.key = 'command_pids'),"
		    " (SELECT CAST(value AS TEXT) FROM capture_meta m WHERE m.capture_id = c.id AND m.key = 'kprobes'),"
		    " (SELECT CAST(value AS TEXT) FROM capture_meta m WHERE m.capture_id = c.id AND m.key = 'drop_reasons')"
		    " FROM captures c WHERE ?1 = 0 OR id = ?1 ORDER BY id",
		    &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		VX_GROW(ds->captures, ds->ncaptures, cap);
		struct vx_capture *c = &ds->captures[ds->ncaptures++];

		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(s, 0);
		c->source = col_str(&ds->arena, s, 1);
		c->format = col_str(&ds->arena, s, 2);
		c->kernel_release = col_str(&ds->arena, s, 3);
		c->imported_at = col_str(&ds->arena, s, 4);
		c->events = (uint64_t)sqlite3_column_int64(s, 5);
		c->lost_events = (uint64_t)sqlite3_column_int64(s, 6);
		c->skipped = (uint64_t)sqlite3_column_int64(s, 7);
		c->truncated = sqlite3_column_int(s, 8) != 0;
		c->first_ts = (uint64_t)sqlite3_column_int64(s, 9);
		c->last_ts = (uint64_t)sqlite3_column_int64(s, 10);
		c->filter = col_str(&ds->arena, s, 13);
		c->filtered = (uint64_t)sqlite3_column_int64(s, 14);
		c->host = col_str(&ds->arena, s, 11);
		c->boot_id = col_str(&ds->arena, s, 12);
		c->command_pids = col_str(&ds->arena, s, 15);
		c->kprobes = col_str(&ds->arena, s, 16);
		c->drop_reasons = col_str(&ds->arena, s, 17);
		if (c->host && !*c->host)
			c->host = NULL;
		if (c->boot_id && !*c->boot_id)
			c->boot_id = NULL;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "cannot read the captures");
	if (id && !ds->ncaptures)
		return vx_error("%s: no capture %" PRId64 "; 'vxanalyze captures' lists them", st->path, id);
	return 0;
}

static int load_stacks(struct vx_store *st, int64_t id, struct vx_dataset *ds)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	if (prepare(st, "SELECT id, depth, frames FROM stacks WHERE id IN"
		    " (SELECT DISTINCT stack_id FROM event_rows WHERE stack_id IS NOT NULL AND (?1 = 0 OR capture_id = ?1))"
		    " ORDER BY id", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		VX_GROW(ds->stacks, ds->nstacks, cap);
		struct vx_stack *k = &ds->stacks[ds->nstacks++];
		int depth = sqlite3_column_int(s, 1);
		char *frames = (char *)col_str(&ds->arena, s, 2);

		k->id = sqlite3_column_int64(s, 0);
		k->frames = arena_alloc(&ds->arena, (size_t)(depth > 0 ? depth : 1) * sizeof(char *));
		k->nframes = 0;
		for (char *p = frames; p && *p && k->nframes < (size_t)depth;) {
			char *nl = strchr(p, '\n');

			k->frames[k->nframes++] = p;
			if (!nl)
				break;
			*nl = '\0';
			p = nl + 1;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_error(st, "cannot read the stacks");
	return 0;
}

/* one event of the walk into the dataset, its strings and fields copied into its arena */
struct load_walk {
	struct vx_dataset *ds;
	size_t cap;
};

static int load_event(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct load_walk *w = arg;
	struct vx_dataset *ds = w->ds;
	struct vx_rec *c;

	VX_GROW(ds->recs, ds->nrecs, w->cap);
	c = &ds->recs[ds->nrecs++];
	*c = *r;
	c->comm = r->comm ? arena_strdup(&ds->arena, r->comm) : NULL;
	c->name = arena_strdup(&ds->arena, r->name);
	c->dev = r->dev ? arena_strdup(&ds->arena, r->dev) : NULL;
	c->nfields = store_row_fields(row, &ds->arena, &c->fields);
	return 0;
}

/* the events, with their fields, as the report's walks read them (store-read.c) */
static int load_events(struct vx_store *st, int64_t id, struct vx_dataset *ds)
{
	struct load_walk w = { ds, 0 };

	return store_events_each(st, id, load_event, &w);
}

int store_load(struct vx_store *st, int64_t capture_id, bool with_events, struct vx_dataset *ds)
{
	int ret;

	memset(ds, 0, sizeof(*ds));
	/* one read transaction: a concurrent import is either wholly visible or not at all */
	if (store_read_begin(st) < 0)
		return -1;
	ret = load_captures(st, capture_id, ds);
	if (!ret && with_events)
		ret = load_stacks(st, capture_id, ds);
	if (!ret && with_events)
		ret = load_events(st, capture_id, ds);
	store_read_end(st);
	if (ret)
		vx_dataset_release(ds);
	return ret;
}

int store_capture_meta(struct vx_store *st, int64_t capture_id, const char *key, char **value, size_t *len)
{
	sqlite3_stmt *s;
	int ret = 1, rc;

	*value = NULL;
	*len = 0;
	if (prepare(st, "SELECT value FROM capture_meta WHERE capture_id=? AND key=?", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, capture_id);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int n = sqlite3_column_bytes(s, 0);
		const void *b = sqlite3_column_blob(s, 0);

		*value = xmalloc((size_t)n + 1);
		if (n)
			memcpy(*value, b, (size_t)n);
		(*value)[n] = '\0';
		*len = (size_t)n;
		ret = 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_error(st, "cannot read capture metadata");
	}
	sqlite3_finalize(s);
	return ret;
}

int store_capture_delete(struct vx_store *st, int64_t id)
{
	sqlite3_stmt *s;
	int changed;

	if (prepare(st, "DELETE FROM captures WHERE id=?", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return db_error(st, "cannot delete capture");
	}
	sqlite3_finalize(s);
	changed = sqlite3_changes(st->db);
	if (!changed)
		return vx_error("%s: no capture %" PRId64, st->path, id);
	return 0;
}

/* first column of the first row of @sql as a malloc'd string (caller frees), NULL when none
 * (or on error, with vx_error() set) */
static char *query_text(struct vx_store *st, const char *sql)
{
	sqlite3_stmt *s;
	char *v = NULL;

	int rc;

	if (prepare(st, sql, &s) < 0)
		return NULL;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = xstrdup((const char *)sqlite3_column_text(s, 0));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_error(st, "cannot check the database");
	sqlite3_finalize(s);
	return v;
}

int store_check(struct vx_store *st)
{
	char *v;

	vx_error_clear();
	v = query_text(st, "PRAGMA integrity_check");
	if (!v || strcmp(v, "ok")) {
		if (v)
			vx_error("%s: integrity check failed: %s", st->path, v);
		free(v);
		return -1;
	}
	free(v);
	v = query_text(st, "SELECT 'table ' || \"table\" || ' row ' || rowid FROM pragma_foreign_key_check");
	if (v) {
		vx_error("%s: foreign key check failed: %s", st->path, v);
		free(v);
		return -1;
	}
	if (*vx_error_msg())
		return -1;
	v = query_text(st, "SELECT 'capture ' || id || ' counts ' || events || ' events but holds ' ||"
		       " (SELECT count(*) FROM event_rows e WHERE e.capture_id = c.id)"
		       " FROM captures c WHERE events != (SELECT count(*) FROM event_rows e WHERE e.capture_id = c.id)");
	if (v) {
		vx_error("%s: %s", st->path, v);
		free(v);
		return -1;
	}
	if (*vx_error_msg())
		return -1;
	/* the references SQLite does not check on insert (it would cost lookups per event) */
	v = query_text(st, "SELECT 'event ' || e.id || ' refers to a missing capture, stack, string or field set'"
		       " FROM event_rows e"
		       " WHERE NOT EXISTS (SELECT 1 FROM captures c WHERE c.id = e.capture_id)"
		       " OR (e.stack_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stacks k WHERE k.id = e.stack_id))"
		       " OR NOT EXISTS (SELECT 1 FROM fieldsets f WHERE f.id = e.fieldset_id)"
		       " OR NOT EXISTS (SELECT 1 FROM strings s WHERE s.id = e.name_id)"
		       " OR (e.comm_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM strings s WHERE s.id = e.comm_id))"
		       " OR (e.dev_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM strings s WHERE s.id = e.dev_id)) LIMIT 1");
	if (v) {
		vx_error("%s: %s", st->path, v);
		free(v);
		return -1;
	}
	return *vx_error_msg() ? -1 : 0;
}
