/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - machine configs: JSON text to PsMachineSpec and back, and configs that mirror a
 * real machine from its /proc files.
 *
 * A config describes what the kernel learns at boot (page size, cpus and nodes, zone spans and
 * sizes) plus the vm sysctls an administrator may have written. Anything left unset takes the
 * kernel's default; values the kernel derives at boot (min_free_kbytes, watermarks, reserves, pcp
 * limits) are computed by policy/, not here, unless the config sets the sysctl explicitly.
 *
 * Bad input is a GError in PS_CONFIG_ERROR whose message reads `file:line: key: what is wrong`,
 * where key is the dotted path of the offending item (`nodes[0].zones.DMA.managed`).
 */
#ifndef PS_CONFIG_H
#define PS_CONFIG_H

#include <cjson/cJSON.h>
#include <glib.h>

#include "mm/mm.h"
#include "policy/policy.h"
#include "util/util.h"

G_BEGIN_DECLS

#define PS_CONFIG_ERROR (ps_config_error_quark())
GQuark ps_config_error_quark(void);
enum {
	PS_CONFIG_ERROR_IO,	     /* file could not be read or written */
	PS_CONFIG_ERROR_SYNTAX,	     /* not JSON, or not the expected /proc layout */
	PS_CONFIG_ERROR_UNKNOWN_KEY, /* a key this version does not know */
	PS_CONFIG_ERROR_TYPE,	     /* a value of the wrong JSON type */
	PS_CONFIG_ERROR_VALUE,	     /* a value out of range or inconsistent with others */
};

/* PsCosts, the latency model of config "costs", is policy.h's: the cost model reads it. */

/* Sampling of the timeline and latency windows. */
typedef struct {
	uint64_t sample_ns; /* timeline row and latency window length */
} PsSampling;

/* The defaults of both. */
void ps_costs_default(PsCosts *c);
void ps_sampling_default(PsSampling *s);

/*
 * One parsed config. spec is what mm/ builds a machine from; the other fields are carried along
 * for reports and for writing the config back. Checklist for a new section ("costs", "sampling",
 * "swap"): a field here, a handler in the section table of config.c, its writer in
 * ps_config_to_json_full(), and its keys in configs/README.md.
 */
typedef struct {
	PsMachineSpec spec;
	char *name;	   /* may be NULL */
	char *description; /* may be NULL */
	cJSON *provenance; /* owned; NULL when the config has none */
	PsCosts costs;
	PsSampling sampling;
	PsReclaimConfig reclaim; /* sections "swap" and "reclaim" */
} PsConfig;

PsConfig *ps_config_new(void);
void ps_config_free(PsConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsConfig, ps_config_free)

/*
 * The spec of an unset config: 4 KiB pages with the kernel's orders for that size, THP built and
 * in madvise mode, one cpu on node 0, one node without memory, 10/20 distances and every sysctl at
 * its kernel default (min_free_kbytes unset, i.e. computed at setup).
 */
void ps_config_spec_init(PsMachineSpec *spec);

/* Parse JSON text (len bytes; filename is used in messages only). cfg is reset first. */
gboolean ps_config_parse(PsConfig *cfg, const char *text, gsize len, const char *filename,
			 GError **error);
gboolean ps_config_load(PsConfig *cfg, const char *path, GError **error);

/* Convenience forms that only keep the machine spec. */
gboolean ps_config_load_data(const char *text, gsize len, const char *filename, PsMachineSpec *spec,
			     GError **error);
gboolean ps_config_load_file(const char *path, PsMachineSpec *spec, GError **error);

/*
 * The config as JSON text (newly allocated, ends in a newline). Parsing the text gives back the
 * same spec. provenance may be NULL; it is copied.
 */
char *ps_config_to_json(const PsMachineSpec *spec, const char *name, const cJSON *provenance);
char *ps_config_to_json_full(const PsConfig *cfg);

/* Writes text to path atomically (temporary name in the same directory, then rename). */
gboolean ps_config_write_atomic(const char *path, const char *text, GError **error);

/* Spellings used in configs and in /proc. */
const char *ps_config_thp_mode_name(const PsMachineSpec *spec); /* always|madvise|never|off */
int ps_config_zone_type_from_name(const char *name);		/* -1 if unknown */

/* ---- keys "zone_types" and "boot_history" (config/boot_history.c) ------------------------- */

/* FALSE (and *what, for boot_history) when the JSON does not describe one. */
bool ps_zone_types_from_json(const cJSON *item, unsigned *mask);
cJSON *ps_zone_types_to_json(unsigned mask);
bool ps_boot_history_from_json(const cJSON *item, PsMachineSpec *spec, char **what);
cJSON *ps_boot_history_to_json(const PsMachineSpec *spec);

/* ---- mirroring a machine from /proc (config/from_proc.c) ---------------------------------- */

/* One cpu's pageset of a zone as /proc/zoneinfo printed it (-1: not printed). */
typedef struct {
	int count;
	int high;
} PsZoneinfoPageset;

