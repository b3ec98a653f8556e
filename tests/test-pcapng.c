/* test-pcapng.c: the pcapng writer (report/pcapng.c): blocks byte for byte as the format
 * lays them out, hostile interface names and comments (invalid UTF-8, control characters,
 * a megabyte of name) written as short clean UTF-8, 32-bit padding for every length, and a
 * fuzz-style run that writes random blocks and reads every block length back through the
 * checker (which must also reject a damaged file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"
#include "report/pcapng.h"

static uint32_t u32_at(const struct strbuf *sb, size_t off)
{
	const unsigned char *p = (const unsigned char *)sb->buf + off;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t u16_at(const struct strbuf *sb, size_t off)
{
	const unsigned char *p = (const unsigned char *)sb->buf + off;

	return (uint16_t)(p[0] | p[1] << 8);
}

static long check(const struct strbuf *sb)
{
	struct strbuf why = STRBUF_INIT;
	long n = vx_pcapng_check((const unsigned char *)sb->buf, sb->len, &why);

	if (n < 0)
		fprintf(stderr, "%s\n", why.buf);
	strbuf_release(&why);
	return n;
}

/* the three blocks as the format lays them out: little-endian, lengths at both ends,
 * options padded to 32 bits and ended by opt_endofopt */
static void test_blocks_are_laid_out_as_the_format_says(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char pkt[5] = { 0x45, 0x00, 0x00, 0x54, 0xab };
	size_t idb, epb;

	(void)state;
	vx_pcapng_shb(&sb, "vx", "c");
	/* 8 header + 16 fixed + "vx" (4+4) + "c" (4+4) + end (4) + 4 trailer = 48 */
	assert_int_equal(u32_at(&sb, 0), VX_PCAPNG_SHB);
	assert_int_equal(u32_at(&sb, 4), 48);
	assert_int_equal(u32_at(&sb, 8), VX_PCAPNG_BOM);
	assert_int_equal(u16_at(&sb, 12), 1);
	assert_int_equal(u16_at(&sb, 14), 0);
	assert_int_equal(u32_at(&sb, 16), 0xffffffffu);
	assert_int_equal(u16_at(&sb, 24), VX_PCAPNG_SHB_USERAPPL);
	assert_int_equal(u16_at(&sb, 26), 2);
	assert_memory_equal(sb.buf + 28, "vx\0\0", 4);
	assert_int_equal(u16_at(&sb, 32), VX_PCAPNG_OPT_COMMENT);
	assert_int_equal(u16_at(&sb, 34), 1);
	assert_memory_equal(sb.buf + 36, "c\0\0\0", 4);
	assert_int_equal(u32_at(&sb, 40), 0);	/* opt_endofopt */
	assert_int_equal(u32_at(&sb, 44), 48);
	assert_int_equal(sb.len, 48);

	idb = sb.len;
	vx_pcapng_idb(&sb, VX_LINKTYPE_RAW, 0, "eth0", NULL);
	/* 8 + 8 fixed + "eth0" (4+4) + if_tsresol (4+4) + end 4 + 4 = 40 */
	assert_int_equal(u32_at(&sb, idb), VX_PCAPNG_IDB);
	assert_int_equal(u32_at(&sb, idb + 4), 40);
	assert_int_equal(u16_at(&sb, idb + 8), VX_LINKTYPE_RAW);
	assert_int_equal(u16_at(&sb, idb + 16), VX_PCAPNG_IF_NAME);
	assert_int_equal(u16_at(&sb, idb + 18), 4);
	assert_memory_equal(sb.buf + idb + 20, "eth0", 4);
	assert_int_equal(u16_at(&sb, idb + 24), VX_PCAPNG_IF_TSRESOL);
	assert_int_equal(u16_at(&sb, idb + 26), 1);
	assert_int_equal((unsigned char)sb.buf[idb + 28], 9);
	assert_int_equal(u32_at(&sb, idb + 36), 40);

	epb = sb.len;
	vx_pcapng_epb(&sb, 0, 0x123456789ull, pkt, 5, 84, "journey 1 hop 2");
	/* 8 + 20 fixed + 5 bytes padded to 8 + comment 15 -> (4+16) + end 4 + 4 = 64 */
	assert_int_equal(u32_at(&sb, epb), VX_PCAPNG_EPB);
	assert_int_equal(u32_at(&sb, epb + 4), 64);
	assert_int_equal(u32_at(&sb, epb + 8), 0);
	assert_int_equal(u32_at(&sb, epb + 12), 0x1);
	assert_int_equal(u32_at(&sb, epb + 16), 0x23456789);
	assert_int_equal(u32_at(&sb, epb + 20), 5);
	assert_int_equal(u32_at(&sb, epb + 24), 84);
	assert_memory_equal(sb.buf + epb + 28, "\x45\x00\x00\x54\xab\0\0\0", 8);
	assert_int_equal(u16_at(&sb, epb + 36), VX_PCAPNG_OPT_COMMENT);
	assert_int_equal(u16_at(&sb, epb + 38), 15);
	assert_memory_equal(sb.buf + epb + 40, "journey 1 hop 2\0", 16);
	assert_int_equal(u32_at(&sb, epb + 60), 64);
	/* an original length below the captured one is raised to it */
	epb = sb.len;
	vx_pcapng_epb(&sb, 0, 1, pkt, 5, 2, NULL);
	assert_int_equal(u32_at(&sb, epb + 24), 5);
	assert_int_equal(check(&sb), 4);
	strbuf_release(&sb);
}

