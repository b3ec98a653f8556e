/* layers.c: the layer taxonomy of kernel network functions, as data.
 * One table of { pattern, layer }: a pattern ending in '*' is a prefix. The first match
 * wins, so specific groups (route, tunnel) come before the broad prefixes they share
 * ("ip_route_" before "ip_"). Compiler suffixes (.constprop.0, .isra.0, .part.0, .cold)
 * are ignored. Extend by adding rows; keep each group's comment saying where it lives.
 */
#include <string.h>

#include "analysis.h"

struct layer_rule {
	const char *pattern;
	enum vx_layer layer;
};

static const struct layer_rule rules[] = {
	/* syscall entry (arch/x86/entry, kernel/entry) */
	{ "do_syscall_64", VX_LAYER_SYSCALL },
	{ "entry_SYSCALL*", VX_LAYER_SYSCALL },
	{ "x64_sys_call", VX_LAYER_SYSCALL },
	{ "__x64_sys_*", VX_LAYER_SYSCALL },
	{ "__ia32_sys_*", VX_LAYER_SYSCALL },
	{ "__arm64_sys_*", VX_LAYER_SYSCALL },
	{ "__se_sys_*", VX_LAYER_SYSCALL },
	{ "__do_sys_*", VX_LAYER_SYSCALL },
	{ "ksys_*", VX_LAYER_SYSCALL },

	/* netlink and rtnetlink (net/netlink, net/core/rtnetlink.c, route requests) */
	{ "netlink_*", VX_LAYER_NETLINK },
	{ "__netlink_*", VX_LAYER_NETLINK },
	{ "rtnetlink_*", VX_LAYER_NETLINK },
	{ "rtnl_*", VX_LAYER_NETLINK },
	{ "inet_rtm_*", VX_LAYER_NETLINK },
	{ "inet6_rtm_*", VX_LAYER_NETLINK },
	{ "genl_*", VX_LAYER_NETLINK },
	{ "nlmsg_*", VX_LAYER_NETLINK },

	/* socket layer (net/socket.c, af_inet) */
	{ "__sys_*", VX_LAYER_SOCKET },
	{ "___sys_*", VX_LAYER_SOCKET },
	{ "____sys_*", VX_LAYER_SOCKET },
	{ "sock_*", VX_LAYER_SOCKET },
	{ "__sock_*", VX_LAYER_SOCKET },
	{ "inet_sendmsg", VX_LAYER_SOCKET },
	{ "inet_recvmsg", VX_LAYER_SOCKET },
	{ "inet6_sendmsg", VX_LAYER_SOCKET },
	{ "inet6_recvmsg", VX_LAYER_SOCKET },

	/* routing / FIB and nexthop validation (net/ipv4/fib_*.c, route.c) */
	{ "fib_*", VX_LAYER_ROUTE },
	{ "__fib_*", VX_LAYER_ROUTE },
	{ "fib4_*", VX_LAYER_ROUTE },
	{ "fib6_*", VX_LAYER_ROUTE },
	{ "ip_route_*", VX_LAYER_ROUTE },
	{ "__ip_route_*", VX_LAYER_ROUTE },
	{ "ip_rt_*", VX_LAYER_ROUTE },
	{ "ip6_route_*", VX_LAYER_ROUTE },
	{ "ip6_pol_route*", VX_LAYER_ROUTE },
	{ "__mkroute_*", VX_LAYER_ROUTE },
	{ "ip_mkroute_*", VX_LAYER_ROUTE },
	{ "inet_addr_type*", VX_LAYER_ROUTE },
	{ "__inet_dev_addr_type", VX_LAYER_ROUTE },
	{ "inet_dev_addr_type", VX_LAYER_ROUTE },
	{ "nexthop_*", VX_LAYER_ROUTE },
	{ "rt_dst_alloc", VX_LAYER_ROUTE },

	/* neighbour / ARP / NDISC (net/core/neighbour.c, net/ipv4/arp.c) */
	{ "neigh_*", VX_LAYER_NEIGH },
	{ "__neigh_*", VX_LAYER_NEIGH },
	{ "arp_*", VX_LAYER_NEIGH },
	{ "ip_neigh_*", VX_LAYER_NEIGH },
	{ "ndisc_*", VX_LAYER_NEIGH },

	/* tunnels and encapsulation (drivers/net/vxlan, geneve, net/ipv4/ip_tunnel*.c,
	 * udp_tunnel, ipip, gre, wireguard) */
	{ "vxlan_*", VX_LAYER_TUNNEL },
	{ "__vxlan_*", VX_LAYER_TUNNEL },
	{ "iptunnel_*", VX_LAYER_TUNNEL },
	{ "ip_tunnel_*", VX_LAYER_TUNNEL },
	{ "ip_md_tunnel_*", VX_LAYER_TUNNEL },
	{ "udp_tunnel*", VX_LAYER_TUNNEL },
	{ "geneve_*", VX_LAYER_TUNNEL },
	{ "ipip_*", VX_LAYER_TUNNEL },
	{ "ipip6_*", VX_LAYER_TUNNEL },
	{ "ip6_tnl_*", VX_LAYER_TUNNEL },
	{ "ip6gre_*", VX_LAYER_TUNNEL },
	{ "ipgre_*", VX_LAYER_TUNNEL },
	{ "gre_*", VX_LAYER_TUNNEL },
	{ "__gre_*", VX_LAYER_TUNNEL },
	{ "erspan_*", VX_LAYER_TUNNEL },
	{ "wg_*", VX_LAYER_TUNNEL },
	{ "gro_cell*", VX_LAYER_TUNNEL },

	/* L4 (net/ipv4/udp.c, tcp*.c, icmp.c, raw.c, ping.c) */
	{ "udp*", VX_LAYER_L4 },
	{ "__udp*", VX_LAYER_L4 },
	{ "tcp_*", VX_LAYER_L4 },
	{ "__tcp_*", VX_LAYER_L4 },
	{ "icmp*", VX_LAYER_L4 },
	{ "__icmp*", VX_LAYER_L4 },
	{ "raw_*", VX_LAYER_L4 },
	{ "raw_v4_*", VX_LAYER_L4 },
	{ "ping_*", VX_LAYER_L4 },

	/* IP layer (net/ipv4/ip_input.c, ip_output.c, ip_forward.c, netfilter hooks) */
	{ "ip_*", VX_LAYER_IP },
	{ "__ip_*", VX_LAYER_IP },
	{ "ip6_*", VX_LAYER_IP },
	{ "__ip6_*", VX_LAYER_IP },
	{ "ipv6_rcv", VX_LAYER_IP },
	{ "ip_local_out", VX_LAYER_IP },
	{ "dst_output", VX_LAYER_IP },
	{ "nf_hook_slow", VX_LAYER_IP },
	{ "nf_hook*", VX_LAYER_IP },

	/* softirq and NAPI (net/core/dev.c receive loop, kernel/softirq.c) */
	{ "net_rx_action", VX_LAYER_SOFTIRQ },
	{ "net_tx_action", VX_LAYER_SOFTIRQ },
	{ "process_backlog", VX_LAYER_SOFTIRQ },
	{ "napi_*", VX_LAYER_SOFTIRQ },
	{ "__napi_*", VX_LAYER_SOFTIRQ },
	{ "gro_*", VX_LAYER_SOFTIRQ },
	{ "dev_gro_receive", VX_LAYER_SOFTIRQ },
	{ "__do_softirq", VX_LAYER_SOFTIRQ },
	{ "handle_softirqs", VX_LAYER_SOFTIRQ },
	{ "do_softirq*", VX_LAYER_SOFTIRQ },
	{ "__local_bh_enable_ip", VX_LAYER_SOFTIRQ },
	{ "irq_exit_rcu", VX_LAYER_SOFTIRQ },
	{ "__irq_exit_rcu", VX_LAYER_SOFTIRQ },
	{ "run_ksoftirqd", VX_LAYER_SOFTIRQ },

	/* device / L2 (net/core/dev.c transmit and receive, qdisc, veth, bridge, drivers) */
	{ "dev_*", VX_LAYER_DEV },
	{ "__dev_*", VX_LAYER_DEV },
	{ "xmit_one", VX_LAYER_DEV },
	{ "netif_*", VX_LAYER_DEV },
	{ "__netif_*", VX_LAYER_DEV },
	{ "sch_direct_xmit", VX_LAYER_DEV },
	{ "__qdisc_run", VX_LAYER_DEV },
	{ "qdisc_*", VX_LAYER_DEV },
	{ "veth_*", VX_LAYER_DEV },
	{ "br_*", VX_LAYER_DEV },
	{ "eth_type_trans", VX_LAYER_DEV },
	{ "virtnet_*", VX_LAYER_DEV },
	{ "start_xmit", VX_LAYER_DEV },
	{ "e1000*", VX_LAYER_DEV },
	{ "ixgb*", VX_LAYER_DEV },
	{ "mlx5e_*", VX_LAYER_DEV },
	{ "loopback_xmit", VX_LAYER_DEV },
};

