/* perf-data.c: native importer of perf.data — file mode (PERFILE2 header, attrs, ids, data
 * section, feature sections), pipe mode (`perf record -o -`, also from standard input) and
 * zstd-compressed records (`perf record -z`). Tracepoint/kprobe payloads are decoded with
 * libtraceevent from the capture's own tracing data; callchains are symbolised with a
 * kallsyms that provably belongs to the capture's kernel, else kept as hex with a warning.
 * It streams: one record at a time, never the whole file or all events in memory, and
 * never prints (errors through vx_error(), warnings through vx_sink_warn()).
 *
 * Order: samples are handed to the sink in file order (perf's FINISHED_ROUND batches are
 * not re-sorted); the store keeps timestamps and the analysis sorts.
 */
#include "format.h"
#include "decode/kallsyms.h"
#include "decode/tep-decode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <perf/event.h>
#include <traceevent/event-parse.h>
#include <zstd.h>

#include "core/error.h"
#include "core/xalloc.h"

/* ---- on-disk layout that libperf does not describe (perf's util/header.h) ---- */

#define PERF_MAGIC2		0x32454c4946524550ULL	/* "PERFILE2" read little-endian */
#define PERF_MAGIC2_SWAPPED	0x50455246494c4532ULL

struct pd_section {
	uint64_t offset, size;
};

struct pd_file_header {
	uint64_t magic, size, attr_size;
	struct pd_section attrs, data, event_types;
	uint64_t features[4];	/* bitmap of HEADER_* features after the data section */
};

/* feature ids (perf's enum in util/header.h) that this importer reads */
enum {
	FEAT_TRACING_DATA = 1,
	FEAT_BUILD_ID = 2,
	FEAT_HOSTNAME = 3,
	FEAT_OSRELEASE = 4,
	FEAT_EVENT_DESC = 12,
	FEAT_BITS = 256,
};

#define KERNEL_MMAP_NAME "[kernel.kallsyms]"

struct pd_attr {
	struct perf_event_attr attr;
	char *name;			/* from EVENT_DESC / EVENT_UPDATE, NULL when unknown */
	/* resolved at the first sample, once the tracing data is known */
	bool resolved;
	char *fullname;			/* "system:event" handed to the sink */
	struct tep_event *ev;		/* its format in the tracing data, or NULL */
	struct vx_field_plan *fields;	/* the payload's fields, decoded by src/decode/tep-decode.c */
	size_t nfields;
	bool has_symbols;		/* some field is a "%pS" symbol (needs the kallsyms) */
};

struct pd_id {
	uint64_t id;
	size_t attr;
};

struct pd_comm_at {
	uint64_t time;
	char comm[16];
};

struct pd_comm {
	int tid;			/* 0: empty slot (tid 0 is stored as INT32_MIN) */
	uint32_t n, alloc;
	struct pd_comm_at *at;
};

struct pd_frame {
	uint64_t ip;
	const char *text;		/* NULL: empty slot */
};

/* a callchain seen before, whole (user part included), with the kernel frames it gave: a
 * flood repeats a few hundred chains, so most samples skip the walk and the per-address
 * lookups (see chain_get()) */
struct pd_chain {
	uint64_t hash, stack_key;
	uint64_t nr;			/* entries in @ips; 0: empty slot */
	size_t nframes;
	bool cut;			/* the kernel frames went on past VX_MAX_FRAMES */
	uint64_t *ips;			/* one allocation: the entries, then the frames */
	const char **frames;
};

#define CHAIN_SLOTS 1024		/* a power of two; a slot is overwritten on collision */

/* the data being read: the file's data section through pread, or the input stream */
struct pd_src {
	bool file;
	int fd;
	uint64_t pos, end;		/* file mode: next offset to read, end of data section */
	struct vx_input *in;
	unsigned char *buf;
	size_t cap, start, len;		/* unread window buf[start, len) */
	uint64_t off;			/* file offset of buf[start] */
	bool eof;
};

struct pd {
	struct vx_input *in;
	struct vx_sink *sink;
	const struct vx_import_opts *opts;
	const char *name;

	struct pd_attr *attrs;
	size_t nattrs;
	struct pd_id *ids;
	size_t nids, ids_alloc;
	bool ids_sorted;

	struct tep_handle *tep;
	bool have_tracing;
	char *tracing_kallsyms;		/* kallsyms text embedded in the tracing data, or NULL */
	size_t tracing_kallsyms_len;
	char *osrelease;
	uint8_t build_id[20];
	int build_id_len;
	uint64_t kernel_text;		/* _text of the capture's kernel (its [kernel.kallsyms] mmap) */

	struct vx_kallsyms ks;
	int ks_state;			/* 0: not decided yet, 1: usable, -1: none */
	bool warned_unnamed;

	struct pd_comm *comms;
	size_t comms_cap, comms_used;

	/* per-sample scratch, reused */
	struct strbuf vals;
	size_t *val_off;
	struct vx_field *fields;
	size_t fields_cap;
	struct strbuf framebuf;
	const char *frames[VX_MAX_FRAMES];
	struct pd_frame *frame_tab;	/* address -> frame text (see frame_text()) */
	struct pd_chain *chains;	/* CHAIN_SLOTS recent callchains, or NULL */
	size_t frame_cap, frame_used;
	struct arena frame_names;

	ZSTD_DStream *zd;
	unsigned char *dbuf;
	size_t dcap, dlen;

	uint64_t rec_off;		/* file offset of the record being processed */
	uint64_t nrecords;
};

static inline uint64_t rd64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t rd32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* ---- the data source ---- */

/* src_ensure - make @n bytes contiguous at buf+start; returns how many are (< n at the
 * end of the data), -1 on a read error */
static ssize_t src_ensure(struct pd_src *s, size_t n)
{
	while (s->len - s->start < n && !s->eof) {
		ssize_t r;
		size_t want;

		if (s->start) {
			memmove(s->buf, s->buf + s->start, s->len - s->start);
			s->len -= s->start;
			s->start = 0;
		}
		if (s->cap < n) {
			s->cap = n > 2 * s->cap ? n : 2 * s->cap;
			s->buf = xrealloc(s->buf, s->cap);
		}
		want = s->cap - s->len;
		if (s->file) {
			if (s->pos + want > s->end)
				want = (size_t)(s->end - s->pos);
			if (!want) {
				s->eof = true;
				break;
			}
			r = pread(s->fd, s->buf + s->len, want, (off_t)s->pos);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return vx_error("%s: read error at offset %llu: %s", s->in->name,
						(unsigned long long)s->pos, strerror(errno));
			s->pos += (uint64_t)r;
			vx_input_progress(s->in, s->pos);
		} else {
			r = vx_input_read(s->in, s->buf + s->len, want);
			if (r < 0)
				return -1;
		}
		if (r == 0)
			s->eof = true;
		s->len += (size_t)r;
	}
	return (ssize_t)(s->len - s->start < n ? s->len - s->start : n);
}

static void src_consume(struct pd_src *s, size_t n)
{
	s->start += n;
	s->off += n;
}

/* ---- attrs and ids ---- */

static struct pd_attr *attr_add(struct pd *pd, const void *attr, size_t attr_size)
{
	struct pd_attr *a;

