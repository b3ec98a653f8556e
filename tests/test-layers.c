/* test-layers.c: the layer taxonomy puts kernel functions where the kernel has them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "report/analysis.h"

static void test_layers_of_the_vxlan_path(void **state)
{
	assert_int_equal(vx_layer_of("raw_sendmsg"), VX_LAYER_L4);
	assert_int_equal(vx_layer_of("udp_sendmsg"), VX_LAYER_L4);
	assert_int_equal(vx_layer_of("ip_output"), VX_LAYER_IP);
	assert_int_equal(vx_layer_of("ip_local_out"), VX_LAYER_IP);
	assert_int_equal(vx_layer_of("ip_finish_output2"), VX_LAYER_IP);
	assert_int_equal(vx_layer_of("ip_rcv"), VX_LAYER_IP);
	assert_int_equal(vx_layer_of("ip_forward"), VX_LAYER_IP);
	assert_int_equal(vx_layer_of("iptunnel_xmit"), VX_LAYER_TUNNEL);
	assert_int_equal(vx_layer_of("udp_tunnel_xmit_skb"), VX_LAYER_TUNNEL);
	assert_int_equal(vx_layer_of("vxlan_xmit_one"), VX_LAYER_TUNNEL);
	assert_int_equal(vx_layer_of("__dev_queue_xmit"), VX_LAYER_DEV);
	assert_int_equal(vx_layer_of("veth_xmit"), VX_LAYER_DEV);
	assert_int_equal(vx_layer_of("net_rx_action"), VX_LAYER_SOFTIRQ);
	assert_int_equal(vx_layer_of("__sys_sendto"), VX_LAYER_SOCKET);
	assert_int_equal(vx_layer_of("do_syscall_64"), VX_LAYER_SYSCALL);
	assert_int_equal(vx_layer_of("neigh_resolve_output"), VX_LAYER_NEIGH);
	assert_int_equal(vx_layer_of("schedule"), VX_LAYER_OTHER);
}

static void test_layers_of_the_route_path(void **state)
{
	assert_int_equal(vx_layer_of("fib_table_lookup"), VX_LAYER_ROUTE);
	assert_int_equal(vx_layer_of("fib_check_nh_v4_gw"), VX_LAYER_ROUTE);
	assert_int_equal(vx_layer_of("ip_route_output_key_hash_rcu"), VX_LAYER_ROUTE);
	assert_int_equal(vx_layer_of("__inet_dev_addr_type"), VX_LAYER_ROUTE);
	assert_int_equal(vx_layer_of("inet_rtm_newroute"), VX_LAYER_NETLINK);
	assert_int_equal(vx_layer_of("rtnetlink_rcv_msg"), VX_LAYER_NETLINK);
	assert_int_equal(vx_layer_of("netlink_sendmsg"), VX_LAYER_NETLINK);
}

static void test_layers_ignore_compiler_suffixes(void **state)
{
	assert_int_equal(vx_layer_of("__netif_receive_skb_core.constprop.0"), VX_LAYER_DEV);
	assert_int_equal(vx_layer_of("do_softirq.part.0"), VX_LAYER_SOFTIRQ);
	assert_int_equal(vx_layer_of("ip_rcv_core.isra.0"), VX_LAYER_IP);
}

static void test_layers_tunnel_kinds(void **state)
{
	assert_string_equal(vx_tunnel_kind("vxlan_xmit_one"), "vxlan");
	assert_string_equal(vx_tunnel_kind("geneve_xmit"), "geneve");
	assert_string_equal(vx_tunnel_kind("wg_xmit"), "wireguard");
	assert_null(vx_tunnel_kind("iptunnel_xmit"));
	assert_string_equal(vx_layer_name(VX_LAYER_IP), "ip");
	assert_string_equal(vx_layer_name(VX_LAYER_TUNNEL), "tunnel");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers_of_the_vxlan_path),
		cmocka_unit_test(test_layers_of_the_route_path),
		cmocka_unit_test(test_layers_ignore_compiler_suffixes),
		cmocka_unit_test(test_layers_tunnel_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
