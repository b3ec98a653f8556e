/* store-merge.c: `vxanalyze import OTHER.db` — copy the captures of another vxanalyze database
 * (captures, their metadata, events, and the strings, stacks and field sets they use) into
 * this one, in one transaction (see store_merge() in store.h). A capture already here (same
 * boot id, same first and last event time, same event count) is skipped, never counted twice.
 * Must not: parse capture formats or analyse anything.
 */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "store-internal.h"
#include "store-private.h"
#include "core/xalloc.h"

/* seed of the field sets' content hash: the importer hashes a field set with its event name's
 * string id, which means nothing in another database, so merged sets get a hash of their
 * content alone (another seed: they never meet the importer's hashes but by a 2^-64 chance) */
#define MERGE_FIELDSET_SEED 0x4d455247454653ULL

struct merge {
	struct vx_store *st, *o;
	const char *opath;
	struct vx_index str, strmap;	/* target text hash -> id; other id -> target id */
	struct vx_index stk, stkmap;
	struct vx_index fs, fsmap;
	int64_t next_str, next_stk, next_fs;
};

static int64_t mapped(const struct vx_index *ix, sqlite3_stmt *s, int col)
{
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		return 0;
	return index_get(ix, (uint64_t)sqlite3_column_int64(s, col));
}

static int other_error(struct merge *m, const char *what)
{
	return store_db_error(m->o, what);
}

/* hashes that find a row of the other database here: equal content, equal hash */
static uint64_t string_hash(sqlite3_stmt *s)
{
	const void *t = sqlite3_column_text(s, 1);

	return vx_hash64(VX_HASH_INIT, t ? t : "", (size_t)sqlite3_column_bytes(s, 1));
}

/* the stacks' hash is of their frames' text, the same in every database */
static uint64_t stack_hash(sqlite3_stmt *s)
{
	return (uint64_t)sqlite3_column_int64(s, 1);
}

static uint64_t fieldset_hash(sqlite3_stmt *s)
{
	uint64_t h = MERGE_FIELDSET_SEED;

	for (int c = 1; c <= 5; c++) {
		bool null = sqlite3_column_type(s, c) == SQLITE_NULL;
		const void *t = sqlite3_column_text(s, c);

		h = vx_hash64(h, &null, 1);
		if (!null && t)
			h = vx_hash64(h, t, (size_t)sqlite3_column_bytes(s, c) + 1);
	}
	return h;
}

/* struct merge_table - a deduplicated table (strings, stacks, field sets) to merge */
struct merge_table {
	const char *one, *all;		/* "string", "strings": for the error messages */
	const char *select;		/* the other database's rows: id, then the columns to copy */
	const char *insert;		/* id, [hash when @hash_bound,] the copied columns */
	int ncols;			/* columns copied after the id */
	bool hash_bound;		/* the hash is a column of its own, not one of the copied */
	uint64_t (*hash)(sqlite3_stmt *s);
};

static const struct merge_table strings_table = {
	"string", "strings", "SELECT id, text FROM strings",
	"INSERT INTO strings(id, text) VALUES(?,?)", 1, false, string_hash,
};
static const struct merge_table stacks_table = {
	"stack", "stacks", "SELECT id, hash, depth, frames FROM stacks",
	"INSERT INTO stacks(id, hash, depth, frames) VALUES(?,?,?,?)", 3, false, stack_hash,
};
static const struct merge_table fieldsets_table = {
	"field set", "field sets", "SELECT id, fields, skb_key, skb_fmt, len_key, dev_key FROM fieldsets",
	"INSERT INTO fieldsets(id, hash, fields, skb_key, skb_fmt, len_key, dev_key) VALUES(?,?,?,?,?,?,?)",
	5, true, fieldset_hash,
};

/*
 * merge_table - each row of @t in the other database is found here by its hash (@byhash) or
 * added with the next id (@next); @idmap maps its id there to its id here.
 */
