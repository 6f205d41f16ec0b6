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

/*
 * The list operations on the links of one array, `links` indexed by (pfn - base) >> shift: the
 * page links (shift 0) or the pageblock links (shift pageblock_order), chosen once an operation
 * by the PsList functions below instead of at every link they touch (ps_list_next_slot).
 */
G_ALWAYS_INLINE static inline void list_add_head_in(PsPageLink *links, ps_pfn_t base,
						    unsigned shift, PsList *l, ps_pfn_t pfn)
{
	PsPageLink *e = &links[(pfn - base) >> shift];

	e->next = l->head;
	e->prev = PS_PFN_NONE;
	if (l->head != PS_PFN_NONE)
		links[(l->head - base) >> shift].prev = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
	l->len++;
}

G_ALWAYS_INLINE static inline void list_add_tail_in(PsPageLink *links, ps_pfn_t base,
						    unsigned shift, PsList *l, ps_pfn_t pfn)
{
	PsPageLink *e = &links[(pfn - base) >> shift];

	e->prev = l->tail;
	e->next = PS_PFN_NONE;
	if (l->tail != PS_PFN_NONE)
		links[(l->tail - base) >> shift].next = pfn;
	else
		l->head = pfn;
	l->tail = pfn;
	l->len++;
}

G_ALWAYS_INLINE static inline void list_del_in(PsPageLink *links, ps_pfn_t base, unsigned shift,
					       PsList *l, ps_pfn_t pfn)
{
	const PsPageLink *e = &links[(pfn - base) >> shift];
	ps_pfn_t n = e->next, p = e->prev;

	if (p != PS_PFN_NONE)
		links[(p - base) >> shift].next = n;
	else
		l->head = n;
	if (n != PS_PFN_NONE)
		links[(n - base) >> shift].prev = p;
	else
		l->tail = p;
	g_assert(l->len > 0);
	l->len--;
}

/* list_add: pfn becomes the first block of l. */
static inline void ps_list_add_head(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	if (l->block_links)
		list_add_head_in(m->map.block_link, m->map.base_pfn, m->map.block_shift, l, pfn);
	else
		list_add_head_in(m->map.link, m->map.base_pfn, 0, l, pfn);
}

/* list_add_tail: pfn becomes the last block of l. */
static inline void ps_list_add_tail(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	if (l->block_links)
		list_add_tail_in(m->map.block_link, m->map.base_pfn, m->map.block_shift, l, pfn);
	else
		list_add_tail_in(m->map.link, m->map.base_pfn, 0, l, pfn);
}

/* list_del: pfn, which is on l, leaves it; its own links are left stale. */
static inline void ps_list_del(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	if (l->block_links)
		list_del_in(m->map.block_link, m->map.base_pfn, m->map.block_shift, l, pfn);
	else
		list_del_in(m->map.link, m->map.base_pfn, 0, l, pfn);
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
 * The same while mt's list of `order` holds blocks: up to `want` of its first, moved in list order
 * to the tail of `to` (a pcp list) as PCP heads, as that many calls and list_add_tails would
 * (buddy.c). Below pageblock order, a pcp type, a zone without foreign blocks. Returns the blocks
 * moved (0: the list is empty).
 */
unsigned ps_rmqueue_smallest_list(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt,
				  unsigned want, PsList *to);

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
