/* test-store.c: the SQLite store: what goes in comes out, stacks are shared, a failed
 * import leaves nothing, foreign or other-version databases are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <cmocka.h>

#include "tests-common.h"
#include "../src/error.h"

static void test_store_round_trip_keeps_events_and_fields(void **state)
{
	char *db = test_db_new();
	struct collector c;
	struct vx_dataset ds;
	struct vx_analysis an;
	int64_t id;

	collector_init(&c);
	assert_int_equal(import_path(sample_path("vxlan-ping.trace"), &c.sink, NULL), 0);
	id = store_import_path(db, sample_path("vxlan-ping.trace"));
	assert_true(id > 0);
	assert_int_equal(analyse_db(db, id, &ds, &an), 0);
	assert_int_equal(ds.ncaptures, 1);
	assert_int_equal(ds.captures[0].events, c.n);
	assert_string_equal(ds.captures[0].format, "ftrace-text");
	assert_int_equal(ds.nrecs, c.n);
	assert_int_equal(ds.captures[0].first_ts, ds.recs[0].ts_ns);
	/* derived columns and the generic fields agree */
	for (size_t i = 0; i < ds.nrecs; i++) {
		const struct vx_rec *r = &ds.recs[i];

		assert_non_null(r->dev);
		assert_string_equal(r->dev, vx_rec_field(r, "dev"));
		assert_int_equal(r->len, atoll(vx_rec_field(r, "len")));
		assert_true(r->skb != 0);
		assert_true(r->stack_id != 0);
		const struct vx_stack *k = vx_dataset_stack(&ds, r->stack_id);

		assert_non_null(k);
		for (size_t f = 0; f < k->nframes; f++)
			assert_null(strstr(k->frames[f], "trace_event_raw_event"));
	}
	analyse_release(&ds, &an);
	collector_release(&c);
	test_db_remove(db);
}

static void test_store_shares_stacks_between_captures(void **state)
{
	char *db = test_db_new();
	struct vx_dataset one, both;
	struct vx_store *st;

	assert_int_equal(store_import_path(db, sample_path("vxlan-ping.trace")), 1);
	assert_int_equal(store_import_path(db, sample_path("vxlan-ping.trace")), 2);
	st = store_open(db, true);
	assert_non_null(st);
	assert_int_equal(store_load(st, 1, true, &one), 0);
	assert_int_equal(store_load(st, 0, true, &both), 0);
	assert_int_equal(both.ncaptures, 2);
	assert_int_equal(both.nrecs, 2 * one.nrecs);
	assert_int_equal(both.nstacks, one.nstacks);
	vx_dataset_release(&one);
	vx_dataset_release(&both);
	store_close(st);
	test_db_remove(db);
}

static void test_store_failed_import_leaves_no_capture(void **state)
{
	char *db = test_db_new();
	struct vx_store *st = store_open(db, false);
	struct vx_sink *sink;
	struct vx_dataset ds;
	struct vx_event ev = { .ts_ns = 1, .cpu = 0, .pid = 1, .name = "net:netif_rx" };

	assert_non_null(st);
	sink = store_import_begin(st, "x", "ftrace-text");
	assert_non_null(sink);
	assert_int_equal(vx_sink_event(sink, &ev), 0);
	store_import_rollback(st);
	assert_int_equal(store_load(st, 0, true, &ds), 0);
	assert_int_equal(ds.ncaptures, 0);
	assert_int_equal(ds.nrecs, 0);
	vx_dataset_release(&ds);
	store_close(st);
	test_db_remove(db);
}

static void test_store_refuses_foreign_and_other_version_databases(void **state)
{
	char *db = test_db_new();
	sqlite3 *h;
	FILE *f;

	/* a SQLite database of something else */
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_null(store_open(db, false));
	assert_non_null(strstr(vx_error_msg(), "not a vxanalyze database"));
	remove(db);

	/* a vxanalyze database of a future schema */
	struct vx_store *st = store_open(db, false);

	assert_non_null(st);
	store_close(st);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_null(store_open(db, true));
	assert_non_null(strstr(vx_error_msg(), "schema version 99"));
	remove(db);

	/* not SQLite at all */
	f = fopen(db, "w");
	fputs("this is not a database, just text that is long enough to have a header...........\n", f);
	fclose(f);
	assert_null(store_open(db, true));
	assert_non_null(strstr(vx_error_msg(), db));
	remove(db);

	/* reading a database that does not exist does not create it */
	assert_null(store_open(db, true));
	assert_non_null(strstr(vx_error_msg(), "no such database"));
	test_db_remove(db);
}

static void test_store_keeps_capture_meta(void **state)
{
	char *db = test_db_new();
	struct vx_store *st = store_open(db, false);
	struct vx_sink *sink = store_import_begin(st, "rec", "record-ftrace");
	int64_t id;
	char *v;
	size_t len;
	struct vx_dataset ds;

	assert_int_equal(vx_sink_meta(sink, "kernel_release", "6.18.0-test"), 0);
	assert_int_equal(sink->meta(sink, "kallsyms", "ffffffff81000000 T _stext\n", 27), 0);
	sink->lost_events = 5;
	assert_int_equal(store_import_commit(st, &id), 0);
	assert_int_equal(store_capture_meta(st, id, "kallsyms", &v, &len), 0);
	assert_int_equal(len, 27);
	assert_memory_equal(v, "ffffffff81000000 T _stext\n", 27);
	free(v);
	assert_int_equal(store_capture_meta(st, id, "nothing", &v, &len), 1);
	assert_int_equal(store_load(st, id, false, &ds), 0);
	assert_string_equal(ds.captures[0].kernel_release, "6.18.0-test");
	assert_int_equal(ds.captures[0].lost_events, 5);
	vx_dataset_release(&ds);
	assert_int_equal(store_capture_delete(st, id), 0);
	assert_int_equal(store_capture_delete(st, id), -1);
	store_close(st);
	test_db_remove(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_round_trip_keeps_events_and_fields),
		cmocka_unit_test(test_store_shares_stacks_between_captures),
		cmocka_unit_test(test_store_failed_import_leaves_no_capture),
		cmocka_unit_test(test_store_refuses_foreign_and_other_version_databases),
		cmocka_unit_test(test_store_keeps_capture_meta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
