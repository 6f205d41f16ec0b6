// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcp.c - per-cpu page lists: refill from the buddy in batches, free with the high / free_high
 * rules and drain from the list tails, the 6.7+ auto-tuning of pcp->high between high_min and
 * high_max, and the periodic decay.
 *
 * Mirrors mm/page_alloc.c of Linux 6.18 (kernel-facts §3): order_to_pindex, nr_pcp_alloc,
 * rmqueue_bulk, __rmqueue_pcplist, rmqueue_pcplist, free_frozen_page_commit (was
 * free_unref_page_commit), nr_pcp_high, nr_pcp_free, free_pcppages_bulk, drain_pages_zone,
 * drain_all_pages, decay_pcp_high, zone_set_pageset_high_and_batch; and alloc_pages_bulk's
 * untraced take off a pcp list (ps_pcp_take_untraced, for a replay whose trace frees a page
 * twice).
 *
 * Checked against the qemu lab's 6.18.2 arm64 traces (issue 18; ../shared/realdata/qemu-arm64-*):
 * - nr_pcp_free's batch is free_count: each of the 16K kernel's 385 drains before `mid` freed
 *   exactly the free_count its trace gives (+2^order per pcp-order free on the cpu, halved per
 *   allocation), and the model's free_count follows that sequence record for record.
 * - pcp_allowed_order takes the PMD order at 16K (11): an order-11 GFP_TRANSHUGE fault was served
 *   by a refill of two order-11 blocks flagged percpu_refill (nr_pcp_alloc: batch 15 >> 11 is 0,
 *   raised to 2) and the spare drained later. At 64K the PMD order is 13 = MAX_PAGE_ORDER and no
 *   recording allocates it, so the same rule there is unverified.
 *
 * Simplifications (why acceptable):
 * - The pcp trylock never fails: the simulator runs one CPU's work at a time, so there is no
 *   contention to model.
 * - PCPF_FREE_HIGH_BATCH depends on the CPU's data-cache slice (setup_pcp_cacheinfo: the LLC size
 *   over the CPUs sharing it): spec.cpu_data_slice_kib when the config gives it, else the model
 *   assumes PS_PCP_CACHE_SLICE_BYTES, so the flag is set whenever 3 * batch pages fit in it
 *   (63-page batches at 4K: 756 KiB). Servers have more than that per CPU; the recorded x86
 *   machine has 32 MiB of LLC for 2 CPUs. The qemu lab's arm64 kernels detect no cache
 *   hierarchy (slice 0), so their flag is clear and every second high-order free in a row
 *   past the free_count threshold drains, whatever pcp->count is.
 * - Remote-node pcp expiry (drain_zone_pages, one batch per interval once a remote zone's list
 *   has been idle for three) is not modelled: it exists only on NUMA configs and moves at most a
 *   batch per remote zone and second.
 */
#include "mm/mm-private.h"

static unsigned pindex_to_order(const PsMachine *m, int pindex)
{
	if (pindex >= 3 * (PS_PAGE_ALLOC_COSTLY_ORDER + 1))
		return m->spec.thp_order;
	return (unsigned)pindex / 3;
}

static int scale_max(const PsMachine *m)
{
	return m->spec.pcp_batch_scale_max;
}

/*
 * The per-cpu data-cache slice assumed for PCPF_FREE_HIGH_BATCH. Without the flag every second
 * high-order free in a row drains the pcp once free_count reaches batch; with it only when the
 * pcp also holds a batch. Leaving it unset (as the model first did) made a replay of
 * ftrace-build-6.18 drain 29x as often as the kernel did, one order-2 page at a time.
 */
#define PS_PCP_CACHE_SLICE_BYTES (2u << 20)

