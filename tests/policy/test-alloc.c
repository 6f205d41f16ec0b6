// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-alloc.c - the allocation fast path (policy/alloc.c): zonelist order and the lowmem
 * reserve, GFP zone limits, ALLOC_NOFRAGMENT preferring DMA32 over fragmenting Normal, memory
 * policies on two nodes, NUMA counters, invalid requests, the slow-path outcome, the free
 * path for buddy-only orders and highatomic pageblocks, and the watermark check itself
 * (__zone_watermark_ok: the reserve discounts and the block a high order needs), and the
 * order-0 pcp-hit path (ps_alloc_pcp_hit) against alloc_once on the same requests: the same
 * outcome and the same machine after each, on both sides of each of its tests.
 */
#include "fixture.h"
#include "util/util.h"

/* A small x86-64-like node: DMA 4096 (3840 managed), DMA32 16384, Normal 16384 pages. */
static void three_zones(PsMachineSpec *spec, int node, ps_pfn_t base)
{
	if (base == 0)
		fixture_zone(spec, node, PS_ZONE_DMA, 1, 4095, 3840);
	fixture_zone(spec, node, PS_ZONE_DMA32, base + 4096, 16384, 16384);
	fixture_zone(spec, node, PS_ZONE_NORMAL, base + 20480, 16384, 16384);
}

static PsMachine *one_node(void)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 2);
	three_zones(&spec, 0, 0);
	return fixture_machine(&spec);
}

static PsMachine *two_nodes(void)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 4);
	spec.nr_nodes = 2;
	spec.cpu_node[0] = spec.cpu_node[1] = 0;
	spec.cpu_node[2] = spec.cpu_node[3] = 1;
	spec.distance[0][0] = spec.distance[1][1] = 10;
	spec.distance[0][1] = spec.distance[1][0] = 20;
	three_zones(&spec, 0, 0);
	fixture_zone(&spec, 1, PS_ZONE_NORMAL, 65536, 16384, 16384);
	return fixture_machine(&spec);
}

static void test_zone_order_and_reserve(void)
{
	g_autoptr(PsMachine) m = one_node();
	PsZone *normal = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsZone *dma32 = ps_machine_zone(m, 0, PS_ZONE_DMA32);
	PsAllocOutcome out;

	ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	g_assert_cmpint(out.zone, ==, normal->idx);
	/* Exhaust Normal: allocations continue in DMA32 once Normal fails its low mark. */
	do {
		ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &out);
		g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	} while (out.zone == normal->idx);
	g_assert_cmpint(out.zone, ==, dma32->idx);
	g_assert_cmpint(normal->vm_stat[PS_NR_FREE_PAGES], <=,
			(int64_t)ps_wmark_pages(normal, PS_WMARK_LOW));
	/* DMA32 is used down to its low mark plus the reserve it keeps against Normal requests. */
	do {
		ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &out);
	} while (out.result == PS_ALLOC_OK && out.zone == dma32->idx);
	g_assert_cmpint(dma32->vm_stat[PS_NR_FREE_PAGES], <=,
			(int64_t)(ps_wmark_pages(dma32, PS_WMARK_LOW) +
				  (uint64_t)dma32->lowmem_reserve[PS_ZONE_NORMAL]));
	g_assert_cmpint(dma32->vm_stat[PS_NR_FREE_PAGES], >,
			(int64_t)ps_wmark_pages(dma32, PS_WMARK_LOW));
	fixture_check(m);
}

