/* verdict.c: a journey's verdict from its own hops and the free that ended it (see
 * verdict.h). Must not: touch the store, parse inputs, or print.
 */
#include "verdict.h"

#include <string.h>

#include "events.h"
#include "journey.h"
#include "paths.h"

const char *vx_verdict_name(enum vx_verdict_kind k)
{
	static const char *const names[VX_VERDICT_COUNT] = {
		"unknown", "delivered", "sent", "dropped", "merged", "segmented",
	};

	return k < VX_VERDICT_COUNT ? names[k] : "unknown";
}

/* the functions that free an skb (the free happened in their caller) and the tracing
 * machinery above them */
static bool is_free_frame(const char *f)
{
	static const char *const freeing[] = {
		"kfree_skb", "__kfree_skb", "consume_skb", "sk_skb_reason_drop", "kfree_skb_list_reason",
		"kfree_skb_reason", "skb_release_data", "__dev_kfree_skb_any", "napi_consume_skb",
		"skb_attempt_defer_free", "kfree_skb_partial", "__consume_stateless_skb",
	};
	size_t n = strcspn(f, ".");

	for (size_t i = 0; i < sizeof(freeing) / sizeof(freeing[0]); i++)
		if (!strncmp(f, freeing[i], n) && !freeing[i][n])
			return true;
	return false;
}

/* a frame of a process reading what a socket received */
static bool is_reader_frame(const char *f)
{
	size_t n = strcspn(f, ".");

	if (n >= 8 && !strncmp(f + n - 8, "_recvmsg", 8))
		return true;
	return !strncmp(f, "skb_free_datagram", n) || !strncmp(f, "skb_consume_udp", n) ||
	       !strncmp(f, "__skb_recv_datagram", n) || !strncmp(f, "tcp_recvmsg_locked", n);
}

/* a frame of the local receive past IP: the transport or a socket took the packet */
static bool is_local_frame(const char *f)
{
	static const char *const local[] = {
		"icmp_rcv", "icmpv6_rcv", "udp_rcv", "udpv6_rcv", "__udp4_lib_rcv", "__udp6_lib_rcv",
		"tcp_v4_rcv", "tcp_v6_rcv", "raw_local_deliver", "ip_local_deliver_finish",
		"ip_protocol_deliver_rcu", "ip6_input_finish", "ip6_protocol_deliver_rcu", "igmp_rcv",
		"arp_process", "arp_rcv", "ndisc_rcv",
	};
	size_t n = strcspn(f, ".");

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!strncmp(f, local[i], n) && !local[i][n])
			return true;
	return false;
}

void vx_path_end_init(struct vx_path_end *e, const char *const *frames, size_t n)
{
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < n; i++) {
		if (!e->consumer && !is_free_frame(frames[i]) && strncmp(frames[i], "0x", 2))
			e->consumer = frames[i];
		e->reader = e->reader || is_reader_frame(frames[i]);
		e->local = e->local || is_local_frame(frames[i]);
	}
}

/* the kind of hop @h's event: from its path (decided once per path), else by name */
static enum vx_hop_kind hop_kind(const struct vx_hop *h)
{
	if (h->path && h->path->journey.has_kind)
		return (enum vx_hop_kind)h->path->journey.kind;
	return vx_hop_kind_of(h->event);
}

/* the device steps: is the last one a transmit? *@hop receives it */
static bool last_step_transmit(const struct vx_journey *j, int *hop)
{
	for (size_t i = j->nhops; i-- > 0;) {
		enum vx_hop_kind k = hop_kind(&j->hops[i]);

		if (k == VX_HOP_RX || k == VX_HOP_RX_DRIVER)
			return false;
		if (k == VX_HOP_XMIT || k == VX_HOP_QUEUE || k == VX_HOP_XMIT_DONE) {
			*hop = (int)i;
			return true;
		}
	}
	return false;
}

/* a device step after hop @h: a merge that failed (the head was full) let it go on */
static bool device_step_after(const struct vx_journey *j, int h)
{
	for (size_t i = (size_t)h + 1; i < j->nhops; i++) {
		enum vx_hop_kind k = hop_kind(&j->hops[i]);

		if (k >= VX_HOP_QUEUE && k <= VX_HOP_RX)
			return true;
	}
	return false;
}

/* what hop @h's event is to the links: from its path (decided once per path), else by name */
static enum vx_link_ev hop_link_ev(const struct vx_hop *h, enum vx_link_kind *k, const char **func)
{
	if (h->path) {	/* a path is one (event, stack): its event is the hop's */
		*k = (enum vx_link_kind)h->path->link_kind;
		*func = h->path->link_func;
		return (enum vx_link_ev)h->path->link_ev;
	}
	return vx_link_event_of(h->event, k, func);
}

