// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vmstat.c - the fragmentation indices of a zone, computed from its per-order free block counts:
 * the unusable free space index, the fragmentation (extfrag) index and extfrag_for_order. The one
 * home of this arithmetic: compaction's suitability check and proactive score (policy/) and the
 * timeline, debugfs files and `pagesim index` (report/, cli/) all call it.
 *
 * Mirrors mm/vmstat.c of Linux 6.18 (kernel-facts §8.3, §10.5): fill_contig_page_info,
 * unusable_free_index, __fragmentation_index, fragmentation_index, extfrag_for_order. The
 * arithmetic is the kernel's, in integers and with C truncation, so that the values are the ones
 * debugfs shows; floating point is never used here. The functions take an array of counts rather
 * than a zone so that one line of a real machine's /proc/buddyinfo goes through the same code.
 *
 * Simplification: the kernel reads nr_free of each order without the zone lock (data_race) and
 * may see a torn set of counts; the model reads a consistent set.
 */
#include <string.h>

#include "mm/mm.h"

/* struct contig_page_info: what fill_contig_page_info gathers for one suitable order. */
typedef struct {
	/* F: free base pages */
	uint64_t free_pages;
	/* B: free blocks of any order */
	uint64_t free_blocks_total;
	/* S: blocks of 2^order pages the free blocks could make */
	uint64_t free_blocks_suitable;
} ContigPageInfo;

static void fill_contig_page_info(const uint64_t *nr_free, unsigned nr_orders,
				  unsigned suitable_order, ContigPageInfo *info)
{
	memset(info, 0, sizeof(*info));
	for (unsigned o = 0; o < nr_orders; o++) {
		uint64_t blocks = nr_free[o];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= suitable_order)
			info->free_blocks_suitable += blocks << (o - suitable_order);
	}
}

int ps_unusable_index(const uint64_t *nr_free, unsigned nr_orders, unsigned order)
{
	ContigPageInfo info;

	g_assert(order < nr_orders);
	fill_contig_page_info(nr_free, nr_orders, order, &info);
	/* No free memory: none of it is usable, by the kernel's convention. */
	if (!info.free_pages)
		return 1000;
	return (int)((info.free_pages - (info.free_blocks_suitable << order)) * 1000 /
		     info.free_pages);
}

int ps_fragmentation_index(const uint64_t *nr_free, unsigned nr_orders, unsigned order)
{
	ContigPageInfo info;
	uint64_t requested = 1ull << order;

	g_assert(order < nr_orders);
	fill_contig_page_info(nr_free, nr_orders, order, &info);
	if (!info.free_blocks_total)
		return 0;
	/* The index only means something when a request of this order would fail. */
	if (info.free_blocks_suitable)
		return -1000;
	/*
	 * Unsigned in the kernel (div_u64), then narrowed to int: the quotient may exceed 1000 when
	 * a few small blocks are all there is (one order-0 block at order 1 gives -500), and the
	 * kernel returns that negative value. int64_t gives the same result without the wrap.
	 */
	return (int)(1000 - (int64_t)((1000 + info.free_pages * 1000 / requested) /
				      info.free_blocks_total));
}

int ps_extfrag_for_order(const uint64_t *nr_free, unsigned nr_orders, unsigned order)
{
	ContigPageInfo info;

	g_assert(order < nr_orders);
	fill_contig_page_info(nr_free, nr_orders, order, &info);
	if (!info.free_pages)
		return 0;
	return (int)((info.free_pages - (info.free_blocks_suitable << order)) * 100 /
		     info.free_pages);
}

void ps_zone_nr_free(const PsZone *z, unsigned nr_orders, uint64_t *nr_free)
{
	g_assert(nr_orders <= PS_NR_ORDERS_MAX);
	for (unsigned o = 0; o < nr_orders; o++)
		nr_free[o] = z->free_area[o].nr_free;
}

int ps_zone_fragmentation_index(const PsMachine *m, const PsZone *z, unsigned order)
{
	uint64_t nr_free[PS_NR_ORDERS_MAX];

	ps_zone_nr_free(z, m->nr_orders, nr_free);
	return ps_fragmentation_index(nr_free, m->nr_orders, order);
}

int ps_zone_extfrag_for_order(const PsMachine *m, const PsZone *z, unsigned order)
{
	uint64_t nr_free[PS_NR_ORDERS_MAX];

	ps_zone_nr_free(z, m->nr_orders, nr_free);
	return ps_extfrag_for_order(nr_free, m->nr_orders, order);
}
