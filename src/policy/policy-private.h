/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy-private.h - what the files of policy/ share: the policy state of a machine (PsPolicy:
 * reclaim lists, kswapd and kcompactd threads, slow-path and OOM state) and the functions one
 * file of policy/ calls in another. Not for use outside policy/; the build refuses an include of
 * it from another module.
 */
#ifndef PS_POLICY_PRIVATE_H
#define PS_POLICY_PRIVATE_H

#include "core/core.h"
#include "policy/policy.h"
#include "util/util.h"

#define PS_DEF_PRIORITY 12
/* node_reclaim (mm/vmscan.c): its starting priority, and the zone_reclaim_mode bits */
#define PS_NODE_RECLAIM_PRIORITY 4
#define PS_RECLAIM_ZONE		 1
#define PS_RECLAIM_WRITE	 2
#define PS_RECLAIM_UNMAP	 4
/* RECLAIM_DISTANCE: node_reclaim only on nodes at most this far from the preferred one */
#define PS_RECLAIM_DISTANCE    30
#define PS_MAX_RECLAIM_RETRIES 16
#define PS_HANDLE_NONE	       UINT32_MAX

/* Per-handle folio flags of the reclaim model. */
enum {
	PS_FOLIO_ON_LIST = 0x01,
	/* accessed since reclaim last looked (young PTE / PG_referenced) */
	PS_FOLIO_REFERENCED = 0x02,
	PS_FOLIO_DIRTY = 0x04,
	PS_FOLIO_RECLAIM = 0x08,   /* PG_reclaim: reclaim met it dirty and asked for writeback */
	PS_FOLIO_WRITEBACK = 0x10, /* PG_writeback: the flusher's I/O for it is in flight */
	PS_FOLIO_QUEUED = 0x20,	   /* in the flusher's current pass (PsFlusher), not written yet */
	PS_FOLIO_IS_SHMEM = 0x40,  /* a PS_FOLIO_SHMEM folio: anon lists, page-cache counters */
};

/*
 * The flusher's pass (wb_writeback of a WB_REASON_VMSCAN start-all work): the dirty file folios
 * it found, in the order it writes them. Folio i is put under writeback at start_ns +
 * (pages before it) * writeback_page_ns and its I/O completes writeback_io_ns later; `started`
 * and `done` are the first entries not yet put under writeback, not yet completed. One pass at a
 * time (wb_start_writeback skips a start-all while one is pending).
 */
typedef struct {
	uint32_t *h;	 /* handles, in write order */
	uint64_t *at_ns; /* when each goes under writeback */
	size_t len, cap, started, done;
} PsFlusher;

typedef struct {
	uint32_t head, tail; /* handles; head = most recently added */
	uint64_t nr_pages;
} PsLruList;

/* The lists of one lruvec (a memcg's on one node). */
typedef PsLruList PsLruvec[PS_NR_RECLAIM_LISTS];

/* scan_control */
typedef struct {
	uint64_t nr_to_reclaim;
	uint64_t nr_reclaimed;
	uint64_t nr_scanned;
	unsigned order;
	int priority;
	int highest_zoneidx;
	/*
	 * The reclaimer's gfp_mask (current_gfp_context of the allocation's; GFP_KERNEL for
	 * kswapd): without __GFP_IO no anonymous folio goes to swap, without __GFP_FS no shmem
	 * folio is written out and the filesystem shrinkers free nothing (reclaim.c).
	 */
	uint64_t gfp_mask;
	bool may_writepage;
	bool may_swap;
	/* may_unmap: false only for node reclaim without RECLAIM_UNMAP (__node_reclaim) */
	bool may_unmap;
	bool kswapd; /* counters go to *_kswapd, else *_direct */
	/* shrink_list: an active list with a scan target left alone (its inactive list was not
	 * low); force_deactivate: deactivate regardless (do_try_to_free_pages' last retry) */
	bool skipped_deactivate;
	bool force_deactivate;
	/* shrink_node_memcgs walks every memcg (kswapd always; a direct reclaimer on the retry
	 * after a fruitless partial walk) */
	bool memcg_full_walk;
	/*
	 * shrink_folio_list's reclaim_stat summed over a shrink_node (sc->nr), the counts the model
	 * reads: pages taken, under writeback met for the first time, under writeback with
	 * PG_reclaim met again by kswapd with PGDAT_WRITEBACK set. (nr_dirty and nr_unqueued_dirty
	 * feed PGDAT_DIRTY's and the flusher wake's tests in the kernel; the wake is decided per
	 * batch in shrink_inactive_list, and PGDAT_DIRTY is not modelled.)
	 */
	uint64_t nr_taken, nr_writeback, nr_immediate;
	/* reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK): how long kswapd sleeps after this pass */
	uint64_t throttle_ns;
	/* prepare_scan_control: the lists shrink_list may age (PS_DEACTIVATE_*), per shrink_node */
	uint8_t may_deactivate;
	uint64_t cost_ns;
} PsScanControl;

