/* record.h: live recording through tracefs (ftrace ring buffer) or perf_event_open
 * (libperf): configure the kernel, run a command while only moving the raw ring contents
 * into a private spool, put the kernel back exactly as it was, then hand the events with
 * kernel stacks to a struct vx_sink.
 * The plan (presets, name checks) is pure and testable without root (stacks join their
 * events through decode/stack-attach.h); only record.c and record-ftrace.c talk to tracefs.
 * Nothing here prints: notes go through a callback, errors through vx_error().
 */
#ifndef VX_RECORD_H
#define VX_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "decode/tep-decode.h"
#include "core/strbuf.h"

#define VX_RECORD_GROUP "vxanalyze"		/* group of our kprobes */
#define VX_RECORD_INSTANCE_PREFIX "vxanalyze-"	/* + pid: our tracefs instances */

enum vx_backend { VX_BACKEND_FTRACE, VX_BACKEND_PERF };

/* ---- the plan: what to probe, from a preset plus user additions (record-plan.c) ---- */

/*
 * struct vx_probe_req - one kprobe or kretprobe to place.
 * @event:  event name in group "vxanalyze" (ip_output, fib_check_nh_ret)
 * @funcs:  candidate functions, first that exists wins (fib_check_nh, fib_check_nh_v4_gw)
 * @fetch:  fetch arguments ("skb=%dx:x64") or NULL
 * @func:   after vx_plan_resolve: the function used, or NULL when none exists
 */
#define VX_PROBE_MAX_ALT 4
struct vx_probe_req {
	char event[64];
	const char *funcs[VX_PROBE_MAX_ALT + 1];
	const char *fetch;
	bool ret;
	bool user;		/* from --probe: a missing function is an error */
	const char *func;
	const char *skb_reg;	/* register of the skb argument ("dx"), NULL when none */
	int skb_at;		/* enum vx_skb_at: where skb->data points (record-btf.h) */
	/* a probe that follows a packet into other skbs: what is not followed without it
	 * ("clones"), named in the one note about what this kernel lacks; NULL for the others */
	const char *follows;
	bool chain;		/* a kretprobe of a segment list: reads its ->next chain (BTF) */
	bool rx;		/* a receive probe: the MAC header lies right before skb->data */
};

/* struct vx_tp_req - one tracepoint "system:event"; @user: from -e (missing = error) */
struct vx_tp_req {
	char system[64];
	char event[64];
	bool user;
	bool exists;		/* after vx_plan_resolve */
};

/* struct vx_plan - owned by the caller; vx_plan_release() frees the arrays */
struct vx_plan {
	struct vx_probe_req *probes;
	size_t nprobes, probes_alloc;
	struct vx_tp_req *tps;
	size_t ntps, tps_alloc;
	char **owned;		/* copies of user-supplied names, freed with the plan */
	size_t nowned, owned_alloc;
};

struct vx_skb_layout;
/*
 * vx_plan_use_btf - give every probe that holds an skb the fetch arguments that read its
 * length and packet headers through the sk_buff offsets of @l (record-btf.c), and, when
 * @snaplen > 0, the first @snaplen bytes at skb->data (vx_skb_fetch_bytes); the strings
 * are owned by the plan. Without it those probes fetch the skb address alone. Returns the
 * number of probes that read packet bytes.
 */
int vx_plan_use_btf(struct vx_plan *p, const struct vx_skb_layout *l, int snaplen);

/* vx_func_name_valid - a kernel function name we accept: [A-Za-z0-9_.]+, at most 127 chars */
bool vx_func_name_valid(const char *s);
/* vx_event_name_valid - "system:event", each part [A-Za-z0-9_]+ (at most 63 chars) */
bool vx_event_name_valid(const char *s);
/* vx_glob_valid - a device glob for a tracepoint filter: [A-Za-z0-9_.*?@:-]+, at most 31 */
bool vx_glob_valid(const char *s);

