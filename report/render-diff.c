/* render-diff.c: the output of `vxanalyze diff`: text (what changed, in words), JSON (every
 * path and shape with its status) and one self-contained HTML page (tables, no script,
 * nothing fetched, a Content-Security-Policy that allows only its own style). Must not:
 * parse, query the store, compare anything itself (diff.c did), or write capture text into
 * the text except through put_line() (the terminal sanitiser) or into HTML except through
 * vx_html_escape() (tests/output-rule.py checks the prints).
 */
#include "diff.h"

#include <inttypes.h>
#include <string.h>

#include "render.h"
#include "events.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/utf8.h"

#define TEXT_FRAMES 12		/* frames of a path shown without -v */
#define TEXT_MAX_LINE 4096	/* a line of the text diff is cut after this, with "…" */
#define HTML_MAX_STR 96

static const char *side_name(int side)
{
	return side ? "B" : "A";
}

/* "xmit", "rx", "recv", ...: the short name of a hop's event for one-line shapes */
static const char *event_abbrev(const char *ev)
{
	static const struct { const char *name, *abbrev; } tab[] = {
		{ "net:net_dev_start_xmit", "xmit" },
		{ "net:net_dev_xmit", "xmit-done" },
		{ "net:net_dev_queue", "queue" },
		{ "net:netif_rx", "rx" },
		{ "net:netif_receive_skb", "recv" },
		{ "net:napi_gro_receive_entry", "gro" },
		{ "skb:kfree_skb", "drop" },
		{ "skb:consume_skb", "free" },
	};
	if (!ev)
		return "?";
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(ev, tab[i].name))
			return tab[i].abbrev;
	return vx_event_base(ev);
}

/* "eth0 148 xmit" (capture text cleaned to valid UTF-8 without control characters) */
static void hop_text(struct strbuf *sb, const struct vx_diff_hop *h)
{
	if (h->dev) {
		vx_utf8_clean(sb, h->dev, 32);
		strbuf_addch(sb, ' ');
	}
	if (h->len >= 0)
		strbuf_addf(sb, "%" PRId64 " ", h->len);
	vx_utf8_clean(sb, event_abbrev(h->event), 48);
}

static void fmt_ns(char *buf, size_t n, uint64_t d)
{
	if (d < 10000000)
		snprintf(buf, n, "%.1f us", d / 1000.0);
	else
		snprintf(buf, n, "%.1f ms", d / 1e6);
}

/* the layers a path's stack goes through, outermost first, repeats collapsed */
static void layer_summary(struct strbuf *sb, const struct vx_diff_path *p)
{
	enum vx_layer last = VX_LAYER_OTHER;

	for (size_t i = p->nframes; i-- > 0;) {
		enum vx_layer l = vx_layer_of(p->frames[i]);

		if (l == VX_LAYER_OTHER || l == last)
			continue;
		strbuf_addstr(sb, last != VX_LAYER_OTHER ? " > " : "");
		strbuf_addstr(sb, vx_layer_name(l));
		last = l;
	}
	if (last == VX_LAYER_OTHER)
		strbuf_addstr(sb, "no network layer");
}

/* ---------------------------------------------------------------- text */

/* put_line - @sb through the terminal sanitiser, without trailing spaces, and a newline;
 * @sb is emptied. The one way the text diff writes what it built. */
static void put_line(FILE *out, struct strbuf *sb)
{
	struct strbuf clean = STRBUF_INIT;

	while (sb->len && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
	vx_term_clean(&clean, sb->buf, sb->len, TEXT_MAX_LINE, VX_TERM_MARK_CUT);
	fwrite(clean.buf, 1, clean.len, out);
	fputc('\n', out);
	strbuf_reset(sb);
	strbuf_release(&clean);
}

/* print @text (already clean) folded at 79 columns after each @sep, @indent spaces first
 * and @indent + 2 on continuation lines */
static void put_folded(FILE *out, const char *text, const char *sep, int indent)
{
	struct strbuf line = STRBUF_INIT;
	size_t seplen = strlen(sep);
	const char *p = text;

	strbuf_addf(&line, "%*s", indent, "");
	while (*p) {
		const char *next = strstr(p, sep);
		size_t w = next ? (size_t)(next - p) + seplen : strlen(p);

		if (line.len > (size_t)indent + 2 && line.len + w > 80) {
			put_line(out, &line);
			strbuf_addf(&line, "%*s", indent + 2, "");
		}
		strbuf_add(&line, p, w);
		p += w;
	}
	put_line(out, &line);
	strbuf_release(&line);
}

static void text_side(FILE *out, const struct vx_diff_side *s, int side)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "  %s: capture %" PRId64 ", %s, %" PRIu64 " events, %" PRIu64 " lost", side_name(side),
		    s->cap.id, s->cap.format, s->cap.events, s->cap.lost_events);
	put_line(out, &sb);
	strbuf_addf(&sb, "     from %s", s->cap.source);
	put_line(out, &sb);
	strbuf_addf(&sb, "     %zu journeys: %zu encapsulated, %zu re-entering IP after encapsulation",
		    s->journeys, s->journeys_encap, s->journeys_reenter);
	put_line(out, &sb);
	strbuf_release(&sb);
}

