// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-buddy.c - unit tests of the buddy free lists (mm/buddy.c): boot layout, split with upper
 * halves at the list head, merge, the head/tail placement rule, merging across pageblock types,
 * the claim and steal fallbacks, watermark boosting, highatomic reserves and free blocks on another
 * type's list, compaction capture's type rules.
 */
#include "fixture.h"

/* The pfns on a list, head first, into out[]; returns how many. */
static unsigned list_pfns(PsMachine *m, const PsList *l, ps_pfn_t *out, unsigned max)
{
	unsigned n = 0;

	for (ps_pfn_t p = l->head; p != PS_PFN_NONE && n < max; p = ps_list_next(m, l, p))
		out[n++] = p;
	return n;
}

static void test_boot_dma_layout(void)
{
	PsMachineSpec spec;
	g_autoptr(PsMachine) m = NULL;
	PsZone *z;
	static const uint64_t expect[11] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3};

	/* The x86-64 DMA zone of the recorded machine: start_pfn 1, spanned 4095, 3840 managed. */
	fixture_spec_1node(&spec, 4096, 2);
	fixture_zone(&spec, 0, PS_ZONE_DMA, 1, 4095, 3840);
	fixture_zone(&spec, 0, PS_ZONE_DMA32, 4096, 61440, 61440);
	m = fixture_machine(&spec);
	z = ps_machine_zone(m, 0, PS_ZONE_DMA);
	for (unsigned o = 0; o <= 10; o++)
		g_assert_cmpuint(z->free_area[o].nr_free, ==, expect[o]);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, 3840);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES_BLOCKS], ==, 512 + 3 * 1024);
	/* Boot memory goes to the tail: the lowest block is at the head. */
	g_assert_cmpuint(z->free_area[10].list[PS_MT_MOVABLE].head, ==, 1024);
	g_assert_cmpuint(z->free_area[10].list[PS_MT_MOVABLE].tail, ==, 3072);
	fixture_check(m);
}

/* The first page of fixture_normal_only(1024, 1024)'s order-10 block, taken and allocated. */
static ps_pfn_t take_first_page(PsMachine *m, PsZone *z)
{
	ps_pfn_t pfn = ps_rmqueue_smallest(m, z, 0, PS_MT_MOVABLE);

	g_assert_cmpuint(pfn, ==, 1024);
	ps_page_mark_allocated(m, z, pfn, 0);
	return pfn;
}

static void test_split_and_merge(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t pfn = take_first_page(m, z);

	/* Each upper half went to its order's list: 1025@0, 1026@1, 1028@2, ..., 1536@9. */
	for (unsigned o = 0; o < 10; o++) {
		g_assert_cmpuint(z->free_area[o].nr_free, ==, 1);
		g_assert_cmpuint(z->free_area[o].list[PS_MT_MOVABLE].head, ==, 1024 + (1u << o));
	}
	g_assert_cmpuint(z->free_area[10].nr_free, ==, 0);
	g_assert_cmpuint(m->split_levels_total, ==, 10);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, 1023);
	fixture_check(m);

	ps_free_pages(m, pfn, 0, 0);
	ps_pcp_drain_all(m, NULL);
	g_assert_cmpuint(z->free_area[10].nr_free, ==, 1);
	for (unsigned o = 0; o < 10; o++)
		g_assert_cmpuint(z->free_area[o].nr_free, ==, 0);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, 1024);
	fixture_check(m);
}

