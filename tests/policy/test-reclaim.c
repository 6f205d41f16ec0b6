// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-reclaim.c - how many pages reclaim scans on each LRU list (policy/reclaim.c), with exact
 * values on one 256 MiB Normal zone and the fake host of fixture.h: get_scan_count's choice
 * between SCAN_FILE (no swap, may_swap off, cache_trim_mode), SCAN_ANON (file_is_tiny: file +
 * free at or below the high marks, the anon list not to be aged, inactive anon >> priority),
 * SCAN_EQUAL (priority 0) and SCAN_FRACT (swappiness and the reclaim costs), each list scanned
 * lru_size >> priority pages per pass, and do_try_to_free_pages stopping at the first priority that
 * reaches SWAP_CLUSTER_MAX pages, prepare_scan_control's may_deactivate (a refault since the last
 * snapshot_refaults ages the active list and ends cache_trim_mode).
 *
 * Expected values follow mm/vmscan.c of 6.18 (kernel-facts §7). The lists hold clean,
 * unreferenced order-0 folios, so every page scanned on an inactive list is reclaimed
 * (pgsteal = pgscan), and ps_shrink_node runs with an unreachable nr_to_reclaim unless a case
 * says otherwise, so that each list is scanned to its full count.
 */
#include "fixture-reclaim.h"

/* 65536 pages: (active + inactive) stays below 1 GiB, so inactive_is_low's ratio is 1. */
static FixtureHost *host_new(uint64_t swap_pages)
{
	PsReclaimConfig rc;

	ps_reclaim_config_default(&rc);
	rc.swap_pages = swap_pages;
	return fixture_host_new(fixture_normal_only(0, 65536), &rc);
}

/* Puts `pages` folios of `kind` on the active list: the second access activates. */
static void add_active(FixtureHost *h, uint64_t pages, enum ps_folio_kind kind)
{
	uint32_t first = h->blocks->len;

	fixture_host_add_lru(h, fixture_host_normal(h), pages, kind, false);
	for (uint32_t i = first; i < h->blocks->len; i++) {
		ps_lru_mark_accessed(h->p, i);
		ps_lru_mark_accessed(h->p, i);
	}
}

/* One shrink_node pass at `priority` with room to scan every list's full count. */
static uint64_t shrink(FixtureHost *h, int priority, bool may_swap)
{
	return fixture_shrink_node(h, priority, UINT64_MAX, may_swap, false);
}

/*
 * get_scan_count without swap (can_reclaim_anon_pages false): SCAN_FILE, anon untouched. Each
 * pass scans inactive_file >> priority of what is left: from 16384 pages, priorities 12..6 take
 * 4, 7, 15, 31, 63, 127 and 252 pages.
 */
static void test_scan_file_no_swap(void)
{
	g_autoptr(FixtureHost) h = host_new(0);
	static const uint64_t want[] = {4, 7, 15, 31, 63, 127, 252};
	uint64_t scanned = 0;

	fixture_host_add_lru(h, fixture_host_normal(h), 16384, PS_FOLIO_FILE, false);
	fixture_host_add_lru(h, fixture_host_normal(h), 8192, PS_FOLIO_ANON, false);
	for (int prio = PS_DEF_PRIORITY; prio >= 6; prio--) {
		uint64_t got = shrink(h, prio, true);

		g_assert_cmpuint(got, ==, want[PS_DEF_PRIORITY - prio]);
		scanned += got;
		g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, scanned);
		g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_FILE), ==, scanned);
		g_assert_cmpuint(h->evicted_pages, ==, scanned);
	}
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_PSWPOUT), ==, 0);
	g_assert_cmpint(fixture_host_normal(h)->vm_stat[PS_NR_ZONE_INACTIVE_FILE], ==,
			16384 - scanned);
	g_assert_cmpint(fixture_host_normal(h)->vm_stat[PS_NR_ZONE_INACTIVE_ANON], ==, 8192);
	fixture_check(h->m);
}

/* With swap but may_swap off (kswapd's boosted reclaim): SCAN_FILE too. */
static void test_scan_file_may_swap_off(void)
{
	g_autoptr(FixtureHost) h = host_new(65536);

	add_active(h, 4096, PS_FOLIO_FILE); /* inactive file low: no cache_trim_mode */
	fixture_host_add_lru(h, fixture_host_normal(h), 1024, PS_FOLIO_FILE, false);
	fixture_host_add_lru(h, fixture_host_normal(h), 8192, PS_FOLIO_ANON, false);
	shrink(h, 3, false);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 1024 >> 3);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), ==, 4096 >> 3);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 0);
}

