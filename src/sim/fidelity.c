// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fidelity.c - how far the model's own decisions are from what the kernel did on the same trace:
 * allocator-internal counters produced by the simulation (PsMmHooks and the machine's counters)
 * next to the same counters read from the recording's `observed` records.
 *
 * Counters and how each side is measured (both sides the same way where the kernel allows):
 *   pcp_refills          observed: the kernel has no tracepoint for a refill, only one
 *                        mm_page_alloc_zone_locked per block taken (percpu_refill=1); a refill
 *                        is a run of such records on one cpu, same order and migratetype, with
 *                        no other record of that cpu in between. sim: the rmqueue_bulk calls
 *                        the zone_locked hook told at least one block of (m->pcp_refilling
 *                        marks the calls of one refill), not every rmqueue_bulk call
 *                        (m->pcp_refills_total): a refill whose blocks were all claimed whole
 *                        or stolen by a fallback, or that found nothing, leaves no zone_locked
 *                        record in the kernel, so its row cannot count it (ftrace-press-slab:
 *                        11 of 890 calls, 8 of them empty). A percpu_refill call outside a
 *                        refill (an order the pcp lists hold, taken from the buddy directly)
 *                        counts as one, as its lone record would in the kernel's row.
 *   pcp_refill_pages     base pages of those blocks. sim: the same blocks, told by the
 *                        zone_locked hook at the same point (the sum of refill_pages_MT), not
 *                        every page rmqueue_bulk took: a block try_to_claim_block takes whole
 *                        (fallback order >= pageblock_order) comes without a zone_locked record
 *                        in the kernel too. In the lab's 6.18 traces each order-9 refill of the
 *                        readahead (lab-numa-policies) is one zone_locked block and one claimed
 *                        one (mm_page_alloc_extfrag pfn 0x44000 at 3.1488 s in zrm1), both
 *                        allocated; counting the claimed 512 pages on the model's side only
 *                        made zrm1's row 88,518 / 69,670 (1.271) where the blocks both sides
 *                        show give 85,433 (1.226).
 *   refill_pages_MT      per pcp migratetype: pages of mm_page_alloc_zone_locked with
 *                        percpu_refill=1 of that type (both sides from the same point of
 *                        __rmqueue_smallest, so a claimed block's first page counts on neither).
 *                        Which pcp lists the traffic went through: frees land on the list of
 *                        their pageblock's type, so this shows the snapshot's pageblock typing.
 *   direct_buddy_allocs  zone_locked with percpu_refill=0 (the tracepoint's definition: order
 *                        not held by pcp lists or highatomic; both sides from the same hook).
 *   pcp_drains           free_pcppages_bulk calls. observed: a run of mm_page_pcpu_drain records
 *                        on one cpu with nothing else of that cpu in between (the importer puts
 *                        a batch-freed page's free at its commit, between the drains the
 *                        commits cause: free_high drains them one commit at a time). sim: a run of
 *                        pcpu_drain hook calls with no allocation or free in between (the hook
 *                        does not name the cpu, so drain_all_pages over both cpus counts once).
 *   pcp_drain_pages      base pages of the drained blocks; drain_pages_MT per list type.
 *   fallbacks            mm_page_alloc_extfrag; fragmenting_fallbacks: fallback_order below
 *                        pageblock order.
 *   watermark_boosts     boost_watermark calls that returned true (per zone in summary.json's
 *                        zones). Read from mm/page_alloc.c of 6.15+ (find_string found
 *                        __rmqueue_claim / try_to_claim_block / __rmqueue_steal; the 6.14 tree
 *                        AOSC-Tracking/ubuntu-kernel-next-linux still has steal_suitable_fallback):
 *                        try_to_claim_block boosts before it decides, for every claim attempt
 *                        below pageblock order; __rmqueue_claim emits mm_page_alloc_extfrag only
 *                        when the claim succeeded (fragmenting=1, change_ownership=1: the block
 *                        now has the wanted type); a failed claim (free + alike pages below half
 *                        a block, or a block across the zone's end) boosts with no record and the
 *                        scan goes on at lower orders; __rmqueue_steal never boosts, and after a
 *                        steal rmqueue_bulk's remembered mode skips the claim stage, so a steal's
 *                        record says nothing of how many claims failed before it. boost_watermark
 *                        returns false when watermark_boost_factor is 0, when the zone manages
 *                        fewer than four pageblocks (the 64K lab: 16,187 pages against 4 x 8,192;
 *                        its one fragmenting claim did not boost) or when the factor's share of
 *                        high is 0, and true also when the boost already sits at max_boost.
 *                        observed: those claim records in a zone that passes the three checks
 *                        (the model's zone of the pfn, its managed pages and high watermark at
 *                        that moment, which follow the recording's config and growth records):
 *                        a lower bound, as the source says. sim: every call that returned true
 *                        (z->watermark_boosts summed), so a ratio above 1 may be the failed
 *                        claims the kernel's row cannot show; boosting_claims is the part both
 *                        sides count alike. /proc/zoneinfo prints the boost ("boost"): a mid
 *                        zoneinfo bounds it from below too (boost / pageblock pages since kswapd
 *                        last cleared it); no pressure recording has one.
 *   boosting_claims      claims below pageblock order in a zone boost_watermark accepts: observed
 *                        as watermark_boosts, sim from the model's extfrag hook by the same
 *                        test. Exact on both sides.
 *   compaction_runs      compact_zone runs past the suitability check, one per zone: observed
 *                        mm_compaction_begin (every context: direct, kcompactd, the sysctl),
 *                        sim the same point of its compact_zone.
 *   compaction_contended those runs that ended COMPACT_CONTENDED (observed: mm_compaction_end's
 *                        status; sim: compact_zone's result).
 *   pages_migrated       observed: nr_migrated of mm_compaction_migratepages; sim:
 *                        pgmigrate_success (the model migrates for compaction only).
 *   kswapd_wakes         observed: mm_vmscan_kswapd_wake; sim: pageoutrun (balance_pgdat runs).
 *   direct_reclaims      observed: mm_vmscan_direct_reclaim_begin; sim: try_to_free_pages calls
 *                        (not allocstall: the kernel counts that once per pass of
 *                        do_try_to_free_pages, twice for a call that reclaimed nothing).
 *   compaction_migrate_starts, compaction_free_starts  only when the recording's
 *                        mm_compaction_begin records carry the scanners' starts (imports
 *                        since Dec 2026): observed is the number of such runs; simulated, of
 *                        those, the ones the model's run of the same rank in the same zone (its
 *                        k-th compact_zone run there against the kernel's k-th begin with that
 *                        zone_start) started its migrate (free) scanner at the same pfn. A
 *                        ratio of 1 is every paired run starting where the kernel's did; a
 *                        kernel run the model never made counts as a mismatch. Where the model
 *                        starts is compact_zone's cached positions (events.jsonl's compact_zone
 *                        migrate_start_pfn and free_start_pfn), so this shows the resume state
 *                        compaction carries from run to run. A report, not a behaviour.
 * Counters with no tracepoint of their own come from the recording's /proc/vmstat, read just
 * before tracing started and just after it stopped (--proc DIR: PREFIXvmstat beside the
 * snapshot's PREFIXkpageflags, and the same file with "before" replaced by "after"); observed is
 * after - before of the kernel's counter, sim the model's counter of the same name:
 *   pgsteal_kswapd, pgsteal_direct (pages reclaimed), allocstall (allocstall_* summed),
 *   compact_stall, compact_success, compact_fail, pgmigrate_success, thp_fault_alloc,
 *   thp_fault_fallback, pageoutrun, oom_kill; the writeback of page cache: nr_dirtied,
 *   nr_written, nr_vmscan_immediate_reclaim (dirty folios reclaim met and marked PG_reclaim),
 *   pgrotated (marked folios rotated at their writeback's end); and zone_statistics' NUMA
 *   events (numa_hit, numa_miss, numa_foreign, numa_interleave, numa_local, numa_other: the
 *   model's per-zone counters summed, as /proc/vmstat sums the zones).
 * The delta spans the two vmstat reads, which bracket the kpageflags reads and the trace: a few
 * seconds more than the trace on a busy machine (pagesim-capture's SNAPSHOTS says how long).
 * Every row names its source ("tracepoint:NAME" or "vmstat:NAME"). The ratio is simulated /
 * observed (null when nothing was observed).
 */
#include "sim/sim-private.h"

/* The tracepoint each observed side is counted from. */
static const char *const fid_sources[FID_NR] = {
    [FID_PCP_REFILLS] = "tracepoint:mm_page_alloc_zone_locked",
    [FID_PCP_REFILL_PAGES] = "tracepoint:mm_page_alloc_zone_locked",
    [FID_REFILL_PAGES_MT + PS_MT_UNMOVABLE] = "tracepoint:mm_page_alloc_zone_locked",
    [FID_REFILL_PAGES_MT + PS_MT_MOVABLE] = "tracepoint:mm_page_alloc_zone_locked",
    [FID_REFILL_PAGES_MT + PS_MT_RECLAIMABLE] = "tracepoint:mm_page_alloc_zone_locked",
    [FID_DIRECT_BUDDY] = "tracepoint:mm_page_alloc_zone_locked",
    [FID_PCP_DRAINS] = "tracepoint:mm_page_pcpu_drain",
    [FID_PCP_DRAIN_PAGES] = "tracepoint:mm_page_pcpu_drain",
    [FID_DRAIN_PAGES_MT + PS_MT_UNMOVABLE] = "tracepoint:mm_page_pcpu_drain",
    [FID_DRAIN_PAGES_MT + PS_MT_MOVABLE] = "tracepoint:mm_page_pcpu_drain",
    [FID_DRAIN_PAGES_MT + PS_MT_RECLAIMABLE] = "tracepoint:mm_page_pcpu_drain",
    [FID_FALLBACKS] = "tracepoint:mm_page_alloc_extfrag",
    [FID_FRAGMENTING] = "tracepoint:mm_page_alloc_extfrag",
    [FID_BOOSTS] = "tracepoint:mm_page_alloc_extfrag (lower bound: successful claims below "
		   "pageblock order; a failed claim boosts with no record)",
    [FID_BOOSTING_CLAIMS] = "tracepoint:mm_page_alloc_extfrag",
    [FID_COMPACTION_RUNS] = "tracepoint:mm_compaction_begin",
    [FID_COMPACTION_CONTENDED] = "tracepoint:mm_compaction_end",
    [FID_PAGES_MIGRATED] = "tracepoint:mm_compaction_migratepages",
    [FID_KSWAPD_WAKES] = "tracepoint:mm_vmscan_kswapd_wake",
    [FID_DIRECT_RECLAIMS] = "tracepoint:mm_vmscan_direct_reclaim_begin",
};

enum { FID_ZONES = -1, FID_NODES = -2 };

/* Counters observed as a /proc/vmstat delta: the kernel's name, the model's event(s). */
static const struct {
	const char *name;
	/* enum ps_vm_event range summed on the model's side; last FID_ZONES: first is an enum
	 * ps_numa_stat item, summed over the zones; last FID_NODES: an enum ps_node_stat item,
	 * summed over the nodes */
	int first, last;
} vm_rows[] = {
    {"pgsteal_kswapd", PS_PGSTEAL_KSWAPD, PS_PGSTEAL_KSWAPD},
    {"pgsteal_direct", PS_PGSTEAL_DIRECT, PS_PGSTEAL_DIRECT},
    {"allocstall", PS_ALLOCSTALL_DMA, PS_ALLOCSTALL_DEVICE},
    {"compact_stall", PS_COMPACT_STALL, PS_COMPACT_STALL},
    {"compact_success", PS_COMPACT_SUCCESS, PS_COMPACT_SUCCESS},
    {"compact_fail", PS_COMPACT_FAIL, PS_COMPACT_FAIL},
    {"pgmigrate_success", PS_PGMIGRATE_SUCCESS, PS_PGMIGRATE_SUCCESS},
    {"thp_fault_alloc", PS_THP_FAULT_ALLOC, PS_THP_FAULT_ALLOC},
    {"thp_fault_fallback", PS_THP_FAULT_FALLBACK, PS_THP_FAULT_FALLBACK},
    {"pageoutrun", PS_PAGEOUTRUN, PS_PAGEOUTRUN},
    {"oom_kill", PS_OOM_KILL, PS_OOM_KILL},
    {"nr_dirtied", PS_NR_DIRTIED, FID_NODES},
    {"nr_written", PS_NR_WRITTEN, FID_NODES},
    {"nr_vmscan_immediate_reclaim", PS_NR_VMSCAN_IMMEDIATE_RECLAIM, FID_NODES},
    {"pgrotated", PS_PGROTATED, PS_PGROTATED},
    {"numa_hit", PS_NUMA_HIT, FID_ZONES},
    {"numa_miss", PS_NUMA_MISS, FID_ZONES},
    {"numa_foreign", PS_NUMA_FOREIGN, FID_ZONES},
    {"numa_interleave", PS_NUMA_INTERLEAVE_HIT, FID_ZONES},
    {"numa_local", PS_NUMA_LOCAL, FID_ZONES},
    {"numa_other", PS_NUMA_OTHER, FID_ZONES},
};
#define NR_VM_ROWS G_N_ELEMENTS(vm_rows)

static const char *const fid_names[FID_NR] = {
    [FID_PCP_REFILLS] = "pcp_refills",
    [FID_PCP_REFILL_PAGES] = "pcp_refill_pages",
    [FID_REFILL_PAGES_MT + PS_MT_UNMOVABLE] = "refill_pages_unmovable",
    [FID_REFILL_PAGES_MT + PS_MT_MOVABLE] = "refill_pages_movable",
    [FID_REFILL_PAGES_MT + PS_MT_RECLAIMABLE] = "refill_pages_reclaimable",
    [FID_DRAIN_PAGES_MT + PS_MT_UNMOVABLE] = "drain_pages_unmovable",
    [FID_DRAIN_PAGES_MT + PS_MT_MOVABLE] = "drain_pages_movable",
    [FID_DRAIN_PAGES_MT + PS_MT_RECLAIMABLE] = "drain_pages_reclaimable",
    [FID_DIRECT_BUDDY] = "direct_buddy_allocs",
    [FID_PCP_DRAINS] = "pcp_drains",
    [FID_PCP_DRAIN_PAGES] = "pcp_drain_pages",
    [FID_FALLBACKS] = "fallbacks",
    [FID_FRAGMENTING] = "fragmenting_fallbacks",
    [FID_BOOSTS] = "watermark_boosts",
    [FID_BOOSTING_CLAIMS] = "boosting_claims",
    [FID_COMPACTION_RUNS] = "compaction_runs",
    [FID_COMPACTION_CONTENDED] = "compaction_contended",
    [FID_PAGES_MIGRATED] = "pages_migrated",
    [FID_KSWAPD_WAKES] = "kswapd_wakes",
    [FID_DIRECT_RECLAIMS] = "direct_reclaims",
};

typedef PsFidelityCpuLast CpuLast;

/* One compact_zone start: the zone's first pfn and the two scanners' first pfns. */
typedef struct {
	uint64_t zone_start, migrate_pfn, free_pfn;
} FidStart;

struct PsFidelity {
	PsFidelityHead h; /* first, as ps_fidelity_note reads it */
	PsMachine *m;
	uint64_t sim[FID_NR];
	/*
	 * h.last: CpuLast by cpu of the recording (which may exceed the model's cpus), grown on
	 * demand. An array: every record of a trace looks its cpu up, and a hash table lookup was
	 * 4 % of a cached replay of a recording.
	 */
	uint64_t drain_stamp; /* machine activity at the last drain hook call */
	/* m->pcp_refills_total + 1 while the refill running then is counted; 0 after a state
	 * load (no refill runs between events) */
	uint64_t refill_counted;
	bool have_vmstat; /* vm_obs holds the recording's vmstat deltas */
	int64_t vm_obs[NR_VM_ROWS];
	/* FidStart of each mm_compaction_begin with positions, and of each model compact_zone
	 * run, in the order they came */
	GArray *kernel_starts, *model_starts;
};

static uint64_t activity(const PsMachine *m)
{
	uint64_t n = m->vm_events[PS_PGFREE] + m->pcp_refills_total;

	for (int t = 0; t < PS_MAX_NR_ZONES; t++)
		n += m->vm_events[PS_PGALLOC_DMA + t];
	return n;
}

static void hook_zone_locked(void *data, PsZone *z, unsigned order, enum ps_migratetype mt,
			     bool percpu_refill, unsigned nr)
{
	PsFidelity *f = data;

	if (!percpu_refill) {
		f->sim[FID_DIRECT_BUDDY] += nr;
		return;
	}
	if (!f->m->pcp_refilling || f->refill_counted != f->m->pcp_refills_total + 1) {
		f->sim[FID_PCP_REFILLS]++;
		f->refill_counted = f->m->pcp_refilling ? f->m->pcp_refills_total + 1 : 0;
	}
	if (mt < PS_MT_PCPTYPES)
		f->sim[FID_REFILL_PAGES_MT + mt] += (uint64_t)nr << order;
}

static void hook_pcpu_drain(void *data, PsZone *z, const uint64_t pages[PS_MT_TYPES])
{
	PsFidelity *f = data;
	uint64_t now = activity(f->m) + 1;

	if (now != f->drain_stamp)
		f->sim[FID_PCP_DRAINS]++;
	f->drain_stamp = now;
	for (int mt = 0; mt < PS_MT_TYPES; mt++) {
		f->sim[FID_PCP_DRAIN_PAGES] += pages[mt];
		if (mt < PS_MT_PCPTYPES)
			f->sim[FID_DRAIN_PAGES_MT + mt] += pages[mt];
	}
}

static void hook_extfrag(void *data, PsZone *z, ps_pfn_t pfn, unsigned order, unsigned fb_order,
			 enum ps_migratetype alloc_mt, enum ps_migratetype fb_mt, bool claimed)
{
	PsFidelity *f = data;

	f->sim[FID_FALLBACKS]++;
	if (fb_order < f->m->pageblock_order) {
		f->sim[FID_FRAGMENTING]++;
		f->sim[FID_BOOSTING_CLAIMS] += claimed && ps_zone_boostable(f->m, z);
	}
}

void ps_fidelity_state(PsFidelity *f, PsStateTable *t)
{
	uint64_t n = ps_state_count(t, "fid.last.n", f->h.last->len);

	g_array_set_size(f->h.last, (guint)n);
	ps_state_array(t, "fid.last", f->h.last->data, g_array_get_element_size(f->h.last) * n);
	/* (a restored state brings its runs: counted again) */
	f->h.open = 0;
	for (guint i = 0; i < f->h.last->len; i++)
		f->h.open += g_array_index(f->h.last, CpuLast, i).kind != 0;
	ps_state_array(t, "fid.sim", f->sim, sizeof(f->sim));
	ps_state_array(t, "fid.obs", f->h.obs, sizeof(f->h.obs));
	ps_state_array(t, "fid.observed_records", &f->h.observed_records,
		       sizeof(f->h.observed_records));
	ps_state_array(t, "fid.drain_stamp", &f->drain_stamp, sizeof(f->drain_stamp));
	f->refill_counted = 0;
	ps_state_array(t, "fid.have_vmstat", &f->have_vmstat, sizeof(f->have_vmstat));
	ps_state_array(t, "fid.vm_obs", f->vm_obs, sizeof(f->vm_obs));
	for (int i = 0; i < 2; i++) {
		GArray *a = i ? f->model_starts : f->kernel_starts;

		n = ps_state_count(t, i ? "fid.model_starts.n" : "fid.kernel_starts.n", a->len);
		g_array_set_size(a, (guint)n);
		ps_state_array(t, i ? "fid.model_starts" : "fid.kernel_starts", a->data,
			       sizeof(FidStart) * n);
	}
}

PsFidelity *ps_fidelity_new(PsMachine *m)
{
	PsFidelity *f = g_new0(PsFidelity, 1);
	PsMmHooks hooks = {
	    .data = f,
	    .extfrag = hook_extfrag,
	    .zone_locked = hook_zone_locked,
	    .pcpu_drain = hook_pcpu_drain,
	};

	f->m = m;
	f->h.last = g_array_new(FALSE, TRUE, sizeof(CpuLast));
	f->kernel_starts = g_array_new(FALSE, TRUE, sizeof(FidStart));
	f->model_starts = g_array_new(FALSE, TRUE, sizeof(FidStart));
	ps_machine_set_hooks(m, &hooks);
	return f;
}

void ps_fidelity_free(PsFidelity *f)
{
	if (!f)
		return;
	g_array_unref(f->h.last);
	g_array_unref(f->kernel_starts);
	g_array_unref(f->model_starts);
	g_free(f);
}

static CpuLast *cpu_last(PsFidelity *f, int cpu)
{
	if ((guint)cpu >= f->h.last->len)
		g_array_set_size(f->h.last, (guint)cpu + 1);
	return &g_array_index(f->h.last, CpuLast, cpu);
}

/* l's kind, with the count of open runs (h.open) ps_fidelity_note tests first */
static void set_kind(PsFidelity *f, CpuLast *l, int kind)
{
	if (l->kind && !kind)
		f->h.open--;
	else if (!l->kind && kind)
		f->h.open++;
	l->kind = kind;
}

void ps_fidelity_record(PsFidelity *f, const PsTraceEvent *ev)
{
	CpuLast *l;

	/* records without a cpu (proc, exit, ...) do not break a run */
	if (ev->cpu < 0)
		return;
	l = cpu_last(f, ev->cpu);
	if (ev->op != PS_OP_OBSERVED) {
		set_kind(f, l, 0);
		return;
	}
	f->h.observed_records++;
	switch (ev->event) {
	case PS_OBS_ZONE_LOCKED:
		if (ev->percpu_refill != 1) {
			f->h.obs[FID_DIRECT_BUDDY]++;
			set_kind(f, l, 0);
			break;
		}
		if (l->kind != 1 || l->order != ev->order || l->mt != ev->migratetype)
			f->h.obs[FID_PCP_REFILLS]++;
		ps_fidelity_refill_pages(&f->h, ev);
		set_kind(f, l, 1);
		l->order = ev->order;
		l->mt = ev->migratetype;
		break;
	case PS_OBS_PCPU_DRAIN:
		if (l->kind != 2)
			f->h.obs[FID_PCP_DRAINS]++;
		ps_fidelity_drain_pages(&f->h, ev);
		set_kind(f, l, 2);
		break;
	case PS_OBS_EXTFRAG:
		f->h.obs[FID_FALLBACKS]++;
		if (ev->fragmenting == 1) {
			const PsZone *z = ps_pfn_zone(f->m, ev->pfn);

			f->h.obs[FID_FRAGMENTING]++;
			if (ev->change_ownership == 1 && z && ps_zone_boostable(f->m, z)) {
				f->h.obs[FID_BOOSTS]++;
				f->h.obs[FID_BOOSTING_CLAIMS]++;
			}
		}
		/* a claim's refill continues after the extfrag record */
		break;
	case PS_OBS_COMPACTION_BEGIN:
		f->h.obs[FID_COMPACTION_RUNS]++;
		if (ev->compact.has_start) {
			FidStart st = {ev->compact.zone_start, ev->compact.migrate_pfn,
				       ev->compact.free_pfn};

			g_array_append_val(f->kernel_starts, st);
		}
		set_kind(f, l, 0);
		break;
	case PS_OBS_COMPACTION_END:
		f->h.obs[FID_COMPACTION_CONTENDED] += ev->value == PS_COMPACT_RES_CONTENDED + 1;
		set_kind(f, l, 0);
		break;
	case PS_OBS_COMPACTION_MIGRATEPAGES:
		f->h.obs[FID_PAGES_MIGRATED] += (uint64_t)MAX(ev->value, 0);
		set_kind(f, l, 0);
		break;
	case PS_OBS_KSWAPD_WAKE:
		f->h.obs[FID_KSWAPD_WAKES]++;
		set_kind(f, l, 0);
		break;
	case PS_OBS_DIRECT_RECLAIM_BEGIN:
		f->h.obs[FID_DIRECT_RECLAIMS]++;
		set_kind(f, l, 0);
		break;
	default:
		set_kind(f, l, 0);
		break;
	}
}

/* One vmstat file: NAME VALUE a line. Sums allocstall_* into "allocstall". */
static gboolean read_vmstat(const char *path, int64_t out[NR_VM_ROWS], GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, error))
		return FALSE;
	memset(out, 0, NR_VM_ROWS * sizeof(out[0]));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		g_auto(GStrv) kv = NULL;
		char *end = NULL;
		int64_t v;

		if (!lines[i][0])
			continue;
		kv = g_strsplit(lines[i], " ", 3);
		if (!kv[0] || !kv[1] || kv[2]) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "%s:%u: line: not \"NAME VALUE\"", path, i + 1);
			return FALSE;
		}
		v = g_ascii_strtoll(kv[1], &end, 10);
		if (end == kv[1] || *end) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "%s:%u: %s: not an integer", path, i + 1, kv[0]);
			return FALSE;
		}
		for (guint r = 0; r < NR_VM_ROWS; r++) {
			bool sum = !strcmp(vm_rows[r].name, "allocstall");

			if (sum ? g_str_has_prefix(kv[0], "allocstall_")
				: !strcmp(kv[0], vm_rows[r].name))
				out[r] += v;
		}
	}
	return TRUE;
}