static int merge_table(struct merge *m, const struct merge_table *t, struct vx_index *byhash,
		       struct vx_index *idmap, int64_t *next)
{
	sqlite3_stmt *s = NULL, *ins = NULL;
	int rc, ret = -1;

	if (store_prepare(m->o, t->select, &s) < 0 || store_prepare(m->st, t->insert, &ins) < 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint64_t h = t->hash(s);
		int64_t id = index_get(byhash, h);

		if (!id) {
			int p = 1;

			id = (*next)++;
			sqlite3_bind_int64(ins, p++, id);
			if (t->hash_bound)
				sqlite3_bind_int64(ins, p++, (sqlite3_int64)h);
			for (int c = 1; c <= t->ncols; c++)
				sqlite3_bind_value(ins, p++, sqlite3_column_value(s, c));
			if (sqlite3_step(ins) != SQLITE_DONE) {
				char what[64];

				snprintf(what, sizeof(what), "cannot store a %s", t->one);
				store_db_error(m->st, what);
				goto out;
			}
			sqlite3_reset(ins);
			index_put(byhash, h, id);
		}
		index_put(idmap, (uint64_t)sqlite3_column_int64(s, 0), id);
	}
	if (rc != SQLITE_DONE) {
		char what[64];

		snprintf(what, sizeof(what), "cannot read the %s", t->all);
		other_error(m, what);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(ins);
	return ret;
}

/* meta @key of capture @id of @st as text into @buf ("" when absent); -1 on error */
static int meta_text(struct vx_store *st, int64_t id, const char *key, char *buf, size_t n)
{
	char *v;
	size_t len;
	int r = store_capture_meta(st, id, key, &v, &len);

	*buf = '\0';
	if (r < 0)
		return -1;
	if (r == 0)
		snprintf(buf, n, "%s", v);
	free(v);
	return 0;
}

/* the capture here that is @oid of the other database already, 0 when none, -1 on error */
static int64_t same_capture(struct merge *m, sqlite3_stmt *cap, const char *boot_id)
{
	sqlite3_stmt *s;
	int64_t id = 0;
	int rc;

	if (store_prepare(m->st, "SELECT c.id FROM captures c WHERE c.first_ts IS ?1 AND c.last_ts IS ?2"
			  " AND c.events = ?3 AND coalesce((SELECT CAST(value AS TEXT) FROM capture_meta m"
			  " WHERE m.capture_id = c.id AND m.key = 'boot_id'), '') = ?4 ORDER BY c.id LIMIT 1",
			  &s) < 0)
		return -1;
	sqlite3_bind_value(s, 1, sqlite3_column_value(cap, 10));
	sqlite3_bind_value(s, 2, sqlite3_column_value(cap, 11));
	sqlite3_bind_value(s, 3, sqlite3_column_value(cap, 5));
	sqlite3_bind_text(s, 4, boot_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		id = store_db_error(m->st, "cannot look for the capture");
	sqlite3_finalize(s);
	return id;
}

static int put_meta(struct merge *m, int64_t id, const char *key, const char *value)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(m->st, "INSERT OR REPLACE INTO capture_meta(capture_id, key, value) VALUES(?,?,?)", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, value, (int)strlen(value), SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return store_step_done(m->st, rc, "cannot store capture metadata");
}

/* copy capture row @cap of the other database (with its meta and events) as a new capture */
static int copy_capture(struct merge *m, sqlite3_stmt *cap, const char *host, struct store_merged *out)
{
	int64_t oid = sqlite3_column_int64(cap, 0), id, copied = 0;
	sqlite3_stmt *ins = NULL, *sel = NULL;
	char from[512];
	int rc, ret = -1;
	bool has_host = out->host[0];

	if (store_prepare(m->st, "INSERT INTO captures(source, format, kernel_release, imported_at, events,"
			  " lost_events, skipped, truncated, truncated_at, first_ts, last_ts)"
			  " VALUES(?,?,?,?,?,?,?,?,?,?,?)", &ins) < 0)
		return -1;
	for (int c = 1; c <= 11; c++)
		sqlite3_bind_value(ins, c, sqlite3_column_value(cap, c));
	rc = sqlite3_step(ins);
	sqlite3_finalize(ins);
	ins = NULL;
	if (rc != SQLITE_DONE)
		return store_db_error(m->st, "cannot create capture");
	id = sqlite3_last_insert_rowid(store_sqlite(m->st));
	/* metadata: all of it (kallsyms, boot_id, hostname, lost_cpuN, ...) */
	if (store_prepare(m->o, "SELECT key, value FROM capture_meta WHERE capture_id = ?", &sel) < 0 ||
	    store_prepare(m->st, "INSERT OR REPLACE INTO capture_meta(capture_id, key, value) VALUES(?,?,?)", &ins) < 0)
		goto out;
	sqlite3_bind_int64(sel, 1, oid);
	sqlite3_bind_int64(ins, 1, id);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		sqlite3_bind_value(ins, 2, sqlite3_column_value(sel, 0));
		sqlite3_bind_value(ins, 3, sqlite3_column_value(sel, 1));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			store_db_error(m->st, "cannot store capture metadata");
			goto out;
		}
		sqlite3_reset(ins);
	}
	if (rc != SQLITE_DONE) {
		other_error(m, "cannot read capture metadata");
		goto out;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sel = ins = NULL;
	if (!has_host && host) {
		if (put_meta(m, id, "hostname", host) < 0)
			goto out;
		snprintf(out->host, sizeof(out->host), "%s", host);
	}
	snprintf(from, sizeof(from), "%s (capture %" PRId64 ")", m->opath, oid);
	if (put_meta(m, id, "imported_from", from) < 0)
		goto out;
	/* the events, their string, stack and field set ids mapped to this database's */
	if (store_prepare(m->o, "SELECT ts_ns, cpu, pid, comm_id, name_id, dev_id, len, skb, stack_id,"
			  " fieldset_id, vals FROM event_rows WHERE capture_id = ? ORDER BY id", &sel) < 0 ||
	    store_prepare(m->st, "INSERT INTO event_rows(capture_id, ts_ns, cpu, pid, comm_id, name_id, dev_id,"
			  " len, skb, stack_id, fieldset_id, vals) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", &ins) < 0)
		goto out;
	sqlite3_bind_int64(sel, 1, oid);
	sqlite3_bind_int64(ins, 1, id);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		static const int col_of[] = { 0, 1, 2, -1, -1, -1, 6, 7, -1, -1, 10 };
		int64_t name = mapped(&m->strmap, sel, 4), fs = mapped(&m->fsmap, sel, 9);

		if (!name || !fs) {
			vx_error("%s: event of capture %" PRId64 " refers to a missing string or field set; the database is damaged",
				 m->opath, oid);
			goto out;
		}
		for (int c = 0; c < 11; c++)
			if (col_of[c] >= 0)
				sqlite3_bind_value(ins, 2 + c, sqlite3_column_value(sel, col_of[c]));
		for (int c = 3; c <= 8; c += (c == 5 ? 3 : 1)) {	/* comm, name, dev; stack */
			const struct vx_index *ix = c == 8 ? &m->stkmap : &m->strmap;
			int64_t v = mapped(ix, sel, c);

			if (v)
				sqlite3_bind_int64(ins, 2 + c, v);
			else
				sqlite3_bind_null(ins, 2 + c);
		}
		sqlite3_bind_int64(ins, 2 + 9, fs);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			store_db_error(m->st, "cannot store an event");
			goto out;
		}
		sqlite3_reset(ins);
		copied++;
	}
	if (rc != SQLITE_DONE) {
		other_error(m, "cannot read the events");
		goto out;
	}
	if ((uint64_t)copied != out->events) {
		vx_error("%s: capture %" PRId64 " counts %" PRIu64 " events but holds %" PRId64
			 "; the database is damaged (vxanalyze captures shows it)", m->opath, oid, out->events, copied);
		goto out;
	}
	out->id = id;
	ret = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return ret;
}

