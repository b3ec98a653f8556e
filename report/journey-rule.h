/* journey-rule.h: when an skb address starts carrying a new packet. Decides event by event,
 * with a small fixed-size state per address, where one journey ends and the next begins, so
 * that the in-memory analysis and a report streaming events in (capture, skb, ts) order share it.
 * Must not: allocate, touch the store, parse inputs, or print.
 */
#ifndef VX_JOURNEY_RULE_H
#define VX_JOURNEY_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

/* silence after which an address is taken to carry another packet */
#define VX_JOURNEY_GAP_NS 100000000ULL	/* 100 ms */

/* why a journey ended */
enum vx_journey_end {
	VX_JEND_NONE = 0,	/* it did not: the event continues it */
	VX_JEND_FREED,		/* seen: its last event freed the skb (skb:kfree_skb, skb:consume_skb) */
	VX_JEND_REUSED,		/* inferred: the next event on the address is another packet */
	VX_JEND_SILENCE,	/* inferred: the address stayed silent for more than VX_JOURNEY_GAP_NS */
	VX_JEND_CAPTURE_END,	/* not seen: the capture has no later event on the address */
};

/* vx_journey_end_name - "freed", "reused", "silence", "capture_end"; NULL for VX_JEND_NONE.
 * These are the JSON report's "end" values: never rename them. */
const char *vx_journey_end_name(enum vx_journey_end e);
/* vx_journey_end_text - the same for people ("the skb was freed", "another packet used the
 * address next (inferred)", ...); "" for VX_JEND_NONE */
const char *vx_journey_end_text(enum vx_journey_end e);

/* what an event is to the rule, by its name alone */
enum vx_hop_kind {
	VX_HOP_OTHER = 0,	/* kprobes, fib, anything without a device step */
	VX_HOP_QUEUE,		/* net:net_dev_queue */
	VX_HOP_XMIT,		/* net:net_dev_start_xmit */
	VX_HOP_XMIT_DONE,	/* net:net_dev_xmit */
	VX_HOP_RX_DRIVER,	/* the driver hands it over: net:netif_rx, net:*_entry */
	VX_HOP_RX,		/* net:netif_receive_skb */
	VX_HOP_FREE,		/* skb:kfree_skb, skb:consume_skb, *:kfree_skbmem, *:__kfree_skb */
	VX_HOP_BORN,		/* a new skb: the return of skb_clone, skb_copy, a GSO segmentation */
	VX_HOP_MERGE,		/* GRO merges it into another packet (skb_gro_receive) */
	VX_HOP_DELIVER,		/* a socket queue takes it, or a process reads it */
	VX_HOP_KIND_COUNT
};

enum vx_hop_kind vx_hop_kind_of(const char *event);
/* vx_hop_kind_bit - the bit of @k in a "traced kinds" mask */
#define VX_HOP_BIT(k) (1u << (k))

/*
 * struct vx_journey_path - what a stack says about the packet of its event, computed once per
 * path (distinct stack) with vx_journey_path_init() so that vx_journey_step() stays O(1).
 * Walking the frames from the innermost outward, the first frame that decides is either
 * - a packet builder (ip_push_pending_frames, icmp_push_reply, __tcp_transmit_skb, udp_send_skb,
 *   arp_xmit, ...): the event's skb was created by this very call: @created, and @creator
 *   identifies the call path (a hash of the frames from the outermost one to the builder); or
 * - a receive or queue frame (__netif_receive_skb_core, process_backlog, __netif_rx, ip_rcv,
 *   gro_cell_poll, __qdisc_run, ...): the skb existed before this call: @existing; for a
 *   receive, @rx_call identifies the receive it runs in (a hash of the innermost frame where
 *   the stack took a packet from a device, __netif_receive_skb_one_core, ..., and the
 *   frames outside it), so that a forward can be matched with the receive before it.
 * Neither (or no stack): both false, the stack says nothing. Call paths are hashed over a
 * window of frames from the deciding one outward (tracers cut the outermost frames).
 */
struct vx_journey_path {
	bool created;
	bool existing;
	uint64_t creator;	/* 0 unless @created */
	uint64_t rx_call;	/* 0 unless inside a receive */
	const char *builder;	/* the deciding frame (borrowed from the frames), NULL when none */
	/* the kind of the path's event (enum vx_hop_kind), decided once per path by its owner
	 * (paths.c); @has_kind false: vx_journey_step() asks vx_hop_kind_of() */
	bool has_kind;
	unsigned char kind;
};

