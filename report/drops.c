/* drops.c: reason and location of a dropped packet (see drops.h).
 * Must not: touch the store, parse inputs, or print.
 */
#include "drops.h"

#include <string.h>

/* the functions that free an skb: the drop happened in their caller */
static bool is_free_frame(const char *f)
{
	static const char *const freeing[] = {
		"kfree_skb", "__kfree_skb", "sk_skb_reason_drop", "kfree_skb_list_reason",
		"kfree_skb_reason", "skb_release_data", "__dev_kfree_skb_any", NULL,
	};

	for (size_t i = 0; freeing[i]; i++)
		if (!strcmp(f, freeing[i]))
			return true;
	return false;
}

/* a location field printed as a symbol (%pS: "ip_error+0x94/0x1b0"), not as a hashed or
 * raw pointer ("00000000a6bfe614", "0xffffffff81a2b3c4", "(____ptrval____)") */
static bool is_symbol(const char *v)
{
	if (!v || !*v || *v == '(')
		return false;
	if (!strncmp(v, "0x", 2))
		v += 2;
	for (; *v; v++)
		if (!((*v >= '0' && *v <= '9') || (*v >= 'a' && *v <= 'f') || (*v >= 'A' && *v <= 'F')))
			return true;
	return false;
}

void vx_drop_from_rec(const struct vx_rec *r, const struct vx_stack *st, struct vx_drop *out)
{
	const char *loc = vx_rec_field(r, "location");
	const char *reason = vx_rec_field(r, "reason");

	memset(out, 0, sizeof(*out));
	out->reason = reason && *reason ? reason : NULL;
	if (is_symbol(loc)) {
		out->location = loc;
		return;
	}
	for (size_t i = 0; st && i < st->nframes; i++)
		if (!is_free_frame(st->frames[i])) {
			out->location = st->frames[i];
			break;
		}
}

void vx_drop_describe_excused(const struct vx_drop *d, struct strbuf *sb)
{
	strbuf_addf(sb, "freed at %s", d->location ? d->location : "an unknown place");
	if (d->reason)
		strbuf_addf(sb, " (%s)", d->reason);
	strbuf_addstr(sb, " after a clone of it reached a socket: not a drop");
}

void vx_drop_describe(const struct vx_drop *d, struct strbuf *sb)
{
	strbuf_addf(sb, "dropped at %s", d->location ? d->location : "an unknown place");
	if (d->reason)
		strbuf_addf(sb, " (%s)", d->reason);
	if (d->lookup) {
		char num[16];
		const char *m = vx_route_err_meaning(d->lookup->err);

		strbuf_addf(sb, " after route lookup err %d", d->lookup->err);
		if (m)
			strbuf_addf(sb, " (%s)", m);
		strbuf_addf(sb, " in table %s", vx_route_table_name(d->lookup->table, num, sizeof(num)));
	}
}
