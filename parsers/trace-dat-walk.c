/* trace-dat-walk.c: our own walk of a trace.dat's header (versions 6 and 7): every offset and
 * size is checked against the file size before it is used; it finds the uname, the clock,
 * the per-CPU statistics, the v6 kallsyms, the v7 sections and buffers, and the CPU data
 * blocks a truncated v6 copy cuts short (td_patched_copy shrinks them to whole pages).
 * Must not: print, or decode events.
 */
#define _GNU_SOURCE	/* O_TMPFILE */
#include "trace-dat-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "decode/ring-stats.h"

static int walk_read(struct td_walk *w, void *dst, uint64_t n, const char *what)
{
	ssize_t r;

	if (w->pos > w->size || n > w->size - w->pos)
		return vx_error("%s: truncated or damaged trace.dat: %s at offset %llu needs %llu bytes,"
				" but the file ends at offset %llu", w->name, what, (unsigned long long)w->pos,
				(unsigned long long)n, (unsigned long long)w->size);
	do {
		r = pread(w->fd, dst, n, (off_t)w->pos);
	} while (r < 0 && errno == EINTR);
	if (r < 0 || (uint64_t)r != n)
		return vx_error("%s: read error at offset %llu: %s", w->name,
				(unsigned long long)w->pos, r < 0 ? strerror(errno) : "short read");
	w->pos += n;
	return 0;
}

uint64_t walk_num(const struct td_walk *w, const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[w->bigendian ? n - 1 - i : i] << (8 * i);
	return v;
}

static int walk_uint(struct td_walk *w, int n, uint64_t *v, const char *what)
{
	unsigned char b[8];

	if (walk_read(w, b, (uint64_t)n, what) < 0)
		return -1;
	*v = walk_num(w, b, n);
	return 0;
}

static int walk_skip(struct td_walk *w, uint64_t n, const char *what)
{
	if (w->pos > w->size || n > w->size - w->pos)
		return vx_error("%s: truncated or damaged trace.dat: %s at offset %llu is %llu bytes long,"
				" the file ends after %llu", w->name, what, (unsigned long long)w->pos,
				(unsigned long long)n, (unsigned long long)(w->size - w->pos));
	w->pos += n;
	return 0;
}

/* walk_sized - a block preceded by its size (@n bytes) */
static int walk_sized(struct td_walk *w, int n, const char *what)
{
	uint64_t len;

	return walk_uint(w, n, &len, what) < 0 ? -1 : walk_skip(w, len, what);
}

/* walk_str - a NUL-terminated string of at most @max bytes into @out */
static int walk_str(struct td_walk *w, char *out, size_t max, const char *what)
{
	for (size_t i = 0; i < max; i++) {
		if (walk_read(w, out + i, 1, what) < 0)
			return -1;
		if (!out[i])
			return 0;
	}
	return vx_error("%s: damaged trace.dat: %s at offset %llu is not a string", w->name, what,
			(unsigned long long)(w->pos - max));
}

static int walk_expect(struct td_walk *w, const char *label, size_t len)
{
	char buf[32];
	uint64_t at = w->pos;

	if (walk_read(w, buf, len, label) < 0)
		return -1;
	if (memcmp(buf, label, len))
		return vx_error("%s: damaged trace.dat: expected \"%s\" at offset %llu", w->name,
				label, (unsigned long long)at);
	return 0;
}

/* a CPU data block (offset, size) must lie inside the file; in a version 6 file, whose CPU
 * data come last, a block cut short is noted (@pos: where its pair is) for a partial import */
static int walk_check_data(struct td_walk *w, uint64_t off, uint64_t size, int cpu, uint64_t pos)
{
	if (off <= w->size && size <= w->size - off)
		return 0;
	if (w->version == 6 && pos != TD_NOPOS) {
		VX_GROW(w->cuts, w->ncuts, w->acuts);
		w->cuts[w->ncuts++] = (struct td_cut){ pos, off, size };
		return 0;
	}
	return vx_error("%s: truncated trace.dat: the data of cpu %d (offset %llu, %llu bytes)"
			" goes past the end of the file (%llu bytes); the copy is incomplete",
			w->name, cpu, (unsigned long long)off, (unsigned long long)size,
			(unsigned long long)w->size);
}

