/* help.c: --help, the man page, the bash completion and the getopt tables, all printed or
 * built from the commands' struct vx_cmd_doc (see help.h). Must not: hold a command's text;
 * only the program-wide parts (global options, exit status, environment) live here.
 */
#include "help.h"

#include <getopt.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"

static const struct vx_opt_doc common_opts[] = {
	{ .key = 'q', .name = "quiet",
	  .help = "errors only: no warnings, no progress bar, no summary" },
	{ .key = 'v', .name = "verbose", .help = "more detail on standard error" },
	{ .key = 'h', .name = "help", .help = "this help" },
	{ 0 },
};

static const char program_description[] =
	"Shows where a packet really goes inside the Linux kernel. Feed it kernel traces (ftrace\n"
	"text, perf.data, perf script text, trace-cmd trace.dat) or record live, and it joins the\n"
	"events of each packet by skb address into a journey, deduplicates the kernel stacks into\n"
	"paths, puts every frame into a network layer and tells, for example, that a pod's ping\n"
	"across a Calico VXLAN overlay goes back up into the IP layer after encapsulation: the\n"
	"double trip through IP. Everything is stored in SQLite (vxanalyze.db by default).\n";

static const struct vx_choice exit_status[] = {
	{ "0", "success" },
	{ "1", "an error: bad input, database, kernel or SQL (one line on standard error)" },
	{ "2", "a usage error: unknown command or option, missing or malformed argument" },
	{ NULL, NULL },
};

static const struct vx_choice environment[] = {
	{ "NO_COLOR", "when set and not empty, the text report is never coloured (unless --color=always)" },
	{ "VX_PROGRESS_DELAY_MS", "show the import progress bar after this many milliseconds instead of "
				  "1000 (tests use 0)" },
	{ NULL, NULL },
};

/* is @key among @opts? */
static bool has_key(const struct vx_opt_doc *opts, int key)
{
	for (; opts && opts->key; opts++)
		if (opts->key == key)
			return true;
	return false;
}

/* the options of @doc and then the common ones it does not list, in order; NULL at the end */
static const struct vx_opt_doc *opt_at(const struct vx_cmd_doc *doc, size_t i)
{
	size_t n = 0;

	for (const struct vx_opt_doc *o = doc->opts; o && o->key; o++)
		if (n++ == i)
			return o;
	for (const struct vx_opt_doc *o = common_opts; o->key; o++)
		if (!has_key(doc->opts, o->key) && n++ == i)
			return o;
	return NULL;
}

