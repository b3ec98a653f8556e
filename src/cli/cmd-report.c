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
	{ .key = 'j', .name = "journey", .arg = "N",
	  .help = "with --format pcapng: only journey N's packets (the id\n"
	  "the other formats show for the same --capture and --filter)" },
	{ .key = 'v', .name = "verbose", .help = "whole stacks in the text report" },
	{ 0 },
};

const struct vx_cmd_doc vx_doc_report = {
	.name = "report",
	.summary = "explain the packet journeys and kernel paths of a capture",
	.synopsis = "[-d DB] [--capture ID] [--format NAME | --html] [-o FILE] [--filter EXPR]\n"
		    "[--color WHEN] [--journey N]",
	.description =
		"Explain the packet journeys (events joined by skb address) and the distinct kernel\n"
		"paths (stacks) of the stored captures: layers, IP-layer passes, encapsulation.\n"
		"Captures of several hosts (vxanalyze import OTHER.db) are joined: the journeys that\n"
		"carry the same packet (its headers) on two hosts become one, with each host's clock\n"
		"offset estimated from the packets that crossed the wire both ways.\n"
		"\n"
		"--format pcapng writes the packet bytes that record --snaplen read at the kprobe hops\n"
		"of the kept journeys (the first 1000; -n raises it) as a pcapng file for Wireshark:\n"
		"one packet per hop in time order, one interface per device (host:device with\n"
		"several hosts), each packet's comment naming journey, hop, function, layer and host.\n"
		"It needs -o FILE or a pipe, and fails with one line when the journeys carry no bytes.\n",
	.opts = report_opts,
};

/* shell_quote - @s for a POSIX shell: as it is when it is plain, else in single quotes */
static void shell_quote(struct strbuf *sb, const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-:,+=@%") ==
		  strlen(s)) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_addch(sb, '\'');
	for (; *s; s++)
		strbuf_addstr(sb, *s == '\'' ? "'\\''" : (char[]){ *s, 0 });
	strbuf_addch(sb, '\'');
}

/* select_args - the options that chose this report's journeys, for the command lines the
 * renderers print ("-d x.db --capture 2 --filter 'icmp'") */
static void select_args(struct strbuf *sb, const char *db, long long capture, const char *filter)
{
	strbuf_addstr(sb, "-d ");
	shell_quote(sb, db);
	if (capture)
		strbuf_addf(sb, " --capture %lld", capture);
	if (filter) {
		strbuf_addstr(sb, " --filter ");
		shell_quote(sb, filter);
	}
}

/* after a pcapng of every kept journey: say when the report kept fewer than there are */
static void pcapng_note(const struct vx_analysis *an, const struct vx_render_opts *ropts)
{
	size_t total = vx_analysis_journeys_total(an);

	if (!ropts->journey && total > an->njourneys)
		vx_warn("pcapng: the packets of the first %zu of %zu journeys; raise --max-journeys for more",
			an->njourneys, total);
}

/* what the command line asks for */
struct report_args {
	const char *db, *format, *output, *filter_expr;
	long long capture;
	enum vx_color color;
	struct vx_render_opts ropts;
};

/* a positive number up to @max into *@out; false (said: "@opt wants @what") when it is not */
static bool positive(const char *arg, long long max, const char *opt, const char *what, long long *out)
{
	char *end;
	long long n = strtoll(arg, &end, 10);

	if (*end || end == arg || n <= 0 || n > max) {
		vx_die_msg("%s wants %s, not '%s'", opt, what, arg);
		return false;
	}
	*out = n;
	return true;
}

/* the options into @a; -1 to go on, else the exit status (help printed: 0, usage: 2) */
static int report_parse(int argc, char **argv, struct report_args *a)
{
	long long n;
	int c;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_report, argc, argv)) != -1) {
		switch (c) {
		case 'd': a->db = optarg; break;
		case 'c':
			if (!positive(optarg, INT64_MAX, "--capture", "a capture id (a positive number)", &a->capture))
				return vx_usage_error(&vx_doc_report);
			break;
		case 'f': a->format = optarg; break;
		case VX_OPT_LONG(1): a->format = "html"; break;
		case 'o': a->output = optarg; break;
		case 'n':
			if (!positive(optarg, 1000000, "--max-journeys", "a number from 1 to 1000000", &n))
				return vx_usage_error(&vx_doc_report);
			a->ropts.max_journeys = (int)n;
			break;
		case VX_OPT_LONG(2):
			if (vx_color_parse(optarg, &a->color) < 0) {
				vx_die_msg("--color '%s': choose auto, always or never", optarg);
				return vx_usage_error(&vx_doc_report);
			}
			break;
		case 'F': a->filter_expr = optarg; break;
		case 'j':
			if (!positive(optarg, 100000000, "--journey", "a journey id (a positive number)", &n))
				return vx_usage_error(&vx_doc_report);
			a->ropts.journey = (int)n;
			break;
		case 'v': break;	/* vx_verbosity */
		case 'h': vx_help_write(&vx_doc_report, stdout); return 0;
		default: return vx_usage_error(&vx_doc_report);
		}
	}
	a->ropts.verbose = vx_verbosity > 0;
	if (optind < argc) {
		vx_die_msg("unexpected argument '%s'; see 'vxanalyze report --help'", argv[optind]);
		return 2;
	}
	return -1;
}

