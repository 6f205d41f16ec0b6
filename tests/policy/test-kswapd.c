// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-kswapd.c - kswapd (policy/kswapd.c, pgdat_balanced in policy/reclaim.c) with exact values
 * on small 4K machines and the fake host of fixture.h: when wakeup_kswapd wakes it and what it
 * records, pgdat_balanced against the (boosted) high watermark and the classzone, a
 * balance_pgdat run pass by pass (pages reclaimed, the order dropped once compact_gap(order)
 * pages were reclaimed, boosted reclaim held at priority DEF_PRIORITY - 2), and
 * kswapd_try_to_sleep (nap, sleep, kswapd_*_wmark_hit_quickly, kcompactd woken for the order
 * kswapd was asked for).
 *
 * Expected values follow mm/vmscan.c of 6.18 (kernel-facts §6). The page cache is clean and
 * unreferenced and there is no swap, so each pass reclaims inactive_file >> priority of what is
 * left: from 8192 pages 2, 3, 7, 15, 31, 63 at priorities 12..7; from 4096 pages 1, 1, 3, 7, 15,
 * 31. Freed pages go straight to the buddy (fixture.h), so NR_FREE_PAGES is exact.
 */
#include "fixture.h"
#include "policy/policy-private.h"

#define MS 1000000ull

/*
 * A Normal zone of 16384 pages with `file` clean page-cache pages, a watermark boost of `boost`
 * and free pages `above` the boosted high watermark (negative: below it).
 */
static FixtureHost *host_new(uint64_t file, uint64_t boost, int64_t above)
{
	FixtureHost *h = fixture_host_new(fixture_normal_only(0, 16384), NULL);
	PsZone *z = fixture_host_normal(h);

	z->watermark_boost = boost;
	fixture_host_add_lru(h, z, file, PS_FOLIO_FILE, false);
	fixture_take_to(h->m, z, (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) + above);
	return h;
}

static void run_for(FixtureHost *h, uint64_t ns)
{
	ps_engine_run_until(h->e, ps_engine_now(h->e) + ns);
}

/*
 * pgdat_balanced: __zone_watermark_ok(order, high_wmark_pages, classzone, 0) with
 * high_wmark_pages = high + boost: free = high + boost is not balanced, one page more is.
 */
static void test_balanced_boosted_high(void)
{
	for (uint64_t boost = 0; boost <= 100; boost += 100) {
		g_autoptr(FixtureHost) at = host_new(0, boost, 0);
		g_autoptr(FixtureHost) above = host_new(0, boost, 1);

		g_assert_false(ps_pgdat_balanced(at->m, 0, 0, PS_ZONE_NORMAL));
		g_assert_true(ps_pgdat_balanced(above->m, 0, 0, PS_ZONE_NORMAL));
	}
}

/*
 * wakeup_kswapd: it records kswapd_order = max and kswapd_highest_zoneidx = max whether or not
 * it wakes; it does not wake kswapd for a balanced node without boost, for a hopeless node
 * (kswapd_failures >= MAX_RECLAIM_RETRIES), nor a running kswapd; it does for an unbalanced
 * node and for a balanced but boosted one (mm_vmscan_wakeup_kswapd: one kswapd_wake event).
 */
