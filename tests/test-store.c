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
#include "core/error.h"

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

	/* a database of schema 1 (fields as JSON in a table events): one clear line */
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE events(id INTEGER PRIMARY KEY, fields TEXT);"
				      "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_null(store_open(db, false));
	assert_non_null(strstr(vx_error_msg(), "schema 1: made by an older vxanalyze; re-import the capture"));
	assert_null(strchr(vx_error_msg(), '\n'));
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

/* one column of the view `events` for row @id, as text (malloc'd, caller frees) */
static char *view_text(const char *db, const char *expr, int64_t id)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	char sql[256], *v = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT %s FROM events WHERE id = %lld", expr, (long long)id);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	if (sqlite3_column_text(s, 0))
		v = strdup((const char *)sqlite3_column_text(s, 0));
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

/*
 * The compact store gives back exactly what went in: field order, values rebuilt from the
 * skb/len/dev columns in the event's own text (0x-hex, ftrace's hashed %016x, a decimal len,
 * a hex len that must not be rebuilt as decimal), values that change per event (moved out of
 * the field sets after a while), odd keys, and the same through the SQL view.
 */
static void test_store_compact_fields_round_trip_exactly(void **state)
{
	char *db = test_db_new();
	struct vx_store *st = store_open(db, false);
	struct vx_sink *sink = store_import_begin(st, "synthetic", "ftrace-text");
	enum { N = 600 };
	char vals[N][4][32];
	struct vx_field fields[N][6];
	struct vx_dataset ds;
	int64_t id;

	assert_non_null(sink);
	for (int i = 0; i < N; i++) {
		struct vx_event ev = { .ts_ns = 1000 + (uint64_t)i, .cpu = i % 2, .pid = 7,
				       .comm = i % 3 ? "ping" : NULL, .name = "net:net_dev_xmit",
				       .fields = fields[i], .nfields = 6 };

		snprintf(vals[i][0], 32, i % 2 ? "0xffff8881%08x" : "%016x", 0x1000u + (unsigned)i % 5);
		snprintf(vals[i][1], 32, i % 4 == 1 ? "0x%x" : "%d", 98 + i % 3);
		snprintf(vals[i][2], 32, "%d", i);			/* a sequence number: varies */
		snprintf(vals[i][3], 32, "%s", i % 7 ? "eth0" : "vxlan.calico");
		fields[i][0] = (struct vx_field){ "skbaddr", vals[i][0] };
		fields[i][1] = (struct vx_field){ "len", vals[i][1] };
		fields[i][2] = (struct vx_field){ "seq", vals[i][2] };
		fields[i][3] = (struct vx_field){ "name", vals[i][3] };
		fields[i][4] = (struct vx_field){ "odd \"key\"", "x" };
		fields[i][5] = (struct vx_field){ "rc", i % 2 ? "0" : "-11" };
		assert_int_equal(vx_sink_event(sink, &ev), 0);
	}
	assert_int_equal(store_import_commit(st, &id), 0);
	assert_int_equal(store_check(st), 0);
	assert_int_equal(store_load(st, id, true, &ds), 0);
	assert_int_equal(ds.nrecs, N);
	for (int i = 0; i < N; i++) {
		const struct vx_rec *r = &ds.recs[i];

		assert_int_equal(r->ts_ns, 1000 + (uint64_t)i);
		assert_int_equal(r->nfields, 6);
		for (int f = 0; f < 6; f++) {
			assert_string_equal(r->fields[f].key, fields[i][f].key);
			assert_string_equal(r->fields[f].value, fields[i][f].value);
		}
		assert_string_equal(r->dev, vals[i][3]);
		assert_int_equal(r->len, 98 + i % 3);
		if (i % 3)
			assert_string_equal(r->comm, "ping");
		else
			assert_null(r->comm);
	}
	/* the view: the old columns, fields as one JSON object */
	for (int i = 0; i < N; i += 37) {
		char *v = view_text(db, "json_extract(fields, '$.skbaddr')", ds.recs[i].id);

		assert_string_equal(v, vals[i][0]);
		free(v);
		v = view_text(db, "json_extract(fields, '$.len') || '/' || json_extract(fields, '$.seq') || '/' ||"
			      " json_extract(fields, '$.name') || '/' || dev || '/' || name", ds.recs[i].id);
		char want[160];

		snprintf(want, sizeof(want), "%s/%s/%s/%s/net:net_dev_xmit", vals[i][1], vals[i][2], vals[i][3],
			 vals[i][3]);
		assert_string_equal(v, want);
		free(v);
	}
	vx_dataset_release(&ds);
	/* the varying sequence number did not make one field set per event */
	{
		sqlite3 *h;
		sqlite3_stmt *s;

		assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM fieldsets", -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_true(sqlite3_column_int(s, 0) < N / 4);
		sqlite3_finalize(s);
		sqlite3_close(h);
	}
	/* deleting the capture takes its events along */
	assert_int_equal(store_capture_delete(st, id), 0);
	assert_int_equal(store_check(st), 0);
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
		cmocka_unit_test(test_store_compact_fields_round_trip_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
