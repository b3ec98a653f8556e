/* fleet-export.c: a capture's analysis as rows of the fleet's tables, under one batch id
 * (fleet-export.h). Each row is written in RowBinary in the column order of
 * fleet-schema.c; a table's rows go to the sending thread (fleet-send.c) when its buffer
 * passes FLUSH_BYTES, and at the end; once they are all in, the captures row is written.
 * Must not: read the store, or print.
 */
#include "fleet-export.h"
#include "fleet-send.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "report/events.h"
#include "report/join.h"
#include "report/nat.h"

/* a table's rows are sent when they pass this many bytes: a few parts per capture */
#define FLUSH_BYTES (16u << 20)

struct fleet_batch {
	struct fleet_db *db;
	const struct fleet_capture *fc;
	uint64_t id;
	char id_text[20];	/* @id in hex */
	const char *host_key;
	struct strbuf rows[FT_COUNT];
	uint64_t nrows[FT_COUNT];
	uint64_t *path_hash;	/* by path id (1-based), 0 until computed */
	size_t npath_hash;
	struct fleet_sender *sender;	/* sends the full buffers while the analysis goes on */
	struct fleet_export_stats st;
};

int fleet_capture_find(struct fleet_db *db, const struct fleet_capture *fc, char batch[64])
{
	const struct vx_capture *c = fc->c;
	struct strbuf sql = STRBUF_INIT;
	struct ch_result r;
	int ret;

	strbuf_addstr(&sql, "SELECT batch FROM ");
	fleet_table_expr(db, FT_CAPTURES, &sql);
	strbuf_addstr(&sql, " WHERE boot_id = ");
	ch_quote(&sql, c->boot_id ? c->boot_id : "");
	if (!c->boot_id) {
		strbuf_addstr(&sql, " AND host = ");
		ch_quote(&sql, fc->host ? fc->host : "");
	}
	strbuf_addf(&sql, " AND first_ts = %" PRIu64 " AND last_ts = %" PRIu64 " AND events = %" PRIu64 " LIMIT 1",
		    c->first_ts, c->last_ts, c->events);
	ret = ch_select(db->conn, sql.buf, &r);
	strbuf_release(&sql);
	if (ret < 0)
		return -1;
	ret = r.nrows > 0;
	if (ret)
		snprintf(batch, 64, "%016" PRIx64, ch_cell_u64(&r, 0, 0));
	ch_result_release(&r);
	return ret;
}

struct fleet_batch *fleet_batch_begin(struct fleet_db *db, const struct fleet_capture *fc)
{
	struct fleet_batch *b = xcalloc(1, sizeof(*b));

	b->db = db;
	b->fc = fc;
	/* a batch id nobody else picks: 64 random bits (the clock and pid if there are none) */
	if (getrandom(&b->id, sizeof(b->id), 0) != (ssize_t)sizeof(b->id))
		b->id = vx_hash64(VX_HASH_INIT, &(uint64_t[2]){ (uint64_t)time(NULL), (uint64_t)getpid() }, 16);
	b->id |= 1;	/* never 0 */
	snprintf(b->id_text, sizeof(b->id_text), "%016" PRIx64, b->id);
	b->host_key = fc->c->boot_id ? fc->c->boot_id : fc->host ? fc->host : "";
	for (int t = 0; t < FT_COUNT; t++)
		strbuf_init(&b->rows[t], 0);
	return b;
}

const char *fleet_batch_id(const struct fleet_batch *b)
{
	return b->id_text;
}

void fleet_batch_free(struct fleet_batch *b)
{
	if (!b)
		return;
	fleet_sender_free(b->sender);
	for (int t = 0; t < FT_COUNT; t++)
		strbuf_release(&b->rows[t]);
	free(b->path_hash);
	free(b);
}

/* hand table @t's buffered rows to the sending thread (started on the first) */
static int flush(struct fleet_batch *b, enum fleet_table_id t)
{
	if (!b->rows[t].len)
		return 0;
	if (!b->sender && !(b->sender = fleet_sender_start(b->db->conn)))
		return -1;
	return fleet_sender_put(b->sender, t, &b->rows[t]);
}

