// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * output.c - the run directory: timeline.csv and latency.csv rows at each sample, events.jsonl,
 * the whole-run latency histogram and fallback matrix, the final state in the kernel's /proc
 * formats (buddyinfo, pagetypeinfo, zoneinfo, vmstat) and summary.json.
 *
 * It observes and never decides: every figure comes from the machine, the policy's accessors or
 * the run's totals, and a run with these files thrown away reaches the same final state. The
 * /proc files mirror the kernel's own printers (mm/vmstat.c: frag_show, pagetypeinfo_showfree,
 * zoneinfo_show, vmstat_show) through report/.
 *
 * Simplifications (why acceptable):
 * - The /proc files are the state at the end only; the timeline carries the state over time at
 *   the sampling interval, which is what the plots and comparisons read.
 * - Past SIM_MAX_FAIL_EVENTS allocation failures (and OOMs without a victim) are counted, not
 *   logged one by one: a run that fails millions of allocations would otherwise write an
 *   events.jsonl larger than its trace.
 * - The file writing stays in this one place in sim/ (util/'s atomic output file replaces
 *   ps_write_file_atomic here once both have landed).
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sim/sim-private.h"

static const char *const anomaly_names[PS_NR_ANOMALIES] = {
    [PS_ANOM_FREE_UNKNOWN_ID] = "free_unknown_id",     [PS_ANOM_ALLOC_LIVE_ID] = "alloc_live_id",
    [PS_ANOM_PID_WITHOUT_PROC] = "pid_without_proc",   [PS_ANOM_CPU_OUT_OF_RANGE] = "cpu_folded",
    [PS_ANOM_UNMAP_UNKNOWN] = "unmap_unknown",	       [PS_ANOM_SYSCTL_UNKNOWN] = "sysctl_unknown",
    [PS_ANOM_NODE_OUT_OF_RANGE] = "node_out_of_range", [PS_ANOM_SYSCTL_REFUSED] = "sysctl_refused",
};
void sim_log_failure(PsSim *s, const char *what, uint64_t gfp, unsigned order, int cpu, int pid,
		     enum ps_alloc_result res)
{
	cJSON *f;
	g_autofree char *gfps = NULL;

	if (s->totals.alloc_failed + s->totals.alloc_invalid > SIM_MAX_FAIL_EVENTS)
		return;
	gfps = ps_gfp_format(gfp);
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "what", what);
	cJSON_AddStringToObject(f, "gfp", gfps);
	cJSON_AddNumberToObject(f, "order", order);
	cJSON_AddNumberToObject(f, "cpu", cpu);
	cJSON_AddNumberToObject(f, "pid", pid);
	cJSON_AddStringToObject(f, "result",
				res == PS_ALLOC_INVALID ? "invalid" : "fast_path_failed");
	ps_event_log_write(s->evlog, ps_engine_now(s->e), "alloc_fail", f);
}

/*
 * The pageblocks among n, from mt[0] and types[0] on (pageblock_mt and pb_types bytes), that are
 * mixed: of Unmovable, Movable or Reclaimable type (mt 0-2 after the skip bit) with allocated
 * pages of a request type other than their own (a bit of pb_types, 0-7, besides 1 << mt).
 * Every pageblock of the machine at every sample (100 ms of a recording), so eight at a time as
 * bytes of a word: with the type masked, clamped and a 2-D table of the answer it was ~12
 * instructions a block, 150 k a sample on a 25 GiB machine. No byte's sum below carries into
 * the next: a type is at most 0x3f (the skip and no-memory bits masked off), a types byte at most
 * 7.
 */
uint64_t sim_count_mixed(const uint8_t *mt, const uint8_t *types, uint64_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t mixed = 0, i = 0;

	G_STATIC_ASSERT(PS_MT_PCPTYPES == 3 && PS_PAGEBLOCK_MT_MASK == 0x3f);
	for (; i + 8 <= n; i += 8) {
		uint64_t t, p, other, own, bits;

		memcpy(&t, mt + i, 8);
		memcpy(&p, types + i, 8);
		t &= 0x3f3f3f3f3f3f3f3fULL;
		other = (t + 0x7d * ones) & highs;		     /* type 3 or more */
		own = t + ones + ((t >> 1) & 0x3f3f3f3f3f3f3f3fULL); /* 1 << t for t 0-2 */
		p &= ~own & (7 * ones);				     /* the other types' bits */
		bits = ((p + 0x7f * ones) & highs) & ~other;	     /* some bit left, own type */
		mixed += ((bits >> 7) * ones) >> 56;		     /* bytes set: at most 8 */
	}
	for (; i < n; i++) {
		unsigned t = mt[i] & PS_PAGEBLOCK_MT_MASK;

		mixed += t < PS_MT_PCPTYPES && (types[i] & 7u & ~(1u << t));
	}
	return mixed;
}

