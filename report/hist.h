/* hist.h: bounded-memory latency distributions (log-linear histogram) for the per-shape
 * hop latencies: fixed size whatever the number of values, percentiles within 3.2 %.
 * Must not: allocate per value, or know what the values mean.
 */
#ifndef VX_HIST_H
#define VX_HIST_H

#include <stdint.h>

/*
 * Values below VX_HIST_SUB are counted exactly; above, each power of two [2^e, 2^(e+1)) is
 * cut into VX_HIST_SUB equal buckets, so a bucket is at most 1/16 of its values wide and
 * a percentile, reported as the middle of its bucket (and never above the largest value
 * seen), is within 1/32 (3.2 %) of the exact one. 976 buckets of 4 bytes: 3.9 KB.
 */
#define VX_HIST_SUB 16
#define VX_HIST_BUCKETS (VX_HIST_SUB + (64 - 4) * VX_HIST_SUB)

struct vx_hist {
	uint64_t n;
	uint64_t min, max;
	uint32_t b[VX_HIST_BUCKETS];	/* saturate at 2^32-1 (then percentiles lean low) */
};

/* vx_hist_add - count one value */
void vx_hist_add(struct vx_hist *h, uint64_t v);
/* vx_hist_quantile - the value below which a fraction @q (0..1) of the values lie: p50
 * is vx_hist_quantile(h, 0.5); 0 when @h is empty */
uint64_t vx_hist_quantile(const struct vx_hist *h, double q);
/* vx_hist_merge - count every value of @src into @dst as well (the distributions of two
 * groups of journeys become the distribution of their union) */
void vx_hist_merge(struct vx_hist *dst, const struct vx_hist *src);

#endif
