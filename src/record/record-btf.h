/* record-btf.h: where the packet bytes are, from the running kernel's own BTF
 * (/sys/kernel/btf/vmlinux) through libbpf's BTF API: the offsets inside struct sk_buff and
 * struct net_device that a kprobe fetch argument needs to read headers. Nothing is
 * hard-coded per kernel: a 6.1 guest and a 6.18 host each answer from their own BTF.
 * Must not: parse BTF by hand, or print.
 */
#ifndef VX_RECORD_BTF_H
#define VX_RECORD_BTF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * struct vx_skb_layout - byte offsets of struct sk_buff members (-1 when the BTF lacks one),
 * found also inside the anonymous structs and unions that sk_buff nests them in.
 * @network_header etc. are offsets from @head (u16 in current kernels; @header_size says).
 */
struct vx_skb_layout {
	int data, head, len, data_len, dev;
	int next;		/* the list link (segments of a GSO packet) */
	int network_header, transport_header, mac_header;
	int header_size;	/* bytes of network_header */
	int dev_name;		/* offset of net_device.name */
	int sk_buff_size;	/* sizeof(struct sk_buff) */
};

/*
 * vx_skb_layout_load - read @btf_path (NULL: /sys/kernel/btf/vmlinux). Returns 0, or -1 with
 * vx_error() naming the file and what is missing ("no BTF: the kernel was built without
 * CONFIG_DEBUG_INFO_BTF").
 */
int vx_skb_layout_load(const char *btf_path, struct vx_skb_layout *out);

/* where skb->data points when the probed function runs */
enum vx_skb_at {
	VX_SKB_AT_IP,		/* the IP header: ip_output, ip_rcv (after eth_type_trans) */
	VX_SKB_AT_UDP_TUNNEL,	/* the outer UDP header of a UDP tunnel: iptunnel_xmit's skb */
	VX_SKB_AT_IP6,		/* the IPv6 header: ip6_output, ip6_rcv_core / ipv6_rcv */
};

struct strbuf;
/*
 * vx_skb_fetchargs - append to @out the kprobe fetch arguments that read, through the skb
 * in register @reg ("dx"), its address and length and the packet headers at @at:
 *   skb len                         always
 *   ip_vihl ip_id ip_ttl ip_proto ip_src ip_dst l4_w0..l4_w3 at VX_SKB_AT_IP
 *   udp_w0 vx_w3 and in_ip_* in_l4_w0 in_l4_w1 (the inner packet) at VX_SKB_AT_UDP_TUNNEL
 *   ip6_vtc ip6_nh ip6_hlim ip6_src0..3 ip6_dst0..3 l4_w0..l4_w3 at VX_SKB_AT_IP6
 * Multi-byte values are read as little-endian words as they lie in memory (network order
 * inside): report/packet.c turns them into addresses and ports. The header offsets are the
 * protocols' (RFC 791, 768, 7348, 8200); only the sk_buff offsets come from @l.
 */
void vx_skb_fetchargs(const struct vx_skb_layout *l, const char *reg, enum vx_skb_at at,
		      struct strbuf *out);

/*
 * Packet bytes (record --snaplen N): the first N bytes at skb->data as u8 arrays pkt0, pkt1,
 * ... (at most VX_SNAPLEN_CHUNK bytes each: the kernel's MAX_ARRAY_LEN), plus what tells where
 * they start: pkt_head and pkt_data (skb->head and skb->data), pkt_nh and pkt_mh (the network
 * and MAC header offsets from head) and pkt_dlen (skb->data_len: the paged part that is not
 * behind skb->data). At a receive probe (@rx: after eth_type_trans) also pkt_l2, the
 * VX_SNAPLEN_L2 bytes before skb->data: the Ethernet header when pkt_mh + 14 = pkt_nh = the
 * data offset (a reader checks that; otherwise they are headroom and mean nothing).
 * report/hop-bytes.c reads them back.
 * No chunk is 4 or 16 bytes long: the decoder shows arrays of those sizes as addresses.
 */
#define VX_SNAPLEN_DEFAULT 128
#define VX_SNAPLEN_MAX 512
#define VX_SNAPLEN_CHUNK 64
#define VX_SNAPLEN_L2 14
/* vx_snaplen_chunks - split @snaplen into chunk sizes (@sizes has room for
 * VX_SNAPLEN_MAX / 8 + 2 of them); returns how many */
int vx_snaplen_chunks(int snaplen, int *sizes);
/* vx_skb_fetch_bytes - append the fetch arguments above for @snaplen (> 0) bytes; nothing
 * when @l lacks an offset they need */
void vx_skb_fetch_bytes(const struct vx_skb_layout *l, const char *reg, int snaplen, bool rx,
			struct strbuf *out);

#endif
