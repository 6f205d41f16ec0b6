/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - decisions of the simulated page allocator: watermarks and reserves, zonelists and
 * memory policies, the allocation fast path, the slow path, reclaim and kswapd, compaction and
 * kcompactd, the OOM killer, huge-page fault decisions, and the cost model every path charges
 * through.
 *
 * Mirrors the deciding half of mm/page_alloc.c, and mm/vmscan.c, mm/compaction.c,
 * mm/oom_kill.c, mm/mempolicy.c and mm/huge_memory.c (each .c file names its functions).
 * policy/ decides *when* and calls mm/ to act; it reads the fragmentation indices from
 * mm/vmstat.c and never prints or parses.
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

/*
 * global_dirty_limits (policy/writeback.c): the background-writeback and dirty-throttling
 * thresholds of the whole machine, in pages.
 */
void ps_global_dirty_limits(const PsMachine *m, uint64_t *bg_thresh, uint64_t *thresh);

/* wmark_pages(): stored watermark plus the zone's current boost. */
static inline uint64_t ps_wmark_pages(const PsZone *z, enum ps_wmark w)
{
	return z->wmark[w] + z->watermark_boost;
}

/* ---- zonelists and memory policies (policy/zonelist.c) ------------------------------------ */

/* build_all_zonelists: node order by distance with node_load round robin (kernel-facts §1.2). */
void ps_build_zonelists(PsMachine *m);

/* struct mempolicy of one process (il_prev: interleave's round robin without a VMA). */
typedef struct {
	enum ps_mpol_mode mode;
	uint64_t nodes;		       /* node mask (bit n = node n; up to 64 nodes) */
	int il_prev;		       /* last interleave node, -1 initially */
	int il_weight;		       /* remaining weight on il_prev (weighted interleave) */
	uint8_t weights[PS_MAX_NODES]; /* weighted interleave weights (0 treated as 1) */
} PsMempolicy;

void ps_mempolicy_init(PsMempolicy *pol);

/* A policy in numactl's spelling (ps_mpol_parse_str, mm/mempolicy.c) into pol, reset first. */
gboolean ps_mempolicy_parse(const char *s, PsMempolicy *pol, GError **error);

/*
 * Resolve a request under a policy: the preferred node and nodemask (0 = no mask) to use, as
 * alloc_pages_mpol/policy_nodemask do for a task-level allocation from a CPU on `local_nid`.
 * For PREFERRED_MANY the mask is the first pass's; the caller retries without it.
 * Returns the node to allocate for.
 */
int ps_mempolicy_node(const PsMachine *m, PsMempolicy *pol, int local_nid, uint64_t gfp,
		      uint64_t *nodemask);

/* NO_INTERLEAVE_INDEX: an allocation without a VMA (interleave takes the round robin). */
#define PS_NO_INTERLEAVE_INDEX UINT64_MAX

/*
 * As ps_mempolicy_node, for an allocation with get_vma_policy's interleave index ilx (a fault in
 * a VMA): interleave and weighted interleave choose by ilx (interleave_nid,
 * weighted_interleave_nid) and leave the round robin alone. PS_NO_INTERLEAVE_INDEX: as
 * ps_mempolicy_node.
 */
int ps_mempolicy_node_ilx(const PsMachine *m, PsMempolicy *pol, int local_nid, uint64_t gfp,
			  uint64_t ilx, uint64_t *nodemask);

/* get_vma_policy's interleave index of an anonymous fault at vpn (pages) in a VMA starting at
 * start_vpn, for a folio of 2^order pages: an anonymous VMA's vm_pgoff is its start page. */
static inline uint64_t ps_vma_interleave_index(uint64_t start_vpn, uint64_t vpn, unsigned order)
{
	return (start_vpn >> order) + ((vpn - start_vpn) >> order);
}

/* ---- allocation fast path (policy/alloc.c) -------------------------------------------------- */

/* The outcome of one allocation attempt. */
enum ps_alloc_result {
	PS_ALLOC_OK,
	PS_ALLOC_NEED_SLOWPATH, /* fast path failed and the machine has no PsPolicy (unit tests) */
	PS_ALLOC_INVALID,	/* order > MAX_PAGE_ORDER or an invalid GFP zone combination */
	PS_ALLOC_FAILED,	/* the slow path gave up (nopage) */
	PS_ALLOC_OOM_WAIT	/* an OOM victim is being reaped: retry at outcome.stall_until */
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
	/* Slow path (policy/slowpath.c). */
	uint64_t slow_ns;     /* latency spent in the slow path: reclaim, retries, compaction */
	uint64_t reclaimed;   /* pages direct reclaim freed for this request */
	unsigned slow_loops;  /* retry loops */
	bool direct_reclaim;  /* entered direct reclaim */
	bool direct_compact;  /* entered direct compaction */
	uint64_t stall_until; /* PS_ALLOC_OOM_WAIT: when the victim's memory is back */
	/* PS_ALLOC_OOM_WAIT: the zones the waiting request may take pages from (its
	 * nodemask, 0 = all nodes, and highest zone type) */
	uint64_t wait_nodemask;
	enum ps_zone_type wait_highest_zoneidx;
} PsAllocOutcome;

/* __alloc_pages fast path: prepare_alloc_pages + get_page_from_freelist(ALLOC_WMARK_LOW...). */
void ps_alloc_pages(PsMachine *m, uint64_t gfp, unsigned order, int cpu, PsMempolicy *pol,
		    PsAllocOutcome *out);
/* As ps_alloc_pages with alloc_pages_mpol's interleave index (PS_NO_INTERLEAVE_INDEX: none). */
void ps_alloc_pages_ilx(PsMachine *m, uint64_t gfp, unsigned order, int cpu, PsMempolicy *pol,
			uint64_t ilx, PsAllocOutcome *out);

/*
 * vma_alloc_folio's alloc_pages_mpol: as ps_alloc_pages, but a PMD-order (THP) request first
 * tries its node alone with __GFP_THISNODE | __GFP_NORETRY, then as asked if it may reclaim.
 */
void ps_vma_alloc_pages(PsMachine *m, uint64_t gfp, unsigned order, int cpu, PsMempolicy *pol,
			uint64_t ilx, PsAllocOutcome *out);

/*
 * __free_pages of a block of zone z (pfn's zone, which a caller that looked it up already passes
 * on: ps_free_pages looks it up): to the pcp when the order allows, else to the buddy. Inline:
 * every freed page of a replay comes here, and the call was ~14 instructions of the ~100 in front
 * of ps_free_pcp.
 */
G_ALWAYS_INLINE static inline void ps_free_pages_zone(PsMachine *m, PsZone *z, ps_pfn_t pfn,
						      unsigned order, int cpu)
{
	enum ps_migratetype mt;

	g_assert(z != NULL);
	g_assert(ps_page_state(m, pfn) == PS_PAGE_ALLOCATED && ps_page_order(m, pfn) == order);
	g_assert(z->nr_allocated >= (1ull << order));
	z->nr_allocated -= 1ull << order;
	ps_pcp_mark_cpu_active(m, cpu);

	/*
	 * To the buddy: an order the pcp lists do not hold (__free_pages_ok), an isolated pageblock
	 * (free_one_page), or __free_frozen_pages' pcp_spin_trylock failing (free_one_page).
	 */
	if (!ps_pcp_allowed_order(m, order) || G_UNLIKELY(m->pcp_lock_held == cpu + 1) ||
	    (mt = ps_pageblock_mt(m, pfn)) == PS_MT_ISOLATE) {
		m->vm_events[PS_PGFREE] += 1ull << order;
		ps_buddy_free(m, z, pfn, order, PS_FPI_NONE);
		return;
	}
	/* pcp lists hold the three pcp types; HIGHATOMIC (and CMA) go to the movable list. */
	if (mt >= PS_MT_PCPTYPES)
		mt = PS_MT_MOVABLE;
	ps_free_pcp(m, z, cpu, pfn, order, mt);
}

