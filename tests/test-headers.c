/* test-headers.c: the packet headers `vxanalyze record --preset vxlan` reads at each kprobe
 * hop, on a real capture of the 6.1 guest (samples/headers-6.1.trace: the recorder's own
 * kprobes, with the fetch arguments it computed from that kernel's BTF, traced in a second
 * instance; see samples/capture-headers-qemu.sh), and what --filter keeps of it: in the report
 * (vx_filter_match) and in the store (import --filter: vx_capture_filter() before the commit,
 * src/app/capture-filter.c). The expected values were read off the raw words in the trace: e.g.
 * ip_output's l4_w1=40960 is bytes 00 a0 00 00, ICMP id 160 (ping's pid) seq 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "report/join.h"
#include "core/error.h"
#include "app/capture-filter.h"
#include "report/filter.h"

#define SAMPLE "headers-6.1.trace"

/* the @nth (0-based) hop of @j whose event is @event, or NULL */
static const struct vx_hop *hop_of(const struct vx_journey *j, const char *event, int nth)
{
	for (size_t i = 0; i < j->nhops; i++)
		if (!strcmp(j->hops[i].event, event) && nth-- == 0)
			return &j->hops[i];
	return NULL;
}

/* one ping packet's journey: its IP id, ICMP type and sequence, at every IP-level hop */
struct ping {
	const char *src, *dst;
	int icmp_type, seq, ip_id, outer_ip_id;
};

static void check_ping(const struct vx_journey *j, const struct ping *p)
{
	static const char *const inner_hops[][2] = {
		{ "probe:ip_output", "0" }, { "probe:ip_rcv", "0" }, { "probe:ip_output", "1" },
		{ "probe:ip_rcv", "2" }, { "probe:ip_output", "3" }, { "probe:ip_rcv", "3" },
	};
	const struct vx_hop *h;
	const struct vx_packet *k;

	/* the pod's packet: same IP id and ICMP sequence from the sender to the receiver */
	for (size_t i = 0; i < sizeof(inner_hops) / sizeof(inner_hops[0]); i++) {
		h = hop_of(j, inner_hops[i][0], atoi(inner_hops[i][1]));
		assert_non_null(h);
		assert_non_null(h->pkt);
		assert_true(h->pkt->ip.known);
		assert_int_equal(h->pkt->ip.proto, 1);
		assert_string_equal(h->pkt->ip.src, p->src);
		assert_string_equal(h->pkt->ip.dst, p->dst);
		assert_int_equal(h->pkt->ip.ip_id, p->ip_id);
		assert_int_equal(h->pkt->ip.icmp_type, p->icmp_type);
		assert_int_equal(h->pkt->ip.icmp_id, 160);
		assert_int_equal(h->pkt->ip.icmp_seq, p->seq);
		assert_int_equal(h->pkt->vni, -1);
	}
	/* ttl 64 at the sender, 63 after h1 forwards it, 62 after h2 */
	assert_int_equal(hop_of(j, "probe:ip_output", 0)->pkt->ip.ttl, 64);
	assert_int_equal(hop_of(j, "probe:ip_output", 1)->pkt->ip.ttl, 63);
	assert_int_equal(hop_of(j, "probe:ip_output", 3)->pkt->ip.ttl, 62);

	/* the tunnel hop: outer addresses and UDP ports, VNI 4096, the inner packet behind */
	h = hop_of(j, "probe:iptunnel_xmit", 0);
	assert_non_null(h);
	assert_non_null(k = h->pkt);
	assert_int_equal(k->ip.proto, 17);
	assert_int_equal(k->ip.dport, 4789);
	assert_int_equal(k->ip.sport, 34221);	/* VXLAN's flow hash of the inner packet */
	assert_int_equal(k->vni, 4096);
	assert_true(k->inner.known);
	assert_string_equal(k->inner.src, p->src);
	assert_string_equal(k->inner.dst, p->dst);
	assert_int_equal(k->inner.ip_id, p->ip_id);
	assert_int_equal(k->inner.ttl, 63);
	assert_int_equal(k->inner.icmp_type, p->icmp_type);
	assert_int_equal(k->inner.icmp_seq, p->seq);
	/* the encapsulated packet through the underlay: its own IP id, the same at both ends */
	for (int n = 2; n <= 3; n++) {
		h = hop_of(j, n == 2 ? "probe:ip_output" : "probe:ip_rcv", n == 2 ? 2 : 1);
		assert_non_null(h);
		assert_non_null(h->pkt);
		assert_int_equal(h->pkt->ip.proto, 17);
		assert_int_equal(h->pkt->ip.ip_id, p->outer_ip_id);
		assert_int_equal(h->pkt->ip.dport, 4789);
	}
}