/* a v7 section header at @off: id, flags, description string id, size; the whole section
 * must be in the file */
static int walk_section(struct td_walk *w, uint64_t off, uint16_t *id, uint16_t *flags, uint64_t *size)
{
	unsigned char h[16];

	w->pos = off;
	if (walk_read(w, h, sizeof(h), "section header") < 0)
		return -1;
	*id = (uint16_t)walk_num(w, h, 2);
	*flags = (uint16_t)walk_num(w, h + 2, 2);
	*size = walk_num(w, h + 8, 8);
	if (*size > w->size - w->pos)
		return vx_error("%s: truncated trace.dat: section %u at offset %llu is %llu bytes long,"
				" the file ends after %llu", w->name, *id, (unsigned long long)off,
				(unsigned long long)*size, (unsigned long long)(w->size - w->pos));
	return 0;
}

static void stat_add(struct td_walk *w, int cpu, uint64_t lost)
{
	struct td_stat *s;

	VX_GROW(w->stats, w->nstats, w->astats);
	s = &w->stats[w->nstats++];

	snprintf(s->buffer, sizeof(s->buffer), "%s", w->stat_buffer);
	s->cpu = cpu;
	s->lost = lost;
}

/* CPUSTAT option: "CPU: 1\nentries: 0\noverrun: 0\n..." or "\nBuffer: NAME\n\n", which
 * says that the following stats belong to buffer instance NAME */
static void walk_cpustat(struct td_walk *w, char *text)
{
	const char *b = strstr(text, "Buffer: ");

	if (b && !strstr(text, "CPU:")) {
		size_t n = strcspn(b + 8, "\n");

		if (n >= sizeof(w->stat_buffer))
			n = sizeof(w->stat_buffer) - 1;
		memcpy(w->stat_buffer, b + 8, n);
		w->stat_buffer[n] = '\0';
		return;
	}
	const char *c = strstr(text, "CPU:");

	if (!c)
		return;
	stat_add(w, atoi(c + 4), vx_ring_lost_entries(text));
}

/* walk_opt_section - a v7 option that names the offset of a header section (@buf, @len
 * bytes, the option at @start) */
static int walk_opt_section(struct td_walk *w, unsigned id, const char *buf, uint64_t len, uint64_t start)
{
	uint16_t sid, sflags;
	uint64_t ssize, v;
	int ret;

	if (w->version < 7)
		return 0;
	if (len < 8)
		return vx_error("%s: damaged trace.dat: option %u at offset %llu is too short",
				w->name, id, (unsigned long long)start);
	v = walk_num(w, (const unsigned char *)buf, 8);
	ret = walk_section(w, v, &sid, &sflags, &ssize);
	if (!ret && sid == id && w->sec[id - TD_OPT_HEADER_INFO] == TD_NOPOS)
		w->sec[id - TD_OPT_HEADER_INFO] = v;
	else
		w->libtracecmd_only = true;
	return ret;
}

/* walk_opt_buffer_v6 - a v6 buffer option: the offset of its "flyrecord" table of (offset,
 * size) per cpu */
static int walk_opt_buffer_v6(struct td_walk *w, uint64_t off)
{
	int ret = 0;

	w->pos = off;
	if (walk_expect(w, "flyrecord", 10) < 0)
		return -1;
	for (int cpu = 0; cpu < w->cpus && !ret; cpu++) {
		uint64_t doff, dsize;

		if (walk_uint(w, 8, &doff, "cpu data offset") < 0 ||
		    walk_uint(w, 8, &dsize, "cpu data size") < 0)
			ret = -1;
		else
			ret = walk_check_data(w, doff, dsize, cpu, w->pos - 16);
	}
	return ret;
}

