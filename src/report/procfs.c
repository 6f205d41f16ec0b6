// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * procfs.c - the simulated machine in the kernel's /proc formats: zoneinfo, buddyinfo,
 * pagetypeinfo and vmstat, laid out as Linux 6.18 prints them (kernel-facts §10.1-10.4).
 *
 * Mirrors mm/vmstat.c: zoneinfo_show_print, frag_show_print, pagetypeinfo_show with
 * pagetypeinfo_showfree_print and pagetypeinfo_showblockcount_print, vmstat_show and the
 * vmstat_text[] name table.
 *
 * Simplifications: counters the model does not keep (most THP and swap events, the memmap
 * counts, ...) are printed as 0 so that the files keep the kernel's complete layout and tools
 * that parse /proc read them unchanged. Node LRU counters are the sums of the zone LRU
 * counters, as in the kernel. The "vm stats threshold" is the normal threshold; the kernel
 * prints the lower pressure threshold while kswapd runs, which the model does not track here.
 * Pageblocks counted in pagetypeinfo are the steps of the zone's walk whose pfn has memory
 * (not PS_PAGEBLOCK_NOMEM): the kernel counts the steps whose pfn has an online page. A config
 * machine's hole is where the model puts it, at the start of the span, which gives the counts
 * and not the places of x86-64's DMA32 hole; a snapshot's are the dump's.
 */
#include <string.h>

#include "policy/policy.h"
#include "report/report.h"

/* Node stat items of 6.18 in vmstat_text[] order (the "per-node stats" block). */
static const char *const node_stat_names[] = {
    "nr_inactive_anon",
    "nr_active_anon",
    "nr_inactive_file",
    "nr_active_file",
    "nr_unevictable",
    "nr_slab_reclaimable",
    "nr_slab_unreclaimable",
    "nr_isolated_anon",
    "nr_isolated_file",
    "workingset_nodes",
    "workingset_refault_anon",
    "workingset_refault_file",
    "workingset_activate_anon",
    "workingset_activate_file",
    "workingset_restore_anon",
    "workingset_restore_file",
    "workingset_nodereclaim",
    "nr_anon_pages",
    "nr_mapped",
    "nr_file_pages",
    "nr_dirty",
    "nr_writeback",
    "nr_shmem",
    "nr_shmem_hugepages",
    "nr_shmem_pmdmapped",
    "nr_file_hugepages",
    "nr_file_pmdmapped",
    "nr_anon_transparent_hugepages",
    "nr_vmscan_write",
    "nr_vmscan_immediate_reclaim",
    "nr_dirtied",
    "nr_written",
    "nr_throttled_written",
    "nr_kernel_misc_reclaimable",
    "nr_foll_pin_acquired",
    "nr_foll_pin_released",
    "nr_kernel_stack",
    "nr_page_table_pages",
    "nr_sec_page_table_pages",
    "nr_iommu_pages",
    "nr_swapcached",
    "pgpromote_success",
    "pgpromote_candidate",
    "pgpromote_candidate_nrl",
    "pgdemote_kswapd",
    "pgdemote_direct",
    "pgdemote_khugepaged",
    "pgdemote_proactive",
    "nr_hugetlb",
    "nr_balloon_pages",
    "nr_kernel_file_pages",
};

/* Node LRU counters and the zone counters they sum (the first five node items). */
static const enum ps_zone_stat node_lru_from_zone[] = {
    PS_NR_ZONE_INACTIVE_ANON, PS_NR_ZONE_ACTIVE_ANON, PS_NR_ZONE_INACTIVE_FILE,
    PS_NR_ZONE_ACTIVE_FILE,   PS_NR_ZONE_UNEVICTABLE,
};

/*
 * Global items vmstat prints between the node stats and the events (writeback_stat_item, then
 * the memmap counts).
 */
