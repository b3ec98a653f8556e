/* model.c: helpers on the shared model: frame normalisation (so every capture format
 * yields the same stack for the same kernel path), field lookup, hashing, dataset release.
 */
#include "model.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vx_sink_meta(struct vx_sink *s, const char *key, const char *value)
{
	if (!s->meta || !value)
		return 0;
	return s->meta(s, key, value, strlen(value));
}

void vx_sink_warn(struct vx_sink *s, const char *fmt, ...)
{
	va_list ap;

	if (s->warning[0])
		return;
	va_start(ap, fmt);
	vsnprintf(s->warning, sizeof(s->warning), fmt, ap);
	va_end(ap);
	vx_sink_meta(s, "warning", s->warning);
}

void vx_sink_skip(struct vx_sink *s, const char *what, size_t len)
{
	if (s->skipped++ == 0) {
		size_t n = len < sizeof(s->skipped_example) - 1 ? len : sizeof(s->skipped_example) - 1;

		memcpy(s->skipped_example, what, n);
		s->skipped_example[n] = '\0';
		for (char *p = s->skipped_example; *p; p++)
			if (!isprint((unsigned char)*p))
				*p = '?';
	}
}

/*
 * Frames that belong to the tracing machinery rather than to the traced path. A prefix
 * match is enough; each group notes where it comes from.
 */
static const char *const machinery_prefix[] = {
	"trace_event_raw_event_",	/* ftrace tracepoint glue */
	"trace_event_buffer_",
	"__traceiter_",
	"perf_trace_",			/* perf tracepoint glue */
	"perf_tp_event",
	"perf_callchain",
	"kprobe_",			/* kprobe_ftrace_handler, kprobe_dispatcher, kprobe_trace_func, ... */
	"kretprobe_",
	"__kretprobe_trampoline",
	"pre_handler_kretprobe",
	"aggr_pre_handler",
	"opt_pre_handler",
	"optimized_callback",
	"optprobe_template_",
	"arch_rethook_",
	"rethook_",
	"ftrace_trampoline",
	"ftrace_regs_call",
	"ftrace_regs_caller",
	"ftrace_call",
	"ftrace_caller",
	"function_trace_call",
	"function_stack_trace_call",
	"__ftrace_trace_stack",
	"__trace_stack",
	"trace_call_bpf",
	"kprobe_int3_handler",
	"exc_int3",
	"asm_exc_int3",
	"do_int3",
};

static int is_machinery(const char *sym)
{
	for (size_t i = 0; i < sizeof(machinery_prefix) / sizeof(machinery_prefix[0]); i++)
		if (sym[0] == machinery_prefix[i][0] && sym[1] == machinery_prefix[i][1] &&
		    !strncmp(sym, machinery_prefix[i], strlen(machinery_prefix[i])))
			return 1;
	return 0;
}

static int is_hex_word(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		n -= 2;
	}
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

int vx_frame_normalize(const char *raw, char *out, size_t outsz)
{
	const char *p = raw, *end;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] == '=' && p[1] == '>')
		p += 2;
	while (*p == ' ' || *p == '\t')
		p++;
	/* perf script: "ffffffff81a2b3c4 ip_output+0x4a ([kernel.kallsyms])" */
	end = p;
	while (*end && *end != ' ' && *end != '\t')
		end++;
	if (*end && is_hex_word(p, (size_t)(end - p))) {
		const char *q = end;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q && *q != '(')
			p = q;
	}
	/* the symbol runs to '+', whitespace or '(' ("[unknown]" and bare addresses stay) */
	end = p;
	while (*end && *end != '+' && *end != ' ' && *end != '\t' && *end != '(' &&
	       *end != '\n' && *end != '\r')
		end++;
	n = (size_t)(end - p);
	if (!n)
		return -1;
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return is_machinery(out);
}

const char *vx_event_field(const struct vx_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->fields[i].key, key))
			return ev->fields[i].value;
	return NULL;
}

