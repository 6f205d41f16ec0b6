// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * write.c - a config back to JSON text: what parsing it gives back is the same PsConfig. Sections
 * that equal their defaults are left out, so that new defaults reach old configs; integers are
 * written exact (util/json.c), so a seed or a size above 2^53 keeps every digit.
 */
#include <string.h>

#include "config/config-private.h"

static cJSON *int_array(const int *v, int n)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
	return a;
}

/* "costs", "sampling", "swap" and "reclaim": only what differs from the defaults. */
static void add_model_sections(cJSON *root, const PsConfig *cfg)
{
	PsSampling sdef;
	PsReclaimConfig rdef;
	cJSON *costs = NULL, *rec = NULL;

	for (gsize i = 0; i < PS_CONFIG_NR_COST_KEYS; i++) {
		uint64_t v = *COST_FIELD(&cfg->costs, i);

		if (v == ps_config_cost_keys[i].def)
			continue;
		if (!costs)
			costs = cJSON_AddObjectToObject(root, "costs");
		ps_json_add_uint(costs, ps_config_cost_keys[i].key, v);
	}
	ps_sampling_default(&sdef);
	if (cfg->sampling.sample_ns != sdef.sample_ns)
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(root, "sampling"), "sample_ms",
					(double)(cfg->sampling.sample_ns / 1000000));
	if (cfg->reclaim.swap_pages)
		ps_json_add_uint(cJSON_AddObjectToObject(root, "swap"), "size_pages",
				 cfg->reclaim.swap_pages);
	ps_reclaim_config_default(&rdef);
	for (gsize i = 0; i < PS_CONFIG_NR_RECLAIM_KEYS; i++) {
		uint64_t v = ps_config_reclaim_get(&cfg->reclaim, i);

		if (v == ps_config_reclaim_get(&rdef, i))
			continue;
		if (!rec)
			rec = cJSON_AddObjectToObject(root, "reclaim");
		ps_json_add_uint(rec, ps_config_reclaim_keys[i].key, v);
	}
}