/*
 * vx_plan_build - expand @preset ("vxlan", "route", "all"; NULL means "vxlan") and add the
 * user's --probe functions and -e events (duplicates merged). Returns 0, or -1 with
 * vx_error() set naming the bad preset / name. @x86_64 selects the register fetch args
 * (skb is the 3rd argument: %dx); elsewhere the kprobes carry no arguments.
 */
int vx_plan_build(struct vx_plan *p, const char *preset, const char *const *probes, size_t nprobes,
		  const char *const *events, size_t nevents, bool x86_64);
void vx_plan_release(struct vx_plan *p);

/*
 * vx_plan_resolve - pick each probe's function with @func_exists and mark tracepoints with
 * @tp_exists. A user request that cannot be satisfied is an error (-1, vx_error names it);
 * a preset entry that cannot is dropped with a note through @note (may be NULL).
 * @note is also told which alternative names were used.
 */
int vx_plan_resolve(struct vx_plan *p, bool (*func_exists)(void *ctx, const char *func),
		    bool (*tp_exists)(void *ctx, const char *sys, const char *ev), void *ctx,
		    void (*note)(void *nctx, const char *msg), void *nctx);

/* ---- the command's process tree (record-procs.c) ---- */

/*
 * struct vx_proc_tree - a sink in front of @inner that takes sched:sched_process_fork events
 * out of the stream and keeps them; vx_proc_tree_end() writes capture meta "command_pids"
 * (@root and every pid forked from it, space-separated) to @inner and hands the producer's
 * counters back to it. Events and meta pass through unchanged.
 */
struct vx_proc_tree {
	struct vx_sink wrap;	/* give this to the producer */
	struct vx_sink *inner;
	int root;
	struct vx_fork { int parent, child; } *forks;
	size_t nforks, forks_cap;
};

void vx_proc_tree_begin(struct vx_proc_tree *t, struct vx_sink *inner, int root_pid);
/* vx_proc_tree_end - the meta and the counters into @t->inner, @t's memory freed; 0 or -1 */
int vx_proc_tree_end(struct vx_proc_tree *t);

/* ---- the recorder (record.c, record-perf.c) ---- */

/*
 * struct vx_record_status - what a recording has done so far, while the command runs.
 * @events: events the kernel wrote into the rings: ftrace: half of the per-CPU "entries"
 *   (still in the ring) + "read events" (moved to the spool) of per_cpu/cpuN/stats, since
 *   each event is followed by its kernel stack entry; perf: the sample records copied into
 *   the spool (events still in the mmap rings come at the next pass)
 * @lost: lost so far: ftrace: ring entries (events and stacks), "overrun" + "commit
 *   overrun" + "dropped events" of the same stats, as the summary counts them; perf: the
 *   counts of the PERF_RECORD_LOST records copied so far
 * @events_known: false when the backend could not count (its stats unreadable)
 */
#define VX_RECORD_STATUS_MS 500
struct vx_record_status {
	uint64_t events, lost;
	bool events_known;
	uint64_t spooled_bytes;	/* raw ring data moved into the spool */
	double seconds;		/* since the command started */
};

struct vx_record_opts {
	const char *preset;			/* NULL: vxlan */
	const char *const *probes;		/* --probe FUNC */
	size_t nprobes;
	const char *const *events;		/* -e SYSTEM:EVENT */
	size_t nevents;
	const char *dev_glob;			/* --dev: filter net events by device name */
	enum vx_backend backend;
	char *const *argv;			/* the command to run, NULL-terminated */
	unsigned buffer_kb;			/* per-CPU ring size; 0: vx_record_default_buffer_kb() */
	/* packet bytes read at each kprobe hop that holds an skb (--snaplen): @snaplen when
	 * @snaplen_set, else VX_SNAPLEN_DEFAULT (record-btf.h); 0: none */
	int snaplen;
	bool snaplen_set;
	/* progress notes for the user ("no kprobes here", "using fib_check_nh_v4_gw") */
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
	/* live counters while the command runs, every VX_RECORD_STATUS_MS (NULL: none); the
	 * recorder calls it from its drain loop and never prints itself */
	void (*status)(void *ctx, const struct vx_record_status *st);
	void *status_ctx;
};