static void test_wake_conditions(void)
{
	g_autoptr(FixtureHost) balanced = host_new(0, 0, 1);
	g_autoptr(FixtureHost) boosted = host_new(0, 100, 1);
	g_autoptr(FixtureHost) short_ = host_new(0, 0, 0);
	g_autoptr(FixtureHost) hopeless = host_new(0, 0, 0);
	PsKswapd *k = &balanced->p->kswapd[0];

	ps_wakeup_kswapd(balanced->m, fixture_host_normal(balanced), PS_GFP_KERNEL, 2,
			 PS_ZONE_DMA32, -1);
	ps_wakeup_kswapd(balanced->m, fixture_host_normal(balanced), PS_GFP_KERNEL, 0,
			 PS_ZONE_NORMAL, -1);
	g_assert_false(ps_kswapd_active(balanced->p, 0));
	g_assert_cmpuint(fixture_host_events(balanced, "kswapd_wake"), ==, 0);
	g_assert_cmpuint(k->req_order, ==, 2);
	g_assert_cmpint(k->req_highest, ==, PS_ZONE_NORMAL);

	ps_wakeup_kswapd(boosted->m, fixture_host_normal(boosted), PS_GFP_KERNEL, 0, PS_ZONE_NORMAL,
			 -1);
	g_assert_true(ps_kswapd_active(boosted->p, 0));
	g_assert_cmpuint(fixture_host_events(boosted, "kswapd_wake"), ==, 1);

	ps_wakeup_kswapd(short_->m, fixture_host_normal(short_), PS_GFP_KERNEL, 0, PS_ZONE_NORMAL,
			 -1);
	g_assert_true(ps_kswapd_active(short_->p, 0));
	/* Running: a second request is only recorded. */
	ps_wakeup_kswapd(short_->m, fixture_host_normal(short_), PS_GFP_KERNEL, 3, PS_ZONE_NORMAL,
			 -1);
	g_assert_cmpuint(fixture_host_events(short_, "kswapd_wake"), ==, 1);
	g_assert_cmpuint(short_->p->kswapd[0].req_order, ==, 3);

	hopeless->p->kswapd[0].failures = PS_MAX_RECLAIM_RETRIES;
	ps_wakeup_kswapd(hopeless->m, fixture_host_normal(hopeless), PS_GFP_KERNEL, 0,
			 PS_ZONE_NORMAL, -1);
	g_assert_false(ps_kswapd_active(hopeless->p, 0));
	g_assert_cmpuint(fixture_host_events(hopeless, "kswapd_wake"), ==, 0);
}

/*
 * The classzone: pgdat_balanced asks whether any managed zone up to highest_zoneidx passes.
 * DMA32 under its high mark and Normal above: balanced for a Normal request (Normal passes), not
 * for a DMA32 one — so a GFP_DMA32 request wakes kswapd and a GFP_KERNEL one does not.
 */
static void test_classzone(void)
{
	PsMachineSpec spec;
	g_autoptr(FixtureHost) h = NULL;
	PsZone *dma32, *norm;

	fixture_spec_1node(&spec, 4096, 1);
	fixture_zone(&spec, 0, PS_ZONE_DMA32, 4096, 4096, 4096);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 8192, 16384, 16384);
	h = fixture_host_new(fixture_machine(&spec), NULL);
	dma32 = ps_machine_zone(h->m, 0, PS_ZONE_DMA32);
	norm = ps_machine_zone(h->m, 0, PS_ZONE_NORMAL);
	fixture_take_to(h->m, dma32, (int64_t)ps_wmark_pages(dma32, PS_WMARK_HIGH));
	g_assert_cmpint(norm->vm_stat[PS_NR_FREE_PAGES], >,
			(int64_t)ps_wmark_pages(norm, PS_WMARK_HIGH));

	g_assert_true(ps_pgdat_balanced(h->m, 0, 0, PS_ZONE_NORMAL));
	g_assert_false(ps_pgdat_balanced(h->m, 0, 0, PS_ZONE_DMA32));
	ps_wakeup_kswapd(h->m, norm, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	g_assert_false(ps_kswapd_active(h->p, 0));
	ps_wakeup_kswapd(h->m, dma32, PS_GFP_KERNEL | PS_GFP_DMA32, 0, PS_ZONE_DMA32, -1);
	g_assert_true(ps_kswapd_active(h->p, 0));
}

/*
 * The cpu kswapd runs on (kswapd.c kswapd_wake_cpu, where its reclaimed pages go to the pcp):
 * on a 2-cpu node a wake from cpu 0 puts it on cpu 1, and it stays there when cpu 1 itself
 * wakes it again after its nap; none while it naps. On a 1-cpu node, the waker's cpu.
 */
