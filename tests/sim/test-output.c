// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-output.c - sim/output.c's sample columns computed eight pageblocks at a time, against a
 * byte-at-a-time model of the same definition; the fidelity report's pcp refill rows.
 */
#include "fixture.h"
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

static double fid_sim(const PsFidelity *f, const char *counter)
{
	cJSON *arr = ps_fidelity_to_json(f);
	const cJSON *row;
	double v = -1;

	cJSON_ArrayForEach(row, arr)
	{
		if (!strcmp(cJSON_GetObjectItem(row, "counter")->valuestring, counter))
			v = cJSON_GetObjectItem(row, "simulated")->valuedouble;
	}
	cJSON_Delete(arr);
	g_assert_cmpfloat(v, >=, 0);
	return v;
}

/*
 * The fidelity report counts a refill as the kernel's row can: an rmqueue_bulk that took at
 * least one block by __rmqueue_smallest (a mm_page_alloc_zone_locked record). A refill that
 * finds the buddy empty has no record and is left out (m->pcp_refills_total, summary.json's
 * row, counts it); a block taken with percpu_refill outside a refill is a lone record, one.
 */
static void test_fidelity_refills(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(0, 4096);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsFidelity *f = ps_fidelity_new(m);
	unsigned lone = 0;

	g_assert_cmpuint(ps_rmqueue_pcplist(m, z, 0, 0, PS_MT_MOVABLE, 0), !=, PS_PFN_NONE);
	g_assert_cmpuint(m->pcp_refills_total, ==, 1);
	g_assert_cmpfloat(fid_sim(f, "pcp_refills"), ==, 1);
	g_assert_cmpfloat(fid_sim(f, "pcp_refill_pages"), ==, (double)m->pcp_refill_pages_total);
	/* empty the buddy: orders above the pcp lists' (no percpu_refill), then the rest */
	for (unsigned o = m->nr_orders; o-- > 0;)
		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
			while (ps_rmqueue_smallest(m, z, o, (enum ps_migratetype)mt) != PS_PFN_NONE)
				lone += ps_pcp_allowed_order(m, o);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, 0);
	g_assert_cmpuint(lone, >, 0);
	g_assert_cmpfloat(fid_sim(f, "pcp_refills"), ==, 1 + lone);
	/* take the pcp list empty: the refill after it finds nothing */
	while (ps_rmqueue_pcplist(m, z, 0, 0, PS_MT_MOVABLE, 0) != PS_PFN_NONE)
		;
	g_assert_cmpuint(m->pcp_refills_total, ==, 2);
	g_assert_cmpfloat(fid_sim(f, "pcp_refills"), ==, 1 + lone);
	ps_fidelity_free(f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/output/count-mixed-every-pair", test_count_mixed_every_pair);
	g_test_add_func("/sim/output/count-mixed-random", test_count_mixed_random);
	g_test_add_func("/sim/output/fidelity-refills", test_fidelity_refills);
	return g_test_run();
}
