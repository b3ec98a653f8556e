/* json.h: the one JSON writer (after bpftool's json_writer) and a reader for the flat
 * {"key":"value",...} objects the store keeps event fields in. Nothing else in vxanalyze
 * prints braces or escapes JSON strings by hand.
 */
#ifndef VX_JSON_H
#define VX_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "model.h"
#include "strbuf.h"

struct json_writer;

/* jw_new_file / jw_new_strbuf - a writer on @fp or appending to @sb (both borrowed);
 * @pretty indents with two spaces. Free with jw_destroy(). */
struct json_writer *jw_new_file(FILE *fp, bool pretty);
struct json_writer *jw_new_strbuf(struct strbuf *sb, bool pretty);
void jw_destroy(struct json_writer *w);

void jw_start_object(struct json_writer *w);
void jw_end_object(struct json_writer *w);
void jw_start_array(struct json_writer *w);
void jw_end_array(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);	/* NULL writes null */
void jw_int(struct json_writer *w, int64_t v);
void jw_uint(struct json_writer *w, uint64_t v);
void jw_double(struct json_writer *w, double v);	/* NaN and infinities: null */
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* shorthands: key + value */
void jw_kstring(struct json_writer *w, const char *k, const char *s);
void jw_kint(struct json_writer *w, const char *k, int64_t v);
void jw_kuint(struct json_writer *w, const char *k, uint64_t v);
void jw_kbool(struct json_writer *w, const char *k, bool v);
/* jw_decimal - the exact number @v * 10^-@scale (scale 0..18), e.g. ns as µs: (ns, 3) */
void jw_decimal(struct json_writer *w, int64_t v, int scale);

/* json_escape - append @s as a quoted JSON string to @sb (invalid UTF-8 becomes \ufffd; "</",
 * "<!" and U+2028/9 are escaped too, so the string is inert inside an HTML <script>) */
void json_escape(struct strbuf *sb, const char *s);

/*
 * json_parse_flat - parse {"k":"v",...} (values: strings, numbers, true/false/null kept
 * as their text) into an array allocated in @a. Returns the number of fields or -1 when
 * @s is not such an object. *@out points into @a.
 */
int json_parse_flat(const char *s, struct arena *a, struct vx_field **out);

#endif
