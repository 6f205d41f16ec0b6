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
 * replaced them (Dec 2026, idle machine, record.sh waiting for MemFree to settle; press-kswapd
 * again in session 13) are 0.21 % and 4.7 % apart; this frees 87 and 829 pages there.
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
 * The converse: pages free in the dump whose first record naming them is a free were allocated
 * when the trace began (a page cannot be freed while it is free). The lab's `dd` writes the
 * `before` kpageflags into a tmpfs with tracing off, and the pages it takes after their chunk was
 * read show free (pinned.c, on_untraced_alloc: 742 pages on lab-churn-migrate/4k, 2,408 on the
 * realdata 4K recording). The trace frees them later through the pcp lists like any page
 * (free_frozen_pages -> free_frozen_page_commit): each adds to its cpu's pcp->count and
 * free_count. Left free here, the replay dropped those frees (free_unknown_id) and the cpu's pcp
 * sequence left the kernel's there: on lab-churn-migrate/4k cpu 1 at its 62nd pcp operation,
 * the frees of 0x4a6e6 and 0x4a6e7 at 10.08 ms, whose pages the kernel allocated again 41 us
 * later, where the model took two other pages, and every refill after came two allocations
 * early. Such pages are taken out of the buddy at the start (one base page at a time, as
 * ps_alloc_take_range splits the free block holding it) and left allocated with the dump's other
 * unknown-at-start pages, so that their free is replayed (ps_snapshot_free_pages); the summary
 * counts them (free_in_snapshot_freed_first_pages). Only frees with no `reason` or reason
 * migrated count: a free of the kernel's reclaim, which the policy replay skips, would leave them
 * allocated for good, where a migrated one of a page held from the start is replayed (process.c,
 * op_free; with skip_migrated_snapshot the page stays allocated, as its data lives on). On the
 * realdata 4K recording 2,408 of its 2,410 are freed in compaction migrate steps (import.c,
 * in_migrate_step: the capture's own tmpfs copy of kpageflags, moved by compaction). A zone's
 * such pages are left free when taking them would put the zone more than 1 % below zoneinfo's
 * free pages, read just before tracing (freed_first_fits; summary
 * free_in_snapshot_freed_first_left): the dump is read over ~0.8 s and not at one instant, and
 * on ftrace-press-thp-6.18 it already shows 4.7 % fewer free pages than the kernel had when
 * tracing began (its other pages, shown allocated, were free), so taking its 15,000 such pages
 * started that replay 15 % short; on ftrace-press-kswapd-6.18 taking 244 moved its kswapd
 * wakes from the kernel's 3 to 2. The lab's are within it (lab-churn-migrate/4k: dump 472,179,
 * zoneinfo 472,712, 744 taken). And no page * that compaction's free scanner walked before
 * (mm_compaction_isolate_freepages takes free pages with no record of their own: its later free is
 * a migration target's, 3,452 pages of the realdata 64K recording). The pagetypeinfo fit is made
 * again without them (ps_snapshot_fit_block_counts): pagetypeinfo, read after the dump, did not
 * count them free, and on the realdata 4K recording the fit had made the pageblock of 512 of them
 * the zone's free order-9 Reclaimable block, which left the model's Reclaimable free lists empty at
 * the kernel's order-1 Reclaimable refill at 2.99 s (a fallback the kernel did not make). Measured:
 * 744 pages on lab-churn-migrate/4k and 2,410 on the realdata 4K recording, 0 on the others;
 * both 4K replays' pcp sequences now follow the kernel's for seconds (test-qemu.c, item 5).
 *
 * The same pass reads the recording's first compaction run (FirstCompaction): a direct
 * compaction that crossed its zone and isolated nothing shows the kernel's skip hints, which
 * /proc does not, and every pageblock starts marked (policy/compaction.c,
 * ps_compaction_seed_skip_hints; summary compaction_skip_hint_blocks_at_start). Failing that, the
 * first kcompactd run (FirstKcompactd): one that ended partial_skipped had started above
 * compact_init_migrate_pfn, which is non-zero only after a __reset_isolation_suitable walk since
 * boot. With evidence of such a walk (the next kcompactd run ends COMPLETE, which only a run from
 * the zone's start at or below compact_init_migrate_pfn does; or compact_stall > 0 in the start's
 * vmstat) it had resumed from a cached migrate position at or below the lowest page it migrated,
 * with the blocks below marked (an upper bound) and the zone deferred as
 * the do_works after it show (ps_compaction_seed_resume; summary compaction_resume_pfn_at_start,
 * compaction_resume_blocks_at_start, compaction_defer_shift_at_start). Without that
 * evidence nothing is seeded: on a machine with no walk since boot every kcompactd run whose
 * scanners meet ends partial_skipped, wherever it started.
 *
 * The same pass reads the order in which the recording kernel's reclaim freed the start's folios
 * (frees with reason reclaim_kswapd / reclaim_direct of a page no earlier record named), which
 * kpageflags cannot give: sim_snapshot_lru_order puts those folios, after the LRU and memcg
 * seeds, at the tail of the inactive list of their own lruvec, the first the kernel reclaimed
 * tail-most (isolate_lru_folios takes from the tail), so that the model's reclaim meets the
 * folios the kernel's met. Before that, where kpagecgroup charged such folios to a memcg with
 * children (the pages of its removed children), ps_memcg_split_offline (policy/reclaim.c) puts
 * them in the offline memcgs the kernel's passes show. Simplification: an active folio the kernel
 * reclaimed is put on the inactive list (the kernel deactivated it first, shrink_active_list, at a
 * time the trace does not show). Without it the lists are in pfn order, which puts a region's large
 * folios together.
 *
 * Both kinds of first record depend only on the trace and the memory map (its span, the largest
 * order): with a trace cache they are kept as runs of pfns in a `.stale` entry (snapshot-cache.c,
 * each run with its kind), so that a later run from the same trace does not read it again. The
 * skip hints are one more run there, of no pages (STALE_COMPACT_SKIP_HINTS).
 */
#include <stdio.h>
#include <string.h>

#include "sim/sim-private.h"
#include "util/util.h"

/* What the first record naming a page is: nothing yet, an allocation, a free, anything else. */
enum { FIRST_NONE, FIRST_ALLOC, FIRST_OTHER, FIRST_FREE };
/* The .stale entry's run (start and len 0) saying the start had compaction skip hints. */
#define STALE_COMPACT_SKIP_HINTS 4
/* A .stale entry's run: a start page block the kernel's reclaim freed, in the order it did. */
#define STALE_RECLAIM_ORDER 5
/* The .stale entry's run (start and len 0) saying a proc record named a memcg other than /. */
#define STALE_TRACE_MEMCGS 6
/*
 * The .stale entry's run saying the first kcompactd run resumed (FirstKcompactd): start the
 * lowest pfn it migrated from (an index of the map), len the deferral before it. 7: the trace
 * shows a __reset_isolation_suitable walk had run (the next kcompactd run ended COMPLETE); 8: it
 * does not, and the seed needs compact_stall > 0 in the start's vmstat.
 */
#define STALE_KCOMPACTD_RESUME		7
#define STALE_KCOMPACTD_RESUME_UNPROVEN 8
/*
 * The .stale entry's run saying where the first compaction run of a zone began (note_first_begin):
 * start its migrate_pfn, len its free_pfn (both pfns); 9 an async run, 10 a sync one.
 */
#define STALE_COMPACT_START_ASYNC 9
#define STALE_COMPACT_START_SYNC  10

/*
 * The recording's first compaction run, for the skip hints at the start (policy/compaction.c,
 * ps_compaction_seed_skip_hints): its task's mm_compaction_begin, a migrate_pages call or not,
 * its end's status, then the task's next record of its own. A direct compaction's is the
 * allocation that compacted (order > 0, a mask that may direct-reclaim and do IO, as
 * try_to_compact_pages needs); a run without one (a write to compact_memory, which ignores the
 * hints) says nothing of them.
 */
typedef struct {
	enum { FC_BEGIN, FC_RUN, FC_ALLOC, FC_DONE } state;
	int pid;
	bool migrated;
	bool skip_hints; /* the first run was a direct compaction that crossed the zone empty */
} FirstCompaction;

static void note_compaction(FirstCompaction *fc, const PsTraceEvent *ev, uint32_t page_size)
{
	bool obs = ev->op == PS_OP_OBSERVED;

	switch (fc->state) {
	case FC_BEGIN:
		if (obs && ev->event == PS_OBS_COMPACTION_BEGIN) {
			fc->state = FC_RUN;
			fc->pid = ev->pid;
		}
		break;
	case FC_RUN:
		if (!obs || ev->pid != fc->pid)
			break;
		if (ev->event == PS_OBS_COMPACTION_MIGRATEPAGES)
			fc->migrated = true;
		else if (ev->event == PS_OBS_COMPACTION_END)
			fc->state = !fc->migrated && ev->value == PS_COMPACT_RES_COMPLETE + 1
					? FC_ALLOC
					: FC_DONE;
		break;
	case FC_ALLOC:
		if (obs || ev->pid != fc->pid)
			break;
		fc->skip_hints = ev->op == PS_OP_ALLOC &&
				 (ev->order > 0 || ev->bytes > page_size) &&
				 (ev->gfp & PS_GFP_DIRECT_RECLAIM) && (ev->gfp & PS_GFP_IO);
		fc->state = FC_DONE;
		break;
	case FC_DONE:
		break;
	}
}

/*
 * The recording's first kcompactd run, for where its scanner resumed at the start
 * (policy/compaction.c, ps_compaction_seed_resume): kcompactd's pid is the one its
 * mm_compaction_kcompactd_wake names (the thread emits it in kcompactd_do_work); the pages its
 * first run migrated are the frees on its cpu between that pid's mm_compaction_begin and _end
 * (migrate_folio_done puts each old folio in the migrating task); the run resumed when it ended
 * COMPACT_PARTIAL_SKIPPED and a __reset_isolation_suitable walk had run since boot (proven here
 * when the next run, the one FK_AFTER stops at, ends COMPLETE); the do_works after it without a
 * begin, up to the next with one (or the trace's end), were deferred. Another task's
 * mm_compaction_begin (a direct compaction, a write to compact_memory) before kcompactd's run ends
 * seeds nothing: it moves compact_cached_migrate_pfn and the deferral, and the importer drops the
 * begin's zone, so a second zone of one do_work cannot be told from it either. One between the
 * run and kcompactd's next begin leaves the deferral uninferred (shift 0): try_to_compact_pages
 * calls compaction_deferred on the zone too, so the do_works alone no longer count
 * 2^shift - 1. Simplification: a free by another task on that cpu inside the window (a few ms) is
 * taken for a migration too, unless it is the kernel's reclaim.
 */
typedef struct {
	enum { FK_WAKE, FK_BEGIN, FK_RUN, FK_AFTER, FK_NEXT, FK_DONE } state;
	int pid, cpu;
	uint64_t lowest;  /* the lowest pfn the run freed, UINT64_MAX when none */
	uint64_t refused; /* do_works after it that did not compact */
	bool resumed;	  /* it ended partial_skipped, having migrated */
	bool walked;	  /* the next kcompactd run ended COMPLETE */
	bool shared;	  /* another task compacted between the run and the next */
} FirstKcompactd;

static void note_kcompactd(FirstKcompactd *fk, const PsTraceEvent *ev)
{
	bool obs = ev->op == PS_OP_OBSERVED;
	bool mine = obs && ev->pid == fk->pid;
	bool other = obs && ev->event == PS_OBS_COMPACTION_BEGIN && ev->pid != fk->pid;

	/* FK_WAKE: any begin (kcompactd's own comes after its wake) */
	if (other && fk->state <= FK_RUN) {
		fk->resumed = false;
		fk->state = FK_DONE;
	}
	fk->shared |= other && fk->state == FK_AFTER;
	switch (fk->state) {
	case FK_WAKE:
		if (obs && ev->event == PS_OBS_KCOMPACTD_WAKE) {
			fk->pid = ev->pid;
			fk->state = FK_BEGIN;
		}
		break;
	case FK_BEGIN:
		if (mine && ev->event == PS_OBS_COMPACTION_BEGIN) {
			fk->cpu = ev->cpu;
			fk->lowest = UINT64_MAX;
			fk->state = FK_RUN;
		}
		break;
	case FK_RUN:
		/* not the kernel's reclaim (kswapd can share the cpu) */
		if (ev->op == PS_OP_FREE && ev->cpu == fk->cpu && ev->has_pfn &&
		    (ev->free_reason == PS_FREE_UNSPEC || ev->free_reason == PS_FREE_MIGRATED))
			fk->lowest = MIN(fk->lowest, ev->pfn);
		if (mine && ev->event == PS_OBS_COMPACTION_END) {
			fk->resumed = ev->value == PS_COMPACT_RES_PARTIAL_SKIPPED + 1 &&
				      fk->lowest != UINT64_MAX;
			fk->state = fk->resumed ? FK_AFTER : FK_DONE;
		}
		break;
	case FK_AFTER:
		if (mine && ev->event == PS_OBS_KCOMPACTD_WAKE) {
			fk->refused++;
		} else if (mine && ev->event == PS_OBS_COMPACTION_BEGIN) {
			/* the wake of this do_work was not refused */
			fk->refused -= fk->refused > 0;
			fk->state = FK_NEXT;
		}
		break;
	case FK_NEXT:
		if (mine && ev->event == PS_OBS_COMPACTION_END) {
			fk->walked = ev->value == PS_COMPACT_RES_COMPLETE + 1;
			fk->state = FK_DONE;
		}
		break;
	case FK_DONE:
		break;
	}
}

/*
 * The recording's first mm_compaction_begin naming each zone's span (a record with the scanners'
 * starts, has_start), for the zone's cached scanner positions at the start
 * (policy/compaction.c, ps_compaction_seed_cached): runs of STALE_COMPACT_START_*, one per zone,
 * in the order met. A begin whose span is not a zone of the model's is passed over.
 */
static void note_first_begin(GArray *starts, PsMachine *m, const PsTraceEvent *ev)
{
	const PsZone *z;
	PsStaleRun run;

	if (ev->op != PS_OP_OBSERVED || ev->event != PS_OBS_COMPACTION_BEGIN ||
	    !ev->compact.has_start)
		return;
	z = ps_pfn_zone(m, (ps_pfn_t)ev->compact.zone_start);
	if (!z || z->start_pfn != ev->compact.zone_start ||
	    ps_zone_end_pfn(z) != ev->compact.zone_end)
		return;
	for (guint i = 0; i < starts->len; i++)
		if (ps_pfn_zone(m, (ps_pfn_t)g_array_index(starts, PsStaleRun, i).start) == z)
			return;
	run = (PsStaleRun){ev->compact.migrate_pfn, ev->compact.free_pfn,
			   ev->compact.sync ? STALE_COMPACT_START_SYNC : STALE_COMPACT_START_ASYNC};
	g_array_append_val(starts, run);
}

/* Marks each page with what the first record naming it is (FIRST_*). */
static void note_first(uint8_t *first, const PsMachine *m, const PsTraceEvent *ev)
{
	uint8_t what;
	uint64_t n, base;

	if (!ev->has_pfn || ev->pfn < m->map.base_pfn || ev->pfn >= m->map.end_pfn)
		return;
	if (ev->op == PS_OP_ALLOC && ev->failed)
		return;
	/* a portable import keeps the first allocation naming a pfn as an observed one */
	if (ev->op == PS_OP_ALLOC ||
	    (ev->op == PS_OP_OBSERVED &&
	     (ev->event == PS_OBS_ZONE_LOCKED || ev->event == PS_OBS_PAGE_ALLOC)))
		what = FIRST_ALLOC;
	else if (ev->op == PS_OP_FREE &&
		 (ev->free_reason == PS_FREE_UNSPEC || ev->free_reason == PS_FREE_MIGRATED) &&
		 ev->irq == PS_IRQ_NONE)
		what = FIRST_FREE;
	else
		what = FIRST_OTHER;
	base = ev->pfn - m->map.base_pfn;
	n = ev->order > 0 && ev->order <= (int)m->max_order ? 1ull << ev->order : 1;
	/*
	 * compaction's free scanner takes free pages of its walk with no record of their own: a
	 * later free of one (a migration target) is no page allocated at the start
	 */
	if (ev->op == PS_OP_OBSERVED && ev->event == PS_OBS_COMPACTION_ISOLATE_FREEPAGES)
		n = ev->len;
	n = MIN(n, m->map.end_pfn - ev->pfn);
	for (uint64_t i = base; i < base + n; i++)
		if (!first[i])
			first[i] = what;
}

/*
 * A free the recording kernel's reclaim made (reason reclaim_kswapd / reclaim_direct) of a page
 * no earlier record named: a folio of the start, appended to the reclaim order (before
 * note_first marks the page).
 */
static void note_reclaim(GArray *order, const uint8_t *first, const PsMachine *m,
			 const PsTraceEvent *ev)
{
	PsStaleRun run = {0, 1, STALE_RECLAIM_ORDER};

	if (ev->op != PS_OP_FREE || !ev->has_pfn || ev->pfn < m->map.base_pfn ||
	    ev->pfn >= m->map.end_pfn ||
	    (ev->free_reason != PS_FREE_RECLAIM_KSWAPD &&
	     ev->free_reason != PS_FREE_RECLAIM_DIRECT))
		return;
	run.start = ev->pfn - m->map.base_pfn;
	if (first[run.start])
		return;
	if (ev->order > 0 && ev->order <= (int)m->max_order)
		run.len = 1ull << ev->order;
	g_array_append_val(order, run);
}

/* The memory map as note_first sees it: the stale entry's machine key. */
static uint64_t stale_machine_key(const PsMachine *m)
{
	/*
	 * the last: the entry's format (6: no resume seed when another task compacted; 7: a
	 * migrated free is a first free; 8: the zones' first compaction starts)
	 */
	uint64_t v[4] = {m->map.base_pfn, m->map.end_pfn, m->max_order, 8};

	return ps_checksum64(v, sizeof(v));
}

/* The trace read a second time for first[] and the reclaim order: false when it cannot be opened.
 */
static bool scan_first(PsSim *s, uint8_t *first, FirstCompaction *fc, FirstKcompactd *fk,
		       GArray *order, GArray *starts)
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
	while (ps_trace_reader_next(r, &ev, NULL) == 1) {
		if (ev.op == PS_OP_PROC && ev.memcg[0] && strcmp(ev.memcg, "/"))
			s->snap->trace_memcgs = true;
		note_reclaim(order, first, s->m, &ev);
		note_first(first, s->m, &ev);
		note_compaction(fc, &ev, s->m->page_size);
		note_kcompactd(fk, &ev);
		note_first_begin(starts, s->m, &ev);
	}
	ps_trace_reader_close(r);
	return true;
}

/*
 * first[] (FIRST_ALLOC and FIRST_FREE; the rest is left FIRST_NONE), *skip_hints
 * (FirstCompaction) and snap->reclaim_order from the cache's runs, else from the trace, keeping
 * its runs in the cache when there is one.
 */
static bool load_first(PsSim *s, uint8_t *first, uint64_t npages, bool *skip_hints,
		       PsStaleRun *resume, GArray *starts)
{
	const char *digest = ps_trace_reader_digest(s->reader);
	uint64_t key = stale_machine_key(s->m);
	g_autofree char *entry = NULL;
	const void *items = NULL;
	uint64_t n = 0;
	FirstCompaction fc = {.state = FC_BEGIN};
	FirstKcompactd fk = {.state = FK_WAKE};
	GMappedFile *map = ps_derived_cache_lookup(s->opts.trace_cache_dir, PS_DERIVED_STALE,
						   digest, key, &entry, &items, &n);
	g_autoptr(GArray) runs = NULL;

	if (map) {
		const PsStaleRun *run = items;

		for (uint64_t i = 0; i < n; i++) {
			bool fits = run[i].start < npages && run[i].len <= npages - run[i].start;

			if (fits && (run[i].what == FIRST_ALLOC || run[i].what == FIRST_FREE))
				memset(first + run[i].start, (int)run[i].what, run[i].len);
			else if (fits && run[i].what == STALE_RECLAIM_ORDER)
				g_array_append_val(s->snap->reclaim_order, run[i]);
			*skip_hints |= run[i].what == STALE_COMPACT_SKIP_HINTS;
			if ((run[i].what == STALE_KCOMPACTD_RESUME ||
			     run[i].what == STALE_KCOMPACTD_RESUME_UNPROVEN) &&
			    run[i].start < npages)
				*resume = run[i];
			s->snap->trace_memcgs |= run[i].what == STALE_TRACE_MEMCGS;
			if (run[i].what == STALE_COMPACT_START_ASYNC ||
			    run[i].what == STALE_COMPACT_START_SYNC)
				g_array_append_val(starts, run[i]);
		}
		g_mapped_file_unref(map);
		return true;
	}
	if (!scan_first(s, first, &fc, &fk, s->snap->reclaim_order, starts))
		return false;
	*skip_hints = fc.skip_hints;
	if (fk.resumed && fk.lowest >= s->m->map.base_pfn && fk.lowest < s->m->map.end_pfn)
		*resume = (PsStaleRun){fk.lowest - s->m->map.base_pfn,
				       fk.shared ? 0 : ps_compaction_defer_shift_before(fk.refused),
				       fk.walked ? STALE_KCOMPACTD_RESUME
						 : STALE_KCOMPACTD_RESUME_UNPROVEN};
	if (!entry)
		return true;
	runs = g_array_new(FALSE, FALSE, sizeof(PsStaleRun));
	for (uint64_t i = 0; i < npages;) {
		PsStaleRun run = {i, 0, first[i]};

		if (first[i] != FIRST_ALLOC && first[i] != FIRST_FREE) {
			i++;
			continue;
		}
		while (i < npages && first[i] == run.what)
			i++;
		run.len = i - run.start;
		g_array_append_val(runs, run);
	}
	if (fc.skip_hints) {
		PsStaleRun run = {0, 0, STALE_COMPACT_SKIP_HINTS};

		g_array_append_val(runs, run);
	}
	if (s->snap->trace_memcgs) {
		PsStaleRun run = {0, 0, STALE_TRACE_MEMCGS};

		g_array_append_val(runs, run);
	}
	if (resume->what)
		g_array_append_val(runs, *resume);
	g_array_append_vals(runs, starts->data, starts->len);
	g_array_append_vals(runs, s->snap->reclaim_order->data, s->snap->reclaim_order->len);
	ps_derived_cache_write(entry, PS_DERIVED_STALE, digest, key, runs->data, runs->len);
	return true;
}

/*
 * The LRU folio headed at index i of the map, if the snapshot still holds it and one of its pages
 * was first named by an allocation (first[] FIRST_ALLOC): freed to the buddy, not seeded.
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
		stale |= first[j] == FIRST_ALLOC;
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

/*
 * Whether the pages of zone z free in the dump whose first record is a free (taken[z->idx] of
 * them) may be taken: not when that would leave the zone more than 1 % below the free pages
 * zoneinfo reported just before tracing (the dump, read earlier and not at one instant, then
 * shows other pages allocated that were free by more than these).
 */
static bool freed_first_fits(const PsSnapshot *snap, const PsZone *z, uint64_t taken)
{
	int64_t free_now = z->vm_stat[PS_NR_FREE_PAGES];

	if (!snap->zoneinfo_free || snap->zoneinfo_free[z->idx] < 0)
		return true;
	return (double)(free_now - (int64_t)taken) >= 0.99 * (double)snap->zoneinfo_free[z->idx];
}

/*
 * The pages free in the dump whose first record is a free: allocated when the trace began. Two
 * passes over them: the first counts each zone's, the second takes those of the zones where
 * freed_first_fits.
 */
static void take_freed_first(PsSnapshot *snap, PsMachine *m, const uint8_t *first, uint64_t npages)
{
	g_autofree uint64_t *want = g_new0(uint64_t, m->nr_zones);
	g_autofree bool *take = g_new0(bool, m->nr_zones);
	bool any = false;

	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t i = sim_next_nonzero(first, 0, npages); i < npages;
		     i = sim_next_nonzero(first, i + 1, npages)) {
			ps_pfn_t pfn = m->map.base_pfn + (ps_pfn_t)i;
			PsZone *z = first[i] == FIRST_FREE ? ps_pfn_zone(m, pfn) : NULL;

			if (!z || ps_enclosing_free_block(m, z, pfn, 0) == PS_PFN_NONE)
				continue;
			if (!pass) {
				want[z->idx]++;
			} else if (take[z->idx] && ps_alloc_take_range(m, z, pfn, 0)) {
				ps_snapshot_own(snap, m, pfn, 0);
				snap->freed_first_pages++;
			}
		}
		for (int k = 0; !pass && k < m->nr_zones; k++) {
			take[k] = want[k] && freed_first_fits(snap, &m->zones[k], want[k]);
			if (want[k] && !take[k])
				snap->freed_first_left += want[k];
			any |= take[k];
		}
		if (!any)
			return;
	}
	for (int k = 0; k < m->nr_zones; k++)
		if (take[k] && snap->have_real[k])
			ps_snapshot_fit_block_counts(snap, m, &m->zones[k]);
}

