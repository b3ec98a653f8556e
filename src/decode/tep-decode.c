/* tep-decode.c: one field of a raw record and one kernel address as text (see tep-decode.h),
 * through libtraceevent and the kallsyms table; the one decoder (decoder.c) applies them for
 * the recorder, the trace.dat and the perf.data importers, so that a recording and a capture
 * file of the same events give the same fields and frames. Must not: know about tracefs,
 * files or the store.
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

/* one table's answer for @addr: false when it has no symbol at or below it */
static bool symbolize_from(const struct vx_kallsyms *ks, uint64_t addr, struct strbuf *out)
{
	const struct vx_ksym *k;
	uint64_t off;

	k = ks && ks->n ? vx_kallsyms_lookup(ks, addr, &off) : NULL;
	if (!k)
		return false;
	strbuf_addstr(out, k->name);
	strbuf_addch(out, '+');
	vx_add_hex(out, off, 1);
	if (k + 1 < ks->syms + ks->n && k[1].addr > k->addr) {
		strbuf_addch(out, '/');
		vx_add_hex(out, k[1].addr - k->addr, 1);
	}
	return true;
}

void vx_symbolize(const struct vx_kallsyms *ks, const struct vx_kallsyms *extra, uint64_t addr,
		  struct strbuf *out)
{
	strbuf_reset(out);
	if (!symbolize_from(ks, addr, out) && !symbolize_from(extra, addr, out))
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
		   const struct vx_kallsyms *ks, const struct vx_kallsyms *extra, struct strbuf *buf)
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

			vx_symbolize(ks, extra, v, &sym);
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
