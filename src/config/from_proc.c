// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * from_proc.c - a config that mirrors a real machine, from its /proc/zoneinfo and whatever else is
 * known (sysctls, cpu count, page size).
 *
 * The zone spans and sizes are read as printed. Sysctls that were not supplied are inferred back
 * from what the kernel printed, by inverting the formulas of mm/page_alloc.c
 * (__setup_per_zone_wmarks, setup_per_zone_lowmem_reserve, zone_highsize): the value chosen is one
 * that reproduces every zone's printed figure exactly; the kernel default is preferred among
 * several such values. When no value reproduces the figures (a kernel with other formulas, or one
 * whose zone sizes changed after the tunables were computed) the closest one is taken and the
 * provenance says so.
 *
 * Watermarks are printed with the zone's boost added. Kernels since 5.1 print the boost; for older
 * layouts it is inferred: the gap low - min does not include the boost, so the unboosted min is
 * near 4 * gap, and a boost is a multiple of a pageblock (boost_watermark adds one pageblock per
 * fragmenting fallback), which pins the min down when the gap is a quarter of it.
 *
 * Simplifications: cpu-to-node placement is not in zoneinfo; without better information cpus are
 * split evenly over the nodes in contiguous ranges, which fixes the per-node cpu count that the
 * pcp limits divide by.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* ---- zoneinfo parser ------------------------------------------------------------------------ */

void ps_zoneinfo_free(PsZoneinfo *zi)
{
	if (!zi)
		return;
	g_free(zi->zones);
	g_free(zi);
}

const PsZoneinfoZone *ps_zoneinfo_find(const PsZoneinfo *zi, int node, int type)
{
	for (int i = 0; i < zi->nr_zones; i++)
		if (zi->zones[i].node == node && zi->zones[i].type == type)
			return &zi->zones[i];
	return NULL;
}

static gboolean parse_u64(const char *s, uint64_t *out)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!g_ascii_isdigit(*s))
		return FALSE;
	*out = g_ascii_strtoull(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0';
}

static gboolean parse_int(const char *s, int *out)
{
	char *end;
	long v;

	while (*s == ' ' || *s == '\t')
		s++;
	v = strtol(s, &end, 10);
	if (end == s)
		return FALSE;
	*out = (int)v;
	return TRUE;
}

static gboolean zi_fail(GError **error, const char *filename, int line, const char *what)
{
	g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_SYNTAX, "%s:%d: zoneinfo: %s", filename,
		    line, what);
	return FALSE;
}

