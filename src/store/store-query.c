/* store-query.c: read-only SQL for `vxanalyze query` (see store-query.h). The connection is
 * the store's own, opened with SQLITE_OPEN_READONLY and its schema checked to be vxanalyze's
 * (store-guard.c); this file adds the refusal of statements that write outside the database
 * (VACUUM INTO, ATTACH of a new file), change how it is kept (journal_mode) or read
 * (trusted_schema), or hand out pointers (fts3_tokenizer).
 */
#include "store-query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store-internal.h"
#include "store-private.h"
#include "core/xalloc.h"

const char *store_sqlite_version(void)
{
	return sqlite3_libversion();
}

/* the authorizer's context: why it refused, for the message */
struct query_auth {
	struct vx_store *st;
	char why[160];
};

/* refuse - SQLITE_DENY, and the one-line reason "@what@arg@tail" for the message */
static int refuse(struct query_auth *q, const char *what, const char *arg, const char *tail)
{
	snprintf(q->why, sizeof(q->why), "%s%s%s", what, arg ? arg : "", tail);
	return SQLITE_DENY;
}

/* a read-only connection still lets VACUUM INTO write a new file and ATTACH open one */
static int authorize(void *ctx, int action, const char *a, const char *b, const char *c, const char *d)
{
	struct query_auth *q = ctx;

	switch (action) {
	case SQLITE_READ:	/* d: a view or a WITH of the query; the only view is vxanalyze's own,
				 * the schema was checked at the opening */
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		if (a && !strcmp(a, "writable_schema"))
			return SQLITE_DENY;
		/* journal_mode=X would rewrite the file (read-only: "disk I/O error") */
		if (a && b && (!strcmp(a, "journal_mode") || !strcmp(a, "trusted_schema")))
			return refuse(q, !strcmp(a, "journal_mode") ? "PRAGMA journal_mode=" : "PRAGMA trusted_schema=",
				      b, ": the database is opened read-only and query only reads");
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		if (store_authorize(q->st, action, a, b, c, d) != SQLITE_OK)
			return refuse(q, "", b, "(): not available in query");
		return SQLITE_OK;
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return SQLITE_DENY;
	default:	/* writes: SQLite refuses them itself ("attempt to write a readonly database") */
		return SQLITE_OK;
	}
}

static int step_rows(struct vx_store *st, sqlite3_stmt *s, const struct vx_query_cb *cb, int64_t *rows)
{
	size_t n = (size_t)sqlite3_column_count(s);
	struct vx_qvalue *v = xcalloc(n ? n : 1, sizeof(*v));
	const char **names = xcalloc(n ? n : 1, sizeof(*names));
	int rc, ret = 0;

	for (size_t i = 0; i < n; i++)
		names[i] = sqlite3_column_name(s, (int)i);
	if (cb->columns && (ret = cb->columns(cb->ctx, n, names)) < 0)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (size_t i = 0; i < n; i++) {
			int t = sqlite3_column_type(s, (int)i);

			v[i] = (struct vx_qvalue){ .type = VX_Q_NULL, .text = "" };
			if (t == SQLITE_NULL)
				continue;
			v[i].type = t == SQLITE_INTEGER ? VX_Q_INT : t == SQLITE_FLOAT ? VX_Q_REAL :
				    t == SQLITE_BLOB ? VX_Q_BLOB : VX_Q_TEXT;
			v[i].i = sqlite3_column_int64(s, (int)i);
			v[i].d = sqlite3_column_double(s, (int)i);
			if (t == SQLITE_BLOB) {
				v[i].text = sqlite3_column_blob(s, (int)i);
				v[i].len = (size_t)sqlite3_column_bytes(s, (int)i);
				if (!v[i].text)
					v[i].text = "";
			} else {
				v[i].text = (const char *)sqlite3_column_text(s, (int)i);
				v[i].len = (size_t)sqlite3_column_bytes(s, (int)i);
			}
		}
		(*rows)++;
		if (cb->row && (ret = cb->row(cb->ctx, n, v)) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = vx_error("%s", sqlite3_errmsg(store_sqlite(st)));
out:
	free(v);
	free(names);
	return ret;
}

int64_t store_query(struct vx_store *st, const char *sql, const struct vx_query_cb *cb)
{
	sqlite3 *db = store_sqlite(st);
	sqlite3_stmt *s = NULL, *next = NULL;
	const char *tail = NULL, *tail2 = NULL;
	struct query_auth q = { st, "" };
	int64_t rows = 0;
	int ret;

	/* only SQLite's own checks and the authorizer decide; nothing here parses SQL. The
	 * events view needs a trusted schema (json_replace() is not innocuous): the schema is
	 * exactly vxanalyze's, checked when the store was opened */
	sqlite3_set_authorizer(db, authorize, &q);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 1, NULL);
	if (sqlite3_prepare_v2(db, sql, -1, &s, &tail) != SQLITE_OK) {
		ret = vx_error("%s", q.why[0] ? q.why : sqlite3_errmsg(db));
		goto out;
	}
	if (!s) {
		ret = vx_error("no SQL statement given");
		goto out;
	}
	/* the rest may be blanks, ';' and comments; a second statement is refused */
	if (tail && *tail) {
		if (sqlite3_prepare_v2(db, tail, -1, &next, &tail2) != SQLITE_OK) {
			ret = vx_error("%s", q.why[0] ? q.why : sqlite3_errmsg(db));
			goto out;
		}
		if (next) {
			ret = vx_error("one SQL statement at a time (a second one starts at \"%.40s\")", tail);
			goto out;
		}
	}
	ret = step_rows(st, s, cb, &rows);
out:
	sqlite3_finalize(next);
	sqlite3_finalize(s);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_set_authorizer(db, store_authorize, st);
	return ret < 0 ? -1 : rows;
}
