/* perf-data-int.h: what the files of the perf.data importer share and nobody else sees:
 * perf-data.c (the file, pipe and zstd reader: records in order, the entry point),
 * perf-data-meta.c (what the headers say: attrs and ids, process names, tracing data,
 * feature sections) and perf-data-sample.c (a sample into an event: the kallsyms it needs,
 * the payload through the one decoder, the callchain). Not for other parsers.
 */
#ifndef VX_PERF_DATA_INT_H
#define VX_PERF_DATA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <perf/event.h>
#include <zstd.h>

#include "format.h"
#include "decode/decoder.h"
#include "decode/kallsyms.h"

struct tep_handle;

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
	const struct vx_event_plan *plan;	/* its format in the tracing data (the one
						 * decoder's plan), or NULL */
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
	int tid;			/* tid 0 (the idle task) is stored as INT32_MIN */
	uint32_t n, alloc;
	struct pd_comm_at *at;
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
	size_t nattrs, attrs_alloc;
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

	struct pd_comm *comms;	/* the threads seen, by index (comm_index: tid -> index) */
	size_t ncomms, comms_cap;
	struct vx_hash comm_index;

	/* the one decoder: field plans, fields, frames (memoised per address for the import) */
	struct vx_decoder dec;
	/* per-sample scratch, reused */
	struct vx_decoded vals;
	const char *frames[VX_MAX_FRAMES];
	struct pd_chain *chains;	/* CHAIN_SLOTS recent callchains, or NULL */

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

/* ---- perf-data-meta.c ---- */

struct pd_attr *pd_attr_add(struct pd *pd, const void *attr, size_t attr_size);
void pd_id_add(struct pd *pd, uint64_t id, size_t attr);
/* pd_attr_by_id - the attr an event id belongs to, or NULL */
struct pd_attr *pd_attr_by_id(struct pd *pd, uint64_t id);
/* pd_sample_attr - the attr of a PERF_RECORD_SAMPLE payload (@len bytes at @p) */
struct pd_attr *pd_sample_attr(struct pd *pd, const unsigned char *p, size_t len);
/* pd_id_trailer_time - the time of a non-sample record from its sample_id trailer, or 0 */
uint64_t pd_id_trailer_time(struct pd *pd, const unsigned char *rec, size_t size, size_t body);
void pd_comm_set(struct pd *pd, int tid, uint64_t time, const char *comm);
/* pd_comm_at - the name thread @tid had at @time, or NULL */
const char *pd_comm_at(struct pd *pd, int tid, uint64_t time);
/* pd_parse_tracing - @n bytes of perf's tracing data at file offset @off into pd->tep */
int pd_parse_tracing(struct pd *pd, const unsigned char *data, size_t n, uint64_t off);
/* pd_feature - one feature section (@feat) of @n bytes at @p (file offset @off) */
int pd_feature(struct pd *pd, int feat, const unsigned char *p, size_t n, uint64_t off);
/* pd_build_id_entry - one perf_record_header_build_id; keeps the kernel's */
void pd_build_id_entry(struct pd *pd, const unsigned char *p, size_t n);

/* ---- perf-data-sample.c ---- */

/* pd_sample - one PERF_RECORD_SAMPLE of @size bytes into the sink; 0 or -1 */
int pd_sample(struct pd *pd, const unsigned char *rec, size_t size);
/* pd_chains_release - the callchain cache */
void pd_chains_release(struct pd *pd);

#endif
