/* trace-dat.c: importer of trace-cmd's trace.dat files (versions 6 and 7) with the file's
 * own event formats, kallsyms and saved cmdlines. Our own walk of the header checks every
 * offset and size against the file size first (a version 6 copy cut inside its CPU data is
 * imported up to its last complete page, marked truncated). A version 7 file, uncompressed
 * or zstd (what trace-cmd writes), is read in the importing process by the direct reader
 * (td_read_direct: its sections, kbuffer pages merged by timestamp, events straight to the
 * sink), which checks every size against the file before it allocates or reads and makes
 * progress at every step or stops with an error naming the file and offset. Anything else
 * goes through libtracecmd in a child process that passes the events up a pipe, because
 * libtraceevent and libtracecmd crash or loop on some damaged files (the parent gives up on
 * a silent child). Must not print: the child's stderr goes to /dev/null, libtracecmd's and
 * libtraceevent's logs are silenced; a damaged page is a warning through the sink.
 */
#define _GNU_SOURCE	/* O_TMPFILE */
#include "format.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <trace-cmd/trace-cmd.h>
#include <traceevent/kbuffer.h>
#include <zstd.h>

#include "core/error.h"
#include "decode/tep-decode.h"
#include "core/xalloc.h"
#include "decode/kallsyms.h"

#define TD_MAGIC "\027\010\104tracing"
#define TD_MAGIC_LEN 10

/* option ids of the trace.dat format (trace-cmd's Documentation/trace-cmd.dat.v7.5.txt) */
enum {
	TD_OPT_DONE = 0,
	TD_OPT_CPUSTAT = 2,
	TD_OPT_BUFFER = 3,
	TD_OPT_TRACECLOCK = 4,
	TD_OPT_UNAME = 5,
	TD_OPT_HEADER_INFO = 16,
	TD_OPT_FTRACE_EVENTS = 17,
	TD_OPT_EVENT_FORMATS = 18,
	TD_OPT_KALLSYMS = 19,
	TD_OPT_PRINTK = 20,
	TD_OPT_CMDLINES = 21,
	TD_OPT_BUFFER_TEXT = 22,
};
#define TD_SEC_COMPRESSED 1
#define TD_NOPOS UINT64_MAX
#define TD_MAX_SECTIONS 4096

/* ---- our own walk of the file's header: validation, uname, clock, per-CPU stats ---- */

struct td_stat {
	char buffer[128];	/* "" = top-level buffer */
	int cpu;
	uint64_t lost;		/* overrun + commit overrun + dropped events */
};

struct td_walk {
	const char *name;
	int fd;
	uint64_t size;		/* file size */
	uint64_t pos;
	bool bigendian;
	int version;
	int cpus;
	char uname[256];
	char clock[64];
	char stat_buffer[128];	/* buffer the next CPUSTAT options belong to */
	struct td_stat *stats;
	size_t nstats, astats;
	uint32_t page_size;
	/* v6 CPU data blocks that go past the end of the file (a truncated copy): where their
	 * (offset, size) pair is in the file, to import the complete pages of a patched copy */
	struct td_cut {
		uint64_t pos, off, size;
	} *cuts;
	size_t ncuts, acuts;
	/* version 7, for the in-process reader (td_read_direct): the compression, where the
	 * header sections are (TD_NOPOS when absent), the buffers in the order of their
	 * options, and whether an option asks for what only libtracecmd does (time offsets,
	 * TSC conversion, guests, latency text, compressed options) */
	char comp[64];
	uint64_t sec[TD_OPT_CMDLINES - TD_OPT_HEADER_INFO + 1];
	struct td_wbuf {
		char name[128];
		uint32_t page_size;
		uint32_t ncpus;
		struct td_wcpu {
			int id;
			uint64_t off, size;
		} *cpu;
	} *bufs;
	size_t nbufs;
	bool libtracecmd_only;
};

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

static uint64_t walk_num(const struct td_walk *w, const unsigned char *p, int n)
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
		if (w->ncuts == w->acuts) {
			size_t n = w->acuts ? 2 * w->acuts : 8;
			struct td_cut *c = xrealloc(w->cuts, n * sizeof(*c));

			w->cuts = c;
			w->acuts = n;
		}
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
	if (w->nstats == w->astats) {
		size_t n = w->astats ? 2 * w->astats : 16;
		struct td_stat *s = xrealloc(w->stats, n * sizeof(*s));

		w->stats = s;
		w->astats = n;
	}
	struct td_stat *s = &w->stats[w->nstats++];

	snprintf(s->buffer, sizeof(s->buffer), "%s", w->stat_buffer);
	s->cpu = cpu;
	s->lost = lost;
}

static uint64_t stat_value(const char *text, const char *key)
{
	const char *p = text;
	size_t n = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == text || p[-1] == '\n') && p[n] == ':')
			return strtoull(p + n + 1, NULL, 10);
		p += n;
	}
	return 0;
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
	stat_add(w, atoi(c + 4), stat_value(text, "overrun") + stat_value(text, "commit overrun") +
		 stat_value(text, "dropped events"));
}

