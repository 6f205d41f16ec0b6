// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * defaults.c - what an unset config is: the kernel's defaults of the machine spec and the vm
 * sysctls (mm/page_alloc.c, mm/vmstat.c, mm/compaction.c, mm/vmscan.c), the cost model's and the
 * sampling's defaults, the tables of the "costs" and "reclaim" keys, and the names configs use.
 * Parsing is config.c; writing a config back is write.c.
 */
#include <string.h>

#include "config/config-private.h"

const char *const ps_config_thp_mode_names[] = {"never", "madvise", "always", "off"};
const char *const ps_config_shmem_huge_names[PS_NR_SHMEM_HUGE] = {
    [PS_SHMEM_NEVER] = "never",
    [PS_SHMEM_ALWAYS] = "always",
    [PS_SHMEM_WITHIN_SIZE] = "within_size",
    [PS_SHMEM_ADVISE] = "advise",
    [PS_SHMEM_DENY] = "deny",
    [PS_SHMEM_FORCE] = "force"};
const char *const ps_config_thp_size_mode_names[PS_NR_THP_SIZE_MODES] = {
    "default", "never", "madvise", "always", "inherit"};

/* ---- spec defaults ---------------------------------------------------------------------- */

void ps_config_spec_init(PsMachineSpec *spec)
{
	static const int ratio[PS_MAX_NR_ZONES] = {256, 256, 32, 0, 0};
	PsSysctl *s = &spec->sysctl;

	memset(spec, 0, sizeof(*spec));
	spec->page_size = 4096;
	if (!ps_page_size_defaults(spec->page_size, &spec->max_order, &spec->pageblock_order,
				   &spec->thp_order))
		g_assert_not_reached();
	spec->thp_built = true;
	spec->thp_mode = 1;
	spec->file_large_folios = -1;
	spec->pagecache_max_order = -1;
	spec->nr_cpus = 1;
	spec->nr_nodes = 1;
	for (int i = 0; i < PS_MAX_NODES; i++)
		for (int j = 0; j < PS_MAX_NODES; j++)
			spec->distance[i][j] = i == j ? 10 : 20;
	spec->pcp_batch_scale_max = 5;
	spec->migrate_types = 5;
	spec->zone_types = PS_ZONE_TYPES_ALL;
	spec->seed = 1;

	s->min_free_kbytes = -1;
	s->user_min_free_kbytes = -1;
	s->watermark_scale_factor = 10;
	s->watermark_boost_factor = 15000;
	memcpy(s->lowmem_reserve_ratio, ratio, sizeof(ratio));
	s->percpu_pagelist_high_fraction = 0;
	s->extfrag_threshold = 500;
	s->compaction_proactiveness = 20;
	s->swappiness = 60;
	s->zone_reclaim_mode = 0;
	s->defrag_mode = 0;
	s->stat_interval_ns = 1000000000ull;
	s->page_group_by_mobility_disabled = false;
}

PsConfig *ps_config_new(void)
{
	PsConfig *cfg = g_new0(PsConfig, 1);

	ps_config_clear(cfg);
	return cfg;
}

/*
 * Cost defaults, in ns (configs/README.md "costs" gives the source of each): fault_ns and
 * clear_kib_ns are fitted to a measured malloc benchmark on one arm64 machine booted with 4K and
 * with 64K pages (bench/bench-calibrate prints the comparison; tests/sim/test-calibrate checks
 * its directions): a 4 KiB anonymous fault costs about 1.15 us all told, a 64 KiB one 3.65 us,
 * so zeroing is about 42 ns per KiB (~24 GB/s) and the trap, VMA walk and PTE install the rest.
 * A pcp hit is a few dozen ns, the zone lock and each buddy split level tens of ns.
 */
const PsConfigCostKey ps_config_cost_keys[] = {
    {"fast_path_ns", G_STRUCT_OFFSET(PsCosts, fast_path_ns), 40},
    {"zone_step_ns", G_STRUCT_OFFSET(PsCosts, zone_step_ns), 15},
    {"pcp_hit_ns", G_STRUCT_OFFSET(PsCosts, pcp_hit_ns), 25},
    {"pcp_refill_page_ns", G_STRUCT_OFFSET(PsCosts, pcp_refill_page_ns), 20},
    {"zone_lock_ns", G_STRUCT_OFFSET(PsCosts, zone_lock_ns), 60},
    {"buddy_split_ns", G_STRUCT_OFFSET(PsCosts, buddy_split_ns), 12},
    {"clear_kib_ns", G_STRUCT_OFFSET(PsCosts, clear_kib_ns), 42},
    {"fault_ns", G_STRUCT_OFFSET(PsCosts, fault_ns), 780},
    {"free_pcp_ns", G_STRUCT_OFFSET(PsCosts, free_pcp_ns), 30},
    {"free_buddy_page_ns", G_STRUCT_OFFSET(PsCosts, free_buddy_page_ns), 8},
    {"lru_add_folio_ns", G_STRUCT_OFFSET(PsCosts, lru_add_folio_ns), 100},
    {"mmap_ns", G_STRUCT_OFFSET(PsCosts, mmap_ns), 1700},
    {"munmap_ns", G_STRUCT_OFFSET(PsCosts, munmap_ns), 1000},
};