enum vmstat_global_item {
	NR_DIRTY_THRESHOLD,
	NR_DIRTY_BG_THRESHOLD,
	NR_MEMMAP_PAGES,
	NR_MEMMAP_BOOT_PAGES,
	NR_VMSTAT_GLOBAL_ITEMS,
};
static const char *const vmstat_global_names[NR_VMSTAT_GLOBAL_ITEMS] = {
    [NR_DIRTY_THRESHOLD] = "nr_dirty_threshold",
    [NR_DIRTY_BG_THRESHOLD] = "nr_dirty_background_threshold",
    [NR_MEMMAP_PAGES] = "nr_memmap_pages",
    [NR_MEMMAP_BOOT_PAGES] = "nr_memmap_boot_pages",
};

/* The vm events of this 6.18 build, in vmstat order; those the model counts come from m. */
static const char *const vm_event_names_618[] = {
    "pgpgin",
    "pgpgout",
    "pswpin",
    "pswpout",
    "pgalloc_dma",
    "pgalloc_dma32",
    "pgalloc_normal",
    "pgalloc_movable",
    "pgalloc_device",
    "allocstall_dma",
    "allocstall_dma32",
    "allocstall_normal",
    "allocstall_movable",
    "allocstall_device",
    "pgskip_dma",
    "pgskip_dma32",
    "pgskip_normal",
    "pgskip_movable",
    "pgskip_device",
    "pgfree",
    "pgactivate",
    "pgdeactivate",
    "pglazyfree",
    "pgfault",
    "pgmajfault",
    "pglazyfreed",
    "pgrefill",
    "pgreuse",
    "pgsteal_kswapd",
    "pgsteal_direct",
    "pgsteal_khugepaged",
    "pgsteal_proactive",
    "pgscan_kswapd",
    "pgscan_direct",
    "pgscan_khugepaged",
    "pgscan_proactive",
    "pgscan_direct_throttle",
    "pgscan_anon",
    "pgscan_file",
    "pgsteal_anon",
    "pgsteal_file",
    "zone_reclaim_success",
    "zone_reclaim_failed",
    "pginodesteal",
    "slabs_scanned",
    "kswapd_inodesteal",
    "kswapd_low_wmark_hit_quickly",
    "kswapd_high_wmark_hit_quickly",
    "pageoutrun",
    "pgrotated",
    "drop_pagecache",
    "drop_slab",
    "oom_kill",
    "numa_pte_updates",
    "numa_huge_pte_updates",
    "numa_hint_faults",
    "numa_hint_faults_local",
    "numa_pages_migrated",
    "pgmigrate_success",
    "pgmigrate_fail",
    "thp_migration_success",
    "thp_migration_fail",
    "thp_migration_split",
    "compact_migrate_scanned",
    "compact_free_scanned",
    "compact_isolated",
    "compact_stall",
    "compact_fail",
    "compact_success",
    "compact_daemon_wake",
    "compact_daemon_migrate_scanned",
    "compact_daemon_free_scanned",
    "htlb_buddy_alloc_success",
    "htlb_buddy_alloc_fail",
    "unevictable_pgs_culled",
    "unevictable_pgs_scanned",
    "unevictable_pgs_rescued",
    "unevictable_pgs_mlocked",
    "unevictable_pgs_munlocked",
    "unevictable_pgs_cleared",
    "unevictable_pgs_stranded",
    "thp_fault_alloc",
    "thp_fault_fallback",
    "thp_fault_fallback_charge",
    "thp_collapse_alloc",
    "thp_collapse_alloc_failed",
    "thp_file_alloc",
    "thp_file_fallback",
    "thp_file_fallback_charge",
    "thp_file_mapped",
    "thp_split_page",
    "thp_split_page_failed",
    "thp_deferred_split_page",
    "thp_underused_split_page",
    "thp_split_pmd",
    "thp_scan_exceed_none_pte",
    "thp_scan_exceed_swap_pte",
    "thp_scan_exceed_share_pte",
    "thp_split_pud",
    "thp_zero_page_alloc",
    "thp_zero_page_alloc_failed",
    "thp_swpout",
    "thp_swpout_fallback",
    "balloon_inflate",
    "balloon_deflate",
    "balloon_migrate",
    "swap_ra",
    "swap_ra_hit",
    "swpin_zero",
    "swpout_zero",
    "ksm_swpin_copy",
    "cow_ksm",
    "zswpin",
    "zswpout",
    "zswpwb",
    "direct_map_level2_splits",
    "direct_map_level3_splits",
    "direct_map_level2_collapses",
    "direct_map_level3_collapses",
};