/* One line inside a zone's block; s has its leading blanks removed. */
static gboolean zi_zone_line(PsZoneinfoZone *z, const char *s, bool *in_pagesets, int *cpu,
			     const char *filename, int line, GError **error)
{
	static const char *const wm_keys[PS_NR_WMARK] = {"min", "low", "high", "promo"};
	char key[32];
	const char *val;
	int v;

	if (g_str_has_prefix(s, "pages free")) {
		if (!parse_u64(s + strlen("pages free"), &z->free))
			return zi_fail(error, filename, line, "bad 'pages free' line");
		return TRUE;
	}
	if (g_str_has_prefix(s, "protection:")) {
		const char *p = strchr(s, '(');
		int n = 0;

		if (!p)
			return zi_fail(error, filename, line, "bad protection line");
		for (p++; *p && *p != ')' && n < PS_MAX_NR_ZONES; n++) {
			char *end;

			z->protection[n] = g_ascii_strtoll(p, &end, 10);
			if (end == p)
				return zi_fail(error, filename, line, "bad protection value");
			p = end;
			while (*p == ',' || *p == ' ')
				p++;
		}
		z->nr_protection = n;
		return TRUE;
	}
	if (!strcmp(s, "pagesets")) {
		*in_pagesets = true;
		return TRUE;
	}
	if (g_str_has_prefix(s, "cpu:")) {
		*cpu = z->nr_pagesets++;
		return TRUE;
	}
	if (g_str_has_prefix(s, "vm stats threshold:")) {
		if (*cpu == 0 && parse_int(s + strlen("vm stats threshold:"), &v))
			z->stat_threshold = v;
		return TRUE;
	}
	if (g_str_has_prefix(s, "start_pfn:")) {
		if (!parse_u64(s + strlen("start_pfn:"), &z->start_pfn))
			return zi_fail(error, filename, line, "bad start_pfn");
		z->has_start_pfn = true;
		return TRUE;
	}
	val = strpbrk(s, ": \t");
	if (!val || (gsize)(val - s) >= sizeof(key))
		return TRUE;
	memcpy(key, s, (gsize)(val - s));
	key[val - s] = '\0';
	if (*in_pagesets && *val == ':') {
		int *field = NULL;

		if (!parse_int(val + 1, &v))
			return TRUE;
		if (!strcmp(key, "count"))
			return TRUE;
		if (!strcmp(key, "high"))
			field = &z->pcp_high;
		else if (!strcmp(key, "batch"))
			field = &z->pcp_batch;
		else if (!strcmp(key, "high_min"))
			field = &z->pcp_high_min;
		else if (!strcmp(key, "high_max"))
			field = &z->pcp_high_max;
		if (!field)
			return TRUE;
		if (*cpu <= 0)
			*field = v;
		else if (*field != v && field != &z->pcp_high)
			z->pcp_uniform = false;
		return TRUE;
	}
	if (*in_pagesets)
		return TRUE;
	for (int w = 0; w < PS_NR_WMARK; w++) {
		if (!strcmp(key, wm_keys[w])) {
			if (!parse_u64(val, &z->wmark[w]))
				return zi_fail(error, filename, line, "bad watermark value");
			if (w == PS_WMARK_PROMO)
				z->has_promo = true;
			return TRUE;
		}
	}
	if (!strcmp(key, "boost")) {
		z->has_boost = parse_u64(val, &z->boost);
		return z->has_boost ? TRUE : zi_fail(error, filename, line, "bad boost value");
	}
	if (!strcmp(key, "spanned"))
		return parse_u64(val, &z->spanned) ? TRUE
						   : zi_fail(error, filename, line, "bad spanned");
	if (!strcmp(key, "present"))
		return parse_u64(val, &z->present) ? TRUE
						   : zi_fail(error, filename, line, "bad present");
	if (!strcmp(key, "managed"))
		return parse_u64(val, &z->managed) ? TRUE
						   : zi_fail(error, filename, line, "bad managed");
	return TRUE;
}

PsZoneinfo *ps_zoneinfo_parse(const char *text, const char *filename, GError **error)
{
	g_autoptr(PsZoneinfo) zi = g_new0(PsZoneinfo, 1);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GArray *zones = g_array_new(FALSE, TRUE, sizeof(PsZoneinfoZone));
	PsZoneinfoZone *cur = NULL;
	bool in_pagesets = false;
	int cpu = -1;

	for (int i = 0; lines[i]; i++) {
		const char *s = lines[i];
		int node;
		char name[16];

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			continue;
		if (sscanf(lines[i], "Node %d, zone %15s", &node, name) == 2) {
			PsZoneinfoZone z = {0};
			int type = ps_config_zone_type_from_name(name);

			if (type < 0 || node < 0 || node >= PS_MAX_NODES) {
				g_autofree char *msg = g_strdup_printf(
				    "unsupported zone 'Node %d, zone %s'", node, name);

				g_array_free(zones, TRUE);
				zi_fail(error, filename, i + 1, msg);
				return NULL;
			}
			z.node = node;
			z.type = type;
			z.line = i + 1;
			z.pcp_batch = z.pcp_high = z.pcp_high_min = z.pcp_high_max = -1;
			z.stat_threshold = -1;
			z.pcp_uniform = true;
			for (guint k = 0; k < zones->len; k++) {
				const PsZoneinfoZone *o = &g_array_index(zones, PsZoneinfoZone, k);

				if (o->node == node && o->type == type) {
					g_autofree char *msg = g_strdup_printf(
					    "zone %s of node %d listed twice (first on line %d)",
					    name, node, o->line);

					g_array_free(zones, TRUE);
					zi_fail(error, filename, i + 1, msg);
					return NULL;
				}
			}
			g_array_append_val(zones, z);
			cur = &g_array_index(zones, PsZoneinfoZone, zones->len - 1);
			in_pagesets = false;
			cpu = -1;
			zi->nr_nodes = MAX(zi->nr_nodes, node + 1);
			continue;
		}
		if (!cur)
			continue;
		if (!zi_zone_line(cur, s, &in_pagesets, &cpu, filename, i + 1, error)) {
			g_array_free(zones, TRUE);
			return NULL;
		}
	}
	if (!zones->len) {
		g_array_free(zones, TRUE);
		zi_fail(error, filename, 1, "no 'Node N, zone NAME' line: not a zoneinfo file");
		return NULL;
	}
	zi->nr_zones = (int)zones->len;
	zi->zones = (PsZoneinfoZone *)(void *)g_array_free(zones, FALSE);
	for (int i = 0; i < zi->nr_zones; i++)
		if (zi->zones[i].present && zi->zones[i].nr_pagesets > zi->nr_cpus)
			zi->nr_cpus = zi->zones[i].nr_pagesets;
	return g_steal_pointer(&zi);
}

