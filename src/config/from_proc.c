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
 * What zoneinfo does not print is read off what it does:
 * - The page size, when not given (a saved zoneinfo): the one of 4K/16K/64K that explains every
 *   zone's pcp batch (zone_batchsize caps it at SZ_1M / PAGE_SIZE before dividing by 4), vm stats
 *   threshold (calculate_normal_threshold counts 128 MiB units) and nr_free_pages_blocks (whole
 *   pageblocks); 4K on a tie.
 * - The zone list of the kernel's configuration: the zones a 6.x kernel lists per node, as many
 *   as its protection arrays have entries (enum zone_type: no ZONE_DEVICE on the arm64 lab
 *   kernels).
 * - The cpus of each node: zone_highsize splits high_max over the cpus of the zone's node, or
 *   over all cpus for a node without any, so high_max tells the count; cpus are then numbered
 *   node by node. Under a percpu_pagelist_high_fraction nobody gave, the node with the largest
 *   high_max is taken to split by one cpu. Where nothing tells, cpus are split evenly in
 *   contiguous ranges.
 *
 * The figures as printed go into the config's boot history (see policy/setup.c), so that a mirror
 * of the machine prints them even where they were computed before the zones grew.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config-private.h"

/* ---- zoneinfo parser ------------------------------------------------------------------------ */

void ps_zoneinfo_free(PsZoneinfo *zi)
{
	if (!zi)
		return;
	for (int i = 0; i < zi->nr_zones; i++)
		g_free(zi->zones[i].pagesets);
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

/* A number past 2^64 - 1 is refused: strtoull would give 2^64 - 1 and set only errno. */
static gboolean parse_u64(const char *s, uint64_t *out)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!g_ascii_isdigit(*s))
		return FALSE;
	errno = 0;
	*out = g_ascii_strtoull(s, &end, 10);
	if (errno)
		return FALSE;
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0';
}

/* 1: *out set; 0: not a number; -1: a number that does not fit an int (it was cut to 32 bits). */
static int parse_int(const char *s, int *out)
{
	char *end;
	gint64 v;

	while (*s == ' ' || *s == '\t')
		s++;
	errno = 0;
	v = g_ascii_strtoll(s, &end, 10);
	if (end == s)
		return 0;
	if (errno || v < INT_MIN || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 1;
}

static gboolean zi_fail(GError **error, const char *filename, int line, const char *what)
{
	g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_SYNTAX, "%s:%d: zoneinfo: %s", filename,
		    line, what);
	return FALSE;
}

/* "protection: (0, 1234, ...)": the zone's lowmem_reserve[], one entry a zone type. */
static gboolean zi_protection(PsZoneinfoZone *z, const char *s, const char *filename, int line,
			      GError **error)
{
	const char *p = strchr(s, '(');
	int n = 0;

	if (!p)
		return zi_fail(error, filename, line, "bad protection line");
	for (p++; *p && *p != ')' && n < PS_MAX_NR_ZONES; n++) {
		char *end;

		errno = 0;
		z->protection[n] = g_ascii_strtoll(p, &end, 10);
		if (end == p || errno)
			return zi_fail(error, filename, line, "bad protection value");
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
	z->nr_protection = n;
	return TRUE;
}

/*
 * "KEY: N" of one cpu's pageset: the first cpu's high, batch, high_min and high_max are the
 * zone's; a later cpu that differs in batch or the limits makes the pcp settings non-uniform.
 */
static gboolean zi_pageset_field(PsZoneinfoZone *z, const char *key, const char *val, int cpu,
				 const char *filename, int line, GError **error)
{
	int *field = NULL;
	int v;
	int rc = parse_int(val, &v);

	if (rc < 0) {
		g_autofree char *what = g_strdup_printf("%s: the number does not fit an int", key);

		return zi_fail(error, filename, line, what);
	}
	if (rc > 0 && cpu >= 0 && cpu < z->nr_pagesets && !strcmp(key, "count"))
		z->pagesets[cpu].count = v;
	if (rc > 0 && cpu >= 0 && cpu < z->nr_pagesets && !strcmp(key, "high"))
		z->pagesets[cpu].high = v;
	if (rc == 0 || !strcmp(key, "count"))
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
	if (cpu <= 0)
		*field = v;
	else if (*field != v && field != &z->pcp_high)
		z->pcp_uniform = false;
	return TRUE;
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
	if (g_str_has_prefix(s, "protection:"))
		return zi_protection(z, s, filename, line, error);
	if (!strcmp(s, "pagesets")) {
		*in_pagesets = true;
		return TRUE;
	}
	if (g_str_has_prefix(s, "cpu:")) {
		*cpu = z->nr_pagesets++;
		z->pagesets = g_renew(PsZoneinfoPageset, z->pagesets, z->nr_pagesets);
		z->pagesets[*cpu].count = z->pagesets[*cpu].high = -1;
		return TRUE;
	}
	if (g_str_has_prefix(s, "vm stats threshold:")) {
		int rc = parse_int(s + strlen("vm stats threshold:"), &v);

		if (rc < 0)
			return zi_fail(error, filename, line,
				       "vm stats threshold: the number does not fit an int");
		if (*cpu == 0 && rc > 0)
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
	if (*in_pagesets && *val == ':')
		return zi_pageset_field(z, key, val + 1, *cpu, filename, line, error);
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
	if (!strcmp(key, "nr_free_pages_blocks")) {
		uint64_t b;

		if (parse_u64(val, &b))
			z->free_blocks = (int64_t)b;
		return TRUE;
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

static void zi_zone_clear(gpointer data)
{
	g_free(((PsZoneinfoZone *)data)->pagesets);
}

PsZoneinfo *ps_zoneinfo_parse(const char *text, const char *filename, GError **error)
{
	g_autoptr(PsZoneinfo) zi = g_new0(PsZoneinfo, 1);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GArray *zones = g_array_new(FALSE, TRUE, sizeof(PsZoneinfoZone));
	PsZoneinfoZone *cur = NULL;
	bool in_pagesets = false;
	int cpu = -1;

	g_array_set_clear_func(zones, zi_zone_clear);
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
			z.free_blocks = -1;
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
	in->cpu_data_slice_kib = -1;
	in->read_ahead_kb = -1;
	in->shmem_enabled = -1;
	in->thp_defrag = -1;
	in->extfrag_threshold = -1;
	in->compaction_proactiveness = -1;
	in->swappiness = -1;
	in->zone_reclaim_mode = -1;
	in->defrag_mode = -1;
}

gboolean ps_read_ahead_kb_parse(const char *text, const char *path, int *kb, GError **error)
{
	unsigned maj, min;
	int n = 0;

	if (sscanf(text, "%u:%u %n", &maj, &min, &n) != 2 || !n) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s:1: device: not \"MAJ:MIN KB\"", path);
		return FALSE;
	}
	return ps_read_ahead_kb_value_parse(text + n, path, kb, error);
}

gboolean ps_read_ahead_kb_value_parse(const char *text, const char *path, int *kb, GError **error)
{
	char *end;
	gint64 v = g_ascii_strtoll(text, &end, 10);

	if (end == text || (*end && *end != '\n') || v < 1 || v > 1 << 20) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s:1: read_ahead_kb: not an integer from 1 to 1048576", path);
		return FALSE;
	}
	*kb = (int)v;
	return TRUE;
}

const char *const ps_thp_defrag_names[PS_NR_THP_DEFRAG] = {"always", "defer", "defer+madvise",
							   "madvise", "never"};

static int choice_name(const char *const *names, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strlen(names[i]) == len && !strncmp(s, names[i], len))
			return i;
	return -1;
}

