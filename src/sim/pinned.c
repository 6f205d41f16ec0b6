// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinned.c - pinned replay: a recorded trace replayed as the real machine placed every page,
 * starting from a /proc/kpageflags snapshot, so that the buddy free lists follow the recorded
 * machine's. It reconstructs the physical free-memory timeline of the real run, and with the
 * snapshot taken after the run it measures how well the recording explains the final state.
 *
 * Which records move pages in and out of the buddy (Linux 6.18, realdata/README.md):
 *   observed mm_page_alloc_zone_locked  the block leaves the buddy (split as break_down_buddy_pages
 *                                       would), to a pcp list (percpu_refill=1) or the caller
 *   observed mm_page_pcpu_drain         the block goes from a pcp list back to the buddy
 *                                       (__free_one_page with its pageblock's type, merging)
 *   observed mm_page_alloc_extfrag      a claim (change_ownership=1) retypes the pageblock(s) to
 *                                       the allocation's type; claim or steal, the named block
 *                                       leaves the buddy here: in 6.18 __rmqueue_claim and
 *                                       __rmqueue_steal return it without __rmqueue_smallest,
 *                                       so no zone_locked names it
 *   alloc                               the block is handed out (it left the buddy before: a pcp
 *                                       page or a zone_locked block; if it is still free here the
 *                                       recording missed that step: taken now, counted)
 *   free                                orders the pcp holds (0-3 and the THP order) go to a pcp
 *                                       list and reach the buddy through a later drain; other
 *                                       orders go straight to the buddy (__free_pages_ok), and so
 *                                       does an interrupt's free (`irq`) that finds its cpu's pcp
 *                                       lock held by the task it interrupted (note_context)
 *   observed mm_compaction_isolate_freepages  compaction's free scanner took nr_taken free pages
 *                                       of the walked range as migration targets
 *                                       (isolate_freepages_block): the free blocks whose heads
 *                                       the walk meets leave the buddy, half-pageblock or larger
 *                                       ones retyping their pageblocks Movable; the targets
 *                                       used are freed later by mm_page_free records like any
 *                                       page, the unused ones by release_free_list (its
 *                                       __free_pages fires mm_page_free)
 *   observed mm_compaction_fast_isolate_freepages  the free scanner's search of the free lists
 *                                       took one free block as a migration target: found as
 *                                       the kernel's search would (on_fast_isolate_freepages)
 * Everything else (proc, exit, touch, compaction begin/end, ...) is counted, not acted on: the
 * pages a process frees at exit appear as mm_page_free records.
 *
 * What the recording cannot show is counted as an anomaly, not guessed: without the
 * mm_compaction_isolate_freepages event compaction's free scanner takes free pages no record
 * names (they stay free here, and their later free is a "free of a free page"; the free-set
 * difference after a run with compaction is mostly those pages); memory that joins a zone while it
 * grows (deferred init) is outside what the snapshot managed; a pcp free that found the pcp lock
 * taken goes straight to the buddy without a drain record (followed where the record's `irq` and
 * its cpu's records show it, note_context).
 *
 * Whether the replay's free lists are in the kernel's order is measured, not assumed: each
 * zone_locked record's block is checked against the head of the list __rmqueue_smallest would
 * take it from (list_head_check; summary totals zone_locked_at_free_list_head and
 * zone_locked_not_at_free_list_head). A take from a higher order than a non-empty list of its
 * type shows the kernel's lower lists empty: the blocks on them here that no record named are
 * the starting dump's stale free pages and leave the buddy then (on_lists_passed_over, the
 * summary's pages_taken_where_zone_locked_passed_over). A drain names its block's pageblock type,
 * and the replay takes it where the start's fit typed the block otherwise
 * (pageblocks_retyped_by_drains).
 *
 * --compare-at compares with a dump taken during the run (the pid of its reader or a time picks
 * the point). Two classes of difference are found there by later records (realdata
 * qemu-arm64-*-6.18.2): pages the starting dump shows free but which were allocated when the
 * trace started (a later free of them, no record naming them before: on_untraced_alloc; at 4K,
 * 2408 pages the `before` dump's own output took after their chunk was read, tracing off; or,
 * earlier and without a free, the lists a zone_locked passed over: on_lists_passed_over, all 691
 * on the 2-node recording, whose dump files are never freed), and
 * pcp frees that went straight to the buddy: free_frozen_pages calls free_one_page, which has no
 * tracepoint, when pcp_spin_trylock fails (an interrupt freeing on a cpu whose task holds the pcp
 * lock, e.g. in free_unref_folios). A later zone_locked of such a page proves it (rmqueue_bulk
 * takes from the buddy only), so those pages count as free at the point (on_cut_pcp_pages): 2 at
 * 4K. Where the interrupted task had just drained or refilled (note_context) the replay sends the
 * free to the buddy itself: the 238 such pages of lab-churn-migrate/4k. Where the interrupted
 * task's last record shows no lock (e.g. inside alloc_pages_bulk), a later zone_locked of one
 * page of the interrupt's run proves the whole run went to the buddy (on_cut_irq_runs): the
 * other 17 pages of such a run at lab-churn-migrate/64k.
 *
 * Pages on pcp lists are allocated blocks for mm/ (the buddy's view, and NR_FREE_PAGES', is the
 * same) and carry a bit here so that the pcp page count can be reported.
 *
 * --settle SECONDS runs the vmstat passes of an idle machine after the last record before the
 * comparison with the after dump (settle_passes): a dump read once tracing stopped (the lab's
 * `after`) shows the pcp pages those passes gave back with no record. It keeps each list's
 * blocks in the order they went on it and its high as the drain records show it (PinPcp).
 * SECONDS is an input, not derived from the recording: when the dump was read after the last
 * record, so how many passes it saw. Simplification: the passes run every stat_interval; the
 * kernel's work is deferrable and runs late on an idle cpu. `--settle auto` derives it all
 * from the recording instead: the dump's read from the dumps' NAME.uptime (settle_auto), the
 * lists as after.zoneinfo shows them just before it (settle_observe: the free-path drains the
 * dump's own processes caused, free_frozen_page_commit at count >= high, which no record
 * shows), then the passes due during the read, each followed by such a free-path drain where
 * zoneinfo showed one (settle_pass). Realdata 4k-numa, node 1 after: 2.320 % without, 1.394 %
 * with the one pass the timing allows, 0.080 % with zoneinfo's lists (cpu 0's node-1 list:
 * 2,012 before zoneinfo, 851 by the pass, 2,012 by the free path; --settle 1s/2s/3s give
 * 1.394/0.467/0.602 %); 64K 0.595 -> 0.305 % (zoneinfo's count 103 under the replay's).
 * Simplification: the in-trace dump's processes are recognised by the structure of the qemu
 * lab's snap.sh (a `sh`, its first `cat` reading zoneinfo, a second cat, ..., the kpageflags
 * `dd` last: the --compare-at pid), which gives the window in which they allocate before the
 * zoneinfo read (settle_note_dump); a recording without it (other scripts, pagesim-capture's
 * own reads) is reported and its lists are not set from zoneinfo (settle_observe).
 * Two more simplifications of --settle. A pcp refill's blocks are ordered as if each were the
 * newest free, on their pageblock type's list; rmqueue_bulk adds them at the tail of the
 * allocation type's list (list_add_tail, on a list __rmqueue_pcplist found empty), so
 * free_pcppages_bulk gives a refill's last block back first: it differs only when a drain stops
 * inside a refill's leftovers (a few blocks per list; following the kernel's order moves no
 * figure of the lab or realdata recordings). Every drain run by a kworker is taken as
 * vmstat_update's decay_pcp_high (the list's high set to its count, the cpu's pass grid from
 * it): since "mm/page_alloc: remotely drain per-cpu lists" (2022) drain_all_pages drains other
 * cpus' lists from its caller, so a kworker's drain is in practice the vmstat pass's, but that
 * pass's drain_zone_pages (a remote list whose expire ran out) leaves pcp->high as it was, and a
 * kworker's own free-path drain is no pass; neither shows in these recordings.
 *
 * It is a placement strategy (SimPlacement) under replay.c's loop: the records come in trace
 * order at their recorded times and take no time (no latency, no CPU queueing), the timeline and
 * /proc files are output.c's, and the summary and pinned.txt report are made here.
 */
#include <string.h>

#include "sim/sim-private.h"

enum pin_anomaly {
	PIN_ZONE_LOCKED_NOT_FREE,
	PIN_ALLOC_STILL_FREE,
	PIN_FREE_OF_FREE,
	PIN_DRAIN_OF_FREE,
	PIN_OUTSIDE_MANAGED,
	PIN_NO_PFN,
	PIN_MT_MISMATCH,
	PIN_ISOLATE_MISMATCH,
	PIN_NR_ANOMALIES
};

static const char *const pin_anomaly_names[PIN_NR_ANOMALIES] = {
    [PIN_ZONE_LOCKED_NOT_FREE] = "zone_locked_pages_not_free",
    [PIN_ALLOC_STILL_FREE] = "alloc_of_pages_still_free",
    [PIN_FREE_OF_FREE] = "free_of_free_pages",
    [PIN_DRAIN_OF_FREE] = "drain_of_free_pages",
    [PIN_OUTSIDE_MANAGED] = "pfn_outside_managed_memory",
    [PIN_NO_PFN] = "record_without_pfn",
    [PIN_MT_MISMATCH] = "zone_locked_migratetype_differs",
    [PIN_ISOLATE_MISMATCH] = "isolate_freepages_taken_differs",
};

/* A cpu of the recording: whether an interrupt now finds its pcp lock taken (note_context). */
typedef struct {
	SimPcpLock lock; /* holder -1: none recorded */
	GArray *run; /* (pfn << 5 | order) of the frees the current interrupt sent to the buddy */
	uint32_t
	    irq_run; /* id of the current interrupt's run of records (0: none since the task's) */
} PinCpu;

/*
 * --settle: one (cpu, zone) pcp list as the records show it. high follows the kernel's
 * pcp->high where a record shows it: a free-path drain (free_frozen_page_commit found count >=
 * high) starts at count == high, and after the vmstat worker's drain (decay_pcp_high) count ==
 * high; a free that takes count above it raises it (the kernel would have drained).
 */
typedef struct {
	int count;
	int high;
	int expire;	/* pcp->expire: passes left before a remote list's drain_zone_pages */
	bool in_drain;	/* the last record that changed the list was a drain */
	bool decay_run; /* that drain run is the vmstat worker's */
	bool dirty;	/* a record changed the zone's counters on this cpu since the last pass */
	/* --settle auto, from after.zoneinfo (settle_observe): */
	int unknown;	/* pages the kernel's list holds beyond the replay's */
	int free_drain; /* the free-path drain it shows (nr_pcp_free), 0: none seen */
} PinPcp;

