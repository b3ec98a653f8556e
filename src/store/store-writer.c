/* store-writer.c: the import's writer side (see store-import-int.h): batches of compact rows
 * queued by the producer, and the one thread that owns SQLite during an import and inserts
 * them, MULTI_ROWS events per statement, in the import's transaction.
 * Must not: hold more than QUEUE_BATCHES batches, or touch SQLite outside the writer thread
 * while it runs.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "store-import-int.h"

#define EVENT_INSERT "INSERT OR FAIL INTO event_rows(capture_id, ts_ns, cpu, pid, comm_id, name_id, dev_id," \
	" len, skb, stack_id, fieldset_id, vals) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"

/* ---- the queue between the producer and the writer ---- */

static struct batch *batch_new(void)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	b->ops = xmalloc(BATCH_OPS * sizeof(*b->ops));
	strbuf_init(&b->buf, BATCH_BYTES);
	return b;
}

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->ops);
	strbuf_release(&b->buf);
	free(b);
}

/* a batch to fill: a free one, a new one while fewer than QUEUE_BATCHES exist, else wait */
static struct batch *batch_get(struct vx_import *im)
{
	struct batch *b;

	pthread_mutex_lock(&im->mu);
	while (!im->free_list && im->nbatches >= QUEUE_BATCHES)
		pthread_cond_wait(&im->cv_free, &im->mu);
	if (im->free_list) {
		b = im->free_list;
		im->free_list = b->next;
	} else {
		b = batch_new();
		im->nbatches++;
	}
	pthread_mutex_unlock(&im->mu);
	b->nops = 0;
	b->end = false;
	b->next = NULL;
	strbuf_reset(&b->buf);
	return b;
}

static void *writer_main(void *arg);

/* hand the current batch to the writer (and notice whether the writer failed). The writer
 * thread starts with the first batch, not with the import: until then the process has one
 * thread, so a parser that forks a reading process (trace-dat.c) does it single-threaded
 * (a fork while another thread holds an allocator lock leaves the child waiting for it for
 * ever: seen with ASan's allocator) */
static void batch_push(struct vx_import *im, bool end)
{
	struct batch *b = im->cur;

	im->cur = NULL;
	b->end = end;
	if (!im->writer_running && !im->writer_done &&
	    pthread_create(&im->writer, NULL, writer_main, im) != 0) {
		/* nothing can be written: the import fails at its end with this */
		snprintf(im->werrmsg, sizeof(im->werrmsg), "%s: cannot start the writer thread", im->st->path);
		im->werr = im->failed = true;
		im->writer_done = true;
	} else if (!im->writer_done) {
		im->writer_running = true;
	}
	if (!im->writer_running) {	/* no writer: the batch is dropped, its memory reused */
		b->next = im->free_list;
		im->free_list = b;
		return;
	}
	pthread_mutex_lock(&im->mu);
	if (im->full_tail)
		im->full_tail->next = b;
	else
		im->full = b;
	im->full_tail = b;
	if (im->werr)
		im->failed = true;
	pthread_cond_signal(&im->cv_full);
	pthread_mutex_unlock(&im->mu);
}

struct op *op_new(struct vx_import *im, int type)
{
	struct op *o;

	if (im->cur && (im->cur->nops == (im->writer_running ? BATCH_OPS : FIRST_BATCH_OPS) ||
			im->cur->buf.len >= BATCH_BYTES))
		batch_push(im, false);
	if (!im->cur)
		im->cur = batch_get(im);
	o = &im->cur->ops[im->cur->nops++];
	o->type = type;
	for (int k = 0; k < 5; k++)
		o->len[k] = NO_STR;
	return o;
}

void op_str(struct vx_import *im, struct op *o, int k, const char *s, size_t len)
{
	if (!s)
		return;
	o->off[k] = (uint32_t)im->cur->buf.len;
	o->len[k] = (uint32_t)len;
	strbuf_add(&im->cur->buf, s, len);
}

/* ---- the writer thread ---- */