/* ---- inference ------------------------------------------------------------------------------ */

void ps_proc_input_init(PsProcInput *in)
{
	memset(in, 0, sizeof(*in));
	in->thp_mode = -1;
	in->min_free_kbytes = -1;
	in->watermark_scale_factor = -1;
	in->watermark_boost_factor = -1;
	for (int i = 0; i < PS_MAX_NR_ZONES; i++)
		in->lowmem_reserve_ratio[i] = -1;
	in->percpu_pagelist_high_fraction = -1;
	in->extfrag_threshold = -1;
	in->compaction_proactiveness = -1;
	in->swappiness = -1;
	in->zone_reclaim_mode = -1;
	in->defrag_mode = -1;
}

/* Per zone of the machine being mirrored: what the kernel printed, with the boost taken out. */
typedef struct {
	const PsZoneinfoZone *zi;
	uint64_t boost;
	const char *boost_how; /* "printed", "inferred" or "assumed 0" */
	uint64_t wmark[PS_NR_WMARK];
} Observed;

typedef struct {
	PsConfig *cfg;
	cJSON *prov;
	const PsZoneinfo *zi;
	Observed obs[PS_MAX_NODES][PS_MAX_NR_ZONES];
	uint64_t pageblock_nr_pages;
} FromProc;

static void prov_set(FromProc *fp, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void prov_set(FromProc *fp, const char *key, const char *fmt, ...)
{
	g_autofree char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	cJSON_DeleteItemFromObjectCaseSensitive(fp->prov, key);
	cJSON_AddStringToObject(fp->prov, key, s);
}

static bool zone_used(const PsZoneinfoZone *z)
{
	return z && z->managed > 0;
}

/* The unboosted watermarks; the boost is printed, or inferred from the pageblock rule. */
static void observe_zone(FromProc *fp, const PsZoneinfoZone *z)
{
	Observed *o = &fp->obs[z->node][z->type];
	uint64_t gap = z->wmark[PS_WMARK_LOW] - z->wmark[PS_WMARK_MIN];

	o->zi = z;
	o->boost = 0;
	o->boost_how = "assumed 0";
	if (z->has_boost) {
		o->boost = z->boost;
		o->boost_how = "printed";
	} else if (z->managed && z->type != PS_ZONE_MOVABLE &&
		   z->wmark[PS_WMARK_MIN] >= 4 * gap + 4) {
		/* The min exceeds what its gap allows: look for share + k pageblocks. */
		for (uint64_t share = 4 * gap; share < 4 * gap + 4; share++) {
			uint64_t b = z->wmark[PS_WMARK_MIN] - share;

			if (b % fp->pageblock_nr_pages == 0) {
				o->boost = b;
				o->boost_how = "inferred";
				break;
			}
		}
	}
	for (int w = 0; w < PS_NR_WMARK; w++)
		o->wmark[w] = z->wmark[w] >= o->boost ? z->wmark[w] - o->boost : 0;
}

static uint64_t lowmem_pages(const FromProc *fp)
{
	uint64_t sum = 0;

	for (int i = 0; i < fp->zi->nr_zones; i++)
		if (fp->zi->zones[i].type != PS_ZONE_MOVABLE)
			sum += fp->zi->zones[i].managed;
	return sum;
}

/* Σ |printed min - computed min| over the zones that get a share, for a given pages_min. */
static uint64_t min_error(const FromProc *fp, uint64_t pages_min, uint64_t lowmem)
{
	uint64_t err = 0;

	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];
		const Observed *o = &fp->obs[z->node][z->type];
		uint64_t share = pages_min * z->managed / lowmem;

		if (!zone_used(z) || z->type == PS_ZONE_MOVABLE)
			continue;
		err += share > o->wmark[PS_WMARK_MIN] ? share - o->wmark[PS_WMARK_MIN]
						      : o->wmark[PS_WMARK_MIN] - share;
	}
	return err;
}

