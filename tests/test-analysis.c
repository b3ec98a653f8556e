/* test-analysis.c: IP-layer passes, encapsulation and journeys on real stacks (samples/). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"

/* the path of the first hop on @dev with length @len whose event is @event */
static const struct vx_path *hop_path(const struct vx_analysis *an, const char *event, const char *dev,
				      int64_t len)
{
	for (size_t j = 0; j < an->njourneys; j++)
		for (size_t h = 0; h < an->journeys[j].nhops; h++) {
			const struct vx_hop *hp = &an->journeys[j].hops[h];

			if (hp->dev && !strcmp(hp->dev, dev) && hp->len == len && !strcmp(hp->event, event))
				return hp->path;
		}
	return NULL;
}

static void test_ip_passes_on_seed_function_tracer_stack(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;

	assert_true(store_import_path(db, sample_path("seed-function-tracer.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	assert_int_equal(an.npaths, 1);
	/* raw_sendmsg → ip_send_skb/ip_output/ip_finish_output2, then ip_rcv..ip_finish_output2
	 * after the softirq: two entries into IP, the tunnel is innermost */
	assert_int_equal(an.paths[0].ip_passes, 2);
	assert_string_equal(an.paths[0].encap, "vxlan");
	assert_false(an.paths[0].reenters_ip_after_encap);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static void test_ip_passes_counts_reentry_after_vxlan(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	const struct vx_path *p;

	assert_true(store_import_path(db, sample_path("vxlan-ping.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	/* the underlay transmit: 98 bytes + 50 of VXLAN/UDP/IP/Ethernet */
	p = hop_path(&an, "net:net_dev_start_xmit", "eth0", 148);
	assert_non_null(p);
	assert_int_equal(p->ip_passes, 3);
	assert_string_equal(p->encap, "vxlan");
	assert_true(p->reenters_ip_after_encap);
	/* the tunnel device transmit itself has not been encapsulated yet */
	p = hop_path(&an, "net:net_dev_start_xmit", "vxlan.calico", 98);
	assert_non_null(p);
	assert_int_equal(p->ip_passes, 2);
	assert_null(p->encap);
	assert_false(p->reenters_ip_after_encap);
	/* the pod's own transmit: one pass */
	p = hop_path(&an, "net:net_dev_start_xmit", "eth0", 98);
	assert_non_null(p);
	assert_int_equal(p->ip_passes, 1);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static void test_journey_crosses_cali_vxlan_eth0_with_50_bytes_overhead(void **state)
{
	static const char *const req[] = { "cali1", "vxlan.calico", "eth0", "cali2", NULL };
	static const char *const rep[] = { "cali2", "vxlan.calico", "eth0", "cali1", NULL };
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	const struct vx_journey *j;
	size_t encapsulated = 0;

	assert_true(store_import_path(db, sample_path("vxlan-ping.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	j = journey_with_devs(&an, req);
	assert_non_null(j);
	assert_string_equal(j->encap, "vxlan");
	assert_string_equal(j->tunnel_dev, "vxlan.calico");
	assert_int_equal(j->overhead_bytes, 50);
	assert_true(j->reenters_ip_after_encap);
	/* hops are in time order */
	for (size_t h = 1; h < j->nhops; h++)
		assert_true(j->hops[h].ts_ns >= j->hops[h - 1].ts_ns);
	assert_non_null(journey_with_devs(&an, rep));
	/* ping -c 3: three requests and three replies, each its own journey */
	for (size_t i = 0; i < an.njourneys; i++)
		encapsulated += an.journeys[i].encap != NULL && an.journeys[i].overhead_bytes == 50;
	assert_int_equal(encapsulated, 6);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static void test_paths_are_counted_per_event_and_stack(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	size_t total = 0, with_stack = 0;

	assert_true(store_import_path(db, sample_path("vxlan-ping.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	for (size_t i = 0; i < an.npaths; i++) {
		total += an.paths[i].count;
		assert_int_equal(an.paths[i].id, (int)i + 1);
		for (size_t k = i + 1; k < an.npaths; k++)
			assert_false(an.paths[i].stack == an.paths[k].stack &&
				     !strcmp(an.paths[i].event, an.paths[k].event));
	}
	for (size_t i = 0; i < ds.nrecs; i++)
		with_stack += ds.recs[i].stack_id != 0;
	assert_int_equal(total, with_stack);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* kprobes (ip_output, iptunnel_xmit with the skb argument) and tracepoints in one journey:
 * a 6.1 capture with hash-ptr off, where both print the raw skb pointer */
static void test_journey_joins_kprobes_and_tracepoints_by_skb(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	size_t joined = 0;

	assert_true(store_import_path(db, sample_path("kprobe-6.1.rawptr.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	for (size_t j = 0; j < an.njourneys; j++) {
		const struct vx_journey *jj = &an.journeys[j];
		int ipt = -1, under = -1;

		for (size_t h = 0; h < jj->nhops; h++) {
			if (!strcmp(jj->hops[h].event, "probe:iptunnel_xmit"))
				ipt = (int)h;
			if (!strcmp(jj->hops[h].event, "net:net_dev_start_xmit") && jj->hops[h].len == 148)
				under = (int)h;
		}
		if (ipt < 0 || under < ipt)
			continue;
		joined++;
		assert_int_equal(jj->overhead_bytes, 50);
		assert_string_equal(jj->encap, "vxlan");
		/* the ip_output probe right after iptunnel_xmit is the second trip through IP */
		assert_string_equal(jj->hops[ipt + 1].event, "probe:ip_output");
		assert_non_null(jj->hops[ipt + 1].path);
		assert_true(jj->hops[ipt + 1].path->reenters_ip_after_encap);
		assert_string_equal(jj->hops[ipt + 1].path->stack->frames[0], "ip_output");
		assert_string_equal(jj->hops[ipt + 1].path->stack->frames[1], "iptunnel_xmit");
	}
	assert_int_equal(joined, 4);	/* ping -c 2: two requests, two replies */
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* a hand-made dataset: the same skb address used twice, far apart, is two journeys,
 * and a free event ends a journey */
static void test_journey_splits_on_reused_address_and_on_free(void **state)
{
	struct vx_rec recs[7];
	struct vx_dataset ds = { 0 };
	struct vx_analysis an;
	static const char *names[] = { "net:netif_rx", "net:netif_rx", "net:netif_rx", "net:netif_rx",
				       "skb:consume_skb", "net:netif_rx", "net:netif_rx" };
	uint64_t ts[] = { 1000, 2000, 1000000000, 1000001000, 1000002000, 1000003000, 1000004000 };

	memset(recs, 0, sizeof(recs));
	for (int i = 0; i < 7; i++) {
		recs[i].id = i + 1;
		recs[i].capture_id = 1;
		recs[i].ts_ns = ts[i];
		recs[i].name = names[i];
		recs[i].skb = 0xffff888000001000ULL;
		recs[i].len = -1;
	}
	ds.recs = recs;
	ds.nrecs = 7;
	assert_int_equal(analyse_dataset(&ds, &an), 0);
	assert_int_equal(an.njourneys, 3);
	assert_int_equal(an.journeys[0].nhops, 2);
	assert_int_equal(an.journeys[1].nhops, 3);
	assert_int_equal(an.journeys[2].nhops, 2);
	analyse_release(NULL, &an);
}

/* journeys of the same way fold into one shape with a latency distribution per hop; a
 * journey longer than VX_JOURNEY_MAX_HOPS keeps its first hops and counts the rest */
static void test_shapes_count_journeys_and_hop_latencies(void **state)
{
	enum { NJ = 5, LONG = VX_JOURNEY_MAX_HOPS + 44, NR = NJ * 2 + LONG };
	struct vx_dataset ds = { 0 };
	struct vx_rec *recs = calloc(NR, sizeof(*recs));
	struct vx_analysis an;
	size_t n = 0;

	/* five two-hop journeys, 1, 2, 3, 4, 5 us from xmit to receive */
	for (int j = 0; j < NJ; j++)
		for (int h = 0; h < 2; h++) {
			struct vx_rec *r = &recs[n++];

			r->id = (int64_t)n;
			r->capture_id = 1;
			r->ts_ns = (uint64_t)j * 1000000000ULL + (uint64_t)h * (j + 1) * 1000;
			r->name = h ? "net:netif_receive_skb" : "net:net_dev_start_xmit";
			r->dev = "veth0";
			r->len = 98;
			r->skb = 0xffff888000002000ULL + (uint64_t)j * 256;
		}
	/* one address busy for LONG events 1 us apart */
	for (int h = 0; h < LONG; h++) {
		struct vx_rec *r = &recs[n++];

		r->id = (int64_t)n;
		r->capture_id = 1;
		r->ts_ns = 10000000000ULL + (uint64_t)h * 1000;
		r->name = "net:netif_rx";
		r->len = -1;
		r->skb = 0xffff888000009000ULL;
	}
	ds.recs = recs;
	ds.nrecs = n;
	assert_int_equal(analyse_dataset(&ds, &an), 0);
	assert_int_equal(an.journeys_total, NJ + 1);
	assert_int_equal(an.nshapes, 2);
	assert_int_equal(an.shapes[0].count, NJ);
	assert_int_equal(an.shapes[0].first->id, 1);
	assert_int_equal(an.shapes[0].hist[1].n, NJ);
	/* 3 us within the histogram's 3.2 % */
	assert_in_range(vx_hist_quantile(&an.shapes[0].hist[1], 0.5), 2904, 3096);
	assert_int_equal(an.shapes[0].hist[1].max, 5000);
	assert_int_equal(an.journeys[NJ].nhops, VX_JOURNEY_MAX_HOPS);
	assert_int_equal(an.journeys[NJ].hops_left_out, 44);
	assert_int_equal(an.shapes[1].count, 1);
	analyse_release(NULL, &an);
	free(recs);
}

/* ---- floods (samples/capture-flood.sh): ping -f p1 -> p2, 30 pings; store_import_path
 * symbolises them with samples/flood.kallsyms ---- */

/* the longest real path through the lab with net_dev_start_xmit and netif_receive_skb: pod
 * eth0 xmit, cali1 rx, vxlan.calico xmit, eth0 xmit, h2 eth0 rx, vxlan.calico rx, cali2 xmit,
 * pod eth0 rx; one more with the free event */
#define LAB_PATH_HOPS 8

static bool stack_has(const struct vx_dataset *ds, const struct vx_rec *r, const char *func)
{
	const struct vx_stack *st = vx_dataset_stack(ds, r->stack_id);

	for (size_t f = 0; st && f < st->nframes; f++)
		if (!strcmp(st->frames[f], func))
			return true;
	return false;
}

/* the packets the capture shows being sent, counted from the capture itself: each echo
 * request leaves pod p1's eth0 from ping's sendto, each reply leaves p2's from icmp_reply */
static size_t flood_packets_sent(const struct vx_dataset *ds, size_t *requests)
{
	size_t req = 0, rep = 0;

	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct vx_rec *r = &ds->recs[i];

		if (strcmp(r->name, "net:net_dev_start_xmit") || !r->dev || strcmp(r->dev, "eth0") || r->len != 98)
			continue;
		if (stack_has(ds, r, "icmp_reply"))
			rep++;
		else if (stack_has(ds, r, "raw_sendmsg"))
			req++;
	}
	*requests = req;
	return req + rep;
}

static void test_flood_without_free_events_is_one_journey_per_packet(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	size_t sent, requests, encapsulated = 0, capture_end = 0;

	assert_true(store_import_path(db, VX_SAMPLES_DIR "/flood-nofree.perf.data") > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	sent = flood_packets_sent(&ds, &requests);
	assert_int_equal(requests, 30);
	assert_int_equal(sent, 2 * requests);
	assert_int_equal(an.njourneys, sent);
	for (size_t j = 0; j < an.njourneys; j++) {
		const struct vx_journey *jj = &an.journeys[j];

		assert_true(jj->nhops <= LAB_PATH_HOPS);
		encapsulated += jj->encap && jj->overhead_bytes == 50;
		/* each begins where its packet is sent, ends where the next one reuses the skb */
		assert_string_equal(jj->hops[0].event, "net:net_dev_start_xmit");
		assert_int_equal(jj->hops[0].len, 98);
		assert_true(jj->end == VX_JEND_REUSED || jj->end == VX_JEND_CAPTURE_END);
		capture_end += jj->end == VX_JEND_CAPTURE_END;
	}
	assert_int_equal(encapsulated, sent);
	/* the flood recycles a few addresses; each one's last journey meets the capture's end */
	assert_true(capture_end >= 1 && capture_end < 10);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* the journeys of a capture with free events, cut by the free events and the silence alone */
static size_t free_rule_journeys(const struct vx_dataset *ds, size_t *group_of)
{
	size_t ngroups = 0;

	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct vx_rec *r = &ds->recs[i];
		size_t prev = (size_t)-1;

		group_of[i] = (size_t)-1;
		if (!r->skb)
			continue;
		for (size_t k = i; k-- > 0;)
			if (ds->recs[k].skb == r->skb && ds->recs[k].capture_id == r->capture_id) {
				prev = k;
				break;
			}
		if (prev == (size_t)-1 || !strncmp(ds->recs[prev].name, "skb:", 4) ||
		    r->ts_ns > ds->recs[prev].ts_ns + VX_JOURNEY_GAP_NS)
			group_of[i] = ngroups++;
		else
			group_of[i] = group_of[prev];
	}
	return ngroups;
}

static void test_flood_with_free_events_keeps_the_free_event_journeys(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	size_t sent, requests, encapsulated = 0, *group_of, *size, ngroups, j = 0;

	assert_true(store_import_path(db, VX_SAMPLES_DIR "/flood-free.perf.data") > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	sent = flood_packets_sent(&ds, &requests);
	assert_int_equal(requests, 30);
	group_of = calloc(ds.nrecs, sizeof(*group_of));
	ngroups = free_rule_journeys(&ds, group_of);
	size = calloc(ngroups + 1, sizeof(*size));
	for (size_t i = 0; i < ds.nrecs; i++)
		if (group_of[i] != (size_t)-1)
			size[group_of[i]]++;
	/* journey by journey, hop by hop: the same events as the free-event rule's journeys */
	for (size_t g = 0; g < ngroups; g++) {
		size_t h = 0;

		if (size[g] < 2)
			continue;
		assert_true(j < an.njourneys);
		for (size_t i = 0; i < ds.nrecs; i++)
			if (group_of[i] == g) {
				assert_true(h < an.journeys[j].nhops);
				/* kept journeys hold copies of their events: the same event by id */
				assert_int_equal(an.journeys[j].hops[h++].rec->id, ds.recs[i].id);
			}
		assert_int_equal(h, an.journeys[j].nhops);
		assert_int_equal(an.journeys[j].end, VX_JEND_FREED);
		assert_true(an.journeys[j].nhops <= LAB_PATH_HOPS + 1);
		encapsulated += an.journeys[j].encap && an.journeys[j].overhead_bytes == 50;
		j++;
	}
	assert_int_equal(j, an.njourneys);
	assert_int_equal(encapsulated, sent);
	free(size);
	free(group_of);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static void test_frames_functions_on_bare_lists(void **state)
{
	const char *fwd[] = { "ip_output", "iptunnel_xmit", "vxlan_xmit_one", "dev_hard_start_xmit",
			      "ip_finish_output2", "ip_output", "__netif_receive_skb_one_core",
			      "process_backlog", "ip_finish_output2", "ip_output", "raw_sendmsg" };
	const char *none[] = { "schedule", "worker_thread" };

	assert_int_equal(vx_frames_ip_passes(fwd, 11), 3);
	assert_true(vx_frames_reenter_ip(fwd, 11));
	assert_string_equal(vx_frames_encap(fwd, 11), "vxlan");
	assert_int_equal(vx_frames_ip_passes(none, 2), 0);
	assert_null(vx_frames_encap(none, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_passes_on_seed_function_tracer_stack),
		cmocka_unit_test(test_ip_passes_counts_reentry_after_vxlan),
		cmocka_unit_test(test_journey_crosses_cali_vxlan_eth0_with_50_bytes_overhead),
		cmocka_unit_test(test_paths_are_counted_per_event_and_stack),
		cmocka_unit_test(test_journey_joins_kprobes_and_tracepoints_by_skb),
		cmocka_unit_test(test_journey_splits_on_reused_address_and_on_free),
		cmocka_unit_test(test_shapes_count_journeys_and_hop_latencies),
		cmocka_unit_test(test_frames_functions_on_bare_lists),
		cmocka_unit_test(test_flood_without_free_events_is_one_journey_per_packet),
		cmocka_unit_test(test_flood_with_free_events_keeps_the_free_event_journeys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