static void bind_str(sqlite3_stmt *s, int col, const struct batch *b, const struct op *o, int k, bool blob)
{
	if (o->len[k] == NO_STR)
		sqlite3_bind_null(s, col);
	else if (blob)
		sqlite3_bind_blob(s, col, b->buf.buf + o->off[k], (int)o->len[k], SQLITE_STATIC);
	else
		sqlite3_bind_text(s, col, b->buf.buf + o->off[k], (int)o->len[k], SQLITE_STATIC);
}

static void bind_int_or_null(sqlite3_stmt *s, int col, int64_t v, bool null)
{
	if (null)
		sqlite3_bind_null(s, col);
	else
		sqlite3_bind_int64(s, col, v);
}

/* bind event @o as the row whose first parameter (the capture id) is number @p */
static void bind_event(sqlite3_stmt *s, int p, const struct batch *b, const struct op *o)
{
	sqlite3_bind_int64(s, p + 1, o->i[0]);
	bind_int_or_null(s, p + 2, o->i[1], o->i[1] < 0);
	bind_int_or_null(s, p + 3, o->i[2], o->i[2] < 0);
	bind_int_or_null(s, p + 4, o->i[3], !o->i[3]);
	sqlite3_bind_int64(s, p + 5, o->i[4]);
	bind_int_or_null(s, p + 6, o->i[5], !o->i[5]);
	bind_int_or_null(s, p + 7, o->i[6], o->i[6] < 0);
	bind_int_or_null(s, p + 8, o->i[7], !o->i[7]);
	bind_int_or_null(s, p + 9, o->i[8], !o->i[8]);
	sqlite3_bind_int64(s, p + 10, o->i[9]);
	bind_str(s, p + 11, b, o, 0, false);
}

static int step_done(struct vx_import *im, sqlite3_stmt *s, const char *what)
{
	if (sqlite3_step(s) != SQLITE_DONE) {
		snprintf(im->werrmsg, sizeof(im->werrmsg), "%s: %s: %s", im->st->path, what,
			 sqlite3_errmsg(im->st->db));
		sqlite3_reset(s);
		return -1;
	}
	sqlite3_reset(s);
	return 0;
}

/* MULTI_ROWS events from @o on in one statement; 0, or -1 with im->werrmsg set */
static int write_events(struct vx_import *im, const struct batch *b, const struct op *o)
{
	for (int r = 0; r < MULTI_ROWS; r++)
		bind_event(im->ins_events, 1 + 11 * r, b, &o[r]);
	return step_done(im, im->ins_events, "cannot store an event");
}

static int write_op(struct vx_import *im, const struct batch *b, const struct op *o)
{
	sqlite3_stmt *s;
	const char *what;

	switch (o->type) {
	case OP_EVENT:
		s = im->ins_event;
		what = "cannot store an event";
		bind_event(s, 1, b, o);
		break;
	case OP_STACK:
		s = im->ins_stack;
		what = "cannot store a stack";
		sqlite3_bind_int64(s, 1, o->i[0]);
		sqlite3_bind_int64(s, 2, o->i[1]);
		sqlite3_bind_int64(s, 3, o->i[2]);
		bind_str(s, 4, b, o, 0, false);
		break;
	case OP_STRING:
		s = im->ins_string;
		what = "cannot store a string";
		sqlite3_bind_int64(s, 1, o->i[0]);
		bind_str(s, 2, b, o, 0, false);
		break;
	case OP_FIELDSET:
		s = im->ins_fieldset;
		what = "cannot store a field set";
		sqlite3_bind_int64(s, 1, o->i[0]);
		sqlite3_bind_int64(s, 2, o->i[1]);
		for (int k = 0; k < 5; k++)
			bind_str(s, 3 + k, b, o, k, false);
		break;
	case OP_META:
		s = im->ins_meta;
		what = "cannot store capture metadata";
		bind_str(s, 2, b, o, 0, false);
		bind_str(s, 3, b, o, 1, true);
		break;
	default:
		return 0;
	}
	return step_done(im, s, what);
}