	pd->attrs = xrealloc(pd->attrs, (pd->nattrs + 1) * sizeof(*pd->attrs));
	a = &pd->attrs[pd->nattrs++];
	memset(a, 0, sizeof(*a));
	memcpy(&a->attr, attr, attr_size < sizeof(a->attr) ? attr_size : sizeof(a->attr));
	return a;
}

static void id_add(struct pd *pd, uint64_t id, size_t attr)
{
	if (pd->nids == pd->ids_alloc) {
		pd->ids_alloc = pd->ids_alloc ? 2 * pd->ids_alloc : 64;
		pd->ids = xrealloc(pd->ids, pd->ids_alloc * sizeof(*pd->ids));
	}
	pd->ids[pd->nids].id = id;
	pd->ids[pd->nids].attr = attr;
	pd->nids++;
	pd->ids_sorted = false;
}

static int cmp_id(const void *a, const void *b)
{
	const struct pd_id *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* attr_by_id - the attr an event id belongs to, or NULL */
static struct pd_attr *attr_by_id(struct pd *pd, uint64_t id)
{
	size_t lo = 0, hi;

	if (!pd->ids_sorted && pd->nids) {	/* qsort(NULL, 0, ...) is undefined */
		qsort(pd->ids, pd->nids, sizeof(*pd->ids), cmp_id);
		pd->ids_sorted = true;
	}
	hi = pd->nids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pd->ids[mid].id == id)
			return &pd->attrs[pd->ids[mid].attr];
		if (pd->ids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* sample_attr - the attr of a PERF_RECORD_SAMPLE payload: perf puts the id first
 * (PERF_SAMPLE_IDENTIFIER) when a file has several events, else at PERF_SAMPLE_ID's place */
static struct pd_attr *sample_attr(struct pd *pd, const unsigned char *p, size_t len)
{
	uint64_t st, pos = 0;

	if (pd->nattrs == 1)
		return &pd->attrs[0];
	if (!pd->nattrs)
		return NULL;
	st = pd->attrs[0].attr.sample_type;
	if (!(st & PERF_SAMPLE_IDENTIFIER)) {
		if (!(st & PERF_SAMPLE_ID))
			return &pd->attrs[0];
		pos = 8 * (!!(st & PERF_SAMPLE_IP) + !!(st & PERF_SAMPLE_TID) +
			   !!(st & PERF_SAMPLE_TIME) + !!(st & PERF_SAMPLE_ADDR));
	}
	if (pos + 8 > len)
		return NULL;
	return attr_by_id(pd, rd64(p + pos));
}

/* id_trailer_time - the time of a non-sample record from its sample_id trailer
 * (sample_id_all); 0 when there is none (synthesized records carry 0 as well) */
static uint64_t id_trailer_time(struct pd *pd, const unsigned char *rec, size_t size, size_t body)
{
	const struct pd_attr *a;
	uint64_t st;
	size_t n, at;

	if (!pd->nattrs)
		return 0;
	a = &pd->attrs[0];
	st = a->attr.sample_type;
	if (!a->attr.sample_id_all || !(st & PERF_SAMPLE_TIME))
		return 0;
	if (pd->nattrs > 1 && (st & PERF_SAMPLE_IDENTIFIER) && size >= body + 8) {
		const struct pd_attr *b = attr_by_id(pd, rd64(rec + size - 8));

		if (b) {
			a = b;
			st = a->attr.sample_type;
		}
	}
	n = 8 * (!!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) + !!(st & PERF_SAMPLE_ID) +
		 !!(st & PERF_SAMPLE_STREAM_ID) + !!(st & PERF_SAMPLE_CPU) +
		 !!(st & PERF_SAMPLE_IDENTIFIER));
	if (size < body + n)
		return 0;
	at = size - n + (st & PERF_SAMPLE_TID ? 8 : 0);
	return rd64(rec + at);
}

/* ---- process names ---- */

static struct pd_comm *comm_slot(struct pd *pd, int tid, bool create)
{
	int key = tid ? tid : INT32_MIN;
	size_t mask, i;

	if (create && (pd->comms_used + 1) * 2 > pd->comms_cap) {
		struct pd_comm *old = pd->comms;
		size_t oldcap = pd->comms_cap;

		pd->comms_cap = oldcap ? 2 * oldcap : 1024;
		pd->comms = xcalloc(pd->comms_cap, sizeof(*pd->comms));
		for (size_t k = 0; k < oldcap; k++) {
			if (!old[k].tid)
				continue;
			mask = pd->comms_cap - 1;
			i = (uint32_t)old[k].tid * 2654435761u & mask;
			while (pd->comms[i].tid)
				i = (i + 1) & mask;
			pd->comms[i] = old[k];
		}
		free(old);
	}
	if (!pd->comms_cap)
		return NULL;
	mask = pd->comms_cap - 1;
	i = (uint32_t)key * 2654435761u & mask;
	while (pd->comms[i].tid) {
		if (pd->comms[i].tid == key)
			return &pd->comms[i];
		i = (i + 1) & mask;
	}
	if (!create)
		return NULL;
	pd->comms[i].tid = key;
	pd->comms_used++;
	return &pd->comms[i];
}

static void comm_set(struct pd *pd, int tid, uint64_t time, const char *comm)
{
	struct pd_comm *c = comm_slot(pd, tid, true);
	struct pd_comm_at *at;

	if (c->n && !strncmp(c->at[c->n - 1].comm, comm, 16))
		return;
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 2;
		c->at = xrealloc(c->at, c->alloc * sizeof(*c->at));
	}
	/* keep the history sorted by time (records of a round can come out of order) */
	size_t i = c->n;

	while (i > 0 && c->at[i - 1].time > time) {
		c->at[i] = c->at[i - 1];
		i--;
	}
	at = &c->at[i];
	at->time = time;
	memcpy(at->comm, comm, 15);
	at->comm[15] = '\0';
	c->n++;
}

/* comm_at - the name thread @tid had at @time: the last COMM at or before it (the first
 * one when all came later), else the tracing data's saved cmdlines, else NULL */
static const char *comm_at(struct pd *pd, int tid, uint64_t time)
{
	struct pd_comm *c = comm_slot(pd, tid, false);

	if (c && c->n) {
		size_t i = c->n;

		while (i > 1 && c->at[i - 1].time > time)
			i--;
		return c->at[i - 1].comm;
	}
	if (pd->tep && tep_is_pid_registered(pd->tep, tid))
		return tep_data_comm_from_pid(pd->tep, tid);
	return NULL;
}

/* ---- tracing data (HEADER_TRACING_DATA): the kernel's event format files ---- */

struct blob {
	const unsigned char *p, *end;
};

static int blob_take(struct blob *b, size_t n, const unsigned char **out)
{
	if ((size_t)(b->end - b->p) < n)
		return -1;
	*out = b->p;
	b->p += n;
	return 0;
}

static int blob_u32(struct blob *b, uint32_t *v)
{
	const unsigned char *q;

	if (blob_take(b, 4, &q))
		return -1;
	*v = rd32(q);
	return 0;
}

static int blob_u64(struct blob *b, uint64_t *v)
{
	const unsigned char *q;

	if (blob_take(b, 8, &q))
		return -1;
	*v = rd64(q);
	return 0;
}

static const char *blob_str(struct blob *b)
{
	const unsigned char *nul = memchr(b->p, '\0', (size_t)(b->end - b->p));
	const char *s = (const char *)b->p;

	if (!nul)
		return NULL;
	b->p = nul + 1;
	return s;
}

