/* tep-decode.c: the one decoder (see tep-decode.h): an event record's payload, a
 * kernel_stack record and a kernel address as text, through libtraceevent and the kallsyms
 * table: shared by the live recorder (src/record*.c), the trace.dat and the perf.data
 * importers, so that a recording and a capture file of the same events give the same fields
 * and frames. Must not: know about tracefs, files or the store.
 */
#include "tep-decode.h"
#include "kallsyms.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <linux/perf_event.h>

void vx_add_u64(struct strbuf *sb, unsigned long long v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *p = e;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf_add(sb, p, (size_t)(e - p));
}

void vx_add_hex(struct strbuf *sb, unsigned long long v, int width)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[40], *e = tmp + sizeof(tmp), *p = e;

	if (width > 32)
		width = 32;
	do {
		*--p = hex[v & 15];
		v >>= 4;
	} while (v || e - p < width);
	*--p = 'x';
	*--p = '0';
	strbuf_add(sb, p, (size_t)(e - p));
}

/* libtraceevent's func_cmp and func_bcmp: an address matches the entry at or below it when
 * it is below the next entry (the end entry's address is 0: the last entry matches itself) */
static int func_cmp(const void *a, const void *b)
{
	const struct vx_func *fa = a, *fb = b;

	return fa->addr < fb->addr ? -1 : fa->addr > fb->addr;
}

static int func_bcmp(const void *a, const void *b)
{
	const struct vx_func *fa = a, *fb = b;

	if (fa->addr == fb->addr || (fa->addr > fb->addr && fa->addr < fb[1].addr))
		return 0;
	return fa->addr < fb->addr ? -1 : 1;
}

void vx_funcs_sort(struct vx_funcs *f)
{
	/* tep keeps its list newest first and qsorts that: same input, same qsort, same order */
	for (size_t i = 0, j = f->n ? f->n - 1 : 0; i < j; i++, j--) {
		struct vx_func t = f->map[i];

		f->map[i] = f->map[j];
		f->map[j] = t;
	}
	qsort(f->map, f->n, sizeof(*f->map), func_cmp);
	f->map[f->n].addr = 0;
	f->map[f->n].name = NULL;
}

/* tep_find_function_info() on a vx_funcs */
static bool funcs_find(const struct vx_funcs *f, unsigned long long addr, const char **name,
		       unsigned long long *start, unsigned long *size)
{
	struct vx_func key = { .addr = addr };
	const struct vx_func *m = f->n ? bsearch(&key, f->map, f->n, sizeof(*f->map), func_bcmp) : NULL;

	if (!m)
		return false;
	*name = m->name;
	*start = m->addr;
	*size = (unsigned long)(m[1].addr - m->addr);
	return true;
}

void vx_symbolize_in(struct tep_handle *tep, const struct vx_kallsyms *ks, uint64_t addr,
		     struct strbuf *out)
{
	vx_symbolize_with(tep, NULL, ks, addr, out);
}

void vx_symbolize_with(struct tep_handle *tep, const struct vx_funcs *funcs,
		       const struct vx_kallsyms *ks, uint64_t addr, struct strbuf *out)
{
	const char *name = NULL;
	unsigned long long start = 0;
	unsigned long size = 0;
	const struct vx_ksym *k;
	uint64_t off;
	bool found;

	strbuf_reset(out);
	if (funcs)
		found = funcs_find(funcs, addr, &name, &start, &size);
	else
		found = tep && tep_find_function_info(tep, addr, &name, &start, &size);
	if (found && name) {
		strbuf_addstr(out, name);
		strbuf_addch(out, '+');
		vx_add_hex(out, (unsigned long long)addr - start, 1);
		if (size) {
			strbuf_addch(out, '/');
			vx_add_hex(out, size, 1);
		}
		return;
	}
	k = ks && ks->n ? vx_kallsyms_lookup(ks, addr, &off) : NULL;
	if (k) {
		strbuf_addstr(out, k->name);
		strbuf_addch(out, '+');
		vx_add_hex(out, off, 1);
		if (k + 1 < ks->syms + ks->n && k[1].addr > k->addr) {
			strbuf_addch(out, '/');
			vx_add_hex(out, k[1].addr - k->addr, 1);
		}
		return;
	}
	vx_add_hex(out, addr, 1);
}

