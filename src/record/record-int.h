/* record-int.h: what the recorder's files share (record.c, record-ftrace.c, record-perf.c,
 * record-spool.c) and nobody else sees: one recording's state, the backend interface its
 * phases go through, and the spool directory. Not for commands (they use record.h).
 */
#ifndef VX_RECORD_INT_H
#define VX_RECORD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "decode/kallsyms.h"

struct tep_handle;
struct tracefs_dynevent;

/* ---- the spool: a private directory of raw per-CPU files (record-spool.c) ---- */

/*
 * struct vx_spool - $TMPDIR/vxanalyze-<pid>.XXXXXX with one file per CPU ("cpu0", ...),
 * mode 0700/0600. Created by vx_spool_create(), removed (files and directory) by
 * vx_spool_remove() on every exit path of a recording.
 */
struct vx_spool {
	char *dir;		/* NULL when not created */
	int *fds;		/* per file, -1 when closed */
	size_t nfiles;
};

/* vx_spool_create - make the directory and @nfiles empty files; -1 with vx_error() set
 * (and nothing left on disk) when it cannot */
int vx_spool_create(struct vx_spool *s, size_t nfiles);
/* vx_spool_map - map file @i read-only into *@p, *@len bytes (*@p NULL when empty); the
 * caller unmaps with vx_spool_unmap(). 0, or -1 with vx_error() set */
int vx_spool_map(struct vx_spool *s, size_t i, const unsigned char **p, size_t *len);
void vx_spool_unmap(const unsigned char *p, size_t len);
/* vx_spool_remove - close, unlink and rmdir everything; 0, or -1 with vx_error() set
 * (only when @report) naming what stays */
int vx_spool_remove(struct vx_spool *s, bool report);
/* vx_spool_clean_stale - remove spool directories of dead vxanalyze processes in $TMPDIR;
 * returns how many were removed; @note tells which */
int vx_spool_clean_stale(void (*note)(void *ctx, const char *msg), void *ctx);
/* vx_spool_live_pid - the pid of a live process other than us with a spool directory in
 * $TMPDIR (a recording in progress: the perf backend has no tracefs instance), or 0 */
long vx_spool_live_pid(void);

/* ---- one recording ---- */

struct vx_kernel_syms {
	struct strbuf kallsyms;
	struct strbuf filter_funcs;	/* empty when unreadable (lockdown) */
};

struct vx_rec_backend;

/* struct fd_snapshot - descriptors open at a point in time (record.c) */
struct fd_snapshot {
	int *fds;
	size_t n, cap;
};

/*
 * struct vx_recording - a recording in progress, owned by vx_record(). The backend keeps its own
 * state in @be (allocated by ->setup, freed by ->teardown).
 */
struct vx_recording {
	const struct vx_record_opts *o;
	struct vx_sink *sink;
	const struct vx_rec_backend *backend;
	struct vx_plan plan;
	struct vx_kernel_syms syms;
	char *tracing_dir;
	struct tracefs_dynevent **kprobes;	/* NULL-terminated */
	size_t nkprobes;
	struct tep_handle *tep;
	struct vx_kallsyms ks;			/* /proc/kallsyms, for the frames and "%pS" fields */
	char *clock;				/* trace clock for meta "clock", set by ->setup */
	unsigned buffer_kb;			/* per CPU, resolved from opts or the default */
	int snaplen;				/* packet bytes the kprobes read, 0: none */
	int ncpus;				/* CPUs the backend reads (spool files) */
	uint64_t *lost_cpu;			/* per CPU, filled by ->disable/->decode */
	struct vx_spool spool;
	uint64_t spooled_bytes;
	struct fd_snapshot fds_at_start;	/* record.c: what the command may inherit */
	int cmd_pid;				/* the command's pid, 0 before it started */
	void *be;
};

/*
 * struct vx_rec_backend - the phases of a recording, called in this order by vx_record():
 * @setup:    buffers and events configured but not yet recording; allocates r->be and the
 *            spool (r->ncpus files); writes nothing to the sink
 * @enable:   start recording
 * @drain:    move raw ring-buffer contents into the spool and nothing else (no decoding):
 *            called every few milliseconds while the command runs; 0 or -1 (vx_error set)
 * @disable:  stop recording, move what is left into the spool, count per-CPU loss into
 *            r->lost_cpu
 * @teardown: remove the backend's kernel state (instance, perf fds); called on every
 *            path, also when setup failed half-way, and may be called twice; -1 when
 *            something stays (vx_error set only if @report)
 * @decode:   read the spool into r->sink (after teardown: the kernel is already clean);
 *            adds loss it finds in the data to r->lost_cpu
 * @counts:   events written and lost so far, for the live status (struct vx_record_status
 *            says what each backend counts); -1 when it cannot tell
 * @release:  free r->be (last, on every path)
 */
struct vx_rec_backend {
	const char *name;		/* capture meta "backend" */
	int (*setup)(struct vx_recording *r);
	int (*enable)(struct vx_recording *r);
	int (*drain)(struct vx_recording *r);
	int (*disable)(struct vx_recording *r);
	int (*teardown)(struct vx_recording *r, bool report);
	int (*decode)(struct vx_recording *r);
	int (*counts)(struct vx_recording *r, uint64_t *events, uint64_t *lost);
	void (*release)(struct vx_recording *r);
};

extern const struct vx_rec_backend vx_rec_ftrace;	/* record-ftrace.c */
/* vx_rec_ftrace_decode_spool - the ftrace backend's decode: the spool's ring pages of @subbuf
 * bytes per CPU (r->ncpus files), merged by time, through the one decoder into r->sink */
int vx_rec_ftrace_decode_spool(struct vx_recording *r, int subbuf);
extern const struct vx_rec_backend vx_rec_perf;		/* record-perf.c */

/* vx_rec_event_ids - the perf tracepoint ids (= ftrace event ids) of @r's kprobes and
 * tracepoints, in plan order; arrays malloc'd for the caller, who frees both (record-common.c) */
int vx_rec_event_ids(struct vx_recording *r, uint64_t **ids, const char ***names, size_t *n);
/* vx_rec_note - a printf-style note through the options' note callback (record-common.c) */
void vx_rec_note(const struct vx_record_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