/* The timeline's model columns: mixed pageblocks, kswapd and kcompactd activity, stalls, kills. */
static void sample_extra(PsSim *s)
{
	PsMachine *m = s->m;

	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];
		ps_pfn_t pb_mask = (ps_pfn_t)m->pageblock_nr_pages - 1;
		uint64_t mixed = 0, b0, b1;

		if (!ps_zone_populated(z))
			continue;
		b0 = ((z->start_pfn & ~pb_mask) - m->map.base_pfn) >> m->pageblock_order;
		b1 = b0 + ((ps_zone_end_pfn(z) - (z->start_pfn & ~pb_mask) + pb_mask) >>
			   m->pageblock_order);

		/*
		 * Allocated pages of a request type other than the block's own: every pageblock
		 * of the machine at every sample, so a table look-up on two bytes a block, not
		 * its three counts (pb_types keeps which of them are not 0).
		 */
		mixed = sim_count_mixed(m->pageblock_mt + b0, s->pb_types + b0, b1 - b0);
		s->extra[i].mixed_pageblocks = mixed;
		/* "active": it is running now, or it worked since the previous sample. */
		s->extra[i].kswapd_active =
		    ps_kswapd_active(s->policy, z->node) ||
		    ps_kswapd_busy_ns(s->policy, z->node) > s->kswapd_busy_seen[z->node];
		s->extra[i].kcompactd_active =
		    ps_kcompactd_busy_ns(s->policy, z->node) > s->kcompactd_busy_seen[z->node];
		s->extra[i].direct_reclaims = s->node_direct[z->node];
		s->extra[i].oom_kills = s->oom_since_sample;
	}
}

/* A timeline row (with the model's columns when it runs) and, with the model, a latency window. */
void sim_sample(PsSim *s, ps_time_t now)
{
	PsMachine *m = s->m;

	s->last_sample = now;
	if (!s->place->model) {
		ps_timeline_sample(s->tl, now, m, NULL);
		return;
	}
	sample_extra(s);
	ps_timeline_sample(s->tl, now, m, s->extra);
	for (int n = 0; n < m->nr_nodes; n++) {
		s->kswapd_busy_seen[n] = ps_kswapd_busy_ns(s->policy, n);
		s->kcompactd_busy_seen[n] = ps_kcompactd_busy_ns(s->policy, n);
	}
	memset(s->node_direct, 0, sizeof(s->node_direct));
	s->oom_since_sample = 0;
	ps_latency_log_window(s->lat, s->window_start, now, s->hists);
	/* a window's empty histograms (most rows, most windows) are all zero already */
	for (int p = 0; p < PS_NR_LAT_ROWS; p++) {
		if (!s->hists[p].count)
			continue;
		ps_hist_merge(&s->run_hists[p], &s->hists[p]);
		ps_hist_reset(&s->hists[p]);
	}
	s->window_start = now;
}

/* An input's digest for the summary; none for stdin or a file that cannot be read. */
static char *file_digest(const char *path)
{
	return path && strcmp(path, "-") ? ps_file_digest(path, NULL) : NULL;
}

/* The trace's digest is worked out beside the replay, on another core: it reads the whole file. */
static gpointer digest_thread_fn(gpointer path)
{
	char *d = file_digest(path);

	g_free(path);
	return d;
}

void sim_start_digest(PsSim *s, const char *trace_path)
{
	/* Worked out to find the trace's cache entry: no second pass over the file. */
	if (!s->opts.trace_digest && s->reader && ps_trace_reader_digest(s->reader))
		s->opts.trace_digest = ps_trace_reader_digest(s->reader);
	if (strcmp(trace_path, "-") && !s->opts.trace_digest)
		s->digest_thread =
		    g_thread_new("trace-digest", digest_thread_fn, g_strdup(trace_path));
}

static char *out_path(const PsSim *s, const char *name)
{
	return g_build_filename(s->out_dir, name, NULL);
}

