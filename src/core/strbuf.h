/* strbuf.h: growable, always NUL-terminated byte strings (after git's strbuf).
 * Every growing string in vxanalyze goes through this; never strcat into fixed buffers.
 */
#ifndef VX_STRBUF_H
#define VX_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t len;
	size_t alloc;
	char *buf;	/* never NULL after strbuf_init(); "" when empty */
};

#define STRBUF_INIT { 0, 0, strbuf_empty }
extern char strbuf_empty[];

void strbuf_init(struct strbuf *sb, size_t hint);
/* strbuf_release - free the buffer; @sb is reusable (empty) afterwards */
void strbuf_release(struct strbuf *sb);
/* strbuf_detach - hand the buffer to the caller, who frees it with free() */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

#endif
