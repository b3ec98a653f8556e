/* test-hostile.c: hostile inputs for every importer: captures cut at every record boundary
 * (perf.data), at every page (trace.dat) and at many line boundaries and mid-line (text
 * formats), wrong magic, header
 * sizes and offsets that lie, record sizes that lie, every format forced on every other
 * format's sample, 100k-frame and looping stacks, 1 MB lines, NUL bytes and non-UTF-8 in
 * comms and device names. Each must end in a one-line error or a (partial) import, quickly,
 * without a giant allocation (the address space is limited to 512 MB, or ASan's largest
 * allocation is), and what reaches the store leaves it consistent (store_check()).
 * Events are checked with the fuzz targets' contract checker (tests/fuzz/fuzz-common.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests-common.h"
#include "fuzz/fuzz-common.h"
#include "core/error.h"
#include "report/render.h"

#if defined(__SANITIZE_ADDRESS__)
#define VX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VX_ASAN 1
#endif
#endif

#ifdef VX_ASAN
/* under ASan the address space cannot be limited (shadow memory): bound one allocation */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_allocation_size_mb=512:allocator_may_return_null=0";
}
#define TIME_LIMIT 30.0
#define SLOW 8	/* a trace.dat import costs ~10x under ASan (libtracecmd in a child): thin out */
#else
#define TIME_LIMIT 10.0
#define SLOW 1
#endif

static char tmpdir[] = "/tmp/vxhostile-XXXXXX";
static char tmpfile_path[4200];
static unsigned long imports;

/* ---- helpers ---- */