/*
 * A sysfs choice file (transparent_hugepage's enabled, defrag, shmem_enabled and the per-size
 * ones): the kernel prints every value it knows, the current one in brackets; one plain name is
 * taken too. The index in names of the value, or an error naming path:line and the field, with
 * the n names listed in `known`.
 */
static gboolean choice_parse(const char *text, const char *path, int line, const char *field,
			     const char *const *names, int n, const char *known, int *out,
			     GError **error)
{
	g_autofree char *v = g_strstrip(g_strndup(text, strcspn(text, "\n")));
	const char *open = strchr(v, '[');
	const char *close = open ? strchr(open, ']') : NULL;
	int i = -1;

	if (open && close && !strchr(close + 1, '[') && !strchr(close + 1, ']'))
		i = choice_name(names, n, open + 1, (size_t)(close - open - 1));
	else if (!open && !strchr(v, ']') && !strchr(v, ' '))
		i = choice_name(names, n, v, strlen(v));
	if (i < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s:%d: %s: \"%s\" selects none of %s", path, line, field, v, known);
		return FALSE;
	}
	*out = i;
	return TRUE;
}

/* shmem_enabled_show prints every value the kernel knows, the current one in brackets. */
gboolean ps_shmem_enabled_value_parse(const char *text, const char *path, int line, int *shmem,
				      GError **error)
{
	return choice_parse(text, path, line, "shmem_enabled", ps_config_shmem_huge_names,
			    PS_NR_SHMEM_HUGE, "always, within_size, advise, never, deny, force",
			    shmem, error);
}

/* enabled_show: always, madvise, never (ps_config_thp_mode_names' first three) */
gboolean ps_thp_enabled_value_parse(const char *text, const char *path, int line, int *mode,
				    GError **error)
{
	return choice_parse(text, path, line, "enabled", ps_config_thp_mode_names, 3,
			    "always, madvise, never", mode, error);
}

/* defrag_show */
gboolean ps_thp_defrag_value_parse(const char *text, const char *path, int line, int *defrag,
				   GError **error)
{
	return choice_parse(text, path, line, "defrag", ps_thp_defrag_names, PS_NR_THP_DEFRAG,
			    "always, defer, defer+madvise, madvise, never", defrag, error);
}

/* anon_enabled_show of one size: always, inherit, madvise, never */
gboolean ps_thp_size_value_parse(const char *text, const char *path, int line, const char *field,
				 int *mode, GError **error)
{
	/* ps_config_thp_size_mode_names without "default", which no kernel prints */
	const char *names[PS_NR_THP_SIZE_MODES];

	memcpy(names, ps_config_thp_size_mode_names, sizeof(names));
	names[PS_THP_SIZE_DEFAULT] = NULL;
	return choice_parse(text, path, line, field, names, PS_NR_THP_SIZE_MODES,
			    "always, inherit, madvise, never", mode, error);
}

/*
 * The size of a "hugepages-<size>kB/enabled" key (the kB figure), or 0 when key is not one. The
 * per-size shmem_enabled files share the directories and are not.
 */
static uint64_t thp_size_key(const char *key, size_t len)
{
	static const char pre[] = "hugepages-", post[] = "kB/enabled";
	uint64_t kb = 0;
	size_t i = strlen(pre);

	if (len <= strlen(pre) + strlen(post) || strncmp(key, pre, strlen(pre)) ||
	    strncmp(key + len - strlen(post), post, strlen(post)))
		return 0;
	for (; i < len - strlen(post); i++) {
		if (!g_ascii_isdigit(key[i]) || kb > UINT64_MAX / 20)
			return 0;
		kb = kb * 10 + (uint64_t)(key[i] - '0');
	}
	return kb;
}

gboolean ps_thp_settings_add_size(PsThpSettings *t, uint64_t kb, const char *text, const char *path,
				  int line, const char *field, GError **error)
{
	PsThpSizeSetting *s = &t->sizes[t->nr_sizes];

	if (t->nr_sizes == PS_NR_ORDERS_MAX) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s:%d: %s: more than %d THP sizes", path, line, field,
			    PS_NR_ORDERS_MAX);
		return FALSE;
	}
	if (!ps_thp_size_value_parse(text, path, line, field, &s->mode, error))
		return FALSE;
	s->kb = kb;
	s->path = path;
	s->line = line;
	t->nr_sizes++;
	return TRUE;
}

gboolean ps_khugepaged_value_parse(PsThpSettings *t, const char *name, const char *text,
				   const char *path, int line, GError **error)
{
	g_autofree char *v = g_strstrip(g_strdup(text));
	guint64 n = 0;

	for (int k = 0; k < PS_NR_KHUGEPAGED_KEYS; k++) {
		if (strcmp(name, ps_khugepaged_key_names[k]))
			continue;
		if (!g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT32, &n, NULL)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "%s:%d: khugepaged/%s: \"%s\" is not an unsigned number", path,
				    line, name, v);
			return FALSE;
		}
		t->khugepaged[k] = (uint32_t)n;
		t->khugepaged_given[k] = true;
		t->khugepaged_path[k] = path;
		t->khugepaged_line[k] = line;
	}
	/* the counters (full_scans, pages_collapsed) and anything newer: not settings */
	return TRUE;
}

