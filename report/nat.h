/* nat.h: NAT seen in a journey's headers. Where kprobes read the packet at several hops
 * (packet.h), the same packet (protocol, IP id, ICMP sequence or TCP sequence unchanged)
 * with other addresses or ports at a later hop was rewritten on the way: a dnat when its
 * destination changed, an snat when only its source did (conntrack undoing a DNAT on the
 * reply is an snat). Encapsulation is not a rewrite (the outer packet is another packet:
 * its IP id differs), nor are TTL, IP id or checksums.
 * Must not: touch the store, parse inputs, or print.
 */
#ifndef VX_NAT_H
#define VX_NAT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"
#include "packet.h"

enum vx_nat_kind { VX_NAT_DNAT, VX_NAT_SNAT };

/* the addresses and ports NAT may rewrite; ports -1 when the protocol has none (ICMP: its
 * echo id is what conntrack rewrites, in @icmp_id) */
struct vx_tuple {
	char src[46], dst[46];
	int sport, dport;
	int icmp_id;
};

/* struct vx_nat - one rewrite, at the first hop that shows the new header; @function is the
 * NAT probe seen between the two hops (nf_nat_manip_pkt), NULL when none was */
struct vx_nat {
	enum vx_nat_kind kind;
	struct vx_tuple before, after;
	const char *function;
};

/* vx_nat_kind_name - "dnat", "snat": the JSON values, never renamed */
const char *vx_nat_kind_name(enum vx_nat_kind k);

struct vx_journey;
/*
 * vx_journey_nat - find the rewrites among @j's hops that carry headers (hop->pkt): each
 * rewrite goes into @nats[i] for the hop i that shows it and hop->nat points there. Returns
 * the number of rewrites.
 */
size_t vx_journey_nat(struct vx_journey *j, struct vx_nat *nats);

/* vx_nat_tuple_describe - "10.244.1.5 → 10.96.0.10 id 7" (ports as "/80" where the protocol
 * has them, the ICMP echo id as " id N") into @sb */
void vx_nat_tuple_describe(const struct vx_tuple *t, struct strbuf *sb);

/* vx_nat_describe - "dnat 10.244.1.5 → 10.96.0.10 became 10.244.1.5 → 10.244.2.7 (by
 * nf_nat_manip)" into @sb */
void vx_nat_describe(const struct vx_nat *n, struct strbuf *sb);

#endif
