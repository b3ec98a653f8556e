/* cmd-query.c: `vxanalyze query "SQL"`: read-only SQL on the store, printed as an aligned
 * table (default), CSV or JSON. The SQL runs in the store layer (store-query.c); this file
 * only formats the rows. JSON goes through the one writer (json.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "core/json.h"
#include "store/store-query.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/xalloc.h"

static const struct vx_choice query_formats[] = {
	{ "table", "columns aligned for the terminal, a header and a rule (default)" },
	{ "csv", "RFC 4180: a header line, fields quoted when they need it" },
	{ "json", "an array of objects, one per row; numbers stay numbers, NULL is null" },
};

static const struct vx_choice *format_choice(size_t i)
{
	return i < sizeof(query_formats) / sizeof(query_formats[0]) ? &query_formats[i] : NULL;
}

static const struct vx_opt_doc query_opts[] = {
	{ .key = 'd', .name = "db", .arg = "FILE",
	  .help = "database (default " VX_DEFAULT_DB ")", .complete = VX_COMPLETE_FILE },
	{ .key = 'f', .name = "format", .arg = "NAME",
	  .help = "table, csv or json (default table)",
	  .complete = VX_COMPLETE_WORDS, .choice = format_choice, .choices_title = "formats" },
	{ .key = 'v', .name = "verbose",
	  .help = "also say on standard error how many rows and how long" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_query = {
	.name = "query",
	.summary = "run read-only SQL on the database (table, csv or json)",
	.synopsis = "[-d DB] [--format table|csv|json] \"SQL\" | -",
	.description =
		"Runs one SQL statement on the database, opened read-only: a statement that writes is\n"
		"refused with SQLite's own error. Tables: captures, capture_meta, events (ts_ns, cpu,\n"
		"pid, comm, name, dev, len, skb, stack_id, fields as a JSON object: json_extract(fields,\n"
		"'$.reason')) and stacks (frames innermost first, one per line). '-' reads the SQL\n"
		"from standard input (a .sql file; it may start with a -- comment). README.md gives more.\n"
		"\n"
		"Every format streams the rows. The table is sized on its first 1000 rows (or 16 MB of\n"
		"text), then written as the rows come: a later cell wider than its column is cut with\n"
		"'...' (the last column never is), and a cell shows at most 4096 characters. The table\n"
		"shows control characters and bytes that are not UTF-8 as \\n, \\t, \\xNN; csv does\n"
		"the same on a terminal, and otherwise keeps them (as UTF-8) for the program that\n"
		"reads it; json escapes them. Use csv or json for whole values.\n"
		"\n"
		"Example: vxanalyze query \"SELECT name, count(*) FROM events GROUP BY name\"\n",
	.opts = query_opts,
};

enum qformat { Q_TABLE, Q_CSV, Q_JSON };

/* the table is sized on its first rows, then streamed: at most TABLE_SIZE_ROWS rows or
 * TABLE_SIZE_BYTES of cell text are held; a cell shows at most TABLE_MAX_CELL characters */
#define TABLE_SIZE_ROWS 1000
#define TABLE_SIZE_BYTES (16u << 20)
#define TABLE_MAX_CELL 4096

struct qout {
	enum qformat fmt;
	FILE *out;
	bool tty;			/* csv: standard output is a terminal */
	size_t ncols;
	char **names;			/* malloc'd: the column names as SQLite gives them */
	char **heads;			/* malloc'd: the same cleaned for the table */
	struct json_writer *jw;
	struct strbuf cell;		/* one cell at a time */
	/* table: the first rows, held to size the columns; then each row as it comes */
	char **held;			/* malloc'd cells, row-major, ncols per row */
	size_t nheld, held_alloc, held_bytes;
	size_t *width;			/* once sized: the columns' widths */
	bool *numeric;			/* right-align: every non-NULL cell held is a number */
};

