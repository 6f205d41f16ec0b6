// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stat.c - name tables for the enums of mm.h, spelled as the kernel prints them
 * (mm/vmstat.c vmstat_text[], mm/page_alloc.c zone_names[] and migratetype_names[], and
 * include/trace/events/mmflags.h COMPACTION_STATUS for compact_result), and the ranges the
 * vm sysctl handlers accept.
 */
#include <limits.h>
#include <string.h>

#include "mm/mm.h"

const char *const ps_zone_names[PS_MAX_NR_ZONES] = {
    "DMA", "DMA32", "Normal", "Movable", "Device",
};

const char *const ps_migratetype_names[PS_MT_TYPES] = {
    "Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate",
};

const char *const ps_compact_result_names[PS_NR_COMPACT_RESULTS] = {
    "not_suitable_zone", "skipped",	    "deferred",	 "no_suitable_page", "continue",
    "complete",		 "partial_skipped", "contended", "success",
};

/*
 * mm/page_alloc.c page_alloc_sysctl_table: min_free_kbytes >= 0 (SYSCTL_ZERO),
 * watermark_boost_factor >= 0, watermark_scale_factor 1..3000 (SYSCTL_ONE,
 * SYSCTL_THREE_THOUSAND), percpu_pagelist_high_fraction >= 0 and, in
 * percpu_pagelist_high_fraction_sysctl_handler, 0 or >= MIN_PERCPU_PAGELIST_HIGH_FRACTION (8),
 * defrag_mode 0..1; mm/compaction.c vm_compaction: compaction_proactiveness 0..100,
 * extfrag_threshold 0..1000; mm/vmscan.c: swappiness 0..200 (SYSCTL_TWO_HUNDRED),
 * zone_reclaim_mode >= 0 (no upper bound: bits above RECLAIM_UNMAP mean nothing). Every one is
 * an int: proc_dointvec refuses a value past INT_MAX.
 */
static const PsSysctlRange sysctl_ranges[] = {
    {"min_free_kbytes", 0, INT_MAX},
    {"watermark_scale_factor", 1, 3000},
    {"watermark_boost_factor", 0, INT_MAX},
    {"percpu_pagelist_high_fraction", 0, INT_MAX},
    {"extfrag_threshold", 0, 1000},
    {"compaction_proactiveness", 0, 100},
    {"swappiness", 0, 200},
    {"zone_reclaim_mode", 0, INT_MAX},
    {"defrag_mode", 0, 1},
};

const PsSysctlRange *ps_sysctl_range(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(sysctl_ranges); i++)
		if (!strcmp(sysctl_ranges[i].name, name))
			return &sysctl_ranges[i];
	return NULL;
}

bool ps_sysctl_accepts(const PsSysctlRange *r, int64_t v)
{
	if (v < r->min || v > r->max)
		return false;
	return strcmp(r->name, "percpu_pagelist_high_fraction") || v == 0 || v >= 8;
}

const char *const ps_zone_stat_names[PS_NR_ZONE_STAT_ITEMS] = {
    "nr_free_pages",	   "nr_free_pages_blocks",  "nr_zone_inactive_anon",
    "nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file",
    "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock",
    "nr_zspages",	   "nr_free_cma",
};

const char *const ps_numa_stat_names[PS_NR_NUMA_STAT_ITEMS] = {
    "numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
};

