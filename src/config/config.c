// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config.c - JSON machine configs to PsMachineSpec, and their validation. The defaults an unset
 * key takes are defaults.c; the way back to JSON is write.c.
 *
 * Models what a booted kernel knows about its machine (the memory map per zone, cpus and their
 * nodes, SLIT distances, Kconfig choices such as page size and THP) plus the vm sysctls. The
 * kernel defaults of the sysctls are those of mm/page_alloc.c, mm/vmstat.c, mm/compaction.c and
 * mm/vmscan.c; range checks follow the sysctl tables' bounds (e.g. watermark_scale_factor 1..3000,
 * percpu_pagelist_high_fraction 0 or >= 8).
 *
 * cJSON keeps no positions and rounds integers above 2^53; util/json.c gives every item its line
 * and reads integers exactly from their text, so errors say `file:line: key: what` and a seed of
 * 2^53 + 1 stays one.
 *
 * Simplifications: zone spans are contiguous ranges and must not overlap (the kernel allows a
 * Movable zone to interleave with Normal under some boot options); distances must be symmetric
 * in meaning only as far as the kernel requires (10 on the diagonal, more than 10 elsewhere).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/config-private.h"

G_DEFINE_QUARK(ps_config_error_quark, ps_config_error)

/* ---- parse context and typed getters ------------------------------------------------------ */

typedef struct {
	const char *filename;
	const PsJsonDoc *doc; /* positions and number texts */
	GError **error;
} CfgCtx;

static int item_line(const CfgCtx *c, const cJSON *item)
{
	return ps_json_doc_line(c->doc, item);
}

static gboolean cfg_fail(CfgCtx *c, const cJSON *item, int code, const char *path, const char *fmt,
			 ...) G_GNUC_PRINTF(5, 6);

static gboolean cfg_fail(CfgCtx *c, const cJSON *item, int code, const char *path, const char *fmt,
			 ...)
{
	g_autofree char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(c->error, PS_CONFIG_ERROR, code, "%s:%d: %s: %s", c->filename,
		    item ? item_line(c, item) : 1, path && *path ? path : "(top level)", what);
	return FALSE;
}

static char *child_path(const char *path, const char *key)
{
	return *path ? g_strdup_printf("%s.%s", path, key) : g_strdup(key);
}

static char *index_path(const char *path, int i)
{
	return g_strdup_printf("%s[%d]", path, i);
}

/* Every member of obj must be in allowed[] (NULL-terminated) and appear once. */
static gboolean cfg_check_keys(CfgCtx *c, const cJSON *obj, const char *path,
			       const char *const *allowed)
{
	const cJSON *it, *prev;

	for (it = obj->child; it; it = it->next) {
		g_autofree char *p = child_path(path, it->string);
		bool known = false;

		for (int i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], it->string))
				known = true;
		if (!known) {
			g_autofree char *list = g_strjoinv(", ", (char **)allowed);

			return cfg_fail(c, it, PS_CONFIG_ERROR_UNKNOWN_KEY, p,
					"unknown key (known here: %s)", list);
		}
		for (prev = obj->child; prev != it; prev = prev->next)
			if (!strcmp(prev->string, it->string))
				return cfg_fail(c, it, PS_CONFIG_ERROR_VALUE, p,
						"duplicate key (first given on line %d)",
						item_line(c, prev));
	}
	return TRUE;
}

static gboolean cfg_object(CfgCtx *c, const cJSON *item, const char *path)
{
	if (!cJSON_IsObject(item))
		return cfg_fail(c, item, PS_CONFIG_ERROR_TYPE, path, "expected an object, got %s",
				ps_json_type_name(item));
	return TRUE;
}

/* An integer read exactly from its text (util/json.c), so 64-bit values keep every digit. */
static gboolean cfg_int(CfgCtx *c, const cJSON *item, const char *path, int64_t min, int64_t max,
			int64_t *out)
{
	g_autofree char *why = NULL;
	int code;
	gsize len = 0;
	const char *tok = cJSON_IsNumber(item) ? ps_json_doc_value_text(c->doc, item, &len) : NULL;
	bool neg = false;
	uint64_t mag = 0;

	if (!ps_json_doc_int(c->doc, item, min, max, out, &code, &why))
		return cfg_fail(c, item,
				code == PS_UTIL_ERROR_RANGE ? PS_CONFIG_ERROR_VALUE
							    : PS_CONFIG_ERROR_TYPE,
				path, "%s", why);
	/*
	 * Integer notation only: "2.0" or "2e0" where an integer is meant, or "-0", is a value
	 * nobody meant to write that way (util takes them, as JSON writers may produce them; a
	 * config is written by hand or by pagesim, which writes integers as integers).
	 */
	if (tok && (!ps_json_integer_token(tok, len, &neg, &mag) || (neg && mag == 0)))
		return cfg_fail(c, item, PS_CONFIG_ERROR_TYPE, path,
				"expected an integer, got %.*s", (int)MIN(len, 32), tok);
	return TRUE;
}

static gboolean cfg_int32(CfgCtx *c, const cJSON *item, const char *path, int min, int max,
			  int *out)
{
	int64_t v = 0;

	if (!cfg_int(c, item, path, min, max, &v))
		return FALSE;
	*out = (int)v;
	return TRUE;
}

/* A vm sysctl: within the range its kernel handler accepts (mm's ps_sysctl_range). */
static gboolean cfg_sysctl(CfgCtx *c, const cJSON *item, const char *path, const char *name,
			   int *out)
{
	const PsSysctlRange *r = ps_sysctl_range(name);

	g_assert(r);
	return cfg_int32(c, item, path, r->min, r->max, out);
}