static void test_gfp_zone_limits(void)
{
	g_autoptr(PsMachine) m = one_node();
	PsAllocOutcome out;

	ps_alloc_pages(m, PS_GFP_KERNEL | PS_GFP_DMA32, 0, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	g_assert_cmpint(out.zone, ==, ps_machine_zone(m, 0, PS_ZONE_DMA32)->idx);
	ps_alloc_pages(m, PS_GFP_KERNEL | PS_GFP_DMA, 0, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	g_assert_cmpint(out.zone, ==, ps_machine_zone(m, 0, PS_ZONE_DMA)->idx);
	g_assert_cmpuint(m->vm_events[PS_PGALLOC_DMA], ==, 1);
	g_assert_cmpuint(m->vm_events[PS_PGALLOC_DMA32], ==, 1);
	/* Invalid: DMA and DMA32 together; order above MAX_PAGE_ORDER. */
	ps_alloc_pages(m, PS_GFP_KERNEL | PS_GFP_DMA | PS_GFP_DMA32, 0, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_INVALID);
	ps_alloc_pages(m, PS_GFP_KERNEL, 11, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_INVALID);
}

static void test_nofragment_prefers_dma32(void)
{
	g_autoptr(PsMachine) m = one_node();
	PsZone *normal = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsZone *dma32 = ps_machine_zone(m, 0, PS_ZONE_DMA32);
	ps_pfn_t start = normal->start_pfn, end = ps_zone_end_pfn(normal);
	PsAllocOutcome out;

	/* Leave one allocated page in every Normal pageblock, the rest free and movable. */
	for (ps_pfn_t p = start; p < end; p++)
		ps_page_mark_allocated(m, normal, ps_rmqueue_smallest(m, normal, 0, PS_MT_MOVABLE),
				       0);
	for (ps_pfn_t p = start; p < end; p++) {
		if ((p & 511) == 0)
			continue;
		normal->nr_allocated--;
		ps_free_one_page(m, normal, p, 0, PS_MT_MOVABLE, PS_FPI_NONE);
	}
	fixture_check(m);
	/* An unmovable request would have to fragment Normal: DMA32 serves it whole-block. */
	ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	g_assert_cmpint(out.zone, ==, dma32->idx);
	g_assert_cmpuint(normal->watermark_boost, ==, 0);
	/* A movable request stays in Normal. */
	ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE, 0, 0, NULL, &out);
	g_assert_cmpint(out.zone, ==, normal->idx);
	fixture_check(m);
}

static void test_mempolicy_two_nodes(void)
{
	g_autoptr(PsMachine) m = two_nodes();
	PsZone *n0 = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsZone *n1 = ps_machine_zone(m, 1, PS_ZONE_NORMAL);
	PsMempolicy pol;
	PsAllocOutcome out;

	/* Local first: cpu 2 is on node 1. */
	ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE, 0, 2, NULL, &out);
	g_assert_cmpint(out.zone, ==, n1->idx);
	g_assert_cmpuint(n1->numa_stat[PS_NUMA_HIT], ==, 1);
	g_assert_cmpuint(n1->numa_stat[PS_NUMA_LOCAL], ==, 1);

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_BIND;
	pol.nodes = 1ull << 1;
	ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE, 0, 0, &pol, &out);
	g_assert_cmpint(out.zone, ==, n1->idx);
	/* The preferred zone is the first one the mask allows (node 1): a hit, but not local. */
	g_assert_cmpuint(n1->numa_stat[PS_NUMA_HIT], ==, 2);
	g_assert_cmpuint(n1->numa_stat[PS_NUMA_OTHER], ==, 1);
	g_assert_cmpuint(n1->numa_stat[PS_NUMA_MISS], ==, 0);

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_PREFERRED;
	pol.nodes = 1ull << 1;
	ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE, 0, 0, &pol, &out);
	g_assert_cmpint(out.zone, ==, n1->idx);

	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_INTERLEAVE;
	pol.nodes = 3;
	{
		int on0 = 0, on1 = 0, prev = -1;

		for (int i = 0; i < 8; i++) {
			ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE, 0, 0, &pol, &out);
			g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
			g_assert_cmpint(m->zones[out.zone].node, !=, prev);
			prev = m->zones[out.zone].node;
			if (prev == 0)
				on0++;
			else
				on1++;
		}
		g_assert_cmpint(on0, ==, 4);
		g_assert_cmpint(on1, ==, 4);
	}
	/* __GFP_THISNODE on node 1 never falls back to node 0. */
	{
		ps_pfn_t first = PS_PFN_NONE;

		for (;;) {
			ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE | PS_GFP_THISNODE, 9, 2, NULL,
				       &out);
			if (out.result != PS_ALLOC_OK)
				break;
			g_assert_cmpint(out.zone, ==, n1->idx);
			if (first == PS_PFN_NONE)
				first = out.pfn;
		}
		g_assert_cmpint(out.result, ==, PS_ALLOC_NEED_SLOWPATH);
		g_assert_cmpuint(first, !=, PS_PFN_NONE);
	}
	/* Preferring the full node 1 without a mask falls back to node 0: miss and foreign. */
	ps_mempolicy_init(&pol);
	pol.mode = PS_MPOL_PREFERRED;
	pol.nodes = 1ull << 1;
	ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE, 9, 0, &pol, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	g_assert_cmpint(out.zone, ==, n0->idx);
	g_assert_cmpuint(n0->numa_stat[PS_NUMA_MISS], ==, 1);
	g_assert_cmpuint(n1->numa_stat[PS_NUMA_FOREIGN], ==, 1);
	fixture_check(m);
}

