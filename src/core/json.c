/* json.c: JSON writer and flat-object reader (see json.h). */
#include "json.h"
#include "utf8.h"
#include "xalloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct json_writer {
	FILE *fp;
	struct strbuf *sb;
	struct strbuf stage;	/* with @fp: one call's output, written at its end (jw_done) */
	bool pretty;
	int depth;
	bool first[MAX_DEPTH];	/* no element written yet at this depth */
	bool after_key;
};

static struct json_writer *jw_new(FILE *fp, struct strbuf *sb, bool pretty)
{
	struct json_writer *w = xcalloc(1, sizeof(*w));

	w->fp = fp;
	w->sb = sb;
	strbuf_init(&w->stage, 0);
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

struct json_writer *jw_new_file(FILE *fp, bool pretty)
{
	return jw_new(fp, NULL, pretty);
}

struct json_writer *jw_new_strbuf(struct strbuf *sb, bool pretty)
{
	return jw_new(NULL, sb, pretty);
}

void jw_destroy(struct json_writer *w)
{
	if (w && w->fp && w->pretty)
		fputc('\n', w->fp);
	if (w)
		strbuf_release(&w->stage);
	free(w);
}

/* where a call's output goes: the caller's strbuf, or the stage of a file's writer */
static struct strbuf *target(struct json_writer *w)
{
	return w->sb ? w->sb : &w->stage;
}

static void out(struct json_writer *w, const char *s, size_t n)
{
	strbuf_add(target(w), s, n);
}

/* the end of every public call: a file's writer writes the call's output in one piece, so
 * that what its caller writes to the file between two calls lands in order */
static void jw_done(struct json_writer *w)
{
	if (w->fp && w->stage.len) {
		fwrite(w->stage.buf, 1, w->stage.len, w->fp);
		strbuf_reset(&w->stage);
	}
}

static void outs(struct json_writer *w, const char *s)
{
	out(w, s, strlen(s));
}

static void newline(struct json_writer *w)
{
	if (!w->pretty)
		return;
	strbuf_addch(target(w), '\n');
	for (int i = 0; i < w->depth; i++)
		strbuf_add(target(w), "  ", 2);
}

/* before a value or a key: separator and indentation, unless a key was just written */
static void sep(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		outs(w, ",");
	w->first[w->depth] = false;
	if (w->depth)
		newline(w);
}

static void open(struct json_writer *w, const char *c)
{
	sep(w);
	outs(w, c);
	if (w->depth < MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct json_writer *w, const char *c)
{
	bool empty = w->first[w->depth];

	if (w->depth)
		w->depth--;
	if (!empty)
		newline(w);
	outs(w, c);
}

void jw_start_object(struct json_writer *w) { open(w, "{"); jw_done(w); }
void jw_end_object(struct json_writer *w) { close_(w, "}"); jw_done(w); }
void jw_start_array(struct json_writer *w) { open(w, "["); jw_done(w); }
void jw_end_array(struct json_writer *w) { close_(w, "]"); jw_done(w); }

void json_escape(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	strbuf_addch(sb, '"');
	while (*p) {
		/* copy the run of characters that need no escaping in one go */
		const unsigned char *run = p;

		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '<')
			p++;
		if (p > run)
			strbuf_add(sb, run, (size_t)(p - run));
		if (!*p)
			break;
		unsigned char c = *p;

		if (c == '<') {
			/* "</" and "<!" as \u003c: the JSON stays inert inside an HTML <script> */
			strbuf_addstr(sb, p[1] == '/' || p[1] == '!' ? "\\u003c" : "<");
			p++;
		} else if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\u%04x", c);
			p++;
		} else {
			/* one well-formed UTF-8 character (RFC 3629), or U+FFFD: strict JSON
			 * readers reject overlong forms and UTF-16 surrogates */
			int n = vx_utf8_len(p);

			if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
				/* U+2028/9 end a line in JavaScript before ES2019 */
				strbuf_addstr(sb, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
				p += n;
			} else if (n) {
				strbuf_add(sb, p, (size_t)n);
				p += n;
			} else {
				strbuf_addstr(sb, "\\ufffd");
				p++;
			}
		}
	}
	strbuf_addch(sb, '"');
}

void jw_key(struct json_writer *w, const char *key)
{
	sep(w);
	json_escape(target(w), key);
	outs(w, w->pretty ? ": " : ":");
	w->after_key = true;
	jw_done(w);
}

void jw_string(struct json_writer *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	sep(w);
	json_escape(target(w), s);
	jw_done(w);
}

void jw_int(struct json_writer *w, int64_t v)
{
	char b[32];

	sep(w);
	snprintf(b, sizeof(b), "%" PRId64, v);
	outs(w, b);
	jw_done(w);
}

