/* store-merge.c: `vxanalyze import OTHER.db` — copy the captures of another vxanalyze database
 * (captures, their metadata, events, and the strings, stacks and field sets those events use)
 * into this one, in one transaction (see store_merge() in store.h). The other database is
 * someone else's file: opened immutable and bounded (store-guard.c), every value copied is
 * checked (types, ranges, JSON, references), hashes are recomputed from the content, and
 * nothing is kept unless a capture is: the result passes store_check() before the commit.
 * A capture already here (same boot id, first and last event time, event count) is skipped.
 * Must not: parse capture formats, analyse anything, or trust a value of the other file.
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
/* the ranges of what vxanalyze writes, generously. A text's length is bounded by
 * STORE_FOREIGN_MAX_VALUE (long names are data: the outputs cut and escape them) */
#define MAX_FRAMES 4096		/* store-import.c keeps VX_MAX_FRAMES */
#define MAX_SHORT 65536		/* a capture's format, kernel, time; a meta key */
#define MAX_JSON (1 << 20)	/* an event's field set or varying values */

/* a flat JSON object of text values, as the importer writes them (fields, vals); the CASE
 * keeps json_type() and json_each() from raising an error on malformed text */
#define FLAT_JSON(c) "CASE WHEN " c " IS NULL THEN 1 WHEN json_valid(" c ") THEN json_type(" c ") = 'object'" \
	" AND NOT EXISTS (SELECT 1 FROM json_each(" c ") WHERE type <> 'text') ELSE 0 END"

/* a deduplicated table (strings, stacks, field sets): its rows are read from the other
 * database when an event first uses one, checked, and found here by their hash or added */
struct merge_table {
	const char *one;	/* "string": for the error messages */
	const char *select;	/* the other database's row ?1: the columns to copy */
	const char *insert;	/* id, hash, the copied columns */
	int ncols;		/* columns copied */
	int (*check)(sqlite3_stmt *s, char *why, size_t n);	/* 0, or -1 with @why */
	uint64_t (*hash)(sqlite3_stmt *s);
};

struct merge_map {
	const struct merge_table *t;
	struct vx_hash byhash;	/* content hash here -> id here */
	struct vx_hash idmap;	/* id there -> id here */
	int64_t next;		/* the next id here */
	sqlite3_stmt *sel, *ins;
};

struct merge {
	struct vx_store *st, *o;
	const char *opath;
	struct merge_map str, stk, fs;
	int64_t oid;		/* the capture being copied (its id there), for messages */
	bool copied;		/* a capture was copied: the transaction may be committed */
};

/* ---- checks of the other database's values ---- */

static const char *type_name(int t)
{
	return t == SQLITE_INTEGER ? "an integer" : t == SQLITE_FLOAT ? "a real" : t == SQLITE_TEXT ? "text" :
	       t == SQLITE_BLOB ? "a blob" : "null";
}

/* column @c of @s: text (NULL too when @null_ok) of at most @max bytes and no NUL */
static int check_text(sqlite3_stmt *s, int c, bool null_ok, int max, const char *name, char *why, size_t n)
{
	int t = sqlite3_column_type(s, c), len;

	if (t == SQLITE_NULL && null_ok)
		return 0;
	if (t != SQLITE_TEXT) {
		snprintf(why, n, "%s is %s, not text", name, type_name(t));
		return -1;
	}
	len = sqlite3_column_bytes(s, c);
	if (len > max || strlen((const char *)sqlite3_column_text(s, c)) != (size_t)len) {
		snprintf(why, n, len > max ? "%s is over %d bytes" : "%s holds a NUL byte", name, max);
		return -1;
	}
	return 0;
}

/* column @c of @s: an integer in [@lo, @hi] (NULL too when @null_ok) */
static int check_int(sqlite3_stmt *s, int c, bool null_ok, int64_t lo, int64_t hi, const char *name,
		     char *why, size_t n)
{
	int t = sqlite3_column_type(s, c);
	int64_t v = sqlite3_column_int64(s, c);

	if (t == SQLITE_NULL && null_ok)
		return 0;
	if (t != SQLITE_INTEGER) {
		snprintf(why, n, "%s is %s, not an integer", name, type_name(t));
		return -1;
	}
	if (v < lo || v > hi) {
		snprintf(why, n, "%s %" PRId64 " is out of range", name, v);
		return -1;
	}
	return 0;
}

