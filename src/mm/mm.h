/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mm.h - the mechanism of the simulated page allocator: machine, nodes, zones, buddy free
 * areas, pageblocks, per-cpu page lists and per-page state; the fragmentation indices computed
 * from them; the GFP and memory-policy spellings; loading a real machine's state; the invariant
 * checker.
 *
 * Mirrors include/linux/mmzone.h, the list-manipulating parts of mm/page_alloc.c, the index
 * computations of mm/vmstat.c and include/linux/gfp.h (each .c file names its functions). This
 * layer takes and returns blocks; it never decides *when* to reclaim, compact or fail (that is
 * policy/), never parses JSON and never prints. It uses no other module.
 *
 * Per-page state lives in flat arrays indexed by pfn (PsMemMap): 4 + 4 + 1 = 9 bytes per base
 * page. There are no per-page heap objects. pfns are 32-bit, so a machine is limited to 2^32 - 1
 * base pages (16 TiB at 4 KiB pages); that is checked when the machine is built.
 */
#ifndef PS_MM_H
#define PS_MM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

G_BEGIN_DECLS

typedef uint32_t ps_pfn_t;
#define PS_PFN_NONE UINT32_MAX

/* Largest MAX_PAGE_ORDER any supported page size uses (arm64 64K: 13), plus one. */
#define PS_NR_ORDERS_MAX	   16
#define PS_MAX_NODES		   64
#define PS_MAX_CPUS		   1024
#define PS_PAGE_ALLOC_COSTLY_ORDER 3
#define PS_SWAP_CLUSTER_MAX	   32

/* enum zone_type of an x86-64 / arm64 build (kernel-facts §0.1, §1.1). Device is always empty. */
enum ps_zone_type {
	PS_ZONE_DMA,
	PS_ZONE_DMA32,
	PS_ZONE_NORMAL,
	PS_ZONE_MOVABLE,
	PS_ZONE_DEVICE,
	PS_MAX_NR_ZONES
};
extern const char *const ps_zone_names[PS_MAX_NR_ZONES]; /* "DMA", "DMA32", "Normal", ... */

/* Migratetypes of a build without CMA (kernel-facts §0.1). */
enum ps_migratetype {
	PS_MT_UNMOVABLE,
	PS_MT_MOVABLE,
	PS_MT_RECLAIMABLE,
	PS_MT_PCPTYPES, /* number of types that have pcp lists */
	PS_MT_HIGHATOMIC = PS_MT_PCPTYPES,
	PS_MT_ISOLATE,
	PS_MT_TYPES
};
/*
 * enum compact_result (include/linux/compaction.h), in the kernel's order (a larger value is a
 * better outcome), and its names as mm_compaction_end prints them (COMPACTION_STATUS): policy's
 * compaction returns it, the importer reads it back from a recording.
 */
enum ps_compact_result {
	PS_COMPACT_RES_NOT_SUITABLE_ZONE,
	PS_COMPACT_RES_SKIPPED,
	PS_COMPACT_RES_DEFERRED,
	PS_COMPACT_RES_NO_SUITABLE_PAGE,
	PS_COMPACT_RES_CONTINUE,
	PS_COMPACT_RES_COMPLETE,
	PS_COMPACT_RES_PARTIAL_SKIPPED,
	PS_COMPACT_RES_CONTENDED,
	PS_COMPACT_RES_SUCCESS,
	PS_NR_COMPACT_RESULTS
};
extern const char *const ps_compact_result_names[PS_NR_COMPACT_RESULTS];

extern const char *const ps_migratetype_names[PS_MT_TYPES]; /* pagetypeinfo spelling */

enum ps_wmark { PS_WMARK_MIN, PS_WMARK_LOW, PS_WMARK_HIGH, PS_WMARK_PROMO, PS_NR_WMARK };

/* Watermark-check and allocation flags, mm/internal.h values (kernel-facts §4.6). */
enum {
	PS_ALLOC_WMARK_MIN = PS_WMARK_MIN,
	PS_ALLOC_WMARK_LOW = PS_WMARK_LOW,
	PS_ALLOC_WMARK_HIGH = PS_WMARK_HIGH,
	PS_ALLOC_WMARK_MASK = 0x3,
	PS_ALLOC_NO_WATERMARKS = 0x4,
	PS_ALLOC_OOM = 0x8,
	PS_ALLOC_NON_BLOCK = 0x10,
	PS_ALLOC_MIN_RESERVE = 0x20,
	PS_ALLOC_CPUSET = 0x40,
	PS_ALLOC_CMA = 0x80,
	PS_ALLOC_NOFRAGMENT = 0x100,
	PS_ALLOC_HIGHATOMIC = 0x200,
	PS_ALLOC_TRYLOCK = 0x400,
	PS_ALLOC_KSWAPD = 0x800,
	PS_ALLOC_RESERVES =
	    PS_ALLOC_NON_BLOCK | PS_ALLOC_MIN_RESERVE | PS_ALLOC_HIGHATOMIC | PS_ALLOC_OOM,
};

/* zone->flags bits (enum zone_flags). */
enum {
	PS_ZONE_BOOSTED_WATERMARK = 1u << 0,
	PS_ZONE_RECLAIM_ACTIVE = 1u << 1,
	PS_ZONE_BELOW_HIGH = 1u << 2,
};

/* ---- per-page state ------------------------------------------------------------------- */

/*
 * page->flags, one byte: bits 0-3 the order of the block this page heads (meaningful for heads
 * only), bits 4-6 the state. Pages inside a block (tails) have state PS_PAGE_TAIL and order 0;
 * like the kernel, only the head of a free block carries PageBuddy.
 */
enum ps_page_state {
	PS_PAGE_TAIL = 0,     /* inside a block headed elsewhere (or not yet touched) */
	PS_PAGE_RESERVED = 1, /* present but not managed: never in the allocator */
	PS_PAGE_BUDDY = 2,    /* head of a free block on a buddy list */
	PS_PAGE_PCP = 3,      /* head of a block on a per-cpu list */
	PS_PAGE_ALLOCATED = 4 /* head of a block handed out by the allocator */
};
#define PS_PAGE_ORDER_MASK  0x0fu
#define PS_PAGE_STATE_SHIFT 4
#define PS_PAGE_STATE_MASK  0x70u
/* On an allocated head: the block looks movable to the claim heuristic (PageLRU or movable ops). */
#define PS_PAGE_MOVABLE_BIT 0x80u

/*
 * A page's two list links, side by side: a list operation on a page reads or writes both, and
 * in one array entry they share a cache line (as separate next and prev arrays they were two
 * random misses per page; kbuild replays touch millions of pages a second).
 */
typedef struct {
	uint32_t next;
	uint32_t prev;
} PsPageLink;

/*
 * Flat pfn-indexed arrays over [base_pfn, end_pfn). link[].next/.prev link the head pages of free
 * blocks into the buddy free lists and the pcp lists (PS_PFN_NONE terminates); they are not
 * initialised for pages that are not on a list. flags is zero-initialised and stays a byte array
 * of its own: whole-machine walks read it 8 pages a step.
 *
 * The free lists of pageblock order and above link their blocks through block_link instead, one
 * slot a pageblock (such a block is pageblock-aligned, so it has a slot of its own). Boot puts all
 * of memory on those lists as blocks of MAX_PAGE_ORDER: one link every 2^max_order pfns, which in
 * the pfn-indexed arrays touched every page of them (2 GiB of the 2.3 a 1 TiB 4K machine needs,
 * zeroed by the host kernel at first touch). The kernel keeps the list_head in struct page for
 * every order; where the links live changes no list's order.
 */
typedef struct {
	ps_pfn_t base_pfn;
	ps_pfn_t end_pfn;
	PsPageLink *link; /* indexed by pfn - base_pfn */
	uint8_t *flags;
	PsPageLink *block_link; /* indexed by (pfn - base_pfn) >> block_shift */
	unsigned block_shift;	/* pageblock_order */
	/*
	 * One byte a pageblock, indexed like block_link: 1 when the pageblock's first page heads
	 * an allocated block of pageblock order or more (a hugetlb page, a PMD-size folio), else
	 * 0. A summary of flags that ps_page_set and ps_page_set_run keep (every write of a
	 * pageblock's first flags byte goes through them), for compaction's skip-bit reset walk
	 * (pageblock_skip_persistent): it reads these bytes, a few cache lines a zone, instead of
	 * a cache line of flags a pageblock. Speed only; ps_machine_check recomputes it.
	 */
	uint8_t *big_head;
	/*
	 * On a PCP head: 1 + cpu * PS_NR_PCP_LISTS + pindex of the list holding it (pcp.c's
	 * pcp_slot index for ps_pcp_take_untraced). NULL until a take needs it; not part of the
	 * started state (ps_machine_state drops it, the next take rebuilds it from the lists).
	 */
	uint16_t *pcp_slot;
} PsMemMap;

/* ---- lists ---------------------------------------------------------------------------- */

/*
 * A doubly linked list of block heads threaded through PsMemMap.link, or through
 * PsMemMap.block_link when block_links is set (free lists of pageblock order and up).
 */
typedef struct {
	ps_pfn_t head;
	ps_pfn_t tail;
	uint64_t len; /* number of blocks on the list */
	bool block_links;
} PsList;

/* struct free_area: one list per migratetype plus the count of blocks of this order. */
typedef struct {
	PsList list[PS_MT_TYPES];
	uint64_t nr_free; /* blocks of this order, all types */
} PsFreeArea;

/*
 * struct per_cpu_pages: one per (cpu, zone). List index = 3 * order + mt for orders 0..3; the
 * THP order has two lists, 12 + (mt == MOVABLE) (kernel-facts §3.1). count is in base pages.
 */
