/* perf-script.c: importer of `perf script` default text output, for people who only have
 * the text: a header line "comm pid[/tid] [cpu] secs.usecs: [period] event: payload",
 * then (with -g) callchain lines "\t addr sym+off (dso)" until a blank line.
 * Payloads go through vx_payload_parse() so the fields are those of ftrace text; only
 * kernel frames are kept (user-space frames end the kernel stack, as in perf-data.c);
 * kernel frames perf could not name ("[unknown]") resolve through --kallsyms when given.
 * It never prints; one event and its callchain at a time are held in memory.
 */
#include "format.h"
#include "decode/kallsyms.h"
#include "payload.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

struct ps {
	struct vx_input *in;
	struct vx_sink *sink;

	/* the pending event: its header line (fields point into it) and frames */
	bool pending;
	uint64_t pending_off;		/* offset of its header line */
	struct strbuf head;
	struct vx_event ev;
	struct vx_field fields[VX_PAYLOAD_MAX_FIELDS];
	char probe_ip[24];
	struct strbuf name;
	struct strbuf framebuf;
	size_t frame_off[VX_MAX_FRAMES];
	const char *frames[VX_MAX_FRAMES];
	size_t nframes;
	bool user;			/* a user-space frame was seen: the kernel stack ended */
	bool cut;			/* a kernel frame past VX_MAX_FRAMES was left out */
	struct vx_kallsyms ks;		/* --kallsyms, for frames perf printed as [unknown] */
};