struct vx_record_result {
	bool cmd_started;
	int cmd_status;		/* waitpid() status of the command */
	int signal;		/* SIGINT/SIGTERM/SIGHUP that interrupted the recording, or 0 */
	bool kprobes;		/* kprobes were placed */
	size_t nprobes, ntracepoints;
	uint64_t *lost_cpu;	/* events lost per CPU (ring-buffer overrun), @ncpus entries */
	size_t ncpus;
	uint64_t spooled_bytes;	/* raw ring data moved out while the command ran */
};

/* vx_record_result_release - free what vx_record() allocated in @res */
void vx_record_result_release(struct vx_record_result *res);

/*
 * vx_record_default_buffer_kb - the per-CPU ring size used without --buffer-kb: a budget of
 * VX_RECORD_BUFFER_TOTAL_KB split over the @ncpus CPUs (0: this machine's), at least
 * VX_RECORD_BUFFER_MIN_KB and at most VX_RECORD_BUFFER_MAX_KB per CPU, rounded down to a
 * power of two (perf rings must be).
 */
#define VX_RECORD_BUFFER_TOTAL_KB 65536
#define VX_RECORD_BUFFER_MIN_KB 4096
#define VX_RECORD_BUFFER_MAX_KB 32768
unsigned vx_record_default_buffer_kb(long ncpus);

/*
 * vx_record_default_backend - the backend `record` uses without --backend: perf where this
 * process may open system-wide perf events (a software event on CPU 0 is tried and closed
 * again), else ftrace. On ftrace, @why (if not NULL) gets the reason perf was not usable
 * (a static string: do not free).
 */
enum vx_backend vx_record_default_backend(const char **why);

/* vx_record_precheck - the checks vx_record() starts with (root, command, names), for
 * callers that want to fail before creating anything */
int vx_record_precheck(const struct vx_record_opts *o);

/*
 * vx_record - record @o->argv's run into @sink. Needs root. On return (success or not),
 * the instance vxanalyze-<pid>, the kprobes, any filter and the spool directory are gone.
 * On success @res->lost_cpu is allocated: the caller frees it with vx_record_result_release(). Returns 0 when the
 * recording worked (even if the command failed or a signal stopped it: see @res), -1 with
 * vx_error() set otherwise. Installs SIGINT/SIGTERM/SIGHUP handlers for its duration
 * (forwarded to the command; a third one sends it SIGKILL).
 */
int vx_record(const struct vx_record_opts *o, struct vx_sink *sink, struct vx_record_result *res);

/*
 * struct vx_kernel_info - what `vxanalyze probes` prints; strings malloc'd, free with
 * vx_kernel_info_release().
 */
struct vx_kernel_info {
	bool root;
	bool tracefs_mounted;
	bool tracefs_mountable;
	char *tracefs_path;
	bool kprobes;
	bool perf_usable;	/* vx_record_default_backend() would choose perf */
	const char *perf_why;	/* when not: why (static) */
	struct strbuf report;	/* per requested function / tracepoint: "yes|no name (detail)" lines */
};

/* vx_kernel_probe - inspect (mounting tracefs when @mount) what the kernel offers for @o's plan */
int vx_kernel_probe(const struct vx_record_opts *o, bool mount, struct vx_kernel_info *ki);
void vx_kernel_info_release(struct vx_kernel_info *ki);

/*
 * vx_record_clean - remove tracefs instances vxanalyze-<pid> and spool directories
 * $TMPDIR/vxanalyze-<pid>.* whose pid is dead and, when no live recording remains, the
 * kprobes of group vxanalyze. @note tells what was removed.
 * Returns the number of objects removed, or -1 with vx_error() set.
 */
int vx_record_clean(void (*note)(void *ctx, const char *msg), void *ctx);

#endif
