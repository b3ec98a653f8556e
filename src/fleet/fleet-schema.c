/* fleet-schema.c: the fleet's tables (fleet-schema.h): their columns, their creation on one
 * server or on every server of a cluster, and the check that a table found there is ours.
 * The rows are written in fleet-export.c in exactly the column order below.
 * Must not: write rows, or print.
 */
#include "fleet-schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

#define COLS(a) a, sizeof(a) / sizeof(a[0])

static const struct fleet_col captures_cols[] = {
	{ "batch", "UInt64" },		/* what every row of this capture is written under */
	{ "host", "String" },
	{ "host_key", "String" },	/* boot id, else host name: what tells hosts apart */
	{ "boot_id", "String" },
	{ "kernel", "String" },
	{ "source", "String" },
	{ "format", "String" },
	{ "clock", "String" },
	{ "capture_id", "Int64" },	/* its id in the SQLite database it came from */
	{ "database", "String" },
	{ "imported_at", "String" },
	{ "exported_at", "DateTime" },
	{ "first_ts", "UInt64" },
	{ "last_ts", "UInt64" },
	{ "events", "UInt64" },
	{ "lost", "UInt64" },
	{ "skipped", "UInt64" },
	{ "truncated", "UInt8" },
	{ "filter", "String" },
	{ "filtered", "UInt64" },
	{ "journeys", "UInt64" },
	{ "hops", "UInt64" },
	{ "drops", "UInt64" },
};

static const struct fleet_col journeys_cols[] = {
	{ "batch", "UInt64" },
	{ "host", "String" },
	{ "host_key", "String" },
	{ "journey", "UInt64" },	/* the event id of its first hop in the SQLite database */
	{ "jkey", "UInt64" },		/* hash of batch and journey: one number per journey */
	{ "skb", "UInt64" },
	{ "first_ts", "UInt64" },
	{ "last_ts", "UInt64" },
	{ "send_ts", "UInt64" },	/* its last transmit (else last hop): where the wire starts */
	{ "starts_rx", "UInt8" },	/* its first hop is a receive */
	{ "nhops", "UInt32" },
	{ "hops_left_out", "UInt32" },
	{ "shape", "UInt64" },		/* hash of its hops' events, devices, lengths and stacks */
	{ "end", "String" },		/* what happened to it (report's journeys[].end: the verdict) */
	{ "end_rule", "String" },	/* freed, reused, silence, capture_end (report's end_rule) */
	{ "encap", "String" },
	{ "tunnel_dev", "String" },
	{ "overhead", "Int32" },	/* bytes of outer headers, -1 unknown */
	{ "reenters", "UInt8" },
	{ "nsegments", "UInt16" },
	{ "dropped", "UInt8" },
	{ "drop_reason", "String" },
	{ "drop_location", "String" },
	{ "idents", "Array(UInt64)" },	/* the packet identities of its hops (join.h) */
	{ "pkt", "String" },		/* its first packet's headers in words */
	{ "proto", "Int16" },		/* the identity headers of that packet; -1, "" unknown */
	{ "src", "String" },
	{ "dst", "String" },
	{ "sport", "Int32" },
	{ "dport", "Int32" },
	{ "ip_id", "Int32" },
	{ "icmp_id", "Int32" },
	{ "icmp_seq", "Int32" },
	{ "tcp_seq", "Int64" },
	{ "links.kind", "Array(String)" },	/* clone, copy, segment, merge (report's journeys[].links) */
	{ "links.role", "Array(String)" },
	{ "links.journey", "Array(UInt64)" },
	{ "links.hop", "Array(UInt32)" },
	{ "links.function", "Array(String)" },
};

static const struct fleet_col hops_cols[] = {
	{ "batch", "UInt64" },
	{ "host", "String" },
	{ "journey", "UInt64" },
	{ "jkey", "UInt64" },
	{ "shape", "UInt64" },
	{ "hop", "UInt32" },
	{ "ts", "UInt64" },
	{ "dt", "UInt64" },		/* since the hop before, 0 for the first */
	{ "event", "String" },
	{ "dev", "String" },
	{ "len", "Int64" },
	{ "path", "UInt64" },		/* paths.path, 0 without a stack */
	{ "cpu", "Int32" },
	{ "pid", "Int32" },
	{ "comm", "String" },
	{ "segment", "UInt16" },
	{ "route_table", "Int32" },	/* the FIB lookup that sent it here; -1 none */
	{ "route_src", "String" },
	{ "route_dst", "String" },
	{ "route_dev", "String" },
	{ "route_gw", "String" },
	{ "route_err", "Int32" },
};

