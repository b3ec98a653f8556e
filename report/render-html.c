/* render-html.c: `--format html`, one self-contained page (inline SVG, CSS and JS, nothing
 * fetched) that draws each journey shape as a flow across the kernel layers, with the
 * IP-layer re-entry after encapsulation marked, the call stack of every hop on click, the
 * paths and the route events. Its Content-Security-Policy allows only the page's own style
 * and script, by their SHA-256: a capture string that got past the escaper still could not
 * run. Must not: parse, query the store, or write any capture string except through
 * vx_html_escape() (tests/output-rule.py checks every print of the renderers).
 *
 * Size bound: whatever the capture, the page holds at most HTML_MAX_GROUPS journey shapes
 * (default 20, --max-journeys up to 100) of at most HTML_MAX_HOPS hops, HTML_MAX_PATHS rows
 * of paths, HTML_MAX_ROUTE route events and HTML_MAX_STACKS stacks of at most
 * HTML_MAX_FRAMES frames, and cuts every capture string at HTML_MAX_STR characters.
 * With the default 20 shapes the page stays below 8 MB even when every string is hostile
 * and of maximal length (tests/test-render.c checks that on a synthetic capture of 20000
 * journeys, 5000 paths of 400 frames and 2000 route events); each further shape adds at
 * most 110 KB (below 18 MB at --max-journeys 100); the journeys drawn under their parents
 * (links.h: at most 3 under a shape, 20 on the page) at most 2.2 MB more. The lab samples
 * give pages of a few hundred KB.
 */
#include "render-html-int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "core/strbuf.h"
#include "flow.h"
#include "core/xalloc.h"

/* put_own - text the page made itself from literals (its style sheet) */
static void put_own(FILE *out, const struct strbuf *sb)
{
	fwrite(sb->buf, 1, sb->len, out);
}

/* ---- page head ---- */

static const char page_css[] =
	":root{--fg:#1f2937;--muted:#6b7280;--line:#d1d5db;--re:#ea580c;--bg:#f8fafc}\n"
	"*{box-sizing:border-box}\n"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);"
	"background:var(--bg);margin:0;padding:16px 28px}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:0 0 6px}"
	"h3{font-size:15px;margin:14px 0 6px}\n"
	".sub{color:var(--muted);margin:0 0 14px}\n"
	"ul.why{margin:4px 0 8px;padding-left:20px;font-size:13px}\n"
	"ul.why li.drop{color:#b91c1c}\n"
	".blind{border-left:4px solid #c0392b;padding:6px 10px;background:#fdecea}\n"
	"section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 18px;"
	"margin:0 0 16px;box-shadow:0 1px 2px rgba(0,0,0,.04)}\n"
	".facts{display:flex;flex-wrap:wrap;gap:6px 8px;margin:4px 0 10px}\n"
	".fact{background:#f1f5f9;border-radius:999px;padding:2px 10px;font-size:13px}\n"
	".fact.re{background:#ffedd5;color:#9a3412;font-weight:600}\n"
	".fact.enc{background:#fee2e2;color:#991b1b;font-weight:600}\n"
	".diagram{overflow-x:auto}\n"
	".diagram svg{display:block;max-width:100%;height:auto;font-family:ui-monospace,"
	"'DejaVu Sans Mono',Menlo,Consolas,monospace}\n"
	".diagram.full svg{max-width:none}\n"
	"svg .lanebg{stroke:none}svg .lanetitle{font:600 13px system-ui,sans-serif;fill:#374151}\n"
	"svg .seg{fill:none;stroke:#64748b;stroke-width:2}\n"
	"svg .nsline{stroke:#94a3b8;stroke-width:1.5;stroke-dasharray:6 5}"
	"svg .nstitle{font:600 12.5px system-ui,sans-serif;fill:#475569;letter-spacing:.02em}\n"
	"svg .seg.reenter{stroke:var(--re);stroke-width:3.5;stroke-dasharray:7 4}\n"
	"svg text.reenter{fill:#c2410c;font:700 13px system-ui,sans-serif}\n"
	"svg .hop rect{fill:#fff;stroke:#334155;stroke-width:1.6}\n"
	"svg .hop{cursor:pointer}svg .hop:hover rect,svg .hop:focus rect{stroke:#2563eb;stroke-width:2.6}\n"
	"svg .hop.sel rect{stroke:#2563eb;stroke-width:3;fill:#eff6ff}svg .hop:focus{outline:none}\n"
	"svg .hop .dev{font-weight:700;font-size:14px;fill:#111827}\n"
	"svg .hop .ev{font-size:11px;fill:#475569}svg .hop .meta{font-size:11.5px;fill:#1f2937}\n"
	"svg .hop .idx{font:600 10px system-ui,sans-serif;fill:#94a3b8}\n"
	"svg .wp rect{stroke-width:1.2}svg .wp text{font-size:10.5px;fill:#1f2937}\n"
	"svg .wp.reenter rect{stroke:var(--re);stroke-width:2.5}\n"
	"svg .wp.synthetic rect{stroke-dasharray:4 3}svg .wp text.enc{font:700 12px system-ui,"
	"sans-serif;fill:#b91c1c}\n"
	"svg .encap rect{fill:#fee2e2;stroke:#dc2626}svg .encap text{font:700 12px system-ui,"
	"sans-serif;fill:#991b1b}\n"
	"svg .ippass circle{fill:#059669}svg .ippass text{font:600 10px system-ui,sans-serif;"
	"fill:#047857}\n"
	".detail{margin-top:10px;border-top:1px dashed #e5e7eb;padding-top:8px}\n"
	".detail h4{margin:0 0 6px;font-size:14px}.hint{color:var(--muted);margin:0}\n"
	"ol.stack{margin:0;padding:0;list-style:none;columns:2 420px;column-gap:18px;"
	"font:12px/1.5 ui-monospace,'DejaVu Sans Mono',monospace}\n"
	"ol.stack li{display:flex;justify-content:space-between;gap:8px;padding:1px 8px;"
	"border-radius:4px;margin:0 0 2px;break-inside:avoid}\n"
	"ol.stack li .n{color:#94a3b8;min-width:2.2em}ol.stack li .fn{flex:1}"
	"ol.stack li .ly{font:600 10.5px system-ui,sans-serif;opacity:.85;text-transform:uppercase}\n"
	"table{border-collapse:collapse;width:100%;font-size:13px}\n"
	"th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}\n"
	"th{background:#f8fafc;font-weight:600}td.num{text-align:right;font-variant-numeric:"
	"tabular-nums}\n"
	"td code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px}\n"
	".chip{display:inline-block;border-radius:4px;padding:0 5px;margin:1px 1px;font-size:11px;"
	"font-weight:600}\n"
	".yes{color:#c2410c;font-weight:700}.legend{display:flex;flex-wrap:wrap;gap:6px}\n"
	"summary{cursor:pointer;color:#2563eb}button{font:inherit;font-size:12px;cursor:pointer}\n"
	".more{color:var(--muted);font-style:italic}\n"
	/* the command's own packets first; links between journeys; NAT */
	".cmdline{border-left:4px solid #2563eb;padding:6px 10px;background:#eff6ff;font-size:15px}\n"
	".follow{border-left:4px solid #94a3b8;padding:6px 10px;background:#f1f5f9}\n"
	".fact.end{background:#e0f2fe;color:#075985;font-weight:600}"
	".fact.end.dropped{background:#fee2e2;color:#991b1b}\n"
	".child{margin:6px 0 0 28px;border-left:3px solid #94a3b8;padding-left:10px}\n"
	"svg .link path{stroke:#64748b;stroke-width:1.5;fill:none}svg .link text{font:600 11px "
	"system-ui,sans-serif;fill:#334155}svg .nat text{font:700 11px system-ui,sans-serif;fill:#7c3aed}\n"
	/* two hosts, one journey: a lane block per host, the wire between them */
	".hosts{display:flex;align-items:stretch;gap:0;overflow-x:auto;margin:6px 0 4px}\n"
	".hostlane{border:1px solid #cbd5e1;border-radius:8px;padding:6px 10px;min-width:260px;"
	"background:#f8fafc}\n.hostlane h4{margin:0 0 4px;font-size:14px}\n"
	".hostlane ol{margin:0;padding:0;list-style:none;font:12px/1.6 ui-monospace,'DejaVu Sans Mono',"
	"monospace}\n.hostlane li.role{font:600 11px system-ui,sans-serif;color:#475569;"
	"text-transform:uppercase;margin-top:4px}\n.hostlane li .t{display:inline-block;min-width:7em;"
	"color:#64748b}\n.hostlane li.enc{color:#b91c1c;font-weight:700}\n"
	".wire{align-self:center;min-width:150px;text-align:center;font-size:12px;color:#334155;"
	"padding:0 8px}\n.wire .line{border-top:3px solid #334155;margin:4px 0;position:relative}\n"
	".wire .line:after{content:'';position:absolute;right:-2px;top:-8px;border:6px solid "
	"transparent;border-left:10px solid #334155}\n";

