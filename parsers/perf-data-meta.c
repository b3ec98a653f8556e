/* perf-data-meta.c: what a perf.data's headers say, for the reader (perf-data.c) and the
 * samples (perf-data-sample.c): the attrs and their sample ids, process names over time,
 * the tracing data (the kernel's event formats, loaded into libtraceevent) and the feature
 * sections. Must not: print (errors through vx_error()).
 */
#include "perf-data-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "core/error.h"
#include "core/xalloc.h"

/* ---- attrs and ids ---- */

struct pd_attr *pd_attr_add(struct pd *pd, const void *attr, size_t attr_size)
{
	struct pd_attr *a;

	VX_GROW(pd->attrs, pd->nattrs, pd->attrs_alloc);
	a = &pd->attrs[pd->nattrs++];
	memset(a, 0, sizeof(*a));
	memcpy(&a->attr, attr, attr_size < sizeof(a->attr) ? attr_size : sizeof(a->attr));
	return a;
}

void pd_id_add(struct pd *pd, uint64_t id, size_t attr)
{
	VX_GROW(pd->ids, pd->nids, pd->ids_alloc);
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
struct pd_attr *pd_attr_by_id(struct pd *pd, uint64_t id)
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
struct pd_attr *pd_sample_attr(struct pd *pd, const unsigned char *p, size_t len)
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
	return pd_attr_by_id(pd, rd64(p + pos));
}

/* id_trailer_time - the time of a non-sample record from its sample_id trailer
 * (sample_id_all); 0 when there is none (synthesized records carry 0 as well) */
uint64_t pd_id_trailer_time(struct pd *pd, const unsigned char *rec, size_t size, size_t body)
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
		const struct pd_attr *b = pd_attr_by_id(pd, rd64(rec + size - 8));

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

/* the names of thread @tid (0 is the idle task: a key of its own), created when asked */
static struct pd_comm *comm_slot(struct pd *pd, int tid, bool create)
{
	uint64_t key = (uint32_t)(tid ? tid : INT32_MIN);	/* an integer key: its own identity */
	struct vx_hash_slot *h = vx_hash_first(&pd->comm_index, key);

	if (h)
		return &pd->comms[h->value];
	if (!create)
		return NULL;
	VX_GROW(pd->comms, pd->ncomms, pd->comms_cap);
	memset(&pd->comms[pd->ncomms], 0, sizeof(*pd->comms));
	pd->comms[pd->ncomms].tid = tid ? tid : INT32_MIN;
	vx_hash_add(&pd->comm_index, key, pd->ncomms);
	return &pd->comms[pd->ncomms++];
}

void pd_comm_set(struct pd *pd, int tid, uint64_t time, const char *comm)
{
	struct pd_comm *c = comm_slot(pd, tid, true);
	struct pd_comm_at *at;

	if (c->n && !strncmp(c->at[c->n - 1].comm, comm, 16))
		return;
	VX_GROW(c->at, c->n, c->alloc);
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
const char *pd_comm_at(struct pd *pd, int tid, uint64_t time)
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

int pd_parse_tracing(struct pd *pd, const unsigned char *data, size_t n, uint64_t off)
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
void pd_build_id_entry(struct pd *pd, const unsigned char *p, size_t n)
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
			a = pd_attr_by_id(pd, id);
			if (a && !a->name && name)
				a->name = xstrdup(name);
		}
		free(name);
	}
}

int pd_feature(struct pd *pd, int feat, const unsigned char *p, size_t n, uint64_t off)
{
	switch (feat) {
	case FEAT_TRACING_DATA:
		return pd_parse_tracing(pd, p, n, off);
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
			pd_build_id_entry(pd, p, h.size);
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
