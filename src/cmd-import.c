/* cmd-import.c: `vxanalyze import FILE...` — detect each file's format, stream it into the
 * store as one capture in one transaction, and say what was kept and what was not.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "error.h"
#include "import.h"
#include "store.h"
#include "../parsers/format.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vxanalyze import [-d DB] [--format NAME] [--kallsyms FILE] FILE...\n\n"
		   "Import capture files into the database, one capture per file ('-' reads standard input).\n"
		   "The format is detected from the content unless --format is given.\n\n"
		   "  -d, --db FILE        database (default " VX_DEFAULT_DB ")\n"
		   "  -f, --format NAME    skip detection and read FILE as NAME\n"
		   "      --kallsyms FILE  kernel symbols for captures that hold raw addresses\n"
		   "  -q, --quiet          print errors and warnings only\n\nformats:\n");
	for (size_t i = 0; vx_formats[i]; i++)
		fprintf(f, "  %-14s %s\n", vx_formats[i]->name, vx_formats[i]->desc);
}

static int import_one(struct vx_store *st, const char *path, const struct vx_format *forced,
		      const struct vx_import_opts *opts, bool quiet)
{
	struct vx_import_result res;

	if (vx_import_file(st, path, forced, opts, &res) < 0) {
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
	if (!quiet)
		printf("%s: capture %" PRId64 ", %s, %" PRIu64 " events\n", res.name, res.capture_id,
		       res.format, res.events);
	return 0;
}

int cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "kallsyms", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = VX_DEFAULT_DB;
	const struct vx_format *forced = NULL;
	struct vx_import_opts opts = { 0 };
	struct vx_store *st;
	bool quiet = false;
	int c, failed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:f:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f':
			forced = vx_format_by_name(optarg);
			if (!forced) {
				vx_die_msg("unknown format '%s'; 'vxanalyze import --help' lists them", optarg);
				return 2;
			}
			break;
		case 'k': opts.kallsyms = optarg; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	st = store_open(db, false);
	if (!st) {
		vx_report_error();
		return 1;
	}
	for (int i = optind; i < argc; i++)
		if (import_one(st, argv[i], forced, &opts, quiet) < 0)
			failed++;
	store_close(st);
	return failed ? 1 : 0;
}