static void test_free_paths(void)
{
	g_autoptr(PsMachine) m = one_node();
	PsZone *normal = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsAllocOutcome out;
	uint64_t pgfree;
	int64_t free_before;

	/* Order 4 is not a pcp order: buddy both ways. */
	ps_alloc_pages(m, PS_GFP_KERNEL, 4, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	g_assert_cmpint(out.path, ==, PS_PATH_BUDDY);
	g_assert_cmpuint(m->vm_events[PS_PGALLOC_NORMAL], ==, 16);
	pgfree = m->vm_events[PS_PGFREE];
	free_before = normal->vm_stat[PS_NR_FREE_PAGES];
	ps_free_pages(m, out.pfn, 4, 0);
	g_assert_cmpuint(m->vm_events[PS_PGFREE], ==, pgfree + 16);
	g_assert_cmpint(normal->vm_stat[PS_NR_FREE_PAGES], ==, free_before + 16);
	/* A page of a HIGHATOMIC pageblock goes to the movable pcp list. */
	ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &out);
	ps_set_pageblock_mt(m, out.pfn, PS_MT_HIGHATOMIC);
	ps_free_pages(m, out.pfn, 0, 0);
	g_assert_cmpuint(normal->pcp[0].lists[ps_pcp_list_index(m, 0, PS_MT_MOVABLE)].head, ==,
			 out.pfn);
}

static void test_highatomic_request(void)
{
	g_autoptr(PsMachine) m = one_node();
	PsZone *normal = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsAllocOutcome out;

	/* Fast path flags carry no ALLOC_HIGHATOMIC: nothing is reserved in the fast path. */
	ps_alloc_pages(m, PS_GFP_ATOMIC, 2, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	g_assert_cmpuint(normal->nr_reserved_highatomic, ==, 0);
}

static void test_watermark_ok(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(0, 65536);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);

	/* kernel-facts §13.12 with min 6808: plain, __GFP_HIGH, GFP_ATOMIC, OOM, OOM + HIGH. */
	g_assert_true(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL, 0, 6809));
	g_assert_false(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL, 0, 6808));
	g_assert_true(
	    ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL, PS_ALLOC_MIN_RESERVE, 3405));
	g_assert_false(
	    ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL, PS_ALLOC_MIN_RESERVE, 3404));
	g_assert_true(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL,
					   PS_ALLOC_MIN_RESERVE | PS_ALLOC_NON_BLOCK, 2554));
	g_assert_false(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL,
					    PS_ALLOC_MIN_RESERVE | PS_ALLOC_NON_BLOCK, 2553));
	g_assert_false(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL, PS_ALLOC_OOM, 3404));
	g_assert_true(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL, PS_ALLOC_OOM, 3405));
	g_assert_false(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL,
					    PS_ALLOC_OOM | PS_ALLOC_MIN_RESERVE, 1702));
	g_assert_true(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_NORMAL,
					   PS_ALLOC_OOM | PS_ALLOC_MIN_RESERVE, 1703));
	/* lowmem_reserve of the class zone is added. */
	z->lowmem_reserve[PS_ZONE_MOVABLE] = 2048;
	g_assert_false(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_MOVABLE, 0, 6808 + 2048));
	g_assert_true(ps_zone_watermark_ok(m, z, 0, 6808, PS_ZONE_MOVABLE, 0, 6809 + 2048));
	z->lowmem_reserve[PS_ZONE_MOVABLE] = 0;
	/* Order-k requests subtract 2^k - 1 and need a block of at least order k. */
	g_assert_false(ps_zone_watermark_ok(m, z, 3, 100, PS_ZONE_NORMAL, 0, 107));
	g_assert_true(ps_zone_watermark_ok(m, z, 3, 100, PS_ZONE_NORMAL, 0, 108));
	/* Free highatomic pages are unusable without reserve rights. */
	z->nr_free_highatomic = 10;
	g_assert_false(ps_zone_watermark_ok(m, z, 0, 100, PS_ZONE_NORMAL, 0, 110));
	g_assert_true(ps_zone_watermark_ok(m, z, 0, 100, PS_ZONE_NORMAL, PS_ALLOC_HIGHATOMIC, 110));
	z->nr_free_highatomic = 0;
}

