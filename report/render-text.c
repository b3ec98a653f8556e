/* render-text.c: the human report for an 80-column terminal: each journey as a flow of
 * hops (device, length, time since the previous hop) with the encapsulation and the
 * IP-layer re-entry said in words, then the distinct paths with counts and layers.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "render.h"
#include "core/strbuf.h"
#include "core/utf8.h"

#define DEFAULT_MAX_JOURNEYS 20
#define TEXT_MAX_STR 512	/* a capture string outside a column: cut after this, with "…" */
#define TEXT_MAX_LINE 4096	/* a sentence holding capture strings: cut after this, with "…" */

/* ANSI colours when the command asked for them (opts->color): headings bold, the
 * encapsulation yellow, the IP re-entry bold red. Whole lines only: put_wrapped() counts
 * columns in bytes. Set by text_write() for the one report it writes. */
static __thread bool use_color;
#define SGR(out, code) ((void)(use_color && fputs("\033[" code "m", (out))))
#define SGR_BOLD "1"
#define SGR_ENCAP "33"
#define SGR_REENTER "1;31"
#define SGR_OFF "0"

/* "syscall > socket > l4 > ip > dev", outermost first, repeats collapsed */
void vx_path_layer_summary(const struct vx_path *p, struct strbuf *sb)
{
	enum vx_layer last = VX_LAYER_OTHER;

	for (size_t i = p->stack->nframes; i-- > 0;) {
		enum vx_layer l = p->layers[i];

		if (l == VX_LAYER_OTHER || l == last)
			continue;
		if (last != VX_LAYER_OTHER)
			strbuf_addstr(sb, " >");
		strbuf_addch(sb, ' ');
		strbuf_addstr(sb, vx_layer_name(l));
		last = l;
	}
	if (last == VX_LAYER_OTHER)
		strbuf_addstr(sb, " (no network layer)");
}

/* put_clean - capture text (device, comm, frame, file name) through the terminal sanitiser
 * (vx_term_clean), cut after @max characters (0: TEXT_MAX_STR and a "…") and padded with
 * spaces to @width */
static void put_clean(FILE *out, const char *s, size_t max, size_t width)
{
	struct strbuf sb = STRBUF_INIT;
	size_t chars = s ? vx_term_clean(&sb, s, strlen(s), max ? max : TEXT_MAX_STR,
					 max ? 0 : VX_TERM_MARK_CUT) : 0;

	fwrite(sb.buf, 1, sb.len, out);
	for (; chars < width; chars++)
		fputc(' ', out);
	strbuf_release(&sb);
}

/* print @text folded at 79 columns on spaces; continuation lines get @indent spaces */
static void put_wrapped(FILE *out, const char *raw, int indent)
{
	struct strbuf clean = STRBUF_INIT;
	const char *text;
	size_t col;

	/* sentences hold capture text: the one sanitiser makes them safe for the terminal */
	vx_term_clean(&clean, raw, strlen(raw), TEXT_MAX_LINE, VX_TERM_MARK_CUT);
	text = clean.buf;
	col = strspn(text, " ");
	const char *p = text + col;

	fwrite(text, 1, col, out);
	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t w = sp ? (size_t)(sp - p) : strlen(p);

		if (col > (size_t)indent && col + 1 + w > 79) {
			fprintf(out, "\n%*s", indent, "");
			col = (size_t)indent;
		} else if (p > text + strspn(text, " ")) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
	strbuf_release(&clean);
}

static void fmt_delta(char *buf, size_t n, uint64_t prev, uint64_t cur, int first)
{
	if (first) {
		snprintf(buf, n, "%11s", "start");
		return;
	}
	uint64_t d = cur - prev;

	if (d < 10000000)
		snprintf(buf, n, "+%7.1f us", d / 1000.0);
	else
		snprintf(buf, n, "+%7.1f ms", d / 1e6);
}

static void fmt_ns(char *buf, size_t n, uint64_t d)
{
	if (d < 10000000)
		snprintf(buf, n, "%.1f us", d / 1000.0);
	else
		snprintf(buf, n, "%.1f ms", d / 1e6);
}

