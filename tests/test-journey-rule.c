/* test-journey-rule.c: the rule that cuts the events of one skb address into journeys, one
 * transition at a time, on the real stacks of the lab's ping (samples/flood-*.perf.data). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "report/journey-rule.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define XMIT "net:net_dev_start_xmit"
#define RX "net:netif_receive_skb"
#define NETIF_RX "net:netif_rx"

/* kernel 6.18, lab ping p1 -> p2, innermost first; every hop runs inside ping's sendto */
#define SENDTO "raw_sendmsg", "__sys_sendto", "__x64_sys_sendto", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"
#define SOFTIRQ_OF_SEND "__napi_poll", "net_rx_action", "handle_softirqs", "do_softirq.part.0", \
	"__local_bh_enable_ip", "__dev_queue_xmit", "ip_finish_output2", "ip_output", "ip_push_pending_frames", SENDTO

/* pod p1 eth0 transmits the echo request: created by the send */
static const char *const pod_send[] = { "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2",
					"ip_output", "ip_push_pending_frames", SENDTO };
/* the kprobe on ip_output of the same send */
static const char *const pod_send_ip_output[] = { "ip_output", "ip_push_pending_frames", SENDTO };
/* cali1 (the veth peer) gets it inside veth_xmit, still in the send */
static const char *const peer_netif_rx[] = { "netif_rx_internal", "__netif_rx", "veth_xmit",
					     "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2",
					     "ip_output", "ip_push_pending_frames", SENDTO };
/* any receive from the backlog (cali1 84, h2 eth0 134, pod p2 eth0 84) */
static const char *const backlog_rx[] = { "__netif_receive_skb_core.constprop.0", "__netif_receive_skb_one_core",
					  "process_backlog", SOFTIRQ_OF_SEND };
/* h1 forwards it to vxlan.calico inside that receive */
static const char *const forward_to_tunnel[] = { "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2",
						 "ip_output", "__netif_receive_skb_one_core", "process_backlog",
						 SOFTIRQ_OF_SEND };
/* the underlay transmit: vxlan_xmit -> iptunnel_xmit -> ip_output */
static const char *const underlay_xmit[] = { "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2",
					     "ip_output", "iptunnel_xmit", "vxlan_xmit_one", "vxlan_xmit",
					     "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2",
					     "ip_output", "__netif_receive_skb_one_core", "process_backlog",
					     SOFTIRQ_OF_SEND };
/* h2 vxlan.calico receives the decapsulated packet from its GRO cell */
static const char *const gro_cell_rx[] = { "__netif_receive_skb_core.constprop.0", "__netif_receive_skb_list_core",
					   "netif_receive_skb_list_internal", "napi_complete_done",
					   "gro_cell_poll", SOFTIRQ_OF_SEND };
/* h2 forwards it to cali2 inside that receive */
static const char *const forward_from_tunnel[] = { "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2",
						   "ip_output", "ip_sublist_rcv", "ip_list_rcv",
						   "__netif_receive_skb_list_core", "netif_receive_skb_list_internal",
						   "napi_complete_done", "gro_cell_poll", SOFTIRQ_OF_SEND };
/* pod p2 eth0 transmits the echo reply: created by icmp_reply, deep inside the request's send */
static const char *const icmp_reply_xmit[] = { "dev_hard_start_xmit", "__dev_queue_xmit", "ip_finish_output2",
					       "ip_output", "ip_push_pending_frames", "icmp_reply", "icmp_echo",
					       "icmp_rcv", "ip_protocol_deliver_rcu", "ip_local_deliver_finish",
					       "__netif_receive_skb_one_core", "process_backlog", SOFTIRQ_OF_SEND };
/* a transmit out of a qdisc: the skb may be another sender's, queued before */
static const char *const qdisc_xmit[] = { "dev_hard_start_xmit", "sch_direct_xmit", "__qdisc_run", "__dev_queue_xmit",
					  "ip_finish_output2", "ip_output", "ip_push_pending_frames", SENDTO };