static int64_t infer_min_free_kbytes(FromProc *fp, unsigned page_shift)
{
	uint64_t lowmem = lowmem_pages(fp), sum = 0, best = 0, best_err = G_MAXUINT64;
	int nz = 0;

	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];

		if (zone_used(z) && z->type != PS_ZONE_MOVABLE) {
			sum += fp->obs[z->node][z->type].wmark[PS_WMARK_MIN];
			nz++;
		}
	}
	if (!lowmem)
		return -1;
	/*
	 * Each zone's share is pages_min * managed / lowmem rounded down, so the shares add up to
	 * pages_min minus less than one page per zone: pages_min lies in [sum, sum + nz). Outside
	 * that window (other formulas, changed sizes) search a wider one for the closest fit.
	 */
	for (uint64_t pm = sum; pm < sum + (uint64_t)nz + 1; pm++) {
		uint64_t e = min_error(fp, pm, lowmem);

		if (e < best_err) {
			best_err = e;
			best = pm;
		}
	}
	if (best_err) {
		/*
		 * No exact fit: the tunables were computed when the zones had other sizes. The
		 * THP recommendation, when it lies in the window, is then the likeliest value.
		 */
		uint64_t rec = fp->pageblock_nr_pages * (uint64_t)nz * 11;

		if (rec >= sum && rec <= sum + (uint64_t)nz) {
			best = rec;
			best_err = MAX(min_error(fp, rec, lowmem), 1);
		}
	}
	if (best_err)
		prov_set(fp, "sysctl.min_free_kbytes",
			 "inferred, approximate: no value reproduces every zone's min watermark "
			 "(closest off by %" G_GUINT64_FORMAT
			 " pages in total; zone sizes changed after boot, or other formulas)",
			 best_err);
	else
		prov_set(fp, "sysctl.min_free_kbytes",
			 "inferred: reproduces every zone's min watermark exactly "
			 "(pages_min %" G_GUINT64_FORMAT ")",
			 best);
	return (int64_t)(best << (page_shift - 10));
}

/* The printed gaps of all zones under watermark_scale_factor wsf; returns mismatching zones. */
static int wsf_mismatches(const FromProc *fp, uint64_t pages_min, uint64_t lowmem, int wsf)
{
	int bad = 0;

	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];
		const Observed *o = &fp->obs[z->node][z->type];
		uint64_t share = lowmem ? pages_min * z->managed / lowmem : 0;
		uint64_t gap = MAX(share >> 2, z->managed * (uint64_t)wsf / 10000);

		if (!zone_used(z))
			continue;
		if (o->wmark[PS_WMARK_LOW] - o->wmark[PS_WMARK_MIN] != gap ||
		    o->wmark[PS_WMARK_HIGH] - o->wmark[PS_WMARK_LOW] != gap ||
		    (z->has_promo && o->wmark[PS_WMARK_PROMO] - o->wmark[PS_WMARK_HIGH] != gap))
			bad++;
	}
	return bad;
}

