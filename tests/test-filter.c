/* test-filter.c: the `report --filter` language: what it accepts, the column of what it
 * refuses, precedence, and which journeys of real captures (samples/why-*-6.1.trace) match.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "report/filter.h"
#include "core/error.h"

/* @expr must be refused with a message naming @col and containing @what */
static void refused(const char *expr, int col, const char *what)
{
	char want[32];

	assert_null(vx_filter_parse(expr));
	snprintf(want, sizeof(want), "column %d:", col);
	assert_non_null(strstr(vx_error_msg(), want));
	assert_non_null(strstr(vx_error_msg(), what));
	assert_null(strchr(vx_error_msg(), '\n'));
}

static void test_filter_refuses_bad_expressions_at_their_column(void **state)
{
	(void)state;
	refused("host", 5, "expected an address after 'host'");
	refused("host 10.244.2.300", 6, "expected an address");
	refused("net 10.0.0.0/33", 5, "expected a network");
	refused("port 70000", 6, "port number");
	refused("port http", 6, "port number");
	refused("icmp and", 9, "expected host");
	refused("(encap or dropped", 18, "expected ')'");
	refused("encap dropped", 7, "expected 'and', 'or'");
	refused("udp & tcp", 5, "expected 'and', 'or'");
	refused("bogus", 1, "expected host, src, dst");
	refused("dev )", 5, "expected a device name");
	assert_null(vx_filter_parse("   "));
	assert_non_null(strstr(vx_error_msg(), "empty"));
}

/* a journey with one transmit hop on @dev decided by a lookup @src -> @dst, proto @proto */
struct fake {
	struct vx_lookup l;
	struct vx_hop hop;
	struct vx_journey j;
	struct vx_drop drop;
};

static void fake_init(struct fake *f, const char *dev, const char *src, const char *dst, int proto,
		      bool encap, bool dropped)
{
	memset(f, 0, sizeof(*f));
	f->l = (struct vx_lookup){ .table = 254, .src = src, .dst = dst, .proto = proto, .dport = 4789,
				   .dev = dev };
	f->hop = (struct vx_hop){ .event = "net:net_dev_start_xmit", .dev = dev, .route = &f->l };
	f->j.hops = &f->hop;
	f->j.nhops = 1;
	f->j.encap = encap ? "vxlan" : NULL;
	f->j.drop = dropped ? &f->drop : NULL;
}

static bool matches(const char *expr, const struct vx_journey *j)
{
	struct vx_filter *f = vx_filter_parse(expr);
	bool m;

	assert_non_null(f);
	m = vx_filter_match(f, j);
	vx_filter_free(f);
	return m;
}

static void test_filter_leaves_precedence_and_negation(void **state)
{
	struct fake a;

	(void)state;
	fake_init(&a, "vxlan.calico", "10.244.1.5", "10.244.2.7", 17, true, false);
	assert_true(matches("host 10.244.2.7", &a.j));
	assert_true(matches("src 10.244.1.5 and dst host 10.244.2.7", &a.j));
	assert_false(matches("src 10.244.2.7", &a.j));
	assert_true(matches("net 10.244.0.0/16", &a.j));
	assert_true(matches("net 10.244.2.0/26", &a.j));
	assert_false(matches("net 10.244.3.0/24", &a.j));
	assert_true(matches("udp and port 4789", &a.j));
	assert_false(matches("icmp || tcp", &a.j));
	assert_false(matches("icmp6", &a.j));
	/* an IPv6 lookup: icmp6 is next header 58, addresses and networks in IPv6 */
	{
		struct fake b;

		fake_init(&b, "eth0", "fd00::1", "fd00::2", 58, false, false);
		assert_true(matches("icmp6 and host fd00::2", &b.j));
		assert_true(matches("net fd00::/64 and not icmp", &b.j));
		assert_false(matches("icmp or host 10.244.2.7 or net fd01::/16", &b.j));
	}
	assert_true(matches("dev vxlan.*", &a.j));
	assert_false(matches("dev cali?", &a.j));
	assert_true(matches("encap and not dropped", &a.j));
	assert_false(matches("!encap", &a.j));
	/* and binds tighter than or: "dropped and icmp or encap" = (dropped and icmp) or encap */
	assert_true(matches("dropped and icmp or encap", &a.j));
	assert_false(matches("dropped and (icmp or encap)", &a.j));
	assert_true(matches("encap or dropped and icmp", &a.j));	/* not (encap or dropped) and icmp */
	assert_true(matches("not not encap", &a.j));
	assert_true(matches("host 10.244.9.9 or (udp and (dev vxlan.calico))", &a.j));
}