/* with_nul - call @fn on a NUL-terminated copy of @len bytes (libtraceevent wants C strings) */
static int with_nul(struct tep_handle *tep, const unsigned char *p, size_t len,
		    int (*fn)(struct tep_handle *, const char *))
{
	char *s = xmalloc(len + 1);
	int r;

	memcpy(s, p, len);
	s[len] = '\0';
	r = fn(tep, s);
	free(s);
	return r;
}

/*
 * parse_tracing - load @n bytes of perf's tracing data (the layout of perf's
 * trace-event-info.c: magic, version, endianness, long and page size, header_page,
 * header_event, ftrace formats, event formats per system, kallsyms, printk formats,
 * saved cmdlines) into pd->tep. The kallsyms text is kept for our own table (vx_kallsyms).
 * @off is the blob's file offset, for messages. Formats go through vx_tep_parse_event(),
 * which survives libtraceevent's SIGFPE on a damaged format (found by fuzz-perf-data).
 */

static int parse_tracing(struct pd *pd, const unsigned char *data, size_t n, uint64_t off)
{
	static const unsigned char magic[10] = { 23, 8, 68, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	struct blob b = { data, data + n };
	const unsigned char *q;
	const char *version, *sys;
	uint32_t u32, count, systems, page_size;
	uint64_t size;
	int long_size;

	if (pd->have_tracing)
		return 0;	/* perf writes it once; a second copy adds nothing */
	if (blob_take(&b, 10, &q) || memcmp(q, magic, 10))
		return vx_error("%s: tracing data at offset %llu has a bad magic number; "
				"the file is damaged", pd->name, (unsigned long long)off);
	if (!(version = blob_str(&b)) || blob_take(&b, 2, &q))
		goto bad;
	if (q[0])
		return vx_error("%s: big-endian tracing data is not supported", pd->name);
	long_size = q[1];
	if (blob_u32(&b, &page_size))
		goto bad;
	pd->tep = tep_alloc();
	if (!pd->tep)
		return vx_error("out of memory");
	tep_set_file_bigendian(pd->tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(pd->tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(pd->tep, long_size);
	tep_set_page_size(pd->tep, (int)page_size);

	if (blob_take(&b, 12, &q) || memcmp(q, "header_page", 12) || blob_u64(&b, &size) ||
	    blob_take(&b, size, &q))
		goto bad;
	{
		char *hp = xmalloc(size);

		memcpy(hp, q, size);
		if (!tep_parse_header_page(pd->tep, hp, size, long_size))
			tep_set_long_size(pd->tep, tep_get_header_page_size(pd->tep));
		free(hp);
	}
	if (blob_take(&b, 13, &q) || memcmp(q, "header_event", 13) || blob_u64(&b, &size) ||
	    blob_take(&b, size, &q))
		goto bad;

	/* ftrace's own events, then the traced events by system */
	if (blob_u32(&b, &count))
		goto bad;
	for (uint32_t i = 0; i < count; i++) {
		if (blob_u64(&b, &size) || blob_take(&b, size, &q))
			goto bad;
		vx_tep_parse_event(pd->tep, (const char *)q, size, "ftrace");
	}
	if (blob_u32(&b, &systems))
		goto bad;
	for (uint32_t i = 0; i < systems; i++) {
		if (!(sys = blob_str(&b)) || blob_u32(&b, &count))
			goto bad;
		for (uint32_t k = 0; k < count; k++) {
			if (blob_u64(&b, &size) || blob_take(&b, size, &q))
				goto bad;
			/* an event libtraceevent cannot parse only loses its fields */
			vx_tep_parse_event(pd->tep, (const char *)q, size, sys);
		}
	}

	/* kallsyms (perf >= 5.x writes it empty), printk formats, saved cmdlines */
	if (blob_u32(&b, &u32) || blob_take(&b, u32, &q))
		goto bad;
	if (u32) {
		pd->tracing_kallsyms = xrealloc(NULL, u32 + 1);
		memcpy(pd->tracing_kallsyms, q, u32);
		pd->tracing_kallsyms[u32] = '\0';
		pd->tracing_kallsyms_len = u32;
	}
	/* printk formats only serve tep's own printing, which is not used here (and
	 * tep_parse_printk_formats reads past the end of a damaged list): skipped */
	if (blob_u32(&b, &u32) || blob_take(&b, u32, &q))
		goto bad;
	if (strtod(version, NULL) >= 0.6 && b.p < b.end) {
		if (blob_u64(&b, &size) || blob_take(&b, size, &q))
			goto bad;
		if (size)
			with_nul(pd->tep, q, size, tep_parse_saved_cmdlines);
	}
	pd->have_tracing = true;
	return 0;
bad:
	return vx_error("%s: tracing data at offset %llu ends early or is malformed; "
			"the file is damaged", pd->name, (unsigned long long)off);
}

/* ---- feature sections (file mode) and HEADER_FEATURE records (pipe mode) ---- */

static char *feat_string(const unsigned char *p, size_t n)
{
	uint32_t len;
	char *s;

	if (n < 4)
		return NULL;
	len = rd32(p);
	if (len > n - 4)
		return NULL;
	s = xrealloc(NULL, len + 1);
	memcpy(s, p + 4, len);
	s[len] = '\0';
	return s;
}

/* build_id_entry - one perf_record_header_build_id; keeps the kernel's */
static void build_id_entry(struct pd *pd, const unsigned char *p, size_t n)
{
	struct perf_record_header_build_id e;
	size_t fixed = offsetof(struct perf_record_header_build_id, filename);
	const char *fname = (const char *)p + fixed;

	if (n < fixed + 1)
		return;
	memcpy(&e, p, fixed);
	if (strnlen(fname, n - fixed) == n - fixed)
		return;
	if (strcmp(fname, KERNEL_MMAP_NAME))
		return;
	pd->build_id_len = (e.header.misc & PERF_RECORD_MISC_BUILD_ID_SIZE) && e.size <= 20 ? e.size : 20;
	memcpy(pd->build_id, e.data, (size_t)pd->build_id_len);
}

static void event_desc(struct pd *pd, const unsigned char *p, size_t n)
{
	struct blob b = { p, p + n };
	uint32_t nre, sz, nids, len;
	const unsigned char *q;

	if (blob_u32(&b, &nre) || blob_u32(&b, &sz))
		return;
	for (uint32_t i = 0; i < nre; i++) {
		char *name;

		if (blob_take(&b, sz, &q) || blob_u32(&b, &nids) || blob_u32(&b, &len) ||
		    blob_take(&b, len, &q))
			return;
		name = xstrndup((const char *)q, len);
		for (uint32_t k = 0; k < nids; k++) {
			uint64_t id;
			struct pd_attr *a;

			if (blob_u64(&b, &id))
				break;
			a = attr_by_id(pd, id);
			if (a && !a->name && name)
				a->name = xstrdup(name);
		}
		free(name);
	}
}

static int feature(struct pd *pd, int feat, const unsigned char *p, size_t n, uint64_t off)
{
	switch (feat) {
	case FEAT_TRACING_DATA:
		return parse_tracing(pd, p, n, off);
	case FEAT_OSRELEASE:
		if (!pd->osrelease && (pd->osrelease = feat_string(p, n)))
			return vx_sink_meta(pd->sink, "kernel_release", pd->osrelease);
		break;
	case FEAT_HOSTNAME: {
		char *h = feat_string(p, n);
		int r = h ? vx_sink_meta(pd->sink, "hostname", h) : 0;

		free(h);
		return r;
	}
	case FEAT_BUILD_ID:
		while (n >= sizeof(struct perf_event_header)) {
			struct perf_event_header h;

			memcpy(&h, p, sizeof(h));
			if (h.size < sizeof(h) || h.size > n)
				break;
			build_id_entry(pd, p, h.size);
			p += h.size;
			n -= h.size;
		}
		break;
	case FEAT_EVENT_DESC:
		event_desc(pd, p, n);
		break;
	}
	return 0;
}

/* ---- symbols ---- */

static int running_build_id(uint8_t *out)
{
	unsigned char buf[4096];
	FILE *f = fopen("/sys/kernel/notes", "rb");
	size_t n, pos = 0;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (pos + 12 <= n) {
		uint32_t namesz = rd32(buf + pos), descsz = rd32(buf + pos + 4), type = rd32(buf + pos + 8);
		size_t name = pos + 12, desc = name + ((namesz + 3) & ~3u);

		if (desc + descsz > n)
			break;
		if (type == 3 && namesz == 4 && !memcmp(buf + name, "GNU", 4) && descsz <= 20) {
			memcpy(out, buf + desc, descsz);
			return (int)descsz;
		}
		pos = desc + ((descsz + 3) & ~3u);
	}
	return 0;
}

/* capture_matches_running - the running kernel's /proc/kallsyms is only trusted when the
 * capture's release (and build-id when recorded) are the running kernel's */
static bool capture_matches_running(struct pd *pd)
{
	struct utsname u;
	uint8_t bid[20];
	int n;

	if (!pd->osrelease || uname(&u) || strcmp(u.release, pd->osrelease))
		return false;
	if (pd->build_id_len && (n = running_build_id(bid)) > 0 &&
	    (n != pd->build_id_len || memcmp(bid, pd->build_id, (size_t)n)))
		return false;
	return true;
}

/* kallsyms_fits - a KASLR check: _text of the table against the capture's kernel mmap */
static bool kallsyms_fits(struct pd *pd)
{
	return !pd->kernel_text || !pd->ks.text || pd->ks.text == pd->kernel_text;
}

/* symbols_decide - pick the kallsyms at the first callchain: --kallsyms, the capture's
 * own copy, or /proc/kallsyms of the same kernel and boot; else warn once */
static int symbols_decide(struct pd *pd)
{
	const char *why = NULL;

	if (pd->opts && pd->opts->kallsyms) {
		if (vx_kallsyms_load(&pd->ks, pd->opts->kallsyms) < 0)
			return -1;
		if (!kallsyms_fits(pd))
			vx_sink_warn(pd->sink, "%s: --kallsyms %s has _text at 0x%llx but the capture's "
				     "kernel was at 0x%llx (other boot?): symbols may be wrong",
				     pd->name, pd->opts->kallsyms, (unsigned long long)pd->ks.text,
				     (unsigned long long)pd->kernel_text);
		pd->ks_state = 1;
		return 0;
	}
	if (pd->tracing_kallsyms &&
	    vx_kallsyms_parse(&pd->ks, pd->tracing_kallsyms, pd->tracing_kallsyms_len, pd->name) > 0) {
		pd->ks_state = 1;
		return 0;
	}
	vx_error_clear();
	if (!capture_matches_running(pd)) {
		why = pd->osrelease ? "it was captured on another kernel" : "its kernel release is unknown";
	} else if (vx_kallsyms_load(&pd->ks, "/proc/kallsyms") < 0) {
		why = "/proc/kallsyms is not readable (kptr_restrict?)";
		vx_error_clear();
	} else if (!kallsyms_fits(pd)) {
		why = "it was captured in another boot of this kernel (KASLR offset differs)";
		vx_kallsyms_release(&pd->ks);
	} else {
		pd->ks_state = 1;
		return 0;
	}
	pd->ks_state = -1;
	vx_sink_warn(pd->sink, "%s: kernel addresses kept as hex: no kallsyms for kernel %s, %s; "
		     "import again with --kallsyms FILE (its /proc/kallsyms, same boot)",
		     pd->name, pd->osrelease ? pd->osrelease : "?", why);
	return 0;
}

/*
 * frame_text - "symbol+0xoff/0xsize" of a kernel address, or "0xffffffff8..." when it has no
 * symbol. Memoised per address (a capture repeats the same few thousand return
 * addresses): the strings live in pd->frame_names until the import ends, and the table
 * is bounded by the distinct addresses, not by the number of samples.
 */
static const char *frame_text(struct pd *pd, uint64_t ip)
{
	struct pd_frame *slot;
	size_t mask, i;

	if ((pd->frame_used + 1) * 2 > pd->frame_cap) {
		struct pd_frame *old = pd->frame_tab;
		size_t oldcap = pd->frame_cap;

		pd->frame_cap = oldcap ? 2 * oldcap : 4096;
		pd->frame_tab = xcalloc(pd->frame_cap, sizeof(*pd->frame_tab));
		mask = pd->frame_cap - 1;
		for (size_t k = 0; k < oldcap; k++) {
			if (!old[k].text)
				continue;
			i = (size_t)(old[k].ip * 0x9e3779b97f4a7c15ULL >> 20) & mask;
			while (pd->frame_tab[i].text)
				i = (i + 1) & mask;
			pd->frame_tab[i] = old[k];
		}
		free(old);
	}
	mask = pd->frame_cap - 1;
	i = (size_t)(ip * 0x9e3779b97f4a7c15ULL >> 20) & mask;
	for (slot = &pd->frame_tab[i]; slot->text; slot = &pd->frame_tab[i]) {
		if (slot->ip == ip)
			return slot->text;
		i = (i + 1) & mask;
	}
	/* the one symboliser (src/decode/tep-decode.c), over the capture's kallsyms */
	vx_symbolize_in(NULL, pd->ks_state > 0 ? &pd->ks : NULL, ip, &pd->framebuf);
	slot->ip = ip;
	slot->text = arena_strndup(&pd->frame_names, pd->framebuf.buf, pd->framebuf.len);
	pd->frame_used++;
	return slot->text;
}

/* chain_get - the slot for the callchain of @nr entries at @ips, its hash in *@h; the chain
 * is there when the slot's nr is @nr and its entries are the same bytes */
static struct pd_chain *chain_get(struct pd *pd, const unsigned char *ips, uint64_t nr, uint64_t *h)
{
	if (!pd->chains)
		pd->chains = xcalloc(CHAIN_SLOTS, sizeof(*pd->chains));
	*h = vx_hash64(VX_HASH_INIT, ips, (size_t)nr * 8);
	return &pd->chains[(*h ^ *h >> 32) & (CHAIN_SLOTS - 1)];
}

static bool chain_is(const struct pd_chain *c, const unsigned char *ips, uint64_t nr, uint64_t h)
{
	return c->nr == nr && c->hash == h && !memcmp(c->ips, ips, (size_t)nr * 8);
}

/* chain_put - remember in @c the chain and the @nframes frames (texts owned by
 * pd->frame_names, which outlives the table) it gave */
static void chain_put(struct pd_chain *c, const unsigned char *ips, uint64_t nr, uint64_t h,
		      const char *const *frames, size_t nframes, uint64_t stack_key)
{
	free(c->ips);
	c->ips = xmalloc((size_t)nr * 8 + nframes * sizeof(*frames) + 1);
	memcpy(c->ips, ips, (size_t)nr * 8);
	c->frames = (const char **)(c->ips + nr);
	memcpy(c->frames, frames, nframes * sizeof(*frames));
	c->nr = nr;
	c->hash = h;
	c->nframes = nframes;
	c->stack_key = stack_key;
}

/* ---- tracepoint payloads ---- */

/* attr_resolve - name and field plan of an attr, once per attr */
static void attr_resolve(struct pd *pd, struct pd_attr *a)
{
	struct tep_event *ev = NULL;
	struct tep_format_field **fl = NULL;
	struct strbuf sb = STRBUF_INIT;

	a->resolved = true;
	if (a->attr.type == PERF_TYPE_TRACEPOINT && pd->tep)
		ev = tep_find_event(pd->tep, (int)a->attr.config);
	/* names come from the file: an empty system, event or EVENT_DESC name is possible */
	if (ev) {
		strbuf_addf(&sb, "%s:%s", ev->system && *ev->system ? ev->system : "unknown",
			    ev->name && *ev->name ? ev->name : "unnamed");
		fl = tep_event_fields(ev);
	} else if (a->name && a->name[0] != ':' && strchr(a->name, ':') &&
		   a->name[strlen(a->name) - 1] != ':') {
		strbuf_addstr(&sb, a->name);
	} else if (a->name && *a->name) {
		strbuf_addf(&sb, "perf:%s", a->name);
	} else if (a->attr.type == PERF_TYPE_TRACEPOINT) {
		strbuf_addf(&sb, "unknown:tracepoint_%llu", (unsigned long long)a->attr.config);
	} else {
		strbuf_addf(&sb, "perf:type%u_config%llu", a->attr.type,
			    (unsigned long long)a->attr.config);
	}
	if (a->attr.type == PERF_TYPE_TRACEPOINT && !ev && !pd->warned_unnamed) {
		pd->warned_unnamed = true;
		vx_sink_warn(pd->sink, "%s: no tracing data for tracepoint %llu (file cut before its "
			     "feature sections?): payloads not decoded", pd->name,
			     (unsigned long long)a->attr.config);
	}
	a->fullname = strbuf_detach(&sb, NULL);
	a->ev = ev;
	/* the per-event field plan of the one decoder (src/decode/tep-decode.c), built once */
	for (size_t i = 0; fl && fl[i]; i++) {
		if (!strncmp(fl[i]->name, "common_", 7))
			continue;
		a->fields = xrealloc(a->fields, (a->nfields + 1) * sizeof(*a->fields));
		a->fields[a->nfields] = vx_field_plan(ev, fl[i]);
		a->has_symbols |= a->fields[a->nfields].style == VX_STYLE_SYMBOL;
		a->nfields++;
	}
	free(fl);
}

/* ---- samples ---- */

static size_t read_format_size(const struct perf_event_attr *attr, const unsigned char *p,
			       size_t left, bool *ok)
{
	uint64_t rf = attr->read_format;
	size_t te = (rf & PERF_FORMAT_TOTAL_TIME_ENABLED ? 8 : 0) +
		    (rf & PERF_FORMAT_TOTAL_TIME_RUNNING ? 8 : 0);
	size_t per = 8 + (rf & PERF_FORMAT_ID ? 8 : 0) + (rf & PERF_FORMAT_LOST ? 8 : 0);
	uint64_t nr;

	*ok = true;
	if (!(rf & PERF_FORMAT_GROUP))
		return per + te;
	if (left < 8) {
		*ok = false;
		return 0;
	}
	nr = rd64(p);
	if (nr > (left - 8 - te) / per) {
		*ok = false;
		return 0;
	}
	return 8 + te + (size_t)nr * per;
}

static int sample(struct pd *pd, const unsigned char *rec, size_t size)
{
	const unsigned char *p = rec + sizeof(struct perf_event_header), *end = rec + size;
	struct pd_attr *a = sample_attr(pd, p, (size_t)(end - p));
	uint64_t st, time = 0, nr = 0;
	const unsigned char *ips = NULL, *raw = NULL;
	uint32_t rawsz = 0;
	int pid = -1, tid = -1, cpu = -1;
	size_t nframes = 0, nfields = 0, nkips = 0;
	const unsigned char *kips = NULL;
	struct vx_event ev;

#define NEED(n) do { if ((size_t)(end - p) < (size_t)(n)) goto bad; } while (0)
	if (!a) {
		vx_sink_skip(pd->sink, "sample of an unknown event id", 29);
		return 0;
	}
	st = a->attr.sample_type;
	if (st & PERF_SAMPLE_IDENTIFIER) { NEED(8); p += 8; }
	if (st & PERF_SAMPLE_IP) { NEED(8); p += 8; }
	if (st & PERF_SAMPLE_TID) { NEED(8); pid = (int)rd32(p); tid = (int)rd32(p + 4); p += 8; }
	if (st & PERF_SAMPLE_TIME) { NEED(8); time = rd64(p); p += 8; }
	if (st & PERF_SAMPLE_ADDR) { NEED(8); p += 8; }
	if (st & PERF_SAMPLE_ID) { NEED(8); p += 8; }
	if (st & PERF_SAMPLE_STREAM_ID) { NEED(8); p += 8; }
	if (st & PERF_SAMPLE_CPU) { NEED(8); cpu = (int)rd32(p); p += 8; }
	if (st & PERF_SAMPLE_PERIOD) { NEED(8); p += 8; }
	if (st & PERF_SAMPLE_READ) {
		bool ok;
		size_t n = read_format_size(&a->attr, p, (size_t)(end - p), &ok);

		if (!ok)
			goto bad;
		NEED(n);
		p += n;
	}
	if (st & PERF_SAMPLE_CALLCHAIN) {
		NEED(8);
		nr = rd64(p);
		p += 8;
		if (nr > (uint64_t)(end - p) / 8)
			goto bad;
		ips = p;
		p += nr * 8;
	}
	if (st & PERF_SAMPLE_RAW) {
		NEED(4);
		rawsz = rd32(p);
		p += 4;
		NEED(rawsz);
		raw = p;
		p += rawsz;
	}
	/* BRANCH_STACK, REGS_*, STACK_USER, WEIGHT, ... follow RAW: nothing of them is used */
#undef NEED

	if (!a->resolved)
		attr_resolve(pd, a);
	if (a->has_symbols && raw && !pd->ks_state && symbols_decide(pd) < 0)
		return -1;

	/* payload fields, as text in one reused buffer */
	strbuf_reset(&pd->vals);
	if (raw && a->nfields) {
		if (pd->fields_cap < a->nfields) {
			pd->fields_cap = a->nfields;
			pd->fields = xrealloc(pd->fields, pd->fields_cap * sizeof(*pd->fields));
			pd->val_off = xrealloc(pd->val_off, pd->fields_cap * sizeof(*pd->val_off));
		}
		for (size_t i = 0; i < a->nfields; i++) {
			size_t at = pd->vals.len;

			if (vx_field_value(a->ev, &a->fields[i], raw, (int)rawsz,
					   pd->ks_state > 0 ? &pd->ks : NULL, &pd->vals) < 0)
				continue;
			strbuf_addch(&pd->vals, '\0');
			pd->fields[nfields].key = a->fields[i].f->name;
			pd->val_off[nfields++] = at;
		}
		for (size_t i = 0; i < nfields; i++)
			pd->fields[i].value = pd->vals.buf + pd->val_off[i];
	}

	/* kernel frames: from the PERF_CONTEXT_KERNEL marker to a user/guest marker */
	ev.frames = pd->frames;
	ev.stack_key = 0;
	if (ips && nr) {
		uint64_t ctx = 0, i = 0, ip, h;
		struct pd_chain *c = chain_get(pd, ips, nr, &h);

		if (chain_is(c, ips, nr, h)) {
			ev.frames = c->frames;
			nframes = c->nframes;
			ev.stack_key = c->stack_key;
			pd->sink->stacks_cut += c->cut;
		} else {
			kips = ips;
			while (nframes < VX_MAX_FRAMES && vx_callchain_next(ips, nr, &i, &ctx, &ip)) {
				nkips = (size_t)i;
				if (!pd->ks_state && symbols_decide(pd) < 0)
					return -1;
				pd->frames[nframes++] = frame_text(pd, ip);
			}
			/* same kernel addresses → same frame texts (frame_text is memoised for
			 * the import) */
			ev.stack_key = nframes ? vx_hash64(VX_HASH_INIT, kips, nkips * 8) | 1 : 0;
			chain_put(c, ips, nr, h, pd->frames, nframes, ev.stack_key);
			/* one more kernel frame after the last kept: the stack is cut */
			c->cut = nframes == VX_MAX_FRAMES && vx_callchain_next(ips, nr, &i, &ctx, &ip);
			pd->sink->stacks_cut += c->cut;
		}
	}

	ev.ts_ns = time;
	ev.cpu = cpu;
	ev.pid = tid;
	ev.comm = tid >= 0 ? comm_at(pd, tid, time) : NULL;
	ev.name = a->fullname;
	ev.fields = pd->fields;
	ev.nfields = nfields;
	ev.nframes = nframes;
	(void)pid;
	return vx_sink_event(pd->sink, &ev);
bad:
	vx_sink_skip(pd->sink, "sample shorter than its sample_type says", 40);
	return 0;
}

/* ---- records ---- */

static int header_attr(struct pd *pd, const unsigned char *rec, size_t size)
{
	const unsigned char *p = rec + sizeof(struct perf_event_header);
	size_t left = size - sizeof(struct perf_event_header);
	uint32_t asz;

	if (left < 8)
		return 0;
	asz = rd32(p + 4);
	if (asz < 64 || asz > left)	/* PERF_ATTR_SIZE_VER0 */
		return 0;
	attr_add(pd, p, asz);
	for (size_t k = asz; k + 8 <= left; k += 8)
		id_add(pd, rd64(p + k), pd->nattrs - 1);
	return 0;
}

static int decompress(struct pd *pd, const unsigned char *src, size_t n);

/* record - one complete record of @size bytes at pd->rec_off */
static int record(struct pd *pd, const unsigned char *rec, size_t size)
{
	struct perf_event_header h;

	memcpy(&h, rec, sizeof(h));
	pd->nrecords++;
	switch (h.type) {
	case PERF_RECORD_SAMPLE:
		return sample(pd, rec, size);
	case PERF_RECORD_COMM: {
		size_t body = offsetof(struct perf_record_comm, comm);
		char comm[17] = "";

		if (size < body + 1)
			break;
		memcpy(comm, rec + body, size - body < 16 ? size - body : 16);
		comm[16] = '\0';
		comm_set(pd, (int)rd32(rec + body - 4), id_trailer_time(pd, rec, size, body + 8), comm);
		break;
	}
	case PERF_RECORD_MMAP: {
		size_t body = offsetof(struct perf_record_mmap, filename);
		const char *fn = (const char *)rec + body;

		if (size > body && !strncmp(fn, KERNEL_MMAP_NAME, strlen(KERNEL_MMAP_NAME)) &&
		    strnlen(fn, size - body) < size - body)
			pd->kernel_text = rd64(rec + offsetof(struct perf_record_mmap, pgoff));
		break;
	}
	case PERF_RECORD_LOST:
		if (size >= sizeof(struct perf_record_lost))
			pd->sink->lost_events += rd64(rec + offsetof(struct perf_record_lost, lost));
		break;
	case PERF_RECORD_LOST_SAMPLES:
		if (size >= sizeof(struct perf_record_lost_samples))
			pd->sink->lost_events += rd64(rec + offsetof(struct perf_record_lost_samples, lost));
		break;
	case PERF_RECORD_HEADER_ATTR:
		return header_attr(pd, rec, size);
	case PERF_RECORD_HEADER_FEATURE: {
		size_t body = offsetof(struct perf_record_header_feature, data);

		if (size >= body)
			return feature(pd, (int)rd64(rec + 8), rec + body, size - body, pd->rec_off);
		break;
	}
	case PERF_RECORD_HEADER_BUILD_ID:
		build_id_entry(pd, rec, size);
		break;
	case PERF_RECORD_EVENT_UPDATE: {
		size_t body = offsetof(struct perf_record_event_update, name);
		struct pd_attr *a;

		if (size > body && rd64(rec + 8) == PERF_EVENT_UPDATE__NAME &&
		    (a = attr_by_id(pd, rd64(rec + 16))) && !a->name)
			a->name = xstrndup((const char *)rec + body, size - body);
		break;
	}
	case PERF_RECORD_COMPRESSED:
		return decompress(pd, rec + sizeof(h), size - sizeof(h));
	default:
		/* MMAP2, FORK, EXIT, FINISHED_ROUND, ID_INDEX, CPU_MAP, ... carry nothing we use */
		if (h.type >= PERF_RECORD_HEADER_MAX)
			vx_sink_skip(pd->sink, "record of an unknown type", 25);
		break;
	}
	return 0;
}

/* decompress - one PERF_RECORD_COMPRESSED: a piece of one zstd stream that spans the
 * file; the records inside may straddle two compressed records */
static int decompress(struct pd *pd, const unsigned char *src, size_t n)
{
	ZSTD_inBuffer in = { src, n, 0 };

	if (!pd->zd) {
		pd->zd = ZSTD_createDStream();
		if (!pd->zd || ZSTD_isError(ZSTD_initDStream(pd->zd)))
			return vx_error("cannot initialise zstd decompression");
		pd->dcap = 1 << 18;
		pd->dbuf = xrealloc(NULL, pd->dcap);
	}
	for (;;) {
		ZSTD_outBuffer out = { pd->dbuf, pd->dcap, pd->dlen };
		size_t r = ZSTD_decompressStream(pd->zd, &out, &in);
		size_t pos = 0;

		if (ZSTD_isError(r))
			return vx_error("%s: compressed record at offset %llu does not decompress (%s); "
					"the file is damaged", pd->name, (unsigned long long)pd->rec_off,
					ZSTD_getErrorName(r));
		pd->dlen = out.pos;
		while (pd->dlen - pos >= sizeof(struct perf_event_header)) {
			struct perf_event_header h;

			memcpy(&h, pd->dbuf + pos, sizeof(h));
			if (h.size < sizeof(h))
				return vx_error("%s: bad record inside compressed data at offset %llu",
						pd->name, (unsigned long long)pd->rec_off);
			if (h.size > pd->dlen - pos)
				break;
			if (h.type == PERF_RECORD_COMPRESSED)
				return vx_error("%s: nested compressed record at offset %llu",
						pd->name, (unsigned long long)pd->rec_off);
			if (record(pd, pd->dbuf + pos, h.size) < 0)
				return -1;
			pos += h.size;
		}
		memmove(pd->dbuf, pd->dbuf + pos, pd->dlen - pos);
		pd->dlen -= pos;
		/* done when the input is used up and the output did not fill the buffer */
		if (in.pos == in.size && out.pos < out.size)
			return 0;
	}
}

static void mark_truncated(struct pd *pd, uint64_t at)
{
	pd->sink->truncated = true;
	pd->sink->truncated_at = at;
}

/* stream - read records from @s until its end; truncation is not an error */
static int stream(struct pd *pd, struct pd_src *s, uint64_t declared_end)
{
	for (;;) {
		struct perf_event_header h;
		ssize_t a = src_ensure(s, sizeof(h));

		if (a < 0)
			return -1;
		if (a == 0) {
			if (s->off < declared_end && declared_end != UINT64_MAX)
				mark_truncated(pd, s->off);
			return 0;
		}
		if ((size_t)a < sizeof(h)) {
			mark_truncated(pd, s->off);
			return 0;
		}
		memcpy(&h, s->buf + s->start, sizeof(h));
		if (h.size < sizeof(h)) {
			/* zeros where a record should be: a file perf did not finish writing */
			mark_truncated(pd, s->off);
			vx_sink_skip(pd->sink, "record of size 0", 16);
			return 0;
		}
		if ((a = src_ensure(s, h.size)) < 0)
			return -1;
		if ((size_t)a < h.size) {
			mark_truncated(pd, s->off);
			return 0;
		}
		pd->rec_off = s->off;
		if (h.type == PERF_RECORD_HEADER_TRACING_DATA) {
			/* pipe mode: the tracing data follows the record, outside its size */
			uint32_t tsz = h.size >= sizeof(struct perf_record_header_tracing_data) ?
				       rd32(s->buf + s->start + sizeof(h)) : 0;
			uint64_t at = s->off;

			if (tsz > (256u << 20))
				return vx_error("%s: tracing data of %u bytes at offset %llu is not "
						"plausible; the file is damaged", pd->name, tsz,
						(unsigned long long)at);
			src_consume(s, h.size);
			if ((a = src_ensure(s, tsz)) < 0)
				return -1;
			if ((size_t)a < tsz) {
				mark_truncated(pd, at);
				return 0;
			}
			if (parse_tracing(pd, s->buf + s->start, tsz, s->off) < 0)
				return -1;
			src_consume(s, tsz);
			continue;
		}
		if (h.type == PERF_RECORD_AUXTRACE && h.size >= sizeof(struct perf_record_auxtrace)) {
			uint64_t asz = rd64(s->buf + s->start + offsetof(struct perf_record_auxtrace, size));
			uint64_t at = s->off;

			src_consume(s, h.size);
			while (asz) {
				size_t k = asz > (1 << 20) ? (1 << 20) : (size_t)asz;

				if ((a = src_ensure(s, k)) < 0)
					return -1;
				if ((size_t)a < k) {
					mark_truncated(pd, at);
					return 0;
				}
				src_consume(s, k);
				asz -= k;
			}
			continue;
		}
		if (record(pd, s->buf + s->start, h.size) < 0)
			return -1;
		src_consume(s, h.size);
	}
}

/* ---- file mode ---- */

static int pread_full(struct pd *pd, int fd, void *dst, size_t n, uint64_t off, uint64_t fsize,
		      const char *what)
{
	size_t done = 0;

	if (off > fsize || n > fsize - off)
		return vx_error("%s: truncated: the %s at offset %llu (%zu bytes) is past the end of "
				"the file (%llu bytes)", pd->name, what, (unsigned long long)off, n,
				(unsigned long long)fsize);
	while (done < n) {
		ssize_t r = pread(fd, (char *)dst + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return vx_error("%s: read error at offset %llu: %s", pd->name,
					(unsigned long long)(off + done), r ? strerror(errno) : "end of file");
		done += (size_t)r;
	}
	return 0;
}

/* spool - a file-mode perf.data on a pipe: copy it to an unlinked temporary file so the
 * feature sections at its end can be read first (memory stays bounded) */
static int spool(struct pd *pd, const void *head, size_t headlen, FILE **tmp)
{
	char buf[65536];
	ssize_t r;
	FILE *f = tmpfile();

	if (!f)
		return vx_error("%s: cannot create a temporary file for a file-mode perf.data read from "
				"a pipe: %s", pd->name, strerror(errno));
	if (fwrite(head, 1, headlen, f) != headlen)
		goto werr;
	while ((r = vx_input_read(pd->in, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)r, f) != (size_t)r)
			goto werr;
	if (r < 0 || fflush(f)) {
		fclose(f);
		return r < 0 ? -1 : vx_error("%s: cannot write temporary file: %s", pd->name, strerror(errno));
	}
	*tmp = f;
	return 0;
werr:
	fclose(f);
	return vx_error("%s: cannot write temporary file: %s", pd->name, strerror(errno));
}

/* phase 1 of import_file: the attrs of the header and the sample ids of each; 0 or -1 */
static int read_attrs(struct pd *pd, const struct pd_file_header *fh, int fd, uint64_t fsize)
{
	uint64_t nattr;
	unsigned char *abuf;
	int ret = -1;

	if (fh->attr_size < 64 + sizeof(struct pd_section) || fh->attr_size > 4096 ||
	    fh->attrs.size % fh->attr_size || fh->attrs.size / fh->attr_size > 65536)
		return vx_error("%s: bad attribute section in the header (attr_size %llu, size %llu); "
				"the file is damaged", pd->name, (unsigned long long)fh->attr_size,
				(unsigned long long)fh->attrs.size);
	nattr = fh->attrs.size / fh->attr_size;
	abuf = xmalloc(fh->attrs.size);
	if (pread_full(pd, fd, abuf, fh->attrs.size, fh->attrs.offset, fsize, "attribute section") < 0)
		goto out;
	for (uint64_t i = 0; i < nattr; i++) {
		const unsigned char *e = abuf + i * fh->attr_size;
		size_t asz = fh->attr_size - sizeof(struct pd_section);
		struct pd_section ids;
		uint64_t *idv;

		memcpy(&ids, e + asz, sizeof(ids));
		attr_add(pd, e, asz);
		if (ids.size % 8 || ids.size > (1 << 24)) {
			vx_error("%s: bad id section of event %llu; the file is damaged", pd->name,
				 (unsigned long long)i);
			goto out;
		}
		idv = xmalloc(ids.size);
		if (pread_full(pd, fd, idv, ids.size, ids.offset, fsize, "id section") < 0) {
			free(idv);
			goto out;
		}
		for (uint64_t k = 0; k < ids.size / 8; k++)
			id_add(pd, idv[k], pd->nattrs - 1);
		free(idv);
	}
	ret = 0;
out:
	free(abuf);
	return ret;
}

/*
 * phase 2 of import_file: the feature sections whose table follows the data section (ending
 * at @data_end), the tracing data last, as it needs the names EVENT_DESC does not give.
 * *@cut is set when the file ends inside them. 0 or -1.
 */
static int read_features(struct pd *pd, const struct pd_file_header *fh, int fd, uint64_t fsize,
			 uint64_t data_end, bool *cut)
{
	struct pd_section sec[FEAT_BITS];
	int nsec = 0, feat_of[FEAT_BITS];

	for (int b = 0; b < FEAT_BITS; b++)
		if (fh->features[b / 64] >> (b % 64) & 1)
			feat_of[nsec++] = b;
	if (nsec && pread_full(pd, fd, sec, nsec * sizeof(sec[0]), data_end, fsize, "feature table") < 0) {
		*cut = true;
		nsec = 0;
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < nsec; i++) {
			unsigned char *fb;
			int is_td = feat_of[i] == FEAT_TRACING_DATA;

			if (sec[i].offset > fsize || sec[i].size > fsize - sec[i].offset) {
				*cut = true;
				continue;
			}
			if (is_td != pass)
				continue;
			if (feat_of[i] != FEAT_TRACING_DATA && feat_of[i] != FEAT_BUILD_ID &&
			    feat_of[i] != FEAT_HOSTNAME && feat_of[i] != FEAT_OSRELEASE &&
			    feat_of[i] != FEAT_EVENT_DESC)
				continue;
			if (sec[i].size > (64u << 20))
				continue;
			fb = xmalloc(sec[i].size);
			if (pread_full(pd, fd, fb, sec[i].size, sec[i].offset, fsize, "feature section") < 0 ||
			    feature(pd, feat_of[i], fb, sec[i].size, sec[i].offset) < 0) {
				free(fb);
				return -1;
			}
			free(fb);
		}
	vx_error_clear();
	return 0;
}

/* phase 3 of import_file: the data section, streamed up to @data_end */
static int read_data(struct pd *pd, const struct pd_file_header *fh, int fd, uint64_t fsize,
		     uint64_t data_end, bool features_cut)
{
	struct pd_src s = { 0 };
	int ret;

	if (fh->data.offset > fsize) {
		mark_truncated(pd, fsize);
		return 0;
	}
	s.file = true;
	s.fd = fd;
	s.in = pd->in;
	s.pos = s.off = fh->data.offset;
	s.end = data_end < fsize ? data_end : fsize;
	s.cap = 1 << 18;
	s.buf = xmalloc(s.cap);
	ret = stream(pd, &s, data_end);
	/* data complete but the file ends inside its feature sections: still a cut file */
	if (!ret && features_cut && !pd->sink->truncated)
		mark_truncated(pd, fsize);
	free(s.buf);
	return ret;
}

/* a file-mode perf.data (spooled first when it comes from a pipe): attrs, features, data */
static int import_file(struct pd *pd, const struct pd_file_header *fh)
{
	FILE *tmp = NULL;
	struct stat st;
	int fd = pd->in->fd, ret = -1;
	uint64_t fsize, data_end;
	bool features_cut = false;

	if (!pd->in->seekable) {
		if (spool(pd, fh, sizeof(*fh), &tmp) < 0)
			return -1;
		fd = fileno(tmp);
	}
	if (fstat(fd, &st) < 0) {
		vx_error("%s: cannot stat: %s", pd->name, strerror(errno));
		goto out;
	}
	fsize = (uint64_t)st.st_size;
	if (read_attrs(pd, fh, fd, fsize) < 0)
		goto out;
	/* a cut file has no feature sections */
	data_end = fh->data.size ? fh->data.offset + fh->data.size : UINT64_MAX;
	if (fh->data.size && data_end <= fsize && read_features(pd, fh, fd, fsize, data_end, &features_cut) < 0)
		goto out;
	ret = read_data(pd, fh, fd, fsize, data_end, features_cut);
out:
	if (tmp)
		fclose(tmp);
	return ret;
}

/* ---- entry points ---- */

static int perf_data_probe(const unsigned char *head, size_t len)
{
	if (len >= 8 && (rd64(head) == PERF_MAGIC2 || rd64(head) == PERF_MAGIC2_SWAPPED))
		return 100;
	return 0;
}

static void pd_release(struct pd *pd)
{
	for (size_t i = 0; i < pd->nattrs; i++) {
		free(pd->attrs[i].name);
		free(pd->attrs[i].fullname);
		free(pd->attrs[i].fields);
	}
	free(pd->attrs);
	free(pd->ids);
	for (size_t i = 0; i < pd->comms_cap; i++)
		free(pd->comms[i].at);
	free(pd->comms);
	if (pd->tep)
		tep_free(pd->tep);
	free(pd->tracing_kallsyms);
	free(pd->osrelease);
	vx_kallsyms_release(&pd->ks);
	strbuf_release(&pd->vals);
	strbuf_release(&pd->framebuf);
	free(pd->frame_tab);
	for (size_t i = 0; pd->chains && i < CHAIN_SLOTS; i++)
		free(pd->chains[i].ips);
	free(pd->chains);
	arena_release(&pd->frame_names);
	free(pd->val_off);
	free(pd->fields);
	if (pd->zd)
		ZSTD_freeDStream(pd->zd);
	free(pd->dbuf);
}

static int perf_data_import(struct vx_input *in, struct vx_sink *sink, const struct vx_import_opts *opts)
{
	struct pd pd = { .in = in, .sink = sink, .opts = opts, .name = in->name };
	struct pd_file_header fh;
	int r, ret = -1;

	{
		size_t have;
		const unsigned char *head = vx_input_peek(in, &have);

		if (have >= 8 && have < 16 && perf_data_probe(head, have))
			return vx_error("%s: truncated: the file ends inside the perf.data header "
					"(%zu of 16 bytes)", in->name, have);
	}
	r = vx_input_read_full(in, &fh, 16);
	if (r <= 0 || (fh.magic != PERF_MAGIC2 && fh.magic != PERF_MAGIC2_SWAPPED)) {
		vx_error_clear();
		return vx_error("%s: not a perf.data file (no PERFILE2 magic at offset 0)", in->name);
	}
	if (fh.magic == PERF_MAGIC2_SWAPPED)
		return vx_error("%s: big-endian perf.data is not supported; convert it on its machine "
				"with 'perf script'", in->name);
	if (fh.size == 16) {
		struct pd_src s = { .in = in, .off = in->offset, .cap = 1 << 18 };

		s.buf = xrealloc(NULL, s.cap);
		ret = stream(&pd, &s, UINT64_MAX);
		free(s.buf);
	} else if (fh.size == sizeof(fh)) {
		r = vx_input_read_full(in, (char *)&fh + 16, sizeof(fh) - 16);
		if (r <= 0) {
			vx_error_clear();
			ret = vx_error("%s: truncated: the file ends inside the perf.data header (%zu bytes)",
				       in->name, sizeof(fh));
		} else {
			ret = import_file(&pd, &fh);
		}
	} else {
		ret = vx_error("%s: perf.data header of %llu bytes is not known (expected 16 or %zu)",
			       in->name, (unsigned long long)fh.size, sizeof(fh));
	}
	pd_release(&pd);
	return ret;
}

const struct vx_format vx_format_perf_data = {
	.name = "perf-data",
	.desc = "perf.data of 'perf record' (file mode, pipe mode '-o -', zstd '-z')",
	.probe = perf_data_probe,
	.import = perf_data_import,
};
