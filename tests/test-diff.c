/* test-diff.c: the comparison of two captures (report/diff.c) on analyses built by hand:
 * the "changed" threshold, shapes keyed by the hops' events, devices and lengths (not their
 * stacks) with merged latencies, statuses for what is only in A or only in B, and a side
 * compared with itself showing no change. tests/diff.sh runs the command on real captures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/diff.h"

static void test_diff_differs_beyond_threshold_and_floor(void **state)
{
	(void)state;
	assert_false(vx_diff_differs(3, 3, 25, 1));
	assert_false(vx_diff_differs(100, 125, 25, 1));	/* 20 % of the larger */
	assert_true(vx_diff_differs(100, 134, 25, 1));	/* 25.4 % */
	assert_true(vx_diff_differs(134, 100, 25, 1));	/* either way round */
	assert_true(vx_diff_differs(0, 5, 25, 1));
	assert_false(vx_diff_differs(2000, 6000, 25, VX_DIFF_MIN_LATENCY_NS));	/* 4 us apart */
	assert_true(vx_diff_differs(10000, 16000, 25, VX_DIFF_MIN_LATENCY_NS));
	assert_false(vx_diff_differs(10000, 16000, 1000, VX_DIFF_MIN_LATENCY_NS));
}

/* a one-capture analysis with @nshapes shapes; shape s has hops eth0 98 -> cali1 @len[s]
 * -> vxlan.calico, a different stack (path) per shape, @count[s] journeys and the hop-1
 * latency @lat[s] ns for each */
struct fake {
	struct vx_dataset ds;
	struct vx_capture cap;
	struct vx_stack stack[2];
	const char *frames[2][2];
	struct vx_path path[2];
	struct vx_hop hops[2][3];
	struct vx_journey j[2];
	struct vx_shape shape[2];
	struct vx_hist hist[2][3];
	struct vx_analysis an;
};

static void fake_init(struct fake *f, int64_t id, size_t nshapes, const int64_t *len, const size_t *count,
		      const uint64_t *lat)
{
	static const char *const fr[2][2] = { { "dev_hard_start_xmit", "ip_finish_output2" },
					      { "dev_hard_start_xmit", "vxlan_xmit" } };

	memset(f, 0, sizeof(*f));
	f->cap = (struct vx_capture){ .id = id, .source = "fake", .format = "test", .events = 10 };
	f->ds.captures = &f->cap;
	f->ds.ncaptures = 1;
	for (size_t s = 0; s < nshapes; s++) {
		f->frames[s][0] = fr[s][0];
		f->frames[s][1] = fr[s][1];
		f->stack[s] = (struct vx_stack){ .id = (int64_t)s + 1, .nframes = 2, .frames = f->frames[s] };
		f->path[s] = (struct vx_path){ .id = (int)s + 1, .event = "net:net_dev_start_xmit",
					       .stack = &f->stack[s], .count = count[s] * 3 };
		f->hops[s][0] = (struct vx_hop){ .event = "net:net_dev_start_xmit", .dev = "eth0", .len = 98,
						 .path = &f->path[s] };
		f->hops[s][1] = (struct vx_hop){ .ts_ns = lat[s], .event = "net:netif_rx", .dev = "cali1",
						 .len = len[s], .path = &f->path[s] };
		f->hops[s][2] = (struct vx_hop){ .ts_ns = lat[s] + 7000, .event = "net:net_dev_start_xmit",
						 .dev = "vxlan.calico", .len = 98, .path = &f->path[s] };
		f->j[s] = (struct vx_journey){ .id = (int)s + 1, .capture_id = id, .hops = f->hops[s], .nhops = 3 };
		for (size_t n = 0; n < count[s]; n++) {
			vx_hist_add(&f->hist[s][1], lat[s]);
			vx_hist_add(&f->hist[s][2], 7000);
		}
		f->shape[s] = (struct vx_shape){ .id = (int)s + 1, .count = count[s], .first = &f->j[s], .nhist = 3,
						 .hist = f->hist[s] };
	}
	f->an.ds = &f->ds;
	f->an.paths = f->path;
	f->an.npaths = nshapes;
	f->an.shapes = f->shape;
	f->an.nshapes = nshapes;
	for (size_t s = 0; s < nshapes; s++)
		f->an.journeys_total += count[s];
}

