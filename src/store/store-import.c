/* store-import.c: writing one capture into the store: the import sink (see store.h).
 * The producer's thread interns what repeats (strings, stacks, field sets) and queues compact
 * rows for the writer thread (store-writer.c); begin, flush, filter, commit and rollback.
 * Must not: parse capture formats, print, or hold more than QUEUE_BATCHES batches of rows.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "core/json.h"
#include "store-internal.h"
#include "store-import-int.h"

/* ---- interning, in the producer's thread ---- */

static int64_t string_id_hashed(struct vx_import *im, const char *s);

/* id of @s in the strings table, queued for insertion when new; 0 for NULL. @role (0..2:
 * name, comm, dev) keeps the last string of each kind: most events repeat it */
static int64_t string_id(struct vx_import *im, int role, const char *s)
{
	struct last_string *last = &im->last[role];
	int64_t id;

	if (!s)
		return 0;
	if (last->id && !strcmp(last->text.buf, s))
		return last->id;
	id = string_id_hashed(im, s);
	strbuf_reset(&last->text);
	strbuf_addstr(&last->text, s);
	last->id = id;
	return id;
}

static int64_t string_id_hashed(struct vx_import *im, const char *s)
{
	size_t n;
	uint64_t h;
	int64_t id;

	n = strlen(s);
	h = vx_hash64(VX_HASH_INIT, s, n);
	id = index_get(&im->strings, h);
	if (id)
		return id;
	id = im->next_string++;
	index_put(&im->strings, h, id);
	struct op *o = op_new(im, OP_STRING);

	o->i[0] = id;
	op_str(im, o, 0, s, n);
	return id;
}

static int64_t stack_id_for(struct vx_import *im, const struct vx_event *ev)
{
	char sym[256];
	size_t depth = 0, nframes = ev->nframes;
	uint64_t raw;

	if (!nframes)
		return 0;
	/* the innermost VX_MAX_FRAMES of a deeper stack, counted */
	if (nframes > VX_MAX_FRAMES) {
		nframes = VX_MAX_FRAMES;
		im->sink.stacks_cut++;
	}
	/* most events repeat a stack seen before: recognise the raw frames (or the producer's
	 * key for them) before paying for normalisation; this index lives for one import */
	if (ev->stack_key) {
		raw = vx_hash64(0x5354414b4b455931ULL, &ev->stack_key, sizeof(ev->stack_key));
	} else {
		raw = VX_HASH_INIT;
		for (size_t i = 0; i < nframes; i++)
			raw = ev->frames[i] ? vx_hash64(raw, ev->frames[i], strlen(ev->frames[i]) + 1) : raw;
		raw = vx_hash64(raw, &nframes, sizeof(nframes));
	}
	int64_t id = index_get(&im->raw, raw);

	if (id)
		return id > 0 ? id : 0;
	strbuf_reset(&im->tmp);
	for (size_t i = 0; i < nframes; i++) {
		if (!ev->frames[i] || vx_frame_normalize(ev->frames[i], sym, sizeof(sym)) != 0)
			continue;
		if (depth++)
			strbuf_addch(&im->tmp, '\n');
		strbuf_addstr(&im->tmp, sym);
	}
	if (!depth) {
		index_put(&im->raw, raw, -1);	/* nothing left after normalisation: no stack */
		return 0;
	}
	uint64_t h = vx_hash64(VX_HASH_INIT, im->tmp.buf, im->tmp.len);

	id = index_get(&im->stacks, h);
	if (!id) {
		struct op *o = op_new(im, OP_STACK);

		id = im->next_stack++;
		o->i[0] = id;
		o->i[1] = (int64_t)h;
		o->i[2] = (int64_t)depth;
		op_str(im, o, 0, im->tmp.buf, im->tmp.len);
		index_put(&im->stacks, h, id);
	}
	index_put(&im->raw, raw, id);
	return id;
}

/* a key that can stand in a JSON path unquoted-safe: the store rebuilds these fields from columns */
static bool plain_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

static size_t hex_u64(char *out, uint64_t v, int width)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	while ((int)n < width)
		tmp[n++] = '0';
	while (n)
		out[o++] = tmp[--n];
	out[o] = '\0';
	return o;
}