void jw_double(struct json_writer *w, double v)
{
	char b[40];

	if (!isfinite(v)) {
		jw_null(w);	/* JSON has no NaN or infinity */
		return;
	}
	sep(w);
	/* the shortest of %.15g / %.17g that reads back as the same double */
	snprintf(b, sizeof(b), "%.15g", v);
	if (strtod(b, NULL) != v)
		snprintf(b, sizeof(b), "%.17g", v);
	outs(w, b);
	jw_done(w);
}

void jw_uint(struct json_writer *w, uint64_t v)
{
	char b[32];

	sep(w);
	snprintf(b, sizeof(b), "%" PRIu64, v);
	outs(w, b);
	jw_done(w);
}

void jw_bool(struct json_writer *w, bool v)
{
	sep(w);
	outs(w, v ? "true" : "false");
	jw_done(w);
}

void jw_null(struct json_writer *w)
{
	sep(w);
	outs(w, "null");
	jw_done(w);
}

void jw_kstring(struct json_writer *w, const char *k, const char *s) { jw_key(w, k); jw_string(w, s); }
void jw_kint(struct json_writer *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
void jw_kuint(struct json_writer *w, const char *k, uint64_t v) { jw_key(w, k); jw_uint(w, v); }
void jw_kbool(struct json_writer *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }

void jw_decimal(struct json_writer *w, int64_t v, int scale)
{
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v, div = 1;
	char b[48];

	if (scale <= 0 || scale > 18) {
		jw_int(w, v);
		return;
	}
	for (int i = 0; i < scale; i++)
		div *= 10;
	sep(w);
	snprintf(b, sizeof(b), "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", mag / div, scale,
		 mag % div);
	outs(w, b);
	jw_done(w);
}

/* ---- reader ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | (cp >> 6)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xe0 | (cp >> 12)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

/* parse a JSON string at *pp (at the quote) into @sb; 0 ok, -1 bad */
static int parse_string(const char **pp, struct strbuf *sb)
{
	const char *p = *pp;

	if (*p != '"')
		return -1;
	p++;
	strbuf_reset(sb);
	while (*p && *p != '"') {
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': strbuf_addch(sb, '\n'); break;
			case 't': strbuf_addch(sb, '\t'); break;
			case 'r': strbuf_addch(sb, '\r'); break;
			case 'b': strbuf_addch(sb, '\b'); break;
			case 'f': strbuf_addch(sb, '\f'); break;
			case 'u': {
				char h[5] = { 0 };

				for (int i = 0; i < 4; i++) {
					if (!p[1 + i])
						return -1;
					h[i] = p[1 + i];
				}
				unsigned cp = (unsigned)strtoul(h, NULL, 16);

				put_utf8(sb, cp ? cp : 0xfffd);
				p += 4;
				break;
			}
			case '\0': return -1;
			default: strbuf_addch(sb, *p); break;
			}
			p++;
		} else {
			strbuf_addch(sb, *p++);
		}
	}
	if (*p != '"')
		return -1;
	*pp = p + 1;
	return 0;
}

int json_parse_flat(const char *s, struct arena *a, struct vx_field **out)
{
	struct strbuf k = STRBUF_INIT, v = STRBUF_INIT;
	size_t n = 0, cap = 0;
	struct vx_field *f = NULL;
	const char *p = skip_ws(s);
	int ret = -1;

	*out = NULL;
	if (*p++ != '{')
		goto done;
	p = skip_ws(p);
	if (*p == '}') {
		ret = 0;
		goto done;
	}
	for (;;) {
		p = skip_ws(p);
		if (parse_string(&p, &k) < 0)
			goto done;
		p = skip_ws(p);
		if (*p++ != ':')
			goto done;
		p = skip_ws(p);
		if (*p == '"') {
			if (parse_string(&p, &v) < 0)
				goto done;
		} else {
			const char *e = p;

			while (*e && *e != ',' && *e != '}' && *e != ' ')
				e++;
			if (e == p)
				goto done;
			strbuf_reset(&v);
			strbuf_add(&v, p, (size_t)(e - p));
			p = e;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct vx_field *nf = arena_alloc(a, nc * sizeof(*nf));

			if (n)
				memcpy(nf, f, n * sizeof(*nf));
			f = nf;
			cap = nc;
		}
		f[n].key = arena_strndup(a, k.buf, k.len);
		f[n].value = arena_strndup(a, v.buf, v.len);
		n++;
		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}')
			break;
		goto done;
	}
	*out = f;
	ret = (int)n;
done:
	strbuf_release(&k);
	strbuf_release(&v);
	return ret;
}
