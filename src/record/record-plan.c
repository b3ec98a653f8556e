/* record-plan.c: what `vxanalyze record` asks of the kernel: presets expanded into
 * kprobes and tracepoints, user names checked (nothing reaches kprobe_events unless it is a
 * plain identifier), and each probe resolved to a function this kernel really has.
 * Pure: no tracefs, no files, no printing; record.c supplies the existence checks.
 */
#include "record.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "record-btf.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* x86-64 SysV: the skb is the 3rd argument of ip_output(net, sk, skb) and of
 * iptunnel_xmit(sk, rt, skb, ...): %dx, the 1st of ip_rcv_core(skb, net): %di. Its length
 * and headers are read through sk_buff offsets from the kernel's BTF (vx_plan_use_btf);
 * without BTF only the address is fetched. */
#define FETCH_SKB_X86 "skb=%dx:x64"
#define FETCH_SKB_DI_X86 "skb=%di:x64"

struct preset_probe {
	const char *event;
	const char *funcs[VX_PROBE_MAX_ALT + 1];
	const char *fetch_x86;
	bool ret;
	const char *skb_reg;	/* the skb's register on x86-64, NULL when the probe has none */
	enum vx_skb_at skb_at;
	bool rx;		/* a receive after eth_type_trans: the MAC header lies before skb->data */
	/* a probe that follows a packet from skb to skb (report/links.c): what is not followed
	 * without it, for the one note that lists what this kernel lacks; NULL for the others */
	const char *follows;
	bool chain;		/* a kretprobe returning a list: its ->next chain is read (BTF) */
};

struct preset {
	const char *name;
	struct preset_probe probes[24];
	const char *tps[10];
};

/* the skb is the 1st argument (%di) of the copying functions and of the segmentation, the
 * 2nd (%si) of the socket queues; a kretprobe's $retval is the new skb */
#define SKB_DI "skb=%di:x64"
#define SKB_SI "skb=%si:x64"
#define SKB_RET "skb=$retval:x64"
/* an entry probe and a kretprobe on one function: the report pairs them on one CPU (the
 * entry's skb is the parent, the return's the child; report/links.c) */
#define LINK_PAIR(ev, f1, f2, what) \
	{ ev, { f1, f2 }, SKB_DI, false, NULL, 0, false, what, false }, \
	{ ev "_ret", { f1, f2 }, SKB_RET, true, NULL, 0, false, what, false }

/* The vxlan preset also records the FIB lookups: they tell which route sent each transmit
 * to its device (report/lookups.c); fib6 only where the kernel has it. It follows a packet
 * into the skbs it becomes (clones, copies, GSO segments, GRO merges), sees NAT rewrite it
 * and where it is handed to a socket (report/links.c, verdict.c). sched_process_fork gives
 * the command's process tree (record.c keeps it as capture meta, not as events).
 * fib_check_nh is split on newer kernels (fib_check_nh_v4_gw is where the gateway lookup
 * happens, and it may be the only probe-able one): the first name that exists is used. */
