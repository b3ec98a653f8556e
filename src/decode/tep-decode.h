/* tep-decode.h: how one field of a raw record and one kernel address become text, through
 * libtraceevent's format and the kallsyms table: the rules the one decoder (decoder.h) applies
 * for the recorder, the trace.dat and the perf.data importers (same event -> same fields and
 * frames, whichever way it arrived).
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
 * symbols ("%pS") through vx_symbolize(@ks, @extra). Returns 0, or -1 (nothing appended)
 * when the record is too short for the field (see vx_decode_record(), decoder.h, for what
 * the decoder does then).
 */
int vx_field_value(struct tep_event *ev, const struct vx_field_plan *plan, const void *data, int size,
		   const struct vx_kallsyms *ks, const struct vx_kallsyms *extra, struct strbuf *buf);
/*
 * vx_symbolize - the one symboliser: "sym+0xoff/0xsize" for the kernel address @addr from
 * the kallsyms table @ks (the size up to the next symbol), else from @extra (a table that
 * fills what @ks lacks, e.g. --kallsyms), else "0x..." (16 digits for a 64-bit kernel
 * address). Either table may be NULL. @out is reset first.
 */
void vx_symbolize(const struct vx_kallsyms *ks, const struct vx_kallsyms *extra, uint64_t addr,
		  struct strbuf *out);
/*
 * vx_callchain_next - the one walk of a perf callchain (@nr entries of 8 bytes at @ips, host
 * order, any alignment) for its kernel addresses: from the start or a PERF_CONTEXT_KERNEL
 * marker to the first user or guest marker (hypervisor frames between are left out). Start with *@i = 0 and *@ctx = 0; each
 * call gives the next kernel address in *@addr (and *@i just past it) and returns true,
 * false at the end.
 */
bool vx_callchain_next(const unsigned char *ips, uint64_t nr, uint64_t *i, uint64_t *ctx, uint64_t *addr);
/*
 * vx_tep_parse_event - tep_parse_event() that survives libtraceevent 1.7 folding a constant
 * division by zero in a damaged format's print arguments (it raises SIGFPE inside the
 * library, e.g. on "REC->x, RE/usr/lib/x86_64-linux-gnu/"): the format then counts as one
 * the library cannot parse (-1); what it allocated for it is lost. For readers that parse a
 * file's formats in the importing process (trace-dat.c, perf-data.c).
 */
int vx_tep_parse_event(struct tep_handle *tep, const char *buf, size_t size, const char *sys);
/* vx_add_u64 / vx_add_hex - a number in decimal / as "0x" and at least @width hex digits,
 * without printf (this runs for every field of every event) */
void vx_add_u64(struct strbuf *sb, unsigned long long v);
void vx_add_hex(struct strbuf *sb, unsigned long long v, int width);

#endif
