/* packet.c: a hop's packet identity from the kprobe's header words (see packet.h). The
 * words were read on x86-64 as little-endian integers of bytes in network order, so byte
 * n of the header is bits 8n..8n+7 of its word.
 * Must not: touch the store, parse inputs, or print.
 */
#include "packet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a field of @r as a number; false when absent or not a number */
static bool num(const struct vx_rec *r, const char *prefix, const char *key, uint64_t *v)
{
	char name[32];
	const char *s;
	char *end;

	snprintf(name, sizeof(name), "%s%s", prefix, key);
	s = vx_rec_field(r, name);
	if (!s || !*s)
		return false;
	*v = strtoull(s, &end, 0);
	return !*end;
}

static int be16_at(uint64_t word, int byte)
{
	return (int)(((word >> (8 * byte)) & 0xff) << 8 | ((word >> (8 * (byte + 1))) & 0xff));
}

static void addr4(char *out, uint64_t w)
{
	snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(w & 0xff), (unsigned)(w >> 8 & 0xff),
		 (unsigned)(w >> 16 & 0xff), (unsigned)(w >> 24 & 0xff));
}

static void ip_unknown(struct vx_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->proto = ip->ip_id = ip->ttl = ip->sport = ip->dport = -1;
	ip->icmp_type = ip->icmp_id = ip->icmp_seq = ip->tcp_flags = -1;
	ip->tcp_seq = -1;
}

/* an IPv6 address from the four words "<prefix><key>0".."3" */
static bool addr6(const struct vx_rec *r, const char *prefix, const char *key, char *out)
{
	unsigned char a[16];
	char name[32];

	for (int i = 0; i < 4; i++) {
		uint64_t w;

		snprintf(name, sizeof(name), "%s%d", key, i);
		if (!num(r, prefix, name, &w))
			return false;
		for (int b = 0; b < 4; b++)
			a[4 * i + b] = (unsigned char)(w >> (8 * b));
	}
	return inet_ntop(AF_INET6, a, out, 46) != NULL;
}

static void decode_l4(const struct vx_rec *r, const char *prefix, struct vx_ip *ip);

/* the IPv6 header fields "<prefix>ip6_*" (no extension headers: the L4 words follow the
 * 40-byte header only when the next header is the transport's) */
static bool decode_ip6(const struct vx_rec *r, const char *prefix, struct vx_ip *ip)
{
	uint64_t vtc, nh, hlim;

	if (!num(r, prefix, "ip6_vtc", &vtc) || (vtc >> 4) != 6 || !num(r, prefix, "ip6_nh", &nh) ||
	    !addr6(r, prefix, "ip6_src", ip->src) || !addr6(r, prefix, "ip6_dst", ip->dst))
		return false;
	ip->known = true;
	ip->version = 6;
	ip->proto = (int)nh;
	if (num(r, prefix, "ip6_hlim", &hlim))
		ip->ttl = (int)hlim;
	decode_l4(r, prefix, ip);
	return true;
}

/* the IP header fields "<prefix>ip_*" (or "ip6_*") and the L4 words "<prefix>l4_w0.." */
static bool decode_ip(const struct vx_rec *r, const char *prefix, struct vx_ip *ip)
{
	uint64_t vihl, id, ttl, proto, src, dst;

	ip_unknown(ip);
	if (!num(r, prefix, "ip_vihl", &vihl))
		return decode_ip6(r, prefix, ip);
	if (!num(r, prefix, "ip_src", &src) || !num(r, prefix, "ip_dst", &dst) ||
	    !num(r, prefix, "ip_proto", &proto))
		return false;
	if ((vihl >> 4) != 4)
		return false;	/* not IPv4 (ARP, IPv6): the words mean something else */
	ip->known = true;
	ip->version = 4;
	ip->proto = (int)proto;
	addr4(ip->src, src);
	addr4(ip->dst, dst);
	if (num(r, prefix, "ip_id", &id))
		ip->ip_id = be16_at(id, 0);
	if (num(r, prefix, "ip_ttl", &ttl))
		ip->ttl = (int)ttl;
	if ((vihl & 0xf) != 5)
		return true;	/* IP options: the L4 words are not where we read them */
	decode_l4(r, prefix, ip);
	return true;
}

