/* test-links.c: one packet across skbs (report/links.c) and what happened to it
 * (report/verdict.c, report/mine.c), on the recorder's own captures of the 6.1 guest
 * (samples/capture-truth-qemu.sh): a busybox ping on a raw socket (the kernel gives the raw
 * socket a clone of each echo reply and frees the original with a drop reason), a TCP
 * transfer whose VXLAN packets are cut into GSO segments in software, GRO merging them on
 * the receiving host; and hand-made calls nested and interleaved on two CPUs.
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
#include "report/flow.h"
#include "report/links.h"
#include "core/strbuf.h"

/* the sample database @name analysed as `report` does, keeping @max journeys (0: all) */
static struct vx_store *analyse_sample(const char *name, size_t max, struct vx_analysis *an)
{
	struct vx_store *st = store_open(sample_path(name), true);
	struct vx_analysis_opts o = { .max_journeys = max ? max : SIZE_MAX };

	assert_non_null(st);
	assert_int_equal(vx_stored_analyse(st, 0, &o, an), 0);
	return st;
}

static void release_sample(struct vx_store *st, struct vx_analysis *an)
{
	vx_stored_analysis_release(an);
	store_close(st);
}

static const struct vx_journey *by_id(const struct vx_analysis *an, int id)
{
	for (size_t i = 0; i < an->njourneys; i++)
		if (an->journeys[i].id == id)
			return &an->journeys[i];
	return NULL;
}

/* the first headers of @j's own packet (the inner one at a tunnel hop) */
static const struct vx_ip *first_ip(const struct vx_journey *j)
{
	for (size_t i = 0; i < j->nhops; i++)
		if (j->hops[i].pkt && j->hops[i].pkt->vni < 0 && j->hops[i].pkt->ip.known)
			return &j->hops[i].pkt->ip;
	return NULL;
}

static size_t count_links(const struct vx_journey *j, enum vx_link_kind k, bool child)
{
	size_t n = 0;

	for (size_t i = 0; i < j->nlinks; i++)
		n += j->links[i].kind == k && j->links[i].child == child;
	return n;
}

/* ---- names ---- */

static void test_link_events_by_name(void **state)
{
	enum vx_link_kind k;
	const char *f = NULL;

	(void)state;
	assert_int_equal(vx_link_event_of("vxanalyze:skb_clone", &k, &f), VX_LEV_ENTRY);
	assert_int_equal(k, VX_LINK_CLONE);
	assert_string_equal(f, "skb_clone");
	assert_int_equal(vx_link_event_of("vxanalyze:skb_clone_ret", &k, NULL), VX_LEV_RETURN);
	/* perf probe names its kretprobes name__return, in group probe */
	assert_int_equal(vx_link_event_of("probe:skb_clone__return", &k, NULL), VX_LEV_RETURN);
	assert_int_equal(vx_link_event_of("vxanalyze:pskb_copy_ret", &k, NULL), VX_LEV_RETURN);
	assert_int_equal(k, VX_LINK_COPY);
	assert_int_equal(vx_link_event_of("vxanalyze:skb_gso_segment_ret", &k, NULL), VX_LEV_RETURN);
	assert_int_equal(k, VX_LINK_SEGMENT);
	assert_int_equal(vx_link_event_of("vxanalyze:skb_gro_receive", &k, NULL), VX_LEV_MERGE);
	/* skb_copy_datagram is a read, not skb_copy */
	assert_int_equal(vx_link_event_of("vxanalyze:skb_copy_datagram", NULL, NULL), VX_LEV_READ);
	assert_int_equal(vx_link_event_of("vxanalyze:sock_queue_rcv", NULL, NULL), VX_LEV_DELIVER);
	assert_int_equal(vx_link_event_of("vxanalyze:nf_nat_manip", NULL, &f), VX_LEV_NAT);
	assert_int_equal(vx_link_event_of("vxanalyze:fib_check_nh_ret", NULL, NULL), VX_LEV_NONE);
	assert_int_equal(vx_link_event_of("vxanalyze:sock_queue_rcv_ret", NULL, NULL), VX_LEV_NONE);
	assert_int_equal(vx_link_event_of("net:netif_rx", NULL, NULL), VX_LEV_NONE);
	/* the return's skb is a new one: it begins a journey of its own */
	assert_int_equal(vx_hop_kind_of("vxanalyze:skb_clone_ret"), VX_HOP_BORN);
	assert_int_equal(vx_hop_kind_of("vxanalyze:skb_clone"), VX_HOP_OTHER);
	assert_string_equal(vx_link_kind_name(VX_LINK_MERGE), "merge");
}

