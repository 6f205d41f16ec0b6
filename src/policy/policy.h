/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - decisions of the simulated page allocator: watermarks and reserves, zonelists and
 * memory policies, the allocation fast path (and later slow path, reclaim, compaction, OOM).
 *
 * policy/ decides and calls mm/ to act.
 */
#ifndef PS_POLICY_H
#define PS_POLICY_H

#include "mm/mm.h"

G_BEGIN_DECLS

/* ---- watermarks and per-zone tunables (policy/watermark.c) -------------------------------- */

/*
 * The boot/sysctl sequence of the kernel, in its order: min_free_kbytes (default or THP
 * recommendation unless the user set it), setup_per_zone_wmarks, setup_per_zone_lowmem_reserve,
 * calculate_totalreserve_pages, and the pcp batch/high of every zone. Called by
 * ps_machine_setup() and again after a sysctl change.
 */
void ps_init_per_zone_tunables(PsMachine *m);

/* calculate_min_free_kbytes (sqrt rule, clamped) and set_recommended_min_free_kbytes (THP). */
int64_t ps_min_free_kbytes_default(const PsMachine *m);
int64_t ps_min_free_kbytes_thp_recommended(const PsMachine *m);
/* nr_free_buffer_pages(): Σ over zones <= Normal of max(managed - high, 0). */
uint64_t ps_nr_free_buffer_pages(const PsMachine *m);

void ps_setup_per_zone_wmarks(PsMachine *m);
void ps_setup_per_zone_lowmem_reserve(PsMachine *m);
void ps_calculate_totalreserve_pages(PsMachine *m);
/* zone_batchsize, zone_highsize: write z->pageset_batch/high_min/high_max and every pcp. */
void ps_zone_pcp_update(PsMachine *m, PsZone *z);
int ps_zone_batchsize(const PsMachine *m, uint64_t managed);
/* calculate_normal_threshold: the "vm stats threshold" zoneinfo prints. */
int ps_calculate_normal_threshold(const PsMachine *m, const PsZone *z);

/* wmark_pages(): stored watermark plus the zone's current boost. */
static inline uint64_t ps_wmark_pages(const PsZone *z, enum ps_wmark w)
{
	return z->wmark[w] + z->watermark_boost;
}

/* ---- zonelists and memory policies (policy/zonelist.c) ------------------------------------ */

/* build_all_zonelists: node order by distance with node_load round robin (kernel-facts §1.2). */
void ps_build_zonelists(PsMachine *m);

enum ps_mpol_mode {
	PS_MPOL_DEFAULT, /* local */
	PS_MPOL_PREFERRED,
	PS_MPOL_BIND,
	PS_MPOL_INTERLEAVE,
	PS_MPOL_LOCAL,
	PS_MPOL_PREFERRED_MANY,
	PS_MPOL_WEIGHTED_INTERLEAVE,
	PS_NR_MPOL_MODES
};
extern const char *const ps_mpol_mode_names[PS_NR_MPOL_MODES];

/* struct mempolicy of one process (task-level, no VMA: interleave is round robin il_prev). */
typedef struct {
	enum ps_mpol_mode mode;
	uint64_t nodes;		       /* node mask (bit n = node n; up to 64 nodes) */
	int il_prev;		       /* last interleave node, -1 initially */
	int il_weight;		       /* remaining weight on il_prev (weighted interleave) */
	uint8_t weights[PS_MAX_NODES]; /* weighted interleave weights (0 treated as 1) */
} PsMempolicy;

void ps_mempolicy_init(PsMempolicy *pol);

/*
 * Resolve a request under a policy: the preferred node and nodemask (0 = no mask) to use, as
 * alloc_pages_mpol/policy_nodemask do for a task-level allocation from a CPU on `local_nid`.
 * For PREFERRED_MANY the mask is the first pass's; the caller retries without it.
 * Returns the node to allocate for.
 */
int ps_mempolicy_node(const PsMachine *m, PsMempolicy *pol, int local_nid, uint64_t gfp,
		      uint64_t *nodemask);

/* ---- allocation fast path (policy/alloc.c) -------------------------------------------------- */

/* The outcome of one allocation attempt. */
enum ps_alloc_result {
	PS_ALLOC_OK,
	PS_ALLOC_NEED_SLOWPATH, /* fast path failed; slow path is a later issue: counted as a
				   failure */
	PS_ALLOC_INVALID	/* order > MAX_PAGE_ORDER or an invalid GFP zone combination */
};

/* Which path served an allocation (for latency.csv). */
enum ps_alloc_path {
	PS_PATH_PCP,
	PS_PATH_BUDDY,
	PS_PATH_SLOW,
	PS_PATH_RECLAIM,
	PS_PATH_COMPACTION,
	PS_NR_ALLOC_PATHS
};
extern const char *const ps_alloc_path_names[PS_NR_ALLOC_PATHS];

/* struct alloc_context plus the request. Built once per allocation by ps_prepare_alloc(). */
typedef struct {
	uint64_t gfp;
	unsigned order;
	int cpu;
	int preferred_nid;
	uint64_t nodemask; /* 0 = all nodes */
	enum ps_zone_type highest_zoneidx;
	enum ps_migratetype migratetype;
	const PsZonelist *zonelist;
	int preferred_zone; /* index into m->zones of the first usable zone, -1 if none */
	bool spread_dirty_pages;
} PsAllocContext;

/* What happened: where the block is, and counters the latency model needs. */
typedef struct {
	enum ps_alloc_result result;
	enum ps_alloc_path path;
	ps_pfn_t pfn;
	int zone;	       /* index into m->zones */
	unsigned split_levels; /* buddy levels split to serve it */
	unsigned zones_tried;
	bool pcp_refill; /* the pcp list was refilled from the buddy */
	unsigned refill_pages;
} PsAllocOutcome;

/* __alloc_pages fast path: prepare_alloc_pages + get_page_from_freelist(ALLOC_WMARK_LOW...). */
void ps_alloc_pages(PsMachine *m, uint64_t gfp, unsigned order, int cpu, PsMempolicy *pol,
		    PsAllocOutcome *out);

/* __free_pages: to the pcp when the order allows, else to the buddy. */
void ps_free_pages(PsMachine *m, ps_pfn_t pfn, unsigned order, int cpu);

/* __zone_watermark_ok and zone_watermark_fast (kernel-facts §4.5). */
bool ps_zone_watermark_ok(const PsMachine *m, const PsZone *z, unsigned order, uint64_t mark,
			  int highest_zoneidx, unsigned alloc_flags, int64_t free_pages);
bool ps_zone_watermark_fast(const PsMachine *m, const PsZone *z, unsigned order, uint64_t mark,
			    int highest_zoneidx, unsigned alloc_flags, uint64_t gfp);

/* alloc_flags_nofragment */
unsigned ps_alloc_flags_nofragment(const PsMachine *m, const PsZone *preferred, uint64_t gfp);

/* ---- machine setup ------------------------------------------------------------------------ */

/* Builds a machine and runs the kernel's boot-time policy setup (zonelists, tunables). */
PsMachine *ps_machine_setup(const PsMachineSpec *spec, GError **error);

G_END_DECLS

#endif