/*
 * cache_trim_mode: inactive file not low and inactive_file >> priority non-zero: SCAN_FILE even
 * with swap and anon to scan. 16384 >> 10 = 16 file pages, no anon.
 */
static void test_scan_file_cache_trim(void)
{
	g_autoptr(FixtureHost) h = host_new(65536);

	fixture_host_add_lru(h, fixture_host_normal(h), 16384, PS_FOLIO_FILE, false);
	fixture_host_add_lru(h, fixture_host_normal(h), 8192, PS_FOLIO_ANON, false);
	g_assert_cmpuint(shrink(h, 10, true), ==, 16);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 16);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 0);
}

/*
 * The file_is_tiny setting: `active_anon` active and `inactive_anon` inactive anon pages, 100
 * inactive file pages, and free at the high watermark - 100, so file + free is at the high mark.
 */
static FixtureHost *tiny_file_host(uint64_t inactive_anon, uint64_t active_anon)
{
	FixtureHost *h = host_new(65536);
	PsZone *z = fixture_host_normal(h);

	if (active_anon)
		add_active(h, active_anon, PS_FOLIO_ANON);
	fixture_host_add_lru(h, z, inactive_anon, PS_FOLIO_ANON, false);
	fixture_host_add_lru(h, z, 100, PS_FOLIO_FILE, false);
	fixture_take_to(h->m, z, (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) - 100);
	return h;
}

/*
 * file_is_tiny: file + free at or below the sum of the high watermarks: SCAN_ANON. 8192 anon
 * >> 10 = 8 pages swapped out, the 100 file pages untouched.
 */
static void test_scan_anon_file_tiny(void)
{
	g_autoptr(FixtureHost) h = tiny_file_host(8192, 0);

	g_assert_cmpuint(shrink(h, 10, true), ==, 8);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 8);
	g_assert_cmpuint(fixture_host_vm(h, PS_PSWPOUT), ==, 8);
	g_assert_cmpuint(h->swapped_pages, ==, 8);
	g_assert_cmpuint(ps_swap_used(h->p), ==, 8);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 0);
}

/*
 * file_is_tiny needs !(may_deactivate & DEACTIVATE_ANON): 1024 inactive anon under 8192 active
 * is low (ratio 1), so the anon list is to be aged and file_is_tiny does not hold; the 100
 * inactive file pages are not low and saw no refault: cache_trim_mode, SCAN_FILE, 100 >> 4 = 6
 * file pages and no anon (file_is_tiny would have scanned 1024 >> 4 = 64 anon).
 */
static void test_file_tiny_not_when_anon_aged(void)
{
	g_autoptr(FixtureHost) h = tiny_file_host(1024, 8192);

	shrink(h, 4, true);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 6);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_PSWPOUT), ==, 0);
}

/*
 * file_is_tiny needs inactive anon >> priority: 3 anon pages >> 2 = 0, so not SCAN_ANON
 * (which would scan nothing at all); cache_trim_mode scans 100 >> 2 = 25 file pages.
 */
static void test_file_tiny_not_when_anon_scan_zero(void)
{
	g_autoptr(FixtureHost) h = tiny_file_host(3, 0);

	g_assert_cmpuint(shrink(h, 2, true), ==, 25);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 25);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 0);
}

/* Priority 0 with swappiness > 0: SCAN_EQUAL, every page of both inactive lists. */
static void test_scan_equal_priority0(void)
{
	g_autoptr(FixtureHost) h = host_new(65536);

	fixture_host_add_lru(h, fixture_host_normal(h), 300, PS_FOLIO_FILE, false);
	fixture_host_add_lru(h, fixture_host_normal(h), 200, PS_FOLIO_ANON, false);
	g_assert_cmpuint(shrink(h, 0, true), ==, 500);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 300);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 200);
}

/*
 * SCAN_FRACT (calculate_pressure_balance): anon_cost 0, file_cost 100, swappiness 60:
 * total = 100, a = total + anon_cost = 100, f = total + file_cost = 200;
 * ap = 60 * (a + f + 1) / (a + 1) = 18060 / 101 = 178, fp = 140 * 301 / (f + 1) = 42140 / 201
 * = 209, denominator 387. At priority 3 inactive anon 8192 -> 1024 * 178 / 387 = 470 pages,
 * inactive file 1024 -> 128 * 209 / 387 = 69, active file 4096 -> 512 * 209 / 387 = 276
 * deactivated (inactive file stays low throughout).
 */
