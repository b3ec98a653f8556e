/* test-trace-dat.c: the trace.dat importer (parsers/trace-dat.c) on a real trace-cmd capture
 * of the lab (samples/vxlan-ping.trace.dat), on its truncated copies and on garbage.
 * Compares with `trace-cmd report` where that tool is installed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parsers/format.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/model.h"
#include "store/store.h"
#include "core/strbuf.h"
#include "report/analysis.h"
#include "tests-common.h"

#ifndef VX_SAMPLES_DIR
#error "VX_SAMPLES_DIR must point at samples/"
#endif
#define SAMPLE VX_SAMPLES_DIR "/vxlan-ping.trace.dat"
#define SAMPLE_TEXT VX_SAMPLES_DIR "/vxlan-ping.same-run.trace"
#define SAMPLE_OVERRUN VX_SAMPLES_DIR "/vxlan-ping-overrun.trace.dat"

/* LeakSanitizer (VX_SANITIZE builds): libtraceevent 1.7 and libtracecmd 1.3 leak a few
 * bytes per opened file (a strdup in the event format parser, an sscanf "%ms"); not ours */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libtraceevent.so\nleak:libtracecmd.so\nleak:__vfscanf_internal\n";
}

/* ---- a sink that keeps copies of every event ---- */

struct ev_copy {
	uint64_t ts;
	int cpu, pid;
	char *comm, *name;
	struct vx_field *fields;
	size_t nfields;
	char **frames;
	size_t nframes;
};

struct collect {
	struct vx_sink sink;
	struct arena arena;
	struct ev_copy *evs;
	size_t n, alloc;
	char kernel_release[128];
};

static int collect_event(struct vx_sink *s, const struct vx_event *ev)
{
	struct collect *c = s->priv;
	struct ev_copy *e;

	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 256;
		c->evs = realloc(c->evs, c->alloc * sizeof(*c->evs));
		assert_non_null(c->evs);
	}
	e = &c->evs[c->n++];
	e->ts = ev->ts_ns;
	e->cpu = ev->cpu;
	e->pid = ev->pid;
	e->comm = arena_strdup(&c->arena, ev->comm);
	e->name = arena_strdup(&c->arena, ev->name);
	e->nfields = ev->nfields;
	e->fields = arena_alloc(&c->arena, (ev->nfields + 1) * sizeof(*e->fields));
	for (size_t i = 0; i < ev->nfields; i++) {
		e->fields[i].key = arena_strdup(&c->arena, ev->fields[i].key);
		e->fields[i].value = arena_strdup(&c->arena, ev->fields[i].value);
	}
	e->nframes = ev->nframes;
	e->frames = arena_alloc(&c->arena, (ev->nframes + 1) * sizeof(*e->frames));
	for (size_t i = 0; i < ev->nframes; i++)
		e->frames[i] = arena_strdup(&c->arena, ev->frames[i]);
	s->events++;
	return 0;
}

static int collect_meta(struct vx_sink *s, const char *key, const char *value, size_t len)
{
	struct collect *c = s->priv;

	if (!strcmp(key, "kernel_release") && len < sizeof(c->kernel_release)) {
		memcpy(c->kernel_release, value, len);
		c->kernel_release[len] = '\0';
	}
	return 0;
}

static void collect_init(struct collect *c)
{
	memset(c, 0, sizeof(*c));
	c->sink.event = collect_event;
	c->sink.meta = collect_meta;
	c->sink.priv = c;
}

static void collect_release(struct collect *c)
{
	free(c->evs);
	arena_release(&c->arena);
}

static int td_import_file(const char *path, struct collect *c)
{
	struct vx_input *in = vx_input_open(path);
	int ret;

	if (!in)
		return -1;
	ret = vx_format_trace_dat.import(in, &c->sink, NULL);
	vx_input_close(in);
	return ret;
}

static const char *field(const struct ev_copy *e, const char *key)
{
	for (size_t i = 0; i < e->nfields; i++)
		if (!strcmp(e->fields[i].key, key))
			return e->fields[i].value;
	return NULL;
}

static int have_trace_cmd(void)
{
	return system("command -v trace-cmd >/dev/null 2>&1") == 0;
}

/* events in `trace-cmd report` output, kernel_stack records not counted */
static long report_event_count(const char *path)
{
	char cmd[4096], line[8192];
	regex_t re;
	long n = 0;
	FILE *p;

	assert_int_equal(regcomp(&re, "\\[[0-9]+\\] +[0-9]+\\.[0-9]+: +[a-z_0-9]+:", REG_EXTENDED), 0);
	snprintf(cmd, sizeof(cmd), "trace-cmd report '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (!regexec(&re, line, 0, NULL, 0) && !strstr(line, " kernel_stack:"))
			n++;
	assert_int_equal(pclose(p), 0);
	regfree(&re);
	return n;
}

/* sum of the "[N EVENTS DROPPED]" notes of `trace-cmd report` */
static long report_dropped(const char *path)
{
	char cmd[4096], line[8192];
	long n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "trace-cmd report '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char *d = strstr(line, " EVENTS DROPPED]"), *b;

		if (!d)
			continue;
		for (b = d; b > line && b[-1] != '['; b--)
			;
		n += strtol(b, NULL, 10);
	}
	assert_int_equal(pclose(p), 0);
	return n;
}

/* the normalised frames of @e as names, for searching */
static int count_frame(const struct ev_copy *e, const char *sym)
{
	char out[256];
	int n = 0;

	for (size_t i = 0; i < e->nframes; i++)
		if (vx_frame_normalize(e->frames[i], out, sizeof(out)) >= 0 && !strcmp(out, sym))
			n++;
	return n;
}

/* ---- tests ---- */

static void test_trace_dat_probe_wants_magic_and_version(void **state)
{
	static const unsigned char v6[] = "\027\010\104tracing6\0\0\010", v7[] = "\027\010\104tracing7\0\0\010";
	static const unsigned char v5[] = "\027\010\104tracing5\0\0\010", text[] = "# tracer: nop\n#\n";

	(void)state;
	assert_int_equal(vx_format_trace_dat.probe(v6, sizeof(v6) - 1), 100);
	assert_int_equal(vx_format_trace_dat.probe(v7, sizeof(v7) - 1), 100);
	assert_true(vx_format_trace_dat.probe(v5, sizeof(v5) - 1) < 100);
	assert_int_equal(vx_format_trace_dat.probe(text, sizeof(text) - 1), 0);
	assert_int_equal(vx_format_trace_dat.probe(v7, 5), 0);
}

