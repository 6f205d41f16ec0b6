// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pagecache.c - the page cache of a portable trace: `cache_add` brings a byte range of a file in,
 * as folios of the simulated machine's page size whose orders the readahead model chooses
 * (policy/readahead.c), and `cache_remove` takes a range out (truncate, unlink, drop). Each folio
 * is a record on the file LRU, owned by no process (the kernel charges page cache to a memcg, not
 * to a task): reclaim and drop_caches take them like any file page, and a later read of a page
 * reclaim took reads it again (a refault). tmpfs/shmem folios are swap-backed, on the anon LRU
 * (shmem_folio_add): with no swap nothing reclaims them; with swap, reclaim swaps them out and a
 * later read swaps them in (shmem_swapin).
 *
 * Kernel counterparts: filemap_read -> filemap_get_pages -> page_cache_sync_ra /
 * page_cache_async_ra -> page_cache_ra_order -> ra_alloc_folio, with the fallback to order-0
 * readahead (do_page_cache_ra) when a large folio cannot be had or the window meets a page already
 * cached (the -EEXIST stop: the rest of the window at order 0), and filemap_create_folio for the
 * demanded page when readahead brought nothing; truncate_inode_pages_range for a remove.
 * tmpfs/shmem pages (reason shmem) take no readahead: shmem_get_folio_gfp ->
 * shmem_allowable_huge_orders -> shmem_alloc_and_add_folio -> shmem_alloc_folio, order 0 with
 * the kernel's default shmem_enabled never (the 6.18-era tree read: AOSC-Tracking/linux
 * mm/shmem.c). Modelled values of the config's shmem_enabled, which stands for both the sysfs
 * file and tmpfs's huge= mount option (the kernel's tmpfs mounts take huge= and the sysfs
 * value only at deny and force; one key because a recording names neither the mount nor its
 * options): never and deny order 0; advise order 0 too (it wants a VM_HUGEPAGE mapping, and a
 * cache_add names none); always every page-cache order from the largest down; within_size the
 * orders whose aligned folio ends within the record's range (standing for i_size and the
 * write's end, which the trace does not carry); force the PMD order. Not modelled: the
 * per-size hugepages-<size>kB/shmem_enabled (anonymous shmem mappings only), the mTHP counters,
 * shmem_unused_huge_shrink, swap readahead (shmem_swapin_cluster reads one folio here), zswap.
 *
 * Simplifications (why acceptable):
 * - A cache_add is one read of the whole range; readahead never reaches past it (the file's size
 *   is not in the trace and the recording's readahead already is in the range).
 * - The readahead state (file_ra_state, one per struct file) is kept per file and task, the
 *   last SIM_FILE_RA tasks' (file_ra): a task opens or maps the file through its own struct
 *   file; a fifth task's reads start a fresh state in the oldest slot. The PG_readahead marks,
 *   which are on folios, are kept per file: the read-around window the fault records of all
 *   tasks fill (fault_window) and the last SIM_FILE_MARKS async windows (file_mark); a mark
 *   is known by where its window ends, where the next read starts when it was hit.
 * - A remove takes every folio of the machine that holds a byte of the range: the recording
 *   removed whole pages of its own size, and those bytes are no longer cached; a folio that
 *   also held bytes outside the range goes with them (the kernel would split a large folio or
 *   keep a partly truncated page; neither can be told from a recording at another page size).
 * - cache_remove with reason "reclaim" is the recording kernel's eviction: the simulated
 *   reclaim decides its own evictions, so such records are counted and not applied.
 */
#include <string.h>

#include "sim/sim-private.h"

static SimFile *file_at(PsSim *s, guint i)
{
	return &g_array_index(s->files, SimFile, i);
}

/* The file of a record, created on its first cache_add; -1 when a remove names an unknown one. */
static int file_get(PsSim *s, const char *name, bool create)
{
	gpointer v;
	SimFile f = {0};

	if (!s->files) {
		s->files = g_array_new(FALSE, FALSE, sizeof(SimFile));
		s->file_map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	}
	v = g_hash_table_lookup(s->file_map, name);
	if (v)
		return GPOINTER_TO_INT(v) - 1;
	if (!create)
		return -1;
	g_strlcpy(f.name, name, sizeof(f.name));
	sim_pgt_init(&f.pgt, &s->pgt_pool);
	g_array_append_val(s->files, f);
	g_hash_table_insert(s->file_map, g_strdup(name), GINT_TO_POINTER(s->files->len));
	return (int)s->files->len - 1;
}

/* The readahead state of pid's reads of f: its own, or a fresh one in the oldest slot. */
static PsRaState *file_ra(SimFile *f, int pid)
{
	SimFileRa *r;

	for (unsigned i = 0; i < SIM_FILE_RA; i++)
		if (f->ra[i].used && f->ra[i].pid == pid)
			return &f->ra[i].ra;
	r = &f->ra[f->ra_next];
	f->ra_next = (f->ra_next + 1) % SIM_FILE_RA;
	r->used = true;
	r->pid = pid;
	ps_ra_init(&r->ra);
	return &r->ra;
}

/* Unmaps a folio's indices from its file and frees the record. */
static uint64_t folio_drop(PsSim *s, SimFile *f, uint32_t ri, int cpu)
{
	Rec *r = rec_at(s, ri);

	for (uint64_t u = r->id; u < r->id + (1ull << r->order); u++)
		sim_pgt_clear(&f->pgt, u);
	return sim_rec_free(s, ri, cpu);
}

/* Cached pages right before index, up to max (page_cache_prev_miss). */
static uint64_t contig_before(SimFile *f, PsSim *s, uint64_t index, uint64_t max)
{
	uint64_t n = 0;

	while (n < max && n < index) {
		uint32_t v = sim_pgt_get(&f->pgt, index - n - 1);

		if (!v || (rec_at(s, v - 1)->flags & REC_GONE))
			break;
		n++;
	}
	return n;
}

/*
 * The PG_readahead mark a read at index hits, as the pages between the mark and index (0: none):
 * a window of the file that ends at index, either the read-around the fault records of all tasks
 * built (its mark ra_pages / 4 before its end, do_sync_mmap_readahead) or an async window (marked
 * at its start, kept in f->marks until hit). The mark is on the folio, the window state in each
 * struct file: any task may hit it (page_cache_async_ra), and the hit clears it, as the kernel
 * clears PG_readahead.
 */
static uint64_t file_mark(SimFile *f, uint64_t index)
{
	if (f->fault_end > f->fault_start && f->fault_end == index) {
		uint64_t n = f->fault_end - f->fault_start;

		f->fault_start = f->fault_end = 0;
		return MAX(n / 4, 1);
	}
	for (unsigned i = 0; i < SIM_FILE_MARKS; i++)
		if (f->marks[i].dist && f->marks[i].end == index) {
			uint64_t d = f->marks[i].dist;

			f->marks[i].dist = 0;
			return d;
		}
	return 0;
}

/* A fault record's pages [index, index + n) join the file's read-around window when nothing
 * but cached pages lies between its end and them (fewer than ra_pages: one window is no
 * longer), or when they lie past its start and the window with them spans at most ra_pages
 * (a piece recorded before the pages under it); otherwise they open a new one. */
static void fault_window(PsSim *s, SimFile *f, uint64_t index, uint64_t n)
{
	uint64_t max = ps_ra_max_pages(s->m);

	if (f->fault_end > f->fault_start && index >= f->fault_end && index - f->fault_end <= max &&
	    contig_before(f, s, index, index - f->fault_end) == index - f->fault_end) {
		f->fault_end = index + n;
		return;
	}
	if (f->fault_end > f->fault_start && index >= f->fault_start &&
	    MAX(f->fault_end, index + n) - f->fault_start <= max) {
		/* two tasks adding one window's folios at once (page_cache_ra_order on each
		 * cpu, the loser's filemap_add_folio getting -EEXIST) record them in time order,
		 * so a piece may come before the page under it: it is still the one window,
		 * which spans no more than ra_pages */
		f->fault_end = MAX(f->fault_end, index + n);
		return;
	}
	f->fault_start = index;
	f->fault_end = index + n;
}

/* One new folio of order at index: a record on the file LRU mapped in the file's table. */
static uint32_t folio_add(PsSim *s, int fi, uint64_t gfp, unsigned order, uint64_t index, int cpu,
			  int pi, uint64_t *ns)
{
	uint32_t ri = sim_alloc_rec(s, gfp, order, cpu, -1, PS_KIND_FILE, "pagecache", ns);
	SimFile *f;

	if (ri == REC_NONE || ri == REC_RETRY)
		return ri;
	f = file_at(s, (guint)fi);
	rec_at(s, ri)->flags |= REC_CACHE;
	rec_at(s, ri)->id = index;
	for (uint64_t u = index; u < index + (1ull << order); u++)
		sim_pgt_set(&f->pgt, u, ri + 1);
	s->cache.pages_added += 1ull << order;
	s->cache.folios[order]++;
	if (pi >= 0)
		proc_at(s, pi)->file_added_pages += 1ull << order;
	return ri;
}

/*
 * A tmpfs/shmem folio: a page-cache folio (folio_add) that is swap-backed. The kernel sets
 * PG_swapbacked before folio_add_lru (shmem_alloc_and_add_folio, shmem_swap_alloc_folio), so
 * the folio joins the anon lists; the host's allocation links every page-cache folio as a file
 * one, and this moves it at once, before anything else runs. The folio is page cache to the
 * counters (NR_FILE_PAGES, NR_SHMEM) and reclaimable only to swap: with no swap get_scan_count
 * scans no anon list, so it stays until the file is truncated or removed.
 */
static uint32_t shmem_folio_add(PsSim *s, int fi, uint64_t gfp, unsigned order, uint64_t index,
				int cpu, int pi, uint64_t *ns)
{
	uint32_t ri = folio_add(s, fi, gfp, order, index, cpu, pi, ns);

	if (ri != REC_NONE && ri != REC_RETRY) {
		const Rec *r = rec_at(s, ri);

		ps_lru_del(s->policy, ri);
		/* a page-cache folio is charged to the root memcg (sim_alloc_rec without a task) */
		ps_lru_add(s->policy, ri, r->pfn, r->order, PS_FOLIO_SHMEM, false, PS_MEMCG_ROOT);
	}
	return ri;
}

/* Whether any page of [index, index + 2^order) is in the file's table. */
static bool range_used(SimFile *f, uint64_t index, unsigned order)
{
	return sim_pgt_next_mapped(&f->pgt, index, index + (1ull << order)) <
	       index + (1ull << order);
}

/*
 * Reads the window [index, win_end] in as far as the record brought pages in (last):
 * page_cache_ra_order from new_order. Its folio at an index is new_order lowered to the index's
 * alignment and to the window's end; a folio that would cover a page already cached fails
 * (filemap_add_folio's -EEXIST) and, as a failed large-folio allocation does, ends the large
 * folios: the rest of the window is read at order 0 around the cached pages (the fallback to
 * do_page_cache_ra -> page_cache_ra_unbounded). A folio reaching past last over pages not
 * cached is cut to fit: the record ended there because the file did (the "past EOF" cut).
 * Returns the first index not read.
 */
static uint64_t read_window(PsSim *s, int fi, uint64_t index, uint64_t win_end, uint64_t last,
			    unsigned new_order, int cpu, int pi, uint64_t *ns, bool *retry)
{
	uint64_t limit = MIN(win_end, last);
	bool fallback = false;

	while (index <= limit) {
		SimFile *f = file_at(s, (guint)fi);
		unsigned order = fallback ? 0 : ps_ra_folio_order(new_order, index, win_end);
		uint32_t ri;

		if (sim_pgt_get(&f->pgt, index)) {
			fallback = true; /* -EEXIST: order 0 from here, cached pages skipped */
			index++;
			continue;
		}
		if (order && range_used(f, index, order)) {
			fallback = true;
			order = 0;
		}
		while (order > 0 && index + (1ull << order) - 1 > limit)
			order--;
		ri = folio_add(s, fi, ps_ra_gfp(), order, index, cpu, pi, ns);
		if (ri == REC_RETRY) {
			*retry = true;
			return index;
		}
		if (ri == REC_NONE) {
			if (order == 0) {
				s->cache.ra_failed++;
				return index; /* readahead gives up; the read allocates on its own
					       */
			}
			s->cache.ra_fallbacks[order]++;
			fallback = true;
			continue;
		}
		index += 1ull << order;
	}
	return index;
}

/*
 * A write's folios over [index, last] (cache_add reason write, one recorded folio): generic
 * write -> write_begin -> __filemap_get_folio with fgf_set_order(len), its order the log2 of
 * the bytes left in the write, lowered to the index's alignment and to mapping_max_folio_order,
 * and one lower at a time while the allocation fails (__GFP_NORETRY | __GFP_NOWARN above order
 * 0); no readahead (write_begin reads no window). Pages already cached are skipped.
 */
static uint64_t write_folios(PsSim *s, int fi, uint64_t index, uint64_t last, int cpu, int pi)
{
	unsigned max_order = ps_pagecache_max_order(s->m);
	uint64_t ns = 0;

	while (index <= last) {
		SimFile *f = file_at(s, (guint)fi);
		uint64_t left = last - index + 1;
		unsigned order = MIN(63u - (unsigned)__builtin_clzll(left), max_order);
		uint32_t ri;

		if (sim_pgt_get(&f->pgt, index)) {
			index++;
			continue;
		}
		if (order && (index & ((1ull << order) - 1)))
			order = (unsigned)__builtin_ctzll(index);
		while (order && range_used(f, index, order))
			order--;
		for (;;) {
			uint64_t gfp = PS_GFP_HIGHUSER_MOVABLE | PS_GFP_WRITE;

			if (order)
				gfp |= PS_GFP_NORETRY | PS_GFP_NOWARN;
			ri = folio_add(s, fi, gfp, order, index, cpu, pi, &ns);
			if (ri != REC_NONE || !order)
				break;
			order--;
		}
		if (ri == REC_RETRY)
			return ns;
		if (ri == REC_NONE) {
			s->cache.failed++;
			break;
		}
		index += 1ull << order;
	}
	return ns;
}

/*
 * The huge orders a shmem page at index may take, as a mask (shmem_allowable_huge_orders for a
 * page no mapping faults: shmem_huge_global_enabled), end the first index past the record.
 */
static uint64_t shmem_orders(const PsMachineSpec *spec, uint64_t index, uint64_t end)
{
	/* THP_ORDERS_ALL_FILE_DEFAULT's top: shmem_get_inode gives the mapping large folios
	 * whatever page_cache.large_folios says of disk files */
	unsigned top = ps_max_pagecache_order(spec);
	uint64_t all = top ? ((2ull << top) - 1) & ~1ull : 0;

	switch (spec->shmem_enabled) {
	case PS_SHMEM_FORCE:
		/* maybe_pmd_order: the PMD order, when the page cache can hold it */
		return spec->thp_built && spec->thp_order <= top ? 1ull << spec->thp_order : 0;
	case PS_SHMEM_ALWAYS:
		return all;
	case PS_SHMEM_WITHIN_SIZE:
		/* shmem_get_orders_within_size: the orders up to the highest whose aligned folio
		 * ends within the size */
		for (unsigned o = top; o > 0; o--) {
			uint64_t aligned_end = ((index >> o) + 1) << o;

			if (aligned_end <= end)
				return all & ((2ull << o) - 1);
		}
		return 0;
	default:
		/* never, deny; advise wants VM_HUGEPAGE, which a cache_add names no mapping for */
		return 0;
	}
}

/*
 * A shmem folio reclaim swapped out (its record REC_GONE | REC_SWAPPED, still in the file's
 * table as the kernel's swap entry is in the mapping), read again: shmem_swapin_folio. The new
 * folio takes the swapped one's order (the large swap entry, shmem_swap_alloc_folio; a large
 * order with the THP mask, order 0 with the mapping's GFP_HIGHUSER_MOVABLE); when that fails,
 * each page comes back at order 0 (shmem_split_large_entry, shmem_swapin_cluster). Counted as
 * an anon refault (workingset_refault of a swap-backed folio) and pswpin; a read has no fault,
 * so no pgmajfault. The swap slot goes back as the old record is freed (folio_drop). A gone
 * shmem record that is not in swap cannot be made (nothing else reclaims the anon lists); one
 * would be read as a hole. Returns false when an allocation ran out (the read ends there) or
 * must wait (*retry).
 */
static bool shmem_swapin(PsSim *s, int fi, uint32_t gone, int cpu, int pi, uint64_t *ns,
			 bool *retry)
{
	Rec *r = rec_at(s, gone);
	unsigned order = r->order;
	uint64_t at = r->id, pages = 1ull << order;
	bool swapped = r->flags & REC_SWAPPED;
	uint32_t ri;

	*ns += folio_drop(s, file_at(s, (guint)fi), gone, cpu);
	if (!swapped)
		return true;
	s->m->nodes[s->m->spec.cpu_node[cpu]].stat[PS_WORKINGSET_REFAULT_ANON] += (int64_t)pages;
	s->m->vm_events[PS_PSWPIN] += pages;
	*ns += ps_cost_do_swap_page(&s->cfg->reclaim, pages);
	ri = shmem_folio_add(s, fi, order ? PS_GFP_TRANSHUGE_LIGHT : PS_GFP_HIGHUSER_MOVABLE, order,
			     at, cpu, pi, ns);
	if (ri == REC_RETRY)
		*retry = true;
	if (ri != REC_NONE || !order)
		return ri != REC_NONE && ri != REC_RETRY;
	for (uint64_t u = at; u < at + pages; u++) {
		ri = shmem_folio_add(s, fi, PS_GFP_HIGHUSER_MOVABLE, 0, u, cpu, pi, ns);
		if (ri == REC_RETRY)
			*retry = true;
		if (ri == REC_NONE || ri == REC_RETRY)
			return false;
	}
	return true;
}

/*
 * tmpfs/shmem pages over [index, last] (cache_add reason shmem): shmem_get_folio_gfp, one page
 * at a time, no readahead; a page in swap is read back (shmem_swapin). For a page not cached: the
 * allowed huge orders (shmem_orders), from the highest whose aligned range holds no cached page
 * down (shmem_suitable_orders), each tried in turn at its aligned index with the THP fault's mask
 * (vma_thp_gfp_mask without a vma: GFP_TRANSHUGE_LIGHT), then order 0 with the mapping's
 * GFP_HIGHUSER_MOVABLE (shmem_alloc_and_add_folio -> shmem_alloc_folio -> folio_alloc_mpol): with
 * shmem_enabled never, every page an order-0 allocation from the cpu's pcp lists, as an anonymous
 * fault's.
 */
static uint64_t shmem_folios(PsSim *s, int fi, uint64_t index, uint64_t last, int cpu, int pi)
{
	const PsMachineSpec *spec = &s->m->spec;
	uint64_t ns = 0;

	while (index <= last) {
		SimFile *f = file_at(s, (guint)fi);
		uint64_t orders = shmem_orders(spec, index, last + 1);
		uint32_t v = sim_pgt_get(&f->pgt, index), ri = REC_NONE;
		unsigned order = 0;

		if (v && !(rec_at(s, v - 1)->flags & REC_GONE)) {
			index++;
			continue;
		}
		if (v) {
			bool retry = false;

			if (!shmem_swapin(s, fi, v - 1, cpu, pi, &ns, &retry)) {
				if (!retry)
					s->cache.failed++;
				return ns;
			}
			continue; /* cached now (or a hole, allocated as one) */
		}
		/* shmem_suitable_orders: the highest order whose range is empty, and below */
		while (orders) {
			order = 63u - (unsigned)__builtin_clzll(orders);
			if (!range_used(f, index & ~((1ull << order) - 1), order))
				break;
			orders &= ~(1ull << order);
		}
		while (orders) {
			uint64_t at;

			order = 63u - (unsigned)__builtin_clzll(orders);
			at = index & ~((1ull << order) - 1);
			ri =
			    shmem_folio_add(s, fi, PS_GFP_TRANSHUGE_LIGHT, order, at, cpu, pi, &ns);
			if (ri == REC_RETRY)
				return ns;
			if (ri != REC_NONE) {
				index = at + (1ull << order);
				break;
			}
			orders &= ~(1ull << order);
		}
		if (ri != REC_NONE)
			continue;
		ri = shmem_folio_add(s, fi, PS_GFP_HIGHUSER_MOVABLE, 0, index, cpu, pi, &ns);
		if (ri == REC_RETRY)
			return ns;
		if (ri == REC_NONE) {
			s->cache.failed++;
			break;
		}
		index++;
	}
	return ns;
}

uint64_t sim_op_cache_add(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	PsMachine *m = s->m;
	int fi = file_get(s, ev->file, true);
	int pi = sim_proc_get(s, ev->pid);
	uint64_t first = ev->offset >> m->page_shift;
	uint64_t last = (ev->offset + ev->len - 1) >> m->page_shift, ns = 0;
	uint64_t index = first;

	s->cache.adds++;
	if (ev->reason == PS_CACHE_WRITE)
		return write_folios(s, fi, first, last, cpu, pi);
	if (ev->reason == PS_CACHE_SHMEM)
		return shmem_folios(s, fi, first, last, cpu, pi);
	while (index <= last) {
		SimFile *f = file_at(s, (guint)fi);
		uint32_t v = sim_pgt_get(&f->pgt, index);
		uint64_t win, next;
		unsigned order = 0;
		bool retry = false;
		PsRaState *ra;

		if (v && !(rec_at(s, v - 1)->flags & REC_GONE)) {
			Rec *r = rec_at(s, v - 1);

			/* a hit: an access the reclaim model sees as a reference */
			ps_lru_mark_accessed(s->policy, v - 1);
			index = r->id + (1ull << r->order);
			continue;
		}
		if (v) {
			/* reclaim took it: workingset_refault, then read it again */
			Rec *r = rec_at(s, v - 1);

			s->cache.refaults++;
			m->nodes[m->spec.cpu_node[cpu]].stat[PS_WORKINGSET_REFAULT_FILE] +=
			    (int64_t)(1ull << r->order);
			ns += folio_drop(s, f, v - 1, cpu);
		}
		ra = file_ra(f, ev->pid);
		if (ev->reason == PS_CACHE_FAULT || ev->reason == PS_CACHE_EXEC) {
			bool exec = ev->reason == PS_CACHE_EXEC;

			/* a read-around record is a piece of the window the file's fault
			 * records fill: this task's state is that whole window */
			if (!exec)
				fault_window(s, f, index, ps_ra_fault_pages(m, last - index + 1));
			win = ps_ra_fault(m, ra, index, last - index + 1, exec, f->fault_start,
					  f->fault_end - f->fault_start, &order);
		} else {
			win = ps_ra_window(m, ra, index, last - index + 1,
					   contig_before(f, s, index, ps_ra_max_pages(m)),
					   file_mark(f, index), &order);
			if (ra->size && ra->start == index && ra->async_size == ra->size) {
				/* a new async window: page_cache_ra_order marks its first folio */
				f->marks[f->marks_next].end = ra->start + ra->size;
				f->marks[f->marks_next].dist = ra->async_size;
				f->marks_next = (f->marks_next + 1) % SIM_FILE_MARKS;
			}
		}
		next =
		    read_window(s, fi, index, index + win - 1, last, order, cpu, pi, &ns, &retry);
		if (retry)
			return ns;
		if (next == index) {
			/* nothing read: filemap_create_folio with the mapping's own GFP flags */
			uint32_t ri =
			    folio_add(s, fi, PS_GFP_HIGHUSER_MOVABLE, 0, index, cpu, pi, &ns);

			if (ri == REC_RETRY)
				return ns;
			if (ri == REC_NONE) {
				s->cache.failed++;
				break;
			}
			next = index + 1;
		}
		index = next;
	}
	return ns;
}

uint64_t sim_op_cache_remove(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	PsMachine *m = s->m;
	int fi = file_get(s, ev->file, false);
	/* every page holding a byte of the range */
	uint64_t first = ev->offset >> m->page_shift;
	uint64_t end = ev->len ? ((ev->offset + ev->len - 1) >> m->page_shift) + 1 : UINT64_MAX;
	uint64_t ns = 0;
	SimFile *f;

	s->cache.removes++;
	if (ev->reason == PS_CACHE_RECLAIM) {
		s->cache.reclaim_ignored++;
		return 0;
	}
	if (fi < 0) {
		s->cache.remove_unknown++;
		return 0;
	}
	for (uint64_t u = first;
	     (f = file_at(s, (guint)fi), u = sim_pgt_next_mapped(&f->pgt, u, end)) < end;) {
		uint32_t ri = sim_pgt_get(&f->pgt, u) - 1;
		Rec *r = rec_at(s, ri);
		uint64_t base = r->id, n = 1ull << r->order;

		if (!(r->flags & REC_GONE))
			s->cache.pages_removed[ev->reason] += n;
		ns += folio_drop(s, f, ri, cpu);
		u = base + n;
	}
	return ns;
}

void sim_cache_free(PsSim *s)
{
	if (s->files)
		for (guint i = 0; i < s->files->len; i++)
			sim_pgt_clear_all(&file_at(s, i)->pgt);
	g_clear_pointer(&s->files, g_array_unref);
	g_clear_pointer(&s->file_map, g_hash_table_unref);
}

cJSON *sim_cache_to_json(PsSim *s)
{
	const SimCacheStats *c = &s->cache;
	cJSON *o = cJSON_CreateObject(), *a;

	cJSON_AddNumberToObject(o, "adds", (double)c->adds);
	cJSON_AddNumberToObject(o, "removes", (double)c->removes);
	cJSON_AddNumberToObject(o, "files", s->files ? (double)s->files->len : 0);
	cJSON_AddNumberToObject(o, "pages_added", (double)c->pages_added);
	cJSON_AddNumberToObject(o, "bytes_added", (double)(c->pages_added * s->m->page_size));
	a = cJSON_AddObjectToObject(o, "folios_by_order");
	for (int i = 0; i < PS_NR_ORDERS_MAX; i++)
		if (c->folios[i]) {
			char k[8];

			g_snprintf(k, sizeof(k), "%d", i);
			cJSON_AddNumberToObject(a, k, (double)c->folios[i]);
		}
	a = cJSON_AddObjectToObject(o, "ra_fallbacks_by_order");
	for (int i = 0; i < PS_NR_ORDERS_MAX; i++)
		if (c->ra_fallbacks[i]) {
			char k[8];

			g_snprintf(k, sizeof(k), "%d", i);
			cJSON_AddNumberToObject(a, k, (double)c->ra_fallbacks[i]);
		}
	cJSON_AddNumberToObject(o, "ra_failed", (double)c->ra_failed);
	cJSON_AddNumberToObject(o, "reads_cut", (double)c->failed);
	cJSON_AddNumberToObject(o, "refaults", (double)c->refaults);
	a = cJSON_AddObjectToObject(o, "pages_removed");
	for (int i = 0; i < PS_NR_CACHE_REMOVE_REASONS; i++)
		cJSON_AddNumberToObject(a, ps_cache_reason_names[i], (double)c->pages_removed[i]);
	cJSON_AddNumberToObject(o, "reclaim_records_ignored", (double)c->reclaim_ignored);
	cJSON_AddNumberToObject(o, "removes_of_unknown_files", (double)c->remove_unknown);
	return o;
}