static void test_merge_placement(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t got[8];
	unsigned n;

	/* Allocate every page as order 0, then free chosen ones straight to the buddy. */
	for (unsigned i = 0; i < 1024; i++) {
		ps_pfn_t pfn = ps_rmqueue_smallest(m, z, 0, PS_MT_MOVABLE);

		g_assert_cmpuint(pfn, !=, PS_PFN_NONE);
		ps_page_mark_allocated(m, z, pfn, 0);
	}

#define FREE0(p)                                                                                   \
	do {                                                                                       \
		z->nr_allocated--;                                                                 \
		ps_free_one_page(m, z, (p), 0, PS_MT_MOVABLE, PS_FPI_NONE);                        \
	} while (0)
	/* 1100+1101 -> order 1; its order-2 buddy (1096) is allocated: head. */
	FREE0(1100);
	FREE0(1101);
	/* 1026+1027 -> order 1; order-2 buddy 1028 allocated: head. */
	FREE0(1026);
	FREE0(1027);
	n = list_pfns(m, &z->free_area[1].list[PS_MT_MOVABLE], got, 8);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpuint(got[0], ==, 1026);
	g_assert_cmpuint(got[1], ==, 1100);
	/* 1044..1047 -> an order-2 block; then 1040+1041 -> order 1 whose order-2 buddy (1044) is
	 * free, so a merge two levels up is likely: tail. */
	FREE0(1044);
	FREE0(1045);
	FREE0(1046);
	FREE0(1047);
	g_assert_cmpuint(z->free_area[2].nr_free, ==, 1);
	FREE0(1040);
	FREE0(1041);
	n = list_pfns(m, &z->free_area[1].list[PS_MT_MOVABLE], got, 8);
	g_assert_cmpuint(n, ==, 3);
	g_assert_cmpuint(got[2], ==, 1040);
	/* 1048+1049 -> order 1, order-2 buddy 1052 allocated: head. */
	FREE0(1048);
	FREE0(1049);
	n = list_pfns(m, &z->free_area[1].list[PS_MT_MOVABLE], got, 8);
	g_assert_cmpuint(n, ==, 4);
	g_assert_cmpuint(got[0], ==, 1048);
	g_assert_cmpuint(got[3], ==, 1040);
#undef FREE0
	fixture_check(m);
}

static void test_pageblock_merge_rules(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t a, b;

	a = ps_rmqueue_buddy(m, z, 9, PS_MT_MOVABLE, 0);
	b = ps_rmqueue_buddy(m, z, 9, PS_MT_MOVABLE, 0);
	g_assert_cmpuint(a, ==, 1024);
	g_assert_cmpuint(b, ==, 1536);

	/* HIGHATOMIC is not mergeable: two order-9 blocks stay apart. */
	ps_set_pageblock_mt(m, b, PS_MT_HIGHATOMIC);
	z->nr_reserved_highatomic = 512;
	ps_free_pages(m, a, 9, 0);
	ps_pcp_drain_all(m, NULL);
	ps_free_pages(m, b, 9, 0);
	ps_pcp_drain_all(m, NULL);
	g_assert_cmpuint(z->free_area[9].nr_free, ==, 2);
	g_assert_cmpuint(z->free_area[10].nr_free, ==, 0);
	g_assert_cmpuint(z->nr_free_highatomic, ==, 512);
	fixture_check(m);

	/* Between mergeable types the merge happens and the buddy takes the freer's type. */
	g_assert_true(ps_unreserve_highatomic_pageblock(m, z, PS_MT_UNMOVABLE, true));
	g_assert_cmpuint(z->nr_reserved_highatomic, ==, 0);
	g_assert_cmpuint(z->nr_free_highatomic, ==, 0);
	g_assert_cmpint(ps_pageblock_mt(m, 1536), ==, PS_MT_UNMOVABLE);
	a = ps_rmqueue_buddy(m, z, 9, PS_MT_MOVABLE, 0);
	g_assert_cmpuint(a, ==, 1024);
	ps_free_pages(m, a, 9, 0);
	ps_pcp_drain_all(m, NULL);
	g_assert_cmpuint(z->free_area[10].nr_free, ==, 1);
	g_assert_cmpint(ps_pageblock_mt(m, 1024), ==, PS_MT_MOVABLE);
	g_assert_cmpint(ps_pageblock_mt(m, 1536), ==, PS_MT_MOVABLE);
	g_assert_cmpuint(z->free_area[10].list[PS_MT_MOVABLE].len, ==, 1);
	fixture_check(m);
}

