/* record-perf.c: the perf backend of `vxanalyze record`: the same tracepoints and kprobes
 * opened with perf_event_open through libperf (one evsel per event, system-wide, a ring per
 * CPU), samples carrying RAW data and a kernel callchain. While the command runs the
 * records are only copied out of the rings into the spool; they are decoded (with the
 * recorder's libtraceevent handle) after it ends. Must not: include tracefs.h, or print.
 */
#define _GNU_SOURCE
#include "record-int.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <linux/perf_event.h>
#include <perf/core.h>
#include <perf/cpumap.h>
#include <perf/event.h>
#include <perf/evlist.h>
#include <perf/evsel.h>
#include <perf/mmap.h>
#include <perf/threadmap.h>

#include <event-parse.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "decode/decoder.h"

#define PERF_MAX_FRAMES 256
#define SPOOL_BUF (1u << 20)	/* per CPU: records are written to the spool in 1 MiB blocks */

struct comm_ent {
	int pid;
	char comm[16];
};

/* struct vx_perf - r->be of this backend */
struct vx_perf {
	struct perf_evlist *evlist;
	struct perf_cpu_map *cpus;
	struct perf_thread_map *threads;
	bool mapped, enabled;
	struct vx_decoder dec;		/* the one decoder: plans, fields, frames */
	struct vx_decoded vals;
	const char *frames[PERF_MAX_FRAMES];
	struct comm_ent *comms;		/* from PERF_RECORD_COMM, newest last */
	size_t ncomms, comms_alloc;
	char *dev_glob;			/* --dev: net events of other devices are dropped */
	unsigned char **wbuf;		/* per CPU spool write buffer (SPOOL_BUF) */
	size_t *wlen;
	int *map_cpu;			/* mmap index -> CPU number */
	int nmaps;
	uint64_t samples, lost;		/* copied into the spool so far (live status) */
};

static int silent(enum libperf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* perf_open - the evlist of @ids, mapped, disabled; NULL with vx_error() set. The caller
 * frees the result with perf_close() */
static void perf_close(struct vx_perf *p);

static struct vx_perf *perf_open(const uint64_t *ids, const char *const *names, size_t nids,
				 unsigned ring_kb, const char *dev_glob)
{
	struct vx_perf *p = xcalloc(1, sizeof(*p));
	long page = sysconf(_SC_PAGESIZE);
	int pages = 1;

	vx_decoder_init(&p->dec);
	if (dev_glob)
		p->dev_glob = xstrdup(dev_glob);
	libperf_init(silent);
	p->cpus = perf_cpu_map__new_online_cpus();
	p->threads = perf_thread_map__new_dummy();
	p->evlist = perf_evlist__new();
	if (!p->cpus || !p->threads || !p->evlist) {
		vx_error("perf: cannot allocate the cpu/thread maps");
		goto fail;
	}
	for (size_t i = 0; i < nids; i++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_TRACEPOINT,
			.size = sizeof(attr),
			.config = ids[i],
			.sample_period = 1,
			.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
				       PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW,
			.disabled = 1,
			.exclude_callchain_user = 1,
			/* command names for the samples' pids: exec of the command and its children */
			.comm = i == 0,
		};
		struct perf_evsel *ev = perf_evsel__new(&attr);

		if (!ev) {
			vx_error("perf: event %s: cannot allocate it", names[i]);
			goto fail;
		}
		perf_evlist__add(p->evlist, ev);
	}
	perf_evlist__set_maps(p->evlist, p->cpus, p->threads);
	if (perf_evlist__open(p->evlist) < 0) {
		vx_error("perf: cannot open the tracepoint events (perf_event_open): %s%s", strerror(errno),
			 errno == EACCES || errno == EPERM ? " (needs root or perf_event_paranoid <= -1)" : "");
		goto fail;
	}
	/* a power of two pages, at least 2 */
	while ((long)pages * 2 * page <= (long)ring_kb * 1024)
		pages *= 2;
	if (pages < 2)
		pages = 2;
	if (perf_evlist__mmap(p->evlist, pages) < 0) {
		vx_error("perf: cannot map the per-CPU rings (%d pages): %s (lower the ring size or raise "
			 "/proc/sys/kernel/perf_event_mlock_kb)", pages, strerror(errno));
		goto fail;
	}
	p->mapped = true;
	return p;
fail:
	perf_close(p);
	return NULL;
}