static bool is_digits(const char *s, const char *e)
{
	if (s >= e)
		return false;
	for (; s < e; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* find_cpu - the " [NNN] " that is followed by a timestamp "secs.frac:"; fills cpu and
 * the timestamp; returns the position of " [" or NULL */
static char *find_cpu(char *line, int *cpu, uint64_t *ts, char **after)
{
	for (char *p = strstr(line, " ["); p; p = strstr(p + 1, " [")) {
		char *q = p + 2, *e, *dot, *colon;

		e = q;
		while (isdigit((unsigned char)*e))
			e++;
		if (e == q || *e != ']')
			continue;
		colon = e + 1;
		while (*colon == ' ')
			colon++;
		dot = colon;
		while (isdigit((unsigned char)*dot))
			dot++;
		if (dot == colon || *dot != '.')
			continue;
		colon = dot + 1;
		while (isdigit((unsigned char)*colon))
			colon++;
		if (*colon != ':')
			continue;
		*cpu = atoi(q);
		{
			uint64_t secs = strtoull(e + 1, NULL, 10), frac = 0;
			int digits = 0;

			for (char *d = dot + 1; d < colon; d++, digits++)
				if (digits < 9)
					frac = frac * 10 + (uint64_t)(*d - '0');
			for (; digits < 9; digits++)
				frac *= 10;
			*ts = secs * 1000000000ULL + frac;
		}
		*after = colon + 1;
		return p;
	}
	return NULL;
}

/* header - parse a header line kept in ps->head; 0 ok, -1 not a header */
static int header(struct ps *ps)
{
	char *line = ps->head.buf, *cpu_at, *p, *end, *ev, *payload, *pidtok, *bare;
	struct vx_event *e = &ps->ev;
	uint64_t ts;
	int cpu;

	if (!(cpu_at = find_cpu(line, &cpu, &ts, &p)))
		return -1;
	/* "comm pid" or "comm pid/tid": the last token before the cpu is the id */
	end = cpu_at;
	while (end > line && end[-1] == ' ')
		end--;
	pidtok = end;
	while (pidtok > line && pidtok[-1] != ' ')
		pidtok--;
	{
		char *slash = memchr(pidtok, '/', (size_t)(end - pidtok));
		char *id = slash ? slash + 1 : pidtok;

		if (!is_digits(id, end) || (slash && !is_digits(pidtok, slash)))
			return -1;
		e->pid = atoi(id);
	}
	while (pidtok > line && pidtok[-1] == ' ')
		pidtok--;
	*pidtok = '\0';
	e->comm = line;
	while (*e->comm == ' ')
		e->comm++;
	if (!*e->comm)
		e->comm = NULL;

	/* optional period, then "event:" and the payload */
	while (*p == ' ')
		p++;
	ev = p;
	while (*p && *p != ' ')
		p++;
	if (is_digits(ev, p)) {
		while (*p == ' ')
			p++;
		ev = p;
	}
	payload = strstr(ev, ": ");
	if (payload) {
		*payload = '\0';
		payload += 2;
	} else {
		size_t l = strlen(ev);

		if (!l || ev[l - 1] != ':')
			return -1;
		ev[l - 1] = '\0';
		payload = ev + l;	/* "" */
	}
	if (!*ev || strchr(ev, ' '))
		return -1;

	/* "net:net_dev_start_xmit" is kept; a bare name gets its system as in ftrace text */
	strbuf_reset(&ps->name);
	bare = strrchr(ev, ':');
	if (bare && (ev[0] == ':' || !bare[1]))
		return -1;	/* "::", ":x" or "x:": no system or no event name */
	if (bare) {
		strbuf_addstr(&ps->name, ev);
		bare++;
	} else {
		bare = ev;
		strbuf_addf(&ps->name, "%s:%s", vx_event_system(ev, payload), ev);
	}
	e->name = ps->name.buf;
	e->ts_ns = ts;
	e->cpu = cpu;
	e->fields = ps->fields;
	e->nfields = 0;
	/* a kprobe prints its address raw, "(ffffffff81fff0b0) skb=0x...", where ftrace text
	 * has "(ip_output+0x0/0xe0)": keep it as the format field __probe_ip, as perf-data.c */
	if (payload[0] == '(') {
		char *close = payload + 1;

		while (isxdigit((unsigned char)*close))
			close++;
		if (*close == ')' && close > payload + 1 && close - payload - 1 < 17) {
			snprintf(ps->probe_ip, sizeof(ps->probe_ip), "0x%.*s", (int)(close - payload - 1),
				 payload + 1);
			ps->fields[e->nfields].key = "__probe_ip";
			ps->fields[e->nfields++].value = ps->probe_ip;
			payload = close + 1;
			while (*payload == ' ')
				payload++;
		}
	}
	e->nfields += vx_payload_parse(bare, payload, ps->fields + e->nfields,
				       VX_PAYLOAD_MAX_FIELDS - e->nfields);
	return 0;
}

/* frame - one callchain line "\t ffffffff81fff10f ip_output+0x5f ([kernel.kallsyms])" */
static void frame(struct ps *ps, const char *line)
{
	const char *p = line, *addr, *sym, *dso;
	size_t alen, slen;
	bool kernel;

	if (ps->user || ps->cut)
		return;
	while (*p == ' ' || *p == '\t')
		p++;
	addr = p;
	while (isxdigit((unsigned char)*p))
		p++;
	alen = (size_t)(p - addr);
	if (!alen || *p != ' ') {
		vx_sink_skip(ps->sink, line, strlen(line));
		return;
	}
	sym = ++p;
	dso = strrchr(sym, '(');
	slen = dso && dso > sym ? (size_t)(dso - sym) : strlen(sym);
	while (slen && sym[slen - 1] == ' ')
		slen--;
	/* kernel: the kernel image or a module "[vxlan]", or a kernel-half address */
	kernel = dso ? dso[1] == '[' && strncmp(dso, "([unknown])", 11) : false;
	if (!kernel)
		kernel = alen == 16 && !strncmp(addr, "ffff", 4);
	if (!kernel) {
		ps->user = true;
		return;
	}
	if (ps->nframes == VX_MAX_FRAMES) {
		ps->cut = true;
		return;
	}
	ps->frame_off[ps->nframes] = ps->framebuf.len;
	if (!slen || (slen == 9 && !memcmp(sym, "[unknown]", 9))) {
		uint64_t a = strtoull(addr, NULL, 16), off;
		const struct vx_ksym *k = vx_kallsyms_lookup(&ps->ks, a, &off);

		if (k)
			strbuf_addf(&ps->framebuf, "%s+0x%llx", k->name, (unsigned long long)off);
		else
			strbuf_addf(&ps->framebuf, "0x%.*s", (int)alen, addr);
	} else {
		strbuf_add(&ps->framebuf, sym, slen);
	}
	strbuf_addch(&ps->framebuf, '\0');
	ps->nframes++;
}

static int flush(struct ps *ps)
{
	if (!ps->pending)
		return 0;
	ps->pending = false;
	for (size_t i = 0; i < ps->nframes; i++)
		ps->frames[i] = ps->framebuf.buf + ps->frame_off[i];
	ps->ev.frames = ps->frames;
	ps->ev.nframes = ps->nframes;
	ps->sink->stacks_cut += ps->cut;
	return vx_sink_event(ps->sink, &ps->ev);
}

static int perf_script_import(struct vx_input *in, struct vx_sink *sink, const struct vx_import_opts *opts)
{
	struct ps ps = { .in = in, .sink = sink };
	struct strbuf line = STRBUF_INIT;
	int r, ret = 0;

	if (opts && opts->kallsyms && vx_kallsyms_load(&ps.ks, opts->kallsyms) < 0)
		return -1;
	strbuf_init(&ps.head, 256);
	strbuf_init(&ps.name, 64);
	strbuf_init(&ps.framebuf, 1024);
	for (;;) {
		uint64_t start = in->offset;

		r = vx_input_getline(in, &line);
		if (r < 0) {
			ret = -1;
			break;
		}
		if (r == 0)
			break;
		if (in->offset - start <= line.len) {
			/* the last line has no newline: the file was cut inside it */
			sink->truncated = true;
			sink->truncated_at = ps.pending ? ps.pending_off : start;
			ps.pending = false;
			break;
		}
		if (!line.len) {
			if ((ret = flush(&ps)) < 0)
				break;
			continue;
		}
		if (line.buf[0] == '\t') {
			if (ps.pending)
				frame(&ps, line.buf);
			else
				vx_sink_skip(sink, line.buf, line.len);
			continue;
		}
		if ((ret = flush(&ps)) < 0)
			break;
		strbuf_reset(&ps.head);
		strbuf_add(&ps.head, line.buf, line.len);
		if (header(&ps) < 0) {
			vx_sink_skip(sink, line.buf, line.len);
			continue;
		}
		strbuf_reset(&ps.framebuf);
		ps.nframes = 0;
		ps.user = false;
		ps.cut = false;
		ps.pending = true;
		ps.pending_off = start;
	}
	if (ret == 0)
		ret = flush(&ps);
	if (ret == 0 && sink->events == 0 && !sink->truncated)
		ret = vx_error("%s: no perf script event lines found (expected \"comm pid [cpu] "
			       "secs.usecs: event: payload\"); is it 'perf script' output?", in->name);
	strbuf_release(&line);
	strbuf_release(&ps.head);
	strbuf_release(&ps.name);
	strbuf_release(&ps.framebuf);
	vx_kallsyms_release(&ps.ks);
	return ret;
}

/* probe - the first non-blank line looks like a perf script header */
static int perf_script_probe(const unsigned char *head, size_t len)
{
	char buf[1024];
	size_t n = 0, i = 0;
	char *after, *cpu_at, *tok, *end;
	uint64_t ts;
	int cpu;

	while (i < len && (head[i] == '\n' || head[i] == '\r'))
		i++;
	while (i < len && head[i] != '\n' && n < sizeof(buf) - 1) {
		if (!head[i])
			return 0;
		buf[n++] = (char)head[i++];
	}
	buf[n] = '\0';
	if (n == 0 || buf[0] == '#' || buf[0] == '\t')
		return 0;
	if (!(cpu_at = find_cpu(buf, &cpu, &ts, &after)))
		return 0;
	/* the token before the cpu is "pid" or "pid/tid" (ftrace text has "comm-pid") */
	end = cpu_at;
	while (end > buf && end[-1] == ' ')
		end--;
	tok = end;
	while (tok > buf && tok[-1] != ' ' && tok[-1] != '/')
		tok--;
	if (!is_digits(tok, end) || tok == buf)
		return 0;
	/* ftrace text has "comm-pid [cpu] flags ts:", perf script "comm pid [cpu] ts: event:" */
	while (*after == ' ')
		after++;
	return strchr(after, ':') ? 60 : 0;
}

const struct vx_format vx_format_perf_script = {
	.name = "perf-script",
	.desc = "text of 'perf script' (default fields, callchains with -g)",
	.probe = perf_script_probe,
	.import = perf_script_import,
};