void ps_zone_update_pagesets(PsMachine *m, PsZone *z)
{
	uint64_t slice = m->spec.cpu_data_slice_given ? (uint64_t)m->spec.cpu_data_slice_kib << 10
						      : PS_PCP_CACHE_SLICE_BYTES;

	if (!z->pcp)
		return;
	for (int c = 0; c < m->nr_cpus; c++) {
		PsPcp *pcp = &z->pcp[c];

		pcp->batch = z->pageset_batch;
		pcp->high_min = z->pageset_high_min;
		pcp->high_max = z->pageset_high_max;
		/* setup_pcp_cacheinfo */
		if ((slice >> m->page_shift) > 3u * (uint64_t)pcp->batch)
			pcp->flags |= PS_PCPF_FREE_HIGH_BATCH;
		else
			pcp->flags &= (uint8_t)~PS_PCPF_FREE_HIGH_BATCH;
	}
}

/* nr_pcp_alloc: how many blocks of `order` to take from the buddy on a refill. */
int ps_pcp_nr_alloc(const PsMachine *m, PsPcp *pcp, const PsZone *z, unsigned order)
{
	int base_batch = pcp->batch, high_min = pcp->high_min, high_max = pcp->high_max;
	int high, batch, max_nr_alloc;

	high = pcp->high = CLAMP(pcp->high, high_min, high_max);
	/* pcp disabled or boot pageset */
	if (high < base_batch)
		return 1;
	batch = order ? base_batch : base_batch << pcp->alloc_factor;
	/* Grow high so that the next refill can be avoided, unless the zone is short. */
	if (high_min != high_max && !(z->flags & PS_ZONE_BELOW_HIGH))
		high = pcp->high = MIN(high + batch, high_max);
	if (!order) {
		max_nr_alloc = MAX(high - pcp->count - base_batch, base_batch);
		/* Allocations without frees in between double the batch each time. */
		if (batch <= max_nr_alloc && pcp->alloc_factor < scale_max(m))
			pcp->alloc_factor++;
		batch = MIN(batch, max_nr_alloc);
	}
	if (batch > 1)
		batch = MAX(batch >> order, 2);
	return batch;
}

/* __rmqueue_pcplist's take of pfn off its pcp list: the page leaves the pcp, allocated. */
G_ALWAYS_INLINE static inline void pcp_take(PsMachine *m, PsZone *z, PsPcp *pcp, PsList *list,
					    ps_pfn_t pfn, unsigned order)
{
	ps_list_del(m, list, pfn);
	pcp->count -= 1 << order;
	z->nr_pcp -= 1ull << order;
	ps_page_mark_allocated(m, z, pfn, order);
	m->vm_events[PS_PGALLOC_DMA + z->type] += 1ull << order;
}

/*
 * The pcp_slot index (PsMemMap.pcp_slot): for each PCP head, which cpu's list of which pindex
 * holds it, so ps_pcp_take_untraced finds the list without walking it. Built from the lists on
 * the first take and from then on written by every add to a pcp list (rmqueue_bulk, ps_free_pcp,
 * ps_pcp_adopt); a removal leaves a stale value, which only a page in PCP state is ever asked
 * for. A run without untraced takes never builds it and pays one untaken branch an add.
 */
static inline uint16_t pcp_slot_of(int cpu, int pindex)
{
	return (uint16_t)(1 + cpu * PS_NR_PCP_LISTS + pindex);
}
G_STATIC_ASSERT(PS_MAX_CPUS *PS_NR_PCP_LISTS < UINT16_MAX);

static inline void pcp_slot_set(PsMachine *m, ps_pfn_t pfn, int cpu, int pindex)
{
	if (G_UNLIKELY(m->map.pcp_slot))
		m->map.pcp_slot[pfn - m->map.base_pfn] = pcp_slot_of(cpu, pindex);
}

void ps_pcp_slot_drop(PsMachine *m)
{
	g_clear_pointer(&m->map.pcp_slot, g_free);
}

