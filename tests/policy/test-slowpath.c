// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-slowpath.c - the retry rules of the allocation slow path (policy/slowpath.c and
 * should_compact_retry in policy/compaction.c) with exact values, on one Normal zone with the
 * fake host of fixture.h: how many reclaim rounds a request gets before the OOM killer, the
 * free + reclaimable estimate against the min watermark, the highatomic reserve released before
 * OOM, the compaction retry budget and priority escalation, and which requests give up without
 * an OOM kill.
 *
 * Expected values come from the kernel functions named in each test (mm/page_alloc.c of 6.18,
 * kernel-facts §5.4-§5.8), not from the model. Nothing here runs the engine: the slow path is
 * synchronous, so simulated time stands still and dirty pages stay dirty throughout a request.
 */
#include "fixture.h"
#include "policy/policy-private.h"

/* A 4K machine with one Normal zone of `pages` pages at pfn 0, the policy attached. */
static FixtureHost *host_new(uint64_t pages)
{
	return fixture_host_new(fixture_normal_only(0, pages), NULL);
}

static int64_t min_wmark(FixtureHost *h)
{
	return (int64_t)ps_wmark_pages(fixture_host_normal(h), PS_WMARK_MIN);
}

/*
 * should_reclaim_retry: a round whose reclaim made no progress counts a no-progress loop, and
 * the request gives up after MAX_RECLAIM_RETRIES (16) of them in a row — reclaim runs 17 times
 * (16 retries) as long as free + reclaimable pages would pass the min watermark. Dirty page
 * cache within its writeback delay is such memory: zone_reclaimable_pages counts it, reclaim
 * cannot free it yet. When free + reclaimable is at the min watermark or below, the first round
 * gives up (__zone_watermark_ok fails at free <= min). Either way __alloc_pages_may_oom then
 * kills the one task, and the request waits for the reaper.
 */
static void check_reclaim_rounds(int64_t available_above_min, unsigned rounds)
{
	g_autoptr(FixtureHost) h = host_new(16384);
	PsZone *z = fixture_host_normal(h);
	PsAllocOutcome out = {0};
	const uint64_t dirty = 64;

	fixture_host_task(h, 100, 1000, 0);
	fixture_host_add_lru(h, z, dirty, PS_FOLIO_FILE, true);
	fixture_take_to(h->m, z, min_wmark(h) + available_above_min - (int64_t)dirty);
	g_assert_cmpuint(ps_zone_reclaimable_pages(h->p, z), ==, dirty);

	fixture_host_alloc(h, PS_GFP_KERNEL, 0, PS_NR_FOLIO_KINDS, false, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OOM_WAIT);
	g_assert_cmpuint(out.slow_loops, ==, rounds);
	/*
	 * each fruitless try_to_free_pages makes three passes: memcg_full_walk's, then
	 * force_deactivate's, since its first pass activated the dirty folios (shrink_folio_list's
	 * activate_locked) while prepare_scan_control had found the inactive list not low
	 * (skipped_deactivate): three allocstalls
	 */
	g_assert_cmpuint(h->m->direct_reclaims_total, ==, rounds);
	g_assert_cmpuint(h->m->vm_events[PS_ALLOCSTALL_NORMAL], ==, 3 * rounds);
	g_assert_cmpuint(out.reclaimed, ==, 0);
	g_assert_cmpuint(h->kills, ==, 1);
	g_assert_cmpuint(out.stall_until, ==, h->kill_reap_at);
	fixture_check(h->m);
}

static void test_reclaim_retry_limit(void)
{
	/* One page above min with everything reclaimed: 1 + MAX_RECLAIM_RETRIES rounds. */
	check_reclaim_rounds(1, 1 + PS_MAX_RECLAIM_RETRIES);
}

static void test_reclaim_retry_estimate(void)
{
	/* Exactly at min with everything reclaimed: free <= min fails, no retry. */
	check_reclaim_rounds(0, 1);
}