#define PS_NR_PCP_LISTS		     14
#define PS_PCPF_PREV_FREE_HIGH_ORDER 0x1
#define PS_PCPF_FREE_HIGH_BATCH	     0x2
typedef struct {
	int count; /* base pages on all lists */
	int high;  /* dynamic high, 0 until first use */
	int high_min;
	int high_max;
	int batch;
	uint8_t flags; /* PS_PCPF_* */
	uint8_t alloc_factor;
	int free_count; /* pages freed recently, for free_high */
	PsList lists[PS_NR_PCP_LISTS];
} PsPcp;

/* ---- zone stat items and vm events ------------------------------------------------------ */

/* Zone stat items in /proc/zoneinfo order (kernel-facts §10.3). */
enum ps_zone_stat {
	PS_NR_FREE_PAGES,
	PS_NR_FREE_PAGES_BLOCKS,
	PS_NR_ZONE_INACTIVE_ANON,
	PS_NR_ZONE_ACTIVE_ANON,
	PS_NR_ZONE_INACTIVE_FILE,
	PS_NR_ZONE_ACTIVE_FILE,
	PS_NR_ZONE_UNEVICTABLE,
	PS_NR_ZONE_WRITE_PENDING,
	PS_NR_MLOCK,
	PS_NR_ZSPAGES,
	PS_NR_FREE_CMA,
	PS_NR_ZONE_STAT_ITEMS
};
extern const char *const ps_zone_stat_names[PS_NR_ZONE_STAT_ITEMS];

/* NUMA event counters per zone, in zoneinfo order. */
enum ps_numa_stat {
	PS_NUMA_HIT,
	PS_NUMA_MISS,
	PS_NUMA_FOREIGN,
	PS_NUMA_INTERLEAVE_HIT,
	PS_NUMA_LOCAL,
	PS_NUMA_OTHER,
	PS_NR_NUMA_STAT_ITEMS
};
extern const char *const ps_numa_stat_names[PS_NR_NUMA_STAT_ITEMS];

/*
 * vm events (the "events" part of /proc/vmstat) that the model counts, named as the kernel names
 * them. Per-zone events (pgalloc_<zone>, allocstall_<zone>, pgskip_<zone>) are expanded in the
 * zone-type order. Checklist: a new item goes here and into ps_vm_event_names in mm/stat.c.
 */
enum ps_vm_event {
	PS_PGALLOC_DMA,
	PS_PGALLOC_DMA32,
	PS_PGALLOC_NORMAL,
	PS_PGALLOC_MOVABLE,
	PS_PGALLOC_DEVICE,
	PS_ALLOCSTALL_DMA,
	PS_ALLOCSTALL_DMA32,
	PS_ALLOCSTALL_NORMAL,
	PS_ALLOCSTALL_MOVABLE,
	PS_ALLOCSTALL_DEVICE,
	PS_PGFREE,
	PS_PGSTEAL_KSWAPD,
	PS_PGSTEAL_DIRECT,
	PS_PGSCAN_KSWAPD,
	PS_PGSCAN_DIRECT,
	PS_PGSCAN_ANON,
	PS_PGSCAN_FILE,
	PS_PGSTEAL_ANON,
	PS_PGSTEAL_FILE,
	PS_ZONE_RECLAIM_SUCCESS, /* node_reclaim: __node_reclaim freed 1 << order pages */
	PS_ZONE_RECLAIM_FAILED,	 /* node_reclaim: __node_reclaim ran and freed fewer */
	PS_KSWAPD_LOW_WMARK_HIT_QUICKLY,
	PS_KSWAPD_HIGH_WMARK_HIT_QUICKLY,
	PS_PAGEOUTRUN,
	PS_OOM_KILL,
	PS_COMPACT_MIGRATE_SCANNED,
	PS_COMPACT_FREE_SCANNED,
	PS_COMPACT_ISOLATED,
	PS_COMPACT_STALL,
	PS_COMPACT_FAIL,
	PS_COMPACT_SUCCESS,
	PS_COMPACT_DAEMON_WAKE,
	PS_COMPACT_DAEMON_MIGRATE_SCANNED,
	PS_COMPACT_DAEMON_FREE_SCANNED,
	PS_PGACTIVATE,
	PS_PGDEACTIVATE,
	PS_PGREFILL,
	PS_PSWPIN,
	PS_PSWPOUT,
	PS_PGROTATED,
	PS_SLABS_SCANNED,
	PS_PGMAJFAULT,
	PS_PGMIGRATE_SUCCESS,
	PS_PGMIGRATE_FAIL,
	PS_THP_MIGRATION_SPLIT, /* PMD-order folios migrate_pages split (stats.nr_thp_split) */
	PS_THP_SPLIT_PAGE,	/* PMD-order folios split (split_huge_page_to_list_to_order) */
	PS_THP_SPLIT_PAGE_FAILED,
	PS_THP_FAULT_ALLOC,
	PS_THP_FAULT_FALLBACK,
	PS_THP_COLLAPSE_ALLOC,	      /* khugepaged's PMD folios allocated (alloc_charge_folio) */
	PS_THP_COLLAPSE_ALLOC_FAILED, /* ... and not */
	PS_THP_SCAN_EXCEED_NONE_PTE,  /* ranges with more empty PTEs than max_ptes_none */
	PS_THP_SCAN_EXCEED_SWAP_PTE,  /* ... swap PTEs than max_ptes_swap */
	PS_THP_SCAN_EXCEED_SHARE_PTE, /* ... shared pages than max_ptes_shared */
	PS_DROP_PAGECACHE,
	PS_DROP_SLAB,
	PS_NR_VM_EVENTS
};

/* Node stat items the model keeps (per node), named as in /proc/zoneinfo's per-node stats. */
enum ps_node_stat {
	PS_NR_SLAB_RECLAIMABLE_B,
	PS_NR_SLAB_UNRECLAIMABLE_B,
	PS_WORKINGSET_REFAULT_ANON,
	PS_WORKINGSET_REFAULT_FILE,
	PS_NR_ANON_PAGES,
	PS_NR_FILE_PAGES, /* page cache, shmem included */
	PS_NR_SHMEM,	  /* tmpfs/shmem page cache (swap-backed, on the anon lists) */
	/*
	 * NR_FILE_MAPPED: page cache (shmem included) mapped by a process. Only a snapshot's
	 * zoneinfo sets it (ps_snapshot_seed_pcp), held for the run: node_reclaim's
	 * node_unmapped_file_pages reads it (policy/reclaim.c)
	 */
	PS_NR_FILE_MAPPED,
	PS_NR_DIRTY,
	PS_NR_WRITEBACK,
	PS_NR_VMSCAN_IMMEDIATE_RECLAIM,
	PS_NR_DIRTIED, /* file pages dirtied in the run (folio_account_dirtied) */
	PS_NR_WRITTEN, /* file pages whose writeback ended in the run (__folio_end_writeback) */
	PS_NR_SWAPCACHED,
	PS_NR_NODE_STAT_ITEMS
};
extern const char *const ps_node_stat_names[PS_NR_NODE_STAT_ITEMS];
extern const char *const ps_vm_event_names[PS_NR_VM_EVENTS];

/* ---- zone, node, machine ---------------------------------------------------------------- */

/*
 * struct zone. One instance per (node, zone type), populated or not. The span
 * [start_pfn, start_pfn + spanned) is contiguous; the pages that are managed are the last
 * `managed` pages of the span (see machine.c for why). mm/ writes the free areas, counters and
 * pcp lists; policy/ writes watermarks, reserves, boost and pcp limits.
 */