static gboolean write_proc_file(PsSim *s, const char *name, void (*fmt)(PsMachine *, GString *),
				GError **error)
{
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree char *path = out_path(s, name);

	fmt(s->m, text);
	return ps_write_file_atomic(path, text->str, text->len, error);
}

static cJSON *zone_final(PsSim *s, PsZone *z)
{
	PsMachine *m = s->m;
	cJSON *o = cJSON_CreateObject();
	uint64_t nr_free[PS_NR_ORDERS_MAX];
	uint64_t free_pages = (uint64_t)z->vm_stat[PS_NR_FREE_PAGES];
	int largest = -1;

	for (unsigned i = 0; i < m->nr_orders; i++) {
		nr_free[i] = z->free_area[i].nr_free;
		if (nr_free[i])
			largest = (int)i;
	}
	cJSON_AddNumberToObject(o, "node", z->node);
	cJSON_AddStringToObject(o, "zone", ps_zone_names[z->type]);
	cJSON_AddNumberToObject(o, "spanned_pages", (double)z->spanned);
	cJSON_AddNumberToObject(o, "present_pages", (double)z->present);
	cJSON_AddNumberToObject(o, "managed_pages", (double)z->managed);
	cJSON_AddNumberToObject(o, "free_pages", (double)free_pages);
	cJSON_AddNumberToObject(o, "free_bytes", (double)(free_pages * m->page_size));
	cJSON_AddNumberToObject(o, "pcp_pages", (double)z->nr_pcp);
	cJSON_AddNumberToObject(o, "allocated_pages", (double)z->nr_allocated);
	cJSON_AddNumberToObject(o, "largest_free_bytes",
				largest < 0 ? 0 : (double)((uint64_t)m->page_size << largest));
	cJSON_AddNumberToObject(o, "unusable_index_pageblock",
				ps_unusable_index(nr_free, m->nr_orders, m->pageblock_order) /
				    1000.0);
	cJSON_AddNumberToObject(o, "fragmentation_index_pageblock",
				ps_fragmentation_index(nr_free, m->nr_orders, m->pageblock_order) /
				    1000.0);
	cJSON_AddNumberToObject(o, "unusable_index_2m",
				ps_unusable_index(nr_free, m->nr_orders, ps_order_2m(m)) / 1000.0);
	cJSON_AddNumberToObject(o, "fragmentation_index_2m",
				ps_fragmentation_index(nr_free, m->nr_orders, ps_order_2m(m)) /
				    1000.0);
	cJSON_AddNumberToObject(o, "watermark_boost", (double)z->watermark_boost);
	cJSON_AddNumberToObject(o, "watermark_boosts", (double)z->watermark_boosts);
	cJSON_AddNumberToObject(o, "nr_reserved_highatomic", (double)z->nr_reserved_highatomic);
	return o;
}

/* "config" and "trace": what was run, with the digests that identify it. */
static void summary_inputs(PsSim *s, cJSON *root)
{
	PsMachine *m = s->m;
	g_autofree char *cdig = file_digest(s->config_path);
	g_autofree char *tdig = s->digest_thread ? g_thread_join(g_steal_pointer(&s->digest_thread))
						 : g_strdup(s->opts.trace_digest);
	cJSON *o = cJSON_AddObjectToObject(root, "config");

	if (s->config_path)
		cJSON_AddStringToObject(o, "path", s->config_path);
	if (s->cfg->name)
		cJSON_AddStringToObject(o, "name", s->cfg->name);
	if (cdig)
		cJSON_AddStringToObject(o, "digest", cdig);
	cJSON_AddNumberToObject(o, "page_size", m->page_size);
	cJSON_AddNumberToObject(o, "max_order", m->max_order);
	cJSON_AddNumberToObject(o, "pageblock_order", m->pageblock_order);
	cJSON_AddNumberToObject(o, "cpus", m->nr_cpus);
	cJSON_AddNumberToObject(o, "nodes", m->nr_nodes);
	cJSON_AddNumberToObject(o, "min_free_kbytes", (double)m->sysctl.min_free_kbytes);
	cJSON_AddBoolToObject(o, "mobility_grouping", !m->sysctl.page_group_by_mobility_disabled);
	o = cJSON_AddObjectToObject(root, "trace");
	cJSON_AddStringToObject(o, "path", s->trace_path);
	if (tdig)
		cJSON_AddStringToObject(o, "digest", tdig);
	cJSON_AddStringToObject(o, "source", s->hdr.source);
	cJSON_AddNumberToObject(o, "page_size", s->hdr.page_size);
	cJSON_AddNumberToObject(o, "cpus", s->hdr.cpus);
	/*
	 * A record with an order means that many pages of the recorded page size (replay.c
	 * take_ahead): such a trace replays faithfully only at that page size, and pagesim compare
	 * refuses it at others.
	 */
	cJSON_AddBoolToObject(o, "page_size_bound", s->page_size_bound);
	if (s->page_size_bound)
		cJSON_AddNumberToObject(o, "recorded_page_size", s->hdr.page_size);
	ps_json_add_uint(root, "seed", m->spec.seed);
	/* only when not the recorded placement, so a default run's summary is as before */
	if (s->opts.placement != PS_PLACEMENT_RECORDED)
		cJSON_AddStringToObject(root, "placement", ps_placement_name(s->opts.placement));
	if (s->opts.skip_migrated_snapshot)
		cJSON_AddBoolToObject(root, "skip_migrated_snapshot", true);
}

