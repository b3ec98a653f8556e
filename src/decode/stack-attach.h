/* stack-attach.h: the one rule that joins ftrace's stacks to their events, for every input
 * that has them as records of their own (trace.dat's and the recorder's ftrace:kernel_stack,
 * ftrace text's "<stack trace>" blocks).
 * The rule: the kernel writes an event's stack right after the event, on the same CPU; so a
 * stack belongs to the last event of its CPU if that event has no stack yet, else it is an
 * orphan (its event was lost). An event is complete when its stack arrived or the next record
 * of its CPU did (then it has none). Events leave in the order they came, each as soon as it
 * and every event before it are complete; an event whose CPU falls silent leaves @wait_ns of
 * trace time later (or when more than @max_held events wait).
 * Must not: know about files, tracefs or the store; it hands events to a callback.
 */
#ifndef VX_STACK_ATTACH_H
#define VX_STACK_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/strbuf.h"

/* the trace time an event waits for its stack when its CPU falls silent: the kernel writes
 * the stack in the same tracepoint call, microseconds after the event */
#define VX_ATTACH_WAIT_NS 10000000ULL

struct vx_held;

/*
 * struct vx_attach - events waiting for their stacks. Initialise with vx_attach_init(),
 * finish with vx_attach_flush() and vx_attach_release().
 * @emit:     receives each event with its stack; returns 0, or -1 (vx_error() set) to stop
 * @wait_ns:  see above; UINT64_MAX: never by time (text whose clock may not be nanoseconds)
 * @max_held: 0, or the most events that wait at once (the oldest leaves first)
 * @lane:     the CPU numbering the next calls are in: inputs with several ring buffers of
 *            their own CPUs (trace.dat's buffer instances) set it to the buffer's number
 *            before each record; events of one CPU in two buffers do not complete each other
 * @orphan_stacks: stacks that found no event (vx_attach_stack)
 */
struct vx_attach {
	int (*emit)(void *ctx, const struct vx_event *ev);
	void *ctx;
	uint64_t wait_ns;
	size_t max_held;
	unsigned lane;
	uint64_t orphan_stacks;
	/* the queue: event number n lives in q[n % qcap]; head..tail-1 wait */
	struct vx_held *q;
	size_t qcap;
	uint64_t head, tail;
	struct vx_attach_lane {	/* per lane, per cpu: its event that may still get a stack */
		uint64_t *last;
		size_t ncpus;
	} *lanes;
	size_t nlanes;
	uint64_t target;	/* the event vx_attach_frame() adds to */
	struct vx_field *fields;	/* one emitted event's fields and frames */
	const char **frames;
	size_t afields, aframes;
};

/* vx_attach_init - an empty queue handing events to @emit(@ctx), with VX_ATTACH_WAIT_NS and
 * no bound on the events held */
void vx_attach_init(struct vx_attach *a, int (*emit)(void *ctx, const struct vx_event *ev), void *ctx);
/* vx_attach_event - @ev (copied, its frames left out) waits for its stack; it completes the
 * event before it on its CPU. 0 or the callback's -1 */
int vx_attach_event(struct vx_attach *a, const struct vx_event *ev);
/* vx_attach_record - a record at @ts on @cpu that is neither an event nor a stack (an unknown
 * event id): it completes the event before it on its CPU */
int vx_attach_record(struct vx_attach *a, int cpu, uint64_t ts);
/*
 * vx_attach_stack - the stack record at @ts on @cpu: @nframes frames (borrowed: they must
 * live until the event is emitted, i.e. until vx_attach_flush()) and their @stack_key
 * (struct vx_event) go to the event before it on @cpu; an orphan stack is counted.
 */
int vx_attach_stack(struct vx_attach *a, int cpu, uint64_t ts, const char *const *frames, size_t nframes,
		    uint64_t stack_key);
/*
 * vx_attach_stack_begin - a stack given frame by frame (text): the following vx_attach_frame()
 * calls add to the event before it on @cpu, until the next event, record or stack. Returns
 * false, counting nothing, when there is no such event (or it has a stack already).
 */
bool vx_attach_stack_begin(struct vx_attach *a, int cpu);
/* vx_attach_frame - add a copy of @frame to the stack begun; false when none is */
bool vx_attach_frame(struct vx_attach *a, const char *frame, size_t len);
/* vx_attach_stack_end - the stack begun takes no more frames */
void vx_attach_stack_end(struct vx_attach *a);
/* vx_attach_flush - emit every event still waiting (end of the input) */
int vx_attach_flush(struct vx_attach *a);
void vx_attach_release(struct vx_attach *a);

#endif