typedef struct PsZone {
	int node;
	enum ps_zone_type type;
	int idx; /* index into PsMachine.zones */

	ps_pfn_t start_pfn;
	uint64_t spanned;
	uint64_t present;
	uint64_t managed;
	/*
	 * pgdat->first_deferred_pfn, kept on the zone that has the deferred pages (the node's
	 * highest): [first_deferred_pfn, end) are present but not initialised (held as
	 * PS_PAGE_RESERVED). PS_PFN_NONE: none left (ULONG_MAX in the kernel); equal to the zone's
	 * end: all grown, the next ps_deferred_grow_zone call sets PS_PFN_NONE and answers TRUE
	 * once more. Written by ps_deferred_grow_zone only; deferred_grows/_pages count its
	 * growths.
	 */
	ps_pfn_t first_deferred_pfn;
	uint64_t deferred_grows, deferred_grow_pages;

	/* Written by policy/ (setup_per_zone_wmarks and friends). Unboosted values. */
	uint64_t wmark[PS_NR_WMARK];
	uint64_t watermark_boost;
	/*
	 * boost_watermark calls that returned true (the boost raised, or held at max_boost), one
	 * per fragmenting claim attempt that passed its checks; counted by ps_boost_watermark.
	 */
	uint64_t watermark_boosts;
	int64_t lowmem_reserve[PS_MAX_NR_ZONES];
	unsigned flags; /* PS_ZONE_* */

	/*
	 * Compaction state (struct zone's compact_* fields), written by policy/compaction.c only.
	 * Cached scanner positions of 0 mean "not set" (the next run starts at the zone's ends).
	 */
	/* attempts skipped since the last deferral */
	unsigned compact_considered;
	/* skip up to 1 << shift attempts */
	unsigned compact_defer_shift;
	/* lowest order that failed since the last success */
	int compact_order_failed;
	/* where the free scanner resumes */
	ps_pfn_t compact_cached_free_pfn;
	/* where the migrate scanner resumes: [0] async, [1] sync */
	ps_pfn_t compact_cached_migrate_pfn[2];
	/*
	 * compact_init_migrate_pfn / compact_init_free_pfn: the lowest source and the highest
	 * target block the last __reset_isolation_suitable walk found (a run that starts at or
	 * below the first crosses the whole zone; the free scanner's fast search widens at or
	 * above the second). 0 until a walk or the snapshot start sets them.
	 */
	ps_pfn_t compact_init_migrate_pfn;
	ps_pfn_t compact_init_free_pfn;
	/* skip bits to be cleared when kswapd sleeps */
	bool compact_blockskip_flush;

	PsFreeArea free_area[PS_NR_ORDERS_MAX];
	int64_t vm_stat[PS_NR_ZONE_STAT_ITEMS];
	uint64_t numa_stat[PS_NR_NUMA_STAT_ITEMS];
	uint64_t nr_free_highatomic;	 /* free pages on HIGHATOMIC lists */
	uint64_t nr_reserved_highatomic; /* pages in HIGHATOMIC pageblocks */
	uint64_t nr_allocated;		 /* base pages handed out (not free, not on pcp) */
	uint64_t nr_pcp;		 /* base pages on all pcp lists of this zone */

	/* pcp sizing for this zone (zone_set_pageset_high_and_batch), and one pcp per cpu. */
	int pageset_batch;
	int pageset_high_min;
	int pageset_high_max;
	PsPcp *pcp; /* [nr_cpus] */
	/*
	 * Free block heads that sit on a list other than their pageblock's type: pfn -> that
	 * list's migratetype + 1. A state 6.18 keeps (its free-list type checks are
	 * CONFIG_DEBUG_VM warnings only) and a real machine shows: the 64K lab boots with mobility
	 * grouping off, both pageblocks Unmovable and free pages on the Movable lists (mm/buddy.c's
	 * header). NULL until ps_free_list_move first puts a block on a foreign list
	 * (a snapshot start whose pagetypeinfo says so); from then on free_list_add records any
	 * foreign placement (expand of such a block keeps its list, as the kernel's does) and a
	 * removal in a pageblock with an entry (foreign_nr) looks the block up, since the
	 * kernel's list_del unlinks a page from whatever list holds it. NULL again at the first
	 * removal after its last entry left (take_foreign_slow). Owned by mm/buddy.c; saved by
	 * ps_machine_state as sorted pairs (an empty table as none).
	 */
	GHashTable *foreign;
	/*
	 * With foreign: its entries per pageblock of the machine ([pfn - base >> pageblock_order]),
	 * tested before the table so a removal outside those pageblocks does no hash lookup.
	 * uint16_t: a pageblock holds up to pageblock_nr_pages / 2 free heads (4,096 at 64K pages).
	 */
	uint16_t *foreign_nr;
} PsZone;

/* Per-node zonelist: zone indices into PsMachine.zones, terminated by -1. */
typedef struct {
	int zones[PS_MAX_NODES * PS_MAX_NR_ZONES + 1];
	int nr;
} PsZonelist;

/* struct pglist_data (the parts this layer needs). */
typedef struct {
	int id;
	int nr_cpus;			     /* cpus on this node */
	PsZonelist zonelist_fallback;	     /* ZONELIST_FALLBACK: all nodes */
	PsZonelist zonelist_nofallback;	     /* ZONELIST_NOFALLBACK: this node only */
	int node_order[PS_MAX_NODES];	     /* fallback node order, nr_nodes entries */
	int64_t stat[PS_NR_NODE_STAT_ITEMS]; /* node counters, written by policy/ and the host */
} PsNode;

/* vm sysctls that mm/ and policy/ read. Sentinel -1 means "unset, use the kernel default". */
typedef struct {
	int64_t min_free_kbytes;
	int64_t user_min_free_kbytes; /* -1 unless the config set it */
	int watermark_scale_factor;
	int watermark_boost_factor;
	int lowmem_reserve_ratio[PS_MAX_NR_ZONES];
	int percpu_pagelist_high_fraction;
	int extfrag_threshold;
	int compaction_proactiveness;
	int swappiness;
	int zone_reclaim_mode;
	int defrag_mode;
	uint64_t stat_interval_ns;
	bool page_group_by_mobility_disabled;
} PsSysctl;

/*
 * The values a vm sysctl's handler accepts, from the kernel's sysctl tables
 * (proc_dointvec_minmax, extra1..extra2); a write outside them returns -EINVAL and changes
 * nothing. ps_sysctl_range is NULL for a sysctl the model does not know.
 */
typedef struct {
	const char *name;
	int min, max;
} PsSysctlRange;
const PsSysctlRange *ps_sysctl_range(const char *name);
/* v within r, and percpu_pagelist_high_fraction's own rule: 0 or at least 8. */
bool ps_sysctl_accepts(const PsSysctlRange *r, int64_t v);

/*
 * Hooks through which report/ observes mechanism events. All optional. Several observers may
 * register (ps_machine_set_hooks); mm/ calls each hook of m->hooks with m->hook_data's data for
 * it: the one observer that has the hook itself or, with more than one, a fan-out that calls each
 * in registration order.
 */
#define PS_MM_MAX_OBSERVERS 4
typedef struct {
	void *data;
	void (*extfrag)(void *data, PsZone *z, ps_pfn_t pfn, unsigned order, unsigned fb_order,
			enum ps_migratetype alloc_mt, enum ps_migratetype fb_mt, bool claimed);
	/*
	 * mm_page_alloc_zone_locked for nr blocks of 2^order taken off the mt free list: one call
	 * a block, or one for the blocks a pcp refill took from that list (rmqueue_bulk)
	 */
	void (*zone_locked)(void *data, PsZone *z, unsigned order, enum ps_migratetype mt,
			    bool percpu_refill, unsigned nr);
	/*
	 * mm_page_pcpu_drain for the blocks of one free_pcppages_bulk, one call: pages[mt] base
	 * pages went to the buddy from pageblocks of type mt (a call a block cost a kbuild
	 * replay ~30 instructions a drained page)
	 */
	void (*pcpu_drain)(void *data, PsZone *z, const uint64_t pages[PS_MT_TYPES]);
} PsMmHooks;
/*
 * struct capture_control: while a direct compactor runs on `zone` for `order`, a block of exactly
 * that order formed by a free into that zone is handed to it (compaction_capture, called by
 * __free_one_page before each merge step) instead of going on a free list. The block is marked
 * allocated on the spot and pfn records it. Set through PsMachine.capture by policy/.
 */
typedef struct {
	const PsZone *zone;
	unsigned order;
	enum ps_migratetype migratetype; /* the compactor's request (cc->migratetype) */
	ps_pfn_t pfn;			 /* PS_PFN_NONE until a block was captured */
} PsCaptureControl;

/* The shape a machine is built from: plain data, produced by config/. */
typedef struct {
	ps_pfn_t start_pfn;
	uint64_t spanned;
	uint64_t present;
	uint64_t managed;
	/*
	 * CONFIG_DEFERRED_STRUCT_PAGE_INIT: present pages at the end of the span (from
	 * first_deferred_pfn, a section boundary) that are not initialised yet, so neither managed
	 * nor free; managed + deferred <= present. Only the node's highest zone may have them.
	 * 0: none (every shipped config).
	 */
	uint64_t deferred;
} PsZoneSpec;

/*
 * What a real machine printed for one zone (config "boot_history"): the tunables as the kernel
 * computed them, which can differ from the formulas applied to today's managed count when the
 * zone grew after the last recalculation (the initramfs freed after boot, hugetlb pages given
 * back). policy/setup.c carries them into a mirror of that machine.
 */
typedef struct {
	bool set;
	uint64_t managed;	     /* the zone's managed count when they were printed */
	uint64_t wmark[PS_NR_WMARK]; /* unboosted */
	int64_t protection[PS_MAX_NR_ZONES];
	int batch, high_min, high_max; /* -1 when not printed */
} PsPrintedZone;

/* The printed zones, with the sysctls they were printed under: a change of those drops them. */
typedef struct {
	bool set;
	int64_t min_free_kbytes;
	int watermark_scale_factor;
	int lowmem_reserve_ratio[PS_MAX_NR_ZONES];
	int percpu_pagelist_high_fraction;
	PsPrintedZone zones[PS_MAX_NODES][PS_MAX_NR_ZONES];
} PsBootHistory;

/*
 * tmpfs/shmem huge pages: /sys/kernel/mm/transparent_hugepage/shmem_enabled and tmpfs's huge=
 * mount option in one setting (mm/shmem.c SHMEM_HUGE_*; sim/pagecache.c shmem_folios).
 */
enum ps_shmem_huge {
	/*
	 * The kernel's default for both: shm_mnt (memfd, SysV shm, shared anonymous) takes
	 * SHMEM_HUGE_DEFAULT, the sysfs shmem_enabled (CONFIG_TRANSPARENT_HUGEPAGE_SHMEM_HUGE_*),
	 * and a tmpfs mount without huge= takes TMPFS_HUGE_DEFAULT, tmpfs_huge
	 * (CONFIG_TRANSPARENT_HUGEPAGE_TMPFS_HUGE_*, boot transparent_hugepage_tmpfs=), never when
	 * unset; for tmpfs files shmem_huge_global_enabled reads the mount's huge=, the sysfs value
	 * only at deny and force. Borne out on the lab's /tmp (mounted without huge=): realdata
	 * 16K's 1,024 mm_filemap_delete_from_page_cache of dev 0:16 are all order 0.
	 */
	PS_SHMEM_NEVER,
	PS_SHMEM_ALWAYS,
	PS_SHMEM_WITHIN_SIZE,
	PS_SHMEM_ADVISE,
	PS_SHMEM_DENY,
	PS_SHMEM_FORCE,
	PS_NR_SHMEM_HUGE
};

