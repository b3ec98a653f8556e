/* hash.c: growing the one hash table (see hash.h); lookups are inline in the header. */
#include "hash.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void put(struct vx_hash_slot *slots, size_t cap, uint64_t m, uint64_t value)
{
	size_t i = (size_t)m & (cap - 1);

	while (slots[i].hash)
		i = (i + 1) & (cap - 1);
	slots[i].hash = m;
	slots[i].value = value;
}

static void grow(struct vx_hash *h)
{
	size_t cap = h->cap ? h->cap * 2 : 16;
	struct vx_hash_slot *slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < h->cap; i++)
		if (h->slots[i].hash)
			put(slots, cap, h->slots[i].hash, h->slots[i].value);
	free(h->slots);
	h->slots = slots;
	h->cap = cap;
}

struct vx_hash_slot *vx_hash_add(struct vx_hash *h, uint64_t key, uint64_t value)
{
	uint64_t m = vx_hash_mix(key);
	size_t i;

	if ((h->n + 1) * 2 > h->cap)
		grow(h);
	for (i = (size_t)m & (h->cap - 1); h->slots[i].hash; i = (i + 1) & (h->cap - 1))
		;
	h->slots[i].hash = m;
	h->slots[i].value = value;
	h->n++;
	return &h->slots[i];
}

void vx_hash_clear(struct vx_hash *h)
{
	if (h->slots)
		memset(h->slots, 0, h->cap * sizeof(*h->slots));
	h->n = 0;
}

void vx_hash_release(struct vx_hash *h)
{
	free(h->slots);
	h->slots = NULL;
	h->cap = h->n = 0;
}
