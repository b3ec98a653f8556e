/* store-internal.h: what store.c and store-read.c share and nobody else may see: the store
 * handle's fields, the error helper and the one decoder of an event's fields column.
 * Only src/store*.c include this header (it pulls in sqlite3.h).
 */
#ifndef VX_STORE_INTERNAL_H
#define VX_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"
#include "strbuf.h"

struct stack_index {
	uint64_t *hash;
	int64_t *id;
	size_t cap, n;
};

struct vx_store {
	sqlite3 *db;
	char *path;
	bool readonly;
	int reading;	/* nesting of store_read_begin() */
	sqlite3_stmt *sel_fields;	/* store_event_fields(), prepared once */
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

/* store_db_error - vx_error("PATH: WHAT: <sqlite's message>"); returns -1 */
int store_db_error(struct vx_store *st, const char *what);
/* store_prepare - prepare @sql into *@s, or -1 with the error set */
int store_prepare(struct vx_store *st, const char *sql, sqlite3_stmt **s);
/* store_step_done - the step after the last row: 0 when @rc is SQLITE_DONE, else -1 with
 * SQLite's own message ("database disk image is malformed") naming @what */
int store_step_done(struct vx_store *st, int rc, const char *what);

/*
 * store_fields_decode - the one reader of an event's stored fields (column @col of @s):
 * decodes them into an array allocated in @a (*@out, strings in @a too). Returns the
 * number of fields (0 when none or not decodable).
 */
size_t store_fields_decode(sqlite3_stmt *s, int col, struct arena *a, struct vx_field **out);

#endif