/* khugepaged's sysfs settings (mm/khugepaged.c khugepaged_attr[]), the writable ones. */
enum ps_khugepaged_key {
	PS_KHUGEPAGED_DEFRAG,
	PS_KHUGEPAGED_MAX_PTES_NONE,
	PS_KHUGEPAGED_MAX_PTES_SWAP,
	PS_KHUGEPAGED_MAX_PTES_SHARED,
	PS_KHUGEPAGED_PAGES_TO_SCAN,
	PS_KHUGEPAGED_SCAN_SLEEP_MS,
	PS_KHUGEPAGED_ALLOC_SLEEP_MS,
	PS_NR_KHUGEPAGED_KEYS
};
/* Their file names, and the value each has: the given one or the kernel's default. */
extern const char *const ps_khugepaged_key_names[PS_NR_KHUGEPAGED_KEYS];
/*
 * The values a khugepaged/<key> file accepts (its *_store function, mm/khugepaged.c): defrag 0
 * or 1, max_ptes_* at most HPAGE_PMD_NR - 1, pages_to_scan at least 1, the sleeps any unsigned
 * int; into [*lo, *hi].
 */
void ps_khugepaged_key_range(unsigned thp_order, int key, uint64_t *lo, uint64_t *hi);

/* hugepages-<size>kB/enabled values (PS_THP_SIZE_DEFAULT: the kernel's boot default). */
enum {
	PS_THP_SIZE_DEFAULT,
	PS_THP_SIZE_NEVER,
	PS_THP_SIZE_MADVISE,
	PS_THP_SIZE_ALWAYS,
	PS_THP_SIZE_INHERIT,
	PS_NR_THP_SIZE_MODES
};

/* Zone types of a kernel configuration, a mask of 1 << enum ps_zone_type. */
#define PS_ZONE_TYPES_ALL ((1u << PS_MAX_NR_ZONES) - 1)

typedef struct {
	uint32_t page_size; /* bytes: 4096, 16384 or 65536 */
	unsigned max_order; /* MAX_PAGE_ORDER */
	unsigned pageblock_order;
	unsigned thp_order; /* HPAGE_PMD_ORDER; pcp holds this order too when thp_built */
	bool thp_built;	    /* CONFIG_TRANSPARENT_HUGEPAGE */
	int thp_mode;	    /* 0 never, 1 madvise, 2 always */
	/*
	 * Anonymous THP per size, by order (hugepages-<size>kB/enabled): PS_THP_SIZE_*; 0 is the
	 * kernel's default (inherit for the PMD order, never below it). policy/huge_memory.c.
	 */
	uint8_t thp_size_mode[PS_NR_ORDERS_MAX];
	/*
	 * /sys/kernel/mm/transparent_hugepage/khugepaged/<name> by enum ps_khugepaged_key; a
	 * value only where khugepaged_given says so, else the kernel's default
	 * (ps_khugepaged_value, sim/khugepaged.c)
	 */
	uint32_t khugepaged[PS_NR_KHUGEPAGED_KEYS];
	bool khugepaged_given[PS_NR_KHUGEPAGED_KEYS];
	/* page-cache folios (policy/readahead.c) */
	uint32_t read_ahead_kb;	 /* the device's read_ahead_kb; 0 = 128 (VM_READAHEAD_PAGES) */
	int file_large_folios;	 /* -1 default (yes: ext4 and xfs on 6.18), 0 no, 1 yes */
	int pagecache_max_order; /* -1: MAX_PAGECACHE_ORDER, min(MAX_XAS_ORDER 11, PMD order) */
	int shmem_enabled;	 /* enum ps_shmem_huge: tmpfs/shmem folio sizes; 0 never */
	uint32_t thread_size;	 /* THREAD_SIZE in bytes; 0 = the arch's for the page size */
	uint32_t va_bits;	 /* user virtual address bits (page-table levels); 0 = 48 */
	int nr_cpus;
	int cpu_node[PS_MAX_CPUS];
	int nr_nodes;
	uint8_t distance[PS_MAX_NODES][PS_MAX_NODES];
	PsZoneSpec zones[PS_MAX_NODES][PS_MAX_NR_ZONES];
	PsSysctl sysctl;
	int pcp_batch_scale_max; /* CONFIG_PCP_BATCH_SCALE_MAX, default 5 */
	/*
	 * MIGRATE_TYPES of the kernel build: Unmovable, Movable, Reclaimable and HighAtomic, plus
	 * CMA with CONFIG_CMA and Isolate with CONFIG_MEMORY_ISOLATION (pagetypeinfo has one column
	 * each). Only build_all_zonelists' mobility threshold reads it; the model's free lists
	 * always have the Isolate type. 5 (x86-64 distribution kernels; 0 means 5), 4 for the arm64
	 * lab ones.
	 */
	int migrate_types;
	/*
	 * The CPU's data-cache slice in KiB (cacheinfo's per_cpu_data_slice_size: the LLC over
	 * the CPUs sharing it), read by setup_pcp_cacheinfo for PCPF_FREE_HIGH_BATCH when
	 * cpu_data_slice_given, else the model's default of 2048 KiB. 0 when the kernel found no
	 * cache hierarchy, as the qemu lab's arm64 kernels report ("cacheinfo: Unable to detect
	 * cache hierarchy for CPU 0").
	 */
	int cpu_data_slice_kib;
	bool cpu_data_slice_given;
	/*
	 * The zone types the kernel was built with (CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32,
	 * CONFIG_ZONE_DEVICE; Normal and Movable always): zoneinfo lists these and its protection
	 * arrays have one entry per type (MAX_NR_ZONES). x86-64 has all five, the arm64 lab kernels
	 * no Device.
	 */
	unsigned zone_types;
	PsBootHistory boot_history;
	uint64_t seed;
} PsMachineSpec;

/* Whether the kernel of spec has zone type t (a zone_types of 0 means every type). */
static inline bool ps_zone_type_built(const PsMachineSpec *spec, int t)
{
	return !spec->zone_types || (spec->zone_types >> t) & 1u;
}

/*
 * The simulated machine. Built once by ps_machine_new(); zones[node * PS_MAX_NR_ZONES + type].
 * vm_events are machine-wide (the kernel sums per-cpu event counters the same way).
 */
typedef struct PsMachine {
	PsMachineSpec spec; /* a copy of what it was built from */
	uint32_t page_size;
	unsigned page_shift;
	unsigned max_order;
	unsigned nr_orders; /* NR_PAGE_ORDERS = max_order + 1 */
	unsigned pageblock_order;
	uint64_t pageblock_nr_pages;
	int nr_cpus;
	int nr_nodes;
	PsSysctl sysctl;
	uint64_t totalreserve_pages;

	PsNode nodes[PS_MAX_NODES];
	PsZone *zones; /* [nr_nodes * PS_MAX_NR_ZONES] */
	int nr_zones;
	int pfn_zone_hint; /* ps_pfn_zone's last answer, an index into zones */

	PsMemMap map;
	uint8_t *pageblock_mt; /* [(end_pfn - base_pfn) >> pageblock_order], enum ps_migratetype */

	uint64_t vm_events[PS_NR_VM_EVENTS];
	/*
	 * /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats/anon_fault_alloc and
	 * anon_fault_fallback (MTHP_STAT_ANON_FAULT_*), by order; the PMD order included.
	 */
	uint64_t mthp_anon_fault_alloc[PS_NR_ORDERS_MAX];
	uint64_t mthp_anon_fault_fallback[PS_NR_ORDERS_MAX];

	/*
	 * Counts that have no vm event of their own, for the latency model and the fidelity
	 * report. Never reset during a run.
	 */
	/* buddy split levels done by expand() */
	uint64_t split_levels_total;
	/* rmqueue_bulk calls from an empty pcp list */
	uint64_t pcp_refills_total;
	/* base pages those refills moved to pcp lists: every page rmqueue_bulk took, blocks
	 * claimed whole or stolen by a fallback included (summary.json's pcp_refill_pages) */
	uint64_t pcp_refill_pages_total;
	uint64_t buddy_merges_total; /* merge steps of __free_one_page, for the cost model */
	/* compact_zone runs past the suitability check: where the kernel fires mm_compaction_begin
	 */
	uint64_t compact_zone_runs_total;
	/* those of them that ended COMPACT_CONTENDED */
	uint64_t compact_zone_contended_total;
	/* try_to_free_pages calls: where the kernel fires mm_vmscan_direct_reclaim_begin (its
	 * allocstall counts each pass of do_try_to_free_pages, up to three a call) */
	uint64_t direct_reclaims_total;
	/* an rmqueue_bulk is running (false between events, so in no saved state): the
	 * zone_locked hook's percpu_refill calls until it returns are of one refill, which the
	 * fidelity report counts by them */
	bool pcp_refilling;

	/*
	 * what mm/ calls, each hook with its own data from hook_data (hooks.data is unused): the
	 * one observer that has the hook, or a fan-out over the observers (see PsMmHooks)
	 */
	PsMmHooks hooks;
	struct {
		void *extfrag, *zone_locked, *pcpu_drain;
	} hook_data;
	/* the registered observers, in registration order */
	PsMmHooks observers[PS_MM_MAX_OBSERVERS];
	int nr_observers;
	/* policy/'s state (PsPolicy), opaque here; NULL in bare unit tests */
	void *policy;
	/* [nr_cpus]: vmstat work pending on the cpu (ps_pcp_decay) */
	uint8_t *cpu_vmstat_dirty;
	/* the running direct compaction's capture_control, NULL otherwise */
	PsCaptureControl *capture;
	/*
	 * cpu + 1 whose pcp lock the task holds while an interrupt's free runs on it (the sim
	 * sets it around such a free): ps_free_pages' pcp_spin_trylock fails there; 0: none
	 */
	int pcp_lock_held;
	/* built by ps_machine_new_unbooted: no managed page is free yet (ps_machine_boot) */
	bool boot_pending;
} PsMachine;