enum vx_backend vx_record_default_backend(const char **why)
{
	/* what perf_open() needs: a system-wide event per CPU; a software event asks for the
	 * same permission (root or perf_event_paranoid <= -1, no seccomp filter against it) */
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY,
		.disabled = 1,
	};
	long fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd >= 0) {
		close((int)fd);
		return VX_BACKEND_PERF;
	}
	if (why && errno == ENOSYS)
		*why = "perf_event_open is not in this kernel (or a seccomp filter denies it)";
	else if (why && (errno == EACCES || errno == EPERM))
		*why = "perf_event_open is not permitted (root or perf_event_paranoid <= -1 is "
		       "needed; containers often deny it)";
	else if (why)
		*why = "perf_event_open failed on a system-wide software event";
	return VX_BACKEND_FTRACE;
}

static void comm_put(struct vx_perf *p, int pid, const char *comm)
{
	for (size_t i = 0; i < p->ncomms; i++)
		if (p->comms[i].pid == pid) {
			snprintf(p->comms[i].comm, sizeof(p->comms[i].comm), "%s", comm);
			return;
		}
	VX_GROW(p->comms, p->ncomms, p->comms_alloc);
	p->comms[p->ncomms].pid = pid;
	snprintf(p->comms[p->ncomms].comm, sizeof(p->comms[p->ncomms].comm), "%s", comm);
	p->ncomms++;
}

/* comm_of - the command name of @pid: from COMM records, else /proc; both answers cached,
 * "not known" too (decoding runs after the command: many pids are gone by then) */
static const char *comm_of(struct vx_perf *p, int pid)
{
	char path[64], buf[32] = "";
	FILE *f;

	for (size_t i = 0; i < p->ncomms; i++)
		if (p->comms[i].pid == pid)
			return p->comms[i].comm[0] ? p->comms[i].comm : NULL;
	if (pid == 0)
		return "swapper";
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	comm_put(p, pid, buf);
	return buf[0] ? comm_of(p, pid) : NULL;
}

static int handle_sample(struct vx_perf *p, struct tep_handle *tep, struct vx_sink *sink,
			 const union perf_event *e)
{
	const unsigned char *d = (const unsigned char *)e + sizeof(e->header);
	const unsigned char *end = (const unsigned char *)e + e->header.size;
	uint32_t pid, cpu, rawsize;
	uint64_t ts, nr;
	const uint64_t *ips;
	size_t nframes = 0;
	struct vx_event ev = { 0 };
	struct tep_record rec = { 0 };
	struct tep_event *tev;
	const struct vx_event_plan *plan;

	/* TID, TIME, CPU, CALLCHAIN, RAW: the kernel's fixed order */
	if (end - d < 24 + 8)
		goto bad;
	memcpy(&pid, d, 4);
	memcpy(&ts, d + 8, 8);
	memcpy(&cpu, d + 16, 4);
	memcpy(&nr, d + 24, 8);
	d += 32;
	if (nr > (uint64_t)(end - d) / 8)
		goto bad;
	ips = (const uint64_t *)d;
	d += nr * 8;
	if (end - d < 4)
		goto bad;
	memcpy(&rawsize, d, 4);
	d += 4;
	if (rawsize > (uint64_t)(end - d) || rawsize < 8)
		goto bad;
	for (uint64_t i = 0, ctx = 0, a; nframes < PERF_MAX_FRAMES &&
					      vx_callchain_next((const unsigned char *)ips, nr, &i, &ctx, &a);) {
		p->frames[nframes++] = vx_decoder_frame(&p->dec, a);
	}
	rec.ts = ts;
	rec.cpu = (int)cpu;
	rec.size = (int)rawsize;
	rec.data = (void *)d;
	tev = tep_find_event_by_record(tep, &rec);
	if (!tev) {
		vx_sink_skip(sink, "perf sample of an unknown event type", 36);
		return 0;
	}
	plan = vx_decoder_plan(&p->dec, tev);
	ev.ts_ns = ts;
	ev.cpu = (int)cpu;
	ev.pid = (int)pid;
	ev.comm = comm_of(p, (int)pid);
	ev.name = plan->name;
	ev.nfields = vx_decode_record(&p->dec, plan, d, (int)rawsize, &p->vals);
	ev.fields = vx_decoded_fields(&p->vals);
	ev.frames = p->frames;
	ev.nframes = nframes;
	if (p->dev_glob && !strcmp(tev->system, "net")) {
		/* the ftrace backend filters `name ~ GLOB` in the kernel; here it is done after
		 * decoding (a perf filter needs the evsel's fds, which libperf keeps private) */
		const char *dev = vx_event_field(&ev, "name");

		if (dev && fnmatch(p->dev_glob, dev, 0) != 0)
			return 0;
	}
	return vx_sink_event(sink, &ev);
bad:
	vx_sink_skip(sink, "malformed perf sample", 21);
	return 0;
}

