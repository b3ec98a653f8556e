/* record-btf.c: sk_buff and net_device offsets from BTF (see record-btf.h), through libbpf.
 * Must not: parse BTF by hand, or print.
 */
#include "record-btf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "core/error.h"
#include "core/strbuf.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/*
 * member_offset - bit offset of member @name in struct/union @type_id, searching the
 * anonymous members' types too (sk_buff keeps data/head/len in nested unions and structs).
 * -1 when absent. @size receives the member's byte size when it is found.
 */
static long member_offset(const struct btf *btf, int type_id, const char *name, long *size, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, (unsigned int)type_id);
	const struct btf_member *m;

	if (!t || depth > 8 || (!btf_is_struct(t) && !btf_is_union(t)))
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		long bit = (long)btf_member_bit_offset(t, (unsigned int)i);

		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			*size = (long)btf__resolve_size(btf, m->type);
			return bit;
		}
		/* an anonymous struct or union: the member may be inside */
		int inner = btf__resolve_type(btf, m->type);
		long off = inner > 0 ? member_offset(btf, inner, name, size, depth + 1) : -1;

		if (off >= 0)
			return bit + off;
	}
	return -1;
}

static int byte_offset(const struct btf *btf, int type_id, const char *name, long *size)
{
	long s = 0, bit = member_offset(btf, type_id, name, &s, 0);

	if (size)
		*size = s;
	return bit < 0 || bit % 8 ? -1 : (int)(bit / 8);
}

int vx_skb_layout_load(const char *btf_path, struct vx_skb_layout *out)
{
	const char *path = btf_path ? btf_path : VMLINUX_BTF;
	struct btf *btf = btf__parse(path, NULL);
	int skb, netdev;
	long hsize = 0;

	memset(out, -1, sizeof(*out));
	if (!btf) {
		int e = errno;

		if (e == ENOENT && !btf_path)
			return vx_error("%s: no BTF: the kernel was built without CONFIG_DEBUG_INFO_BTF; "
					"packet headers cannot be read", path);
		return vx_error("%s: cannot read BTF: %s", path, strerror(e));
	}
	skb = btf__find_by_name_kind(btf, "sk_buff", BTF_KIND_STRUCT);
	netdev = btf__find_by_name_kind(btf, "net_device", BTF_KIND_STRUCT);
	if (skb < 0) {
		btf__free(btf);
		return vx_error("%s: no struct sk_buff in this BTF", path);
	}
	out->data = byte_offset(btf, skb, "data", NULL);
	out->head = byte_offset(btf, skb, "head", NULL);
	out->len = byte_offset(btf, skb, "len", NULL);
	out->data_len = byte_offset(btf, skb, "data_len", NULL);
	out->next = byte_offset(btf, skb, "next", NULL);
	out->dev = byte_offset(btf, skb, "dev", NULL);
	out->network_header = byte_offset(btf, skb, "network_header", &hsize);
	out->header_size = out->network_header >= 0 ? (int)hsize : -1;
	out->transport_header = byte_offset(btf, skb, "transport_header", NULL);
	out->mac_header = byte_offset(btf, skb, "mac_header", NULL);
	out->sk_buff_size = (int)btf__resolve_size(btf, (unsigned int)skb);
	out->dev_name = netdev > 0 ? byte_offset(btf, netdev, "name", NULL) : -1;
	btf__free(btf);
	if (out->data < 0 || out->head < 0 || out->network_header < 0)
		return vx_error("%s: struct sk_buff has no data, head or network_header member", path);
	return 0;
}

/* one fetch argument NAME=+OFF(+DATA(%REG)):TYPE, a header byte behind skb->data */
static void at_data(struct strbuf *out, const struct vx_skb_layout *l, const char *reg,
		    const char *name, int off, const char *type)
{
	strbuf_addf(out, " %s=+%d(+%d(%%%s)):%s", name, off, l->data, reg, type);
}

