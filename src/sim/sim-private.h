/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sim-private.h - what the files of sim/ share: the run (PsSim) and its records and processes,
 * and the functions one file of sim/ calls in another. Not a public API (that is sim.h).
 *
 *   replay.c    the loop: reads each record once, CPU queues, scheduling, machine-wide records
 *   process.c   the process model: processes, VMAs, allocations they own, faults, exit
 *   host.c      policy/'s host: reclaim eviction, OOM tasks, kill and reap, migration owners
 *   output.c    timeline, latency, events, summary and /proc files of the run directory
 *   snapshot.c  the start from a real machine's /proc/kpageflags
 *   snapshot-pcp.c  the pcp lists of that moment (zoneinfo, rebuilt from the trace)
 *   snapshot-cache.c  the loaded form of a dump, kept in the trace cache's directory
 *   fidelity.c  model counters next to the recorded kernel's
 *   pinned.c    the recorded placement (--mode pinned)
 */
#ifndef PS_SIM_PRIVATE_H
#define PS_SIM_PRIVATE_H

#include <string.h>

#include <cjson/cJSON.h>

#include "report/report.h"
#include "sim/sim.h"

G_BEGIN_DECLS

#define SIM_PID_CACHE 256 /* PsSim.pid_cache slots, a power of two */
/* One slot of PsSim.pid_cache: what the pid maps said of pid. */
typedef struct {
	int pid, pi; /* pi: its process, live or exited; -1 none */
	bool live;   /* in pid_map (sim_proc_find's answer), else at most exited */
} SimPidSlot;
#define PS_SIM_SNAPSHOT_ERROR (ps_sim_snapshot_error_quark())
GQuark ps_sim_snapshot_error_quark(void);

/*
 * A loaded /proc/kpageflags snapshot and the pages it left allocated. owned has one bit per pfn
 * of the machine's map: set while the page belongs to an allocation made before the trace
 * started ("unknown at start"). Written by snapshot.c at load and when such pages are freed or
 * compaction moves them.
 */
/* One pcp's count at the start: rebuilt from the trace, and implied by its first drain. */
typedef struct {
	int zone, cpu;
	int rebuilt; /* pages the prefill put on its lists */
	int implied; /* the count with which the pcp rules first drain where the kernel did */
	int added;   /* unnamed pages put on the lists for it */
} PsPcpStartCount;

typedef struct {
	char *path;
	char *pagetypeinfo_path; /* NULL without --proc */
	GBytes *kpf_bytes; /* the raw dump while loading (maybe a mapped cached copy), then NULL */
	const guint8 *kpf; /* its bytes */
	uint64_t nr_pfns;
	uint8_t *owned;
	/*
	 * kind and lru: read only while the start is built (the pcp prefill, the stale pass, the
	 * LRU seed and order), so freed once it is (ps_snapshot_drop_start_arrays, NULL from then
	 * on) and not part of the started state: a restored start has neither.
	 */
	uint8_t *kind; /* enum ps_alloc_kind per pfn of the map */
	/* per pfn of the map: a folio head on an LRU list (PS_SNAP_LRU_*), else 0 */
	uint8_t *lru;
	uint64_t free_pages[PS_MAX_NR_ZONES];
	uint64_t allocated_pages[PS_MAX_NR_ZONES];
	uint64_t flagless_taken[PS_MAX_NR_ZONES];
	uint64_t blocks[PS_MAX_NR_ZONES][PS_MT_TYPES]; /* by the vote rule */
	/*
	 * pagetypeinfo's "Number of blocks type" and "Free pages count per migrate type at order"
	 * rows, by zone index (node * PS_MAX_NR_ZONES + type, as PsMachine.zones): each node's
	 * zone is fitted to its own rows
	 */
	uint64_t real_blocks[PS_MAX_NODES * PS_MAX_NR_ZONES][PS_MT_TYPES];
	bool have_real[PS_MAX_NODES * PS_MAX_NR_ZONES];
	uint64_t real_free[PS_MAX_NODES * PS_MAX_NR_ZONES][PS_MT_PCPTYPES][PS_NR_ORDERS_MAX];
	bool have_real_free[PS_MAX_NODES * PS_MAX_NR_ZONES];
	/* free blocks the last fit left on a list other than their pageblock's (fit_free_lists) */
	uint64_t foreign_blocks[PS_MAX_NR_ZONES];
	uint16_t *votes; /* [pageblock * 3]: pages voting Unmovable, Movable, Reclaimable */
	uint64_t nr_blocks;
	uint64_t freed_pages;	     /* unknown-at-start pages the trace freed */
	uint64_t freed;		     /* and the frees that did it */
	char *zoneinfo_path;	     /* the pcp state came from here (policy runs with --proc) */
	uint64_t pcp_count_at_start; /* pcp pages it lists */
	uint64_t boost_at_start;     /* watermark boost pages it lists, all zones */
	int *pcp_start;		     /* [zone idx * nr_cpus + cpu]: zoneinfo's pcp count */
	int64_t *zoneinfo_free;	     /* [zone idx]: zoneinfo's "pages free", -1 when not read */
	uint64_t pcp_adopted;	     /* pcp pages rebuilt from the trace (ps_snapshot_prefill_*) */
	uint64_t pcp_taken_free;  /* of those, free in the snapshot (refilled before the trace) */
	GArray *pcp_start_counts; /* PsPcpStartCount: the counts the trace's first drains imply */
	uint64_t pcp_untraced_refreed; /* pcp pages freed again with no allocation (process.c) */
	bool stale_scanned;	       /* the trace was read for them (policy runs, not stdin) */
	uint64_t stale_freed; /* blocks the trace proved free at its start (snapshot-stale.c) */
	uint64_t stale_freed_pages; /* and their base pages */
	/* pageblocks given compaction skip hints at the start (snapshot-stale.c) */
	uint64_t compaction_skip_blocks;
	/* the first kcompactd run's resume seeded instead (ps_compaction_seed_resume): where, the
	 * pageblocks marked below it, the zone's defer shift */
	struct {
		bool seeded;
		unsigned defer_shift;
		uint64_t pfn, blocks;
	} compaction_resume;
	/* zones whose cached compaction scanner positions were seeded from the first run's begin
	 * (ps_compaction_seed_cached) */
	uint64_t compaction_cached_zones;
	uint64_t freed_first_pages; /* free in the dump, freed first by the trace: taken at start */
	uint64_t freed_first_left;  /* such pages left free (the zone's zoneinfo free count) */
	/*
	 * the start's pages the recording kernel's reclaim freed, in its order (PsStaleRun, what
	 * 5; snapshot-stale.c), and the snapshot LRU folios put at their inactive tails for them
	 */
	GArray *reclaim_order;
	bool trace_memcgs; /* a proc record of the trace named a memcg other than the root */
	struct {
		uint64_t folios, pages, deactivated;
		uint64_t offline_memcgs; /* made for the reclaim order (ps_memcg_split_offline) */
		/* its shares not made at PS_MEMCG_MAX: their folios stay on the parent's lists */
		uint32_t offline_shares_not_made;
	} lru_ordered;
	/* unknown-at-start blocks compaction moved: pfn at the snapshot <-> pfn now */
	GHashTable *moved_to, *moved_from;
	/*
	 * per pfn of the map, a bit: a key of moved_to (never removed, as moved_to's keys are not),
	 * so that a free of a pfn asks the table only about the heads that moved
	 */
	uint8_t *moved_bits;
	/*
	 * Speed only: per MAX_PAGE_ORDER-aligned block of pfns (pfn >> max_order, from the map's
	 * first), a byte: 1 once moved_bits has a head in it. A free's pfn can only have moved
	 * with a head inside its own such block, so a clear byte answers current_pfn at once.
	 */
	uint8_t *moved_blocks;
	uint64_t split_pages;	/* base pages of unknown-at-start blocks compaction split */
	uint64_t moved_pages;	/* base pages of such moves */
	char *vmstat_path;	/* the kcompactd state came from here (policy runs with --proc) */
	int kcompactd_deferred; /* nodes whose kcompactd starts in its proactive back-off */
	uint64_t compact_stall_at_start; /* that vmstat's compact_stall (0 without one) */
	/* the recording machine check (ps_snapshot_check_machine): where the snapshot's MACHINE
	 * file is looked for, what it says ("" none), and the verdict (NULL: not checked) */
	char *machine_dir;
	char machine[sizeof(((PsTraceHeader *)0)->machine)];
	const char *machine_check;
	/* the loaded-state cache entry that kind and lru (and the load's arrays) lie in, mapped
	 * read only (snapshot-cache.c); NULL when they are the snapshot's own (a classification) */
	GMappedFile *state_map;
} PsSnapshot;

/* Reads the dump and loads it into m (ps_machine_load_state); --proc DIR checks pagetypeinfo. */
PsSnapshot *ps_snapshot_load(PsMachine *m, const char *path, const char *proc_dir, GError **error);
/* The same, the dump read through the inflated-copy cache in cache_dir (NULL: none). */
PsSnapshot *ps_snapshot_load_cached(PsMachine *m, const char *path, const char *proc_dir,
				    const char *cache_dir, GError **error);
