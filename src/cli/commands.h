/* commands.h: entry points of the commands, one file each (src/cmd-<name>.c), and the
 * little they share. main.c holds the table that maps names to these.
 */
#ifndef VX_COMMANDS_H
#define VX_COMMANDS_H

#define VX_DEFAULT_DB "vxanalyze.db"

int cmd_import(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_captures(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_probes(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_fleet(int argc, char **argv);

/* each command's documentation (help.h), next to its code in src/cmd-<name>.c */
struct vx_cmd_doc;
extern const struct vx_cmd_doc vx_doc_import, vx_doc_report, vx_doc_captures, vx_doc_record,
	vx_doc_probes, vx_doc_clean, vx_doc_query, vx_doc_diff, vx_doc_export, vx_doc_fleet;

/* vx_finish_stdout - flush stdout and turn a write error (full disk, closed pipe)
 * into an error message and exit status 1 (git's habit) */
int vx_finish_stdout(int status);

#endif