static int check_string(sqlite3_stmt *s, char *why, size_t n)
{
	return check_text(s, 0, false, STORE_FOREIGN_MAX_VALUE, "its text", why, n);
}

/* depth, frames: one frame per line, innermost first, depth of them */
static int check_stack(sqlite3_stmt *s, char *why, size_t n)
{
	const char *p;
	int64_t lines = 0;

	if (check_int(s, 0, false, 1, MAX_FRAMES, "its depth", why, n) < 0 ||
	    check_text(s, 1, false, STORE_FOREIGN_MAX_VALUE, "its frames", why, n) < 0)
		return -1;
	p = (const char *)sqlite3_column_text(s, 1);
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lines++;
		if (!len) {
			snprintf(why, n, "frame %" PRId64 " is empty", lines);
			return -1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (lines != sqlite3_column_int64(s, 0)) {
		snprintf(why, n, "its depth is %" PRId64 " but it holds %" PRId64 " frames", (int64_t)sqlite3_column_int64(s, 0), lines);
		return -1;
	}
	return 0;
}

/* a key of the field set's JSON (@fields) that a column fills: a plain word, one of its keys */
static int check_key(sqlite3_stmt *s, int c, const char *name, char *why, size_t n)
{
	const char *k = (const char *)sqlite3_column_text(s, c), *fields, *at;
	size_t len;

	if (check_text(s, c, true, 64, name, why, n) < 0)
		return -1;
	if (!k)
		return 0;
	len = strlen(k);
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			len = 0;
	/* "key": in the JSON (the keys are plain words, so a key's text is its JSON) */
	fields = (const char *)sqlite3_column_text(s, 0);
	for (at = len ? strstr(fields, k) : NULL; at; at = strstr(at + 1, k))
		if (at > fields && at[-1] == '"' && at[len] == '"' && at[len + 1] == ':')
			return 0;
	snprintf(why, n, "%s is not a key of its fields", name);
	return -1;
}

/* fields, skb_key, skb_fmt, len_key, dev_key, FLAT_JSON(fields) */
static int check_fieldset(sqlite3_stmt *s, char *why, size_t n)
{
	static const char *const skb_fmts[] = { "0x%x", "%016x", "%x" };
	const char *fmt;
	bool known = false;

	if (check_text(s, 0, false, MAX_JSON, "its fields", why, n) < 0)
		return -1;
	if (sqlite3_column_int(s, 5) != 1) {
		snprintf(why, n, "its fields are not a JSON object of text values");
		return -1;
	}
	if (check_key(s, 1, "skb_key", why, n) < 0 || check_key(s, 3, "len_key", why, n) < 0 ||
	    check_key(s, 4, "dev_key", why, n) < 0 || check_text(s, 2, true, 8, "skb_fmt", why, n) < 0)
		return -1;
	fmt = (const char *)sqlite3_column_text(s, 2);
	for (size_t i = 0; fmt && i < sizeof(skb_fmts) / sizeof(skb_fmts[0]); i++)
		known |= !strcmp(fmt, skb_fmts[i]);
	if ((fmt != NULL) != (sqlite3_column_type(s, 1) != SQLITE_NULL) || (fmt && !known)) {
		snprintf(why, n, "skb_fmt is not a format vxanalyze writes for its skb_key");
		return -1;
	}
	return 0;
}

/* ---- the hashes, recomputed from the content as the importer computes them ---- */

static uint64_t string_hash(sqlite3_stmt *s)
{
	return vx_hash64(VX_HASH_INIT, sqlite3_column_text(s, 0), (size_t)sqlite3_column_bytes(s, 0));
}

/* the stacks' hash is of their frames' text (store-import.c), never the other file's */
static uint64_t stack_hash(sqlite3_stmt *s)
{
	return vx_hash64(VX_HASH_INIT, sqlite3_column_text(s, 1), (size_t)sqlite3_column_bytes(s, 1));
}

static uint64_t fieldset_hash(sqlite3_stmt *s)
{
	uint64_t h = MERGE_FIELDSET_SEED;

	for (int c = 0; c < 5; c++) {
		bool null = sqlite3_column_type(s, c) == SQLITE_NULL;
		const void *t = sqlite3_column_text(s, c);

		h = vx_hash64(h, &null, 1);
		if (!null && t)
			h = vx_hash64(h, t, (size_t)sqlite3_column_bytes(s, c) + 1);
	}
	return h;
}

static const struct merge_table strings_table = {
	"string", "SELECT text FROM strings WHERE id = ?1",
	"INSERT INTO strings(id, text) VALUES(?1, ?3)", 1, check_string, string_hash,
};
static const struct merge_table stacks_table = {
	"stack", "SELECT depth, frames FROM stacks WHERE id = ?1",
	"INSERT INTO stacks(id, hash, depth, frames) VALUES(?1, ?2, ?3, ?4)", 2, check_stack, stack_hash,
};
static const struct merge_table fieldsets_table = {
	"field set", "SELECT fields, skb_key, skb_fmt, len_key, dev_key, " FLAT_JSON("fields") " FROM fieldsets WHERE id = ?1",
	"INSERT INTO fieldsets(id, hash, fields, skb_key, skb_fmt, len_key, dev_key) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	5, check_fieldset, fieldset_hash,
};

static int map_init(struct merge *m, struct merge_map *mm, const struct merge_table *t, const char *load)
{
	mm->t = t;
	if (store_load_index(m->st, load, t == &strings_table, &mm->byhash, &mm->next) < 0 ||
	    store_prepare(m->o, t->select, &mm->sel) < 0 || store_prepare(m->st, t->insert, &mm->ins) < 0)
		return -1;
	return 0;
}

static void map_release(struct merge_map *mm)
{
	vx_hash_release(&mm->byhash);
	vx_hash_release(&mm->idmap);
	sqlite3_finalize(mm->sel);
	sqlite3_finalize(mm->ins);
}

/* copy the checked row of @mm->sel as @id with hash @h */
static int map_insert(struct merge *m, struct merge_map *mm, int64_t id, uint64_t h)
{
	int rc;

	sqlite3_bind_int64(mm->ins, 1, id);
	sqlite3_bind_int64(mm->ins, 2, (sqlite3_int64)h);
	for (int c = 0; c < mm->t->ncols; c++)
		sqlite3_bind_value(mm->ins, 3 + c, sqlite3_column_value(mm->sel, c));
	rc = sqlite3_step(mm->ins);
	sqlite3_reset(mm->ins);
	if (rc != SQLITE_DONE) {
		char what[64];

		snprintf(what, sizeof(what), "cannot store a %s", mm->t->one);
		return store_db_error(m->st, what);
	}
	index_put(&mm->byhash, h, id);
	return 0;
}

/*
 * map_ref - the id here of row @oid there (strings, stacks or field sets, by @mm): read and
 * checked the first time, then found by its content's hash or copied. 0 with *@id, or -1
 * with vx_error() (a missing or damaged row fails the import).
 */
static int map_ref(struct merge *m, struct merge_map *mm, int64_t oid, int64_t *id)
{
	char why[160] = "";
	uint64_t h;
	int rc, ret = -1;

	*id = index_get(&mm->idmap, (uint64_t)oid);
	if (*id)
		return 0;
	sqlite3_bind_int64(mm->sel, 1, oid);
	rc = sqlite3_step(mm->sel);
	if (rc == SQLITE_DONE)
		snprintf(why, sizeof(why), " is missing");
	else if (rc != SQLITE_ROW)
		store_db_error(m->o, "cannot read the database");
	else if (mm->t->check(mm->sel, why + 2, sizeof(why) - 2) == 0)
		ret = 0;
	else
		memcpy(why, ": ", 2);
	if (ret == 0) {
		h = mm->t->hash(mm->sel);
		*id = index_get(&mm->byhash, h);
		if (!*id) {
			*id = mm->next++;
			ret = map_insert(m, mm, *id, h);
		}
		if (ret == 0)
			index_put(&mm->idmap, (uint64_t)oid, *id);
	}
	sqlite3_reset(mm->sel);
	if (why[0])
		vx_error("%s: capture %" PRId64 ": %s %" PRId64 " of its events%s; the database is damaged, nothing imported",
			 m->opath, m->oid, mm->t->one, oid, why);
	return ret;
}

/* ---- captures ---- */

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

/* the row of captures: id, source, format, kernel_release, imported_at, events, lost_events,
 * skipped, truncated, truncated_at, first_ts, last_ts */
static int check_capture(struct merge *m, sqlite3_stmt *s)
{
	static const char *const names[] = { "id", "source", "format", "kernel_release", "imported_at", "events",
					     "lost_events", "skipped", "truncated", "truncated_at", "first_ts", "last_ts" };
	char why[160];
	int r = check_int(s, 0, false, 1, INT64_MAX, names[0], why, sizeof(why));

	for (int c = 1; !r && c <= 4; c++)
		r = check_text(s, c, c == 3, c == 1 ? STORE_FOREIGN_MAX_VALUE : MAX_SHORT, names[c], why, sizeof(why));
	for (int c = 5; !r && c <= 11; c++)
		r = check_int(s, c, c >= 9, 0, c == 8 ? 1 : INT64_MAX, names[c], why, sizeof(why));
	if (r)
		return vx_error("%s: capture %" PRId64 ": %s; the database is damaged, nothing imported", m->opath,
				(int64_t)sqlite3_column_int64(s, 0), why);
	return 0;
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

/* the metadata of capture @m->oid there (kallsyms, boot_id, hostname, lost_cpuN, ...) as @id's */
static int copy_meta(struct merge *m, int64_t id)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	char why[160] = "";
	int rc, ret = -1;

	if (store_prepare(m->o, "SELECT key, value FROM capture_meta WHERE capture_id = ?", &sel) < 0 ||
	    store_prepare(m->st, "INSERT OR REPLACE INTO capture_meta(capture_id, key, value) VALUES(?,?,?)", &ins) < 0)
		goto out;
	sqlite3_bind_int64(sel, 1, m->oid);
	sqlite3_bind_int64(ins, 1, id);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (check_text(sel, 0, false, MAX_SHORT, "a metadata key", why, sizeof(why)) < 0)
			break;
		sqlite3_bind_value(ins, 2, sqlite3_column_value(sel, 0));
		sqlite3_bind_value(ins, 3, sqlite3_column_value(sel, 1));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			store_db_error(m->st, "cannot store capture metadata");
			goto out;
		}
		sqlite3_reset(ins);
	}
	if (why[0])
		vx_error("%s: capture %" PRId64 ": %s; the database is damaged, nothing imported", m->opath, m->oid, why);
	else if (rc != SQLITE_DONE)
		store_db_error(m->o, "cannot read capture metadata");
	else
		ret = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return ret;
}

