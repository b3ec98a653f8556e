/* test-perf-data.c: the perf.data importer on the lab captures in samples/ (one ping over
 * the VXLAN overlay recorded at once in file mode, pipe mode and zstd, see
 * samples/capture-perf.sh), on cut copies of them and on garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <perf/event.h>

#include "tests-common.h"
#include "report/render.h"
#include "core/error.h"
#include "core/strbuf.h"

#define FILE_MODE "vxlan-ping.perf.data"
#define PIPE_MODE "vxlan-ping.pipe.perf.data"
#define ZSTD_MODE "vxlan-ping.zstd.perf.data"
#define KALLSYMS "vxlan-ping.kallsyms"

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


/* import @path (through format detection) with --kallsyms @kallsyms (may be NULL) */
static int import_ks(const char *path, const char *kallsyms, struct collector *c)
{
	struct vx_input *in = vx_input_open(path);
	struct vx_import_opts opts = { .kallsyms = kallsyms };
	const struct vx_format *f;
	int r;

	if (!in)
		return -1;
	f = vx_format_detect(in);
	r = f && !strcmp(f->name, "perf-data") ? f->import(in, &c->sink, &opts) : -1;
	vx_input_close(in);
	return r;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* samples of the perf script conversion of the same file, counted without any parser:
 * every line that is neither a callchain line nor blank is one sample */
static size_t count_perf_script_samples(void)
{
	FILE *f = fopen(sample("vxlan-ping.perf-script.txt"), "r");
	char line[8192];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (line[0] != '\t' && line[0] != '\n')
			n++;
	fclose(f);
	return n;
}

/* one line per event: everything but the timestamp (the three recorders of the sample
 * each stamp the same kernel event themselves, microseconds apart) */
static char *signature(const struct collected *e)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s|%s|%d|%d", e->name, e->comm ? e->comm : "", e->pid, e->cpu);
	for (size_t i = 0; i < e->nfields; i++)
		strbuf_addf(&sb, "|%s=%s", e->keys[i], e->values[i]);
	for (size_t i = 0; i < e->nframes; i++)
		strbuf_addf(&sb, "|%s", e->frames[i]);
	return strbuf_detach(&sb, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **signatures(const struct collector *c)
{
	char **s = calloc(c->n + 1, sizeof(char *));

	assert_non_null(s);
	for (size_t i = 0; i < c->n; i++)
		s[i] = signature(&c->ev[i]);
	qsort(s, c->n, sizeof(char *), cmp_str);
	return s;
}

static void free_signatures(char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

/* every event of @small occurs in @big as often (multiset inclusion of sorted lists) */
static void assert_events_contained(const struct collector *small, const struct collector *big)
{
	char **a = signatures(small), **b = signatures(big);
	size_t i = 0, k = 0;

	while (i < small->n) {
		while (k < big->n && strcmp(b[k], a[i]) < 0)
			k++;
		if (k == big->n || strcmp(b[k], a[i]))
			fail_msg("event missing from the other capture: %s", a[i]);
		i++;
		k++;
	}
	free_signatures(a, small->n);
	free_signatures(b, big->n);
}

static const struct collected *find_hop(const struct collector *c, const char *name,
					const char *dev, const char *len)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *d = collected_field(&c->ev[i], "name");
		const char *l = collected_field(&c->ev[i], "len");

		if (!strcmp(c->ev[i].name, name) && d && !strcmp(d, dev) && l && !strcmp(l, len))
			return &c->ev[i];
	}
	return NULL;
}

static void test_perf_data_imports_every_sample(void **state)
{
	struct collector c;
	const struct vx_format *f;

	collector_init(&c);
	assert_int_equal(import_path(sample(FILE_MODE), &c.sink, &f), 0);
	assert_non_null(f);
	assert_string_equal(f->name, "perf-data");
	assert_int_equal(c.n, count_perf_script_samples());
	assert_int_equal(c.sink.events, c.n);
	assert_int_equal(c.sink.lost_events, 0);
	assert_int_equal(c.sink.skipped, 0);
	assert_false(c.sink.truncated);
	assert_non_null(c.meta_kernel_release);
	assert_true(strlen(c.meta_kernel_release) > 0);
	for (size_t i = 0; i < c.n; i++) {
		assert_true(!strcmp(c.ev[i].name, "net:net_dev_start_xmit") ||
			    !strcmp(c.ev[i].name, "net:netif_receive_skb") ||
			    !strcmp(c.ev[i].name, "net:netif_rx"));
		assert_true(c.ev[i].ts_ns > 0);
		assert_true(c.ev[i].cpu >= 0);
		assert_true(c.ev[i].pid >= 0);
	}
	collector_release(&c);
}

static void test_perf_data_decodes_tracepoint_fields(void **state)
{
	struct collector c;
	const struct collected *e;
	size_t with_skb = 0;

	collector_init(&c);
	assert_int_equal(import_ks(sample(FILE_MODE), sample(KALLSYMS), &c), 0);
	for (size_t i = 0; i < c.n; i++) {
		const char *skb = collected_field(&c.ev[i], "skbaddr");

		/* names of the format files; common_* fields are not payload */
		assert_non_null(collected_field(&c.ev[i], "name"));
		assert_non_null(collected_field(&c.ev[i], "len"));
		assert_null(collected_field(&c.ev[i], "common_pid"));
		if (skb && !strncmp(skb, "0xffff", 6) && strlen(skb) == 18)
			with_skb++;
	}
	assert_int_equal(with_skb, c.n);
	/* the pod's first transmit: the ping command, 98 bytes on the pod's eth0 */
	e = find_hop(&c, "net:net_dev_start_xmit", "eth0", "98");
	assert_non_null(e);
	assert_string_equal(e->comm, "ping");
	/* "protocol=0x%04x" in the format: zero-padded like the ftrace and perf script text */
	assert_string_equal(collected_field(e, "protocol"), "0x0800");
	assert_string_equal(collected_field(e, "gso_type"), "0x0");	/* "%#x" */
	assert_string_equal(collected_field(e, "queue_mapping"), "0");
	e = find_hop(&c, "net:netif_receive_skb", "vxlan.calico", "84");
	assert_non_null(e);
	collector_release(&c);
}

static void test_perf_data_resolves_callchain_of_the_underlay_transmit(void **state)
{
	struct collector c;
	const struct collected *e;
	int ipo, vx, tun, first_ip = -1, ip_outputs = 0;

	collector_init(&c);
	assert_int_equal(import_ks(sample(FILE_MODE), sample(KALLSYMS), &c), 0);
	e = find_hop(&c, "net:net_dev_start_xmit", "eth0", "148");
	assert_non_null(e);
	ipo = collected_frame(e, "ip_output");
	tun = collected_frame(e, "iptunnel_xmit");
	vx = collected_frame(e, "vxlan_xmit");
	assert_true(ipo >= 0 && tun > ipo && vx > tun);
	for (size_t i = 0; i < e->nframes; i++) {
		assert_true(strncmp(e->frames[i], "0x", 2) != 0);
		if (!strcmp(e->frames[i], "ip_output")) {
			ip_outputs++;
			if (first_ip < 0)
				first_ip = (int)i;
		}
	}
	/* encapsulated, then sent through IP again on the same host: ip_output 3 times */
	assert_true(ip_outputs >= 2);
	/* user-space frames (libc's sendto) are not kept */
	assert_int_equal(collected_frame(e, "__libc_sendto"), -1);
	assert_string_equal(e->frames[e->nframes - 1], "entry_SYSCALL_64_after_hwframe");
	collector_release(&c);
}

static void test_perf_data_pipe_and_zstd_hold_the_file_events(void **state)
{
	struct collector file, pipe, zstd;

	collector_init(&file);
	collector_init(&pipe);
	collector_init(&zstd);
	assert_int_equal(import_ks(sample(FILE_MODE), sample(KALLSYMS), &file), 0);
	assert_int_equal(import_ks(sample(PIPE_MODE), sample(KALLSYMS), &pipe), 0);
	assert_int_equal(import_ks(sample(ZSTD_MODE), sample(KALLSYMS), &zstd), 0);
	assert_false(pipe.sink.truncated);
	assert_false(zstd.sink.truncated);
	/* the pipe and zstd recorders ran around the file one: they hold its events and
	 * maybe a few more (lab traffic of the seconds before and after) */
	assert_true(file.n > 0 && pipe.n >= file.n && zstd.n >= file.n);
	assert_events_contained(&file, &pipe);
	assert_events_contained(&file, &zstd);
	assert_events_contained(&pipe, &zstd);
	assert_events_contained(&zstd, &pipe);
	collector_release(&file);
	collector_release(&pipe);
	collector_release(&zstd);
}

/* import @name as standard input through a real pipe (not seekable), as in
 * `perf record -o - ... | vxanalyze import -` or `cat perf.data | vxanalyze import -` */
static void import_from_pipe(const char *name, struct collector *c)
{
	int fds[2], saved = dup(0), status;
	size_t len;
	unsigned char *data = slurp(sample(name), &len);
	pid_t child;
	struct vx_import_opts opts = { .kallsyms = sample(KALLSYMS) };
	struct vx_input *in;
	const struct vx_format *f;

	assert_int_equal(pipe(fds), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		size_t done = 0;

		close(fds[0]);
		while (done < len) {
			ssize_t w = write(fds[1], data + done, len - done > 4000 ? 4000 : len - done);

			if (w <= 0)
				_exit(1);
			done += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	in = vx_input_open("-");
	assert_non_null(in);
	assert_false(in->seekable);
	f = vx_format_detect(in);
	assert_non_null(f);
	assert_string_equal(f->name, "perf-data");
	assert_int_equal(f->import(in, &c->sink, &opts), 0);
	vx_input_close(in);	/* closes fd 0 */
	dup2(saved, 0);
	close(saved);
	waitpid(child, &status, 0);
	free(data);
}

static void test_perf_data_reads_standard_input(void **state)
{
	struct collector file, p1, p2;

	collector_init(&file);
	collector_init(&p1);
	collector_init(&p2);
	assert_int_equal(import_ks(sample(FILE_MODE), sample(KALLSYMS), &file), 0);
	import_from_pipe(PIPE_MODE, &p1);	/* pipe mode streams */
	import_from_pipe(FILE_MODE, &p2);	/* file mode is spooled to a temp file */
	assert_events_contained(&file, &p1);
	assert_int_equal(p2.n, file.n);
	assert_events_contained(&file, &p2);
	collector_release(&file);
	collector_release(&p1);
	collector_release(&p2);
}

/* cut @name at @off bytes, import the copy; returns import()'s result */
static int import_cut(const char *name, size_t off, struct collector *c)
{
	size_t len;
	unsigned char *data = slurp(sample(name), &len);
	char *p;
	int r;

	assert_true(off <= len);
	p = tmp_file(data, off);
	r = import_ks(p, sample(KALLSYMS), c);
	unlink(p);
	free(p);
	free(data);
	return r;
}

static void test_perf_data_cut_file_imports_complete_records(void **state)
{
	static const char *const names[] = { FILE_MODE, PIPE_MODE, ZSTD_MODE };
	static const double where[] = { 0.05, 0.3, 0.5, 0.75, 0.9, 0.999 };

	for (size_t k = 0; k < 3; k++) {
		struct collector full;
		size_t len, prev = 0;
		unsigned char *data = slurp(sample(names[k]), &len);

		free(data);
		collector_init(&full);
		assert_int_equal(import_ks(sample(names[k]), sample(KALLSYMS), &full), 0);
		for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
			struct collector c;
			size_t off = (size_t)(len * where[w]);

			collector_init(&c);
			assert_int_equal(import_cut(names[k], off, &c), 0);
			if (!c.sink.truncated)
				fail_msg("%s cut at %zu: not marked truncated", names[k], off);
			assert_true(c.sink.truncated_at <= off);
			assert_true(c.sink.truncated_at > 0);
			assert_true(c.n <= full.n);
			assert_true(c.n >= prev);	/* more file, never fewer events */
			prev = c.n;
			collector_release(&c);
		}
		/* nearly the whole file: (nearly) every event */
		assert_true(prev + 1 >= full.n);
		collector_release(&full);
	}
}

static void test_perf_data_cut_pipe_keeps_decoded_events(void **state)
{
	struct collector full, c;
	size_t len;
	unsigned char *data = slurp(sample(PIPE_MODE), &len);

	free(data);
	collector_init(&full);
	collector_init(&c);
	assert_int_equal(import_ks(sample(PIPE_MODE), sample(KALLSYMS), &full), 0);
	/* a cut among the samples (the first part of the file is metadata) */
	for (size_t k = 1; k < 10; k++) {
		collector_release(&c);
		collector_init(&c);
		assert_int_equal(import_cut(PIPE_MODE, len * k / 10, &c), 0);
		assert_true(c.sink.truncated);
		if (c.n > 0 && c.n < full.n)
			break;
	}
	assert_true(c.n > 0 && c.n < full.n);
	/* pipe mode carries its tracing data up front: the half file decodes fully */
	assert_events_contained(&c, &full);
	collector_release(&full);
	collector_release(&c);
}

static void test_perf_data_cut_header_is_an_error(void **state)
{
	struct collector c;

	collector_init(&c);
	assert_int_equal(import_cut(FILE_MODE, 60, &c), -1);
	assert_non_null(strstr(vx_error_msg(), "truncated"));
	assert_null(strchr(vx_error_msg(), '\n'));
	assert_int_equal(c.n, 0);
	collector_release(&c);
}

static void test_perf_data_rejects_garbage(void **state)
{
	const struct vx_format *pd = vx_format_by_name("perf-data");
	unsigned char junk[4096];
	struct collector c;
	struct vx_input *in;
	char *p;

	assert_non_null(pd);
	srand(4);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)rand();
	/* not a perf.data: one line naming the file */
	p = tmp_file(junk, sizeof(junk));
	collector_init(&c);
	in = vx_input_open(p);
	assert_non_null(in);
	assert_int_equal(pd->probe(junk, sizeof(junk)), 0);
	assert_int_equal(pd->import(in, &c.sink, &(struct vx_import_opts){ 0 }), -1);
	assert_non_null(strstr(vx_error_msg(), "not a perf.data"));
	assert_non_null(strstr(vx_error_msg(), p));
	assert_null(strchr(vx_error_msg(), '\n'));
	vx_input_close(in);
	unlink(p);
	free(p);
	collector_release(&c);

	/* the magic followed by junk */
	memcpy(junk, "PERFILE2", 8);
	p = tmp_file(junk, sizeof(junk));
	collector_init(&c);
	assert_int_equal(import_ks(p, NULL, &c), -1);
	assert_null(strchr(vx_error_msg(), '\n'));
	assert_int_equal(c.n, 0);
	unlink(p);
	free(p);
	collector_release(&c);
}

/* a copy of @name whose kernel release reads "0.0.0-elsewhere" (same length), as if it came
 * from another machine */
static char *foreign_copy(const char *name, const char *release)
{
	size_t len, rl = strlen(release);
	unsigned char *data = slurp(sample(name), &len);
	char other[128];
	int hits = 0;
	char *p;

	assert_true(rl > 4 && rl < sizeof(other));
	memset(other, 'x', rl);
	memcpy(other, "0.0.0-", 6);
	for (size_t i = 0; i + rl <= len; i++)
		if (!memcmp(data + i, release, rl)) {
			memcpy(data + i, other, rl);
			hits++;
		}
	assert_true(hits >= 1);
	p = tmp_file(data, len);
	free(data);
	return p;
}

static void test_perf_data_keeps_hex_and_warns_for_another_kernel(void **state)
{
	struct collector c, k;
	const struct collected *e;
	char *release, *p;

	collector_init(&c);
	assert_int_equal(import_path(sample(FILE_MODE), &c.sink, NULL), 0);
	release = xstrdup(c.meta_kernel_release);
	collector_release(&c);

	for (int mode = 0; mode < 2; mode++) {
		p = foreign_copy(mode ? PIPE_MODE : FILE_MODE, release);
		collector_init(&c);
		assert_int_equal(import_ks(p, NULL, &c), 0);
		assert_non_null(strstr(c.sink.warning, "--kallsyms"));
		e = find_hop(&c, "net:net_dev_start_xmit", "eth0", "148");
		assert_non_null(e);
		assert_true(e->nframes > 5);
		for (size_t i = 0; i < e->nframes; i++)
			assert_true(!strncmp(e->frames[i], "0xffffffff", 10));
		/* and they resolve when the kallsyms is given */
		collector_init(&k);
		assert_int_equal(import_ks(p, sample(KALLSYMS), &k), 0);
		assert_string_equal(k.sink.warning, "");
		e = find_hop(&k, "net:net_dev_start_xmit", "eth0", "148");
		assert_true(collected_frame(e, "vxlan_xmit") > 0);
		collector_release(&k);
		collector_release(&c);
		unlink(p);
		free(p);
	}
	free(release);
}

/* without symbols the analysis cannot place frames in layers: every report says so instead
 * of showing a clean "0 encapsulated" result; with the kallsyms the warning goes away */
static void test_perf_data_without_symbols_report_says_blind(void **state)
{
	struct collector c;
	char *release, *p, *db = test_db_new();
	struct vx_store *st = store_open(db, false);
	struct vx_import_opts none = { 0 }, ks = { .kallsyms = sample(KALLSYMS) };
	struct vx_import_result blind, seen;
	struct vx_dataset ds;
	struct vx_analysis an;
	char *text = NULL;
	size_t textlen = 0;
	FILE *out;

	collector_init(&c);
	assert_int_equal(import_path(sample(FILE_MODE), &c.sink, NULL), 0);
	release = xstrdup(c.meta_kernel_release);
	collector_release(&c);
	p = foreign_copy(FILE_MODE, release);
	assert_non_null(st);
	assert_int_equal(vx_import_file(st, p, NULL, &none, &blind), 0);
	assert_int_equal(vx_import_file(st, p, NULL, &ks, &seen), 0);
	store_close(st);

	assert_int_equal(analyse_db(db, blind.capture_id, &ds, &an), 0);
	assert_non_null(vx_analysis_blind(&an));
	assert_true(an.unsymbolised_frames * 2 > an.frames);
	out = open_memstream(&text, &textlen);
	assert_int_equal(vx_render_text.write(out, &an, NULL), 0);
	fclose(out);
	assert_non_null(strstr(text, "warning: kernel addresses not symbolised: layers unknown"));
	free(text);
	text = NULL;
	out = open_memstream(&text, &textlen);
	assert_int_equal(vx_render_json.write(out, &an, NULL), 0);
	fclose(out);
	assert_non_null(strstr(text, "\"warnings\""));
	assert_non_null(strstr(strstr(text, "\"warnings\""), "\"kernel addresses not symbolised"));
	free(text);
	analyse_release(&ds, &an);

	assert_int_equal(analyse_db(db, seen.capture_id, &ds, &an), 0);
	assert_null(vx_analysis_blind(&an));
	assert_int_equal(an.unsymbolised_frames, 0);
	analyse_release(&ds, &an);
	unlink(p);
	free(p);
	free(release);
	test_db_remove(db);
}

static void test_perf_data_counts_lost_records(void **state)
{
	struct perf_record_lost lost = { .header = { PERF_RECORD_LOST, 0, sizeof(lost) }, .lost = 5 };
	struct perf_record_lost_samples ls = {
		.header = { PERF_RECORD_LOST_SAMPLES, 0, sizeof(ls) }, .lost = 7 };
	struct collector c, full;
	size_t len;
	unsigned char *data = slurp(sample(PIPE_MODE), &len);
	unsigned char *more = malloc(len + sizeof(lost) + sizeof(ls));
	char *p;

	/* a pipe-mode stream goes on after its last sample: the records perf writes when the
	 * ring buffer overflowed, appended to the real capture */
	memcpy(more, data, len);
	memcpy(more + len, &lost, sizeof(lost));
	memcpy(more + len + sizeof(lost), &ls, sizeof(ls));
	p = tmp_file(more, len + sizeof(lost) + sizeof(ls));
	collector_init(&c);
	collector_init(&full);
	assert_int_equal(import_ks(p, sample(KALLSYMS), &c), 0);
	assert_int_equal(import_ks(sample(PIPE_MODE), sample(KALLSYMS), &full), 0);
	assert_int_equal(full.sink.lost_events, 0);
	assert_int_equal(c.sink.lost_events, 12);
	assert_int_equal(c.n, full.n);
	assert_false(c.sink.truncated);
	collector_release(&c);
	collector_release(&full);
	unlink(p);
	free(p);
	free(more);
	free(data);
}

static void test_perf_data_bad_kallsyms_is_an_error(void **state)
{
	struct collector c;

	collector_init(&c);
	/* a text file that is no kallsyms */
	assert_int_equal(import_ks(sample(FILE_MODE), sample("vxlan-ping.perf-script.txt"), &c), -1);
	assert_non_null(strstr(vx_error_msg(), "kallsyms"));
	collector_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_data_imports_every_sample),
		cmocka_unit_test(test_perf_data_decodes_tracepoint_fields),
		cmocka_unit_test(test_perf_data_resolves_callchain_of_the_underlay_transmit),
		cmocka_unit_test(test_perf_data_pipe_and_zstd_hold_the_file_events),
		cmocka_unit_test(test_perf_data_reads_standard_input),
		cmocka_unit_test(test_perf_data_cut_file_imports_complete_records),
		cmocka_unit_test(test_perf_data_cut_pipe_keeps_decoded_events),
		cmocka_unit_test(test_perf_data_cut_header_is_an_error),
		cmocka_unit_test(test_perf_data_rejects_garbage),
		cmocka_unit_test(test_perf_data_keeps_hex_and_warns_for_another_kernel),
		cmocka_unit_test(test_perf_data_without_symbols_report_says_blind),
		cmocka_unit_test(test_perf_data_counts_lost_records),
		cmocka_unit_test(test_perf_data_bad_kallsyms_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
