/* test-decode.c: the one decoder (src/decode/decoder.c) on hand-made records, the same
 * short record through the perf.data, trace.dat and recorder paths, and one event through
 * every path. The same kernel event, stored from a
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
#include <unistd.h>
#include <cmocka.h>
#include <event-parse.h>
#include <linux/perf_event.h>
#include <perf/event.h>

#include "tests-common.h"
#include "decode/decoder.h"
#include "decode/kallsyms.h"
#include "record/record-int.h"

/* trace.dat option and section ids (trace-cmd's trace-cmd.dat.v7 document) */
enum { TD_BUFFER = 3, TD_HEADER_INFO = 16, TD_EVENT_FORMATS = 18 };

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


/* ---------------------------------------------------------------- hand-made records */

static const char kernel_stack_fmt[] =
	"name: kernel_stack\nID: 4\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:int size;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned long caller[8];\toffset:16;\tsize:64;\tsigned:0;\n\n"
	"print fmt: \"\\t=> %ps\\n\\t=> %ps\\n\\t=> %ps\\n\" \"\\t=> %ps\\n\\t=> %ps\\n\\t=> %ps\\n\" "
	"\"\\t=> %ps\\n\\t=> %ps\\n\", (void *)REC->caller[0], (void *)REC->caller[1], "
	"(void *)REC->caller[2], (void *)REC->caller[3], (void *)REC->caller[4], "
	"(void *)REC->caller[5], (void *)REC->caller[6], (void *)REC->caller[7]\n";

static const char netif_rx_fmt[] =
	"name: netif_rx\nID: 2302\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned int len;\toffset:16;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] name;\toffset:20;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"dev=%s skbaddr=%p len=%u\", __get_str(name), REC->skbaddr, REC->len\n";

static const char consume_skb_fmt[] =
	"name: consume_skb\nID: 2309\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"skbaddr=%p location=%pS\", REC->skbaddr, REC->location\n";

static const char fib_table_lookup_fmt[] =
	"name: fib_table_lookup\nID: 1630\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:u32 tb_id;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:int err;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:int oif;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:int iif;\toffset:20;\tsize:4;\tsigned:1;\n"
	"\tfield:u8 proto;\toffset:24;\tsize:1;\tsigned:0;\n"
	"\tfield:__u8 tos;\toffset:25;\tsize:1;\tsigned:0;\n"
	"\tfield:__u8 scope;\toffset:26;\tsize:1;\tsigned:0;\n"
	"\tfield:__u8 flags;\toffset:27;\tsize:1;\tsigned:0;\n"
	"\tfield:__u8 src[4];\toffset:28;\tsize:4;\tsigned:0;\n"
	"\tfield:__u8 dst[4];\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:__u8 gw4[4];\toffset:36;\tsize:4;\tsigned:0;\n"
	"\tfield:__u8 gw6[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	"\tfield:u16 sport;\toffset:56;\tsize:2;\tsigned:0;\n"
	"\tfield:u16 dport;\toffset:58;\tsize:2;\tsigned:0;\n"
	"\tfield:char name[16];\toffset:60;\tsize:16;\tsigned:0;\n\n"
	"print fmt: \"table %u oif %d iif %d proto %u %pI4/%u -> %pI4/%u tos %d scope %d flags %x "
	"==> dev %s gw %pI4/%pI6c err %d\", REC->tb_id, REC->oif, REC->iif, REC->proto, REC->src, "
	"REC->sport, REC->dst, REC->dport, REC->tos, REC->scope, REC->flags, REC->name, REC->gw4, "
	"REC->gw6, REC->err\n";

/* a kprobe with fetch args as the kernel describes it (6.1 guest, group vxanalyze) */
static const char kprobe_fmt[] =
	"name: ip_output\nID: 1890\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 len;\toffset:24;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"(%lx) skb=0x%Lx len=%u\", REC->__probe_ip, REC->skb, REC->len\n";

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81100000 T ip_output\n"
	"ffffffff81100200 T ip_finish_output2\n"
	"ffffffff81100800 T iptunnel_xmit\n"
	"ffffffff81101000 t vxlan_xmit_one\t[vxlan]\n"
	"ffffffff81102000 T vxlan_xmit\t[vxlan]\n"
	"ffffffff81103000 T dev_hard_start_xmit\n"
	"ffffffff81104000 T __dev_queue_xmit\n"
	"ffffffff81105000 T ip_rcv\n"
	"ffffffff81106000 T __netif_receive_skb_one_core\n"
	"ffffffff81107000 T process_backlog\n"
	"ffffffff81108000 T net_rx_action\n"
	"ffffffff81109000 T icmp_rcv\n"
	"ffffffff8110a000 T raw_sendmsg\n";