/* "totals": PsRunTotals and the machine-wide counters beside them. */
static void summary_totals(PsSim *s, cJSON *root)
{
	const PsRunTotals *t = &s->totals;
	cJSON *o = cJSON_AddObjectToObject(root, "totals");
	cJSON *a;
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
	    {"events", t->events},
	    {"end_ns", t->end_ns},
	    {"allocs", t->allocs},
	    {"alloc_ok", t->alloc_ok},
	    {"alloc_failed", t->alloc_failed},
	    {"alloc_invalid", t->alloc_invalid},
	    {"frees", t->frees},
	    {"pages_allocated", t->pages_allocated},
	    {"bytes_allocated", t->pages_allocated * (uint64_t)s->m->page_size},
	    {"pages_freed_trace", t->pages_freed_trace},
	    {"pages_freed_exit", t->pages_freed_exit},
	    {"pages_freed_reclaim", t->pages_freed_reclaim},
	    {"pages_freed_oom", t->pages_freed_oom},
	    {"frees_already_reclaimed", t->frees_already_reclaimed},
	    {"pages_kernel_reclaim_skipped", t->pages_kernel_reclaim_skipped},
	    {"pages_kernel_reclaim_skipped_kswapd", t->pages_kernel_reclaim_skipped_kswapd},
	    {"pages_kernel_reclaim_skipped_direct", t->pages_kernel_reclaim_skipped_direct},
	    {"kswapd_frees_reclaim_active", t->kswapd_frees_reclaim_active},
	    {"interrupt_frees_pcp_locked", t->interrupt_frees_pcp_locked},
	    {"thp_fallback_pages", t->thp_fallback_pages},
	    {"failed_allocs_first_try", t->failed_allocs_first_try},
	    {"failed_allocs_model_ok", t->failed_allocs_model_ok},
	    {"failed_allocs_model_kept", t->failed_allocs_model_kept},
	    {"failed_allocs_both_failed", t->failed_allocs_both_failed},
	    {"refaults", t->refaults},
	    {"direct_reclaims", t->direct_reclaims},
	    {"oom_kills", t->oom_kills},
	    {"oom_waits", t->oom_waits},
	    {"events_skipped_killed", t->events_skipped_killed},
	    {"swap_used_pages", ps_swap_used(s->policy)},
	    {"pages_live", t->pages_live},
	    {"touch_faults", t->touch_faults},
	    {"thp_faults", t->thp_faults},
	    {"thp_fallbacks", t->thp_fallbacks},
	    {"khugepaged_mms", t->khugepaged_mms},
	    {"khugepaged_passes", t->khugepaged_passes},
	    {"khugepaged_full_scans", t->khugepaged_full_scans},
	    {"khugepaged_collapsed", t->khugepaged_collapsed},
	    {"khugepaged_first_collapse_ns", t->khugepaged_first_collapse_ns},
	    {"procs", t->procs},
	    {"delayed_events", t->delayed_events},
	    {"carried_delay_ns", t->carried_delay_ns},
	    {"max_delay_ns", t->max_delay_ns},
	    {"stall_ns", t->stall_ns},
	    {"zeroing_ns", t->zeroing_ns},
	    {"allocator_ns", t->allocator_ns},
	    {"lock_wait_ns", t->lock_wait_ns},
	    {"lock_waits", t->lock_waits},
	    {"latency_ns", t->latency_ns},
	    {"compact_requests", s->compact_requests},
	    {"drop_caches_requests", s->drop_caches_requests},
	    {"sysctl_writes", s->sysctl_writes},
	    {"pcp_refills", s->m->pcp_refills_total},
	    /* every rmqueue_bulk call and every page it took, blocks claimed whole and stolen
	     * ones included; the fidelity report's rows of the same names count only what the
	     * kernel's mm_page_alloc_zone_locked shows (src/sim/fidelity.c) */
	    {"pcp_refill_pages", s->m->pcp_refill_pages_total},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		cJSON_AddNumberToObject(o, rows[i].name, (double)rows[i].v);
	/* alloc_ok by order, the orders that had any */
	a = cJSON_AddObjectToObject(o, "allocs_by_order");
	for (unsigned i = 0; i < PS_NR_ORDERS_MAX; i++) {
		if (t->allocs_by_order[i]) {
			char k[4];

			g_snprintf(k, sizeof(k), "%u", i);
			cJSON_AddNumberToObject(a, k, (double)t->allocs_by_order[i]);
		}
	}
	/* only runs whose slab records were packed (sim/slab.c), so others keep their shape */
	if (t->slab_pages_allocated) {
		cJSON_AddNumberToObject(o, "slab_pages_allocated", (double)t->slab_pages_allocated);
		cJSON_AddNumberToObject(o, "slab_pages_freed", (double)t->slab_pages_freed);
		cJSON_AddNumberToObject(o, "slab_slots_shared", (double)t->slab_slots_shared);
	}
	/* only where the trace has such frees, so other runs' summaries keep their shape */
	if (t->pages_kernel_migration_skipped)
		cJSON_AddNumberToObject(o, "pages_kernel_migration_skipped",
					(double)t->pages_kernel_migration_skipped);
	if (t->pages_kernel_migration_replayed)
		cJSON_AddNumberToObject(o, "pages_kernel_migration_replayed",
					(double)t->pages_kernel_migration_replayed);
	/*
	 * Only runs that have them get these (idle gaps in replay.c, touches a failed fault ended,
	 * OOMs with nothing to kill): the others' summaries stay as they were.
	 */
	if (s->idle_gaps) {
		cJSON_AddNumberToObject(o, "idle_gaps", (double)s->idle_gaps);
		cJSON_AddNumberToObject(o, "samples_skipped_idle", (double)s->samples_skipped_idle);
	}
	if (s->touches_cut)
		cJSON_AddNumberToObject(o, "touches_cut", (double)s->touches_cut);
	if (s->pgtable_pages)
		cJSON_AddNumberToObject(o, "pagetable_pages", (double)s->pgtable_pages);
	if (s->pte_alloc_failed)
		cJSON_AddNumberToObject(o, "pte_alloc_failed", (double)s->pte_alloc_failed);
	if (s->oom_no_victim)
		cJSON_AddNumberToObject(o, "oom_no_victim", (double)s->oom_no_victim);
	if (s->zone_grows || s->zone_grow_refused) {
		cJSON *g = cJSON_AddObjectToObject(o, "zone_growth");

		cJSON_AddNumberToObject(g, "records", (double)s->zone_grows);
		cJSON_AddNumberToObject(g, "pages", (double)s->zone_grow_pages);
		cJSON_AddNumberToObject(g, "pages_moved", (double)s->zone_grow_moved);
		cJSON_AddNumberToObject(g, "refused", (double)s->zone_grow_refused);
	}
	/* Configs that declare deferred pages (zone key "deferred"): the on-demand growth. */
	{
		uint64_t declared = 0, grows = 0, pages = 0, remaining = 0;

		for (int i = 0; i < s->m->nr_zones; i++) {
			const PsZone *z = &s->m->zones[i];

			declared += s->m->spec.zones[z->node][z->type].deferred;
			grows += z->deferred_grows;
			pages += z->deferred_grow_pages;
			if (z->first_deferred_pfn != PS_PFN_NONE)
				remaining += ps_zone_end_pfn(z) - z->first_deferred_pfn;
		}
		if (declared) {
			cJSON *g = cJSON_AddObjectToObject(o, "deferred_growth");

			cJSON_AddNumberToObject(g, "declared", (double)declared);
			cJSON_AddNumberToObject(g, "grows", (double)grows);
			cJSON_AddNumberToObject(g, "pages", (double)pages);
			cJSON_AddNumberToObject(g, "remaining", (double)remaining);
		}
	}
	if (s->gather_pages || s->gather_failed) {
		cJSON_AddNumberToObject(o, "mmu_gather_pages", (double)s->gather_pages);
		cJSON_AddNumberToObject(o, "mmu_gather_failed", (double)s->gather_failed);
	}
	if (s->table_batch_pages || s->table_batch_failed) {
		/* tlb_remove_table's batch pages, and the pages freed after a grace period */
		cJSON_AddNumberToObject(o, "table_batch_pages", (double)s->table_batch_pages);
		cJSON_AddNumberToObject(o, "table_batch_failed", (double)s->table_batch_failed);
		cJSON_AddNumberToObject(o, "tables_rcu_freed", (double)s->tables_rcu_freed);
	}
	if (s->file_faults)
		cJSON_AddNumberToObject(o, "file_faults", (double)s->file_faults);
	if (s->cow_copies)
		cJSON_AddNumberToObject(o, "cow_copies", (double)s->cow_copies);
	if (s->fork_copies) {
		cJSON_AddNumberToObject(o, "fork_copies", (double)s->fork_copies);
		cJSON_AddNumberToObject(o, "fork_pagetable_pages", (double)s->fork_pgtables);
	}
}

