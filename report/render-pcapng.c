/* render-pcapng.c: `report --format pcapng`: the packet bytes of every kept journey's kprobe
 * hops (record --snaplen) as one pcapng file for Wireshark: one Enhanced Packet Block per hop
 * with bytes in time order (the hosts' clocks aligned as the joined report aligns them), one
 * Interface Description Block per (host, device, link type), the hop in each packet's
 * comment. Writes only through the pcapng writer (pcapng.c). Also the html report's line that
 * names each journey's pcapng command (vx_pcapng_hint_html).
 * Must not: parse inputs, query the store (fields come through the analysis' event source),
 * or print.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "events.h"
#include "hop-bytes.h"
#include "pcapng.h"
#include "render.h"

/* one packet to write */
struct pkt {
	int64_t ts;			/* on the aligned clock */
	const struct vx_journey *j;
	size_t hop;
	int host;			/* index into an->join.hosts, -1 unknown */
	const char *dev;		/* the device the hop is on (inferred for kprobes), NULL unknown */
	uint32_t ifid;
	struct vx_hop_bytes *b;		/* malloc'd */
};

/* one interface: (host, device, link type) */
struct iface {
	int host;
	const char *dev;
	uint16_t linktype;
};

struct pcap {
	const struct vx_analysis *an;
	struct pkt *pkts;
	size_t npkts, cap;
	struct iface *ifs;
	size_t nifs;
	size_t unknown;		/* hops with bytes whose start is not known: left out */
	size_t journeys;	/* journeys with a packet written */
};

static uint16_t linktype_of(enum vx_bytes_at at)
{
	return at == VX_BYTES_ETHERNET ? VX_LINKTYPE_ETHERNET : at == VX_BYTES_IP ? VX_LINKTYPE_RAW :
									  VX_LINKTYPE_UPPER_PDU;
}

/* rec_fields - the fields of kept rec @r, from the event source (the kept journeys keep only
 * a few of them); *@f in @a. 0, or -1 with vx_error() set when the source fails */
static int rec_fields(struct pcap *pc, const struct vx_rec *r, struct arena *a, struct vx_field **f, size_t *n)
{
	const struct vx_analysis *an = pc->an;

	*f = NULL;
	*n = 0;
	if (!an->src || !an->src->event_fields)
		return 0;
	return an->src->event_fields(an->src->priv, r->id, a, f, n);
}

/* hop_dev - the device of hop @i: its own, or for a kprobe hop (which names none) the
 * nearest hop's that does: a receive probe's packet came in on the device before it, a
 * transmit probe's leaves on the device after it */
static const char *hop_dev(const struct vx_journey *j, size_t i, bool rx)
{
	if (j->hops[i].dev)
		return j->hops[i].dev;
	for (int pass = 0; pass < 2; pass++) {
		bool back = rx == (pass == 0);

		for (size_t k = i; back ? k-- > 0 : ++k < j->nhops;)
			if (j->hops[k].dev)
				return j->hops[k].dev;
	}
	return NULL;
}

static void add_pkt(struct pcap *pc, const struct pkt *p)
{
	VX_GROW(pc->pkts, pc->npkts, pc->cap);
	pc->pkts[pc->npkts++] = *p;
}

/* collect_journey - the hops of @j with packet bytes; 0 or -1 (the source failed) */
static int collect_journey(struct pcap *pc, const struct vx_journey *j)
{
	const struct vx_analysis *an = pc->an;
	int host = vx_join_host_of(an, j->capture_id);
	size_t before = pc->npkts;

	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_hop *h = &j->hops[i];
		struct arena a = ARENA_INIT;
		struct vx_field *f;
		struct vx_hop_bytes *b;
		size_t n;
		int got;

		if (!h->rec || !h->pkt)	/* bytes come with the headers a kprobe read */
			continue;
		if (rec_fields(pc, h->rec, &a, &f, &n) < 0) {
			arena_release(&a);
			return -1;
		}
		b = xmalloc(sizeof(*b));
		got = vx_hop_bytes_from_fields(f, n, b);
		arena_release(&a);
		if (got != VX_HOP_BYTES) {
			pc->unknown += got == VX_HOP_BYTES_UNKNOWN;
			free(b);
			continue;
		}
		add_pkt(pc, &(struct pkt){ .ts = vx_join_aligned(an, host, h->ts_ns), .j = j, .hop = i,
					   .host = host, .dev = hop_dev(j, i, b->rx), .b = b });
	}
	pc->journeys += pc->npkts > before;
	return 0;
}

