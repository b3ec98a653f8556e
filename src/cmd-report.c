/* cmd-report.c: `vxanalyze report` — load captures from the store, analyse them, and write
 * the chosen renderer's output to stdout or a file (written to FILE.tmp, then renamed, so
 * a failed report never leaves half a file).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "error.h"
#include "store.h"
#include "strbuf.h"
#include "../report/analysis.h"
#include "../report/render.h"

/* ---- the analysis' event source: the store's cursors ---- */

struct store_source {
	struct vx_store *st;
	int64_t capture;
	vx_rec_fn fn;
	void *arg;
	struct store_row *row;	/* during a route events callback */
};

static int src_captures(void *priv, struct vx_dataset *ds)
{
	struct store_source *s = priv;

	return store_load(s->st, s->capture, false, ds);
}

static int src_paths_each(void *priv, int (*fn)(void *arg, const struct vx_path_row *p), void *arg)
{
	struct store_source *s = priv;

	return store_paths_each(s->st, s->capture, fn, arg);
}

static int pass_rec(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct store_source *s = arg;

	(void)row;
	return s->fn(s->arg, r);
}

/* the row is kept for src_row_fields() during the callback */
static int pass_rec_row(void *arg, const struct vx_rec *r, struct store_row *row)
{
	struct store_source *s = arg;
	int ret;

	s->row = row;
	ret = s->fn(s->arg, r);
	s->row = NULL;
	return ret;
}

static size_t src_row_fields(void *priv, struct arena *a, struct vx_field **out)
{
	struct store_source *s = priv;

	return store_row_fields(s->row, a, out);
}

static int src_journey_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_events_by_skb_each(s->st, s->capture, pass_rec, s);
}

static int src_route_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_route_events_each(s->st, s->capture, pass_rec_row, s);
}

static int src_events_each(void *priv, vx_rec_fn fn, void *arg)
{
	struct store_source *s = priv;

	s->fn = fn;
	s->arg = arg;
	return store_events_each(s->st, s->capture, pass_rec, s);
}

static int src_event_fields(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n)
{
	struct store_source *s = priv;

	return store_event_fields(s->st, id, a, out, n);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: vxanalyze report [-d DB] [--capture ID] [--format NAME | --html] [-o FILE]\n\n"
		   "Explain the packet journeys (events joined by skb address) and the distinct kernel\n"
		   "paths (stacks) of the stored captures: layers, IP-layer passes, encapsulation.\n\n"
		   "  -d, --db FILE          database (default " VX_DEFAULT_DB ")\n"
		   "  -c, --capture ID       one capture (default: every capture in the database)\n"
		   "  -f, --format NAME      output format (default text)\n"
		   "      --html             same as --format html: one self-contained page (inline\n"
		   "                         SVG/CSS/JS, nothing fetched, restrictive CSP) drawing the\n"
		   "                         -n most frequent journey shapes; below 8 MB whatever the\n"
		   "                         capture (+110 KB per shape above 20, at most 100 shapes)\n"
		   "  -o, --output FILE      write to FILE instead of standard output\n"
		   "  -n, --max-journeys N   journey shapes shown by text, drawn by html and dot\n"
		   "                         (default 20; html/dot draw at most 100); journeys listed\n"
		   "                         by json and named by chrome, the first in time (default\n"
		   "                         1000; json says how many it left out)\n"
		   "  -v, --verbose          whole stacks in the text report\n\nformats:\n");
	for (size_t i = 0; vx_renderers[i]; i++)
		fprintf(f, "  %-8s %s\n", vx_renderers[i]->name, vx_renderers[i]->desc);
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "capture", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "html", no_argument, NULL, 'H' },
		{ "output", required_argument, NULL, 'o' },
		{ "max-journeys", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = VX_DEFAULT_DB, *format = "text", *output = NULL;
	struct vx_render_opts ropts = { 0 };
	const struct vx_renderer *r;
	struct vx_store *st;
	struct vx_analysis an;
	struct vx_analysis_opts aopts = { 0 };
	struct store_source ssrc = { 0 };
	const struct vx_event_source src = {
		.priv = &ssrc,
		.captures = src_captures,
		.paths_each = src_paths_each,
		.journey_events_each = src_journey_events_each,
		.route_events_each = src_route_events_each,
		.events_each = src_events_each,
		.event_fields = src_event_fields,
		.row_fields = src_row_fields,
	};
	struct strbuf tmp = STRBUF_INIT;
	long long capture = 0;
	FILE *out = stdout;
	char *end;
	int c, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:c:f:o:n:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'c':
			capture = strtoll(optarg, &end, 10);
			if (*end || capture <= 0) {
				vx_die_msg("--capture wants a capture id (a positive number), not '%s'", optarg);
				return 2;
			}
			break;
		case 'f': format = optarg; break;
		case 'H': format = "html"; break;
		case 'o': output = optarg; break;
		case 'n': ropts.max_journeys = atoi(optarg); break;
		case 'v': ropts.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		vx_die_msg("unexpected argument '%s'; see 'vxanalyze report --help'", argv[optind]);
		return 2;
	}
	r = vx_renderer_by_name(format);
	if (!r) {
		vx_die_msg("unknown report format '%s'; 'vxanalyze report --help' lists them", format);
		return 2;
	}
	st = store_open(db, true);
	if (!st) {
		vx_report_error();
		return 1;
	}
	ssrc.st = st;
	ssrc.capture = capture;
	/* journeys kept in detail: what the JSON lists (and at least enough to number the
	 * shapes' first journeys without a second walk, most of the time) */
	aopts.max_journeys = ropts.max_journeys > VX_ANALYSIS_MAX_JOURNEYS ? (size_t)ropts.max_journeys :
			     VX_ANALYSIS_MAX_JOURNEYS;
	aopts.paths_only = r->paths_only;
	/* one read transaction for the analysis and the renderer that streams events */
	if (store_read_begin(st) < 0 || vx_analysis_stream(&src, &aopts, &an) < 0) {
		vx_report_error();
		store_read_end(st);
		store_close(st);
		return 1;
	}
	if (output) {
		strbuf_addf(&tmp, "%s.tmp", output);
		out = fopen(tmp.buf, "w");
		if (!out) {
			vx_die_msg("%s: cannot write: %m", tmp.buf);
			goto done;
		}
	}
	vx_error_clear();
	if (r->write(out, &an, &ropts) < 0 || (output && fclose(out) != 0)) {
		/* a renderer that streams says why it failed (a damaged page, ...) */
		if (*vx_error_msg() && !strstr(vx_error_msg(), "write error"))
			vx_report_error();
		else
			vx_die_msg("%s: write error", output ? output : "standard output");
		if (output)
			unlink(tmp.buf);
		goto done;
	}
	if (output && rename(tmp.buf, output) < 0) {
		vx_die_msg("%s: cannot rename from %s: %m", output, tmp.buf);
		unlink(tmp.buf);
		goto done;
	}
	ret = 0;
done:
	strbuf_release(&tmp);
	vx_analysis_release(&an);
	store_read_end(st);
	store_close(st);
	return ret;
}