static const char *status_mark(enum vx_diff_status st)
{
	switch (st) {
	case VX_DIFF_ADDED: return "+ only in B";
	case VX_DIFF_REMOVED: return "- only in A";
	case VX_DIFF_CHANGED: return "~ changed  ";
	default: return "  same     ";
	}
}

static void text_path(FILE *out, const struct vx_diff_path *p, bool verbose)
{
	struct strbuf sb = STRBUF_INIT;
	size_t shown = verbose || p->nframes <= TEXT_FRAMES ? p->nframes : TEXT_FRAMES;

	strbuf_addf(&sb, "  %s ", status_mark(p->status));
	vx_utf8_clean(&sb, p->event, 80);
	strbuf_addf(&sb, ", events %" PRIu64 " -> %" PRIu64 "%s%s%s", p->count[0], p->count[1],
		    p->encap ? ", " : "", p->encap ? p->encap : "", p->reenters_ip_after_encap ? ", double trip" : "");
	put_line(out, &sb);
	strbuf_addf(&sb, "ip passes %d, layers: ", p->ip_passes);
	layer_summary(&sb, p);
	put_folded(out, sb.buf, " > ", 6);
	/* outermost first, as a call reads; without -v the innermost frames, where paths differ */
	strbuf_reset(&sb);
	if (shown < p->nframes)
		strbuf_addf(&sb, "(%zu more) > ", p->nframes - shown);
	for (size_t i = shown; i-- > 0;) {
		vx_utf8_clean(&sb, p->frames[i], 80);
		if (i)
			strbuf_addstr(&sb, " > ");
	}
	if (!p->nframes)
		strbuf_addstr(&sb, "(no stack)");
	put_folded(out, sb.buf, " > ", 6);
	strbuf_release(&sb);
}

static void text_shape(FILE *out, const struct vx_diff_shape *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "  %s journeys %" PRIu64 " -> %" PRIu64 ", %zu hops%s%s%s", status_mark(s->status),
		    s->count[0], s->count[1], s->nhops, s->encap ? ", " : "", s->encap ? s->encap : "",
		    s->reenters_ip_after_encap ? ", double trip" : "");
	put_line(out, &sb);
	for (size_t i = 0; i < s->nhops; i++) {
		hop_text(&sb, &s->hops[i]);
		if (i + 1 < s->nhops)
			strbuf_addstr(&sb, " > ");
	}
	put_folded(out, sb.buf, " > ", 6);
	for (size_t i = 0; i < s->nhops; i++) {
		const struct vx_diff_hop *h = &s->hops[i];
		char a[32], b[32];

		if (!h->changed)
			continue;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "      hop %zu ", i);
		hop_text(&sb, h);
		fmt_ns(a, sizeof(a), h->p50[0]);
		fmt_ns(b, sizeof(b), h->p50[1]);
		strbuf_addf(&sb, ": p50 %s -> %s since the previous hop", a, b);
		put_line(out, &sb);
	}
	strbuf_release(&sb);
}

static void text_double_trip(FILE *out, const struct vx_diff *d)
{
	const struct vx_diff_side *a = &d->side[0], *b = &d->side[1];

	fputs("double trip (encapsulation, then back up into IP): ", out);
	if (a->double_trip && b->double_trip)
		fprintf(out, "in both\n  (A %zu journeys, B %zu)\n", a->journeys_reenter, b->journeys_reenter);
	else if (a->double_trip)
		fprintf(out, "only in A\n  (%zu journeys, %zu paths), not in B\n", a->journeys_reenter, a->paths_reenter);
	else if (b->double_trip)
		fprintf(out, "only in B\n  (%zu journeys, %zu paths), not in A\n", b->journeys_reenter, b->paths_reenter);
	else
		fputs("in neither\n", out);
}

