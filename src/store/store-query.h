/* store-query.h: read-only SQL on the store for `vxanalyze query`, and the SQLite version.
 * Rows arrive through callbacks as typed values; the caller formats them. Must not: print,
 * or run anything that writes (the database is opened read-only: SQLite refuses writes).
 */
#ifndef VX_STORE_QUERY_H
#define VX_STORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum vx_qtype { VX_Q_NULL, VX_Q_INT, VX_Q_REAL, VX_Q_TEXT, VX_Q_BLOB };

/* struct vx_qvalue - one cell; @text is the value as SQLite prints it (blobs: their bytes),
 * valid only during the callback */
struct vx_qvalue {
	enum vx_qtype type;
	int64_t i;
	double d;
	const char *text;	/* "" for NULL */
	size_t len;
};

struct vx_query_cb {
	/* columns - once, before the first row: the @n column names */
	int (*columns)(void *ctx, size_t n, const char *const *names);
	/* row - each row; a negative return stops the query with that status */
	int (*row)(void *ctx, size_t n, const struct vx_qvalue *v);
	void *ctx;
};

/*
 * store_query - run one SQL statement on @st (open it read-only with store_open(path, true))
 * and hand every row to @cb. Returns the number of rows, or -1 with vx_error() set to
 * SQLite's own message (bad SQL, a write refused: "attempt to write a readonly database")
 * or when @sql holds more than one statement.
 */
int64_t store_query(struct vx_store *st, const char *sql, const struct vx_query_cb *cb);

/* store_sqlite_version - sqlite3_libversion(): the SQLite library running, static */
const char *store_sqlite_version(void);

#endif
