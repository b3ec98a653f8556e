/* tep-decode.h: event payloads and kernel_stack records as text through libtraceevent,
 * shared by the recorder and the trace.dat importer (same events → same fields and frames).
 * Field rules: numbers decimal; pointers, and values the event's print format shows as
 * "name=0x%..." or "%p", hex "0x.."; "%pS" values as symbols; char arrays and
 * __data_loc char[] as text (unprintable bytes as '?'); other byte arrays as an IPv4 (4
 * bytes) or IPv6 (16 bytes) address, else 0x and hex bytes.
 */
#ifndef VX_TEP_DECODE_H
#define VX_TEP_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "strbuf.h"

struct tep_handle;
struct tep_event;
struct tep_format_field;

enum vx_field_style { VX_STYLE_NUMBER, VX_STYLE_HEX, VX_STYLE_SYMBOL };

/* vx_field_style - how @ev's own print format shows field @f (searches the format: callers
 * that decode many records may remember the answer per field) */
enum vx_field_style vx_field_style(struct tep_event *ev, struct tep_format_field *f);
/* vx_field_value - append field @f of the record @data (@size bytes) to @buf in @style;
 * appends nothing when the record is shorter than its format */
void vx_field_value(struct tep_event *event, struct tep_format_field *f, const void *data, int size,
		    enum vx_field_style style, struct strbuf *buf);
/*
 * vx_decode_fields - the non-common fields of @event in @data (@size bytes) as strings into
 * @buf (reset first); @fields receives up to @max entries pointing into @buf. Returns the count.
 */
size_t vx_decode_fields(struct tep_event *event, const void *data, int size, struct strbuf *buf,
			struct vx_field *fields, size_t max);
/*
 * vx_decode_kernel_stack - the callers of an ftrace:kernel_stack record (@size entries of
 * caller[], not the 8 its print format shows), symbolised into @frames[i] (caller-owned
 * strbufs, reused) with @ptrs[i] pointing at their text; innermost first. Returns the count.
 */
size_t vx_decode_kernel_stack(struct tep_event *event, const void *data, int size,
			      struct strbuf *frames, const char **ptrs, size_t max);
/* vx_symbolize - "sym+0xoff/0xsize" for @addr through @tep's kallsyms, or "0x..." */
void vx_symbolize(struct tep_handle *tep, uint64_t addr, struct strbuf *out);

#endif
