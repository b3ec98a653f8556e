/* stack-attach.c: the one rule that joins ftrace's stacks to their events (see
 * stack-attach.h): a queue of events in arrival order, each waiting until its stack or the
 * next record of its CPU arrives. Used by the trace.dat and ftrace text importers and the
 * recorder. Pure: knows nothing of files, tracefs or the store.
 */
#include "stack-attach.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define NONE UINT64_MAX
#define MAX_CPU_INDEX 65536	/* cpus past it (text input) are found by a scan of the queue */

/*
 * struct vx_held - one waiting event. Its strings live in @text, NUL-terminated, at @off:
 * [0] name, [1] comm, then key and value of each field, then the frames copied by
 * vx_attach_frame(); a stack given whole is borrowed in @frames.
 */
struct vx_held {
	uint64_t ts, stack_key;
	int cpu, pid;
	unsigned lane;
	bool complete, has_stack, has_comm;
	struct strbuf text;
	size_t *off;
	size_t noff, aoff;
	size_t nfields;
	const char *const *frames;
	size_t nframes;
};

void vx_attach_init(struct vx_attach *a, int (*emit)(void *ctx, const struct vx_event *ev), void *ctx)
{
	memset(a, 0, sizeof(*a));
	a->emit = emit;
	a->ctx = ctx;
	a->wait_ns = VX_ATTACH_WAIT_NS;
	a->target = NONE;
}

static struct vx_held *slot(const struct vx_attach *a, uint64_t n)
{
	return &a->q[n % a->qcap];
}

/* last_of - the number of @cpu's last event if it may still get a stack, else NONE */
static uint64_t last_of_in(struct vx_attach *a, unsigned lane, int cpu)
{
	if (cpu >= 0 && cpu < MAX_CPU_INDEX)
		return lane < a->nlanes && (size_t)cpu < a->lanes[lane].ncpus ? a->lanes[lane].last[cpu] : NONE;
	for (uint64_t n = a->tail; n-- > a->head;)
		if (slot(a, n)->cpu == cpu && slot(a, n)->lane == lane)
			return slot(a, n)->complete ? NONE : n;
	return NONE;
}

static uint64_t last_of(struct vx_attach *a, int cpu)
{
	return last_of_in(a, a->lane, cpu);
}

static void set_last_in(struct vx_attach *a, unsigned lane, int cpu, uint64_t n)
{
	struct vx_attach_lane *l;

	if (cpu < 0 || cpu >= MAX_CPU_INDEX || (n == NONE && lane >= a->nlanes))
		return;
	if (lane >= a->nlanes) {
		a->lanes = xrealloc(a->lanes, (lane + 1) * sizeof(*a->lanes));
		memset(a->lanes + a->nlanes, 0, (lane + 1 - a->nlanes) * sizeof(*a->lanes));
		a->nlanes = lane + 1;
	}
	l = &a->lanes[lane];
	if ((size_t)cpu >= l->ncpus) {
		size_t want = (size_t)cpu + 1;

		if (n == NONE)
			return;
		l->last = xrealloc(l->last, want * sizeof(*l->last));
		for (size_t i = l->ncpus; i < want; i++)
			l->last[i] = NONE;
		l->ncpus = want;
	}
	l->last[cpu] = n;
}

static void set_last(struct vx_attach *a, int cpu, uint64_t n)
{
	set_last_in(a, a->lane, cpu, n);
}

/* complete_last - a record of @cpu arrived: the event before it there is complete */
static void complete_last(struct vx_attach *a, int cpu)
{
	uint64_t n = last_of(a, cpu);

	a->target = NONE;
	if (n != NONE)
		slot(a, n)->complete = true;
	set_last(a, cpu, NONE);
}

static void held_add(struct vx_held *h, const char *s, size_t len)
{
	VX_GROW(h->off, h->noff, h->aoff);
	h->off[h->noff++] = h->text.len;
	strbuf_add(&h->text, s, len);
	strbuf_addch(&h->text, '\0');
}

static void held_addstr(struct vx_held *h, const char *s)
{
	held_add(h, s ? s : "", s ? strlen(s) : 0);
}

/* enqueue - a fresh slot at the tail */
static struct vx_held *enqueue(struct vx_attach *a)
{
	struct vx_held *h;

	if (a->tail - a->head == a->qcap) {
		size_t cap = a->qcap ? 2 * a->qcap : 64;
		struct vx_held *q = xcalloc(cap, sizeof(*q));

		for (uint64_t n = a->head; n < a->tail; n++)
			q[n % cap] = *slot(a, n);
		free(a->q);	/* the queue was full: every old slot moved, with its buffers */
		a->q = q;
		a->qcap = cap;
	}
	h = slot(a, a->tail++);
	if (!h->text.alloc)
		strbuf_init(&h->text, 256);
	strbuf_reset(&h->text);
	h->noff = h->nfields = h->nframes = 0;
	h->frames = NULL;
	h->stack_key = 0;
	h->complete = h->has_stack = false;
	return h;
}