G_ALWAYS_INLINE static inline void ps_free_pages(PsMachine *m, ps_pfn_t pfn, unsigned order,
						 int cpu)
{
	ps_free_pages_zone(m, ps_pfn_zone(m, pfn), pfn, order, cpu);
}

/* __zone_watermark_ok and zone_watermark_fast (kernel-facts §4.5). */
bool ps_zone_watermark_ok(const PsMachine *m, const PsZone *z, unsigned order, uint64_t mark,
			  int highest_zoneidx, unsigned alloc_flags, int64_t free_pages);
bool ps_zone_watermark_fast(const PsMachine *m, const PsZone *z, unsigned order, uint64_t mark,
			    int highest_zoneidx, unsigned alloc_flags, uint64_t gfp);

/* ---- reclaim, kswapd, slow path, OOM (policy/reclaim.c, kswapd.c, slowpath.c, oom.c) ------ */

/*
 * What the reclaim model knows of a folio. The host (sim/) owns the allocations; it registers
 * those that sit on LRU lists or are reclaimable slab under a dense handle, and reclaim calls
 * back to evict them.
 */
enum ps_folio_kind {
	PS_FOLIO_ANON,
	PS_FOLIO_FILE,
	PS_FOLIO_SLAB,
	/*
	 * tmpfs/shmem page cache: swap-backed (shmem_alloc_and_add_folio sets PG_swapbacked before
	 * folio_add_lru), so on the anon lists and reclaimable only to swap; counted as page cache,
	 * NR_FILE_PAGES and NR_SHMEM (shmem_update_stats), not NR_ANON_PAGES
	 */
	PS_FOLIO_SHMEM,
	PS_NR_FOLIO_KINDS
};

/* enum lru_list */
enum ps_lru_list {
	PS_LRU_INACTIVE_ANON,
	PS_LRU_ACTIVE_ANON,
	PS_LRU_INACTIVE_FILE,
	PS_LRU_ACTIVE_FILE,
	PS_LRU_UNEVICTABLE,
	PS_NR_LRU_LISTS,
	PS_LRU_SLAB = PS_NR_LRU_LISTS, /* reclaimable slab: shrinker list, not an LRU */
	PS_NR_RECLAIM_LISTS
};

/* A task as the OOM killer sees it (oom_badness inputs). */
typedef struct {
	int pid;
	const char *comm;
	int oom_score_adj;
	uint64_t rss_pages;	/* anon + file + shmem pages mapped */
	uint64_t swap_pages;	/* swap entries */
	uint64_t pgtable_pages; /* page-table pages (pgtables_bytes / PAGE_SIZE) */
	bool unkillable;	/* init, kernel threads */
	bool victim;		/* already chosen, not yet reaped */
	bool current;		/* the task allocating now: killed, it exits on its way back */
	uint64_t bind_nodes;	/* its MPOL_BIND nodemask, 0 under any other policy */
} PsOomTask;

/* Callbacks into the host that owns the allocations and processes. */
typedef struct {
	void *data;
	/* Reclaim took this folio: free its pages and remember the owner's copy is gone. */
	void (*evict)(void *data, uint32_t handle, bool swapped);
	/* The tasks for select_bad_process, in scan order. */
	size_t (*oom_tasks)(void *data, const PsOomTask **tasks);
	/*
	 * Kill task i: SIGKILL now, its memory freed at reap_at_ns: by the reaper after its delay,
	 * or, for the task allocating now, by its exit as that allocation returns (reap_at_ns now).
	 */
	void (*oom_kill)(void *data, size_t i, uint64_t badness, uint64_t reap_at_ns,
			 const PsAllocContext *ac);
	/*
	 * tsk_is_oom_victim(current): the task allocating now was chosen by the OOM killer and
	 * not yet reaped (its allocations may use ALLOC_OOM reserves). May be NULL: never.
	 */
	bool (*current_is_oom_victim)(void *data);
	/*
	 * Compaction moved the allocated block the host registered as `handle` (its owner, see
	 * ps_page_set_owner) from old_pfn to new_pfn; same order, same id. Blocks without an owner
	 * are never migrated when this is set.
	 */
	void (*migrated)(void *data, uint32_t handle, ps_pfn_t old_pfn, ps_pfn_t new_pfn);
	/*
	 * Compaction found no target for the large folio `handle` at pfn and the kernel would
	 * split it (split_folio_to_list): make it base pages. true when done: every page is then
	 * an allocated order-0 block (ps_page_split_allocated) with its own owner, and the LRU
	 * follows (ps_lru_split); false when the host cannot split that folio (it stays whole).
	 * May be NULL: no folio splits.
	 */
	bool (*split)(void *data, uint32_t handle, ps_pfn_t pfn);
	/*
	 * A notable event for events.jsonl: type and a few integer fields (NULL-terminated), at
	 * after_ns past the engine's now: the modelled time the request or daemon run spent
	 * before it (costs are charged after the call; a compact_zone run after a direct reclaim
	 * begins that reclaim's cost later, as the kernel's mm_compaction_begin does).
	 */
	void (*event)(void *data, const char *type, const char *const *keys, const int64_t *vals,
		      uint64_t after_ns);
} PsHostOps;

/* Reclaim and OOM settings (config sections "swap" and "reclaim"). */
typedef struct {
	uint64_t swap_pages; /* swap space in pages of the machine; 0 = no swap */
	/* a dirty file page is written back this long after dirtying */
	uint64_t writeback_delay_ns;
	/* the flusher's pass: per page put under writeback, and from then to its I/O's end */
	uint64_t writeback_page_ns;
	uint64_t writeback_io_ns;
	unsigned slab_shrink_permille; /* reclaimable slab freed per shrink, per mille of scanned */
	uint64_t oom_reap_delay_ns;    /* OOM kill to memory freed (oom_reaper, exit) */
	uint64_t kswapd_nap_ns;	       /* kswapd's short sleep before a full one (HZ/10) */
	/*
	 * 1 (default): a snapshot start puts its LRU folios in the order the recording's own
	 * reclaim freed them (sim/snapshot-stale.c sim_snapshot_lru_order); 0: the model's own
	 * order (pfn order, dirty folios near the head), so its reclaim choice is tested blind.
	 */
	unsigned start_reclaim_order;
	/* Costs, ns. */
	uint64_t scan_folio_ns;	   /* per folio taken off an LRU list and checked */
	uint64_t reclaim_folio_ns; /* per folio unmapped and freed, whatever its order */
	uint64_t slab_page_ns;	   /* per slab page the reclaimable slab shrinker frees */
	uint64_t swapout_page_ns;  /* per page written to swap (CPU side) */
	uint64_t swapin_page_ns;   /* per page read back on a refault (major fault) */
	/* Compaction (policy/compaction.c): CONFIG_COMPACTION and its costs, ns. */
	unsigned compaction;	       /* 1 = built (default); 0 = never compact, as without it */
	uint64_t compact_scan_page_ns; /* per page either scanner looks at */
	uint64_t compact_isolate_page_ns; /* per page isolated (LRU isolation or a free block) */
	uint64_t compact_migrate_page_ns; /* per base page migrated: unmap, TLB flush, remap */
	uint64_t compact_copy_kib_ns;	  /* per KiB copied by migration */
} PsReclaimConfig;

void ps_reclaim_config_default(PsReclaimConfig *rc);

typedef struct PsEngine PsEngine;
typedef struct PsPolicy PsPolicy;

