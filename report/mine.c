/* mine.c: the recorded command's own packets. A recording stores its command line and the
 * pids of its process tree (capture meta command_pids); a journey is the command's when its
 * first hop was created by one of those processes (a send) or when it was delivered to one
 * (a reply). Each such packet is counted by kind and verdict into a handful of rows, from
 * which the reports open with one line. Memory: the rows (a few) and the pids.
 * Must not: touch the store, parse inputs, or print.
 */
#include "analysis-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* rows beyond this many distinct (kind, verdict, where) go into the last one */
#define MINE_MAX_ROWS 32

void vx_mine_init(struct vx_analysis *an)
{
	const struct vx_dataset *ds = an->ds;

	for (size_t i = 0; i < ds->ncaptures; i++) {
		const struct vx_capture *c = &ds->captures[i];
		struct vx_recorded_cmd cmd = { .capture_id = c->id };
		size_t cap = 0;
		const char *p = c->command_pids;

		if (!p || !c->source)
			continue;
		while (*p) {
			char *end;
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			if (v > 0 && v <= INT32_MAX) {
				VX_GROW(cmd.pids, cmd.npids, cap);
				cmd.pids[cmd.npids++] = (int)v;
			}
			p = end;
		}
		if (!cmd.npids)
			continue;
		cmd.line = !strncmp(c->source, "record: ", 8) ? c->source + 8 : c->source;
		an->commands = xrealloc(an->commands, (an->ncommands + 1) * sizeof(*an->commands));
		an->commands[an->ncommands++] = cmd;
	}
}

void vx_mine_release(struct vx_analysis *an)
{
	for (size_t i = 0; i < an->ncommands; i++)
		free(an->commands[i].pids);
	free(an->commands);
	free(an->mine);
	an->commands = NULL;
	an->mine = NULL;
	an->ncommands = an->nmine = 0;
}

static const struct vx_recorded_cmd *command_of(const struct vx_analysis *an, int64_t capture_id)
{
	for (size_t i = 0; i < an->ncommands; i++)
		if (an->commands[i].capture_id == capture_id)
			return &an->commands[i];
	return NULL;
}

static bool has_pid(const struct vx_recorded_cmd *c, int pid)
{
	for (size_t i = 0; pid > 0 && i < c->npids; i++)
		if (c->pids[i] == pid)
			return true;
	return false;
}

bool vx_mine_has_pid(const struct vx_analysis *an, int64_t capture_id, int pid)
{
	const struct vx_recorded_cmd *c = command_of(an, capture_id);

	return c && has_pid(c, pid);
}

/* what kind of packet @j carried, by its first headers: "echo request", "TCP segment", ... */
/* a tunnel's outer UDP header (VXLAN, Linux VXLAN, Geneve): another packet than the one
 * the tunnel carries */
static bool tunnel_outer(const struct vx_ip *ip)
{
	return ip->proto == 17 && (ip->dport == 4789 || ip->dport == 8472 || ip->dport == 6081);
}

const char *vx_mine_what(const struct vx_journey *j)
{
	const struct vx_ip *first = NULL;

	/* the first headers of the packet itself: a received VXLAN packet shows its outer
	 * headers first, the packet it carries after the decapsulation */
	for (size_t i = 0; i < j->nhops; i++) {
		const struct vx_packet *p = j->hops[i].pkt;
		const struct vx_ip *ip;

		if (!p)
			continue;
		ip = p->vni >= 0 && p->inner.known ? &p->inner : &p->ip;
		if (!ip->known)
			continue;
		if (!first)
			first = ip;
		if (!tunnel_outer(ip)) {
			first = ip;
			break;
		}
	}
	if (!first)
		return "packet";
	if (first->icmp_type == 8 || first->icmp_type == 128)
		return "echo request";
	if (first->icmp_type == 0 || first->icmp_type == 129)
		return "echo reply";
	if (first->proto == 6)
		return "TCP packet";
	if (first->proto == 17)
		return "UDP datagram";
	if (first->proto == 1 || first->proto == 58)
		return "ICMP message";
	return "packet";
}

/* how it ended, for the line: "to ping (pid 123)", "on eth0", "at ip_error" */
static void where_of(const struct vx_verdict *v, struct strbuf *sb)
{
	switch (v->kind) {
	case VX_VERDICT_DELIVERED:
		if (v->comm)
			strbuf_addf(sb, "to %s (pid %d)", v->comm, v->pid);
		else if (v->local)
			strbuf_addf(sb, "to the local stack%s%s", v->where ? " at " : "", v->where ? v->where : "");
		else
			strbuf_addstr(sb, "to a socket");
		break;
	case VX_VERDICT_SENT:
		if (v->where)
			strbuf_addf(sb, "on %s", v->where);
		break;
	case VX_VERDICT_DROPPED:
		if (v->where)
			strbuf_addf(sb, "at %s", v->where);
		break;
	default:
		break;
	}
}

