// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * khugepaged.c - the khugepaged kernel thread: it collapses PMD ranges of anonymous memory that
 * faulted base pages into one PMD-order folio. Read in mm/khugepaged.c of torvalds/linux
 * (the search index's copy, commit 00f58104202c, a 6.1x tree with TVA_ENFORCE_SYSFS; the rules
 * below are those of 6.18 too) and mm/huge_memory.c's __thp_vma_allowable_orders.
 *
 * The rules, each with its kernel function:
 * - Settings (khugepaged_init, the khugepaged/ sysfs files): config "khugepaged" keys, else
 *   max_ptes_none = HPAGE_PMD_NR - 1, max_ptes_swap = HPAGE_PMD_NR / 8, max_ptes_shared =
 *   HPAGE_PMD_NR / 2, pages_to_scan = HPAGE_PMD_NR * 8, scan_sleep_millisecs 10000,
 *   alloc_sleep_millisecs 60000, defrag 1 (policy/huge_memory.c ps_khugepaged_value).
 * - Registration (khugepaged_enter_vma -> __khugepaged_enter): a process joins the tail of the
 *   list of mms once, when a mapping passes thp_vma_allowable_order(TVA_ENFORCE_SYSFS,
 *   PMD_ORDER) outside a fault: the PMD size allowed there by sysfs, an anonymous mapping that
 *   holds a whole aligned PMD range, with an anon_vma (a page faulted in it). The kernel asks at
 *   a merge of a new mapping (vma_merge_new_range), at madvise(MADV_HUGEPAGE)
 *   (hugepage_madvise) and at every THP fault (do_huge_pmd_anonymous_page, which prepares the
 *   anon_vma first); a fork of a registered mm registers the child (khugepaged_fork). The
 *   first registration on an empty list wakes the thread.
 * - The thread (khugepaged, khugepaged_wait_work): a pass (khugepaged_do_scan), then, while
 *   any mm is registered, a sleep of scan_sleep_millisecs that a registration does not cut
 *   short (khugepaged_should_wakeup wants the time passed); with none, it waits until the next
 *   registration wakes it.
 * - A pass: up to pages_to_scan of progress (khugepaged_scan_mm_slot: 1 for the mm, 1 for each
 *   mapping that does not qualify, HPAGE_PMD_NR for each PMD range scanned), mm after mm from
 *   the cursor (mm, address), at most once through the list's head; a collapse ends the mm's
 *   turn (the mmap lock was dropped) and the pass goes on from the cursor. An mm scanned to its
 *   last mapping moves the cursor to the next one (khugepaged_full_scans at the list's end) and
 *   an exited mm leaves the list there (collect_mm_slot). A failed huge allocation stops the
 *   pass for alloc_sleep_millisecs (khugepaged_alloc_sleep), a second one ends it.
 * - A range (hpage_collapse_scan_pmd): none without a PTE table (SCAN_PMD_NULL) or mapped by a
 *   PMD (SCAN_PMD_MAPPED); then PTE by PTE: more swap entries than max_ptes_swap
 *   (THP_SCAN_EXCEED_SWAP_PTE), more empty ones than max_ptes_none (THP_SCAN_EXCEED_NONE_PTE)
 *   stop it; no writable page (SCAN_PAGE_RO), none referenced, or swap entries with fewer than
 *   HPAGE_PMD_NR / 2 referenced (SCAN_LACK_REFERENCED_PAGE) leave it; else collapse_huge_page.
 * - The collapse (collapse_huge_page, alloc_charge_folio): a PMD-order folio with
 *   alloc_hugepage_khugepaged_gfpmask's flags (GFP_TRANSHUGE, or GFP_TRANSHUGE_LIGHT with
 *   defrag 0) on the thread's cpu, counted in thp_collapse_alloc or thp_collapse_alloc_failed;
 *   the swapped pages read back (__collapse_huge_page_swapin: pswpin, pgmajfault); the old
 *   pages freed PTE by PTE in address order (__collapse_huge_page_copy_succeeded), large folios
 *   after them in the order they were met (the compound page list); the new folio mapped by the
 *   PMD, the PTE table deposited (kept, as a THP fault's).
 *
 * Simplifications (why acceptable):
 * - Mappings: the simulator keeps each `map` record as a mapping of its own; the kernel merges
 *   a new anonymous mapping with its neighbours of the same flags. khugepaged here takes a run
 *   of touching anonymous mappings with the same advice as the one VMA the kernel would have.
 *   The fault path still sees the unmerged mappings (a THP fault needs its PMD range in one
 *   record's mapping).
 * - The thread runs on the lowest cpu other than the one whose record woke it (the waker's cpu
 *   is busy; select_idle_sibling picks an idle one), on cpu 0 of a one-cpu machine, and stays
 *   there (a wakeup prefers the previous cpu). Its work takes no simulated time: the kernel's
 *   scan and copy do (1.2 s for a 32 MiB copy on the QEMU lab's emulated cpus), during which
 *   the task it collapses for waits on its mmap lock; the replay's records keep their times.
 * - Every present page counts as referenced (young since its fault: the model keeps no
 *   accessed bit per PTE) and writable (touches are writes).
 * - No page is shared (the simulator gives a forked child no mapping of its parent's pages),
 *   so max_ptes_shared never stops a range; pages that sit in a cpu's LRU-add batch
 *   (SCAN_PAGE_LRU in the kernel, a race with the faulting task), locked or pinned pages are
 *   not modelled: a range the kernel skips for those (one of the four 16K lab runs) collapses
 *   here.
 * - A swapped page is read back and freed at once (the kernel's swap-in allocates a page that
 *   the copy then frees); an allocation that would wait for an OOM victim counts as failed.
 * - scan_sleep_millisecs or alloc_sleep_millisecs 0: the kernel then scans without pause, its
 *   passes taking their time; here passes take none, so they come 1 ms apart.
 * - The lru_add_drain_all at a pass's start is not modelled (the model has no LRU-add batches
 *   of pages, only their cost).
 */
#include <string.h>

#include "sim/sim-private.h"

enum khp_result {
	KHP_FAIL,
	KHP_SUCCEED,
	KHP_PMD_NULL,
	KHP_PMD_MAPPED,
	KHP_EXCEED_NONE,
	KHP_EXCEED_SWAP,
	KHP_PAGE_RO,
	KHP_LACK_REFERENCED,
	KHP_PAGE_ANON,
	KHP_ALLOC_FAIL,
};

static uint32_t khp_value(const PsSim *s, enum ps_khugepaged_key key)
{
	return ps_khugepaged_value(&s->m->spec, key);
}

static bool registered(const PsSim *s, int pi)
{
	return (guint)pi < s->khp.reg_len && s->khp.reg[pi];
}

static int list_find(const PsSim *s, int pi)
{
	for (guint i = 0; i < s->khp.mms->len; i++)
		if (g_array_index(s->khp.mms, int, i) == pi)
			return (int)i;
	return -1;
}

/* Whether two mappings merge into one VMA (same kind and advice; both anonymous here). */
static bool same_vma(const PsVma *a, const PsVma *b)
{
	return a->hugepage == b->hugepage && a->file == b->file;
}

/* The run of touching mappings v merges with (see the header): the kernel's VMA around v. */
static PsVma run_around(SimVmas *vs, const PsVma *v)
{
	PsVma r = *v;
	const PsVma *prev, *w;

	while (r.start && (w = sim_vma_lower(vs, r.start - 1, &prev)) && w->end == r.start &&
	       same_vma(w, &r))
		r.start = w->start;
	while ((w = sim_vma_lower(vs, r.end, &prev)) && w->start == r.end && same_vma(w, &r))
		r.end = w->end;
	return r;
}

/* An anon_vma: a page of the process mapped in [start, end) (bytes). */
static bool has_anon(PsSim *s, Proc *p, const PsVma *r)
{
	uint64_t first = r->start >> s->m->page_shift, end = r->end >> s->m->page_shift;

	return sim_pgt_next_mapped(&p->pgt, first, end) < end;
}

static bool run_allowable(PsSim *s, Proc *p, const PsVma *r)
{
	uint64_t pmd_bytes = (uint64_t)s->m->page_size << s->m->spec.thp_order;

	/* the cheap tests first: most runs are smaller than a PMD range */
	if (r->end - r->start < pmd_bytes || !ps_khugepaged_vma_allowable(s->m, r, true))
		return false;
	return has_anon(s, p, r);
}

/* The thread's next pass at `at` (the only event of it pending). */
static void schedule(PsSim *s, uint64_t at)
{
	s->khp.pending = true;
	ps_engine_schedule(s->e, at, s->ev_khugepaged, 0, 0);
}

/* __khugepaged_enter: pi joins the list's tail; an empty list's first mm wakes the thread. */
static void enter(PsSim *s, int pi)
{
	SimKhugepaged *k = &s->khp;
	bool wakeup = !k->mms->len;

	if (registered(s, pi) || proc_at(s, pi)->exited)
		return;
	if ((guint)pi >= k->reg_len) {
		guint n = MAX(2 * k->reg_len, (guint)pi + 64);

		k->reg = g_renew(uint8_t, k->reg, n);
		memset(k->reg + k->reg_len, 0, n - k->reg_len);
		k->reg_len = n;
	}
	k->reg[pi] = 1;
	g_array_append_val(k->mms, pi);
	s->totals.khugepaged_mms++;
	if (!wakeup || k->pending)
		return;
	/* first wake: an idle cpu other than the waker's */
	if (k->cpu < 0)
		k->cpu = s->m->nr_cpus > 1 && s->cur_cpu == 0 ? 1 : 0;
	schedule(s, ps_engine_now(s->e));
}

void sim_khugepaged_enter_vma(PsSim *s, int pi, const PsVma *v)
{
	Proc *p;
	PsVma r;

	if (pi < 0 || registered(s, pi) || !ps_khugepaged_enabled(s->m) || v->file)
		return;
	/*
	 * the run has v's kind and advice (same_vma): when those rule the PMD size out (THP
	 * madvise, no MADV_HUGEPAGE), no walk of the run; a walk at every map of a long run of
	 * touching mappings is quadratic (compact-portable: 0.035 -> 0.70 s)
	 */
	if (!ps_khugepaged_kind_allowable(s->m, v))
		return;
	p = proc_at(s, pi);
	r = run_around(&p->vmas, v);
	if (run_allowable(s, p, &r))
		enter(s, pi);
}

void sim_khugepaged_thp_fault(PsSim *s, int pi)
{
	if (pi >= 0 && !registered(s, pi) && ps_khugepaged_enabled(s->m))
		enter(s, pi);
}

void sim_khugepaged_fork(PsSim *s, int parent, int child)
{
	if (parent >= 0 && registered(s, parent))
		enter(s, child);
}

/* Takes pi off the list (the cursor is elsewhere). */
static void list_remove(PsSim *s, int pi)
{
	int i = list_find(s, pi);

	g_assert(i >= 0);
	g_array_remove_index(s->khp.mms, (guint)i);
	s->khp.reg[pi] = 0;
}

void sim_khugepaged_exit(PsSim *s, int pi)
{
	/* __khugepaged_exit: not the mm being scanned, which the scan collects */
	if (registered(s, pi) && s->khp.cursor != pi)
		list_remove(s, pi);
}

/* ---- a range ---------------------------------------------------------------------------- */

/* collapse_huge_page of the range at vpn base of process pi. */
static enum khp_result collapse(PsSim *s, int pi, uint64_t base)
{
	SimKhugepaged *k = &s->khp;
	PsMachine *m = s->m;
	unsigned order = m->spec.thp_order;
	uint64_t nr = 1ull << order, ns = 0, saved_retry = s->retry_at, saved_wait;
	GArray *large = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	uint32_t ri;
	Proc *p;

	saved_wait = s->oom_wait_ns[k->cpu];
	ri = sim_alloc_rec(s, ps_khugepaged_gfp(m), order, k->cpu, pi, PS_KIND_ANON, "khugepaged",
			   &ns);
	if (ri == REC_RETRY) {
		s->retry_at = saved_retry;
		s->oom_wait_ns[k->cpu] = saved_wait;
		ri = REC_NONE;
	}
	if (ri == REC_NONE) {
		m->vm_events[PS_THP_COLLAPSE_ALLOC_FAILED]++;
		g_array_unref(large);
		return KHP_ALLOC_FAIL;
	}
	m->vm_events[PS_THP_COLLAPSE_ALLOC]++;
	p = proc_at(s, pi);
	for (uint64_t u = base; u < base + nr; u++) {
		uint32_t v = sim_pgt_get(&p->pgt, u);
		Rec *r;

		if (!v)
			continue;
		r = rec_at(s, v - 1);
		if ((r->flags & (REC_GONE | REC_SWAPPED)) == (REC_GONE | REC_SWAPPED)) {
			/* __collapse_huge_page_swapin's do_swap_page */
			m->vm_events[PS_PSWPIN]++;
			m->vm_events[PS_PGMAJFAULT]++;
		}
		sim_pgt_clear(&p->pgt, u);
		if (r->flags & REC_THP) {
			/* a large folio: freed once, after the loop (its first PTE's turn) */
			guint i;

			for (i = 0; i < large->len; i++)
				if (g_array_index(large, uint32_t, i) == v - 1)
					break;
			if (i == large->len)
				g_array_append_val(large, (uint32_t){v - 1});
			continue;
		}
		s->totals.pages_freed_trace += !(r->flags & REC_GONE);
		sim_rec_free(s, v - 1, k->cpu);
	}
	for (guint i = 0; i < large->len; i++) {
		uint32_t li = g_array_index(large, uint32_t, i);

		if (!(rec_at(s, li)->flags & REC_GONE))
			s->totals.pages_freed_trace += 1ull << rec_at(s, li)->order;
		sim_rec_free(s, li, k->cpu);
	}
	g_array_unref(large);
	rec_at(s, ri)->flags |= REC_TOUCH | REC_THP;
	rec_at(s, ri)->id = base;
	p = proc_at(s, pi);
	for (uint64_t u = base; u < base + nr; u++)
		sim_pgt_set(&p->pgt, u, ri + 1);
	s->totals.khugepaged_collapsed++;
	if (!s->totals.khugepaged_first_collapse_ns)
		s->totals.khugepaged_first_collapse_ns = ps_engine_now(s->e);
	return KHP_SUCCEED;
}

/* hpage_collapse_scan_pmd of the range at vpn base; collapsed (or tried to): *dropped. */
static enum khp_result scan_pmd(PsSim *s, int pi, uint64_t base, bool *dropped)
{
	PsMachine *m = s->m;
	unsigned order = m->spec.thp_order;
	uint64_t nr = 1ull << order;
	uint32_t max_none = khp_value(s, PS_KHUGEPAGED_MAX_PTES_NONE);
	uint32_t max_swap = khp_value(s, PS_KHUGEPAGED_MAX_PTES_SWAP);
	uint32_t none = 0, unmapped = 0, referenced = 0;
	bool writable = false;
	Proc *p = proc_at(s, pi);
	uint32_t first;

	/* find_pmd_or_thp_or_none: no PTE table, or a PMD mapping */
	if (!sim_pgt_get(&p->ptes, base >> order))
		return KHP_PMD_NULL;
	first = sim_pgt_get(&p->pgt, base);
	if (first && first != PGT_FILE && (rec_at(s, first - 1)->flags & REC_THP) &&
	    rec_at(s, first - 1)->order == order)
		return KHP_PMD_MAPPED;
	for (uint64_t u = base; u < base + nr; u++) {
		uint32_t v = sim_pgt_get(&p->pgt, u);
		const Rec *r = v && v != PGT_FILE ? rec_at(s, v - 1) : NULL;

		if (v == PGT_FILE)
			return KHP_PAGE_ANON;
		if (r && (r->flags & (REC_GONE | REC_SWAPPED)) == (REC_GONE | REC_SWAPPED)) {
			if (++unmapped > max_swap) {
				m->vm_events[PS_THP_SCAN_EXCEED_SWAP_PTE]++;
				return KHP_EXCEED_SWAP;
			}
			continue;
		}
		if (!r || (r->flags & REC_GONE)) {
			if (++none > max_none) {
				m->vm_events[PS_THP_SCAN_EXCEED_NONE_PTE]++;
				return KHP_EXCEED_NONE;
			}
			continue;
		}
		writable = true;
		referenced++;
	}
	if (!writable)
		return KHP_PAGE_RO;
	if (!referenced || (unmapped && referenced < nr / 2))
		return KHP_LACK_REFERENCED;
	*dropped = true;
	return collapse(s, pi, base);
}

/* ---- the scan ----------------------------------------------------------------------------- */

/*
 * The cursor's mm is done (scanned to its end, or exited): the cursor moves to the next one, or
 * off the list's end (a full scan); an exited mm leaves the list (collect_mm_slot).
 */
static void slot_done(PsSim *s, int pi)
{
	SimKhugepaged *k = &s->khp;
	int i = list_find(s, pi);

	g_assert(i >= 0);
	if ((guint)i + 1 < k->mms->len) {
		k->cursor = g_array_index(k->mms, int, i + 1);
	} else {
		k->cursor = -1;
		s->totals.khugepaged_full_scans++;
	}
	k->address = 0;
	if (proc_at(s, pi)->exited)
		list_remove(s, pi);
}

/* khugepaged_scan_mm_slot: the progress made, *result the last range's. */
static uint32_t scan_mm_slot(PsSim *s, uint32_t pages, enum khp_result *result)
{
	SimKhugepaged *k = &s->khp;
	PsMachine *m = s->m;
	unsigned order = m->spec.thp_order, shift = m->page_shift;
	uint64_t pmd_bytes = (uint64_t)m->page_size << order;
	uint32_t progress = 1;
	const PsVma *w, *prev;
	int pi;
	Proc *p;

	*result = KHP_FAIL;
	if (k->cursor < 0) {
		k->cursor = g_array_index(k->mms, int, 0);
		k->address = 0;
	}
	pi = k->cursor;
	p = proc_at(s, pi);
	if (p->exited) {
		slot_done(s, pi);
		return progress;
	}
	for (w = sim_vma_lower(&p->vmas, k->address, &prev); w;
	     w = sim_vma_lower(&p->vmas, w->end, &prev)) {
		PsVma r = w->file ? *w : run_around(&p->vmas, w);
		uint64_t hstart, hend;

		/* the next step starts after the run: w is its last mapping */
		w = sim_vma_lower(&p->vmas, r.end - 1, &prev);
		if (w->file || !run_allowable(s, p, &r)) {
			progress++;
			continue;
		}
		hstart = (r.start + pmd_bytes - 1) & ~(pmd_bytes - 1);
		hend = r.end & ~(pmd_bytes - 1);
		if (k->address > hend) {
			progress++;
			continue;
		}
		if (k->address < hstart)
			k->address = hstart;
		while (k->address < hend) {
			bool dropped = false;

			*result = scan_pmd(s, pi, k->address >> shift, &dropped);
			k->address += pmd_bytes;
			progress += 1u << order;
			if (dropped || progress >= pages)
				return progress;
		}
	}
	slot_done(s, pi);
	return progress;
}

/*
 * A sleep of ms milliseconds from now, at least 1 ms: with scan_sleep_millisecs 0 the kernel
 * scans without pause, each pass taking its own time; here a pass takes none, so passes come
 * a millisecond apart (a zero step would never let the clock move).
 */
static uint64_t sleep_until(PsSim *s, uint32_t ms)
{
	return ps_engine_now(s->e) + MAX(ms, 1u) * 1000000ull;
}

/*
 * khugepaged_do_scan, from its start or (k->in_pass) after an allocation failure's sleep: false
 * when it sleeps in the middle (the pass goes on at the event scheduled).
 */
static bool do_scan(PsSim *s)
{
	SimKhugepaged *k = &s->khp;
	uint32_t pages = khp_value(s, PS_KHUGEPAGED_PAGES_TO_SCAN);

	if (!k->in_pass) {
		k->in_pass = true;
		k->progress = 0;
		k->pass_through_head = 0;
		k->wait = true;
		s->totals.khugepaged_passes++;
	}
	for (;;) {
		enum khp_result result = KHP_SUCCEED;

		if (k->cursor < 0)
			k->pass_through_head++;
		if (k->mms->len && ps_khugepaged_enabled(s->m) && k->pass_through_head < 2)
			k->progress += scan_mm_slot(s, pages - k->progress, &result);
		else
			k->progress = pages;
		if (k->progress >= pages)
			break;
		if (result == KHP_ALLOC_FAIL) {
			if (!k->wait)
				break;
			k->wait = false;
			/* khugepaged_alloc_sleep */
			schedule(s, sleep_until(s, khp_value(s, PS_KHUGEPAGED_ALLOC_SLEEP_MS)));
			return false;
		}
	}
	k->in_pass = false;
	return true;
}

void sim_on_khugepaged(PsEngine *e, const PsEvent *ev, void *data)
{
	PsSim *s = data;
	SimKhugepaged *k = &s->khp;
	int cpu = s->cur_cpu, proc = s->cur_proc;

	(void)ev;
	k->pending = false;
	s->cur_cpu = k->cpu;
	s->cur_proc = -1;
	if (do_scan(s) && k->mms->len && ps_khugepaged_enabled(s->m))
		/* khugepaged_wait_work: a timed sleep while there is work */
		schedule(s, sleep_until(s, khp_value(s, PS_KHUGEPAGED_SCAN_SLEEP_MS)));
	/* with none, it waits for the next registration (enter wakes it) */
	s->cur_cpu = cpu;
	s->cur_proc = proc;
}

void sim_khugepaged_init(PsSim *s)
{
	s->khp.mms = g_array_new(FALSE, FALSE, sizeof(int));
	s->khp.cursor = -1;
	s->khp.cpu = -1;
}

void sim_khugepaged_free(PsSim *s)
{
	if (s->khp.mms)
		g_array_unref(s->khp.mms);
	g_free(s->khp.reg);
	memset(&s->khp, 0, sizeof(s->khp));
}
