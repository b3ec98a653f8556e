/* render-json.c: the JSON report, a contract for later tools and tests:
 * {captures:[...], paths:[...], journeys:[...], journeys_total, journeys_left_out,
 * shapes:[...], other_shape_journeys, joined_journeys:[...], routes:[...]} — field names are
 * stable; add, never
 * rename. journeys lists the first --max-journeys (default 1000) in time order; with captures
 * of several hosts, the first --max-journeys of each host.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "flow.h"
#include "render.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

static void write_captures(struct json_writer *w, const struct vx_analysis *an)
{
	const struct vx_dataset *ds = an->ds;

	jw_key(w, "captures");
	jw_start_array(w);
	for (size_t i = 0; i < ds->ncaptures; i++) {
		const struct vx_capture *c = &ds->captures[i];

		jw_start_object(w);
		jw_kint(w, "id", c->id);
		jw_kstring(w, "source", c->source);
		jw_kstring(w, "format", c->format);
		jw_kstring(w, "kernel_release", c->kernel_release);
		jw_kuint(w, "events", c->events);
		jw_kuint(w, "lost_events", c->lost_events);
		jw_kuint(w, "skipped", c->skipped);
		jw_kbool(w, "truncated", c->truncated);
		jw_kuint(w, "first_ts_ns", c->first_ts);
		jw_kuint(w, "last_ts_ns", c->last_ts);
		jw_kstring(w, "imported_at", c->imported_at);
		/* record/import --filter: the expression (null without one) and the events it
		 * left out, which are not lost_events */
		jw_kstring(w, "filter", c->filter);
		jw_kuint(w, "filtered_events", c->filtered);
		/* two hosts, one journey: which host, and its clock against the first host's */
		jw_kstring(w, "host", c->host);
		jw_kstring(w, "boot_id", c->boot_id);
		{
			int h = an->join.capture_host ? an->join.capture_host[i] : -1;
			const struct vx_host_clock *hc = h >= 0 ? &an->join.hosts[h] : NULL;

			if (hc && hc->known) {
				jw_kint(w, "clock_offset_ns", hc->offset_ns);
				jw_kint(w, "clock_uncertainty_ns", hc->uncertainty_ns);
			} else {
				jw_key(w, "clock_offset_ns");
				jw_null(w);
				jw_key(w, "clock_uncertainty_ns");
				jw_null(w);
			}
			/* with several hosts: where the host's kept journeys start on its own clock
			 * when its window was aligned on the others' (null: from its first journey) */
			if (an->join.nhosts > 1) {
				jw_key(w, "kept_from_ns");
				if (hc && hc->kept_from)
					jw_uint(w, hc->kept_from_ns);
				else
					jw_null(w);
			}
		}
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void write_paths(struct json_writer *w, const struct vx_analysis *an)
{
	jw_key(w, "paths");
	jw_start_array(w);
	for (size_t i = 0; i < an->npaths; i++) {
		const struct vx_path *p = &an->paths[i];

		jw_start_object(w);
		jw_kint(w, "id", p->id);
		jw_kuint(w, "count", p->count);
		jw_kstring(w, "event", p->event);
		jw_key(w, "frames");
		jw_start_array(w);
		for (size_t f = 0; f < p->stack->nframes; f++)
			jw_string(w, p->stack->frames[f]);
		jw_end_array(w);
		jw_key(w, "layers");
		jw_start_array(w);
		for (size_t f = 0; f < p->stack->nframes; f++)
			jw_string(w, vx_layer_name(p->layers[f]));
		jw_end_array(w);
		jw_kint(w, "ip_passes", p->ip_passes);
		jw_kstring(w, "encap", p->encap);
		jw_kbool(w, "reenters_ip_after_encap", p->reenters_ip_after_encap);
		jw_end_object(w);
	}
	jw_end_array(w);
}

/* a route lookup as {table, table_name, src, dst, proto, sport, dport, dev, gw, err,
 * verdict}, or null */
