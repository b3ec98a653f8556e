/* render-html-flow.c: the flow diagram of one journey on the HTML page (render-html.c): its
 * hops and the kernel functions between them placed on the layers' lanes, the encapsulation
 * and the IP-layer re-entry marked, the namespaces it crossed, the links to the journeys it
 * became. Must not: write any capture string except through esc() (vx_html_escape()).
 */
#include "render-html-int.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

/* background / accent colour of each kernel layer, for frames, chips and lanes */
/* lane_layer - the kernel layer a lane of the diagram draws (its colour) */
enum vx_layer lane_layer(enum vx_lane l)
{
	static const enum vx_layer m[VX_LANE_COUNT] = {
		[VX_LANE_SOCKET] = VX_LAYER_SOCKET, [VX_LANE_L4] = VX_LAYER_L4,
		[VX_LANE_IP] = VX_LAYER_IP, [VX_LANE_ROUTE] = VX_LAYER_ROUTE,
		[VX_LANE_TUNNEL] = VX_LAYER_TUNNEL, [VX_LANE_DEV] = VX_LAYER_DEV,
		[VX_LANE_NIC] = VX_LAYER_SOFTIRQ,
	};
	return l < VX_LANE_COUNT ? m[l] : VX_LAYER_OTHER;
}

const struct vx_html_color layer_colors[VX_LAYER_COUNT] = {
	[VX_LAYER_OTHER] = { "#eef0f3", "#6b7280" },
	[VX_LAYER_SYSCALL] = { "#ece7fb", "#6d28d9" },
	[VX_LAYER_SOCKET] = { "#e4ddfb", "#5b21b6" },
	[VX_LAYER_L4] = { "#dbeafe", "#1d4ed8" },
	[VX_LAYER_IP] = { "#d1fae5", "#047857" },
	[VX_LAYER_ROUTE] = { "#fef3c7", "#a16207" },
	[VX_LAYER_NEIGH] = { "#fde8cf", "#b45309" },
	[VX_LAYER_TUNNEL] = { "#fde2e2", "#b91c1c" },
	[VX_LAYER_DEV] = { "#e0e7ef", "#334155" },
	[VX_LAYER_SOFTIRQ] = { "#e8ebee", "#475569" },
	[VX_LAYER_NETLINK] = { "#f3e8ff", "#7e22ce" },
};

/* ---- the flow diagram of one journey ---- */

struct point {
	bool hop;
	size_t idx;		/* hop index, or waypoint number */
	enum vx_lane lane;
	int x;			/* centre */
	int w, hgt;
	struct vx_waypoint wp;
	const char *encap;	/* annotate the encapsulation at this point */
};

static int lane_y(enum vx_lane l)
{
	return G_TOP + (int)l * G_LANE_H + G_LANE_H / 2;
}

/*
 * An arrow from point @a to point @b: straight within a lane; between lanes it leaves
 * @a's top or bottom edge and enters @b's opposite edge, so a run of points reads as a
 * staircase down (or up) the layers.
 */
static void write_segment(struct html *h, const struct point *a, const struct point *b, int gid)
{
	bool re = vx_flow_reenters(a->lane, b->lane);
	const char *cls = re ? "seg reenter" : "seg";
	const char *mk = re ? "ar" : "a";
	int ya = lane_y(a->lane), yb = lane_y(b->lane);

	if (a->lane == b->lane) {
		fprintf(h->out, "<path class=\"%s\" d=\"M%d %d H%d\" marker-end=\"url(#%s%d)\"/>\n", cls,
			a->x + a->w / 2, ya, b->x - b->w / 2 - 2, mk, gid);
	} else {
		int half = (b->x - a->x) / 2;
		int x1 = a->x + (half < a->w / 2 - 12 ? half : a->w / 2 - 12);
		int x2 = b->x - (half < b->w / 2 - 12 ? half : b->w / 2 - 12);
		int down = b->lane > a->lane;
		int y1 = down ? ya + a->hgt / 2 : ya - a->hgt / 2;
		int y2 = down ? yb - b->hgt / 2 - 2 : yb + b->hgt / 2 + 2;
		int ym = (y1 + y2) / 2;

		fprintf(h->out, "<path class=\"%s\" d=\"M%d %d C%d %d %d %d %d %d\" "
			"marker-end=\"url(#%s%d)\"/>\n", cls, x1, y1, x1, ym, x2, ym, x2, y2, mk, gid);
		if (re)
			fprintf(h->out, "<text class=\"reenter\" x=\"%d\" y=\"%d\">2nd pass through IP "
				"(ip_local_out)</text>\n", (x1 > x2 ? x1 : x2) + 10, ym + 4);
	}
}

