/* test-utf8.c: the one UTF-8 decoder (src/core/utf8.c) that every output's escaper uses: what it
 * accepts, what it refuses (RFC 3629), and the clean text it makes for the terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/utf8.h"

static int len_of(const char *s)
{
	return vx_utf8_len((const unsigned char *)s);
}

static void test_utf8_accepts_well_formed_characters(void **state)
{
	(void)state;
	assert_int_equal(len_of("a"), 1);
	assert_int_equal(len_of("\xc2\xb5s"), 2);		/* µ */
	assert_int_equal(len_of("\xe2\x80\xa6"), 3);		/* … */
	assert_int_equal(len_of("\xed\x9f\xbf"), 3);		/* U+D7FF, just below the surrogates */
	assert_int_equal(len_of("\xf0\x9f\x93\xa6"), 4);	/* U+1F4E6 */
	assert_int_equal(len_of("\xf4\x8f\xbf\xbf"), 4);	/* U+10FFFF */
}

static void test_utf8_refuses_what_strict_readers_refuse(void **state)
{
	(void)state;
	assert_int_equal(len_of("\x80"), 0);			/* stray continuation */
	assert_int_equal(len_of("\xc0\xaf"), 0);		/* overlong '/' */
	assert_int_equal(len_of("\xe0\x80\xaf"), 0);		/* overlong, 3 bytes */
	assert_int_equal(len_of("\xf0\x80\x80\xaf"), 0);	/* overlong, 4 bytes */
	assert_int_equal(len_of("\xed\xa0\x80"), 0);		/* UTF-16 surrogate U+D800 */
	assert_int_equal(len_of("\xf4\x90\x80\x80"), 0);	/* past U+10FFFF */
	assert_int_equal(len_of("\xe9"), 0);			/* Latin-1 é, cut at the NUL */
	assert_int_equal(len_of("\xe2\x80"), 0);		/* sequence cut short */
}

static void test_utf8_clean_replaces_and_cuts_by_character(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(vx_utf8_clean(&sb, "caf\xe9\x1b[31m", 0), 9);
	assert_string_equal(sb.buf, "caf" VX_UTF8_REPLACEMENT VX_UTF8_REPLACEMENT "[31m");
	strbuf_reset(&sb);
	/* the cut never splits a character */
	assert_int_equal(vx_utf8_clean(&sb, "\xc2\xb5\xc2\xb5\xc2\xb5", 2), 2);
	assert_string_equal(sb.buf, "\xc2\xb5\xc2\xb5");
	strbuf_reset(&sb);
	assert_int_equal(vx_utf8_clean(&sb, NULL, 0), 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_accepts_well_formed_characters),
		cmocka_unit_test(test_utf8_refuses_what_strict_readers_refuse),
		cmocka_unit_test(test_utf8_clean_replaces_and_cuts_by_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
