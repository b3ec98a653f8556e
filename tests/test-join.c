/* test-join.c: two hosts, one journey (report/join.c) on the real two-host captures
 * samples/pair-a.db and pair-b.db (samples/capture-pair-qemu.sh: 3 pings and 3 UDP
 * datagrams p1 -> p2 recorded on both guests at once): the halves join into one journey per
 * packet, the clock offset estimate follows a known shift injected into one capture's
 * timestamps (within its uncertainty), hops come in one time order across the wire, and a
 * packet identity that matches two journeys of one host joins nothing; without the kprobe
 * events (tracepoints alone) the joins are inferred and agree with the headers'. Also the database
 * import (store_merge) those tests stand on: twice is deduplicated.
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
#include "report/join.h"
#include "report/packet.h"
#include "app/store-source.h"
#include "core/xalloc.h"

/* both samples merged into a fresh database, loaded */
struct pair {
	char *db;
	struct vx_dataset ds;
};

static void pair_load(struct pair *p)
{
	struct vx_store *st;
	struct store_merged *m;
	size_t n;

	p->db = test_db_new();
	st = store_open(p->db, false);
	assert_non_null(st);
	assert_int_equal(store_merge(st, sample_path("pair-a.db"), NULL, &m, &n), 0);
	assert_int_equal(n, 1);
	assert_true(m[0].id > 0);
	assert_string_equal(m[0].host, "node-a");
	free(m);
	assert_int_equal(store_merge(st, sample_path("pair-b.db"), NULL, &m, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].host, "node-b");
	free(m);
	assert_int_equal(store_load(st, 0, true, &p->ds), 0);
	store_close(st);
	assert_int_equal(p->ds.ncaptures, 2);
}

static void pair_release(struct pair *p)
{
	vx_dataset_release(&p->ds);
	test_db_remove(p->db);
}

static void shift_capture(struct vx_dataset *ds, int64_t capture_id, int64_t by)
{
	for (size_t i = 0; i < ds->nrecs; i++)
		if (ds->recs[i].capture_id == capture_id)
			ds->recs[i].ts_ns = (uint64_t)((int64_t)ds->recs[i].ts_ns + by);
}

static bool is_echo(const struct vx_joined *jd)
{
	return jd->pkt && jd->pkt->ip.proto == 1 && (jd->pkt->ip.icmp_type == 8 || jd->pkt->ip.icmp_type == 0);
}

static void test_join_pair_samples(void **state)
{
	struct pair p;
	struct vx_analysis an;
	size_t echo = 0, double_trip = 0;

	(void)state;
	pair_load(&p);
	assert_int_equal(analyse_dataset(&p.ds, &an), 0);
	assert_int_equal(an.join.nhosts, 2);
	assert_string_equal(an.join.hosts[0].name, "node-a");
	assert_string_equal(an.join.hosts[1].name, "node-b");
	assert_true(an.join.hosts[1].known);
	assert_int_equal(an.join.ambiguous, 0);
	for (size_t k = 0; k < an.join.njoined; k++) {
		const struct vx_joined *jd = &an.join.joined[k];

		/* every joined journey has a part on each host, in the packet's order */
		assert_int_equal(jd->nparts, 2);
		assert_int_not_equal(jd->host[0], jd->host[1]);
		assert_true(jd->ordered);
		assert_true(jd->wire_known[1]);
		assert_int_equal(jd->parts[0]->joined, jd->id);
		assert_int_equal(jd->parts[1]->joined, jd->id);
		if (!is_echo(jd))
			continue;
		echo++;
		/* the request leaves node-a, the reply leaves node-b */
		assert_int_equal(jd->host[0], jd->pkt->ip.icmp_type == 8 ? 0 : 1);
		assert_string_equal(jd->pkt->ip.src, jd->pkt->ip.icmp_type == 8 ? "10.244.1.5" : "10.244.2.7");
		/* the sender's part holds the double trip through IP, the other the decapsulation */
		assert_true(jd->parts[0]->reenters_ip_after_encap);
		double_trip++;
	}
	/* 3 pings: 3 requests a -> b and 3 replies b -> a */
	assert_int_equal(echo, 6);
	assert_int_equal(double_trip, 6);
	analyse_release(NULL, &an);
	pair_release(&p);
}