static int cmp_pkt(const void *a, const void *b)
{
	const struct pkt *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->j->id != y->j->id)
		return x->j->id < y->j->id ? -1 : 1;
	return x->hop < y->hop ? -1 : x->hop > y->hop;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* number the interfaces in the order of their first packet */
static void assign_ifaces(struct pcap *pc)
{
	pc->ifs = xcalloc(pc->npkts ? pc->npkts : 1, sizeof(*pc->ifs));
	for (size_t i = 0; i < pc->npkts; i++) {
		struct pkt *p = &pc->pkts[i];
		uint16_t lt = linktype_of(p->b->at);
		size_t k;

		for (k = 0; k < pc->nifs; k++)
			if (pc->ifs[k].host == p->host && same_str(pc->ifs[k].dev, p->dev) && pc->ifs[k].linktype == lt)
				break;
		if (k == pc->nifs)
			pc->ifs[pc->nifs++] = (struct iface){ p->host, p->dev, lt };
		p->ifid = (uint32_t)k;
	}
}

/* the name of host @h, NULL when unknown or the kernel's "(none)" (a machine never named) */
static const char *host_name(const struct pcap *pc, int h)
{
	const char *s = vx_join_host_name(pc->an, h);

	return s && strcmp(s, "(none)") ? s : NULL;
}

/* if_name "eth0", or "host:eth0" when the report holds several hosts */
static void iface_name(const struct pcap *pc, const struct iface *f, struct strbuf *sb)
{
	const char *host = host_name(pc, f->host);

	strbuf_reset(sb);
	if (pc->an->join.nhosts > 1 && host)
		strbuf_addf(sb, "%s:", host);
	strbuf_addstr(sb, f->dev ? f->dev : "unknown");
}

static void write_ifaces(const struct pcap *pc, struct strbuf *out)
{
	static const char *const what[] = { "Ethernet from the MAC header", "raw IP from the IP header",
					    "Wireshark exported PDU: UDP from the tunnel's UDP header" };
	struct strbuf name = STRBUF_INIT, desc = STRBUF_INIT;

	for (size_t i = 0; i < pc->nifs; i++) {
		const struct iface *f = &pc->ifs[i];
		const char *host = host_name(pc, f->host);
		int w = f->linktype == VX_LINKTYPE_ETHERNET ? 0 : f->linktype == VX_LINKTYPE_RAW ? 1 : 2;

		iface_name(pc, f, &name);
		strbuf_reset(&desc);
		strbuf_addf(&desc, "%s%s%s: packets at the kprobe hops on this device, %s",
			    f->dev ? f->dev : "unknown device", host ? " on " : "", host ? host : "", what[w]);
		vx_pcapng_idb(out, f->linktype, 0, name.buf, desc.buf);
	}
	strbuf_release(&name);
	strbuf_release(&desc);
}

/* "journey 5 hop 8 iptunnel_xmit (tunnel) node-a, joined journey 2" */
static void pkt_comment(const struct pcap *pc, const struct pkt *p, struct strbuf *sb)
{
	const struct vx_hop *h = &p->j->hops[p->hop];
	const char *fn = vx_event_base(h->event), *host = host_name(pc, p->host);

	strbuf_reset(sb);
	strbuf_addf(sb, "journey %d hop %zu %s (%s)", p->j->id, p->hop + 1, fn ? fn : "?",
		    vx_layer_name(vx_layer_of(fn ? fn : "")));
	if (host)
		strbuf_addf(sb, " %s", host);
	if (p->j->joined)
		strbuf_addf(sb, ", joined journey %d", p->j->joined);
}

static void write_pkts(const struct pcap *pc, struct strbuf *out)
{
	struct strbuf comment = STRBUF_INIT, data = STRBUF_INIT;

	for (size_t i = 0; i < pc->npkts; i++) {
		const struct pkt *p = &pc->pkts[i];
		const struct vx_hop_bytes *b = p->b;
		uint32_t orig = b->origlen;

		strbuf_reset(&data);
		if (b->at == VX_BYTES_UDP) {
			vx_pcapng_upper_pdu(&data, "udp", b->out_src, b->out_dst);
			orig += (uint32_t)data.len;
		}
		strbuf_add(&data, b->data, b->caplen);
		pkt_comment(pc, p, &comment);
		vx_pcapng_epb(out, p->ifid, p->ts > 0 ? (uint64_t)p->ts : 0, data.buf, (uint32_t)data.len, orig,
			      comment.buf);
	}
	strbuf_release(&comment);
	strbuf_release(&data);
}

