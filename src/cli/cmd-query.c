/* cmd-query.c: `vxanalyze query "SQL"`: read-only SQL on the store, printed as an aligned
 * table (default), CSV or JSON. The SQL runs in the store layer (store-query.c); this file
 * only formats the rows. JSON goes through the one writer (json.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "core/json.h"
#include "store/store-query.h"
#include "core/strbuf.h"
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
		"Example: vxanalyze query \"SELECT name, count(*) FROM events GROUP BY name\"\n",
	.opts = query_opts,
};

enum qformat { Q_TABLE, Q_CSV, Q_JSON };

struct qout {
	enum qformat fmt;
	FILE *out;
	size_t ncols;
	const char **names;		/* in @a */
	struct json_writer *jw;
	/* table: every cell kept (in @a) to align the columns at the end */
	struct arena a;
	char **cells;			/* row-major, ncols per row */
	size_t ncells, cells_alloc;
	bool *numeric;			/* right-align: every non-NULL cell of the column is a number */
};

/* display width of UTF-8 @s: one column per code point */
static size_t width_of(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* @v for the table: control characters (frames have newlines) as \n, \t, \xNN; the copy
 * lives in @a (freed with it) */
static char *table_text(struct arena *a, const struct vx_qvalue *v)
{
	struct strbuf sb = STRBUF_INIT;
	char *r;

	for (size_t i = 0; i < v->len; i++) {
		unsigned char ch = (unsigned char)v->text[i];

		if (ch == '\n')
			strbuf_addstr(&sb, "\\n");
		else if (ch == '\t')
			strbuf_addstr(&sb, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			strbuf_addf(&sb, "\\x%02x", ch);
		else
			strbuf_addch(&sb, (char)ch);
	}
	r = arena_strdup(a, sb.buf);
	strbuf_release(&sb);
	return r;
}

static void csv_field(FILE *out, const char *s, size_t len)
{
	if (!len || (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
	    !memchr(s, '\r', len))) {
		fwrite(s, 1, len, out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

static int on_columns(void *ctx, size_t n, const char *const *names)
{
	struct qout *q = ctx;

	q->ncols = n;
	q->names = arena_alloc(&q->a, (n ? n : 1) * sizeof(*q->names));
	q->numeric = arena_alloc(&q->a, (n ? n : 1) * sizeof(*q->numeric));
	for (size_t i = 0; i < n; i++) {
		q->names[i] = arena_strdup(&q->a, names[i] ? names[i] : "");
		q->numeric[i] = true;
	}
	if (q->fmt == Q_CSV) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', q->out);
			csv_field(q->out, q->names[i], strlen(q->names[i]));
		}
		fputs("\r\n", q->out);
	}
	return 0;
}

static int on_row(void *ctx, size_t n, const struct vx_qvalue *v)
{
	struct qout *q = ctx;

	switch (q->fmt) {
	case Q_CSV:
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc(',', q->out);
			csv_field(q->out, v[i].text, v[i].len);
		}
		fputs("\r\n", q->out);
		break;
	case Q_JSON:
		jw_start_object(q->jw);
		for (size_t i = 0; i < n; i++) {
			jw_key(q->jw, q->names[i]);
			switch (v[i].type) {
			case VX_Q_NULL: jw_null(q->jw); break;
			case VX_Q_INT: jw_int(q->jw, v[i].i); break;
			case VX_Q_REAL: jw_double(q->jw, v[i].d); break;
			default: {
				/* a blob or text with NUL bytes: up to the first NUL */
				char *t = arena_strndup(&q->a, v[i].text, v[i].len);

				jw_string(q->jw, t);
			}
			}
		}
		jw_end_object(q->jw);
		break;
	case Q_TABLE:
		if (q->ncells + n > q->cells_alloc) {
			size_t na = q->cells_alloc ? 2 * q->cells_alloc : 256;
			char **nc;

			while (na < q->ncells + n)
				na *= 2;
			nc = xrealloc(q->cells, na * sizeof(*nc));
			q->cells = nc;
			q->cells_alloc = na;
		}
		for (size_t i = 0; i < n; i++) {
			q->cells[q->ncells++] = table_text(&q->a, &v[i]);
			if (v[i].type != VX_Q_NULL && v[i].type != VX_Q_INT && v[i].type != VX_Q_REAL)
				q->numeric[i] = false;
		}
		break;
	}
	return ferror(q->out) ? vx_error("write error on standard output") : 0;
}

static void table_write(struct qout *q)
{
	size_t *w = xcalloc(q->ncols ? q->ncols : 1, sizeof(*w));
	size_t nrows = q->ncols ? q->ncells / q->ncols : 0;

	for (size_t c = 0; c < q->ncols; c++)
		w[c] = width_of(q->names[c]);
	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < q->ncols; c++) {
			size_t k = width_of(q->cells[r * q->ncols + c]);

			if (k > w[c])
				w[c] = k;
		}
	/* header, rule, rows; the last column is not padded */
	for (int pass = -2; pass < (int)nrows; pass++) {
		for (size_t c = 0; c < q->ncols; c++) {
			const char *s = pass == -2 ? q->names[c] : pass == -1 ? NULL : q->cells[pass * q->ncols + c];
			size_t pad = s ? w[c] - width_of(s) : 0;
			bool last = c + 1 == q->ncols;

			if (c)
				fputs("  ", q->out);
			if (!s) {
				for (size_t k = 0; k < w[c]; k++)
					fputc('-', q->out);
				continue;
			}
			if (q->numeric[c] && pass >= 0)
				fprintf(q->out, "%*s%s", (int)pad, "", s);
			else
				fprintf(q->out, "%s%*s", s, last ? 0 : (int)pad, "");
		}
		fputc('\n', q->out);
	}
	free(w);
}

int cmd_query(int argc, char **argv)
{
	const char *db = VX_DEFAULT_DB;
	struct qout q = { .fmt = Q_TABLE, .out = stdout, .a = ARENA_INIT };
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
	if (rows >= 0 && q.fmt == Q_TABLE)
		table_write(&q);
	free(q.cells);
	arena_release(&q.a);
	if (rows < 0) {
		vx_die_msg("query: %s", vx_error_msg());
		return 1;
	}
	vx_info("%" PRId64 " rows in %.1f ms", rows,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}
