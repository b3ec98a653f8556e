/* fleet-query.c: the fleet report's SQL (fleet-query.h). Each figure is one query (or, for
 * the joins, a few temporary tables in one server session); C only copies the answers.
 * Every query reads the batches named in `captures` (fleet-export.h), so a capture being
 * written is never counted. Must not: compute a figure in C, or print.
 */
#include "fleet-query.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

#define DEFAULT_SHAPES 5
#define DEFAULT_JOINED 100
#define DEFAULT_SLOWEST 20

struct fq {
	struct fleet_db *db;
	struct fleet_report *rep;
	size_t max_shapes, max_joined, max_slowest;
	struct strbuf t[FT_COUNT];	/* how each table is named (fleet_table_expr) */
	struct strbuf hosts;		/* the host condition on captures: "1", or match(host, ...) */
	struct strbuf b;		/* the batch condition of every other table */
};

#define T(q, id) ((q)->t[id].buf)

void fleet_glob_regex(const char *glob, struct strbuf *sb)
{
	strbuf_addch(sb, '^');
	for (const char *p = glob; *p; p++) {
		if (*p == '*') {
			strbuf_addstr(sb, ".*");
		} else if (*p == '?') {
			strbuf_addch(sb, '.');
		} else if (*p == '[' && strchr(p + 1, ']')) {
			const char *e = strchr(p + 1, ']');

			strbuf_addch(sb, '[');
			if (p[1] == '!') {
				strbuf_addch(sb, '^');
				p++;
			}
			for (p++; p < e; p++) {
				if (*p == '\\' || *p == '[' || *p == '^')
					strbuf_addch(sb, '\\');
				strbuf_addch(sb, *p);
			}
			strbuf_addch(sb, ']');
		} else {
			if (strchr("\\.+()[]{}^$|?*", *p))
				strbuf_addch(sb, '\\');
			strbuf_addch(sb, *p);
		}
	}
	strbuf_addch(sb, '$');
}

