// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alloc.c - the allocation fast path (the free path is ps_free_pages in policy.h).
 *
 * Mirrors mm/page_alloc.c of Linux 6.18 (kernel-facts §4.5, §5.1, §5.2): __alloc_pages
 * (prepare_alloc_pages, alloc_flags_nofragment, get_page_from_freelist with the ZONE_BELOW_HIGH
 * check at the high watermark, zone_watermark_fast, __zone_watermark_ok,
 * __zone_watermark_unusable_free, node_reclaim_enabled / zone_allows_reclaim / node_reclaim for a
 * zone short of its mark (reclaim.c: ps_node_reclaim), rmqueue, zone_statistics,
 * reserve_highatomic_pageblock after a high-atomic success), alloc_pages_mpol of mm/mempolicy.c
 * (the interleave index of a fault in a VMA, zonelist.c; NUMA_INTERLEAVE_HIT when an
 * interleaved page is on the node interleave chose; a vma's PMD-order folio tried on its node
 * with __GFP_THISNODE | __GFP_NORETRY first). The free path (__free_pages / free_frozen_pages:
 * pcp for pcp orders, the buddy otherwise) is ps_free_pages, always inline in policy.h.
 *
 * Simplifications (why acceptable):
 * - No cpusets, no memcg charging, no dirty-page spreading (node_dirty_ok: __GFP_WRITE is
 *   recorded but not acted on, because the model has no dirty limits to spread against - its
 *   writeback is time-based, see reclaim.c), no unaccepted memory. Deferred-init memory only
 *   where a config declares it (zone key "deferred"): see deferred_grow_zone below.
 * - When the fast path fails the outcome says so (PS_ALLOC_NEED_SLOWPATH); the slow path is its
 *   own module.
 */
#include <string.h>

#include "policy/policy-private.h"

const char *const ps_alloc_path_names[PS_NR_ALLOC_PATHS] = {
    "pcp", "buddy", "slow", "reclaim", "compaction",
};

