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
#include "../report/filter.h"
#include "../report/render.h"

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
		   "  -n, --max-journeys N   journeys shown by text, journey shapes drawn by html and\n"
		   "                         dot (default 20; html/dot draw at most 100)\n"
		   "  -F, --filter EXPR      only the journeys that match EXPR: host A, src A, dst A,\n"
		   "                         net CIDR, port N, icmp, udp, tcp (from the route lookups\n"
		   "                         of the hops), dev GLOB, dropped, encap; and, or, not, ()\n"
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
		{ "filter", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = VX_DEFAULT_DB, *format = "text", *output = NULL;
	struct vx_render_opts ropts = { 0 };
	const struct vx_renderer *r;
	struct vx_store *st;
	struct vx_dataset ds;
	struct vx_analysis an;
	struct strbuf tmp = STRBUF_INIT;
	struct vx_filter *filter = NULL;
	const char *filter_expr = NULL;
	long long capture = 0;
	FILE *out = stdout;
	char *end;
	int c, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:c:f:o:n:F:vh", longopts, NULL)) != -1) {
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
		case 'F': filter_expr = optarg; break;
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
	if (store_load(st, capture, true, &ds) < 0) {
		vx_report_error();
		store_close(st);
		vx_filter_free(filter);
		return 1;
	}
	store_close(st);
	if (vx_analysis_build(&ds, &an) < 0 || (filter && vx_analysis_filter(&an, filter) < 0)) {
		vx_report_error();
		vx_analysis_release(&an);	/* a failed build left it empty: releasing is harmless */
		vx_filter_free(filter);
		vx_dataset_release(&ds);
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
	if (r->write(out, &an, &ropts) < 0 || (output && fclose(out) != 0)) {
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
	vx_analysis_release(&an);
	vx_dataset_release(&ds);
	return ret;
}