static void test_trace_dat_event_count_matches_trace_cmd_report(void **state)
{
	struct collect c;

	(void)state;
	if (!have_trace_cmd())
		skip();
	collect_init(&c);
	assert_int_equal(td_import_file(SAMPLE, &c), 0);
	assert_true(c.n > 20);
	assert_int_equal((long)c.n, report_event_count(SAMPLE));
	assert_int_equal(c.sink.skipped, 0);
	assert_int_equal(c.sink.lost_events, 0);
	assert_false(c.sink.truncated);
	collect_release(&c);
}

/* a ring buffer that overflowed: the records' missed-event counts and the file's per-CPU
 * statistics (overrun 628 + 535 ring entries in the sample) tell the same loss, counted
 * once; each event of the sample was two entries, itself and its kernel stack, so the loss
 * is half as many events, per CPU, as the recorder counts it (ring-stats.h) */
static void test_trace_dat_counts_lost_events_once(void **state)
{
	struct collect c;

	(void)state;
	collect_init(&c);
	assert_int_equal(td_import_file(SAMPLE_OVERRUN, &c), 0);
	assert_int_equal(c.sink.lost_events, 314 + 268);
	/* the stack whose event was overwritten is not attached to anything */
	assert_int_equal(c.sink.skipped, 1);
	assert_non_null(strstr(c.sink.skipped_example, "kernel_stack"));
	if (have_trace_cmd()) {
		assert_int_equal(report_dropped(SAMPLE_OVERRUN), 628 + 535);	/* trace-cmd counts entries */
		assert_int_equal((long)c.n, report_event_count(SAMPLE_OVERRUN));
	}
	collect_release(&c);
}

static void test_trace_dat_decodes_format_fields(void **state)
{
	struct collect c;
	size_t xmit = 0, rcv = 0;

	(void)state;
	collect_init(&c);
	assert_int_equal(td_import_file(SAMPLE, &c), 0);
	assert_string_equal(c.kernel_release, "6.18.44-fc-v669");
	for (size_t i = 0; i < c.n; i++) {
		struct ev_copy *e = &c.evs[i];
		const char *skb = field(e, "skbaddr"), *len = field(e, "len"), *dev = field(e, "name");

		assert_non_null(strchr(e->name, ':'));
		assert_null(field(e, "common_pid"));	/* common fields are not payload */
		assert_true(i == 0 || e->ts >= c.evs[i - 1].ts);	/* all CPUs in time order */
		if (strncmp(e->name, "net:", 4))
			continue;
		assert_non_null(skb);
		assert_non_null(len);
		assert_non_null(dev);
		assert_memory_equal(skb, "0xffff", 6);	/* raw pointer, not the %p hash of text */
		assert_true(strtol(len, NULL, 10) > 0);
		assert_true(*dev != '\0');
		assert_non_null(e->comm);
		if (!strcmp(e->name, "net:net_dev_start_xmit")) {
			xmit++;
			assert_non_null(field(e, "queue_mapping"));
			assert_non_null(field(e, "protocol"));
			/* hex where the print format shows hex ("protocol=0x%04x", zero-padded
			 * like the ftrace text), as the recorder and the perf.data importer */
			assert_string_equal(field(e, "protocol"), "0x0800");
			assert_string_equal(field(e, "gso_type"), "0x0");	/* "%#x" */
			assert_string_equal(field(e, "queue_mapping"), "0");
		} else if (!strcmp(e->name, "net:netif_receive_skb")) {
			rcv++;
		}
	}
	assert_true(xmit > 0 && rcv > 0);
	collect_release(&c);
}

/* the longest stack in the same-run ftrace text, which prints every frame */
static size_t longest_text_stack(void)
{
	FILE *f = fopen(SAMPLE_TEXT, "r");
	char line[1024];
	size_t cur = 0, best = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, " => ") == line || !strncmp(line, " => ", 4)) {
			if (++cur > best)
				best = cur;
		} else {
			cur = 0;
		}
	}
	fclose(f);
	return best;
}

static void test_trace_dat_attaches_all_stack_frames(void **state)
{
	struct collect c;
	size_t longest = 0, underlay = 0;

	(void)state;
	collect_init(&c);
	assert_int_equal(td_import_file(SAMPLE, &c), 0);
	for (size_t i = 0; i < c.n; i++) {
		struct ev_copy *e = &c.evs[i];
		const char *dev = field(e, "name"), *len = field(e, "len");

		assert_true(e->nframes > 0);	/* options/stacktrace: every event has one */
		for (size_t k = 0; k < e->nframes; k++)
			assert_true(strncmp(e->frames[k], "0x", 2) != 0);	/* all symbolised */
		if (e->nframes > longest)
			longest = e->nframes;
		if (!strcmp(e->name, "net:net_dev_start_xmit") && dev && !strcmp(dev, "eth0") &&
		    len && !strcmp(len, "148")) {
			underlay++;
			assert_true(count_frame(e, "vxlan_xmit") >= 1);
			assert_true(count_frame(e, "iptunnel_xmit") >= 1);
			assert_true(count_frame(e, "ip_output") >= 2);
		}
	}
	assert_true(underlay >= 3);	/* one per echo request at least */
	assert_true(longest > 8);	/* not cut to the print format's 8 entries */
	assert_int_equal(longest, longest_text_stack());
	collect_release(&c);
}