static void test_watermark_needs_block(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(0, 1024);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);

	/* Take the order-10 block and give back only order-0 pages: order 1 fails. */
	ps_page_mark_allocated(m, z, ps_rmqueue_smallest(m, z, 10, PS_MT_MOVABLE), 10);
	g_assert_false(ps_zone_watermark_ok(m, z, 0, 0, PS_ZONE_NORMAL, 0, 0));
	z->nr_allocated -= 1024;
	for (ps_pfn_t p = 0; p < 1024; p += 2) {
		ps_page_set(m, p, PS_PAGE_ALLOCATED, 0);
		ps_page_set(m, p + 1, PS_PAGE_ALLOCATED, 0);
		z->nr_allocated += 2;
	}
	for (ps_pfn_t p = 0; p < 1024; p += 2) {
		z->nr_allocated--;
		ps_free_one_page(m, z, p, 0, PS_MT_MOVABLE, PS_FPI_NONE);
	}
	fixture_check(m);
	g_assert_true(
	    ps_zone_watermark_ok(m, z, 0, 10, PS_ZONE_NORMAL, 0, z->vm_stat[PS_NR_FREE_PAGES]));
	g_assert_false(
	    ps_zone_watermark_ok(m, z, 1, 10, PS_ZONE_NORMAL, 0, z->vm_stat[PS_NR_FREE_PAGES]));
}

/* ---- the order-0 pcp-hit path against the general one -------------------------------------- */

/*
 * The same machine three times, each request served on all three: `fast` through ps_alloc_pages
 * without a mempolicy (its order-0 pcp-hit path, ps_alloc_pcp_hit, first), `slow` through
 * ps_alloc_pages with a default mempolicy (the same request to alloc_once: the local node, no
 * nodemask, but never the hit path), `direct` by ps_alloc_pcp_hit itself with the outcome
 * ps_alloc_pages documents for a hit, ps_alloc_pages when it declines (what sim's alloc_rec does).
 * Everything a request changes must be the same on all three: the outcome, and the whole saved
 * state of machine, policy and engine (ps_*_state: every zone's counters, flags, boost and pcp
 * lists, the page flags, the vm events and totals such as pcp refills, kswapd's state and its
 * scheduled work). `hits` counts the requests the hit path served (on `direct`), `declines` the
 * ones it left to alloc_once, so that a case can say which side of each edge it is on.
 */
typedef struct {
	FixtureHost *fast, *slow, *direct;
	unsigned hits, declines;
	unsigned served;
} PcpHitTrio;

static PcpHitTrio *pcp_hit_trio_new(PsMachine *(*build)(void))
{
	PcpHitTrio *t = g_new0(PcpHitTrio, 1);

	t->fast = fixture_host_new(build(), NULL);
	t->slow = fixture_host_new(build(), NULL);
	t->direct = fixture_host_new(build(), NULL);
	return t;
}