int vx_getopt(const struct vx_cmd_doc *doc, int argc, char **argv)
{
	struct option longopts[64];
	char shortopts[160];
	size_t nl = 0, ns = 0;
	const struct vx_opt_doc *o;
	int c;

	if (doc->stop_at_operand)
		shortopts[ns++] = '+';
	shortopts[ns++] = ':';	/* a missing argument is reported here, in our words */
	for (size_t i = 0; (o = opt_at(doc, i)) && nl < 63 && ns < 150; i++) {
		int has = !o->arg ? no_argument : o->optional_arg ? optional_argument : required_argument;

		if (o->name)
			longopts[nl++] = (struct option){ o->name, has, NULL, o->key };
		if (o->key < 256) {
			shortopts[ns++] = (char)o->key;
			if (has != no_argument)
				shortopts[ns++] = ':';
			if (has == optional_argument)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){ 0 };
	shortopts[ns] = '\0';
	for (;;) {
		opterr = 0;
		c = getopt_long(argc, argv, shortopts, longopts, NULL);
		if (c == 'q' || c == 'v') {
			vx_verbosity = c == 'q' ? -1 : 1;
			if (!has_key(doc->opts, c))
				continue;
		}
		if (c == ':') {
			vx_die_msg("%s: option '%s' needs an argument", doc->name, argv[optind - 1]);
			return '?';
		}
		if (c == '?') {
			if (optopt && optopt < 256)
				vx_die_msg("%s: unknown option '-%c'", doc->name, optopt);
			else
				vx_die_msg("%s: unknown option '%s'", doc->name, argv[optind - 1]);
			return '?';
		}
		return c;
	}
}

/* "  -d, --db FILE" or "      --kallsyms FILE" */
static void opt_label(const struct vx_opt_doc *o, struct strbuf *sb)
{
	if (o->key < 256)
		strbuf_addf(sb, "  -%c%s", o->key, o->name ? ", " : "");
	else
		strbuf_addstr(sb, "      ");
	if (o->name)
		strbuf_addf(sb, "--%s", o->name);
	if (o->arg)
		strbuf_addf(sb, o->optional_arg ? "[=%s]" : " %s", o->arg);
}

void vx_help_write(const struct vx_cmd_doc *doc, FILE *f)
{
	const struct vx_opt_doc *o;
	size_t width = 0;

	fprintf(f, "usage: vxanalyze %s ", doc->name);
	for (const char *p = doc->synopsis; *p; p++) {
		fputc(*p, f);
		if (*p == '\n')
			fprintf(f, "%*s", (int)strlen(doc->name) + 17, "");
	}
	fprintf(f, "\n\n%s\n", doc->description);
	for (size_t i = 0; (o = opt_at(doc, i)); i++) {
		struct strbuf sb = STRBUF_INIT;

		opt_label(o, &sb);
		if (sb.len > width && sb.len <= 24)
			width = sb.len;
		strbuf_release(&sb);
	}
	for (size_t i = 0; (o = opt_at(doc, i)); i++) {
		struct strbuf sb = STRBUF_INIT;

		opt_label(o, &sb);
		if (sb.len > width)
			fprintf(f, "%s\n%*s", sb.buf, (int)width + 2, "");
		else
			fprintf(f, "%-*s  ", (int)width, sb.buf);
		for (const char *p = o->help; *p; p++) {
			fputc(*p, f);
			if (*p == '\n')
				fprintf(f, "%*s", (int)width + 2, "");
		}
		fputc('\n', f);
		strbuf_release(&sb);
	}
	for (size_t i = 0; (o = opt_at(doc, i)); i++) {
		const struct vx_choice *c;

		if (!o->choice)
			continue;
		fprintf(f, "\n%s:\n", o->choices_title ? o->choices_title : o->name);
		for (size_t k = 0; (c = o->choice(k)); k++)
			fprintf(f, "  %-14s %s\n", c->name, c->desc);
	}
}

int vx_usage_error(const struct vx_cmd_doc *doc)
{
	vx_help_write(doc, stderr);
	return 2;
}

void vx_main_help_write(const struct vx_command *cmds, size_t n, FILE *f)
{
	fprintf(f, "usage: vxanalyze [-q | -v] [--version] [--help] COMMAND [ARGS]\n\n%s\ncommands:\n",
		program_description);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].doc->name, cmds[i].doc->summary);
	fprintf(f, "\n  -q, --quiet    errors only (also after the command)\n"
		   "  -v, --verbose  more detail (also after the command)\n"
		   "      --version  versions of vxanalyze and of the libraries it runs with\n\n"
		   "exit status: 0 success, 1 error, 2 usage error\n\n"
		   "'vxanalyze help COMMAND' (or 'vxanalyze COMMAND --help') tells more about a command.\n");
}

/* --- the man page --- */

/* @s as roff text: backslashes escaped, '-' as \-, a leading '.' or '\'' protected;
 * @join turns single newlines into spaces (groff fills the paragraph) */
static void roff_text(FILE *f, const char *s, bool join)
{
	bool bol = true;

	for (const char *p = s; *p; p++) {
		if (bol && (*p == '.' || *p == '\''))
			fputs("\\&", f);
		bol = false;
		if (*p == '\\')
			fputs("\\e", f);
		else if (*p == '-')
			fputs("\\-", f);
		else if (*p == '\n' && join && p[1] != '\n' && (p == s || p[-1] != '\n')) {
			fputc(' ', f);
			while (p[1] == ' ')
				p++;
		} else if (*p == '\n') {
			fputc('\n', f);
			bol = true;
		} else
			fputc(*p, f);
	}
}

/* paragraphs of @s ("\n\n" apart) as .PP blocks, lines joined */
static void roff_paragraphs(FILE *f, const char *s)
{
	struct strbuf para = STRBUF_INIT;

	while (*s) {
		const char *end = strstr(s, "\n\n");
		size_t len = end ? (size_t)(end - s) : strlen(s);

		strbuf_reset(&para);
		strbuf_add(&para, s, len);
		while (para.len && para.buf[para.len - 1] == '\n')
			para.buf[--para.len] = '\0';
		if (para.len) {
			fputs(".PP\n", f);
			roff_text(f, para.buf, true);
			fputc('\n', f);
		}
		s += len;
		while (*s == '\n')
			s++;
	}
	strbuf_release(&para);
}

static void man_option(FILE *f, const struct vx_opt_doc *o)
{
	fputs(".TP\n", f);
	if (o->key < 256)
		fprintf(f, "\\fB\\-%c\\fR%s", o->key, o->name ? ", " : "");
	if (o->name)
		fprintf(f, "\\fB\\-\\-");
	if (o->name)
		roff_text(f, o->name, false);
	if (o->name)
		fputs("\\fR", f);
	if (o->arg) {
		fputs(o->optional_arg ? "[=\\fI" : " \\fI", f);
		roff_text(f, o->arg, false);
		fputs(o->optional_arg ? "\\fR]" : "\\fR", f);
	}
	fputc('\n', f);
	roff_text(f, o->help, true);
	fputc('\n', f);
}

