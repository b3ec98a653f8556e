/* trace-dat-direct.c: the direct reader of the trace.dat importer: version 7 files,
 * uncompressed or zstd, read without libtracecmd in the importing process (see below).
 * Every size read from the file is checked before anything is allocated or read for it.
 * Must not: print; a damaged page is a warning through the sink.
 */
#include "trace-dat-int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event-parse.h>
#include <traceevent/kbuffer.h>
#include <zstd.h>

#include "core/error.h"
#include "core/xalloc.h"

/* ---- the direct reader: version 7 files read without libtracecmd, in the importing process ----
 *
 * libtracecmd's open parses every event format and the whole kallsyms (0.23 s of a 0.48 s
 * import of a 44,000-event file with the full kallsyms), and its per-record iteration
 * allocates each record. For a version 7 file, uncompressed or zstd, without the options
 * that change timestamps, the importing process reads the sections itself (no reading
 * process, no pipe: the events go straight to the sink): the formats are parsed when their
 * event id first appears, the kallsyms as for every input (td_file_kallsyms, the one kallsyms
 * parser of src/decode), and the CPU data page by page
 * with libtraceevent's kbuffer, the CPUs of all buffers merged by timestamp as
 * tracecmd_iterate_events_multi does (the earliest first, ties to the first buffer and cpu).
 * Since a crash or a hang here is one of vxanalyze, the reader is robust by construction:
 * every size read from the file is checked against the file (and a bound) before anything is
 * allocated or read for it; every section, chunk and page is checked before kbuffer sees it
 * (td_page_walks: kbuffer loops on a header that points back); every step of the page walk
 * and of the merge consumes file data or a record, or ends with an error naming the file and
 * the offset. A page that commits more than a page holds ends its CPU as in libtracecmd
 * ("bad page read"), counted and said (td_bad_page).
 */
#define TD_MAX_SECTION (512u << 20)	/* uncompressed header section */
#define TD_MAX_CHUNK (64u << 20)	/* uncompressed CPU data chunk */
#define TD_MAX_WINDOWS (128u << 20)	/* all CPUs' pages and chunks in memory at once */
#define TD_PAGE_SLACK 64		/* zeroes after a page: kbuffer and tep read a few bytes past short records */

struct td_lazy {
	const char *sys;	/* "ftrace" or the system name, in its section */
	const char *fmt;
	size_t len;
	bool parsed;
};

struct td_dcpu {
	struct td_buffer *b;
	int cpu;
	uint64_t pos, end;	/* file range of this cpu's data still to read */
	uint32_t chunks;	/* compressed: chunks left */
	uint64_t wbase;		/* file offset of the page (uncompressed) or chunk header in win */
	unsigned char *win;	/* current page (uncompressed) or chunk (compressed) + slack */
	size_t wlen, wcap, wpos;	/* bytes in win, its size, next page in it */
	unsigned char *page;	/* page loaded into kbuf */
	struct kbuffer *kbuf;
	bool has;		/* rec is the next record */
	struct tep_record rec;
};

struct td_direct {
	struct td_import *im;
	struct td_walk *w;
	int fd;
	bool zstd;
	uint32_t ps;		/* page size */
	int hdr;		/* page header: timestamp + commit */
	int lsize;		/* kernel long size (commit field) */
	struct tep_handle *tep;
	char *sec[TD_OPT_CMDLINES - TD_OPT_HEADER_INFO + 1];	/* loaded sections (+NUL) */
	size_t seclen[TD_OPT_CMDLINES - TD_OPT_HEADER_INFO + 1];
	struct td_lazy *lazy;	/* by event id, up to the largest id of the file */
	size_t nlazy;
	struct td_dcpu *cpus;
	size_t ncpus;
	unsigned char *cbuf;	/* compressed chunk */
	size_t ccap;
	size_t win_total;	/* bytes of every cpu's win, at most TD_MAX_WINDOWS */
	uint64_t data_total;	/* the cpus' data sizes (their options'), at most the file */
	uint64_t consumed;	/* bytes of it read, for the progress bar */
	ZSTD_DCtx *dctx;	/* one decompression context for every section and chunk */
};

/*
 * td_big_alloc - @n bytes for a section or the symbol table (a full kallsyms is 5 MB):
 * from 2 MB on, mapped with transparent huge pages where the kernel allows them, because
 * faulting in 4 KiB pages one by one was most of the time of reading such a section (on a
 * virtual machine a page fault costs tens of microseconds). Freed with td_big_free(@n).
 */