/* The pinned replay's state beside the machine: what mm/ does not know about the recording. */
struct SimPin {
	PsMachine *m;
	uint8_t *on_pcp; /* bit per pfn of the map */
	uint64_t pcp_pages;
	GHashTable *ids; /* trace id -> (pfn << 5 | order) + 1, for frees without a pfn */
	uint64_t anomalies[PIN_NR_ANOMALIES];
	uint64_t by_op[PS_NR_TRACE_OPS];
	uint64_t by_obs[PS_NR_OBSERVED_EVENTS];
	uint64_t pages_taken, pages_returned, claims;
	/*
	 * zone_locked records (one __rmqueue_smallest each) whose block was the head of the
	 * lowest-order non-empty free list of its type here, and those whose was not (see
	 * list_head_check)
	 */
	uint64_t zl_at_head, zl_not_at_head;
	uint64_t
	    isolated_pages;   /* compaction's migration targets (mm_compaction_isolate_freepages) */
	uint64_t t_end;	      /* the last record's time */
	cJSON *compare_after; /* made at the end, for the summary */
	/*
	 * --compare-at: the replay's free set at that point, kept to the end, because a later
	 * record can show where a page was at the point (see on_cut_pcp_page).
	 */
	bool cut_done;
	uint64_t cut_t_ns;	  /* time of the first record at or after the point */
	uint8_t *cut_free;	  /* bit per pfn: free in the replay at the point */
	uint8_t *cut_pcp;	  /* bit per pfn: on a pcp list at the point and on it ever since */
	uint8_t *cut_on_pcp;	  /* bit per pfn: on a pcp list at the point */
	uint8_t *cut_buddy;	  /* bit per pfn: a later zone_locked showed it was in the buddy */
	uint8_t *named;		  /* bit per pfn: named by a record before the point */
	uint8_t *seen;		  /* bit per pfn: named by a record so far */
	uint64_t untraced_at_cut; /* free at the point here, allocated before the trace (below) */
	uint64_t pcp_frees_in_buddy;
	/*
	 * taken by on_lists_passed_over: all; before the point; and of those free in the replay
	 * at the point, the ones it found (before or after)
	 */
	uint64_t passed_over_pages, passed_over_before_cut, passed_over_at_cut;
	uint64_t drain_retypes; /* pageblocks a drain showed of another type (on_observed) */
	/*
	 * per pageblock of the map: the type the last zone_locked or drain record naming a block
	 * in it printed, PS_MT_TYPES while none has (on_lists_passed_over)
	 */
	uint8_t *named_mt;
	bool types_fitted; /* the start's pageblock types fitted to pagetypeinfo (--proc) */
	cJSON *compare_at;
	/*
	 * Per cpu of the recording: its task context's last record was made with the cpu's pcp
	 * lock held (a drain or a pcp refill), so an interrupt that comes now finds it taken.
	 */
	PinCpu *cpus;
	int nr_cpus;
	uint64_t irq_frees_to_buddy; /* interrupt frees that found the pcp lock taken */
	uint64_t irq_frees_undone;   /* of those, taken back: their interrupt proved it free */
	/*
	 * --compare-at: per pfn of the map, the interrupt run whose free put the page on its pcp
	 * list (0: a task's free, or not on a list), kept as it was at the point; the runs a later
	 * zone_locked proved in the buddy (on_cut_pcp_pages); their other pages found so.
	 */
	uint32_t *irq_run;
	uint32_t irq_runs;
	GHashTable *proven_runs;
	uint64_t run_pages_in_buddy;
	/* --settle: the idle vmstat passes after the last record (see settle_passes) */
	PinPcp *pcps;	    /* [cpu * nr_zones + zone index] */
	uint16_t *pcp_cpu;  /* per pfn of the map: the cpu whose list holds it */
	uint8_t *pcp_order; /* per pfn: the order of the block it heads on a pcp list */
	uint32_t *pcp_seq;  /* per pfn: when its block went on the list (heads only) */
	uint32_t pcp_seqs;
	GHashTable *kworkers;	/* pids whose comm is kworker/...: the vmstat worker's drains */
	uint64_t *last_pass_ns; /* per cpu: its last vmstat pass the records show, 0: none */
	uint64_t settle_passes, settle_pages[PS_MAX_NODES];
	/* --settle auto: the in-trace dump's process's first and last record (see settle_auto) */
	bool at_seen;
	uint64_t at_first_ns, at_last_ns;
	double dump_start_s, dump_end_s; /* the after dump's read on the trace clock (auto) */
	uint64_t settle_ns;		 /* from the last record to the last grid point counted */
	/*
	 * --settle auto: pages allocated on each cpu so far, and at the in-trace dump's shell's
	 * first record and its second cat's, before which its first cat read zoneinfo
	 * (settle_note_dump); the pages drained to after.zoneinfo's counts and by free-path
	 * drains after a pass (settle_observe, settle_pass)
	 */
	uint64_t *cpu_alloc, *sh_alloc, *zi_alloc;
	int dump_cats;
	/* a `sh` proc record seen; at the compare-at pid, sh then two cats were (snap.sh's) */
	bool dump_sh, dump_known;
	bool zoneinfo_seen;
	uint64_t observed_pages[PS_MAX_NODES], free_path_pages[PS_MAX_NODES];
};
typedef SimPin Pin;

static bool bit_test(const Pin *p, const uint8_t *map, ps_pfn_t pfn)
{
	uint64_t i = pfn - p->m->map.base_pfn;

	return map[i / 8] & (1u << (i % 8));
}

static void bit_put(const Pin *p, uint8_t *map, ps_pfn_t pfn, bool on)
{
	uint64_t i = pfn - p->m->map.base_pfn;

	if (on)
		map[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static bool pcp_test(Pin *p, ps_pfn_t pfn)
{
	return bit_test(p, p->on_pcp, pfn);
}

/* --settle: the list of (cpu, zone of pfn), or NULL. */
static PinPcp *pin_pcp(Pin *p, int cpu, ps_pfn_t pfn)
{
	PsZone *z;

	if (!p->pcps || cpu < 0 || cpu >= p->nr_cpus)
		return NULL;
	z = ps_pfn_zone(p->m, pfn);
	return z ? &p->pcps[cpu * p->m->nr_zones + z->idx] : NULL;
}

/* --settle: a block goes on (cpu's list) or off its pcp list. */
static void settle_note(Pin *p, ps_pfn_t pfn, unsigned order, bool on, int cpu)
{
	PinPcp *pc;

	if (!p->pcps)
		return;
	if (!on) {
		for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++)
			if (pcp_test(p, q)) {
				pc = pin_pcp(p, p->pcp_cpu[q - p->m->map.base_pfn], q);
				if (pc) {
					pc->count--;
					pc->in_drain = false;
					pc->dirty = true;
				}
			}
		return;
	}
	/* a record without a cpu of the recording: on no list the passes know */
	pc = pin_pcp(p, cpu, pfn);
	for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++) {
		uint64_t i = q - p->m->map.base_pfn;

		if (pc && !pcp_test(p, q))
			pc->count++;
		p->pcp_cpu[i] = pc ? (uint16_t)cpu : UINT16_MAX;
		p->pcp_seq[i] = pc && q == pfn ? ++p->pcp_seqs : 0;
	}
	p->pcp_order[pfn - p->m->map.base_pfn] = (uint8_t)order;
	if (!pc)
		return;
	pc->in_drain = false;
	pc->dirty = true;
	pc->high = MAX(pc->high, pc->count);
}

static void pcp_set(Pin *p, ps_pfn_t pfn, unsigned order, bool on, int cpu)
{
	settle_note(p, pfn, order, on, cpu);
	for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++) {
		bool was = pcp_test(p, q);

		if (on && !was) {
			bit_put(p, p->on_pcp, q, true);
			p->pcp_pages++;
		} else if (!on && was) {
			bit_put(p, p->on_pcp, q, false);
			p->pcp_pages--;
		}
		/* it left the pcp list by a record: nothing later can tell where it was */
		if (!on && p->cut_pcp)
			bit_put(p, p->cut_pcp, q, false);
		if (!on && p->irq_run && !p->cut_done)
			p->irq_run[q - p->m->map.base_pfn] = 0;
	}
}

/* The zone of a block, if the whole block is managed memory of one zone. */
static PsZone *block_zone(Pin *p, uint64_t pfn64, int order)
{
	PsMachine *m = p->m;
	PsZone *z;
	ps_pfn_t pfn;

	if (order < 0 || (unsigned)order > m->max_order || pfn64 >= UINT32_MAX)
		return NULL;
	pfn = (ps_pfn_t)pfn64;
	if (pfn & ((1u << order) - 1))
		return NULL;
	z = ps_pfn_zone(m, pfn);
	if (!z || pfn + (1u << order) > ps_zone_end_pfn(z))
		return NULL;
	for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++)
		if (ps_page_state(m, q) == PS_PAGE_RESERVED)
			return NULL;
	if (p->named && !p->cut_done)
		for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++)
			bit_put(p, p->named, q, true);
	if (p->seen)
		for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++)
			bit_put(p, p->seen, q, true);
	return z;
}

/* No record named any page of the block before (only with --compare-at). */
static bool block_unseen(Pin *p, uint64_t pfn64, int order)
{
	PsZone *z;

	if (!p->seen || order < 0 || (unsigned)order > p->m->max_order || pfn64 >= UINT32_MAX)
		return false;
	z = ps_pfn_zone(p->m, (ps_pfn_t)pfn64);
	if (!z || pfn64 + (1u << order) > ps_zone_end_pfn(z))
		return false;
	for (ps_pfn_t q = (ps_pfn_t)pfn64; q < pfn64 + (1u << order); q++)
		if (bit_test(p, p->seen, q))
			return false;
	return true;
}

/*
 * A free (or drain) of a block the replay holds free, none of whose pages any record named
 * before: it was allocated when the trace started and stayed so until this record, since an
 * allocation leaves a record (mm_page_alloc, or zone_locked for the buddy side of a bulk
 * allocation) and so does a free. The starting dump was wrong there: the lab's `dd` writes
 * before.kpageflags into the tmpfs it dumps with tracing off, and pages it takes after their
 * chunk was read show free. Such pages count as allocated at the --compare-at point.
 */
static uint64_t on_untraced_alloc(Pin *p, ps_pfn_t pfn, unsigned order)
{
	uint64_t n = 0;

	if (!p->cut_done)
		return 0;
	for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++)
		if (bit_test(p, p->cut_free, q)) {
			bit_put(p, p->cut_free, q, false);
			n++;
		}
	p->untraced_at_cut += n;
	return n;
}

/* The block is one allocated block now; returns the pages that had to come from the buddy. */
static uint64_t make_allocated(Pin *p, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	uint64_t taken = ps_alloc_take_range(p->m, z, pfn, order);

	p->pages_taken += taken;
	return taken;
}

/* Returns an allocated block to the buddy (__free_one_page / split_large_buddy). */
static void give_back(Pin *p, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	pcp_set(p, pfn, order, false, -1);
	ps_alloc_give_back(p->m, z, pfn, order);
	p->pages_returned += 1ull << order;
}

/* The block is wholly allocated (or on a pcp list) here. */
static bool is_allocated(Pin *p, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	return ps_alloc_reshape(p->m, z, pfn, order);
}

static void on_alloc(Pin *p, const PsTraceEvent *ev)
{
	PsZone *z;

	if (!ev->has_pfn || ev->order < 0) {
		p->anomalies[PIN_NO_PFN]++;
		return;
	}
	z = block_zone(p, ev->pfn, ev->order);
	if (!z) {
		p->anomalies[PIN_OUTSIDE_MANAGED]++;
		return;
	}
	if (make_allocated(p, z, (ps_pfn_t)ev->pfn, (unsigned)ev->order))
		p->anomalies[PIN_ALLOC_STILL_FREE]++;
	pcp_set(p, (ps_pfn_t)ev->pfn, (unsigned)ev->order, false, -1);
	g_hash_table_insert(p->ids, (gpointer)(uintptr_t)ev->id,
			    (gpointer)(uintptr_t)(((ev->pfn << 5) | (uint64_t)ev->order) + 1));
}

/*
 * --compare-at: which interrupt run put a page on its pcp list (until the point). A run is the
 * records a cpu makes in interrupt context between two of its task's records: the task cannot
 * run meanwhile, so its pcp lock stays as it was for the whole run, taken or free.
 */
static void note_irq_run(Pin *p, const PsTraceEvent *ev, ps_pfn_t pfn, unsigned order)
{
	uint32_t id = 0;

	if (!p->irq_run || p->cut_done)
		return;
	if (ev->irq != PS_IRQ_NONE && ev->cpu >= 0 && ev->cpu < p->nr_cpus) {
		PinCpu *c = &p->cpus[ev->cpu];

		if (!c->irq_run)
			c->irq_run = ++p->irq_runs;
		id = c->irq_run;
	}
	for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++)
		p->irq_run[q - p->m->map.base_pfn] = id;
}