static gboolean cfg_string(CfgCtx *c, const cJSON *item, const char *path, const char **out)
{
	gsize len = 0;
	const char *tok;

	if (!cJSON_IsString(item))
		return cfg_fail(c, item, PS_CONFIG_ERROR_TYPE, path, "expected a string, got %s",
				ps_json_type_name(item));
	/* cJSON cuts a string at "\u0000": "madv\u0000ise" would read as "madv" */
	tok = ps_json_doc_value_text(c->doc, item, &len);
	for (gsize i = 0; tok && i + 1 < len; i += tok[i] == '\\' ? 2 : 1)
		if (tok[i] == '\\' && i + 6 <= len && !memcmp(tok + i, "\\u0000", 6))
			return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
					"a NUL character (\\u0000) in a string");
	*out = item->valuestring;
	return TRUE;
}

/* ---- sections ------------------------------------------------------------------------------ */

typedef gboolean (*SectionFn)(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg);

static gboolean parse_name(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	const char *s = NULL;

	if (!cfg_string(c, item, path, &s))
		return FALSE;
	g_free(cfg->name);
	cfg->name = g_strdup(s);
	return TRUE;
}

static gboolean parse_description(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	const char *s = NULL;

	if (!cfg_string(c, item, path, &s))
		return FALSE;
	g_free(cfg->description);
	cfg->description = g_strdup(s);
	return TRUE;
}

static gboolean parse_page_size(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	PsMachineSpec *spec = &cfg->spec;
	int64_t v = 0;

	if (!cfg_int(c, item, path, 1, G_MAXUINT32, &v))
		return FALSE;
	if (v & (v - 1))
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
				"%" G_GINT64_FORMAT " is not a power of two", v);
	if (!ps_page_size_defaults((uint32_t)v, &spec->max_order, &spec->pageblock_order,
				   &spec->thp_order))
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
				"unsupported page size %" G_GINT64_FORMAT
				" (supported: 4096, 16384, 65536)",
				v);
	spec->page_size = (uint32_t)v;
	return TRUE;
}

static gboolean parse_max_order(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	int v = 0;

	if (!cfg_int32(c, item, path, 1, PS_NR_ORDERS_MAX - 1, &v))
		return FALSE;
	cfg->spec.max_order = (unsigned)v;
	/* PAGE_BLOCK_MAX_ORDER follows MAX_PAGE_ORDER unless set on its own. */
	cfg->spec.pageblock_order = MIN(cfg->spec.pageblock_order, cfg->spec.max_order);
	return TRUE;
}

static gboolean parse_pageblock_order(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	int v = 0;

	if (!cfg_int32(c, item, path, 1, (int)cfg->spec.max_order, &v))
		return FALSE;
	cfg->spec.pageblock_order = (unsigned)v;
	return TRUE;
}

static gboolean parse_thp(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	const char *s = NULL;

	if (!cfg_string(c, item, path, &s))
		return FALSE;
	for (int i = 0; i < PS_CONFIG_NR_THP_MODES; i++) {
		if (!strcmp(s, ps_config_thp_mode_names[i])) {
			cfg->spec.thp_built = i != 3;
			cfg->spec.thp_mode = i == 3 ? 0 : i;
			return TRUE;
		}
	}
	return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
			"\"%s\" is not one of always, madvise, never, off", s);
}

/*
 * "shmem_enabled": tmpfs/shmem huge pages, one of /sys/kernel/mm/transparent_hugepage/
 * shmem_enabled's values (the kernel's default never). Anything but never and deny needs THP
 * built (shmem_parse_huge refuses them without has_transparent_hugepage).
 */
static gboolean parse_shmem_enabled(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	const char *s = NULL;

	if (!cfg_string(c, item, path, &s))
		return FALSE;
	for (int i = 0; i < PS_NR_SHMEM_HUGE; i++) {
		if (strcmp(s, ps_config_shmem_huge_names[i]))
			continue;
		if (!cfg->spec.thp_built && i != PS_SHMEM_NEVER && i != PS_SHMEM_DENY)
			return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
					"\"%s\" needs THP (\"thp\" is \"off\"): never or deny", s);
		cfg->spec.shmem_enabled = i;
		return TRUE;
	}
	return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
			"\"%s\" is not one of always, within_size, advise, never, deny, force", s);
}

/* "hugepages": {"64kB": "always", ...}: hugepages-<size>kB/enabled of each anonymous THP size. */
static gboolean parse_hugepages(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	PsMachineSpec *spec = &cfg->spec;
	const cJSON *it;

	if (!cfg_object(c, item, path))
		return FALSE;
	cJSON_ArrayForEach(it, item)
	{
		g_autofree char *p = g_strdup_printf("%s.%s", path, it->string);
		const char *s = NULL;
		int order = -1, mode = -1;

		/* THP_ORDERS_ALL_ANON: orders 2 up to the PMD order */
		for (unsigned o = 2; o <= spec->thp_order; o++) {
			g_autofree char *name = g_strdup_printf(
			    "%" G_GUINT64_FORMAT "kB", ((uint64_t)spec->page_size << o) / 1024);

			if (!strcmp(name, it->string))
				order = (int)o;
		}
		if (order < 0)
			return cfg_fail(
			    c, it, PS_CONFIG_ERROR_VALUE, p,
			    "not an anonymous THP size of this page size (%" G_GUINT64_FORMAT
			    "kB..%" G_GUINT64_FORMAT "kB, powers of two)",
			    (uint64_t)spec->page_size * 4 / 1024,
			    ((uint64_t)spec->page_size << spec->thp_order) / 1024);
		if (!cfg_string(c, it, p, &s))
			return FALSE;
		for (int m = PS_THP_SIZE_NEVER; m < PS_NR_THP_SIZE_MODES; m++)
			if (!strcmp(s, ps_config_thp_size_mode_names[m]))
				mode = m;
		if (mode < 0)
			return cfg_fail(c, it, PS_CONFIG_ERROR_VALUE, p,
					"\"%s\" is not one of always, madvise, inherit, never", s);
		spec->thp_size_mode[order] = (uint8_t)mode;
	}
	return TRUE;
}