static void test_trace_dat_reads_standard_input(void **state)
{
	struct collect c, ref;
	int pfd[2], saved = dup(0), status;
	pid_t pid;
	struct vx_input *in;

	(void)state;
	collect_init(&ref);
	assert_int_equal(td_import_file(SAMPLE, &ref), 0);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(SAMPLE, O_RDONLY);
		char buf[8192];
		ssize_t r;

		close(pfd[0]);
		while (fd >= 0 && (r = read(fd, buf, sizeof(buf))) > 0)
			if (write(pfd[1], buf, (size_t)r) != r)
				_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	assert_true(dup2(pfd[0], 0) == 0);
	close(pfd[0]);
	collect_init(&c);
	in = vx_input_open("-");
	assert_non_null(in);
	assert_false(in->seekable);
	assert_int_equal(vx_format_trace_dat.import(in, &c.sink, NULL), 0);
	vx_input_close(in);	/* closes fd 0 */
	assert_true(dup2(saved, 0) == 0);
	close(saved);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(c.n, ref.n);
	assert_int_equal(c.evs[c.n - 1].nframes, ref.evs[ref.n - 1].nframes);
	collect_release(&c);
	collect_release(&ref);
}

/* a temporary directory for copies; removed by rm_tmpdir() */
static char *make_tmpdir(void)
{
	char *d = strdup("/tmp/vx-test-trace-dat.XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void rm_tmpdir(char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(d);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* every truncated copy: a one-line error naming the file, or a partial import marked
 * truncated; never a crash (the test process would die) */
static size_t check_truncations(const char *sample, size_t step)
{
	size_t len, ok = 0, failed = 0;
	char *data = read_file(sample, &len), *dir = make_tmpdir(), path[600];

	snprintf(path, sizeof(path), "%s/cut.dat", dir);
	for (size_t off = 0; off < len; off += (off < 4096 ? 7 : step)) {
		struct collect c;
		int ret;

		write_file(path, data, off);
		collect_init(&c);
		vx_error_clear();
		ret = td_import_file(path, &c);
		if (ret < 0) {
			failed++;
			assert_non_null(strstr(vx_error_msg(), path));
			assert_null(strchr(vx_error_msg(), '\n'));
		} else {
			ok++;
			assert_true(c.sink.truncated);
			assert_int_equal(c.sink.truncated_at, off);
		}
		collect_release(&c);
	}
	assert_true(failed > 0);
	free(data);
	rm_tmpdir(dir);
	return ok;
}

static void test_trace_dat_truncated_v7_never_crashes(void **state)
{
	(void)state;
	check_truncations(SAMPLE, 499);
}

/* version 6 (what trace-cmd wrote before 3.0, and `trace-cmd convert --file-version 6`) */
static void test_trace_dat_reads_version_6(void **state)
{
	char *dir, cmd[2048], path[600];
	struct collect c, ref;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	snprintf(path, sizeof(path), "%s/v6.dat", dir);
	snprintf(cmd, sizeof(cmd), "trace-cmd convert --file-version 6 --compression none -i '%s' -o '%s'"
		 " >/dev/null 2>&1", SAMPLE, path);
	assert_int_equal(system(cmd), 0);
	collect_init(&ref);
	collect_init(&c);
	assert_int_equal(td_import_file(SAMPLE, &ref), 0);
	assert_int_equal(td_import_file(path, &c), 0);
	assert_int_equal(c.n, ref.n);
	for (size_t i = 0; i < c.n; i++) {
		assert_string_equal(c.evs[i].name, ref.evs[i].name);
		assert_int_equal(c.evs[i].nframes, ref.evs[i].nframes);
		assert_int_equal(c.evs[i].nfields, ref.evs[i].nfields);
	}
	assert_string_equal(c.kernel_release, ref.kernel_release);
	collect_release(&c);
	collect_release(&ref);
	/* version 6 keeps the CPU data last: a copy cut there gives its complete pages */
	assert_true(check_truncations(path, 15013) > 0);
	rm_tmpdir(dir);
}

/*
 * A trace.dat whose first options offset points 42 bytes too far: our header walk finds a
 * plausible options section there, but libtracecmd 1.3 then crashes (SIGSEGV) while making
 * the buffer instance handles. The import reads the records in a child process, so this is
 * an error message, not a crash of vxanalyze (the test process would die).
 */
static void test_trace_dat_libtracecmd_crash_is_an_error(void **state)
{
	size_t len, at;
	char *data = read_file(SAMPLE, &len), *dir = make_tmpdir(), path[600];
	uint64_t off = 0;
	struct collect c;

	(void)state;
	/* magic(10) "7\0" endian long page(4) "zstd\0" "1.5.4\0", then the offset */
	at = 10 + 2 + 1 + 1 + 4;
	at += strlen(data + at) + 1;
	at += strlen(data + at) + 1;
	assert_true(at + 8 <= len);
	for (int i = 7; i >= 0; i--)
		off = off << 8 | (unsigned char)data[at + i];
	off += 42;
	for (int i = 0; i < 8; i++)
		data[at + i] = (char)(off >> (8 * i));
	snprintf(path, sizeof(path), "%s/shifted.dat", dir);
	write_file(path, data, len);
	collect_init(&c);
	assert_int_equal(td_import_file(path, &c), -1);
	assert_non_null(strstr(vx_error_msg(), path));
	assert_non_null(strstr(vx_error_msg(), "libtracecmd"));
	collect_release(&c);
	free(data);
	rm_tmpdir(dir);
}

/*
 * Two bytes of the overrun sample's compressed CPU data changed (found by fuzzing): a
 * damaged record decodes into an event with more fields than any before it but fewer
 * strings, which once overflowed the field array (caught by AddressSanitizer builds).
 * Whatever the outcome, it is an import or an error, not a crash.
 */
static void test_trace_dat_damaged_record_is_not_a_crash(void **state)
{
	size_t len;
	char *data = read_file(SAMPLE_OVERRUN, &len), *dir = make_tmpdir(), path[600];
	struct collect c;
	int ret;

	(void)state;
	assert_true(len > 131335);
	data[130211] = 0x55;
	data[131335] = 0x05;
	snprintf(path, sizeof(path), "%s/damaged.dat", dir);
	write_file(path, data, len);
	collect_init(&c);
	ret = td_import_file(path, &c);
	assert_true(ret == 0 || strstr(vx_error_msg(), path));
	collect_release(&c);
	free(data);
	rm_tmpdir(dir);
}

static void assert_same_events(const struct collect *a, const struct collect *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct ev_copy *x = &a->evs[i], *y = &b->evs[i];

		assert_int_equal(x->ts, y->ts);
		assert_int_equal(x->cpu, y->cpu);
		assert_int_equal(x->pid, y->pid);
		assert_string_equal(x->name, y->name);
		assert_true((!x->comm && !y->comm) || (x->comm && y->comm && !strcmp(x->comm, y->comm)));
		assert_int_equal(x->nfields, y->nfields);
		for (size_t k = 0; k < x->nfields; k++) {
			assert_string_equal(x->fields[k].key, y->fields[k].key);
			assert_string_equal(x->fields[k].value, y->fields[k].value);
		}
		assert_int_equal(x->nframes, y->nframes);
		for (size_t k = 0; k < x->nframes; k++)
			assert_string_equal(x->frames[k], y->frames[k]);
	}
	assert_int_equal(a->sink.lost_events, b->sink.lost_events);
	assert_int_equal(a->sink.skipped, b->sink.skipped);
}

/* @path read by the direct reader and by libtracecmd (VX_TRACE_DAT_READER) give the same */
static void check_readers_agree(const char *path)
{
	struct collect direct, ref;

	collect_init(&direct);
	collect_init(&ref);
	assert_int_equal(td_import_file(path, &direct), 0);
	setenv("VX_TRACE_DAT_READER", "libtracecmd", 1);
	assert_int_equal(td_import_file(path, &ref), 0);
	unsetenv("VX_TRACE_DAT_READER");
	assert_true(ref.n > 0);
	assert_same_events(&direct, &ref);
	collect_release(&direct);
	collect_release(&ref);
}

/* an uncompressed version 7 copy of @sample at @dir/none.dat, its path into @path */
static void uncompressed_copy(const char *sample, const char *dir, char *path, size_t n)
{
	char cmd[2048];

	snprintf(path, n, "%s/none.dat", dir);
	snprintf(cmd, sizeof(cmd), "trace-cmd convert --file-version 7 --compression none -i '%s' -o '%s'"
		 " >/dev/null 2>&1", sample, path);
	assert_int_equal(system(cmd), 0);
}

/* `trace-cmd dump @opt` of @path, to read (pclose it) */
static FILE *dump_open(const char *opt, const char *path)
{
	char cmd[2048];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "trace-cmd dump %s -i '%s' 2>/dev/null", opt, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	return p;
}

/*
 * section_read - the uncompressed copy @path read into a malloc'd buffer (*@len bytes;
 * caller frees), with the offset and size of its section @id as `trace-cmd dump @opt` tells
 * them ("[Section 19 @ 2025129: "kallsyms", flags 0x0, 3485 bytes]"): the section's text
 * starts at *@off + 16 + 4 (its header, then the text's size) and ends at *@off + 16 + *@size.
 */
static char *section_read(const char *path, const char *opt, int id, unsigned long long *off,
			  unsigned long long *size, size_t *len)
{
	char line[512], tag[32];
	FILE *p = dump_open(opt, path);
	char *data;

	*off = *size = 0;
	snprintf(tag, sizeof(tag), "[Section %d @ ", id);
	while (fgets(line, sizeof(line), p)) {
		char *at = strstr(line, tag), *comma = strstr(line, "flags 0x0, ");

		if (at && comma && !*off) {
			*off = strtoull(at + strlen(tag), NULL, 10);
			*size = strtoull(comma + 11, NULL, 10);
		}
	}
	pclose(p);
	data = read_file(path, len);
	assert_true(*off > 0 && *size > 4 && *off + 16 + *size <= *len);
	return data;
}

/* @path (a damaged copy of the sample) imports, with as many events as the sample */
static void assert_imports_as_sample(const char *path)
{
	struct collect c, ref;

	collect_init(&c);
	collect_init(&ref);
	assert_int_equal(td_import_file(path, &c), 0);
	assert_int_equal(td_import_file(SAMPLE, &ref), 0);
	assert_int_equal(c.n, ref.n);
	collect_release(&c);
	collect_release(&ref);
}

/*
 * Version 7 files are read without libtracecmd (td_read_direct): the zstd samples and an
 * uncompressed copy give exactly the events, fields, frames, lost and skipped counts that
 * libtracecmd's reading gives (the overrun sample has lost events and an orphan stack).
 */
static void test_trace_dat_direct_reader_matches_libtracecmd(void **state)
{
	char *dir, path[600];

	(void)state;
	check_readers_agree(SAMPLE);
	check_readers_agree(SAMPLE_OVERRUN);
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE_OVERRUN, dir, path, sizeof(path));
	check_readers_agree(path);
	rm_tmpdir(dir);
}

