// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * readahead.c - which folios back a read that misses the page cache, as mm/readahead.c decides
 * them: the window of page_cache_sync_ra (get_init_ra_size) and page_cache_async_ra
 * (get_next_ra_size, ra->order raised by 2 each step), and page_cache_ra_order's folio at each
 * index (the window's order, lowered to the index's alignment and to what fits in the window).
 * A failed large-folio allocation falls back to order-0 pages for the rest of the window
 * (page_cache_ra_order's fallback to do_page_cache_ra); that is the caller's loop
 * (sim/pagecache.c read_window), with the GFP flags of readahead_gfp_mask (__GFP_NORETRY), which is
 * how the readahead allocation failures a raw trace cannot express appear in a portable replay.
 *
 * Defaults: read_ahead_kb 128 (VM_READAHEAD_PAGES = SZ_128K / PAGE_SIZE, so 32 pages on 4 KiB,
 * 8 on 16 KiB, 2 on 64 KiB); large folios supported (ext4 and xfs regular files on 6.18);
 * MAX_PAGECACHE_ORDER = min(MAX_XAS_ORDER = 11, HPAGE_PMD_ORDER), and none without THP
 * (mapping_large_folio_support needs CONFIG_TRANSPARENT_HUGEPAGE).
 *
 * Simplifications (why acceptable):
 * - One readahead state per file and task (sim/pagecache.c keeps the last four tasks' of a
 *   file), not per open file: a trace does not say which struct file read. The kernel keeps
 *   file_ra_state in struct file, and a task opens or maps a file through its own (threads,
 *   which share one, are tasks of their own in a portable trace). With one state per file, a
 *   task's adds right after another task's fault window (two compilers faulting one header or
 *   library in turn) were taken as that window's async step at order 2: build-portable got
 *   298 order-1 and 731 order-2 folios where its kernel added 13 and 611; per task 5 and 517.
 * - ractl_max_pages does not raise the window to the device's io_pages for large reads: the
 *   device is unknown; read_ahead_kb is the bound (config page_cache.read_ahead_kb).
 * - The window never extends past the range the trace says was brought in (the recording's own
 *   readahead is already inside it), so the file's size, which the trace does not carry, is
 *   never guessed: EOF is the end of the recorded range.
 * - A read()'s request is not in the trace either: a sync window is sized from the record as
 *   if the record were the request, except that a record at the file's start of exactly a size
 *   get_init_ra_size makes (4, 8, 16 ... pages) is taken as that whole window, so a read that
 *   continues at its end is page_cache_async_ra's step at order 2, cut by page_cache_ra_order
 *   where the file ends (build-portable's 4 order-1 readahead folios; the import cuts a
 *   task's adds at each page_cache_ra_order event, so the two windows are two records even
 *   when one read() brought both in). A file of exactly such a size read whole by one larger
 * request is the same window to the model, and nothing follows it (EOF), so it reads the same.
 * Checked against the 6.16 series that 6.18 carries ("mm/readahead: Honour new_order in
 * page_cache_ra_order()", v5, 2025-06, read as posted; the stored kernel tree has only an old
 * mm/readahead.c): a cold window is order 0 and page_cache_async_ra adds 2 before calling
 * page_cache_ra_order; new_order is capped by mapping_max_folio_order and ilog2(ra->size); and
 * the older `ra->size < 4` fallback to order-0 readahead is gone, so a 2-page window on 64 KiB
 * pages does take an order-1 folio. The patch's worked example (an 8 MiB file on 4 KiB pages:
 * 32 pages at order 0, then orders 2, 4, 5) is what test-portable's readahead case asserts.
 * Read again in session 11, in a 6.17-or-later mm/readahead.c found through the code search (it
 * has the readahead tracepoints and IS_ANON_FILE in ksys_readahead): page_cache_sync_ra counts
 * the cached history twice when it reaches the file's start (page_cache_prev_miss wraps to
 * ULONG_MAX), modelled; page_cache_ra_order stops at the first folio filemap_add_folio refuses
 * (-EEXIST: a page of it is cached) and reads the rest of the window through do_page_cache_ra,
 * at order 0 around the cached pages (sim/pagecache.c read_window), modelled; and
 * page_cache_async_ra rounds the new window's end down to 1 << min(ra->order, ffs(ra_pages) - 1)
 * pages when that leaves a window, so a step's folios end on their own boundary: not modelled
 * yet. Simplification (why): it changes build-portable by one folio; it was held back while
 * the model read churn-portable's tmpfs cache_adds as readahead windows (there the rounding
 * moved churn's free blocks at mid past their bands). Those are reason shmem now
 * (sim/pagecache.c shmem_folios: order 0 without readahead), so the rounding can be tried.
 *
 * Page faults (ps_ra_fault; cache_add records with reason "fault" or "exec", which the importer
 * takes from the recording's page_cache_ra_order event that opened the window):
 * filemap_fault -> do_sync_mmap_readahead of 6.18 (from the 6.16 "mm/filemap: Allow arch to
 * request folio size for exec memory", read as posted and in the syzbot thread on its VMA use):
 * a fault in a VM_EXEC mapping reads ra_pages from the fault at ra->order = exec_folio_order()
 * with async_size 0, so no folio carries PG_readahead and no async step follows; any other
 * mapping does mmap read-around: ra_pages around the fault, ra->order 0, async_size
 * ra_pages / 4, and a later fault on the marked folio (do_async_mmap_readahead ->
 * page_cache_async_ra) pushes the window on at ra->order + 2. build-portable's recording
 * (6.18, ext4, ra_pages 2048) holds 750 page_cache_ra_order events: 42 read-around windows
 * (size 2048, async_size 512) and 4 exec ones (async_size 0), all order 0; every other sync
 * window order 0 too; the async ones (size == async_size) 69 of order 2, 6 of order 4, 1 of 6.
 * PG_readahead marks across tasks (session 12, from 6.18's filemap.c do_async_mmap_readahead, read
 * through the code search: a fault on a cached folio with PG_readahead calls page_cache_async_ra
 * with the faulting task's own file_ra_state and req_count ra_pages; page_cache_async_ra off its
 * expected index sizes the window from the marked folio to the first miss plus req_count, then
 * get_next_ra_size, and raises that state's order by 2): the mark is on the folio, so a task
 * hits the mark of a window another task made. Two compilers faulting cc1 in turn
 * (build-portable of Dec 6 2026) fill one read-around window in many records of either task;
 * sim/pagecache.c keeps that window, and the async windows' marks, per file (peer_mark here),
 * and a fault stream's async window read in several records continues at its order (the first
 * branch of ps_ra_window): the kernel's two order-2 windows, 597 folios, where the per-task
 * state had made none. Simplifications: a mark's window is ra_pages (the request of a fault;
 * a read() hitting the mark asks for less), and a read()'s window does not continue across
 * records (it moved churn-portable's free blocks past bands when its tmpfs cache_adds were
 * read as such windows; they are reason shmem now, order 0 without readahead).
 * Simplifications: the window is the range the fault brought in (its centre, the fault, is not
 * in the record); exec_folio_order() is 0 (include/linux/pgtable.h's default, x86) on every
 * machine: arm64 defines it as ilog2(SZ_64K >> PAGE_SHIFT) (4 on 4K, 2 on 16K), but the machine
 * spec does not say which architecture it is, so arm64 4K/16K exec windows come out smaller
 * folios than the kernel's. VM_HUGEPAGE file mappings (PMD-order windows) are not modelled.
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

unsigned ps_max_pagecache_order(const PsMachineSpec *spec)
{
	unsigned order;

	if (!spec->thp_built)
		return 0;
	order = MIN(11u, spec->thp_order);
	if (spec->pagecache_max_order >= 0)
		order = (unsigned)spec->pagecache_max_order;
	return MIN(order, spec->max_order);
}

unsigned ps_pagecache_max_order(const PsMachine *m)
{
	return m->spec.file_large_folios == 0 ? 0 : ps_max_pagecache_order(&m->spec);
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

/*
 * The request r (a power of two below n) for which get_init_ra_size makes a window of exactly n
 * pages, or 0 when no request makes one (n is not a sync window's size, or is ra_pages).
 */
static uint64_t init_ra_request(uint64_t n, uint64_t max)
{
	for (uint64_t r = 1; r < n && r < max; r <<= 1)
		if (get_init_ra_size(r, max) == n)
			return r;
	return 0;
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
		      uint64_t contig, uint64_t peer_mark, unsigned *order)
{
	uint64_t max = ps_ra_max_pages(m);
	unsigned max_order = ps_pagecache_max_order(m);

	if (ra->mmap && ra->size && ra->async_size == ra->size && index > ra->start &&
	    index < ra->start + ra->size) {
		/* the rest of the current async window of a fault stream: one
		 * page_cache_ra_order call, which the recording wrote as several records
		 * (another task's events came between). Not a sync window's: a file written
		 * page by page is a run of one-page records, each a sequential miss here
		 * (write_begin does no readahead); and not a read()'s (see the header) */
		ra->prev_index = index + MAX(req, 1) - 1;
		*order = ra->order;
		return ra->start + ra->size - index;
	}
	if (!(ra->size && index == ra->start + ra->size) && peer_mark) {
		/* page_cache_async_ra off its expected index: this task hit a PG_readahead
		 * folio of a window that is not its own (the mark is on the folio, the state in
		 * each struct file); the window starts at the first miss, sized from the pages
		 * between the mark and it plus the request, ramped (get_next_ra_size), and the
		 * order is this state's + 2. The request is a fault's (do_async_mmap_readahead
		 * asks for ra_pages; marks here come from fault windows and their async steps),
		 * so the window is ra_pages */
		ra->start = index;
		ra->size = get_next_ra_size(peer_mark + max, max);
		ra->async_size = ra->size;
		ra->order += 2;
		ra->mmap = true;
	} else if (ra->size && index == ra->start + ra->size) {
		/* page_cache_async_ra: the expected index, push the window forward and ramp up */
		ra->start += ra->size;
		ra->size = MAX(ra->size, get_next_ra_size(ra->size, max));
		ra->async_size = ra->size;
		ra->order += 2;
	} else if (!index || req > max ||
		   (ra->prev_index != UINT64_MAX && index - ra->prev_index <= 1)) {
		/* page_cache_sync_ra: start of file, oversized read or sequential miss. A
		 * record of exactly a window get_init_ra_size makes for a smaller request r
		 * was that window, not a read of its own size cut at EOF (the record is all the
		 * pages the read brought in): its mark is r pages in (async_size = size - r),
		 * and a later read of this task that passes it is page_cache_async_ra's step
		 * from the record's end, at order 0 + 2. Taken as a request of its own size,
		 * the window would reach 4x past the record and that read would be a
		 * sequential miss at order 0. Only at the file's start: further in, a record
		 * may be a piece the importer split off a longer window (build-portable's cc1
		 * read one 12-page window, recorded as 1, 8 and 3 pages) */
		uint64_t r = !index && req <= max ? init_ra_request(req, max) : 0;
		uint64_t asked = r ? r : req;

		ra->start = index;
		ra->size = r ? req : get_init_ra_size(req, max);
		ra->async_size = ra->size > asked ? ra->size - asked : ra->size >> 1;
		ra->order = 0;
		ra->mmap = false;
	} else if (contig <= req) {
		/* a standalone small random read: read as is, the window left alone */
		ra->prev_index = index + req - 1;
		*order = 0;
		return req;
	} else {
		/* the history a sequential stream leaves behind; cached from the file's start
		 * (page_cache_prev_miss wrapped to ULONG_MAX): a long-run stream, counted twice */
		if (contig == index)
			contig *= 2;
		ra->start = index;
		ra->size = MIN(contig + req, max);
		ra->async_size = 1;
		ra->order = 0;
		ra->mmap = false;
	}
	/* page_cache_ra_order's new_order */
	ra->order = MIN(ra->order, max_order);
	ra->order = MIN(ra->order, ilog2_u64(ra->size));
	ra->prev_index = index + MAX(req, 1) - 1;
	*order = ra->order;
	return ra->size;
}

uint64_t ps_ra_fault_pages(const PsMachine *m, uint64_t req)
{
	return MIN(MAX(req, 1), ps_ra_max_pages(m));
}

uint64_t ps_ra_fault(const PsMachine *m, PsRaState *ra, uint64_t index, uint64_t req, bool exec,
		     uint64_t start, uint64_t size, unsigned *order)
{
	uint64_t win = ps_ra_fault_pages(m, req);

	/* VM_EXEC: exec_folio_order() (0 but on arm64, see the header), async_size 0, and no
	 * folio of the window has PG_readahead, so no async step follows (size 0 here).
	 * Read-around: order 0, the task's state the whole window (do_sync_mmap_readahead sets
	 * ra->start, ra->size = ra_pages, ra->async_size = ra_pages / 4), so its next miss at
	 * the window's end is page_cache_async_ra's expected index, ramped from ra_pages */
	ra->start = exec ? index : start;
	ra->size = exec ? 0 : size;
	ra->async_size = exec ? 0 : size / 4;
	ra->order = 0;
	ra->mmap = true;
	ra->prev_index = index + win - 1;
	*order = 0;
	return win;
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
