/* trace-dat-events.c: what both trace.dat readers (trace-dat-direct.c, trace-dat-child.c)
 * share: each record through the one decoder (src/decode/decoder.h) and the one stack rule
 * (src/decode/stack-attach.h) into an event, handed to the reader's emit (the sink, or the
 * child's pipe), and the lost events of each buffer.
 * Must not print.
 */
#include "trace-dat-int.h"
#include "decode/ring-stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "core/error.h"
#include "core/xalloc.h"

/* the child says it is alive every TD_ALIVE_RECORDS records (trace-dat-child.c) */
#define TD_ALIVE_RECORDS 65536

/* td_cpu - make room for @cpu in @b's per-cpu counts; -1 + vx_error on a bad cpu */
static int td_cpu(struct td_import *im, struct td_buffer *b, int cpu)
{
	if (cpu < 0 || cpu > 65535)
		return vx_error("%s: record with impossible cpu %d", im->name, cpu);
	if (cpu >= b->ncpus) {
		int n = cpu + 1;
		uint64_t *m = xrealloc(b->missed, (size_t)n * sizeof(*m));

		b->missed = m;
		for (int i = b->ncpus; i < n; i++)
			m[i] = 0;
		b->ncpus = n;
	}
	return 0;
}

/* td_comm - the command name of @pid in @tep's saved cmdlines, remembered per pid; NULL when
 * the file does not have it */
static const char *td_comm(struct td_import *im, struct tep_handle *tep, int pid)
{
	struct td_comm *k;

	if (pid < 0)
		return NULL;
	k = &im->comms[(unsigned)pid % 256];
	if (k->tep != tep || k->pid != pid) {
		k->tep = tep;
		k->pid = pid;
		k->comm = tep_data_comm_from_pid(tep, pid);
		if (k->comm && !strcmp(k->comm, "<...>"))
			k->comm = NULL;	/* pid not in the saved cmdlines */
	}
	return k->comm;
}

/* td_emit - a complete event from the stack queue: to the sink (direct reader, in the
 * importing process) or up the pipe (child) */
int td_emit(void *ctx, const struct vx_event *ev)
{
	struct td_import *im = ctx;

	if (im->emit)
		return im->emit(im, ev);
	return vx_sink_event(im->sink, ev);
}

/* td_event_in - a record of an event: decoded, then waiting for its stack */
static int td_event_in(struct td_import *im, struct tep_handle *tep, const struct vx_event_plan *p,
		       struct tep_record *rec)
{
	struct vx_event ev = { .ts_ns = rec->ts, .cpu = rec->cpu, .name = p->name };

	ev.pid = tep_data_pid(tep, rec);
	ev.comm = td_comm(im, tep, ev.pid);
	ev.nfields = vx_decode_record(&im->dec, p, rec->data, rec->size, &im->vals);
	ev.fields = vx_decoded_fields(&im->vals);
	return vx_attach_event(&im->attach, &ev);
}

/* td_stack_in - a kernel_stack record: `size` frames for the event before it on its cpu */
static int td_stack_in(struct td_import *im, const struct vx_event_plan *p, struct tep_record *rec)
{
	static const char no_caller[] = "kernel_stack record without caller array";
	static const char orphan[] = "kernel_stack with no event before it on its cpu";
	const char *const *frames;
	uint64_t key, orphans = im->attach.orphan_stacks;
	int n = vx_decode_stack(&im->dec, p, rec->data, rec->size, &frames, &key);

	im->stacked = true;
	if (n < 0) {
		vx_sink_skip(im->sink, no_caller, sizeof(no_caller) - 1);
		return vx_attach_record(&im->attach, rec->cpu, rec->ts);
	}
	if (vx_attach_stack(&im->attach, rec->cpu, rec->ts, frames, (size_t)n, key) < 0)
		return -1;
	if (im->attach.orphan_stacks != orphans)
		vx_sink_skip(im->sink, orphan, sizeof(orphan) - 1);
	return 0;
}

/* td_unknown_in - a record of an event id the file has no format for */
static int td_unknown_in(struct td_import *im, struct tep_handle *tep, struct tep_record *rec)
{
	char what[64];

	snprintf(what, sizeof(what), "record of unknown event id %d on cpu %d",
		 rec->size >= 2 ? (int)tep_read_number(tep, rec->data, 2) : -1, rec->cpu);
	vx_sink_skip(im->sink, what, strlen(what));
	return vx_attach_record(&im->attach, rec->cpu, rec->ts);
}

int td_record_in(struct td_import *im, struct td_buffer *b, struct tep_handle *tep,
		 struct tep_event *event, struct tep_record *rec)
{
	const struct vx_event_plan *p;
	int ret;

	if (td_cpu(im, b, rec->cpu) < 0)
		goto fail;
	if (++im->records % TD_ALIVE_RECORDS == 0 && im->alive && im->alive(im) < 0)
		goto fail;
	if (rec->missed_events > 0)
		b->missed[rec->cpu] += (uint64_t)rec->missed_events;
	else if (rec->missed_events < 0)
		b->missed[rec->cpu] += 1;	/* "events lost", count unknown: at least one */
	/* each buffer has its own cpus: a record completes only events of its own buffer */
	im->attach.lane = (unsigned)(b - im->bufs);
	if (!event) {
		ret = td_unknown_in(im, tep, rec);
	} else {
		p = vx_decoder_plan(&im->dec, event);
		ret = p->is_stack ? td_stack_in(im, p, rec) : td_event_in(im, tep, p, rec);
	}
	if (ret < 0)
		goto fail;
	return 0;
fail:
	im->err = -1;
	return 1;
}

int td_finish(struct td_import *im)
{
	return vx_attach_flush(&im->attach);
}

/* lost events of one buffer: per cpu, what the records said or what the file's per-CPU
 * statistics (overrun, commit overrun, dropped) say, whichever is larger */
uint64_t td_lost(const struct td_walk *w, const struct td_buffer *b, bool stacked)
{
	uint64_t lost = 0;
	int maxcpu = b->ncpus;

	for (size_t i = 0; i < w->nstats; i++)
		if (!strcmp(w->stats[i].buffer, b->name) && w->stats[i].cpu >= maxcpu)
			maxcpu = w->stats[i].cpu + 1;
	for (int c = 0; c < maxcpu; c++) {
		uint64_t rec = c < b->ncpus ? b->missed[c] : 0, st = 0;

		for (size_t i = 0; i < w->nstats; i++)
			if (w->stats[i].cpu == c && !strcmp(w->stats[i].buffer, b->name))
				st = w->stats[i].lost;
		lost += vx_ring_events(rec > st ? rec : st, stacked);
	}
	return lost;
}
