/* record-ftrace.c: the ftrace backend of `vxanalyze record`: a private tracefs instance
 * vxanalyze-<pid> with the plan's events and kernel stacks; while the command runs its
 * per-CPU ring pages are only spliced into the spool (no decoding, so the reader keeps up),
 * afterwards the spooled pages are decoded with libtraceevent's kbuffer, merged by time.
 * Must not: print, touch the global trace instance, or leave the instance behind.
 */
#define _GNU_SOURCE
#include "record-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <tracefs.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "decode/decoder.h"
#include "decode/ring-stats.h"
#include "decode/stack-attach.h"

/* struct ftrace_be - r->be of this backend */
struct ftrace_be {
	struct tracefs_instance *inst;
	struct tracefs_cpu **tcpu;	/* per CPU, NULL for CPUs without a ring */
	int subbuf;			/* bytes per ring page in the spool */
};

/* struct decoder - state of ftrace_decode() */
struct decoder {
	struct vx_attach attach;	/* the one stack-to-event rule */
	struct vx_decoder dec;		/* the one decoder: plans, fields, stacks */
	struct vx_decoded vals;
};

static const char *iname(const struct ftrace_be *f)
{
	return tracefs_instance_get_name(f->inst);
}

/* ---------------------------------------------------------------- setup */

static char *current_clock(struct tracefs_instance *inst)
{
	char *s = tracefs_instance_file_read(inst, "trace_clock", NULL), *a, *b;

	if (!s)
		return NULL;
	a = strchr(s, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b) {
		free(s);
		return NULL;
	}
	*b = '\0';
	memmove(s, a + 1, (size_t)(b - a));
	return s;
}

static int create_instance(struct vx_recording *r, struct ftrace_be *f)
{
	char name[64], kb[32];

	snprintf(name, sizeof(name), VX_RECORD_INSTANCE_PREFIX "%ld", (long)getpid());
	f->inst = tracefs_instance_create(name);
	if (!f->inst)
		return vx_error("instance %s: cannot create it in %s/instances: %s", name, r->tracing_dir,
				strerror(errno));
	if (!tracefs_instance_is_new(f->inst)) {
		tracefs_instance_free(f->inst);
		f->inst = NULL;
		return vx_error("instance %s: busy: it already exists (left by a killed run? 'vxanalyze clean')",
				name);
	}
	tracefs_trace_off(f->inst);
	snprintf(kb, sizeof(kb), "%u", r->buffer_kb);
	if (tracefs_instance_file_write(f->inst, "buffer_size_kb", kb) < 0)
		vx_rec_note(r->o, "instance %s: could not set buffer_size_kb to %s", name, kb);
	return 0;
}

static int setup_events(struct vx_recording *r, struct ftrace_be *f)
{
	const struct vx_record_opts *o = r->o;
	char filter[64];

	for (size_t i = 0; i < r->nkprobes; i++)
		if (tracefs_event_enable(f->inst, VX_RECORD_GROUP, r->plan.probes[i].event) < 0)
			return vx_error("probe %s/%s: cannot enable it in instance %s: %s", VX_RECORD_GROUP,
					r->plan.probes[i].event, iname(f), strerror(errno));
	if (o->dev_glob)
		snprintf(filter, sizeof(filter), "name ~ \"%s\"", o->dev_glob);
	for (size_t i = 0; i < r->plan.ntps; i++) {
		const struct vx_tp_req *t = &r->plan.tps[i];
		struct tep_event *e = tep_find_event_by_name(r->tep, t->system, t->event);

		if (o->dev_glob && !strcmp(t->system, "net") && e && tep_find_field(e, "name") &&
		    tracefs_event_file_write(f->inst, t->system, t->event, "filter", filter) < 0)
			return vx_error("event %s:%s: filter '%s' refused: %s", t->system, t->event, filter,
					strerror(errno));
		if (tracefs_event_enable(f->inst, t->system, t->event) < 0)
			return vx_error("event %s:%s: cannot enable it in instance %s: %s", t->system,
					t->event, iname(f), strerror(errno));
	}
	if (tracefs_option_enable(f->inst, TRACEFS_OPTION_STACKTRACE) < 0)
		return vx_error("instance %s: cannot enable option stacktrace: %s", iname(f), strerror(errno));
	return 0;
}