static void write_section(const struct pcap *pc, struct strbuf *out)
{
	const struct vx_analysis *an = pc->an;
	struct strbuf c = STRBUF_INIT;
	int ref = -1;

	for (size_t h = 0; h < an->join.nhosts; h++)
		if (an->join.hosts[h].reference)
			ref = (int)h;
	strbuf_addf(&c, "vxanalyze report --format pcapng: %zu packets of %zu journeys (of the %zu kept, "
		    "%zu in all), one per kprobe hop with packet bytes; comments name journey, hop "
		    "(1 = its first event), function, layer, host and the joined journey. Timestamps: the trace clock",
		    pc->npkts, pc->journeys, an->njourneys, vx_analysis_journeys_total(an));
	if (an->join.nhosts > 1 && ref >= 0)
		strbuf_addf(&c, " of %s, the other hosts' aligned to it", an->join.hosts[ref].name);
	strbuf_addstr(&c, " (time since boot, not wall-clock time).");
	if (pc->unknown)
		strbuf_addf(&c, " %zu hops left out: their bytes start at neither a MAC, an IP nor a "
			    "tunnel's UDP header.", pc->unknown);
	vx_pcapng_shb(out, "vxanalyze", c.buf);
	strbuf_release(&c);
}

static void pcap_release(struct pcap *pc)
{
	for (size_t i = 0; i < pc->npkts; i++)
		free(pc->pkts[i].b);
	free(pc->pkts);
	free(pc->ifs);
}

/* put_blocks - the pcapng writer's blocks (its string options went through
 * vx_pcapng_clean: valid UTF-8 of bounded length), as they are; 0 or -1 */
static int put_blocks(FILE *out, const struct strbuf *buf)
{
	return fwrite(buf->buf, 1, buf->len, out) == buf->len && fflush(out) == 0 ? 0 : -1;
}

static int pcapng_write(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts)
{
	struct pcap pc = { .an = an };
	struct strbuf buf = STRBUF_INIT;
	int want = opts ? opts->journey : 0, ret = -1;
	bool found = !want;

	for (size_t i = 0; i < an->njourneys; i++) {
		if (want && an->journeys[i].id != want)
			continue;
		found = true;
		if (collect_journey(&pc, &an->journeys[i]) < 0)
			goto out;
	}
	if (!found) {
		vx_error("pcapng: journey %d is not among the %zu journeys this report keeps (raise "
			 "--max-journeys, or check --capture and --filter)", want, an->njourneys);
		goto out;
	}
	if (!pc.npkts) {
		vx_error("pcapng: no packet bytes in %s%s: they come from kprobes (record --snaplen N, "
			 "on a kernel with kprobes and BTF); tracepoints carry none",
			 want ? "this journey" : "these journeys", pc.unknown ? " that Wireshark could read" : "");
		goto out;
	}
	qsort(pc.pkts, pc.npkts, sizeof(*pc.pkts), cmp_pkt);
	assign_ifaces(&pc);
	write_section(&pc, &buf);
	write_ifaces(&pc, &buf);
	write_pkts(&pc, &buf);
	if (put_blocks(out, &buf) < 0)
		vx_error("pcapng: write error");
	else
		ret = 0;
out:
	strbuf_release(&buf);
	pcap_release(&pc);
	return ret;
}

void vx_pcapng_hint_html(FILE *out, const struct vx_journey *j, const struct vx_render_opts *opts)
{
	bool bytes = false;

	for (size_t i = 0; i < j->nhops && !bytes; i++)
		bytes = j->hops[i].pkt && j->hops[i].pkt->bytes;
	if (!bytes || !j->id)
		return;
	fputs("<p class=\"sub\">Its packets in Wireshark, one per kprobe hop: <code>vxanalyze report ", out);
	if (opts && opts->select_args) {
		vx_html_escape(out, opts->select_args, 4096);
		fputc(' ', out);
	}
	fprintf(out, "--format pcapng --journey %d -o journey-%d.pcapng</code></p>\n", j->id, j->id);
}

const struct vx_renderer vx_render_pcapng = {
	.name = "pcapng",
	.desc = "the packet bytes of the kprobe hops (record --snaplen) for Wireshark",
	.write = pcapng_write,
};
