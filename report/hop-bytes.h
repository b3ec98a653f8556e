/* hop-bytes.h: the packet bytes a kprobe read at a hop (record --snaplen; the fields
 * src/record/record-btf.h names: pkt0.., pkt_head, pkt_data, pkt_nh, pkt_mh, pkt_dlen,
 * pkt_l2), back as bytes together with what their first byte is: an Ethernet header, an IP
 * header, or, at a UDP tunnel's transmit (iptunnel_xmit), the outer UDP header with the outer
 * addresses from the function's arguments. Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_HOP_BYTES_H
#define VX_HOP_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

/* what the bytes start with */
enum vx_bytes_at {
	VX_BYTES_ETHERNET,	/* a MAC header: skb->data there, or the 14 bytes before it at a receive */
	VX_BYTES_IP,		/* an IPv4 or IPv6 header: skb->data at the network header */
	VX_BYTES_UDP,		/* a UDP header, before the tunnel pushed the outer IP header */
};

#define VX_HOP_BYTES_MAX (512 + 14)	/* VX_SNAPLEN_MAX + the MAC header of a receive */

/*
 * struct vx_hop_bytes - @caplen bytes of @data of a packet of @origlen bytes at @at.
 * @rx: read by a receive probe (the device it names came before it in the journey).
 * @out_src, @out_dst: at VX_BYTES_UDP, the outer IPv4 addresses (network order).
 */
struct vx_hop_bytes {
	enum vx_bytes_at at;
	uint32_t caplen, origlen;
	bool rx;
	unsigned char out_src[4], out_dst[4];
	unsigned char data[VX_HOP_BYTES_MAX];
};

/* what vx_hop_bytes_from_fields() found */
enum vx_hop_bytes_result {
	VX_HOP_NO_BYTES = 0,	/* the event carries no packet bytes */
	VX_HOP_BYTES = 1,	/* @b holds them */
	VX_HOP_BYTES_UNKNOWN = -1,	/* it carries bytes, but not where they start, or damaged ones */
};

/*
 * vx_hop_bytes_from_fields - the packet bytes of an event's @n fields @f into @b. The bytes
 * count up to the event's len minus pkt_dlen (what lies behind skb->data, not the pages);
 * chunks are "0x" and hex digits (the recorder and the importers of binary traces) or
 * "{69,0,...}" (ftrace text).
 */
enum vx_hop_bytes_result vx_hop_bytes_from_fields(const struct vx_field *f, size_t n, struct vx_hop_bytes *b);

#endif
