// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-output.c - sim/output.c's sample columns computed eight pageblocks at a time, against a
 * byte-at-a-time model of the same definition.
 */
#include "sim/sim-private.h"

/* A block is mixed: of type 0-2 (skip bit aside) with a request type's bit besides its own. */
static uint64_t model_mixed(const uint8_t *mt, const uint8_t *types, uint64_t n)
{
	uint64_t mixed = 0;

	for (uint64_t i = 0; i < n; i++) {
		unsigned t = mt[i] & PS_PAGEBLOCK_MT_MASK;

		if (t < PS_MT_PCPTYPES && (types[i] & ~(1u << t)))
			mixed++;
	}
	return mixed;
}

/* Every (pageblock_mt byte, pb_types value) pair at every position of a word, and the tail. */
static void test_count_mixed_every_pair(void)
{
	enum { N = 256 * 8 + 5 };
	uint8_t *mt = g_new(uint8_t, N), *types = g_new(uint8_t, N);

	for (unsigned shift = 0; shift < 8; shift++) {
		for (unsigned i = 0; i < N; i++) {
			unsigned k = i + shift;

			mt[i] = (uint8_t)(k / 8 % 256);
			types[i] = (uint8_t)((k * 5 + k / 64) % 8);
		}
		for (uint64_t n = 0; n <= N; n += n < 20 ? 1 : 97)
			g_assert_cmpuint(sim_count_mixed(mt, types, n), ==,
					 model_mixed(mt, types, n));
		g_assert_cmpuint(sim_count_mixed(mt, types, N), ==, model_mixed(mt, types, N));
	}
	g_free(mt);
	g_free(types);
}

/* Random bytes (types 0-7), a seeded GRand: the test draws, the simulation does not. */
static void test_count_mixed_random(void)
{
	g_autoptr(GRand) r = g_rand_new_with_seed(7);
	enum { N = 4099 };
	uint8_t mt[N], types[N];
	uint64_t want;

	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < N; i++) {
			mt[i] = (uint8_t)g_rand_int_range(r, 0, 256);
			/* mostly the pcp types, as on a machine */
			if (g_rand_int_range(r, 0, 4))
				mt[i] = (uint8_t)((mt[i] & PS_PAGEBLOCK_SKIP) | (mt[i] % 3));
			types[i] = (uint8_t)g_rand_int_range(r, 0, 8);
		}
		want = model_mixed(mt, types, N);
		g_assert_cmpuint(want, >, 0);
		g_assert_cmpuint(sim_count_mixed(mt, types, N), ==, want);
		g_assert_cmpuint(sim_count_mixed(mt + 3, types + 3, N - 3), ==,
				 model_mixed(mt + 3, types + 3, N - 3));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/output/count-mixed-every-pair", test_count_mixed_every_pair);
	g_test_add_func("/sim/output/count-mixed-random", test_count_mixed_random);
	return g_test_run();
}
