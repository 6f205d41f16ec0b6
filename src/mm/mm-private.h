/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mm-private.h - what the files of mm/ share and nobody else may use: the intrusive lists that
 * the buddy free lists (buddy.c) and the per-cpu lists (pcp.c) thread through the same
 * PsMemMap.next/prev arrays (the kernel's list_head in struct page, used by both).
 * Not for use outside mm/; the build refuses an include of it from another module.
 */
#ifndef PS_MM_PRIVATE_H
#define PS_MM_PRIVATE_H

#include "mm/mm.h"

#define PS_MAP_NEXT(m, pfn) ((m)->map.next[(pfn) - (m)->map.base_pfn])
#define PS_MAP_PREV(m, pfn) ((m)->map.prev[(pfn) - (m)->map.base_pfn])

/* list_add: pfn becomes the first block of l. */
static inline void ps_list_add_head(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	PS_MAP_NEXT(m, pfn) = l->head;
	PS_MAP_PREV(m, pfn) = PS_PFN_NONE;
	if (l->head != PS_PFN_NONE)
		PS_MAP_PREV(m, l->head) = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
	l->len++;
}

/* list_add_tail: pfn becomes the last block of l. */
static inline void ps_list_add_tail(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	PS_MAP_PREV(m, pfn) = l->tail;
	PS_MAP_NEXT(m, pfn) = PS_PFN_NONE;
	if (l->tail != PS_PFN_NONE)
		PS_MAP_NEXT(m, l->tail) = pfn;
	else
		l->head = pfn;
	l->tail = pfn;
	l->len++;
}

/* list_del: pfn, which is on l, leaves it; its own links are left stale. */
static inline void ps_list_del(PsMachine *m, PsList *l, ps_pfn_t pfn)
{
	ps_pfn_t n = PS_MAP_NEXT(m, pfn), p = PS_MAP_PREV(m, pfn);

	if (p != PS_PFN_NONE)
		PS_MAP_NEXT(m, p) = n;
	else
		l->head = n;
	if (n != PS_PFN_NONE)
		PS_MAP_PREV(m, n) = p;
	else
		l->tail = p;
	g_assert(l->len > 0);
	l->len--;
}

#endif
