/* trace-dat-int.h: what the files of the trace.dat importer share and nobody else sees:
 * trace-dat-walk.c (our own walk of the file's header), trace-dat.c (the events of both
 * readers through the one decoder, the entry point), trace-dat-child.c (reading through
 * libtracecmd in a child process) and trace-dat-direct.c (version 7 read in the importing
 * process). Not for other parsers.
 */
#ifndef VX_TRACE_DAT_INT_H
#define VX_TRACE_DAT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "core/arena.h"
#include "core/strbuf.h"
#include "decode/decoder.h"
#include "decode/kallsyms.h"
#include "decode/stack-attach.h"

struct tep_handle;
struct tep_event;
struct tep_record;
struct tracecmd_input;

#define TD_MAGIC "\027\010\104tracing"
#define TD_MAGIC_LEN 10

/* option ids of the trace.dat format (trace-cmd's Documentation/trace-cmd.dat.v7.5.txt) */
enum {
	TD_OPT_DONE = 0,
	TD_OPT_CPUSTAT = 2,
	TD_OPT_BUFFER = 3,
	TD_OPT_TRACECLOCK = 4,
	TD_OPT_UNAME = 5,
	TD_OPT_HEADER_INFO = 16,
	TD_OPT_FTRACE_EVENTS = 17,
	TD_OPT_EVENT_FORMATS = 18,
	TD_OPT_KALLSYMS = 19,
	TD_OPT_PRINTK = 20,
	TD_OPT_CMDLINES = 21,
	TD_OPT_BUFFER_TEXT = 22,
};
#define TD_SEC_COMPRESSED 1
#define TD_NOPOS UINT64_MAX
#define TD_MAX_SECTIONS 4096
#define TD_NSEC (TD_OPT_CMDLINES - TD_OPT_HEADER_INFO + 1)

/* ---- the header walk (trace-dat-walk.c) ---- */

struct td_stat {
	char buffer[128];	/* "" = top-level buffer */
	int cpu;
	uint64_t lost;		/* overrun + commit overrun + dropped events */
};

struct td_walk {
	const char *name;
	int fd;
	uint64_t size;		/* file size */
	uint64_t pos;
	bool bigendian;
	int version;
	int cpus;
	char uname[256];
	char clock[64];
	char stat_buffer[128];	/* buffer the next CPUSTAT options belong to */
	struct td_stat *stats;
	size_t nstats, astats;
	uint32_t page_size;
	/* v6 CPU data blocks that go past the end of the file (a truncated copy): where their
	 * (offset, size) pair is in the file, to import the complete pages of a patched copy */
	struct td_cut {
		uint64_t pos, off, size;
	} *cuts;
	size_t ncuts, acuts;
	/* v6: where the kallsyms text is (TD_NOPOS: not seen) */
	uint64_t ks_pos, ks_len;
	/* version 7, for the in-process reader (td_read_direct): the compression, where the
	 * header sections are (TD_NOPOS when absent), the buffers in the order of their
	 * options, and whether an option asks for what only libtracecmd does (time offsets,
	 * TSC conversion, guests, latency text, compressed options) */
	char comp[64];
	uint64_t sec[TD_NSEC];
	struct td_wbuf {
		char name[128];
		uint32_t page_size;
		uint32_t ncpus;
		struct td_wcpu {
			int id;
			uint64_t off, size;
		} *cpu;
	} *bufs;
	size_t nbufs, abufs;
	bool libtracecmd_only;
};

/* td_walk_file - check the whole header of the open trace.dat w->fd; fills @w */
int td_walk_file(struct td_walk *w);
/* walk_num - @n bytes at @p as a number in the file's byte order */
uint64_t walk_num(const struct td_walk *w, const unsigned char *p, int n);
/* td_patched_copy - a temporary copy of the truncated version 6 file @fd with every CPU data
 * block cut short shrunk to its complete pages; the descriptor (caller closes) or -1 */
int td_patched_copy(struct td_walk *w, int fd);
/* td_tmpfd - an unlinked temporary file in $TMPDIR or /tmp (caller closes); -1 + vx_error */
int td_tmpfd(const char *name);
int td_write_all(const char *name, int fd, const void *buf, size_t n);
void td_walk_release(struct td_walk *w);