void vx_man_write(const struct vx_command *cmds, size_t n, const char *version, FILE *f)
{
	fprintf(f, ".\\\" vxanalyze(1), generated by 'vxanalyze --man' from the --help texts; do not edit\n"
		   ".TH VXANALYZE 1 \"\" \"vxanalyze %s\" \"User Commands\"\n.SH NAME\n"
		   "vxanalyze \\- where a packet really goes inside the Linux kernel\n.SH SYNOPSIS\n", version);
	fputs(".B vxanalyze\n[\\fB\\-q\\fR | \\fB\\-v\\fR] [\\fB\\-\\-version\\fR] [\\fB\\-\\-help\\fR] "
	      "\\fICOMMAND\\fR [\\fIARGS\\fR]\n", f);
	for (size_t i = 0; i < n; i++) {
		fputs(".br\n.B vxanalyze\n", f);
		fprintf(f, ".B %s\n", cmds[i].doc->name);
		roff_text(f, cmds[i].doc->synopsis, true);
		fputc('\n', f);
	}
	fputs(".SH DESCRIPTION\n", f);
	roff_paragraphs(f, program_description);
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct vx_cmd_doc *d = cmds[i].doc;
		const struct vx_opt_doc *o;

		fprintf(f, ".SS %s\n", d->name);
		fprintf(f, ".B vxanalyze %s\n", d->name);
		roff_text(f, d->synopsis, true);
		fputc('\n', f);
		roff_paragraphs(f, d->description);
		for (size_t k = 0; (o = opt_at(d, k)); k++)
			if (o->key != 'h' && !(o->key == 'q' && !has_key(d->opts, 'q')) &&
			    !(o->key == 'v' && !has_key(d->opts, 'v')))
				man_option(f, o);
		for (size_t k = 0; (o = opt_at(d, k)); k++) {
			const struct vx_choice *c;

			if (!o->choice)
				continue;
			fprintf(f, ".PP\n%s of \\fB\\-\\-", o->choices_title ? o->choices_title : "values");
			roff_text(f, o->name, false);
			fputs("\\fR:\n.RS\n", f);
			for (size_t j = 0; (c = o->choice(j)); j++) {
				fputs(".TP\n.B ", f);
				roff_text(f, c->name, false);
				fputc('\n', f);
				roff_text(f, c->desc, true);
				fputc('\n', f);
			}
			fputs(".RE\n", f);
		}
	}
	fputs(".SH OPTIONS\nThese work on every command, before or after its name.\n", f);
	for (const struct vx_opt_doc *o = common_opts; o->key; o++)
		man_option(f, o);
	fputs(".TP\n\\fB\\-\\-version\\fR\nthe version of vxanalyze and of the libraries it runs with "
	      "(SQLite as loaded; libtraceevent, libtracefs and libtracecmd as found by pkg\\-config at "
	      "build time, since they have no version call)\n", f);
	fputs(".SH EXIT STATUS\n", f);
	for (const struct vx_choice *e = exit_status; e->name; e++) {
		fprintf(f, ".TP\n.B %s\n", e->name);
		roff_text(f, e->desc, true);
		fputc('\n', f);
	}
	fputs(".SH ENVIRONMENT\n", f);
	for (const struct vx_choice *e = environment; e->name; e++) {
		fprintf(f, ".TP\n.B %s\n", e->name);
		roff_text(f, e->desc, true);
		fputc('\n', f);
	}
	fputs(".SH FILES\n.TP\n.I vxanalyze.db\nthe database in the current directory unless "
	      "\\fB\\-d\\fR names another; open it with \\fBsqlite3\\fR(1) or \\fBvxanalyze query\\fR\n"
	      ".SH EXAMPLES\n.nf\nvxanalyze import samples/vxlan\\-ping.trace\n"
	      "vxanalyze report \\-\\-html \\-o ping.html\n"
	      "vxanalyze query \"SELECT name, count(*) FROM events GROUP BY name\"\n"
	      "vxanalyze record \\-\\- ip netns exec p1 ping \\-c 3 10.244.2.7\n"
	      "vxanalyze export \\-\\-to clickhouse://127.0.0.1:8123/fleet\n"
	      "vxanalyze fleet \\-\\-from clickhouse://127.0.0.1:8123/fleet \\-\\-format html \\-o fleet.html\n.fi\n"
	      ".SH SEE ALSO\n\\fBvxanalyze\\-lab\\fR (the VXLAN lab in network namespaces), "
	      "\\fBtrace\\-cmd\\fR(1), \\fBperf\\fR(1), \\fBsqlite3\\fR(1), \\fBclickhouse\\-server\\fR(1)\n", f);
}

/* --- bash completion --- */

