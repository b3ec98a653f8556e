/* cmd-import.c: `vxanalyze import FILE...` — detect each file's format, stream it into the
 * store as one capture in one transaction, and say what was kept and what was not; a
 * vxanalyze database has its captures copied (store_merge). Its messages quote file names,
 * hosts and boot ids: they go out through the terminal sanitiser (vx_term_line, vx_warn).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "app/import.h"
#include "progress.h"
#include "store/store.h"
#include "app/capture-filter.h"
#include "parsers/format.h"
#include "report/filter.h"

static const struct vx_choice *format_choice(size_t i)
{
	static struct vx_choice c;

	if (!vx_formats[i])
		return NULL;
	c = (struct vx_choice){ vx_formats[i]->name, vx_formats[i]->desc };
	return &c;
}

static const struct vx_opt_doc import_opts[] = {
	{ .key = 'd', .name = "db", .arg = "FILE",
	  .help = "database (default " VX_DEFAULT_DB ")", .complete = VX_COMPLETE_FILE },
	{ .key = 'f', .name = "format", .arg = "NAME",
	  .help = "skip detection and read FILE as NAME",
	  .complete = VX_COMPLETE_WORDS, .choice = format_choice, .choices_title = "formats" },
	{ .key = VX_OPT_LONG(1), .name = "kallsyms", .arg = "FILE",
	  .help = "kernel symbols for captures that hold raw addresses",
	  .complete = VX_COMPLETE_FILE },
	{ .key = VX_OPT_LONG(2), .name = "host", .arg = "NAME",
	  .help = "the host the capture was made on (shown by report, used to join two hosts' journeys); a vxanalyze database keeps its own" },
	{ .key = VX_OPT_LONG(3), .name = "filter", .arg = "EXPR",
	  .help = "store only the journeys that match EXPR (the grammar of\n"
	  "report --filter); the other events are counted as filtered" },
	{ .key = 'q', .name = "quiet",
	  .help = "print errors only: no summary, no warnings, no progress bar" },
	{ .key = 'v', .name = "verbose", .help = "also say how long each import took" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_import = {
	.name = "import",
	.summary = "import captures (ftrace text, perf.data, perf script, trace.dat, vxanalyze database)",
	.synopsis = "[-d DB] [--format NAME] [--kallsyms FILE] [--host NAME]\n"
		    "[--filter EXPR] FILE...",
	.description =
		"Import capture files into the database, one capture per file ('-' reads standard input).\n"
		"The format is detected from the content unless --format is given. An import that takes\n"
		"longer than a second shows a progress bar on standard error when it is a terminal.\n"
		"A FILE that is a vxanalyze database (another host's recording) has all its captures\n"
		"copied in one transaction, with their host name and boot id; a capture that is here\n"
		"already (same boot id, first and last event time and event count) is skipped.\n"
		"With --filter, the capture keeps only the journeys that match (as report --filter\n"
		"decides, before the commit); the events of the others, one-event journeys included,\n"
		"are removed and counted as filtered (capture meta filtered, shown by report); events\n"
		"without an skb address (route lookups, route requests) are kept.\n",
	.opts = import_opts,
	.operands = VX_COMPLETE_FILE,
};

struct filter_ctx {
	const char *expr;
	const struct vx_filter *f;
};

static int filter_hook(void *ctx, struct vx_store *st, int64_t capture_id, uint64_t *filtered)
{
	const struct filter_ctx *fc = ctx;

	return vx_capture_filter(st, capture_id, fc->expr, fc->f, filtered);
}

/* import_db - the captures of another vxanalyze database (copied whole: --filter is for
 * capture files, whose journeys are formed as they are imported) */
static int import_db(struct vx_store *st, const char *path, const char *host, const struct filter_ctx *fc)
{
	struct store_merged *m;
	size_t n, added = 0;

	if (fc->f) {
		vx_error("%s: a vxanalyze database is copied whole; --filter applies to capture files "
			 "(report --filter selects from its journeys)", path);
		vx_report_error();
		return -1;
	}
	if (vx_import_database(st, path, host, &m, &n) < 0) {
		vx_report_error();
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i].dup_of) {
			vx_warn("%s: capture %" PRId64 " is capture %" PRId64 " here already (boot id %s, same times and events); skipped",
				path, m[i].from_id, m[i].dup_of, m[i].boot_id[0] ? m[i].boot_id : "unknown");
			continue;
		}
		added++;
		if (vx_verbosity >= 0)
			vx_term_line(stdout, "%s: capture %" PRId64 " from its capture %" PRId64 ", host %s, %" PRIu64 " events",
				     path, m[i].id, m[i].from_id, m[i].host[0] ? m[i].host : "unknown", m[i].events);
	}
	free(m);
	if (!n) {
		vx_error("%s: a vxanalyze database without captures; nothing imported", path);
		vx_report_error();
		return -1;
	}
	if (!added) {
		vx_error("%s: every capture of it is here already; nothing imported", path);
		vx_report_error();
		return -1;
	}
	return 0;
}