/* ---- the events of both readers (trace-dat.c) ---- */

struct td_buffer {
	const char *name;	/* "" for the top-level buffer */
	struct tracecmd_input *h;
	int ncpus;		/* size of @missed */
	uint64_t *missed;	/* per cpu: missed events reported by the records */
};

/*
 * struct td_import - one import. The records of either reader go through td_record_in():
 * the one decoder (@dec) makes their fields and stacks, the one stack rule (@attach) joins
 * them; complete events go to the sink (direct reader) or up the pipe (child, @wire_fd).
 */
struct td_import {
	const char *name;
	struct vx_input *in;	/* for the progress bar */
	struct vx_sink *sink;
	struct td_buffer *bufs;
	int nbufs;
	struct vx_decoder dec;
	struct vx_attach attach;
	bool stacked;		/* kernel_stack records seen: each event is two ring entries */
	struct vx_decoded vals;	/* one record's fields */
	struct vx_kallsyms file_ks;	/* the file's own kallsyms */
	struct vx_kallsyms ksyms;	/* --kallsyms, for addresses the file's kallsyms lacks */
	/* the comms of recent pids (tep's saved cmdlines do not change while reading) */
	struct td_comm {
		const struct tep_handle *tep;	/* NULL: empty */
		int pid;
		const char *comm;
	} comms[256];
	uint64_t records;	/* records read, for the child's TD_WIRE_ALIVE */
	int err;
	/* the child (trace-dat-child.c): the pipe to the parent (-1: events go to the sink),
	 * events not yet written, one event's strings, the stacks sent (frame strings -> number) */
	int wire_fd;
	/* where a complete event goes, and how the child says it is alive: the child's pipe
	 * (set by trace-dat-child.c), NULL: the sink, nothing to say */
	int (*emit)(struct td_import *im, const struct vx_event *ev);
	int (*alive)(struct td_import *im);
	struct strbuf wire;
	struct strbuf val;
	struct td_sent {
		uint64_t hash;
		size_t len;
		const char *text;
		uint32_t id;	/* 0: empty slot */
	} *sent;
	size_t nsent, asent;
	struct arena sent_text;
	/* the parent: one received event's strings and fields, the stacks received by number - 1 */
	struct vx_field *fields;
	const char **str;
	size_t astr, afields;
	struct td_kept {
		char **frames;
		size_t n;
	} *kept;
	size_t nkept, akept;
	struct arena kept_text;
};

/* td_record_in - one record of buffer @b, of event @event (NULL: unknown); 0, or 1 with
 * im->err set */
int td_record_in(struct td_import *im, struct td_buffer *b, struct tep_handle *tep,
		 struct tep_event *event, struct tep_record *rec);
/* td_emit - (the stack queue's output) a complete event to the reader's emit, else the sink */
int td_emit(void *ctx, const struct vx_event *ev);
/* td_finish - the events still waiting for a stack go out; 0 or -1 */
int td_finish(struct td_import *im);
/* td_lost - lost events of buffer @b: per cpu the larger of the records' count and CPUSTAT,
 * in ring entries; as events (ring-stats.h) when @stacked: the file's events carry kernel
 * stacks, each one entry of its own */
uint64_t td_lost(const struct td_walk *w, const struct td_buffer *b, bool stacked);

/* ---- the readers ---- */

/* td_read_in_child - through libtracecmd in a child process (trace-dat-child.c); 0 or -1 */
int td_read_in_child(struct td_import *im, struct td_walk *w, int fd);
/* td_read_direct - version 7 in the importing process (trace-dat-direct.c): 0 when done, 1
 * when the file needs libtracecmd (nothing handed to the sink yet), -1 on an error */
int td_read_direct(struct td_import *im, struct td_walk *w, int fd);
/* td_file_kallsyms - the file's kallsyms into im->file_ks (trace-dat-direct.c); a file whose
 * kallsyms this reader cannot read leaves it empty, with a warning */
void td_file_kallsyms(struct td_import *im, struct td_walk *w, int fd);

#endif