/* populated_zone(): the kernel tests present pages. */
static bool zone_present(const PsZone *z)
{
	return z->present > 0;
}

static uint64_t zone_stat(const PsZone *z, enum ps_zone_stat item)
{
	return z->vm_stat[item] > 0 ? (uint64_t)z->vm_stat[item] : 0;
}

static uint64_t node_stat(PsMachine *m, int node, gsize item)
{
	uint64_t sum = 0;

	if (item >= G_N_ELEMENTS(node_lru_from_zone)) {
		/* Node counters the model keeps, by name; the rest stay 0. */
		for (int i = 0; i < PS_NR_NODE_STAT_ITEMS; i++)
			if (!strcmp(ps_node_stat_names[i], node_stat_names[item]))
				return m->nodes[node].stat[i] > 0 ? (uint64_t)m->nodes[node].stat[i]
								  : 0;
		return 0;
	}
	for (int t = 0; t < PS_MAX_NR_ZONES; t++)
		sum += zone_stat(ps_machine_zone(m, node, (enum ps_zone_type)t),
				 node_lru_from_zone[item]);
	return sum;
}

static bool node_has_memory(PsMachine *m, int node)
{
	for (int t = 0; t < PS_MAX_NR_ZONES; t++)
		if (zone_present(ps_machine_zone(m, node, (enum ps_zone_type)t)))
			return true;
	return false;
}

static void zoneinfo_zone(PsMachine *m, const PsZone *z, bool first_populated, GString *out)
{
	g_string_append_printf(out, "Node %d, zone %8s", z->node, ps_zone_names[z->type]);
	if (first_populated) {
		g_string_append(out, "\n  per-node stats");
		for (gsize i = 0; i < G_N_ELEMENTS(node_stat_names); i++)
			g_string_append_printf(out, "\n      %-12s %" G_GUINT64_FORMAT,
					       node_stat_names[i], node_stat(m, z->node, i));
	}
	g_string_append_printf(
	    out,
	    "\n  pages free     %" G_GUINT64_FORMAT "\n        boost    %" G_GUINT64_FORMAT
	    "\n        min      %" G_GUINT64_FORMAT "\n        low      %" G_GUINT64_FORMAT
	    "\n        high     %" G_GUINT64_FORMAT "\n        promo    %" G_GUINT64_FORMAT
	    "\n        spanned  %" G_GUINT64_FORMAT "\n        present  %" G_GUINT64_FORMAT
	    "\n        managed  %" G_GUINT64_FORMAT "\n        cma      0",
	    zone_stat(z, PS_NR_FREE_PAGES), z->watermark_boost, ps_wmark_pages(z, PS_WMARK_MIN),
	    ps_wmark_pages(z, PS_WMARK_LOW), ps_wmark_pages(z, PS_WMARK_HIGH),
	    ps_wmark_pages(z, PS_WMARK_PROMO), z->spanned, z->present, z->managed);
	/* One entry per zone type of the kernel (MAX_NR_ZONES). */
	g_string_append(out, "\n        protection: (");
	for (int i = 0, k = 0; i < PS_MAX_NR_ZONES; i++)
		if (ps_zone_type_built(&m->spec, i))
			g_string_append_printf(out, "%s%" G_GINT64_FORMAT, k++ ? ", " : "",
					       z->lowmem_reserve[i]);
	g_string_append_c(out, ')');
	if (!zone_present(z)) {
		g_string_append_c(out, '\n');
		return;
	}
	for (int i = 0; i < PS_NR_ZONE_STAT_ITEMS; i++)
		g_string_append_printf(out, "\n      %-12s %" G_GUINT64_FORMAT,
				       ps_zone_stat_names[i], zone_stat(z, (enum ps_zone_stat)i));
	for (int i = 0; i < PS_NR_NUMA_STAT_ITEMS; i++)
		g_string_append_printf(out, "\n      %-12s %" G_GUINT64_FORMAT,
				       ps_numa_stat_names[i], z->numa_stat[i]);
	g_string_append(out, "\n  pagesets");
	for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
		PsPcp empty = {0};
		const PsPcp *pcp = z->pcp ? &z->pcp[cpu] : &empty;

		g_string_append_printf(out,
				       "\n    cpu: %d"
				       "\n              count:    %d"
				       "\n              high:     %d"
				       "\n              batch:    %d"
				       "\n              high_min: %d"
				       "\n              high_max: %d"
				       "\n  vm stats threshold: %d",
				       cpu, pcp->count, pcp->high, pcp->batch, pcp->high_min,
				       pcp->high_max, ps_calculate_normal_threshold(m, z));
	}
	g_string_append_printf(out,
			       "\n  node_unreclaimable:  0"
			       "\n  start_pfn:           %u\n",
			       z->start_pfn);
}