static int import_one(struct vx_store *st, const char *path, const struct vx_format *forced,
		      const struct vx_import_opts *opts, struct filter_ctx *fc)
{
	struct vx_import_result res;
	struct vx_import_opts o = *opts;
	struct vx_progress *bar = vx_progress_new(path);
	struct timespec t0, t1;
	int r;

	o.progress = bar ? vx_progress_update : NULL;
	o.progress_ctx = bar;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = vx_import_file_hook(st, path, forced, &o, fc->f ? filter_hook : NULL, fc, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vx_progress_end(bar);
	if (r < 0) {
		vx_report_error();
		if (res.format)
			vx_warn("%s: nothing imported from this file", res.name);
		return -1;
	}
	if (res.warning[0])
		vx_warn("%s", res.warning);
	if (res.skipped)
		vx_warn("%s: %" PRIu64 " input lines/records not understood and skipped (first: \"%s\")",
			res.name, res.skipped, res.skipped_example);
	if (res.truncated)
		vx_warn("%s: truncated at offset %" PRIu64 "; imported the %" PRIu64 " complete events before it",
			res.name, res.truncated_at, res.events);
	if (res.lost_events)
		vx_warn("%s: the capture itself lost %" PRIu64 " events (ring buffer overruns)", res.name,
			res.lost_events);
	if (res.stacks_cut)
		vx_warn("%s: %" PRIu64 " events had a kernel stack deeper than %d frames; only its innermost %d are kept",
			res.name, res.stacks_cut, VX_MAX_FRAMES, VX_MAX_FRAMES);
	vx_info("%s: %.3f s", res.name,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (vx_verbosity >= 0 && fc->f)
		vx_term_line(stdout, "%s: capture %" PRId64 ", %s, %" PRIu64 " events (%" PRIu64 " filtered out by '%s')",
			     res.name, res.capture_id, res.format, res.events, res.filtered, fc->expr);
	else if (vx_verbosity >= 0)
		vx_term_line(stdout, "%s: capture %" PRId64 ", %s, %" PRIu64 " events", res.name, res.capture_id,
			     res.format, res.events);
	return 0;
}

int cmd_import(int argc, char **argv)
{
	const char *db = VX_DEFAULT_DB;
	const struct vx_format *forced = NULL;
	struct vx_import_opts opts = { 0 };
	struct vx_store *st;
	struct filter_ctx fc = { 0 };
	struct vx_filter *filter = NULL;
	int c, failed = 0;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_import, argc, argv)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f':
			forced = vx_format_by_name(optarg);
			if (!forced) {
				vx_die_msg("unknown format '%s'; 'vxanalyze import --help' lists them", optarg);
				return 2;
			}
			break;
		case VX_OPT_LONG(1): opts.kallsyms = optarg; break;
		case VX_OPT_LONG(2): opts.host = optarg; break;
		case VX_OPT_LONG(3): fc.expr = optarg; break;
		case 'q': case 'v': break;	/* vx_verbosity */
		case 'h': vx_help_write(&vx_doc_import, stdout); return 0;
		default: return vx_usage_error(&vx_doc_import);
		}
	}
	if (optind >= argc) {
		vx_die_msg("import: no capture file given ('-' reads standard input)");
		return vx_usage_error(&vx_doc_import);
	}
	if (fc.expr && !(filter = vx_filter_parse(fc.expr))) {
		vx_report_error();
		return 2;
	}
	fc.f = filter;
	st = store_open(db, false);
	if (!st) {
		vx_report_error();
		vx_filter_free(filter);
		return 1;
	}
	for (int i = optind; i < argc; i++)
		if (!forced && vx_import_is_database(argv[i]) ? import_db(st, argv[i], opts.host, &fc) < 0
							       : import_one(st, argv[i], forced, &opts, &fc) < 0)
			failed++;
	store_close(st);
	vx_filter_free(filter);
	return failed ? 1 : 0;
}