/* ---- events ---- */

/* the event columns read there, in this order */
#define EVENT_SELECT "SELECT id, ts_ns, cpu, pid, comm_id, name_id, dev_id, len, skb, stack_id, fieldset_id, vals, " \
	FLAT_JSON("vals") " FROM event_rows WHERE capture_id = ?1 ORDER BY id"

static int check_event(struct merge *m, sqlite3_stmt *s)
{
	static const struct {
		const char *name;
		bool null_ok;
		int64_t lo, hi;
	} cols[] = {
		[1] = { "ts_ns", false, 0, INT64_MAX }, { "cpu", true, -1, INT32_MAX },
		{ "pid", true, -1, INT32_MAX }, { "comm_id", true, 1, INT64_MAX },
		{ "name_id", false, 1, INT64_MAX }, { "dev_id", true, 1, INT64_MAX },
		{ "len", true, -1, INT64_MAX }, { "skb", true, INT64_MIN, INT64_MAX },
		{ "stack_id", true, 1, INT64_MAX }, { "fieldset_id", false, 1, INT64_MAX },
	};
	char why[160];
	int r = 0;

	for (int c = 1; !r && c <= 10; c++)
		r = check_int(s, c, cols[c].null_ok, cols[c].lo, cols[c].hi, cols[c].name, why, sizeof(why));
	if (!r)
		r = check_text(s, 11, true, MAX_JSON, "vals", why, sizeof(why));
	if (!r && sqlite3_column_int(s, 12) != 1) {
		snprintf(why, sizeof(why), "vals is not a JSON object of text values");
		r = -1;
	}
	if (r)
		return vx_error("%s: capture %" PRId64 ": event %" PRId64 ": %s; the database is damaged, nothing imported",
				m->opath, m->oid, (int64_t)sqlite3_column_int64(s, 0), why);
	return 0;
}