/* the renderer @a names, checked against the options that go with it; NULL (said) when none */
static const struct vx_renderer *report_renderer(const struct report_args *a)
{
	const struct vx_renderer *r = vx_renderer_by_name(a->format);

	if (!r) {
		vx_die_msg("unknown report format '%s'; 'vxanalyze report --help' lists them", a->format);
		return NULL;
	}
	if (a->ropts.journey && strcmp(r->name, "pcapng")) {
		vx_die_msg("--journey goes with --format pcapng (the other formats show every journey)");
		return NULL;
	}
	if (!strcmp(r->name, "pcapng") && !a->output && isatty(STDOUT_FILENO)) {
		vx_die_msg("pcapng: standard output is a terminal: write to a file with -o FILE, or pipe it "
			   "(| wireshark -k -i -)");
		return NULL;
	}
	return r;
}

/* @r's output of @an to standard output, or to @a->output through a temporary file renamed
 * when complete (nothing is left behind on failure); 0, or -1 (said) */
static int report_write(const struct report_args *a, const struct vx_renderer *r, struct vx_analysis *an,
			struct vx_render_opts *ropts)
{
	struct strbuf tmp = STRBUF_INIT;
	FILE *out = stdout;
	int ret = -1;

	if (a->output) {
		strbuf_addf(&tmp, "%s.tmp", a->output);
		out = fopen(tmp.buf, "w");
		if (!out) {
			vx_die_msg("%s: cannot write: %m", tmp.buf);
			goto done;
		}
	}
	ropts->color = vx_color_enabled(a->color, out);
	vx_error_clear();
	if (r->write(out, an, ropts) < 0 || (a->output && fclose(out) != 0)) {
		/* a renderer that streams says why it failed (a damaged page, ...) */
		if (*vx_error_msg() && !strstr(vx_error_msg(), "write error"))
			vx_report_error();
		else
			vx_die_msg("%s: write error", a->output ? a->output : "standard output");
		if (a->output)
			unlink(tmp.buf);
		goto done;
	}
	if (a->output && rename(tmp.buf, a->output) < 0) {
		vx_die_msg("%s: cannot rename from %s: %m", a->output, tmp.buf);
		unlink(tmp.buf);
		goto done;
	}
	ret = 0;
done:
	strbuf_release(&tmp);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = { .db = VX_DEFAULT_DB, .format = "text", .color = VX_COLOR_AUTO };
	struct vx_analysis_opts aopts = { 0 };
	struct strbuf sel = STRBUF_INIT;
	struct vx_filter *filter = NULL;
	const struct vx_renderer *r;
	struct vx_analysis an;
	struct vx_store *st;
	int ret = report_parse(argc, argv, &a);

	if (ret >= 0)
		return ret;
	if (!(r = report_renderer(&a)))
		return 2;
	if (a.filter_expr && !(filter = vx_filter_parse(a.filter_expr))) {
		vx_report_error();
		return 2;
	}
	st = store_open(a.db, true);
	if (!st) {
		vx_report_error();
		vx_filter_free(filter);
		return 1;
	}
	/* journeys kept in detail: what the JSON lists (and at least enough to number the
	 * shapes' first journeys without a second walk, most of the time); with --journey N at
	 * least the first N, so that N is among them */
	aopts.max_journeys = a.ropts.max_journeys > VX_ANALYSIS_MAX_JOURNEYS ? (size_t)a.ropts.max_journeys :
			     VX_ANALYSIS_MAX_JOURNEYS;
	if ((size_t)a.ropts.journey > aopts.max_journeys)
		aopts.max_journeys = (size_t)a.ropts.journey;
	aopts.paths_only = r->paths_only;
	aopts.filter = filter;
	/* one read transaction for the analysis and the renderer that streams events */
	if (vx_stored_analyse(st, a.capture, &aopts, &an) < 0) {
		vx_report_error();
		store_close(st);
		vx_filter_free(filter);
		return 1;
	}
	select_args(&sel, a.db, a.capture, a.filter_expr);
	a.ropts.select_args = sel.buf;
	ret = report_write(&a, r, &an, &a.ropts) < 0 ? 1 : 0;
	if (!ret && !strcmp(r->name, "pcapng"))
		pcapng_note(&an, &a.ropts);
	strbuf_release(&sel);
	vx_filter_free(filter);
	vx_stored_analysis_release(&an);
	store_close(st);
	return ret;
}