PsMachine *ps_machine_new(const PsMachineSpec *spec, GError **error);
/*
 * ps_machine_new without its last step, the release of every managed page to the buddy
 * (memblock_free_all): for a caller that may replace the whole page state before anything reads
 * it (a started state restored from the cache, sim/start-cache.c), which saves writing and
 * faulting in the page arrays the restore maps over. ps_machine_boot takes that step when the
 * state is not replaced; until then nothing may read the machine's free memory.
 */
PsMachine *ps_machine_new_unbooted(const PsMachineSpec *spec, GError **error);
/* The release of ps_machine_new_unbooted's managed pages, once; a no-op on a booted machine. */
void ps_machine_boot(PsMachine *m);
/*
 * Bytes of the flat per-pfn arrays ps_machine_new would allocate for spec (the bulk of a large
 * machine's memory), and in *nr_pages the pfns they cover. Checklist: follows ps_machine_new.
 */
uint64_t ps_machine_state_bytes(const PsMachineSpec *spec, uint64_t *nr_pages);
void ps_machine_free(PsMachine *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PsMachine, ps_machine_free)

/*
 * The machine's state as a table of saved arrays (util/state.c): counters, zones and their pcp
 * lists, page links and flags, pageblock types; on a restore the arrays are written back in
 * place (the machine must have been built from the same spec). Checklist: a field added to
 * PsMachine, PsZone (before pcp they are saved whole) or PsMemMap that a run changes goes here.
 */
typedef struct PsStateTable PsStateTable; /* util/util.h */
void ps_machine_state(PsMachine *m, PsStateTable *t);

/* Why ps_zone_grow refused a range. */
enum ps_zone_grow_result {
	PS_ZONE_GROW_OK,
	PS_ZONE_GROW_EMPTY_ZONE,   /* the zone has no managed page (no pcp, not in zonelists) */
	PS_ZONE_GROW_OUTSIDE_SPAN, /* the range is not inside the zone's span */
	PS_ZONE_GROW_NOT_RESERVED, /* a page of the range is already managed */
};
/*
 * The zone's part of online_pages() (mm/memory_hotplug.c, 6.18) for [pfn, pfn + pages), pages
 * the model holds as reserved: every pageblock starting in the range becomes MIGRATE_MOVABLE
 * (memmap_init_range, then undo_isolate_page_range), the range is freed to the buddy in naturally
 * aligned chunks of up to MAX_PAGE_ORDER to the tail (online_pages_range -> generic_online_page
 * -> __free_pages_core, pgfree counted), and present (at most spanned) and managed grow by
 * pages. The watermarks and pcp limits are policy's (init_per_zone_wmark_min): the caller's.
 */
enum ps_zone_grow_result ps_zone_grow(PsMachine *m, PsZone *z, ps_pfn_t pfn, uint64_t pages);
/*
 * The highest `pages` reserved pfns of z in one run, ending at its highest reserved pfn, in
 * *pfn: where a growth whose pfns the model does not hold as reserved goes (at boot the
 * reserved pages are the start of the span, so the run ends where the managed pages begin).
 * FALSE when there is no such run.
 */
bool ps_zone_reserved_top(const PsMachine *m, const PsZone *z, uint64_t pages, ps_pfn_t *pfn);

/*
 * PAGES_PER_SECTION: 1 << (SECTION_SIZE_BITS - PAGE_SHIFT), SECTION_SIZE_BITS 27 on x86-64 and
 * arm64 4K/16K, 29 on arm64 64K (arch/arm64/include/asm/sparsemem.h; kernel-facts §2.1).
 */
uint64_t ps_pages_per_section(uint32_t page_size);
/*
 * deferred_grow_zone() (mm/mm_init.c, 6.18) for an allocation of `order`: from
 * first_deferred_pfn up, MAX_PAGE_ORDER-aligned chunks are initialised and freed
 * (deferred_init_maxorder -> deferred_free_pages: a whole aligned MAX_PAGE_ORDER chunk gets
 * MIGRATE_MOVABLE pageblocks and is freed as one block, a partial chunk page by page, each
 * pageblock start MOVABLE; __free_pages_core(MEMINIT_EARLY): managed grows, present does not,
 * FPI_TO_TAIL, pgfree counted) until at least ALIGN(1 << order, PAGES_PER_SECTION) pages are
 * in, stopping only where a chunk crosses a section boundary. *grown gets the pages added.
 * Returns the kernel's answer: TRUE when pages were added, and TRUE once more (0 pages) on the
 * call that finds none left after the last growth ("Retry only once"); FALSE for a zone
 * without deferred pages. Watermarks are the caller's (policy/).
 */
bool ps_deferred_grow_zone(PsMachine *m, PsZone *z, unsigned order, uint64_t *grown);

/* Kernel defaults for a page size: MAX_PAGE_ORDER, pageblock_order, HPAGE_PMD_ORDER (§2.1). */
gboolean ps_page_size_defaults(uint32_t page_size, unsigned *max_order, unsigned *pageblock_order,
			       unsigned *thp_order);

static inline PsZone *ps_machine_zone(PsMachine *m, int node, enum ps_zone_type type)
{
	return &m->zones[node * PS_MAX_NR_ZONES + type];
}

static inline bool ps_zone_populated(const PsZone *z)
{
	return z->managed > 0;
}

static inline ps_pfn_t ps_zone_end_pfn(const PsZone *z)
{
	return z->start_pfn + (ps_pfn_t)z->spanned;
}

static inline ps_pfn_t ps_zone_managed_start_pfn(const PsZone *z)
{
	return z->start_pfn + (ps_pfn_t)(z->spanned - z->managed);
}

/* ps_pfn_zone when pfn is not in the zone of the last answer. */
PsZone *ps_pfn_zone_search(PsMachine *m, ps_pfn_t pfn);

/* The zone of ps_pfn_zone's last answer if it holds pfn, else NULL (a fast path with no call). */
static inline PsZone *ps_pfn_zone_hinted(const PsMachine *m, ps_pfn_t pfn)
{
	PsZone *z = &m->zones[m->pfn_zone_hint];

	return (uint64_t)(ps_pfn_t)(pfn - z->start_pfn) < z->spanned ? z : NULL;
}

/*
 * The zone containing pfn, or NULL. Zones with pages do not overlap (ps_machine_new refuses it),
 * so the zone of the last answer is the answer whenever it holds pfn: most lookups in a row are
 * in one zone, and that test is inline.
 */
static inline PsZone *ps_pfn_zone(PsMachine *m, ps_pfn_t pfn)
{
	PsZone *z = ps_pfn_zone_hinted(m, pfn);

	return z ? z : ps_pfn_zone_search(m, pfn);
}

static inline unsigned ps_page_order(const PsMachine *m, ps_pfn_t pfn)
{
	return m->map.flags[pfn - m->map.base_pfn] & PS_PAGE_ORDER_MASK;
}

static inline enum ps_page_state ps_page_state(const PsMachine *m, ps_pfn_t pfn)
{
	return (enum ps_page_state)((m->map.flags[pfn - m->map.base_pfn] & PS_PAGE_STATE_MASK) >>
				    PS_PAGE_STATE_SHIFT);
}

static inline bool ps_page_movable(const PsMachine *m, ps_pfn_t pfn)
{
	return m->map.flags[pfn - m->map.base_pfn] & PS_PAGE_MOVABLE_BIT;
}

/*
 * A new allocated head starts without an owner (see ps_page_owner): its next slot, unused while
 * the block is not on a list, is reset here so no stale list link reads as an owner.
 */
static inline void ps_page_set(PsMachine *m, ps_pfn_t pfn, enum ps_page_state st, unsigned order)
{
	uint64_t i = pfn - m->map.base_pfn;

	m->map.flags[i] = (uint8_t)((st << PS_PAGE_STATE_SHIFT) | (order & PS_PAGE_ORDER_MASK));
	if (st == PS_PAGE_ALLOCATED)
		m->map.link[i].next = PS_PFN_NONE;
	/* a pageblock's first page: its PsMemMap.big_head byte follows (base_pfn is aligned) */
	if (G_UNLIKELY(!(i & (m->pageblock_nr_pages - 1))))
		m->map.big_head[i >> m->pageblock_order] =
		    st == PS_PAGE_ALLOCATED && (order & PS_PAGE_ORDER_MASK) >= m->pageblock_order;
}

/* ps_page_set(st, order 0) of n pages from pfn, written as whole arrays (set-up and loading). */
static inline void ps_page_set_run(PsMachine *m, ps_pfn_t pfn, uint64_t n, enum ps_page_state st)
{
	uint64_t at = pfn - m->map.base_pfn;

	memset(&m->map.flags[at], (uint8_t)(st << PS_PAGE_STATE_SHIFT), n);
	if (st == PS_PAGE_ALLOCATED)
		for (uint64_t i = 0; i < n; i++)
			m->map.link[at + i].next = PS_PFN_NONE;
	/* order 0: no pageblock whose first page is in the run has a big head now */
	for (uint64_t b = (at + m->pageblock_nr_pages - 1) >> m->pageblock_order;
	     b << m->pageblock_order < at + n; b++)
		m->map.big_head[b] = 0;
}