/* The index from the pcp lists of every zone as they stand. */
static void pcp_slot_build(PsMachine *m)
{
	/*
	 * Only the entries of pages on a pcp list are ever written: calloc maps an array this
	 * large from zero pages, which become memory only where written.
	 */
	m->map.pcp_slot = g_new0(uint16_t, m->map.end_pfn - m->map.base_pfn);
	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];

		if (!z->pcp)
			continue;
		for (int c = 0; c < m->nr_cpus; c++)
			for (int l = 0; l < PS_NR_PCP_LISTS; l++) {
				PsList *list = &z->pcp[c].lists[l];

				for (ps_pfn_t p = list->head; p != PS_PFN_NONE;
				     p = ps_list_next(m, list, p))
					m->map.pcp_slot[p - m->map.base_pfn] = pcp_slot_of(c, l);
			}
	}
}

/*
 * rmqueue_bulk's list_add_tail of n blocks of `order` from pfn on, in pfn order, each a PCP
 * head: the same flags and links as n ps_page_set_free and ps_list_add_tail calls, written in
 * one pass (speed only: a refill's run of a whole buddy block, ps_rmqueue_smallest_run).
 */
static inline void pcp_append_run(PsMachine *m, PsList *list, ps_pfn_t pfn, unsigned order,
				  unsigned n)
{
	const ps_pfn_t base = m->map.base_pfn, step = (ps_pfn_t)1 << order;
	const ps_pfn_t last = pfn + (ps_pfn_t)(n - 1) * step;
	const uint8_t byte =
	    (uint8_t)((PS_PAGE_PCP << PS_PAGE_STATE_SHIFT) | (order & PS_PAGE_ORDER_MASK));
	PsPageLink *link = m->map.link;
	uint8_t *flags = m->map.flags;

	g_assert(!list->block_links && n > 0);
	if (list->tail != PS_PFN_NONE)
		link[list->tail - base].next = pfn;
	else
		list->head = pfn;
	link[pfn - base].prev = list->tail;
	for (ps_pfn_t p = pfn; p < last; p += step) {
		link[p - base].next = p + step;
		link[p + step - base].prev = p;
		flags[p - base] = byte;
	}
	link[last - base].next = PS_PFN_NONE;
	flags[last - base] = byte;
	list->tail = last;
	list->len += n;
}

/* rmqueue_bulk: blocks appended at the tail in the order __rmqueue returns them. */
static int rmqueue_bulk(PsMachine *m, PsZone *z, int cpu, unsigned order, int count, int pindex,
			enum ps_migratetype mt, unsigned alloc_flags)
{
	PsList *list = &z->pcp[cpu].lists[pindex];
	enum ps_rmqueue_mode mode = PS_RMQUEUE_NORMAL;
	/* blocks from the mt list by the direct step, told to zone_locked in one call */
	unsigned smallest = 0;
	/* whether that step may take whole blocks of `order` as one chain (below) */
	const bool chain = order < m->pageblock_order && mt < PS_MT_PCPTYPES;
	int i;

	for (i = 0; i < count;) {
		ps_pfn_t pfn = PS_PFN_NONE;
		unsigned n = 0;

		/*
		 * __rmqueue's first step in normal mode, called directly: nearly every page of a
		 * refill comes from it, a block at a time (ps_rmqueue_smallest_run), or, while
		 * mt's list of `order` itself holds blocks, as many of them as are wanted in one
		 * chain (ps_rmqueue_smallest_list; the zone's foreign blocks asked each time: a
		 * fallback's claim may make some). When it finds nothing it changed nothing, and
		 * __rmqueue takes over (trying it once more, then the fallbacks) exactly as before.
		 */
		if (mode == PS_RMQUEUE_NORMAL && chain && !z->foreign &&
		    z->free_area[order].list[mt].head != PS_PFN_NONE) {
			ps_pfn_t at = list->tail;

			n = ps_rmqueue_smallest_list(m, z, order, mt, (unsigned)(count - i), list);
			smallest += n;
			i += (int)n;
			if (G_UNLIKELY(m->map.pcp_slot))
				for (at = at == PS_PFN_NONE ? list->head
							    : ps_list_next(m, list, at);
				     at != PS_PFN_NONE; at = ps_list_next(m, list, at))
					pcp_slot_set(m, at, cpu, pindex);
			continue;
		}
		if (mode == PS_RMQUEUE_NORMAL)
			n = ps_rmqueue_smallest_run(m, z, order, mt, (unsigned)(count - i), &pfn);
		if (n) {
			smallest += n;
		} else {
			pfn = ps_rmqueue(m, z, order, mt, alloc_flags, &mode, NULL);
			if (pfn == PS_PFN_NONE)
				break;
			n = 1;
		}
		pcp_append_run(m, list, pfn, order, n);
		if (G_UNLIKELY(m->map.pcp_slot))
			for (unsigned k = 0; k < n; k++)
				pcp_slot_set(m, pfn + ((ps_pfn_t)k << order), cpu, pindex);
		i += (int)n;
	}
	if (smallest && m->hooks.zone_locked)
		m->hooks.zone_locked(m->hook_data.zone_locked, z, order, mt,
				     ps_pcp_allowed_order(m, order) && mt < PS_MT_PCPTYPES,
				     smallest);
	return i;
}

