/* store-guard.c: what a database file may make vxanalyze do (see store-internal.h). Every
 * connection opens its file by a name SQLite never reads as a URI, runs defensive with an
 * untrusted schema, lets the store's statements touch only the store's own tables, and
 * checks that the file's schema is exactly the one vxanalyze creates. The source of a merge
 * is read immutable, with a bound on time and on the size of a value.
 * Must not: roll back a journal, write beside a file that is not the target, or let SQL
 * stored in a file (a view, a trigger) run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "store-internal.h"

/* a merge source may take this long, plus a second per FOREIGN_BYTES_PER_S of its size */
#define FOREIGN_BASE_SECONDS 60.0
#define FOREIGN_BYTES_PER_S (4.0 * 1024 * 1024)
/* the environment variable that sets the bound instead (seconds) */
#define FOREIGN_TIMEOUT_ENV "VXANALYZE_IMPORT_TIMEOUT"

char *store_uri(const char *path, const char *params)
{
	struct strbuf u = STRBUF_INIT;

	/* "file:///abs": a path starting with "//" must not be read as a host name */
	strbuf_addstr(&u, path[0] == '/' ? "file://" : "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			strbuf_addf(&u, "%%%02X", (unsigned char)*p);
		else
			strbuf_addch(&u, *p);
	}
	if (params) {
		strbuf_addch(&u, '?');
		strbuf_addstr(&u, params);
	}
	return strbuf_detach(&u, NULL);
}

/* ---- what lies beside the file ---- */