/*
 * "khugepaged": {"max_ptes_none": 511, ...}: /sys/kernel/mm/transparent_hugepage/khugepaged/'s
 * writable files, as their *_store functions accept them (ps_khugepaged_key_range). A key not
 * given keeps the kernel's default (sim/khugepaged.c).
 */
static gboolean parse_khugepaged(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	PsMachineSpec *spec = &cfg->spec;
	const cJSON *it;

	if (!cfg_object(c, item, path))
		return FALSE;
	cJSON_ArrayForEach(it, item)
	{
		g_autofree char *p = g_strdup_printf("%s.%s", path, it->string);
		uint64_t lo, hi;
		int64_t v = 0;
		int key = -1;

		for (int k = 0; k < PS_NR_KHUGEPAGED_KEYS; k++)
			if (!strcmp(it->string, ps_khugepaged_key_names[k]))
				key = k;
		if (key < 0)
			return cfg_fail(c, it, PS_CONFIG_ERROR_VALUE, p,
					"not a khugepaged setting (defrag, max_ptes_none, "
					"max_ptes_swap, max_ptes_shared, pages_to_scan, "
					"scan_sleep_millisecs, alloc_sleep_millisecs)");
		ps_khugepaged_key_range(spec->thp_order, key, &lo, &hi);
		if (!cfg_int(c, it, p, (int64_t)lo, (int64_t)hi, &v))
			return FALSE;
		spec->khugepaged[key] = (uint32_t)v;
		spec->khugepaged_given[key] = true;
	}
	return TRUE;
}

/* "page_cache": {"read_ahead_kb", "large_folios", "max_order"}: policy/readahead.c's inputs. */
static gboolean parse_page_cache(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	static const char *const keys[] = {"read_ahead_kb", "large_folios", "max_order", NULL};
	PsMachineSpec *spec = &cfg->spec;
	const cJSON *it;
	int v = 0;

	if (!cfg_object(c, item, path) || !cfg_check_keys(c, item, path, keys))
		return FALSE;
	if ((it = cJSON_GetObjectItemCaseSensitive(item, "read_ahead_kb"))) {
		if (!cfg_int32(c, it, "page_cache.read_ahead_kb", 1, 1 << 20, &v))
			return FALSE;
		spec->read_ahead_kb = (uint32_t)v;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(item, "large_folios"))) {
		if (!cJSON_IsBool(it))
			return cfg_fail(c, it, PS_CONFIG_ERROR_TYPE, "page_cache.large_folios",
					"expected true or false, got %s", ps_json_type_name(it));
		spec->file_large_folios = cJSON_IsTrue(it) ? 1 : 0;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(item, "max_order"))) {
		/* MAX_XAS_ORDER (XA_CHUNK_SHIFT * 2 - 1) bounds what the page cache can store */
		if (!cfg_int32(c, it, "page_cache.max_order", 0, 11, &v))
			return FALSE;
		spec->pagecache_max_order = v;
	}
	return TRUE;
}

static gboolean parse_thread_size(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	int64_t v = 0;

	if (!cfg_int(c, item, path, 4096, 1 << 20, &v))
		return FALSE;
	if (v & (v - 1))
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
				"%" G_GINT64_FORMAT " is not a power of two", v);
	cfg->spec.thread_size = (uint32_t)v;
	return TRUE;
}

/*
 * va_bits: the user address bits the page tables cover (arm64 CONFIG_ARM64_VA_BITS, x86-64 48
 * with 4-level paging, 57 with 5-level); with the page size it fixes the levels
 * (sim/process.c). At least two levels, at most five.
 */
static gboolean parse_va_bits(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	int64_t v = 0;

	if (!cfg_int(c, item, path, 36, 57, &v))
		return FALSE;
	cfg->spec.va_bits = (uint32_t)v;
	return TRUE;
}

static gboolean parse_pcp_batch_scale_max(CfgCtx *c, const cJSON *item, const char *path,
					  PsConfig *cfg)
{
	return cfg_int32(c, item, path, 0, 6, &cfg->spec.pcp_batch_scale_max);
}

static gboolean parse_migrate_types(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	return cfg_int32(c, item, path, 4, 6, &cfg->spec.migrate_types);
}

static gboolean parse_cpu_data_slice_kib(CfgCtx *c, const cJSON *item, const char *path,
					 PsConfig *cfg)
{
	cfg->spec.cpu_data_slice_given = true;
	return cfg_int32(c, item, path, 0, 1 << 20, &cfg->spec.cpu_data_slice_kib);
}

static gboolean parse_zone_types(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	if (!ps_zone_types_from_json(item, &cfg->spec.zone_types))
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
				"expected distinct zone names with Normal and Movable");
	return TRUE;
}

static gboolean parse_boot_history(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	g_autofree char *what = NULL;

	if (!ps_boot_history_from_json(item, &cfg->spec, &what))
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path, "%s", what);
	return TRUE;
}

static gboolean parse_seed(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	int64_t v = 0;

	if (!cfg_int(c, item, path, 0, G_MAXINT64, &v))
		return FALSE;
	cfg->spec.seed = (uint64_t)v;
	return TRUE;
}