static struct tep_handle *make_tep(void)
{
	struct tep_handle *tep = tep_alloc();

	assert_non_null(tep);
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	assert_int_equal(tep_parse_event(tep, kernel_stack_fmt, sizeof(kernel_stack_fmt) - 1, "ftrace"), 0);
	assert_int_equal(tep_parse_event(tep, netif_rx_fmt, sizeof(netif_rx_fmt) - 1, "net"), 0);
	assert_int_equal(tep_parse_event(tep, consume_skb_fmt, sizeof(consume_skb_fmt) - 1, "skb"), 0);
	assert_int_equal(tep_parse_event(tep, kprobe_fmt, sizeof(kprobe_fmt) - 1, "vxanalyze"), 0);
	assert_int_equal(tep_parse_event(tep, fib_table_lookup_fmt, sizeof(fib_table_lookup_fmt) - 1, "fib"), 0);
	return tep;
}

static struct vx_kallsyms *make_ks(void)
{
	static struct vx_kallsyms ks;

	vx_kallsyms_release(&ks);
	assert_int_equal(vx_kallsyms_parse(&ks, kallsyms, sizeof(kallsyms) - 1, "test"), 14);
	return &ks;
}

static const char *field(const struct vx_field *f, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].key, key))
			return f[i].value;
	return NULL;
}

/* decode_one - @rec (@size bytes) of sys:name through @d into @n fields */
static const struct vx_field *decode_one(struct vx_decoder *d, struct vx_decoded *o, struct tep_handle *tep,
					 const char *sys, const char *name, const void *rec, int size, size_t *n)
{
	const struct vx_event_plan *p = vx_decoder_plan(d, tep_find_event_by_name(tep, sys, name));

	*n = vx_decode_record(d, p, rec, size, o);
	return vx_decoded_fields(o);
}

