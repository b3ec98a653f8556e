/* hop-bytes.c: packet bytes of a kprobe hop back from its fields (see hop-bytes.h). Where
 * the bytes start is told by the skb's own offsets read with them: skb->data - skb->head
 * equal to the network header offset is an IP header, equal to the MAC header offset an
 * Ethernet header; the 14 bytes a receive probe read before skb->data are the MAC header
 * only when the MAC header sits exactly there. Must not: touch the store, or print.
 */
#include "hop-bytes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L2_LEN 14
#define HDR_UNSET 0xffff	/* skb's u16 header offsets when not set */

static const char *get(const struct vx_field *f, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].key && f[i].value && !strcmp(f[i].key, key))
			return f[i].value;
	return NULL;
}

/* a decimal number of the fields, false when absent or not one */
static bool get_num(const struct vx_field *f, size_t n, const char *key, uint64_t *v)
{
	const char *s = get(f, n, key);
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !*end && !errno;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* chunk_parse - append the bytes of chunk @s ("0x4500..." or "{69,0,...}") to @out, which has
 * room for @room more; their number, or -1 when @s is neither or does not fit */
static long chunk_parse(const char *s, unsigned char *out, size_t room)
{
	size_t k = 0;

	if (s[0] == '0' && s[1] == 'x') {
		for (s += 2; *s; s += 2) {
			int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

			if (lo < 0 || k == room)
				return -1;
			out[k++] = (unsigned char)(hi << 4 | lo);
		}
		return k ? (long)k : -1;
	}
	if (*s++ != '{')
		return -1;
	while (*s != '}') {
		char *end;
		unsigned long v;

		if (!isxdigit((unsigned char)*s) || k == room)
			return -1;
		v = strtoul(s, &end, 0);	/* %u, or %x as 0x.. */
		if (end == s || v > 255 || (*end != ',' && *end != '}'))
			return -1;
		out[k++] = (unsigned char)v;
		s = *end == ',' ? end + 1 : end;
	}
	return s[1] || !k ? -1 : (long)k;
}

/* the chunks pkt0, pkt1, ... into @out (room @room); their total, -1 when one is damaged */
static long chunks_parse(const struct vx_field *f, size_t n, unsigned char *out, size_t room)
{
	size_t total = 0;

	for (int i = 0;; i++) {
		char key[16];
		const char *s;
		long got;

		snprintf(key, sizeof(key), "pkt%d", i);
		if (!(s = get(f, n, key)))
			return (long)total;
		if ((got = chunk_parse(s, out + total, room - total)) < 0)
			return -1;
		total += (size_t)got;
	}
}

/* an IPv4 address the recorder read from a register as a little-endian u32 (decimal) */
static bool reg_addr(const struct vx_field *f, size_t n, const char *key, unsigned char a[4])
{
	uint64_t v;

	if (!get_num(f, n, key, &v) || v > 0xffffffffu)
		return false;
	for (int i = 0; i < 4; i++)
		a[i] = (unsigned char)(v >> (8 * i));
	return true;
}

/* where the bytes start, from the skb's offsets; @l2 the 14 bytes before data, or NULL */
static enum vx_hop_bytes_result locate(const struct vx_field *f, size_t n, struct vx_hop_bytes *b,
				       const unsigned char *l2, uint64_t len)
{
	uint64_t head = vx_parse_hex_u64(get(f, n, "pkt_head")), data = vx_parse_hex_u64(get(f, n, "pkt_data"));
	uint64_t nh, mh, off = data - head;

	if (!head || data < head || off >= HDR_UNSET || !get_num(f, n, "pkt_nh", &nh) ||
	    !get_num(f, n, "pkt_mh", &mh) || !b->caplen)
		return VX_HOP_BYTES_UNKNOWN;
	if (off == nh && (b->data[0] >> 4 == 4 || b->data[0] >> 4 == 6)) {
		b->at = VX_BYTES_IP;
		if (l2 && mh < HDR_UNSET && mh + L2_LEN == nh) {
			memmove(b->data + L2_LEN, b->data, b->caplen);
			memcpy(b->data, l2, L2_LEN);
			b->caplen += L2_LEN;
			b->origlen += L2_LEN;
			b->at = VX_BYTES_ETHERNET;
		}
		return VX_HOP_BYTES;
	}
	if (mh < HDR_UNSET && off == mh) {
		b->at = VX_BYTES_ETHERNET;
		return VX_HOP_BYTES;
	}
	/* a UDP tunnel before the outer IP header: a UDP header whose length is the skb's */
	if (b->caplen >= 8 && (uint64_t)(b->data[4] << 8 | b->data[5]) == len &&
	    reg_addr(f, n, "out_src", b->out_src) && reg_addr(f, n, "out_dst", b->out_dst)) {
		b->at = VX_BYTES_UDP;
		return VX_HOP_BYTES;
	}
	return VX_HOP_BYTES_UNKNOWN;
}

enum vx_hop_bytes_result vx_hop_bytes_from_fields(const struct vx_field *f, size_t n, struct vx_hop_bytes *b)
{
	unsigned char l2[L2_LEN];
	const char *l2s = get(f, n, "pkt_l2");
	uint64_t len, dlen = 0;
	long got;

	memset(b, 0, offsetof(struct vx_hop_bytes, data));
	if (!get(f, n, "pkt0"))
		return VX_HOP_NO_BYTES;
	got = chunks_parse(f, n, b->data, VX_HOP_BYTES_MAX - L2_LEN);
	if (got <= 0 || !get_num(f, n, "len", &len) || len > 0xffffffffu - L2_LEN - 64)
		return VX_HOP_BYTES_UNKNOWN;
	if (get(f, n, "pkt_dlen") && (!get_num(f, n, "pkt_dlen", &dlen) || dlen > len))
		return VX_HOP_BYTES_UNKNOWN;
	/* only the linear part lies behind skb->data; past it the read went into other memory */
	b->caplen = (uint32_t)((uint64_t)got < len - dlen ? (uint64_t)got : len - dlen);
	b->origlen = (uint32_t)len;
	b->rx = l2s != NULL;
	if (l2s && chunk_parse(l2s, l2, sizeof(l2)) != L2_LEN)
		l2s = NULL;
	return locate(f, n, b, l2s ? l2 : NULL, len);
}
