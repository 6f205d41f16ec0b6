// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-output.c - sim/output.c's sample columns computed eight pageblocks at a time, against a
 * byte-at-a-time model of the same definition; the fidelity report's pcp refill and watermark
 * boost rows.
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

/* Column col ("simulated" or "observed") of the fidelity row counter. */
static double fid_value(const PsFidelity *f, const char *counter, const char *col)
{
	cJSON *arr = ps_fidelity_to_json(f);
	const cJSON *row;
	double v = -1;

	cJSON_ArrayForEach(row, arr)
	{
		if (!strcmp(cJSON_GetObjectItem(row, "counter")->valuestring, counter))
			v = cJSON_GetObjectItem(row, col)->valuedouble;
	}
	cJSON_Delete(arr);
	g_assert_cmpfloat(v, >=, 0);
	return v;
}

static double fid_sim(const PsFidelity *f, const char *counter)
{
	return fid_value(f, counter, "simulated");
}

static double fid_obs(const PsFidelity *f, const char *counter)
{
	return fid_value(f, counter, "observed");
}

/* One mm_page_alloc_extfrag record at pfn. */
static void fid_extfrag(PsFidelity *f, ps_pfn_t pfn, int fragmenting, int change_ownership)
{
	PsTraceEvent ev;

	ps_trace_event_init(&ev);
	ev.op = PS_OP_OBSERVED;
	ev.event = PS_OBS_EXTFRAG;
	ev.cpu = 0;
	ev.pfn = pfn;
	ev.fragmenting = (int8_t)fragmenting;
	ev.change_ownership = (int8_t)change_ownership;
	ps_fidelity_record(f, &ev);
}

/*
 * watermark_boosts: the model's every boost_watermark that returned true, the kernel's
 * successful claims below pageblock order (a failed claim boosts without a record), only in a
 * zone boost_watermark accepts; boosting_claims: the claims on both sides.
 */
static void test_fidelity_boosts(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(2048, 4096);
	g_autoptr(PsMachine) small = fixture_normal_only(0, 2047);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsFidelity *f = ps_fidelity_new(m), *fs = ps_fidelity_new(small);
	PsRmqueueInfo info;
	ps_pfn_t pfn;

	/* a claim from order 8 into pageblock 5120 (test-buddy's claim-partial-block-boosts) */
	for (int i = 0; i < 3; i++)
		ps_page_mark_allocated(m, z, ps_rmqueue_smallest(m, z, 10, PS_MT_MOVABLE), 10);
	ps_page_mark_allocated(m, z, ps_rmqueue_smallest(m, z, 0, PS_MT_MOVABLE), 0);
	ps_page_mark_allocated(m, z, ps_rmqueue_smallest(m, z, 9, PS_MT_MOVABLE), 9);
	pfn = ps_rmqueue(m, z, 0, PS_MT_UNMOVABLE, PS_ALLOC_KSWAPD, NULL, &info);
	g_assert_cmpuint(pfn, !=, PS_PFN_NONE);
	ps_page_mark_allocated(m, z, pfn, 0);
	g_assert_true(info.fragmenting && info.claimed);
	g_assert_cmpfloat(fid_sim(f, "watermark_boosts"), ==, 1);
	g_assert_cmpfloat(fid_sim(f, "boosting_claims"), ==, 1);
	/* a boost with no claim, as a failed one: the row counts it, boosting_claims does not */
	g_assert_true(ps_boost_watermark(m, z));
	g_assert_cmpfloat(fid_sim(f, "watermark_boosts"), ==, 2);
	g_assert_cmpfloat(fid_sim(f, "boosting_claims"), ==, 1);

	/* the kernel's side: a claim below pageblock order, a steal, a whole-block claim */
	fid_extfrag(f, 5121, 1, 1);
	fid_extfrag(f, 5122, 1, 0);
	fid_extfrag(f, 5632, 0, 1);
	g_assert_cmpfloat(fid_obs(f, "fragmenting_fallbacks"), ==, 2);
	g_assert_cmpfloat(fid_obs(f, "watermark_boosts"), ==, 1);
	g_assert_cmpfloat(fid_obs(f, "boosting_claims"), ==, 1);
	/* a factor of 0 boosts nothing */
	m->sysctl.watermark_boost_factor = 0;
	fid_extfrag(f, 5123, 1, 1);
	g_assert_cmpfloat(fid_obs(f, "watermark_boosts"), ==, 1);
	/* nor does a zone of fewer than four pageblocks (the 64K lab's one zone) */
	g_assert_false(ps_boost_watermark(small, ps_machine_zone(small, 0, PS_ZONE_NORMAL)));
	fid_extfrag(fs, 10, 1, 1);
	g_assert_cmpfloat(fid_obs(fs, "fragmenting_fallbacks"), ==, 1);
	g_assert_cmpfloat(fid_obs(fs, "watermark_boosts"), ==, 0);
	g_assert_cmpfloat(fid_sim(fs, "watermark_boosts"), ==, 0);
	ps_fidelity_free(f);
	ps_fidelity_free(fs);
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
	g_test_add_func("/sim/output/fidelity-boosts", test_fidelity_boosts);
	return g_test_run();
}