static void on_free(Pin *p, const PsTraceEvent *ev)
{
	uint64_t pfn = ev->pfn;
	int order = ev->order;
	PsZone *z;
	uintptr_t v = (uintptr_t)g_hash_table_lookup(p->ids, (gpointer)(uintptr_t)ev->id);
	bool unseen;

	if (v) {
		g_hash_table_remove(p->ids, (gpointer)(uintptr_t)ev->id);
		if (!ev->has_pfn) {
			pfn = (v - 1) >> 5;
			order = (int)((v - 1) & 31);
		}
	} else if (!ev->has_pfn || order < 0) {
		p->anomalies[PIN_NO_PFN]++;
		return;
	}
	unseen = block_unseen(p, pfn, order);
	z = block_zone(p, pfn, order);
	if (!z) {
		p->anomalies[PIN_OUTSIDE_MANAGED]++;
		return;
	}
	if (!is_allocated(p, z, (ps_pfn_t)pfn, (unsigned)order)) {
		p->anomalies[PIN_FREE_OF_FREE]++;
		if (unseen)
			on_untraced_alloc(p, (ps_pfn_t)pfn, (unsigned)order);
		return;
	}
	if (!ps_pcp_allowed_order(p->m, (unsigned)order)) {
		give_back(p, z, (ps_pfn_t)pfn, (unsigned)order);
	} else if (ev->irq != PS_IRQ_NONE && ev->cpu >= 0 && ev->cpu < p->nr_cpus &&
		   (p->cpus[ev->cpu].lock.locked || ev->pcp_locked)) {
		/* pcp_spin_trylock failed: free_one_page, untraced (see note_context) */
		uint64_t blk = (pfn << 5) | (uint64_t)order;

		p->irq_frees_to_buddy++;
		g_array_append_val(p->cpus[ev->cpu].run, blk);
		give_back(p, z, (ps_pfn_t)pfn, (unsigned)order);
	} else {
		pcp_set(p, (ps_pfn_t)pfn, (unsigned)order, true, ev->cpu);
		note_irq_run(p, ev, (ps_pfn_t)pfn, (unsigned)order);
	}
}

/*
 * Whether an interrupt on a cpu finds its pcp lock taken (Linux 6.18 mm/page_alloc.c). The
 * lock is a spinlock taken with interrupts on: __free_frozen_pages and free_unref_folios take
 * it with pcp_spin_trylock and, when that fails (an interrupt freeing on a cpu whose task holds
 * it), free through free_one_page, which has no tracepoint; rmqueue_pcplist does the same for
 * allocations (rmqueue_buddy, traced by zone_locked). Inside the lock the task drains
 * (free_frozen_page_commit -> free_pcppages_bulk, drain_pages_zone: mm_page_pcpu_drain) and
 * refills (__rmqueue_pcplist -> rmqueue_bulk: zone_locked with percpu_refill=1), both under
 * zone->lock with interrupts off (spin_lock_irqsave); an interrupt that arrived meanwhile runs
 * when they are restored, with the pcp lock still held, and its softirqs (RCU callbacks
 * freeing pages) run on its exit. So an interrupt-context free whose cpu's last task-context
 * record is a drain or a refill goes to the buddy.
 *
 * What an interrupt records itself can show the lock free instead, for the whole interrupt (the
 * task cannot run meanwhile): a drain or a refill of its own (it got the lock), or a record of
 * another pid than the drain's (a softirq run by the idle task or ksoftirqd: the holder had
 * dropped the lock before it could be switched out). Then the frees this interrupt sent to the
 * buddy are taken back to the pcp list, those still free there. The trace's free records carry
 * no pid, so an interrupt that records only frees is taken for one of the holder.
 *
 * An interrupt's free during free_unref_folios' commit loop (between mm_page_free_batched
 * records, which the importer writes as plain frees) also finds the lock taken: the importer
 * marks it (pcp_locked, import.c in_commit_loop), and on_free sends it to the buddy.
 * Not seen here: an interrupt during alloc_pages_bulk's __rmqueue_pcplist loop (no tracepoint)
 * also finds the lock taken; a later zone_locked of such a page still shows it at the
 * --compare-at point (on_cut_pcp_pages).
 */
static void note_context(Pin *p, const PsTraceEvent *ev)
{
	PinCpu *c;
	bool takes;

	if (ev->cpu < 0 || ev->cpu >= p->nr_cpus)
		return;
	c = &p->cpus[ev->cpu];
	takes = sim_pcp_lock_takes(ev);
	if (ev->irq == PS_IRQ_NONE) {
		c->irq_run = 0;
		sim_pcp_lock_task(&c->lock, ev, takes);
		g_array_set_size(c->run, 0);
		return;
	}
	if (!c->lock.locked || ev->op == PS_OP_FREE ||
	    !sim_pcp_lock_shown_free(&c->lock, ev, takes))
		return;
	/* this interrupt shows the lock was free: its frees went to the pcp list after all */
	c->lock.locked = false;
	for (guint i = 0; i < c->run->len; i++) {
		uint64_t v = g_array_index(c->run, uint64_t, i);
		ps_pfn_t pfn = (ps_pfn_t)(v >> 5);
		unsigned order = (unsigned)(v & 31);
		PsZone *z = ps_pfn_zone(p->m, pfn);

		if (ps_enclosing_free_block(p->m, z, pfn, 0) == PS_PFN_NONE ||
		    ps_enclosing_free_block(p->m, z, pfn + (1u << order) - 1, 0) == PS_PFN_NONE)
			continue;
		make_allocated(p, z, pfn, order);
		pcp_set(p, pfn, order, true, ev->cpu);
		p->irq_frees_undone++;
	}
	g_array_set_size(c->run, 0);
}

/*
 * A zone_locked record takes pages from the buddy only (rmqueue_bulk, __rmqueue_smallest). If
 * the replay holds one of them on a pcp list since before the --compare-at point, the free that
 * put it there reached the buddy without a record: free_frozen_pages found the pcp lock taken
 * (pcp_spin_trylock fails when an interrupt frees on a cpu whose task holds it, e.g. inside
 * free_unref_folios) and called free_one_page, which has no tracepoint. So the page was free at
 * the point.
 */
static void on_cut_pcp_pages(Pin *p, ps_pfn_t pfn, unsigned order)
{
	if (!p->cut_pcp || !p->cut_done)
		return;
	for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++)
		if (bit_test(p, p->cut_pcp, q)) {
			uint32_t run = p->irq_run[q - p->m->map.base_pfn];

			bit_put(p, p->cut_buddy, q, true);
			bit_put(p, p->cut_pcp, q, false);
			p->pcp_frees_in_buddy++;
			if (run)
				g_hash_table_add(p->proven_runs, GUINT_TO_POINTER(run));
		}
}

/*
 * At the end: a page of an interrupt run that on_cut_pcp_pages found in the buddy proves the
 * run found its cpu's pcp lock taken (pcp_spin_trylock failed, free_one_page, no tracepoint),
 * and the lock stayed so for the whole run (note_irq_run). So the run's other frees still on a
 * replay pcp list since the point were in the buddy there too, though no later record names
 * them. Lab-churn-migrate/64k: cpu 0's run of 26 frees at 9.682679 s, which interrupted cat-252
 * after an mm_page_alloc (no drain, no refill: note_context cannot tell), 9 of them taken by a
 * zone_locked refill at 10.6097 s; the other 17 were free in mid.kpageflags.
 */
static void on_cut_irq_runs(Pin *p)
{
	PsMachine *m = p->m;

	if (!g_hash_table_size(p->proven_runs))
		return;
	for (ps_pfn_t q = m->map.base_pfn; q < m->map.end_pfn; q++) {
		uint32_t run = p->irq_run[q - m->map.base_pfn];

		if (run && bit_test(p, p->cut_pcp, q) &&
		    g_hash_table_contains(p->proven_runs, GUINT_TO_POINTER(run))) {
			bit_put(p, p->cut_buddy, q, true);
			bit_put(p, p->cut_pcp, q, false);
			p->pcp_frees_in_buddy++;
			p->run_pages_in_buddy++;
		}
	}
}

/*
 * isolate_freepages_block's walk over [pfn, end) at `stride`: the free blocks whose head it meets
 * (PageBuddy), each taken whole (__isolate_free_page) when `take`. Returns the pages found.
 */
static uint64_t isolate_walk(Pin *p, PsZone *z, ps_pfn_t pfn, ps_pfn_t end, unsigned stride,
			     bool take)
{
	PsMachine *m = p->m;
	uint64_t found = 0;

	for (ps_pfn_t q = pfn; q < end;) {
		unsigned order;

		if (ps_enclosing_free_block(m, z, q, 0) != q) {
			q += stride;
			continue;
		}
		order = ps_page_order(m, q);
		found += 1ull << order;
		if (take) {
			make_allocated(p, z, q, order);
			p->isolated_pages += 1ull << order;
			/*
			 * __isolate_free_page: a block of at least half a pageblock turns its
			 * pageblock(s) MIGRATE_MOVABLE when their type can merge (<
			 * MIGRATE_PCPTYPES)
			 */
			if (order + 1 >= m->pageblock_order)
				for (ps_pfn_t b = q; b < q + (1u << order) || b == q;
				     b += (ps_pfn_t)m->pageblock_nr_pages) {
					enum ps_migratetype mt = ps_pageblock_mt(m, b);

					if (mt < PS_MT_PCPTYPES && mt != PS_MT_MOVABLE)
						ps_pageblock_set_mt(m, z, b, PS_MT_MOVABLE);
				}
		}
		/* "advance to the end of split page", then the loop's stride */
		q += (1u << order) - 1 + stride;
	}
	return found;
}

/*
 * mm_compaction_isolate_freepages: compaction's free scanner took nr_taken free pages of the
 * walked range as migration targets; no record names them. The walk's stride is not printed
 * (isolate_freepages starts at COMPACT_CLUSTER_MAX for MIGRATE_ASYNC and 1 otherwise, and
 * fast_isolate_around uses 1), so the smallest of 1, 2, 4 .. 32 whose walk over the replay's
 * free set finds exactly nr_taken pages is the one taken; with none, the free blocks of the
 * range are taken from its start until nr_taken pages are reached, and the record is counted.
 * Compound pages the kernel steps over whole are not skipped here: that shifts a walk of stride
 * above 1, so such a walk may miss where the kernel's matched (then the fallback applies).
 */
static void on_isolate_freepages(Pin *p, const PsTraceEvent *ev)
{
	uint64_t want = (uint64_t)MAX(ev->value, 0);
	ps_pfn_t pfn, end;
	PsZone *z;

	if (!want)
		return;
	z = ev->pfn < UINT32_MAX ? ps_pfn_zone(p->m, (ps_pfn_t)ev->pfn) : NULL;
	if (!z || ev->len == 0 || ev->pfn + ev->len > ps_zone_end_pfn(z)) {
		p->anomalies[PIN_OUTSIDE_MANAGED]++;
		return;
	}
	pfn = (ps_pfn_t)ev->pfn;
	end = (ps_pfn_t)(ev->pfn + ev->len);
	for (unsigned stride = 1; stride <= 32; stride *= 2)
		if (isolate_walk(p, z, pfn, end, stride, false) == want) {
			isolate_walk(p, z, pfn, end, stride, true);
			return;
		}
	p->anomalies[PIN_ISOLATE_MISMATCH]++;
	for (ps_pfn_t q = pfn; q < end && want > 0;) {
		unsigned order;

		if (ps_enclosing_free_block(p->m, z, q, 0) != q) {
			q++;
			continue;
		}
		order = ps_page_order(p->m, q);
		isolate_walk(p, z, q, q + 1, 1, true);
		want -= MIN(want, 1ull << order);
		q += 1u << order;
	}
}

/*
 * mm_compaction_fast_isolate_freepages: fast_isolate_freepages (mm/compaction.c, 6.18) took one
 * free block of nr_taken pages (value; 0: none) off the MOVABLE free list of its order as a
 * migration target, and the record prints only the search's bounds, range=(min_pfn ~ free_pfn).
 * The kernel walks that list from its tail (list_for_each_entry_reverse) and takes the first
 * block at or above low_pfn, the top quarter between the scanners, else the highest block it
 * saw at or above min_pfn; walked so here, at most pageblock_nr_pages / 2 entries (the kernel's
 * limit at the free scanner's start; later ones are shorter, which the record does not say).
 * low_pfn is not printed: min_pfn = pageblock_start(free_pfn - d / 2) and low_pfn =
 * pageblock_start(free_pfn - d / 4) for the scanners' distance d, so low_pfn is taken as
 * pageblock_start(free_pfn - (free_pfn - min_pfn) / 2), at most a pageblock below the kernel's.
 * Simplification: the kernel then rotates the list (move_freelist_head, so the next search
 * starts past this block); the lists here keep their order. A taken block its walk does not
 * find (no free MOVABLE block of that order at or above min_pfn) is counted with
 * isolate_freepages_taken_differs. Without these records (captures before 146cf01, the qemu
 * lab's) the block stays free here and its later free is a free of a free page.
 */
