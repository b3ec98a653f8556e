/* journey-rule.c: when an skb address starts carrying a new packet (see journey-rule.h):
 * the frames that create or carry a packet, the hop sequences one packet cannot make, and
 * the per-event step. Must not: allocate, touch the store, parse inputs, or print.
 */
#include "journey-rule.h"
#include "events.h"
#include "link-events.h"

#include <string.h>

const char *vx_journey_end_name(enum vx_journey_end e)
{
	switch (e) {
	case VX_JEND_FREED:
		return "freed";
	case VX_JEND_REUSED:
		return "reused";
	case VX_JEND_SILENCE:
		return "silence";
	case VX_JEND_CAPTURE_END:
		return "capture_end";
	case VX_JEND_NONE:
		break;
	}
	return NULL;
}

const char *vx_journey_end_text(enum vx_journey_end e)
{
	switch (e) {
	case VX_JEND_FREED:
		return "the skb was freed";
	case VX_JEND_REUSED:
		return "another packet used the address next (inferred)";
	case VX_JEND_SILENCE:
		return "the address was silent for over 100 ms (inferred)";
	case VX_JEND_CAPTURE_END:
		return "the capture ended first (not seen)";
	case VX_JEND_NONE:
		break;
	}
	return "";
}

/* ---- event kinds ---- */

static const struct {
	const char *name;
	enum vx_hop_kind kind;
} hop_kinds[] = {
	{ "net:net_dev_queue", VX_HOP_QUEUE },
	{ "net:net_dev_start_xmit", VX_HOP_XMIT },
	{ "net:net_dev_xmit", VX_HOP_XMIT_DONE },
	/* the driver (veth, loopback, NAPI) hands the skb to the stack */
	{ "net:netif_rx", VX_HOP_RX_DRIVER },
	{ "net:netif_rx_entry", VX_HOP_RX_DRIVER },
	{ "net:netif_rx_ni_entry", VX_HOP_RX_DRIVER },
	{ "net:napi_gro_receive_entry", VX_HOP_RX_DRIVER },
	{ "net:napi_gro_frags_entry", VX_HOP_RX_DRIVER },
	{ "net:netif_receive_skb_entry", VX_HOP_RX_DRIVER },
	{ "net:netif_receive_skb_list_entry", VX_HOP_RX_DRIVER },
	/* __netif_receive_skb_core: the stack takes it */
	{ "net:netif_receive_skb", VX_HOP_RX },
	{ "skb:kfree_skb", VX_HOP_FREE },
	{ "skb:consume_skb", VX_HOP_FREE },
};

enum vx_hop_kind vx_hop_kind_of(const char *event)
{
	const char *base = vx_event_base(event);
	enum vx_link_kind lk;

	for (size_t i = 0; i < sizeof(hop_kinds) / sizeof(hop_kinds[0]); i++)
		if (!strcmp(event, hop_kinds[i].name))
			return hop_kinds[i].kind;
	/* kprobes on the free functions, whatever their group (probe:kfree_skbmem) */
	if (base != event && (!strcmp(base, "kfree_skbmem") || !strcmp(base, "__kfree_skb")))
		return VX_HOP_FREE;
	/* the return of skb_clone & co: its skb is a new one; GRO merging it (links.h) */
	switch (vx_link_event_of(event, &lk, NULL)) {
	case VX_LEV_RETURN:
		return VX_HOP_BORN;
	case VX_LEV_MERGE:
		return VX_HOP_MERGE;
	case VX_LEV_DELIVER:
	case VX_LEV_READ:
		return VX_HOP_DELIVER;
	default:
		return VX_HOP_OTHER;
	}
}

void vx_journey_traced_add(uint32_t *traced, const char *name)
{
	*traced |= VX_HOP_BIT(vx_hop_kind_of(name));
}

/* ---- what a stack says: created by this call, or carried from before ---- */

enum frame_role {
	ROLE_BUILDS,	/* allocates the skb and sends it */
	ROLE_RECEIVES,	/* handles an skb that came in from a device */
	ROLE_DISPATCH,	/* the same, where the stack takes it from a device (calls the
			 * receive tracepoint's function); a forward runs inside it */
	ROLE_QUEUES,	/* sends what a queue holds, maybe another call's packet */
};

/*
 * The first of these frames from the innermost outward decides. A send that runs the whole
 * round trip in one call (softirqs run on local_bh_enable) has raw_sendmsg at the bottom of
 * every hop's stack, so only the innermost decisive frame counts.
 */