static void *writer_main(void *arg)
{
	struct vx_import *im = arg;
	bool end = false, err = false;

	while (!end) {
		struct batch *b;

		pthread_mutex_lock(&im->mu);
		while (!im->full)
			pthread_cond_wait(&im->cv_full, &im->mu);
		b = im->full;
		im->full = b->next;
		if (!im->full)
			im->full_tail = NULL;
		if (im->werr)	/* failed, or rolled back: drain without writing */
			err = true;
		pthread_mutex_unlock(&im->mu);

		for (size_t i = 0; !err && i < b->nops; i++) {
			size_t run = 0;

			while (run < MULTI_ROWS && i + run < b->nops && b->ops[i + run].type == OP_EVENT)
				run++;
			if (run == MULTI_ROWS) {
				err = write_events(im, b, &b->ops[i]) < 0;
				i += MULTI_ROWS - 1;
			} else if (write_op(im, b, &b->ops[i]) < 0) {
				err = true;
			}
		}
		end = b->end;
		pthread_mutex_lock(&im->mu);
		if (err)
			im->werr = true;
		b->next = im->free_list;
		im->free_list = b;
		pthread_cond_signal(&im->cv_free);
		pthread_mutex_unlock(&im->mu);
	}
	return NULL;
}

/* flush what is queued and wait for the writer; 0, or -1 with vx_error() set */
int writer_finish(struct vx_import *im)
{
	if (im->writer_done)
		return im->werr ? vx_error("%s", im->werrmsg) : 0;
	if (!im->cur)
		im->cur = batch_get(im);
	batch_push(im, true);
	if (im->writer_running)
		pthread_join(im->writer, NULL);
	im->writer_running = false;
	im->writer_done = true;
	if (im->werr)
		return vx_error("%s", im->werrmsg);
	return 0;
}

/* the writer's statements, the capture id bound where they need it; 0, or -1 */
int writer_statements(struct vx_import *im)
{
	struct vx_store *st = im->st;
	struct strbuf sql = STRBUF_INIT;
	int ret;

	if (store_prepare(st, EVENT_INSERT, &im->ins_event) < 0 ||
	    store_prepare(st, "INSERT INTO stacks(id, hash, depth, frames) VALUES(?,?,?,?)", &im->ins_stack) < 0 ||
	    store_prepare(st, "INSERT INTO strings(id, text) VALUES(?,?)", &im->ins_string) < 0 ||
	    store_prepare(st, "INSERT INTO fieldsets(id, hash, fields, skb_key, skb_fmt, len_key, dev_key)"
			  " VALUES(?,?,?,?,?,?,?)", &im->ins_fieldset) < 0 ||
	    store_prepare(st, "INSERT OR REPLACE INTO capture_meta(capture_id, key, value) VALUES(?,?,?)",
			  &im->ins_meta) < 0)
		return -1;
	/* MULTI_ROWS rows per statement */
	strbuf_addstr(&sql, EVENT_INSERT);
	for (int r = 1; r < MULTI_ROWS; r++) {
		strbuf_addstr(&sql, ",(?1");
		for (int c = 1; c <= 11; c++)
			strbuf_addf(&sql, ",?%d", 1 + 11 * r + c);
		strbuf_addch(&sql, ')');
	}
	ret = store_prepare(st, sql.buf, &im->ins_events);
	strbuf_release(&sql);
	if (ret < 0)
		return -1;
	sqlite3_bind_int64(im->ins_event, 1, im->capture_id);
	sqlite3_bind_int64(im->ins_events, 1, im->capture_id);
	sqlite3_bind_int64(im->ins_meta, 1, im->capture_id);
	return 0;
}

void writer_release(struct vx_import *im)
{
	if (im->writer_running) {
		pthread_mutex_lock(&im->mu);
		im->werr = true;	/* nothing more is written: the transaction is dropped */
		pthread_mutex_unlock(&im->mu);
		writer_finish(im);
	}
	batch_free(im->cur);
	while (im->full) {
		struct batch *b = im->full;

		im->full = b->next;
		batch_free(b);
	}
	while (im->free_list) {
		struct batch *b = im->free_list;

		im->free_list = b->next;
		batch_free(b);
	}
	sqlite3_finalize(im->ins_event);
	sqlite3_finalize(im->ins_events);
	sqlite3_finalize(im->ins_stack);
	sqlite3_finalize(im->ins_string);
	sqlite3_finalize(im->ins_fieldset);
	sqlite3_finalize(im->ins_meta);
}