/* ---- the pairing of calls and returns ---- */

#define SKB(n) (0xffff888000100000ULL + (uint64_t)(n) * 0x100)

struct mk {
	struct vx_rec recs[32];
	struct vx_field fields[32][1];
	size_t n;
};

static void ev(struct mk *m, uint64_t ts, int cpu, const char *name, uint64_t skb, const char *dev)
{
	struct vx_rec *r = &m->recs[m->n];

	memset(r, 0, sizeof(*r));
	r->id = (int64_t)m->n + 1;
	r->capture_id = 1;
	r->ts_ns = ts;
	r->cpu = cpu;
	r->pid = 100;
	r->comm = "test";
	r->name = name;
	r->skb = skb;
	r->dev = dev;
	r->len = -1;
	m->n++;
}

/*
 * Calls on two CPUs: on CPU 0 a clone of skb 1 and, nested in it, a copy of skb 2; on CPU 1
 * a clone of skb 3 in between; each return pairs with the latest call of its function on
 * its own CPU (skb 2 -> 12 copy, 3 -> 13 clone, 1 -> 11 clone). A failed clone (NULL) links
 * nothing. Every skb has a transmit afterwards so that each is a journey of two hops.
 */
static void test_calls_pair_on_their_cpu_nested_and_interleaved(void **state)
{
	struct mk m = { .n = 0 };
	struct vx_dataset ds = { 0 };
	struct vx_analysis an;
	static const struct { uint64_t parent, child; enum vx_link_kind kind; } want[] = {
		{ SKB(1), SKB(11), VX_LINK_CLONE }, { SKB(2), SKB(12), VX_LINK_COPY },
		{ SKB(3), SKB(13), VX_LINK_CLONE },
	};

	(void)state;
	for (int s = 1; s <= 4; s++)
		ev(&m, 1000 + (uint64_t)s, 0, "net:netif_receive_skb", SKB(s), "eth0");
	ev(&m, 2000, 0, "vxanalyze:skb_clone", SKB(1), NULL);
	ev(&m, 2100, 1, "vxanalyze:skb_clone", SKB(3), NULL);
	ev(&m, 2200, 0, "vxanalyze:skb_copy", SKB(2), NULL);
	ev(&m, 2300, 0, "vxanalyze:skb_copy_ret", SKB(12), NULL);
	ev(&m, 2400, 1, "vxanalyze:skb_clone_ret", SKB(13), NULL);
	ev(&m, 2500, 0, "vxanalyze:skb_clone_ret", SKB(11), NULL);
	ev(&m, 2600, 0, "vxanalyze:skb_clone", SKB(4), NULL);
	ev(&m, 2700, 0, "vxanalyze:skb_clone_ret", 0, NULL);	/* failed: no skb, no link */
	for (int s = 11; s <= 13; s++)
		ev(&m, 3000 + (uint64_t)s, 0, "net:net_dev_start_xmit", SKB(s), "eth1");
	ds.recs = m.recs;
	ds.nrecs = m.n;
	assert_int_equal(analyse_dataset(&ds, &an), 0);
	assert_true(an.links_followed);
	assert_null(vx_analysis_unfollowed(&an));
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		const struct vx_journey *p = NULL, *c = NULL;

		for (size_t i = 0; i < an.njourneys; i++) {
			if (an.journeys[i].skb == want[w].parent)
				p = &an.journeys[i];
			if (an.journeys[i].skb == want[w].child)
				c = &an.journeys[i];
		}
		assert_non_null(p);
		assert_non_null(c);
		/* both ends know it: the parent at its call, the child from its first hop */
		assert_int_equal(p->nlinks, 1);
		assert_int_equal(c->nlinks, 1);
		assert_true(p->links[0].child);
		assert_false(c->links[0].child);
		assert_int_equal(p->links[0].kind, want[w].kind);
		assert_int_equal(p->links[0].journey_id, c->id);
		assert_int_equal(c->links[0].journey_id, p->id);
		assert_int_equal(p->links[0].hop, 1);
		assert_int_equal(c->links[0].hop, 0);
		assert_int_equal(p->links[0].other_hop, 0);
		assert_int_equal(c->links[0].other_hop, 1);
		assert_string_equal(vx_event_base(c->hops[0].event),
				    want[w].kind == VX_LINK_COPY ? "skb_copy_ret" : "skb_clone_ret");
	}
	for (size_t i = 0; i < an.njourneys; i++)
		if (an.journeys[i].skb == SKB(4))
			assert_int_equal(an.journeys[i].nlinks, 0);
	analyse_release(NULL, &an);
}