/* the SQLite printf format that turns the skb column back into @text, or NULL */
static const char *skb_format(const char *text, uint64_t skb)
{
	char buf[24];

	buf[0] = '0';
	buf[1] = 'x';
	hex_u64(buf + 2, skb, 1);
	if (!strcmp(text, buf))
		return "0x%x";
	hex_u64(buf, skb, 16);
	if (!strcmp(text, buf))
		return "%016x";
	hex_u64(buf, skb, 1);
	if (!strcmp(text, buf))
		return "%x";
	return NULL;
}

static bool len_matches(const char *text, int64_t len)
{
	char buf[24], *p = buf + sizeof(buf) - 1;
	uint64_t v = (uint64_t)len;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return !strcmp(text, p);
}

static struct name_state *name_state(struct vx_import *im, int64_t name_id)
{
	int64_t k = index_get(&im->names, (uint64_t)name_id);

	if (!k) {
		VX_GROW(im->ns, im->nns, im->ns_alloc);
		memset(&im->ns[im->nns], 0, sizeof(*im->ns));
		for (int r = 0; r < FS_RECENT; r++)
			strbuf_init(&im->ns[im->nns].recent[r].sig, 0);
		k = (int64_t)++im->nns;
		index_put(&im->names, (uint64_t)name_id, k);
	}
	return &im->ns[k - 1];
}

enum { FK_CONST, FK_VARY, FK_SKB, FK_LEN, FK_DEV };

/* does @r hold exactly the keys, kinds and constant values of @ev? */
static bool recent_matches(const struct fs_recent *r, const struct vx_event *ev, const unsigned char *kind)
{
	const char *p = r->sig.buf;

	if (!r->id || r->nfields != ev->nfields)
		return false;
	/* strcmp and the step past the string in one pass (these strings are short) */
	for (size_t i = 0; i < ev->nfields; i++) {
		const char *k = ev->fields[i].key ? ev->fields[i].key : "";

		if ((unsigned char)*p++ != kind[i])
			return false;
		while (*p && *p == *k)
			p++, k++;
		if (*p++ != *k)
			return false;
		if (kind[i] == FK_CONST) {
			const char *v = ev->fields[i].value ? ev->fields[i].value : "";

			while (*p && *p == *v)
				p++, v++;
			if (*p++ != *v)
				return false;
		}
	}
	return true;
}

static void recent_put(struct name_state *ns, unsigned slot, int64_t id, const struct vx_event *ev,
		       const unsigned char *kind)
{
	struct fs_recent *r = &ns->recent[slot];

	r->id = id;
	r->nfields = ev->nfields;
	strbuf_reset(&r->sig);
	for (size_t i = 0; i < ev->nfields; i++) {
		strbuf_addch(&r->sig, (char)kind[i]);
		strbuf_addstr(&r->sig, ev->fields[i].key ? ev->fields[i].key : "");
		strbuf_addch(&r->sig, '\0');
		if (kind[i] == FK_CONST) {
			strbuf_addstr(&r->sig, ev->fields[i].value ? ev->fields[i].value : "");
			strbuf_addch(&r->sig, '\0');
		}
	}
}

/*
 * fieldset_id - the deduplicated field set of @ev: every key in order, the values that repeat,
 * and which keys the event's own columns (skb, len, dev) give back. Values that vary per event
 * go into @im->vals as a JSON object (empty when none). Events up to FS_MAX_KEYS fields;
 * the fields beyond always vary.
 */
/* each field's kind (the columns' fields, constant, varying: @kind), the varying values as
 * the row's vals (im->vals), and a quick hash of the kinds and constant values */