static int infer_wsf(FromProc *fp, uint64_t pages_min)
{
	uint64_t lowmem = lowmem_pages(fp);
	int best = 10, best_bad = wsf_mismatches(fp, pages_min, lowmem, 10);

	if (best_bad) {
		for (int wsf = 1; wsf <= 3000; wsf++) {
			int bad = wsf_mismatches(fp, pages_min, lowmem, wsf);

			if (bad < best_bad) {
				best_bad = bad;
				best = wsf;
			}
		}
	}
	if (best_bad)
		prov_set(fp, "sysctl.watermark_scale_factor",
			 "inferred, approximate: %d zone(s) have low/high gaps no value reproduces "
			 "(kernels before 4.6 used min/4 and min/2 without a scale factor)",
			 best_bad);
	else
		prov_set(fp, "sysctl.watermark_scale_factor",
			 best == 10 ? "inferred: the default 10 reproduces every gap"
				    : "inferred: the smallest value that reproduces every gap");
	return best;
}

/* lowmem_reserve_ratio[i] from the protection of all zones of type i. */
static int ratio_mismatches(const FromProc *fp, int i, int ratio, bool *constrained)
{
	int bad = 0;

	for (int n = 0; n < fp->zi->nr_nodes; n++) {
		const PsZoneinfoZone *z = fp->obs[n][i].zi;
		uint64_t upper = 0;

		if (!zone_used(z))
			continue;
		for (int j = i + 1; j < z->nr_protection; j++) {
			const PsZoneinfoZone *u = fp->obs[n][j].zi;
			int64_t want;

			upper += u ? u->managed : 0;
			want = ratio > 0 ? (int64_t)(upper / (uint64_t)ratio) : 0;
			if (upper)
				*constrained = true;
			if (want != z->protection[j])
				bad++;
		}
	}
	return bad;
}

static void infer_lowmem_reserve_ratio(FromProc *fp, int *ratio)
{
	static const int def[PS_MAX_NR_ZONES] = {256, 256, 32, 0, 0};
	GString *how = g_string_new(NULL);
	int total_bad = 0;

	for (int i = 0; i < PS_MAX_NR_ZONES; i++) {
		bool constrained = false;
		int best = def[i], best_bad = ratio_mismatches(fp, i, def[i], &constrained);

		if (constrained && best_bad) {
			for (int r = 0; r <= 65536 && best_bad; r++) {
				int bad = ratio_mismatches(fp, i, r, &constrained);

				if (bad < best_bad) {
					best_bad = bad;
					best = r;
				}
			}
		}
		ratio[i] = best;
		total_bad += best_bad;
		g_string_append_printf(how, "%s%s: %s", i ? "; " : "", ps_zone_names[i],
				       !constrained ? "default (nothing above it to reserve for)"
				       : best_bad   ? "approximate"
				       : best == def[i] ? "default, reproduces the protection"
							: "inferred, reproduces the protection");
	}
	if (total_bad)
		g_string_append(how, " (approximate: the protection was computed when the zones "
				     "had other sizes, e.g. before the initrd was freed)");
	prov_set(fp, "sysctl.lowmem_reserve_ratio", "%s", how->str);
	g_string_free(how, TRUE);
}

static int zone_nr_split(const PsMachineSpec *spec, int node)
{
	int n = 0;

	for (int c = 0; c < spec->nr_cpus; c++)
		if (spec->cpu_node[c] == node)
			n++;
	return n ? n : spec->nr_cpus;
}

/* Batch as zone_batchsize() computes it (kept here so config/ needs nothing from policy/). */
static int batch_of(uint64_t managed, uint32_t page_size)
{
	uint64_t b = MIN(managed >> 10, (uint64_t)(1u << 20) / page_size) / 4;
	uint64_t p = 1;

	if (b < 1)
		b = 1;
	while (p * 2 <= b + b / 2)
		p *= 2;
	return (int)MAX(p - 1, 1);
}