/* hugepages-<size>kB/stats/anon_fault_alloc and _fallback of the sizes that faulted. */
static void summary_thp_sizes(PsSim *s, cJSON *root)
{
	cJSON *o = NULL;

	for (int i = 0; i < PS_NR_ORDERS_MAX; i++) {
		char k[24];
		cJSON *sz;

		if (!s->m->mthp_anon_fault_alloc[i] && !s->m->mthp_anon_fault_fallback[i])
			continue;
		if (!o)
			o = cJSON_AddObjectToObject(root, "thp_sizes");
		g_snprintf(k, sizeof(k), "%" G_GUINT64_FORMAT "kB",
			   ((uint64_t)s->m->page_size << i) / 1024);
		sz = cJSON_AddObjectToObject(o, k);
		cJSON_AddNumberToObject(sz, "anon_fault_alloc",
					(double)s->m->mthp_anon_fault_alloc[i]);
		cJSON_AddNumberToObject(sz, "anon_fault_fallback",
					(double)s->m->mthp_anon_fault_fallback[i]);
	}
}

/* Whole-run latency per path: count, sum, p50, p99 and max in ns (latency_hist.csv). */
static void summary_latency(PsSim *s, cJSON *root)
{
	cJSON *o = cJSON_AddObjectToObject(root, "latency");

	for (int p = 0; p < PS_NR_LAT_ROWS; p++) {
		const PsHist *h = &s->run_hists[p];
		cJSON *lp = cJSON_AddObjectToObject(o, ps_lat_row_name(p));

		cJSON_AddNumberToObject(lp, "count", (double)h->count);
		cJSON_AddNumberToObject(lp, "sum_ns", (double)h->sum);
		cJSON_AddNumberToObject(lp, "p50_ns", (double)ps_hist_quantile(h, 0.5));
		cJSON_AddNumberToObject(lp, "p99_ns", (double)ps_hist_quantile(h, 0.99));
		cJSON_AddNumberToObject(lp, "max_ns", (double)h->max);
	}
}

