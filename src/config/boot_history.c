// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * boot_history.c - two config keys about the kernel a config mirrors, read and written here so
 * that config.c only dispatches to them:
 *
 * "zone_types": the zone list of the kernel's configuration, e.g. ["DMA", "DMA32", "Normal",
 * "Movable"] for the arm64 lab kernels (no CONFIG_ZONE_DEVICE). zoneinfo prints one block per
 * type and node, and every protection array has one entry per type (MAX_NR_ZONES, enum
 * zone_type in include/linux/mmzone.h). Absent: all five, as on x86-64.
 *
 * "boot_history": what a real machine printed per zone (managed, unboosted watermarks,
 * protection as printed, pcp batch/high_min/high_max) and the sysctls it printed them under.
 * `config from-proc` writes it; policy/setup.c carries the printed values where the formulas on
 * today's managed count give others (see there).
 */
#include <string.h>

#include "config/config.h"

static bool int_field(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(it) || it->valuedouble < (double)min || it->valuedouble > (double)max)
		return false;
	*out = (int64_t)it->valuedouble;
	return true;
}

/* n integers (n < 0: any count up to -n) into out; returns the count or -1. */
static int int_list(const cJSON *a, int n, int64_t *out)
{
	int i = 0;
	const cJSON *e;

	if (!cJSON_IsArray(a) || (n >= 0 && cJSON_GetArraySize(a) != n) ||
	    cJSON_GetArraySize(a) > (n < 0 ? -n : n))
		return -1;
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsNumber(e))
			return -1;
		out[i++] = (int64_t)e->valuedouble;
	}
	return i;
}

bool ps_zone_types_from_json(const cJSON *item, unsigned *out)
{
	const cJSON *e;
	unsigned mask = 0;

	if (!cJSON_IsArray(item))
		return false;
	cJSON_ArrayForEach(e, item)
	{
		int t = cJSON_IsString(e) ? ps_config_zone_type_from_name(e->valuestring) : -1;

		if (t < 0 || mask & (1u << t))
			return false;
		mask |= 1u << t;
	}
	/* ZONE_NORMAL and ZONE_MOVABLE exist in every configuration. */
	if (!(mask & (1u << PS_ZONE_NORMAL)) || !(mask & (1u << PS_ZONE_MOVABLE)))
		return false;
	*out = mask;
	return true;
}

cJSON *ps_zone_types_to_json(unsigned mask)
{
	cJSON *a = cJSON_CreateArray();

	for (int t = 0; t < PS_MAX_NR_ZONES; t++)
		if (!mask || mask & (1u << t))
			cJSON_AddItemToArray(a, cJSON_CreateString(ps_zone_names[t]));
	return a;
}

/* The protection entries as printed: one per built type, in type order. */
static cJSON *printed_protection(const PsMachineSpec *spec, const PsPrintedZone *z)
{
	cJSON *a = cJSON_CreateArray();

	for (int t = 0; t < PS_MAX_NR_ZONES; t++)
		if (ps_zone_type_built(spec, t))
			cJSON_AddItemToArray(a, cJSON_CreateNumber((double)z->protection[t]));
	return a;
}

static bool zone_from_json(const cJSON *o, PsMachineSpec *spec, char **what)
{
	const cJSON *zone = cJSON_GetObjectItemCaseSensitive(o, "zone");
	int64_t node, managed, v[PS_MAX_NR_ZONES], prot[PS_MAX_NR_ZONES], pcp[3];
	int type = cJSON_IsString(zone) ? ps_config_zone_type_from_name(zone->valuestring) : -1;
	int nprot;
	PsPrintedZone *z;

	if (!int_field(o, "node", 0, PS_MAX_NODES - 1, &node) || type < 0 ||
	    !int_field(o, "managed", 0, G_MAXINT64, &managed)) {
		*what = g_strdup("each zone needs \"node\", \"zone\" and \"managed\"");
		return false;
	}
	z = &spec->boot_history.zones[node][type];
	if (int_list(cJSON_GetObjectItemCaseSensitive(o, "wmark"), PS_NR_WMARK, v) < 0 ||
	    (nprot = int_list(cJSON_GetObjectItemCaseSensitive(o, "protection"), -PS_MAX_NR_ZONES,
			      prot)) < 0 ||
	    int_list(cJSON_GetObjectItemCaseSensitive(o, "pcp"), 3, pcp) < 0) {
		*what = g_strdup_printf("node %d %s: \"wmark\" needs %d integers, \"pcp\" 3 "
					"(batch, high_min, high_max) and \"protection\" one per "
					"zone type",
					(int)node, ps_zone_names[type], PS_NR_WMARK);
		return false;
	}
	memset(z, 0, sizeof(*z));
	z->set = true;
	z->managed = (uint64_t)managed;
	for (int w = 0; w < PS_NR_WMARK; w++)
		z->wmark[w] = (uint64_t)v[w];
	for (int t = 0, k = 0; t < PS_MAX_NR_ZONES && k < nprot; t++)
		if (ps_zone_type_built(spec, t))
			z->protection[t] = prot[k++];
	z->batch = (int)pcp[0];
	z->high_min = (int)pcp[1];
	z->high_max = (int)pcp[2];
	return true;
}

