/* test-stack-attach.c: the one rule that joins ftrace's stacks to their events
 * (src/decode/stack-attach.c), as trace.dat, ftrace text and the recorder use it; and the
 * same stacks from the trace.dat and its same-run ftrace text, which go through it by the two
 * ways it is fed (whole stack records, frame lines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"
#include "decode/stack-attach.h"

struct got {
	char name[64], skb[32], frame0[64];
	int cpu;
	size_t nframes;
	uint64_t ts, stack_key;
};

struct got_list {
	struct got got[16];
	size_t n;
};

static int collect(void *ctx, const struct vx_event *ev)
{
	struct got_list *c = ctx;
	struct got *g = &c->got[c->n++];
	const char *skb = vx_event_field(ev, "skbaddr");

	snprintf(g->name, sizeof(g->name), "%s", ev->name);
	snprintf(g->skb, sizeof(g->skb), "%s", skb ? skb : "");
	g->cpu = ev->cpu;
	g->ts = ev->ts_ns;
	g->nframes = ev->nframes;
	g->stack_key = ev->stack_key;
	snprintf(g->frame0, sizeof(g->frame0), "%s", ev->nframes ? ev->frames[0] : "");
	return 0;
}

static void send_at(struct vx_attach *a, const char *name, int cpu, const char *skb, uint64_t ts)
{
	struct vx_field f[] = { { "skbaddr", skb }, { "len", "98" } };
	struct vx_event ev = { .ts_ns = ts, .cpu = cpu, .pid = 7, .comm = "ping", .name = name,
			       .fields = f, .nfields = 2 };
	char scratch[32];

	assert_int_equal(vx_attach_event(a, &ev), 0);
	/* the producer reuses its buffers: the queue must have copied */
	snprintf(scratch, sizeof(scratch), "%s", "overwritten");
	f[0].value = scratch;
}

static void send(struct vx_attach *a, const char *name, int cpu, const char *skb)
{
	send_at(a, name, cpu, skb, 1);
}

static void test_stack_attaches_to_previous_event_on_same_cpu(void **state)
{
	struct got_list c = { 0 };
	struct vx_attach a;
	const char *st0[] = { "ip_output+0x0/0xe0", "iptunnel_xmit+0x1a/0x200", "vxlan_xmit_one" };
	const char *st1[] = { "netif_rx_internal+0x4/0x40" };

	(void)state;
	vx_attach_init(&a, collect, &c);
	send(&a, "net:net_dev_start_xmit", 0, "0xffff1");
	send(&a, "net:netif_rx", 1, "0xffff2");
	/* cpu 0's stack belongs to cpu 0's event, not to the later event of cpu 1 */
	assert_int_equal(vx_attach_stack(&a, 0, 1, st0, 3, 77), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.got[0].name, "net:net_dev_start_xmit");
	assert_string_equal(c.got[0].skb, "0xffff1");
	assert_int_equal(c.got[0].nframes, 3);
	assert_int_equal(c.got[0].stack_key, 77);
	assert_string_equal(c.got[0].frame0, "ip_output+0x0/0xe0");
	/* an event followed by another event on its CPU has no stack */
	send(&a, "skb:consume_skb", 1, "0xffff3");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.got[1].name, "net:netif_rx");
	assert_string_equal(c.got[1].skb, "0xffff2");
	assert_int_equal(c.got[1].nframes, 0);
	assert_int_equal(vx_attach_stack(&a, 1, 1, st1, 1, 0), 0);
	assert_int_equal(c.got[2].nframes, 1);
	assert_string_equal(c.got[2].frame0, "netif_rx_internal+0x4/0x40");
	/* a stack whose event was lost (or already has one) is an orphan */
	assert_int_equal(vx_attach_stack(&a, 1, 1, st1, 1, 0), 0);
	assert_int_equal(a.orphan_stacks, 1);
	send(&a, "net:netif_receive_skb", 3, "0xffff4");
	assert_int_equal(c.n, 3);
	assert_int_equal(vx_attach_flush(&a), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.got[3].cpu, 3);
	assert_string_equal(c.got[3].skb, "0xffff4");
	vx_attach_release(&a);
}

/*
 * Events leave in the order they came: a complete event waits behind an earlier one whose
 * CPU fell silent, until VX_ATTACH_WAIT_NS of trace time has passed; a record of another
 * event id on the silent CPU completes it too.
 */
