/* error.h: one place for the "last error" message of a failing call.
 * Library-style code (parsers, store, analysis, recorder) never prints: it calls
 * vx_error() which records a one-line, lowercase message and returns -1; the command
 * that called it prints the message (vx_error_msg()) and picks the exit status.
 */
#ifndef VX_ERROR_H
#define VX_ERROR_H

#include <stdio.h>

/* vx_error - record a message for the caller; always returns -1 */
int vx_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* vx_error_msg - the last message recorded ("" when none); owned by this module */
const char *vx_error_msg(void);
void vx_error_clear(void);

/* Command-side helpers: print "vxanalyze: error: ..." / "vxanalyze: warning: ..."; the
 * message goes through the terminal sanitiser (vx_term_clean() in utf8.h) */
int vx_die_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* vx_report_error - print the recorded message as an error; returns -1 */
int vx_report_error(void);

/* vx_verbosity - the global -q / -v of every command: -1 quiet (errors only: no warnings,
 * no progress, no summaries), 0 normal, 1 verbose. vx_warn() is silent when quiet. */
extern int vx_verbosity;
/* vx_info - "vxanalyze: ..." on stderr, only with -v */
void vx_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vx_term_line - one line on @out for a terminal: the formatted text with everything
 * vx_term_clean() would not show (controls, newlines and tabs of the arguments included)
 * shown visibly, cut after VX_TERM_MAX_LINE characters with "…", then a newline. For
 * command output that quotes stored or foreign text. */
#define VX_TERM_MAX_LINE 4096
void vx_term_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