static void on_fast_isolate_freepages(Pin *p, const PsTraceEvent *ev)
{
	PsMachine *m = p->m;
	uint64_t want = (uint64_t)MAX(ev->value, 0);
	ps_pfn_t min_pfn, free_pfn, low_pfn, found = PS_PFN_NONE, high = PS_PFN_NONE;
	ps_pfn_t pb = (ps_pfn_t)m->pageblock_nr_pages;
	unsigned order = 0, scanned = 0;
	const PsList *l;
	PsZone *z;

	if (!want)
		return;
	while (order < m->nr_orders && (1ull << order) < want)
		order++;
	z = ev->pfn < UINT32_MAX ? ps_pfn_zone(m, (ps_pfn_t)ev->pfn) : NULL;
	if (!z) {
		p->anomalies[PIN_OUTSIDE_MANAGED]++;
		return;
	}
	if (order >= m->nr_orders || (1ull << order) != want) {
		p->anomalies[PIN_ISOLATE_MISMATCH]++;
		return;
	}
	min_pfn = (ps_pfn_t)ev->pfn;
	free_pfn = (ps_pfn_t)(ev->pfn + ev->len);
	low_pfn = MAX(min_pfn, (free_pfn - (free_pfn - min_pfn) / 2) & ~(pb - 1));
	l = &z->free_area[order].list[PS_MT_MOVABLE];
	for (ps_pfn_t q = l->tail; q != PS_PFN_NONE && scanned < pb / 2;
	     q = *ps_list_prev_slot(m, l, q)) {
		scanned++;
		if (q >= low_pfn) {
			found = q;
			break;
		}
		if (q >= min_pfn && (high == PS_PFN_NONE || q > high))
			high = q;
	}
	if (found == PS_PFN_NONE)
		found = high;
	if (found == PS_PFN_NONE) {
		p->anomalies[PIN_ISOLATE_MISMATCH]++;
		return;
	}
	isolate_walk(p, z, found, found + 1, 1, true);
}

/*
 * Whether the free lists here are in the recording kernel's order: __rmqueue_smallest takes the
 * first block of the lowest-order non-empty list of the migratetype (get_page_from_free_area),
 * so the block a zone_locked record names must be (inside) that list's head. The replay's lists
 * get their order from the same rules as a policy run's (__free_one_page's head/tail placement
 * with buddy_merge_likely, expand's halves at the head), fed with the recording's drains, so a
 * block found elsewhere means a placement rule or the start's list order differs. Counted, not
 * acted on: the replay takes the recorded block either way.
 */
static void list_head_check(Pin *p, const PsZone *z, ps_pfn_t pfn, unsigned order, int mt)
{
	if (mt < 0 || mt >= PS_MT_TYPES)
		return;
	for (unsigned o = order; o < p->m->nr_orders; o++) {
		ps_pfn_t head = z->free_area[o].list[mt].head;

		if (head == PS_PFN_NONE)
			continue;
		if (pfn >= head && pfn < head + (1u << o))
			p->zl_at_head++;
		else
			p->zl_not_at_head++;
		return;
	}
	p->zl_not_at_head++;
}

/*
 * __rmqueue_smallest takes from the lowest order with a block on its type's list
 * (get_page_from_free_area), so a zone_locked record whose block lies, here, in a free block of
 * a higher order than a non-empty list of its type shows that the kernel's lists of that type
 * were empty from the requested order up to that block's. The blocks on them here that no record
 * has named were free only in the starting dump: allocated while tracing was off, as the
 * `before` snapshot's own output is (on_untraced_alloc). They are taken out of the buddy now,
 * allocated to nobody the trace knows. Named blocks are left: the trace put them there.
 * Called only when the record's type is its block's pageblock type here, and a block is not
 * taken when the last record naming its pageblock printed another type than the list's: where
 * the start's fit typed a pageblock otherwise, the replay's lists are not the kernel's, and an
 * empty list shows nothing. Nor is it called without pagetypeinfo (--proc): the votes alone type
 * pageblocks too often otherwise (the 2-node recording without it: 1,286 free pages taken, 774 on
 * node 0, where its two Reclaimable blocks vote Movable). On ftrace-press-grow-6.18 (1,287
 * zone_locked records of another type) 979 of 2,833 blocks taken without that condition were free
 * in after.kpageflags, 709 of them in pageblocks a record had named Unmovable; with it 2,980 pages
 * are taken, the free set after the run differs from after.kpageflags by 6,102 pages instead of
 * 6,463 (497 free only there instead of 68, 5,605 only in the replay instead of 6,395). Requiring a
 * record to have named the type (none wrong there) finds none of the 2-node recording's 691:
 * nothing names their pageblocks. qemu-arm64-4k-numa-6.18.2: the 691 node-0 pages free in
 * before.kpageflags, shmem file pages (uptodate, dirty, lru, swapbacked) in mid.kpageflags and
 * after.kpageflags (the dump's output stays in the tmpfs to the end, so no free names them), found
 * at 0.0296-3.99 s; the kernel takes its first order-0 Movable page from an order-2 block at
 * 0.029603 s while the replay's order-0 and order-1 Movable lists hold four of them.
 */
/* pfn's pageblock's slot in named_mt: the type the last record naming it printed */
static uint8_t *named_mt_of(Pin *p, ps_pfn_t pfn)
{
	return &p->named_mt[(pfn - p->m->map.base_pfn) >> p->m->pageblock_order];
}

/* A record printed the type of pfn's pageblock (zone_locked: its list; drain: the block's). */
static void note_named_mt(Pin *p, ps_pfn_t pfn, int mt)
{
	if (mt >= 0 && mt < PS_MT_TYPES)
		*named_mt_of(p, pfn) = (uint8_t)mt;
}

static void on_lists_passed_over(Pin *p, PsZone *z, ps_pfn_t pfn, unsigned order, int mt)
{
	PsMachine *m = p->m;
	ps_pfn_t head = ps_enclosing_free_block(m, z, pfn, 0);
	unsigned found;
	int named;

	if (head == PS_PFN_NONE || mt < 0 || mt >= PS_MT_TYPES)
		return;
	found = ps_page_order(m, head);
	for (unsigned o = order; o < found; o++) {
		const PsList *l = &z->free_area[o].list[mt];

		for (ps_pfn_t q = l->head, next; q != PS_PFN_NONE; q = next) {
			next = ps_list_next(m, l, q);
			named = *named_mt_of(p, q);
			if (!block_unseen(p, q, (int)o) || (named != mt && named != PS_MT_TYPES))
				continue;
			ps_alloc_take_range(m, z, q, o);
			p->passed_over_pages += 1ull << o;
			if (p->cut_free && !p->cut_done) {
				p->passed_over_before_cut += 1ull << o;
				p->passed_over_at_cut += 1ull << o;
			} else if (p->cut_free) {
				p->passed_over_at_cut += on_untraced_alloc(p, q, o);
			}
		}
	}
}

/*
 * A drain record: the block goes back to the buddy. --settle follows the list's high (PinPcp):
 * a run of drains by another task than the vmstat worker is free_frozen_page_commit's, which
 * starts when count reaches high; the worker's (refresh_cpu_vm_stats -> decay_pcp_high) leaves
 * count at high, and shows when that cpu's vmstat pass ran.
 */
static void on_pcp_drain(Pin *p, const PsTraceEvent *ev, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	PinPcp *pc = pin_pcp(p, ev->cpu, pfn);
	bool worker = p->kworkers && g_hash_table_contains(p->kworkers, GINT_TO_POINTER(ev->pid));

	if (pc && !pc->in_drain) {
		pc->decay_run = worker;
		if (!worker)
			pc->high = pc->count;
	}
	give_back(p, z, pfn, order);
	if (!pc)
		return;
	pc->in_drain = true;
	if (pc->decay_run) {
		pc->high = pc->count;
		p->last_pass_ns[ev->cpu] = ev->t_ns;
	}
}

static void on_observed(Pin *p, const PsTraceEvent *ev)
{
	PsMachine *m = p->m;
	PsZone *z;
	ps_pfn_t pfn;
	unsigned order;
	bool unseen;

	p->by_obs[ev->event]++;
	if (ev->event == PS_OBS_COMPACTION_ISOLATE_FREEPAGES) {
		on_isolate_freepages(p, ev);
		return;
	}
	if (ev->event == PS_OBS_COMPACTION_FAST_ISOLATE_FREEPAGES) {
		on_fast_isolate_freepages(p, ev);
		return;
	}
	if (ev->event != PS_OBS_ZONE_LOCKED && ev->event != PS_OBS_PCPU_DRAIN &&
	    ev->event != PS_OBS_EXTFRAG)
		return;
	unseen = block_unseen(p, ev->pfn, ev->order);
	z = block_zone(p, ev->pfn, ev->order);
	if (!z) {
		p->anomalies[PIN_OUTSIDE_MANAGED]++;
		return;
	}
	pfn = (ps_pfn_t)ev->pfn;
	order = (unsigned)ev->order;
	switch (ev->event) {
	case PS_OBS_ZONE_LOCKED:
		if (p->types_fitted &&
		    ps_pageblock_mt(m, pfn) == (enum ps_migratetype)ev->migratetype)
			on_lists_passed_over(p, z, pfn, order, ev->migratetype);
		note_named_mt(p, pfn, ev->migratetype);
		list_head_check(p, z, pfn, order, ev->migratetype);
		on_cut_pcp_pages(p, pfn, order);
		if (ps_pageblock_mt(m, pfn) != (enum ps_migratetype)ev->migratetype)
			p->anomalies[PIN_MT_MISMATCH]++;
		if (make_allocated(p, z, pfn, order) != (1ull << order))
			p->anomalies[PIN_ZONE_LOCKED_NOT_FREE]++;
		if (ev->percpu_refill == 1 && ps_pcp_allowed_order(m, order))
			pcp_set(p, pfn, order, true, ev->cpu);
		break;
	case PS_OBS_PCPU_DRAIN:
		/*
		 * free_pcppages_bulk prints the pageblock's type (get_pfnblock_migratetype) and
		 * frees onto its list: a drain naming another type than the block has here shows
		 * the start's fit typed it otherwise (realdata 4k-numa node 1: 0x85600, drained
		 * as Unmovable from 2.84 s, fitted Movable).
		 */
		if (ev->migratetype >= 0 && ev->migratetype < PS_MT_PCPTYPES &&
		    ps_pageblock_mt(m, pfn) != (enum ps_migratetype)ev->migratetype) {
			p->drain_retypes++;
			ps_pageblock_set_mt(m, z, pfn, (enum ps_migratetype)ev->migratetype);
		}
		note_named_mt(p, pfn, ev->migratetype);
		if (!is_allocated(p, z, pfn, order)) {
			p->anomalies[PIN_DRAIN_OF_FREE]++;
			if (unseen)
				on_untraced_alloc(p, pfn, order);
			break;
		}
		on_pcp_drain(p, ev, z, pfn, order);
		break;
	case PS_OBS_EXTFRAG:
		if (ev->change_ownership == 1) {
			/* a claim: the fallback block's pageblocks take the allocation's type */
			unsigned fo = (unsigned)MAX(ev->fallback_order, (int)m->pageblock_order);
			ps_pfn_t start = pfn & ~((1u << fo) - 1);

			p->claims++;
			for (ps_pfn_t b = start; b < start + (1u << fo) && b < ps_zone_end_pfn(z);
			     b += (ps_pfn_t)m->pageblock_nr_pages)
				if (b >= z->start_pfn && ev->migratetype < PS_MT_TYPES)
					ps_pageblock_set_mt(m, z, b,
							    (enum ps_migratetype)ev->migratetype);
		}
		/*
		 * The block is taken here, claim or steal: __rmqueue_claim returns the page
		 * try_to_claim_block split off (the event names it) and __rmqueue_steal the one
		 * it took, neither through __rmqueue_smallest, so no zone_locked record follows
		 */
		if (ps_page_state(m, pfn) != PS_PAGE_ALLOCATED) {
			make_allocated(p, z, pfn, order);
			if (ps_pcp_allowed_order(m, order))
				pcp_set(p, pfn, order, true, ev->cpu);
		}
		break;
	default:
		break;
	}
}

