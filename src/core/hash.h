/* hash.h: the one hash table of vxanalyze: an open-addressing index from a 64-bit hash to a
 * 64-bit value (an index into the caller's array, an id, a pointer), in the way of libbpf's
 * hashmap but without callbacks: the table stores each entry's hash, so it grows and rehashes
 * on its own, and the caller compares its own keys while walking the entries of one hash.
 *
 *	struct vx_hash_slot *s;
 *
 *	vx_hash_each(&h, hash, s)
 *		if (!strcmp(names[s->value], name))
 *			return s->value;
 *	vx_hash_add(&h, hash, n);
 *
 * Hashes are mixed before use, so any 64-bit value will do (vx_hash64(), an address, an id).
 * The mix is a bijection: for keys that are the value itself (an id, an address; never 0),
 * the entries of one key are exactly that key's, and the caller need not compare.
 * Entries are never removed one by one: vx_hash_clear() empties the table. Must not: know
 * what the values mean.
 */
#ifndef VX_HASH_H
#define VX_HASH_H

#include <stddef.h>
#include <stdint.h>

struct vx_hash_slot {
	uint64_t hash;		/* mixed, never 0 (0: an empty slot) */
	uint64_t value;
};

struct vx_hash {
	struct vx_hash_slot *slots;	/* malloc'd, @cap of them (a power of two), or NULL */
	size_t cap;
	size_t n;
};

#define VX_HASH_INIT_EMPTY { NULL, 0, 0 }

/* vx_hash_mix - the hash the table stores for @key: spread over all bits, never 0 */
static inline uint64_t vx_hash_mix(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ULL;
	key ^= key >> 33;
	return key ? key : 1;
}

/* vx_hash_next - the entry after @s in the probe sequence that has @s's hash, or NULL */
static inline struct vx_hash_slot *vx_hash_next(const struct vx_hash *h, const struct vx_hash_slot *s)
{
	size_t mask = h->cap - 1, i = ((size_t)(s - h->slots) + 1) & mask;

	for (; h->slots[i].hash; i = (i + 1) & mask)
		if (h->slots[i].hash == s->hash)
			return &h->slots[i];
	return NULL;
}

/* vx_hash_first - the first entry added with @key's hash, or NULL; the value may be changed
 * in place */
static inline struct vx_hash_slot *vx_hash_first(const struct vx_hash *h, uint64_t key)
{
	uint64_t m = vx_hash_mix(key);
	size_t mask = h->cap - 1, i;

	if (!h->n)
		return NULL;
	for (i = (size_t)m & mask; h->slots[i].hash; i = (i + 1) & mask)
		if (h->slots[i].hash == m)
			return &h->slots[i];
	return NULL;
}

/* vx_hash_each - every entry added with @key's hash (other keys may share it: compare) */
#define vx_hash_each(h, key, s) for ((s) = vx_hash_first((h), (key)); (s); (s) = vx_hash_next((h), (s)))

/* vx_hash_add - add an entry for @key (another with the same hash may exist: the caller
 * looked first); grows the table at half full. The slot returned is valid until the next add */
struct vx_hash_slot *vx_hash_add(struct vx_hash *h, uint64_t key, uint64_t value);
/* vx_hash_clear - no entries, the memory kept */
void vx_hash_clear(struct vx_hash *h);
/* vx_hash_release - free the table's memory; it is empty and usable again */
void vx_hash_release(struct vx_hash *h);

#endif