static void pcp_hit_trio_free(PcpHitTrio *t)
{
	fixture_host_free(t->fast);
	fixture_host_free(t->slow);
	fixture_host_free(t->direct);
	g_free(t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PcpHitTrio, pcp_hit_trio_free)

/* The saved state of h's machine, policy and engine. */
static GBytes *pcp_hit_state(FixtureHost *h)
{
	g_autoptr(PsStateTable) t = ps_state_table_new_save();
	const uint8_t *bytes;
	gsize len;

	ps_machine_state(h->m, t);
	ps_policy_state(h->p, t);
	ps_engine_state(h->e, t);
	bytes = ps_state_table_bytes(t, &len);
	return g_bytes_new(bytes, len);
}

static void pcp_hit_same_outcome(const PsAllocOutcome *a, const PsAllocOutcome *b)
{
	g_assert_cmpint(a->result, ==, b->result);
	g_assert_cmpint(a->path, ==, b->path);
	g_assert_cmpuint(a->pfn, ==, b->pfn);
	g_assert_cmpint(a->zone, ==, b->zone);
	g_assert_cmpuint(a->split_levels, ==, b->split_levels);
	g_assert_cmpuint(a->zones_tried, ==, b->zones_tried);
	g_assert_cmpint(a->pcp_refill, ==, b->pcp_refill);
	g_assert_cmpuint(a->refill_pages, ==, b->refill_pages);
	g_assert_cmpuint(a->slow_ns, ==, b->slow_ns);
	g_assert_cmpuint(a->reclaimed, ==, b->reclaimed);
	g_assert_cmpuint(a->slow_loops, ==, b->slow_loops);
	g_assert_cmpint(a->direct_reclaim, ==, b->direct_reclaim);
	g_assert_cmpint(a->direct_compact, ==, b->direct_compact);
	g_assert_cmpuint(a->stall_until, ==, b->stall_until);
}

/* A state difference: which saved array and byte, as ps_state_table_diff says. */
static void pcp_hit_same_state(FixtureHost *a, FixtureHost *b, const char *what)
{
	g_autoptr(GBytes) sa = pcp_hit_state(a);
	g_autoptr(GBytes) sb = pcp_hit_state(b);
	gsize la, lb;
	const void *pa = g_bytes_get_data(sa, &la), *pb = g_bytes_get_data(sb, &lb);
	g_autofree char *diff = ps_state_table_diff(pa, la, pb, lb);

	if (diff)
		g_error("%s: the hit path's machine differs from alloc_once's: %s", what, diff);
}

/*
 * What a request changes besides the pages' own flags, compared after every request (the whole
 * state, pcp_hit_same_state, every PCP_HIT_FULL_EVERY requests and at the end of each step): the
 * zones (counters, flags, boost, lists' heads and lengths), their pcp structs, the vm events
 * and totals, the cpus marked active, kswapd's wakes.
 */
static void pcp_hit_same_counters(FixtureHost *a, FixtureHost *b, const char *what)
{
	PsMachine *ma = a->m, *mb = b->m;

	for (int i = 0; i < ma->nr_zones; i++) {
		const PsZone *za = &ma->zones[i], *zb = &mb->zones[i];

		if (memcmp(za, zb, offsetof(PsZone, pcp)))
			g_error("%s: zone %d differs from alloc_once's", what, i);
		if (za->pcp && memcmp(za->pcp, zb->pcp, sizeof(PsPcp) * (gsize)ma->nr_cpus))
			g_error("%s: zone %d's pcp differs from alloc_once's", what, i);
	}
	g_assert_cmpmem(ma->vm_events, sizeof(ma->vm_events), mb->vm_events, sizeof(mb->vm_events));
	g_assert_cmpuint(ma->pcp_refills_total, ==, mb->pcp_refills_total);
	g_assert_cmpuint(ma->pcp_refill_pages_total, ==, mb->pcp_refill_pages_total);
	g_assert_cmpuint(ma->split_levels_total, ==, mb->split_levels_total);
	g_assert_cmpmem(ma->cpu_vmstat_dirty, ma->nr_cpus, mb->cpu_vmstat_dirty, mb->nr_cpus);
	g_assert_cmpuint(fixture_host_events(a, "kswapd_wake"), ==,
			 fixture_host_events(b, "kswapd_wake"));
	g_assert_cmpuint(fixture_host_events(a, "kcompactd_wake"), ==,
			 fixture_host_events(b, "kcompactd_wake"));
}

#define PCP_HIT_FULL_EVERY 64

static uint8_t pcp_hit_page_flags(const PsMachine *m, ps_pfn_t pfn)
{
	return m->map.flags[pfn - m->map.base_pfn];
}

static void pcp_hit_same_all(PcpHitTrio *t)
{
	pcp_hit_same_state(t->fast, t->slow, "ps_alloc_pages");
	pcp_hit_same_state(t->direct, t->slow, "ps_alloc_pcp_hit");
}

/* Serves one order-0 request on all three; returns the outcome (the same on each). */
static PsAllocOutcome pcp_hit_serve(PcpHitTrio *t, uint64_t gfp, int cpu)
{
	PsAllocOutcome fast, slow, direct;
	PsMempolicy def;
	int zone = -1;
	ps_pfn_t pfn;

	ps_alloc_pages(t->fast->m, gfp, 0, cpu, NULL, &fast);
	ps_mempolicy_init(&def);
	ps_alloc_pages(t->slow->m, gfp, 0, cpu, &def, &slow);
	pfn = ps_alloc_pcp_hit(t->direct->m, gfp, cpu, &zone);
	if (pfn != PS_PFN_NONE) {
		ps_alloc_pcp_hit_outcome(&direct, pfn, zone);
		t->hits++;
	} else {
		g_assert_cmpint(zone, ==, -1);
		ps_alloc_pages(t->direct->m, gfp, 0, cpu, NULL, &direct);
		t->declines++;
	}
	pcp_hit_same_outcome(&fast, &slow);
	pcp_hit_same_outcome(&direct, &slow);
	if (slow.pfn != PS_PFN_NONE)
		g_assert_cmpuint(pcp_hit_page_flags(t->fast->m, slow.pfn), ==,
				 pcp_hit_page_flags(t->slow->m, slow.pfn));
	pcp_hit_same_counters(t->fast, t->slow, "ps_alloc_pages");
	pcp_hit_same_counters(t->direct, t->slow, "ps_alloc_pcp_hit");
	if (++t->served % PCP_HIT_FULL_EVERY == 0)
		pcp_hit_same_all(t);
	return slow;
}

/* Whether the next request is served by the hit path (counted by pcp_hit_serve). */
static bool pcp_hit_served(PcpHitTrio *t, uint64_t gfp, int cpu)
{
	unsigned hits = t->hits;

	pcp_hit_serve(t, gfp, cpu);
	return t->hits > hits;
}

/* The same change on all three machines. */
#define PCP_HIT_ALL(t, h, stmt)                                                                    \
	do {                                                                                       \
		FixtureHost *all_[] = {(t)->fast, (t)->slow, (t)->direct};                         \
		for (unsigned i_ = 0; i_ < G_N_ELEMENTS(all_); i_++) {                             \
			FixtureHost *h = all_[i_];                                                 \
			stmt;                                                                      \
		}                                                                                  \
	} while (0)

/* n pages allocated with gfp on cpu and freed again there: its list of their type holds them. */
static void pcp_hit_fill(PcpHitTrio *t, uint64_t gfp, int cpu, unsigned n)
{
	g_autoptr(GArray) held = g_array_new(FALSE, FALSE, sizeof(ps_pfn_t));

	for (unsigned i = 0; i < n; i++) {
		PsAllocOutcome out = pcp_hit_serve(t, gfp, cpu);

		g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
		g_array_append_val(held, out.pfn);
	}
	for (unsigned i = 0; i < n; i++) {
		ps_pfn_t pfn = g_array_index(held, ps_pfn_t, i);

		PCP_HIT_ALL(t, h, ps_free_pages(h->m, pfn, 0, cpu));
	}
}

/*
 * A mixed sequence: masks of every pcp type, with and without __GFP_KSWAPD_RECLAIM (GFP_ATOMIC,
 * GFP_NOWAIT, GFP_TRANSHUGE_LIGHT's order-0 form), ones the hit path never takes (GFP_DMA32
 * below a Normal-first zonelist, __GFP_THISNODE), from every cpu; a third of the pages freed
 * again (on another cpu), so lists empty (refills), fill and drain past high; now and then the
 * vmstat work's pcp decay.
 */
static void pcp_hit_mixed(PcpHitTrio *t, int ncpus, unsigned n)
{
	static const uint64_t gfps[] = {
	    PS_GFP_HIGHUSER_MOVABLE,
	    PS_GFP_KERNEL,
	    PS_GFP_KERNEL | PS_GFP_RECLAIMABLE,
	    PS_GFP_ATOMIC,
	    PS_GFP_NOWAIT,
	    PS_GFP_TRANSHUGE_LIGHT,
	    PS_GFP_KERNEL | PS_GFP_DMA32,
	    PS_GFP_HIGHUSER_MOVABLE | PS_GFP_THISNODE,
	    PS_GFP_USER,
	};
	g_autoptr(GArray) held = g_array_new(FALSE, FALSE, sizeof(ps_pfn_t));
	unsigned first = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t gfp = gfps[i % G_N_ELEMENTS(gfps)];
		int cpu = (int)((i / G_N_ELEMENTS(gfps)) % (unsigned)ncpus);
		unsigned hits = t->hits;
		PsAllocOutcome out = pcp_hit_serve(t, gfp, cpu);

		if (gfp & (PS_GFP_DMA32 | PS_GFP_THISNODE))
			g_assert_cmpuint(t->hits, ==, hits);
		if (out.result == PS_ALLOC_OK)
			g_array_append_val(held, out.pfn);
		/* vmstat_update's pass (decay_pcp_high): it clears the cpus' active marks */
		if (i % 50 == 49)
			PCP_HIT_ALL(t, h, ps_pcp_decay(h->m));
		if (i % 3 == 2 && first < held->len) {
			ps_pfn_t pfn = g_array_index(held, ps_pfn_t, first++);

			PCP_HIT_ALL(t, h, ps_free_pages(h->m, pfn, 0, (cpu + 1) % ncpus));
		}
	}
	PCP_HIT_ALL(t, h, fixture_check(h->m));
	pcp_hit_same_all(t);
}