static uint64_t fields_classify(struct vx_import *im, const struct name_state *ns, const struct vx_event *ev,
				int skb_i, const char *skb_fmt, int len_i, int dev_i, unsigned char *kind)
{
	static const char empty[] = "";
	uint64_t qh = 0xcbf29ce484222325ULL;	/* FNV-1a over the kinds and constant values */
	size_t nvals = 0;

	strbuf_reset(&im->vals);
	for (size_t i = 0; i < ev->nfields; i++) {
		const char *k = ev->fields[i].key ? ev->fields[i].key : empty;
		const char *v = ev->fields[i].value ? ev->fields[i].value : empty;
		int fk = (int)i == skb_i ? FK_SKB : (int)i == len_i ? FK_LEN : (int)i == dev_i ? FK_DEV : FK_CONST;

		if (fk == FK_CONST && (i >= FS_MAX_KEYS ||
				       ((ns->varying >> i & 1) && !strcmp(ns->vkey[i], k))))
			fk = FK_VARY;
		/* the skb column's print format is part of the set */
		kind[i] = (unsigned char)(fk == FK_SKB ? FK_SKB + 16 * (skb_fmt[0] == '0' ? (skb_fmt[1] == 'x' ? 1 : 2) : 3) : fk);
		qh = (qh ^ kind[i]) * 0x100000001b3ULL;
		if (fk == FK_CONST)
			for (const char *c = v; *c; c++)
				qh = (qh ^ (unsigned char)*c) * 0x100000001b3ULL;
		if (fk == FK_VARY) {
			strbuf_addch(&im->vals, nvals++ ? ',' : '{');
			json_escape(&im->vals, k);
			strbuf_addch(&im->vals, ':');
			json_escape(&im->vals, v);
		}
	}
	if (nvals)
		strbuf_addch(&im->vals, '}');
	return qh;
}

/* the field set's hash (name, keys, kinds, constant values), with each key's and constant
 * value's own hash in @kh, @vh (the first FS_MAX_KEYS) */
static uint64_t fields_hash(int64_t name_id, const struct vx_event *ev, const unsigned char *kind,
			    uint64_t *kh, uint64_t *vh)
{
	static const char empty[] = "";
	uint64_t h = vx_hash64(VX_HASH_INIT, &name_id, sizeof(name_id));

	for (size_t i = 0; i < ev->nfields; i++) {
		const char *k = ev->fields[i].key ? ev->fields[i].key : empty;
		uint64_t khash = vx_hash64(VX_HASH_INIT, k, strlen(k));

		h = vx_hash64(h, &khash, sizeof(khash));
		h = vx_hash64(h, &kind[i], 1);
		if (i < FS_MAX_KEYS)
			kh[i] = khash;
		if (kind[i] == FK_CONST) {
			const char *v = ev->fields[i].value ? ev->fields[i].value : empty;
			uint64_t vhash = vx_hash64(VX_HASH_INIT, v, strlen(v));

			h = vx_hash64(h, &vhash, sizeof(vhash));
			if (i < FS_MAX_KEYS)
				vh[i] = vhash;
		}
	}
	return h;
}

/* a new field set of the name: learn which of its fields vary */
static void fields_learn(struct name_state *ns, const struct vx_event *ev, const unsigned char *kind,
			 const uint64_t *kh, const uint64_t *vh)
{
	for (size_t i = 0; i < ev->nfields && i < FS_MAX_KEYS; i++) {
		if (kind[i] != FK_CONST)
			continue;
		if (ns->key_hash[i] == kh[i] && ns->val_hash[i] != vh[i])
			ns->changes[i]++;
		ns->key_hash[i] = kh[i];
		ns->val_hash[i] = vh[i];
		/* few values (devices, tables, a handful of addresses) stay in field sets; a field
		 * with a new value in most new sets (ports, sequence numbers) would make one set
		 * per event: its values go to event_rows.vals instead */
		if (ns->nsets >= FS_VARYING_AFTER && ns->changes[i] * 4 >= ns->nsets && !(ns->varying >> i & 1)) {
			ns->varying |= 1ULL << i;
			free(ns->vkey[i]);
			ns->vkey[i] = xstrdup(ev->fields[i].key ? ev->fields[i].key : "");
		}
	}
	ns->nsets++;
}

/* a new field set @id (hash @h) queued for the writer: its JSON, and its columns' keys */
static void fields_queue(struct vx_import *im, int64_t id, uint64_t h, const struct vx_event *ev,
			 const unsigned char *kind, int skb_i, const char *skb_fmt, int len_i, int dev_i)
{
	static const char empty[] = "";
	struct op *o;

	strbuf_reset(&im->fsjson);
	strbuf_addch(&im->fsjson, '{');
	for (size_t i = 0; i < ev->nfields; i++) {
		if (i)
			strbuf_addch(&im->fsjson, ',');
		json_escape(&im->fsjson, ev->fields[i].key ? ev->fields[i].key : empty);
		strbuf_addch(&im->fsjson, ':');
		json_escape(&im->fsjson, kind[i] == FK_CONST && ev->fields[i].value ? ev->fields[i].value : empty);
	}
	strbuf_addch(&im->fsjson, '}');
	o = op_new(im, OP_FIELDSET);
	o->i[0] = id;
	o->i[1] = (int64_t)h;
	op_str(im, o, 0, im->fsjson.buf, im->fsjson.len);
	if (skb_i >= 0) {
		op_str(im, o, 1, ev->fields[skb_i].key, strlen(ev->fields[skb_i].key));
		op_str(im, o, 2, skb_fmt, strlen(skb_fmt));
	}
	if (len_i >= 0)
		op_str(im, o, 3, ev->fields[len_i].key, strlen(ev->fields[len_i].key));
	if (dev_i >= 0)
		op_str(im, o, 4, ev->fields[dev_i].key, strlen(ev->fields[dev_i].key));
}

