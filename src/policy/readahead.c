// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * readahead.c - which folios back a read that misses the page cache, as mm/readahead.c decides
 * them: the window of page_cache_sync_ra (get_init_ra_size) and page_cache_async_ra
 * (get_next_ra_size, ra->order raised by 2 each step), and page_cache_ra_order's folio at each
 * index (the window's order, lowered to the index's alignment and to what fits in the window).
 * A failed large-folio allocation falls back to order-0 pages for the rest of the window
 * (page_cache_ra_order's fallback to do_page_cache_ra); that is the caller's loop
 * (sim/process.c), with the GFP flags of readahead_gfp_mask (__GFP_NORETRY), which is how the
 * readahead allocation failures a raw trace cannot express appear in a portable replay.
 *
 * Defaults: read_ahead_kb 128 (VM_READAHEAD_PAGES = SZ_128K / PAGE_SIZE, so 32 pages on 4 KiB,
 * 8 on 16 KiB, 2 on 64 KiB); large folios supported (ext4 and xfs regular files on 6.18);
 * MAX_PAGECACHE_ORDER = min(MAX_XAS_ORDER = 11, HPAGE_PMD_ORDER), and none without THP
 * (mapping_large_folio_support needs CONFIG_TRANSPARENT_HUGEPAGE).
 *
 * Simplifications (why acceptable):
 * - One readahead state per file, not per open file: traces do not say which struct file read.
 * - ractl_max_pages does not raise the window to the device's io_pages for large reads: the
 *   device is unknown; read_ahead_kb is the bound (config page_cache.read_ahead_kb).
 * - The window never extends past the range the trace says was brought in (the recording's own
 *   readahead is already inside it), so the file's size, which the trace does not carry, is
 *   never guessed: EOF is the end of the recorded range.
 * Checked against the 6.16 series that 6.18 carries ("mm/readahead: Honour new_order in
 * page_cache_ra_order()", v5, 2025-06, read as posted; the stored kernel tree has only an old
 * mm/readahead.c): a cold window is order 0 and page_cache_async_ra adds 2 before calling
 * page_cache_ra_order; new_order is capped by mapping_max_folio_order and ilog2(ra->size); and
 * the older `ra->size < 4` fallback to order-0 readahead is gone, so a 2-page window on 64 KiB
 * pages does take an order-1 folio. The patch's worked example (an 8 MiB file on 4 KiB pages:
 * 32 pages at order 0, then orders 2, 4, 5) is what test-portable's readahead case asserts.
 */
#include "policy/policy.h"

static unsigned ilog2_u64(uint64_t x)
{
	return x ? 63u - (unsigned)__builtin_clzll(x) : 0;
}

static uint64_t roundup_pow_of_two(uint64_t x)
{
	return x <= 1 ? 1 : 1ull << (ilog2_u64(x - 1) + 1);
}

void ps_ra_init(PsRaState *ra)
{
	*ra = (PsRaState){.prev_index = UINT64_MAX};
}

uint64_t ps_ra_max_pages(const PsMachine *m)
{
	uint64_t kb = m->spec.read_ahead_kb ? m->spec.read_ahead_kb : 128;

	return MAX(kb * 1024 / m->page_size, 1);
}

unsigned ps_pagecache_max_order(const PsMachine *m)
{
	const PsMachineSpec *spec = &m->spec;
	unsigned order;

	if (!spec->thp_built || spec->file_large_folios == 0)
		return 0;
	order = MIN(11u, spec->thp_order);
	if (spec->pagecache_max_order >= 0)
		order = (unsigned)spec->pagecache_max_order;
	return MIN(order, spec->max_order);
}

/* get_init_ra_size: the first window of a sequential read of size pages. */
static uint64_t get_init_ra_size(uint64_t size, uint64_t max)
{
	uint64_t newsize = roundup_pow_of_two(size);

	if (newsize <= max / 32)
		newsize *= 4;
	else if (newsize <= max / 4)
		newsize *= 2;
	else
		newsize = max;
	return newsize;
}

/* get_next_ra_size: the window after one of cur pages. */
static uint64_t get_next_ra_size(uint64_t cur, uint64_t max)
{
	if (cur < max / 16)
		return 4 * cur;
	if (cur <= max / 2)
		return 2 * cur;
	return max;
}

uint64_t ps_ra_window(const PsMachine *m, PsRaState *ra, uint64_t index, uint64_t req,
		      uint64_t contig, unsigned *order)
{
	uint64_t max = ps_ra_max_pages(m);
	unsigned max_order = ps_pagecache_max_order(m);

	if (ra->size && index == ra->start + ra->size) {
		/* page_cache_async_ra: the expected index, push the window forward and ramp up */
		ra->start += ra->size;
		ra->size = MAX(ra->size, get_next_ra_size(ra->size, max));
		ra->async_size = ra->size;
		ra->order += 2;
	} else if (!index || req > max ||
		   (ra->prev_index != UINT64_MAX && index - ra->prev_index <= 1)) {
		/* page_cache_sync_ra: start of file, oversized read or sequential miss */
		ra->start = index;
		ra->size = get_init_ra_size(req, max);
		ra->async_size = ra->size > req ? ra->size - req : ra->size >> 1;
		ra->order = 0;
	} else if (contig <= req) {
		/* a standalone small random read: read as is, the window left alone */
		ra->prev_index = index + req - 1;
		*order = 0;
		return req;
	} else {
		/* the history a sequential stream leaves behind */
		ra->start = index;
		ra->size = MIN(contig + req, max);
		ra->async_size = 1;
		ra->order = 0;
	}
	/* page_cache_ra_order's new_order */
	ra->order = MIN(ra->order, max_order);
	ra->order = MIN(ra->order, ilog2_u64(ra->size));
	ra->prev_index = index + MAX(req, 1) - 1;
	*order = ra->order;
	return ra->size;
}

unsigned ps_ra_folio_order(unsigned new_order, uint64_t index, uint64_t limit)
{
	unsigned order = new_order;

	/* align with smaller folios if needed */
	if (order && (index & ((1ull << order) - 1)))
		order = (unsigned)__builtin_ctzll(index);
	/* don't allocate past the end */
	while (order > 0 && index + (1ull << order) - 1 > limit)
		order--;
	return order;
}

uint64_t ps_ra_gfp(void)
{
	return PS_GFP_HIGHUSER_MOVABLE | PS_GFP_NORETRY | PS_GFP_NOWARN;
}