/* @n copies of @unit, then @tail: a filter too deep or too long for a recursive walk */
static char *repeated(const char *unit, size_t n, const char *tail)
{
	size_t u = strlen(unit), t = strlen(tail);
	char *s = malloc(u * n + t + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	memcpy(s + u * n, tail, t + 1);
	return s;
}

/* 60,000 '!' or 40,000 '(' are refused at the first level past the limit, by column; 256
 * levels still parse; a chain of 100,000 'or' parses and runs without deep recursion */
static void test_filter_bounds_nesting_not_chains(void **state)
{
	struct fake a;
	char *e;

	(void)state;
	fake_init(&a, "vxlan.calico", "10.244.1.5", "10.244.2.7", 17, true, false);
	e = repeated("!", 60000, "encap");
	refused(e, 257, "nests deeper than 256 levels");
	free(e);
	e = repeated("(", 40000, "encap");
	refused(e, 257, "nests deeper than 256 levels");
	free(e);
	e = repeated("not ", 300, "encap");
	refused(e, 4 * 256 + 1, "'not' nests deeper");
	free(e);
	e = repeated("!", 256, "encap");
	assert_true(matches(e, &a.j));	/* an even number of negations */
	free(e);
	{
		char *close = repeated(")", 256, "");

		e = repeated("(", 256, "encap");
		e = realloc(e, strlen(e) + 257);
		assert_non_null(e);
		strcat(e, close);
		assert_true(matches(e, &a.j));
		free(close);
		free(e);
	}
	e = repeated("dropped or ", 100000, "encap");
	assert_true(matches(e, &a.j));
	free(e);
	e = repeated("encap and ", 100000, "dropped");
	assert_false(matches(e, &a.j));
	free(e);
	e = repeated("encap and dropped or ", 50000, "dev vxlan.*");
	assert_true(matches(e, &a.j));
	free(e);
}

/* on a real capture: requests go to p2, replies come from it, the filter keeps each set */
static void test_filter_keeps_matching_journeys_of_a_capture(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	struct vx_filter *f;
	size_t all, requests, replies;

	(void)state;
	assert_true(store_import_path(db, sample_path("why-route-6.1.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	all = an.njourneys;
	f = vx_filter_parse("dst 10.244.2.7 and icmp");
	requests = 0;
	for (size_t i = 0; i < an.njourneys; i++)
		requests += vx_filter_match(f, &an.journeys[i]);
	vx_filter_free(f);
	f = vx_filter_parse("src 10.244.2.7 or dst 10.244.1.5");
	replies = 0;
	for (size_t i = 0; i < an.njourneys; i++)
		replies += vx_filter_match(f, &an.journeys[i]);
	assert_int_equal(requests, 2);	/* ping -c 2 */
	assert_int_equal(replies, 2);
	analyse_release(&ds, &an);
	/* in the report's analysis the filter decides which journeys count at all */
	assert_int_equal(analyse_db_filtered(db, 0, f, &ds, &an), 0);
	vx_filter_free(f);
	assert_int_equal(an.njourneys, 2);
	assert_int_equal(an.journeys_total, 2);
	assert_true(an.njourneys < all);
	analyse_release(&ds, &an);

	/* the drop summary speaks of the journeys kept */
	assert_true(store_import_path(db, sample_path("why-drops-6.1.trace")) > 0);
	assert_int_equal(analyse_db(db, 2, &ds, &an), 0);
	assert_true(an.ndrops > 1);
	analyse_release(&ds, &an);
	f = vx_filter_parse("dropped and dst 10.244.2.7");
	assert_int_equal(analyse_db_filtered(db, 2, f, &ds, &an), 0);
	vx_filter_free(f);
	assert_int_equal(an.njourneys, 3);	/* blackhole, unreachable, prohibit */
	assert_int_equal(an.ndrops, 1);
	assert_int_equal(an.drops[0].count, 3);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* a filter on addresses keeps the lookups in a temporary table of the connection: a second
 * analysis on the same connection starts it over while the route events are being read */
static void test_filter_two_analyses_on_one_connection(void **state)
{
	char *db = test_db_new();
	struct vx_filter *f = vx_filter_parse("dst 10.244.2.7 and icmp");
	struct vx_analysis_opts o = { .max_journeys = SIZE_MAX, .filter = f };
	struct vx_analysis an;
	struct vx_store *st;

	(void)state;
	assert_true(store_import_path(db, sample_path("why-route-6.1.trace")) > 0);
	st = store_open(db, true);
	assert_non_null(st);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(vx_stored_analyse(st, 0, &o, &an), 0);
		assert_int_equal(an.njourneys, 2);	/* ping -c 2: the requests */
		vx_stored_analysis_release(&an);
	}
	store_close(st);
	vx_filter_free(f);
	test_db_remove(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_two_analyses_on_one_connection),
		cmocka_unit_test(test_filter_refuses_bad_expressions_at_their_column),
		cmocka_unit_test(test_filter_leaves_precedence_and_negation),
		cmocka_unit_test(test_filter_bounds_nesting_not_chains),
		cmocka_unit_test(test_filter_keeps_matching_journeys_of_a_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
