/* store-import-int.h: what the import's two sides share (store-import.c, the producer that
 * interns and queues rows; store-writer.c, the queue and the writer thread that inserts them):
 * the import's state and the rows in flight. Must not: be included outside src/store.
 */
#ifndef VX_STORE_IMPORT_INT_H
#define VX_STORE_IMPORT_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store-internal.h"

#define BATCH_OPS 4096
/* the first batch goes at this size: the writer starts while the parser is still at the
 * capture's first events, not a whole batch later */
#define FIRST_BATCH_OPS 512
#define BATCH_BYTES (1u << 20)
#define QUEUE_BATCHES 4		/* batches in flight: bounds the import's memory */
#define FS_MAX_KEYS 64		/* fields per event tracked for varying values */
/* once an event has this many field sets, a field that changed in a quarter of them varies */
#define FS_VARYING_AFTER 64
#define NO_STR UINT32_MAX
#define MULTI_ROWS 128		/* events per INSERT statement: less per-statement work per row */

enum op_type { OP_EVENT, OP_STACK, OP_STRING, OP_FIELDSET, OP_META };

/* one row for the writer; strings live in the batch's buffer (len NO_STR: NULL) */
struct op {
	int type;
	int64_t i[10];
	uint32_t off[5], len[5];
};

struct batch {
	struct op *ops;
	size_t nops;
	struct strbuf buf;
	bool end;
	struct batch *next;
};

/* a recently used field set of an event name, to recognise it without the full hash: per
 * field its kind byte, key and (for constant fields) value, each NUL-terminated */
struct fs_recent {
	int64_t id;
	size_t nfields;
	struct strbuf sig;
};

/* a power of two: the slot is chosen by a quick hash of the kinds and constant values, so
 * that the dozen sets of fib_table_lookup (one per table and result) each keep their own */
#define FS_RECENT 64

/* per event name: which field positions vary per event (their values go to event_rows.vals) */
struct name_state {
	uint64_t key_hash[FS_MAX_KEYS], val_hash[FS_MAX_KEYS];
	uint32_t changes[FS_MAX_KEYS];
	uint32_t nsets;
	uint64_t varying;	/* bit i: field i varies when its key is vkey[i] */
	char *vkey[FS_MAX_KEYS];
	struct fs_recent recent[FS_RECENT];
};

struct vx_import {
	struct vx_store *st;
	struct vx_sink sink;
	int64_t capture_id;
	/* producer side */
	struct vx_hash strings, fieldsets, stacks, raw;
	int64_t next_string, next_fieldset, next_stack;
	struct last_string {
		struct strbuf text;
		int64_t id;
	} last[3];
	struct vx_hash names;	/* name id → index in @ns */
	struct name_state *ns;
	size_t nns, ns_alloc;
	struct batch *cur;
	struct strbuf tmp, vals, fsjson;
	uint64_t first_ts, last_ts;
	char *kernel_release;
	bool flushed;		/* store_import_flush(): written, transaction still open */
	char *filter;		/* store_import_filter(): the expression, NULL without one */
	uint64_t filtered;	/* events it removed */
	bool failed;		/* the writer failed: every further event fails */
	bool rollback_journal;	/* into an empty store: the import runs in rollback-journal
				 * mode, WAL again after its commit or rollback */
	/* the queue */
	pthread_mutex_t mu;
	pthread_cond_t cv_full, cv_free;
	struct batch *full, *full_tail, *free_list;
	size_t nbatches;
	pthread_t writer;
	bool writer_running;	/* the writer thread exists (started by the first batch_push) */
	bool writer_done;	/* joined, or could not start: nothing more is written */
	/* writer side (writer thread only while it runs) */
	sqlite3_stmt *ins_event, *ins_events, *ins_stack, *ins_string, *ins_fieldset, *ins_meta;
	bool werr;
	char werrmsg[512];
};

/* ---- store-writer.c: the queue between the producer and the writer thread ---- */

/* op_new - a new row of @type at the end of the current batch (a full batch goes to the
 * writer first, which starts with the first one); op_str - its string @k, copied */
struct op *op_new(struct vx_import *im, int type);
void op_str(struct vx_import *im, struct op *o, int k, const char *s, size_t len);
/* writer_statements - the writer's statements, the capture id bound; 0, or -1 */
int writer_statements(struct vx_import *im);
/* writer_finish - flush what is queued and wait for the writer; 0, or -1 with vx_error() */
int writer_finish(struct vx_import *im);
/* writer_release - stop the writer (what it did not write is dropped), free the batches and
 * the statements */
void writer_release(struct vx_import *im);

#endif
