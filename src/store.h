/* store.h: the SQLite store of captures, events and deduplicated stacks.
 * The only module that includes sqlite3.h. Writers get a struct vx_sink; readers get a
 * struct vx_dataset. One transaction per import: a failed or killed import leaves nothing.
 */
#ifndef VX_STORE_H
#define VX_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* 2: events in event_rows with interned strings and deduplicated field sets; a view
 * `events` gives the columns of 1 (fields as a JSON object) */
#define VX_STORE_SCHEMA_VERSION 2

struct vx_store;

/*
 * store_open - open (and when @readonly is false, create) the database at @path.
 * Returns NULL with vx_error() set: missing file in read-only mode, not a vxanalyze
 * database, schema from another version, no permission. Close with store_close().
 */
struct vx_store *store_open(const char *path, bool readonly);
void store_close(struct vx_store *st);

/*
 * store_import_begin - start a capture (and its transaction). The returned sink belongs
 * to the store and is valid until store_import_commit() or store_import_rollback().
 * @source: file name or command line; @format: importer name ("ftrace-text", ...).
 */
struct vx_sink *store_import_begin(struct vx_store *st, const char *source, const char *format);
/* store_import_commit - write the sink's counters into the capture and commit;
 * *@id receives the new capture id */
int store_import_commit(struct vx_store *st, int64_t *id);
/* store_import_rollback - drop the capture being imported (nothing of it remains) */
void store_import_rollback(struct vx_store *st);

/*
 * store_load - load capture @capture_id (0: every capture) with its events and the
 * stacks they use into @ds (which the caller releases with vx_dataset_release()).
 * @with_events false loads the captures only.
 */
int store_load(struct vx_store *st, int64_t capture_id, bool with_events, struct vx_dataset *ds);

/* store_capture_meta - a stored capture fact ("kallsyms", "kernel_release", ...):
 * malloc'd copy in *@value (caller frees) with *@len; 0 found, 1 absent, -1 error */
int store_capture_meta(struct vx_store *st, int64_t capture_id, const char *key,
		       char **value, size_t *len);

/*
 * store_check - verify the database: SQLite's integrity_check, foreign keys, and that every
 * capture holds exactly the events it counts (no half capture). 0 when all is well, -1 with
 * vx_error() naming the first problem.
 */
int store_check(struct vx_store *st);

/* store_capture_delete - remove capture @id with its events (unused stacks stay) */
int store_capture_delete(struct vx_store *st, int64_t id);

#endif
