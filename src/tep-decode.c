/* tep-decode.c: an event record's payload and a kernel_stack record as text, through
 * libtraceevent: shared by the live recorder (src/record*.c) and the trace.dat importer so
 * that a recording and a capture file of the same events give the same fields and frames.
 * Must not: know about tracefs, files or the store.
 */
#include "tep-decode.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

void vx_symbolize(struct tep_handle *tep, uint64_t addr, struct strbuf *out)
{
	const char *name = NULL;
	unsigned long long start = 0;
	unsigned long size = 0;

	strbuf_reset(out);
	if (tep && tep_find_function_info(tep, addr, &name, &start, &size) && name) {
		if (size)
			strbuf_addf(out, "%s+0x%llx/0x%lx", name, (unsigned long long)addr - start, size);
		else
			strbuf_addf(out, "%s+0x%llx", name, (unsigned long long)addr - start);
	} else {
		strbuf_addf(out, "0x%llx", (unsigned long long)addr);
	}
}

enum vx_field_style vx_field_style(struct tep_event *ev, struct tep_format_field *f)
{
	const char *fmt = ev->print_fmt.format;
	char pat[96];
	const char *p;

	if (fmt) {
		snprintf(pat, sizeof(pat), "%s=", f->name);
		for (p = strstr(fmt, pat); p; p = strstr(p + 1, pat)) {
			const char *v = p + strlen(pat);

			if (p != fmt && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
				continue;
			if (!strncmp(v, "0x%", 3))
				return VX_STYLE_HEX;
			if (!strncmp(v, "%pS", 3) || !strncmp(v, "%ps", 3))
				return VX_STYLE_SYMBOL;
			if (!strncmp(v, "%p", 2))
				return VX_STYLE_HEX;
			break;
		}
	}
	if ((f->flags & TEP_FIELD_IS_POINTER) || strchr(f->type, '*') || !strncmp(f->name, "__probe_", 8))
		return VX_STYLE_HEX;
	return VX_STYLE_NUMBER;
}

static void add_text(struct strbuf *b, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++)
		strbuf_addch(b, isprint((unsigned char)s[i]) ? s[i] : '?');
}

static void add_bytes(struct strbuf *b, const unsigned char *p, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (n == 4) {
		strbuf_addf(b, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
		return;
	}
	if (n == 16 && inet_ntop(AF_INET6, p, ip, sizeof(ip))) {
		strbuf_addstr(b, ip);
		return;
	}
	strbuf_addstr(b, "0x");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(b, "%02x", p[i]);
}

void vx_field_value(struct tep_event *event, struct tep_format_field *f, const void *data, int size,
		    enum vx_field_style style, struct strbuf *buf)
{
	struct tep_handle *tep = event->tep;
	const unsigned char *d = data;

	if (f->offset < 0 || f->size < 0 || f->offset + f->size > size)
		return;	/* record shorter than its format: empty value */
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned int v = (unsigned int)tep_read_number(tep, d + f->offset, f->size < 4 ? f->size : 4);
		unsigned int off = v & 0xffff, len = v >> 16;

		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += (unsigned int)(f->offset + f->size);
		if (off > (unsigned int)size)
			return;
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

		switch (style) {
		case VX_STYLE_HEX:
			strbuf_addf(buf, "0x%llx", v);
			break;
		case VX_STYLE_SYMBOL: {
			struct strbuf sym = STRBUF_INIT;

			vx_symbolize(tep, v, &sym);
			strbuf_addstr(buf, sym.buf);
			strbuf_release(&sym);
			break;
		}
		default:
			if (f->flags & TEP_FIELD_IS_SIGNED) {
				long long s = (long long)v;

				if (f->size < 8 && (v >> (8 * f->size - 1)) & 1)
					s = (long long)(v | (~0ULL << (8 * f->size)));
				strbuf_addf(buf, "%lld", s);
			} else {
				strbuf_addf(buf, "%llu", v);
			}
		}
	} else {
		add_bytes(buf, d + f->offset, (size_t)f->size);
	}
}

size_t vx_decode_fields(struct tep_event *event, const void *data, int size, struct strbuf *buf,
			struct vx_field *fields, size_t max)
{
	size_t n = 0, *offs;
	struct tep_format_field *f;

	strbuf_reset(buf);
	offs = xcalloc(2 * max, sizeof(*offs));
	for (f = event->format.fields; f && n < max; f = f->next) {
		if (f->offset < 0 || f->offset + f->size > size)
			continue;
		offs[2 * n] = buf->len;
		strbuf_addstr(buf, f->name);
		strbuf_addch(buf, '\0');
		offs[2 * n + 1] = buf->len;
		vx_field_value(event, f, data, size, vx_field_style(event, f), buf);
		strbuf_addch(buf, '\0');
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		fields[i].key = buf->buf + offs[2 * i];
		fields[i].value = buf->buf + offs[2 * i + 1];
	}
	free(offs);
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

