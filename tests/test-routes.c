/* test-routes.c: route requests rebuilt and classed: validated, rejected, onlink; the
 * sentences that explain them (routes.h) and the event-name vocabulary (events.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "report/events.h"
#include "report/routes.h"
#include "core/strbuf.h"

static void test_routes_three_classes_from_tracepoints(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;

	assert_true(store_import_path(db, sample_path("route.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	assert_int_equal(an.nroutes, 3);

	const struct vx_route *ok = &an.routes[0], *bad = &an.routes[1], *onl = &an.routes[2];

	assert_int_equal(ok->class, VX_ROUTE_VALIDATED);
	assert_string_equal(ok->gateway, "192.168.50.2");
	assert_string_equal(ok->dev, "eth0");
	assert_int_equal(ok->table, 254);
	assert_int_equal(ok->err, 0);
	assert_null(ok->extack);
	assert_string_equal(ok->op, "add");
	assert_string_equal(ok->comm, "ip");

	assert_int_equal(bad->class, VX_ROUTE_REJECTED);
	assert_string_equal(bad->gateway, "4.4.10.2");
	assert_true(bad->has_err);
	assert_true(bad->err < 0);
	assert_string_equal(bad->extack, "Nexthop has invalid gateway");
	assert_non_null(bad->path);
	assert_true(bad->pid != ok->pid);

	assert_int_equal(onl->class, VX_ROUTE_ONLINK);
	assert_string_equal(onl->gateway, "4.4.10.2");
	assert_int_equal(onl->table, -1);
	assert_null(onl->extack);
	/* the onlink request's only lookup is the local-table address-type check */
	assert_non_null(onl->path);
	bool addr_type = false;

	for (size_t f = 0; f < onl->path->stack->nframes; f++)
		addr_type |= !strcmp(onl->path->stack->frames[f], "__inet_dev_addr_type");
	assert_true(addr_type);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* a kprobe-only capture (no lookup tracepoints): the kretprobe's value decides, and
 * netlink_recvmsg ends one request of a process that makes several */
static void test_routes_from_kprobe_return_values(void **state)
{
	struct vx_field ret_bad[] = { { "__probe_func", "fib_check_nh" }, { "ret", "-101" } };
	struct vx_field ret_ok[] = { { "__probe_func", "fib_check_nh" }, { "ret", "0" } };
	struct vx_field msg[] = { { "msg", "Nexthop has invalid gateway" } };
	const char *frames[] = { "fib_create_info", "fib_table_insert", "inet_rtm_newroute" };
	struct vx_stack stack = { 1, 3, frames };
	struct vx_rec recs[6];
	struct vx_dataset ds = { 0 };
	struct vx_analysis an;

	memset(recs, 0, sizeof(recs));
	recs[0] = (struct vx_rec){ 1, 1, 100, 0, 77, "ip", "probe:fib_check_nh", NULL, -1, 0, 1, 0, NULL };
	recs[1] = (struct vx_rec){ 2, 1, 200, 0, 77, "ip", "probe:fib_check_nh_ret", NULL, -1, 0, 1, 2, ret_bad };
	recs[2] = (struct vx_rec){ 3, 1, 300, 0, 77, "ip", "netlink:netlink_extack", NULL, -1, 0, 1, 1, msg };
	recs[3] = (struct vx_rec){ 4, 1, 400, 0, 77, "ip", "probe:netlink_recvmsg", NULL, -1, 0, 0, 0, NULL };
	recs[4] = (struct vx_rec){ 5, 1, 500, 0, 77, "ip", "probe:fib_check_nh", NULL, -1, 0, 1, 0, NULL };
	recs[5] = (struct vx_rec){ 6, 1, 600, 0, 77, "ip", "probe:fib_check_nh_ret", NULL, -1, 0, 1, 2, ret_ok };
	ds.recs = recs;
	ds.nrecs = 6;
	ds.stacks = &stack;
	ds.nstacks = 1;
	assert_int_equal(analyse_dataset(&ds, &an), 0);
	assert_int_equal(an.nroutes, 2);
	assert_int_equal(an.routes[0].class, VX_ROUTE_REJECTED);
	assert_int_equal(an.routes[0].err, -101);
	assert_string_equal(an.routes[0].extack, "Nexthop has invalid gateway");
	assert_int_equal(an.routes[0].nevents, 3);
	assert_int_equal(an.routes[1].class, VX_ROUTE_ACCEPTED);
	assert_int_equal(an.routes[1].err, 0);
	analyse_release(NULL, &an);
}

/* a real kprobe capture (Debian 6.1 under qemu, samples/capture-kprobe-qemu.sh): lookups,
 * fib_check_nh entry probes and the kretprobe's value together */