static void test_scan_fract(void)
{
	g_autoptr(FixtureHost) h = host_new(65536);

	add_active(h, 4096, PS_FOLIO_FILE);
	fixture_host_add_lru(h, fixture_host_normal(h), 1024, PS_FOLIO_FILE, false);
	fixture_host_add_lru(h, fixture_host_normal(h), 8192, PS_FOLIO_ANON, false);
	g_assert_cmpint(h->m->sysctl.swappiness, ==, 60);
	h->p->anon_cost[0] = 0;
	h->p->file_cost[0] = 100;
	shrink(h, 3, true);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 470);
	g_assert_cmpuint(fixture_host_vm(h, PS_PSWPOUT), ==, 470);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 69);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), ==, 276);
}

/* try_to_free_pages for an order-0 GFP_KERNEL request on h; adds its cost to *cost. */
static uint64_t direct_reclaim(FixtureHost *h, uint64_t *cost)
{
	PsAllocContext ac;

	fixture_alloc_context(h->m, PS_GFP_KERNEL, 0, &ac);
	return ps_try_to_free_pages(h->p, &ac, cost);
}

/*
 * do_try_to_free_pages: priority 12 down until SWAP_CLUSTER_MAX (32) pages are reclaimed, a
 * pass not cut short: from 16384 clean file pages 4 + 7 + 15 = 26 by priority 10, then 31 at
 * priority 9: 57 pages, one allocstall (counted per pass, for the request's highest zone).
 */
static void test_direct_reclaim_stops_at_cluster(void)
{
	g_autoptr(FixtureHost) h = host_new(0);
	uint64_t cost = 0;

	fixture_host_add_lru(h, fixture_host_normal(h), 16384, PS_FOLIO_FILE, false);
	g_assert_cmpuint(direct_reclaim(h, &cost), ==, 57);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_DIRECT), ==, 57);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_DIRECT), ==, 57);
	g_assert_cmpuint(fixture_host_vm(h, PS_ALLOCSTALL_NORMAL), ==, 1);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_KSWAPD), ==, 0);
	g_assert_cmpuint(cost, >, 0);
}

/*
 * shrink_lruvec's proportional_reclaim: a global direct reclaim at DEF_PRIORITY scans the whole
 * get_scan_count target, not stopping at nr_to_reclaim: 262144 clean inactive file pages give
 * 262144 >> 12 = 64 to scan at priority 12, two SWAP_CLUSTER_MAX batches, all reclaimed (a stop at
 * nr_to_reclaim would have taken 32).
 */
static void test_direct_reclaim_proportional(void)
{
	PsReclaimConfig rc;
	g_autoptr(FixtureHost) h = NULL;
	uint64_t cost = 0;

	ps_reclaim_config_default(&rc);
	rc.swap_pages = 0;
	h = fixture_host_new(fixture_normal_only(0, 327680), &rc);
	fixture_host_add_lru(h, fixture_host_normal(h), 262144, PS_FOLIO_FILE, false);
	g_assert_cmpuint(direct_reclaim(h, &cost), ==, 64);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_DIRECT), ==, 64);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_DIRECT), ==, 64);
}

/*
 * do_try_to_free_pages' retries (6.18): a call that reclaimed nothing goes round once more
 * (memcg_full_walk), and ALLOCSTALL is counted at the top of each pass: two for one call with
 * nothing to reclaim, as the qemu lab kernels count 168 allocstall_movable for 84 fruitless
 * mm_vmscan_direct_reclaim_begin. One call, two passes' scans, direct_reclaims_total 1.
 */
static void test_direct_reclaim_nothing_counts_twice(void)
{
	g_autoptr(FixtureHost) h = host_new(0);
	uint64_t cost = 0;

	fixture_host_add_lru(h, fixture_host_normal(h), 100, PS_FOLIO_ANON, false);
	g_assert_cmpuint(direct_reclaim(h, &cost), ==, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_ALLOCSTALL_NORMAL), ==, 2);
	g_assert_cmpuint(h->m->direct_reclaims_total, ==, 1);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_DIRECT), ==, 0); /* no swap: anon left */
}