/* ---- the recorder's captures ---- */

/* a ping on a raw socket: each echo reply's clone reaches the raw socket and ping reads it;
 * the original's free with a drop reason is not a drop; the echo requests are answered by
 * the pod's icmp_rcv; nothing is dropped, and the command's line says so */
static void test_raw_ping_replies_are_delivered_through_their_clones(void **state)
{
	struct vx_analysis an;
	struct vx_store *st = analyse_sample("truth-ping.db", 0, &an);
	size_t replies = 0, requests = 0;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < an.njourneys; i++) {
		const struct vx_journey *j = &an.journeys[i];
		const struct vx_ip *ip = first_ip(j);

		if (!ip || ip->proto != 1 || vx_hop_kind_of(j->hops[0].event) == VX_HOP_BORN)
			continue;
		if (ip->icmp_type == 0) {
			const struct vx_journey *c = NULL;

			replies++;
			assert_non_null(j->drop);	/* the kernel freed it with a reason ... */
			assert_int_equal(j->verdict.kind, VX_VERDICT_DELIVERED);	/* ... yet it arrived */
			assert_true(j->verdict.via_clone);
			assert_string_equal(j->verdict.comm, "ping");
			assert_true(j->mine);
			for (size_t l = 0; l < j->nlinks; l++)
				if (j->links[l].child && j->links[l].kind == VX_LINK_CLONE &&
				    by_id(&an, j->links[l].journey_id)->verdict.kind == VX_VERDICT_DELIVERED)
					c = by_id(&an, j->links[l].journey_id);
			assert_non_null(c);
			assert_string_equal(c->verdict.comm, "ping");
			assert_int_equal(c->verdict.pid, j->verdict.pid);
			assert_int_equal(count_links(c, VX_LINK_CLONE, false), 1);
		} else if (ip->icmp_type == 8) {
			requests++;
			assert_int_equal(j->verdict.kind, VX_VERDICT_DELIVERED);
			assert_true(j->verdict.local);
			assert_string_equal(j->verdict.where, "icmp_rcv");
		}
	}
	assert_int_equal(replies, 3);
	assert_int_equal(requests, 3);
	/* the drop summary counts packets the user lost: no echo reply is among them */
	for (size_t i = 0; i < an.ndrops; i++)
		assert_true(!an.drops[i].location || (!strstr(an.drops[i].location, "icmp_rcv") &&
						       !strstr(an.drops[i].location, "ping_rcv")));
	assert_int_equal(an.ncommands, 1);
	vx_command_line(&an, &an.commands[0], &sb);
	assert_non_null(strstr(sb.buf, "ping -c 3 10.244.2.7 (pid "));
	assert_non_null(strstr(sb.buf, "3 echo requests delivered to the local stack at icmp_rcv"));
	assert_non_null(strstr(sb.buf, "3 echo replies delivered to ping (pid "));
	assert_non_null(strstr(sb.buf, "; 0 dropped"));
	strbuf_release(&sb);
	release_sample(st, &an);
}

/* software GSO of the tunnelled TCP packets: each segmented packet links to its segments,
 * and each segment's journey reaches the wire (the underlay's transmit, then the other
 * host's receive) */
static void test_gso_segments_reach_the_wire(void **state)
{
	struct vx_analysis an;
	struct vx_store *st = analyse_sample("truth-gso.db", 0, &an);
	size_t segmented = 0, segments = 0;

	(void)state;
	for (size_t i = 0; i < an.njourneys; i++) {
		const struct vx_journey *j = &an.journeys[i];

		if (j->verdict.kind != VX_VERDICT_SEGMENTED)
			continue;
		segmented++;
		assert_true(count_links(j, VX_LINK_SEGMENT, true) >= 2);
		for (size_t l = 0; l < j->nlinks; l++) {
			const struct vx_journey *c;
			bool wire = false;
			size_t at;

			if (!j->links[l].child || j->links[l].kind != VX_LINK_SEGMENT)
				continue;
			assert_int_equal(j->links[l].hop, j->verdict.hop);
			c = by_id(&an, j->links[l].journey_id);
			assert_non_null(c);
			/* a segment after the first has no event at its birth: when the packet before
			 * it on its address ended unseen (TCP coalesced it: no free event), its hops
			 * go on in that journey, and the link names the hop where it begins */
			assert_true(count_links(c, VX_LINK_SEGMENT, false) >= 1);
			assert_true(j->links[l].other_hop >= 0);
			at = (size_t)j->links[l].other_hop;
			/* its first event (the first segment's: the return, then the transmit) */
			for (size_t h = at; h + 1 < c->nhops && h <= at + 1 && !wire; h++)
				wire = !strcmp(c->hops[h].event, "net:net_dev_start_xmit") && c->hops[h].dev &&
				       !strcmp(c->hops[h].dev, "eth0") && vx_event_is_recv(c->hops[h + 1].event);
			assert_true(wire);
			segments++;
		}
	}
	assert_true(segmented >= 3);
	assert_true(segments >= 2 * segmented);
	release_sample(st, &an);
}

