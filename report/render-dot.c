/* render-dot.c: `--format dot`, a Graphviz digraph with one cluster per journey shape
 * (most frequent first, at most --max-journeys, default 20) and inside it one cluster per
 * kernel layer (lane); the IP-layer re-entry after encapsulation is a dashed orange edge
 * with class "reenter". Paths without a packet address get one cluster each.
 * Must not: parse, query the store, or write a capture string except through dot_escape().
 */
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "flow.h"
#include "core/xalloc.h"

#define DOT_DEFAULT_GROUPS 20
#define DOT_MAX_GROUPS 100
#define DOT_MAX_HOPS 40
#define DOT_MAX_STR 64

static void dot_ascii(FILE *out, unsigned char c)
{
	if (c == '"' || c == '\\')
		fputc('\\', out);
	fputc(c, out);
}

/*
 * dot_escape - capture text inside a double-quoted dot string: '"' and '\' escaped
 * (so no \N, \l, ... sequences sneak in), control characters and invalid UTF-8 as '?',
 * cut after @max characters with "...".
 */
static void dot_escape(FILE *out, const char *s, size_t max)
{
	vx_utf8_write(out, s, max, "...", "?", dot_ascii);
}

static const char *const lane_fill[VX_LANE_COUNT] = {
	[VX_LANE_SOCKET] = "#e4ddfb", [VX_LANE_L4] = "#dbeafe", [VX_LANE_IP] = "#d1fae5",
	[VX_LANE_ROUTE] = "#fef3c7", [VX_LANE_TUNNEL] = "#fde2e2", [VX_LANE_DEV] = "#e0e7ef",
	[VX_LANE_NIC] = "#e8ebee",
};

struct dot_node {
	enum vx_lane lane;
	bool hop;
	size_t hop_idx;
	struct vx_waypoint wp;
};

static void write_node(FILE *out, int gid, size_t k, const struct vx_journey *j,
		       const struct dot_node *n)
{
	fprintf(out, "    g%d_n%zu [label=\"", gid, k);
	if (n->hop) {
		const struct vx_hop *hp = &j->hops[n->hop_idx];

		fprintf(out, "%zu: ", n->hop_idx + 1);
		dot_escape(out, hp->dev ? hp->dev : "-", 16);
		fputs("\\n", out);
		dot_escape(out, hp->event, DOT_MAX_STR);
		if (hp->len >= 0)
			fprintf(out, "\\nlen %" PRId64, hp->len);
		if (n->hop_idx)
			fprintf(out, "  +%.1f us", (hp->ts_ns - j->hops[n->hop_idx - 1].ts_ns) / 1e3);
		fputs("\", class=\"hop\", penwidth=1.6, fillcolor=\"white\"];\n", out);
		return;
	}
	if (n->wp.decap) {
		fputs("decapsulate (inferred)", out);
	} else if (n->wp.synthetic) {
		fputs(n->wp.lane == VX_LANE_IP ? "ip_local_out (inferred)" : "encapsulate (inferred)", out);
	} else {
		dot_escape(out, n->wp.outer, DOT_MAX_STR);
		if (n->wp.nframes > 1) {
			fputs("\\n-> ", out);
			dot_escape(out, n->wp.inner, DOT_MAX_STR);
		}
	}
	if (n->wp.encap && !n->wp.decap) {
		fputs("\\n", out);
		dot_escape(out, n->wp.encap, 16);
		if (j->overhead_bytes >= 0)
			fprintf(out, " +%" PRId64 " bytes", j->overhead_bytes);
	}
	fprintf(out, "\", fillcolor=\"%s\"%s];\n", lane_fill[n->lane],
		n->wp.reenter ? ", class=\"reenter\", color=\"#ea580c\", penwidth=2" : "");
}