/*
 * The shrinker's frees are no progress (6.18): super_cache_scan's dentries and inodes are freed
 * through call_rcu (dentry_free, destroy_inode), so their emptied slab page reaches __free_slab's
 * mm_account_reclaimed_pages in an RCU callback, not in the reclaiming task, and
 * flush_reclaim_state adds nothing to sc->nr_reclaimed. The lab's nr3
 * (tests/data/lab-numa-policies): the bound child's direct reclaim on node 0, whose reclaimable
 * memory was slab alone, returned nr_reclaimed=0 and the kernel went on to the OOM kill. A node
 * with 64 reclaimable slab pages and nothing else: the call frees slab pages, yet returns 0
 * (no compaction-ready zone) and counts its two passes as a fruitless call does.
 */
static void test_direct_reclaim_slab_no_progress(void)
{
	g_autoptr(FixtureHost) h = host_new(0);
	uint64_t cost = 0;

	fixture_host_add_lru(h, fixture_host_normal(h), 64, PS_FOLIO_SLAB, false);
	g_assert_cmpuint(direct_reclaim(h, &cost), ==, 0);
	g_assert_cmpuint(ps_memcg_lru_pages(h->p, PS_MEMCG_ROOT, 0, PS_LRU_SLAB), <, 64);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_SLAB_RECLAIMABLE_B], <, 64);
	g_assert_cmpuint(fixture_host_vm(h, PS_SLABS_SCANNED), >, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_ALLOCSTALL_NORMAL), ==, 2);
}

/*
 * shrink_folio_list's dirty file folios (6.18): reclaim does not write them; each one met is
 * marked PG_reclaim, counted in nr_vmscan_immediate_reclaim and activated (activate_locked), and
 * a batch that took only dirty folios not under writeback wakes the flusher
 * (wakeup_flusher_threads(WB_REASON_VMSCAN)). 1000 inactive file pages dirtied now and 500 clean
 * active ones: the first pass at priority 12 takes 1000 >> 12 = 0, priority 11 none either, ...,
 * until a batch of dirty folios is activated; with the inactive list then low the clean active
 * pages are deactivated and reclaimed in the same call: one allocstall, no third pass.
 * The flusher then writes the dirty folios (oldest dirtied first, writeback_page_ns apart), each
 * under writeback for writeback_io_ns; at its I/O's end a folio marked PG_reclaim is rotated to
 * the inactive tail (folio_rotate_reclaimable: pgrotated) and the next scan frees it.
 */
static void test_dirty_activated_and_flushed(void)
{
	g_autoptr(FixtureHost) h = host_new(0);
	const PsReclaimConfig *rc = &h->p->rc;
	uint64_t cost = 0, marked, end;

	fixture_host_add_lru(h, fixture_host_normal(h), 1000, PS_FOLIO_FILE, true);
	add_active(h, 500, PS_FOLIO_FILE);
	/* folio_account_dirtied: each newly dirtied page once */
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_DIRTIED], ==, 1000);
	g_assert_cmpuint(direct_reclaim(h, &cost), >, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_ALLOCSTALL_NORMAL), ==, 1);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), >, 0);
	marked = (uint64_t)h->m->nodes[0].stat[PS_NR_VMSCAN_IMMEDIATE_RECLAIM];
	g_assert_cmpuint(marked, >, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGACTIVATE), >=, marked);
	g_assert_cmpuint(h->p->wb.len, ==, 1000); /* all dirty pages queued */
	/* the first is under writeback at once (the later shrink_node passes of the call) */
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_DIRTY], ==, 999);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_WRITEBACK], ==, 1);
	/* at 6.25 ms: 501 went under writeback (0, 12.5 us, ...), none is 10 ms old */
	end = 500 * rc->writeback_page_ns;
	ps_engine_run_until(h->e, end);
	ps_clear_pgdat_congested(h->p, 0);
	{
		PsScanControl sc = {.nr_to_reclaim = 1,
				    .gfp_mask = PS_GFP_KERNEL,
				    .priority = 12,
				    .highest_zoneidx = PS_ZONE_NORMAL,
				    .may_unmap = true};

		ps_shrink_node(h->p, 0, &sc); /* runs the flusher up to now */
	}
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_DIRTY], ==, 499);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_WRITEBACK], ==, 501);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_WRITTEN], ==, 0); /* no I/O has ended */
	/* drop_caches leaves dirty folios and those under writeback (mapping_evict_folio) */
	ps_drop_caches(h->p, 1);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_DIRTY], ==, 499);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_WRITEBACK], ==, 501);
	/* the pass's end: everything written, the marked folios rotated */
	ps_engine_run_until(h->e, 1000 * rc->writeback_page_ns + rc->writeback_io_ns);
	{
		PsScanControl sc = {.nr_to_reclaim = 1,
				    .gfp_mask = PS_GFP_KERNEL,
				    .priority = 12,
				    .highest_zoneidx = PS_ZONE_NORMAL,
				    .may_unmap = true};

		ps_shrink_node(h->p, 0, &sc);
	}
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_DIRTY], ==, 0);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_WRITEBACK], ==, 0);
	/* __folio_end_writeback: every page written once, none dirtied again */
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_WRITTEN], ==, 1000);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_DIRTIED], ==, 1000);
	/* each marked folio rotated once (a folio met dirty twice was counted twice) */
	g_assert_cmpuint(fixture_host_vm(h, PS_PGROTATED), >, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGROTATED), <=, marked);
	g_assert_cmpuint(h->p->wb.len, ==, 0);
	g_assert_cmpint(fixture_host_normal(h)->vm_stat[PS_NR_ZONE_WRITE_PENDING], ==, 0);
}