static const struct preset presets[] = {
	{ "vxlan",
	  { { "iptunnel_xmit", { "iptunnel_xmit" }, FETCH_SKB_X86, false, "dx", VX_SKB_AT_UDP_TUNNEL, false, NULL, false },
	    { "ip_output", { "ip_output" }, FETCH_SKB_X86, false, "dx", VX_SKB_AT_IP, false, NULL, false },
	    /* the receive side, after eth_type_trans (both ip_rcv and ip_list_rcv pass here) */
	    { "ip_rcv", { "ip_rcv_core", "ip_rcv" }, FETCH_SKB_DI_X86, false, "di", VX_SKB_AT_IP, true, NULL, false },
	    /* IPv6: ip6_output(net, sk, skb), ip6_rcv_core(skb, dev, net) or ipv6_rcv(skb, ...) */
	    { "ip6_output", { "ip6_output" }, FETCH_SKB_X86, false, "dx", VX_SKB_AT_IP6, false, NULL, false },
	    { "ip6_rcv", { "ip6_rcv_core", "ipv6_rcv" }, FETCH_SKB_DI_X86, false, "di", VX_SKB_AT_IP6, true, NULL, false },
	    LINK_PAIR("skb_clone", "skb_clone", NULL, "clones"),
	    LINK_PAIR("skb_copy", "skb_copy", NULL, "copies"),
	    LINK_PAIR("pskb_copy", "__pskb_copy_fclone", "pskb_copy", "copies"),
	    LINK_PAIR("skb_copy_expand", "skb_copy_expand", NULL, "copies"),
	    /* software GSO: the first segment is returned, the others hang off its ->next */
	    { "skb_gso_segment", { "__skb_gso_segment", "skb_gso_segment" }, SKB_DI, false, NULL, 0, false, "GSO segments", false },
	    { "skb_gso_segment_ret", { "__skb_gso_segment", "skb_gso_segment" }, SKB_RET, true, NULL, 0, false, "GSO segments", true },
	    /* GRO: skb_gro_receive(head, skb) merges skb into head */
	    { "skb_gro_receive", { "skb_gro_receive" }, "skb=%si:x64 head=%di:x64", false, NULL, 0, false, "GRO merges", false },
	    /* NAT: the function that rewrote a packet (nf_nat_manip_pkt(skb, ct, mtype, dir)) */
	    { "nf_nat_manip", { "nf_nat_manip_pkt", "nf_nat_ipv4_manip_pkt" }, SKB_DI, false, NULL, 0, false, "NAT functions", false },
	    /* delivery to a socket, and the process that reads it (skb_copy_datagram_iter runs in
	     * the reader's recvmsg) */
	    { "sock_queue_rcv", { "__sock_queue_rcv_skb", "sock_queue_rcv_skb_reason" }, SKB_SI, false, NULL, 0, false, "deliveries", false },
	    { "udp_queue_rcv", { "__udp_enqueue_schedule_skb" }, SKB_SI, false, NULL, 0, false, "deliveries", false },
	    { "tcp_queue_rcv", { "tcp_queue_rcv", "tcp_data_queue" }, SKB_SI, false, NULL, 0, false, "deliveries", false },
	    { "skb_copy_datagram", { "skb_copy_datagram_iter", "skb_copy_datagram_iovec" }, SKB_DI, false, NULL, 0, false,
	      "receiving processes", false } },
	  { "net:net_dev_start_xmit", "net:netif_receive_skb", "net:netif_rx", "net:napi_gro_receive_entry",
	    "skb:kfree_skb", "skb:consume_skb", "fib:fib_table_lookup", "fib6:fib6_table_lookup",
	    "sched:sched_process_fork" } },
	{ "route",
	  { { "fib_check_nh", { "fib_check_nh", "fib_check_nh_v4_gw" }, NULL, false, NULL, 0, false, NULL, false },
	    { "netlink_recvmsg", { "netlink_recvmsg" }, NULL, false, NULL, 0, false, NULL, false },
	    { "fib_check_nh_ret", { "fib_check_nh", "fib_check_nh_v4_gw" }, "ret=$retval:s32", true, NULL, 0, false, NULL, false } },
	  { "net:net_dev_start_xmit", "net:netif_receive_skb", "net:netif_rx", "fib:fib_table_lookup",
	    "netlink:netlink_extack", "sched:sched_process_fork" } },
};

#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

static bool ident_chars(const char *s, size_t max, const char *extra)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++, n++) {
		if (n >= max)
			return false;
		if (!isalnum((unsigned char)*s) && *s != '_' && !(extra && strchr(extra, *s)))
			return false;
	}
	return true;
}

bool vx_func_name_valid(const char *s)
{
	return ident_chars(s, 127, ".");
}

bool vx_event_name_valid(const char *s)
{
	const char *c = s ? strchr(s, ':') : NULL;
	char sys[64];
	size_t n;

	if (!c)
		return false;
	n = (size_t)(c - s);
	if (!n || n >= sizeof(sys))
		return false;
	memcpy(sys, s, n);
	sys[n] = '\0';
	return ident_chars(sys, 63, NULL) && ident_chars(c + 1, 63, NULL);
}

bool vx_glob_valid(const char *s)
{
	return ident_chars(s, 31, ".*?@:-");
}

static int add_probe(struct vx_plan *p, const struct vx_probe_req *r)
{

	for (size_t i = 0; i < p->nprobes; i++)
		if (!strcmp(p->probes[i].event, r->event)) {
			p->probes[i].user |= r->user;
			return 0;
		}
	VX_GROW(p->probes, p->nprobes, p->probes_alloc);
	p->probes[p->nprobes++] = *r;
	return 0;
}

