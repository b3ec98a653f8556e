/* perf-data-sample.c: one perf.data sample into an event: its attr's plan in the one decoder
 * (src/decode/decoder.h) for the payload, the kallsyms that provably belongs to the capture's
 * kernel for the "%pS" fields and the callchain (else hex, with a warning), and a cache of
 * recent callchains. Must not: print (warnings through vx_sink_warn()).
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
		vx_decoder_symbols(&pd->dec, &pd->ks, NULL);
		return 0;
	}
	if (pd->tracing_kallsyms &&
	    vx_kallsyms_parse(&pd->ks, pd->tracing_kallsyms, pd->tracing_kallsyms_len, pd->name) > 0) {
		pd->ks_state = 1;
		vx_decoder_symbols(&pd->dec, &pd->ks, NULL);
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
		vx_decoder_symbols(&pd->dec, &pd->ks, NULL);
		return 0;
	}
	pd->ks_state = -1;
	vx_sink_warn(pd->sink, "%s: kernel addresses kept as hex: no kallsyms for kernel %s, %s; "
		     "import again with --kallsyms FILE (its /proc/kallsyms, same boot)",
		     pd->name, pd->osrelease ? pd->osrelease : "?", why);
	return 0;
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
 * the decoder, which outlives the table) it gave */
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