static int64_t fieldset_id(struct vx_import *im, int64_t name_id, const struct vx_event *ev,
			   int skb_i, const char *skb_fmt, int len_i, int dev_i)
{
	struct name_state *ns = name_state(im, name_id);
	unsigned char kind_small[FS_MAX_KEYS], *kind = kind_small;
	uint64_t kh[FS_MAX_KEYS], vh[FS_MAX_KEYS], qh, h;
	unsigned slot;
	int64_t id;

	if (ev->nfields > FS_MAX_KEYS)
		kind = xmalloc(ev->nfields);
	qh = fields_classify(im, ns, ev, skb_i, skb_fmt, len_i, dev_i, kind);
	/* the few sets an event repeats each have their slot: one comparison recognises them */
	slot = (unsigned)(qh ^ qh >> 29) & (FS_RECENT - 1);
	if (recent_matches(&ns->recent[slot], ev, kind)) {
		id = ns->recent[slot].id;
		goto out;
	}
	h = fields_hash(name_id, ev, kind, kh, vh);
	id = index_get(&im->fieldsets, h);
	if (!id) {
		fields_learn(ns, ev, kind, kh, vh);
		id = im->next_fieldset++;
		index_put(&im->fieldsets, h, id);
		fields_queue(im, id, h, ev, kind, skb_i, skb_fmt, len_i, dev_i);
	}
	recent_put(ns, slot, id, ev, kind);
out:
	if (kind != kind_small)
		free(kind);
	return id;
}

static int sink_event(struct vx_sink *sink, const struct vx_event *ev)
{
	struct vx_import *im = sink->priv;
	int skb_i, dev_i, len_i;
	uint64_t skb;
	const char *dev;
	int64_t len = -1;
	const char *skb_fmt = NULL;
	int64_t name_id, comm_id, dev_id, stack_id, fs_id;
	struct op *o;

	if (im->failed)
		return vx_error("%s", im->werrmsg);
	vx_event_column_fields(ev, &skb_i, &dev_i, &len_i);
	skb = skb_i >= 0 ? vx_parse_hex_u64(ev->fields[skb_i].value) : 0;
	dev = dev_i >= 0 ? ev->fields[dev_i].value : NULL;
	if (len_i >= 0) {
		char *e;
		long long n = strtoll(ev->fields[len_i].value, &e, 0);

		if (e != ev->fields[len_i].value && n >= 0)
			len = n;
	}
	/* a field is given back by a column only when the column's text is exactly the field's */
	if (skb && plain_key(ev->fields[skb_i].key))
		skb_fmt = skb_format(ev->fields[skb_i].value, skb);
	name_id = string_id(im, 0, ev->name ? ev->name : "unknown:unknown");
	comm_id = string_id(im, 1, ev->comm);
	dev_id = string_id(im, 2, dev);
	stack_id = stack_id_for(im, ev);
	fs_id = fieldset_id(im, name_id, ev, skb_fmt ? skb_i : -1, skb_fmt,
			    len >= 0 && plain_key(ev->fields[len_i].key) &&
			    len_matches(ev->fields[len_i].value, len) ? len_i : -1,
			    dev && plain_key(ev->fields[dev_i].key) ? dev_i : -1);

	o = op_new(im, OP_EVENT);
	o->i[0] = (int64_t)ev->ts_ns;
	o->i[1] = ev->cpu;
	o->i[2] = ev->pid;
	o->i[3] = comm_id;
	o->i[4] = name_id;
	o->i[5] = dev_id;
	o->i[6] = len;
	o->i[7] = (int64_t)skb;
	o->i[8] = stack_id;
	o->i[9] = fs_id;
	if (im->vals.len)
		op_str(im, o, 0, im->vals.buf, im->vals.len);
	if (!sink->events || ev->ts_ns < im->first_ts)
		im->first_ts = ev->ts_ns;
	if (!sink->events || ev->ts_ns > im->last_ts)
		im->last_ts = ev->ts_ns;
	sink->events++;
	return 0;
}