/* the page's style sheet: the rules above and a colour pair per kernel layer */
static void page_style(struct strbuf *css)
{
	strbuf_addstr(css, page_css);
	for (int l = 0; l < VX_LAYER_COUNT; l++)
		strbuf_addf(css, ".ly%d{background:%s;color:%s}svg .ly%d rect{fill:%s;stroke:%s}\n", l,
			    layer_colors[l].bg, layer_colors[l].fg, l, layer_colors[l].bg, layer_colors[l].fg);
}

static const char page_js[] =
	"(function(){\n"
	"'use strict';\n"
	"function stackInto(el,pid){\n"
	" var t=document.getElementById('stack-'+pid);\n"
	" if(!t){var p=document.createElement('p');p.className='hint';\n"
	"  p.textContent='stack of path #'+pid+' not included in this report';el.appendChild(p);return;}\n"
	" el.appendChild(t.content.cloneNode(true));\n"
	"}\n"
	"function show(g){\n"
	" var sec=g.closest('section'),d=sec.querySelector('.detail'),ds=g.dataset;\n"
	" sec.querySelectorAll('.hop.sel').forEach(function(x){x.classList.remove('sel');});\n"
	" g.classList.add('sel');d.textContent='';\n"
	" var h=document.createElement('h4');\n"
	" h.textContent='hop '+ds.hop+': '+ds.event+' on '+(ds.dev||'(no device)')+', '+ds.len+', '+ds.dt\n"
	"  +(ds.path?' \\u2014 path #'+ds.path+', '+ds.passes+' IP pass'+(ds.passes==='1'?'':'es')\n"
	"  +(ds.reenters?', re-enters IP after encapsulation':''):'');\n"
	" d.appendChild(h);\n"
	" if(ds.comm){var c=document.createElement('p');c.className='hint';\n"
	"  c.textContent='in the context of '+ds.comm+' (pid '+ds.pid+') on CPU '+ds.cpu;d.appendChild(c);}\n"
	" if(ds.path){var s=document.createElement('p');s.className='hint';\n"
	"  s.textContent='kernel stack, innermost frame first (0 = where the event fired):';\n"
	"  d.appendChild(s);stackInto(d,ds.path);}\n"
	" else{var p=document.createElement('p');p.className='hint';\n"
	"  p.textContent='this event was recorded without a stack';d.appendChild(p);}\n"
	"}\n"
	"document.querySelectorAll('.hop').forEach(function(g){\n"
	" g.addEventListener('click',function(){show(g);});\n"
	" g.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();show(g);}});\n"
	"});\n"
	"document.querySelectorAll('details[data-path]').forEach(function(d){\n"
	" d.addEventListener('toggle',function(){if(d.open&&!d.querySelector('ol'))stackInto(d,d.dataset.path);});\n"
	"});\n"
	"var f=document.querySelector('.hop[data-featured]');if(f)show(f);\n"
	"document.querySelectorAll('.diagram').forEach(function(d){\n"
	" d.addEventListener('dblclick',function(){d.classList.toggle('full');});\n"
	"});\n"
	"})();\n";