/* the headers a kprobe read at a hop (only the hops that have them), and a rewrite seen there */
static const struct fleet_col packets_cols[] = {
	{ "batch", "UInt64" },
	{ "host", "String" },
	{ "journey", "UInt64" },
	{ "jkey", "UInt64" },
	{ "hop", "UInt32" },
	{ "nat_kind", "String" },	/* dnat, snat at the first hop with the new header; empty: none */
	{ "nat_before", "String" },	/* "10.244.1.5 → 10.96.0.10 id 7" (vx_nat_tuple_describe) */
	{ "nat_after", "String" },
	{ "nat_function", "String" },	/* the NAT probe seen between the two hops, or empty */
	{ "ip_version", "UInt8" },	/* 4 or 6; 0: the headers were not understood */
	{ "proto", "Int16" },
	{ "src", "String" },
	{ "dst", "String" },
	{ "ip_id", "Int32" },
	{ "ttl", "Int16" },
	{ "sport", "Int32" },
	{ "dport", "Int32" },
	{ "icmp_type", "Int16" },
	{ "icmp_id", "Int32" },
	{ "icmp_seq", "Int32" },
	{ "tcp_seq", "Int64" },
	{ "tcp_flags", "Int16" },
	{ "vni", "Int32" },
	{ "inner_proto", "Int16" },
	{ "inner_src", "String" },
	{ "inner_dst", "String" },
	{ "inner_ip_id", "Int32" },
	{ "ident", "UInt64" },
	{ "inner_ident", "UInt64" },
};

static const struct fleet_col drops_cols[] = {
	{ "batch", "UInt64" },
	{ "host", "String" },
	{ "journey", "UInt64" },
	{ "jkey", "UInt64" },
	{ "ts", "UInt64" },
	{ "reason", "String" },
	{ "location", "String" },
	{ "cpu", "Int32" },
	{ "lookup_table", "Int32" },	/* the failed route lookup that explains it; -1 none */
	{ "lookup_err", "Int32" },
	{ "lookup_src", "String" },
	{ "lookup_dst", "String" },
	{ "text", "String" },		/* the drop in words, as report says it */
};

static const struct fleet_col routes_cols[] = {
	{ "batch", "UInt64" },
	{ "host", "String" },
	{ "id", "Int32" },
	{ "ts", "UInt64" },
	{ "pid", "Int32" },
	{ "comm", "String" },
	{ "op", "String" },
	{ "family", "String" },
	{ "gateway", "String" },
	{ "dev", "String" },
	{ "table", "Int32" },
	{ "class", "String" },
	{ "has_err", "UInt8" },
	{ "err", "Int64" },
	{ "extack", "String" },
	{ "path", "UInt64" },
	{ "events", "UInt32" },
};

static const struct fleet_col paths_cols[] = {
	{ "batch", "UInt64" },
	{ "host", "String" },
	{ "path", "UInt64" },
	{ "event", "String" },
	{ "count", "UInt64" },
	{ "frames", "Array(String)" },
	{ "layers", "Array(String)" },
	{ "ip_passes", "Int32" },
	{ "encap", "String" },
	{ "reenters", "UInt8" },
	{ "in_journey", "UInt8" },
};

const struct fleet_table fleet_tables[FT_COUNT] = {
	[FT_CAPTURES] = { "captures", "host, first_ts", COLS(captures_cols) },
	[FT_JOURNEYS] = { "journeys", "host, first_ts", COLS(journeys_cols) },
	[FT_HOPS] = { "hops", "host, shape, hop", COLS(hops_cols) },
	[FT_PACKETS] = { "packets", "host, jkey, hop", COLS(packets_cols) },
	[FT_DROPS] = { "drops", "host, reason, location", COLS(drops_cols) },
	[FT_ROUTES] = { "routes", "host, ts", COLS(routes_cols) },
	[FT_PATHS] = { "paths", "host, path", COLS(paths_cols) },
};