/*
 * The owner of a movable block a snapshot left allocated: nobody in the trace holds it, but
 * compaction may move it, and the host follows it by pfn.
 */
#define PS_OWNER_UNKNOWN_AT_START (PS_PFN_NONE - 1)

/*
 * The owner of an allocated block (the reverse map compaction needs to tell the host that a block
 * moved): a handle the host chose, PS_PFN_NONE when nobody registered one. Stored in the head's
 * map.link[].next, which only list members use.
 */
static inline void ps_page_set_owner(PsMachine *m, ps_pfn_t pfn, uint32_t owner)
{
	m->map.link[pfn - m->map.base_pfn].next = owner;
}

static inline uint32_t ps_page_owner(const PsMachine *m, ps_pfn_t pfn)
{
	return m->map.link[pfn - m->map.base_pfn].next;
}

/* The slot of pfn's links in l's arrays (see PsMemMap): next or prev of a walk. */
static inline uint32_t *ps_list_next_slot(const PsMachine *m, const PsList *l, ps_pfn_t pfn)
{
	uint64_t i = pfn - m->map.base_pfn;

	return l->block_links ? &m->map.block_link[i >> m->map.block_shift].next
			      : &m->map.link[i].next;
}

static inline uint32_t *ps_list_prev_slot(const PsMachine *m, const PsList *l, ps_pfn_t pfn)
{
	uint64_t i = pfn - m->map.base_pfn;

	return l->block_links ? &m->map.block_link[i >> m->map.block_shift].prev
			      : &m->map.link[i].prev;
}

/* The block after pfn on l (PS_PFN_NONE after the tail): for walks outside mm/. */
static inline ps_pfn_t ps_list_next(const PsMachine *m, const PsList *l, ps_pfn_t pfn)
{
	return *ps_list_next_slot(m, l, pfn);
}

/*
 * pageblock_mt holds the migratetype in its low bits, PB_migrate_skip, compaction's per-block
 * skip hint, in its high bit, and below it PS_PAGEBLOCK_NOMEM: the pfn a zone's pageblock walk
 * reaches in this block has no memory behind it (a hole, memory offline), which
 * pagetypeinfo_showblockcount_print (mm/vmstat.c) skips as pfn_to_online_page() gives it no
 * page; report/ counts the others. Set at boot for the span's hole (machine.c: spanned -
 * present, at the start of the zone, where the model lays out its unmanaged pages), by a
 * snapshot load from the dump's holes and offline memory (ps_machine_load_state), cleared where
 * memory comes online (ps_zone_grow). Every reader of the array goes through these helpers or
 * masks with PS_PAGEBLOCK_MT_MASK.
 */
#define PS_PAGEBLOCK_MT_MASK 0x3fu
#define PS_PAGEBLOCK_NOMEM   0x40u
#define PS_PAGEBLOCK_SKIP    0x80u

/* get_pfnblock_migratetype / set_pageblock_migratetype (the skip bit is kept) */
static inline enum ps_migratetype ps_pageblock_mt(const PsMachine *m, ps_pfn_t pfn)
{
	return (enum ps_migratetype)(
	    m->pageblock_mt[(pfn - m->map.base_pfn) >> m->pageblock_order] & PS_PAGEBLOCK_MT_MASK);
}

static inline void ps_set_pageblock_mt(PsMachine *m, ps_pfn_t pfn, enum ps_migratetype mt)
{
	uint8_t *b = &m->pageblock_mt[(pfn - m->map.base_pfn) >> m->pageblock_order];

	*b = (uint8_t)((*b & (PS_PAGEBLOCK_SKIP | PS_PAGEBLOCK_NOMEM)) |
		       ((unsigned)mt & PS_PAGEBLOCK_MT_MASK));
}

/* Whether pfn's pageblock has no memory where a zone's pageblock walk looks (see above). */
static inline bool ps_pageblock_nomem(const PsMachine *m, ps_pfn_t pfn)
{
	return m->pageblock_mt[(pfn - m->map.base_pfn) >> m->pageblock_order] & PS_PAGEBLOCK_NOMEM;
}

static inline void ps_set_pageblock_nomem(PsMachine *m, ps_pfn_t pfn, bool nomem)
{
	uint8_t *b = &m->pageblock_mt[(pfn - m->map.base_pfn) >> m->pageblock_order];

	*b = (uint8_t)(nomem ? (*b | PS_PAGEBLOCK_NOMEM) : (*b & ~PS_PAGEBLOCK_NOMEM));
}

/* get_pageblock_skip / set_pageblock_skip / clear_pageblock_skip */
static inline bool ps_pageblock_skip(const PsMachine *m, ps_pfn_t pfn)
{
	return m->pageblock_mt[(pfn - m->map.base_pfn) >> m->pageblock_order] & PS_PAGEBLOCK_SKIP;
}

static inline void ps_set_pageblock_skip(PsMachine *m, ps_pfn_t pfn, bool skip)
{
	uint8_t *b = &m->pageblock_mt[(pfn - m->map.base_pfn) >> m->pageblock_order];

	*b = (uint8_t)(skip ? (*b | PS_PAGEBLOCK_SKIP) : (*b & ~PS_PAGEBLOCK_SKIP));
}

static inline bool ps_is_migrate_highatomic(enum ps_migratetype mt)
{
	return mt == PS_MT_HIGHATOMIC;
}

/* migratetype_is_mergeable */
static inline bool ps_migratetype_is_mergeable(enum ps_migratetype mt)
{
	return mt < PS_MT_PCPTYPES;
}

/* ---- buddy (mm/buddy.c) ----------------------------------------------------------------- */

/* Free-path placement flags (fpi_t). */
enum { PS_FPI_NONE = 0, PS_FPI_TO_TAIL = 1 };

/*
 * Result of __rmqueue: which stage served the request, for counters and the extfrag record.
 * fallback_mt/fallback_order/claimed are meaningful when stage is CLAIM or STEAL.
 */
enum ps_rmqueue_mode { PS_RMQUEUE_NORMAL, PS_RMQUEUE_CMA, PS_RMQUEUE_CLAIM, PS_RMQUEUE_STEAL };
typedef struct {
	enum ps_rmqueue_mode mode;
	enum ps_migratetype fallback_mt;
	unsigned fallback_order;
	bool claimed;	  /* change_ownership */
	bool fragmenting; /* fallback_order < pageblock_order */
} PsRmqueueInfo;

/* Registers one more observer (at most PS_MM_MAX_OBSERVERS); NULL removes them all. */
void ps_machine_set_hooks(PsMachine *m, const PsMmHooks *hooks);

/* Low-level list operations (__add_to_free_list, __del_page_from_free_list, ...). */
void ps_free_list_add(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order, enum ps_migratetype mt,
		      bool tail);
void ps_free_list_del(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order,
		      enum ps_migratetype mt);
/* The list the free block head at pfn is on: its pageblock's type unless placed elsewhere. */
enum ps_migratetype ps_free_list_of(const PsMachine *m, const PsZone *z, ps_pfn_t pfn);
/*
 * move_to_free_list without retyping: the free block at pfn goes to the tail of new_mt's list of
 * its order, whatever its pageblock's type (a snapshot start's lists as pagetypeinfo shows them).
 */
void ps_free_list_move(PsMachine *m, PsZone *z, ps_pfn_t pfn, enum ps_migratetype new_mt);
/* PsZone.foreign and foreign_nr made (empty) if the zone has none; records one entry. */
void ps_free_list_foreign_init(PsMachine *m, PsZone *z);
void ps_free_list_foreign_set(PsMachine *m, PsZone *z, ps_pfn_t pfn, enum ps_migratetype list);
/* PsZone.foreign and foreign_nr freed (the zone has them), as if it never had a foreign block. */
void ps_free_list_foreign_drop(PsZone *z);

/* __free_one_page: merge and place a block of `order` at pfn, whose pageblock type is mt. */
void ps_free_one_page(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order, enum ps_migratetype mt,
		      int fpi);

/* __free_pages_ok path for a block: split into pageblocks if larger (split_large_buddy). */
void ps_buddy_free(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order, int fpi);

/* __rmqueue_smallest */
ps_pfn_t ps_rmqueue_smallest(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt);

/*
 * __rmqueue: the wanted type, then claim, then steal (6.16+ form). *mode is the remembered
 * stage for rmqueue_bulk (NULL for single allocations). Returns PS_PFN_NONE when nothing fits.
 */
ps_pfn_t ps_rmqueue(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt,
		    unsigned alloc_flags, enum ps_rmqueue_mode *mode, PsRmqueueInfo *info);

/*
 * rmqueue_buddy: highatomic first for ALLOC_HIGHATOMIC, then __rmqueue, then highatomic for
 * ALLOC_OOM|ALLOC_NON_BLOCK. Marks the block allocated.
 */
ps_pfn_t ps_rmqueue_buddy(PsMachine *m, PsZone *z, unsigned order, enum ps_migratetype mt,
			  unsigned alloc_flags);

/* reserve_highatomic_pageblock / unreserve_highatomic_pageblock */
void ps_reserve_highatomic_pageblock(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order);
bool ps_unreserve_highatomic_pageblock(PsMachine *m, PsZone *z, enum ps_migratetype req_mt,
				       bool force);

/*
 * boost_watermark's refusals: whether it would boost z (watermark_boost_factor set, at least
 * four pageblocks managed, mult_frac(high, factor, 10000) not 0).
 */
bool ps_zone_boostable(const PsMachine *m, const PsZone *z);
/* boost_watermark; returns true if the boost changed. */
bool ps_boost_watermark(PsMachine *m, PsZone *z);