bool ps_boot_history_from_json(const cJSON *item, PsMachineSpec *spec, char **what)
{
	PsBootHistory *h = &spec->boot_history;
	const cJSON *sys = cJSON_GetObjectItemCaseSensitive(item, "sysctl");
	const cJSON *zones = cJSON_GetObjectItemCaseSensitive(item, "zones"), *e;
	int64_t v, lrr[PS_MAX_NR_ZONES] = {0};
	int n;

	memset(h, 0, sizeof(*h));
	if (!cJSON_IsObject(sys) || !cJSON_IsArray(zones) ||
	    !int_field(sys, "min_free_kbytes", 0, G_MAXINT32, &h->min_free_kbytes) ||
	    (n = int_list(cJSON_GetObjectItemCaseSensitive(sys, "lowmem_reserve_ratio"),
			  -PS_MAX_NR_ZONES, lrr)) < 0) {
		*what = g_strdup("expected {\"sysctl\": {min_free_kbytes, watermark_scale_factor, "
				 "lowmem_reserve_ratio, percpu_pagelist_high_fraction}, "
				 "\"zones\": [...]}");
		return false;
	}
	for (int i = 0; i < n; i++)
		h->lowmem_reserve_ratio[i] = (int)lrr[i];
	if (!int_field(sys, "watermark_scale_factor", 1, 3000, &v)) {
		*what = g_strdup("sysctl.watermark_scale_factor: 1..3000");
		return false;
	}
	h->watermark_scale_factor = (int)v;
	if (!int_field(sys, "percpu_pagelist_high_fraction", 0, G_MAXINT32, &v)) {
		*what = g_strdup("sysctl.percpu_pagelist_high_fraction: an integer");
		return false;
	}
	h->percpu_pagelist_high_fraction = (int)v;
	cJSON_ArrayForEach(e, zones)
	{
		if (!zone_from_json(e, spec, what))
			return false;
	}
	h->set = true;
	return true;
}

cJSON *ps_boot_history_to_json(const PsMachineSpec *spec)
{
	const PsBootHistory *h = &spec->boot_history;
	cJSON *root = cJSON_CreateObject(), *sys, *zones;
	int lrr[PS_MAX_NR_ZONES];

	sys = cJSON_AddObjectToObject(root, "sysctl");
	cJSON_AddNumberToObject(sys, "min_free_kbytes", (double)h->min_free_kbytes);
	cJSON_AddNumberToObject(sys, "watermark_scale_factor", h->watermark_scale_factor);
	memcpy(lrr, h->lowmem_reserve_ratio, sizeof(lrr));
	cJSON_AddItemToObject(sys, "lowmem_reserve_ratio",
			      cJSON_CreateIntArray(lrr, PS_MAX_NR_ZONES));
	cJSON_AddNumberToObject(sys, "percpu_pagelist_high_fraction",
				h->percpu_pagelist_high_fraction);
	zones = cJSON_AddArrayToObject(root, "zones");
	for (int n = 0; n < spec->nr_nodes; n++) {
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			const PsPrintedZone *z = &h->zones[n][t];
			cJSON *o;
			double wm[PS_NR_WMARK];
			int pcp[3] = {z->batch, z->high_min, z->high_max};

			if (!z->set)
				continue;
			o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "node", n);
			cJSON_AddStringToObject(o, "zone", ps_zone_names[t]);
			cJSON_AddNumberToObject(o, "managed", (double)z->managed);
			for (int w = 0; w < PS_NR_WMARK; w++)
				wm[w] = (double)z->wmark[w];
			cJSON_AddItemToObject(o, "wmark", cJSON_CreateDoubleArray(wm, PS_NR_WMARK));
			cJSON_AddItemToObject(o, "protection", printed_protection(spec, z));
			cJSON_AddItemToObject(o, "pcp", cJSON_CreateIntArray(pcp, 3));
			cJSON_AddItemToArray(zones, o);
		}
	}
	return root;
}