static void write_lookup(struct json_writer *w, const struct vx_lookup *l)
{
	char num[16];

	if (!l) {
		jw_null(w);
		return;
	}
	jw_start_object(w);
	jw_kint(w, "table", l->table);
	jw_kstring(w, "table_name", vx_route_table_name(l->table, num, sizeof(num)));
	jw_kstring(w, "src", l->src);
	jw_kstring(w, "dst", l->dst);
	jw_kint(w, "proto", l->proto);
	jw_kint(w, "sport", l->sport);
	jw_kint(w, "dport", l->dport);
	jw_kstring(w, "dev", l->dev);
	jw_kstring(w, "gw", l->gw);
	jw_kint(w, "err", l->err);
	jw_kstring(w, "verdict", l->err ? vx_route_err_meaning(l->err) : "routed");
	jw_end_object(w);
}

/* the known fields of one IP packet's identity */
static void write_ip(struct json_writer *w, const struct vx_ip *ip)
{
	static const char *const l4[] = { "sport", "dport", "icmp_type", "icmp_id", "icmp_seq", "tcp_flags" };
	const int v[] = { ip->sport, ip->dport, ip->icmp_type, ip->icmp_id, ip->icmp_seq, ip->tcp_flags };

	jw_kint(w, "proto", ip->proto);
	if (ip->version == 6)	/* added: IPv6 packets say so; proto is the next header */
		jw_kint(w, "ip_version", 6);
	jw_kstring(w, "src", ip->src);
	jw_kstring(w, "dst", ip->dst);
	if (ip->ip_id >= 0)
		jw_kint(w, "ip_id", ip->ip_id);
	if (ip->ttl >= 0)
		jw_kint(w, "ttl", ip->ttl);
	for (size_t i = 0; i < sizeof(l4) / sizeof(l4[0]); i++)
		if (v[i] >= 0)
			jw_kint(w, l4[i], v[i]);
	if (ip->tcp_seq >= 0)
		jw_kint(w, "tcp_seq", ip->tcp_seq);
}

/* hops[].pkt: {proto, src, dst, ip_id, ttl, ports or icmp or tcp fields, vni, inner}, or null */
static void write_packet(struct json_writer *w, const struct vx_packet *p)
{
	if (!p || !p->ip.known) {
		jw_null(w);
		return;
	}
	jw_start_object(w);
	write_ip(w, &p->ip);
	if (p->vni >= 0)
		jw_kint(w, "vni", p->vni);
	if (p->inner.known) {
		jw_key(w, "inner");
		jw_start_object(w);
		write_ip(w, &p->inner);
		jw_end_object(w);
	}
	jw_end_object(w);
}

static void write_int_or_null(struct json_writer *w, const char *key, int64_t v)
{
	jw_key(w, key);
	if (v >= 0)
		jw_int(w, v);
	else
		jw_null(w);
}

static void write_hop_ref(struct json_writer *w, const struct vx_hop *hp)
{
	jw_kstring(w, "event", hp->event);
	jw_kstring(w, "dev", hp->dev);
	if (hp->len >= 0)
		jw_kint(w, "len", hp->len);
	else {
		jw_key(w, "len");
		jw_null(w);
	}
	if (hp->path)
		jw_kint(w, "path_id", hp->path->id);
	else {
		jw_key(w, "path_id");
		jw_null(w);
	}
}

/* journeys[].hosts (every host of its joined journey, or its own), joined_id, partial (a
 * report of several hosts, and this journey's other half not found), join_ambiguous */