/* open_cpus - a non-blocking splice reader per CPU ring of the instance */
static int open_cpus(struct vx_recording *r, struct ftrace_be *f)
{
	int opened = 0;

	r->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (r->ncpus < 1)
		r->ncpus = 1;
	f->tcpu = xcalloc((size_t)r->ncpus, sizeof(*f->tcpu));
	for (int c = 0; c < r->ncpus; c++) {
		f->tcpu[c] = tracefs_cpu_open(f->inst, c, true);
		if (!f->tcpu[c])
			continue;	/* a possible CPU that is not there */
		f->subbuf = tracefs_cpu_read_size(f->tcpu[c]);
		opened++;
	}
	if (!opened || f->subbuf <= 0)
		return vx_error("instance %s: cannot open per_cpu/cpuN/trace_pipe_raw: %s", iname(f),
				strerror(errno));
	return vx_spool_create(&r->spool, (size_t)r->ncpus);
}

static int ftrace_setup(struct vx_recording *r)
{
	struct ftrace_be *f = xcalloc(1, sizeof(*f));

	r->be = f;
	if (create_instance(r, f) < 0 || setup_events(r, f) < 0 || open_cpus(r, f) < 0)
		return -1;
	r->clock = current_clock(f->inst);
	return 0;
}

static int ftrace_enable(struct vx_recording *r)
{
	struct ftrace_be *f = r->be;

	if (tracefs_trace_on(f->inst) < 0)
		return vx_error("instance %s: cannot turn tracing on: %s", iname(f), strerror(errno));
	return 0;
}

/* ---------------------------------------------------------------- moving pages out */

/* ftrace_drain - splice every full ring page of every CPU into its spool file */
static int ftrace_drain(struct vx_recording *r)
{
	struct ftrace_be *f = r->be;

	for (int c = 0; c < r->ncpus; c++) {
		int n;

		if (!f->tcpu[c])
			continue;
		while ((n = tracefs_cpu_write(f->tcpu[c], r->spool.fds[c], true)) > 0)
			r->spooled_bytes += (uint64_t)n;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return vx_error("instance %s: cpu%d: cannot move the ring pages into %s: %s",
					iname(f), c, r->spool.dir, strerror(errno));
	}
	return 0;
}

/* cpu_stats - the text of the instance's per_cpu/cpu@cpu/stats (malloc'd, the caller
 * frees), or NULL when it cannot be read */
static char *cpu_stats(struct ftrace_be *f, int cpu)
{
	char file[64];

	snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
	return tracefs_instance_file_read(f->inst, file, NULL);
}

/* count_lost - per CPU: events lost (options/stacktrace is always on here: ring-stats.h) */
static void count_lost(struct vx_recording *r, struct ftrace_be *f)
{
	for (int c = 0; c < r->ncpus; c++) {
		char *s = cpu_stats(f, c);

		if (!s)
			continue;
		r->lost_cpu[c] += vx_ring_events(vx_ring_lost_entries(s), true);
		free(s);
	}
}

/* ftrace_counts - events written so far (in the ring or read out of it) and ring entries
 * lost, summed over the CPUs' per_cpu/cpuN/stats; -1 when no stats file could be read.
 * With options/stacktrace every event is followed by its kernel_stack entry, so the events
 * are half the entries, and so are the lost ones (vx_ring_events(), as in the summary). */
static int ftrace_counts(struct vx_recording *r, uint64_t *events, uint64_t *lost)
{
	struct ftrace_be *f = r->be;
	uint64_t entries = 0;
	int read = 0;

	*events = *lost = 0;
	for (int c = 0; c < r->ncpus; c++) {
		char *s = cpu_stats(f, c);

		if (!s)
			continue;
		read++;
		entries += vx_ring_stat(s, "entries") + vx_ring_stat(s, "read events");
		*lost += vx_ring_events(vx_ring_lost_entries(s), true);
		free(s);
	}
	*events = entries / 2;	/* whole events written: each with its stack */
	return read ? 0 : -1;
}

