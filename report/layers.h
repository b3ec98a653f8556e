/* layers.h: which network layer of the kernel a function belongs to (a sorted table of
 * name patterns in layers.c), and which tunnel kind a function implements.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_LAYERS_H
#define VX_LAYERS_H

/* kernel network layers, outermost (user side) to innermost (wire side) */
enum vx_layer {
	VX_LAYER_OTHER = 0,	/* not a network function (scheduler, irq entry, ...) */
	VX_LAYER_SYSCALL,	/* syscall entry: __x64_sys_sendto, do_syscall_64 */
	VX_LAYER_SOCKET,	/* socket layer: sock_sendmsg, __sys_sendto */
	VX_LAYER_L4,		/* udp/tcp/icmp/raw */
	VX_LAYER_IP,		/* ip_rcv, ip_forward, ip_output, ip_local_out, ... */
	VX_LAYER_ROUTE,		/* FIB, route lookup, nexthop validation */
	VX_LAYER_NEIGH,		/* neighbour / ARP resolution */
	VX_LAYER_TUNNEL,	/* vxlan, geneve, ipip, gre, wireguard, udp_tunnel */
	VX_LAYER_DEV,		/* device / L2: dev_queue_xmit, netif_receive_skb, veth */
	VX_LAYER_SOFTIRQ,	/* softirq / NAPI: net_rx_action, process_backlog */
	VX_LAYER_NETLINK,	/* netlink / rtnetlink */
	VX_LAYER_COUNT
};

/* vx_layer_of - layer of a kernel function (suffixes like .constprop.0 ignored) */
enum vx_layer vx_layer_of(const char *func);
/* vx_layer_name - short stable name ("ip", "tunnel", "dev", ...) used in JSON and HTML */
const char *vx_layer_name(enum vx_layer l);
/* vx_tunnel_kind - "vxlan", "geneve", "ipip", "gre", "wireguard", or NULL for @func */
const char *vx_tunnel_kind(const char *func);

#endif