gboolean ps_fidelity_read_vmstat(PsFidelity *f, const char *before, const char *after,
				 GError **error)
{
	int64_t b[NR_VM_ROWS], a[NR_VM_ROWS];

	if (!read_vmstat(before, b, error) || !read_vmstat(after, a, error))
		return FALSE;
	for (guint r = 0; r < NR_VM_ROWS; r++)
		f->vm_obs[r] = a[r] - b[r];
	f->have_vmstat = true;
	return TRUE;
}

static void add_row(cJSON *arr, const char *name, const char *source, uint64_t sim, int64_t obs)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "counter", name);
	cJSON_AddStringToObject(o, "source", source);
	cJSON_AddNumberToObject(o, "simulated", (double)sim);
	cJSON_AddNumberToObject(o, "observed", (double)obs);
	if (obs > 0)
		cJSON_AddNumberToObject(o, "ratio", (double)sim / (double)obs);
	else
		cJSON_AddNullToObject(o, "ratio");
	cJSON_AddItemToArray(arr, o);
}

void ps_fidelity_compact_run(PsFidelity *f, const PsZone *z, ps_pfn_t migrate_start,
			     ps_pfn_t free_start)
{
	FidStart st = {z->start_pfn, migrate_start, free_start};

	g_array_append_val(f->model_starts, st);
}

