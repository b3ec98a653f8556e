/* store.c: SQLite store (see store.h). Schema version in PRAGMA user_version, WAL,
 * prepared statements, one transaction per import. Stacks are deduplicated through an
 * in-memory hash index so that importing does not query per event.
 * Must not: parse capture formats or analyse anything.
 */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "json.h"
#include "store-private.h"
#include "strbuf.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS captures("
	" id INTEGER PRIMARY KEY,"
	" source TEXT NOT NULL,"
	" format TEXT NOT NULL,"
	" kernel_release TEXT,"
	" imported_at TEXT NOT NULL,"
	" events INTEGER NOT NULL DEFAULT 0,"
	" lost_events INTEGER NOT NULL DEFAULT 0,"
	" skipped INTEGER NOT NULL DEFAULT 0,"
	" truncated INTEGER NOT NULL DEFAULT 0,"
	" truncated_at INTEGER,"
	" first_ts INTEGER,"
	" last_ts INTEGER);"
	"CREATE TABLE IF NOT EXISTS capture_meta("
	" capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
	" key TEXT NOT NULL,"
	" value BLOB,"
	" PRIMARY KEY(capture_id, key));"
	"CREATE TABLE IF NOT EXISTS stacks("
	" id INTEGER PRIMARY KEY,"
	" hash INTEGER NOT NULL UNIQUE,"
	" depth INTEGER NOT NULL,"
	" frames TEXT NOT NULL);"	/* innermost first, one symbol per line */
	"CREATE TABLE IF NOT EXISTS events("
	" id INTEGER PRIMARY KEY,"
	" capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,"
	" ts_ns INTEGER NOT NULL,"
	" cpu INTEGER,"
	" pid INTEGER,"
	" comm TEXT,"
	" name TEXT NOT NULL,"
	" dev TEXT,"
	" len INTEGER,"
	" skb INTEGER,"
	" stack_id INTEGER REFERENCES stacks(id),"
	" fields TEXT NOT NULL DEFAULT '{}');"	/* JSON object of every field, as text */
	"CREATE INDEX IF NOT EXISTS events_capture_ts ON events(capture_id, ts_ns);";

struct stack_index {
	uint64_t *hash;
	int64_t *id;
	size_t cap, n;
};

struct vx_store {
	sqlite3 *db;
	char *path;
	bool readonly;
	/* import state */
	bool importing;
	int64_t capture_id;
	struct vx_sink sink;
	sqlite3_stmt *ins_event, *ins_stack, *ins_meta;
	struct stack_index stacks;
	struct stack_index raw;	/* hash of the frames as the producer gave them → stack id */
	uint64_t first_ts, last_ts;
	struct strbuf frames, fields;
	char *kernel_release;
};

