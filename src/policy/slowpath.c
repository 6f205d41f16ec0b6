// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * slowpath.c - __alloc_pages_slowpath in the 6.18 order, and the policy state it runs with.
 *
 * Mirrors mm/page_alloc.c (kernel-facts §5.3-§5.8): gfp_to_alloc_flags, wake_all_kswapds, the
 * retry at the min watermark, direct compaction first for costly (and non-movable high-order)
 * requests, __gfp_pfmemalloc_flags (__GFP_MEMALLOC -> no watermarks, an OOM victim -> ALLOC_OOM),
 * direct reclaim
 * (__alloc_pages_direct_reclaim with the one-time unreserve_highatomic_pageblock +
 * drain_all_pages), __GFP_NORETRY / __GFP_RETRY_MAYFAIL / __GFP_NOFAIL, should_reclaim_retry with
 * MAX_RECLAIM_RETRIES and the forced highatomic release, and __alloc_pages_may_oom with its
 * conditions (order > 3, __GFP_RETRY_MAYFAIL, __GFP_THISNODE, a highest zone below Normal, no
 * __GFP_FS) after a last attempt at the high watermark.
 *
 * A costly __GFP_NORETRY request with __GFP_THISNODE (alloc_pages_mpol's first THP try on the
 * local node) gives up after its initial compaction, whatever the result: the 6.18 slow path's
 * "THP page faults may attempt local node only first, but are then allowed to only compact, not
 * reclaim" check (a stable-tagged fix, also in 5.15.202). The recording kernel shows it: on
 * ftrace-press-thp-6.18 all 188 direct reclaims are the faults' second tries (GFP_TRANSHUGE), and
 * a first try whose compaction ended COMPACT_COMPLETE failed at once, without reclaim.
 *
 * Simplifications (why acceptable):
 * - Direct compaction (__alloc_pages_direct_compact, should_compact_retry) is in compaction.c;
 *   compaction that is not built (reclaim config "compaction": 0) behaves as !CONFIG_COMPACTION:
 *   gfp_compaction_allowed is false, so neither direct compaction nor should_compact_retry runs.
 * - The allocation is synchronous in simulated time: its slow-path work is returned as latency.
 *   An OOM kill frees the victim's memory only after the reap delay, so another task's request
 *   that out_of_memory finds the victim eligible for (may_oom) returns PS_ALLOC_OOM_WAIT and the
 *   host retries it then — the kernel's allocator loops on "progress" until the same moment.
 *   The victim's own request does not wait: it retries at once with ALLOC_OOM, as the kernel's
 *   does, and the task exits as it returns (oom.c): on qemu-press-oom-64k-6.18 the kernel's hog,
 *   killed in its own allocation after one direct reclaim, freed its memory from 8 ms later.
 * - Loops the kernel never leaves (GFP_NOFS under OOM, __GFP_NOFAIL) are cut after
 *   PS_SLOWPATH_MAX_LOOPS rounds and fail, counted; a real machine would hang there.
 * - No cpusets, so the cpuset retry and ALLOC_CPUSET have no effect.
 */
#include <string.h>

#include "policy/policy-private.h"

#define PS_SLOWPATH_MAX_LOOPS 256

PsPolicy *ps_policy_new(PsMachine *m, PsEngine *e, const PsReclaimConfig *rc, const PsHostOps *host)
{
	PsPolicy *p = g_new0(PsPolicy, 1);

	p->m = m;
	p->e = e;
	p->rc = *rc;
	p->host = *host;
	ps_memcg_init(p);
	ps_kswapd_init(p);
	ps_kcompactd_init(p);
	m->policy = p;
	return p;
}

void ps_policy_free(PsPolicy *p)
{
	if (!p)
		return;
	if (p->m && p->m->policy == p)
		p->m->policy = NULL;
	ps_room_free(&p->fo_room);
	ps_room_free(&p->dirtied_room);
	if (p->start_dirty)
		g_array_free(p->start_dirty, TRUE);
	g_free(p->wb.h);
	g_free(p->wb.at_ns);
	g_free(p->lru);
	g_free(p->memcgs);
	g_free(p->memcg_walk);
	g_free(p->memcg_walk_at);
	g_free(p->memcg_subtree);
	g_free(p->memcg_pgsteal);
	g_free(p);
}

