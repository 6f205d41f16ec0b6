// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pgtable.c - a process's page table: for each virtual page (vpn, in pages of the simulated
 * machine) the record that maps it, and for each PMD range the number of base pages mapped
 * there (0 is pmd_none, which a THP fault needs).
 *
 * Kernel counterpart: the pgd/p4d/pud/pmd/pte levels walked by handle_mm_fault and
 * zap_pte_range. Like them it is a radix tree: directories of 512 slots above leaves that cover
 * one PMD range each (2^thp_order entries of record + 1, 0 for none). Unlike them the height
 * grows with the largest address seen (as the kernel's xarray does), so any 64-bit address
 * works without fixing a virtual address width.
 *
 * Why not a hash table keyed by vpn (what process.c had): a fault paid a hash lookup, an insert
 * for the page and a lookup and insert for its PMD count, 15 % of a kbuild replay, and each
 * mapped page cost a hash node. Here a fault is a compare against the last leaf and an array
 * store, and a mapped page costs 4 bytes in a leaf that is usually full.
 *
 * Leaves that become empty go to a pool the tables of a run share (they are all zero then), so
 * mapping and unmapping one page repeatedly neither allocates nor clears memory; directories
 * stay until the table is cleared (one per GiB of address range touched on 4 KiB pages), then
 * go to the pool too. Each directory keeps a bitmap of its used slots: a search for the next
 * mapped page (an unmap, a fork's copy) and the clear at exit visit only the used slots. A
 * build's processes each touch a few addresses far apart, so without it a search scanned
 * hundreds of empty slots per directory (~320 instructions a call) and each exit zeroed and
 * freed, and each new process allocated and zeroed, a 4 KiB directory per level.
 */
#include <string.h>

#include "sim/sim-private.h"

#define PGT_DIR_SHIFT 9
#define PGT_DIR_SLOTS (1u << PGT_DIR_SHIFT)
#define PGT_DIR_MASK  (PGT_DIR_SLOTS - 1)

#define PGT_DIR_WORDS (PGT_DIR_SLOTS / 64)

/*
 * A directory: slots are directories one level down, or leaves at the lowest level; bit i of
 * used is set exactly when slot[i] is not NULL.
 */
typedef struct {
	uint64_t used[PGT_DIR_WORDS];
	void *slot[PGT_DIR_SLOTS];
} SimPgDir;

void sim_pgt_pool_init(SimPgPool *pool, unsigned leaf_shift)
{
	g_assert(leaf_shift < 24);
	pool->leaf_shift = leaf_shift;
	pool->free = g_ptr_array_new();
	pool->free_dirs = g_ptr_array_new();
}

void sim_pgt_pool_clear(SimPgPool *pool)
{
	if (!pool->free)
		return;
	for (guint i = 0; i < pool->free->len; i++)
		g_free(g_ptr_array_index(pool->free, i));
	for (guint i = 0; i < pool->free_dirs->len; i++)
		g_free(g_ptr_array_index(pool->free_dirs, i));
	g_clear_pointer(&pool->free, g_ptr_array_unref);
	g_clear_pointer(&pool->free_dirs, g_ptr_array_unref);
}

/* An empty directory (all slots NULL, no bit set). */
static SimPgDir *dir_get(SimPgPool *pool)
{
	if (pool->free_dirs->len)
		return g_ptr_array_steal_index_fast(pool->free_dirs, pool->free_dirs->len - 1);
	return g_new0(SimPgDir, 1);
}

static void dir_set(SimPgDir *d, unsigned i, void *c)
{
	d->slot[i] = c;
	if (c)
		d->used[i / 64] |= 1ull << (i % 64);
	else
		d->used[i / 64] &= ~(1ull << (i % 64));
}

static SimPgLeaf *leaf_get(SimPgPool *pool)
{
	if (pool->free->len)
		return g_ptr_array_steal_index_fast(pool->free, pool->free->len - 1);
	return g_malloc0(sizeof(SimPgLeaf) + (sizeof(uint32_t) << pool->leaf_shift));
}

/* l must be all zero (nr_mapped 0). */
static void leaf_put(SimPgPool *pool, SimPgLeaf *l)
{
	g_ptr_array_add(pool->free, l);
}

void sim_pgt_init(SimPgTable *t, SimPgPool *pool)
{
	*t = (SimPgTable){.pool = pool,
			  .leaf_shift = pool->leaf_shift,
			  .leaf_mask = (1ull << pool->leaf_shift) - 1};
}

/* Whether keys (vpn >> leaf_shift) up to key fit under a root of this height. */
static bool covers(uint64_t key, unsigned height)
{
	return height * PGT_DIR_SHIFT >= 64 || key >> (height * PGT_DIR_SHIFT) == 0;
}

/*
 * The lowest-level directory, the one whose slot key & PGT_DIR_MASK holds key's leaf; with
 * create, directories are added on the way (and the tree grows taller when key is beyond it).
 * NULL without create when a directory on the way is missing.
 */
static SimPgDir *leaf_dir(SimPgTable *t, uint64_t key, bool create)
{
	SimPgDir *d;

	if (!t->root || !covers(key, t->height)) {
		if (!create)
			return NULL;
		if (!t->root) {
			t->root = dir_get(t->pool);
			t->height = 1;
		}
		while (!covers(key, t->height)) {
			SimPgDir *up = dir_get(t->pool);

			/* every key so far is below 1 << (9 * height): all of it is slot 0 */
			dir_set(up, 0, t->root);
			t->root = up;
			t->height++;
		}
	}
	d = t->root;
	for (unsigned lvl = t->height - 1; lvl > 0; lvl--) {
		unsigned i = (unsigned)(key >> (lvl * PGT_DIR_SHIFT)) & PGT_DIR_MASK;

		if (!d->slot[i]) {
			if (!create)
				return NULL;
			dir_set(d, i, dir_get(t->pool));
		}
		d = d->slot[i];
	}
	return d;
}

/* The leaf of key, NULL when nothing is mapped in its range. */
static SimPgLeaf *leaf_find(SimPgTable *t, uint64_t key)
{
	SimPgDir *d;

	if (t->cache && t->cache_key == key)
		return t->cache;
	d = leaf_dir(t, key, false);
	if (!d || !d->slot[key & PGT_DIR_MASK])
		return NULL;
	t->cache = d->slot[key & PGT_DIR_MASK];
	t->cache_key = key;
	return t->cache;
}

SimPgLeaf *sim_pgt_leaf_lookup(SimPgTable *t, uint64_t vpn)
{
	return leaf_find(t, vpn >> t->leaf_shift);
}

uint32_t sim_pgt_get_lookup(SimPgTable *t, uint64_t vpn)
{
	SimPgLeaf *l = leaf_find(t, vpn >> t->leaf_shift);

	return l ? l->ent[vpn & ((1ull << t->leaf_shift) - 1)] : 0;
}

uint32_t sim_pgt_pmd_mapped_lookup(SimPgTable *t, uint64_t vpn)
{
	SimPgLeaf *l = leaf_find(t, vpn >> t->leaf_shift);

	return l ? l->nr_mapped : 0;
}

void sim_pgt_set_lookup(SimPgTable *t, uint64_t vpn, uint32_t v)
{
	uint64_t key = vpn >> t->leaf_shift;
	SimPgLeaf *l = leaf_find(t, key);
	uint32_t *e;

	g_assert(v != 0);
	if (!l) {
		l = leaf_get(t->pool);
		dir_set(leaf_dir(t, key, true), key & PGT_DIR_MASK, l);
		t->cache = l;
		t->cache_key = key;
	}
	e = &l->ent[vpn & ((1ull << t->leaf_shift) - 1)];
	g_assert(*e == 0);
	*e = v;
	l->nr_mapped++;
}

void sim_pgt_clear_lookup(SimPgTable *t, uint64_t vpn)
{
	uint64_t key = vpn >> t->leaf_shift;
	SimPgLeaf *l = leaf_find(t, key);
	uint32_t *e;

	g_assert(l);
	e = &l->ent[vpn & ((1ull << t->leaf_shift) - 1)];
	g_assert(*e != 0);
	*e = 0;
	if (--l->nr_mapped)
		return;
	dir_set(leaf_dir(t, key, false), key & PGT_DIR_MASK, NULL);
	t->cache = NULL;
	leaf_put(t->pool, l);
}

/*
 * The first leaf with a key in [k, end_key) under directory d of level lvl (its slots cover
 * 2^(9 * lvl) keys each, from base), NULL when there is none; *key gets the leaf's key. The
 * used slots of one directory are found from its bitmap: an unmap of a long range that was
 * never touched crosses hundreds of empty slots, and walking down from the root for each of
 * them cost a tenth of a portable replay.
 */
static SimPgLeaf *dir_next(SimPgDir *d, unsigned lvl, uint64_t base, uint64_t k, uint64_t end_key,
			   uint64_t *key)
{
	unsigned bits = lvl * PGT_DIR_SHIFT;
	/* the slots 64-bit keys can reach: all of them, except at a root of 8 levels */
	unsigned nslots = bits + PGT_DIR_SHIFT > 64 ? 1u << (64 - bits) : PGT_DIR_SLOTS;
	unsigned i = (unsigned)((k - base) >> bits);

	while (i < nslots) {
		uint64_t w = d->used[i / 64] & (~0ull << (i % 64)), sbase;
		void *c;

		if (!w) {
			i = (i | 63) + 1;
			continue;
		}
		i = (i & ~63u) + (unsigned)__builtin_ctzll(w);
		if (i >= nslots)
			return NULL;
		sbase = base + ((uint64_t)i << bits);
		if (sbase >= end_key)
			return NULL;
		c = d->slot[i];
		if (!lvl) {
			*key = sbase;
			return c;
		}
		c = dir_next(c, lvl - 1, sbase, MAX(k, sbase), end_key, key);
		if (c)
			return c;
		i++;
	}
	return NULL;
}

/* The first leaf at *key or above and below end_key (*key moves to it), NULL when none. */
static SimPgLeaf *leaf_next(const SimPgTable *t, uint64_t *key, uint64_t end_key)
{
	if (!t->root || *key >= end_key || !covers(*key, t->height))
		return NULL;
	return dir_next(t->root, t->height - 1, 0, *key, end_key, key);
}

uint64_t sim_pgt_next_mapped(SimPgTable *t, uint64_t vpn, uint64_t end)
{
	unsigned shift = t->leaf_shift;
	uint64_t mask = (1ull << shift) - 1;

	while (vpn < end) {
		uint64_t key = vpn >> shift, stop;
		/* the cached leaf first: an unmap or a fork asks again from the page after each one
		 * found */
		SimPgLeaf *l = t->cache && t->cache_key == key
				   ? t->cache
				   : leaf_next(t, &key, ((end - 1) >> shift) + 1);

		if (!l)
			return end;
		if (key != vpn >> shift)
			vpn = key << shift;
		t->cache = l;
		t->cache_key = key;
		stop = MIN(end, (key + 1) << shift);
		/*
		 * sixteen entries a step while none is mapped, then eight: unmaps cross long empty
		 * stretches (a search was ~240 instructions on build-portable's unmaps)
		 */
		for (; stop - vpn >= 16; vpn += 16) {
			uint64_t w[8];

			memcpy(w, &l->ent[vpn & mask], sizeof(w));
			if ((w[0] | w[1] | w[2] | w[3]) | (w[4] | w[5] | w[6] | w[7]))
				break;
		}
		for (; stop - vpn >= 8; vpn += 8) {
			uint64_t w[4];

			memcpy(w, &l->ent[vpn & mask], sizeof(w));
			if (w[0] | w[1] | w[2] | w[3])
				break;
		}
		for (; vpn < stop; vpn++)
			if (l->ent[vpn & mask])
				return vpn;
	}
	return end;
}

/* Puts every leaf and directory under d (of level lvl), d too, back in the pool, emptied. */
static void dir_free(SimPgTable *t, SimPgDir *d, unsigned lvl)
{
	for (unsigned w = 0; w < PGT_DIR_WORDS; w++) {
		for (uint64_t bits = d->used[w]; bits; bits &= bits - 1) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);
			SimPgLeaf *l = d->slot[i];

			d->slot[i] = NULL;
			if (lvl > 0) {
				dir_free(t, (SimPgDir *)l, lvl - 1);
				continue;
			}
			memset(l, 0, sizeof(SimPgLeaf) + (sizeof(uint32_t) << t->leaf_shift));
			leaf_put(t->pool, l);
		}
		d->used[w] = 0;
	}
	g_ptr_array_add(t->pool->free_dirs, d);
}

void sim_pgt_clear_all(SimPgTable *t)
{
	if (t->root)
		dir_free(t, t->root, t->height - 1);
	t->root = NULL;
	t->height = 0;
	t->cache = NULL;
}