static const struct {
	const char *func;
	enum frame_role role;
} frame_roles[] = {
	/* socket sends and kernel replies: they allocate the skb and hand it to IP */
	{ "ip_push_pending_frames", ROLE_BUILDS },	/* raw, ping, icmp replies (icmp_push_reply) */
	{ "icmp_push_reply", ROLE_BUILDS },
	{ "icmp_reply", ROLE_BUILDS },
	{ "__icmp_send", ROLE_BUILDS },
	{ "ip_send_skb", ROLE_BUILDS },		/* udp_send_skb, corked udp */
	{ "udp_send_skb", ROLE_BUILDS },
	{ "raw_send_hdrinc", ROLE_BUILDS },
	{ "ip_send_unicast_reply", ROLE_BUILDS },	/* TCP RST and ACK without a socket */
	{ "ip_build_and_send_pkt", ROLE_BUILDS },	/* SYN-ACK */
	{ "__tcp_transmit_skb", ROLE_BUILDS },	/* every TCP transmit is a fresh clone */
	{ "tcp_v4_send_reset", ROLE_BUILDS },
	{ "tcp_v4_send_ack", ROLE_BUILDS },
	{ "sctp_packet_transmit", ROLE_BUILDS },
	{ "igmp_send_report", ROLE_BUILDS },
	{ "igmpv3_sendpack", ROLE_BUILDS },
	{ "arp_xmit", ROLE_BUILDS },
	{ "arp_send_dst", ROLE_BUILDS },
	{ "ip6_push_pending_frames", ROLE_BUILDS },
	{ "ip6_send_skb", ROLE_BUILDS },
	{ "udp_v6_send_skb", ROLE_BUILDS },
	{ "rawv6_send_hdrinc", ROLE_BUILDS },
	{ "icmpv6_push_pending_frames", ROLE_BUILDS },
	{ "tcp_v6_send_response", ROLE_BUILDS },
	{ "ndisc_send_skb", ROLE_BUILDS },
	{ "mld_sendpack", ROLE_BUILDS },
	{ "packet_snd", ROLE_BUILDS },		/* AF_PACKET */
	{ "tpacket_snd", ROLE_BUILDS },
	/* receive path: the skb came from a device (a veth peer's __netif_rx runs inside the
	 * sender's veth_xmit, so it sits above the builder in the same stack) */
	{ "__netif_rx", ROLE_RECEIVES },
	{ "netif_rx", ROLE_RECEIVES },
	{ "netif_rx_internal", ROLE_RECEIVES },
	{ "__netif_receive_skb", ROLE_DISPATCH },
	{ "__netif_receive_skb_core", ROLE_RECEIVES },
	{ "__netif_receive_skb_one_core", ROLE_DISPATCH },
	{ "__netif_receive_skb_list_core", ROLE_DISPATCH },
	{ "netif_receive_skb", ROLE_DISPATCH },
	{ "netif_receive_skb_internal", ROLE_RECEIVES },
	{ "netif_receive_skb_list_internal", ROLE_DISPATCH },
	{ "process_backlog", ROLE_DISPATCH },
	{ "napi_gro_receive", ROLE_DISPATCH },
	{ "napi_gro_frags", ROLE_RECEIVES },
	{ "gro_cell_poll", ROLE_DISPATCH },
	{ "gro_cells_receive", ROLE_RECEIVES },
	{ "ip_rcv", ROLE_RECEIVES },
	{ "ip_list_rcv", ROLE_RECEIVES },
	{ "ip_sublist_rcv", ROLE_RECEIVES },
	{ "ip_forward", ROLE_RECEIVES },
	{ "ip_local_deliver", ROLE_RECEIVES },
	{ "ip_local_deliver_finish", ROLE_RECEIVES },
	{ "ipv6_rcv", ROLE_RECEIVES },
	{ "ipv6_list_rcv", ROLE_RECEIVES },
	{ "ip6_forward", ROLE_RECEIVES },
	/* queues: what leaves a queue may be another sender's packet than this call's */
	{ "__qdisc_run", ROLE_QUEUES },
	{ "__neigh_update", ROLE_QUEUES },	/* packets that waited for ARP, sent from its reply */
	{ "neigh_update", ROLE_QUEUES },
	{ "qdisc_restart", ROLE_QUEUES },
	{ "net_tx_action", ROLE_QUEUES },
};

