/* dropreason.c: drop reasons by name (see dropreason.h).
 * Must not: know about formats, files or the store.
 */
#include "dropreason.h"

#include <stdlib.h>
#include <string.h>

/* enum skb_drop_reason_subsys (include/net/dropreason.h), by value */
static const char *const subsystems[] = {
	"CORE", "MAC80211_UNUSABLE", "MAC80211_MONITOR", "OPENVSWITCH",
};

void vx_drop_reason_unnamed(uint64_t v, struct strbuf *sb)
{
	uint64_t sub = v >> 16;

	if (sub && v <= 0xffffffffULL) {
		if (sub < sizeof(subsystems) / sizeof(subsystems[0]))
			strbuf_addf(sb, "%s/", subsystems[sub]);
		else
			strbuf_addf(sb, "SUBSYS(%llu)/", (unsigned long long)sub);
		v &= 0xffff;
	}
	strbuf_addf(sb, "UNKNOWN(%llu)", (unsigned long long)v);
}

int vx_drop_reason_in_table(const char *table, uint64_t v, struct strbuf *sb)
{
	for (const char *p = table; p && *p;) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		char *after;
		unsigned long long x = strtoull(p, &after, 0);

		if (after != p && *after == ' ' && x == v && after + 1 < end) {
			strbuf_add(sb, after + 1, (size_t)(end - after - 1));
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -1;
}

void vx_drop_reason_name(const char *value, const char *table, struct strbuf *sb)
{
	char *end;
	unsigned long long v;

	if (!value || !*value)
		return;
	v = strtoull(value, &end, 0);
	if (*end || (value[0] < '0' || value[0] > '9')) {
		strbuf_addstr(sb, value);	/* a name already, or nothing we can read */
		return;
	}
	if (vx_drop_reason_in_table(table, v, sb) < 0)
		vx_drop_reason_unnamed(v, sb);
}