void ps_snapshot_free(PsSnapshot *snap);
/* Frees kind and lru once the start is built (both NULL after; NULL already is fine). */
void ps_snapshot_drop_start_arrays(PsSnapshot *snap);
/* A snapshot of the machine's size with nothing loaded yet (the path kept). */
PsSnapshot *ps_snapshot_new(const PsMachine *m, const char *path);
/*
 * The snapshot's state as a table of saved arrays (util/state.c), restored into a
 * ps_snapshot_new; a start that compaction or a free of the trace has moved pages of is not
 * saved (asserted). The started-state cache's part (start-cache.c).
 */
void ps_snapshot_state(PsSnapshot *snap, const PsMachine *m, PsStateTable *t);
/*
 * After a restore (ps_snapshot_state saves the --proc files' names, not their directory): each
 * of them made PROC_DIR/NAME again, as the cold start spells it (read_pagetypeinfo,
 * ps_snapshot_seed_pcp, ps_snapshot_seed_kcompactd), with this run's proc_dir.
 */
void ps_snapshot_paths_restore(PsSnapshot *snap, const char *proc_dir);
/*
 * The machine state being built from a dump's flags (snapshot.c), indexed by pfn - base_pfn
 * (pbmt: by pageblock); what ps_machine_load_state takes.
 */
typedef struct {
	uint8_t *state; /* PS_SNAP_* */
	uint8_t *head_order;
	uint8_t *movable;
	uint8_t *pbmt;
} PsSnapArrays;

/*
 * The loaded-state cache (snapshot-cache.c): the entry's path in cache_dir for this dump and
 * layout (boot_pbmt: the pageblock types before the load), with the dump's digest and the layout
 * hash to check it by; NULL without a cache or when the dump cannot be hashed. _read says whether
 * the entry was whole and matching (a bad one is reported on stderr, nothing changed) and then
 * gives the classification's results: snap's counts and votes and a->pbmt copied, a's state,
 * head_order and movable and snap's kind and lru pointed into the entry, mapped read only
 * (snap->state_map); _write keeps them.
 */
char *ps_snapshot_cache_entry(const char *cache_dir, const char *kpageflags, const PsMachine *m,
			      const uint8_t *boot_pbmt, uint64_t nblocks, char **digest,
			      uint64_t *layout);
bool ps_snapshot_cache_read(const char *entry, const char *digest, uint64_t layout,
			    PsSnapshot *snap, PsSnapArrays *a, uint64_t npages, uint64_t nblocks);
void ps_snapshot_cache_write(const char *entry, const char *digest, uint64_t layout,
			     const PsSnapshot *snap, const PsSnapArrays *a, uint64_t npages,
			     uint64_t nblocks);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsSnapshot, ps_snapshot_free)
/* The pageblock of b's votes: pages for Unmovable, Movable, Reclaimable (snapshot.c). */
uint16_t *ps_snapshot_block_votes(const PsSnapshot *snap, const PsMachine *m, ps_pfn_t b);
/* Retypes z's pageblocks to pagetypeinfo's counts, ranked by the votes (snapshot.c). */
void ps_snapshot_fit_block_counts(PsSnapshot *snap, PsMachine *m, PsZone *z);
/* The file of the same moment as a kpageflags dump: "before.kpageflags.gz" -> DIR/before.NAME. */
char *ps_snapshot_sibling(const char *kpageflags, const char *dir, const char *name);
void ps_snapshot_check_machine(PsSnapshot *snap, const char *trace_machine);
/* Restores the snapshot moment's pcp high (proc_dir's zoneinfo); see snapshot.c. */
gboolean ps_snapshot_seed_pcp(PsSnapshot *snap, PsMachine *m, const char *proc_dir, GError **error);
/* Starts kcompactd as the snapshot moment's was: in its proactive back-off (snapshot-pcp.c). */
void ps_snapshot_seed_kcompactd(PsSnapshot *snap, PsPolicy *policy, const char *proc_dir);
/*
 * Rebuilds the pcp lists of the snapshot moment from the trace: a page the trace allocates on a
 * cpu that neither a recorded refill nor a free put on that cpu's lists was already there. Such
 * pages (unknown-at-start allocations in the snapshot) move onto the list the allocation takes
 * them from, in the order it does, up to zoneinfo's count per cpu and zone. The records are fed
 * in trace order before any of them runs (replay.c reads them ahead once and keeps them), while
 * ps_snapshot_prefill_wants; _end finishes the lists and frees the prefill. _begin is NULL when
 * there is nothing to rebuild (no zoneinfo pcp counts).
 */
typedef struct PsPcpPrefill PsPcpPrefill;
PsPcpPrefill *ps_snapshot_prefill_begin(PsSnapshot *snap, PsMachine *m);
bool ps_snapshot_prefill_wants(const PsPcpPrefill *pf);
/* the trace's header: a portable import's pcp_start fills the lists (snapshot-pcp.c) */
void ps_snapshot_prefill_header(PsPcpPrefill *pf, const PsTraceHeader *hdr);
void ps_snapshot_prefill_feed(PsPcpPrefill *pf, const PsTraceEvent *ev);
void ps_snapshot_prefill_end(PsPcpPrefill *pf);
/*
 * The start-count walk (snapshot-pcp.c): _feed walks each record it reads; after _apply (records
 * not read), the records are handed to _walk while _walking is true.
 */
bool ps_snapshot_prefill_walking(const PsPcpPrefill *pf);
void ps_snapshot_prefill_walk(PsPcpPrefill *pf, const PsTraceEvent *ev);
/*
 * The walk's outcome as u32 words, kept in the cache (.walk) so that a later run does not walk
 * the trace again: _walk_key names what it depends on besides the trace (the machine's memory
 * map, cpus, pcp orders, zones with pcp lists, and which walks the snapshot's counts open);
 * _walks_save appends the walks as they are to out (uint32_t); _walks_load restores them, false
 * (nothing changed) when the words do not decode for this prefill.
 */
uint64_t ps_snapshot_prefill_walk_key(const PsPcpPrefill *pf);
void ps_snapshot_prefill_walks_save(const PsPcpPrefill *pf, GArray *out);
bool ps_snapshot_prefill_walks_load(PsPcpPrefill *pf, const uint32_t *w, uint64_t n);
/*
 * After a restored walk: while _naming is true, hand the trace's records from its start to _name
 * (the pfns the walk read, for the pages a list is filled with; read only when one is).
 */
bool ps_snapshot_prefill_naming(PsPcpPrefill *pf);
void ps_snapshot_prefill_name(PsPcpPrefill *pf, const PsTraceEvent *ev);
/*
 * The prefill's candidates: the records it could take a page from (the first to name their pfn,
 * of a pcp order on a cpu of the machine), with their place in the trace. They depend on the
 * trace and on the machine's cpus, memory map and pcp orders (ps_snapshot_prefill_machine_key),
 * not on the snapshot, so they are kept in the cache (snapshot-cache.c) and a later run applies
 * them without reading the trace ahead. _collect makes the feed read the records to the limit
 * and keep every candidate (ps_snapshot_prefill_candidates); _apply takes the pages of a kept
 * list exactly as feeding its records would.
 */
typedef struct {
	uint64_t index; /* the record's position in the trace, from 0 */
	uint64_t pfn;
	int32_t cpu;
	uint8_t order;
	uint8_t drain; /* a pcp drain (else an allocation) */
	uint8_t mt;    /* the pcp list's migratetype */
	uint8_t pad;
} PsPrefillCand;
G_STATIC_ASSERT(sizeof(PsPrefillCand) == 24);
void ps_snapshot_prefill_collect(PsPcpPrefill *pf);
const GArray *ps_snapshot_prefill_candidates(const PsPcpPrefill *pf);
void ps_snapshot_prefill_apply(PsPcpPrefill *pf, const PsPrefillCand *cands, uint64_t n);
uint64_t ps_snapshot_prefill_machine_key(const PsMachine *m);
/* snapshot-stale.c: a run of pfns (from the map's base) whose first record is of one kind */
typedef struct {
	uint64_t start, len;
	uint64_t what; /* its pages' first record: 1 an allocation, 3 a free (snapshot-stale.c) */
} PsStaleRun;
/*
 * memcg.c: a run of pfns (from the map's base) charged alike in kpagecgroup: what is the memcg id,
 * or PS_MEMCG_RUN_UNKNOWN (an inode the memcgs file does not list) or PS_MEMCG_RUN_BEYOND (past
 * the dump's end); pages of the root or of no memcg are in no run.
 */
typedef struct {
	uint64_t start, len, what;
} PsMemcgRun;
#define PS_MEMCG_RUN_UNKNOWN 0x10000u
#define PS_MEMCG_RUN_BEYOND  0x10001u
/*
 * What a snapshot start keeps from the trace in the cache (snapshot-cache.c): the prefill's
 * candidates (.pcp, PsPrefillCand) or the stale pass's runs (.stale, PsStaleRun); and from a
 * kpagecgroup dump (its digest for the trace's) its memcg runs (.memcg, PsMemcgRun). _lookup sets
 * *entry to its path in cache_dir for the trace of trace_digest on a machine of machine_key (NULL
 * without either) and maps a whole, matching entry there (NULL otherwise, a bad one reported on
 * stderr), giving its items; _write keeps them at entry.
 */
typedef enum { PS_DERIVED_PCP, PS_DERIVED_STALE, PS_DERIVED_WALK, PS_DERIVED_MEMCG } PsDerivedKind;
GMappedFile *ps_derived_cache_lookup(const char *cache_dir, PsDerivedKind kind,
				     const char *trace_digest, uint64_t machine_key, char **entry,
				     const void **items, uint64_t *n);