/*
 * The kernel's runs with positions whose model run of the same rank in the same zone started
 * its migrate scanner (free: its free scanner) at the kernel's pfn.
 */
static uint64_t starts_matched(const PsFidelity *f, bool free)
{
	uint64_t same = 0;

	for (guint k = 0; k < f->kernel_starts->len; k++) {
		const FidStart *ks = &g_array_index(f->kernel_starts, FidStart, k);
		guint rank = 0, m;

		/* the kernel run's rank among the kernel's runs of its zone */
		for (guint j = 0; j < k; j++)
			rank += g_array_index(f->kernel_starts, FidStart, j).zone_start ==
				ks->zone_start;
		for (m = 0; m < f->model_starts->len; m++) {
			const FidStart *ms = &g_array_index(f->model_starts, FidStart, m);

			if (ms->zone_start != ks->zone_start)
				continue;
			if (rank-- == 0) {
				same += free ? ms->free_pfn == ks->free_pfn
					     : ms->migrate_pfn == ks->migrate_pfn;
				break;
			}
		}
	}
	return same;
}

bool ps_fidelity_has_observed(const PsFidelity *f)
{
	return f && f->h.observed_records > 0;
}

cJSON *ps_fidelity_to_json(const PsFidelity *f)
{
	const PsMachine *m = f->m;
	cJSON *arr = cJSON_CreateArray();
	uint64_t sim[FID_NR];

	memcpy(sim, f->sim, sizeof(sim));
	sim[FID_PCP_REFILL_PAGES] = 0;
	for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
		sim[FID_PCP_REFILL_PAGES] += f->sim[FID_REFILL_PAGES_MT + mt];
	sim[FID_COMPACTION_RUNS] = m->compact_zone_runs_total;
	sim[FID_COMPACTION_CONTENDED] = m->compact_zone_contended_total;
	sim[FID_PAGES_MIGRATED] = m->vm_events[PS_PGMIGRATE_SUCCESS];
	sim[FID_KSWAPD_WAKES] = m->vm_events[PS_PAGEOUTRUN];
	sim[FID_DIRECT_RECLAIMS] = m->direct_reclaims_total;
	sim[FID_BOOSTS] = 0;
	for (int z = 0; z < m->nr_zones; z++)
		sim[FID_BOOSTS] += m->zones[z].watermark_boosts;
	for (int c = 0; c < FID_NR; c++)
		add_row(arr, fid_names[c], fid_sources[c], sim[c], (int64_t)f->h.obs[c]);
	for (guint r = 0; f->have_vmstat && r < NR_VM_ROWS; r++) {
		g_autofree char *src = g_strconcat("vmstat:", vm_rows[r].name, NULL);
		uint64_t v = 0;

		for (int e = vm_rows[r].first; e <= vm_rows[r].last; e++)
			v += m->vm_events[e];
		for (int z = 0; vm_rows[r].last == FID_ZONES && z < m->nr_nodes * PS_MAX_NR_ZONES;
		     z++)
			v += m->zones[z].numa_stat[vm_rows[r].first];
		for (int n = 0; vm_rows[r].last == FID_NODES && n < m->nr_nodes; n++)
			v += (uint64_t)MAX(m->nodes[n].stat[vm_rows[r].first], 0);
		add_row(arr, vm_rows[r].name, src, v, f->vm_obs[r]);
	}
	if (f->kernel_starts->len) {
		add_row(arr, "compaction_migrate_starts", "tracepoint:mm_compaction_begin",
			starts_matched(f, false), f->kernel_starts->len);
		add_row(arr, "compaction_free_starts", "tracepoint:mm_compaction_begin",
			starts_matched(f, true), f->kernel_starts->len);
	}
	return arr;
}