/* "VXLAN +50 bytes · VNI 4096": what the encapsulation @kind added on journey @j */
static void write_encap_text(struct html *h, const struct vx_journey *j, const char *kind)
{
	const char *vni = vx_journey_vni(j);
	char up[16];
	size_t k;

	/* "vxlan" -> "VXLAN"; the kind comes from the analysis' table, still escaped below */
	for (k = 0; kind[k] && k < sizeof(up) - 1; k++)
		up[k] = (char)(kind[k] >= 'a' && kind[k] <= 'z' ? kind[k] - 32 : kind[k]);
	up[k] = '\0';
	esc(h, up);
	if (j->overhead_bytes >= 0)
		fprintf(h->out, " +%" PRId64 " bytes", j->overhead_bytes);
	else
		fputs(" encapsulation", h->out);
	if (vni) {
		fputs(" \xc2\xb7 VNI ", h->out);
		vx_html_escape(h->out, vni, 12);
	}
}

/* the encapsulation over a hop box of the tunnel lane (a probe on the tunnel function),
 * in the routing row above it, which packets rarely use */
static void write_encap_badge(struct html *h, const struct vx_journey *j, const struct point *p)
{
	int y = lane_y(p->lane) - p->hgt / 2 - 26;

	fprintf(h->out, "<g class=\"encap\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" "
		"rx=\"10\"/><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", p->x - 90, y, 180, p->x,
		y + 14);
	write_encap_text(h, j, p->encap);
	fputs("</text></g>\n", h->out);
}

static void write_waypoint(struct html *h, const struct vx_journey *j, const struct point *p)
{
	const struct vx_waypoint *w = &p->wp;
	int x = p->x - p->w / 2, y = lane_y(p->lane) - p->hgt / 2;
	int ty = lane_y(p->lane) - (p->encap ? 9 : 0);	/* text block centre */

	fprintf(h->out, "<g class=\"wp ly%d%s%s\"><title>", lane_layer(p->lane),
		w->reenter ? " reenter" : "", w->synthetic ? " synthetic" : "");
	if (w->decap)
		fputs("decapsulation, inferred: the tunnel device receives the inner packet; the "
		      "decapsulation itself ran in a context its stack does not show", h->out);
	else if (w->synthetic)
		fputs(w->lane == VX_LANE_IP ? "re-entry into the IP layer (ip_local_out) inferred from "
		      "the devices: the stacks do not show it" : "encapsulation inferred from the devices",
		      h->out);
	else {
		fprintf(h->out, "%zu frame%s in %s: ", w->nframes, w->nframes == 1 ? "" : "s",
			vx_lane_title(w->lane));
		esc(h, w->outer);
		if (w->nframes > 1) {
			fputs(" \xe2\x86\x92 ", h->out);
			esc(h, w->inner);
		}
	}
	fprintf(h->out, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\"/>",
		x, y, p->w, p->hgt);
	if (w->decap) {
		fprintf(h->out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">decapsulate</text>",
			p->x, ty - 3);
		if (j->overhead_bytes >= 0)
			fprintf(h->out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">\xe2\x88\x92%" PRId64
				" bytes</text>", p->x, ty + 12, j->overhead_bytes);
	} else if (w->synthetic) {
		fprintf(h->out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", p->x,
			ty + 4, w->lane == VX_LANE_IP ? "ip_local_out" : "encapsulate");
	} else {
		fprintf(h->out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", p->x,
			ty - (w->nframes > 1 ? 3 : -4));
		vx_html_escape(h->out, w->outer, 18);
		fputs("</text>", h->out);
		if (w->nframes > 1) {
			fprintf(h->out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">\xe2\x86\x92 ",
				p->x, ty + 12);
			vx_html_escape(h->out, w->inner, 16);
			fputs("</text>", h->out);
		}
	}
	if (p->encap) {
		fprintf(h->out, "<text class=\"enc\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", p->x,
			ty + 29);
		write_encap_text(h, j, p->encap);
		fputs("</text>", h->out);
	}
	fputs("</g>\n", h->out);
}

static void write_ip_passes(struct html *h, int x, int y, const struct vx_path *path);