/* a packet that waited for ARP, sent when the reply arrives */
static const char *const neigh_flush_xmit[] = { "dev_hard_start_xmit", "__dev_queue_xmit", "neigh_resolve_output",
						"__neigh_update", "arp_process", "arp_rcv",
						"__netif_receive_skb_one_core", "process_backlog", SOFTIRQ_OF_SEND };

static enum vx_journey_end step(struct vx_journey_state *s, const char *event, const char *dev, int64_t len,
				uint64_t ts, const char *const *frames, size_t n)
{
	struct vx_rec r = { .name = event, .dev = dev, .len = len, .ts_ns = ts, .skb = 0xffff888100001000ULL };

	return vx_journey_step_frames(s, &r, frames, n);
}

#define STEP(s, ev, dev, len, ts, fr) step(s, ev, dev, len, ts, fr, N(fr))
#define STEP_NOSTACK(s, ev, dev, len, ts) step(s, ev, dev, len, ts, NULL, 0)
#define ALL_TRACED (~0u)

static void test_path_init_tells_created_from_carried(void **state)
{
	struct vx_journey_path p, q;

	vx_journey_path_init(&p, pod_send, N(pod_send));
	assert_true(p.created);
	assert_string_equal(p.builder, "ip_push_pending_frames");
	/* the reply is created by icmp_reply's ip_push_pending_frames, not by the raw_sendmsg below */
	vx_journey_path_init(&q, icmp_reply_xmit, N(icmp_reply_xmit));
	assert_true(q.created);
	assert_int_not_equal(p.creator, q.creator);
	/* the veth peer's netif_rx sits above the builder: the packet arrived */
	vx_journey_path_init(&p, peer_netif_rx, N(peer_netif_rx));
	assert_false(p.created);
	assert_true(p.existing);
	/* a forward runs inside the receive before it; a GRO cell receive is another receive */
	vx_journey_path_init(&p, backlog_rx, N(backlog_rx));
	vx_journey_path_init(&q, forward_to_tunnel, N(forward_to_tunnel));
	assert_true(p.rx_call != 0 && p.rx_call == q.rx_call);
	vx_journey_path_init(&q, forward_from_tunnel, N(forward_from_tunnel));
	assert_int_not_equal(p.rx_call, q.rx_call);
	vx_journey_path_init(&p, gro_cell_rx, N(gro_cell_rx));
	assert_int_equal(p.rx_call, q.rx_call);
	/* compiler suffixes do not hide a frame */
	vx_journey_path_init(&p, (const char *const[]){ "dev_hard_start_xmit", "__dev_queue_xmit",
							"__tcp_transmit_skb.isra.0", "tcp_write_xmit" }, 4);
	assert_true(p.created);
	/* the stack of a timer says nothing */
	vx_journey_path_init(&p, (const char *const[]){ "schedule", "worker_thread" }, 2);
	assert_false(p.created || p.existing);
}

