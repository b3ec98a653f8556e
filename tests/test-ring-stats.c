/* test-ring-stats.c: the one rule for lost events from a ring's per-CPU statistics
 * (src/decode/ring-stats.c), as the recorder and the trace.dat importer apply it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode/ring-stats.h"

/* tracefs per_cpu/cpuN/stats as 6.18 prints it */
static const char stats[] = "entries: 10\noverrun: 7\ncommit overrun: 2\nbytes: 4096\n"
			    "oldest event ts:  1.000000\nnow ts:  2.000000\ndropped events: 4\n"
			    "read events: 12\n";

static void test_ring_stats_reads_keys_at_line_starts(void **state)
{
	(void)state;
	assert_int_equal(vx_ring_stat(stats, "overrun"), 7);	/* not "commit overrun"'s */
	assert_int_equal(vx_ring_stat(stats, "commit overrun"), 2);
	assert_int_equal(vx_ring_stat(stats, "read events"), 12);
	assert_int_equal(vx_ring_stat(stats, "missing"), 0);
	assert_int_equal(vx_ring_lost_entries(stats), 7 + 2 + 4);
}

/* with kernel stacks every event is two entries: an odd entry out is one more event */
static void test_ring_events_halves_stacked_entries(void **state)
{
	(void)state;
	assert_int_equal(vx_ring_events(13, true), 7);
	assert_int_equal(vx_ring_events(12, true), 6);
	assert_int_equal(vx_ring_events(13, false), 13);
	assert_int_equal(vx_ring_events(0, true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_stats_reads_keys_at_line_starts),
		cmocka_unit_test(test_ring_events_halves_stacked_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
