/* progress.h: the import progress bar on standard error: bytes done of the file's size,
 * rate and ETA. Drawn only when stderr is a terminal, never with -q, and only once the
 * import has run for a second (VX_PROGRESS_DELAY_MS sets another delay, for tests).
 * Must not: be drawn by anything but a command; parsers only report their offset.
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

#endif