static void test_wake_cpu(void)
{
	for (int ncpus = 1; ncpus <= 2; ncpus++) {
		PsMachineSpec spec;
		g_autoptr(FixtureHost) h = NULL;
		PsZone *z;

		fixture_spec_1node(&spec, 4096, ncpus);
		fixture_zone(&spec, 0, PS_ZONE_NORMAL, 0, 16384, 16384);
		h = fixture_host_new(fixture_machine(&spec), NULL);
		z = fixture_host_normal(h);
		fixture_host_add_lru(h, z, 8192, PS_FOLIO_FILE, false);
		fixture_take_to(h->m, z, (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) - 100);
		g_assert_cmpint(ps_kswapd_cpu(h->p, 0), ==, -1);
		ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, 0);
		g_assert_cmpint(ps_kswapd_cpu(h->p, 0), ==, ncpus - 1);
		run_for(h, 50 * MS);
		g_assert_cmpint(h->p->kswapd[0].state, ==, PS_KSWAPD_NAPPING);
		g_assert_cmpint(ps_kswapd_cpu(h->p, 0), ==, -1);
		fixture_take_to(h->m, z, (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) - 50);
		ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, ncpus - 1);
		g_assert_cmpint(ps_kswapd_cpu(h->p, 0), ==, ncpus - 1);
		fixture_check(h->m);
	}
}

/*
 * balance_pgdat at order 0, 100 pages under the high mark with 8192 page-cache pages: each pass
 * falls short of nr_to_reclaim (max(high, SWAP_CLUSTER_MAX)), so the priority rises every pass:
 * 2 + 3 + 7 + 15 + 31 + 63 = 121 pages by priority 7, and the node is balanced (21 pages above
 * high). Then kswapd_try_to_sleep: balanced, so a HZ/10 nap, and still balanced after it, a full
 * sleep; neither kswapd_*_wmark_hit_quickly.
 */
static void test_balance_order0(void)
{
	g_autoptr(FixtureHost) h = host_new(8192, 0, -100);
	PsKswapd *k = &h->p->kswapd[0];

	ps_wakeup_kswapd(h->m, fixture_host_normal(h), PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	run_for(h, 50 * MS);
	g_assert_cmpuint(fixture_host_vm(h, PS_PAGEOUTRUN), ==, 1);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_KSWAPD), ==, 121);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_KSWAPD), ==, 121);
	g_assert_cmpint(fixture_host_normal(h)->vm_stat[PS_NR_FREE_PAGES], ==,
			(int64_t)ps_wmark_pages(fixture_host_normal(h), PS_WMARK_HIGH) + 21);
	g_assert_cmpint(k->state, ==, PS_KSWAPD_NAPPING);
	g_assert_cmpint(k->failures, ==, 0);
	g_assert_false(fixture_host_normal(h)->flags & PS_ZONE_RECLAIM_ACTIVE);
	run_for(h, 100 * MS);
	g_assert_cmpint(k->state, ==, PS_KSWAPD_SLEEPING);
	g_assert_cmpuint(fixture_host_events(h, "kswapd_sleep"), ==, 1);
	g_assert_cmpuint(fixture_host_vm(h, PS_KSWAPD_LOW_WMARK_HIT_QUICKLY), ==, 0);
	g_assert_cmpuint(fixture_host_vm(h, PS_KSWAPD_HIGH_WMARK_HIT_QUICKLY), ==, 0);
	fixture_check(h->m);
}

/*
 * A pass's frees come over its duration (kswapd.c, reclaim.c ps_shrink_node_step): the run of
 * test_balance_order0 sampled every 10 us. Each shrink_lruvec round takes SWAP_CLUSTER_MAX
 * folios at most and is a slice of its own, so no 10 us window sees more than 32 pages
 * reclaimed; the priority-7 pass's 63 pages come as 32 then 31, the second one round's cost
 * later (32 folios isolated and freed: 32 * (scan_folio_ns 300 + reclaim_folio_ns 2,500) =
 * 89.6 us). A pass run at its first instant freed 63 at once.
 */
