/* progress.h: the import progress bar on standard error: bytes done of the file's size,
 * rate and ETA. Drawn only when stderr is a terminal, never with -q, and only once the
 * import has run for a second (VX_PROGRESS_DELAY_MS sets another delay, for tests).
 * Also record's live status line, kept on the terminal's last row below the command's own
 * output. Must not: be drawn by anything but a command; parsers only report their offset,
 * the recorder only its counters.
 */
#ifndef VX_PROGRESS_H
#define VX_PROGRESS_H

#include <stdint.h>

struct vx_progress;

/* vx_progress_new - a bar for input @name (copied), or NULL when none may be drawn
 * (stderr not a terminal, -q); the caller ends it with vx_progress_end() */
struct vx_progress *vx_progress_new(const char *name);
/* vx_progress_update - @done bytes of @total (0: unknown); the callback of
 * struct vx_import_opts (@ctx is the struct vx_progress, NULL is ignored) */
void vx_progress_update(void *ctx, uint64_t done, uint64_t total);
/* vx_progress_end - clear the bar's line and free @p (NULL is fine) */
void vx_progress_end(struct vx_progress *p);

/*
 * The status line of `record`: the command it runs writes to the same terminal, so the
 * line lives on the terminal's last row, outside a scrolling region that holds everything
 * else (as apt's progress line does): the command's output scrolls above it untouched.
 */
struct vx_status_line;

/* vx_status_line_new - reserve the last row of the terminal on stderr, or NULL when no line
 * may be drawn (stderr not a terminal, -q, a terminal of fewer than 4 rows or of unknown
 * size); end it with vx_status_line_end() */
struct vx_status_line *vx_status_line_new(void);
/* vx_status_line_show - draw @text (cut to the terminal's width) on the reserved row */
void vx_status_line_show(struct vx_status_line *s, const char *text);
/* vx_status_line_end - clear the row, give it back to the scrolling region, free @s (NULL
 * is fine) */
void vx_status_line_end(struct vx_status_line *s);

#endif