/* One zone as /proc/zoneinfo printed it. Fields a kernel version does not print stay unset. */
typedef struct {
	int node;
	int type; /* enum ps_zone_type */
	int line; /* line of the "Node N, zone X" header */
	uint64_t free;
	uint64_t boost;
	bool has_boost;
	uint64_t wmark[PS_NR_WMARK]; /* as printed: boost included */
	bool has_promo;
	uint64_t spanned, present, managed;
	int64_t protection[PS_MAX_NR_ZONES];
	int nr_protection; /* entries printed: 5 on 6.x, 4 on old kernels */
	bool has_start_pfn;
	uint64_t start_pfn;
	int nr_pagesets;	     /* cpus listed under pagesets */
	PsZoneinfoPageset *pagesets; /* [nr_pagesets], in the order listed */
	int pcp_batch;		     /* of the first cpu listed; -1 if none */
	int pcp_high;
	int pcp_high_min; /* -1 when not printed (kernels before 6.7) */
	int pcp_high_max;
	bool pcp_uniform;    /* batch/high_min/high_max equal on every cpu */
	int stat_threshold;  /* of the first cpu; -1 if none */
	int64_t free_blocks; /* nr_free_pages_blocks (6.15+); -1 if not printed */
} PsZoneinfoZone;

typedef struct {
	PsZoneinfoZone *zones;
	int nr_zones;
	int nr_nodes; /* highest node id + 1 */
	int nr_cpus;  /* cpus listed under the pagesets of a populated zone; 0 if none */
} PsZoneinfo;

/* Parses the text of /proc/zoneinfo (2.6.x to 6.18 layouts). */
PsZoneinfo *ps_zoneinfo_parse(const char *text, const char *filename, GError **error);
void ps_zoneinfo_free(PsZoneinfo *zi);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsZoneinfo, ps_zoneinfo_free)
const PsZoneinfoZone *ps_zoneinfo_find(const PsZoneinfo *zi, int node, int type);

/*
 * One hugepages-<size>kB/enabled read from a file: the size in kB as its directory names it, the
 * value (PS_THP_SIZE_NEVER .. PS_THP_SIZE_INHERIT) and where it was (for an error about the size,
 * which needs the page size ps_config_from_proc settles).
 */
typedef struct {
	uint64_t kb;
	int mode;
	const char *path;
	int line;
} PsThpSizeSetting;

/*
 * What is known about a machine besides its zoneinfo. -1 (or 0 for page_size and nr_cpus) means
 * unknown: the value is then inferred from the zoneinfo where the kernel's formulas allow it, or
 * the kernel default is used. Every value in the resulting config is recorded in its provenance
 * as "file" (with the path), "inferred" (with how) or "default".
 */
typedef struct {
	const char *zoneinfo_text;
	const char *zoneinfo_path;
	uint32_t page_size;
	const char *page_size_source; /* e.g. "sysconf(_SC_PAGESIZE)" or "--page-size" */
	int nr_cpus;
	const char *nr_cpus_source;
	const int *cpu_node; /* [nr_cpus] or NULL */
	const char *cpu_node_source;
	int thp_mode; /* -1 unknown, 0 never, 1 madvise, 2 always, 3 not built */
	const char *thp_source;
	int64_t min_free_kbytes;
	int watermark_scale_factor;
	int watermark_boost_factor;
	int lowmem_reserve_ratio[PS_MAX_NR_ZONES]; /* all -1 if unknown */
	int percpu_pagelist_high_fraction;
	int extfrag_threshold;
	int compaction_proactiveness;
	int swappiness;
	int zone_reclaim_mode;
	int defrag_mode;
	const char *sysctl_source; /* where the sysctls that are set came from */
	/* The same moment's /proc/pagetypeinfo (may be NULL): its type columns are MIGRATE_TYPES */
	const char *pagetypeinfo_text;
	const char *pagetypeinfo_path;
	/* The CPU's data-cache slice in KiB (spec.cpu_data_slice_kib), -1 unknown, and whence */
	int cpu_data_slice_kib;
	const char *cpu_data_slice_source;
	/* The recording disk's read_ahead_kb (spec.read_ahead_kb), -1 unknown, and whence */
	int read_ahead_kb;
	const char *read_ahead_kb_source;
	/* shmem_enabled (enum ps_shmem_huge), -1 unknown, and whence */
	int shmem_enabled;
	const char *shmem_enabled_source;
	/* THP's defrag (an index of ps_thp_defrag_names), -1 unknown, and whence */
	int thp_defrag;
	const char *thp_defrag_source;
	/* the anonymous THP sizes' hugepages-<size>kB/enabled read (none: unknown), and whence */
	const PsThpSizeSetting *thp_sizes;
	int nr_thp_sizes;
	const char *thp_sizes_source;
	/* khugepaged's settings read (given[k]: read), and whence (each key's file and line) */
	uint32_t khugepaged[PS_NR_KHUGEPAGED_KEYS];
	bool khugepaged_given[PS_NR_KHUGEPAGED_KEYS];
	const char *khugepaged_source;
	const char *khugepaged_path[PS_NR_KHUGEPAGED_KEYS];
	int khugepaged_line[PS_NR_KHUGEPAGED_KEYS];
} PsProcInput;