/* GRO on the receiving host: each merged packet links to the packet it was merged into, at
 * the head's hop; the head lists it as merged in */
static void test_gro_merges_link_into_the_head(void **state)
{
	struct vx_analysis an;
	struct vx_store *st = analyse_sample("truth-pair-b.db", 0, &an);
	size_t merged = 0;

	(void)state;
	for (size_t i = 0; i < an.njourneys; i++) {
		const struct vx_journey *j = &an.journeys[i], *head;

		if (j->verdict.kind != VX_VERDICT_MERGED)
			continue;
		merged++;
		assert_string_equal(j->verdict.where, "skb_gro_receive");
		assert_int_equal(count_links(j, VX_LINK_MERGE, false), 1);
		for (size_t l = 0; l < j->nlinks; l++)
			if (j->links[l].kind == VX_LINK_MERGE) {
				head = by_id(&an, j->links[l].journey_id);
				assert_non_null(head);
				assert_true(count_links(head, VX_LINK_MERGE, true) >= 1);
			}
	}
	assert_true(merged >= 2);
	release_sample(st, &an);
}

/* a link whose far end is not among the kept journeys still names it: the same id as when
 * every journey is kept (found by a resolving walk, numbered with the shapes' firsts) */
static void test_far_ends_are_numbered_when_not_kept(void **state)
{
	static const size_t keep[] = { 5, 10, 20, 40 };
	struct vx_analysis all, few;
	struct vx_store *sa = analyse_sample("truth-gso.db", 0, &all);
	size_t outside = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
		struct vx_store *sf = analyse_sample("truth-gso.db", keep[k], &few);

		assert_int_equal(few.njourneys, keep[k]);
		for (size_t i = 0; i < few.njourneys; i++) {
			const struct vx_journey *f = &few.journeys[i], *a = by_id(&all, f->id);

			assert_non_null(a);
			assert_int_equal(f->nlinks, a->nlinks);
			for (size_t l = 0; l < f->nlinks; l++) {
				assert_int_equal(f->links[l].kind, a->links[l].kind);
				assert_int_equal(f->links[l].child, a->links[l].child);
				assert_int_equal(f->links[l].journey_id, a->links[l].journey_id);
				assert_int_equal(f->links[l].hop, a->links[l].hop);
				assert_int_equal(f->links[l].other_hop, a->links[l].other_hop);
				outside += f->links[l].journey_id && !by_id(&few, f->links[l].journey_id);
			}
		}
		release_sample(sf, &few);
	}
	assert_true(outside > 0);	/* some far ends were not kept */
	release_sample(sa, &all);
}

/* the command's journeys first: a recording's own packets and what they led to, then the
 * others; an import without a command keeps today's order (no split) */
static void test_the_commands_journeys_come_first(void **state)
{
	struct vx_analysis an;
	struct vx_store *st = analyse_sample("truth-ping.db", 0, &an);
	struct vx_journey_group *g;
	size_t n, mine = 0;

	(void)state;
	assert_int_equal(vx_journey_groups_split(&an, true, &g, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_true(g[i].first->mine);
		assert_true(!i || g[i - 1].first->id < g[i].first->id);	/* in time order */
		mine += g[i].count;
	}
	free(g);
	assert_true(mine >= 12);	/* 3 requests, 3 replies and their clones */
	assert_int_equal(vx_journey_groups_split(&an, false, &g, &n), 0);
	for (size_t i = 0; i < n; i++)
		assert_false(vx_journey_is_mine(&an, g[i].first));
	free(g);
	release_sample(st, &an);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_events_by_name),
		cmocka_unit_test(test_calls_pair_on_their_cpu_nested_and_interleaved),
		cmocka_unit_test(test_raw_ping_replies_are_delivered_through_their_clones),
		cmocka_unit_test(test_gso_segments_reach_the_wire),
		cmocka_unit_test(test_gro_merges_link_into_the_head),
		cmocka_unit_test(test_far_ends_are_numbered_when_not_kept),
		cmocka_unit_test(test_the_commands_journeys_come_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