static void test_claim_whole_block(void)
{
	/* 4096 pages: enough for mobility grouping (5 pageblocks' worth is the floor). */
	g_autoptr(PsMachine) m = fixture_normal_only(2048, 4096);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsRmqueueInfo info;
	ps_pfn_t pfn;

	g_assert_false(m->sysctl.page_group_by_mobility_disabled);
	/* No unmovable memory yet: the largest movable block is claimed whole (order 10). */
	pfn = ps_rmqueue(m, z, 0, PS_MT_UNMOVABLE, 0, NULL, &info);
	g_assert_cmpuint(pfn, ==, 2048);
	ps_page_mark_allocated(m, z, pfn, 0);
	g_assert_cmpint(info.mode, ==, PS_RMQUEUE_CLAIM);
	g_assert_cmpuint(info.fallback_order, ==, 10);
	g_assert_cmpint(info.fallback_mt, ==, PS_MT_MOVABLE);
	g_assert_true(info.claimed);
	g_assert_false(info.fragmenting);
	g_assert_cmpint(ps_pageblock_mt(m, 2048), ==, PS_MT_UNMOVABLE);
	g_assert_cmpint(ps_pageblock_mt(m, 2560), ==, PS_MT_UNMOVABLE);
	g_assert_cmpint(ps_pageblock_mt(m, 3072), ==, PS_MT_MOVABLE);
	/* A whole-block claim does not boost the watermark. */
	g_assert_cmpuint(z->watermark_boost, ==, 0);
	fixture_check(m);

	/* Use up the unmovable orders 9..4 and the movable order-10 blocks. */
	for (int o = 9; o >= 4; o--)
		ps_page_mark_allocated(
		    m, z, ps_rmqueue_smallest(m, z, (unsigned)o, PS_MT_UNMOVABLE), (unsigned)o);
	for (int i = 0; i < 3; i++)
		ps_page_mark_allocated(m, z, ps_rmqueue_smallest(m, z, 10, PS_MT_MOVABLE), 10);
	fixture_check(m);

	/* Movable order 0 now: orders < pageblock_order/2 cannot be claimed, so it steals. */
	pfn = ps_rmqueue(m, z, 0, PS_MT_MOVABLE, 0, NULL, &info);
	g_assert_cmpuint(pfn, ==, 2049);
	ps_page_mark_allocated(m, z, pfn, 0);
	g_assert_cmpint(info.mode, ==, PS_RMQUEUE_STEAL);
	g_assert_true(info.fragmenting);
	g_assert_false(info.claimed);
	g_assert_cmpint(ps_pageblock_mt(m, 2048), ==, PS_MT_UNMOVABLE);
	fixture_check(m);

	/* With ALLOC_NOFRAGMENT, stealing is not allowed. */
	pfn = ps_rmqueue(m, z, 0, PS_MT_MOVABLE, PS_ALLOC_NOFRAGMENT, NULL, &info);
	g_assert_cmpuint(pfn, ==, PS_PFN_NONE);
}