static const struct ping pings[] = {
	{ "10.244.1.5", "10.244.2.7", 8, 0, 59838, 25057 },	/* echo request 0 */
	{ "10.244.2.7", "10.244.1.5", 0, 0, 14446, 12274 },	/* its reply */
	{ "10.244.1.5", "10.244.2.7", 8, 1, 59851, 25074 },
	{ "10.244.2.7", "10.244.1.5", 0, 1, 14451, 12294 },
};

static void test_headers_each_hop_of_the_guest_capture(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	int64_t id;

	(void)state;
	id = store_import_path(db, sample_path(SAMPLE));
	assert_true(id > 0);
	assert_int_equal(analyse_db(db, id, &ds, &an), 0);
	assert_int_equal(an.njourneys, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(an.journeys[i].nhops, 20);
		assert_non_null(an.journeys[i].encap);
		check_ping(&an.journeys[i], &pings[i]);
	}
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* the journeys of the sample that @expr keeps, as a bit set of pings[] */
static unsigned kept_by(const struct vx_analysis *an, const char *expr)
{
	struct vx_filter *f = vx_filter_parse(expr);
	unsigned set = 0;

	assert_non_null(f);
	for (size_t i = 0; i < an->njourneys; i++)
		if (vx_filter_match(f, &an->journeys[i]))
			set |= 1u << i;
	vx_filter_free(f);
	return set;
}

static void test_headers_filter_keeps_the_right_journeys(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	int64_t id;

	(void)state;
	id = store_import_path(db, sample_path(SAMPLE));
	assert_true(id > 0);
	assert_int_equal(analyse_db(db, id, &ds, &an), 0);
	assert_int_equal(an.njourneys, 4);
	assert_int_equal(kept_by(&an, "icmp and host 10.244.2.7"), 0xf);
	assert_int_equal(kept_by(&an, "icmp and dst 10.244.2.7"), 0x5);	/* the requests */
	assert_int_equal(kept_by(&an, "icmp and src host 10.244.2.7"), 0xa);	/* the replies */
	assert_int_equal(kept_by(&an, "port 4789 and net 192.168.50.0/24"), 0xf);	/* the underlay */
	assert_int_equal(kept_by(&an, "tcp or host 10.244.3.1"), 0);
	assert_int_equal(kept_by(&an, "not encap"), 0);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static int filter_hook(void *ctx, struct vx_store *st, int64_t capture_id, uint64_t *filtered)
{
	const char *expr = ctx;
	struct vx_filter *f = vx_filter_parse(expr);
	int ret;

	assert_non_null(f);
	ret = vx_capture_filter(st, capture_id, expr, f, filtered);
	vx_filter_free(f);
	return ret;
}

/* import --filter: the requests' journeys stay whole, the replies' events and the one-event
 * IPv6 transmit are removed before the commit and counted, the route lookups stay */
static void test_headers_import_filter_stores_only_matching_journeys(void **state)
{
	char *db = test_db_new();
	struct vx_import_result res, all;
	struct vx_store *st;
	struct vx_dataset ds;
	struct vx_analysis an;

	(void)state;
	st = store_open(db, false);
	assert_non_null(st);
	assert_int_equal(vx_import_file(st, sample_path(SAMPLE), NULL, NULL, &all), 0);
	assert_int_equal(vx_import_file_hook(st, sample_path(SAMPLE), NULL, NULL, filter_hook,
					     (void *)"icmp and dst 10.244.2.7", &res), 0);
	assert_int_equal(all.events, 101);
	/* 2 reply journeys of 20 events, and the IPv6 neighbour solicitation */
	assert_int_equal(res.filtered, 41);
	assert_int_equal(res.events, 60);
	assert_int_equal(store_check(st), 0);	/* the capture counts exactly what it holds */
	store_close(st);

	assert_int_equal(analyse_db(db, res.capture_id, &ds, &an), 0);
	assert_int_equal(ds.ncaptures, 1);
	assert_string_equal(ds.captures[0].filter, "icmp and dst 10.244.2.7");
	assert_int_equal(ds.captures[0].filtered, 41);
	assert_int_equal(ds.captures[0].events, 60);
	assert_int_equal(an.njourneys, 2);
	check_ping(&an.journeys[0], &pings[0]);
	check_ping(&an.journeys[1], &pings[2]);
	/* the route lookups (no skb address: not a journey's) are all still there; 6.1 prints
	 * the devices empty with hash-ptr off, so they join no hop in this capture */
	assert_int_equal(fib_lookups(&ds), 20);
	analyse_release(&ds, &an);

	/* the capture without a filter says so */
	assert_int_equal(analyse_db(db, all.capture_id, &ds, &an), 0);
	assert_null(ds.captures[0].filter);
	assert_int_equal(ds.captures[0].filtered, 0);
	assert_int_equal(an.njourneys, 4);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* a hook that fails rolls the whole capture back */
static int failing_hook(void *ctx, struct vx_store *st, int64_t capture_id, uint64_t *filtered)
{
	(void)ctx;
	(void)st;
	(void)capture_id;
	*filtered = 0;
	return vx_error("hook failed");
}

static void test_headers_import_filter_failure_leaves_nothing(void **state)
{
	char *db = test_db_new();
	struct vx_import_result res;
	struct vx_store *st;
	struct vx_dataset ds = { 0 };

	(void)state;
	st = store_open(db, false);
	assert_non_null(st);
	assert_int_equal(vx_import_file_hook(st, sample_path(SAMPLE), NULL, NULL, failing_hook, NULL, &res), -1);
	assert_int_equal(store_check(st), 0);
	assert_int_equal(store_load(st, 0, false, &ds), 0);
	assert_int_equal(ds.ncaptures, 0);
	vx_dataset_release(&ds);
	store_close(st);
	test_db_remove(db);
}

/* IPv6 (samples/headers6-6.1.trace: h1 pings h2 over the underlay, fd00::1 -> fd00::2, with
 * the recorder's ip6_output / ip6_rcv_core kprobes): next header 58, hop limit, ICMPv6 echo
 * id 176 (ping's pid) and sequence at both ends of each journey */
static void test_headers_ipv6_echo_at_ip6_output_and_ip6_rcv(void **state)
{
	static const struct { const char *src, *dst; int type, seq; } want[] = {
		{ "fd00::1", "fd00::2", 128, 0 }, { "fd00::2", "fd00::1", 129, 0 },
		{ "fd00::1", "fd00::2", 128, 1 }, { "fd00::2", "fd00::1", 129, 1 },
	};
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	int64_t id;

	(void)state;
	id = store_import_path(db, sample_path("headers6-6.1.trace"));
	assert_true(id > 0);
	assert_int_equal(analyse_db(db, id, &ds, &an), 0);
	assert_int_equal(an.njourneys, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct vx_journey *j = &an.journeys[i];
		uint64_t idn[2];

		assert_int_equal(j->nhops, 5);
		for (int k = 0; k < 2; k++) {
			const struct vx_hop *h = hop_of(j, k ? "probe:ip6_rcv" : "probe:ip6_output", 0);

			assert_non_null(h);
			assert_non_null(h->pkt);
			assert_int_equal(h->pkt->ip.version, 6);
			assert_int_equal(h->pkt->ip.proto, 58);
			assert_string_equal(h->pkt->ip.src, want[i].src);
			assert_string_equal(h->pkt->ip.dst, want[i].dst);
			assert_int_equal(h->pkt->ip.ttl, 64);
			assert_int_equal(h->pkt->ip.ip_id, -1);
			assert_int_equal(h->pkt->ip.icmp_type, want[i].type);
			assert_int_equal(h->pkt->ip.icmp_id, 176);
			assert_int_equal(h->pkt->ip.icmp_seq, want[i].seq);
			idn[k] = vx_packet_identity(&h->pkt->ip);
		}
		/* no IP id in IPv6: the echo id and sequence identify the packet for the two-host
		 * join, the same at both ends, another for each packet */
		assert_true(idn[0] != 0);
		assert_true(idn[0] == idn[1]);
		for (size_t k = 0; k < i; k++)
			assert_true(vx_packet_identity(&hop_of(&an.journeys[k], "probe:ip6_output", 0)->pkt->ip) !=
				    idn[0]);
	}
	assert_int_equal(kept_by(&an, "icmp6 and dst fd00::2"), 0x5);
	assert_int_equal(kept_by(&an, "icmp6 and net fd00::/64"), 0xf);
	assert_int_equal(kept_by(&an, "icmp or host 10.244.2.7"), 0);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_each_hop_of_the_guest_capture),
		cmocka_unit_test(test_headers_filter_keeps_the_right_journeys),
		cmocka_unit_test(test_headers_import_filter_stores_only_matching_journeys),
		cmocka_unit_test(test_headers_import_filter_failure_leaves_nothing),
		cmocka_unit_test(test_headers_ipv6_echo_at_ip6_output_and_ip6_rcv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