/* role of @func ("ip_rcv", "__netif_receive_skb_core.constprop.0"), -1 when it decides nothing */
static int frame_role_of(const char *func)
{
	size_t n = strcspn(func, ".");

	for (size_t i = 0; i < sizeof(frame_roles) / sizeof(frame_roles[0]); i++)
		if (!strncmp(func, frame_roles[i].func, n) && frame_roles[i].func[n] == '\0')
			return (int)frame_roles[i].role;
	return -1;
}

/* how many frames, from the deciding one outward, identify a call path: enough to tell a
 * socket send from an icmp reply and a backlog receive from a tunnel's GRO cell, and few
 * enough that two events of one call still agree when the tracer cut the outer frames */
#define CALL_WINDOW 8

static uint64_t call_path_hash(const char *const *frames, size_t n, size_t from)
{
	uint64_t h = VX_HASH_INIT;

	for (size_t k = from; k < n && k < from + CALL_WINDOW; k++)
		h = vx_hash64(h, frames[k], strlen(frames[k]) + 1);
	return h ? h : 1;
}

void vx_journey_path_init(struct vx_journey_path *p, const char *const *frames, size_t n)
{
	size_t i;
	int role = -1;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n && role < 0; i++)
		role = frame_role_of(frames[i]);
	if (role < 0)
		return;
	p->builder = frames[--i];
	if (role == ROLE_BUILDS) {
		p->created = true;
		p->creator = call_path_hash(frames, n, i);
		return;
	}
	p->existing = true;
	if (role == ROLE_QUEUES)
		return;
	/* the receive this event runs in: the innermost dispatch frame from here outward */
	for (; i < n; i++)
		if (frame_role_of(frames[i]) == ROLE_DISPATCH) {
			p->rx_call = call_path_hash(frames, n, i);
			return;
		}
}

/* ---- hop sequences one packet cannot make ---- */

enum seq_cond {
	ALWAYS,
	SAME_DEV_NOT_SHORTER,	/* same device, length not smaller than before */
	OTHER_DEV,		/* both name a device, and not the same one */
	LONGER,			/* both lengths known, the new one larger */
};

#define K(k) VX_HOP_BIT(VX_HOP_##k)
#define RX_KINDS (K(RX_DRIVER) | K(RX))
#define TX_KINDS (K(QUEUE) | K(XMIT) | K(XMIT_DONE))

/*
 * Consecutive events of one address (@prev then @next kind) that one packet cannot make.
 * @needs: the row holds only when the capture records at least one of these kinds (what
 * would have shown up between the two if they were the same packet); 0 = always.
 */
static const struct seq_rule {
	uint32_t prev, next;
	enum seq_cond cond;
	uint32_t needs;
	const char *why;
} seq_rules[] = {
	/* a packet comes back to a device only after a step the other way (transmitted on
	 * the way to a host that receives it; received on the way to a transmit) or after a
	 * decapsulation in place (IPsec), which makes it shorter */
	{ K(QUEUE), K(QUEUE), SAME_DEV_NOT_SHORTER, RX_KINDS, "queued twice on one device" },
	{ K(XMIT), K(XMIT), SAME_DEV_NOT_SHORTER, RX_KINDS, "transmitted twice on one device" },
	{ K(XMIT_DONE), K(XMIT_DONE), SAME_DEV_NOT_SHORTER, RX_KINDS, "transmitted twice on one device" },
	{ K(RX_DRIVER), K(RX_DRIVER), SAME_DEV_NOT_SHORTER, TX_KINDS, "received twice on one device" },
	{ K(RX), K(RX), SAME_DEV_NOT_SHORTER, TX_KINDS, "received twice on one device" },
	/* the backlog or NAPI poll delivers the skb on the device that queued it */
	{ K(RX_DRIVER), K(RX), OTHER_DEV, 0, "delivered on another device than it arrived on" },
	/* receiving strips the link-layer header; only GRO merges, after the driver's event */
	{ TX_KINDS, K(RX_DRIVER), LONGER, 0, "received longer than transmitted" },
	/* GRO took a merged packet's data and frees it (without an event): a driver hands the
	 * stack another packet there, or a send (a merge that fails goes on to the stack's
	 * receive, which stays with it) */
	{ K(MERGE), K(RX_DRIVER) | TX_KINDS, ALWAYS, 0, "merged by GRO before" },
	/* a socket's queue holds its packet until it is read and freed: never sent again */
	{ K(DELIVER), K(RX_DRIVER) | TX_KINDS, ALWAYS, 0, "delivered to a socket before" },
};

