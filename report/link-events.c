/* link-events.c: which probe events follow a packet across skbs (see link-events.h): a
 * sorted table of the kernel functions the presets probe. */
#include "link-events.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

const char *vx_link_kind_name(enum vx_link_kind k)
{
	static const char *const names[VX_LINK_KIND_COUNT] = { "clone", "copy", "segment", "merge" };

	return k < VX_LINK_KIND_COUNT ? names[k] : "clone";
}

/* the probes' names (the preset's event names and the kernel functions), sorted for bsearch */
static const struct link_name {
	const char *name;
	enum vx_link_ev ev;
	enum vx_link_kind kind;
} link_names[] = {
	{ "__pskb_copy_fclone", VX_LEV_ENTRY, VX_LINK_COPY },
	{ "__skb_gso_segment", VX_LEV_ENTRY, VX_LINK_SEGMENT },
	{ "__sock_queue_rcv_skb", VX_LEV_DELIVER, 0 },
	{ "__udp_enqueue_schedule_skb", VX_LEV_DELIVER, 0 },
	{ "nf_nat_ipv4_manip_pkt", VX_LEV_NAT, 0 },
	{ "nf_nat_manip", VX_LEV_NAT, 0 },
	{ "nf_nat_manip_pkt", VX_LEV_NAT, 0 },
	{ "nf_nat_packet", VX_LEV_NAT, 0 },
	{ "ping_queue_rcv_skb", VX_LEV_DELIVER, 0 },
	{ "pskb_copy", VX_LEV_ENTRY, VX_LINK_COPY },
	{ "raw_rcv", VX_LEV_DELIVER, 0 },
	{ "raw_rcv_skb", VX_LEV_DELIVER, 0 },
	{ "skb_clone", VX_LEV_ENTRY, VX_LINK_CLONE },
	{ "skb_copy", VX_LEV_ENTRY, VX_LINK_COPY },
	{ "skb_copy_datagram", VX_LEV_READ, 0 },
	{ "skb_copy_datagram_iovec", VX_LEV_READ, 0 },
	{ "skb_copy_datagram_iter", VX_LEV_READ, 0 },
	{ "skb_copy_expand", VX_LEV_ENTRY, VX_LINK_COPY },
	{ "skb_gro_receive", VX_LEV_MERGE, VX_LINK_MERGE },
	{ "skb_gso_segment", VX_LEV_ENTRY, VX_LINK_SEGMENT },
	{ "skb_segment", VX_LEV_ENTRY, VX_LINK_SEGMENT },
	{ "sock_queue_rcv", VX_LEV_DELIVER, 0 },
	{ "sock_queue_rcv_skb", VX_LEV_DELIVER, 0 },
	{ "sock_queue_rcv_skb_reason", VX_LEV_DELIVER, 0 },
	{ "tcp_data_queue", VX_LEV_DELIVER, 0 },
	{ "tcp_queue_rcv", VX_LEV_DELIVER, 0 },
	{ "udp_queue_rcv", VX_LEV_DELIVER, 0 },
};

static int cmp_link_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct link_name *)elem)->name);
}

enum vx_link_ev vx_link_event_of(const char *name, enum vx_link_kind *kind, const char **func)
{
	const char *base = vx_event_base(name);
	const struct link_name *f;
	size_t n = base ? strlen(base) : 0;
	bool ret = false;
	char buf[64];

	if (n > 4 && !strcmp(base + n - 4, "_ret")) {
		n -= 4;
		ret = true;
	} else if (n > 8 && !strcmp(base + n - 8, "__return")) {	/* perf probe's kretprobes */
		n -= 8;
		ret = true;
	}
	if (!n || n >= sizeof(buf))
		return VX_LEV_NONE;
	memcpy(buf, base, n);
	buf[n] = '\0';
	f = bsearch(buf, link_names, sizeof(link_names) / sizeof(link_names[0]), sizeof(link_names[0]),
		    cmp_link_name);
	if (!f || (ret && f->ev != VX_LEV_ENTRY))
		return VX_LEV_NONE;
	if (kind)
		*kind = f->kind;
	if (func)
		*func = f->name;
	return ret ? VX_LEV_RETURN : f->ev;
}
