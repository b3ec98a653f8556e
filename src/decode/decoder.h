/* decoder.h: the one decoder of raw tracepoint records, shared by the perf.data and trace.dat
 * importers and the recorder: a plan per event type made once (its "system:name", its fields'
 * plans, whether it is ftrace's kernel_stack), a record's fields as text, a kernel_stack
 * record's frames, and kernel addresses as symbols through one table, each memoised.
 * Must not: know about files, tracefs, perf_event_open or the store.
 */
#ifndef VX_DECODER_H
#define VX_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/model.h"
#include "core/strbuf.h"
#include "decode/tep-decode.h"

struct tep_event;
struct tep_format_field;
struct vx_kallsyms;

/*
 * struct vx_event_plan - what decoding every record of one event type needs, made once by
 * vx_decoder_plan() and owned by the decoder (stable until vx_decoder_release()).
 * @name:    "system:event"; an empty system is "unknown", an empty name "unnamed"
 * @fields:  the plans of the payload fields (the format's fields after the common ones), in
 *           format order; a field named "common_*" there is left out as well
 * @has_symbols: some field is printed "%pS"/"%ps" (needs the kallsyms)
 * @is_stack: the event is ftrace:kernel_stack (its records are stacks, not events)
 *
 * A field's plan is the place for everything its print format says about it (style, width;
 * a __print_symbolic() table would go there too), so every input decodes it the same way.
 */
struct vx_event_plan {
	struct tep_event *event;
	char *name;
	size_t nfields;
	struct vx_field_plan *fields;
	bool has_symbols;
	bool is_stack;
	struct tep_format_field *stack_size, *stack_caller;	/* kernel_stack only */
};

/*
 * struct vx_decoded - one record's fields as text: the values NUL-terminated in @text, the
 * keys (field names, owned by the event's tep) in @keys. vx_decoded_fields() gives them as a
 * struct vx_field array, valid until the next decode into @d. Start zeroed; release with
 * vx_decoded_release().
 */
struct vx_decoded {
	struct strbuf text;
	size_t n, alloc;
	const char **keys;
	size_t *off;
	struct vx_field *fields;
};

const struct vx_field *vx_decoded_fields(struct vx_decoded *d);
void vx_decoded_release(struct vx_decoded *d);

/*
 * struct vx_decoder - the plans of the events met (by event pointer), the symbol tables and
 * the memoised frames (by address) and kernel_stack stacks (by their addresses' hash) of one
 * import or recording, each in the one hash table of src/core with its entries in @mem.
 * Start with vx_decoder_init(); everything it hands out lives until vx_decoder_release().
 */
struct vx_decoder {
	struct vx_hash plans;
	size_t nplans;
	const struct vx_kallsyms *ks, *extra;
	struct vx_hash frames;
	struct vx_hash stacks;
	struct arena mem;		/* plan names, frame texts, stacks */
	struct strbuf scratch;
};

void vx_decoder_init(struct vx_decoder *d);
void vx_decoder_release(struct vx_decoder *d);
/*
 * vx_decoder_symbols - the kallsyms table of the capture (@ks) and a table that fills the
 * addresses @ks has no symbol for (@extra, e.g. --kallsyms); either may be NULL, both are
 * borrowed (they must outlive the decoder's use). Frames memoised before are forgotten.
 */
void vx_decoder_symbols(struct vx_decoder *d, const struct vx_kallsyms *ks, const struct vx_kallsyms *extra);
/* vx_decoder_plan - the plan of @ev, made the first time @ev is met */
const struct vx_event_plan *vx_decoder_plan(struct vx_decoder *d, struct tep_event *ev);
/*
 * vx_decode_record - the fields of the record @data (@size bytes) of the event of @p into
 * @out (reset first). Returns the number of fields.
 *
 * The one rule for a record too short for a field: the field is left out of the event (it
 * is not in the record, so the event does not claim a value for it, not even an empty one);
 * the fields before and after it that the record holds are kept. A __data_loc field whose
 * text runs past the record is cut at the record's end.
 */
size_t vx_decode_record(struct vx_decoder *d, const struct vx_event_plan *p, const void *data, int size,
			struct vx_decoded *out);
/*
 * vx_decode_stack - the frames of a kernel_stack record (@p->is_stack): `size` entries of
 * `caller` (the print format shows only 8), innermost first, end markers (0 and all ones)
 * left out, each symbolised (vx_decoder_frame). The element size is the format's element
 * size of `caller`, else the kernel's long size; a `size` that counts bytes (older kernels)
 * is turned into entries; entries past the record are not read. *@frames points at
 * decoder-owned texts; *@key is a hash of the stack's addresses (the same addresses give the
 * same frames: struct vx_event's stack_key). Returns the number of frames, or -1 when the
 * record has no caller array (nothing set).
 */
int vx_decode_stack(struct vx_decoder *d, const struct vx_event_plan *p, const void *data, int size,
		    const char *const **frames, uint64_t *key);
/* vx_decoder_frame - "sym+0xoff/0xsize" of the kernel address @addr (vx_symbolize() of the
 * decoder's tables), memoised: the text lives until the decoder is released */
const char *vx_decoder_frame(struct vx_decoder *d, uint64_t addr);

#endif
