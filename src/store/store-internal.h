/* store-internal.h: what src/store*.c share and nothing else sees: the store's handle,
 * the schema, the hash index, the import pipeline's state (store-import.c), and the
 * helpers of the report's cursors (store-read.c).
 * Must not: be included outside src/store*.c (it pulls in sqlite3.h).
 */
#ifndef VX_STORE_INTERNAL_H
#define VX_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "core/arena.h"
#include "core/hash.h"
#include "core/strbuf.h"

/* the store's content-hash -> id maps (strings, field sets, stacks; ids != 0) on the core
 * hash table, the 64-bit content hash its own key: index_put() sets or replaces, index_get()
 * is 0 when none; vx_hash_release() frees. */
static inline void index_put(struct vx_hash *ix, uint64_t h, int64_t id)
{
	struct vx_hash_slot *s = vx_hash_first(ix, h);

	if (s)
		s->value = (uint64_t)id;
	else
		vx_hash_add(ix, h, (uint64_t)id);
}

static inline int64_t index_get(const struct vx_hash *ix, uint64_t h)
{
	struct vx_hash_slot *s = vx_hash_first(ix, h);

	return s ? (int64_t)s->value : 0;
}

struct vx_import;	/* store-import.c */

/* how a connection may treat its file (store-guard.c) */
enum store_mode {
	STORE_WRITE,	/* the target: created if missing, a hot journal of its own rolled back */
	STORE_READ,	/* report, captures, query, diff: SQLITE_OPEN_READONLY, never rolled back */
	STORE_FOREIGN,	/* the source of a merge: immutable, nothing beside it read or made,
			 * a bound on time and on the size of a value */
};

struct vx_store {
	sqlite3 *db;
	char *path;
	bool readonly;
	enum store_mode mode;
	/* STORE_FOREIGN: the progress handler gives up at @deadline_ns (CLOCK_MONOTONIC) */
	uint64_t deadline_ns;
	double time_limit;	/* seconds, for the message */
	bool timed_out;
	struct vx_import *imp;	/* non-NULL while an import runs */
	int reading;		/* nesting of store_read_begin() (store-read.c) */
	bool read_began;	/* the outermost store_read_begin() began a transaction (not
				 * inside an import's, store_import_flush()) */
	sqlite3_stmt *sel_fields;	/* store_event_fields(), prepared once */
	sqlite3_stmt *sel_fib_desc, *sel_fib_asc;	/* store_fib_lookups_in(), prepared once */
	int64_t fib_ids[2];	/* the FIB lookup names' string ids, -1 when absent */
	/* store-read.c: the texts of the strings a read has met (names, comms, devices: a few
	 * distinct ones), by id, in @strtext; emptied when an outermost read begins */
	struct vx_hash strcache;
	struct vx_hash fscache;	/* field set id -> its parsed template (store-read.c) */
	struct arena strtext;
	sqlite3_stmt *sel_string, *sel_fieldset;
	/* store-lookups.c: the read's lookup index (a temporary table) */
	sqlite3_stmt *lk_add, *lk_ok, *lk_failed;	/* insert; window newest first, oldest first */
	bool lk_sealed;		/* indexed: questions only */
};

/* store_db_error - vx_error() "PATH: @what: SQLite's message"; a time bound or a value
 * bound that stopped a foreign file's read is said as such. Returns -1. */
int store_db_error(struct vx_store *st, const char *what);
int store_exec(struct vx_store *st, const char *sql);
int store_prepare(struct vx_store *st, const char *sql, sqlite3_stmt **s);
/* store_step_done - the step after the last row: 0 when @rc is SQLITE_DONE, else -1 with
 * SQLite's own message ("database disk image is malformed") naming @what */
int store_step_done(struct vx_store *st, int rc, const char *what);
/* store_load_index - load @sql's (hash-or-text, id) rows into @ix (@text: column 0 is a text
 * to hash with vx_hash64 as the strings are); *@next is one past the largest id. 0, or -1
 * with the database's error. The caller releases @ix. */
int store_load_index(struct vx_store *st, const char *sql, bool text, struct vx_hash *ix, int64_t *next);
/* store_import_free - stop the writer thread (if any) and free the import state;
 * does not touch the transaction */
void store_import_free(struct vx_store *st);

/* ---- store-guard.c: what a database file may make vxanalyze do ---- */

/* store_open_mode - store_open() in any mode (store.c); STORE_FOREIGN for a merge's source */
struct vx_store *store_open_mode(const char *path, enum store_mode mode);
/* the SQL of the schema (store-schema.c), which store_schema_verify() compares a file's with */
extern const char store_schema_sql[];
/* the largest value (text or blob) read from a STORE_FOREIGN file */
#define STORE_FOREIGN_MAX_VALUE (64 << 20)
/*
 * store_uri - the URI that opens the file named @path (never itself read as a URI: "%", "?"
 * and "#" escaped, "file:" prefixed, an absolute path with an empty authority) with the
 * query @params ("mode=ro&immutable=1") or none. malloc'd; the caller frees.
 */
char *store_uri(const char *path, const char *params);
/*
 * store_files_check - before opening @path in @mode, what lies beside it: a -journal that
 * names a super-journal (SQLite deletes that file when it rolls the journal back; vxanalyze
 * never writes one) is refused for STORE_WRITE; any unfinished -journal or a -wal holding
 * data is refused for STORE_FOREIGN (immutable reading would not see them). 0, or -1 with
 * vx_error() saying what to do.
 */
int store_files_check(const char *path, enum store_mode mode);
/* store_harden - configure @st's new connection for its mode: defensive, untrusted schema,
 * no fts3_tokenizer() pointers or extensions, no ATTACH, the authorizer; for STORE_FOREIGN no
 * views or triggers, STORE_FOREIGN_MAX_VALUE and the time bound (@size: the file's bytes) */
void store_harden(struct vx_store *st, int64_t size);
/*
 * store_authorize - the authorizer of every connection (ctx: the struct vx_store): the
 * store's statements read and write only the store's tables (and temp.vx_lookups), through
 * no view or trigger but its own; a STORE_FOREIGN connection only reads its tables, with a
 * few pragmas. ATTACH, fts3_tokenizer() and load_extension() are refused everywhere.
 */
int store_authorize(void *ctx, int action, const char *a, const char *b, const char *c, const char *d);
/*
 * store_schema_verify - @st's schema (sqlite_schema: type, name, table, SQL) must be exactly
 * the one vxanalyze creates (one older form of an index allowed): no view, trigger or table
 * of another program runs or is read. 0, or -1 with vx_error() naming the first difference.
 */
int store_schema_verify(struct vx_store *st);

/* store_journal_mode - PRAGMA journal_mode=@mode ("wal", "delete"): 0 when the database is
 * in @mode afterwards, -1 when it stayed in another (another connection has it open) */
int store_journal_mode(struct vx_store *st, const char *mode);

/* the indexes of event_rows (the report reads journeys through the second). The second
 * holds only events with an skb address (the import stores an address of 0 as NULL): its
 * only readers (store_events_by_skb_each(), store_import_filter()) ask for one, and the
 * events without (fib_table_lookup: 40% of a flood's events) cost the import no index
 * update. Stores made before have it whole, which serves the same queries. */
#define VX_STORE_INDEXES \
	"CREATE INDEX IF NOT EXISTS events_capture_ts ON event_rows(capture_id, ts_ns);" \
	"CREATE INDEX IF NOT EXISTS events_capture_skb_ts ON event_rows(capture_id, skb, ts_ns) WHERE skb IS NOT NULL;"

#endif
