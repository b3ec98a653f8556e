/* error.c: last-error message storage and the command-side printers (see error.h). Every
 * message is printed through the one terminal sanitiser (utf8.c): it quotes file names,
 * hosts, sources and input lines, which are anybody's bytes.
 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

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

/* one line on @out: @prefix, the message with what a terminal would act on shown visibly
 * (cut after VX_TERM_MAX_LINE characters with "…"), a newline */
static void vprint(FILE *out, const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf raw = STRBUF_INIT, line = STRBUF_INIT;
	int saved = errno;

	strbuf_grow(&raw, 256);
	errno = saved;	/* for %m: the caller's errno, whatever the allocation did */
	strbuf_vaddf(&raw, fmt, ap);
	strbuf_addstr(&line, prefix);
	vx_term_clean(&line, raw.buf, raw.len, VX_TERM_MAX_LINE, VX_TERM_MARK_CUT);
	strbuf_addch(&line, '\n');
	fwrite(line.buf, 1, line.len, out);
	strbuf_release(&raw);
	strbuf_release(&line);
}

void vx_term_line(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(out, "", fmt, ap);
	va_end(ap);
}

int vx_die_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(stderr, "vxanalyze: error: ", fmt, ap);
	va_end(ap);
	return -1;
}

void vx_warn(const char *fmt, ...)
{
	va_list ap;

	if (vx_verbosity < 0)
		return;
	va_start(ap, fmt);
	vprint(stderr, "vxanalyze: warning: ", fmt, ap);
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
	vprint(stderr, "vxanalyze: ", fmt, ap);
	va_end(ap);
}