static bool seq_cond_holds(enum seq_cond c, const struct vx_journey_state *s, uint64_t dev, int64_t len)
{
	switch (c) {
	case ALWAYS:
		return true;
	case SAME_DEV_NOT_SHORTER:
		return dev && dev == s->dev && !(len >= 0 && s->len >= 0 && len < s->len);
	case OTHER_DEV:
		return dev && s->dev && dev != s->dev;
	case LONGER:
		return len >= 0 && s->len >= 0 && len > s->len;
	}
	return false;
}

/* ---- the step ---- */

void vx_journey_state_reset(struct vx_journey_state *s, uint32_t traced)
{
	memset(s, 0, sizeof(*s));
	s->traced = traced;
	s->len = -1;
}

/* the rule that says @r is another packet than the open journey's, or NULL */
static const char *new_packet(const struct vx_journey_state *s, enum vx_hop_kind kind, uint64_t dev,
			      int64_t len, const struct vx_journey_path *path)
{
	if (path && path->created) {
		bool same_call = s->created && s->creator == path->creator;

		if (!same_call)
			return "created by a send";
		if (kind != VX_HOP_OTHER && kind == s->kind && dev && dev == s->dev)
			return "created by a send, again on the same device";
	}
	/* a forward runs inside the receive that brought the packet in (a queue in between
	 * clears rx_call: the neighbour queue, a qdisc) */
	if (s->kind == VX_HOP_RX && (kind == VX_HOP_XMIT || kind == VX_HOP_QUEUE) && path &&
	    path->rx_call && s->rx_call && path->rx_call != s->rx_call)
		return "forwarded inside another receive than the one before";
	for (size_t i = 0; i < sizeof(seq_rules) / sizeof(seq_rules[0]); i++) {
		const struct seq_rule *q = &seq_rules[i];

		if ((q->prev & VX_HOP_BIT(s->kind)) && (q->next & VX_HOP_BIT(kind)) &&
		    (!q->needs || (q->needs & s->traced)) && seq_cond_holds(q->cond, s, dev, len))
			return q->why;
	}
	return NULL;
}

enum vx_journey_end vx_journey_step(struct vx_journey_state *s, const struct vx_rec *r,
				    const struct vx_journey_path *path)
{
	enum vx_hop_kind kind = path && path->has_kind ? (enum vx_hop_kind)path->kind : vx_hop_kind_of(r->name);
	uint64_t dev = r->dev && *r->dev ? vx_hash64(VX_HASH_INIT, r->dev, strlen(r->dev)) | 1 : 0;
	enum vx_journey_end end = VX_JEND_NONE;

	s->rule = NULL;
	if (s->open) {
		if (s->freed) {
			end = VX_JEND_FREED;
		} else if (kind == VX_HOP_BORN) {
			s->rule = "a new skb: a clone, copy or segment of another";
			end = VX_JEND_REUSED;
		} else if (r->ts_ns > s->ts_ns + VX_JOURNEY_GAP_NS)
			end = VX_JEND_SILENCE;
		else if ((s->rule = new_packet(s, kind, dev, r->len, path)))
			end = VX_JEND_REUSED;
	}
	if (end != VX_JEND_NONE)
		s->nhops = 0;
	s->open = true;
	s->freed = kind == VX_HOP_FREE;
	s->kind = (uint8_t)kind;
	s->created = path && path->created;
	s->creator = s->created ? path->creator : 0;
	s->rx_call = path ? path->rx_call : 0;
	s->dev = dev;
	s->len = r->len;
	s->ts_ns = r->ts_ns;
	s->nhops++;
	return end;
}

enum vx_journey_end vx_journey_step_frames(struct vx_journey_state *s, const struct vx_rec *r,
					   const char *const *frames, size_t nframes)
{
	struct vx_journey_path p;

	if (!nframes)
		return vx_journey_step(s, r, NULL);
	vx_journey_path_init(&p, frames, nframes);
	return vx_journey_step(s, r, &p);
}

enum vx_journey_end vx_journey_close(const struct vx_journey_state *s)
{
	if (!s->open)
		return VX_JEND_NONE;
	return s->freed ? VX_JEND_FREED : VX_JEND_CAPTURE_END;
}