/* All unknown. */
void ps_proc_input_init(PsProcInput *in);

/*
 * A capture's READ_AHEAD_KB ("MAJ:MIN KB": read_ahead_kb of the disk holding the working
 * directory, see tools/pagesim-capture): *kb, 1..1048576. Errors name path:line and the field.
 */
gboolean ps_read_ahead_kb_parse(const char *text, const char *path, int *kb, GError **error);
/* Its KB part alone (sysfs' bdi read_ahead_kb): an integer 1..1048576, a newline allowed after. */
gboolean ps_read_ahead_kb_value_parse(const char *text, const char *path, int *kb, GError **error);
/*
 * sysfs' transparent_hugepage/shmem_enabled ("always within_size advise [never] deny force", or
 * one plain name) as line `line` of path: *shmem, an enum ps_shmem_huge. Errors name path:line.
 */
gboolean ps_shmem_enabled_value_parse(const char *text, const char *path, int line, int *shmem,
				      GError **error);
/*
 * A capture's THP ("path: value" lines, see tools/pagesim-capture): the value of its
 * "shmem_enabled" line into *shmem, or -1 when it has none.
 */
gboolean ps_thp_settings_shmem_parse(const char *text, const char *path, int *shmem,
				     GError **error);

/* transparent_hugepage/defrag's values, in the order defrag_show prints them */
enum { PS_NR_THP_DEFRAG = 5 };
extern const char *const ps_thp_defrag_names[PS_NR_THP_DEFRAG];
#define PS_THP_DEFRAG_MADVISE 3 /* the kernel's default, the one the model follows */

/*
 * One of sysfs' transparent_hugepage files as line `line` of path, as the kernel prints it (every
 * value, the current one in brackets) or one plain name: enabled ("always [madvise] never") into
 * *mode (0 never, 1 madvise, 2 always: PsProcInput.thp_mode), defrag into *defrag (an index of
 * ps_thp_defrag_names), hugepages-<size>kB/enabled ("always inherit madvise [never]") into *mode
 * (PS_THP_SIZE_*). Errors name path:line and the field.
 */
gboolean ps_thp_enabled_value_parse(const char *text, const char *path, int line, int *mode,
				    GError **error);
gboolean ps_thp_defrag_value_parse(const char *text, const char *path, int line, int *defrag,
				   GError **error);
gboolean ps_thp_size_value_parse(const char *text, const char *path, int line, const char *field,
				 int *mode, GError **error);

/* The THP settings a capture's THP file gives (ps_thp_settings_parse); -1: no such line. */
typedef struct {
	int enabled; /* PsProcInput.thp_mode: 0 never, 1 madvise, 2 always */
	int defrag;  /* an index of ps_thp_defrag_names */
	PsThpSizeSetting sizes[PS_NR_ORDERS_MAX]; /* the hugepages-<size>kB/enabled lines */
	int nr_sizes;
	/* the khugepaged/<name> lines (the writable settings; by enum ps_khugepaged_key) */
	uint32_t khugepaged[PS_NR_KHUGEPAGED_KEYS];
	bool khugepaged_given[PS_NR_KHUGEPAGED_KEYS];
	/* where each was read: file (the caller keeps it alive, as a size's path) and line */
	const char *khugepaged_path[PS_NR_KHUGEPAGED_KEYS];
	int khugepaged_line[PS_NR_KHUGEPAGED_KEYS];
} PsThpSettings;

/*
 * A capture's THP: its "enabled", "defrag", "hugepages-<size>kB/enabled" and writable
 * "khugepaged/<name>" lines (not the per-size shmem_enabled ones; khugepaged's counters
 * full_scans and pages_collapsed are ignored). A value that selects nothing, or a size that is
 * not a number of kB, is an error naming path:line; more sizes than orders too.
 */
gboolean ps_thp_settings_parse(const char *text, const char *path, PsThpSettings *out,
			       GError **error);
/* One khugepaged/<name> value (name without the directory) into t; other names are ignored. */
gboolean ps_khugepaged_value_parse(PsThpSettings *t, const char *name, const char *text,
				   const char *path, int line, GError **error);

/*
 * One hugepages-<size>kB/enabled value (text, line `line` of path, named field) appended to t,
 * as both readers of THP settings (a capture's THP file, the sysfs files) add one: more sizes
 * than orders, or a value that selects nothing, is an error naming path:line. path is kept.
 */
gboolean ps_thp_settings_add_size(PsThpSettings *t, uint64_t kb, const char *text, const char *path,
				  int line, const char *field, GError **error);

/* Builds a config mirroring the machine; cfg->provenance says where each value came from. */
gboolean ps_config_from_proc(const PsProcInput *in, PsConfig *cfg, GError **error);

G_END_DECLS

#endif