/* a path's identity across hosts and analyses: its event and frames */
static uint64_t path_hash(struct fleet_batch *b, const struct vx_path *p)
{
	uint64_t h;

	if (!p || p->id <= 0)
		return 0;
	if ((size_t)p->id >= b->npath_hash) {
		size_t n = (size_t)p->id * 2 + 16;

		b->path_hash = xrealloc(b->path_hash, n * sizeof(*b->path_hash));
		memset(b->path_hash + b->npath_hash, 0, (n - b->npath_hash) * sizeof(*b->path_hash));
		b->npath_hash = n;
	}
	if (b->path_hash[p->id])
		return b->path_hash[p->id];
	h = vx_hash64(VX_HASH_INIT, p->event, strlen(p->event) + 1);
	for (size_t f = 0; p->stack && f < p->stack->nframes; f++)
		h = vx_hash64(h, p->stack->frames[f], strlen(p->stack->frames[f]) + 1);
	return b->path_hash[p->id] = h ? h : 1;
}

/* the shape of @j across hosts: its hops' events, devices, lengths and paths */
static uint64_t shape_of(struct fleet_batch *b, const struct vx_journey *j)
{
	uint64_t h = VX_HASH_INIT, n = j->nhops + j->hops_left_out;

	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_hop *hp = &j->hops[i];
		uint64_t p = path_hash(b, hp->path);

		h = vx_hash64(h, hp->event, strlen(hp->event) + 1);
		h = vx_hash64(h, hp->dev ? hp->dev : "", hp->dev ? strlen(hp->dev) + 1 : 1);
		h = vx_hash64(h, &hp->len, sizeof(hp->len));
		h = vx_hash64(h, &p, sizeof(p));
	}
	return vx_hash64(h, &n, sizeof(n));
}

/* the known fields of one IP header (hops: the packet and its inner one) */
static void ip_cols(struct strbuf *sb, const struct vx_ip *ip, bool full)
{
	bool k = ip->known;

	if (full)
		ch_put_u8(sb, k ? (uint8_t)ip->version : 0);
	ch_put_i16(sb, k ? (int16_t)ip->proto : -1);
	ch_put_str(sb, k ? ip->src : "");
	ch_put_str(sb, k ? ip->dst : "");
	ch_put_i32(sb, k ? ip->ip_id : -1);
	if (!full)
		return;
	ch_put_i16(sb, k ? (int16_t)ip->ttl : -1);
	ch_put_i32(sb, k ? ip->sport : -1);
	ch_put_i32(sb, k ? ip->dport : -1);
	ch_put_i16(sb, k ? (int16_t)ip->icmp_type : -1);
	ch_put_i32(sb, k ? ip->icmp_id : -1);
	ch_put_i32(sb, k ? ip->icmp_seq : -1);
	ch_put_i64(sb, k ? ip->tcp_seq : -1);
	ch_put_i16(sb, k ? (int16_t)ip->tcp_flags : -1);
}

/* nat_kind, nat_before, nat_after, nat_function: the rewrite that this hop shows first, or
 * four empty strings */
static void nat_cols(struct strbuf *sb, const struct vx_nat *n)
{
	struct strbuf t = STRBUF_INIT;

	ch_put_str(sb, n ? vx_nat_kind_name(n->kind) : NULL);
	if (n)
		vx_nat_tuple_describe(&n->before, &t);
	ch_put_str(sb, t.buf);
	strbuf_reset(&t);
	if (n)
		vx_nat_tuple_describe(&n->after, &t);
	ch_put_str(sb, t.buf);
	strbuf_release(&t);
	ch_put_str(sb, n ? n->function : NULL);
}

/* one row of hops (fleet-schema.c's hops_cols, in order), and of packets when the hop
 * carries headers (packets_cols) */
