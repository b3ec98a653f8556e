/* fleet-render.c: the fleet report as text (capture strings cleaned of control characters),
 * JSON (through the one JSON writer; field names are a contract: add, never rename) and one
 * self-contained HTML page in the style of `report --html` (inline CSS, no script, nothing
 * fetched, a Content-Security-Policy that forbids fetching; every string through
 * vx_html_escape()). Must not: query, or compute a figure.
 */
#include "fleet-render.h"

#include <inttypes.h>
#include <string.h>

#include "core/json.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "report/render.h"

/* a time in the unit that reads best: "812 ns", "135.2 us", "14.7 ms", "4.46 s" */
static const char *fmt_ns(char *buf, size_t n, int64_t ns)
{
	int64_t a = ns < 0 ? -ns : ns;

	if (a < 1000)
		snprintf(buf, n, "%" PRId64 " ns", ns);
	else if (a < 1000000)
		snprintf(buf, n, "%.1f us", ns / 1e3);
	else if (a < 1000000000)
		snprintf(buf, n, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, n, "%.2f s", ns / 1e9);
	return buf;
}

/* ---- text ---- */

/* @s cleaned for a terminal (control characters and bad UTF-8 as U+FFFD), cut at @max,
 * "-" when empty */
static void put(FILE *out, const char *s, size_t max)
{
	struct strbuf sb = STRBUF_INIT;

	vx_utf8_clean(&sb, s && *s ? s : "-", max);
	fputs(sb.buf, out);
	strbuf_release(&sb);
}

/* @s cleaned and padded to @width columns (characters) */
static void put_w(FILE *out, const char *s, size_t width)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = vx_utf8_clean(&sb, s && *s ? s : "-", width);

	fputs(sb.buf, out);
	for (; n < width; n++)
		fputc(' ', out);
	fputc(' ', out);
	strbuf_release(&sb);
}

static void text_hosts(FILE *out, const struct fleet_report *rep)
{
	fprintf(out, "\nhosts (journeys by how they ended)\n");
	for (size_t i = 0; i < rep->nhosts; i++) {
		const struct fleet_host *h = &rep->hosts[i];

		fputs("  ", out);
		put_w(out, h->host, 20);
		fprintf(out, "%" PRIu64 " capture%s, %" PRIu64 " events (%" PRIu64 " lost), %" PRIu64 " journeys, %"
			PRIu64 " dropped", h->captures, h->captures == 1 ? "" : "s", h->events, h->lost, h->journeys,
			h->dropped);
		for (size_t e = 0; e < h->nends; e++) {
			fprintf(out, "%s%" PRIu64 " ", e ? ", " : ": ", h->ends[e].n);
			put(out, h->ends[e].name, 32);
		}
		fputc('\n', out);
	}
	if (!rep->ndrops)
		return;
	fprintf(out, "\ndrops (host, reason, location, journeys)\n");
	for (size_t i = 0; i < rep->ndrops; i++) {
		fputs("  ", out);
		put_w(out, rep->drops[i].host, 20);
		put_w(out, rep->drops[i].reason, 20);
		put_w(out, rep->drops[i].location, 40);
		fprintf(out, "%" PRIu64 "\n", rep->drops[i].count);
	}
}

static void text_shapes(FILE *out, const struct fleet_report *rep)
{
	char a[32], b[32], c[32], d[32];

	if (!rep->nshapes)
		return;
	fprintf(out, "\nlatency by host and shape: time since the hop before, p50 / p90 / p99 / max\n");
	for (size_t i = 0; i < rep->nshapes; i++) {
		const struct fleet_shape *s = &rep->shapes[i];

		fputs("  ", out);
		put(out, s->host, 40);
		fprintf(out, ", shape %016" PRIx64 ", %" PRIu64 " journeys\n", s->shape, s->journeys);
		for (size_t k = 0; k < s->nhops; k++) {
			const struct fleet_lat_hop *h = &s->hops[k];

			fprintf(out, "    %3u ", h->hop);
			put_w(out, h->event, 28);
			put_w(out, h->dev, 14);
			if (h->len >= 0)
				fprintf(out, "len %-5" PRId64, h->len);
			else
				fputs("         ", out);
			if (h->hop)
				fprintf(out, "  %s / %s / %s / %s", fmt_ns(a, 32, (int64_t)h->p50),
					fmt_ns(b, 32, (int64_t)h->p90), fmt_ns(c, 32, (int64_t)h->p99),
					fmt_ns(d, 32, (int64_t)h->max));
			fputc('\n', out);
		}
	}
}