/* the L4 words right after the IP header, by @ip's protocol */
static void decode_l4(const struct vx_rec *r, const char *prefix, struct vx_ip *ip)
{
	uint64_t w0 = 0, w1 = 0, w3 = 0;
	bool have0, have1, have3;

	have0 = num(r, prefix, "l4_w0", &w0);
	have1 = num(r, prefix, "l4_w1", &w1);
	have3 = num(r, prefix, "l4_w3", &w3);
	switch (ip->proto) {
	case 1:	/* ICMP: type, code, checksum | id, sequence */
	case 58:	/* ICMPv6: the same words (echo request 128, reply 129) */
		if ((ip->proto == 1) != (ip->version == 4))
			break;	/* protocol 1 in IPv6, 58 in IPv4: not ICMP */
		if (have0)
			ip->icmp_type = (int)(w0 & 0xff);
		/* ICMPv6's second word is an id and sequence only in echoes (not in neighbour
		 * discovery, the IPv6 traffic every link has) */
		if (have1 && (ip->version == 4 || ip->icmp_type == 128 || ip->icmp_type == 129)) {
			ip->icmp_id = be16_at(w1, 0);
			ip->icmp_seq = be16_at(w1, 2);
		}
		break;
	case 6:	/* TCP: ports | sequence | ack | offset, flags (byte 13) */
		if (have0) {
			ip->sport = be16_at(w0, 0);
			ip->dport = be16_at(w0, 2);
		}
		if (have1)
			ip->tcp_seq = (int64_t)(be16_at(w1, 0)) << 16 | be16_at(w1, 2);
		if (have3)
			ip->tcp_flags = (int)(w3 >> 8 & 0xff);
		break;
	case 17:	/* UDP: ports */
		if (have0) {
			ip->sport = be16_at(w0, 0);
			ip->dport = be16_at(w0, 2);
		}
		break;
	}
}

bool vx_packet_from_rec(const struct vx_rec *r, struct vx_packet *p)
{
	uint64_t udp, vx, src, dst;

	ip_unknown(&p->ip);
	ip_unknown(&p->inner);
	p->vni = -1;
	p->bytes = vx_rec_field(r, "pkt0") != NULL;
	if (decode_ip(r, "", &p->ip))
		return true;
	/* at a UDP tunnel's transmit: the outer addresses are iptunnel_xmit's arguments, the
	 * outer UDP header and VXLAN header lie behind skb->data, then the inner packet */
	if (!num(r, "", "udp_w0", &udp) || !num(r, "", "out_src", &src) || !num(r, "", "out_dst", &dst))
		return false;
	p->ip.known = true;
	p->ip.proto = 17;
	addr4(p->ip.src, src);
	addr4(p->ip.dst, dst);
	p->ip.sport = be16_at(udp, 0);
	p->ip.dport = be16_at(udp, 2);
	if (num(r, "", "vx_w1", &vx))	/* VXLAN bytes 4..7: VNI in 4..6 */
		p->vni = (int)((vx & 0xff) << 16 | (vx >> 8 & 0xff) << 8 | (vx >> 16 & 0xff));
	decode_ip(r, "in_", &p->inner);
	return true;
}

static void describe_ip(const struct vx_ip *ip, struct strbuf *sb)
{
	const char *proto = ip->proto == 1 && ip->version != 6 ? "icmp" : ip->proto == 6 ? "tcp" :
			    ip->proto == 17 ? "udp" : ip->proto == 58 && ip->version == 6 ? "icmp6" : NULL;
	bool echo = ip->version == 6 ? ip->icmp_type == 128 || ip->icmp_type == 129
				     : ip->icmp_type == 8 || ip->icmp_type == 0;
	bool request = ip->icmp_type == 8 || ip->icmp_type == 128;

	if (proto)
		strbuf_addf(sb, "%s ", proto);
	else
		strbuf_addf(sb, "proto %d ", ip->proto);
	strbuf_addstr(sb, ip->src);
	if (ip->sport >= 0)
		strbuf_addf(sb, "/%d", ip->sport);
	strbuf_addstr(sb, " \xe2\x86\x92 ");	/* → */
	strbuf_addstr(sb, ip->dst);
	if (ip->dport >= 0)
		strbuf_addf(sb, "/%d", ip->dport);
	if (echo)
		strbuf_addstr(sb, request ? " echo request" : " echo reply");
	else if (ip->icmp_type >= 0)
		strbuf_addf(sb, " type %d", ip->icmp_type);
	if (ip->icmp_id >= 0 && echo)
		strbuf_addf(sb, " id %d seq %d", ip->icmp_id, ip->icmp_seq);
	if (ip->tcp_seq >= 0)
		strbuf_addf(sb, " seq %lld flags 0x%02x", (long long)ip->tcp_seq, ip->tcp_flags & 0xff);
	if (ip->ttl >= 0)
		strbuf_addf(sb, ip->version == 6 ? ", hop limit %d" : ", ttl %d", ip->ttl);
	if (ip->ip_id >= 0)
		strbuf_addf(sb, ", ip id %d", ip->ip_id);
}

void vx_packet_describe(const struct vx_packet *p, struct strbuf *sb)
{
	describe_ip(&p->ip, sb);
	if (p->vni >= 0)
		strbuf_addf(sb, " vni %d", p->vni);
	if (p->inner.known) {
		strbuf_addstr(sb, " carrying ");
		describe_ip(&p->inner, sb);
	}
}