/*
 * should_reclaim_retry, at its out: label (6.7+): whenever it would give up — here at the first
 * round, no zone passing min even with everything reclaimed — it first releases a highatomic
 * pageblock with force (unreserve_highatomic_pageblock(ac, true)) and retries if that converted
 * one. The reserve's 511 free pages are unusable without ALLOC_HIGHATOMIC/ALLOC_OOM
 * (__zone_watermark_ok subtracts nr_free_highatomic), so before the release the zone is 411
 * pages under min; after it, 100 above: the second round allocates, nobody is killed.
 */
static void test_highatomic_before_oom(void)
{
	g_autoptr(FixtureHost) h = host_new(65536);
	PsZone *z = fixture_host_normal(h);
	PsAllocOutcome out = {0};
	ps_pfn_t pfn = ps_rmqueue_smallest(h->m, z, 0, PS_MT_MOVABLE);

	fixture_host_task(h, 100, 1000, 0);
	ps_page_mark_allocated(h->m, z, pfn, 0);
	ps_reserve_highatomic_pageblock(h->m, z, pfn, 0);
	g_assert_cmpuint(z->nr_reserved_highatomic, ==, 512);
	g_assert_cmpuint(z->nr_free_highatomic, ==, 511);
	fixture_take_to(h->m, z, min_wmark(h) + 100);

	fixture_host_alloc(h, PS_GFP_KERNEL, 0, PS_NR_FOLIO_KINDS, false, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	/* The second round's freelist attempt succeeds, before any second reclaim. */
	g_assert_cmpuint(out.slow_loops, ==, 2);
	/* one try_to_free_pages, fruitless: two passes, two allocstalls */
	g_assert_cmpuint(h->m->direct_reclaims_total, ==, 1);
	g_assert_cmpuint(h->m->vm_events[PS_ALLOCSTALL_NORMAL], ==, 2);
	g_assert_cmpuint(h->kills, ==, 0);
	g_assert_cmpuint(z->nr_reserved_highatomic, ==, 0);
	g_assert_cmpuint(z->nr_free_highatomic, ==, 0);
	fixture_check(h->m);
}

/*
 * should_compact_retry after COMPACT_SUCCESS (a page formed but another task took it): retry
 * while ++compaction_retries <= MAX_COMPACT_RETRIES (16; a quarter, 4, for order >
 * PAGE_ALLOC_COSTLY_ORDER); past that, escalate the priority one step if above the minimum
 * (MIN_COMPACT_PRIORITY = SYNC_FULL, or MIN_COMPACT_COSTLY_PRIORITY = SYNC_LIGHT for costly
 * orders) with the retries reset to 0, else give up.
 */
static void test_compact_retry_success(void)
{
	g_autoptr(FixtureHost) h = host_new(16384);
	PsAllocContext ac;
	enum ps_compact_priority prio = PS_COMPACT_PRIO_SYNC_LIGHT; /* DEF_COMPACT_PRIORITY */
	int retries = 0;
	const unsigned flags = PS_ALLOC_WMARK_MIN | PS_ALLOC_CPUSET;

	fixture_alloc_context(h->m, PS_GFP_KERNEL, 2, &ac);
	for (int i = 1; i <= PS_MAX_COMPACT_RETRIES; i++) {
		g_assert_true(ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_SUCCESS,
						      &prio, &retries));
		g_assert_cmpint(retries, ==, i);
		g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_LIGHT);
	}
	/* The 17th: escalate to SYNC_FULL, retries start again. */
	g_assert_true(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_SUCCESS, &prio, &retries));
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_FULL);
	g_assert_cmpint(retries, ==, 0);
	for (int i = 1; i <= PS_MAX_COMPACT_RETRIES; i++)
		g_assert_true(ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_SUCCESS,
						      &prio, &retries));
	/* At the minimum priority with the budget spent: give up. */
	g_assert_false(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_SUCCESS, &prio, &retries));
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_FULL);

	/* Costly (order 9): 4 retries, then no escalation below SYNC_LIGHT. */
	fixture_alloc_context(h->m, PS_GFP_KERNEL | PS_GFP_RETRY_MAYFAIL, 9, &ac);
	prio = PS_COMPACT_PRIO_SYNC_LIGHT;
	retries = 0;
	for (int i = 1; i <= PS_MAX_COMPACT_RETRIES / 4; i++)
		g_assert_true(ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_SUCCESS,
						      &prio, &retries));
	g_assert_cmpint(retries, ==, 4);
	g_assert_false(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_SUCCESS, &prio, &retries));
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_LIGHT);
}

