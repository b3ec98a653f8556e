/* test-verdict.c: what happened to a packet (report/verdict.c) and the NAT rewrites seen
 * between two hops of its journey (report/nat.c), on hand-made journeys: each rule of the
 * verdict in its order, and what is and is not a rewrite; then the recorder's capture of a
 * ping to a service IP that h1 rewrites with nft (samples/truth-nat.db) and the same across
 * two hosts (truth-pair-a.db, truth-pair-b.db: still joined).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "report/nat.h"
#include "report/verdict.h"
#include "core/strbuf.h"

/* ---- verdicts ---- */

struct jb {
	struct vx_journey j;
	struct vx_hop hops[16];
	struct vx_rec recs[16];
	struct vx_drop drop;
};

static void hop(struct jb *b, const char *event, const char *dev, int pid, const char *comm)
{
	size_t i = b->j.nhops++;

	b->recs[i] = (struct vx_rec){ .id = (int64_t)i + 1, .name = event, .dev = dev, .pid = pid, .comm = comm,
				      .ts_ns = 1000 * (i + 1), .len = -1 };
	b->hops[i] = (struct vx_hop){ .ts_ns = 1000 * (i + 1), .rec = &b->recs[i], .event = event, .dev = dev,
				      .len = -1 };
	b->j.hops = b->hops;
}

static void jb_init(struct jb *b)
{
	memset(b, 0, sizeof(*b));
	b->j.end = VX_JEND_FREED;
}

/* a path whose stack ends in @consumer, read by a process (@reader) or in the local stack */
static struct vx_path path_of(const char *consumer, bool reader, bool local)
{
	struct vx_path p;

	memset(&p, 0, sizeof(p));
	p.end = (struct vx_path_end){ .reader = reader, .local = local, .consumer = consumer };
	return p;
}