static void test_pass_in_batches(void)
{
	g_autoptr(FixtureHost) h = host_new(8192, 0, -100);
	uint64_t last = 0, at90 = 0, at121 = 0;

	ps_wakeup_kswapd(h->m, fixture_host_normal(h), PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	for (int i = 0; i < 5000; i++) {
		uint64_t steal;

		run_for(h, 10000);
		steal = fixture_host_vm(h, PS_PGSTEAL_KSWAPD);
		g_assert_cmpuint(steal - last, <=, PS_SWAP_CLUSTER_MAX);
		if (steal >= 2 + 3 + 7 + 15 + 31 + 32 && !at90)
			at90 = ps_engine_now(h->e);
		if (steal >= 121 && !at121)
			at121 = ps_engine_now(h->e);
		last = steal;
	}
	g_assert_cmpuint(last, ==, 121);
	g_assert_cmpuint(at121 - at90, >=, 80000);
	g_assert_cmpuint(at121 - at90, <=, 100000);
}

/*
 * kswapd_try_to_sleep after the order-0 run above (21 pages over high, napping), then 71 pages
 * taken so the node is 50 under high again. Woken during the HZ/10 nap: the nap ends early,
 * kswapd_low_wmark_hit_quickly. Not woken: at the nap's end prepare_kswapd_sleep fails,
 * kswapd_high_wmark_hit_quickly. Either way a second balance_pgdat run reclaims from the 8071
 * pages left 1 + 3 + 7 + 15 + 31 = 57 pages, 7 over high after priority 8.
 */
static void check_hit_quickly(bool wake)
{
	g_autoptr(FixtureHost) h = host_new(8192, 0, -100);
	PsZone *z = fixture_host_normal(h);

	ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	run_for(h, 50 * MS);
	g_assert_cmpint(h->p->kswapd[0].state, ==, PS_KSWAPD_NAPPING);
	fixture_take_to(h->m, z, (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) - 50);
	if (wake)
		ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	run_for(h, 100 * MS);
	g_assert_cmpuint(fixture_host_vm(h, PS_KSWAPD_LOW_WMARK_HIT_QUICKLY), ==, wake);
	g_assert_cmpuint(fixture_host_vm(h, PS_KSWAPD_HIGH_WMARK_HIT_QUICKLY), ==, !wake);
	g_assert_cmpuint(fixture_host_vm(h, PS_PAGEOUTRUN), ==, 2);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_KSWAPD), ==, 121 + 57);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==,
			(int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) + 7);
}

static void test_hit_quickly(void)
{
	check_hit_quickly(true);
	check_hit_quickly(false);
}

/*
 * A Normal zone of 16384 pages with no free block of order 3 or more, free pages `above` the high
 * watermark (negative: below it): every other page free (order 0, its buddy taken) and 4096
 * page-cache pages at pfns 1 mod 4, so reclaim frees at most order-1 blocks.
 */
static FixtureHost *sparse_host_new(int64_t above)
{
	FixtureHost *h = fixture_host_new(fixture_normal_only(0, 16384), NULL);
	PsZone *z = fixture_host_normal(h);
	int64_t free = (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) + above;
	uint64_t file = 0;

	fixture_take_to(h->m, z, 0);
	for (ps_pfn_t pfn = z->start_pfn; pfn < ps_zone_end_pfn(z); pfn++) {
		if (pfn % 2 == 0 && z->vm_stat[PS_NR_FREE_PAGES] < free) {
			z->nr_allocated--;
			ps_buddy_free(h->m, z, pfn, 0, PS_FPI_NONE);
		} else if (pfn % 4 == 1 && file < 4096) {
			ps_page_set_movable(h->m, pfn, true);
			fixture_host_own(h, pfn, 0, PS_FOLIO_FILE, false);
			file++;
		}
	}
	fixture_check(h->m);
	g_assert_cmpuint(file, ==, 4096);
	return h;
}

/*
 * A high-order wake on a zone with no free block of order 3 or more: every other page is free
 * (order 0, its buddy taken) and the page cache sits at pfns 1 mod 4, so reclaim frees at most
 * order-1 blocks. kswapd_shrink_node drops sc->order to 0 once the run's nr_reclaimed reaches
 * compact_gap(3) = 16: after priority 8 (1 + 1 + 3 + 7 + 15 = 27 pages), when the node, 20
 * pages under high before the run, is 7 above it — balanced at order 0, the run ends with 27
 * pages. kswapd_try_to_sleep then wakes kcompactd for the order kswapd was asked for (3): the
 * zone passes compaction_suitable but has no order-3 block (kcompactd_node_suitable).
 */