static void text_joined(FILE *out, const struct fleet_report *rep)
{
	char a[32], b[32];

	fprintf(out, "\n%" PRIu64 " joined journeys (packets seen on several hosts, by their headers); %" PRIu64
		" journeys left apart as ambiguous; %" PRIu64 " journeys carry packet identities\n",
		rep->joined_total, rep->join_ambiguous, rep->with_identity);
	for (size_t k = 0; k < rep->njoined; k++) {
		const struct fleet_joined *jd = &rep->joined[k];

		fprintf(out, "  joined journey %zu: ", k + 1);
		put(out, jd->pkt, 160);
		fputs("\n    ", out);
		for (size_t p = 0; p < jd->nparts; p++) {
			fputs(p ? (jd->ordered ? " -> " : ", ") : "", out);
			put(out, jd->parts[p].host, 40);
			fprintf(out, " (journey %" PRIu64 ")", jd->parts[p].journey);
		}
		if (jd->wire_known)
			fprintf(out, ", wire %s +- %s", fmt_ns(a, 32, jd->wire_ns), fmt_ns(b, 32, jd->wire_unc_ns));
		fputc('\n', out);
		for (size_t i = 0; i < jd->nhops; i++) {
			const struct fleet_jhop *h = &jd->hops[i];

			fprintf(out, "      %12s  ", fmt_ns(a, 32, h->aligned_ns - jd->hops[0].aligned_ns));
			put_w(out, jd->parts[h->part].host, 14);
			put_w(out, h->event, 28);
			put_w(out, h->dev, 14);
			if (h->len >= 0)
				fprintf(out, "len %" PRId64, h->len);
			fputc('\n', out);
		}
	}
	if (rep->joined_total > rep->njoined)
		fprintf(out, "  ... %" PRIu64 " more joined journeys (--format json lists the first %zu)\n",
			rep->joined_total - rep->njoined, rep->njoined);
}

static void text_clocks_slowest(FILE *out, const struct fleet_report *rep)
{
	char a[32], b[32];

	if (rep->nclocks)
		fprintf(out, "\nclocks of host pairs (b's clock minus a's, from the minimum one-way delays both ways)\n");
	for (size_t i = 0; i < rep->nclocks; i++) {
		const struct fleet_clock *c = &rep->clocks[i];

		fputs("  ", out);
		put_w(out, c->a, 20);
		put_w(out, c->b, 20);
		if (c->known)
			fprintf(out, "%s +- %s", fmt_ns(a, 32, c->offset_ns), fmt_ns(b, 32, c->uncertainty_ns));
		else
			fputs("unknown (packets crossed one way only)", out);
		fprintf(out, " (%" PRIu64 " packets a->b, %" PRIu64 " b->a)\n", c->samples_ab, c->samples_ba);
	}
	if (!rep->nslowest)
		return;
	fprintf(out, "\nslowest journeys (first to last hop on one host)\n");
	for (size_t i = 0; i < rep->nslowest; i++) {
		const struct fleet_slow *s = &rep->slowest[i];

		fprintf(out, "  %12s  ", fmt_ns(a, 32, (int64_t)s->duration_ns));
		put_w(out, s->host, 20);
		fprintf(out, "journey %-10" PRIu64 " skb 0x%" PRIx64 ", %u hops, ", s->journey, s->skb, s->nhops);
		put(out, s->end, 20);
		if (*s->drop_reason || *s->drop_location) {
			fputs(", dropped at ", out);
			put(out, s->drop_location, 60);
		}
		if (*s->pkt) {
			fputs(": ", out);
			put(out, s->pkt, 120);
		}
		fputc('\n', out);
	}
}

