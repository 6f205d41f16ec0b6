// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * compaction.c - memory compaction: the two scanners of compact_zone, migration of movable
 * allocations to free pages higher up in the zone, and the three callers - direct compaction in
 * the allocation slow path (with capture), kcompactd per node (woken by kswapd and allocators,
 * and proactive compaction on its 500 ms timer), and /proc/sys/vm/compact_memory.
 *
 * Mirrors mm/compaction.c of Linux 6.18 (kernel-facts §8) and the compaction parts of
 * mm/page_alloc.c: compact_zone, compact_finished/__compact_finished, isolate_migratepages and
 * isolate_migratepages_block (skip_isolation_on_order, suitable_migration_source),
 * isolate_freepages and isolate_freepages_block (suitable_migration_target),
 * fast_isolate_freepages (the free-list search of the top quarter), compaction_alloc,
 * release_free_list, compaction_suitable / __compaction_suitable /
 * compaction_suit_allocation_order, defer_compaction, compaction_deferred,
 * compaction_defer_reset, compaction_restarting, __reset_isolation_suitable,
 * reset_cached_positions, compact_zone_order, try_to_compact_pages,
 * __alloc_pages_direct_compact, should_compact_retry, compaction_zonelist_suitable,
 * wakeup_kcompactd, kcompactd_node_suitable, kcompactd_do_work, kcompactd (the loop with the
 * proactive timeout), COMPACTION_HPAGE_ORDER, fragmentation_score_zone,
 * fragmentation_score_zone_weighted, fragmentation_score_node, fragmentation_score_wmark,
 * should_proactive_compact_node, compact_node, compact_nodes. The fragmentation index and
 * extfrag_for_order these read are mm/vmstat.c's, as in the kernel.
 *
 * Read in the kernel source rather than taken from documentation, because these details decide
 * which runs compact at all (kernel-facts §8): __compaction_suitable takes its watermark from the
 * caller and adds compact_gap, and for a costly order the low - min distance on top ("mm:
 * compaction: push watermark into compaction_suitable() callers", 6.15: compaction_ready passes
 * the high mark, compaction_zonelist_suitable and should_continue_reclaim the min mark,
 * compaction_suit_allocation_order the allocation's own mark, which is also the base of its
 * async costly non-CMA check); compaction_capture refuses
 * ISOLATE blocks and MOVABLE blocks below pageblock order; skip_isolation_on_order;
 * __isolate_free_page's min + 2^order order-0 check and its retyping of half-pageblock or larger
 * blocks to MOVABLE with move_freepages_block.
 *
 * The scanners' own economies, each read in mm/compaction.c: test_and_set_skip marks a block
 * at its first isolation (not only a block that yielded nothing), so a restarted run passes
 * over the blocks earlier runs took from; fast_find_migrateblock sends the migrate scanner of a
 * costly-order run straight to a pageblock holding a large MOVABLE free buddy in the lower part
 * of the range; fast_isolate_freepages walks the MOVABLE free lists from their tails, takes no
 * neighbours for async direct compaction, and when it finds nothing at the free scanner's start
 * moves that start down to the highest block it saw, or to the middle of the range. On
 * ftrace-press-thp-6.18 (policy replay) they took compact_migrate_scanned from 12.8 M to 4.1 M
 * and compact_free_scanned from 51 M to 35 M (the kernel's: 0.55 M, 0.42 M), the runs from 77
 * to 50 (47) and the pcp drains from 981 to 761 (747).
 *
 * What the skip bits are cleared to (__reset_isolation_suitable, read in mm/compaction.c): only
 * after a run whose scanners met (compact_blockskip_flush), and only where a sample of the
 * block (__reset_isolation_pfn, every 8th page) finds a page on an LRU list or a free block's
 * head; a block an allocated block of pageblock order or more fills keeps its bit for good
 * (pageblock_skip_persistent), and the scanners' cached positions go to the lowest source and
 * highest target found (compact_init_migrate_pfn, compact_init_free_pfn). ftrace-press-thp-6.18
 * runs with 7,344 of its 10,752 Normal pageblocks held by the hugetlb pages record.sh reserved:
 * when the model cleared every bit, each run that crossed the zone scanned them all again, 512
 * pfns each, the free scanner ~2.1 M pfns a run. With the kernel's rule (and the start's
 * deferral, below) compact_migrate_scanned went from 4.1 M to 0.55 M and compact_free_scanned
 * from 35 M to 0.52 M (the kernel's 0.55 M and 0.42 M); with the time the scans cost, the
 * fault after the first failed run after the successes came 100 ms late (at 194 ms for the
 * kernel's ~93 ms).
 *
 * The start's skip hints. /proc shows no PG_migrate_skip bits, cached scanner positions or
 * deferral state, and a snapshot start has none. A recording whose first direct compaction run
 * crossed its zone without a migrate_pages call (sim/snapshot-stale.c reads that from the
 * trace: mm_compaction_begin, an end with status COMPLETE, the task's order > 0 allocation
 * after it) had them on every block it crossed: ps_compaction_seed_skip_hints sets them on every
 * pageblock. On ftrace-press-thp-6.18 the kernel's first 13 runs (1.5-40.6 ms) each took ~0.5
 * ms over 5.5 M pfns of Normal and moved next to nothing (run 3, the first sync-light one,
 * migrated 1 page in 3 migrate_pages calls at 3.2-3.6 ms; the rest none), in groups of async,
 * async, sync-light (the THP fault's two tries, __alloc_pages_slowpath) whose gaps grow 1, 2, 5,
 * 10, 21 faults (3 compaction_deferred calls a fault): the sync-light failures deferring
 * (defer_compaction) with shift 2..6, until compaction_restarting cleared the hints
 * (__reset_isolation_suitable) at 69 ms and that run migrated 9,952 pages and succeeded. The
 * model's own deferral does the rest: without the hints its first run crossed the zone migrating
 * 11,028 pages at 4.9 ms.
 *
 * Simplifications (why acceptable):
 * - Migration always succeeds when a target page exists: the model has no page references,
 *   writeback or locks that make the kernel's migrate_pages fail transiently.
 * - A large folio that gets no target is split (migrate_pages_batch's try_split_folio) only when
 *   the host can follow the pieces (PsHostOps.split: sim/ follows the starting snapshot's LRU
 *   folios, which is where ftrace-press-thp-6.18's 198 of 237 -ENOMEM folios were, and the
 *   snapshot's movable blocks no record holds, split to base pages that stay unknown at start;
 *   the trace's own allocations stay whole, so such a folio still ends the run
 *   COMPACT_CONTENDED). The kernel's split_folios list is
 *   migrated after each NR_MAX_BATCHED_MIGRATION chunk; a compaction batch is one chunk here.
 *   Migrated folios and split pieces keep their LRU position: the kernel's go back through
 *   folio_add_lru (putback_movable_pages, migrate_folio_move), to the head; tried for the
 *   migrated ones on ftrace-press-thp-6.18, it gave 73 THP fault allocations vs the kernel's 5.
 *   A folio whose
 *   owner the host did not register (pages a snapshot left allocated) is never moved, like a
 *   pinned page; unmovable pages never carry PS_PAGE_MOVABLE_BIT.
 * - Where the freed pages go. migrate_pages frees a migrated folio's old pages with folio_put
 *   and release_free_list each unused target with __free_pages, both free_frozen_pages: orders
 *   the pcp holds land on the compacting cpu's lists (cc->free_to_pcp, free_cpu). Direct
 *   compaction (the allocating cpu) and compact_memory / proactive runs (the writing cpu) do
 *   that. For a run for an order, compact_zone drains that cpu's lists of the zone
 *   (lru_add_drain_cpu_zone -> drain_local_pages) once the migrate scanner has left the
 *   cc->order-aligned block it last migrated from, so the pages merge (and a direct compactor
 *   captures them, compaction_capture in __free_one_page) a block later; a run of order -1
 *   never drains there. On ftrace-press-thp-6.18 515 of the kernel's 747 pcp drains follow an
 *   mm_compaction_migratepages on the faulting cpu. On realdata/qemu-arm64-{4k,16k,64k}-6.18.2
 *   (policy replay with the compact_memory write) freeing to the pcp took the pcp drains from
 *   0.898/0.969/0.739 of the kernel's to the figures in tests/sim/test-qemu.c. kcompactd's runs
 *   (a kernel thread on a cpu the model does not place) free straight to the buddy and so need
 *   no drain.
 * - The fast searches (fast_find_migrateblock, fast_isolate_freepages) do not rotate the free
 *   lists they walk (move_freelist_head/tail), and each keeps no search_order between calls: the
 *   kernel's rotation changes which free block the next allocation of that order takes, the
 *   model's lists keep their order. fast_search_fail is shared by both, as in the kernel.
 * - No lock contention, need_resched or fatal signals: COMPACT_CONTENDED comes only from
 *   migrate_pages running out of targets before the scanners meet, as in compact_zone.
 * - kcompactd's work for one zone is one engine step taken at once; the thread is then busy for
 *   the step's modelled cost. Trace events do not interleave with that step (kswapd slices its
 *   reclaim finer); at 500 ms between proactive checks the difference is small.
 */
#include <string.h>

#include "policy/policy-private.h"

#define HPAGE_FRAG_CHECK_INTERVAL_NS 500000000ull

static const enum ps_migratetype fallbacks[PS_MT_PCPTYPES][PS_MT_PCPTYPES - 1] = {
    [PS_MT_UNMOVABLE] = {PS_MT_RECLAIMABLE, PS_MT_MOVABLE},
    [PS_MT_MOVABLE] = {PS_MT_RECLAIMABLE, PS_MT_UNMOVABLE},
    [PS_MT_RECLAIMABLE] = {PS_MT_UNMOVABLE, PS_MT_MOVABLE},
};

static const PsReclaimConfig *costs_of(PsMachine *m)
{
	static PsReclaimConfig def;
	static bool have_def;
	PsPolicy *p = ps_policy_of(m);

	if (p)
		return &p->rc;
	if (!have_def) {
		ps_reclaim_config_default(&def);
		have_def = true;
	}
	return &def;
}

static ps_pfn_t pageblock_start(const PsMachine *m, ps_pfn_t pfn)
{
	return pfn & ~(ps_pfn_t)(m->pageblock_nr_pages - 1);
}

/*
 * compact_init_migrate_pfn and compact_init_free_pfn, the zone's ends until a reset walk has set
 * them (the state a walk leaves in a zone whose first block is a source and last a target).
 * Departure: the kernel's are 0 until __reset_isolation_suitable first sets them, so before that
 * compact_zone's `cc->migrate_pfn <= zone->compact_init_migrate_pfn` is false (no whole_zone:
 * scanners that meet give COMPACT_PARTIAL_SKIPPED, not COMPLETE) and fast_isolate_freepages'
 * `cc->free_pfn >= compact_init_free_pfn` always true (its pageblock_nr_pages / 2 limit). The
 * model takes the ends for every start: a snapshot start is of a machine long up, whose zones
 * have most likely had a reset walk (__reset_isolation_suitable runs when a compaction restarts,
 * and from kswapd_try_to_sleep once a compaction's scanners have met), and that is the state it
 * must start from; for a boot-started run, and a freshly booted recording such as
 * compact-portable's, this is the departure, kept because the model does not tell the two starts
 * apart here (a start flag from sim/ would be the fix).
 */
static ps_pfn_t init_migrate_pfn(const PsZone *z)
{
	return z->compact_init_migrate_pfn ? z->compact_init_migrate_pfn : z->start_pfn;
}

static ps_pfn_t init_free_pfn(const PsMachine *m, const PsZone *z)
{
	return z->compact_init_free_pfn ? z->compact_init_free_pfn
					: pageblock_start(m, ps_zone_end_pfn(z) - 1);
}

/* ---- suitability, fragmentation index, deferral ------------------------------------------ */

/* compact_gap: enough free pages to hold the order's worth of migration targets, twice. */
static uint64_t compact_gap(int order)
{
	return 2ull << order;
}

/*
 * __compaction_suitable: order-0 free pages above the caller's watermark plus room for the
 * targets (compact_gap), and for a costly order the low - min distance on top: the min-mark
 * callers ask for the low mark as before 6.15, compaction_ready's high mark gets it added.
 */
static bool compaction_suitable_mark(const PsMachine *m, const PsZone *z, int order,
				     uint64_t watermark, int highest_zoneidx, int64_t free_pages)
{
	uint64_t mark = watermark + compact_gap(order);

	/* low_wmark_pages - min_wmark_pages: the boost is in both and cancels */
	if (order > PS_PAGE_ALLOC_COSTLY_ORDER && z->wmark[PS_WMARK_LOW] > z->wmark[PS_WMARK_MIN])
		mark += z->wmark[PS_WMARK_LOW] - z->wmark[PS_WMARK_MIN];
	return ps_zone_watermark_ok(m, z, 0, mark, highest_zoneidx, PS_ALLOC_CMA, free_pages);
}

/*
 * compaction_suitable's second test: a costly order whose fragmentation index says the zone
 * lacks memory rather than contiguity (index in 0..extfrag_threshold) is reclaim's job.
 */
static bool fragindex_suitable(const PsMachine *m, const PsZone *z, int order)
{
	if (order > PS_PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = ps_zone_fragmentation_index(m, z, (unsigned)order);

		if (fragindex >= 0 && fragindex <= m->sysctl.extfrag_threshold)
			return false;
	}
	return true;
}

/* compaction_suitable at the caller's watermark; vmscan.c's compaction_ready passes the high one.
 */
bool ps_compaction_suitable_wmark(const PsMachine *m, const PsZone *z, int order, uint64_t mark,
				  int highest_zoneidx)
{
	if (!compaction_suitable_mark(m, z, order, mark, highest_zoneidx,
				      z->vm_stat[PS_NR_FREE_PAGES]))
		return false;
	return fragindex_suitable(m, z, order);
}

bool ps_compaction_suitable(const PsMachine *m, const PsZone *z, int order, int highest_zoneidx)
{
	return ps_compaction_suitable_wmark(m, z, order, ps_wmark_pages(z, PS_WMARK_MIN),
					    highest_zoneidx);
}

enum ps_compact_result ps_compaction_suit_allocation_order(const PsMachine *m, const PsZone *z,
							   int order, int highest_zoneidx,
							   unsigned alloc_flags, bool async)
{
	uint64_t mark = ps_wmark_pages(z, (enum ps_wmark)(alloc_flags & PS_ALLOC_WMARK_MASK));

	if (ps_zone_watermark_ok(m, z, (unsigned)order, mark, highest_zoneidx, alloc_flags,
				 z->vm_stat[PS_NR_FREE_PAGES]))
		return PS_COMPACT_RES_SUCCESS;
	/* Async costly compaction needs the gap above the mark outside CMA, or it is not worth it.
	 */
	if (order > PS_PAGE_ALLOC_COSTLY_ORDER && async && !(alloc_flags & PS_ALLOC_CMA)) {
		if (!ps_zone_watermark_ok(m, z, 0, mark + compact_gap(order), highest_zoneidx, 0,
					  z->vm_stat[PS_NR_FREE_PAGES]))
			return PS_COMPACT_RES_SKIPPED;
	}
	if (!ps_compaction_suitable_wmark(m, z, order, mark, highest_zoneidx))
		return PS_COMPACT_RES_SKIPPED;
	return PS_COMPACT_RES_CONTINUE;
}

void ps_defer_compaction(PsZone *z, int order)
{
	z->compact_considered = 0;
	z->compact_defer_shift = MIN(z->compact_defer_shift + 1, PS_COMPACT_MAX_DEFER_SHIFT);
	if (order < z->compact_order_failed)
		z->compact_order_failed = order;
}

bool ps_compaction_deferred(PsZone *z, int order)
{
	unsigned limit = 1u << z->compact_defer_shift;

	if (order < z->compact_order_failed)
		return false;
	/* Skip 2^shift attempts after a failure, then try again. */
	if (++z->compact_considered >= limit) {
		z->compact_considered = limit;
		return false;
	}
	return true;
}

void ps_compaction_defer_reset(PsZone *z, int order, bool alloc_success)
{
	if (alloc_success) {
		z->compact_considered = 0;
		z->compact_defer_shift = 0;
	}
	if (order >= z->compact_order_failed)
		z->compact_order_failed = order + 1;
}

bool ps_compaction_restarting(const PsZone *z, int order)
{
	if (order < z->compact_order_failed)
		return false;
	return z->compact_defer_shift == PS_COMPACT_MAX_DEFER_SHIFT &&
	       z->compact_considered >= 1u << z->compact_defer_shift;
}

static void reset_cached_positions(const PsMachine *m, PsZone *z)
{
	z->compact_cached_migrate_pfn[0] = z->compact_cached_migrate_pfn[1] = z->start_pfn;
	z->compact_cached_free_pfn = pageblock_start(m, ps_zone_end_pfn(z) - 1);
}

/*
 * The head of the block pfn is in: pfn itself when it heads one, else the nearest aligned pfn
 * below that heads a block reaching over it.
 */
static ps_pfn_t block_head(const PsMachine *m, ps_pfn_t pfn)
{
	if (ps_page_state(m, pfn) != PS_PAGE_TAIL)
		return pfn;
	for (unsigned o = 1; o <= m->max_order; o++) {
		ps_pfn_t h = pfn & ~(ps_pfn_t)((1u << o) - 1);

		if (h < m->map.base_pfn)
			break;
		if (ps_page_state(m, h) != PS_PAGE_TAIL && ps_page_order(m, h) >= o)
			return h;
	}
	return pfn;
}

/*
 * pageblock_skip_persistent: an allocated block of pageblock order or more (a hugetlb page, a
 * PMD-size THP) has nothing to migrate and no free page in its pageblocks until it is freed,
 * so its skip bit stays through a reset.
 */
static bool pageblock_skip_persistent(const PsMachine *m, ps_pfn_t pfn)
{
	ps_pfn_t h = pageblock_start(m, pfn);

	/*
	 * Speed only: a block of pageblock order or more that holds pfn starts at its pageblock's
	 * first page, or before it (then that page is a tail); a head there of lower order means
	 * pfn's block is of lower order too. block_head's search up from pfn only for a tail.
	 */
	if (h < m->map.base_pfn || ps_page_state(m, h) == PS_PAGE_TAIL)
		h = block_head(m, pfn);
	return ps_page_state(m, h) == PS_PAGE_ALLOCATED &&
	       ps_page_order(m, h) >= m->pageblock_order;
}

/*
 * Speed only: pageblock_skip_persistent's common case, read in ps_reset_isolation_suitable's
 * loop before reset_isolation_pfn is called: the first page of pfn's pageblock is the head of an
 * allocated block of pageblock order or more (a hugetlb page or PMD-size folio). For such a
 * block reset_isolation_pfn returns false before it reads or changes anything else, so not
 * calling it gives the same walk (ftrace-press-thp-6.18: 172,032 calls in 16 walks, most of them
 * for these blocks). A tail or a lower head there is left to the full check. Read from
 * PsMemMap.big_head, the same answer kept a byte a pageblock: the walk reads a byte array in
 * order instead of a cache line of map.flags a pageblock (ftrace-press-thp-6.18, cachegrind:
 * the walk's last-level misses 66,609 -> 12,985).
 */
static inline bool pageblock_head_persistent(const PsMachine *m, ps_pfn_t pfn)
{
	return m->map.big_head[(pfn - m->map.base_pfn) >> m->pageblock_order];
}

/*
 * __reset_isolation_pfn: clear the skip bit of pfn's pageblock when a sample of it (every
 * 2^PAGE_ALLOC_COSTLY_ORDER-th page) finds a page on an LRU list (check_source: something to
 * migrate) or the head of a free block (check_target: somewhere to migrate to). A block already
 * clear counts when both are checked; before the first target is found, only MOVABLE blocks are
 * sampled for one. The model's movable bit stands for PageLRU (movable-ops pages are few).
 */
static bool reset_isolation_pfn(PsMachine *m, const PsZone *z, const uint8_t *targets, ps_pfn_t pfn,
				bool check_source, bool check_target)
{
	ps_pfn_t block = MAX(pageblock_start(m, pfn), z->start_pfn);
	ps_pfn_t last =
	    MIN(pageblock_start(m, pfn) + (ps_pfn_t)m->pageblock_nr_pages, ps_zone_end_pfn(z)) - 1;

	if (pageblock_skip_persistent(m, pfn))
		return false;
	if (check_source && check_target && !ps_pageblock_skip(m, block))
		return true;
	if (!check_source && check_target && ps_pageblock_mt(m, block) != PS_MT_MOVABLE)
		return false;
	if (targets && check_target) {
		if (targets[(block - pageblock_start(m, z->start_pfn)) >> m->pageblock_order]) {
			ps_set_pageblock_skip(m, block, false);
			return true;
		}
		/* no sample of the block is a free block's head: only sources are left */
		if (!check_source)
			return false;
		check_target = false;
	}
	for (ps_pfn_t p = block; p <= last; p += 1u << PS_PAGE_ALLOC_COSTLY_ORDER) {
		enum ps_page_state st = ps_page_state(m, p);
		ps_pfn_t h = p;

		if (st == PS_PAGE_BUDDY) {
			if (!check_target)
				continue;
		} else if (!check_source) {
			continue;
		} else if (st == PS_PAGE_TAIL) {
			/* PageLRU of a tail page is its head's */
			h = block_head(m, p);
			if (ps_page_state(m, h) != PS_PAGE_ALLOCATED || !ps_page_movable(m, h))
				continue;
		} else if (st != PS_PAGE_ALLOCATED || !ps_page_movable(m, p)) {
			continue;
		}
		ps_set_pageblock_skip(m, block, false);
		return true;
	}
	return false;
}

/*
 * Speed only: how many free lists reset_target_blocks follows by turns (TARGET_CHAINS), and how
 * many pageblocks ahead of each of its two scans ps_reset_isolation_suitable asks for the page
 * state it will read (RESET_AHEAD). Both walks are memory-bound (a list is a chain of dependent
 * loads, a block's first page state a cache line of its own): either keeps several misses in
 * flight instead of one, and neither changes what is read or marked (a mark is a set-to-1, a
 * prefetch changes no state).
 */
#define TARGET_CHAINS 8
#define RESET_AHEAD   8

/*
 * reset_target_blocks' marks: every free block's head at a sampled pfn, all lists of z. Each list
 * is a chain of dependent loads (a block's next is in its page link), a cache miss a block on
 * lists that run all over the zone; stepping up to TARGET_CHAINS lists by turns keeps that many
 * misses in flight instead of one. A block's mark does not depend on the order the lists are
 * read in.
 */
static void mark_target_heads(const PsMachine *m, const PsZone *z, uint8_t *targets)
{
	ps_pfn_t first = pageblock_start(m, z->start_pfn);
	const PsList *lists[TARGET_CHAINS];
	ps_pfn_t at[TARGET_CHAINS];
	unsigned nr = 0, next_list = 0, nr_lists = m->nr_orders * PS_MT_TYPES;

	for (;;) {
		while (nr < TARGET_CHAINS && next_list < nr_lists) {
			const PsList *l =
			    &z->free_area[next_list / PS_MT_TYPES].list[next_list % PS_MT_TYPES];

			next_list++;
			if (l->head != PS_PFN_NONE) {
				lists[nr] = l;
				at[nr++] = l->head;
			}
		}
		if (!nr)
			return;
		for (unsigned i = 0; i < nr;) {
			ps_pfn_t f = at[i];
			ps_pfn_t block = MAX(pageblock_start(m, f), z->start_pfn);

			if (!((f - block) & ((1u << PS_PAGE_ALLOC_COSTLY_ORDER) - 1)))
				targets[(f - first) >> m->pageblock_order] = 1;
			at[i] = ps_list_next(m, lists[i], f);
			if (at[i] == PS_PFN_NONE) {
				lists[i] = lists[--nr];
				at[i] = at[nr];
			} else {
				i++;
			}
		}
	}
}

/*
 * The pageblocks of z where reset_isolation_pfn's sample would find a free block's head (one
 * at a sampled pfn: a multiple of 2^PAGE_ALLOC_COSTLY_ORDER from the block's first pfn in the
 * zone), one byte a pageblock from z's first. Speed only: the walk changes no free list, so the
 * lists read once give every target check of the walk the answer sampling would, without
 * reading 64 pages of each block (ftrace-press-thp-6.18: the walk's checks for a target were
 * 31 M instructions, most of them sampling Movable blocks with no free page). NULL (sample)
 * when the lists hold more blocks than a quarter of the samples of the zone.
 */
static uint8_t *reset_target_blocks(const PsMachine *m, const PsZone *z)
{
	ps_pfn_t first = pageblock_start(m, z->start_pfn);
	uint64_t nr_blocks = ((uint64_t)(ps_zone_end_pfn(z) - 1 - first) >> m->pageblock_order) + 1;
	uint64_t nr_free = 0;
	uint8_t *targets;

	for (unsigned o = 0; o < m->nr_orders; o++)
		nr_free += z->free_area[o].nr_free;
	if (nr_free > nr_blocks * (m->pageblock_nr_pages >> PS_PAGE_ALLOC_COSTLY_ORDER) / 4)
		return NULL;
	targets = g_malloc0(nr_blocks);
	mark_target_heads(m, z, targets);
	return targets;
}

/*
 * __reset_isolation_suitable: only after a run whose scanners met (compact_blockskip_flush).
 * Walks the zone from both ends at once, the lower half for sources and the upper half for
 * targets (each side checks both once it has found its first), and moves the cached scanner
 * positions to the lowest source and the highest target found, or leaves no distance between
 * them when there is none. The model keeps the free side's positions at a pageblock's start
 * (the kernel's walk stops at a block's last pfn; its free scanner then starts there).
 */
void ps_reset_isolation_suitable(PsMachine *m, PsZone *z)
{
	ps_pfn_t nr = (ps_pfn_t)m->pageblock_nr_pages;
	ps_pfn_t migrate_pfn = z->start_pfn, free_pfn = ps_zone_end_pfn(z) - 1;
	ps_pfn_t reset_migrate = free_pfn, reset_free = migrate_pfn;
	bool source_set = false, free_set = false;
	g_autofree uint8_t *targets = NULL;
	ps_pfn_t first_block;

	if (!z->compact_blockskip_flush)
		return;
	z->compact_blockskip_flush = false;
	targets = reset_target_blocks(m, z);
	first_block = pageblock_start(m, z->start_pfn);
	for (; migrate_pfn < free_pfn; migrate_pfn += nr, free_pfn -= nr) {
		/*
		 * A block that is not persistent is read from its first page's state on, a cache
		 * line of its own (and every 8th a page of its own) per block: asked for
		 * RESET_AHEAD blocks early on both sides, the misses overlap instead of queueing.
		 * A persistent block's is not asked for: the walk does not read it.
		 */
		if (migrate_pfn + RESET_AHEAD * nr < free_pfn) {
			ps_pfn_t ahead_m = pageblock_start(m, migrate_pfn + RESET_AHEAD * nr);
			ps_pfn_t ahead_f = pageblock_start(m, free_pfn - RESET_AHEAD * nr);

			if (!pageblock_head_persistent(m, ahead_m))
				__builtin_prefetch(&m->map.flags[ahead_m - m->map.base_pfn]);
			if (!pageblock_head_persistent(m, ahead_f))
				__builtin_prefetch(&m->map.flags[ahead_f - m->map.base_pfn]);
		}
		if (!pageblock_head_persistent(m, migrate_pfn) &&
		    reset_isolation_pfn(m, z, targets, migrate_pfn, true, source_set) &&
		    migrate_pfn < reset_migrate) {
			source_set = true;
			reset_migrate = migrate_pfn;
			z->compact_init_migrate_pfn = reset_migrate;
			z->compact_cached_migrate_pfn[0] = z->compact_cached_migrate_pfn[1] =
			    reset_migrate;
		}
		/*
		 * Speed only: before the first target, reset_isolation_pfn answers a block whose
		 * mark in targets is clear with false and changes nothing (it would look for no
		 * source there).
		 */
		if (!pageblock_head_persistent(m, free_pfn) &&
		    (free_set || !targets ||
		     targets[(MAX(pageblock_start(m, free_pfn), z->start_pfn) - first_block) >>
			     m->pageblock_order]) &&
		    reset_isolation_pfn(m, z, targets, free_pfn, free_set, true) &&
		    free_pfn > reset_free) {
			free_set = true;
			reset_free = free_pfn;
			z->compact_init_free_pfn = pageblock_start(m, reset_free);
			z->compact_cached_free_pfn = z->compact_init_free_pfn;
		}
		if (free_pfn < nr)
			break;
	}
	if (reset_migrate >= reset_free) {
		z->compact_cached_migrate_pfn[0] = z->compact_cached_migrate_pfn[1] = migrate_pfn;
		z->compact_cached_free_pfn = pageblock_start(m, free_pfn);
	}
}

/*
 * The skip hints a snapshot start cannot read (/proc has no PG_migrate_skip), inferred from the
 * recording: its first direct compaction run crossed the zone (COMPLETE: it began at the zone's
 * start, the cached positions reset) and isolated nothing. isolate_migratepages checks
 * isolation_suitable before it scans a pageblock, and isolate_migratepages_block sets the bit of
 * a block it scanned whole without isolating, so after such a run the blocks its migrate
 * scanner scanned carry the bit; an async run's scanner passes blocks that fail
 * suitable_migration_source without setting it (update_cached_migrate only), so those are a
 * guess: the seed marks every pageblock of every populated zone (the trace's run names no zone,
 * and seeding only Movable blocks held the same press-thp bands, so the data does not decide).
 * Before it, in a zone of LRU pages, the bits explain why nothing was isolated. They stay until
 * __reset_isolation_suitable clears them, after a run whose scanners met set
 * compact_blockskip_flush: kswapd going to sleep, or compaction_restarting once the deferral
 * reaches COMPACT_MAX_DEFER_SHIFT and its 64 considered attempts (on ftrace-press-thp-6.18 every
 * failed run crosses the zone, so the flag is set by then).
 *
 * The same history deferred compaction: a run that left every block marked crossed the zone and
 * failed, and a failed run at a priority above async ends in defer_compaction. So each zone also
 * starts deferred once (compact_defer_shift 1), with its considered attempts at the limit (the
 * recording's first run was not deferred). On ftrace-press-thp-6.18 the kernel's run groups
 * (the THP fault's three compaction_deferred calls: first try, second try, after its reclaim)
 * are 1, 2, 5, 10 and 21 faults apart: 3, 7, 15, 31 and 63 deferred calls, shift 2 after the
 * first fault's failure, so 1 before it. Starting at 0 put the model's groups one deferral
 * behind, its compaction_restarting one fault after the kernel's (at 85.1 ms for the kernel's
 * 69.1 ms), and the kernel's first success (83.7 ms) went missing. How long the machine had
 * been deferring is not in /proc; 1 is the least that explains the bits, and what the trace
 * shows.
 *
 * A recording whose first compaction is kcompactd's and ends partial_skipped shows the other
 * half of that state, where the migrate scanner had got to (ps_compaction_seed_resume below).
 */
uint64_t ps_compaction_seed_skip_hints(PsMachine *m)
{
	uint64_t n = 0;

	for (int k = 0; k < m->nr_zones; k++) {
		PsZone *z = &m->zones[k];
		ps_pfn_t end = ps_zone_end_pfn(z);

		if (!ps_zone_populated(z))
			continue;
		/* defer_compaction once, compaction_deferred at its limit */
		z->compact_defer_shift = 1;
		z->compact_considered = 1u << z->compact_defer_shift;
		for (ps_pfn_t b = pageblock_start(m, z->start_pfn); b < end;
		     b += (ps_pfn_t)m->pageblock_nr_pages, n++)
			ps_set_pageblock_skip(m, b, true);
	}
	return n;
}

/*
 * The deferral a zone had before the recording's first kcompactd run, from the do_works after it
 * that compacted nothing before the next that did: compaction_deferred turns down the calls that
 * bring compact_considered below 1 << compact_defer_shift, so after the failed run's
 * defer_compaction (shift + 1, considered 0) 2^shift - 1 calls are refused and the next runs.
 * On ftrace-press-slab-6.18 three do_works (122.5, 626.4, 3,698.5 ms) come between the runs at
 * 82.7 and 4,617.6 ms: shift 2 after the first run, so 1 before it. A do_work that found the
 * zone unsuitable (compaction_suit_allocation_order) looks the same in the trace and is counted
 * as refused. Returns the shift before the run, 0 when none explains the count.
 */
unsigned ps_compaction_defer_shift_before(uint64_t refused)
{
	unsigned shift = 0;

	/* the largest shift after the run whose 2^shift - 1 refusals fit the count */
	while (shift < PS_COMPACT_MAX_DEFER_SHIFT && (2ull << shift) - 1 <= refused)
		shift++;
	return shift ? shift - 1 : 0;
}

/*
 * Where the recording's first kcompactd run began, when it ended COMPACT_PARTIAL_SKIPPED: its
 * scanners met with its start above compact_init_migrate_pfn (compact_zone's whole_zone is
 * migrate_pfn <= compact_init_migrate_pfn), which is non-zero only after a
 * __reset_isolation_suitable walk since boot; the caller seeds only with evidence of such a walk
 * (sim/snapshot-stale.c, FirstKcompactd). Then compact_zone had taken the cached migrate
 * position (compact_cached_migrate_pfn), and the runs since the last __reset_isolation_suitable
 * had scanned the blocks below it. Marking every block below is an upper bound of what those runs
 * left marked (test_and_set_skip at a block's first isolation, set_pageblock_skip at the end of
 * one that gave nothing), with two exceptions in the kernel: fast_find_migrateblock (kcompactd
 * above PAGE_ALLOC_COSTLY_ORDER, at a pageblock-aligned migrate_pfn) jumps the scanner over up to
 * 1/8 of the remaining range (1/2 from the zone's start) without marking the blocks it passes,
 * which the trace does not show and the seed marks; and suitable_migration_source turns a
 * pageblock_skip_persistent block (a hugetlb page or PMD-size folio filling it) away before any
 * marking, which the seed leaves unmarked too. /proc shows neither; the
 * trace shows the pages the run migrated (its frees on kcompactd's cpu between mm_compaction_begin
 * and _end, sim/snapshot-stale.c). Simplification: the position is taken at the pageblock of the
 * lowest of them, the highest start those frees allow (blocks between the real start and it that
 * gave nothing are marked by the model's own run in the same way). The zone's deferral before
 * the run (ps_compaction_defer_shift_before) starts with its considered calls at the limit: the
 * run was not deferred. On ftrace-press-slab-6.18 (lowest source 4,339,120, block 8,474 of
 * Normal's 2,048-12,799) the model's first kcompactd run then migrated 124 pages ending
 * partial_skipped (the kernel's: 124, partial_skipped), and its second came at 4,620.7 ms (the
 * kernel's 4,617.6 ms); from the zone's start with no marks it crossed 2.48 M pfns at 75.8 ms,
 * migrated 198 pages and compacted no more. Returns the number of pageblocks marked.
 */
uint64_t ps_compaction_seed_resume(PsMachine *m, ps_pfn_t source_pfn, unsigned defer_shift)
{
	PsZone *z = ps_pfn_zone(m, source_pfn);
	ps_pfn_t resume;
	uint64_t n = 0;

	if (!z || !ps_zone_populated(z))
		return 0;
	resume = MAX(pageblock_start(m, source_pfn), z->start_pfn);
	z->compact_cached_migrate_pfn[0] = z->compact_cached_migrate_pfn[1] = resume;
	z->compact_defer_shift = MIN(defer_shift, (unsigned)PS_COMPACT_MAX_DEFER_SHIFT);
	z->compact_considered = 1u << z->compact_defer_shift;
	for (ps_pfn_t b = pageblock_start(m, z->start_pfn); b < resume;
	     b += (ps_pfn_t)m->pageblock_nr_pages) {
		if (pageblock_skip_persistent(m, MAX(b, z->start_pfn)))
			continue;
		ps_set_pageblock_skip(m, b, true);
		n++;
	}
	return n;
}

/*
 * Where the recording's first compaction run of a zone began, its mm_compaction_begin's
 * migrate_pfn and free_pfn: compact_zone (mm/compaction.c, 6.18) reads a run that is not
 * whole_zone from the zone's compact_cached_migrate_pfn[sync] and compact_cached_free_pfn, puts a
 * position outside the zone back at its edge, and the tracepoint prints them after that. They
 * are what the compactions before the trace left (update_cached_migrate, the free scanner's
 * compact_cached_free_pfn, reset_cached_positions when scanners met), which /proc does not show;
 * from the zone's edges instead, the model's first runs on ftrace-press-thp2-6.18 scanned and
 * migrated from 0x100000 while the kernel's resumed at 0x151000 and 0x4efc00. The other mode's
 * migrate position is not printed: update_cached_migrate raises the async one with every run and
 * the sync one with sync runs only, and both are reset together, so the async position is at or
 * above the sync one. Simplification: after an async first run the sync position is taken at the
 * zone's start (the lowest it can be), after a sync one the async position is raised to the sync
 * one where it is below. A run that printed the zone's edges seeds nothing (false): a
 * compact_memory write's whole-zone run starts at the edges whatever was cached, and cached
 * positions at the edges (reset when the scanners met, or never moved) are the model's own start
 * (or what ps_compaction_seed_resume inferred, which is left). A run whose cached migrate
 * position was at or below compact_init_migrate_pfn is whole_zone too, but its begin prints the
 * cached positions, which are seeded like any other.
 */
bool ps_compaction_seed_cached(PsMachine *m, ps_pfn_t migrate_pfn, ps_pfn_t free_pfn, bool sync)
{
	PsZone *z = ps_pfn_zone(m, migrate_pfn);
	ps_pfn_t end;

	if (!z || !ps_zone_populated(z))
		return false;
	end = ps_zone_end_pfn(z);
	if (migrate_pfn < z->start_pfn || migrate_pfn >= end || free_pfn < z->start_pfn ||
	    free_pfn >= end)
		return false;
	if (migrate_pfn == z->start_pfn && free_pfn == pageblock_start(m, end - 1))
		return false;
	z->compact_cached_free_pfn = free_pfn;
	if (sync) {
		z->compact_cached_migrate_pfn[1] = migrate_pfn;
		if (z->compact_cached_migrate_pfn[0] < migrate_pfn ||
		    z->compact_cached_migrate_pfn[0] >= end)
			z->compact_cached_migrate_pfn[0] = migrate_pfn;
	} else {
		z->compact_cached_migrate_pfn[0] = migrate_pfn;
		if (z->compact_cached_migrate_pfn[1] < z->start_pfn ||
		    z->compact_cached_migrate_pfn[1] > migrate_pfn)
			z->compact_cached_migrate_pfn[1] = z->start_pfn;
	}
	return true;
}

/* ---- fragmentation score (proactive compaction) ------------------------------------------ */

unsigned ps_compaction_hpage_order(const PsMachine *m)
{
	/* COMPACTION_HPAGE_ORDER: the PMD huge page with THP, else a pageblock. */
	return m->spec.thp_built ? MIN(m->spec.thp_order, m->max_order) : m->pageblock_order;
}

int ps_fragmentation_score_zone(const PsMachine *m, const PsZone *z)
{
	return ps_zone_extfrag_for_order(m, z, ps_compaction_hpage_order(m));
}

unsigned ps_fragmentation_score_weighted(int score, uint64_t zone_present, uint64_t node_present)
{
	g_assert(score >= 0 && score <= 100);
	return (unsigned)(zone_present * (uint64_t)score / (node_present + 1));
}

unsigned ps_fragmentation_score_node(const PsMachine *m, int node)
{
	uint64_t node_present = 0;
	unsigned score = 0;

	for (int t = 0; t < PS_MAX_NR_ZONES; t++)
		node_present += m->zones[node * PS_MAX_NR_ZONES + t].present;
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		const PsZone *z = &m->zones[node * PS_MAX_NR_ZONES + t];

		if (!ps_zone_populated(z))
			continue;
		score += ps_fragmentation_score_weighted(ps_fragmentation_score_zone(m, z),
							 z->present, node_present);
	}
	return score;
}

/* fragmentation_score_wmark: low = 100 - proactiveness, high a little above. */
static unsigned fragmentation_score_wmark(const PsMachine *m, bool low)
{
	unsigned wmark_low = 100u - (unsigned)CLAMP(m->sysctl.compaction_proactiveness, 0, 100);
	unsigned leeway = MIN(10u, wmark_low / 2);

	return low ? wmark_low : MIN(wmark_low + leeway, 100u);
}

/*
 * ---- cc->freepages: one list per order (6.9+, "mm/compaction: enable compacting >0 order
 * folios"). isolate_freepages_block and fast_isolate_freepages list_add_tail each block at its
 * own order, compaction_alloc takes the first block of the smallest non-empty order and
 * list_add()s the halves it splits off, release_free_list walks the orders upwards. ----------
 */

static void freelists_init(PsCompactFreeLists *fl)
{
	fl->nodes = g_array_new(FALSE, FALSE, sizeof(PsCompactFreeNode));
	for (unsigned o = 0; o < PS_NR_ORDERS_MAX; o++)
		fl->head[o] = fl->tail[o] = PS_COMPACT_NODE_NONE;
	fl->spare = PS_COMPACT_NODE_NONE;
}

static PsCompactFreeNode *freelists_at(PsCompactFreeLists *fl, uint32_t i)
{
	return &g_array_index(fl->nodes, PsCompactFreeNode, i);
}

/* A node for pfn, off the spare list when one is there. */
static uint32_t freelists_node(PsCompactFreeLists *fl, ps_pfn_t pfn)
{
	PsCompactFreeNode n = {pfn, PS_COMPACT_NODE_NONE};
	uint32_t i = fl->spare;

	if (i == PS_COMPACT_NODE_NONE) {
		g_array_append_val(fl->nodes, n);
		return fl->nodes->len - 1;
	}
	fl->spare = freelists_at(fl, i)->next;
	*freelists_at(fl, i) = n;
	return i;
}

/* list_add_tail(&page->lru, &freepages[order]) */
static void freelists_add_tail(PsCompactFreeLists *fl, ps_pfn_t pfn, unsigned order)
{
	uint32_t i = freelists_node(fl, pfn);

	if (fl->tail[order] == PS_COMPACT_NODE_NONE)
		fl->head[order] = i;
	else
		freelists_at(fl, fl->tail[order])->next = i;
	fl->tail[order] = i;
}

/* list_add(&page->lru, &freepages[order]) */
static void freelists_add(PsCompactFreeLists *fl, ps_pfn_t pfn, unsigned order)
{
	uint32_t i = freelists_node(fl, pfn);

	freelists_at(fl, i)->next = fl->head[order];
	if (fl->head[order] == PS_COMPACT_NODE_NONE)
		fl->tail[order] = i;
	fl->head[order] = i;
}

/* list_first_entry + list_del on a non-empty list. */
static ps_pfn_t freelists_pop(PsCompactFreeLists *fl, unsigned order)
{
	uint32_t i = fl->head[order];
	PsCompactFreeNode *n = freelists_at(fl, i);

	fl->head[order] = n->next;
	if (fl->head[order] == PS_COMPACT_NODE_NONE)
		fl->tail[order] = PS_COMPACT_NODE_NONE;
	n->next = fl->spare;
	fl->spare = i;
	return n->pfn;
}

/* ---- the free scanner ---------------------------------------------------------------------- */

/*
 * The scanners' counts and cost. migrate_scanned and free_scanned are the kernel's nr_scanned
 * (compact_migrate_scanned, compact_free_scanned): they count the pages of a block stepped over
 * whole (an allocated compound page, a free buddy) with its head. The time is per page the
 * scanner looks at (`looked`, compact_scan_page_ns: a struct page read and its flag tests): one
 * for such a block, whose order is read from its head and the rest skipped (isolate_freepages_block
 * and isolate_migratepages_block, mm/compaction.c). Charged per pfn, the model's third direct
 * compaction on ftrace-press-thp2-6.18 (8.7 ms, free scanner over 2.65 M pfns, mostly the
 * recording's hugetlb pool pages) took 57 ms and held the faulting task back for them, while
 * the kernel's runs of that stretch took 0.1-3.6 ms.
 */
static void add_cost(PsMachine *m, PsCompactControl *cc, uint64_t migrate_scanned,
		     uint64_t free_scanned, uint64_t looked, uint64_t isolated)
{
	const PsReclaimConfig *rc = costs_of(m);

	cc->total_migrate_scanned += migrate_scanned;
	cc->total_free_scanned += free_scanned;
	cc->nr_isolated += isolated;
	cc->cost_ns += ps_cost_isolate_pages_block(rc, looked, isolated);
}

static uint64_t isolate_one_free(PsMachine *m, PsCompactControl *cc, ps_pfn_t pfn, unsigned order,
				 uint64_t *isolated)
{
	uint64_t n = ps_isolate_free_page(m, cc->zone, pfn, order);

	if (!n)
		return 0;
	freelists_add_tail(&cc->freepages, pfn, order);
	cc->nr_freepages += n;
	*isolated += n;
	return n;
}

/*
 * suitable_migration_target: not a block already free at the target order (that is what we are
 * building), and a MOVABLE block unless any block will do. Reserves and isolation are never
 * targets here.
 */
static bool suitable_migration_target(PsMachine *m, const PsCompactControl *cc, ps_pfn_t block)
{
	enum ps_migratetype mt = ps_pageblock_mt(m, block);
	unsigned target = cc->order > 0 ? (unsigned)cc->order : m->pageblock_order;

	if (block >= cc->zone->start_pfn && ps_page_state(m, block) == PS_PAGE_BUDDY &&
	    ps_page_order(m, block) >= target)
		return false;
	if (mt == PS_MT_HIGHATOMIC || mt == PS_MT_ISOLATE)
		return false;
	return cc->ignore_block_suitable || mt == PS_MT_MOVABLE;
}

/*
 * isolate_freepages_block over [from, to) of one pageblock, visiting every stride-th pfn: a free
 * block is found only where a visit lands on its head (PageBuddy marks the head alone), an
 * allocated compound block is stepped over whole, anything else costs one visit. Stops once
 * enough targets are held, or when __isolate_free_page refuses (*failed). Returns where it
 * stopped (at or past `to` when the block was finished).
 */
static ps_pfn_t isolate_freepages_block(PsMachine *m, PsCompactControl *cc, ps_pfn_t from,
					ps_pfn_t to, unsigned stride, uint64_t *isolated,
					bool *failed)
{
	uint64_t scanned = 0, looked = 0;
	ps_pfn_t p;

	for (p = from; p < to; p += stride) {
		enum ps_page_state st = ps_page_state(m, p);
		unsigned o = ps_page_order(m, p);

		scanned++;
		looked++;
		if (st == PS_PAGE_BUDDY) {
			if (!isolate_one_free(m, cc, p, o, isolated)) {
				*failed = true;
				break;
			}
			scanned += (1ull << o) - 1;
			if (cc->nr_freepages >= cc->nr_migratepages) {
				p += 1u << o;
				break;
			}
			p += (1u << o) - 1;
		} else if (st == PS_PAGE_ALLOCATED && o) {
			/* PageCompound: its order is read from the head, the rest skipped */
			scanned += (1ull << o) - 1;
			p += (1u << o) - 1;
		}
	}
	add_cost(m, cc, 0, scanned, looked, 0);
	return MIN(p, to);
}

/*
 * fast_isolate_freepages: before the linear scan, look on the MOVABLE free lists below the target
 * order, each from its tail (list_for_each_entry_reverse), for a block in the top quarter of the
 * range between the scanners (else the highest one seen in the top half), at most limit entries
 * an order: (freelist_scan_limit >> 1, i.e. (COMPACT_CLUSTER_MAX >> fast_search_fail) + 1 halved,
 * halved again for every candidate below the quarter), pageblock_nr_pages / 2 when the free
 * scanner is at its start. The block is taken, and for all but async direct compaction the other
 * free pages of its pageblock (fast_isolate_around). One found ends the search once enough is
 * held. When nothing is found at the scanner's start, the linear scan starts at the highest
 * pageblock any scanned entry was in, if it is in the top half, else (direct compaction) at the
 * half: the blocks above are not scanned. The kernel's start test is free_pfn >=
 * compact_init_free_pfn (the highest block __reset_isolation_suitable found free pages in); the
 * model takes the zone's last pageblock, where the free scanner begins after a reset.
 */
static void fast_isolate_freepages(PsMachine *m, PsCompactControl *cc, uint64_t *isolated)
{
	PsZone *z = cc->zone;
	unsigned limit = MAX(
	    1u, (((unsigned)PS_COMPACT_CLUSTER_MAX >> MIN(cc->fast_search_fail, 31u)) + 1) >> 1);
	ps_pfn_t distance, low_pfn, min_pfn, highest = 0;
	bool scan_start = false, any = false;

	if (cc->order <= 0 || cc->ignore_skip_hint || cc->free_pfn <= cc->migrate_pfn)
		return;
	if (cc->free_pfn >= init_free_pfn(m, z)) {
		limit = m->pageblock_nr_pages >> 1;
		scan_start = true;
	}
	distance = cc->free_pfn - cc->migrate_pfn;
	low_pfn = pageblock_start(m, cc->free_pfn - (distance >> 2));
	min_pfn = pageblock_start(m, cc->free_pfn - (distance >> 1));
	for (int order = cc->order - 1; order >= 0 && cc->nr_freepages < cc->nr_migratepages;
	     order--) {
		const PsList *l = &z->free_area[order].list[PS_MT_MOVABLE];
		ps_pfn_t found = PS_PFN_NONE, high = PS_PFN_NONE;
		unsigned scanned = 0;

		for (ps_pfn_t pfn = l->tail; pfn != PS_PFN_NONE;
		     pfn = *ps_list_prev_slot(m, l, pfn)) {
			scanned++;
			if (pfn >= highest)
				highest = MAX(pageblock_start(m, pfn), z->start_pfn);
			if (pfn >= low_pfn) {
				found = pfn;
				break;
			}
			if (pfn >= min_pfn && (high == PS_PFN_NONE || pfn > high)) {
				high = pfn;
				limit >>= 1; /* a candidate: shorten the scan */
			}
			if (scanned >= limit)
				break;
		}
		add_cost(m, cc, 0, scanned, scanned, 0);
		if (found == PS_PFN_NONE)
			found = high;
		if (scanned >= limit)
			limit = MAX(1u, limit >> 1);
		if (found == PS_PFN_NONE ||
		    !isolate_one_free(m, cc, found, (unsigned)order, isolated))
			continue;
		any = true;
		cc->fast_search_fail = 0;
		if (cc->direct_compaction && cc->mode == PS_MIGRATE_ASYNC)
			continue; /* fast_isolate_around: minimal scanning for async direct */
		{
			/* fast_isolate_around: the rest of that pageblock too. */
			ps_pfn_t b = MAX(pageblock_start(m, found), z->start_pfn);
			ps_pfn_t e =
			    MIN(pageblock_start(m, found) + (ps_pfn_t)m->pageblock_nr_pages,
				ps_zone_end_pfn(z));
			bool failed = false;

			if (cc->nr_freepages < cc->nr_migratepages)
				isolate_freepages_block(m, cc, b, e, 1, isolated, &failed);
		}
	}
	if (any)
		return;
	cc->fast_search_fail++;
	if (!scan_start)
		return;
	if (highest >= min_pfn)
		cc->free_pfn = highest;
	else if (cc->direct_compaction)
		cc->free_pfn = min_pfn;
}

/* isolate_freepages passes this block without a look at its pages: skip bit or not a target */
static inline bool target_block_passed(PsMachine *m, const PsCompactControl *cc, ps_pfn_t block)
{
	return (!cc->ignore_skip_hint && ps_pageblock_skip(m, block)) ||
	       !suitable_migration_target(m, cc, block);
}

/*
 * Speed only: isolate_freepages' loop over the pageblocks it passes (target_block_passed), from
 * `block` down while at or above `low`: the same test without the loop's scan bounds of each
 * block (ftrace-press-thp2-6.18: 195 k blocks passed this way). Returns the first block it did
 * not pass: one to scan, one below low, or the zone's lowest pageblock, which the loop takes
 * from there as before.
 */
static ps_pfn_t pass_unsuitable_targets(PsMachine *m, const PsCompactControl *cc, ps_pfn_t block,
					ps_pfn_t low)
{
	const ps_pfn_t nr = (ps_pfn_t)m->pageblock_nr_pages;

	while (block >= low && block >= nr && target_block_passed(m, cc, block))
		block -= nr;
	return block;
}

/*
 * isolate_freepages: the linear scanner, from the zone's end down towards the migrate scanner.
 * Sync scans start at stride 1 and async ones at COMPACT_CLUSTER_MAX; every suitable block that
 * yields nothing doubles the stride (up to COMPACT_CLUSTER_MAX) and one that yields resets it to
 * 1, so the scanner samples memory that looks full and can miss free pages in it (the
 * ftrace-compact-6.18 sysctl run shows the kernel's nr_scanned halving 512, 256, ... 16 per
 * block). A refusal by __isolate_free_page ends the scan.
 */
static void isolate_freepages(PsMachine *m, PsCompactControl *cc)
{
	PsZone *z = cc->zone;
	uint64_t isolated = 0;
	/* Never below the block the migrate scanner is in. */
	ps_pfn_t low = pageblock_start(m, cc->migrate_pfn) + (ps_pfn_t)m->pageblock_nr_pages;
	ps_pfn_t block;
	unsigned stride = cc->mode == PS_MIGRATE_ASYNC ? PS_COMPACT_CLUSTER_MAX : 1;

	bool held;

	fast_isolate_freepages(m, cc, &isolated);
	block = cc->free_pfn; /* where the fast search left the linear scan's start */
	/*
	 * Anything already held ends the search: what the fast path found, or pages left over
	 * from earlier folios. With the held pages kept per order (6.9+), leftovers smaller than
	 * a large folio make compaction_alloc fail for it, -ENOMEM, and a compact_memory run ends
	 * COMPACT_CONTENDED (ftrace-compact-6.18: 4 order-0 pages left over, then a batch of 271
	 * pages failed whole with no free-scanner event in between).
	 */
	held = cc->nr_freepages > 0;
	while (!held && cc->nr_freepages < cc->nr_migratepages && block >= low) {
		ps_pfn_t start = MAX(block, z->start_pfn);
		ps_pfn_t end = MIN(block + (ps_pfn_t)m->pageblock_nr_pages, ps_zone_end_pfn(z));
		ps_pfn_t from = cc->free_resume ? cc->free_resume : start;
		uint64_t before = isolated;
		ps_pfn_t stopped;
		bool failed = false;

		if (target_block_passed(m, cc, block)) {
			cc->free_resume = 0;
			if (block < (ps_pfn_t)m->pageblock_nr_pages)
				break;
			block = pass_unsuitable_targets(
			    m, cc, block - (ps_pfn_t)m->pageblock_nr_pages, low);
			continue;
		}
		stopped = isolate_freepages_block(m, cc, from, end, stride, &isolated, &failed);
		if (stopped < end && !failed) {
			/* Enough targets: resume inside this block next time. */
			cc->free_resume = stopped;
			break;
		}
		cc->free_resume = 0;
		if (stopped == end && isolated == before && from == start)
			ps_set_pageblock_skip(m, block, true);
		if (failed)
			break; /* isolation failed early: do not go on needlessly */
		if (cc->nr_freepages >= cc->nr_migratepages) {
			/* enough, with the block finished: the next scan starts below it */
			if (block >= (ps_pfn_t)m->pageblock_nr_pages)
				block -= (ps_pfn_t)m->pageblock_nr_pages;
			break;
		}
		stride = isolated > before ? 1 : MIN(stride << 1, PS_COMPACT_CLUSTER_MAX);
		if (block < (ps_pfn_t)m->pageblock_nr_pages)
			break;
		block -= (ps_pfn_t)m->pageblock_nr_pages;
	}
	cc->free_pfn = block;
	add_cost(m, cc, 0, 0, 0, isolated);
	m->vm_events[PS_COMPACT_ISOLATED] += isolated;
}

/*
 * compaction_alloc (6.9+): the first block on the list of the smallest order that holds `order`
 * (the lists are filled in scan order, so among blocks of one order the first isolated goes
 * first); what is split off above the target goes to the head of each lower order's list, the
 * upper half each time, as the kernel's loop does. Scans for more once when none is held.
 */
static ps_pfn_t compaction_alloc(PsMachine *m, PsCompactControl *cc, unsigned order)
{
	PsCompactFreeLists *fl = &cc->freepages;
	bool has_isolated_pages = false;
	unsigned start;
	ps_pfn_t pfn;

	for (;;) {
		for (start = order; start < m->nr_orders; start++)
			if (fl->head[start] != PS_COMPACT_NODE_NONE)
				break;
		if (start < m->nr_orders)
			break;
		if (has_isolated_pages)
			return PS_PFN_NONE;
		isolate_freepages(m, cc);
		has_isolated_pages = true;
	}
	pfn = freelists_pop(fl, start);
	while (start > order) {
		start--;
		freelists_add(fl, pfn + (1u << start), start);
	}
	cc->nr_freepages -= 1ull << order;
	cc->nr_migratepages -= 1ull << order; /* what the free scanner still has to find */
	return pfn;
}

/* release_free_list: unused targets go back to the buddy, order 0 first, each list in order. */
static void release_freepages(PsMachine *m, PsCompactControl *cc)
{
	PsCompactFreeLists *fl = &cc->freepages;

	for (unsigned o = 0; o < m->nr_orders; o++) {
		while (fl->head[o] != PS_COMPACT_NODE_NONE) {
			ps_pfn_t pfn = freelists_pop(fl, o);

			if (cc->free_to_pcp) {
				/* post-allocation state, then __free_pages (free_frozen_pages) */
				ps_page_mark_allocated(m, cc->zone, pfn, o);
				ps_free_pages(m, pfn, o, cc->free_cpu);
				continue;
			}
			ps_buddy_free(m, cc->zone, pfn, o, PS_FPI_TO_TAIL);
		}
	}
	cc->nr_freepages = 0;
}

/* ---- the migrate scanner and migration ------------------------------------------------------ */

static bool host_tracks_owners(PsMachine *m)
{
	PsPolicy *p = ps_policy_of(m);

	return p && p->host.migrated;
}

/* list_add of an isolated folio to cc->migratepages (kept in isolation order, see migrate_pages) */
static inline void migratepages_add(PsCompactBlocks *l, PsCompactBlock b)
{
	if (G_UNLIKELY(l->len == l->cap)) {
		l->cap = MAX(2 * l->cap, (guint)PS_COMPACT_CLUSTER_MAX);
		l->v = g_renew(PsCompactBlock, l->v, l->cap);
	}
	l->v[l->len++] = b;
}

/* skip_isolation_on_order: nothing as large as the target (it would not help), nor a pageblock. */
static bool skip_isolation_on_order(const PsMachine *m, unsigned order, int target_order)
{
	if (target_order >= 0 && order >= (unsigned)target_order)
		return true;
	return order >= m->pageblock_order;
}

/* suitable_migration_source: async direct compaction stays in blocks of the request's type. */
static bool suitable_migration_source(const PsMachine *m, const PsCompactControl *cc,
				      ps_pfn_t block)
{
	enum ps_migratetype mt;

	if (cc->mode != PS_MIGRATE_ASYNC || !cc->direct_compaction)
		return true;
	mt = ps_pageblock_mt(m, block);
	if (cc->migratetype == PS_MT_MOVABLE)
		return mt == PS_MT_MOVABLE;
	return mt == cc->migratetype;
}

/*
 * isolate_migratepages_block over [from, to): up to COMPACT_CLUSTER_MAX pages. A scan that began
 * at the block's first pfn (`fresh`: the kernel's valid_page) marks the block skip at its first
 * isolation, test_and_set_skip under the LRU lock (unless the hints are ignored), so that the
 * next runs pass over a block already taken from until the hints are reset.
 */
static ps_pfn_t isolate_migratepages_block(PsMachine *m, PsCompactControl *cc, ps_pfn_t from,
					   ps_pfn_t to, bool fresh)
{
	bool tracked = host_tracks_owners(m);
	bool skip_updated = !fresh || cc->ignore_skip_hint;
	uint64_t scanned = 0, looked = 0, isolated = 0;
	ps_pfn_t p = from;
	/* skip_on_failure: async direct compaction gives up on a cc->order-aligned chunk */
	const bool skip_on_failure =
	    cc->direct_compaction && cc->mode == PS_MIGRATE_ASYNC && cc->order > 0;
	const ps_pfn_t chunk = skip_on_failure ? (ps_pfn_t)1 << cc->order : 0;
	ps_pfn_t next_skip = skip_on_failure ? (from + chunk) & ~(chunk - 1) : 0;
	const guint first = cc->migratepages.len;

	while (p < to) {
		enum ps_page_state st = ps_page_state(m, p);
		unsigned o = ps_page_order(m, p);
		PsCompactBlock b = {p, o};

		if (skip_on_failure && p >= next_skip) {
			/* the chunk before gave its candidates without a failure: migrate them */
			if (isolated)
				break;
			next_skip = (p + chunk) & ~(chunk - 1);
		}
		looked++;
		if (st == PS_PAGE_RESERVED || st == PS_PAGE_TAIL) {
			scanned++;
			p++;
			goto isolate_fail;
		}
		scanned += 1ull << o;
		p += 1u << o;
		if (st == PS_PAGE_BUDDY)
			continue;
		if (st != PS_PAGE_ALLOCATED || !ps_page_movable(m, b.pfn) ||
		    skip_isolation_on_order(m, o, cc->order))
			goto isolate_fail;
		if (tracked && ps_page_owner(m, b.pfn) == PS_PFN_NONE)
			goto isolate_fail; /* nobody to tell that it moved: treat as pinned */
		if (!skip_updated) {
			ps_set_pageblock_skip(m, pageblock_start(m, from), true);
			skip_updated = true;
		}
		migratepages_add(&cc->migratepages, b);
		cc->nr_migratepages += 1ull << o;
		isolated += 1ull << o;
		if (cc->nr_migratepages >= PS_COMPACT_CLUSTER_MAX && !cc->finish_pageblock)
			break;
		continue;
	isolate_fail:
		if (!skip_on_failure)
			continue;
		/* the chunk cannot become free: put back what it gave, go on after it */
		if (isolated) {
			cc->migratepages.len = first;
			cc->nr_migratepages -= isolated;
			isolated = 0;
		}
		if (p < next_skip) {
			p = next_skip;
			next_skip += chunk;
		}
	}
	add_cost(m, cc, scanned, 0, looked, isolated);
	m->vm_events[PS_COMPACT_ISOLATED] += isolated;
	return MIN(p, to);
}

/*
 * fast_find_migrateblock: before the linear scan, a run for a costly order (a direct one only
 * for a MOVABLE request) that heeds the hints and is at a pageblock boundary, not finishing a
 * block, looks on the MOVABLE free lists of orders order - 1 down to PAGE_ALLOC_COSTLY_ORDER,
 * each from its head, for a free block below high_pfn (half the distance to the free scanner
 * when the run is at the zone's start, an eighth otherwise) in a block not marked skip: the
 * migrate scanner goes to that pageblock, the one a large free buddy makes likeliest to be
 * freed whole, and the blocks it jumps over are not scanned. At most freelist_scan_limit
 * entries, (COMPACT_CLUSTER_MAX >> fast_search_fail) + 1, each counted migrate-scanned. A miss
 * counts in fast_search_fail and sends the scanner back, once, to the lowest free page an
 * earlier search of the run found (update_fast_start_pfn, reinit_migrate_pfn).
 */
static ps_pfn_t fast_find_migrateblock(PsMachine *m, PsCompactControl *cc)
{
	PsZone *z = cc->zone;
	ps_pfn_t pfn = cc->migrate_pfn, distance, high;
	unsigned limit = ((unsigned)PS_COMPACT_CLUSTER_MAX >> MIN(cc->fast_search_fail, 31u)) + 1;
	unsigned scanned = 0;
	bool found = false;

	if (cc->ignore_skip_hint || cc->finish_pageblock)
		return pfn;
	if (pfn != z->start_pfn && pfn != pageblock_start(m, pfn))
		return pfn;
	if (cc->order <= PS_PAGE_ALLOC_COSTLY_ORDER)
		return pfn;
	if (cc->direct_compaction && cc->migratetype != PS_MT_MOVABLE)
		return pfn;
	if (cc->free_pfn <= pfn)
		return pfn;
	distance = (cc->free_pfn - cc->migrate_pfn) >> 1;
	if (cc->migrate_pfn != z->start_pfn)
		distance >>= 2;
	high = pageblock_start(m, cc->migrate_pfn + distance);
	for (int order = cc->order - 1;
	     order >= PS_PAGE_ALLOC_COSTLY_ORDER && !found && scanned < limit; order--) {
		const PsList *l = &z->free_area[order].list[PS_MT_MOVABLE];

		for (ps_pfn_t f = l->head; f != PS_PFN_NONE; f = ps_list_next(m, l, f)) {
			if (scanned++ >= limit)
				break;
			if (f >= high || ps_pageblock_skip(m, f))
				continue;
			if (cc->fast_start_pfn != PS_PFN_NONE)
				cc->fast_start_pfn =
				    cc->fast_start_pfn ? MIN(cc->fast_start_pfn, f) : f;
			pfn = MAX(pageblock_start(m, f), z->start_pfn);
			cc->fast_search_fail = 0;
			found = true;
			break;
		}
	}
	add_cost(m, cc, scanned, 0, scanned, 0);
	if (!found) {
		cc->fast_search_fail++;
		if (cc->fast_start_pfn && cc->fast_start_pfn != PS_PFN_NONE) {
			cc->migrate_pfn = pfn = cc->fast_start_pfn;
			cc->fast_start_pfn = PS_PFN_NONE;
		}
	}
	return pfn;
}

/*
 * Speed only: isolate_migratepages' loop over the pageblocks it passes without a look at their
 * pages, from the block-aligned `low` up. Each such block is fresh (the scan begins at its first
 * pfn), so isolation_suitable's skip bit and suitable_migration_source's type (for every
 * migratetype the test is the block's type equal to the request's) decide it, both in the
 * block's pageblock_mt byte: read one byte a block in a row instead of the loop's block
 * arithmetic and two calls a block (ftrace-press-thp2-6.18: 267 k blocks passed this way). It
 * stops where the loop would look into a block, at the free scanner's block, and before a block
 * the zone's end cuts short (the loop's `end` clamp), which it leaves to the loop. Returns the
 * first block it did not pass (low itself when low is not block-aligned).
 */
static ps_pfn_t pass_unsuitable_sources(const PsMachine *m, const PsCompactControl *cc,
					ps_pfn_t low)
{
	const ps_pfn_t nr = (ps_pfn_t)m->pageblock_nr_pages, zend = ps_zone_end_pfn(cc->zone);
	const uint8_t skip = cc->ignore_skip_hint ? 0 : PS_PAGEBLOCK_SKIP;
	const bool by_type = cc->mode == PS_MIGRATE_ASYNC && cc->direct_compaction;
	const uint8_t *pb;

	if ((low & (nr - 1)) || low < cc->zone->start_pfn)
		return low;
	pb = &m->pageblock_mt[(low - m->map.base_pfn) >> m->pageblock_order];
	for (; low < cc->free_pfn && low + nr <= zend; low += nr, pb++)
		if (!(*pb & skip) &&
		    (!by_type || (*pb & PS_PAGEBLOCK_MT_MASK) == (unsigned)cc->migratetype))
			break;
	return low;
}

/*
 * isolate_migratepages: the next suitable pageblock up from migrate_pfn, one a call whether it
 * gives anything or not (the kernel's loop breaks after one isolate_migratepages_block: "Either
 * we isolated something and proceed with migration. Or we failed and compact_zone should decide
 * if we should continue"), so that compact_zone checks compact_finished, drains and sets
 * finish_pageblock afresh for every block. Going on to the next blocks within one call carried
 * a finish_pageblock meant for the block last migrated from into blocks no migration came from,
 * and made whole-block batches where the kernel takes COMPACT_CLUSTER_MAX (32) pages first.
 */
static bool isolate_migratepages(PsMachine *m, PsCompactControl *cc)
{
	PsZone *z = cc->zone;
	/*
	 * One fast_find_migrateblock call, as the kernel's `low_pfn = fast_find_migrateblock(cc)`,
	 * and the zone-start clamp after it: inside MAX the search (its cost, fast_search_fail, the
	 * migrate_pfn it moves) ran twice.
	 */
	ps_pfn_t low = fast_find_migrateblock(m, cc);

	low = MAX(low, z->start_pfn);

	while (pageblock_start(m, low) < cc->free_pfn) {
		ps_pfn_t block = pageblock_start(m, low);
		ps_pfn_t end = MIN(block + (ps_pfn_t)m->pageblock_nr_pages, ps_zone_end_pfn(z));
		bool fresh = low == MAX(block, z->start_pfn);
		uint64_t before = cc->nr_migratepages;

		/* isolation_suitable only where a block's scan begins */
		if ((fresh && !cc->ignore_skip_hint && ps_pageblock_skip(m, block)) ||
		    !suitable_migration_source(m, cc, block)) {
			low = pass_unsuitable_sources(m, cc, end);
			continue;
		}
		low = isolate_migratepages_block(m, cc, low, end, fresh);
		/* A whole block that yielded nothing is skipped until the hints are reset. */
		if (cc->nr_migratepages == before && fresh && low >= end)
			ps_set_pageblock_skip(m, block, true);
		break;
	}
	cc->migrate_pfn = low;
	return cc->nr_migratepages > 0;
}

/*
 * try_split_folio -> split_folio_to_list, as migrate_pages_batch calls it for a large folio that
 * got no target (-ENOMEM; reason MR_COMPACTION splits): __folio_split refuses a page-cache folio
 * filemap_release_folio cannot release (dirty or under writeback: -EBUSY); anonymous and clean
 * page-cache folios split when the host can follow the pieces. Counted as
 * split_huge_page_to_list_to_order does: thp_split_page(_failed) for a PMD-order folio only
 * (the mTHP sizes have only per-size sysfs stats).
 */
static bool try_split_folio(PsMachine *m, uint32_t owner, ps_pfn_t pfn, unsigned order)
{
	PsPolicy *p = ps_policy_of(m);
	bool pmd = m->spec.thp_built && order == m->spec.thp_order;
	bool ok;

	if (!p || !p->host.split || owner == PS_HANDLE_NONE)
		return false;
	if (owner < p->cap && (p->fo[owner].flags & PS_FOLIO_ON_LIST) &&
	    p->fo[owner].list >= PS_LRU_INACTIVE_FILE && p->fo[owner].list <= PS_LRU_ACTIVE_FILE &&
	    (p->fo[owner].flags & PS_FOLIO_DIRTY))
		ok = false;
	else
		ok = p->host.split(p->host.data, owner, pfn);
	if (pmd)
		m->vm_events[ok ? PS_THP_SPLIT_PAGE : PS_THP_SPLIT_PAGE_FAILED]++;
	if (ok && pmd)
		m->vm_events[PS_THP_MIGRATION_SPLIT]++;
	return ok;
}

/* One folio to its target: the owner follows it, the old pages are freed. */
static void migrate_folio(PsMachine *m, PsCompactControl *cc, PsCompactBlock b, ps_pfn_t dst)
{
	const PsReclaimConfig *rc = costs_of(m);
	PsPolicy *p = ps_policy_of(m);
	PsZone *z = cc->zone;
	uint64_t pages = 1ull << b.order;
	uint32_t owner = ps_page_owner(m, b.pfn);

	ps_page_mark_allocated(m, z, dst, b.order);
	ps_page_set_movable(m, dst, true);
	ps_page_set_owner(m, dst, owner);
	if (p && p->host.migrated && owner != PS_PFN_NONE)
		p->host.migrated(p->host.data, owner, b.pfn, dst);
	/* The old folio is freed; a direct compactor may capture what it merges into. */
	if (cc->free_to_pcp) {
		/* folio_put -> free_frozen_pages on the compacting cpu */
		ps_free_pages(m, b.pfn, b.order, cc->free_cpu);
	} else {
		g_assert(z->nr_allocated >= pages);
		z->nr_allocated -= pages;
		m->vm_events[PS_PGFREE] += pages;
		ps_buddy_free(m, z, b.pfn, b.order, PS_FPI_NONE);
	}
	cc->nr_migrated += pages;
	m->vm_events[PS_PGMIGRATE_SUCCESS] += pages;
	cc->cost_ns += ps_cost_migrate_pages(rc, m->page_size, pages);
}

/*
 * migrate_pages with compaction_alloc: false when a target could not be had (-ENOMEM): like the
 * kernel's migrate_pages_batch, the folios after it are not tried and go back where they were.
 * The list is in reverse isolation order (highest pfn first).
 *
 * A large folio that gets no target is split first (migrate_pages_batch's -ENOMEM case,
 * try_split_folio): when that works the batch goes on, and once it is done without -ENOMEM,
 * migrate_pages moves the pieces in one MIGRATE_ASYNC pass (split_folios: each folio's pages
 * after its first in pfn order, then its first, as __folio_split and try_split_folio's
 * list_move_tail queue them); a piece that gets no target ends that pass, its -ENOMEM ignored,
 * the rest stay where they are. When the batch did end in -ENOMEM, the pieces are put back
 * unmoved.
 */
static bool migrate_pages(PsMachine *m, PsCompactControl *cc)
{
	bool enomem = false;
	g_autoptr(GArray) split = NULL;

	/* isolate_migratepages_block list_add()s each folio: the last isolated moves first */
	for (guint i = cc->migratepages.len; i-- > 0;) {
		PsCompactBlock b = cc->migratepages.v[i];
		uint64_t pages = 1ull << b.order;
		ps_pfn_t dst;

		/* Captured already: the rest is put back unmoved. */
		if (m->capture && m->capture->pfn != PS_PFN_NONE)
			continue;
		dst = compaction_alloc(m, cc, b.order);
		if (dst == PS_PFN_NONE && b.order > 0 &&
		    try_split_folio(m, ps_page_owner(m, b.pfn), b.pfn, b.order)) {
			if (!split)
				split = g_array_new(FALSE, FALSE, sizeof(PsCompactBlock));
			for (ps_pfn_t q = b.pfn + 1; q <= b.pfn + pages; q++) {
				PsCompactBlock piece = {q == b.pfn + pages ? b.pfn : q, 0};

				g_array_append_val(split, piece);
			}
			cc->nr_split++;
			continue;
		}
		if (dst == PS_PFN_NONE) {
			cc->nr_migrate_failed += pages;
			m->vm_events[PS_PGMIGRATE_FAIL] += pages;
			enomem = true;
			break;
		}
		migrate_folio(m, cc, b, dst);
	}
	for (guint i = 0; split && !enomem && i < split->len; i++) {
		PsCompactBlock b = g_array_index(split, PsCompactBlock, i);
		ps_pfn_t dst;

		if (m->capture && m->capture->pfn != PS_PFN_NONE)
			break;
		dst = compaction_alloc(m, cc, 0);
		if (dst == PS_PFN_NONE) {
			cc->nr_migrate_failed++;
			m->vm_events[PS_PGMIGRATE_FAIL]++;
			break;
		}
		migrate_folio(m, cc, b, dst);
	}
	cc->migratepages.len = 0;
	cc->nr_migratepages = 0;
	return !enomem;
}

/* ---- compact_zone ------------------------------------------------------------------------- */

static bool scanners_met(const PsMachine *m, const PsCompactControl *cc)
{
	return (cc->free_pfn >> m->pageblock_order) <= (cc->migrate_pfn >> m->pageblock_order);
}

/* A free block of the request's type, or one a fallback would claim, at the order or above. */
static bool suitable_page_free(const PsMachine *m, const PsZone *z, unsigned order,
			       enum ps_migratetype mt)
{
	for (unsigned o = order; o < m->nr_orders; o++) {
		const PsFreeArea *area = &z->free_area[o];
		bool claimable;

		if (!area->nr_free)
			continue;
		if (area->list[mt].head != PS_PFN_NONE)
			return true;
		if (mt >= PS_MT_PCPTYPES)
			continue;
		/* find_suitable_fallback(claimable): only where a claim would be attempted. */
		claimable = o >= m->pageblock_order || o >= m->pageblock_order / 2 ||
			    mt != PS_MT_MOVABLE || m->sysctl.page_group_by_mobility_disabled;
		if (!claimable)
			continue;
		for (int i = 0; i < PS_MT_PCPTYPES - 1; i++)
			if (area->list[fallbacks[mt][i]].head != PS_PFN_NONE)
				return true;
	}
	return false;
}

/* __compact_finished */
static enum ps_compact_result compact_finished(PsMachine *m, PsCompactControl *cc)
{
	PsZone *z = cc->zone;

	if (scanners_met(m, cc)) {
		reset_cached_positions(m, z);
		/* Direct compaction leaves skip bits for kswapd to clear when it sleeps. */
		if (cc->direct_compaction)
			z->compact_blockskip_flush = true;
		return cc->whole_zone ? PS_COMPACT_RES_COMPLETE : PS_COMPACT_RES_PARTIAL_SKIPPED;
	}
	if (cc->proactive_compaction) {
		if (ps_kswapd_active(ps_policy_of(m), z->node))
			return PS_COMPACT_RES_PARTIAL_SKIPPED;
		return (unsigned)ps_fragmentation_score_zone(m, z) >
			       fragmentation_score_wmark(m, true)
			   ? PS_COMPACT_RES_CONTINUE
			   : PS_COMPACT_RES_SUCCESS;
	}
	if (cc->order < 0)
		return PS_COMPACT_RES_CONTINUE;
	/* Always finish a pageblock once started: fewer fallbacks later. */
	if (cc->migrate_pfn & (ps_pfn_t)(m->pageblock_nr_pages - 1))
		return PS_COMPACT_RES_CONTINUE;
	if (suitable_page_free(m, z, (unsigned)cc->order, cc->migratetype))
		return PS_COMPACT_RES_SUCCESS;
	return PS_COMPACT_RES_CONTINUE;
}

/*
 * One compact_zone run for events.jsonl, "compact_zone", the model's mm_compaction_begin and
 * mm_compaction_end in one record. Its time is the run's mm_compaction_begin: the request's or
 * daemon wake's time (the engine's now, which stays put through the call) plus cc->begin_ns,
 * what the request spent before the run (a direct reclaim, the zones compacted before), so
 * that it compares with the kernel's tracepoint times; cost_ns is the run's modelled length
 * (mm_compaction_end comes that much later). The request's other records keep its time, so
 * the log is in time order between requests, not inside one. The zone
 * (zone_idx: 0 DMA, 1 DMA32, 2 Normal, 3 Movable), who ran
 * it (direct: a task's allocation; proactive: kcompactd's proactive compact_node; order -1 and
 * neither: compact_memory; else kcompactd_do_work), the scanners' pfns at the start and the end
 * (the tracepoints' migrate_pfn and free_pfn), status as enum compact_result
 * (include/linux/compaction.h: 5 complete, 6 partial_skipped, 7 contended, 8 success), and the
 * run's counters. Only runs past the suitability check, the ones compaction_runs counts.
 */
static void note_compact_zone(PsMachine *m, const PsCompactControl *cc, ps_pfn_t migrate_start,
			      ps_pfn_t free_start, enum ps_compact_result ret)
{
	static const char *const keys[] = {"node",
					   "zone_idx",
					   "order",
					   "mode",
					   "direct",
					   "proactive",
					   "whole_zone",
					   "migrate_start_pfn",
					   "free_start_pfn",
					   "migrate_end_pfn",
					   "free_end_pfn",
					   "status",
					   "migrate_scanned",
					   "free_scanned",
					   "isolated",
					   "migrated",
					   "cost_ns",
					   NULL};
	PsPolicy *p = ps_policy_of(m);
	int64_t vals[G_N_ELEMENTS(keys) - 1] = {
	    cc->zone->node,
	    cc->zone->type,
	    cc->order,
	    cc->mode,
	    cc->direct_compaction,
	    cc->proactive_compaction,
	    cc->whole_zone,
	    (int64_t)migrate_start,
	    (int64_t)free_start,
	    (int64_t)cc->migrate_pfn,
	    (int64_t)cc->free_pfn,
	    ret,
	    (int64_t)cc->total_migrate_scanned,
	    (int64_t)cc->total_free_scanned,
	    (int64_t)cc->nr_isolated,
	    (int64_t)cc->nr_migrated,
	    (int64_t)cc->cost_ns,
	};

	if (p)
		ps_host_event_at(p, "compact_zone", keys, vals, cc->begin_ns);
}

enum ps_compact_result ps_compact_zone(PsMachine *m, PsCompactControl *cc)
{
	PsZone *z = cc->zone;
	ps_pfn_t start = z->start_pfn, end = ps_zone_end_pfn(z);
	bool sync = cc->mode != PS_MIGRATE_ASYNC;
	enum ps_compact_result ret;
	/*
	 * The kernel's last_migrated_pfn: the start of the pageblock the last isolation ended in
	 * (0 at the start, pfn 0's pageblock as the kernel's, and again once check_drain drained).
	 * It decides both finish_pageblock and the drain, as the kernel's one variable does.
	 */
	ps_pfn_t last_migrated = 0;
	ps_pfn_t migrate_start, free_start; /* for note_compact_zone */

	if (cc->order >= 0) {
		ret = ps_compaction_suit_allocation_order(m, z, cc->order, cc->highest_zoneidx,
							  cc->alloc_flags, !sync);
		if (ret != PS_COMPACT_RES_CONTINUE)
			return ret;
	}
	if (ps_compaction_restarting(z, cc->order))
		ps_reset_isolation_suitable(m, z);
	m->compact_zone_runs_total++;

	if (cc->whole_zone) {
		cc->migrate_pfn = start;
		cc->free_pfn = pageblock_start(m, end - 1);
	} else {
		cc->migrate_pfn = z->compact_cached_migrate_pfn[sync];
		cc->free_pfn = z->compact_cached_free_pfn;
		if (cc->free_pfn < start || cc->free_pfn >= end || !cc->free_pfn) {
			cc->free_pfn = pageblock_start(m, end - 1);
			z->compact_cached_free_pfn = cc->free_pfn;
		}
		if (cc->migrate_pfn < start || cc->migrate_pfn >= end) {
			cc->migrate_pfn = start;
			z->compact_cached_migrate_pfn[0] = z->compact_cached_migrate_pfn[1] = start;
		}
		/* at or below the lowest source the last reset walk found: the whole zone */
		if (cc->migrate_pfn <= init_migrate_pfn(z))
			cc->whole_zone = true;
	}
	migrate_start = cc->migrate_pfn;
	free_start = cc->free_pfn;
	cc->free_resume = 0;
	cc->fast_search_fail = 0;
	cc->fast_start_pfn = 0;
	freelists_init(&cc->freepages);
	cc->migratepages = (PsCompactBlocks){NULL, 0, 0};
	cc->nr_freepages = cc->nr_migratepages = 0;

	while ((ret = compact_finished(m, cc)) == PS_COMPACT_RES_CONTINUE) {
		/*
		 * Still in the pageblock the last migration came from: take the rest of it at once
		 * (compact_zone's guard against rescanning one block many times). On
		 * ftrace-compact-6.18 this is why the kernel isolated 32, then 225, then 32, then
		 * 271 pages: two blocks, each a batch and then its rest. The drain clears
		 * last_migrated (the kernel's last_migrated_pfn = 0 at lru_add_drain_cpu_zone).
		 */
		cc->finish_pageblock =
		    pageblock_start(m, last_migrated) == pageblock_start(m, cc->migrate_pfn);
		if (isolate_migratepages(m, cc)) {
			last_migrated = MAX(z->start_pfn, pageblock_start(m, cc->migrate_pfn - 1));
			if (!migrate_pages(m, cc) && !scanners_met(m, cc)) {
				/* no target found before the scanners met: nothing more to gain */
				ret = PS_COMPACT_RES_CONTENDED;
				break;
			}
			if (cc->capc && cc->capc->pfn != PS_PFN_NONE) {
				ret = PS_COMPACT_RES_SUCCESS;
				break;
			}
		}
		/*
		 * check_drain: the migrate scanner left the cc->order-aligned block it last
		 * migrated from (or isolated nothing, the scanner moving on towards the free
		 * scanner): flush what the migrations freed to this cpu's lists so it merges.
		 */
		if (cc->order > 0 && cc->free_to_pcp && last_migrated &&
		    last_migrated < (cc->migrate_pfn & ~((ps_pfn_t)(1u << cc->order) - 1))) {
			ps_pcp_drain_cpu_zone(m, z, cc->free_cpu);
			last_migrated = 0;
		}
	}
	/* Folios isolated but not moved (capture ended the run) stay where they are. */
	cc->migratepages.len = 0;
	cc->nr_migratepages = 0;
	release_freepages(m, cc);
	if (ret != PS_COMPACT_RES_COMPLETE && ret != PS_COMPACT_RES_PARTIAL_SKIPPED) {
		/* Resume here next time (async and sync keep separate migrate positions). */
		z->compact_cached_free_pfn = cc->free_pfn;
		if (cc->migrate_pfn > z->compact_cached_migrate_pfn[sync])
			z->compact_cached_migrate_pfn[sync] = cc->migrate_pfn;
		if (sync && cc->migrate_pfn > z->compact_cached_migrate_pfn[0])
			z->compact_cached_migrate_pfn[0] = cc->migrate_pfn;
	}
	g_array_free(cc->freepages.nodes, TRUE);
	g_clear_pointer(&cc->migratepages.v, g_free);
	cc->freepages.nodes = NULL;
	cc->migratepages.cap = 0;
	m->vm_events[PS_COMPACT_MIGRATE_SCANNED] += cc->total_migrate_scanned;
	m->vm_events[PS_COMPACT_FREE_SCANNED] += cc->total_free_scanned;
	m->compact_zone_contended_total += ret == PS_COMPACT_RES_CONTENDED;
	note_compact_zone(m, cc, migrate_start, free_start, ret);
	return ret;
}

/* ---- direct compaction --------------------------------------------------------------------- */

static bool zone_allowed(const PsZone *z, const PsAllocContext *ac)
{
	return (int)z->type <= (int)ac->highest_zoneidx &&
	       (!ac->nodemask || (ac->nodemask & (1ull << z->node))) && ps_zone_populated(z);
}

/* compact_zone_order + try_to_compact_pages */
static enum ps_compact_result try_to_compact_pages(PsMachine *m, const PsAllocContext *ac,
						   unsigned alloc_flags,
						   enum ps_compact_priority prio,
						   ps_pfn_t *captured, int *captured_zone,
						   uint64_t begin_ns, uint64_t *cost_ns)
{
	enum ps_compact_result rc = PS_COMPACT_RES_SKIPPED;

	if (!(ac->gfp & PS_GFP_IO))
		return PS_COMPACT_RES_SKIPPED;
	for (int i = 0; i < ac->zonelist->nr; i++) {
		PsZone *z = &m->zones[ac->zonelist->zones[i]];
		PsCaptureControl capc = {.zone = z,
					 .order = ac->order,
					 .migratetype = ps_gfp_migratetype(ac->gfp),
					 .pfn = PS_PFN_NONE};
		PsCompactControl cc = {
		    .zone = z,
		    .order = (int)ac->order,
		    .migratetype = ps_gfp_migratetype(ac->gfp),
		    .mode =
			prio == PS_COMPACT_PRIO_ASYNC ? PS_MIGRATE_ASYNC : PS_MIGRATE_SYNC_LIGHT,
		    .alloc_flags = alloc_flags,
		    .highest_zoneidx = ac->highest_zoneidx,
		    .direct_compaction = true,
		    .whole_zone = prio == PS_COMPACT_PRIO_SYNC_FULL,
		    .ignore_skip_hint = prio == PS_COMPACT_PRIO_SYNC_FULL,
		    .ignore_block_suitable = prio == PS_COMPACT_PRIO_SYNC_FULL,
		    .capc = &capc,
		    .begin_ns = begin_ns + *cost_ns,
		    .free_to_pcp = ac->cpu >= 0,
		    .free_cpu = ac->cpu,
		};
		enum ps_compact_result status;

		if (!zone_allowed(z, ac))
			continue;
		if (prio > PS_COMPACT_PRIO_SYNC_FULL && ps_compaction_deferred(z, (int)ac->order)) {
			rc = MAX(rc, PS_COMPACT_RES_DEFERRED);
			continue;
		}
		m->capture = &capc;
		status = ps_compact_zone(m, &cc);
		m->capture = NULL;
		*cost_ns += cc.cost_ns;
		if (capc.pfn != PS_PFN_NONE) {
			*captured = capc.pfn;
			*captured_zone = z->idx;
			status = PS_COMPACT_RES_SUCCESS;
		}
		rc = MAX(rc, status);
		if (status == PS_COMPACT_RES_SUCCESS) {
			ps_compaction_defer_reset(z, (int)ac->order, false);
			break;
		}
		/* A failed sync run defers this zone for a while. */
		if (prio != PS_COMPACT_PRIO_ASYNC &&
		    (status == PS_COMPACT_RES_COMPLETE || status == PS_COMPACT_RES_PARTIAL_SKIPPED))
			ps_defer_compaction(z, (int)ac->order);
	}
	return rc;
}

ps_pfn_t ps_alloc_direct_compact(PsMachine *m, const PsAllocContext *ac, unsigned alloc_flags,
				 enum ps_compact_priority prio, enum ps_compact_result *result,
				 PsAllocOutcome *out)
{
	PsPolicy *p = ps_policy_of(m);
	ps_pfn_t pfn = PS_PFN_NONE;
	int zone = -1;
	uint64_t cost = 0;

	*result = PS_COMPACT_RES_SKIPPED;
	if (!ac->order || !p->rc.compaction)
		return PS_PFN_NONE;
	/* the run begins after what the request spent so far (PsCompactControl.begin_ns) */
	*result = try_to_compact_pages(m, ac, alloc_flags, prio, &pfn, &zone,
				       out->slow_ns + p->slow_ns_before, &cost);
	out->slow_ns += cost;
	if (*result == PS_COMPACT_RES_SKIPPED)
		return PS_PFN_NONE;
	out->direct_compact = true;
	m->vm_events[PS_COMPACT_STALL]++;
	if (pfn != PS_PFN_NONE) {
		/* The captured block is already marked allocated; account it as rmqueue would. */
		PsZone *z = &m->zones[zone];

		m->vm_events[PS_PGALLOC_DMA + z->type] += 1ull << ac->order;
		z->numa_stat[PS_NUMA_HIT]++;
		z->numa_stat[z->node == m->spec.cpu_node[ac->cpu] ? PS_NUMA_LOCAL
								  : PS_NUMA_OTHER]++;
		out->zone = zone;
	} else {
		pfn = ps_get_page_from_freelist(m, ac, alloc_flags, out);
	}
	if (pfn != PS_PFN_NONE) {
		PsZone *z = &m->zones[out->zone];

		z->compact_blockskip_flush = false;
		ps_compaction_defer_reset(z, (int)ac->order, true);
		m->vm_events[PS_COMPACT_SUCCESS]++;
		out->path = PS_PATH_COMPACTION;
		return pfn;
	}
	m->vm_events[PS_COMPACT_FAIL]++;
	return PS_PFN_NONE;
}

bool ps_should_compact_retry(PsPolicy *p, const PsAllocContext *ac, unsigned alloc_flags,
			     enum ps_compact_result result, enum ps_compact_priority *prio,
			     int *retries)
{
	PsMachine *m = p->m;
	int max_retries = PS_MAX_COMPACT_RETRIES;
	enum ps_compact_priority min_priority;

	/* Not built: the slow path never asks (gfp_compaction_allowed is false). */
	if (!ac->order || !p->rc.compaction)
		return false;
	if (result == PS_COMPACT_RES_SKIPPED) {
		/* compaction_zonelist_suitable: would reclaim give compaction its targets? */
		for (int i = 0; i < ac->zonelist->nr; i++) {
			const PsZone *z = &m->zones[ac->zonelist->zones[i]];
			int64_t available;

			if (!zone_allowed(z, ac))
				continue;
			available = z->vm_stat[PS_NR_FREE_PAGES] +
				    (int64_t)(ps_zone_reclaimable_pages(p, z) / ac->order);
			if (compaction_suitable_mark(m, z, (int)ac->order,
						     ps_wmark_pages(z, PS_WMARK_MIN),
						     ac->highest_zoneidx, available))
				return true;
		}
		return false;
	}
	if (result == PS_COMPACT_RES_SUCCESS) {
		/* A block formed but someone else took it: retry a few times. */
		if (ac->order > PS_PAGE_ALLOC_COSTLY_ORDER)
			max_retries /= 4;
		if (++*retries <= max_retries)
			return true;
	}
	min_priority = ac->order > PS_PAGE_ALLOC_COSTLY_ORDER ? PS_COMPACT_PRIO_SYNC_LIGHT
							      : PS_COMPACT_PRIO_SYNC_FULL;
	if (*prio > min_priority) {
		(*prio)--;
		*retries = 0;
		return true;
	}
	return false;
}

/* ---- compact_memory and kcompactd ------------------------------------------------------------ */

/* compact_node: every populated zone of the node, whole zone, hints ignored. */
static uint64_t compact_node(PsMachine *m, int node, bool proactive, bool daemon, int cpu,
			     uint64_t begin_ns)
{
	uint64_t cost = 0;

	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		PsZone *z = ps_machine_zone(m, node, (enum ps_zone_type)t);
		PsCompactControl cc = {
		    .zone = z,
		    .order = -1,
		    .migratetype = PS_MT_UNMOVABLE, /* GFP_KERNEL */
		    .mode = proactive ? PS_MIGRATE_SYNC_LIGHT : PS_MIGRATE_SYNC,
		    .alloc_flags = PS_ALLOC_WMARK_MIN,
		    .highest_zoneidx = t,
		    .whole_zone = true,
		    .ignore_skip_hint = true,
		    .proactive_compaction = proactive,
		    .begin_ns = begin_ns + cost,
		    .free_to_pcp = cpu >= 0,
		    .free_cpu = cpu,
		};

		if (!ps_zone_populated(z))
			continue;
		ps_compact_zone(m, &cc);
		cost += cc.cost_ns;
		if (daemon) {
			m->vm_events[PS_COMPACT_DAEMON_MIGRATE_SCANNED] += cc.total_migrate_scanned;
			m->vm_events[PS_COMPACT_DAEMON_FREE_SCANNED] += cc.total_free_scanned;
		}
	}
	return cost;
}

uint64_t ps_compact_memory(PsMachine *m, int cpu)
{
	PsPolicy *p = ps_policy_of(m);
	uint64_t cost = 0;

	if (p && !p->rc.compaction)
		return 0;
	for (int n = 0; n < m->nr_nodes; n++)
		cost += compact_node(m, n, false, false, cpu, cost);
	return cost;
}

void ps_reset_node_isolation_suitable(PsPolicy *p, int node)
{
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		PsZone *z = ps_machine_zone(p->m, node, (enum ps_zone_type)t);

		if (ps_zone_populated(z) && z->compact_blockskip_flush)
			ps_reset_isolation_suitable(p->m, z);
	}
}