/*
 * should_compact_retry after a failed run (COMPLETE, PARTIAL_SKIPPED, DEFERRED...): no retry
 * budget, only the escalation ASYNC -> SYNC_LIGHT -> SYNC_FULL (costly: -> SYNC_LIGHT only),
 * each step resetting compaction_retries. Order 0 never retries compaction.
 */
static void test_compact_retry_escalation(void)
{
	g_autoptr(FixtureHost) h = host_new(16384);
	PsAllocContext ac;
	enum ps_compact_priority prio = PS_COMPACT_PRIO_ASYNC;
	int retries = 3;
	const unsigned flags = PS_ALLOC_WMARK_MIN | PS_ALLOC_CPUSET;

	fixture_alloc_context(h->m, PS_GFP_KERNEL, 3, &ac);
	g_assert_true(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_COMPLETE, &prio, &retries));
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_LIGHT);
	g_assert_cmpint(retries, ==, 0);
	g_assert_true(ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_PARTIAL_SKIPPED,
					      &prio, &retries));
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_FULL);
	g_assert_false(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_DEFERRED, &prio, &retries));
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_FULL);

	fixture_alloc_context(h->m, PS_GFP_KERNEL | PS_GFP_RETRY_MAYFAIL, 4, &ac);
	prio = PS_COMPACT_PRIO_ASYNC;
	g_assert_true(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_COMPLETE, &prio, &retries));
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_LIGHT);
	g_assert_false(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_COMPLETE, &prio, &retries));

	fixture_alloc_context(h->m, PS_GFP_KERNEL, 0, &ac);
	prio = PS_COMPACT_PRIO_ASYNC;
	g_assert_false(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_SUCCESS, &prio, &retries));
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_ASYNC);
}

/*
 * should_compact_retry after COMPACT_SKIPPED (too few free pages for migration targets): retry
 * iff compaction_zonelist_suitable — some zone passes __compaction_suitable at its min
 * watermark with free + zone_reclaimable_pages / order pages: the order-0 check of min +
 * compact_gap(order) (2 << order), plus low - min for costly orders. zone_reclaimable_pages is
 * the file LRU, and the anon LRU only when swap can take it (none here).
 */
static void check_skipped(unsigned order, enum ps_wmark base, int64_t above, bool retry)
{
	g_autoptr(FixtureHost) h = host_new(16384);
	PsZone *z = fixture_host_normal(h);
	PsAllocContext ac;
	enum ps_compact_priority prio = PS_COMPACT_PRIO_SYNC_LIGHT;
	int retries = 2;
	const uint64_t file = 64;
	const unsigned flags = PS_ALLOC_WMARK_MIN | PS_ALLOC_CPUSET;
	int64_t mark = (int64_t)ps_wmark_pages(z, base) + (2 << order);

	fixture_host_add_lru(h, z, file, PS_FOLIO_FILE, false);
	fixture_host_add_lru(h, z, 1000, PS_FOLIO_ANON, false);
	g_assert_cmpuint(ps_zone_reclaimable_pages(h->p, z), ==, file);
	fixture_take_to(h->m, z, mark - (int64_t)(file / order) + above);
	fixture_alloc_context(h->m, PS_GFP_KERNEL | PS_GFP_RETRY_MAYFAIL, order, &ac);
	g_assert_cmpint(
	    ps_should_compact_retry(h->p, &ac, flags, PS_COMPACT_RES_SKIPPED, &prio, &retries), ==,
	    retry);
	/* Priority and budget are left alone either way. */
	g_assert_cmpint(prio, ==, PS_COMPACT_PRIO_SYNC_LIGHT);
	g_assert_cmpint(retries, ==, 2);
}