void ps_costs_default(PsCosts *c)
{
	for (gsize i = 0; i < PS_CONFIG_NR_COST_KEYS; i++)
		*COST_FIELD(c, i) = ps_config_cost_keys[i].def;
}

void ps_sampling_default(PsSampling *s)
{
	s->sample_ns = 100000000ull; /* 100 ms */
}

void ps_config_clear(PsConfig *cfg)
{
	g_clear_pointer(&cfg->name, g_free);
	g_clear_pointer(&cfg->description, g_free);
	g_clear_pointer(&cfg->provenance, cJSON_Delete);
	ps_config_spec_init(&cfg->spec);
	ps_costs_default(&cfg->costs);
	ps_sampling_default(&cfg->sampling);
	ps_reclaim_config_default(&cfg->reclaim);
}

void ps_config_free(PsConfig *cfg)
{
	if (!cfg)
		return;
	ps_config_clear(cfg);
	g_free(cfg);
}

const char *ps_config_thp_mode_name(const PsMachineSpec *spec)
{
	if (!spec->thp_built)
		return "off";
	return ps_config_thp_mode_names[CLAMP(spec->thp_mode, 0, 2)];
}

int ps_config_zone_type_from_name(const char *name)
{
	for (int t = 0; t < PS_MAX_NR_ZONES; t++)
		if (!strcmp(name, ps_zone_names[t]))
			return t;
	return -1;
}

/* "reclaim": millisecond settings and per-folio or per-page costs (ns), all integers. */
const PsConfigReclaimKey ps_config_reclaim_keys[] = {
    {"writeback_delay_ms", G_STRUCT_OFFSET(PsReclaimConfig, writeback_delay_ns), 1000000, false,
     PS_RECLAIM_KEY_MAX},
    {"writeback_page_ns", G_STRUCT_OFFSET(PsReclaimConfig, writeback_page_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
    {"writeback_io_ms", G_STRUCT_OFFSET(PsReclaimConfig, writeback_io_ns), 1000000, false,
     PS_RECLAIM_KEY_MAX},
    {"oom_reap_delay_ms", G_STRUCT_OFFSET(PsReclaimConfig, oom_reap_delay_ns), 1000000, false,
     PS_RECLAIM_KEY_MAX},
    {"kswapd_nap_ms", G_STRUCT_OFFSET(PsReclaimConfig, kswapd_nap_ns), 1000000, false,
     PS_RECLAIM_KEY_MAX},
    {"start_reclaim_order", G_STRUCT_OFFSET(PsReclaimConfig, start_reclaim_order), 1, true, 1},
    {"slab_shrink_permille", G_STRUCT_OFFSET(PsReclaimConfig, slab_shrink_permille), 1, true, 1000},
    {"scan_folio_ns", G_STRUCT_OFFSET(PsReclaimConfig, scan_folio_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
    {"reclaim_folio_ns", G_STRUCT_OFFSET(PsReclaimConfig, reclaim_folio_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
    {"slab_page_ns", G_STRUCT_OFFSET(PsReclaimConfig, slab_page_ns), 1, false, PS_RECLAIM_KEY_MAX},
    {"swapout_page_ns", G_STRUCT_OFFSET(PsReclaimConfig, swapout_page_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
    {"swapin_page_ns", G_STRUCT_OFFSET(PsReclaimConfig, swapin_page_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
    {"compaction", G_STRUCT_OFFSET(PsReclaimConfig, compaction), 1, true, 1},
    {"compact_scan_page_ns", G_STRUCT_OFFSET(PsReclaimConfig, compact_scan_page_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
    {"compact_isolate_page_ns", G_STRUCT_OFFSET(PsReclaimConfig, compact_isolate_page_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
    {"compact_migrate_page_ns", G_STRUCT_OFFSET(PsReclaimConfig, compact_migrate_page_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
    {"compact_copy_kib_ns", G_STRUCT_OFFSET(PsReclaimConfig, compact_copy_kib_ns), 1, false,
     PS_RECLAIM_KEY_MAX},
};

uint64_t ps_config_reclaim_get(const PsReclaimConfig *rc, gsize i)
{
	const char *base = (const char *)rc + ps_config_reclaim_keys[i].offset;

	if (ps_config_reclaim_keys[i].is_u32)
		return *(const unsigned *)base;
	return *(const uint64_t *)base / ps_config_reclaim_keys[i].mult;
}
