// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-compact.c - unit tests of compaction (policy/compaction.c) on small fixture machines
 * without a host: compact_zone's scanners and migration (with the invariant checker after every
 * run), unmovable blocks staying put, capture for a direct compactor, the deferral arithmetic,
 * suitability and the fragmentation index, skip bits kept apart from the migratetype, and one
 * effective free list per order with grouping by mobility off.
 */
#include "fixture.h"
#include "kf13-zones.h"

/* Takes every free page as order-0 blocks (movable-looking unless `unmovable_every` hits). */
static void fill_order0(PsMachine *m, PsZone *z, unsigned unmovable_every)
{
	unsigned n = 0;
	ps_pfn_t pfn;

	while ((pfn = ps_rmqueue_smallest(m, z, 0, PS_MT_MOVABLE)) != PS_PFN_NONE) {
		ps_page_mark_allocated(m, z, pfn, 0);
		ps_page_set_movable(m, pfn, !unmovable_every || ++n % unmovable_every);
	}
}

static void free_block(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	z->nr_allocated -= 1ull << order;
	ps_buddy_free(m, z, pfn, order, PS_FPI_NONE);
}

/* Frees three of every four pages: lots of free memory, no free block above order 1. */
static void punch(PsMachine *m, PsZone *z)
{
	for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++)
		if ((p & 3) != 3 && ps_page_state(m, p) == PS_PAGE_ALLOCATED)
			free_block(m, z, p, 0);
}

static uint64_t free_blocks_at_least(const PsMachine *m, const PsZone *z, unsigned order)
{
	uint64_t n = 0;

	for (unsigned o = order; o < m->nr_orders; o++)
		n += z->free_area[o].nr_free << (o - order);
	return n;
}

/* What /proc/sys/vm/compact_memory runs on a zone: sync, whole zone, skip hints ignored. */
static PsCompactControl whole_zone_cc(PsZone *z)
{
	PsCompactControl cc = {
	    .zone = z,
	    .order = -1,
	    .mode = PS_MIGRATE_SYNC,
	    .whole_zone = true,
	    .ignore_skip_hint = true,
	};

	return cc;
}

static void test_compact_whole_zone(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = whole_zone_cc(z);
	uint64_t allocated;
	enum ps_compact_result r;

	fill_order0(m, z, 0);
	punch(m, z);
	fixture_check(m);
	allocated = z->nr_allocated;
	g_assert_cmpuint(allocated, ==, 2048);
	g_assert_cmpuint(free_blocks_at_least(m, z, 2), ==, 0);

	r = ps_compact_zone(m, &cc);
	fixture_check(m);
	g_assert_cmpint(r, ==, PS_COMPACT_RES_COMPLETE);
	/* Same allocations, now packed at the top (the free scanner's end): the bottom is free. */
	g_assert_cmpuint(z->nr_allocated, ==, allocated);
	g_assert_cmpuint(cc.nr_migrated, >, 1000);
	g_assert_cmpuint(free_blocks_at_least(m, z, 9), >=, 10);
	g_assert_cmpuint(m->vm_events[PS_PGMIGRATE_SUCCESS], ==, cc.nr_migrated);
	g_assert_cmpuint(m->vm_events[PS_COMPACT_MIGRATE_SCANNED], ==, cc.total_migrate_scanned);
	g_assert_cmpuint(m->vm_events[PS_COMPACT_FREE_SCANNED], ==, cc.total_free_scanned);
	g_assert_cmpuint(m->vm_events[PS_COMPACT_ISOLATED], ==, cc.nr_isolated);
	g_assert_cmpuint(cc.cost_ns, >, 0);
	/*
	 * 1/4 kept: the scanners meet about 3/4 up, give or take the block they met in and one
	 * more: after a block that yields nothing the free scanner strides past free pages of the
	 * next one (kernel behaviour), so it goes a little lower than a page-by-page scan would.
	 */
	for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++)
		if (ps_page_state(m, p) == PS_PAGE_ALLOCATED)
			g_assert_cmpuint(p, >=, z->start_pfn + 5120);
}

/*
 * events.jsonl's compact_zone record: one per run past the suitability check, with the run's
 * scanners at its start and end, its status and its counters; a run that the suitability check
 * stops (an order the zone already has) writes none, as it starts no mm_compaction_begin.
 */
static void test_compact_zone_event(void)
{
	g_autoptr(FixtureHost) h = fixture_host_new(fixture_normal_only(4096, 8192), NULL);
	PsMachine *m = h->m;
	PsZone *z = fixture_host_normal(h);
	PsCompactControl cc = whole_zone_cc(z), kc = whole_zone_cc(z);
	const char *ev = "compact_zone";

	fill_order0(m, z, 0);
	punch(m, z);
	/* owners for the host to tell of the moves (a page nobody owns stays, as if pinned) */
	for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++)
		if (ps_page_state(m, p) == PS_PAGE_ALLOCATED)
			fixture_host_own(h, p, 0, PS_NR_FOLIO_KINDS, false);
	g_assert_cmpuint(fixture_host_events(h, ev), ==, 0);
	g_assert_cmpint(ps_compact_zone(m, &cc), ==, PS_COMPACT_RES_COMPLETE);
	fixture_check(m);
	g_assert_cmpuint(fixture_host_events(h, ev), ==, 1);
	g_assert_cmpint(fixture_host_last(h, ev, "zone_idx"), ==, PS_ZONE_NORMAL);
	g_assert_cmpint(fixture_host_last(h, ev, "order"), ==, -1);
	g_assert_cmpint(fixture_host_last(h, ev, "mode"), ==, PS_MIGRATE_SYNC);
	g_assert_cmpint(fixture_host_last(h, ev, "direct"), ==, 0);
	g_assert_cmpint(fixture_host_last(h, ev, "whole_zone"), ==, 1);
	g_assert_cmpint(fixture_host_last(h, ev, "migrate_start_pfn"), ==, (int64_t)z->start_pfn);
	g_assert_cmpint(fixture_host_last(h, ev, "free_start_pfn"), ==,
			(int64_t)(ps_zone_end_pfn(z) - 512));
	g_assert_cmpint(fixture_host_last(h, ev, "migrate_end_pfn"), ==, (int64_t)cc.migrate_pfn);
	g_assert_cmpint(fixture_host_last(h, ev, "free_end_pfn"), ==, (int64_t)cc.free_pfn);
	g_assert_cmpint(fixture_host_last(h, ev, "migrate_end_pfn"), >, (int64_t)z->start_pfn);
	g_assert_cmpint(fixture_host_last(h, ev, "status"), ==, 5); /* COMPACT_COMPLETE */
	g_assert_cmpint(fixture_host_last(h, ev, "migrate_scanned"), ==,
			(int64_t)cc.total_migrate_scanned);
	g_assert_cmpint(fixture_host_last(h, ev, "free_scanned"), ==,
			(int64_t)cc.total_free_scanned);
	g_assert_cmpint(fixture_host_last(h, ev, "isolated"), ==, (int64_t)cc.nr_isolated);
	g_assert_cmpint(fixture_host_last(h, ev, "migrated"), ==, (int64_t)cc.nr_migrated);
	g_assert_cmpint(fixture_host_last(h, ev, "migrated"), >, 1000);
	g_assert_cmpint(fixture_host_last(h, ev, "cost_ns"), ==, (int64_t)cc.cost_ns);
	/* the zone now has free order-2 blocks: compaction_suit_allocation_order says success */
	kc.order = 2;
	kc.alloc_flags = PS_ALLOC_WMARK_MIN;
	kc.highest_zoneidx = PS_ZONE_NORMAL;
	g_assert_cmpint(ps_compact_zone(m, &kc), ==, PS_COMPACT_RES_SUCCESS);
	g_assert_cmpuint(fixture_host_events(h, ev), ==, 1);
}