static int sink_meta(struct vx_sink *sink, const char *key, const char *value, size_t len)
{
	struct vx_import *im = sink->priv;
	struct op *o;

	if (im->failed)
		return vx_error("%s", im->werrmsg);
	if (!strcmp(key, "kernel_release")) {
		free(im->kernel_release);
		im->kernel_release = xstrndup(value, len);
	}
	o = op_new(im, OP_META);
	op_str(im, o, 0, key, strlen(key));
	op_str(im, o, 1, value ? value : "", value ? len : 0);
	return 0;
}

/* ---- begin, commit, rollback ---- */

void store_import_free(struct vx_store *st)
{
	struct vx_import *im = st->imp;

	if (!im)
		return;
	writer_release(im);
	vx_hash_release(&im->strings);
	vx_hash_release(&im->fieldsets);
	vx_hash_release(&im->stacks);
	vx_hash_release(&im->raw);
	vx_hash_release(&im->names);
	for (size_t n = 0; n < im->nns; n++) {
		for (int r = 0; r < FS_RECENT; r++)
			strbuf_release(&im->ns[n].recent[r].sig);
		for (int k = 0; k < FS_MAX_KEYS; k++)
			free(im->ns[n].vkey[k]);
	}
	free(im->ns);
	for (int r = 0; r < 3; r++)
		strbuf_release(&im->last[r].text);
	strbuf_release(&im->tmp);
	strbuf_release(&im->vals);
	strbuf_release(&im->fsjson);
	free(im->kernel_release);
	free(im->filter);
	pthread_mutex_destroy(&im->mu);
	pthread_cond_destroy(&im->cv_full);
	pthread_cond_destroy(&im->cv_free);
	free(im);
	st->imp = NULL;
}

