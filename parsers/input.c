/* input.c: buffered reading of one input file or standard input (see format.h). */
#include "format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"

static int fill(struct vx_input *in)
{
	ssize_t r;

	if (in->eof)
		return 0;
	if (in->pos > 0 && in->pos < in->len)
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
	in->len -= in->pos;
	in->pos = 0;
	do {
		r = read(in->fd, in->buf + in->len, sizeof(in->buf) - in->len);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return vx_error("%s: read error at offset %llu: %s", in->name,
				(unsigned long long)(in->offset + in->len), strerror(errno));
	if (r == 0)
		in->eof = true;
	in->len += (size_t)r;
	vx_input_progress(in, in->offset + in->len - in->pos);
	return (int)(r > 0);
}

void vx_input_progress(struct vx_input *in, uint64_t pos)
{
	if (in->progress)
		in->progress(in->progress_ctx, pos, in->size);
}

struct vx_input *vx_input_open(const char *path)
{
	struct vx_input *in = xcalloc(1, sizeof(*in));
	struct stat st;

	if (!strcmp(path, "-")) {
		in->name = "<stdin>";
		in->fd = 0;
	} else {
		in->name = path;
		in->path = path;
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			vx_error("%s: cannot open: %s", path, strerror(errno));
			free(in);
			return NULL;
		}
		if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			vx_error("%s: is a directory, give a capture file", path);
			close(in->fd);
			free(in);
			return NULL;
		}
	}
	in->seekable = fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode);
	in->size = in->seekable ? (uint64_t)st.st_size : 0;
	/* pre-read: a pipe may deliver the first bytes in several chunks */
	while (in->len < 4096 && !in->eof)
		if (fill(in) < 0) {
			vx_input_close(in);
			return NULL;
		}
	return in;
}

void vx_input_close(struct vx_input *in)
{
	if (!in)
		return;
	if (in->fd > 0)
		close(in->fd);
	free(in);
}

const unsigned char *vx_input_peek(struct vx_input *in, size_t *len)
{
	*len = in->len - in->pos;
	return in->buf + in->pos;
}

ssize_t vx_input_read(struct vx_input *in, void *dst, size_t n)
{
	size_t done = 0;
	unsigned char *d = dst;

	while (done < n) {
		if (in->pos == in->len) {
			/* large reads bypass the buffer */
			if (n - done >= sizeof(in->buf) && !in->eof) {
				ssize_t r;

				do {
					r = read(in->fd, d + done, n - done);
				} while (r < 0 && errno == EINTR);
				if (r < 0)
					return vx_error("%s: read error at offset %llu: %s", in->name,
							(unsigned long long)in->offset, strerror(errno));
				if (r == 0) {
					in->eof = true;
					break;
				}
				done += (size_t)r;
				in->offset += (uint64_t)r;
				vx_input_progress(in, in->offset);
				continue;
			}
			int f = fill(in);

			if (f < 0)
				return -1;
			if (f == 0)
				break;
		}
		size_t k = in->len - in->pos;

		if (k > n - done)
			k = n - done;
		memcpy(d + done, in->buf + in->pos, k);
		in->pos += k;
		in->offset += k;
		done += k;
	}
	return (ssize_t)done;
}

int vx_input_read_full(struct vx_input *in, void *dst, size_t n)
{
	uint64_t start = in->offset;
	ssize_t r = vx_input_read(in, dst, n);

	if (r < 0)
		return -1;
	if ((size_t)r == n)
		return 1;
	if (r == 0)
		return 0;
	return vx_error("%s: truncated at offset %llu (needed %zu bytes, file ends after %zd)",
			in->name, (unsigned long long)start, n, r);
}

int vx_input_getline(struct vx_input *in, struct strbuf *line)
{
	strbuf_reset(line);
	for (;;) {
		if (in->pos == in->len) {
			int f = fill(in);

			if (f < 0)
				return -1;
			if (f == 0)
				return line->len ? 1 : 0;
		}
		unsigned char *s = in->buf + in->pos;
		size_t avail = in->len - in->pos;
		unsigned char *nl = memchr(s, '\n', avail);
		size_t k = nl ? (size_t)(nl - s) : avail;

		strbuf_add(line, s, k);
		in->pos += k + (nl ? 1 : 0);
		in->offset += k + (nl ? 1 : 0);
		if (nl) {
			if (line->len && line->buf[line->len - 1] == '\r')
				line->buf[--line->len] = '\0';
			return 1;
		}
	}
}
