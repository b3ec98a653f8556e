/* main.c: the command table and dispatch. Each command lives in src/cmd-<name>.c;
 * adding a command is adding a file and a row here. --help, the man page and the bash
 * completion come from this table and the commands' docs (help.c).
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "store/store-query.h"

#ifndef VX_VERSION
#define VX_VERSION "0.1.0"
#endif
/* the libraries without a version call: what pkg-config found at build time (CMakeLists) */
#ifndef VX_BUILD_TRACEEVENT
#define VX_BUILD_TRACEEVENT "?"
#define VX_BUILD_TRACEFS "?"
#define VX_BUILD_TRACECMD "?"
#endif

static const struct vx_command commands[] = {
	{ &vx_doc_import, cmd_import },
	{ &vx_doc_report, cmd_report },
	{ &vx_doc_query, cmd_query },
	{ &vx_doc_diff, cmd_diff },
	{ &vx_doc_export, cmd_export },
	{ &vx_doc_fleet, cmd_fleet },
	{ &vx_doc_captures, cmd_captures },
	{ &vx_doc_record, cmd_record },
	{ &vx_doc_probes, cmd_probes },
	{ &vx_doc_clean, cmd_clean },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int vx_finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return status;
		vx_die_msg("write error on standard output: %s", strerror(errno));
		return 1;
	}
	return status;
}

static const struct vx_command *command_by_name(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].doc->name, name))
			return &commands[i];
	return NULL;
}

static void version_write(FILE *f)
{
	fprintf(f, "vxanalyze %s\n"
		   "sqlite        %s (running, sqlite3_libversion)\n"
		   "libtraceevent %s (pkg-config at build time: the library has no version call)\n"
		   "libtracefs    %s (pkg-config at build time: the library has no version call)\n"
		   "libtracecmd   %s (pkg-config at build time: the library has no version call)\n",
		VX_VERSION, store_sqlite_version(), VX_BUILD_TRACEEVENT, VX_BUILD_TRACEFS, VX_BUILD_TRACECMD);
}

int main(int argc, char **argv)
{
	const struct vx_command *cmd;
	int i = 1;

	/* global options before the command; after it, every command's vx_getopt() takes them */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			vx_verbosity = -1;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			vx_verbosity = 1;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			vx_main_help_write(commands, NCOMMANDS, stdout);
			return vx_finish_stdout(0);
		} else if (!strcmp(a, "--version")) {
			version_write(stdout);
			return vx_finish_stdout(0);
		} else if (!strcmp(a, "--man")) {
			vx_man_write(commands, NCOMMANDS, VX_VERSION, stdout);
			return vx_finish_stdout(0);
		} else if (!strcmp(a, "--bash-completion")) {
			vx_completion_write(commands, NCOMMANDS, stdout);
			return vx_finish_stdout(0);
		} else {
			vx_die_msg("unknown option '%s'; see 'vxanalyze --help'", a);
			return 2;
		}
	}
	if (i >= argc) {
		vx_main_help_write(commands, NCOMMANDS, stderr);
		return 2;
	}
	if (!strcmp(argv[i], "help")) {
		char *a[] = { argv[i + 1], "--help", NULL };

		if (i + 1 >= argc) {
			vx_main_help_write(commands, NCOMMANDS, stdout);
			return vx_finish_stdout(0);
		}
		cmd = command_by_name(argv[i + 1]);
		if (!cmd) {
			vx_die_msg("help: '%s' is not a vxanalyze command; see 'vxanalyze --help'", argv[i + 1]);
			return 2;
		}
		return vx_finish_stdout(cmd->func(2, a));
	}
	cmd = command_by_name(argv[i]);
	if (!cmd) {
		vx_die_msg("'%s' is not a vxanalyze command; see 'vxanalyze --help'", argv[i]);
		return 2;
	}
	return vx_finish_stdout(cmd->func(argc - i, argv + i));
}