static void test_verdict_rules_in_order(void **state)
{
	struct vx_path reader = path_of("skb_free_datagram", true, true), local = path_of("icmp_rcv", false, true);
	struct vx_path driver = path_of("e1000_clean_tx_irq", false, false);
	struct vx_rec consume = { .name = "skb:consume_skb", .pid = 77, .comm = "ping" };
	struct vx_rec kfree = { .name = "skb:kfree_skb" };
	struct jb b;

	(void)state;
	/* a GRO merge probe on it: merged, even if freed with a reason afterwards */
	jb_init(&b);
	hop(&b, "net:napi_gro_receive_entry", "eth0", 0, NULL);
	hop(&b, "vxanalyze:skb_gro_receive", NULL, 0, NULL);
	b.j.drop = &b.drop;
	vx_journey_verdict(&b.j, &kfree, NULL);
	assert_int_equal(b.j.verdict.kind, VX_VERDICT_MERGED);
	assert_int_equal(b.j.verdict.hop, 1);
	assert_string_equal(b.j.verdict.where, "skb_gro_receive");
	/* freed with a drop: dropped, at the drop's place, although a socket queue saw it */
	jb_init(&b);
	hop(&b, "net:netif_receive_skb", "eth0", 0, NULL);
	hop(&b, "vxanalyze:udp_queue_rcv", NULL, 0, NULL);
	hop(&b, "skb:kfree_skb", NULL, 0, NULL);
	b.drop.location = "__udp_enqueue_schedule_skb";
	b.j.drop = &b.drop;
	vx_journey_verdict(&b.j, &kfree, NULL);
	assert_int_equal(b.j.verdict.kind, VX_VERDICT_DROPPED);
	assert_string_equal(b.j.verdict.where, "__udp_enqueue_schedule_skb");
	/* cut into GSO segments */
	jb_init(&b);
	hop(&b, "net:net_dev_start_xmit", "vxlan0", 0, NULL);
	hop(&b, "vxanalyze:skb_gso_segment", NULL, 0, NULL);
	hop(&b, "skb:consume_skb", NULL, 0, NULL);
	vx_journey_verdict(&b.j, &consume, &driver);
	assert_int_equal(b.j.verdict.kind, VX_VERDICT_SEGMENTED);
	/* a socket queue took it and a process read it: delivered to that process */
	jb_init(&b);
	hop(&b, "net:netif_receive_skb", "eth0", 0, "swapper/0");
	hop(&b, "vxanalyze:sock_queue_rcv", NULL, 0, "swapper/0");
	hop(&b, "vxanalyze:skb_copy_datagram", NULL, 123, "ping");
	vx_journey_verdict(&b.j, NULL, NULL);
	assert_int_equal(b.j.verdict.kind, VX_VERDICT_DELIVERED);
	assert_string_equal(b.j.verdict.where, "sock_queue_rcv");
	assert_int_equal(b.j.verdict.pid, 123);
	assert_string_equal(b.j.verdict.comm, "ping");
	/* without probes: consumed in a process' recvmsg, delivered to it */
	jb_init(&b);
	hop(&b, "net:netif_receive_skb", "eth0", 0, NULL);
	hop(&b, "skb:consume_skb", NULL, 77, "ping");
	vx_journey_verdict(&b.j, &consume, &reader);
	assert_int_equal(b.j.verdict.kind, VX_VERDICT_DELIVERED);
	assert_int_equal(b.j.verdict.pid, 77);
	/* consumed by the local stack after its last receive (icmp_rcv answering an echo) */
	jb_init(&b);
	hop(&b, "net:netif_receive_skb", "eth0", 0, NULL);
	hop(&b, "skb:consume_skb", NULL, 0, NULL);
	vx_journey_verdict(&b.j, &(struct vx_rec){ .name = "skb:consume_skb", .pid = -1 }, &local);
	assert_int_equal(b.j.verdict.kind, VX_VERDICT_DELIVERED);
	assert_true(b.j.verdict.local);
	assert_string_equal(b.j.verdict.where, "icmp_rcv");
	assert_int_equal(b.j.verdict.pid, -1);
	/* ... but not after a transmit: the driver freed what it sent */
	jb_init(&b);
	hop(&b, "net:netif_receive_skb", "cali1", 0, NULL);
	hop(&b, "net:net_dev_start_xmit", "eth0", 0, NULL);
	hop(&b, "skb:consume_skb", NULL, 0, NULL);
	vx_journey_verdict(&b.j, &consume, &driver);
	assert_int_equal(b.j.verdict.kind, VX_VERDICT_SENT);
	assert_string_equal(b.j.verdict.where, "eth0");
	assert_int_equal(b.j.verdict.hop, 1);
	/* received last and never freed: unknown */
	jb_init(&b);
	b.j.end = VX_JEND_CAPTURE_END;
	hop(&b, "net:net_dev_start_xmit", "eth0", 0, NULL);
	hop(&b, "net:netif_receive_skb", "eth0", 0, NULL);
	vx_journey_verdict(&b.j, NULL, NULL);
	assert_int_equal(b.j.verdict.kind, VX_VERDICT_UNKNOWN);
	assert_null(b.j.verdict.where);
	/* the JSON contract's names */
	assert_string_equal(vx_verdict_name(VX_VERDICT_DELIVERED), "delivered");
	assert_string_equal(vx_verdict_name(VX_VERDICT_SEGMENTED), "segmented");
	assert_string_equal(vx_verdict_name(VX_VERDICT_UNKNOWN), "unknown");
}

static void test_path_end_reads_the_free_stack(void **state)
{
	static const char *const recv[] = { "consume_skb", "skb_free_datagram", "raw_recvmsg", "inet_recvmsg",
					    "sock_recvmsg", "__sys_recvfrom" };
	static const char *const icmp[] = { "consume_skb", "icmp_rcv", "ip_protocol_deliver_rcu",
					    "ip_local_deliver_finish" };
	static const char *const tx[] = { "consume_skb", "e1000_clean_tx_irq", "e1000_clean", "__napi_poll" };
	struct vx_path_end e;

	(void)state;
	vx_path_end_init(&e, recv, 6);
	assert_true(e.reader);
	assert_string_equal(e.consumer, "skb_free_datagram");
	vx_path_end_init(&e, icmp, 4);
	assert_false(e.reader);
	assert_true(e.local);
	assert_string_equal(e.consumer, "icmp_rcv");
	vx_path_end_init(&e, tx, 4);
	assert_false(e.reader || e.local);
}

/* ---- NAT ---- */

struct nb {
	struct vx_journey j;
	struct vx_hop hops[8];
	struct vx_packet pkts[8];
	struct vx_nat nats[8];
};