static void test_diff_self_is_no_change_and_shapes_ignore_stacks(void **state)
{
	static struct fake a;
	const int64_t len[2] = { 84, 84 };	/* same events, devices, lengths; other stacks */
	const size_t count[2] = { 3, 1 };
	const uint64_t lat[2] = { 10000, 50000 };
	struct vx_diff d;

	(void)state;
	fake_init(&a, 1, 2, len, count, lat);
	vx_diff_init(&d, NULL);
	assert_int_equal(vx_diff_add(&d, 0, &a.an), 0);
	assert_int_equal(vx_diff_add(&d, 1, &a.an), 0);
	vx_diff_finish(&d);
	assert_false(d.changed);
	assert_int_equal(d.npaths, 2);	/* the two stacks are two paths */
	assert_int_equal(d.npath_status[VX_DIFF_SAME], 2);
	assert_int_equal(d.nshapes, 1);	/* but one shape: 4 journeys, latencies merged */
	assert_int_equal(d.shapes[0].count[0], 4);
	assert_int_equal(d.shapes[0].count[1], 4);
	assert_int_equal(d.shapes[0].status, VX_DIFF_SAME);
	assert_true(d.shapes[0].hops[1].has_p50[0]);
	assert_int_equal(d.shapes[0].hops[1].p50[0], 10000);	/* 3 of the 4 took 10 us */
	assert_false(d.shapes[0].hops[0].has_p50[0]);	/* the first hop has no predecessor */
	assert_int_equal(d.threshold_pct, VX_DIFF_DEFAULT_THRESHOLD);
	vx_diff_release(&d);
}

static void test_diff_names_added_removed_and_slower_hops(void **state)
{
	static struct fake a, b;
	const int64_t la[2] = { 84, 134 }, lb[2] = { 84, 76 };
	const size_t ca[2] = { 3, 2 }, cb[2] = { 3, 5 };
	const uint64_t ta[2] = { 10000, 10000 }, tb[2] = { 40000, 10000 };
	struct vx_diff d;

	(void)state;
	fake_init(&a, 1, 2, la, ca, ta);
	fake_init(&b, 2, 2, lb, cb, tb);
	vx_diff_init(&d, &(struct vx_diff_opts){ .threshold_pct = 50 });
	assert_int_equal(vx_diff_add(&d, 0, &a.an), 0);
	assert_int_equal(vx_diff_add(&d, 1, &b.an), 0);
	vx_diff_finish(&d);
	assert_true(d.changed);
	assert_int_equal(d.nshapes, 3);
	/* cali1 84: in both, 3 journeys each, hop 1 from 10 us to 40 us */
	assert_int_equal(d.shapes[0].hops[1].len, 84);
	assert_int_equal(d.shapes[0].status, VX_DIFF_CHANGED);
	assert_true(d.shapes[0].hops[1].changed);
	assert_false(d.shapes[0].hops[2].changed);
	/* cali1 134 only in A, cali1 76 only in B */
	assert_int_equal(d.shapes[1].hops[1].len, 134);
	assert_int_equal(d.shapes[1].status, VX_DIFF_REMOVED);
	assert_int_equal(d.shapes[2].hops[1].len, 76);
	assert_int_equal(d.shapes[2].status, VX_DIFF_ADDED);
	assert_int_equal(d.nshape_status[VX_DIFF_SAME], 0);
	/* the same two stacks in both; the vxlan one 6 -> 15 events: changed at 50 % */
	assert_int_equal(d.npaths, 2);
	assert_int_equal(d.paths[0].status, VX_DIFF_SAME);
	assert_int_equal(d.paths[1].status, VX_DIFF_CHANGED);
	assert_string_equal(vx_diff_status_name(d.paths[1].status), "changed");
	vx_diff_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_differs_beyond_threshold_and_floor),
		cmocka_unit_test(test_diff_self_is_no_change_and_shapes_ignore_stacks),
		cmocka_unit_test(test_diff_names_added_removed_and_slower_hops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