static void hop_row(struct fleet_batch *b, const struct vx_journey *j, size_t i, uint64_t jid, uint64_t jkey,
		    uint64_t shape)
{
	const struct vx_hop *h = &j->hops[i];
	const struct vx_lookup *l = h->route;
	const struct vx_packet *p = h->pkt;
	struct strbuf *sb = &b->rows[FT_HOPS];

	ch_put_u64(sb, b->id);
	ch_put_str(sb, b->fc->host);
	ch_put_u64(sb, jid);
	ch_put_u64(sb, jkey);
	ch_put_u64(sb, shape);
	ch_put_u32(sb, (uint32_t)i);
	ch_put_u64(sb, h->ts_ns);
	ch_put_u64(sb, i ? h->ts_ns - j->hops[i - 1].ts_ns : 0);
	ch_put_str(sb, h->event);
	ch_put_str(sb, h->dev);
	ch_put_i64(sb, h->len);
	ch_put_u64(sb, path_hash(b, h->path));
	ch_put_i32(sb, h->rec ? h->rec->cpu : -1);
	ch_put_i32(sb, h->rec ? h->rec->pid : -1);
	ch_put_str(sb, h->rec ? h->rec->comm : NULL);
	ch_put_u16(sb, (uint16_t)h->segment);
	ch_put_i32(sb, l ? l->table : -1);
	ch_put_str(sb, l ? l->src : NULL);
	ch_put_str(sb, l ? l->dst : NULL);
	ch_put_str(sb, l ? l->dev : NULL);
	ch_put_str(sb, l ? l->gw : NULL);
	ch_put_i32(sb, l ? l->err : 0);
	b->nrows[FT_HOPS]++;
	if (!p)
		return;
	sb = &b->rows[FT_PACKETS];
	ch_put_u64(sb, b->id);
	ch_put_str(sb, b->fc->host);
	ch_put_u64(sb, jid);
	ch_put_u64(sb, jkey);
	ch_put_u32(sb, (uint32_t)i);
	nat_cols(sb, h->nat);
	ip_cols(sb, &p->ip, true);
	ch_put_i32(sb, p->vni);
	ip_cols(sb, &p->inner, false);
	ch_put_u64(sb, vx_packet_identity(&p->ip));
	ch_put_u64(sb, vx_packet_identity(&p->inner));
	b->nrows[FT_PACKETS]++;
}

/* links.kind, .role, .journey, .hop, .function: one array each, an element per link (as
 * report's journeys[].links; the other journey by its `journey`, 0 when it is none) */
static void links_cols(struct strbuf *sb, const struct vx_journey *j)
{
	ch_put_len(sb, j->nlinks);
	for (size_t i = 0; i < j->nlinks; i++)
		ch_put_str(sb, vx_link_kind_name(j->links[i].kind));
	ch_put_len(sb, j->nlinks);
	for (size_t i = 0; i < j->nlinks; i++)
		ch_put_str(sb, j->links[i].child ? "child" : "parent");
	ch_put_len(sb, j->nlinks);
	for (size_t i = 0; i < j->nlinks; i++)
		ch_put_u64(sb, (uint64_t)j->links[i].other_first_id);
	ch_put_len(sb, j->nlinks);
	for (size_t i = 0; i < j->nlinks; i++)
		ch_put_u32(sb, j->links[i].hop >= 0 ? (uint32_t)j->links[i].hop : UINT32_MAX);
	ch_put_len(sb, j->nlinks);
	for (size_t i = 0; i < j->nlinks; i++)
		ch_put_str(sb, j->links[i].function);
}

/* one row of journeys (journeys_cols, in order) */
static void journey_row(struct fleet_batch *b, const struct vx_journey *j, uint64_t jid, uint64_t jkey,
			uint64_t shape)
{
	static const struct vx_ip none;
	struct strbuf *sb = &b->rows[FT_JOURNEYS], desc = STRBUF_INIT;
	uint64_t ids[2 * VX_JOURNEY_MAX_HOPS];
	size_t nids = vx_journey_identities(j, ids);
	const struct vx_packet *first = NULL;
	const struct vx_ip *ip;

	for (size_t i = 0; i < j->nhops && !first; i++)
		if (j->hops[i].pkt && j->hops[i].pkt->ip.known)
			first = j->hops[i].pkt;
	ip = first ? &first->ip : &none;
	ch_put_u64(sb, b->id);
	ch_put_str(sb, b->fc->host);
	ch_put_str(sb, b->host_key);
	ch_put_u64(sb, jid);
	ch_put_u64(sb, jkey);
	ch_put_u64(sb, j->skb);
	ch_put_u64(sb, j->hops[0].ts_ns);
	ch_put_u64(sb, j->hops[j->nhops - 1].ts_ns);
	ch_put_u64(sb, j->hops[vx_join_send_hop(j)].ts_ns);
	ch_put_u8(sb, vx_event_is_arrival(j->hops[0].event));
	ch_put_u32(sb, (uint32_t)j->nhops);
	ch_put_u32(sb, (uint32_t)j->hops_left_out);
	ch_put_u64(sb, shape);
	/* as report's journeys[].end (the verdict) and end_rule (how the journey rule saw it end) */
	ch_put_str(sb, vx_verdict_name(j->verdict.kind));
	ch_put_str(sb, vx_journey_end_name(j->end));
	ch_put_str(sb, j->encap);
	ch_put_str(sb, j->tunnel_dev);
	ch_put_i32(sb, (int32_t)j->overhead_bytes);
	ch_put_u8(sb, j->reenters_ip_after_encap);
	ch_put_u16(sb, (uint16_t)j->nsegments);
	ch_put_u8(sb, j->drop != NULL);
	ch_put_str(sb, j->drop ? j->drop->reason : NULL);
	ch_put_str(sb, j->drop ? j->drop->location : NULL);
	ch_put_len(sb, nids);
	for (size_t i = 0; i < nids; i++)
		ch_put_u64(sb, ids[i]);
	if (first)
		vx_packet_describe(first, &desc);
	ch_put_str(sb, desc.buf);
	strbuf_release(&desc);
	ch_put_i16(sb, ip->known ? (int16_t)ip->proto : -1);
	ch_put_str(sb, ip->known ? ip->src : "");
	ch_put_str(sb, ip->known ? ip->dst : "");
	ch_put_i32(sb, ip->known ? ip->sport : -1);
	ch_put_i32(sb, ip->known ? ip->dport : -1);
	ch_put_i32(sb, ip->known ? ip->ip_id : -1);
	ch_put_i32(sb, ip->known ? ip->icmp_id : -1);
	ch_put_i32(sb, ip->known ? ip->icmp_seq : -1);
	ch_put_i64(sb, ip->known ? ip->tcp_seq : -1);
	links_cols(sb, j);
	b->nrows[FT_JOURNEYS]++;
}