/* mm_page_alloc_extfrag as a matrix, the same counts as fallbacks.csv. */
static void summary_fallbacks(PsSim *s, cJSON *root)
{
	cJSON *ev = cJSON_AddArrayToObject(root, "fallbacks");

	for (int a = 0; a < PS_MT_PCPTYPES; a++)
		for (int f = 0; f < PS_MT_PCPTYPES; f++)
			for (int fr = 1; fr >= 0 && a != f; fr--)
				for (int cl = 1; cl >= 0; cl--) {
					cJSON *row = cJSON_CreateObject();
					uint64_t n = ps_fallback_stats_count(
					    s->fallbacks, (enum ps_migratetype)a,
					    (enum ps_migratetype)f, fr, cl);

					cJSON_AddStringToObject(row, "alloc_migratetype",
								ps_migratetype_names[a]);
					cJSON_AddStringToObject(row, "fallback_migratetype",
								ps_migratetype_names[f]);
					cJSON_AddBoolToObject(row, "fragmenting", fr);
					cJSON_AddBoolToObject(row, "change_ownership", cl);
					cJSON_AddNumberToObject(row, "count", (double)n);
					cJSON_AddItemToArray(ev, row);
				}
}

/* Writes root to summary.json, followed by a newline, and frees it. */
static gboolean write_json(PsSim *s, cJSON *root, GError **error)
{
	g_autofree char *path = out_path(s, "summary.json");
	g_autofree char *full = NULL;
	char *text;

	ps_json_integers_raw(root); /* the same text, without cJSON's sprintf and sscanf a number */
	text = cJSON_Print(root);
	full = g_strconcat(text, "\n", NULL);
	cJSON_free(text);
	cJSON_Delete(root);
	return ps_write_file_atomic(path, full, strlen(full), error);
}