/*
 * A padding header whose length points 4 bytes back makes libtraceevent's kbuffer loop on
 * the spot for ever (libtracecmd's reading hung on it): the direct reader walks each page's
 * headers before handing it to kbuffer and stops with an error; through libtracecmd, the
 * import stops when the reading process is silent too long.
 */
static void test_trace_dat_backward_page_header_is_an_error(void **state)
{
	char *dir, path[600], line[512], *data;
	unsigned long long off = 0;
	size_t len;
	FILE *p;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE, dir, path, sizeof(path));
	/* "   0 2035712	24576	[id, data offset and size]": the first page of cpu 0 */
	p = dump_open("--flyrecord", path);
	while (fgets(line, sizeof(line), p))
		if (!off && strstr(line, "[id, data offset and size]"))
			assert_int_equal(sscanf(line, "%*d %llu", &off), 1);
	pclose(p);
	data = read_file(path, &len);
	assert_true(off > 0 && off + 4096 <= len);
	/* the first event: padding (type 29), length -4 */
	memcpy(data + off + 16, "\x1d\x00\x00\x00\xfc\xff\xff\xff", 8);
	write_file(path, data, len);
	struct collect c;

	collect_init(&c);
	assert_int_equal(td_import_file(path, &c), -1);
	assert_non_null(strstr(vx_error_msg(), "points backwards"));
	/* the message names the file and the page's offset */
	{
		char want[700];

		snprintf(want, sizeof(want), "%s: damaged trace.dat: the page at offset %llu of cpu 0 ",
			 path, off);
		assert_non_null(strstr(vx_error_msg(), want));
	}
	collect_release(&c);
	/* libtracecmd's reading loops on it: the import gives up on the silent reading process
	 * instead of waiting for ever (2 s here, 30 s by default) */
	setenv("VX_TRACE_DAT_READER", "libtracecmd", 1);
	setenv("VX_TRACE_DAT_STALL_MS", "2000", 1);
	collect_init(&c);
	assert_int_equal(td_import_file(path, &c), -1);
	unsetenv("VX_TRACE_DAT_READER");
	unsetenv("VX_TRACE_DAT_STALL_MS");
	assert_non_null(strstr(vx_error_msg(), "made no progress for 2 s"));
	collect_release(&c);
	free(data);
	rm_tmpdir(dir);
}

