/* cmd-clean.c: `vxanalyze clean`: remove what a recording killed with SIGKILL left behind:
 * tracefs instances vxanalyze-<pid> and spool directories $TMPDIR/vxanalyze-<pid>.* whose
 * pid is gone and, when no recording is live, the kprobes of group vxanalyze. Prints what
 * it removed; the work is vx_record_clean().
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "error.h"
#include "record.h"

static void print_note(void *ctx, const char *msg)
{
	int *n = ctx;

	printf("%s\n", msg);
	(*n)++;
}

int cmd_clean(int argc, char **argv)
{
	int printed = 0, n;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vxanalyze clean\n\nRemoves tracefs instances " VX_RECORD_INSTANCE_PREFIX
		       "<pid> and spool directories $TMPDIR/vxanalyze-<pid>.* of\nrecordings whose process "
		       "is gone (killed with SIGKILL) and, when no recording is\nrunning, the kprobes of group "
		       VX_RECORD_GROUP ".\n");
		return 0;
	}
	if (argc > 1) {
		vx_die_msg("clean: unexpected argument '%s'", argv[1]);
		return 2;
	}
	n = vx_record_clean(print_note, &printed);
	if (n < 0) {
		vx_report_error();
		return 1;
	}
	if (!n && !printed)
		printf("nothing to clean\n");
	return 0;
}