void ps_derived_cache_write(const char *entry, PsDerivedKind kind, const char *trace_digest,
			    uint64_t machine_key, const void *items, uint64_t n);
/*
 * Whether every page of the block is one the snapshot left allocated and no record owns yet
 * (PsSnapshot.owned); _own and _disown set and clear them. Inline: a snapshot start calls them
 * for each of ~500 k LRU folios.
 */
static inline bool ps_snapshot_owns(const PsSnapshot *snap, const PsMachine *m, ps_pfn_t pfn,
				    unsigned order)
{
	uint64_t i0 = pfn - m->map.base_pfn;

	if (pfn < m->map.base_pfn || (uint64_t)pfn + (1u << order) > m->map.end_pfn)
		return false;
	if (!order) /* most LRU folios: one bit */
		return snap->owned[i0 / 8] >> (i0 % 8) & 1;
	for (ps_pfn_t p = pfn; p < pfn + (1u << order); p++) {
		uint64_t i = p - m->map.base_pfn;

		if (!(snap->owned[i / 8] & (1u << (i % 8))))
			return false;
	}
	return true;
}

static inline void ps_snapshot_own(PsSnapshot *snap, const PsMachine *m, ps_pfn_t pfn,
				   unsigned order)
{
	for (ps_pfn_t p = pfn; p < pfn + (1u << order); p++) {
		uint64_t i = p - m->map.base_pfn;

		snap->owned[i / 8] |= (uint8_t)(1u << (i % 8));
	}
}

static inline void ps_snapshot_disown(PsSnapshot *snap, const PsMachine *m, ps_pfn_t pfn,
				      unsigned order)
{
	uint64_t i0 = pfn - m->map.base_pfn;

	if (!order) {
		snap->owned[i0 / 8] &= (uint8_t) ~(1u << (i0 % 8));
		return;
	}
	for (ps_pfn_t p = pfn; p < pfn + (1u << order); p++) {
		uint64_t i = p - m->map.base_pfn;

		snap->owned[i / 8] &= (uint8_t) ~(1u << (i % 8));
	}
}
/*
 * The first index from i on whose byte of a[0..n) is not 0 (n when none), 8 bytes a step: the
 * walks over PsSnapshot.lru (one byte a pfn, most of them 0).
 */
static inline uint64_t sim_next_nonzero(const uint8_t *a, uint64_t i, uint64_t n)
{
	while (i < n && (i & 7))
		if (a[i++])
			return i - 1;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, a + i, 8);
		if (w)
			break;
	}
	while (i < n && !a[i])
		i++;
	return i;
}

/*
 * The task that made a proc record's task (0: none known): its `parent` when the fork copied
 * the memory, else `forked_by` (a vfork or a thread). Both are pids >= 1 when present.
 */
static inline int sim_proc_forker(const PsTraceEvent *ev)
{
	return ev->value ? (int)ev->value : ev->forked_by;
}
cJSON *ps_snapshot_to_json(const PsSnapshot *snap, const PsMachine *m);
void ps_snapshot_format(const PsSnapshot *snap, GString *out);
/*
 * A trace free whose id is unknown but whose pfn and order name pages the snapshot left
 * allocated: reshapes them into one block and frees it on cpu. FALSE when the pages are not
 * (all) unknown-at-start allocations; nothing is changed then.
 */
bool ps_snapshot_free_pages(PsSnapshot *snap, PsMachine *m, const PsTraceEvent *ev, int cpu);
/*
 * PsSnapshot.lru: folio order in the low bits, then on-list, active, and in the top two bits the
 * folio's type (one of the four values under PS_SNAP_LRU_TYPE). A shmem page on no evictable
 * list (unevictable, or not yet on a list) is the byte PS_SNAP_LRU_SHMEM alone: page cache the
 * start counts (sim_snapshot_lru_seed) but does not link.
 */
#define PS_SNAP_LRU_ORDER  0x0f
#define PS_SNAP_LRU_ON	   0x10
#define PS_SNAP_LRU_ACTIVE 0x20
#define PS_SNAP_LRU_TYPE   0xc0
#define PS_SNAP_LRU_FILE   0x00 /* clean file page cache (the file lists) */
#define PS_SNAP_LRU_DIRTY  0x40 /* dirty or under writeback file page cache */
#define PS_SNAP_LRU_ANON   0x80 /* anonymous (the anon lists) */
#define PS_SNAP_LRU_SHMEM  0xc0 /* tmpfs/shmem page cache: swap-backed, the anon lists */
/* Compaction moved an unknown-at-start block (owner PS_OWNER_UNKNOWN_AT_START) from old to new. */
void ps_snapshot_moved(PsSnapshot *snap, PsMachine *m, ps_pfn_t old_pfn, ps_pfn_t new_pfn);
/*
 * Compaction found no target for the unknown-at-start block at pfn (order > 0): split it to base
 * pages, each still unknown at start (try_split_folio). FALSE when it is not such a block.
 */
bool ps_snapshot_split(PsSnapshot *snap, PsMachine *m, ps_pfn_t pfn);

/*
 * Fidelity: the allocator-internal counters the model produced, through PsMmHooks, next to the
 * ones the kernel recorded (observed records, seen in trace order).
 */
typedef struct PsFidelity PsFidelity;
PsFidelity *ps_fidelity_new(PsMachine *m);
void ps_fidelity_free(PsFidelity *f);
/* Every trace record, in trace order (groups observed refills and drains per cpu). */
void ps_fidelity_record(PsFidelity *f, const PsTraceEvent *ev);

/* What the previous record of a cpu was, for grouping observed runs. */
typedef struct {
	int kind; /* 0 other, 1 refill block, 2 drain block */
	int order, mt;
} PsFidelityCpuLast;

/* The fidelity table's counters (fidelity.c), a model side and an observed side of each. */
enum ps_fid_counter {
	FID_PCP_REFILLS,
	FID_PCP_REFILL_PAGES,
	FID_REFILL_PAGES_MT, /* + migratetype, for the three pcp types */
	FID_DIRECT_BUDDY = FID_REFILL_PAGES_MT + PS_MT_PCPTYPES,
	FID_PCP_DRAINS,
	FID_PCP_DRAIN_PAGES,
	FID_DRAIN_PAGES_MT, /* + migratetype */
	FID_FALLBACKS = FID_DRAIN_PAGES_MT + PS_MT_PCPTYPES,
	FID_FRAGMENTING,
	FID_BOOSTS,
	FID_BOOSTING_CLAIMS,
	FID_COMPACTION_RUNS,
	FID_COMPACTION_CONTENDED,
	FID_PAGES_MIGRATED,
	FID_KSWAPD_WAKES,
	FID_DIRECT_RECLAIMS,
	FID_NR
};

/*
 * The start of every PsFidelity, public so that ps_fidelity_note and ps_fidelity_observed read
 * it inline: a GArray of PsFidelityCpuLast by cpu of the recording, grown on demand; the
 * observed side's counts.
 */
typedef struct {
	GArray *last;
	guint open; /* entries of last in a run (kind not 0) */
	uint64_t obs[FID_NR];
	uint64_t observed_records;
} PsFidelityHead;

/* A refill's block (mm_page_alloc_zone_locked with percpu_refill=1): its pages, by type. */
static inline void ps_fidelity_refill_pages(PsFidelityHead *h, const PsTraceEvent *ev)
{
	h->obs[FID_PCP_REFILL_PAGES] += 1ull << ev->order;
	if (ev->migratetype >= 0 && ev->migratetype < PS_MT_PCPTYPES)
		h->obs[FID_REFILL_PAGES_MT + ev->migratetype] += 1ull << ev->order;
}

/* A drained block (mm_page_pcpu_drain): its pages, by type. */
static inline void ps_fidelity_drain_pages(PsFidelityHead *h, const PsTraceEvent *ev)
{
	h->obs[FID_PCP_DRAIN_PAGES] += 1ull << ev->order;
	if (ev->migratetype >= 0 && ev->migratetype < PS_MT_PCPTYPES)
		h->obs[FID_DRAIN_PAGES_MT + ev->migratetype] += 1ull << ev->order;
}

/*
 * ps_fidelity_record for every record, with the common record's work inline: a record that is
 * not an observed one only ends its cpu's observed run (kind 0), which is nothing to do when no
 * run is open (the call was ~24 instructions a record of a replay), on no cpu (open 0: one test,
 * not four, for a record of a portable recording).
 */
G_ALWAYS_INLINE static inline void ps_fidelity_note(PsFidelity *f, const PsTraceEvent *ev)
{
	const PsFidelityHead *h = (const PsFidelityHead *)(const void *)f;

	if (ev->op != PS_OP_OBSERVED &&
	    (!h->open || ev->cpu < 0 || (guint)ev->cpu >= h->last->len ||
	     g_array_index(h->last, PsFidelityCpuLast, ev->cpu).kind == 0))
		return;
	ps_fidelity_record(f, ev);
}

/*
 * ps_fidelity_record for an observed record (op PS_OP_OBSERVED), with the commonest ones inline:
 * a block that continues its cpu's refill of the same order and type, or its cpu's drain (a
 * refill's or a drain's blocks are a record each: most of a pressure recording's observed
 * records), counts its pages and changes nothing else, as ps_fidelity_record counts it.
 */