void fleet_columns(enum fleet_table_id t, struct strbuf *sb)
{
	for (size_t i = 0; i < fleet_tables[t].ncols; i++)
		strbuf_addf(sb, "%s`%s`", i ? ", " : "", fleet_tables[t].cols[i].name);
}

void fleet_table_expr(const struct fleet_db *db, enum fleet_table_id t, struct strbuf *sb)
{
	/* qualified: CREATE TEMPORARY TABLE ... AS SELECT resolves bare names in "default" */
	if (!db->remote) {
		strbuf_addf(sb, "%s.%s", ch_url_of(db->conn)->database, fleet_tables[t].name);
		return;
	}
	strbuf_addf(sb, "remote('%s', %s, %s%s", db->shards, ch_url_of(db->conn)->database,
		    fleet_tables[t].name, db->distributed ? "_local" : "");
	if (ch_url_of(db->conn)->user) {	/* the shards are asked as the URL's user */
		strbuf_addstr(sb, ", ");
		ch_quote(sb, ch_url_of(db->conn)->user);
		strbuf_addstr(sb, ", ");
		ch_quote(sb, ch_url_of(db->conn)->password ? ch_url_of(db->conn)->password : "");
	}
	strbuf_addch(sb, ')');
}

/* the CREATE statement of table @t: @suffix "_local" and @engine "MergeTree", or the
 * Distributed table over them */
static void create_sql(struct strbuf *sb, const char *dbname, enum fleet_table_id t, const char *cluster,
		       bool local)
{
	const struct fleet_table *ft = &fleet_tables[t];
	bool nested = false;

	strbuf_addf(sb, "CREATE TABLE IF NOT EXISTS %s.%s%s (", dbname, ft->name, cluster && local ? "_local" : "");
	for (size_t i = 0; i < ft->ncols; i++) {
		const char *dot = strchr(ft->cols[i].name, '.');

		if (dot) {	/* links.kind ... become one Nested column */
			if (nested)
				continue;
			nested = true;
			strbuf_addf(sb, "%s`%.*s` Nested(", i ? ", " : "", (int)(dot - ft->cols[i].name), ft->cols[i].name);
			for (size_t k = i; k < ft->ncols && strchr(ft->cols[k].name, '.'); k++) {
				const char *ty = ft->cols[k].type;

				strbuf_addf(sb, "%s`%s` %.*s", k > i ? ", " : "", strchr(ft->cols[k].name, '.') + 1,
					    (int)(strlen(ty) - 7), ty + 6);	/* Array(T) -> T */
			}
			strbuf_addch(sb, ')');
			continue;
		}
		strbuf_addf(sb, "%s`%s` %s", i ? ", " : "", ft->cols[i].name, ft->cols[i].type);
	}
	if (cluster && !local)
		strbuf_addf(sb, ") ENGINE = Distributed(%s, %s, %s_local, cityHash64(host))", cluster, dbname, ft->name);
	else
		strbuf_addf(sb, ") ENGINE = MergeTree ORDER BY (%s)", ft->order_by);
}

/* one server of the cluster: its address and native (TCP) port from system.clusters */
struct peer {
	char *host;
	int port;
	int shard;
	bool local;
};

static void peers_free(struct peer *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].host);
	free(p);
}

/* the servers of @db->cluster, and @db->shards for remote() */
static int cluster_peers(struct fleet_db *db, struct peer **out, size_t *n)
{
	struct strbuf sql = STRBUF_INIT, sb = STRBUF_INIT;
	struct ch_result r;
	struct peer *p;

	*out = NULL;
	*n = 0;
	strbuf_addstr(&sql, "SELECT host_address, port, shard_num, is_local FROM system.clusters WHERE cluster = ");
	ch_quote(&sql, db->cluster);
	strbuf_addstr(&sql, " ORDER BY shard_num, replica_num");
	if (ch_select(db->conn, sql.buf, &r) < 0) {
		strbuf_release(&sql);
		return -1;
	}
	strbuf_release(&sql);
	if (!r.nrows || r.ncols != 4) {
		ch_result_release(&r);
		if (ch_select(db->conn, "SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster", &r) == 0) {
			for (size_t i = 0; i < r.nrows; i++)
				strbuf_addf(&sb, "%s%s", i ? ", " : "", ch_cell(&r, i, 0));
			ch_result_release(&r);
		}
		vx_error("%s: no cluster '%s' in the server's remote_servers (it has: %s)", ch_name(db->conn),
			 db->cluster, sb.len ? sb.buf : "none");
		strbuf_release(&sb);
		return -1;
	}
	p = xcalloc(r.nrows, sizeof(*p));
	for (size_t i = 0; i < r.nrows; i++) {
		const char *h = ch_cell(&r, i, 0);
		bool v6 = strchr(h, ':') != NULL;

		p[i] = (struct peer){ xstrdup(h), (int)ch_cell_i64(&r, i, 1), (int)ch_cell_i64(&r, i, 2),
				      ch_cell_i64(&r, i, 3) != 0 };
		if (i)
			strbuf_addch(&sb, p[i].shard == p[i - 1].shard ? '|' : ',');
		strbuf_addf(&sb, "%s%s%s:%d", v6 ? "[" : "", h, v6 ? "]" : "", p[i].port);
	}
	*n = r.nrows;
	*out = p;
	db->shards = strbuf_detach(&sb, NULL);
	ch_result_release(&r);
	return 0;
}

