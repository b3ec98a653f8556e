/* test-perf-script.c: the `perf script` text importer on the conversion of the lab's
 * perf.data (samples/vxlan-ping.perf-script.txt), against the perf.data itself and the
 * ftrace text of the same scenario, and on header forms the sample does not show. */
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
#include "core/error.h"
#include "core/strbuf.h"

#define SCRIPT "vxlan-ping.perf-script.txt"

/* sample - like sample() but with a few buffers, so that two sample paths can be
 * arguments of one call */
static const char *sample(const char *name)
{
	static char buf[4][4096];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s", sample_path(name));
	return b;
}


static int import_as(const char *path, const char *format, const char *kallsyms, struct collector *c)
{
	struct vx_input *in = vx_input_open(path);
	struct vx_import_opts opts = { .kallsyms = kallsyms };
	const struct vx_format *f = vx_format_by_name(format);
	int r;

	assert_non_null(in);
	assert_non_null(f);
	r = f->import(in, &c->sink, &opts);
	vx_input_close(in);
	return r;
}

static size_t count_headers(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (line[0] != '\t' && line[0] != '\n')
			n++;
	fclose(f);
	return n;
}

static const char *dev_of(const struct collected *e)
{
	const char *d = collected_field(e, "dev");

	return d ? d : collected_field(e, "name");
}