/* walk_opt_buffer_v7 - a v7 buffer option (@buf, @len bytes, the option at @start): offset,
 * name, clock, page size, cpus, then per cpu: id, data offset, data size */
static int walk_opt_buffer_v7(struct td_walk *w, const char *buf, uint64_t len, uint64_t start, uint64_t off)
{
	size_t p = 8, n;
	uint64_t v;
	int ret = 0;
	struct td_wbuf *wb;

	for (int s = 0; s < 2; s++) {	/* name, clock */
		n = strnlen(buf + p, len - p);
		p += n + 1;
	}
	if (p + 8 > len)
		return vx_error("%s: damaged trace.dat: buffer option at offset %llu is too short",
				w->name, (unsigned long long)start);
	v = walk_num(w, (const unsigned char *)buf + p + 4, 4);	/* cpus */
	p += 8;
	if (v > (len - p) / 20)
		return vx_error("%s: damaged trace.dat: buffer option at offset %llu lists %llu cpus"
				" in %llu bytes", w->name, (unsigned long long)start,
				(unsigned long long)v, (unsigned long long)len);
	VX_GROW(w->bufs, w->nbufs, w->abufs);
	wb = &w->bufs[w->nbufs++];
	snprintf(wb->name, sizeof(wb->name), "%.*s", (int)strnlen(buf + 8, len - 8), buf + 8);
	if (strnlen(buf + 8, len - 8) >= sizeof(wb->name))
		w->libtracecmd_only = true;
	wb->page_size = (uint32_t)walk_num(w, (const unsigned char *)buf + p - 8, 4);
	wb->ncpus = (uint32_t)v;
	wb->cpu = xcalloc(v ? v : 1, sizeof(*wb->cpu));
	for (uint64_t i = 0; i < v && !ret; i++, p += 20) {
		wb->cpu[i].id = (int)walk_num(w, (const unsigned char *)buf + p, 4);
		wb->cpu[i].off = walk_num(w, (const unsigned char *)buf + p + 4, 8);
		wb->cpu[i].size = walk_num(w, (const unsigned char *)buf + p + 12, 8);
		ret = walk_check_data(w, wb->cpu[i].off, wb->cpu[i].size, wb->cpu[i].id, TD_NOPOS);
	}
	if (!ret) {
		uint16_t sid, sflags;
		uint64_t ssize;

		ret = walk_section(w, off, &sid, &sflags, &ssize);
	}
	return ret;
}

/* walk_opt_buffer - a buffer option (@buf, @len bytes, the option at @start) */
static int walk_opt_buffer(struct td_walk *w, const char *buf, uint64_t len, uint64_t start)
{
	if (len < 9)
		return vx_error("%s: damaged trace.dat: buffer option at offset %llu is too short",
				w->name, (unsigned long long)start);
	if (w->version < 7)
		return walk_opt_buffer_v6(w, walk_num(w, (const unsigned char *)buf, 8));
	return walk_opt_buffer_v7(w, buf, len, start, walk_num(w, (const unsigned char *)buf, 8));
}

/* walk_opt_clock - TRACECLOCK "[local] global counter ...": the selected clock is in brackets */
static void walk_opt_clock(struct td_walk *w, const char *buf)
{
	const char *o = strchr(buf, '['), *c = o ? strchr(o, ']') : NULL;

	if (o && c && (size_t)(c - o - 1) < sizeof(w->clock)) {
		memcpy(w->clock, o + 1, (size_t)(c - o - 1));
		w->clock[c - o - 1] = '\0';
	}
}

