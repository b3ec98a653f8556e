/* ftrace-text.c: importer for ftrace's text output (`cat trace`, `cat trace_pipe`).
 * Handles the header or its absence, the irq-info column or its absence, "(tgid)" columns,
 * "<...>" comms, tracepoint lines (key=value payloads), kprobe/kretprobe lines,
 * function-tracer lines ("func <-parent") and "<stack trace>" blocks (" => frame"), which
 * belong to the latest event of the same CPU (the one rule of decode/stack-attach.h). Lost-event markers are counted.
 * Must not: print, or guess the meaning of events (that is the analysis' job).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "payload.h"
#include "core/error.h"
#include "core/xalloc.h"
#include "decode/stack-attach.h"

/* the event line being parsed: the fields point into @line */
struct parsed {
	struct strbuf line;
	char name[128];
	char comm[64];
	struct vx_field fields[VX_PAYLOAD_MAX_FIELDS];
	size_t nfields;
};

/* events wait for their "<stack trace>" blocks in the one stack-to-event queue; text has no
 * bound on how late a CPU's next line comes, so the queue holds at most MAX_PENDING */
#define MAX_PENDING 64

struct parser {
	struct vx_input *in;
	struct vx_sink *sink;
	struct vx_attach attach;
	struct parsed cur;
	bool in_user_stack;
	uint64_t lineno;
	uint64_t event_lines;
};

struct line_parts {
	char *comm;
	int pid, cpu;
	uint64_t ts_ns;
	char *text;	/* what follows "TIMESTAMP: " */
};

static int is_irq_info(const char *p, size_t n)
{
	if (n < 4 || n > 6)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr(".dDnNhHsSbBzZXx0123456789", p[i]))
			return 0;
	return 1;
}

/* "109.780567:" (or "109780567123:" with a counter clock) → ns; -1 if not a timestamp */
static int parse_ts(const char *p, size_t n, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0;
	size_t i = 0, fd = 0;

	if (!n || !isdigit((unsigned char)p[0]))
		return -1;
	for (; i < n && isdigit((unsigned char)p[i]); i++)
		sec = sec * 10 + (uint64_t)(p[i] - '0');
	if (i < n && p[i] == '.') {
		for (i++; i < n && isdigit((unsigned char)p[i]); i++, fd++)
			if (fd < 9)
				frac = frac * 10 + (uint64_t)(p[i] - '0');
		if (!fd)
			return -1;
		for (size_t k = fd; k < 9; k++)
			frac *= 10;
		*ns = sec * 1000000000ULL + frac;
	} else {
		*ns = sec;	/* counter/cycles clocks print raw units */
	}
	return i == n ? 0 : -1;
}

/*
 * Split "  <comm>-<pid> [(tgid)] [cpu] [irq-info] ts: text" in place.
 * Returns 0 on success, -1 when the line is not an event line.
 */
static int split_line(char *line, struct line_parts *lp)
{
	char *br = NULL, *p, *end, *dash;

	/* the CPU column: " [ddd]" — search from the left, comms rarely contain it */
	for (p = line; (p = strchr(p, '[')); p++) {
		char *q = p + 1;

		while (isdigit((unsigned char)*q))
			q++;
		if (q > p + 1 && *q == ']' && p > line && (p[-1] == ' ' || p[-1] == '\t')) {
			br = p;
			break;
		}
	}
	if (!br)
		return -1;
	lp->cpu = atoi(br + 1);
	/* left of the CPU column: comm-pid, maybe followed by "(  tgid)" */
	end = br;
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end > line && end[-1] == ')') {
		char *op = end - 1;

		while (op > line && *op != '(')
			op--;
		if (*op != '(')
			return -1;
		end = op;
		while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
	}
	*end = '\0';
	p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	dash = strrchr(p, '-');
	if (!dash || dash == p || !isdigit((unsigned char)dash[1]))
		return -1;
	for (char *d = dash + 1; *d; d++)
		if (!isdigit((unsigned char)*d))
			return -1;
	*dash = '\0';
	lp->comm = p;
	lp->pid = atoi(dash + 1);
	/* right of it: [irq-info] timestamp: */
	p = strchr(br, ']') + 1;
	for (int tok = 0; tok < 2; tok++) {
		while (*p == ' ' || *p == '\t')
			p++;
		char *e = p;

		while (*e && *e != ' ' && *e != '\t')
			e++;
		if (e > p && e[-1] == ':') {
			if (parse_ts(p, (size_t)(e - p - 1), &lp->ts_ns) < 0)
				return -1;
			while (*e == ' ' || *e == '\t')
				e++;
			lp->text = e;
			return 0;
		}
		if (tok == 0 && is_irq_info(p, (size_t)(e - p))) {
			p = e;
			continue;
		}
		return -1;
	}
	return -1;
}