/* the estimate follows a shift of one host's clock exactly, whichever host moves */
static void test_join_clock_offset_injected(void **state)
{
	static const int64_t shifts[] = { 5000000123LL, -3000007LL, 250000LL };
	struct pair p;
	struct vx_analysis an;
	int64_t base, unc;

	(void)state;
	pair_load(&p);
	assert_int_equal(analyse_dataset(&p.ds, &an), 0);
	assert_true(an.join.hosts[1].known);
	base = an.join.hosts[1].offset_ns;
	unc = an.join.hosts[1].uncertainty_ns;
	assert_true(unc > 0);
	analyse_release(NULL, &an);
	for (size_t s = 0; s < sizeof(shifts) / sizeof(shifts[0]); s++) {
		for (int64_t moved = 1; moved <= 2; moved++) {
			/* moving node-b's clock by +S moves its offset by +S; node-a's (the
			 * reference) by +S moves node-b's offset against it by -S */
			int64_t want = base + (moved == 2 ? shifts[s] : -shifts[s]), got;

			shift_capture(&p.ds, p.ds.captures[moved - 1].id, shifts[s]);
			assert_int_equal(analyse_dataset(&p.ds, &an), 0);
			assert_true(an.join.hosts[1].known);
			got = an.join.hosts[1].offset_ns;
			assert_true(got - want <= an.join.hosts[1].uncertainty_ns &&
				    want - got <= an.join.hosts[1].uncertainty_ns);
			/* the shift is recovered to the nanosecond (rounding of the halves aside),
			 * and the uncertainty does not move */
			assert_true(got - want <= 1 && want - got <= 1);
			assert_int_equal(an.join.hosts[1].uncertainty_ns, unc);
			/* one time line: across the wire, the receive comes after the send within
			 * the uncertainty, whatever the raw clocks say */
			for (size_t k = 0; k < an.join.njoined; k++) {
				const struct vx_joined *jd = &an.join.joined[k];
				int64_t send = vx_join_aligned(&an, jd->host[0], jd->parts[0]->hops[jd->send_hop[1]].ts_ns);
				int64_t recv = vx_join_aligned(&an, jd->host[1], jd->parts[1]->hops[0].ts_ns);

				assert_true(recv - send >= -jd->wire_unc_ns[1]);
				assert_int_equal(jd->wire_ns[1], recv - send);
			}
			analyse_release(NULL, &an);
			shift_capture(&p.ds, p.ds.captures[moved - 1].id, -shifts[s]);
		}
	}
	pair_release(&p);
}

/* a second journey on node-b carrying the same packet (a copy of one receive, another skb
 * address): the identity is ambiguous, so neither half of that packet is joined */
static void test_join_ambiguous_left_apart(void **state)
{
	struct pair p;
	struct vx_analysis an;
	const struct vx_journey *victim = NULL;
	size_t before, n = 0, first_new;
	int64_t max_id = 0;
	uint64_t skb;

	(void)state;
	pair_load(&p);
	assert_int_equal(analyse_dataset(&p.ds, &an), 0);
	before = an.join.njoined;
	for (size_t k = 0; k < an.join.njoined && !victim; k++)
		if (is_echo(&an.join.joined[k]) && an.join.joined[k].pkt->ip.icmp_type == 8)
			victim = an.join.joined[k].parts[1];
	assert_non_null(victim);
	skb = victim->skb;
	/* copy the victim's events (its skb, within its time) with a new address, 1 ms later */
	uint64_t from = victim->hops[0].ts_ns, to = victim->hops[victim->nhops - 1].ts_ns;
	int64_t cap = victim->capture_id;

	analyse_release(NULL, &an);
	for (size_t i = 0; i < p.ds.nrecs; i++)
		if (p.ds.recs[i].id > max_id)
			max_id = p.ds.recs[i].id;
	first_new = p.ds.nrecs;
	for (size_t i = 0; i < first_new; i++) {
		const struct vx_rec *r = &p.ds.recs[i];

		if (r->capture_id != cap || r->skb != skb || r->ts_ns < from || r->ts_ns > to)
			continue;
		p.ds.recs = xrealloc(p.ds.recs, (p.ds.nrecs + 1) * sizeof(*p.ds.recs));
		p.ds.recs[p.ds.nrecs] = p.ds.recs[i];
		p.ds.recs[p.ds.nrecs].skb = skb ^ 0x5a5a000;
		p.ds.recs[p.ds.nrecs].ts_ns += 1000000;
		p.ds.recs[p.ds.nrecs].id = ++max_id;
		p.ds.nrecs++;
		n++;
	}
	assert_true(n >= 3);
	assert_int_equal(analyse_dataset(&p.ds, &an), 0);
	/* the request's two halves stay apart and are said to be ambiguous; the rest still join */
	assert_int_equal(an.join.njoined, before - 1);
	assert_true(an.join.ambiguous >= 3);
	size_t amb = 0;

	for (size_t j = 0; j < an.njourneys; j++)
		if (an.journeys[j].join_ambiguous) {
			amb++;
			assert_int_equal(an.journeys[j].joined, 0);
		}
	assert_int_equal(amb, an.join.ambiguous);
	for (size_t k = 0; k < an.join.njoined; k++)
		for (size_t i = 0; i < an.join.joined[k].nparts; i++)
			assert_false(an.join.joined[k].parts[i]->join_ambiguous);
	analyse_release(NULL, &an);
	pair_release(&p);
}