/*
 * The compact_zone record's time is the run's mm_compaction_begin: the engine's now (the
 * request's time, which stays put through the call) plus what the request spent before the
 * run. compact_memory over DMA32 and Normal: the Normal run begins when the DMA32 run's cost
 * has passed, as the kernel's compact_node runs one zone after the other.
 */
static void test_compact_zone_event_time(void)
{
	PsMachineSpec spec;
	g_autoptr(FixtureHost) h = NULL;
	PsMachine *m;
	const char *ev = "compact_zone";
	uint64_t total, normal_cost;

	fixture_spec_1node(&spec, 4096, 1);
	fixture_zone(&spec, 0, PS_ZONE_DMA32, 4096, 8192, 8192);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 16384, 8192, 8192);
	h = fixture_host_new(fixture_machine(&spec), NULL);
	m = h->m;
	for (int t = PS_ZONE_DMA32; t <= PS_ZONE_NORMAL; t++) {
		PsZone *z = ps_machine_zone(m, 0, (enum ps_zone_type)t);

		fill_order0(m, z, 0);
		punch(m, z);
		for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++)
			if (ps_page_state(m, p) == PS_PAGE_ALLOCATED)
				fixture_host_own(h, p, 0, PS_NR_FOLIO_KINDS, false);
	}
	total = ps_compact_memory(m, 0);
	fixture_check(m);
	g_assert_cmpuint(fixture_host_events(h, ev), ==, 2);
	g_assert_cmpint(fixture_host_last(h, ev, "zone_idx"), ==, PS_ZONE_NORMAL);
	normal_cost = (uint64_t)fixture_host_last(h, ev, "cost_ns");
	g_assert_cmpuint(normal_cost, <, total);
	g_assert_cmpuint(h->last_after_ns, ==, total - normal_cost);
	/* a run the caller says begins later (a direct reclaim before it) is stamped that late */
	{
		PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
		PsCompactControl cc = whole_zone_cc(z);

		cc.begin_ns = 123456;
		ps_compact_zone(m, &cc);
		g_assert_cmpuint(fixture_host_events(h, ev), ==, 3);
		g_assert_cmpuint(h->last_after_ns, ==, 123456);
	}
}

/*
 * The free scanner's stride: sync starts at 1, doubles over every block that yields nothing (up
 * to COMPACT_CLUSTER_MAX = 32) and drops back to 1 after one that yields. A full zone but for
 * block 9 (free pages at offsets 1 mod 32, between the visits of stride 32) and block 8 (free
 * pages at offsets 0 mod 32) loses block 9's pages to the stride and finds block 8's. With the
 * zone at its min watermark __isolate_free_page refuses, the scan stops there and migration
 * runs out of targets before the scanners meet: COMPACT_CONTENDED, as compact_zone reports it.
 */
static void test_free_scanner_stride(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = whole_zone_cc(z);
	PsCompactControl again = cc;
	ps_pfn_t b8 = z->start_pfn + 8 * 512, b9 = z->start_pfn + 9 * 512;

	fill_order0(m, z, 0);
	for (ps_pfn_t off = 0; off < 512; off += 32) {
		free_block(m, z, b9 + off + 1, 0);
		free_block(m, z, b8 + off, 0);
	}
	fixture_check(m);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], <=, (int64_t)z->wmark[PS_WMARK_MIN] + 1);
	g_assert_cmpint(ps_compact_zone(m, &cc), ==, PS_COMPACT_RES_CONTENDED);
	fixture_check(m);
	g_assert_cmpuint(cc.nr_migrated, ==, 0);
	g_assert_cmpuint(cc.free_pfn, ==, b8);

	/* Free memory where the free scanner does not go (the migrate scanner's block) */
	for (ps_pfn_t p = z->start_pfn + 64; p < z->start_pfn + 512; p++)
		free_block(m, z, p, 0);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], >, (int64_t)z->wmark[PS_WMARK_MIN] + 16);
	g_assert_cmpint(ps_compact_zone(m, &again), ==, PS_COMPACT_RES_COMPLETE);
	fixture_check(m);
	for (ps_pfn_t off = 0; off < 512; off += 32) {
		g_assert_cmpint(ps_page_state(m, b9 + off + 1), ==, PS_PAGE_BUDDY);
		g_assert_cmpint(ps_page_state(m, b8 + off), ==, PS_PAGE_ALLOCATED);
	}
	g_assert_cmpuint(again.nr_migrated, ==, 16);
	/*
	 * Blocks 15..10: 512 + 256 + 128 + 64 + 32 + 16 visits; 9 and 8: 16 each at stride 32;
	 * 7..1 from stride 1 again: 512 + 256 + 128 + 64 + 32 + 16 + 16.
	 */
	g_assert_cmpuint(again.total_free_scanned, ==, 1008 + 32 + 1024);
}

/*
 * Block 15 holds free single pages only, block 0 an order-2 folio at offset 4 among order-0
 * ones, and free memory above the min watermark sits where the free scanner does not go.
 */
static void leftovers_layout(PsMachine *m, PsZone *z)
{
	ps_pfn_t b0 = z->start_pfn, b15 = z->start_pfn + 15 * 512;

	fill_order0(m, z, 0);
	for (ps_pfn_t off = 1; off < 512; off += 2)
		free_block(m, z, b15 + off, 0);
	g_assert_true(ps_alloc_reshape(m, z, b0 + 4, 2));
	for (ps_pfn_t p = b0 + 64; p < b0 + 512; p++)
		free_block(m, z, p, 0);
}

/*
 * Isolated targets are kept per order (6.9+): a large folio needs a target of its order, and free
 * pages left over from the small folios before it do not do. compaction_alloc then asks the free
 * scanner, which returns at once because pages are still held; migration fails with -ENOMEM and
 * a compact_memory run ends COMPACT_CONTENDED where the scanners are (as ftrace-compact-6.18's
 * did, after an order-0 leftover).
 */
static void test_large_folio_leftovers(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = whole_zone_cc(z);
	ps_pfn_t b0 = z->start_pfn, b15 = z->start_pfn + 15 * 512;

	leftovers_layout(m, z);
	fixture_check(m);
	g_assert_cmpint(ps_compact_zone(m, &cc), ==, PS_COMPACT_RES_CONTENDED);
	fixture_check(m);
	/*
	 * The batch moves highest pfn first (list_add order): offsets 31..8 moved, the order-2
	 * folio could not be and is where it was, and 0..3 behind it were not tried.
	 */
	g_assert_cmpuint(cc.nr_migrated, ==, 24);
	g_assert_cmpint(ps_page_state(m, b0 + 4), ==, PS_PAGE_ALLOCATED);
	g_assert_cmpuint(ps_page_order(m, b0 + 4), ==, 2);
	for (ps_pfn_t off = 0; off < 4; off++)
		g_assert_cmpint(ps_page_state(m, b0 + off), ==, PS_PAGE_ALLOCATED);
	g_assert_cmpint(ps_page_state(m, b0 + 8), ==, PS_PAGE_BUDDY);
	g_assert_cmpuint(cc.free_pfn, ==, b15);
	/* 32 pages isolated to migrate, 32 free targets, and no second search for the folio */
	g_assert_cmpuint(m->vm_events[PS_COMPACT_ISOLATED], ==, 64);
}

