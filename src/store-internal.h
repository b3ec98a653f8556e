/* store-internal.h: what src/store*.c share and nothing else sees: the store's handle,
 * the schema, the hash index, and the import pipeline's state (store-import.c).
 * Must not: be included outside src/store*.c (it pulls in sqlite3.h).
 */
#ifndef VX_STORE_INTERNAL_H
#define VX_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "strbuf.h"

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
};

int store_db_error(struct vx_store *st, const char *what);
int store_exec(struct vx_store *st, const char *sql);
int store_prepare(struct vx_store *st, const char *sql, sqlite3_stmt **s);
/* store_import_free - stop the writer thread (if any) and free the import state;
 * does not touch the transaction */
void store_import_free(struct vx_store *st);

/* the indexes of event_rows (the report reads journeys through the second) */
#define VX_STORE_INDEXES \
	"CREATE INDEX IF NOT EXISTS events_capture_ts ON event_rows(capture_id, ts_ns);" \
	"CREATE INDEX IF NOT EXISTS events_capture_skb_ts ON event_rows(capture_id, skb, ts_ns);"

#endif