static void write_head(struct html *h)
{
	const struct vx_dataset *ds = h->an->ds;
	struct strbuf css = STRBUF_INIT;

	page_style(&css);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", h->out);
	vx_html_csp_meta(h->out, css.buf, css.len, page_js, strlen(page_js));
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"vxanalyze report --format html\">\n<title>vxanalyze: ",
	      h->out);
	if (ds && ds->ncaptures == 1)
		esc(h, ds->captures[0].source);
	else
		fprintf(h->out, "%zu captures", ds ? ds->ncaptures : 0);
	fputs("</title>\n<style>", h->out);
	put_own(h->out, &css);
	fputs("</style>\n</head>\n<body>\n", h->out);
	strbuf_release(&css);
}

static void write_captures(struct html *h, size_t ngroups)
{
	const struct vx_analysis *an = h->an;
	const struct vx_dataset *ds = an->ds;
	size_t reenter = 0;

	size_t total = vx_analysis_journeys_total(an);

	if (an->journeys_total)
		reenter = an->journeys_reenter;
	else
		for (size_t i = 0; i < an->njourneys; i++)
			reenter += an->journeys[i].reenters_ip_after_encap;
	fputs("<h1>Where the packets went inside the kernel</h1>\n<p class=\"sub\">", h->out);
	fprintf(h->out, "%zu journey%s in %zu shape%s, %zu distinct kernel path%s", total,
		total == 1 ? "" : "s", ngroups, ngroups == 1 ? "" : "s", an->npaths,
		an->npaths == 1 ? "" : "s");
	if (an->other_shape_journeys)
		fprintf(h->out, " (and %zu journeys of rarer shapes, counted only)", an->other_shape_journeys);
	if (reenter)
		fprintf(h->out, "; <b class=\"yes\">%zu journey%s through the IP layer again after "
			"encapsulation</b>", reenter, reenter == 1 ? " passes" : "s pass");
	fputs(".</p>\n", h->out);
	if (vx_analysis_blind(an)) {
		fputs("<p class=\"blind\"><b>Warning:</b> ", h->out);
		esc(h, vx_analysis_blind(an));
		fputs(".</p>\n", h->out);
	}
	fputs("<section id=\"captures\"><h2>Captures</h2>\n<table><tr><th>id</th><th>source"
	      "</th><th>format</th><th>kernel</th><th class=\"num\">events</th><th class=\"num\">"
	      "lost</th><th class=\"num\">filtered</th><th>truncated</th></tr>\n", h->out);
	for (size_t i = 0; ds && i < ds->ncaptures && i < HTML_MAX_PATHS; i++) {
		const struct vx_capture *c = &ds->captures[i];

		fprintf(h->out, "<tr><td>%" PRId64 "</td><td class=\"mono\">", c->id);
		esc(h, c->source);
		fputs("</td><td>", h->out);
		esc(h, c->format);
		fputs("</td><td>", h->out);
		esc(h, c->kernel_release ? c->kernel_release : "?");
		fprintf(h->out, "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64
			"</td><td class=\"num\"", c->events, c->lost_events);
		if (c->filter) {
			fputs(" title=\"journeys not matching ", h->out);
			esc(h, c->filter);
			fprintf(h->out, "\">%" PRIu64, c->filtered);
		} else {
			fputs(">", h->out);
		}
		fprintf(h->out, "</td><td>%s</td></tr>\n", c->truncated ? "<b class=\"yes\">yes</b>" : "no");
	}
	fputs("</table>\n</section>\n", h->out);
}

static void write_ns(FILE *out, uint64_t ns)
{
	if (ns < 10000000)
		fprintf(out, "%.1f \xc2\xb5s", ns / 1e3);
	else
		fprintf(out, "%.1f ms", ns / 1e6);
}

/* the time from each hop to the next over all journeys of the shape (streamed analyses) */
static void write_latencies(struct html *h, const struct vx_journey_group *g)
{
	const struct vx_shape *s = g->agg;
	static const double qs[] = { 0.5, 0.9, 0.99, 1.0 };

	if (!s || s->count < 2 || s->nhist < 2)
		return;
	fprintf(h->out, "<details class=\"latency\"><summary>time since the previous hop over the "
		"%zu journeys (p50, p90, p99, max; within 3.2 %%)</summary>\n<table><tr><th class=\"num\">"
		"hop</th><th>event</th><th>device</th><th class=\"num\">p50</th><th class=\"num\">p90</th>"
		"<th class=\"num\">p99</th><th class=\"num\">max</th></tr>\n", s->count);
	for (size_t i = 1; i < s->nhist && i < g->first->nhops && i < HTML_MAX_HOPS; i++) {
		const struct vx_hop *hp = &g->first->hops[i];

		fprintf(h->out, "<tr><td class=\"num\">%zu</td><td><code>", i);
		esc(h, hp->event);
		fputs("</code></td><td>", h->out);
		esc(h, hp->dev ? hp->dev : "\xe2\x80\x94");
		fputs("</td>", h->out);
		for (size_t q = 0; q < sizeof(qs) / sizeof(qs[0]); q++) {
			fputs("<td class=\"num\">", h->out);
			write_ns(h->out, vx_hist_quantile(&s->hist[i], qs[q]));
			fputs("</td>", h->out);
		}
		fputs("</tr>\n", h->out);
	}
	fputs("</table></details>\n", h->out);
}