/* (capture, time) of part @i's wire end: the sender's send hop, the receiver's first hop */
struct wire_end { int64_t cap; uint64_t ts; };

static struct wire_end wire_end(const struct vx_joined *jd, size_t i)
{
	const struct vx_journey *j = jd->parts[i];

	return (struct wire_end){ j->capture_id, i ? j->hops[0].ts_ns : j->hops[jd->send_hop[1]].ts_ns };
}

/* the packet class of a header-joined journey: 0 echo request, 1 echo reply, 2 UDP, 3 port
 * unreachable, -1 other */
static int packet_class(const struct vx_joined *jd)
{
	const struct vx_ip *ip = jd->pkt ? &jd->pkt->ip : NULL;

	if (!ip || !ip->known)
		return -1;
	if (ip->proto == 17)
		return 2;
	if (ip->proto != 1)
		return -1;
	return ip->icmp_type == 8 ? 0 : ip->icmp_type == 0 ? 1 : ip->icmp_type == 3 ? 3 : -1;
}

/* a receiving journey to take out of the records: capture, skb, first and last hop times */
struct span { int64_t cap; uint64_t skb, from, to; };

/*
 * the same captures without their kprobe events (no headers: what a tracepoint-only
 * recording holds), and without the receiving half of the first packet of each class in
 * @lose and the sending half of the last of each class in @lose_last_send (bits of
 * packet_class: a lost event, a packet the capture missed): the encapsulated
 * packets are joined by flow, lengths and order, or by time where a half is missing, marked
 * inferred, and every inferred pair is a pair the headers joined
 */
static void inferred_with_losses_mid(unsigned lose, unsigned lose_second, unsigned lose_last_send,
				     size_t want_joined, size_t want_apart);

static void inferred_with_losses(unsigned lose, unsigned lose_last_send, size_t want_joined,
				 size_t want_apart)
{
	inferred_with_losses_mid(lose, 0, lose_last_send, want_joined, want_apart);
}