/* ---- comparing with the state after the run ------------------------------------------------ */

/* A zone's name in the report, with its node on a machine of more than one ("1 DMA"). */
static const char *zone_label(const PsMachine *m, const PsZone *z, char buf[24])
{
	if (m->nr_nodes <= 1)
		return ps_zone_names[z->type];
	g_snprintf(buf, 24, "%d %s", z->node, ps_zone_names[z->type]);
	return buf;
}

/* One zone of the pinned replay's end next to the real machine's after the run. */
typedef struct {
	const PsZone *z;
	uint64_t real_free, sim_free, only_real, only_sim;
	/*
	 * free in the after dump and on a replay pcp list at the last record: a pcp list gives
	 * pages back to the buddy only by a drain, so these were drained after tracing stopped
	 * (the lab's snap.sh reads `after` with tracing off)
	 */
	uint64_t only_real_on_pcp;
	uint64_t replay_blocks[PS_NR_ORDERS_MAX]; /* the replay's free blocks per order */
	uint64_t real_blocks[PS_NR_ORDERS_MAX];	  /* the after snapshot's free set, merged */
	uint64_t buddyinfo[PS_NR_ORDERS_MAX];	  /* the after buddyinfo's row, when have_bi */
	bool have_bi;
} ZoneDiff;

/* Page by page, which pages are free in the replay (m) and in the after state (am). */
static void diff_zone(Pin *p, const PsMachine *am, int i, const char *bi_text, ZoneDiff *d)
{
	const PsMachine *m = p->m;
	const PsZone *z = &m->zones[i], *az = &am->zones[i];

	d->z = z;
	for (ps_pfn_t q = z->start_pfn; q < ps_zone_end_pfn(z); q++) {
		bool s = ps_enclosing_free_block(m, z, q, 0) != PS_PFN_NONE;
		bool r = ps_enclosing_free_block(am, az, q, 0) != PS_PFN_NONE;

		d->sim_free += s;
		d->real_free += r;
		d->only_real += r && !s;
		d->only_real_on_pcp += r && !s && pcp_test(p, q);
		d->only_sim += s && !r;
	}
	for (unsigned o = 0; o < m->nr_orders; o++) {
		d->replay_blocks[o] = z->free_area[o].nr_free;
		d->real_blocks[o] = az->free_area[o].nr_free;
	}
	if (bi_text) {
		/* a node's own row: another node's zone of the type must not read it */
		g_autofree char *needle =
		    g_strdup_printf("Node %d, zone %8s ", z->node, ps_zone_names[z->type]);
		const char *l = strstr(bi_text, needle);

		if (l) {
			char *e = (char *)l + strlen(needle);

			for (unsigned o = 0; o < m->nr_orders; o++)
				d->buddyinfo[o] = g_ascii_strtoull(e, &e, 10);
			d->have_bi = true;
		}
	}
}

static double differing_pct(const ZoneDiff *d)
{
	return d->real_free ? 100.0 * (double)(d->only_real + d->only_sim) / (double)d->real_free
			    : 0.0;
}

static void add_u64_array(cJSON *o, const char *name, const uint64_t *v, unsigned n)
{
	cJSON *arr = cJSON_AddArrayToObject(o, name);

	for (unsigned i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)v[i]));
}

static cJSON *diff_json(const ZoneDiff *d, unsigned nr_orders)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "zone", ps_zone_names[d->z->type]);
	cJSON_AddNumberToObject(o, "node", d->z->node);
	cJSON_AddNumberToObject(o, "real_free_pages", (double)d->real_free);
	cJSON_AddNumberToObject(o, "replay_free_pages", (double)d->sim_free);
	cJSON_AddNumberToObject(o, "free_only_in_real", (double)d->only_real);
	cJSON_AddNumberToObject(o, "free_only_in_replay", (double)d->only_sim);
	cJSON_AddNumberToObject(o, "differing_pages", (double)(d->only_real + d->only_sim));
	cJSON_AddNumberToObject(o, "differing_pct_of_real_free", differing_pct(d));
	cJSON_AddNumberToObject(o, "free_only_in_real_on_replay_pcp_at_end",
				(double)d->only_real_on_pcp);
	cJSON_AddNumberToObject(
	    o, "differing_pct_besides_pcp_at_end",
	    d->real_free ? 100.0 * (double)(d->only_real - d->only_real_on_pcp + d->only_sim) /
			       (double)d->real_free
			 : 0.0);
	add_u64_array(o, "replay_blocks_per_order", d->replay_blocks, nr_orders);
	add_u64_array(o, "after_kpageflags_blocks_per_order", d->real_blocks, nr_orders);
	if (d->have_bi)
		add_u64_array(o, "after_buddyinfo_blocks_per_order", d->buddyinfo, nr_orders);
	return o;
}

static void diff_text(const PsMachine *m, const ZoneDiff *d, GString *report)
{
	unsigned nr_orders = m->nr_orders;
	char label[24];

	g_string_append_printf(
	    report,
	    "  %-7s real free %8" G_GUINT64_FORMAT " replay %8" G_GUINT64_FORMAT
	    "  differing pages %6" G_GUINT64_FORMAT " (%.3f %%: %" G_GUINT64_FORMAT
	    " only real, %" G_GUINT64_FORMAT " only replay)\n",
	    zone_label(m, d->z, label), d->real_free, d->sim_free, d->only_real + d->only_sim,
	    differing_pct(d), d->only_real, d->only_sim);
	if (d->only_real_on_pcp)
		g_string_append_printf(
		    report,
		    "    of the only real, on a replay pcp list at the last record "
		    "(drained after tracing stopped): %" G_GUINT64_FORMAT "\n",
		    d->only_real_on_pcp);
	g_string_append_printf(report, "    order      ");
	for (unsigned o = 0; o < nr_orders; o++)
		g_string_append_printf(report, " %6u", o);
	g_string_append_printf(report, "\n    replay     ");
	for (unsigned o = 0; o < nr_orders; o++)
		g_string_append_printf(report, " %6" G_GUINT64_FORMAT, d->replay_blocks[o]);
	if (d->have_bi) {
		g_string_append_printf(report, "\n    buddyinfo  ");
		for (unsigned o = 0; o < nr_orders; o++)
			g_string_append_printf(report, " %6" G_GUINT64_FORMAT, d->buddyinfo[o]);
		g_string_append_printf(report, "\n    difference ");
		for (unsigned o = 0; o < nr_orders; o++)
			g_string_append_printf(report, " %+6" G_GINT64_FORMAT,
					       (gint64)d->replay_blocks[o] -
						   (gint64)d->buddyinfo[o]);
	}
	g_string_append_printf(report, "\n");
}

/*
 * The replay's final free set against the kpageflags dump taken after the run (and the
 * buddyinfo beside it, when there is one): into root's "zones" and the text report. A gzip'd
 * dump is inflated once into the cache directory, as the starting snapshot is.
 */
static gboolean compare_after(Pin *p, const char *after, const char *cache_dir, cJSON *root,
			      GString *report, GError **error)
{
	PsMachine *m = p->m;
	g_autoptr(PsMachine) am = NULL;
	g_autoptr(PsSnapshot) asnap = NULL;
	cJSON *zones = cJSON_AddArrayToObject(root, "zones");
	g_autofree char *dir = g_path_get_dirname(after);
	g_autofree char *bi_path = ps_snapshot_sibling(after, dir, "buddyinfo");
	g_autofree char *bi_text = NULL;

	/* The after state loaded into a twin machine gives the real free set, merged. */
	am = ps_machine_new(&m->spec, error);
	if (!am)
		return FALSE;
	asnap = ps_snapshot_load_cached(am, after, NULL, cache_dir, error);
	if (!asnap)
		return FALSE;
	g_file_get_contents(bi_path, &bi_text, NULL, NULL);
	cJSON_AddStringToObject(root, "after_kpageflags", after);
	if (bi_text)
		cJSON_AddStringToObject(root, "after_buddyinfo", bi_path);
	g_string_append_printf(report, "pinned replay vs %s:\n", after);
	for (int i = 0; i < m->nr_zones; i++) {
		ZoneDiff d = {0};

		if (!ps_zone_populated(&m->zones[i]))
			continue;
		diff_zone(p, am, i, bi_text, &d);
		cJSON_AddItemToArray(zones, diff_json(&d, m->nr_orders));
		diff_text(m, &d, report);
	}
	return TRUE;
}

/* ---- comparing with a snapshot taken during the run (--compare-at) ------------------------- */

static bool cut_reached(const PsSim *s, const PsTraceEvent *ev)
{
	if (s->opts.compare_at_pid > 0)
		return ev->pid == s->opts.compare_at_pid;
	return ev->t_ns >= s->opts.compare_at_ns;
}

/* The replay's free set at the point, page by page, and which pages sit on pcp lists. */
static void take_cut(Pin *p, uint64_t t_ns)
{
	PsMachine *m = p->m;

	p->cut_done = true;
	p->cut_t_ns = t_ns;
	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];

		if (!ps_zone_populated(z))
			continue;
		for (ps_pfn_t q = z->start_pfn; q < ps_zone_end_pfn(z); q++) {
			if (ps_enclosing_free_block(m, z, q, 0) != PS_PFN_NONE)
				bit_put(p, p->cut_free, q, true);
			if (pcp_test(p, q)) {
				bit_put(p, p->cut_pcp, q, true);
				bit_put(p, p->cut_on_pcp, q, true);
			}
		}
	}
}

/* One zone's pages at the point: the replay's (with what later records showed) and the real. */
typedef struct {
	uint64_t real_free, replay_free, only_real, only_replay;
	uint64_t only_replay_unnamed, only_real_unnamed; /* pfns no record named before the point */
	uint64_t pcp_frees_in_buddy;			 /* counted free by on_cut_pcp_pages */
	uint64_t only_real_on_pcp; /* free in the real dump, on a replay pcp list at the point */
} CutDiff;

static cJSON *cut_diff_json(const PsZone *z, const CutDiff *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "zone", ps_zone_names[z->type]);
	cJSON_AddNumberToObject(o, "real_free_pages", (double)d->real_free);
	cJSON_AddNumberToObject(o, "replay_free_pages", (double)d->replay_free);
	cJSON_AddNumberToObject(o, "free_only_in_real", (double)d->only_real);
	cJSON_AddNumberToObject(o, "free_only_in_replay", (double)d->only_replay);
	cJSON_AddNumberToObject(o, "differing_pages", (double)(d->only_real + d->only_replay));
	cJSON_AddNumberToObject(o, "free_only_in_replay_never_named",
				(double)d->only_replay_unnamed);
	cJSON_AddNumberToObject(o, "free_only_in_real_never_named", (double)d->only_real_unnamed);
	cJSON_AddNumberToObject(o, "pcp_frees_found_in_buddy", (double)d->pcp_frees_in_buddy);
	cJSON_AddNumberToObject(o, "free_only_in_real_on_replay_pcp", (double)d->only_real_on_pcp);
	return o;
}

/*
 * The replay's free set at the --compare-at point against the kpageflags dump taken there.
 * "Never named" pages are ones no record mentioned before the point: the trace cannot explain
 * them, the starting snapshot is wrong there (e.g. pages allocated while tracing was off).
 */
