/* test-lookups.c: FIB lookups parsed from their tracepoint (gateway rule, table names, err
 * meanings) and joined to the transmit hop they decided, on a real capture of the lab
 * (samples/why-route-6.1.trace, Debian 6.1 guest).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests-common.h"
#include "core/strbuf.h"

static void test_lookups_gateway_counts_only_when_one_family_is_set(void **state)
{
	(void)state;
	assert_string_equal(vx_route_gateway("169.254.1.1", "::"), "169.254.1.1");
	assert_null(vx_route_gateway("0.0.0.0", "::"));
	/* uncleared ring-buffer bytes in both fields: no gateway (seen on 6.1 and 6.18) */
	assert_null(vx_route_gateway("98.0.0.0", "::e00:0:100:0:2200:0"));
	assert_null(vx_route_gateway("36.147.234.181", "ffff:ffff:25d2:5db6:ffff:ffff:178d:67b6"));
	/* only gw6 set on an IPv4 route: a gateway when link-local (RFC 5549), else leftovers */
	assert_string_equal(vx_route_gateway("0.0.0.0", "fe80::1"), "fe80::1");
	assert_null(vx_route_gateway("0.0.0.0", "::c0a8:3201:0:0"));
	assert_null(vx_route_gateway(NULL, NULL));
}

static void test_lookups_names_tables_errors_and_protocols(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(vx_route_table_name(255, buf, sizeof(buf)), "local");
	assert_string_equal(vx_route_table_name(254, buf, sizeof(buf)), "main");
	assert_string_equal(vx_route_table_name(253, buf, sizeof(buf)), "default");
	assert_string_equal(vx_route_table_name(100, buf, sizeof(buf)), "100");
	assert_string_equal(vx_route_err_meaning(-22), "blackhole");
	assert_string_equal(vx_route_err_meaning(-113), "unreachable");
	assert_string_equal(vx_route_err_meaning(-13), "prohibit");
	assert_string_equal(vx_route_err_meaning(-101), "network unreachable");
	assert_string_equal(vx_route_err_meaning(-11), "throw");
	assert_null(vx_route_err_meaning(0));
	assert_string_equal(vx_route_proto_name(17), "udp");
	assert_null(vx_route_proto_name(0));
}

static void test_lookups_describe_says_table_endpoints_gateway_and_device(void **state)
{
	struct vx_lookup fwd = { .table = 254, .src = "10.244.1.5", .dst = "10.244.2.7",
				 .dev = "vxlan.calico", .gw = "10.244.2.0" };
	struct vx_lookup udp = { .table = 254, .src = "192.168.50.1", .dst = "192.168.50.2", .proto = 17,
				 .sport = 34194, .dport = 4789, .dev = "eth0" };
	struct vx_lookup hole = { .table = 254, .src = "10.244.1.5", .dst = "10.244.2.7", .err = -22 };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	vx_lookup_describe(&fwd, &sb);
	assert_string_equal(sb.buf, "routed by table main: 10.244.1.5 \xe2\x86\x92 10.244.2.7 via "
			    "10.244.2.0 dev vxlan.calico");
	strbuf_reset(&sb);
	vx_lookup_describe(&udp, &sb);
	assert_string_equal(sb.buf, "routed by table main: 192.168.50.1/34194 \xe2\x86\x92 "
			    "192.168.50.2/4789 udp dev eth0");
	strbuf_reset(&sb);
	vx_lookup_describe(&hole, &sb);
	assert_string_equal(sb.buf, "route lookup err -22 (blackhole) in table main: 10.244.1.5 "
			    "\xe2\x86\x92 10.244.2.7");
	strbuf_release(&sb);
}

/* the hop of @j on @dev with length @len */
static const struct vx_hop *hop_on(const struct vx_journey *j, const char *dev, int64_t len)
{
	for (size_t i = 0; i < j->nhops; i++)
		if (j->hops[i].dev && !strcmp(j->hops[i].dev, dev) && j->hops[i].len == len &&
		    !strcmp(j->hops[i].event, "net:net_dev_start_xmit"))
			return &j->hops[i];
	return NULL;
}

