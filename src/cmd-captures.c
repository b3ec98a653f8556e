/* cmd-captures.c: `vxanalyze captures` — list the stored captures, or delete one. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "error.h"
#include "store.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vxanalyze captures [-d DB] [--delete ID]\n\n"
		   "List the captures stored in the database (id, format, events, lost, source).\n\n"
		   "  -d, --db FILE     database (default " VX_DEFAULT_DB ")\n"
		   "      --delete ID   remove capture ID and its events\n");
}

int cmd_captures(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "delete", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = VX_DEFAULT_DB;
	long long del = 0;
	struct vx_store *st;
	struct vx_dataset ds;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'D': del = strtoll(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
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
	printf("%4s  %-12s %9s %7s  %s\n", "id", "format", "events", "lost", "source");
	for (size_t i = 0; i < ds.ncaptures; i++) {
		const struct vx_capture *k = &ds.captures[i];

		printf("%4" PRId64 "  %-12s %9" PRIu64 " %7" PRIu64 "  %s%s\n", k->id, k->format, k->events,
		       k->lost_events, k->source, k->truncated ? " (truncated)" : "");
	}
	vx_dataset_release(&ds);
	store_close(st);
	return 0;
}