static void decode_fields_checks(struct tep_handle *tep, struct vx_decoder *d)
{
	struct vx_decoded o = { 0 };
	const struct vx_field *f;
	unsigned char rec[40] = { 0 };
	uint64_t skb = 0xffff888104e04200ULL, loc = 0xffffffff81109259ULL, ip = 0xffffffff81100000ULL;
	uint32_t len = 84, dl = (6u << 16) | 24u;
	size_t n;

	/* net:netif_rx: pointer as hex, unsigned decimal, __data_loc string */
	memcpy(rec + 8, &skb, 8);
	memcpy(rec + 16, &len, 4);
	memcpy(rec + 20, &dl, 4);
	memcpy(rec + 24, "cali1", 6);
	f = decode_one(d, &o, tep, "net", "netif_rx", rec, 30, &n);
	assert_int_equal(n, 3);
	assert_string_equal(field(f, n, "skbaddr"), "0xffff888104e04200");
	assert_string_equal(field(f, n, "len"), "84");
	assert_string_equal(field(f, n, "name"), "cali1");
	assert_null(field(f, n, "common_pid"));

	/* skb:consume_skb: location printed %pS becomes a symbol */
	memset(rec, 0, sizeof(rec));
	memcpy(rec + 8, &skb, 8);
	memcpy(rec + 16, &loc, 8);
	f = decode_one(d, &o, tep, "skb", "consume_skb", rec, 24, &n);
	assert_string_equal(field(f, n, "location"), "icmp_rcv+0x259/0x1000");

	/* kprobe: skb=0x%Lx stays hex although its type is u64; len decimal */
	memset(rec, 0, sizeof(rec));
	memcpy(rec + 8, &ip, 8);
	memcpy(rec + 16, &skb, 8);
	len = 98;
	memcpy(rec + 24, &len, 4);
	f = decode_one(d, &o, tep, "vxanalyze", "ip_output", rec, 28, &n);
	assert_string_equal(field(f, n, "skb"), "0xffff888104e04200");
	assert_string_equal(field(f, n, "len"), "98");
	assert_string_equal(field(f, n, "__probe_ip"), "0xffffffff81100000");

	/* fib:fib_table_lookup: u8[4] addresses dotted (not text), signed err, char[] name */
	{
		unsigned char fr[76] = { 0 };
		int32_t err = -11, oif = 2;
		uint32_t tb = 254;
		const unsigned char dst[4] = { 10, 99, 99, 99 };

		memcpy(fr + 8, &tb, 4);
		memcpy(fr + 12, &err, 4);
		memcpy(fr + 16, &oif, 4);
		memcpy(fr + 32, dst, 4);
		fr[40 + 15] = 1;	/* gw6 ::1 */
		memcpy(fr + 60, "eth0", 5);
		f = decode_one(d, &o, tep, "fib", "fib_table_lookup", fr, 76, &n);
		assert_string_equal(field(f, n, "tb_id"), "254");
		assert_string_equal(field(f, n, "err"), "-11");
		assert_string_equal(field(f, n, "dst"), "10.99.99.99");
		assert_string_equal(field(f, n, "src"), "0.0.0.0");
		assert_string_equal(field(f, n, "gw6"), "::1");
		assert_string_equal(field(f, n, "name"), "eth0");
	}

	/* a record too short for a field leaves that field out instead of reading past the end
	 * (or claiming an empty value); the fields it holds stay */
	f = decode_one(d, &o, tep, "vxanalyze", "ip_output", rec, 20, &n);
	assert_int_equal(n, 1);
	assert_string_equal(field(f, n, "__probe_ip"), "0xffffffff81100000");
	assert_null(field(f, n, "skb"));
	assert_null(field(f, n, "len"));
	vx_decoded_release(&o);
}

/* skb:kfree_skb of a 6.18 kernel (its __print_symbolic table cut to a few reasons) */
static const char kfree_skb_fmt[] =
	"name: kfree_skb\nID: 1319\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned short protocol;\toffset:24;\tsize:2;\tsigned:0;\n"
	"\tfield:enum skb_drop_reason reason;\toffset:28;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"skbaddr=%p protocol=%u location=%pS reason: %s\", REC->skbaddr, REC->protocol, "
	"REC->location, __print_symbolic(REC->reason, { 2, \"NOT_SPECIFIED\" }, { 3, \"NO_SOCKET\" }, "
	"{ 114, \"NO_TX_TARGET\" }, { SKB_DROP_REASON_MAX, \"MAX\" })\n";

/* a drop reason by the capture's own format: the __print_symbolic table names it, a value the
 * table lacks is UNKNOWN(n) (a subsystem's: SUBSYS/UNKNOWN(n)), never a bare number; the
 * table goes to the sink as capture meta drop_reasons once (an unevaluated enumerator's
 * entry is left out) */
static char meta_seen[256];

static int meta_keep(struct vx_sink *s, const char *key, const char *value, size_t len)
{
	if (!strcmp(key, "drop_reasons"))
		snprintf(meta_seen + strlen(meta_seen), sizeof(meta_seen) - strlen(meta_seen), "%.*s|", (int)len, value);
	return 0;
}