/* gfp_to_alloc_flags */
static unsigned gfp_to_alloc_flags(const PsMachine *m, uint64_t gfp, unsigned order)
{
	unsigned f = PS_ALLOC_WMARK_MIN | PS_ALLOC_CPUSET;

	if (gfp & PS_GFP_HIGH)
		f |= PS_ALLOC_MIN_RESERVE;
	if (gfp & PS_GFP_KSWAPD_RECLAIM)
		f |= PS_ALLOC_KSWAPD;
	if (!(gfp & PS_GFP_DIRECT_RECLAIM)) {
		if (!(gfp & PS_GFP_NOMEMALLOC)) {
			f |= PS_ALLOC_NON_BLOCK;
			if (order > 0)
				f |= PS_ALLOC_HIGHATOMIC;
		}
		if (f & PS_ALLOC_MIN_RESERVE)
			f &= ~(unsigned)PS_ALLOC_CPUSET;
	}
	if (m->sysctl.defrag_mode)
		f |= PS_ALLOC_NOFRAGMENT;
	return f;
}

/* tsk_is_oom_victim(current) */
static bool current_is_oom_victim(const PsPolicy *p)
{
	return p->host.current_is_oom_victim && p->host.current_is_oom_victim(p->host.data);
}

/*
 * __gfp_pfmemalloc_flags: the reserves a request may use. __GFP_NOMEMALLOC none; __GFP_MEMALLOC
 * no watermarks; an OOM victim ALLOC_OOM (half the min watermark). No task here runs with
 * PF_MEMALLOC (reclaim allocates nothing) and no allocation is told apart as in an interrupt.
 */
static unsigned gfp_pfmemalloc_flags(const PsPolicy *p, uint64_t gfp)
{
	if (gfp & PS_GFP_NOMEMALLOC)
		return 0;
	if (gfp & PS_GFP_MEMALLOC)
		return PS_ALLOC_NO_WATERMARKS;
	if (current_is_oom_victim(p))
		return PS_ALLOC_OOM;
	return 0;
}

static bool zone_usable(const PsZone *z, const PsAllocContext *ac)
{
	return (int)z->type <= (int)ac->highest_zoneidx &&
	       (!ac->nodemask || (ac->nodemask & (1ull << z->node)));
}

/* wake_all_kswapds: once per node of the zonelist. */
static void wake_all_kswapds(PsMachine *m, const PsAllocContext *ac)
{
	bool seen[PS_MAX_NODES] = {false};
	unsigned order = m->sysctl.defrag_mode ? MAX(ac->order, m->pageblock_order) : ac->order;

	for (int i = 0; i < ac->zonelist->nr; i++) {
		PsZone *z = &m->zones[ac->zonelist->zones[i]];

		if (!zone_usable(z, ac) || seen[z->node])
			continue;
		seen[z->node] = true;
		ps_wakeup_kswapd(m, z, ac->gfp, order, ac->highest_zoneidx, ac->cpu);
	}
}

static bool unreserve_highatomic(PsMachine *m, const PsAllocContext *ac, bool force)
{
	for (int i = 0; i < ac->zonelist->nr; i++) {
		PsZone *z = &m->zones[ac->zonelist->zones[i]];

		if (zone_usable(z, ac) &&
		    ps_unreserve_highatomic_pageblock(m, z, ac->migratetype, force))
			return true;
	}
	return false;
}

/* should_reclaim_retry */
static bool should_reclaim_retry(PsPolicy *p, const PsAllocContext *ac, unsigned alloc_flags,
				 bool progress, int *no_progress_loops)
{
	PsMachine *m = p->m;

	if (progress && ac->order <= PS_PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops <= PS_MAX_RECLAIM_RETRIES) {
		for (int i = 0; i < ac->zonelist->nr; i++) {
			PsZone *z = &m->zones[ac->zonelist->zones[i]];
			int64_t available;

			if (!zone_usable(z, ac) || !ps_zone_populated(z))
				continue;
			available =
			    z->vm_stat[PS_NR_FREE_PAGES] + (int64_t)ps_zone_reclaimable_pages(p, z);
			if (ps_zone_watermark_ok(m, z, ac->order, ps_wmark_pages(z, PS_WMARK_MIN),
						 ac->highest_zoneidx, alloc_flags, available))
				return true;
		}
	}
	/* Giving up, for either reason: exhaust the highatomic reserve before OOM (6.7+). */
	return unreserve_highatomic(m, ac, true);
}

enum oom_result { OOM_NO_PROGRESS, OOM_PROGRESS, OOM_WAIT };

/*
 * __alloc_pages_may_oom. A victim not yet reaped makes the request wait only through
 * out_of_memory: select_bad_process aborts the scan at a victim it finds eligible
 * (oom_evaluate_task passes over the tasks outside the allocation's OOM domain before its
 * tsk_is_oom_victim test), after the last try at the high mark and the tests that skip the
 * killer (Linux 6.18 mm/page_alloc.c __alloc_pages_may_oom, mm/oom_kill.c oom_evaluate_task).
 * So a request the killer would not help (a costly order, __GFP_RETRY_MAYFAIL or
 * __GFP_THISNODE) does not wait for a victim, and one whose domain excludes the victim kills an
 * eligible task of its own. A request without __GFP_FS gets progress from out_of_memory before
 * any victim test and loops on it; the model's synchronous loop cannot let time pass, so it waits
 * for a pending victim's memory instead (without one it loops, cut at PS_SLOWPATH_MAX_LOOPS).
 */
