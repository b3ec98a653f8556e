/* test-flow.c: vx_flow_between (report/flow.c), the kernel route between two hops, on the
 * real journey of samples/vxlan-ping.trace (ftrace text with a stack per event): the pod's
 * ping from p1 across the VXLAN overlay, eth0 -> cali1 -> vxlan.calico -> eth0 (+50 bytes)
 * -> eth0 on h2 -> vxlan.calico -> cali2 -> the pod's eth0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "report/flow.h"

struct ping {
	char *db;
	struct vx_dataset ds;
	struct vx_analysis an;
	const struct vx_journey *j;
};

static int ping_setup(void **state)
{
	static const char *const req[] = { "eth0", "cali1", "vxlan.calico", "eth0", "cali2", NULL };
	struct ping *p = calloc(1, sizeof(*p));

	p->db = test_db_new();
	if (store_import_path(p->db, sample_path("vxlan-ping.trace")) <= 0 ||
	    analyse_db(p->db, 0, &p->ds, &p->an) != 0)
		return -1;
	p->j = journey_with_devs(&p->an, req);
	if (!p->j || p->j->encap_hop < 0 || p->j->decap_hop < 0)
		return -1;
	*state = p;
	return 0;
}

static int ping_teardown(void **state)
{
	struct ping *p = *state;

	analyse_release(&p->ds, &p->an);
	test_db_remove(p->db);
	free(p);
	return 0;
}

/* the waypoints of every hop in order, as a renderer walks them; @wps[i] holds hop i's */
struct walk {
	struct vx_waypoint wp[16][VX_FLOW_MAX_WAYPOINTS];
	size_t n[16], dropped[16];
	bool reentered_after[16];
};

static void walk(const struct vx_journey *j, struct walk *w)
{
	bool reentered = false;

	assert_true(j->nhops <= 16);
	for (size_t i = 0; i < j->nhops; i++) {
		w->n[i] = vx_flow_between(j, i, w->wp[i], &w->dropped[i], &reentered);
		assert_true(w->n[i] <= VX_FLOW_MAX_WAYPOINTS);
		w->reentered_after[i] = reentered;
	}
}

static void test_flow_first_hop_climbs_down_from_the_syscall(void **state)
{
	struct ping *p = *state;
	struct walk w;

	walk(p->j, &w);
	/* raw_sendmsg's stack, outermost first: socket, L4, IP; the device run is the hop */
	assert_string_equal(p->j->hops[0].event, "net:net_dev_start_xmit");
	assert_int_equal(w.n[0], 3);
	assert_int_equal(w.wp[0][0].lane, VX_LANE_SOCKET);
	assert_string_equal(w.wp[0][0].outer, "entry_SYSCALL_64_after_hwframe");
	assert_int_equal(w.wp[0][1].lane, VX_LANE_L4);
	assert_string_equal(w.wp[0][1].outer, "raw_sendmsg");
	assert_int_equal(w.wp[0][2].lane, VX_LANE_IP);
	assert_string_equal(w.wp[0][2].inner, "ip_finish_output2");
	assert_false(w.wp[0][2].reenter);
	assert_int_equal(w.dropped[0], 0);
	assert_false(w.reentered_after[0]);
}

static void test_flow_hops_add_only_what_their_stack_does_not_share(void **state)
{
	struct ping *p = *state;
	struct walk w;

	walk(p->j, &w);
	/* the veth receive right after the transmit runs in the same softirq context */
	assert_string_equal(p->j->hops[1].dev, "cali1");
	assert_int_equal(w.n[1], 0);
	assert_int_equal(w.n[2], 0);
	/* the tunnel device's transmit: only the forwarding IP run is new */
	assert_string_equal(p->j->hops[3].dev, "vxlan.calico");
	assert_int_equal(w.n[3], 1);
	assert_int_equal(w.wp[3][0].lane, VX_LANE_IP);
	assert_string_equal(w.wp[3][0].outer, "ip_output");
	assert_false(w.reentered_after[3]);
}