bool ps_zone_watermark_ok(const PsMachine *m, const PsZone *z, unsigned order, uint64_t mark,
			  int highest_zoneidx, unsigned alloc_flags, int64_t free_pages)
{
	int64_t min = (int64_t)mark;

	free_pages -= ps_zone_watermark_unusable_free(z, order, alloc_flags);
	if (alloc_flags & PS_ALLOC_RESERVES) {
		/* __GFP_HIGH may use half of min; non-blocking callers a further quarter. */
		if (alloc_flags & PS_ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & PS_ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		/* OOM victims are about to free memory: let them go deeper. */
		if (alloc_flags & PS_ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	/* A high-order request also needs a block of at least that order. */
	for (unsigned o = order; o < m->nr_orders; o++) {
		const PsFreeArea *area = &z->free_area[o];

		if (!area->nr_free)
			continue;
		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
			if (area->list[mt].head != PS_PFN_NONE)
				return true;
		if ((alloc_flags & (PS_ALLOC_HIGHATOMIC | PS_ALLOC_OOM)) &&
		    area->list[PS_MT_HIGHATOMIC].head != PS_PFN_NONE)
			return true;
	}
	return false;
}

/* zone_watermark_fast, inline as in the kernel: get_page_from_freelist checks it per zone. */
static inline bool zone_watermark_fast(const PsMachine *m, const PsZone *z, unsigned order,
				       uint64_t mark, int highest_zoneidx, unsigned alloc_flags,
				       uint64_t gfp)
{
	int64_t free_pages = z->vm_stat[PS_NR_FREE_PAGES];

	if (!order) {
		int64_t usable = free_pages;
		int64_t reserved = ps_zone_watermark_unusable_free(z, 0, alloc_flags);

		usable -= MIN(usable, reserved);
		if (usable > (int64_t)mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	if (ps_zone_watermark_ok(m, z, order, mark, highest_zoneidx, alloc_flags, free_pages))
		return true;
	/* __GFP_HIGH order-0 requests at the min mark ignore the boost. */
	if (!order && (alloc_flags & PS_ALLOC_MIN_RESERVE) && z->watermark_boost &&
	    (alloc_flags & PS_ALLOC_WMARK_MASK) == PS_ALLOC_WMARK_MIN)
		return ps_zone_watermark_ok(m, z, order, z->wmark[PS_WMARK_MIN], highest_zoneidx,
					    alloc_flags, free_pages);
	return false;
}

bool ps_zone_watermark_fast(const PsMachine *m, const PsZone *z, unsigned order, uint64_t mark,
			    int highest_zoneidx, unsigned alloc_flags, uint64_t gfp)
{
	return zone_watermark_fast(m, z, order, mark, highest_zoneidx, alloc_flags, gfp);
}

static bool zone_usable(const PsZone *z, const PsAllocContext *ac)
{
	if ((int)z->type > (int)ac->highest_zoneidx)
		return false;
	if (ac->nodemask && !(ac->nodemask & (1ull << z->node)))
		return false;
	return true;
}

/* rmqueue: pcp for pcp orders, then the buddy; wake-kswapd on a boosted zone is recorded. */
G_ALWAYS_INLINE static inline ps_pfn_t rmqueue(PsMachine *m, PsZone *preferred, PsZone *z,
					       const PsAllocContext *ac, unsigned alloc_flags,
					       PsAllocOutcome *out)
{
	ps_pfn_t pfn = PS_PFN_NONE;
	uint64_t refills = m->pcp_refills_total, refill_pages = m->pcp_refill_pages_total;
	uint64_t splits = m->split_levels_total;

	if (ps_pcp_allowed_order(m, ac->order)) {
		pfn = ps_rmqueue_pcplist(m, z, ac->cpu, ac->order, ac->migratetype, alloc_flags);
		if (pfn != PS_PFN_NONE)
			out->path = PS_PATH_PCP;
	}
	if (pfn == PS_PFN_NONE) {
		pfn = ps_rmqueue_buddy(m, z, ac->order, ac->migratetype, alloc_flags);
		out->path = PS_PATH_BUDDY;
	}
	out->pcp_refill = m->pcp_refills_total != refills;
	out->refill_pages = (unsigned)(m->pcp_refill_pages_total - refill_pages);
	out->split_levels = (unsigned)(m->split_levels_total - splits);
	if (pfn != PS_PFN_NONE) {
		ps_zone_statistics(m, preferred, z, ac->cpu);
		ps_pcp_mark_cpu_active(m, ac->cpu);
	}
	/* A fragmenting fallback boosted the zone: kswapd reclaims the boost now. */
	ps_rmqueue_boost_wake(m, z, alloc_flags, ac->cpu);
	return pfn;
}

/*
 * _deferred_grow_zone, where get_page_from_freelist calls it: a zone with deferred pages grows by
 * sections (ps_deferred_grow_zone) and the caller goes to try_this_zone without checking the
 * watermark again. After a growth the per-zone tunables follow the new managed count
 * (ps_init_per_zone_tunables: min_free_kbytes, watermarks, lowmem reserves, pcp limits). That
 * is what the deferred_init=lazy kernel of this machine kind does (kernel-facts §0.1: both states
 * observed reproduce exactly, §11). Upstream 6.18's deferred_grow_zone recomputes nothing: it
 * only runs before page_alloc_init_late() has the pgdatinit threads initialise the rest and
 * disables the deferred_pages static key, and init_per_zone_wmark_min (an initcall after that,
 * unverified ordering) then computes the tunables on the whole zone; a model run never sees that
 * boot window, so following managed is the one behaviour both kernels show to an allocation.
 */
static bool deferred_grow_zone(PsMachine *m, PsZone *z, unsigned order)
{
	uint64_t grown;

	if (z->first_deferred_pfn == PS_PFN_NONE)
		return false;
	if (!ps_deferred_grow_zone(m, z, order, &grown))
		return false;
	if (grown)
		ps_init_per_zone_tunables(m);
	return true;
}

/*
 * get_page_from_freelist. Inline into alloc_once, which every allocation runs (its order and
 * nodemask are constants there for an order-0 request without a mempolicy, the common case);
 * ps_get_page_from_freelist is the out-of-line copy for the slow path and compaction.
 */
G_ALWAYS_INLINE static inline ps_pfn_t get_page_from_freelist(PsMachine *m,
							      const PsAllocContext *ac,
							      unsigned alloc_flags,
							      PsAllocOutcome *out)
{
	PsZone *preferred;
	ps_pfn_t pfn;

	if (ac->preferred_zone < 0)
		return PS_PFN_NONE;
	preferred = &m->zones[ac->preferred_zone];
retry:
	for (int i = 0; i < ac->zonelist->nr; i++) {
		PsZone *z = &m->zones[ac->zonelist->zones[i]];
		bool no_fallback = alloc_flags & PS_ALLOC_NOFRAGMENT;
		uint64_t mark;

		if (!zone_usable(z, ac))
			continue;
		out->zones_tried++;
		/* Locality beats fragmentation avoidance: going remote drops NOFRAGMENT. */
		if (no_fallback && m->nr_nodes > 1 && z != preferred &&
		    z->node != preferred->node) {
			alloc_flags &= ~(unsigned)PS_ALLOC_NOFRAGMENT;
			goto retry;
		}
		if (!(z->flags & PS_ZONE_BELOW_HIGH)) {
			mark = ps_wmark_pages(z, PS_WMARK_HIGH);
			if (zone_watermark_fast(m, z, ac->order, mark, ac->highest_zoneidx,
						alloc_flags, ac->gfp))
				goto try_this_zone;
			z->flags |= PS_ZONE_BELOW_HIGH;
		}
		mark = ps_wmark_pages(z, (enum ps_wmark)(alloc_flags & PS_ALLOC_WMARK_MASK));
		if (!zone_watermark_fast(m, z, ac->order, mark, ac->highest_zoneidx, alloc_flags,
					 ac->gfp)) {
			/* Watermark failed: grow the zone if it has deferred pages. */
			if (deferred_grow_zone(m, z, ac->order))
				goto try_this_zone;
			if (alloc_flags & PS_ALLOC_NO_WATERMARKS)
				goto try_this_zone;
			/* node_reclaim_enabled, zone_allows_reclaim (RECLAIM_DISTANCE) */
			if (!(m->sysctl.zone_reclaim_mode &
			      (PS_RECLAIM_ZONE | PS_RECLAIM_WRITE | PS_RECLAIM_UNMAP)) ||
			    !m->policy ||
			    m->spec.distance[preferred->node][z->node] > PS_RECLAIM_DISTANCE)
				continue;
			switch (ps_node_reclaim(ps_policy_of(m), z->node, ac)) {
			case PS_NODE_RECLAIM_NOSCAN:
			case PS_NODE_RECLAIM_FULL:
				continue;
			default:
				/* did we reclaim enough */
				if (ps_zone_watermark_ok(m, z, ac->order, mark, ac->highest_zoneidx,
							 alloc_flags, z->vm_stat[PS_NR_FREE_PAGES]))
					goto try_this_zone;
				continue;
			}
		}
	try_this_zone:
		pfn = rmqueue(m, preferred, z, ac, alloc_flags, out);
		if (pfn != PS_PFN_NONE) {
			out->zone = z->idx;
			if (alloc_flags & PS_ALLOC_HIGHATOMIC)
				ps_reserve_highatomic_pageblock(m, z, pfn, ac->order);
			return pfn;
		}
		/* Try again if zone has deferred pages */
		if (deferred_grow_zone(m, z, ac->order))
			goto try_this_zone;
	}
	/* A single node can run out of unfragmented zones: try again allowing fallbacks. */
	if (alloc_flags & PS_ALLOC_NOFRAGMENT) {
		alloc_flags &= ~(unsigned)PS_ALLOC_NOFRAGMENT;
		goto retry;
	}
	return PS_PFN_NONE;
}

ps_pfn_t ps_get_page_from_freelist(PsMachine *m, const PsAllocContext *ac, unsigned alloc_flags,
				   PsAllocOutcome *out)
{
	return get_page_from_freelist(m, ac, alloc_flags, out);
}

/* prepare_alloc_pages */
G_ALWAYS_INLINE static inline bool prepare_alloc_pages(PsMachine *m, uint64_t gfp, unsigned order,
						       int cpu, int preferred_nid,
						       uint64_t nodemask, PsAllocContext *ac)
{
	const PsNode *node = &m->nodes[preferred_nid];

	ac->gfp = gfp;
	ac->order = order;
	ac->cpu = cpu;
	ac->preferred_nid = preferred_nid;
	ac->nodemask = nodemask;
	ac->highest_zoneidx = ps_gfp_zone(gfp);
	if (ac->highest_zoneidx >= PS_MAX_NR_ZONES)
		return false;
	ac->migratetype =
	    m->sysctl.page_group_by_mobility_disabled ? PS_MT_UNMOVABLE : ps_gfp_migratetype(gfp);
	ac->zonelist =
	    (gfp & PS_GFP_THISNODE) ? &node->zonelist_nofallback : &node->zonelist_fallback;
	ac->spread_dirty_pages = gfp & PS_GFP_WRITE;
	/* first_zones_zonelist */
	ac->preferred_zone = -1;
	for (int i = 0; i < ac->zonelist->nr; i++) {
		const PsZone *z = &m->zones[ac->zonelist->zones[i]];

		if (zone_usable(z, ac)) {
			ac->preferred_zone = z->idx;
			break;
		}
	}
	return true;
}

G_ALWAYS_INLINE static inline void alloc_once(PsMachine *m, uint64_t gfp, unsigned order, int cpu,
					      int nid, uint64_t nodemask, PsAllocOutcome *out)
{
	PsAllocContext ac;
	unsigned alloc_flags = PS_ALLOC_WMARK_LOW;
	ps_pfn_t pfn;

	if (!prepare_alloc_pages(m, gfp, order, cpu, nid, nodemask, &ac)) {
		out->result = PS_ALLOC_INVALID;
		return;
	}
	/* No fragmenting fallbacks on the first pass until every local zone was tried. */
	alloc_flags |= ps_alloc_flags_nofragment(
	    m, ac.preferred_zone >= 0 ? &m->zones[ac.preferred_zone] : NULL, gfp);
	pfn = get_page_from_freelist(m, &ac, alloc_flags, out);
	if (pfn == PS_PFN_NONE) {
		if (!m->policy) {
			out->result = PS_ALLOC_NEED_SLOWPATH;
			return;
		}
		pfn = ps_alloc_slowpath(m, &ac, out);
		if (pfn == PS_PFN_NONE)
			return;
	}
	out->result = PS_ALLOC_OK;
	out->pfn = pfn;
	/*
	 * Pages bound for the LRU look movable to the pageblock claim heuristic and can be
	 * migrated by compaction. Decided by the GFP flags, not ac.migratetype: with grouping by
	 * mobility off every request has the UNMOVABLE type, but LRU pages still migrate.
	 */
	ps_page_set_movable(m, pfn, ps_gfp_migratetype(gfp) == PS_MT_MOVABLE);
}

void ps_alloc_pages(PsMachine *m, uint64_t gfp, unsigned order, int cpu, PsMempolicy *pol,
		    PsAllocOutcome *out)
{
	ps_alloc_pages_ilx(m, gfp, order, cpu, pol, PS_NO_INTERLEAVE_INDEX, out);
}

void ps_alloc_pages_ilx(PsMachine *m, uint64_t gfp, unsigned order, int cpu, PsMempolicy *pol,
			uint64_t ilx, PsAllocOutcome *out)
{
	int local_nid = m->spec.cpu_node[cpu];
	uint64_t nodemask = 0;
	int nid = local_nid;

	memset(out, 0, sizeof(*out));
	out->pfn = PS_PFN_NONE;
	out->zone = -1;
	if (order > m->max_order) {
		out->result = PS_ALLOC_INVALID;
		return;
	}
	if (!pol && !order) {
		/* a fault's or a slab page's request: alloc_once with constant order and mask */
		int zone;
		ps_pfn_t pfn = ps_alloc_pcp_hit(m, gfp, cpu, &zone);

		if (pfn != PS_PFN_NONE) {
			ps_alloc_pcp_hit_outcome(out, pfn, zone);
			return;
		}
		alloc_once(m, gfp, 0, cpu, nid, 0, out);
		return;
	}
	if (pol)
		nid = ps_mempolicy_node_ilx(m, pol, local_nid, gfp, ilx, &nodemask);
	if (pol && pol->mode == PS_MPOL_PREFERRED_MANY) {
		/* First pass within the mask without direct reclaim or nofail, then anywhere. */
		alloc_once(m, (gfp & ~(PS_GFP_DIRECT_RECLAIM | PS_GFP_NOFAIL)) | PS_GFP_NOWARN,
			   order, cpu, nid, nodemask, out);
		if (out->result == PS_ALLOC_OK)
			return;
		nodemask = 0;
	}
	alloc_once(m, gfp, order, cpu, nid, nodemask, out);
	/*
	 * alloc_pages_mpol: an interleaved allocation that landed on the node interleave chose
	 * counts NUMA_INTERLEAVE_HIT on the page's zone; one that fell back to another node does
	 * not.
	 */
	if (pol && (pol->mode == PS_MPOL_INTERLEAVE || pol->mode == PS_MPOL_WEIGHTED_INTERLEAVE) &&
	    out->result == PS_ALLOC_OK) {
		PsZone *z = ps_pfn_zone(m, out->pfn);

		if (z->node == nid)
			z->numa_stat[PS_NUMA_INTERLEAVE_HIT]++;
	}
}

/*
 * alloc_pages_mpol with an interleave index (vma_alloc_folio): a PMD-order request under a policy
 * that is neither interleave nor preferred-many, whose node the nodemask allows, first tries that
 * node alone with __GFP_THISNODE | __GFP_NORETRY ("don't reclaim unnecessarily, just compact"),
 * and only when that fails and the mask may direct-reclaim, the request as asked. The outcome
 * carries both attempts' slow-path work.
 */
void ps_vma_alloc_pages(PsMachine *m, uint64_t gfp, unsigned order, int cpu, PsMempolicy *pol,
			uint64_t ilx, PsAllocOutcome *out)
{
	PsAllocOutcome first;
	uint64_t nodemask = 0;
	int nid = m->spec.cpu_node[cpu];

	if (!order || order != m->spec.thp_order || order > m->max_order ||
	    (pol && (pol->mode == PS_MPOL_INTERLEAVE || pol->mode == PS_MPOL_WEIGHTED_INTERLEAVE ||
		     pol->mode == PS_MPOL_PREFERRED_MANY))) {
		ps_alloc_pages_ilx(m, gfp, order, cpu, pol, ilx, out);
		return;
	}
	if (pol)
		nid = ps_mempolicy_node(m, pol, nid, gfp, &nodemask);
	if (nodemask && !(nodemask & (1ull << nid))) {
		ps_alloc_pages_ilx(m, gfp, order, cpu, pol, ilx, out);
		return;
	}
	memset(&first, 0, sizeof(first));
	first.pfn = PS_PFN_NONE;
	first.zone = -1;
	alloc_once(m, gfp | PS_GFP_THISNODE | PS_GFP_NORETRY, order, cpu, nid, 0, &first);
	if (first.result == PS_ALLOC_OK || first.result == PS_ALLOC_OOM_WAIT ||
	    !(gfp & PS_GFP_DIRECT_RECLAIM)) {
		*out = first;
		return;
	}
	/* the second attempt's compaction runs begin after the first attempt's slow path */
	if (ps_policy_of(m))
		ps_policy_of(m)->slow_ns_before = first.slow_ns;
	ps_alloc_pages_ilx(m, gfp, order, cpu, pol, ilx, out);
	if (ps_policy_of(m))
		ps_policy_of(m)->slow_ns_before = 0;
	out->slow_ns += first.slow_ns;
	out->reclaimed += first.reclaimed;
	out->slow_loops += first.slow_loops;
	out->direct_reclaim |= first.direct_reclaim;
	out->direct_compact |= first.direct_compact;
	out->zones_tried += first.zones_tried;
}
