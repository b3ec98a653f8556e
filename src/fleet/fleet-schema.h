/* fleet-schema.h: the ClickHouse tables of a fleet (captures, journeys, hops, packets, drops,
 * routes, paths) as data, and the one place that creates and checks them: MergeTree tables on one
 * server, or with a cluster a MergeTree table NAME_local on every server of the cluster plus
 * a Distributed table NAME over them, sharded by host. doc/fleet.md describes the columns.
 */
#ifndef VX_FLEET_SCHEMA_H
#define VX_FLEET_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "clickhouse.h"

enum fleet_table_id {
	FT_CAPTURES,	/* one row per exported capture: written last, it makes the batch visible */
	FT_JOURNEYS,
	FT_HOPS,
	FT_PACKETS,	/* the headers of the hops that have them */
	FT_DROPS,
	FT_ROUTES,
	FT_PATHS,
	FT_COUNT
};

struct fleet_col {
	const char *name;
	const char *type;
};

struct fleet_table {
	const char *name;
	const char *order_by;
	const struct fleet_col *cols;
	size_t ncols;
};

extern const struct fleet_table fleet_tables[FT_COUNT];

/*
 * struct fleet_db - the tables of one database on one server (and its cluster's shards).
 * @conn: the server named by the URL, its queries in the database. @cluster: NULL, or the
 * remote_servers cluster; @remote: with a cluster, each table read through remote() over
 * every shard's local table (fleet --cluster), else the tables by name.
 */
struct fleet_db {
	struct ch_conn *conn;
	char *cluster;
	char *shards;		/* "host:tcp_port,..." of the cluster, for remote() */
	bool remote;
	bool distributed;	/* the tables by name are Distributed (export --cluster made them) */
};

/*
 * fleet_db_open - connect to @url's server and database. @create: create the database and
 * the tables that are missing (with @cluster: on every server of the cluster, reached over
 * HTTP at its port in system.clusters plus the difference between the URL's HTTP port and
 * the TCP port of the server the URL names); without, the tables must be there. Either
 * way every table must have vxanalyze's columns. @cluster with !@create: read every shard
 * through remote(). 0, or -1 with vx_error() (unreachable server, ClickHouse's error, a
 * table of another schema). Free with fleet_db_close().
 */
int fleet_db_open(struct fleet_db *db, const char *url, const char *cluster, bool create);
void fleet_db_close(struct fleet_db *db);

/* fleet_table_expr - how queries name table @t: "db.hops", or remote('...', db, hops_local) */
void fleet_table_expr(const struct fleet_db *db, enum fleet_table_id t, struct strbuf *sb);
/* fleet_columns - "`a`, `b`, ..." of table @t, for INSERT */
void fleet_columns(enum fleet_table_id t, struct strbuf *sb);

#endif