/*
 * Marks the block at pfn as handed out (head state, zone nr_allocated, no owner). Inline: every
 * allocation calls it.
 */
static inline void ps_page_mark_allocated(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	ps_page_set(m, pfn, PS_PAGE_ALLOCATED, order);
	z->nr_allocated += 1ull << order;
}

/*
 * __isolate_free_page: takes the free block at pfn off its list for compaction's free scanner,
 * unless that would leave the zone at or below min + 2^order free pages. A block of at least half
 * a pageblock turns its (mergeable) pageblocks MOVABLE, moving their other free pages along.
 * Returns the pages taken (0 when refused); the pages are left as tails.
 */
uint64_t ps_isolate_free_page(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order);
/* Marks an allocated head as movable-looking (LRU / movable ops) or not. */
static inline void ps_page_set_movable(PsMachine *m, ps_pfn_t pfn, bool movable)
{
	uint8_t *f = &m->map.flags[pfn - m->map.base_pfn];
	*f = (uint8_t)(movable ? (*f | PS_PAGE_MOVABLE_BIT) : (*f & ~PS_PAGE_MOVABLE_BIT));
}

/*
 * A large folio split to base pages (__split_unmapped_folio with new_order 0: every page of the
 * allocated block at pfn becomes an allocated head of order 0, keeping the block's movability).
 * The pieces start without an owner (ps_page_set): the caller registers each one.
 */
static inline void ps_page_split_allocated(PsMachine *m, ps_pfn_t pfn, unsigned order)
{
	bool movable = ps_page_movable(m, pfn);

	g_assert(ps_page_state(m, pfn) == PS_PAGE_ALLOCATED && ps_page_order(m, pfn) == order);
	for (ps_pfn_t p = pfn; p < pfn + (1u << order); p++) {
		ps_page_set(m, p, PS_PAGE_ALLOCATED, 0);
		ps_page_set_movable(m, p, movable);
	}
}

/* ---- pcp (mm/pcp.c) -------------------------------------------------------------------- */

/* pcp_allowed_order: the costly orders and below, and the PMD order when THP is built. */
static inline bool ps_pcp_allowed_order(const PsMachine *m, unsigned order)
{
	if (order <= PS_PAGE_ALLOC_COSTLY_ORDER)
		return true;
	return m->spec.thp_built && order == m->spec.thp_order;
}

/* order_to_pindex: the pcp list of order and mt. */
static inline int ps_pcp_list_index(const PsMachine *m, unsigned order, enum ps_migratetype mt)
{
	if (order > PS_PAGE_ALLOC_COSTLY_ORDER) {
		g_assert(m->spec.thp_built && order == m->spec.thp_order);
		return 3 * (PS_PAGE_ALLOC_COSTLY_ORDER + 1) + (mt == PS_MT_MOVABLE);
	}
	return (int)(3 * order + mt);
}

/* rmqueue_pcplist: returns PS_PFN_NONE on failure; the block is marked allocated. */
ps_pfn_t ps_rmqueue_pcplist(PsMachine *m, PsZone *z, int cpu, unsigned order,
			    enum ps_migratetype mt, unsigned alloc_flags);

/* ps_rmqueue_pcplist when the list of pindex (of order) holds a block: never refills. */
ps_pfn_t ps_rmqueue_pcplist_head(PsMachine *m, PsZone *z, int cpu, unsigned order, int pindex);

/*
 * The count side of the pcp rules, for a walk of a copy of a pcp (sim/snapshot-pcp.c's start
 * count): nr_pcp_alloc at a refill (grows pcp->high, scales alloc_factor; returns the batch), and
 * free_frozen_page_commit's bookkeeping up to nr_pcp_high for a free of `order` already counted
 * in pcp->count (returns the high the count is checked against: count >= it drains).
 */
int ps_pcp_nr_alloc(const PsMachine *m, PsPcp *pcp, const PsZone *z, unsigned order);
int ps_pcp_free_high(const PsMachine *m, PsPcp *pcp, const PsZone *z, unsigned order,
		     bool *free_high);
/* free_frozen_page_commit: a block of a pcp-allowed order freed on `cpu`. */
void ps_free_pcp(PsMachine *m, PsZone *z, int cpu, ps_pfn_t pfn, unsigned order,
		 enum ps_migratetype mt);
/*
 * __free_pages of order-0 pages of zone z freed one after the other on `cpu` (an exit's run of
 * frees): the state of ps_free_pages_zone on each in order, up to and including the first free
 * that drains the pcp (free_pcppages_bulk), or up to the first page the pcp would not take (an
 * isolated pageblock; all of them while the cpu's pcp lock is held), which is not freed. Returns
 * the pages freed; only the last of them can have moved anything in the buddy.
 */
unsigned ps_free_pcp_run(PsMachine *m, PsZone *z, int cpu, const ps_pfn_t *pfns, unsigned n);

/* free_pcppages_bulk: drain `count` base pages from the tail of the lists. */
void ps_pcp_free_bulk(PsMachine *m, PsZone *z, PsPcp *pcp, int count, int pindex);

/*
 * Puts an allocated block at the tail of a pcp list, as if a refill had left it there: for
 * rebuilding the pcp contents of a real machine at the start of a run (sim/snapshot-pcp.c).
 */
void ps_pcp_adopt(PsMachine *m, PsZone *z, int cpu, ps_pfn_t pfn, unsigned order,
		  enum ps_migratetype mt);
/* Sets a cpu's dynamic pcp high as a real machine's zoneinfo shows it (same use). */
void ps_pcp_restore_high(PsZone *z, int cpu, int high);
/*
 * Takes the block at pfn (exactly `order`) off the pcp list holding it, as alloc_pages_bulk's
 * __rmqueue_pcplist loop does with no tracepoint: the list's count goes down, free_count stays
 * (only rmqueue_pcplist halves it). Returns the cpu whose list held it, or -1 (not on a list).
 */
int ps_pcp_take_untraced(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order);

/* drain_pages_zone for one cpu (all pages), drain_all_pages for a zone or all zones (NULL). */
void ps_pcp_drain_cpu_zone(PsMachine *m, PsZone *z, int cpu);
void ps_pcp_drain_all(PsMachine *m, PsZone *z);

/*
 * decay_pcp_high + drain above high for every CPU vmstat_update would run on; called every
 * stat_interval. ps_pcp_mark_cpu_active records that a CPU changed counters (alloc or free).
 */
void ps_pcp_decay(PsMachine *m);
/*
 * decay_pcp_high's new pcp->high for a high above high_min: an eighth less, no lower than count
 * - (batch << PCP_BATCH_SCALE_MAX) nor than high_min (ps_pcp_decay's rule; pinned --settle's
 * passes use it on the lists the records show).
 */
int ps_pcp_decayed_high(const PsMachine *m, int count, int high, int batch, int high_min);
static inline void ps_pcp_mark_cpu_active(PsMachine *m, int cpu)
{
	m->cpu_vmstat_dirty[cpu] |= 1;
}

/* Apply zone->pageset_* to every cpu's pcp (zone_set_pageset_high_and_batch). */
void ps_zone_update_pagesets(PsMachine *m, PsZone *z);

/* ---- free page accounting helpers -------------------------------------------------------- */

static inline uint64_t ps_zone_free_pages(const PsZone *z)
{
	return (uint64_t)z->vm_stat[PS_NR_FREE_PAGES];
}

/* ---- fragmentation indices (mm/vmstat.c) -------------------------------------------------- */

/*
 * The indices of mm/vmstat.c from per-order free block counts (free_area[o].nr_free, or one line
 * of /proc/buddyinfo), nr_orders entries, with the kernel's integer arithmetic (kernel-facts
 * §8.3). F = free pages, B = free blocks, S = blocks of 2^order the free blocks could supply.
 * order < nr_orders.
 */
/* unusable_free_index in thousandths: F == 0 -> 1000, else (F - S*2^order)*1000/F. */
int ps_unusable_index(const uint64_t *nr_free, unsigned nr_orders, unsigned order);
/*
 * __fragmentation_index in thousandths: no free blocks -> 0; a suitable block -> -1000;
 * else 1000 - (1000 + F*1000/R)/B with R = 2^order. Near 0 the request fails for lack of memory,
 * near 1000 for fragmentation.
 */
int ps_fragmentation_index(const uint64_t *nr_free, unsigned nr_orders, unsigned order);
/* extfrag_for_order, in percent: F == 0 -> 0, else (F - S*2^order)*100/F. */
int ps_extfrag_for_order(const uint64_t *nr_free, unsigned nr_orders, unsigned order);
/* Copies free_area[0..nr_orders).nr_free of a zone into nr_free. */
void ps_zone_nr_free(const PsZone *z, unsigned nr_orders, uint64_t *nr_free);
/* fragmentation_index(zone, order) and extfrag_for_order(zone, order): the above on a zone. */
int ps_zone_fragmentation_index(const PsMachine *m, const PsZone *z, unsigned order);
int ps_zone_extfrag_for_order(const PsMachine *m, const PsZone *z, unsigned order);

/* ---- memory policy spelling (mm/mempolicy.c) --------------------------------------------- */

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

/*
 * mpol_parse_str: "MODE" or "MODE:NODES", MODE one of ps_mpol_mode_names, NODES a list like
 * "0,2-3" below PS_MAX_NODES (required except for default and local). Errors say what is wrong.
 */
gboolean ps_mpol_parse_str(const char *s, enum ps_mpol_mode *mode, uint64_t *nodes, GError **error);

/* ---- GFP flags (mm/gfp.c): bit values of kernel-facts §10.7 ------------------------------- */