G_ALWAYS_INLINE static inline void ps_fidelity_observed(PsFidelity *f, const PsTraceEvent *ev)
{
	PsFidelityHead *h = (PsFidelityHead *)(void *)f;
	const PsFidelityCpuLast *l;

	if ((guint)ev->cpu >= h->last->len) /* no cpu (not counted), or a cpu not seen yet */
		goto call;
	l = &g_array_index(h->last, PsFidelityCpuLast, ev->cpu);
	if (ev->event == PS_OBS_ZONE_LOCKED && ev->percpu_refill == 1 && l->kind == 1 &&
	    l->order == ev->order && l->mt == ev->migratetype) {
		h->observed_records++;
		ps_fidelity_refill_pages(h, ev);
		return;
	}
	if (ev->event == PS_OBS_PCPU_DRAIN && l->kind == 2) {
		h->observed_records++;
		ps_fidelity_drain_pages(h, ev);
		return;
	}
call:
	ps_fidelity_record(f, ev);
}
/* One model compact_zone run past the suitability check, where its scanners started. */
void ps_fidelity_compact_run(PsFidelity *f, const PsZone *z, ps_pfn_t migrate_start,
			     ps_pfn_t free_start);
bool ps_fidelity_has_observed(const PsFidelity *f);
/* Its counters and per-cpu runs as a table of saved arrays (util/state.c). */
void ps_fidelity_state(PsFidelity *f, PsStateTable *t);
/* The recording's vmstat before and after: the counters without a tracepoint, as deltas. */
gboolean ps_fidelity_read_vmstat(PsFidelity *f, const char *before, const char *after,
				 GError **error);
/* The "fidelity" section: [{counter, source, simulated, observed, ratio}, ...]. */
cJSON *ps_fidelity_to_json(const PsFidelity *f);

/* ---- the run ------------------------------------------------------------------------------ */

#define REC_NONE    UINT32_MAX
#define REC_LIVE    0x1
#define REC_TOUCH   0x2 /* faulted in by a touch record */
#define REC_THP	    0x4
#define REC_GONE    0x8		   /* reclaimed or reaped: the owner's copy has no pages */
#define REC_SWAPPED 0x10	   /* ... and its content is in swap */
#define REC_CACHE   0x20	   /* a page-cache folio of a cache_add (id: its first index) */
#define REC_SNAP    0x80	   /* an LRU folio of the starting snapshot (id: its first pfn) */
#define REC_PGTABLE 0x40	   /* a PTE page of a process (with REC_TOUCH; id: PMD range) */
#define REC_RETRY   (REC_NONE - 1) /* do_alloc: retry the record later (OOM reap pending) */
/* A process's pgt entry for a page-cache page mapped by a `touch` of kind file (no record) */
#define PGT_FILE UINT32_MAX
/* Trace ids below this go in a flat array; larger ones in a hash table. */
#define ID_ARRAY_MAX (1u << 26)
/* One allocation of the trace or one faulted user page; index = record number. */
typedef struct {
	ps_pfn_t pfn;
	uint8_t order;
	uint8_t mt; /* request migratetype */
	uint8_t kind;
	uint8_t flags;
	uint16_t cpu;
	int32_t proc; /* owning process index, -1 none */
	uint32_t own; /* its index in the owner's Proc.own */
	uint64_t id;  /* trace id (not REC_TOUCH) or vpn (REC_TOUCH) */
} Rec;

/*
 * A cpu whose first queued record is an allocation waiting for an OOM victim (replay.c,
 * oom_wait_*): frees of other tasks' memory run past it, and each brings its retry forward.
 */
typedef struct {
	bool on;	  /* a record waits */
	int pid;	  /* its task */
	uint64_t gen;	  /* the exec event that retries it carries gen in arg1; others are stale */
	uint64_t wake_at; /* when that event is due */
	uint64_t next_try; /* its last attempt's end: no retry before */
	uint64_t stall_to; /* the wait its attempt counted in stall_ns and oom_wait_ns, up to */
	uint64_t nodemask; /* the zones its allocation may use: these nodes (0 = all) ... */
	enum ps_zone_type highest_zoneidx; /* ... up to this zone type */
} OomWait;

/* A ring of slot indices. */
typedef struct {
	uint32_t *buf;
	uint32_t cap, head, len;
} CpuQueue;

/*
 * Page tables (pgtable.c). A pool holds the empty leaves and directories of a run's tables; a table
 * maps a process's vpns to record + 1 (0: not mapped) and counts the base pages mapped per PMD
 * range of 2^leaf_shift pages. Only process.c writes them; cache is the leaf last looked up.
 */
typedef struct SimPgLeaf SimPgLeaf;
/*
 * One page-table page above the PTE level of a process: level 1 a PMD table, 2 a PUD table, up
 * to the PGD; it covers the vpns whose vpn >> ((level + 1) * (page_shift - 3)) is key. ri: its
 * record, REC_NONE when it takes no page (a PGD in a slab object, a failed allocation).
 */
typedef struct {
	uint64_t key;
	uint32_t ri;
	uint32_t level;
} SimUpperTable;
typedef struct {
	unsigned leaf_shift;  /* thp_order: one leaf per PMD range */
	GPtrArray *free;      /* SimPgLeaf, all zero */
	GPtrArray *free_dirs; /* directories (pgtable.c), all slots empty */
} SimPgPool;
typedef struct {
	SimPgPool *pool;
	void *root;	     /* NULL when nothing is mapped */
	uint16_t height;     /* directory levels; keys (vpn >> leaf_shift) < 1 << (9 * height) */
	uint16_t leaf_shift; /* pool->leaf_shift */
	uint32_t leaf_mask;  /* (1 << leaf_shift) - 1: a vpn's entry in its leaf */
	uint64_t cache_key;  /* vpn >> leaf_shift of cache */
	SimPgLeaf *cache;    /* NULL: none */
} SimPgTable;

void sim_pgt_pool_init(SimPgPool *pool, unsigned leaf_shift);
void sim_pgt_pool_clear(SimPgPool *pool);
void sim_pgt_init(SimPgTable *t, SimPgPool *pool);
/* One PMD range: nr_mapped counts the nonzero entries (the table frees the leaf at 0). */
struct SimPgLeaf {
	uint32_t nr_mapped;
	uint32_t ent[];
};
/*
 * sim_pgt_get, _pmd_mapped and _set look at the cached leaf inline (a touch faults page after
 * page of one PMD range: three calls a page) and walk the table out of line otherwise.
 */
uint32_t sim_pgt_get_lookup(SimPgTable *t, uint64_t vpn);
uint32_t sim_pgt_pmd_mapped_lookup(SimPgTable *t, uint64_t vpn);
void sim_pgt_set_lookup(SimPgTable *t, uint64_t vpn, uint32_t v);
static inline SimPgLeaf *sim_pgt_cached(const SimPgTable *t, uint64_t vpn)
{
	return t->cache && t->cache_key == vpn >> t->leaf_shift ? t->cache : NULL;
}

static inline uint32_t sim_pgt_get(SimPgTable *t, uint64_t vpn)
{
	SimPgLeaf *l = sim_pgt_cached(t, vpn);

	return l ? l->ent[vpn & t->leaf_mask] : sim_pgt_get_lookup(t, vpn);
}

/* Base pages mapped in vpn's PMD range (0: pmd_none). */
static inline uint32_t sim_pgt_pmd_mapped(SimPgTable *t, uint64_t vpn)
{
	SimPgLeaf *l = sim_pgt_cached(t, vpn);

	return l ? l->nr_mapped : sim_pgt_pmd_mapped_lookup(t, vpn);
}

/*
 * vpn's leaf, which becomes the cached one; NULL when nothing is mapped in its PMD range. A
 * fault asks once and reads and writes the entry through it (sim_pgt_leaf_ent, _leaf_set): the
 * three cache tests of _get, _pmd_mapped and _set were ~26 instructions a fault. The pointer is
 * good until the table is next edited (a clear may free the leaf).
 */
SimPgLeaf *sim_pgt_leaf_lookup(SimPgTable *t, uint64_t vpn);
static inline SimPgLeaf *sim_pgt_leaf(SimPgTable *t, uint64_t vpn)
{
	SimPgLeaf *l = sim_pgt_cached(t, vpn);

	return l ? l : sim_pgt_leaf_lookup(t, vpn);
}

/* vpn's entry in l, vpn's leaf. */
static inline uint32_t *sim_pgt_leaf_ent(const SimPgTable *t, SimPgLeaf *l, uint64_t vpn)
{
	return &l->ent[vpn & t->leaf_mask];
}

/*
 * Maps vpn (not mapped) to v (not 0) in l, vpn's leaf or NULL (the table is walked, and the
 * leaf made when there is none).
 */
static inline void sim_pgt_leaf_set(SimPgTable *t, SimPgLeaf *l, uint64_t vpn, uint32_t v)
{
	uint32_t *e;

	if (!l) {
		sim_pgt_set_lookup(t, vpn, v);
		return;
	}
	e = sim_pgt_leaf_ent(t, l, vpn);
	g_assert(v != 0 && *e == 0);
	*e = v;
	l->nr_mapped++;
}

/*
 * Maps every vpn of [from, to) not mapped yet to v (not 0) in l, the leaf of all of them;
 * returns how many it mapped. A file fault maps the unmapped pages of its fault_around window
 * (up to 16, in one PTE page): a get and a set each, two cache tests and the entry's checks,
 * were 1.5 % of build-portable's replay (30,746 file faults).
 */
