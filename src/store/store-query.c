/* store-query.c: read-only SQL for `vxanalyze query` (see store-query.h). The connection is
 * the store's own, opened with SQLITE_OPEN_READONLY; this file adds the refusal of
 * statements that write outside the database (VACUUM INTO, ATTACH of a new file).
 */
#include "store-query.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store-private.h"
#include "core/xalloc.h"

const char *store_sqlite_version(void)
{
	return sqlite3_libversion();
}

/* a read-only connection still lets VACUUM INTO write a new file and ATTACH open one */
static int authorize(void *ctx, int action, const char *a, const char *b, const char *c, const char *d)
{
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH)
		return SQLITE_DENY;
	if (action == SQLITE_PRAGMA && a && !strcmp(a, "writable_schema"))
		return SQLITE_DENY;
	return SQLITE_OK;
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
	int64_t rows = 0;
	int ret;

	/* only SQLite's own checks and the authorizer decide; nothing here parses SQL */
	sqlite3_set_authorizer(db, authorize, NULL);
	if (sqlite3_prepare_v2(db, sql, -1, &s, &tail) != SQLITE_OK) {
		ret = vx_error("%s", sqlite3_errmsg(db));
		goto out;
	}
	if (!s) {
		ret = vx_error("no SQL statement given");
		goto out;
	}
	/* the rest may be blanks, ';' and comments; a second statement is refused */
	if (tail && *tail) {
		if (sqlite3_prepare_v2(db, tail, -1, &next, &tail2) != SQLITE_OK) {
			ret = vx_error("%s", sqlite3_errmsg(db));
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
	sqlite3_set_authorizer(db, NULL, NULL);
	return ret < 0 ? -1 : rows;
}