static void kcompactd_schedule(PsPolicy *p, int node, uint64_t at)
{
	PsKcompactd *k = &p->kcompactd[node];

	k->gen++;
	k->parked = false;
	ps_engine_schedule(p->e, at, p->ev_kcompactd, (uint32_t)node, k->gen);
}

/*
 * kcompactd_node_suitable: some zone would benefit from compaction at the recorded order, each
 * zone checked against the recorded highest zone index (a lower zone keeps its lowmem_reserve
 * for it), where kcompactd_do_work checks each zone against its own index.
 */
static bool kcompactd_node_suitable(PsPolicy *p, int node)
{
	PsKcompactd *k = &p->kcompactd[node];

	for (int t = 0; t <= k->highest_zoneidx && t < PS_MAX_NR_ZONES; t++) {
		const PsZone *z = ps_machine_zone(p->m, node, (enum ps_zone_type)t);

		if (ps_zone_populated(z) &&
		    ps_compaction_suit_allocation_order(p->m, z, (int)k->max_order,
							k->highest_zoneidx, PS_ALLOC_WMARK_MIN,
							false) == PS_COMPACT_RES_CONTINUE)
			return true;
	}
	return false;
}

void ps_wakeup_kcompactd(PsPolicy *p, int node, unsigned order, int highest_zoneidx)
{
	PsKcompactd *k;

	if (!order || !p || !p->rc.compaction)
		return;
	k = &p->kcompactd[node];
	if (k->max_order < order)
		k->max_order = order;
	if (k->highest_zoneidx > highest_zoneidx)
		k->highest_zoneidx = highest_zoneidx;
	if (!k->sleeping || !kcompactd_node_suitable(p, node))
		return;
	{
		static const char *const keys[] = {"node", "order", NULL};
		int64_t vals[2] = {node, order};

		ps_host_event(p, "kcompactd_wake", keys, vals);
	}
	k->sleeping = false;
	kcompactd_schedule(p, node, MAX(ps_engine_now(p->e), k->busy_until));
}

