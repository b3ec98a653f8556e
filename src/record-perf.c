/* record-perf.c: the perf backend of `vxanalyze record`: the same tracepoints and kprobes
 * opened with perf_event_open through libperf (one evsel per event, system-wide, a ring per
 * CPU), samples carrying RAW data (decoded with the recorder's libtraceevent handle) and a
 * kernel callchain. Must not: include tracefs.h (record.c finds the ids), or print.
 */
#define _GNU_SOURCE
#include "record.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <perf/core.h>
#include <perf/cpumap.h>
#include <perf/event.h>
#include <perf/evlist.h>
#include <perf/evsel.h>
#include <perf/mmap.h>
#include <perf/threadmap.h>

#include <event-parse.h>

#include "error.h"

#define PERF_MAX_FRAMES 256
#define PERF_MAX_FIELDS 64

struct comm_ent {
	int pid;
	char comm[16];
};

struct vx_perf {
	struct perf_evlist *evlist;
	struct perf_cpu_map *cpus;
	struct perf_thread_map *threads;
	bool mapped, enabled;
	struct strbuf fieldbuf;
	struct strbuf frames[PERF_MAX_FRAMES];
	struct comm_ent *comms;		/* from PERF_RECORD_COMM, newest last */
	size_t ncomms, comms_alloc;
	char *dev_glob;			/* --dev: net events of other devices are dropped */
};

static int silent(enum libperf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

struct vx_perf *vx_perf_open(const uint64_t *ids, const char *const *names, size_t nids,
			     unsigned ring_kb, const char *dev_glob)
{
	struct vx_perf *p = calloc(1, sizeof(*p));
	long page = sysconf(_SC_PAGESIZE);
	int pages = 1;

	if (!p) {
		vx_error("out of memory");
		return NULL;
	}
	strbuf_init(&p->fieldbuf, 256);
	if (dev_glob && !(p->dev_glob = strdup(dev_glob))) {
		free(p);
		vx_error("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < PERF_MAX_FRAMES; i++)
		strbuf_init(&p->frames[i], 0);
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
	vx_perf_close(p);
	return NULL;
}

int vx_perf_enable(struct vx_perf *p)
{
	perf_evlist__enable(p->evlist);
	p->enabled = true;
	return 0;
}

int vx_perf_disable(struct vx_perf *p)
{
	if (p->enabled)
		perf_evlist__disable(p->evlist);
	p->enabled = false;
	return 0;
}

static void comm_put(struct vx_perf *p, int pid, const char *comm)
{
	for (size_t i = 0; i < p->ncomms; i++)
		if (p->comms[i].pid == pid) {
			snprintf(p->comms[i].comm, sizeof(p->comms[i].comm), "%s", comm);
			return;
		}
	if (p->ncomms == p->comms_alloc) {
		size_t n = p->comms_alloc ? 2 * p->comms_alloc : 64;
		struct comm_ent *c = realloc(p->comms, n * sizeof(*c));

		if (!c)
			return;
		p->comms = c;
		p->comms_alloc = n;
	}
	p->comms[p->ncomms].pid = pid;
	snprintf(p->comms[p->ncomms].comm, sizeof(p->comms[p->ncomms].comm), "%s", comm);
	p->ncomms++;
}

/* comm_of - the command name of @pid: from COMM records, else /proc (cached) */
static const char *comm_of(struct vx_perf *p, int pid)
{
	char path[64], buf[32];
	FILE *f;

	for (size_t i = 0; i < p->ncomms; i++)
		if (p->comms[i].pid == pid)
			return p->comms[i].comm;
	if (pid == 0)
		return "swapper";
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	comm_put(p, pid, buf);
	return comm_of(p, pid);
}

static int handle_sample(struct vx_perf *p, struct tep_handle *tep, struct vx_sink *sink,
			 const union perf_event *e)
{
	const unsigned char *d = (const unsigned char *)e + sizeof(e->header);
	const unsigned char *end = (const unsigned char *)e + e->header.size;
	uint32_t pid, cpu, rawsize;
	uint64_t ts, nr;
	const uint64_t *ips;
	const char *frames[PERF_MAX_FRAMES];
	size_t nframes = 0;
	struct vx_field fields[PERF_MAX_FIELDS];
	struct vx_event ev = { 0 };
	struct tep_record rec = { 0 };
	struct tep_event *tev;
	char name[160];

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
	for (uint64_t i = 0; i < nr && nframes < PERF_MAX_FRAMES; i++) {
		uint64_t a;

		memcpy(&a, &ips[i], 8);
		if (a >= (uint64_t)PERF_CONTEXT_MAX)	/* PERF_CONTEXT_KERNEL and friends */
			continue;
		vx_symbolize(tep, a, &p->frames[nframes]);
		frames[nframes] = p->frames[nframes].buf;
		nframes++;
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
	snprintf(name, sizeof(name), "%s:%s", tev->system, tev->name);
	ev.ts_ns = ts;
	ev.cpu = (int)cpu;
	ev.pid = (int)pid;
	ev.comm = comm_of(p, (int)pid);
	ev.name = name;
	ev.fields = fields;
	ev.nfields = vx_decode_fields(tev, d, (int)rawsize, &p->fieldbuf, fields, PERF_MAX_FIELDS);
	ev.frames = frames;
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

int vx_perf_drain(struct vx_perf *p, struct tep_handle *tep, struct vx_sink *sink)
{
	struct perf_mmap *map;

	if (!p->mapped)
		return 0;
	perf_evlist__for_each_mmap(p->evlist, map, false) {
		union perf_event *e;

		if (perf_mmap__read_init(map) < 0)
			continue;
		while ((e = perf_mmap__read_event(map)) != NULL) {
			int ret = 0;

			switch (e->header.type) {
			case PERF_RECORD_SAMPLE:
				ret = handle_sample(p, tep, sink, e);
				break;
			case PERF_RECORD_LOST:
				sink->lost_events += e->lost.lost;
				break;
			case PERF_RECORD_COMM:
				comm_put(p, (int)e->comm.tid, e->comm.comm);
				break;
			default:
				break;
			}
			perf_mmap__consume(map);
			if (ret < 0) {
				perf_mmap__read_done(map);
				return -1;
			}
		}
		perf_mmap__read_done(map);
	}
	return 0;
}

void vx_perf_close(struct vx_perf *p)
{
	if (!p)
		return;
	if (p->evlist) {
		vx_perf_disable(p);
		if (p->mapped)
			perf_evlist__munmap(p->evlist);
		perf_evlist__close(p->evlist);
		perf_evlist__delete(p->evlist);	/* deletes the evsels too */
	}
	perf_cpu_map__put(p->cpus);
	perf_thread_map__put(p->threads);
	strbuf_release(&p->fieldbuf);
	for (size_t i = 0; i < PERF_MAX_FRAMES; i++)
		strbuf_release(&p->frames[i]);
	free(p->comms);
	free(p->dev_glob);
	free(p);
}