#define PS_GFP_DMA		0x1ull
#define PS_GFP_HIGHMEM		0x2ull
#define PS_GFP_DMA32		0x4ull
#define PS_GFP_MOVABLE		0x8ull
#define PS_GFP_RECLAIMABLE	0x10ull
#define PS_GFP_HIGH		0x20ull
#define PS_GFP_IO		0x40ull
#define PS_GFP_FS		0x80ull
#define PS_GFP_ZERO		0x100ull
#define PS_GFP_DIRECT_RECLAIM	0x400ull
#define PS_GFP_KSWAPD_RECLAIM	0x800ull
#define PS_GFP_WRITE		0x1000ull
#define PS_GFP_NOWARN		0x2000ull
#define PS_GFP_RETRY_MAYFAIL	0x4000ull
#define PS_GFP_NOFAIL		0x8000ull
#define PS_GFP_NORETRY		0x10000ull
#define PS_GFP_MEMALLOC		0x20000ull
#define PS_GFP_COMP		0x40000ull
#define PS_GFP_NOMEMALLOC	0x80000ull
#define PS_GFP_HARDWALL		0x100000ull
#define PS_GFP_THISNODE		0x200000ull
#define PS_GFP_ACCOUNT		0x400000ull
#define PS_GFP_ZEROTAGS		0x800000ull
#define PS_GFP_NO_OBJ_EXT	0x1000000ull
#define PS_GFP_RECLAIM		(PS_GFP_DIRECT_RECLAIM | PS_GFP_KSWAPD_RECLAIM)
#define PS_GFP_ATOMIC		(PS_GFP_HIGH | PS_GFP_KSWAPD_RECLAIM)
#define PS_GFP_NOWAIT		(PS_GFP_KSWAPD_RECLAIM | PS_GFP_NOWARN)
#define PS_GFP_NOIO		(PS_GFP_RECLAIM)
#define PS_GFP_NOFS		(PS_GFP_RECLAIM | PS_GFP_IO)
#define PS_GFP_KERNEL		(PS_GFP_RECLAIM | PS_GFP_IO | PS_GFP_FS)
#define PS_GFP_KERNEL_ACCOUNT	(PS_GFP_KERNEL | PS_GFP_ACCOUNT)
#define PS_GFP_PGTABLE_USER	(PS_GFP_KERNEL_ACCOUNT | PS_GFP_ZERO)
#define PS_GFP_USER		(PS_GFP_KERNEL | PS_GFP_HARDWALL)
#define PS_GFP_HIGHUSER		(PS_GFP_USER | PS_GFP_HIGHMEM)
#define PS_GFP_HIGHUSER_MOVABLE (PS_GFP_HIGHUSER | PS_GFP_MOVABLE)
#define PS_GFP_TRANSHUGE_LIGHT                                                                     \
	((PS_GFP_HIGHUSER_MOVABLE | PS_GFP_COMP | PS_GFP_NOMEMALLOC | PS_GFP_NOWARN) &             \
	 ~PS_GFP_RECLAIM)
#define PS_GFP_TRANSHUGE (PS_GFP_TRANSHUGE_LIGHT | PS_GFP_DIRECT_RECLAIM)

/*
 * Parses the tracepoint's printed form ("GFP_HIGHUSER_MOVABLE|__GFP_ZERO", "0x100cca", "none")
 * into bits. Unknown names are an error naming the offending token.
 */
gboolean ps_gfp_parse(const char *s, uint64_t *gfp, GError **error);
/* The kernel's printed form (composites first, then single flags, then leftover hex). */
char *ps_gfp_format(uint64_t gfp);
/*
 * gfp_zone(): highest usable zone; PS_MAX_NR_ZONES for an invalid combination. Inline: every
 * allocation's prepare_alloc_pages asks it.
 */
static inline enum ps_zone_type ps_gfp_zone(uint64_t gfp)
{
	uint64_t bits = gfp & (PS_GFP_DMA | PS_GFP_HIGHMEM | PS_GFP_DMA32 | PS_GFP_MOVABLE);

	switch (bits) {
	case 0:
		return PS_ZONE_NORMAL;
	case PS_GFP_DMA:
	case PS_GFP_MOVABLE | PS_GFP_DMA:
		return PS_ZONE_DMA;
	case PS_GFP_DMA32:
	case PS_GFP_MOVABLE | PS_GFP_DMA32:
		return PS_ZONE_DMA32;
	/* __GFP_HIGHMEM names ZONE_HIGHMEM, which a 64-bit build folds into Normal. */
	case PS_GFP_HIGHMEM:
		return PS_ZONE_NORMAL;
	/* Movable without HIGHMEM is only a mobility hint: it may not use ZONE_MOVABLE. */
	case PS_GFP_MOVABLE:
		return PS_ZONE_NORMAL;
	case PS_GFP_MOVABLE | PS_GFP_HIGHMEM:
		return PS_ZONE_MOVABLE;
	default:
		/* Two zone modifiers at once (DMA with DMA32 or HIGHMEM, ...): GFP_ZONE_BAD. */
		return PS_MAX_NR_ZONES;
	}
}

/* gfp_migratetype() (UNMOVABLE whenever mobility grouping is disabled: caller's business). */
static inline enum ps_migratetype ps_gfp_migratetype(uint64_t gfp)
{
	/*
	 * The kernel takes (gfp >> 3) & 3 and only warns (VM_WARN_ON) when both MOVABLE and
	 * RECLAIMABLE are set, which would yield 3 - MIGRATE_HIGHATOMIC here, a type no request may
	 * ask for and one that would index the wrong pcp list. Such a mask is a caller bug; it is
	 * treated as UNMOVABLE, the conservative choice for fragmentation.
	 */
	switch (gfp & (PS_GFP_MOVABLE | PS_GFP_RECLAIMABLE)) {
	case PS_GFP_MOVABLE:
		return PS_MT_MOVABLE;
	case PS_GFP_RECLAIMABLE:
		return PS_MT_RECLAIMABLE;
	default:
		return PS_MT_UNMOVABLE;
	}
}

/* ---- a real machine's state (mm/snapshot.c) ------------------------------------------------ */

/* What one pfn of a snapshot is. */
enum { PS_SNAP_RESERVED, PS_SNAP_FREE, PS_SNAP_ALLOCATED };

/*
 * A physical memory state to load: per-pfn arrays over [base_pfn, end_pfn) (pfns outside are
 * reserved). head_order (optional) gives, for the first page of a compound page, the order of an
 * allocated block to form there; movable (optional) sets PS_PAGE_MOVABLE_BIT on allocated heads;
 * pageblock_mt (optional) is indexed like PsMachine.pageblock_mt: the type, and
 * PS_PAGEBLOCK_NOMEM where the block has no memory (it replaces the boot's marks).
 */
typedef struct {
	ps_pfn_t base_pfn, end_pfn;
	const uint8_t *state; /* PS_SNAP_* */
	const uint8_t *head_order;
	const uint8_t *movable;
	const uint8_t *pageblock_mt;
} PsMachineState;

/*
 * Replaces every populated zone's free lists and page states with the given state: free pages
 * merged maximally, other managed pages allocated, the rest reserved. Each zone's managed count
 * must equal the state's; pcp lists must be empty. Keeps every ps_machine_check invariant.
 */
gboolean ps_machine_load_state(PsMachine *m, const PsMachineState *st, GError **error);
/*
 * Takes the free pages of [pfn, pfn + 2^order) out of the buddy: splits an enclosing free block
 * as break_down_buddy_pages does, or removes the whole free blocks inside the range. Returns the
 * pages taken (2^order when the range was free). The pages are left as tails: the caller marks
 * the block (ps_page_mark_allocated).
 */
uint64_t ps_buddy_take_range(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order);
/* The head of the free block of order min_order or more that holds pfn, or PS_PFN_NONE. */
ps_pfn_t ps_enclosing_free_block(const PsMachine *m, const PsZone *z, ps_pfn_t pfn,
				 unsigned min_order);
/*
 * Makes [pfn, pfn + 2^order) exactly one allocated block when allocated blocks cover it (splitting
 * one that holds it, or joining the ones inside it). false, nothing changed, otherwise.
 */
bool ps_alloc_reshape(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order);
/*
 * Makes [pfn, pfn + 2^order) one allocated block whatever it holds: allocated blocks are reshaped
 * into it, free pages are taken out of the buddy and counted allocated. Returns the pages taken
 * from the buddy (0 when it was all allocated). For following a recording of a block handed out.
 */
uint64_t ps_alloc_take_range(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order);
/* An allocated block of exactly `order` at pfn back to the buddy, merging (no pcp). */
void ps_alloc_give_back(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order);
/* Retypes the pageblock of pfn, moving its free blocks (a larger free block: all its blocks). */
void ps_pageblock_set_mt(PsMachine *m, PsZone *z, ps_pfn_t pfn, enum ps_migratetype mt);

/* ---- invariant checker (mm/check.c) ------------------------------------------------------- */

/*
 * Walks every zone and verifies: per order and type nr_free equals list lengths; list links are
 * consistent; free blocks are aligned, inside the zone and non-overlapping; no two free buddies of
 * equal order that __free_one_page would have merged; free + pcp + allocated = managed; counters
 * (NR_FREE_PAGES, NR_FREE_PAGES_BLOCKS, nr_free_highatomic, pcp count) equal recomputed values.
 * Returns FALSE with a description in *error on the first violation.
 */
gboolean ps_machine_check(PsMachine *m, GError **error);

#define PS_MM_ERROR (ps_mm_error_quark())
GQuark ps_mm_error_quark(void);
enum { PS_MM_ERROR_SPEC, PS_MM_ERROR_INVARIANT };

G_END_DECLS

#endif
