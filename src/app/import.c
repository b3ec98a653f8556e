/* import.c: the one import pipeline (see import.h): input → format → store sink → commit.
 * Must not: print, or know any format's details.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "import.h"

static int import_input(struct vx_store *st, struct vx_input *in, const struct vx_format *forced,
			const struct vx_import_opts *opts, vx_import_hook hook, void *ctx,
			struct vx_import_result *res)
{
	const struct vx_format *fmt;
	struct vx_sink *sink;

	memset(res, 0, sizeof(*res));
	snprintf(res->name, sizeof(res->name), "%s", in->name);
	if (opts && opts->progress) {
		in->progress = opts->progress;
		in->progress_ctx = opts->progress_ctx;
		vx_input_progress(in, in->len);	/* the first buffer, read at open */
	}
	fmt = forced ? forced : vx_format_detect(in);
	if (!fmt)
		return -1;
	res->format = fmt->name;
	/* a regular file is read as fast as the disk gives it: into an empty store it may be
	 * written through a rollback journal (store.h); a pipe (trace_pipe) may last, and keeps
	 * the WAL, where readers are not held up */
	sink = in->seekable ? store_import_begin_file(st, in->path ? in->path : in->name, fmt->name) :
			      store_import_begin(st, in->path ? in->path : in->name, fmt->name);
	if (!sink)
		return -1;
	vx_error_clear();
	if (fmt->import(in, sink, opts) < 0 ||
	    (opts && opts->host && vx_sink_meta(sink, "hostname", opts->host) < 0)) {
		store_import_rollback(st);
		return -1;
	}
	/* the sink belongs to the store and is gone after the commit: copy its counters */
	res->events = sink->events;
	res->lost_events = sink->lost_events;
	res->skipped = sink->skipped;
	memcpy(res->skipped_example, sink->skipped_example, sizeof(res->skipped_example));
	res->truncated = sink->truncated;
	res->truncated_at = sink->truncated_at;
	res->stacks_cut = sink->stacks_cut;
	memcpy(res->warning, sink->warning, sizeof(res->warning));
	if (hook) {
		if (store_import_flush(st, &res->capture_id) < 0)
			return -1;
		if (hook(ctx, st, res->capture_id, &res->filtered) < 0) {
			store_import_rollback(st);
			return -1;
		}
		res->events -= res->filtered;
	}
	return store_import_commit(st, &res->capture_id);
}

int vx_import_input(struct vx_store *st, struct vx_input *in, const struct vx_format *forced,
		    const struct vx_import_opts *opts, struct vx_import_result *res)
{
	return import_input(st, in, forced, opts, NULL, NULL, res);
}

int vx_import_file(struct vx_store *st, const char *path, const struct vx_format *forced,
		   const struct vx_import_opts *opts, struct vx_import_result *res)
{
	return vx_import_file_hook(st, path, forced, opts, NULL, NULL, res);
}

int vx_import_file_hook(struct vx_store *st, const char *path, const struct vx_format *forced,
			const struct vx_import_opts *opts, vx_import_hook hook, void *ctx,
			struct vx_import_result *res)
{
	struct vx_input *in = vx_input_open(path);
	int r;

	if (!in) {
		memset(res, 0, sizeof(*res));
		snprintf(res->name, sizeof(res->name), "%s", path);
		return -1;
	}
	r = import_input(st, in, forced, opts, hook, ctx, res);
	vx_input_close(in);
	return r;
}

bool vx_import_is_database(const char *path)
{
	static const char magic[16] = "SQLite format 3";	/* with its NUL */
	char head[16];
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	bool is = fd >= 0 && read(fd, head, sizeof(head)) == (ssize_t)sizeof(head) &&
		  !memcmp(head, magic, sizeof(magic));

	if (fd >= 0)
		close(fd);
	return is;
}

int vx_import_database(struct vx_store *st, const char *path, const char *host,
		       struct store_merged **out, size_t *n)
{
	return store_merge(st, path, host, out, n);
}