static void test_claim_partial_block_boosts(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(2048, 4096);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsRmqueueInfo info;
	ps_pfn_t pfn;

	g_assert_cmpuint(z->wmark[PS_WMARK_HIGH], >, 0);
	for (int i = 0; i < 3; i++)
		ps_page_mark_allocated(m, z, ps_rmqueue_smallest(m, z, 10, PS_MT_MOVABLE), 10);
	g_assert_cmpuint(ps_rmqueue_smallest(m, z, 0, PS_MT_MOVABLE), ==, 5120);
	ps_page_mark_allocated(m, z, 5120, 0);
	ps_page_mark_allocated(m, z, ps_rmqueue_smallest(m, z, 9, PS_MT_MOVABLE), 9);
	/* Pageblock 5120 has 511 free pages: an unmovable request claims it from order 8. */
	pfn = ps_rmqueue(m, z, 0, PS_MT_UNMOVABLE, PS_ALLOC_KSWAPD, NULL, &info);
	ps_page_mark_allocated(m, z, pfn, 0);
	g_assert_cmpint(info.mode, ==, PS_RMQUEUE_CLAIM);
	g_assert_cmpuint(info.fallback_order, ==, 8);
	g_assert_true(info.fragmenting);
	g_assert_true(info.claimed);
	g_assert_cmpint(ps_pageblock_mt(m, 5120), ==, PS_MT_UNMOVABLE);
	g_assert_cmpint(ps_pageblock_mt(m, 5632), ==, PS_MT_MOVABLE);
	/* The free pages moved to the unmovable lists; the lone order-0 one (5121) is taken. */
	g_assert_cmpuint(pfn, ==, 5121);
	/* A fragmenting fallback boosts by one pageblock and flags the zone for kswapd. */
	g_assert_cmpuint(z->watermark_boost, ==, 512);
	g_assert_true(z->flags & PS_ZONE_BOOSTED_WATERMARK);
	fixture_check(m);
}

static void test_boost_limits(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(0, 65536);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	uint64_t max_boost = MAX(512, z->wmark[PS_WMARK_HIGH] * 15000 / 10000);

	for (int i = 0; i < 1000; i++)
		ps_boost_watermark(m, z);
	g_assert_cmpuint(z->watermark_boost, ==, max_boost);
	/* every call counts, those that found the boost at max_boost too */
	g_assert_cmpuint(z->watermark_boosts, ==, 1000);
	m->sysctl.watermark_boost_factor = 0;
	z->watermark_boost = 0;
	g_assert_false(ps_boost_watermark(m, z));
	g_assert_cmpuint(z->watermark_boost, ==, 0);
	g_assert_cmpuint(z->watermark_boosts, ==, 1000);
}

static void test_boost_small_zone(void)
{
	/* Fewer than four pageblocks managed: never boosted (a 64K zone under 2 GiB is such). */
	g_autoptr(PsMachine) m = fixture_normal_only(0, 2047);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);

	g_assert_false(ps_boost_watermark(m, z));
}

static void test_highatomic_reserve(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(0, 65536);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t a, b, c;

	/* Cap: round_up(65536 / 100, 512) = 1024 pages = two pageblocks. */
	a = ps_rmqueue_buddy(m, z, 1, PS_MT_UNMOVABLE, 0);
	ps_reserve_highatomic_pageblock(m, z, a, 1);
	g_assert_cmpuint(z->nr_reserved_highatomic, ==, 512);
	g_assert_cmpint(ps_pageblock_mt(m, a), ==, PS_MT_HIGHATOMIC);
	g_assert_cmpuint(z->nr_free_highatomic, ==, 510);
	b = ps_rmqueue_buddy(m, z, 9, PS_MT_MOVABLE, 0);
	ps_reserve_highatomic_pageblock(m, z, b, 9);
	g_assert_cmpuint(z->nr_reserved_highatomic, ==, 1024);
	c = ps_rmqueue_buddy(m, z, 9, PS_MT_MOVABLE, 0);
	ps_reserve_highatomic_pageblock(m, z, c, 9);
	g_assert_cmpuint(z->nr_reserved_highatomic, ==, 1024);
	g_assert_cmpint(ps_pageblock_mt(m, c), ==, PS_MT_MOVABLE);
	fixture_check(m);

	/* Requests with ALLOC_HIGHATOMIC take from the reserve first. */
	c = ps_rmqueue_buddy(m, z, 0, PS_MT_UNMOVABLE, PS_ALLOC_HIGHATOMIC);
	g_assert_cmpint(ps_pageblock_mt(m, c), ==, PS_MT_HIGHATOMIC);
	g_assert_cmpuint(z->nr_free_highatomic, ==, 509);

	/* Unreserve keeps one block unless forced. */
	g_assert_true(ps_unreserve_highatomic_pageblock(m, z, PS_MT_MOVABLE, false));
	g_assert_cmpuint(z->nr_reserved_highatomic, ==, 512);
	g_assert_false(ps_unreserve_highatomic_pageblock(m, z, PS_MT_MOVABLE, false));
	fixture_check(m);
}

