// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cost.c - the cost model: what each step of the allocator, reclaim, compaction and the fault
 * path costs in simulated nanoseconds. Every charge of a run comes from here, under the name of
 * the kernel function whose work it stands for, so that a question like "what does zeroing cost
 * on 64 KiB pages" has one answer.
 *
 * Simplifications (why acceptable): a step costs a fixed figure per call plus one per page or
 * KiB, from the config; cache misses, lock contention and TLB effects are folded into those
 * figures. The model is for comparing configurations on one trace, where such effects largely
 * cancel; the figures' sources are in configs/README.md ("costs", "reclaim").
 */
#include "policy/policy.h"

uint64_t ps_cost_clear_highpage(const PsCosts *c, uint32_t page_size, unsigned order)
{
	return c->clear_kib_ns * (((uint64_t)page_size << order) >> 10);
}

/* rmqueue_pcplist: a hit, and rmqueue_bulk's refill under zone->lock when the list was empty. */
static uint64_t rmqueue_pcplist(const PsCosts *c, const PsAllocOutcome *o)
{
	uint64_t ns = c->pcp_hit_ns;

	if (o->pcp_refill)
		ns += c->zone_lock_ns + o->refill_pages * c->pcp_refill_page_ns;
	return ns;
}

uint64_t ps_cost_alloc_pages(const PsCosts *c, const PsAllocOutcome *o, uint64_t gfp,
			     uint32_t page_size, unsigned order)
{
	/* prepare_alloc_pages and the first zone; get_page_from_freelist's further zones */
	uint64_t ns = c->fast_path_ns;

	if (o->zones_tried > 1)
		ns += (o->zones_tried - 1) * c->zone_step_ns;
	if (o->result != PS_ALLOC_OK)
		return ns;
	/* rmqueue_pcplist, or rmqueue_buddy under zone->lock */
	ns += o->path == PS_PATH_PCP ? rmqueue_pcplist(c, o) : c->zone_lock_ns;
	/* __rmqueue_smallest's expand(), per level split */
	ns += o->split_levels * c->buddy_split_ns;
	if (gfp & PS_GFP_ZERO)
		ns += ps_cost_clear_highpage(c, page_size, order);
	return ns;
}

uint64_t ps_cost_free_pages(const PsCosts *c, uint64_t merged_pages)
{
	uint64_t ns = c->free_pcp_ns;

	if (merged_pages)
		ns += c->zone_lock_ns + merged_pages * c->free_buddy_page_ns;
	return ns;
}

uint64_t ps_cost_handle_mm_fault(const PsCosts *c)
{
	return c->fault_ns;
}

uint64_t ps_cost_do_swap_page(const PsReclaimConfig *rc, uint64_t pages)
{
	return pages * rc->swapin_page_ns;
}

uint64_t ps_cost_isolate_lru_folios(const PsReclaimConfig *rc, uint64_t pages)
{
	return pages * rc->scan_page_ns;
}

uint64_t ps_cost_shrink_folio_list(const PsReclaimConfig *rc, uint64_t pages)
{
	return pages * rc->reclaim_page_ns;
}

uint64_t ps_cost_pageout(const PsReclaimConfig *rc, uint64_t pages)
{
	return pages * rc->swapout_page_ns;
}

uint64_t ps_cost_isolate_pages_block(const PsReclaimConfig *rc, uint64_t scanned, uint64_t isolated)
{
	return scanned * rc->compact_scan_page_ns + isolated * rc->compact_isolate_page_ns;
}

uint64_t ps_cost_balance_pgdat_slice(uint64_t work_ns)
{
	/*
	 * A slice that found nothing to do still took the wakeup and balance_pgdat's pass over the
	 * zones: 1 us, which also keeps a kswapd with no work from rescheduling itself at the same
	 * instant.
	 */
	return MAX(work_ns, 1000u);
}

uint64_t ps_cost_migrate_pages(const PsReclaimConfig *rc, uint32_t page_size, uint64_t pages)
{
	return pages * rc->compact_migrate_page_ns +
	       ((pages * page_size) >> 10) * rc->compact_copy_kib_ns;
}
