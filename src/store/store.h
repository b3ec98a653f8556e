/* store.h: the SQLite store of captures, events and deduplicated stacks.
 * The only module (src/store*.c) that includes sqlite3.h. Writers get a struct vx_sink; readers get a
 * struct vx_dataset. One transaction per import: a failed or killed import leaves nothing.
 */
#ifndef VX_STORE_H
#define VX_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"

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
/*
 * store_import_begin_file - store_import_begin() for a capture that arrives as fast as it
 * is read (a regular file): into a store that holds no capture yet, the import writes through a
 * rollback journal (every page written once; the database is back in WAL mode after the
 * commit or rollback). Readers that open the database meanwhile wait for the import's
 * end instead of seeing an empty store, which is why a recording (which lasts) uses
 * store_import_begin().
 */
struct vx_sink *store_import_begin_file(struct vx_store *st, const char *source, const char *format);
/* store_import_commit - write the sink's counters into the capture and commit;
 * *@id receives the new capture id */
int store_import_commit(struct vx_store *st, int64_t *id);
/*
 * store_import_flush - write what the sink still holds and the capture's counters, keeping
 * the import's transaction open: the store's reads (store_*_each) on @st now see the new
 * capture, which store_import_filter() may thin out before store_import_commit() (or
 * store_import_rollback()). *@id receives its id. On failure the import is rolled back.
 */
int store_import_flush(struct vx_store *st, int64_t *id);
/*
 * store_import_filter - after store_import_flush(): remove from the capture being imported
 * the events of each of @spans (one skb's events between two (time, id) points, as the
 * report's journeys are cut). They are counted as filtered out by @filter (copied): the
 * commit records capture meta `filter` and `filtered` (their number, also in *@removed) and
 * counts the events left. 0, or -1 with vx_error() set (the caller rolls back).
 */
int store_import_filter(struct vx_store *st, const char *filter, const struct vx_span *spans, size_t n,
			uint64_t *removed);
/* store_import_rollback - drop the capture being imported (nothing of it remains) */
void store_import_rollback(struct vx_store *st);

/*
 * store_load - load capture @capture_id (0: every capture) with its events and the
 * stacks they use into @ds (which the caller releases with vx_dataset_release()).
 * @with_events false loads the captures only.
 */
int store_load(struct vx_store *st, int64_t capture_id, bool with_events, struct vx_dataset *ds);

/* ---- streaming reads (src/store/store-read.c): the report's queries, in bounded memory ----
 *
 * Each *_each() runs one query and calls @fn once per row, in the order it names. What @fn
 * receives is borrowed: every pointer in it (strings, frames, the row) is valid only during
 * that call; @fn copies what it keeps. @fn returns 0 to go on; any other value stops the
 * query and is returned. A query that fails, also after its last row, returns -1 with
 * SQLite's own message in vx_error() ("database disk image is malformed").
 * @capture_id 0 means every capture.
 */

/* store_read_begin/end - one read transaction around several reads (they nest), so that
 * an import running meanwhile is either wholly visible to all of them or not at all */
int store_read_begin(struct vx_store *st);
void store_read_end(struct vx_store *st);

/* the row a store_rec_fn is looking at */
struct store_row;
typedef int (*store_rec_fn)(void *arg, const struct vx_rec *r, struct store_row *row);

/*
 * store_row_fields - the one reader of an event's own fields (skbaddr, err, msg, ...):
 * decodes the fields of @row into an array in @a (strings too; @a's owner frees them with
 * the arena), sets *@out and returns how many. Callbacks' vx_rec arrive without fields.
 */
size_t store_row_fields(struct store_row *row, struct arena *a, struct vx_field **out);

/* store_paths_each - the distinct (event name, stack) pairs of each capture, events without a
 * stack among them (stack_id 0, no frames): count and first event of each, with the stack's
 * frames; in (capture, first event) order */
int store_paths_each(struct vx_store *st, int64_t capture_id,
		     int (*fn)(void *arg, const struct vx_path_row *p), void *arg);
/* store_events_by_skb_each - the events that carry an skb address, in (capture, skb, time,
 * id) order, through index events_capture_skb_ts; store_row_fields() gives their fields */