/*
 * A free block on another type's list (a snapshot start's pagetypeinfo, ps_free_list_move): taken
 * from that list, its halves stay there (expand with the list's type); freed, the block merges
 * with such a buddy and goes to its own pageblock's list, as __free_one_page does.
 */
/* The foreign tests' zone: 1024 taken, the first pageblock Unmovable with its free pages. */
static PsZone *foreign_zone(PsMachine *m)
{
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);

	take_first_page(m, z);
	ps_pageblock_set_mt(m, z, 1024, PS_MT_UNMOVABLE);
	return z;
}

static void test_foreign_list(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
	PsZone *z = foreign_zone(m);
	ps_pfn_t pfn;

	/* 1032 (order 3) goes back to the Unmovable list: moved to the Movable one. */
	g_assert_cmpuint(z->free_area[3].list[PS_MT_UNMOVABLE].head, ==, 1032);
	g_assert_null(z->foreign);
	ps_free_list_move(m, z, 1032, PS_MT_MOVABLE);
	g_assert_cmpuint(z->free_area[3].list[PS_MT_MOVABLE].head, ==, 1032);
	g_assert_cmpuint(z->free_area[3].list[PS_MT_UNMOVABLE].len, ==, 0);
	g_assert_cmpint(ps_free_list_of(m, z, 1032), ==, PS_MT_MOVABLE);
	g_assert_cmpint(ps_free_list_of(m, z, 1040), ==, PS_MT_UNMOVABLE);
	fixture_check(m);

	/* A Movable request takes it before the Movable order-9 block at 1536. */
	pfn = ps_rmqueue_smallest(m, z, 0, PS_MT_MOVABLE);
	g_assert_cmpuint(pfn, ==, 1032);
	ps_page_mark_allocated(m, z, pfn, 0);
	g_assert_cmpuint(z->free_area[0].list[PS_MT_MOVABLE].head, ==, 1033);
	g_assert_cmpuint(z->free_area[1].list[PS_MT_MOVABLE].head, ==, 1034);
	g_assert_cmpuint(z->free_area[2].list[PS_MT_MOVABLE].head, ==, 1036);
	g_assert_cmpuint(g_hash_table_size(z->foreign), ==, 3);
	fixture_check(m);

	/* Freed as its Unmovable block's page: it merges with the three back to order 3 (its
	 * order-3 buddy 1040 is the head of an order-4 block), on the Unmovable list. */
	z->nr_allocated--;
	ps_free_one_page(m, z, 1032, 0, PS_MT_UNMOVABLE, PS_FPI_NONE);
	g_assert_cmpuint(g_hash_table_size(z->foreign), ==, 0);
	g_assert_cmpuint(z->free_area[3].list[PS_MT_MOVABLE].len, ==, 0);
	g_assert_cmpuint(z->free_area[3].list[PS_MT_UNMOVABLE].head, ==, 1032);
	for (unsigned o = 0; o < 3; o++)
		g_assert_cmpuint(z->free_area[o].list[PS_MT_MOVABLE].len, ==, 0);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, 1023);
	fixture_check(m);

	/* the empty table goes at the next removal: the zone is one that never had a foreign block
	 */
	pfn = ps_rmqueue_smallest(m, z, 0, PS_MT_MOVABLE);
	g_assert_cmpuint(pfn, ==, 1536);
	ps_page_mark_allocated(m, z, pfn, 0);
	g_assert_null(z->foreign);
	g_assert_null(z->foreign_nr);
	fixture_check(m);
}

/*
 * A claim of a foreign block (review-model s14 item 3): the Unmovable order-8 block at 1280 on
 * the Movable list is the only fallback of an order-8 Unmovable request; try_to_claim_block
 * passes the Movable list's type for every free block of the pageblock, and the others sit on
 * their own (Unmovable) lists: each must leave the list it is on (list_move_tail), not the
 * Movable one (an abort in ps_list_del, an empty list, before the fix).
 */