/* the IP header at @base behind skb->data and the first 16 bytes after a 20-byte header */
static void ip_fields(struct strbuf *out, const struct vx_skb_layout *l, const char *reg,
		      const char *prefix, int base, int l4_words)
{
	static const struct { const char *name; int off; const char *type; } ip[] = {
		{ "ip_vihl", 0, "u8" }, { "ip_id", 4, "u16" }, { "ip_ttl", 8, "u8" },
		{ "ip_proto", 9, "u8" }, { "ip_src", 12, "u32" }, { "ip_dst", 16, "u32" },
	};
	char name[32];

	for (size_t i = 0; i < sizeof(ip) / sizeof(ip[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", prefix, ip[i].name);
		at_data(out, l, reg, name, base + ip[i].off, ip[i].type);
	}
	for (int w = 0; w < l4_words; w++) {
		snprintf(name, sizeof(name), "%sl4_w%d", prefix, w);
		at_data(out, l, reg, name, base + 20 + 4 * w, "u32");
	}
}

void vx_skb_fetchargs(const struct vx_skb_layout *l, const char *reg, enum vx_skb_at at,
		      struct strbuf *out)
{
	strbuf_addf(out, "skb=%%%s:x64", reg);
	if (l->len >= 0)
		strbuf_addf(out, " len=+%d(%%%s):u32", l->len, reg);
	if (l->data < 0)
		return;
	if (at == VX_SKB_AT_IP) {
		ip_fields(out, l, reg, "", 0, 4);
		return;
	}
	if (at == VX_SKB_AT_IP6) {
		/* version and traffic class (byte 0), next header (6), hop limit (7), the
		 * addresses as four words each (8, 24), then the first 16 bytes after the
		 * 40-byte header */
		char name[16];

		at_data(out, l, reg, "ip6_vtc", 0, "u8");
		at_data(out, l, reg, "ip6_nh", 6, "u8");
		at_data(out, l, reg, "ip6_hlim", 7, "u8");
		for (int i = 0; i < 8; i++) {
			snprintf(name, sizeof(name), "ip6_%s%d", i < 4 ? "src" : "dst", i % 4);
			at_data(out, l, reg, name, 8 + 4 * i, "u32");
		}
		for (int w = 0; w < 4; w++) {
			snprintf(name, sizeof(name), "l4_w%d", w);
			at_data(out, l, reg, name, 40 + 4 * w, "u32");
		}
		return;
	}
	/* UDP (8 bytes), VXLAN (8: VNI in bytes 4-6), inner Ethernet (14), inner IP */
	if (!strcmp(reg, "dx"))	/* iptunnel_xmit(sk, rt, skb, src, dst, ...): the outer addresses */
		strbuf_addstr(out, " out_src=%cx:u32 out_dst=%r8:u32");
	at_data(out, l, reg, "udp_w0", 0, "u32");
	at_data(out, l, reg, "vx_w1", 12, "u32");
	ip_fields(out, l, reg, "in_", 8 + 8 + 14, 2);
}

int vx_snaplen_chunks(int snaplen, int *sizes)
{
	int n = 0;

	for (int left = snaplen; left > 0; left -= sizes[n++])
		sizes[n] = left > VX_SNAPLEN_CHUNK ? VX_SNAPLEN_CHUNK : left;
	if (!n)
		return 0;
	/* a last chunk of 4 or 16 bytes would read back as an IPv4 or IPv6 address: it takes
	 * 4 or 8 bytes from the chunk before (64 -> 60 + 8, 56 + 24), or alone splits in two */
	if (sizes[n - 1] == 4 || sizes[n - 1] == 16) {
		int give = sizes[n - 1] == 4 ? 4 : 8;

		if (n > 1) {
			sizes[n - 2] -= give;
			sizes[n - 1] += give;
		} else {
			sizes[0] = sizes[0] == 4 ? 3 : 8;
			sizes[n++] = sizes[0] == 3 ? 1 : 8;
		}
	}
	return n;
}

void vx_skb_fetch_bytes(const struct vx_skb_layout *l, const char *reg, int snaplen, bool rx,
			struct strbuf *out)
{
	int sizes[VX_SNAPLEN_MAX / 8 + 2], n, at = 0;
	const char *hdr = l->header_size == 2 ? "u16" : l->header_size == 4 ? "u32" : NULL;

	if (snaplen <= 0 || l->data < 0 || l->head < 0 || l->data_len < 0 || l->network_header < 0 ||
	    l->mac_header < 0 || !hdr)
		return;
	if (snaplen > VX_SNAPLEN_MAX)
		snaplen = VX_SNAPLEN_MAX;
	strbuf_addf(out, " pkt_head=+%d(%%%s):x64 pkt_data=+%d(%%%s):x64 pkt_dlen=+%d(%%%s):u32"
		    " pkt_nh=+%d(%%%s):%s pkt_mh=+%d(%%%s):%s", l->head, reg, l->data, reg, l->data_len, reg,
		    l->network_header, reg, hdr, l->mac_header, reg, hdr);
	if (rx)
		strbuf_addf(out, " pkt_l2=-%d(+%d(%%%s)):u8[%d]", VX_SNAPLEN_L2, l->data, reg, VX_SNAPLEN_L2);
	n = vx_snaplen_chunks(snaplen, sizes);
	for (int i = 0; i < n; i++) {
		strbuf_addf(out, " pkt%d=+%d(+%d(%%%s)):u8[%d]", i, at, l->data, reg, sizes[i]);
		at += sizes[i];
	}
}