gboolean ps_thp_settings_parse(const char *text, const char *path, PsThpSettings *out,
			       GError **error)
{
	const char *l = text;

	memset(out, 0, sizeof(*out));
	out->enabled = -1;
	out->defrag = -1;
	for (int line = 1; *l; line++) {
		size_t len = strcspn(l, "\n"), klen = strcspn(l, ":\n");
		const char *v = l + klen + (l[klen] == ':');
		g_autofree char *key = g_strndup(l, klen);
		uint64_t kb = thp_size_key(key, klen);
		gboolean ok = TRUE;

		if (!strcmp(key, "enabled")) {
			ok = ps_thp_enabled_value_parse(v, path, line, &out->enabled, error);
		} else if (!strcmp(key, "defrag")) {
			ok = ps_thp_defrag_value_parse(v, path, line, &out->defrag, error);
		} else if (g_str_has_prefix(key, "khugepaged/")) {
			/* the value is the rest of this line */
			g_autofree char *val =
			    g_strndup(v, len > (size_t)(v - l) ? len - (v - l) : 0);

			ok = ps_khugepaged_value_parse(out, key + strlen("khugepaged/"), val, path,
						       line, error);
		} else if (g_str_has_prefix(key, "hugepages-") &&
			   g_str_has_suffix(key, "/enabled")) {
			if (!kb) {
				g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
					    "%s:%d: %s: not hugepages-<size>kB/enabled", path, line,
					    key);
				return FALSE;
			}
			ok = ps_thp_settings_add_size(out, kb, v, path, line, key, error);
		}
		if (!ok)
			return FALSE;
		l += len;
		l += *l == '\n';
	}
	return TRUE;
}

gboolean ps_thp_settings_shmem_parse(const char *text, const char *path, int *shmem, GError **error)
{
	static const char key[] = "shmem_enabled:";
	const char *l = text;

	*shmem = -1;
	for (int line = 1; *l; line++) {
		/* Only the global file: hugepages-<size>kB/shmem_enabled lines are per size. */
		if (!strncmp(l, key, strlen(key)))
			return ps_shmem_enabled_value_parse(l + strlen(key), path, line, shmem,
							    error);
		l += strcspn(l, "\n");
		l += *l == '\n';
	}
	return TRUE;
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
	unsigned page_shift;
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

static int zone_nr_split(const PsMachineSpec *spec, int node);
static int batch_of(uint64_t managed, uint32_t page_size);

/* int_sqrt(16 * lowmem in kB) clamped as calculate_min_free_kbytes does. */
static uint64_t sqrt_default_kb(uint64_t lowmem, unsigned sh)
{
	uint64_t r = 0;

	for (uint64_t bit = 1ull << 31, x16 = 16 * (lowmem << sh); bit; bit >>= 1)
		if ((r + bit) * (r + bit) <= x16)
			r += bit;
	return CLAMP(r, 128, 262144);
}

/*
 * A zone's managed pages when the pcp limits were last set, read off the printed high_max: with
 * percpu_pagelist_high_fraction 0, zone_highsize gives high_max = managed / 8 / nr_split, so that
 * managed lay in [high_max * 8 * nr_split, (high_max + 1) * 8 * nr_split). Zones only grow after
 * boot (the initramfs and the init sections are freed), so the largest such value not above
 * today's is taken: today's itself when it still explains high_max. Today's when high_max says
 * nothing (not printed, a fraction set (high_min == high_max), or the batch * 4 floor).
 */
static uint64_t managed_at_pcp_setup(const FromProc *fp, const PsZoneinfoZone *z)
{
	uint64_t w = 8 * (uint64_t)zone_nr_split(&fp->cfg->spec, z->node), hi;

	if (!z->nr_pagesets || !z->pcp_uniform || z->pcp_high_max <= 0 ||
	    z->pcp_high_min == z->pcp_high_max ||
	    z->pcp_high_max <= (int64_t)batch_of(z->managed, fp->cfg->spec.page_size) << 2)
		return z->managed;
	hi = ((uint64_t)z->pcp_high_max + 1) * w - 1;
	return MIN(z->managed, hi);
}

/*
 * The boot-time min_free_kbytes in pages: the sqrt default of calculate_min_free_kbytes on
 * today's zone sizes (*sqrt_kb), and what set_recommended_min_free_kbytes raises it to when THP
 * is on: 11 pageblocks per populated zone up to Normal, at most 5% of nr_free_buffer_pages()
 * under the sqrt-default watermarks (default scale factor). khugepaged starts (hugepage_init, a
 * subsys initcall) before the initramfs and the init sections are freed, and its
 * setup_per_zone_wmarks also sets the pcp limits, so the recommendation is estimated on the
 * zone sizes high_max shows (managed_at_pcp_setup). On the lab's 1 GiB four-node 4K boot the
 * kernel printed 50684 kB where today's sizes give 50804 and the pages_min window alone 50688.
 */
static uint64_t boot_min_free_estimate(const FromProc *fp, uint64_t *sqrt_kb)
{
	uint64_t lowmem = 0, pm, nfb = 0, nz = 0;
	unsigned sh = fp->page_shift - 10;

	*sqrt_kb = sqrt_default_kb(lowmem_pages(fp), sh);
	for (int i = 0; i < fp->zi->nr_zones; i++)
		if (fp->zi->zones[i].type != PS_ZONE_MOVABLE)
			lowmem += managed_at_pcp_setup(fp, &fp->zi->zones[i]);
	pm = sqrt_default_kb(lowmem, sh) >> sh;
	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];
		uint64_t managed = managed_at_pcp_setup(fp, z);
		uint64_t share = lowmem ? pm * managed / lowmem : 0;
		uint64_t high = share + 2 * MAX(share / 4, managed * 10 / 10000);

		if (z->type > PS_ZONE_NORMAL)
			continue;
		nz += z->present > 0;
		nfb += managed > high ? managed - high : 0;
	}
	return MIN(fp->pageblock_nr_pages * nz * 11, nfb / 20);
}

