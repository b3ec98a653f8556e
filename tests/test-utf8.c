/* test-utf8.c: the one UTF-8 decoder (src/core/utf8.c) that every output's escaper uses: what it
 * accepts, what it refuses (RFC 3629), and the clean text it makes for the terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/sha256.h"
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

/* what a terminal acts on instead of showing: ESC, C1 (8-bit CSI), newline, bidi overrides */
static void test_term_clean_shows_what_a_terminal_would_act_on(void **state)
{
	static const char in[] = "a\x1b]0;owned\x07\xc2\x9b" "2J\n\xe2\x80\xae" "b\xe2\x80\xa8\xe2\x81\xa6\0c\xed\xa0\x80";
	struct strbuf sb = STRBUF_INIT;
	const char *r = VX_UTF8_REPLACEMENT;

	(void)state;
	vx_term_clean(&sb, in, sizeof(in) - 1, 0, 0);
	struct strbuf want = STRBUF_INIT;

	strbuf_addf(&want, "a%s]0;owned%s%s2J%s%sb%s%s%sc%s%s%s", r, r, r, r, r, r, r, r, r, r, r);
	assert_string_equal(sb.buf, want.buf);
	strbuf_reset(&sb);
	vx_term_clean(&sb, in, sizeof(in) - 1, 0, VX_TERM_ESCAPES);
	assert_string_equal(sb.buf, "a\\x1b]0;owned\\x07\\xc2\\x9b2J\\n\\xe2\\x80\\xaeb\\xe2\\x80\\xa8"
			    "\\xe2\\x81\\xa6\\x00c\\xed\\xa0\\x80");
	/* printable text is left alone: µ, …, a CJK character, U+2030 just past the bidi range */
	strbuf_reset(&sb);
	vx_term_clean(&sb, "\xc2\xb5\xe2\x80\xa6\xe6\x97\xa5\xe2\x80\xb0", 11, 0, 0);
	assert_string_equal(sb.buf, "\xc2\xb5\xe2\x80\xa6\xe6\x97\xa5\xe2\x80\xb0");
	/* a sequence cut by the length is not read past it */
	strbuf_reset(&sb);
	vx_term_clean(&sb, "x\xe2\x80\xa6", 3, 0, 0);
	assert_string_equal(sb.buf, "x" VX_UTF8_REPLACEMENT VX_UTF8_REPLACEMENT);
	strbuf_reset(&sb);
	assert_int_equal(vx_term_clean(&sb, "abcdef", 6, 3, VX_TERM_MARK_CUT), 3);
	assert_string_equal(sb.buf, "abc" VX_UTF8_ELLIPSIS);
	strbuf_release(&sb);
	strbuf_release(&want);
}

/* FIPS 180-4 test vectors, and the CSP form of the empty string's digest */
static void test_sha256_known_digests(void **state)
{
	static const struct { const char *in; const char *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned char d[32];
		char hex[65];

		vx_sha256(v[i].in, strlen(v[i].in), d);
		for (int k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", d[k]);
		assert_string_equal(hex, v[i].hex);
	}
	vx_csp_hash(&sb, "", 0);
	assert_string_equal(sb.buf, "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_accepts_well_formed_characters),
		cmocka_unit_test(test_utf8_refuses_what_strict_readers_refuse),
		cmocka_unit_test(test_utf8_clean_replaces_and_cuts_by_character),
		cmocka_unit_test(test_term_clean_shows_what_a_terminal_would_act_on),
		cmocka_unit_test(test_sha256_known_digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
