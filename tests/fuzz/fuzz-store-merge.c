/* fuzz-store-merge.c: libFuzzer target for importing a vxanalyze database (store_merge(),
 * store-merge.c and store-guard.c): the bytes are written to a file and merged into a fresh
 * in-memory store. Either the merge fails with one line and the store holds nothing, or it
 * succeeds and the store passes store_check(), loads back with every copied event, and goes
 * through the analysis and every renderer. Seeds: samples/pair-a.db and pair-b.db. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "app/store-source.h"
#include "core/error.h"
#include "report/analysis.h"
#include "report/render.h"
#include "store/store.h"

/* the file the bytes are written to (SQLite opens it by name); made for each input and
 * removed after it, so that nothing is left when libFuzzer ends the process */
static const char *db_file(char *path, size_t n)
{
	int fd;

	snprintf(path, n, "/tmp/vxfuzz-merge-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	/* a hung merge is stopped by the store's own bound, not libFuzzer's 30 s */
	setenv("VXANALYZE_IMPORT_TIMEOUT", "10", 1);
	return path;
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		abort();
}

/* what a successful merge left: consistent, every copied event there, analysable as
 * `report` does (every journey kept) and rendered in every format */
static void check_merged(struct vx_store *st, const struct store_merged *m, size_t n)
{
	struct vx_analysis_opts aopts = { .max_journeys = SIZE_MAX };
	struct vx_render_opts ropts = { .verbose = true };
	struct vx_dataset ds;
	struct vx_analysis an;
	uint64_t copied = 0;
	FILE *null;

	for (size_t i = 0; i < n; i++)
		copied += m[i].id ? m[i].events : 0;
	if (store_check(st) < 0 || store_load(st, 0, true, &ds) < 0)
		abort();
	if (ds.nrecs != copied)
		abort();
	vx_dataset_release(&ds);
	if (vx_stored_analyse(st, 0, &aopts, &an) == 0) {
		null = fopen("/dev/null", "w");
		for (size_t i = 0; null && vx_renderers[i]; i++)
			vx_renderers[i]->write(null, &an, &ropts);
		if (null)
			fclose(null);
		vx_stored_analysis_release(&an);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char path[64];
	const char *file = db_file(path, sizeof(path));
	struct vx_store *st;
	struct store_merged *m = NULL;
	struct vx_dataset ds;
	size_t n = 0;
	bool copied = false;

	write_file(file, data, len);
	st = store_open(":memory:", false);
	if (!st)
		abort();
	vx_error_clear();
	if (store_merge(st, file, "fuzz", &m, &n) < 0) {
		const char *e = vx_error_msg();

		if (!*e || strchr(e, '\n'))
			abort();	/* an error is one line that says something */
		if (m || n)
			abort();
	}
	for (size_t i = 0; i < n; i++)
		copied |= m[i].id != 0;
	if (copied) {
		check_merged(st, m, n);
	} else {
		/* nothing copied: nothing kept */
		if (store_load(st, 0, false, &ds) < 0 || ds.ncaptures)
			abort();
		vx_dataset_release(&ds);
	}
	free(m);
	store_close(st);
	unlink(file);
	return 0;
}
