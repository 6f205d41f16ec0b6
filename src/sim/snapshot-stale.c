// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * snapshot-stale.c - LRU folios the starting snapshot shows in use that the trace proves were
 * free when the recording began, given back to the buddy before a policy run seeds the LRU lists.
 *
 * A live capture reads /proc/kpageflags first, over one to two seconds, and turns tracing on after
 * it (tools/pagesim-capture; each recording's SNAPSHOTS file has the times). Page cache dropped
 * and anonymous memory of tasks that exited in between, without a trace record, are LRU folios in
 * the dump and free in the kernel when the trace starts. The trace tells which: a page cannot be
 * allocated while it is allocated, so a folio with a page whose first record naming it is an
 * allocation (an `alloc` record, or mm_page_alloc_zone_locked taking it off the free lists for a
 * pcp refill) was free when the trace began. Such a folio, if the snapshot still holds it after
 * the pcp prefill (snapshot-pcp.c), is freed whole to the buddy (__free_one_page into its
 * pageblock's type; no pcp, no pgfree: nothing happened in the recording's time) and is not
 * seeded on an LRU list. An LRU page votes Movable for its pageblock allocated or free, so the
 * pageblock fit does not change.
 *
 * Measured (SNAPSHOTS: free pages in the dump vs buddyinfo 18 ms before tracing) on the first
 * recordings of ftrace-press-kswapd-6.18 and ftrace-press-thp-6.18, made while the machine was
 * busy: 58,429 vs 73,055 (20 %) and 136,395 vs 181,007 (25 %); the trace proved 14,643 and 53,007
 * pages of LRU folios free. Kept allocated, they held the model's free memory that far below the
 * kernel's from the first record; it reclaimed, compacted and stalled for them (press-thp: 119
 * direct reclaims and 232 compaction stalls against the kernel's 42 and 25). The recordings that
 * replaced them (Dec 2026, idle machine, record.sh waiting for MemFree to settle) are 1.6 % and
 * 4.7 % apart; this frees 2,938 and 829 pages there.
 *
 * Simplifications (why acceptable):
 * - Only LRU folios. Flagless pages the trace allocates first are mostly the pcp lists' (a page
 *   on a pcp list has no flag), which the prefill places within zoneinfo's counts; freeing the
 *   rest to the buddy would override it. Slab and other flagged pages proven free the same way
 *   are a few hundred pages per recording (the first press-kswapd 429, press-thp 15) and stay
 *   allocated.
 * - Folios freed before the trace and not allocated during it cannot be told from live ones and
 *   stay on the LRU lists (reclaimable, as clean page cache would be).
 * - A trace read from stdin cannot be read twice: nothing is freed then, and the summary's
 *   snapshot section has no stale_lru_freed_pages.
 *
 * The pages whose first record is an allocation depend only on the trace and the memory map (its
 * span, the largest order): with a trace cache they are kept as runs of pfns in a `.stale` entry
 * (snapshot-cache.c), so that a later run from the same trace does not read it a second time.
 */
#include <string.h>

#include "sim/sim-private.h"
#include "util/util.h"

/* Marks the pages whose first record naming them is an allocation (1) or anything else (2). */
static void note_first(uint8_t *first, const PsMachine *m, const PsTraceEvent *ev)
{
	uint8_t what;
	uint64_t n, base;

	if (!ev->has_pfn || ev->pfn < m->map.base_pfn || ev->pfn >= m->map.end_pfn)
		return;
	if (ev->op == PS_OP_ALLOC && ev->failed)
		return;
	/* a portable import keeps the first allocation naming a pfn as an observed one */
	what = ev->op == PS_OP_ALLOC ||
		       (ev->op == PS_OP_OBSERVED &&
			(ev->event == PS_OBS_ZONE_LOCKED || ev->event == PS_OBS_PAGE_ALLOC))
		   ? 1
		   : 2;
	base = ev->pfn - m->map.base_pfn;
	n = ev->order > 0 && ev->order <= (int)m->max_order ? 1ull << ev->order : 1;
	n = MIN(n, m->map.end_pfn - ev->pfn);
	for (uint64_t i = base; i < base + n; i++)
		if (!first[i])
			first[i] = what;
}

/* The memory map as note_first sees it: the stale entry's machine key. */
static uint64_t stale_machine_key(const PsMachine *m)
{
	uint64_t v[3] = {m->map.base_pfn, m->map.end_pfn, m->max_order};

	return ps_checksum64(v, sizeof(v));
}

/* The trace read a second time for first[]: false when it cannot be opened. */
static bool scan_first(PsSim *s, uint8_t *first)
{
	g_autoptr(GError) error = NULL;
	PsTraceHeader hdr;
	PsTraceReader *r;
	PsTraceEvent ev;

	memset(&hdr, 0, sizeof(hdr));
	r = ps_trace_reader_open_cached(s->trace_path, s->opts.trace_cache_dir,
					ps_trace_reader_digest(s->reader), &hdr, &error);
	if (!r)
		return false; /* the run's own reader reports what is wrong with the trace */
	while (ps_trace_reader_next(r, &ev, NULL) == 1)
		note_first(first, s->m, &ev);
	ps_trace_reader_close(r);
	return true;
}