cJSON *sim_policy_summary(PsSim *s)
{
	PsMachine *m = s->m;
	cJSON *root = cJSON_CreateObject(), *o, *zones, *ev;

	cJSON_AddStringToObject(root, "pagesim_summary", "1");
	summary_inputs(s, root);
	summary_totals(s, root);
	summary_latency(s, root);
	/* which process a page size hurts, and what the page cache and mTHP sizes did */
	cJSON_AddItemToObject(root, "procs", sim_procs_to_json(s));
	if (s->cache.adds || s->cache.removes)
		cJSON_AddItemToObject(root, "page_cache", sim_cache_to_json(s));
	summary_thp_sizes(s, root);
	o = cJSON_AddObjectToObject(root, "anomalies");
	for (int a = 0; a < PS_NR_ANOMALIES; a++)
		/* sysctl_refused only where it happened: runs without one keep their summary */
		if (a != PS_ANOM_SYSCTL_REFUSED || s->anomalies[a])
			cJSON_AddNumberToObject(o, anomaly_names[a], (double)s->anomalies[a]);
	if (s->snap) {
		o = ps_snapshot_to_json(s->snap, m);
		cJSON_AddNumberToObject(o, "unknown_at_start_frees", (double)s->snapshot_frees);
		cJSON_AddNumberToObject(o, "lru_folios", (double)s->snapshot_lru_folios);
		cJSON_AddNumberToObject(o, "lru_pages", (double)s->snapshot_lru_pages);
		/* of them split by compaction (sim_snap_rec_split) */
		cJSON_AddNumberToObject(o, "lru_folios_split", (double)s->snapshot_folios_split);
		cJSON_AddItemToObject(root, "snapshot", o);
	}
	/* only where a snapshot or the trace named memcgs: other runs keep their summary */
	o = sim_memcg_to_json(s);
	if (o)
		cJSON_AddItemToObject(root, "memcgs", o);
	if (ps_fidelity_has_observed(s->fid))
		cJSON_AddItemToObject(root, "fidelity", ps_fidelity_to_json(s->fid));
	zones = cJSON_AddArrayToObject(root, "final");
	for (int i = 0; i < m->nr_zones; i++)
		if (ps_zone_populated(&m->zones[i]))
			cJSON_AddItemToArray(zones, zone_final(s, &m->zones[i]));
	ev = cJSON_AddObjectToObject(root, "vm_events");
	for (int i = 0; i < PS_NR_VM_EVENTS; i++)
		cJSON_AddNumberToObject(ev, ps_vm_event_names[i], (double)m->vm_events[i]);
	summary_fallbacks(s, root);
	if (s->opts.wall_ns) {
		uint64_t wall = s->opts.wall_ns(s->opts.wall_data);

		o = cJSON_AddObjectToObject(root, "wall");
		cJSON_AddNumberToObject(o, "seconds", (double)wall / 1e9);
		cJSON_AddNumberToObject(o, "events_per_s",
					wall ? (double)s->totals.events * 1e9 / (double)wall : 0.0);
	}
	return root;
}

/*
 * Every file a run writes into its directory; summary.json first, since it is written last and
 * its presence is what says "complete" (sweep resume). Checklist: a new output file goes here.
 */
static const char *const run_outputs[] = {
    "summary.json",	"timeline.csv",	 "latency.csv", "events.jsonl",
    "latency_hist.csv", "fallbacks.csv", "buddyinfo",	"pagetypeinfo",
    "zoneinfo",		"vmstat",	 "pinned.txt",
};

static gboolean remove_file(const char *path, GError **error)
{
	if (g_unlink(path) == 0 || errno == ENOENT)
		return TRUE;
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path,
		    g_strerror(errno));
	return FALSE;
}