static void write_journey_hosts(struct json_writer *w, const struct vx_analysis *an,
				const struct vx_journey *j, const char *host)
{
	const struct vx_joined *jd = j->joined ? &an->join.joined[j->joined - 1] : NULL;

	jw_key(w, "hosts");
	jw_start_array(w);
	if (jd) {
		for (size_t i = 0; i < jd->nparts; i++)
			jw_string(w, vx_join_host_name(an, jd->host[i]));
	} else if (host) {
		jw_string(w, host);
	}
	jw_end_array(w);
	jw_key(w, "joined_id");
	if (jd)
		jw_int(w, jd->id);
	else
		jw_null(w);
	jw_kbool(w, "partial", !jd && an->join.nhosts >= 2);
	jw_kbool(w, "join_ambiguous", j->join_ambiguous);
}

static void write_clock_ns(struct json_writer *w, const char *key, bool known, int64_t v)
{
	if (known) {
		jw_kint(w, key, v);
	} else {
		jw_key(w, key);
		jw_null(w);
	}
}

/* joined_journeys: one packet across hosts, its parts sender first, one time line (the
 * reference host's clock), the wire between parts */
static void write_joined(struct json_writer *w, const struct vx_analysis *an)
{
	const struct vx_join *jn = &an->join;

	jw_key(w, "joined_journeys");
	jw_start_array(w);
	for (size_t k = 0; k < jn->njoined; k++) {
		const struct vx_joined *jd = &jn->joined[k];

		jw_start_object(w);
		jw_kint(w, "id", jd->id);
		jw_kstring(w, "match", jd->inferred ? "inferred" : "headers");
		jw_kbool(w, "ordered", jd->ordered);
		jw_key(w, "hosts");
		jw_start_array(w);
		for (size_t i = 0; i < jd->nparts; i++)
			jw_string(w, vx_join_host_name(an, jd->host[i]));
		jw_end_array(w);
		jw_key(w, "journey_ids");
		jw_start_array(w);
		for (size_t i = 0; i < jd->nparts; i++)
			jw_int(w, jd->parts[i]->id);
		jw_end_array(w);
		jw_key(w, "pkt");
		write_packet(w, jd->pkt);
		jw_key(w, "hops");
		jw_start_array(w);
		for (size_t i = 0; i < jd->nparts; i++) {
			const struct vx_journey *j = jd->parts[i];
			const char *host = vx_join_host_name(an, jd->host[i]);

			if (i) {
				jw_start_object(w);
				jw_kstring(w, "event", "wire");
				jw_kstring(w, "host", NULL);
				jw_key(w, "from");
				jw_string(w, vx_join_host_name(an, jd->host[i - 1]));
				jw_key(w, "to");
				jw_string(w, host);
				write_clock_ns(w, "one_way_ns", jd->wire_known[i], jd->wire_ns[i]);
				write_clock_ns(w, "uncertainty_ns", jd->wire_known[i], jd->wire_unc_ns[i]);
				jw_end_object(w);
			}
			for (size_t h = 0; h < j->nhops; h++) {
				const struct vx_hop *hp = &j->hops[h];

				jw_start_object(w);
				jw_kuint(w, "ts_ns", hp->ts_ns);
				jw_kint(w, "aligned_ts_ns", vx_join_aligned(an, jd->host[i], hp->ts_ns));
				jw_kstring(w, "host", host);
				jw_kint(w, "journey_id", j->id);
				write_hop_ref(w, hp);
				jw_key(w, "pkt");
				write_packet(w, hp->pkt);
				jw_end_object(w);
			}
		}
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_kuint(w, "journeys_join_ambiguous", jn->ambiguous);
	jw_kuint(w, "journeys_inferred_apart", jn->inferred_apart);
}

/* whether kept journey @i is listed: the first @max, or with several hosts the first @max
 * of each host (as the analysis keeps them), so that joined journeys list both halves;
 * @seen counts by host (nhosts + 1: no known host last) */
static bool journey_listed(const struct vx_analysis *an, size_t i, size_t max, size_t *seen)
{
	int h;

	if (an->join.nhosts < 2)
		return i < max;
	h = vx_join_host_of(an, an->journeys[i].capture_id);
	return seen[h < 0 ? an->join.nhosts : (size_t)h]++ < max;
}

/* hops[].nat: {kind, before, after, function}, or null */
static void write_tuple(struct json_writer *w, const char *key, const struct vx_tuple *t)
{
	jw_key(w, key);
	jw_start_object(w);
	jw_kstring(w, "src", t->src);
	jw_kstring(w, "dst", t->dst);
	write_int_or_null(w, "sport", t->sport);
	write_int_or_null(w, "dport", t->dport);
	if (t->icmp_id >= 0)
		jw_kint(w, "icmp_id", t->icmp_id);
	jw_end_object(w);
}

static void write_nat(struct json_writer *w, const struct vx_nat *n)
{
	if (!n) {
		jw_null(w);
		return;
	}
	jw_start_object(w);
	jw_kstring(w, "kind", vx_nat_kind_name(n->kind));
	write_tuple(w, "before", &n->before);
	write_tuple(w, "after", &n->after);
	jw_kstring(w, "function", n->function);
	jw_end_object(w);
}

/* how it ended: end (the verdict), end_rule (freed was seen, the others inferred),
 * reuse_rule, end_hop, end_where, delivered_to, via_clone; and its links */
static void write_end(struct json_writer *w, const struct vx_journey *j)
{
	const struct vx_verdict *v = &j->verdict;

	jw_kstring(w, "end", vx_verdict_name(v->kind));
	jw_kstring(w, "end_rule", vx_journey_end_name(j->end));
	jw_kstring(w, "reuse_rule", j->end_rule);
	write_int_or_null(w, "end_hop", v->hop);
	jw_kstring(w, "end_where", v->where);
	jw_key(w, "delivered_to");
	if (v->kind == VX_VERDICT_DELIVERED && v->comm) {
		jw_start_object(w);
		jw_kint(w, "pid", v->pid);
		jw_kstring(w, "comm", v->comm);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	jw_kbool(w, "delivered_locally", v->kind == VX_VERDICT_DELIVERED && v->local);
	jw_kbool(w, "via_clone", v->via_clone);
	jw_kbool(w, "from_command", j->mine);
	jw_key(w, "links");
	jw_start_array(w);
	for (size_t i = 0; i < j->nlinks; i++) {
		const struct vx_link *l = &j->links[i];

		jw_start_object(w);
		jw_kstring(w, "kind", vx_link_kind_name(l->kind));
		jw_kstring(w, "role", l->child ? "child" : "parent");
		write_int_or_null(w, "journey_id", l->journey_id ? l->journey_id : -1);
		write_int_or_null(w, "hop", l->hop);
		write_int_or_null(w, "other_hop", l->other_hop);
		jw_kstring(w, "function", l->function);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void write_journeys(struct json_writer *w, const struct vx_analysis *an, size_t max)
{
	size_t n = 0, *seen = xcalloc(an->join.nhosts + 1, sizeof(*seen));
	char skb[32];

	jw_key(w, "journeys");
	jw_start_array(w);
	for (size_t i = 0; i < an->njourneys; i++) {
		const struct vx_journey *j = &an->journeys[i];

		if (!journey_listed(an, i, max, seen))
			continue;
		n++;

		jw_start_object(w);
		jw_kint(w, "id", j->id);
		jw_kint(w, "capture_id", j->capture_id);
		snprintf(skb, sizeof(skb), "0x%" PRIx64, j->skb);
		jw_kstring(w, "skb", skb);
		const char *host = vx_join_host_name(an, vx_join_host_of(an, j->capture_id));

		jw_key(w, "hops");
		jw_start_array(w);
		for (size_t h = 0; h < j->nhops; h++) {
			const struct vx_hop *hp = &j->hops[h];

			jw_start_object(w);
			jw_kuint(w, "ts_ns", hp->ts_ns);
			jw_kstring(w, "host", host);
			write_hop_ref(w, hp);
			jw_key(w, "route");
			write_lookup(w, hp->route);
			jw_key(w, "pkt");
			write_packet(w, hp->pkt);
			jw_key(w, "nat");
			write_nat(w, hp->nat);
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_kstring(w, "encap", j->encap);
		jw_kstring(w, "tunnel_dev", j->tunnel_dev);
		if (j->overhead_bytes >= 0)
			jw_kint(w, "overhead_bytes", j->overhead_bytes);
		else {
			jw_key(w, "overhead_bytes");
			jw_null(w);
		}
		jw_kbool(w, "reenters_ip_after_encap", j->reenters_ip_after_encap);
		write_journey_hosts(w, an, j, host);
		if (j->hops_left_out)
			jw_kuint(w, "hops_left_out", j->hops_left_out);
		write_end(w, j);
		jw_key(w, "drop");
		if (j->drop) {
			jw_start_object(w);
			jw_kstring(w, "reason", j->drop->reason);
			jw_kstring(w, "location", j->drop->location);
			jw_key(w, "route");
			write_lookup(w, j->drop->lookup);
			jw_end_object(w);
		} else {
			jw_null(w);
		}
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_kuint(w, "journeys_total", vx_analysis_journeys_total(an));
	jw_kuint(w, "journeys_left_out", vx_analysis_journeys_total(an) - n);
	free(seen);
}

/* verdicts: every counted journey by how it ended; commands: each recorded command's
 * packets, the line the text report opens with and its rows */
static void write_verdicts(struct json_writer *w, const struct vx_analysis *an)
{
	jw_key(w, "verdicts");
	jw_start_object(w);
	for (int k = 0; k < VX_VERDICT_COUNT; k++)
		jw_kuint(w, vx_verdict_name((enum vx_verdict_kind)k), an->verdicts[k]);
	jw_end_object(w);
	jw_key(w, "commands");
	jw_start_array(w);
	for (size_t i = 0; i < an->ncommands; i++) {
		const struct vx_recorded_cmd *c = &an->commands[i];
		struct strbuf sb = STRBUF_INIT;

		jw_start_object(w);
		jw_kint(w, "capture_id", c->capture_id);
		jw_kstring(w, "command", c->line);
		jw_key(w, "pids");
		jw_start_array(w);
		for (size_t p = 0; p < c->npids; p++)
			jw_int(w, c->pids[p]);
		jw_end_array(w);
		vx_command_line(an, c, &sb);
		jw_kstring(w, "summary", sb.buf);
		strbuf_release(&sb);
		jw_key(w, "packets");
		jw_start_array(w);
		for (size_t r = 0; r < an->nmine; r++) {
			const struct vx_mine_row *m = &an->mine[r];

			if (m->capture_id != c->capture_id || !m->count)
				continue;
			jw_start_object(w);
			jw_kstring(w, "what", m->what);
			jw_kstring(w, "end", vx_verdict_name(m->verdict));
			jw_kstring(w, "where", *m->where ? m->where : NULL);
			jw_kuint(w, "count", m->count);
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void write_drops(struct json_writer *w, const struct vx_analysis *an)
{
	jw_key(w, "drops");
	jw_start_array(w);
	for (size_t i = 0; i < an->ndrops; i++) {
		jw_start_object(w);
		jw_kstring(w, "reason", an->drops[i].reason);
		jw_kstring(w, "location", an->drops[i].location);
		jw_kuint(w, "count", an->drops[i].count);
		jw_end_object(w);
	}
	jw_end_array(w);
}

/* shapes: one entry per way the journeys took, with each hop's latency distribution */
static int write_shapes(struct json_writer *w, const struct vx_analysis *an)
{
	struct vx_journey_group *g;
	size_t ng;

	if (vx_journey_groups(an, &g, &ng) < 0)
		return -1;
	jw_key(w, "shapes");
	jw_start_array(w);
	for (size_t i = 0; i < ng; i++) {
		const struct vx_journey *j = g[i].first;
		const struct vx_shape *s = g[i].agg;

		jw_start_object(w);
		jw_kint(w, "id", (int64_t)i + 1);
		jw_kuint(w, "count", g[i].count);
		jw_kint(w, "first_journey_id", j->id);
		jw_key(w, "hops");
		jw_start_array(w);
		for (size_t h = 0; h < j->nhops; h++) {
			static const struct { const char *key; double q; } qs[] = {
				{ "p50_ns", 0.5 }, { "p90_ns", 0.9 }, { "p99_ns", 0.99 }, { "max_ns", 1.0 },
			};

			jw_start_object(w);
			write_hop_ref(w, &j->hops[h]);
			for (size_t q = 0; q < sizeof(qs) / sizeof(qs[0]); q++) {
				if (s && h >= 1 && h < s->nhist && s->hist[h].n)
					jw_kuint(w, qs[q].key, vx_hist_quantile(&s->hist[h], qs[q].q));
				else if (!s && h >= 1 && g[i].count == 1)
					jw_kuint(w, qs[q].key, j->hops[h].ts_ns - j->hops[h - 1].ts_ns);
				else {
					jw_key(w, qs[q].key);
					jw_null(w);
				}
			}
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_kstring(w, "encap", j->encap);
		jw_kbool(w, "reenters_ip_after_encap", j->reenters_ip_after_encap);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_kuint(w, "other_shape_journeys", an->other_shape_journeys);
	free(g);
	return 0;
}

static void write_routes(struct json_writer *w, const struct vx_analysis *an)
{
	jw_key(w, "routes");
	jw_start_array(w);
	for (size_t i = 0; i < an->nroutes; i++) {
		const struct vx_route *q = &an->routes[i];

		jw_start_object(w);
		jw_kint(w, "id", q->id);
		jw_kint(w, "capture_id", q->capture_id);
		jw_kuint(w, "ts_ns", q->ts_ns);
		jw_kint(w, "pid", q->pid);
		jw_kstring(w, "comm", q->comm);
		jw_kstring(w, "op", q->op);
		jw_kstring(w, "family", q->family);
		jw_kstring(w, "gateway", q->gateway);
		jw_kstring(w, "dev", q->dev);
		jw_key(w, "table");
		if (q->table >= 0)
			jw_int(w, q->table);
		else
			jw_null(w);
		jw_kstring(w, "class", vx_route_class_name(q->class));
		jw_key(w, "err");
		if (q->has_err)
			jw_int(w, q->err);
		else
			jw_null(w);
		jw_kstring(w, "extack", q->extack);
		jw_key(w, "path_id");
		if (q->path)
			jw_int(w, q->path->id);
		else
			jw_null(w);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static int json_write(FILE *out, const struct vx_analysis *an, const struct vx_render_opts *opts)
{
	struct json_writer *w = jw_new_file(out, true);

	jw_start_object(w);
	write_captures(w, an);
	write_paths(w, an);
	write_journeys(w, an, opts && opts->max_journeys > 0 ? (size_t)opts->max_journeys :
			   VX_ANALYSIS_MAX_JOURNEYS);
	if (write_shapes(w, an) < 0) {
		jw_destroy(w);
		return -1;
	}
	write_joined(w, an);
	write_routes(w, an);
	write_drops(w, an);
	write_verdicts(w, an);
	/* what the reader must know before trusting the rest */
	jw_key(w, "warnings");
	jw_start_array(w);
	if (vx_analysis_blind(an))
		jw_string(w, vx_analysis_blind(an));
	if (vx_analysis_unfollowed(an))
		jw_string(w, vx_analysis_unfollowed(an));
	if (an->segments_unfollowed)
		jw_string(w, vx_analysis_segments_unfollowed());
	jw_end_array(w);
	jw_end_object(w);
	jw_destroy(w);
	return ferror(out) ? -1 : 0;
}

const struct vx_renderer vx_render_json = {
	.name = "json",
	.desc = "the whole analysis as one JSON object (captures, paths, journeys)",
	.write = json_write,
};
