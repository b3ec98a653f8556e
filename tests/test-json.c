/* test-json.c: the JSON writer escapes and nests correctly; the flat reader reads it back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/json.h"

static void test_json_writer_nests_and_escapes(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer *w = jw_new_strbuf(&sb, false);

	jw_start_object(w);
	jw_kstring(w, "comm", "<img src=x onerror=\"alert(1)\">\n");
	jw_key(w, "list");
	jw_start_array(w);
	jw_int(w, -1);
	jw_uint(w, 18446744073709551615ULL);
	jw_null(w);
	jw_start_object(w);
	jw_end_object(w);
	jw_end_array(w);
	jw_kbool(w, "ok", true);
	jw_kstring(w, "bad", "\xff\xfe");
	jw_end_object(w);
	jw_destroy(w);
	assert_string_equal(sb.buf, "{\"comm\":\"<img src=x onerror=\\\"alert(1)\\\">\\u000a\","
				    "\"list\":[-1,18446744073709551615,null,{}],\"ok\":true,"
				    "\"bad\":\"\\ufffd\\ufffd\"}");
	strbuf_release(&sb);
}

/* a JSON string pasted into an HTML <script> can neither close it nor end a JavaScript line */
static void test_json_strings_are_inert_inside_a_script(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	json_escape(&sb, "</script><script>x</SCRIPT><!-- a<b \xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xa6");
	assert_string_equal(sb.buf, "\"\\u003c/script><script>x\\u003c/SCRIPT>\\u003c!-- a<b \\u2028\\u2029\xe2\x80\xa6\"");
	strbuf_release(&sb);
}

static void test_json_flat_reader_round_trip(void **state)
{
	struct arena a = ARENA_INIT;
	struct vx_field *f;
	int n = json_parse_flat("{\"msg\":\"Nexthop has \\\"invalid\\\" gateway\",\"len\":\"98\",\"n\":12}", &a, &f);

	assert_int_equal(n, 3);
	assert_string_equal(f[0].key, "msg");
	assert_string_equal(f[0].value, "Nexthop has \"invalid\" gateway");
	assert_string_equal(f[2].value, "12");
	assert_int_equal(json_parse_flat("[1,2]", &a, &f), -1);
	assert_int_equal(json_parse_flat("{\"a\":\"unterminated}", &a, &f), -1);
	assert_int_equal(json_parse_flat("{}", &a, &f), 0);
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_writer_nests_and_escapes),
		cmocka_unit_test(test_json_strings_are_inert_inside_a_script),
		cmocka_unit_test(test_json_flat_reader_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