/* ftrace_disable - tracing off; the full pages, then the last partial page of each CPU */
static int ftrace_disable(struct vx_recording *r)
{
	struct ftrace_be *f = r->be;
	int ret;

	tracefs_trace_off(f->inst);
	ret = ftrace_drain(r);
	for (int c = 0; ret == 0 && c < r->ncpus; c++) {
		int n;

		while (f->tcpu[c] && (n = tracefs_cpu_flush_write(f->tcpu[c], r->spool.fds[c])) > 0)
			r->spooled_bytes += (uint64_t)n;
	}
	count_lost(r, f);
	return ret;
}

/* ---------------------------------------------------------------- decoding the spool */

static int on_record(struct decoder *f, struct tep_event *event, struct tep_record *record, int cpu)
{
	const struct vx_event_plan *plan = vx_decoder_plan(&f->dec, event);
	struct vx_event ev = { 0 };

	if (plan->is_stack) {
		const char *const *frames;
		uint64_t key;
		int k = vx_decode_stack(&f->dec, plan, record->data, record->size, &frames, &key);

		if (k < 0)
			return vx_attach_record(&f->attach, cpu, record->ts);
		return vx_attach_stack(&f->attach, cpu, record->ts, frames, (size_t)k, key);
	}
	ev.ts_ns = record->ts;
	ev.cpu = cpu;
	ev.pid = tep_data_pid(event->tep, record);
	ev.comm = ev.pid >= 0 ? tep_data_comm_from_pid(event->tep, ev.pid) : NULL;
	if (ev.comm && !strcmp(ev.comm, "<...>"))
		ev.comm = NULL;
	ev.name = plan->name;
	ev.nfields = vx_decode_record(&f->dec, plan, record->data, record->size, &f->vals);
	ev.fields = vx_decoded_fields(&f->vals);
	return vx_attach_event(&f->attach, &ev);
}

/* struct cursor - the next event of one CPU's spool file */
struct cursor {
	const unsigned char *map;
	size_t len, off;		/* off: the page after the loaded one */
	struct kbuffer *kbuf;
	void *data;			/* current event, NULL when the file is done */
	unsigned long long ts;
};

/* cursor_next - step to the next event, loading pages as needed (damaged pages skipped) */
static void cursor_next(struct cursor *c, int subbuf, bool first)
{
	c->data = first ? NULL : kbuffer_next_event(c->kbuf, &c->ts);
	while (!c->data && c->off + (size_t)subbuf <= c->len) {
		void *page = (void *)(c->map + c->off);

		c->off += (size_t)subbuf;
		if (kbuffer_load_subbuffer(c->kbuf, page) < 0)
			continue;
		c->data = kbuffer_read_event(c->kbuf, &c->ts);
	}
}

static int decode_merged(struct vx_recording *r, struct decoder *d, struct cursor *cur, int subbuf)
{
	for (;;) {
		struct tep_record rec = { 0 };
		struct tep_event *ev;
		int best = -1;

		for (int c = 0; c < r->ncpus; c++)
			if (cur[c].data && (best < 0 || cur[c].ts < cur[best].ts))
				best = c;
		if (best < 0)
			return 0;
		rec.ts = cur[best].ts;
		rec.cpu = best;
		rec.data = cur[best].data;
		rec.size = kbuffer_event_size(cur[best].kbuf);
		ev = tep_find_event_by_record(r->tep, &rec);
		if (ev ? on_record(d, ev, &rec, best) < 0 : vx_attach_record(&d->attach, best, rec.ts) < 0)
			return -1;
		cursor_next(&cur[best], subbuf, false);
	}
}

