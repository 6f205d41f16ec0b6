// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-property.c - property tests: thousands of random allocations and frees (all orders, all
 * GFP classes, every CPU, memory policies on two nodes, pcp decay and drains, highatomic
 * reserve and release) on several machines — 4K and 64K pages, one and two nodes, a tiny zone
 * pushed to its watermarks — with the invariant checker run after every step.
 *
 * Failures print the machine, the seed and the step, so a case can be replayed with
 * PAGESIM_PROPERTY_SEED=N.
 */
#include <stdlib.h>

#include "core/core.h"
#include "fixture.h"

typedef struct {
	ps_pfn_t pfn;
	unsigned order;
} Live;

typedef struct {
	const char *name;
	void (*build)(PsMachineSpec *spec);
	int steps;
} Case;

static void build_4k_1node(PsMachineSpec *spec)
{
	fixture_spec_1node(spec, 4096, 2);
	fixture_zone(spec, 0, PS_ZONE_DMA, 1, 4095, 3840);
	fixture_zone(spec, 0, PS_ZONE_DMA32, 4096, 12288, 12000);
	fixture_zone(spec, 0, PS_ZONE_NORMAL, 16384, 24576, 24000);
}

static void build_64k_1node(PsMachineSpec *spec)
{
	fixture_spec_1node(spec, 65536, 2);
	fixture_zone(spec, 0, PS_ZONE_DMA32, 0, 65536, 65000);
	fixture_zone(spec, 0, PS_ZONE_NORMAL, 65536, 32768, 32768);
}

static void build_4k_2node(PsMachineSpec *spec)
{
	fixture_spec_1node(spec, 4096, 4);
	spec->nr_nodes = 2;
	spec->cpu_node[2] = spec->cpu_node[3] = 1;
	spec->distance[0][0] = spec->distance[1][1] = 10;
	spec->distance[0][1] = spec->distance[1][0] = 21;
	fixture_zone(spec, 0, PS_ZONE_DMA32, 4096, 12288, 12288);
	fixture_zone(spec, 0, PS_ZONE_NORMAL, 16384, 16384, 16000);
	fixture_zone(spec, 1, PS_ZONE_NORMAL, 32768, 16384, 16384);
	fixture_zone(spec, 1, PS_ZONE_MOVABLE, 49152, 8192, 8192);
}

static void build_tiny(PsMachineSpec *spec)
{
	/* 1536 pages: far below 5 pageblocks' worth of memory, so mobility grouping is off. */
	fixture_spec_1node(spec, 4096, 2);
	fixture_zone(spec, 0, PS_ZONE_NORMAL, 1024, 2048, 1536);
}

static const uint64_t gfps[] = {
    PS_GFP_KERNEL,
    PS_GFP_HIGHUSER_MOVABLE,
    PS_GFP_HIGHUSER_MOVABLE | PS_GFP_ZERO,
    PS_GFP_KERNEL | PS_GFP_RECLAIMABLE,
    PS_GFP_ATOMIC,
    PS_GFP_NOWAIT,
    PS_GFP_TRANSHUGE_LIGHT,
    PS_GFP_KERNEL | PS_GFP_DMA32,
    PS_GFP_USER,
    PS_GFP_HIGHUSER_MOVABLE | PS_GFP_THISNODE,
};

static unsigned pick_order(PsRng *r, const PsMachine *m)
{
	uint64_t x = ps_rng_below(r, 100);

	if (x < 65)
		return 0;
	if (x < 80)
		return 1 + (unsigned)ps_rng_below(r, 3);
	if (x < 92)
		return 4 + (unsigned)ps_rng_below(r, m->pageblock_order - 4);
	if (x < 98)
		return m->spec.thp_order;
	return m->max_order;
}

static uint64_t live_pages(const GArray *live)
{
	uint64_t n = 0;

	for (guint i = 0; i < live->len; i++)
		n += 1ull << g_array_index(live, Live, i).order;
	return n;
}