/* walk_option - one option's payload (@len bytes at w->pos); *@next gets DONE's offset */
static int walk_option(struct td_walk *w, unsigned id, uint64_t len, uint64_t *next)
{
	uint64_t start = w->pos, v;
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
	case TD_OPT_TRACECLOCK: {
		/* "[local] global counter ...": the selected clock is in brackets */
		char *o = strchr(buf, '['), *c = o ? strchr(o, ']') : NULL;

		if (o && c && (size_t)(c - o - 1) < sizeof(w->clock)) {
			memcpy(w->clock, o + 1, (size_t)(c - o - 1));
			w->clock[c - o - 1] = '\0';
		}
		break;
	}
	case TD_OPT_HEADER_INFO: case TD_OPT_FTRACE_EVENTS: case TD_OPT_EVENT_FORMATS:
	case TD_OPT_KALLSYMS: case TD_OPT_PRINTK: case TD_OPT_CMDLINES: {
		uint16_t sid, sflags;
		uint64_t ssize;

		if (w->version < 7)
			break;
		if (len < 8) {
			ret = vx_error("%s: damaged trace.dat: option %u at offset %llu is too short",
				       w->name, id, (unsigned long long)start);
			break;
		}
		v = walk_num(w, (unsigned char *)buf, 8);
		ret = walk_section(w, v, &sid, &sflags, &ssize);
		if (!ret && sid == id && w->sec[id - TD_OPT_HEADER_INFO] == TD_NOPOS)
			w->sec[id - TD_OPT_HEADER_INFO] = v;
		else
			w->libtracecmd_only = true;
		break;
	}
	case TD_OPT_BUFFER: {
		/* v6: offset of a "flyrecord" table + name; v7: offset, name, clock, page size,
		 * cpus, then per cpu: id, data offset, data size */
		size_t p = 8, n;
		uint64_t off;

		if (len < 9) {
			ret = vx_error("%s: damaged trace.dat: buffer option at offset %llu is too short",
				       w->name, (unsigned long long)start);
			break;
		}
		off = walk_num(w, (unsigned char *)buf, 8);
		if (w->version < 7) {
			w->pos = off;
			if (walk_expect(w, "flyrecord", 10) < 0) {
				ret = -1;
				break;
			}
			for (int cpu = 0; cpu < w->cpus && !ret; cpu++) {
				uint64_t doff, dsize;

				if (walk_uint(w, 8, &doff, "cpu data offset") < 0 ||
				    walk_uint(w, 8, &dsize, "cpu data size") < 0)
					ret = -1;
				else
					ret = walk_check_data(w, doff, dsize, cpu, w->pos - 16);
			}
			break;
		}
		for (int s = 0; s < 2; s++) {	/* name, clock */
			n = strnlen(buf + p, len - p);
			p += n + 1;
		}
		if (p + 8 > len) {
			ret = vx_error("%s: damaged trace.dat: buffer option at offset %llu is too short",
				       w->name, (unsigned long long)start);
			break;
		}
		v = walk_num(w, (unsigned char *)buf + p + 4, 4);	/* cpus */
		p += 8;
		if (v > (len - p) / 20) {
			ret = vx_error("%s: damaged trace.dat: buffer option at offset %llu lists %llu cpus"
				       " in %llu bytes", w->name, (unsigned long long)start,
				       (unsigned long long)v, (unsigned long long)len);
			break;
		}
		struct td_wbuf *wb = xrealloc(w->bufs, (w->nbufs + 1) * sizeof(*wb));

		w->bufs = wb;
		wb = &w->bufs[w->nbufs++];
		snprintf(wb->name, sizeof(wb->name), "%.*s", (int)strnlen(buf + 8, len - 8), buf + 8);
		if (strnlen(buf + 8, len - 8) >= sizeof(wb->name))
			w->libtracecmd_only = true;
		wb->page_size = (uint32_t)walk_num(w, (unsigned char *)buf + p - 8, 4);
		wb->ncpus = (uint32_t)v;
		wb->cpu = xcalloc(v ? v : 1, sizeof(*wb->cpu));
		for (uint64_t i = 0; i < v && !ret; i++, p += 20) {
			wb->cpu[i].id = (int)walk_num(w, (unsigned char *)buf + p, 4);
			wb->cpu[i].off = walk_num(w, (unsigned char *)buf + p + 4, 8);
			wb->cpu[i].size = walk_num(w, (unsigned char *)buf + p + 12, 8);
			ret = walk_check_data(w, wb->cpu[i].off, wb->cpu[i].size, wb->cpu[i].id, TD_NOPOS);
		}
		if (!ret) {
			uint16_t sid, sflags;
			uint64_t ssize;

			ret = walk_section(w, off, &sid, &sflags, &ssize);
		}
		break;
	}
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
	if (walk_sized(w, 4, "kallsyms") < 0 || walk_sized(w, 4, "trace_printk formats") < 0 ||
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
static int td_walk_file(struct td_walk *w)
{
	unsigned char h[TD_MAGIC_LEN + 16];
	char ver[16];
	struct stat st;

	if (fstat(w->fd, &st) < 0)
		return vx_error("%s: cannot stat: %s", w->name, strerror(errno));
	w->size = (uint64_t)st.st_size;
	w->pos = 0;
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

/* ---- reading the events through libtracecmd ---- */

/*
 * Events wait in a queue, in the order libtracecmd hands them over (time order), until
 * they are complete: their kernel_stack record arrived, or the next record of their CPU
 * did (which is not a stack, so they have none). The head is emitted as soon as it is
 * complete, so the sink sees the events in time order with their stacks. An event whose CPU
 * falls silent is given up on TD_STACK_WAIT_NS later: the kernel writes the stack in the
 * same tracepoint call, microseconds after the event.
 */
#define TD_STACK_WAIT_NS 10000000ULL
#define TD_NONE UINT64_MAX

/* what every record of one event shares, made the first time the event appears: its
 * "system:name", its fields' names and plans (vx_field_plan searches the print format) */
struct td_evc {
	const struct tep_event *ev;
	char *name;
	size_t nfields;
	struct tep_format_field **f;
	struct vx_field_plan *plan;
};

struct td_pending {
	bool complete;
	uint64_t ts;
	int cpu, pid;
	struct td_buffer *buf;
	const struct td_evc *evc;	/* the event's name and field names */
	const char *comm;	/* in the tep's saved cmdlines; NULL: none */
	struct strbuf text;	/* the evc->nfields values, each NUL-terminated */
	size_t *off;		/* their offsets into text */
	size_t aoff;
	const char **frames;	/* the stack, innermost first: texts of im->frames */
	size_t nframes, aframes;
	const char *const *shared;	/* instead of @frames: a stack seen before (im->stks) */
	uint64_t stack_key;	/* hash of the stack record's addresses (struct vx_event) */
};

struct td_buffer {
	const char *name;	/* "" for the top-level buffer */
	struct tracecmd_input *h;
	int ncpus;		/* size of the two arrays below */
	uint64_t *last;		/* per cpu: queue position of its event waiting for a stack */
	uint64_t *missed;	/* per cpu: missed events reported by the records */
};

struct td_import {
	const char *name;
	struct vx_input *in;	/* for the progress bar */
	struct vx_sink *sink;
	struct td_buffer *bufs;
	int nbufs;
	struct td_pending *q;	/* ring of qcap slots; event number n lives in q[n % qcap] */
	size_t qcap;
	uint64_t qhead, qtail;	/* events qhead..qtail-1 are queued */
	struct vx_kallsyms ksyms;	/* --kallsyms, for addresses the file's kallsyms lacks */
	const struct vx_funcs *funcs;	/* direct reader: the file's kallsyms (NULL: the tep's) */
	struct td_evc **evcs;	/* open addressing on the event pointer; each allocated on
				 * its own: pending events point at them while the table grows */
	size_t nevcs, aevcs;
	/* the comms of recent pids (tep's saved cmdlines do not change while reading) */
	struct td_comm {
		const struct tep_handle *tep;	/* NULL: empty */
		int pid;
		const char *comm;
	} comms[256];
	struct strbuf val;	/* scratch for one value */
	struct vx_field *fields;	/* the sink's side: one event's fields, @str its strings */
	const char **str;
	size_t astr, afields;
	int wire_fd;		/* child: the pipe to the parent; -1: events go to the sink */
	struct strbuf wire;	/* child: events not yet written */
	uint64_t records;	/* records read, for the child's TD_WIRE_ALIVE */
	int err;
	/* the reader: the text of each stack address, made once (a capture repeats a few thousand
	 * return addresses); bounded by the distinct addresses, freed with the import */
	struct td_frame {
		const struct tep_handle *tep;
		unsigned long long addr;
		const char *text;
		size_t len;
	} *frames;
	size_t frames_cap, frames_used;
	struct arena frame_names;
	const struct tep_event *stack_event;	/* ftrace:kernel_stack, once seen */
	/* the stacks seen, by their records' addresses: a repeated stack (most are) costs a
	 * hash and a comparison, not a lookup per frame; bounded by the distinct stacks */
	struct td_stk {
		uint64_t key;		/* 0: empty slot */
		const struct tep_handle *tep;
		const void *raw;	/* the addresses as in the record, @rawlen bytes */
		size_t rawlen;
		const char **frames;
		size_t nframes;
	} *stks;
	size_t nstks, astks;
	struct arena stk_mem;
	/* child: the stacks sent (frame strings -> number), see struct td_wire */
	struct td_sent {
		uint64_t hash;
		size_t len;
		const char *text;
		uint32_t id;	/* 0: empty slot */
	} *sent;
	size_t nsent, asent;
	struct arena sent_text;
	/* parent: the stacks received, by number - 1 */
	struct td_kept {
		char **frames;
		size_t n;
	} *kept;
	size_t nkept, akept;
	struct arena kept_text;
};

/* td_evc_make - the shared part of @ev's records (freed by td_release) */
static void td_evc_make(struct td_evc *c, struct tep_event *ev)
{
	struct strbuf name = STRBUF_INIT;
	size_t n = 0;

	for (struct tep_format_field *f = ev->format.fields; f; f = f->next)
		n++;
	c->ev = ev;
	strbuf_addf(&name, "%s:%s", ev->system ? ev->system : "ftrace", ev->name);
	c->name = strbuf_detach(&name, NULL);
	c->nfields = n;
	c->f = xcalloc(n ? n : 1, sizeof(*c->f));
	c->plan = xcalloc(n ? n : 1, sizeof(*c->plan));
	n = 0;
	for (struct tep_format_field *f = ev->format.fields; f; f = f->next, n++) {
		c->f[n] = f;
		/* Field values follow the one decoder's rules (src/decode/tep-decode.h) so that a
		 * trace.dat, a perf.data and a live recording of the same events give the same
		 * fields. */
		c->plan[n] = vx_field_plan(ev, f);
	}
}

static size_t td_evc_slot(const struct tep_event *ev, size_t cap)
{
	return (size_t)(((uint64_t)(uintptr_t)ev * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

/* td_evc_get - the shared part of @ev's records, made once */
static const struct td_evc *td_evc_get(struct td_import *im, struct tep_event *ev)
{
	struct td_evc *c;
	size_t i;

	if (im->aevcs) {
		for (i = td_evc_slot(ev, im->aevcs); im->evcs[i]; i = (i + 1) & (im->aevcs - 1))
			if (im->evcs[i]->ev == ev)
				return im->evcs[i];
	}
	if ((im->nevcs + 1) * 2 > im->aevcs) {
		size_t n = im->aevcs ? 2 * im->aevcs : 64;
		struct td_evc **t = xcalloc(n, sizeof(*t));

		for (size_t k = 0; k < im->aevcs; k++) {
			if (!im->evcs[k])
				continue;
			for (i = td_evc_slot(im->evcs[k]->ev, n); t[i]; i = (i + 1) & (n - 1))
				;
			t[i] = im->evcs[k];
		}
		free(im->evcs);
		im->evcs = t;
		im->aevcs = n;
	}
	for (i = td_evc_slot(ev, im->aevcs); im->evcs[i]; i = (i + 1) & (im->aevcs - 1))
		;
	c = xmalloc(sizeof(*c));
	td_evc_make(c, ev);
	im->evcs[i] = c;
	im->nevcs++;
	return c;
}

static void td_evc_release(struct td_import *im)
{
	for (size_t i = 0; i < im->aevcs; i++)
		if (im->evcs[i]) {
			free(im->evcs[i]->name);
			free(im->evcs[i]->f);
			free(im->evcs[i]->plan);
			free(im->evcs[i]);
		}
	free(im->evcs);
	im->evcs = NULL;
	im->nevcs = im->aevcs = 0;
}

/* pend_frame - append the frame text @f (kept by im->frames) to the stack of @p */
static void pend_frame(struct td_pending *p, const char *f)
{
	if (p->nframes == p->aframes) {
		size_t a = p->aframes ? 2 * p->aframes : 64;
		const char **v = xrealloc(p->frames, a * sizeof(*v));

		p->frames = v;
		p->aframes = a;
	}
	p->frames[p->nframes++] = f;
}

/*
 * Through libtracecmd, the records are decoded in a child process (td_read_in_child) which
 * sends each complete event to the parent through a pipe: a struct td_wire header and the
 * event's strings, "name\0comm\0key\0value\0...frame\0...". The parent hands them to the
 * sink. (The direct reader, in the importing process, hands them over itself: td_emit.)
 */
enum { TD_WIRE_EVENT = 1, TD_WIRE_END, TD_WIRE_ERROR, TD_WIRE_ALIVE };

/* the child says it is alive every TD_ALIVE_RECORDS records (skipped ones count: a file of
 * other events sends nothing else for a long time); the parent gives up on a child silent for
 * TD_STALL_MS (VX_TRACE_DAT_STALL_MS overrides, for tests): libtraceevent's kbuffer loops for
 * ever on some damaged pages, which libtracecmd hands it unchecked */
#define TD_ALIVE_RECORDS 65536
#define TD_STALL_MS 30000

struct td_wire {
	uint32_t type;
	uint32_t len;		/* bytes after this header */
	uint64_t ts;
	int32_t cpu, pid;
	uint32_t nfields, nframes;
	/* a capture repeats a few hundred stacks: the first time a stack is sent it gets the
	 * next number (its frames follow the fields), later events send only the number
	 * (@stack_ref set, no frame strings); 0: no stack */
	uint32_t stack, stack_ref;
};

static int td_wire_flush(struct td_import *im)
{
	for (size_t done = 0; done < im->wire.len;) {
		ssize_t w = write(im->wire_fd, im->wire.buf + done, im->wire.len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return vx_error("%s: cannot pass events to the importing process: %s", im->name,
					strerror(errno));
		done += (size_t)w;
	}
	strbuf_reset(&im->wire);
	return 0;
}

static int td_wire_put(struct td_import *im, const struct td_wire *h, const void *data)
{
	strbuf_add(&im->wire, h, sizeof(*h));
	strbuf_add(&im->wire, data, h->len);
	return im->wire.len >= 65536 ? td_wire_flush(im) : 0;
}

/* td_stack_number - the number of the stack whose frame strings are @f (@len bytes), and
 * whether it was sent before (*@known); numbers start at 1 */
static uint32_t td_stack_number(struct td_import *im, const char *f, size_t len, bool *known)
{
	uint64_t h = vx_hash64(VX_HASH_INIT, f, len);
	size_t i;

	if ((im->nsent + 1) * 2 > im->asent) {
		size_t n = im->asent ? 2 * im->asent : 1024;
		struct td_sent *t = xcalloc(n, sizeof(*t));

		for (size_t k = 0; k < im->asent; k++) {
			if (!im->sent[k].id)
				continue;
			for (i = im->sent[k].hash & (n - 1); t[i].id; i = (i + 1) & (n - 1))
				;
			t[i] = im->sent[k];
		}
		free(im->sent);
		im->sent = t;
		im->asent = n;
	}
	for (i = h & (im->asent - 1); im->sent[i].id; i = (i + 1) & (im->asent - 1))
		if (im->sent[i].hash == h && im->sent[i].len == len && !memcmp(im->sent[i].text, f, len)) {
			*known = true;
			return im->sent[i].id;
		}
	im->sent[i].hash = h;
	im->sent[i].len = len;
	im->sent[i].text = arena_strndup(&im->sent_text, f, len);
	im->sent[i].id = (uint32_t)++im->nsent;
	*known = false;
	return im->sent[i].id;
}

/* td_strings - room for @nstr strings and @nfields fields in im->str and im->fields */
static void td_strings(struct td_import *im, size_t nstr, size_t nfields)
{
	if (nstr > im->astr) {
		const char **v = xrealloc(im->str, nstr * sizeof(*v));

		im->str = v;
		im->astr = nstr;
	}
	if (nfields > im->afields) {
		struct vx_field *f = xrealloc(im->fields, nfields * sizeof(*f));

		im->fields = f;
		im->afields = nfields;
	}
}

/* td_emit - the event of @p straight to the sink (the direct reader, in the importing
 * process); -1 when the sink fails */
static int td_emit(struct td_import *im, const struct td_pending *p)
{
	const struct td_evc *c = p->evc;
	struct vx_event ev;

	td_strings(im, 0, c->nfields);
	for (size_t i = 0; i < c->nfields; i++) {
		im->fields[i].key = c->f[i]->name;
		im->fields[i].value = p->text.buf + p->off[i];
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = p->ts;
	ev.cpu = p->cpu;
	ev.pid = p->pid;
	ev.comm = p->comm;
	ev.name = c->name;
	ev.fields = im->fields;
	ev.nfields = c->nfields;
	ev.frames = p->shared ? p->shared : p->frames;
	ev.nframes = p->nframes;
	/* the direct reader has one tep and one symbol table per import: the same addresses
	 * are the same frames */
	ev.stack_key = p->nframes ? p->stack_key : 0;
	return vx_sink_event(im->sink, &ev);
}

/* td_flush - hand the event of @p on: to the sink (direct reader), or to the parent as
 * "name\0comm\0key\0value\0...frame\0..." */
static int td_flush(struct td_import *im, struct td_pending *p)
{
	const struct td_evc *c = p->evc;
	struct strbuf *t = &im->val;
	size_t at;

	if (im->wire_fd < 0)
		return td_emit(im, p);
	strbuf_reset(t);
	strbuf_add(t, c->name, strlen(c->name) + 1);
	strbuf_add(t, p->comm ? p->comm : "", p->comm ? strlen(p->comm) + 1 : 1);
	for (size_t i = 0; i < c->nfields; i++) {
		strbuf_add(t, c->f[i]->name, strlen(c->f[i]->name) + 1);
		strbuf_addstr(t, p->text.buf + p->off[i]);
		strbuf_addch(t, '\0');
	}
	at = t->len;
	for (size_t i = 0; i < p->nframes; i++) {
		const char *f = p->shared ? p->shared[i] : p->frames[i];

		strbuf_add(t, f, strlen(f) + 1);
	}

	struct td_wire h = {
		.type = TD_WIRE_EVENT, .len = (uint32_t)t->len, .ts = p->ts,
		.cpu = p->cpu, .pid = p->pid,
		.nfields = (uint32_t)c->nfields, .nframes = (uint32_t)p->nframes,
	};

	if (t->len > UINT32_MAX)
		return vx_error("%s: event too large", im->name);
	if (p->nframes && im->nsent < UINT32_MAX - 1) {
		bool known;

		h.stack = td_stack_number(im, t->buf + at, t->len - at, &known);
		if (known) {
			h.stack_ref = 1;
			h.len = (uint32_t)at;
		}
	}
	return td_wire_put(im, &h, t->buf);
}

/* td_keep_stack - the parent's copy of the stack numbered @h->stack (@frames) */
static int td_keep_stack(struct td_import *im, const struct td_wire *h, const char *const *frames)
{
	struct td_kept *k;

	if (h->stack != im->nkept + 1)
		return vx_error("%s: internal error: stack %u out of order from the reading process",
				im->name, h->stack);
	if (im->nkept == im->akept) {
		size_t n = im->akept ? 2 * im->akept : 256;
		struct td_kept *t = xrealloc(im->kept, n * sizeof(*t));

		im->kept = t;
		im->akept = n;
	}
	k = &im->kept[im->nkept++];
	k->n = h->nframes;
	k->frames = arena_alloc(&im->kept_text, (h->nframes + 1) * sizeof(*k->frames));
	for (size_t i = 0; i < h->nframes; i++)
		k->frames[i] = arena_strdup(&im->kept_text, frames[i]);
	return 0;
}

/* td_deliver - one event received from the child (@t: its @len bytes of strings) to the
 * sink; -1 with vx_error() set when the sink fails or the strings are malformed */
static int td_deliver(struct td_import *im, const struct td_wire *h, const char *t, size_t len)
{
	size_t nstr = 2 + 2 * (size_t)h->nfields + (h->stack_ref ? 0 : h->nframes), k = 0;
	const char **str;
	struct vx_event ev;

	td_strings(im, nstr, h->nfields);
	str = im->str;
	for (size_t pos = 0; pos < len && k < nstr; k++) {
		const char *nul = memchr(t + pos, '\0', len - pos);

		if (!nul)
			break;
		str[k] = t + pos;
		pos = (size_t)(nul - t) + 1;
	}
	if (k != nstr)
		return vx_error("%s: internal error: malformed event from the reading process", im->name);
	for (size_t i = 0; i < h->nfields; i++) {
		im->fields[i].key = str[2 + 2 * i];
		im->fields[i].value = str[3 + 2 * i];
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = h->ts;
	ev.cpu = h->cpu;
	ev.pid = h->pid;
	ev.comm = *str[1] ? str[1] : NULL;
	ev.name = str[0];
	ev.fields = im->fields;
	ev.nfields = h->nfields;
	ev.frames = str + 2 + 2 * (size_t)h->nfields;
	ev.nframes = h->nframes;
	if (h->stack_ref) {
		if (!h->stack || h->stack > im->nkept || im->kept[h->stack - 1].n != h->nframes)
			return vx_error("%s: internal error: unknown stack %u from the reading process",
					im->name, h->stack);
		ev.frames = (const char **)im->kept[h->stack - 1].frames;
	} else if (h->stack && td_keep_stack(im, h, ev.frames) < 0) {
		return -1;
	}
	return vx_sink_event(im->sink, &ev);
}

static struct td_pending *td_slot(struct td_import *im, uint64_t n)
{
	return &im->q[n % im->qcap];
}

/* td_enqueue - a fresh slot at the tail of the queue */
static struct td_pending *td_enqueue(struct td_import *im)
{
	struct td_pending *p;

	if (im->qtail - im->qhead == im->qcap) {
		size_t cap = im->qcap ? 2 * im->qcap : 64;
		struct td_pending *q = xcalloc(cap, sizeof(*q));

		for (uint64_t n = im->qhead; n < im->qtail; n++)
			q[n % cap] = *td_slot(im, n);
		/* the queue was full: every old slot moved, with its buffers */
		free(im->q);
		im->q = q;
		im->qcap = cap;
		for (size_t i = 0; i < cap; i++)
			if (!q[i].text.alloc)
				strbuf_init(&q[i].text, 256);
	}
	p = td_slot(im, im->qtail++);
	strbuf_reset(&p->text);
	p->nframes = 0;
	p->shared = NULL;
	p->stack_key = 0;
	p->complete = false;
	return p;
}

/* td_drain - emit the complete events at the head; @now: time of the current record,
 * UINT64_MAX at the end of the file (everything goes) */
static int td_drain(struct td_import *im, uint64_t now)
{
	while (im->qhead < im->qtail) {
		struct td_pending *p = td_slot(im, im->qhead);

		if (!p->complete && now != UINT64_MAX && now < p->ts + TD_STACK_WAIT_NS)
			break;
		if (!p->complete && p->buf->last[p->cpu] == im->qhead)
			p->buf->last[p->cpu] = TD_NONE;
		if (td_flush(im, p) < 0)
			return -1;
		im->qhead++;
	}
	return 0;
}

/* td_cpu - make room for @cpu in @b's per-cpu arrays; -1 + vx_error on a bad cpu */
static int td_cpu(struct td_import *im, struct td_buffer *b, int cpu)
{
	if (cpu < 0 || cpu > 65535)
		return vx_error("%s: record with impossible cpu %d", im->name, cpu);
	if (cpu >= b->ncpus) {
		int n = cpu + 1;
		uint64_t *l = xrealloc(b->last, (size_t)n * sizeof(*l)), *m;

		b->last = l;
		m = xrealloc(b->missed, (size_t)n * sizeof(*m));
		b->missed = m;
		for (int i = b->ncpus; i < n; i++) {
			l[i] = TD_NONE;
			m[i] = 0;
		}
		b->ncpus = n;
	}
	return 0;
}

static size_t td_frame_slot(const struct td_import *im, const struct tep_handle *tep, unsigned long long addr)
{
	return (size_t)(((uint64_t)addr ^ (uint64_t)(uintptr_t)tep) * 0x9e3779b97f4a7c15ULL >> 20) &
	       (im->frames_cap - 1);
}

static const struct td_frame *td_frame_get(const struct td_import *im, const struct tep_handle *tep,
					   unsigned long long addr)
{
	if (!im->frames_cap)
		return NULL;
	for (size_t i = td_frame_slot(im, tep, addr); im->frames[i].text; i = (i + 1) & (im->frames_cap - 1))
		if (im->frames[i].addr == addr && im->frames[i].tep == tep)
			return &im->frames[i];
	return NULL;
}

static const struct td_frame *td_frame_put(struct td_import *im, const struct tep_handle *tep,
					   unsigned long long addr, const char *text, size_t len)
{
	size_t i;

	if ((im->frames_used + 1) * 2 > im->frames_cap) {
		struct td_frame *old = im->frames;
		size_t oldcap = im->frames_cap;

		im->frames_cap = oldcap ? 2 * oldcap : 4096;
		im->frames = xcalloc(im->frames_cap, sizeof(*im->frames));
		for (size_t k = 0; k < oldcap; k++) {
			if (!old[k].text)
				continue;
			for (i = td_frame_slot(im, old[k].tep, old[k].addr); im->frames[i].text;
			     i = (i + 1) & (im->frames_cap - 1))
				;
			im->frames[i] = old[k];
		}
		free(old);
	}
	for (i = td_frame_slot(im, tep, addr); im->frames[i].text; i = (i + 1) & (im->frames_cap - 1))
		;
	im->frames[i].tep = tep;
	im->frames[i].addr = addr;
	im->frames[i].text = arena_strndup(&im->frame_names, text, len);
	im->frames[i].len = len;
	im->frames_used++;
	return &im->frames[i];
}

/* td_stk_put - remember the stack of @p, read from the addresses @raw (@rawlen bytes) */
static void td_stk_put(struct td_import *im, const struct tep_handle *tep, const struct td_pending *p,
		       const char *raw, size_t rawlen)
{
	struct td_stk *e;
	size_t i;

	if ((im->nstks + 1) * 2 > im->astks) {
		size_t n = im->astks ? 2 * im->astks : 1024;
		struct td_stk *t = xcalloc(n, sizeof(*t));

		for (size_t k = 0; k < im->astks; k++) {
			if (!im->stks[k].key)
				continue;
			for (i = im->stks[k].key & (n - 1); t[i].key; i = (i + 1) & (n - 1))
				;
			t[i] = im->stks[k];
		}
		free(im->stks);
		im->stks = t;
		im->astks = n;
	}
	for (i = p->stack_key & (im->astks - 1); im->stks[i].key; i = (i + 1) & (im->astks - 1))
		;
	e = &im->stks[i];
	e->key = p->stack_key;
	e->tep = tep;
	e->raw = memcpy(arena_alloc(&im->stk_mem, rawlen ? rawlen : 1), raw, rawlen);
	e->rawlen = rawlen;
	e->frames = arena_alloc(&im->stk_mem, (p->nframes + 1) * sizeof(*e->frames));
	if (p->nframes)	/* a record of end markers only has none (and p->frames may be NULL) */
		memcpy(e->frames, p->frames, p->nframes * sizeof(*e->frames));
	e->nframes = p->nframes;
	im->nstks++;
}

/* kernel_stack: `size` entries of `caller` (the print format shows only 8) */
static int td_add_stack(struct td_import *im, struct tep_handle *tep, struct tep_event *event,
			struct tep_record *rec, struct td_pending *p)
{
	struct tep_format_field *fsize = tep_find_field(event, "size");
	struct tep_format_field *fcaller = tep_find_field(event, "caller");
	int lsize = tep_get_long_size(tep);
	unsigned long long n;

	if (!fcaller || fcaller->offset < 0 || fcaller->offset > rec->size) {
		static const char what[] = "kernel_stack record without caller array";

		vx_sink_skip(im->sink, what, sizeof(what) - 1);
		return 0;
	}
	if (lsize != 4 && lsize != 8)
		lsize = 8;
	n = (unsigned long long)(rec->size - fcaller->offset) / (unsigned)lsize;
	if (fsize && fsize->offset >= 0 && fsize->offset + fsize->size <= rec->size) {
		unsigned long long want = tep_read_number(tep, (char *)rec->data + fsize->offset,
							  fsize->size);

		/* older kernels stored the size in bytes */
		if (want > n && want / (unsigned)lsize <= n)
			want /= (unsigned)lsize;
		if (want < n)
			n = want;
	}
	/* the same addresses give the same frames within one import (one tep and one symbol
	 * table): their hash spares the store hashing the frames' text (see td_emit) */
	const char *raw = (const char *)rec->data + fcaller->offset;
	size_t rawlen = (size_t)n * (unsigned)lsize;

	p->stack_key = vx_hash64(vx_hash64(0x7464737461636b31ULL, &n, sizeof(n)), raw, rawlen);
	p->stack_key += !p->stack_key;
	for (size_t k = p->stack_key & (im->astks - 1); im->astks && im->stks[k].key;
	     k = (k + 1) & (im->astks - 1))
		if (im->stks[k].key == p->stack_key && im->stks[k].tep == tep &&
		    im->stks[k].rawlen == rawlen && !memcmp(im->stks[k].raw, raw, rawlen)) {
			p->shared = im->stks[k].frames;
			p->nframes = im->stks[k].nframes;
			return 0;
		}
	for (unsigned long long i = 0; i < n; i++) {
		unsigned long long addr = tep_read_number(tep, (char *)rec->data + fcaller->offset +
							  i * (unsigned)lsize, lsize);

		if (addr == 0 || addr == ULLONG_MAX || (lsize == 4 && addr == 0xffffffffULL))
			continue;	/* end markers of older kernels */
		const struct td_frame *known = td_frame_get(im, tep, addr);

		if (!known) {
			vx_symbolize_with(tep, im->funcs, &im->ksyms, addr, &im->val);
			known = td_frame_put(im, tep, addr, im->val.buf, im->val.len);
		}
		pend_frame(p, known->text);
	}
	td_stk_put(im, tep, p, raw, rawlen);
	return 0;
}

/* td_is_stack - @event is ftrace:kernel_stack (found once: every other record is one) */
static bool td_is_stack(struct td_import *im, const struct tep_event *event)
{
	if (event == im->stack_event)
		return true;
	if (strcmp(event->name, "kernel_stack") || !event->system || strcmp(event->system, "ftrace"))
		return false;
	im->stack_event = event;
	return true;
}

/* td_record_in - one record of buffer @b, of event @event (NULL: unknown); 0, or 1 with
 * im->err set */
static int td_record_in(struct td_import *im, struct td_buffer *b, struct tep_handle *tep,
			struct tep_event *event, struct tep_record *rec)
{
	const struct td_evc *c;
	struct td_pending *p;
	const char *comm;
	uint64_t last;
	int pid;

	if (td_cpu(im, b, rec->cpu) < 0)
		goto fail;
	if (++im->records % TD_ALIVE_RECORDS == 0 && im->wire_fd >= 0) {
		struct td_wire alive = { .type = TD_WIRE_ALIVE };

		if (td_wire_put(im, &alive, "") < 0 || td_wire_flush(im) < 0)
			goto fail;
	}
	if (rec->missed_events > 0)
		b->missed[rec->cpu] += (uint64_t)rec->missed_events;
	else if (rec->missed_events < 0)
		b->missed[rec->cpu] += 1;	/* "events lost", count unknown: at least one */
	last = b->last[rec->cpu];
	b->last[rec->cpu] = TD_NONE;
	if (last != TD_NONE)
		td_slot(im, last)->complete = true;	/* with a stack or without */
	if (!event) {
		char what[64];

		snprintf(what, sizeof(what), "record of unknown event id %d on cpu %d",
			 rec->size >= 2 ? (int)tep_read_number(tep, rec->data, 2) : -1, rec->cpu);
		vx_sink_skip(im->sink, what, strlen(what));
	} else if (td_is_stack(im, event)) {
		if (last == TD_NONE) {
			static const char orphan[] = "kernel_stack with no event before it on its cpu";

			vx_sink_skip(im->sink, orphan, sizeof(orphan) - 1);
		} else if (td_add_stack(im, tep, event, rec, td_slot(im, last)) < 0) {
			goto fail;
		}
	} else {
		p = td_enqueue(im);
		p->ts = rec->ts;
		p->cpu = rec->cpu;
		p->buf = b;
		pid = tep_data_pid(tep, rec);
		p->pid = pid;
		comm = NULL;
		if (pid >= 0) {
			struct td_comm *k = &im->comms[(unsigned)pid % 256];

			if (k->tep != tep || k->pid != pid) {
				k->tep = tep;
				k->pid = pid;
				k->comm = tep_data_comm_from_pid(tep, pid);
				if (k->comm && !strcmp(k->comm, "<...>"))
					k->comm = NULL;	/* pid not in the saved cmdlines */
			}
			comm = k->comm;
		}
		p->comm = comm;
		p->evc = c = td_evc_get(im, event);
		if (c->nfields > p->aoff) {
			size_t *o = xrealloc(p->off, c->nfields * sizeof(*o));

			p->off = o;
			p->aoff = c->nfields;
		}
		/* each value decoded in place, after the one before it */
		for (size_t i = 0; i < c->nfields; i++) {
			p->off[i] = p->text.len;
			vx_field_value_with(event, &c->plan[i], rec->data, rec->size, im->funcs,
					    &im->ksyms, &p->text);
			strbuf_addch(&p->text, '\0');
		}
		b->last[rec->cpu] = im->qtail - 1;
	}
	if (td_drain(im, rec->ts) < 0)
		goto fail;
	return 0;
fail:
	im->err = -1;
	return 1;
}

/* libtracecmd's callback */
static int td_record(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *data)
{
	struct tep_handle *tep = tracecmd_get_tep(h);

	(void)cpu;
	return td_record_in(data, tracecmd_get_private(h), tep, tep_find_event_by_record(tep, rec), rec);
}

/* td_tmpfd - an unlinked temporary file in $TMPDIR or /tmp (caller closes); -1 + vx_error */
static int td_tmpfd(const char *name)
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

static int td_write_all(const char *name, int fd, const void *buf, size_t n)
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

/* td_tmpfile - copy a pipe (standard input) into an unlinked temporary file: libtracecmd
 * seeks. Returns the descriptor (caller closes) or -1 with vx_error() set. */
static int td_tmpfile(struct vx_input *in)
{
	char buf[65536];
	ssize_t r;
	int fd = td_tmpfd(in->name);

	if (fd < 0)
		return -1;
	while ((r = vx_input_read(in, buf, sizeof(buf))) > 0)
		if (td_write_all(in->name, fd, buf, (size_t)r) < 0) {
			close(fd);
			return -1;
		}
	if (r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		if (r >= 0)
			vx_error("%s: cannot rewind the temporary copy: %s", in->name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * td_patched_copy - a temporary copy of the truncated version 6 file @fd in which every CPU
 * data block cut short (w->cuts) is shrunk to its complete pages, so that libtracecmd reads
 * what is there and nothing past the end. Returns the descriptor (caller closes) or -1.
 */
static int td_patched_copy(struct td_walk *w, int fd)
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

/* lost events of one buffer: per cpu, what the records said or what the file's per-CPU
 * statistics (overrun, commit overrun, dropped) say, whichever is larger */
static uint64_t td_lost(const struct td_walk *w, const struct td_buffer *b)
{
	uint64_t lost = 0;
	int maxcpu = b->ncpus;

	for (size_t i = 0; i < w->nstats; i++)
		if (!strcmp(w->stats[i].buffer, b->name) && w->stats[i].cpu >= maxcpu)
			maxcpu = w->stats[i].cpu + 1;
	for (int c = 0; c < maxcpu; c++) {
		uint64_t rec = c < b->ncpus ? b->missed[c] : 0, st = 0;

		for (size_t i = 0; i < w->nstats; i++)
			if (w->stats[i].cpu == c && !strcmp(w->stats[i].buffer, b->name))
				st = w->stats[i].lost;
		lost += rec > st ? rec : st;
	}
	return lost;
}

/* td_release - what @im holds (the libtracecmd handles live in the child) */
static void td_release(struct td_import *im)
{
	for (size_t i = 0; i < im->qcap; i++) {
		strbuf_release(&im->q[i].text);
		free(im->q[i].off);
		free(im->q[i].frames);
	}
	free(im->q);
	im->q = NULL;
	im->qcap = 0;
	for (int i = 0; i < im->nbufs; i++) {
		free(im->bufs[i].last);
		free(im->bufs[i].missed);
	}
	free(im->bufs);
	im->bufs = NULL;
	im->nbufs = 0;
	free(im->sent);
	arena_release(&im->sent_text);
	free(im->stks);
	im->stks = NULL;
	im->nstks = im->astks = 0;
	arena_release(&im->stk_mem);
	free(im->frames);
	im->frames = NULL;
	im->frames_cap = im->frames_used = 0;
	arena_release(&im->frame_names);
	free(im->fields);
	free(im->str);
	strbuf_release(&im->wire);
	td_evc_release(im);
	free(im->kept);
	arena_release(&im->kept_text);
	vx_kallsyms_release(&im->ksyms);
	strbuf_release(&im->val);
}

/* ---- the direct reader: version 7 files read without libtracecmd, in the importing process ----
 *
 * libtracecmd's open parses every event format and the whole kallsyms (0.23 s of a 0.48 s
 * import of a 44,000-event file with the full kallsyms), and its per-record iteration
 * allocates each record. For a version 7 file, uncompressed or zstd, without the options
 * that change timestamps, the importing process reads the sections itself (no reading
 * process, no pipe: the events go straight to the sink): the formats are parsed when their
 * event id first appears, the kallsyms through a plain line scan into a table of this import
 * (struct vx_funcs, passed to the symboliser with every call), and the CPU data page by page
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
	struct vx_funcs funcs;	/* the file's kallsyms, names in the kallsyms section; the
				 * import symbolises with it (im->funcs) while d lives */
	size_t funcs_cap;
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

static int td_hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool td_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/*
 * td_kallsyms - the file's kallsyms text (@len bytes at @t, NUL-terminated in place) as the
 * symbol table of d->tep: the lines tep_parse_kallsyms() keeps (not 'a'/'A', not "$..."),
 * stopping where it stops (a line it cannot scan), answered by vx_symbolize_in() as tep
 * would (vx_funcs), without tep's two allocations per symbol and its sscanf per line
 * (three times faster on a full kallsyms).
 */
static void td_kallsyms(struct td_direct *d, char *t, size_t len)
{
	char *end = t + len;
	size_t lines = 1;

	for (char *p = t; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		lines++;
	d->funcs.map = td_big_alloc((lines + 1) * sizeof(*d->funcs.map));
	d->funcs_cap = lines + 1;
	d->funcs.n = 0;
	while (t < end) {
		char *nl = memchr(t, '\n', (size_t)(end - t)), *p = t, *name;
		unsigned long long addr = 0;
		int digits = 0, v;
		char ch;

		if (!nl)
			nl = end;
		if (nl == t) {	/* strtok_r skips empty lines */
			t++;
			continue;
		}
		*nl = '\0';
		while (p < nl && (td_blank(*p)))
			p++;
		for (; p < nl && digits < 16 && (v = td_hexval((unsigned char)*p)) >= 0; p++, digits++)
			addr = addr << 4 | (unsigned long long)v;
		if (!digits)
			break;	/* tep_parse_kallsyms stops at the first line it cannot scan */
		while (p < nl && td_blank(*p))
			p++;
		if (p == nl)
			break;
		ch = *p++;
		while (p < nl && td_blank(*p))
			p++;
		if (p == nl)
			break;
		name = p;
		while (p < nl && !td_blank(*p))
			p++;
		*p = '\0';
		if (name[0] != '$' && ch != 'A' && ch != 'a')
			d->funcs.map[d->funcs.n++] = (struct vx_func){ addr, name };
		t = nl + 1;
	}
	vx_funcs_sort(&d->funcs);
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

/* td_direct_headers - the tep of the file from its sections; 1: leave it to libtracecmd */
static int td_direct_headers(struct td_direct *d)
{
	struct td_walk *w = d->w;
	struct td_cur c;
	const char *b;
	size_t len;
	uint64_t n, m;
	int ret;

	for (unsigned id = TD_OPT_HEADER_INFO; id <= TD_OPT_CMDLINES; id++)
		if ((ret = td_load_section(d, id)) != 0)
			return ret;
	if (!d->sec[0] || !d->sec[TD_OPT_EVENT_FORMATS - TD_OPT_HEADER_INFO])
		return 1;
	d->tep = tep_alloc();
	if (!d->tep)
		return 1;
	tep_set_flag(d->tep, TEP_DISABLE_SYS_PLUGINS | TEP_DISABLE_PLUGINS);
	tep_set_file_bigendian(d->tep, w->bigendian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(d->tep, htonl(1) == 1 ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(d->tep, d->lsize);
	tep_set_page_size(d->tep, (int)w->page_size);

	/* header info: "header_page\0", size, text, "header_event\0", size, text */
	c = (struct td_cur){ d->sec[0], d->sec[0] + d->seclen[0] };
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

	if (d->sec[TD_OPT_FTRACE_EVENTS - TD_OPT_HEADER_INFO]) {
		unsigned k = TD_OPT_FTRACE_EVENTS - TD_OPT_HEADER_INFO;

		c = (struct td_cur){ d->sec[k], d->sec[k] + d->seclen[k] };
		if (!cur_num(d, &c, 4, &n))
			return 1;
		for (uint64_t i = 0; i < n; i++) {
			if (!cur_block(d, &c, 8, &b, &len))
				return 1;
			td_lazy_add(d, "ftrace", b, len);
		}
	}
	{
		unsigned k = TD_OPT_EVENT_FORMATS - TD_OPT_HEADER_INFO;

		c = (struct td_cur){ d->sec[k], d->sec[k] + d->seclen[k] };
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
	}
	/* tep finds the common_type field of a record in the first event it parsed */
	for (size_t id = 0; id < d->nlazy; id++)
		if (d->lazy[id].fmt) {
			d->lazy[id].parsed = true;
			vx_tep_parse_event(d->tep, d->lazy[id].fmt, d->lazy[id].len, d->lazy[id].sys);
			if (tep_get_events_count(d->tep) > 0)
				break;
		}
	if (d->sec[TD_OPT_KALLSYMS - TD_OPT_HEADER_INFO]) {
		unsigned k = TD_OPT_KALLSYMS - TD_OPT_HEADER_INFO;

		c = (struct td_cur){ d->sec[k], d->sec[k] + d->seclen[k] };
		if (cur_block(d, &c, 4, &b, &len))
			td_kallsyms(d, (char *)b, len);
	}
	if (d->sec[TD_OPT_PRINTK - TD_OPT_HEADER_INFO]) {
		unsigned k = TD_OPT_PRINTK - TD_OPT_HEADER_INFO;

		c = (struct td_cur){ d->sec[k], d->sec[k] + d->seclen[k] };
		if (cur_block(d, &c, 4, &b, &len) && len)
			td_printk(d->tep, b, len);
	}
	if (d->sec[TD_OPT_CMDLINES - TD_OPT_HEADER_INFO]) {
		unsigned k = TD_OPT_CMDLINES - TD_OPT_HEADER_INFO;

		c = (struct td_cur){ d->sec[k], d->sec[k] + d->seclen[k] };
		if (cur_block(d, &c, 8, &b, &len) && len) {
			char *t = xstrndup(b, len);

			tep_parse_saved_cmdlines(d->tep, t);
			free(t);
		}
	}
	return 0;
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
	if (d->im->funcs == &d->funcs)
		d->im->funcs = NULL;
	if (d->funcs.map)
		td_big_free(d->funcs.map, d->funcs_cap * sizeof(*d->funcs.map));
	free(d->cbuf);
	if (d->dctx)
		ZSTD_freeDCtx(d->dctx);
	if (d->tep)
		tep_free(d->tep);
}

/*
 * td_read_direct - read the version 7 file @fd without libtracecmd, in the importing
 * process: records into td_record_in(), events straight to the sink, then the lost events
 * (td_lost) onto the sink. Returns 0 when done, 1 when the file needs libtracecmd (nothing
 * read or handed to the sink yet), -1 on an error (vx_error() set, naming the file).
 */
static int td_read_direct(struct td_import *im, struct td_walk *w, int fd)
{
	struct td_direct d = { .im = im, .w = w, .fd = fd };
	size_t top = SIZE_MAX, *order = NULL, norder;
	uint64_t data = 0, lost = 0;
	int ret;

	if (w->version != 7 || w->libtracecmd_only || w->ncuts || !w->nbufs)
		return 1;
	/* the reference reader, for comparing the two (tests, a doubtful import) */
	if (getenv("VX_TRACE_DAT_READER") && !strcmp(getenv("VX_TRACE_DAT_READER"), "libtracecmd"))
		return 1;
	if (!strcmp(w->comp, "zstd"))
		d.zstd = true;
	else if (strcmp(w->comp, "none") && w->comp[0])
		return 1;
	d.ps = w->page_size;
	if (d.ps < 512 || d.ps > (1u << 20) || (d.ps & (d.ps - 1)))
		return 1;
	for (size_t i = 0; i < w->nbufs; i++) {
		if (w->bufs[i].page_size != d.ps)
			return 1;
		if (!w->bufs[i].name[0]) {
			if (top != SIZE_MAX)
				return 1;
			top = i;
		}
		/* uncompressed, the cpus' data are distinct ranges of the file (each was checked
		 * to be inside it): more than the file in all is data counted twice */
		for (uint32_t j = 0; j < w->bufs[i].ncpus; j++) {
			data += w->bufs[i].cpu[j].size;
			if (d.zstd && data > w->size)
				data = w->size;	/* zstd: the sizes are only for the progress bar */
		}
		if (!d.zstd && data > w->size)
			return vx_error("%s: damaged trace.dat: the buffers' cpu data add up to more than"
					" the file (%llu bytes); they overlap", w->name,
					(unsigned long long)w->size);
	}
	d.data_total = data < w->size ? data : w->size;
	d.lsize = 8;
	{
		unsigned char h[1];

		/* the file header's long size: after the magic, "7\0", endianness */
		if (td_pread(&d, h, 1, TD_MAGIC_LEN + 3) < 0)
			return -1;
		d.lsize = h[0];
	}
	if (d.zstd && !(d.dctx = ZSTD_createDCtx()))
		vx_die_oom(sizeof(ZSTD_DCtx *));
	ret = td_direct_headers(&d);
	if (!ret && tep_is_old_format(d.tep))
		ret = 1;	/* pages of kernels before 2.6.31: libtracecmd knows them */
	if (ret) {
		td_direct_release(&d);
		return ret;
	}
	if (d.funcs.map)
		im->funcs = &d.funcs;
	/* the buffers as td_read() has them: the top-level one (empty when the file has no
	 * buffer option without a name), then the instances in the order of their options */
	order = xmalloc((w->nbufs + 1) * sizeof(*order));
	order[0] = top;
	norder = 1;
	for (size_t i = 0; i < w->nbufs; i++)
		if (i != top)
			order[norder++] = i;
	im->bufs = xcalloc(norder, sizeof(*im->bufs));
	im->nbufs = (int)norder;
	for (size_t k = 0; k < norder; k++) {
		im->bufs[k].name = order[k] == SIZE_MAX ? "" : w->bufs[order[k]].name;
		d.ncpus += order[k] == SIZE_MAX ? 0 : w->bufs[order[k]].ncpus;
	}
	d.cpus = xcalloc(d.ncpus ? d.ncpus : 1, sizeof(*d.cpus));
	d.ncpus = 0;
	for (size_t k = 0; k < norder; k++) {
		size_t i = order[k];

		for (uint32_t j = 0; i != SIZE_MAX && j < w->bufs[i].ncpus; j++) {
			struct td_dcpu *c = &d.cpus[d.ncpus++];
			const struct td_wcpu *wc = &w->bufs[i].cpu[j];

			c->b = &im->bufs[k];
			c->cpu = wc->id;
			c->pos = wc->off;
			c->end = wc->off + wc->size;
			c->kbuf = kbuffer_alloc(d.lsize == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
						w->bigendian ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
			if (!c->kbuf)
				vx_die_oom(sizeof(struct kbuffer *));
			if (!wc->size || !d.zstd)
				continue;
			unsigned char h[4];

			if (wc->size < 4 || td_pread(&d, h, 4, c->pos) < 0) {
				ret = vx_error("%s: damaged trace.dat: data of cpu %d at offset %llu has no"
					       " chunk count", w->name, c->cpu, (unsigned long long)c->pos);
				goto out;
			}
			c->chunks = (uint32_t)walk_num(w, h, 4);
			c->pos += 4;
			/* the option's size is not the compressed size: the chunks are read as
			 * libtracecmd reads them, one after the other, within the file */
			c->end = w->size;
		}
	}
	for (size_t i = 0; i < d.ncpus; i++)
		if (d.cpus[i].end > d.cpus[i].pos && (ret = td_peek(&d, &d.cpus[i])) < 0)
			goto out;
	/* each turn hands one record on and reads the next of its cpu */
	for (;;) {
		struct td_dcpu *next = NULL;

		for (size_t i = 0; i < d.ncpus; i++)
			if (d.cpus[i].has && (!next || d.cpus[i].rec.ts < next->rec.ts))
				next = &d.cpus[i];
		if (!next)
			break;
		if (td_record_in(im, next->b, d.tep, td_event(&d, &next->rec), &next->rec) || im->err) {
			ret = -1;
			goto out;
		}
		if ((ret = td_peek(&d, next)) < 0)
			goto out;
	}
	/* the events still waiting for a stack, while the tables they were decoded with live */
	if (td_drain(im, UINT64_MAX) < 0) {
		ret = -1;
		goto out;
	}
	for (int i = 0; i < im->nbufs; i++)
		lost += td_lost(w, &im->bufs[i]);
	im->sink->lost_events += lost;
	vx_input_progress(im->in, w->size);
	ret = 0;
out:
	free(order);
	td_direct_release(&d);
	return ret;
}

/* td_read - in the child: open @fd with libtracecmd, decode every record of every buffer
 * in time order and send the events, then TD_WIRE_END (lost and skipped counts) or
 * TD_WIRE_ERROR (the message). Returns the child's exit status. Nothing is freed: the
 * process ends right after. */
static int td_read(struct td_import *im, struct td_walk *w, int fd)
{
	struct tracecmd_input *h, **handles;
	struct td_wire end = { .type = TD_WIRE_END };
	uint64_t lost = 0;
	int n, hfd;

	hfd = dup(fd);
	if (hfd < 0 || lseek(hfd, 0, SEEK_SET) < 0) {
		vx_error("%s: cannot reopen: %s", im->name, strerror(errno));
		goto fail;
	}
	h = tracecmd_open_fd(hfd, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h) {
		vx_error("%s: libtracecmd cannot read this trace.dat (damaged, or a feature it does"
			 " not support); 'trace-cmd dump -i %s' shows its sections", im->name, im->name);
		goto fail;
	}
	n = tracecmd_buffer_instances(h);
	if (n < 0)
		n = 0;
	im->bufs = xcalloc((size_t)n + 1, sizeof(*im->bufs));
	handles = xcalloc((size_t)n + 1, sizeof(*handles));
	im->bufs[0].name = "";
	im->bufs[0].h = h;
	im->nbufs = 1;
	for (int i = 0; i < n; i++) {
		struct tracecmd_input *bh = tracecmd_buffer_instance_handle(h, i);
		const char *bname = tracecmd_buffer_instance_name(h, i);

		if (!bh) {
			vx_error("%s: cannot read buffer instance '%s' of this trace.dat", im->name,
				 bname ? bname : "?");
			goto fail;
		}
		im->bufs[im->nbufs].name = bname ? bname : "";
		im->bufs[im->nbufs].h = bh;
		im->nbufs++;
	}
	for (int i = 0; i < im->nbufs; i++) {
		tracecmd_set_private(im->bufs[i].h, &im->bufs[i]);
		handles[i] = im->bufs[i].h;
	}
	if (tracecmd_iterate_events_multi(handles, im->nbufs, td_record, im) < 0 && !im->err) {
		vx_error("%s: libtracecmd failed while reading the events", im->name);
		goto fail;
	}
	if (im->err || td_drain(im, UINT64_MAX) < 0)
		goto fail;
	for (int i = 0; i < im->nbufs; i++)
		lost += td_lost(w, &im->bufs[i]);
	end.ts = lost;
	end.nfields = (uint32_t)(im->sink->skipped > UINT32_MAX ? UINT32_MAX : im->sink->skipped);
	end.len = (uint32_t)strlen(im->sink->skipped_example) + 1;
	if (td_wire_put(im, &end, im->sink->skipped_example) < 0 || td_wire_flush(im) < 0)
		return 1;
	return 0;
fail:
	{
		struct td_wire e = { .type = TD_WIRE_ERROR, .len = (uint32_t)strlen(vx_error_msg()) + 1 };

		if (td_wire_put(im, &e, vx_error_msg()) == 0)
			td_wire_flush(im);
	}
	return 1;
}

/* the parent's read side of the pipe: 64 KiB reads instead of two small reads per event */
struct td_rbuf {
	int fd;
	size_t pos, len;
	char buf[65536];
};

/* read exactly @n bytes through @rb; returns the count read (< @n only at end of file), -1,
 * or -2 when nothing came for @stall_ms */
static ssize_t td_read_buffered(struct td_rbuf *rb, void *dst, size_t n, int stall_ms)
{
	size_t done = 0;

	while (done < n) {
		if (rb->pos == rb->len) {
			struct pollfd pfd = { .fd = rb->fd, .events = POLLIN };
			int pr = poll(&pfd, 1, stall_ms);
			ssize_t r;

			if (pr < 0 && errno == EINTR)
				continue;
			if (pr == 0)
				return -2;
			r = read(rb->fd, rb->buf, sizeof(rb->buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -1;
			if (r == 0)
				break;
			rb->pos = 0;
			rb->len = (size_t)r;
		}
		size_t k = rb->len - rb->pos < n - done ? rb->len - rb->pos : n - done;

		memcpy((char *)dst + done, rb->buf + rb->pos, k);
		rb->pos += k;
		done += k;
	}
	return (ssize_t)done;
}

/*
 * td_read_in_child - read the records through libtracecmd in a child process and hand the
 * events it sends to the sink. libtraceevent 1.7 crashes (SIGSEGV) on some damaged event
 * formats and libtracecmd 1.3 on some damaged buffer descriptions, neither of which we can
 * check from outside: a crash ends the child, and the parent turns it into an error message.
 */
static int td_read_in_child(struct td_import *im, struct td_walk *w, int fd)
{
	struct vx_sink *sink = im->sink;
	struct strbuf data = STRBUF_INIT;
	struct td_rbuf *rb = NULL;
	struct td_wire h;
	bool ended = false;
	uint64_t events = 0;
	int pfd[2], status, ret = 0, stall_ms = TD_STALL_MS;
	const char *stall = getenv("VX_TRACE_DAT_STALL_MS");
	pid_t pid;

	if (stall && atoi(stall) > 0)
		stall_ms = atoi(stall);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return vx_error("%s: cannot create a pipe: %s", im->name, strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return vx_error("%s: cannot fork the reading process: %s", im->name, strerror(errno));
	}
	if (pid == 0) {
		struct vx_sink counts = { 0 };	/* skipped records, sent at the end */
		int null = open("/dev/null", O_WRONLY);

		static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

		/* a crash must end the child, whatever handler the program (or a test
		 * framework, or a sanitizer) installed */
		for (size_t i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
			signal(crash[i], SIG_DFL);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);	/* libtracecmd's messages are not ours to print */
		}
		close(pfd[0]);
		/* libtracecmd allocates and frees a page-sized or chunk-sized buffer per page
		 * it decompresses: keep freed memory in the heap instead of mapping fresh
		 * zeroed pages each time (page faults were a sixth of the reader's time) */
		mallopt(M_MMAP_THRESHOLD, 32 << 20);
		mallopt(M_TRIM_THRESHOLD, 128 << 20);
		im->wire_fd = pfd[1];
		strbuf_init(&im->wire, 65536 + 4096);
		im->sink = &counts;
		_exit(td_read(im, w, fd));
	}
	close(pfd[1]);
	rb = xmalloc(sizeof(*rb));
	rb->fd = pfd[0];
	rb->pos = rb->len = 0;
	for (;;) {
		ssize_t r = td_read_buffered(rb, &h, sizeof(h), stall_ms);

		if (r == 0)
			break;
		if (r == (ssize_t)sizeof(h)) {
			strbuf_reset(&data);
			strbuf_grow(&data, h.len);
			r = td_read_buffered(rb, data.buf, h.len, stall_ms);
			if (r == (ssize_t)h.len)
				r = 0;
		}
		if (r != 0) {
			if (r == -2)
				ret = vx_error("%s: damaged trace.dat: the reading process made no progress for"
					       " %d s after %llu events (libtraceevent loops on some damaged pages);"
					       " 'trace-cmd dump -i %s' shows its sections", im->name,
					       stall_ms / 1000, (unsigned long long)events, im->name);
			else
				ret = vx_error("%s: the reading process broke off", im->name);
			break;
		}
		data.len = h.len;
		data.buf[data.len] = '\0';
		if (h.type == TD_WIRE_EVENT) {
			if (td_deliver(im, &h, data.buf, data.len) < 0) {
				ret = -1;
				break;
			}
			events++;
		} else if (h.type == TD_WIRE_ALIVE) {
			continue;
		} else if (h.type == TD_WIRE_END) {
			sink->lost_events += h.ts;
			if (h.nfields && !sink->skipped) {
				vx_sink_skip(sink, data.buf, strlen(data.buf));	/* counts one */
				sink->skipped += h.nfields - 1;
			} else {
				sink->skipped += h.nfields;
			}
			ended = true;
		} else {
			ret = vx_error("%s", data.buf);
			break;
		}
	}
	if (ret < 0)
		kill(pid, SIGKILL);
	close(pfd[0]);
	free(rb);
	strbuf_release(&data);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ret < 0 ? ret : vx_error("%s: cannot wait for the reading process: %s",
							 im->name, strerror(errno));
	if (ret < 0)
		return ret;
	if (WIFSIGNALED(status))
		return vx_error("%s: damaged trace.dat: the reader (libtraceevent, libtracecmd) crashed"
				" (signal %d) after %llu events; 'trace-cmd dump -i %s' shows its sections",
				im->name, WTERMSIG(status),
				(unsigned long long)events, im->name);
	if (!ended || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vx_error("%s: damaged trace.dat: libtracecmd failed (exit status %d) after %llu"
				" events; 'trace-cmd dump -i %s' shows its sections", im->name,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1, (unsigned long long)events,
				im->name);
	return 0;
}

static int trace_dat_import(struct vx_input *in, struct vx_sink *sink, const struct vx_import_opts *opts)
{
	struct td_walk w = { .name = in->name, .fd = -1 };
	struct td_import im = { .name = in->name, .in = in, .sink = sink, .wire_fd = -1 };
	int fd, ret = -1;

	strbuf_init(&im.val, 256);
	if (in->seekable && in->path)
		fd = open(in->path, O_RDONLY | O_CLOEXEC);
	else
		fd = td_tmpfile(in);
	if (fd < 0) {
		if (in->seekable && in->path)
			vx_error("%s: cannot open: %s", in->name, strerror(errno));
		strbuf_release(&im.val);
		return -1;
	}
	w.fd = fd;
	if (td_walk_file(&w) < 0)
		goto out;
	if (w.uname[0]) {
		/* "Linux host 6.18.44-fc-v669 x86_64": the release is the third word */
		char rel[128];

		if (sscanf(w.uname, "%*s %*s %127s", rel) == 1 && vx_sink_meta(sink, "kernel_release", rel) < 0)
			goto out;
		if (vx_sink_meta(sink, "uname", w.uname) < 0)
			goto out;
	}
	if (w.clock[0] && vx_sink_meta(sink, "clock", w.clock) < 0)
		goto out;
	if (w.ncuts) {
		/* cut short inside the CPU data: import the complete pages, say it is truncated */
		int pfd = td_patched_copy(&w, fd);

		if (pfd < 0)
			goto out;
		close(fd);
		fd = pfd;
		sink->truncated = true;
		sink->truncated_at = w.size;
	}

	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	/* the file's own kallsyms come first; a --kallsyms file fills the addresses it lacks */
	if (opts && opts->kallsyms && vx_kallsyms_load(&im.ksyms, opts->kallsyms) < 0)
		goto out;
	/* version 7 as trace-cmd writes it: here; the rest through libtracecmd in a child */
	ret = td_read_direct(&im, &w, fd);
	if (ret == 1)
		ret = td_read_in_child(&im, &w, fd) < 0 ? -1 : 0;
	if (ret < 0)
		goto out;
	ret = 0;
out:
	td_release(&im);
	free(w.stats);
	free(w.cuts);
	for (size_t i = 0; i < w.nbufs; i++)
		free(w.bufs[i].cpu);
	free(w.bufs);
	close(fd);
	return ret;
}

static int trace_dat_probe(const unsigned char *head, size_t len)
{
	if (len < TD_MAGIC_LEN + 2 || memcmp(head, TD_MAGIC, TD_MAGIC_LEN))
		return 0;
	if ((head[TD_MAGIC_LEN] == '6' || head[TD_MAGIC_LEN] == '7') && head[TD_MAGIC_LEN + 1] == '\0')
		return 100;
	return 60;	/* trace.dat of another version: the importer names it */
}

/*
 * trace-dat: trace-cmd's trace.dat, versions 6 and 7 (version 7 uncompressed or zstd read
 * directly, anything else as libtracecmd supports; VX_TRACE_DAT_READER=libtracecmd for all),
 * every buffer instance (`trace-cmd extract -B`), events of all CPUs in time order. Fields
 * are the format fields (numbers decimal, pointers 0x..., __data_loc strings as text);
 * `ftrace:kernel_stack` records become the stack of the event before them on their CPU,
 * all `size` frames, symbolised with the file's kallsyms. Lost events: per CPU, the larger
 * of the records' missed-event counts and the file's CPUSTAT (overrun + commit overrun +
 * dropped). Metadata: kernel_release (from the UNAME option), uname, clock. Standard input
 * is first copied to an unlinked temporary file in $TMPDIR (or /tmp): both readers seek.
 */
const struct vx_format vx_format_trace_dat = {
	.name = "trace-dat",
	.desc = "trace-cmd trace.dat (versions 6 and 7; from trace-cmd record or extract)",
	.probe = trace_dat_probe,
	.import = trace_dat_import,
};