static void decoder_release(struct decoder *d)
{
	vx_attach_release(&d->attach);
	vx_decoder_release(&d->dec);
	vx_decoded_release(&d->vals);
}

static int sink_emit(void *ctx, const struct vx_event *ev)
{
	return vx_sink_event(ctx, ev);
}

static int decoder_init(struct vx_recording *r, struct decoder *d)
{
	vx_attach_init(&d->attach, sink_emit, r->sink);
	vx_decoder_init(&d->dec);
	vx_decoder_symbols(&d->dec, &r->ks, NULL);
	d->dec.meta = r->sink;	/* the capture's names of its drop reasons */
	return 0;
}

/* ftrace_decode - the spooled pages of all CPUs, merged by time, into the sink */
static int ftrace_decode(struct vx_recording *r)
{
	struct ftrace_be *f = r->be;

	tracefs_load_cmdlines(r->tracing_dir, r->tep);
	return vx_rec_ftrace_decode_spool(r, f->subbuf);
}

int vx_rec_ftrace_decode_spool(struct vx_recording *r, int subbuf)
{
	struct cursor *cur = xcalloc((size_t)r->ncpus, sizeof(*cur));
	struct decoder d = { 0 };
	int ret = -1;

	if (decoder_init(r, &d) < 0)
		goto out;
	for (int c = 0; c < r->ncpus; c++) {
		if (vx_spool_map(&r->spool, (size_t)c, &cur[c].map, &cur[c].len) < 0)
			goto out;
		if (!cur[c].map)
			continue;
		cur[c].kbuf = tep_kbuffer(r->tep);
		if (!cur[c].kbuf) {
			vx_error("cpu%d: cannot set up the ring-page reader (kbuffer): out of memory", c);
			goto out;
		}
		cursor_next(&cur[c], subbuf, true);
	}
	if (decode_merged(r, &d, cur, subbuf) < 0 || vx_attach_flush(&d.attach) < 0)
		goto out;
	r->sink->skipped += d.attach.orphan_stacks;
	if (d.attach.orphan_stacks && !r->sink->skipped_example[0])
		snprintf(r->sink->skipped_example, sizeof(r->sink->skipped_example),
			 "kernel_stack with no event before it on its CPU");
	ret = 0;
out:
	for (int c = 0; c < r->ncpus; c++) {
		if (cur[c].kbuf)
			kbuffer_free(cur[c].kbuf);
		vx_spool_unmap(cur[c].map, cur[c].len);
	}
	free(cur);
	decoder_release(&d);
	return ret;
}

/* ---------------------------------------------------------------- teardown */

/* ftrace_teardown - close the readers and remove the instance (idempotent) */
static int ftrace_teardown(struct vx_recording *r, bool report)
{
	struct ftrace_be *f = r->be;
	int ret = 0;

	if (!f)
		return 0;
	for (int c = 0; f->tcpu && c < r->ncpus; c++)
		if (f->tcpu[c])
			tracefs_cpu_close(f->tcpu[c]);
	free(f->tcpu);
	f->tcpu = NULL;
	if (f->inst) {
		/* rmdir disables the instance's events and drops its buffers and filters */
		tracefs_trace_off(f->inst);
		tracefs_event_disable(f->inst, NULL, NULL);
		if (tracefs_instance_destroy(f->inst) < 0) {
			ret = -1;
			if (report)
				vx_error("instance %s: could not be removed: %s (run 'vxanalyze clean')",
					 iname(f), strerror(errno));
		}
		tracefs_instance_free(f->inst);
		f->inst = NULL;
	}
	return ret;
}

static void ftrace_release(struct vx_recording *r)
{
	free(r->be);
	r->be = NULL;
}

const struct vx_rec_backend vx_rec_ftrace = {
	.name = "ftrace",
	.setup = ftrace_setup,
	.enable = ftrace_enable,
	.drain = ftrace_drain,
	.counts = ftrace_counts,
	.disable = ftrace_disable,
	.decode = ftrace_decode,
	.teardown = ftrace_teardown,
	.release = ftrace_release,
};