/* kcompactd_do_work: the recorded order on each zone up to the recorded highest. */
static uint64_t kcompactd_do_work(PsPolicy *p, int node)
{
	PsMachine *m = p->m;
	PsKcompactd *k = &p->kcompactd[node];
	int order = (int)k->max_order, highest = k->highest_zoneidx;
	uint64_t cost = 0;

	m->vm_events[PS_COMPACT_DAEMON_WAKE]++;
	for (int t = 0; t <= highest && t < PS_MAX_NR_ZONES; t++) {
		PsZone *z = ps_machine_zone(m, node, (enum ps_zone_type)t);
		PsCompactControl cc = {
		    .zone = z,
		    .order = order,
		    .migratetype = PS_MT_UNMOVABLE, /* GFP_KERNEL */
		    .mode = PS_MIGRATE_SYNC_LIGHT,
		    .alloc_flags = PS_ALLOC_WMARK_MIN,
		    .highest_zoneidx = highest,
		    .begin_ns = cost,
		};
		enum ps_compact_result status;

		if (!ps_zone_populated(z) || ps_compaction_deferred(z, order))
			continue;
		if (ps_compaction_suit_allocation_order(m, z, order, t, PS_ALLOC_WMARK_MIN,
							false) != PS_COMPACT_RES_CONTINUE)
			continue;
		status = ps_compact_zone(m, &cc);
		cost += cc.cost_ns;
		if (status == PS_COMPACT_RES_SUCCESS) {
			ps_compaction_defer_reset(z, order, false);
		} else if (status == PS_COMPACT_RES_PARTIAL_SKIPPED ||
			   status == PS_COMPACT_RES_COMPLETE) {
			ps_pcp_drain_all(m, z);
			ps_defer_compaction(z, order);
		}
		m->vm_events[PS_COMPACT_DAEMON_MIGRATE_SCANNED] += cc.total_migrate_scanned;
		m->vm_events[PS_COMPACT_DAEMON_FREE_SCANNED] += cc.total_free_scanned;
	}
	/* Done until the next wake, whatever the outcome. */
	if ((int)k->max_order <= order)
		k->max_order = 0;
	if (k->highest_zoneidx >= highest)
		k->highest_zoneidx = PS_MAX_NR_ZONES - 1;
	return cost;
}