/* vx_journey_path_init - classify the stack @frames (innermost first, normalised) */
void vx_journey_path_init(struct vx_journey_path *p, const char *const *frames, size_t n);

/*
 * struct vx_journey_state - the state of one skb address: its open journey's last hop and
 * how it ended. Fixed size, holds no pointers into the caller's rows (the device is kept as
 * a hash), so a streaming caller may reuse its buffers between events.
 * @traced: the hop kinds the capture records at all (VX_HOP_BIT mask): a hop sequence
 *   proves a new packet only when the capture would have shown what must lie between.
 * @rule: after vx_journey_step() returned VX_JEND_REUSED, the rule that decided (a static
 *   string, for diagnostics and tests); NULL otherwise.
 */
struct vx_journey_state {
	uint32_t traced;
	bool open;		/* an event has been seen since the reset */
	bool freed;		/* the last event freed the skb */
	uint8_t kind;		/* enum vx_hop_kind of the last event */
	bool created;		/* the last event's path: created here ... */
	uint64_t creator;	/* ... by this call path */
	uint64_t rx_call;	/* the receive the last event ran in, 0 when unknown */
	uint64_t dev;		/* hash of the last event's device name, 0 when none */
	int64_t len;		/* last event's length, -1 when unknown */
	uint64_t ts_ns;		/* last event's time */
	uint64_t nhops;		/* events in the open journey */
	const char *rule;
};

/* vx_journey_state_reset - forget the address; @traced as in struct vx_journey_state
 * (vx_journey_traced_add() builds it; ~0u means "everything is recorded") */
void vx_journey_state_reset(struct vx_journey_state *s, uint32_t traced);
/* vx_journey_traced_add - add event @name's kind to the mask *@traced (call once per
 * distinct event name of a capture) */
void vx_journey_traced_add(uint32_t *traced, const char *name);

/*
 * vx_journey_step - does event @r (its skb is the address of @s) begin a new journey on an
 * address whose journey so far is @s? Returns why the previous journey ended, VX_JEND_NONE
 * when @r continues it; the first event after a reset begins the first journey and returns
 * VX_JEND_NONE too. Updates @s. Events must come in time order per address.
 * @path: @r's stack classified by vx_journey_path_init() (cache it per stack: O(1) per
 *   event), NULL when @r has no stack. Only r->name, r->dev, r->len and r->ts_ns are read.
 * The rule, in order (the first that holds ends the journey):
 *  1. freed: the previous event freed the skb;
 *     reused, by birth: @r is a copying function's return (VX_HOP_BORN): a new skb;
 *  2. silence: more than VX_JOURNEY_GAP_NS since the previous event;
 *  3. reused, by the stack: @r's skb was created by its own call (path->created), unless
 *     the previous event belongs to the same creating call: created by the same call path,
 *     and not the same device step on the same device (one call sends one packet there);
 *  4. reused, by the hop sequence (a table in journey-rule.c, each row with its reason):
 *     the same device step twice on the same device without becoming shorter, when the
 *     capture records the opposite direction (a packet returns to a device only through a
 *     step of the other direction, or by decapsulation in place, which shortens it); a
 *     driver receive followed by the stack's receive on another device; a driver receive
 *     longer than the transmit before it; a driver receive or a transmit after a GRO merge
 *     or after a socket took the packet;
 *  5. reused, by the stack again: a transmit right after a receive (a forward) that runs
 *     inside another receive than that one (both stacks show their receive: rx_call).
 */
enum vx_journey_end vx_journey_step(struct vx_journey_state *s, const struct vx_rec *r,
				    const struct vx_journey_path *path);
/* vx_journey_step_frames - the same with the stack as frames (innermost first, may be
 * empty); classifies them on every call (O(nframes)): for tests and one-off callers */
enum vx_journey_end vx_journey_step_frames(struct vx_journey_state *s, const struct vx_rec *r,
					   const char *const *frames, size_t nframes);
/* vx_journey_close - how the open journey of @s ends when the address has no more events:
 * VX_JEND_FREED or VX_JEND_CAPTURE_END (VX_JEND_NONE when nothing was seen) */
enum vx_journey_end vx_journey_close(const struct vx_journey_state *s);

#endif