static void test_pcp_hit_mixed(void)
{
	g_autoptr(PcpHitTrio) t = pcp_hit_trio_new(one_node);

	pcp_hit_mixed(t, 2, 3000);
	/* both sides of the hit path's tests are reached: most requests hit, refills decline */
	g_assert_cmpuint(t->hits, >, 1500);
	g_assert_cmpuint(t->declines, >, 600);
}

static PsMachine *one_node_no_mobility(void)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 2);
	spec.sysctl.page_group_by_mobility_disabled = 1;
	three_zones(&spec, 0, 0);
	return fixture_machine(&spec);
}

static PsMachine *one_node_defrag_mode(void)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 2);
	spec.sysctl.defrag_mode = 1;
	three_zones(&spec, 0, 0);
	return fixture_machine(&spec);
}

static PsMachine *normal_64k(void)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 65536, 2);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 0, 16384, 16384);
	return fixture_machine(&spec);
}

/* Mobility grouping off (every list UNMOVABLE), defrag_mode (NOFRAGMENT always), 64K pages. */
static void test_pcp_hit_sysctls(void)
{
	PsMachine *(*builds[])(void) = {one_node_no_mobility, one_node_defrag_mode, normal_64k};

	for (unsigned b = 0; b < G_N_ELEMENTS(builds); b++) {
		g_autoptr(PcpHitTrio) t = pcp_hit_trio_new(builds[b]);

		pcp_hit_mixed(t, 2, 900);
		g_assert_cmpuint(t->hits, >, 300);
		g_assert_cmpuint(t->declines, >, 100);
		/* a movable request's list: the UNMOVABLE one when grouping by mobility is off */
		pcp_hit_fill(t, PS_GFP_HIGHUSER_MOVABLE, 0, 8);
		g_assert_true(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0));
		pcp_hit_same_all(t);
	}
}

