/* tests-common.h: helpers shared by the unit tests: a sink that collects events in memory,
 * importing a sample file through format detection, and a throw-away database.
 * Included after cmocka.h.
 */
#ifndef VX_TESTS_COMMON_H
#define VX_TESTS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "app/import.h"
#include "core/model.h"
#include "store/store.h"
#include "parsers/format.h"
#include "report/analysis.h"
#include "app/store-source.h"
#include "report/events.h"

struct collected {
	char *name, *comm;
	int cpu, pid;
	uint64_t ts_ns;
	size_t nfields, nframes;
	char **keys, **values;
	char **frames;	/* normalised (machinery dropped), innermost first */
};

struct collector {
	struct vx_sink sink;
	struct collected *ev;
	size_t n, cap;
	char *meta_kernel_release;
};

void collector_init(struct collector *c);
void collector_release(struct collector *c);
const char *collected_field(const struct collected *e, const char *key);
/* index of the first frame equal to @sym, or -1 */
int collected_frame(const struct collected *e, const char *sym);

/* sample_path - VX_SAMPLES_DIR "/" name, in a static buffer */
const char *sample_path(const char *name);
/* import_path - detect and import @path into @sink; returns import()'s result;
 * *@fmt receives the detected format (may be NULL) */
int import_path(const char *path, struct vx_sink *sink, const struct vx_format **fmt);

/* slurp - the whole file at @path, malloc'd (caller frees), NUL-terminated; *@len its size */
unsigned char *slurp(const char *path, size_t *len);
/* tmp_file - @len bytes of @data in a new temp file; malloc'd path (caller unlinks, frees) */
char *tmp_file(const void *data, size_t len);

/* test_db_new - a fresh database path in a new temp directory (malloc'd; test_db_remove frees) */
char *test_db_new(void);
void test_db_remove(char *path);
/* store_import_path - import @path into the database @db; capture id or -1 */
int64_t store_import_path(const char *db, const char *path);
/* analyse_db - load capture @id (0 = all) of @db into @ds (for the test's own checks) and
 * analyse it as `report` does (every journey kept); release both with analyse_release */
int analyse_db(const char *db, int64_t id, struct vx_dataset *ds, struct vx_analysis *an);
/* analyse_db_filtered - analyse_db() with `report --filter`: only journeys matching @f count */
int analyse_db_filtered(const char *db, int64_t id, const struct vx_filter *f, struct vx_dataset *ds,
			struct vx_analysis *an);
/* analyse_release - the analysis, its store and @ds (may be NULL) */
void analyse_release(struct vx_dataset *ds, struct vx_analysis *an);
/* test_store_write_dataset - every capture of @ds (and each capture id its recs name) into
 * @st as new captures, through the import sink as a parser would: the rec's fields, its skb
 * address, device and length, its stack's frames, the capture's host, boot id and kernel */
int test_store_write_dataset(struct vx_store *st, const struct vx_dataset *ds);
/* analyse_dataset - @ds (made by hand, or loaded and changed) written into a new in-memory
 * store and analysed as `report` does; release with analyse_release(NULL, an) */
int analyse_dataset(const struct vx_dataset *ds, struct vx_analysis *an);
/* fib_lookups - the FIB lookup events of @ds (fib:fib_table_lookup, fib6:fib6_table_lookup) */
size_t fib_lookups(const struct vx_dataset *ds);
/* journey_with_devs - first journey whose hops visit @devs in order (NULL-terminated) */
const struct vx_journey *journey_with_devs(const struct vx_analysis *an, const char *const *devs);

#endif