static void text_warnings(FILE *out, const struct vx_diff *d)
{
	for (int i = 0; i < 2; i++) {
		const struct vx_diff_side *s = &d->side[i];

		if (s->blind)
			fprintf(out, "warning: capture %" PRId64 ": most kernel addresses are not symbolised; "
				"its paths cannot be compared by function\n", s->cap.id);
		if (s->other_shape_journeys)
			fprintf(out, "warning: capture %" PRId64 ": %zu journeys of rarer shapes (beyond the %d "
				"kept) are not compared\n", s->cap.id, s->other_shape_journeys, VX_MAX_SHAPES);
	}
}

static int text_write(FILE *out, const struct vx_diff *d, bool verbose)
{
	fprintf(out, "diff of capture %" PRId64 " (A) and capture %" PRId64 " (B)\n", d->side[0].cap.id,
		d->side[1].cap.id);
	text_side(out, &d->side[0], 0);
	text_side(out, &d->side[1], 1);
	text_warnings(out, d);
	fputc('\n', out);
	text_double_trip(out, d);
	fprintf(out, "\npaths (event + stack): %zu only in A, %zu only in B, %zu changed, %zu same\n",
		d->npath_status[VX_DIFF_REMOVED], d->npath_status[VX_DIFF_ADDED], d->npath_status[VX_DIFF_CHANGED],
		d->npath_status[VX_DIFF_SAME]);
	for (int st = VX_DIFF_REMOVED; st >= VX_DIFF_ADDED; st--)
		for (size_t i = 0; i < d->npaths; i++)
			if (d->paths[i].status == (enum vx_diff_status)st)
				text_path(out, &d->paths[i], verbose);
	for (size_t i = 0; i < d->npaths; i++)
		if (d->paths[i].status == VX_DIFF_CHANGED)
			text_path(out, &d->paths[i], verbose);
	fprintf(out, "\nshapes (hops' events, devices, lengths): %zu only in A, %zu only in B, "
		"%zu changed,\n  %zu same\n", d->nshape_status[VX_DIFF_REMOVED], d->nshape_status[VX_DIFF_ADDED],
		d->nshape_status[VX_DIFF_CHANGED], d->nshape_status[VX_DIFF_SAME]);
	for (int st = VX_DIFF_REMOVED; st >= VX_DIFF_ADDED; st--)
		for (size_t i = 0; i < d->nshapes; i++)
			if (d->shapes[i].status == (enum vx_diff_status)st)
				text_shape(out, &d->shapes[i]);
	for (size_t i = 0; i < d->nshapes; i++)
		if (d->shapes[i].status == VX_DIFF_CHANGED)
			text_shape(out, &d->shapes[i]);
	fprintf(out, "\n%s (a count or a hop's p50 latency is changed when it\n"
		"differs by more than %d%% of the larger, a p50 also by at least %.1f us)\n",
		d->changed ? "the captures differ" : "no change", d->threshold_pct, VX_DIFF_MIN_LATENCY_NS / 1000.0);
	return ferror(out) ? -1 : 0;
}

/* ---------------------------------------------------------------- JSON */

static void json_side(struct json_writer *w, const struct vx_diff_side *s)
{
	jw_start_object(w);
	jw_kint(w, "id", s->cap.id);
	jw_kstring(w, "source", s->cap.source);
	jw_kstring(w, "format", s->cap.format);
	jw_kstring(w, "kernel_release", s->cap.kernel_release);
	jw_kuint(w, "events", s->cap.events);
	jw_kuint(w, "lost_events", s->cap.lost_events);
	jw_kuint(w, "journeys", s->journeys);
	jw_kuint(w, "journeys_encap", s->journeys_encap);
	jw_kuint(w, "journeys_reenter", s->journeys_reenter);
	jw_kuint(w, "paths_reenter", s->paths_reenter);
	jw_kbool(w, "double_trip", s->double_trip);
	jw_kuint(w, "other_shape_journeys", s->other_shape_journeys);
	jw_end_object(w);
}

static void json_summary(struct json_writer *w, const char *key, const size_t n[4])
{
	jw_key(w, key);
	jw_start_object(w);
	for (int st = VX_DIFF_SAME; st <= VX_DIFF_CHANGED; st++)
		jw_kuint(w, vx_diff_status_name(st), n[st]);
	jw_end_object(w);
}