static int64_t infer_min_free_kbytes(FromProc *fp, unsigned page_shift)
{
	uint64_t lowmem = lowmem_pages(fp), sum = 0, best = 0, best_err = G_MAXUINT64;
	uint64_t sqrt_kb, sqrt_pm, rec;
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
	rec = boot_min_free_estimate(fp, &sqrt_kb);
	sqrt_pm = sqrt_kb >> (page_shift - 10);
	/*
	 * Each zone's share is pages_min * managed / lowmem rounded down, so the shares add up to
	 * pages_min minus less than one page per zone: pages_min lies in [sum, sum + nz). Several
	 * values can fit exactly; the boot-time figures are preferred, then the roundest number
	 * of kB (what a person writes). When none fits (the tunables were computed before the
	 * zones grew, so how close a value comes on today's sizes means little), the one nearest
	 * the boot-time estimate is taken: that estimate is made on the largest zone sizes the
	 * printed high_max allows, so it errs upwards, by at most a page. The window holds: the
	 * printed min watermarks were computed together with that pages_min, on the same sizes.
	 */
	for (uint64_t pm = sum; pm < sum + (uint64_t)nz; pm++) {
		uint64_t e = min_error(fp, pm, lowmem);
		bool better;

		if (e == 0 ? best_err != 0 : best_err == 0) {
			better = e == 0;
		} else if (e == 0) {
			int tz_pm = g_bit_nth_lsf(pm << (page_shift - 10), -1);
			int tz_best = g_bit_nth_lsf(best << (page_shift - 10), -1);

			better = best != rec && best != sqrt_pm &&
				 (pm == rec || pm == sqrt_pm || tz_pm > tz_best);
		} else {
			better =
			    best_err == G_MAXUINT64 || (pm > rec ? pm - rec : rec - pm) <
							   (best > rec ? best - rec : rec - best);
		}
		if (better) {
			best_err = e;
			best = pm;
		}
	}
	if (best_err)
		prov_set(
		    fp, "sysctl.min_free_kbytes",
		    "inferred, approximate: no value reproduces every zone's min watermark "
		    "(closest off by %" G_GUINT64_FORMAT
		    " pages in total; zone sizes changed after boot, or other formulas); boot-time "
		    "estimate %" G_GUINT64_FORMAT " pages",
		    best_err, rec);
	else
		prov_set(fp, "sysctl.min_free_kbytes",
			 "inferred: reproduces every zone's min watermark exactly "
			 "(pages_min %" G_GUINT64_FORMAT ")",
			 best);
	/*
	 * pages_min gives the kB only to within a page. Just below today's sqrt default (at most
	 * one page per zone, as the zones grew after boot) the value is the boot-time sqrt default,
	 * which need not be a whole number of pages: the largest kB of that pages_min not above
	 * today's default. On the qemu lab's 512 MiB two-node boots with THP off the kernel printed
	 * 2843 kB (pages_min 710; today's default 2849 kB) where pages_min alone gives 2840.
	 */
	if (best <= sqrt_pm && best + (uint64_t)nz >= sqrt_pm)
		return (int64_t)MIN(sqrt_kb, ((best + 1) << (page_shift - 10)) - 1);
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
	uint64_t def, rec = boot_min_free_estimate(fp, &def) << (page_shift - 10);

	if ((uint64_t)mfk == rec)
		prov_set(fp, "min_free_kbytes_origin",
			 "equals the THP recommendation of set_recommended_min_free_kbytes "
			 "(11 pageblocks per zone up to Normal, at most 5%% of lowmem)");
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

/* calculate_normal_threshold (mm/vmstat.c), as zoneinfo prints it while kswapd sleeps. */
static int threshold_of(uint64_t managed, unsigned page_shift, int nr_cpus)
{
	int t = 2 * g_bit_storage((gulong)nr_cpus) *
		(1 + g_bit_storage((gulong)(managed >> (27 - page_shift))));

	return MIN(t, 125);
}

/*
 * How many printed figures a page size fails to explain: each zone's pcp batch (zone_batchsize
 * caps it at 1 MiB of pages), its vm stats threshold (counted in 128 MiB units) and its
 * nr_free_pages_blocks (whole pageblocks: 512, 2048 or 8192 pages).
 */
static int page_size_misfits(const PsZoneinfo *zi, uint32_t page_size, int nr_cpus)
{
	unsigned max_order, pb_order, thp_order, shift = (unsigned)g_bit_nth_lsf(page_size, -1);
	int bad = 0;

	if (!ps_page_size_defaults(page_size, &max_order, &pb_order, &thp_order))
		return G_MAXINT;
	for (int i = 0; i < zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &zi->zones[i];

		if (!zone_used(z))
			continue;
		if (z->nr_pagesets && z->pcp_batch >= 0 &&
		    z->pcp_batch != batch_of(z->managed, page_size))
			bad++;
		if (z->stat_threshold >= 0 &&
		    z->stat_threshold != threshold_of(z->managed, shift, nr_cpus))
			bad++;
		if (z->free_blocks > 0 && z->free_blocks % ((int64_t)1 << pb_order))
			bad++;
	}
	return bad;
}

/* Page size and the orders the kernel derives from it: given, or the size that fits best. */
static gboolean setup_page_size(FromProc *fp, const PsProcInput *in, GError **error)
{
	static const uint32_t sizes[] = {4096, 16384, 65536};
	PsMachineSpec *spec = &fp->cfg->spec;
	int misfits[G_N_ELEMENTS(sizes)], best = 0;
	int cpus = in->nr_cpus ? in->nr_cpus : MAX(fp->zi->nr_cpus, 1);

	spec->page_size = in->page_size;
	if (!in->page_size) {
		/* Ties go to the smaller size: a zoneinfo that says nothing is taken as 4K. */
		for (int k = 0; k < (int)G_N_ELEMENTS(sizes); k++) {
			misfits[k] = page_size_misfits(fp->zi, sizes[k], cpus);
			if (misfits[k] < misfits[best])
				best = k;
		}
		spec->page_size = sizes[best];
		prov_set(
		    fp, "page_size",
		    "inferred: fits the pcp batch, vm stats threshold and nr_free_pages_blocks "
		    "of every zone best (misfits at 4K/16K/64K: %d/%d/%d)",
		    misfits[0], misfits[1], misfits[2]);
	} else {
		prov_set(fp, "page_size", "%s",
			 in->page_size_source ? in->page_size_source : "given");
	}
	if (!ps_page_size_defaults(spec->page_size, &spec->max_order, &spec->pageblock_order,
				   &spec->thp_order)) {
		g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_VALUE,
			    "page size %u: unsupported (4096, 16384 or 65536)", spec->page_size);
		return FALSE;
	}
	fp->page_shift = (unsigned)g_bit_nth_lsf(spec->page_size, -1);
	fp->pageblock_nr_pages = 1ull << spec->pageblock_order;
	return TRUE;
}

