/* test-hop-bytes.c: packet bytes back from a kprobe hop's fields (report/hop-bytes.c), on
 * the fields of real events of samples/wire-b.db (node-b of the two-guest lab, 6.1, record
 * --snaplen 128): the outer VXLAN packet received on eth0 (an Ethernet frame: the MAC
 * header before skb->data), the echo reply leaving the pod (raw IP, no MAC header yet), the
 * tunnel's transmit (the outer UDP header), and damaged or partial fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/strbuf.h"
#include "report/hop-bytes.h"

#define F(k, v) { k, v }

/* vxanalyze:ip_rcv on node-b's eth0: the encapsulated echo request, 134 bytes */
static struct vx_field rcv[] = {
	F("skb", "0xffff8a223ff1e700"), F("len", "134"), F("ip_vihl", "69"),
	F("pkt_head", "0xffff8a2205da0800"), F("pkt_data", "0xffff8a2205da084e"), F("pkt_dlen", "0"),
	F("pkt_nh", "78"), F("pkt_mh", "64"), F("pkt_l2", "0x5254001234025254001234010800"),
	F("pkt0", "0x45000086380a000040115d09c0a83201c0a83202c90612b50072fb4f0800000000100000662222222222"
		  "661111111111080045000054b56940003f016d4c0af4"),
	F("pkt1", "0x01050af402070800e74c00b000002401ec0100000000000000000000000000000000000000000000000000"
		  "000000000000000000000000000000000000000000"),
};

/* vxanalyze:ip_output in pod p2: the echo reply, built here, no MAC header (pkt_mh unset) */
static struct vx_field out[] = {
	F("skb", "0xffff8a223ff1e400"), F("len", "84"), F("pkt_head", "0xffff8a223fe2ac00"),
	F("pkt_data", "0xffff8a223fe2ac10"), F("pkt_dlen", "0"), F("pkt_nh", "16"), F("pkt_mh", "65535"),
	F("pkt0", "0x45000054640d00004001fda80af402070af401050000ef4c00b000002401ec01000000000000000000000000"
		  "0000000000000000000000000000000000000000"),
	F("pkt1", "0x0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
		  "0000000000000000000000000000000000000000"),
};

/* vxanalyze:iptunnel_xmit on node-b: skb->data at the outer UDP header, 114 bytes */
static struct vx_field tun[] = {
	F("skb", "0xffff8a223ff1e400"), F("len", "114"), F("out_src", "36874432"), F("out_dst", "20097216"),
	F("pkt_head", "0xffff8a220293c400"), F("pkt_data", "0xffff8a220293c432"), F("pkt_dlen", "0"),
	F("pkt_nh", "80"), F("pkt_mh", "66"),
	F("pkt0", "0x93e112b50072e5d70800000000100000661111111111662222222222080045000054640d00003f01fea80a"
		  "f402070af401050000ef4c00b000002401ec010000"),
	F("pkt1", "0x0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
		  "0000000000000000000000000000000000000000"),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct vx_field *field(struct vx_field *f, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].key, key))
			return &f[i];
	return NULL;
}

static void test_receive_is_an_ethernet_frame_from_the_mac_header(void **state)
{
	struct vx_hop_bytes b;

	(void)state;
	assert_int_equal(vx_hop_bytes_from_fields(rcv, N(rcv), &b), VX_HOP_BYTES);
	assert_int_equal(b.at, VX_BYTES_ETHERNET);
	assert_true(b.rx);
	/* 128 bytes read, all of them the packet's (134), then the 14 of the MAC header */
	assert_int_equal(b.caplen, 128 + 14);
	assert_int_equal(b.origlen, 134 + 14);
	assert_memory_equal(b.data, "\x52\x54\x00\x12\x34\x02\x52\x54\x00\x12\x34\x01\x08\x00\x45\x00", 16);
	/* the VXLAN header: flags 0x08, VNI 4096 (0x001000) */
	assert_memory_equal(b.data + 14 + 28, "\x08\x00\x00\x00\x00\x10\x00\x00", 8);
}

/* without the MAC header exactly before skb->data the bytes stay raw IP */
static void test_receive_without_mac_header_there_is_raw_ip(void **state)
{
	struct vx_hop_bytes b;
	struct vx_field *mh = field(rcv, N(rcv), "pkt_mh");
	const char *keep = mh->value;

	(void)state;
	mh->value = "66";
	assert_int_equal(vx_hop_bytes_from_fields(rcv, N(rcv), &b), VX_HOP_BYTES);
	assert_int_equal(b.at, VX_BYTES_IP);
	assert_int_equal(b.caplen, 128);
	assert_int_equal(b.origlen, 134);
	assert_int_equal(b.data[0], 0x45);
	mh->value = "60";	/* a MAC header further back: headroom lies before skb->data */
	assert_int_equal(vx_hop_bytes_from_fields(rcv, N(rcv), &b), VX_HOP_BYTES);
	assert_int_equal(b.at, VX_BYTES_IP);
	mh->value = "65535";
	assert_int_equal(vx_hop_bytes_from_fields(rcv, N(rcv), &b), VX_HOP_BYTES);
	assert_int_equal(b.at, VX_BYTES_IP);
	mh->value = keep;
}

/* the bytes count up to the packet's length: past it the kprobe read other memory */
static void test_transmit_is_raw_ip_cut_at_the_packet_length(void **state)
{
	struct vx_hop_bytes b;

	(void)state;
	assert_int_equal(vx_hop_bytes_from_fields(out, N(out), &b), VX_HOP_BYTES);
	assert_int_equal(b.at, VX_BYTES_IP);
	assert_false(b.rx);
	assert_int_equal(b.caplen, 84);
	assert_int_equal(b.origlen, 84);
	assert_memory_equal(b.data + 12, "\x0a\xf4\x02\x07\x0a\xf4\x01\x05", 8);	/* 10.244.2.7 -> 10.244.1.5 */
}

