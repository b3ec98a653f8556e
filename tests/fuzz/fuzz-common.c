/* fuzz-common.c: shared parts of the libFuzzer targets (see fuzz-common.h). */
#define _GNU_SOURCE
#include "fuzz-common.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "app/import.h"
#include "app/store-source.h"
#include "report/analysis.h"
#include "report/render.h"
#include "core/error.h"
#include "store/store.h"

static int memfd = -1;

struct vx_input *fuzz_input_open(const uint8_t *data, size_t len)
{
	static char path[64];	/* vx_input keeps the name: it must outlive the call */
	struct vx_input *in;
	size_t done = 0;

	if (memfd < 0)
		memfd = memfd_create("vxfuzz", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 0) < 0)
		abort();
	while (done < len) {
		ssize_t w = pwrite(memfd, data + done, len - done, (off_t)done);

		if (w <= 0)
			abort();
		done += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	in = vx_input_open(path);
	if (!in)
		abort();	/* opening a memfd must not fail */
	return in;
}

/* ---- the same bytes through a pipe, as `perf record -o - | vxanalyze import -` ---- */

struct feeder {
	int fd;
	const uint8_t *data;
	size_t len;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	size_t done = 0;

	while (done < f->len) {
		ssize_t w = write(f->fd, f->data + done, f->len - done);

		if (w <= 0)
			break;	/* the reader stopped early: EPIPE */
		done += (size_t)w;
	}
	close(f->fd);
	return NULL;
}

static pthread_t feeder_thread;
static struct feeder feeder;
static int pipe_rd = -1;

struct vx_input *fuzz_input_open_pipe(const uint8_t *data, size_t len)
{
	int p[2];
	static char path[64];	/* vx_input keeps the name: it must outlive the call */
	struct vx_input *in;

	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) < 0)
		abort();
	feeder = (struct feeder){ p[1], data, len };
	if (pthread_create(&feeder_thread, NULL, feed, &feeder))
		abort();
	pipe_rd = p[0];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	in = vx_input_open(path);
	if (!in)
		abort();
	return in;
}

void fuzz_input_done(void)
{
	/* the memfd is reused by the next input; a pipe's writer is joined */
	if (pipe_rd >= 0) {
		close(pipe_rd);	/* the writer gets EPIPE if the parser stopped early */
		pthread_join(feeder_thread, NULL);
		pipe_rd = -1;
	}
}

/* touch every byte of @s so that ASan sees a dangling or unterminated string */
static size_t check_str(const char *s)
{
	if (!s)
		abort();
	return strlen(s);
}

void fuzz_check_event(const struct vx_event *ev)
{
	char sym[256];

	/* "system:event", never empty on either side */
	const char *colon;

	check_str(ev->name);
	colon = strchr(ev->name, ':');
	if (!colon || colon == ev->name || !colon[1]) {
		fprintf(stderr, "fuzz: event name '%s' is not 'system:event'\n", ev->name);
		abort();
	}
	if (ev->comm)
		check_str(ev->comm);
	if (ev->nfields && !ev->fields)
		abort();
	for (size_t i = 0; i < ev->nfields; i++) {
		if (!check_str(ev->fields[i].key))
			abort();	/* a field without a name cannot be stored or queried */
		check_str(ev->fields[i].value);
	}
	if (ev->nframes && !ev->frames)
		abort();
	for (size_t i = 0; i < ev->nframes; i++) {
		check_str(ev->frames[i]);
		if (vx_frame_normalize(ev->frames[i], sym, sizeof(sym)) >= 0 && strlen(sym) >= sizeof(sym))
			abort();
	}
	(void)vx_event_skb(ev);
	(void)vx_event_dev(ev);
	(void)vx_event_len(ev);
}

static int check_event(struct vx_sink *s, const struct vx_event *ev)
{
	fuzz_check_event(ev);
	s->events++;
	return 0;
}

static int check_meta(struct vx_sink *s, const char *key, const char *value, size_t len)
{
	check_str(key);
	if (len && !value)
		abort();
	if (len) {
		/* read the first and last byte: the length must be honest */
		volatile char a = value[0], b = value[len - 1];

		(void)a;
		(void)b;
	}
	return 0;
}

/* an error must be one line that says something */
static void check_error(void)
{
	const char *m = vx_error_msg();

	if (!*m || strchr(m, '\n'))
		abort();
}

/* the whole pipeline on what the parser accepted: store, load, analysis, renderers */
static void through_store(const struct vx_format *fmt, const uint8_t *data, size_t len)
{
	struct vx_store *st = store_open(":memory:", false);
	struct vx_import_opts opts = { .kallsyms = VX_FUZZ_KALLSYMS };
	struct vx_analysis_opts aopts = { .max_journeys = SIZE_MAX };
	struct vx_analysis an;
	struct vx_render_opts ropts = { .verbose = true };
	struct vx_import_result res;
	struct vx_input *in;
	int64_t id = 0;
	FILE *null;

	if (!st)
		abort();
	in = fuzz_input_open(data, len);
	if (vx_import_input(st, in, fmt, &opts, &res) < 0)
		check_error();	/* the parser failed (a sink that accepted every event commits) */
	else
		id = res.capture_id;
	vx_input_close(in);
	/* analysed as `report` does, every journey kept */
	if (id && vx_stored_analyse(st, 0, &aopts, &an) == 0) {
		null = fopen("/dev/null", "w");
		for (size_t i = 0; null && vx_renderers[i]; i++)
			vx_renderers[i]->write(null, &an, &ropts);
		if (null)
			fclose(null);
		vx_stored_analysis_release(&an);
	}
	store_close(st);
}

void fuzz_import(const struct vx_format *fmt, const uint8_t *data, size_t len)
{
	struct vx_sink sink = { .event = check_event, .meta = check_meta };
	uint64_t h = vx_hash64(VX_HASH_INIT, data, len);
	/* a small kallsyms file for 15 inputs in 16: without one, a perf.data capture of this
	 * kernel reads /proc/kallsyms (40 ms, a hundred times the parse itself) */
	struct vx_import_opts opts = { .kallsyms = (h & 15) == 1 ? NULL : VX_FUZZ_KALLSYMS };
	/* 1 input in 8 arrives on a pipe (not seekable: perf.data spools file mode) */
	struct vx_input *in = (h & 7) == 3 ? fuzz_input_open_pipe(data, len) : fuzz_input_open(data, len);
	int r;

	vx_error_clear();
	r = fmt->import(in, &sink, &opts);
	vx_input_close(in);
	fuzz_input_done();
	if (r < 0)
		check_error();
	else if (r != 0)
		abort();
	if (sink.truncated && sink.truncated_at > len)
		abort();	/* truncation is reported inside the file */
	if (r == 0 && (h & 15) == 0)
		through_store(fmt, data, len);
}