/* what both importers must agree on, whatever the field spelling of each */
static char *signature(const struct collected *e)
{
	struct strbuf sb = STRBUF_INIT;
	const char *dev = dev_of(e), *len = collected_field(e, "len"),
		   *skb = collected_field(e, "skbaddr");

	strbuf_addf(&sb, "%s|%s|%d|%d|%llu|%s|%s|%s", e->name, e->comm ? e->comm : "", e->pid,
		    e->cpu, (unsigned long long)e->ts_ns / 1000, dev ? dev : "", len ? len : "",
		    skb ? skb : "");
	for (size_t i = 0; i < e->nframes; i++)
		strbuf_addf(&sb, "|%s", e->frames[i]);
	return strbuf_detach(&sb, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_perf_script_imports_every_sample(void **state)
{
	struct collector c;
	const struct vx_format *f;

	collector_init(&c);
	assert_int_equal(import_path(sample(SCRIPT), &c.sink, &f), 0);
	assert_non_null(f);
	assert_string_equal(f->name, "perf-script");
	assert_int_equal(c.n, count_headers(sample(SCRIPT)));
	assert_int_equal(c.sink.skipped, 0);
	assert_false(c.sink.truncated);
	for (size_t i = 0; i < c.n; i++) {
		assert_non_null(strstr(c.ev[i].name, "net:"));
		assert_string_equal(c.ev[i].comm, "ping");
		assert_true(c.ev[i].nframes > 3);
		assert_non_null(dev_of(&c.ev[i]));
		assert_non_null(collected_field(&c.ev[i], "len"));
	}
	collector_release(&c);
}

static void test_perf_script_underlay_transmit_has_the_vxlan_stack(void **state)
{
	struct collector c;
	const struct collected *e = NULL;

	collector_init(&c);
	assert_int_equal(import_path(sample(SCRIPT), &c.sink, NULL), 0);
	for (size_t i = 0; i < c.n && !e; i++) {
		const char *len = collected_field(&c.ev[i], "len");

		if (!strcmp(c.ev[i].name, "net:net_dev_start_xmit") && !strcmp(dev_of(&c.ev[i]), "eth0") &&
		    len && !strcmp(len, "148"))
			e = &c.ev[i];
	}
	assert_non_null(e);
	assert_true(!strncmp(collected_field(e, "skbaddr"), "0xffff", 6));
	assert_int_equal(collected_frame(e, "dev_hard_start_xmit"), 0);
	assert_true(collected_frame(e, "iptunnel_xmit") > collected_frame(e, "ip_output"));
	assert_true(collected_frame(e, "vxlan_xmit") > collected_frame(e, "iptunnel_xmit"));
	/* the user-space part of the chain (libc, [unknown]) is not a kernel frame */
	assert_int_equal(collected_frame(e, "__libc_sendto"), -1);
	assert_int_equal(collected_frame(e, "[unknown]"), -1);
	collector_release(&c);
}

static void test_perf_script_matches_the_perf_data_it_came_from(void **state)
{
	struct collector text, bin;
	char **a, **b;

	collector_init(&text);
	collector_init(&bin);
	assert_int_equal(import_as(sample(SCRIPT), "perf-script", NULL, &text), 0);
	assert_int_equal(import_as(sample("vxlan-ping.perf.data"), "perf-data",
				   sample("vxlan-ping.kallsyms"), &bin), 0);
	assert_int_equal(text.n, bin.n);
	a = calloc(text.n, sizeof(char *));
	b = calloc(bin.n, sizeof(char *));
	for (size_t i = 0; i < text.n; i++) {
		a[i] = signature(&text.ev[i]);
		b[i] = signature(&bin.ev[i]);
	}
	/* perf script prints in time order, the importer of perf.data in file order */
	qsort(a, text.n, sizeof(char *), cmp_str);
	qsort(b, bin.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < text.n; i++) {
		assert_string_equal(a[i], b[i]);
		free(a[i]);
		free(b[i]);
	}
	free(a);
	free(b);
	collector_release(&text);
	collector_release(&bin);
}

static int64_t store_import_ks(const char *db, const char *path, const char *kallsyms)
{
	struct vx_store *st = store_open(db, false);
	struct vx_input *in = vx_input_open(path);
	const struct vx_format *f = in ? vx_format_detect(in) : NULL;
	struct vx_import_opts opts = { .kallsyms = kallsyms };
	struct vx_sink *sink;
	int64_t id = -1;

	assert_non_null(st);
	assert_non_null(f);
	sink = store_import_begin(st, path, f->name);
	assert_non_null(sink);
	if (f->import(in, sink, &opts) == 0)
		store_import_commit(st, &id);
	else
		store_import_rollback(st);
	vx_input_close(in);
	store_close(st);
	return id;
}

/* the path of the underlay transmit (eth0, 148 bytes) of capture @cap */
static const struct vx_path *underlay_path(const struct vx_analysis *an, int64_t cap)
{
	for (size_t j = 0; j < an->njourneys; j++)
		for (size_t h = 0; h < an->journeys[j].nhops; h++) {
			const struct vx_hop *hop = &an->journeys[j].hops[h];

			if (an->journeys[j].capture_id == cap && hop->dev && !strcmp(hop->dev, "eth0") &&
			    hop->len == 148 && !strcmp(hop->event, "net:net_dev_start_xmit"))
				return hop->path;
		}
	return NULL;
}

static void test_perf_script_perf_data_and_ftrace_give_the_same_path(void **state)
{
	char *db = test_db_new();
	int64_t bin, text, ftrace;
	struct vx_dataset ds;
	struct vx_analysis an;
	const struct vx_path *pb, *pt, *pf;

	bin = store_import_ks(db, sample("vxlan-ping.perf.data"), sample("vxlan-ping.kallsyms"));
	text = store_import_ks(db, sample(SCRIPT), NULL);
	ftrace = store_import_ks(db, sample("vxlan-ping.trace"), NULL);
	assert_true(bin > 0 && text > 0 && ftrace > 0);
	assert_int_equal(analyse_db(db, 0, &ds, &an), 0);
	pb = underlay_path(&an, bin);
	pt = underlay_path(&an, text);
	pf = underlay_path(&an, ftrace);
	assert_non_null(pb);
	assert_non_null(pt);
	assert_non_null(pf);
	/* one stack in the store, whichever form the capture came in */
	assert_ptr_equal(pb, pt);
	assert_ptr_equal(pb, pf);
	assert_true(pb->reenters_ip_after_encap);
	assert_true(pb->ip_passes >= 2);
	/* every path of the perf.data capture is a path of its perf script text */
	for (size_t i = 0; i < ds.nrecs; i++) {
		const struct vx_path *p = vx_analysis_path_of(&an, &ds.recs[i]);
		bool found = false;

		if (ds.recs[i].capture_id != bin)
			continue;
		for (size_t k = 0; k < ds.nrecs && !found; k++)
			found = ds.recs[k].capture_id == text && vx_analysis_path_of(&an, &ds.recs[k]) == p;
		assert_true(found);
	}
	analyse_release(&ds, &an);
	test_db_remove(db);
}

static void test_perf_script_cut_text_imports_complete_events(void **state)
{
	FILE *f = fopen(sample(SCRIPT), "rb");
	struct collector c, full;
	char *buf, *p;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	collector_init(&full);
	assert_int_equal(import_as(sample(SCRIPT), "perf-script", NULL, &full), 0);
	for (long cut = n / 3; cut < n; cut += n / 3) {
		/* cut in the middle of a line */
		while (buf[cut] == '\n' || buf[cut - 1] == '\n')
			cut++;
		p = tmp_file(buf, (size_t)cut);
		collector_init(&c);
		assert_int_equal(import_as(p, "perf-script", NULL, &c), 0);
		assert_true(c.sink.truncated);
		assert_true(c.sink.truncated_at < (uint64_t)cut);
		assert_true(c.n > 0 && c.n < full.n);
		/* the events before the cut come out whole */
		for (size_t i = 0; i < c.n; i++)
			assert_int_equal(c.ev[i].nframes, full.ev[i].nframes);
		collector_release(&c);
		unlink(p);
		free(p);
	}
	collector_release(&full);
	free(buf);
}

static void test_perf_script_header_forms(void **state)
{
	static const char text[] =
		"kworker/u4:1-ev   123/456 [000]     1.000001: net:netif_rx: dev=eth0 skbaddr=0xffff888100000000 len=84\n"
		"Web Content  77 [001] 2.5: 1 net:netif_receive_skb: dev=cali1 skbaddr=0xffff888100000100 len=98\n"
		"\tffffffff81e6547b netif_receive_skb+0x11 ([kernel.kallsyms])\n"
		"\tffffffffc0a01000 [unknown] ([vxlan])\n"
		"\t          10acb3 __libc_recv+0x13 (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
		"\n"
		"this is not a perf script line\n"
		"ping  9 [001] 3.000000001: probe:ip_output: (ffffffff81fff0b0) skb=0xffff888100000200\n";
	struct collector c;
	char *p = tmp_file(text, sizeof(text) - 1);

	collector_init(&c);
	assert_int_equal(import_as(p, "perf-script", NULL, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.ev[0].comm, "kworker/u4:1-ev");
	assert_int_equal(c.ev[0].pid, 456);
	assert_int_equal(c.ev[0].cpu, 0);
	assert_int_equal(c.ev[0].ts_ns, 1000001000ULL);
	assert_string_equal(c.ev[0].name, "net:netif_rx");
	assert_string_equal(c.ev[1].comm, "Web Content");
	assert_int_equal(c.ev[1].pid, 77);
	assert_int_equal(c.ev[1].ts_ns, 2500000000ULL);
	assert_string_equal(c.ev[1].name, "net:netif_receive_skb");
	assert_int_equal(c.ev[1].nframes, 2);
	assert_string_equal(c.ev[1].frames[0], "netif_receive_skb");
	assert_string_equal(c.ev[1].frames[1], "0xffffffffc0a01000");
	collector_release(&c);

	/* with --kallsyms the [unknown] kernel frame gets its name */
	{
		static const char ks[] = "ffffffffc0a00f00 t vxlan_rcv\t[vxlan]\nffffffffc0a02000 t vxlan_other\t[vxlan]\n";
		char *k = tmp_file(ks, sizeof(ks) - 1);

		collector_init(&c);
		assert_int_equal(import_as(p, "perf-script", k, &c), 0);
		assert_string_equal(c.ev[1].frames[1], "vxlan_rcv");
		unlink(k);
		free(k);
	}
	assert_string_equal(c.ev[2].name, "probe:ip_output");
	assert_int_equal(c.ev[2].ts_ns, 3000000001ULL);
	assert_string_equal(collected_field(&c.ev[2], "skb"), "0xffff888100000200");
	assert_string_equal(collected_field(&c.ev[2], "__probe_ip"), "0xffffffff81fff0b0");
	assert_int_equal(c.sink.skipped, 1);
	assert_non_null(strstr(c.sink.skipped_example, "not a perf script line"));
	collector_release(&c);
	unlink(p);
	free(p);
}

static void test_perf_script_probe_tells_it_from_ftrace_text(void **state)
{
	const struct vx_format *ps = vx_format_by_name("perf-script");
	static const char ftrace[] =
		"            ping-4662    [001] ..s1.   443.321926: net_dev_start_xmit: dev=eth0 len=98\n";
	static const char ftrace_noirq[] =
		"            ping-4662    [001]   443.321926: net_dev_start_xmit: dev=eth0 len=98\n";
	static const char perf[] =
		"            ping  4662 [001]   443.321926: net:net_dev_start_xmit: dev=eth0 len=98\n";
	struct collector c;
	char *p;

	assert_int_equal(ps->probe((const unsigned char *)ftrace, sizeof(ftrace) - 1), 0);
	assert_int_equal(ps->probe((const unsigned char *)ftrace_noirq, sizeof(ftrace_noirq) - 1), 0);
	assert_true(ps->probe((const unsigned char *)perf, sizeof(perf) - 1) > 0);
	assert_int_equal(ps->probe((const unsigned char *)"PERFILE2\0\0", 10), 0);

	/* forced on a file of another kind: one line, no events */
	p = tmp_file("hello\nworld\n", 12);
	collector_init(&c);
	assert_int_equal(import_as(p, "perf-script", NULL, &c), -1);
	assert_non_null(strstr(vx_error_msg(), "perf script"));
	assert_null(strchr(vx_error_msg(), '\n'));
	collector_release(&c);
	unlink(p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_script_imports_every_sample),
		cmocka_unit_test(test_perf_script_underlay_transmit_has_the_vxlan_stack),
		cmocka_unit_test(test_perf_script_matches_the_perf_data_it_came_from),
		cmocka_unit_test(test_perf_script_perf_data_and_ftrace_give_the_same_path),
		cmocka_unit_test(test_perf_script_cut_text_imports_complete_events),
		cmocka_unit_test(test_perf_script_header_forms),
		cmocka_unit_test(test_perf_script_probe_tells_it_from_ftrace_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