/*
 * The same layout with a host that follows its folios: migrate_pages_batch splits the order-2
 * folio that got no target (try_split_folio) when it is anonymous or clean page cache, the batch
 * goes on (offsets 0..3 behind it move), and migrate_pages then moves its four pieces in one
 * MIGRATE_ASYNC pass: the run is not cut short and all 32 pages of block 0 move. The pieces stay on
 * the folio's LRU list, one page each. A dirty page-cache folio keeps its buffers
 * (filemap_release_folio fails, -EBUSY) and the run ends COMPACT_CONTENDED as without a host.
 */
static void check_large_folio_split(enum ps_folio_kind kind, bool dirty)
{
	g_autoptr(FixtureHost) h = fixture_host_new(fixture_normal_only(4096, 8192), NULL);
	PsMachine *m = h->m;
	PsZone *z = fixture_host_normal(h);
	PsCompactControl cc = whole_zone_cc(z);
	ps_pfn_t b0 = z->start_pfn;
	int stat = kind == PS_FOLIO_FILE ? PS_NR_ZONE_INACTIVE_FILE : PS_NR_ZONE_INACTIVE_ANON;
	int64_t listed;
	enum ps_compact_result r;

	h->may_split = true;
	leftovers_layout(m, z);
	/* every allocated block gets an owner; the order-2 folio is on an LRU list */
	for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++) {
		unsigned o = ps_page_order(m, p);

		if (ps_page_state(m, p) != PS_PAGE_ALLOCATED)
			continue;
		fixture_host_own(h, p, o, p == b0 + 4 ? kind : PS_NR_FOLIO_KINDS, dirty);
		p += (1u << o) - 1;
	}
	listed = z->vm_stat[stat];
	g_assert_cmpint(listed, ==, 4);
	r = ps_compact_zone(m, &cc);
	fixture_check(m);
	g_assert_cmpint(z->vm_stat[stat], ==, listed);
	if (dirty) {
		g_assert_cmpint(r, ==, PS_COMPACT_RES_CONTENDED);
		g_assert_cmpuint(cc.nr_migrated, ==, 24);
		g_assert_cmpuint(cc.nr_split, ==, 0);
		g_assert_cmpuint(h->split_folios, ==, 0);
		g_assert_cmpuint(ps_page_order(m, b0 + 4), ==, 2);
		return;
	}
	g_assert_cmpint(r, !=, PS_COMPACT_RES_CONTENDED);
	g_assert_cmpuint(cc.nr_split, ==, 1);
	g_assert_cmpuint(h->split_folios, ==, 1);
	g_assert_cmpuint(cc.nr_migrated, >=, 32);
	for (ps_pfn_t off = 0; off < 32; off++)
		g_assert_cmpint(ps_page_state(m, b0 + off), !=, PS_PAGE_ALLOCATED);
	/* order 2 is not the PMD order: no thp_split_page */
	g_assert_cmpuint(m->vm_events[PS_THP_SPLIT_PAGE], ==, 0);
}

static void test_large_folio_split(void)
{
	check_large_folio_split(PS_FOLIO_FILE, false);
	check_large_folio_split(PS_FOLIO_ANON, false);
	check_large_folio_split(PS_FOLIO_FILE, true);
}

/*
 * compaction_alloc takes the first block of the smallest order that fits (cc->freepages[order],
 * 6.9+), and the free scanner list_add_tail()s in scan order: three folios at offsets 0..2 of
 * block 0, moved highest pfn first, get block 15's free pages at 1, 3, 5 in that order. (A
 * best-fit search that swapped the last held block into the taken one's place gave offset 1
 * the page at 5.)
 */
static void test_alloc_first_of_order(void)
{
	g_autoptr(FixtureHost) h = fixture_host_new(fixture_normal_only(4096, 8192), NULL);
	PsMachine *m = h->m;
	PsZone *z = fixture_host_normal(h);
	PsCompactControl cc = whole_zone_cc(z);
	ps_pfn_t b0 = z->start_pfn, b15 = z->start_pfn + 15 * 512;
	uint32_t folio[3];

	fill_order0(m, z, 0);
	for (ps_pfn_t off = 1; off <= 5; off += 2)
		free_block(m, z, b15 + off, 0);
	for (unsigned i = 0; i < 3; i++)
		folio[i] = fixture_host_own(h, b0 + i, 0, PS_NR_FOLIO_KINDS, false);
	/* above the min watermark, where the free scanner does not go */
	for (ps_pfn_t p = b0 + 3; p < b0 + 512; p++)
		free_block(m, z, p, 0);
	fixture_check(m);
	ps_compact_zone(m, &cc);
	fixture_check(m);
	g_assert_cmpuint(cc.nr_migrated, ==, 3);
	g_assert_cmpuint(g_array_index(h->blocks, FixtureBlock, folio[2]).pfn, ==, b15 + 1);
	g_assert_cmpuint(g_array_index(h->blocks, FixtureBlock, folio[1]).pfn, ==, b15 + 3);
	g_assert_cmpuint(g_array_index(h->blocks, FixtureBlock, folio[0]).pfn, ==, b15 + 5);
}

/*
 * The finish_pageblock tests' zone: every page taken as a movable order-0 block, targets for 100
 * pages (odd offsets of the last pageblock) and the free pageblock `spare`, which keeps the zone
 * above the min watermark and is never a target.
 */
static void finish_pageblock_zone(PsMachine *m, PsZone *z, ps_pfn_t spare)
{
	ps_pfn_t b15 = z->start_pfn + 15 * 512;

	fill_order0(m, z, 0);
	for (ps_pfn_t off = 1; off < 200; off += 2)
		free_block(m, z, b15 + off, 0);
	for (ps_pfn_t p = spare; p < spare + 512; p++)
		free_block(m, z, p, 0);
}

/*
 * finish_pageblock: once a migration came from a pageblock, the next isolation there takes the
 * rest of the block past COMPACT_CLUSTER_MAX (then moved highest pfn first). With targets for
 * only 100 pages, block 0 loses offsets 0..31 (first batch) and 444..511 (the top of the second),
 * not 32..99 as batches of 32 would have it.
 */
static void test_finish_pageblock(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = whole_zone_cc(z);
	ps_pfn_t b0 = z->start_pfn;

	finish_pageblock_zone(m, z, b0 + 512);
	fixture_check(m);
	g_assert_cmpint(ps_compact_zone(m, &cc), ==, PS_COMPACT_RES_COMPLETE);
	fixture_check(m);
	g_assert_cmpuint(cc.nr_migrated, ==, 100);
	for (ps_pfn_t off = 0; off < 512; off++) {
		bool moved = off < 32 || off >= 444;

		g_assert_cmpint(ps_page_state(m, b0 + off) == PS_PAGE_ALLOCATED, ==, !moved);
	}
}

/*
 * isolate_migratepages scans one pageblock a call and compact_zone decides finish_pageblock
 * again before the next: block 0 gives a batch of 32 (offsets 0..31), then its rest (unmovable)
 * nothing, and block 1, a block no migration came from, starts with a batch of 32 again. With
 * targets for 100 pages block 1 loses offsets 0..31 and 476..511 (its rest, highest pfn first);
 * carrying block 0's finish_pageblock into block 1 took all of block 1 in one batch, losing
 * 444..511 and keeping 0..31.
 */