static const char *const names[VX_LAYER_COUNT] = {
	[VX_LAYER_OTHER] = "other",
	[VX_LAYER_SYSCALL] = "syscall",
	[VX_LAYER_SOCKET] = "socket",
	[VX_LAYER_L4] = "l4",
	[VX_LAYER_IP] = "ip",
	[VX_LAYER_ROUTE] = "route",
	[VX_LAYER_NEIGH] = "neigh",
	[VX_LAYER_TUNNEL] = "tunnel",
	[VX_LAYER_DEV] = "dev",
	[VX_LAYER_SOFTIRQ] = "softirq",
	[VX_LAYER_NETLINK] = "netlink",
};

/* tunnel kinds by function prefix; generic helpers (iptunnel_xmit) name none */
static const struct {
	const char *prefix, *kind;
} tunnel_kinds[] = {
	{ "vxlan_", "vxlan" }, { "__vxlan_", "vxlan" },
	{ "geneve_", "geneve" },
	{ "ipip_", "ipip" }, { "ipip6_", "ipip" },
	{ "ipgre_", "gre" }, { "gre_", "gre" }, { "__gre_", "gre" }, { "ip6gre_", "gre" },
	{ "erspan_", "gre" },
	{ "wg_", "wireguard" },
	{ "ip6_tnl_", "ip6tnl" },
};

