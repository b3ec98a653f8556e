/* test-decode.c: one event through every path. The same kernel event, stored from a
 * perf.data, its perf script text, a trace.dat and its ftrace text, must store the same field
 * text (src/decode/tep-decode.c is the one decoder of the binary paths; the text paths keep what
 * the kernel or perf printed). The samples are real captures: vxlan-ping.perf.data and
 * vxlan-ping.perf-script.txt are one run, vxlan-ping.trace.dat and vxlan-ping.same-run.trace
 * another run of the same ping on the same kernel (samples/README.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests-common.h"

struct stored {
	char *db;
	struct vx_dataset ds;
	struct vx_analysis an;
};

static void store_sample(struct stored *s, const char *name)
{
	s->db = test_db_new();
	assert_true(store_import_path(s->db, sample_path(name)) > 0);
	assert_int_equal(analyse_db(s->db, 0, &s->ds, &s->an), 0);
}

static void stored_release(struct stored *s)
{
	analyse_release(&s->ds, &s->an);
	test_db_remove(s->db);
}

/* the first stored event @name on @dev (NULL: any) */
static const struct vx_rec *first_event(const struct stored *s, const char *name, const char *dev)
{
	for (size_t i = 0; i < s->ds.nrecs; i++) {
		const struct vx_rec *r = &s->ds.recs[i];

		if (!strcmp(r->name, name) && (!dev || (r->dev && !strcmp(r->dev, dev))))
			return r;
	}
	return NULL;
}

/* the binary paths name a field as its format does ("name"), the text paths as the print
 * format labels it ("dev=%s"): the same field under both keys */
static const char *field_of(const struct vx_rec *r, const char *key)
{
	const char *v = vx_rec_field(r, key);

	if (!v && !strcmp(key, "name"))
		v = vx_rec_field(r, "dev");
	return v;
}

/* every field of @a that @b has too holds the same text, but for the keys in @differ
 * (NULL-terminated); returns how many fields were compared */
static size_t assert_same_fields(const struct vx_rec *a, const struct vx_rec *b, const char *const *differ)
{
	size_t compared = 0;

	for (size_t i = 0; i < a->nfields; i++) {
		const char *key = a->fields[i].key, *other = field_of(b, key);
		bool skip = false;

		for (size_t k = 0; differ && differ[k]; k++)
			skip |= !strcmp(differ[k], key);
		if (skip || !other)
			continue;
		if (strcmp(a->fields[i].value, other))
			fail_msg("field %s of %s: \"%s\" against \"%s\"", key, a->name, a->fields[i].value, other);
		compared++;
	}
	return compared;
}

/* the pod's first transmit (eth0, 98 bytes) through the four paths */
static void test_one_transmit_same_fields_through_every_path(void **state)
{
	struct stored perf, script, dat, text;
	const struct vx_rec *p, *s, *d, *t;
	/* the kernel's ftrace text hashes %p: the raw skb address only reaches the binary paths
	 * and perf script */
	static const char *const hashed[] = { "skbaddr", NULL };
	/* perf script prints through libtraceevent's printf: "%#x" of 0 is "0" there, "0x0" in
	 * the kernel's own text, which the binary paths follow */
	static const char *const glibc_alt[] = { "gso_type", NULL };
	static const char *const other_run[] = { "skbaddr", NULL };

	store_sample(&perf, "vxlan-ping.perf.data");
	store_sample(&script, "vxlan-ping.perf-script.txt");
	store_sample(&dat, "vxlan-ping.trace.dat");
	store_sample(&text, "vxlan-ping.same-run.trace");
	p = first_event(&perf, "net:net_dev_start_xmit", "eth0");
	s = first_event(&script, "net:net_dev_start_xmit", "eth0");
	d = first_event(&dat, "net:net_dev_start_xmit", "eth0");
	t = first_event(&text, "net:net_dev_start_xmit", "eth0");
	assert_non_null(p);
	assert_non_null(s);
	assert_non_null(d);
	assert_non_null(t);
	/* one event: the same time (the text paths print microseconds) and the same length */
	assert_true(llabs((long long)(p->ts_ns - s->ts_ns)) < 1000);
	assert_true(llabs((long long)(d->ts_ns - t->ts_ns)) < 1000);
	assert_int_equal(p->len, 98);
	assert_int_equal(d->len, 98);

	/* the print format's hex, zero-padded ("protocol=0x%04x") on every path */
	assert_string_equal(field_of(p, "protocol"), "0x0800");
	assert_string_equal(field_of(s, "protocol"), "0x0800");
	assert_string_equal(field_of(d, "protocol"), "0x0800");
	assert_string_equal(field_of(t, "protocol"), "0x0800");
	assert_string_equal(field_of(p, "vlan_proto"), "0x0000");
	assert_string_equal(field_of(d, "gso_type"), "0x0");
	assert_string_equal(field_of(t, "gso_type"), "0x0");

	/* the same run, binary against text: all 17 payload fields */
	assert_int_equal(assert_same_fields(p, s, glibc_alt), 16);
	assert_string_equal(field_of(p, "skbaddr"), field_of(s, "skbaddr"));
	assert_int_equal(assert_same_fields(d, t, hashed), 16);
	/* the two binary decoders on the same event of two runs: only the address differs */
	assert_int_equal(p->nfields, d->nfields);
	assert_int_equal(assert_same_fields(p, d, other_run), 16);
	for (size_t i = 0; i < p->nfields; i++)
		assert_string_equal(p->fields[i].key, d->fields[i].key);
	stored_release(&perf);
	stored_release(&script);
	stored_release(&dat);
	stored_release(&text);
}

/* a "%pS" field (skb:kfree_skb's location) is a symbol on the perf.data path as in the
 * kernel's text: the same drop (ping_rcv freeing the reply, same kernel build) from
 * flood-free.perf.data (symbolised with its samples/flood.kallsyms) and vxlan-drops.trace */
static void test_drop_location_is_a_symbol_on_binary_and_text_paths(void **state)
{
	struct stored perf, text;
	const struct vx_rec *p = NULL, *t = NULL;

	store_sample(&perf, "flood-free.perf.data");
	store_sample(&text, "vxlan-drops.trace");
	for (size_t i = 0; i < perf.ds.nrecs && !p; i++)
		if (!strcmp(perf.ds.recs[i].name, "skb:kfree_skb"))
			p = &perf.ds.recs[i];
	for (size_t i = 0; i < text.ds.nrecs && !t; i++)
		if (!strcmp(text.ds.recs[i].name, "skb:kfree_skb") && vx_rec_field(&text.ds.recs[i], "location") &&
		    !strncmp(vx_rec_field(&text.ds.recs[i], "location"), "ping_rcv+", 9))
			t = &text.ds.recs[i];
	assert_non_null(p);
	assert_non_null(t);
	assert_string_equal(vx_rec_field(t, "location"), "ping_rcv+0xb3/0xe0");
	assert_string_equal(vx_rec_field(p, "location"), vx_rec_field(t, "location"));
	stored_release(&perf);
	stored_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_transmit_same_fields_through_every_path),
		cmocka_unit_test(test_drop_location_is_a_symbol_on_binary_and_text_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