static void test_drop_reasons_by_the_formats_names(void **state)
{
	struct tep_handle *tep = make_tep();
	struct vx_sink sink = { .meta = meta_keep };
	const struct vx_event_plan *p;
	struct vx_decoder d;
	struct vx_decoded o = { 0 };
	static const struct { uint32_t v; const char *name; } want[] = {
		{ 2, "NOT_SPECIFIED" }, { 114, "NO_TX_TARGET" }, { 999, "UNKNOWN(999)" },
		{ (3u << 16) | 2, "OPENVSWITCH/UNKNOWN(2)" }, { (9u << 16) | 1, "SUBSYS(9)/UNKNOWN(1)" },
	};

	(void)state;
	meta_seen[0] = '\0';
	assert_int_equal(tep_parse_event(tep, kfree_skb_fmt, sizeof(kfree_skb_fmt) - 1, "skb"), 0);
	vx_decoder_init(&d);
	d.meta = &sink;
	p = vx_decoder_plan(&d, tep_find_event_by_name(tep, "skb", "kfree_skb"));
	vx_decoder_plan(&d, tep_find_event_by_name(tep, "skb", "kfree_skb"));
	assert_string_equal(meta_seen, "2 NOT_SPECIFIED\n3 NO_SOCKET\n114 NO_TX_TARGET|");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		unsigned char rec[32] = { 0 };
		size_t n;

		memcpy(rec + 28, &want[i].v, 4);
		n = vx_decode_record(&d, p, rec, sizeof(rec), &o);
		assert_string_equal(field(vx_decoded_fields(&o), n, "reason"), want[i].name);
		/* the other fields keep their conversions */
		assert_string_equal(field(vx_decoded_fields(&o), n, "protocol"), "0");
	}
	vx_decoded_release(&o);
	vx_decoder_release(&d);
	tep_free(tep);
}

/* the same decoding with a fresh decoder and with one that has met every event before (a
 * decoder lives for one import or recording) */
static void test_decode_fields_names_types_like_the_format(void **state)
{
	struct tep_handle *tep = make_tep();
	struct vx_decoder d;

	(void)state;
	vx_decoder_init(&d);
	vx_decoder_symbols(&d, make_ks(), NULL);
	decode_fields_checks(tep, &d);
	assert_int_equal(d.nplans, 4);
	decode_fields_checks(tep, &d);
	assert_int_equal(d.nplans, 4);
	vx_decoder_release(&d);
	tep_free(tep);
}

/* the 6.1 kernel's own format of a u8[64] fetch argument ("u8 pkt0[]", size 64, printed
 * element by element) decodes to 0x and the bytes in hex, whichever backend read it */
static const char kprobe_bytes_fmt[] =
	"name: ztest\nID: 1348\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 skb;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u8 pkt0[];\toffset:24;\tsize:64;\tsigned:0;\n"
	"\tfield:u16 pkt_nh;\toffset:88;\tsize:2;\tsigned:0;\n\n"
	"print fmt: \"(%lx) skb=0x%Lx pkt0={%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,"
	"%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,"
	"%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u} pkt_nh=%u\", REC->__probe_ip, REC->skb, "
	"REC->pkt0[0], REC->pkt0[1], REC->pkt0[2], REC->pkt0[3], REC->pkt0[4], REC->pkt0[5], "
	"REC->pkt0[6], REC->pkt0[7], REC->pkt0[8], REC->pkt0[9], REC->pkt0[10], REC->pkt0[11], "
	"REC->pkt0[12], REC->pkt0[13], REC->pkt0[14], REC->pkt0[15], REC->pkt0[16], REC->pkt0[17], "
	"REC->pkt0[18], REC->pkt0[19], REC->pkt0[20], REC->pkt0[21], REC->pkt0[22], REC->pkt0[23], "
	"REC->pkt0[24], REC->pkt0[25], REC->pkt0[26], REC->pkt0[27], REC->pkt0[28], REC->pkt0[29], "
	"REC->pkt0[30], REC->pkt0[31], REC->pkt0[32], REC->pkt0[33], REC->pkt0[34], REC->pkt0[35], "
	"REC->pkt0[36], REC->pkt0[37], REC->pkt0[38], REC->pkt0[39], REC->pkt0[40], REC->pkt0[41], "
	"REC->pkt0[42], REC->pkt0[43], REC->pkt0[44], REC->pkt0[45], REC->pkt0[46], REC->pkt0[47], "
	"REC->pkt0[48], REC->pkt0[49], REC->pkt0[50], REC->pkt0[51], REC->pkt0[52], REC->pkt0[53], "
	"REC->pkt0[54], REC->pkt0[55], REC->pkt0[56], REC->pkt0[57], REC->pkt0[58], REC->pkt0[59], "
	"REC->pkt0[60], REC->pkt0[61], REC->pkt0[62], REC->pkt0[63], REC->pkt_nh\n";