/*
 * Links `pages` order-0 file folios of the Normal zone as a snapshot start does
 * (ps_lru_add_start), `dirty` or clean, after those linked before.
 */
static void add_start(FixtureHost *h, uint64_t pages, bool dirty)
{
	PsZone *z = fixture_host_normal(h);
	PsLruStart f = {.order = 0, .kind = PS_FOLIO_FILE, .dirty = dirty};

	for (uint64_t i = 0; i < pages; i++) {
		ps_pfn_t pfn = ps_rmqueue_smallest(h->m, z, 0, PS_MT_MOVABLE);
		uint32_t handle;

		g_assert_cmpuint(pfn, !=, PS_PFN_NONE);
		ps_page_mark_allocated(h->m, z, pfn, 0);
		handle = fixture_host_own(h, pfn, 0, PS_NR_FOLIO_KINDS, false);
		ps_lru_add_start(h->p, z, handle, &f, 1);
	}
}

/*
 * ps_lru_start_dirty_to_head: a start of 32 clean, 64 dirty and 1024 clean file folios, linked
 * in that order (the dirty ones 32 from the tail, as the pfn-ordered seed can leave them). Moved
 * to the head, a pass scanning half the list (priority 1: 560 of 1120) reclaims clean folios only
 * and meets no dirty one (nr_vmscan_immediate_reclaim 0, no flusher woken); left in place it
 * would meet all 64. A pass over the rest (priority 0) meets them last, still dirty.
 */
static void test_start_dirty_to_head(void)
{
	g_autoptr(FixtureHost) h = host_new(0);
	PsZone *z = fixture_host_normal(h);

	add_start(h, 32, false);
	add_start(h, 64, true);
	add_start(h, 1024, false);
	ps_lru_start_dirty_to_head(h->p);
	g_assert_cmpint(z->vm_stat[PS_NR_ZONE_INACTIVE_FILE], ==, 1120);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_DIRTY], ==, 64);
	g_assert_cmpuint(shrink(h, 1, false), ==, 560);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_VMSCAN_IMMEDIATE_RECLAIM], ==, 0);
	g_assert_cmpuint(h->p->wb.len, ==, 0);
	/* the other 560: 496 clean reclaimed, then the 64 dirty ones, met and marked */
	g_assert_cmpuint(shrink(h, 0, false), ==, 496);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_VMSCAN_IMMEDIATE_RECLAIM], ==, 64);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_DIRTY], ==, 64);
}

/*
 * prepare_scan_control's may_deactivate: 1000 clean inactive and 500 active file pages (inactive
 * not low), no swap. Without refaults the active list is left alone (skipped_deactivate); a file
 * refault since the last snapshot_refaults ages it, 500 >> 3 = 62 pages at priority 3, and again
 * on the next shrink_node (438 >> 3 = 54) until a reclaim ends: do_try_to_free_pages takes
 * the snapshot, after which the active list is left alone again.
 */
static void test_refault_deactivates(void)
{
	g_autoptr(FixtureHost) h = host_new(0);
	uint64_t cost = 0, deactivated;

	fixture_host_add_lru(h, fixture_host_normal(h), 1000, PS_FOLIO_FILE, false);
	add_active(h, 500, PS_FOLIO_FILE);
	shrink(h, 3, true);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), ==, 0);
	h->m->nodes[0].stat[PS_WORKINGSET_REFAULT_FILE]++;
	shrink(h, 3, true);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), ==, 62);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGREFILL), ==, 62);
	shrink(h, 3, true);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), ==, 62 + 54);
	direct_reclaim(h, &cost);
	deactivated = fixture_host_vm(h, PS_PGDEACTIVATE);
	shrink(h, 3, true);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), ==, deactivated);
	/* an anon refault alone does not age the file list */
	h->m->nodes[0].stat[PS_WORKINGSET_REFAULT_ANON]++;
	shrink(h, 3, true);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), ==, deactivated);
	fixture_check(h->m);
}