static gboolean parse_provenance(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	if (!cfg_object(c, item, path))
		return FALSE;
	g_clear_pointer(&cfg->provenance, cJSON_Delete);
	cfg->provenance = cJSON_Duplicate(item, TRUE);
	return TRUE;
}

/* A size given in pages (`key`) or in bytes (`key_bytes`); absent leaves *out and *given alone. */
static gboolean zone_size(CfgCtx *c, const cJSON *zobj, const char *path, const char *key,
			  const char *bytes_key, uint32_t page_size, uint64_t *out, bool *given)
{
	const cJSON *pg = cJSON_GetObjectItemCaseSensitive(zobj, key);
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(zobj, bytes_key);
	g_autofree char *p = child_path(path, pg ? key : bytes_key);
	int64_t v = 0;

	if (pg && by)
		return cfg_fail(c, by, PS_CONFIG_ERROR_VALUE, p, "give %s or %s, not both", key,
				bytes_key);
	if (pg) {
		if (!cfg_int(c, pg, p, 0, G_MAXUINT32, &v))
			return FALSE;
		*out = (uint64_t)v;
		*given = true;
	} else if (by) {
		if (!cfg_int(c, by, p, 0, (int64_t)G_MAXUINT32 * page_size, &v))
			return FALSE;
		if (v % page_size)
			return cfg_fail(c, by, PS_CONFIG_ERROR_VALUE, p,
					"%" G_GINT64_FORMAT
					" is not a multiple of the page size %u",
					v, page_size);
		*out = (uint64_t)v / page_size;
		*given = true;
	}
	return TRUE;
}

/* Where the previous zone (in config order) ended: the default start of the next one. */
typedef struct {
	uint64_t next_pfn;
	const cJSON *item[PS_MAX_NODES][PS_MAX_NR_ZONES];
	char *path[PS_MAX_NODES][PS_MAX_NR_ZONES];
} ZoneLayout;

static gboolean parse_zone(CfgCtx *c, const cJSON *zobj, const char *path, PsConfig *cfg, int node,
			   int type, ZoneLayout *lay)
{
	static const char *const keys[] = {
	    "start_pfn", "start_bytes",	  "spanned",  "spanned_bytes",	"present", "present_bytes",
	    "managed",	 "managed_bytes", "deferred", "deferred_bytes", NULL};
	PsZoneSpec *z = &cfg->spec.zones[node][type];
	uint32_t ps = cfg->spec.page_size;
	bool has_start = false, has_spanned = false, has_present = false, has_managed = false;
	bool has_deferred = false;
	uint64_t start = lay->next_pfn;

	if (!cfg_object(c, zobj, path) || !cfg_check_keys(c, zobj, path, keys))
		return FALSE;
	if (!zone_size(c, zobj, path, "start_pfn", "start_bytes", ps, &start, &has_start) ||
	    !zone_size(c, zobj, path, "spanned", "spanned_bytes", ps, &z->spanned, &has_spanned) ||
	    !zone_size(c, zobj, path, "present", "present_bytes", ps, &z->present, &has_present) ||
	    !zone_size(c, zobj, path, "managed", "managed_bytes", ps, &z->managed, &has_managed) ||
	    !zone_size(c, zobj, path, "deferred", "deferred_bytes", ps, &z->deferred,
		       &has_deferred))
		return FALSE;
	if (!has_spanned)
		return cfg_fail(c, zobj, PS_CONFIG_ERROR_VALUE, path,
				"missing key \"spanned\" (or \"spanned_bytes\")");
	if (!has_present)
		z->present = z->spanned;
	if (!has_managed)
		z->managed = z->present;
	if (z->present > z->spanned) {
		g_autofree char *p = child_path(path, "present");

		return cfg_fail(c, zobj, PS_CONFIG_ERROR_VALUE, p,
				"present (%" G_GUINT64_FORMAT
				") exceeds spanned (%" G_GUINT64_FORMAT ")",
				z->present, z->spanned);
	}
	if (z->managed > z->present) {
		g_autofree char *p = child_path(path, "managed");

		return cfg_fail(c, zobj, PS_CONFIG_ERROR_VALUE, p,
				"managed (%" G_GUINT64_FORMAT
				") exceeds present (%" G_GUINT64_FORMAT ")",
				z->managed, z->present);
	}
	if (z->deferred) {
		g_autofree char *p = child_path(path, "deferred");
		uint64_t section = ps_pages_per_section(ps);

		if (!z->managed)
			return cfg_fail(
			    c, zobj, PS_CONFIG_ERROR_VALUE, p,
			    "a zone with deferred pages needs managed pages (defer_init "
			    "initialises a section first)");
		if (z->deferred > z->present - z->managed)
			return cfg_fail(c, zobj, PS_CONFIG_ERROR_VALUE, p,
					"managed (%" G_GUINT64_FORMAT
					") + deferred (%" G_GUINT64_FORMAT
					") exceeds present (%" G_GUINT64_FORMAT ")",
					z->managed, z->deferred, z->present);
		if ((start + z->spanned - z->deferred) % section)
			return cfg_fail(c, zobj, PS_CONFIG_ERROR_VALUE, p,
					"the first deferred pfn %" G_GUINT64_FORMAT
					" is not a section boundary (%" G_GUINT64_FORMAT " pages)",
					start + z->spanned - z->deferred, section);
	}
	/*
	 * The machine aligns its pfn map to the largest buddy block (ps_machine_new: at most
	 * 2^(PS_NR_ORDERS_MAX - 1) pages) and needs the rounded-up end to stay a 32-bit pfn; a zone
	 * past that failed there as "nodes: the pfn range is too large" without a line.
	 */
	if (start + z->spanned + (1ull << (PS_NR_ORDERS_MAX - 1)) > PS_PFN_NONE)
		return cfg_fail(c, zobj, PS_CONFIG_ERROR_VALUE, path,
				"the zone ends beyond pfn %u, the largest this simulator supports",
				(unsigned)(PS_PFN_NONE - (1u << (PS_NR_ORDERS_MAX - 1))));
	if (type == PS_ZONE_DEVICE && z->spanned)
		return cfg_fail(c, zobj, PS_CONFIG_ERROR_VALUE, path,
				"ZONE_DEVICE never holds buddy pages; it must be empty");
	z->start_pfn = (ps_pfn_t)start;
	if (z->spanned)
		lay->next_pfn = start + z->spanned;
	lay->item[node][type] = zobj;
	lay->path[node][type] = g_strdup(path);
	return TRUE;
}