const char *const ps_vm_event_names[PS_NR_VM_EVENTS] = {
    [PS_PGALLOC_DMA] = "pgalloc_dma",
    [PS_PGALLOC_DMA32] = "pgalloc_dma32",
    [PS_PGALLOC_NORMAL] = "pgalloc_normal",
    [PS_PGALLOC_MOVABLE] = "pgalloc_movable",
    [PS_PGALLOC_DEVICE] = "pgalloc_device",
    [PS_ALLOCSTALL_DMA] = "allocstall_dma",
    [PS_ALLOCSTALL_DMA32] = "allocstall_dma32",
    [PS_ALLOCSTALL_NORMAL] = "allocstall_normal",
    [PS_ALLOCSTALL_MOVABLE] = "allocstall_movable",
    [PS_ALLOCSTALL_DEVICE] = "allocstall_device",
    [PS_PGFREE] = "pgfree",
    [PS_PGSTEAL_KSWAPD] = "pgsteal_kswapd",
    [PS_PGSTEAL_DIRECT] = "pgsteal_direct",
    [PS_PGSCAN_KSWAPD] = "pgscan_kswapd",
    [PS_PGSCAN_DIRECT] = "pgscan_direct",
    [PS_PGSCAN_ANON] = "pgscan_anon",
    [PS_PGSCAN_FILE] = "pgscan_file",
    [PS_PGSTEAL_ANON] = "pgsteal_anon",
    [PS_PGSTEAL_FILE] = "pgsteal_file",
    [PS_ZONE_RECLAIM_SUCCESS] = "zone_reclaim_success",
    [PS_ZONE_RECLAIM_FAILED] = "zone_reclaim_failed",
    [PS_KSWAPD_LOW_WMARK_HIT_QUICKLY] = "kswapd_low_wmark_hit_quickly",
    [PS_KSWAPD_HIGH_WMARK_HIT_QUICKLY] = "kswapd_high_wmark_hit_quickly",
    [PS_PAGEOUTRUN] = "pageoutrun",
    [PS_OOM_KILL] = "oom_kill",
    [PS_COMPACT_MIGRATE_SCANNED] = "compact_migrate_scanned",
    [PS_COMPACT_FREE_SCANNED] = "compact_free_scanned",
    [PS_COMPACT_ISOLATED] = "compact_isolated",
    [PS_COMPACT_STALL] = "compact_stall",
    [PS_COMPACT_FAIL] = "compact_fail",
    [PS_COMPACT_SUCCESS] = "compact_success",
    [PS_COMPACT_DAEMON_WAKE] = "compact_daemon_wake",
    [PS_COMPACT_DAEMON_MIGRATE_SCANNED] = "compact_daemon_migrate_scanned",
    [PS_COMPACT_DAEMON_FREE_SCANNED] = "compact_daemon_free_scanned",
    [PS_PGACTIVATE] = "pgactivate",
    [PS_PGDEACTIVATE] = "pgdeactivate",
    [PS_PGREFILL] = "pgrefill",
    [PS_PSWPIN] = "pswpin",
    [PS_PSWPOUT] = "pswpout",
    [PS_PGROTATED] = "pgrotated",
    [PS_SLABS_SCANNED] = "slabs_scanned",
    [PS_PGMAJFAULT] = "pgmajfault",
    [PS_PGMIGRATE_SUCCESS] = "pgmigrate_success",
    [PS_PGMIGRATE_FAIL] = "pgmigrate_fail",
    [PS_THP_MIGRATION_SPLIT] = "thp_migration_split",
    [PS_THP_SPLIT_PAGE] = "thp_split_page",
    [PS_THP_SPLIT_PAGE_FAILED] = "thp_split_page_failed",
    [PS_THP_FAULT_ALLOC] = "thp_fault_alloc",
    [PS_THP_FAULT_FALLBACK] = "thp_fault_fallback",
    [PS_THP_COLLAPSE_ALLOC] = "thp_collapse_alloc",
    [PS_THP_COLLAPSE_ALLOC_FAILED] = "thp_collapse_alloc_failed",
    [PS_THP_SCAN_EXCEED_NONE_PTE] = "thp_scan_exceed_none_pte",
    [PS_THP_SCAN_EXCEED_SWAP_PTE] = "thp_scan_exceed_swap_pte",
    [PS_THP_SCAN_EXCEED_SHARE_PTE] = "thp_scan_exceed_share_pte",
    [PS_DROP_PAGECACHE] = "drop_pagecache",
    [PS_DROP_SLAB] = "drop_slab",
};

const char *const ps_khugepaged_key_names[PS_NR_KHUGEPAGED_KEYS] = {
    [PS_KHUGEPAGED_DEFRAG] = "defrag",
    [PS_KHUGEPAGED_MAX_PTES_NONE] = "max_ptes_none",
    [PS_KHUGEPAGED_MAX_PTES_SWAP] = "max_ptes_swap",
    [PS_KHUGEPAGED_MAX_PTES_SHARED] = "max_ptes_shared",
    [PS_KHUGEPAGED_PAGES_TO_SCAN] = "pages_to_scan",
    [PS_KHUGEPAGED_SCAN_SLEEP_MS] = "scan_sleep_millisecs",
    [PS_KHUGEPAGED_ALLOC_SLEEP_MS] = "alloc_sleep_millisecs",
};

void ps_khugepaged_key_range(unsigned thp_order, int key, uint64_t *lo, uint64_t *hi)
{
	*lo = 0;
	*hi = G_MAXUINT32;
	if (key == PS_KHUGEPAGED_DEFRAG)
		*hi = 1;
	else if (key == PS_KHUGEPAGED_PAGES_TO_SCAN)
		*lo = 1;
	else if (key != PS_KHUGEPAGED_SCAN_SLEEP_MS && key != PS_KHUGEPAGED_ALLOC_SLEEP_MS)
		*hi = (1ull << thp_order) - 1;
}

const char *const ps_node_stat_names[PS_NR_NODE_STAT_ITEMS] = {
    [PS_NR_SLAB_RECLAIMABLE_B] = "nr_slab_reclaimable",
    [PS_NR_SLAB_UNRECLAIMABLE_B] = "nr_slab_unreclaimable",
    [PS_WORKINGSET_REFAULT_ANON] = "workingset_refault_anon",
    [PS_WORKINGSET_REFAULT_FILE] = "workingset_refault_file",
    [PS_NR_ANON_PAGES] = "nr_anon_pages",
    [PS_NR_FILE_PAGES] = "nr_file_pages",
    [PS_NR_SHMEM] = "nr_shmem",
    [PS_NR_FILE_MAPPED] = "nr_mapped",
    [PS_NR_DIRTY] = "nr_dirty",
    [PS_NR_WRITEBACK] = "nr_writeback",
    [PS_NR_VMSCAN_IMMEDIATE_RECLAIM] = "nr_vmscan_immediate_reclaim",
    [PS_NR_DIRTIED] = "nr_dirtied",
    [PS_NR_WRITTEN] = "nr_written",
    [PS_NR_SWAPCACHED] = "nr_swapcached",
};

/* The domain's name, "ps_mm_error_quark", is spelled with '_': clang-format would space a '-'. */
G_DEFINE_QUARK(ps_mm_error_quark, ps_mm_error)