static enum oom_result may_oom(PsPolicy *p, PsAllocContext *ac, PsAllocOutcome *out, ps_pfn_t *pfn)
{
	PsMachine *m = p->m;
	uint64_t now = ps_engine_now(p->e), wait = 0;
	PsAllocContext last = *ac;

	/* A last try at the high mark catches memory a parallel kill just freed. */
	last.gfp = (ac->gfp | PS_GFP_HARDWALL) & ~PS_GFP_DIRECT_RECLAIM;
	*pfn = ps_get_page_from_freelist(m, &last, PS_ALLOC_WMARK_HIGH | PS_ALLOC_CPUSET, out);
	if (*pfn != PS_PFN_NONE)
		return OOM_PROGRESS;
	if (ac->order > PS_PAGE_ALLOC_COSTLY_ORDER)
		return OOM_NO_PROGRESS;
	if (ac->gfp & (PS_GFP_RETRY_MAYFAIL | PS_GFP_THISNODE))
		return OOM_NO_PROGRESS;
	if (ac->highest_zoneidx < PS_ZONE_NORMAL)
		return OOM_NO_PROGRESS;
	/*
	 * No __GFP_FS: out_of_memory reports progress without killing, and the kernel's request
	 * loops on it in real time; while a victim's memory is still to come back it waits for it.
	 */
	if (!(ac->gfp & PS_GFP_FS)) {
		if (p->oom_victim_until <= now)
			return OOM_PROGRESS;
		out->stall_until = p->oom_victim_until;
		out->wait_nodemask = ac->nodemask;
		out->wait_highest_zoneidx = ac->highest_zoneidx;
		return OOM_WAIT;
	}
	if (!ps_out_of_memory(p, ac, &wait))
		return OOM_NO_PROGRESS;
	if (wait > now) {
		out->stall_until = wait;
		out->wait_nodemask = ac->nodemask;
		out->wait_highest_zoneidx = ac->highest_zoneidx;
		return OOM_WAIT;
	}
	return OOM_PROGRESS;
}

/*
 * __alloc_pages_direct_reclaim: try_to_free_pages, then the free lists; when that fails the first
 * time in an allocation, the highatomic reserves go and the pcp lists are drained before a retry.
 */
static ps_pfn_t alloc_direct_reclaim(PsMachine *m, PsAllocContext *ac, unsigned alloc_flags,
				     PsAllocOutcome *out, bool *drained, uint64_t *reclaimed)
{
	ps_pfn_t pfn;

	*reclaimed = ps_try_to_free_pages(ps_policy_of(m), ac, &out->slow_ns);
	out->direct_reclaim = true;
	out->reclaimed += *reclaimed;
	if (!*reclaimed)
		return PS_PFN_NONE;
	pfn = ps_get_page_from_freelist(m, ac, alloc_flags, out);
	if (pfn == PS_PFN_NONE && !*drained) {
		unreserve_highatomic(m, ac, false);
		ps_pcp_drain_all(m, NULL);
		*drained = true;
		pfn = ps_get_page_from_freelist(m, ac, alloc_flags, out);
	}
	return pfn;
}