/*
 * Creates the reclaim/kswapd/OOM state of a machine and attaches it (m->policy). With it,
 * ps_alloc_pages runs the slow path when the fast path fails, and kswapd runs on the engine.
 */
/*
 * The policy's state as a table of saved arrays (util/state.c): LRU folios and lists, memcgs,
 * the flusher's pass, kswapd, kcompactd and reclaim history. A restore goes into a fresh policy
 * of the same machine (nothing on its lists, the root memcg alone). Checklist: a field added to
 * PsPolicy (policy-private.h) that a run changes goes here.
 */
void ps_policy_state(PsPolicy *p, PsStateTable *t);
PsPolicy *ps_policy_new(PsMachine *m, PsEngine *e, const PsReclaimConfig *rc,
			const PsHostOps *host);
void ps_policy_free(PsPolicy *p);
/*
 * The flusher's pass (policy/reclaim.c) brought up to the engine's time: reclaim does this before
 * it looks at the lists; a host calls it before it reports NR_DIRTY and NR_WRITEBACK.
 */
void ps_writeback_advance(PsPolicy *p);

/*
 * Memory cgroups (cgroup v1 memory controller, or v2's): dense ids, PS_MEMCG_ROOT always there.
 * A policy starts with the root alone, and then behaves as with no memcg at all.
 */
#define PS_MEMCG_ROOT 0
#define PS_MEMCG_NONE 0xffffu
#define PS_MEMCG_MAX  4096
/*
 * A new memcg under `parent`, after the siblings of smaller key (the cgroup's inode number: the
 * order of creation); its id, or PS_MEMCG_NONE when PS_MEMCG_MAX are there already.
 */
uint16_t ps_memcg_new(PsPolicy *p, uint16_t parent, uint64_t key);
uint32_t ps_memcg_count(const PsPolicy *p);
/*
 * Whether memcg is offline (a zombie ps_memcg_split_offline made): its parent in *parent then.
 */
bool ps_memcg_offline(const PsPolicy *p, uint16_t memcg, uint16_t *parent);
/*
 * The starting snapshot's folios the recording kernel's reclaim freed, handles[0..n) in the order
 * it freed them (each once): those charged to a memcg with children (where kpagecgroup reports
 * the pages of its offline children) go to offline children made for them, one per 32-page
 * share of a reclaim pass, and so do root folios freed among them. Returns the offline memcgs
 * made; adds to *not_made the shares left on their memcg's own lists because PS_MEMCG_MAX
 * memcgs were there. See reclaim.c for the rule and the evidence.
 */
uint32_t ps_memcg_split_offline(PsPolicy *p, const uint32_t *handles, uint32_t n,
				uint32_t *not_made);
/* Pages reclaim took from memcg's own LRU lists (memory.stat's pgsteal of the memcg alone). */
uint64_t ps_memcg_pgsteal(const PsPolicy *p, uint16_t memcg);
/* The pages on list `lru` (PS_LRU_*) of memcg's lruvec on node. */
uint64_t ps_memcg_lru_pages(const PsPolicy *p, uint16_t memcg, int node, int lru);
/*
 * Charges a listed folio to another memcg: it moves to the head of the same list of that memcg's
 * lruvec (a snapshot start seeds every folio in the root, then names each one's memcg, in the
 * order it linked them). No event is counted.
 */
void ps_lru_set_memcg(PsPolicy *p, uint32_t handle, uint16_t memcg);
/*
 * A listed folio of the starting snapshot put at the tail of its lruvec's inactive list of its
 * kind, the next one isolate_lru_folios would take; an active one is deactivated and not
 * referenced. No event is counted. Returns whether it was on an active list.
 */
bool ps_lru_start_to_tail(PsPolicy *p, uint32_t handle);

/* LRU bookkeeping by the host. memcg: the memcg the folio is charged to (slab: ignored, the
 * reclaimable slab list is the node's, in the root memcg's lruvec). */
void ps_lru_add(PsPolicy *p, uint32_t handle, ps_pfn_t pfn, unsigned order, enum ps_folio_kind kind,
		bool dirty, uint16_t memcg);
/* One LRU folio of the starting snapshot, for ps_lru_add_start. */
typedef struct {
	uint8_t order;
	uint8_t kind; /* enum ps_folio_kind */
	bool active;  /* on the active list (PG_active) */
	bool dirty;   /* a dirty file folio */
} PsLruStart;
/*
 * The starting snapshot's LRU folios of zone z, handles h0 .. h0 + n - 1 in that order: each
 * linked as ps_lru_add would link it, on the active list when `active`, with no event counted.
 * A snapshot start links ~10^6 folios; one call for many keeps the lists' heads and page counts
 * in locals.
 */
void ps_lru_add_start(PsPolicy *p, PsZone *z, uint32_t h0, const PsLruStart *f, uint32_t n);
/*
 * Room for handles below n, so that adding them does not grow the folio arrays one doubling (a
 * copy) at a time: a snapshot start links ~500 k folios at once. Changes no outcome.
 */
void ps_lru_reserve(PsPolicy *p, uint32_t n);
/*
 * After the start's folios are linked (and given their memcgs): the dirty file folios of each
 * file list to its head, in the order they had, as the most recently added.
 */
void ps_lru_start_dirty_to_head(PsPolicy *p);
void ps_lru_del(PsPolicy *p, uint32_t handle); /* no-op if not on a list */
/*
 * ps_lru_del of n handles one after the other (an exit's run of frees): the same state. Clean
 * folios leave their lists one by one and their zone and node counts are taken out once at the
 * end; a dirty, writeback or shmem folio goes through ps_lru_del.
 */
void ps_lru_del_run(PsPolicy *p, const uint32_t *handles, unsigned n);
/*
 * ps_lru_add of n clean anonymous folios of order 0 (handles[i] at pfns[i], all charged to
 * memcg) one after the other: the same lists and counts, the zone and node counts added once.
 * For a caller whose adds can wait until something reads the LRU (sim_op_touch's runs).
 */
void ps_lru_add_run(PsPolicy *p, const uint32_t *handles, const ps_pfn_t *pfns, unsigned n,
		    uint16_t memcg);
/* The folio moved to new_pfn (compaction): its zone counters follow it. No-op if not listed. */
void ps_lru_move(PsPolicy *p, uint32_t handle, ps_pfn_t new_pfn);
void ps_lru_mark_accessed(PsPolicy *p, uint32_t handle);
bool ps_lru_on_list(const PsPolicy *p, uint32_t handle);
/*
 * Folio `handle` (order k, listed) was split to base pages: it keeps its first page, and the
 * handles pieces[0..n) (n = 2^k - 1, unlisted) take the others in pfn order, on its list.
 */
void ps_lru_split(PsPolicy *p, uint32_t handle, const uint32_t *pieces, uint32_t n);
/*
 * The LRU state of one handle (a folio of the host). One struct rather than an array per field:
 * adding, deleting or activating a folio touches one cache line of it, not six. Public for the
 * inline prefetch hints below only: policy/ alone reads or writes it (flags and lists in
 * policy-private.h).
 */
typedef struct {
	uint32_t next, prev; /* on its list, PS_HANDLE_NONE at the ends */
	uint8_t flags;	     /* PS_FOLIO_* */
	uint8_t list;	     /* the list it is on (PS_LRU_*) while PS_FOLIO_ON_LIST */
	uint8_t order;
	uint8_t zone;	/* zone index */
	uint16_t memcg; /* the memcg it is charged to (its lruvec: memcg, node) */
} PsLruFolio;

/*
 * Where the LRU state lives, for the inline hints below: handle h's at fo[h] for h < cap. The
 * policy rewrites it when its arrays grow; a host may keep the pointer ps_lru_view returns for
 * the policy's life. Only hints read it (an out-of-line call a hint was ~15 instructions of a
 * kbuild replay's ~720 a page operation: two a freed page).
 */
