/* ring-stats.h: what a ring buffer's per-CPU statistics (tracefs per_cpu/cpuN/stats, and the
 * copies trace-cmd keeps in a trace.dat's CPUSTAT option) say about lost events: one rule for
 * the recorder and the trace.dat importer. Must not: read files (callers hand over the text).
 */
#ifndef VX_RING_STATS_H
#define VX_RING_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* vx_ring_stat - the number after "@key:" at the start of a line of @stats, 0 when absent */
uint64_t vx_ring_stat(const char *stats, const char *key);
/* vx_ring_lost_entries - ring entries lost on that CPU: overwritten (overrun, commit overrun)
 * or dropped (dropped events) */
uint64_t vx_ring_lost_entries(const char *stats);
/* vx_ring_events - the events that @entries ring entries hold: with kernel stacks
 * (options/stacktrace) every event is two entries, itself and its kernel_stack, so the events
 * are half the entries (an odd one out is an event whose stack went too: it counts as one) */
uint64_t vx_ring_events(uint64_t entries, bool stacked);

#endif