/* time since the previous hop over every journey of the shape (streamed analyses) */
static void write_latencies(FILE *out, const struct vx_journey *j, const struct vx_shape *s)
{
	if (!s || s->count < 2 || s->nhist < 2)
		return;
	fprintf(out, "  time since the previous hop over %zu journeys, p50 / p90 / p99 / max:\n", s->count);
	for (size_t i = 1; i < s->nhist && i < j->nhops; i++) {
		char q[4][32];

		fmt_ns(q[0], sizeof(q[0]), vx_hist_quantile(&s->hist[i], 0.5));
		fmt_ns(q[1], sizeof(q[1]), vx_hist_quantile(&s->hist[i], 0.9));
		fmt_ns(q[2], sizeof(q[2]), vx_hist_quantile(&s->hist[i], 0.99));
		fmt_ns(q[3], sizeof(q[3]), s->hist[i].max);
		fprintf(out, "  %3zu ", i);
		put_clean(out, j->hops[i].dev ? j->hops[i].dev : "-", 14, 14);
		fprintf(out, " %s / %s / %s / %s\n", q[0], q[1], q[2], q[3]);
	}
}

/* hop @i of journey @j: time since the previous hop, device, length, event, path; then its
 * packet, its route lookup and the encapsulation or decapsulation it made */
static void write_journey_hop(FILE *out, const struct vx_journey *j, size_t i)
{
	const struct vx_hop *h = &j->hops[i];
	char d[32], len[24] = "";

	if (j->nsegments > 1 && (i == 0 || h->segment != j->hops[i - 1].segment))
		fprintf(out, "  -- %s\n", vx_journey_segment_role(j, h->segment));
	fmt_delta(d, sizeof(d), i ? j->hops[i - 1].ts_ns : 0, h->ts_ns, i == 0);
	if (h->len >= 0)
		snprintf(len, sizeof(len), "len %" PRId64, h->len);
	fprintf(out, "  %s  ", d);
	put_clean(out, h->dev ? h->dev : "-", 14, 14);
	fprintf(out, " %-8s ", len);
	put_clean(out, vx_event_base(h->event), 22, 22);
	if (h->path)
		fprintf(out, " path %d", h->path->id);
	fputc('\n', out);
	if (h->pkt && h->pkt->ip.known) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%14s", "");
		vx_packet_describe(h->pkt, &sb);
		put_wrapped(out, sb.buf, 16);
		strbuf_release(&sb);
	}
	if (h->route) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%14s", "");
		vx_lookup_describe(h->route, &sb);
		put_wrapped(out, sb.buf, 16);
		strbuf_release(&sb);
	}
	if ((int)i == j->encap_hop) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%14s^ %s encapsulation by %s, then back up through IP", "",
			    j->encap, j->tunnel_dev ? j->tunnel_dev : "the tunnel device");
		SGR(out, SGR_ENCAP);
		put_wrapped(out, sb.buf, 16);
		SGR(out, SGR_OFF);
		strbuf_release(&sb);
	}
	if ((int)i == j->decap_hop) {
		fprintf(out, "%14s^ decapsulated by ", "");
		put_clean(out, h->dev, 0, 0);
		fputc('\n', out);
	}
}