/*
 * first[] (1: the page's first record is an allocation) from the cache's runs, else from the
 * trace, keeping its runs in the cache when there is one.
 */
static bool load_first(PsSim *s, uint8_t *first, uint64_t npages)
{
	const char *digest = ps_trace_reader_digest(s->reader);
	uint64_t key = stale_machine_key(s->m);
	g_autofree char *entry = NULL;
	const void *items = NULL;
	uint64_t n = 0;
	GMappedFile *map = ps_derived_cache_lookup(s->opts.trace_cache_dir, PS_DERIVED_STALE,
						   digest, key, &entry, &items, &n);
	g_autoptr(GArray) runs = NULL;

	if (map) {
		const PsStaleRun *run = items;

		for (uint64_t i = 0; i < n; i++)
			if (run[i].start < npages && run[i].len <= npages - run[i].start)
				memset(first + run[i].start, 1, run[i].len);
		g_mapped_file_unref(map);
		return true;
	}
	if (!scan_first(s, first))
		return false;
	if (!entry)
		return true;
	runs = g_array_new(FALSE, FALSE, sizeof(PsStaleRun));
	for (uint64_t i = 0; i < npages;) {
		PsStaleRun run = {i, 0};

		if (first[i] != 1) {
			i++;
			continue;
		}
		while (i < npages && first[i] == 1)
			i++;
		run.len = i - run.start;
		g_array_append_val(runs, run);
	}
	ps_derived_cache_write(entry, PS_DERIVED_STALE, digest, key, runs->data, runs->len);
	return true;
}

/*
 * The LRU folio headed at index i of the map, if the snapshot still holds it and one of its pages
 * was first named by an allocation (first[] 1): freed to the buddy, not seeded.
 */
static void free_if_stale(PsSim *s, uint64_t i, const uint8_t *first, uint64_t npages)
{
	PsMachine *m = s->m;
	PsSnapshot *snap = s->snap;
	uint8_t l = snap->lru[i];
	unsigned order = l & PS_SNAP_LRU_ORDER;
	ps_pfn_t pfn = m->map.base_pfn + (ps_pfn_t)i;
	bool stale = false;
	PsZone *z;

	if (!(l & PS_SNAP_LRU_ON) || i + (1ull << order) > npages)
		return;
	for (uint64_t j = i; j < i + (1ull << order); j++)
		stale |= first[j] == 1;
	if (!stale)
		return;
	z = ps_pfn_zone(m, pfn);
	if (!z || !ps_snapshot_owns(snap, m, pfn, order) ||
	    ps_page_state(m, pfn) != PS_PAGE_ALLOCATED || ps_page_order(m, pfn) != order)
		return;
	ps_snapshot_disown(snap, m, pfn, order);
	g_assert(z->nr_allocated >= (1ull << order));
	z->nr_allocated -= 1ull << order;
	ps_buddy_free(m, z, pfn, order, PS_FPI_NONE);
	snap->stale_freed++;
	snap->stale_freed_pages += 1ull << order;
}

void sim_snapshot_free_stale(PsSim *s)
{
	PsMachine *m = s->m;
	PsSnapshot *snap = s->snap;
	uint64_t npages = m->map.end_pfn - m->map.base_pfn;
	g_autofree uint8_t *first = NULL;

	if (!snap || !snap->lru || !s->trace_path || !strcmp(s->trace_path, "-"))
		return;
	first = ps_malloc0_huge(npages);
	if (!load_first(s, first, npages))
		return;
	snap->stale_scanned = true;
	/*
	 * Every LRU folio head in pfn order, 8 pages a step: in a word whose heads are all of
	 * order 0 (nearly every word) only the heads on a page marked 1 can be stale, found by
	 * two byte matches; a word with a larger folio checks each of its heads whole.
	 */
	for (uint64_t k = 0; k < npages; k += 8) {
		unsigned heads = 0xff;
		uint64_t w;

		if (k + 8 <= npages) {
			memcpy(&w, snap->lru + k, 8);
			if (!w)
				continue;
			if (!(w & 0x0101010101010101ull * PS_SNAP_LRU_ORDER)) /* all order 0 */
				heads =
				    ps_bytes8_match(snap->lru + k, PS_SNAP_LRU_ON, PS_SNAP_LRU_ON) &
				    ps_bytes8_match(first + k, 0xff, 1);
		} else {
			heads = (1u << (npages - k)) - 1;
		}
		for (; heads; heads &= heads - 1)
			free_if_stale(s, k + (uint64_t)__builtin_ctz(heads), first, npages);
	}
}