/* attr_resolve - name and plan of an attr, once per attr */
static void attr_resolve(struct pd *pd, struct pd_attr *a)
{
	struct tep_event *ev = NULL;
	struct strbuf sb = STRBUF_INIT;

	a->resolved = true;
	if (a->attr.type == PERF_TYPE_TRACEPOINT && pd->tep)
		ev = tep_find_event(pd->tep, (int)a->attr.config);
	/* names come from the file: an empty system, event or EVENT_DESC name is possible */
	if (ev) {
		/* the per-event plan of the one decoder (src/decode/decoder.c), made once */
		a->plan = vx_decoder_plan(&pd->dec, ev);
		strbuf_addstr(&sb, a->plan->name);
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

/* what a sample carries that the event is made of */
struct pd_sample_parts {
	uint64_t time, nr;
	const unsigned char *ips, *raw;
	uint32_t rawsz;
	int tid, cpu;
};

/* sample_parts - the parts of the sample payload @p..@end that sample_type lists, in the
 * kernel's order; false when the sample is shorter than they need */
static bool sample_parts(const struct pd_attr *a, const unsigned char *p, const unsigned char *end,
			 struct pd_sample_parts *s)
{
	uint64_t st = a->attr.sample_type;

#define NEED(n) do { if ((size_t)(end - p) < (size_t)(n)) return false; } while (0)
#define SKIP(bit) do { if (st & (bit)) { NEED(8); p += 8; } } while (0)
	SKIP(PERF_SAMPLE_IDENTIFIER);
	SKIP(PERF_SAMPLE_IP);
	if (st & PERF_SAMPLE_TID) { NEED(8); s->tid = (int)rd32(p + 4); p += 8; }
	if (st & PERF_SAMPLE_TIME) { NEED(8); s->time = rd64(p); p += 8; }
	SKIP(PERF_SAMPLE_ADDR);
	SKIP(PERF_SAMPLE_ID);
	SKIP(PERF_SAMPLE_STREAM_ID);
	if (st & PERF_SAMPLE_CPU) { NEED(8); s->cpu = (int)rd32(p); p += 8; }
	SKIP(PERF_SAMPLE_PERIOD);
	if (st & PERF_SAMPLE_READ) {
		bool ok;
		size_t n = read_format_size(&a->attr, p, (size_t)(end - p), &ok);

		if (!ok)
			return false;
		NEED(n);
		p += n;
	}
	if (st & PERF_SAMPLE_CALLCHAIN) {
		NEED(8);
		s->nr = rd64(p);
		p += 8;
		if (s->nr > (uint64_t)(end - p) / 8)
			return false;
		s->ips = p;
		p += s->nr * 8;
	}
	if (st & PERF_SAMPLE_RAW) {
		NEED(4);
		s->rawsz = rd32(p);
		p += 4;
		NEED(s->rawsz);
		s->raw = p;
	}
	/* BRANCH_STACK, REGS_*, STACK_USER, WEIGHT, ... follow RAW: nothing of them is used */
#undef SKIP
#undef NEED
	return true;
}

/* sample_frames - the kernel frames of the callchain into @ev (from the PERF_CONTEXT_KERNEL
 * marker to a user/guest marker), through the cache of recent chains; 0 or -1 */
static int sample_frames(struct pd *pd, const struct pd_sample_parts *s, struct vx_event *ev)
{
	uint64_t ctx = 0, i = 0, ip, h;
	size_t nframes = 0, nkips = 0;
	struct pd_chain *c;

	ev->frames = pd->frames;
	ev->nframes = 0;
	ev->stack_key = 0;
	if (!s->ips || !s->nr)
		return 0;
	c = chain_get(pd, s->ips, s->nr, &h);
	if (chain_is(c, s->ips, s->nr, h)) {
		ev->frames = c->frames;
		ev->nframes = c->nframes;
		ev->stack_key = c->stack_key;
		pd->sink->stacks_cut += c->cut;
		return 0;
	}
	while (nframes < VX_MAX_FRAMES && vx_callchain_next(s->ips, s->nr, &i, &ctx, &ip)) {
		nkips = (size_t)i;
		if (!pd->ks_state && symbols_decide(pd) < 0)
			return -1;
		/* the one symboliser, memoised per address for the import (src/decode) */
		pd->frames[nframes++] = vx_decoder_frame(&pd->dec, ip);
	}
	/* same kernel addresses -> same frame texts */
	ev->stack_key = nframes ? vx_hash64(VX_HASH_INIT, s->ips, nkips * 8) | 1 : 0;
	ev->nframes = nframes;
	chain_put(c, s->ips, s->nr, h, pd->frames, nframes, ev->stack_key);
	/* one more kernel frame after the last kept: the stack is cut */
	c->cut = nframes == VX_MAX_FRAMES && vx_callchain_next(s->ips, s->nr, &i, &ctx, &ip);
	pd->sink->stacks_cut += c->cut;
	return 0;
}

int pd_sample(struct pd *pd, const unsigned char *rec, size_t size)
{
	const unsigned char *p = rec + sizeof(struct perf_event_header), *end = rec + size;
	struct pd_attr *a = pd_sample_attr(pd, p, (size_t)(end - p));
	struct pd_sample_parts s = { .tid = -1, .cpu = -1 };
	struct vx_event ev;

	if (!a) {
		vx_sink_skip(pd->sink, "sample of an unknown event id", 29);
		return 0;
	}
	if (!sample_parts(a, p, end, &s)) {
		vx_sink_skip(pd->sink, "sample shorter than its sample_type says", 40);
		return 0;
	}
	if (!a->resolved)
		attr_resolve(pd, a);
	if (a->plan && a->plan->has_symbols && s.raw && !pd->ks_state && symbols_decide(pd) < 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	/* payload fields, as text in one reused buffer */
	if (s.raw && a->plan && a->plan->nfields) {
		ev.nfields = vx_decode_record(&pd->dec, a->plan, s.raw, (int)s.rawsz, &pd->vals);
		ev.fields = vx_decoded_fields(&pd->vals);
	}
	if (sample_frames(pd, &s, &ev) < 0)
		return -1;
	ev.ts_ns = s.time;
	ev.cpu = s.cpu;
	ev.pid = s.tid;
	ev.comm = s.tid >= 0 ? pd_comm_at(pd, s.tid, s.time) : NULL;
	ev.name = a->fullname;
	return vx_sink_event(pd->sink, &ev);
}

void pd_chains_release(struct pd *pd)
{
	for (size_t i = 0; pd->chains && i < CHAIN_SLOTS; i++)
		free(pd->chains[i].ips);
	free(pd->chains);
	pd->chains = NULL;
}