/* the lab's request, hop by hop, is one journey; the next request on the address is not */
static void test_lab_round_trip_is_one_journey_then_the_next_send_begins_another(void **state)
{
	struct vx_journey_state s;
	uint64_t t = 1000;

	vx_journey_state_reset(&s, ALL_TRACED);
	assert_int_equal(STEP(&s, "probe:ip_output", NULL, -1, t += 1000, pod_send_ip_output), VX_JEND_NONE);
	assert_int_equal(STEP(&s, XMIT, "eth0", 98, t += 1000, pod_send), VX_JEND_NONE);
	assert_int_equal(STEP(&s, NETIF_RX, "cali1", 84, t += 1000, peer_netif_rx), VX_JEND_NONE);
	assert_int_equal(STEP(&s, RX, "cali1", 84, t += 1000, backlog_rx), VX_JEND_NONE);
	assert_int_equal(STEP(&s, XMIT, "vxlan.calico", 98, t += 1000, forward_to_tunnel), VX_JEND_NONE);
	assert_int_equal(STEP(&s, XMIT, "eth0", 148, t += 1000, underlay_xmit), VX_JEND_NONE);
	assert_int_equal(STEP(&s, RX, "eth0", 134, t += 1000, backlog_rx), VX_JEND_NONE);
	assert_int_equal(STEP(&s, RX, "vxlan.calico", 84, t += 1000, gro_cell_rx), VX_JEND_NONE);
	assert_int_equal(STEP(&s, XMIT, "cali2", 98, t += 1000, forward_from_tunnel), VX_JEND_NONE);
	assert_int_equal(STEP(&s, RX, "eth0", 84, t += 1000, backlog_rx), VX_JEND_NONE);
	assert_int_equal(s.nhops, 10);
	/* 10 µs later the slab hands the same address to the next echo request */
	assert_int_equal(STEP(&s, XMIT, "eth0", 98, t += 10000, pod_send), VX_JEND_REUSED);
	assert_string_equal(s.rule, "created by a send");
	assert_int_equal(s.nhops, 1);
	assert_int_equal(vx_journey_close(&s), VX_JEND_CAPTURE_END);
}

static void test_icmp_reply_on_a_delivered_address_is_a_new_packet(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, ALL_TRACED);
	STEP(&s, RX, "eth0", 84, 1000, backlog_rx);
	assert_int_equal(STEP(&s, XMIT, "eth0", 98, 2000, icmp_reply_xmit), VX_JEND_REUSED);
	/* while its own peer receive continues it */
	assert_int_equal(STEP(&s, RX, "cali2", 84, 3000, backlog_rx), VX_JEND_NONE);
}

/* one send hands its packet to a device once: the same creating call path twice on one
 * device is the next send */
static void test_same_send_twice_on_one_device_is_two_packets(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, VX_HOP_BIT(VX_HOP_XMIT));	/* no receives recorded */
	assert_int_equal(STEP(&s, XMIT, "eth0", 98, 1000, pod_send), VX_JEND_NONE);
	assert_int_equal(STEP(&s, XMIT, "eth0", 98, 2000, pod_send), VX_JEND_REUSED);
	assert_string_equal(s.rule, "created by a send, again on the same device");
}

/* without stacks: a packet returns to a device only after a step the other way */
static void test_transmitted_twice_on_one_device_needs_recorded_receives(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, VX_HOP_BIT(VX_HOP_XMIT) | VX_HOP_BIT(VX_HOP_RX));
	STEP_NOSTACK(&s, XMIT, "eth0", 98, 1000);
	assert_int_equal(STEP_NOSTACK(&s, XMIT, "eth0", 98, 2000), VX_JEND_REUSED);
	assert_string_equal(s.rule, "transmitted twice on one device");
	/* a capture of transmits alone may have missed the receive of a forward between
	 * two devices that are both called eth0 (a pod's and its host's) */
	vx_journey_state_reset(&s, VX_HOP_BIT(VX_HOP_XMIT));
	STEP_NOSTACK(&s, XMIT, "eth0", 98, 1000);
	assert_int_equal(STEP_NOSTACK(&s, XMIT, "eth0", 98, 2000), VX_JEND_NONE);
	/* a tunnel's lower device: another device */
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, XMIT, "vxlan.calico", 98, 1000);
	assert_int_equal(STEP_NOSTACK(&s, XMIT, "eth0", 148, 2000), VX_JEND_NONE);
}