static gboolean compare_at(PsSim *s, Pin *p, GError **error)
{
	PsMachine *m = p->m;
	const char *path = s->opts.compare_at_kpageflags;
	g_autoptr(PsMachine) am = NULL;
	g_autoptr(PsSnapshot) asnap = NULL;
	cJSON *zones;

	p->compare_at = cJSON_CreateObject();
	cJSON_AddStringToObject(p->compare_at, "kpageflags", path);
	if (s->opts.compare_at_pid > 0)
		cJSON_AddNumberToObject(p->compare_at, "before_pid", s->opts.compare_at_pid);
	else
		cJSON_AddNumberToObject(p->compare_at, "at_ns", (double)s->opts.compare_at_ns);
	if (!p->cut_done) {
		g_set_error(error, PS_SIM_SNAPSHOT_ERROR, 0,
			    "--compare-at: the trace ended before the point (%s)",
			    s->opts.compare_at_pid > 0 ? "no record of that pid" : "time");
		return FALSE;
	}
	cJSON_AddNumberToObject(p->compare_at, "cut_ns", (double)p->cut_t_ns);
	/* free in the starting dump, allocated at the point: found by a later free or drain
	 * (on_untraced_alloc) or by the lists a zone_locked passed over (on_lists_passed_over) */
	cJSON_AddNumberToObject(p->compare_at, "pages_allocated_before_trace",
				(double)(p->untraced_at_cut + p->passed_over_before_cut));
	cJSON_AddNumberToObject(p->compare_at, "pages_allocated_before_trace_by_list_order",
				(double)p->passed_over_at_cut);
	on_cut_irq_runs(p);
	cJSON_AddNumberToObject(p->compare_at, "interrupt_run_pages_found_in_buddy",
				(double)p->run_pages_in_buddy);
	am = ps_machine_new(&m->spec, error);
	if (!am)
		return FALSE;
	asnap = ps_snapshot_load_cached(am, path, NULL, s->opts.trace_cache_dir, error);
	if (!asnap)
		return FALSE;
	zones = cJSON_AddArrayToObject(p->compare_at, "zones");
	g_string_append_printf(
	    s->report, "pinned replay at %.6f s (first record at or after the point) vs %s:\n",
	    (double)p->cut_t_ns / 1e9, path);
	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];
		CutDiff d = {0};
		char label[24];

		if (!ps_zone_populated(z))
			continue;
		for (ps_pfn_t q = z->start_pfn; q < ps_zone_end_pfn(z); q++) {
			bool late = bit_test(p, p->cut_buddy, q);
			bool rep = bit_test(p, p->cut_free, q) || late;
			bool real = ps_enclosing_free_block(am, &am->zones[i], q, 0) != PS_PFN_NONE;
			bool named = bit_test(p, p->named, q);

			d.replay_free += rep;
			d.real_free += real;
			d.pcp_frees_in_buddy += late;
			if (rep && !real) {
				d.only_replay++;
				d.only_replay_unnamed += !named;
			} else if (real && !rep) {
				d.only_real++;
				d.only_real_unnamed += !named;
				d.only_real_on_pcp += bit_test(p, p->cut_on_pcp, q);
			}
		}
		cJSON_AddItemToArray(zones, cut_diff_json(z, &d));
		cJSON_AddNumberToObject(cJSON_GetArrayItem(zones, cJSON_GetArraySize(zones) - 1),
					"node", z->node);
		g_string_append_printf(
		    s->report,
		    "  %-7s real free %8" G_GUINT64_FORMAT " replay %8" G_GUINT64_FORMAT
		    "  differing pages %6" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
		    " only real, %" G_GUINT64_FORMAT
		    " only replay; never named by a record: %" G_GUINT64_FORMAT
		    " and %" G_GUINT64_FORMAT
		    "); pcp frees found in the buddy later: %" G_GUINT64_FORMAT
		    "; only real and on a replay pcp list: %" G_GUINT64_FORMAT "\n",
		    zone_label(m, z, label), d.real_free, d.replay_free,
		    d.only_real + d.only_replay, d.only_real, d.only_replay, d.only_real_unnamed,
		    d.only_replay_unnamed, d.pcp_frees_in_buddy, d.only_real_on_pcp);
	}
	return TRUE;
}

/* ---- the placement strategy ------------------------------------------------------------ */

static gboolean no_snapshot(GError **error)
{
	g_set_error(error, PS_SIM_SNAPSHOT_ERROR, 0,
		    "--mode pinned needs --snapshot KPAGEFLAGS: recorded pfns mean nothing on a "
		    "freshly booted machine");
	return FALSE;
}

static gboolean pinned_start(PsSim *s, GError **error)
{
	Pin *p;

	if (!s->snap)
		return no_snapshot(error);
	p = s->pin = g_new0(Pin, 1);
	p->m = s->m;
	p->on_pcp = g_new0(uint8_t, (s->m->map.end_pfn - s->m->map.base_pfn + 7) / 8);
	p->ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	p->nr_cpus = MAX(s->hdr.cpus, 1);
	p->cpus = g_new0(PinCpu, (gsize)p->nr_cpus);
	for (int i = 0; i < p->nr_cpus; i++) {
		p->cpus[i].lock.holder = -1;
		p->cpus[i].run = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	}
	/* on_lists_passed_over asks whether a block was named, with or without --compare-at */
	p->seen = g_new0(uint8_t, (s->m->map.end_pfn - s->m->map.base_pfn + 7) / 8);
	p->types_fitted = s->snap->pagetypeinfo_path != NULL;
	if (s->opts.settle_ns || s->opts.settle_auto) {
		uint64_t n = s->m->map.end_pfn - s->m->map.base_pfn;

		p->pcps = g_new0(PinPcp, (gsize)p->nr_cpus * (gsize)s->m->nr_zones);
		for (int c = 0; c < p->nr_cpus; c++)
			for (int i = 0; i < s->m->nr_zones; i++)
				if (s->m->zones[i].pcp && c < s->m->nr_cpus)
					p->pcps[c * s->m->nr_zones + i].high =
					    s->m->zones[i].pcp[c].high_min;
		p->pcp_cpu = g_new0(uint16_t, n);
		p->pcp_order = g_new0(uint8_t, n);
		p->pcp_seq = g_new0(uint32_t, n);
		p->kworkers = g_hash_table_new(g_direct_hash, g_direct_equal);
		p->last_pass_ns = g_new0(uint64_t, (gsize)p->nr_cpus);
		if (s->opts.settle_auto && s->opts.compare_at_pid > 0) {
			p->cpu_alloc = g_new0(uint64_t, (gsize)p->nr_cpus);
			p->sh_alloc = g_new0(uint64_t, (gsize)p->nr_cpus);
			p->zi_alloc = g_new0(uint64_t, (gsize)p->nr_cpus);
		}
	}
	p->named_mt =
	    g_malloc(((s->m->map.end_pfn - s->m->map.base_pfn) >> s->m->pageblock_order) + 1);
	memset(p->named_mt, PS_MT_TYPES,
	       ((s->m->map.end_pfn - s->m->map.base_pfn) >> s->m->pageblock_order) + 1);
	if (s->opts.compare_at_kpageflags) {
		gsize bytes = (s->m->map.end_pfn - s->m->map.base_pfn + 7) / 8;

		p->cut_free = g_new0(uint8_t, bytes);
		p->cut_pcp = g_new0(uint8_t, bytes);
		p->cut_on_pcp = g_new0(uint8_t, bytes);
		p->cut_buddy = g_new0(uint8_t, bytes);
		p->named = g_new0(uint8_t, bytes);
		p->irq_run = g_new0(uint32_t, s->m->map.end_pfn - s->m->map.base_pfn);
		p->proven_runs = g_hash_table_new(g_direct_hash, g_direct_equal);
	}
	return TRUE;
}

/*
 * --settle auto: the pages the in-trace dump's processes allocated on each cpu before its
 * zoneinfo read. The qemu lab's snap.sh is a shell that cats zoneinfo first, then the other
 * files, uptime, and reads kpageflags with dd (the --compare-at pid); tracing shows only the
 * first record of each process (its proc record), so the window is from the last shell's first
 * record before the dd to its second cat's. The after dump's processes make about as many
 * before after.zoneinfo is read, from the newest end of the lists (settle_observe). Without
 * that pattern before the compare-at pid (another script, pagesim-capture's own reads) the
 * window is unknown: settle_observe says so and leaves the lists as the records left them.
 */
static void settle_note_dump(PsSim *s, Pin *p, const PsTraceEvent *ev)
{
	gsize bytes = (gsize)p->nr_cpus * sizeof(*p->cpu_alloc);

	if (!p->cpu_alloc || p->at_seen)
		return;
	if (ev->op == PS_OP_ALLOC && !ev->failed && ev->cpu >= 0 && ev->cpu < p->nr_cpus &&
	    ev->order >= 0 && ps_pcp_allowed_order(p->m, (unsigned)ev->order))
		p->cpu_alloc[ev->cpu] += 1ull << ev->order;
	if (ev->pid == s->opts.compare_at_pid)
		p->dump_known = p->dump_sh && p->dump_cats >= 2;
	if (ev->op != PS_OP_PROC)
		return;
	if (!strcmp(ev->comm, "sh")) {
		memcpy(p->sh_alloc, p->cpu_alloc, bytes);
		p->dump_sh = true;
		p->dump_cats = 0;
	} else if (!strcmp(ev->comm, "cat") && ++p->dump_cats == 2) {
		memcpy(p->zi_alloc, p->cpu_alloc, bytes);
	}
}

/* The records that move pages act on the machine; all are counted. They take no time. */
static uint64_t pinned_exec(PsSim *s, const PsTraceEvent *ev, int cpu)
{
	Pin *p = s->pin;

	if (p->named && !p->cut_done && cut_reached(s, ev))
		take_cut(p, ev->t_ns);
	p->t_end = ev->t_ns;
	settle_note_dump(s, p, ev);
	if (s->opts.compare_at_pid > 0 && ev->pid == s->opts.compare_at_pid) {
		if (!p->at_seen)
			p->at_first_ns = ev->t_ns;
		p->at_seen = true;
		p->at_last_ns = ev->t_ns;
	}
	p->by_op[ev->op]++;
	if (ev->op == PS_OP_ALLOC && !ev->failed)
		on_alloc(p, ev); /* a failed one changed nothing in memory */
	else if (ev->op == PS_OP_FREE)
		on_free(p, ev);
	else if (ev->op == PS_OP_OBSERVED)
		on_observed(p, ev);
	else if (ev->op == PS_OP_ZONE_GROW)
		sim_zone_grow(s, ev, true);
	else if (ev->op == PS_OP_PROC && p->kworkers && g_str_has_prefix(ev->comm, "kworker/"))
		g_hash_table_add(p->kworkers, GINT_TO_POINTER(ev->pid));
	if (ev->op == PS_OP_ALLOC || ev->op == PS_OP_FREE || ev->op == PS_OP_OBSERVED)
		note_context(p, ev);
	return 0;
}

/* ---- the idle vmstat passes after the last record (--settle) ------------------------------ */

/* A block on a pcp list: its list (order_to_pindex) and when it went on it. */
typedef struct {
	uint32_t seq;
	ps_pfn_t pfn;
	uint8_t order;
	uint8_t pindex;
} PcpBlock;

static gint pcp_block_cmp(gconstpointer a, gconstpointer b)
{
	const PcpBlock *x = a, *y = b;

	if (x->pindex != y->pindex)
		return x->pindex < y->pindex ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * free_pcppages_bulk(zone, n, pcp, 0): list 0 first, each list from its tail (frees go to the
 * head, so the block that has been on it longest) until it is empty or n pages are gone, then
 * the next list. The list is the block's pageblock type now (free_frozen_pages read it at the
 * free; the types seldom change after) and its order. Returns the pages drained.
 */