/* The resume seed and what it did, for the summary (compaction_resume_*_at_start). */
static void seed_resume(PsSnapshot *snap, PsMachine *m, ps_pfn_t source_pfn, unsigned shift)
{
	PsZone *z = ps_pfn_zone(m, source_pfn);

	if (!z || !ps_zone_populated(z))
		return;
	snap->compaction_resume.blocks = ps_compaction_seed_resume(m, source_pfn, shift);
	snap->compaction_resume.seeded = true;
	snap->compaction_resume.pfn = z->compact_cached_migrate_pfn[0];
	snap->compaction_resume.defer_shift = z->compact_defer_shift;
}

void sim_snapshot_free_stale(PsSim *s)
{
	PsMachine *m = s->m;
	PsSnapshot *snap = s->snap;
	uint64_t npages = m->map.end_pfn - m->map.base_pfn;
	g_autofree uint8_t *first = NULL;
	bool skip_hints = false;
	PsStaleRun resume = {0, 0, 0};
	g_autoptr(GArray) starts = g_array_new(FALSE, FALSE, sizeof(PsStaleRun));

	if (!snap || !s->trace_path || !strcmp(s->trace_path, "-"))
		return;
	first = ps_malloc0_huge(npages);
	snap->reclaim_order = g_array_new(FALSE, FALSE, sizeof(PsStaleRun));
	if (!load_first(s, first, npages, &skip_hints, &resume, starts))
		return;
	snap->stale_scanned = true;
	if (skip_hints)
		snap->compaction_skip_blocks = ps_compaction_seed_skip_hints(m);
	else if (resume.what == STALE_KCOMPACTD_RESUME ||
		 (resume.what == STALE_KCOMPACTD_RESUME_UNPROVEN && snap->compact_stall_at_start))
		seed_resume(snap, m, (ps_pfn_t)(m->map.base_pfn + resume.start),
			    (unsigned)resume.len);
	/* where each zone's first run began: its cached positions, whatever seeded above */
	for (guint i = 0; i < starts->len; i++) {
		const PsStaleRun *run = &g_array_index(starts, PsStaleRun, i);

		snap->compaction_cached_zones +=
		    ps_compaction_seed_cached(m, (ps_pfn_t)run->start, (ps_pfn_t)run->len,
					      run->what == STALE_COMPACT_START_SYNC);
	}
	take_freed_first(snap, m, first, npages);
	if (!snap->lru)
		return;
	/*
	 * Every LRU folio head in pfn order, 8 pages a step: in a word whose heads are all of
	 * order 0 (nearly every word) only the heads on a page marked FIRST_ALLOC can be stale,
	 * found by two byte matches; a word with a larger folio checks each of its heads whole.
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
				    ps_bytes8_match(first + k, 0xff, FIRST_ALLOC);
		} else {
			heads = (1u << (npages - k)) - 1;
		}
		for (; heads; heads &= heads - 1)
			free_if_stale(s, k + (uint64_t)__builtin_ctz(heads), first, npages);
	}
}

/*
 * The kernel's reclaimed start folios, first freed first and each once, given to
 * ps_memcg_split_offline: those of a memcg with children go to offline children of it, as the
 * recording's reclaim passes show them (policy/reclaim.c).
 */
static void split_offline(PsSim *s)
{
	PsSnapshot *snap = s->snap;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	g_autoptr(GArray) handles = g_array_new(FALSE, FALSE, sizeof(uint32_t));

	if (!s->memcg.loaded)
		return;
	for (guint k = 0; k < snap->reclaim_order->len; k++) {
		const PsStaleRun *run = &g_array_index(snap->reclaim_order, PsStaleRun, k);
		uint32_t v = s->snap_rec[run->start], h;

		if (!v || !g_hash_table_add(seen, GUINT_TO_POINTER(v)))
			continue;
		h = v - 1;
		g_array_append_val(handles, h);
	}
	snap->lru_ordered.offline_memcgs +=
	    ps_memcg_split_offline(s->policy, (const uint32_t *)(void *)handles->data, handles->len,
				   &snap->lru_ordered.offline_shares_not_made);
	if (snap->lru_ordered.offline_shares_not_made)
		fprintf(
		    stderr,
		    "pagesim: %u shares of the reclaim order's offline memcgs not made (at most "
		    "%d memcgs): their folios stay on their parent's lists\n",
		    snap->lru_ordered.offline_shares_not_made, PS_MEMCG_MAX);
}

void sim_snapshot_lru_order(PsSim *s)
{
	PsSnapshot *snap = s->snap;
	g_autoptr(GHashTable) seen = NULL;

	if (!snap || !snap->reclaim_order || !snap->reclaim_order->len || !s->snap_rec)
		return;
	/* reclaim.start_reclaim_order 0: the model's own order, for a blind test of its reclaim */
	if (!s->cfg->reclaim.start_reclaim_order)
		return;
	/*
	 * Only where the recording ran its tasks in memcgs of their own (the snapshot's
	 * kpagecgroup, or proc records naming one): the kernel's frees then interleave one tail per
	 * lruvec (shrink_node_memcgs), which the model's lruvecs have too. A recording without them
	 * leaves the pfn order: its kernel also reclaimed per memcg, and the merged order put as
	 * one list made ftrace-press-thp-6.18's direct reclaims free its 45 order-8 folios first,
	 * which merged into order-9 blocks (thp_fault_alloc 125 vs 5, allocstall 71 vs 188).
	 */
	if (!s->memcg.loaded && !snap->trace_memcgs)
		return;
	seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	split_offline(s);
	/*
	 * Last reclaimed first, each put at its list's tail: the first the kernel reclaimed ends
	 * tail-most. A folio freed in parts (split first) takes the place of its first part.
	 */
	for (guint k = snap->reclaim_order->len; k-- > 0;) {
		const PsStaleRun *run = &g_array_index(snap->reclaim_order, PsStaleRun, k);
		uint32_t v = s->snap_rec[run->start];
		const Rec *r;

		if (!v || !ps_lru_on_list(s->policy, v - 1))
			continue;
		r = rec_at(s, v - 1);
		if (ps_lru_start_to_tail(s->policy, v - 1))
			snap->lru_ordered.deactivated += 1ull << r->order;
		if (g_hash_table_add(seen, GUINT_TO_POINTER(v))) {
			snap->lru_ordered.folios++;
			snap->lru_ordered.pages += 1ull << r->order;
		}
	}
}
