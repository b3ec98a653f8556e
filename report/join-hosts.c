/* join-hosts.c: the hosts of the analysed captures (one per boot id, else host name) and
 * their clocks as the join estimated them (join.h): which host a capture is from, its name,
 * and a time of its on the reference host's clock.
 * Must not: touch the store, parse inputs, or print.
 */
#include "join.h"

#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "analysis.h"
#include "core/xalloc.h"

int vx_join_host_of(const struct vx_analysis *an, int64_t capture_id)
{
	const struct vx_dataset *ds = an->ds;

	if (!ds || !an->join.capture_host)
		return -1;
	for (size_t i = 0; i < ds->ncaptures; i++)
		if (ds->captures[i].id == capture_id)
			return an->join.capture_host[i];
	return -1;
}

const char *vx_join_host_name(const struct vx_analysis *an, int h)
{
	return h >= 0 && (size_t)h < an->join.nhosts ? an->join.hosts[h].name : NULL;
}

int64_t vx_join_aligned(const struct vx_analysis *an, int h, uint64_t ts)
{
	if (h >= 0 && (size_t)h < an->join.nhosts && an->join.hosts[h].known)
		return (int64_t)ts - an->join.hosts[h].offset_ns;
	return (int64_t)ts;
}

int vx_join_hosts(struct vx_analysis *an)
{
	const struct vx_dataset *ds = an->ds;
	struct vx_join *jn = &an->join;

	if (!ds)
		return -1;
	if (jn->capture_host)
		return 0;
	jn->capture_host = xcalloc(ds->ncaptures ? ds->ncaptures : 1, sizeof(int));
	jn->hosts = xcalloc(ds->ncaptures ? ds->ncaptures : 1, sizeof(*jn->hosts));
	for (size_t i = 0; i < ds->ncaptures; i++) {
		const struct vx_capture *c = &ds->captures[i];
		const char *key = c->boot_id ? c->boot_id : c->host;
		size_t h;

		jn->capture_host[i] = -1;
		if (!key)
			continue;
		for (h = 0; h < jn->nhosts; h++)
			if (!strcmp(jn->hosts[h].key, key))
				break;
		if (h == jn->nhosts) {
			struct vx_host_clock *hc = &jn->hosts[jn->nhosts++];
			char buf[64];

			hc->key = key;
			if (c->host) {
				hc->name = c->host;
			} else {
				snprintf(buf, sizeof(buf), "boot %.8s", c->boot_id);
				hc->name = arena_strdup(&an->arena, buf);
			}
			hc->min_to_ns = hc->min_from_ns = INT64_MAX;
			hc->reference = h == 0;
			hc->known = h == 0;
		}
		jn->capture_host[i] = (int)h;
	}
	return 0;
}