/* the first kept hop of event kind @want, -1 when none; *@func its function */
static int find_hop(const struct vx_journey *j, enum vx_link_ev want, const char **func)
{
	for (size_t i = 0; i < j->nhops; i++) {
		enum vx_link_kind k = VX_LINK_CLONE;
		const char *f = NULL;

		if (hop_link_ev(&j->hops[i], &k, &f) == want && (want != VX_LEV_ENTRY || k == VX_LINK_SEGMENT)) {
			if (func)
				*func = f;
			return (int)i;
		}
	}
	return -1;
}

/* delivered: to a socket (a queue probe), read by a process (a read probe, or a consume in
 * its recvmsg), or consumed by the local stack after the packet's last receive */
static bool delivered(struct vx_journey *j, const struct vx_rec *last, const struct vx_path *lp, bool consumed)
{
	struct vx_verdict *v = &j->verdict;
	const char *func = NULL;
	int q = find_hop(j, VX_LEV_DELIVER, &func), r = find_hop(j, VX_LEV_READ, NULL), t;

	if (q >= 0 || r >= 0) {
		v->hop = q >= 0 ? q : r;
		v->where = q >= 0 ? func : "skb_copy_datagram";
		if (r >= 0 && j->hops[r].rec) {
			v->pid = j->hops[r].rec->pid;
			v->comm = j->hops[r].rec->comm;
		}
	} else if (consumed && lp && lp->end.reader) {
		v->where = lp->end.consumer;
	} else if (consumed && lp && lp->end.local && !last_step_transmit(j, &t)) {
		v->where = lp->end.consumer;
		v->local = true;
	} else {
		return false;
	}
	/* a read in the process' own recvmsg names the process */
	if (consumed && lp && lp->end.reader && last && v->pid < 0) {
		v->pid = last->pid;
		v->comm = last->comm;
	}
	v->kind = VX_VERDICT_DELIVERED;
	return true;
}

void vx_journey_verdict(struct vx_journey *j, const struct vx_rec *last, const struct vx_path *last_path)
{
	struct vx_verdict *v = &j->verdict;
	bool consumed = last && !strcmp(last->name, "skb:consume_skb");
	const char *func = NULL;
	int h;

	memset(v, 0, sizeof(*v));
	v->hop = -1;
	v->pid = -1;
	if ((h = find_hop(j, VX_LEV_MERGE, &func)) >= 0 && !device_step_after(j, h)) {
		v->kind = VX_VERDICT_MERGED;
		v->hop = h;
		v->where = func;
	} else if (j->drop) {
		v->kind = VX_VERDICT_DROPPED;
		v->hop = j->nhops && !j->hops_left_out ? (int)j->nhops - 1 : -1;
		v->where = j->drop->location;
	} else if ((h = find_hop(j, VX_LEV_ENTRY, &func)) >= 0) {
		v->kind = VX_VERDICT_SEGMENTED;	/* find_hop's entries are segmentations */
		v->hop = h;
		v->where = func;
	} else if (delivered(j, last, last_path, consumed)) {
		;
	} else if (last_step_transmit(j, &h)) {
		v->kind = VX_VERDICT_SENT;
		v->hop = h;
		v->where = j->hops[h].dev;
	} else if (consumed && last_path) {
		v->where = last_path->end.consumer;	/* unknown, but freed there */
	}
}

void vx_verdict_describe(const struct vx_verdict *v, struct strbuf *sb)
{
	strbuf_addstr(sb, vx_verdict_name(v->kind));
	switch (v->kind) {
	case VX_VERDICT_DELIVERED:
		if (v->comm)
			strbuf_addf(sb, " to %s (pid %d)", v->comm, v->pid);
		else if (v->local)
			strbuf_addstr(sb, " to the local stack");
		else
			strbuf_addstr(sb, " to a socket");
		if (v->where)
			strbuf_addf(sb, " at %s", v->where);
		if (v->via_clone)
			strbuf_addstr(sb, ", through a clone of it");
		break;
	case VX_VERDICT_SENT:
		if (v->where)
			strbuf_addf(sb, " on %s", v->where);
		break;
	case VX_VERDICT_MERGED:
	case VX_VERDICT_SEGMENTED:
		if (v->where)
			strbuf_addf(sb, " by %s", v->where);
		break;
	case VX_VERDICT_DROPPED:
		if (v->where)
			strbuf_addf(sb, " at %s", v->where);
		break;
	case VX_VERDICT_UNKNOWN:
		if (v->where)
			strbuf_addf(sb, " (freed at %s)", v->where);
		break;
	case VX_VERDICT_COUNT:
		break;
	}
}
