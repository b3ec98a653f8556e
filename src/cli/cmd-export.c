/* cmd-export.c: `vxanalyze export` — each stored capture analysed as `report` does (the
 * streamed analysis on the store, src/app/store-source.c) and its journeys, hops, drops,
 * route requests and paths written into ClickHouse as one batch (src/fleet). A capture the
 * database holds already is skipped; one that fails stops the export with one line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "store/store.h"
#include "app/store-source.h"
#include "fleet/fleet-export.h"
#include "report/analysis.h"

static const struct vx_opt_doc export_opts[] = {
	{ .key = 'd', .name = "db", .arg = "FILE",
	  .help = "database (default " VX_DEFAULT_DB ")", .complete = VX_COMPLETE_FILE },
	{ .key = 't', .name = "to", .arg = "URL",
	  .help = "the ClickHouse server and database:\n"
	  "clickhouse://[USER[:PASSWORD]@]HOST[:PORT][/DATABASE]\n"
	  "(HTTP interface; default port 8123, database vxanalyze)" },
	{ .key = VX_OPT_LONG(1), .name = "cluster", .arg = "NAME",
	  .help = "a cluster of the server's remote_servers: each table\n"
	  "as TABLE_local on every server of it and a Distributed\n"
	  "TABLE over them, sharded by host (each server is reached\n"
	  "at its TCP port shifted as the URL's server's HTTP port is)" },
	{ .key = 'c', .name = "capture", .arg = "ID",
	  .help = "one capture (default: every capture in the database)",
	  .complete = VX_COMPLETE_CAPTURE },
	{ .key = 'H', .name = "host", .arg = "NAME",
	  .help = "the host of captures that name none (imported files)" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_export = {
	.name = "export",
	.summary = "write the captures' journeys into ClickHouse, for a fleet of hosts",
	.synopsis = "[-d DB] --to clickhouse://HOST:PORT/DATABASE [--cluster NAME] [--capture ID]\n"
		    "[--host NAME]",
	.description =
		"Analyse each capture as 'report' does and write what it finds into the ClickHouse\n"
		"database of the URL, over HTTP: the capture (host, boot id, kernel, times, events),\n"
		"its journeys (identity headers, end, drop, encapsulation, shape, links to the\n"
		"journeys they were cloned, copied, segmented or merged from or into), their hops\n"
		"(device, event, length, times, route decision, headers, NAT), drops, route requests\n"
		"and paths. Raw events are not exported. The database and its tables are created when\n"
		"missing. A capture the database holds already (same boot id, first and last event\n"
		"time, event count) is skipped. A capture's rows are written under a batch id and\n"
		"become visible at once when its row in 'captures' is written, last; 'vxanalyze\n"
		"fleet' reads them. See doc/fleet.md.\n",
	.opts = export_opts,
};

struct export_run {
	struct vx_store *st;
	struct fleet_db fdb;
	const char *db, *host;
	uint64_t exported, skipped;
};

/* analyse capture @c and write it as one batch */
static int export_capture(struct export_run *x, const struct vx_capture *c)
{
	struct fleet_capture fc = { .c = c, .database = x->db };
	/* the journeys go out as they end; the analysis' own lists are not written */
	struct vx_analysis_opts aopts = { .max_journeys = 1, .journey_each = fleet_batch_journey,
					  .no_numbering = true };
	struct fleet_export_stats stats;
	struct fleet_batch *b;
	struct vx_store *st;
	struct vx_analysis an;
	char boot[32], batch[64], *clock = NULL;
	size_t len;
	int ret, found;

	fc.host = c->host ? c->host : x->host;
	if (!fc.host && c->boot_id) {
		snprintf(boot, sizeof(boot), "boot %.8s", c->boot_id);
		fc.host = boot;
	}
	if (!fc.host)
		return vx_error("capture %lld names no host (a recording does; an imported file does not): "
				"name it with --host NAME", (long long)c->id);
	if (store_capture_meta(x->st, c->id, "clock", &clock, &len) < 0)
		return -1;
	fc.clock = clock;
	found = fleet_capture_find(&x->fdb, &fc, batch);
	if (found) {
		if (found > 0 && vx_verbosity >= 0)
			printf("capture %lld (host %s): in %s already as batch %s; nothing added\n",
			       (long long)c->id, fc.host, ch_name(x->fdb.conn), batch);
		x->skipped += found > 0;
		free(clock);
		return found < 0 ? -1 : 0;
	}
	b = fleet_batch_begin(&x->fdb, &fc);
	aopts.journey_each_arg = b;
	/* a connection of its own: the analysis' temporary tables start afresh */
	st = store_open(x->db, true);
	ret = st ? vx_stored_analyse(st, c->id, &aopts, &an) : -1;
	if (!ret) {
		ret = fleet_batch_finish(b, &an, &stats);
		vx_stored_analysis_release(&an);
	}
	if (st)
		store_close(st);
	if (!ret && vx_verbosity >= 0)
		printf("capture %lld (host %s): %llu journeys, %llu hops, %llu drops as batch %s (%.0f hop rows/s "
		       "into the server)\n", (long long)c->id, fc.host, (unsigned long long)stats.journeys,
		       (unsigned long long)stats.hops, (unsigned long long)stats.drops, fleet_batch_id(b),
		       stats.insert_secs > 0 ? stats.hops / stats.insert_secs : 0.0);
	x->exported += !ret;
	fleet_batch_free(b);
	free(clock);
	return ret;
}

int cmd_export(int argc, char **argv)
{
	struct export_run x = { .db = VX_DEFAULT_DB };
	const char *url = NULL, *cluster = NULL;
	struct vx_dataset caps = { 0 };
	long long capture = 0;
	char *end;
	int c, ret = 1;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_export, argc, argv)) != -1) {
		switch (c) {
		case 'd': x.db = optarg; break;
		case 't': url = optarg; break;
		case VX_OPT_LONG(1): cluster = optarg; break;
		case 'H': x.host = optarg; break;
		case 'c':
			capture = strtoll(optarg, &end, 10);
			if (*end || capture <= 0) {
				vx_die_msg("--capture wants a capture id (a positive number), not '%s'", optarg);
				return vx_usage_error(&vx_doc_export);
			}
			break;
		case 'h': vx_help_write(&vx_doc_export, stdout); return 0;
		default: return vx_usage_error(&vx_doc_export);
		}
	}
	if (optind < argc) {
		vx_die_msg("unexpected argument '%s'; see 'vxanalyze export --help'", argv[optind]);
		return 2;
	}
	if (!url) {
		vx_die_msg("export needs --to clickhouse://HOST:PORT/DATABASE; see 'vxanalyze export --help'");
		return 2;
	}
	x.st = store_open(x.db, true);
	if (!x.st) {
		vx_report_error();
		return 1;
	}
	if (store_load(x.st, capture, false, &caps) < 0 || fleet_db_open(&x.fdb, url, cluster, true) < 0)
		goto done;
	if (!caps.ncaptures) {
		if (capture)
			vx_error("%s: no capture %lld", x.db, capture);
		else
			vx_error("%s: no capture to export", x.db);
		goto done;
	}
	for (size_t i = 0; i < caps.ncaptures; i++)
		if (export_capture(&x, &caps.captures[i]) < 0)
			goto done;
	if (vx_verbosity >= 0 && !x.exported)
		printf("every capture is in %s already; nothing added\n", ch_name(x.fdb.conn));
	ret = 0;
done:
	if (ret)
		vx_report_error();
	fleet_db_close(&x.fdb);
	vx_dataset_release(&caps);
	store_close(x.st);
	return ret;
}