/*
 * cache_trim_mode only while the file list may not be aged: with a file refault pending the
 * 16384 inactive file pages no longer keep reclaim off anon, so SCAN_FRACT with no costs yet
 * (a = f = 0: ap = 60, fp = 140, denominator 200) scans (8192 >> 10) * 60 / 200 = 2 anon pages
 * and (16384 >> 10) * 140 / 200 = 11 file pages at priority 10 (test_scan_file_cache_trim: 0
 * and 16 without the refault).
 */
static void test_refault_ends_cache_trim(void)
{
	g_autoptr(FixtureHost) h = host_new(65536);

	fixture_host_add_lru(h, fixture_host_normal(h), 16384, PS_FOLIO_FILE, false);
	fixture_host_add_lru(h, fixture_host_normal(h), 8192, PS_FOLIO_ANON, false);
	h->m->nodes[0].stat[PS_WORKINGSET_REFAULT_FILE]++;
	g_assert_cmpuint(shrink(h, 10, true), ==, 13);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), ==, 2);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 11);
}

/*
 * node_reclaim's first test (mm/vmscan.c node_reclaim, node_pagecache_reclaimable): without
 * RECLAIM_UNMAP only the unmapped page cache counts, node_unmapped_file_pages (the file LRU less
 * NR_FILE_MAPPED). 1000 clean file pages on a node of 65536 (min_unmapped_pages 655, no
 * reclaimable slab): with 400 of them mapped, 600 are left and node_reclaim returns
 * NODE_RECLAIM_FULL without scanning; with 300 mapped (700 left), or with RECLAIM_UNMAP (all
 * NR_FILE_PAGES count), it reclaims.
 */
static void test_node_reclaim_unmapped(void)
{
	g_autoptr(FixtureHost) h = host_new(0);
	int64_t *stat = h->m->nodes[0].stat;
	PsAllocContext ac;

	fixture_host_add_lru(h, fixture_host_normal(h), 1000, PS_FOLIO_FILE, false);
	fixture_alloc_context(h->m, PS_GFP_HIGHUSER_MOVABLE, 0, &ac);
	g_assert_cmpint(stat[PS_NR_FILE_PAGES], ==, 1000);
	h->m->sysctl.zone_reclaim_mode = PS_RECLAIM_ZONE;
	stat[PS_NR_FILE_MAPPED] = 400;
	g_assert_cmpint(ps_node_reclaim(h->p, 0, &ac), ==, PS_NODE_RECLAIM_FULL);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_FILE), ==, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_ZONE_RECLAIM_SUCCESS), ==, 0);
	/* all 1000 are page cache to a node reclaim that may unmap */
	h->m->sysctl.zone_reclaim_mode = PS_RECLAIM_ZONE | PS_RECLAIM_UNMAP;
	g_assert_cmpint(ps_node_reclaim(h->p, 0, &ac), ==, PS_NODE_RECLAIM_SUCCESS);
	g_assert_cmpuint(fixture_host_vm(h, PS_ZONE_RECLAIM_SUCCESS), ==, 1);
	/* 968 left, 300 of them mapped: 668 unmapped, over 655 */
	h->m->sysctl.zone_reclaim_mode = PS_RECLAIM_ZONE;
	stat[PS_NR_FILE_MAPPED] = 300;
	g_assert_cmpint(ps_node_reclaim(h->p, 0, &ac), ==, PS_NODE_RECLAIM_SUCCESS);
	g_assert_cmpuint(fixture_host_vm(h, PS_ZONE_RECLAIM_SUCCESS), ==, 2);
	/* 936 left, 300 mapped: 636, under: full again */
	g_assert_cmpint(ps_node_reclaim(h->p, 0, &ac), ==, PS_NODE_RECLAIM_FULL);
	g_assert_cmpuint(fixture_host_vm(h, PS_ZONE_RECLAIM_SUCCESS), ==, 2);
	fixture_check(h->m);
}