static void test_balance_high_order(void)
{
	g_autoptr(FixtureHost) h = sparse_host_new(-20);
	PsZone *z = fixture_host_normal(h);
	int64_t free = (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) - 20;

	g_assert_cmpint(ps_zone_fragmentation_index(h->m, z, 3), !=, -1000);

	ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 3, PS_ZONE_NORMAL, -1);
	run_for(h, 50 * MS);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_KSWAPD), ==, 27);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, free + 27);
	g_assert_cmpint(h->p->kswapd[0].state, ==, PS_KSWAPD_NAPPING);
	g_assert_cmpuint(fixture_host_events(h, "kcompactd_wake"), ==, 1);
}

/*
 * kswapd's loop (mm/vmscan.c kswapd()): a run that kept its order goes round the loop, whose top
 * reads kswapd_order, the requests made while it ran, as kswapd_try_to_sleep's alloc_order and
 * reclaim_order. The zone of balance-high-order (no free block of order 3 or more), 20 pages
 * under high: an order-0 wake, then an order-3 request while the run is going (recorded only).
 * The order-0 run ends balanced at order 0 after 27 pages; the try-sleep checks order 3, which is
 * not balanced: no nap (kswapd_high_wmark_hit_quickly) and a second run at order 3, which drops to
 * order 0 after compact_gap(3) = 16 pages (26 by priority 8), naps and wakes kcompactd for order 3.
 * Checking the run's own order 0 instead would nap and sleep with the order-3 request left
 * unserved.
 */
static void test_request_during_run(void)
{
	g_autoptr(FixtureHost) h = sparse_host_new(-20);
	PsZone *z = fixture_host_normal(h);
	PsKswapd *k = &h->p->kswapd[0];

	ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	run_for(h, 1);
	g_assert_cmpint(k->state, ==, PS_KSWAPD_RUNNING);
	g_assert_cmpuint(k->alloc_order, ==, 0);
	ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 3, PS_ZONE_NORMAL, -1);
	g_assert_cmpuint(fixture_host_events(h, "kswapd_wake"), ==, 1);
	g_assert_cmpuint(k->req_order, ==, 3);
	run_for(h, 50 * MS);
	g_assert_cmpuint(fixture_host_vm(h, PS_PAGEOUTRUN), ==, 2);
	g_assert_cmpuint(fixture_host_vm(h, PS_KSWAPD_HIGH_WMARK_HIT_QUICKLY), ==, 1);
	g_assert_cmpuint(k->alloc_order, ==, 3);
	g_assert_cmpuint(k->req_order, ==, 0);
	g_assert_cmpint(k->state, ==, PS_KSWAPD_NAPPING);
	g_assert_cmpuint(fixture_host_events(h, "kcompactd_wake"), ==, 1);
	/* 1 + 1 + 3 + 7 + 15 at priorities 12..8, then from 4069 pages 0 + 1 + 3 + 7 + 15 */
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_KSWAPD), ==, 27 + 26);
}

/*
 * Boosted reclaim on a balanced node (boost 20, free 50 above high + boost): no writeback or
 * swap, and at priority DEF_PRIORITY - 2 balance_pgdat stops raising the priority instead of
 * stopping, until nr_boost_reclaim is used up: 2 + 3 + 7 at priorities 12, 11, 10, then 7 + 7
 * more at 10 — 26 pages. The boost is then removed from the zone.
 */
static void test_boosted_reclaim(void)
{
	g_autoptr(FixtureHost) h = host_new(8192, 20, 50);

	g_assert_true(ps_pgdat_balanced(h->m, 0, 0, PS_ZONE_NORMAL));
	ps_wakeup_kswapd(h->m, fixture_host_normal(h), PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	g_assert_cmpuint(fixture_host_events(h, "kswapd_wake"), ==, 1);
	run_for(h, 50 * MS);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_KSWAPD), ==, 26);
	g_assert_cmpuint(fixture_host_normal(h)->watermark_boost, ==, 0);
	g_assert_cmpint(h->p->kswapd[0].state, ==, PS_KSWAPD_NAPPING);
	g_assert_cmpint(h->p->kswapd[0].failures, ==, 0);
}

/*
 * A node with nothing to reclaim, 100 pages under high: each balance_pgdat run goes down to
 * priority 1 for nothing (kswapd_failures + 1) and, unbalanced, kswapd_try_to_sleep runs it again
 * at once (kswapd_high_wmark_hit_quickly), until MAX_RECLAIM_RETRIES (16) runs made the node
 * hopeless: prepare_kswapd_sleep then lets it nap and, still hopeless, sleep — as the qemu lab's
 * 6.18 kernel did on qemu-press-oom-64k (16 kswapd_wake, then kswapd_sleep 100 ms later). A wake
 * of a hopeless node is refused.
 */