enum { PS_DEACTIVATE_ANON = 1, PS_DEACTIVATE_FILE = 2 };

/*
 * A shrink_lruvec in progress (one lruvec): get_scan_count's targets, what is left of them, and
 * what it reclaimed so far. Filled by its begin, advanced one SWAP_CLUSTER_MAX batch per list at
 * a time, so that kswapd can spread a pass over events (reclaim.c).
 */
typedef struct {
	uint64_t nr[PS_NR_LRU_LISTS], targets[PS_NR_LRU_LISTS];
	uint64_t nr_reclaimed;
	bool proportional_reclaim;
} PsLruvecScan;

/*
 * A kswapd shrink_node in progress (ps_shrink_node_begin / _step): the pass's scan_control, the
 * position of its memcg walk (an index into memcg_walk: the open lruvec's memcg, or with none
 * open the next one to visit; ps_memcg_new moves it when it inserts before it, so that no lruvec
 * is scanned twice or skipped in a pass) and the open lruvec's scan.
 */
typedef struct {
	PsScanControl sc;
	PsLruvecScan ls;
	uint32_t memcg_i;
	bool lruvec_open;
	uint64_t reclaimed_before; /* sc.nr_reclaimed at the pass's start */
} PsNodeScan;

enum ps_kswapd_state { PS_KSWAPD_SLEEPING, PS_KSWAPD_NAPPING, PS_KSWAPD_RUNNING };

/* pgdat's kswapd fields plus the state of a balance_pgdat run cut into event slices. */
typedef struct {
	enum ps_kswapd_state state;
	unsigned req_order; /* kswapd_order */
	int req_highest;    /* kswapd_highest_zoneidx; PS_MAX_NR_ZONES = unset */
	int failures;	    /* kswapd_failures */
	uint32_t gen;	    /* bumps on every state change: stale events are ignored */
	bool woken_in_nap;
	int cpu; /* where it runs (kswapd_wake_cpu), -1 before its first wake */
	/* kswapd_try_to_sleep's reclaim_order (the balance check's; its alloc_order, kcompactd's
	 * order, is run_end's local) */
	unsigned sleep_reclaim_order;
	/* The current balance_pgdat run. */
	unsigned alloc_order, order;
	int highest;
	int priority;
	uint64_t nr_boost_reclaim;
	uint64_t boost_snapshot[PS_MAX_NR_ZONES];
	uint64_t reclaimed;
	bool boosted_run;
	/* a kswapd_shrink_node pass is in progress in `scan` (its batches are separate slices) */
	bool in_pass;
	PsNodeScan scan;
	uint64_t busy_ns; /* total time kswapd ran */
} PsKswapd;

/*
 * pgdat's kcompactd fields plus the thread's state on the engine. kcompactd waits for a wake-up
 * or its 500 ms proactive timer; its work for a zone runs as one step and keeps the thread busy
 * for the step's modelled cost (busy_until), during which wake-ups only record the request.
 */