/*
 * Zones as printed. A 6.x zoneinfo lists every zone type of the kernel for every node, as many as
 * its protection arrays have entries, and that is the kernel's zone list (no Device on the arm64
 * lab kernels); older kernels skip empty zones, and then all five types are assumed.
 */
static gboolean setup_zones(FromProc *fp, const char *zpath, GError **error)
{
	PsMachineSpec *spec = &fp->cfg->spec;
	unsigned seen = 0;
	int nr_prot = 0;

	spec->nr_nodes = fp->zi->nr_nodes;
	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];
		PsZoneSpec *zs = &spec->zones[z->node][z->type];

		observe_zone(fp, z);
		if (z->node == 0) {
			seen |= 1u << z->type;
			nr_prot = MAX(nr_prot, z->nr_protection);
		}
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
	prov_set(fp, "nodes", "file: start_pfn, spanned, present and managed of every zone");
	if (nr_prot && __builtin_popcount(seen) == nr_prot && (seen >> PS_ZONE_NORMAL & 1) &&
	    (seen >> PS_ZONE_MOVABLE & 1)) {
		spec->zone_types = seen;
		prov_set(fp, "zone_types",
			 "file: the zones listed for node 0 (%d, as many as each "
			 "protection array has entries)",
			 nr_prot);
	} else {
		prov_set(fp, "zone_types", "default: all five (the zoneinfo lists only some)");
	}
	return TRUE;
}

/*
 * Cpus per node from the pcp high_max the kernel printed: zone_highsize splits managed / 8 (or
 * managed / percpu_pagelist_high_fraction) over the cpus of the zone's node, or over all online
 * cpus when the node has none. FALSE when the figures do not pin the counts down.
 */
static bool infer_cpus_per_node(const FromProc *fp, const PsProcInput *in, int nr_cpus, int *count)
{
	int split[PS_MAX_NODES] = {0}, sum = 0, full = -1;
	uint64_t fraction = in->percpu_pagelist_high_fraction > 0
				? (uint64_t)in->percpu_pagelist_high_fraction
				: G_MAXUINT64;

	/*
	 * A fraction nobody gave (high_min == high_max): some node splits by one cpu, so the
	 * smallest managed / high_max is the fraction; the others are multiples of it.
	 */
	for (int i = 0; i < fp->zi->nr_zones && in->percpu_pagelist_high_fraction <= 0; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];

		if (zone_used(z) && z->pcp_high_min == z->pcp_high_max &&
		    z->pcp_high_max > 4 * z->pcp_batch)
			fraction = MIN(fraction, z->managed / (uint64_t)z->pcp_high_max);
	}
	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];
		uint64_t div = z->pcp_high_min != z->pcp_high_max ? 8
			       : fraction != G_MAXUINT64	  ? fraction
								  : 0;
		uint64_t best_err = G_MAXUINT64;
		int best = 0;

		if (!zone_used(z) || !div || z->pcp_high_max <= 4 * z->pcp_batch)
			continue;
		for (int n = 1; n <= nr_cpus; n++) {
			uint64_t h = z->managed / div / (uint64_t)n, hm = (uint64_t)z->pcp_high_max;
			uint64_t e = h > hm ? h - hm : hm - h;

			if (e < best_err) {
				best_err = e;
				best = n;
			}
		}
		if (split[z->node] && split[z->node] != best)
			return false;
		split[z->node] = best;
	}
	for (int n = 0; n < fp->zi->nr_nodes; n++) {
		if (!split[n])
			return false;
		/* A split over every cpu: the node has all of them, or none. */
		count[n] = split[n] < nr_cpus ? split[n] : 0;
		if (split[n] == nr_cpus && full < 0)
			full = n;
		sum += count[n];
	}
	if (sum == 0 && full >= 0)
		count[full] = sum = nr_cpus;
	return sum == nr_cpus;
}

/* Cpus and their nodes. */
static gboolean setup_cpus(FromProc *fp, const PsProcInput *in, GError **error)
{
	PsMachineSpec *spec = &fp->cfg->spec;
	const PsZoneinfo *zi = fp->zi;
	int count[PS_MAX_NODES] = {0};

	spec->nr_cpus = in->nr_cpus ? in->nr_cpus : zi->nr_cpus ? zi->nr_cpus : 1;
	prov_set(fp, "cpus", "%s",
		 in->nr_cpus   ? (in->nr_cpus_source ? in->nr_cpus_source : "given")
		 : zi->nr_cpus ? "file: cpus listed under a zone's pagesets"
			       : "default 1 (zoneinfo lists no pagesets)");
	if (spec->nr_cpus > PS_MAX_CPUS) {
		g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_VALUE, "%d cpus: at most %d",
			    spec->nr_cpus, PS_MAX_CPUS);
		return FALSE;
	}
	if (in->cpu_node) {
		memcpy(spec->cpu_node, in->cpu_node, sizeof(int) * (size_t)spec->nr_cpus);
		prov_set(fp, "cpu_nodes", "%s",
			 in->cpu_node_source ? in->cpu_node_source : "given");
	} else if (spec->nr_nodes > 1 && infer_cpus_per_node(fp, in, spec->nr_cpus, count)) {
		for (int n = 0, c = 0; n < spec->nr_nodes; n++)
			for (int k = 0; k < count[n]; k++)
				spec->cpu_node[c++] = n;
		prov_set(fp, "cpu_nodes",
			 "inferred: the cpus of each node from the pcp high_max "
			 "of its zones (zone_highsize), numbered node by node");
	} else {
		for (int c = 0; c < spec->nr_cpus; c++)
			spec->cpu_node[c] = (int)((int64_t)c * spec->nr_nodes / spec->nr_cpus);
		if (spec->nr_nodes > 1)
			prov_set(fp, "cpu_nodes",
				 "assumed: cpus split evenly over the nodes in "
				 "contiguous ranges (zoneinfo does not say)");
	}
	return TRUE;
}