static void test_compact_retry_skipped(void)
{
	/* free + file / order at the mark: not above it, no retry; one page more: retry. */
	check_skipped(2, PS_WMARK_MIN, 0, false);
	check_skipped(2, PS_WMARK_MIN, 1, true);
	check_skipped(4, PS_WMARK_LOW, 0, false);
	check_skipped(4, PS_WMARK_LOW, 1, true);
}

/*
 * The OOM killer chose the allocating task itself (__alloc_pages_slowpath after
 * __alloc_pages_may_oom): it does not wait for the reaper but retries at once, and
 * __gfp_pfmemalloc_flags gives the victim ALLOC_OOM, half the min watermark
 * (__zone_watermark_ok: min -= min / 2). At free == min that passes; at free == min - min / 2
 * it fails, and the victim gives up ("avoid allocations with no watermarks from looping
 * endlessly") without a second kill. Its memory goes back when it exits, as the allocation
 * returns (exit_mmap), not after the reaper's delay.
 */
static void check_victim_allocates(int64_t free_pages, enum ps_alloc_result result)
{
	g_autoptr(FixtureHost) h = host_new(16384);
	PsZone *z = fixture_host_normal(h);
	PsAllocOutcome out = {0};

	fixture_host_task(h, 100, 1000, 0);
	fixture_host_task(h, 101, 10, 0);
	h->current = 1; /* pid 100, the bigger one, allocates */
	fixture_take_to(h->m, z, free_pages);
	fixture_host_alloc(h, PS_GFP_KERNEL, 0, PS_NR_FOLIO_KINDS, false, &out);
	g_assert_cmpint(out.result, ==, result);
	g_assert_cmpuint(h->kills, ==, 1);
	g_assert_cmpuint(h->killed, ==, 0);
	/* it exits as the allocation returns, not at the reaper's delay */
	g_assert_cmpuint(h->kill_reap_at, ==, ps_engine_now(h->e));
	/* round 1: reclaim, OOM kill; round 2: ALLOC_OOM at the freelists (then reclaim, nopage) */
	g_assert_cmpuint(out.slow_loops, ==, 2);
	g_assert_cmpuint(h->m->direct_reclaims_total, ==, result == PS_ALLOC_OK ? 1 : 2);
	fixture_check(h->m);
}

static void test_victim_allocates(void)
{
	PsZone *z;
	int64_t min;

	{
		g_autoptr(FixtureHost) h = host_new(16384);

		z = fixture_host_normal(h);
		min = (int64_t)ps_wmark_pages(z, PS_WMARK_MIN);
	}
	check_victim_allocates(min, PS_ALLOC_OK);
	check_victim_allocates(min - min / 2, PS_ALLOC_FAILED);
}

/*
 * The requests that end without an OOM kill (__alloc_pages_slowpath, __alloc_pages_may_oom),
 * on a zone under min with nothing reclaimable and one killable task:
 *   GFP_NOWAIT: no direct reclaim, one attempt at min, then nopage;
 *   __GFP_NORETRY: one reclaim round, then nopage;
 *   order 4 without __GFP_RETRY_MAYFAIL: costly, nopage after the first round;
 *   __GFP_RETRY_MAYFAIL: may_oom refuses to kill;
 *   GFP_NOFS: out_of_memory reports progress without killing, so the request keeps looping
 *   (the kernel forever; the model cuts it after PS_SLOWPATH_MAX_LOOPS rounds);
 *   only an OOM_SCORE_ADJ_MIN task: out_of_memory finds no victim.
 */
typedef struct {
	uint64_t gfp;
	unsigned order;
	int adj;
	enum ps_alloc_result result;
	unsigned min_loops, max_loops, stalls;
} NoKill;

