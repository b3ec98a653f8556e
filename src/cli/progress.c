/* progress.c: the import progress bar and record's status line (see progress.h). The bar
 * is redrawn at most ten times a second, on one line ("\r" + erase to the end), cleared when
 * the import ends; the status line is drawn on the terminal's last row, outside the
 * scrolling region (DECSTBM), with the cursor saved and restored around each drawing.
 */
#include "progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "core/xalloc.h"

struct vx_progress {
	char name[160];	/* cleaned: 32 characters and "…" at most */
	double start, last_draw;
	double delay;		/* seconds before the first drawing */
	bool drawn;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct vx_progress *vx_progress_new(const char *name)
{
	const char *d = getenv("VX_PROGRESS_DELAY_MS");
	struct vx_progress *p;
	const char *base = strrchr(name, '/');

	if (vx_verbosity < 0 || isatty(STDERR_FILENO) != 1)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	{
		/* the file name as the terminal sanitiser shows it, cut to the name's room */
		struct strbuf sb = STRBUF_INIT;

		vx_term_clean(&sb, base ? base + 1 : name, strlen(base ? base + 1 : name), 32, VX_TERM_MARK_CUT);
		snprintf(p->name, sizeof(p->name), "%s", sb.buf);
		strbuf_release(&sb);
	}
	p->start = now();
	p->delay = d && *d ? atof(d) / 1000.0 : 1.0;
	return p;
}

/* "12.3 MB" */
static void human(char *buf, size_t n, double bytes)
{
	if (bytes >= 1e9)
		snprintf(buf, n, "%.1f GB", bytes / 1e9);
	else if (bytes >= 1e6)
		snprintf(buf, n, "%.1f MB", bytes / 1e6);
	else
		snprintf(buf, n, "%.0f kB", bytes / 1e3);
}

void vx_progress_update(void *ctx, uint64_t done, uint64_t total)
{
	struct vx_progress *p = ctx;
	char d[16], t[16], r[16], bar[24];
	double el, rate;
	double t_now;

	if (!p)
		return;
	t_now = now();
	el = t_now - p->start;
	if (el < p->delay || (p->drawn && t_now - p->last_draw < 0.1))
		return;
	p->drawn = true;
	p->last_draw = t_now;
	rate = el > 0 ? (double)done / el : 0;
	human(d, sizeof(d), (double)done);
	human(r, sizeof(r), rate);
	if (total && done <= total) {
		size_t fill = (size_t)(20.0 * (double)done / (double)total);

		memset(bar, '#', fill);
		memset(bar + fill, '.', 20 - fill);
		bar[20] = '\0';
		human(t, sizeof(t), (double)total);
		fprintf(stderr, "\r%s [%s] %3d%% %s of %s, %s/s", p->name, bar,
			(int)(100.0 * (double)done / (double)total), d, t, r);
		if (rate > 0)
			fprintf(stderr, ", ETA %.0f s", (double)(total - done) / rate);
	} else {
		fprintf(stderr, "\r%s %s, %s/s", p->name, d, r);
	}
	fputs("\033[K", stderr);
	fflush(stderr);
}

void vx_progress_end(struct vx_progress *p)
{
	if (!p)
		return;
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	free(p);
}

/* ---- record's status line ---- */

struct vx_status_line {
	int rows, cols;		/* the terminal's size when the region was last set */
};

static int term_size(int *rows, int *cols)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row < 4 || ws.ws_col < 20)
		return -1;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}

/* the scrolling region is rows 1..@rows-1; the cursor stays where the output goes on */
static void set_region(int rows)
{
	/* a new line first: when the cursor is on the last row, the screen scrolls up one so
	 * that nothing printed is covered by the status row */
	fprintf(stderr, "\n\0337\033[1;%dr\0338\033[1A", rows - 1);
}

struct vx_status_line *vx_status_line_new(void)
{
	struct vx_status_line *s;
	int rows, cols;

	if (vx_verbosity < 0 || isatty(STDERR_FILENO) != 1 || term_size(&rows, &cols) < 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->rows = rows;
	s->cols = cols;
	set_region(rows);
	fflush(stderr);
	return s;
}

void vx_status_line_show(struct vx_status_line *s, const char *text)
{
	int rows, cols;

	if (!s)
		return;
	if (term_size(&rows, &cols) == 0 && (rows != s->rows || cols != s->cols)) {
		/* resized: the region follows (the old status row scrolls away with the rest) */
		fprintf(stderr, "\0337\033[%d;1H\033[2K\0338", s->rows);
		s->rows = rows;
		s->cols = cols;
		set_region(rows);
	}
	fprintf(stderr, "\0337\033[%d;1H\033[2K%.*s\0338", s->rows, s->cols - 1, text);
	fflush(stderr);
}

void vx_status_line_end(struct vx_status_line *s)
{
	if (!s)
		return;
	/* the whole screen scrolls again (this homes the cursor: save and restore around it),
	 * and the status row is cleared */
	fprintf(stderr, "\0337\033[r\033[%d;1H\033[2K\0338", s->rows);
	fflush(stderr);
	free(s);
}