static int row_of(struct vx_analysis *an, int64_t capture, const char *what, enum vx_verdict_kind verdict,
		  const char *where)
{
	for (size_t i = 0; i < an->nmine; i++) {
		const struct vx_mine_row *r = &an->mine[i];

		if (r->capture_id == capture && r->verdict == verdict && !strcmp(r->what, what) &&
		    !strcmp(r->where, where))
			return (int)i;
	}
	if (an->nmine == MINE_MAX_ROWS)
		return MINE_MAX_ROWS - 1;	/* rare: the last row takes the rest */
	an->mine = xrealloc(an->mine, (an->nmine + 1) * sizeof(*an->mine));
	an->mine[an->nmine] = (struct vx_mine_row){ capture, what, verdict, arena_strdup(&an->arena, where), 0 };
	return (int)an->nmine++;
}

bool vx_journey_is_mine(const struct vx_analysis *an, const struct vx_journey *j)
{
	const struct vx_journey *k = vx_join_kept(an, j);

	return j->mine || (k && k->mine);
}

int vx_mine_mark(struct vx_analysis *an, struct vx_journey *j)
{
	const struct vx_recorded_cmd *c = command_of(an, j->capture_id);
	const struct vx_hop *h0 = j->nhops ? &j->hops[0] : NULL;
	struct strbuf where = STRBUF_INIT;
	int row;

	j->mine = false;
	if (!c || !h0 || !h0->rec)
		return -1;
	/* sent by it: created in its process (a stack that shows no builder is not a send, but a
	 * capture without stacks cannot tell) */
	if (has_pid(c, h0->rec->pid) && (!h0->path || h0->path->journey.created))
		j->mine = true;
	if (j->verdict.kind == VX_VERDICT_DELIVERED && has_pid(c, j->verdict.pid))
		j->mine = true;
	/* a clone's or copy's journey is the same packet as its original's, unless a send
	 * created it (TCP transmits a clone of the skb its write queue keeps) */
	if (!j->mine || (vx_hop_kind_of(h0->event) == VX_HOP_BORN && !(h0->path && h0->path->journey.created)))
		return -1;
	where_of(&j->verdict, &where);
	row = row_of(an, j->capture_id, vx_mine_what(j), j->verdict.kind, where.buf);
	strbuf_release(&where);
	return row;
}

void vx_mine_count(struct vx_analysis *an, const struct vx_journey *j, int row)
{
	(void)j;
	if (row >= 0)
		an->mine[row].count++;
}

void vx_mine_excused(struct vx_analysis *an, const struct vx_deferred *d)
{
	const struct vx_recorded_cmd *c = command_of(an, d->capture);
	struct vx_verdict v = { .kind = VX_VERDICT_DELIVERED, .where = d->fate.where, .pid = d->fate.pid,
				.comm = d->fate.comm };
	struct strbuf where = STRBUF_INIT;
	const char *what = d->what ? d->what : "packet";
	int row;

	/* a reply read by the command's process is the command's, wherever it was created */
	if (d->mine < 0 && !(c && has_pid(c, d->fate.pid)))
		return;
	if (d->mine >= 0 && an->mine[d->mine].count)
		an->mine[d->mine].count--;
	where_of(&v, &where);
	row = row_of(an, d->capture, what, VX_VERDICT_DELIVERED, where.buf);
	an->mine[row].count++;
	strbuf_release(&where);
}

/* "3 echo requests", "1 echo reply", "2 echo replies" */
static void add_count(struct strbuf *sb, size_t n, const char *what)
{
	size_t len = strlen(what);

	if (n == 1)
		strbuf_addf(sb, "1 %s", what);
	else if (len && what[len - 1] == 'y')
		strbuf_addf(sb, "%zu %.*sies", n, (int)len - 1, what);
	else
		strbuf_addf(sb, "%zu %ss", n, what);
}

void vx_command_line(const struct vx_analysis *an, const struct vx_recorded_cmd *c, struct strbuf *sb)
{
	size_t dropped = 0, shown = 0;

	strbuf_addf(sb, "%s (pid %d): ", c->line, c->pids[0]);
	for (size_t i = 0; i < an->nmine; i++) {
		const struct vx_mine_row *r = &an->mine[i];

		if (r->capture_id != c->capture_id || !r->count)
			continue;
		if (r->verdict == VX_VERDICT_DROPPED)
			dropped += r->count;
		if (shown++)
			strbuf_addstr(sb, ", ");
		add_count(sb, r->count, r->what);
		strbuf_addf(sb, " %s", vx_verdict_name(r->verdict));
		if (*r->where)
			strbuf_addf(sb, " %s", r->where);
	}
	if (!shown)
		strbuf_addstr(sb, "no packets of its own seen");
	strbuf_addf(sb, "; %zu dropped", dropped);
}