/*
 * A boosted zone (ZONE_BOOSTED_WATERMARK, as try_to_claim_block leaves it): rmqueue's tail wakes
 * kswapd for a request with ALLOC_KSWAPD, also after a pcp hit, and clears the bit; a request
 * without __GFP_KSWAPD_RECLAIM leaves both alone.
 */
static void test_pcp_hit_boosted(void)
{
	g_autoptr(PcpHitTrio) t = pcp_hit_trio_new(one_node);
	PsZone *z = fixture_host_normal(t->fast);

	pcp_hit_fill(t, PS_GFP_HIGHUSER_MOVABLE, 0, 8);
	PCP_HIT_ALL(t, h, {
		g_assert_true(ps_boost_watermark(h->m, fixture_host_normal(h)));
		fixture_host_normal(h)->flags |= PS_ZONE_BOOSTED_WATERMARK;
	});
	g_assert_true(pcp_hit_served(t, PS_GFP_TRANSHUGE_LIGHT, 0));
	g_assert_true(z->flags & PS_ZONE_BOOSTED_WATERMARK);
	g_assert_cmpuint(fixture_host_events(t->fast, "kswapd_wake"), ==, 0);
	g_assert_true(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0));
	g_assert_false(z->flags & PS_ZONE_BOOSTED_WATERMARK);
	g_assert_cmpuint(fixture_host_events(t->fast, "kswapd_wake"), ==, 1);
	g_assert_true(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0));
	g_assert_cmpuint(fixture_host_events(t->fast, "kswapd_wake"), ==, 1);
	pcp_hit_same_all(t);
}

/*
 * zone_watermark_fast's order-0 test at the high mark on its edge: free pages one above high
 * (hit), at high (alloc_once serves the request at the low mark and sets ZONE_BELOW_HIGH), and
 * above high again with ZONE_BELOW_HIGH set (no hit until it is cleared).
 */
static void test_pcp_hit_high_mark(void)
{
	g_autoptr(PcpHitTrio) t = pcp_hit_trio_new(one_node);
	PsZone *z = fixture_host_normal(t->fast);
	int64_t high;

	pcp_hit_fill(t, PS_GFP_HIGHUSER_MOVABLE, 0, 8);
	high = (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH);
	PCP_HIT_ALL(t, h, fixture_take_to(h->m, fixture_host_normal(h), high + 1));
	g_assert_true(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0));
	PCP_HIT_ALL(t, h, fixture_take_to(h->m, fixture_host_normal(h), high));
	g_assert_false(z->flags & PS_ZONE_BELOW_HIGH);
	g_assert_false(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0));
	g_assert_true(z->flags & PS_ZONE_BELOW_HIGH);
	g_assert_false(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0));
	PCP_HIT_ALL(t, h, fixture_host_normal(h)->flags &= ~PS_ZONE_BELOW_HIGH);
	g_assert_false(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0)); /* still at high */
	g_assert_true(z->flags & PS_ZONE_BELOW_HIGH);
	PCP_HIT_ALL(t, h, fixture_check(h->m));
	pcp_hit_same_all(t);
}

static PsMachine *normal_256m(void)
{
	return fixture_normal_only(0, 65536);
}

/*
 * Free highatomic pages are unusable to a request without reserve rights (the hit path's mask
 * never has them: ALLOC_HIGHATOMIC is not set): one above high once they are discounted hits, at
 * high declines.
 */