static void check_no_kill(const NoKill *c)
{
	g_autoptr(FixtureHost) h = host_new(16384);
	PsZone *z = fixture_host_normal(h);
	PsAllocOutcome out = {0};

	fixture_host_task(h, 100, 1000, c->adj);
	fixture_take_to(h->m, z, min_wmark(h) - 1);
	fixture_host_alloc(h, c->gfp, c->order, PS_NR_FOLIO_KINDS, false, &out);
	g_assert_cmpint(out.result, ==, c->result);
	g_assert_cmpuint(out.slow_loops, >=, c->min_loops);
	g_assert_cmpuint(out.slow_loops, <=, c->max_loops);
	if (c->stalls != G_MAXUINT) {
		/* stalls: try_to_free_pages calls; each, fruitless, counts two allocstalls */
		g_assert_cmpuint(h->m->direct_reclaims_total, ==, c->stalls);
		g_assert_cmpuint(h->m->vm_events[PS_ALLOCSTALL_NORMAL], ==, 2 * c->stalls);
	}
	g_assert_cmpuint(h->kills, ==, 0);
	g_assert_cmpuint(h->m->vm_events[PS_OOM_KILL], ==, 0);
	g_assert_cmpuint(fixture_host_events(h, "oom_no_victim"), ==, c->adj == -1000);
}

