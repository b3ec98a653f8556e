/* progress.c: the import progress bar (see progress.h). Redrawn at most ten times a
 * second, on one line ("\r" + erase to the end), cleared when the import ends.
 */
#include "progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "xalloc.h"

struct vx_progress {
	char name[40];
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
	snprintf(p->name, sizeof(p->name), "%s", base ? base + 1 : name);
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