static void test_finish_pageblock_per_block(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = whole_zone_cc(z);
	ps_pfn_t b0 = z->start_pfn, b1 = b0 + 512;

	finish_pageblock_zone(m, z, b0 + 2 * 512);
	for (ps_pfn_t p = b0 + 32; p < b1; p++)
		ps_page_set_movable(m, p, false);
	fixture_check(m);
	g_assert_cmpint(ps_compact_zone(m, &cc), ==, PS_COMPACT_RES_COMPLETE);
	fixture_check(m);
	g_assert_cmpuint(cc.nr_migrated, ==, 100);
	for (ps_pfn_t off = 0; off < 512; off++) {
		g_assert_cmpint(ps_page_state(m, b0 + off) == PS_PAGE_ALLOCATED, ==, off >= 32);
		g_assert_cmpint(ps_page_state(m, b1 + off) == PS_PAGE_ALLOCATED, ==,
				off >= 32 && off < 476);
	}
}

static void test_unmovable_stay(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = whole_zone_cc(z);
	g_autofree uint8_t *was_unmovable = g_new0(uint8_t, 8192);

	/* Every 7th kept page is unmovable: those pfns must still hold them afterwards. */
	fill_order0(m, z, 7);
	punch(m, z);
	for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++)
		if (ps_page_state(m, p) == PS_PAGE_ALLOCATED && !ps_page_movable(m, p))
			was_unmovable[p - z->start_pfn] = 1;
	ps_compact_zone(m, &cc);
	fixture_check(m);
	for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++)
		if (was_unmovable[p - z->start_pfn]) {
			g_assert_cmpint(ps_page_state(m, p), ==, PS_PAGE_ALLOCATED);
			g_assert_false(ps_page_movable(m, p));
		}
	g_assert_cmpuint(cc.nr_migrated, >, 0);
}

/* A direct compaction for a THP (sync-light, the second try) handing its block to capc. */
static PsCompactControl direct_cc(PsZone *z, PsCaptureControl *capc)
{
	PsCompactControl cc = {
	    .zone = z,
	    .order = 9,
	    .migratetype = PS_MT_MOVABLE,
	    .mode = PS_MIGRATE_SYNC_LIGHT,
	    .alloc_flags = PS_ALLOC_WMARK_MIN,
	    .highest_zoneidx = PS_ZONE_NORMAL,
	    .direct_compaction = true,
	    .capc = capc,
	};

	return cc;
}

/* The fixture of the THP compactions below: capc set up for an order-9 capture in Normal. */
static PsMachine *thp_fixture(PsCaptureControl *capc)
{
	PsMachine *m = fixture_normal_only(4096, 8192);
	PsCaptureControl c = {.zone = ps_machine_zone(m, 0, PS_ZONE_NORMAL),
			      .order = 9,
			      .migratetype = PS_MT_MOVABLE};

	c.pfn = PS_PFN_NONE;
	*capc = c;
	return m;
}

/* compact_zone with cc's capture control installed, as compact_zone_order does. */
static enum ps_compact_result compact_capturing(PsMachine *m, PsCompactControl *cc)
{
	enum ps_compact_result r;

	m->capture = cc->capc;
	r = ps_compact_zone(m, cc);
	m->capture = NULL;
	return r;
}

static void test_capture(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCaptureControl capc = {
	    .zone = z, .order = 9, .migratetype = PS_MT_MOVABLE, .pfn = PS_PFN_NONE};
	PsCompactControl cc = direct_cc(z, &capc);
	uint64_t allocated;
	enum ps_compact_result r;

	fill_order0(m, z, 0);
	punch(m, z);
	allocated = z->nr_allocated;
	g_assert_true(ps_compaction_suitable(m, z, 9, PS_ZONE_NORMAL));
	g_assert_cmpint(ps_zone_fragmentation_index(m, z, 9), >, 500);
	m->capture = &capc;
	r = ps_compact_zone(m, &cc);
	m->capture = NULL;
	g_assert_cmpint(r, ==, PS_COMPACT_RES_SUCCESS);
	/* The block the migrations freed went to the compactor, already allocated. */
	g_assert_cmpuint(capc.pfn, !=, PS_PFN_NONE);
	g_assert_cmpuint(capc.pfn & 511, ==, 0);
	g_assert_cmpint(ps_page_state(m, capc.pfn), ==, PS_PAGE_ALLOCATED);
	g_assert_cmpuint(ps_page_order(m, capc.pfn), ==, 9);
	g_assert_cmpuint(z->nr_allocated, ==, allocated + 512);
	/* A direct run stops early: far fewer pages moved than a whole-zone run. */
	g_assert_cmpuint(cc.nr_migrated, <, 1024);
	fixture_check(m);
}

/*
 * The same direct compaction with the old pages freed as the kernel frees them
 * (free_frozen_pages: to the compacting cpu's pcp lists): they merge only when compact_zone
 * drains that cpu's lists of the zone (lru_add_drain_cpu_zone), once the migrate scanner has
 * left the order-aligned block it last migrated from, and the capture happens in that drain.
 */
static void test_capture_at_drain(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	g_autoptr(PsMachine) m0 = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL),
	       *z0 = ps_machine_zone(m0, 0, PS_ZONE_NORMAL);
	PsCaptureControl capc = {
	    .zone = z, .order = 9, .migratetype = PS_MT_MOVABLE, .pfn = PS_PFN_NONE};
	PsCaptureControl capc0 = {
	    .zone = z0, .order = 9, .migratetype = PS_MT_MOVABLE, .pfn = PS_PFN_NONE};
	PsCompactControl cc = direct_cc(z, &capc), cc0 = direct_cc(z0, &capc0);
	enum ps_compact_result r;

	cc.free_to_pcp = true;
	cc.free_cpu = 0;
	fill_order0(m0, z0, 0);
	punch(m0, z0);
	m0->capture = &capc0;
	g_assert_cmpint(ps_compact_zone(m0, &cc0), ==, PS_COMPACT_RES_SUCCESS);
	m0->capture = NULL;

	fill_order0(m, z, 0);
	punch(m, z);
	g_assert_cmpint(z->pcp[0].count, ==, 0);
	m->capture = &capc;
	r = ps_compact_zone(m, &cc);
	m->capture = NULL;
	fixture_check(m);
	g_assert_cmpint(r, ==, PS_COMPACT_RES_SUCCESS);
	g_assert_cmpuint(capc.pfn, !=, PS_PFN_NONE);
	g_assert_cmpuint(capc.pfn & 511, ==, 0);
	g_assert_cmpuint(ps_page_order(m, capc.pfn), ==, 9);
	/* captured at a drain: the migrate scanner had left the block */
	g_assert_cmpuint(cc.migrate_pfn, >=, capc.pfn + 512);
	/*
	 * The drain came as the scanner finished the block, so the capture came after as many
	 * migrations as with the pages freed straight to the buddy, and the pcp kept none of them
	 * (without the drain: 591 migrated, 480 pages left on the pcp, captured from a later
	 * block).
	 */
	g_assert_cmpuint(cc.nr_migrated, ==, cc0.nr_migrated);
	g_assert_cmpint(z->pcp[0].count, <, 32);
}

/*
 * skip_on_failure (isolate_migratepages_block, mm/compaction.c): async direct compaction gives up
 * on a cc->order-aligned block at its first page it cannot isolate, putting back what that block
 * gave, since the block cannot become free for the request. Here the zone's first pageblock
 * holds one unmovable page: the run leaves that block's pages where they are and succeeds with
 * the next block. Scanning on to the block's end migrated its 127 movable pages for nothing.
 */
