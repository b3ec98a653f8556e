/* events.c: the report's predicates and name helpers on event names (see events.h).
 * Must not: touch the store, parse inputs, or print.
 */
#include "events.h"

#include <string.h>

const char *vx_event_base(const char *name)
{
	const char *c = name ? strchr(name, ':') : NULL;

	return c ? c + 1 : name;
}

bool vx_event_is_xmit(const char *name)
{
	return name && (!strcmp(name, "net:net_dev_start_xmit") || !strcmp(name, "net:net_dev_queue") ||
			!strcmp(name, "net:net_dev_xmit"));
}

bool vx_event_is_recv(const char *name)
{
	return name && (!strcmp(name, "net:netif_receive_skb") || !strcmp(name, "net:netif_rx") ||
			!strcmp(name, "net:napi_gro_receive_entry") ||
			!strcmp(name, "net:netif_receive_skb_entry"));
}

bool vx_event_is_arrival(const char *name)
{
	const char *e = vx_event_base(name);

	return e && (!strcmp(e, "netif_receive_skb") || !strcmp(e, "netif_rx") || !strcmp(e, "ip_rcv") ||
		     !strcmp(e, "ip_rcv_core") || !strcmp(e, "napi_gro_receive_entry") ||
		     !strcmp(e, "netif_receive_skb_entry"));
}

bool vx_event_is_drop(const char *name)
{
	const char *base = vx_event_base(name);

	return base && (!strcmp(base, "kfree_skb") || !strcmp(base, "kfree_skb_reason"));
}

bool vx_event_is_fib_lookup(const char *name)
{
	const char *base = vx_event_base(name);

	return base && (!strcmp(base, "fib_table_lookup") || !strcmp(base, "fib6_table_lookup"));
}