/* bind reference column @c of the event row @sel (mapped by @mm) as parameter @p of @ins */
static int bind_ref(struct merge *m, struct merge_map *mm, sqlite3_stmt *sel, int c, sqlite3_stmt *ins, int p)
{
	int64_t id;

	if (sqlite3_column_type(sel, c) == SQLITE_NULL)
		return sqlite3_bind_null(ins, p) == SQLITE_OK ? 0 : -1;
	if (map_ref(m, mm, sqlite3_column_int64(sel, c), &id) < 0)
		return -1;
	sqlite3_bind_int64(ins, p, id);
	return 0;
}

/* the events of capture @m->oid there as capture @id's; *@copied counts them */
static int copy_events(struct merge *m, int64_t id, int64_t *copied)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int rc, ret = -1;

	if (store_prepare(m->o, EVENT_SELECT, &sel) < 0 ||
	    store_prepare(m->st, "INSERT INTO event_rows(capture_id, ts_ns, cpu, pid, comm_id, name_id, dev_id,"
			  " len, skb, stack_id, fieldset_id, vals) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", &ins) < 0)
		goto out;
	sqlite3_bind_int64(sel, 1, m->oid);
	sqlite3_bind_int64(ins, 1, id);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (check_event(m, sel) < 0 || bind_ref(m, &m->str, sel, 4, ins, 5) < 0 ||
		    bind_ref(m, &m->str, sel, 5, ins, 6) < 0 || bind_ref(m, &m->str, sel, 6, ins, 7) < 0 ||
		    bind_ref(m, &m->stk, sel, 9, ins, 10) < 0 || bind_ref(m, &m->fs, sel, 10, ins, 11) < 0)
			goto out;
		for (int c = 1; c <= 11; c++)	/* ts_ns, cpu, pid, len, skb, vals as they are */
			if (c <= 3 || c == 7 || c == 8 || c == 11)
				sqlite3_bind_value(ins, c + 1, sqlite3_column_value(sel, c));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			store_db_error(m->st, "cannot store an event");
			goto out;
		}
		sqlite3_reset(ins);
		(*copied)++;
	}
	if (rc != SQLITE_DONE)
		store_db_error(m->o, "cannot read the events");
	else
		ret = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return ret;
}