static gboolean parse_node(CfgCtx *c, const cJSON *nobj, const char *path, PsConfig *cfg, int node,
			   ZoneLayout *lay)
{
	static const char *const keys[] = {"zones", NULL};
	const cJSON *zones, *it;
	g_autofree char *zpath = child_path(path, "zones");

	if (!cfg_object(c, nobj, path) || !cfg_check_keys(c, nobj, path, keys))
		return FALSE;
	zones = cJSON_GetObjectItemCaseSensitive(nobj, "zones");
	if (!zones)
		return TRUE;
	if (!cfg_object(c, zones, zpath) ||
	    !cfg_check_keys(
		c, zones, zpath,
		(const char *const[]){"DMA", "DMA32", "Normal", "Movable", "Device", NULL}))
		return FALSE;
	/* Zone types in the kernel's order, whatever order the file lists them in. */
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		g_autofree char *p = NULL;

		it = cJSON_GetObjectItemCaseSensitive(zones, ps_zone_names[t]);
		if (!it)
			continue;
		p = child_path(zpath, ps_zone_names[t]);
		if (!parse_zone(c, it, p, cfg, node, t, lay))
			return FALSE;
	}
	return TRUE;
}

/* Zone spans must not overlap, and within a node a higher zone type lies above a lower one. */
static gboolean check_zone_layout(CfgCtx *c, const PsConfig *cfg, const ZoneLayout *lay)
{
	const PsMachineSpec *spec = &cfg->spec;

	for (int n = 0; n < spec->nr_nodes; n++) {
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			const PsZoneSpec *a = &spec->zones[n][t];

			if (!a->spanned)
				continue;
			/* defer_init: only the node's highest zone has deferred pages */
			for (int u = t + 1; a->deferred && u < PS_MAX_NR_ZONES; u++)
				if (spec->zones[n][u].spanned)
					return cfg_fail(
					    c, lay->item[n][t], PS_CONFIG_ERROR_VALUE,
					    lay->path[n][t],
					    "deferred: only the node's highest zone has "
					    "deferred pages, and %s lies above",
					    lay->path[n][u]);
			for (int m = 0; m <= n; m++) {
				for (int u = 0; u < (m == n ? t : PS_MAX_NR_ZONES); u++) {
					const PsZoneSpec *b = &spec->zones[m][u];
					uint64_t a0 = a->start_pfn, a1 = a0 + a->spanned;
					uint64_t b0 = b->start_pfn, b1 = b0 + b->spanned;

					if (!b->spanned)
						continue;
					if (a0 < b1 && b0 < a1)
						return cfg_fail(c, lay->item[n][t],
								PS_CONFIG_ERROR_VALUE,
								lay->path[n][t],
								"pfns [%" G_GUINT64_FORMAT
								", %" G_GUINT64_FORMAT
								") overlap %s [%" G_GUINT64_FORMAT
								", %" G_GUINT64_FORMAT ")",
								a0, a1, lay->path[m][u], b0, b1);
					if (m == n && a0 < b0 && t != PS_ZONE_MOVABLE)
						return cfg_fail(
						    c, lay->item[n][t], PS_CONFIG_ERROR_VALUE,
						    lay->path[n][t],
						    "lies below %s; zones of a node are ordered "
						    "DMA < DMA32 < Normal by address",
						    lay->path[m][u]);
				}
			}
		}
	}
	return TRUE;
}

static gboolean parse_nodes(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	ZoneLayout lay = {0};
	const cJSON *it;
	uint64_t managed = 0;
	int n = 0;
	gboolean ok = TRUE;

	if (!cJSON_IsArray(item))
		return cfg_fail(c, item, PS_CONFIG_ERROR_TYPE, path, "expected an array, got %s",
				ps_json_type_name(item));
	if (cJSON_GetArraySize(item) < 1 || cJSON_GetArraySize(item) > PS_MAX_NODES)
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
				"%d nodes; between 1 and %d are supported",
				cJSON_GetArraySize(item), PS_MAX_NODES);
	memset(cfg->spec.zones, 0, sizeof(cfg->spec.zones));
	cfg->spec.nr_nodes = cJSON_GetArraySize(item);
	for (it = item->child; it && ok; it = it->next, n++) {
		g_autofree char *p = index_path(path, n);

		ok = parse_node(c, it, p, cfg, n, &lay);
	}
	if (ok)
		ok = check_zone_layout(c, cfg, &lay);
	for (n = 0; n < cfg->spec.nr_nodes; n++)
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			managed += cfg->spec.zones[n][t].managed;
			g_free(lay.path[n][t]);
		}
	if (ok && !managed)
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path, "no zone has managed pages");
	return ok;
}