typedef struct {
	const PsLruFolio *fo;
	size_t cap;
} PsLruView;
const PsLruView *ps_lru_view(const PsPolicy *p);

/*
 * A hint that handle's LRU state is about to be read or written: starts loading it into the
 * cache. Changes nothing; hosts call it where a cold handle is known ahead of its use.
 */
static inline void ps_lru_prefetch(const PsLruView *v, uint32_t handle)
{
	if (handle < v->cap)
		__builtin_prefetch(&v->fo[handle], 1);
}

/*
 * The same for the LRU state of handle's neighbours on its list, which ps_lru_del rewrites: for a
 * host that prefetched handle itself a while before (reading handle's links here waits for them).
 * The links of a handle off the lists are stale: a hint for them loads a line for nothing.
 */
static inline void ps_lru_prefetch_neighbours(const PsLruView *v, uint32_t handle)
{
	const PsLruFolio *f;

	if (handle >= v->cap)
		return;
	f = &v->fo[handle];
	/* the lists' ends (PS_HANDLE_NONE) are never below cap */
	if (f->next < v->cap)
		__builtin_prefetch(&v->fo[f->next], 1);
	if (f->prev < v->cap)
		__builtin_prefetch(&v->fo[f->prev], 1);
}
/* Swap slots: taken by eviction, released when the swapped copy is faulted back or freed. */
void ps_swap_release(PsPolicy *p, uint64_t pages);
uint64_t ps_swap_used(const PsPolicy *p);
bool ps_kswapd_active(const PsPolicy *p, int node);
/* The cpu a node's running kswapd runs on (its reclaimed pages go to that cpu's pcp), or -1. */
int ps_kswapd_cpu(const PsPolicy *p, int node);
/*
 * The recording's kswapd of cpu's node ran on cpu (its mm_vmscan_kswapd_wake or _sleep, which
 * kswapd itself emits): the model's kswapd runs there from now on, the pages it reclaims going
 * to that cpu's pcp lists.
 */
void ps_kswapd_note_cpu(PsPolicy *p, int cpu);
bool ps_kswapd_failing(const PsPolicy *p, int node);
/* Simulated time kswapd and kcompactd of a node have spent working so far, ns. */
uint64_t ps_kswapd_busy_ns(const PsPolicy *p, int node);
uint64_t ps_kcompactd_busy_ns(const PsPolicy *p, int node);
/*
 * Idle gaps: while idle is set, a kcompactd timer that finds no work (or makes no progress) is not
 * re-armed, since with nothing else running its next check would find the same; clearing it
 * re-arms those timers at the next time of their period. A run without idle gaps never sets
 * it. p may be NULL (the pinned replay has no policy).
 */
void ps_kcompactd_set_idle(PsPolicy *p, bool idle);
/*
 * A run that starts from a real machine's snapshot: when that machine's kcompactd had already
 * compacted proactively (daemon_migrate_scanned, its vmstat compact_daemon_migrate_scanned) and a
 * node's fragmentation score is still above the high mark, that run made no progress and kcompactd
 * backs off 2^COMPACT_MAX_DEFER_SHIFT intervals: its next proactive check is that far from now.
 * Returns the number of nodes deferred.
 */
int ps_kcompactd_snapshot_deferred(PsPolicy *p, uint64_t daemon_migrate_scanned);
/*
 * A run that starts from a real machine's snapshot whose recording's first direct compaction
 * crossed its zone and isolated nothing (sim/snapshot-stale.c): the skip hints that made it so,
 * set on every pageblock of every populated zone, and the deferral such a failed run leaves
 * (compact_defer_shift 1; compaction.c's header). Returns the number of pageblocks marked.
 */
uint64_t ps_compaction_seed_skip_hints(PsMachine *m);

/*
 * A run from a snapshot whose recording's first kcompactd run ended partial_skipped
 * (sim/snapshot-stale.c): the zone of source_pfn (the lowest page that run migrated) resumes its
 * migrate scanner at source_pfn's pageblock, every pageblock below it marked skip, deferred with
 * defer_shift (ps_compaction_defer_shift_before). Returns the number of pageblocks marked.
 */
uint64_t ps_compaction_seed_resume(PsMachine *m, ps_pfn_t source_pfn, unsigned defer_shift);
/*
 * A run from a snapshot whose recording printed where its first compaction run of a zone began
 * (mm_compaction_begin's migrate_pfn and free_pfn, sim/snapshot-stale.c): the zone's cached
 * scanner positions as compact_zone read them, compact_cached_free_pfn and
 * compact_cached_migrate_pfn[sync] (compaction.c, ps_compaction_seed_cached). False, and nothing
 * set, when the two pfns are not of one populated zone of the model or are the zone's edges.
 */
bool ps_compaction_seed_cached(PsMachine *m, ps_pfn_t migrate_pfn, ps_pfn_t free_pfn, bool sync);
/* The compact_defer_shift before a failed run that `refused` later calls found deferred. */
unsigned ps_compaction_defer_shift_before(uint64_t refused);

/*
 * Writing /proc/sys/vm/drop_caches: 1 drops clean page cache (drop_pagecache_sb), 2 frees
 * reclaimable slab (drop_slab), 3 both. Dirty pages stay. Returns the pages freed.
 */
uint64_t ps_drop_caches(PsPolicy *p, int what);

/* wakeup_kswapd, from an allocation on cpu (-1: none known) */
void ps_wakeup_kswapd(PsMachine *m, PsZone *z, uint64_t gfp, unsigned order,
		      enum ps_zone_type highest_zoneidx, int cpu);

/* ---- the allocation fast path's pieces (policy/alloc.c), inline for ps_alloc_pcp_hit ------ */

/* __zone_watermark_unusable_free */
static inline int64_t ps_zone_watermark_unusable_free(const PsZone *z, unsigned order,
						      unsigned alloc_flags)
{
	int64_t unusable = (1ll << order) - 1;

	/* Without reserve rights the free highatomic pages are not usable. */
	if (!(alloc_flags & PS_ALLOC_RESERVES))
		unusable += (int64_t)z->nr_free_highatomic;
	return unusable;
}

/* alloc_flags_nofragment (every request). */
static inline unsigned ps_alloc_flags_nofragment(const PsMachine *m, const PsZone *preferred,
						 uint64_t gfp)
{
	/* ALLOC_KSWAPD has the value of __GFP_KSWAPD_RECLAIM. */
	unsigned alloc_flags = (unsigned)(gfp & PS_GFP_KSWAPD_RECLAIM);

	if (m->sysctl.defrag_mode)
		return alloc_flags | PS_ALLOC_NOFRAGMENT;
	if (!preferred || preferred->type != PS_ZONE_NORMAL)
		return alloc_flags;
	/* On NUMA, only when this node's DMA32 is populated; on one node always. */
	if (m->nr_nodes > 1 && !ps_zone_populated(preferred - 1))
		return alloc_flags;
	return alloc_flags | PS_ALLOC_NOFRAGMENT;
}

/* zone_statistics */
static inline void ps_zone_statistics(PsMachine *m, PsZone *preferred, PsZone *z, int cpu)
{
	int local_nid = m->spec.cpu_node[cpu];

	if (z->node == preferred->node) {
		z->numa_stat[PS_NUMA_HIT]++;
	} else {
		z->numa_stat[PS_NUMA_MISS]++;
		preferred->numa_stat[PS_NUMA_FOREIGN]++;
	}
	z->numa_stat[z->node == local_nid ? PS_NUMA_LOCAL : PS_NUMA_OTHER]++;
}