static void write_hop(struct html *h, const struct vx_journey *j, const struct point *p,
		      bool featured)
{
	const struct vx_hop *hp = &j->hops[p->idx];
	int x = p->x - p->w / 2, y = lane_y(p->lane) - p->hgt / 2;
	char dt[32], len[32];

	if (p->idx)
		fmt_dt(dt, sizeof(dt), hp->ts_ns - j->hops[p->idx - 1].ts_ns);
	else
		snprintf(dt, sizeof(dt), "first");
	if (hp->len >= 0)
		snprintf(len, sizeof(len), "%" PRId64 " B", hp->len);
	else
		snprintf(len, sizeof(len), "len ?");
	fputs("<g class=\"hop\" tabindex=\"0\" role=\"button\" data-dev=\"", h->out);
	esc(h, hp->dev ? hp->dev : "");
	fputs("\" data-event=\"", h->out);
	esc(h, hp->event);
	fprintf(h->out, "\" data-len=\"%s\" data-dt=\"%s\" data-hop=\"%zu\"", len, dt, p->idx + 1);
	if (hp->rec) {
		fputs(" data-comm=\"", h->out);
		esc(h, hp->rec->comm ? hp->rec->comm : "?");
		fprintf(h->out, "\" data-pid=\"%d\" data-cpu=\"%d\"", hp->rec->pid, hp->rec->cpu);
	}
	if (hp->path && hp->path->stack && hp->path->stack->nframes) {
		fprintf(h->out, " data-path=\"%d\" data-passes=\"%d\"", hp->path->id, hp->path->ip_passes);
		if (hp->path->reenters_ip_after_encap)
			fputs(" data-reenters=\"1\"", h->out);
	}
	if (featured)
		fputs(" data-featured=\"1\"", h->out);
	fprintf(h->out, "><title>hop %zu: ", p->idx + 1);
	esc(h, hp->event);
	fputs(" on ", h->out);
	esc(h, hp->dev ? hp->dev : "(no device)");
	fputs(" \xe2\x80\x94 click for the kernel stack</title>", h->out);
	fprintf(h->out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"7\"/>", x, y, p->w,
		p->hgt);
	fprintf(h->out, "<text class=\"idx\" x=\"%d\" y=\"%d\" text-anchor=\"end\">#%zu</text>",
		x + p->w - 6, y + 12, p->idx + 1);
	if (hp->path)
		write_ip_passes(h, x + 8, y + 8, hp->path);
	fprintf(h->out, "<text class=\"dev\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", p->x, y + 29);
	vx_html_escape(h->out, hp->dev ? hp->dev : "\xe2\x80\x94", 16);
	fprintf(h->out, "</text><text class=\"ev\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", p->x,
		y + 44);
	vx_html_escape(h->out, vx_event_base(hp->event), 22);
	fprintf(h->out, "</text><text class=\"meta\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
		"%s \xc2\xb7 %s</text></g>\n", p->x, y + 58, len, dt);
}

/* the IP passes of a hop's stack, as dots in the corner of its box (at x, y) */
static void write_ip_passes(struct html *h, int x, int y, const struct vx_path *path)
{
	int n = path->ip_passes, shown = n > 4 ? 4 : n;

	if (n <= 0)
		return;
	fprintf(h->out, "<g class=\"ippass\"><title>its stack passes through the IP layer %d time%s "
		"(path #%d)</title>", n, n == 1 ? "" : "s", path->id);
	for (int i = 0; i < shown; i++)
		fprintf(h->out, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\"/>", x + i * 9, y);
	fprintf(h->out, "<text x=\"%d\" y=\"%d\">%d\xc3\x97 IP</text></g>", x + shown * 9, y + 3, n);
}

/*
 * Where the packet changes network namespace (the journey's segments, see
 * vx_journey_segment_role()): dashed separators
 * between those hops, and a title over each stretch: the sender, the host that
 * encapsulates, the host that decapsulates, the receiver.
 */
static void write_netns_segments(struct html *h, const struct vx_journey *j, const struct point *pts,
				 size_t npts, int width, int height)
{
	int start = G_GUTTER, seg = 0;
	size_t first_hop = 0;

	for (size_t k = 0; k <= npts; k++) {
		bool cut = false;
		int x = width;

		if (k < npts && pts[k].hop && pts[k].idx > 0) {
			const struct vx_hop *a = &j->hops[pts[k].idx - 1], *b = &j->hops[pts[k].idx];

			cut = a->segment != b->segment;	/* analysis.c: a veth pair or a wire */
			if (cut)
				x = (pts[k - 1].x + pts[k - 1].w / 2 + pts[k].x - pts[k].w / 2) / 2;
		}
		if (!cut && k < npts)
			continue;
		if (seg > 0 || k < npts) {
			/* title of the stretch [start, x) that starts at first_hop */
			const char *what = vx_journey_segment_role(j, j->hops[first_hop].segment);

			fprintf(h->out, "<text class=\"nstitle\" x=\"%d\" y=\"19\" text-anchor=\"middle\">%s"
				"</text>\n", (start + x) / 2, what);
		}
		if (k < npts) {
			fprintf(h->out, "<line class=\"nsline\" x1=\"%d\" y1=\"6\" x2=\"%d\" y2=\"%d\"/>\n",
				x, x, height - 4);
			start = x;
			first_hop = pts[k].idx;
			seg++;
		}
	}
}

