/* ring-stats.c: lost events from a ring buffer's per-CPU statistics (see ring-stats.h). */
#include "ring-stats.h"

#include <stdlib.h>
#include <string.h>

uint64_t vx_ring_stat(const char *stats, const char *key)
{
	const char *p = stats;
	size_t n = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == stats || p[-1] == '\n') && p[n] == ':')
			return strtoull(p + n + 1, NULL, 10);
		p += n;
	}
	return 0;
}

uint64_t vx_ring_lost_entries(const char *stats)
{
	return vx_ring_stat(stats, "overrun") + vx_ring_stat(stats, "commit overrun") +
	       vx_ring_stat(stats, "dropped events");
}

uint64_t vx_ring_events(uint64_t entries, bool stacked)
{
	return stacked ? entries / 2 + entries % 2 : entries;
}
