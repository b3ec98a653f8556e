/* lookups.c: FIB lookups parsed from their tracepoints and joined to hops and drops (see
 * lookups.h). Must not: touch the store, parse inputs, or print.
 */
#include "lookups.h"
#include "events.h"
#include "core/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int field_int(const struct vx_rec *r, const char *key, int dflt)
{
	const char *v = vx_rec_field(r, key);
	char *end;
	long x;

	if (!v || !*v)
		return dflt;
	x = strtol(v, &end, 0);
	return *end ? dflt : (int)x;
}

/* an address text is zero when it has no non-zero hex digit ("0.0.0.0", "::", "0:0::0") */
static bool addr_is_zero(const char *a)
{
	if (!a || !*a)
		return true;
	for (; *a; a++)
		if ((*a >= '1' && *a <= '9') || (*a >= 'a' && *a <= 'f') || (*a >= 'A' && *a <= 'F'))
			return false;
	return true;
}

const char *vx_route_gateway(const char *gw4, const char *gw6)
{
	bool has4 = !addr_is_zero(gw4), has6 = !addr_is_zero(gw6);

	/* the tracepoint fills gw4 or gw6 only when the nexthop has a gateway of that family and
	 * leaves the ring buffer's old bytes in both otherwise (see vx_route_gateway in lookups.h) */
	if (has4 == has6)
		return NULL;
	if (has4)
		return gw4;
	return !strncasecmp(gw6, "fe8", 3) || !strncasecmp(gw6, "fe9", 3) || !strncasecmp(gw6, "fea", 3) ||
	       !strncasecmp(gw6, "feb", 3) ? gw6 : NULL;
}

int vx_lookup_from_rec(const struct vx_rec *r, struct vx_lookup *out)
{
	const char *ev = vx_event_base(r->name), *dev;

	if (!vx_event_is_fib_lookup(r->name))
		return -1;
	memset(out, 0, sizeof(*out));
	out->ts_ns = r->ts_ns;
	out->cpu = r->cpu;
	out->ipv6 = ev[3] == '6';
	out->table = field_int(r, "tb_id", -1);
	out->src = vx_rec_field(r, "src");
	out->dst = vx_rec_field(r, "dst");
	out->proto = field_int(r, "proto", 0);
	out->sport = field_int(r, "sport", 0);
	out->dport = field_int(r, "dport", 0);
	dev = vx_rec_field(r, "name");
	out->dev = dev && *dev && strcmp(dev, "-") ? dev : NULL;
	out->gw = out->ipv6 ? (addr_is_zero(vx_rec_field(r, "gw")) ? NULL : vx_rec_field(r, "gw"))
			    : vx_route_gateway(vx_rec_field(r, "gw4"), vx_rec_field(r, "gw6"));
	out->err = field_int(r, "err", 0);
	return 0;
}

const char *vx_route_table_name(int table, char *buf, size_t size)
{
	switch (table) {
	case 255: return "local";
	case 254: return "main";
	case 253: return "default";
	}
	snprintf(buf, size, "%d", table);
	return buf;
}

const char *vx_route_err_meaning(int err)
{
	switch (err) {
	case -22: return "blackhole";		/* -EINVAL */
	case -113: return "unreachable";	/* -EHOSTUNREACH */
	case -13: return "prohibit";		/* -EACCES */
	case -101: return "network unreachable";	/* -ENETUNREACH: no route at all */
	case -11: return "throw";		/* -EAGAIN: throw route, or no match in this table */
	}
	return NULL;
}

const char *vx_route_proto_name(int proto)
{
	switch (proto) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "ipv6-icmp";
	}
	return NULL;
}

static void add_endpoint(struct strbuf *sb, const char *addr, int port)
{
	strbuf_addstr(sb, addr && *addr ? addr : "?");
	if (port)
		strbuf_addf(sb, "/%d", port);
}

void vx_lookup_describe(const struct vx_lookup *l, struct strbuf *sb)
{
	char num[16];
	const char *table = vx_route_table_name(l->table, num, sizeof(num));
	const char *proto = vx_route_proto_name(l->proto);

	if (l->err) {
		const char *m = vx_route_err_meaning(l->err);

		strbuf_addf(sb, "route lookup err %d", l->err);
		if (m)
			strbuf_addf(sb, " (%s)", m);
		strbuf_addf(sb, " in table %s: ", table);
	} else {
		strbuf_addf(sb, "routed by table %s: ", table);
	}
	add_endpoint(sb, l->src, l->sport);
	strbuf_addstr(sb, " \xe2\x86\x92 ");	/* → */
	add_endpoint(sb, l->dst, l->dport);
	if (proto)
		strbuf_addf(sb, " %s", proto);
	else if (l->proto)
		strbuf_addf(sb, " proto %d", l->proto);
	if (!l->err) {
		if (l->gw)
			strbuf_addf(sb, " via %s", l->gw);
		if (l->dev)
			strbuf_addf(sb, " dev %s", l->dev);
	}
}

