/* fleet-query.h: the fleet report, every figure computed by SQL in ClickHouse over the
 * exported batches (fleet-export.h): hosts and their journeys by how they ended, drops,
 * per-host hop latencies of the most frequent shapes, the packets seen on several hosts
 * joined by their identity as report/join.c joins them, the hosts' clock offsets from the
 * minimum one-way delays both ways, and the slowest journeys. Only the listed rows come
 * back. Must not: compute a figure in C, or print.
 */
#ifndef VX_FLEET_QUERY_H
#define VX_FLEET_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "fleet-schema.h"

/* the journeys of a host that ended one way (journeys.end) */
struct fleet_count {
	const char *name;
	uint64_t n;
};

struct fleet_host {
	const char *host;
	uint64_t captures, events, lost;
	uint64_t journeys, dropped, hops;
	struct fleet_count *ends;	/* by end value, in name order */
	size_t nends;
};

struct fleet_drop {
	const char *host, *reason, *location;	/* "" when the kernel did not say */
	uint64_t count;
};

/* one hop of a shape on one host: the time since the hop before over its journeys */
struct fleet_lat_hop {
	uint32_t hop;
	const char *event, *dev;
	int64_t len;
	uint64_t p50, p90, p99, max;	/* hop 0 has none */
};

struct fleet_shape {
	const char *host;
	uint64_t shape;
	uint64_t journeys;
	struct fleet_lat_hop *hops;
	size_t nhops;
};

/* clocks of two hosts (@a < @b by name): @offset_ns is b's clock minus a's, known when
 * packets crossed both ways: (min d_ab - min d_ba) / 2 ± (min d_ab + min d_ba) / 2 */
struct fleet_clock {
	const char *a, *b;
	bool known;
	int64_t offset_ns, uncertainty_ns;
	int64_t min_ab_ns, min_ba_ns;	/* valid when samples_ab / samples_ba */
	uint64_t samples_ab, samples_ba;
};

/* one journey of a joined packet on one host */
struct fleet_part {
	const char *host, *batch;
	uint64_t journey, skb, first_ts;
	const char *end;
	uint64_t jkey;		/* journeys.jkey */
};

/* one hop of a joined packet: @aligned_ns on the first part's host's clock (the part's
 * own time when that pair's offset is not known) */
struct fleet_jhop {
	size_t part;
	uint32_t hop;
	uint64_t ts;
	int64_t aligned_ns;
	const char *event, *dev;
	int64_t len;
};

#define FLEET_MAX_PARTS 4	/* as report/join.h's VX_JOIN_MAX_PARTS */
struct fleet_joined {
	bool ordered;		/* two parts, one of which starts with a receive: sender first */
	const char *pkt;	/* the sender's first headers in words */
	size_t nparts;
	struct fleet_part parts[FLEET_MAX_PARTS];
	bool wire_known;	/* ordered and the pair's clocks known: */
	int64_t wire_ns, wire_unc_ns;	/* one way from the sender's last transmit */
	struct fleet_jhop *hops;	/* parts in order, each in hop order */
	size_t nhops;
};

struct fleet_slow {
	const char *host, *batch;
	uint64_t journey, skb, first_ts, duration_ns;
	uint32_t nhops;
	const char *end, *drop_reason, *drop_location, *pkt;
};

struct fleet_query_opts {
	const char *host_glob;	/* only hosts whose name matches (* ? [..]), NULL: all */
	size_t max_shapes;	/* latency shapes per host (0: 5) */
	size_t max_joined;	/* joined journeys listed (0: 100) */
	size_t max_slowest;	/* slowest journeys listed (0: 20) */
};

/* struct fleet_report - what fleet_query() found; everything lives in @arena */
struct fleet_report {
	const char *source, *cluster, *host_glob;
	uint64_t captures, journeys_total, hops_total;
	struct fleet_host *hosts;
	size_t nhosts;
	struct fleet_drop *drops;
	size_t ndrops;
	struct fleet_shape *shapes;
	size_t nshapes;
	uint64_t joined_total, join_ambiguous, with_identity;
	struct fleet_joined *joined;
	size_t njoined;
	struct fleet_clock *clocks;
	size_t nclocks;
	struct fleet_slow *slowest;
	size_t nslowest;
	struct arena arena;
};

/* fleet_query - ask @db for the report; 0, or -1 with vx_error() (ClickHouse's message).
 * Free with fleet_report_release() */
int fleet_query(struct fleet_db *db, const struct fleet_query_opts *o, struct fleet_report *rep);
void fleet_report_release(struct fleet_report *rep);

/* fleet_glob_regex - the ClickHouse regular expression (re2) of shell glob @glob into @sb */
void fleet_glob_regex(const char *glob, struct strbuf *sb);

#endif
