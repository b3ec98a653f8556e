/* help.h: the one source of the command documentation. Each cmd-<name>.c holds a struct
 * vx_cmd_doc (synopsis, description, option table); --help, the man page (vxanalyze --man),
 * the bash completion (vxanalyze --bash-completion) and the getopt tables are all made from
 * it, so they cannot disagree. Must not: know what a command does beyond its text.
 */
#ifndef VX_HELP_H
#define VX_HELP_H

#include <stdbool.h>
#include <stddef.h>
#include <getopt.h>
#include <stdio.h>

/* the getopt key of an option that has no short letter */
#define VX_OPT_LONG(n) (256 + (n))

/* what the shell may complete for an option's argument or a command's operands */
enum vx_complete {
	VX_COMPLETE_NONE,	/* free text: nothing to offer */
	VX_COMPLETE_FILE,
	VX_COMPLETE_CAPTURE,	/* capture ids of the database (-d), from `vxanalyze captures` */
	VX_COMPLETE_WORDS,	/* the words of .words, or the names of .choice */
	VX_COMPLETE_COMMAND,	/* a command line (record -- CMD ARGS) */
	VX_COMPLETE_VXCOMMAND,	/* a vxanalyze command name (help COMMAND) */
};

struct vx_choice {
	const char *name;
	const char *desc;
};

struct vx_opt_doc {
	int key;		/* what getopt returns: the short letter, or VX_OPT_LONG(n) */
	const char *name;	/* long name without "--" */
	const char *arg;	/* argument name ("FILE"), NULL for a flag */
	const char *help;	/* '\n' starts a continuation line */
	enum vx_complete complete;
	const char *words;	/* VX_COMPLETE_WORDS: "a b c" */
	/* choice - the values with a description, listed in a section of their own titled
	 * @choices_title; called with i = 0, 1, ... until it returns NULL */
	const struct vx_choice *(*choice)(size_t i);
	const char *choices_title;
	bool optional_arg;	/* --color[=WHEN] */
};

struct vx_cmd_doc {
	const char *name;
	const char *summary;		/* one line for the command list */
	const char *synopsis;		/* after "vxanalyze NAME "; '\n' continues the line */
	const char *description;	/* lines end in '\n'; "\n\n" separates paragraphs */
	const struct vx_opt_doc *opts;	/* {0}-terminated; -q, -v (unless given), -h are added */
	bool stop_at_operand;		/* options end at the first operand (record: CMD's own) */
	enum vx_complete operands;
};

struct vx_command {
	const struct vx_cmd_doc *doc;
	int (*func)(int argc, char **argv);
};

/*
 * vx_getopt - getopt_long over @doc's options plus -q/--quiet and -v/--verbose (which set
 * vx_verbosity and are returned only when @doc lists them) and -h/--help. Returns the key
 * of the next option, 'h' for help, '?' for a bad one (getopt said why), -1 at the end
 * (optind at the first operand). Set optind = 1 before the first call.
 */
int vx_getopt(const struct vx_cmd_doc *doc, int argc, char **argv);

/* vx_help_write - the --help text of @doc */
void vx_help_write(const struct vx_cmd_doc *doc, FILE *f);
/* vx_usage_error - the help text on stderr; returns 2, the exit status of a usage error */
int vx_usage_error(const struct vx_cmd_doc *doc);

/* vx_main_help_write - `vxanalyze --help`: the commands of @cmds (@n of them) */
void vx_main_help_write(const struct vx_command *cmds, size_t n, FILE *f);
/* vx_man_write - the whole man page vxanalyze(1) in roff */
void vx_man_write(const struct vx_command *cmds, size_t n, const char *version, FILE *f);
/* vx_completion_write - a bash completion script for every command and option */
void vx_completion_write(const struct vx_command *cmds, size_t n, FILE *f);

#endif
