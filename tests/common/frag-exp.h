/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * frag-exp.h - experiments that reproduce published anti-fragmentation effects, shared by
 * bench/bench-frag.c (which prints them next to the published figures) and tests/sim/test-frag.c
 * (which asserts their directions). Each experiment builds a workload from the trace generators
 * plus a probe phase, replays it in-process on a config with two settings, and returns the figures.
 */
#ifndef PS_FRAG_EXP_H
#define PS_FRAG_EXP_H

#include <glib.h>
#include <stdint.h>

/* What one run produced. */
typedef struct {
	uint64_t probe_ok, probe_fail; /* huge-page requests of the probe phase */
	uint64_t pgsteal;	       /* pages reclaimed, kswapd + direct */
	uint64_t pgsteal_kswapd;       /* ... of them by kswapd */
	uint64_t frag_fallbacks;       /* fallbacks below pageblock order (fragmenting) */
	uint64_t claims;	       /* fallbacks that took a whole pageblock (not fragmenting) */
	uint64_t kswapd_runs;	       /* pageoutrun: balance_pgdat runs */
	uint64_t kcompactd_wakes;      /* compact_daemon_wake */
	uint64_t compact_stall, compact_success;
	uint64_t migrated;	      /* pgmigrate_success */
	uint64_t daemon_scanned;      /* kcompactd's migrate + free scanned */
	uint64_t slow_count;	      /* probe requests that took the compaction path */
	uint64_t compaction_p50_ns;   /* latency of allocations served by compaction */
	uint64_t fast_p50_ns;	      /* ... served from the free lists (buddy path) */
	double unmovable_block_share; /* Unmovable+Reclaimable pageblocks / all, at the end */
	double probe_success;	      /* probe_ok / (probe_ok + probe_fail) */
} FragRun;

/* One experiment: the same workload under a baseline (a) and a changed setting (b). */
typedef struct {
	const char *name;   /* "compaction", "boost", "proactive", "grouping", "stealing" */
	const char *what;   /* one line: the workload and the two settings */
	const char *metric; /* the figure compared */
	const char *label_a, *label_b;
	double sim_a, sim_b;   /* the simulated figure under a and b */
	const char *published; /* the published figures, as text */
	FragRun a, b;
} FragExp;

/* The page size the experiment runs at picks its config: 4096 or 65536. */
typedef struct {
	uint32_t page_size;
	gboolean big; /* bench: the bigger machines; tests: the small ones */
	uint64_t seed;
} FragOpts;

gboolean frag_exp_compaction(const FragOpts *o, FragExp *x, GError **error);
gboolean frag_exp_boost(const FragOpts *o, FragExp *x, GError **error);
gboolean frag_exp_proactive(const FragOpts *o, FragExp *x, GError **error);
gboolean frag_exp_grouping(const FragOpts *o, FragExp *x, GError **error);
gboolean frag_exp_stealing(const FragOpts *o, FragExp *x, GError **error);

#endif