/* copy capture row @cap of the other database (with its meta and events) as a new capture */
static int copy_capture(struct merge *m, sqlite3_stmt *cap, const char *host, struct store_merged *out)
{
	int64_t id, copied = 0;
	sqlite3_stmt *ins = NULL;
	char from[512];
	int rc;

	if (store_prepare(m->st, "INSERT INTO captures(source, format, kernel_release, imported_at, events,"
			  " lost_events, skipped, truncated, truncated_at, first_ts, last_ts)"
			  " VALUES(?,?,?,?,?,?,?,?,?,?,?)", &ins) < 0)
		return -1;
	for (int c = 1; c <= 11; c++)
		sqlite3_bind_value(ins, c, sqlite3_column_value(cap, c));
	rc = sqlite3_step(ins);
	sqlite3_finalize(ins);
	if (rc != SQLITE_DONE)
		return store_db_error(m->st, "cannot create capture");
	id = sqlite3_last_insert_rowid(store_sqlite(m->st));
	if (copy_meta(m, id) < 0)
		return -1;
	if (!out->host[0] && host) {
		if (put_meta(m, id, "hostname", host) < 0)
			return -1;
		snprintf(out->host, sizeof(out->host), "%s", host);
	}
	snprintf(from, sizeof(from), "%s (capture %" PRId64 ")", m->opath, m->oid);
	if (put_meta(m, id, "imported_from", from) < 0 || copy_events(m, id, &copied) < 0)
		return -1;
	if ((uint64_t)copied != out->events)
		return vx_error("%s: capture %" PRId64 " counts %" PRIu64 " events but holds %" PRId64
				"; the database is damaged, nothing imported", m->opath, m->oid, out->events, copied);
	out->id = id;
	m->copied = true;
	return 0;
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

		/* SQLite's complaint names pages and cells, never the file's text */
		if (!v || strcmp(v, "ok"))
			ret = vx_error("%s: damaged database (%.200s); nothing imported", m->opath, v ? v : "?");
	} else {
		ret = store_db_error(m->o, "damaged database, nothing imported");
	}
	sqlite3_finalize(s);
	return ret;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* one capture row of the other database: skipped when here already, else copied into @c */