/* one row of drops (drops_cols, in order) */
static void drop_row(struct fleet_batch *b, const struct vx_journey *j, uint64_t jid, uint64_t jkey)
{
	const struct vx_drop *d = j->drop;
	const struct vx_lookup *l = d->lookup;
	struct strbuf *sb = &b->rows[FT_DROPS], text = STRBUF_INIT;

	ch_put_u64(sb, b->id);
	ch_put_str(sb, b->fc->host);
	ch_put_u64(sb, jid);
	ch_put_u64(sb, jkey);
	ch_put_u64(sb, d->to ? d->to : j->hops[j->nhops - 1].ts_ns);
	ch_put_str(sb, d->reason);
	ch_put_str(sb, d->location);
	ch_put_i32(sb, d->cpu);
	ch_put_i32(sb, l ? l->table : -1);
	ch_put_i32(sb, l ? l->err : 0);
	ch_put_str(sb, l ? l->src : NULL);
	ch_put_str(sb, l ? l->dst : NULL);
	vx_drop_describe(d, &text);
	ch_put_str(sb, text.buf);
	strbuf_release(&text);
	b->nrows[FT_DROPS]++;
}

int fleet_batch_journey(void *arg, const struct vx_journey *j)
{
	struct fleet_batch *b = arg;
	uint64_t jid, jkey, shape;

	if (!j->nhops)
		return 0;
	jid = j->hops[0].rec ? (uint64_t)j->hops[0].rec->id : j->hops[0].ts_ns;
	jkey = vx_hash64(vx_hash64(VX_HASH_INIT, &b->id, sizeof(b->id)), &jid, sizeof(jid));
	shape = shape_of(b, j);
	journey_row(b, j, jid, jkey, shape);
	for (size_t i = 0; i < j->nhops; i++)
		hop_row(b, j, i, jid, jkey, shape);
	/* a drop that a delivered clone excuses is not one (report's drops) */
	if (j->drop && j->verdict.kind == VX_VERDICT_DROPPED)
		drop_row(b, j, jid, jkey);
	for (int t = FT_JOURNEYS; t < FT_COUNT; t++)
		if (b->rows[t].len >= FLUSH_BYTES && flush(b, (enum fleet_table_id)t) < 0)
			return -1;
	return 0;
}