/* layout 1: the boxes of the diagram in time order, each hop after the waypoints of the
 * kernel route that led to it (flow.c); *@featured receives the hop where the journey
 * re-enters IP, (size_t)-1 when none. @pts holds @nhops * (VX_FLOW_MAX_WAYPOINTS + 1). */
static size_t diagram_points(const struct vx_journey *j, size_t nhops, struct point *pts, size_t *featured)
{
	size_t npts = 0;
	bool reentered = false, encap_drawn = false;

	*featured = (size_t)-1;
	for (size_t i = 0; i < nhops; i++) {
		struct vx_waypoint wp[VX_FLOW_MAX_WAYPOINTS];
		size_t dropped, n = vx_flow_between(j, i, wp, &dropped, &reentered);
		struct point *p;

		for (size_t k = 0; k < n; k++) {
			p = &pts[npts++];
			p->hop = false;
			p->idx = k;
			p->lane = wp[k].lane;
			p->wp = wp[k];
			p->w = G_WP_W;
			p->hgt = G_WP_H;
			if (wp[k].encap && !wp[k].decap && !encap_drawn) {
				p->encap = wp[k].encap;
				p->w = G_ENC_W;
				p->hgt = G_ENC_H;
				encap_drawn = true;
			}
			if (wp[k].reenter && *featured == (size_t)-1)
				*featured = i;
		}
		p = &pts[npts++];
		p->hop = true;
		p->idx = i;
		p->lane = vx_lane_of_hop(&j->hops[i]);
		p->w = G_HOP_W;
		p->hgt = G_HOP_H;
		if (npts > 1 && vx_flow_reenters(pts[npts - 2].lane, p->lane) && *featured == (size_t)-1)
			*featured = i;
		if (p->lane == VX_LANE_TUNNEL && j->encap && !encap_drawn) {
			p->encap = j->encap;
			encap_drawn = true;
		}
	}
	if (*featured == (size_t)-1)
		for (size_t i = 0; i < nhops; i++)
			if (j->hops[i].path && j->hops[i].path->reenters_ip_after_encap) {
				*featured = i;
				break;
			}
	return npts;
}

/* layout 2: compact columns: boxes of different lanes may share x, boxes of one lane never
 * touch; returns the width the boxes need (at least @width) */
static int diagram_columns(struct point *pts, size_t npts, int width)
{
	int lane_right[VX_LANE_COUNT], prev = G_GUTTER + 16 - G_STEP;

	for (int l = 0; l < VX_LANE_COUNT; l++)
		lane_right[l] = G_GUTTER + 16 - G_GAP;
	for (size_t k = 0; k < npts; k++) {
		struct point *p = &pts[k];
		int x = prev + G_STEP, min = lane_right[p->lane] + G_GAP + p->w / 2;

		if (k == 0 || x < min)
			x = min;
		p->x = x;
		lane_right[p->lane] = x + p->w / 2;
		prev = x;
		if (x + p->w / 2 + 20 > width)
			width = x + p->w / 2 + 20;
	}
	return width;
}

/* drawing 1: the svg element, its arrow heads, the lanes and the time axis */
static void draw_lanes(struct html *h, int gid, int width, int height)
{
	fprintf(h->out, "<div class=\"diagram\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n", width, height,
		width, height);
	fprintf(h->out, "<defs><marker id=\"a%d\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
		"markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" "
		"fill=\"#64748b\"/></marker><marker id=\"ar%d\" viewBox=\"0 0 10 10\" refX=\"9\" "
		"refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0 0L10 5L0 "
		"10z\" fill=\"#ea580c\"/></marker></defs>\n", gid, gid);
	for (int l = 0; l < VX_LANE_COUNT; l++) {
		enum vx_layer ly = lane_layer(l);

		fprintf(h->out, "<rect class=\"lanebg\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill=\"%s\" fill-opacity=\"%s\"/>", G_TOP + l * G_LANE_H, width, G_LANE_H,
			layer_colors[ly].bg, l % 2 ? ".45" : ".8");
		fprintf(h->out, "<text class=\"lanetitle\" x=\"12\" y=\"%d\">%s</text>\n", lane_y(l) + 5,
			vx_lane_title(l));
	}
	fprintf(h->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#cbd5e1\"/>\n",
		G_GUTTER, G_TOP, G_GUTTER, height - 10);
	fputs("<text x=\"12\" y=\"19\" class=\"lanetitle\">time \xe2\x86\x92</text>\n", h->out);
}