static void test_hopeless(void)
{
	g_autoptr(FixtureHost) h = host_new(0, 0, -100);
	PsZone *z = fixture_host_normal(h);
	PsKswapd *k = &h->p->kswapd[0];

	ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	run_for(h, 1000 * MS);
	g_assert_cmpuint(fixture_host_vm(h, PS_PAGEOUTRUN), ==, PS_MAX_RECLAIM_RETRIES);
	g_assert_cmpuint(fixture_host_vm(h, PS_KSWAPD_HIGH_WMARK_HIT_QUICKLY), ==,
			 PS_MAX_RECLAIM_RETRIES - 1);
	g_assert_cmpint(k->failures, ==, PS_MAX_RECLAIM_RETRIES);
	g_assert_cmpint(k->state, ==, PS_KSWAPD_SLEEPING);
	g_assert_cmpuint(fixture_host_events(h, "kswapd_sleep"), ==, 1);

	ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	g_assert_false(ps_kswapd_active(h->p, 0));
}

/*
 * balance_pgdat's snapshot_refaults: a file refault before the run lets its passes age the
 * 1024 active file pages (the inactive list is not low); the run's end takes the snapshot, so
 * the node's next reclaim does not age them for that refault again.
 */
static void test_refault_snapshot(void)
{
	g_autoptr(FixtureHost) h = host_new(8192, 0, -100);
	PsZone *z = fixture_host_normal(h);
	uint32_t first = h->blocks->len;

	fixture_host_add_lru(h, z, 1024, PS_FOLIO_FILE, false);
	for (uint32_t i = first; i < h->blocks->len; i++) {
		ps_lru_mark_accessed(h->p, i);
		ps_lru_mark_accessed(h->p, i);
	}
	fixture_take_to(h->m, z, (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) - 100);
	h->m->nodes[0].stat[PS_WORKINGSET_REFAULT_FILE] += 3;
	g_assert_cmpint(h->p->refaults_snap[0][1], !=,
			h->m->nodes[0].stat[PS_WORKINGSET_REFAULT_FILE]);
	ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	run_for(h, 50 * MS);
	g_assert_cmpuint(fixture_host_vm(h, PS_PAGEOUTRUN), ==, 1);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGDEACTIVATE), >, 0);
	g_assert_cmpint(h->p->refaults_snap[0][1], ==,
			h->m->nodes[0].stat[PS_WORKINGSET_REFAULT_FILE]);
	fixture_check(h->m);
}

/*
 * kcompactd_node_suitable checks each zone against the recorded highest zone index, as 6.18
 * does (compaction_suit_allocation_order(zone, kcompactd_max_order, highest_zoneidx, ...)): a
 * DMA32 zone under a Normal request keeps its lowmem_reserve for Normal (65536 / 256 = 256
 * pages). DMA32 holds min + 16 + 100 free order-0 pages and no order-3 block, Normal none:
 * compaction_suitable for order 3 (min + compact_gap 16) holds against DMA32's own index but
 * not with the 256 reserved pages, so an order-3 wake for highest Normal leaves kcompactd
 * asleep, and one for highest DMA32 wakes it.
 */