int store_events_by_skb_each(struct vx_store *st, int64_t capture_id, store_rec_fn fn, void *arg);
/* store_events_each - every event in (capture, time, id) order */
int store_events_each(struct vx_store *st, int64_t capture_id, store_rec_fn fn, void *arg);
/* store_route_events_each - the events route requests are made of (fib*, netlink:*,
 * probe:* and kprobes:* names), in (capture, time, id) order */
int store_route_events_each(struct vx_store *st, int64_t capture_id, store_rec_fn fn, void *arg);

/*
 * struct store_lookup - one FIB lookup as the analysis parsed it (report/lookups.h's struct
 * vx_lookup plus where it is: capture, event id), for a read's lookup index. Strings are
 * borrowed by store_lookups_add(), and lent to store_lookups_each()'s callback.
 */
struct store_lookup {
	int64_t capture_id, id;
	uint64_t ts_ns;
	int cpu, table, ipv6, proto, sport, dport, err;
	const char *src, *dst, *dev, *gw;
};

/*
 * store_lookups_reset - start an empty lookup index on this connection (a temporary table:
 * on disk through SQLite's temp store, gone with the connection; the main database is not
 * written, so a read-only store works). store_lookups_add() appends one lookup, until the
 * first store_lookups_each() indexes them; a reset starts over. 0, or -1 with vx_error().
 */
int store_lookups_reset(struct vx_store *st);
int store_lookups_add(struct vx_store *st, const struct store_lookup *l);
/*
 * store_fib_lookups_in - the FIB lookup events (fib:fib_table_lookup, fib6:fib6_table_lookup)
 * of @capture_id on @cpu with a time in [@lo, @hi], newest or oldest first, to @fn (with the
 * row for store_row_fields()) until it returns non-zero; through the (capture, time) index,
 * for the few windows a report's kept journeys ask about. 0, @fn's value, or -1.
 */
int store_fib_lookups_in(struct vx_store *st, int64_t capture_id, int cpu, uint64_t lo, uint64_t hi,
			 bool newest_first, store_rec_fn fn, void *arg);
/*
 * store_lookups_each - the kept lookups of @capture_id on @cpu with a time in [@lo, @hi] to
 * @fn, newest first or oldest first, until @fn returns non-zero (its strings are borrowed for
 * the call). Which of them counts is the caller's rule (report/lookups.h). The first call
 * indexes the lookups; no add after it. Returns 0, @fn's value, or -1 with vx_error() set.
 */
int store_lookups_each(struct vx_store *st, int64_t capture_id, int cpu, uint64_t lo, uint64_t hi,
		       bool newest_first, int (*fn)(void *arg, const struct store_lookup *l), void *arg);
/* store_lookups_release - finalize the index's statements (store_close() calls it) */
void store_lookups_release(struct vx_store *st);

/* store_event_fields - the fields of event @id, as store_row_fields() gives them (*@out in
 * @a, *@n of them); for the few events a report keeps after a stream has moved on */
int store_event_fields(struct vx_store *st, int64_t id, struct arena *a, struct vx_field **out, size_t *n);

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

/* what store_merge() did with one capture of the other database */
struct store_merged {
	int64_t from_id;	/* its id there */
	int64_t id;		/* its id here; 0 when skipped */
	int64_t dup_of;		/* skipped: the capture here that is the same one (boot id, times, events) */
	uint64_t events;
	char host[256];		/* meta hostname (or the --host given), "" when unknown */
	char boot_id[64];	/* meta boot_id, "" when unknown */
};

/*
 * store_merge - import the captures of the vxanalyze database @path into @st in one
 * transaction: each capture with its metadata and events, the strings, stacks and field sets
 * they use mapped onto @st's. A capture @st holds already (same boot id, first and last event
 * time and event count) is skipped (dup_of), never copied twice. @host: meta "hostname" for
 * the captures that have none, or NULL. *@out (malloc'd, caller frees) says per capture what
 * happened, *@n how many. -1 with vx_error() (another schema version, a damaged file with
 * SQLite's own message, ...) and nothing imported.
 */
int store_merge(struct vx_store *st, const char *path, const char *host, struct store_merged **out, size_t *n);

/* store_capture_delete - remove capture @id with its events (unused stacks stay) */
int store_capture_delete(struct vx_store *st, int64_t id);

#endif