/* perf_close - unmap and close everything perf_open() made, free @p (NULL is fine) */
static void perf_close(struct vx_perf *p)
{
	if (!p)
		return;
	if (p->evlist) {
		if (p->enabled)
			perf_evlist__disable(p->evlist);
		if (p->mapped)
			perf_evlist__munmap(p->evlist);
		perf_evlist__close(p->evlist);
		perf_evlist__delete(p->evlist);	/* deletes the evsels too */
	}
	perf_cpu_map__put(p->cpus);
	perf_thread_map__put(p->threads);
	vx_decoder_release(&p->dec);
	vx_decoded_release(&p->vals);
	free(p->comms);
	free(p->dev_glob);
	for (int c = 0; p->wbuf && c < p->nmaps; c++)
		free(p->wbuf[c]);
	free(p->wbuf);
	free(p->wlen);
	free(p->map_cpu);
	free(p);
}

/* ---------------------------------------------------------------- the backend */

/* spool_buffers - per mmap: its CPU number and a write buffer */
static int spool_buffers(struct vx_recording *r, struct vx_perf *p)
{
	p->nmaps = perf_cpu_map__nr(p->cpus);
	p->wbuf = xcalloc((size_t)p->nmaps, sizeof(*p->wbuf));
	p->wlen = xcalloc((size_t)p->nmaps, sizeof(*p->wlen));
	p->map_cpu = xcalloc((size_t)p->nmaps, sizeof(*p->map_cpu));
	r->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	for (int i = 0; i < p->nmaps; i++) {
		p->map_cpu[i] = perf_cpu_map__cpu(p->cpus, i).cpu;
		if (p->map_cpu[i] >= r->ncpus)
			r->ncpus = p->map_cpu[i] + 1;
		p->wbuf[i] = xmalloc(SPOOL_BUF);
	}
	if (r->ncpus < 1)
		r->ncpus = 1;
	return vx_spool_create(&r->spool, (size_t)r->ncpus);
}

static int perf_setup(struct vx_recording *r)
{
	uint64_t *ids = NULL;
	const char **names = NULL;
	size_t n = 0;
	int ret = -1;

	if (vx_rec_event_ids(r, &ids, &names, &n) == 0) {
		r->be = perf_open(ids, names, n, r->buffer_kb, r->o->dev_glob);
		if (r->be && spool_buffers(r, r->be) == 0)
			ret = 0;
	}
	free(ids);
	free(names);
	if (ret == 0)
		r->clock = xstrdup("perf");
	return ret;
}

static int perf_enable(struct vx_recording *r)
{
	struct vx_perf *p = r->be;

	perf_evlist__enable(p->evlist);
	p->enabled = true;
	return 0;
}

