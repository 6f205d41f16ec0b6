// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-pgtable.c - sim/pgtable.c, a process's page table, against a plain model: a sorted map
 * from vpn to value kept in a GTree. Random maps and unmaps over a few PMD ranges spread across
 * the whole 64-bit space (so the tree grows to its full height), checking after every step the
 * value of each vpn touched, the per-PMD counts and the next-mapped walk; now and then the
 * whole table is cleared (an exit), so later steps run on directories taken back from the pool.
 */
#include "sim/sim-private.h"

#define LEAF_SHIFT 9

static gint cmp_u64(gconstpointer a, gconstpointer b, gpointer unused)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	(void)unused;
	return x < y ? -1 : x > y;
}

/* The model's first key in [vpn, end), end when none. */
static uint64_t model_next(GTree *model, uint64_t vpn, uint64_t end)
{
	GTreeNode *n = g_tree_lower_bound(model, &vpn);
	uint64_t k;

	if (!n)
		return end;
	k = *(const uint64_t *)g_tree_node_key(n);
	return k < end ? k : end;
}

static uint32_t model_pmd(GTree *model, uint64_t vpn)
{
	uint64_t lo = vpn >> LEAF_SHIFT << LEAF_SHIFT, hi = lo + (1ull << LEAF_SHIFT);
	uint32_t n = 0;

	for (uint64_t k = model_next(model, lo, hi); k < hi; k = model_next(model, k + 1, hi))
		n++;
	return n;
}

/*
 * One-entry leaves (leaf_shift 0), so keys use all 64 bits and the root is at the eighth level,
 * whose two reachable slots split the space at 2^63; then one long leaf scanned eight entries a
 * step, with the mapped entry at each offset of a step.
 */
static void test_wide_keys(void)
{
	SimPgPool pool;
	SimPgTable t;

	sim_pgt_pool_init(&pool, 0);
	sim_pgt_init(&t, &pool);
	sim_pgt_set(&t, 5, 50);
	sim_pgt_set(&t, (1ull << 63) + 7, 1);
	sim_pgt_set(&t, UINT64_MAX - 1, 2);
	g_assert_cmpuint(t.height, ==, 8);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, 0, UINT64_MAX), ==, 5);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, 6, UINT64_MAX), ==, (1ull << 63) + 7);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, (1ull << 63) + 8, UINT64_MAX), ==, UINT64_MAX - 1);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, 6, 1ull << 63), ==, 1ull << 63);
	sim_pgt_clear_all(&t);
	sim_pgt_pool_clear(&pool);

	sim_pgt_pool_init(&pool, LEAF_SHIFT);
	for (unsigned at = 0; at < 16; at++) {
		sim_pgt_init(&t, &pool);
		sim_pgt_set(&t, 100 + at, 1);
		sim_pgt_set(&t, 300, 2);
		for (uint64_t from = 90; from <= 100 + at; from++)
			g_assert_cmpuint(sim_pgt_next_mapped(&t, from, 512), ==, 100 + at);
		g_assert_cmpuint(sim_pgt_next_mapped(&t, 101 + at, 512), ==, 300);
		g_assert_cmpuint(sim_pgt_next_mapped(&t, 101 + at, 300), ==, 300);
		g_assert_cmpuint(sim_pgt_next_mapped(&t, 301, 512), ==, 512);
		sim_pgt_clear_all(&t);
	}
	sim_pgt_pool_clear(&pool);
}

