/* main.c: the command table and dispatch. Each command lives in src/cmd-<name>.c;
 * adding a command is adding a file and a row here. Help text comes from this table.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include "commands.h"
#include "error.h"

#ifndef VX_VERSION
#define VX_VERSION "0.1.0"
#endif

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *help;
};

static const struct cmd commands[] = {
	{ "import", cmd_import, "import captures (ftrace text, perf.data, perf script, trace.dat)" },
	{ "report", cmd_report, "explain the packet journeys and kernel paths of a capture" },
	{ "captures", cmd_captures, "list (or delete) the captures stored in the database" },
	{ "record", cmd_record, "run a command while recording its kernel paths live (root)" },
	{ "probes", cmd_probes, "show what this kernel offers for recording (tracefs, kprobes, events)" },
	{ "clean", cmd_clean, "remove tracefs instances and kprobes left by a killed recording" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: vxanalyze [--version] [--help] COMMAND [ARGS]\n\n"
		   "Shows where a packet really goes inside the Linux kernel.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'vxanalyze COMMAND --help' tells more about a command.\n");
}

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

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (!strcmp(commands[i].name, argv[2])) {
					char *a[] = { argv[2], "--help", NULL };

					return vx_finish_stdout(commands[i].func(2, a));
				}
		}
		usage(stdout);
		return vx_finish_stdout(0);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vxanalyze %s\n", VX_VERSION);
		return vx_finish_stdout(0);
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, argv[1]))
			return vx_finish_stdout(commands[i].func(argc - 1, argv + 1));
	vx_die_msg("'%s' is not a vxanalyze command; see 'vxanalyze --help'", argv[1]);
	return 2;
}
