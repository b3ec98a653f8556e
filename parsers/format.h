/* format.h: the table of input formats and the buffered input every parser reads from.
 * Each importer is one file in parsers/ and one row in formats.c: a probe that looks at
 * the first bytes and a function that streams the input into a struct vx_sink.
 * Parsers never print: they return -1 with vx_error() naming the file and offset/line.
 */
#ifndef VX_FORMAT_H
#define VX_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/model.h"
#include "core/strbuf.h"

#define VX_INPUT_BUF 65536

/*
 * struct vx_input - one input file (or standard input for "-"), read through a buffer so
 * that the format probe can look at the first bytes even of a pipe.
 * @name: for messages ("perf.data", "<stdin>"); @fd: the open descriptor;
 * @offset: bytes consumed by the parser so far (for "truncated at offset N").
 */
struct vx_input {
	const char *name;
	const char *path;	/* NULL for standard input */
	int fd;
	bool seekable;
	uint64_t offset;
	size_t pos, len;	/* window of buf not yet consumed */
	bool eof;
	uint64_t size;		/* of a regular file, 0 when unknown (a pipe) */
	/* progress - told the bytes read so far and @size (set by the import, may be NULL) */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	unsigned char buf[VX_INPUT_BUF];
};

/* vx_input_open - open @path ("-" = stdin) and pre-read the first buffer; caller owns
 * the result and frees it with vx_input_close(). NULL + vx_error() on failure. */
struct vx_input *vx_input_open(const char *path);
void vx_input_close(struct vx_input *in);
/* vx_input_peek - the first bytes (valid right after open) for format probing */
const unsigned char *vx_input_peek(struct vx_input *in, size_t *len);
/* vx_input_read - read up to @n bytes; returns bytes read, 0 at EOF, -1 on error */
ssize_t vx_input_read(struct vx_input *in, void *dst, size_t n);
/* vx_input_read_full - exactly @n bytes: 1 = ok, 0 = clean EOF before any byte,
 * -1 = error or EOF in the middle (vx_error set, naming the offset) */
int vx_input_read_full(struct vx_input *in, void *dst, size_t n);
/* vx_input_progress - tell the progress callback that @pos bytes of the file are read
 * (parsers that read the file themselves, with pread, call it; the buffer calls it too) */
void vx_input_progress(struct vx_input *in, uint64_t pos);
/* vx_input_getline - next line without its '\n' into @line; 1 = line, 0 = EOF, -1 = error */
int vx_input_getline(struct vx_input *in, struct strbuf *line);

struct vx_import_opts {
	const char *kallsyms;	/* --kallsyms FILE, or NULL */
	const char *host;	/* --host NAME: the capture's meta "hostname", or NULL */
	/* progress - see struct vx_input; NULL: none (tests, fuzzers) */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

struct vx_format {
	const char *name;	/* "ftrace-text", "perf-data", ... (stored as capture format) */
	const char *desc;	/* one line for --help */
	/* probe - confidence 0 (not this format) .. 100 (magic number matched) */
	int (*probe)(const unsigned char *head, size_t len);
	/* import - stream @in into @sink; 0, or -1 with vx_error() set */
	int (*import)(struct vx_input *in, struct vx_sink *sink, const struct vx_import_opts *opts);
};

/* the table, NULL-terminated */
extern const struct vx_format *const vx_formats[];

/* vx_format_detect - the best format for @in, or NULL + vx_error() naming the file */
const struct vx_format *vx_format_detect(struct vx_input *in);
const struct vx_format *vx_format_by_name(const char *name);

extern const struct vx_format vx_format_ftrace_text;
extern const struct vx_format vx_format_perf_data;
extern const struct vx_format vx_format_perf_script;
extern const struct vx_format vx_format_trace_dat;

#endif