/* Boosts seen, reported but not configured: a fresh machine has none. */
static void note_boosts(FromProc *fp)
{
	GString *boosts = g_string_new(NULL);

	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];
		const Observed *o = &fp->obs[z->node][z->type];

		if (o->boost)
			g_string_append_printf(boosts, "%snode %d %s %" G_GUINT64_FORMAT " (%s)",
					       boosts->len ? ", " : "", z->node,
					       ps_zone_names[z->type], o->boost, o->boost_how);
	}
	if (boosts->len)
		prov_set(fp, "watermark_boost_observed", "%s; watermarks here are unboosted",
			 boosts->str);
	g_string_free(boosts, TRUE);
}

/* The tunables sysctls: given, inferred from the printed figures, or default. */
static void setup_tunable_sysctls(FromProc *fp, const PsProcInput *in)
{
	PsSysctl *s = &fp->cfg->spec.sysctl;
	const char *src = in->sysctl_source ? in->sysctl_source : "given";
	int64_t mfk;

	if (in->min_free_kbytes >= 0) {
		mfk = in->min_free_kbytes;
		prov_set(fp, "sysctl.min_free_kbytes", "file: %s", src);
	} else {
		mfk = infer_min_free_kbytes(fp, fp->page_shift);
	}
	if (mfk >= 0) {
		s->min_free_kbytes = s->user_min_free_kbytes = mfk;
		note_min_free_origin(fp, mfk, fp->page_shift);
	}
	if (in->watermark_scale_factor > 0) {
		s->watermark_scale_factor = in->watermark_scale_factor;
		prov_set(fp, "sysctl.watermark_scale_factor", "file: %s", src);
	} else {
		s->watermark_scale_factor =
		    infer_wsf(fp, mfk >= 0 ? (uint64_t)mfk >> (fp->page_shift - 10) : 0);
	}
	if (in->lowmem_reserve_ratio[0] >= 0) {
		/* The sysctl lists one ratio per zone type of the kernel, in type order. */
		for (int i = 0, k = 0; i < PS_MAX_NR_ZONES; i++) {
			int r = ps_zone_type_built(&fp->cfg->spec, i)
				    ? in->lowmem_reserve_ratio[k++]
				    : 0;

			s->lowmem_reserve_ratio[i] = MAX(r, 0);
		}
		prov_set(fp, "sysctl.lowmem_reserve_ratio", "file: %s", src);
	} else {
		infer_lowmem_reserve_ratio(fp, s->lowmem_reserve_ratio);
	}
	if (in->percpu_pagelist_high_fraction >= 0) {
		s->percpu_pagelist_high_fraction = in->percpu_pagelist_high_fraction;
		prov_set(fp, "sysctl.percpu_pagelist_high_fraction", "file: %s", src);
	} else {
		s->percpu_pagelist_high_fraction = infer_high_fraction(fp);
	}
}

static void setup_other_sysctls(FromProc *fp, const PsProcInput *in)
{
	PsSysctl *s = &fp->cfg->spec.sysctl;
	const char *src = in->sysctl_source;

	set_sysctl_int(fp, "watermark_boost_factor", in->watermark_boost_factor, 15000,
		       &s->watermark_boost_factor, src);
	set_sysctl_int(fp, "extfrag_threshold", in->extfrag_threshold, 500, &s->extfrag_threshold,
		       src);
	set_sysctl_int(fp, "compaction_proactiveness", in->compaction_proactiveness, 20,
		       &s->compaction_proactiveness, src);
	set_sysctl_int(fp, "swappiness", in->swappiness, 60, &s->swappiness, src);
	set_sysctl_int(fp, "zone_reclaim_mode", in->zone_reclaim_mode, 0, &s->zone_reclaim_mode,
		       src);
	set_sysctl_int(fp, "defrag_mode", in->defrag_mode, 0, &s->defrag_mode, src);
}

/*
 * The hugepages-<size>kB/enabled read: each size as an order of the page size (THP_ORDERS_ALL_ANON,
 * 2 up to the PMD order: the sizes the kernel gives an enabled file), kept where it is not the
 * boot default (PS_THP_SIZE_DEFAULT: inherit for the PMD size, never for the others), so a
 * machine left at its defaults gets no "hugepages" key. A size the page size has no such order
 * for means the file is another machine's: an error at its line.
 */
static gboolean setup_thp_sizes(FromProc *fp, const PsProcInput *in, GError **error)
{
	PsMachineSpec *spec = &fp->cfg->spec;
	int set = 0;

	if (!in->nr_thp_sizes)
		return TRUE;
	for (int i = 0; i < in->nr_thp_sizes; i++) {
		const PsThpSizeSetting *t = &in->thp_sizes[i];
		int order = -1;

		for (unsigned o = 2; o <= spec->thp_order && o < PS_NR_ORDERS_MAX; o++)
			if (((uint64_t)spec->page_size << o) == t->kb * 1024)
				order = (int)o;
		if (order < 0) {
			g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_VALUE,
				    "%s:%d: hugepages-%" G_GUINT64_FORMAT
				    "kB/enabled: not an anonymous THP size of %u-byte pages "
				    "(%" G_GUINT64_FORMAT "kB..%" G_GUINT64_FORMAT
				    "kB, powers of two)",
				    t->path, t->line, t->kb, spec->page_size,
				    (uint64_t)spec->page_size * 4 / 1024,
				    ((uint64_t)spec->page_size << spec->thp_order) / 1024);
			return FALSE;
		}
		spec->thp_size_mode[order] = PS_THP_SIZE_DEFAULT;
		if (t->mode != ((unsigned)order == spec->thp_order ? PS_THP_SIZE_INHERIT
								   : PS_THP_SIZE_NEVER)) {
			spec->thp_size_mode[order] = (uint8_t)t->mode;
			set++;
		}
	}
	prov_set(fp, "hugepages",
		 "file: %s (%d of %d sizes not at the boot default, inherit for the PMD size and "
		 "never for the others)",
		 in->thp_sizes_source ? in->thp_sizes_source : "", set, in->nr_thp_sizes);
	return TRUE;
}

/*
 * THP's defrag: the model's THP faults follow the kernel default, madvise (policy/huge_memory.c;
 * no config key), so the value read goes to the provenance only, which says when it differs.
 */