static void test_decode_fields_packet_bytes_as_hex(void **state)
{
	struct tep_handle *tep = tep_alloc();
	unsigned char rec[90] = { 0 };
	struct strbuf want = STRBUF_INIT;
	struct vx_decoder d;
	struct vx_decoded o = { 0 };
	const struct vx_field *f;
	uint16_t nh = 16;
	size_t n;

	(void)state;
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	assert_int_equal(tep_parse_event(tep, kprobe_bytes_fmt, sizeof(kprobe_bytes_fmt) - 1, "vxanalyze"), 0);
	for (int i = 0; i < 64; i++)
		rec[24 + i] = (unsigned char)(0x45 + i);
	memcpy(rec + 88, &nh, 2);
	vx_decoder_init(&d);
	f = decode_one(&d, &o, tep, "vxanalyze", "ztest", rec, 90, &n);
	strbuf_addstr(&want, "0x");
	for (int i = 0; i < 64; i++)
		strbuf_addf(&want, "%02x", 0x45 + i);
	assert_string_equal(field(f, n, "pkt0"), want.buf);
	assert_string_equal(field(f, n, "pkt_nh"), "16");
	vx_decoded_release(&o);
	vx_decoder_release(&d);
	strbuf_release(&want);
	tep_free(tep);
}

/* decode_stack - the kernel_stack record @rec (@size bytes) through a decoder with @ks and
 * @extra; the frames into @out (up to 16), their count returned */
static int decode_stack(struct tep_handle *tep, const char *fmt_name, const struct vx_kallsyms *ks,
			const struct vx_kallsyms *extra, const void *rec, int size, char out[][64])
{
	struct vx_decoder d;
	const char *const *frames;
	uint64_t key;
	int n;

	vx_decoder_init(&d);
	vx_decoder_symbols(&d, ks, extra);
	n = vx_decode_stack(&d, vx_decoder_plan(&d, tep_find_event_by_name(tep, "ftrace", fmt_name)), rec,
			    size, &frames, &key);
	for (int i = 0; i < n && i < 16; i++)
		snprintf(out[i], 64, "%s", frames[i]);
	vx_decoder_release(&d);
	return n;
}

static void test_kernel_stack_reads_size_entries_not_eight(void **state)
{
	static const uint64_t callers[12] = {
		0xffffffff81100010, 0xffffffff81100850, 0xffffffff81101040, 0xffffffff81102010,
		0xffffffff81103020, 0xffffffff81104030, 0xffffffff81100240, 0xffffffff81100020,
		0xffffffff81105010, 0xffffffff81106010, 0xffffffff81107010, 0xffffffff81108010,
	};
	unsigned char rec[16 + sizeof(callers)] = { 0 };
	int32_t size = 12;
	struct tep_handle *tep = make_tep();
	char f[16][64];

	(void)state;
	memcpy(rec + 8, &size, 4);
	memcpy(rec + 16, callers, sizeof(callers));
	assert_int_equal(decode_stack(tep, "kernel_stack", make_ks(), NULL, rec, (int)sizeof(rec), f), 12);
	assert_string_equal(f[0], "ip_output+0x10/0x200");
	assert_string_equal(f[1], "iptunnel_xmit+0x50/0x800");
	assert_string_equal(f[8], "ip_rcv+0x10/0x1000");
	assert_string_equal(f[11], "net_rx_action+0x10/0x1000");
	/* a size beyond the record is clamped to what the record holds */
	size = 1000;
	memcpy(rec + 8, &size, 4);
	assert_int_equal(decode_stack(tep, "kernel_stack", make_ks(), NULL, rec, (int)sizeof(rec), f), 12);
	/* a size in bytes (older kernels) is a count of entries */
	size = 5 * 8;
	memcpy(rec + 8, &size, 4);
	assert_int_equal(decode_stack(tep, "kernel_stack", make_ks(), NULL, rec, (int)sizeof(rec), f), 5);
	tep_free(tep);
}

/* a kernel_stack whose format says 4-byte callers (a 32-bit kernel's unsigned long) */
static const char kernel_stack32_fmt[] =
	"name: kernel_stack\nID: 5\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:int size;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int caller[8];\toffset:12;\tsize:32;\tsigned:0;\n\n"
	"print fmt: \"\\t=> %ps\\n\", (void *)REC->caller[0]\n";