static int infer_high_fraction(FromProc *fp)
{
	const PsMachineSpec *spec = &fp->cfg->spec;
	bool printed = false, equal = true;

	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];

		if (!zone_used(z) || z->pcp_high_min < 0)
			continue;
		printed = true;
		if (z->pcp_high_min != z->pcp_high_max)
			equal = false;
	}
	if (!printed) {
		prov_set(fp, "sysctl.percpu_pagelist_high_fraction",
			 "default (zoneinfo prints no high_min/high_max)");
		return 0;
	}
	if (!equal) {
		prov_set(fp, "sysctl.percpu_pagelist_high_fraction",
			 "inferred: high_min differs from high_max, so the fraction is 0");
		return 0;
	}
	for (int f = 8; f <= 1 << 20; f++) {
		bool ok = true;

		for (int i = 0; i < fp->zi->nr_zones && ok; i++) {
			const PsZoneinfoZone *z = &fp->zi->zones[i];
			int batch = batch_of(z->managed, spec->page_size);
			uint64_t h =
			    z->managed / (uint64_t)f / (uint64_t)zone_nr_split(spec, z->node);

			if (zone_used(z) && z->pcp_high_min >= 0 &&
			    (int64_t)MAX(h, (uint64_t)batch << 2) != z->pcp_high_min)
				ok = false;
		}
		if (ok) {
			prov_set(
			    fp, "sysctl.percpu_pagelist_high_fraction",
			    "inferred: high_min == high_max and this fraction reproduces them");
			return f;
		}
	}
	prov_set(fp, "sysctl.percpu_pagelist_high_fraction",
		 "approximate: high_min == high_max but no fraction reproduces them; 0 used");
	return 0;
}

static void note_min_free_origin(FromProc *fp, int64_t mfk, unsigned page_shift)
{
	uint64_t nz = 0, managed = 0, rec, def, r = 0;

	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];

		if (z->type <= PS_ZONE_NORMAL && z->present) {
			nz++;
			managed += z->managed;
		}
	}
	rec = (fp->pageblock_nr_pages * nz * 11) << (page_shift - 10);
	/* At boot no watermark exists yet: lowmem is every managed page up to Normal. */
	for (uint64_t bit = 1ull << 31, x16 = 16 * (managed << (page_shift - 10)); bit; bit >>= 1)
		if ((r + bit) * (r + bit) <= x16)
			r += bit;
	def = CLAMP(r, 128, 262144);
	if ((uint64_t)mfk == rec)
		prov_set(fp, "min_free_kbytes_origin",
			 "equals the THP recommendation of set_recommended_min_free_kbytes "
			 "(11 pageblocks per zone up to Normal)");
	else if ((uint64_t)mfk == def)
		prov_set(fp, "min_free_kbytes_origin",
			 "equals the sqrt default of calculate_min_free_kbytes");
	else
		prov_set(fp, "min_free_kbytes_origin",
			 "neither the sqrt default (%" G_GUINT64_FORMAT
			 " kB) nor the THP recommendation (%" G_GUINT64_FORMAT
			 " kB) for these zone sizes: set by the user, or computed when the zones "
			 "had other sizes",
			 def, rec);
}

static void set_sysctl_int(FromProc *fp, const char *key, int given, int def, int *out,
			   const char *source)
{
	g_autofree char *k = g_strdup_printf("sysctl.%s", key);

	if (given >= 0) {
		*out = given;
		prov_set(fp, k, "file: %s", source ? source : "given");
	} else {
		*out = def;
		prov_set(fp, k, "default");
	}
}