/* the offset and size of the first cpu's data in the uncompressed copy @path */
static void first_cpu_data(const char *path, unsigned long long *off, unsigned long long *size)
{
	char line[512];
	FILE *p = dump_open("--flyrecord", path);

	*off = *size = 0;
	/* "   0 2035712	24576	[id, data offset and size]" */
	while (fgets(line, sizeof(line), p))
		if (!*off && strstr(line, "[id, data offset and size]"))
			assert_int_equal(sscanf(line, "%*d %llu %llu", off, size), 2);
	pclose(p);
	assert_true(*off > 0 && *size >= 2 * 4096);
}

/*
 * A page whose commit (the bytes of events it holds) is more than a page: libtracecmd says
 * "bad page read" and ends that cpu. The direct reader ends it too (the same events as
 * libtracecmd's), but not silently: the bad page and the pages after it on that cpu are
 * counted as skipped, and the warning names the file, cpu and offset.
 */
static void test_trace_dat_bad_page_commit_is_counted(void **state)
{
	char *dir, path[600], want[700], *data;
	unsigned long long off, size;
	struct collect c, ref;
	size_t len;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE, dir, path, sizeof(path));
	first_cpu_data(path, &off, &size);
	data = read_file(path, &len);
	assert_true(off + size <= len);
	/* the second page of cpu 0: timestamp (8), commit (8) = 5000 > 4096 - 16 */
	memcpy(data + off + 4096 + 8, "\x88\x13\x00\x00\x00\x00\x00\x00", 8);
	write_file(path, data, len);
	collect_init(&c);
	collect_init(&ref);
	assert_int_equal(td_import_file(path, &c), 0);
	setenv("VX_TRACE_DAT_READER", "libtracecmd", 1);
	assert_int_equal(td_import_file(path, &ref), 0);
	unsetenv("VX_TRACE_DAT_READER");
	/* that page and the ones after it on cpu 0 */
	assert_int_equal(c.sink.skipped, ref.sink.skipped + size / 4096 - 1);
	assert_non_null(strstr(c.sink.skipped_example, "commit 5000 bytes > page size 4096"));
	snprintf(want, sizeof(want), "%s: damaged trace.dat: the page at offset %llu of cpu 0 commits"
		 " 5000 bytes", path, off + 4096);
	assert_non_null(strstr(c.sink.warning, want));
	snprintf(want, sizeof(want), "the %llu pages after it", size / 4096 - 2);
	assert_non_null(strstr(c.sink.warning, want));
	/* otherwise what libtracecmd reads: fewer events than the intact file, the same ones */
	c.sink.skipped = ref.sink.skipped;
	assert_true(ref.n > 0);
	assert_same_events(&c, &ref);
	collect_release(&ref);
	collect_init(&ref);
	assert_int_equal(td_import_file(SAMPLE, &ref), 0);
	assert_true(c.n < ref.n);
	collect_release(&c);
	collect_release(&ref);
	free(data);
	rm_tmpdir(dir);
}

/*
 * kernel_stack records whose `size` says 0 (found by mutating an uncompressed copy, UBSan: the
 * direct reader remembered the empty stack with memcpy from NULL): the events import, those
 * with no frames; the other stacks are unchanged.
 */
static void test_trace_dat_empty_stack_records(void **state)
{
	char *dir, path[600], *data;
	unsigned long long off, size;
	struct collect c, ref;
	size_t len, zeroed = 0, empty = 0;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE, dir, path, sizeof(path));
	first_cpu_data(path, &off, &size);
	data = read_file(path, &len);
	/* the records of cpu 0's first page: after its header (timestamp, commit), each has a
	 * 4-byte header, type_len in its low 5 bits: 1-28 is the data length in words, 0 the
	 * length in the next word, 29 padding, 30/31 time stamps; ftrace:kernel_stack is id 4
	 * here, its int size at offset 8 of the record */
	unsigned char *pg = (unsigned char *)data + off, *ev = pg + 16;
	uint64_t commit;
	size_t at = 0;

	memcpy(&commit, pg + 8, 8);
	commit &= (1u << 27) - 1;
	assert_true(commit > 0 && commit <= 4096 - 16);
	while (at + 8 <= commit) {
		uint32_t h, type, dlen, rec;

		memcpy(&h, ev + at, 4);
		type = h & 31;
		if (type >= 29) {
			if (type == 29)
				break;	/* padding: the rest of the page */
			at += 8;
			continue;
		}
		if (type == 0) {
			memcpy(&dlen, ev + at + 4, 4);
			dlen -= 4;
			rec = (uint32_t)at + 8;
		} else {
			dlen = type * 4;
			rec = (uint32_t)at + 4;
		}
		if (dlen >= 16 && ev[rec] == 4 && ev[rec + 1] == 0) {
			memset(ev + rec + 8, 0, 4);
			zeroed++;
		}
		at = rec + ((dlen + 3) & ~3u);
	}
	assert_true(zeroed > 0);
	write_file(path, data, len);
	collect_init(&c);
	collect_init(&ref);
	assert_int_equal(td_import_file(path, &c), 0);
	assert_int_equal(td_import_file(SAMPLE, &ref), 0);
	assert_int_equal(c.n, ref.n);
	for (size_t i = 0; i < c.n; i++)
		if (!c.evs[i].nframes && ref.evs[i].nframes)
			empty++;
	assert_int_equal(empty, zeroed);
	collect_release(&c);
	collect_release(&ref);
	free(data);
	rm_tmpdir(dir);
}