static void write_journey(FILE *out, const struct vx_journey *j, size_t same, const struct vx_analysis *an)
{
	struct strbuf head = STRBUF_INIT;

	/* a 64-bit skb address and a large count do not fit one line */
	strbuf_addf(&head, "journey %d: skb 0x%" PRIx64 " (capture %" PRId64 "), %zu hops", j->id, j->skb,
		    j->capture_id, j->nhops);
	if (same > 1)
		strbuf_addf(&head, "; %zu journeys took this path", same);
	SGR(out, SGR_BOLD);
	put_wrapped(out, head.buf, 2);
	SGR(out, SGR_OFF);
	strbuf_release(&head);
	for (size_t i = 0; i < j->nhops; i++)
		write_journey_hop(out, j, i);
	if (j->drop) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, "  ");
		vx_drop_describe(j->drop, &sb);
		put_wrapped(out, sb.buf, 4);
		strbuf_release(&sb);
	}
	if (j->encap) {
		SGR(out, SGR_ENCAP);
		fputs("  encapsulation: ", out);
		put_clean(out, j->encap, 0, 0);
		if (j->tunnel_dev) {
			fputs(" via ", out);
			put_clean(out, j->tunnel_dev, 0, 0);
		}
		if (j->overhead_bytes >= 0)
			fprintf(out, ", +%" PRId64 " bytes of outer headers", j->overhead_bytes);
		SGR(out, SGR_OFF);
		fputc('\n', out);
	}
	if (j->reenters_ip_after_encap) {
		SGR(out, SGR_REENTER);
		fprintf(out, "  the packet went back up into the IP layer after encapsulation\n"
			     "  (ip_local_out after iptunnel_xmit): a second trip through IP on the same host\n");
		SGR(out, SGR_OFF);
	}
	if (j->end != VX_JEND_NONE) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "  end: %s", vx_journey_end_text(j->end));
		if (j->end_rule)
			strbuf_addf(&sb, ": %s", j->end_rule);
		put_wrapped(out, sb.buf, 7);
		strbuf_release(&sb);
	}
	if (an && an->join.nhosts >= 2) {
		const char *host = vx_join_host_name(an, vx_join_host_of(an, j->capture_id));
		const struct vx_journey *k = vx_join_kept(an, j);

		fprintf(out, "  on host ");
		put_clean(out, host ? host : "unknown", 0, 0);
		if (k)
			j = k;	/* a shape's first journey is a copy: the marks are on the kept one */
		if (!k)
			fprintf(out, "; not among the kept journeys, so not joined (raise --max-journeys)\n");
		else if (j->joined)
			fprintf(out, "; joined with another host's half as joined journey %d (below)\n", j->joined);
		else if (j->join_ambiguous)
			fprintf(out, "; partial: its packet matches more than one journey of a host, left apart\n");
		else
			fprintf(out, "; partial: no other host's capture holds this packet\n");
	}
	fputc('\n', out);
}

/* the receive of part @i (after the first) on the tunnel device the part before it sent
 * the packet through: where the other host took the outer headers off; -1 when none */
static int joined_decap_hop(const struct vx_joined *jd, size_t i)
{
	const struct vx_journey *j = jd->parts[i], *prev = i ? jd->parts[i - 1] : NULL;

	if (j->decap_hop >= 0)
		return j->decap_hop;
	if (!prev || !prev->encap)
		return -1;
	for (size_t h = 1; h < j->nhops; h++)
		if (j->hops[h].dev && strstr(j->hops[h].event, "receive") &&
		    (prev->tunnel_dev ? !strcmp(j->hops[h].dev, prev->tunnel_dev) : !strncmp(j->hops[h].dev, "vxlan", 5)))
			return (int)h;
	return -1;
}

/* the role of stretch @seg of part @i of a joined journey: a part after the first starts
 * where the wire ends, so it has no sender */
static const char *joined_role(const struct vx_joined *jd, size_t i, int seg)
{
	const struct vx_journey *j = jd->parts[i];
	const char *r = vx_journey_segment_role(j, seg);
	int d = joined_decap_hop(jd, i);

	if (d >= 0 && j->hops[d].segment == seg)
		return "decapsulating host";

	if (i > 0 && !strcmp(r, "sender"))
		return seg == j->nsegments - 1 ? "receiver" : "network namespace";
	if (i + 1 < jd->nparts && !strcmp(r, "receiver"))
		return "network namespace";
	return r;
}

static void fmt_sdelta(char *buf, size_t n, int64_t d)
{
	uint64_t a = d < 0 ? (uint64_t)-d : (uint64_t)d;

	if (a < 10000000)
		snprintf(buf, n, "%c%7.1f us", d < 0 ? '-' : '+', a / 1000.0);
	else
		snprintf(buf, n, "%c%7.1f ms", d < 0 ? '-' : '+', a / 1e6);
}

/* one packet across hosts: each host's stretch with its hops on one time line (the
 * reference host's clock), and the wire between them */