static const unsigned char journal_magic[8] = { 0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7 };

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * journal_super - a rollback journal ends with the name of its super-journal when it is
 * one of a multi-file transaction: the name, its length, a checksum and the journal magic
 * (SQLite's readSuperJournal()). Rolling such a journal back deletes the super-journal when
 * no other journal points at it, whatever file the name points at. 1 with the name in @name
 * (cut to @n), 0 when the journal names none.
 */
static int journal_super(int fd, off_t size, char *name, size_t n)
{
	unsigned char tail[16];
	uint32_t len;
	ssize_t r;

	if (size < 16 || pread(fd, tail, sizeof(tail), size - 16) != (ssize_t)sizeof(tail) ||
	    memcmp(tail + 8, journal_magic, sizeof(journal_magic)))
		return 0;
	len = be32(tail);
	if (!len || (off_t)len > size - 16)
		return 0;
	if (len >= n)
		len = (uint32_t)n - 1;
	r = pread(fd, name, len, size - 16 - (off_t)be32(tail));
	name[r > 0 ? r : 0] = '\0';
	return 1;
}

/* what a journal beside a file to be written may be: a hot one of our own is rolled back by
 * SQLite; one that names a super-journal is not ours and would delete that file */
static int check_journal_for_write(const char *path, const char *journal, int fd, off_t size)
{
	char super[512];

	if (!journal_super(fd, size, super, sizeof(super)))
		return 0;
	return vx_error("%s: %s names another file (%s) that rolling it back would delete; vxanalyze never writes such a journal, so it did not open the database: move the journal away if you know where it came from",
			path, journal, super);
}

int store_files_check(const char *path, enum store_mode mode)
{
	char journal[4096], wal[4096];
	unsigned char first = 0;
	struct stat sb;
	int fd, ret = 0;

	if (mode == STORE_READ || !strcmp(path, ":memory:"))
		return 0;	/* SQLite refuses a hot journal read-only (SQLITE_READONLY_ROLLBACK) */
	snprintf(journal, sizeof(journal), "%s-journal", path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	fd = open(journal, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &sb) == 0) {
		if (mode == STORE_WRITE)
			ret = check_journal_for_write(path, journal, fd, sb.st_size);
		else if (sb.st_size > 0 && pread(fd, &first, 1, 0) == 1 && first)
			ret = vx_error("%s: an unfinished write left %s (an import killed, or one still running); nothing imported: if the database is yours, the next import into it ('vxanalyze import -d %s FILE') rolls it back, else ask for a copy without the journal",
				       path, journal, path);
	}
	if (fd >= 0)
		close(fd);
	if (!ret && mode == STORE_FOREIGN && stat(wal, &sb) == 0 && sb.st_size > 0)
		ret = vx_error("%s: %s holds writes that are not in the database file yet (a recording or import into it still running, or killed); nothing imported: when nothing writes it any more, 'sqlite3 %s \"PRAGMA wal_checkpoint(TRUNCATE)\"' moves them in",
			       path, wal, path);
	return ret;
}

/* ---- the connection's configuration ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* called by SQLite every few thousand instructions of a STORE_FOREIGN statement */
static int foreign_progress(void *ctx)
{
	struct vx_store *st = ctx;

	if (now_ns() < st->deadline_ns)
		return 0;
	st->timed_out = true;
	return 1;	/* SQLITE_INTERRUPT: store_db_error() says why */
}

/* seconds a merge source of @size bytes may take: VXANALYZE_IMPORT_TIMEOUT, else a minute
 * plus the time to read it at FOREIGN_BYTES_PER_S */
static double foreign_time_limit(int64_t size)
{
	const char *env = getenv(FOREIGN_TIMEOUT_ENV);
	char *end;
	double v;

	if (env && *env) {
		v = strtod(env, &end);
		if (!*end && v > 0)
			return v;
	}
	return FOREIGN_BASE_SECONDS + (double)(size > 0 ? size : 0) / FOREIGN_BYTES_PER_S;
}

void store_harden(struct vx_store *st, int64_t size)
{
	sqlite3 *db = st->db;
	bool foreign = st->mode == STORE_FOREIGN;

	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	if (foreign) {
		/* its statements are ours alone: none of its views or triggers may run */
		sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
		sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
		sqlite3_limit(db, SQLITE_LIMIT_LENGTH, STORE_FOREIGN_MAX_VALUE);
		st->time_limit = foreign_time_limit(size);
		st->deadline_ns = now_ns() + (uint64_t)(st->time_limit * 1e9);
		sqlite3_progress_handler(db, 4096, foreign_progress, st);
	}
	sqlite3_set_authorizer(db, store_authorize, st);
}

/* ---- the authorizer ---- */

static const char *const store_tables[] = {
	"captures", "capture_meta", "stacks", "strings", "fieldsets", "event_rows",
	"sqlite_master", "sqlite_schema", NULL,
};

static bool name_in(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* a table of the store, or one of the store's own temporary and virtual tables */
static bool own_table(const char *t)
{
	return name_in(t, store_tables) || (t && (!strcmp(t, "sqlite_temp_master") || !strcmp(t, "vx_lookups") ||
						!strncmp(t, "pragma_", 7)));
}

/* SQLITE_READ of table @t through @via: a trigger, a view or a WITH of the statement (NULL:
 * the statement itself). The schema was checked to be vxanalyze's: its one view needs a
 * trusted schema, which only `query` gives, so @via is the store's trigger or a WITH of the
 * store's own statement. A STORE_FOREIGN connection runs no view or trigger at all. */
static int authorize_read(const struct vx_store *st, const char *t, const char *via)
{
	if (st->mode == STORE_FOREIGN)	/* validation reads JSON through json_each() */
		return !via && (name_in(t, store_tables) || (t && !strcmp(t, "json_each"))) ? SQLITE_OK : SQLITE_DENY;
	if (via && !strcmp(via, "events"))
		return SQLITE_DENY;
	return own_table(t) ? SQLITE_OK : SQLITE_DENY;
}

/* the pragmas a STORE_FOREIGN connection runs */
static int authorize_foreign_pragma(const char *name, const char *arg)
{
	static const char *const read_only[] = { "user_version", "quick_check", NULL };

	if (name_in(name, read_only) || (name && !strcmp(name, "foreign_keys")))
		return SQLITE_OK;
	(void)arg;
	return SQLITE_DENY;
}

int store_authorize(void *ctx, int action, const char *a, const char *b, const char *c, const char *d)
{
	const struct vx_store *st = ctx;
	bool foreign = st->mode == STORE_FOREIGN;

	(void)c;
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
	case SQLITE_RECURSIVE:	/* the store's statements have no recursive WITH */
		return SQLITE_DENY;
	case SQLITE_FUNCTION:	/* b: the function's name */
		return b && (!strcasecmp(b, "fts3_tokenizer") || !strcasecmp(b, "load_extension")) ?
		       SQLITE_DENY : SQLITE_OK;
	case SQLITE_READ:
		return authorize_read(st, a, d);
	case SQLITE_SELECT:
	case SQLITE_TRANSACTION:
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		return foreign ? authorize_foreign_pragma(a, b) : SQLITE_OK;
	case SQLITE_UPDATE:
		/* a table-valued function (json_each) declaring its columns asks this; the
		 * schema table is never written by SQL in defensive mode */
		if (a && !strcmp(a, "sqlite_master"))
			return SQLITE_OK;
		/* fall through */
	case SQLITE_INSERT:
	case SQLITE_DELETE:
		return !foreign && own_table(a) ? SQLITE_OK : SQLITE_DENY;
	default:	/* creating the schema, the temporary lookup table and its index */
			return foreign ? SQLITE_DENY : SQLITE_OK;
	}
}

/* ---- the schema ---- */

struct schema_row {
	char *type, *name, *tbl, *sql;	/* sql NULL: an automatic index */
};

static struct schema_row *ref_rows;
static size_t ref_n;

/* an older form of a row vxanalyze created with this schema version */
static const struct schema_row ref_older[] = {
	{ "index", "events_capture_skb_ts", "event_rows",
	  "CREATE INDEX events_capture_skb_ts ON event_rows(capture_id, skb, ts_ns)" },
};

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

/* the schema as SQLite stores it after running store_schema_sql, once per process */
static void ref_build(void)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, store_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema", -1, &s, NULL) != SQLITE_OK)
		abort();	/* our own schema in memory: cannot fail but for a broken SQLite */
	while (sqlite3_step(s) == SQLITE_ROW) {
		ref_rows = xrealloc(ref_rows, (ref_n + 1) * sizeof(*ref_rows));
		ref_rows[ref_n++] = (struct schema_row){ col_dup(s, 0), col_dup(s, 1), col_dup(s, 2), col_dup(s, 3) };
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static bool str_eq(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

static bool row_eq(const struct schema_row *r, const char *type, const char *tbl, const char *sql)
{
	return str_eq(r->type, type) && str_eq(r->tbl, tbl) && str_eq(r->sql, sql);
}

/* index of the reference row @name, -1 when the schema has none of that name */
static int ref_find(const char *name)
{
	for (size_t i = 0; i < ref_n; i++)
		if (!strcmp(ref_rows[i].name, name))
			return (int)i;
	return -1;
}

/* 0 when (@type, @name, @tbl, @sql) is a row of the schema (marked in @seen), else -1 */
static int schema_row_check(struct vx_store *st, const char *type, const char *name, const char *tbl,
			    const char *sql, bool *seen)
{
	int i = name ? ref_find(name) : -1;
	bool ok = i >= 0 && row_eq(&ref_rows[i], type, tbl, sql);

	for (size_t k = 0; !ok && i >= 0 && k < sizeof(ref_older) / sizeof(ref_older[0]); k++)
		ok = !strcmp(ref_older[k].name, name) && row_eq(&ref_older[k], type, tbl, sql);
	if (!ok)
		return vx_error("%s: not a vxanalyze database: its %s %s is not one vxanalyze makes (another program made or changed it); not read",
				st->path, type ? type : "entry", name ? name : "without a name");
	seen[i] = true;
	return 0;
}

int store_schema_verify(struct vx_store *st)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	sqlite3_stmt *s;
	bool *seen;
	int rc, ret = 0;

	pthread_once(&once, ref_build);
	if (store_prepare(st, "SELECT type, name, tbl_name, sql FROM sqlite_schema", &s) < 0)
		return -1;
	seen = xcalloc(ref_n, sizeof(*seen));
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ret = schema_row_check(st, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
				       (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3), seen);
	if (!ret && rc != SQLITE_DONE)
		ret = store_db_error(st, "cannot read the schema");
	sqlite3_finalize(s);
	for (size_t i = 0; !ret && i < ref_n; i++)
		if (!seen[i])
			ret = vx_error("%s: not a vxanalyze database: it lacks the %s %s of vxanalyze's schema; not read",
				       st->path, ref_rows[i].type, ref_rows[i].name);
	free(seen);
	return ret;
}