ps_pfn_t ps_alloc_slowpath(PsMachine *m, PsAllocContext *ac, PsAllocOutcome *out)
{
	PsPolicy *p = ps_policy_of(m);
	uint64_t gfp = ac->gfp;
	bool can_direct_reclaim = gfp & PS_GFP_DIRECT_RECLAIM;
	bool costly = ac->order > PS_PAGE_ALLOC_COSTLY_ORDER;
	/* gfp_compaction_allowed: CONFIG_COMPACTION and __GFP_IO. */
	bool can_compact = p->rc.compaction && (gfp & PS_GFP_IO);
	unsigned alloc_flags = gfp_to_alloc_flags(m, gfp, ac->order);
	enum ps_compact_priority compact_priority = PS_COMPACT_PRIO_SYNC_LIGHT;
	enum ps_compact_result compact_result = PS_COMPACT_RES_SKIPPED;
	int no_progress_loops = 0, compaction_retries = 0;
	unsigned reserve_flags;
	enum oom_result oom;
	bool drained = false;
	ps_pfn_t pfn;

	if (alloc_flags & PS_ALLOC_KSWAPD)
		wake_all_kswapds(m, ac);
	pfn = ps_get_page_from_freelist(m, ac, alloc_flags, out);
	if (pfn != PS_PFN_NONE)
		goto got;

	/* Costly and non-movable high-order requests try (async) compaction before reclaim. */
	if (can_direct_reclaim && can_compact &&
	    (costly || (ac->order > 0 && ac->migratetype != PS_MT_MOVABLE)) &&
	    !gfp_pfmemalloc_flags(p, gfp)) {
		pfn = ps_alloc_direct_compact(m, ac, alloc_flags, PS_COMPACT_PRIO_ASYNC,
					      &compact_result, out);
		if (pfn != PS_PFN_NONE)
			goto got;
		if (costly && (gfp & PS_GFP_NORETRY)) {
			/* THP-like requests: give up if compaction could not even start. */
			if (compact_result == PS_COMPACT_RES_SKIPPED ||
			    compact_result == PS_COMPACT_RES_DEFERRED)
				goto nopage;
			/*
			 * A THP fault's first try on its node (alloc_pages_mpol) may only
			 * compact, never reclaim.
			 */
			if (gfp & PS_GFP_THISNODE)
				goto nopage;
			/* Stay async: sync compaction is too expensive for these. */
			compact_priority = PS_COMPACT_PRIO_ASYNC;
		}
	}

retry:
	if (++out->slow_loops > PS_SLOWPATH_MAX_LOOPS)
		goto nopage;
	if (alloc_flags & PS_ALLOC_KSWAPD)
		wake_all_kswapds(m, ac);
	reserve_flags = gfp_pfmemalloc_flags(p, gfp);
	if (reserve_flags)
		alloc_flags = reserve_flags | (alloc_flags & PS_ALLOC_KSWAPD);
	pfn = ps_get_page_from_freelist(m, ac, alloc_flags, out);
	if (pfn != PS_PFN_NONE)
		goto got;
	if (!can_direct_reclaim)
		goto nopage;

	{
		uint64_t reclaimed;

		pfn = alloc_direct_reclaim(m, ac, alloc_flags, out, &drained, &reclaimed);
		if (pfn != PS_PFN_NONE)
			goto got;

		if (can_compact) {
			pfn = ps_alloc_direct_compact(m, ac, alloc_flags, compact_priority,
						      &compact_result, out);
			if (pfn != PS_PFN_NONE)
				goto got;
		}
		if (gfp & PS_GFP_NORETRY)
			goto nopage;
		if (costly && (!can_compact || !(gfp & PS_GFP_RETRY_MAYFAIL)))
			goto nopage;
		if (should_reclaim_retry(p, ac, alloc_flags, reclaimed > 0, &no_progress_loops))
			goto retry;
		if (reclaimed && can_compact &&
		    ps_should_compact_retry(p, ac, alloc_flags, compact_result, &compact_priority,
					    &compaction_retries))
			goto retry;
	}

	oom = may_oom(p, ac, out, &pfn);
	if (oom == OOM_PROGRESS && pfn != PS_PFN_NONE)
		goto got;
	if (current_is_oom_victim(p)) {
		/* "Avoid allocations with no watermarks from looping endlessly": it gives up. */
		if ((alloc_flags & PS_ALLOC_OOM) || (gfp & PS_GFP_NOMEMALLOC))
			goto nopage;
		/*
		 * The killer chose this task: it does not wait for its own memory but retries at
		 * once, with ALLOC_OOM, and exits on its way back to user space. Only where the
		 * killer made progress: without it the kernel goes to nopage.
		 */
		if (oom == OOM_WAIT)
			oom = OOM_PROGRESS;
	}
	switch (oom) {
	case OOM_WAIT:
		out->result = PS_ALLOC_OOM_WAIT;
		out->path = out->direct_reclaim ? PS_PATH_RECLAIM : PS_PATH_SLOW;
		return PS_PFN_NONE;
	case OOM_PROGRESS:
		no_progress_loops = 0;
		goto retry;
	case OOM_NO_PROGRESS:
		break;
	}

nopage:
	if ((gfp & PS_GFP_NOFAIL) && can_direct_reclaim &&
	    out->slow_loops <= PS_SLOWPATH_MAX_LOOPS) {
		/* __alloc_pages_cpuset_fallback with ALLOC_MIN_RESERVE, then loop. */
		pfn = ps_get_page_from_freelist(m, ac, PS_ALLOC_WMARK_MIN | PS_ALLOC_MIN_RESERVE,
						out);
		if (pfn != PS_PFN_NONE)
			goto got;
		goto retry;
	}
	out->result = PS_ALLOC_FAILED;
	out->path = out->direct_reclaim ? PS_PATH_RECLAIM : PS_PATH_SLOW;
	return PS_PFN_NONE;

got:
	out->result = PS_ALLOC_OK;
	if (out->path != PS_PATH_COMPACTION)
		out->path = out->direct_reclaim ? PS_PATH_RECLAIM : PS_PATH_SLOW;
	return pfn;
}