static void test_kcompactd_suitable_highest(void)
{
	PsMachineSpec spec;
	g_autoptr(FixtureHost) h = NULL;
	PsZone *dma32, *normal;
	int64_t free;

	fixture_spec_1node(&spec, 4096, 1);
	fixture_zone(&spec, 0, PS_ZONE_DMA32, 0, 16384, 16384);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 16384, 65536, 65536);
	h = fixture_host_new(fixture_machine(&spec), NULL);
	dma32 = ps_machine_zone(h->m, 0, PS_ZONE_DMA32);
	normal = fixture_host_normal(h);
	g_assert_cmpint(dma32->lowmem_reserve[PS_ZONE_NORMAL], ==, 256);
	fixture_take_to(h->m, normal, 0);
	fixture_take_to(h->m, dma32, 0);
	free = (int64_t)ps_wmark_pages(dma32, PS_WMARK_MIN) + 16 + 100;
	for (ps_pfn_t pfn = dma32->start_pfn; dma32->vm_stat[PS_NR_FREE_PAGES] < free; pfn += 2) {
		dma32->nr_allocated--;
		ps_buddy_free(h->m, dma32, pfn, 0, PS_FPI_NONE);
	}
	fixture_check(h->m);

	ps_wakeup_kcompactd(h->p, 0, 3, PS_ZONE_NORMAL);
	g_assert_cmpuint(fixture_host_events(h, "kcompactd_wake"), ==, 0);
	g_assert_true(h->p->kcompactd[0].sleeping);
	ps_wakeup_kcompactd(h->p, 0, 3, PS_ZONE_DMA32);
	g_assert_cmpuint(fixture_host_events(h, "kcompactd_wake"), ==, 1);
}

/*
 * kswapd_shrink_node's return (6.14 tree, mm/vmscan.c): max(sc->nr_scanned, pages reclaimed)
 * >= nr_to_reclaim keeps the priority, so a pass that scanned the target but reclaimed less does
 * not raise it. 8192 page-cache pages, three in four referenced (activated when scanned), the
 * zone (high 1200 = nr_to_reclaim) 1000 pages under high. Passes at priorities 12..3 scan
 * inactive_file >> priority, 1878 pages, and reclaim a quarter, 470. At priority 2 the pass scans
 * 6314 >> 2 = 1578 >= 1200 and reclaims 394: the priority stays, and the next pass at 2 scans
 * 4736 >> 2 = 1184 and reclaims 296; 1160 in all, the node 160 over high and balanced. Raising
 * the priority on what was reclaimed alone (394 < 1200) gave a priority-1 pass of 2368 pages
 * instead: 5824 scanned, 1456 reclaimed, 456 over high.
 */
static void test_scanned_holds_priority(void)
{
	g_autoptr(FixtureHost) h = fixture_host_new(fixture_normal_only(0, 16384), NULL);
	PsZone *z = fixture_host_normal(h);

	for (int i = 0; i < 8192; i++) {
		uint32_t handle = h->blocks->len;

		fixture_host_add_lru(h, z, 1, PS_FOLIO_FILE, false);
		if (i % 4)
			ps_lru_mark_accessed(h->p, handle);
	}
	g_assert_cmpuint(ps_wmark_pages(z, PS_WMARK_HIGH), ==, 1200);
	fixture_take_to(h->m, z, 1200 - 1000);
	ps_wakeup_kswapd(h->m, z, PS_GFP_KERNEL, 0, PS_ZONE_NORMAL, -1);
	run_for(h, 50 * MS);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_KSWAPD), ==, 1878 + 1578 + 1184);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSTEAL_KSWAPD), ==, 470 + 394 + 296);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, 1200 + 160);
	g_assert_cmpint(h->p->kswapd[0].state, ==, PS_KSWAPD_NAPPING);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/kswapd/balanced-boosted-high", test_balanced_boosted_high);
	g_test_add_func("/policy/kswapd/wake-conditions", test_wake_conditions);
	g_test_add_func("/policy/kswapd/classzone", test_classzone);
	g_test_add_func("/policy/kswapd/wake-cpu", test_wake_cpu);
	g_test_add_func("/policy/kswapd/balance-order-0", test_balance_order0);
	g_test_add_func("/policy/kswapd/pass-in-batches", test_pass_in_batches);
	g_test_add_func("/policy/kswapd/wmark-hit-quickly", test_hit_quickly);
	g_test_add_func("/policy/kswapd/balance-high-order", test_balance_high_order);
	g_test_add_func("/policy/kswapd/request-during-run", test_request_during_run);
	g_test_add_func("/policy/kswapd/boosted-reclaim", test_boosted_reclaim);
	g_test_add_func("/policy/kswapd/hopeless", test_hopeless);
	g_test_add_func("/policy/kswapd/refault-snapshot", test_refault_snapshot);
	g_test_add_func("/policy/kswapd/kcompactd-suitable-highest",
			test_kcompactd_suitable_highest);
	g_test_add_func("/policy/kswapd/scanned-holds-priority", test_scanned_holds_priority);
	return g_test_run();
}
