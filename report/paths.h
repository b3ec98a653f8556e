/* paths.h: the distinct kernel paths of a capture: one per (event, stack) pair, with what the
 * stack says (layers, IP-layer passes, encapsulation, the journey rule's facts), and the
 * facts of a bare list of frames they are made of.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_PATHS_H
#define VX_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/hash.h"
#include "core/model.h"
#include "journey-rule.h"
#include "layers.h"

/*
 * struct vx_path - one distinct (event, stack) pair of the dataset.
 * @ip_passes: separate entries into the IP layer, counted as maximal runs of IP-layer
 *   frames from the outermost frame inward (frames of other layers between two runs
 *   separate them; OTHER frames are transparent).
 * @encap: tunnel kind whose frames appear in the stack, NULL when none.
 * @reenters_ip_after_encap: an IP-layer run lies inside (innermost of) the tunnel frames.
 */
struct vx_path {
	int id;			/* 1-based, stable within one analysis */
	const char *event;
	const struct vx_stack *stack;
	enum vx_layer *layers;	/* one per frame of @stack */
	bool in_journey;	/* some journey of two hops or more has an event on this path */
	size_t count;		/* events with this event name and stack */
	int ip_passes;
	const char *encap;
	bool reenters_ip_after_encap;
	struct vx_journey_path journey;	/* what the stack says about its packet (journey-rule.h) */
};

/* what a list of frames (innermost first) says: IP-layer passes, the tunnel it encapsulates
 * in (NULL when none), and whether IP is entered again inside the tunnel */
int vx_frames_ip_passes(const char *const *frames, size_t n);
const char *vx_frames_encap(const char *const *frames, size_t n);
bool vx_frames_reenter_ip(const char *const *frames, size_t n);

/*
 * struct vx_path_index - the paths of an array by (stack id, event name): indices into the
 * array. vx_path_index_build() (re)builds it over @paths[0..@n); vx_path_index_add() adds
 * @paths[@i] (the array may have moved: @paths is where it is now); vx_path_index_find() is
 * -1 when none; vx_path_index_release() frees it.
 */
struct vx_path_index {
	struct vx_hash map;	/* key hash -> index into @paths */
	const struct vx_path *paths;
	size_t n;
};
void vx_path_index_build(struct vx_path_index *ix, const struct vx_path *paths, size_t n);
void vx_path_index_add(struct vx_path_index *ix, const struct vx_path *paths, size_t i);
int vx_path_index_find(const struct vx_path_index *ix, int64_t stack_id, const char *event);
void vx_path_index_release(struct vx_path_index *ix);

/*
 * struct vx_traced_set - the journey rule's traced masks (journey-rule.h) of several
 * captures, from the event names of their path rows: vx_traced_set_add() adds event @name
 * of capture @capture_id, vx_traced_set_of() is a capture's mask (~0u when nothing is known
 * of it), vx_traced_set_release() frees the set.
 */
struct vx_traced_set {
	struct vx_traced { int64_t capture_id; uint32_t traced; } *v;
	size_t n, cap;
};
void vx_traced_set_add(struct vx_traced_set *s, int64_t capture_id, const char *name);
uint32_t vx_traced_set_of(const struct vx_traced_set *s, int64_t capture_id);
void vx_traced_set_release(struct vx_traced_set *s);

#endif