/* why the packet went where it went: the route lookup behind each transmit, and the drop */
static void write_why(struct html *h, const struct vx_journey *j)
{
	struct strbuf sb = STRBUF_INIT;
	bool any = j->drop != NULL;

	for (size_t i = 0; i < j->nhops && !any; i++)
		any = j->hops[i].route != NULL || j->hops[i].nat != NULL;
	if (!any)
		return;
	fputs("<ul class=\"why\">\n", h->out);
	for (size_t i = 0; i < j->nhops; i++) {
		if (j->hops[i].nat) {
			strbuf_reset(&sb);
			vx_nat_describe(j->hops[i].nat, &sb);
			fprintf(h->out, "<li><b>#%zu</b> ", i + 1);
			vx_html_escape(h->out, sb.buf, 240);
			fputs("</li>\n", h->out);
		}
		if (!j->hops[i].route)
			continue;
		strbuf_reset(&sb);
		vx_lookup_describe(j->hops[i].route, &sb);
		fprintf(h->out, "<li><b>#%zu ", i + 1);
		esc(h, j->hops[i].dev);
		fputs("</b> ", h->out);
		vx_html_escape(h->out, sb.buf, 240);
		fputs("</li>\n", h->out);
	}
	if (j->drop) {
		const struct vx_journey *k = vx_join_kept(h->an, j);
		bool excused = k && k->verdict.via_clone;

		strbuf_reset(&sb);
		if (excused)
			vx_drop_describe_excused(j->drop, &sb);
		else
			vx_drop_describe(j->drop, &sb);
		fprintf(h->out, "<li%s><b>#%zu</b> ", excused ? "" : " class=\"drop\"", j->nhops);
		vx_html_escape(h->out, sb.buf, 240);
		fputs("</li>\n", h->out);
	}
	fputs("</ul>\n", h->out);
	strbuf_release(&sb);
}

/* the drop summary: journeys that ended in skb:kfree_skb, by reason and place */
/* the receive of part @i on the tunnel device the part before sent the packet through */
static int joined_decap(const struct vx_joined *jd, size_t i)
{
	const struct vx_journey *j = jd->parts[i], *prev = i ? jd->parts[i - 1] : NULL;

	if (j->decap_hop >= 0)
		return j->decap_hop;
	for (size_t k = 1; prev && prev->encap && k < j->nhops; k++)
		if (j->hops[k].dev && strstr(j->hops[k].event, "receive") &&
		    (prev->tunnel_dev ? !strcmp(j->hops[k].dev, prev->tunnel_dev) : !strncmp(j->hops[k].dev, "vxlan", 5)))
			return (int)k;
	return -1;
}

/* two hosts, one journey: per joined journey a lane block per host with its hops on one
 * time line (the reference host's clock) and the wire between the blocks */
static void write_joined(struct html *h, int max)
{
	const struct vx_join *jn = &h->an->join;
	FILE *out = h->out;

	if (jn->nhosts < 2)
		return;
	fprintf(out, "<section id=\"hosts\"><h2>Across hosts: %zu joined journey%s</h2>\n<p class=\"sub\">"
		"The same packet seen in the captures of several hosts, matched by its headers (tuple, IP id, "
		"ICMP or TCP sequence; outer UDP tuple at the tunnel). Times are on the clock of ",
		jn->njoined, jn->njoined == 1 ? "" : "s");
	esc(h, jn->hosts[0].name);
	fputs("; ", out);
	for (size_t k = 1; k < jn->nhosts; k++) {
		const struct vx_host_clock *hc = &jn->hosts[k];

		esc(h, hc->name);
		if (hc->known) {
			fprintf(out, "'s clock is %s", hc->offset_ns < 0 ? "-" : "+");
			write_ns(out, (uint64_t)(hc->offset_ns < 0 ? -hc->offset_ns : hc->offset_ns));
			fputs(" \xc2\xb1 ", out);
			write_ns(out, (uint64_t)hc->uncertainty_ns);
			fputs(" from it (minimum one-way delays both ways). ", out);
		} else {
			fputs("'s clock offset is unknown (no packets both ways). ", out);
		}
	}
	if (jn->ambiguous)
		fprintf(out, "%zu journeys were left apart: their packet matched more than one journey of a host.", jn->ambiguous);
	fputs("</p>\n", out);
	for (size_t k = 0; k < jn->njoined && (int)k < max; k++) {
		const struct vx_joined *jd = &jn->joined[k];
		int64_t t0 = vx_join_aligned(h->an, jd->host[0], jd->parts[0]->hops[0].ts_ns);
		struct strbuf sb = STRBUF_INIT;

		vx_joined_describe(jd, &sb);
		fprintf(out, "<h3>Joined journey %d: ", jd->id);
		vx_html_escape(out, sb.buf, 200);
		fputs("</h3>\n<div class=\"hosts\">", out);
		strbuf_release(&sb);
		for (size_t i = 0; i < jd->nparts; i++) {
			const struct vx_journey *j = jd->parts[i];
			int dec = joined_decap(jd, i);

			if (i) {
				fputs("<div class=\"wire\">wire<div class=\"line\"></div>", out);
				if (jd->wire_known[i]) {
					fputs(jd->wire_ns[i] < 0 ? "-" : "", out);
					write_ns(out, (uint64_t)(jd->wire_ns[i] < 0 ? -jd->wire_ns[i] : jd->wire_ns[i]));
					fputs(" \xc2\xb1 ", out);
					write_ns(out, (uint64_t)jd->wire_unc_ns[i]);
					fputs(" one way", out);
				} else {
					fputs("one-way time unknown", out);
				}
				fputs("</div>", out);
			}
			fputs("<div class=\"hostlane\"><h4>", out);
			esc(h, vx_join_host_name(h->an, jd->host[i]));
			fprintf(out, "</h4><div class=\"sub\">capture %" PRId64 ", journey %d%s</div><ol>",
				j->capture_id, j->id, j->reenters_ip_after_encap ? ", double trip through IP" : "");
			for (size_t x = 0; x < j->nhops; x++) {
				const struct vx_hop *hp = &j->hops[x];
				int64_t t = vx_join_aligned(h->an, jd->host[i], hp->ts_ns) - t0;
				char dt[32];

				if (x == 0 || hp->segment != j->hops[x - 1].segment) {
					const char *role = vx_journey_segment_role(j, hp->segment);

					if (dec >= 0 && j->hops[dec].segment == hp->segment)
						role = "decapsulating host";
					else if (i && !strcmp(role, "sender"))
						role = hp->segment == j->nsegments - 1 ? "receiver" : "network namespace";
					fprintf(out, "<li class=\"role\">%s</li>", role);
				}
				fmt_dt(dt, sizeof(dt), (uint64_t)(t < 0 ? -t : t));
				if (t < 0)
					dt[0] = '-';
				fprintf(out, "<li%s><span class=\"t\">%s</span>", (int)x == j->encap_hop ? " class=\"enc\"" : "", dt);
				esc(h, hp->dev ? hp->dev : "-");
				fputc(' ', out);
				if (hp->len >= 0)
					fprintf(out, "len %" PRId64 " ", hp->len);
				esc(h, vx_event_base(hp->event));
				if ((int)x == j->encap_hop)
					fputs(" (encapsulated)", out);
				if ((int)x == dec && i)
					fputs(" (decapsulated)", out);
				fputs("</li>", out);
			}
			fputs("</ol></div>", out);
		}
		fputs("</div>\n", out);
	}
	if (jn->njoined > (size_t)max)
		fprintf(out, "<p class=\"more\">%zu more joined journeys are not drawn; raise --max-journeys</p>\n",
			jn->njoined - (size_t)max);
	fputs("</section>\n", out);
}

