/* source.h: where the analysis pulls its events from, one row at a time (the store's
 * cursors, wired up in src/app/store-source.c): the contract between the analysis and
 * whatever holds the events.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_SOURCE_H
#define VX_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/model.h"
#include "lookups.h"

/*
 * struct vx_event_source - where the analysis pulls events from, one row at a time; the
 * command wires it to the store's cursors (store_*_each). Every callback's rec and its
 * strings are borrowed for the call. Each *_each returns 0, @fn's non-zero value, or -1
 * with vx_error() set when the source fails.
 * @captures:            fill ds->captures (ds owned by the analysis)
 * @paths_each:          distinct (event, stack) pairs of each capture with counts, events
 *                       without a stack as pairs of stack id 0 (any order)
 * @journey_events_each: events with an skb address in (capture, skb, time, id) order
 * @route_events_each:   fib* (fib:fib_table_lookup, fib6:fib6_table_lookup), netlink:*,
 *                       probe:*, kprobes:* events in time order
 * @row_fields:          during a journey_events_each or route_events_each callback, the
 *                       current row's fields in @a (the recs come without them)
 * @events_each:         every event in time order, without fields (chrome trace)
 * @event_fields:        fields of one event by id, in @a
 * @lookup_keep:         (optional) keep one FIB lookup (event @id) out of memory; called
 *                       during route_events_each when a filter needs every journey's routes
 * @lookup_find:         (optional) the FIB lookup that lookups.h's rule picks: with @dev, the
 *                       last on @cpu in [@lo, @hi] that decides a transmit on @dev
 *                       (vx_lookup_decides_hop); without, the first that explains a drop
 *                       (vx_lookup_explains_drop). Among those kept by @lookup_keep once it
 *                       was called, else among all the source's lookups. 1 with *@out
 *                       (strings in @a), 0 when none, -1 with vx_error() set. A source
 *                       without it has the analysis hold every lookup in memory
 */
typedef int (*vx_rec_fn)(void *arg, const struct vx_rec *r);
struct vx_event_source {
	void *priv;
	int (*captures)(void *priv, struct vx_dataset *ds);
	int (*paths_each)(void *priv, int (*fn)(void *arg, const struct vx_path_row *p), void *arg);
	int (*journey_events_each)(void *priv, vx_rec_fn fn, void *arg);
	int (*route_events_each)(void *priv, vx_rec_fn fn, void *arg);
	int (*events_each)(void *priv, vx_rec_fn fn, void *arg);
	int (*event_fields)(void *priv, int64_t id, struct arena *a, struct vx_field **out, size_t *n);
	size_t (*row_fields)(void *priv, struct arena *a, struct vx_field **out);
	int (*lookup_keep)(void *priv, int64_t capture_id, int64_t id, const struct vx_lookup *l);
	int (*lookup_find)(void *priv, int64_t capture_id, int cpu, uint64_t lo, uint64_t hi,
			   const char *dev, struct arena *a, struct vx_lookup *out);
};

#endif