bool vx_callchain_next(const unsigned char *ips, uint64_t nr, uint64_t *i, uint64_t *ctx, uint64_t *addr)
{
	if (!*ctx)
		*ctx = PERF_CONTEXT_KERNEL;
	while (*i < nr) {
		uint64_t a;

		memcpy(&a, ips + 8 * *i, 8);
		++*i;
		if (a >= (uint64_t)PERF_CONTEXT_MAX) {
			*ctx = a;
			if (a != PERF_CONTEXT_KERNEL && a != PERF_CONTEXT_HV)
				return false;	/* user or guest frames follow */
			continue;
		}
		if (*ctx != PERF_CONTEXT_KERNEL)
			continue;	/* hypervisor frames */
		*addr = a;
		return true;
	}
	return false;
}

/* the SIGFPE handler of vx_tep_parse_event: back to before the call */
static sigjmp_buf parse_fpe_jmp;

static void parse_fpe(int sig)
{
	(void)sig;
	siglongjmp(parse_fpe_jmp, 1);
}

int vx_tep_parse_event(struct tep_handle *tep, const char *buf, size_t size, const char *sys)
{
	struct sigaction sa, old;
	volatile int r = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = parse_fpe;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGFPE, &sa, &old);
	if (!sigsetjmp(parse_fpe_jmp, 1))
		r = tep_parse_event(tep, buf, size, sys);
	sigaction(SIGFPE, &old, NULL);
	return r;
}

void vx_symbolize(struct tep_handle *tep, uint64_t addr, struct strbuf *out)
{
	vx_symbolize_in(tep, NULL, addr, out);
}

/* the conversion after "name=" in a print format: "0x%04x", "%#x", "%lx", "%p", "%pS", "%u" */
static bool plan_from_format(const char *v, struct vx_field_plan *pl)
{
	bool zero = false, alt = false, prefixed = false;
	int width = 0;

	if (v[0] == '0' && v[1] == 'x') {
		prefixed = true;
		v += 2;
	}
	if (*v++ != '%')
		return false;
	for (; *v && strchr("#0-+ ", *v); v++) {
		zero |= *v == '0';
		alt |= *v == '#';
	}
	for (; *v >= '0' && *v <= '9'; v++)
		width = width * 10 + (*v - '0');
	if (*v == '.')
		for (v++; *v >= '0' && *v <= '9'; v++)
			;
	while (*v && strchr("lLhzjt", *v))
		v++;
	switch (*v) {
	case 'p':
		if (v[1] == 'S' || v[1] == 's') {
			pl->style = VX_STYLE_SYMBOL;
			return true;
		}
		pl->style = VX_STYLE_HEX;
		return true;
	case 'x':
	case 'X':
		pl->style = VX_STYLE_HEX;
		/* "%#06x" counts the 0x in its width, "0x%04x" does not */
		pl->width = zero ? (alt && !prefixed ? width - 2 : width) : 0;
		if (pl->width < 0)
			pl->width = 0;
		return true;
	default:
		return false;
	}
}

struct vx_field_plan vx_field_plan(struct tep_event *ev, struct tep_format_field *f)
{
	struct vx_field_plan pl = { f, VX_STYLE_NUMBER, 0 };
	const char *fmt = ev->print_fmt.format;
	size_t nl = strlen(f->name);
	const char *p;

