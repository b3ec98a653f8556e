/* dropreason.h: the names of skb drop reasons (skb:kfree_skb's `reason`) where the capture's
 * own format does not name a value: the one rule every input and the report apply, so a
 * reason never reads as a bare number.
 * Must not: know about formats, files or the store (the names come from the callers).
 */
#ifndef VX_DROPREASON_H
#define VX_DROPREASON_H

#include <stdint.h>

#include "strbuf.h"

/*
 * vx_drop_reason_unnamed - a reason value no table names, into @sb: "UNKNOWN(123)"; a
 * subsystem's reason (the high 16 bits, SKB_DROP_REASON_SUBSYS_*) as "SUBSYS/UNKNOWN(low)"
 * ("OPENVSWITCH/UNKNOWN(2)"), the subsystem named as the kernel's enum does, else
 * "SUBSYS(7)/UNKNOWN(2)"
 */
void vx_drop_reason_unnamed(uint64_t v, struct strbuf *sb);

/*
 * vx_drop_reason_in_table - the name of @v in @table, lines of "value name" (capture meta
 * "drop_reasons", as vx_drop_reasons_table() of the decoder writes it), copied into @sb;
 * 0 when found, -1 when not (then @sb is unchanged)
 */
int vx_drop_reason_in_table(const char *table, uint64_t v, struct strbuf *sb);

/*
 * vx_drop_reason_name - @value as a reason's name into @sb: a name stays as it is (a text
 * input printed it); a number is looked up in @table (may be NULL), else unnamed as above
 */
void vx_drop_reason_name(const char *value, const char *table, struct strbuf *sb);

#endif
