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
 *
 * This file is the reader: the data source, the records in order, compressed records, file
 * and pipe mode, the entry point. perf-data-meta.c reads what the headers say,
 * perf-data-sample.c turns a sample into an event (through the one decoder, src/decode).
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
	pd_attr_add(pd, p, asz);
	for (size_t k = asz; k + 8 <= left; k += 8)
		pd_id_add(pd, rd64(p + k), pd->nattrs - 1);
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
		return pd_sample(pd, rec, size);
	case PERF_RECORD_COMM: {
		size_t body = offsetof(struct perf_record_comm, comm);
		char comm[17] = "";

		if (size < body + 1)
			break;
		memcpy(comm, rec + body, size - body < 16 ? size - body : 16);
		comm[16] = '\0';
		pd_comm_set(pd, (int)rd32(rec + body - 4), pd_id_trailer_time(pd, rec, size, body + 8), comm);
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
			return pd_feature(pd, (int)rd64(rec + 8), rec + body, size - body, pd->rec_off);
		break;
	}
	case PERF_RECORD_HEADER_BUILD_ID:
		pd_build_id_entry(pd, rec, size);
		break;
	case PERF_RECORD_EVENT_UPDATE: {
		size_t body = offsetof(struct perf_record_event_update, name);
		struct pd_attr *a;

		if (size > body && rd64(rec + 8) == PERF_EVENT_UPDATE__NAME &&
		    (a = pd_attr_by_id(pd, rd64(rec + 16))) && !a->name)
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
			if (pd_parse_tracing(pd, s->buf + s->start, tsz, s->off) < 0)
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
		pd_attr_add(pd, e, asz);
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
			pd_id_add(pd, idv[k], pd->nattrs - 1);
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
			    pd_feature(pd, feat_of[i], fb, sec[i].size, sec[i].offset) < 0) {
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
	}
	free(pd->attrs);
	free(pd->ids);
	for (size_t i = 0; i < pd->ncomms; i++)
		free(pd->comms[i].at);
	free(pd->comms);
	vx_hash_release(&pd->comm_index);
	if (pd->tep)
		tep_free(pd->tep);
	free(pd->tracing_kallsyms);
	free(pd->osrelease);
	vx_kallsyms_release(&pd->ks);
	pd_chains_release(pd);
	vx_decoder_release(&pd->dec);
	vx_decoded_release(&pd->vals);
	if (pd->zd)
		ZSTD_freeDStream(pd->zd);
	free(pd->dbuf);
}

static int perf_data_import(struct vx_input *in, struct vx_sink *sink, const struct vx_import_opts *opts)
{
	struct pd pd = { .in = in, .sink = sink, .opts = opts, .name = in->name };
	struct pd_file_header fh;
	int r, ret = -1;

	vx_decoder_init(&pd.dec);
	pd.dec.meta = sink;	/* the capture's names of its drop reasons */
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