const char *vx_layer_name(enum vx_layer l)
{
	return l >= 0 && l < VX_LAYER_COUNT ? names[l] : "other";
}

static int match(const char *pattern, const char *func, size_t flen)
{
	size_t plen = strlen(pattern);

	if (plen && pattern[plen - 1] == '*')
		return flen >= plen - 1 && !strncmp(pattern, func, plen - 1);
	return plen == flen && !strncmp(pattern, func, flen);
}

/* length of @func without a compiler suffix (".constprop.0", ".isra.0", ".cold") */
static size_t base_len(const char *func)
{
	const char *dot = strchr(func, '.');

	return dot ? (size_t)(dot - func) : strlen(func);
}

enum vx_layer vx_layer_of(const char *func)
{
	size_t n;

	if (!func)
		return VX_LAYER_OTHER;
	n = base_len(func);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (match(rules[i].pattern, func, n))
			return rules[i].layer;
	return VX_LAYER_OTHER;
}

const char *vx_tunnel_kind(const char *func)
{
	for (size_t i = 0; i < sizeof(tunnel_kinds) / sizeof(tunnel_kinds[0]); i++)
		if (!strncmp(func, tunnel_kinds[i].prefix, strlen(tunnel_kinds[i].prefix)))
			return tunnel_kinds[i].kind;
	return NULL;
}
