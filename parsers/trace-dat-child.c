/* trace-dat-child.c: the trace.dat importer's reading through libtracecmd, for what the
 * direct reader does not take (version 6, other compressions, time offsets, guests): the
 * records are read and decoded in a child process, because libtraceevent and libtracecmd
 * crash or loop on some damaged files, and the complete events come up a pipe to the sink
 * (the parent gives up on a child silent too long). Must not print: the child's stderr goes
 * to /dev/null.
 */
#define _GNU_SOURCE	/* pipe2 */
#include "trace-dat-int.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <trace-cmd/trace-cmd.h>

#include "core/error.h"
#include "core/xalloc.h"

/*
 * Through libtracecmd, the records are decoded in a child process (td_read_in_child) which
 * sends each complete event to the parent through a pipe: a struct td_wire header and the
 * event's strings, "name\0comm\0key\0value\0...frame\0...". The parent hands them to the
 * sink. (The direct reader, in the importing process, hands them to the sink itself.)
 */
enum { TD_WIRE_EVENT = 1, TD_WIRE_END, TD_WIRE_ERROR, TD_WIRE_ALIVE };

/* the child says it is alive every TD_ALIVE_RECORDS records (skipped ones count: a file of
 * other events sends nothing else for a long time); the parent gives up on a child silent for
 * TD_STALL_MS (VX_TRACE_DAT_STALL_MS overrides, for tests): libtraceevent's kbuffer loops for
 * ever on some damaged pages, which libtracecmd hands it unchecked */
#define TD_ALIVE_RECORDS 65536
#define TD_STALL_MS 30000

struct td_wire {
	uint32_t type;
	uint32_t len;		/* bytes after this header */
	uint64_t ts;
	int32_t cpu, pid;
	uint32_t nfields, nframes;
	/* a capture repeats a few hundred stacks: the first time a stack is sent it gets the
	 * next number (its frames follow the fields), later events send only the number
	 * (@stack_ref set, no frame strings); 0: no stack */
	uint32_t stack, stack_ref;
};