static struct vx_ip ip4(const char *src, const char *dst, int id, int ttl, int icmp_id)
{
	struct vx_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.known = true;
	ip.version = 4;
	ip.proto = 1;
	snprintf(ip.src, sizeof(ip.src), "%s", src);
	snprintf(ip.dst, sizeof(ip.dst), "%s", dst);
	ip.ip_id = id;
	ip.ttl = ttl;
	ip.sport = ip.dport = -1;
	ip.icmp_type = 8;
	ip.icmp_id = icmp_id;
	ip.icmp_seq = 1;
	ip.tcp_seq = -1;
	ip.tcp_flags = -1;
	return ip;
}

static void nhop(struct nb *b, const char *event, const struct vx_ip *ip, const struct vx_ip *inner)
{
	size_t i = b->j.nhops++;

	b->hops[i] = (struct vx_hop){ .event = event, .ts_ns = 1000 * (i + 1) };
	b->j.hops = b->hops;
	if (!ip)
		return;
	memset(&b->pkts[i], 0, sizeof(b->pkts[i]));
	b->pkts[i].ip = *ip;
	b->pkts[i].vni = inner ? 4096 : -1;
	if (inner)
		b->pkts[i].inner = *inner;
	b->hops[i].pkt = &b->pkts[i];
}

static void test_nat_is_a_rewrite_of_the_same_packet(void **state)
{
	struct vx_ip pre = ip4("10.244.1.5", "10.96.0.10", 4660, 64, 17);
	struct vx_ip post = ip4("10.244.1.5", "10.244.2.7", 4660, 63, 17);
	struct vx_ip outer = ip4("192.168.50.1", "192.168.50.2", 999, 64, -1);
	struct vx_ip reply = ip4("10.244.2.7", "10.244.1.5", 5000, 63, 17), unnat = reply;
	struct strbuf sb = STRBUF_INIT;
	struct nb b;

	(void)state;
	outer.proto = 17;
	outer.icmp_type = outer.icmp_seq = -1;
	outer.sport = 50484;
	outer.dport = 4789;
	/* DNAT between ip_rcv and the forward's ip_output, the NAT probe between them; then
	 * the encapsulation (an outer packet is not a rewrite, nor is the TTL) */
	memset(&b, 0, sizeof(b));
	nhop(&b, "vxanalyze:ip_rcv", &pre, NULL);
	nhop(&b, "vxanalyze:nf_nat_manip", NULL, NULL);
	nhop(&b, "vxanalyze:ip_output", &post, NULL);
	nhop(&b, "vxanalyze:iptunnel_xmit", &outer, &post);
	nhop(&b, "vxanalyze:ip_output", &outer, NULL);
	assert_int_equal(vx_journey_nat(&b.j, b.nats), 1);
	assert_null(b.hops[0].nat);
	assert_non_null(b.hops[2].nat);
	assert_int_equal(b.hops[2].nat->kind, VX_NAT_DNAT);
	assert_string_equal(b.hops[2].nat->before.dst, "10.96.0.10");
	assert_string_equal(b.hops[2].nat->after.dst, "10.244.2.7");
	assert_string_equal(b.hops[2].nat->function, "nf_nat_manip");
	assert_null(b.hops[3].nat);
	assert_null(b.hops[4].nat);
	vx_nat_describe(b.hops[2].nat, &sb);
	assert_string_equal(sb.buf, "dnat: 10.244.1.5 \xe2\x86\x92 10.96.0.10 id 17 became 10.244.1.5 \xe2\x86\x92 "
				    "10.244.2.7 id 17 (by nf_nat_manip)");
	strbuf_release(&sb);
	/* conntrack undoing it on the reply rewrites the source: an snat, without a probe */
	snprintf(unnat.src, sizeof(unnat.src), "10.96.0.10");
	unnat.icmp_type = reply.icmp_type = 0;
	memset(&b, 0, sizeof(b));
	nhop(&b, "vxanalyze:ip_output", &reply, NULL);
	nhop(&b, "vxanalyze:ip_rcv", &unnat, NULL);
	assert_int_equal(vx_journey_nat(&b.j, b.nats), 1);
	assert_int_equal(b.hops[1].nat->kind, VX_NAT_SNAT);
	assert_string_equal(b.hops[1].nat->before.src, "10.244.2.7");
	assert_string_equal(b.hops[1].nat->after.src, "10.96.0.10");
	assert_null(b.hops[1].nat->function);
	/* another packet on the same address (another IP id) is not a rewrite of this one */
	memset(&b, 0, sizeof(b));
	nhop(&b, "vxanalyze:ip_output", &pre, NULL);
	post.ip_id = 4661;
	nhop(&b, "vxanalyze:ip_output", &post, NULL);
	assert_int_equal(vx_journey_nat(&b.j, b.nats), 0);
	/* a masquerade that rewrites the ICMP echo id is an snat */
	memset(&b, 0, sizeof(b));
	post = pre;
	post.icmp_id = 40000;
	nhop(&b, "vxanalyze:ip_output", &pre, NULL);
	nhop(&b, "vxanalyze:ip_output", &post, NULL);
	assert_int_equal(vx_journey_nat(&b.j, b.nats), 1);
	assert_int_equal(b.hops[1].nat->kind, VX_NAT_SNAT);
	assert_string_equal(vx_nat_kind_name(VX_NAT_SNAT), "snat");
}