/* walk_option - one option's payload (@len bytes at w->pos); *@next gets DONE's offset */
static int walk_option(struct td_walk *w, unsigned id, uint64_t len, uint64_t *next)
{
	uint64_t start = w->pos;
	char *buf;
	int ret = 0;

	if (len > w->size - w->pos)
		return vx_error("%s: truncated trace.dat: option %u at offset %llu is %llu bytes long,"
				" the file ends after %llu", w->name, id, (unsigned long long)w->pos,
				(unsigned long long)len, (unsigned long long)(w->size - w->pos));
	if (len > (64u << 20))
		return vx_error("%s: damaged trace.dat: option %u at offset %llu claims %llu bytes",
				w->name, id, (unsigned long long)w->pos, (unsigned long long)len);
	buf = xmalloc(len + 1);
	if (walk_read(w, buf, len, "option") < 0) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	switch (id) {
	case TD_OPT_DONE:
		if (w->version >= 7)
			*next = len >= 8 ? walk_num(w, (unsigned char *)buf, 8) : 0;
		break;
	case TD_OPT_CPUSTAT:
		walk_cpustat(w, buf);
		break;
	case TD_OPT_UNAME:
		snprintf(w->uname, sizeof(w->uname), "%s", buf);
		break;
	case TD_OPT_TRACECLOCK:
		walk_opt_clock(w, buf);
		break;
	case TD_OPT_HEADER_INFO: case TD_OPT_FTRACE_EVENTS: case TD_OPT_EVENT_FORMATS:
	case TD_OPT_KALLSYMS: case TD_OPT_PRINTK: case TD_OPT_CMDLINES:
		ret = walk_opt_section(w, id, buf, len, start);
		break;
	case TD_OPT_BUFFER:
		ret = walk_opt_buffer(w, buf, len, start);
		break;
	case 1: case 7: case 12: case 13: case 14: case TD_OPT_BUFFER_TEXT:
		/* DATE, OFFSET, TIME_SHIFT, GUEST, TSC2NSEC change the timestamps; latency text */
		w->libtracecmd_only = true;
		break;
	default:
		if (id > 25)
			w->libtracecmd_only = true;	/* newer than this reader */
		break;
	}
	free(buf);
	w->pos = start + len;
	return ret;
}

/* v6 options: id (2), size (4), payload ... until id 0 */
static int walk_options_v6(struct td_walk *w)
{
	for (int i = 0; i < TD_MAX_SECTIONS; i++) {
		uint64_t id, len, next = 0;

		if (walk_uint(w, 2, &id, "option id") < 0)
			return -1;
		if (id == TD_OPT_DONE)
			return 0;
		if (walk_uint(w, 4, &len, "option size") < 0 ||
		    walk_option(w, (unsigned)id, len, &next) < 0)
			return -1;
	}
	return vx_error("%s: damaged trace.dat: more than %d options", w->name, TD_MAX_SECTIONS);
}

static int walk_v6(struct td_walk *w)
{
	uint64_t n, m, v;
	char label[10], sys[256];

	if (walk_expect(w, "header_page", 12) < 0 || walk_sized(w, 8, "header page") < 0 ||
	    walk_expect(w, "header_event", 13) < 0 || walk_sized(w, 8, "header event") < 0)
		return -1;
	if (walk_uint(w, 4, &n, "ftrace event count") < 0)
		return -1;
	for (uint64_t i = 0; i < n; i++)
		if (walk_sized(w, 8, "ftrace event format") < 0)
			return -1;
	if (walk_uint(w, 4, &n, "event system count") < 0)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		if (walk_str(w, sys, sizeof(sys), "event system name") < 0 ||
		    walk_uint(w, 4, &m, "event count") < 0)
			return -1;
		for (uint64_t j = 0; j < m; j++)
			if (walk_sized(w, 8, "event format") < 0)
				return -1;
	}
	if (walk_uint(w, 4, &w->ks_len, "kallsyms size") < 0)
		return -1;
	w->ks_pos = w->pos;
	if (walk_skip(w, w->ks_len, "kallsyms") < 0 || walk_sized(w, 4, "trace_printk formats") < 0 ||
	    walk_sized(w, 8, "saved cmdlines") < 0 || walk_uint(w, 4, &v, "cpu count") < 0)
		return -1;
	if (v > 65536)
		return vx_error("%s: damaged trace.dat: %llu cpus", w->name, (unsigned long long)v);
	w->cpus = (int)v;
	for (int i = 0; i < TD_MAX_SECTIONS; i++) {
		uint64_t at = w->pos;

		if (w->pos == w->size && w->cpus == 0)
			return 0;	/* header-only file */
		if (walk_read(w, label, sizeof(label), "options or data label") < 0)
			return -1;
		if (!memcmp(label, "options  ", 10)) {
			if (walk_options_v6(w) < 0)
				return -1;
			continue;
		}
		if (!memcmp(label, "latency  ", 10))
			return 0;	/* text up to the end of the file */
		if (!memcmp(label, "flyrecord", 10)) {
			for (int cpu = 0; cpu < w->cpus; cpu++) {
				uint64_t off, size;

				if (walk_uint(w, 8, &off, "cpu data offset") < 0 ||
				    walk_uint(w, 8, &size, "cpu data size") < 0 ||
				    walk_check_data(w, off, size, cpu, w->pos - 16) < 0)
					return -1;
			}
			return 0;
		}
		return vx_error("%s: damaged trace.dat: unknown section at offset %llu (expected options,"
				" flyrecord or latency)", w->name, (unsigned long long)at);
	}
	return vx_error("%s: damaged trace.dat: too many option blocks", w->name);
}

