/* clickhouse.h: a ClickHouse server over its HTTP interface (libcurl): named by a
 * clickhouse://[USER[:PASSWORD]@]HOST[:PORT][/DATABASE] URL, queries answered as
 * TabSeparated text, bulk inserts of RowBinary rows, ClickHouse's own error message as one
 * line. Knows nothing of what the tables hold (fleet-schema.c does).
 */
#ifndef VX_CLICKHOUSE_H
#define VX_CLICKHOUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"

#define CH_DEFAULT_PORT 8123
#define CH_DEFAULT_DATABASE "vxanalyze"

/* struct ch_url - a parsed URL; every string malloc'd (ch_url_release frees them) */
struct ch_url {
	char *host;		/* name, IPv4, or IPv6 without its brackets */
	int port;
	char *database;
	char *user, *password;	/* NULL when the URL names none */
};

/* ch_url_parse - @url into @out: 0, or -1 with vx_error() saying what is wrong with it */
int ch_url_parse(const char *url, struct ch_url *out);
void ch_url_release(struct ch_url *u);

struct ch_conn;

/* ch_open - a connection to the server of @u (nothing is sent yet); @use_db: queries run
 * in @u's database (off to create it). Free with ch_close() */
struct ch_conn *ch_open(const struct ch_url *u, bool use_db);
/* ch_open_peer - a connection to another server (a shard) with @c's user and database */
struct ch_conn *ch_open_peer(const struct ch_conn *c, const char *host, int port);
void ch_close(struct ch_conn *c);
/* ch_use_db - from now on queries run in the URL's database (or not) */
void ch_use_db(struct ch_conn *c, bool use_db);
/* ch_session - from now on @c's requests share one server session (a new random id), in
 * which TEMPORARY tables live until the connection is closed or the session times out */
void ch_session(struct ch_conn *c);
/* ch_name - "clickhouse://HOST:PORT/DATABASE" (no password), for messages */
const char *ch_name(const struct ch_conn *c);
const struct ch_url *ch_url_of(const struct ch_conn *c);

/* ch_query - run @sql; its answer appended to @out (may be NULL). 0, or -1 with vx_error()
 * "NAME: MESSAGE" where MESSAGE is ClickHouse's error or why the server was not reached */
int ch_query(struct ch_conn *c, const char *sql, struct strbuf *out);
/* ch_queryf - ch_query of a printf-formatted statement */
int ch_queryf(struct ch_conn *c, struct strbuf *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* ch_insert - INSERT INTO @table (@columns) FORMAT RowBinary with @len bytes of rows in
 * one POST; with @sync, a Distributed table writes to its shards before it answers. 0, or
 * -1 with the message in @err when given (another thread's insert: vx_error() is not
 * thread-safe), else in vx_error() */
int ch_insert(struct ch_conn *c, const char *table, const char *columns, const void *rows, size_t len,
	      bool sync, struct strbuf *err);

/* ch_quote - @s as a quoted ClickHouse string literal appended to @sb */
void ch_quote(struct strbuf *sb, const char *s);

/*
 * struct ch_result - a TabSeparated answer cut into cells (unescaped, NUL-terminated), row
 * by row: cell (r, c) is cells[r * ncols + c]. All in one malloc'd block each: free with
 * ch_result_release().
 */
struct ch_result {
	size_t nrows, ncols;
	char **cells;
	char *text;
};
/* ch_result_parse - cut @text (@len bytes) into @res; -1 when rows differ in columns */
int ch_result_parse(const char *text, size_t len, struct ch_result *res);
/* ch_select - ch_query + ch_result_parse of @sql (which must not name a FORMAT) */
int ch_select(struct ch_conn *c, const char *sql, struct ch_result *res);
void ch_result_release(struct ch_result *res);
static inline const char *ch_cell(const struct ch_result *r, size_t row, size_t col)
{
	return r->cells[row * r->ncols + col];
}
int64_t ch_cell_i64(const struct ch_result *r, size_t row, size_t col);
uint64_t ch_cell_u64(const struct ch_result *r, size_t row, size_t col);
double ch_cell_f64(const struct ch_result *r, size_t row, size_t col);

/* ---- RowBinary: numbers little-endian, strings and arrays prefixed by a LEB128 length ---- */
/* ch_put_le - the low @n bytes of @v, little-endian (inline: an export writes tens of
 * millions of such cells) */
static inline void ch_put_le(struct strbuf *sb, uint64_t v, size_t n)
{
	if (sb->len + n >= sb->alloc)
		strbuf_grow(sb, n);
	for (size_t i = 0; i < n; i++)
		sb->buf[sb->len + i] = (char)(unsigned char)(v >> (8 * i));
	sb->len += n;
	sb->buf[sb->len] = '\0';
}
static inline void ch_put_u8(struct strbuf *sb, uint8_t v) { ch_put_le(sb, v, 1); }
static inline void ch_put_u16(struct strbuf *sb, uint16_t v) { ch_put_le(sb, v, 2); }
static inline void ch_put_u32(struct strbuf *sb, uint32_t v) { ch_put_le(sb, v, 4); }
static inline void ch_put_u64(struct strbuf *sb, uint64_t v) { ch_put_le(sb, v, 8); }
static inline void ch_put_i16(struct strbuf *sb, int16_t v) { ch_put_u16(sb, (uint16_t)v); }
static inline void ch_put_i32(struct strbuf *sb, int32_t v) { ch_put_u32(sb, (uint32_t)v); }
static inline void ch_put_i64(struct strbuf *sb, int64_t v) { ch_put_u64(sb, (uint64_t)v); }
void ch_put_len(struct strbuf *sb, uint64_t n);	/* an array's element count */
void ch_put_str(struct strbuf *sb, const char *s);	/* NULL: "" */

#endif