static void setup_thp_defrag(FromProc *fp, const PsProcInput *in)
{
	const char *src = in->thp_defrag_source ? in->thp_defrag_source : "given";

	if (in->thp_defrag < 0 || in->thp_defrag >= PS_NR_THP_DEFRAG)
		return;
	if (in->thp_defrag == PS_THP_DEFRAG_MADVISE)
		prov_set(fp, "thp_defrag", "file: %s (madvise, the model's rule)", src);
	else
		prov_set(fp, "thp_defrag",
			 "file: %s says %s; the model's THP faults follow madvise (no config key)",
			 src, ps_thp_defrag_names[in->thp_defrag]);
}

/*
 * khugepaged's settings (sim/khugepaged.c): the ones read become config keys, each checked as
 * its sysfs *_store checks a write (max_ptes_* at most HPAGE_PMD_NR - 1, pages_to_scan at
 * least 1, defrag 0 or 1); a value outside is an error naming the source.
 */
static gboolean setup_khugepaged(FromProc *fp, const PsProcInput *in, GError **error)
{
	PsMachineSpec *spec = &fp->cfg->spec;
	const char *src = in->khugepaged_source ? in->khugepaged_source : "given";
	int set = 0;

	for (int k = 0; k < PS_NR_KHUGEPAGED_KEYS; k++) {
		uint64_t v = in->khugepaged[k], max, min;

		if (!in->khugepaged_given[k])
			continue;
		ps_khugepaged_key_range(spec->thp_order, k, &min, &max);
		if (v < min || v > max) {
			/* where it was read: a capture's THP line, or sysfs' own file */
			g_autofree char *where =
			    in->khugepaged_path[k]
				? g_strdup_printf("%s:%d", in->khugepaged_path[k],
						  in->khugepaged_line[k])
				: g_strdup(src);

			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "%s: khugepaged/%s: %" G_GUINT64_FORMAT
				    " is outside %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
				    " at this page size",
				    where, ps_khugepaged_key_names[k], v, min, max);
			return FALSE;
		}
		spec->khugepaged[k] = (uint32_t)v;
		spec->khugepaged_given[k] = true;
		set++;
	}
	if (set)
		prov_set(fp, "khugepaged", "file: %s (%d settings)", src, set);
	return TRUE;
}

/* THP: given, or read off the origin of min_free_kbytes. */
static void setup_thp(FromProc *fp, const PsProcInput *in)
{
	PsMachineSpec *spec = &fp->cfg->spec;
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(fp->prov, "min_free_kbytes_origin");
	bool thp_rec = o && g_str_has_prefix(o->valuestring, "equals the THP");
	bool sqrt_def = o && g_str_has_prefix(o->valuestring, "equals the sqrt");

	if (in->thp_mode >= 0) {
		spec->thp_built = in->thp_mode != 3;
		spec->thp_mode = in->thp_mode == 3 ? 0 : in->thp_mode;
		prov_set(fp, "thp", "%s", in->thp_source ? in->thp_source : "given");
		return;
	}
	spec->thp_built = true;
	spec->thp_mode = sqrt_def ? 0 : 1;
	prov_set(fp, "thp", "%s",
		 thp_rec    ? "inferred: min_free_kbytes was raised for THP, so THP is enabled "
			      "(always or madvise; madvise assumed)"
		 : sqrt_def ? "inferred: min_free_kbytes was not raised for THP, so THP is "
			      "disabled (never assumed)"
			    : "default madvise (nothing in zoneinfo says)");
}

/*
 * shmem_enabled: the sysfs file the machine had, when read. The config key sizes the folios of
 * cache_add records with reason shmem, which the importer finds on tmpfs mounts; for those files
 * shmem_huge_global_enabled (mm/shmem.c) reads the sysfs value only when it is deny or force and
 * otherwise the mount's huge= (default tmpfs_huge: never unless the kernel was built or booted
 * otherwise), which no /proc file we read gives per file. So deny and force are taken; always,
 * within_size and advise (they govern shm_mnt: memfd, SysV shm, shared anonymous memory) keep
 * the default never, and the provenance says what the file held.
 */
static void setup_shmem_enabled(FromProc *fp, const PsProcInput *in)
{
	PsMachineSpec *spec = &fp->cfg->spec;
	const char *src = in->shmem_enabled_source ? in->shmem_enabled_source : "given";
	int v = in->shmem_enabled;

	if (v < 0 || v >= PS_NR_SHMEM_HUGE)
		return;
	if (v != PS_SHMEM_NEVER && v != PS_SHMEM_DENY && v != PS_SHMEM_FORCE) {
		prov_set(fp, "shmem_enabled",
			 "default never: %s says %s, which tmpfs mounts do not follow (their huge= "
			 "does, unless sysfs says deny or force)",
			 src, ps_config_shmem_huge_names[v]);
		return;
	}
	if (!spec->thp_built && v == PS_SHMEM_FORCE) {
		/* shmem_parse_huge takes nothing but never and deny without THP. */
		prov_set(fp, "shmem_enabled", "default never: %s says force but THP is off", src);
		return;
	}
	spec->shmem_enabled = v;
	prov_set(fp, "shmem_enabled",
		 "file: %s (deny and force override every tmpfs mount's huge=)", src);
}

/*
 * MIGRATE_TYPES of the kernel: pagetypeinfo_showblockcount_print prints one column per type
 * below MIGRATE_TYPES on its "Number of blocks type" line (Isolate with CONFIG_MEMORY_ISOLATION,
 * CMA with CONFIG_CMA).
 */
static gboolean setup_migrate_types(FromProc *fp, const PsProcInput *in, GError **error)
{
	const char *path = in->pagetypeinfo_path ? in->pagetypeinfo_path : "pagetypeinfo";
	const char *l =
	    in->pagetypeinfo_text ? strstr(in->pagetypeinfo_text, "Number of blocks type") : NULL;
	g_autofree char *line = NULL;
	g_auto(GStrv) words = NULL;
	int n = 0;

	if (!l) {
		prov_set(fp, "migrate_types", "default: 5 (%s)",
			 in->pagetypeinfo_text ? "no block count line in pagetypeinfo"
					       : "no pagetypeinfo read");
		return TRUE;
	}
	line = g_strndup(l, strcspn(l, "\n"));
	words = g_strsplit_set(line + strlen("Number of blocks type"), " \t", -1);
	for (int i = 0; words[i]; i++)
		n += words[i][0] != '\0';
	if (n < 4 || n > 6) {
		g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_SYNTAX,
			    "%s: Number of blocks type: %d migratetype columns, expected 4 to 6",
			    path, n);
		return FALSE;
	}
	fp->cfg->spec.migrate_types = n;
	prov_set(fp, "migrate_types", "file: %s, the block count line's %d type columns", path, n);
	return TRUE;
}

