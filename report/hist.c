/* hist.c: the log-linear histogram of hist.h. Must not: allocate. */
#include "hist.h"

static unsigned bucket_of(uint64_t v)
{
	int e;

	if (v < VX_HIST_SUB)
		return (unsigned)v;
	e = 63 - __builtin_clzll(v);	/* 4..63 */
	return VX_HIST_SUB + (unsigned)(e - 4) * VX_HIST_SUB + (unsigned)((v >> (e - 4)) & (VX_HIST_SUB - 1));
}

/* the smallest value of bucket @b and its width */
static void bucket_range(unsigned b, uint64_t *lo, uint64_t *width)
{
	unsigned e;

	if (b < VX_HIST_SUB) {
		*lo = b;
		*width = 1;
		return;
	}
	e = (b - VX_HIST_SUB) / VX_HIST_SUB + 4;
	*width = 1ULL << (e - 4);
	*lo = (1ULL << e) + (uint64_t)((b - VX_HIST_SUB) % VX_HIST_SUB) * *width;
}

void vx_hist_add(struct vx_hist *h, uint64_t v)
{
	unsigned b = bucket_of(v);

	if (!h->n || v < h->min)
		h->min = v;
	if (!h->n || v > h->max)
		h->max = v;
	h->n++;
	if (h->b[b] != UINT32_MAX)
		h->b[b]++;
}

uint64_t vx_hist_quantile(const struct vx_hist *h, double q)
{
	uint64_t rank, seen = 0, total = 0, lo, width, v;

	if (!h->n)
		return 0;
	for (unsigned b = 0; b < VX_HIST_BUCKETS; b++)
		total += h->b[b];
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* the value of rank ceil(q * n), 1-based */
	rank = (uint64_t)(q * (double)total);
	if ((double)rank < q * (double)total)
		rank++;
	if (!rank)
		rank = 1;
	for (unsigned b = 0; b < VX_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen < rank)
			continue;
		bucket_range(b, &lo, &width);
		v = lo + width / 2;
		if (v > h->max)
			v = h->max;
		if (v < h->min)
			v = h->min;
		return v;
	}
	return h->max;
}

void vx_hist_merge(struct vx_hist *dst, const struct vx_hist *src)
{
	if (!src->n)
		return;
	if (!dst->n || src->min < dst->min)
		dst->min = src->min;
	if (!dst->n || src->max > dst->max)
		dst->max = src->max;
	dst->n += src->n;
	for (unsigned b = 0; b < VX_HIST_BUCKETS; b++) {
		uint64_t v = (uint64_t)dst->b[b] + src->b[b];

		dst->b[b] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
}
