/* test-payload.c: text payloads → fields, named as in the events' format files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parsers/payload.h"

static const char *get(struct vx_field *f, size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].key, k))
			return f[i].value;
	return NULL;
}

static void test_payload_key_values(void **state)
{
	char t[] = "dev=vxlan.calico skbaddr=00000000dd4655db len=98";
	struct vx_field f[8];
	size_t n = vx_payload_parse("net_dev_start_xmit", t, f, 8);

	assert_int_equal(n, 3);
	assert_string_equal(get(f, n, "dev"), "vxlan.calico");
	assert_string_equal(get(f, n, "len"), "98");
}

static void test_payload_value_with_spaces_runs_to_next_key(void **state)
{
	char t[] = "msg=Nexthop has invalid gateway";
	char t2[] = "a=one two b=three";
	struct vx_field f[8];
	size_t n = vx_payload_parse("netlink_extack", t, f, 8);

	assert_int_equal(n, 1);
	assert_string_equal(get(f, n, "msg"), "Nexthop has invalid gateway");
	n = vx_payload_parse("x", t2, f, 8);
	assert_int_equal(n, 2);
	assert_string_equal(get(f, n, "a"), "one two");
	assert_string_equal(get(f, n, "b"), "three");
}

static void test_payload_fib_table_lookup_positional(void **state)
{
	char t[] = "table 254 oif 2 iif 1 proto 0 0.0.0.0/0 -> 4.4.10.2/0 tos 0 scope 253 flags 0 ==> dev - gw 0.0.0.0/:: err -11";
	struct vx_field f[32];
	size_t n = vx_payload_parse("fib_table_lookup", t, f, 32);

	assert_string_equal(get(f, n, "tb_id"), "254");
	assert_string_equal(get(f, n, "oif"), "2");
	assert_string_equal(get(f, n, "dst"), "4.4.10.2");
	assert_string_equal(get(f, n, "src"), "0.0.0.0");
	assert_string_equal(get(f, n, "name"), "-");
	assert_string_equal(get(f, n, "gw4"), "0.0.0.0");
	assert_string_equal(get(f, n, "gw6"), "::");
	assert_string_equal(get(f, n, "err"), "-11");
	assert_string_equal(get(f, n, "scope"), "253");
}

static void test_payload_fib_table_lookup_with_empty_device(void **state)
{
	char t[] = "table 254 oif 0 iif 1 proto 1 0.0.0.0/0 -> 10.244.2.7/0 tos 0 scope 0 flags 0 ==> dev  gw 169.254.1.1/:: err 0";
	struct vx_field f[32];
	size_t n = vx_payload_parse("fib_table_lookup", t, f, 32);

	assert_string_equal(get(f, n, "name"), "");
	assert_string_equal(get(f, n, "gw4"), "169.254.1.1");
	assert_string_equal(get(f, n, "err"), "0");
}

static void test_payload_kfree_skb_reason(void **state)
{
	char t[] = "skbaddr=000000001 rx_sk=0000000000000000 protocol=2048 location=ip_rcv_core+0x1/0x2 reason: NOT_SPECIFIED";
	struct vx_field f[8];
	size_t n = vx_payload_parse("kfree_skb", t, f, 8);

	assert_string_equal(get(f, n, "location"), "ip_rcv_core+0x1/0x2");
	assert_string_equal(get(f, n, "reason"), "NOT_SPECIFIED");
	assert_string_equal(get(f, n, "protocol"), "2048");
}

static void test_payload_without_structure_is_kept_as_text(void **state)
{
	char t[] = "hello world  ";
	struct vx_field f[8];
	size_t n = vx_payload_parse("tracing_mark_write", t, f, 8);

	assert_int_equal(n, 1);
	assert_string_equal(get(f, n, "text"), "hello world");
}

static void test_payload_event_systems(void **state)
{
	assert_string_equal(vx_event_system("net_dev_start_xmit", "dev=x"), "net");
	assert_string_equal(vx_event_system("fib_table_lookup", "table 254"), "fib");
	assert_string_equal(vx_event_system("ip_output", "(ip_output+0x0/0xe0) skb=0x1"), "probe");
	assert_string_equal(vx_event_system("r", "(a+0x1/0x2 <- b) ret=0"), "probe");
	assert_string_equal(vx_event_system("something_new", "x=1"), "ftrace");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_key_values),
		cmocka_unit_test(test_payload_value_with_spaces_runs_to_next_key),
		cmocka_unit_test(test_payload_fib_table_lookup_positional),
		cmocka_unit_test(test_payload_fib_table_lookup_with_empty_device),
		cmocka_unit_test(test_payload_kfree_skb_reason),
		cmocka_unit_test(test_payload_without_structure_is_kept_as_text),
		cmocka_unit_test(test_payload_event_systems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