static int checking_event(struct vx_sink *s, const struct vx_event *ev)
{
	fuzz_check_event(ev);
	s->events++;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *put(const void *data, size_t len)
{
	FILE *f;

	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/input", tmpdir);
	f = fopen(tmpfile_path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return tmpfile_path;
}

/*
 * import @len bytes at @data with format @fmt (NULL: detect) into a checking sink; the
 * result must be a success or one line of error, within the time limit. Returns events
 * imported (or -1 when the import failed); *@truncated gets the sink's flag.
 */
static long import_bytes(const struct vx_format *fmt, const void *data, size_t len, bool *truncated)
{
	struct vx_sink sink = { .event = checking_event };
	/* a kallsyms file: without one, perf.data captures of this kernel read /proc/kallsyms
	 * (40 ms per import) */
	struct vx_import_opts opts = { .kallsyms = VX_SAMPLES_DIR "/vxlan-ping.kallsyms" };
	const char *path = put(data, len);
	struct vx_input *in;
	double t0 = now();
	int r = -1;

	vx_error_clear();
	in = vx_input_open(path);
	assert_non_null(in);
	if (!fmt)
		fmt = vx_format_detect(in);
	if (fmt)
		r = fmt->import(in, &sink, &opts);
	vx_input_close(in);
	imports++;
	if (now() - t0 > TIME_LIMIT)
		fail_msg("import of %zu bytes took %.1f s", len, now() - t0);
	if (r < 0) {
		const char *m = vx_error_msg();

		if (!*m || strchr(m, '\n'))
			fail_msg("import failed without a one-line error: '%s'", m);
	} else {
		assert_int_equal(r, 0);
	}
	if (sink.truncated && sink.truncated_at > len)
		fail_msg("truncated_at %llu is past the end (%zu)", (unsigned long long)sink.truncated_at, len);
	if (truncated)
		*truncated = sink.truncated;
	return r < 0 ? -1 : (long)sink.events;
}

/* import @data through the store into a fresh database; the database must pass store_check */
static int64_t store_bytes(const void *data, size_t len)
{
	char *db = test_db_new();
	int64_t id = store_import_path(db, put(data, len));
	struct vx_store *st = store_open(db, true);

	if (st) {
		if (store_check(st) < 0)
			fail_msg("database after import: %s", vx_error_msg());
		store_close(st);
	}
	test_db_remove(db);
	return id;
}

static const char *const text_samples[] = {
	"vxlan-ping.trace", "vxlan-ping.trace_pipe", "route.trace", "seed-function-tracer.trace",
	"kprobe-6.1.trace", "kprobe-6.1.rawptr.trace", "vxlan-ping.perf-script.txt", NULL,
};
static const char *const binary_samples[] = {
	"vxlan-ping.perf.data", "vxlan-ping.pipe.perf.data", "vxlan-ping.zstd.perf.data", NULL,
};
static const char *const other_binary_samples[] = { "vxlan-ping.trace.dat", NULL };

/* ---- truncation ---- */

/* every line boundary (at most ~400, evenly spread) and the middle of each of those lines */
static void test_text_samples_cut_at_line_boundaries_and_mid_line(void **state)
{
	for (size_t s = 0; text_samples[s]; s++) {
		size_t len, nl = 0, step, k = 0;
		unsigned char *b = slurp(sample_path(text_samples[s]), &len);
		long full = import_bytes(NULL, b, len, NULL);

		assert_true(full > 0);
		for (size_t i = 0; i < len; i++)
			nl += b[i] == '\n';
		step = nl / 400 + 1;
		for (size_t i = 0; i < len; i++) {
			if (b[i] != '\n' || k++ % step)
				continue;
			long n = import_bytes(NULL, b, i + 1, NULL);
			size_t next = i + 1;

			assert_true(n <= full);
			while (next < len && b[next] != '\n')
				next++;
			n = import_bytes(NULL, b, i + 1 + (next - i - 1) / 2, NULL);
			assert_true(n <= full + 1);
		}
		free(b);
	}
}

struct rec_bound {
	size_t off;
	uint16_t size;
};

/* record boundaries of a perf.data: file mode walks the data section, pipe mode the file */
static size_t perf_records(const unsigned char *b, size_t len, struct rec_bound *out, size_t max)
{
	uint64_t start, end, hsize;
	size_t n = 0;

	memcpy(&hsize, b + 8, 8);
	if (hsize == 16) {
		start = 16;
		end = len;
	} else {
		memcpy(&start, b + 40, 8);
		memcpy(&end, b + 48, 8);
		end += start;
	}
	for (uint64_t off = start; off + 8 <= end && n < max;) {
		uint16_t size;

		uint32_t type, tsz;

		memcpy(&type, b + off, 4);
		memcpy(&size, b + off + 6, 2);
		if (size < 8)
			break;
		out[n].off = (size_t)off;
		out[n].size = size;
		n++;
		off += size;
		/* PERF_RECORD_HEADER_TRACING_DATA: the tracing data follows, padded to 8 */
		if (type == 66 && size >= 12 && off <= len) {
			memcpy(&tsz, b + off - size + 8, 4);
			off += ((uint64_t)tsz + 7) & ~7ULL;
		}
	}
	return n;
}

static void test_perf_data_cut_at_every_record_boundary(void **state)
{
	static struct rec_bound recs[20000];

	for (size_t s = 0; binary_samples[s]; s++) {
		size_t len, n;
		unsigned char *b = slurp(sample_path(binary_samples[s]), &len);
		long full = import_bytes(NULL, b, len, NULL);

		assert_true(full > 0);
		n = perf_records(b, len, recs, sizeof(recs) / sizeof(recs[0]));
		assert_true(n > 10);
		for (size_t i = 0; i < n; i++) {
			bool cut;

			/* at the record boundary, and inside the record (its header, its body) */
			assert_true(import_bytes(NULL, b, recs[i].off, NULL) <= full);
			assert_true(import_bytes(NULL, b, recs[i].off + 4, &cut) <= full);
			if (recs[i].size > 16)
				assert_true(import_bytes(NULL, b, recs[i].off + recs[i].size / 2, NULL) <= full);
		}
		/* and inside the header and the attributes */
		for (size_t off = 0; off < 1024 && off < len; off += 7)
			assert_true(import_bytes(NULL, b, off, NULL) <= full);
		free(b);
	}
}

/* ---- lies in headers ---- */

static void poke64(unsigned char *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

static void test_perf_data_header_sizes_and_offsets_that_lie(void **state)
{
	static const uint64_t lies[] = {
		0, 1, 7, 8, 0x7fffffff, 0xffffffff, 0x100000000ULL, 1ULL << 62,
		0x7fffffffffffffffULL, 0xffffffffffffffffULL, 0xfffffffffffffff8ULL,
	};
	size_t len;
	unsigned char *orig = slurp(sample_path("vxlan-ping.perf.data"), &len);
	unsigned char *b = malloc(len);
	uint64_t data_off, data_size;

	memcpy(&data_off, orig + 40, 8);
	memcpy(&data_size, orig + 48, 8);
	/* header: size, attr_size, attrs.{offset,size}, data.{offset,size}, event_types */
	for (size_t field = 8; field < 72; field += 8)
		for (size_t l = 0; l < sizeof(lies) / sizeof(lies[0]); l++) {
			memcpy(b, orig, len);
			poke64(b, field, lies[l]);
			import_bytes(NULL, b, len, NULL);
			/* larger than the file by one */
			memcpy(b, orig, len);
			poke64(b, field, len + 1);
			import_bytes(NULL, b, len, NULL);
		}
	/* feature sections after the data: each {offset, size} */
	for (size_t sec = 0; sec < 16; sec++) {
		size_t at = (size_t)(data_off + data_size) + sec * 16;

		if (at + 16 > len)
			break;
		for (size_t l = 0; l < sizeof(lies) / sizeof(lies[0]); l++)
			for (int which = 0; which < 2; which++) {
				memcpy(b, orig, len);
				poke64(b, at + 8 * which, lies[l]);
				import_bytes(NULL, b, len, NULL);
			}
	}
	/* every feature bit set: sections the file does not have */
	memcpy(b, orig, len);
	memset(b + 72, 0xff, 32);
	import_bytes(NULL, b, len, NULL);
	free(b);
	free(orig);
}

/* record sizes that lie: 0 (a loop forever if believed), below the header, past the end */
static void test_perf_data_record_sizes_that_lie(void **state)
{
	static struct rec_bound recs[20000];
	static const uint16_t lies[] = { 0, 1, 7, 8, 9, 0xfff8, 0xffff };

	for (size_t s = 0; binary_samples[s]; s++) {
		size_t len, n;
		unsigned char *orig = slurp(sample_path(binary_samples[s]), &len);
		unsigned char *b = malloc(len);

		n = perf_records(orig, len, recs, sizeof(recs) / sizeof(recs[0]));
		for (size_t i = 0; i < n; i += n / 60 + 1)
			for (size_t l = 0; l < sizeof(lies) / sizeof(lies[0]); l++) {
				memcpy(b, orig, len);
				memcpy(b + recs[i].off + 6, &lies[l], 2);
				import_bytes(NULL, b, len, NULL);
				/* the first body word too (tracing data size, compressed size, ...) */
				if (recs[i].size >= 16) {
					memcpy(b, orig, len);
					memset(b + recs[i].off + 8, 0xff, 8);
					import_bytes(NULL, b, len, NULL);
				}
			}
		/* every record of the first hundred with its type changed to each known type */
		for (size_t i = 0; i < n && i < 100; i++)
			for (uint32_t type = 1; type <= 82; type += SLOW > 1 ? 9 : 3) {
				memcpy(b, orig, len);
				memcpy(b + recs[i].off, &type, 4);
				import_bytes(NULL, b, len, NULL);
			}
		free(b);
		free(orig);
	}
}

/* trace.dat: cut at every 4 KB page boundary (the CPU data is paged), inside the pages,
 * and at many offsets of the header, formats and options; then header words that lie */
static void test_trace_dat_cut_and_lying_words(void **state)
{
	static const char *const dats[] = { "vxlan-ping.trace.dat", "vxlan-ping-overrun.trace.dat", NULL };
	static const uint32_t lies32[] = { 0, 1, 0x7fffffff, 0xffffffff };

	for (size_t s = 0; dats[s]; s++) {
		size_t len;
		unsigned char *orig = slurp(sample_path(dats[s]), &len);
		unsigned char *b = malloc(len);
		long full = import_bytes(NULL, orig, len, NULL);

		assert_true(full > 0);
		for (size_t off = 0; off < len; off += 4096 * SLOW) {
			assert_true(import_bytes(NULL, orig, off, NULL) <= full);
			assert_true(import_bytes(NULL, orig, off + 2048 < len ? off + 2048 : len, NULL) <= full);
		}
		for (size_t off = 0; off < 16384 && off < len; off += 61 * SLOW)
			assert_true(import_bytes(NULL, orig, off, NULL) <= full);
		/* a 32-bit word that lies, every 97 bytes through the first 16 KB and every page */
		for (size_t off = 10; off + 4 <= len && (SLOW == 1 || off < 16384);
		     off += off < 16384 ? 97 * SLOW : 4096)
			for (size_t l = 0; l < sizeof(lies32) / sizeof(lies32[0]); l += SLOW > 1 ? 3 : 1) {
				memcpy(b, orig, len);
				memcpy(b + off, &lies32[l], 4);
				import_bytes(NULL, b, len, NULL);
			}
		free(b);
		free(orig);
	}
}

/* ---- wrong magic, wrong format ---- */

static void test_wrong_magic_and_every_format_on_every_sample(void **state)
{
	const char *const *lists[] = { text_samples, binary_samples, other_binary_samples };

	for (size_t l = 0; l < 3; l++)
		for (size_t s = 0; lists[l][s]; s++) {
			size_t len;
			unsigned char *b = slurp(sample_path(lists[l][s]), &len);

			for (size_t f = 0; vx_formats[f]; f++)
				import_bytes(vx_formats[f], b, len, NULL);
			/* magic damaged: one byte, then all eight */
			b[0] ^= 0x20;
			import_bytes(NULL, b, len, NULL);
			memcpy(b, "PERFILE3", 8);
			import_bytes(NULL, b, len, NULL);
			memcpy(b, "2ELIFREP", 8);	/* the byte-swapped magic: big-endian file */
			import_bytes(NULL, b, len, NULL);
			free(b);
		}
	/* random bytes behind a valid magic */
	{
		unsigned char b[8192];

		srand(42);
		for (int round = 0; round < 50; round++) {
			for (size_t i = 0; i < sizeof(b); i++)
				b[i] = (unsigned char)rand();
			memcpy(b, "PERFILE2", 8);
			if (round & 1)
				poke64(b, 8, 16);	/* pipe mode */
			import_bytes(NULL, b, sizeof(b), NULL);
		}
	}
}

/* ---- huge and looping stacks, huge lines ---- */

static void test_100k_frame_and_looping_stacks(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	long n;

	/* ftrace text: one event, then a 100k-frame stack */
	strbuf_addstr(&sb, "  ping-1 [000] ..... 1.000000: net_dev_xmit: dev=eth0 skbaddr=0xffff1 len=98\n"
			   "  ping-1 [000] ..... 1.000001: <stack trace>\n");
	for (int i = 0; i < 100000; i++)
		strbuf_addf(&sb, " => f%d+0x1/0x10\n", i);
	/* then a stack that loops: ip_output -> ip_finish_output -> ip_output ... */
	strbuf_addstr(&sb, "  ping-1 [000] ..... 1.000002: net_dev_queue: dev=eth0 skbaddr=0xffff1 len=98\n"
			   "  ping-1 [000] ..... 1.000003: <stack trace>\n");
	for (int i = 0; i < 100000; i++)
		strbuf_addstr(&sb, i & 1 ? " => ip_finish_output+0x1/0x10\n" : " => ip_output+0x1/0x10\n");
	n = import_bytes(&vx_format_ftrace_text, sb.buf, sb.len, NULL);
	assert_int_equal(n, 2);
	assert_true(store_bytes(sb.buf, sb.len) > 0);

	/* perf script: the same as callchain lines */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "ping 1 [000] 1.000000: net:net_dev_xmit: dev=eth0 skbaddr=0xffff1 len=98\n");
	for (int i = 0; i < 100000; i++)
		strbuf_addf(&sb, "\t ffffffff8100%04x %s+0x1 ([kernel.kallsyms])\n", i & 0xffff,
			    i & 1 ? "ip_finish_output" : "ip_output");
	strbuf_addstr(&sb, "\n");
	n = import_bytes(&vx_format_perf_script, sb.buf, sb.len, NULL);
	assert_int_equal(n, 1);
	assert_true(store_bytes(sb.buf, sb.len) > 0);
	strbuf_release(&sb);
}

/* the store and the analysis given a 100k-frame looping stack directly (no parser cap) */
static void test_store_and_analysis_take_100k_frame_looping_stack(void **state)
{
	static const char *frames[100000];
	struct vx_field fields[] = { { "dev", "eth0" }, { "skbaddr", "0xffff00001" }, { "len", "98" } };
	struct vx_event ev = {
		.ts_ns = 1, .cpu = 0, .pid = 1, .comm = "ping", .name = "net:net_dev_xmit",
		.fields = fields, .nfields = 3, .frames = frames, .nframes = 100000,
	};
	char *db = test_db_new();
	struct vx_store *st = store_open(db, false);
	struct vx_sink *sink;
	struct vx_dataset ds;
	struct vx_analysis an;
	int64_t id;
	double t0 = now();

	for (size_t i = 0; i < 100000; i++)
		frames[i] = i % 3 == 0 ? "ip_output+0x1/0x10" : i % 3 == 1 ? "vxlan_xmit+0x2/0x20" : "ip_rcv+0x3/0x30";
	assert_non_null(st);
	sink = store_import_begin(st, "looping", "test");
	assert_non_null(sink);
	assert_int_equal(vx_sink_event(sink, &ev), 0);
	ev.ts_ns = 2;
	assert_int_equal(vx_sink_event(sink, &ev), 0);
	assert_int_equal(store_import_commit(st, &id), 0);
	assert_int_equal(store_check(st), 0);
	store_close(st);
	assert_int_equal(analyse_db(db, id, &ds, &an), 0);
	{
		FILE *null = fopen("/dev/null", "w");
		struct vx_render_opts ro = { .verbose = true };

		for (size_t i = 0; vx_renderers[i]; i++)
			vx_renderers[i]->write(null, &an, &ro);
		fclose(null);
	}
	analyse_release(&ds, &an);
	test_db_remove(db);
	if (now() - t0 > TIME_LIMIT)
		fail_msg("a 100k-frame stack took %.1f s through store, analysis and renderers", now() - t0);
}

static void test_megabyte_lines(void **state)
{
	const size_t mb = 1 << 20;
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(mb + 1);

	memset(big, 'a', mb);
	big[mb] = '\0';
	/* a 1 MB payload value, a payload of 100k fields, a 1 MB comm, a 1 MB frame, a 1 MB
	 * line of nothing, and a last line of 1 MB without its newline */
	strbuf_addf(&sb, "  ping-1 [000] ..... 1.000000: net_dev_xmit: dev=eth0 skbaddr=0xffff1 msg=%s\n", big);
	strbuf_addstr(&sb, "  ping-1 [000] ..... 1.000001: net_dev_queue:");
	for (int i = 0; i < 100000; i++)
		strbuf_addf(&sb, " k%d=%d", i, i);
	strbuf_addf(&sb, "\n  %s-1 [000] ..... 1.000002: net_dev_xmit: dev=eth0\n", big);
	strbuf_addf(&sb, "  ping-1 [000] ..... 1.000003: <stack trace>\n => %s+0x1/0x2\n", big);
	strbuf_addf(&sb, "%s\n", big);
	for (size_t i = 0; i < mb; i += 2)
		big[i] = '[';
	strbuf_addf(&sb, "%s\n", big);	/* "[a[a[a...": the CPU column search */
	strbuf_addf(&sb, "  ping-1 [000] ..... 1.000004: net_dev_xmit: %s", big);
	assert_true(import_bytes(&vx_format_ftrace_text, sb.buf, sb.len, NULL) >= 3);
	assert_true(store_bytes(sb.buf, sb.len) > 0);

	strbuf_reset(&sb);
	memset(big, 'a', mb);
	strbuf_addf(&sb, "ping 1 [000] 1.000000: net:net_dev_xmit: msg=%s\n\t ffffffff81000000 %s+0x1 ([kernel.kallsyms])\n\n",
		    big, big);
	strbuf_addf(&sb, "%s 1 [000] 1.000001: net:net_dev_xmit: dev=eth0\n\n", big);
	strbuf_addf(&sb, "%s\n", big);
	assert_true(import_bytes(&vx_format_perf_script, sb.buf, sb.len, NULL) >= 1);
	assert_true(store_bytes(sb.buf, sb.len) > 0);
	strbuf_release(&sb);
	free(big);
}

/* ---- NUL and non-UTF-8 ---- */

static void test_nul_and_non_utf8_in_comms_and_devices(void **state)
{
	/* invalid UTF-8: a lone continuation byte, a UTF-16 surrogate, an overlong '/' */
	static const char ftrace[] =
		"  p\x80\xed\xa0\x80ng-1 [000] ..... 1.000000: net_dev_xmit: dev=caf\xe9\xc0\xaf skbaddr=0xffff1 len=98\n"
		"  ping-1 [000] ..... 1.000001: net_dev_queue: dev=\xff\xfe skbaddr=0xffff1 len=98\n";
	static const char script[] =
		"p\x80\xed\xa0\x80ng 1 [000] 1.000000: net:net_dev_xmit: dev=caf\xe9 skbaddr=0xffff1 len=98\n\n";
	char *db = test_db_new();
	struct vx_dataset ds;
	struct vx_analysis an;
	int64_t id;

	assert_int_equal(import_bytes(&vx_format_ftrace_text, ftrace, sizeof(ftrace) - 1, NULL), 2);
	assert_int_equal(import_bytes(&vx_format_perf_script, script, sizeof(script) - 1, NULL), 1);
	/* the bytes are kept as they are; the JSON writer replaces what is not UTF-8 */
	id = store_import_path(db, put(ftrace, sizeof(ftrace) - 1));
	assert_true(id > 0);
	assert_int_equal(analyse_db(db, id, &ds, &an), 0);
	assert_int_equal(ds.nrecs, 2);
	assert_string_equal(ds.recs[0].comm, "p\x80\xed\xa0\x80ng");
	assert_string_equal(ds.recs[0].dev, "caf\xe9\xc0\xaf");
	analyse_release(&ds, &an);
	test_db_remove(db);

	/* a NUL byte in a comm, in a device name, in a frame: one line of error or import */
	{
		static const char a[] = "  pi\0g-1 [000] ..... 1.000000: net_dev_xmit: dev=eth0 skbaddr=0xffff1 len=98\n";
		static const char b[] = "  ping-1 [000] ..... 1.000000: net_dev_xmit: dev=et\0h0 skbaddr=0xffff1 len=98\n";
		static const char c[] = "ping 1 [000] 1.000000: net:net_dev_xmit: dev=et\0h0 len=98\n"
					"\t ffffffff81000000 ip_\0output+0x1 ([kernel.kallsyms])\n\n";
		static const char d[] = "pi\0g 1 [000] 1.000000: net:net_dev_xmit: dev=eth0 len=98\n\n";
		static const char *const with_nul[] = { a, b, c, d };
		static const size_t lens[] = { sizeof(a) - 1, sizeof(b) - 1, sizeof(c) - 1, sizeof(d) - 1 };

		for (size_t i = 0; i < 4; i++) {
			import_bytes(NULL, with_nul[i], lens[i], NULL);
			for (size_t f = 0; vx_formats[f]; f++)
				import_bytes(vx_formats[f], with_nul[i], lens[i], NULL);
			store_bytes(with_nul[i], lens[i]);
		}
	}
}

static double t_start;

static int timer_start(void **state)
{
	t_start = now();
	return 0;
}

/* the time of each test, so that a slow one shows in the ctest log */
static int timer_report(void **state)
{
	fprintf(stderr, "  (%.1f s)\n", now() - t_start);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_samples_cut_at_line_boundaries_and_mid_line, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_perf_data_cut_at_every_record_boundary, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_perf_data_header_sizes_and_offsets_that_lie, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_perf_data_record_sizes_that_lie, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_trace_dat_cut_and_lying_words, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_wrong_magic_and_every_format_on_every_sample, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_100k_frame_and_looping_stacks, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_store_and_analysis_take_100k_frame_looping_stack, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_megabyte_lines, timer_start, timer_report),
		cmocka_unit_test_setup_teardown(test_nul_and_non_utf8_in_comms_and_devices, timer_start, timer_report),
	};
	int r;
	char cmd[256];

#ifndef VX_ASAN
	/* no giant allocation: a header that claims gigabytes must not be believed */
	struct rlimit rl = { 512u << 20, 512u << 20 };

	if (setrlimit(RLIMIT_AS, &rl) < 0)
		perror("setrlimit");
#endif
	/* a hang is a failure, not a stuck CI job */
	alarm(900);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	fprintf(stderr, "test-hostile: %lu imports of hostile inputs\n", imports);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return r;
}