static void test_received_twice_on_one_device_unless_decapsulated_in_place(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, RX, "eth0", 84, 1000);
	assert_int_equal(STEP_NOSTACK(&s, RX, "eth0", 84, 2000), VX_JEND_REUSED);
	assert_string_equal(s.rule, "received twice on one device");
	/* IPsec tunnel mode hands the inner packet to the same device: shorter */
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, RX, "eth0", 150, 1000);
	assert_int_equal(STEP_NOSTACK(&s, RX, "eth0", 84, 2000), VX_JEND_NONE);
	/* the decapsulation on vxlan.calico is another device */
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, RX, "eth0", 134, 1000);
	assert_int_equal(STEP_NOSTACK(&s, RX, "vxlan.calico", 84, 2000), VX_JEND_NONE);
}

static void test_driver_receive_is_delivered_on_its_own_device(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, NETIF_RX, "cali1", 84, 1000);
	assert_int_equal(STEP_NOSTACK(&s, RX, "cali1", 84, 2000), VX_JEND_NONE);
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, NETIF_RX, "cali1", 84, 1000);
	assert_int_equal(STEP_NOSTACK(&s, RX, "eth0", 84, 2000), VX_JEND_REUSED);
	assert_string_equal(s.rule, "delivered on another device than it arrived on");
}

static void test_receive_strips_the_link_header(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, XMIT, "eth0", 148, 1000);
	assert_int_equal(STEP_NOSTACK(&s, NETIF_RX, "eth0", 134, 2000), VX_JEND_NONE);
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, XMIT, "eth0", 98, 1000);
	assert_int_equal(STEP_NOSTACK(&s, NETIF_RX, "cali1", 134, 2000), VX_JEND_REUSED);
	assert_string_equal(s.rule, "received longer than transmitted");
}

/* a receive delivered to the pod, then a transmit forwarded out of a GRO cell's receive:
 * the events in between were lost (perf's ring buffer), it is the next packet */
static void test_forward_must_run_inside_the_receive_before_it(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, ALL_TRACED);
	STEP(&s, RX, "eth0", 84, 1000, backlog_rx);
	assert_int_equal(STEP(&s, XMIT, "cali2", 98, 2000, forward_from_tunnel), VX_JEND_REUSED);
	assert_string_equal(s.rule, "forwarded inside another receive than the one before");
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP(&s, RX, "vxlan.calico", 84, 1000, gro_cell_rx);
	assert_int_equal(STEP(&s, XMIT, "cali2", 98, 2000, forward_from_tunnel), VX_JEND_NONE);
	/* what leaves a queue says nothing about the receive (or the send) it runs in */
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP(&s, RX, "cali1", 84, 1000, gro_cell_rx);
	assert_int_equal(STEP(&s, XMIT, "eth0", 98, 2000, qdisc_xmit), VX_JEND_NONE);
	assert_int_equal(STEP(&s, XMIT, "eth1", 98, 3000, neigh_flush_xmit), VX_JEND_NONE);
}

static void test_free_and_silence_end_a_journey(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, ALL_TRACED);
	assert_int_equal(vx_journey_close(&s), VX_JEND_NONE);
	STEP_NOSTACK(&s, RX, "eth0", 84, 1000);
	STEP_NOSTACK(&s, "skb:consume_skb", NULL, -1, 2000);
	assert_int_equal(vx_journey_close(&s), VX_JEND_FREED);
	/* whatever comes next, even a plausible hop, is another packet */
	assert_int_equal(STEP_NOSTACK(&s, XMIT, "cali2", 98, 3000), VX_JEND_FREED);
	assert_null(s.rule);
	assert_int_equal(STEP_NOSTACK(&s, RX, "eth0", 84, 3000 + VX_JOURNEY_GAP_NS), VX_JEND_NONE);
	assert_int_equal(STEP_NOSTACK(&s, RX, "vxlan.calico", 84, 3001 + 2 * VX_JOURNEY_GAP_NS), VX_JEND_SILENCE);
	assert_int_equal(vx_journey_close(&s), VX_JEND_CAPTURE_END);
}

/* a copying function's return is a new skb; after a GRO merge or a socket's queue, a
 * driver's receive or a transmit on the address is another packet (the merged or queued
 * packet is freed without an event); a failed merge goes on into the stack's receive */