/* the recorder's ping to a service IP rewritten by nft in h1: each request a dnat at the
 * forward's ip_output, each reply an snat back on its way to the pod, both seen by the NAT
 * probe; none of the command's packets dropped */
static void test_nat_sample(void **state)
{
	struct vx_dataset ds;
	struct vx_analysis an;
	size_t dnat = 0, snat = 0;

	(void)state;
	assert_int_equal(analyse_db(sample_path("truth-nat.db"), 0, &ds, &an), 0);
	for (size_t i = 0; i < an.njourneys; i++)
		for (size_t h = 0; h < an.journeys[i].nhops; h++) {
			const struct vx_nat *n = an.journeys[i].hops[h].nat;

			if (!n)
				continue;
			assert_non_null(n->function);
			if (n->kind == VX_NAT_DNAT) {
				dnat++;
				assert_string_equal(n->before.dst, "10.96.0.10");
				assert_string_equal(n->after.dst, "10.244.2.7");
			} else {
				snat++;
				assert_string_equal(n->before.src, "10.244.2.7");
				assert_string_equal(n->after.src, "10.96.0.10");
			}
		}
	assert_int_equal(dnat, 2);
	assert_int_equal(snat, 2);
	/* the pings lost nothing (the lab's IPv6 neighbour traffic may, in the background) */
	for (size_t i = 0; i < an.njourneys; i++)
		if (an.journeys[i].mine)
			assert_int_not_equal(an.journeys[i].verdict.kind, VX_VERDICT_DROPPED);
	for (size_t i = 0; i < an.nmine; i++)
		assert_true(an.mine[i].verdict != VX_VERDICT_DROPPED || !an.mine[i].count);
	analyse_release(&ds, &an);
}

/* across two hosts the rewritten ping still joins: node a's journey carries the tuple it
 * left with, node b sees that one */
static void test_nat_joins_across_hosts(void **state)
{
	struct vx_store *st;
	struct store_merged *m;
	struct vx_dataset ds;
	struct vx_analysis an;
	char *db = test_db_new();
	size_t n, joined = 0;

	(void)state;
	st = store_open(db, false);
	assert_non_null(st);
	assert_int_equal(store_merge(st, sample_path("truth-pair-a.db"), NULL, &m, &n), 0);
	free(m);
	assert_int_equal(store_merge(st, sample_path("truth-pair-b.db"), NULL, &m, &n), 0);
	free(m);
	store_close(st);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	for (size_t k = 0; k < an.join.njoined; k++) {
		const struct vx_joined *jd = &an.join.joined[k];
		bool nat = false;

		for (size_t p = 0; p < jd->nparts; p++)
			for (size_t h = 0; h < jd->parts[p]->nhops; h++)
				nat = nat || jd->parts[p]->hops[h].nat;
		joined += nat && jd->nparts == 2;
	}
	assert_int_equal(joined, 2);	/* the two echo requests */
	analyse_release(&ds, &an);
	test_db_remove(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_rules_in_order),
		cmocka_unit_test(test_path_end_reads_the_free_stack),
		cmocka_unit_test(test_nat_is_a_rewrite_of_the_same_packet),
		cmocka_unit_test(test_nat_sample),
		cmocka_unit_test(test_nat_joins_across_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