static void write_joined(FILE *out, const struct vx_analysis *an, const struct vx_joined *jd)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t t0 = vx_join_aligned(an, jd->host[0], jd->parts[0]->hops[0].ts_ns), prev = t0;

	strbuf_addf(&sb, "joined journey %d: ", jd->id);
	vx_joined_describe(jd, &sb);
	SGR(out, SGR_BOLD);
	put_wrapped(out, sb.buf, 2);
	SGR(out, SGR_OFF);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "  across ");
	for (size_t i = 0; i < jd->nparts; i++)
		strbuf_addf(&sb, "%s%s (journey %d)", i ? " → " : "", vx_join_host_name(an, jd->host[i]),
			    jd->parts[i]->id);
	if (!jd->ordered)
		strbuf_addstr(&sb, "; order not told by the hops");
	put_wrapped(out, sb.buf, 4);
	strbuf_release(&sb);
	for (size_t i = 0; i < jd->nparts; i++) {
		const struct vx_journey *j = jd->parts[i];

		if (i) {
			char d[32], u[32];

			fprintf(out, "  == wire ");
			put_clean(out, vx_join_host_name(an, jd->host[i - 1]), 0, 0);
			fprintf(out, " → ");
			put_clean(out, vx_join_host_name(an, jd->host[i]), 0, 0);
			if (jd->wire_known[i]) {
				fmt_ns(d, sizeof(d), (uint64_t)(jd->wire_ns[i] < 0 ? -jd->wire_ns[i] : jd->wire_ns[i]));
				fmt_ns(u, sizeof(u), (uint64_t)jd->wire_unc_ns[i]);
				fprintf(out, ": one way %s%s ± %s\n", jd->wire_ns[i] < 0 ? "-" : "", d, u);
			} else {
				fprintf(out, ": one-way time unknown (no packets both ways to align the clocks)\n");
			}
		}
		fprintf(out, "  == host ");
		put_clean(out, vx_join_host_name(an, jd->host[i]), 0, 0);
		fprintf(out, " (capture %" PRId64 ", journey %d)\n", j->capture_id, j->id);
		for (size_t h = 0; h < j->nhops; h++) {
			const struct vx_hop *hp = &j->hops[h];
			int64_t t = vx_join_aligned(an, jd->host[i], hp->ts_ns);
			char d[32], len[24] = "";

			if (h == 0 || hp->segment != j->hops[h - 1].segment)
				fprintf(out, "  -- %s\n", joined_role(jd, i, hp->segment));
			if (i && h == 0)	/* from the hop the packet left the host before at */
				prev = vx_join_aligned(an, jd->host[i - 1], jd->parts[i - 1]->hops[jd->send_hop[i]].ts_ns);
			if (i == 0 && h == 0)
				snprintf(d, sizeof(d), "%11s", "start");
			else
				fmt_sdelta(d, sizeof(d), t - prev);
			prev = t;
			if (hp->len >= 0)
				snprintf(len, sizeof(len), "len %" PRId64, hp->len);
			fprintf(out, "  %s  ", d);
			put_clean(out, hp->dev ? hp->dev : "-", 14, 14);
			fprintf(out, " %-8s ", len);
			put_clean(out, vx_event_base(hp->event), 22, 22);
			fputc('\n', out);
			if ((int)h == j->encap_hop) {
				SGR(out, SGR_ENCAP);
				fprintf(out, "%14s^ ", "");
				put_clean(out, j->encap, 0, 0);
				fputs(" encapsulation, then back up through IP\n", out);
				SGR(out, SGR_OFF);
			}
			if ((int)h == joined_decap_hop(jd, i) && i) {
				fprintf(out, "%14s^ decapsulated by ", "");
				put_clean(out, hp->dev, 0, 0);
				fputc('\n', out);
			}
		}
	}
	{
		char d[32];
		const struct vx_journey *l = jd->parts[jd->nparts - 1];

		fmt_ns(d, sizeof(d), (uint64_t)(vx_join_aligned(an, jd->host[jd->nparts - 1], l->hops[l->nhops - 1].ts_ns) - t0));
		fprintf(out, "  %s end to end%s\n\n", d, jd->wire_known[1] ? "" : " (clocks not aligned)");
	}
}

