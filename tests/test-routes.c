/* test-routes.c: route requests rebuilt and classed: validated, rejected, onlink. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"

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
	assert_int_equal(vx_analysis_build(&ds, &an), 0);
	assert_int_equal(an.nroutes, 2);
	assert_int_equal(an.routes[0].class, VX_ROUTE_REJECTED);
	assert_int_equal(an.routes[0].err, -101);
	assert_string_equal(an.routes[0].extack, "Nexthop has invalid gateway");
	assert_int_equal(an.routes[0].nevents, 3);
	assert_int_equal(an.routes[1].class, VX_ROUTE_ACCEPTED);
	assert_int_equal(an.routes[1].err, 0);
	vx_analysis_release(&an);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_three_classes_from_tracepoints),
		cmocka_unit_test(test_routes_from_kprobe_return_values),
		cmocka_unit_test(test_routes_on_kprobe_kernel_capture),
		cmocka_unit_test(test_routes_ignore_lookups_of_forwarded_packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