static void test_births_merges_and_deliveries_end_a_journey(void **state)
{
	struct vx_journey_state s;

	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, RX, "eth0", 84, 1000);
	assert_int_equal(STEP_NOSTACK(&s, "vxanalyze:skb_clone_ret", NULL, -1, 2000), VX_JEND_REUSED);
	assert_string_equal(s.rule, "a new skb: a clone, copy or segment of another");
	/* a clone that was freed first: the free is what ended it */
	STEP_NOSTACK(&s, "skb:consume_skb", NULL, -1, 3000);
	assert_int_equal(STEP_NOSTACK(&s, "probe:skb_clone__return", NULL, -1, 4000), VX_JEND_FREED);
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, "net:napi_gro_receive_entry", "eth0", 1500, 1000);
	STEP_NOSTACK(&s, "vxanalyze:skb_gro_receive", NULL, -1, 2000);
	assert_int_equal(STEP_NOSTACK(&s, "net:napi_gro_receive_entry", "eth0", 1500, 3000), VX_JEND_REUSED);
	assert_string_equal(s.rule, "merged by GRO before");
	STEP_NOSTACK(&s, "vxanalyze:skb_gro_receive", NULL, -1, 4000);
	assert_int_equal(STEP_NOSTACK(&s, RX, "eth0", 1500, 5000), VX_JEND_NONE);
	vx_journey_state_reset(&s, ALL_TRACED);
	STEP_NOSTACK(&s, RX, "eth0", 1500, 1000);
	STEP_NOSTACK(&s, "vxanalyze:tcp_queue_rcv", NULL, -1, 2000);
	assert_int_equal(STEP_NOSTACK(&s, XMIT, "eth0", 1514, 3000), VX_JEND_REUSED);
	assert_string_equal(s.rule, "delivered to a socket before");
}

static void test_end_names_are_the_json_contract(void **state)
{
	uint32_t traced = 0;

	assert_null(vx_journey_end_name(VX_JEND_NONE));
	assert_string_equal(vx_journey_end_name(VX_JEND_FREED), "freed");
	assert_string_equal(vx_journey_end_name(VX_JEND_REUSED), "reused");
	assert_string_equal(vx_journey_end_name(VX_JEND_SILENCE), "silence");
	assert_string_equal(vx_journey_end_name(VX_JEND_CAPTURE_END), "capture_end");
	assert_int_equal(vx_hop_kind_of("probe:kfree_skbmem"), VX_HOP_FREE);
	assert_int_equal(vx_hop_kind_of("fib:fib_table_lookup"), VX_HOP_OTHER);
	vx_journey_traced_add(&traced, XMIT);
	vx_journey_traced_add(&traced, "fib:fib_table_lookup");
	assert_int_equal(traced, VX_HOP_BIT(VX_HOP_XMIT) | VX_HOP_BIT(VX_HOP_OTHER));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_init_tells_created_from_carried),
		cmocka_unit_test(test_lab_round_trip_is_one_journey_then_the_next_send_begins_another),
		cmocka_unit_test(test_icmp_reply_on_a_delivered_address_is_a_new_packet),
		cmocka_unit_test(test_same_send_twice_on_one_device_is_two_packets),
		cmocka_unit_test(test_transmitted_twice_on_one_device_needs_recorded_receives),
		cmocka_unit_test(test_received_twice_on_one_device_unless_decapsulated_in_place),
		cmocka_unit_test(test_driver_receive_is_delivered_on_its_own_device),
		cmocka_unit_test(test_receive_strips_the_link_header),
		cmocka_unit_test(test_forward_must_run_inside_the_receive_before_it),
		cmocka_unit_test(test_free_and_silence_end_a_journey),
		cmocka_unit_test(test_births_merges_and_deliveries_end_a_journey),
		cmocka_unit_test(test_end_names_are_the_json_contract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