typedef struct {
	unsigned max_order;  /* kcompactd_max_order; 0 = no request */
	int highest_zoneidx; /* kcompactd_highest_zoneidx */
	bool sleeping;	     /* waiting on its waitqueue (not busy) */
	uint32_t gen;	     /* bumps when a wake supersedes the pending timer */
	uint64_t timeout_ns; /* the current wait's timeout (500 ms, or 32 s after no progress) */
	uint64_t busy_ns;    /* total time kcompactd ran */
	uint64_t busy_until; /* the current work's modelled end */
	uint64_t proactive_runs;
	/*
	 * Parked (ps_kcompactd_set_idle): the timer found nothing to do while the host said nothing
	 * else happens, so it is not re-armed; parked_at is when it would have started waiting.
	 */
	bool parked;
	uint64_t parked_at;
} PsKcompactd;

/*
 * A memory cgroup of the memory controller's hierarchy (mm/memcontrol.c), by dense id, 0 the
 * root. `key` orders siblings as the cgroup's children list does, by creation: the cgroup's
 * inode number (kernfs ids grow as cgroups are made), or later than every snapshot cgroup for
 * one first seen in the trace.
 */
typedef struct {
	uint16_t parent; /* PS_MEMCG_NONE for the root */
	bool offline;	 /* a zombie: its cgroup removed, pages still charged (get_scan_count) */
	uint64_t key;
} PsMemcg;

struct PsPolicy {
	PsMachine *m;
	PsEngine *e;
	PsReclaimConfig rc;
	PsHostOps host;
	/*
	 * The slow-path time a request spent in an attempt whose outcome is not the one being
	 * filled (ps_vma_alloc_pages' __GFP_THISNODE try, before the request as asked): added to
	 * PsCompactControl.begin_ns. 0 outside such a second attempt.
	 */
	uint64_t slow_ns_before;
	uint32_t ev_kswapd;

	/* Per handle, grown on demand. */
	size_t cap;
	PsLruFolio *fo;		      /* fo_room.base */
	PsLruView view;		      /* {fo, cap}, for the host's inline hints (ps_lru_view) */
	uint64_t *dirtied_ns;	      /* dirtied_room.base; apart: only dirty file folios read it */
	PsRoom fo_room, dirtied_room; /* grown in place (reclaim.c grow) */
	PsFlusher wb;
	/*
	 * The start's dirty file folios, in the order ps_lru_add_start linked them, until
	 * ps_lru_start_dirty_to_head moves them (then NULL).
	 */
	GArray *start_dirty;
	/* PGDAT_WRITEBACK: kswapd found a whole shrink_node's taken folios under writeback */
	bool pgdat_writeback[PS_MAX_NODES];

	/*
	 * The lruvecs: lru[memcg * PS_MAX_NODES + node], so that lru[node] is the root memcg's
	 * lists of a node (with one memcg, the node's only lists). nr_memcgs entries of memcgs.
	 */
	PsLruvec *lru;
	PsMemcg *memcgs;
	uint32_t nr_memcgs;
	/* pages reclaimed from each memcg's lruvecs (its memory.stat pgsteal, not hierarchical) */
	uint64_t *memcg_pgsteal;
	/* css_next_descendant_pre's order of the memcgs (mem_cgroup_iter), from the root */
	uint16_t *memcg_walk;
	/* per memcg: its index in memcg_walk, and its subtree's size (itself included), which
	 * the walk holds from that index on */
	uint32_t *memcg_walk_at, *memcg_subtree;
	/* the root's per-node reclaim iterator (mem_cgroup_reclaim_iter.position): an index of
	 * memcg_walk, -1 = none (the next partial walk starts at the root) */
	int32_t memcg_iter[PS_MAX_NODES];
	uint64_t anon_cost[PS_MAX_NODES], file_cost[PS_MAX_NODES];
	/* lruvec->refaults[anon, file]: the node's refault counts when the last reclaim ended */
	int64_t refaults_snap[PS_MAX_NODES][2];
	uint64_t swap_used;
	PsKswapd kswapd[PS_MAX_NODES];
	uint64_t oom_victim_until; /* a victim's memory comes back at this time; 0 = none */
	uint32_t ev_kcompactd;
	PsKcompactd kcompactd[PS_MAX_NODES];
	bool idle; /* ps_kcompactd_set_idle: the host has nothing to run for a long while */
};

