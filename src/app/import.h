/* import.h: the one import pipeline: open a file, detect (or force) its format, stream it
 * into the store as one capture in one transaction. The CLI, the tests and the fuzzers
 * all call vx_import_file(), so they cannot drift apart.
 * Must not: print (the caller reports what the result says).
 */
#ifndef VX_IMPORT_H
#define VX_IMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "parsers/format.h"

/*
 * struct vx_import_result - what one import kept and what it did not.
 * @name: the input's name for messages ("<stdin>" for "-"), a copy owned by the result.
 * @format: the format's name (static). The counters are the sink's at commit time.
 */
struct vx_import_result {
	int64_t capture_id;
	char name[256];
	const char *format;
	uint64_t events;
	uint64_t lost_events;
	uint64_t skipped;
	char skipped_example[160];
	bool truncated;
	uint64_t truncated_at;
	uint64_t stacks_cut;	/* events whose stack was cut at VX_MAX_FRAMES frames */
	char warning[256];	/* the producer's first warning, "" when none */
	uint64_t filtered;	/* events the before-commit hook removed (import --filter) */
};

/*
 * vx_import_hook - what runs after the capture is written and before it is committed
 * (store_import_flush()): `import --filter` removes the journeys that do not match. It
 * returns 0 and sets *@filtered, or -1 with vx_error() set: the import is rolled back.
 */
typedef int (*vx_import_hook)(void *ctx, struct vx_store *st, int64_t capture_id, uint64_t *filtered);

/*
 * vx_import_file - import @path ("-" = standard input) into @st as one capture, read as
 * @forced when it is not NULL, else as the detected format. Returns 0 with @res filled,
 * or -1 with vx_error() set, the capture rolled back and nothing of it stored.
 */
int vx_import_file(struct vx_store *st, const char *path, const struct vx_format *forced,
		   const struct vx_import_opts *opts, struct vx_import_result *res);
/* vx_import_input - the same on an input the caller opened (and closes): in-memory or
 * piped inputs of the fuzzers and tests */
int vx_import_input(struct vx_store *st, struct vx_input *in, const struct vx_format *forced,
		    const struct vx_import_opts *opts, struct vx_import_result *res);
/* vx_import_file_hook - vx_import_file() with @hook (and its @ctx) run before the commit */
int vx_import_file_hook(struct vx_store *st, const char *path, const struct vx_format *forced,
			const struct vx_import_opts *opts, vx_import_hook hook, void *ctx,
			struct vx_import_result *res);

/* vx_import_is_database - @path is an SQLite database (its 16-byte magic); "-" never is */
bool vx_import_is_database(const char *path);
/* vx_import_database - the captures of the vxanalyze database @path into @st (store_merge():
 * one transaction, captures already here skipped); *@out per capture (caller frees) */
int vx_import_database(struct vx_store *st, const char *path, const char *host,
		       struct store_merged **out, size_t *n);

#endif