/* the hosts of the report, their clocks, and the joined journeys */
static void write_hosts(FILE *out, const struct vx_analysis *an, size_t max)
{
	const struct vx_join *jn = &an->join;

	if (jn->nhosts < 2)
		return;
	fprintf(out, "%zu hosts:", jn->nhosts);
	for (size_t h = 0; h < jn->nhosts; h++) {
		const struct vx_host_clock *hc = &jn->hosts[h];
		char o[32], u[32];

		fprintf(out, "\n  ");
		put_clean(out, hc->name, 0, 0);
		if (hc->reference) {
			fprintf(out, ": the reference clock");
		} else if (hc->known) {
			fmt_ns(o, sizeof(o), (uint64_t)(hc->offset_ns < 0 ? -hc->offset_ns : hc->offset_ns));
			fmt_ns(u, sizeof(u), (uint64_t)hc->uncertainty_ns);
			fprintf(out, ": clock %s%s ± %s against ", hc->offset_ns < 0 ? "-" : "+", o, u);
			put_clean(out, jn->hosts[0].name, 0, 0);
			fprintf(out, " (from %zu packets across the wire)", hc->samples);
		} else {
			fputs(": clock offset unknown (needs packets both ways with ", out);
			put_clean(out, jn->hosts[0].name, 0, 0);
			fputc(')', out);
		}
	}
	fprintf(out, "\n%zu joined journeys (one packet on several hosts", jn->njoined);
	if (jn->njoined > jn->inferred)
		fprintf(out, ", %zu matched by their headers", jn->njoined - jn->inferred);
	if (jn->inferred)
		fprintf(out, ", %zu inferred without headers from their flow, lengths and order", jn->inferred);
	fputc(')', out);
	if (jn->inferred_apart)
		fprintf(out, "; %zu journeys without headers left apart: their flow's sends and receives do not pair up",
			jn->inferred_apart);
	if (jn->ambiguous)
		fprintf(out, "; %zu journeys left apart: their packet matched more than one journey of a host", jn->ambiguous);
	fprintf(out, "\n\n");
	for (size_t k = 0; k < jn->njoined && k < max; k++)
		write_joined(out, an, &jn->joined[k]);
	if (jn->njoined > max)
		fprintf(out, "... %zu more joined journeys (--max-journeys N shows more)\n\n", jn->njoined - max);
}

/* the drop summary: journeys that died, by reason and place, most frequent first */
static void write_drops(FILE *out, const struct vx_analysis *an)
{
	size_t total = 0;

	for (size_t i = 0; i < an->ndrops; i++)
		total += an->drops[i].count;
	if (!total)
		return;
	fprintf(out, "drops: %zu journey%s ended in skb:kfree_skb\n", total, total == 1 ? "" : "s");
	for (size_t i = 0; i < an->ndrops; i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "  %6zu  %s at %s", an->drops[i].count,
			    an->drops[i].reason ? an->drops[i].reason : "(no reason)",
			    an->drops[i].location ? an->drops[i].location : "an unknown place");
		put_wrapped(out, sb.buf, 10);
		strbuf_release(&sb);
	}
	fputc('\n', out);
}

static void write_path(FILE *out, const struct vx_path *p, bool verbose)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "path %d: %s x%zu, ip passes %d", p->id, p->event, p->count, p->ip_passes);
	if (p->encap)
		strbuf_addf(&sb, ", encap %s", p->encap);
	if (p->reenters_ip_after_encap)
		strbuf_addstr(&sb, ", re-enters IP after encap");
	SGR(out, SGR_BOLD);
	put_wrapped(out, sb.buf, 2);
	SGR(out, SGR_OFF);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "  layers:");
	vx_path_layer_summary(p, &sb);
	put_wrapped(out, sb.buf, 10);
	/* the frames, outermost first, folded to the terminal width */
	size_t col = 2;

	fputs("  ", out);
	size_t first = p->stack->nframes;

	if (!verbose && first > 24)
		first = 24;	/* innermost 24 frames tell the network path */
	if (first < p->stack->nframes)
		fputs("... ", out), col += 4;
	for (size_t i = first; i-- > 0;) {
		const char *f = p->stack->frames[i];
		size_t w = strlen(f) + (i ? 3 : 0);

		if (col + w > 78 && col > 2) {
			fputs("\n  ", out);
			col = 2;
		}
		put_clean(out, f, 0, 0);
		fputs(i ? " > " : "", out);
		col += w;
	}
	fputs("\n\n", out);
	strbuf_release(&sb);
}

static void write_route(FILE *out, const struct vx_route *q)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "route %d: %s route %s via %s by %s (pid %d)", q->id, q->family,
		    q->op ? q->op : "change", q->gateway ? q->gateway : "?", q->comm ? q->comm : "?", q->pid);
	if (q->path)
		strbuf_addstr(&sb, ", path ");
	if (q->path)
		strbuf_addf(&sb, "%d", q->path->id);
	put_wrapped(out, sb.buf, 2);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "  ");
	vx_route_explain(q, &sb);
	put_wrapped(out, sb.buf, 2);
	fputc('\n', out);
	strbuf_release(&sb);
}

