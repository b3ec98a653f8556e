/* clickhouse.c: ClickHouse over HTTP with libcurl (see clickhouse.h): the URL, one curl
 * handle per connection (kept alive between requests), statements POSTed as the request
 * body, inserts with the statement in the URL and the rows as the body, errors as one line.
 * Must not: know the tables, or print.
 */
#include "clickhouse.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/utf8.h"
#include "core/xalloc.h"

struct ch_conn {
	CURL *curl;
	struct ch_url url;
	bool use_db;
	char session[40];	/* "" when none */
	char name[320];
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- URL ---- */

static int url_error(const char *url, const char *why)
{
	struct strbuf sb = STRBUF_INIT;

	vx_utf8_clean(&sb, url, 200);
	vx_error("clickhouse URL '%s': %s; write clickhouse://HOST[:PORT][/DATABASE]", sb.buf, why);
	strbuf_release(&sb);
	return -1;
}

static bool is_name(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* %XX in user and password */
static char *pct_decode(const char *s, size_t n)
{
	char *o = xmalloc(n + 1), *p = o;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };

			*p++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	return o;
}

static int parse_host_port(const char *url, const char *h, size_t n, struct ch_url *out)
{
	const char *colon = NULL, *end = h + n;

	if (n && h[0] == '[') {
		const char *rb = memchr(h, ']', n);

		if (!rb || rb == h + 1)
			return url_error(url, "an IPv6 address needs its closing ']'");
		out->host = xstrndup(h + 1, (size_t)(rb - h - 1));
		colon = rb + 1 < end ? rb + 1 : NULL;
		if (colon && *colon != ':')
			return url_error(url, "junk after the IPv6 address");
	} else {
		colon = memchr(h, ':', n);
		out->host = xstrndup(h, colon ? (size_t)(colon - h) : n);
	}
	if (!out->host[0])
		return url_error(url, "no host");
	for (const char *p = out->host; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr(".-_:", *p)))
			return url_error(url, "the host name has a character hosts do not have");
	out->port = CH_DEFAULT_PORT;
	if (colon) {
		char *e;
		long port;

		if (colon + 1 == end)
			return url_error(url, "no port after ':'");
		errno = 0;
		port = strtol(colon + 1, &e, 10);
		if (e != end || port < 1 || port > 65535 || !isdigit((unsigned char)colon[1]))
			return url_error(url, "the port is not a number from 1 to 65535");
		out->port = (int)port;
	}
	return 0;
}

int ch_url_parse(const char *url, struct ch_url *out)
{
	static const char scheme[] = "clickhouse://";
	const char *a, *slash, *at, *hp;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, scheme, sizeof(scheme) - 1))
		return url_error(url, "not a clickhouse:// URL");
	a = url + sizeof(scheme) - 1;
	if (strpbrk(a, "?#"))
		return url_error(url, "no query or fragment is understood");
	slash = strchr(a, '/');
	if (!slash)
		slash = a + strlen(a);
	at = memchr(a, '@', (size_t)(slash - a));
	hp = a;
	if (at) {
		const char *c = memchr(a, ':', (size_t)(at - a));

		out->user = pct_decode(a, c ? (size_t)(c - a) : (size_t)(at - a));
		if (c)
			out->password = pct_decode(c + 1, (size_t)(at - c - 1));
		hp = at + 1;
	}
	if (parse_host_port(url, hp, (size_t)(slash - hp), out) < 0) {
		ch_url_release(out);
		return -1;
	}
	if (!*slash || !slash[1]) {
		out->database = xstrdup(CH_DEFAULT_DATABASE);
	} else if (!is_name(slash + 1, strlen(slash + 1))) {
		ch_url_release(out);
		return url_error(url, "the database name must be letters, digits and _");
	} else {
		out->database = xstrdup(slash + 1);
	}
	return 0;
}

void ch_url_release(struct ch_url *u)
{
	free(u->host);
	free(u->database);
	free(u->user);
	free(u->password);
	memset(u, 0, sizeof(*u));
}

/* ---- connection ---- */

static struct ch_conn *conn_new(const struct ch_url *u, bool use_db)
{
	static bool global_done;
	struct ch_conn *c = xcalloc(1, sizeof(*c));

	if (!global_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = true;
	}
	c->url.host = xstrdup(u->host);
	c->url.port = u->port;
	c->url.database = xstrdup(u->database);
	c->url.user = u->user ? xstrdup(u->user) : NULL;
	c->url.password = u->password ? xstrdup(u->password) : NULL;
	c->use_db = use_db;
	snprintf(c->name, sizeof(c->name), "clickhouse://%s%s%s:%d/%s", strchr(u->host, ':') ? "[" : "",
		 u->host, strchr(u->host, ':') ? "]" : "", u->port, u->database);
	c->curl = curl_easy_init();
	if (!c->curl)
		vx_die_oom(sizeof(CURL *));
	return c;
}