static void now_iso(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* load @sql's (hash-or-text, id) rows into @ix; *@next is one past the largest id.
 * @text: column 0 is text to hash. 0, or -1 with the database's error. */
int store_load_index(struct vx_store *st, const char *sql, bool text, struct vx_hash *ix, int64_t *next)
{
	sqlite3_stmt *s;
	int rc;

	*next = 1;
	if (store_prepare(st, sql, &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 1);
		uint64_t h;

		if (text)
			h = vx_hash64(VX_HASH_INIT, sqlite3_column_text(s, 0), (size_t)sqlite3_column_bytes(s, 0));
		else
			h = (uint64_t)sqlite3_column_int64(s, 0);
		index_put(ix, h, id);
		if (id >= *next)
			*next = id + 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_error(st, "cannot read the store");
	return 0;
}

/* 1 when the store holds no capture at all, 0 when it does, -1 on error */
static int store_is_empty(struct vx_store *st)
{
	sqlite3_stmt *s;
	int rc, n = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT EXISTS (SELECT 1 FROM captures)", -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n < 0 ? -1 : !n;
}

/* the end of an import that ran in rollback-journal mode: the database goes back to WAL
 * (if another connection holds it open right now, the next store_open() does it) */
static void journal_restore(struct vx_store *st, bool rollback_journal)
{
	if (rollback_journal)
		store_journal_mode(st, "wal");
}

/* the capture's row; its id into im->capture_id. 0, or -1 with vx_error() set */
static int capture_row(struct vx_import *im, const char *source, const char *format)
{
	struct vx_store *st = im->st;
	sqlite3_stmt *s;
	char when[32];
	int rc;

	now_iso(when, sizeof(when));
	if (store_prepare(st, "INSERT INTO captures(source, format, imported_at) VALUES(?,?,?)", &s) < 0)
		return -1;
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, format, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, when, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_error(st, "cannot create capture");
	im->capture_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* a new import's state, owned by @st from now on (store_import_free() frees it) */
static struct vx_import *import_new(struct vx_store *st, bool rollback_journal)
{
	struct vx_import *im = xcalloc(1, sizeof(*im));

	st->imp = im;
	im->st = st;
	im->rollback_journal = rollback_journal;
	pthread_mutex_init(&im->mu, NULL);
	pthread_cond_init(&im->cv_full, NULL);
	pthread_cond_init(&im->cv_free, NULL);
	for (int r = 0; r < 3; r++)
		strbuf_init(&im->last[r].text, 0);
	strbuf_init(&im->tmp, 0);
	strbuf_init(&im->vals, 0);
	strbuf_init(&im->fsjson, 0);
	return im;
}

static struct vx_sink *import_begin(struct vx_store *st, const char *source, const char *format, bool bulk)
{
	struct vx_import *im;
	bool rollback_journal = false;

	if (st->readonly) {
		vx_error("%s: opened read-only", st->path);
		return NULL;
	}
	if (st->imp) {
		vx_error("%s: an import is already in progress", st->path);
		return NULL;
	}
	/*
	 * A whole file into a store without captures: no reader can be reading a capture, so
	 * the import may write through a rollback journal instead of the WAL. Pages past the
	 * database's end (all the events) are written once, into the database, and not
	 * journaled; the WAL would write each page twice (the WAL, then the checkpoint at the
	 * commit copying it into the database): 200 of 900 ms on a 200 MB perf.data. The
	 * journal keeps the import one transaction: a killed import leaves a hot journal that
	 * the next opening rolls back (store_open() then sets WAL again). The mode changes only
	 * when no other connection has the database open; otherwise the import uses the WAL.
	 */
	if (bulk && store_is_empty(st) == 1 && store_journal_mode(st, "delete") == 0)
		rollback_journal = true;
	else	/* WAL, if such an import's end found this connection open and could not set it */
		store_journal_mode(st, "wal");
	/* IMMEDIATE: take the write lock now, not at the first event */
	if (store_exec(st, "BEGIN IMMEDIATE") < 0) {
		journal_restore(st, rollback_journal);
		return NULL;
	}
	im = import_new(st, rollback_journal);
	if (capture_row(im, source, format) < 0)
		goto fail;
	/* The indexes stay while loading, even into an empty store: events arrive nearly in
	 * time order (an append to events_capture_ts) and a capture reuses a few thousand skb
	 * addresses at most (as many insertion points in events_capture_skb_ts), so the writer
	 * thread keeps them up to date while the producer parses. Dropping them and building
	 * them at the end measured slower: CREATE INDEX sorted the 630k events of a 200 MB
	 * perf.data in 0.29 s and 0.61 s, after the parse and on one core, more than the whole
	 * writer thread's index upkeep; and it took more memory. */
	if (store_load_index(st, "SELECT text, id FROM strings", true, &im->strings, &im->next_string) < 0 ||
	    store_load_index(st, "SELECT hash, id FROM fieldsets", false, &im->fieldsets, &im->next_fieldset) < 0 ||
	    store_load_index(st, "SELECT hash, id FROM stacks", false, &im->stacks, &im->next_stack) < 0)
		goto fail;
	/* a 16 MiB page cache while importing (the default 2 MiB spills pages to the -wal and
	 * reads them back); bounded, as are the batches in flight */
	if (store_exec(st, "PRAGMA cache_size=-16384") < 0 || writer_statements(im) < 0)
		goto fail;
	/* the writer thread starts with the first batch (batch_push) */
	im->sink.event = sink_event;
	im->sink.meta = sink_meta;
	im->sink.priv = im;
	return &im->sink;
fail:
	store_import_rollback(st);
	return NULL;
}

struct vx_sink *store_import_begin(struct vx_store *st, const char *source, const char *format)
{
	return import_begin(st, source, format, false);
}

struct vx_sink *store_import_begin_file(struct vx_store *st, const char *source, const char *format)
{
	return import_begin(st, source, format, true);
}

/* the capture's row: the sink's counters (minus the events a filter removed) */
static int write_counters(struct vx_import *im)
{
	struct vx_store *st = im->st;
	struct vx_sink *k = &im->sink;
	sqlite3_stmt *s;

	if (store_prepare(st, "UPDATE captures SET events=?, lost_events=?, skipped=?, truncated=?, truncated_at=?,"
			  " first_ts=?, last_ts=?, kernel_release=? WHERE id=?", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)(k->events - im->filtered));
	sqlite3_bind_int64(s, 2, (sqlite3_int64)k->lost_events);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)k->skipped);
	sqlite3_bind_int(s, 4, k->truncated);
	if (k->truncated)
		sqlite3_bind_int64(s, 5, (sqlite3_int64)k->truncated_at);
	if (k->events) {
		sqlite3_bind_int64(s, 6, (sqlite3_int64)im->first_ts);
		sqlite3_bind_int64(s, 7, (sqlite3_int64)im->last_ts);
	}
	if (im->kernel_release)
		sqlite3_bind_text(s, 8, im->kernel_release, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, im->capture_id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return store_db_error(st, "cannot finish capture");
	}
	sqlite3_finalize(s);
	return 0;
}

/* a capture_meta row, once the writer thread is done */
static int write_meta(struct vx_import *im, const char *key, const char *value)
{
	sqlite3_stmt *s = im->ins_meta;
	int rc;

	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, value, (int)strlen(value), SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_db_error(im->st, "cannot write the capture's facts");
	return 0;
}

int store_import_flush(struct vx_store *st, int64_t *id)
{
	struct vx_import *im = st->imp;

	if (!im)
		return vx_error("%s: no import in progress", st->path);
	if (writer_finish(im) < 0 || write_counters(im) < 0) {
		store_import_rollback(st);
		return -1;
	}
	im->flushed = true;
	if (id)
		*id = im->capture_id;
	return 0;
}

int store_import_filter(struct vx_store *st, const char *filter, const struct vx_span *spans, size_t n,
			uint64_t *removed)
{
	struct vx_import *im = st->imp;
	sqlite3_stmt *s;

	if (!im || !im->flushed)
		return vx_error("%s: store_import_filter() before store_import_flush()", st->path);
	/* one skb's events from (first_ts, first_id) to (last_ts, last_id), through the index
	 * event_rows(capture_id, skb, ts_ns) */
	if (store_prepare(st, "DELETE FROM event_rows WHERE capture_id = ?1 AND skb = ?2"
			  " AND ts_ns BETWEEN ?3 AND ?4 AND NOT (ts_ns = ?3 AND id < ?5)"
			  " AND NOT (ts_ns = ?4 AND id > ?6)", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, im->capture_id);
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 2, (sqlite3_int64)spans[i].skb);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)spans[i].first_ts);
		sqlite3_bind_int64(s, 4, (sqlite3_int64)spans[i].last_ts);
		sqlite3_bind_int64(s, 5, spans[i].first_id);
		sqlite3_bind_int64(s, 6, spans[i].last_id);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_finalize(s);
			return store_db_error(st, "cannot remove the events the filter leaves out");
		}
		im->filtered += (uint64_t)sqlite3_changes(st->db);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	free(im->filter);
	im->filter = xstrdup(filter);
	*removed = im->filtered;
	return 0;
}

