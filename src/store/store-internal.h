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

/* hash → id, open addressing (ids are > 0; 0 marks an empty slot). Memory: 16 bytes per
 * distinct key, freed with index_release(). */
struct vx_index {
	uint64_t *hash;
	int64_t *id;
	size_t cap, n;
};

void index_put(struct vx_index *ix, uint64_t h, int64_t id);
int64_t index_get(const struct vx_index *ix, uint64_t h);
void index_release(struct vx_index *ix);

struct vx_import;	/* store-import.c */

struct vx_store {
	sqlite3 *db;
	char *path;
	bool readonly;
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
	struct arena strtext;
	sqlite3_stmt *sel_string;
	/* store-lookups.c: the read's lookup index (a temporary table) */
	sqlite3_stmt *lk_add, *lk_ok, *lk_failed;	/* insert; window newest first, oldest first */
	bool lk_sealed;		/* indexed: questions only */
};

int store_db_error(struct vx_store *st, const char *what);
int store_exec(struct vx_store *st, const char *sql);
int store_prepare(struct vx_store *st, const char *sql, sqlite3_stmt **s);
/* store_step_done - the step after the last row: 0 when @rc is SQLITE_DONE, else -1 with
 * SQLite's own message ("database disk image is malformed") naming @what */
int store_step_done(struct vx_store *st, int rc, const char *what);
/*
 * store_fields_decode - the one reader of an event's fields as the `events` view gives them
 * (column @col of @s, a flat JSON object): an array allocated in @a (*@out, strings in @a
 * too). Returns the number of fields (0 when none or not decodable).
 */
size_t store_fields_decode(sqlite3_stmt *s, int col, struct arena *a, struct vx_field **out);
/* store_load_index - load @sql's (hash-or-text, id) rows into @ix (@text: column 0 is a text
 * to hash with vx_hash64 as the strings are); *@next is one past the largest id. 0, or -1
 * with the database's error. The caller releases @ix. */
int store_load_index(struct vx_store *st, const char *sql, bool text, struct vx_index *ix, int64_t *next);
/* store_import_free - stop the writer thread (if any) and free the import state;
 * does not touch the transaction */
void store_import_free(struct vx_store *st);

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