/*
 * rmqueue's tail after the page is taken (rmqueue in policy/alloc.c and ps_alloc_pcp_hit, pcp
 * hit or not): a fragmenting fallback boosted z (try_to_claim_block set ZONE_BOOSTED_WATERMARK for
 * a request with ALLOC_KSWAPD), so a request with ALLOC_KSWAPD clears the bit and wakes kswapd to
 * reclaim the boost now.
 */
G_ALWAYS_INLINE static inline void ps_rmqueue_boost_wake(PsMachine *m, PsZone *z,
							 unsigned alloc_flags, int cpu)
{
	if ((alloc_flags & PS_ALLOC_KSWAPD) && (z->flags & PS_ZONE_BOOSTED_WATERMARK)) {
		z->flags &= ~PS_ZONE_BOOSTED_WATERMARK;
		ps_wakeup_kswapd(m, z, 0, 0, z->type, cpu);
	}
}

/*
 * The outcome ps_alloc_pages gives for a request ps_alloc_pcp_hit served (alloc_once's for it:
 * one zone tried, the pcp path, no refill, no slow path); ps_alloc_pages_ilx and sim's alloc_rec
 * both build it here (in place: a returned struct cost a copy, ~4 instructions a fault).
 */
G_ALWAYS_INLINE static inline void ps_alloc_pcp_hit_outcome(PsAllocOutcome *out, ps_pfn_t pfn,
							    int zone)
{
	*out = (PsAllocOutcome){
	    .result = PS_ALLOC_OK, .path = PS_PATH_PCP, .pfn = pfn, .zone = zone, .zones_tried = 1};
}

/*
 * ps_alloc_pcp_hit (below) in its two parts, which it calls one after the other; a caller may
 * ask the first once for many requests (sim's test-touch-run compares such runs with the
 * per-page path).
 * The first part: the zone it would take from when the request's zone and watermark tests pass
 * (NULL when not), with the request's alloc_flags and pcp list. What it
 * reads changes only with the zone's free pages, reserves, watermarks and flags, which no take
 * (ps_alloc_pcp_hit_take) of a page from a pcp list changes: a caller with many order-0 requests
 * of one gfp on one cpu (sim_op_touch's runs of faults) may ask once and take many times, up to
 * anything else that runs (a refill, a free, a drain, reclaim).
 */
G_ALWAYS_INLINE static inline PsZone *ps_alloc_pcp_hit_zone(PsMachine *m, uint64_t gfp, int cpu,
							    unsigned *alloc_flags, int *pindex)
{
	const PsZonelist *zl = &m->nodes[m->spec.cpu_node[cpu]].zonelist_fallback;
	enum ps_zone_type highest = ps_gfp_zone(gfp);
	enum ps_migratetype mt;
	int64_t usable, reserved;
	PsZone *z;

	if ((gfp & PS_GFP_THISNODE) || highest >= PS_MAX_NR_ZONES || !zl->nr)
		return NULL;
	z = &m->zones[zl->zones[0]];
	/* the first usable zone is the preferred one and the first get_page_from_freelist tries */
	if ((int)z->type > (int)highest || (z->flags & PS_ZONE_BELOW_HIGH))
		return NULL;
	*alloc_flags = PS_ALLOC_WMARK_LOW | ps_alloc_flags_nofragment(m, z, gfp);
	/* zone_watermark_fast's order-0 shortcut at the high mark (no reserve rights) */
	usable = z->vm_stat[PS_NR_FREE_PAGES];
	reserved = ps_zone_watermark_unusable_free(z, 0, *alloc_flags);
	usable -= MIN(usable, reserved);
	if (usable <= (int64_t)ps_wmark_pages(z, PS_WMARK_HIGH) + z->lowmem_reserve[highest])
		return NULL;
	mt = m->sysctl.page_group_by_mobility_disabled ? PS_MT_UNMOVABLE : ps_gfp_migratetype(gfp);
	*pindex = ps_pcp_list_index(m, 0, mt);
	return z;
}

/*
 * ps_alloc_pcp_hit's second part, in zone z that ps_alloc_pcp_hit_zone gave for the same gfp
 * and cpu (alloc_flags, pindex as it set them): the list's head, PS_PFN_NONE with nothing
 * changed when the list is empty.
 */
G_ALWAYS_INLINE static inline ps_pfn_t ps_alloc_pcp_hit_take(PsMachine *m, PsZone *z, uint64_t gfp,
							     int cpu, unsigned alloc_flags,
							     int pindex)
{
	ps_pfn_t pfn;

	if (z->pcp[cpu].lists[pindex].head == PS_PFN_NONE)
		return PS_PFN_NONE;
	/* rmqueue: the pcp list (no refill: it holds a page), then what follows a success */
	pfn = ps_rmqueue_pcplist_head(m, z, cpu, 0, pindex);
	ps_zone_statistics(m, z, z, cpu);
	ps_pcp_mark_cpu_active(m, cpu);
	ps_rmqueue_boost_wake(m, z, alloc_flags, cpu);
	ps_page_set_movable(m, pfn, ps_gfp_migratetype(gfp) == PS_MT_MOVABLE);
	return pfn;
}

/*
 * alloc_once (policy/alloc.c) for the request that nearly every allocation of a replay is: order
 * 0, no mempolicy (the local node's fallback zonelist, no nodemask), the first zone of that
 * zonelist usable and above its high watermark (ZONE_BELOW_HIGH clear, zone_watermark_fast's
 * order-0 test at WMARK_HIGH passes), and the cpu's pcp list of the request's migratetype holding
 * a page. Then get_page_from_freelist tries that zone alone and rmqueue_pcplist takes the list's
 * head without a refill: the same steps as alloc_once, in the same order, with the same counters
 * (one zone tried, NUMA_HIT and NUMA_LOCAL, the cpu marked active, a boosted zone's kswapd
 * wake-up), but without building the alloc_context and walking the zonelist twice. Its outcome
 * as ps_alloc_pages gives it: PS_ALLOC_OK, PS_PATH_PCP, one zone tried, the zone in *zone.
 * PS_PFN_NONE, with nothing changed, when any of it does not hold: ps_alloc_pages then decides
 * as always. Inline: a caller's constant gfp (a fault's) folds the mask's decoding away.
 */
G_ALWAYS_INLINE static inline ps_pfn_t ps_alloc_pcp_hit(PsMachine *m, uint64_t gfp, int cpu,
							int *zone)
{
	unsigned alloc_flags;
	int pindex;
	PsZone *z = ps_alloc_pcp_hit_zone(m, gfp, cpu, &alloc_flags, &pindex);
	ps_pfn_t pfn;

	if (!z)
		return PS_PFN_NONE;
	pfn = ps_alloc_pcp_hit_take(m, z, gfp, cpu, alloc_flags, pindex);
	if (pfn != PS_PFN_NONE)
		*zone = z->idx;
	return pfn;
}

/* oom_badness: points, or INT64_MIN for a task that is never chosen. */
int64_t ps_oom_badness(const PsOomTask *t, uint64_t totalpages);
/* /proc/PID/oom_score */
int64_t ps_oom_score(const PsOomTask *t, uint64_t totalpages);
/* totalram + swap */
uint64_t ps_oom_totalpages(const PsMachine *m);
/* enum oom_constraint of mm/oom_kill.c, the values the model reaches (no memcg, no cpusets). */
enum ps_oom_constraint { PS_CONSTRAINT_NONE, PS_CONSTRAINT_MEMORY_POLICY, PS_NR_OOM_CONSTRAINTS };
extern const char *const ps_oom_constraint_names[PS_NR_OOM_CONSTRAINTS]; /* "CONSTRAINT_NONE" */
/* constrained_alloc: what limits the OOM of allocation ac. */
enum ps_oom_constraint ps_oom_constraint(const PsMachine *m, const PsAllocContext *ac);