/* display width of UTF-8 @s: one column per code point */
static size_t width_of(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* @len bytes of @s for the terminal, through the one sanitiser: control characters (frames
 * hold newlines) and bytes that are not UTF-8 as \n, \t, \xNN; malloc'd (caller frees) */
static char *table_text(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	vx_term_clean(&sb, s, len, TABLE_MAX_CELL, VX_TERM_ESCAPES | VX_TERM_MARK_CUT);
	return strbuf_detach(&sb, NULL);
}

/* put_cell - one cleaned cell (table_text) in a column of @w: cut to @w with "…" when wider,
 * padded on the left (@right) or on the right (unless @last) */
static void put_cell(FILE *out, const char *s, size_t w, bool right, bool last)
{
	size_t k = width_of(s), n = 0;

	if (k > w && !last) {
		/* the first w - 1 characters and "…": the column stays aligned */
		const char *e = s;

		while (*e && n < w - 1)
			n += ((unsigned char)*++e & 0xc0) != 0x80;
		fwrite(s, 1, (size_t)(e - s), out);
		fputs(VX_UTF8_ELLIPSIS, out);
		return;
	}
	if (right)
		fprintf(out, "%*s", (int)(w - k), "");
	fputs(s, out);
	if (!right && !last)
		fprintf(out, "%*s", (int)(w - k), "");
}

/* one CSV field (RFC 4180): on a terminal through the one sanitiser, else the text as UTF-8
 * with its control characters (data for a program) */
static void csv_field(FILE *out, struct strbuf *sb, const char *s, size_t len, bool tty)
{
	strbuf_reset(sb);
	vx_term_clean(sb, s, len, 0, tty ? VX_TERM_ESCAPES : VX_TERM_KEEP_CONTROLS);
	if (!sb->len || !strpbrk(sb->buf, ",\"\n\r")) {
		fwrite(sb->buf, 1, sb->len, out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < sb->len; i++) {
		if (sb->buf[i] == '"')
			fputc('"', out);
		fputc(sb->buf[i], out);
	}
	fputc('"', out);
}

static void table_rule_and_header(struct qout *q)
{
	for (size_t c = 0; c < q->ncols; c++) {
		if (c)
			fputs("  ", q->out);
		put_cell(q->out, q->heads[c], q->width[c], false, c + 1 == q->ncols);
	}
	fputc('\n', q->out);
	for (size_t c = 0; c < q->ncols; c++) {
		if (c)
			fputs("  ", q->out);
		for (size_t k = 0; k < q->width[c]; k++)
			fputc('-', q->out);
	}
	fputc('\n', q->out);
}

static void table_row(struct qout *q, char *const *cells)
{
	for (size_t c = 0; c < q->ncols; c++) {
		if (c)
			fputs("  ", q->out);
		put_cell(q->out, cells[c], q->width[c], q->numeric[c], c + 1 == q->ncols);
	}
	fputc('\n', q->out);
}

/* size the columns on the rows held, write them, and stream from now on */
static void table_size(struct qout *q)
{
	size_t nrows = q->ncols ? q->nheld / q->ncols : 0;

	if (q->width)
		return;
	q->width = xcalloc(q->ncols ? q->ncols : 1, sizeof(*q->width));
	for (size_t c = 0; c < q->ncols; c++)
		q->width[c] = width_of(q->heads[c]);
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < q->ncols; c++) {
			size_t k = width_of(q->held[r * q->ncols + c]);

			if (k > q->width[c])
				q->width[c] = k;
		}
	for (size_t c = 0; c < q->ncols; c++)
		q->width[c] += !q->width[c];	/* room for "…" */
	table_rule_and_header(q);
	for (size_t r = 0; r < nrows; r++)
		table_row(q, &q->held[r * q->ncols]);
	for (size_t i = 0; i < q->nheld; i++)
		free(q->held[i]);
	free(q->held);
	q->held = NULL;
	q->nheld = q->held_alloc = 0;
}

static int on_columns(void *ctx, size_t n, const char *const *names)
{
	struct qout *q = ctx;

	q->ncols = n;
	q->names = xcalloc(n ? n : 1, sizeof(*q->names));
	q->heads = xcalloc(n ? n : 1, sizeof(*q->heads));
	q->numeric = xcalloc(n ? n : 1, sizeof(*q->numeric));
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i] ? names[i] : "";

		q->names[i] = xstrdup(name);
		q->heads[i] = table_text(name, strlen(name));
		q->numeric[i] = true;
	}
	if (q->fmt == Q_CSV) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', q->out);
			csv_field(q->out, &q->cell, q->names[i], strlen(q->names[i]), q->tty);
		}
		fputs("\r\n", q->out);
	}
	return 0;
}

static void json_row(struct qout *q, size_t n, const struct vx_qvalue *v)
{
	jw_start_object(q->jw);
	for (size_t i = 0; i < n; i++) {
		jw_key(q->jw, q->names[i]);
		switch (v[i].type) {
		case VX_Q_NULL: jw_null(q->jw); break;
		case VX_Q_INT: jw_int(q->jw, v[i].i); break;
		case VX_Q_REAL: jw_double(q->jw, v[i].d); break;
		default:
			/* a blob or text with NUL bytes: up to the first NUL */
			strbuf_reset(&q->cell);
			strbuf_add(&q->cell, v[i].text, v[i].len);
			jw_string(q->jw, q->cell.buf);
		}
	}
	jw_end_object(q->jw);
}