static inline uint32_t sim_pgt_leaf_fill(SimPgTable *t, SimPgLeaf *l, uint64_t from, uint64_t to,
					 uint32_t v)
{
	uint32_t n = 0;

	g_assert(v != 0);
	for (uint64_t u = from; u < to; u++) {
		uint32_t *e = sim_pgt_leaf_ent(t, l, u);

		if (!*e) {
			*e = v;
			n++;
		}
	}
	l->nr_mapped += n;
	return n;
}

/* Maps vpn (not mapped) to v (not 0). */
static inline void sim_pgt_set(SimPgTable *t, uint64_t vpn, uint32_t v)
{
	sim_pgt_leaf_set(t, sim_pgt_cached(t, vpn), vpn, v);
}
/* Unmaps vpn (mapped). */
void sim_pgt_clear_lookup(SimPgTable *t, uint64_t vpn);
/*
 * Inline when vpn's leaf is the cached one and keeps another entry: an unmap clears page after
 * page of one leaf, each a call, a second cache test and the entry's checks (~33 instructions a
 * page on churn-portable); the lookup when the leaf is another or goes with this entry.
 */
static inline void sim_pgt_clear(SimPgTable *t, uint64_t vpn)
{
	SimPgLeaf *l = sim_pgt_cached(t, vpn);
	uint32_t *e;

	if (!l || l->nr_mapped <= 1) {
		sim_pgt_clear_lookup(t, vpn);
		return;
	}
	e = sim_pgt_leaf_ent(t, l, vpn);
	g_assert(*e != 0);
	*e = 0;
	l->nr_mapped--;
}
/*
 * sim_pgt_clear of vpn (mapped) in l, the cached leaf that holds it; false when the leaf went
 * with this entry (it is then in the pool: l must not be read again). An unmap clears page
 * after page of the leaf it found: neither the cache test of sim_pgt_clear nor one before each
 * page to learn whether the leaf is still there (~10 instructions a page of churn-portable).
 */
static inline bool sim_pgt_leaf_clear(SimPgTable *t, SimPgLeaf *l, uint64_t vpn)
{
	uint32_t *e;

	if (l->nr_mapped <= 1) {
		sim_pgt_clear_lookup(t, vpn);
		return false;
	}
	e = sim_pgt_leaf_ent(t, l, vpn);
	g_assert(*e != 0);
	*e = 0;
	l->nr_mapped--;
	return true;
}
/* The first mapped vpn in [vpn, end), end when there is none. */
uint64_t sim_pgt_next_mapped(SimPgTable *t, uint64_t vpn, uint64_t end);
void sim_pgt_clear_all(SimPgTable *t);

/* What sim/memcg.c counted. */
typedef struct {
	bool loaded;		    /* the snapshot had memcgs and kpagecgroup */
	uint64_t snapshot_memcgs;   /* memcgs the snapshot's memcgs file listed */
	uint64_t trace_memcgs;	    /* memcgs first named by the trace */
	uint64_t charged_folios;    /* snapshot LRU folios charged to a memcg other than the root */
	uint64_t charged_pages;	    /* and their pages */
	uint64_t unknown_ino_pages; /* kpagecgroup inode numbers the memcgs file did not list */
	uint64_t beyond_dump_pages; /* pfns of the map past the kpagecgroup dump's end: root */
	uint64_t over_max;	    /* memcgs beyond PS_MEMCG_MAX, charged to their parent */
	uint64_t limited;	    /* memcgs with a limit (not modelled) */
} SimMemcgStats;

/*
 * A process's mappings (vma.c): disjoint ranges sorted by start address, in blocks of up to
 * SIM_VMA_BLOCK; a pointer to one stays good until the set is next changed (an insert, a removal,
 * a clear), a trim of a mapping in place aside.
 */
#define SIM_VMA_BLOCK_SHIFT 6
#define SIM_VMA_BLOCK	    (1u << SIM_VMA_BLOCK_SHIFT)
typedef struct {
	uint32_t n; /* mappings held, 1..SIM_VMA_BLOCK */
	PsVma v[SIM_VMA_BLOCK];
} SimVmaBlock;
typedef struct {
	/* none empty, in address order; room for the power of two at or above nr_blocks */
	SimVmaBlock **blocks;
	uint32_t nr_blocks;
	/* sim_vma_find's last mapping found: block << SIM_VMA_BLOCK_SHIFT | index, + 1; 0: none
	 * (any insert or removal resets it) */
	uint32_t hit;
} SimVmas;

/* Frees every mapping (an exit); the set is empty and usable after. */
void sim_vmas_clear(SimVmas *vs);
/* Adds v, which overlaps no mapping of the set (sim_vma_remove its range first). */
void sim_vma_insert(SimVmas *vs, const PsVma *v);
/* Removes [start, end), trimming the mappings it cuts and splitting one it cuts in the middle;
 * true when any mapping was in the range. */
bool sim_vma_remove(SimVmas *vs, uint64_t start, uint64_t end);
/* The first mapping that ends above addr (NULL: none) and *prev the one before it (the last
 * mapping when none ends above addr; NULL when there is none before). */
const PsVma *sim_vma_lower(const SimVmas *vs, uint64_t addr, const PsVma **prev);
/*
 * The mapping holding addr, NULL when none. The last one found is tried first: touches run
 * through one mapping (the kernel kept a per-thread vmacache for the same reason).
 */
const PsVma *sim_vma_find(SimVmas *vs, uint64_t addr);

/* khugepaged.c: the thread's list of mms and its cursor. */
typedef struct {
	GArray *mms;	  /* int: the registered processes, in list order */
	uint8_t *reg;	  /* [process index]: on the list */
	guint reg_len;	  /* reg's length */
	int cursor;	  /* khugepaged_scan.mm_slot: a process index, -1 none */
	uint64_t address; /* khugepaged_scan.address: bytes */
	int cpu;	  /* the thread's cpu, -1 before its first wake */
	bool pending;	  /* a pass is scheduled */
	bool in_pass;	  /* a pass sleeps after a failed allocation */
	bool wait;	  /* ... for the first time */
	uint32_t progress, pass_through_head;
} SimKhugepaged;

/* A process of the trace. */
typedef struct {
	int pid;
	char comm[16];
	int oom_score_adj;
	bool exited;
	bool killed;	/* chosen by the OOM killer; its later records are skipped */
	uint16_t memcg; /* the memcg its memory is charged to (policy/reclaim.c's id) */
	/*
	 * The records it owns in the order they became its own (REC_NONE: one that went since);
	 * exit frees them newest first. An array, not a list through the records: the exit walk
	 * reads it in order and loads the records ahead of their turn.
	 */
	uint32_t *own;
	uint32_t own_len, own_cap, own_live;
	/*
	 * A `proc`'s parent whose tables it still has to copy; 0 = none. Here, in the hole after
	 * own_live, the struct is 512 bytes: proc_at indexes with a shift (at 520 bytes with it at
	 * the end, with a multiply: 48 -> 67 M instructions of a kbuild replay).
	 */
	int fork_parent;
	uint64_t rss_pages;
	uint64_t kind_pages[PS_NR_ALLOC_KINDS]; /* resident pages by kind */
	PsMempolicy pol;			/* the task's policy (set_mempolicy), from `proc` */
	uint64_t swap_pages;
	/* summary.json's procs: what this process's records did, in pages of the machine */
	uint64_t anon_faults;		       /* faults served with a base page */
	uint64_t anon_peak_pages;	       /* highest kind_pages[PS_KIND_ANON] */
	uint64_t anon_final_pages;	       /* kind_pages[PS_KIND_ANON] at exit */
	uint64_t file_added_pages;	       /* page cache its cache_add records brought in */
	uint64_t pgtable_peak_pages;	       /* highest kind_pages[PS_KIND_PAGETABLE] */
	uint64_t thp_faults[PS_NR_ORDERS_MAX]; /* faults served with a large folio, by order */
	SimVmas vmas;			       /* its mappings (vma.c) */
	SimPgTable pgt;	    /* vpn -> record + 1 of the pages touch faulted in, PGT_FILE for a
			       page-cache page a file touch mapped */
	uint64_t file_ptes; /* entries of pgt that are PGT_FILE */
	SimPgTable ptes;    /* keyed by PMD range (vpn >> thp_order): record + 1 of its PTE page */
	/* the page-table pages above the PTE level (process.c pgtable_upper_*), a few a process */
	SimUpperTable *upper;
	uint32_t nr_upper, upper_cap;
} Proc;
/* a field added to Proc goes where it keeps the struct a power of two (see fork_parent) */
G_STATIC_ASSERT(sizeof(void *) != 8 || sizeof(Proc) == 512);

/*
 * The readahead states of a file: the kernel keeps one in each struct file (file_ra_state), so
 * each task that reads the file has its own (a task opens and maps the file itself); the last
 * SIM_FILE_RA tasks' are kept, the oldest replaced (pagecache.c file_ra).
 */
#define SIM_FILE_RA    4
#define SIM_FILE_MARKS 8
typedef struct {
	int pid;   /* the task */
	bool used; /* a task's state: pid and ra are set */
	PsRaState ra;
} SimFileRa;

