/* test-hist.c: the latency histogram (report/hist.c): exact below 16, within 3.2 % above,
 * bounded by the extremes, the same whatever the order of the values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/hist.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* the exact value of rank ceil(q n) */
static uint64_t exact(uint64_t *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	qsort(v, n, sizeof(*v), cmp_u64);
	return v[rank ? rank - 1 : 0];
}

static void assert_within(uint64_t got, uint64_t want, double rel)
{
	double d = fabs((double)got - (double)want);

	if (d > rel * (double)want + 0.5)
		fail_msg("got %llu, want %llu within %.1f %%", (unsigned long long)got,
			 (unsigned long long)want, rel * 100);
}

static void test_hist_small_values_are_exact(void **state)
{
	struct vx_hist h = { 0 };

	for (uint64_t v = 1; v <= 10; v++)
		vx_hist_add(&h, v);
	assert_int_equal(vx_hist_quantile(&h, 0.5), 5);
	assert_int_equal(vx_hist_quantile(&h, 0.9), 9);
	assert_int_equal(vx_hist_quantile(&h, 0.99), 10);
	assert_int_equal(vx_hist_quantile(&h, 1.0), 10);
	assert_int_equal(h.max, 10);
}

static void test_hist_percentiles_within_3_2_percent(void **state)
{
	enum { N = 200000 };
	uint64_t *v = malloc(N * sizeof(*v));
	struct vx_hist h = { 0 };
	const double qs[] = { 0.5, 0.9, 0.99, 0.999 };

	srand(7);
	/* latencies from 1 µs to about 1 s, log-uniform, as hop latencies spread */
	for (size_t i = 0; i < N; i++) {
		v[i] = (uint64_t)(1000.0 * pow(10.0, 6.0 * rand() / (double)RAND_MAX));
		vx_hist_add(&h, v[i]);
	}
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
		assert_within(vx_hist_quantile(&h, qs[k]), exact(v, N, qs[k]), 1.0 / 32);
	assert_int_equal(vx_hist_quantile(&h, 1.0), v[N - 1]);
	assert_int_equal(h.n, N);
	free(v);
}

static void test_hist_one_value_and_huge_values(void **state)
{
	struct vx_hist h = { 0 };

	assert_int_equal(vx_hist_quantile(&h, 0.5), 0);
	vx_hist_add(&h, 2500);
	/* one value: every percentile is that value, not the middle of its bucket */
	assert_int_equal(vx_hist_quantile(&h, 0.5), 2500);
	assert_int_equal(vx_hist_quantile(&h, 0.99), 2500);
	vx_hist_add(&h, UINT64_MAX);
	assert_int_equal(vx_hist_quantile(&h, 1.0), UINT64_MAX);
	assert_within(vx_hist_quantile(&h, 0.5), 2500, 1.0 / 32);
}

static void test_hist_size_is_fixed(void **state)
{
	/* the bound the report's memory rests on: one histogram per shape hop, whatever n */
	assert_true(sizeof(struct vx_hist) < 4096);
}

/* two groups of journeys merged (vxanalyze diff folds shapes that differ only by a stack)
 * give the distribution of all their values, as if counted into one histogram */
static void test_hist_merge_is_the_union(void **state)
{
	static struct vx_hist a, b, all, empty;

	(void)state;
	for (uint64_t v = 1000; v < 2000; v++) {
		vx_hist_add(&a, v);
		vx_hist_add(&all, v);
	}
	for (uint64_t v = 9000; v < 12000; v++) {
		vx_hist_add(&b, v);
		vx_hist_add(&all, v);
	}
	vx_hist_merge(&a, &b);
	assert_int_equal(a.n, all.n);
	assert_int_equal(a.min, 1000);
	assert_int_equal(a.max, 11999);
	assert_memory_equal(a.b, all.b, sizeof(a.b));
	assert_int_equal(vx_hist_quantile(&a, 0.5), vx_hist_quantile(&all, 0.5));
	/* an empty side changes nothing; into an empty one, it is a copy */
	vx_hist_merge(&a, &empty);
	assert_int_equal(a.n, all.n);
	vx_hist_merge(&empty, &b);
	assert_int_equal(empty.min, 9000);
	assert_int_equal(vx_hist_quantile(&empty, 0.99), vx_hist_quantile(&b, 0.99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_small_values_are_exact),
		cmocka_unit_test(test_hist_percentiles_within_3_2_percent),
		cmocka_unit_test(test_hist_one_value_and_huge_values),
		cmocka_unit_test(test_hist_size_is_fixed),
		cmocka_unit_test(test_hist_merge_is_the_union),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
