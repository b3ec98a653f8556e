/* cmd-clean.c: `vxanalyze clean`: remove what a recording killed with SIGKILL left behind:
 * tracefs instances vxanalyze-<pid> and spool directories $TMPDIR/vxanalyze-<pid>.* whose
 * pid is gone and, when no recording is live, the kprobes of group vxanalyze. Prints what
 * it removed; the work is vx_record_clean().
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "core/error.h"
#include "help.h"
#include "record/record.h"

static void print_note(void *ctx, const char *msg)
{
	int *n = ctx;

	printf("%s\n", msg);
	(*n)++;
}

const struct vx_cmd_doc vx_doc_clean = {
	.name = "clean",
	.summary = "remove tracefs instances, kprobes and spools left by a killed recording",
	.synopsis = "",
	.description =
		"Removes tracefs instances " VX_RECORD_INSTANCE_PREFIX "<pid> and spool directories\n"
		"$TMPDIR/vxanalyze-<pid>.* of recordings whose process is gone (killed with SIGKILL)\n"
		"and, when no recording is running (none has an instance or a spool directory of\n"
		"a live process), the kprobes of group " VX_RECORD_GROUP ".\n",
	.opts = NULL,
};

int cmd_clean(int argc, char **argv)
{
	int printed = 0, n, c;

	optind = 1;
	while ((c = vx_getopt(&vx_doc_clean, argc, argv)) != -1) {
		if (c == 'h') {
			vx_help_write(&vx_doc_clean, stdout);
			return 0;
		}
		return vx_usage_error(&vx_doc_clean);
	}
	if (optind < argc) {
		vx_die_msg("clean: unexpected argument '%s'", argv[optind]);
		return vx_usage_error(&vx_doc_clean);
	}
	n = vx_record_clean(print_note, &printed);
	if (n < 0) {
		vx_report_error();
		return 1;
	}
	if (!n && !printed && vx_verbosity >= 0)
		printf("nothing to clean\n");
	return 0;
}
