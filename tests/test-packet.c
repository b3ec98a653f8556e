/* test-packet.c: a hop's packet identity from the header words a kprobe reads behind
 * skb->data (report/packet.c): byte order, ICMP/UDP/TCP fields, the VXLAN VNI and the inner
 * packet. The values are the words an x86-64 kprobe prints for the lab's packets (the
 * qemu-kprobe test checks the same decoding on a live 6.1 guest).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "report/packet.h"

/* a little-endian word of four header bytes, as "%u" like a kprobe's :u32 */
static void word(char *out, size_t n, unsigned b0, unsigned b1, unsigned b2, unsigned b3)
{
	snprintf(out, n, "%u", b0 | b1 << 8 | b2 << 16 | b3 << 24);
}

static void test_packet_icmp_echo_at_ip_output(void **state)
{
	char src[16], dst[16], w0[16], w1[16];
	struct vx_packet p;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	word(src, sizeof(src), 10, 244, 1, 5);
	word(dst, sizeof(dst), 10, 244, 2, 7);
	word(w0, sizeof(w0), 8, 0, 0x12, 0x34);		/* echo request, code 0, checksum */
	word(w1, sizeof(w1), 0x00, 0x9b, 0x00, 0x03);	/* id 155, seq 3 */
	struct vx_field f[] = { { "skb", "0xffff8880" }, { "ip_vihl", "69" }, { "ip_id", "57876" },
				{ "ip_ttl", "64" }, { "ip_proto", "1" }, { "ip_src", src }, { "ip_dst", dst },
				{ "l4_w0", w0 }, { "l4_w1", w1 } };
	struct vx_rec r = { .name = "vxanalyze:ip_output", .fields = f, .nfields = 9 };

	assert_true(vx_packet_from_rec(&r, &p));
	assert_true(p.ip.known);
	assert_string_equal(p.ip.src, "10.244.1.5");
	assert_string_equal(p.ip.dst, "10.244.2.7");
	assert_int_equal(p.ip.proto, 1);
	assert_int_equal(p.ip.ttl, 64);
	assert_int_equal(p.ip.ip_id, 0x14e2);		/* 57876 = bytes e2 14 in memory */
	assert_int_equal(p.ip.icmp_type, 8);
	assert_int_equal(p.ip.icmp_id, 155);
	assert_int_equal(p.ip.icmp_seq, 3);
	assert_int_equal(p.vni, -1);
	assert_false(p.inner.known);
	vx_packet_describe(&p, &sb);
	assert_string_equal(sb.buf, "icmp 10.244.1.5 \xe2\x86\x92 10.244.2.7 echo request id 155 seq 3, "
			    "ttl 64, ip id 5346");
	strbuf_release(&sb);
}

static void test_packet_vxlan_outer_and_inner_at_iptunnel_xmit(void **state)
{
	char udp[16], vx[16], src[16], dst[16], isrc[16], idst[16], iw1[16];
	struct vx_packet p;

	(void)state;
	word(udp, sizeof(udp), 0xd9, 0x64, 0x12, 0xb5);	/* sport 55652, dport 4789 */
	word(vx, sizeof(vx), 0x00, 0x10, 0x00, 0x00);	/* VNI 0x001000 = 4096, reserved */
	word(src, sizeof(src), 192, 168, 50, 1);
	word(dst, sizeof(dst), 192, 168, 50, 2);
	word(isrc, sizeof(isrc), 10, 244, 1, 5);
	word(idst, sizeof(idst), 10, 244, 2, 7);
	word(iw1, sizeof(iw1), 0x00, 0x9b, 0x00, 0x00);
	struct vx_field f[] = { { "out_src", src }, { "out_dst", dst }, { "udp_w0", udp }, { "vx_w1", vx },
				{ "in_ip_vihl", "69" }, { "in_ip_proto", "1" }, { "in_ip_src", isrc },
				{ "in_ip_dst", idst }, { "in_ip_ttl", "63" }, { "in_l4_w0", "8" },
				{ "in_l4_w1", iw1 } };
	struct vx_rec r = { .name = "vxanalyze:iptunnel_xmit", .fields = f, .nfields = 11 };

	assert_true(vx_packet_from_rec(&r, &p));
	assert_string_equal(p.ip.src, "192.168.50.1");
	assert_string_equal(p.ip.dst, "192.168.50.2");
	assert_int_equal(p.ip.proto, 17);
	assert_int_equal(p.ip.sport, 55652);
	assert_int_equal(p.ip.dport, 4789);
	assert_int_equal(p.vni, 4096);
	assert_true(p.inner.known);
	assert_string_equal(p.inner.src, "10.244.1.5");
	assert_int_equal(p.inner.ttl, 63);
	assert_int_equal(p.inner.icmp_type, 8);
	assert_int_equal(p.inner.icmp_seq, 0);
}