static void test_async_skip_on_failure(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	const ps_pfn_t b0 = z->start_pfn, b1 = b0 + 512;
	PsCaptureControl capc = {
	    .zone = z, .order = 9, .migratetype = PS_MT_MOVABLE, .pfn = PS_PFN_NONE};
	PsCompactControl cc = direct_cc(z, &capc);
	unsigned left = 0;

	g_assert_cmpuint(b0 & 511, ==, 0);
	cc.mode = PS_MIGRATE_ASYNC;
	fill_order0(m, z, 0);
	punch(m, z);
	/* the block's first allocated page cannot be isolated */
	g_assert_cmpint(ps_page_state(m, b0 + 3), ==, PS_PAGE_ALLOCATED);
	ps_page_set_movable(m, b0 + 3, false);
	g_assert_cmpint(compact_capturing(m, &cc), ==, PS_COMPACT_RES_SUCCESS);
	fixture_check(m);
	for (ps_pfn_t p = b0 + 3; p < b1; p += 4)
		left += ps_page_state(m, p) == PS_PAGE_ALLOCATED;
	g_assert_cmpuint(left, ==, 128);
	/* the block after it was cleared and captured, with its 128 pages' worth of migration */
	g_assert_cmpuint(capc.pfn, ==, b1);
	g_assert_cmpuint(cc.nr_migrated, ==, 128);
}

/*
 * skip_on_failure inside chunks of cc->order (order 4: 16 pages, allocated at offsets 3, 7, 11, 15
 * of each), with unmovable pages at b0 + 7 and b0 + 39 (isolate_migratepages_block): the page
 * isolated at b0 + 3 is put back when b0 + 7 fails (putback_movable_pages at isolate_fail) and
 * the scanner jumps to b0 + 16; at b0 + 32, the chunk's end, the run stops to migrate the four
 * pages it isolated (the break at next_skip_pfn), so b0 + 16 comes free as one order-4 block
 * before b0 + 39's failure puts back b0 + 35 and skips b0 + 43 and b0 + 47 (the rest of that
 * chunk). Without the putback b0 + 3 is migrated; without
 * the break b0 + 39's failure puts back b0 + 16's pages too. With no capture the run finishes
 * the pageblock (__compact_finished: only at a pageblock boundary), migrating the rest.
 */
static void test_async_skip_on_failure_chunk(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	const ps_pfn_t b0 = z->start_pfn;
	PsCompactControl cc = direct_cc(z, NULL);

	cc.mode = PS_MIGRATE_ASYNC;
	cc.order = 4;
	fill_order0(m, z, 0);
	punch(m, z);
	ps_page_set_movable(m, b0 + 7, false);
	ps_page_set_movable(m, b0 + 39, false);
	g_assert_cmpint(ps_compact_zone(m, &cc), ==, PS_COMPACT_RES_SUCCESS);
	fixture_check(m);
	g_assert_cmpint(ps_page_state(m, b0 + 3), ==, PS_PAGE_ALLOCATED);
	g_assert_cmpint(ps_page_state(m, b0 + 35), ==, PS_PAGE_ALLOCATED);
	g_assert_cmpint(ps_page_state(m, b0 + 47), ==, PS_PAGE_ALLOCATED);
	g_assert_cmpint(ps_page_state(m, b0 + 16), ==, PS_PAGE_BUDDY);
	g_assert_cmpuint(ps_page_order(m, b0 + 16), ==, 4);
	/* the block's 124 pages from b0 + 16 on, but the four of the chunk at b0 + 32 */
	g_assert_cmpuint(cc.nr_migrated, ==, 120);
}

static void test_deferral(void)
{
	PsZone z;

	memset(&z, 0, sizeof(z));
	/* Never failed: not deferred. */
	g_assert_false(ps_compaction_deferred(&z, 9));
	for (unsigned shift = 1; shift <= 8; shift++) {
		unsigned expect = MIN(shift, PS_COMPACT_MAX_DEFER_SHIFT);

		ps_defer_compaction(&z, 9);
		g_assert_cmpuint(z.compact_defer_shift, ==, expect);
		g_assert_cmpuint(z.compact_considered, ==, 0);
		/* 2^shift - 1 attempts are skipped, the next one runs. */
		for (unsigned i = 1; i < (1u << expect); i++)
			g_assert_true(ps_compaction_deferred(&z, 9));
		g_assert_false(ps_compaction_deferred(&z, 9));
		g_assert_cmpuint(z.compact_considered, ==, 1u << expect);
	}
	g_assert_true(ps_compaction_restarting(&z, 9));
	g_assert_cmpint(z.compact_order_failed, ==, 0);
	/* order_failed follows the lowest failure; lower orders are never deferred. */
	z.compact_order_failed = 9;
	ps_defer_compaction(&z, 5);
	g_assert_cmpint(z.compact_order_failed, ==, 5);
	g_assert_false(ps_compaction_deferred(&z, 4));
	g_assert_false(ps_compaction_restarting(&z, 4));
	/* A success resets the shift; order_failed moves above the order that worked. */
	ps_compaction_defer_reset(&z, 7, true);
	g_assert_cmpuint(z.compact_defer_shift, ==, 0);
	g_assert_cmpuint(z.compact_considered, ==, 0);
	g_assert_cmpint(z.compact_order_failed, ==, 8);
	ps_compaction_defer_reset(&z, 3, false);
	g_assert_cmpint(z.compact_order_failed, ==, 8);
}

static void test_suitability(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t pfn;

	/* All free in big blocks: a suitable block exists. */
	g_assert_cmpint(ps_zone_fragmentation_index(m, z, 9), ==, -1000);
	g_assert_true(ps_compaction_suitable(m, z, 9, PS_ZONE_NORMAL));
	g_assert_cmpint(
	    ps_compaction_suit_allocation_order(m, z, 9, PS_ZONE_NORMAL, PS_ALLOC_WMARK_MIN, false),
	    ==, PS_COMPACT_RES_SUCCESS);
	/* Nearly full: below the low mark plus compact_gap, compaction is skipped. */
	while (z->vm_stat[PS_NR_FREE_PAGES] > (int64_t)ps_wmark_pages(z, PS_WMARK_LOW) + 512 &&
	       (pfn = ps_rmqueue_smallest(m, z, 0, PS_MT_MOVABLE)) != PS_PFN_NONE)
		ps_page_mark_allocated(m, z, pfn, 0);
	g_assert_false(ps_compaction_suitable(m, z, 9, PS_ZONE_NORMAL));
	/* Either the request already fits (a free order-9 block is left) or it is skipped. */
	g_assert_cmpint(
	    ps_compaction_suit_allocation_order(m, z, 9, PS_ZONE_NORMAL, PS_ALLOC_WMARK_MIN, false),
	    !=, PS_COMPACT_RES_CONTINUE);
	g_assert_cmpint(ps_compaction_suit_allocation_order(m, z, 10, PS_ZONE_NORMAL,
							    PS_ALLOC_WMARK_MIN, false),
			==, PS_COMPACT_RES_SKIPPED);
	fixture_check(m);
}

/*
 * __compaction_suitable with the caller's watermark (6.15+ "push watermark into
 * compaction_suitable() callers"): order-0 free pages above mark + compact_gap, and for a costly
 * order the low - min distance on top. compaction_ready asks at the high mark, so an order-9
 * direct reclaimer goes on reclaiming until high + gap + (low - min); the min-mark callers get
 * the low mark as before.
 */