/* spool_flush - write the buffered records of mmap @i to its CPU's spool file */
static int spool_flush(struct vx_recording *r, struct vx_perf *p, int i)
{
	const unsigned char *b = p->wbuf[i];
	size_t left = p->wlen[i];
	int fd = r->spool.fds[p->map_cpu[i]];

	while (left) {
		ssize_t n = write(fd, b, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vx_error("%s/cpu%d: cannot write the spool: %s", r->spool.dir, p->map_cpu[i],
					n < 0 ? strerror(errno) : "no space");
		b += n;
		left -= (size_t)n;
	}
	r->spooled_bytes += p->wlen[i];
	p->wlen[i] = 0;
	return 0;
}

/* spool_add - append one record of mmap @i to its write buffer */
static int spool_add(struct vx_recording *r, struct vx_perf *p, int i, const union perf_event *e)
{
	size_t n = e->header.size;

	if (p->wlen[i] + n > SPOOL_BUF && spool_flush(r, p, i) < 0)
		return -1;
	memcpy(p->wbuf[i] + p->wlen[i], e, n);
	p->wlen[i] += n;
	return 0;
}

/* perf_drain - copy every record in the rings into the spool buffers; no decoding */
static int perf_drain(struct vx_recording *r)
{
	struct vx_perf *p = r->be;
	struct perf_mmap *map;
	int i = 0, ret = 0;

	perf_evlist__for_each_mmap(p->evlist, map, false) {
		union perf_event *e;

		if (i >= p->nmaps)
			break;
		if (perf_mmap__read_init(map) == 0) {
			while (ret == 0 && (e = perf_mmap__read_event(map)) != NULL) {
				if (e->header.type == PERF_RECORD_SAMPLE)
					p->samples++;
				else if (e->header.type == PERF_RECORD_LOST)
					p->lost += e->lost.lost;
				ret = spool_add(r, p, i, e);
				perf_mmap__consume(map);
			}
			perf_mmap__read_done(map);
		}
		i++;
	}
	return ret;
}

/* perf_counts - the sample records and lost counts copied into the spool so far */
static int perf_counts(struct vx_recording *r, uint64_t *events, uint64_t *lost)
{
	struct vx_perf *p = r->be;

	*events = p->samples;
	*lost = p->lost;
	return 0;
}

static int perf_disable(struct vx_recording *r)
{
	struct vx_perf *p = r->be;
	int ret;

	if (p->enabled)
		perf_evlist__disable(p->evlist);
	p->enabled = false;
	ret = perf_drain(r);
	for (int i = 0; ret == 0 && i < p->nmaps; i++)
		ret = spool_flush(r, p, i);
	return ret;
}

/* perf_teardown - unmap the rings and close the events (the spool holds the data) */
static int perf_teardown(struct vx_recording *r, bool report)
{
	struct vx_perf *p = r->be;

	if (!p || !p->evlist)
		return 0;
	if (p->enabled)
		perf_evlist__disable(p->evlist);
	p->enabled = false;
	if (p->mapped)
		perf_evlist__munmap(p->evlist);
	p->mapped = false;
	perf_evlist__close(p->evlist);
	perf_evlist__delete(p->evlist);
	p->evlist = NULL;
	return 0;
}

/* next_record - the record at *@off of a spool file, or NULL at its end or at a damaged
 * record (then *@bad is set) */
static const union perf_event *next_record(const unsigned char *map, size_t len, size_t *off, bool *bad)
{
	struct perf_event_header h;

	if (*off + sizeof(h) > len)
		return NULL;
	memcpy(&h, map + *off, sizeof(h));
	if (h.size < sizeof(h) || *off + h.size > len) {
		*bad = true;
		return NULL;
	}
	*off += h.size;
	return (const union perf_event *)(map + *off - h.size);
}

/* decode_cpu - the records of one CPU's spool: samples into the sink, LOST into
 * r->lost_cpu; COMM records only when @comms (the first pass over all CPUs) */
static int decode_cpu(struct vx_recording *r, struct vx_perf *p, int cpu, bool comms)
{
	const unsigned char *map;
	const union perf_event *e;
	size_t len, off = 0;
	bool bad = false;
	int ret = 0;

	if (vx_spool_map(&r->spool, (size_t)cpu, &map, &len) < 0)
		return -1;
	while (ret == 0 && (e = next_record(map, len, &off, &bad)) != NULL) {
		if (comms) {
			if (e->header.type == PERF_RECORD_COMM)
				comm_put(p, (int)e->comm.tid, e->comm.comm);
		} else if (e->header.type == PERF_RECORD_SAMPLE) {
			ret = handle_sample(p, r->tep, r->sink, e);
		} else if (e->header.type == PERF_RECORD_LOST) {
			r->lost_cpu[cpu] += e->lost.lost;
		}
	}
	if (bad && !comms)
		vx_sink_skip(r->sink, "damaged perf record in the spool", 32);
	vx_spool_unmap(map, len);
	return ret;
}

/* perf_decode - every CPU's spool into the sink; command names first (the processes of
 * the command are gone by now, /proc cannot name them) */
static int perf_decode(struct vx_recording *r)
{
	struct vx_perf *p = r->be;

	vx_decoder_symbols(&p->dec, &r->ks, NULL);
	p->dec.meta = r->sink;	/* the capture's names of its drop reasons */
	for (int c = 0; c < r->ncpus; c++)
		if (decode_cpu(r, p, c, true) < 0)
			return -1;
	for (int c = 0; c < r->ncpus; c++)
		if (decode_cpu(r, p, c, false) < 0)
			return -1;
	return 0;
}

static void perf_release(struct vx_recording *r)
{
	perf_close(r->be);
	r->be = NULL;
}

const struct vx_rec_backend vx_rec_perf = {
	.name = "perf",
	.setup = perf_setup,
	.enable = perf_enable,
	.drain = perf_drain,
	.counts = perf_counts,
	.disable = perf_disable,
	.teardown = perf_teardown,
	.decode = perf_decode,
	.release = perf_release,
};