/* the string option of @code in the block at @at (a found value is copied into @val) */
static int find_opt(const struct strbuf *sb, size_t at, size_t fixed, uint16_t code, struct strbuf *val)
{
	size_t end = at + u32_at(sb, at + 4) - 4;

	for (size_t o = at + 8 + fixed; o + 4 <= end;) {
		uint16_t c = u16_at(sb, o), l = u16_at(sb, o + 2);

		if (!c)
			return 0;
		if (c == code) {
			strbuf_reset(val);
			strbuf_add(val, sb->buf + o + 4, l);
			return 1;
		}
		o += 4 + ((l + 3u) & ~3u);
	}
	return 0;
}

/* device names and comments come from the capture: invalid UTF-8, control characters
 * (newlines, escape sequences, NUL cannot occur in a C string) and sheer length must come
 * out as valid UTF-8 of bounded length that Wireshark shows as text */
static void test_hostile_names_and_comments_become_short_clean_utf8(void **state)
{
	static const char *const names[] = {
		"eth0\xff\xfe", "\xc0\xaf\xed\xa0\x80", "vx\nlan\r\x1b[31m", "caf\xc3\xa9 \xf0\x9f\x90\xa7",
		"\xe2\x82", "%s%n", "\x7f", "ok",
	};
	struct strbuf sb = STRBUF_INIT, v = STRBUF_INIT, big = STRBUF_INIT;

	(void)state;
	for (int i = 0; i < 1 << 20; i++)
		strbuf_addch(&big, i % 7 ? 'a' + i % 26 : '\xc3');	/* a megabyte, half of it broken */
	vx_pcapng_shb(&sb, NULL, big.buf);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t at = sb.len;

		vx_pcapng_idb(&sb, VX_LINKTYPE_ETHERNET, 0, names[i], names[i]);
		assert_true(find_opt(&sb, at, 8, VX_PCAPNG_IF_NAME, &v));
		for (size_t k = 0; k < v.len;) {
			int l = vx_utf8_len((const unsigned char *)v.buf + k);

			assert_true(l > 0);
			assert_false(l == 1 && ((unsigned char)v.buf[k] < 0x20 || v.buf[k] == 0x7f));
			k += (size_t)l;
		}
	}
	/* what stays is what was valid */
	{
		size_t at = sb.len;

		vx_pcapng_idb(&sb, VX_LINKTYPE_RAW, 0, "caf\xc3\xa9 \xf0\x9f\x90\xa7", NULL);
		assert_true(find_opt(&sb, at, 8, VX_PCAPNG_IF_NAME, &v));
		assert_string_equal(v.buf, "caf\xc3\xa9 \xf0\x9f\x90\xa7");
		at = sb.len;
		vx_pcapng_idb(&sb, VX_LINKTYPE_RAW, 0, "eth0\xff", NULL);
		assert_true(find_opt(&sb, at, 8, VX_PCAPNG_IF_NAME, &v));
		assert_string_equal(v.buf, "eth0" VX_UTF8_REPLACEMENT);
		at = sb.len;
		vx_pcapng_epb(&sb, 0, 0, "x", 1, 1, big.buf);
		assert_true(find_opt(&sb, at, 20 + 4, VX_PCAPNG_OPT_COMMENT, &v));
		assert_true(v.len <= 4 * VX_PCAPNG_STR_MAX && v.len >= VX_PCAPNG_STR_MAX);
		assert_true(u32_at(&sb, at + 4) < 4 * VX_PCAPNG_STR_MAX + 64);
	}
	assert_int_equal(check(&sb), 1 + (long)(sizeof(names) / sizeof(names[0])) + 3);
	strbuf_release(&sb);
	strbuf_release(&v);
	strbuf_release(&big);
}