/* ... and without the receiving half of the second packet of each class in @lose_second */
static void inferred_with_losses_mid(unsigned lose, unsigned lose_second, unsigned lose_last_send,
				     size_t want_joined, size_t want_apart)
{
	unsigned seen[4] = { 0 };
	struct pair p;
	struct vx_analysis an;
	struct wire_end (*hdr)[2];
	const struct vx_journey *last[4] = { NULL };
	struct span cut[8];
	size_t nhdr, n = 0, ncut = 0;

	pair_load(&p);
	assert_int_equal(analyse_dataset(&p.ds, &an), 0);
	nhdr = an.join.njoined;
	hdr = xmalloc(nhdr * sizeof(*hdr));
	for (size_t k = 0; k < nhdr; k++) {
		const struct vx_joined *jd = &an.join.joined[k];
		const struct vx_journey *r = jd->parts[1];
		int c = packet_class(jd);

		assert_false(jd->inferred);
		hdr[k][0] = wire_end(jd, 0);
		hdr[k][1] = wire_end(jd, 1);
		/* the joined journeys are in time order: the first of a class comes first */
		if (c >= 0 && (lose & (1u << c))) {
			lose &= ~(1u << c);
			cut[ncut++] = (struct span){ r->capture_id, r->skb, r->hops[0].ts_ns,
						     r->hops[r->nhops - 1].ts_ns };
		}
		if (c >= 0 && ++seen[c] == 2 && (lose_second & (1u << c))) {
			lose_second &= ~(1u << c);
			cut[ncut++] = (struct span){ r->capture_id, r->skb, r->hops[0].ts_ns,
						     r->hops[r->nhops - 1].ts_ns };
		}
		if (c >= 0)
			last[c] = jd->parts[0];
	}
	assert_int_equal(lose, 0);
	assert_int_equal(lose_second, 0);
	for (int c = 0; c < 4; c++)
		if (lose_last_send & (1u << c)) {
			const struct vx_journey *sj = last[c];

			assert_non_null(sj);
			cut[ncut++] = (struct span){ sj->capture_id, sj->skb, sj->hops[0].ts_ns,
						     sj->hops[sj->nhops - 1].ts_ns };
		}
	analyse_release(NULL, &an);
	for (size_t i = 0; i < p.ds.nrecs; i++) {
		const struct vx_rec *r = &p.ds.recs[i];
		bool out = !strncmp(r->name, "vxanalyze:", 10);

		for (size_t c = 0; c < ncut && !out; c++)
			out = r->capture_id == cut[c].cap && r->skb == cut[c].skb && r->ts_ns >= cut[c].from &&
			      r->ts_ns <= cut[c].to;
		if (!out)
			p.ds.recs[n++] = *r;
	}
	assert_true(n < p.ds.nrecs);
	p.ds.nrecs = n;
	assert_int_equal(analyse_dataset(&p.ds, &an), 0);
	assert_int_equal(an.join.inferred, want_joined);
	assert_int_equal(an.join.njoined, want_joined);
	assert_int_equal(an.join.inferred_apart, want_apart);
	for (size_t k = 0; k < an.join.njoined; k++) {
		const struct vx_joined *jd = &an.join.joined[k];
		struct wire_end a = wire_end(jd, 0), b = wire_end(jd, 1);
		bool found = false;

		assert_true(jd->inferred);
		assert_null(jd->pkt);
		for (size_t h = 0; h < nhdr && !found; h++)
			found = hdr[h][0].cap == a.cap && hdr[h][0].ts == a.ts && hdr[h][1].cap == b.cap &&
				hdr[h][1].ts == b.ts;
		assert_true(found);
	}
	/* the clocks come out of the inferred pairs too */
	assert_true(an.join.hosts[1].known);
	analyse_release(NULL, &an);
	free(hdr);
	pair_release(&p);
}

/* 3 echo requests, 3 replies, 3 UDP datagrams, 3 port unreachable: all encapsulated, all
 * joined in order */
static void test_join_inferred_tracepoints_only(void **state)
{
	(void)state;
	inferred_with_losses(0, 0, 12, 0);
}

/* the first request's receive missing: its send stays apart, the other two requests are
 * paired by time with the delay of the UDP datagrams that went the same way (before: the
 * whole flow stayed apart, 3 sends against 2 receives) */
static void test_join_inferred_one_lost(void **state)
{
	(void)state;
	inferred_with_losses(1u << 0, 0, 11, 1);
}

/* the first receive of every flow missing: no direction has a delay from a pair; the shifts
 * that pair the most with the smallest positive round trip give them (a shift by one ping
 * pairs as many, a second longer) */
static void test_join_inferred_every_flow_lost_one(void **state)
{
	(void)state;
	inferred_with_losses(0xf, 0, 8, 4);
}

/* the first request's receive and the last request's send missing: two sends, two receives,
 * but the order would join request 1 with request 2's receive; the delay of the UDP
 * datagrams tells, and request 2 alone is joined (before: two wrong pairs) */
static void test_join_inferred_shifted_order(void **state)
{
	(void)state;
	inferred_with_losses(1u << 0, 1u << 0, 10, 2);
}

/* the second request's and the second datagram's receives and the last send of both
 * missing: each flow going that way is two sends against two receives, in step up to the
 * loss and a packet late after it. Those pairs must not set the direction's delay (half of
 * them a packet late: the median was); the replies' way back gives it, and the first of
 * each is paired, the rest left apart (before: the second send joined the third receive) */
static void test_join_inferred_shift_mid_flow(void **state)
{
	(void)state;
	inferred_with_losses_mid(0, (1u << 0) | (1u << 2), (1u << 0) | (1u << 2), 8, 4);
}