static void test_no_kill(void)
{
	static const NoKill cases[] = {
	    {PS_GFP_NOWAIT, 0, 0, PS_ALLOC_FAILED, 1, 1, 0},
	    {PS_GFP_KERNEL | PS_GFP_NORETRY, 0, 0, PS_ALLOC_FAILED, 1, 1, 1},
	    {PS_GFP_KERNEL, 4, 0, PS_ALLOC_FAILED, 1, 1, 1},
	    {PS_GFP_KERNEL | PS_GFP_RETRY_MAYFAIL, 0, 0, PS_ALLOC_FAILED, 1, 1, 1},
	    {PS_GFP_NOFS, 0, 0, PS_ALLOC_FAILED, PS_MAX_RECLAIM_RETRIES + 2, G_MAXUINT, G_MAXUINT},
	    {PS_GFP_KERNEL, 0, -1000, PS_ALLOC_FAILED, 1, 1, 1},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		check_no_kill(&cases[i]);
}

/*
 * A THP fault's first try on its node (alloc_pages_mpol: __GFP_THISNODE | __GFP_NORETRY) may
 * compact but never reclaim: after an initial compaction that ran (COMPACT_COMPLETE: nothing it
 * can move) it gives up. The same request without __GFP_THISNODE goes on to direct reclaim.
 * The zone has three free pages in four, so free memory is far above the watermarks and no
 * block above order 1 is free; the allocated pages are unmovable.
 */
static void check_thp_first_try(uint64_t gfp, uint64_t stalls)
{
	g_autoptr(FixtureHost) h = host_new(16384);
	PsZone *z = fixture_host_normal(h);
	PsAllocOutcome out = {0};
	ps_pfn_t pfn;

	fixture_host_add_lru(h, z, 64, PS_FOLIO_FILE, false);
	while ((pfn = ps_rmqueue_smallest(h->m, z, 0, PS_MT_MOVABLE)) != PS_PFN_NONE)
		ps_page_mark_allocated(h->m, z, pfn, 0);
	for (pfn = z->start_pfn; pfn < ps_zone_end_pfn(z); pfn++)
		if ((pfn & 3) != 3 && ps_page_state(h->m, pfn) == PS_PAGE_ALLOCATED &&
		    ps_page_owner(h->m, pfn) == PS_PFN_NONE) {
			z->nr_allocated--;
			ps_buddy_free(h->m, z, pfn, 0, PS_FPI_NONE);
		}
	fixture_host_alloc(h, gfp, 9, PS_NR_FOLIO_KINDS, false, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_FAILED);
	g_assert_cmpuint(h->m->vm_events[PS_COMPACT_STALL], >=, 1);
	g_assert_cmpuint(h->m->vm_events[PS_ALLOCSTALL_NORMAL] +
			     h->m->vm_events[PS_ALLOCSTALL_MOVABLE],
			 ==, stalls);
	g_assert_true(out.direct_reclaim == (stalls > 0));
}

static void test_thp_first_try(void)
{
	check_thp_first_try(PS_GFP_TRANSHUGE | PS_GFP_NORETRY | PS_GFP_THISNODE, 0);
	check_thp_first_try(PS_GFP_TRANSHUGE | PS_GFP_NORETRY, 1);
}

/*
 * A victim not reaped yet holds back only the requests the OOM killer would help
 * (__alloc_pages_may_oom, Linux 6.18): its tests of order > PAGE_ALLOC_COSTLY_ORDER,
 * __GFP_RETRY_MAYFAIL and a missing __GFP_FS come before out_of_memory, and only out_of_memory's
 * select_bad_process aborts at a victim (oom_evaluate_task). The first request kills pid 100 (not
 * the allocating task: reaped after OOM_REAPER_DELAY) and waits for it; while it is pending
 * another order-0 GFP_KERNEL request waits until the same reap, over the zones its zonelist
 * holds; order 4 and __GFP_RETRY_MAYFAIL fail after their reclaim round without waiting. GFP_NOFS
 * gets progress from out_of_memory without a victim test and loops on it in the kernel until the
 * victim's memory is back: the model's request waits for the reap too (without a victim it loops,
 * cut as in /policy/slowpath/no-kill).
 */
static void test_pending_victim(void)
{
	g_autoptr(FixtureHost) h = host_new(16384);
	PsZone *z = fixture_host_normal(h);
	PsAllocOutcome out = {0};
	static const uint64_t nowait[][2] = {
	    {PS_GFP_KERNEL, 4},
	    {PS_GFP_KERNEL | PS_GFP_RETRY_MAYFAIL, 0},
	};

	fixture_host_task(h, 100, 1000, 0);
	fixture_host_task(h, 101, 10, 0);
	fixture_take_to(h->m, z, min_wmark(h) - 1);
	fixture_host_alloc(h, PS_GFP_KERNEL, 0, PS_NR_FOLIO_KINDS, false, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OOM_WAIT);
	g_assert_cmpuint(h->kills, ==, 1);
	g_assert_cmpuint(h->killed, ==, 0);
	g_assert_cmpuint(h->kill_reap_at, ==, ps_engine_now(h->e) + 2000000000ull);

	for (int nofs = 0; nofs < 2; nofs++) {
		memset(&out, 0, sizeof(out));
		fixture_host_alloc(h, nofs ? PS_GFP_NOFS : PS_GFP_KERNEL, 0, PS_NR_FOLIO_KINDS,
				   false, &out);
		g_assert_cmpint(out.result, ==, PS_ALLOC_OOM_WAIT);
		g_assert_cmpuint(out.stall_until, ==, h->kill_reap_at);
		g_assert_cmpuint(out.wait_nodemask, ==, 0);
		g_assert_cmpint(out.wait_highest_zoneidx, ==, PS_ZONE_NORMAL);
		g_assert_cmpuint(h->kills, ==, 1);
	}

	for (size_t i = 0; i < G_N_ELEMENTS(nowait); i++) {
		memset(&out, 0, sizeof(out));
		fixture_host_alloc(h, nowait[i][0], (unsigned)nowait[i][1], PS_NR_FOLIO_KINDS,
				   false, &out);
		g_assert_cmpint(out.result, ==, PS_ALLOC_FAILED);
		g_assert_cmpuint(h->kills, ==, 1);
	}
	g_assert_cmpuint(h->m->vm_events[PS_OOM_KILL], ==, 1);
	fixture_check(h->m);
}

/*
 * Under CONSTRAINT_MEMORY_POLICY a pending victim outside the allocation's domain does not hold it
 * back: oom_evaluate_task passes over a task that oom_cpuset_eligible finds outside the nodemask
 * (mempolicy_in_oom_domain: bound to other nodes only) before its tsk_is_oom_victim test. Two
 * nodes of one Normal zone; pid 10 (5000 pages, bound to node 0) is killed by a request bound to
 * node 0 and is not reaped yet; a request bound to node 1 then kills pid 11 (bound to node 1,
 * bigger than pid 12 with the default policy) instead of waiting for pid 10. The waiting
 * request's outcome names its zones: node 0's, up to Normal.
 */
static void test_pending_victim_domain(void)
{
	PsMachineSpec spec;
	g_autoptr(FixtureHost) h = NULL;
	PsMempolicy bind0 = {.mode = PS_MPOL_BIND, .nodes = 1ull << 0, .il_prev = -1};
	PsMempolicy bind1 = {.mode = PS_MPOL_BIND, .nodes = 1ull << 1, .il_prev = -1};
	PsAllocOutcome out = {0};

	fixture_spec_1node(&spec, 4096, 2);
	spec.nr_nodes = 2;
	spec.cpu_node[1] = 1;
	spec.distance[0][1] = spec.distance[1][0] = 21;
	spec.distance[1][1] = 10;
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 0, 16384, 16384);
	fixture_zone(&spec, 1, PS_ZONE_NORMAL, 16384, 16384, 16384);
	h = fixture_host_new(fixture_machine(&spec), NULL);
	fixture_host_task(h, 10, 5000, 0)->bind_nodes = 1ull << 0;
	fixture_host_task(h, 11, 100, 0)->bind_nodes = 1ull << 1;
	fixture_host_task(h, 12, 50, 0);
	for (int n = 0; n < 2; n++) {
		PsZone *z = ps_machine_zone(h->m, n, PS_ZONE_NORMAL);

		fixture_take_to(h->m, z, (int64_t)ps_wmark_pages(z, PS_WMARK_MIN) - 1);
	}

	ps_alloc_pages(h->m, PS_GFP_KERNEL, 0, 0, &bind0, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OOM_WAIT);
	g_assert_cmpuint(h->kills, ==, 1);
	g_assert_cmpuint(h->killed, ==, 0);
	g_assert_cmpuint(out.wait_nodemask, ==, 1ull << 0);
	g_assert_cmpint(out.wait_highest_zoneidx, ==, PS_ZONE_NORMAL);

	memset(&out, 0, sizeof(out));
	ps_alloc_pages(h->m, PS_GFP_KERNEL, 0, 1, &bind1, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OOM_WAIT);
	g_assert_cmpuint(h->kills, ==, 2);
	g_assert_cmpuint(h->killed, ==, 1);
	g_assert_cmpuint(out.wait_nodemask, ==, 1ull << 1);
	g_assert_cmpuint(h->m->vm_events[PS_OOM_KILL], ==, 2);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/slowpath/reclaim-retry-limit", test_reclaim_retry_limit);
	g_test_add_func("/policy/slowpath/reclaim-retry-estimate", test_reclaim_retry_estimate);
	g_test_add_func("/policy/slowpath/highatomic-before-oom", test_highatomic_before_oom);
	g_test_add_func("/policy/slowpath/compact-retry-success", test_compact_retry_success);
	g_test_add_func("/policy/slowpath/compact-retry-escalation", test_compact_retry_escalation);
	g_test_add_func("/policy/slowpath/compact-retry-skipped", test_compact_retry_skipped);
	g_test_add_func("/policy/slowpath/no-kill", test_no_kill);
	g_test_add_func("/policy/slowpath/victim-allocates", test_victim_allocates);
	g_test_add_func("/policy/slowpath/thp-first-try-no-reclaim", test_thp_first_try);
	g_test_add_func("/policy/slowpath/pending-victim", test_pending_victim);
	g_test_add_func("/policy/slowpath/pending-victim-domain", test_pending_victim_domain);
	return g_test_run();
}