/*
 * net_dev_start_xmit's print arguments cut into a path, as in a damaged file
 * ("..., RE/usr/lib/x86_64-linux-gnu/"): libtraceevent 1.7 folds a constant division by zero
 * there and raises SIGFPE while parsing the format, now in the importing process. The format
 * counts as one it cannot parse: the import goes on, its records counted as skipped.
 */
static void test_trace_dat_format_division_by_zero_is_not_a_crash(void **state)
{
	static const char cut[] = "RE/usr/lib/x86_64-linux-gnu/";
	char *dir, path[600], *data, *fmt, *nl, *at = NULL;
	struct collect c, ref;
	size_t len;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE, dir, path, sizeof(path));
	data = read_file(path, &len);
	fmt = memmem(data, len, "name: net_dev_start_xmit", 24);
	assert_non_null(fmt);
	fmt = memmem(fmt, len - (size_t)(fmt - data), "print fmt:", 10);
	assert_non_null(fmt);
	nl = memchr(fmt, '\n', len - (size_t)(fmt - data));
	assert_non_null(nl);
	for (char *p = fmt; (p = memmem(p, (size_t)(nl - p), "REC->gso_segs", 13)); p++)
		at = p;
	assert_true(at && nl - at >= (long)sizeof(cut) - 1);
	memset(at, ' ', (size_t)(nl - at));
	memcpy(at, cut, sizeof(cut) - 1);
	write_file(path, data, len);
	collect_init(&c);
	collect_init(&ref);
	assert_int_equal(td_import_file(path, &c), 0);
	assert_int_equal(td_import_file(SAMPLE, &ref), 0);
	assert_true(c.n > 0 && c.n < ref.n);
	assert_true(c.sink.skipped > 0);
	for (size_t i = 0; i < c.n; i++)
		assert_string_not_equal(c.evs[i].name, "net:net_dev_start_xmit");
	collect_release(&c);
	collect_release(&ref);
	free(data);
	rm_tmpdir(dir);
}

/* @s with every "ip_" as "IP_" */
static char *upper_ip(const char *s)
{
	char *t = strdup(s);

	assert_non_null(t);
	for (char *p = t; (p = strstr(p, "ip_")); p += 3)
		memcpy(p, "IP_", 3);
	return t;
}

/*
 * Each file is symbolised with its own kallsyms, also when one process imports several:
 * a copy whose kallsyms section names every ip_* function IP_*, imported between two
 * imports of the sample, gives IP_ in its frames and %pS fields, the sample ip_ both times.
 */
static void test_trace_dat_each_file_its_own_kallsyms(void **state)
{
	char *dir, path[600], *data;
	unsigned long long off = 0, size = 0;
	struct collect a, b, a2;
	size_t len, renamed = 0, frames = 0;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE, dir, path, sizeof(path));
	data = section_read(path, "--kallsyms", 19, &off, &size, &len);
	for (size_t i = off + 16 + 4; i + 3 <= off + 16 + size; i++)
		if (!memcmp(data + i, "ip_", 3)) {
			memcpy(data + i, "IP_", 3);
			renamed++;
		}
	assert_true(renamed > 0);
	write_file(path, data, len);
	collect_init(&a);
	collect_init(&b);
	collect_init(&a2);
	assert_int_equal(td_import_file(SAMPLE, &a), 0);
	assert_int_equal(td_import_file(path, &b), 0);
	assert_int_equal(td_import_file(SAMPLE, &a2), 0);
	assert_same_events(&a, &a2);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		assert_int_equal(a.evs[i].nframes, b.evs[i].nframes);
		for (size_t k = 0; k < a.evs[i].nframes; k++) {
			char *want = upper_ip(a.evs[i].frames[k]);

			assert_string_equal(b.evs[i].frames[k], want);
			frames += strstr(a.evs[i].frames[k], "ip_") != NULL;
			assert_null(strstr(b.evs[i].frames[k], "ip_"));
			free(want);
		}
		for (size_t k = 0; k < a.evs[i].nfields; k++) {
			char *want = upper_ip(a.evs[i].fields[k].value);

			assert_string_equal(b.evs[i].fields[k].value, want);
			free(want);
		}
	}
	assert_true(frames > 0);
	collect_release(&a);
	collect_release(&b);
	collect_release(&a2);
	free(data);
	rm_tmpdir(dir);
}

/*
 * One kallsyms parser and one rule for both readers (src/decode/kallsyms.c): a copy whose
 * kallsyms section starts with a line that is not a symbol and lists ip_output as a data
 * symbol. The line is skipped (libtraceevent's own parser stopped there, leaving every frame
 * an address), and a data symbol bounds no function: no frame is ip_output, the frames are
 * still symbols, and the direct reader and libtracecmd's reading give the same.
 */
static void test_trace_dat_one_kallsyms_rule_in_both_readers(void **state)
{
	char *dir, path[600], *data, *text, *end, *ip;
	unsigned long long off = 0, size = 0;
	struct collect c;
	size_t len, symbols = 0;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE, dir, path, sizeof(path));
	data = section_read(path, "--kallsyms", 19, &off, &size, &len);
	text = data + off + 16 + 4;
	end = data + off + 16 + size;
	text[0] = 'x';
	ip = memmem(text, (size_t)(end - text), " T ip_output\n", 13);
	if (!ip)
		ip = memmem(text, (size_t)(end - text), " t ip_output\n", 13);
	assert_non_null(ip);
	ip[1] = 'd';
	write_file(path, data, len);
	check_readers_agree(path);
	collect_init(&c);
	assert_int_equal(td_import_file(path, &c), 0);
	for (size_t i = 0; i < c.n; i++)
		for (size_t k = 0; k < c.evs[i].nframes; k++) {
			assert_false(!strncmp(c.evs[i].frames[k], "ip_output+", 10));
			symbols += strstr(c.evs[i].frames[k], "+0x") != NULL;
		}
	assert_true(symbols > 0);
	collect_release(&c);
	free(data);
	rm_tmpdir(dir);
}

/*
 * The trace_printk formats of an uncompressed copy with every ':' gone: libtraceevent's
 * tep_parse_printk_formats() reads past the end of such a text (AddressSanitizer aborts the
 * reading process, and the import fails); the direct reader leaves those lines out, so the
 * events are all there.
 */