/* one journey shape (@path false) or one path without a packet address drawn as a journey */
static void write_journey(FILE *out, const struct vx_journey *j, size_t count, int gid, bool path)
{
	const char *kind = path ? "path" : "journey shape";
	size_t nhops = j->nhops < DOT_MAX_HOPS ? j->nhops : DOT_MAX_HOPS, nn = 0;
	struct dot_node *nodes = xcalloc(nhops * (VX_FLOW_MAX_WAYPOINTS + 1), sizeof(*nodes));
	bool reentered = false;

	for (size_t i = 0; i < nhops; i++) {
		struct vx_waypoint wp[VX_FLOW_MAX_WAYPOINTS];
		size_t dropped, n = vx_flow_between(j, i, wp, &dropped, &reentered);

		for (size_t k = 0; k < n; k++) {
			nodes[nn].lane = wp[k].lane;
			nodes[nn++].wp = wp[k];
		}
		nodes[nn].lane = vx_lane_of_hop(&j->hops[i]);
		nodes[nn].hop = true;
		nodes[nn++].hop_idx = i;
	}
	fprintf(out, "  subgraph cluster_g%d {\n    label=\"%s %d: %zu %s", gid, kind, gid, count,
		j->skb ? "journey(s)" : "event(s)");
	if (j->encap) {
		fputs(", ", out);
		dot_escape(out, j->encap, 16);
		if (j->overhead_bytes >= 0)
			fprintf(out, " +%" PRId64 " bytes", j->overhead_bytes);
	}
	if (j->reenters_ip_after_encap)
		fputs(", passes through IP again after encapsulation", out);
	fputs("\";\n    style=\"rounded\"; color=\"#94a3b8\";\n", out);
	for (int l = 0; l < VX_LANE_COUNT; l++) {
		bool any = false;

		for (size_t k = 0; k < nn; k++)
			any |= nodes[k].lane == (enum vx_lane)l;
		if (!any)
			continue;
		fprintf(out, "    subgraph cluster_g%d_%s {\n    label=\"%s\"; style=\"filled\"; "
			"fillcolor=\"%s\"; color=\"%s\";\n", gid, vx_lane_key(l), vx_lane_title(l),
			lane_fill[l], lane_fill[l]);
		for (size_t k = 0; k < nn; k++)
			if (nodes[k].lane == (enum vx_lane)l)
				write_node(out, gid, k, j, &nodes[k]);
		fputs("    }\n", out);
	}
	for (size_t k = 1; k < nn; k++) {
		fprintf(out, "    g%d_n%zu -> g%d_n%zu", gid, k - 1, gid, k);
		if (vx_flow_reenters(nodes[k - 1].lane, nodes[k].lane))
			fputs(" [class=\"reenter\", label=\"2nd pass through IP (ip_local_out)\", "
			      "color=\"#ea580c\", fontcolor=\"#c2410c\", penwidth=2.5, style=\"dashed\"]", out);
		fputs(";\n", out);
	}
	if (j->nhops > nhops)
		fprintf(out, "    g%d_more [label=\"%zu more hops\", shape=plaintext];\n"
			"    g%d_n%zu -> g%d_more [style=dotted];\n", gid, j->nhops - nhops, gid, nn - 1, gid);
	fputs("  }\n", out);
	free(nodes);
}

static int dot_write(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts)
{
	struct vx_journey_group *groups;
	const struct vx_path **paths;
	size_t ngroups, npaths;
	int max = opts && opts->max_journeys > 0 ? opts->max_journeys : DOT_DEFAULT_GROUPS;
	int gid = 0;

	if (max > DOT_MAX_GROUPS)
		max = DOT_MAX_GROUPS;
	if (vx_journey_groups(an, &groups, &ngroups) < 0)
		return -1;
	if (vx_unjoined_paths(an, &paths, &npaths) < 0) {
		free(groups);
		return -1;
	}
	fputs("// vxanalyze report --format dot: render with  dot -Tsvg -o report.svg\n"
	      "digraph vxanalyze {\n"
	      "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, newrank=true, nodesep=0.25];\n"
	      "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n"
	      "  edge [color=\"#64748b\", fontname=\"Helvetica\", fontsize=10];\n", out);
	for (size_t i = 0; i < ngroups && (int)i < max; i++)
		write_journey(out, groups[i].first, groups[i].count, ++gid, false);
	if (ngroups > (size_t)max)
		fprintf(out, "  // %zu less frequent journey shapes left out (--max-journeys)\n",
			ngroups - (size_t)max);
	for (size_t i = 0; i < npaths && (int)i < max; i++) {
		struct vx_journey j;
		struct vx_hop hop;

		vx_path_journey(paths[i], &j, &hop);
		write_journey(out, &j, paths[i]->count, ++gid, true);
	}
	if (!gid)
		fputs("  empty [label=\"no journeys and no stacks in this capture\", shape=plaintext];\n", out);
	fputs("}\n", out);
	free(groups);
	free(paths);
	if (ferror(out))
		return vx_error("dot report: write error");
	return 0;
}

const struct vx_renderer vx_render_dot = {
	.name = "dot",
	.desc = "Graphviz digraph of the journey shapes across the kernel layers (dot -Tsvg)",
	.write = dot_write,
};