static int merge_capture(struct merge *m, sqlite3_stmt *caps, const char *host, struct store_merged *c)
{
	int64_t dup;

	memset(c, 0, sizeof(*c));
	if (check_capture(m, caps) < 0)
		return -1;
	m->oid = c->from_id = sqlite3_column_int64(caps, 0);
	c->events = (uint64_t)sqlite3_column_int64(caps, 5);
	if (meta_text(m->o, c->from_id, "boot_id", c->boot_id, sizeof(c->boot_id)) < 0 ||
	    meta_text(m->o, c->from_id, "hostname", c->host, sizeof(c->host)) < 0)
		return -1;
	dup = same_capture(m, caps, c->boot_id);
	if (dup < 0)
		return -1;
	if (dup) {
		c->dup_of = dup;
		return 0;
	}
	return copy_capture(m, caps, host, c);
}

/* every capture of the other database, in @m's open transaction; *@res grows (*@n, *@cap) */
static int merge_captures(struct merge *m, const char *host, struct store_merged **res, size_t *n, size_t *cap)
{
	sqlite3_stmt *caps;
	int rc, ret = -1;

	if (map_init(m, &m->str, &strings_table, "SELECT text, id FROM strings") < 0 ||
	    map_init(m, &m->stk, &stacks_table, "SELECT hash, id FROM stacks") < 0 ||
	    map_init(m, &m->fs, &fieldsets_table, "SELECT hash, id FROM fieldsets") < 0)
		return -1;
	if (store_prepare(m->o, "SELECT id, source, format, kernel_release, imported_at, events, lost_events,"
			  " skipped, truncated, truncated_at, first_ts, last_ts FROM captures ORDER BY id", &caps) < 0)
		return -1;
	while ((rc = sqlite3_step(caps)) == SQLITE_ROW) {
		VX_GROW(*res, *n, *cap);
		if (merge_capture(m, caps, host, &(*res)[(*n)++]) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		store_db_error(m->o, "cannot read the captures");
	else
		ret = 0;
out:
	sqlite3_finalize(caps);
	return ret;
}

/* the other database opened immutable, checked whole before this one is locked */
static int open_other(struct merge *m)
{
	if (same_file(m->opath, m->st->path))
		return vx_error("%s: is the database being imported into; nothing to do", m->opath);
	m->o = store_open_mode(m->opath, STORE_FOREIGN);
	if (!m->o)
		return -1;
	if (store_read_begin(m->o) < 0)
		return -1;
	return check_other(m);
}

int store_merge(struct vx_store *st, const char *path, const char *host, struct store_merged **out, size_t *nout)
{
	struct merge m = { .st = st, .opath = path };
	struct store_merged *res = NULL;
	size_t n = 0, cap = 0;
	bool in_tx = false;
	int ret = -1;

	*out = NULL;
	*nout = 0;
	if (st->readonly)
		return vx_error("%s: opened read-only", st->path);
	if (st->imp)
		return vx_error("%s: an import is already in progress", st->path);
	if (open_other(&m) < 0 || store_exec(st, "BEGIN IMMEDIATE") < 0)
		goto out;
	in_tx = true;
	if (merge_captures(&m, host, &res, &n, &cap) < 0)
		goto out;
	/* nothing is kept unless a capture is, and what is kept is consistent */
	if (m.copied && (store_check(st) < 0 || store_exec(st, "COMMIT") < 0))
		goto out;
	if (m.copied)
		in_tx = false;
	*out = res;
	*nout = n;
	res = NULL;
	ret = 0;
out:
	if (in_tx)
		sqlite3_exec(store_sqlite(st), "ROLLBACK", NULL, NULL, NULL);
	/* the statements first: a connection with one left does not close */
	map_release(&m.str);
	map_release(&m.stk);
	map_release(&m.fs);
	if (m.o)
		store_read_end(m.o);
	store_close(m.o);
	free(res);
	return ret;
}
