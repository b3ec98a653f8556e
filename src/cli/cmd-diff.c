/* cmd-diff.c: `vxanalyze diff A B` — what changed between two stored captures: paths,
 * journey shapes with their per-hop p50 latencies, and the double trip. Each capture is
 * analysed alone (the streamed analysis, bounded memory), folded into the diff
 * (report/diff.c) and released before the next; the chosen renderer writes the diff to
 * stdout or a file (FILE.tmp, then renamed).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "store/store.h"
#include "app/store-source.h"
#include "core/strbuf.h"
#include "report/analysis.h"
#include "report/diff.h"

/* exit status of --exit-code when the captures differ (1 is an error in vxanalyze) */
#define DIFF_EXIT_CHANGED 3

static const struct vx_choice *format_choice(size_t i)
{
	static struct vx_choice c;

	if (!vx_diff_renderers[i])
		return NULL;
	c = (struct vx_choice){ vx_diff_renderers[i]->name, vx_diff_renderers[i]->desc };
	return &c;
}

static const struct vx_opt_doc diff_opts[] = {
	{ .key = 'd', .name = "db", .arg = "FILE",
	  .help = "database (default " VX_DEFAULT_DB ")", .complete = VX_COMPLETE_FILE },
	{ .key = 'f', .name = "format", .arg = "NAME",
	  .help = "output format (default text)",
	  .complete = VX_COMPLETE_WORDS, .choice = format_choice, .choices_title = "formats" },
	{ .key = VX_OPT_LONG(1), .name = "html",
	  .help = "same as --format html: one self-contained page (tables,\n"
	  "no script, nothing fetched)" },
	{ .key = 'o', .name = "output", .arg = "FILE",
	  .help = "write to FILE instead of standard output", .complete = VX_COMPLETE_FILE },
	{ .key = 't', .name = "threshold", .arg = "PCT",
	  .help = "a count or a hop's p50 latency is changed when it\n"
	  "differs by more than PCT percent of the larger (default 25;\n"
	  "a p50 must also differ by at least 5 us)" },
	{ .key = VX_OPT_LONG(2), .name = "exit-code",
	  .help = "exit with status 3 when the captures differ (0 when not)" },
	{ .key = 'v', .name = "verbose", .help = "whole stacks in the text output" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_diff = {
	.name = "diff",
	.summary = "what changed between two captures: paths, journey shapes, latency",
	.synopsis = "[-d DB] [--format NAME | --html] [-o FILE] [--threshold PCT] [--exit-code] A B",
	.description =
		"Compare capture A with capture B (ids of 'vxanalyze captures'): the paths (an event\n"
		"and its kernel stack, by function names), the journey shapes (the hops' events,\n"
		"devices and lengths) and whether the double trip through IP (encapsulation, then\n"
		"back up into IP) is in one and not the other. A path or shape is only in A, only\n"
		"in B, changed (its count, or for a shape the p50 of a hop's time since the previous\n"
		"hop, differs by more than the threshold) or the same. A capture compared with\n"
		"itself shows no change. Shapes that differ only by a hop's stack are one shape\n"
		"here; the paths tell the stacks apart. Each capture is analysed alone, in the\n"
		"bounded memory of the report.\n"
		"\n"
		"The exit status is 0 whether or not the captures differ, unless --exit-code is\n"
		"given: then 3 when they differ (1 stays an error, 2 a usage error).\n",
	.opts = diff_opts,
	.operands = VX_COMPLETE_CAPTURE,
};

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*end || end == s || v <= 0)
		return -1;
	*id = v;
	return 0;
}

/* analyse capture @id alone and fold it into side @side of @d */
static int diff_side(struct vx_store *st, int64_t id, int side, struct vx_diff *d)
{
	struct vx_analysis_opts ao = { .max_journeys = VX_MAX_SHAPES };
	struct vx_analysis an;
	int ret;

	if (vx_stored_analyse(st, id, &ao, &an) < 0)
		return -1;
	ret = vx_diff_add(d, side, &an);
	vx_stored_analysis_release(&an);
	return ret;
}

int cmd_diff(int argc, char **argv)
{
	const char *db = VX_DEFAULT_DB, *format = "text", *output = NULL;
	const struct vx_diff_renderer *r;
	struct vx_diff_opts dopts = { 0 };
	struct strbuf tmp = STRBUF_INIT;
	struct vx_store *st;
	struct vx_diff d;
	bool exit_code = false;
	int64_t ids[2];
	FILE *out = stdout;
	int c, ret = 1;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_diff, argc, argv)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f': format = optarg; break;
		case VX_OPT_LONG(1): format = "html"; break;
		case 'o': output = optarg; break;
		case 't': {
			char *end;
			long t = strtol(optarg, &end, 10);

			if (*end || end == optarg || t < 1 || t > 1000) {
				vx_die_msg("--threshold wants a percentage from 1 to 1000, not '%s'", optarg);
				return vx_usage_error(&vx_doc_diff);
			}
			dopts.threshold_pct = (int)t;
			break;
		}
		case VX_OPT_LONG(2): exit_code = true; break;
		case 'v': break;	/* vx_verbosity */
		case 'h': vx_help_write(&vx_doc_diff, stdout); return 0;
		default: return vx_usage_error(&vx_doc_diff);
		}
	}
	if (argc - optind != 2) {
		vx_die_msg("diff wants two capture ids, A and B ('vxanalyze captures' lists them), not %d argument%s",
			   argc - optind, argc - optind == 1 ? "" : "s");
		return vx_usage_error(&vx_doc_diff);
	}
	for (int i = 0; i < 2; i++)
		if (parse_id(argv[optind + i], &ids[i]) < 0) {
			vx_die_msg("diff: '%s' is not a capture id (a positive number); 'vxanalyze captures' "
				   "lists them", argv[optind + i]);
			return vx_usage_error(&vx_doc_diff);
		}
	r = vx_diff_renderer_by_name(format);
	if (!r) {
		vx_die_msg("unknown diff format '%s'; 'vxanalyze diff --help' lists them", format);
		return 2;
	}
	st = store_open(db, true);
	if (!st) {
		vx_report_error();
		return 1;
	}
	vx_diff_init(&d, &dopts);
	/* one read transaction: both captures as they were at one moment */
	if (store_read_begin(st) < 0 || diff_side(st, ids[0], 0, &d) < 0 || diff_side(st, ids[1], 1, &d) < 0) {
		vx_report_error();
		goto done;
	}
	vx_diff_finish(&d);
	if (output) {
		strbuf_addf(&tmp, "%s.tmp", output);
		out = fopen(tmp.buf, "w");
		if (!out) {
			vx_die_msg("%s: cannot write: %m", tmp.buf);
			goto done;
		}
	}
	c = r->write(out, &d, vx_verbosity > 0);
	if (output && fclose(out) != 0)
		c = -1;
	if (c < 0) {
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
	ret = exit_code && d.changed ? DIFF_EXIT_CHANGED : 0;
done:
	strbuf_release(&tmp);
	vx_diff_release(&d);
	store_read_end(st);
	store_close(st);
	return ret;
}