static gboolean parse_cpus(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	PsMachineSpec *spec = &cfg->spec;
	const cJSON *it;
	int i = 0;

	if (cJSON_IsNumber(item) || cJSON_IsRaw(item)) {
		if (!cfg_int32(c, item, path, 1, PS_MAX_CPUS, &spec->nr_cpus))
			return FALSE;
		memset(spec->cpu_node, 0, sizeof(spec->cpu_node));
		return TRUE;
	}
	if (!cJSON_IsArray(item))
		return cfg_fail(c, item, PS_CONFIG_ERROR_TYPE, path,
				"expected a cpu count or an array of node ids, got %s",
				ps_json_type_name(item));
	if (cJSON_GetArraySize(item) < 1 || cJSON_GetArraySize(item) > PS_MAX_CPUS)
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path,
				"%d cpus; between 1 and %d are supported", cJSON_GetArraySize(item),
				PS_MAX_CPUS);
	for (it = item->child; it; it = it->next, i++) {
		g_autofree char *p = index_path(path, i);
		int64_t v = 0;

		if (!cfg_int(c, it, p, 0, G_MAXINT32, &v))
			return FALSE;
		if (v >= spec->nr_nodes)
			return cfg_fail(c, it, PS_CONFIG_ERROR_VALUE, p,
					"cpu %d is on node %" G_GINT64_FORMAT
					", which does not exist (the config has %d node%s)",
					i, v, spec->nr_nodes, spec->nr_nodes == 1 ? "" : "s");
		spec->cpu_node[i] = (int)v;
	}
	spec->nr_cpus = i;
	return TRUE;
}

static gboolean parse_distances(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	PsMachineSpec *spec = &cfg->spec;
	const cJSON *row;
	int i = 0;

	if (!cJSON_IsArray(item))
		return cfg_fail(c, item, PS_CONFIG_ERROR_TYPE, path, "expected an array, got %s",
				ps_json_type_name(item));
	if (cJSON_GetArraySize(item) != spec->nr_nodes)
		return cfg_fail(c, item, PS_CONFIG_ERROR_VALUE, path, "%d rows for %d nodes",
				cJSON_GetArraySize(item), spec->nr_nodes);
	for (row = item->child; row; row = row->next, i++) {
		g_autofree char *rp = index_path(path, i);
		const cJSON *it;
		int j = 0;

		if (!cJSON_IsArray(row))
			return cfg_fail(c, row, PS_CONFIG_ERROR_TYPE, rp,
					"expected an array, got %s", ps_json_type_name(row));
		if (cJSON_GetArraySize(row) != spec->nr_nodes)
			return cfg_fail(c, row, PS_CONFIG_ERROR_VALUE, rp,
					"%d entries for %d nodes", cJSON_GetArraySize(row),
					spec->nr_nodes);
		for (it = row->child; it; it = it->next, j++) {
			g_autofree char *p = index_path(rp, j);
			int v = 0;

			if (!cfg_int32(c, it, p, 1, 254, &v))
				return FALSE;
			if (i == j && v != 10)
				return cfg_fail(c, it, PS_CONFIG_ERROR_VALUE, p,
						"the distance of a node to itself is 10, not %d",
						v);
			if (i != j && v <= 10)
				return cfg_fail(c, it, PS_CONFIG_ERROR_VALUE, p,
						"a remote distance must exceed the local 10");
			spec->distance[i][j] = (uint8_t)v;
		}
	}
	return TRUE;
}

