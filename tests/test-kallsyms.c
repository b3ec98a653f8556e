/* test-kallsyms.c: the kallsyms table (parsers/kallsyms.c) on the slice saved with the
 * perf samples and on the text forms a restricted or odd /proc/kallsyms gives. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "decode/kallsyms.h"
#include "core/error.h"

static void test_kallsyms_finds_the_containing_symbol(void **state)
{
	struct vx_kallsyms ks = { 0 };
	const struct vx_ksym *s, *t;
	uint64_t off;

	assert_true(vx_kallsyms_load(&ks, sample_path("vxlan-ping.kallsyms")) > 10);
	assert_true(ks.text != 0);
	s = vx_kallsyms_lookup(&ks, ks.syms[3].addr, &off);
	assert_ptr_equal(s, &ks.syms[3]);
	assert_int_equal(off, 0);
	/* an address inside a function: the last symbol at or below it */
	for (size_t i = 0; i + 1 < ks.n; i++) {
		if (ks.syms[i + 1].addr - ks.syms[i].addr < 2)
			continue;
		t = vx_kallsyms_lookup(&ks, ks.syms[i + 1].addr - 1, &off);
		assert_non_null(t);
		assert_int_equal(t->addr, ks.syms[i].addr);
		assert_int_equal(off, ks.syms[i + 1].addr - 1 - ks.syms[i].addr);
	}
	assert_null(vx_kallsyms_lookup(&ks, ks.syms[0].addr - 1, &off));
	for (size_t i = 1; i < ks.n; i++)
		assert_true(ks.syms[i - 1].addr <= ks.syms[i].addr);
	vx_kallsyms_release(&ks);
	assert_int_equal(ks.n, 0);
}

static void test_kallsyms_keeps_text_symbols_only(void **state)
{
	static const char text[] =
		"ffffffff81000000 T _text\n"
		"ffffffff81000100 T startup_64\n"
		"ffffffff81000100 t startup_64_alias\n"
		"ffffffff82000000 D some_data\n"
		"ffffffff81000200 t local_fn\t[vxlan]\n"
		"garbage line\n"
		"ffffffff81000300 W weak_fn";
	struct vx_kallsyms ks = { 0 };
	const struct vx_ksym *s;
	uint64_t off;

	assert_int_equal(vx_kallsyms_parse(&ks, text, sizeof(text) - 1, "test"), 5);
	assert_int_equal(ks.text, 0xffffffff81000000ULL);
	/* data symbols do not bound functions: the address stays in weak_fn */
	s = vx_kallsyms_lookup(&ks, 0xffffffff82000010ULL, &off);
	assert_string_equal(s->name, "weak_fn");
	/* two names at one address: the first listed */
	s = vx_kallsyms_lookup(&ks, 0xffffffff81000104ULL, &off);
	assert_string_equal(s->name, "startup_64");
	assert_int_equal(off, 4);
	s = vx_kallsyms_lookup(&ks, 0xffffffff81000201ULL, &off);
	assert_string_equal(s->name, "local_fn");
	vx_kallsyms_release(&ks);
}

static void test_kallsyms_restricted_addresses_are_an_error(void **state)
{
	static const char text[] = "0000000000000000 T _text\n0000000000000000 t ip_output\n";
	struct vx_kallsyms ks = { 0 };

	assert_int_equal(vx_kallsyms_parse(&ks, text, sizeof(text) - 1, "kallsyms.txt"), -1);
	assert_non_null(strstr(vx_error_msg(), "kptr_restrict"));
	assert_non_null(strstr(vx_error_msg(), "kallsyms.txt"));
	assert_int_equal(vx_kallsyms_load(&ks, "/nonexistent/kallsyms"), -1);
	assert_non_null(strstr(vx_error_msg(), "/nonexistent/kallsyms"));
	vx_kallsyms_release(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kallsyms_finds_the_containing_symbol),
		cmocka_unit_test(test_kallsyms_keeps_text_symbols_only),
		cmocka_unit_test(test_kallsyms_restricted_addresses_are_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