/* A file of cache_add / cache_remove records: its page cache and readahead states (pagecache.c). */
typedef struct {
	char name[PS_TRACE_FILE_MAX];
	SimPgTable pgt; /* page index -> record + 1 of the folio holding it */
	SimFileRa ra[SIM_FILE_RA];
	unsigned ra_next; /* the slot the next new task's state replaces */
	/* the mmap read-around window the fault records of any task build, [fault_start,
	 * fault_end): the kernel's one window, which tasks faulting the file in turn add in
	 * pieces; its PG_readahead mark is still to be hit while fault_end > fault_start */
	uint64_t fault_start, fault_end;
	/* the PG_readahead marks of the last SIM_FILE_MARKS async windows not yet hit: the
	 * window's end (where the next window starts) and its async_size (pagecache.c) */
	struct {
		uint64_t end, dist;
	} marks[SIM_FILE_MARKS];
	unsigned marks_next; /* the slot the next mark replaces */
} SimFile;

/* What the page-cache records did (summary.json "page_cache"). */
typedef struct {
	uint64_t adds, removes;
	uint64_t pages_added;			 /* pages of the machine brought in */
	uint64_t folios[PS_NR_ORDERS_MAX];	 /* folios brought in, by order */
	uint64_t ra_fallbacks[PS_NR_ORDERS_MAX]; /* large readahead folios that failed */
	uint64_t ra_failed;			 /* order-0 readahead pages that failed */
	uint64_t failed;			 /* reads cut: even the demanded page failed */
	uint64_t refaults;			 /* pages found reclaimed, read again */
	uint64_t pages_removed[PS_NR_CACHE_REMOVE_REASONS]; /* by cache_remove, by reason */
	uint64_t reclaim_ignored; /* cache_remove "reclaim": the model decides */
	uint64_t partial_kept;	  /* large folios a remove cut only partly */
	uint64_t remove_unknown;  /* removes of a file never added */
} SimCacheStats;

/*
 * A placement strategy (--mode): how the records that place pages are carried out. "policy" lets
 * the modelled allocator choose (process.c through policy/); "pinned" honours the recorded pfns
 * (pinned.c). The loop, the clock and the output files are the same for both (Redis ae.c style:
 * one struct of functions chosen at the start, no mode tests in the loop).
 */
typedef struct {
	const char *name;
	/*
	 * The modelled allocator runs: policy/ with sim/ as its host, the pcp decay tick, records
	 * have a latency (latency.csv, latency_hist.csv), events.jsonl, fallbacks.csv, the trace's
	 * digest. Without it the machine changes only as the records say.
	 */
	bool model;
	const char *report_name; /* a text report written beside summary.json, or NULL */
	gboolean (*start)(PsSim *s, GError **error);		     /* before the first record */
	uint64_t (*exec)(PsSim *s, const PsTraceEvent *ev, int cpu); /* one record; ns it took */
	/* After the last record: the end time and final sample, end-of-run checks. */
	gboolean (*finish)(PsSim *s, GError **error);
	cJSON *(*summary)(PsSim *s); /* summary.json's content; s->report gets the text report */
	void (*free)(PsSim *s);	     /* its state; may be NULL */
} SimPlacement;

extern const SimPlacement sim_placement_policy, sim_placement_pinned;

typedef struct SimPin SimPin;		  /* pinned.c's state */
typedef struct SimLookahead SimLookahead; /* replay.c's records read ahead */

/*
 * A recorded cpu's pcp lock as the trace shows it, followed alike by the pinned replay
 * (pinned.c note_context) and the policy replay (replay.c note_pcp_lock): a task-context record
 * made under the lock (sim_pcp_lock_takes) leaves it held until the task's next record; an
 * interrupt's record that takes the lock itself, or one of another pid than the holder's,
 * shows it free (sim_pcp_lock_shown_free).
 */
typedef struct {
	bool locked; /* the task context's last record was made with the pcp lock held */
	int holder;  /* that record's pid */
} SimPcpLock;

/* A drain, or the zone_locked of a pcp refill: made with the pcp lock held. */
static inline bool sim_pcp_lock_takes(const PsTraceEvent *ev)
{
	return ev->op == PS_OP_OBSERVED &&
	       (ev->event == PS_OBS_PCPU_DRAIN ||
		(ev->event == PS_OBS_ZONE_LOCKED && ev->percpu_refill == 1));
}

/* A task-context record: the lock as it leaves it. */
static inline void sim_pcp_lock_task(SimPcpLock *l, const PsTraceEvent *ev, bool takes)
{
	l->locked = takes;
	l->holder = ev->pid;
}

/* An interrupt's record other than a free: does it show the lock free? */
static inline bool sim_pcp_lock_shown_free(const SimPcpLock *l, const PsTraceEvent *ev, bool takes)
{
	return takes || (ev->pid >= 0 && ev->pid != l->holder);
}

struct PsSim {
	PsConfig *cfg;
	const SimPlacement *place;
	SimPin *pin;	  /* pinned replay only */
	GString *report;  /* place->report_name's text */
	char *after_path; /* opts.after_kpageflags */
	char *at_path;	  /* opts.compare_at_kpageflags */
	PsRunOptions opts;
	char *out_dir;
	char *config_path;
	PsMachine *m;
	PsEngine *e;
	uint32_t ev_read, ev_exec, ev_sample, ev_decay, ev_reap, ev_rcu_tables, ev_khugepaged;
	SimKhugepaged khp;
	PsPolicy *policy;
	/* the policy's LRU state, for inline prefetch hints (ps_lru_view) */
	const PsLruView *lru_view;
	GArray *oom_tasks;	/* PsOomTask, rebuilt for each OOM */
	GArray *oom_task_proc;	/* int: process index of each task */
	int cur_proc;		/* process of the record being executed, -1 none */
	int cur_cpu;		/* its cpu, -1 outside a record */
	uint64_t retry_at;	/* set by do_alloc when the record must be retried later */
	uint64_t retry_cost_ns; /* and that attempt's own latency */
	/* and the zones its allocation may take pages from (PsAllocOutcome.wait_*) */
	uint64_t retry_nodemask;
	enum ps_zone_type retry_highest_zoneidx;
	uint64_t node_direct[PS_MAX_NODES]; /* direct reclaims since the last sample, per node */
	uint64_t kswapd_busy_seen[PS_MAX_NODES], kcompactd_busy_seen[PS_MAX_NODES]; /* at it */
	uint64_t oom_since_sample;

	PsTraceReader *reader;
	PsCacheIn *cin; /* reader's cache entry decoder (next_record), NULL when it parses JSONL */
	PsTraceHeader hdr;
	char *trace_path;
	bool strict_ids;      /* generated traces: a reused live id is an error, not an anomaly */
	bool generated;	      /* the header's source is a generator ("gen...") */
	bool page_size_bound; /* a record read so far is bound to the page size (take_ahead) */
	const PsTraceEvent *ahead; /* the reader's or the look-ahead's (next_record) */
	bool have_ahead;
	SimLookahead *lookahead; /* records read before their time, NULL when there are none */
	/* --placement=sticky (replay.c, sticky_cpu): pid -> its cpu + 1, or 0 for a kernel
	 * thread's records, which keep their own; NULL with the recorded placement */
	GHashTable *task_cpu;
	int sticky_pid, sticky_cpu; /* the last task sticky_cpu looked up (0: none), its cpu */
	int *sticky_live;	    /* per cpu: the user tasks placed there, not exited */
	GArray *slots;		    /* PsTraceEvent waiting to execute */
	/* slots free to reuse, a stack: a plain array (a GArray append was a ~70-instruction call
	 * per record that waited in a slot) */
	uint32_t *free_slots;
	uint32_t nr_free_slots, free_slots_cap;
	uint64_t pending; /* scheduled executions */

	Rec *recs;	     /* recs_room.base: nr_recs records in use */
	guint nr_recs;	     /* (a GArray's realloc copied the array at each doubling) */
	PsRoom recs_room;    /* grows in place, huge pages asked for (process.c rec_reserve) */
	guint recs_reserved; /* records recs_room has writable room for */
	uint32_t *free_recs; /* a stack of free record numbers (rec_new takes the top) */
	uint32_t nr_free_recs, free_recs_cap;
	GArray *id_map; /* uint32_t record + 1, by trace id < ID_ARRAY_MAX */
	GHashTable *id_big;
	/* slab.c: pools of slab pages by kind and recorded size, the pages, trace id -> page + 1 */
	GArray *slab_pools, *slab_pages;
	GHashTable *slab_ids;
	GArray *procs;	      /* Proc */
	SimPgPool pgt_pool;   /* the leaves the processes' page tables share */
	GHashTable *pid_map;  /* pid -> proc index + 1 (live processes) */
	GArray *files;	      /* SimFile */
	GHashTable *file_map; /* name -> file index + 1 */
	SimCacheStats cache;
	/*
	 * sim_proc_find's answers, direct-mapped by pid (pid -1: empty): a record's process is
	 * looked up once or twice a record, and records of a dozen tasks interleave, which a
	 * one-entry cache missed into two hash lookups (~50 instructions a record on a portable
	 * build). Emptied whenever pid_map or exited_map changes (sim_proc_cache_reset).
	 */
	SimPidSlot pid_cache[SIM_PID_CACHE];
	bool mthp, mthp_known; /* sim_op_touch: an mTHP size below the PMD one is enabled */
	/*
	 * PsRunOptions.touch_run_off or PAGESIM_TOUCH_RUN=off: sim_op_touch makes no runs of
	 * pcp-served faults (process.c TouchRun), every fault one at a time: the differential
	 * test's side. Outputs are the same.
	 */
	bool touch_run_off;
	/*
	 * PsRunOptions.exit_run_off or PAGESIM_EXIT_RUN=off: sim_op_exit frees every page one at
	 * a time, in no runs (process.c ExitRun): the differential test's side. Same outputs.
	 */
	bool exit_run_off;
	/* process.c thp_range_cached: its last answer, valid while vma_gen stays */
	struct {
		int pi;
		uint64_t key, gen;
		const PsVma *vma;
	} thp_memo;
	/*
	 * process.c fault_around: the window bounds (lo, hi) its last lookup found for process pi,
	 * the same for every address in [from, to); pi -1 (none) once pi's mappings change
	 */
	struct {
		int pi;
		uint64_t from, to, lo, hi;
	} fa_memo;
	uint64_t vma_gen; /* bumped by every change to any process's mappings */