static void test_basic(void)
{
	SimPgPool pool;
	SimPgTable t;

	sim_pgt_pool_init(&pool, LEAF_SHIFT);
	sim_pgt_init(&t, &pool);
	g_assert_cmpuint(sim_pgt_get(&t, 12345), ==, 0);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, 0, 1000), ==, 1000);
	sim_pgt_set(&t, 7, 70);
	sim_pgt_set(&t, 511, 5110);
	sim_pgt_set(&t, 512, 5120);
	g_assert_cmpuint(sim_pgt_get(&t, 7), ==, 70);
	g_assert_cmpuint(sim_pgt_get(&t, 8), ==, 0);
	g_assert_cmpuint(sim_pgt_pmd_mapped(&t, 0), ==, 2);
	g_assert_cmpuint(sim_pgt_pmd_mapped(&t, 600), ==, 1);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, 8, 1000), ==, 511);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, 513, 1000), ==, 1000);
	/* a user-space address near the top of a 47-bit space: the tree grows taller */
	sim_pgt_set(&t, (1ull << 35) - 1, 1);
	g_assert_cmpuint(sim_pgt_get(&t, 7), ==, 70);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, 513, UINT64_MAX), ==, (1ull << 35) - 1);
	sim_pgt_clear(&t, 511);
	sim_pgt_clear(&t, 7);
	g_assert_cmpuint(sim_pgt_pmd_mapped(&t, 0), ==, 0);
	g_assert_cmpuint(pool.free->len, ==, 1); /* the empty leaf went to the pool */
	sim_pgt_set(&t, 3, 30);
	g_assert_cmpuint(pool.free->len, ==, 0);
	g_assert_cmpuint(sim_pgt_get(&t, 4), ==, 0); /* the reused leaf came back clear */
	sim_pgt_clear_all(&t);
	g_assert_cmpuint(sim_pgt_get(&t, 3), ==, 0);
	g_assert_cmpuint(sim_pgt_get(&t, 512), ==, 0);
	g_assert_cmpuint(pool.free->len, ==, 3);
	/*
	 * the root and the two paths down to the leaves: pooled, then taken again empty (the
	 * root grows from height 1 on the way, as on the first set)
	 */
	g_assert_cmpuint(pool.free_dirs->len, ==, 5);
	sim_pgt_set(&t, (1ull << 35) - 1, 1);
	g_assert_cmpuint(pool.free_dirs->len, ==, 0);
	g_assert_cmpuint(sim_pgt_next_mapped(&t, 0, UINT64_MAX), ==, (1ull << 35) - 1);
	sim_pgt_clear_all(&t);
	sim_pgt_pool_clear(&pool);
}

static void test_random(void)
{
	/* PMD ranges at the bottom, in the middle and at the top of the vpn space */
	static const uint64_t bases[] = {0, 1ull << 20, (1ull << 35) - 1024, 1ull << 51,
					 UINT64_MAX >> 12 & ~1023ull};
	g_autoptr(GTree) model = g_tree_new_full(cmp_u64, NULL, g_free, NULL);
	GRand *rand = g_rand_new_with_seed(16);
	SimPgPool pool;
	SimPgTable t;

	sim_pgt_pool_init(&pool, LEAF_SHIFT);
	sim_pgt_init(&t, &pool);
	for (int step = 0; step < 200000; step++) {
		uint64_t base = bases[g_rand_int_range(rand, 0, G_N_ELEMENTS(bases))];
		uint64_t vpn = base + (uint64_t)g_rand_int_range(rand, 0, 1024);
		uint32_t *mv = g_tree_lookup(model, &vpn), got = sim_pgt_get(&t, vpn);
		uint64_t from = base + (uint64_t)g_rand_int_range(rand, 0, 1024);

		g_assert_cmpuint(got, ==, mv ? *mv : 0);
		if (got) {
			sim_pgt_clear(&t, vpn);
			g_tree_remove(model, &vpn);
		} else {
			uint64_t *k = g_new(uint64_t, 2);

			k[0] = vpn;
			k[1] = (uint32_t)g_rand_int_range(rand, 1, G_MAXINT32);
			sim_pgt_set(&t, vpn, (uint32_t)k[1]);
			g_tree_insert(model, k, &k[1]);
		}
		g_assert_cmpuint(sim_pgt_pmd_mapped(&t, vpn), ==, model_pmd(model, vpn));
		g_assert_cmpuint(sim_pgt_next_mapped(&t, from, from + 2048), ==,
				 model_next(model, from, from + 2048));
		g_assert_cmpuint(sim_pgt_next_mapped(&t, from, UINT64_MAX), ==,
				 model_next(model, from, UINT64_MAX));
		if (step % 50000 == 49999) {
			/* an exit: the directories go to the pool and must come back empty */
			sim_pgt_clear_all(&t);
			g_tree_remove_all(model);
			g_assert_cmpuint(pool.free_dirs->len, >, 0);
		}
	}
	sim_pgt_clear_all(&t);
	sim_pgt_pool_clear(&pool);
	g_rand_free(rand);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/pgtable/basic", test_basic);
	g_test_add_func("/sim/pgtable/random-against-model", test_random);
	g_test_add_func("/sim/pgtable/wide-keys", test_wide_keys);
	return g_test_run();
}