static int emit(struct vx_attach *a, struct vx_held *h)
{
	size_t copied = h->noff - 2 - 2 * h->nfields;
	struct vx_event ev;

	if (h->nfields > a->afields) {
		a->fields = xrealloc(a->fields, h->nfields * sizeof(*a->fields));
		a->afields = h->nfields;
	}
	for (size_t i = 0; i < h->nfields; i++) {
		a->fields[i].key = h->text.buf + h->off[2 + 2 * i];
		a->fields[i].value = h->text.buf + h->off[3 + 2 * i];
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = h->ts;
	ev.cpu = h->cpu;
	ev.pid = h->pid;
	ev.comm = h->has_comm ? h->text.buf + h->off[1] : NULL;
	ev.name = h->text.buf + h->off[0];
	ev.fields = a->fields;
	ev.nfields = h->nfields;
	ev.frames = h->frames;
	ev.nframes = h->nframes;
	ev.stack_key = h->nframes ? h->stack_key : 0;
	if (!h->frames && copied) {
		if (copied > a->aframes) {
			a->frames = xrealloc(a->frames, copied * sizeof(*a->frames));
			a->aframes = copied;
		}
		for (size_t i = 0; i < copied; i++)
			a->frames[i] = h->text.buf + h->off[2 + 2 * h->nfields + i];
		ev.frames = a->frames;
		ev.nframes = copied;
		ev.stack_key = 0;
	}
	return a->emit(a->ctx, &ev);
}

/* drain - emit the events at the head that may leave at trace time @now (NONE: all) */
static int drain(struct vx_attach *a, uint64_t now)
{
	while (a->head < a->tail) {
		struct vx_held *h = slot(a, a->head);
		bool over = a->max_held && a->tail - a->head > a->max_held;

		if (!h->complete && now != NONE && !over &&
		    (a->wait_ns == UINT64_MAX || now < h->ts || now - h->ts < a->wait_ns))
			break;
		if (last_of_in(a, h->lane, h->cpu) == a->head)
			set_last_in(a, h->lane, h->cpu, NONE);
		if (a->target == a->head)
			a->target = NONE;
		if (emit(a, h) < 0)
			return -1;
		a->head++;
	}
	return 0;
}

int vx_attach_event(struct vx_attach *a, const struct vx_event *ev)
{
	struct vx_held *h;

	complete_last(a, ev->cpu);
	h = enqueue(a);
	h->ts = ev->ts_ns;
	h->cpu = ev->cpu;
	h->lane = a->lane;
	h->pid = ev->pid;
	h->has_comm = ev->comm != NULL;
	held_addstr(h, ev->name);
	held_addstr(h, ev->comm);
	for (size_t i = 0; i < ev->nfields; i++) {
		held_addstr(h, ev->fields[i].key);
		held_addstr(h, ev->fields[i].value);
	}
	h->nfields = ev->nfields;
	set_last(a, ev->cpu, a->tail - 1);
	return drain(a, ev->ts_ns);
}

int vx_attach_record(struct vx_attach *a, int cpu, uint64_t ts)
{
	complete_last(a, cpu);
	return drain(a, ts);
}

int vx_attach_stack(struct vx_attach *a, int cpu, uint64_t ts, const char *const *frames, size_t nframes,
		    uint64_t stack_key)
{
	uint64_t n = last_of(a, cpu);

	complete_last(a, cpu);
	if (n == NONE || slot(a, n)->has_stack) {
		a->orphan_stacks++;
	} else {
		struct vx_held *h = slot(a, n);

		h->has_stack = true;
		h->frames = frames;
		h->nframes = nframes;
		h->stack_key = stack_key;
	}
	return drain(a, ts);
}

bool vx_attach_stack_begin(struct vx_attach *a, int cpu)
{
	uint64_t n = last_of(a, cpu);

	a->target = NONE;
	if (n == NONE || slot(a, n)->has_stack)
		return false;
	slot(a, n)->has_stack = true;
	a->target = n;
	return true;
}

bool vx_attach_frame(struct vx_attach *a, const char *frame, size_t len)
{
	if (a->target == NONE)
		return false;
	held_add(slot(a, a->target), frame, len);
	return true;
}

void vx_attach_stack_end(struct vx_attach *a)
{
	a->target = NONE;
}

int vx_attach_flush(struct vx_attach *a)
{
	return drain(a, NONE);
}

void vx_attach_release(struct vx_attach *a)
{
	for (size_t i = 0; i < a->qcap; i++) {
		strbuf_release(&a->q[i].text);
		free(a->q[i].off);
	}
	free(a->q);
	for (size_t i = 0; i < a->nlanes; i++)
		free(a->lanes[i].last);
	free(a->lanes);
	free(a->fields);
	free(a->frames);
	memset(a, 0, sizeof(*a));
}
