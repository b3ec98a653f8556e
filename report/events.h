/* events.h: the report's vocabulary of event names, in one place: the bare name after
 * "system:", and which events are device transmits, receives, drops and FIB lookups.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_EVENTS_H
#define VX_EVENTS_H

#include <stdbool.h>

/* vx_event_base - the name after "system:" ("net:netif_rx" -> "netif_rx"), @name itself
 * when it has no system, NULL for NULL; points into @name */
const char *vx_event_base(const char *name);
/* vx_event_is_xmit - a device transmit (net:net_dev_start_xmit, net_dev_queue, net_dev_xmit) */
bool vx_event_is_xmit(const char *name);
/* vx_event_is_recv - a device receive (net:netif_receive_skb, netif_rx, their _entry forms) */
bool vx_event_is_recv(const char *name);
/* vx_event_is_arrival - a packet arriving at a host or namespace: a device receive (any
 * system) or the IP layer's receive (ip_rcv, ip_rcv_core probes) */
bool vx_event_is_arrival(const char *name);
/* vx_event_is_drop - skb:kfree_skb (and the probes on kfree_skb_reason), not consume_skb */
bool vx_event_is_drop(const char *name);
/* vx_event_is_fib_lookup - fib:fib_table_lookup or fib6:fib6_table_lookup, any system */
bool vx_event_is_fib_lookup(const char *name);

#endif
