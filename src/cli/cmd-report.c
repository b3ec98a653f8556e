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
#include "color.h"
#include "core/error.h"
#include "help.h"
#include "store/store.h"
#include "app/store-source.h"
#include "core/strbuf.h"
#include "report/analysis.h"
#include "report/filter.h"
#include "report/render.h"

static const struct vx_choice *renderer_choice(size_t i)
{
	static struct vx_choice c;

	if (!vx_renderers[i])
		return NULL;
	c = (struct vx_choice){ vx_renderers[i]->name, vx_renderers[i]->desc };
	return &c;
}

static const struct vx_opt_doc report_opts[] = {
	{ .key = 'd', .name = "db", .arg = "FILE",
	  .help = "database (default " VX_DEFAULT_DB ")", .complete = VX_COMPLETE_FILE },
	{ .key = 'c', .name = "capture", .arg = "ID",
	  .help = "one capture (default: every capture in the database)",
	  .complete = VX_COMPLETE_CAPTURE },
	{ .key = 'f', .name = "format", .arg = "NAME",
	  .help = "output format (default text)",
	  .complete = VX_COMPLETE_WORDS, .choice = renderer_choice, .choices_title = "formats" },
	{ .key = VX_OPT_LONG(1), .name = "html",
	  .help = "same as --format html: one self-contained page (inline\n"
	  "SVG/CSS/JS, nothing fetched, restrictive CSP) drawing the\n"
	  "-n most frequent journey shapes; below 8 MB whatever the\n"
	  "capture (+110 KB per shape above 20, at most 100 shapes)" },
	{ .key = 'o', .name = "output", .arg = "FILE",
	  .help = "write to FILE instead of standard output", .complete = VX_COMPLETE_FILE },
	{ .key = 'n', .name = "max-journeys", .arg = "N",
	  .help = "journey shapes shown by text, drawn by html and dot\n"
	  "(default 20; html/dot draw at most 100); journeys listed\n"
	  "by json and named by chrome, the first in time (default\n"
	  "1000; with captures of several hosts, the first of each\n"
	  "host, so the join finds both halves; json says how many\n"
	  "it left out)" },
	{ .key = VX_OPT_LONG(2), .name = "color", .arg = "WHEN",
	  .help = "colour the text report: auto (default: on a terminal\n"
	  "when NO_COLOR is not set), always, never",
	  .complete = VX_COMPLETE_WORDS, .words = "auto always never" },
	{ .key = 'F', .name = "filter", .arg = "EXPR",
	  .help = "only the journeys that match EXPR: host A, src A, dst A,\n"
	  "net CIDR, port N, icmp, icmp6, udp, tcp (from the headers\n"
	  "and route lookups of the hops), dev GLOB, dropped, encap;\n"
	  "and, or, not, ()" },
	{ .key = 'v', .name = "verbose", .help = "whole stacks in the text report" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_report = {
	.name = "report",
	.summary = "explain the packet journeys and kernel paths of a capture",
	.synopsis = "[-d DB] [--capture ID] [--format NAME | --html] [-o FILE] [--filter EXPR]\n"
		    "[--color WHEN]",
	.description =
		"Explain the packet journeys (events joined by skb address) and the distinct kernel\n"
		"paths (stacks) of the stored captures: layers, IP-layer passes, encapsulation.\n"
		"Captures of several hosts (vxanalyze import OTHER.db) are joined: the journeys that\n"
		"carry the same packet (its headers) on two hosts become one, with each host's clock\n"
		"offset estimated from the packets that crossed the wire both ways.\n",
	.opts = report_opts,
};

int cmd_report(int argc, char **argv)
{
	const char *db = VX_DEFAULT_DB, *format = "text", *output = NULL;
	struct vx_render_opts ropts = { 0 };
	const struct vx_renderer *r;
	struct vx_store *st;
	struct vx_analysis an;
	struct vx_analysis_opts aopts = { 0 };
	struct strbuf tmp = STRBUF_INIT;
	enum vx_color color = VX_COLOR_AUTO;
	struct vx_filter *filter = NULL;
	const char *filter_expr = NULL;
	long long capture = 0;
	FILE *out = stdout;
	char *end;
	int c, ret = 1;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_report, argc, argv)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'c':
			capture = strtoll(optarg, &end, 10);
			if (*end || capture <= 0) {
				vx_die_msg("--capture wants a capture id (a positive number), not '%s'", optarg);
				return vx_usage_error(&vx_doc_report);
			}
			break;
		case 'f': format = optarg; break;
		case VX_OPT_LONG(1): format = "html"; break;
		case 'o': output = optarg; break;
		case 'n': {
			long n = strtol(optarg, &end, 10);

			if (*end || end == optarg || n <= 0 || n > 1000000) {
				vx_die_msg("--max-journeys wants a positive number, not '%s'", optarg);
				return vx_usage_error(&vx_doc_report);
			}
			ropts.max_journeys = (int)n;
			break;
		}
		case VX_OPT_LONG(2):
			if (vx_color_parse(optarg, &color) < 0) {
				vx_die_msg("--color '%s': choose auto, always or never", optarg);
				return vx_usage_error(&vx_doc_report);
			}
			break;
		case 'F': filter_expr = optarg; break;
		case 'v': break;	/* vx_verbosity */
		case 'h': vx_help_write(&vx_doc_report, stdout); return 0;
		default: return vx_usage_error(&vx_doc_report);
		}
	}
	ropts.verbose = vx_verbosity > 0;
	if (optind < argc) {
		vx_die_msg("unexpected argument '%s'; see 'vxanalyze report --help'", argv[optind]);
		return 2;
	}
	r = vx_renderer_by_name(format);
	if (!r) {
		vx_die_msg("unknown report format '%s'; 'vxanalyze report --help' lists them", format);
		return 2;
	}
	if (filter_expr && !(filter = vx_filter_parse(filter_expr))) {
		vx_report_error();
		return 2;
	}
	st = store_open(db, true);
	if (!st) {
		vx_report_error();
		vx_filter_free(filter);
		return 1;
	}
	/* journeys kept in detail: what the JSON lists (and at least enough to number the
	 * shapes' first journeys without a second walk, most of the time) */
	aopts.max_journeys = ropts.max_journeys > VX_ANALYSIS_MAX_JOURNEYS ? (size_t)ropts.max_journeys :
			     VX_ANALYSIS_MAX_JOURNEYS;
	aopts.paths_only = r->paths_only;
	aopts.filter = filter;
	/* one read transaction for the analysis and the renderer that streams events */
	if (vx_stored_analyse(st, capture, &aopts, &an) < 0) {
		vx_report_error();
		store_close(st);
		vx_filter_free(filter);
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
	ropts.color = vx_color_enabled(color, out);
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
	vx_filter_free(filter);
	vx_stored_analysis_release(&an);
	store_close(st);
	return ret;
}