static void write_drops(struct html *h)
{
	const struct vx_analysis *an = h->an;
	size_t total = 0;

	for (size_t i = 0; i < an->ndrops; i++)
		total += an->drops[i].count;
	if (!total)
		return;
	fprintf(h->out, "<section id=\"drops\"><h2>Drops (%zu journey%s)</h2>\n<table><tr><th class="
		"\"num\">journeys</th><th>reason</th><th>where</th></tr>\n", total, total == 1 ? "" : "s");
	for (size_t i = 0; i < an->ndrops && i < HTML_MAX_PATHS; i++) {
		fprintf(h->out, "<tr><td class=\"num\">%zu</td><td>", an->drops[i].count);
		esc(h, an->drops[i].reason ? an->drops[i].reason : "(none given)");
		fputs("</td><td class=\"mono\">", h->out);
		esc(h, an->drops[i].location ? an->drops[i].location : "?");
		fputs("</td></tr>\n", h->out);
	}
	fputs("</table>\n</section>\n", h->out);
}

/* the verdict as a fact: "delivered to ping (pid 123) at sock_queue_rcv", the old end
 * (the skb was freed, ...) as its tooltip */
static void write_end_fact(struct html *h, const struct vx_journey *j)
{
	const struct vx_journey *k = vx_join_kept(h->an, j);
	const struct vx_verdict *v = k ? &k->verdict : &j->verdict;
	struct strbuf sb = STRBUF_INIT;

	vx_verdict_describe(v, &sb);
	fprintf(h->out, "<span class=\"fact end %s\" title=\"", vx_verdict_name(v->kind));
	esc(h, vx_journey_end_text(j->end));
	fputs("\">end: ", h->out);
	vx_html_escape(h->out, sb.buf, 2 * HTML_MAX_STR);
	fputs("</span>", h->out);
	strbuf_release(&sb);
}