/*
 * One kernel_stack rule: the element size is the format's (4 here, on a tep whose long is
 * 8), the end markers (0, all ones) are left out, and an address goes to the capture's
 * table, then to the table that fills it (--kallsyms), else stays hex.
 */
static void test_kernel_stack_element_size_markers_and_symbol_fallback(void **state)
{
	static const char extra_text[] = "0000000000001000 T low_fn\n0000000000001100 T low_next\n";
	const uint32_t callers[6] = { 0x1010, 0, 0xffffffff, 0x1104, 0x20, 0 };
	unsigned char rec[12 + sizeof(callers)] = { 0 };
	int32_t size = 6;
	struct tep_handle *tep = tep_alloc();
	struct vx_kallsyms extra = { 0 };
	char f[16][64];

	(void)state;
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	assert_int_equal(tep_parse_event(tep, kernel_stack32_fmt, sizeof(kernel_stack32_fmt) - 1, "ftrace"), 0);
	assert_int_equal(vx_kallsyms_parse(&extra, extra_text, sizeof(extra_text) - 1, "extra"), 2);
	memcpy(rec + 8, &size, 4);
	memcpy(rec + 12, callers, sizeof(callers));
	assert_int_equal(decode_stack(tep, "kernel_stack", make_ks(), &extra, rec, (int)sizeof(rec), f), 3);
	assert_string_equal(f[0], "low_fn+0x10/0x100");
	assert_string_equal(f[1], "low_next+0x4");
	assert_string_equal(f[2], "0x20");
	/* without the filling table: hex */
	assert_int_equal(decode_stack(tep, "kernel_stack", make_ks(), NULL, rec, (int)sizeof(rec), f), 3);
	assert_string_equal(f[0], "0x1010");
	vx_kallsyms_release(&extra);
	tep_free(tep);
}

/* ---------------------------------------------------------------- one short record, three paths */

/*
 * A net:netif_rx record of 20 bytes: the common fields, skbaddr and len; its __data_loc name
 * (offset 20) is past the end. Every path leaves name out and keeps the other two.
 */
#define SHORT_LEN 20
static const uint64_t short_skb = 0xffff888104e04200ULL;

static void short_record(unsigned char rec[SHORT_LEN])
{
	uint16_t type = 2302;
	int32_t pid = 42;
	uint32_t len = 84;

	memset(rec, 0, SHORT_LEN);
	memcpy(rec, &type, 2);
	memcpy(rec + 4, &pid, 4);
	memcpy(rec + 8, &short_skb, 8);
	memcpy(rec + 16, &len, 4);
}

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n";

static void put(struct strbuf *b, const void *p, size_t n)
{
	strbuf_add(b, p, n);
}