static void test_flow_shows_the_second_pass_through_ip_at_the_underlay_transmit(void **state)
{
	struct ping *p = *state;
	size_t e = (size_t)p->j->encap_hop;
	struct walk w;

	walk(p->j, &w);
	assert_string_equal(p->j->hops[e].dev, "eth0");
	assert_int_equal(p->j->hops[e].len, 148);
	/* the tunnel run (vxlan_xmit -> iptunnel_xmit) encapsulates, then IP again: from the stack */
	assert_int_equal(w.n[e], 2);
	assert_int_equal(w.wp[e][0].lane, VX_LANE_TUNNEL);
	assert_string_equal(w.wp[e][0].encap, "vxlan");
	assert_string_equal(w.wp[e][0].outer, "vxlan_xmit");
	assert_string_equal(w.wp[e][0].inner, "iptunnel_xmit");
	assert_int_equal(w.wp[e][1].lane, VX_LANE_IP);
	assert_true(w.wp[e][1].reenter);
	assert_false(w.wp[e][1].synthetic);
	assert_true(vx_flow_reenters(w.wp[e][0].lane, w.wp[e][1].lane));
	/* the journey re-enters once: from this hop on, and nowhere before */
	for (size_t i = 0; i < p->j->nhops; i++) {
		assert_int_equal(w.reentered_after[i], i >= e);
		for (size_t k = 0; i != e && k < w.n[i]; k++)
			assert_false(w.wp[i][k].reenter);
	}
}

static void test_flow_marks_the_decapsulation_before_the_tunnel_receive(void **state)
{
	struct ping *p = *state;
	size_t d = (size_t)p->j->decap_hop;
	struct walk w;

	walk(p->j, &w);
	assert_string_equal(p->j->hops[d].event, "net:netif_receive_skb");
	assert_string_equal(p->j->hops[d].dev, "vxlan.calico");
	assert_int_equal(w.n[d], 1);
	assert_int_equal(w.wp[d][0].lane, VX_LANE_TUNNEL);
	assert_true(w.wp[d][0].decap);
	assert_true(w.wp[d][0].synthetic);
	assert_string_equal(w.wp[d][0].encap, "vxlan");
	assert_null(w.wp[d][0].outer);
}

/* the same journey without its stacks (a capture without options/stacktrace): the
 * re-entry is inferred once, at the underlay transmit the analysis found */
static void test_flow_infers_the_reentry_once_without_stacks(void **state)
{
	struct ping *p = *state;
	struct vx_journey j = *p->j;
	struct vx_hop hops[16];
	size_t e = (size_t)j.encap_hop;
	struct walk w;

	memcpy(hops, j.hops, j.nhops * sizeof(hops[0]));
	for (size_t i = 0; i < j.nhops; i++)
		hops[i].path = NULL;
	j.hops = hops;
	walk(&j, &w);
	assert_int_equal(w.n[e], 2);
	assert_int_equal(w.wp[e][0].lane, VX_LANE_TUNNEL);
	assert_string_equal(w.wp[e][0].encap, "vxlan");
	assert_true(w.wp[e][0].synthetic);
	assert_int_equal(w.wp[e][1].lane, VX_LANE_IP);
	assert_true(w.wp[e][1].reenter && w.wp[e][1].synthetic);
	for (size_t i = 0; i < j.nhops; i++) {
		if (i != e && i != (size_t)j.decap_hop)
			assert_int_equal(w.n[i], 0);
		assert_int_equal(w.reentered_after[i], i >= e);
	}
	/* a caller that already drew the re-entry gets no second one */
	{
		struct vx_waypoint wp[VX_FLOW_MAX_WAYPOINTS];
		size_t dropped;
		bool reentered = true;

		assert_int_equal(vx_flow_between(&j, e, wp, &dropped, &reentered), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_first_hop_climbs_down_from_the_syscall),
		cmocka_unit_test(test_flow_hops_add_only_what_their_stack_does_not_share),
		cmocka_unit_test(test_flow_shows_the_second_pass_through_ip_at_the_underlay_transmit),
		cmocka_unit_test(test_flow_marks_the_decapsulation_before_the_tunnel_receive),
		cmocka_unit_test(test_flow_infers_the_reentry_once_without_stacks),
	};

	return cmocka_run_group_tests(tests, ping_setup, ping_teardown);
}