static int add_tp(struct vx_plan *p, const char *name, bool user)
{
	struct vx_tp_req r = { .user = user };
	const char *c = strchr(name, ':');

	snprintf(r.system, sizeof(r.system), "%.*s", (int)(c - name), name);
	snprintf(r.event, sizeof(r.event), "%s", c + 1);
	for (size_t i = 0; i < p->ntps; i++)
		if (!strcmp(p->tps[i].system, r.system) && !strcmp(p->tps[i].event, r.event)) {
			p->tps[i].user |= user;
			return 0;
		}
	VX_GROW(p->tps, p->ntps, p->tps_alloc);
	p->tps[p->ntps++] = r;
	return 0;
}

static int add_preset(struct vx_plan *p, const struct preset *ps, bool x86_64)
{
	for (size_t i = 0; i < sizeof(ps->probes) / sizeof(ps->probes[0]) && ps->probes[i].event; i++) {
		const struct preset_probe *pp = &ps->probes[i];
		struct vx_probe_req r = { .ret = pp->ret };

		snprintf(r.event, sizeof(r.event), "%s", pp->event);
		memcpy(r.funcs, pp->funcs, sizeof(r.funcs));
		/* $retval needs no register knowledge; the skb fetch does */
		r.fetch = pp->ret ? pp->fetch_x86 : (x86_64 ? pp->fetch_x86 : NULL);
		r.skb_reg = x86_64 ? pp->skb_reg : NULL;
		r.skb_at = pp->skb_at;
		r.follows = pp->follows;
		r.chain = pp->chain;
		r.rx = pp->rx;
		if (add_probe(p, &r) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(ps->tps) / sizeof(ps->tps[0]) && ps->tps[i]; i++)
		if (add_tp(p, ps->tps[i], false) < 0)
			return -1;
	return 0;
}

int vx_plan_build(struct vx_plan *p, const char *preset, const char *const *probes, size_t nprobes,
		  const char *const *events, size_t nevents, bool x86_64)
{
	bool found = false;

	memset(p, 0, sizeof(*p));
	if (!preset)
		preset = "vxlan";
	for (size_t i = 0; i < NPRESETS; i++) {
		if (strcmp(preset, "all") && strcmp(preset, presets[i].name))
			continue;
		found = true;
		if (add_preset(p, &presets[i], x86_64) < 0)
			goto fail;
	}
	if (!found && strcmp(preset, "none")) {
		vx_error("unknown preset '%s' (choose vxlan, route, all or none)", preset);
		goto fail;
	}
	for (size_t i = 0; i < nprobes; i++) {
		struct vx_probe_req r = { .user = true };
		char *copy;

		if (!vx_func_name_valid(probes[i])) {
			vx_error("--probe '%s': not a kernel function name (allowed: letters, digits, '_', '.')",
				 probes[i]);
			goto fail;
		}
		copy = xstrdup(probes[i]);
		VX_GROW(p->owned, p->nowned, p->owned_alloc);
		p->owned[p->nowned++] = copy;
		/* an event name cannot hold '.' (foo.constprop.0 -> foo_constprop_0) */
		snprintf(r.event, sizeof(r.event), "%s", copy);
		for (char *c = r.event; *c; c++)
			if (*c == '.')
				*c = '_';
		r.funcs[0] = copy;
		if (add_probe(p, &r) < 0)
			goto fail;
	}
	for (size_t i = 0; i < nevents; i++) {
		if (!vx_event_name_valid(events[i])) {
			vx_error("-e '%s': expected SYSTEM:EVENT (letters, digits, '_'), e.g. net:netif_rx",
				 events[i]);
			goto fail;
		}
		if (add_tp(p, events[i], true) < 0)
			goto fail;
	}
	return 0;
fail:
	vx_plan_release(p);
	return -1;
}

void vx_plan_release(struct vx_plan *p)
{
	for (size_t i = 0; i < p->nowned; i++)
		free(p->owned[i]);
	free(p->owned);
	free(p->probes);
	free(p->tps);
	memset(p, 0, sizeof(*p));
}

static void notef(void (*note)(void *, const char *), void *nctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void notef(void (*note)(void *, const char *), void *nctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	note(nctx, msg);
}

int vx_plan_resolve(struct vx_plan *p, bool (*func_exists)(void *ctx, const char *func),
		    bool (*tp_exists)(void *ctx, const char *sys, const char *ev), void *ctx,
		    void (*note)(void *nctx, const char *msg), void *nctx)
{
	struct strbuf missing = STRBUF_INIT;
	size_t keep = 0;

	for (size_t i = 0; i < p->nprobes; i++) {
		struct vx_probe_req *r = &p->probes[i];

		r->func = NULL;
		for (size_t k = 0; k <= VX_PROBE_MAX_ALT && r->funcs[k]; k++)
			if (func_exists(ctx, r->funcs[k])) {
				r->func = r->funcs[k];
				break;
			}
		if (!r->func) {
			if (r->user) {
				strbuf_release(&missing);
				return vx_error("probe %s: function not found in kallsyms or "
						"available_filter_functions (inlined, renamed or in an "
						"unloaded module?)", r->funcs[0]);
			}
			if (r->follows) {
				/* an entry and its return probe are one thing to follow: say it once */
				if (!r->ret)
					strbuf_addf(&missing, "%s%s (%s)", missing.len ? ", " : "", r->funcs[0],
						    r->follows);
				continue;
			}
			notef(note, nctx, "probe %s: no such function on this kernel (tried %s%s%s); skipped",
			      r->event, r->funcs[0], r->funcs[1] ? ", " : "", r->funcs[1] ? r->funcs[1] : "");
			continue;
		}
		if (r->func != r->funcs[0] && !r->follows)
			notef(note, nctx, "probe %s: %s does not exist here, using %s instead",
			      r->event, r->funcs[0], r->func);
		p->probes[keep++] = *r;
	}
	p->nprobes = keep;
	if (missing.len)
		notef(note, nctx, "not on this kernel, so not followed: %s", missing.buf);
	strbuf_release(&missing);
	keep = 0;
	for (size_t i = 0; i < p->ntps; i++) {
		struct vx_tp_req *t = &p->tps[i];

		t->exists = tp_exists(ctx, t->system, t->event);
		if (!t->exists) {
			if (t->user)
				return vx_error("event %s:%s: no such tracepoint on this kernel (see "
						"/sys/kernel/tracing/available_events)", t->system, t->event);
			notef(note, nctx, "event %s:%s: not on this kernel; skipped", t->system, t->event);
			continue;
		}
		p->tps[keep++] = *t;
	}
	p->ntps = keep;
	return 0;
}

/* the ->next chain of a returned segment list: seg1=+N($retval), seg2=+N(+N($retval)), ...
 * as deep as one fetch argument may be (measured on 6.1: 13 dereferences, under 63
 * characters); a list longer than that is followed as far as seg13, and the report says so
 * when seg13 is not its end */
#define CHAIN_MAX_DEPTH 13
#define FETCHARG_MAX_CHARS 59

static void chain_fetchargs(struct strbuf *sb, int next_off)
{
	char arg[96] = "$retval";

	strbuf_addstr(sb, SKB_RET);
	for (int d = 1; d <= CHAIN_MAX_DEPTH; d++) {
		char tmp[96];

		if (snprintf(tmp, sizeof(tmp), "+%d(%s)", next_off, arg) > FETCHARG_MAX_CHARS)
			break;
		memcpy(arg, tmp, sizeof(arg));
		strbuf_addf(sb, " seg%d=%s:x64", d, arg);
	}
}

int vx_plan_use_btf(struct vx_plan *p, const struct vx_skb_layout *l, int snaplen)
{
	int with_bytes = 0;

	for (size_t i = 0; i < p->nprobes; i++) {
		struct vx_probe_req *r = &p->probes[i];
		struct strbuf sb = STRBUF_INIT;

		if (r->chain && l->next >= 0) {
			chain_fetchargs(&sb, l->next);
		} else if (!r->skb_reg || r->ret) {
			continue;
		} else {
			vx_skb_fetchargs(l, r->skb_reg, (enum vx_skb_at)r->skb_at, &sb);
			if (snaplen > 0) {
				size_t before = sb.len;

				vx_skb_fetch_bytes(l, r->skb_reg, snaplen, r->rx, &sb);
				with_bytes += sb.len > before;
			}
		}
		VX_GROW(p->owned, p->nowned, p->owned_alloc);
		r->fetch = p->owned[p->nowned++] = strbuf_detach(&sb, NULL);
	}
	return with_bytes;
}