/* one host's captures (or captures of no known host) join nothing */
static void test_join_one_host(void **state)
{
	struct pair p;
	struct vx_analysis an;

	(void)state;
	pair_load(&p);
	p.ds.captures[1].boot_id = p.ds.captures[0].boot_id;
	p.ds.captures[1].host = p.ds.captures[0].host;
	assert_int_equal(analyse_dataset(&p.ds, &an), 0);
	assert_int_equal(an.join.nhosts, 1);
	assert_int_equal(an.join.njoined, 0);
	analyse_release(NULL, &an);
	p.ds.captures[0].boot_id = p.ds.captures[1].boot_id = NULL;
	p.ds.captures[0].host = p.ds.captures[1].host = NULL;
	assert_int_equal(analyse_dataset(&p.ds, &an), 0);
	assert_int_equal(an.join.nhosts, 0);
	assert_int_equal(an.join.njoined, 0);
	analyse_release(NULL, &an);
	pair_release(&p);
}

static void test_join_identity(void **state)
{
	struct vx_ip a = { .known = true, .proto = 1, .src = "10.244.1.5", .dst = "10.244.2.7", .ip_id = 4660,
			   .ttl = 64, .sport = -1, .dport = -1, .icmp_type = 8, .icmp_id = 7, .icmp_seq = 3,
			   .tcp_seq = -1, .tcp_flags = -1 };
	struct vx_ip b = a;

	(void)state;
	assert_true(vx_packet_identity(&a) != 0);
	b.ttl = 63;	/* the TTL changes hop by hop: not part of the identity */
	assert_true(vx_packet_identity(&a) == vx_packet_identity(&b));
	b.icmp_seq = 4;
	assert_true(vx_packet_identity(&a) != vx_packet_identity(&b));
	b = a;
	b.ip_id = 4661;
	assert_true(vx_packet_identity(&a) != vx_packet_identity(&b));
	/* IP id 0 and no sequence: nothing tells two such packets apart */
	b = a;
	b.proto = 17;
	b.icmp_type = b.icmp_id = b.icmp_seq = -1;
	b.sport = 40000;
	b.dport = 5000;
	b.ip_id = 0;
	assert_true(vx_packet_identity(&b) == 0);
	b.ip_id = -1;
	assert_true(vx_packet_identity(&b) == 0);
	b = a;
	b.known = false;
	assert_true(vx_packet_identity(&b) == 0);
}

/* importing the same database twice copies nothing the second time */
static void test_merge_twice(void **state)
{
	char *db = test_db_new();
	struct vx_store *st = store_open(db, false);
	struct store_merged *m;
	size_t n;
	struct vx_dataset ds;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_merge(st, sample_path("pair-a.db"), NULL, &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].dup_of, 0);
	assert_true(m[0].boot_id[0]);
	free(m);
	assert_int_equal(store_merge(st, sample_path("pair-a.db"), "other", &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, 0);
	assert_int_equal(m[0].dup_of, 1);
	free(m);
	assert_int_equal(store_check(st), 0);
	assert_int_equal(store_load(st, 0, true, &ds), 0);
	assert_int_equal(ds.ncaptures, 1);
	assert_int_equal(ds.nrecs, ds.captures[0].events);
	assert_string_equal(ds.captures[0].host, "node-a");
	vx_dataset_release(&ds);
	store_close(st);
	test_db_remove(db);
}

/* at volume: with few journeys kept in detail (--max-journeys), each host keeps a window of
 * its journeys, aligned on the other host's clock, so the halves still join. node-a
 * recorded 15 journeys before node-b began: with each host's first 5 (or 10) nothing would
 * join; the aligned windows join some. Whatever the windows, the joined journeys are the
 * whole analysis's joins among the kept journeys, pair by pair, and the kept journeys keep
 * their ids (ranks in time order over all journeys) */