static int walk_v7(struct td_walk *w)
{
	char s[64];
	uint64_t next;

	if (walk_str(w, w->comp, sizeof(w->comp), "compression name") < 0 ||
	    walk_str(w, s, sizeof(s), "compression version") < 0 ||
	    walk_uint(w, 8, &next, "options offset") < 0)
		return -1;
	for (int i = 0; next; i++) {
		uint16_t id, flags;
		uint64_t size, end, at = next;

		if (i == TD_MAX_SECTIONS)
			return vx_error("%s: damaged trace.dat: the options sections form a loop", w->name);
		if (walk_section(w, next, &id, &flags, &size) < 0)
			return -1;
		if (id != TD_OPT_DONE)
			return vx_error("%s: damaged trace.dat: section at offset %llu is not an options"
					" section", w->name, (unsigned long long)at);
		if (flags & TD_SEC_COMPRESSED) {
			w->libtracecmd_only = true;
			return 0;	/* not written by trace-cmd; leave the checks to libtracecmd */
		}
		end = w->pos + size;
		next = 0;
		while (w->pos + 6 <= end) {
			uint64_t oid, len;

			if (walk_uint(w, 2, &oid, "option id") < 0 || walk_uint(w, 4, &len, "option size") < 0)
				return -1;
			if (len > end - w->pos)
				return vx_error("%s: damaged trace.dat: option %llu at offset %llu overruns its"
						" section", w->name, (unsigned long long)oid,
						(unsigned long long)w->pos);
			if (walk_option(w, (unsigned)oid, len, &next) < 0)
				return -1;
			if (oid == TD_OPT_DONE)
				break;
		}
		if (next && next <= at)
			return vx_error("%s: damaged trace.dat: options section at offset %llu points back"
					" to offset %llu", w->name, (unsigned long long)at,
					(unsigned long long)next);
	}
	return 0;
}

/* td_walk_file - check the whole header of the open trace.dat @fd; fills @w */
int td_walk_file(struct td_walk *w)
{
	unsigned char h[TD_MAGIC_LEN + 16];
	char ver[16];
	struct stat st;

	if (fstat(w->fd, &st) < 0)
		return vx_error("%s: cannot stat: %s", w->name, strerror(errno));
	w->size = (uint64_t)st.st_size;
	w->pos = 0;
	w->ks_pos = TD_NOPOS;
	for (size_t i = 0; i < sizeof(w->sec) / sizeof(w->sec[0]); i++)
		w->sec[i] = TD_NOPOS;
	if (walk_read(w, h, TD_MAGIC_LEN, "magic") < 0)
		return -1;
	if (memcmp(h, TD_MAGIC, TD_MAGIC_LEN))
		return vx_error("%s: not a trace.dat file (bad magic)", w->name);
	if (walk_str(w, ver, sizeof(ver), "version") < 0)
		return -1;
	w->version = atoi(ver);
	if (w->version != 6 && w->version != 7)
		return vx_error("%s: trace.dat version '%s' is not supported (6 and 7 are)", w->name, ver);
	if (walk_read(w, h, 6, "file header") < 0)
		return -1;
	w->bigendian = h[0] != 0;
	w->page_size = (uint32_t)walk_num(w, h + 2, 4);
	if (h[1] != 4 && h[1] != 8)
		return vx_error("%s: damaged trace.dat: long size %u", w->name, h[1]);
	return w->version == 6 ? walk_v6(w) : walk_v7(w);
}