/*
 * __rmqueue_pcplist's take from a list that holds a block, the one end of ps_rmqueue_pcplist and
 * ps_rmqueue_pcplist_head: the head leaves the list, allocated. The next allocation from this list
 * takes the new head: its links and flags are cold (pfn-indexed arrays of the whole machine), so
 * start loading them now.
 */
G_ALWAYS_INLINE static inline ps_pfn_t pcp_take_head(PsMachine *m, PsZone *z, PsPcp *pcp,
						     PsList *list, unsigned order)
{
	ps_pfn_t pfn = list->head;

	pcp_take(m, z, pcp, list, pfn, order);
	if (list->head != PS_PFN_NONE) {
		__builtin_prefetch(&m->map.link[list->head - m->map.base_pfn], 1);
		__builtin_prefetch(&m->map.flags[list->head - m->map.base_pfn], 1);
	}
	return pfn;
}

/*
 * rmqueue_pcplist on a list that holds a block: the free_count halving and the head taken (as
 * ps_rmqueue_pcplist, without its refill's code and frame).
 */
ps_pfn_t ps_rmqueue_pcplist_head(PsMachine *m, PsZone *z, int cpu, unsigned order, int pindex)
{
	PsPcp *pcp = &z->pcp[cpu];
	PsList *list = &pcp->lists[pindex];

	g_assert(list->head != PS_PFN_NONE);
	pcp->free_count >>= 1;
	return pcp_take_head(m, z, pcp, list, order);
}

ps_pfn_t ps_rmqueue_pcplist(PsMachine *m, PsZone *z, int cpu, unsigned order,
			    enum ps_migratetype mt, unsigned alloc_flags)
{
	PsPcp *pcp = &z->pcp[cpu];
	int pindex = ps_pcp_list_index(m, order, mt);
	PsList *list = &pcp->lists[pindex];

	/* An allocation halves the batch-free scaling built up by frees. */
	pcp->free_count >>= 1;
	if (list->head == PS_PFN_NONE) {
		int batch, got;

		/* High-order atomic requests go to the buddy to use or build reserves. */
		if (alloc_flags & PS_ALLOC_HIGHATOMIC)
			return PS_PFN_NONE;
		batch = ps_pcp_nr_alloc(m, pcp, z, order);
		m->pcp_refilling = true;
		got = rmqueue_bulk(m, z, cpu, order, batch, pindex, mt, alloc_flags);
		m->pcp_refilling = false;
		m->pcp_refills_total++;
		m->pcp_refill_pages_total += (uint64_t)got << order;
		pcp->count += got << order;
		z->nr_pcp += (uint64_t)got << order;
		if (list->head == PS_PFN_NONE)
			return PS_PFN_NONE;
	}
	return pcp_take_head(m, z, pcp, list, order);
}