/*
 * __isolate_free_page with mobility grouping off, on a block of pageblock_order - 1: the
 * pageblock's other free blocks go to the Movable lists (move_freepages_block) and the pageblock
 * stays Unmovable (set_pageblock_migratetype(MOVABLE) stores Unmovable): free blocks on another
 * type's list, as the 64K lab kernel shows. Pageblock 1024 (Unmovable) holds free blocks of
 * orders 0..8 after its first page was taken; isolating the order-8 one at 1280 moves the other
 * eight. Without the mapping the pageblock turned Movable with them (no foreign block). Freed
 * back, the isolated block goes to the Unmovable list and merges nothing (its buddy, the
 * pageblock's first half, is not free whole); the moved blocks stay foreign.
 */
static void test_isolate_grouping_off(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
	PsZone *z = foreign_zone(m);

	m->sysctl.page_group_by_mobility_disabled = true;
	g_assert_null(z->foreign);
	g_assert_cmpuint(ps_isolate_free_page(m, z, 1280, 8), ==, 256);
	g_assert_cmpint(ps_pageblock_mt(m, 1024), ==, PS_MT_UNMOVABLE);
	g_assert_nonnull(z->foreign);
	g_assert_cmpuint(g_hash_table_size(z->foreign), ==, 8);
	for (unsigned o = 0; o < 8; o++) {
		ps_pfn_t head = o ? 1024 + (1u << o) : 1025;

		g_assert_cmpuint(z->free_area[o].list[PS_MT_MOVABLE].head, ==, head);
		g_assert_cmpuint(z->free_area[o].list[PS_MT_UNMOVABLE].len, ==, 0);
		g_assert_cmpint(ps_free_list_of(m, z, head), ==, PS_MT_MOVABLE);
	}
	/* the other pageblock, Movable, is untouched */
	g_assert_cmpint(ps_pageblock_mt(m, 1536), ==, PS_MT_MOVABLE);
	/* released as compaction releases an unused target (release_freepages), the invariants
	 * hold: on its pageblock's (Unmovable) list */
	ps_buddy_free(m, z, 1280, 8, PS_FPI_TO_TAIL);
	g_assert_cmpuint(z->free_area[8].list[PS_MT_UNMOVABLE].head, ==, 1280);
	g_assert_cmpuint(g_hash_table_size(z->foreign), ==, 8);
	fixture_check(m);
}

static void test_foreign_claim(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
	PsZone *z = foreign_zone(m);
	ps_pfn_t pfn;

	pfn = ps_rmqueue_smallest(m, z, 9, PS_MT_MOVABLE);
	g_assert_cmpuint(pfn, ==, 1536);
	ps_page_mark_allocated(m, z, pfn, 9);
	ps_free_list_move(m, z, 1280, PS_MT_MOVABLE);
	g_assert_cmpuint(g_hash_table_size(z->foreign), ==, 1);
	g_assert_cmpuint(z->foreign_nr[(1280 - m->map.base_pfn) >> m->pageblock_order], ==, 1);
	fixture_check(m);

	pfn = ps_rmqueue_buddy(m, z, 8, PS_MT_UNMOVABLE, 0);
	g_assert_cmpuint(pfn, ==, 1280);
	g_assert_cmpint(ps_pageblock_mt(m, 1024), ==, PS_MT_UNMOVABLE);
	/* its entry left with the move; the table, empty, with the removal of 1280 after it */
	g_assert_null(z->foreign);
	for (unsigned o = 0; o < m->nr_orders; o++)
		g_assert_cmpuint(z->free_area[o].list[PS_MT_MOVABLE].len, ==, 0);
	/* the rest of the pageblock stays on its Unmovable lists: 1025 (order 0) to 1152 (7) */
	for (unsigned o = 0; o < 8; o++)
		g_assert_cmpuint(z->free_area[o].list[PS_MT_UNMOVABLE].head, ==, 1024 + (1u << o));
	fixture_check(m);
}