gboolean ps_config_from_proc(const PsProcInput *in, PsConfig *cfg, GError **error)
{
	g_autoptr(PsZoneinfo) zi = NULL;
	g_autofree char *text = NULL;
	g_autoptr(PsConfig) check = NULL;
	PsMachineSpec *spec = &cfg->spec;
	PsSysctl *s = &spec->sysctl;
	const char *zpath = in->zoneinfo_path ? in->zoneinfo_path : "zoneinfo";
	unsigned page_shift;
	FromProc fp = {0};
	GString *boosts;
	int64_t mfk;
	bool any_boost = false;

	zi = ps_zoneinfo_parse(in->zoneinfo_text, zpath, error);
	if (!zi)
		return FALSE;
	g_clear_pointer(&cfg->name, g_free);
	g_clear_pointer(&cfg->description, g_free);
	g_clear_pointer(&cfg->provenance, cJSON_Delete);
	ps_config_spec_init(spec);
	fp.cfg = cfg;
	fp.zi = zi;
	fp.prov = cJSON_CreateObject();
	cfg->provenance = fp.prov;
	prov_set(&fp, "zoneinfo", "%s", zpath);
	cfg->name = g_strdup_printf("from-proc %s", zpath);
	cfg->description = g_strdup("mirrors a real machine; see provenance for where every value "
				    "came from");

	/* Page size and the orders the kernel derives from it. */
	spec->page_size = in->page_size ? in->page_size : 4096;
	if (!ps_page_size_defaults(spec->page_size, &spec->max_order, &spec->pageblock_order,
				   &spec->thp_order)) {
		g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_VALUE,
			    "page size %u: unsupported (4096, 16384 or 65536)", spec->page_size);
		return FALSE;
	}
	prov_set(&fp, "page_size", "%s",
		 in->page_size ? (in->page_size_source ? in->page_size_source : "given")
			       : "default 4096 (not in zoneinfo)");
	page_shift = (unsigned)g_bit_nth_lsf(spec->page_size, -1);
	fp.pageblock_nr_pages = 1ull << spec->pageblock_order;

	/* Zones as printed. */
	spec->nr_nodes = zi->nr_nodes;
	for (int i = 0; i < zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &zi->zones[i];
		PsZoneSpec *zs = &spec->zones[z->node][z->type];

		observe_zone(&fp, z);
		if (!z->spanned || !z->present)
			continue;
		if (!z->has_start_pfn) {
			g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_SYNTAX,
				    "%s:%d: zoneinfo: populated zone without a start_pfn line",
				    zpath, z->line);
			return FALSE;
		}
		zs->start_pfn = (ps_pfn_t)z->start_pfn;
		zs->spanned = z->spanned;
		zs->present = z->present;
		zs->managed = z->managed;
	}
	prov_set(&fp, "nodes", "file: start_pfn, spanned, present and managed of every zone");

	/* Cpus and their nodes. */
	spec->nr_cpus = in->nr_cpus ? in->nr_cpus : zi->nr_cpus ? zi->nr_cpus : 1;
	prov_set(&fp, "cpus", "%s",
		 in->nr_cpus   ? (in->nr_cpus_source ? in->nr_cpus_source : "given")
		 : zi->nr_cpus ? "file: cpus listed under a zone's pagesets"
			       : "default 1 (zoneinfo lists no pagesets)");
	if (spec->nr_cpus > PS_MAX_CPUS) {
		g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_VALUE, "%d cpus: at most %d",
			    spec->nr_cpus, PS_MAX_CPUS);
		return FALSE;
	}
	for (int c = 0; c < spec->nr_cpus; c++)
		spec->cpu_node[c] = in->cpu_node
					? in->cpu_node[c]
					: (int)((int64_t)c * spec->nr_nodes / spec->nr_cpus);
	if (spec->nr_nodes > 1)
		prov_set(&fp, "cpu_nodes", "%s",
			 in->cpu_node ? (in->cpu_node_source ? in->cpu_node_source : "given")
				      : "assumed: cpus split evenly over the nodes in contiguous "
					"ranges (zoneinfo does not say)");

	/* Boosts seen, reported but not configured: a fresh machine has none. */
	boosts = g_string_new(NULL);
	for (int i = 0; i < zi->nr_zones; i++) {
		const Observed *o = &fp.obs[zi->zones[i].node][zi->zones[i].type];

		if (o->boost) {
			g_string_append_printf(boosts, "%snode %d %s %" G_GUINT64_FORMAT " (%s)",
					       any_boost ? ", " : "", zi->zones[i].node,
					       ps_zone_names[zi->zones[i].type], o->boost,
					       o->boost_how);
			any_boost = true;
		}
	}
	if (any_boost)
		prov_set(&fp, "watermark_boost_observed", "%s; watermarks here are unboosted",
			 boosts->str);
	g_string_free(boosts, TRUE);

	/* Sysctls: given, inferred from the printed tunables, or default. */
	if (in->min_free_kbytes >= 0) {
		mfk = in->min_free_kbytes;
		prov_set(&fp, "sysctl.min_free_kbytes", "file: %s",
			 in->sysctl_source ? in->sysctl_source : "given");
	} else {
		mfk = infer_min_free_kbytes(&fp, page_shift);
	}
	if (mfk >= 0) {
		s->min_free_kbytes = s->user_min_free_kbytes = mfk;
		note_min_free_origin(&fp, mfk, page_shift);
	}
	if (in->watermark_scale_factor > 0) {
		s->watermark_scale_factor = in->watermark_scale_factor;
		prov_set(&fp, "sysctl.watermark_scale_factor", "file: %s",
			 in->sysctl_source ? in->sysctl_source : "given");
	} else {
		s->watermark_scale_factor =
		    infer_wsf(&fp, mfk >= 0 ? (uint64_t)mfk >> (page_shift - 10) : 0);
	}
	if (in->lowmem_reserve_ratio[0] >= 0) {
		for (int i = 0; i < PS_MAX_NR_ZONES; i++)
			s->lowmem_reserve_ratio[i] = MAX(in->lowmem_reserve_ratio[i], 0);
		prov_set(&fp, "sysctl.lowmem_reserve_ratio", "file: %s",
			 in->sysctl_source ? in->sysctl_source : "given");
	} else {
		infer_lowmem_reserve_ratio(&fp, s->lowmem_reserve_ratio);
	}
	if (in->percpu_pagelist_high_fraction >= 0) {
		s->percpu_pagelist_high_fraction = in->percpu_pagelist_high_fraction;
		prov_set(&fp, "sysctl.percpu_pagelist_high_fraction", "file: %s",
			 in->sysctl_source ? in->sysctl_source : "given");
	} else {
		s->percpu_pagelist_high_fraction = infer_high_fraction(&fp);
	}
	set_sysctl_int(&fp, "watermark_boost_factor", in->watermark_boost_factor, 15000,
		       &s->watermark_boost_factor, in->sysctl_source);
	set_sysctl_int(&fp, "extfrag_threshold", in->extfrag_threshold, 500, &s->extfrag_threshold,
		       in->sysctl_source);
	set_sysctl_int(&fp, "compaction_proactiveness", in->compaction_proactiveness, 20,
		       &s->compaction_proactiveness, in->sysctl_source);
	set_sysctl_int(&fp, "swappiness", in->swappiness, 60, &s->swappiness, in->sysctl_source);
	set_sysctl_int(&fp, "zone_reclaim_mode", in->zone_reclaim_mode, 0, &s->zone_reclaim_mode,
		       in->sysctl_source);
	set_sysctl_int(&fp, "defrag_mode", in->defrag_mode, 0, &s->defrag_mode, in->sysctl_source);

	/* THP: given, or read off the origin of min_free_kbytes. */
	if (in->thp_mode >= 0) {
		spec->thp_built = in->thp_mode != 3;
		spec->thp_mode = in->thp_mode == 3 ? 0 : in->thp_mode;
		prov_set(&fp, "thp", "%s", in->thp_source ? in->thp_source : "given");
	} else {
		const cJSON *o =
		    cJSON_GetObjectItemCaseSensitive(fp.prov, "min_free_kbytes_origin");
		bool thp_rec = o && g_str_has_prefix(o->valuestring, "equals the THP");
		bool sqrt_def = o && g_str_has_prefix(o->valuestring, "equals the sqrt");

		spec->thp_built = true;
		spec->thp_mode = sqrt_def ? 0 : 1;
		prov_set(&fp, "thp", "%s",
			 thp_rec    ? "inferred: min_free_kbytes was raised for THP, so THP is "
				      "enabled (always or madvise; madvise assumed)"
			 : sqrt_def ? "inferred: min_free_kbytes was not raised for THP, so THP "
				      "is disabled (never assumed)"
				    : "default madvise (nothing in zoneinfo says)");
	}

	/* The result must be a valid config: write it and parse it back. */
	text = ps_config_to_json_full(cfg);
	check = ps_config_new();
	if (!ps_config_parse(check, text, strlen(text), "(generated config)", error))
		return FALSE;
	return TRUE;
}