/* the rows of paths and routes (paths_cols, routes_cols, in order) */
static void analysis_rows(struct fleet_batch *b, const struct vx_analysis *an)
{
	struct strbuf *sb = &b->rows[FT_PATHS];

	for (size_t i = 0; i < an->npaths; i++) {
		const struct vx_path *p = &an->paths[i];
		size_t nf = p->stack ? p->stack->nframes : 0;

		ch_put_u64(sb, b->id);
		ch_put_str(sb, b->fc->host);
		ch_put_u64(sb, path_hash(b, p));
		ch_put_str(sb, p->event);
		ch_put_u64(sb, p->count);
		ch_put_len(sb, nf);
		for (size_t f = 0; f < nf; f++)
			ch_put_str(sb, p->stack->frames[f]);
		ch_put_len(sb, nf);
		for (size_t f = 0; f < nf; f++)
			ch_put_str(sb, vx_layer_name(p->layers[f]));
		ch_put_i32(sb, p->ip_passes);
		ch_put_str(sb, p->encap);
		ch_put_u8(sb, p->reenters_ip_after_encap);
		ch_put_u8(sb, p->in_journey);
		b->nrows[FT_PATHS]++;
	}
	sb = &b->rows[FT_ROUTES];
	for (size_t i = 0; i < an->nroutes; i++) {
		const struct vx_route *q = &an->routes[i];

		ch_put_u64(sb, b->id);
		ch_put_str(sb, b->fc->host);
		ch_put_i32(sb, q->id);
		ch_put_u64(sb, q->ts_ns);
		ch_put_i32(sb, q->pid);
		ch_put_str(sb, q->comm);
		ch_put_str(sb, q->op);
		ch_put_str(sb, q->family);
		ch_put_str(sb, q->gateway);
		ch_put_str(sb, q->dev);
		ch_put_i32(sb, q->table);
		ch_put_str(sb, vx_route_class_name(q->class));
		ch_put_u8(sb, q->has_err);
		ch_put_i64(sb, q->err);
		ch_put_str(sb, q->extack);
		ch_put_u64(sb, path_hash(b, q->path));
		ch_put_u32(sb, (uint32_t)q->nevents);
		b->nrows[FT_ROUTES]++;
	}
}

/* the one row of captures (captures_cols, in order): it makes the batch visible */
static void capture_row(struct fleet_batch *b)
{
	const struct fleet_capture *fc = b->fc;
	const struct vx_capture *c = fc->c;
	struct strbuf *sb = &b->rows[FT_CAPTURES];

	ch_put_u64(sb, b->id);
	ch_put_str(sb, fc->host);
	ch_put_str(sb, b->host_key);
	ch_put_str(sb, c->boot_id);
	ch_put_str(sb, c->kernel_release);
	ch_put_str(sb, c->source);
	ch_put_str(sb, c->format);
	ch_put_str(sb, fc->clock);
	ch_put_i64(sb, c->id);
	ch_put_str(sb, fc->database);
	ch_put_str(sb, c->imported_at);
	ch_put_u32(sb, (uint32_t)time(NULL));
	ch_put_u64(sb, c->first_ts);
	ch_put_u64(sb, c->last_ts);
	ch_put_u64(sb, c->events);
	ch_put_u64(sb, c->lost_events);
	ch_put_u64(sb, c->skipped);
	ch_put_u8(sb, c->truncated);
	ch_put_str(sb, c->filter);
	ch_put_u64(sb, c->filtered);
	ch_put_u64(sb, b->nrows[FT_JOURNEYS]);
	ch_put_u64(sb, b->nrows[FT_HOPS]);
	ch_put_u64(sb, b->nrows[FT_DROPS]);
	b->nrows[FT_CAPTURES]++;
}

int fleet_batch_finish(struct fleet_batch *b, const struct vx_analysis *an, struct fleet_export_stats *st)
{
	struct strbuf cols = STRBUF_INIT;
	int ret;

	analysis_rows(b, an);
	for (int t = FT_JOURNEYS; t < FT_COUNT; t++)
		if (flush(b, (enum fleet_table_id)t) < 0)
			return -1;
	if (b->sender && fleet_sender_finish(b->sender, &b->st.insert_secs, &b->st.bytes) < 0)
		return -1;
	/* everything else is in: now the capture, which makes it visible */
	capture_row(b);
	fleet_columns(FT_CAPTURES, &cols);
	ret = ch_insert(b->db->conn, fleet_tables[FT_CAPTURES].name, cols.buf, b->rows[FT_CAPTURES].buf,
			b->rows[FT_CAPTURES].len, true, NULL);
	strbuf_release(&cols);
	if (ret < 0)
		return -1;
	b->st.journeys = b->nrows[FT_JOURNEYS];
	b->st.hops = b->nrows[FT_HOPS];
	b->st.drops = b->nrows[FT_DROPS];
	b->st.routes = b->nrows[FT_ROUTES];
	b->st.paths = b->nrows[FT_PATHS];
	*st = b->st;
	return 0;
}
