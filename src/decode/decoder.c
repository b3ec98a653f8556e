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

/* the memoised text of one kernel address */
struct frame_memo {
	uint64_t addr;
	const char *text;
};

/* a kernel_stack record's addresses seen before, with the frames they gave */
struct stack_memo {
	const void *raw;
	size_t rawlen;
	const char **frames;
	size_t nframes;
};

static void memo_forget(struct vx_decoder *d)
{
	vx_hash_clear(&d->frames);
	vx_hash_clear(&d->stacks);
}

void vx_decoder_release(struct vx_decoder *d)
{
	for (size_t i = 0; i < d->plans.cap; i++)
		if (d->plans.slots[i].hash) {
			struct vx_event_plan *p = (struct vx_event_plan *)(uintptr_t)d->plans.slots[i].value;

			free(p->fields);
			free(p);
		}
	vx_hash_release(&d->plans);
	vx_hash_release(&d->frames);
	vx_hash_release(&d->stacks);
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

const struct vx_event_plan *vx_decoder_plan(struct vx_decoder *d, struct tep_event *ev)
{
	struct vx_hash_slot *sl;
	struct vx_event_plan *p;

	/* the key is the pointer itself: the entries of its hash are its own */
	sl = vx_hash_first(&d->plans, (uint64_t)(uintptr_t)ev);
	if (sl)
		return (const struct vx_event_plan *)(uintptr_t)sl->value;
	p = plan_make(d, ev);
	vx_hash_add(&d->plans, (uint64_t)(uintptr_t)ev, (uint64_t)(uintptr_t)p);
	d->nplans++;
	return p;
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

const char *vx_decoder_frame(struct vx_decoder *d, uint64_t addr)
{
	struct vx_hash_slot *sl;
	struct frame_memo *m;

	vx_hash_each(&d->frames, addr, sl) {
		m = (struct frame_memo *)(uintptr_t)sl->value;
		if (m->addr == addr)
			return m->text;
	}
	vx_symbolize(d->ks, d->extra, addr, &d->scratch);
	m = arena_alloc(&d->mem, sizeof(*m));
	m->addr = addr;
	m->text = arena_strndup(&d->mem, d->scratch.buf, d->scratch.len);
	vx_hash_add(&d->frames, addr, (uint64_t)(uintptr_t)m);
	return m->text;
}

/* ---- kernel_stack records ---- */

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

/* stack_build - symbolise @n callers of @elsz bytes at @raw into a new memo entry for @key */
static struct stack_memo *stack_build(struct vx_decoder *d, uint64_t key, struct tep_handle *tep,
				      const unsigned char *raw, unsigned long long n, int elsz)
{
	struct stack_memo *e = arena_alloc(&d->mem, sizeof(*e));
	size_t k = 0, rawlen = (size_t)n * (unsigned)elsz;

	e->frames = arena_alloc(&d->mem, ((size_t)n + 1) * sizeof(*e->frames));
	for (unsigned long long j = 0; j < n; j++) {
		unsigned long long a = tep_read_number(tep, raw + j * (unsigned)elsz, elsz);

		if (!a || a == ~0ULL || (elsz == 4 && a == 0xffffffffULL))
			continue;	/* end markers of older kernels */
		e->frames[k++] = vx_decoder_frame(d, a);
	}
	e->raw = memcpy(arena_alloc(&d->mem, rawlen ? rawlen : 1), raw, rawlen);
	e->rawlen = rawlen;
	e->nframes = k;
	vx_hash_add(&d->stacks, key, (uint64_t)(uintptr_t)e);
	return e;
}

int vx_decode_stack(struct vx_decoder *d, const struct vx_event_plan *p, const void *data, int size,
		    const char *const **frames, uint64_t *key)
{
	struct tep_format_field *fc = p->stack_caller;
	const unsigned char *raw;
	struct vx_hash_slot *sl;
	struct stack_memo *e = NULL;
	unsigned long long n;
	size_t rawlen;
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
	vx_hash_each(&d->stacks, h, sl) {
		struct stack_memo *m = (struct stack_memo *)(uintptr_t)sl->value;

		if (m->rawlen == rawlen && !memcmp(m->raw, raw, rawlen)) {
			e = m;
			break;
		}
	}
	if (!e)
		e = stack_build(d, h, p->event->tep, raw, n, elsz);
	*frames = e->frames;
	*key = h;
	return (int)e->nframes;
}
