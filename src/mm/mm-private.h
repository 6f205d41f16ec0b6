/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mm-private.h - what the files of mm/ share and nobody else may use: the intrusive lists that
 * the buddy free lists (buddy.c) and the per-cpu lists (pcp.c) thread through the same
 * PsMemMap.link array (the kernel's list_head in struct page, used by both), the free
 * lists of pageblock order and up through PsMemMap.block_link.
 * Not for use outside mm/; the build refuses an include of it from another module.
 */
#ifndef PS_MM_PRIVATE_H
#define PS_MM_PRIVATE_H

#include "mm/mm.h"

#define PS_MAP_NEXT(m, l, pfn) (*ps_list_next_slot((m), (l), (pfn)))
#define PS_MAP_PREV(m, l, pfn) (*ps_list_prev_slot((m), (l), (pfn)))

/*
 * ps_page_set of a page that is the head or a tail of a free or pcp block before the write and
 * after it (state TAIL, BUDDY or PCP, never ALLOCATED): such a write cannot change the page's
 * PsMemMap.big_head byte, so it is left alone (the hot list paths of buddy.c and pcp.c).
 * ps_machine_check's big_head rule catches a wrong use.
 */
static inline void ps_page_set_free(PsMachine *m, ps_pfn_t pfn, enum ps_page_state st,
				    unsigned order)
{
	m->map.flags[pfn - m->map.base_pfn] =
	    (uint8_t)((st << PS_PAGE_STATE_SHIFT) | (order & PS_PAGE_ORDER_MASK));
}

/* list_add: pfn becomes the first block of l. */
static inline void ps_list_add_head(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	PS_MAP_NEXT(m, l, pfn) = l->head;
	PS_MAP_PREV(m, l, pfn) = PS_PFN_NONE;
	if (l->head != PS_PFN_NONE)
		PS_MAP_PREV(m, l, l->head) = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
	l->len++;
}

/* list_add_tail: pfn becomes the last block of l. */
static inline void ps_list_add_tail(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	PS_MAP_PREV(m, l, pfn) = l->tail;
	PS_MAP_NEXT(m, l, pfn) = PS_PFN_NONE;
	if (l->tail != PS_PFN_NONE)
		PS_MAP_NEXT(m, l, l->tail) = pfn;
	else
		l->head = pfn;
	l->tail = pfn;
	l->len++;
}

/* list_del: pfn, which is on l, leaves it; its own links are left stale. */
static inline void ps_list_del(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	ps_pfn_t n = PS_MAP_NEXT(m, l, pfn), p = PS_MAP_PREV(m, l, pfn);

	if (p != PS_PFN_NONE)
		PS_MAP_NEXT(m, l, p) = n;
	else
		l->head = n;
	if (n != PS_PFN_NONE)
		PS_MAP_PREV(m, l, n) = p;
	else
		l->tail = p;
	g_assert(l->len > 0);
	l->len--;
}

/*
 * __rmqueue_smallest without the zone_locked hook: rmqueue_bulk tells it of a refill's blocks
 * from this step in one call.
 */
ps_pfn_t ps_rmqueue_smallest_quiet(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt);
/*
 * The same for up to `want` pages of a refill: a whole block when taking it page by page would
 * (buddy.c). Returns the pages, of order `order` from *pfn on, in the order the calls give them.
 */
unsigned ps_rmqueue_smallest_run(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt,
				 unsigned want, ps_pfn_t *pfn);

/*
 * free_pcppages_bulk's frees from one pcp list of z: up to n blocks of `order` taken off the
 * list's tail, in that order, each given to __free_one_page (ps_free_one_page) with its
 * pageblock's type, whose base pages are added to drained[type]. Returns the blocks freed, fewer
 * than n only when the list ran out. The caller keeps the pcp's counts.
 */
unsigned ps_free_pcp_tail(PsMachine *m, PsZone *z, PsList *list, unsigned order, unsigned n,
			  uint64_t drained[PS_MT_TYPES]);

/* Frees pcp.c's index of which pcp list holds each PCP head (PsMemMap.pcp_slot), if built. */
void ps_pcp_slot_drop(PsMachine *m);

#endif