/*
 * __node_reclaim's may_unmap is RECLAIM_UNMAP: without it isolate_lru_folios passes over every
 * mapped folio (mm/vmscan.c, 6.14), so a node reclaim never swaps out a task's anon pages. 8192
 * inactive anon pages with swap, no page cache, reclaimable slab over min_slab_pages (3276) so
 * node_reclaim scans: RECLAIM_ZONE alone scans anon but swaps nothing out and fails; with
 * RECLAIM_UNMAP it swaps out and succeeds.
 */
static void test_node_reclaim_keeps_mapped(void)
{
	g_autoptr(FixtureHost) h = host_new(65536);
	PsAllocContext ac;

	fixture_host_add_lru(h, fixture_host_normal(h), 8192, PS_FOLIO_ANON, false);
	fixture_alloc_context(h->m, PS_GFP_HIGHUSER_MOVABLE, 0, &ac);
	h->m->nodes[0].stat[PS_NR_SLAB_RECLAIMABLE_B] = 4000;
	h->m->sysctl.zone_reclaim_mode = PS_RECLAIM_ZONE;
	g_assert_cmpint(ps_node_reclaim(h->p, 0, &ac), ==, PS_NODE_RECLAIM_SOME);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_ANON), >, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_PSWPOUT), ==, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_ZONE_RECLAIM_FAILED), ==, 1);
	g_assert_cmpint(h->m->nodes[0].stat[PS_NR_ANON_PAGES], ==, 8192);
	h->m->sysctl.zone_reclaim_mode = PS_RECLAIM_ZONE | PS_RECLAIM_UNMAP;
	g_assert_cmpint(ps_node_reclaim(h->p, 0, &ac), ==, PS_NODE_RECLAIM_SUCCESS);
	g_assert_cmpuint(fixture_host_vm(h, PS_PSWPOUT), >, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_ZONE_RECLAIM_SUCCESS), ==, 1);
	fixture_check(h->m);
}

/*
 * The reclaimer's gfp_mask (6.18): shrink_folio_list keeps an anonymous folio that is not in the
 * swap cache yet when the request has no __GFP_IO (keep_locked: back on the inactive list, not
 * activated), and super_cache_scan (fs/super.c) returns SHRINK_STOP without __GFP_FS, before
 * do_shrink_slab counts slabs_scanned. press-slab's kworker reclaimed under GFP_NOIO. A node with
 * swap, 4096 inactive anon pages and 8192 reclaimable slab pages: GFP_NOIO reclaims nothing,
 * GFP_NOFS swaps anon out and leaves the slab, GFP_KERNEL does both. A shmem folio is written
 * out by pageout, which needs may_enter_fs (__GFP_FS for a folio not in the swap cache yet):
 * GFP_NOFS keeps it.
 */
static void gfp_reclaim(uint64_t gfp, enum ps_folio_kind kind, uint64_t *reclaimed,
			uint64_t *pswpout, uint64_t *slab_left, uint64_t *slabs_scanned,
			uint64_t *activated)
{
	g_autoptr(FixtureHost) h = host_new(65536);
	PsAllocContext ac;
	uint64_t cost = 0;

	fixture_host_add_lru(h, fixture_host_normal(h), 4096, kind, false);
	fixture_host_add_lru(h, fixture_host_normal(h), 8192, PS_FOLIO_SLAB, false);
	g_assert_cmpuint(ps_memcg_lru_pages(h->p, PS_MEMCG_ROOT, 0, PS_LRU_SLAB), ==, 8192);
	fixture_alloc_context(h->m, gfp, 0, &ac);
	*reclaimed = ps_try_to_free_pages(h->p, &ac, &cost);
	*pswpout = fixture_host_vm(h, PS_PSWPOUT);
	*slab_left = ps_memcg_lru_pages(h->p, PS_MEMCG_ROOT, 0, PS_LRU_SLAB);
	*slabs_scanned = fixture_host_vm(h, PS_SLABS_SCANNED);
	*activated = fixture_host_vm(h, PS_PGACTIVATE);
	g_assert_cmpuint(
	    ps_memcg_lru_pages(h->p, PS_MEMCG_ROOT, 0, PS_LRU_INACTIVE_ANON) + *pswpout, ==, 4096);
	fixture_check(h->m);
}

