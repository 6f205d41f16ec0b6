// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-property.c - property tests: thousands of random allocations and frees (all orders, all
 * GFP classes, every CPU, memory policies on two nodes, pcp decay and drains, highatomic
 * reserve and release) on several machines — 4K and 64K pages, one and two nodes, a tiny zone
 * pushed to its watermarks — with the invariant checker run after every step.
 *
 * The "+policy" cases attach the policy through the fake host of fixture.h, so that a failed
 * fast path runs the slow path: direct reclaim of the host's page cache, anon (to a small swap)
 * and reclaimable slab, direct compaction moving the host's movable blocks, kswapd and kcompactd
 * on the engine, which advances 1 ms per step. Those paths run under the same per-step checks,
 * and each case asserts, over its seeds, that they did.
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
	bool policy; /* attach the policy (fixture host) */
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

/* The invariants after every step, and the allocated pages the caller holds. */
static void check_step(PsMachine *m, const Case *c, uint64_t seed, int step, uint64_t live)
{
	GError *error = NULL;
	uint64_t allocated = 0;

	if (!ps_machine_check(m, &error))
		g_error("%s seed %" G_GUINT64_FORMAT " step %d: %s", c->name, seed, step,
			error->message);
	for (int i = 0; i < m->nr_zones; i++)
		allocated += m->zones[i].nr_allocated;
	if (allocated != live)
		g_error("%s seed %" G_GUINT64_FORMAT " step %d: %" G_GUINT64_FORMAT
			" pages allocated, %" G_GUINT64_FORMAT " live",
			c->name, seed, step, allocated, live);
}

/* After everything was freed: the zones are fully free and merged. */
static void check_all_free(PsMachine *m)
{
	ps_pcp_drain_all(m, NULL);
	fixture_check(m);
	for (int i = 0; i < m->nr_zones; i++)
		g_assert_cmpint(m->zones[i].vm_stat[PS_NR_FREE_PAGES], ==,
				(int64_t)m->zones[i].managed);
}

static void run_case(const Case *c, uint64_t seed)
{
	PsMachineSpec spec;
	g_autoptr(PsMachine) m = NULL;
	g_autoptr(GArray) live = g_array_new(FALSE, FALSE, sizeof(Live));
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

		check_step(m, c, seed, step, live_pages(live));
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
	check_all_free(m);
}

/* What the host holds the block of an allocation as: page cache, anon, slab or nothing. */
static enum ps_folio_kind kind_of(uint64_t gfp, PsRng *r)
{
	if (gfp == (PS_GFP_KERNEL | PS_GFP_RECLAIMABLE))
		return PS_FOLIO_SLAB;
	if (!(gfp & PS_GFP_MOVABLE))
		return PS_NR_FOLIO_KINDS;
	return ps_rng_below(r, 2) ? PS_FOLIO_FILE : PS_FOLIO_ANON;
}

static uint64_t host_live_pages(const FixtureHost *h)
{
	uint64_t n = 0;

	for (guint i = 0; i < h->blocks->len; i++) {
		const FixtureBlock *b = &g_array_index(h->blocks, FixtureBlock, i);

		if (b->live)
			n += 1ull << b->order;
	}
	return n;
}

/* What the policy did over a case's seeds. */
typedef struct {
	uint64_t ok, failed;
	uint64_t stalls, steal_direct;	    /* direct reclaim: allocstall, pgsteal_direct */
	uint64_t kswapd_runs, steal_kswapd; /* pageoutrun, pgsteal_kswapd */
	uint64_t compact_stalls, migrated;  /* compact_stall, blocks the host saw move */
	uint64_t evicted;		    /* pages reclaim took from the host */
} PolicyTotals;