/* the engine of each of our tables on @c ("" when missing), by name and name_local */
static int table_engines(struct ch_conn *c, const char *dbname, char engines[FT_COUNT][2][32])
{
	struct strbuf sql = STRBUF_INIT;
	struct ch_result r;

	memset(engines, 0, sizeof(char[FT_COUNT][2][32]));
	strbuf_addstr(&sql, "SELECT name, engine FROM system.tables WHERE database = ");
	ch_quote(&sql, dbname);
	if (ch_select(c, sql.buf, &r) < 0) {
		strbuf_release(&sql);
		return -1;
	}
	strbuf_release(&sql);
	for (size_t i = 0; i < r.nrows && r.ncols == 2; i++)
		for (int t = 0; t < FT_COUNT; t++) {
			size_t n = strlen(fleet_tables[t].name);
			const char *name = ch_cell(&r, i, 0);

			if (strncmp(name, fleet_tables[t].name, n))
				continue;
			if (!name[n])
				snprintf(engines[t][0], 32, "%s", ch_cell(&r, i, 1));
			else if (!strcmp(name + n, "_local"))
				snprintf(engines[t][1], 32, "%s", ch_cell(&r, i, 1));
		}
	ch_result_release(&r);
	return 0;
}

/* table @name on @c has every column of @t with its type */
static int check_columns(struct ch_conn *c, const char *dbname, const char *name, enum fleet_table_id t)
{
	const struct fleet_table *ft = &fleet_tables[t];
	struct strbuf sql = STRBUF_INIT;
	struct ch_result r;
	int ret = 0;

	strbuf_addstr(&sql, "SELECT name, type FROM system.columns WHERE database = ");
	ch_quote(&sql, dbname);
	strbuf_addstr(&sql, " AND table = ");
	ch_quote(&sql, name);
	if (ch_select(c, sql.buf, &r) < 0) {
		strbuf_release(&sql);
		return -1;
	}
	strbuf_release(&sql);
	for (size_t k = 0; k < ft->ncols && !ret; k++) {
		size_t i = 0;

		while (i < r.nrows && strcmp(ch_cell(&r, i, 0), ft->cols[k].name))
			i++;
		if (i == r.nrows)
			ret = vx_error("%s: table %s.%s is not vxanalyze's: it has no column %s (export into another "
				       "database, or drop the table)", ch_name(c), dbname, name, ft->cols[k].name);
		else if (strcmp(ch_cell(&r, i, 1), ft->cols[k].type))
			ret = vx_error("%s: table %s.%s is not vxanalyze's: its column %s is %s, vxanalyze's is %s "
				       "(export into another database, or drop the table)", ch_name(c), dbname, name,
				       ft->cols[k].name, ch_cell(&r, i, 1), ft->cols[k].type);
	}
	ch_result_release(&r);
	return ret;
}

/* the tables on @c: those there checked first (nothing is created beside a table of another
 * schema), then, when @create, the missing ones created */