char *ps_config_to_json_full(const PsConfig *cfg)
{
	const PsMachineSpec *spec = &cfg->spec;
	const PsSysctl *s = &spec->sysctl;
	unsigned def_max, def_pb, def_thp;
	cJSON *root = cJSON_CreateObject();
	cJSON *nodes, *sys;
	bool all_node0 = true;
	char *out, *text;

	if (cfg->name)
		cJSON_AddStringToObject(root, "name", cfg->name);
	if (cfg->description)
		cJSON_AddStringToObject(root, "description", cfg->description);
	cJSON_AddNumberToObject(root, "page_size", spec->page_size);
	if (ps_page_size_defaults(spec->page_size, &def_max, &def_pb, &def_thp)) {
		if (spec->max_order != def_max)
			cJSON_AddNumberToObject(root, "max_order", spec->max_order);
		if (spec->pageblock_order != MIN(def_pb, spec->max_order))
			cJSON_AddNumberToObject(root, "pageblock_order", spec->pageblock_order);
	}
	cJSON_AddStringToObject(root, "thp", ps_config_thp_mode_name(spec));
	for (unsigned o = 2; o <= spec->thp_order && o < PS_NR_ORDERS_MAX; o++) {
		cJSON *hp = cJSON_GetObjectItemCaseSensitive(root, "hugepages");
		g_autofree char *name = NULL;

		if (!spec->thp_size_mode[o])
			continue;
		if (!hp)
			hp = cJSON_AddObjectToObject(root, "hugepages");
		name = g_strdup_printf("%" G_GUINT64_FORMAT "kB",
				       ((uint64_t)spec->page_size << o) / 1024);
		cJSON_AddStringToObject(hp, name,
					ps_config_thp_size_mode_names[spec->thp_size_mode[o]]);
	}
	for (int k = 0; k < PS_NR_KHUGEPAGED_KEYS; k++) {
		cJSON *kh = cJSON_GetObjectItemCaseSensitive(root, "khugepaged");

		if (!spec->khugepaged_given[k])
			continue;
		if (!kh)
			kh = cJSON_AddObjectToObject(root, "khugepaged");
		cJSON_AddNumberToObject(kh, ps_khugepaged_key_names[k], spec->khugepaged[k]);
	}
	if (spec->read_ahead_kb || spec->file_large_folios >= 0 || spec->pagecache_max_order >= 0) {
		cJSON *pc = cJSON_AddObjectToObject(root, "page_cache");

		if (spec->read_ahead_kb)
			cJSON_AddNumberToObject(pc, "read_ahead_kb", spec->read_ahead_kb);
		if (spec->file_large_folios >= 0)
			cJSON_AddBoolToObject(pc, "large_folios", spec->file_large_folios);
		if (spec->pagecache_max_order >= 0)
			cJSON_AddNumberToObject(pc, "max_order", spec->pagecache_max_order);
	}
	if (spec->shmem_enabled != PS_SHMEM_NEVER)
		cJSON_AddStringToObject(root, "shmem_enabled",
					ps_config_shmem_huge_names[spec->shmem_enabled]);
	if (spec->thread_size)
		cJSON_AddNumberToObject(root, "thread_size", spec->thread_size);
	if (spec->va_bits)
		cJSON_AddNumberToObject(root, "va_bits", spec->va_bits);
	if (spec->pcp_batch_scale_max != 5)
		cJSON_AddNumberToObject(root, "pcp_batch_scale_max", spec->pcp_batch_scale_max);
	if (spec->migrate_types != 5)
		cJSON_AddNumberToObject(root, "migrate_types", spec->migrate_types);
	if (spec->cpu_data_slice_given)
		cJSON_AddNumberToObject(root, "cpu_data_slice_kib", spec->cpu_data_slice_kib);
	if (spec->zone_types && spec->zone_types != PS_ZONE_TYPES_ALL)
		cJSON_AddItemToObject(root, "zone_types", ps_zone_types_to_json(spec->zone_types));
	for (int i = 0; i < spec->nr_cpus; i++)
		if (spec->cpu_node[i])
			all_node0 = false;
	if (all_node0)
		cJSON_AddNumberToObject(root, "cpus", spec->nr_cpus);
	else
		cJSON_AddItemToObject(root, "cpus", int_array(spec->cpu_node, spec->nr_cpus));

	nodes = cJSON_AddArrayToObject(root, "nodes");
	for (int n = 0; n < spec->nr_nodes; n++) {
		cJSON *node = cJSON_CreateObject();
		cJSON *zones = cJSON_AddObjectToObject(node, "zones");

		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			const PsZoneSpec *z = &spec->zones[n][t];
			cJSON *zo;

			if (!z->spanned)
				continue;
			zo = cJSON_AddObjectToObject(zones, ps_zone_names[t]);
			ps_json_add_uint(zo, "start_pfn", z->start_pfn);
			ps_json_add_uint(zo, "spanned", z->spanned);
			ps_json_add_uint(zo, "present", z->present);
			ps_json_add_uint(zo, "managed", z->managed);
			if (z->deferred)
				ps_json_add_uint(zo, "deferred", z->deferred);
		}
		cJSON_AddItemToArray(nodes, node);
	}
	if (spec->nr_nodes > 1) {
		cJSON *d = cJSON_AddArrayToObject(root, "distances");

		for (int i = 0; i < spec->nr_nodes; i++) {
			int row[PS_MAX_NODES];

			for (int j = 0; j < spec->nr_nodes; j++)
				row[j] = spec->distance[i][j];
			cJSON_AddItemToArray(d, int_array(row, spec->nr_nodes));
		}
	}

	sys = cJSON_AddObjectToObject(root, "sysctl");
	if (s->user_min_free_kbytes >= 0)
		cJSON_AddNumberToObject(sys, "min_free_kbytes", (double)s->user_min_free_kbytes);
	cJSON_AddNumberToObject(sys, "watermark_scale_factor", s->watermark_scale_factor);
	cJSON_AddNumberToObject(sys, "watermark_boost_factor", s->watermark_boost_factor);
	cJSON_AddItemToObject(sys, "lowmem_reserve_ratio",
			      int_array(s->lowmem_reserve_ratio, PS_MAX_NR_ZONES));
	cJSON_AddNumberToObject(sys, "percpu_pagelist_high_fraction",
				s->percpu_pagelist_high_fraction);
	cJSON_AddNumberToObject(sys, "extfrag_threshold", s->extfrag_threshold);
	cJSON_AddNumberToObject(sys, "compaction_proactiveness", s->compaction_proactiveness);
	cJSON_AddNumberToObject(sys, "swappiness", s->swappiness);
	cJSON_AddNumberToObject(sys, "zone_reclaim_mode", s->zone_reclaim_mode);
	cJSON_AddNumberToObject(sys, "defrag_mode", s->defrag_mode);
	cJSON_AddNumberToObject(sys, "stat_interval_ms", (double)(s->stat_interval_ns / 1000000));
	if (s->page_group_by_mobility_disabled)
		cJSON_AddBoolToObject(sys, "mobility_grouping", FALSE);
	if (spec->boot_history.set)
		cJSON_AddItemToObject(root, "boot_history", ps_boot_history_to_json(spec));
	ps_json_add_uint(root, "seed", spec->seed);
	add_model_sections(root, cfg);
	if (cfg->provenance)
		cJSON_AddItemToObject(root, "provenance", cJSON_Duplicate(cfg->provenance, TRUE));

	text = cJSON_Print(root);
	cJSON_Delete(root);
	out = g_strconcat(text, "\n", NULL);
	cJSON_free(text);
	return out;
}

char *ps_config_to_json(const PsMachineSpec *spec, const char *name, const cJSON *provenance)
{
	PsConfig cfg = {.spec = *spec, .name = (char *)name, .provenance = (cJSON *)provenance};

	ps_costs_default(&cfg.costs);
	ps_sampling_default(&cfg.sampling);
	ps_reclaim_config_default(&cfg.reclaim);
	return ps_config_to_json_full(&cfg);
}

gboolean ps_config_write_atomic(const char *path, const char *text, GError **error)
{
	if (ps_write_file_atomic(path, text, strlen(text), error))
		return TRUE;
	ps_util_error_to_domain(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_IO, PS_CONFIG_ERROR_IO);
	return FALSE;
}