/* the words @o completes to, space-separated, into @sb */
static void opt_words(const struct vx_opt_doc *o, struct strbuf *sb)
{
	const struct vx_choice *c;

	if (o->words)
		strbuf_addstr(sb, o->words);
	if (o->choice)
		for (size_t i = 0; (c = o->choice(i)); i++)
			strbuf_addf(sb, "%s%s", sb->len ? " " : "", c->name);
}

static const char *complete_action(enum vx_complete k)
{
	switch (k) {
	case VX_COMPLETE_FILE: return "compopt -o filenames; COMPREPLY=($(compgen -f -- \"$cur\"))";
	case VX_COMPLETE_CAPTURE: return "COMPREPLY=($(compgen -W \"$(_vxanalyze_captures)\" -- \"$cur\"))";
	case VX_COMPLETE_COMMAND: return "compopt -o filenames; COMPREPLY=($(compgen -c -- \"$cur\"))";
	case VX_COMPLETE_VXCOMMAND: return "COMPREPLY=($(compgen -W \"$_vxanalyze_commands\" -- \"$cur\"))";
	default: return "COMPREPLY=()";
	}
}

void vx_completion_write(const struct vx_command *cmds, size_t n, FILE *f)
{
	fputs("# bash completion for vxanalyze(1): commands, options, --format values, presets and\n"
	      "# the capture ids of the database (from 'vxanalyze captures').\n"
	      "# Generated by 'vxanalyze --bash-completion' from the --help texts; do not edit.\n\n"
	      "_vxanalyze_commands=\"", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", cmds[i].doc->name);
	fputs(" help\"\n\n"
	      "# the capture ids of the database named by -d/--db on the line (default vxanalyze.db)\n"
	      "_vxanalyze_captures() {\n"
	      "\tlocal db=vxanalyze.db i\n"
	      "\tfor ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n"
	      "\t\t-d | --db) db=${COMP_WORDS[i + 1]} ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\t\"${COMP_WORDS[0]}\" captures -q -d \"$db\" 2>/dev/null | awk 'NR > 1 { print $1 }'\n"
	      "}\n\n"
	      "_vxanalyze() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cmd= i\n"
	      "\t# --opt=value: bash splits at '=', the option is two words back\n"
	      "\tif [ \"$cur\" = = ]; then cur=; prev=${COMP_WORDS[COMP_CWORD - 1]};\n"
	      "\telif [ \"$prev\" = = ]; then prev=${COMP_WORDS[COMP_CWORD - 2]}; fi\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n"
	      "\t\t-*) ;;\n"
	      "\t\t*) cmd=${COMP_WORDS[i]}; break ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tif [ -z \"$cmd\" ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$_vxanalyze_commands -q --quiet -v --verbose --version --help\" -- \"$cur\"))\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tcase $cmd in\n"
	      "\thelp)\n\t\t", f);
	fputs(complete_action(VX_COMPLETE_VXCOMMAND), f);
	fputs(" ;;\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct vx_cmd_doc *d = cmds[i].doc;
		const struct vx_opt_doc *o;
		struct strbuf all = STRBUF_INIT;

		fprintf(f, "\t%s)\n", d->name);
		if (d->stop_at_operand)
			/* after '--' the words belong to the recorded command */
			fprintf(f, "\t\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
				   "\t\t\tif [ \"${COMP_WORDS[i]}\" = -- ]; then %s; return; fi\n"
				   "\t\tdone\n", complete_action(VX_COMPLETE_COMMAND));
		fputs("\t\tcase $prev in\n", f);
		for (size_t k = 0; (o = opt_at(d, k)); k++) {
			struct strbuf w = STRBUF_INIT;

			if (o->key < 256)
				strbuf_addf(&all, "%s-%c", all.len ? " " : "", o->key);
			if (o->name)
				strbuf_addf(&all, "%s--%s", all.len ? " " : "", o->name);
			if (!o->arg)
				continue;	/* --opt[=WHEN] too: bash splits at '=', see above */
			fputs("\t\t", f);
			if (o->key < 256)
				fprintf(f, "-%c%s", o->key, o->name ? " | " : "");
			if (o->name)
				fprintf(f, "--%s", o->name);
			opt_words(o, &w);
			if (w.len)
				fprintf(f, ") COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", w.buf);
			else
				fprintf(f, ") %s; return ;;\n", complete_action(o->complete));
			strbuf_release(&w);
		}
		fputs("\t\tesac\n", f);
		fprintf(f, "\t\tcase $cur in\n\t\t-*) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")) ;;\n"
			   "\t\t*) %s ;;\n\t\tesac\n\t\t;;\n", all.buf, complete_action(d->operands));
		strbuf_release(&all);
	}
	fputs("\tesac\n}\ncomplete -F _vxanalyze vxanalyze\n", f);
}