static int db_error(struct vx_store *st, const char *what)
{
	return vx_error("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static int exec(struct vx_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		vx_error("%s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

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

/* 1 when @path has a non-empty -wal file (committed data not yet in the main file) */
static int has_wal(const char *path)
{
	char wal[4096];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	return stat(wal, &sb) == 0 && sb.st_size > 0;
}

/*
 * A WAL database in a directory we cannot write cannot be read the normal way (the reader
 * must create the -shm file). When no -wal file holds data, the main file is complete and
 * nobody is writing it (a writer would have made the -wal), so read it as immutable.
 */
static int reopen_immutable(struct vx_store *st, const char *path)
{
	struct strbuf uri = STRBUF_INIT;
	int rc;

	strbuf_addstr(&uri, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			strbuf_addf(&uri, "%%%02X", (unsigned char)*p);
		else
			strbuf_addch(&uri, *p);
	}
	strbuf_addstr(&uri, "?immutable=1");
	sqlite3_close(st->db);
	st->db = NULL;
	rc = sqlite3_open_v2(uri.buf, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	strbuf_release(&uri);
	return rc == SQLITE_OK ? 0 : -1;
}

struct vx_store *store_open(const char *path, bool readonly)
{
	struct vx_store *st = calloc(1, sizeof(*st));
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int v, empty;

	if (!st) {
		vx_error("out of memory");
		return NULL;
	}
	st->path = strdup(path);
	st->readonly = readonly;
	strbuf_init(&st->frames, 0);
	strbuf_init(&st->fields, 0);
	if (readonly && access(path, F_OK) != 0) {
		vx_error("%s: no such database; import a capture first ('vxanalyze import FILE') or pass -d",
			 path);
		goto fail;
	}
	if (!readonly && strcmp(path, ":memory:")) {
		char dir[4096];

		/* say it plainly instead of SQLite's "attempt to write a readonly database" */
		dir_of(path, dir, sizeof(dir));
		if (access(path, F_OK) == 0 && access(path, W_OK) != 0) {
			vx_error("%s: database is read-only (%s); import into a database you can write with -d FILE",
				 path, strerror(errno));
			goto fail;
		}
		if (access(dir, W_OK | X_OK) != 0) {
			vx_error("%s: cannot write in directory %s (%s), where the database and its -wal/-shm files live; use -d FILE elsewhere",
				 path, dir, strerror(errno));
			goto fail;
		}
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		vx_error("%s: cannot open database: %s", path,
			 st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	if (!readonly && sqlite3_db_readonly(st->db, "main") == 1) {
		vx_error("%s: database is read-only; import into a database you can write with -d FILE", path);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	sqlite3_extended_result_codes(st->db, 1);
	/* reading sqlite_master is the first thing that fails on a foreign file */
	empty = is_empty(st);
	if (empty < 0 && readonly && !has_wal(path)) {
		int code = sqlite3_errcode(st->db) & 0xff;

		if ((code == SQLITE_READONLY || code == SQLITE_CANTOPEN) && reopen_immutable(st, path) == 0)
			empty = is_empty(st);
	}
	if (empty < 0) {
		int code = st->db ? sqlite3_errcode(st->db) & 0xff : SQLITE_CANTOPEN;

		if (code == SQLITE_NOTADB)
			vx_error("%s: not a vxanalyze database (%s)", path, sqlite3_errmsg(st->db));
		else
			vx_error("%s: cannot read the database: %s", path,
				 st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	if (user_version(st, &v) < 0) {
		db_error(st, "cannot read schema version");
		goto fail;
	}
	if (empty) {
		if (readonly) {
			vx_error("%s: empty database, nothing imported yet", path);
			goto fail;
		}
		if (exec(st, "PRAGMA journal_mode=WAL") < 0 || exec(st, "BEGIN") < 0 ||
		    exec(st, schema) < 0 || exec(st, "PRAGMA user_version=" "1") < 0 ||
		    exec(st, "COMMIT") < 0) {
			vx_error("%s: cannot create the database: %s", path, vx_error_msg());
			goto fail;
		}
	} else if (v != VX_STORE_SCHEMA_VERSION) {
		if (v == 0)
			vx_error("%s: not a vxanalyze database (it has tables but no vxanalyze schema); use another -d FILE",
				 path);
		else
			vx_error("%s: database schema version %d, this vxanalyze reads version %d; re-import into a new database",
				 path, v, VX_STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (exec(st, "PRAGMA foreign_keys=ON") < 0)
		goto fail;
	if (!readonly && exec(st, "PRAGMA synchronous=NORMAL") < 0)
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

static void finalize_import_stmts(struct vx_store *st)
{
	sqlite3_finalize(st->ins_event);
	sqlite3_finalize(st->ins_stack);
	sqlite3_finalize(st->ins_meta);
	st->ins_event = st->ins_stack = st->ins_meta = NULL;
	free(st->stacks.hash);
	free(st->stacks.id);
	memset(&st->stacks, 0, sizeof(st->stacks));
	free(st->raw.hash);
	free(st->raw.id);
	memset(&st->raw, 0, sizeof(st->raw));
	free(st->kernel_release);
	st->kernel_release = NULL;
}

void store_close(struct vx_store *st)
{
	if (!st)
		return;
	if (st->importing)
		store_import_rollback(st);
	finalize_import_stmts(st);
	if (st->db)
		sqlite3_close(st->db);
	strbuf_release(&st->frames);
	strbuf_release(&st->fields);
	free(st->path);
	free(st);
}

/* ---- stack index: open addressing on the 64-bit hash ---- */

static void index_put(struct stack_index *ix, uint64_t h, int64_t id);

static void index_grow(struct stack_index *ix)
{
	struct stack_index old = *ix;

	ix->cap = old.cap ? old.cap * 2 : 1024;
	ix->n = 0;
	ix->hash = calloc(ix->cap, sizeof(*ix->hash));
	ix->id = calloc(ix->cap, sizeof(*ix->id));
	if (!ix->hash || !ix->id)
		abort();
	for (size_t i = 0; i < old.cap; i++)
		if (old.id[i])
			index_put(ix, old.hash[i], old.id[i]);
	free(old.hash);
	free(old.id);
}

static void index_put(struct stack_index *ix, uint64_t h, int64_t id)
{
	if ((ix->n + 1) * 2 > ix->cap)
		index_grow(ix);
	size_t i = h & (ix->cap - 1);

	while (ix->id[i])
		i = (i + 1) & (ix->cap - 1);
	ix->hash[i] = h;
	ix->id[i] = id;
	ix->n++;
}

static int64_t index_get(const struct stack_index *ix, uint64_t h)
{
	if (!ix->cap)
		return 0;
	size_t i = h & (ix->cap - 1);

	while (ix->id[i]) {
		if (ix->hash[i] == h)
			return ix->id[i];
		i = (i + 1) & (ix->cap - 1);
	}
	return 0;
}

/* ---- the import sink ---- */

static int64_t stack_id_for(struct vx_store *st, const struct vx_event *ev)
{
	char sym[256];
	size_t depth = 0;
	uint64_t raw = VX_HASH_INIT;

	if (!ev->nframes)
		return 0;
	/* most events repeat a stack seen before: recognise the raw frames before paying for
	 * normalisation (the raw index lives for this import only) */
	for (size_t i = 0; i < ev->nframes; i++)
		raw = ev->frames[i] ? vx_hash64(raw, ev->frames[i], strlen(ev->frames[i]) + 1) : raw;
	raw = vx_hash64(raw, &ev->nframes, sizeof(ev->nframes));
	int64_t cached = index_get(&st->raw, raw);

	if (cached)
		return cached;
	strbuf_reset(&st->frames);
	for (size_t i = 0; i < ev->nframes; i++) {
		if (!ev->frames[i] || vx_frame_normalize(ev->frames[i], sym, sizeof(sym)) != 0)
			continue;
		if (depth++)
			strbuf_addch(&st->frames, '\n');
		strbuf_addstr(&st->frames, sym);
	}
	if (!depth)
		return 0;
	uint64_t h = vx_hash64(VX_HASH_INIT, st->frames.buf, st->frames.len);
	int64_t id = index_get(&st->stacks, h);

	if (id) {
		index_put(&st->raw, raw, id);
		return id;
	}
	sqlite3_reset(st->ins_stack);
	sqlite3_bind_int64(st->ins_stack, 1, (sqlite3_int64)h);
	sqlite3_bind_int64(st->ins_stack, 2, (sqlite3_int64)depth);
	sqlite3_bind_text(st->ins_stack, 3, st->frames.buf, (int)st->frames.len, SQLITE_STATIC);
	if (sqlite3_step(st->ins_stack) != SQLITE_DONE) {
		db_error(st, "cannot store a stack");
		return -1;
	}
	id = sqlite3_last_insert_rowid(st->db);
	index_put(&st->stacks, h, id);
	index_put(&st->raw, raw, id);
	return id;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static int sink_event(struct vx_sink *sink, const struct vx_event *ev)
{
	struct vx_store *st = sink->priv;
	sqlite3_stmt *s = st->ins_event;
	int64_t stack_id = stack_id_for(st, ev);
	uint64_t skb = vx_event_skb(ev);
	int64_t len = vx_event_len(ev);

	if (stack_id < 0)
		return -1;
	strbuf_reset(&st->fields);
	strbuf_addch(&st->fields, '{');
	for (size_t i = 0; i < ev->nfields; i++) {
		if (i)
			strbuf_addch(&st->fields, ',');
		json_escape(&st->fields, ev->fields[i].key);
		strbuf_addch(&st->fields, ':');
		json_escape(&st->fields, ev->fields[i].value ? ev->fields[i].value : "");
	}
	strbuf_addch(&st->fields, '}');

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, st->capture_id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)ev->ts_ns);
	if (ev->cpu >= 0)
		sqlite3_bind_int(s, 3, ev->cpu);
	else
		sqlite3_bind_null(s, 3);
	if (ev->pid >= 0)
		sqlite3_bind_int(s, 4, ev->pid);
	else
		sqlite3_bind_null(s, 4);
	bind_text_or_null(s, 5, ev->comm);
	sqlite3_bind_text(s, 6, ev->name ? ev->name : "unknown:unknown", -1, SQLITE_STATIC);
	bind_text_or_null(s, 7, vx_event_dev(ev));
	if (len >= 0)
		sqlite3_bind_int64(s, 8, len);
	else
		sqlite3_bind_null(s, 8);
	if (skb)
		sqlite3_bind_int64(s, 9, (sqlite3_int64)skb);
	else
		sqlite3_bind_null(s, 9);
	if (stack_id)
		sqlite3_bind_int64(s, 10, stack_id);
	else
		sqlite3_bind_null(s, 10);
	sqlite3_bind_text(s, 11, st->fields.buf, (int)st->fields.len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		return db_error(st, "cannot store an event");
	if (!sink->events || ev->ts_ns < st->first_ts)
		st->first_ts = ev->ts_ns;
	if (!sink->events || ev->ts_ns > st->last_ts)
		st->last_ts = ev->ts_ns;
	sink->events++;
	return 0;
}

static int sink_meta(struct vx_sink *sink, const char *key, const char *value, size_t len)
{
	struct vx_store *st = sink->priv;
	sqlite3_stmt *s = st->ins_meta;

	if (!strcmp(key, "kernel_release")) {
		free(st->kernel_release);
		st->kernel_release = strndup(value, len);
	}
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, st->capture_id);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, value, (int)len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		return db_error(st, "cannot store capture metadata");
	return 0;
}

static int prepare(struct vx_store *st, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return db_error(st, "cannot prepare statement");
	return 0;
}

static void now_iso(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct vx_sink *store_import_begin(struct vx_store *st, const char *source, const char *format)
{
	sqlite3_stmt *s = NULL;
	char when[32];

	if (st->readonly) {
		vx_error("%s: opened read-only", st->path);
		return NULL;
	}
	if (st->importing) {
		vx_error("%s: an import is already in progress", st->path);
		return NULL;
	}
	/* IMMEDIATE: take the write lock now, not at the first event */
	if (exec(st, "BEGIN IMMEDIATE") < 0)
		return NULL;
	st->importing = true;
	now_iso(when, sizeof(when));
	if (prepare(st, "INSERT INTO captures(source, format, imported_at) VALUES(?,?,?)", &s) < 0)
		goto fail;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, format, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, when, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		db_error(st, "cannot create capture");
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	st->capture_id = sqlite3_last_insert_rowid(st->db);
	if (prepare(st, "INSERT INTO events(capture_id, ts_ns, cpu, pid, comm, name, dev, len, skb, stack_id, fields)"
		    " VALUES(?,?,?,?,?,?,?,?,?,?,?)", &st->ins_event) < 0 ||
	    prepare(st, "INSERT INTO stacks(hash, depth, frames) VALUES(?,?,?)", &st->ins_stack) < 0 ||
	    prepare(st, "INSERT OR REPLACE INTO capture_meta(capture_id, key, value) VALUES(?,?,?)",
		    &st->ins_meta) < 0 ||
	    prepare(st, "SELECT hash, id FROM stacks", &s) < 0)
		goto fail;
	while (sqlite3_step(s) == SQLITE_ROW)
		index_put(&st->stacks, (uint64_t)sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
	sqlite3_finalize(s);
	memset(&st->sink, 0, sizeof(st->sink));
	st->sink.event = sink_event;
	st->sink.meta = sink_meta;
	st->sink.priv = st;
	st->first_ts = st->last_ts = 0;
	return &st->sink;
fail:
	sqlite3_finalize(s);
	store_import_rollback(st);
	return NULL;
}

int store_import_commit(struct vx_store *st, int64_t *id)
{
	sqlite3_stmt *s;
	struct vx_sink *k = &st->sink;

	if (!st->importing)
		return vx_error("%s: no import in progress", st->path);
	if (prepare(st, "UPDATE captures SET events=?, lost_events=?, skipped=?, truncated=?, truncated_at=?,"
		    " first_ts=?, last_ts=?, kernel_release=? WHERE id=?", &s) < 0)
		goto fail;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)k->events);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)k->lost_events);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)k->skipped);
	sqlite3_bind_int(s, 4, k->truncated);
	if (k->truncated)
		sqlite3_bind_int64(s, 5, (sqlite3_int64)k->truncated_at);
	if (k->events) {
		sqlite3_bind_int64(s, 6, (sqlite3_int64)st->first_ts);
		sqlite3_bind_int64(s, 7, (sqlite3_int64)st->last_ts);
	}
	bind_text_or_null(s, 8, st->kernel_release);
	sqlite3_bind_int64(s, 9, st->capture_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		db_error(st, "cannot finish capture");
		goto fail;
	}
	sqlite3_finalize(s);
	finalize_import_stmts(st);
	if (exec(st, "COMMIT") < 0)
		goto fail;
	st->importing = false;
	if (id)
		*id = st->capture_id;
	return 0;
fail:
	store_import_rollback(st);
	return -1;
}

void store_import_rollback(struct vx_store *st)
{
	finalize_import_stmts(st);
	if (st->importing)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->importing = false;
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

	if (prepare(st, "SELECT id, source, format, kernel_release, imported_at, events, lost_events,"
		    " skipped, truncated, first_ts, last_ts FROM captures WHERE ?1 = 0 OR id = ?1 ORDER BY id",
		    &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (ds->ncaptures == cap) {
			cap = cap ? cap * 2 : 8;
			ds->captures = realloc(ds->captures, cap * sizeof(*ds->captures));
			if (!ds->captures)
				abort();
		}
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
	}
	sqlite3_finalize(s);
	if (id && !ds->ncaptures)
		return vx_error("%s: no capture %" PRId64 "; 'vxanalyze captures' lists them", st->path, id);
	return 0;
}

static int load_stacks(struct vx_store *st, int64_t id, struct vx_dataset *ds)
{
	sqlite3_stmt *s;
	size_t cap = 0;

	if (prepare(st, "SELECT id, depth, frames FROM stacks WHERE id IN"
		    " (SELECT DISTINCT stack_id FROM events WHERE stack_id IS NOT NULL AND (?1 = 0 OR capture_id = ?1))"
		    " ORDER BY id", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (ds->nstacks == cap) {
			cap = cap ? cap * 2 : 64;
			ds->stacks = realloc(ds->stacks, cap * sizeof(*ds->stacks));
			if (!ds->stacks)
				abort();
		}
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
	return 0;
}

static int load_events(struct vx_store *st, int64_t id, struct vx_dataset *ds)
{
	sqlite3_stmt *s;
	size_t cap = 0;

	if (prepare(st, "SELECT id, capture_id, ts_ns, cpu, pid, comm, name, dev, len, skb, stack_id, fields"
		    " FROM events WHERE ?1 = 0 OR capture_id = ?1 ORDER BY capture_id, ts_ns, id", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (ds->nrecs == cap) {
			cap = cap ? cap * 2 : 1024;
			ds->recs = realloc(ds->recs, cap * sizeof(*ds->recs));
			if (!ds->recs)
				abort();
		}
		struct vx_rec *r = &ds->recs[ds->nrecs++];
		const char *fields;
		int n;

		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(s, 0);
		r->capture_id = sqlite3_column_int64(s, 1);
		r->ts_ns = (uint64_t)sqlite3_column_int64(s, 2);
		r->cpu = sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 3);
		r->pid = sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 4);
		r->comm = col_str(&ds->arena, s, 5);
		r->name = col_str(&ds->arena, s, 6);
		r->dev = col_str(&ds->arena, s, 7);
		r->len = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 8);
		r->skb = (uint64_t)sqlite3_column_int64(s, 9);
		r->stack_id = sqlite3_column_int64(s, 10);
		fields = (const char *)sqlite3_column_text(s, 11);
		n = fields ? json_parse_flat(fields, &ds->arena, &r->fields) : 0;
		r->nfields = n > 0 ? (size_t)n : 0;
	}
	sqlite3_finalize(s);
	return 0;
}

int store_load(struct vx_store *st, int64_t capture_id, bool with_events, struct vx_dataset *ds)
{
	int ret;

	memset(ds, 0, sizeof(*ds));
	/* one read transaction: a concurrent import is either wholly visible or not at all */
	if (exec(st, "BEGIN") < 0)
		return -1;
	ret = load_captures(st, capture_id, ds);
	if (!ret && with_events)
		ret = load_stacks(st, capture_id, ds);
	if (!ret && with_events)
		ret = load_events(st, capture_id, ds);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (ret)
		vx_dataset_release(ds);
	return ret;
}

int store_capture_meta(struct vx_store *st, int64_t capture_id, const char *key, char **value, size_t *len)
{
	sqlite3_stmt *s;
	int ret = 1;

	*value = NULL;
	*len = 0;
	if (prepare(st, "SELECT value FROM capture_meta WHERE capture_id=? AND key=?", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, capture_id);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		int n = sqlite3_column_bytes(s, 0);
		const void *b = sqlite3_column_blob(s, 0);

		*value = malloc((size_t)n + 1);
		if (!*value)
			abort();
		if (n)
			memcpy(*value, b, (size_t)n);
		(*value)[n] = '\0';
		*len = (size_t)n;
		ret = 0;
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

/* first column of the first row of @sql as a malloc'd string (caller frees), NULL when none */
static char *query_text(struct vx_store *st, const char *sql)
{
	sqlite3_stmt *s;
	char *v = NULL;

	if (prepare(st, sql, &s) < 0)
		return NULL;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		v = strdup((const char *)sqlite3_column_text(s, 0));
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
		       " (SELECT count(*) FROM events e WHERE e.capture_id = c.id)"
		       " FROM captures c WHERE events != (SELECT count(*) FROM events e WHERE e.capture_id = c.id)");
	if (v) {
		vx_error("%s: %s", st->path, v);
		free(v);
		return -1;
	}
	return *vx_error_msg() ? -1 : 0;
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