#define TD_BIG (2u << 20)
static void *td_big_alloc(size_t n)
{
	void *p;

	if (n < TD_BIG)
		return xmalloc(n);
	p = mmap(NULL, (n + TD_BIG - 1) & ~(size_t)(TD_BIG - 1), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		vx_die_oom(n);
#ifdef MADV_HUGEPAGE
	madvise(p, (n + TD_BIG - 1) & ~(size_t)(TD_BIG - 1), MADV_HUGEPAGE);
#endif
	return p;
}

static void td_big_free(void *p, size_t n)
{
	if (n < TD_BIG)
		free(p);
	else
		munmap(p, (n + TD_BIG - 1) & ~(size_t)(TD_BIG - 1));
}

/* td_zstd_size_ok - the zstd frame at @c (@csize bytes) does not say it holds another size
 * than the @usize the file claims (checked before @usize bytes are allocated for it) */
static bool td_zstd_size_ok(const void *c, size_t csize, uint32_t usize)
{
	unsigned long long n = ZSTD_getFrameContentSize(c, csize);

	return n == ZSTD_CONTENTSIZE_UNKNOWN || n == usize;
}

static int td_pread(struct td_direct *d, void *dst, size_t n, uint64_t off)
{
	if (off > d->w->size || n > d->w->size - off)
		return vx_error("%s: damaged trace.dat: %zu bytes at offset %llu go past the end of"
				" the file", d->w->name, n, (unsigned long long)off);
	for (size_t done = 0; done < n;) {
		ssize_t r = pread(d->fd, (char *)dst + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return vx_error("%s: read error at offset %llu: %s", d->w->name,
					(unsigned long long)(off + done), r < 0 ? strerror(errno) : "short read");
		done += (size_t)r;
	}
	return 0;
}

/* td_load_section - section @id (its payload, uncompressed) into d->sec (stays NULL when the
 * file has none); 1 when the section is left to libtracecmd (compressed otherwise than with
 * zstd, or damaged: its messages stay the ones users know), -1 on a read error */
static int td_load_section(struct td_direct *d, unsigned id)
{
	unsigned k = id - TD_OPT_HEADER_INFO;
	uint64_t at = d->w->sec[k], size;
	unsigned char h[16];
	char *out;

	if (at == TD_NOPOS)
		return 0;
	if (td_pread(d, h, sizeof(h), at) < 0)
		return -1;
	size = walk_num(d->w, h + 8, 8);	/* inside the file: td_walk_file checked */
	at += sizeof(h);
	if (walk_num(d->w, h + 2, 2) & TD_SEC_COMPRESSED) {
		unsigned char c[8];
		uint32_t csize, usize;
		size_t r;

		if (!d->zstd || size < 8)
			return 1;
		if (td_pread(d, c, 8, at) < 0)
			return -1;
		csize = (uint32_t)walk_num(d->w, c, 4);
		usize = (uint32_t)walk_num(d->w, c + 4, 4);
		if (csize > size - 8 || usize > TD_MAX_SECTION)
			return 1;
		if (csize > d->ccap) {
			free(d->cbuf);
			d->cbuf = xmalloc(csize);
			d->ccap = csize;
		}
		if (td_pread(d, d->cbuf, csize, at + 8) < 0)
			return -1;
		if (!td_zstd_size_ok(d->cbuf, csize, usize))
			return 1;
		out = td_big_alloc((size_t)usize + 1);
		r = ZSTD_decompressDCtx(d->dctx, out, usize, d->cbuf, csize);
		if (ZSTD_isError(r) || r != usize) {
			td_big_free(out, (size_t)usize + 1);
			return 1;
		}
		size = usize;
	} else {
		if (size > TD_MAX_SECTION)
			return 1;
		out = td_big_alloc((size_t)size + 1);
		if (td_pread(d, out, (size_t)size, at) < 0) {
			td_big_free(out, (size_t)size + 1);
			return -1;
		}
	}
	out[size] = '\0';
	d->sec[k] = out;
	d->seclen[k] = (size_t)size;
	return 0;
}

/* a cursor over a loaded section: numbers and sized blocks, bounds checked */
struct td_cur {
	const char *p, *end;
};

static bool cur_num(struct td_direct *d, struct td_cur *c, int n, uint64_t *v)
{
	if (c->end - c->p < n)
		return false;
	*v = walk_num(d->w, (const unsigned char *)c->p, n);
	c->p += n;
	return true;
}

static bool cur_block(struct td_direct *d, struct td_cur *c, int n, const char **b, size_t *len)
{
	uint64_t v;

	if (!cur_num(d, c, n, &v) || v > (uint64_t)(c->end - c->p))
		return false;
	*b = c->p;
	*len = (size_t)v;
	c->p += v;
	return true;
}

/* the "ID: n" line of a format */
static int td_format_id(const char *fmt, size_t len)
{
	for (size_t i = 0; i + 4 < len; i++)
		if ((i == 0 || fmt[i - 1] == '\n') && !memcmp(fmt + i, "ID: ", 4)) {
			long v = 0;
			size_t k = i + 4;

			if (k >= len || !isdigit((unsigned char)fmt[k]))
				return -1;
			for (; k < len && isdigit((unsigned char)fmt[k]) && v < 65536; k++)
				v = v * 10 + (fmt[k] - '0');
			return v < 65536 ? (int)v : -1;
		}
	return -1;
}

static void td_lazy_add(struct td_direct *d, const char *sys, const char *fmt, size_t len)
{
	int id = td_format_id(fmt, len);

	if (id < 0)
		return;
	if ((size_t)id >= d->nlazy) {
		size_t n = (size_t)id + 1 > 2 * d->nlazy ? (size_t)id + 1 : 2 * d->nlazy;

		if (n > 65536)
			n = 65536;
		d->lazy = xrealloc(d->lazy, n * sizeof(*d->lazy));
		memset(d->lazy + d->nlazy, 0, (n - d->nlazy) * sizeof(*d->lazy));
		d->nlazy = n;
	}
	if (d->lazy[id].fmt)
		return;
	d->lazy[id] = (struct td_lazy){ sys, fmt, len, false };
}

/* td_event - the event of record @rec, its format parsed the first time its id appears */
static struct tep_event *td_event(struct td_direct *d, struct tep_record *rec)
{
	struct tep_event *ev = tep_find_event_by_record(d->tep, rec);
	int id;

	if (ev || rec->size < 2)
		return ev;
	id = tep_data_type(d->tep, rec);
	if (id < 0 || (size_t)id >= d->nlazy || !d->lazy[id].fmt || d->lazy[id].parsed)
		return NULL;
	d->lazy[id].parsed = true;
	vx_tep_parse_event(d->tep, d->lazy[id].fmt, d->lazy[id].len, d->lazy[id].sys);
	return tep_find_event_by_record(d->tep, rec);
}

/*
 * td_printk - the trace_printk formats ("ADDR : \"format\"" lines) into @tep. Only the lines
 * whose format has at least 3 bytes go to tep_parse_printk_formats(): it skips the byte
 * after the first ':' and a '"', then looks at the last 3 bytes of what is left, reading
 * before or past the string on a shorter one (found by AddressSanitizer on damaged files).
 */
static void td_printk(struct tep_handle *tep, const char *b, size_t len)
{
	struct strbuf keep = STRBUF_INIT;
	const char *end = b + strnlen(b, len);

	while (b < end) {
		const char *nl = memchr(b, '\n', (size_t)(end - b)), *p = b, *colon;

		if (!nl)
			nl = end;
		while (p < nl && *p == ':')	/* strtok_r skips leading separators */
			p++;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (colon && colon + 2 <= nl) {
			const char *f = colon + 2;	/* the space after ':' skipped */

			if (f < nl && *f == '"')
				f++;
			if (nl - f < 3)
				colon = NULL;
		} else {
			colon = NULL;
		}
		if (colon) {
			strbuf_add(&keep, b, (size_t)(nl - b));
			strbuf_addch(&keep, '\n');
		}
		b = nl + 1;
	}
	if (keep.len)
		tep_parse_printk_formats(tep, keep.buf);
	strbuf_release(&keep);
}

static void td_direct_release(struct td_direct *d);

/* td_new_tep - d->tep set up for the file: no plugins, its byte order, long and page size */
static int td_new_tep(struct td_direct *d)
{
	d->tep = tep_alloc();
	if (!d->tep)
		return 1;
	tep_set_flag(d->tep, TEP_DISABLE_SYS_PLUGINS | TEP_DISABLE_PLUGINS);
	tep_set_file_bigendian(d->tep, d->w->bigendian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(d->tep, htonl(1) == 1 ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(d->tep, d->lsize);
	tep_set_page_size(d->tep, (int)d->w->page_size);
	return 0;
}

/* td_section - a cursor over loaded section @id */
static struct td_cur td_section(const struct td_direct *d, unsigned id)
{
	unsigned k = id - TD_OPT_HEADER_INFO;

	return (struct td_cur){ d->sec[k], d->sec[k] + d->seclen[k] };
}

/* td_header_page - header info: "header_page\0", size, text (then the event header, unused);
 * 1 when the page header is not one this reader knows */
static int td_header_page(struct td_direct *d)
{
	struct td_cur c = td_section(d, TD_OPT_HEADER_INFO);
	const char *b;
	size_t len;

	if (c.end - c.p < 12 || memcmp(c.p, "header_page", 12))
		return 1;
	c.p += 12;
	if (!cur_block(d, &c, 8, &b, &len) ||
	    tep_parse_header_page(d->tep, (char *)b, len, d->lsize) < 0 ||
	    tep_get_header_timestamp_size(d->tep) != 8)
		return 1;
	d->lsize = tep_get_header_page_size(d->tep);
	if (d->lsize != 4 && d->lsize != 8)
		return 1;
	d->hdr = 8 + d->lsize;
	return 0;
}

/* td_formats - the ftrace and event formats, remembered by id (parsed on first use); 1 on a
 * section that does not hold up */
static int td_formats(struct td_direct *d)
{
	struct td_cur c;
	const char *b;
	size_t len;
	uint64_t n, m;

	if (d->sec[TD_OPT_FTRACE_EVENTS - TD_OPT_HEADER_INFO]) {
		c = td_section(d, TD_OPT_FTRACE_EVENTS);
		if (!cur_num(d, &c, 4, &n))
			return 1;
		for (uint64_t i = 0; i < n; i++) {
			if (!cur_block(d, &c, 8, &b, &len))
				return 1;
			td_lazy_add(d, "ftrace", b, len);
		}
	}
	c = td_section(d, TD_OPT_EVENT_FORMATS);
	if (!cur_num(d, &c, 4, &n))
		return 1;
	for (uint64_t i = 0; i < n; i++) {
		const char *sys = c.p;
		size_t sl = strnlen(c.p, (size_t)(c.end - c.p));

		if (sl == (size_t)(c.end - c.p))
			return 1;
		c.p += sl + 1;
		if (!cur_num(d, &c, 4, &m))
			return 1;
		for (uint64_t j = 0; j < m; j++) {
			if (!cur_block(d, &c, 8, &b, &len))
				return 1;
			td_lazy_add(d, sys, b, len);
		}
	}
	/* tep finds the common_type field of a record in the first event it parsed */
	for (size_t id = 0; id < d->nlazy; id++)
		if (d->lazy[id].fmt) {
			d->lazy[id].parsed = true;
			vx_tep_parse_event(d->tep, d->lazy[id].fmt, d->lazy[id].len, d->lazy[id].sys);
			if (tep_get_events_count(d->tep) > 0)
				break;
		}
	return 0;
}

/* td_printk_cmdlines - the trace_printk formats and the saved cmdlines into d->tep */
static void td_printk_cmdlines(struct td_direct *d)
{
	struct td_cur c;
	const char *b;
	size_t len;

	if (d->sec[TD_OPT_PRINTK - TD_OPT_HEADER_INFO]) {
		c = td_section(d, TD_OPT_PRINTK);
		if (cur_block(d, &c, 4, &b, &len) && len)
			td_printk(d->tep, b, len);
	}
	if (d->sec[TD_OPT_CMDLINES - TD_OPT_HEADER_INFO]) {
		c = td_section(d, TD_OPT_CMDLINES);
		if (cur_block(d, &c, 8, &b, &len) && len) {
			char *t = xstrndup(b, len);

			tep_parse_saved_cmdlines(d->tep, t);
			free(t);
		}
	}
}

/* td_direct_headers - the tep of the file from its sections (the kallsyms were read by
 * td_file_kallsyms); 1: leave it to libtracecmd */
static int td_direct_headers(struct td_direct *d)
{
	int ret;

	for (unsigned id = TD_OPT_HEADER_INFO; id <= TD_OPT_CMDLINES; id++)
		if (id != TD_OPT_KALLSYMS && (ret = td_load_section(d, id)) != 0)
			return ret;
	if (!d->sec[0] || !d->sec[TD_OPT_EVENT_FORMATS - TD_OPT_HEADER_INFO])
		return 1;
	if ((ret = td_new_tep(d)) != 0 || (ret = td_header_page(d)) != 0 || (ret = td_formats(d)) != 0)
		return ret;
	td_printk_cmdlines(d);
	return 0;
}

/*
 * td_file_kallsyms - the file's kallsyms text (v6: in the header; v7: its section, zstd or
 * not) parsed by the one kallsyms parser into im->file_ks, for both readers. A v7 section
 * compressed otherwise leaves the table empty and says so: the frames stay addresses.
 */
void td_file_kallsyms(struct td_import *im, struct td_walk *w, int fd)
{
	struct td_direct d = { .im = im, .w = w, .fd = fd };
	unsigned k = TD_OPT_KALLSYMS - TD_OPT_HEADER_INFO;
	const char *b = NULL;
	size_t len = 0;
	char *v6 = NULL;

	if (w->version == 6 && w->ks_pos != TD_NOPOS && w->ks_len) {
		v6 = xmalloc(w->ks_len + 1);
		if (td_pread(&d, v6, w->ks_len, w->ks_pos) == 0) {
			b = v6;
			len = (size_t)w->ks_len;
		}
	} else if (w->version == 7 && w->sec[k] != TD_NOPOS) {
		d.zstd = !strcmp(w->comp, "zstd");
		if (d.zstd && !(d.dctx = ZSTD_createDCtx()))
			vx_die_oom(sizeof(ZSTD_DCtx *));
		if (td_load_section(&d, TD_OPT_KALLSYMS) == 0 && d.sec[k]) {
			struct td_cur c = td_section(&d, TD_OPT_KALLSYMS);

			if (!cur_block(&d, &c, 4, &b, &len))
				b = NULL;
		} else {
			vx_sink_warn(im->sink, "%s: kernel addresses kept as hex: the kallsyms section"
				     " (compression '%s') cannot be read", w->name, w->comp);
		}
	}
	if (b && len && vx_kallsyms_parse(&im->file_ks, b, len, w->name) < 0)
		vx_kallsyms_release(&im->file_ks);
	vx_error_clear();
	free(v6);
	td_direct_release(&d);
}

/*
 * td_page_walks - the event headers of the page @pg (@commit bytes of events) lead forward:
 * kbuffer follows a padding or data header's length as it is, and a length that points back
 * (or at itself) makes it loop for ever. The same steps as kbuffer's translate_data().
 */
static bool td_page_walks(const struct td_direct *d, const unsigned char *pg, uint32_t commit)
{
	const unsigned char *ev = pg + d->hdr;
	uint32_t off = 0;

	while (off < commit) {
		uint32_t h = (uint32_t)walk_num(d->w, ev + off, 4), next;
		uint32_t type = d->w->bigendian ? h >> 27 : h & 31;

		switch (type) {
		case 29:	/* padding: length in the next word */
			next = off + 8 + (uint32_t)walk_num(d->w, ev + off + 4, 4) - 4;
			break;
		case 30: case 31:	/* time extend, time stamp */
			next = off + 8;
			break;
		case 0: {
			int len = (int)((uint32_t)walk_num(d->w, ev + off + 4, 4) - 4);

			len = (len + 3) & ~3;
			next = off + 8 + (uint32_t)len;
			break;
		}
		default:
			next = off + 4 + type * 4;
			break;
		}
		if (next <= off)
			return false;
		off = next;
	}
	return true;
}

/* td_page_where - where the page at @at in @c's window is, for a message: "at offset N"
 * (uncompressed) or "N of the zstd chunk at offset M" */
static void td_page_where(const struct td_direct *d, const struct td_dcpu *c, size_t at, char *out,
			  size_t n)
{
	if (d->zstd)
		snprintf(out, n, "%zu of the zstd chunk at offset %llu", at / d->ps + 1,
			 (unsigned long long)c->wbase);
	else
		snprintf(out, n, "at offset %llu", (unsigned long long)(c->wbase + at));
}

/* td_pages_left - the pages of @c not read yet (its window, then its file data); a chunk
 * header that does not hold up ends the count */
static uint64_t td_pages_left(struct td_direct *d, const struct td_dcpu *c)
{
	uint64_t n = (c->wlen - c->wpos) / d->ps, pos = c->pos;

	if (!d->zstd)
		return n + (c->end - c->pos) / d->ps;
	for (uint32_t k = 0; k < c->chunks; k++) {
		unsigned char h[8];
		uint32_t csize, usize;

		if (c->end - pos < 8 || td_pread(d, h, 8, pos) < 0)
			break;
		csize = (uint32_t)walk_num(d->w, h, 4);
		usize = (uint32_t)walk_num(d->w, h + 4, 4);
		if (csize > c->end - pos - 8 || usize > TD_MAX_CHUNK || usize % d->ps)
			break;
		n += usize / d->ps;
		pos += 8 + (uint64_t)csize;
	}
	vx_error_clear();
	return n;
}

/*
 * td_bad_page - the page at @at in @c's window commits @commit bytes, more than a page holds.
 * libtracecmd says "bad page read" and ends the cpu there; so does this reader (the same
 * events either way), but not silently: that page and every page after it on this cpu count
 * as skipped records, and the sink gets a warning naming the file, cpu and offset. Returns
 * 0 (the end of @c's data).
 */
static int td_bad_page(struct td_direct *d, struct td_dcpu *c, size_t at, uint64_t commit)
{
	struct vx_sink *sink = d->im->sink;
	uint64_t after = td_pages_left(d, c);
	char where[96], what[160];

	td_page_where(d, c, at, where, sizeof(where));
	snprintf(what, sizeof(what), "page %s of cpu %d: commit %llu bytes > page size %u", where,
		 c->cpu, (unsigned long long)commit, d->ps);
	vx_sink_skip(sink, what, strlen(what));
	sink->skipped += after;
	vx_sink_warn(sink, "%s: damaged trace.dat: the page %s of cpu %d commits %llu bytes, more than"
		     " a page holds; its events and the %llu pages after it on that cpu are not"
		     " imported", d->w->name, where, c->cpu, (unsigned long long)commit,
		     (unsigned long long)after);
	c->wpos = c->wlen;
	c->pos = c->end;
	c->chunks = 0;
	return 0;
}

/* td_skip_rest - count the rest of @c's current page as one skipped unit, @why */
static void td_skip_rest(struct td_direct *d, const struct td_dcpu *c, const char *why)
{
	char where[96], what[200];

	td_page_where(d, c, (size_t)(c->page - c->win), where, sizeof(where));
	snprintf(what, sizeof(what), "page %s of cpu %d: %s", where, c->cpu, why);
	vx_sink_skip(d->im->sink, what, strlen(what));
}

/* td_window - @c's window at least @n bytes (+ slack, zeroed); -1 past TD_MAX_WINDOWS */
static int td_window(struct td_direct *d, struct td_dcpu *c, size_t n)
{
	if (n + TD_PAGE_SLACK <= c->wcap)
		return 0;
	if (n + TD_PAGE_SLACK > TD_MAX_WINDOWS - (d->win_total - c->wcap))
		return vx_error("%s: damaged trace.dat: the data of cpu %d at offset %llu needs %zu bytes"
				" of pages in memory, beyond the %u MB of all cpus together", d->w->name,
				c->cpu, (unsigned long long)c->pos, n, TD_MAX_WINDOWS >> 20);
	d->win_total -= c->wcap;
	free(c->win);
	c->wcap = n + TD_PAGE_SLACK;
	c->win = xcalloc(1, c->wcap);
	d->win_total += c->wcap;
	return 0;
}

/* td_progress - @n more bytes of cpu data read: the progress bar sees the header and the
 * cpu data read so far (every 64 KB) */
static void td_progress(struct td_direct *d, uint64_t n)
{
	uint64_t before = d->consumed;

	d->consumed += n;
	if (d->consumed >> 16 != before >> 16 && d->consumed <= d->data_total)
		vx_input_progress(d->im->in, d->w->size - d->data_total + d->consumed);
}

/* td_next_page - load the next page of @c into its kbuffer: 1, or 0 at the end of its data
 * (or at a page libtracecmd would not read either, td_bad_page), -1 on an error. Every turn
 * of the loop consumes a page, a page's worth of file or a chunk. */
static int td_next_page(struct td_direct *d, struct td_dcpu *c)
{
	for (;;) {
		if (c->wpos + d->ps <= c->wlen) {
			unsigned char *pg = c->win + c->wpos;
			uint64_t commit = walk_num(d->w, pg + 8, d->lsize) & ((1u << 27) - 1);
			size_t at = c->wpos;

			c->wpos += d->ps;
			if (commit > d->ps - (uint32_t)d->hdr)
				return td_bad_page(d, c, at, commit);
			if (!td_page_walks(d, pg, (uint32_t)commit)) {
				char where[96];

				td_page_where(d, c, at, where, sizeof(where));
				return vx_error("%s: damaged trace.dat: the page %s of cpu %d has an event"
						" header that points backwards", d->w->name, where, c->cpu);
			}
			c->page = pg;
			kbuffer_load_subbuffer(c->kbuf, pg);
			return 1;
		}
		if (!d->zstd) {
			if (c->end - c->pos < d->ps) {
				if (c->end > c->pos) {
					char what[160];

					snprintf(what, sizeof(what), "%llu bytes at offset %llu, the end of the"
						 " data of cpu %d: less than a page",
						 (unsigned long long)(c->end - c->pos),
						 (unsigned long long)c->pos, c->cpu);
					vx_sink_skip(d->im->sink, what, strlen(what));
				}
				return 0;
			}
			if (td_window(d, c, d->ps) < 0 || td_pread(d, c->win, d->ps, c->pos) < 0)
				return -1;
			c->wbase = c->pos;
			c->pos += d->ps;
			c->wpos = 0;
			c->wlen = d->ps;
			td_progress(d, d->ps);
			continue;
		}
		unsigned char h[8];
		uint32_t csize, usize;
		size_t r;

		if (!c->chunks)
			return 0;
		c->chunks--;
		if (c->end - c->pos < 8 || td_pread(d, h, 8, c->pos) < 0)
			return vx_error("%s: damaged trace.dat: chunk header of cpu %d at offset %llu is"
					" past its data", d->w->name, c->cpu, (unsigned long long)c->pos);
		csize = (uint32_t)walk_num(d->w, h, 4);
		usize = (uint32_t)walk_num(d->w, h + 4, 4);
		if (csize > c->end - c->pos - 8 || usize > TD_MAX_CHUNK || usize % d->ps)
			return vx_error("%s: damaged trace.dat: chunk of cpu %d at offset %llu claims %u"
					" bytes in %u", d->w->name, c->cpu, (unsigned long long)c->pos, usize,
					csize);
		if (csize > d->ccap) {
			free(d->cbuf);
			d->cbuf = xmalloc(csize);
			d->ccap = csize;
		}
		if (td_pread(d, d->cbuf, csize, c->pos + 8) < 0)
			return -1;
		if (!td_zstd_size_ok(d->cbuf, csize, usize))
			return vx_error("%s: damaged trace.dat: chunk of cpu %d at offset %llu claims %u"
					" bytes, its zstd frame another size", d->w->name, c->cpu,
					(unsigned long long)c->pos, usize);
		if (td_window(d, c, usize) < 0)
			return -1;
		r = ZSTD_decompressDCtx(d->dctx, c->win, usize, d->cbuf, csize);
		if (ZSTD_isError(r) || r != usize)
			return vx_error("%s: damaged trace.dat: chunk of cpu %d at offset %llu does not"
					" decompress", d->w->name, c->cpu, (unsigned long long)c->pos);
		memset(c->win + usize, 0, TD_PAGE_SLACK);
		c->wbase = c->pos;
		c->pos += 8 + (uint64_t)csize;
		c->wpos = 0;
		c->wlen = usize;
		td_progress(d, 8 + (uint64_t)csize);
	}
}

/* td_peek - make c->rec the next record of @c (c->has false at its end); -1 on an error.
 * Each turn reads a record of the loaded page or loads the next page. */
static int td_peek(struct td_direct *d, struct td_dcpu *c)
{
	unsigned long long ts;
	void *data;
	int r;

	c->has = false;
	if (!c->page) {
		if ((r = td_next_page(d, c)) <= 0)
			return r;
	}
	for (;;) {
		data = kbuffer_read_event(c->kbuf, &ts);
		if (data) {
			int size = kbuffer_event_size(c->kbuf);

			if (size >= 0 && (unsigned char *)data >= c->page &&
			    (unsigned char *)data + size <= c->page + d->ps)
				break;
			td_skip_rest(d, c, "a record runs past the end of its page; the rest of the page");
		}
		if ((r = td_next_page(d, c)) <= 0) {
			c->page = NULL;
			return r;
		}
	}
	memset(&c->rec, 0, sizeof(c->rec));
	c->rec.ts = ts;
	c->rec.size = kbuffer_event_size(c->kbuf);
	c->rec.cpu = c->cpu;
	c->rec.data = data;
	c->rec.missed_events = kbuffer_missed_events(c->kbuf);
	c->rec.ref_count = 1;
	kbuffer_next_event(c->kbuf, NULL);
	c->has = true;
	return 0;
}

static void td_direct_release(struct td_direct *d)
{
	for (size_t i = 0; i < sizeof(d->sec) / sizeof(d->sec[0]); i++)
		if (d->sec[i])
			td_big_free(d->sec[i], d->seclen[i] + 1);
	for (size_t i = 0; i < d->ncpus; i++) {
		if (d->cpus[i].kbuf)
			kbuffer_free(d->cpus[i].kbuf);
		free(d->cpus[i].win);
	}
	free(d->cpus);
	free(d->lazy);
	free(d->cbuf);
	if (d->dctx)
		ZSTD_freeDCtx(d->dctx);
	if (d->tep)
		tep_free(d->tep);
}

/*
 * td_direct_check - whether this reader takes the file (0; 1: libtracecmd's) and the cpus'
 * data size for the progress bar into d->data_total; @top receives the index of the buffer
 * without a name (SIZE_MAX: none). -1 when the buffers overlap.
 */
static int td_direct_check(struct td_direct *d, size_t *top)
{
	struct td_walk *w = d->w;
	uint64_t data = 0;

	if (w->version != 7 || w->libtracecmd_only || w->ncuts || !w->nbufs)
		return 1;
	/* the reference reader, for comparing the two (tests, a doubtful import) */
	if (getenv("VX_TRACE_DAT_READER") && !strcmp(getenv("VX_TRACE_DAT_READER"), "libtracecmd"))
		return 1;
	if (!strcmp(w->comp, "zstd"))
		d->zstd = true;
	else if (strcmp(w->comp, "none") && w->comp[0])
		return 1;
	d->ps = w->page_size;
	if (d->ps < 512 || d->ps > (1u << 20) || (d->ps & (d->ps - 1)))
		return 1;
	*top = SIZE_MAX;
	for (size_t i = 0; i < w->nbufs; i++) {
		if (w->bufs[i].page_size != d->ps)
			return 1;
		if (!w->bufs[i].name[0]) {
			if (*top != SIZE_MAX)
				return 1;
			*top = i;
		}
		/* uncompressed, the cpus' data are distinct ranges of the file (each was checked
		 * to be inside it): more than the file in all is data counted twice */
		for (uint32_t j = 0; j < w->bufs[i].ncpus; j++) {
			data += w->bufs[i].cpu[j].size;
			if (d->zstd && data > w->size)
				data = w->size;	/* zstd: the sizes are only for the progress bar */
		}
		if (!d->zstd && data > w->size)
			return vx_error("%s: damaged trace.dat: the buffers' cpu data add up to more than"
					" the file (%llu bytes); they overlap", w->name,
					(unsigned long long)w->size);
	}
	d->data_total = data < w->size ? data : w->size;
	return 0;
}

/* td_direct_cpu - cpu @wc of buffer @b as the reader's cpu @c: its kbuffer, its file range
 * (zstd: its chunk count first); -1 on a cpu without a chunk count */
static int td_direct_cpu(struct td_direct *d, struct td_dcpu *c, struct td_buffer *b, const struct td_wcpu *wc)
{
	struct td_walk *w = d->w;
	unsigned char h[4];

	c->b = b;
	c->cpu = wc->id;
	c->pos = wc->off;
	c->end = wc->off + wc->size;
	c->kbuf = kbuffer_alloc(d->lsize == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
				w->bigendian ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
	if (!c->kbuf)
		vx_die_oom(sizeof(struct kbuffer *));
	if (!wc->size || !d->zstd)
		return 0;
	if (wc->size < 4 || td_pread(d, h, 4, c->pos) < 0)
		return vx_error("%s: damaged trace.dat: data of cpu %d at offset %llu has no chunk count",
				w->name, c->cpu, (unsigned long long)c->pos);
	c->chunks = (uint32_t)walk_num(w, h, 4);
	c->pos += 4;
	/* the option's size is not the compressed size: the chunks are read as libtracecmd
	 * reads them, one after the other, within the file */
	c->end = w->size;
	return 0;
}

/* td_direct_cpus - the buffers as td_read() has them: the top-level one (empty when the file
 * has no buffer option without a name, index @top), then the instances in the order of their
 * options; their cpus into d->cpus */
static int td_direct_cpus(struct td_direct *d, size_t top)
{
	struct td_import *im = d->im;
	struct td_walk *w = d->w;
	size_t *order = xmalloc((w->nbufs + 1) * sizeof(*order)), norder = 1;
	int ret = 0;

	order[0] = top;
	for (size_t i = 0; i < w->nbufs; i++)
		if (i != top)
			order[norder++] = i;
	im->bufs = xcalloc(norder, sizeof(*im->bufs));
	im->nbufs = (int)norder;
	for (size_t k = 0; k < norder; k++) {
		im->bufs[k].name = order[k] == SIZE_MAX ? "" : w->bufs[order[k]].name;
		d->ncpus += order[k] == SIZE_MAX ? 0 : w->bufs[order[k]].ncpus;
	}
	d->cpus = xcalloc(d->ncpus ? d->ncpus : 1, sizeof(*d->cpus));
	d->ncpus = 0;
	for (size_t k = 0; k < norder && !ret; k++) {
		size_t i = order[k];

		for (uint32_t j = 0; i != SIZE_MAX && j < w->bufs[i].ncpus && !ret; j++)
			ret = td_direct_cpu(d, &d->cpus[d->ncpus++], &im->bufs[k], &w->bufs[i].cpu[j]);
	}
	free(order);
	return ret;
}

/* td_merge - every cpu's records in time order into td_record_in(), as
 * tracecmd_iterate_events_multi does (the earliest first, ties to the first buffer and cpu);
 * then the events still waiting and the lost events. 0 or -1 */
static int td_merge(struct td_direct *d)
{
	struct td_import *im = d->im;
	uint64_t lost = 0;

	for (size_t i = 0; i < d->ncpus; i++)
		if (d->cpus[i].end > d->cpus[i].pos && td_peek(d, &d->cpus[i]) < 0)
			return -1;
	/* each turn hands one record on and reads the next of its cpu */
	for (;;) {
		struct td_dcpu *next = NULL;

		for (size_t i = 0; i < d->ncpus; i++)
			if (d->cpus[i].has && (!next || d->cpus[i].rec.ts < next->rec.ts))
				next = &d->cpus[i];
		if (!next)
			break;
		if (td_record_in(im, next->b, d->tep, td_event(d, &next->rec), &next->rec) || im->err)
			return -1;
		if (td_peek(d, next) < 0)
			return -1;
	}
	/* the events still waiting for a stack, while the tables they were decoded with live */
	if (td_finish(im) < 0)
		return -1;
	for (int i = 0; i < im->nbufs; i++)
		lost += td_lost(d->w, &im->bufs[i], im->stacked);
	im->sink->lost_events += lost;
	vx_input_progress(im->in, d->w->size);
	return 0;
}

/*
 * td_read_direct - read the version 7 file @fd without libtracecmd, in the importing
 * process: records into td_record_in(), events straight to the sink, then the lost events
 * (td_lost) onto the sink. Returns 0 when done, 1 when the file needs libtracecmd (nothing
 * read or handed to the sink yet), -1 on an error (vx_error() set, naming the file).
 */
int td_read_direct(struct td_import *im, struct td_walk *w, int fd)
{
	struct td_direct d = { .im = im, .w = w, .fd = fd };
	size_t top = SIZE_MAX;
	unsigned char h[1];
	int ret = td_direct_check(&d, &top);

	if (ret)
		return ret;
	/* the file header's long size: after the magic, "7\0", endianness */
	if (td_pread(&d, h, 1, TD_MAGIC_LEN + 3) < 0)
		return -1;
	d.lsize = h[0];
	if (d.zstd && !(d.dctx = ZSTD_createDCtx()))
		vx_die_oom(sizeof(ZSTD_DCtx *));
	ret = td_direct_headers(&d);
	if (!ret && tep_is_old_format(d.tep))
		ret = 1;	/* pages of kernels before 2.6.31: libtracecmd knows them */
	if (!ret)
		ret = td_direct_cpus(&d, top) < 0 || td_merge(&d) < 0 ? -1 : 0;
	td_direct_release(&d);
	return ret;
}