/*
 * The cpu kcompactd's proactive runs free on: the thread is bound to its node's cpus
 * (cpumask_of_node); the model puts it on the node's first one (cpu 0 on a single node).
 */
static int kcompactd_cpu(const PsMachine *m, int node)
{
	for (int c = 0; c < m->nr_cpus; c++)
		if (m->spec.cpu_node[c] == node)
			return c;
	return -1;
}

/* should_proactive_compact_node */
static bool should_proactive_compact_node(PsPolicy *p, int node)
{
	if (!p->m->sysctl.compaction_proactiveness || ps_kswapd_active(p, node))
		return false;
	return ps_fragmentation_score_node(p->m, node) > fragmentation_score_wmark(p->m, false);
}

/*
 * One pass of kcompactd's loop: either it was woken (work requested) or its timeout expired
 * (proactive check). It then waits again, busy until its work's cost has passed.
 */
static void on_kcompactd(PsEngine *e, const PsEvent *ev, void *data)
{
	PsPolicy *p = data;
	int node = (int)ev->arg0;
	PsKcompactd *k = &p->kcompactd[node];
	uint64_t cost = 0, timeout = HPAGE_FRAG_CHECK_INTERVAL_NS;
	bool progress = false;

	if (ev->arg1 != k->gen)
		return; /* superseded by a wake-up */
	if (k->max_order) {
		cost = kcompactd_do_work(p, node);
		progress = true;
	} else if (should_proactive_compact_node(p, node)) {
		unsigned prev = ps_fragmentation_score_node(p->m, node), score;

		cost = compact_node(p->m, node, true, true, kcompactd_cpu(p->m, node), 0);
		k->proactive_runs++;
		score = ps_fragmentation_score_node(p->m, node);
		/* No progress: back off for 2^COMPACT_MAX_DEFER_SHIFT intervals. */
		if (score >= prev)
			timeout <<= PS_COMPACT_MAX_DEFER_SHIFT;
		else
			progress = true;
	}
	k->busy_ns += cost;
	k->busy_until = ps_engine_now(e) + cost;
	k->timeout_ns = timeout;
	if (k->max_order) {
		/* Woken again while working: run once more when this work is done. */
		kcompactd_schedule(p, node, ps_engine_now(e) + MAX(cost, 1000u));
		return;
	}
	k->sleeping = true;
	if (p->idle && !progress) {
		k->parked = true;
		k->parked_at = ps_engine_now(e) + cost;
		return;
	}
	kcompactd_schedule(p, node, ps_engine_now(e) + cost + timeout);
}

