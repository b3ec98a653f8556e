/* packet.h: which packet a hop carried, from the header words a kprobe read behind
 * skb->data (src/record/record-btf.c names them): IP addresses, protocol, id and TTL (IPv6:
 * addresses, next header, hop limit); ports, ICMP/ICMPv6 id and sequence, TCP sequence and flags; at a VXLAN encapsulation also the VNI and the
 * inner packet. Enough to tell one packet from another across captures of two hosts.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_PACKET_H
#define VX_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "core/strbuf.h"

/* one IP packet's identity; numbers are -1 when the capture did not read them */
struct vx_ip {
	bool known;
	int version;		/* 4 or 6 */
	int proto;		/* IPv4 protocol, or IPv6 next header (58: ICMPv6) */
	char src[46], dst[46];	/* INET6_ADDRSTRLEN */
	int ip_id, ttl;		/* IPv6: no id (-1), ttl is the hop limit */
	int sport, dport;		/* udp, tcp */
	int icmp_type, icmp_id, icmp_seq;
	int64_t tcp_seq;
	int tcp_flags;
};

struct vx_packet {
	struct vx_ip ip;	/* the packet at this hop (the outer one at a tunnel) */
	int vni;		/* VXLAN network identifier, -1 when not a VXLAN hop */
	struct vx_ip inner;	/* the encapsulated packet at a VXLAN hop */
	bool bytes;		/* the kprobe also read packet bytes (record --snaplen: hop-bytes.h) */
};

/* vx_packet_from_rec - decode the header fields of @r into @p; false when @r has none */
bool vx_packet_from_rec(const struct vx_rec *r, struct vx_packet *p);

struct strbuf;
/* vx_packet_describe - "icmp 10.244.1.5 → 10.244.2.7 echo id 17 seq 3, ttl 64, ip id 4660"
 * or "udp 192.168.50.1/41720 → 192.168.50.2/4789 vni 4096 carrying icmp ..." into @sb */
void vx_packet_describe(const struct vx_packet *p, struct strbuf *sb);

#endif