/* What the machine printed per used zone, under the sysctls of the config (see setup.c). */
static void record_boot_history(FromProc *fp)
{
	PsMachineSpec *spec = &fp->cfg->spec;
	PsBootHistory *h = &spec->boot_history;

	h->min_free_kbytes = spec->sysctl.min_free_kbytes;
	h->watermark_scale_factor = spec->sysctl.watermark_scale_factor;
	h->percpu_pagelist_high_fraction = spec->sysctl.percpu_pagelist_high_fraction;
	memcpy(h->lowmem_reserve_ratio, spec->sysctl.lowmem_reserve_ratio,
	       sizeof(h->lowmem_reserve_ratio));
	for (int i = 0; i < fp->zi->nr_zones; i++) {
		const PsZoneinfoZone *z = &fp->zi->zones[i];
		PsPrintedZone *p = &h->zones[z->node][z->type];
		bool pcp = z->nr_pagesets && z->pcp_uniform;

		if (!zone_used(z))
			continue;
		p->set = h->set = true;
		p->managed = z->managed;
		memcpy(p->wmark, fp->obs[z->node][z->type].wmark, sizeof(p->wmark));
		/* The k-th printed entry is the k-th zone type of the kernel. */
		for (int t = 0, k = 0; t < PS_MAX_NR_ZONES; t++)
			if (ps_zone_type_built(spec, t))
				p->protection[t] = k < z->nr_protection ? z->protection[k++] : 0;
		p->batch = pcp ? z->pcp_batch : -1;
		p->high_min = pcp ? z->pcp_high_min : -1; /* -1 before 6.7 */
		p->high_max = pcp ? z->pcp_high_max : -1;
	}
	if (h->set)
		prov_set(fp, "boot_history",
			 "file: the watermarks, protection and pcp limits as printed; where the "
			 "formulas on today's managed counts differ (tunables computed before the "
			 "zones grew, e.g. before the initramfs was freed), the printed values are "
			 "carried (`config show` lists them)");
}

gboolean ps_config_from_proc(const PsProcInput *in, PsConfig *cfg, GError **error)
{
	g_autoptr(PsZoneinfo) zi = NULL;
	g_autofree char *text = NULL;
	g_autoptr(PsConfig) check = NULL;
	g_autoptr(GError) local = NULL;
	const char *zpath = in->zoneinfo_path ? in->zoneinfo_path : "zoneinfo";
	FromProc fp = {0};

	zi = ps_zoneinfo_parse(in->zoneinfo_text, zpath, error);
	if (!zi)
		return FALSE;
	g_clear_pointer(&cfg->name, g_free);
	g_clear_pointer(&cfg->description, g_free);
	g_clear_pointer(&cfg->provenance, cJSON_Delete);
	ps_config_spec_init(&cfg->spec);
	fp.cfg = cfg;
	fp.zi = zi;
	fp.prov = cJSON_CreateObject();
	cfg->provenance = fp.prov;
	prov_set(&fp, "zoneinfo", "%s", zpath);
	cfg->name = g_strdup_printf("from-proc %s", zpath);
	cfg->description = g_strdup("mirrors a real machine; see provenance for where every value "
				    "came from");
	if (!setup_page_size(&fp, in, error) || !setup_zones(&fp, zpath, error) ||
	    !setup_cpus(&fp, in, error))
		return FALSE;
	note_boosts(&fp);
	setup_tunable_sysctls(&fp, in);
	setup_other_sysctls(&fp, in);
	setup_thp(&fp, in);
	if (!setup_thp_sizes(&fp, in, error))
		return FALSE;
	setup_thp_defrag(&fp, in);
	if (!setup_khugepaged(&fp, in, error))
		return FALSE;
	setup_shmem_enabled(&fp, in);
	if (!setup_migrate_types(&fp, in, error))
		return FALSE;
	if (in->cpu_data_slice_kib >= 0) {
		const char *src = in->cpu_data_slice_source ? in->cpu_data_slice_source : "";

		fp.cfg->spec.cpu_data_slice_kib = in->cpu_data_slice_kib;
		fp.cfg->spec.cpu_data_slice_given = true;
		prov_set(&fp, "cpu_data_slice_kib", "%s: %s",
			 g_str_has_prefix(src, "--") || !*src ? "given" : "file", src);
	}
	if (in->read_ahead_kb > 0) {
		fp.cfg->spec.read_ahead_kb = (uint32_t)in->read_ahead_kb;
		prov_set(&fp, "page_cache.read_ahead_kb", "file: %s",
			 in->read_ahead_kb_source ? in->read_ahead_kb_source : "");
	}
	record_boot_history(&fp);

	/*
	 * The result must be a valid config: write it and parse it back. A failure there is the
	 * zoneinfo's (most often one cut short), so it is reported against the zoneinfo's last
	 * line, not against a config text the user never saw.
	 */
	text = ps_config_to_json_full(cfg);
	check = ps_config_new();
	if (!ps_config_parse(check, text, strlen(text), "(generated config)", &local)) {
		const char *msg = local->message;
		const char *t = in->zoneinfo_text;
		int lines = 0;

		if (g_str_has_prefix(msg, "(generated config):")) {
			msg += strlen("(generated config):");
			while (g_ascii_isdigit(*msg))
				msg++;
			if (*msg == ':')
				msg++;
			while (*msg == ' ')
				msg++;
		}
		for (; t && *t; t++)
			lines += *t == '\n';
		if (in->zoneinfo_text && *in->zoneinfo_text && t[-1] != '\n')
			lines++;
		g_set_error(
		    error, PS_CONFIG_ERROR, local->code,
		    "%s:%d: zoneinfo: the machine it describes is not valid (is the file cut "
		    "short?): %s",
		    zpath, MAX(lines, 1), msg);
		return FALSE;
	}
	return TRUE;
}
