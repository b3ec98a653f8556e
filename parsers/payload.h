/* payload.h: the text form of an event's payload, as ftrace's `trace` and `perf script`
 * print it ("dev=eth0 skbaddr=... len=98", "table 254 oif 0 ... err -11",
 * "(ip_output+0x0/0xe0) skb=0xffff..."), turned into fields named like the event's format
 * fields where they are known. Shared by the text importers so both give the same fields.
 */
#ifndef VX_PAYLOAD_H
#define VX_PAYLOAD_H

#include <stddef.h>

#include "core/model.h"

#define VX_PAYLOAD_MAX_FIELDS 64

/*
 * vx_payload_parse - split @text (modified in place; fields point into it) into at most
 * @max fields. @event is the bare event name (net_dev_start_xmit) for the few events whose
 * print format is not key=value (fib_table_lookup, kfree_skb's "reason: X", kprobes'
 * "(sym+off/size)" location). Returns the number of fields.
 */
size_t vx_payload_parse(const char *event, char *text, struct vx_field *fields, size_t max);

/*
 * vx_event_system - the tracepoint system of a bare event name seen in text output, where
 * the system is not printed ("net" for net_dev_start_xmit). @payload lets it recognise
 * kprobe/kretprobe lines ("(sym+0x0/0x..)" → "probe"). Unknown names give "ftrace".
 */
const char *vx_event_system(const char *event, const char *payload);

#endif