void ps_pcp_free_bulk(PsMachine *m, PsZone *z, PsPcp *pcp, int count, int pindex)
{
	/* base pages drained by pageblock type, told to pcpu_drain in one call */
	uint64_t drained[PS_MT_TYPES] = {0};

	count = MIN(pcp->count, count);
	if (count <= 0)
		return;
	/* The list that triggered the drain goes first, then round robin. */
	pindex = pindex - 1;
	while (count > 0) {
		PsList *list;
		unsigned order;
		int nr_pages, freed;

		do {
			if (++pindex > PS_NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list->head == PS_PFN_NONE);
		order = pindex_to_order(m, pindex);
		nr_pages = 1 << order;
		/*
		 * Blocks from the tail until count is used up or the list is empty: each one's
		 * count goes before it is freed, so as many blocks as count has started pages for.
		 * Nothing in the frees reads the pcp's counts, which are brought down after.
		 */
		freed = (int)ps_free_pcp_tail(
		    m, z, list, order, (unsigned)((count + nr_pages - 1) / nr_pages), drained);
		count -= freed * nr_pages;
		pcp->count -= freed * nr_pages;
		z->nr_pcp -= (uint64_t)freed * (uint64_t)nr_pages;
	}
	if (m->hooks.pcpu_drain)
		m->hooks.pcpu_drain(m->hook_data.pcpu_drain, z, drained);
}

/*
 * nr_pcp_high: the effective high for this free, adjusting pcp->high on the way.
 * Checklist: free_pcp_stretch below repeats this function's and pcp_free_high's order-0 case
 * (no RECLAIM_ACTIVE, no BELOW_HIGH, last free of order 0) for a stretch of frees: a change
 * to either rule changes it too.
 */
static int nr_pcp_high(const PsMachine *m, PsPcp *pcp, const PsZone *z, int batch, bool free_high)
{
	int high_min = pcp->high_min, high_max = pcp->high_max, high;

	high = pcp->high = CLAMP(pcp->high, high_min, high_max);
	if (!high)
		return 0;
	if (free_high) {
		pcp->high = MAX(high - (batch << scale_max(m)), high_min);
		return 0;
	}
	/* While kswapd reclaims the zone, keep less on the pcp. */
	if (z->flags & PS_ZONE_RECLAIM_ACTIVE) {
		int free_count = MAX(pcp->free_count, batch);

		pcp->high = MAX(high - free_count, high_min);
		return MIN(batch << 2, pcp->high);
	}
	if (high_min == high_max)
		return high;
	if (z->flags & PS_ZONE_BELOW_HIGH) {
		int free_count = MAX(pcp->free_count, batch);

		pcp->high = MAX(high - free_count, high_min);
		high = MAX(pcp->count, high_min);
	} else if (pcp->count >= high) {
		int need_high = pcp->free_count + batch;

		/* high must be able to hold a batch of freed pages */
		if (pcp->high < need_high)
			pcp->high = CLAMP(need_high, high_min, high_max);
	}
	return high;
}

/* nr_pcp_free */
static int nr_pcp_free(PsMachine *m, PsPcp *pcp, int batch, int high, bool free_high)
{
	if (free_high)
		return MIN(pcp->count, batch << scale_max(m));
	if (high < batch)
		return 1;
	/* Leave at least a batch; free more when many frees came in a row. */
	return CLAMP(pcp->free_count, batch, high - batch);
}

/* Order-0 __zone_watermark_ok at the high mark against ZONE_MOVABLE, flags 0. */
static bool zone_ok_at_high(const PsZone *z)
{
	int64_t free_pages = z->vm_stat[PS_NR_FREE_PAGES] - (int64_t)z->nr_free_highatomic;

	return free_pages > (int64_t)(z->wmark[PS_WMARK_HIGH] + z->watermark_boost) +
				z->lowmem_reserve[PS_ZONE_MOVABLE];
}

/* ps_pcp_free_high's body, inline for ps_free_pcp (every free to a pcp list). */
static inline int pcp_free_high(const PsMachine *m, PsPcp *pcp, const PsZone *z, unsigned order,
				bool *free_high)
{
	int batch = pcp->batch;

	/* A free halves the batch-allocation scaling built up by allocations. */
	pcp->alloc_factor >>= 1;
	*free_high = false;
	/*
	 * Limit high-order pages kept on the pcp while it is freeing without allocating. The
	 * threshold is batch + high_min / 2 since "mm: pcp: increase pcp->free_count threshold to
	 * trigger free_high" (read in a free_frozen_page_commit tree, i.e. 6.15+; kernel-facts
	 * listed it as newer than 6.18). With plain `batch` the model drained order-2 pages in
	 * bursts the recorded 6.18 machine never made (9 vs 0 on ftrace-build-6.18).
	 */
	if (order && order <= PS_PAGE_ALLOC_COSTLY_ORDER) {
		*free_high = pcp->free_count >= batch + pcp->high_min / 2 &&
			     (pcp->flags & PS_PCPF_PREV_FREE_HIGH_ORDER) &&
			     (!(pcp->flags & PS_PCPF_FREE_HIGH_BATCH) || pcp->count >= batch);
		pcp->flags |= PS_PCPF_PREV_FREE_HIGH_ORDER;
	} else if (pcp->flags & PS_PCPF_PREV_FREE_HIGH_ORDER) {
		pcp->flags &= (uint8_t)~PS_PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (pcp->free_count < (batch << scale_max(m)))
		pcp->free_count += 1 << order;
	return nr_pcp_high(m, pcp, z, batch, *free_high);
}

int ps_pcp_free_high(const PsMachine *m, PsPcp *pcp, const PsZone *z, unsigned order,
		     bool *free_high)
{
	return pcp_free_high(m, pcp, z, order, free_high);
}

/* ps_free_pcp's body; true when the free drained the pcp (free_pcppages_bulk). */
G_ALWAYS_INLINE static inline bool free_pcp(PsMachine *m, PsZone *z, PsPcp *pcp, int cpu,
					    ps_pfn_t pfn, unsigned order, enum ps_migratetype mt)
{
	bool free_high;
	int pindex, high;

	m->vm_events[PS_PGFREE] += 1ull << order;
	pindex = ps_pcp_list_index(m, order, mt);
	ps_page_set(m, pfn, PS_PAGE_PCP, order);
	ps_list_add_head(m, &pcp->lists[pindex], pfn);
	pcp_slot_set(m, pfn, cpu, pindex);
	pcp->count += 1 << order;
	z->nr_pcp += 1ull << order;
	high = pcp_free_high(m, pcp, z, order, &free_high);
	if (pcp->count < high)
		return false;
	ps_pcp_free_bulk(m, z, pcp, nr_pcp_free(m, pcp, pcp->batch, high, free_high), pindex);
	if ((z->flags & PS_ZONE_BELOW_HIGH) && zone_ok_at_high(z))
		z->flags &= ~PS_ZONE_BELOW_HIGH;
	return true;
}

void ps_free_pcp(PsMachine *m, PsZone *z, int cpu, ps_pfn_t pfn, unsigned order,
		 enum ps_migratetype mt)
{
	free_pcp(m, z, &z->pcp[cpu], cpu, pfn, order, mt);
}

/*
 * An exit run's order-0 page leaves the zone's allocated pages for a pcp list: the list's type in
 * *mt (HIGHATOMIC and CMA pages to the movable list, as ps_free_pages_zone), or false, nothing
 * changed, for an isolated pageblock's page (the buddy's, free_one_page: the caller's).
 */
static inline bool run_page_out(PsMachine *m, PsZone *z, ps_pfn_t pfn, enum ps_migratetype *mt)
{
	g_assert(ps_page_state(m, pfn) == PS_PAGE_ALLOCATED && ps_page_order(m, pfn) == 0);
	*mt = ps_pageblock_mt(m, pfn);
	if (*mt == PS_MT_ISOLATE)
		return false;
	if (*mt >= PS_MT_PCPTYPES)
		*mt = PS_MT_MOVABLE;
	g_assert(z->nr_allocated >= 1);
	z->nr_allocated--;
	return true;
}

/*
 * ps_free_pcp_run's frees that cannot drain, from pfns[0]: while neither RECLAIM_ACTIVE nor
 * BELOW_HIGH is set and the last free was of order 0, pcp_free_high of an order-0 free halves
 * alloc_factor, steps free_count up to its cap, and nr_pcp_high sets high to pcp->high clamped
 * (the same each time) and returns it; a free below that high changes nothing else. So the
 * frees that leave count below high go in one stretch, their counts added at its end: the
 * state of as many free_pcp calls. Returns the pages freed (it stops before an isolated
 * pageblock's page and before the free that reaches high).
 */
static unsigned free_pcp_stretch(PsMachine *m, PsZone *z, PsPcp *pcp, int cpu, const ps_pfn_t *pfns,
				 unsigned n)
{
	int high, cap;
	unsigned j, room;

	if ((z->flags & (PS_ZONE_RECLAIM_ACTIVE | PS_ZONE_BELOW_HIGH)) ||
	    (pcp->flags & PS_PCPF_PREV_FREE_HIGH_ORDER) || pcp->high_min == pcp->high_max)
		return 0;
	high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);
	if (high <= pcp->count + 1)
		return 0;
	room = MIN(n, (unsigned)(high - pcp->count - 1));
	for (j = 0; j < room; j++) {
		ps_pfn_t pfn = pfns[j];
		enum ps_migratetype mt;
		int pindex;

		if (!run_page_out(m, z, pfn, &mt))
			break;
		pindex = ps_pcp_list_index(m, 0, mt);
		ps_page_set(m, pfn, PS_PAGE_PCP, 0);
		ps_list_add_head(m, &pcp->lists[pindex], pfn);
		pcp_slot_set(m, pfn, cpu, pindex);
	}
	if (!j)
		return 0;
	m->vm_events[PS_PGFREE] += j;
	pcp->count += (int)j;
	z->nr_pcp += j;
	pcp->alloc_factor = j >= 8 ? 0 : (uint8_t)(pcp->alloc_factor >> j);
	cap = pcp->batch << scale_max(m);
	if (pcp->free_count < cap)
		pcp->free_count = MIN(pcp->free_count + (int)j, cap);
	pcp->high = high;
	return j;
}

unsigned ps_free_pcp_run(PsMachine *m, PsZone *z, int cpu, const ps_pfn_t *pfns, unsigned n)
{
	PsPcp *pcp = &z->pcp[cpu];
	unsigned i = 0;

	/* __free_frozen_pages' pcp_spin_trylock fails: every page to the buddy (the caller's) */
	if (G_UNLIKELY(m->pcp_lock_held == cpu + 1) || !n)
		return 0;
	ps_pcp_mark_cpu_active(m, cpu);
	while (i < n) {
		ps_pfn_t pfn;
		enum ps_migratetype mt;

		i += free_pcp_stretch(m, z, pcp, cpu, pfns + i, n - i);
		if (i == n)
			break;
		/* the next one one by one: it may drain, or the stretch could not start */
		pfn = pfns[i];
		if (!run_page_out(m, z, pfn, &mt))
			break;
		if (free_pcp(m, z, pcp, cpu, pfn, 0, mt))
			return i + 1;
		i++;
	}
	return i;
}

void ps_pcp_adopt(PsMachine *m, PsZone *z, int cpu, ps_pfn_t pfn, unsigned order,
		  enum ps_migratetype mt)
{
	PsPcp *pcp = &z->pcp[cpu];
	int pindex = ps_pcp_list_index(m, order, mt);

	g_assert(ps_page_state(m, pfn) == PS_PAGE_ALLOCATED && ps_page_order(m, pfn) == order);
	g_assert(z->nr_allocated >= (1ull << order));
	z->nr_allocated -= 1ull << order;
	ps_page_set(m, pfn, PS_PAGE_PCP, order);
	ps_list_add_tail(m, &pcp->lists[pindex], pfn);
	pcp_slot_set(m, pfn, cpu, pindex);
	pcp->count += 1 << order;
	z->nr_pcp += 1ull << order;
}

int ps_pcp_take_untraced(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	unsigned slot;
	int cpu, pindex;
	PsList *list;

	if (!z->pcp || !ps_pcp_allowed_order(m, order) || ps_page_state(m, pfn) != PS_PAGE_PCP ||
	    ps_page_order(m, pfn) != order)
		return -1;
	/*
	 * A block in PS_PAGE_PCP state is on one pcp list of its zone and order. On
	 * ftrace-press-thp-6.18 (1,351 such blocks, on lists of thousands of pages) walking one
	 * list to its nearer end to tell which list it is cost ~27,000 instructions a block and
	 * 8-23 ms of a warm snapshot run (the walk's loads are cache misses); the pcp_slot index
	 * answers with one load.
	 */
	if (!m->map.pcp_slot)
		pcp_slot_build(m);
	slot = m->map.pcp_slot[pfn - m->map.base_pfn];
	g_assert(slot > 0 && slot <= (unsigned)m->nr_cpus * PS_NR_PCP_LISTS);
	cpu = (int)(slot - 1) / PS_NR_PCP_LISTS;
	pindex = (int)(slot - 1) % PS_NR_PCP_LISTS;
	g_assert(pindex_to_order(m, pindex) == order);
	list = &z->pcp[cpu].lists[pindex];
	g_assert(!list->block_links);
	/* __rmqueue_pcplist: no free_count halving (that is rmqueue_pcplist's) */
	pcp_take(m, z, &z->pcp[cpu], list, pfn, order);
	return cpu;
}

void ps_pcp_restore_high(PsZone *z, int cpu, int high)
{
	g_assert(z->pcp);
	z->pcp[cpu].high = high;
}

void ps_pcp_drain_cpu_zone(PsMachine *m, PsZone *z, int cpu)
{
	PsPcp *pcp;

	if (!z->pcp)
		return;
	pcp = &z->pcp[cpu];
	/* drain_pages_zone: in chunks of batch << SCALE_MAX until empty */
	while (pcp->count > 0) {
		int todo = MIN(pcp->count, pcp->batch << scale_max(m));

		ps_pcp_free_bulk(m, z, pcp, todo, 0);
	}
}

void ps_pcp_drain_all(PsMachine *m, PsZone *zone)
{
	for (int c = 0; c < m->nr_cpus; c++) {
		if (zone) {
			ps_pcp_drain_cpu_zone(m, zone, c);
			continue;
		}
		for (int i = 0; i < m->nr_zones; i++)
			ps_pcp_drain_cpu_zone(m, &m->zones[i], c);
	}
}

int ps_pcp_decayed_high(const PsMachine *m, int count, int high, int batch, int high_min)
{
	return MAX(MAX(count - (batch << scale_max(m)), high - (high >> 3)), high_min);
}

/* decay_pcp_high: shrink an unused high by an eighth (never below high_min), drain above it. */
static int decay_pcp_high(PsMachine *m, PsZone *z, PsPcp *pcp)
{
	int high_min = pcp->high_min, to_drain, todo = 0;

	if (pcp->high > high_min) {
		pcp->high = ps_pcp_decayed_high(m, pcp->count, pcp->high, pcp->batch, high_min);
		if (pcp->high > high_min)
			todo++;
	}
	to_drain = pcp->count - pcp->high;
	if (to_drain > 0) {
		ps_pcp_free_bulk(m, z, pcp, to_drain, 0);
		todo++;
	}
	return todo;
}

void ps_pcp_decay(PsMachine *m)
{
	/*
	 * vmstat_shepherd queues a CPU's vmstat_update only when that CPU has counter diffs to
	 * fold (need_update); vmstat_update re-arms itself while refresh_cpu_vm_stats still finds
	 * work (decay_pcp_high returned something to do). An idle CPU's pcp is left alone.
	 */
	for (int c = 0; c < m->nr_cpus; c++) {
		int changes = 0;

		if (!m->cpu_vmstat_dirty[c])
			continue;
		for (int i = 0; i < m->nr_zones; i++)
			if (m->zones[i].pcp)
				changes += decay_pcp_high(m, &m->zones[i], &m->zones[i].pcp[c]);
		/* bit 0: counters changed since the last run; bit 1: this run found work */
		m->cpu_vmstat_dirty[c] = changes ? 2 : 0;
	}
}