static void put32(struct strbuf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put64(struct strbuf *b, uint64_t v)
{
	put(b, &v, 8);
}

static void put16(struct strbuf *b, uint16_t v)
{
	put(b, &v, 2);
}

/* ring_page - one 4096-byte ring page holding the short record at time 1000 */
static void ring_page(unsigned char page[4096])
{
	uint32_t h = SHORT_LEN / 4;	/* type_len: data of 4 * type_len bytes, time delta 0 */
	uint64_t ts = 1000, commit = 4 + SHORT_LEN;

	memset(page, 0, 4096);
	memcpy(page, &ts, 8);
	memcpy(page + 8, &commit, 8);
	memcpy(page + 16, &h, 4);
	short_record(page + 20);
}

/* the file's events: the collector's copy of the only one */
static const struct collected *only_event(const struct collector *c)
{
	assert_int_equal(c->n, 1);
	assert_string_equal(c->ev[0].name, "net:netif_rx");
	return &c->ev[0];
}

static void assert_short_fields(const struct collected *e)
{
	assert_int_equal(e->nfields, 2);
	assert_string_equal(e->keys[0], "skbaddr");
	assert_string_equal(e->values[0], "0xffff888104e04200");
	assert_string_equal(e->keys[1], "len");
	assert_string_equal(e->values[1], "84");
	assert_null(collected_field(e, "name"));
}

/* the tracing data of a perf.data: the formats of netif_rx, as perf writes them */
static void perf_tracing_data(struct strbuf *b)
{
	static const unsigned char magic[10] = { 23, 8, 68, 't', 'r', 'a', 'c', 'i', 'n', 'g' };

	put(b, magic, 10);
	put(b, "0.6", 4);
	put(b, "\0\x08", 2);	/* little endian, long size 8 */
	put32(b, 4096);
	put(b, "header_page", 12);
	put64(b, sizeof(header_page) - 1);
	put(b, header_page, sizeof(header_page) - 1);
	put(b, "header_event", 13);
	put64(b, 0);
	put32(b, 0);		/* ftrace formats */
	put32(b, 1);		/* systems */
	put(b, "net", 4);
	put32(b, 1);
	put64(b, sizeof(netif_rx_fmt) - 1);
	put(b, netif_rx_fmt, sizeof(netif_rx_fmt) - 1);
	put32(b, 0);		/* kallsyms */
	put32(b, 0);		/* printk formats */
	put64(b, 0);		/* saved cmdlines */
}

/* short_perf_data - a pipe-mode perf.data: the attr, the tracing data, one sample */
static void short_perf_data(struct strbuf *b)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .config = 2302,
		.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW };
	struct strbuf td = STRBUF_INIT;
	struct perf_event_header h;
	unsigned char rec[SHORT_LEN];

	put64(b, 0x32454c4946524550ULL);	/* PERFILE2 */
	put64(b, 16);
	h = (struct perf_event_header){ PERF_RECORD_HEADER_ATTR, 0, (uint16_t)(8 + sizeof(attr) + 8) };
	put(b, &h, 8);
	put(b, &attr, sizeof(attr));
	put64(b, 1);
	perf_tracing_data(&td);
	h = (struct perf_event_header){ PERF_RECORD_HEADER_TRACING_DATA, 0,
					 (uint16_t)sizeof(struct perf_record_header_tracing_data) };
	put(b, &h, 8);
	put32(b, (uint32_t)td.len);
	for (size_t i = 12; i < sizeof(struct perf_record_header_tracing_data); i++)
		put(b, "", 1);
	put(b, td.buf, td.len);
	h = (struct perf_event_header){ PERF_RECORD_SAMPLE, 0, 8 + 8 + 8 + 8 + 4 + SHORT_LEN };
	put(b, &h, 8);
	put32(b, 42);
	put32(b, 42);
	put64(b, 1000);
	put32(b, 0);
	put32(b, 0);
	put32(b, SHORT_LEN);
	short_record(rec);
	put(b, rec, SHORT_LEN);
	strbuf_release(&td);
}

/* section - a trace.dat v7 section header (id, no flags, no description) and its payload */
static void section(struct strbuf *b, uint16_t id, const struct strbuf *payload)
{
	put16(b, id);
	put16(b, 0);
	put32(b, 0);
	put64(b, payload ? payload->len : 0);
	if (payload)
		put(b, payload->buf, payload->len);
}

/* short_trace_dat - a trace.dat version 7, uncompressed: header page, the netif_rx format,
 * one buffer of one cpu whose one page holds the short record */
static void short_trace_dat(struct strbuf *b)
{
	struct strbuf hi = STRBUF_INIT, ev = STRBUF_INIT, opt = STRBUF_INIT;
	unsigned char page[4096];
	uint64_t hi_at, ev_at, buf_at, page_at, opt_at;

	put(&hi, "header_page", 12);
	put64(&hi, sizeof(header_page) - 1);
	put(&hi, header_page, sizeof(header_page) - 1);
	put(&hi, "header_event", 13);
	put64(&hi, 0);
	put32(&ev, 1);
	put(&ev, "net", 4);
	put32(&ev, 1);
	put64(&ev, sizeof(netif_rx_fmt) - 1);
	put(&ev, netif_rx_fmt, sizeof(netif_rx_fmt) - 1);

	put(b, "\027\010\104tracing", 10);
	put(b, "7", 2);
	put(b, "\0\x08", 2);	/* little endian, long size 8 */
	put32(b, 4096);
	put(b, "none", 5);
	put(b, "", 1);
	opt_at = b->len;
	put64(b, 0);		/* the options' offset, set below */
	hi_at = b->len;
	section(b, TD_HEADER_INFO, &hi);
	ev_at = b->len;
	section(b, TD_EVENT_FORMATS, &ev);
	buf_at = b->len;
	section(b, TD_BUFFER, NULL);
	page_at = b->len;
	ring_page(page);
	put(b, page, sizeof(page));

	put16(&opt, TD_HEADER_INFO);
	put32(&opt, 8);
	put64(&opt, hi_at);
	put16(&opt, TD_EVENT_FORMATS);
	put32(&opt, 8);
	put64(&opt, ev_at);
	put16(&opt, TD_BUFFER);
	put32(&opt, 8 + 1 + 6 + 4 + 4 + 20);
	put64(&opt, buf_at);
	put(&opt, "", 1);		/* the top-level buffer */
	put(&opt, "local", 6);		/* its clock */
	put32(&opt, 4096);
	put32(&opt, 1);
	put32(&opt, 0);
	put64(&opt, page_at);
	put64(&opt, sizeof(page));
	put16(&opt, 0);			/* DONE: no more options */
	put32(&opt, 8);
	put64(&opt, 0);
	memcpy(b->buf + opt_at, &b->len, 8);
	section(b, 0, &opt);
	strbuf_release(&hi);
	strbuf_release(&ev);
	strbuf_release(&opt);
}