/* pages behind the linear part (skb->data_len) are not behind skb->data */
static void test_paged_part_is_not_captured(void **state)
{
	struct vx_hop_bytes b;
	struct vx_field *dl = field(out, N(out), "pkt_dlen");

	(void)state;
	dl->value = "50";
	assert_int_equal(vx_hop_bytes_from_fields(out, N(out), &b), VX_HOP_BYTES);
	assert_int_equal(b.caplen, 34);
	assert_int_equal(b.origlen, 84);
	dl->value = "85";	/* more paged than the packet: damaged */
	assert_int_equal(vx_hop_bytes_from_fields(out, N(out), &b), VX_HOP_BYTES_UNKNOWN);
	dl->value = "0";
}

/* iptunnel_xmit: the outer UDP header (its length is the skb's) and the outer addresses
 * from the function's arguments (little-endian words of network-order bytes) */
static void test_tunnel_transmit_is_udp_with_the_outer_addresses(void **state)
{
	struct vx_hop_bytes b;
	struct vx_field *len = field(tun, N(tun), "len");

	(void)state;
	assert_int_equal(vx_hop_bytes_from_fields(tun, N(tun), &b), VX_HOP_BYTES);
	assert_int_equal(b.at, VX_BYTES_UDP);
	assert_int_equal(b.caplen, 114);
	assert_memory_equal(b.out_src, "\xc0\xa8\x32\x02", 4);	/* 192.168.50.2: node-b */
	assert_memory_equal(b.out_dst, "\xc0\xa8\x32\x01", 4);
	assert_memory_equal(b.data + 2, "\x12\xb5", 2);	/* port 4789 */
	/* a header whose length is not the skb's is not a UDP header: the start is unknown */
	len->value = "115";
	assert_int_equal(vx_hop_bytes_from_fields(tun, N(tun), &b), VX_HOP_BYTES_UNKNOWN);
	len->value = "114";
}

/* ftrace text prints the arrays as {69,0,...}: the same bytes */
static void test_ftrace_text_arrays(void **state)
{
	struct vx_field f[] = {
		F("len", "20"), F("pkt_head", "0x1000"), F("pkt_data", "0x1010"), F("pkt_dlen", "0"),
		F("pkt_nh", "16"), F("pkt_mh", "65535"),
		F("pkt0", "{69,0,0,20,0,1,0,0,64,1,0,0,10,244,1,5,10,244,2,7,0,0}"),
	};
	struct vx_hop_bytes b;

	(void)state;
	assert_int_equal(vx_hop_bytes_from_fields(f, N(f), &b), VX_HOP_BYTES);
	assert_int_equal(b.caplen, 20);
	assert_memory_equal(b.data + 16, "\x0a\xf4\x02\x07", 4);
	f[6].value = "{69,0,256}";
	assert_int_equal(vx_hop_bytes_from_fields(f, N(f), &b), VX_HOP_BYTES_UNKNOWN);
	f[6].value = "{69,0,";
	assert_int_equal(vx_hop_bytes_from_fields(f, N(f), &b), VX_HOP_BYTES_UNKNOWN);
}

/* no pkt0: no bytes; damaged hex, offsets or lengths: bytes of unknown start, never a crash */
static void test_missing_and_damaged_fields(void **state)
{
	static const char *const bad[][2] = {
		{ "pkt0", "0x4" }, { "pkt0", "0xzz" }, { "pkt0", "45" }, { "pkt0", "0x" },
		{ "pkt_head", "0xffff8a223fe2ad00" }, { "pkt_data", "nope" }, { "pkt_nh", "-1" },
		{ "pkt_nh", "" }, { "len", "0" }, { "len", "99999999999999999999" }, { "pkt_mh", "x" },
	};
	struct vx_hop_bytes b;

	(void)state;
	assert_int_equal(vx_hop_bytes_from_fields(out, 2, &b), VX_HOP_NO_BYTES);
	assert_int_equal(vx_hop_bytes_from_fields(NULL, 0, &b), VX_HOP_NO_BYTES);
	for (size_t i = 0; i < N(bad); i++) {
		struct vx_field *f = field(out, N(out), bad[i][0]);
		const char *keep = f->value;

		f->value = bad[i][1];
		assert_int_equal(vx_hop_bytes_from_fields(out, N(out), &b), VX_HOP_BYTES_UNKNOWN);
		f->value = keep;
	}
	/* more bytes than a hop can hold */
	{
		struct strbuf big = STRBUF_INIT;
		struct vx_field *f = field(out, N(out), "pkt1");
		const char *keep = f->value;

		strbuf_addstr(&big, "0x");
		for (int i = 0; i < 1000; i++)
			strbuf_addstr(&big, "00");
		f->value = big.buf;
		assert_int_equal(vx_hop_bytes_from_fields(out, N(out), &b), VX_HOP_BYTES_UNKNOWN);
		f->value = keep;
		strbuf_release(&big);
	}
	assert_int_equal(vx_hop_bytes_from_fields(out, N(out), &b), VX_HOP_BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receive_is_an_ethernet_frame_from_the_mac_header),
		cmocka_unit_test(test_receive_without_mac_header_there_is_raw_ip),
		cmocka_unit_test(test_transmit_is_raw_ip_cut_at_the_packet_length),
		cmocka_unit_test(test_paged_part_is_not_captured),
		cmocka_unit_test(test_tunnel_transmit_is_udp_with_the_outer_addresses),
		cmocka_unit_test(test_ftrace_text_arrays),
		cmocka_unit_test(test_missing_and_damaged_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
