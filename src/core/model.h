/* model.h: the data every part of vxanalyze agrees on.
 * - struct vx_event: one event as a parser or the recorder sees it, handed to a sink.
 * - struct vx_sink:  where events go (the store, or a test's collector).
 * - struct vx_dataset: what the store loads back for analysis and reports.
 * Nothing here knows about SQLite, tracefs or file formats.
 */
#ifndef VX_MODEL_H
#define VX_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct vx_field {
	const char *key;
	const char *value;
};

/*
 * struct vx_event - one traced event, borrowed: every pointer stays valid only for
 * the duration of the sink call; the sink copies what it keeps.
 * @name:   "system:event" (net:net_dev_start_xmit, probe:ip_output, ftrace:function)
 * @frames: kernel stack innermost first, as the source printed it ("ip_output",
 *          "ip_output+0x4a/0xe0", "ffffffff81a2b3c4 ip_output+0x4a ([kernel.kallsyms])",
 *          or an unresolved "0xffffffff81a2b3c4"); the sink normalises.
 */
struct vx_event {
	uint64_t ts_ns;
	int cpu;		/* -1: unknown */
	int pid;		/* -1: unknown */
	const char *comm;	/* NULL: unknown */
	const char *name;
	const struct vx_field *fields;
	size_t nfields;
	const char *const *frames;
	size_t nframes;
	/* 0, or the producer's promise that every event of this import with the same key has
	 * the same @frames (e.g. a hash of the raw callchain): the store then skips hashing
	 * and normalising the frames of a stack it has seen */
	uint64_t stack_key;
};

/* the frames of a stack the store keeps at most (the innermost); the events whose stack was
 * deeper are counted in vx_sink.stacks_cut */
#define VX_MAX_FRAMES 512

/*
 * struct vx_sink - the one destination of every parser and of the recorder.
 * @event: store one event; returns 0 or -1 with vx_error() set (import stops).
 * @meta:  capture-level facts: "kernel_release", "clock", "kallsyms" (whole text),
 *         "hostname", ...; @value is @len bytes (not necessarily NUL-terminated).
 * The counters are filled by the producer and read by whoever finishes the capture:
 * lost events (ring-buffer overruns, PERF_RECORD_LOST), input units that were not
 * understood (unknown lines/records), truncation (input ended inside a record), and
 * stacks cut at VX_MAX_FRAMES.
 */
struct vx_sink {
	int (*event)(struct vx_sink *s, const struct vx_event *ev);
	int (*meta)(struct vx_sink *s, const char *key, const char *value, size_t len);
	void *priv;
	uint64_t events;	/* incremented by the sink implementation on success */
	uint64_t lost_events;
	uint64_t skipped;	/* input lines/records not understood */
	char skipped_example[160];	/* first such unit, for the warning */
	bool truncated;
	uint64_t truncated_at;	/* byte offset where reading stopped */
	/* events whose kernel stack was deeper than VX_MAX_FRAMES frames, of which only the
	 * innermost are kept: counted by a producer that cut the stack itself, else by the sink
	 * that cut it (the store: capture meta "stacks_cut", said by import) */
	uint64_t stacks_cut;
	/* first warning of the producer ("kernel addresses left as hex: ..."), "" when none;
	 * parsers never print: the command prints it after the import (also stored as
	 * capture meta "warning"). Set it with vx_sink_warn(). */
	char warning[256];
};

static inline int vx_sink_event(struct vx_sink *s, const struct vx_event *ev)
{
	return s->event(s, ev);
}