/* the kept journey with id @id, or NULL */
static const struct vx_journey *kept_by_id(const struct vx_analysis *an, int id)
{
	size_t lo = 0, hi = an->njourneys;

	/* the kept journeys are in time order, so are their ids */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (an->journeys[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < an->njourneys && an->journeys[lo].id == id ? &an->journeys[lo] : NULL;
}

/* the journeys this one became (clones, copies, segments, packets merged into it), drawn
 * under it with the hop they came from: the first few of each, at most HTML_MAX_CHILD_PAGE
 * on the page, the others named */
#define HTML_MAX_CHILDREN 3
static void write_children(struct html *h, const struct vx_journey *j)
{
	const struct vx_journey *k = vx_join_kept(h->an, j);
	size_t drawn = 0;

	for (size_t i = 0; k && i < k->nlinks; i++) {
		const struct vx_link *l = &k->links[i];
		const struct vx_journey *c = l->child && l->journey_id ? kept_by_id(h->an, l->journey_id) : NULL;
		struct strbuf sb = STRBUF_INIT;

		if (!l->child)
			continue;
		fprintf(h->out, "<div class=\"child\"><p class=\"sub\">\xe2\x86\xb3 at hop #%d: %s, ",
			l->hop + 1, vx_link_kind_name(l->kind));
		if (l->journey_id)
			fprintf(h->out, "journey %d ", l->journey_id);
		fputs("(", h->out);
		esc(h, l->function);
		fputs(")", h->out);
		if (c) {
			vx_verdict_describe(&c->verdict, &sb);
			fputs(": ", h->out);
			vx_html_escape(h->out, sb.buf, 2 * HTML_MAX_STR);
		}
		fputs("</p>", h->out);
		if (c && drawn < HTML_MAX_CHILDREN && h->child_gid - 1000 < HTML_MAX_CHILD_PAGE) {
			drawn++;
			html_write_diagram(h, c, ++h->child_gid);
		}
		fputs("</div>\n", h->out);
		strbuf_release(&sb);
	}
}

/* one journey shape (@path false) or one path without a packet address drawn as a journey */
static void write_group(struct html *h, const struct vx_journey_group *g, int gid, bool path)
{
	const char *kind = path ? "Path diagram" : "Journey shape";
	const struct vx_journey *j = g->first;

	fprintf(h->out, "<section class=\"journey\" id=\"g%d\">\n<h2>%s %d</h2>\n<div class=\"facts\">",
		gid, kind, gid);
	if (!j->skb && j->nhops == 1 && j->hops[0].path && !j->hops[0].rec)
		fprintf(h->out, "<span class=\"fact\"><b>%zu</b> event%s with this stack: <code>", g->count,
			g->count == 1 ? "" : "s");
	else
		fprintf(h->out, "<span class=\"fact\"><b>%zu</b> journey%s with this shape</span>", g->count,
			g->count == 1 ? "" : "s");
	if (!j->skb && j->nhops == 1 && j->hops[0].path && !j->hops[0].rec) {
		esc(h, j->hops[0].event);
		fputs("</code></span>", h->out);
	}
	fprintf(h->out, "<span class=\"fact\">%zu hop%s</span>", j->nhops, j->nhops == 1 ? "" : "s");
	if (j->skb)
		fprintf(h->out, "<span class=\"fact\">e.g. journey %d, skb 0x%" PRIx64 ", capture %"
			PRId64 "</span>", j->id, j->skb, j->capture_id);
	if (j->nhops > 1)
		fprintf(h->out, "<span class=\"fact\">%.1f \xc2\xb5s end to end</span>",
			(j->hops[j->nhops - 1].ts_ns - j->hops[0].ts_ns) / 1e3);
	if (j->encap) {
		fputs("<span class=\"fact enc\">", h->out);
		esc(h, j->encap);
		if (j->tunnel_dev) {
			fputs(" via ", h->out);
			esc(h, j->tunnel_dev);
		}
		if (j->overhead_bytes >= 0)
			fprintf(h->out, ", +%" PRId64 " bytes", j->overhead_bytes);
		fputs("</span>", h->out);
	}
	if (j->reenters_ip_after_encap)
		fputs("<span class=\"fact re\">passes through IP again after encapsulation</span>", h->out);
	if (j->end != VX_JEND_NONE)
		write_end_fact(h, j);
	fputs("</div>\n", h->out);
	html_write_diagram(h, j, gid);
	write_latencies(h, g);
	write_why(h, j);
	write_children(h, j);
	vx_pcapng_hint_html(h->out, j, h->opts);
	fputs("<div class=\"detail\"><p class=\"hint\">Click a hop to see its kernel stack.</p></div>\n"
	      "</section>\n", h->out);
}

/* paths that no journey uses (events without an skb): drawn as one-hop journeys */
static void write_unjoined_paths(struct html *h, int *gid, int max)
{
	const struct vx_path **list;
	size_t n;

	if (vx_unjoined_paths(h->an, &list, &n) < 0 || !n) {
		free(list);
		return;
	}
	fprintf(h->out, "<h2 class=\"sechead\">Stacks without a packet address (%zu path%s)</h2>\n", n,
		n == 1 ? "" : "s");
	for (size_t i = 0; i < n && (int)i < max; i++) {
		struct vx_hop hop;
		struct vx_journey j;
		struct vx_journey_group g = { &j, list[i]->count, 0, NULL };

		vx_path_journey(list[i], &j, &hop);
		fprintf(h->out, "<!-- path #%d, %zu events -->\n", list[i]->id, list[i]->count);
		write_group(h, &g, ++*gid, true);
	}
	if (n > (size_t)max)
		fprintf(h->out, "<p class=\"more\">%zu more paths without a packet address are listed in "
			"the table below only</p>\n", n - (size_t)max);
	free(list);
}

/* ---- route events ---- */

/* the route requests of the analysis (routes.c), each with its class and the sentence that
 * explains it; the raw events follow in write_route_events() */
static void write_route_requests(struct html *h)
{
	const struct vx_analysis *an = h->an;
	struct strbuf sb = STRBUF_INIT;

	if (!an->nroutes)
		return;
	fprintf(h->out, "<section id=\"routes\"><h2>Route requests (%zu)</h2>\n<p class=\"sub\">"
		"Each <code>ip route</code> request the kernel validated: was the gateway looked up "
		"(fib_check_nh &rarr; fib_table_lookup), refused, or taken as on-link?</p>\n<table><tr>"
		"<th class=\"num\">#</th><th>comm (pid)</th><th>request</th><th>class</th><th>why</th>"
		"<th>stack</th></tr>\n", an->nroutes);
	for (size_t i = 0; i < an->nroutes && i < HTML_MAX_ROUTE; i++) {
		const struct vx_route *q = &an->routes[i];

		fprintf(h->out, "<tr class=\"route-%s\"><td class=\"num\">%d</td><td>", vx_route_class_name(q->class),
			q->id);
		esc(h, q->comm);
		fprintf(h->out, " (%d)</td><td class=\"mono\">", q->pid);
		esc(h, q->family);
		fputs(" ", h->out);
		esc(h, q->op ? q->op : "change");
		fputs(" via ", h->out);
		esc(h, q->gateway ? q->gateway : "?");
		fprintf(h->out, "</td><td><b>%s</b></td><td>", vx_route_class_name(q->class));
		strbuf_reset(&sb);
		vx_route_explain(q, &sb);
		vx_html_escape(h->out, sb.buf, 2 * HTML_MAX_STR);
		fputs("</td><td>", h->out);
		if (q->path && q->path->stack && q->path->stack->nframes) {
			want_stack(h, q->path);
			fprintf(h->out, "<details data-path=\"%d\"><summary>path #%d, %zu frames</summary>"
				"</details>", q->path->id, q->path->id, q->path->stack->nframes);
		} else {
			fputs("\xe2\x80\x94", h->out);
		}
		fputs("</td></tr>\n", h->out);
	}
	fputs("</table>\n", h->out);
	if (an->nroutes > HTML_MAX_ROUTE)
		fprintf(h->out, "<p class=\"more\">%zu more route requests not shown</p>\n",
			an->nroutes - (size_t)HTML_MAX_ROUTE);
	fputs("</section>\n", h->out);
	strbuf_release(&sb);
}

static void write_route_events(struct html *h)
{
	const struct vx_analysis *an = h->an;
	const struct vx_dataset *ds = an->ds;
	size_t n = 0, shown = 0;
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; ds && i < ds->nrecs; i++)
		n += vx_is_route_event(ds->recs[i].name);
	if (an->nroute_events > n)
		n = an->nroute_events;	/* streamed: only the first are kept */
	if (!n)
		return;
	fprintf(h->out, "<section id=\"route\"><h2>Route events (%zu)</h2>\n<p class=\"sub\">FIB lookups, "
		"nexthop checks and netlink error messages, in time order.</p>\n<table><tr><th class=\"num\">"
		"t (\xc2\xb5s)</th><th>comm</th><th>event</th><th>fields</th><th>meaning</th><th>stack</th>"
		"</tr>\n", n);
	for (size_t i = 0; i < ds->nrecs && shown < HTML_MAX_ROUTE; i++) {
		const struct vx_rec *r = &ds->recs[i];
		const struct vx_path *p;
		uint64_t t0 = 0;

		if (!vx_is_route_event(r->name))
			continue;
		shown++;
		for (size_t c = 0; c < ds->ncaptures; c++)
			if (ds->captures[c].id == r->capture_id)
				t0 = ds->captures[c].first_ts;
		fprintf(h->out, "<tr><td class=\"num\">%.3f</td><td>", (r->ts_ns - t0) / 1e3);
		esc(h, r->comm);
		fputs("</td><td><code>", h->out);
		esc(h, r->name);
		fputs("</code></td><td class=\"mono\">", h->out);
		for (size_t f = 0; f < r->nfields && f < 8; f++) {
			if (f)
				fputs(" ", h->out);
			esc(h, r->fields[f].key);
			fputs("=", h->out);
			esc(h, r->fields[f].value);
		}
		fputs("</td><td>", h->out);
		strbuf_reset(&sb);
		p = vx_analysis_path_of(an, r);
		vx_route_event_note(r, p ? p->stack : NULL, &sb);
		vx_html_escape(h->out, sb.buf, 2 * HTML_MAX_STR);
		fputs("</td><td>", h->out);
		if (p && p->stack && p->stack->nframes) {
			want_stack(h, p);
			fprintf(h->out, "<details data-path=\"%d\"><summary>path #%d, %zu frames</summary>"
				"</details>", p->id, p->id, p->stack->nframes);
		} else {
			fputs("\xe2\x80\x94", h->out);
		}
		fputs("</td></tr>\n", h->out);
	}
	fputs("</table>\n", h->out);
	if (n > shown)
		fprintf(h->out, "<p class=\"more\">%zu more route events not shown</p>\n", n - shown);
	fputs("</section>\n", h->out);
	strbuf_release(&sb);
}

/* ---- paths ---- */

static int cmp_path_count(const void *a, const void *b)
{
	const struct vx_path *x = *(const struct vx_path *const *)a;
	const struct vx_path *y = *(const struct vx_path *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void write_layer_chips(struct html *h, const struct vx_path *p)
{
	int last = -1, chips = 0;

	if (!p->stack)
		return;
	for (size_t i = p->stack->nframes; i-- > 0;) {
		enum vx_layer l = p->layers[i];

		if (l == VX_LAYER_OTHER || (int)l == last)
			continue;
		if (chips++ == 24) {
			fputs("\xe2\x80\xa6", h->out);
			break;
		}
		fprintf(h->out, "<span class=\"chip ly%d\">%s</span>", l, vx_layer_name(l));
		last = (int)l;
	}
}

static void write_paths(struct html *h)
{
	const struct vx_analysis *an = h->an;
	const struct vx_path **list;
	size_t n = an->npaths < HTML_MAX_PATHS ? an->npaths : HTML_MAX_PATHS;

	fprintf(h->out, "<section id=\"paths\"><h2>Kernel paths (%zu)</h2>\n<p class=\"sub\">Each distinct "
		"(event, stack) pair; layers from the outermost frame (left) to the event.</p>\n",
		an->npaths);
	if (!an->npaths) {
		fputs("<p class=\"hint\">no events</p></section>\n", h->out);
		return;
	}
	list = xmalloc(an->npaths * sizeof(*list));
	for (size_t i = 0; i < an->npaths; i++)
		list[i] = &an->paths[i];
	qsort(list, an->npaths, sizeof(*list), cmp_path_count);
	fputs("<table><tr><th>#</th><th class=\"num\">count</th><th>event</th><th class=\"num\">IP passes"
	      "</th><th>encap</th><th>re-enters IP</th><th>layers</th><th>stack</th></tr>\n", h->out);
	for (size_t i = 0; i < n; i++) {
		const struct vx_path *p = list[i];

		fprintf(h->out, "<tr id=\"path-%d\"><td>%d</td><td class=\"num\">%zu</td><td><code>", p->id,
			p->id, p->count);
		esc(h, p->event);
		fprintf(h->out, "</code></td><td class=\"num\">%d</td><td>", p->ip_passes);
		esc(h, p->encap ? p->encap : "\xe2\x80\x94");
		fprintf(h->out, "</td><td>%s</td><td>", p->reenters_ip_after_encap ?
			"<span class=\"yes\">yes</span>" : "no");
		write_layer_chips(h, p);
		fputs("</td><td>", h->out);
		if (p->stack && p->stack->nframes) {
			want_stack(h, p);
			fprintf(h->out, "<details data-path=\"%d\"><summary>%zu frames</summary></details>",
				p->id, p->stack->nframes);
		} else {
			fputs("no stack", h->out);
		}
		fputs("</td></tr>\n", h->out);
	}
	fputs("</table>\n", h->out);
	if (an->npaths > n)
		fprintf(h->out, "<p class=\"more\">%zu less frequent paths not shown</p>\n", an->npaths - n);
	fputs("</section>\n", h->out);
	free(list);
}

/* every stack the page refers to, once, innermost frame first */
static void write_stacks(struct html *h)
{
	const struct vx_analysis *an = h->an;

	for (size_t i = 0; i < an->npaths; i++) {
		const struct vx_path *p = &an->paths[i];
		size_t n;

		if (!h->want_stack[i])
			continue;
		n = p->stack->nframes < HTML_MAX_FRAMES ? p->stack->nframes : HTML_MAX_FRAMES;
		fprintf(h->out, "<template id=\"stack-%d\"><ol class=\"stack\">", p->id);
		for (size_t f = 0; f < n; f++) {
			enum vx_layer l = p->layers[f];

			fprintf(h->out, "<li class=\"ly%d\"><span class=\"n\">%zu</span><span class=\"fn\">", l,
				f);
			esc(h, p->stack->frames[f]);
			fprintf(h->out, "</span><span class=\"ly\">%s</span></li>", vx_layer_name(l));
		}
		if (p->stack->nframes > n)
			fprintf(h->out, "<li class=\"more\">%zu outer frames not shown</li>", p->stack->nframes - n);
		fputs("</ol></template>\n", h->out);
	}
}

/* a recording: its command's packets in one line each; what tracepoints could not follow */
static void write_commands(struct html *h)
{
	const struct vx_analysis *an = h->an;

	for (size_t i = 0; i < an->ncommands; i++) {
		struct strbuf sb = STRBUF_INIT;

		vx_command_line(an, &an->commands[i], &sb);
		fputs("<p class=\"cmdline\"><b>", h->out);
		vx_html_escape(h->out, sb.buf, 16 * HTML_MAX_STR);
		fputs("</b></p>\n", h->out);
		strbuf_release(&sb);
	}
	if (vx_analysis_unfollowed(an)) {
		fputs("<p class=\"follow\">", h->out);
		vx_html_escape(h->out, vx_analysis_unfollowed(an), 4 * HTML_MAX_STR);
		fputs("</p>\n", h->out);
	}
	if (an->segments_unfollowed) {
		fputs("<p class=\"follow\">", h->out);
		vx_html_escape(h->out, vx_analysis_segments_unfollowed(), 4 * HTML_MAX_STR);
		fputs("</p>\n", h->out);
	}
}

/* the journey shapes, most frequent first; with a recorded command, its own journeys first
 * (in time order, with what they led to), then the others */
static int write_journey_groups(struct html *h, struct vx_journey_group *groups, size_t ngroups, int max,
				int *gid)
{
	struct vx_journey_group *mine = NULL;
	size_t nmine = 0, rest = 0;

	if (h->an->ncommands) {
		if (vx_journey_groups_split(h->an, true, &mine, &nmine) < 0)
			return -1;
		if (nmine)
			fputs("<h2 class=\"sechead\">The command's packets, and what they led to</h2>\n", h->out);
		for (size_t i = 0; i < nmine && (int)i < max; i++)
			write_group(h, &mine[i], ++*gid, false);
		free(mine);
		if (vx_journey_groups_split(h->an, false, &groups, &ngroups) < 0)
			return -1;
		if (nmine && ngroups)
			fputs("<h2 class=\"sechead\">The other traffic, by shape</h2>\n", h->out);
	}
	for (size_t i = 0; i < ngroups && (int)i < max; i++)
		write_group(h, &groups[i], ++*gid, false);
	if (ngroups > (size_t)max) {
		for (size_t i = (size_t)max; i < ngroups; i++)
			rest += groups[i].count;
		fprintf(h->out, "<p class=\"more\">%zu less frequent shapes (%zu journeys) are not drawn; "
			"raise --max-journeys (up to %d) to see more</p>\n", ngroups - (size_t)max, rest,
			HTML_MAX_GROUPS);
	}
	if (h->an->ncommands)
		free(groups);
	return 0;
}

static int html_write(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts)
{
	struct html h = { .out = out, .an = an, .opts = opts, .child_gid = 1000 };
	struct vx_journey_group *groups = NULL;
	size_t ngroups = 0;
	int max = opts && opts->max_journeys > 0 ? opts->max_journeys : HTML_DEFAULT_GROUPS;
	int gid = 0;

	if (max > HTML_MAX_GROUPS)
		max = HTML_MAX_GROUPS;
	h.want_stack = xcalloc(an->npaths ? an->npaths : 1, 1);
	if (vx_journey_groups(an, &groups, &ngroups) < 0) {
		free(h.want_stack);
		return -1;
	}
	write_head(&h);
	write_captures(&h, ngroups);
	write_commands(&h);
	if (ngroups)
		fprintf(out, "<h2 class=\"sechead\">Journeys: %zu shape%s%s</h2>\n", ngroups,
			ngroups == 1 ? "" : "s", ngroups > (size_t)max ? ", most frequent first" : "");
	if (ngroups)
		fputs("<p class=\"sub\">How to read a diagram: rows are kernel layers, time runs to the "
		      "right. Framed boxes are the traced events (hops) of one packet, with device, length "
		      "and time since the previous hop; click one for its kernel stack. The small boxes "
		      "between hops are the kernel functions the next hop's stack went through, layer by "
		      "layer; green dots count a stack's passes through IP. <b class=\"yes\">Orange "
		      "dashed</b>: the encapsulated packet entering the IP layer a second time. Dashed "
		      "verticals: the packet changes network namespace (veth pair or wire). Layers: ", out);
	if (ngroups) {
		for (int l = 1; l < VX_LAYER_COUNT; l++)
			fprintf(out, "<span class=\"chip ly%d\">%s</span>", l, vx_layer_name(l));
		fputs("</p>\n", out);
	}
	if (write_journey_groups(&h, groups, ngroups, max, &gid) < 0) {
		free(groups);
		free(h.want_stack);
		return -1;
	}
	write_joined(&h, max);
	write_drops(&h);
	write_unjoined_paths(&h, &gid, max);
	write_route_requests(&h);
	write_route_events(&h);
	write_paths(&h);
	write_stacks(&h);
	/* exactly the text whose hash the policy names (write_head) */
	fputs("<script>", out);
	fputs(page_js, out);
	fputs("</script>\n</body>\n</html>\n", out);
	free(groups);
	free(h.want_stack);
	if (ferror(out))
		return vx_error("html report: write error");
	return 0;
}

const struct vx_renderer vx_render_html = {
	.name = "html",
	.desc = "one self-contained HTML page: flow diagrams of the journeys, stacks, paths",
	.write = html_write,
};