static gboolean parse_sysctl(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	static const char *const keys[] = {"min_free_kbytes",
					   "watermark_scale_factor",
					   "watermark_boost_factor",
					   "lowmem_reserve_ratio",
					   "percpu_pagelist_high_fraction",
					   "extfrag_threshold",
					   "compaction_proactiveness",
					   "swappiness",
					   "zone_reclaim_mode",
					   "defrag_mode",
					   "stat_interval_ms",
					   "mobility_grouping",
					   NULL};
	PsSysctl *s = &cfg->spec.sysctl;
	const cJSON *it;

	if (!cfg_object(c, item, path) || !cfg_check_keys(c, item, path, keys))
		return FALSE;
	for (it = item->child; it; it = it->next) {
		g_autofree char *p = child_path(path, it->string);
		const char *k = it->string;
		gboolean ok;

		if (!strcmp(k, "min_free_kbytes")) {
			int64_t v;

			ok = cfg_int(c, it, p, 0, G_MAXINT32, &v);
			s->min_free_kbytes = s->user_min_free_kbytes = v;
		} else if (!strcmp(k, "watermark_scale_factor")) {
			ok = cfg_sysctl(c, it, p, k, &s->watermark_scale_factor);
		} else if (!strcmp(k, "watermark_boost_factor")) {
			ok = cfg_sysctl(c, it, p, k, &s->watermark_boost_factor);
		} else if (!strcmp(k, "lowmem_reserve_ratio")) {
			const cJSON *e;
			int i = 0;

			if (!cJSON_IsArray(it))
				return cfg_fail(c, it, PS_CONFIG_ERROR_TYPE, p,
						"expected an array, got %s", ps_json_type_name(it));
			if (cJSON_GetArraySize(it) < 1 || cJSON_GetArraySize(it) > PS_MAX_NR_ZONES)
				return cfg_fail(c, it, PS_CONFIG_ERROR_VALUE, p,
						"%d entries; one per zone type, at most %d",
						cJSON_GetArraySize(it), PS_MAX_NR_ZONES);
			ok = TRUE;
			for (e = it->child; e && ok; e = e->next, i++) {
				g_autofree char *ep = index_path(p, i);

				ok =
				    cfg_int32(c, e, ep, 0, G_MAXINT32, &s->lowmem_reserve_ratio[i]);
			}
		} else if (!strcmp(k, "percpu_pagelist_high_fraction")) {
			ok = cfg_sysctl(c, it, p, k, &s->percpu_pagelist_high_fraction);
			if (ok && !ps_sysctl_accepts(ps_sysctl_range(k),
						     s->percpu_pagelist_high_fraction))
				return cfg_fail(c, it, PS_CONFIG_ERROR_VALUE, p,
						"must be 0 (automatic) or at least 8");
		} else if (!strcmp(k, "extfrag_threshold")) {
			ok = cfg_sysctl(c, it, p, k, &s->extfrag_threshold);
		} else if (!strcmp(k, "compaction_proactiveness")) {
			ok = cfg_sysctl(c, it, p, k, &s->compaction_proactiveness);
		} else if (!strcmp(k, "swappiness")) {
			ok = cfg_sysctl(c, it, p, k, &s->swappiness);
		} else if (!strcmp(k, "zone_reclaim_mode")) {
			/* stricter than the kernel, which keeps any value >= 0: a config names
			 * the modes it means (RECLAIM_ZONE|WRITE|UNMAP) */
			ok = cfg_int32(c, it, p, 0, 7, &s->zone_reclaim_mode);
		} else if (!strcmp(k, "defrag_mode")) {
			ok = cfg_sysctl(c, it, p, k, &s->defrag_mode);
		} else if (!strcmp(k, "mobility_grouping")) {
			if (!cJSON_IsBool(it))
				return cfg_fail(c, it, PS_CONFIG_ERROR_TYPE, p,
						"expected true or false, got %s",
						ps_json_type_name(it));
			s->page_group_by_mobility_disabled = cJSON_IsFalse(it);
			ok = TRUE;
		} else {
			int v = 0;

			ok = cfg_int32(c, it, p, 1, G_MAXINT32, &v);
			s->stat_interval_ns = (uint64_t)v * 1000000ull;
		}
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

static gboolean parse_costs(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	const char *keys[PS_CONFIG_NR_COST_KEYS + 1];
	const cJSON *it;

	for (gsize i = 0; i < PS_CONFIG_NR_COST_KEYS; i++)
		keys[i] = ps_config_cost_keys[i].key;
	keys[PS_CONFIG_NR_COST_KEYS] = NULL;
	if (!cfg_object(c, item, path) || !cfg_check_keys(c, item, path, keys))
		return FALSE;
	for (it = item->child; it; it = it->next) {
		g_autofree char *p = child_path(path, it->string);

		for (gsize i = 0; i < PS_CONFIG_NR_COST_KEYS; i++) {
			int64_t v = 0;

			if (strcmp(it->string, ps_config_cost_keys[i].key))
				continue;
			if (!cfg_int(c, it, p, 0, 1000000000000ll, &v))
				return FALSE;
			*COST_FIELD(&cfg->costs, i) = (uint64_t)v;
		}
	}
	return TRUE;
}

static gboolean parse_sampling(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	static const char *const keys[] = {"sample_ms", NULL};
	const cJSON *it;

	if (!cfg_object(c, item, path) || !cfg_check_keys(c, item, path, keys))
		return FALSE;
	it = cJSON_GetObjectItemCaseSensitive(item, "sample_ms");
	if (it) {
		g_autofree char *p = child_path(path, "sample_ms");
		int64_t v = 0;

		if (!cfg_int(c, it, p, 1, 3600000, &v))
			return FALSE;
		cfg->sampling.sample_ns = (uint64_t)v * 1000000ull;
	}
	return TRUE;
}

static gboolean parse_reclaim(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	const char *keys[PS_CONFIG_NR_RECLAIM_KEYS + 1];
	const cJSON *it;

	/* b302500 charged reclaim per folio and renamed its two per-page cost keys */
	static const char *const renamed[][2] = {{"scan_page_ns", "scan_folio_ns"},
						 {"reclaim_page_ns", "reclaim_folio_ns"}};

	for (gsize i = 0; i < PS_CONFIG_NR_RECLAIM_KEYS; i++)
		keys[i] = ps_config_reclaim_keys[i].key;
	keys[PS_CONFIG_NR_RECLAIM_KEYS] = NULL;
	if (!cfg_object(c, item, path))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(renamed); i++) {
		const cJSON *old = cJSON_GetObjectItemCaseSensitive(item, renamed[i][0]);
		g_autofree char *p = child_path(path, renamed[i][0]);

		if (old)
			return cfg_fail(c, old, PS_CONFIG_ERROR_UNKNOWN_KEY, p,
					"renamed to %s (now per folio, whatever its order)",
					renamed[i][1]);
	}
	if (!cfg_check_keys(c, item, path, keys))
		return FALSE;
	for (it = item->child; it; it = it->next) {
		g_autofree char *p = child_path(path, it->string);

		for (gsize i = 0; i < PS_CONFIG_NR_RECLAIM_KEYS; i++) {
			char *base = (char *)&cfg->reclaim + ps_config_reclaim_keys[i].offset;
			int64_t v = 0;

			if (strcmp(it->string, ps_config_reclaim_keys[i].key))
				continue;
			if (!cfg_int(c, it, p, 0, ps_config_reclaim_keys[i].max, &v))
				return FALSE;
			if (ps_config_reclaim_keys[i].is_u32)
				*(unsigned *)base = (unsigned)v;
			else
				*(uint64_t *)base = (uint64_t)v * ps_config_reclaim_keys[i].mult;
		}
	}
	return TRUE;
}

/* "swap": {"size_bytes": N} or {"size_pages": N}; no section = no swap. */
static gboolean parse_swap(CfgCtx *c, const cJSON *item, const char *path, PsConfig *cfg)
{
	static const char *const keys[] = {"size_bytes", "size_pages", NULL};
	const cJSON *b, *pg;
	int64_t v = 0;

	if (!cfg_object(c, item, path) || !cfg_check_keys(c, item, path, keys))
		return FALSE;
	b = cJSON_GetObjectItemCaseSensitive(item, "size_bytes");
	pg = cJSON_GetObjectItemCaseSensitive(item, "size_pages");
	if (b && pg)
		return cfg_fail(c, pg, PS_CONFIG_ERROR_VALUE, path,
				"give size_bytes or size_pages, not both");
	if (b) {
		g_autofree char *p = child_path(path, "size_bytes");

		if (!cfg_int(c, b, p, 0, INT64_MAX / 2, &v))
			return FALSE;
		if ((uint64_t)v % cfg->spec.page_size)
			return cfg_fail(c, b, PS_CONFIG_ERROR_VALUE, p,
					"%" G_GINT64_FORMAT
					" is not a multiple of the page size %u",
					v, cfg->spec.page_size);
		cfg->reclaim.swap_pages = (uint64_t)v / cfg->spec.page_size;
	} else if (pg) {
		g_autofree char *p = child_path(path, "size_pages");

		if (!cfg_int(c, pg, p, 0, INT64_MAX / 65536, &v))
			return FALSE;
		cfg->reclaim.swap_pages = (uint64_t)v;
	}
	return TRUE;
}

/*
 * Top-level keys in processing order: page size before the zone sizes that may be given in bytes,
 * nodes before the cpus and distances that refer to them.
 */
static const struct {
	const char *key;
	SectionFn fn;
} sections[] = {
    {"name", parse_name},
    {"description", parse_description},
    {"page_size", parse_page_size},
    {"max_order", parse_max_order},
    {"pageblock_order", parse_pageblock_order},
    {"thp", parse_thp},
    {"hugepages", parse_hugepages},
    {"khugepaged", parse_khugepaged},
    {"page_cache", parse_page_cache},
    {"shmem_enabled", parse_shmem_enabled},
    {"thread_size", parse_thread_size},
    {"va_bits", parse_va_bits},
    {"pcp_batch_scale_max", parse_pcp_batch_scale_max},
    {"zone_types", parse_zone_types},
    {"migrate_types", parse_migrate_types},
    {"cpu_data_slice_kib", parse_cpu_data_slice_kib},
    {"nodes", parse_nodes},
    {"cpus", parse_cpus},
    {"distances", parse_distances},
    {"sysctl", parse_sysctl},
    {"boot_history", parse_boot_history},
    {"seed", parse_seed},
    {"costs", parse_costs},
    {"sampling", parse_sampling},
    {"swap", parse_swap},
    {"reclaim", parse_reclaim},
    {"provenance", parse_provenance},
};

static gboolean parse_root(CfgCtx *c, const cJSON *root, PsConfig *cfg)
{
	const char *keys[G_N_ELEMENTS(sections) + 1];
	PsMachineSpec *spec = &cfg->spec;

	for (gsize i = 0; i < G_N_ELEMENTS(sections); i++)
		keys[i] = sections[i].key;
	keys[G_N_ELEMENTS(sections)] = NULL;
	if (!cfg_object(c, root, "") || !cfg_check_keys(c, root, "", keys))
		return FALSE;
	if (!cJSON_GetObjectItemCaseSensitive(root, "nodes"))
		return cfg_fail(c, root, PS_CONFIG_ERROR_VALUE, "nodes",
				"missing: a config describes at least one node with memory");
	for (gsize i = 0; i < G_N_ELEMENTS(sections); i++) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, sections[i].key);

		if (it && !sections[i].fn(c, it, sections[i].key, cfg))
			return FALSE;
	}
	if (spec->thp_built && spec->thp_order > spec->max_order) {
		const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "max_order");

		return cfg_fail(c, it ? it : root, PS_CONFIG_ERROR_VALUE, "max_order",
				"%u is below the PMD order %u that THP needs (set \"thp\": "
				"\"off\" or raise max_order)",
				spec->max_order, spec->thp_order);
	}
	return TRUE;
}