struct ch_conn *ch_open(const struct ch_url *u, bool use_db)
{
	return conn_new(u, use_db);
}

struct ch_conn *ch_open_peer(const struct ch_conn *c, const char *host, int port)
{
	struct ch_url u = c->url;

	u.host = (char *)host;
	u.port = port;
	return conn_new(&u, c->use_db);
}

void ch_close(struct ch_conn *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	ch_url_release(&c->url);
	free(c);
}

void ch_session(struct ch_conn *c)
{
	unsigned char rnd[12];
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd)) {
		unsigned long t = (unsigned long)time(NULL) ^ (unsigned long)clock() ^ (unsigned long)getpid();

		memset(rnd, 0, sizeof(rnd));
		memcpy(rnd, &t, sizeof(t) < sizeof(rnd) ? sizeof(t) : sizeof(rnd));
	}
	if (f)
		fclose(f);
	strcpy(c->session, "vxanalyze-");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(c->session + 10 + 2 * i, 3, "%02x", rnd[i]);
}

void ch_use_db(struct ch_conn *c, bool use_db)
{
	c->use_db = use_db;
}

const char *ch_name(const struct ch_conn *c)
{
	return c->name;
}

const struct ch_url *ch_url_of(const struct ch_conn *c)
{
	return &c->url;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	strbuf_add(arg, p, size * n);
	return size * n;
}

/* ClickHouse's message as one line: "Code: 60, e.displayText() = DB::Exception: Table x
 * doesn't exist., e.what() = DB::Exception" becomes "Code: 60, DB::Exception: Table x
 * doesn't exist." */
static void server_message(struct strbuf *sb, const char *body, long status)
{
	struct strbuf one = STRBUF_INIT;
	char *p;

	for (const char *b = body; *b; b++)
		strbuf_addch(&one, *b == '\n' || *b == '\r' || *b == '\t' ? ' ' : *b);
	if ((p = strstr(one.buf, ", e.what() = ")))
		*p = '\0';
	while ((p = strstr(one.buf, "e.displayText() = ")))
		memmove(p, p + 18, strlen(p + 18) + 1);
	p = one.buf + strlen(one.buf);
	while (p > one.buf && (p[-1] == ' '))
		*--p = '\0';
	if (!one.buf[0])
		strbuf_addf(sb, "HTTP status %ld without a message (is it a ClickHouse server?)", status);
	else if (strncmp(one.buf, "Code: ", 6))
		strbuf_addf(sb, "HTTP status %ld: ", status);
	vx_utf8_clean(sb, one.buf, 400);
	strbuf_release(&one);
}

/* one request: @query in the URL when @body is given (an insert), else @query is the body */
static int request(struct ch_conn *c, const char *query, const void *body, size_t len, bool sync,
		   struct strbuf *out, struct strbuf *err)
{
	struct strbuf url = STRBUF_INIT, resp = STRBUF_INIT, msg = STRBUF_INIT;
	CURLcode rc;
	long status = 0;
	char *q;

	strbuf_addf(&url, "http://%s%s%s:%d/?wait_end_of_query=1", strchr(c->url.host, ':') ? "[" : "",
		    c->url.host, strchr(c->url.host, ':') ? "]" : "", c->url.port);
	if (c->use_db) {
		q = curl_easy_escape(c->curl, c->url.database, 0);
		strbuf_addf(&url, "&database=%s", q);
		curl_free(q);
	}
	if (sync)
		strbuf_addstr(&url, "&insert_distributed_sync=1");
	if (c->session[0])
		strbuf_addf(&url, "&session_id=%s&session_timeout=600", c->session);
	if (body) {
		q = curl_easy_escape(c->curl, query, 0);
		strbuf_addf(&url, "&query=%s", q);
		curl_free(q);
	}
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url.buf);
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? body : query);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : strlen(query)));
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http");
	if (c->url.user) {
		curl_easy_setopt(c->curl, CURLOPT_USERNAME, c->url.user);
		curl_easy_setopt(c->curl, CURLOPT_PASSWORD, c->url.password ? c->url.password : "");
	}
	c->errbuf[0] = '\0';
	rc = curl_easy_perform(c->curl);
	strbuf_release(&url);
	if (rc != CURLE_OK) {
		strbuf_addstr(&msg, "cannot reach the server: ");
		vx_utf8_clean(&msg, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc), 300);
		goto fail;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		server_message(&msg, resp.buf, status);
		goto fail;
	}
	if (out)
		strbuf_add(out, resp.buf, resp.len);
	strbuf_release(&resp);
	return 0;