/* ---- compaction (policy/compaction.c) ------------------------------------------------------ */

/* enum compact_priority: lower is harder (kernel-facts §8.1). */
enum ps_compact_priority {
	PS_COMPACT_PRIO_SYNC_FULL,  /* MIN_COMPACT_PRIORITY: whole zone, hints ignored */
	PS_COMPACT_PRIO_SYNC_LIGHT, /* MIN_COMPACT_COSTLY_PRIORITY, DEF_COMPACT_PRIORITY */
	PS_COMPACT_PRIO_ASYNC,	    /* INIT_COMPACT_PRIORITY */
	PS_NR_COMPACT_PRIORITIES
};

/* enum migrate_mode as compaction uses it. */
enum ps_migrate_mode { PS_MIGRATE_ASYNC, PS_MIGRATE_SYNC_LIGHT, PS_MIGRATE_SYNC };

#define PS_COMPACT_MAX_DEFER_SHIFT 6
#define PS_COMPACT_CLUSTER_MAX	   PS_SWAP_CLUSTER_MAX
#define PS_MAX_COMPACT_RETRIES	   16

/* One isolated block: a free block taken by the free scanner or a folio to migrate. */
typedef struct {
	ps_pfn_t pfn;
	unsigned order;
} PsCompactBlock;

/*
 * cc->migratepages: the isolated folios in isolation order, a flat array of one compact_zone run
 * grown by doubling: an append is a store, not a g_array_append_vals call (~70 instructions an
 * isolated folio; ftrace-press-thp2-6.18 isolates 78 k).
 */
typedef struct {
	PsCompactBlock *v;
	guint len, cap;
} PsCompactBlocks;

/*
 * cc->freepages[NR_PAGE_ORDERS] (6.9+): the isolated free blocks kept on one list per order, as
 * flat singly linked lists. A node per held block lives in `nodes` (PsCompactFreeNode), reused
 * through `spare`; head and tail per order give list_add (head) and list_add_tail.
 */
typedef struct {
	ps_pfn_t pfn;
	uint32_t next; /* index in nodes, PS_COMPACT_NODE_NONE ends the list */
} PsCompactFreeNode;

#define PS_COMPACT_NODE_NONE UINT32_MAX

typedef struct {
	GArray *nodes; /* PsCompactFreeNode */
	uint32_t head[PS_NR_ORDERS_MAX], tail[PS_NR_ORDERS_MAX];
	uint32_t spare; /* unused nodes, linked through next */
} PsCompactFreeLists;

/*
 * struct compact_control: one compaction run over one zone. The caller fills the request
 * (zone .. proactive_compaction, capc); compact_zone fills the scanner state and the counters.
 * order -1 means "the whole zone" (/proc/sys/vm/compact_memory and proactive compaction).
 */
typedef struct {
	PsZone *zone;
	int order;
	enum ps_migratetype migratetype; /* the request's (gfp_migratetype) */
	enum ps_migrate_mode mode;
	unsigned alloc_flags;
	int highest_zoneidx;
	bool direct_compaction; /* a task's allocation, not kcompactd or the sysctl */
	bool whole_zone;	/* scan from both ends of the zone, ignore cached positions */
	bool finish_pageblock;	/* isolate the rest of the pageblock, past COMPACT_CLUSTER_MAX */
	bool ignore_skip_hint;	/* scan blocks whose skip bit is set */
	bool ignore_block_suitable; /* free scanner takes any block type */
	bool proactive_compaction;  /* stop at the low fragmentation-score watermark */
	PsCaptureControl *capc;	    /* direct compaction: where a captured block is handed */
	/*
	 * When the run begins, ns past the engine's now: what the caller's request (its slow
	 * path so far, the zones compacted before this one) or daemon wake spent before it, all
	 * charged after the call. The compact_zone record's time (note_compact_zone).
	 */
	uint64_t begin_ns;
	/*
	 * Free the migrated folios' old pages and the unused targets to the pcp lists of free_cpu
	 * (free_frozen_pages), not straight to the buddy; a run for an order drains them when the
	 * migrate scanner leaves the block it migrated from (see compaction.c).
	 */
	bool free_to_pcp;
	int free_cpu;

	/* Scanner state. */
	ps_pfn_t migrate_pfn; /* next pfn the migrate scanner looks at (going up) */
	ps_pfn_t free_pfn;    /* start of the block the free scanner scans next (going down) */
	ps_pfn_t free_resume; /* inside that block: where the last scan stopped, 0 = its end */
	/* fast_find_migrateblock: misses in a row, and the lowest free page a search found (0 none
	 * yet, PS_PFN_NONE once the migrate scanner went back to it) */
	unsigned fast_search_fail;
	ps_pfn_t fast_start_pfn;
	PsCompactFreeLists freepages;		/* isolated free blocks, per order */
	PsCompactBlocks migratepages;		/* isolated folios */
	uint64_t nr_freepages, nr_migratepages; /* base pages held in the two */

	/* Counters of this run (also added to the machine's vm events). */
	uint64_t total_migrate_scanned, total_free_scanned;
	uint64_t nr_isolated; /* both scanners, base pages */
	uint64_t nr_migrated, nr_migrate_failed;
	uint64_t nr_split; /* large folios split for want of a target (try_split_folio) */
	uint64_t cost_ns;  /* the modelled time of the run */
} PsCompactControl;

/* compact_zone: the caller fills the request part of cc; the arrays are managed inside. */
enum ps_compact_result ps_compact_zone(PsMachine *m, PsCompactControl *cc);

/*
 * compaction_suitable at the min mark (order-0 free pages above mark + compact_gap, + low - min for
 * a costly order, then the fragmentation index for a costly order).
 */
bool ps_compaction_suitable(const PsMachine *m, const PsZone *z, int order, int highest_zoneidx);
/* compaction_suitable at the caller's watermark (vmscan.c's compaction_ready uses the high one). */
bool ps_compaction_suitable_wmark(const PsMachine *m, const PsZone *z, int order, uint64_t mark,
				  int highest_zoneidx);
/* compaction_suit_allocation_order: SUCCESS (already there), SKIPPED or CONTINUE. */
enum ps_compact_result ps_compaction_suit_allocation_order(const PsMachine *m, const PsZone *z,
							   int order, int highest_zoneidx,
							   unsigned alloc_flags, bool async);

/* defer_compaction, compaction_deferred, compaction_defer_reset, compaction_restarting. */
void ps_defer_compaction(PsZone *z, int order);
bool ps_compaction_deferred(PsZone *z, int order);
void ps_compaction_defer_reset(PsZone *z, int order, bool alloc_success);
bool ps_compaction_restarting(const PsZone *z, int order);
/* __reset_isolation_suitable: clears a zone's skip bits and cached scanner positions. */
void ps_reset_isolation_suitable(PsMachine *m, PsZone *z);

/*
 * The proactive compaction score (kernel-facts §8.7), from extfrag_for_order of mm/vmstat.c.
 * COMPACTION_HPAGE_ORDER: HPAGE_PMD_ORDER with THP built, else pageblock_order.
 * fragmentation_score_zone: extfrag_for_order at that order, in percent.
 * fragmentation_score_zone_weighted: score * zone_present / (node_present + 1).
 * fragmentation_score_node: the weighted scores of the node's populated zones, summed.
 */
unsigned ps_compaction_hpage_order(const PsMachine *m);
int ps_fragmentation_score_zone(const PsMachine *m, const PsZone *z);
unsigned ps_fragmentation_score_weighted(int score, uint64_t zone_present, uint64_t node_present);
unsigned ps_fragmentation_score_node(const PsMachine *m, int node);