static int prepare_server(struct fleet_db *db, struct ch_conn *c, bool create, bool cluster)
{
	const char *dbname = ch_url_of(c)->database;
	char eng[FT_COUNT][2][32];
	struct strbuf sql = STRBUF_INIT;
	int ret = 0;

	if (table_engines(c, dbname, eng) < 0)
		return -1;
	for (int t = 0; t < FT_COUNT && !ret; t++) {
		const char *name = fleet_tables[t].name;

		if (!create && !eng[t][0][0])
			ret = vx_error("%s: no table %s.%s: nothing was exported into this database (vxanalyze export "
				       "--to ...)", ch_name(c), dbname, name);
		else if (cluster && create && eng[t][0][0] && strcmp(eng[t][0], "Distributed"))
			ret = vx_error("%s: table %s.%s is a %s table, not a Distributed one over the cluster: it was "
				       "exported without --cluster (export the cluster into another database)",
				       ch_name(c), dbname, name, eng[t][0]);
		if (!ret && eng[t][0][0])
			ret = check_columns(c, dbname, name, (enum fleet_table_id)t);
		if (!ret && cluster && create && eng[t][1][0]) {
			strbuf_reset(&sql);
			strbuf_addf(&sql, "%s_local", name);
			ret = check_columns(c, dbname, sql.buf, (enum fleet_table_id)t);
		}
		if (!ret && t == FT_CAPTURES)
			db->distributed = !strcmp(eng[t][0], "Distributed");
	}
	if (!ret && create)
		ret = ch_queryf(c, NULL, "CREATE DATABASE IF NOT EXISTS %s", dbname);
	for (int t = 0; t < FT_COUNT && !ret && create; t++)
		for (int local = cluster ? 1 : 0; !ret && local >= 0; local--) {
			if (eng[t][local][0])
				continue;
			strbuf_reset(&sql);
			create_sql(&sql, dbname, (enum fleet_table_id)t, cluster ? db->cluster : NULL, local);
			ret = ch_query(c, sql.buf, NULL);
		}
	strbuf_release(&sql);
	return ret;
}

static bool is_cluster_name(const char *s)
{
	if (!*s || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("_-.", *s)))
			return false;
	return true;
}

int fleet_db_open(struct fleet_db *db, const char *url, const char *cluster, bool create)
{
	struct peer *peers = NULL;
	size_t npeers = 0;
	struct ch_url u;
	int ret = 0;

	memset(db, 0, sizeof(*db));
	if (ch_url_parse(url, &u) < 0)
		return -1;
	db->conn = ch_open(&u, false);
	ch_url_release(&u);
	if (cluster && !is_cluster_name(cluster)) {
		fleet_db_close(db);
		return vx_error("--cluster '%.200s': a cluster name is letters, digits, '_', '-' and '.'", cluster);
	}
	db->cluster = cluster ? xstrdup(cluster) : NULL;
	/* reach the server first: a wrong URL says so before anything else */
	if (ch_query(db->conn, "SELECT 1", NULL) < 0 || (cluster && cluster_peers(db, &peers, &npeers) < 0)) {
		fleet_db_close(db);
		return -1;
	}
	if (cluster && create) {
		/* every server of the cluster, at its HTTP port: its TCP port shifted as ours is */
		int tcp = -1;

		for (size_t i = 0; i < npeers; i++)
			if (peers[i].local)
				tcp = peers[i].port;
		if (tcp < 0)
			ret = vx_error("%s: this server is not one of cluster %s's (system.clusters): name a server "
				       "of the cluster", ch_name(db->conn), cluster);
		for (size_t i = 0; i < npeers && !ret; i++) {
			int http = peers[i].port + ch_url_of(db->conn)->port - tcp;
			struct ch_conn *pc = ch_open_peer(db->conn, peers[i].host, http);

			ret = http > 0 && http < 65536 ? prepare_server(db, pc, true, true) :
			      vx_error("%s: cluster %s: no HTTP port for %s:%d", ch_name(db->conn), cluster,
				       peers[i].host, peers[i].port);
			ch_close(pc);
		}
	} else {
		ret = prepare_server(db, db->conn, create, false);
		db->remote = cluster != NULL;
	}
	peers_free(peers, npeers);
	if (ret) {
		fleet_db_close(db);
		return -1;
	}
	ch_use_db(db->conn, true);
	return 0;
}

void fleet_db_close(struct fleet_db *db)
{
	ch_close(db->conn);
	free(db->cluster);
	free(db->shards);
	memset(db, 0, sizeof(*db));
}