static int settle_drain(Pin *p, int cpu, PsZone *z, int n)
{
	PsMachine *m = p->m;
	g_autoptr(GArray) blocks = g_array_new(FALSE, FALSE, sizeof(PcpBlock));
	ps_pfn_t lo = MAX(z->start_pfn, m->map.base_pfn),
		 hi = MIN(ps_zone_end_pfn(z), m->map.end_pfn);
	int drained = 0;

	for (ps_pfn_t q = lo; q < hi; q++) {
		uint64_t i = q - m->map.base_pfn;
		enum ps_migratetype mt;
		PcpBlock b;

		if (!p->pcp_seq[i] || p->pcp_cpu[i] != cpu || !pcp_test(p, q))
			continue;
		mt = ps_pageblock_mt(m, q);
		if (mt >= PS_MT_PCPTYPES)
			mt = PS_MT_MOVABLE; /* free_frozen_pages: HighAtomic goes to the Movable
					       list */
		b.seq = p->pcp_seq[i];
		b.pfn = q;
		b.order = p->pcp_order[i];
		b.pindex = (uint8_t)ps_pcp_list_index(m, b.order, mt);
		g_array_append_val(blocks, b);
	}
	g_array_sort(blocks, pcp_block_cmp);
	for (guint k = 0; k < blocks->len && drained < n; k++) {
		const PcpBlock *b = &g_array_index(blocks, PcpBlock, k);

		give_back(p, z, b->pfn, b->order);
		drained += 1 << b->order;
	}
	return drained;
}

/*
 * One vmstat_update on cpu (mm/vmstat.c refresh_cpu_vm_stats(true), read in AMDESE/linux-mm's
 * 6.17-era tree; 6.18 is the same): per zone, folding a counter the cpu changed sets the list's
 * expire to 3; decay_pcp_high (mm/page_alloc.c) lowers high to max(count - (batch <<
 * PCP_BATCH_SCALE_MAX), high - high/8, high_min) while it is above high_min and drains the
 * list down to it; then a remote zone's list with pages counts expire down and, at 0, gives
 * min(count, batch) pages back (drain_zone_pages); a local one's expire is cleared. Each drain
 * changes NR_FREE_PAGES on this cpu, so the next pass sets expire to 3 again: drain_zone_pages
 * comes only after three passes that drained nothing (lab-numa-settle: none in 10 s).
 * The kernel's count is the replay's plus the pages after.zoneinfo showed it does not know
 * (unknown); the drains take the replay's own oldest pages (see settle_observe). A list on
 * which after.zoneinfo showed the dump's processes freeing (free_drain) is at count == high
 * after the pass drained, so their next free drains it again (free_frozen_page_commit:
 * count >= high, nr_pcp_free = clamp(free_count, batch, high - batch), free_count as that
 * drain showed it: it only halves on an allocation from the list, rmqueue_pcplist; read in the
 * same tree).
 */
static void settle_pass(Pin *p, int cpu)
{
	PsMachine *m = p->m;

	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];
		PinPcp *pc = &p->pcps[cpu * m->nr_zones + i];
		int batch, high_min, count, n;

		if (!z->pcp || cpu >= m->nr_cpus)
			continue;
		batch = z->pcp[cpu].batch ? z->pcp[cpu].batch : z->pageset_batch;
		high_min = z->pcp[cpu].high_min ? z->pcp[cpu].high_min : z->pageset_high_min;
		count = pc->count + pc->unknown;
		if (pc->dirty) {
			pc->expire = 3;
			pc->dirty = false;
		}
		if (pc->high > high_min)
			pc->high = ps_pcp_decayed_high(m, count, pc->high, batch, high_min);
		if (count > pc->high) {
			n = settle_drain(p, cpu, z, count - pc->high);
			p->settle_pages[z->node] += (uint64_t)n;
			if (pc->free_drain && pc->high >= batch) {
				n = settle_drain(p, cpu, z,
						 CLAMP(pc->free_drain, batch, pc->high - batch));
				p->free_path_pages[z->node] += (uint64_t)n;
			}
			count = pc->count + pc->unknown;
		}
		if (!pc->expire || !count)
			continue;
		if (z->node == m->spec.cpu_node[cpu]) {
			pc->expire = 0;
			continue;
		}
		if (--pc->expire)
			continue;
		p->settle_pages[z->node] += (uint64_t)settle_drain(p, cpu, z, MIN(count, batch));
	}
}

/* NAME.kpageflags[.gz] -> the first number of NAME.uptime (/proc/uptime), in seconds. */
static gboolean dump_uptime(const char *kpageflags, double *out, GError **error)
{
	static const char *const sfx[] = {".kpageflags.gz", ".kpageflags"};
	g_autofree char *base = NULL, *path = NULL, *text = NULL;
	char *end;

	for (size_t i = 0; i < G_N_ELEMENTS(sfx) && !base; i++)
		if (g_str_has_suffix(kpageflags, sfx[i]))
			base = g_strndup(kpageflags, strlen(kpageflags) - strlen(sfx[i]));
	if (!base) {
		g_set_error(
		    error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		    "--settle auto: %s is not named NAME.kpageflags[.gz], so its NAME.uptime "
		    "is not known",
		    kpageflags);
		return FALSE;
	}
	path = g_strconcat(base, ".uptime", NULL);
	if (!g_file_get_contents(path, &text, NULL, error)) {
		g_prefix_error(error, "--settle auto needs the dump's uptime: ");
		return FALSE;
	}
	*out = g_ascii_strtod(text, &end);
	if (end == text || !(*out >= 0) || *out > 1e9) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "--settle auto: %s does not start with /proc/uptime's seconds", path);
		return FALSE;
	}
	return TRUE;
}

/*
 * --settle auto: when the after dump was read, from the recording. Each dump's NAME.uptime is
 * read just before its kpageflags (the qemu lab's snap.sh: uptime, then dd), so the in-trace
 * dump (--compare-at pid:N) gives the trace clock's offset (its process's first record minus
 * its uptime) and the read's length (its first to last record); the after dump starts at its
 * uptime plus that offset and lasts as long. Returns the end, on the trace clock.
 */
static gboolean settle_auto(PsSim *s, Pin *p, uint64_t *until, GError **error)
{
	double at_up, after_up, start;

	if (s->opts.compare_at_pid <= 0 || !s->opts.compare_at_kpageflags ||
	    !s->opts.after_kpageflags) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "--settle auto needs --compare-at pid:N=KPAGEFLAGS (a dump read during "
			    "the trace) and --compare-after");
		return FALSE;
	}
	if (!p->at_seen) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "--settle auto: no record of pid %d, the in-trace dump's reader",
			    s->opts.compare_at_pid);
		return FALSE;
	}
	if (!dump_uptime(s->opts.compare_at_kpageflags, &at_up, error) ||
	    !dump_uptime(s->opts.after_kpageflags, &after_up, error))
		return FALSE;
	start = (double)p->at_first_ns / 1e9 + (after_up - at_up);
	if (start < (double)p->t_end / 1e9) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "--settle auto: the after dump would start at %.3f s, before the last "
			    "record (%.3f s): its uptime is not later than the in-trace dump's by "
			    "the trace's length",
			    start, (double)p->t_end / 1e9);
		return FALSE;
	}
	p->dump_start_s = start;
	p->dump_end_s = start + (double)(p->at_last_ns - p->at_first_ns) / 1e9;
	*until = (uint64_t)(p->dump_end_s * 1e9 + 0.5);
	return TRUE;
}

/*
 * --settle auto: the pcp lists as after.zoneinfo shows them, read by the after dump's first cat
 * shortly before its kpageflags read (snap.sh): each cpu's count and high per zone. A list the
 * replay holds more pages on than zoneinfo's count, by more than the dump's processes allocate
 * before that read (settle_note_dump; an allocation takes the list's newest pages), was
 * drained meanwhile with no record, from its tail (free_pcppages_bulk; realdata 4k-numa: cpu
 * 0's node-1 list at count 20,899 under high 22,911, the replay's at 22,212): the replay gives
 * back its oldest pages (settle_drain's order). How many: where the list's last record was the
 * vmstat pass's drain (decay_pcp_high leaves count == high) and no pass of that cpu was due
 * before the dump, the kernel's count was zoneinfo's high then, and it lost high - count; that
 * was a free-path drain by the dump's own processes (free_frozen_page_commit; high as
 * after.zoneinfo shows it, unchanged, though nr_pcp_high may lower it under ZONE_BELOW_HIGH
 * or raise it to free_count + batch at count >= high), and its size is nr_pcp_free (free_drain,
 * used again after a pass: settle_pass). Else the list is drained to zoneinfo's count. The replay's
 * list lacks pages the kernel's holds (on it since before the trace, or put there by something no
 * record shows: realdata 4k-numa, 699 on that list at its last traced pass, 22,911 - 22,212); they
 * are taken as newer than those drained, which the dump bears out there (every page it shows
 * given back is one the replay held on the list) and are kept as `unknown` for the passes'
 * arithmetic. Every list's high is set to zoneinfo's. Simplifications: the passes that fall
 * between the zoneinfo read and the dump's start (the other cats, ~30 ms at mid) are not run;
 * a free-path drain starts at the freed page's list (free_pcppages_bulk's pindex), here at list
 * 0 as decay_pcp_high's does. A dump without a NAME.zoneinfo beside it is compared with the
 * lists as the records left them (the report says so).
 */
static gboolean settle_observe(PsSim *s, Pin *p, GError **error)
{
	PsMachine *m = s->m;
	const char *after = s->opts.after_kpageflags;
	g_autofree char *dir = g_path_get_dirname(after);
	g_autofree char *path = ps_snapshot_sibling(after, dir, "zoneinfo");
	g_autofree char *text = NULL;
	g_autoptr(PsZoneinfo) zi = NULL;
	uint64_t iv = MAX(m->sysctl.stat_interval_ns, 1);
	uint64_t start = (uint64_t)(p->dump_start_s * 1e9 + 0.5);

	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		g_string_append_printf(s->report,
				       "no %s: the pcp lists as the records left them (--settle "
				       "auto)\n",
				       path);
		return TRUE;
	}
	if (p->cpu_alloc && !p->dump_known) {
		g_string_append_printf(
		    s->report,
		    "%s read, but the dump's processes were not recognised (no "
		    "`sh` then two `cat` records before pid %d, as the lab's "
		    "snap.sh makes): the pcp lists are not set from it (--settle "
		    "auto)\n",
		    path, s->opts.compare_at_pid);
		return TRUE;
	}
	zi = ps_zoneinfo_parse(text, path, error);
	if (!zi)
		return FALSE;
	p->zoneinfo_seen = true;
	g_string_append_printf(s->report, "pcp lists set from %s (--settle auto):\n", path);
	for (int c = 0; c < p->nr_cpus && c < m->nr_cpus; c++) {
		int64_t allowed = p->cpu_alloc ? (int64_t)(p->zi_alloc[c] - p->sh_alloc[c]) : 0;
		uint64_t t = p->last_pass_ns[c];
		/* the cpu's first grid point after its last traced pass comes after the dump */
		bool no_pass = t + iv > start;

		for (int i = 0; i < m->nr_zones; i++) {
			PsZone *z = &m->zones[i];
			PinPcp *pc = &p->pcps[c * m->nr_zones + i];
			const PsZoneinfoZone *zz = ps_zoneinfo_find(zi, z->node, z->type);
			int kc, kh, before = pc->count, n = 0;

			if (!z->pcp || !zz || c >= zz->nr_pagesets || zz->pagesets[c].count < 0 ||
			    zz->pagesets[c].high < 0)
				continue;
			kc = zz->pagesets[c].count;
			kh = zz->pagesets[c].high;
			if ((int64_t)pc->count - kc > allowed) {
				bool at_pass = pc->in_drain && pc->decay_run && no_pass && kh > kc;

				n = at_pass ? kh - kc : pc->count - kc;
				pc->free_drain = at_pass ? kh - kc : 0;
				n = settle_drain(p, c, z, MIN(n, pc->count));
				p->observed_pages[z->node] += (uint64_t)n;
			}
			pc->unknown = MAX(kc - pc->count, 0);
			pc->high = kh;
			if (before || kc)
				g_string_append_printf(
				    s->report,
				    "  cpu %d node %d %s: zoneinfo count %d high %d, "
				    "replay %d; the dump's allocations before it "
				    "%" G_GINT64_FORMAT "; drained %d%s\n",
				    c, z->node, ps_zone_names[z->type], kc, kh, before, allowed, n,
				    pc->free_drain ? " (a free-path drain)" : "");
		}
	}
	return TRUE;
}