int vx_sink_meta(struct vx_sink *s, const char *key, const char *value);
/* vx_sink_warn - keep the first warning in s->warning and store it as meta "warning" */
void vx_sink_warn(struct vx_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* vx_sink_skip - count a unit of input that was not understood, keep the first example */
void vx_sink_skip(struct vx_sink *s, const char *what, size_t len);

/* ---- normalisation shared by every producer, applied by the store ---- */

/*
 * vx_frame_normalize - reduce one raw frame to the bare symbol name.
 * Strips " => ", a leading hex address, "+0x../0x.." offsets and " (dso)".
 * Writes into @out (NUL-terminated, truncated to @outsz). Returns 1 when the frame is
 * tracing machinery (trace_event_raw_event_*, __traceiter_*, perf_trace_*, kprobe and
 * ftrace trampolines) and must be dropped, 0 when it is kept, -1 when it is empty.
 */
int vx_frame_normalize(const char *raw, char *out, size_t outsz);

/* vx_event_field - value of field @key or NULL */
const char *vx_event_field(const struct vx_event *ev, const char *key);
/* vx_parse_hex_u64 - "0xffff..." or "ffff..." to a number; 0 when not hex */
uint64_t vx_parse_hex_u64(const char *s);

/* vx_event_skb / _dev / _len - the fields journeys are built on, whatever their name
 * in the source (skbaddr, skb, skb_addr; dev, name, devname; len, length). */
/* vx_event_column_fields - the one rule for which fields those are: the index in @ev->fields
 * of the first of each list's names whose value is not empty, -1 when none (one pass; the
 * store keeps them as columns) */
void vx_event_column_fields(const struct vx_event *ev, int *skb_i, int *dev_i, int *len_i);
uint64_t vx_event_skb(const struct vx_event *ev);
const char *vx_event_dev(const struct vx_event *ev);
int64_t vx_event_len(const struct vx_event *ev);	/* -1 when absent */

/* vx_hash64 - 64-bit hash of @len bytes, continuing from @h (start with VX_HASH_INIT) */
#define VX_HASH_INIT 1469598103934665603ULL
uint64_t vx_hash64(uint64_t h, const void *data, size_t len);

/* ---- the dataset loaded back from the store ---- */

struct vx_capture {
	int64_t id;
	const char *source;
	const char *format;
	const char *kernel_release;	/* NULL when unknown */
	const char *imported_at;
	uint64_t events;
	uint64_t lost_events;
	uint64_t skipped;
	bool truncated;
	uint64_t first_ts, last_ts;
	const char *filter;	/* record/import --filter: the expression, NULL without one */
	uint64_t filtered;	/* events it left out (capture meta `filtered`) */
	const char *host;	/* meta "hostname" (recorded, or import --host), NULL when unknown */
	const char *boot_id;	/* meta "boot_id" (recorded), NULL when unknown */
	/* meta "command_pids" (recorded): the command's pid and the pids forked from it,
	 * space-separated; NULL for imports */
	const char *command_pids;
	const char *kprobes;	/* meta "kprobes" (recorded): the probes placed, one a line */
	/* meta "drop_reasons": "value NAME" lines from the capture's skb:kfree_skb format, NULL
	 * when it was not stored (text inputs print the names; older databases) */
	const char *drop_reasons;
};

/* the events of one journey: one skb address's events in one capture from (first_ts,
 * first_id) to (last_ts, last_id) in (time, id) order */
struct vx_span {
	int64_t capture_id;
	uint64_t skb;
	uint64_t first_ts, last_ts;
	int64_t first_id, last_id;
};

struct vx_stack {
	int64_t id;
	size_t nframes;
	const char **frames;	/* innermost first, normalised */
};

struct vx_rec {
	int64_t id;
	int64_t capture_id;
	uint64_t ts_ns;
	int cpu, pid;
	const char *comm;
	const char *name;
	const char *dev;	/* NULL when the event has none */
	int64_t len;		/* -1 when the event has none */
	uint64_t skb;		/* 0 when the event has none */
	int64_t stack_id;	/* 0 when the event has no stack */
	size_t nfields;
	struct vx_field *fields;
};

/*
 * struct vx_path_row - one distinct (event name, stack) pair of one capture as the store
 * aggregates it: @count events, the first of them (in time, id order) is @first_id at
 * @first_ts in @first_capture. @frames (innermost first) are borrowed. @stack_id 0: the
 * capture's events of that name without a stack (no frames).
 */
struct vx_path_row {
	const char *name;
	int64_t stack_id;
	uint64_t count;
	int64_t first_capture;
	uint64_t first_ts;
	int64_t first_id;
	const char *const *frames;
	size_t nframes;
	bool stack_missing;	/* events name a stack the stacks table does not hold */
};

/*
 * struct vx_dataset - everything one report needs, owned by the dataset: the three
 * arrays are malloc'd, every string lives in @arena; vx_dataset_release() frees all.
 * @recs are ordered by capture, then time.
 */
struct vx_dataset {
	struct arena arena;
	struct vx_capture *captures;
	size_t ncaptures;
	struct vx_stack *stacks;
	size_t nstacks;
	struct vx_rec *recs;
	size_t nrecs;
};

void vx_dataset_release(struct vx_dataset *ds);
/* vx_dataset_stack - stack by id (binary search; stacks are sorted by id) or NULL */
const struct vx_stack *vx_dataset_stack(const struct vx_dataset *ds, int64_t id);
/* vx_rec_field - value of field @key of a loaded event or NULL */
const char *vx_rec_field(const struct vx_rec *r, const char *key);

#endif
