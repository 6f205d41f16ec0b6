// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cost.c - the cost model: what each step of the allocator, reclaim, compaction and the fault
 * path costs in simulated nanoseconds. Every charge of a run comes from here, under the name of
 * the kernel function whose work it stands for, so that a question like "what does zeroing cost
 * on 64 KiB pages" has one answer.
 *
 * Where each cost is paid (values and their sources: configs/README.md "costs" and "reclaim"):
 *   __alloc_pages         fast_path_ns (+ zone_step_ns per further zone): every allocation.
 *   rmqueue_pcplist       pcp_hit_ns: an allocation served from a pcp list.
 *   rmqueue_bulk          zone_lock_ns + pcp_refill_page_ns per block, under zone->lock: the
 *                         allocation that found its pcp list empty pays the whole refill.
 *   rmqueue_buddy/expand  zone_lock_ns + buddy_split_ns per level split, under zone->lock.
 *   free_pcppages_bulk,   free_pcp_ns, then zone_lock_ns + free_buddy_page_ns per page that
 *   free_one_page         reached the buddy + buddy_split_ns per level __free_one_page merged,
 *                         under zone->lock: the free that triggered the drain (pcp count
 *                         above high) pays for the whole drain.
 *   clear_highpage,       clear_kib_ns per KiB of the folio (__GFP_ZERO, or a THP fault's
 *   folio_zero_user       zeroing afterwards): a 64 KiB page pays 16 times a 4 KiB one.
 *   handle_mm_fault       fault_ns: fault entry, VMA lookup, PTE install, accounting, return;
 *                         per base page of a touch, and per recorded anonymous-fault allocation.
 *   folio_batch_move_lru  lru_add_folio_ns per folio, under the node's lru_lock, paid by the
 *                         allocation that fills its cpu's folio_add_lru batch (31 folios).
 *   do_mmap/do_brk_flags  mmap_ns per `map` record; do_vmi_munmap: munmap_ns per `unmap`.
 *   reclaim, compaction   per folio scanned or reclaimed (shrink_folio_list works a folio at a
 *                         time: its order barely changes the work, see configs/README.md),
 *                         per page written, migrated or copied ("reclaim" keys): charged to
 *                         the allocation that stalls in direct reclaim or
 *                         compaction (its slow_ns), or to kswapd's and kcompactd's own time
 *                         (balance_pgdat slices, kcompactd runs), never to an allocating cpu.
 * zone->lock and lru_lock are resources held for those durations: a cpu that needs one while
 * another holds it waits (sim/process.c lock_take), first come first served.
 *
 * Simplifications (why acceptable): each step costs a fixed figure per call plus one per page,
 * block or KiB; cache misses and TLB effects are folded into those figures, which are fitted
 * to measurements (bench/bench-calibrate). Lock contention is modelled only for zone->lock and
 * lru_lock, the two locks first-touch faults on several cpus share; memcg charging batches
 * (try_charge_memcg's per-cpu stock of MEMCG_CHARGE_BATCH pages) and interrupts are not
 * modelled. The two-thread p99.9 of workloads/fault-latency-6.18 stays about a quarter below
 * the measured one, and not because of the lock model: a fault that fills its lru batch while
 * the other cpu moves its own can wait at most one whole folio_batch_move_lru, so it costs at
 * most the median fault + 2 x 31 x lru_add_folio_ns (8.1 us with the x86 fit) while 0.1 % of
 * the measured faults take 8.8 us or more. Holding the lock at the uncontended per-folio cost
 * is what cannot reach that; lru_lock holds and list updates that slow down while the other
 * cpu pulls the same cache lines are the likely rest, not modelled (no figure to fit them on:
 * a recording has the allocations, not the faults' times). A PTE
 * page (__pte_alloc -> pte_alloc_one, one per PMD range a fault maps first) is an allocation of
 * its own, charged like any other; the fault that needed it reports it in its latency (a touch
 * fault directly, a recorded anonymous-fault allocation through sim/process.c
 * pte_alloc_take).
 * The ones every allocation and free charges (clear_highpage, zone_lock_hold, alloc_pages,
 * zone_lock_hold_free, free_pages) are static inline in policy.h.
 */
#include "policy/policy.h"

uint64_t ps_cost_folio_batch_move_lru(const PsCosts *c, unsigned nr)
{
	return nr * c->lru_add_folio_ns;
}

uint64_t ps_cost_do_mmap(const PsCosts *c)
{
	return c->mmap_ns;
}

uint64_t ps_cost_do_vmi_munmap(const PsCosts *c)
{
	return c->munmap_ns;
}

uint64_t ps_cost_do_swap_page(const PsReclaimConfig *rc, uint64_t pages)
{
	return pages * rc->swapin_page_ns;
}

uint64_t ps_cost_isolate_lru_folios(const PsReclaimConfig *rc, uint64_t folios)
{
	return folios * rc->scan_folio_ns;
}

uint64_t ps_cost_shrink_folio_list(const PsReclaimConfig *rc, uint64_t folios)
{
	return folios * rc->reclaim_folio_ns;
}

uint64_t ps_cost_do_shrink_slab(const PsReclaimConfig *rc, uint64_t pages)
{
	return pages * rc->slab_page_ns;
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