static void test_suitable_watermark(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	uint64_t high = ps_wmark_pages(z, PS_WMARK_HIGH), min = ps_wmark_pages(z, PS_WMARK_MIN);
	uint64_t extra = z->wmark[PS_WMARK_LOW] - z->wmark[PS_WMARK_MIN];
	ps_pfn_t p = z->start_pfn;

	g_assert_cmpuint(extra, >, 8);
	/* Scattered single free pages: fragmentation, not a lack of memory (index > 500). */
	fill_order0(m, z, 0);
	while ((uint64_t)z->vm_stat[PS_NR_FREE_PAGES] < high + 1024 + extra / 2) {
		free_block(m, z, p, 0);
		p += 2;
	}
	g_assert_cmpint(ps_zone_fragmentation_index(m, z, 9), >, 500);
	/* high + gap(9) met, the costly distance not: not suitable at the high mark for order 9 */
	g_assert_false(ps_compaction_suitable_wmark(m, z, 9, high, PS_ZONE_NORMAL));
	/* the same free pages are enough for a non-costly order (gap 16, no distance) */
	g_assert_true(ps_compaction_suitable_wmark(m, z, 3, high, PS_ZONE_NORMAL));
	while ((uint64_t)z->vm_stat[PS_NR_FREE_PAGES] <= high + 1024 + extra) {
		free_block(m, z, p, 0);
		p += 2;
	}
	g_assert_true(ps_compaction_suitable_wmark(m, z, 9, high, PS_ZONE_NORMAL));
	/* the min-mark form asks for min + gap + (low - min), i.e. the low mark plus the gap */
	g_assert_true(ps_compaction_suitable(m, z, 9, PS_ZONE_NORMAL));
	g_assert_cmpuint(min + extra, ==, ps_wmark_pages(z, PS_WMARK_LOW));
	fixture_check(m);
}

static void test_fragindex_lack_of_memory(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);

	/*
	 * Two free order-7 blocks: F = 256, B = 2, R = 512 -> 1000 - (1000 + 500) / 2 = 250, at
	 * or below extfrag_threshold: a lack of memory, for reclaim rather than compaction.
	 */
	fill_order0(m, z, 0);
	for (ps_pfn_t p = z->start_pfn; p < z->start_pfn + 128; p++) {
		free_block(m, z, p, 0);
		free_block(m, z, p + 1024, 0);
	}
	g_assert_cmpuint(z->free_area[7].nr_free, ==, 2);
	g_assert_cmpint(ps_zone_fragmentation_index(m, z, 9), ==, 250);
	g_assert_false(ps_compaction_suitable(m, z, 9, PS_ZONE_NORMAL));
	/* Scattered single pages instead: 1000 - (1000 + 256 * 1000 / 512) / 256 = 995. */
	for (ps_pfn_t p = z->start_pfn + 2048; p < z->start_pfn + 2048 + 512; p += 2)
		free_block(m, z, p, 0);
	g_assert_cmpint(ps_zone_fragmentation_index(m, z, 9), >, 900);
	fixture_check(m);
}

static void test_skip_bits(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t b = z->start_pfn + 1024;

	ps_pageblock_set_mt(m, z, b, PS_MT_UNMOVABLE);
	ps_set_pageblock_skip(m, b, true);
	g_assert_true(ps_pageblock_skip(m, b));
	g_assert_cmpint(ps_pageblock_mt(m, b), ==, PS_MT_UNMOVABLE);
	ps_pageblock_set_mt(m, z, b, PS_MT_RECLAIMABLE);
	g_assert_true(ps_pageblock_skip(m, b));
	g_assert_cmpint(ps_pageblock_mt(m, b), ==, PS_MT_RECLAIMABLE);
	g_assert_false(ps_pageblock_skip(m, b + 512));
	ps_set_pageblock_skip(m, b, false);
	g_assert_false(ps_pageblock_skip(m, b));
	g_assert_cmpint(ps_pageblock_mt(m, b), ==, PS_MT_RECLAIMABLE);
	fixture_check(m);
}

/*
 * __reset_isolation_suitable: only after a run whose scanners met (compact_blockskip_flush); the
 * lower half's blocks are sampled for LRU pages, the upper half's for free block heads, a block
 * an allocated pageblock-order block fills keeps its bit (pageblock_skip_persistent), and the
 * cached scanner positions go to the lowest source and the highest target found.
 */
static void test_reset_isolation_suitable(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t blk[16], huge;

	for (int i = 0; i < 16; i++)
		blk[i] = z->start_pfn + (ps_pfn_t)i * 512;
	/* all unmovable, but block 2's pages on the LRU, a free page in block 13 (sampled: +8) */
	fill_order0(m, z, 1);
	for (ps_pfn_t p = blk[2]; p < blk[3]; p++)
		ps_page_set_movable(m, p, true);
	free_block(m, z, blk[13] + 8, 0);
	/* block 14 one allocated order-9 block (a hugetlb page, a PMD THP) */
	for (ps_pfn_t p = blk[14]; p < blk[15]; p++)
		free_block(m, z, p, 0);
	huge = ps_rmqueue_smallest(m, z, 9, PS_MT_MOVABLE);
	g_assert_cmpuint(huge, ==, blk[14]);
	ps_page_mark_allocated(m, z, huge, 9);
	for (int i = 0; i < 16; i++)
		ps_set_pageblock_skip(m, blk[i], true);

	/* no run met its scanners since the last reset: nothing cleared */
	ps_reset_isolation_suitable(m, z);
	for (int i = 0; i < 16; i++)
		g_assert_true(ps_pageblock_skip(m, blk[i]));

	z->compact_blockskip_flush = true;
	ps_reset_isolation_suitable(m, z);
	g_assert_false(z->compact_blockskip_flush);
	for (int i = 0; i < 16; i++)
		g_assert_cmpint(ps_pageblock_skip(m, blk[i]), ==, i != 2 && i != 13);
	g_assert_cmpuint(z->compact_cached_migrate_pfn[0], ==, blk[2]);
	g_assert_cmpuint(z->compact_cached_migrate_pfn[1], ==, blk[2]);
	g_assert_cmpuint(z->compact_init_migrate_pfn, ==, blk[2]);
	g_assert_cmpuint(z->compact_cached_free_pfn, ==, blk[13]);
	g_assert_cmpuint(z->compact_init_free_pfn, ==, blk[13]);

	/* the persistent block stays marked even with free pages sampled beside it */
	z->compact_blockskip_flush = true;
	free_block(m, z, blk[15] + 8, 0);
	ps_reset_isolation_suitable(m, z);
	g_assert_true(ps_pageblock_skip(m, blk[14]));
	g_assert_false(ps_pageblock_skip(m, blk[15]));
	g_assert_cmpuint(z->compact_cached_free_pfn, ==, blk[15]);
	fixture_check(m);
}

/* A run whose blocks all yielded nothing marks them; the next (not whole-zone) run skips them. */
static void test_skip_hints_set(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = {
	    .zone = z,
	    .order = -1,
	    .mode = PS_MIGRATE_SYNC_LIGHT,
	    .whole_zone = true,
	};
	unsigned skipped = 0;

	/* Everything unmovable: nothing to migrate anywhere. */
	fill_order0(m, z, 1);
	punch(m, z);
	ps_compact_zone(m, &cc);
	g_assert_cmpuint(cc.nr_migrated, ==, 0);
	for (ps_pfn_t b = z->start_pfn; b < ps_zone_end_pfn(z); b += 512)
		skipped += ps_pageblock_skip(m, b);
	g_assert_cmpuint(skipped, >=, 8);
	fixture_check(m);
}

/*
 * The deferral before a recording's first kcompactd run (ps_compaction_defer_shift_before): the
 * failed run's defer_compaction raises the shift by one, after which 2^shift - 1 calls are
 * refused. press-slab's three refused do_works mean shift 2 after the run, 1 before.
 */