void ps_kcompactd_set_idle(PsPolicy *p, bool idle)
{
	uint64_t now;

	if (!p)
		return;
	p->idle = idle;
	if (idle)
		return;
	now = ps_engine_now(p->e);
	for (int n = 0; n < p->m->nr_nodes; n++) {
		PsKcompactd *k = &p->kcompactd[n];
		uint64_t periods;

		if (!k->parked)
			continue;
		/* The first time of its period at or after now, as if it had kept checking. */
		periods = now > k->parked_at
			      ? (now - k->parked_at + k->timeout_ns - 1) / k->timeout_ns
			      : 1;
		kcompactd_schedule(p, n, k->parked_at + MAX(periods, 1) * k->timeout_ns);
	}
}

/*
 * kcompactd() backs off after a proactive compact_node that did not lower the score; had it not,
 * a score above the high mark would have made it compact again 500 ms later, so a snapshot with
 * proactive work behind it and such a score is a kcompactd in that back-off. When it began is
 * not in /proc: the whole back-off is taken from the snapshot on (the latest it can have begun).
 * On qemu-arm64-64k-6.18.2 (2 GiB, no free order-13 block, score 99 > 90) before.vmstat has
 * compact_daemon_migrate_scanned 24576 with compact_daemon_wake 0, and the 5 s trace has no
 * mm_compaction_kcompactd_sleep record and no proactive run; without this the model ran one.
 */
