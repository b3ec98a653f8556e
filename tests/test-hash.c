/* test-hash.c: the one hash table (src/core/hash.c) and the one array grow (VX_GROW):
 * entries of one key found among colliding ones, the table growing past many rehashes with
 * every entry still found, an integer key found without a compare, clear and release. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/hash.h"
#include "core/model.h"
#include "core/xalloc.h"

static uint64_t key_of(const char *s)
{
	return vx_hash64(VX_HASH_INIT, s, strlen(s));
}

static long find(const struct vx_hash *h, char **names, const char *name)
{
	struct vx_hash_slot *s;

	vx_hash_each(h, key_of(name), s)
		if (!strcmp(names[s->value], name))
			return (long)s->value;
	return -1;
}

/* 100,000 names through many grows: each found at its index, absent names not */
static void test_hash_finds_every_entry_after_growing(void **state)
{
	enum { N = 100000 };
	char **names = xmalloc(N * sizeof(*names));
	struct vx_hash h = VX_HASH_INIT_EMPTY;
	char buf[32];

	(void)state;
	for (long i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "dev%ld", i);
		names[i] = xstrdup(buf);
		assert_int_equal(find(&h, names, buf), -1);
		vx_hash_add(&h, key_of(buf), (uint64_t)i);
	}
	assert_int_equal(h.n, N);
	assert_true(h.cap >= 2 * N);
	for (long i = 0; i < N; i += 7) {
		snprintf(buf, sizeof(buf), "dev%ld", i);
		assert_int_equal(find(&h, names, buf), i);
	}
	assert_int_equal(find(&h, names, "eth0"), -1);
	vx_hash_clear(&h);
	assert_int_equal(h.n, 0);
	assert_int_equal(find(&h, names, "dev5"), -1);
	vx_hash_release(&h);
	assert_null(h.slots);
	for (long i = 0; i < N; i++)
		free(names[i]);
	free(names);
}

/* entries that share a hash are walked in turn; the caller tells them apart */
static void test_hash_walks_colliding_entries(void **state)
{
	struct vx_hash h = VX_HASH_INIT_EMPTY;
	struct vx_hash_slot *s;
	uint64_t seen = 0;
	int n = 0;

	(void)state;
	for (uint64_t v = 0; v < 5; v++)
		vx_hash_add(&h, 42, v);
	vx_hash_add(&h, 43, 99);
	vx_hash_each(&h, 42, s) {
		seen |= 1ULL << s->value;
		n++;
	}
	assert_int_equal(n, 5);
	assert_int_equal(seen, 0x1f);
	s = vx_hash_first(&h, 43);
	assert_non_null(s);
	assert_int_equal(s->value, 99);
	assert_null(vx_hash_next(&h, s));
	/* an integer key is its own identity: its value can be changed in place */
	s->value = 7;
	assert_int_equal(vx_hash_first(&h, 43)->value, 7);
	assert_null(vx_hash_first(&h, 44));
	vx_hash_release(&h);
}

/* VX_GROW: capacity doubles from 16, contents kept */
static void test_grow_doubles_and_keeps_the_elements(void **state)
{
	int *v = NULL;
	size_t n = 0, cap = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		VX_GROW(v, n, cap);
		v[n++] = i;
		if (n == 1)
			assert_int_equal(cap, 16);
	}
	assert_int_equal(cap, 1024);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i], i);
	assert_int_equal(vx_grow_cap(16, 17), 32);
	assert_int_equal(vx_grow_cap(0, 1), 16);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_finds_every_entry_after_growing),
		cmocka_unit_test(test_hash_walks_colliding_entries),
		cmocka_unit_test(test_grow_doubles_and_keeps_the_elements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