static void test_join_kept_per_host(void **state)
{
	static const size_t keeps[] = { 1, 5, 10, 20, 30 };
	struct pair p;
	struct vx_analysis whole;

	(void)state;
	pair_load(&p);
	assert_int_equal(analyse_dataset(&p.ds, &whole), 0);
	assert_int_equal(whole.join.nhosts, 2);
	for (size_t j = 0; j < whole.njourneys; j++)
		assert_int_equal(whole.journeys[j].id, (int)j + 1);
	for (size_t k = 0; k < sizeof(keeps) / sizeof(keeps[0]); k++) {
		struct vx_analysis_opts o = { .max_journeys = keeps[k] };
		struct vx_analysis an;
		struct vx_store *st = store_open(p.db, true);
		size_t per_host[2] = { 0, 0 }, expect = 0, found = 0;
		bool *kept = xcalloc(whole.njourneys, sizeof(*kept));

		assert_non_null(st);
		assert_int_equal(vx_stored_analyse(st, 0, &o, &an), 0);
		assert_int_equal(an.join.nhosts, 2);
		assert_int_equal(an.journeys_total, whole.njourneys);
		/* each kept journey is the whole analysis's journey of the same id; each host's
		 * kept ones follow each other in its time order */
		for (size_t i = 0; i < an.njourneys; i++) {
			const struct vx_journey *w;
			int h;

			assert_true(an.journeys[i].id >= 1 && (size_t)an.journeys[i].id <= whole.njourneys);
			w = &whole.journeys[an.journeys[i].id - 1];
			assert_int_equal(an.journeys[i].capture_id, w->capture_id);
			assert_int_equal(an.journeys[i].skb, w->skb);
			assert_int_equal(an.journeys[i].hops[0].ts_ns, w->hops[0].ts_ns);
			assert_ptr_equal(vx_join_kept(&an, &an.journeys[i]), &an.journeys[i]);
			if (i)
				assert_true(an.journeys[i].id > an.journeys[i - 1].id);
			if (i && an.journeys[i].capture_id == an.journeys[i - 1].capture_id)
				assert_int_equal(an.journeys[i].id, an.journeys[i - 1].id + 1);
			h = vx_join_host_of(&an, an.journeys[i].capture_id);
			assert_true(h == 0 || h == 1);
			per_host[h]++;
			kept[w - whole.journeys] = true;
		}
		/* each host keeps @keep journeys, or all from its start when fewer are left */
		for (size_t i = 0, c = 0; i < an.njourneys; i = c) {
			size_t left = 0;
			int h = vx_join_host_of(&an, an.journeys[i].capture_id);

			for (size_t w = (size_t)an.journeys[i].id - 1; w < whole.njourneys; w++)
				left += vx_join_host_of(&whole, whole.journeys[w].capture_id) == h;
			assert_int_equal(per_host[h], left < keeps[k] ? left : keeps[k]);
			for (c = i; c < an.njourneys && vx_join_host_of(&an, an.journeys[c].capture_id) == h; c++)
				;
		}
		/* the joined journeys: exactly the whole analysis's among the kept journeys */
		for (size_t i = 0; i < whole.join.njoined; i++) {
			const struct vx_joined *jd = &whole.join.joined[i];
			bool all = true;

			for (size_t n = 0; n < jd->nparts; n++)
				all = all && kept[jd->parts[n] - whole.journeys];
			expect += all;
		}
		for (size_t i = 0; i < an.join.njoined; i++) {
			const struct vx_joined *jd = &an.join.joined[i];

			for (size_t x = 0; x < whole.join.njoined; x++) {
				const struct vx_joined *wd = &whole.join.joined[x];
				bool same = wd->nparts == jd->nparts;

				for (size_t n = 0; same && n < jd->nparts; n++)
					same = wd->parts[n]->id == jd->parts[n]->id;
				found += same;
			}
		}
		assert_int_equal(an.join.njoined, expect);
		assert_int_equal(found, expect);
		/* the windows line up: from 5 kept per host on, halves are kept on both hosts */
		if (keeps[k] >= 5)
			assert_true(expect > 0);
		print_message("keep %zu per host: %zu joined (whole: %zu), node-a from journey %d, node-b from %d\n",
			      keeps[k], expect, whole.join.njoined, an.journeys[0].id, an.journeys[per_host[0]].id);
		vx_stored_analysis_release(&an);
		store_close(st);
		free(kept);
	}
	analyse_release(NULL, &whole);
	pair_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_identity),
		cmocka_unit_test(test_merge_twice),
		cmocka_unit_test(test_join_pair_samples),
		cmocka_unit_test(test_join_clock_offset_injected),
		cmocka_unit_test(test_join_ambiguous_left_apart),
		cmocka_unit_test(test_join_one_host),
		cmocka_unit_test(test_join_kept_per_host),
		cmocka_unit_test(test_join_inferred_tracepoints_only),
		cmocka_unit_test(test_join_inferred_one_lost),
		cmocka_unit_test(test_join_inferred_every_flow_lost_one),
		cmocka_unit_test(test_join_inferred_shifted_order),
		cmocka_unit_test(test_join_inferred_shift_mid_flow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