static void run_policy_case(const Case *c, uint64_t seed, PolicyTotals *t)
{
	PsMachineSpec spec;
	PsReclaimConfig rc;
	g_autoptr(FixtureHost) h = NULL;
	g_autoptr(GArray) live = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	PsRng r;
	uint64_t ok = 0, failed = 0;
	PsMachine *m;

	c->build(&spec);
	ps_reclaim_config_default(&rc);
	rc.swap_pages = 256;
	rc.writeback_delay_ns = 200000000ull; /* 200 steps */
	h = fixture_host_new(fixture_machine(&spec), &rc);
	h->via_pcp = true;
	m = h->m;
	ps_rng_init(&r, seed, "property");
	g_test_message("%s seed %" G_GUINT64_FORMAT, c->name, seed);

	for (int step = 0; step < c->steps; step++) {
		uint64_t op = ps_rng_below(&r, 100);
		bool filling = (step / 500) % 2 == 0;

		if (op < (filling ? 75u : 45u)) {
			PsAllocOutcome out;
			uint64_t gfp = gfps[ps_rng_below(&r, G_N_ELEMENTS(gfps))];
			unsigned order = pick_order(&r, m);
			int cpu = (int)ps_rng_below(&r, (uint64_t)m->nr_cpus);
			enum ps_folio_kind kind = kind_of(gfp, &r);

			ps_alloc_pages(m, gfp, order, cpu, NULL, &out);
			if (out.result == PS_ALLOC_OK) {
				uint32_t handle = fixture_host_own(h, out.pfn, order, kind,
								   kind == PS_FOLIO_FILE &&
								       ps_rng_below(&r, 4) == 0);

				g_array_append_val(live, handle);
				ok++;
			} else {
				/* No tasks: no OOM victim, the request fails. */
				g_assert_cmpint(out.result, ==, PS_ALLOC_FAILED);
				failed++;
			}
		} else if (op < 97) {
			while (live->len) {
				guint i = (guint)ps_rng_below(&r, live->len);
				uint32_t handle = g_array_index(live, uint32_t, i);

				g_array_remove_index_fast(live, i);
				/* Reclaim may have taken it already. */
				if (!g_array_index(h->blocks, FixtureBlock, handle).live)
					continue;
				ps_lru_del(h->p, handle);
				fixture_host_release(h, handle);
				break;
			}
		} else if (op == 97) {
			ps_pcp_decay(m);
		} else if (op == 98) {
			ps_pcp_drain_all(m, NULL);
		} else if (live->len) {
			uint32_t handle =
			    g_array_index(live, uint32_t, ps_rng_below(&r, live->len));
			FixtureBlock *b = &g_array_index(h->blocks, FixtureBlock, handle);

			if (b->live)
				ps_reserve_highatomic_pageblock(m, ps_pfn_zone(m, b->pfn), b->pfn,
								b->order);
		}
		ps_engine_run_until(h->e, ps_engine_now(h->e) + 1000000ull);

		check_step(m, c, seed, step, host_live_pages(h));
	}
	t->ok += ok;
	t->failed += failed;
	t->stalls += m->vm_events[PS_ALLOCSTALL_NORMAL];
	t->steal_direct += m->vm_events[PS_PGSTEAL_DIRECT];
	t->kswapd_runs += m->vm_events[PS_PAGEOUTRUN];
	t->steal_kswapd += m->vm_events[PS_PGSTEAL_KSWAPD];
	t->compact_stalls += m->vm_events[PS_COMPACT_STALL];
	t->migrated += h->migrated_blocks;
	t->evicted += h->evicted_pages;

	/* Free everything: the zones return to fully free and merged. */
	for (guint i = 0; i < h->blocks->len; i++) {
		if (!g_array_index(h->blocks, FixtureBlock, i).live)
			continue;
		ps_lru_del(h->p, i);
		fixture_host_release(h, i);
	}
	check_all_free(m);
}

static void test_case(gconstpointer data)
{
	const Case *c = data;
	const char *env = g_getenv("PAGESIM_PROPERTY_SEED");
	PolicyTotals t = {0};

	if (env) {
		if (c->policy)
			run_policy_case(c, g_ascii_strtoull(env, NULL, 10), &t);
		else
			run_case(c, g_ascii_strtoull(env, NULL, 10));
		return;
	}
	for (uint64_t seed = 1; seed <= 4; seed++) {
		if (c->policy)
			run_policy_case(c, seed, &t);
		else
			run_case(c, seed);
	}
	if (!c->policy)
		return;
	/* The policy's paths ran, or the case did not test what it claims. */
	g_test_message("%s: %" G_GUINT64_FORMAT " ok, %" G_GUINT64_FORMAT
		       " failed, %" G_GUINT64_FORMAT " allocstall, %" G_GUINT64_FORMAT
		       " pgsteal_direct, %" G_GUINT64_FORMAT " pageoutrun, %" G_GUINT64_FORMAT
		       " pgsteal_kswapd, %" G_GUINT64_FORMAT " compact_stall, %" G_GUINT64_FORMAT
		       " migrated",
		       c->name, t.ok, t.failed, t.stalls, t.steal_direct, t.kswapd_runs,
		       t.steal_kswapd, t.compact_stalls, t.migrated);
	g_assert_cmpuint(t.ok, >, 0);
	g_assert_cmpuint(t.failed, >, 0);
	g_assert_cmpuint(t.stalls, >, 0);
	g_assert_cmpuint(t.steal_direct, >, 0);
	g_assert_cmpuint(t.kswapd_runs, >, 0);
	g_assert_cmpuint(t.steal_kswapd, >, 0);
	g_assert_cmpuint(t.evicted, >=, t.steal_direct + t.steal_kswapd); /* + slab */
	/* The tiny zone groups no pages by mobility: compaction has nothing to gain there. */
	if (c->build != build_tiny) {
		g_assert_cmpuint(t.compact_stalls, >, 0);
		g_assert_cmpuint(t.migrated, >, 0);
	}
}

int main(int argc, char **argv)
{
	static const Case cases[] = {
	    {"4k-1node", build_4k_1node, 4000, false},
	    {"64k-1node", build_64k_1node, 3000, false},
	    {"4k-2node", build_4k_2node, 4000, false},
	    {"tiny", build_tiny, 4000, false},
	    {"tiny+policy", build_tiny, 3000, true},
	    {"4k-1node+policy", build_4k_1node, 3000, true},
	};

	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = g_strdup_printf("/mm/property/%s", cases[i].name);

		g_test_add_data_func(path, &cases[i], test_case);
	}
	return g_test_run();
}