int store_import_commit(struct vx_store *st, int64_t *id)
{
	struct vx_import *im = st->imp;
	bool rollback_journal;

	if (!im)
		return vx_error("%s: no import in progress", st->path);
	if (writer_finish(im) < 0 || write_counters(im) < 0)
		goto fail;
	if (im->filter) {
		char n[32];

		snprintf(n, sizeof(n), "%llu", (unsigned long long)im->filtered);
		if (write_meta(im, "filter", im->filter) < 0 || write_meta(im, "filtered", n) < 0)
			goto fail;
	}
	if (im->sink.stacks_cut) {
		char n[32];

		snprintf(n, sizeof(n), "%llu", (unsigned long long)im->sink.stacks_cut);
		if (write_meta(im, "stacks_cut", n) < 0)
			goto fail;
	}
	if (id)
		*id = im->capture_id;
	rollback_journal = im->rollback_journal;
	store_import_free(st);
	if (store_exec(st, "COMMIT") < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		journal_restore(st, rollback_journal);
		return -1;
	}
	journal_restore(st, rollback_journal);
	return 0;
fail:
	store_import_rollback(st);
	return -1;
}

void store_import_rollback(struct vx_store *st)
{
	bool rollback_journal;

	if (!st->imp)
		return;
	rollback_journal = st->imp->rollback_journal;
	store_import_free(st);
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	journal_restore(st, rollback_journal);
}