fail:
	if (err)
		strbuf_addf(err, "%s: %s", c->name, msg.buf);
	else
		vx_error("%s: %s", c->name, msg.buf);
	strbuf_release(&msg);
	strbuf_release(&resp);
	return -1;
}

int ch_query(struct ch_conn *c, const char *sql, struct strbuf *out)
{
	return request(c, sql, NULL, 0, false, out, NULL);
}

int ch_queryf(struct ch_conn *c, struct strbuf *out, const char *fmt, ...)
{
	struct strbuf sql = STRBUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	strbuf_vaddf(&sql, fmt, ap);
	va_end(ap);
	ret = ch_query(c, sql.buf, out);
	strbuf_release(&sql);
	return ret;
}

int ch_insert(struct ch_conn *c, const char *table, const char *columns, const void *rows, size_t len,
	      bool sync, struct strbuf *err)
{
	struct strbuf q = STRBUF_INIT;
	int ret;

	if (!len)
		return 0;
	strbuf_addf(&q, "INSERT INTO %s (%s) FORMAT RowBinary", table, columns);
	ret = request(c, q.buf, rows, len, sync, NULL, err);
	strbuf_release(&q);
	return ret;
}

void ch_quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; s && *s; s++) {
		if (*s == '\'' || *s == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

/* ---- TabSeparated answers ---- */

/* unescape the cell at @p (up to a tab or newline) in place; returns where it ended */
static char *cell_end(char *p, char **next)
{
	char *w = p;

	while (*p && *p != '\t' && *p != '\n') {
		if (*p == '\\' && p[1]) {
			static const char from[] = "tnrbf0'\\", to[] = "\t\n\r\b\f\0'\\";
			const char *k = strchr(from, p[1]);

			*w++ = k ? to[k - from] : p[1];
			p += 2;
		} else {
			*w++ = *p++;
		}
	}
	*next = p;
	return w;
}

int ch_result_parse(const char *text, size_t len, struct ch_result *res)
{
	size_t cap = 0, n = 0, cols = 0, rowcols = 0;
	char *p;

	memset(res, 0, sizeof(*res));
	res->text = xmalloc(len + 1);
	memcpy(res->text, text, len);
	res->text[len] = '\0';
	for (p = res->text; *p;) {
		char *next, *end = cell_end(p, &next);
		char sep = *next;

		VX_GROW(res->cells, n, cap);
		res->cells[n++] = p;
		rowcols++;
		*end = '\0';
		if (sep == '\n' || !sep) {
			if (!cols)
				cols = rowcols;
			else if (cols != rowcols)
				return vx_error("clickhouse answer: a row of %zu columns after rows of %zu", rowcols, cols);
			rowcols = 0;
			res->nrows++;
		}
		p = sep ? next + 1 : next;
	}
	res->ncols = cols;
	return 0;
}

int ch_select(struct ch_conn *c, const char *sql, struct ch_result *res)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = ch_query(c, sql, &out);
	if (!ret) {
		ret = ch_result_parse(out.buf, out.len, res);
		if (ret < 0)
			ch_result_release(res);
	}
	strbuf_release(&out);
	return ret;
}

void ch_result_release(struct ch_result *res)
{
	free(res->cells);
	free(res->text);
	memset(res, 0, sizeof(*res));
}

int64_t ch_cell_i64(const struct ch_result *r, size_t row, size_t col)
{
	return strtoll(ch_cell(r, row, col), NULL, 10);
}

uint64_t ch_cell_u64(const struct ch_result *r, size_t row, size_t col)
{
	return strtoull(ch_cell(r, row, col), NULL, 10);
}

double ch_cell_f64(const struct ch_result *r, size_t row, size_t col)
{
	return strtod(ch_cell(r, row, col), NULL);
}

/* ---- RowBinary ---- */

void ch_put_len(struct strbuf *sb, uint64_t n)
{
	unsigned char b[10];
	size_t k = 0;

	do {
		b[k] = n & 0x7f;
		n >>= 7;
		if (n)
			b[k] |= 0x80;
		k++;
	} while (n);
	strbuf_add(sb, b, k);
}

void ch_put_str(struct strbuf *sb, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	ch_put_len(sb, n);
	if (n)
		strbuf_add(sb, s, n);
}