/* run a statement that answers nothing */
static int q_run(struct fq *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int q_run(struct fq *q, const char *fmt, ...)
{
	struct strbuf sql = STRBUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	strbuf_vaddf(&sql, fmt, ap);
	va_end(ap);
	ret = ch_query(q->db->conn, sql.buf, NULL);
	strbuf_release(&sql);
	return ret;
}

/* run a SELECT of @ncols columns into @r */
static int q_sel(struct fq *q, struct ch_result *r, size_t ncols, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int q_sel(struct fq *q, struct ch_result *r, size_t ncols, const char *fmt, ...)
{
	struct strbuf sql = STRBUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	strbuf_vaddf(&sql, fmt, ap);
	va_end(ap);
	ret = ch_select(q->db->conn, sql.buf, r);
	strbuf_release(&sql);
	if (!ret && r->nrows && r->ncols != ncols) {
		size_t got = r->ncols;

		ch_result_release(r);
		return vx_error("%s: an answer of %zu columns where %zu were asked", ch_name(q->db->conn), got, ncols);
	}
	return ret;
}

static const char *dup(struct fq *q, const struct ch_result *r, size_t row, size_t col)
{
	return arena_strdup(&q->rep->arena, ch_cell(r, row, col));
}

/* a batch id as export prints it: 16 hex digits */
static const char *dup_batch(struct fq *q, const struct ch_result *r, size_t row, size_t col)
{
	char b[20];

	snprintf(b, sizeof(b), "%016llx", (unsigned long long)ch_cell_u64(r, row, col));
	return arena_strdup(&q->rep->arena, b);
}

static void *alloc_n(struct fq *q, size_t n, size_t size)
{
	return arena_alloc(&q->rep->arena, (n ? n : 1) * size);
}

/* hosts[]: captures, events and lost events from captures; journeys by end from journeys */
static int q_hosts(struct fq *q)
{
	struct fleet_report *rep = q->rep;
	struct ch_result r;
	size_t h = 0;

	if (q_sel(q, &r, 4, "SELECT host, count(), sum(events), sum(lost) FROM %s WHERE %s GROUP BY host "
		  "ORDER BY host", T(q, FT_CAPTURES), q->hosts.buf) < 0)
		return -1;
	rep->hosts = alloc_n(q, r.nrows, sizeof(*rep->hosts));
	for (size_t i = 0; i < r.nrows; i++) {
		struct fleet_host *fh = &rep->hosts[rep->nhosts++];

		fh->host = dup(q, &r, i, 0);
		fh->captures = ch_cell_u64(&r, i, 1);
		fh->events = ch_cell_u64(&r, i, 2);
		fh->lost = ch_cell_u64(&r, i, 3);
		rep->captures += fh->captures;
	}
	ch_result_release(&r);
	if (q_sel(q, &r, 5, "SELECT host, `end`, count(), sum(dropped), sum(nhops) FROM %s WHERE %s "
		  "GROUP BY host, `end` ORDER BY host, `end`", T(q, FT_JOURNEYS), q->b.buf) < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		struct fleet_host *fh;

		/* both answers are in host order */
		while (h < rep->nhosts && strcmp(rep->hosts[h].host, ch_cell(&r, i, 0)) < 0)
			h++;
		if (h == rep->nhosts || strcmp(rep->hosts[h].host, ch_cell(&r, i, 0)))
			continue;
		fh = &rep->hosts[h];
		if (!fh->ends)
			fh->ends = alloc_n(q, r.nrows - i, sizeof(*fh->ends));
		fh->ends[fh->nends++] = (struct fleet_count){ dup(q, &r, i, 1), ch_cell_u64(&r, i, 2) };
		fh->journeys += ch_cell_u64(&r, i, 2);
		fh->dropped += ch_cell_u64(&r, i, 3);
		fh->hops += ch_cell_u64(&r, i, 4);
		rep->journeys_total += ch_cell_u64(&r, i, 2);
		rep->hops_total += ch_cell_u64(&r, i, 4);
	}
	ch_result_release(&r);
	return 0;
}

/* drops[]: host, reason, location, count, most first */
static int q_drops(struct fq *q)
{
	struct fleet_report *rep = q->rep;
	struct ch_result r;

	if (q_sel(q, &r, 4, "SELECT host, reason, location, count() AS c FROM %s WHERE %s GROUP BY host, reason, "
		  "location ORDER BY c DESC, host, reason, location LIMIT 10000", T(q, FT_DROPS), q->b.buf) < 0)
		return -1;
	rep->drops = alloc_n(q, r.nrows, sizeof(*rep->drops));
	for (size_t i = 0; i < r.nrows; i++)
		rep->drops[rep->ndrops++] = (struct fleet_drop){ dup(q, &r, i, 0), dup(q, &r, i, 1), dup(q, &r, i, 2),
								 ch_cell_u64(&r, i, 3) };
	ch_result_release(&r);
	return 0;
}

/* the most frequent shapes of each host (@max of them), in order, as one subquery */
static void top_shapes(struct fq *q, struct strbuf *sb)
{
	strbuf_addf(sb, "SELECT host, shape FROM %s WHERE %s GROUP BY host, shape ORDER BY host, count() DESC, "
		    "shape LIMIT %zu BY host", T(q, FT_JOURNEYS), q->b.buf, q->max_shapes);
}

/* per host, its most frequent shapes with each hop's p50 / p90 / p99 / max of the time
 * since the hop before */
static int q_shapes(struct fq *q)
{
	struct fleet_report *rep = q->rep;
	struct strbuf top = STRBUF_INIT;
	struct ch_result r, h;
	size_t k = 0;

	top_shapes(q, &top);
	if (q_sel(q, &r, 3, "SELECT host, shape, count() AS c FROM %s WHERE %s GROUP BY host, shape ORDER BY "
		  "host, c DESC, shape LIMIT %zu BY host", T(q, FT_JOURNEYS), q->b.buf, q->max_shapes) < 0 ||
	    q_sel(q, &h, 11, "SELECT host, shape, hop, any(event), any(dev), any(len), quantilesExact(0.5, 0.9, "
		  "0.99)(dt) AS q, q[1], q[2], q[3], max(dt) FROM %s WHERE %s AND (host, shape) GLOBAL IN (%s) "
		  "GROUP BY host, shape, hop ORDER BY host, shape, hop", T(q, FT_HOPS), q->b.buf, top.buf) < 0) {
		strbuf_release(&top);
		if (r.text)
			ch_result_release(&r);
		return -1;
	}
	strbuf_release(&top);
	rep->shapes = alloc_n(q, r.nrows, sizeof(*rep->shapes));
	for (size_t i = 0; i < r.nrows; i++) {
		struct fleet_shape *s = &rep->shapes[rep->nshapes++];
		size_t n = 0;

		s->host = dup(q, &r, i, 0);
		s->shape = ch_cell_u64(&r, i, 1);
		s->journeys = ch_cell_u64(&r, i, 2);
		/* its hops: a run of the hop answer (in host, shape, hop order) */
		for (k = 0; k < h.nrows; k++)
			if (!strcmp(ch_cell(&h, k, 0), s->host) && ch_cell_u64(&h, k, 1) == s->shape)
				break;
		while (k + n < h.nrows && !strcmp(ch_cell(&h, k + n, 0), s->host) && ch_cell_u64(&h, k + n, 1) == s->shape)
			n++;
		s->hops = alloc_n(q, n, sizeof(*s->hops));
		for (size_t x = k; x < k + n; x++)
			s->hops[s->nhops++] = (struct fleet_lat_hop){
				(uint32_t)ch_cell_u64(&h, x, 2), dup(q, &h, x, 3), dup(q, &h, x, 4), ch_cell_i64(&h, x, 5),
				ch_cell_u64(&h, x, 7), ch_cell_u64(&h, x, 8), ch_cell_u64(&h, x, 9), ch_cell_u64(&h, x, 10) };
	}
	ch_result_release(&r);
	ch_result_release(&h);
	return 0;
}

/* the slowest journeys: first to last hop */
static int q_slowest(struct fq *q)
{
	struct fleet_report *rep = q->rep;
	struct ch_result r;

	if (q_sel(q, &r, 11, "SELECT host, batch, journey, skb, first_ts, last_ts - first_ts AS dur, nhops + "
		  "hops_left_out, `end`, drop_reason, drop_location, pkt FROM %s WHERE %s ORDER BY dur DESC, host, "
		  "journey LIMIT %zu", T(q, FT_JOURNEYS), q->b.buf, q->max_slowest) < 0)
		return -1;
	rep->slowest = alloc_n(q, r.nrows, sizeof(*rep->slowest));
	for (size_t i = 0; i < r.nrows; i++)
		rep->slowest[rep->nslowest++] = (struct fleet_slow){
			dup(q, &r, i, 0), dup_batch(q, &r, i, 1), ch_cell_u64(&r, i, 2), ch_cell_u64(&r, i, 3),
			ch_cell_u64(&r, i, 4), ch_cell_u64(&r, i, 5), (uint32_t)ch_cell_u64(&r, i, 6),
			dup(q, &r, i, 7), dup(q, &r, i, 8), dup(q, &r, i, 9), dup(q, &r, i, 10) };
	ch_result_release(&r);
	return 0;
}

/*
 * The join of report/join.c in SQL, over every exported journey with a host. vx_e: each
 * journey's packet identities; vx_g: the identities of two journeys or more, with their
 * journeys (nj) and hosts (nh): one seen in two journeys of one host is ambiguous (vx_amb),
 * one seen once per host links its journeys (vx_ej). The linked journeys' components are
 * labelled by their smallest journey key, spread over the links in rounds (vx_l1 .. vx_l3):
 * a component of at most four journeys (VX_JOIN_MAX_PARTS) is at most three links wide, so
 * three rounds label it whole; a label that two journeys of one identity still disagree on
 * belongs to a larger component, which is left apart (vx_bad), as is every component with an
 * ambiguous journey. A component of one journey per host, at most four, is a joined packet.
 */
static int q_components(struct fq *q)
{
	static const char *const steps[] = {
		"CREATE TEMPORARY TABLE vx_g AS SELECT ident, uniqExact(jkey) AS nj, uniqExact(host_key) AS nh, "
		"min(jkey) AS m0 FROM vx_e GROUP BY ident HAVING nj >= 2",
		"CREATE TEMPORARY TABLE vx_ej AS SELECT ident, jkey, m0 FROM vx_e ALL INNER JOIN (SELECT ident, m0 "
		"FROM vx_g WHERE nj = nh) USING ident",
		"CREATE TEMPORARY TABLE vx_amb AS SELECT DISTINCT jkey FROM vx_e WHERE ident IN (SELECT ident FROM "
		"vx_g WHERE nj > nh)",
		"CREATE TEMPORARY TABLE vx_l1 AS SELECT jkey, min(m0) AS l FROM vx_ej GROUP BY jkey",
		"CREATE TEMPORARY TABLE vx_l2 AS SELECT jkey, min(m) AS l FROM vx_ej ALL INNER JOIN (SELECT ident, "
		"min(l) AS m FROM vx_ej ALL INNER JOIN vx_l1 USING jkey GROUP BY ident) USING ident GROUP BY jkey",
		"CREATE TEMPORARY TABLE vx_l3 AS SELECT jkey, min(m) AS l FROM vx_ej ALL INNER JOIN (SELECT ident, "
		"min(l) AS m FROM vx_ej ALL INNER JOIN vx_l2 USING jkey GROUP BY ident) USING ident GROUP BY jkey",
		"CREATE TEMPORARY TABLE vx_lab AS SELECT ident, jkey, l FROM vx_ej ALL INNER JOIN vx_l3 USING jkey",
		"CREATE TEMPORARY TABLE vx_bad AS SELECT DISTINCT l FROM vx_l3 WHERE jkey IN (SELECT jkey FROM "
		"vx_amb) OR jkey IN (SELECT jkey FROM vx_lab WHERE ident IN (SELECT ident FROM vx_lab GROUP BY ident "
		"HAVING uniqExact(l) > 1))",
	};

	if (q_run(q, "CREATE TEMPORARY TABLE vx_e AS SELECT ident, jkey, host_key FROM %s ARRAY JOIN idents AS "
		  "ident WHERE %s AND host_key != ''", T(q, FT_JOURNEYS), q->b.buf) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (q_run(q, "%s", steps[i]) < 0)
			return -1;
	/* the linked journeys with what the listing and the clocks need */
	if (q_run(q, "CREATE TEMPORARY TABLE vx_m AS SELECT l, jkey, host, host_key, batch, journey, skb, "
		  "first_ts, send_ts, starts_rx, `end`, pkt FROM vx_l3 ALL INNER JOIN (SELECT jkey, host, host_key, "
		  "batch, journey, skb, first_ts, send_ts, starts_rx, `end`, pkt FROM %s WHERE %s AND jkey GLOBAL "
		  "IN (SELECT jkey FROM vx_l3)) USING jkey", T(q, FT_JOURNEYS), q->b.buf) < 0)
		return -1;
	return q_run(q, "CREATE TEMPORARY TABLE vx_ok AS SELECT l, n, n = 2 AND nrx = 1 AS ordered, t0 FROM "
		     "(SELECT l, count() AS n, uniqExact(host_key) AS nh, sum(starts_rx) AS nrx, min(first_ts) AS t0 "
		     "FROM vx_m GROUP BY l) WHERE n >= 2 AND n <= %d AND nh = n AND l NOT IN (SELECT l FROM vx_bad)",
		     FLEET_MAX_PARTS);
}

/*
 * The clocks, as report/join.c's clocks(): each ordered joined packet gives the delay d from
 * its sender's last transmit to its receiver's first hop on the two raw clocks (vx_d); per
 * pair of hosts (a, b) by name, the minimum of each direction gives b's offset to a as
 * (min d_ab - min d_ba) / 2 and its uncertainty as (min d_ab + min d_ba + 1) / 2 (vx_clk).
 */
static int q_clocks(struct fq *q)
{
	struct fleet_report *rep = q->rep;
	struct ch_result r;

	if (q_run(q, "CREATE TEMPORARY TABLE vx_d AS SELECT l, ka, kb, ha, hb, d, ha < hb OR (ha = hb AND ka < "
		  "kb) AS fwd, if(fwd, ka, kb) AS pa, if(fwd, kb, ka) AS pb FROM (SELECT l, argMin(host_key, "
		  "starts_rx) AS ka, argMax(host_key, starts_rx) AS kb, argMin(host, starts_rx) AS ha, argMax(host, "
		  "starts_rx) AS hb, toInt64(argMax(first_ts, starts_rx)) - toInt64(argMin(send_ts, starts_rx)) AS "
		  "d FROM vx_m WHERE l IN (SELECT l FROM vx_ok WHERE ordered) GROUP BY l)") < 0)
		return -1;
	if (q_run(q, "CREATE TEMPORARY TABLE vx_clk AS SELECT pa, pb, any(if(fwd, ha, hb)) AS an, any(if(fwd, hb, "
		  "ha)) AS bn, countIf(fwd) AS sab, countIf(NOT fwd) AS sba, minIf(d, fwd) AS mab, minIf(d, NOT fwd) "
		  "AS mba, sab > 0 AND sba > 0 AS known, intDiv(mab - mba, 2) AS off, intDiv(mab + mba + 1, 2) AS unc "
		  "FROM vx_d GROUP BY pa, pb") < 0)
		return -1;
	if (q_sel(q, &r, 9, "SELECT an, bn, known, off, unc, mab, mba, sab, sba FROM vx_clk ORDER BY an, bn, pa, "
		  "pb") < 0)
		return -1;
	rep->clocks = alloc_n(q, r.nrows, sizeof(*rep->clocks));
	for (size_t i = 0; i < r.nrows; i++)
		rep->clocks[rep->nclocks++] = (struct fleet_clock){
			dup(q, &r, i, 0), dup(q, &r, i, 1), ch_cell_u64(&r, i, 2) != 0, ch_cell_i64(&r, i, 3),
			ch_cell_i64(&r, i, 4), ch_cell_i64(&r, i, 5), ch_cell_i64(&r, i, 6), ch_cell_u64(&r, i, 7),
			ch_cell_u64(&r, i, 8) };
	ch_result_release(&r);
	return 0;
}

/* the first row of @h (sorted by jkey in column 0) with @jkey, or h->nrows */
static size_t first_row_of(const struct ch_result *h, uint64_t jkey)
{
	size_t lo = 0, hi = h->nrows;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ch_cell_u64(h, mid, 0) < jkey)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int cmp_jhop(const void *a, const void *b)
{
	const struct fleet_jhop *x = a, *y = b;

	if (x->aligned_ns != y->aligned_ns)
		return x->aligned_ns < y->aligned_ns ? -1 : 1;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	return (x->hop > y->hop) - (x->hop < y->hop);
}

/* the hops of each listed joined packet: parts in order, each in hop order; the times of a
 * receiver's hops also on the sender's clock (vx_shift: its offset, when known), and then
 * all hops in the time order of that clock */
static int q_joined_hops(struct fq *q)
{
	struct fleet_report *rep = q->rep;
	struct ch_result h;

	if (q_run(q, "CREATE TEMPORARY TABLE vx_shift AS SELECT jkey, shift FROM (SELECT l, if(ka = pa, off, -off) "
		  "AS shift FROM vx_d ALL INNER JOIN vx_clk USING (pa, pb) WHERE known AND l IN (SELECT l FROM "
		  "vx_list)) ALL INNER JOIN (SELECT l, jkey FROM vx_m WHERE starts_rx) USING l") < 0 ||
	    q_sel(q, &h, 7, "SELECT jkey, hop, ts, toInt64(ts) - shift, event, dev, len FROM (SELECT jkey, hop, ts, "
		  "event, dev, len FROM %s WHERE %s AND jkey GLOBAL IN (SELECT jkey FROM vx_m WHERE l IN (SELECT l "
		  "FROM vx_list))) ANY LEFT JOIN vx_shift USING jkey ORDER BY jkey, hop", T(q, FT_HOPS), q->b.buf) < 0)
		return -1;
	for (size_t k = 0; k < rep->njoined; k++) {
		struct fleet_joined *jd = &rep->joined[k];
		size_t n = 0;

		for (size_t p = 0; p < jd->nparts; p++)
			for (size_t i = first_row_of(&h, jd->parts[p].jkey);
			     i < h.nrows && ch_cell_u64(&h, i, 0) == jd->parts[p].jkey; i++)
				n++;
		jd->hops = alloc_n(q, n, sizeof(*jd->hops));
		for (size_t p = 0; p < jd->nparts; p++)
			for (size_t i = first_row_of(&h, jd->parts[p].jkey);
			     i < h.nrows && ch_cell_u64(&h, i, 0) == jd->parts[p].jkey; i++)
				jd->hops[jd->nhops++] = (struct fleet_jhop){
					p, (uint32_t)ch_cell_u64(&h, i, 1), ch_cell_u64(&h, i, 2), ch_cell_i64(&h, i, 3),
					dup(q, &h, i, 4), dup(q, &h, i, 5), ch_cell_i64(&h, i, 6) };
		if (jd->wire_known && jd->nhops)
			qsort(jd->hops, jd->nhops, sizeof(*jd->hops), cmp_jhop);
	}
	ch_result_release(&h);
	return 0;
}

/* joined_journeys_total and the first listed ones with their parts and wire times */
static int q_joined(struct fq *q)
{
	struct fleet_report *rep = q->rep;
	struct ch_result r;
	size_t n = 0;

	if (q_sel(q, &r, 3, "SELECT (SELECT count() FROM vx_ok), (SELECT uniqExact(jkey) FROM vx_m WHERE l NOT IN "
		  "(SELECT l FROM vx_ok)) + (SELECT count() FROM vx_amb WHERE jkey NOT IN (SELECT jkey FROM vx_l3)), "
		  "(SELECT uniqExact(jkey) FROM vx_e)") < 0)
		return -1;
	if (r.nrows) {
		rep->joined_total = ch_cell_u64(&r, 0, 0);
		rep->join_ambiguous = ch_cell_u64(&r, 0, 1);
		rep->with_identity = ch_cell_u64(&r, 0, 2);
	}
	ch_result_release(&r);
	if (q_run(q, "CREATE TEMPORARY TABLE vx_list AS SELECT l, ordered, t0 FROM vx_ok ORDER BY t0, l LIMIT %zu",
		  q->max_joined) < 0 ||
	    q_sel(q, &r, 11, "SELECT l, jkey, host, batch, journey, skb, first_ts, `end`, pkt, ordered, starts_rx "
		  "FROM vx_m ALL INNER JOIN vx_list USING l ORDER BY t0, l, if(ordered, starts_rx, 0), first_ts, jkey") < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++)
		n += !i || strcmp(ch_cell(&r, i, 0), ch_cell(&r, i - 1, 0));
	rep->joined = alloc_n(q, n, sizeof(*rep->joined));
	for (size_t i = 0; i < r.nrows; i++) {
		struct fleet_joined *jd;

		if (!i || strcmp(ch_cell(&r, i, 0), ch_cell(&r, i - 1, 0))) {
			jd = &rep->joined[rep->njoined++];
			jd->ordered = ch_cell_u64(&r, i, 9) != 0;
			jd->pkt = dup(q, &r, i, 8);
		}
		jd = &rep->joined[rep->njoined - 1];
		if (jd->nparts < FLEET_MAX_PARTS)
			jd->parts[jd->nparts++] = (struct fleet_part){ dup(q, &r, i, 2), dup_batch(q, &r, i, 3),
				ch_cell_u64(&r, i, 4), ch_cell_u64(&r, i, 5), ch_cell_u64(&r, i, 6), dup(q, &r, i, 7),
				ch_cell_u64(&r, i, 1) };
	}
	ch_result_release(&r);
	/* the one-way time of the ordered ones whose hosts' clocks are known */
	if (q_sel(q, &r, 3, "SELECT jkey, d - if(ka = pa, off, -off), unc FROM (SELECT l, ka, pa, d, off, unc FROM "
		  "vx_d ALL INNER JOIN vx_clk USING (pa, pb) WHERE known AND l IN (SELECT l FROM vx_list)) ALL INNER "
		  "JOIN (SELECT l, jkey FROM vx_m WHERE NOT starts_rx) USING l") < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++)
		for (size_t k = 0; k < rep->njoined; k++)
			if (rep->joined[k].nparts && rep->joined[k].parts[0].jkey == ch_cell_u64(&r, i, 0)) {
				rep->joined[k].wire_known = true;
				rep->joined[k].wire_ns = ch_cell_i64(&r, i, 1);
				rep->joined[k].wire_unc_ns = ch_cell_i64(&r, i, 2);
			}
	ch_result_release(&r);
	return q_joined_hops(q);
}

int fleet_query(struct fleet_db *db, const struct fleet_query_opts *o, struct fleet_report *rep)
{
	struct fq q = { .db = db, .rep = rep };
	int ret;

	memset(rep, 0, sizeof(*rep));
	q.max_shapes = o && o->max_shapes ? o->max_shapes : DEFAULT_SHAPES;
	q.max_joined = o && o->max_joined ? o->max_joined : DEFAULT_JOINED;
	q.max_slowest = o && o->max_slowest ? o->max_slowest : DEFAULT_SLOWEST;
	rep->source = arena_strdup(&rep->arena, ch_name(db->conn));
	rep->cluster = db->cluster ? arena_strdup(&rep->arena, db->cluster) : NULL;
	rep->host_glob = o && o->host_glob ? arena_strdup(&rep->arena, o->host_glob) : NULL;
	for (int t = 0; t < FT_COUNT; t++) {
		strbuf_init(&q.t[t], 0);
		fleet_table_expr(db, (enum fleet_table_id)t, &q.t[t]);
	}
	if (o && o->host_glob) {
		struct strbuf re = STRBUF_INIT;

		fleet_glob_regex(o->host_glob, &re);
		strbuf_addstr(&q.hosts, "match(host, ");
		ch_quote(&q.hosts, re.buf);
		strbuf_addch(&q.hosts, ')');
		strbuf_release(&re);
	} else {
		strbuf_addstr(&q.hosts, "1");
	}
	strbuf_addf(&q.b, "batch GLOBAL IN (SELECT batch FROM %s WHERE %s)", T(&q, FT_CAPTURES), q.hosts.buf);
	/* the joins' temporary tables live in one session of their own */
	ch_session(db->conn);
	ret = q_hosts(&q);
	if (!ret)
		ret = q_drops(&q);
	if (!ret)
		ret = q_shapes(&q);
	if (!ret)
		ret = q_components(&q);
	if (!ret)
		ret = q_clocks(&q);
	if (!ret)
		ret = q_joined(&q);
	if (!ret)
		ret = q_slowest(&q);
	for (int t = 0; t < FT_COUNT; t++)
		strbuf_release(&q.t[t]);
	strbuf_release(&q.hosts);
	strbuf_release(&q.b);
	if (ret)
		fleet_report_release(rep);
	return ret;
}

void fleet_report_release(struct fleet_report *rep)
{
	arena_release(&rep->arena);
	memset(rep, 0, sizeof(*rep));
}