static void test_trace_dat_printk_lines_without_colon_are_skipped(void **state)
{
	char *dir, path[600], *data;
	unsigned long long off = 0, size = 0;
	size_t len;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE, dir, path, sizeof(path));
	data = section_read(path, "--printk", 20, &off, &size, &len);
	for (size_t i = off + 16 + 4; i < off + 16 + size; i++)
		if (data[i] == ':')
			data[i] = 'x';
	write_file(path, data, len);
	assert_imports_as_sample(path);
	free(data);
	rm_tmpdir(dir);
}

/*
 * trace_printk formats of 0 to 2 bytes ("ADDR : \"x\"", the rest of each line made empty
 * lines): tep_parse_printk_formats() looks at the last 3 bytes of each and reads before the
 * string (AddressSanitizer, a mutated uncompressed copy); the direct reader leaves such
 * lines out, and the events are all there.
 */
static void test_trace_dat_short_printk_formats_are_skipped(void **state)
{
	char *dir, path[600], *data;
	unsigned long long off = 0, size = 0;
	size_t len, lines = 0;

	(void)state;
	if (!have_trace_cmd())
		skip();
	dir = make_tmpdir();
	uncompressed_copy(SAMPLE, dir, path, sizeof(path));
	data = section_read(path, "--printk", 20, &off, &size, &len);
	/* section header (16), text size (4), then "ffffffff81234567 : \"...\"\n" lines */
	for (size_t i = off + 16 + 4, n = 0; i < off + 16 + size; i++) {
		char *colon = memchr(data + i, ':', off + 16 + size - i);
		char *nl = memchr(data + i, '\n', off + 16 + size - i);

		if (!colon || !nl || colon > nl || nl - colon < 2 + 1 + n % 3)
			break;
		/* ": " then a format of n % 3 bytes ("", "\"", "\"x"), then empty lines */
		memcpy(colon + 2, "\"x", n % 3);
		memset(colon + 2 + n % 3, '\n', (size_t)(nl - colon - 2 - n % 3));
		n++;
		lines++;
		i = (size_t)(nl - data);
	}
	assert_true(lines > 3);
	write_file(path, data, len);
	assert_imports_as_sample(path);
	free(data);
	rm_tmpdir(dir);
}

static void test_trace_dat_rejects_garbage(void **state)
{
	char *dir = make_tmpdir(), path[600];
	unsigned char junk[20000];
	uint32_t x = 12345;
	struct collect c;

	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	snprintf(path, sizeof(path), "%s/garbage.dat", dir);
	/* garbage behind a valid magic and version: the header walk rejects it */
	for (int v = 6; v <= 7; v++) {
		memcpy(junk, "\027\010\104tracing", 10);
		junk[10] = (unsigned char)('0' + v);
		junk[11] = 0;
		junk[12] = 0;
		junk[13] = 8;
		write_file(path, junk, sizeof(junk));
		collect_init(&c);
		assert_int_equal(td_import_file(path, &c), -1);
		assert_non_null(strstr(vx_error_msg(), path));
		assert_int_equal(c.n, 0);
		collect_release(&c);
	}
	/* no magic at all */
	junk[0] = 'x';
	write_file(path, junk, sizeof(junk));
	collect_init(&c);
	assert_int_equal(td_import_file(path, &c), -1);
	assert_non_null(strstr(vx_error_msg(), "not a trace.dat"));
	collect_release(&c);
	rm_tmpdir(dir);
}

/* the stack of a loaded event as one string "f1 f2 ...", "" without a stack */
static void stack_string(const struct vx_dataset *ds, const struct vx_rec *r, char *out, size_t n)
{
	const struct vx_stack *st = r->stack_id ? vx_dataset_stack(ds, r->stack_id) : NULL;
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; st && i < st->nframes && len + 1 < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? " " : "", st->frames[i]);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the distinct normalised stacks of capture @id, sorted (caller frees with free_stacks) */
static char **capture_stacks(struct vx_store *st, int64_t id, size_t *n)
{
	struct vx_dataset ds;
	char **v, buf[8192];
	size_t k = 0;

	memset(&ds, 0, sizeof(ds));
	assert_int_equal(store_load(st, id, true, &ds), 0);
	v = calloc(ds.nrecs + 1, sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < ds.nrecs; i++) {
		stack_string(&ds, &ds.recs[i], buf, sizeof(buf));
		v[k++] = strdup(buf);
	}
	qsort(v, k, sizeof(*v), cmp_str);
	/* distinct */
	size_t d = 0;

	for (size_t i = 0; i < k; i++) {
		if (d && !strcmp(v[d - 1], v[i])) {
			free(v[i]);
			continue;
		}
		v[d++] = v[i];
	}
	vx_dataset_release(&ds);
	*n = d;
	return v;
}

/*
 * The trace.dat and the ftrace text of the same run (samples/capture-tracedat.sh reads the
 * instance's `trace` just before `trace-cmd extract`) hold the same events: through the
 * store they give the same events in the same order, with the same stacks. Only skbaddr
 * differs (the text prints it hashed).
 */
static void test_trace_dat_and_same_run_text_give_same_stacks(void **state)
{
	char *db = test_db_new(), a[8192], b[8192];
	int64_t id_dat = store_import_path(db, SAMPLE), id_txt = store_import_path(db, SAMPLE_TEXT);
	struct vx_store *st;
	struct vx_dataset dd, dt;
	char **sd, **stx;
	size_t nd, nt;

	(void)state;
	assert_true(id_dat > 0);
	assert_true(id_txt > 0);
	st = store_open(db, true);
	assert_non_null(st);
	sd = capture_stacks(st, id_dat, &nd);
	stx = capture_stacks(st, id_txt, &nt);
	assert_true(nd > 5);
	assert_int_equal(nd, nt);
	for (size_t i = 0; i < nd; i++) {
		assert_string_equal(sd[i], stx[i]);
		free(sd[i]);
		free(stx[i]);
	}
	free(sd);
	free(stx);

	memset(&dd, 0, sizeof(dd));
	memset(&dt, 0, sizeof(dt));
	assert_int_equal(store_load(st, id_dat, true, &dd), 0);
	assert_int_equal(store_load(st, id_txt, true, &dt), 0);
	assert_int_equal(dd.nrecs, dt.nrecs);
	for (size_t i = 0; i < dd.nrecs; i++) {
		const struct vx_rec *x = &dd.recs[i], *y = &dt.recs[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->dev ? x->dev : "", y->dev ? y->dev : "");
		assert_int_equal(x->len, y->len);
		assert_int_equal(x->cpu, y->cpu);
		assert_int_equal(x->pid, y->pid);
		/* the text has microseconds, rounded (the kernel's ns2usecs adds 500 ns) */
		assert_int_equal((x->ts_ns + 500) / 1000, y->ts_ns / 1000);
		stack_string(&dd, x, a, sizeof(a));
		stack_string(&dt, y, b, sizeof(b));
		assert_string_equal(a, b);
	}
	vx_dataset_release(&dd);
	vx_dataset_release(&dt);
	store_close(st);
	test_db_remove(db);
}

