/* record-attach.c: joins ftrace's kernel_stack events to the event they belong to.
 * With options/stacktrace the kernel writes the stack as a separate event right after the
 * traced event, on the same CPU; so each CPU's last event is held back until either its
 * stack or the next event on that CPU arrives. Pure: knows nothing of tracefs or files.
 */
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

/*
 * One held-back event: every string lives in @text (offsets, since @text may move);
 * the arrays are rebuilt into pointers when the event is emitted.
 */
struct vx_pending {
	bool has;
	uint64_t ts_ns;
	int pid;
	bool has_comm;
	size_t comm_off, name_off;
	struct strbuf text;
	size_t *offs;		/* 2 per field: key, value */
	size_t nfields, offs_alloc;
	struct vx_field *fields;
	size_t fields_alloc;
};

void vx_attach_init(struct vx_attach *a, struct vx_sink *sink)
{
	memset(a, 0, sizeof(*a));
	a->sink = sink;
}

static struct vx_pending *pending_of(struct vx_attach *a, int cpu)
{
	size_t c = cpu < 0 ? 0 : (size_t)cpu;

	if (c >= a->ncpus) {
		size_t n = c + 1;
		struct vx_pending *p = xrealloc(a->cpus, n * sizeof(*p));

		memset(p + a->ncpus, 0, (n - a->ncpus) * sizeof(*p));
		for (size_t i = a->ncpus; i < n; i++)
			strbuf_init(&p[i].text, 0);
		a->cpus = p;
		a->ncpus = n;
	}
	return &a->cpus[c];
}

static size_t text_add(struct vx_pending *p, const char *s)
{
	size_t off = p->text.len;

	strbuf_addstr(&p->text, s ? s : "");
	strbuf_addch(&p->text, '\0');
	return off;
}

static int emit(struct vx_attach *a, int cpu, struct vx_pending *p, const char *const *frames,
		size_t nframes)
{
	struct vx_event ev = { 0 };
	int ret;

	if (!p->has)
		return 0;
	if (p->nfields > p->fields_alloc) {
		struct vx_field *f = xrealloc(p->fields, p->nfields * sizeof(*f));

		p->fields = f;
		p->fields_alloc = p->nfields;
	}
	for (size_t i = 0; i < p->nfields; i++) {
		p->fields[i].key = p->text.buf + p->offs[2 * i];
		p->fields[i].value = p->text.buf + p->offs[2 * i + 1];
	}
	ev.ts_ns = p->ts_ns;
	ev.cpu = cpu;
	ev.pid = p->pid;
	ev.comm = p->has_comm ? p->text.buf + p->comm_off : NULL;
	ev.name = p->text.buf + p->name_off;
	ev.fields = p->fields;
	ev.nfields = p->nfields;
	ev.frames = frames;
	ev.nframes = nframes;
	p->has = false;
	ret = vx_sink_event(a->sink, &ev);
	strbuf_reset(&p->text);
	return ret;
}

int vx_attach_event(struct vx_attach *a, const struct vx_event *ev)
{
	struct vx_pending *p = pending_of(a, ev->cpu);

	if (!p || emit(a, ev->cpu, p, NULL, 0) < 0)
		return -1;
	if (2 * ev->nfields > p->offs_alloc) {
		size_t *o = xrealloc(p->offs, 2 * ev->nfields * sizeof(*o));

		p->offs = o;
		p->offs_alloc = 2 * ev->nfields;
	}
	strbuf_reset(&p->text);
	p->ts_ns = ev->ts_ns;
	p->pid = ev->pid;
	p->has_comm = ev->comm != NULL;
	p->comm_off = text_add(p, ev->comm);
	p->name_off = text_add(p, ev->name);
	for (size_t i = 0; i < ev->nfields; i++) {
		p->offs[2 * i] = text_add(p, ev->fields[i].key);
		p->offs[2 * i + 1] = text_add(p, ev->fields[i].value);
	}
	p->nfields = ev->nfields;
	p->has = true;
	return 0;
}

int vx_attach_stack(struct vx_attach *a, int cpu, const char *const *frames, size_t nframes)
{
	struct vx_pending *p = pending_of(a, cpu);

	if (!p)
		return -1;
	if (!p->has) {
		a->orphan_stacks++;
		return 0;
	}
	return emit(a, cpu, p, frames, nframes);
}

int vx_attach_flush(struct vx_attach *a)
{
	for (size_t c = 0; c < a->ncpus; c++)
		if (emit(a, (int)c, &a->cpus[c], NULL, 0) < 0)
			return -1;
	return 0;
}

void vx_attach_release(struct vx_attach *a)
{
	for (size_t c = 0; c < a->ncpus; c++) {
		strbuf_release(&a->cpus[c].text);
		free(a->cpus[c].offs);
		free(a->cpus[c].fields);
	}
	free(a->cpus);
	memset(a, 0, sizeof(*a));
}