void ps_format_zoneinfo(PsMachine *m, GString *out)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		bool seen_populated = false;

		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			const PsZone *z = ps_machine_zone(m, n, (enum ps_zone_type)t);
			bool first = !seen_populated && zone_present(z);

			if (!ps_zone_type_built(&m->spec, t))
				continue;
			seen_populated |= first;
			zoneinfo_zone(m, z, first, out);
		}
	}
}

void ps_format_buddyinfo(PsMachine *m, GString *out)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			const PsZone *z = ps_machine_zone(m, n, (enum ps_zone_type)t);

			if (!zone_present(z))
				continue;
			g_string_append_printf(out, "Node %d, zone %8s ", n, ps_zone_names[t]);
			for (unsigned o = 0; o < m->nr_orders; o++)
				g_string_append_printf(out, "%6" G_GUINT64_FORMAT " ",
						       z->free_area[o].nr_free);
			g_string_append_c(out, '\n');
		}
	}
}

/* pagetypeinfo stops counting a list at 100000 entries and marks the figure with '>'. */
#define PS_PAGETYPEINFO_CAP 100000

/*
 * The migratetypes pagetypeinfo lists: every type below the kernel's MIGRATE_TYPES, which has
 * Isolate only with CONFIG_MEMORY_ISOLATION (spec.migrate_types 5, x86-64 distribution kernels;
 * 4 on the arm64 lab kernels, which print no Isolate row or column). CMA (6) is not modelled:
 * its column is left out.
 */
static int pagetypeinfo_types(const PsMachine *m)
{
	int n = m->spec.migrate_types;

	return n >= PS_MT_PCPTYPES + 1 && n < PS_MT_TYPES ? n : PS_MT_TYPES;
}