/*
 * Writing /proc/sys/vm/compact_memory: every populated zone compacted fully (MIGRATE_SYNC, whole
 * zone, skip hints ignored). Returns the modelled time spent.
 */
uint64_t ps_compact_memory(PsMachine *m, int cpu);

/* ---- machine setup ------------------------------------------------------------------------ */

/*
 * Builds a machine and runs the kernel's boot-time policy setup (zonelists, tunables), then
 * carries the spec's boot history (setup.c).
 */
PsMachine *ps_machine_setup(const PsMachineSpec *spec, GError **error);
/* The same on ps_machine_new_unbooted: ps_machine_boot frees its memory when needed. */
PsMachine *ps_machine_setup_unbooted(const PsMachineSpec *spec, GError **error);

/*
 * The values of spec's boot history that the setup carries because the formulas give others, one
 * "node N ZONE what printed (formulas: computed)" a line; NULL when none is carried.
 */
char *ps_boot_history_describe(const PsMachineSpec *spec);

/* ---- the cost model (policy/cost.c) --------------------------------------------------------- */

/*
 * The latency model of config "costs": nanoseconds charged for each step an allocation takes
 * (kernel-facts §5). An allocation's latency is the sum over the steps of its path. Defaults and
 * where their values come from are in configs/README.md ("costs"); ps_costs_default is config's.
 */
typedef struct {
	uint64_t fast_path_ns; /* __alloc_pages entry, prepare_alloc_pages, first zone check */
	uint64_t zone_step_ns; /* each further zone of the zonelist tried */
	uint64_t pcp_hit_ns;   /* rmqueue_pcplist taking a page from a non-empty list */
	uint64_t pcp_refill_page_ns; /* per block rmqueue_bulk moves to a pcp list */
	uint64_t zone_lock_ns;	     /* taking zone->lock (buddy path, refill, drain) */
	uint64_t buddy_split_ns;     /* per level split by expand() or merged by __free_one_page */
	uint64_t clear_kib_ns;	     /* zeroing per KiB (__GFP_ZERO, user faults): 64K = 16 x 4K */
	uint64_t fault_ns;	     /* page-fault entry, VMA lookup, PTE install, return */
	uint64_t free_pcp_ns;	     /* a free onto a pcp list */
	uint64_t free_buddy_page_ns; /* per base page merged into the buddy (free or drain) */
	uint64_t lru_add_folio_ns;   /* per folio folio_batch_move_lru puts on an LRU list */
	uint64_t mmap_ns;	     /* an mmap or brk system call that maps a range */
	uint64_t munmap_ns;	     /* a munmap or brk shrink: VMA removal and TLB flush */
} PsCosts;

/* FOLIO_BATCH_SIZE (include/linux/folio_batch.h, 31 since 6.10): folio_add_lru's per-cpu batch. */
#define PS_FOLIO_BATCH_SIZE 31

/*
 * Every nanosecond a run charges goes through one of these, each named after the kernel function
 * whose work it stands for. The figures are config "costs" (PsCosts) and the ns keys of "reclaim"
 * (PsReclaimConfig); the functions only combine them. Those every allocation and free
 * charges are inline.
 */
/* clear_highpage / folio_zero_user: zeroing a folio of 2^order pages of page_size bytes. */
static inline uint64_t ps_cost_clear_highpage(const PsCosts *c, uint32_t page_size, unsigned order)
{
	return c->clear_kib_ns * (((uint64_t)page_size << order) >> 10);
}

/* How long o's path held zone->lock: rmqueue_bulk's refill or rmqueue_buddy, with expand(). */
static inline uint64_t ps_cost_zone_lock_hold(const PsCosts *c, const PsAllocOutcome *o,
					      unsigned order)
{
	uint64_t ns;

	/* rmqueue_bulk's loop takes one block of the request's order per __rmqueue call: its
	 * work is per block, not per base page (a refill of two order-9 blocks is two calls) */
	if (o->result != PS_ALLOC_OK || (o->path == PS_PATH_PCP && !o->pcp_refill))
		return 0;
	ns = c->zone_lock_ns + o->split_levels * c->buddy_split_ns;
	if (o->path == PS_PATH_PCP)
		ns += (uint64_t)(o->refill_pages >> order) * c->pcp_refill_page_ns;
	return ns;
}

/* __alloc_pages along the fast-path steps o took (zeroing included for __GFP_ZERO). */
static inline uint64_t ps_cost_alloc_pages(const PsCosts *c, const PsAllocOutcome *o, uint64_t gfp,
					   uint32_t page_size, unsigned order)
{
	/* prepare_alloc_pages and the first zone; get_page_from_freelist's further zones */
	uint64_t ns = c->fast_path_ns;

	if (o->zones_tried > 1)
		ns += (o->zones_tried - 1) * c->zone_step_ns;
	if (o->result != PS_ALLOC_OK)
		return ns;
	/* rmqueue_pcplist's list operation, then whatever was done under zone->lock */
	if (o->path == PS_PATH_PCP)
		ns += c->pcp_hit_ns;
	ns += ps_cost_zone_lock_hold(c, o, order);
	if (gfp & PS_GFP_ZERO)
		ns += ps_cost_clear_highpage(c, page_size, order);
	return ns;
}

/* How long free_pcppages_bulk / free_one_page held zone->lock for merged_pages that reached the
 * buddy, with `merges` levels merged by __free_one_page. */
static inline uint64_t ps_cost_zone_lock_hold_free(const PsCosts *c, uint64_t merged_pages,
						   uint64_t merges)
{
	if (!merged_pages)
		return 0;
	/* free_pcppages_bulk / free_one_page: per page, and __free_one_page's merge loop */
	return c->zone_lock_ns + merged_pages * c->free_buddy_page_ns + merges * c->buddy_split_ns;
}

/* free_unref_page, and __free_one_page for merged_pages that reached the buddy. */
static inline uint64_t ps_cost_free_pages(const PsCosts *c, uint64_t merged_pages, uint64_t merges)
{
	return c->free_pcp_ns + ps_cost_zone_lock_hold_free(c, merged_pages, merges);
}

/* handle_mm_fault: fault entry, VMA lookup, PTE install and return, without the allocation. */
static inline uint64_t ps_cost_handle_mm_fault(const PsCosts *c)
{
	return c->fault_ns;
}

/* folio_batch_move_lru: moving a cpu's batch of nr folios onto the LRU lists under lru_lock. */
uint64_t ps_cost_folio_batch_move_lru(const PsCosts *c, unsigned nr);
/* do_mmap / do_brk_flags: a system call that maps a range (no page is touched). */
uint64_t ps_cost_do_mmap(const PsCosts *c);
/* do_vmi_munmap: removing the VMAs of a range and flushing the TLB, without the page frees. */
uint64_t ps_cost_do_vmi_munmap(const PsCosts *c);
/* do_swap_page: reading pages back from swap. */
uint64_t ps_cost_do_swap_page(const PsReclaimConfig *rc, uint64_t pages);
/*
 * isolate_lru_folios: looking at folios on an LRU list. do_shrink_slab's scan and frees are
 * charged per slab page (its work is per object, not per folio).
 */
uint64_t ps_cost_isolate_lru_folios(const PsReclaimConfig *rc, uint64_t folios);
/* shrink_folio_list: unmapping and freeing folios reclaim took. */
uint64_t ps_cost_shrink_folio_list(const PsReclaimConfig *rc, uint64_t folios);
/* do_shrink_slab: the slab pages its scan_objects calls free (per page: its work is per object). */
uint64_t ps_cost_do_shrink_slab(const PsReclaimConfig *rc, uint64_t pages);
/* pageout / swap_writepage of anon pages. */
uint64_t ps_cost_pageout(const PsReclaimConfig *rc, uint64_t pages);
/* isolate_migratepages_block and isolate_freepages_block: pages scanned, pages isolated. */
uint64_t ps_cost_isolate_pages_block(const PsReclaimConfig *rc, uint64_t scanned,
				     uint64_t isolated);
