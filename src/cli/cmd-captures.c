/* cmd-captures.c: `vxanalyze captures` — list the stored captures, or delete one. The
 * stored strings (format, source, kernel release, import time) may come from anybody's
 * database: every row goes out through the terminal sanitiser (vx_term_line).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "store/store.h"

static const struct vx_opt_doc captures_opts[] = {
	{ .key = 'd', .name = "db", .arg = "FILE",
	  .help = "database (default " VX_DEFAULT_DB ")", .complete = VX_COMPLETE_FILE },
	{ .key = VX_OPT_LONG(1), .name = "delete", .arg = "ID",
	  .help = "remove capture ID and its events", .complete = VX_COMPLETE_CAPTURE },
	{ .key = 'v', .name = "verbose",
	  .help = "also the kernel release and when each capture was imported" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_captures = {
	.name = "captures",
	.summary = "list (or delete) the captures stored in the database",
	.synopsis = "[-d DB] [--delete ID]",
	.description = "List the captures stored in the database (id, format, events, lost, source).\n",
	.opts = captures_opts,
};

int cmd_captures(int argc, char **argv)
{
	const char *db = VX_DEFAULT_DB;
	long long del = 0;
	struct vx_store *st;
	struct vx_dataset ds;
	char *end;
	int c;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_captures, argc, argv)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case VX_OPT_LONG(1):
			del = strtoll(optarg, &end, 10);
			if (*end || end == optarg || del <= 0) {
				vx_die_msg("--delete wants a capture id (a positive number), not '%s'", optarg);
				return vx_usage_error(&vx_doc_captures);
			}
			break;
		case 'v': break;	/* vx_verbosity */
		case 'h': vx_help_write(&vx_doc_captures, stdout); return 0;
		default: return vx_usage_error(&vx_doc_captures);
		}
	}
	if (optind < argc) {
		vx_die_msg("captures: unexpected argument '%s'", argv[optind]);
		return vx_usage_error(&vx_doc_captures);
	}
	st = store_open(db, del == 0);
	if (!st)
		return vx_report_error(), 1;
	if (del) {
		int r = store_capture_delete(st, del);

		if (r < 0)
			vx_report_error();
		else
			printf("deleted capture %lld\n", del);
		store_close(st);
		return r < 0;
	}
	if (store_load(st, 0, false, &ds) < 0) {
		vx_report_error();
		store_close(st);
		return 1;
	}
	printf("%4s  %-12s %9s %7s  %s%s\n", "id", "format", "events", "lost",
	       vx_verbosity > 0 ? "imported at           kernel        " : "", "source");
	for (size_t i = 0; i < ds.ncaptures; i++) {
		const struct vx_capture *k = &ds.captures[i];

		if (vx_verbosity > 0) {
			vx_term_line(stdout, "%4" PRId64 "  %-12s %9" PRIu64 " %7" PRIu64 "  %-21s %-13s %s%s", k->id,
				     k->format, k->events, k->lost_events, k->imported_at ? k->imported_at : "-",
				     k->kernel_release ? k->kernel_release : "-", k->source,
				     k->truncated ? " (truncated)" : "");
			continue;
		}

		vx_term_line(stdout, "%4" PRId64 "  %-12s %9" PRIu64 " %7" PRIu64 "  %s%s", k->id, k->format,
			     k->events, k->lost_events, k->source, k->truncated ? " (truncated)" : "");
	}
	vx_dataset_release(&ds);
	store_close(st);
	return 0;
}