static void test_events_leave_in_order_and_wait_for_a_silent_cpu(void **state)
{
	struct got_list c = { 0 };
	struct vx_attach a;

	(void)state;
	vx_attach_init(&a, collect, &c);
	send_at(&a, "net:a", 0, "0x1", 1000);
	send_at(&a, "net:b", 1, "0x2", 2000);
	send_at(&a, "net:c", 1, "0x3", 3000);	/* b complete, but a is first */
	assert_int_equal(c.n, 0);
	send_at(&a, "net:d", 2, "0x4", 1000 + VX_ATTACH_WAIT_NS - 1);
	assert_int_equal(c.n, 0);
	send_at(&a, "net:e", 2, "0x5", 1000 + VX_ATTACH_WAIT_NS);	/* a waited long enough */
	assert_int_equal(c.n, 2);
	assert_string_equal(c.got[0].name, "net:a");
	assert_string_equal(c.got[1].name, "net:b");
	/* an unknown record on cpu 1 completes c: it goes, and d (completed by e) after it */
	assert_int_equal(vx_attach_record(&a, 1, 1000 + VX_ATTACH_WAIT_NS), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.got[2].name, "net:c");
	assert_string_equal(c.got[3].name, "net:d");
	assert_int_equal(vx_attach_flush(&a), 0);
	assert_int_equal(c.n, 5);
	vx_attach_release(&a);
}

/* two ring buffers (trace.dat instances) have their own cpus: a stack goes to the event of
 * its own buffer's cpu */
static void test_lanes_keep_buffers_apart(void **state)
{
	struct got_list c = { 0 };
	struct vx_attach a;
	const char *st[] = { "ip_rcv+0x10/0x100" };

	(void)state;
	vx_attach_init(&a, collect, &c);
	a.lane = 0;
	send(&a, "net:top", 0, "0x1");
	a.lane = 1;
	send(&a, "net:inst", 0, "0x2");
	a.lane = 0;
	assert_int_equal(vx_attach_stack(&a, 0, 1, st, 1, 0), 0);
	assert_int_equal(vx_attach_flush(&a), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.got[0].name, "net:top");
	assert_int_equal(c.got[0].nframes, 1);
	assert_int_equal(c.got[1].nframes, 0);
	vx_attach_release(&a);
}

/* text: a stack given frame by frame (copied) to the latest event of its CPU without one;
 * at most max_held events wait */
static void test_frames_one_by_one_and_bounded_queue(void **state)
{
	struct got_list c = { 0 };
	struct vx_attach a;
	char frame[32];

	(void)state;
	vx_attach_init(&a, collect, &c);
	a.wait_ns = UINT64_MAX;
	a.max_held = 2;
	send(&a, "net:a", 0, "0x1");
	assert_true(vx_attach_stack_begin(&a, 0));
	snprintf(frame, sizeof(frame), "=> ip_output+0x1/0x10");
	assert_true(vx_attach_frame(&a, frame, strlen(frame)));
	snprintf(frame, sizeof(frame), "=> overwritten");
	assert_false(vx_attach_stack_begin(&a, 0));	/* it has one */
	assert_false(vx_attach_frame(&a, frame, strlen(frame)));
	assert_false(vx_attach_stack_begin(&a, 5));	/* no event on cpu 5 */
	send(&a, "net:b", 1, "0x2");
	assert_int_equal(c.n, 0);
	send(&a, "net:c", 2, "0x3");	/* three wait: the oldest goes */
	assert_int_equal(c.n, 1);
	assert_string_equal(c.got[0].name, "net:a");
	assert_int_equal(c.got[0].nframes, 1);
	assert_string_equal(c.got[0].frame0, "=> ip_output+0x1/0x10");
	assert_int_equal(vx_attach_flush(&a), 0);
	assert_int_equal(c.n, 3);
	vx_attach_release(&a);
}

/* the rule through both of its inputs: the trace.dat's kernel_stack records and the same
 * run's ftrace text "<stack trace>" blocks give every event of one kind the same stack */
static void test_trace_dat_and_text_attach_the_same_stacks(void **state)
{
	struct collector dat, text;
	size_t n = 0;

	(void)state;
	collector_init(&dat);
	collector_init(&text);
	assert_int_equal(import_path(sample_path("vxlan-ping.trace.dat"), &dat.sink, NULL), 0);
	assert_int_equal(import_path(sample_path("vxlan-ping.same-run.trace"), &text.sink, NULL), 0);
	for (size_t i = 0; i < dat.n && i < text.n; i++) {
		const struct collected *d = &dat.ev[i], *t = &text.ev[i];

		if (strcmp(d->name, t->name) || d->cpu != t->cpu)
			continue;
		assert_int_equal(d->nframes, t->nframes);
		for (size_t k = 0; k < d->nframes; k++)
			assert_string_equal(d->frames[k], t->frames[k]);
		n += d->nframes > 0;
	}
	assert_true(n > 100);
	collector_release(&dat);
	collector_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_attaches_to_previous_event_on_same_cpu),
		cmocka_unit_test(test_events_leave_in_order_and_wait_for_a_silent_cpu),
		cmocka_unit_test(test_lanes_keep_buffers_apart),
		cmocka_unit_test(test_frames_one_by_one_and_bounded_queue),
		cmocka_unit_test(test_trace_dat_and_text_attach_the_same_stacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