static int sink_emit(void *ctx, const struct vx_event *ev)
{
	return vx_sink_event(ctx, ev);
}

static int add_event(struct parser *ps, struct line_parts *lp)
{
	char *text = lp->text, *colon, *name;
	const char *system;
	struct parsed *pe = &ps->cur;
	struct vx_event ev = { .ts_ns = lp->ts_ns, .cpu = lp->cpu, .pid = lp->pid };

	strbuf_reset(&pe->line);
	pe->nfields = 0;
	snprintf(pe->comm, sizeof(pe->comm), "%s", lp->comm);
	ev.comm = strcmp(pe->comm, "<...>") ? pe->comm : NULL;
	ev.name = pe->name;
	ev.fields = pe->fields;

	strbuf_addstr(&pe->line, text);
	text = pe->line.buf;
	colon = strchr(text, ':');
	char *arrow = strstr(text, " <-");
	char *sp = strchr(text, ' ');

	if (arrow && (!colon || colon > arrow) && sp == arrow) {
		/* function tracer: "iptunnel_xmit <-vxlan_xmit_one" */
		*arrow = '\0';
		pe->fields[0] = (struct vx_field){ "ip", text };
		pe->fields[1] = (struct vx_field){ "parent_ip", arrow + 3 };
		ev.nfields = 2;
		snprintf(pe->name, sizeof(pe->name), "ftrace:function");
		return vx_attach_event(&ps->attach, &ev);
	}
	if (!colon || colon == text || (sp && sp < colon)) {
		/* no "name:" — e.g. a marker without event name, or an empty name; keep it as text */
		pe->fields[0] = (struct vx_field){ "text", text };
		ev.nfields = 1;
		snprintf(pe->name, sizeof(pe->name), "ftrace:unknown");
		return vx_attach_event(&ps->attach, &ev);
	}
	*colon = '\0';
	name = text;
	text = colon + 1;
	while (*text == ' ')
		text++;
	system = vx_event_system(name, text);
	snprintf(pe->name, sizeof(pe->name), "%s:%s", system, name);
	ev.nfields = vx_payload_parse(name, text, pe->fields, VX_PAYLOAD_MAX_FIELDS);
	return vx_attach_event(&ps->attach, &ev);
}

static unsigned long long lost_marker(const char *line)
{
	/* "CPU:1 [LOST 123 EVENTS]" */
	const char *p = strstr(line, "[LOST ");

	if (!p || strncmp(line, "CPU:", 4))
		return 0;
	return strtoull(p + 6, NULL, 10);
}