static int text_write(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts)
{
	const struct vx_dataset *ds = an->ds;
	size_t max = opts && opts->max_journeys > 0 ? (size_t)opts->max_journeys : DEFAULT_MAX_JOURNEYS;
	size_t reenter = 0, encap = 0;

	use_color = opts && opts->color;

	for (size_t i = 0; i < ds->ncaptures; i++) {
		const struct vx_capture *c = &ds->captures[i];

		struct strbuf sb = STRBUF_INIT;
		size_t sl = strlen(c->source);

		strbuf_addf(&sb, "capture %" PRId64 ": %s%s%s, %" PRIu64 " events, %" PRIu64 " lost", c->id,
			    c->format, c->kernel_release ? ", kernel " : "",
			    c->kernel_release ? c->kernel_release : "", c->events, c->lost_events);
		if (c->skipped)
			strbuf_addf(&sb, ", %" PRIu64 " input lines not understood", c->skipped);
		if (c->truncated)
			strbuf_addstr(&sb, ", TRUNCATED");
		if (c->filter)
			strbuf_addf(&sb, ", %" PRIu64 " filtered out (journeys not matching '%s')", c->filtered,
				    c->filter);
		put_wrapped(out, sb.buf, 2);
		/* the source on its own line, its tail when it is longer than the terminal */
		fprintf(out, "  from %s", sl > 70 ? "..." : "");
		put_clean(out, sl > 70 ? c->source + sl - 67 : c->source, 0, 0);
		strbuf_release(&sb);
		fputc('\n', out);
	}
	if (vx_analysis_blind(an))
		fprintf(out, "\nwarning: %s\n", vx_analysis_blind(an));
	if (an->journeys_total) {
		encap = an->journeys_encap;
		reenter = an->journeys_reenter;
	} else {
		for (size_t j = 0; j < an->njourneys; j++) {
			encap += an->journeys[j].encap != NULL;
			reenter += an->journeys[j].reenters_ip_after_encap;
		}
	}
	fprintf(out, "\n%zu journeys (%zu encapsulated, %zu re-entering IP after encap), %zu distinct paths",
		vx_analysis_journeys_total(an), encap, reenter, an->npaths);
	if (an->nroutes)
		fprintf(out, ", %zu route requests", an->nroutes);
	fputc('\n', out);
	/* how the journeys ended: seen (freed) or inferred, so a busy capture shows its guesses */
	size_t ends[VX_JEND_CAPTURE_END + 1] = { 0 };
	const char *sep = "journey ends:";

	for (size_t j = 0; j < an->njourneys; j++)
		ends[an->journeys[j].end]++;
	for (int e = VX_JEND_FREED; e <= VX_JEND_CAPTURE_END; e++)
		if (ends[e]) {
			fprintf(out, "%s %zu %s", sep, ends[e], vx_journey_end_name(e));
			sep = ",";
		}
	if (an->njourneys)
		fputc('\n', out);
	fputc('\n', out);
	/* one journey per shape (same events, devices, lengths, paths), most frequent first */
	struct vx_journey_group *groups = NULL;
	size_t ngroups = 0;

	if (vx_journey_groups(an, &groups, &ngroups) < 0)
		return -1;
	for (size_t g = 0; g < ngroups && g < max; g++) {
		write_journey(out, groups[g].first, groups[g].count, an);
		if (groups[g].agg && groups[g].count > 1) {
			write_latencies(out, groups[g].first, groups[g].agg);
			fputc('\n', out);
		}
	}
	if (ngroups > max)
		fprintf(out, "... %zu more journey shapes (--max-journeys N shows more, --format json shows"
			     " every shape and the first journeys)\n\n", ngroups - max);
	if (an->other_shape_journeys)
		fprintf(out, "... %zu journeys of rarer shapes beyond the %d kept, counted only\n\n",
			an->other_shape_journeys, VX_MAX_SHAPES);
	free(groups);
	write_hosts(out, an, max);
	write_drops(out, an);
	for (size_t i = 0; i < an->nroutes; i++)
		write_route(out, &an->routes[i]);
	for (size_t p = 0; p < an->npaths; p++)
		write_path(out, &an->paths[p], opts && opts->verbose);
	return ferror(out) ? -1 : 0;
}

const struct vx_renderer vx_render_text = {
	.name = "text",
	.desc = "journeys and paths for the terminal (default)",
	.write = text_write,
};