/* PRAGMA quick_check of the other database: 0 ok, -1 with its first complaint */
static int check_other(struct merge *m)
{
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (store_prepare(m->o, "PRAGMA quick_check(1)", &s) < 0)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);

		if (!v || strcmp(v, "ok"))
			ret = vx_error("%s: damaged database (%s); nothing imported", m->opath, v ? v : "?");
	} else {
		ret = other_error(m, "damaged database, nothing imported");
	}
	sqlite3_finalize(s);
	return ret;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int store_merge(struct vx_store *st, const char *path, const char *host, struct store_merged **out, size_t *nout)
{
	struct merge m = { .st = st, .opath = path };
	struct store_merged *res = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *caps = NULL;
	bool in_tx = false, reading = false;
	int rc, ret = -1;

	*out = NULL;
	*nout = 0;
	if (st->readonly)
		return vx_error("%s: opened read-only", st->path);
	if (st->imp)
		return vx_error("%s: an import is already in progress", st->path);
	if (same_file(path, st->path))
		return vx_error("%s: is the database being imported into; nothing to do", path);
	m.o = store_open(path, true);
	if (!m.o)
		return -1;
	if (store_read_begin(m.o) < 0)
		goto out;
	reading = true;
	if (check_other(&m) < 0)
		goto out;
	if (store_exec(st, "BEGIN IMMEDIATE") < 0)
		goto out;
	in_tx = true;
	if (store_load_index(st, "SELECT text, id FROM strings", true, &m.str, &m.next_str) < 0 ||
	    store_load_index(st, "SELECT hash, id FROM stacks", false, &m.stk, &m.next_stk) < 0 ||
	    store_load_index(st, "SELECT hash, id FROM fieldsets", false, &m.fs, &m.next_fs) < 0)
		goto out;
	if (merge_table(&m, &strings_table, &m.str, &m.strmap, &m.next_str) < 0 ||
	    merge_table(&m, &stacks_table, &m.stk, &m.stkmap, &m.next_stk) < 0 ||
	    merge_table(&m, &fieldsets_table, &m.fs, &m.fsmap, &m.next_fs) < 0)
		goto out;
	if (store_prepare(m.o, "SELECT id, source, format, kernel_release, imported_at, events, lost_events,"
			  " skipped, truncated, truncated_at, first_ts, last_ts FROM captures ORDER BY id", &caps) < 0)
		goto out;
	while ((rc = sqlite3_step(caps)) == SQLITE_ROW) {
		struct store_merged *c;
		int64_t dup;

		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			res = xrealloc(res, cap * sizeof(*res));
		}
		c = &res[n++];
		memset(c, 0, sizeof(*c));
		c->from_id = sqlite3_column_int64(caps, 0);
		c->events = (uint64_t)sqlite3_column_int64(caps, 5);
		if (meta_text(m.o, c->from_id, "boot_id", c->boot_id, sizeof(c->boot_id)) < 0 ||
		    meta_text(m.o, c->from_id, "hostname", c->host, sizeof(c->host)) < 0)
			goto out;
		dup = same_capture(&m, caps, c->boot_id);
		if (dup < 0)
			goto out;
		if (dup) {
			c->dup_of = dup;
			continue;
		}
		if (copy_capture(&m, caps, host, c) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		other_error(&m, "cannot read the captures");
		goto out;
	}
	if (store_exec(st, "COMMIT") < 0)
		goto out;
	in_tx = false;
	*out = res;
	*nout = n;
	res = NULL;
	ret = 0;
out:
	sqlite3_finalize(caps);
	if (in_tx)
		sqlite3_exec(store_sqlite(st), "ROLLBACK", NULL, NULL, NULL);
	if (reading)
		store_read_end(m.o);
	store_close(m.o);
	index_release(&m.str);
	index_release(&m.strmap);
	index_release(&m.stk);
	index_release(&m.stkmap);
	index_release(&m.fs);
	index_release(&m.fsmap);
	free(res);
	return ret;
}