static void json_paths(struct json_writer *w, const struct vx_diff *d)
{
	jw_key(w, "paths");
	jw_start_array(w);
	for (size_t i = 0; i < d->npaths; i++) {
		const struct vx_diff_path *p = &d->paths[i];

		jw_start_object(w);
		jw_kstring(w, "status", vx_diff_status_name(p->status));
		jw_kstring(w, "event", p->event);
		jw_kuint(w, "count_a", p->count[0]);
		jw_kuint(w, "count_b", p->count[1]);
		jw_kint(w, "ip_passes", p->ip_passes);
		jw_kstring(w, "encap", p->encap);
		jw_kbool(w, "reenters_ip_after_encap", p->reenters_ip_after_encap);
		jw_key(w, "frames");
		jw_start_array(w);
		for (size_t f = 0; f < p->nframes; f++)
			jw_string(w, p->frames[f]);
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void json_hop(struct json_writer *w, const struct vx_diff_hop *hp)
{
	jw_start_object(w);
	jw_kstring(w, "event", hp->event);
	jw_kstring(w, "dev", hp->dev);
	jw_key(w, "len");
	if (hp->len >= 0)
		jw_int(w, hp->len);
	else
		jw_null(w);
	for (int side = 0; side < 2; side++) {
		jw_key(w, side ? "p50_ns_b" : "p50_ns_a");
		if (hp->has_p50[side])
			jw_uint(w, hp->p50[side]);
		else
			jw_null(w);
	}
	jw_kbool(w, "changed", hp->changed);
	jw_end_object(w);
}

static void json_shapes(struct json_writer *w, const struct vx_diff *d)
{
	jw_key(w, "shapes");
	jw_start_array(w);
	for (size_t i = 0; i < d->nshapes; i++) {
		const struct vx_diff_shape *s = &d->shapes[i];

		jw_start_object(w);
		jw_kstring(w, "status", vx_diff_status_name(s->status));
		jw_kuint(w, "count_a", s->count[0]);
		jw_kuint(w, "count_b", s->count[1]);
		jw_kstring(w, "encap", s->encap);
		jw_kbool(w, "reenters_ip_after_encap", s->reenters_ip_after_encap);
		jw_key(w, "hops");
		jw_start_array(w);
		for (size_t h = 0; h < s->nhops; h++)
			json_hop(w, &s->hops[h]);
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void json_warnings(struct json_writer *w, const struct vx_diff *d)
{
	jw_key(w, "warnings");
	jw_start_array(w);
	for (int i = 0; i < 2; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (d->side[i].blind) {
			strbuf_addf(&sb, "capture %" PRId64 ": most kernel addresses are not symbolised; its paths "
				    "cannot be compared by function", d->side[i].cap.id);
			jw_string(w, sb.buf);
			strbuf_reset(&sb);
		}
		if (d->side[i].other_shape_journeys) {
			strbuf_addf(&sb, "capture %" PRId64 ": %zu journeys of rarer shapes (beyond the %d kept) are "
				    "not compared", d->side[i].cap.id, d->side[i].other_shape_journeys, VX_MAX_SHAPES);
			jw_string(w, sb.buf);
		}
		strbuf_release(&sb);
	}
	jw_end_array(w);
}

static int json_write(FILE *out, const struct vx_diff *d, bool verbose)
{
	struct json_writer *w = jw_new_file(out, true);

	jw_start_object(w);
	jw_key(w, "a");
	json_side(w, &d->side[0]);
	jw_key(w, "b");
	json_side(w, &d->side[1]);
	jw_kint(w, "threshold_pct", d->threshold_pct);
	jw_kint(w, "min_latency_ns", VX_DIFF_MIN_LATENCY_NS);
	jw_kbool(w, "changed", d->changed);
	jw_key(w, "double_trip");
	jw_start_object(w);
	jw_kbool(w, "a", d->side[0].double_trip);
	jw_kbool(w, "b", d->side[1].double_trip);
	jw_kbool(w, "changed", d->side[0].double_trip != d->side[1].double_trip);
	jw_end_object(w);
	json_summary(w, "paths_summary", d->npath_status);
	json_summary(w, "shapes_summary", d->nshape_status);
	json_paths(w, d);
	json_shapes(w, d);
	json_warnings(w, d);
	jw_end_object(w);
	jw_destroy(w);
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

/* ---------------------------------------------------------------- HTML */

static const char diff_css[] =
	"body{font:14px/1.45 system-ui,sans-serif;color:#1f2937;background:#f8fafc;margin:0;padding:16px 28px}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:18px 0 6px}.sub{color:#6b7280}\n"
	"section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 18px;margin:0 0 16px}\n"
	"table{border-collapse:collapse;width:100%;font-size:13px}\n"
	"th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}\n"
	"th{background:#f8fafc}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	".mono,code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:12px}\n"
	".st{font-weight:700;border-radius:4px;padding:0 6px;white-space:nowrap}.added{background:#dcfce7;color:#166534}\n"
	".removed{background:#fee2e2;color:#991b1b}.changed{background:#fef3c7;color:#92400e}\n"
	".same{background:#f1f5f9;color:#475569}.re{color:#c2410c;font-weight:700}\n"
	".hop{display:inline-block;margin:1px 2px;padding:0 5px;border:1px solid #cbd5e1;border-radius:4px}\n"
	".hop.chg{border-color:#d97706;background:#fffbeb}summary{cursor:pointer;color:#2563eb}\n";

static void h(FILE *out, const char *s)
{
	vx_html_escape(out, s, HTML_MAX_STR);
}

static void html_side(FILE *out, const struct vx_diff_side *s, int side)
{
	fprintf(out, "<tr><td><b>%s</b></td><td class=\"num\">%" PRId64 "</td><td>", side_name(side), s->cap.id);
	h(out, s->cap.source);
	fputs("</td><td>", out);
	h(out, s->cap.format);
	fprintf(out, "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
		"<td>%s</td></tr>\n", s->cap.events, s->journeys, s->journeys_reenter,
		s->double_trip ? "<span class=\"re\">yes</span>" : "no");
}

static void html_status(FILE *out, enum vx_diff_status st)
{
	static const char *const label[] = { "same", "only in B", "only in A", "changed" };

	fprintf(out, "<span class=\"st %s\">%s</span>", vx_diff_status_name(st), label[st]);
}

static void html_shapes(FILE *out, const struct vx_diff *d)
{
	fputs("<section><h2>Journey shapes</h2><p class=\"sub\">journeys with the same hops' events, devices "
	      "and lengths; p50: time since the previous hop, A &#8594; B</p>\n<table><tr><th>status</th>"
	      "<th>A</th><th>B</th><th>hops</th></tr>\n", out);
	for (int pass = 0; pass < 4; pass++) {
		static const enum vx_diff_status order[] = { VX_DIFF_REMOVED, VX_DIFF_ADDED, VX_DIFF_CHANGED,
							     VX_DIFF_SAME };

		for (size_t i = 0; i < d->nshapes; i++) {
			const struct vx_diff_shape *s = &d->shapes[i];

			if (s->status != order[pass])
				continue;
			fputs("<tr><td>", out);
			html_status(out, s->status);
			if (s->reenters_ip_after_encap)
				fputs("<br><span class=\"re\">double trip</span>", out);
			fprintf(out, "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64 "</td><td>",
				s->count[0], s->count[1]);
			for (size_t k = 0; k < s->nhops; k++) {
				const struct vx_diff_hop *hp = &s->hops[k];
				char a[32], b[32];

				fprintf(out, "<span class=\"hop%s\">", hp->changed ? " chg" : "");
				h(out, hp->dev);
				if (hp->len >= 0)
					fprintf(out, " %" PRId64, hp->len);
				fputs(" <span class=\"mono\">", out);
				h(out, event_abbrev(hp->event));
				fputs("</span>", out);
				if (hp->has_p50[0] || hp->has_p50[1]) {
					fmt_ns(a, sizeof(a), hp->p50[0]);
					fmt_ns(b, sizeof(b), hp->p50[1]);
					fprintf(out, " <small>%s &#8594; %s</small>", hp->has_p50[0] ? a : "-",
						hp->has_p50[1] ? b : "-");
				}
				fputs("</span>", out);
			}
			fputs("</td></tr>\n", out);
		}
	}
	fputs("</table></section>\n", out);
}

static void html_paths(FILE *out, const struct vx_diff *d)
{
	fputs("<section><h2>Paths</h2><p class=\"sub\">one distinct event and kernel stack; events A, B</p>\n"
	      "<table><tr><th>status</th><th>event</th><th>A</th><th>B</th><th>layers and stack</th></tr>\n", out);
	for (int pass = 0; pass < 4; pass++) {
		static const enum vx_diff_status order[] = { VX_DIFF_REMOVED, VX_DIFF_ADDED, VX_DIFF_CHANGED,
							     VX_DIFF_SAME };

		for (size_t i = 0; i < d->npaths; i++) {
			const struct vx_diff_path *p = &d->paths[i];
			struct strbuf sb = STRBUF_INIT;

			if (p->status != order[pass])
				continue;
			layer_summary(&sb, p);
			fputs("<tr><td>", out);
			html_status(out, p->status);
			if (p->reenters_ip_after_encap)
				fputs("<br><span class=\"re\">double trip</span>", out);
			fputs("</td><td class=\"mono\">", out);
			h(out, p->event);
			fprintf(out, "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64 "</td><td>",
				p->count[0], p->count[1]);
			h(out, sb.buf);
			fprintf(out, " (ip passes %d)<details><summary>%zu frames</summary><ol class=\"mono\">",
				p->ip_passes, p->nframes);
			for (size_t f = 0; f < p->nframes; f++) {
				fputs("<li>", out);
				h(out, p->frames[f]);
				fputs("</li>", out);
			}
			fputs("</ol></details></td></tr>\n", out);
			strbuf_release(&sb);
		}
	}
	fputs("</table></section>\n", out);
}

static int html_write(FILE *out, const struct vx_diff *d, bool verbose)
{
	const struct vx_diff_side *a = &d->side[0], *b = &d->side[1];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
	vx_html_csp_meta(out, diff_css, sizeof(diff_css) - 1, NULL, 0);	/* no script at all */
	fputs("<meta name=\"generator\" content=\"vxanalyze diff --html\">\n", out);
	fprintf(out, "<title>vxanalyze diff: capture %" PRId64 " and %" PRId64 "</title>\n<style>%s</style>\n"
		"</head>\n<body>\n", a->cap.id, b->cap.id, diff_css);
	fprintf(out, "<h1>What changed from capture %" PRId64 " (A) to capture %" PRId64 " (B)</h1>\n"
		"<p class=\"sub\">%s. A count or a hop's p50 latency is changed when it differs by more than "
		"%d%% of the larger (a p50 also by at least %.1f &#181;s).</p>\n", a->cap.id, b->cap.id,
		d->changed ? "The captures differ" : "No change", d->threshold_pct, VX_DIFF_MIN_LATENCY_NS / 1000.0);
	fputs("<section><table><tr><th></th><th>capture</th><th>source</th><th>format</th><th>events</th>"
	      "<th>journeys</th><th>re-entering IP</th><th>double trip</th></tr>\n", out);
	html_side(out, a, 0);
	html_side(out, b, 1);
	fputs("</table>\n<p>", out);
	if (a->double_trip != b->double_trip)
		fprintf(out, "<span class=\"re\">The double trip through IP (encapsulation, then back up into "
			"IP) is only in %s.</span>", a->double_trip ? "A" : "B");
	else
		fprintf(out, "The double trip through IP is in %s.", a->double_trip ? "both" : "neither");
	for (int i = 0; i < 2; i++)
		if (d->side[i].other_shape_journeys)
			fprintf(out, " Capture %" PRId64 ": %zu journeys of rarer shapes are not compared.",
				d->side[i].cap.id, d->side[i].other_shape_journeys);
	fprintf(out, "</p>\n<p>Paths: %zu only in A, %zu only in B, %zu changed, %zu same. Shapes: %zu only in A, "
		"%zu only in B, %zu changed, %zu same.</p></section>\n", d->npath_status[VX_DIFF_REMOVED],
		d->npath_status[VX_DIFF_ADDED], d->npath_status[VX_DIFF_CHANGED], d->npath_status[VX_DIFF_SAME],
		d->nshape_status[VX_DIFF_REMOVED], d->nshape_status[VX_DIFF_ADDED],
		d->nshape_status[VX_DIFF_CHANGED], d->nshape_status[VX_DIFF_SAME]);
	html_shapes(out, d);
	html_paths(out, d);
	fputs("</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}

/* ---------------------------------------------------------------- the table */

static const struct vx_diff_renderer diff_text = { "text", "what changed, in words (default)", text_write };
static const struct vx_diff_renderer diff_json = { "json", "every path and shape with its status", json_write };
static const struct vx_diff_renderer diff_html = { "html", "one self-contained page of tables", html_write };

const struct vx_diff_renderer *const vx_diff_renderers[] = { &diff_text, &diff_json, &diff_html, NULL };

const struct vx_diff_renderer *vx_diff_renderer_by_name(const char *name)
{
	for (size_t i = 0; vx_diff_renderers[i]; i++)
		if (!strcmp(vx_diff_renderers[i]->name, name))
			return vx_diff_renderers[i];
	return NULL;
}