	uint64_t *busy_until; /* per cpu, ns */
	OomWait *oom_wait;    /* per cpu */
	int oom_waits_on;     /* cpus whose OomWait is on */
	/* per cpu: pid of the task between its recorded mm_vmscan_direct_reclaim_begin and _end
	 * on that cpu, 0 when none (policy replay: see sim_op_free) */
	int *direct_reclaim_pid;
	SimPcpLock *pcp_lock;	/* [recorded cpu] (note_pcp_lock) */
	bool free_reasons_seen; /* a free with a reason was read: the window above is unused */
	/* per cpu: an OOM wait (with the attempt before it) that the retried allocation's
	 * latency sample reports; oom_wait_sampled: what the last do_alloc took from it */
	uint64_t *oom_wait_ns, oom_wait_sampled;
	uint8_t *lru_batch; /* per cpu: folios in folio_add_lru's batch, < PS_FOLIO_BATCH_SIZE */
	/* per cpu: a recorded page-table page allocation's latency, and its pid, that the next
	 * anonymous-fault allocation of that pid on the cpu reports in its fault sample */
	uint64_t *pte_pending_ns;
	int *pte_pending_pid;
	uint64_t (*zone_lock_free)[2]; /* per zone: zone->lock's last hold [start, end), ns */
	uint64_t (*lru_lock_free)[2];  /* per node: the lruvec lru_lock's last hold, ns */
	CpuQueue *cpuq;		       /* per cpu: records waiting for the cpu, in order */
	uint32_t *pb_alloc;	       /* [pageblock][3]: allocated pages per request type */
	uint8_t *pb_types; /* [pageblock]: bit mt set when pb_alloc's count of type mt is not 0 */
	PsZoneSampleExtra *extra;

	PsHist hists[PS_NR_LAT_ROWS];	  /* per path, then the fault row (report.h) */
	PsHist run_hists[PS_NR_LAT_ROWS]; /* the whole run: latency_hist.csv, summary */
	PsFallbackStats *fallbacks;	  /* fallbacks.csv */
	uint64_t window_start;
	uint64_t last_sample;
	/*
	 * Idle gaps (replay.c): samples in a row at which no record had run since the one before;
	 * past IDLE_SAMPLES_MAX of them the sample and pcp-decay ticks stop until the next record
	 * is read (ticks_paused), and the samples left out are counted.
	 */
	uint64_t idle_samples, events_at_sample;
	uint64_t samples_skipped_idle, idle_gaps;
	bool ticks_paused, decay_paused;
	PsTimeline *tl;
	PsLatencyLog *lat;
	PsEventLog *evlog;

	PsRunTotals totals;
	uint64_t anomalies[PS_NR_ANOMALIES];
	uint64_t compact_requests, drop_caches_requests, sysctl_writes;
	/* zone_grow records: run, pages grown, of them placed at the zone's highest reserved pfns
	 * instead of the recorded ones, records refused (no room: see sim_zone_grow) */
	uint64_t zone_grows, zone_grow_pages, zone_grow_moved, zone_grow_refused;
	uint64_t touches_cut;	     /* touches ended at a fault that failed (process.c) */
	uint64_t pte_alloc_failed;   /* PTE pages that could not be had (process.c) */
	uint64_t pgtable_pages;	     /* page-table pages allocated, every level (process.c) */
	uint64_t gather_pages;	     /* mmu_gather batch pages allocated (process.c) */
	uint64_t gather_failed;	     /* ... that could not be had (tlb_next_batch gave up) */
	uint64_t table_batch_pages;  /* tlb_remove_table's batch pages allocated (process.c) */
	uint64_t table_batch_failed; /* ... that could not be had (a table went alone) */
	uint64_t tables_rcu_freed;   /* page-table pages freed after their grace period */
	GQueue *rcu_tables;	     /* SimRcuTables waiting for their grace period, oldest first */
	uint64_t file_faults;	     /* read faults of `touch` records of kind file (process.c) */
	uint64_t cow_copies;	     /* present pages a `touch` of kind anon copied (process.c) */
	uint64_t fork_copies;	     /* `proc` records with a parent: dup_mm's copies (process.c) */
	uint64_t fork_pgtables;	     /* ... the page-table pages they allocated */
	/* the records an unmap gathers (scratch): a plain array, not a GArray, whose append was a
	 * call of ~70 instructions per page unmapped */
	uint32_t *gather;
	uint32_t nr_gather, gather_cap;
	/*
	 * an unmap's or exit's mmu_gather batch pages, the page tables it frees and its
	 * tlb_remove_table batch pages (scratch, empty between records): three GArrays made and
	 * freed a record cost ~1,000 instructions an unmap on churn-portable
	 */
	GArray *scratch_batch, *scratch_tables, *scratch_tslots;
	GHashTable *exited_map;	 /* pid -> proc index + 1 of processes that exited */
	uint64_t oom_no_victim;	 /* OOMs that found no task to kill (host.c) */
	GHashTable *killed_pids; /* pids the OOM killer took, until a `proc` reuses them */
	/* the read loop runs queued records before s->ahead's read event, not yet queued */
	bool read_waiting;
	/*
	 * A cpu's exec event the read loop holds instead of queueing it (replay.c hold_kick):
	 * cpu + 1 (0: none), its time and the sequence number it would have been queued with.
	 */
	uint32_t held_cpu;
	ps_time_t held_at;
	uint64_t held_seq;
	bool any_killed; /* killed_pids was ever added to: exec_event looks */
	/*
	 * the policy replay without --placement=sticky, while no task was killed (host_oom_kill
	 * clears it with any_killed set): observed records may take replay.c's take_observed_run
	 */
	bool obs_plain;
	GError *error;		/* first error raised inside a handler; stops the run */
	GThread *digest_thread; /* computes the trace file's sha256 while the replay runs */
	/* real traces: snapshot start and fidelity counters (sim/snapshot.c, fidelity.c) */
	PsSnapshot *snap;
	/*
	 * The started-state cache (start-cache.c): started, the state after the snapshot start
	 * was restored from start_entry (policy_start builds nothing); else start_entry, where
	 * the cold start keeps it (NULL: not kept). start_trace: opts.trace_path's copy.
	 */
	bool started;
	uint8_t start_mode; /* start-cache.c's StartMode, read once by sim_start_entry */
	char *start_entry, *start_trace;
	PsFidelity *fid;
	uint64_t snapshot_frees;
	uint32_t *snap_rec; /* per pfn of the map: 1 + the record of the snapshot's LRU folio */
	uint64_t snapshot_lru_folios, snapshot_lru_pages; /* put on the LRU lists at the start */
	/*
	 * memcgs (sim/memcg.c): the runs of pfns of the map charged to one memcg other than the
	 * root in the snapshot's kpagecgroup, in pfn order (PsMemcgRun; NULL without one), the
	 * memcgs by path (-> id + 1), and what was counted on the way
	 */
	GArray *snap_memcg_runs;
	GHashTable *memcg_paths;
	uint64_t memcg_trace_key; /* the key of the next memcg first named by the trace */
	SimMemcgStats memcg;
	/* snapshot LRU folios compaction split (sim_snap_rec_split): their first pfn at the start
	 * -> 1 + their order then; NULL until one is split */
	GHashTable *snap_split;
	uint64_t snapshot_folios_split;
	/*
	 * Recorded THP faults the model could not serve with a huge page: trace id -> GArray of the
	 * records of the base pages the fault fell back to (the first one is the id's record; all
	 * carry REC_THP without REC_TOUCH). See thp_fallback in process.c.
	 */
	GHashTable *thp_fallback;
};

static inline Rec *rec_at(PsSim *s, uint32_t i)
{
	return &s->recs[i];
}

static inline Proc *proc_at(PsSim *s, int i)
{
	return &g_array_index(s->procs, Proc, i);
}

/*
 * Allocation failures and OOMs without a victim logged one by one in events.jsonl; the rest are
 * only counted: a run that fails millions of allocations would otherwise write an events.jsonl
 * larger than its trace.
 */
#define SIM_MAX_FAIL_EVENTS 10000

