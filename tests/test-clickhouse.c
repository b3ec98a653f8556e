/* test-clickhouse.c: the ClickHouse client's pieces that need no server (src/fleet/
 * clickhouse.c, fleet-query.c's glob): URLs are read or refused with a reason, TabSeparated
 * answers are cut and unescaped, RowBinary is little-endian with LEB128 lengths, string
 * literals are quoted, a host glob becomes an anchored regular expression, and the column
 * list of a table is what its INSERT names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/error.h"
#include "fleet/clickhouse.h"
#include "fleet/fleet-query.h"

static void test_clickhouse_url_reads_host_port_database_and_user(void **state)
{
	struct ch_url u;

	assert_int_equal(ch_url_parse("clickhouse://bob:p%40ss@ch.example.org:18123/fleet_1", &u), 0);
	assert_string_equal(u.host, "ch.example.org");
	assert_int_equal(u.port, 18123);
	assert_string_equal(u.database, "fleet_1");
	assert_string_equal(u.user, "bob");
	assert_string_equal(u.password, "p@ss");
	ch_url_release(&u);
	assert_int_equal(ch_url_parse("clickhouse://127.0.0.1", &u), 0);
	assert_int_equal(u.port, CH_DEFAULT_PORT);
	assert_string_equal(u.database, CH_DEFAULT_DATABASE);
	assert_null(u.user);
	ch_url_release(&u);
	assert_int_equal(ch_url_parse("clickhouse://[::1]:9123/x", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 9123);
	ch_url_release(&u);
}

static void test_clickhouse_url_refuses_with_a_reason(void **state)
{
	static const struct { const char *url, *why; } bad[] = {
		{ "http://127.0.0.1:8123/x", "not a clickhouse:// URL" },
		{ "clickhouse://:8123/x", "no host" },
		{ "clickhouse://h:0/x", "the port is not a number from 1 to 65535" },
		{ "clickhouse://h:65536/x", "the port is not a number from 1 to 65535" },
		{ "clickhouse://h:12ab/x", "the port is not a number from 1 to 65535" },
		{ "clickhouse://h:/x", "no port after ':'" },
		{ "clickhouse://h/x;DROP", "the database name must be letters, digits and _" },
		{ "clickhouse://h/x/y", "the database name must be letters, digits and _" },
		{ "clickhouse://h/x?user=a", "no query or fragment is understood" },
		{ "clickhouse://h o/x", "the host name has a character hosts do not have" },
		{ "clickhouse://[::1/x", "an IPv6 address needs its closing ']'" },
	};
	struct ch_url u;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vx_error_clear();
		assert_int_equal(ch_url_parse(bad[i].url, &u), -1);
		if (!strstr(vx_error_msg(), bad[i].why))
			fail_msg("%s: %s", bad[i].url, vx_error_msg());
		assert_null(strchr(vx_error_msg(), '\n'));
	}
}

static void test_clickhouse_answer_cells_are_unescaped(void **state)
{
	static const char text[] = "a\\tb\t1\n\\\\x\\ny\t-2\n\t\n";
	struct ch_result r;

	assert_int_equal(ch_result_parse(text, sizeof(text) - 1, &r), 0);
	assert_int_equal(r.nrows, 3);
	assert_int_equal(r.ncols, 2);
	assert_string_equal(ch_cell(&r, 0, 0), "a\tb");
	assert_int_equal(ch_cell_i64(&r, 0, 1), 1);
	assert_string_equal(ch_cell(&r, 1, 0), "\\x\ny");
	assert_int_equal(ch_cell_i64(&r, 1, 1), -2);
	assert_string_equal(ch_cell(&r, 2, 0), "");
	assert_string_equal(ch_cell(&r, 2, 1), "");
	ch_result_release(&r);
	assert_int_equal(ch_result_parse("", 0, &r), 0);
	assert_int_equal(r.nrows, 0);
	ch_result_release(&r);
	assert_int_equal(ch_result_parse("a\tb\nc\n", 6, &r), -1);
	ch_result_release(&r);
}

static void test_clickhouse_rowbinary_is_little_endian_with_leb128_lengths(void **state)
{
	static const unsigned char want[] = {
		0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x03, 'a', 'b', 'c', 0x00, 0xac, 0x02, 0x7f,
	};
	struct strbuf sb = STRBUF_INIT;

	ch_put_u16(&sb, 0x1234);
	ch_put_u32(&sb, 0x12345678);
	ch_put_i64(&sb, -1);
	ch_put_str(&sb, "abc");
	ch_put_str(&sb, NULL);
	ch_put_len(&sb, 300);
	ch_put_u8(&sb, 0x7f);
	assert_int_equal(sb.len, sizeof(want));
	assert_memory_equal(sb.buf, want, sizeof(want));
	strbuf_release(&sb);
}

static void test_clickhouse_quote_escapes_quotes_and_backslashes(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	ch_quote(&sb, "it's a \\ test");
	assert_string_equal(sb.buf, "'it\\'s a \\\\ test'");
	strbuf_release(&sb);
}

static void test_fleet_host_glob_is_an_anchored_regex(void **state)
{
	static const struct { const char *glob, *re; } g[] = {
		{ "node-*", "^node-.*$" },
		{ "node?.x", "^node.\\.x$" },
		{ "n[0-4]", "^n[0-4]$" },
		{ "n[!a]", "^n[^a]$" },
		{ "a+b(c)|$", "^a\\+b\\(c\\)\\|\\$$" },
		{ "[x", "^\\[x$" },
	};

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct strbuf sb = STRBUF_INIT;

		fleet_glob_regex(g[i].glob, &sb);
		assert_string_equal(sb.buf, g[i].re);
		strbuf_release(&sb);
	}
}

static void test_fleet_columns_list_every_column_quoted(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	fleet_columns(FT_ROUTES, &sb);
	assert_non_null(strstr(sb.buf, "`batch`, `host`, `id`"));
	assert_non_null(strstr(sb.buf, "`table`"));
	strbuf_release(&sb);
	fleet_columns(FT_JOURNEYS, &sb);
	assert_non_null(strstr(sb.buf, "`links.kind`"));
	assert_non_null(strstr(sb.buf, "`end`, `end_rule`"));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clickhouse_url_reads_host_port_database_and_user),
		cmocka_unit_test(test_clickhouse_url_refuses_with_a_reason),
		cmocka_unit_test(test_clickhouse_answer_cells_are_unescaped),
		cmocka_unit_test(test_clickhouse_rowbinary_is_little_endian_with_leb128_lengths),
		cmocka_unit_test(test_clickhouse_quote_escapes_quotes_and_backslashes),
		cmocka_unit_test(test_fleet_host_glob_is_an_anchored_regex),
		cmocka_unit_test(test_fleet_columns_list_every_column_quoted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