/*
 * A rerun into a run directory: the older run's outputs go before anything new is written, so
 * that a rerun that fails midway (a full disk, a signal) leaves a directory without summary.json
 * (incomplete, and seen so) rather than new files beside an old summary. Temporary files of
 * runs that died (".NAME.XXXXXX.tmp", util's atomic files) go too, and the older run's figures
 * (the .png and .svg files of plots/). The directory's other files (a sweep's config.json) stay.
 * Writing into a fresh directory renamed over the old one was the alternative; it would drop
 * what others keep there, and the rename is no more atomic for a directory that exists.
 */
static gboolean clear_old_outputs(PsSim *s, GError **error)
{
	g_autofree char *plots = out_path(s, "plots");
	g_autoptr(GDir) d = NULL;
	const char *name;

	for (size_t i = 0; i < G_N_ELEMENTS(run_outputs); i++) {
		g_autofree char *p = out_path(s, run_outputs[i]);

		if (!remove_file(p, error))
			return FALSE;
	}
	d = g_dir_open(s->out_dir, 0, NULL);
	while (d && (name = g_dir_read_name(d)))
		if (name[0] == '.' && g_str_has_suffix(name, ".tmp")) {
			g_autofree char *p = out_path(s, name);

			if (!remove_file(p, error))
				return FALSE;
		}
	g_clear_pointer(&d, g_dir_close);
	d = g_dir_open(plots, 0, NULL);
	while (d && (name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".png") || g_str_has_suffix(name, ".svg")) {
			g_autofree char *p = g_build_filename(plots, name, NULL);

			if (!remove_file(p, error))
				return FALSE;
		}
	if (d)
		g_rmdir(plots); /* fails, harmlessly, when something else is in it */
	return TRUE;
}

/* Creates the run directory and opens the files written while the replay runs. */
gboolean sim_open_outputs(PsSim *s, GError **error)
{
	g_autofree char *tl = out_path(s, "timeline.csv");
	g_autofree char *lat = out_path(s, "latency.csv");
	g_autofree char *evl = out_path(s, "events.jsonl");

	if (g_mkdir_with_parents(s->out_dir, 0755) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s",
			    s->out_dir, g_strerror(errno));
		return FALSE;
	}
	if (!clear_old_outputs(s, error))
		return FALSE;
	s->tl = ps_timeline_new(tl, s->m, error);
	if (!s->tl)
		return FALSE;
	if (!s->place->model)
		return TRUE;
	s->lat = ps_latency_log_new(lat, error);
	if (!s->lat)
		return FALSE;
	s->evlog = ps_event_log_new(evl, error);
	return s->evlog != NULL;
}

/* Closes the logs opened by sim_open_outputs; on failure the others are thrown away. */
static gboolean close_logs(PsSim *s, GError **error)
{
	PsTimeline *tl = g_steal_pointer(&s->tl);
	PsLatencyLog *lat = g_steal_pointer(&s->lat);
	PsEventLog *evl = g_steal_pointer(&s->evlog);
	gboolean ok = ps_timeline_close(tl, error);

	if (lat && ok)
		ok = ps_latency_log_close(g_steal_pointer(&lat), error);
	if (evl && ok)
		ok = ps_event_log_close(g_steal_pointer(&evl), error);
	if (lat)
		ps_latency_log_abort(lat);
	if (evl)
		ps_event_log_abort(evl);
	return ok;
}

/* Everything written at the end: the whole-run files, the /proc files, summary and report. */
gboolean sim_finish_outputs(PsSim *s, GError **error)
{
	if (!close_logs(s, error))
		return FALSE;
	if (s->place->model) {
		g_autofree char *fb = out_path(s, "fallbacks.csv");
		g_autofree char *lh = out_path(s, "latency_hist.csv");

		if (!ps_fallback_stats_write(s->fallbacks, fb, error) ||
		    !ps_latency_hist_write(lh, s->run_hists, error))
			return FALSE;
	}
	if (!write_proc_file(s, "buddyinfo", ps_format_buddyinfo, error) ||
	    !write_proc_file(s, "pagetypeinfo", ps_format_pagetypeinfo, error) ||
	    !write_proc_file(s, "zoneinfo", ps_format_zoneinfo, error) ||
	    !write_proc_file(s, "vmstat", ps_format_vmstat, error))
		return FALSE;
	if (s->place->report_name && s->report) {
		g_autofree char *path = out_path(s, s->place->report_name);

		if (!ps_write_file_atomic(path, s->report->str, s->report->len, error))
			return FALSE;
	}
	return write_json(s, s->place->summary(s), error);
}