/* One slice of kswapd's balance_pgdat, from the work it did (at least a fixed floor). */
uint64_t ps_cost_balance_pgdat_slice(uint64_t work_ns);
/* migrate_pages: unmap, copy and remap pages of page_size bytes. */
uint64_t ps_cost_migrate_pages(const PsReclaimConfig *rc, uint32_t page_size, uint64_t pages);

/* ---- huge-page faults (policy/huge_memory.c) ------------------------------------------------ */

/* A mapping of a process (the vm_area_struct fields the fault decisions read). */
typedef struct {
	uint64_t start, end; /* [start, end) virtual bytes */
	bool hugepage;	     /* VM_HUGEPAGE: madvise(MADV_HUGEPAGE) */
	bool file; /* vm_file: a file mapping (no anonymous THP; its COW copies are order 0) */
} PsVma;

/*
 * thp_vma_allowable_order for an anonymous fault: may a PMD-order folio back the PMD-aligned
 * range at haddr (bytes) of vma? The caller still checks that nothing is mapped there (pmd_none).
 */
bool ps_thp_vma_allowable(const PsMachine *m, const PsVma *vma, uint64_t haddr);
/* vma_thp_gfp_mask: the GFP flags of a THP fault in vma. */
uint64_t ps_thp_fault_gfp(const PsMachine *m, const PsVma *vma);
/* THP_FAULT_ALLOC or THP_FAULT_FALLBACK for a THP fault that got its folio or did not. */
void ps_thp_fault_account(PsMachine *m, bool allocated);
/*
 * The orders below the PMD order that an anonymous fault at addr (bytes) of vma may try, highest
 * first (alloc_anon_folio: thp_vma_allowable_orders, then thp_vma_suitable_orders), as a mask of
 * 1 << order; 0 = a base page. The caller drops the orders whose range is not empty
 * (pte_range_none), tries the rest from the top and accounts each with ps_mthp_fault_account.
 */
uint64_t ps_thp_anon_orders(const PsMachine *m, const PsVma *vma, uint64_t addr);
/*
 * A khugepaged setting (/sys/kernel/mm/transparent_hugepage/khugepaged/): the config's, else
 * khugepaged_init's default for the machine's HPAGE_PMD_NR.
 */
uint32_t ps_khugepaged_value(const PsMachineSpec *spec, enum ps_khugepaged_key key);
/*
 * hugepage_pmd_enabled: khugepaged runs at all (the PMD size allowed somewhere: its own
 * setting always or madvise, or inherit with `enabled` always or madvise).
 */
bool ps_khugepaged_enabled(const PsMachine *m);
/*
 * thp_vma_allowable_order(vma, TVA_ENFORCE_SYSFS, PMD_ORDER) as khugepaged asks it (not in a
 * fault): the PMD size allowed in vma by sysfs, an anonymous mapping that holds a whole aligned
 * PMD range (the check at vm_end - HPAGE_PMD_SIZE), and has an anon_vma (has_anon: a page was
 * faulted in it).
 */
bool ps_khugepaged_vma_allowable(const PsMachine *m, const PsVma *vma, bool has_anon);
/*
 * The part of ps_khugepaged_vma_allowable that depends only on the mapping's kind and advice
 * (not its size or pages): false means no VMA of that kind is allowed, however large.
 */
bool ps_khugepaged_kind_allowable(const PsMachine *m, const PsVma *vma);
/* alloc_hugepage_khugepaged_gfpmask: GFP_TRANSHUGE with khugepaged/defrag 1, else _LIGHT. */
uint64_t ps_khugepaged_gfp(const PsMachine *m);
/* MTHP_STAT_ANON_FAULT_ALLOC / _FALLBACK of order. */
void ps_mthp_fault_account(PsMachine *m, unsigned order, bool allocated);
/* The effective hugepages-<size>kB/enabled of order: never, madvise, always or inherit. */
int ps_thp_size_mode(const PsMachineSpec *spec, unsigned order);
/* THREAD_SIZE: a kernel stack's bytes on the simulated arch and page size (kernel_stack_kind). */
uint64_t ps_thread_size(const PsMachineSpec *spec);

/* ---- page-cache folios (policy/readahead.c) -------------------------------------------------- */

/* A file's readahead state (struct file_ra_state), in pages of the simulated machine. */
typedef struct {
	uint64_t start;	     /* ra->start */
	uint64_t size;	     /* ra->size; 0 = no window yet */
	uint64_t async_size; /* ra->async_size */
	unsigned order;	     /* ra->order: folio order of the current window */
	uint64_t prev_index; /* ra->prev_pos >> PAGE_SHIFT of the last read; UINT64_MAX: none */
	bool mmap;	     /* the window came of page faults (read-around and its async steps) */
} PsRaState;

void ps_ra_init(PsRaState *ra);
/* bdi->ra_pages: read_ahead_kb in pages of the simulated machine, at least 1. */
uint64_t ps_ra_max_pages(const PsMachine *m);
/* The largest page-cache folio order: 0 without large-folio support (mapping_max_folio_order). */
unsigned ps_pagecache_max_order(const PsMachine *m);
/* MAX_PAGECACHE_ORDER, min(11, PMD order) or the config's page_cache.max_order; 0 without THP. */
unsigned ps_max_pagecache_order(const PsMachineSpec *spec);
/*
 * A read of req pages at index missed the page cache: page_cache_sync_ra (no window, or not
 * where the window ends) or page_cache_async_ra (index is where the last window ended) sets the
 * window in *ra. contig is the number of cached pages right before index (page_cache_prev_miss).
 * peer_mark: another task's window on the file ends at index with an async mark peer_mark
 * pages before its end (the PG_readahead folio this read hit), else 0. A read inside the
 * current window continues it. Returns the pages to read from index and in *order the folio
 * order page_cache_ra_order starts from (0 for a random read, which leaves the window alone).
 */
uint64_t ps_ra_window(const PsMachine *m, PsRaState *ra, uint64_t index, uint64_t req,
		      uint64_t contig, uint64_t peer_mark, unsigned *order);
/* The pages a fault record of req pages brings in from its index: at most ra_pages. */
uint64_t ps_ra_fault_pages(const PsMachine *m, uint64_t req);
/*
 * A page fault on a file mapping missed the page cache at index, and the recording says the req
 * pages from there came in through that fault's window (do_sync_mmap_readahead): mmap read-around
 * (exec false; order 0, an async mark a quarter of the window before its end) or a VM_EXEC
 * mapping's window (no async mark). A read-around window is [start, start + size): the one the
 * fault records of all tasks fill (sim/pagecache.c fault_window), of which this record's pages
 * are a piece; an exec window is the record's own (start and size unused). Sets the window in
 * *ra and returns the pages to read from index (ps_ra_fault_pages).
 */
uint64_t ps_ra_fault(const PsMachine *m, PsRaState *ra, uint64_t index, uint64_t req, bool exec,
		     uint64_t start, uint64_t size, unsigned *order);
/*
 * page_cache_ra_order's folio at index of a window ending at limit (inclusive): new_order
 * lowered to the index's alignment and to what fits before limit.
 */
unsigned ps_ra_folio_order(unsigned new_order, uint64_t index, uint64_t limit);
/* readahead_gfp_mask: the mapping's GFP_HIGHUSER_MOVABLE with __GFP_NORETRY | __GFP_NOWARN. */
uint64_t ps_ra_gfp(void);

G_END_DECLS

#endif