static void test_packet_tcp_and_what_is_not_ipv4(void **state)
{
	char w0[16], w1[16], w3[16];
	struct vx_packet p;

	(void)state;
	word(w0, sizeof(w0), 0xc3, 0x50, 0x00, 0x50);	/* 50000 -> 80 */
	word(w1, sizeof(w1), 0x01, 0x02, 0x03, 0x04);	/* seq 0x01020304 */
	word(w3, sizeof(w3), 0x50, 0x18, 0xff, 0xff);	/* data offset 5, flags PSH|ACK */
	struct vx_field tcp[] = { { "ip_vihl", "69" }, { "ip_proto", "6" }, { "ip_src", "16777343" },
				  { "ip_dst", "16777343" }, { "l4_w0", w0 }, { "l4_w1", w1 }, { "l4_w3", w3 } };
	struct vx_rec r = { .name = "vxanalyze:ip_output", .fields = tcp, .nfields = 7 };

	assert_true(vx_packet_from_rec(&r, &p));
	assert_string_equal(p.ip.src, "127.0.0.1");
	assert_int_equal(p.ip.sport, 50000);
	assert_int_equal(p.ip.dport, 80);
	assert_int_equal(p.ip.tcp_seq, 0x01020304);
	assert_int_equal(p.ip.tcp_flags, 0x18);
	/* IPv6 (version 6) or ARP bytes behind skb->data are no IPv4 header */
	tcp[0].value = "96";
	assert_false(vx_packet_from_rec(&r, &p));
	/* IP options: addresses are known, the L4 words are not where they were read */
	tcp[0].value = "70";
	assert_true(vx_packet_from_rec(&r, &p));
	assert_int_equal(p.ip.sport, -1);
	/* a tracepoint without header fields */
	struct vx_rec tp = { .name = "net:net_dev_start_xmit" };
	assert_false(vx_packet_from_rec(&tp, &p));
}

/* the IPv6 fields of ip6_output / ip6_rcv: fd00::1 -> fd00::2, 4 words per address */
static void ip6_fields(struct vx_field *f, char w[][16], unsigned nh, unsigned w0b[4], unsigned w1b[4])
{
	static const unsigned char src[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const unsigned char dst[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	static const char *const names[] = { "ip6_src0", "ip6_src1", "ip6_src2", "ip6_src3", "ip6_dst0",
					     "ip6_dst1", "ip6_dst2", "ip6_dst3", "l4_w0", "l4_w1" };

	for (int i = 0; i < 8; i++) {
		const unsigned char *a = i < 4 ? src + 4 * i : dst + 4 * (i - 4);

		word(w[i], 16, a[0], a[1], a[2], a[3]);
	}
	word(w[8], 16, w0b[0], w0b[1], w0b[2], w0b[3]);
	word(w[9], 16, w1b[0], w1b[1], w1b[2], w1b[3]);
	snprintf(w[10], 16, "%u", nh);
	f[0] = (struct vx_field){ "ip6_vtc", "96" };	/* version 6, traffic class 0 */
	f[1] = (struct vx_field){ "ip6_nh", w[10] };
	f[2] = (struct vx_field){ "ip6_hlim", "64" };
	for (int i = 0; i < 10; i++)
		f[3 + i] = (struct vx_field){ names[i], w[i] };
}

static void test_packet_ipv6_icmp6_echo_and_neighbour_discovery(void **state)
{
	char w[11][16];
	struct vx_field f[13];
	unsigned echo0[4] = { 128, 0, 0xab, 0xcd }, echo1[4] = { 0x12, 0x34, 0x00, 0x05 };
	unsigned ns0[4] = { 135, 0, 0, 0 }, ns1[4] = { 0, 0, 0, 0 };
	unsigned udp0[4] = { 0x9c, 0x40, 0x00, 0x35 };	/* 40000 -> 53 */
	struct vx_rec r = { .name = "vxanalyze:ip6_output", .fields = f, .nfields = 13 };
	struct vx_packet p;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	ip6_fields(f, w, 58, echo0, echo1);
	assert_true(vx_packet_from_rec(&r, &p));
	assert_true(p.ip.known);
	assert_int_equal(p.ip.version, 6);
	assert_string_equal(p.ip.src, "fd00::1");
	assert_string_equal(p.ip.dst, "fd00::2");
	assert_int_equal(p.ip.proto, 58);
	assert_int_equal(p.ip.ttl, 64);
	assert_int_equal(p.ip.ip_id, -1);
	assert_int_equal(p.ip.icmp_type, 128);
	assert_int_equal(p.ip.icmp_id, 0x1234);
	assert_int_equal(p.ip.icmp_seq, 5);
	vx_packet_describe(&p, &sb);
	assert_string_equal(sb.buf, "icmp6 fd00::1 \xe2\x86\x92 fd00::2 echo request id 4660 seq 5, hop limit 64");

	/* neighbour solicitation: the second word is no id and sequence */
	ip6_fields(f, w, 58, ns0, ns1);
	assert_true(vx_packet_from_rec(&r, &p));
	assert_int_equal(p.ip.icmp_type, 135);
	assert_int_equal(p.ip.icmp_id, -1);
	strbuf_reset(&sb);
	vx_packet_describe(&p, &sb);
	assert_string_equal(sb.buf, "icmp6 fd00::1 \xe2\x86\x92 fd00::2 type 135, hop limit 64");

	/* UDP over IPv6: the ports right after the 40-byte header */
	ip6_fields(f, w, 17, udp0, ns1);
	assert_true(vx_packet_from_rec(&r, &p));
	assert_int_equal(p.ip.sport, 40000);
	assert_int_equal(p.ip.dport, 53);
	assert_int_equal(p.ip.icmp_type, -1);

	/* a version nibble that is not 6: not an IPv6 header */
	f[0].value = "69";
	assert_false(vx_packet_from_rec(&r, &p));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_icmp_echo_at_ip_output),
		cmocka_unit_test(test_packet_vxlan_outer_and_inner_at_iptunnel_xmit),
		cmocka_unit_test(test_packet_tcp_and_what_is_not_ipv4),
		cmocka_unit_test(test_packet_ipv6_icmp6_echo_and_neighbour_discovery),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