/* td_tmpfd - an unlinked temporary file in $TMPDIR or /tmp (caller closes); -1 + vx_error */
int td_tmpfd(const char *name)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		struct strbuf path = STRBUF_INIT;

		strbuf_addf(&path, "%s/vxanalyze-trace-dat.XXXXXX", dir);
		fd = mkstemp(path.buf);
		if (fd >= 0)
			unlink(path.buf);
		strbuf_release(&path);
		if (fd < 0)
			return vx_error("%s: cannot create a temporary copy in %s: %s", name, dir,
					strerror(errno));
	}
	return fd;
}

int td_write_all(const char *name, int fd, const void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return vx_error("%s: cannot write the temporary copy: %s", name, strerror(errno));
		done += (size_t)w;
	}
	return 0;
}

/*
 * td_patched_copy - a temporary copy of the truncated version 6 file @fd in which every CPU
 * data block cut short (w->cuts) is shrunk to its complete pages, so that libtracecmd reads
 * what is there and nothing past the end. Returns the descriptor (caller closes) or -1.
 */
int td_patched_copy(struct td_walk *w, int fd)
{
	uint32_t ps = w->page_size >= 512 && !(w->page_size & (w->page_size - 1)) ? w->page_size : 4096;
	char buf[65536];
	uint64_t pos = 0;
	int out = td_tmpfd(w->name);

	if (out < 0)
		return -1;
	while (pos < w->size) {
		size_t n = w->size - pos < sizeof(buf) ? (size_t)(w->size - pos) : sizeof(buf);
		ssize_t r = pread(fd, buf, n, (off_t)pos);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			vx_error("%s: read error at offset %llu: %s", w->name, (unsigned long long)pos,
				 r < 0 ? strerror(errno) : "file shrank");
			close(out);
			return -1;
		}
		if (td_write_all(w->name, out, buf, (size_t)r) < 0) {
			close(out);
			return -1;
		}
		pos += (uint64_t)r;
	}
	for (size_t i = 0; i < w->ncuts; i++) {
		const struct td_cut *c = &w->cuts[i];
		uint64_t avail = c->off < w->size ? w->size - c->off : 0, size = c->size;
		unsigned char pair[16];

		if (size > avail)
			size = avail / ps * ps;
		for (int k = 0; k < 8; k++) {
			int sh = 8 * (w->bigendian ? 7 - k : k);

			pair[k] = (unsigned char)(c->off >> sh);
			pair[8 + k] = (unsigned char)(size >> sh);
		}
		if (pwrite(out, pair, sizeof(pair), (off_t)c->pos) != (ssize_t)sizeof(pair)) {
			vx_error("%s: cannot patch the temporary copy: %s", w->name, strerror(errno));
			close(out);
			return -1;
		}
	}
	if (lseek(out, 0, SEEK_SET) < 0) {
		vx_error("%s: cannot rewind the temporary copy: %s", w->name, strerror(errno));
		close(out);
		return -1;
	}
	return out;
}

void td_walk_release(struct td_walk *w)
{
	free(w->stats);
	free(w->cuts);
	for (size_t i = 0; i < w->nbufs; i++)
		free(w->bufs[i].cpu);
	free(w->bufs);
}