static void table_add_row(struct qout *q, size_t n, const struct vx_qvalue *v)
{
	char **row;

	if (q->width) {	/* sized: stream */
		row = xcalloc(n ? n : 1, sizeof(*row));
		for (size_t i = 0; i < n; i++)
			row[i] = table_text(v[i].text, v[i].len);
		table_row(q, row);
		for (size_t i = 0; i < n; i++)
			free(row[i]);
		free(row);
		return;
	}
	if (q->nheld + n > q->held_alloc) {
		q->held_alloc = q->held_alloc ? 2 * q->held_alloc : 256;
		while (q->held_alloc < q->nheld + n)
			q->held_alloc *= 2;
		q->held = xrealloc(q->held, q->held_alloc * sizeof(*q->held));
	}
	for (size_t i = 0; i < n; i++) {
		char *t = table_text(v[i].text, v[i].len);

		q->held[q->nheld++] = t;
		q->held_bytes += strlen(t);
		if (v[i].type != VX_Q_NULL && v[i].type != VX_Q_INT && v[i].type != VX_Q_REAL)
			q->numeric[i] = false;
	}
	if (q->nheld / (n ? n : 1) >= TABLE_SIZE_ROWS || q->held_bytes >= TABLE_SIZE_BYTES)
		table_size(q);
}

static int on_row(void *ctx, size_t n, const struct vx_qvalue *v)
{
	struct qout *q = ctx;

	switch (q->fmt) {
	case Q_CSV:
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', q->out);
			csv_field(q->out, &q->cell, v[i].text, v[i].len, q->tty);
		}
		fputs("\r\n", q->out);
		break;
	case Q_JSON:
		json_row(q, n, v);
		break;
	case Q_TABLE:
		table_add_row(q, n, v);
		break;
	}
	return ferror(q->out) ? vx_error("write error on standard output") : 0;
}

static void qout_release(struct qout *q)
{
	for (size_t i = 0; i < q->nheld; i++)
		free(q->held[i]);
	free(q->held);
	for (size_t i = 0; q->names && i < q->ncols; i++) {
		free(q->names[i]);
		free(q->heads[i]);
	}
	free(q->names);
	free(q->heads);
	free(q->numeric);
	free(q->width);
	strbuf_release(&q->cell);
}

int cmd_query(int argc, char **argv)
{
	const char *db = VX_DEFAULT_DB;
	struct qout q = { .fmt = Q_TABLE, .out = stdout, .cell = STRBUF_INIT };
	struct vx_query_cb cb = { on_columns, on_row, &q };
	struct strbuf sql = STRBUF_INIT;
	struct timespec t0, t1;
	struct vx_store *st;
	int64_t rows;
	int c;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_query, argc, argv)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f':
			if (!strcmp(optarg, "table"))
				q.fmt = Q_TABLE;
			else if (!strcmp(optarg, "csv"))
				q.fmt = Q_CSV;
			else if (!strcmp(optarg, "json"))
				q.fmt = Q_JSON;
			else {
				vx_die_msg("unknown query format '%s'; choose table, csv or json", optarg);
				return vx_usage_error(&vx_doc_query);
			}
			break;
		case 'v': break;	/* vx_verbosity */
		case 'h': vx_help_write(&vx_doc_query, stdout); return 0;
		default: return vx_usage_error(&vx_doc_query);
		}
	}
	if (optind + 1 != argc) {
		vx_die_msg(optind >= argc ? "query: no SQL given" :
			   "query: one SQL argument, quoted (\"SELECT ...\"), not several words");
		return vx_usage_error(&vx_doc_query);
	}
	if (!strcmp(argv[optind], "-")) {
		/* a query file on standard input: no shell quoting, and it may start with "--" */
		int ch;

		while ((ch = getchar()) != EOF)
			strbuf_addch(&sql, (char)ch);
		if (ferror(stdin)) {
			strbuf_release(&sql);
			return vx_die_msg("query: cannot read the SQL from standard input"), 1;
		}
	} else {
		strbuf_addstr(&sql, argv[optind]);
	}
	q.tty = isatty(STDOUT_FILENO) == 1;
	st = store_open(db, true);
	if (!st) {
		strbuf_release(&sql);
		return vx_report_error(), 1;
	}
	if (q.fmt == Q_JSON) {
		q.jw = jw_new_file(stdout, true);
		jw_start_array(q.jw);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rows = store_query(st, sql.buf, &cb);
	strbuf_release(&sql);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	store_close(st);
	if (q.fmt == Q_JSON) {
		if (rows >= 0) {
			jw_end_array(q.jw);
			fputc('\n', stdout);
		}
		jw_destroy(q.jw);
	}
	if (rows >= 0 && q.fmt == Q_TABLE && q.ncols)
		table_size(&q);	/* fewer rows than it takes to size the table: all of them now */
	qout_release(&q);
	if (rows < 0) {
		vx_die_msg("query: %s", vx_error_msg());
		return 1;
	}
	vx_info("%" PRId64 " rows in %.1f ms", rows,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}
