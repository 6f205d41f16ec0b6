// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reclaim.c - the page reclaim model: per-node LRU lists (inactive/active x anon/file) and a
 * reclaimable-slab list over the host's folios, page cache writeback, swap, and the scanning that
 * kswapd and direct reclaim do.
 *
 * Mirrors mm/vmscan.c and mm/swap.c of Linux 6.18 at the level of kernel-facts §7:
 * lruvec_add_folio (new folios at the list head), folio_mark_accessed (a second access on the
 * inactive list activates), inactive_is_low (isqrt(10 * GiB) ratio), get_scan_count (file only
 * without swap; SCAN_EQUAL at priority 0; SCAN_ANON when prepare_scan_control's file_is_tiny
 * holds (the node's file + free at most all its zones' high marks, anon not to be aged, inactive
 * anon >> priority non-zero);
 * cache_trim_mode; otherwise the swappiness/cost fraction), shrink_lruvec in SWAP_CLUSTER_MAX
 * batches, prepare_scan_control's may_deactivate (an active list is aged only when its inactive
 * list is low, when refaults came since the last reclaim's snapshot_refaults, or with
 * force_deactivate; computed once per shrink_node; cache_trim_mode only when the file list may
 * not be aged), snapshot_refaults (end of each do_try_to_free_pages pass and of balance_pgdat),
 * shrink_active_list (deactivate from the tail), shrink_inactive_list and
 * shrink_folio_list (referenced -> activate; anon -> swap out when swap has room and the request
 * has __GFP_IO, shmem only with __GFP_FS (pageout's may_enter_fs), else kept; dirty file ->
 * PG_reclaim and keep until written back; clean file -> free), lru_note_cost, shrink_slab,
 * shrink_node, do_try_to_free_pages (priority 12 -> 0 until 32 pages; shrink_zones skips the
 * zones compaction_ready finds ready for a costly request and stops there), pgdat_balanced,
 * zone_reclaimable_pages, and huge_memory.c's lru_add_split_folio (ps_lru_split). tmpfs/shmem
 * folios (PS_FOLIO_SHMEM) are swap-backed page cache as in mm/shmem.c: on the anon lists, so
 * scanned and swapped out only as anon is (can_reclaim_anon_pages), and counted in
 * NR_FILE_PAGES and NR_SHMEM (shmem_update_stats), not NR_ANON_PAGES (folio_stat_mod).
 *
 * Simplifications (why acceptable):
 * - "Referenced" is one bit per folio, set when the trace touches a page again (a young PTE or
 *   PG_referenced); the kernel distinguishes the two, which only shifts when a page is activated.
 * - Writeback: reclaim does not write file folios (shrink_folio_list: only kswapd may, and
 *   pageout() has no ->writepage for ext4 in 6.18); a folio met dirty gets PG_reclaim, counts in
 *   nr_vmscan_immediate_reclaim and is activated. The flusher runs when reclaim wakes it
 *   (shrink_inactive_list: a batch of only unqueued dirty folios; wakeup_flusher_threads
 *   WB_REASON_VMSCAN writes all dirty pages) at a configured pace (writeback_page_ns) and I/O
 *   time (writeback_io_ns); folio_end_writeback rotates a marked folio to the inactive tail
 *   (pgrotated). Its periodic pass (wb_check_old_data_flush, dirty_writeback_centisecs) is
 *   taken as writing every folio dirtied more than dirty_expire (writeback_delay) ago, seen when
 *   reclaim meets it. The dirty thresholds (balance_dirty_pages, wb_over_bg_thresh: background
 *   writeback above dirty_background_ratio of the dirtyable memory, dirtier throttling above
 *   dirty_ratio) are not modelled: in ftrace-press-slab-6.18, the recording this was built
 *   for, nr_dirtied grew 88,338 in all against a background threshold of 161,654
 *   (nr_dirty_background_threshold), so neither ran; the flusher ran because kswapd woke it.
 * - kswapd's reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK) (PGDAT_WRITEBACK, nr_immediate) is
 *   modelled; direct reclaim's VMSCAN_THROTTLE_CONGESTED (LRUVEC_NODE_CONGESTED) is not.
 * - Slab shrinking frees whole reclaimable slab pages, oldest first, at
 *   (pages >> priority) * 2 * slab_shrink_permille / 1000 per pass (shrink_slab's
 *   freeable >> priority * 4 / DEFAULT_SEEKS scan target times the fraction of objects found
 *   freeable). The whole list stands for the filesystem shrinkers (super_cache_scan: dentries,
 *   inodes; ftrace-press-slab-6.18's reclaimable slab is ext4's), so a reclaimer without
 *   __GFP_FS frees none of it. The scan such a reclaimer gives up (do_shrink_slab's nr_deferred,
 *   added to the next shrink of that shrinker) is not carried over: the recordings' GFP_NOFS and
 *   GFP_NOIO direct reclaims are three of press-slab's five, 34-44 pages each.
 * - The shrinker's pages count in no reclaimer's nr_reclaimed (shrink_slab): the kernel frees
 *   the objects the list stands for (dentries: fs/dcache.c dentry_free's call_rcu; inodes:
 *   fs/inode.c destroy_inode's call_rcu) in RCU callbacks after a grace period, outside the
 *   reclaiming task, so flush_reclaim_state rarely sees them (only when the callback happens to
 *   run in softirq on the reclaimer's own stack; never modelled). A shrinker that frees its
 *   objects with kmem_cache_free in the shrinking task (ext4's extent-status cache, mbcache)
 *   would credit an emptied slab page through __free_slab's mm_account_reclaimed_pages: such
 *   caches are part of the one list and simplified to the RCU rule with it. The pages
 *   themselves go back at once, not a grace period later (a few ms), and SLUB's habit of
 *   keeping up to min_partial empty slabs of a cache on the node's partial list instead of
 *   freeing them is not modelled. On the lab's nr3 (tests/data/lab-numa-policies) the kernel's
 *   two frees of slab pages from before the trace came from ksoftirqd/0, and the bound child's
 *   direct reclaim on node 0 returned nr_reclaimed=0; a model that credited one shrunk slab
 *   page there (with session 24's kswapd burst) counted progress, drained the pcp lists and
 *   went on without the OOM kill.
 * - Memcgs: one lruvec per memcg and node (shrink_node_memcgs, below); the recording machines
 *   run the cgroup v1 memory controller (/proc/self/cgroup memory:/process_api/<id>), where a
 *   recorded workload's own recent page cache reaches its lruvec's tail long before the node's
 *   old pages would. Which memcg a folio is charged to comes from the host (sim/memcg.c:
 *   kpagecgroup for the snapshot's folios, the allocating task's memcg for new ones); without
 *   that, everything is the root's and the model is the one-LRU-per-node model. Not modelled:
 *   memory.min/low (cgroup v1 has none), memcg limits and their reclaim (no memcg of the
 *   recording machines has one), offline memcgs beyond those the recording's reclaim order
 *   shows (kpagecgroup reports their pages as their online ancestor's;
 *   ps_memcg_split_offline), per-memcg slab (the node's reclaimable slab list is shrunk once
 *   per shrink_node, after the walk), mem_cgroup_iter's generation check (one reclaimer at a
 *   time).
 * - No MGLRU (not built on the recorded machine), no demotion.
 * - folio_mapped (node reclaim without RECLAIM_UNMAP passes over mapped folios): an anon folio is
 *   mapped, page cache (file or shmem) never is. The snapshot's LRU byte has no room for KPF_MMAP
 *   (kpageflags bit 11) and no record says when page cache is mapped or unmapped (why
 *   NR_FILE_MAPPED is held, mm.h). Where the lab runs node reclaim (nr1/nr2, zone_reclaim_mode
 *   1) this decides nothing: R's page cache is read(), not mapped, and node 0's mapped page
 *   cache is the shmem rootfs (342 mapped non-anon pages in nr1's kpageflags) on the anon
 *   lists, which a machine without swap does not scan. A recording whose node reclaim met
 *   mapped text or mmap()ed files would see the model reclaim them where the kernel keeps them.
 * - node_reclaim's PF_MEMALLOC test (NODE_RECLAIM_NOSCAN for an allocation from inside reclaim)
 *   is not modelled: the model's reclaim allocates nothing, so it cannot recurse; a recorded
 *   allocation that the kernel made from inside reclaim (kswapd's own, a reclaimer's I/O) is not
 *   marked as such in the records and may node-reclaim where the kernel would not (not
 *   measured).
 * - may_deactivate compares the node's workingset_refault counts where the kernel compares
 *   workingset_activate (the refaults workingset_test_recent found recent): the model keeps no
 *   shadow entries, so it has no refault distance; every refault counts as recent. Both only
 *   ask whether the count moved since the last reclaim.
 * - The refault snapshot before the first record is not observable (/proc has the counts, not
 *   lruvec->refaults[], and 6.18 reads the root memcg's rstat-flushed copy, up to FLUSH_TIME
 *   2 s stale): a run starts with none pending, so its first reclaim ages an active list only
 *   for a low inactive list. The session 8 press-kswapd recording's (no longer shipped)
 *   57,807 pgrefill with unchanged workingset_activate_file and a file LRU far from low
 *   (351,896 inactive x 6 > 944,301 active) is the kernel seeing such a stale difference; the
 *   model does not invent it.
 */
#include <string.h>

#include "policy/policy-private.h"
#include "util/util.h"

void ps_reclaim_config_default(PsReclaimConfig *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->writeback_delay_ns = 30ull * 1000000000ull; /* dirty_expire_centisecs 3000 */
	/*
	 * The flusher's pace, from recording (c) (ftrace-press-slab-6.18): woken by kswapd at
	 * 4,285 ms, kworker/u8:0 wrote the ~40,000 one-page files (nr_written +43,202) with its
	 * GFP_NOIO allocations ending by 4,800 ms: ~12.5 us a page. The I/O time of a page is not
	 * in the recording (no block or writeback tracepoints): 10 ms, a disk's queue of ~800
	 * pages.
	 */
	rc->writeback_page_ns = 12500;
	rc->writeback_io_ns = 10000000ull;
	rc->slab_shrink_permille = 500;
	rc->oom_reap_delay_ns = 2ull * 1000000000ull; /* OOM_REAPER_DELAY 2 s */
	rc->kswapd_nap_ns = 100000000ull;	      /* HZ/10 */
	rc->start_reclaim_order = 1;
	rc->scan_folio_ns = 300;
	rc->reclaim_folio_ns = 2500;
	/*
	 * Per slab page the shrinker frees. Not measured: ftrace-press-slab-6.18 tags no slab page
	 * free as kswapd's (the shrinker's pages go back through kmem_cache_free and RCU, after
	 * the reclaim that scanned them), so no recording times them. 2500 is reclaim_folio_ns's
	 * figure, which b302500 charged a slab page through the per-folio rate; the old per-page
	 * 1500 gives (c) 34 kswapd wakes vs the kernel's 24 (30 with 2500), out of its band.
	 */
	rc->slab_page_ns = 2500;
	rc->swapout_page_ns = 1500;
	rc->swapin_page_ns = 25000;
	rc->compaction = 1;
	rc->compact_scan_page_ns = 20;
	rc->compact_isolate_page_ns = 150;
	rc->compact_migrate_page_ns = 1500;
	rc->compact_copy_kib_ns = 100;
}

/* ---- handles and lists ------------------------------------------------------------------- */

static void grow(PsPolicy *p, uint32_t h)
{
	size_t cap = p->cap ? p->cap : 4096;

	if (h < p->cap)
		return;
	while (cap <= h)
		cap *= 2;
	/*
	 * Both arrays in a PsRoom (util/mem.c): grown in place in huge pages, the new part zeroed
	 * by the kernel where it is first written and never touched before (no memset: the seed of
	 * a snapshot start reserves ~10^6 handles at once). The fresh array and copy of fo, and the
	 * realloc of dirtied_ns (whose mremap failed on the mapping madvise had split), each moved
	 * the whole array into freshly faulted pages at every doubling.
	 */
	ps_room_grow(&p->fo_room, cap * sizeof(PsLruFolio));
	ps_room_grow(&p->dirtied_room, cap * sizeof(uint64_t));
	p->fo = p->fo_room.base;
	p->dirtied_ns = p->dirtied_room.base;
	p->cap = cap;
	p->view = (PsLruView){p->fo, cap};
}

const PsLruView *ps_lru_view(const PsPolicy *p)
{
	return &p->view;
}

static PsZone *h_zone(PsPolicy *p, uint32_t h)
{
	return &p->m->zones[p->fo[h].zone];
}

static int lru_zone_stat(int lru)
{
	static const int map[PS_NR_LRU_LISTS] = {PS_NR_ZONE_INACTIVE_ANON, PS_NR_ZONE_ACTIVE_ANON,
						 PS_NR_ZONE_INACTIVE_FILE, PS_NR_ZONE_ACTIVE_FILE,
						 PS_NR_ZONE_UNEVICTABLE};

	return lru < PS_NR_LRU_LISTS ? map[lru] : -1;
}

/*
 * Links handle h at the head (most recent) of list l, or at its tail, and adds its pages to the
 * list's count; the zone's counter is the caller's (list_link_zone at once, ps_lru_add_run once
 * a run). The list's ends are read before any store to the folio.
 */
static inline void list_link_nocount(PsLruFolio *fo, uint32_t h, PsLruList *l, bool tail,
				     uint64_t pages)
{
	PsLruFolio *f = &fo[h];
	uint32_t head = l->head, last = l->tail;

	if (tail) {
		f->next = PS_HANDLE_NONE;
		f->prev = last;
		if (last != PS_HANDLE_NONE)
			fo[last].next = h;
		else
			l->head = h;
		l->tail = h;
	} else {
		f->prev = PS_HANDLE_NONE;
		f->next = head;
		if (head != PS_HANDLE_NONE)
			fo[head].prev = h;
		else
			l->tail = h;
		l->head = h;
	}
	l->nr_pages += pages;
}

/*
 * Links handle h, of zone z, at the head (most recent) of list `lru` of its node, or at its tail,
 * and accounts it. Everything is read into locals first: the byte-sized stores to the folio
 * may alias anything, so the compiler would read the zone and the list again after each one
 * (the LRU was a quarter of a kbuild replay's per-page work).
 */
static inline void list_link_zone(PsPolicy *p, uint32_t h, PsZone *z, int lru, bool tail)
{
	PsLruFolio *fo = p->fo, *f = &fo[h];
	PsLruList *l = &p->lru[(uint32_t)f->memcg * PS_MAX_NODES + (uint32_t)z->node][lru];
	int64_t pages = 1ll << f->order;
	int stat = lru_zone_stat(lru);

	list_link_nocount(fo, h, l, tail, (uint64_t)pages);
	f->list = (uint8_t)lru;
	f->flags |= PS_FOLIO_ON_LIST;
	if (stat >= 0)
		z->vm_stat[stat] += pages;
}

static void list_link(PsPolicy *p, uint32_t h, int lru, bool tail)
{
	list_link_zone(p, h, h_zone(p, h), lru, tail);
}

/*
 * Unlinks handle h, of zone z, from its list and takes its pages off the list's count; the
 * zone's counter and the folio's flags are the caller's (list_unlink_zone at once,
 * ps_lru_del_run once a run). Returns the folio's pages.
 */
static inline uint64_t list_unlink_nocount(PsLruFolio *fo, uint32_t h, PsLruList *l)
{
	PsLruFolio *f = &fo[h];
	uint64_t pages = 1ull << f->order;
	uint32_t next = f->next, prev = f->prev;

	if (prev != PS_HANDLE_NONE)
		fo[prev].next = next;
	else
		l->head = next;
	if (next != PS_HANDLE_NONE)
		fo[next].prev = prev;
	else
		l->tail = prev;
	g_assert(l->nr_pages >= pages);
	l->nr_pages -= pages;
	return pages;
}

/* Unlinks handle h, of zone z, from its list and takes it out of the counts. */
static inline void list_unlink_zone(PsPolicy *p, uint32_t h, PsZone *z)
{
	PsLruFolio *fo = p->fo, *f = &fo[h];
	int lru = f->list;
	PsLruList *l = &p->lru[(uint32_t)f->memcg * PS_MAX_NODES + (uint32_t)z->node][lru];
	int stat = lru_zone_stat(lru);
	uint64_t pages = list_unlink_nocount(fo, h, l);

	f->flags &= (uint8_t)~PS_FOLIO_ON_LIST;
	if (stat >= 0)
		z->vm_stat[stat] -= (int64_t)pages;
}

static void list_unlink(PsPolicy *p, uint32_t h)
{
	list_unlink_zone(p, h, h_zone(p, h));
}

static void set_dirty(PsPolicy *p, uint32_t h, bool dirty)
{
	PsNode *n = &p->m->nodes[h_zone(p, h)->node];
	uint64_t pages = 1ull << p->fo[h].order;
	bool was = p->fo[h].flags & PS_FOLIO_DIRTY;

	if (was == dirty)
		return;
	if (dirty) {
		p->fo[h].flags |= PS_FOLIO_DIRTY;
		n->stat[PS_NR_DIRTY] += (int64_t)pages;
		p->m->zones[p->fo[h].zone].vm_stat[PS_NR_ZONE_WRITE_PENDING] += (int64_t)pages;
	} else {
		p->fo[h].flags &= (uint8_t)~PS_FOLIO_DIRTY;
		n->stat[PS_NR_DIRTY] -= (int64_t)pages;
		p->m->zones[p->fo[h].zone].vm_stat[PS_NR_ZONE_WRITE_PENDING] -= (int64_t)pages;
	}
}

/* Accounts a folio under writeback: NR_WRITEBACK, and the zone's NR_ZONE_WRITE_PENDING. */
static void account_writeback(PsPolicy *p, uint32_t h, int64_t sign)
{
	int64_t pages = 1ll << p->fo[h].order;

	p->m->nodes[h_zone(p, h)->node].stat[PS_NR_WRITEBACK] += sign * pages;
	p->m->zones[p->fo[h].zone].vm_stat[PS_NR_ZONE_WRITE_PENDING] += sign * pages;
}

/* The folio's pages were written: NR_WRITTEN (__folio_end_writeback). */
static void account_written(PsPolicy *p, uint32_t h)
{
	p->m->nodes[h_zone(p, h)->node].stat[PS_NR_WRITTEN] += 1ll << p->fo[h].order;
}

/*
 * Drops a folio's writeback state without an I/O end (it leaves the LRU, or is split). Its
 * write counts as done (NR_WRITTEN): truncation waits for the writeback to end, and a split is
 * taken as written (ps_lru_split).
 */
static void drop_writeback(PsPolicy *p, uint32_t h)
{
	if (p->fo[h].flags & PS_FOLIO_WRITEBACK) {
		account_writeback(p, h, -1);
		account_written(p, h);
	}
	p->fo[h].flags &= (uint8_t) ~(PS_FOLIO_WRITEBACK | PS_FOLIO_QUEUED);
}

static int kind_stat(int lru)
{
	if (lru == PS_LRU_SLAB)
		return PS_NR_SLAB_RECLAIMABLE_B;
	return lru >= PS_LRU_INACTIVE_FILE ? PS_NR_FILE_PAGES : PS_NR_ANON_PAGES;
}

/*
 * A listed folio's pages in or out of the node counters of its kind: its list's (kind_stat), but
 * a shmem folio, on the anon lists, is page cache (shmem_update_stats: NR_FILE_PAGES and
 * NR_SHMEM; NR_ANON_MAPPED counts only anonymous mappings' folios).
 */
G_ALWAYS_INLINE static inline void folio_stat_mod(PsPolicy *p, int node, int lru, uint8_t flags,
						  int64_t pages)
{
	int64_t *stat = p->m->nodes[node].stat;

	if (G_UNLIKELY(flags & PS_FOLIO_IS_SHMEM)) {
		stat[PS_NR_FILE_PAGES] += pages;
		stat[PS_NR_SHMEM] += pages;
		return;
	}
	stat[kind_stat(lru)] += pages;
}

/* ---- the flusher (fs/fs-writeback.c, mm/page-writeback.c) --------------------------------- */

/*
 * folio_end_writeback: the folio is clean and written; one that reclaim marked (PG_reclaim) is
 * rotated to the tail of the inactive list (folio_rotate_reclaimable: lru_move_tail clears
 * PG_active, pgrotated) so the next scan frees it.
 */
static void end_writeback(PsPolicy *p, uint32_t h)
{
	PsLruFolio *f = &p->fo[h];
	uint64_t pages = 1ull << f->order;

	account_writeback(p, h, -1);
	account_written(p, h);
	f->flags &= (uint8_t) ~(PS_FOLIO_WRITEBACK | PS_FOLIO_QUEUED);
	if (!(f->flags & PS_FOLIO_RECLAIM))
		return;
	f->flags &= (uint8_t)~PS_FOLIO_RECLAIM;
	if (!(f->flags & PS_FOLIO_ON_LIST) || (f->flags & PS_FOLIO_DIRTY) ||
	    (f->list != PS_LRU_INACTIVE_FILE && f->list != PS_LRU_ACTIVE_FILE))
		return;
	list_unlink(p, h);
	list_link(p, h, PS_LRU_INACTIVE_FILE, true);
	p->m->vm_events[PS_PGROTATED] += pages;
}

/*
 * The flusher's pass up to `now`: folios whose turn came go under writeback
 * (folio_start_writeback: PG_dirty off, PG_writeback on), those whose I/O ended complete.
 * Lazy: reclaim calls it before it looks at the lists. A folio that left the LRU meanwhile
 * (truncated, freed) lost PS_FOLIO_QUEUED and is skipped; its handle may be another folio now.
 */
static void wb_advance(PsPolicy *p, uint64_t now)
{
	PsFlusher *w = &p->wb;

	while (w->started < w->len && w->at_ns[w->started] <= now) {
		uint32_t h = w->h[w->started++];
		PsLruFolio *f = &p->fo[h];

		if (!(f->flags & PS_FOLIO_QUEUED))
			continue;
		if (!(f->flags & PS_FOLIO_DIRTY)) {
			f->flags &= (uint8_t)~PS_FOLIO_QUEUED;
			continue;
		}
		set_dirty(p, h, false);
		f->flags |= PS_FOLIO_WRITEBACK;
		account_writeback(p, h, +1);
	}
	while (w->done < w->started && w->at_ns[w->done] + p->rc.writeback_io_ns <= now) {
		uint32_t h = w->h[w->done++];

		if ((p->fo[h].flags & (PS_FOLIO_QUEUED | PS_FOLIO_WRITEBACK)) ==
		    (PS_FOLIO_QUEUED | PS_FOLIO_WRITEBACK))
			end_writeback(p, h);
	}
	if (w->done == w->len)
		w->len = w->started = w->done = 0;
}

void ps_writeback_advance(PsPolicy *p)
{
	wb_advance(p, ps_engine_now(p->e));
}

typedef struct {
	uint64_t dirtied_ns;
	uint32_t h;
} WbPick;

static int wb_pick_cmp(const void *a, const void *b)
{
	const WbPick *x = a, *y = b;

	if (x->dirtied_ns != y->dirtied_ns)
		return x->dirtied_ns < y->dirtied_ns ? -1 : 1;
	return x->h < y->h ? -1 : x->h > y->h;
}

/*
 * wakeup_flusher_threads(WB_REASON_VMSCAN): wb_start_writeback asks the flusher to write all
 * dirty pages (get_nr_dirty_pages), unless a start-all is still pending (WB_start_all). The
 * flusher (wb_writeback, writeback_sb_inodes) takes the inodes oldest dirtied first; the model
 * writes every dirty file folio on the LRU lists (every lruvec) in dirtied order (its handle breaks
 * a tie), each one writeback_page_ns after the one before, from `now`.
 */
static void wb_wake(PsPolicy *p, uint64_t now)
{
	PsFlusher *w = &p->wb;
	g_autoptr(GArray) picks = NULL;
	uint64_t at = now;

	if (w->len)
		return; /* WB_start_all: a pass is still running */
	picks = g_array_new(FALSE, FALSE, sizeof(WbPick));
	for (uint32_t lv = 0; lv < p->nr_memcgs * PS_MAX_NODES; lv++)
		for (int lru = PS_LRU_INACTIVE_FILE; lru <= PS_LRU_ACTIVE_FILE; lru++)
			for (uint32_t h = p->lru[lv][lru].tail; h != PS_HANDLE_NONE;
			     h = p->fo[h].prev)
				if ((p->fo[h].flags & (PS_FOLIO_DIRTY | PS_FOLIO_WRITEBACK)) ==
				    PS_FOLIO_DIRTY) {
					WbPick k = {p->dirtied_ns[h], h};

					g_array_append_val(picks, k);
				}
	if (!picks->len)
		return;
	qsort(picks->data, picks->len, sizeof(WbPick), wb_pick_cmp);
	if (picks->len > w->cap) {
		w->cap = picks->len;
		w->h = g_renew(uint32_t, w->h, w->cap);
		w->at_ns = g_renew(uint64_t, w->at_ns, w->cap);
	}
	for (guint i = 0; i < picks->len; i++) {
		uint32_t h = g_array_index(picks, WbPick, i).h;

		p->fo[h].flags |= PS_FOLIO_QUEUED;
		w->h[i] = h;
		w->at_ns[i] = at;
		at += p->rc.writeback_page_ns << p->fo[h].order;
	}
	w->len = picks->len;
	w->started = w->done = 0;
}

/*
 * reclaim_throttle(pgdat, VMSCAN_THROTTLE_WRITEBACK) for kswapd, the only throttled task: it
 * sleeps HZ/10 (100 ms) unless woken sooner by __acct_reclaim_writeback, once more than
 * SWAP_CLUSTER_MAX * nr_throttled (1) pages ended writeback since it began to wait.
 */
static uint64_t wb_throttle_ns(PsPolicy *p, uint64_t now)
{
	const PsFlusher *w = &p->wb;
	const uint64_t timeout = 100000000ull;
	uint64_t written = 0;

	for (size_t i = w->done; i < w->len; i++) {
		uint64_t end = w->at_ns[i] + p->rc.writeback_io_ns;

		if (end <= now)
			continue;
		if (end - now >= timeout)
			break;
		written += 1ull << p->fo[w->h[i]].order;
		if (written > PS_SWAP_CLUSTER_MAX)
			return end - now;
	}
	return timeout;
}

/* Links h, a folio of zone z, at the head of its kind's inactive list, or of the active one
 * (never for slab). */
G_ALWAYS_INLINE static inline void lru_add_zone(PsPolicy *p, uint32_t h, PsZone *z, unsigned order,
						enum ps_folio_kind kind, bool dirty, bool active,
						uint16_t memcg)
{
	PsLruFolio *f;
	int lru;

	if (h >= p->cap)
		grow(p, h);
	f = &p->fo[h];
	g_assert(!(f->flags & PS_FOLIO_ON_LIST));
	f->flags = 0;
	f->order = (uint8_t)order;
	f->zone = (uint8_t)z->idx;
	/* memcg: an id ps_memcg_new gave (not checked here: once per allocation) */
	f->memcg = kind == PS_FOLIO_SLAB ? PS_MEMCG_ROOT : memcg;
	lru = kind == PS_FOLIO_ANON   ? PS_LRU_INACTIVE_ANON
	      : kind == PS_FOLIO_FILE ? PS_LRU_INACTIVE_FILE
	      : kind == PS_FOLIO_SLAB ? PS_LRU_SLAB
				      : PS_LRU_INACTIVE_ANON; /* shmem: swap-backed */
	if (kind == PS_FOLIO_SHMEM)
		f->flags = PS_FOLIO_IS_SHMEM;
	if (active && kind != PS_FOLIO_SLAB)
		lru++; /* the kind's active list */
	list_link_zone(p, h, z, lru, false);
	folio_stat_mod(p, z->node, lru, f->flags, 1ll << order);
	if (dirty && kind == PS_FOLIO_FILE) {
		/* folio_account_dirtied: NR_DIRTIED counts each newly dirtied folio's pages */
		set_dirty(p, h, true);
		p->m->nodes[z->node].stat[PS_NR_DIRTIED] += 1ll << order;
		p->dirtied_ns[h] = ps_engine_now(p->e);
	}
}

/* ps_lru_add's cases that call something: out of line (see ps_lru_add). */
static G_NO_INLINE void lru_add_slow(PsPolicy *p, uint32_t h, ps_pfn_t pfn, unsigned order,
				     enum ps_folio_kind kind, bool dirty, uint16_t memcg)
{
	PsZone *z = ps_pfn_zone(p->m, pfn);

	g_assert(z != NULL);
	lru_add_zone(p, h, z, order, kind, dirty, false, memcg);
}

/*
 * The common case, a clean folio of a handle with room in the hinted zone, is tested first and
 * runs lru_add_zone with dirty false: no zone search, growth or set_dirty in its code (an add a
 * fault; -0.6 % of a kbuild replay's instructions with the same split of ps_lru_del).
 */
void ps_lru_add(PsPolicy *p, uint32_t h, ps_pfn_t pfn, unsigned order, enum ps_folio_kind kind,
		bool dirty, uint16_t memcg)
{
	PsZone *z = ps_pfn_zone_hinted(p->m, pfn);

	if (G_UNLIKELY(!z || h >= p->cap || (dirty && kind == PS_FOLIO_FILE))) {
		lru_add_slow(p, h, pfn, order, kind, dirty, memcg);
		return;
	}
	lru_add_zone(p, h, z, order, kind, false, false, memcg);
}

/* ps_lru_add_run's pages added to the inactive anon list of zone z: its zone and node counts. */
static void lru_add_counts(PsPolicy *p, PsZone *z, int64_t pages)
{
	if (!pages)
		return;
	z->vm_stat[lru_zone_stat(PS_LRU_INACTIVE_ANON)] += pages;
	folio_stat_mod(p, z->node, PS_LRU_INACTIVE_ANON, 0, pages);
}

void ps_lru_add_run(PsPolicy *p, const uint32_t *hs, const ps_pfn_t *pfns, unsigned n,
		    uint16_t memcg)
{
	int64_t pages = 0;
	PsZone *z = NULL;
	PsLruList *l = NULL;

	for (unsigned i = 0; i < n; i++) {
		uint32_t h = hs[i];
		PsZone *zi = ps_pfn_zone_hinted(p->m, pfns[i]);
		PsLruFolio *fo, *f;

		if (G_UNLIKELY(!zi || h >= p->cap)) {
			/* ps_lru_add's own way: the zone searched, the handles grown */
			ps_lru_add(p, h, pfns[i], 0, PS_FOLIO_ANON, false, memcg);
			continue;
		}
		if (zi != z) {
			if (z)
				lru_add_counts(p, z, pages);
			pages = 0;
			z = zi;
			l = &p->lru[(uint32_t)memcg * PS_MAX_NODES + (uint32_t)z->node]
				   [PS_LRU_INACTIVE_ANON];
		}
		/* lru_add_zone's steps for a clean anon folio of order 0 at the list's head */
		fo = p->fo;
		f = &fo[h];
		g_assert(!(f->flags & PS_FOLIO_ON_LIST));
		list_link_nocount(fo, h, l, false, 1);
		f->flags = PS_FOLIO_ON_LIST;
		f->order = 0;
		f->zone = (uint8_t)z->idx;
		f->memcg = memcg;
		f->list = PS_LRU_INACTIVE_ANON;
		pages++;
	}
	if (z)
		lru_add_counts(p, z, pages);
}

/*
 * Folios that were on an LRU list when the run's starting snapshot was taken: each linked at the
 * head as lruvec_add_folio does, on the active list when PG_active was set, in the order given,
 * as lru_add_zone would link them one by one; the lists' page counts and the zone and node
 * counters are added once at the end (sums: the same values). No event is counted.
 */
void ps_lru_add_start(PsPolicy *p, PsZone *z, uint32_t h0, const PsLruStart *f, uint32_t n)
{
	int64_t pages[PS_NR_RECLAIM_LISTS] = {0}, shmem = 0;
	PsLruList *lists;

	if (!n)
		return;
	lists = p->lru[z->node];
	if (h0 + n - 1 >= p->cap)
		grow(p, h0 + n - 1);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t h = h0 + i, head;
		PsLruFolio *fo = p->fo, *fh = &fo[h];
		enum ps_folio_kind kind = f[i].kind;
		int lru = kind == PS_FOLIO_FILE	  ? PS_LRU_INACTIVE_FILE
			  : kind == PS_FOLIO_SLAB ? PS_LRU_SLAB
						  : PS_LRU_INACTIVE_ANON; /* anon, shmem */

		if (f[i].active && kind != PS_FOLIO_SLAB)
			lru++; /* the kind's active list */
		g_assert(!(fh->flags & PS_FOLIO_ON_LIST));
		head = lists[lru].head;
		fh->flags = PS_FOLIO_ON_LIST;
		if (kind == PS_FOLIO_SHMEM) {
			fh->flags |= PS_FOLIO_IS_SHMEM;
			shmem += 1ll << f[i].order;
		}
		fh->list = (uint8_t)lru;
		fh->order = f[i].order;
		fh->zone = (uint8_t)z->idx;
		fh->memcg = PS_MEMCG_ROOT;
		fh->prev = PS_HANDLE_NONE;
		fh->next = head;
		if (head != PS_HANDLE_NONE)
			fo[head].prev = h;
		else
			lists[lru].tail = h;
		lists[lru].head = h;
		pages[lru] += 1ll << f[i].order;
		if (f[i].dirty && kind == PS_FOLIO_FILE) {
			set_dirty(p, h, true);
			p->dirtied_ns[h] = ps_engine_now(p->e);
			if (!p->start_dirty)
				p->start_dirty = g_array_new(FALSE, FALSE, sizeof(uint32_t));
			g_array_append_val(p->start_dirty, h);
		}
	}
	for (int lru = 0; lru < PS_NR_RECLAIM_LISTS; lru++) {
		int stat = lru_zone_stat(lru);

		lists[lru].nr_pages += (uint64_t)pages[lru];
		if (stat >= 0)
			z->vm_stat[stat] += pages[lru];
		p->m->nodes[z->node].stat[kind_stat(lru)] += pages[lru];
	}
	/* the shmem folios' pages, summed as anon above, are page cache (folio_stat_mod) */
	p->m->nodes[z->node].stat[PS_NR_ANON_PAGES] -= shmem;
	p->m->nodes[z->node].stat[PS_NR_FILE_PAGES] += shmem;
	p->m->nodes[z->node].stat[PS_NR_SHMEM] += shmem;
}

/*
 * kpageflags does not say where on its list a folio was; a dirty file folio, though, was dirtied
 * within dirty_expire_centisecs + dirty_writeback_centisecs (35 s) or the flusher's periodic pass
 * (wb_check_old_data_flush) would have written it, and page cache written through write() joins
 * its list at the head when it is allocated (lruvec_add_folio). That holds for new folios only:
 * a write into a folio already cached does not move it (__filemap_get_folio with FGP_WRITEBEGIN
 * has no FGP_ACCESSED; it only clears idle), nor does dirtying through a shared mapping, so
 * "dirty => near the head" is an approximation, kept because the recordings' dirty pages are new
 * files (record.sh's and the hogs' first writes). So the dump's dirty ones are
 * taken as the most recent: each file list's dirty folios go to its head, keeping their order
 * (ftrace-press-kswapd-6.18: the kernel's kswapd took 92 K of its 764 K inactive file pages and
 * met none of the 98 dirty ones, nr_vmscan_immediate_reclaim +0).
 */
void ps_lru_start_dirty_to_head(PsPolicy *p)
{
	if (!p->start_dirty)
		return;
	/*
	 * In the order they were linked (each at its list's head then): moved to the head one after
	 * the other, they keep it. A folio the host freed or reclaimed meanwhile is off its list.
	 */
	for (guint i = 0; i < p->start_dirty->len; i++) {
		uint32_t h = g_array_index(p->start_dirty, uint32_t, i);
		const PsLruFolio *f = &p->fo[h];

		if ((f->flags & (PS_FOLIO_ON_LIST | PS_FOLIO_DIRTY)) !=
			(PS_FOLIO_ON_LIST | PS_FOLIO_DIRTY) ||
		    (f->list != PS_LRU_INACTIVE_FILE && f->list != PS_LRU_ACTIVE_FILE))
			continue;
		list_unlink(p, h);
		list_link(p, h, f->list, false);
	}
	g_array_free(p->start_dirty, TRUE);
	p->start_dirty = NULL;
}

void ps_lru_reserve(PsPolicy *p, uint32_t n)
{
	if (n)
		grow(p, n - 1);
}

/* ps_lru_del's folio that is dirty or under writeback: out of line (see ps_lru_del). */
static G_NO_INLINE void lru_del_unaccount(PsPolicy *p, uint32_t h)
{
	set_dirty(p, h, false);
	drop_writeback(p, h);
}

/* As ps_lru_add, the common case (a clean folio) carries no set_dirty or drop_writeback code. */
void ps_lru_del(PsPolicy *p, uint32_t h)
{
	PsLruFolio *f;
	PsZone *z;
	int lru;
	int64_t pages;

	if (h >= p->cap || !(p->fo[h].flags & PS_FOLIO_ON_LIST))
		return;
	f = &p->fo[h];
	/* one test on the common path, a clean folio (the flags all go below) */
	if (f->flags & (PS_FOLIO_DIRTY | PS_FOLIO_WRITEBACK))
		lru_del_unaccount(p, h);
	z = h_zone(p, h);
	lru = f->list;
	pages = 1ll << f->order;
	list_unlink_zone(p, h, z);
	folio_stat_mod(p, z->node, lru, f->flags, -pages);
	f->flags = 0;
}

/* ps_lru_del_run's pages of each list, of zone z, out of the zone and node counts at once. */
static void lru_del_counts(PsPolicy *p, PsZone *z, int64_t pages[PS_NR_RECLAIM_LISTS])
{
	for (int lru = 0; lru < PS_NR_RECLAIM_LISTS; lru++) {
		int stat = lru_zone_stat(lru);

		if (!pages[lru])
			continue;
		if (stat >= 0)
			z->vm_stat[stat] -= pages[lru];
		folio_stat_mod(p, z->node, lru, 0, -pages[lru]);
		pages[lru] = 0;
	}
}

void ps_lru_del_run(PsPolicy *p, const uint32_t *hs, unsigned n)
{
	int64_t pages[PS_NR_RECLAIM_LISTS] = {0};
	PsLruFolio *fo = p->fo;
	PsZone *z = NULL;

	for (unsigned i = 0; i < n; i++) {
		uint32_t h = hs[i];
		PsLruFolio *f;
		PsLruList *l;
		int lru;

		if (h >= p->cap || !(fo[h].flags & PS_FOLIO_ON_LIST))
			continue;
		f = &fo[h];
		/* dirty, under writeback or shmem: ps_lru_del's own way (its counts at once) */
		if (G_UNLIKELY(f->flags &
			       (PS_FOLIO_DIRTY | PS_FOLIO_WRITEBACK | PS_FOLIO_IS_SHMEM))) {
			ps_lru_del(p, h);
			continue;
		}
		if (G_UNLIKELY(!z || f->zone != z->idx)) {
			if (z)
				lru_del_counts(p, z, pages);
			z = h_zone(p, h);
		}
		lru = f->list;
		l = &p->lru[(uint32_t)f->memcg * PS_MAX_NODES + (uint32_t)z->node][lru];
		pages[lru] += (int64_t)list_unlink_nocount(fo, h, l);
		f->flags = 0;
	}
	if (z)
		lru_del_counts(p, z, pages);
}

void ps_lru_move(PsPolicy *p, uint32_t h, ps_pfn_t new_pfn)
{
	PsZone *z = ps_pfn_zone(p->m, new_pfn);
	int lru;
	bool dirty;

	if (!ps_lru_on_list(p, h) || z->idx == p->fo[h].zone)
		return;
	/* Relink under the new zone so its LRU and dirty counters follow the folio. */
	lru = p->fo[h].list;
	dirty = p->fo[h].flags & PS_FOLIO_DIRTY;
	set_dirty(p, h, false);
	if (p->fo[h].flags & PS_FOLIO_WRITEBACK)
		account_writeback(p, h, -1);
	list_unlink(p, h);
	folio_stat_mod(p, h_zone(p, h)->node, lru, p->fo[h].flags, -(1ll << p->fo[h].order));
	p->fo[h].zone = (uint8_t)z->idx;
	list_link(p, h, lru, false);
	folio_stat_mod(p, z->node, lru, p->fo[h].flags, 1ll << p->fo[h].order);
	if (dirty)
		set_dirty(p, h, true);
	if (p->fo[h].flags & PS_FOLIO_WRITEBACK)
		account_writeback(p, h, +1);
}

/*
 * lru_add_split_folio without a list: each new folio goes in just before the old one
 * (list_add_tail(&new_folio->lru, &folio->lru)), in pfn order as __folio_split walks them, so the
 * head is the oldest of the pieces. Every piece keeps the folio's flags (__split_folio_to_order
 * copies PG_referenced, PG_active, PG_dirty) and the list's page counts do not change.
 */
void ps_lru_split(PsPolicy *p, uint32_t h, const uint32_t *pieces, uint32_t n)
{
	PsLruFolio *f;
	PsLruList *l;
	uint32_t before;

	if (!ps_lru_on_list(p, h))
		return;
	for (uint32_t i = 0; i < n; i++)
		if (pieces[i] >= p->cap)
			grow(p, pieces[i]);
	/*
	 * The kernel does not split a folio under writeback; the model's splits (compaction's
	 * try_split_folio) take it as written: the pieces start clean of writeback.
	 */
	drop_writeback(p, h);
	f = &p->fo[h];
	g_assert(n + 1 == 1u << f->order);
	l = &p->lru[(uint32_t)f->memcg * PS_MAX_NODES + (uint32_t)h_zone(p, h)->node][f->list];
	f->order = 0;
	before = f->prev;
	for (uint32_t i = 0; i < n; i++) {
		PsLruFolio *q = &p->fo[pieces[i]];

		*q = *f;
		q->prev = before;
		q->next = h;
		if (before != PS_HANDLE_NONE)
			p->fo[before].next = pieces[i];
		else
			l->head = pieces[i];
		p->fo[h].prev = pieces[i];
		/*
		 * Only a dirty folio's time is ever read (PS_FOLIO_DIRTY gates both readers, and
		 * set_dirty's callers write it): a clean piece's slot is left untouched, so the
		 * split of a clean folio faults in no page of dirtied_ns (a piece's handle is
		 * often a new one, past the pages written so far).
		 */
		if (f->flags & PS_FOLIO_DIRTY)
			p->dirtied_ns[pieces[i]] = p->dirtied_ns[h];
		before = pieces[i];
	}
}

/* ---- memcgs (mm/memcontrol.c) ------------------------------------------------------------- */

static void lruvecs_init(PsLruvec *lv, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		for (int l = 0; l < PS_NR_RECLAIM_LISTS; l++) {
			lv[i][l].head = lv[i][l].tail = PS_HANDLE_NONE;
			lv[i][l].nr_pages = 0;
		}
}

void ps_memcg_init(PsPolicy *p)
{
	p->nr_memcgs = 1;
	p->memcgs = g_new0(PsMemcg, 1);
	p->memcgs[0].parent = PS_MEMCG_NONE;
	p->memcg_walk = g_new0(uint16_t, 1);
	p->memcg_walk_at = g_new0(uint32_t, 1);
	p->memcg_subtree = g_new0(uint32_t, 1);
	p->memcg_subtree[0] = 1;
	p->memcg_pgsteal = g_new0(uint64_t, 1);
	p->lru = g_new(PsLruvec, PS_MAX_NODES);
	lruvecs_init(p->lru, PS_MAX_NODES);
	for (int n = 0; n < PS_MAX_NODES; n++)
		p->memcg_iter[n] = -1;
}

/*
 * Puts the new memcg `id` (the highest id, its parent and key set) into the walk, in
 * css_next_descendant_pre's order: its parent's children by key (creation order; among equal
 * keys by id, so the new one last), each child's subtree before the next child. Its place is
 * before the first child of its parent with a greater key, else at the end of the parent's
 * subtree; the entries after it move up one. O(memcgs) a memcg: a full rebuild scanned every
 * memcg for each child (O(memcgs^2) a memcg, ~n^3 over a trace that makes many). Returns its
 * place.
 */
static uint32_t walk_insert(PsPolicy *p, uint16_t id)
{
	const PsMemcg *x = &p->memcgs[id];
	uint32_t at = p->memcg_walk_at[x->parent] + 1;
	uint32_t end = p->memcg_walk_at[x->parent] + p->memcg_subtree[x->parent];
	uint32_t n = id; /* entries in the walk before this one */

	/* the parent's children, in walk order: each one's subtree follows it */
	while (at < end && p->memcgs[p->memcg_walk[at]].key <= x->key)
		at += p->memcg_subtree[p->memcg_walk[at]];
	memmove(p->memcg_walk + at + 1, p->memcg_walk + at, (n - at) * sizeof(*p->memcg_walk));
	p->memcg_walk[at] = id;
	for (uint32_t i = at; i <= n; i++)
		p->memcg_walk_at[p->memcg_walk[i]] = i;
	p->memcg_subtree[id] = 1;
	for (uint16_t a = x->parent; a != PS_MEMCG_NONE; a = p->memcgs[a].parent)
		p->memcg_subtree[a]++;
	return at;
}

uint16_t ps_memcg_new(PsPolicy *p, uint16_t parent, uint64_t key)
{
	uint32_t id = p->nr_memcgs, at;

	g_assert(parent < p->nr_memcgs);
	if (id >= PS_MEMCG_MAX)
		return PS_MEMCG_NONE;
	p->memcgs = g_renew(PsMemcg, p->memcgs, id + 1);
	p->memcgs[id] = (PsMemcg){.parent = parent, .key = key};
	p->lru = g_renew(PsLruvec, p->lru, (id + 1) * PS_MAX_NODES);
	lruvecs_init(p->lru + id * PS_MAX_NODES, PS_MAX_NODES);
	p->nr_memcgs = id + 1;
	p->memcg_pgsteal = g_renew(uint64_t, p->memcg_pgsteal, p->nr_memcgs);
	p->memcg_pgsteal[id] = 0;
	p->memcg_walk = g_renew(uint16_t, p->memcg_walk, p->nr_memcgs);
	p->memcg_walk_at = g_renew(uint32_t, p->memcg_walk_at, p->nr_memcgs);
	p->memcg_subtree = g_renew(uint32_t, p->memcg_subtree, p->nr_memcgs);
	at = walk_insert(p, (uint16_t)id);
	/*
	 * The root's reclaim iterators keep their memcg (mem_cgroup_iter holds iter->position, a
	 * css, which a new cgroup does not move): one at or after the new entry's place follows its
	 * memcg up one. An iterator just before it meets the new memcg next, as
	 * css_next_descendant_pre from that position would.
	 */
	for (int n = 0; n < PS_MAX_NODES; n++)
		if (p->memcg_iter[n] >= 0 && (uint32_t)p->memcg_iter[n] >= at)
			p->memcg_iter[n]++;
	/*
	 * A kswapd pass paused between two steps walks on from the css it is on
	 * (css_next_descendant_pre in mem_cgroup_iter), so its index follows its memcg the same
	 * way: an open lruvec's memcg at or after the new entry moves up one. With no lruvec open,
	 * memcg_i is the next one to visit and memcg_i - 1 the css it is on: the new memcg is met
	 * next if it goes in right after that css (at == memcg_i), and is not visited in this pass
	 * if it goes in earlier (at < memcg_i, the index moves up one).
	 */
	for (int n = 0; n < PS_MAX_NODES; n++) {
		PsNodeScan *ns = &p->kswapd[n].scan;

		if (p->kswapd[n].in_pass &&
		    (ns->lruvec_open ? ns->memcg_i >= at : ns->memcg_i > at))
			ns->memcg_i++;
	}
	return (uint16_t)id;
}

void ps_policy_state(PsPolicy *p, PsStateTable *t)
{
	bool load = ps_state_loading(t);
	uint64_t cap = ps_state_count(t, "policy.cap", p->cap);
	uint64_t nwb = ps_state_count(t, "policy.wb.len", p->wb.len);
	uint64_t nmemcg = ps_state_count(t, "policy.memcgs", p->nr_memcgs);

	/* the start's dirty folios were moved before the state is kept (no array to save) */
	g_assert(p->start_dirty == NULL);

	if (load) {
		/* into a fresh policy: its handle arrays are zero, its root memcg alone */
		g_assert(p->cap <= cap && p->nr_memcgs == 1 && p->wb.len == 0);
		if (cap > p->cap)
			grow(p, (uint32_t)cap - 1);
		g_assert(p->cap == cap);
		if (nwb > p->wb.cap) {
			p->wb.cap = nwb;
			p->wb.h = g_renew(uint32_t, p->wb.h, nwb);
			p->wb.at_ns = g_renew(uint64_t, p->wb.at_ns, nwb);
		}
		p->nr_memcgs = (uint32_t)nmemcg;
		p->memcgs = g_renew(PsMemcg, p->memcgs, nmemcg);
		p->lru = g_renew(PsLruvec, p->lru, nmemcg * PS_MAX_NODES);
		p->memcg_pgsteal = g_renew(uint64_t, p->memcg_pgsteal, nmemcg);
		p->memcg_walk = g_renew(uint16_t, p->memcg_walk, nmemcg);
		p->memcg_walk_at = g_renew(uint32_t, p->memcg_walk_at, nmemcg);
		p->memcg_subtree = g_renew(uint32_t, p->memcg_subtree, nmemcg);
	}
	/*
	 * fo in its room as recs are (mapped when large, its zero pages past the last handle not
	 * stored); dirtied_ns sparse: all zero at a start.
	 */
	ps_state_room(t, "policy.fo", p->fo, sizeof(PsLruFolio) * cap);
	ps_state_sparse(t, "policy.dirtied_ns", p->dirtied_ns, sizeof(uint64_t) * cap);
	ps_state_array(t, "policy.wb.h", p->wb.h, sizeof(uint32_t) * nwb);
	ps_state_array(t, "policy.wb.at_ns", p->wb.at_ns, sizeof(uint64_t) * nwb);
	p->wb.len = nwb;
	ps_state_array(t, "policy.wb.started", &p->wb.started, sizeof(p->wb.started));
	ps_state_array(t, "policy.wb.done", &p->wb.done, sizeof(p->wb.done));
	ps_state_array(t, "policy.pgdat_writeback", p->pgdat_writeback, sizeof(p->pgdat_writeback));
	ps_state_array(t, "policy.lru", p->lru, sizeof(PsLruvec) * nmemcg * PS_MAX_NODES);
	/* PsMemcg has padding, which g_renew leaves as it was: zeroed so the bytes compare */
	for (uint64_t i = 0; !load && i < nmemcg; i++) {
		PsMemcg c = p->memcgs[i];

		memset(&p->memcgs[i], 0, sizeof(c));
		p->memcgs[i].parent = c.parent;
		p->memcgs[i].offline = c.offline;
		p->memcgs[i].key = c.key;
	}
	ps_state_array(t, "policy.memcgs", p->memcgs, sizeof(PsMemcg) * nmemcg);
	ps_state_array(t, "policy.memcg_pgsteal", p->memcg_pgsteal, sizeof(uint64_t) * nmemcg);
	ps_state_array(t, "policy.memcg_walk", p->memcg_walk, sizeof(uint16_t) * nmemcg);
	ps_state_array(t, "policy.memcg_walk_at", p->memcg_walk_at, sizeof(uint32_t) * nmemcg);
	ps_state_array(t, "policy.memcg_subtree", p->memcg_subtree, sizeof(uint32_t) * nmemcg);
	ps_state_array(t, "policy.memcg_iter", p->memcg_iter, sizeof(p->memcg_iter));
	ps_state_array(t, "policy.anon_cost", p->anon_cost, sizeof(p->anon_cost));
	ps_state_array(t, "policy.file_cost", p->file_cost, sizeof(p->file_cost));
	ps_state_array(t, "policy.refaults_snap", p->refaults_snap, sizeof(p->refaults_snap));
	ps_state_array(t, "policy.swap_used", &p->swap_used, sizeof(p->swap_used));
	ps_state_array(t, "policy.kswapd", p->kswapd, sizeof(p->kswapd));
	ps_state_array(t, "policy.oom_victim_until", &p->oom_victim_until,
		       sizeof(p->oom_victim_until));
	ps_state_array(t, "policy.kcompactd", p->kcompactd, sizeof(p->kcompactd));
	ps_state_array(t, "policy.idle", &p->idle, sizeof(p->idle));
}

uint32_t ps_memcg_count(const PsPolicy *p)
{
	return p->nr_memcgs;
}

uint64_t ps_memcg_pgsteal(const PsPolicy *p, uint16_t memcg)
{
	g_assert(memcg < p->nr_memcgs);
	return p->memcg_pgsteal[memcg];
}

uint64_t ps_memcg_lru_pages(const PsPolicy *p, uint16_t memcg, int node, int lru)
{
	g_assert(memcg < p->nr_memcgs && node >= 0 && node < PS_MAX_NODES);
	return p->lru[(uint32_t)memcg * PS_MAX_NODES + (uint32_t)node][lru].nr_pages;
}

void ps_lru_set_memcg(PsPolicy *p, uint32_t h, uint16_t memcg)
{
	int lru;

	g_assert(memcg < p->nr_memcgs);
	if (!ps_lru_on_list(p, h) || p->fo[h].memcg == memcg || p->fo[h].list == PS_LRU_SLAB)
		return;
	lru = p->fo[h].list;
	list_unlink(p, h);
	p->fo[h].memcg = memcg;
	list_link(p, h, lru, false);
}

bool ps_memcg_offline(const PsPolicy *p, uint16_t memcg, uint16_t *parent)
{
	g_assert(memcg < p->nr_memcgs);
	if (!p->memcgs[memcg].offline)
		return false;
	*parent = p->memcgs[memcg].parent;
	return true;
}

/*
 * Offline (zombie) memcgs. A cgroup removed while pages are still charged to it keeps its memcg
 * and lruvecs until they are gone (cgroup v1 and v2 alike move no LRU page to the parent), and
 * mem_cgroup_iter walks it like any other; get_scan_count scans at least min(size,
 * SWAP_CLUSTER_MAX) of each of its lists when size >> priority is 0. /proc/kpagecgroup
 * (page_cgroup_ino) reports such a page as its nearest online ancestor's, so a dump cannot say
 * how many zombies there are or which pages are whose. On the recording machines every shell
 * command runs in a memcg of its own under /process_api that is removed when it ends, and no task
 * runs in /process_api itself: its 78,000 start pages in ftrace-press-kswapd-6.18 are earlier
 * commands' page cache. There the kernel's kswapd reclaimed 3,478 folios charged to /process_api
 * (3,171 of order 0) against the 592 that scanning the 78,000 as one lruvec gave (12 pages a
 * pass at priority 12), ~230-300 pages in every pass, right after the root and before the
 * capture memcg's order-9 folios: SWAP_CLUSTER_MAX-page shares of about ten small zombie
 * lruvecs.
 *
 * The recording's reclaim order (the seed of sim/snapshot-stale.c) shows them, so the model
 * rebuilds them from it: within a pass, the folios of a memcg with children (taken as its
 * zombies' pages) are cut into shares of at most SWAP_CLUSTER_MAX pages in a row, the k-th share
 * of every pass going to the memcg's k-th offline child (made before its online children: older
 * cgroups, earlier in the walk). The order has no pass marks, so a pass is found from the walk's
 * order alone: a new one begins where a freed folio's memcg comes earlier in mem_cgroup_iter's
 * order than the one before, or at a root folio (shrink_node_memcgs' walk visits the root first
 * in every pass, so one after a share may start the next pass; it ends the share and is not
 * moved). What breaks it: two passes with no later-memcg or root free between them read as one
 * (the second's shares go on numbering after the first's, making extra zombies); frees of two
 * reclaimers interleaved (kswapd and a direct reclaimer) fake a pass at each step back in the
 * walk; a root folio in the middle of a memcg's frees (a page charged after kpagecgroup was
 * read) restarts its share numbering. Simplifications: folios the kernel did not reclaim stay on
 * the parent's own lists (the zombies hold just what the recording shows of them); a share is cut
 * at 32 freed pages, and a zombie whose 32 scanned pages had referenced ones freed fewer, so two
 * such share one zombie here.
 */
uint32_t ps_memcg_split_offline(PsPolicy *p, const uint32_t *handles, uint32_t n,
				uint32_t *not_made)
{
	uint32_t nr = p->nr_memcgs, made = 0, last_pos = 0, share = 0;
	uint16_t cur = PS_MEMCG_NONE;
	uint64_t acc = 0;
	g_autofree uint32_t *to = g_new0(uint32_t, n); /* 1 + the share of handles[i], 0: stays */
	g_autofree uint16_t *of = g_new(uint16_t, n);  /* the memcg whose zombie it goes to */
	g_autofree uint32_t *need = g_new0(uint32_t, nr);
	g_autofree uint32_t *first = g_new0(uint32_t, nr);

	for (uint32_t i = 0; i < n; i++) {
		uint32_t h = handles[i], pos;
		uint16_t mc;
		uint64_t pages;

		if (!ps_lru_on_list(p, h) || p->fo[h].list == PS_LRU_SLAB)
			continue;
		mc = p->fo[h].memcg;
		pages = 1ull << p->fo[h].order;
		if (mc == PS_MEMCG_ROOT) {
			/* the walk visits the root first: a root folio may start the next pass */
			cur = PS_MEMCG_NONE;
			last_pos = 0;
			continue;
		}
		pos = p->memcg_walk_at[mc];
		if (pos < last_pos)
			cur = PS_MEMCG_NONE; /* a new pass */
		last_pos = pos;
		if (p->memcg_subtree[mc] <= 1) {
			cur = PS_MEMCG_NONE;
			continue;
		}
		if (mc != cur) {
			cur = mc;
			share = 0;
			acc = 0;
		} else if (acc + pages > PS_SWAP_CLUSTER_MAX) {
			share++;
			acc = 0;
		}
		acc += pages;
		to[i] = share + 1;
		of[i] = mc;
		need[mc] = MAX(need[mc], share + 1);
	}
	for (uint32_t mc = 0; mc < nr; mc++) {
		for (uint32_t k = 0; k < need[mc]; k++) {
			/* key k: before every snapshot child (keys are their inode numbers) */
			uint16_t id = ps_memcg_new(p, (uint16_t)mc, k);

			if (id == PS_MEMCG_NONE) {
				/* PS_MEMCG_MAX: this share and the rest stay on mc's lists */
				*not_made += need[mc] - k;
				need[mc] = k;
				break;
			}
			if (!k)
				first[mc] = id;
			p->memcgs[id].offline = true;
			made++;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		if (to[i] && to[i] <= need[of[i]])
			ps_lru_set_memcg(p, handles[i], (uint16_t)(first[of[i]] + to[i] - 1));
	return made;
}

bool ps_lru_start_to_tail(PsPolicy *p, uint32_t h)
{
	int lru, to;

	if (!ps_lru_on_list(p, h))
		return false;
	lru = p->fo[h].list;
	if (lru == PS_LRU_ACTIVE_ANON || lru == PS_LRU_ACTIVE_FILE)
		to = lru - 1;
	else if (lru == PS_LRU_INACTIVE_ANON || lru == PS_LRU_INACTIVE_FILE)
		to = lru;
	else
		return false;
	/* the node's kind counters (kind_stat) are the same for both lists of a kind */
	list_unlink(p, h);
	p->fo[h].flags &= (uint8_t)~PS_FOLIO_REFERENCED;
	list_link(p, h, to, true);
	return to != lru;
}

bool ps_lru_on_list(const PsPolicy *p, uint32_t h)
{
	return h < p->cap && (p->fo[h].flags & PS_FOLIO_ON_LIST);
}

/* folio_mark_accessed: the second access while inactive activates. */
void ps_lru_mark_accessed(PsPolicy *p, uint32_t h)
{
	int lru;

	if (!ps_lru_on_list(p, h))
		return;
	lru = p->fo[h].list;
	if ((lru == PS_LRU_INACTIVE_ANON || lru == PS_LRU_INACTIVE_FILE) &&
	    (p->fo[h].flags & PS_FOLIO_REFERENCED)) {
		list_unlink(p, h);
		p->fo[h].flags &= (uint8_t)~PS_FOLIO_REFERENCED;
		list_link(p, h, lru + 1, false);
		p->m->vm_events[PS_PGACTIVATE] += 1ull << p->fo[h].order;
		return;
	}
	p->fo[h].flags |= PS_FOLIO_REFERENCED;
}

void ps_swap_release(PsPolicy *p, uint64_t pages)
{
	p->swap_used -= MIN(pages, p->swap_used);
}

uint64_t ps_swap_used(const PsPolicy *p)
{
	return p->swap_used;
}

/* ---- scanning ---------------------------------------------------------------------------- */

/* The node's pages on list lru, every memcg's (the root's hierarchical lruvec counts). */
static uint64_t lru_pages(const PsPolicy *p, int node, int lru)
{
	uint64_t n = 0;

	for (uint32_t m = 0; m < p->nr_memcgs; m++)
		n += p->lru[m * PS_MAX_NODES + (uint32_t)node][lru].nr_pages;
	return n;
}

/* The pages on list lru of one lruvec (lruvec_lru_size). */
static uint64_t lruvec_pages(const PsPolicy *p, uint32_t lv, int lru)
{
	return p->lru[lv][lru].nr_pages;
}

static bool can_swap(const PsPolicy *p)
{
	return p->rc.swap_pages > p->swap_used;
}

/*
 * inactive_is_low: inactive * ratio < active, ratio = isqrt(10 * GiB) or 1, of one lruvec's lists
 * (shrink_lruvec's anon aging) or of the node's (prepare_scan_control asks the root's lruvec,
 * whose counts are hierarchical: the whole node's).
 */
static bool inactive_pages_low(const PsPolicy *p, uint64_t inactive, uint64_t active)
{
	uint64_t gb = ((inactive + active) << p->m->page_shift) >> 30;
	uint64_t ratio = 1;

	if (gb) {
		uint64_t x = 10 * gb, r = 0;

		/* integer square root */
		while ((r + 1) * (r + 1) <= x)
			r++;
		ratio = r;
	}
	return inactive * ratio < active;
}

static bool inactive_is_low(const PsPolicy *p, int node, int inactive_lru)
{
	return inactive_pages_low(p, lru_pages(p, node, inactive_lru),
				  lru_pages(p, node, inactive_lru + 1));
}

/* lru_note_cost: cost of reclaiming from one type; halved when it outgrows a quarter LRU. */
static void note_cost(PsPolicy *p, int node, bool file, uint64_t cost)
{
	uint64_t total = 0;

	for (int l = 0; l < PS_NR_LRU_LISTS; l++)
		total += lru_pages(p, node, l);
	if (file)
		p->file_cost[node] += cost;
	else
		p->anon_cost[node] += cost;
	if (p->anon_cost[node] + p->file_cost[node] > total / 4) {
		p->anon_cost[node] /= 2;
		p->file_cost[node] /= 2;
	}
}

/*
 * get_scan_count: pages to scan on each evictable list of lruvec lv (of node) at this priority:
 * the balance (file_is_tiny, cache_trim_mode, the anon and file costs) is the node's, as
 * prepare_scan_control works it out from the root's hierarchical lruvec; the amounts are lv's own
 * list sizes >> priority, and for an offline memcg (ps_memcg_split_offline) at least
 * min(size, SWAP_CLUSTER_MAX) ("scrape out the remaining cache"), its SCAN_FRACT share rounded up.
 */
static void get_scan_count(PsPolicy *p, int node, uint32_t lv, PsScanControl *sc,
			   uint64_t nr[PS_NR_LRU_LISTS])
{
	enum { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE } mode;
	int swappiness = p->m->sysctl.swappiness;
	uint64_t ap = 1, fp = 1, denom = 2;
	bool offline = p->memcgs[lv / PS_MAX_NODES].offline;

	if (!sc->may_swap || !can_swap(p)) {
		mode = SCAN_FILE;
	} else if (!sc->priority && swappiness) {
		mode = SCAN_EQUAL;
	} else {
		uint64_t file = lru_pages(p, node, PS_LRU_INACTIVE_FILE) +
				lru_pages(p, node, PS_LRU_ACTIVE_FILE);
		uint64_t free = 0, high = 0;

		/*
		 * prepare_scan_control's file_is_tiny: the node's free pages and the high marks of
		 * every managed zone (not only those up to the request's zone), and only when the
		 * anon active list may not be aged and the inactive anon list >> priority is not 0.
		 */
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			PsZone *z = ps_machine_zone(p->m, node, (enum ps_zone_type)t);

			if (!z->managed)
				continue;
			free += (uint64_t)MAX(z->vm_stat[PS_NR_FREE_PAGES], 0);
			high += ps_wmark_pages(z, PS_WMARK_HIGH);
		}
		if (file + free <= high && !(sc->may_deactivate & PS_DEACTIVATE_ANON) &&
		    (lru_pages(p, node, PS_LRU_INACTIVE_ANON) >> sc->priority))
			mode = SCAN_ANON;
		else if ((lru_pages(p, node, PS_LRU_INACTIVE_FILE) >> sc->priority) &&
			 !(sc->may_deactivate & PS_DEACTIVATE_FILE))
			mode = SCAN_FILE; /* cache_trim_mode */
		else
			mode = SCAN_FRACT;
	}
	if (mode == SCAN_FRACT) {
		/* calculate_pressure_balance */
		uint64_t total = p->anon_cost[node] + p->file_cost[node];
		uint64_t a = total + p->anon_cost[node], f = total + p->file_cost[node];

		ap = (uint64_t)swappiness * (a + f + 1) / (a + 1);
		fp = (uint64_t)(200 - swappiness) * (a + f + 1) / (f + 1);
		denom = ap + fp;
	}
	for (int lru = 0; lru < PS_LRU_UNEVICTABLE; lru++) {
		bool file = lru >= PS_LRU_INACTIVE_FILE;
		uint64_t size = lruvec_pages(p, lv, lru), scan = size >> sc->priority;

		if (!scan && offline)
			scan = MIN(size, (uint64_t)PS_SWAP_CLUSTER_MAX);
		switch (mode) {
		case SCAN_EQUAL:
			break;
		case SCAN_FRACT:
			denom = denom ? denom : 1;
			scan = offline ? (scan * (file ? fp : ap) + denom - 1) / denom
				       : scan * (file ? fp : ap) / denom;
			break;
		case SCAN_FILE:
			if (!file)
				scan = 0;
			break;
		case SCAN_ANON:
			if (file)
				scan = 0;
			break;
		}
		nr[lru] = scan;
	}
	nr[PS_LRU_UNEVICTABLE] = 0;
}

/*
 * folio_mapped as the model knows it: an anon folio (not shmem) is its task's mapped page. Page
 * cache, file or shmem, counts as unmapped (the header says why).
 */
static inline bool folio_mapped(const PsPolicy *p, uint32_t h, int lru)
{
	return (lru == PS_LRU_INACTIVE_ANON || lru == PS_LRU_ACTIVE_ANON) &&
	       !(p->fo[h].flags & PS_FOLIO_IS_SHMEM);
}

/*
 * shrink_active_list: deactivate up to nr pages from the tail of an active list of lruvec lv.
 * isolate_lru_folios without may_unmap (node reclaim without RECLAIM_UNMAP) counts a mapped folio
 * as scanned and puts it back at the head of its list.
 */
static void shrink_active_list(PsPolicy *p, uint32_t lv, int active_lru, uint64_t nr,
			       PsScanControl *sc)
{
	PsLruList *l = &p->lru[lv][active_lru];
	uint64_t done = 0;

	while (done < nr && l->tail != PS_HANDLE_NONE) {
		uint32_t h = l->tail;
		uint64_t pages = 1ull << p->fo[h].order;

		list_unlink(p, h);
		done += pages;
		p->m->vm_events[PS_PGREFILL] += pages;
		sc->cost_ns += ps_cost_isolate_lru_folios(&p->rc, 1);
		if (!sc->may_unmap && folio_mapped(p, h, active_lru)) {
			list_link(p, h, active_lru, false);
			continue;
		}
		p->fo[h].flags &= (uint8_t)~PS_FOLIO_REFERENCED;
		list_link(p, h, active_lru - 1, false);
		p->m->vm_events[PS_PGDEACTIVATE] += pages;
	}
}

/* shrink_folio_list's activate_locked: the folio goes to the head of its active list. */
static inline uint64_t activate_locked(PsPolicy *p, uint32_t h, int lru, uint64_t pages)
{
	list_link(p, h, lru + 1, false);
	p->m->vm_events[PS_PGACTIVATE] += pages;
	return pages;
}

/*
 * shrink_inactive_list + shrink_folio_list over up to nr pages from the tail. A file folio's
 * dirty and writeback state first (folio_check_dirty_writeback, before folio_check_references):
 * - under writeback: kswapd meeting one it marked before (PG_reclaim) while PGDAT_WRITEBACK is
 *   set counts it in nr_immediate; any other reclaimer marks it (PG_reclaim, nr_writeback);
 *   both activate it (activate_locked), out of the way until its I/O ends;
 * - dirty: reclaim does not write file folios (6.18 kswapd leaves them to the flusher too), so
 *   one met dirty is marked PG_reclaim, counted in nr_vmscan_immediate_reclaim each time and
 *   activated; one dirtied more than dirty_expire ago counts as written by the flusher's
 *   periodic pass (wb_check_old_data_flush) and is reclaimed, rotated if it was marked.
 * A batch whose taken folios were all dirty and not queued for I/O wakes the flusher
 * (wakeup_flusher_threads(WB_REASON_VMSCAN)).
 */
static uint64_t shrink_inactive_list(PsPolicy *p, int node, uint32_t lv, int lru, uint64_t nr,
				     PsScanControl *sc)
{
	PsMachine *m = p->m;
	PsLruList *l = &p->lru[lv][lru];
	bool file = lru == PS_LRU_INACTIVE_FILE;
	uint64_t now = ps_engine_now(p->e);
	uint64_t scanned = 0, reclaimed = 0, rotated = 0, unqueued_dirty = 0, folios = 0, kept = 0;
	/* Folios put back are relinked at the head; stop when the walk meets them again. */
	uint64_t budget = l->nr_pages;

	while (scanned < nr && l->tail != PS_HANDLE_NONE && budget) {
		uint32_t h = l->tail;
		uint64_t pages = 1ull << p->fo[h].order;
		uint8_t flags = p->fo[h].flags;
		bool dirty = file && (flags & PS_FOLIO_DIRTY) &&
			     now < p->dirtied_ns[h] + p->rc.writeback_delay_ns;

		budget -= MIN(budget, pages);
		scanned += pages;
		folios++;
		list_unlink(p, h);
		if (!sc->may_unmap && folio_mapped(p, h, lru)) {
			/* isolate_lru_folios: scanned, not taken, back to the list head */
			list_link(p, h, lru, false);
			kept += pages;
			continue;
		}
		if (dirty && !(flags & PS_FOLIO_WRITEBACK))
			unqueued_dirty += pages;
		if (file && (flags & PS_FOLIO_WRITEBACK)) {
			if (sc->kswapd && (flags & PS_FOLIO_RECLAIM) && p->pgdat_writeback[node]) {
				sc->nr_immediate += pages;
			} else {
				p->fo[h].flags |= PS_FOLIO_RECLAIM;
				sc->nr_writeback += pages;
			}
			rotated += activate_locked(p, h, lru, pages);
			continue;
		}
		if (p->fo[h].flags & PS_FOLIO_REFERENCED) {
			/* folio_check_references: recently used -> activate */
			p->fo[h].flags &= (uint8_t)~PS_FOLIO_REFERENCED;
			rotated += activate_locked(p, h, lru, pages);
			continue;
		}
		if (!file &&
		    !(sc->gfp_mask & ((flags & PS_FOLIO_IS_SHMEM) ? PS_GFP_FS : PS_GFP_IO))) {
			/*
			 * keep_locked: an anonymous folio goes to swap only with __GFP_IO, a shmem
			 * one is written out (pageout) only when may_enter_fs, i.e. with __GFP_FS
			 * (it is not in the swap cache yet). Back to the inactive list, not
			 * activated.
			 */
			list_link(p, h, lru, false);
			rotated += pages;
			continue;
		}
		if (!file) {
			if (!sc->may_swap || p->rc.swap_pages < p->swap_used + pages) {
				/* No swap: anon pages cannot go anywhere. */
				rotated += activate_locked(p, h, lru, pages);
				continue;
			}
			p->swap_used += pages;
			m->vm_events[PS_PSWPOUT] += pages;
			sc->cost_ns += ps_cost_pageout(&p->rc, pages);
		} else if (dirty) {
			/* Immediately reclaim when written back (PG_reclaim); activate_locked. */
			m->nodes[node].stat[PS_NR_VMSCAN_IMMEDIATE_RECLAIM] += (int64_t)pages;
			p->fo[h].flags |= PS_FOLIO_RECLAIM;
			rotated += activate_locked(p, h, lru, pages);
			continue;
		} else if (p->fo[h].flags & PS_FOLIO_DIRTY) {
			/* dirty_expire passed: the flusher's periodic pass wrote it */
			set_dirty(p, h, false);
			account_written(p, h);
			if (p->fo[h].flags & PS_FOLIO_RECLAIM)
				m->vm_events[PS_PGROTATED] += pages;
		}
		/* Reclaim it: the host frees the pages and forgets the mapping. */
		drop_writeback(p, h);
		folio_stat_mod(p, node, lru, p->fo[h].flags, -(int64_t)pages);
		p->fo[h].flags = 0;
		reclaimed += pages;
		sc->cost_ns += ps_cost_shrink_folio_list(&p->rc, 1);
		p->host.evict(p->host.data, h, !file);
	}
	sc->cost_ns += ps_cost_isolate_lru_folios(&p->rc, folios);
	m->vm_events[sc->kswapd ? PS_PGSCAN_KSWAPD : PS_PGSCAN_DIRECT] += scanned;
	m->vm_events[file ? PS_PGSCAN_FILE : PS_PGSCAN_ANON] += scanned;
	m->vm_events[sc->kswapd ? PS_PGSTEAL_KSWAPD : PS_PGSTEAL_DIRECT] += reclaimed;
	p->memcg_pgsteal[lv / PS_MAX_NODES] += reclaimed;
	m->vm_events[file ? PS_PGSTEAL_FILE : PS_PGSTEAL_ANON] += reclaimed;
	note_cost(p, node, file, rotated);
	sc->nr_scanned += scanned;
	sc->nr_taken += scanned - kept;
	if (scanned > kept && unqueued_dirty == scanned - kept)
		wb_wake(p, now);
	return reclaimed;
}

/*
 * shrink_slab over the node's reclaimable slab list (in the root memcg's lruvec: kpagecgroup
 * names no memcg for a slab page, so the model cannot split the objects by memcg as the
 * memcg-aware shrinkers do; the list is shrunk once per shrink_node, after the memcg walk).
 * The pages it frees are no progress of the reclaimer's (shrink_node_finish): the
 * dentries and inodes super_cache_scan prunes are freed through call_rcu (fs/dcache.c
 * dentry_free -> __d_free, fs/inode.c destroy_inode -> i_callback), so the emptied slab page
 * reaches __free_slab (mm/slub.c), and mm_account_reclaimed_pages, in an RCU callback
 * (ksoftirqd or softirq, after a grace period), not in the task whose current->reclaim_state
 * flush_reclaim_state adds to sc->nr_reclaimed.
 */
static void shrink_slab(PsPolicy *p, int node, PsScanControl *sc)
{
	PsLruList *l = &p->lru[node][PS_LRU_SLAB]; /* the root memcg's */
	uint64_t target = (l->nr_pages >> sc->priority) * 2;
	uint64_t to_free = target * p->rc.slab_shrink_permille / 1000, freed = 0;

	/*
	 * super_cache_scan (fs/super.c) returns SHRINK_STOP without __GFP_FS ("deadlock
	 * avoidance"), before do_shrink_slab counts slabs_scanned: a GFP_NOFS or GFP_NOIO
	 * reclaimer frees none of the dentries and inodes this list stands for.
	 */
	if (!(sc->gfp_mask & PS_GFP_FS))
		return;

	p->m->vm_events[PS_SLABS_SCANNED] += target;
	sc->cost_ns += ps_cost_isolate_lru_folios(&p->rc, target);
	while (freed < to_free && l->tail != PS_HANDLE_NONE) {
		uint32_t h = l->tail;
		uint64_t pages = 1ull << p->fo[h].order;

		list_unlink(p, h);
		p->m->nodes[node].stat[PS_NR_SLAB_RECLAIMABLE_B] -= (int64_t)pages;
		p->fo[h].flags = 0;
		freed += pages;
		sc->cost_ns += ps_cost_do_shrink_slab(&p->rc, pages);
		p->host.evict(p->host.data, h, false);
	}
}

/*
 * Frees every folio of a list that is neither dirty nor under writeback, oldest first: what
 * mapping_evict_folio leaves. A folio the flusher started is no longer dirty but under writeback.
 */
static uint64_t drop_list(PsPolicy *p, int node, uint32_t lv, int lru)
{
	PsLruList *l = &p->lru[lv][lru];
	uint64_t freed = 0;

	for (uint32_t h = l->tail; h != PS_HANDLE_NONE;) {
		uint32_t prev = p->fo[h].prev;
		uint64_t pages = 1ull << p->fo[h].order;

		if (!(p->fo[h].flags & (PS_FOLIO_DIRTY | PS_FOLIO_WRITEBACK))) {
			list_unlink(p, h);
			p->m->nodes[node].stat[kind_stat(lru)] -= (int64_t)pages;
			p->fo[h].flags = 0;
			freed += pages;
			p->host.evict(p->host.data, h, false);
		}
		h = prev;
	}
	return freed;
}

uint64_t ps_drop_caches(PsPolicy *p, int what)
{
	uint64_t freed = 0;

	for (int n = 0; n < p->m->nr_nodes; n++) {
		for (uint32_t m = 0; (what & 1) && m < p->nr_memcgs; m++) {
			freed +=
			    drop_list(p, n, m * PS_MAX_NODES + (uint32_t)n, PS_LRU_INACTIVE_FILE);
			freed +=
			    drop_list(p, n, m * PS_MAX_NODES + (uint32_t)n, PS_LRU_ACTIVE_FILE);
		}
		if (what & 2)
			freed += drop_list(p, n, (uint32_t)n, PS_LRU_SLAB);
	}
	if (what & 1)
		p->m->vm_events[PS_DROP_PAGECACHE]++;
	if (what & 2)
		p->m->vm_events[PS_DROP_SLAB]++;
	return freed;
}

/*
 * prepare_scan_control: may_deactivate. An active list is aged when its inactive list is low or
 * when refaults came since the last reclaim's snapshot_refaults ("a new workingset is being
 * established"); force_deactivate ages both.
 */
static void prepare_scan_control(PsPolicy *p, int node, PsScanControl *sc)
{
	const int64_t *stat = p->m->nodes[node].stat;

	if (sc->force_deactivate) {
		sc->may_deactivate = PS_DEACTIVATE_ANON | PS_DEACTIVATE_FILE;
		return;
	}
	sc->may_deactivate = 0;
	if (stat[PS_WORKINGSET_REFAULT_ANON] != p->refaults_snap[node][0] ||
	    inactive_is_low(p, node, PS_LRU_INACTIVE_ANON))
		sc->may_deactivate |= PS_DEACTIVATE_ANON;
	if (stat[PS_WORKINGSET_REFAULT_FILE] != p->refaults_snap[node][1] ||
	    inactive_is_low(p, node, PS_LRU_INACTIVE_FILE))
		sc->may_deactivate |= PS_DEACTIVATE_FILE;
}

/* snapshot_refaults: the end of a reclaim (do_try_to_free_pages, balance_pgdat). */
void ps_snapshot_refaults(PsPolicy *p, int node)
{
	p->refaults_snap[node][0] = p->m->nodes[node].stat[PS_WORKINGSET_REFAULT_ANON];
	p->refaults_snap[node][1] = p->m->nodes[node].stat[PS_WORKINGSET_REFAULT_FILE];
}

/* shrink_lruvec's start: get_scan_count's targets for lruvec lv of node. */
static void lruvec_scan_begin(PsPolicy *p, int node, uint32_t lv, PsScanControl *sc,
			      PsLruvecScan *ls)
{
	get_scan_count(p, node, lv, sc, ls->nr);
	memcpy(ls->targets, ls->nr, sizeof(ls->nr));
	ls->nr_reclaimed = 0;
	/*
	 * shrink_lruvec: a global direct reclaim at DEF_PRIORITY scans the whole get_scan_count
	 * targets (proportional_reclaim: it does not stop at nr_to_reclaim); otherwise, once
	 * nr_to_reclaim is met, the smaller of anon and file stops and the other is cut to the
	 * share of its target the smaller had left (the loop then ends on the next pass).
	 */
	ls->proportional_reclaim = !sc->kswapd && sc->priority == PS_DEF_PRIORITY;
}

static bool lruvec_scan_more(const PsLruvecScan *ls)
{
	return ls->nr[PS_LRU_INACTIVE_ANON] || ls->nr[PS_LRU_ACTIVE_FILE] ||
	       ls->nr[PS_LRU_INACTIVE_FILE];
}

/*
 * One round of shrink_lruvec's loop: SWAP_CLUSTER_MAX pages at most from each list with work
 * left, then the nr_to_reclaim cut. Returns whether the loop goes round again.
 */
static bool lruvec_scan_step(PsPolicy *p, int node, uint32_t lv, PsScanControl *sc,
			     PsLruvecScan *ls)
{
	uint64_t *nr = ls->nr, *targets = ls->targets;
	uint64_t nr_anon, nr_file, percentage, nr_scanned;
	int lru;

	if (!lruvec_scan_more(ls))
		return false;
	for (lru = 0; lru < PS_LRU_UNEVICTABLE; lru++) {
		uint64_t n = MIN(nr[lru], (uint64_t)PS_SWAP_CLUSTER_MAX);

		if (!n)
			continue;
		nr[lru] -= n;
		if (lru == PS_LRU_ACTIVE_ANON || lru == PS_LRU_ACTIVE_FILE) {
			/* shrink_list: may_deactivate, else skipped_deactivate */
			if (sc->may_deactivate &
			    (lru == PS_LRU_ACTIVE_FILE ? PS_DEACTIVATE_FILE : PS_DEACTIVATE_ANON))
				shrink_active_list(p, lv, lru, n, sc);
			else
				sc->skipped_deactivate = true;
			continue;
		}
		ls->nr_reclaimed += shrink_inactive_list(p, node, lv, lru, n, sc);
	}
	if (ls->nr_reclaimed < sc->nr_to_reclaim || ls->proportional_reclaim)
		return lruvec_scan_more(ls);
	nr_file = nr[PS_LRU_INACTIVE_FILE] + nr[PS_LRU_ACTIVE_FILE];
	nr_anon = nr[PS_LRU_INACTIVE_ANON] + nr[PS_LRU_ACTIVE_ANON];
	if (!nr_file || !nr_anon)
		return false;
	if (nr_file > nr_anon) {
		lru = PS_LRU_INACTIVE_ANON;
		percentage = nr_anon * 100 /
			     (targets[PS_LRU_INACTIVE_ANON] + targets[PS_LRU_ACTIVE_ANON] + 1);
	} else {
		lru = PS_LRU_INACTIVE_FILE;
		percentage = nr_file * 100 /
			     (targets[PS_LRU_INACTIVE_FILE] + targets[PS_LRU_ACTIVE_FILE] + 1);
	}
	/* stop scanning the smaller */
	nr[lru] = 0;
	nr[lru + 1] = 0;
	/* the other: its target scaled by what the smaller had left, less what it scanned */
	lru = lru == PS_LRU_INACTIVE_FILE ? PS_LRU_INACTIVE_ANON : PS_LRU_INACTIVE_FILE;
	for (int a = 0; a < 2; a++, lru++) {
		nr_scanned = targets[lru] - nr[lru];
		nr[lru] = targets[lru] * (100 - percentage) / 100;
		nr[lru] -= MIN(nr[lru], nr_scanned);
	}
	return lruvec_scan_more(ls);
}

/* shrink_lruvec's end: what it reclaimed goes to sc->nr_reclaimed; anon keeps aging. */
static void lruvec_scan_end(PsPolicy *p, uint32_t lv, PsScanControl *sc, const PsLruvecScan *ls)
{
	sc->nr_reclaimed += ls->nr_reclaimed;
	/* Keep aging anon even when it was not scanned, so a later swap finds cold pages. */
	if (can_swap(p) && inactive_pages_low(p, lruvec_pages(p, lv, PS_LRU_INACTIVE_ANON),
					      lruvec_pages(p, lv, PS_LRU_ACTIVE_ANON)))
		shrink_active_list(p, lv, PS_LRU_ACTIVE_ANON, PS_SWAP_CLUSTER_MAX, sc);
}

/* shrink_lruvec of lruvec lv of node, at once; adds what it reclaimed to sc->nr_reclaimed. */
static void shrink_lruvec(PsPolicy *p, int node, uint32_t lv, PsScanControl *sc)
{
	PsLruvecScan ls;

	lruvec_scan_begin(p, node, lv, sc, &ls);
	while (lruvec_scan_step(p, node, lv, sc, &ls))
		;
	lruvec_scan_end(p, lv, sc, &ls);
}

/*
 * shrink_node_memcgs: shrink_lruvec on each memcg's lruvec of the node, in mem_cgroup_iter's
 * order (css_next_descendant_pre from the root: a memcg, then its children's subtrees in creation
 * order). kswapd, and a direct reclaimer on its memcg_full_walk retry, walk the whole tree. Other
 * reclaimers (direct reclaim, node reclaim) share the root's per-node iterator: the walk starts
 * after the memcg the last one stopped at (or at the root when that one finished the tree; a
 * walk that begins past the end starts again at the root, "make sure they see at least one
 * group"), and stops as soon as sc->nr_reclaimed reaches nr_to_reclaim (mem_cgroup_iter_break,
 * leaving the iterator at that memcg) or at the tree's end (the iterator cleared, generation++).
 * No memory.min/low protection: cgroup v1 has none (mem_cgroup_below_min/low are false). No
 * memcg limits are modelled: pagesim-capture records them, none of the recording machine's
 * memcgs has one (memory.limit_in_bytes 9223372036854771712: PAGE_COUNTER_MAX pages).
 */
static void shrink_node_memcgs(PsPolicy *p, int node, PsScanControl *sc)
{
	bool partial = !sc->kswapd && !sc->memcg_full_walk;
	uint32_t i = 0, n = p->nr_memcgs;

	if (partial && p->memcg_iter[node] >= 0)
		i = (uint32_t)p->memcg_iter[node] + 1;
	if (i >= n)
		i = 0;
	for (;;) {
		uint16_t memcg = p->memcg_walk[i];

		if (partial)
			p->memcg_iter[node] = (int32_t)i;
		shrink_lruvec(p, node, (uint32_t)memcg * PS_MAX_NODES + (uint32_t)node, sc);
		if (partial && sc->nr_reclaimed >= sc->nr_to_reclaim)
			break;
		if (++i >= n) {
			if (partial)
				p->memcg_iter[node] = -1;
			break;
		}
	}
}

/* shrink_node's start: its per-call counts, the flusher's progress, may_deactivate. */
static void shrink_node_prepare(PsPolicy *p, int node, PsScanControl *sc)
{
	/* shrink_node's memset(&sc->nr): the counts are per shrink_node */
	sc->nr_taken = sc->nr_writeback = sc->nr_immediate = 0;
	wb_advance(p, ps_engine_now(p->e));
	prepare_scan_control(p, node, sc);
}

/* shrink_node after the memcg walk: the slab, then kswapd's writeback state and throttle. */
static void shrink_node_finish(PsPolicy *p, int node, PsScanControl *sc)
{
	/*
	 * Not added to sc->nr_reclaimed: the pages come back through RCU (see shrink_slab), so
	 * flush_reclaim_state finds none of them in the reclaimer's reclaim_state.
	 */
	shrink_slab(p, node, sc);
	if (sc->kswapd) {
		/*
		 * shrink_node: all the folios kswapd took were under writeback (the allocation
		 * rate outruns the laundering): PGDAT_WRITEBACK, so that it counts the marked ones
		 * it meets again in nr_immediate; with any, it waits for the I/O
		 * (reclaim_throttle VMSCAN_THROTTLE_WRITEBACK). The LRUVEC_NODE_CONGESTED throttle
		 * of direct reclaim is not modelled (nr_congested needs a marked folio still under
		 * writeback met on the inactive list, which the I/O time here rarely leaves).
		 */
		if (sc->nr_writeback && sc->nr_writeback == sc->nr_taken)
			p->pgdat_writeback[node] = true;
		if (sc->nr_immediate)
			sc->throttle_ns = wb_throttle_ns(p, ps_engine_now(p->e));
	}
}

uint64_t ps_shrink_node(PsPolicy *p, int node, PsScanControl *sc)
{
	uint64_t before = sc->nr_reclaimed;

	shrink_node_prepare(p, node, sc);
	shrink_node_memcgs(p, node, sc);
	shrink_node_finish(p, node, sc);
	return sc->nr_reclaimed - before;
}

/*
 * kswapd's shrink_node as a sequence of steps, each one round of a shrink_lruvec loop (up to
 * SWAP_CLUSTER_MAX pages from each list; the caller lets the simulated time of its cost pass
 * before the next), so that its frees come over the pass's duration as the kernel's do, not all
 * at its first instant. The walk is shrink_node_memcgs' full one (kswapd's); an empty lruvec
 * takes no step of its own. The flusher's progress is brought up to each step's time.
 */
void ps_shrink_node_begin(PsPolicy *p, int node, PsNodeScan *ns)
{
	g_assert(ns->sc.kswapd);
	ns->reclaimed_before = ns->sc.nr_reclaimed;
	ns->memcg_i = 0;
	ns->lruvec_open = false;
	shrink_node_prepare(p, node, &ns->sc);
}

/* One step of the pass ps_shrink_node_begin started; false when the pass is over. */
bool ps_shrink_node_step(PsPolicy *p, int node, PsNodeScan *ns)
{
	PsScanControl *sc = &ns->sc;
	uint64_t cost_before = sc->cost_ns;

	wb_advance(p, ps_engine_now(p->e));
	while (ns->memcg_i < p->nr_memcgs) {
		uint32_t lv = (uint32_t)p->memcg_walk[ns->memcg_i] * PS_MAX_NODES + (uint32_t)node;

		if (!ns->lruvec_open) {
			lruvec_scan_begin(p, node, lv, sc, &ns->ls);
			ns->lruvec_open = true;
		}
		if (lruvec_scan_step(p, node, lv, sc, &ns->ls)) {
			if (sc->cost_ns != cost_before)
				return true;
			continue; /* a round that did nothing (skipped active lists) is no step */
		}
		lruvec_scan_end(p, lv, sc, &ns->ls);
		ns->lruvec_open = false;
		ns->memcg_i++;
		if (sc->cost_ns != cost_before)
			return true; /* the lruvec's last round did work: the rest is the next step
				      */
	}
	shrink_node_finish(p, node, sc);
	return false;
}

void ps_clear_pgdat_congested(PsPolicy *p, int node)
{
	p->pgdat_writeback[node] = false;
}

/*
 * node_reclaim (mm/vmscan.c) for vm.zone_reclaim_mode: reclaim on the allocation's own node
 * before the zonelist goes to the next one.
 * - node_pagecache_reclaimable: with RECLAIM_UNMAP all file pages (NR_FILE_PAGES), else
 *   node_unmapped_file_pages: the file LRU pages less NR_FILE_MAPPED (none when the mapped
 *   outnumber them); then less the dirty ones without RECLAIM_WRITE. NR_FILE_MAPPED is the
 *   snapshot's zoneinfo count, held for the run (mm.h says why): mappings made or removed
 *   during the run do not move it (nr1's kernel went 351 -> 481 -> 351 on node 0 over its
 *   before, mid and after reads).
 * - pgdat->min_unmapped_pages and min_slab_pages: sysctl_min_unmapped_ratio (1) and
 *   sysctl_min_slab_ratio (5) percent of each zone's managed pages (setup_min_unmapped_ratio,
 *   setup_min_slab_ratio), the kernel defaults (the model has no such sysctls).
 * - Below both: NODE_RECLAIM_FULL. A request that cannot block, or a node with cpus that is not
 *   the allocating cpu's: NODE_RECLAIM_NOSCAN. PGDAT_RECLAIM_LOCKED is never contended here
 *   (one cpu's work at a time).
 * - __node_reclaim: shrink_node from NODE_RECLAIM_PRIORITY (4) down until 1 << order pages are
 *   reclaimed, nr_to_reclaim max(1 << order, SWAP_CLUSTER_MAX), writeback only with
 *   RECLAIM_WRITE, mapped folios only with RECLAIM_UNMAP (may_unmap: isolate_lru_folios leaves
 *   them; folio_mapped above says which the model knows); PGSCAN_ZONE_RECLAIM_SUCCESS or
 *   _FAILED ("zone_reclaim_success/_failed").
 * The time it takes is not charged to the allocation (a simplification: no recorded machine
 * scanned in node reclaim).
 */
enum ps_node_reclaim_result ps_node_reclaim(PsPolicy *p, int node, const PsAllocContext *ac)
{
	PsMachine *m = p->m;
	int mode = m->sysctl.zone_reclaim_mode;
	uint64_t nr_pages = 1ull << ac->order, min_unmapped = 0, min_slab = 0, pagecache, slab;
	int64_t dirty, mapped;
	bool has_cpu = false;
	PsScanControl sc = {
	    .nr_to_reclaim = MAX(nr_pages, (uint64_t)PS_SWAP_CLUSTER_MAX),
	    .gfp_mask = ac->gfp,
	    .order = ac->order,
	    .highest_zoneidx = ac->highest_zoneidx,
	    .may_writepage = (mode & PS_RECLAIM_WRITE) != 0,
	    .may_swap = true,
	    .may_unmap = (mode & PS_RECLAIM_UNMAP) != 0,
	};

	/* the flusher's pass caught up first: node_unmapped_file_pages reads the dirty count */
	wb_advance(p, ps_engine_now(p->e));
	dirty = mode & PS_RECLAIM_WRITE ? 0 : m->nodes[node].stat[PS_NR_DIRTY];
	mapped = m->nodes[node].stat[PS_NR_FILE_MAPPED];
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		const PsZone *z = ps_machine_zone(m, node, (enum ps_zone_type)t);

		min_unmapped += z->managed * 1 / 100;
		min_slab += z->managed * 5 / 100;
	}
	if (mode & PS_RECLAIM_UNMAP) {
		pagecache = (uint64_t)MAX(m->nodes[node].stat[PS_NR_FILE_PAGES], 0);
	} else {
		pagecache = lru_pages(p, node, PS_LRU_INACTIVE_FILE) +
			    lru_pages(p, node, PS_LRU_ACTIVE_FILE);
		pagecache -= MIN(pagecache, (uint64_t)MAX(mapped, 0));
	}
	pagecache -= MIN(pagecache, (uint64_t)MAX(dirty, 0));
	slab = (uint64_t)MAX(m->nodes[node].stat[PS_NR_SLAB_RECLAIMABLE_B], 0);
	if (pagecache <= min_unmapped && slab <= min_slab)
		return PS_NODE_RECLAIM_FULL;
	if (!(ac->gfp & PS_GFP_DIRECT_RECLAIM))
		return PS_NODE_RECLAIM_NOSCAN;
	for (int c = 0; c < m->nr_cpus; c++)
		has_cpu |= m->spec.cpu_node[c] == node;
	if (has_cpu && node != m->spec.cpu_node[ac->cpu])
		return PS_NODE_RECLAIM_NOSCAN;
	for (sc.priority = PS_NODE_RECLAIM_PRIORITY; sc.priority >= 0; sc.priority--) {
		ps_shrink_node(p, node, &sc);
		if (sc.nr_reclaimed >= nr_pages)
			break;
	}
	if (sc.nr_reclaimed >= nr_pages) {
		m->vm_events[PS_ZONE_RECLAIM_SUCCESS]++;
		return PS_NODE_RECLAIM_SUCCESS;
	}
	m->vm_events[PS_ZONE_RECLAIM_FAILED]++;
	return PS_NODE_RECLAIM_SOME;
}

/* do_try_to_free_pages for a direct reclaimer. Returns pages reclaimed, adds the cost. */
/*
 * compaction_ready (6.18): a costly request need not reclaim in a zone where the allocation would
 * already succeed at the min mark, or where compaction is suitable at the high mark (free pages
 * above high + compact_gap and the failure is fragmentation's). gfp_compaction_allowed first.
 */
static bool compaction_ready(PsPolicy *p, const PsZone *z, const PsAllocContext *ac)
{
	PsMachine *m = p->m;

	if (!p->rc.compaction || !(ac->gfp & PS_GFP_IO))
		return false;
	if (ps_zone_watermark_ok(m, z, ac->order, ps_wmark_pages(z, PS_WMARK_MIN),
				 ac->highest_zoneidx, 0, z->vm_stat[PS_NR_FREE_PAGES]))
		return true;
	return ps_compaction_suitable_wmark(m, z, (int)ac->order, ps_wmark_pages(z, PS_WMARK_HIGH),
					    ac->highest_zoneidx);
}

/*
 * try_to_free_pages / do_try_to_free_pages / shrink_zones: priority 12 down to 0 until
 * SWAP_CLUSTER_MAX pages are reclaimed; a costly request skips the zones compaction_ready finds
 * ready and stops the loop once one was, returning 1 when it reclaimed nothing ("aborted
 * reclaim to try compaction? don't OOM, then").
 * A call that reclaimed nothing otherwise goes round again from DEF_PRIORITY (6.18's retry:
 * label): once with memcg_full_walk set ("avoid false OOMs" when direct reclaimers walk the
 * cgroup tree partially; with the root memcg alone that pass scans the same lists again), then,
 * if a pass left an active list alone (skipped_deactivate), once more with force_deactivate.
 * ALLOCSTALL_<zone> is counted at the top of each pass, so a fruitless call counts two or
 * three: the qemu lab kernels' 168 allocstall_movable for 84 mm_vmscan_direct_reclaim_begin,
 * each nr_reclaimed=0 (tests/data/lab-numa-policies/zrm1). direct_reclaims_total counts calls.
 */
uint64_t ps_try_to_free_pages(PsPolicy *p, const PsAllocContext *ac, uint64_t *cost_ns)
{
	PsMachine *m = p->m;
	PsScanControl sc = {
	    .nr_to_reclaim = PS_SWAP_CLUSTER_MAX,
	    .gfp_mask = ac->gfp,
	    .order = ac->order,
	    .highest_zoneidx = ac->highest_zoneidx,
	    .may_writepage = true,
	    .may_swap = true,
	    .may_unmap = true,
	};
	bool ready = false;

	m->direct_reclaims_total++;
retry:
	m->vm_events[PS_ALLOCSTALL_DMA + ac->highest_zoneidx]++;
	for (sc.priority = PS_DEF_PRIORITY; sc.priority >= 0; sc.priority--) {
		bool seen[PS_MAX_NODES] = {false};

		/* shrink_zones: each node of the zonelist once. */
		for (int i = 0; i < ac->zonelist->nr; i++) {
			const PsZone *z = &m->zones[ac->zonelist->zones[i]];

			if ((int)z->type > (int)ac->highest_zoneidx ||
			    (ac->nodemask && !(ac->nodemask & (1ull << z->node))))
				continue;
			if (ac->order > PS_PAGE_ALLOC_COSTLY_ORDER && ps_zone_populated(z) &&
			    compaction_ready(p, z, ac)) {
				ready = true;
				continue;
			}
			if (seen[z->node])
				continue;
			seen[z->node] = true;
			ps_shrink_node(p, z->node, &sc);
		}
		if (sc.nr_reclaimed >= sc.nr_to_reclaim || ready)
			break;
	}
	/* snapshot_refaults of each node of the zonelist, after every pass (before a retry) */
	for (int i = 0; i < ac->zonelist->nr; i++) {
		const PsZone *z = &m->zones[ac->zonelist->zones[i]];

		if ((int)z->type <= (int)ac->highest_zoneidx &&
		    (!ac->nodemask || (ac->nodemask & (1ull << z->node))))
			ps_snapshot_refaults(p, z->node);
	}
	if (!sc.nr_reclaimed && !ready) {
		if (!sc.memcg_full_walk) {
			sc.memcg_full_walk = true;
			goto retry;
		}
		if (sc.skipped_deactivate) {
			sc.force_deactivate = true;
			sc.skipped_deactivate = false;
			goto retry;
		}
	}
	*cost_ns += sc.cost_ns;
	if (!sc.nr_reclaimed && ready)
		return 1;
	return sc.nr_reclaimed;
}

/* zone_reclaimable_pages: file LRU, plus anon LRU when it can be swapped. */
uint64_t ps_zone_reclaimable_pages(const PsPolicy *p, const PsZone *z)
{
	uint64_t n = (uint64_t)MAX(z->vm_stat[PS_NR_ZONE_INACTIVE_FILE], 0) +
		     (uint64_t)MAX(z->vm_stat[PS_NR_ZONE_ACTIVE_FILE], 0);

	if (can_swap(p))
		n += (uint64_t)MAX(z->vm_stat[PS_NR_ZONE_INACTIVE_ANON], 0) +
		     (uint64_t)MAX(z->vm_stat[PS_NR_ZONE_ACTIVE_ANON], 0);
	return n;
}

bool ps_pgdat_balanced(PsMachine *m, int node, unsigned order, int highest_zoneidx)
{
	bool any = false;

	for (int t = 0; t <= highest_zoneidx && t < PS_MAX_NR_ZONES; t++) {
		PsZone *z = ps_machine_zone(m, node, (enum ps_zone_type)t);
		int64_t free_pages;

		if (!ps_zone_populated(z))
			continue;
		any = true;
		free_pages = m->sysctl.defrag_mode && order ? z->vm_stat[PS_NR_FREE_PAGES_BLOCKS]
							    : z->vm_stat[PS_NR_FREE_PAGES];
		if (ps_zone_watermark_ok(m, z, order, ps_wmark_pages(z, PS_WMARK_HIGH),
					 highest_zoneidx, 0, free_pages))
			return true;
	}
	return !any;
}