/*
 * PsMemMap.big_head follows the pageblock's first page through ps_page_set and ps_page_set_run,
 * and ps_machine_check tells a byte that disagrees with flags.
 */
static void test_big_head(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	uint8_t *b1024 = &m->map.big_head[(1024 - m->map.base_pfn) >> m->pageblock_order];
	uint8_t *b1536 = &m->map.big_head[(1536 - m->map.base_pfn) >> m->pageblock_order];
	GError *error = NULL;
	ps_pfn_t pfn;

	g_assert_cmpuint(m->pageblock_order, ==, 9);
	/* booted free: no big head */
	g_assert_cmpuint(*b1024 | *b1536, ==, 0);
	pfn = ps_rmqueue_smallest(m, z, 9, PS_MT_MOVABLE);
	g_assert_cmpuint(pfn, ==, 1024);
	ps_page_mark_allocated(m, z, pfn, 9);
	g_assert_cmpuint(*b1024, ==, 1);
	g_assert_cmpuint(*b1536, ==, 0);
	fixture_check(m);
	/* split to order 0 (ps_page_set of each page): the first page heads an order-0 block */
	ps_page_split_allocated(m, 1024, 9);
	g_assert_cmpuint(*b1024, ==, 0);
	fixture_check(m);
	/* an order-8 head at a pageblock's start is not big */
	pfn = ps_rmqueue_smallest(m, z, 8, PS_MT_MOVABLE);
	g_assert_cmpuint(pfn, ==, 1536);
	ps_page_mark_allocated(m, z, pfn, 8);
	g_assert_cmpuint(*b1536, ==, 0);
	/* a run write over a pageblock's first page clears its byte */
	ps_page_set(m, 1536, PS_PAGE_ALLOCATED, 9);
	g_assert_cmpuint(*b1536, ==, 1);
	ps_page_set_run(m, 1530, 16, PS_PAGE_TAIL);
	g_assert_cmpuint(*b1536, ==, 0);
	/* back as they were: 1530-1535 allocated order-0 heads, 1536 an order-8 one */
	ps_page_set_run(m, 1530, 6, PS_PAGE_ALLOCATED);
	ps_page_set(m, 1536, PS_PAGE_ALLOCATED, 8);
	fixture_check(m);
	/* a byte that disagrees with flags fails the check */
	*b1024 = 1;
	g_assert_false(ps_machine_check(m, &error));
	g_assert_error(error, PS_MM_ERROR, PS_MM_ERROR_INVARIANT);
	g_assert_nonnull(strstr(error->message, "big_head"));
	g_clear_error(&error);
	*b1024 = 0;
	fixture_check(m);
}

typedef struct {
	unsigned n;
	unsigned order, fb_order;
	enum ps_migratetype alloc_mt, fb_mt;
	bool claimed;
} ExtfragSeen;

static void on_extfrag(void *data, PsZone *z, ps_pfn_t pfn, unsigned order, unsigned fb_order,
		       enum ps_migratetype alloc_mt, enum ps_migratetype fb_mt, bool claimed)
{
	ExtfragSeen *s = data;

	s->n++;
	s->order = order;
	s->fb_order = fb_order;
	s->alloc_mt = alloc_mt;
	s->fb_mt = fb_mt;
	s->claimed = claimed;
}

/*
 * Frees page 1024 of fixture_normal_only(1024, 1024) (taken by take_first_page) to the buddy
 * while capc waits (ps_free_pages to the pcp, then the drain, with the capture installed as
 * compact_zone_order does); returns capc->pfn.
 */
static ps_pfn_t free_first_page_capturing(PsMachine *m, PsCaptureControl *capc)
{
	m->capture = capc;
	ps_free_pages(m, 1024, 0, 0);
	ps_pcp_drain_all(m, NULL);
	m->capture = NULL;
	return capc->pfn;
}