static void pagetypeinfo_node(PsMachine *m, int n, GString *out)
{
	int nr_types = pagetypeinfo_types(m);

	g_string_append_printf(
	    out, "Page block order: %u\nPages per block:  %" G_GUINT64_FORMAT "\n\n%-43s ",
	    m->pageblock_order, m->pageblock_nr_pages,
	    "Free pages count per migrate type at order");
	for (unsigned o = 0; o < m->nr_orders; o++)
		g_string_append_printf(out, "%6u ", o);
	g_string_append_c(out, '\n');
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		const PsZone *z = ps_machine_zone(m, n, (enum ps_zone_type)t);

		if (!zone_present(z))
			continue;
		for (int mt = 0; mt < nr_types; mt++) {
			g_string_append_printf(out, "Node %4d, zone %8s, type %12s ", n,
					       ps_zone_names[t], ps_migratetype_names[mt]);
			for (unsigned o = 0; o < m->nr_orders; o++) {
				uint64_t len = z->free_area[o].list[mt].len;

				if (len >= PS_PAGETYPEINFO_CAP)
					g_string_append_printf(out, ">%6d ", PS_PAGETYPEINFO_CAP);
				else
					g_string_append_printf(out, "%6" G_GUINT64_FORMAT " ", len);
			}
			g_string_append_c(out, '\n');
		}
	}

	g_string_append_printf(out, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < nr_types; mt++)
		g_string_append_printf(out, "%12s ", ps_migratetype_names[mt]);
	g_string_append_c(out, '\n');
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		const PsZone *z = ps_machine_zone(m, n, (enum ps_zone_type)t);
		uint64_t count[PS_MT_TYPES];

		if (!zone_present(z))
			continue;
		ps_zone_pageblock_counts(m, z, count);
		g_string_append_printf(out, "Node %d, zone %8s ", n, ps_zone_names[t]);
		for (int mt = 0; mt < nr_types; mt++)
			g_string_append_printf(out, "%12" G_GUINT64_FORMAT " ", count[mt]);
		g_string_append_c(out, '\n');
	}
}

void ps_format_pagetypeinfo(PsMachine *m, GString *out)
{
	for (int n = 0; n < m->nr_nodes; n++)
		if (node_has_memory(m, n))
			pagetypeinfo_node(m, n, out);
}

static uint64_t vm_event(const PsMachine *m, const char *name)
{
	for (int i = 0; i < PS_NR_VM_EVENTS; i++)
		if (ps_vm_event_names[i] && !strcmp(ps_vm_event_names[i], name))
			return m->vm_events[i];
	return 0;
}

void ps_format_vmstat(PsMachine *m, GString *out)
{
	uint64_t bg_thresh, thresh;

	for (int i = 0; i < PS_NR_ZONE_STAT_ITEMS; i++) {
		uint64_t sum = 0;

		for (int z = 0; z < m->nr_zones; z++)
			sum += zone_stat(&m->zones[z], (enum ps_zone_stat)i);
		g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n", ps_zone_stat_names[i],
				       sum);
	}
	for (int i = 0; i < PS_NR_NUMA_STAT_ITEMS; i++) {
		uint64_t sum = 0;

		for (int z = 0; z < m->nr_zones; z++)
			sum += m->zones[z].numa_stat[i];
		g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n", ps_numa_stat_names[i],
				       sum);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(node_stat_names); i++) {
		uint64_t sum = 0;

		for (int n = 0; n < m->nr_nodes; n++)
			sum += node_stat(m, n, i);
		g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n", node_stat_names[i], sum);
	}
	/* vmstat_start: global_dirty_limits, then the memmap counts (not kept: 0) */
	ps_global_dirty_limits(m, &bg_thresh, &thresh);
	g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n",
			       vmstat_global_names[NR_DIRTY_THRESHOLD], thresh);
	g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n",
			       vmstat_global_names[NR_DIRTY_BG_THRESHOLD], bg_thresh);
	for (gsize i = NR_MEMMAP_PAGES; i < NR_VMSTAT_GLOBAL_ITEMS; i++)
		g_string_append_printf(out, "%s 0\n", vmstat_global_names[i]);
	for (gsize i = 0; i < G_N_ELEMENTS(vm_event_names_618); i++)
		g_string_append_printf(out, "%s %" G_GUINT64_FORMAT "\n", vm_event_names_618[i],
				       vm_event(m, vm_event_names_618[i]));
	g_string_append(out, "nr_unstable 0\n");
}
