/* cmd-fleet.c: `vxanalyze fleet` — the fleet report over the captures `export` wrote into
 * ClickHouse: every figure computed there by SQL (src/fleet/fleet-query.c), written by the
 * chosen renderer to stdout or a file (FILE.tmp, then renamed).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "help.h"
#include "fleet/fleet-render.h"

static const struct vx_choice *format_choice(size_t i)
{
	static struct vx_choice c;

	if (!fleet_renderers[i])
		return NULL;
	c = (struct vx_choice){ fleet_renderers[i]->name, fleet_renderers[i]->desc };
	return &c;
}

static const struct vx_opt_doc fleet_opts[] = {
	{ .key = 'F', .name = "from", .arg = "URL",
	  .help = "the ClickHouse server and database export wrote:\n"
	  "clickhouse://[USER[:PASSWORD]@]HOST[:PORT][/DATABASE]" },
	{ .key = VX_OPT_LONG(1), .name = "cluster", .arg = "NAME",
	  .help = "read every server of this remote_servers cluster\n"
	  "through remote() (default: the tables the URL names,\n"
	  "Distributed ones when export had --cluster)" },
	{ .key = 'H', .name = "host", .arg = "GLOB",
	  .help = "only the hosts whose name matches GLOB (* ? [...])" },
	{ .key = 'f', .name = "format", .arg = "NAME",
	  .help = "output format (default text)",
	  .complete = VX_COMPLETE_WORDS, .choice = format_choice, .choices_title = "formats" },
	{ .key = 'o', .name = "output", .arg = "FILE",
	  .help = "write to FILE instead of standard output", .complete = VX_COMPLETE_FILE },
	{ .key = 'n', .name = "max-shapes", .arg = "N",
	  .help = "latency of each host's N most frequent shapes (default 5)" },
	{ .key = 'j', .name = "max-joined", .arg = "N",
	  .help = "joined journeys listed (default 100; all are counted)" },
	{ .key = 's', .name = "max-slowest", .arg = "N",
	  .help = "slowest journeys listed (default 20)" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_fleet = {
	.name = "fleet",
	.summary = "the fleet report: drops, latency and cross-host journeys, by SQL in ClickHouse",
	.synopsis = "--from clickhouse://HOST:PORT/DATABASE [--cluster NAME] [--host GLOB]\n"
		    "[--format text|json|html] [-o FILE] [--max-shapes N] [--max-joined N]",
	.description =
		"Ask the ClickHouse database that 'vxanalyze export' wrote about the whole fleet;\n"
		"ClickHouse computes every figure: the hosts with their journeys by how they ended,\n"
		"the drops by host, reason and location, the time of each hop of each host's most\n"
		"frequent journey shapes (p50, p90, p99, max), the packets seen on several hosts\n"
		"joined by their headers as 'report' joins them (the first 100 listed, hosts and hops\n"
		"in time order), the clock offset of each pair of hosts from the minimum one-way\n"
		"delays both ways, and the slowest journeys. See doc/fleet.md.\n",
	.opts = fleet_opts,
};

static int write_report(const struct fleet_renderer *r, const struct fleet_report *rep, const char *output)
{
	struct strbuf tmp = STRBUF_INIT;
	FILE *out = stdout;
	int ret = -1;

	if (output) {
		strbuf_addf(&tmp, "%s.tmp", output);
		out = fopen(tmp.buf, "w");
		if (!out) {
			vx_die_msg("%s: cannot write: %m", tmp.buf);
			strbuf_release(&tmp);
			return -1;
		}
	}
	if (r->write(out, rep) < 0 || (output && fclose(out) != 0)) {
		vx_die_msg("%s: write error", output ? output : "standard output");
		if (output)
			unlink(tmp.buf);
	} else if (output && rename(tmp.buf, output) < 0) {
		vx_die_msg("%s: cannot rename from %s: %m", output, tmp.buf);
		unlink(tmp.buf);
	} else {
		ret = 0;
	}
	strbuf_release(&tmp);
	return ret;
}

int cmd_fleet(int argc, char **argv)
{
	const char *url = NULL, *cluster = NULL, *format = "text", *output = NULL;
	struct fleet_query_opts qo = { 0 };
	const struct fleet_renderer *r;
	struct fleet_report rep;
	struct fleet_db db;
	char *end;
	int c, ret;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_fleet, argc, argv)) != -1) {
		switch (c) {
		case 'F': url = optarg; break;
		case VX_OPT_LONG(1): cluster = optarg; break;
		case 'H': qo.host_glob = optarg; break;
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'n':
		case 'j':
		case 's': {
			long n = strtol(optarg, &end, 10);

			if (*end || end == optarg || n <= 0 || n > 100000) {
				vx_die_msg("--%s wants a number from 1 to 100000, not '%s'",
					   c == 'n' ? "max-shapes" : c == 'j' ? "max-joined" : "max-slowest", optarg);
				return vx_usage_error(&vx_doc_fleet);
			}
			*(c == 'n' ? &qo.max_shapes : c == 'j' ? &qo.max_joined : &qo.max_slowest) = (size_t)n;
			break;
		}
		case 'h': vx_help_write(&vx_doc_fleet, stdout); return 0;
		default: return vx_usage_error(&vx_doc_fleet);
		}
	}
	if (optind < argc) {
		vx_die_msg("unexpected argument '%s'; see 'vxanalyze fleet --help'", argv[optind]);
		return 2;
	}
	if (!url) {
		vx_die_msg("fleet needs --from clickhouse://HOST:PORT/DATABASE; see 'vxanalyze fleet --help'");
		return 2;
	}
	r = fleet_renderer_by_name(format);
	if (!r) {
		vx_die_msg("unknown fleet format '%s'; 'vxanalyze fleet --help' lists them", format);
		return 2;
	}
	if (fleet_db_open(&db, url, cluster, false) < 0) {
		vx_report_error();
		return 1;
	}
	ret = fleet_query(&db, &qo, &rep);
	fleet_db_close(&db);
	if (ret < 0) {
		vx_report_error();
		return 1;
	}
	ret = write_report(r, &rep, output) < 0 ? 1 : 0;
	fleet_report_release(&rep);
	return ret;
}