static int text_write(FILE *out, const struct fleet_report *rep)
{
	fputs("fleet: ", out);
	put(out, rep->source, 200);
	if (rep->host_glob) {
		fputs(", hosts ", out);
		put(out, rep->host_glob, 100);
	}
	fprintf(out, "\n%zu hosts, %" PRIu64 " captures, %" PRIu64 " journeys, %" PRIu64 " hops\n", rep->nhosts,
		rep->captures, rep->journeys_total, rep->hops_total);
	text_hosts(out, rep);
	text_shapes(out, rep);
	text_joined(out, rep);
	text_clocks_slowest(out, rep);
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ---- */

static void json_hosts(struct json_writer *w, const struct fleet_report *rep)
{
	jw_key(w, "hosts");
	jw_start_array(w);
	for (size_t i = 0; i < rep->nhosts; i++) {
		const struct fleet_host *h = &rep->hosts[i];

		jw_start_object(w);
		jw_kstring(w, "host", h->host);
		jw_kuint(w, "captures", h->captures);
		jw_kuint(w, "events", h->events);
		jw_kuint(w, "lost_events", h->lost);
		jw_kuint(w, "journeys", h->journeys);
		jw_kuint(w, "hops", h->hops);
		jw_kuint(w, "dropped", h->dropped);
		/* journeys by how they ended: report's journeys[].end values */
		jw_key(w, "journeys_by_end");
		jw_start_object(w);
		for (size_t e = 0; e < h->nends; e++)
			jw_kuint(w, h->ends[e].name, h->ends[e].n);
		jw_end_object(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_key(w, "drops");
	jw_start_array(w);
	for (size_t i = 0; i < rep->ndrops; i++) {
		jw_start_object(w);
		jw_kstring(w, "host", rep->drops[i].host);
		jw_kstring(w, "reason", *rep->drops[i].reason ? rep->drops[i].reason : NULL);
		jw_kstring(w, "location", *rep->drops[i].location ? rep->drops[i].location : NULL);
		jw_kuint(w, "count", rep->drops[i].count);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void json_shapes(struct json_writer *w, const struct fleet_report *rep)
{
	char id[20];

	jw_key(w, "latency");
	jw_start_array(w);
	for (size_t i = 0; i < rep->nshapes; i++) {
		const struct fleet_shape *s = &rep->shapes[i];

		jw_start_object(w);
		jw_kstring(w, "host", s->host);
		snprintf(id, sizeof(id), "%016" PRIx64, s->shape);
		jw_kstring(w, "shape", id);
		jw_kuint(w, "journeys", s->journeys);
		jw_key(w, "hops");
		jw_start_array(w);
		for (size_t k = 0; k < s->nhops; k++) {
			const struct fleet_lat_hop *h = &s->hops[k];
			const char *keys[] = { "p50_ns", "p90_ns", "p99_ns", "max_ns" };
			const uint64_t v[] = { h->p50, h->p90, h->p99, h->max };

			jw_start_object(w);
			jw_kuint(w, "hop", h->hop);
			jw_kstring(w, "event", h->event);
			jw_kstring(w, "dev", *h->dev ? h->dev : NULL);
			jw_key(w, "len");
			if (h->len >= 0)
				jw_int(w, h->len);
			else
				jw_null(w);
			for (size_t q = 0; q < 4; q++) {
				jw_key(w, keys[q]);
				if (h->hop)
					jw_uint(w, v[q]);
				else
					jw_null(w);
			}
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void json_joined_one(struct json_writer *w, const struct fleet_joined *jd, size_t k)
{
	jw_start_object(w);
	jw_kuint(w, "id", k + 1);
	jw_kbool(w, "ordered", jd->ordered);
	jw_kstring(w, "pkt", *jd->pkt ? jd->pkt : NULL);
	jw_key(w, "hosts");
	jw_start_array(w);
	for (size_t p = 0; p < jd->nparts; p++)
		jw_string(w, jd->parts[p].host);
	jw_end_array(w);
	jw_key(w, "journeys");
	jw_start_array(w);
	for (size_t p = 0; p < jd->nparts; p++) {
		char skb[24];

		jw_start_object(w);
		jw_kstring(w, "host", jd->parts[p].host);
		jw_kstring(w, "batch", jd->parts[p].batch);
		jw_kuint(w, "journey", jd->parts[p].journey);
		snprintf(skb, sizeof(skb), "0x%" PRIx64, jd->parts[p].skb);
		jw_kstring(w, "skb", skb);
		jw_kuint(w, "first_ts_ns", jd->parts[p].first_ts);
		jw_kstring(w, "end", jd->parts[p].end);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_key(w, "one_way_ns");
	if (jd->wire_known)
		jw_int(w, jd->wire_ns);
	else
		jw_null(w);
	jw_key(w, "uncertainty_ns");
	if (jd->wire_known)
		jw_int(w, jd->wire_unc_ns);
	else
		jw_null(w);
	jw_key(w, "hops");
	jw_start_array(w);
	for (size_t i = 0; i < jd->nhops; i++) {
		const struct fleet_jhop *h = &jd->hops[i];

		jw_start_object(w);
		jw_kstring(w, "host", jd->parts[h->part].host);
		jw_kuint(w, "journey", jd->parts[h->part].journey);
		jw_kuint(w, "hop", h->hop);
		jw_kuint(w, "ts_ns", h->ts);
		jw_kint(w, "aligned_ts_ns", h->aligned_ns);
		jw_kstring(w, "event", h->event);
		jw_kstring(w, "dev", *h->dev ? h->dev : NULL);
		jw_key(w, "len");
		if (h->len >= 0)
			jw_int(w, h->len);
		else
			jw_null(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
}

static void json_joined(struct json_writer *w, const struct fleet_report *rep)
{
	jw_kuint(w, "joined_journeys_total", rep->joined_total);
	jw_kuint(w, "journeys_join_ambiguous", rep->join_ambiguous);
	jw_kuint(w, "journeys_with_identity", rep->with_identity);
	jw_key(w, "joined_journeys");
	jw_start_array(w);
	for (size_t k = 0; k < rep->njoined; k++)
		json_joined_one(w, &rep->joined[k], k);
	jw_end_array(w);
	jw_key(w, "clocks");
	jw_start_array(w);
	for (size_t i = 0; i < rep->nclocks; i++) {
		const struct fleet_clock *c = &rep->clocks[i];
		const char *keys[] = { "offset_ns", "uncertainty_ns", "min_a_to_b_ns", "min_b_to_a_ns" };
		const int64_t v[] = { c->offset_ns, c->uncertainty_ns, c->min_ab_ns, c->min_ba_ns };
		const bool ok[] = { c->known, c->known, c->samples_ab > 0, c->samples_ba > 0 };

		jw_start_object(w);
		jw_kstring(w, "host_a", c->a);
		jw_kstring(w, "host_b", c->b);
		for (size_t k = 0; k < 4; k++) {
			jw_key(w, keys[k]);
			if (ok[k])
				jw_int(w, v[k]);
			else
				jw_null(w);
		}
		jw_kuint(w, "packets_a_to_b", c->samples_ab);
		jw_kuint(w, "packets_b_to_a", c->samples_ba);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void json_slowest(struct json_writer *w, const struct fleet_report *rep)
{
	char skb[24];

	jw_key(w, "slowest_journeys");
	jw_start_array(w);
	for (size_t i = 0; i < rep->nslowest; i++) {
		const struct fleet_slow *s = &rep->slowest[i];

		jw_start_object(w);
		jw_kstring(w, "host", s->host);
		jw_kstring(w, "batch", s->batch);
		jw_kuint(w, "journey", s->journey);
		snprintf(skb, sizeof(skb), "0x%" PRIx64, s->skb);
		jw_kstring(w, "skb", skb);
		jw_kuint(w, "first_ts_ns", s->first_ts);
		jw_kuint(w, "duration_ns", s->duration_ns);
		jw_kuint(w, "hops", s->nhops);
		jw_kstring(w, "end", s->end);
		jw_kstring(w, "drop_reason", *s->drop_reason ? s->drop_reason : NULL);
		jw_kstring(w, "drop_location", *s->drop_location ? s->drop_location : NULL);
		jw_kstring(w, "pkt", *s->pkt ? s->pkt : NULL);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static int json_write(FILE *out, const struct fleet_report *rep)
{
	struct json_writer *w = jw_new_file(out, true);

	jw_start_object(w);
	jw_kstring(w, "source", rep->source);
	jw_kstring(w, "cluster", rep->cluster);
	jw_kstring(w, "host_glob", rep->host_glob);
	jw_kuint(w, "captures", rep->captures);
	jw_kuint(w, "journeys_total", rep->journeys_total);
	jw_kuint(w, "hops_total", rep->hops_total);
	json_hosts(w, rep);
	json_shapes(w, rep);
	json_joined(w, rep);
	json_slowest(w, rep);
	jw_end_object(w);
	jw_destroy(w);
	return ferror(out) ? -1 : 0;
}

/* ---- HTML ---- */

#define HTML_STR 96	/* every capture string is cut here */

static const char html_css[] =
	":root{--fg:#1f2937;--muted:#6b7280;--bg:#f8fafc}\n*{box-sizing:border-box}\n"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);"
	"background:var(--bg);margin:0;padding:16px 28px}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:0 0 6px}h3{font-size:15px;margin:14px 0 6px}\n"
	".sub{color:var(--muted);margin:0 0 14px}\n"
	"section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 18px;"
	"margin:0 0 16px;box-shadow:0 1px 2px rgba(0,0,0,.04)}\n"
	"table{border-collapse:collapse;width:100%;font-size:13px}\n"
	"th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}\n"
	"th{background:#f8fafc;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px}\n"
	".fact{background:#f1f5f9;border-radius:999px;padding:2px 10px;font-size:13px;margin-right:6px}\n"
	".drop{color:#b91c1c}.more{color:var(--muted);font-style:italic}\n";

static void esc(FILE *out, const char *s)
{
	vx_html_escape(out, s && *s ? s : "\xe2\x80\x94", HTML_STR);
}

static void td_ns(FILE *out, int64_t ns)
{
	char b[32];

	fprintf(out, "<td class=\"num\">%s</td>", fmt_ns(b, sizeof(b), ns));
}

static void html_hosts(FILE *out, const struct fleet_report *rep)
{
	fputs("<section id=\"hosts\"><h2>Hosts</h2>\n<table><tr><th>host</th><th class=\"num\">captures</th>"
	      "<th class=\"num\">events</th><th class=\"num\">lost</th><th class=\"num\">journeys</th>"
	      "<th class=\"num\">dropped</th><th>journeys by how they ended</th></tr>\n", out);
	for (size_t i = 0; i < rep->nhosts; i++) {
		const struct fleet_host *h = &rep->hosts[i];

		fputs("<tr><td>", out);
		esc(out, h->host);
		fprintf(out, "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%"
			PRIu64 "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64 "</td><td>", h->captures,
			h->events, h->lost, h->journeys, h->dropped);
		for (size_t e = 0; e < h->nends; e++) {
			fprintf(out, "%s%" PRIu64 " ", e ? ", " : "", h->ends[e].n);
			esc(out, h->ends[e].name);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table></section>\n<section id=\"drops\"><h2>Drops</h2>\n", out);
	if (!rep->ndrops)
		fputs("<p class=\"more\">no journey ended in a drop</p>\n", out);
	else
		fputs("<table><tr><th>host</th><th>reason</th><th>location</th><th class=\"num\">journeys</th></tr>\n", out);
	for (size_t i = 0; i < rep->ndrops; i++) {
		fputs("<tr><td>", out);
		esc(out, rep->drops[i].host);
		fputs("</td><td class=\"drop\">", out);
		esc(out, rep->drops[i].reason);
		fputs("</td><td><code>", out);
		esc(out, rep->drops[i].location);
		fprintf(out, "</code></td><td class=\"num\">%" PRIu64 "</td></tr>\n", rep->drops[i].count);
	}
	fputs(rep->ndrops ? "</table></section>\n" : "</section>\n", out);
}

static void html_shapes(FILE *out, const struct fleet_report *rep)
{
	fputs("<section id=\"latency\"><h2>Latency by host and shape</h2>\n<p class=\"sub\">the time since the hop "
	      "before, over the journeys of each host's most frequent shapes</p>\n", out);
	for (size_t i = 0; i < rep->nshapes; i++) {
		const struct fleet_shape *s = &rep->shapes[i];

		fputs("<h3>", out);
		esc(out, s->host);
		fprintf(out, ": shape <code>%016" PRIx64 "</code>, %" PRIu64 " journeys</h3>\n<table><tr><th class=\"num\">"
			"hop</th><th>event</th><th>device</th><th class=\"num\">len</th><th class=\"num\">p50</th>"
			"<th class=\"num\">p90</th><th class=\"num\">p99</th><th class=\"num\">max</th></tr>\n",
			s->shape, s->journeys);
		for (size_t k = 0; k < s->nhops; k++) {
			const struct fleet_lat_hop *h = &s->hops[k];

			fprintf(out, "<tr><td class=\"num\">%u</td><td><code>", h->hop);
			esc(out, h->event);
			fputs("</code></td><td>", out);
			esc(out, h->dev);
			fputs("</td>", out);
			if (h->len >= 0)
				fprintf(out, "<td class=\"num\">%" PRId64 "</td>", h->len);
			else
				fputs("<td></td>", out);
			if (h->hop) {
				td_ns(out, (int64_t)h->p50);
				td_ns(out, (int64_t)h->p90);
				td_ns(out, (int64_t)h->p99);
				td_ns(out, (int64_t)h->max);
			} else {
				fputs("<td></td><td></td><td></td><td></td>", out);
			}
			fputs("</tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	fputs("</section>\n", out);
}

static void html_joined(FILE *out, const struct fleet_report *rep)
{
	char a[32], b[32];

	fprintf(out, "<section id=\"joined\"><h2>Joined journeys</h2>\n<p class=\"sub\">%" PRIu64 " packets seen on "
		"several hosts, joined by their headers; %" PRIu64 " journeys left apart as ambiguous</p>\n",
		rep->joined_total, rep->join_ambiguous);
	for (size_t k = 0; k < rep->njoined; k++) {
		const struct fleet_joined *jd = &rep->joined[k];

		fprintf(out, "<h3>%zu: ", k + 1);
		esc(out, jd->pkt);
		fputs("</h3>\n<p>", out);
		for (size_t p = 0; p < jd->nparts; p++) {
			fputs(p ? (jd->ordered ? " &rarr; " : ", ") : "", out);
			fputs("<span class=\"fact\">", out);
			esc(out, jd->parts[p].host);
			fprintf(out, " journey %" PRIu64 "</span>", jd->parts[p].journey);
		}
		if (jd->wire_known)
			fprintf(out, " wire %s &plusmn; %s", fmt_ns(a, 32, jd->wire_ns), fmt_ns(b, 32, jd->wire_unc_ns));
		fputs("</p>\n<table><tr><th class=\"num\">time</th><th>host</th><th>event</th><th>device</th>"
		      "<th class=\"num\">len</th></tr>\n", out);
		for (size_t i = 0; i < jd->nhops; i++) {
			const struct fleet_jhop *h = &jd->hops[i];

			fprintf(out, "<tr><td class=\"num\">+%s</td><td>", fmt_ns(a, 32, h->aligned_ns - jd->hops[0].aligned_ns));
			esc(out, jd->parts[h->part].host);
			fputs("</td><td><code>", out);
			esc(out, h->event);
			fputs("</code></td><td>", out);
			esc(out, h->dev);
			fputs("</td>", out);
			if (h->len >= 0)
				fprintf(out, "<td class=\"num\">%" PRId64 "</td>", h->len);
			else
				fputs("<td></td>", out);
			fputs("</tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	if (rep->joined_total > rep->njoined)
		fprintf(out, "<p class=\"more\">%" PRIu64 " more joined journeys</p>\n", rep->joined_total - rep->njoined);
	fputs("</section>\n", out);
}

static void html_clocks_slowest(FILE *out, const struct fleet_report *rep)
{
	char a[32], b[32];

	fputs("<section id=\"clocks\"><h2>Clocks</h2>\n<p class=\"sub\">b's clock minus a's, from the minimum one-way "
	      "delays both ways</p>\n<table><tr><th>a</th><th>b</th><th class=\"num\">offset</th><th class=\"num\">"
	      "&plusmn;</th><th class=\"num\">packets a&rarr;b</th><th class=\"num\">b&rarr;a</th></tr>\n", out);
	for (size_t i = 0; i < rep->nclocks; i++) {
		const struct fleet_clock *c = &rep->clocks[i];

		fputs("<tr><td>", out);
		esc(out, c->a);
		fputs("</td><td>", out);
		esc(out, c->b);
		fputs("</td>", out);
		if (c->known)
			fprintf(out, "<td class=\"num\">%s</td><td class=\"num\">%s</td>", fmt_ns(a, 32, c->offset_ns),
				fmt_ns(b, 32, c->uncertainty_ns));
		else
			fputs("<td class=\"more\">unknown</td><td></td>", out);
		fprintf(out, "<td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64 "</td></tr>\n", c->samples_ab,
			c->samples_ba);
	}
	fputs("</table></section>\n<section id=\"slowest\"><h2>Slowest journeys</h2>\n<table><tr><th class=\"num\">"
	      "duration</th><th>host</th><th class=\"num\">journey</th><th class=\"num\">hops</th><th>end</th>"
	      "<th>drop</th><th>packet</th></tr>\n", out);
	for (size_t i = 0; i < rep->nslowest; i++) {
		const struct fleet_slow *s = &rep->slowest[i];

		fputs("<tr>", out);
		td_ns(out, (int64_t)s->duration_ns);
		fputs("<td>", out);
		esc(out, s->host);
		fprintf(out, "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%u</td><td>", s->journey, s->nhops);
		esc(out, s->end);
		fputs("</td><td class=\"drop\">", out);
		esc(out, s->drop_location);
		fputs("</td><td>", out);
		esc(out, s->pkt);
		fputs("</td></tr>\n", out);
	}
	fputs("</table></section>\n", out);
}

static int html_write(FILE *out, const struct fleet_report *rep)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"vxanalyze fleet --format html\">\n<title>vxanalyze fleet: ", out);
	esc(out, rep->source);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>The fleet</h1>\n<p class=\"sub\">", html_css);
	esc(out, rep->source);
	if (rep->host_glob) {
		fputs(", hosts ", out);
		esc(out, rep->host_glob);
	}
	fprintf(out, ": %zu hosts, %" PRIu64 " captures, %" PRIu64 " journeys, %" PRIu64 " hops</p>\n", rep->nhosts,
		rep->captures, rep->journeys_total, rep->hops_total);
	html_hosts(out, rep);
	html_shapes(out, rep);
	html_joined(out, rep);
	html_clocks_slowest(out, rep);
	fputs("</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}

static const struct fleet_renderer render_text = { "text", "hosts, drops, latency, joins for the terminal (default)",
						   text_write };
static const struct fleet_renderer render_json = { "json", "the whole fleet report as one JSON object", json_write };
static const struct fleet_renderer render_html = { "html", "one self-contained page (tables, no script, nothing "
						   "fetched)", html_write };

const struct fleet_renderer *const fleet_renderers[] = { &render_text, &render_json, &render_html, NULL };

const struct fleet_renderer *fleet_renderer_by_name(const char *name)
{
	for (size_t i = 0; fleet_renderers[i]; i++)
		if (!strcmp(fleet_renderers[i]->name, name))
			return fleet_renderers[i];
	return NULL;
}