/* drawing 2: the arrows between the boxes, then the boxes over them */
static void draw_points(struct html *h, const struct vx_journey *j, const struct point *pts, size_t npts,
			size_t featured, int gid)
{
	for (size_t k = 1; k < npts; k++)
		write_segment(h, &pts[k - 1], &pts[k], gid);
	for (size_t k = 0; k < npts; k++) {
		if (pts[k].hop) {
			const struct vx_path *path = j->hops[pts[k].idx].path;

			write_hop(h, j, &pts[k], pts[k].idx == featured);
			want_stack(h, path);
		} else {
			write_waypoint(h, j, &pts[k]);
		}
		if (pts[k].encap && pts[k].hop)
			write_encap_badge(h, j, &pts[k]);
	}
}

/* the point of hop @hop, or NULL when it is not drawn */
static const struct point *hop_point(const struct point *pts, size_t npts, int hop)
{
	for (size_t k = 0; hop >= 0 && k < npts; k++)
		if (pts[k].hop && pts[k].idx == (size_t)hop)
			return &pts[k];
	return NULL;
}

/* drawing 3: under a hop, an arrow to each journey this one became there (a clone, a
 * segment, a packet merged into it) or came from; over a hop, the NAT rewrite it shows */
static void draw_links(struct html *h, const struct vx_journey *j, const struct point *pts, size_t npts)
{
	const struct vx_journey *k = vx_join_kept(h->an, j);
	int below[HTML_MAX_HOPS] = { 0 };

	for (size_t i = 0; k && i < k->nlinks; i++) {
		const struct vx_link *l = &k->links[i];
		const struct point *p = hop_point(pts, npts, l->hop);
		int y;

		if (!p || l->hop >= HTML_MAX_HOPS || below[l->hop] >= 3)
			continue;
		y = lane_y(p->lane) + p->hgt / 2 + 4 + 14 * below[l->hop]++;
		fprintf(h->out, "<g class=\"link\"><path d=\"M%d %dv10\" marker-end=\"url(#a%d)\"/>"
			"<text x=\"%d\" y=\"%d\">%s %s ", p->x - 40, y, h->gid, p->x - 34, y + 10,
			l->child ? "\xe2\x86\xb3" : "\xe2\x86\xb0", vx_link_kind_name(l->kind));
		if (l->journey_id)
			fprintf(h->out, "%s journey %d", l->child ? "\xe2\x86\x92" : "of", l->journey_id);
		fputs("</text></g>\n", h->out);
	}
	for (size_t i = 0; i < j->nhops && i < HTML_MAX_HOPS; i++) {
		const struct point *p = hop_point(pts, npts, (int)i);

		if (!p || !j->hops[i].nat)
			continue;
		fprintf(h->out, "<g class=\"nat\"><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s ",
			p->x, lane_y(p->lane) - p->hgt / 2 - 5, vx_nat_kind_name(j->hops[i].nat->kind));
		esc(h, j->hops[i].nat->kind == VX_NAT_DNAT ? j->hops[i].nat->after.dst : j->hops[i].nat->after.src);
		fputs("</text></g>\n", h->out);
	}
}

/* one journey's flow diagram: layout (points, columns), then drawing */
void html_write_diagram(struct html *h, const struct vx_journey *j, int gid)
{
	size_t nhops = j->nhops < HTML_MAX_HOPS ? j->nhops : HTML_MAX_HOPS;
	struct point *pts = xcalloc(nhops * (VX_FLOW_MAX_WAYPOINTS + 1), sizeof(*pts));
	size_t featured, npts = diagram_points(j, nhops, pts, &featured);
	int height = G_TOP + VX_LANE_COUNT * G_LANE_H + 10;
	int width = diagram_columns(pts, npts, 760);

	h->gid = gid;
	draw_lanes(h, gid, width, height);
	write_netns_segments(h, j, pts, npts, width, height);
	draw_points(h, j, pts, npts, featured, gid);
	draw_links(h, j, pts, npts);
	fputs("</svg></div>\n", h->out);
	if (j->nhops > nhops)
		fprintf(h->out, "<p class=\"more\">%zu more hops of this journey are not drawn</p>\n",
			j->nhops - nhops);
	free(pts);
}