/* every length of name, comment and packet pads its block to a multiple of 4, with zeros */
static void test_every_length_pads_to_32_bits(void **state)
{
	unsigned char data[16];
	char name[16];
	struct strbuf sb = STRBUF_INIT;
	long blocks = 1;

	(void)state;
	memset(data, 0xee, sizeof(data));
	vx_pcapng_shb(&sb, NULL, NULL);
	for (int n = 0; n < 12; n++) {
		memset(name, 'n', (size_t)n);
		name[n] = '\0';
		vx_pcapng_idb(&sb, VX_LINKTYPE_RAW, 0, name, name);
		for (int c = 0; c < 12; c++) {
			size_t at = sb.len;

			vx_pcapng_epb(&sb, (uint32_t)n, (uint64_t)c, data, (uint32_t)c, 100, name);
			assert_int_equal(u32_at(&sb, at + 4) % 4, 0);
			for (size_t k = at + 28 + (size_t)c; k % 4 != 0; k++)
				assert_int_equal(sb.buf[k], 0);
			blocks++;
		}
		blocks++;
	}
	assert_int_equal(sb.len % 4, 0);
	assert_int_equal(check(&sb), blocks);
	strbuf_release(&sb);
}

/* xorshift: a repeatable stream of random bytes */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void rnd_str(uint64_t *s, char *out, size_t max)
{
	size_t n = rnd(s) % max;

	for (size_t i = 0; i < n; i++) {
		char c = (char)(rnd(s) & 0xff);

		out[i] = c ? c : 'z';
	}
	out[n] = '\0';
}

/* fuzz-style: random names, comments and packets of random lengths; every block length read
 * back agrees at both ends and the options parse; then each damage of a length is caught */
static void test_random_blocks_read_back_and_damage_is_caught(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct strbuf sb = STRBUF_INIT;
	char name[300], comment[3000];
	unsigned char data[600];
	long blocks = 1;
	uint32_t nif = 0;

	(void)state;
	rnd_str(&seed, comment, sizeof(comment));
	vx_pcapng_shb(&sb, "vxanalyze", comment);
	for (int i = 0; i < 3000; i++) {
		if (!nif || rnd(&seed) % 8 == 0) {
			rnd_str(&seed, name, sizeof(name));
			vx_pcapng_idb(&sb, (uint16_t)(rnd(&seed) % 3 ? VX_LINKTYPE_RAW : VX_LINKTYPE_ETHERNET), 0,
				      name, rnd(&seed) % 2 ? name : NULL);
			nif++;
		} else {
			uint32_t cap = (uint32_t)(rnd(&seed) % sizeof(data));

			for (uint32_t k = 0; k < cap; k++)
				data[k] = (unsigned char)rnd(&seed);
			rnd_str(&seed, comment, sizeof(comment));
			vx_pcapng_epb(&sb, (uint32_t)(rnd(&seed) % nif), rnd(&seed), data, cap,
				      cap + (uint32_t)(rnd(&seed) % 100), rnd(&seed) % 4 ? comment : NULL);
		}
		blocks++;
	}
	assert_int_equal(check(&sb), blocks);
	/* damage: a trailing length, a leading length, a cut file */
	{
		size_t second = u32_at(&sb, 4);
		uint32_t total = u32_at(&sb, second + 4);

		sb.buf[second + total - 4] ^= 4;
		assert_int_equal(vx_pcapng_check((unsigned char *)sb.buf, sb.len, NULL), -1);
		sb.buf[second + total - 4] ^= 4;
		sb.buf[second + 4] ^= 1;
		assert_int_equal(vx_pcapng_check((unsigned char *)sb.buf, sb.len, NULL), -1);
		sb.buf[second + 4] ^= 1;
		assert_int_equal(vx_pcapng_check((unsigned char *)sb.buf, sb.len - 4, NULL), -1);
		assert_int_equal(check(&sb), blocks);
	}
	strbuf_release(&sb);
}

/* the exported-PDU tags before a tunnel's UDP bytes: big-endian, padded, ended */
static void test_upper_pdu_tags(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char src[4] = { 192, 168, 50, 1 }, dst[4] = { 192, 168, 50, 2 };

	(void)state;
	vx_pcapng_upper_pdu(&sb, "udp", src, dst);
	assert_int_equal(sb.len, 8 + 8 + 8 + 4);
	assert_memory_equal(sb.buf, "\0\x0c\0\x04udp\0\0\x14\0\x04\xc0\xa8\x32\x01\0\x15\0\x04\xc0\xa8\x32\x02\0\0\0\0", 28);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_are_laid_out_as_the_format_says),
		cmocka_unit_test(test_hostile_names_and_comments_become_short_clean_utf8),
		cmocka_unit_test(test_every_length_pads_to_32_bits),
		cmocka_unit_test(test_random_blocks_read_back_and_damage_is_caught),
		cmocka_unit_test(test_upper_pdu_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
