// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * buddy.c - the buddy free lists of a zone: taking blocks (__rmqueue_smallest, expand, the
 * claim/steal fallback of __rmqueue), giving them back (__free_one_page with merging and the
 * head/tail placement rule), highatomic reserves and watermark boosting.
 *
 * Mirrors mm/page_alloc.c of Linux 6.18 (kernel-facts §2.2-§2.7, §4.7):
 *   __add_to_free_list, __del_page_from_free_list, move_to_free_list, account_freepages,
 *   expand, page_del_and_expand, __rmqueue_smallest, find_suitable_fallback,
 *   should_try_claim_block, try_to_claim_block, __rmqueue_claim, __rmqueue_steal, __rmqueue
 *   (6.16 form with the remembered rmqueue_mode), rmqueue_buddy, __free_one_page,
 *   buddy_merge_likely, split_large_buddy, prep_move_freepages_block, __move_freepages_block,
 *   reserve_highatomic_pageblock, unreserve_highatomic_pageblock (one zone), boost_watermark,
 *   compaction_capture, __isolate_free_page.
 *
 * Invariant kept by every function here, as in the kernel since 6.10: a free block sits on the
 * list of its pageblock's migratetype (blocks of pageblock order and above retype all the
 * pageblocks they cover), except where a snapshot start put it elsewhere (ps_free_list_move).
 * 6.18 does not enforce that rule: __add_to_free_list, __del_page_from_free_list and
 * move_to_free_list only VM_WARN_ONCE on a mismatch, under CONFIG_DEBUG_VM (off in the recorded
 * kernels), and their list_del / list_move_tail unlink a page from whatever list holds it. A
 * real machine does show the state: the 64K lab kernel with 1 GiB (16,384 pages, two
 * pageblocks) boots with "mobility grouping off" (dmesg; vm_total_pages < pageblock_nr_pages *
 * MIGRATE_TYPES), and 3 of 10 boots came up with both pageblocks Unmovable and free pages on the
 * Movable lists, the same counts in /proc/pagetypeinfo read four times 1 s apart on the idle
 * machine (a state, not a skew between pagetypeinfo's free-list and block-count walks); with
 * grouping off set_pageblock_migratetype maps every type below MIGRATE_PCPTYPES to Unmovable, so
 * no block can become Movable again, yet qemu-press-oom-64k-6.18 (4,029 Movable-list pages at
 * the start, both pageblocks Unmovable) fell back from the Movable list at 2.266 s. The kernel
 * keeps such blocks until they are taken, merged or moved: expand puts the halves of a block
 * taken from a list back on that list, __free_one_page adds the merged block to the freeing
 * page's type, move_to_free_list moves a block off the list it is on. Such blocks are remembered
 * in PsZone.foreign (with a count per pageblock, PsZone.foreign_nr, so a removal elsewhere does
 * not look in the table). A 6.18 path that makes the lab's state: __isolate_free_page
 * (compaction's isolate_freepages_block / fast_isolate_freepages, page_reporting) on a free
 * block of order >= pageblock_order - 1 calls move_freepages_block(zone, page, mt,
 * MIGRATE_MOVABLE) for its pageblock, which moves every free block of it to the Movable lists
 * (list_move_tail) and then set_pageblock_migratetype(MOVABLE), which with grouping off stores
 * Unmovable. This was read from the linux-mm patch threads of the series that made
 * move_freepages_block set the type (not from a 6.18 tree); that the lab boots go this way
 * (boot leaves both pageblocks Movable, the first Unmovable fallback claims one, a compaction
 * such as kcompactd's proactive run isolates an order-12 block of the other) is an inference.
 * The model makes the state on that path with grouping off (isolate_move_grouping_off) and
 * reproduces a snapshot that shows it.
 *
 * Simplifications (why acceptable):
 * - No CMA (the modelled builds have CONFIG_CMA off, like the recorded machine), no guard pages
 *   (debug only), no page shuffling (off by default).
 * - Nothing in the model isolates a pageblock (no memory offlining, no alloc_contig_range, the
 *   kernel's two users of MIGRATE_ISOLATE); an ISOLATE pageblock only comes from a real
 *   machine's snapshot, and its free pages are kept out of NR_FREE_PAGES as the kernel keeps
 *   them (account_freepages).
 * - Compaction capture (compaction_capture) takes the block for the direct compactor recorded in
 *   PsMachine.capture; the kernel keys it on `current`, the simulator runs one request at a time.
 * - Compaction capture refuses a MOVABLE block below pageblock order to every request; 6.18
 *   refuses it only to a request that is not MOVABLE itself (cc->migratetype). It differs for
 *   MOVABLE direct compactions below pageblock order (mTHP and large page-cache folios at sizes
 *   under the pageblock); THP faults (pageblock order) are not affected. Not acceptable for good:
 *   with the kernel's rule the sim-frag test's watermark-boost experiment changes regime (its
 *   unboosted arm reclaims 586,912 pages instead of 106,176), which has to be understood before
 *   the rule goes in; the ftrace recordings' fidelity tables do not move with it.
 * - Grouping off is mapped only where __isolate_free_page retypes (isolate_move_grouping_off:
 *   the free blocks go to the Movable lists, the pageblock stays Unmovable, the lab's state);
 *   elsewhere ps_set_pageblock_mt keeps a type below MIGRATE_PCPTYPES where
 *   set_pageblock_migratetype stores Unmovable (under grouping off the allocator asks only
 *   for Unmovable, alloc.c, so claims retype to it anyway). ps_isolate_free_page leaves a
 *   Movable pageblock's free blocks where they are (the kernel's move_freepages_block moves
 *   them to the Movable list tails, so the list order differs; under grouping off it would
 *   also store Unmovable, making them foreign: such a block comes only from a snapshot).
 * - "Movable-looking" pages in the claim heuristic are allocated blocks whose head carries
 *   PS_PAGE_MOVABLE_BIT (set by policy for LRU-bound allocations), counted per base page as
 *   PageLRU() does for every page of a folio.
 */
#include "mm/mm-private.h"

static const enum ps_migratetype fallbacks[PS_MT_PCPTYPES][PS_MT_PCPTYPES - 1] = {
    [PS_MT_UNMOVABLE] = {PS_MT_RECLAIMABLE, PS_MT_MOVABLE},
    [PS_MT_MOVABLE] = {PS_MT_RECLAIMABLE, PS_MT_UNMOVABLE},
    [PS_MT_RECLAIMABLE] = {PS_MT_UNMOVABLE, PS_MT_MOVABLE},
};

/* ---- free list primitives ------------------------------------------------------------------- */

/* account_freepages */
static void account_freepages(PsZone *z, int64_t nr_pages, enum ps_migratetype mt)
{
	if (mt == PS_MT_ISOLATE)
		return;
	z->vm_stat[PS_NR_FREE_PAGES] += nr_pages;
	if (ps_is_migrate_highatomic(mt))
		z->nr_free_highatomic = (uint64_t)((int64_t)z->nr_free_highatomic + nr_pages);
}

/* PsZone.foreign_nr's slot for the pageblock of pfn. */
static inline uint16_t *foreign_nr(const PsMachine *m, const PsZone *z, ps_pfn_t pfn)
{
	return &z->foreign_nr[(pfn - m->map.base_pfn) >> m->pageblock_order];
}

void ps_free_list_foreign_init(PsMachine *m, PsZone *z)
{
	if (z->foreign)
		return;
	/* a pageblock holds at most pageblock_nr_pages / 2 free heads: they fit a uint16_t */
	g_assert(m->pageblock_nr_pages / 2 <= G_MAXUINT16);
	z->foreign = g_hash_table_new(g_direct_hash, g_direct_equal);
	z->foreign_nr = g_new0(uint16_t, (m->map.end_pfn - m->map.base_pfn) >> m->pageblock_order);
}

void ps_free_list_foreign_set(PsMachine *m, PsZone *z, ps_pfn_t pfn, enum ps_migratetype list)
{
	if (g_hash_table_insert(z->foreign, GUINT_TO_POINTER(pfn), GUINT_TO_POINTER(list + 1)))
		(*foreign_nr(m, z, pfn))++;
}

/*
 * free_list_add / free_list_del: the bodies of ps_free_list_add / ps_free_list_del, inline for
 * this file's per-page paths (expand, page_del_and_expand, __free_one_page); the exported
 * functions are for snapshot loading. The _ forms take `foreign`, a constant: false is for a
 * caller that saw the zone without foreign blocks (PsZone.foreign NULL) once, before its loop,
 * and so compiles to the path without them, no test a page; nothing in those loops makes a
 * foreign block (only ps_free_list_move does). true tests PsZone.foreign a page, which the
 * removal of the last entry may drop within the loop.
 */
G_ALWAYS_INLINE static inline void free_list_add_(PsMachine *m, PsZone *z, ps_pfn_t pfn,
						  unsigned order, enum ps_migratetype mt, bool tail,
						  const bool foreign)
{
	PsFreeArea *area = &z->free_area[order];

	if (foreign && G_UNLIKELY(z->foreign) && ps_pageblock_mt(m, pfn) != mt)
		ps_free_list_foreign_set(m, z, pfn, mt); /* out of line */
	ps_page_set_free(m, pfn, PS_PAGE_BUDDY, order);
	if (tail)
		ps_list_add_tail(m, &area->list[mt], pfn);
	else
		ps_list_add_head(m, &area->list[mt], pfn);
	area->nr_free++;
	if (order >= m->pageblock_order && mt != PS_MT_ISOLATE)
		z->vm_stat[PS_NR_FREE_PAGES_BLOCKS] += 1 << order;
}

static inline void free_list_add(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order,
				 enum ps_migratetype mt, bool tail)
{
	free_list_add_(m, z, pfn, order, mt, tail, true);
}

void ps_free_list_foreign_drop(PsZone *z)
{
	g_hash_table_destroy(z->foreign);
	z->foreign = NULL;
	g_free(z->foreign_nr);
	z->foreign_nr = NULL;
}

/*
 * The list the free block head at pfn is on, its PsZone.foreign entry dropped (the block is
 * leaving that list): the entry's type, else the pageblock's. mt: the caller's type, the block's
 * list whenever the zone has no foreign blocks. A removal looks in the table only when the
 * block's pageblock has a foreign block (PsZone.foreign_nr), not once per buddy removal.
 * A table its last entry has left is dropped at the next removal (it is empty, so the block
 * taken is on its pageblock's list, as the caller says): not when that entry leaves, since
 * page_del_and_expand puts the halves of the block it took back on the same (foreign) list
 * right after. From then on the zone costs the NULL test only, and answers as a zone restored
 * from the started-state cache does (an empty table is saved as none: zone_foreign_state).
 */
static G_NO_INLINE enum ps_migratetype take_foreign_slow(const PsMachine *m, PsZone *z,
							 ps_pfn_t pfn, enum ps_migratetype mt)
{
	uint16_t *nr;
	gpointer v;

	if (g_hash_table_size(z->foreign) == 0) {
		ps_free_list_foreign_drop(z);
		return mt;
	}
	nr = foreign_nr(m, z, pfn);
	if (*nr == 0 || !g_hash_table_steal_extended(z->foreign, GUINT_TO_POINTER(pfn), NULL, &v))
		return ps_pageblock_mt(m, pfn);
	(*nr)--;
	return (enum ps_migratetype)(GPOINTER_TO_UINT(v) - 1);
}

/* out of line past the NULL test, so free_list_del stays inline in its hot callers */
static inline enum ps_migratetype take_foreign(const PsMachine *m, PsZone *z, ps_pfn_t pfn,
					       enum ps_migratetype mt)
{
	if (G_LIKELY(!z->foreign))
		return mt;
	return take_foreign_slow(m, z, pfn, mt);
}

/* mt: the type the caller accounts the block to (its pageblock's, or the list it took it from). */
G_ALWAYS_INLINE static inline void free_list_del_(PsMachine *m, PsZone *z, ps_pfn_t pfn,
						  unsigned order, enum ps_migratetype mt,
						  const bool foreign)
{
	PsFreeArea *area = &z->free_area[order];

	g_assert(ps_page_state(m, pfn) == PS_PAGE_BUDDY && ps_page_order(m, pfn) == order);
	ps_list_del(m, &area->list[foreign ? take_foreign(m, z, pfn, mt) : mt], pfn);
	ps_page_set_free(m, pfn, PS_PAGE_TAIL, 0);
	area->nr_free--;
	if (order >= m->pageblock_order && mt != PS_MT_ISOLATE)
		z->vm_stat[PS_NR_FREE_PAGES_BLOCKS] -= 1 << order;
}

G_ALWAYS_INLINE static inline void free_list_del(PsMachine *m, PsZone *z, ps_pfn_t pfn,
						 unsigned order, enum ps_migratetype mt)
{
	free_list_del_(m, z, pfn, order, mt, true);
}

void ps_free_list_add(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order, enum ps_migratetype mt,
		      bool tail)
{
	free_list_add(m, z, pfn, order, mt, tail);
	/* a loader's page may have been anything before: its big_head byte follows the write */
	ps_page_set(m, pfn, PS_PAGE_BUDDY, order);
}

void ps_free_list_del(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order, enum ps_migratetype mt)
{
	free_list_del(m, z, pfn, order, mt);
}

enum ps_migratetype ps_free_list_of(const PsMachine *m, const PsZone *z, ps_pfn_t pfn)
{
	gpointer v;

	if (z->foreign && *foreign_nr(m, z, pfn) &&
	    g_hash_table_lookup_extended(z->foreign, GUINT_TO_POINTER(pfn), NULL, &v))
		return (enum ps_migratetype)(GPOINTER_TO_UINT(v) - 1);
	return ps_pageblock_mt(m, pfn);
}

/*
 * move_to_free_list: list_move_tail onto the new type, accounting moved with it. list_move_tail
 * unlinks the page from whatever list holds it, so the block leaves its own list (a foreign one,
 * or its pageblock's), not old_mt's: try_to_claim_block passes the fallback list's type for
 * every free block of the pageblock, and only account_freepages uses old_mt. The callers retype
 * the pageblock to new_mt (or it has that type), so the block is no longer foreign.
 */
static void move_to_free_list(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order,
			      enum ps_migratetype old_mt, enum ps_migratetype new_mt)
{
	PsFreeArea *area = &z->free_area[order];

	ps_list_del(m, &area->list[take_foreign(m, z, pfn, old_mt)], pfn);
	ps_list_add_tail(m, &area->list[new_mt], pfn);
	account_freepages(z, -(1 << order), old_mt);
	account_freepages(z, 1 << order, new_mt);
}

void ps_free_list_move(PsMachine *m, PsZone *z, ps_pfn_t pfn, enum ps_migratetype new_mt)
{
	unsigned order = ps_page_order(m, pfn);
	enum ps_migratetype old = ps_free_list_of(m, z, pfn);

	g_assert(ps_page_state(m, pfn) == PS_PAGE_BUDDY);
	g_assert(old < PS_MT_PCPTYPES && new_mt < PS_MT_PCPTYPES);
	free_list_del(m, z, pfn, order, old);
	/* after the removal, which drops a table that is empty */
	ps_free_list_foreign_init(m, z);
	free_list_add(m, z, pfn, order, new_mt, true);
}

/* change_pageblock_range */
static void change_pageblock_range(PsMachine *m, ps_pfn_t pfn, unsigned order,
				   enum ps_migratetype mt)
{
	uint64_t nr = order >= m->pageblock_order ? 1ull << (order - m->pageblock_order) : 1;

	for (uint64_t i = 0; i < nr; i++)
		ps_set_pageblock_mt(m, pfn + (ps_pfn_t)(i << m->pageblock_order), mt);
}

/*
 * expand: split the block at pfn of order `high` down to `low`, putting each upper half at the
 * head of its order's list. Returns the number of base pages put back.
 */
G_ALWAYS_INLINE static inline uint64_t expand(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned low,
					      unsigned high, enum ps_migratetype mt,
					      const bool foreign)
{
	uint64_t nr_added = 0;

	while (high > low) {
		high--;
		free_list_add_(m, z, pfn + (1u << high), high, mt, false, foreign);
		nr_added += 1ull << high;
		m->split_levels_total++;
	}
	return nr_added;
}

/* page_del_and_expand (foreign: free_list_add_) */
G_ALWAYS_INLINE static inline void page_del_and_expand_(PsMachine *m, PsZone *z, ps_pfn_t pfn,
							unsigned low, unsigned high,
							enum ps_migratetype mt, const bool foreign)
{
	int64_t nr_pages = 1ll << high;

	free_list_del_(m, z, pfn, high, mt, foreign);
	nr_pages -= (int64_t)expand(m, z, pfn, low, high, mt, foreign);
	account_freepages(z, -nr_pages, mt);
}

/* The zone's foreign blocks tested once a call, not once a page (free_list_add_). */
static void page_del_and_expand(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned low, unsigned high,
				enum ps_migratetype mt)
{
	if (G_LIKELY(!z->foreign))
		page_del_and_expand_(m, z, pfn, low, high, mt, false);
	else
		page_del_and_expand_(m, z, pfn, low, high, mt, true);
}

ps_pfn_t ps_rmqueue_smallest_quiet(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt)
{
	for (unsigned cur = order; cur < m->nr_orders; cur++) {
		ps_pfn_t pfn = z->free_area[cur].list[mt].head;

		if (pfn == PS_PFN_NONE)
			continue;
		page_del_and_expand(m, z, pfn, order, cur, mt);
		return pfn;
	}
	return PS_PFN_NONE;
}

/*
 * rmqueue_bulk's run of __rmqueue_smallest calls, a block at a time. When the smallest block on
 * mt's lists is of order cur > order, every list of mt below cur is empty, and at least
 * 2^(cur - order) pages are still wanted, the next 2^(cur - order) calls would take exactly
 * that block, page after page in pfn order: the first takes its head and expand puts the upper
 * halves at the heads of the empty lists below, and each later call takes the lowest of what
 * is left, splitting as it goes. After the last one those lists are empty again and the block
 * is gone: nr_free of order cur one lower, the zone's free pages 2^cur lower, 2^(cur - order) - 1
 * levels split, every page's flags and links about to be written by the caller (the halves'
 * heads are among its pages). So the block is taken whole here, with no half on any list
 * (kbuild and churn-portable refills come ~99 % from such blocks: ~165 instructions a page of
 * list work and expand gone). Only for cur up to pageblock_order: halves of pageblock order
 * and up would leave stale links in PsMemMap.block_link, which the caller does not rewrite;
 * and only without foreign blocks. Anything else takes one block as ps_rmqueue_smallest_quiet.
 * Returns the pages of order `order` from *pfn on (0: mt's lists are empty).
 */
unsigned ps_rmqueue_smallest_run(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt,
				 unsigned want, ps_pfn_t *pfn)
{
	for (unsigned cur = order; cur < m->nr_orders; cur++) {
		ps_pfn_t head = z->free_area[cur].list[mt].head;

		if (head == PS_PFN_NONE)
			continue;
		*pfn = head;
		if (cur == order || cur > m->pageblock_order || z->foreign ||
		    want < (1u << (cur - order))) {
			page_del_and_expand(m, z, head, order, cur, mt);
			return 1;
		}
		free_list_del_(m, z, head, cur, mt, false);
		account_freepages(z, -(1ll << cur), mt);
		m->split_levels_total += (1u << (cur - order)) - 1;
		return 1u << (cur - order);
	}
	return 0;
}

/*
 * rmqueue_bulk's run of __rmqueue_smallest calls while mt's list of `order` itself is not empty:
 * each takes that list's first block (cur == order: nothing to split), and rmqueue_bulk
 * list_add_tails it to the pcp list. For up to `want` calls, that is the list's first blocks in
 * list order moving to the tail of `to` as they were linked: each block's links end up as they
 * were (its predecessor on `to` is the one before it on the free list, its successor the one
 * after), nr_free and the zone's free pages lower by the blocks taken, every block a PCP head.
 * So the chain is moved whole and its blocks' flags written in one walk (speed only: after a
 * drain has freed a pcp list's scattered pages to the order-0 lists, a refill takes them back a
 * page at a time; ftrace-press-thp2-6.18: 131 k such calls, ~120 instructions each). Below
 * pageblock order only (no NR_FREE_PAGES_BLOCKS), for a pcp type (no highatomic or isolate
 * accounting), without foreign blocks. Returns the blocks moved (0: the list is empty).
 */
unsigned ps_rmqueue_smallest_list(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt,
				  unsigned want, PsList *to)
{
	PsFreeArea *area = &z->free_area[order];
	PsList *from = &area->list[mt];
	const ps_pfn_t base = m->map.base_pfn, first = from->head;
	const uint8_t byte =
	    (uint8_t)((PS_PAGE_PCP << PS_PAGE_STATE_SHIFT) | (order & PS_PAGE_ORDER_MASK));
	PsPageLink *link = m->map.link;
	ps_pfn_t last = first, next;
	unsigned k = 1;

	g_assert(order < m->pageblock_order && mt < PS_MT_PCPTYPES && !z->foreign);
	g_assert(!to->block_links && !from->block_links && want > 0);
	if (first == PS_PFN_NONE)
		return 0;
	for (;;) {
		g_assert(ps_page_state(m, last) == PS_PAGE_BUDDY &&
			 ps_page_order(m, last) == order);
		m->map.flags[last - base] = byte;
		next = link[last - base].next;
		if (k == want || next == PS_PFN_NONE)
			break;
		last = next;
		k++;
	}
	/* off the free list: its new head is the block after the chain */
	from->head = next;
	if (next != PS_PFN_NONE)
		link[next - base].prev = PS_PFN_NONE;
	else
		from->tail = PS_PFN_NONE;
	g_assert(from->len >= k);
	from->len -= k;
	/* onto the pcp list's tail */
	link[first - base].prev = to->tail;
	if (to->tail != PS_PFN_NONE)
		link[to->tail - base].next = first;
	else
		to->head = first;
	link[last - base].next = PS_PFN_NONE;
	to->tail = last;
	to->len += k;
	area->nr_free -= k;
	account_freepages(z, -((int64_t)k << order), mt);
	return k;
}

ps_pfn_t ps_rmqueue_smallest(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt)
{
	ps_pfn_t pfn = ps_rmqueue_smallest_quiet(m, z, order, mt);

	if (pfn != PS_PFN_NONE && m->hooks.zone_locked)
		m->hooks.zone_locked(m->hook_data.zone_locked, z, order, mt,
				     ps_pcp_allowed_order(m, order) && mt < PS_MT_PCPTYPES, 1);
	return pfn;
}

/* ---- migratetype fallback ------------------------------------------------------------------- */

/* should_try_claim_block */
static bool should_try_claim_block(const PsMachine *m, unsigned order, enum ps_migratetype start_mt)
{
	if (order >= m->pageblock_order)
		return true;
	if (order >= m->pageblock_order / 2 || start_mt == PS_MT_RECLAIMABLE ||
	    start_mt == PS_MT_UNMOVABLE || m->sysctl.page_group_by_mobility_disabled)
		return true;
	return false;
}

/* find_suitable_fallback: -1 none at this order, -2 too low an order to claim. */
static int find_suitable_fallback(const PsMachine *m, const PsFreeArea *area, unsigned order,
				  enum ps_migratetype mt, bool claimable)
{
	if (area->nr_free == 0)
		return -1;
	if (claimable && !should_try_claim_block(m, order, mt))
		return -2;
	for (int i = 0; i < PS_MT_PCPTYPES - 1; i++) {
		enum ps_migratetype fb = fallbacks[mt][i];

		if (area->list[fb].head != PS_PFN_NONE)
			return (int)fb;
	}
	return -1;
}

/* mult_frac(high, watermark_boost_factor, 10000): boost_watermark's max_boost before its floor */
static uint64_t boost_max(const PsMachine *m, const PsZone *z)
{
	uint64_t factor = (uint64_t)MAX(m->sysctl.watermark_boost_factor, 0);

	return (z->wmark[PS_WMARK_HIGH] / 10000) * factor +
	       (z->wmark[PS_WMARK_HIGH] % 10000) * factor / 10000;
}

bool ps_zone_boostable(const PsMachine *m, const PsZone *z)
{
	/* Zones smaller than four pageblocks are not boosted (matters for 64K pages). */
	return m->sysctl.watermark_boost_factor > 0 && m->pageblock_nr_pages * 4 <= z->managed &&
	       boost_max(m, z) != 0;
}

bool ps_boost_watermark(PsMachine *m, PsZone *z)
{
	uint64_t max_boost;

	if (!ps_zone_boostable(m, z))
		return false;
	max_boost = MAX(m->pageblock_nr_pages, boost_max(m, z));
	z->watermark_boost = MIN(z->watermark_boost + m->pageblock_nr_pages, max_boost);
	z->watermark_boosts++;
	return true;
}

/*
 * prep_move_freepages_block: the pageblock around pfn, its free pages and movable-looking pages.
 * Fails when the block is not entirely inside the zone.
 */
static bool prep_move_freepages_block(PsMachine *m, PsZone *z, ps_pfn_t pfn, ps_pfn_t *start_pfn,
				      uint64_t *free_pages, uint64_t *movable_pages)
{
	ps_pfn_t start = pfn & ~(ps_pfn_t)(m->pageblock_nr_pages - 1);
	ps_pfn_t end = start + (ps_pfn_t)m->pageblock_nr_pages;
	ps_pfn_t p;

	*start_pfn = start;
	if (start < z->start_pfn || end > ps_zone_end_pfn(z))
		return false;
	if (free_pages)
		*free_pages = 0;
	if (movable_pages)
		*movable_pages = 0;
	for (p = start; p < end;) {
		enum ps_page_state st = ps_page_state(m, p);

		if (st == PS_PAGE_BUDDY) {
			unsigned order = ps_page_order(m, p);

			if (free_pages)
				*free_pages += 1ull << order;
			p += 1u << order;
			continue;
		}
		if (st == PS_PAGE_ALLOCATED) {
			unsigned order = ps_page_order(m, p);
			uint64_t span = MIN(1ull << order, (uint64_t)(end - p));

			if (movable_pages && ps_page_movable(m, p))
				*movable_pages += span;
			p += (ps_pfn_t)span;
			continue;
		}
		if (st == PS_PAGE_PCP) {
			p += 1u << ps_page_order(m, p);
			continue;
		}
		p++;
	}
	return true;
}

/* __move_freepages_block: every free block of the pageblock to new_mt's lists (at the tail). */
static uint64_t move_freepages_block_range(PsMachine *m, PsZone *z, ps_pfn_t start,
					   enum ps_migratetype old_mt, enum ps_migratetype new_mt)
{
	ps_pfn_t end = start + (ps_pfn_t)m->pageblock_nr_pages;
	uint64_t moved = 0;

	for (ps_pfn_t p = start; p < end;) {
		unsigned order;

		if (ps_page_state(m, p) != PS_PAGE_BUDDY) {
			p++;
			continue;
		}
		order = ps_page_order(m, p);
		move_to_free_list(m, z, p, order, old_mt, new_mt);
		p += 1u << order;
		moved += 1ull << order;
	}
	return moved;
}

/* move_freepages_block: -1 when the block crosses the zone boundary. */
static int64_t move_freepages_block(PsMachine *m, PsZone *z, ps_pfn_t pfn,
				    enum ps_migratetype old_mt, enum ps_migratetype new_mt)
{
	ps_pfn_t start;
	int64_t moved;

	if (!prep_move_freepages_block(m, z, pfn, &start, NULL, NULL))
		return -1;
	moved = (int64_t)move_freepages_block_range(m, z, start, old_mt, new_mt);
	ps_set_pageblock_mt(m, start, new_mt);
	return moved;
}

/* try_to_claim_block */
static ps_pfn_t try_to_claim_block(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned cur_order,
				   unsigned order, enum ps_migratetype start_mt,
				   enum ps_migratetype block_mt, unsigned alloc_flags)
{
	uint64_t free_pages, movable_pages, alike_pages;
	ps_pfn_t start;

	if (cur_order >= m->pageblock_order) {
		uint64_t nr_added;

		free_list_del(m, z, pfn, cur_order, block_mt);
		account_freepages(z, -(1ll << cur_order), block_mt);
		change_pageblock_range(m, pfn, cur_order, start_mt);
		nr_added = expand(m, z, pfn, order, cur_order, start_mt, true);
		account_freepages(z, (int64_t)nr_added, start_mt);
		return pfn;
	}

	if (ps_boost_watermark(m, z) && (alloc_flags & PS_ALLOC_KSWAPD))
		z->flags |= PS_ZONE_BOOSTED_WATERMARK;

	if (!prep_move_freepages_block(m, z, pfn, &start, &free_pages, &movable_pages))
		return PS_PFN_NONE;

	if (start_mt == PS_MT_MOVABLE)
		alike_pages = movable_pages;
	else if (block_mt == PS_MT_MOVABLE)
		alike_pages = m->pageblock_nr_pages - (free_pages + movable_pages);
	else
		alike_pages = 0;

	if (free_pages + alike_pages >= (m->pageblock_nr_pages >> 1) ||
	    m->sysctl.page_group_by_mobility_disabled) {
		move_freepages_block_range(m, z, start, block_mt, start_mt);
		ps_set_pageblock_mt(m, start, start_mt);
		return ps_rmqueue_smallest(m, z, order, start_mt);
	}
	return PS_PFN_NONE;
}

static void report_extfrag(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order, unsigned fb_order,
			   enum ps_migratetype start_mt, enum ps_migratetype fb_mt,
			   PsRmqueueInfo *info)
{
	/* change_ownership as the tracepoint computes it: the block now has the wanted type. */
	bool claimed = ps_pageblock_mt(m, pfn) == start_mt;

	if (info) {
		info->fallback_mt = fb_mt;
		info->fallback_order = fb_order;
		info->claimed = claimed;
		info->fragmenting = fb_order < m->pageblock_order;
	}
	if (m->hooks.extfrag)
		m->hooks.extfrag(m->hook_data.extfrag, z, pfn, order, fb_order, start_mt, fb_mt,
				 claimed);
}

/* __rmqueue_claim: largest fallback block first, claiming its pageblock when worthwhile. */
static ps_pfn_t rmqueue_claim(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype start_mt,
			      unsigned alloc_flags, PsRmqueueInfo *info)
{
	unsigned min_order = order;

	if (order < m->pageblock_order && (alloc_flags & PS_ALLOC_NOFRAGMENT))
		min_order = m->pageblock_order;

	for (int cur = (int)m->max_order; cur >= (int)min_order; cur--) {
		PsFreeArea *area = &z->free_area[cur];
		int fb = find_suitable_fallback(m, area, (unsigned)cur, start_mt, true);
		ps_pfn_t pfn;

		if (fb == -1)
			continue;
		if (fb == -2)
			break;
		pfn = area->list[fb].head;
		pfn = try_to_claim_block(m, z, pfn, (unsigned)cur, order, start_mt,
					 (enum ps_migratetype)fb, alloc_flags);
		if (pfn != PS_PFN_NONE) {
			report_extfrag(m, z, pfn, order, (unsigned)cur, start_mt,
				       (enum ps_migratetype)fb, info);
			return pfn;
		}
	}
	return PS_PFN_NONE;
}

/* __rmqueue_steal: smallest fallback block, taken without changing its pageblock's type. */
static ps_pfn_t rmqueue_steal(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype start_mt,
			      PsRmqueueInfo *info)
{
	for (unsigned cur = order; cur < m->nr_orders; cur++) {
		PsFreeArea *area = &z->free_area[cur];
		int fb = find_suitable_fallback(m, area, cur, start_mt, false);
		ps_pfn_t pfn;

		if (fb == -1)
			continue;
		pfn = area->list[fb].head;
		page_del_and_expand(m, z, pfn, order, cur, (enum ps_migratetype)fb);
		report_extfrag(m, z, pfn, order, cur, start_mt, (enum ps_migratetype)fb, info);
		return pfn;
	}
	return PS_PFN_NONE;
}

ps_pfn_t ps_rmqueue(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt,
		    unsigned alloc_flags, enum ps_rmqueue_mode *mode, PsRmqueueInfo *info)
{
	enum ps_rmqueue_mode local = PS_RMQUEUE_NORMAL;
	ps_pfn_t pfn;

	if (!mode)
		mode = &local;
	if (info)
		info->mode = PS_RMQUEUE_NORMAL;

	switch (*mode) {
	case PS_RMQUEUE_NORMAL:
		pfn = ps_rmqueue_smallest(m, z, order, mt);
		if (pfn != PS_PFN_NONE)
			return pfn;
		G_GNUC_FALLTHROUGH;
	case PS_RMQUEUE_CMA: /* no CMA in the modelled builds */
	case PS_RMQUEUE_CLAIM:
		pfn = rmqueue_claim(m, z, order, mt, alloc_flags, info);
		if (pfn != PS_PFN_NONE) {
			/* The preferred list was replenished: back to normal mode. */
			*mode = PS_RMQUEUE_NORMAL;
			if (info)
				info->mode = PS_RMQUEUE_CLAIM;
			return pfn;
		}
		G_GNUC_FALLTHROUGH;
	case PS_RMQUEUE_STEAL:
		if (!(alloc_flags & PS_ALLOC_NOFRAGMENT)) {
			pfn = rmqueue_steal(m, z, order, mt, info);
			if (pfn != PS_PFN_NONE) {
				*mode = PS_RMQUEUE_STEAL;
				if (info)
					info->mode = PS_RMQUEUE_STEAL;
				return pfn;
			}
		}
	}
	return PS_PFN_NONE;
}

/*
 * __isolate_free_page's move_freepages_block(zone, page, mt, MIGRATE_MOVABLE) with mobility
 * grouping off: __move_freepages_block moves every free block of the pageblock to the Movable
 * list of its order (move_to_free_list, list_move_tail), and set_pageblock_migratetype(page,
 * MIGRATE_MOVABLE) then stores MIGRATE_UNMOVABLE (page_group_by_mobility_disabled maps every
 * type below MIGRATE_PCPTYPES to it). The blocks stay on the Movable lists of an Unmovable
 * pageblock: PsZone.foreign records them (ps_free_list_move, which moves a block to the list's
 * tail without retyping). The state the 64K lab kernel shows (buddy.c's header).
 */
static void isolate_move_grouping_off(PsMachine *m, PsZone *z, ps_pfn_t pfn)
{
	ps_pfn_t start, end;

	if (!prep_move_freepages_block(m, z, pfn, &start, NULL, NULL))
		return;
	end = start + (ps_pfn_t)m->pageblock_nr_pages;
	for (ps_pfn_t p = start; p < end;) {
		if (ps_page_state(m, p) != PS_PAGE_BUDDY) {
			p++;
			continue;
		}
		if (ps_free_list_of(m, z, p) != PS_MT_MOVABLE)
			ps_free_list_move(m, z, p, PS_MT_MOVABLE);
		p += 1u << ps_page_order(m, p);
	}
	/* set_pageblock_migratetype under grouping off: Unmovable, whatever was asked */
	ps_set_pageblock_mt(m, start, PS_MT_UNMOVABLE);
}

uint64_t ps_isolate_free_page(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	enum ps_migratetype mt = ps_pageblock_mt(m, pfn);

	g_assert(ps_page_state(m, pfn) == PS_PAGE_BUDDY && ps_page_order(m, pfn) == order);
	if (mt != PS_MT_ISOLATE) {
		/* Keep the min watermark intact: isolation must not push the zone below it. */
		int64_t free_pages = z->vm_stat[PS_NR_FREE_PAGES] - (int64_t)z->nr_free_highatomic;
		int64_t mark = (int64_t)z->wmark[PS_WMARK_MIN] + (1ll << order);

		if (free_pages <= mark + z->lowmem_reserve[0])
			return 0;
	}
	free_list_del(m, z, pfn, order, mt);
	account_freepages(z, -(1ll << order), mt);
	/* Half a pageblock or more: the rest of the block is for movable pages now. */
	if (order + 1 >= m->pageblock_order) {
		ps_pfn_t end = pfn + (1u << order);

		for (ps_pfn_t b = pfn; b < end; b += (ps_pfn_t)m->pageblock_nr_pages) {
			enum ps_migratetype bmt = ps_pageblock_mt(m, b);

			if (!ps_migratetype_is_mergeable(bmt) || bmt == PS_MT_MOVABLE)
				continue;
			if (m->sysctl.page_group_by_mobility_disabled)
				isolate_move_grouping_off(m, z, b);
			else
				move_freepages_block(m, z, b, bmt, PS_MT_MOVABLE);
		}
	}
	return 1ull << order;
}

ps_pfn_t ps_rmqueue_buddy(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt,
			  unsigned alloc_flags)
{
	ps_pfn_t pfn = PS_PFN_NONE;

	if (alloc_flags & PS_ALLOC_HIGHATOMIC)
		pfn = ps_rmqueue_smallest(m, z, order, PS_MT_HIGHATOMIC);
	if (pfn == PS_PFN_NONE) {
		pfn = ps_rmqueue(m, z, order, mt, alloc_flags, NULL, NULL);
		/* Failing now is worse than failing a future high-order atomic allocation. */
		if (pfn == PS_PFN_NONE && (alloc_flags & (PS_ALLOC_OOM | PS_ALLOC_NON_BLOCK)))
			pfn = ps_rmqueue_smallest(m, z, order, PS_MT_HIGHATOMIC);
		if (pfn == PS_PFN_NONE)
			return PS_PFN_NONE;
	}
	ps_page_mark_allocated(m, z, pfn, order);
	m->vm_events[PS_PGALLOC_DMA + z->type] += 1ull << order;
	return pfn;
}

/* ---- freeing -------------------------------------------------------------------------------- */

/*
 * page_is_buddy: a free block head of exactly this order inside the same zone, [zstart, zend).
 * The zone's bounds come from the caller, read once before its loop.
 */
G_ALWAYS_INLINE static inline bool page_is_buddy(const PsMachine *m, ps_pfn_t zstart, ps_pfn_t zend,
						 ps_pfn_t buddy, unsigned order)
{
	if (buddy < zstart || buddy >= zend)
		return false;
	return ps_page_state(m, buddy) == PS_PAGE_BUDDY && ps_page_order(m, buddy) == order;
}

/* buddy_merge_likely: the enclosing order+1 block's buddy is free, so a merge may come soon. */
G_ALWAYS_INLINE static inline bool buddy_merge_likely(const PsMachine *m, ps_pfn_t zstart,
						      ps_pfn_t zend, ps_pfn_t pfn,
						      ps_pfn_t buddy_pfn, unsigned order,
						      unsigned max_order)
{
	ps_pfn_t higher;

	if (order >= max_order - 1)
		return false;
	higher = buddy_pfn & pfn;
	return page_is_buddy(m, zstart, zend, higher ^ (1u << (order + 1)), order + 1);
}

/*
 * compaction_capture: a direct compactor waiting on this zone takes a block of its order. Not
 * from ISOLATE blocks, and not a MOVABLE block below pageblock order (the kernel: to a request
 * that is not MOVABLE, which would pollute a movable pageblock more than a fallback could; the
 * model refuses it to every request, see the header's simplifications). A block of another
 * type than the request's is type pollution and traced as such: mm_page_alloc_extfrag with the
 * request's order and type and the block's order and type (the 6.18 kernel's
 * compaction_capture, read in mm/page_alloc.c: the trace came with "mm: page_alloc: trace type
 * pollution from compaction capturing").
 * On
 * ftrace-press-thp2-6.18 the kernel's extfrag record at 4.2 ms (order 9, fallback order 9,
 * UNMOVABLE, not claimed) is the capture of block 0x4e4400, merged by the drain of the faulting
 * cpu's pcp list during its first compaction; the model captures the same block.
 */
static bool compaction_capture(PsMachine *m, PsCaptureControl *capc, PsZone *z, ps_pfn_t pfn,
			       unsigned order, enum ps_migratetype mt)
{
	if (!capc || capc->zone != z || capc->pfn != PS_PFN_NONE || order != capc->order)
		return false;
	if (mt == PS_MT_ISOLATE)
		return false;
	if (order < m->pageblock_order && mt == PS_MT_MOVABLE)
		return false;
	if (mt != capc->migratetype)
		report_extfrag(m, z, pfn, capc->order, order, capc->migratetype, mt, NULL);
	capc->pfn = pfn;
	return true;
}

/* __free_one_page (foreign: free_list_add_) */
G_ALWAYS_INLINE static inline void free_one_page_(PsMachine *m, PsZone *z, ps_pfn_t pfn,
						  unsigned order, enum ps_migratetype mt, int fpi,
						  const bool foreign)
{
	/*
	 * Speed only: what the loop reads of m and z and never changes, read once. Each store to
	 * map.flags (bytes, which may alias any field) made the compiler read them again.
	 */
	const ps_pfn_t zstart = z->start_pfn, zend = ps_zone_end_pfn(z);
	const unsigned max_order = m->max_order, pb_order = m->pageblock_order;
	PsCaptureControl *const capc = m->capture;
	ps_pfn_t buddy_pfn = pfn ^ (1u << order);
	bool to_tail;

	g_assert((pfn & ((1u << order) - 1)) == 0);
	/*
	 * The block leaves its allocated (or pcp) head: only one of pageblock order or more can
	 * be a pageblock's big head (PsMemMap.big_head), and then pfn starts its pageblock.
	 */
	ps_page_set_free(m, pfn, PS_PAGE_TAIL, 0);
	if (G_UNLIKELY(order >= pb_order))
		m->map.big_head[(pfn - m->map.base_pfn) >> pb_order] = 0;
	account_freepages(z, 1ll << order, mt);

	while (order < max_order) {
		enum ps_migratetype buddy_mt = mt;

		if (G_UNLIKELY(capc) && compaction_capture(m, capc, z, pfn, order, mt)) {
			account_freepages(z, -(1ll << order), mt);
			ps_page_mark_allocated(m, z, pfn, order);
			return;
		}
		buddy_pfn = pfn ^ (1u << order);
		if (!page_is_buddy(m, zstart, zend, buddy_pfn, order))
			break;
		if (order >= pb_order) {
			buddy_mt = ps_pageblock_mt(m, buddy_pfn);
			if (mt != buddy_mt && (!ps_migratetype_is_mergeable(mt) ||
					       !ps_migratetype_is_mergeable(buddy_mt)))
				break;
		}
		free_list_del_(m, z, buddy_pfn, order, buddy_mt, foreign);
		if (buddy_mt != mt) {
			/* Match the buddy's type so a later expand() uses the right lists. */
			account_freepages(z, -(1ll << order), buddy_mt);
			account_freepages(z, 1ll << order, mt);
			change_pageblock_range(m, buddy_pfn, order, mt);
		}
		m->buddy_merges_total++;
		pfn &= buddy_pfn;
		order++;
	}

	if (fpi & PS_FPI_TO_TAIL)
		to_tail = true;
	else
		to_tail = buddy_merge_likely(m, zstart, zend, pfn, buddy_pfn, order, max_order);
	free_list_add_(m, z, pfn, order, mt, to_tail, foreign);
}

/* The zone's foreign blocks tested once a call, not once a page (free_list_add_). */
void ps_free_one_page(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order, enum ps_migratetype mt,
		      int fpi)
{
	if (G_LIKELY(!z->foreign))
		free_one_page_(m, z, pfn, order, mt, fpi, false);
	else
		free_one_page_(m, z, pfn, order, mt, fpi, true);
}

/*
 * Speed only: free_pcppages_bulk's frees of the last blocks of a pcp list when they make up a
 * whole aligned block. A refill appends the pages of the buddy blocks it takes in pfn order
 * (rmqueue_bulk), and frees in pfn order (compaction's migration sources) are added at the head
 * one after the other, so a drain often finds the tail of a list holding 2^j blocks of `order`
 * that together are the aligned block of order order + j that starts or ends at the tail, in
 * descending or ascending pfn order. Freed one by one, in either order, each __free_one_page
 * merges its block with the part of that block freed before it and stops at a buddy still on
 * the list (every buddy below order order + j lies inside the block); only the last one
 * reaches order order + j, at the block's first pfn, and goes on past it. What is left is that
 * one __free_one_page of the whole block: the merged block and everything above it as before,
 * the lists and nr_free of the orders inside it as they were (each intermediate block was
 * added and taken off again), the zone's free pages the same sum, 2^j - 1 merges more
 * (buddy_merges_total), and every page of it a tail but the head. So the run is taken off the
 * list at once and freed as one block. Only up to pageblock order (one pageblock: one type,
 * and no intermediate block counts in NR_FREE_PAGES_BLOCKS), not in a zone with foreign
 * blocks, and not while a direct compactor could capture one of the blocks inside it (capture
 * is tried at every merge step). Returns the blocks of `order` freed, 0 when the tail is no
 * such run (of two or more blocks).
 */
G_ALWAYS_INLINE static inline unsigned pcp_tail_block(PsMachine *m, PsZone *z, PsList *list,
						      unsigned order, unsigned max_blocks,
						      uint64_t drained[PS_MT_TYPES])
{
	const ps_pfn_t base = m->map.base_pfn, step = (ps_pfn_t)1 << order;
	const unsigned pb_order = m->pageblock_order;
	const PsCaptureControl *capc = m->capture;
	const ps_pfn_t tail = list->tail;
	/* odd block: the run descends to it from below (its end aligned); even: ascends from it */
	const bool down = (tail >> order) & 1;
	const ps_pfn_t edge = down ? tail + step : tail;
	ps_pfn_t p = tail, lo, hi, first, prev;
	unsigned bo, nr = 1, want;
	enum ps_migratetype mt;

	/*
	 * A tail whose predecessor is not its neighbour on the run's side starts no run (the
	 * walk below would stop at its first step): asked first, the common answer of a list of
	 * scattered pages costs no alignment sums (ftrace-press-thp2-6.18: 426 k of 527 k calls)
	 */
	if (m->map.link[tail - base].prev != (down ? tail - step : tail + step))
		return 0;
	/* the largest block edge is aligned to, of at most max_blocks blocks (>= 1) */
	bo = MIN(MIN(pb_order, edge ? (unsigned)__builtin_ctz(edge) : pb_order),
		 order + (unsigned)(31 - __builtin_clz(max_blocks)));
	if (bo <= order)
		return 0;
	want = 1u << (bo - order);
	if (down)
		for (; nr < want && m->map.link[p - base].prev == p - step; nr++)
			p -= step;
	else
		for (; nr < want && m->map.link[p - base].prev == p + step; nr++)
			p += step;
	/* as many of it as the list holds in a row, rounded down to an aligned block */
	bo = order + (unsigned)(31 - __builtin_clz(nr));
	if (bo == order ||
	    (capc && capc->zone == z && capc->pfn == PS_PFN_NONE && capc->order < bo))
		return 0;
	nr = 1u << (bo - order);
	lo = down ? edge - ((ps_pfn_t)1 << bo) : edge;
	hi = lo + ((ps_pfn_t)1 << bo);
	/* the run leaves the list: the predecessor of its first block is the new tail */
	first = down ? lo : hi - step;
	prev = m->map.link[first - base].prev;
	list->tail = prev;
	if (prev != PS_PFN_NONE)
		m->map.link[prev - base].next = PS_PFN_NONE;
	else
		list->head = PS_PFN_NONE;
	g_assert(list->len >= nr);
	list->len -= nr;
	for (p = lo + step; p < hi; p += step)
		ps_page_set_free(m, p, PS_PAGE_TAIL, 0);
	mt = ps_pageblock_mt(m, lo);
	m->buddy_merges_total += nr - 1;
	free_one_page_(m, z, lo, bo, mt, PS_FPI_NONE, false);
	drained[mt] += 1ull << bo;
	return nr;
}

/*
 * free_pcppages_bulk's frees from one pcp list (ps_pcp_free_bulk's inner loop, here so that
 * __free_one_page is inlined into it; `foreign` as for free_one_page_): up to n blocks of
 * `order` off the tail of `list`, each to __free_one_page with its pageblock's type.
 */
G_ALWAYS_INLINE static inline unsigned free_pcp_tail_(PsMachine *m, PsZone *z, PsList *list,
						      unsigned order, unsigned n,
						      uint64_t drained[PS_MT_TYPES],
						      const bool foreign)
{
	unsigned k;

	for (k = 0; k < n && list->tail != PS_PFN_NONE;) {
		ps_pfn_t pfn = list->tail;
		enum ps_migratetype mt = ps_pageblock_mt(m, pfn);
		unsigned run;

		if (!foreign && (run = pcp_tail_block(m, z, list, order, n - k, drained))) {
			k += run;
			continue;
		}
		ps_list_del(m, list, pfn);
		free_one_page_(m, z, pfn, order, mt, PS_FPI_NONE, foreign);
		drained[mt] += 1ull << order;
		k++;
	}
	return k;
}

unsigned ps_free_pcp_tail(PsMachine *m, PsZone *z, PsList *list, unsigned order, unsigned n,
			  uint64_t drained[PS_MT_TYPES])
{
	g_assert(!list->block_links);
	if (G_LIKELY(!z->foreign))
		return free_pcp_tail_(m, z, list, order, n, drained, false);
	return free_pcp_tail_(m, z, list, order, n, drained, true);
}

void ps_buddy_free(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order, int fpi)
{
	ps_pfn_t end = pfn + (1u << order);

	/* split_large_buddy: each pageblock-sized piece keeps its own pageblock's type. */
	if (order > m->pageblock_order)
		order = m->pageblock_order;
	for (; pfn < end; pfn += 1u << order)
		ps_free_one_page(m, z, pfn, order, ps_pageblock_mt(m, pfn), fpi);
}

/* ---- highatomic reserves ------------------------------------------------------------------- */

void ps_reserve_highatomic_pageblock(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	uint64_t max_managed;
	enum ps_migratetype mt;

	/* Between one pageblock and about 1% of the zone; none if 1% is under a pageblock. */
	if (z->managed / 100 < m->pageblock_nr_pages)
		return;
	max_managed = (z->managed / 100 + m->pageblock_nr_pages - 1) & ~(m->pageblock_nr_pages - 1);
	if (z->nr_reserved_highatomic >= max_managed)
		return;
	mt = ps_pageblock_mt(m, pfn);
	if (!ps_migratetype_is_mergeable(mt))
		return;
	if (order < m->pageblock_order) {
		if (move_freepages_block(m, z, pfn, mt, PS_MT_HIGHATOMIC) == -1)
			return;
		z->nr_reserved_highatomic += m->pageblock_nr_pages;
	} else {
		change_pageblock_range(m, pfn, order, PS_MT_HIGHATOMIC);
		z->nr_reserved_highatomic += 1ull << order;
	}
}

bool ps_unreserve_highatomic_pageblock(PsMachine *m, PsZone *z, enum ps_migratetype req_mt,
				       bool force)
{
	/* Keep at least one pageblock unless memory pressure is really high. */
	if (!force && z->nr_reserved_highatomic <= m->pageblock_nr_pages)
		return false;
	for (unsigned order = 0; order < m->nr_orders; order++) {
		ps_pfn_t pfn = z->free_area[order].list[PS_MT_HIGHATOMIC].head;
		uint64_t size;
		int64_t ret;

		if (pfn == PS_PFN_NONE)
			continue;
		size = MAX(m->pageblock_nr_pages, 1ull << order);
		size = MIN(size, z->nr_reserved_highatomic);
		z->nr_reserved_highatomic -= size;
		if (order < m->pageblock_order) {
			ret = move_freepages_block(m, z, pfn, PS_MT_HIGHATOMIC, req_mt);
		} else {
			move_to_free_list(m, z, pfn, order, PS_MT_HIGHATOMIC, req_mt);
			change_pageblock_range(m, pfn, order, req_mt);
			ret = 1;
		}
		g_assert(ret != -1);
		if (ret > 0)
			return true;
	}
	return false;
}