uint64_t vx_parse_hex_u64(const char *s)
{
	if (!s)
		return 0;
	while (*s == ' ')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!isxdigit((unsigned char)*s))
		return 0;
	/* strtoull(s, NULL, 16) by hand (this runs for every event): a second "0x" before a
	 * digit is skipped as strtoull skips it, an overflow gives UINT64_MAX */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2]))
		s += 2;
	uint64_t v = 0;
	bool over = false;

	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v >> 60)
			over = true;
		v = v << 4 | d;
	}
	return over ? UINT64_MAX : v;
}

/* the names each column's field may have, in order of preference */
enum { K_SKBADDR, K_SKB, K_SKB_ADDR, K_DEV, K_NAME, K_DEVNAME, K_LEN, K_LENGTH, K_N };
static const char *const column_names[K_N] = { "skbaddr", "skb", "skb_addr", "dev", "name",
					       "devname", "len", "length" };

void vx_event_column_fields(const struct vx_event *ev, int *skb_i, int *dev_i, int *len_i)
{
	int first[K_N];

	for (int k = 0; k < K_N; k++)
		first[k] = -1;
	for (size_t i = 0; i < ev->nfields; i++) {
		const char *key = ev->fields[i].key;

		if (!key || !strchr("sdnl", key[0]))
			continue;	/* no column's field: one compare for most fields */
		for (int k = 0; k < K_N; k++)
			if (first[k] < 0 && column_names[k][0] == key[0] && !strcmp(key, column_names[k]))
				first[k] = (int)i;
	}
	/* the first name of the column's list whose field has a value */
#define PICK(out, from, to) do { \
		*(out) = -1; \
		for (int k = (from); k <= (to); k++) \
			if (first[k] >= 0 && ev->fields[first[k]].value && *ev->fields[first[k]].value) { \
				*(out) = first[k]; \
				break; \
			} \
	} while (0)
	PICK(skb_i, K_SKBADDR, K_SKB_ADDR);
	PICK(dev_i, K_DEV, K_DEVNAME);
	PICK(len_i, K_LEN, K_LENGTH);
#undef PICK
}

uint64_t vx_event_skb(const struct vx_event *ev)
{
	int skb, dev, len;

	vx_event_column_fields(ev, &skb, &dev, &len);
	return skb < 0 ? 0 : vx_parse_hex_u64(ev->fields[skb].value);
}

const char *vx_event_dev(const struct vx_event *ev)
{
	int skb, dev, len;

	vx_event_column_fields(ev, &skb, &dev, &len);
	return dev < 0 ? NULL : ev->fields[dev].value;
}

int64_t vx_event_len(const struct vx_event *ev)
{
	int skb, dev, len;
	char *e;
	long long n;

	vx_event_column_fields(ev, &skb, &dev, &len);
	if (len < 0)
		return -1;
	n = strtoll(ev->fields[len].value, &e, 0);
	if (e == ev->fields[len].value || n < 0)
		return -1;
	return n;
}

/* 128-bit multiply folding (after wyhash), 16 bytes a step: stable across runs and machines
 * (the store keeps these values), several times faster than byte-wise FNV on frame names */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t vx_hash64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t a, b, n = len;

	for (; len >= 16; p += 16, len -= 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = mum(a ^ h ^ 0xa0761d6478bd642fULL, b ^ 0xe7037ed1a0b428dbULL);
	}
	a = b = 0;
	if (len >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, len - 8);
	} else {
		memcpy(&a, p, len);
	}
	return mum(a ^ h ^ 0x8ebc6af09c88c6e3ULL, b ^ (n << 3) ^ 0x589965cc75374cc3ULL);
}

void vx_dataset_release(struct vx_dataset *ds)
{
	free(ds->captures);
	free(ds->stacks);
	free(ds->recs);
	arena_release(&ds->arena);
	memset(ds, 0, sizeof(*ds));
}

const struct vx_stack *vx_dataset_stack(const struct vx_dataset *ds, int64_t id)
{
	size_t lo = 0, hi = ds->nstacks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ds->stacks[mid].id == id)
			return &ds->stacks[mid];
		if (ds->stacks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *vx_rec_field(const struct vx_rec *r, const char *key)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].key, key))
			return r->fields[i].value;
	return NULL;
}