/* each transmit of the ping request is decided by its own lookup: the pod's default route,
 * h1's forward to the tunnel, h2's forward to the pod; the encapsulated packet's underlay
 * route comes from the tunnel's route cache, so there is no lookup to show */
static void test_lookups_join_each_transmit_to_the_lookup_that_decided_it(void **state)
{
	static const char *const request[] = { "eth0", "cali1", "vxlan.calico", "eth0", "vxlan.calico",
					       "cali2", NULL };
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	size_t with_route = 0;
	const struct vx_journey *j;
	const struct vx_hop *h;

	(void)state;
	assert_true(store_import_path(db, sample_path("why-route-6.1.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	assert_true(fib_lookups(&ds) > 4);
	j = journey_with_devs(&an, request);
	assert_non_null(j);

	h = hop_on(j, "eth0", 98);
	assert_non_null(h);
	assert_non_null(h->route);
	assert_int_equal(h->route->table, 254);
	assert_int_equal(h->route->proto, 1);
	assert_string_equal(h->route->dst, "10.244.2.7");
	assert_string_equal(h->route->gw, "169.254.1.1");

	h = hop_on(j, "vxlan.calico", 98);
	assert_non_null(h);
	assert_non_null(h->route);
	assert_string_equal(h->route->src, "10.244.1.5");
	assert_string_equal(h->route->gw, "10.244.2.0");
	assert_string_equal(h->route->dev, "vxlan.calico");

	h = hop_on(j, "eth0", 148);
	assert_non_null(h);
	assert_null(h->route);	/* not the pod's eth0 lookup of an earlier hop */

	h = hop_on(j, "cali2", 98);
	assert_non_null(h);
	assert_non_null(h->route);
	assert_string_equal(h->route->dev, "cali2");
	assert_null(h->route->gw);	/* a device route: gw6 holds leftovers, not a gateway */

	/* receives are never decided by a lookup */
	for (size_t k = 0; k < an.njourneys; k++)
		for (size_t i = 0; i < an.journeys[k].nhops; i++) {
			const struct vx_hop *x = &an.journeys[k].hops[i];

			with_route += x->route != NULL;
			if (x->route)
				assert_string_equal(x->event, "net:net_dev_start_xmit");
		}
	assert_true(with_route >= 8);	/* 2 pings x (request + reply) x 2 forwarded transmits */
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* a table that merely has no match (err -11: the next rule is tried) does not explain a
 * drop; the first real failure after the hop does */
static void test_lookups_a_table_miss_does_not_explain_a_drop(void **state)
{
	struct vx_field miss[] = { { "tb_id", "255" }, { "err", "-11" }, { "name", "-" } };
	struct vx_field hole[] = { { "tb_id", "254" }, { "err", "-22" }, { "name", "-" } };
	struct vx_field late[] = { { "tb_id", "254" }, { "err", "-113" }, { "name", "-" } };
	struct vx_rec recs[] = {
		{ .capture_id = 1, .ts_ns = 100, .cpu = 0, .name = "fib:fib_table_lookup", .nfields = 3, .fields = miss },
		{ .capture_id = 1, .ts_ns = 200, .cpu = 1, .name = "fib:fib_table_lookup", .nfields = 3, .fields = hole },
		{ .capture_id = 1, .ts_ns = 300, .cpu = 0, .name = "fib:fib_table_lookup", .nfields = 3, .fields = hole },
		{ .capture_id = 1, .ts_ns = 400, .cpu = 0, .name = "fib:fib_table_lookup", .nfields = 3, .fields = late },
		{ .capture_id = 1, .ts_ns = 450, .cpu = 0, .name = "net:net_dev_start_xmit" },
	};
	struct vx_lookups ls;
	const struct vx_lookup *l;

	(void)state;
	assert_int_equal(vx_lookups_build(recs, 5, &ls), 0);
	assert_int_equal(ls.n, 4);
	l = vx_lookup_failed_between(&ls, 1, 0, 50, 500);
	assert_non_null(l);
	assert_int_equal(l->err, -22);	/* not the miss at 100, not the other CPU's, not the later */
	assert_int_equal(l->ts_ns, 300);
	assert_null(vx_lookup_failed_between(&ls, 1, 0, 50, 250));	/* only the miss before 250 */
	assert_null(vx_lookup_failed_between(&ls, 2, 0, 0, 500));	/* another capture */
	vx_lookups_release(&ls);
}

/* count the transmit hops of the kept journeys that the report's join gave a route */
static size_t routed_hops(const struct vx_analysis *an)
{
	size_t n = 0;

	for (size_t k = 0; k < an->njourneys; k++)
		for (size_t i = 0; i < an->journeys[k].nhops; i++)
			n += an->journeys[k].hops[i].route != NULL;
	return n;
}

/* kprobe hops between the lookup and the transmit it decided (ip_output runs after the
 * route lookup, right before the device transmit) do not hide the lookup: the window starts
 * at the journey's last hop that names a device. The capture is why-route-6.1.trace with an
 * ip_output kprobe line (skb = the tracepoints' skbaddr) 1 us before each transmit. */
static void test_lookups_kprobe_hops_before_a_transmit_keep_its_lookup(void **state)
{
	size_t len, routed_plain, routed_kprobes;
	unsigned char *text = slurp(sample_path("why-route-6.1.trace"), &len);
	struct strbuf out = STRBUF_INIT;
	char *db, *path, *line, *save = NULL;
	const struct vx_journey *j;
	struct vx_dataset ds;
	struct vx_analysis an;
	size_t probes = 0;

	(void)state;
	assert_non_null(text);
	for (line = strtok_r((char *)text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *x = strstr(line, ": net_dev_start_xmit: "), *sk = strstr(line, "skbaddr=");
		const char *colon;
		double ts;

		if (x && sk) {
			/* "<task> [cpu] flags  SECONDS: event" -> the same with ip_output, 1 us earlier */
			for (colon = x; colon > line && colon[-1] != ' '; colon--)
				;
			ts = strtod(colon, NULL);
			strbuf_addf(&out, "%.*s%.6f: ip_output: (ip_output+0x0/0x130) skb=0x%.16s\n",
				    (int)(colon - line), line, ts - 0.000001, sk + strlen("skbaddr="));
			probes++;
		}
		strbuf_addf(&out, "%s\n", line);
	}
	assert_true(probes >= 12);

	db = test_db_new();
	assert_true(store_import_path(db, sample_path("why-route-6.1.trace")) > 0);
	assert_int_equal(analyse_db(db, 1, &ds, &an), 0);
	routed_plain = routed_hops(&an);
	analyse_release(&ds, &an);

	path = tmp_file(out.buf, out.len);
	assert_true(store_import_path(db, path) > 0);
	assert_int_equal(analyse_db(db, 2, &ds, &an), 0);
	routed_kprobes = routed_hops(&an);
	/* the kprobe hops joined the journeys, and every transmit kept its lookup */
	j = journey_with_devs(&an, (const char *const[]){ "eth0", "cali1", "vxlan.calico", NULL });
	assert_non_null(j);
	assert_non_null(hop_on(j, "vxlan.calico", 98)->route);
	assert_non_null(hop_on(j, "eth0", 98)->route);
	assert_string_equal(hop_on(j, "eth0", 98)->route->gw, "169.254.1.1");
	assert_true(routed_plain >= 8);
	assert_int_equal(routed_kprobes, routed_plain);
	analyse_release(&ds, &an);

	unlink(path);
	free(path);
	test_db_remove(db);
	strbuf_release(&out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups_gateway_counts_only_when_one_family_is_set),
		cmocka_unit_test(test_lookups_names_tables_errors_and_protocols),
		cmocka_unit_test(test_lookups_describe_says_table_endpoints_gateway_and_device),
		cmocka_unit_test(test_lookups_join_each_transmit_to_the_lookup_that_decided_it),
		cmocka_unit_test(test_lookups_a_table_miss_does_not_explain_a_drop),
		cmocka_unit_test(test_lookups_kprobe_hops_before_a_transmit_keep_its_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