static void test_defer_shift_before(void)
{
	static const struct {
		uint64_t refused;
		unsigned before;
	} cases[] = {{0, 0}, {1, 0}, {2, 0}, {3, 1}, {6, 1}, {7, 2}, {15, 3}, {63, 5}, {1000, 5}};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpuint(ps_compaction_defer_shift_before(cases[i].refused), ==,
				 cases[i].before);
}

/*
 * The resume seed leaves a block an allocated pageblock-order block fills unmarked
 * (pageblock_skip_persistent: suitable_migration_source turns it away before any marking), and
 * marks the other blocks below the resume position.
 */
static void test_seeded_resume_persistent(void)
{
	g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t blk1 = z->start_pfn + 512, huge;

	fill_order0(m, z, 0);
	for (ps_pfn_t p = blk1; p < blk1 + 512; p++)
		free_block(m, z, p, 0);
	huge = ps_rmqueue_smallest(m, z, 9, PS_MT_MOVABLE);
	g_assert_cmpuint(huge, ==, blk1);
	ps_page_mark_allocated(m, z, huge, 9);
	g_assert_cmpuint(ps_compaction_seed_resume(m, z->start_pfn + 4 * 512 + 77, 1), ==, 3);
	for (int i = 0; i < 5; i++)
		g_assert_cmpint(ps_pageblock_skip(m, z->start_pfn + (ps_pfn_t)i * 512), ==,
				i != 1 && i < 4);
	fixture_check(m);
}

/*
 * Where the first kcompactd run resumed (ps_compaction_seed_resume): the migrate scanner's
 * cached position at the pageblock of the lowest page it migrated, the blocks below marked,
 * deferred with the given shift and its calls at the limit. A kcompactd run (order 9,
 * sync-light, heeding the hints) then starts there and moves nothing below it: not a whole-zone
 * run, so had it failed it would end PARTIAL_SKIPPED as the recording's did. Unseeded, the same
 * run starts at the zone's start and takes from the blocks there.
 */
static void test_seeded_resume(void)
{
	for (int seeded = 0; seeded < 2; seeded++) {
		g_autoptr(PsMachine) m = fixture_normal_only(4096, 8192);
		PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
		ps_pfn_t resume = z->start_pfn + 4 * 512;
		/* kcompactd_do_work's: GFP_KERNEL, not a direct compaction, nothing captured */
		PsCompactControl kc = direct_cc(z, NULL);
		uint64_t below = 0, below_after = 0;
		enum ps_compact_result r;

		kc.migratetype = PS_MT_UNMOVABLE;
		kc.direct_compaction = false;

		fill_order0(m, z, 0);
		punch(m, z);
		for (ps_pfn_t p = z->start_pfn; p < resume; p++)
			below += ps_page_state(m, p) == PS_PAGE_ALLOCATED;
		if (seeded) {
			g_assert_cmpuint(ps_compaction_seed_resume(m, resume + 77, 1), ==, 4);
			g_assert_cmpuint(z->compact_cached_migrate_pfn[0], ==, resume);
			g_assert_cmpuint(z->compact_cached_migrate_pfn[1], ==, resume);
			g_assert_true(ps_pageblock_skip(m, resume - 512));
			g_assert_false(ps_pageblock_skip(m, resume));
			g_assert_cmpuint(z->compact_defer_shift, ==, 1);
			/* the recorded run was not deferred */
			g_assert_false(ps_compaction_deferred(z, 9));
		}
		r = ps_compact_zone(m, &kc);
		fixture_check(m);
		for (ps_pfn_t p = z->start_pfn; p < resume; p++)
			below_after += ps_page_state(m, p) == PS_PAGE_ALLOCATED;
		g_assert_cmpint(r, ==, PS_COMPACT_RES_SUCCESS);
		g_assert_cmpuint(kc.nr_migrated, >, 0);
		/* not from the zone's start: a failure would have been PARTIAL_SKIPPED */
		g_assert_cmpint(kc.whole_zone, ==, !seeded);
		if (seeded)
			g_assert_cmpuint(below_after, ==, below);
		else
			g_assert_cmpuint(below_after, <, below);
	}
}

/*
 * The skip hints a snapshot start infers (ps_compaction_seed_skip_hints): every pageblock marked,
 * so a direct compaction crosses the zone isolating nothing, COMPLETE, as the recording's first
 * run did; once compaction_restarting clears them (deferral at COMPACT_MAX_DEFER_SHIFT with its
 * 64 attempts considered) the same run migrates and captures.
 */
static void test_seeded_skip_hints(void)
{
	PsCaptureControl capc;
	g_autoptr(PsMachine) m = thp_fixture(&capc);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = direct_cc(z, &capc), cc2 = direct_cc(z, &capc);

	fill_order0(m, z, 0);
	/*
	 * punch()'s holes, but the lower half keeps every 4th page from its first, so that the
	 * reset's samples (each 8th page from a block's start) meet LRU pages there and free
	 * block heads in the upper half
	 */
	for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++) {
		bool lower = p < z->start_pfn + 4096;

		if ((p & 3) != (lower ? 0 : 3) && ps_page_state(m, p) == PS_PAGE_ALLOCATED)
			free_block(m, z, p, 0);
	}
	g_assert_cmpuint(ps_compaction_seed_skip_hints(m), ==, 8192 / 512);
	/* deferred once before: the first attempt runs, the failure after it defers to shift 2 */
	g_assert_cmpuint(z->compact_defer_shift, ==, 1);
	g_assert_false(ps_compaction_deferred(z, 9));
	g_assert_cmpint(compact_capturing(m, &cc), ==, PS_COMPACT_RES_COMPLETE);
	g_assert_cmpuint(cc.nr_migrated, ==, 0);
	g_assert_cmpuint(cc.total_migrate_scanned, ==, 0);
	g_assert_cmpuint(cc.total_free_scanned, ==, 0);
	g_assert_true(z->compact_blockskip_flush);
	for (int i = 0; i < PS_COMPACT_MAX_DEFER_SHIFT; i++)
		ps_defer_compaction(z, 9);
	for (unsigned i = 0; i < 1u << PS_COMPACT_MAX_DEFER_SHIFT; i++)
		ps_compaction_deferred(z, 9);
	g_assert_true(ps_compaction_restarting(z, 9));
	g_assert_cmpint(compact_capturing(m, &cc2), ==, PS_COMPACT_RES_SUCCESS);
	g_assert_cmpuint(cc2.nr_migrated, >, 0);
	g_assert_cmpuint(capc.pfn, !=, PS_PFN_NONE);
	fixture_check(m);
}

/*
 * test_and_set_skip: a block whose scan began at its start is marked skip at its first isolation,
 * so a capture run leaves every block its migrate scanner entered marked, the ones it migrated
 * from too (punch leaves no free block above order 1: no fast search, a linear scan).
 */
static void test_isolated_block_marked(void)
{
	PsCaptureControl capc;
	g_autoptr(PsMachine) m = thp_fixture(&capc);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = direct_cc(z, &capc);
	unsigned entered = 0;

	fill_order0(m, z, 0);
	punch(m, z);
	g_assert_cmpint(compact_capturing(m, &cc), ==, PS_COMPACT_RES_SUCCESS);
	g_assert_cmpuint(cc.nr_migrated, >, 0);
	for (ps_pfn_t b = z->start_pfn; b < cc.migrate_pfn; b += 512, entered++)
		g_assert_true(ps_pageblock_skip(m, b));
	g_assert_cmpuint(entered, >=, 1);
	fixture_check(m);
}