/* replay.c */
gboolean sim_fail(PsSim *s, const PsTraceEvent *ev, const char *field, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
/*
 * output.c: of n pageblocks (their pageblock_mt and pb_types bytes), those of a pcp type with
 * allocated pages of another request type (the timeline's mixed_pageblocks).
 */
uint64_t sim_count_mixed(const uint8_t *mt, const uint8_t *types, uint64_t n);
/* Counts the timeline rows an idle gap left out between the last sample and `to`. */
void sim_count_skipped_samples(PsSim *s, ps_time_t to);

/* process.c: the process model; each op_ returns the modelled latency of the record in ns */
void sim_proc_cache_reset(PsSim *s); /* after any change to pid_map or exited_map */
/* pid's slot of the pid cache, filled from the two maps (a miss of sim_proc_cached) */
const SimPidSlot *sim_proc_fill(PsSim *s, int pid);

/* pid's slot of the pid cache. A negative pid is never a task's: looked up, never a hit. */
static inline const SimPidSlot *sim_proc_cached(PsSim *s, int pid)
{
	const SimPidSlot *c = &s->pid_cache[(unsigned)pid & (SIM_PID_CACHE - 1)];

	return G_LIKELY(c->pid == pid && pid >= 0) ? c : sim_proc_fill(s, pid);
}

/* The live process of pid, -1 when none. */
static inline int sim_proc_find(PsSim *s, int pid)
{
	const SimPidSlot *c = sim_proc_cached(s, pid);

	return c->live ? c->pi : -1;
}

/* sim_proc_find, else the process of that pid that exited last (-1: none). */
static inline int sim_proc_find_exited(PsSim *s, int pid)
{
	return sim_proc_cached(s, pid)->pi;
}
uint32_t sim_id_lookup(PsSim *s, uint64_t id);
/* sim_pb_account's blocks of a pageblock or more (each whole pageblock of the range). */
void sim_pb_account_blocks(PsSim *s, ps_pfn_t pfn, unsigned order, unsigned mt, int sign);
/*
 * pb_alloc: the pages of a block of 2^order from pfn, of request type mt, counted in (sign > 0)
 * or out. Inline: every allocation and free of a record calls it, nearly always within one
 * pageblock.
 */
static inline void sim_pb_account(PsSim *s, ps_pfn_t pfn, unsigned order, unsigned mt, int sign)
{
	const PsMachine *m = s->m;
	uint64_t b;
	uint32_t *c, old;

	if (mt >= PS_MT_PCPTYPES)
		return;
	if (order >= m->pageblock_order) {
		sim_pb_account_blocks(s, pfn, order, mt, sign);
		return;
	}
	b = (pfn - m->map.base_pfn) >> m->pageblock_order;
	c = &s->pb_alloc[b * PS_MT_PCPTYPES + mt];
	old = *c;
	*c = sign > 0 ? old + (1u << order) : old - (1u << order);
	/* the type's bit flips only when its count leaves or reaches 0 */
	if (!old || !*c)
		s->pb_types[b] ^= (uint8_t)(1u << mt);
}
void sim_snapshot_lru_seed(PsSim *s);
/*
 * memcgs (sim/memcg.c). Load: PREFIXmemcgs and PREFIXkpagecgroup(.gz) beside the snapshot's
 * PREFIXkpageflags, when there (both or neither). Seed: after sim_snapshot_lru_seed, each
 * snapshot LRU folio charged to its memcg. The memcg of a path (a `proc` record's), made
 * with its missing ancestors on first sight.
 */
gboolean sim_memcg_load(PsSim *s, const char *kpageflags, GError **error);
void sim_memcg_seed(PsSim *s);
uint16_t sim_memcg_of_path(PsSim *s, const char *path);
cJSON *sim_memcg_to_json(const PsSim *s);
void sim_memcg_free(PsSim *s);
/* The memcg paths, runs and counts as a table of saved arrays (start-cache.c's part). */
void sim_memcg_state(PsSim *s, PsStateTable *t);
/*
 * Splits record ri, a snapshot LRU folio at pfn, to base pages (compaction's try_split_folio):
 * false when ri is another kind of record (the host follows only those pieces).
 */
bool sim_snap_rec_split(PsSim *s, uint32_t ri, ps_pfn_t pfn);
/*
 * snapshot-stale.c: frees the held blocks the trace shows were free at its start, and takes the
 * free pages it shows were allocated then (policy runs)
 */
void sim_snapshot_free_stale(PsSim *s);
/* After the LRU and memcg seeds: the folios the kernel reclaimed first at their lists' tails. */
void sim_snapshot_lru_order(PsSim *s);
uint64_t sim_op_alloc(PsSim *s, const PsTraceEvent *ev, int cpu);
uint64_t sim_op_free(PsSim *s, const PsTraceEvent *ev, int cpu);
void sim_op_proc(PsSim *s, const PsTraceEvent *ev);
uint64_t sim_op_map(PsSim *s, const PsTraceEvent *ev);
uint64_t sim_op_touch(PsSim *s, const PsTraceEvent *ev, int cpu);
uint64_t sim_op_unmap(PsSim *s, const PsTraceEvent *ev, int cpu);
/*
 * khugepaged.c: registration when process pi's mapping v changed (a map: the merged VMA is
 * looked at), at a THP fault, at a fork of a registered process; an exit; the engine event of a
 * pass; set-up and teardown.
 */
void sim_khugepaged_enter_vma(PsSim *s, int pi, const PsVma *v);
void sim_khugepaged_thp_fault(PsSim *s, int pi);
void sim_khugepaged_fork(PsSim *s, int parent, int child);
void sim_khugepaged_exit(PsSim *s, int pi);
void sim_on_khugepaged(PsEngine *e, const PsEvent *ev, void *data);
void sim_khugepaged_init(PsSim *s);
void sim_khugepaged_free(PsSim *s);
/* The engine event that ends a grace period of page-table frees (process.c). */
void sim_on_rcu_tables(PsEngine *e, const PsEvent *ev, void *data);
/* One allocation through the model for a record of process pi (-1: none); REC_NONE, REC_RETRY */
uint32_t sim_alloc_rec(PsSim *s, uint64_t gfp, unsigned order, int cpu, int pi,
		       enum ps_alloc_kind kind, const char *what, uint64_t *ns);
/* Frees a live record (its pages unless reclaim took them); the latency of the free. */
uint64_t sim_rec_free(PsSim *s, uint32_t ri, int cpu);
/* The process of pid, created (and counted as an anomaly) on first sight; -1 for pid -1. */
int sim_proc_get(PsSim *s, int pid);

/* slab.c: whether an alloc record is a recorded slab (kind slab or slab_reclaimable in bytes),
 * placed in a slab page of this machine owned by no task; its allocation (the latency); a free
 * of one (false: not a recorded slab's id) */
bool sim_slab_takes(const PsTraceEvent *ev);
uint64_t sim_slab_alloc(PsSim *s, const PsTraceEvent *ev, int cpu, uint64_t gfp);
bool sim_slab_free(PsSim *s, const PsTraceEvent *ev, int cpu, uint64_t *ns);
void sim_slab_clear(PsSim *s);

/* pagecache.c: cache_add / cache_remove */
uint64_t sim_op_cache_add(PsSim *s, const PsTraceEvent *ev, int cpu);
uint64_t sim_op_cache_remove(PsSim *s, const PsTraceEvent *ev, int cpu);
/* summary.json's "procs" and "page_cache" */
cJSON *sim_procs_to_json(PsSim *s);
cJSON *sim_cache_to_json(PsSim *s);
void sim_op_exit(PsSim *s, const PsTraceEvent *ev, int cpu);
/* zone_grow (replay.c): exact = pinned replay, which grows only at the recorded pfns. */
void sim_zone_grow(PsSim *s, const PsTraceEvent *ev, bool exact);
void sim_process_free(PsSim *s);
/*
 * The records (the snapshot's LRU folios among them), the free-record stack, the trace-id map and
 * snap_rec as a table of saved arrays (start-cache.c's part); a restore goes into a fresh run.
 */
void sim_recs_state(PsSim *s, PsStateTable *t);
void sim_cache_free(PsSim *s); /* pagecache.c: the files and their tables */

/*
 * start-cache.c: the started-state cache. _entry: the entry's path for a policy run of s from
 * this dump and --proc directory with opts.trace_path (NULL: no cache, no trace path, standard
 * input, PAGESIM_START_CACHE=off); _restore: true when a valid entry was restored into the fresh
 * run s (s->snap made, its --proc paths those of this proc_dir, s->started set); _keep: the state
 * after policy_start's snapshot start written to entry (or, PAGESIM_START_CACHE=compare, compared
 * with it).
 */
char *sim_start_entry(PsSim *s, const char *kpageflags, const char *proc_dir);
bool sim_start_restore(PsSim *s, const char *entry, const char *kpageflags, const char *proc_dir);
void sim_start_keep(PsSim *s, const char *entry, const char *kpageflags);

/* host.c: creates s->policy with sim/ as its host; _detach frees it */
void sim_host_attach(PsSim *s);
void sim_host_detach(PsSim *s);

/* output.c */
void sim_log_failure(PsSim *s, const char *what, uint64_t gfp, unsigned order, int cpu, int pid,
		     enum ps_alloc_result res);
void sim_sample(PsSim *s, ps_time_t now);
cJSON *sim_policy_summary(PsSim *s);
void sim_start_digest(PsSim *s, const char *trace_path);
gboolean sim_open_outputs(PsSim *s, GError **error);
gboolean sim_finish_outputs(PsSim *s, GError **error);

G_END_DECLS

#endif
