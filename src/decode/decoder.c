/* decoder.c: the one decoder (see decoder.h): per event type a plan made once, a record's
 * fields through tep-decode.c's rules, a kernel_stack record's frames, and kernel addresses
 * symbolised once each. Used by parsers/perf-data*.c, parsers/trace-dat*.c and src/record.
 * Must not: know about files, tracefs, perf_event_open or the store.
 */
#include "decoder.h"
#include "kallsyms.h"

#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "core/xalloc.h"

void vx_decoder_init(struct vx_decoder *d)
{
	memset(d, 0, sizeof(*d));
	strbuf_init(&d->scratch, 0);
}

static void memo_forget(struct vx_decoder *d)
{
	free(d->frames);
	d->frames = NULL;
	d->nframes_memo = d->aframes_memo = 0;
	free(d->stacks);
	d->stacks = NULL;
	d->nstacks = d->astacks = 0;
}

void vx_decoder_release(struct vx_decoder *d)
{
	for (size_t i = 0; i < d->aplans; i++)
		if (d->plans[i]) {
			free(d->plans[i]->fields);
			free(d->plans[i]);
		}
	free(d->plans);
	memo_forget(d);
	free(d->build);
	arena_release(&d->mem);
	strbuf_release(&d->scratch);
	memset(d, 0, sizeof(*d));
}

void vx_decoder_symbols(struct vx_decoder *d, const struct vx_kallsyms *ks, const struct vx_kallsyms *extra)
{
	d->ks = ks;
	d->extra = extra;
	memo_forget(d);
}

/* ---- plans ---- */