static int handle_line(struct parser *ps, char *line, size_t len)
{
	struct line_parts lp;
	char *p = line;
	unsigned long long lost;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 0;
	if (p[0] == '=' && p[1] == '>') {
		if (ps->in_user_stack)
			return 0;	/* user frames: not kernel paths */
		if (!vx_attach_frame(&ps->attach, p, strlen(p)))
			vx_sink_skip(ps->sink, line, len);
		return 0;
	}
	ps->in_user_stack = false;
	if (*p == '#') {
		unsigned long long in, written;
		const char *e = strstr(p, "entries-in-buffer/entries-written:");

		if (e && sscanf(e + 34, " %llu/%llu", &in, &written) == 2 && written > in)
			ps->sink->lost_events += written - in;
		return 0;
	}
	if ((lost = lost_marker(p))) {
		ps->sink->lost_events += lost;
		return 0;
	}
	if (split_line(line, &lp) < 0) {
		vx_sink_skip(ps->sink, line, len);
		return 0;
	}
	ps->event_lines++;
	if (!strncmp(lp.text, "<stack trace>", 13)) {
		/* the latest event of that CPU gets it, if it has none yet */
		if (!vx_attach_stack_begin(&ps->attach, lp.cpu))
			vx_sink_skip(ps->sink, "<stack trace> without an event before it", 40);
		return 0;
	}
	if (!strncmp(lp.text, "<user stack trace>", 18)) {
		vx_attach_stack_end(&ps->attach);
		ps->in_user_stack = true;
		return 0;
	}
	return add_event(ps, &lp);
}

static int ftrace_text_import(struct vx_input *in, struct vx_sink *sink, const struct vx_import_opts *opts)
{
	struct parser *ps = xcalloc(1, sizeof(*ps));
	struct strbuf line = STRBUF_INIT;
	int r, ret = -1;

	ps->in = in;
	ps->sink = sink;
	vx_attach_init(&ps->attach, sink_emit, sink);
	ps->attach.wait_ns = UINT64_MAX;	/* a counter clock's units are not nanoseconds */
	ps->attach.max_held = MAX_PENDING;
	strbuf_init(&ps->cur.line, 0);
	while ((r = vx_input_getline(in, &line)) > 0) {
		ps->lineno++;
		if (memchr(line.buf, '\0', line.len)) {
			vx_error("%s:%llu: binary data in a text trace; is this the right file?", in->name,
				 (unsigned long long)ps->lineno);
			goto out;
		}
		if (handle_line(ps, line.buf, line.len) < 0)
			goto out;	/* the sink said why */
	}
	if (r < 0)
		goto out;
	if (vx_attach_flush(&ps->attach) < 0)
		goto out;
	if (!ps->event_lines) {
		vx_error("%s: no trace events found in %llu lines; is this ftrace output (cat trace)?",
			 in->name, (unsigned long long)ps->lineno);
		goto out;
	}
	ret = 0;
out:
	vx_attach_release(&ps->attach);
	strbuf_release(&ps->cur.line);
	strbuf_release(&line);
	free(ps);
	return ret;
}

/* confidence: a "# tracer:" header, or event lines in the first kilobytes */
static int ftrace_text_probe(const unsigned char *head, size_t len)
{
	char buf[4096];
	size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	int events = 0, known = 0, lines = 0;

	if (memchr(head, '\0', n))
		return 0;
	memcpy(buf, head, n);
	buf[n] = '\0';
	if (!strncmp(buf, "# tracer:", 9))
		return 100;
	for (char *l = strtok(buf, "\n"); l && lines < 20; l = strtok(NULL, "\n")) {
		struct line_parts lp;

		const char *p = l + strspn(l, " \t");

		lines++;
		if (p[0] == '#' || (p[0] == '=' && p[1] == '>') || !strncmp(p, "CPU:", 4))
			known++;
		else if (split_line(l, &lp) == 0)
			events++;
	}
	/* mostly event, stack and comment lines (the last line may be cut by the peek) */
	return events >= 1 && (events + known) * 5 >= lines * 4 ? 60 : 0;
}

const struct vx_format vx_format_ftrace_text = {
	.name = "ftrace-text",
	.desc = "ftrace text from `cat trace` or `cat trace_pipe`, with <stack trace> blocks",
	.probe = ftrace_text_probe,
	.import = ftrace_text_import,
};
