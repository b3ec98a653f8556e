/* test-record.c: the parts of the recorder that need no root: name checks (nothing but a
 * plain identifier may reach kprobe_events), preset expansion and resolution, kernel_stack
 * attachment to the preceding event of the same CPU, raw-record decoding with
 * libtraceevent on this kernel's real formats (copied below from 6.18's tracefs), the
 * default ring size and the spool directory's life cycle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event-parse.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/record-int.h"
#include "record/record-btf.h"
#include "core/error.h"

/* ---------------------------------------------------------------- names */

static void test_func_name_valid_rejects_injection(void **state)
{
	char longname[200];

	assert_true(vx_func_name_valid("ip_output"));
	assert_true(vx_func_name_valid("fib_check_nh_v4_gw"));
	assert_true(vx_func_name_valid("do_softirq.part.0"));
	assert_false(vx_func_name_valid(""));
	assert_false(vx_func_name_valid(NULL));
	assert_false(vx_func_name_valid("ip_output skb=%di"));
	assert_false(vx_func_name_valid("ip_output\np:evil/x ksys_read"));
	assert_false(vx_func_name_valid("x;rm"));
	assert_false(vx_func_name_valid("p:grp/ev"));
	assert_false(vx_func_name_valid("$retval"));
	assert_false(vx_func_name_valid("ip_output+0x10"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(vx_func_name_valid(longname));
}

static void test_event_name_valid_wants_system_colon_event(void **state)
{
	assert_true(vx_event_name_valid("net:netif_rx"));
	assert_true(vx_event_name_valid("skb:kfree_skb"));
	assert_false(vx_event_name_valid("netif_rx"));
	assert_false(vx_event_name_valid(":netif_rx"));
	assert_false(vx_event_name_valid("net:"));
	assert_false(vx_event_name_valid("net:a:b"));
	assert_false(vx_event_name_valid("../net:x"));
	assert_false(vx_event_name_valid("net:netif rx"));
	assert_false(vx_event_name_valid("net/netif_rx"));
}

static void test_glob_valid_keeps_quotes_out_of_filters(void **state)
{
	assert_true(vx_glob_valid("cali*"));
	assert_true(vx_glob_valid("vxlan.calico"));
	assert_true(vx_glob_valid("eth?"));
	assert_false(vx_glob_valid("x\" || common_pid != 0 || name ~ \"y"));
	assert_false(vx_glob_valid("a b"));
	assert_false(vx_glob_valid(""));
}

/* ---------------------------------------------------------------- presets */

static const struct vx_probe_req *find_probe(const struct vx_plan *p, const char *event)
{
	for (size_t i = 0; i < p->nprobes; i++)
		if (!strcmp(p->probes[i].event, event))
			return &p->probes[i];
	return NULL;
}

static int count_tp(const struct vx_plan *p, const char *sys, const char *ev)
{
	int n = 0;

	for (size_t i = 0; i < p->ntps; i++)
		n += !strcmp(p->tps[i].system, sys) && !strcmp(p->tps[i].event, ev);
	return n;
}

static void test_preset_vxlan_probes_fetch_the_skb(void **state)
{
	struct vx_plan p;
	const struct vx_probe_req *r;

	assert_int_equal(vx_plan_build(&p, "vxlan", NULL, 0, NULL, 0, true), 0);
	/* 5 that read headers, 4 copying functions' entry and return, the segmentation's, the
	 * GRO merge, NAT and 4 socket deliveries */
	assert_int_equal(p.nprobes, 5 + 8 + 2 + 1 + 1 + 4);
	r = find_probe(&p, "ip_output");
	assert_non_null(r);
	assert_false(r->ret);
	assert_string_equal(r->funcs[0], "ip_output");
	/* x86-64: the skb is the 3rd argument; without BTF nothing else is read through it */
	assert_string_equal(r->fetch, "skb=%dx:x64");
	assert_string_equal(find_probe(&p, "ip_rcv")->funcs[0], "ip_rcv_core");
	assert_string_equal(find_probe(&p, "ip_rcv")->fetch, "skb=%di:x64");
	assert_non_null(find_probe(&p, "iptunnel_xmit"));
	/* IPv6: ip6_output (skb 3rd), ip6_rcv_core or, where inlined, ipv6_rcv (skb 1st) */
	assert_string_equal(find_probe(&p, "ip6_output")->fetch, "skb=%dx:x64");
	assert_string_equal(find_probe(&p, "ip6_rcv")->funcs[0], "ip6_rcv_core");
	assert_string_equal(find_probe(&p, "ip6_rcv")->funcs[1], "ipv6_rcv");
	assert_string_equal(find_probe(&p, "ip6_rcv")->fetch, "skb=%di:x64");
	assert_int_equal(count_tp(&p, "net", "net_dev_start_xmit"), 1);
	assert_int_equal(count_tp(&p, "skb", "kfree_skb"), 1);
	/* the route lookups that decide each transmit (issue 13) */
	assert_int_equal(count_tp(&p, "fib", "fib_table_lookup"), 1);
	assert_int_equal(count_tp(&p, "fib6", "fib6_table_lookup"), 1);
	/* links between journeys: an entry probe with the old skb, a kretprobe with the new */
	r = find_probe(&p, "skb_clone");
	assert_false(r->ret);
	assert_string_equal(r->fetch, "skb=%di:x64");
	r = find_probe(&p, "skb_clone_ret");
	assert_true(r->ret);
	assert_string_equal(r->fetch, "skb=$retval:x64");
	assert_string_equal(r->follows, "clones");
	assert_string_equal(find_probe(&p, "pskb_copy")->funcs[0], "__pskb_copy_fclone");
	assert_true(find_probe(&p, "skb_gso_segment_ret")->chain);
	assert_string_equal(find_probe(&p, "skb_gro_receive")->fetch, "skb=%si:x64 head=%di:x64");
	assert_string_equal(find_probe(&p, "sock_queue_rcv")->fetch, "skb=%si:x64");
	assert_int_equal(count_tp(&p, "sched", "sched_process_fork"), 1);
	assert_int_equal(count_tp(&p, "net", "napi_gro_receive_entry"), 1);
	vx_plan_release(&p);

	/* elsewhere the register of the skb is unknown: no fetch arguments */
	assert_int_equal(vx_plan_build(&p, NULL, NULL, 0, NULL, 0, false), 0);
	assert_null(find_probe(&p, "ip_output")->fetch);
	assert_null(find_probe(&p, "skb_clone")->fetch);
	assert_string_equal(find_probe(&p, "skb_clone_ret")->fetch, "skb=$retval:x64");
	vx_plan_release(&p);
}

/* with BTF, the skb probes read length and headers through the kernel's own offsets:
 * the IP header behind skb->data at ip_output and ip_rcv_core, the outer UDP, VXLAN and
 * inner IP headers at iptunnel_xmit; other probes keep their fetch arguments */
static void test_plan_reads_headers_through_btf_offsets(void **state)
{
	struct vx_skb_layout l = { .data = 200, .head = 192, .len = 112, .dev = 16, .network_header = 180,
				   .transport_header = 178, .mac_header = 182, .header_size = 2 };
	struct vx_plan p;
	const char *f;

	assert_int_equal(vx_plan_build(&p, "all", NULL, 0, NULL, 0, true), 0);
	assert_int_equal(vx_plan_use_btf(&p, &l, 0), 0);
	f = find_probe(&p, "ip_output")->fetch;
	assert_non_null(strstr(f, "skb=%dx:x64 len=+112(%dx):u32"));
	assert_non_null(strstr(f, "ip_src=+12(+200(%dx)):u32"));
	assert_non_null(strstr(f, "ip_proto=+9(+200(%dx)):u8"));
	assert_non_null(strstr(f, "l4_w1=+24(+200(%dx)):u32"));
	f = find_probe(&p, "ip_rcv")->fetch;
	assert_non_null(strstr(f, "ip_dst=+16(+200(%di)):u32"));
	f = find_probe(&p, "iptunnel_xmit")->fetch;
	assert_non_null(strstr(f, "out_src=%cx:u32 out_dst=%r8:u32"));
	assert_non_null(strstr(f, "vx_w1=+12(+200(%dx)):u32"));
	assert_non_null(strstr(f, "in_ip_src=+42(+200(%dx)):u32"));	/* 8 UDP + 8 VXLAN + 14 Ethernet + 12 */
	assert_null(strstr(f, " ip_src="));
	assert_string_equal(find_probe(&p, "fib_check_nh_ret")->fetch, "ret=$retval:s32");
	assert_null(find_probe(&p, "fib_check_nh")->fetch);
	/* a segment list's ->next chain at the BTF offset of next, as deep as the kernel takes
	 * (13 dereferences, under 63 characters each) */
	f = find_probe(&p, "skb_gso_segment_ret")->fetch;
	assert_non_null(strstr(f, "skb=$retval:x64 seg1=+0($retval):x64 seg2=+0(+0($retval)):x64"));
	assert_non_null(strstr(f, " seg13=+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0(+0($retval))))))))))))):x64"));
	assert_null(strstr(f, "seg14"));
	/* the copying functions' probes read no headers */
	assert_string_equal(find_probe(&p, "skb_clone")->fetch, "skb=%di:x64");
	vx_plan_release(&p);
	/* a larger offset fits fewer dereferences into the 59 characters */
	l.next = 24;
	assert_int_equal(vx_plan_build(&p, "vxlan", NULL, 0, NULL, 0, true), 0);
	assert_int_equal(vx_plan_use_btf(&p, &l, 0), 0);
	f = find_probe(&p, "skb_gso_segment_ret")->fetch;
	assert_non_null(strstr(f, " seg1=+24($retval):x64"));
	assert_non_null(strstr(f, " seg10=+24("));
	assert_null(strstr(f, "seg11"));
	vx_plan_release(&p);
}

/* the offsets come from a BTF file, never from a table: a file that is none is an error
 * naming it, and the running kernel's, when it has one, is self-consistent */
static void test_btf_layout_from_the_kernels_own_btf(void **state)
{
	struct vx_skb_layout l;
	char p[] = "/tmp/vxtest-btf-XXXXXX";
	int fd = mkstemp(p);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not btf", 7), 7);
	close(fd);
	assert_int_equal(vx_skb_layout_load(p, &l), -1);
	assert_non_null(strstr(vx_error_msg(), p));
	unlink(p);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return;	/* a kernel without BTF: record says so and reads no headers */
	assert_int_equal(vx_skb_layout_load(NULL, &l), 0);
	assert_true(l.sk_buff_size > 0);
	assert_true(l.head >= 0 && l.data >= 0 && l.head != l.data && l.len >= 0);
	assert_true(l.data + 8 <= l.sk_buff_size && l.head + 8 <= l.sk_buff_size);
	assert_int_equal(l.header_size, 2);
	assert_true(l.network_header != l.transport_header && l.network_header != l.mac_header);
	assert_true(l.dev_name >= 0);
}

/* the offsets of a real kernel's BTF, offline: samples/vmlinux-6.1-skb.btf is the 6.1 guest's
 * /sys/kernel/btf/vmlinux cut down to sk_buff and net_device by samples/btf-cut.c (members at
 * their own offsets, anonymous unions kept). The expected values come from bpftool on the
 * guest's whole BTF, not from this code: `bpftool btf dump file vmlinux-6.1.btf format raw`
 * gives STRUCT 'sk_buff' size=232 with 'len' bits_offset=896, 'head' 1600, 'data' 1664, an
 * anonymous union at 1024 whose struct holds 'transport_header' 432, 'network_header' 448,
 * 'mac_header' 464 (__u16), an anonymous union at 0 whose struct holds at 128 the union of
 * 'dev' (0); STRUCT 'net_device' with 'name' at 0. (Bits / 8: 112, 200, 208, 182, 184, 186, 16.) */
static void test_btf_layout_of_the_6_1_guest(void **state)
{
	struct vx_skb_layout l;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(vx_skb_layout_load(VX_SAMPLES_DIR "/vmlinux-6.1-skb.btf", &l), 0);
	assert_int_equal(l.sk_buff_size, 232);
	assert_int_equal(l.len, 112);
	assert_int_equal(l.head, 200);
	assert_int_equal(l.data, 208);
	assert_int_equal(l.transport_header, 182);
	assert_int_equal(l.network_header, 184);
	assert_int_equal(l.mac_header, 186);
	assert_int_equal(l.header_size, 2);
	assert_int_equal(l.dev, 16);
	assert_int_equal(l.dev_name, 0);
	/* and the fetch arguments are those the recorder placed in that guest (its
	 * kprobe_events, printed by samples/headers-inner.sh) */
	vx_skb_fetchargs(&l, "dx", VX_SKB_AT_IP, &sb);
	assert_non_null(strstr(sb.buf, "skb=%dx:x64 len=+112(%dx):u32 ip_vihl=+0(+208(%dx)):u8 "
			       "ip_id=+4(+208(%dx)):u16 ip_ttl=+8(+208(%dx)):u8 ip_proto=+9(+208(%dx)):u8 "
			       "ip_src=+12(+208(%dx)):u32 ip_dst=+16(+208(%dx)):u32 l4_w0=+20(+208(%dx)):u32 "
			       "l4_w1=+24(+208(%dx)):u32 l4_w2=+28(+208(%dx)):u32 l4_w3=+32(+208(%dx)):u32"));
	strbuf_reset(&sb);
	vx_skb_fetchargs(&l, "dx", VX_SKB_AT_UDP_TUNNEL, &sb);
	assert_non_null(strstr(sb.buf, "udp_w0=+0(+208(%dx)):u32 vx_w1=+12(+208(%dx)):u32 "
			       "in_ip_vihl=+30(+208(%dx)):u8 in_ip_id=+34(+208(%dx)):u16"));
	/* IPv6 (RFC 8200): next header at 6, hop limit 7, addresses at 8 and 24, L4 at 40 */
	strbuf_reset(&sb);
	vx_skb_fetchargs(&l, "di", VX_SKB_AT_IP6, &sb);
	assert_string_equal(sb.buf, "skb=%di:x64 len=+112(%di):u32 ip6_vtc=+0(+208(%di)):u8 "
			    "ip6_nh=+6(+208(%di)):u8 ip6_hlim=+7(+208(%di)):u8 ip6_src0=+8(+208(%di)):u32 "
			    "ip6_src1=+12(+208(%di)):u32 ip6_src2=+16(+208(%di)):u32 ip6_src3=+20(+208(%di)):u32 "
			    "ip6_dst0=+24(+208(%di)):u32 ip6_dst1=+28(+208(%di)):u32 ip6_dst2=+32(+208(%di)):u32 "
			    "ip6_dst3=+36(+208(%di)):u32 l4_w0=+40(+208(%di)):u32 l4_w1=+44(+208(%di)):u32 "
			    "l4_w2=+48(+208(%di)):u32 l4_w3=+52(+208(%di)):u32");
	strbuf_release(&sb);
}

/* --snaplen N: N bytes in u8 arrays of at most 64 (the kernel's MAX_ARRAY_LEN), none of 4 or
 * 16 bytes (the decoder shows those as addresses), adding up to N for every N */
static void test_snaplen_chunks_add_up_and_never_look_like_an_address(void **state)
{
	int sizes[VX_SNAPLEN_MAX / 8 + 2];

	(void)state;
	assert_int_equal(vx_snaplen_chunks(0, sizes), 0);
	for (int n = 1; n <= VX_SNAPLEN_MAX; n++) {
		int k = vx_snaplen_chunks(n, sizes), sum = 0;

		assert_true(k >= 1 && k <= VX_SNAPLEN_MAX / 8 + 2);
		for (int i = 0; i < k; i++) {
			assert_true(sizes[i] >= 1 && sizes[i] <= VX_SNAPLEN_CHUNK);
			assert_true(sizes[i] != 4 && sizes[i] != 16);
			sum += sizes[i];
		}
		assert_int_equal(sum, n);
	}
	assert_int_equal(vx_snaplen_chunks(128, sizes), 2);
	assert_int_equal(sizes[0], 64);
	assert_int_equal(sizes[1], 64);
	assert_int_equal(vx_snaplen_chunks(68, sizes), 2);
	assert_int_equal(sizes[0], 60);
	assert_int_equal(sizes[1], 8);
}

/* the packet bytes of the 6.1 guest: offsets from its BTF (data_len: bits_offset 928 in
 * `bpftool btf dump file vmlinux-6.1-skb.btf format raw`), the string the recorder placed
 * there (kprobe_events read back in the guest); the Ethernet header before skb->data only at
 * the receive probes, which run after eth_type_trans */
static void test_snaplen_fetches_bytes_through_btf_offsets(void **state)
{
	struct vx_skb_layout l;
	struct strbuf sb = STRBUF_INIT;
	struct vx_plan p;

	(void)state;
	assert_int_equal(vx_skb_layout_load(VX_SAMPLES_DIR "/vmlinux-6.1-skb.btf", &l), 0);
	assert_int_equal(l.data_len, 116);
	vx_skb_fetch_bytes(&l, "dx", 128, false, &sb);
	assert_string_equal(sb.buf, " pkt_head=+200(%dx):x64 pkt_data=+208(%dx):x64 pkt_dlen=+116(%dx):u32"
			    " pkt_nh=+184(%dx):u16 pkt_mh=+186(%dx):u16 pkt0=+0(+208(%dx)):u8[64]"
			    " pkt1=+64(+208(%dx)):u8[64]");
	strbuf_reset(&sb);
	vx_skb_fetch_bytes(&l, "di", 20, true, &sb);
	assert_non_null(strstr(sb.buf, " pkt_l2=-14(+208(%di)):u8[14] pkt0=+0(+208(%di)):u8[20]"));
	strbuf_reset(&sb);
	vx_skb_fetch_bytes(&l, "di", 0, true, &sb);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);

	/* the vxlan preset: its five skb probes read bytes, the receive ones with pkt_l2 */
	assert_int_equal(vx_plan_build(&p, "all", NULL, 0, NULL, 0, true), 0);
	assert_int_equal(vx_plan_use_btf(&p, &l, 128), 5);
	assert_non_null(strstr(find_probe(&p, "ip_output")->fetch, " pkt1=+64(+208(%dx)):u8[64]"));
	assert_null(strstr(find_probe(&p, "ip_output")->fetch, "pkt_l2"));
	assert_null(strstr(find_probe(&p, "iptunnel_xmit")->fetch, "pkt_l2"));
	assert_non_null(strstr(find_probe(&p, "ip_rcv")->fetch, " pkt_l2=-14(+208(%di)):u8[14]"));
	assert_non_null(strstr(find_probe(&p, "ip6_rcv")->fetch, " pkt_l2=-14(+208(%di)):u8[14]"));
	assert_null(find_probe(&p, "fib_check_nh")->fetch);
	vx_plan_release(&p);
	/* --snaplen 0: headers, no bytes */
	assert_int_equal(vx_plan_build(&p, "vxlan", NULL, 0, NULL, 0, true), 0);
	assert_int_equal(vx_plan_use_btf(&p, &l, 0), 0);
	assert_null(strstr(find_probe(&p, "ip_output")->fetch, "pkt"));
	assert_non_null(strstr(find_probe(&p, "ip_output")->fetch, "ip_src="));
	vx_plan_release(&p);
}

static void test_preset_route_has_kretprobe_and_alternatives(void **state)
{
	struct vx_plan p;
	const struct vx_probe_req *r;

	assert_int_equal(vx_plan_build(&p, "route", NULL, 0, NULL, 0, true), 0);
	r = find_probe(&p, "fib_check_nh_ret");
	assert_non_null(r);
	assert_true(r->ret);
	assert_string_equal(r->fetch, "ret=$retval:s32");
	r = find_probe(&p, "fib_check_nh");
	assert_non_null(r);
	assert_string_equal(r->funcs[1], "fib_check_nh_v4_gw");
	assert_non_null(find_probe(&p, "netlink_recvmsg"));
	assert_null(find_probe(&p, "ip_output"));
	assert_int_equal(count_tp(&p, "netlink", "netlink_extack"), 1);
	vx_plan_release(&p);
}

static void test_preset_all_merges_both_without_duplicates(void **state)
{
	struct vx_plan p;
	const char *probes[] = { "ip_output", "tcp_v4_rcv", "foo.constprop.0" };
	const char *events[] = { "net:net_dev_start_xmit", "udp:udp_fail_queue_rcv_skb" };

	assert_int_equal(vx_plan_build(&p, "all", probes, 3, events, 2, true), 0);
	assert_int_equal(count_tp(&p, "net", "net_dev_start_xmit"), 1);
	assert_int_equal(count_tp(&p, "fib", "fib_table_lookup"), 1);
	assert_int_equal(count_tp(&p, "skb", "consume_skb"), 1);
	assert_int_equal(count_tp(&p, "udp", "udp_fail_queue_rcv_skb"), 1);
	assert_int_equal(p.nprobes, 21 + 3 + 2);	/* vxlan, route, tcp_v4_rcv + foo */
	assert_true(find_probe(&p, "ip_output")->user);
	/* '.' cannot be in an event name */
	assert_non_null(find_probe(&p, "foo_constprop_0"));
	assert_string_equal(find_probe(&p, "foo_constprop_0")->funcs[0], "foo.constprop.0");
	vx_plan_release(&p);
}

static void test_plan_rejects_bad_names_and_presets(void **state)
{
	struct vx_plan p;
	const char *bad_probe[] = { "ip_output skb=%dx" };
	const char *bad_event[] = { "net" };

	assert_int_equal(vx_plan_build(&p, "tunnel", NULL, 0, NULL, 0, true), -1);
	assert_int_equal(vx_plan_build(&p, "vxlan", bad_probe, 1, NULL, 0, true), -1);
	assert_int_equal(vx_plan_build(&p, "vxlan", NULL, 0, bad_event, 1, true), -1);
	assert_null(p.probes);
}

static const char *const *exist_list;

static bool in_list(void *ctx, const char *func)
{
	for (const char *const *l = exist_list; *l; l++)
		if (!strcmp(*l, func))
			return true;
	return false;
}

static bool tp_some(void *ctx, const char *sys, const char *ev)
{
	return strcmp(ev, "netlink_extack") != 0;
}

static char notes[2048];

static void collect_note(void *ctx, const char *msg)
{
	strncat(notes, msg, sizeof(notes) - strlen(notes) - 2);
	strcat(notes, "\n");
}

static void test_resolve_uses_alternative_and_says_so(void **state)
{
	static const char *const have[] = { "fib_check_nh_v4_gw", "netlink_recvmsg", NULL };
	struct vx_plan p;

	exist_list = have;
	notes[0] = '\0';
	assert_int_equal(vx_plan_build(&p, "route", NULL, 0, NULL, 0, true), 0);
	assert_int_equal(vx_plan_resolve(&p, in_list, tp_some, NULL, collect_note, NULL), 0);
	assert_string_equal(find_probe(&p, "fib_check_nh")->func, "fib_check_nh_v4_gw");
	assert_string_equal(find_probe(&p, "fib_check_nh_ret")->func, "fib_check_nh_v4_gw");
	assert_non_null(strstr(notes, "using fib_check_nh_v4_gw"));
	/* a preset tracepoint the kernel lacks is dropped with a note */
	assert_int_equal(count_tp(&p, "netlink", "netlink_extack"), 0);
	assert_non_null(strstr(notes, "netlink:netlink_extack"));
	vx_plan_release(&p);
}

static void test_resolve_fails_for_missing_user_probe_or_event(void **state)
{
	static const char *const have[] = { "ip_output", "iptunnel_xmit", NULL };
	const char *probes[] = { "no_such_function" };
	const char *events[] = { "netlink:netlink_extack" };
	struct vx_plan p;

	exist_list = have;
	assert_int_equal(vx_plan_build(&p, "vxlan", probes, 1, NULL, 0, true), 0);
	assert_int_equal(vx_plan_resolve(&p, in_list, tp_some, NULL, NULL, NULL), -1);
	vx_plan_release(&p);
	assert_int_equal(vx_plan_build(&p, "vxlan", NULL, 0, events, 1, true), 0);
	assert_int_equal(vx_plan_resolve(&p, in_list, tp_some, NULL, NULL, NULL), -1);
	vx_plan_release(&p);
	/* a preset probe without its function is only dropped */
	exist_list = (const char *const[]){ "ip_output", NULL };
	assert_int_equal(vx_plan_build(&p, "vxlan", NULL, 0, NULL, 0, true), 0);
	assert_int_equal(vx_plan_resolve(&p, in_list, tp_some, NULL, NULL, NULL), 0);
	assert_int_equal(p.nprobes, 1);
	vx_plan_release(&p);
}

/* the command's process tree: its pid and every pid forked from it, whatever order the
 * CPUs' fork events come in; other forks and other events pass by */
static int procs_seen;

static int procs_event(struct vx_sink *s, const struct vx_event *ev)
{
	procs_seen++;
	s->events++;
	return 0;
}

static char procs_meta_val[128];

static int procs_meta(struct vx_sink *s, const char *key, const char *value, size_t len)
{
	if (!strcmp(key, "command_pids"))
		snprintf(procs_meta_val, sizeof(procs_meta_val), "%.*s", (int)len, value);
	return 0;
}

static void test_process_tree_from_fork_events(void **state)
{
	struct vx_sink inner = { .event = procs_event, .meta = procs_meta };
	struct vx_proc_tree t;
	/* 100 forks 101; 101 forks 102 (seen first: another CPU); 50 forks 51 (not ours) */
	static const int forks[][2] = { { 101, 102 }, { 100, 101 }, { 50, 51 }, { 102, 103 } };

	(void)state;
	procs_seen = 0;
	procs_meta_val[0] = '\0';
	vx_proc_tree_begin(&t, &inner, 100);
	for (size_t i = 0; i < 4; i++) {
		char p[16], c[16];
		struct vx_field f[2] = { { "parent_pid", p }, { "child_pid", c } };
		struct vx_event ev = { .name = "sched:sched_process_fork", .fields = f, .nfields = 2 };

		snprintf(p, sizeof(p), "%d", forks[i][0]);
		snprintf(c, sizeof(c), "%d", forks[i][1]);
		assert_int_equal(vx_sink_event(&t.wrap, &ev), 0);
	}
	assert_int_equal(vx_sink_event(&t.wrap, &(struct vx_event){ .name = "net:netif_rx" }), 0);
	t.wrap.lost_events = 7;
	assert_int_equal(vx_proc_tree_end(&t), 0);
	assert_string_equal(procs_meta_val, "100 101 102 103");
	assert_int_equal(procs_seen, 1);	/* the fork events are not events of the capture */
	assert_int_equal(inner.events, 1);
	assert_int_equal(inner.lost_events, 7);
}

/* the probes that follow a packet across skbs and that the kernel lacks are named in one
 * note (the entry and the return of a function once), not one note each */
static void test_resolve_names_what_is_not_followed_once(void **state)
{
	static const char *const have[] = { "ip_output", "skb_clone", "__pskb_copy_fclone", "skb_copy",
					    "skb_copy_expand", "__skb_gso_segment", "tcp_data_queue", NULL };
	struct vx_plan p;
	const char *m;

	exist_list = have;
	notes[0] = '\0';
	assert_int_equal(vx_plan_build(&p, "vxlan", NULL, 0, NULL, 0, true), 0);
	assert_int_equal(vx_plan_resolve(&p, in_list, tp_some, NULL, collect_note, NULL), 0);
	m = strstr(notes, "not on this kernel, so not followed: skb_gro_receive (GRO merges), "
			  "nf_nat_manip_pkt (NAT functions), __sock_queue_rcv_skb (deliveries), "
			  "__udp_enqueue_schedule_skb (deliveries), skb_copy_datagram_iter (receiving processes)\n");
	assert_non_null(m);
	assert_null(strstr(m + 1, "not on this kernel"));
	assert_null(strstr(notes, "skb_gro_receive: no such function"));
	/* an alternative of a following probe is used without a note */
	assert_string_equal(find_probe(&p, "tcp_queue_rcv")->func, "tcp_data_queue");
	assert_null(strstr(notes, "using tcp_data_queue"));
	assert_non_null(find_probe(&p, "skb_clone_ret"));
	vx_plan_release(&p);
}

/* ---------------------------------------------------------------- ring size and spool */

static void test_default_buffer_splits_64mib_over_cpus_within_bounds(void **state)
{
	assert_int_equal(vx_record_default_buffer_kb(1), 32768);	/* capped at 32 MiB */
	assert_int_equal(vx_record_default_buffer_kb(2), 32768);
	assert_int_equal(vx_record_default_buffer_kb(3), 16384);	/* 21845 -> power of two */
	assert_int_equal(vx_record_default_buffer_kb(4), 16384);
	assert_int_equal(vx_record_default_buffer_kb(16), 4096);
	assert_int_equal(vx_record_default_buffer_kb(256), 4096);	/* at least 4 MiB */
	assert_true(vx_record_default_buffer_kb(0) >= 4096);		/* this machine */
}

static size_t dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return (size_t)-1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_spool_is_private_and_removed_without_trace(void **state)
{
	char base[] = "/tmp/vx-test-spool.XXXXXX";
	struct vx_spool sp;
	struct stat st;
	const unsigned char *map;
	size_t len;

	assert_non_null(mkdtemp(base));
	setenv("TMPDIR", base, 1);
	assert_int_equal(vx_spool_create(&sp, 3), 0);
	assert_int_equal(dir_entries(base), 1);
	assert_int_equal(dir_entries(sp.dir), 3);
	assert_int_equal(stat(sp.dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(write(sp.fds[1], "abc", 3), 3);
	assert_int_equal(vx_spool_map(&sp, 0, &map, &len), 0);
	assert_null(map);	/* empty file: nothing mapped */
	assert_int_equal(vx_spool_map(&sp, 1, &map, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(map, "abc", 3);
	vx_spool_unmap(map, len);
	assert_int_equal(vx_spool_remove(&sp, true), 0);
	assert_null(sp.dir);
	assert_int_equal(dir_entries(base), 0);
	assert_int_equal(vx_spool_remove(&sp, true), 0);	/* twice is harmless */
	unsetenv("TMPDIR");
	rmdir(base);
}

static void count_note(void *ctx, const char *msg)
{
	(*(int *)ctx)++;
}

static void test_clean_removes_spools_of_dead_pids_only(void **state)
{
	char base[] = "/tmp/vx-test-spool.XXXXXX", dead[128], live[128], other[128], f[160];
	pid_t pid = fork();
	int notes = 0;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);	/* a pid that is gone (not reused this quickly) */
	assert_non_null(mkdtemp(base));
	setenv("TMPDIR", base, 1);
	snprintf(dead, sizeof(dead), "%s/vxanalyze-%ld.AbC123", base, (long)pid);
	snprintf(live, sizeof(live), "%s/vxanalyze-%ld.AbC123", base, (long)getpid());
	snprintf(other, sizeof(other), "%s/vxanalyze-%ld.notours", base, (long)pid);
	assert_int_equal(mkdir(dead, 0700), 0);
	assert_int_equal(mkdir(live, 0700), 0);
	assert_int_equal(mkdir(other, 0700), 0);
	snprintf(f, sizeof(f), "%s/cpu0", dead);
	fclose(fopen(f, "w"));
	assert_int_equal(vx_spool_clean_stale(count_note, &notes), 1);
	assert_int_equal(notes, 1);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);	/* a live recorder's spool stays */
	assert_int_equal(access(other, F_OK), 0);	/* not a spool name */
	rmdir(live);
	rmdir(other);
	unsetenv("TMPDIR");
	rmdir(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_func_name_valid_rejects_injection),
		cmocka_unit_test(test_event_name_valid_wants_system_colon_event),
		cmocka_unit_test(test_glob_valid_keeps_quotes_out_of_filters),
		cmocka_unit_test(test_preset_vxlan_probes_fetch_the_skb),
		cmocka_unit_test(test_preset_route_has_kretprobe_and_alternatives),
		cmocka_unit_test(test_plan_reads_headers_through_btf_offsets),
		cmocka_unit_test(test_btf_layout_from_the_kernels_own_btf),
		cmocka_unit_test(test_btf_layout_of_the_6_1_guest),
		cmocka_unit_test(test_snaplen_chunks_add_up_and_never_look_like_an_address),
		cmocka_unit_test(test_snaplen_fetches_bytes_through_btf_offsets),
		cmocka_unit_test(test_preset_all_merges_both_without_duplicates),
		cmocka_unit_test(test_plan_rejects_bad_names_and_presets),
		cmocka_unit_test(test_resolve_uses_alternative_and_says_so),
		cmocka_unit_test(test_resolve_fails_for_missing_user_probe_or_event),
		cmocka_unit_test(test_resolve_names_what_is_not_followed_once),
		cmocka_unit_test(test_process_tree_from_fork_events),
		cmocka_unit_test(test_default_buffer_splits_64mib_over_cpus_within_bounds),
		cmocka_unit_test(test_spool_is_private_and_removed_without_trace),
		cmocka_unit_test(test_clean_removes_spools_of_dead_pids_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