static size_t plan_slot(const struct tep_event *ev, size_t cap)
{
	return (size_t)(((uint64_t)(uintptr_t)ev * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

/* plan_name - "system:event", with the names a damaged format may leave empty */
static char *plan_name(struct vx_decoder *d, const struct tep_event *ev)
{
	const char *sys = ev->system && *ev->system ? ev->system : "unknown";
	const char *name = ev->name && *ev->name ? ev->name : "unnamed";

	strbuf_reset(&d->scratch);
	strbuf_addstr(&d->scratch, sys);
	strbuf_addch(&d->scratch, ':');
	strbuf_addstr(&d->scratch, name);
	return arena_strndup(&d->mem, d->scratch.buf, d->scratch.len);
}

static struct vx_event_plan *plan_make(struct vx_decoder *d, struct tep_event *ev)
{
	struct vx_event_plan *p = xcalloc(1, sizeof(*p));
	size_t n = 0;

	for (struct tep_format_field *f = ev->format.fields; f; f = f->next)
		n++;
	p->event = ev;
	p->name = plan_name(d, ev);
	p->fields = xmalloc((n ? n : 1) * sizeof(*p->fields));
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next) {
		if (!strncmp(f->name, "common_", 7))
			continue;
		p->fields[p->nfields] = vx_field_plan(ev, f);
		p->has_symbols |= p->fields[p->nfields].style == VX_STYLE_SYMBOL;
		p->nfields++;
	}
	p->is_stack = ev->name && !strcmp(ev->name, "kernel_stack") && ev->system &&
		      !strcmp(ev->system, "ftrace");
	if (p->is_stack) {
		p->stack_size = tep_find_field(ev, "size");
		p->stack_caller = tep_find_field(ev, "caller");
	}
	return p;
}

static void plans_grow(struct vx_decoder *d)
{
	size_t n = d->aplans ? 2 * d->aplans : 64, i;
	struct vx_event_plan **t = xcalloc(n, sizeof(*t));

	for (size_t k = 0; k < d->aplans; k++) {
		if (!d->plans[k])
			continue;
		for (i = plan_slot(d->plans[k]->event, n); t[i]; i = (i + 1) & (n - 1))
			;
		t[i] = d->plans[k];
	}
	free(d->plans);
	d->plans = t;
	d->aplans = n;
}

const struct vx_event_plan *vx_decoder_plan(struct vx_decoder *d, struct tep_event *ev)
{
	size_t i;

	if (d->aplans)
		for (i = plan_slot(ev, d->aplans); d->plans[i]; i = (i + 1) & (d->aplans - 1))
			if (d->plans[i]->event == ev)
				return d->plans[i];
	if ((d->nplans + 1) * 2 > d->aplans)
		plans_grow(d);
	for (i = plan_slot(ev, d->aplans); d->plans[i]; i = (i + 1) & (d->aplans - 1))
		;
	d->plans[i] = plan_make(d, ev);
	d->nplans++;
	return d->plans[i];
}

/* ---- fields ---- */

static void decoded_room(struct vx_decoded *o, size_t n)
{
	if (n <= o->alloc)
		return;
	o->keys = xrealloc(o->keys, n * sizeof(*o->keys));
	o->off = xrealloc(o->off, n * sizeof(*o->off));
	o->fields = xrealloc(o->fields, n * sizeof(*o->fields));
	o->alloc = n;
}

size_t vx_decode_record(struct vx_decoder *d, const struct vx_event_plan *p, const void *data, int size,
			struct vx_decoded *out)
{
	if (!out->text.alloc)
		strbuf_init(&out->text, 256);
	strbuf_reset(&out->text);
	out->n = 0;
	decoded_room(out, p->nfields);
	for (size_t k = 0; k < p->nfields; k++) {
		size_t at = out->text.len;

		/* the one rule for a short record: a field it does not hold is left out */
		if (vx_field_value(p->event, &p->fields[k], data, size, d->ks, d->extra, &out->text) < 0)
			continue;
		strbuf_addch(&out->text, '\0');
		out->keys[out->n] = p->fields[k].f->name;
		out->off[out->n++] = at;
	}
	return out->n;
}

const struct vx_field *vx_decoded_fields(struct vx_decoded *o)
{
	for (size_t i = 0; i < o->n; i++) {
		o->fields[i].key = o->keys[i];
		o->fields[i].value = o->text.buf + o->off[i];
	}
	return o->fields;
}

void vx_decoded_release(struct vx_decoded *o)
{
	strbuf_release(&o->text);
	free(o->keys);
	free(o->off);
	free(o->fields);
	memset(o, 0, sizeof(*o));
}

/* ---- frames ---- */

static size_t frame_slot(uint64_t addr, size_t cap)
{
	return (size_t)(addr * 0x9e3779b97f4a7c15ULL >> 20) & (cap - 1);
}

static void frames_grow(struct vx_decoder *d)
{
	size_t n = d->aframes_memo ? 2 * d->aframes_memo : 4096, i;
	struct vx_frame_memo *t = xcalloc(n, sizeof(*t));

	for (size_t k = 0; k < d->aframes_memo; k++) {
		if (!d->frames[k].text)
			continue;
		for (i = frame_slot(d->frames[k].addr, n); t[i].text; i = (i + 1) & (n - 1))
			;
		t[i] = d->frames[k];
	}
	free(d->frames);
	d->frames = t;
	d->aframes_memo = n;
}

const char *vx_decoder_frame(struct vx_decoder *d, uint64_t addr)
{
	size_t i;

	if ((d->nframes_memo + 1) * 2 > d->aframes_memo)
		frames_grow(d);
	for (i = frame_slot(addr, d->aframes_memo); d->frames[i].text; i = (i + 1) & (d->aframes_memo - 1))
		if (d->frames[i].addr == addr)
			return d->frames[i].text;
	vx_symbolize(d->ks, d->extra, addr, &d->scratch);
	d->frames[i].addr = addr;
	d->frames[i].text = arena_strndup(&d->mem, d->scratch.buf, d->scratch.len);
	d->nframes_memo++;
	return d->frames[i].text;
}

/* ---- kernel_stack records ---- */

static void stacks_grow(struct vx_decoder *d)
{
	size_t n = d->astacks ? 2 * d->astacks : 1024, i;
	struct vx_stack_memo *t = xcalloc(n, sizeof(*t));

	for (size_t k = 0; k < d->astacks; k++) {
		if (!d->stacks[k].key)
			continue;
		for (i = d->stacks[k].key & (n - 1); t[i].key; i = (i + 1) & (n - 1))
			;
		t[i] = d->stacks[k];
	}
	free(d->stacks);
	d->stacks = t;
	d->astacks = n;
}

/* stack_entries - how many callers the record holds, and their size in *@elsz */
static unsigned long long stack_entries(const struct vx_event_plan *p, const unsigned char *data, int size,
					int *elsz)
{
	struct tep_format_field *fs = p->stack_size, *fc = p->stack_caller;
	struct tep_handle *tep = p->event->tep;
	unsigned long long n, want;

	*elsz = fc->elementsize == 4 || fc->elementsize == 8 ? (int)fc->elementsize : tep_get_long_size(tep);
	if (*elsz != 4 && *elsz != 8)
		*elsz = 8;
	n = (unsigned long long)(size - fc->offset) / (unsigned)*elsz;
	if (!fs || fs->offset < 0 || fs->size <= 0 || fs->size > 8 || fs->offset + fs->size > size)
		return n;
	want = tep_read_number(tep, data + fs->offset, fs->size);
	/* older kernels stored the size in bytes */
	if (want > n && want / (unsigned)*elsz <= n)
		want /= (unsigned)*elsz;
	return want < n ? want : n;
}

/* stack_build - symbolise @n callers of @elsz bytes at @raw into a new memo entry at slot @i */
static struct vx_stack_memo *stack_build(struct vx_decoder *d, size_t i, uint64_t key, struct tep_handle *tep,
					 const unsigned char *raw, unsigned long long n, int elsz)
{
	struct vx_stack_memo *e = &d->stacks[i];
	size_t k = 0, rawlen = (size_t)n * (unsigned)elsz;

	if (n > d->abuild) {
		d->build = xrealloc(d->build, (size_t)n * sizeof(*d->build));
		d->abuild = (size_t)n;
	}
	for (unsigned long long j = 0; j < n; j++) {
		unsigned long long a = tep_read_number(tep, raw + j * (unsigned)elsz, elsz);

		if (!a || a == ~0ULL || (elsz == 4 && a == 0xffffffffULL))
			continue;	/* end markers of older kernels */
		d->build[k++] = vx_decoder_frame(d, a);
	}
	/* vx_decoder_frame may have grown nothing here: the stack table is ours */
	e = &d->stacks[i];
	e->key = key;
	e->raw = memcpy(arena_alloc(&d->mem, rawlen ? rawlen : 1), raw, rawlen);
	e->rawlen = rawlen;
	e->frames = arena_alloc(&d->mem, (k + 1) * sizeof(*e->frames));
	if (k)
		memcpy(e->frames, d->build, k * sizeof(*e->frames));
	e->nframes = k;
	d->nstacks++;
	return e;
}

int vx_decode_stack(struct vx_decoder *d, const struct vx_event_plan *p, const void *data, int size,
		    const char *const **frames, uint64_t *key)
{
	struct tep_format_field *fc = p->stack_caller;
	const unsigned char *raw;
	unsigned long long n;
	size_t i, rawlen;
	int elsz;
	uint64_t h;

	if (!fc || fc->offset < 0 || fc->offset > size)
		return -1;
	n = stack_entries(p, data, size, &elsz);
	raw = (const unsigned char *)data + fc->offset;
	rawlen = (size_t)n * (unsigned)elsz;
	/* a repeated stack (most are) costs a hash and a comparison, not a lookup per frame */
	h = vx_hash64(vx_hash64(0x7464737461636b31ULL, &n, sizeof(n)), raw, rawlen);
	h += !h;
	if ((d->nstacks + 1) * 2 > d->astacks)
		stacks_grow(d);
	for (i = h & (d->astacks - 1); d->stacks[i].key; i = (i + 1) & (d->astacks - 1))
		if (d->stacks[i].key == h && d->stacks[i].rawlen == rawlen && !memcmp(d->stacks[i].raw, raw, rawlen))
			break;
	if (!d->stacks[i].key)
		stack_build(d, i, h, p->event->tep, raw, n, elsz);
	*frames = d->stacks[i].frames;
	*key = h;
	return (int)d->stacks[i].nframes;
}