/*
 * compaction_capture (mm/page_alloc.c, 6.18): a MOVABLE block below pageblock order does not go
 * to a request that is not MOVABLE; a block of another type than the request's is captured all
 * the same and traced as type pollution (mm_page_alloc_extfrag: the request's order and type,
 * the block's order and type, not claimed).
 */
static void test_capture_rules(void)
{
	ExtfragSeen seen = {0};
	PsMmHooks h = {.data = &seen, .extfrag = on_extfrag};

	/* order 0, MOVABLE block, UNMOVABLE request: refused, the page merges back to order 10 */
	{
		g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
		PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
		PsCaptureControl c = {.zone = z, .order = 0, .migratetype = PS_MT_UNMOVABLE};

		ps_machine_set_hooks(m, &h);
		take_first_page(m, z);
		c.pfn = PS_PFN_NONE;
		g_assert_cmpuint(free_first_page_capturing(m, &c), ==, PS_PFN_NONE);
		g_assert_cmpuint(z->free_area[10].nr_free, ==, 1);
		g_assert_cmpuint(seen.n, ==, 0);
		fixture_check(m);
	}
	/* order 9 (pageblock order), UNMOVABLE request: captured, traced as pollution */
	{
		g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
		PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
		PsCaptureControl c = {.zone = z, .order = 9, .migratetype = PS_MT_UNMOVABLE};

		ps_machine_set_hooks(m, &h);
		take_first_page(m, z);
		c.pfn = PS_PFN_NONE;
		g_assert_cmpuint(free_first_page_capturing(m, &c), ==, 1024);
		g_assert_cmpuint(ps_page_order(m, 1024), ==, 9);
		g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, 512);
		g_assert_cmpuint(seen.n, ==, 1);
		g_assert_cmpuint(seen.order, ==, 9);
		g_assert_cmpuint(seen.fb_order, ==, 9);
		g_assert_cmpint(seen.alloc_mt, ==, PS_MT_UNMOVABLE);
		g_assert_cmpint(seen.fb_mt, ==, PS_MT_MOVABLE);
		g_assert_false(seen.claimed);
		fixture_check(m);
	}
	/* the same for a MOVABLE request: no pollution to trace */
	{
		g_autoptr(PsMachine) m = fixture_normal_only(1024, 1024);
		PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
		PsCaptureControl c = {.zone = z, .order = 9, .migratetype = PS_MT_MOVABLE};

		seen.n = 0;
		ps_machine_set_hooks(m, &h);
		take_first_page(m, z);
		c.pfn = PS_PFN_NONE;
		g_assert_cmpuint(free_first_page_capturing(m, &c), ==, 1024);
		g_assert_cmpuint(seen.n, ==, 0);
		fixture_check(m);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mm/buddy/boot-dma-layout", test_boot_dma_layout);
	g_test_add_func("/mm/buddy/split-and-merge", test_split_and_merge);
	g_test_add_func("/mm/buddy/merge-placement-head-tail", test_merge_placement);
	g_test_add_func("/mm/buddy/pageblock-merge-rules", test_pageblock_merge_rules);
	g_test_add_func("/mm/buddy/claim-and-steal", test_claim_whole_block);
	g_test_add_func("/mm/buddy/claim-partial-boosts", test_claim_partial_block_boosts);
	g_test_add_func("/mm/buddy/boost-limits", test_boost_limits);
	g_test_add_func("/mm/buddy/boost-small-zone", test_boost_small_zone);
	g_test_add_func("/mm/buddy/highatomic-reserve", test_highatomic_reserve);
	g_test_add_func("/mm/buddy/foreign-list", test_foreign_list);
	g_test_add_func("/mm/buddy/foreign-claim", test_foreign_claim);
	g_test_add_func("/mm/buddy/isolate-grouping-off", test_isolate_grouping_off);
	g_test_add_func("/mm/buddy/big-head", test_big_head);
	g_test_add_func("/mm/buddy/capture-rules", test_capture_rules);
	return g_test_run();
}