static int cmp_lookup(const void *a, const void *b)
{
	const struct vx_lookup_rec *x = a, *y = b;

	if (x->capture_id != y->capture_id)
		return x->capture_id < y->capture_id ? -1 : 1;
	if (x->l.cpu != y->l.cpu)
		return x->l.cpu < y->l.cpu ? -1 : 1;
	return x->l.ts_ns < y->l.ts_ns ? -1 : x->l.ts_ns > y->l.ts_ns;
}

int vx_lookups_build(const struct vx_rec *recs, size_t n, struct vx_lookups *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct vx_lookup l;

		if (vx_lookup_from_rec(&recs[i], &l) == 0)
			vx_lookups_add(out, recs[i].capture_id, &l);
	}
	vx_lookups_sort(out);
	return 0;
}

void vx_lookups_add(struct vx_lookups *ls, int64_t capture_id, const struct vx_lookup *l)
{
	VX_GROW(ls->v, ls->n, ls->cap);
	ls->v[ls->n].capture_id = capture_id;
	ls->v[ls->n++].l = *l;
}

void vx_lookups_sort(struct vx_lookups *ls)
{
	if (ls->n > 1)
		qsort(ls->v, ls->n, sizeof(*ls->v), cmp_lookup);
}

void vx_lookups_release(struct vx_lookups *ls)
{
	free(ls->v);
	ls->v = NULL;
	ls->n = ls->cap = 0;
}

/* index of the first lookup of (@capture_id, @cpu) later than @ts: everything before it
 * on that CPU happened at or before @ts */
static size_t upper_bound(const struct vx_lookups *ls, int64_t capture_id, int cpu, uint64_t ts)
{
	struct vx_lookup_rec key = { .capture_id = capture_id, .l = { .cpu = cpu, .ts_ns = ts } };
	size_t lo = 0, hi = ls->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_lookup(&ls->v[mid], &key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool vx_lookup_decides_hop(const struct vx_lookup *l, const char *dev)
{
	return !l->err && l->dev && dev && !strcmp(l->dev, dev);
}

bool vx_lookup_rec_may_decide(const struct vx_rec *r, const char *dev)
{
	return !r->dev || !dev || !strcmp(r->dev, dev);
}

bool vx_lookup_explains_drop(const struct vx_lookup *l)
{
	return l->err && l->err != -11;
}

static bool same_cpu(const struct vx_lookup_rec *e, int64_t capture_id, int cpu)
{
	return e->capture_id == capture_id && e->l.cpu == cpu;
}

const struct vx_lookup *vx_lookup_for_hop(const struct vx_lookups *ls, int64_t capture_id, int cpu,
					  uint64_t from, uint64_t ts, const char *dev)
{
	if (!dev || cpu < 0)
		return NULL;
	from = vx_lookup_window_from(from, ts);
	for (size_t i = upper_bound(ls, capture_id, cpu, ts); i-- > 0;) {
		const struct vx_lookup_rec *e = &ls->v[i];

		if (!same_cpu(e, capture_id, cpu) || e->l.ts_ns < from)
			break;
		if (vx_lookup_decides_hop(&e->l, dev))
			return &e->l;
	}
	return NULL;
}

const struct vx_lookup *vx_lookup_failed_between(const struct vx_lookups *ls, int64_t capture_id,
						 int cpu, uint64_t from, uint64_t to)
{
	const struct vx_lookup *first = NULL;

	if (cpu < 0)
		return NULL;
	for (size_t i = upper_bound(ls, capture_id, cpu, to); i-- > 0;) {
		const struct vx_lookup_rec *e = &ls->v[i];

		if (!same_cpu(e, capture_id, cpu) || e->l.ts_ns < from)
			break;
		if (vx_lookup_explains_drop(&e->l))
			first = &e->l;	/* walking back: the last one kept is the earliest */
	}
	return first;
}