	for (p = fmt; p && (p = strstr(p, f->name)); p += nl) {
		if (p[nl] != '=' || (p != fmt && (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			continue;
		if (plan_from_format(p + nl + 1, &pl))
			return pl;
		break;
	}
	if ((f->flags & TEP_FIELD_IS_POINTER) || strchr(f->type, '*') || !strncmp(f->name, "__probe_", 8))
		pl.style = VX_STYLE_HEX;
	return pl;
}

static void add_text(struct strbuf *b, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++)
		strbuf_addch(b, isprint((unsigned char)s[i]) ? s[i] : '?');
}

/* add_bytes - an IPv4 (4 bytes) or IPv6 (16 bytes) address, else 0x and the bytes in hex;
 * by hand, not through printf: fib_table_lookup alone has three addresses per event */
static void add_bytes(struct strbuf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	static const unsigned char zero16[16];
	char ip[INET6_ADDRSTRLEN];

	if (n == 4) {
		char *o = ip;

		for (int i = 0; i < 4; i++) {
			unsigned v = p[i];

			if (i)
				*o++ = '.';
			if (v >= 100)
				*o++ = (char)('0' + v / 100);
			if (v >= 10)
				*o++ = (char)('0' + v / 10 % 10);
			*o++ = (char)('0' + v % 10);
		}
		strbuf_add(b, ip, (size_t)(o - ip));
		return;
	}
	if (n == 16 && !memcmp(p, zero16, 16)) {
		strbuf_add(b, "::", 2);	/* what inet_ntop gives, without its sprintf per group */
		return;
	}
	if (n == 16) {
		/* an event repeats its address (fib_table_lookup's gw6 holds the same stale bytes
		 * event after event): the last one's text, per thread (the recorder has several) */
		static __thread unsigned char last[16];
		static __thread char last_text[INET6_ADDRSTRLEN];

		if (last_text[0] && !memcmp(p, last, 16)) {
			strbuf_addstr(b, last_text);
			return;
		}
		if (inet_ntop(AF_INET6, p, ip, sizeof(ip))) {
			memcpy(last, p, 16);
			memcpy(last_text, ip, sizeof(ip));
			strbuf_addstr(b, ip);
			return;
		}
	}
	strbuf_grow(b, 2 + 2 * n);
	strbuf_add(b, "0x", 2);
	for (size_t i = 0; i < n; i++) {
		char x[2] = { hex[p[i] >> 4], hex[p[i] & 15] };

		strbuf_add(b, x, 2);
	}
}

int vx_field_value(struct tep_event *ev, const struct vx_field_plan *plan, const void *data, int size,
		   const struct vx_kallsyms *ks, struct strbuf *buf)
{
	return vx_field_value_with(ev, plan, data, size, NULL, ks, buf);
}

int vx_field_value_with(struct tep_event *ev, const struct vx_field_plan *plan, const void *data,
			int size, const struct vx_funcs *funcs, const struct vx_kallsyms *ks,
			struct strbuf *buf)
{
	struct tep_format_field *f = plan->f;
	struct tep_handle *tep = ev->tep;
	const unsigned char *d = data;

	if (f->offset < 0 || f->size < 0 || f->offset + f->size > size)
		return -1;	/* record shorter than its format */
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned int v = (unsigned int)tep_read_number(tep, d + f->offset, f->size < 4 ? f->size : 4);
		unsigned int off = v & 0xffff, len = v >> 16;

		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += (unsigned int)(f->offset + f->size);
		if (off > (unsigned int)size)
			return -1;
		if (len > (unsigned int)size - off)
			len = (unsigned int)size - off;
		if (strstr(f->type, "char"))
			add_text(buf, (const char *)d + off, len);
		else
			add_bytes(buf, d + off, len);
	} else if (f->flags & TEP_FIELD_IS_ARRAY) {
		/* libtraceevent marks u8[] as a string too; addresses are u8[4]/u8[16] */
		if ((f->flags & TEP_FIELD_IS_STRING) && strstr(f->type, "char"))
			add_text(buf, (const char *)d + f->offset, (size_t)f->size);
		else
			add_bytes(buf, d + f->offset, (size_t)f->size);
	} else if (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8) {
		unsigned long long v = tep_read_number(tep, d + f->offset, f->size);

		switch (plan->style) {
		case VX_STYLE_HEX:
			vx_add_hex(buf, v, plan->width > 0 ? plan->width : 1);
			break;
		case VX_STYLE_SYMBOL: {
			struct strbuf sym = STRBUF_INIT;

			vx_symbolize_with(tep, funcs, ks, v, &sym);
			strbuf_addstr(buf, sym.buf);
			strbuf_release(&sym);
			break;
		}
		default:
			if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size < 8 && (v >> (8 * f->size - 1)) & 1)
				v |= ~0ULL << (8 * f->size);
			if ((f->flags & TEP_FIELD_IS_SIGNED) && (long long)v < 0) {
				strbuf_addch(buf, '-');
				vx_add_u64(buf, 0ULL - v);
			} else {
				vx_add_u64(buf, v);
			}
		}
	} else {
		add_bytes(buf, d + f->offset, (size_t)f->size);
	}
	return 0;
}