/* import_bytes - @b as a file through format detection into @c */
static void import_bytes(const struct strbuf *b, struct collector *c, const char *format)
{
	char *path = tmp_file(b->buf, b->len);
	const struct vx_format *fmt = NULL;

	collector_init(c);
	assert_int_equal(import_path(path, &c->sink, &fmt), 0);
	assert_non_null(fmt);
	assert_string_equal(fmt->name, format);
	unlink(path);
	free(path);
}

/* the recorder's ftrace path: the page in a spool file, decoded as after a recording */
static void record_page(struct collector *c)
{
	struct vx_recording r = { 0 };
	unsigned char page[4096];

	collector_init(c);
	r.sink = &c->sink;
	r.tep = make_tep();
	r.ncpus = 1;
	assert_int_equal(vx_spool_create(&r.spool, 1), 0);
	ring_page(page);
	assert_int_equal(write(r.spool.fds[0], page, sizeof(page)), (ssize_t)sizeof(page));
	assert_int_equal(vx_rec_ftrace_decode_spool(&r, 4096), 0);
	assert_int_equal(vx_spool_remove(&r.spool, true), 0);
	tep_free(r.tep);
}

/*
 * The one rule for a record too short for a field (src/decode/decoder.h): the same 20-byte
 * net:netif_rx record through a perf.data sample, a trace.dat page and the recorder's spool
 * gives the same event: skbaddr and len, no name (neither dropped with the event nor kept
 * empty).
 */
static void test_short_record_same_fields_on_every_path(void **state)
{
	struct strbuf pdata = STRBUF_INIT, tdat = STRBUF_INIT;
	struct collector perf, dat, rec;

	(void)state;
	short_perf_data(&pdata);
	short_trace_dat(&tdat);
	import_bytes(&pdata, &perf, "perf-data");
	import_bytes(&tdat, &dat, "trace-dat");
	record_page(&rec);
	assert_short_fields(only_event(&perf));
	assert_short_fields(only_event(&dat));
	assert_short_fields(only_event(&rec));
	assert_int_equal(only_event(&perf)->ts_ns, 1000);
	assert_int_equal(only_event(&dat)->ts_ns, 1000);
	assert_int_equal(only_event(&rec)->ts_ns, 1000);
	collector_release(&perf);
	collector_release(&dat);
	collector_release(&rec);
	strbuf_release(&pdata);
	strbuf_release(&tdat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_fields_names_types_like_the_format),
		cmocka_unit_test(test_drop_reasons_by_the_formats_names),
		cmocka_unit_test(test_decode_fields_packet_bytes_as_hex),
		cmocka_unit_test(test_kernel_stack_reads_size_entries_not_eight),
		cmocka_unit_test(test_kernel_stack_element_size_markers_and_symbol_fallback),
		cmocka_unit_test(test_short_record_same_fields_on_every_path),
		cmocka_unit_test(test_one_transmit_same_fields_through_every_path),
		cmocka_unit_test(test_drop_location_is_a_symbol_on_binary_and_text_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
