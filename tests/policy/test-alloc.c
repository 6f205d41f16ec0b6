// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-alloc.c - the allocation fast path (policy/alloc.c): zonelist order and the lowmem
 * reserve, GFP zone limits, ALLOC_NOFRAGMENT preferring DMA32 over fragmenting Normal, memory
 * policies on two nodes, NUMA counters, invalid requests, the slow-path outcome, the free
 * path for buddy-only orders and highatomic pageblocks, and the watermark check itself
 * (__zone_watermark_ok: the reserve discounts and the block a high order needs).
 */
#include "fixture.h"

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
	return g_test_run();
}