int ps_kcompactd_snapshot_deferred(PsPolicy *p, uint64_t daemon_migrate_scanned)
{
	int deferred = 0;

	if (!p || !daemon_migrate_scanned || !p->rc.compaction)
		return 0;
	for (int n = 0; n < p->m->nr_nodes; n++) {
		PsKcompactd *k = &p->kcompactd[n];

		if (!should_proactive_compact_node(p, n))
			continue;
		k->timeout_ns = HPAGE_FRAG_CHECK_INTERVAL_NS << PS_COMPACT_MAX_DEFER_SHIFT;
		kcompactd_schedule(p, n, ps_engine_now(p->e) + k->timeout_ns);
		deferred++;
	}
	return deferred;
}

void ps_kcompactd_init(PsPolicy *p)
{
	p->ev_kcompactd = ps_engine_register(p->e, "kcompactd", on_kcompactd, p);
	for (int n = 0; n < p->m->nr_nodes; n++) {
		PsKcompactd *k = &p->kcompactd[n];

		k->highest_zoneidx = PS_MAX_NR_ZONES - 1;
		k->timeout_ns = HPAGE_FRAG_CHECK_INTERVAL_NS;
		if (!p->rc.compaction)
			continue;
		k->sleeping = true;
		kcompactd_schedule(p, n, ps_engine_now(p->e) + k->timeout_ns);
	}
}