static int td_wire_flush(struct td_import *im)
{
	for (size_t done = 0; done < im->wire.len;) {
		ssize_t w = write(im->wire_fd, im->wire.buf + done, im->wire.len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return vx_error("%s: cannot pass events to the importing process: %s", im->name,
					strerror(errno));
		done += (size_t)w;
	}
	strbuf_reset(&im->wire);
	return 0;
}

static int td_wire_put(struct td_import *im, const struct td_wire *h, const void *data)
{
	strbuf_add(&im->wire, h, sizeof(*h));
	strbuf_add(&im->wire, data, h->len);
	return im->wire.len >= 65536 ? td_wire_flush(im) : 0;
}

/* td_stack_number - the number of the stack whose frame strings are @f (@len bytes), and
 * whether it was sent before (*@known); numbers start at 1 */
static uint32_t td_stack_number(struct td_import *im, const char *f, size_t len, bool *known)
{
	uint64_t h = vx_hash64(VX_HASH_INIT, f, len);
	size_t i;

	if ((im->nsent + 1) * 2 > im->asent) {
		size_t n = im->asent ? 2 * im->asent : 1024;
		struct td_sent *t = xcalloc(n, sizeof(*t));

		for (size_t k = 0; k < im->asent; k++) {
			if (!im->sent[k].id)
				continue;
			for (i = im->sent[k].hash & (n - 1); t[i].id; i = (i + 1) & (n - 1))
				;
			t[i] = im->sent[k];
		}
		free(im->sent);
		im->sent = t;
		im->asent = n;
	}
	for (i = h & (im->asent - 1); im->sent[i].id; i = (i + 1) & (im->asent - 1))
		if (im->sent[i].hash == h && im->sent[i].len == len && !memcmp(im->sent[i].text, f, len)) {
			*known = true;
			return im->sent[i].id;
		}
	im->sent[i].hash = h;
	im->sent[i].len = len;
	im->sent[i].text = arena_strndup(&im->sent_text, f, len);
	im->sent[i].id = (uint32_t)++im->nsent;
	*known = false;
	return im->sent[i].id;
}

/* td_strings - room for @nstr strings and @nfields fields in im->str and im->fields */
static void td_strings(struct td_import *im, size_t nstr, size_t nfields)
{
	if (nstr > im->astr) {
		const char **v = xrealloc(im->str, nstr * sizeof(*v));

		im->str = v;
		im->astr = nstr;
	}
	if (nfields > im->afields) {
		struct vx_field *f = xrealloc(im->fields, nfields * sizeof(*f));

		im->fields = f;
		im->afields = nfields;
	}
}

/* td_wire_event - in the child: @ev up the pipe as "name\0comm\0key\0value\0...frame\0..."
 * (a stack sent before as its number only) */
static int td_wire_event(struct td_import *im, const struct vx_event *ev)
{
	struct strbuf *t = &im->val;
	size_t at;

	strbuf_reset(t);
	strbuf_add(t, ev->name, strlen(ev->name) + 1);
	strbuf_add(t, ev->comm ? ev->comm : "", ev->comm ? strlen(ev->comm) + 1 : 1);
	for (size_t i = 0; i < ev->nfields; i++) {
		strbuf_add(t, ev->fields[i].key, strlen(ev->fields[i].key) + 1);
		strbuf_add(t, ev->fields[i].value, strlen(ev->fields[i].value) + 1);
	}
	at = t->len;
	for (size_t i = 0; i < ev->nframes; i++)
		strbuf_add(t, ev->frames[i], strlen(ev->frames[i]) + 1);

	struct td_wire h = {
		.type = TD_WIRE_EVENT, .len = (uint32_t)t->len, .ts = ev->ts_ns,
		.cpu = ev->cpu, .pid = ev->pid,
		.nfields = (uint32_t)ev->nfields, .nframes = (uint32_t)ev->nframes,
	};

	if (t->len > UINT32_MAX)
		return vx_error("%s: event too large", im->name);
	if (ev->nframes && im->nsent < UINT32_MAX - 1) {
		bool known;

		h.stack = td_stack_number(im, t->buf + at, t->len - at, &known);
		if (known) {
			h.stack_ref = 1;
			h.len = (uint32_t)at;
		}
	}
	return td_wire_put(im, &h, t->buf);
}

static int td_wire_alive(struct td_import *im)
{
	struct td_wire alive = { .type = TD_WIRE_ALIVE };

	return td_wire_put(im, &alive, "") < 0 || td_wire_flush(im) < 0 ? -1 : 0;
}

/* td_keep_stack - the parent's copy of the stack numbered @h->stack (@frames) */
static int td_keep_stack(struct td_import *im, const struct td_wire *h, const char *const *frames)
{
	struct td_kept *k;

	if (h->stack != im->nkept + 1)
		return vx_error("%s: internal error: stack %u out of order from the reading process",
				im->name, h->stack);
	VX_GROW(im->kept, im->nkept, im->akept);
	k = &im->kept[im->nkept++];
	k->n = h->nframes;
	k->frames = arena_alloc(&im->kept_text, (h->nframes + 1) * sizeof(*k->frames));
	for (size_t i = 0; i < h->nframes; i++)
		k->frames[i] = arena_strdup(&im->kept_text, frames[i]);
	return 0;
}

/* td_deliver - one event received from the child (@t: its @len bytes of strings) to the
 * sink; -1 with vx_error() set when the sink fails or the strings are malformed */
static int td_deliver(struct td_import *im, const struct td_wire *h, const char *t, size_t len)
{
	size_t nstr = 2 + 2 * (size_t)h->nfields + (h->stack_ref ? 0 : h->nframes), k = 0;
	const char **str;
	struct vx_event ev;

	td_strings(im, nstr, h->nfields);
	str = im->str;
	for (size_t pos = 0; pos < len && k < nstr; k++) {
		const char *nul = memchr(t + pos, '\0', len - pos);

		if (!nul)
			break;
		str[k] = t + pos;
		pos = (size_t)(nul - t) + 1;
	}
	if (k != nstr)
		return vx_error("%s: internal error: malformed event from the reading process", im->name);
	for (size_t i = 0; i < h->nfields; i++) {
		im->fields[i].key = str[2 + 2 * i];
		im->fields[i].value = str[3 + 2 * i];
	}
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = h->ts;
	ev.cpu = h->cpu;
	ev.pid = h->pid;
	ev.comm = *str[1] ? str[1] : NULL;
	ev.name = str[0];
	ev.fields = im->fields;
	ev.nfields = h->nfields;
	ev.frames = str + 2 + 2 * (size_t)h->nfields;
	ev.nframes = h->nframes;
	if (h->stack_ref) {
		if (!h->stack || h->stack > im->nkept || im->kept[h->stack - 1].n != h->nframes)
			return vx_error("%s: internal error: unknown stack %u from the reading process",
					im->name, h->stack);
		ev.frames = (const char **)im->kept[h->stack - 1].frames;
	} else if (h->stack && td_keep_stack(im, h, ev.frames) < 0) {
		return -1;
	}
	return vx_sink_event(im->sink, &ev);
}

/* libtracecmd's callback */
static int td_record(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *data)
{
	struct tep_handle *tep = tracecmd_get_tep(h);

	(void)cpu;
	return td_record_in(data, tracecmd_get_private(h), tep, tep_find_event_by_record(tep, rec), rec);
}

/* td_read - in the child: open @fd with libtracecmd, decode every record of every buffer
 * in time order and send the events, then TD_WIRE_END (lost and skipped counts) or
 * TD_WIRE_ERROR (the message). Returns the child's exit status. Nothing is freed: the
 * process ends right after. */
static int td_read(struct td_import *im, struct td_walk *w, int fd)
{
	struct tracecmd_input *h, **handles;
	struct td_wire end = { .type = TD_WIRE_END };
	uint64_t lost = 0;
	int n, hfd;

	hfd = dup(fd);
	if (hfd < 0 || lseek(hfd, 0, SEEK_SET) < 0) {
		vx_error("%s: cannot reopen: %s", im->name, strerror(errno));
		goto fail;
	}
	h = tracecmd_open_fd(hfd, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h) {
		vx_error("%s: libtracecmd cannot read this trace.dat (damaged, or a feature it does"
			 " not support); 'trace-cmd dump -i %s' shows its sections", im->name, im->name);
		goto fail;
	}
	n = tracecmd_buffer_instances(h);
	if (n < 0)
		n = 0;
	im->bufs = xcalloc((size_t)n + 1, sizeof(*im->bufs));
	handles = xcalloc((size_t)n + 1, sizeof(*handles));
	im->bufs[0].name = "";
	im->bufs[0].h = h;
	im->nbufs = 1;
	for (int i = 0; i < n; i++) {
		struct tracecmd_input *bh = tracecmd_buffer_instance_handle(h, i);
		const char *bname = tracecmd_buffer_instance_name(h, i);

		if (!bh) {
			vx_error("%s: cannot read buffer instance '%s' of this trace.dat", im->name,
				 bname ? bname : "?");
			goto fail;
		}
		im->bufs[im->nbufs].name = bname ? bname : "";
		im->bufs[im->nbufs].h = bh;
		im->nbufs++;
	}
	for (int i = 0; i < im->nbufs; i++) {
		tracecmd_set_private(im->bufs[i].h, &im->bufs[i]);
		handles[i] = im->bufs[i].h;
	}
	if (tracecmd_iterate_events_multi(handles, im->nbufs, td_record, im) < 0 && !im->err) {
		vx_error("%s: libtracecmd failed while reading the events", im->name);
		goto fail;
	}
	if (im->err || td_finish(im) < 0)
		goto fail;
	for (int i = 0; i < im->nbufs; i++)
		lost += td_lost(w, &im->bufs[i], im->stacked);
	end.ts = lost;
	end.nfields = (uint32_t)(im->sink->skipped > UINT32_MAX ? UINT32_MAX : im->sink->skipped);
	end.len = (uint32_t)strlen(im->sink->skipped_example) + 1;
	if (td_wire_put(im, &end, im->sink->skipped_example) < 0 || td_wire_flush(im) < 0)
		return 1;
	return 0;
fail:
	{
		struct td_wire e = { .type = TD_WIRE_ERROR, .len = (uint32_t)strlen(vx_error_msg()) + 1 };

		if (td_wire_put(im, &e, vx_error_msg()) == 0)
			td_wire_flush(im);
	}
	return 1;
}

/* the parent's read side of the pipe: 64 KiB reads instead of two small reads per event */
struct td_rbuf {
	int fd;
	size_t pos, len;
	char buf[65536];
};

/* read exactly @n bytes through @rb; returns the count read (< @n only at end of file), -1,
 * or -2 when nothing came for @stall_ms */
static ssize_t td_read_buffered(struct td_rbuf *rb, void *dst, size_t n, int stall_ms)
{
	size_t done = 0;

	while (done < n) {
		if (rb->pos == rb->len) {
			struct pollfd pfd = { .fd = rb->fd, .events = POLLIN };
			int pr = poll(&pfd, 1, stall_ms);
			ssize_t r;

			if (pr < 0 && errno == EINTR)
				continue;
			if (pr == 0)
				return -2;
			r = read(rb->fd, rb->buf, sizeof(rb->buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -1;
			if (r == 0)
				break;
			rb->pos = 0;
			rb->len = (size_t)r;
		}
		size_t k = rb->len - rb->pos < n - done ? rb->len - rb->pos : n - done;

		memcpy((char *)dst + done, rb->buf + rb->pos, k);
		rb->pos += k;
		done += k;
	}
	return (ssize_t)done;
}

/* td_child - the child process: libtracecmd's messages to /dev/null, crashes fatal, events
 * up @wfd; never returns */
static __attribute__((noreturn)) void td_child(struct td_import *im, struct td_walk *w, int fd, int wfd)
{
	static const int crash[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct vx_sink counts = { 0 };	/* skipped records, sent at the end */
	int null = open("/dev/null", O_WRONLY);

	/* a crash must end the child, whatever handler the program (or a test framework, or a
	 * sanitizer) installed */
	for (size_t i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
		signal(crash[i], SIG_DFL);
	if (null >= 0) {
		dup2(null, 1);
		dup2(null, 2);	/* libtracecmd's messages are not ours to print */
	}
	/* libtracecmd allocates and frees a page-sized or chunk-sized buffer per page it
	 * decompresses: keep freed memory in the heap instead of mapping fresh zeroed pages each
	 * time (page faults were a sixth of the reader's time) */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	im->wire_fd = wfd;
	im->emit = td_wire_event;
	im->alive = td_wire_alive;
	im->dec.meta = NULL;	/* the sink is the parent's: only events go up the pipe */
	strbuf_init(&im->wire, 65536 + 4096);
	im->sink = &counts;
	_exit(td_read(im, w, fd));
}

/* td_end - the child's TD_WIRE_END (@h, @text: the first skipped record) onto the sink */
static void td_end(struct vx_sink *sink, const struct td_wire *h, const char *text)
{
	sink->lost_events += h->ts;
	if (h->nfields && !sink->skipped) {
		vx_sink_skip(sink, text, strlen(text));	/* counts one */
		sink->skipped += h->nfields - 1;
	} else {
		sink->skipped += h->nfields;
	}
}

/* td_receive - the child's messages from @rfd into the sink until the pipe ends: 0, or -1
 * (vx_error set); *@events and *@ended say how far it came */
static int td_receive(struct td_import *im, int rfd, int stall_ms, uint64_t *events, bool *ended)
{
	struct td_rbuf *rb = xmalloc(sizeof(*rb));
	struct strbuf data = STRBUF_INIT;
	struct td_wire h;
	int ret = 0;

	rb->fd = rfd;
	rb->pos = rb->len = 0;
	for (;;) {
		ssize_t r = td_read_buffered(rb, &h, sizeof(h), stall_ms);

		if (r == 0)
			break;
		if (r == (ssize_t)sizeof(h)) {
			strbuf_reset(&data);
			strbuf_grow(&data, h.len);
			r = td_read_buffered(rb, data.buf, h.len, stall_ms);
			if (r == (ssize_t)h.len)
				r = 0;
		}
		if (r == -2) {
			ret = vx_error("%s: damaged trace.dat: the reading process made no progress for"
				       " %d s after %llu events (libtraceevent loops on some damaged pages);"
				       " 'trace-cmd dump -i %s' shows its sections", im->name,
				       stall_ms / 1000, (unsigned long long)*events, im->name);
			break;
		}
		if (r != 0) {
			ret = vx_error("%s: the reading process broke off", im->name);
			break;
		}
		data.len = h.len;
		data.buf[data.len] = '\0';
		if (h.type == TD_WIRE_EVENT) {
			if (td_deliver(im, &h, data.buf, data.len) < 0) {
				ret = -1;
				break;
			}
			++*events;
		} else if (h.type == TD_WIRE_END) {
			td_end(im->sink, &h, data.buf);
			*ended = true;
		} else if (h.type != TD_WIRE_ALIVE) {
			ret = vx_error("%s", data.buf);
			break;
		}
	}
	free(rb);
	strbuf_release(&data);
	return ret;
}

/*
 * td_read_in_child - read the records through libtracecmd in a child process and hand the
 * events it sends to the sink. libtraceevent 1.7 crashes (SIGSEGV) on some damaged event
 * formats and libtracecmd 1.3 on some damaged buffer descriptions, neither of which we can
 * check from outside: a crash ends the child, and the parent turns it into an error message.
 */
int td_read_in_child(struct td_import *im, struct td_walk *w, int fd)
{
	bool ended = false;
	uint64_t events = 0;
	int pfd[2], status, ret, stall_ms = TD_STALL_MS;
	const char *stall = getenv("VX_TRACE_DAT_STALL_MS");
	pid_t pid;

	if (stall && atoi(stall) > 0)
		stall_ms = atoi(stall);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return vx_error("%s: cannot create a pipe: %s", im->name, strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return vx_error("%s: cannot fork the reading process: %s", im->name, strerror(errno));
	}
	if (pid == 0) {
		close(pfd[0]);
		td_child(im, w, fd, pfd[1]);
	}
	close(pfd[1]);
	ret = td_receive(im, pfd[0], stall_ms, &events, &ended);
	if (ret < 0)
		kill(pid, SIGKILL);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ret < 0 ? ret : vx_error("%s: cannot wait for the reading process: %s",
							 im->name, strerror(errno));
	if (ret < 0)
		return ret;
	if (WIFSIGNALED(status))
		return vx_error("%s: damaged trace.dat: the reader (libtraceevent, libtracecmd) crashed"
				" (signal %d) after %llu events; 'trace-cmd dump -i %s' shows its sections",
				im->name, WTERMSIG(status),
				(unsigned long long)events, im->name);
	if (!ended || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vx_error("%s: damaged trace.dat: libtracecmd failed (exit status %d) after %llu"
				" events; 'trace-cmd dump -i %s' shows its sections", im->name,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1, (unsigned long long)events,
				im->name);
	return 0;
}