static void test_direct_reclaim_gfp_io_fs(void)
{
	uint64_t reclaimed, pswpout, slab, scanned, activated;

	/* nothing: the anon folios scanned are kept on the inactive list, the slab is not asked */
	gfp_reclaim(PS_GFP_NOIO, PS_FOLIO_ANON, &reclaimed, &pswpout, &slab, &scanned, &activated);
	g_assert_cmpuint(reclaimed, ==, 0);
	g_assert_cmpuint(pswpout, ==, 0);
	g_assert_cmpuint(slab, ==, 8192);
	g_assert_cmpuint(scanned, ==, 0);
	g_assert_cmpuint(activated, ==, 0);
	/* swap, no slab: all of it swapped out anon */
	gfp_reclaim(PS_GFP_NOFS, PS_FOLIO_ANON, &reclaimed, &pswpout, &slab, &scanned, &activated);
	g_assert_cmpuint(reclaimed, >=, PS_SWAP_CLUSTER_MAX);
	g_assert_cmpuint(pswpout, ==, reclaimed);
	g_assert_cmpuint(slab, ==, 8192);
	g_assert_cmpuint(scanned, ==, 0);
	/*
	 * both; the slab pages freed are not the reclaimer's progress (flush_reclaim_state: the
	 * shrinker's pages come back in RCU callbacks, policy/reclaim.c shrink_slab)
	 */
	gfp_reclaim(PS_GFP_KERNEL, PS_FOLIO_ANON, &reclaimed, &pswpout, &slab, &scanned,
		    &activated);
	g_assert_cmpuint(reclaimed, >=, PS_SWAP_CLUSTER_MAX);
	g_assert_cmpuint(pswpout, >, 0);
	g_assert_cmpuint(slab, <, 8192);
	g_assert_cmpuint(pswpout, ==, reclaimed);
	g_assert_cmpuint(scanned, >, 0);
	/* shmem on the anon list: written out (pageout) only with __GFP_FS (may_enter_fs) */
	gfp_reclaim(PS_GFP_NOFS, PS_FOLIO_SHMEM, &reclaimed, &pswpout, &slab, &scanned, &activated);
	g_assert_cmpuint(reclaimed, ==, 0);
	g_assert_cmpuint(pswpout, ==, 0);
	gfp_reclaim(PS_GFP_KERNEL, PS_FOLIO_SHMEM, &reclaimed, &pswpout, &slab, &scanned,
		    &activated);
	g_assert_cmpuint(pswpout, >, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/reclaim/scan-file-no-swap", test_scan_file_no_swap);
	g_test_add_func("/policy/reclaim/scan-file-may-swap-off", test_scan_file_may_swap_off);
	g_test_add_func("/policy/reclaim/scan-file-cache-trim", test_scan_file_cache_trim);
	g_test_add_func("/policy/reclaim/scan-anon-file-tiny", test_scan_anon_file_tiny);
	g_test_add_func("/policy/reclaim/file-tiny-not-when-anon-aged",
			test_file_tiny_not_when_anon_aged);
	g_test_add_func("/policy/reclaim/file-tiny-not-when-anon-scan-zero",
			test_file_tiny_not_when_anon_scan_zero);
	g_test_add_func("/policy/reclaim/scan-equal-priority-0", test_scan_equal_priority0);
	g_test_add_func("/policy/reclaim/scan-fract", test_scan_fract);
	g_test_add_func("/policy/reclaim/direct-stops-at-cluster",
			test_direct_reclaim_stops_at_cluster);
	g_test_add_func("/policy/reclaim/direct-proportional", test_direct_reclaim_proportional);
	g_test_add_func("/policy/reclaim/direct-nothing-counts-twice",
			test_direct_reclaim_nothing_counts_twice);
	g_test_add_func("/policy/reclaim/direct-slab-no-progress",
			test_direct_reclaim_slab_no_progress);
	g_test_add_func("/policy/reclaim/dirty-activated-and-flushed",
			test_dirty_activated_and_flushed);
	g_test_add_func("/policy/reclaim/start-dirty-to-head", test_start_dirty_to_head);
	g_test_add_func("/policy/reclaim/refault-deactivates", test_refault_deactivates);
	g_test_add_func("/policy/reclaim/refault-ends-cache-trim", test_refault_ends_cache_trim);
	g_test_add_func("/policy/reclaim/direct-gfp-io-fs", test_direct_reclaim_gfp_io_fs);
	g_test_add_func("/policy/reclaim/node-reclaim-unmapped", test_node_reclaim_unmapped);
	g_test_add_func("/policy/reclaim/node-reclaim-keeps-mapped",
			test_node_reclaim_keeps_mapped);
	return g_test_run();
}