/* struct vx_event_plans - the plans of one event's fields, in format order */
struct vx_event_plans {
	struct tep_event *event;
	size_t n;
	struct vx_field_plan *plan;	/* malloc'd */
};

/* the plans of @event: from @c (added on first use), or built into @tmp when @c is NULL */
static const struct vx_event_plans *event_plans(struct vx_plan_cache *c, struct tep_event *event,
						struct vx_event_plans *tmp)
{
	struct vx_event_plans *p;
	struct tep_format_field *f;
	size_t n = 0;

	if (c && c->last < c->n && c->ev[c->last].event == event)
		return &c->ev[c->last];
	for (size_t i = 0; c && i < c->n; i++)
		if (c->ev[i].event == event) {
			c->last = i;
			return &c->ev[i];
		}
	for (f = event->format.fields; f; f = f->next)
		n++;
	if (c) {
		c->ev = xrealloc(c->ev, (c->n + 1) * sizeof(*c->ev));
		c->last = c->n;
		p = &c->ev[c->n++];
	} else {
		p = tmp;
	}
	p->event = event;
	p->n = 0;
	p->plan = xmalloc((n ? n : 1) * sizeof(*p->plan));
	for (f = event->format.fields; f; f = f->next)
		p->plan[p->n++] = vx_field_plan(event, f);
	return p;
}

void vx_plan_cache_release(struct vx_plan_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->ev[i].plan);
	free(c->ev);
	memset(c, 0, sizeof(*c));
}

size_t vx_decode_fields(struct tep_event *event, const void *data, int size, struct strbuf *buf,
			struct vx_field *fields, size_t max, struct vx_plan_cache *cache)
{
	struct vx_event_plans tmp;
	const struct vx_event_plans *ep = event_plans(cache, event, &tmp);
	size_t n = 0, small[64], *offs = 2 * max <= 64 ? small : xmalloc(2 * max * sizeof(*offs));

	strbuf_reset(buf);
	for (size_t k = 0; k < ep->n && n < max; k++) {
		const struct vx_field_plan *plan = &ep->plan[k];
		struct tep_format_field *f = plan->f;
		size_t at = buf->len;

		if (f->offset < 0 || f->offset + f->size > size)
			continue;
		offs[2 * n] = buf->len;
		strbuf_addstr(buf, f->name);
		strbuf_addch(buf, '\0');
		offs[2 * n + 1] = buf->len;
		if (vx_field_value(event, plan, data, size, NULL, buf) < 0) {
			buf->len = at;
			buf->buf[at] = '\0';
			continue;
		}
		strbuf_addch(buf, '\0');
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		fields[i].key = buf->buf + offs[2 * i];
		fields[i].value = buf->buf + offs[2 * i + 1];
	}
	if (offs != small)
		free(offs);
	if (!cache)
		free(tmp.plan);
	return n;
}

size_t vx_decode_kernel_stack(struct tep_event *event, const void *data, int size,
			     struct strbuf *frames, const char **ptrs, size_t max)
{
	struct tep_format_field *fs = tep_find_field(event, "size");
	struct tep_format_field *fc = tep_find_field(event, "caller");
	const char *d = data;
	unsigned long long n, elsz;
	size_t k = 0;

	if (!fs || !fc || fs->offset + fs->size > size || fc->offset > size)
		return 0;
	/* the print format shows 8 callers; the record holds @size of them */
	n = tep_read_number(event->tep, d + fs->offset, fs->size);
	elsz = fc->elementsize ? fc->elementsize : (unsigned)tep_get_long_size(event->tep);
	if (elsz != 4 && elsz != 8)
		return 0;
	if (n > (unsigned long long)(size - fc->offset) / elsz)
		n = (unsigned long long)(size - fc->offset) / elsz;
	for (unsigned long long i = 0; i < n && k < max; i++) {
		unsigned long long a = tep_read_number(event->tep, d + fc->offset + i * elsz, (int)elsz);

		/* older kernels end the array with ULONG_MAX */
		if (!a || a == ~0ULL || (elsz == 4 && a == 0xffffffffULL))
			continue;
		vx_symbolize(event->tep, a, &frames[k]);
		ptrs[k] = frames[k].buf;
		k++;
	}
	return k;
}