/*
 * --settle SECONDS: the machine idles after the last record until a dump read that long
 * after it (the lab's `after`, read once tracing stopped), and each cpu's vmstat_update runs
 * every stat_interval in the meantime, on the phase of its last pass the records show (a drain
 * by the vmstat worker, a kworker) or else from the trace's start: it re-arms itself with
 * round_jiffies_relative(HZ) while a pass finds work (a traced pass ran on a whole-second
 * jiffy, so the next is due HZ later). Simplification: the kernel's work is deferrable, so on
 * an idle cpu a pass waits for the next wakeup (lab-numa-settle: 0.8-1.8 s apart) and may come
 * after a grid point the model counts; SECONDS, given by the user, sets how many grid points
 * fall before the dump, not when each pass ran; the dump's own processes' frees are not
 * modelled. `--settle auto` derives the dump's read from the recording instead (settle_auto),
 * sets the lists from after.zoneinfo (settle_observe: the free-path drains before it) and runs
 * the passes due during the read, each followed by the free-path drain zoneinfo showed.
 */
static gboolean settle_passes(PsSim *s, Pin *p, GError **error)
{
	uint64_t iv = MAX(s->m->sysctl.stat_interval_ns, 1), until = p->t_end + s->opts.settle_ns;
	uint64_t from = p->t_end;

	if (s->opts.settle_auto) {
		if (!settle_auto(s, p, &until, error) || !settle_observe(s, p, error))
			return FALSE;
		if (p->zoneinfo_seen)
			from = MAX(from, (uint64_t)(p->dump_start_s * 1e9 + 0.5));
	}
	p->settle_ns = until - p->t_end;
	for (int c = 0; c < p->nr_cpus; c++) {
		uint64_t t = p->last_pass_ns[c];

		t += (from - MIN(t, from)) / iv * iv + iv;
		for (; t <= until; t += iv) {
			settle_pass(p, c);
			p->settle_passes++;
		}
	}
	if (s->opts.settle_auto)
		g_string_append_printf(s->report,
				       "after dump read %.3f-%.3f s on the trace clock (--settle "
				       "auto: its uptime, the in-trace dump's offset and length)\n",
				       p->dump_start_s, p->dump_end_s);
	g_string_append_printf(
	    s->report,
	    "idle vmstat passes after the last record (--settle %.3f s): %" G_GUINT64_FORMAT
	    " over %d cpus; pages drained:",
	    (double)p->settle_ns / 1e9, p->settle_passes, p->nr_cpus);
	for (int n = 0; n < s->m->spec.nr_nodes; n++)
		g_string_append_printf(s->report, " node %d %" G_GUINT64_FORMAT, n,
				       p->settle_pages[n]);
	if (p->zoneinfo_seen) {
		g_string_append_printf(s->report, "; to after.zoneinfo's counts:");
		for (int n = 0; n < s->m->spec.nr_nodes; n++)
			g_string_append_printf(s->report, " node %d %" G_GUINT64_FORMAT, n,
					       p->observed_pages[n]);
		g_string_append_printf(s->report, "; free-path drains after a pass:");
		for (int n = 0; n < s->m->spec.nr_nodes; n++)
			g_string_append_printf(s->report, " node %d %" G_GUINT64_FORMAT, n,
					       p->free_path_pages[n]);
	}
	g_string_append_c(s->report, '\n');
	return TRUE;
}

/* The end is the last record, sampled even when a tick just sampled it; then the checks. */
static gboolean pinned_finish(PsSim *s, GError **error)
{
	Pin *p = s->pin;

	sim_sample(s, MAX(p->t_end, s->last_sample));
	s->report = g_string_new(NULL);
	ps_snapshot_format(s->snap, s->report);
	g_string_append_printf(
	    s->report,
	    "pinned replay: %" G_GUINT64_FORMAT " records; anomalies:", s->totals.events);
	for (int i = 0; i < PIN_NR_ANOMALIES; i++)
		g_string_append_printf(s->report, " %s %" G_GUINT64_FORMAT, pin_anomaly_names[i],
				       p->anomalies[i]);
	g_string_append_printf(s->report, "\n");
	if (p->passed_over_pages || p->drain_retypes)
		g_string_append_printf(
		    s->report,
		    "  pages never named on lists a zone_locked passed over, taken "
		    "as allocated before the trace: %" G_GUINT64_FORMAT
		    "; pageblocks retyped by a drain: %" G_GUINT64_FORMAT "\n",
		    p->passed_over_pages, p->drain_retypes);
	if (s->opts.compare_at_kpageflags && !compare_at(s, p, error))
		return FALSE;
	if (p->pcps && !settle_passes(s, p, error))
		return FALSE;
	/*
	 * The passes drained pages after the last record: the timeline's last row is then at the
	 * dump's modelled time, after them, so that it and the final /proc files agree.
	 */
	if (p->pcps && p->settle_ns)
		sim_sample(s, MAX(p->t_end + p->settle_ns, s->last_sample));
	if (s->opts.after_kpageflags) {
		p->compare_after = cJSON_CreateObject();
		if (!compare_after(p, s->opts.after_kpageflags, s->opts.trace_cache_dir,
				   p->compare_after, s->report, error))
			return FALSE;
	}
	if (!ps_machine_check(s->m, error)) {
		g_prefix_error(error, "invariant broken at the end of the pinned replay: ");
		return FALSE;
	}
	return TRUE;
}

static cJSON *pinned_summary(PsSim *s)
{
	Pin *p = s->pin;
	cJSON *root = cJSON_CreateObject(), *o;
	uint64_t all[PS_MAX_NODES];

	cJSON_AddStringToObject(root, "pagesim_summary", "1");
	cJSON_AddStringToObject(root, "mode", "pinned");
	o = cJSON_AddObjectToObject(root, "trace");
	cJSON_AddStringToObject(o, "path", s->trace_path);
	cJSON_AddStringToObject(o, "source", s->hdr.source);
	cJSON_AddNumberToObject(o, "cpus", s->hdr.cpus);
	o = cJSON_AddObjectToObject(root, "totals");
	cJSON_AddNumberToObject(o, "events", (double)s->totals.events);
	cJSON_AddNumberToObject(o, "end_ns", (double)p->t_end);
	for (int i = 0; i < PS_NR_TRACE_OPS; i++)
		if (p->by_op[i])
			cJSON_AddNumberToObject(o, ps_trace_op_names[i], (double)p->by_op[i]);
	for (int i = 0; i < PS_NR_OBSERVED_EVENTS; i++)
		if (p->by_obs[i])
			cJSON_AddNumberToObject(o, ps_observed_event_names[i],
						(double)p->by_obs[i]);
	cJSON_AddNumberToObject(o, "pages_taken_from_buddy", (double)p->pages_taken);
	cJSON_AddNumberToObject(o, "pages_returned_to_buddy", (double)p->pages_returned);
	cJSON_AddNumberToObject(o, "pcp_pages_at_end", (double)p->pcp_pages);
	cJSON_AddNumberToObject(o, "claims", (double)p->claims);
	cJSON_AddNumberToObject(o, "pages_taken_where_zone_locked_passed_over",
				(double)p->passed_over_pages);
	cJSON_AddNumberToObject(o, "pageblocks_retyped_by_drains", (double)p->drain_retypes);
	cJSON_AddNumberToObject(o, "zone_locked_at_free_list_head", (double)p->zl_at_head);
	cJSON_AddNumberToObject(o, "zone_locked_not_at_free_list_head", (double)p->zl_not_at_head);
	cJSON_AddNumberToObject(o, "compaction_pages_isolated", (double)p->isolated_pages);
	cJSON_AddNumberToObject(o, "interrupt_frees_pcp_locked",
				(double)(p->irq_frees_to_buddy - p->irq_frees_undone));
	cJSON_AddNumberToObject(o, "interrupt_frees_taken_back", (double)p->irq_frees_undone);
	if (s->zone_grows || s->zone_grow_refused) {
		cJSON *g = cJSON_AddObjectToObject(o, "zone_growth");

		cJSON_AddNumberToObject(g, "records", (double)s->zone_grows);
		cJSON_AddNumberToObject(g, "pages", (double)s->zone_grow_pages);
		cJSON_AddNumberToObject(g, "refused", (double)s->zone_grow_refused);
	}
	o = cJSON_AddObjectToObject(root, "anomalies");
	for (int i = 0; i < PIN_NR_ANOMALIES; i++)
		cJSON_AddNumberToObject(o, pin_anomaly_names[i], (double)p->anomalies[i]);
	cJSON_AddItemToObject(root, "snapshot", ps_snapshot_to_json(s->snap, s->m));
	if (p->compare_at)
		cJSON_AddItemToObject(root, "compare_at", g_steal_pointer(&p->compare_at));
	if (p->compare_after)
		cJSON_AddItemToObject(root, "compare_after", g_steal_pointer(&p->compare_after));
	if (p->pcps) {
		o = cJSON_AddObjectToObject(root, "settle");
		cJSON_AddNumberToObject(o, "seconds", (double)p->settle_ns / 1e9);
		cJSON_AddNumberToObject(o, "passes", (double)p->settle_passes);
		for (int n = 0; n < s->m->spec.nr_nodes; n++)
			all[n] = p->settle_pages[n] + p->observed_pages[n] + p->free_path_pages[n];
		add_u64_array(o, "pages_drained_by_node", all, (unsigned)s->m->spec.nr_nodes);
		if (s->opts.settle_auto) {
			cJSON_AddBoolToObject(o, "auto", true);
			cJSON_AddNumberToObject(o, "dump_start_s", p->dump_start_s);
			cJSON_AddNumberToObject(o, "dump_end_s", p->dump_end_s);
			cJSON_AddBoolToObject(o, "after_zoneinfo", p->zoneinfo_seen);
			add_u64_array(o, "pages_drained_by_passes_by_node", p->settle_pages,
				      (unsigned)s->m->spec.nr_nodes);
			add_u64_array(o, "pages_drained_to_zoneinfo_by_node", p->observed_pages,
				      (unsigned)s->m->spec.nr_nodes);
			add_u64_array(o, "pages_drained_by_free_path_by_node", p->free_path_pages,
				      (unsigned)s->m->spec.nr_nodes);
		}
	}
	return root;
}

static void pinned_free(PsSim *s)
{
	Pin *p = g_steal_pointer(&s->pin);

	if (!p)
		return;
	g_free(p->on_pcp);
	for (int i = 0; i < p->nr_cpus && p->cpus; i++)
		g_array_unref(p->cpus[i].run);
	g_free(p->cpus);
	g_free(p->cut_free);
	g_free(p->cut_pcp);
	g_free(p->cut_on_pcp);
	g_free(p->cut_buddy);
	g_free(p->named);
	g_free(p->seen);
	g_free(p->named_mt);
	g_free(p->irq_run);
	g_clear_pointer(&p->proven_runs, g_hash_table_unref);
	cJSON_Delete(p->compare_at);
	g_clear_pointer(&p->ids, g_hash_table_unref);
	cJSON_Delete(p->compare_after);
	g_free(p->pcps);
	g_free(p->pcp_cpu);
	g_free(p->pcp_order);
	g_free(p->pcp_seq);
	g_free(p->cpu_alloc);
	g_free(p->sh_alloc);
	g_free(p->zi_alloc);
	g_clear_pointer(&p->kworkers, g_hash_table_unref);
	g_free(p->last_pass_ns);
	g_free(p);
}

const SimPlacement sim_placement_pinned = {
    .name = "pinned",
    .model = false,
    .report_name = "pinned.txt",
    .start = pinned_start,
    .exec = pinned_exec,
    .finish = pinned_finish,
    .summary = pinned_summary,
    .free = pinned_free,
};

gboolean ps_pinned_run(const PsConfig *cfg, const PsRunOptions *opts, const char *trace_path,
		       const char *kpageflags, const char *proc_dir, const char *after_kpageflags,
		       GError **error)
{
	PsRunOptions o = *opts;
	g_autoptr(PsSim) s = NULL;

	if (!kpageflags)
		return no_snapshot(error);
	o.pinned = true;
	o.after_kpageflags = after_kpageflags;
	s = ps_sim_new(cfg, &o, error);
	return s && ps_sim_load_snapshot(s, kpageflags, proc_dir, error) &&
	       ps_sim_run(s, trace_path, error);
}
