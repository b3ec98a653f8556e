/* trace-dat.c: importer of trace-cmd's trace.dat files (versions 6 and 7) with the file's
 * own event formats, kallsyms and saved cmdlines. Our own walk of the header checks every
 * offset and size against the file size first (a version 6 copy cut inside its CPU data is
 * imported up to its last complete page, marked truncated). A version 7 file, uncompressed
 * or zstd (what trace-cmd writes), is read in the importing process by the direct reader
 * (td_read_direct: its sections, kbuffer pages merged by timestamp, events straight to the
 * sink), which checks every size against the file before it allocates or reads and makes
 * progress at every step or stops with an error naming the file and offset. Anything else
 * goes through libtracecmd in a child process that passes the events up a pipe, because
 * libtraceevent and libtracecmd crash or loop on some damaged files (the parent gives up on
 * a silent child). Must not print: the child's stderr goes to /dev/null, libtracecmd's and
 * libtraceevent's logs are silenced; a damaged page is a warning through the sink.
 *
 * This file holds the entry point; trace-dat-walk.c the header walk, trace-dat-direct.c
 * and trace-dat-child.c the two readers, trace-dat-events.c what both readers share.
 */
#include "trace-dat-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trace-cmd/trace-cmd.h>

#include "core/error.h"
#include "core/xalloc.h"

/* td_tmpfile - copy a pipe (standard input) into an unlinked temporary file: both readers
 * seek. Returns the descriptor (caller closes) or -1 with vx_error() set. */

/* td_tmpfile - copy a pipe (standard input) into an unlinked temporary file: libtracecmd
 * seeks. Returns the descriptor (caller closes) or -1 with vx_error() set. */
static int td_tmpfile(struct vx_input *in)
{
	char buf[65536];
	ssize_t r;
	int fd = td_tmpfd(in->name);

	if (fd < 0)
		return -1;
	while ((r = vx_input_read(in, buf, sizeof(buf))) > 0)
		if (td_write_all(in->name, fd, buf, (size_t)r) < 0) {
			close(fd);
			return -1;
		}
	if (r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		if (r >= 0)
			vx_error("%s: cannot rewind the temporary copy: %s", in->name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* td_release - what @im holds (the libtracecmd handles live in the child) */
static void td_release(struct td_import *im)
{
	for (int i = 0; i < im->nbufs; i++)
		free(im->bufs[i].missed);
	free(im->bufs);
	im->bufs = NULL;
	im->nbufs = 0;
	vx_attach_release(&im->attach);
	vx_decoder_release(&im->dec);
	vx_decoded_release(&im->vals);
	free(im->sent);
	arena_release(&im->sent_text);
	free(im->fields);
	free(im->str);
	strbuf_release(&im->wire);
	free(im->kept);
	arena_release(&im->kept_text);
	vx_kallsyms_release(&im->file_ks);
	vx_kallsyms_release(&im->ksyms);
	strbuf_release(&im->val);
}

static int trace_dat_import(struct vx_input *in, struct vx_sink *sink, const struct vx_import_opts *opts)
{
	struct td_walk w = { .name = in->name, .fd = -1 };
	struct td_import im = { .name = in->name, .in = in, .sink = sink, .wire_fd = -1 };
	int fd, ret = -1;

	strbuf_init(&im.val, 256);
	vx_decoder_init(&im.dec);
	im.dec.meta = sink;	/* the capture's names of its drop reasons */
	vx_attach_init(&im.attach, td_emit, &im);
	if (in->seekable && in->path)
		fd = open(in->path, O_RDONLY | O_CLOEXEC);
	else
		fd = td_tmpfile(in);
	if (fd < 0) {
		if (in->seekable && in->path)
			vx_error("%s: cannot open: %s", in->name, strerror(errno));
		td_release(&im);
		return -1;
	}
	w.fd = fd;
	if (td_walk_file(&w) < 0)
		goto out;
	if (w.uname[0]) {
		/* "Linux host 6.18.44-fc-v669 x86_64": the release is the third word */
		char rel[128];

		if (sscanf(w.uname, "%*s %*s %127s", rel) == 1 && vx_sink_meta(sink, "kernel_release", rel) < 0)
			goto out;
		if (vx_sink_meta(sink, "uname", w.uname) < 0)
			goto out;
	}
	if (w.clock[0] && vx_sink_meta(sink, "clock", w.clock) < 0)
		goto out;
	if (w.ncuts) {
		/* cut short inside the CPU data: import the complete pages, say it is truncated */
		int pfd = td_patched_copy(&w, fd);

		if (pfd < 0)
			goto out;
		close(fd);
		fd = pfd;
		sink->truncated = true;
		sink->truncated_at = w.size;
	}

	tracecmd_set_loglevel(TEP_LOG_NONE);
	tep_set_loglevel(TEP_LOG_NONE);
	/* the file's own kallsyms come first; a --kallsyms file fills the addresses it lacks */
	if (opts && opts->kallsyms && vx_kallsyms_load(&im.ksyms, opts->kallsyms) < 0)
		goto out;
	/* the one symbol table for both readers: the file's kallsyms, then --kallsyms */
	td_file_kallsyms(&im, &w, fd);
	vx_decoder_symbols(&im.dec, &im.file_ks, &im.ksyms);
	/* version 7 as trace-cmd writes it: here; the rest through libtracecmd in a child */
	ret = td_read_direct(&im, &w, fd);
	if (ret == 1)
		ret = td_read_in_child(&im, &w, fd) < 0 ? -1 : 0;
	if (ret < 0)
		goto out;
	ret = 0;
out:
	td_release(&im);
	td_walk_release(&w);
	close(fd);
	return ret;
}

static int trace_dat_probe(const unsigned char *head, size_t len)
{
	if (len < TD_MAGIC_LEN + 2 || memcmp(head, TD_MAGIC, TD_MAGIC_LEN))
		return 0;
	if ((head[TD_MAGIC_LEN] == '6' || head[TD_MAGIC_LEN] == '7') && head[TD_MAGIC_LEN + 1] == '\0')
		return 100;
	return 60;	/* trace.dat of another version: the importer names it */
}

/*
 * trace-dat: trace-cmd's trace.dat, versions 6 and 7 (version 7 uncompressed or zstd read
 * directly, anything else as libtracecmd supports; VX_TRACE_DAT_READER=libtracecmd for all),
 * every buffer instance (`trace-cmd extract -B`), events of all CPUs in time order. Fields
 * are the format fields (numbers decimal, pointers 0x..., __data_loc strings as text);
 * `ftrace:kernel_stack` records become the stack of the event before them on their CPU,
 * all `size` frames, symbolised with the file's kallsyms. Lost events: per CPU, the larger
 * of the records' missed-event counts and the file's CPUSTAT (overrun + commit overrun +
 * dropped). Metadata: kernel_release (from the UNAME option), uname, clock. Standard input
 * is first copied to an unlinked temporary file in $TMPDIR (or /tmp): both readers seek.
 */
const struct vx_format vx_format_trace_dat = {
	.name = "trace-dat",
	.desc = "trace-cmd trace.dat (versions 6 and 7; from trace-cmd record or extract)",
	.probe = trace_dat_probe,
	.import = trace_dat_import,
};