static void test_routes_on_kprobe_kernel_capture(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;

	assert_true(store_import_path(db, sample_path("kprobe-6.1.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	assert_int_equal(an.nroutes, 3);
	assert_int_equal(an.routes[0].class, VX_ROUTE_VALIDATED);
	assert_int_equal(an.routes[0].err, 0);
	assert_int_equal(an.routes[1].class, VX_ROUTE_REJECTED);
	assert_int_equal(an.routes[1].err, -101);	/* -ENETUNREACH from fib_check_nh */
	assert_string_equal(an.routes[1].extack, "Nexthop has invalid gateway");
	assert_int_equal(an.routes[2].class, VX_ROUTE_ONLINK);
	assert_int_equal(an.routes[2].err, 0);
	/* each request ends at the netlink_recvmsg that reads the answer */
	for (size_t i = 0; i < 3; i++)
		assert_true(an.routes[i].nevents >= 3);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static void test_routes_ignore_lookups_of_forwarded_packets(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;

	assert_true(store_import_path(db, sample_path("vxlan-ping.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	assert_int_equal(an.nroutes, 0);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

/* routes.h alone, without an analysis: the requests of route.trace's dataset, each with the
 * event that decided it, and the sentences the text and HTML reports print for them */
static void test_routes_build_and_explain_from_the_dataset(void **state)
{
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	struct vx_route *routes = NULL;
	size_t n = 0;
	struct strbuf sb = STRBUF_INIT;
	int local = 0, nexthop = 0;

	assert_true(store_import_path(db, sample_path("route.trace")) > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	assert_int_equal(vx_routes_build(&ds, &routes, &n), 0);
	assert_int_equal(n, 3);
	assert_non_null(routes[1].decider);
	/* the failed nexthop lookup decided the rejected one, not the extack message after it */
	assert_string_equal(routes[1].decider->name, "fib:fib_table_lookup");
	assert_string_equal(vx_rec_field(routes[1].decider, "err"), "-11");
	assert_null(routes[1].path);	/* the analysis sets it */
	vx_route_explain(&routes[2], &sb);
	assert_non_null(strstr(sb.buf, "onlink: no lookup of 4.4.10.2 in the main table"));
	strbuf_reset(&sb);
	vx_route_explain(&routes[1], &sb);
	assert_non_null(strstr(sb.buf, "the kernel said \"Nexthop has invalid gateway\""));
	/* every lookup of route.trace runs under fib_check_nh: the onlink one in the local table */
	for (size_t i = 0; i < ds.nrecs; i++) {
		const struct vx_rec *r = &ds.recs[i];

		strbuf_reset(&sb);
		if (!strcmp(r->name, "netlink:netlink_extack")) {
			vx_route_event_note(r, NULL, &sb);
			assert_string_equal(sb.buf, "the kernel refused the request: Nexthop has invalid gateway");
			continue;
		}
		if (strcmp(r->name, "fib:fib_table_lookup"))
			continue;
		vx_route_event_note(r, r->stack_id ? vx_dataset_stack(&ds, r->stack_id) : NULL, &sb);
		local += !strncmp(sb.buf, "local-table lookup", 18);
		nexthop += !strncmp(sb.buf, "nexthop validation lookup", 25);
	}
	assert_int_equal(local, 1);
	assert_int_equal(nexthop, 2);
	strbuf_reset(&sb);
	vx_route_event_note(routes[1].decider, NULL, &sb);
	assert_string_equal(sb.buf, "route lookup; err -11 (no matching route in this table)");
	strbuf_release(&sb);
	free(routes);
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static void test_event_names_predicates(void **state)
{
	assert_string_equal(vx_event_base("net:netif_rx"), "netif_rx");
	assert_string_equal(vx_event_base("netif_rx"), "netif_rx");
	assert_null(vx_event_base(NULL));
	assert_true(vx_event_is_xmit("net:net_dev_start_xmit"));
	assert_true(vx_event_is_xmit("net:net_dev_xmit"));
	assert_false(vx_event_is_xmit("net:netif_rx"));
	assert_false(vx_event_is_xmit(NULL));
	assert_true(vx_event_is_recv("net:netif_receive_skb"));
	assert_false(vx_event_is_recv("net:net_dev_queue"));
	assert_true(vx_event_is_drop("skb:kfree_skb"));
	assert_true(vx_event_is_drop("probe:kfree_skb_reason"));
	assert_false(vx_event_is_drop("skb:consume_skb"));
	assert_true(vx_event_is_fib_lookup("fib6:fib6_table_lookup"));
	assert_false(vx_event_is_fib_lookup("netlink:netlink_extack"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_three_classes_from_tracepoints),
		cmocka_unit_test(test_routes_from_kprobe_return_values),
		cmocka_unit_test(test_routes_on_kprobe_kernel_capture),
		cmocka_unit_test(test_routes_ignore_lookups_of_forwarded_packets),
		cmocka_unit_test(test_routes_build_and_explain_from_the_dataset),
		cmocka_unit_test(test_event_names_predicates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