static void run_case(const Case *c, uint64_t seed)
{
	PsMachineSpec spec;
	g_autoptr(PsMachine) m = NULL;
	g_autoptr(GArray) live = g_array_new(FALSE, FALSE, sizeof(Live));
	GError *error = NULL;
	PsRng r;
	uint64_t ok = 0, failed = 0;

	c->build(&spec);
	m = fixture_machine(&spec);
	ps_rng_init(&r, seed, "property");
	g_test_message("%s seed %" G_GUINT64_FORMAT, c->name, seed);

	for (int step = 0; step < c->steps; step++) {
		uint64_t op = ps_rng_below(&r, 100);
		/* Phases: fill for a while, then churn, so zones reach their watermarks. */
		bool filling = (step / 500) % 2 == 0;

		if (op < (filling ? 75u : 45u)) {
			PsAllocOutcome out;
			PsMempolicy pol, *polp = NULL;
			uint64_t gfp = gfps[ps_rng_below(&r, G_N_ELEMENTS(gfps))];
			unsigned order = pick_order(&r, m);
			int cpu = (int)ps_rng_below(&r, (uint64_t)m->nr_cpus);

			if (m->nr_nodes > 1 && ps_rng_below(&r, 4) == 0) {
				ps_mempolicy_init(&pol);
				pol.mode = (enum ps_mpol_mode)(1 + ps_rng_below(&r, 3));
				pol.nodes = 1 + ps_rng_below(&r, 3);
				polp = &pol;
			}
			ps_alloc_pages(m, gfp, order, cpu, polp, &out);
			if (out.result == PS_ALLOC_OK) {
				Live l = {out.pfn, order};

				g_array_append_val(live, l);
				ok++;
			} else {
				g_assert_cmpint(out.result, ==, PS_ALLOC_NEED_SLOWPATH);
				failed++;
			}
		} else if (op < 97) {
			if (live->len) {
				guint i = (guint)ps_rng_below(&r, live->len);
				Live l = g_array_index(live, Live, i);

				g_array_remove_index_fast(live, i);
				ps_free_pages(m, l.pfn, l.order,
					      (int)ps_rng_below(&r, (uint64_t)m->nr_cpus));
			}
		} else if (op == 97) {
			ps_pcp_decay(m);
		} else if (op == 98) {
			ps_pcp_drain_all(m, ps_rng_below(&r, 2)
						? &m->zones[ps_rng_below(&r, (uint64_t)m->nr_zones)]
						: NULL);
		} else if (live->len) {
			/* Highatomic reserve as the slow path does after a success, or a release.
			 */
			Live l = g_array_index(live, Live, ps_rng_below(&r, live->len));
			PsZone *z = ps_pfn_zone(m, l.pfn);

			if (ps_rng_below(&r, 2))
				ps_reserve_highatomic_pageblock(m, z, l.pfn, l.order);
			else
				ps_unreserve_highatomic_pageblock(
				    m, z, (enum ps_migratetype)ps_rng_below(&r, 3),
				    ps_rng_below(&r, 2));
		}

		if (!ps_machine_check(m, &error))
			g_error("%s seed %" G_GUINT64_FORMAT " step %d: %s", c->name, seed, step,
				error->message);
		{
			uint64_t allocated = 0;

			for (int i = 0; i < m->nr_zones; i++)
				allocated += m->zones[i].nr_allocated;
			if (allocated != live_pages(live))
				g_error("%s seed %" G_GUINT64_FORMAT " step %d: %" G_GUINT64_FORMAT
					" pages allocated, %" G_GUINT64_FORMAT " live",
					c->name, seed, step, allocated, live_pages(live));
		}
	}
	/* Both outcomes must have happened, or the case did not test what it claims. */
	g_assert_cmpuint(ok, >, 0);
	if (c->build == build_tiny || c->build == build_4k_1node)
		g_assert_cmpuint(failed, >, 0);

	/* Free everything: the zones return to fully free and merged. */
	for (guint i = 0; i < live->len; i++) {
		Live l = g_array_index(live, Live, i);

		ps_free_pages(m, l.pfn, l.order, 0);
	}
	ps_pcp_drain_all(m, NULL);
	fixture_check(m);
	for (int i = 0; i < m->nr_zones; i++)
		g_assert_cmpint(m->zones[i].vm_stat[PS_NR_FREE_PAGES], ==,
				(int64_t)m->zones[i].managed);
}

static void test_case(gconstpointer data)
{
	const Case *c = data;
	const char *env = g_getenv("PAGESIM_PROPERTY_SEED");

	if (env) {
		run_case(c, g_ascii_strtoull(env, NULL, 10));
		return;
	}
	for (uint64_t seed = 1; seed <= 4; seed++)
		run_case(c, seed);
}

int main(int argc, char **argv)
{
	static const Case cases[] = {
	    {"4k-1node", build_4k_1node, 4000},
	    {"64k-1node", build_64k_1node, 3000},
	    {"4k-2node", build_4k_2node, 4000},
	    {"tiny", build_tiny, 4000},
	};

	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = g_strdup_printf("/mm/property/%s", cases[i].name);

		g_test_add_data_func(path, &cases[i], test_case);
	}
	return g_test_run();
}