static inline PsPolicy *ps_policy_of(PsMachine *m)
{
	return (PsPolicy *)m->policy;
}

/* reclaim.c */
uint64_t ps_shrink_node(PsPolicy *p, int node, PsScanControl *sc);
void ps_shrink_node_begin(PsPolicy *p, int node, PsNodeScan *ns);
bool ps_shrink_node_step(PsPolicy *p, int node, PsNodeScan *ns);
void ps_snapshot_refaults(PsPolicy *p, int node);
/* The root memcg alone, its lruvecs empty (ps_policy_new). */
void ps_memcg_init(PsPolicy *p);
/* clear_pgdat_congested: kswapd found the node balanced */
void ps_clear_pgdat_congested(PsPolicy *p, int node);
uint64_t ps_try_to_free_pages(PsPolicy *p, const PsAllocContext *ac, uint64_t *cost_ns);

/* node_reclaim's results (mm/internal.h) */
enum ps_node_reclaim_result {
	PS_NODE_RECLAIM_NOSCAN = -2,
	PS_NODE_RECLAIM_FULL = -1,
	PS_NODE_RECLAIM_SOME = 0,
	PS_NODE_RECLAIM_SUCCESS = 1,
};
/* node_reclaim of zone_reclaim_mode, for an allocation context that found node short. */
enum ps_node_reclaim_result ps_node_reclaim(PsPolicy *p, int node, const PsAllocContext *ac);
uint64_t ps_zone_reclaimable_pages(const PsPolicy *p, const PsZone *z);
bool ps_pgdat_balanced(PsMachine *m, int node, unsigned order, int highest_zoneidx);

/* kswapd.c */
void ps_kswapd_init(PsPolicy *p);

/* compaction.c */
void ps_kcompactd_init(PsPolicy *p);
/* wakeup_kcompactd */
void ps_wakeup_kcompactd(PsPolicy *p, int node, unsigned order, int highest_zoneidx);
/* reset_isolation_suitable(pgdat): zones whose compact_blockskip_flush is set (kswapd sleep). */
void ps_reset_node_isolation_suitable(PsPolicy *p, int node);
/*
 * __alloc_pages_direct_compact: try_to_compact_pages at `prio` with capture, then the freelist.
 * Returns the page or PS_PFN_NONE; *result is the compaction result.
 */
ps_pfn_t ps_alloc_direct_compact(PsMachine *m, const PsAllocContext *ac, unsigned alloc_flags,
				 enum ps_compact_priority prio, enum ps_compact_result *result,
				 PsAllocOutcome *out);
/* should_compact_retry (with and without CONFIG_COMPACTION). */
bool ps_should_compact_retry(PsPolicy *p, const PsAllocContext *ac, unsigned alloc_flags,
			     enum ps_compact_result result, enum ps_compact_priority *prio,
			     int *retries);

/* slowpath.c, called by alloc.c when the fast path fails and a policy is attached. */
ps_pfn_t ps_alloc_slowpath(PsMachine *m, PsAllocContext *ac, PsAllocOutcome *out);
/* get_page_from_freelist, exported from alloc.c for the slow path. */
ps_pfn_t ps_get_page_from_freelist(PsMachine *m, const PsAllocContext *ac, unsigned alloc_flags,
				   PsAllocOutcome *out);

/* oom.c: out_of_memory. Returns true for "progress" (a kill, or a victim already pending). */
bool ps_out_of_memory(PsPolicy *p, const PsAllocContext *ac, uint64_t *wait_until);

/* PsHostOps.event at after_ns past now (see there); ps_host_event at now. */
static inline void ps_host_event_at(PsPolicy *p, const char *type, const char *const *keys,
				    const int64_t *vals, uint64_t after_ns)
{
	if (p->host.event)
		p->host.event(p->host.data, type, keys, vals, after_ns);
}

static inline void ps_host_event(PsPolicy *p, const char *type, const char *const *keys,
				 const int64_t *vals)
{
	ps_host_event_at(p, type, keys, vals, 0);
}

#endif