static void test_pcp_hit_highatomic(void)
{
	g_autoptr(PcpHitTrio) t = pcp_hit_trio_new(normal_256m);
	PsZone *z = fixture_host_normal(t->fast);
	PsAllocOutcome out = pcp_hit_serve(t, PS_GFP_KERNEL, 0);
	int64_t high, ha;

	pcp_hit_fill(t, PS_GFP_HIGHUSER_MOVABLE, 0, 8);

	/* reserve_highatomic_pageblock around the page just allocated, as get_page_from_freelist */
	PCP_HIT_ALL(t, h,
		    ps_reserve_highatomic_pageblock(h->m, fixture_host_normal(h), out.pfn, 0));
	ha = (int64_t)z->nr_free_highatomic;
	g_assert_cmpint(ha, >, 0);
	high = (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH);
	PCP_HIT_ALL(t, h, fixture_take_to(h->m, fixture_host_normal(h), high + ha + 1));
	g_assert_true(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0));
	PCP_HIT_ALL(t, h, fixture_take_to(h->m, fixture_host_normal(h), high + ha));
	g_assert_false(pcp_hit_served(t, PS_GFP_HIGHUSER_MOVABLE, 0));
	g_assert_true(z->flags & PS_ZONE_BELOW_HIGH);
	PCP_HIT_ALL(t, h, fixture_check(h->m));
	pcp_hit_same_all(t);
}

/* Node 1 has cpus 2 and 3 but no memory: its zonelist starts on node 0 (NUMA_OTHER). */
static PsMachine *memoryless_node1(void)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 4);
	spec.nr_nodes = 2;
	spec.cpu_node[0] = spec.cpu_node[1] = 0;
	spec.cpu_node[2] = spec.cpu_node[3] = 1;
	spec.distance[0][0] = spec.distance[1][1] = 10;
	spec.distance[0][1] = spec.distance[1][0] = 20;
	three_zones(&spec, 0, 0);
	return fixture_machine(&spec);
}

/*
 * Two nodes: a memoryless local node (the preferred zone remote: NUMA_HIT with NUMA_OTHER), and
 * a local node whose Normal zone runs down so that requests go remote (NUMA_MISS/FOREIGN, the
 * NOFRAGMENT retry) while the hit path declines.
 */
static void test_pcp_hit_numa(void)
{
	g_autoptr(PcpHitTrio) ml = pcp_hit_trio_new(memoryless_node1);
	g_autoptr(PcpHitTrio) t = pcp_hit_trio_new(two_nodes);
	PsZone *n0 = fixture_host_normal(ml->fast);

	pcp_hit_mixed(ml, 4, 900);
	g_assert_cmpuint(ml->hits, >, 300);
	g_assert_cmpuint(n0->numa_stat[PS_NUMA_OTHER], >, 0);

	PCP_HIT_ALL(t, h,
		    fixture_take_to(h->m, ps_machine_zone(h->m, 1, PS_ZONE_NORMAL),
				    (int64_t)ps_wmark_pages(
					ps_machine_zone(h->m, 1, PS_ZONE_NORMAL), PS_WMARK_LOW) +
					40));
	pcp_hit_mixed(t, 4, 900);
	g_assert_cmpuint(t->hits, >, 200);
	g_assert_cmpuint(ps_machine_zone(t->fast->m, 0, PS_ZONE_NORMAL)->numa_stat[PS_NUMA_MISS], >,
			 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/alloc/zone-order-and-reserve", test_zone_order_and_reserve);
	g_test_add_func("/policy/alloc/gfp-zone-limits", test_gfp_zone_limits);
	g_test_add_func("/policy/alloc/nofragment-prefers-dma32", test_nofragment_prefers_dma32);
	g_test_add_func("/policy/alloc/mempolicy-two-nodes", test_mempolicy_two_nodes);
	g_test_add_func("/policy/alloc/free-paths", test_free_paths);
	g_test_add_func("/policy/alloc/highatomic-request", test_highatomic_request);
	g_test_add_func("/policy/alloc/watermark-ok-discounts", test_watermark_ok);
	g_test_add_func("/policy/alloc/watermark-needs-block", test_watermark_needs_block);
	g_test_add_func("/policy/alloc/pcp-hit/mixed", test_pcp_hit_mixed);
	g_test_add_func("/policy/alloc/pcp-hit/sysctls", test_pcp_hit_sysctls);
	g_test_add_func("/policy/alloc/pcp-hit/boosted", test_pcp_hit_boosted);
	g_test_add_func("/policy/alloc/pcp-hit/high-mark", test_pcp_hit_high_mark);
	g_test_add_func("/policy/alloc/pcp-hit/highatomic", test_pcp_hit_highatomic);
	g_test_add_func("/policy/alloc/pcp-hit/numa", test_pcp_hit_numa);
	return g_test_run();
}