/*
 * fast_find_migrateblock: a free order-8 MOVABLE block in pageblock 4 (the lower half of the
 * range) sends the migrate scanner of a THP's async direct compaction straight there; blocks 0-3
 * are neither scanned nor marked. Its other half moves to free pages in blocks 10-15 (every
 * other page: enough free memory for compaction_suitable) and the freed pageblock is captured.
 */
static void test_fast_find_migrateblock(void)
{
	PsCaptureControl capc;
	g_autoptr(PsMachine) m = thp_fixture(&capc);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsCompactControl cc = direct_cc(z, &capc);
	ps_pfn_t b4 = z->start_pfn + 4 * 512, b10 = z->start_pfn + 10 * 512;

	cc.mode = PS_MIGRATE_ASYNC;
	fill_order0(m, z, 0);
	for (ps_pfn_t p = b4 + 256; p < b4 + 512; p++)
		free_block(m, z, p, 0);
	for (ps_pfn_t p = b10; p < ps_zone_end_pfn(z); p += 2)
		free_block(m, z, p, 0);
	g_assert_cmpuint(z->free_area[8].nr_free, ==, 1);
	g_assert_cmpint(compact_capturing(m, &cc), ==, PS_COMPACT_RES_SUCCESS);
	g_assert_cmpuint(capc.pfn, ==, b4);
	g_assert_cmpuint(cc.nr_migrated, ==, 256);
	/* block 4's 512 pfns and a free-list entry or two per search: not blocks 0-3's 2,048 */
	g_assert_cmpuint(cc.total_migrate_scanned, <, 512 + 16);
	for (ps_pfn_t b = z->start_pfn; b < b4; b += 512)
		g_assert_false(ps_pageblock_skip(m, b));
	fixture_check(m);
}

/* Grouping by mobility off: every request uses the UNMOVABLE lists; no steal ever happens. */
static void test_grouping_off(void)
{
	PsMachineSpec spec;
	g_autoptr(PsMachine) m = NULL;
	PsZone *z;
	PsAllocOutcome out;
	GArray *live = g_array_new(FALSE, FALSE, sizeof(ps_pfn_t));
	static const uint64_t gfps[3] = {PS_GFP_HIGHUSER_MOVABLE, PS_GFP_KERNEL,
					 PS_GFP_KERNEL | PS_GFP_RECLAIMABLE};

	fixture_spec_1node(&spec, 4096, 1);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 4096, 8192, 8192);
	spec.sysctl.page_group_by_mobility_disabled = true;
	m = fixture_machine(&spec);
	z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	for (unsigned i = 0; i < 3000; i++) {
		ps_alloc_pages(m, gfps[i % 3], i % 4 == 0 ? 2 : 0, 0, NULL, &out);
		if (out.result != PS_ALLOC_OK)
			continue;
		g_array_append_val(live, out.pfn);
		if (i % 3 == 1 && live->len > 10) {
			ps_pfn_t p = g_array_index(live, ps_pfn_t, 0);

			ps_free_pages(m, p, ps_page_order(m, p), 0);
			g_array_remove_index_fast(live, 0);
		}
	}
	ps_pcp_drain_all(m, NULL);
	fixture_check(m);
	/* Whatever the request, allocated pages sit only in UNMOVABLE pageblocks. */
	for (ps_pfn_t p = z->start_pfn; p < ps_zone_end_pfn(z); p++)
		if (ps_page_state(m, p) == PS_PAGE_ALLOCATED)
			g_assert_cmpint(ps_pageblock_mt(m, p), ==, PS_MT_UNMOVABLE);
	/* ...and their movability still follows the GFP flags, so compaction could move them. */
	{
		unsigned movable = 0;

		for (guint i = 0; i < live->len; i++)
			movable += ps_page_movable(m, g_array_index(live, ps_pfn_t, i));
		g_assert_cmpuint(movable, >, 0);
	}
	g_array_unref(live);
}

/*
 * fragmentation_score_node: each zone's extfrag_for_order at COMPACTION_HPAGE_ORDER weighted by
 * present / (node present + 1), kernel-facts §13.11. Normal (extfrag 28, 5505024 of 6291358
 * pages) -> 24; DMA (6, present 3998) -> 0; DMA32, the rest of the node, scores 0 anyway.
 */
static void test_score_13_11(void)
{
	g_assert_cmpint(ps_extfrag_for_order(kf13_normal_counts, 11, 9), ==, 28);
	g_assert_cmpint(ps_extfrag_for_order(kf13_dma_counts, 11, 9), ==, 6);
	g_assert_cmpuint(ps_fragmentation_score_weighted(28, 5505024, 6291358), ==, 24);
	g_assert_cmpuint(ps_fragmentation_score_weighted(6, 3998, 6291358), ==, 0);
	g_assert_cmpuint(ps_fragmentation_score_weighted(28, 5505024, 6291358) +
			     ps_fragmentation_score_weighted(6, 3998, 6291358) +
			     ps_fragmentation_score_weighted(0, 6291358 - 5505024 - 3998, 6291358),
			 ==, 24);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/compaction/whole-zone-packs-movable", test_compact_whole_zone);
	g_test_add_func("/policy/compaction/compact-zone-event", test_compact_zone_event);
	g_test_add_func("/policy/compaction/compact-zone-event-time", test_compact_zone_event_time);
	g_test_add_func("/policy/compaction/free-scanner-stride", test_free_scanner_stride);
	g_test_add_func("/policy/compaction/large-folio-leftovers", test_large_folio_leftovers);
	g_test_add_func("/policy/compaction/large-folio-split", test_large_folio_split);
	g_test_add_func("/policy/compaction/alloc-first-of-order", test_alloc_first_of_order);
	g_test_add_func("/policy/compaction/finish-pageblock", test_finish_pageblock);
	g_test_add_func("/policy/compaction/finish-pageblock-per-block",
			test_finish_pageblock_per_block);
	g_test_add_func("/policy/compaction/unmovable-never-move", test_unmovable_stay);
	g_test_add_func("/policy/compaction/capture", test_capture);
	g_test_add_func("/policy/compaction/async-skip-on-failure", test_async_skip_on_failure);
	g_test_add_func("/policy/compaction/async-skip-on-failure-chunk",
			test_async_skip_on_failure_chunk);
	g_test_add_func("/policy/compaction/capture-at-drain", test_capture_at_drain);
	g_test_add_func("/policy/compaction/deferral", test_deferral);
	g_test_add_func("/policy/compaction/suitability", test_suitability);
	g_test_add_func("/policy/compaction/suitable-watermark", test_suitable_watermark);
	g_test_add_func("/policy/compaction/fragindex-lack-of-memory",
			test_fragindex_lack_of_memory);
	g_test_add_func("/policy/compaction/skip-bits-apart-from-type", test_skip_bits);
	g_test_add_func("/policy/compaction/reset-isolation-suitable",
			test_reset_isolation_suitable);
	g_test_add_func("/policy/compaction/skip-hints-set", test_skip_hints_set);
	g_test_add_func("/policy/compaction/seeded-skip-hints", test_seeded_skip_hints);
	g_test_add_func("/policy/compaction/defer-shift-before", test_defer_shift_before);
	g_test_add_func("/policy/compaction/seeded-resume", test_seeded_resume);
	g_test_add_func("/policy/compaction/seeded-resume-persistent",
			test_seeded_resume_persistent);
	g_test_add_func("/policy/compaction/isolated-block-marked", test_isolated_block_marked);
	g_test_add_func("/policy/compaction/fast-find-migrateblock", test_fast_find_migrateblock);
	g_test_add_func("/policy/compaction/grouping-off-one-list", test_grouping_off);
	g_test_add_func("/policy/compaction/score-13.11", test_score_13_11);
	return g_test_run();
}