gboolean ps_config_parse(PsConfig *cfg, const char *text, gsize len, const char *filename,
			 GError **error)
{
	g_autoptr(PsJsonDoc) doc = NULL;
	CfgCtx c;

	ps_config_clear(cfg);
	doc = ps_json_doc_parse(text, len, filename, error);
	if (!doc) {
		ps_util_error_to_domain(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_IO,
					PS_CONFIG_ERROR_SYNTAX);
		return FALSE;
	}
	/* big integers become raw items, so that provenance copied through keeps every digit */
	ps_json_doc_make_exact(doc);
	c.filename = filename;
	c.doc = doc;
	c.error = error;
	if (parse_root(&c, ps_json_doc_root(doc), cfg))
		return TRUE;
	ps_config_clear(cfg);
	return FALSE;
}

gboolean ps_config_load(PsConfig *cfg, const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize len;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_IO, "%s: %s", path,
			    local->message);
		return FALSE;
	}
	return ps_config_parse(cfg, text, len, path, error);
}

gboolean ps_config_load_data(const char *text, gsize len, const char *filename, PsMachineSpec *spec,
			     GError **error)
{
	g_autoptr(PsConfig) cfg = ps_config_new();

	if (!ps_config_parse(cfg, text, len, filename, error))
		return FALSE;
	*spec = cfg->spec;
	return TRUE;
}

gboolean ps_config_load_file(const char *path, PsMachineSpec *spec, GError **error)
{
	g_autoptr(PsConfig) cfg = ps_config_new();

	if (!ps_config_load(cfg, path, error))
		return FALSE;
	*spec = cfg->spec;
	return TRUE;
}