/* a path as "event: f1 f2 ... | passes encap" */
static char *path_key(const struct vx_path *p)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s:", p->event);
	for (size_t i = 0; p->stack && i < p->stack->nframes; i++)
		strbuf_addf(&sb, " %s", p->stack->frames[i]);
	strbuf_addf(&sb, " | %d %s %d", p->ip_passes, p->encap ? p->encap : "-",
		    p->reenters_ip_after_encap);
	return strbuf_detach(&sb, NULL);
}

/* a journey's shape: its hops' event, device and length */
static char *journey_key(const struct vx_journey *j)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < j->nhops; i++)
		strbuf_addf(&sb, "%s %s %lld; ", j->hops[i].event, j->hops[i].dev ? j->hops[i].dev : "-",
			    (long long)j->hops[i].len);
	strbuf_addf(&sb, "| %s %lld", j->encap ? j->encap : "-", (long long)j->overhead_bytes);
	return strbuf_detach(&sb, NULL);
}

/* the distinct keys of capture @id's paths (@journeys false) or journeys, sorted */
static char **analysis_keys(const char *db, int64_t id, bool journeys, size_t *n)
{
	struct vx_dataset ds;
	struct vx_analysis an;
	size_t k = 0, d = 0, max;
	char **v;

	assert_int_equal(analyse_db(db, id, &ds, &an), 0);
	max = journeys ? an.njourneys : an.npaths;
	v = calloc(max + 1, sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < max; i++)
		v[k++] = journeys ? journey_key(&an.journeys[i]) : path_key(&an.paths[i]);
	qsort(v, k, sizeof(*v), cmp_str);
	for (size_t i = 0; i < k; i++) {
		if (d && !strcmp(v[d - 1], v[i])) {
			free(v[i]);
			continue;
		}
		v[d++] = v[i];
	}
	analyse_release(&ds, &an);
	*n = d;
	return v;
}

static void assert_same_keys(const char *db, int64_t a, int64_t b, bool journeys)
{
	size_t na, nb;
	char **ka = analysis_keys(db, a, journeys, &na), **kb = analysis_keys(db, b, journeys, &nb);

	assert_true(na > 0);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(ka[i], kb[i]);
		free(ka[i]);
		free(kb[i]);
	}
	free(ka);
	free(kb);
}

/*
 * The same scenario (ip netns exec p1 ping -c 3 10.244.2.7 across the lab) captured as
 * trace.dat, as perf.data (samples/capture-perf.sh) and as ftrace text (another run, and the
 * same run) gives the same paths and the same journey shapes.
 */
static void test_trace_dat_same_paths_and_journeys_as_perf_and_text(void **state)
{
	char *db = test_db_new();
	int64_t dat = store_import_path(db, SAMPLE);
	int64_t perf = store_import_path(db, VX_SAMPLES_DIR "/vxlan-ping.perf.data");
	int64_t text = store_import_path(db, VX_SAMPLES_DIR "/vxlan-ping.trace");
	int64_t same = store_import_path(db, SAMPLE_TEXT);

	(void)state;
	assert_true(dat > 0 && perf > 0 && text > 0 && same > 0);
	for (int journeys = 0; journeys <= 1; journeys++) {
		assert_same_keys(db, dat, perf, journeys);
		assert_same_keys(db, dat, text, journeys);
		assert_same_keys(db, dat, same, journeys);
	}
	test_db_remove(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_dat_probe_wants_magic_and_version),
		cmocka_unit_test(test_trace_dat_event_count_matches_trace_cmd_report),
		cmocka_unit_test(test_trace_dat_decodes_format_fields),
		cmocka_unit_test(test_trace_dat_counts_lost_events_once),
		cmocka_unit_test(test_trace_dat_attaches_all_stack_frames),
		cmocka_unit_test(test_trace_dat_reads_standard_input),
		cmocka_unit_test(test_trace_dat_truncated_v7_never_crashes),
		cmocka_unit_test(test_trace_dat_reads_version_6),
		cmocka_unit_test(test_trace_dat_rejects_garbage),
		cmocka_unit_test(test_trace_dat_libtracecmd_crash_is_an_error),
		cmocka_unit_test(test_trace_dat_damaged_record_is_not_a_crash),
		cmocka_unit_test(test_trace_dat_direct_reader_matches_libtracecmd),
		cmocka_unit_test(test_trace_dat_backward_page_header_is_an_error),
		cmocka_unit_test(test_trace_dat_bad_page_commit_is_counted),
		cmocka_unit_test(test_trace_dat_each_file_its_own_kallsyms),
		cmocka_unit_test(test_trace_dat_one_kallsyms_rule_in_both_readers),
		cmocka_unit_test(test_trace_dat_empty_stack_records),
		cmocka_unit_test(test_trace_dat_format_division_by_zero_is_not_a_crash),
		cmocka_unit_test(test_trace_dat_printk_lines_without_colon_are_skipped),
		cmocka_unit_test(test_trace_dat_short_printk_formats_are_skipped),
		cmocka_unit_test(test_trace_dat_and_same_run_text_give_same_stacks),
		cmocka_unit_test(test_trace_dat_same_paths_and_journeys_as_perf_and_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
