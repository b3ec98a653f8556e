/* tep-decode.h: the one decoder of vxanalyze: event payloads, kernel_stack records and kernel
 * addresses as text through libtraceevent, shared by the recorder, the trace.dat importer and
 * the perf.data importer (same event -> same fields and frames, whichever way it arrived).
 * Field rules, from the event's own print format ("name=<conversion>"): hex ("0x%04x",
 * "%#x", "%lx", "%p") as "0x" and the digits, zero-padded to the format's width ("0x0800");
 * "%pS"/"%ps" as a symbol; pointers and kprobe "__probe_" fields hex; other numbers decimal;
 * char arrays and __data_loc char[] as text (unprintable bytes as '?'); other byte arrays as
 * an IPv4 (4 bytes) or IPv6 (16 bytes) address, else 0x and hex bytes.
 * Must not: know about tracefs, files or the store.
 */
#ifndef VX_TEP_DECODE_H
#define VX_TEP_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/strbuf.h"

struct tep_handle;
struct tep_event;
struct tep_format_field;

enum vx_field_style { VX_STYLE_NUMBER, VX_STYLE_HEX, VX_STYLE_SYMBOL };

struct vx_kallsyms;
struct vx_funcs;

/*
 * struct vx_field_plan - how one field of an event is shown, decided once from the event's
 * print format (callers that decode many records keep one per field: the per-event plan).
 * @width: hex digits at least (the format's zero padding: "0x%04x" -> 4), 0 for none.
 */
struct vx_field_plan {
	struct tep_format_field *f;
	enum vx_field_style style;
	int width;
};

/* vx_field_plan - the plan of field @f of @ev (searches the print format) */
struct vx_field_plan vx_field_plan(struct tep_event *ev, struct tep_format_field *f);
/*
 * vx_field_value - append the field of @plan in the record @data (@size bytes) to @buf;
 * symbols ("%pS") through vx_symbolize_in(@ev's tep, @ks). Returns 0, or -1 (nothing
 * appended) when the record is too short for the field.
 */
int vx_field_value(struct tep_event *ev, const struct vx_field_plan *plan, const void *data, int size,
		   const struct vx_kallsyms *ks, struct strbuf *buf);
/* vx_field_value_with - vx_field_value() with symbols from @funcs (the caller's own table,
 * see struct vx_funcs; NULL: @ev's tep) before @ks */
int vx_field_value_with(struct tep_event *ev, const struct vx_field_plan *plan, const void *data,
			int size, const struct vx_funcs *funcs, const struct vx_kallsyms *ks,
			struct strbuf *buf);
/*
 * struct vx_plan_cache - the field plans of the events a decoder has met, each built once
 * (searching the print format per field is most of the cost of decoding a record). Start
 * zeroed; vx_plan_cache_release() frees it.
 */
struct vx_plan_cache {
	struct vx_event_plans *ev;	/* malloc'd, @n of them */
	size_t n, last;
};
void vx_plan_cache_release(struct vx_plan_cache *c);
/*
 * vx_decode_fields - the non-common fields of @event in @data (@size bytes) as strings into
 * @buf (reset first); @fields receives up to @max entries pointing into @buf. The plans come
 * from @cache (NULL: built for this call alone). Returns the count.
 */
size_t vx_decode_fields(struct tep_event *event, const void *data, int size, struct strbuf *buf,
			struct vx_field *fields, size_t max, struct vx_plan_cache *cache);
/*
 * vx_decode_kernel_stack - the callers of an ftrace:kernel_stack record (@size entries of
 * caller[], not the 8 its print format shows), symbolised into @frames[i] (caller-owned
 * strbufs, reused) with @ptrs[i] pointing at their text; innermost first. Returns the count.
 */
size_t vx_decode_kernel_stack(struct tep_event *event, const void *data, int size,
			      struct strbuf *frames, const char **ptrs, size_t max);
/*
 * vx_symbolize_in - the one symboliser: "sym+0xoff/0xsize" for the kernel address @addr
 * (the size up to the next symbol), from @tep's function list when it has the address,
 * else from @ks (may be NULL), else "0x..." (16 digits for a 64-bit kernel address).
 * @out is reset first.
 */
void vx_symbolize_in(struct tep_handle *tep, const struct vx_kallsyms *ks, uint64_t addr,
		     struct strbuf *out);
/* vx_symbolize_with - vx_symbolize_in() looking the address up in @funcs (non-NULL) instead
 * of @tep's function list: a reader that builds its own table passes it with every call, so
 * that each file is symbolised with its own kallsyms (no state shared between imports) */
void vx_symbolize_with(struct tep_handle *tep, const struct vx_funcs *funcs,
		       const struct vx_kallsyms *ks, uint64_t addr, struct strbuf *out);
/*
 * vx_callchain_next - the one walk of a perf callchain (@nr entries of 8 bytes at @ips, host
 * order, any alignment) for its kernel addresses: from the start or a PERF_CONTEXT_KERNEL
 * marker to the first user or guest marker (hypervisor frames between are left out). Start with *@i = 0 and *@ctx = 0; each
 * call gives the next kernel address in *@addr (and *@i just past it) and returns true,
 * false at the end.
 */
bool vx_callchain_next(const unsigned char *ips, uint64_t nr, uint64_t *i, uint64_t *ctx, uint64_t *addr);
/*
 * struct vx_funcs - a kernel symbol table that answers exactly as libtraceevent's own
 * (tep_find_function_info() after tep_parse_kallsyms()) without a registration, that is two
 * allocations, per symbol: @map holds @n entries in the order tep sorts them (qsort by
 * address of the symbols in reverse order of their lines) and an end entry {0, NULL}.
 * Built by its owner (trace-dat.c), who frees it and passes it to vx_symbolize_with() and
 * vx_field_value_with().
 */
struct vx_func {
	unsigned long long addr;
	const char *name;
};
struct vx_funcs {
	struct vx_func *map;
	size_t n;
};
/* vx_funcs_sort - sort @f->map's @f->n entries, given in the order of the kallsyms lines, as
 * tep does (reversed, then qsort by address), and add the end entry (@f->map has room) */
void vx_funcs_sort(struct vx_funcs *f);
/*
 * vx_tep_parse_event - tep_parse_event() that survives libtraceevent 1.7 folding a constant
 * division by zero in a damaged format's print arguments (it raises SIGFPE inside the
 * library, e.g. on "REC->x, RE/usr/lib/x86_64-linux-gnu/"): the format then counts as one
 * the library cannot parse (-1); what it allocated for it is lost. For readers that parse a
 * file's formats in the importing process (trace-dat.c, perf-data.c).
 */
int vx_tep_parse_event(struct tep_handle *tep, const char *buf, size_t size, const char *sys);
/* vx_symbolize - vx_symbolize_in() through @tep alone */
void vx_symbolize(struct tep_handle *tep, uint64_t addr, struct strbuf *out);
/* vx_add_u64 / vx_add_hex - a number in decimal / as "0x" and at least @width hex digits,
 * without printf (this runs for every field of every event) */
void vx_add_u64(struct strbuf *sb, unsigned long long v);
void vx_add_hex(struct strbuf *sb, unsigned long long v, int width);

#endif
