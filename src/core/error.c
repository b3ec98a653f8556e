/* error.c: last-error message storage and the command-side printers (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static __thread char last[1024];
int vx_verbosity;

int vx_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	/* one line: a message must never carry a newline from input text */
	for (char *p = last; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return -1;
}

const char *vx_error_msg(void)
{
	return last;
}

void vx_error_clear(void)
{
	last[0] = '\0';
}

/* one line on stderr: @prefix, the message, a newline */
static void vprint(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int vx_die_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("vxanalyze: error: ", fmt, ap);
	va_end(ap);
	return -1;
}

void vx_warn(const char *fmt, ...)
{
	va_list ap;

	if (vx_verbosity < 0)
		return;
	va_start(ap, fmt);
	vprint("vxanalyze: warning: ", fmt, ap);
	va_end(ap);
}

int vx_report_error(void)
{
	return vx_die_msg("%s", last[0] ? last : "unknown error");
}

void vx_info(const char *fmt, ...)
{
	va_list ap;

	if (vx_verbosity < 1)
		return;
	va_start(ap, fmt);
	vprint("vxanalyze: ", fmt, ap);
	va_end(ap);
}
