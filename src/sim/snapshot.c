// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * snapshot.c - starting a run from a real machine's memory: /proc/kpageflags (one little-endian
 * u64 of KPF_* bits per pfn, pfn 0 first) turned into a machine state, the pageblock types that
 * state implies, the check of those types against /proc/pagetypeinfo, and the ownership of the
 * pages that were allocated before the trace started ("unknown at start").
 *
 * Rules (include/uapi/linux/kernel-page-flags.h bit numbers):
 *
 * - Free: KPF_BUDDY (10). On this kernel every page of a free buddy block carries it, so the
 *   free set is exactly these pfns (pages on pcp lists do not: they count as allocated, as the
 *   kernel's NR_FREE_PAGES does not count them either).
 *
 * - Reserved: KPF_RESERVED (32), KPF_NOPAGE (20), KPF_OFFLINE (23), KPF_HWPOISON (19): not
 *   managed.
 *
 * - No flags: a page with no flag at all is either a kernel allocation without flags (page
 *   tables are flagged, but vmalloc, kernel stacks and many others are not) or memory the
 *   allocator does not manage (holes, memory not yet initialised by deferred init). The zone's
 *   managed count decides: after the free and flagged pages, the lowest flagless pfns of the
 *   zone are taken as allocated until the count is reached, the rest are reserved. Deferred init
 *   grows a zone upward from its start, so on the recorded machine this picks exactly the Normal
 *   zone's initialised sections. Flagless pages that fill a whole aligned 128 MiB memory block
 *   are taken last: such a block is offline (this kernel reports offlined memory as flagless
 *   pages, not KPF_NOPAGE) or uninitialised, so a zone that grows by onlining it mid-trace
 *   (zone_grow) finds it reserved.
 *
 * - Kind: KPF_SLAB (7) slab_reclaimable; KPF_ANON (12) anon; KPF_LRU (5) (not anon) file;
 *   anything else kernel. LRU and anon pages look movable to the claim heuristic, and compaction
 *   may move them as the kernel's would (owner PS_OWNER_UNKNOWN_AT_START): a later free by the
 *   recorded pfn follows the block to where it went (ps_snapshot_moved). On ftrace-compact-6.18
 *   this is what ends the Normal zone's compact_memory run COMPACT_CONTENDED at the kernel's
 *   migrate pfn (0x102000): an order-6 folio from before the trace finds no target.
 *   Such a block of order > 0 that gets no target is split to base pages, each still unknown at
 *   start, and the run goes on with them (ps_snapshot_split; mm/migrate.c migrate_pages_batch:
 *   a large folio whose target allocation fails with -ENOMEM goes to try_split_folio, unless
 *   the migration is a NUMA-misplaced one, and its pieces are migrated after the batch). The
 *   movable ones are pieces of page-cache or anonymous folios, which the kernel splits; most
 *   are what is left of a snapshot LRU folio the trace freed a part of (the recording kernel
 *   had split it, sim_snap_rec_split). Left whole, on ftrace-press-thp-6.18 order-3 to order-7
 *   pieces of order-8 page-cache folios ended two runs COMPACT_CONTENDED (the kernel's: none)
 *   and the replay migrated 36,705 pages against the kernel's 65,581; split, 50,642.
 *   Simplification: a piece is split whether or not it is dirty (kpageflags' dirty bit of a
 *   folio the trace cut up is not kept; __folio_split refuses a dirty page-cache folio).
 *
 * - LRU: a page with KPF_LRU and neither KPF_UNEVICTABLE nor KPF_SLAB, not a compound tail, is
 *   the head of a folio on an LRU list (PsSnapshot.lru): the anon lists when KPF_SWAPBACKED
 *   (folio_is_file_lru is !PG_swapbacked), else the file lists; active with KPF_ACTIVE; dirty
 *   with KPF_DIRTY or KPF_WRITEBACK; the order of its compound block. A swap-backed folio
 *   without KPF_ANON and not in the swap cache is tmpfs/shmem page cache (lru_type): seeded as
 *   a shmem folio, counted in NR_FILE_PAGES and NR_SHMEM as shmem_update_stats counts it. In
 *   policy runs sim_snapshot_lru_seed (process.c) makes them records on the model's lists, so
 *   reclaim can take them, after the pcp prefill (a page it finds on a pcp list at the start is
 *   on no LRU list). On ftrace-press-kswapd-6.18 (its session 7 recording) kpageflags had
 *   529 130 such folios; their 1 292 484 file pages were within 0.7 % of before.vmstat's file
 *   lists, the 54 999 anon pages 8.2 % below its anon lists (kpageflags is read over 1.7 s
 *   while the machine runs).
 *   Unevictable folios stay "unknown at start". Of them, and of pages on no list yet (a
 *   folio_batch), the shmem pages are still page cache to the kernel's counters: the start adds
 *   them to their node's NR_FILE_PAGES and NR_SHMEM (ftrace-press-kswapd-6.18: 2,555 pages, all
 *   unevictable, = before.vmstat's nr_shmem). Simplification: those pages are counted, not
 *   tracked, so a later free of one by the trace leaves the counters as they are (unevictable
 *   shmem is a mapping the kernel keeps, SHM_LOCK or a noswap tmpfs, or mlocked; on the six
 *   ftrace recordings after.vmstat's nr_shmem equals before.vmstat's).
 *
 * - Blocks: a compound head (KPF_COMPOUND_HEAD 15) followed by 2^k - 1 compound tails (16) is
 *   one allocated block of order k; other allocated pages are order-0 blocks.
 *
 * - Pageblock types: every managed page of a pageblock votes, free pages and movable-looking or
 *   other flagged user pages for Movable, slab pages for Reclaimable, flagless and page-table
 *   pages for Unmovable; the type with most votes wins, ties go to Movable (the boot type). This
 *   is the claim rule read backwards: a block becomes a type when at least half of it is free or
 *   "alike" (kernel-facts §2.5), so the type of a block is usually the type of most of what is
 *   in it. On ftrace-build-6.18 the plurality alone gives 157/785/82 Unmovable/Movable/
 *   Reclaimable Normal blocks against pagetypeinfo's 161/783/80 (non-reclaimable slab caches and
 *   stolen pages make the difference). With --proc the pagetypeinfo counts win: the votes only
 *   rank the blocks, and the zone gets exactly the kernel's number of Unmovable and Reclaimable
 *   blocks (fit_block_counts), placed first where pagetypeinfo's free counts per type and order
 *   point (fit_free_areas). pagetypeinfo prints its tables once per node; each node's zone is
 *   fitted to its own rows (before, every node took node 0's). Pages on pcp lists have no flags and
 * vote Unmovable until the trace shows them taken from or drained off a pcp list; then the fit runs
 * again (ps_snapshot_prefill_*). In policy runs of ftrace-compact-6.18 these steps took the pcp
 *   refills from 0.69 (vote only) to 0.88 (counts) to 1.07 of the kernel's. Highatomic and
 *   isolated blocks cannot be seen in kpageflags and are not made.
 */
#include <gio/gio.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim-private.h"
#include "util/util.h"

#define KPF_DIRTY	  4
#define KPF_LRU		  5
#define KPF_ACTIVE	  6
#define KPF_SLAB	  7
#define KPF_WRITEBACK	  8
#define KPF_SWAPBACKED	  14
#define KPF_UNEVICTABLE	  18
#define KPF_BUDDY	  10
#define KPF_ANON	  12
#define KPF_SWAPCACHE	  13
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HWPOISON	  19
#define KPF_NOPAGE	  20
#define KPF_OFFLINE	  23
#define KPF_PGTABLE	  26
#define KPF_RESERVED	  32
#define KPF_BIT(f, b)	  (((f) >> (b)) & 1u)
#define KPF_NOT_MANAGED(f)                                                                         \
	(KPF_BIT(f, KPF_RESERVED) | KPF_BIT(f, KPF_NOPAGE) | KPF_BIT(f, KPF_OFFLINE) |             \
	 KPF_BIT(f, KPF_HWPOISON))

static uint64_t flags_at(const PsSnapshot *snap, ps_pfn_t pfn)
{
	uint64_t v;

	if (pfn >= snap->nr_pfns)
		return 1ull << KPF_NOPAGE;
	memcpy(&v, snap->kpf + (gsize)pfn * 8, 8);
	return GUINT64_FROM_LE(v);
}

static enum ps_migratetype vote_of(uint64_t f)
{
	if (KPF_BIT(f, KPF_BUDDY))
		return PS_MT_MOVABLE;
	if (KPF_BIT(f, KPF_SLAB))
		return PS_MT_RECLAIMABLE;
	if (f == 0 || KPF_BIT(f, KPF_PGTABLE))
		return PS_MT_UNMOVABLE;
	return PS_MT_MOVABLE;
}

static enum ps_alloc_kind kind_of(uint64_t f)
{
	if (KPF_BIT(f, KPF_SLAB))
		return PS_KIND_SLAB_RECLAIMABLE;
	if (KPF_BIT(f, KPF_ANON))
		return PS_KIND_ANON;
	if (KPF_BIT(f, KPF_LRU))
		return PS_KIND_FILE;
	return PS_KIND_KERNEL;
}

/*
 * The PS_SNAP_LRU_TYPE of an allocated page's flags. Swap-backed is the anon lists
 * (folio_is_file_lru); of those, a folio with no anon mapping and not in the swap cache is
 * tmpfs/shmem page cache (shmem_alloc_and_add_folio sets PG_swapbacked, the mapping is the
 * file's; a swap-cache folio with no anon mapping is one read ahead from swap, not page cache).
 * stable_page_flags (fs/proc/page.c, 6.x: from the folio's flags; KPF_ANON from its mapping).
 */
static uint8_t lru_type(uint64_t f)
{
	if (KPF_BIT(f, KPF_SLAB) || KPF_BIT(f, KPF_BUDDY))
		return PS_SNAP_LRU_FILE;
	if (KPF_BIT(f, KPF_SWAPBACKED))
		return KPF_BIT(f, KPF_ANON)	   ? PS_SNAP_LRU_ANON
		       : KPF_BIT(f, KPF_SWAPCACHE) ? PS_SNAP_LRU_ANON
						   : PS_SNAP_LRU_SHMEM;
	return KPF_BIT(f, KPF_DIRTY) || KPF_BIT(f, KPF_WRITEBACK) ? PS_SNAP_LRU_DIRTY
								  : PS_SNAP_LRU_FILE;
}

/* The zone index (node * PS_MAX_NR_ZONES + type) of a pagetypeinfo row's node and zone name. */
static int pti_zone_index(int node, const char *zone)
{
	if (node < 0 || node >= PS_MAX_NODES)
		return -1;
	for (int t = 0; t < PS_MAX_NR_ZONES; t++)
		if (strcmp(zone, ps_zone_names[t]) == 0)
			return node * PS_MAX_NR_ZONES + t;
	return -1;
}

/* One node's "Number of blocks type" table at p (its heading line, then a row per zone). */
static void parse_blocks_table(const char *p, uint64_t counts[][PS_MT_TYPES], bool *have)
{
	char **lines = g_strsplit(p, "\n", -1);

	for (int i = 1; lines[i] && lines[i][0]; i++) {
		char zone[16];
		int node, zi, pos = 0;
		const char *q;

		if (sscanf(lines[i], "Node %d, zone %15s %n", &node, zone, &pos) < 2)
			continue;
		zi = pti_zone_index(node, zone);
		if (zi < 0)
			continue;
		have[zi] = true;
		q = lines[i] + pos;
		for (int mt = 0; mt < PS_MT_TYPES; mt++)
			counts[zi][mt] = g_ascii_strtoull(q, (char **)&q, 10);
	}
	g_strfreev(lines);
}

/*
 * "Number of blocks type" rows of a pagetypeinfo text: counts[zone index][migratetype]. A NUMA
 * machine prints the table once per node (pagetypeinfo_show runs once per pgdat).
 */
static gboolean parse_pagetypeinfo_blocks(const char *text, uint64_t counts[][PS_MT_TYPES],
					  bool *have)
{
	const char *p = strstr(text, "Number of blocks type");

	if (!p)
		return FALSE;
	for (; p; p = strstr(p + 1, "Number of blocks type"))
		parse_blocks_table(p, counts, have);
	return TRUE;
}

/*
 * "Free pages count per migrate type at order" rows of a pagetypeinfo text:
 * free[zone index][migratetype][order], for the three pcp types.
 */
static void parse_pagetypeinfo_free(const char *text, const PsMachine *m,
				    uint64_t free[][PS_MT_PCPTYPES][PS_NR_ORDERS_MAX], bool *have)
{
	char **lines = g_strsplit(text, "\n", -1);

	for (int i = 0; lines[i]; i++) {
		char zone[16], type[16];
		int node, zi, pos = 0;
		const char *q;

		if (sscanf(lines[i], "Node %d, zone %15[^,], type %15s %n", &node, zone, type,
			   &pos) < 3 ||
		    !pos)
			continue;
		g_strstrip(zone);
		zi = pti_zone_index(node, zone);
		if (zi < 0)
			continue;
		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++) {
			if (strcmp(type, ps_migratetype_names[mt]) != 0)
				continue;
			q = lines[i] + pos;
			for (unsigned o = 0; o <= m->max_order && *q; o++)
				free[zi][mt][o] = g_ascii_strtoull(q, (char **)&q, 10);
			have[zi] = true;
		}
	}
	g_strfreev(lines);
}

/*
 * The free buddy blocks below pageblock order inside pageblock b, from the machine's buddy
 * state, added to prof[order] (a pageblock has at most 2^13 pages, so u16 holds any count). False
 * when a free block of pageblock order or more covers the
 * block (its free area says nothing about the block's type that any other would not).
 */
static bool block_free_profile(const PsMachine *m, ps_pfn_t b, ps_pfn_t start, ps_pfn_t end,
			       uint16_t *prof)
{
	ps_pfn_t lo = MAX(b, start), hi = MIN(b + m->pageblock_nr_pages, end);

	/* the pages between free heads are skipped 8 flag bytes a step */
	for (ps_pfn_t p = lo;;) {
		unsigned o;

		p = m->map.base_pfn + (ps_pfn_t)ps_bytes_next_match(
					  m->map.flags, p - m->map.base_pfn, hi - m->map.base_pfn,
					  PS_PAGE_STATE_MASK, PS_PAGE_BUDDY << PS_PAGE_STATE_SHIFT);
		if (p >= hi)
			break;
		o = ps_page_order(m, p);
		if (o >= m->pageblock_order)
			return false;
		prof[o]++;
		p += 1u << o;
	}
	return true;
}

uint16_t *ps_snapshot_block_votes(const PsSnapshot *snap, const PsMachine *m, ps_pfn_t b)
{
	return &snap->votes[((b - m->map.base_pfn) >> m->pageblock_order) * PS_MT_PCPTYPES];
}

/* The share of a pageblock's managed pages that vote for mt, in 1/1024 (0 without pages). */
static unsigned block_share(const PsSnapshot *snap, const PsMachine *m, ps_pfn_t b,
			    enum ps_migratetype mt)
{
	const uint16_t *v = ps_snapshot_block_votes(snap, m, b);
	unsigned total = (unsigned)v[0] + v[1] + v[2];

	return total ? v[mt] * 1024u / total : 0;
}

#define TARGET(b) target[((b)-m->map.base_pfn) >> m->pageblock_order]
/* A zone's index in PsMachine.zones, which pagetypeinfo's per-node rows are kept by. */
#define ZONE_INDEX(m, z) ((int)((z) - (m)->zones))

/*
 * The fit's free-area constraint: a block may take type mt only if it has a free block of
 * `order` and every order of its free profile fits in what mt's free areas still have (left).
 */
typedef struct {
	const uint16_t *profs; /* PS_NR_ORDERS_MAX counts a block */
	const bool *has_prof;
	const uint64_t *left;
	unsigned order;
} FitConstraint;

static bool fits_constraint(const FitConstraint *c, const PsMachine *m, guint i)
{
	const uint16_t *prof = &c->profs[i * PS_NR_ORDERS_MAX];

	if (!c->has_prof[i] || !prof[c->order])
		return false;
	for (unsigned j = 0; j < m->pageblock_order; j++)
		if (prof[j] > c->left[j])
			return false;
	return true;
}

/*
 * The blocks ranked for mt: the indices into blocks by share of their pages that vote for mt,
 * largest first, the first (lowest pfn) of equals first. The votes do not change while the fit
 * runs, so "the still-Movable block (meeting a constraint) whose pages lean most to mt, the
 * first of equals" is the first such block in this order; a block passed over because it was
 * taken or failed a constraint that only tightens is never the answer again, so one cursor
 * walks the ranking once (it was a scan of every block for every block taken).
 */
typedef struct {
	unsigned share;
	guint i;
} Ranked;

/*
 * A share is 0..1024, so the ranking is a counting sort: stable over the blocks taken in index
 * order, so equals stay lowest index first (a qsort with that tie-break was 5 % of a cached
 * snapshot run of ftrace-press-kswapd-6.18).
 */
static Ranked *rank_blocks(const PsSnapshot *snap, const PsMachine *m, const GArray *blocks,
			   enum ps_migratetype mt)
{
	Ranked *r = g_new(Ranked, MAX(blocks->len, 1u));
	g_autofree unsigned *share = g_new(unsigned, MAX(blocks->len, 1u));
	guint at[1025 + 1] = {0};

	for (guint i = 0; i < blocks->len; i++) {
		share[i] = block_share(snap, m, g_array_index(blocks, ps_pfn_t, i), mt);
		at[1024 - share[i] + 1]++; /* largest share first */
	}
	for (guint k = 1; k <= 1025; k++)
		at[k] += at[k - 1];
	for (guint i = 0; i < blocks->len; i++) {
		Ranked *x = &r[at[1024 - share[i]]++];

		x->share = share[i];
		x->i = i;
	}
	return r;
}

/*
 * From *cursor on in the ranking, the next block still typed Movable (and meeting c, when
 * given); G_MAXUINT when there is none. The cursor moves past every block it looked at.
 */
static guint next_movable_block(const PsMachine *m, const uint8_t *target, const GArray *blocks,
				const Ranked *rank, guint *cursor, const FitConstraint *c)
{
	while (*cursor < blocks->len) {
		guint i = rank[(*cursor)++].i;
		ps_pfn_t b = g_array_index(blocks, ps_pfn_t, i);

		if (TARGET(b) == PS_MT_MOVABLE && (!c || fits_constraint(c, m, i)))
			return i;
	}
	return G_MAXUINT;
}

/*
 * Free areas first: a block whose free buddy blocks can only be on the Unmovable or Reclaimable
 * free lists the kernel reported gets that type. Per type, from the highest order below the
 * pageblock down, while the kernel reports a free block of that order the model has not yet
 * placed, the still-Movable block holding one whose whole free profile fits in what is left
 * (best share for the type first) takes the type. A free block of order 8 on the Unmovable list
 * marks its pageblock better than any vote: such a block is mostly free, so the vote says
 * Movable. On ftrace-compact-6.18 the vote alone put the kernel's 296 free Unmovable pages on
 * Movable lists, and the model claimed a Movable block at the second unmovable refill where the
 * kernel refilled from its own free Unmovable pages.
 */
/* Another pageblock of b's MAX_PAGE_ORDER block, inside the zone, is set to be of type mt. */
static bool max_block_has_type(const PsMachine *m, const PsZone *z, const uint8_t *target,
			       ps_pfn_t b, enum ps_migratetype mt)
{
	ps_pfn_t base = b & ~(ps_pfn_t)((1u << m->max_order) - 1);

	for (ps_pfn_t c = base; c < base + (1u << m->max_order);
	     c += (ps_pfn_t)m->pageblock_nr_pages)
		if (c != b && c >= z->start_pfn && c < ps_zone_end_pfn(z) && TARGET(c) == mt)
			return true;
	return false;
}

static void fit_free_areas(PsSnapshot *snap, const PsMachine *m, const PsZone *z, uint8_t *target,
			   const GArray *blocks, uint64_t *counts)
{
	static const enum ps_migratetype types[] = {PS_MT_UNMOVABLE, PS_MT_RECLAIMABLE};
	ps_pfn_t start = z->start_pfn, end = ps_zone_end_pfn(z);
	/* The machine does not change during the fit: each block's profile is read once. */
	g_autofree uint16_t *profs = g_new0(uint16_t, (gsize)blocks->len * PS_NR_ORDERS_MAX);
	g_autofree bool *has_prof = g_new0(bool, blocks->len);

	for (guint i = 0; i < blocks->len; i++)
		has_prof[i] = block_free_profile(m, g_array_index(blocks, ps_pfn_t, i), start, end,
						 &profs[i * PS_NR_ORDERS_MAX]);
	for (size_t k = 0; k < G_N_ELEMENTS(types); k++) {
		enum ps_migratetype mt = types[k];
		uint64_t left[PS_NR_ORDERS_MAX];

		g_autofree Ranked *rank = rank_blocks(snap, m, blocks, mt);

		memcpy(left, snap->real_free[ZONE_INDEX(m, z)][mt], sizeof(left));
		for (int o = (int)m->pageblock_order - 1; o >= 0; o--) {
			FitConstraint c = {profs, has_prof, left, (unsigned)o};
			guint cursor = 0;

			while (left[o] && counts[mt] < snap->real_blocks[ZONE_INDEX(m, z)][mt]) {
				guint best_i =
				    next_movable_block(m, target, blocks, rank, &cursor, &c);
				const uint16_t *prof;

				if (best_i == G_MAXUINT)
					break;
				prof = &profs[best_i * PS_NR_ORDERS_MAX];
				for (unsigned j = 0; j < m->pageblock_order; j++)
					left[j] -= prof[j];
				TARGET(g_array_index(blocks, ps_pfn_t, best_i)) = (uint8_t)mt;
				counts[mt]++;
				counts[PS_MT_MOVABLE]--;
			}
		}
		/*
		 * A free block of exactly pageblock order on the list is a wholly free pageblock of
		 * that type (kpageflags cannot tell it from a Movable one; all its pages vote
		 * Movable): the highest such still-Movable pageblock takes the type. On
		 * qemu-arm64-4k-6.18.2 the kernel's one Reclaimable order-9 block was otherwise
		 * missing, and the model claimed a Movable block for an order-1 reclaimable refill
		 * where the kernel made no fallback at all. One whose MAX_PAGE_ORDER block already
		 * holds a pageblock of the type goes first: a claim of a free block of pageblock
		 * order or more retypes all its pageblocks (try_to_claim_block ->
		 * change_pageblock_range), so a slab or kernel fallback that took a whole
		 * MAX_PAGE_ORDER block leaves its two pageblocks of one type, the untouched one
		 * free. On qemu-arm64-4k-numa-6.18.2 node 1 the highest wholly free block was
		 * 0x80e00, which the trace takes as Movable 512 times; the kernel's Reclaimable one
		 * is 0x80a00, beside the partly free Reclaimable 0x80800 (free orders 1, 3, 6, 7 as
		 * pagetypeinfo's row).
		 */
		for (int pass = 0; pass < 2; pass++)
			for (guint i = blocks->len;
			     i-- > 0 && left[m->pageblock_order] &&
			     counts[mt] < snap->real_blocks[ZONE_INDEX(m, z)][mt];) {
				ps_pfn_t b = g_array_index(blocks, ps_pfn_t, i);

				if (TARGET(b) != PS_MT_MOVABLE || b < start ||
				    ps_page_state(m, b) != PS_PAGE_BUDDY ||
				    ps_page_order(m, b) != m->pageblock_order ||
				    (pass == 0 && !max_block_has_type(m, z, target, b, mt)))
					continue;
				TARGET(b) = (uint8_t)mt;
				left[m->pageblock_order]--;
				counts[mt]++;
				counts[PS_MT_MOVABLE]--;
			}
	}
}

/* A free block on one list, ranked for a move to another: its pageblock's share, then pfn. */
typedef struct {
	unsigned share;
	ps_pfn_t pfn;
} ListMove;

static int list_move_cmp(const void *a, const void *b)
{
	const ListMove *x = a, *y = b;

	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/*
 * The free lists as pagetypeinfo printed them, where the snapshot can tell. A free block sits on
 * the list of its pageblock's type in the model's own moves (buddy.c), but a real machine's lists
 * need not (on qemu-press-oom-64k-6.18 the Movable list held 4,029 pages, orders 0-11, in a zone
 * whose two pageblocks were both Unmovable; the kernel's only fallback there took its order-11
 * block; a state, not pagetypeinfo's free-list and block-count walks read apart: lab boots of
 * that kernel show it persist, mm/buddy.c's header). Only the list of a type the zone has no
 * pageblock of is filled, since its free pages
 * can only be in other types' blocks: per order, as many blocks as pagetypeinfo shows there move
 * to it (ps_free_list_move, at the tail) from the lists holding more than it shows, as far as
 * those have them (the dump and pagetypeinfo are read some hundreds of ms apart, so their counts
 * of an order can differ). Approximated: which blocks. Neither kpageflags nor pagetypeinfo tells
 * which free block of an order is on which list; those whose pageblock's pages vote most for the
 * new type move first (the lowest pfn of equals), as fit_free_areas picks pageblocks. Matching
 * every type's lists so (tried) put 700-1,750 blocks a recording on other lists, partly the
 * dump's age, and took press-thp's pcp drains from 1.02 to 1.28 of the kernel's.
 */
static void fit_free_lists(PsSnapshot *snap, PsMachine *m, PsZone *z, const uint64_t *counts)
{
	for (unsigned o = 0; o <= m->max_order; o++) {
		int64_t excess[PS_MT_PCPTYPES];

		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
			excess[mt] = (int64_t)z->free_area[o].list[mt].len -
				     (int64_t)snap->real_free[ZONE_INDEX(m, z)][mt][o];
		for (int dst = 0; dst < PS_MT_PCPTYPES; dst++) {
			/* only a type none of whose pageblocks could hold them */
			if (counts[dst])
				continue;
			for (int src = 0; src < PS_MT_PCPTYPES && excess[dst] < 0; src++) {
				const PsList *l = &z->free_area[o].list[src];
				uint64_t n = (uint64_t)MIN(excess[src], -excess[dst]);
				g_autofree ListMove *mv = NULL;
				guint k = 0;

				if (src == dst || excess[src] <= 0)
					continue;
				mv = g_new(ListMove, l->len);
				for (ps_pfn_t p = l->head; p != PS_PFN_NONE;
				     p = ps_list_next(m, l, p))
					mv[k++] = (ListMove){
					    block_share(snap, m, p, (enum ps_migratetype)dst), p};
				qsort(mv, k, sizeof(*mv), list_move_cmp);
				for (uint64_t i = 0; i < n; i++)
					ps_free_list_move(m, z, mv[i].pfn,
							  (enum ps_migratetype)dst);
				excess[src] -= (int64_t)n;
				excess[dst] += (int64_t)n;
			}
		}
	}
}

/*
 * The pageblocks with managed pages of the zones of one type, all nodes, by their type now, and
 * their free blocks on another type's list: the report's counts (snap->blocks, foreign_blocks)
 * after a fit.
 */
static void count_type_blocks(PsSnapshot *snap, const PsMachine *m, enum ps_zone_type type)
{
	for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
		snap->blocks[type][mt] = 0;
	snap->foreign_blocks[type] = 0;
	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];
		ps_pfn_t start = z->start_pfn, end = ps_zone_end_pfn(z);

		if (z->type != type || !ps_zone_populated(z))
			continue;
		snap->foreign_blocks[type] += z->foreign ? g_hash_table_size(z->foreign) : 0;
		for (ps_pfn_t b = start & ~(ps_pfn_t)(m->pageblock_nr_pages - 1); b < end;
		     b += (ps_pfn_t)m->pageblock_nr_pages) {
			const uint16_t *v = ps_snapshot_block_votes(snap, m, b);
			enum ps_migratetype mt = ps_pageblock_mt(m, MAX(b, start));

			if ((v[0] || v[1] || v[2]) && mt < PS_MT_PCPTYPES)
				snap->blocks[type][mt]++;
		}
	}
}

/*
 * With pagetypeinfo at hand, the vote is only a ranking: the zone gets exactly as many
 * Unmovable and Reclaimable blocks as the kernel reported (as far as it has blocks with managed
 * pages): first those its free areas point at (fit_free_areas), then those whose pages lean
 * most that way, and the rest Movable. A block's history (stealing, claims) decides its type,
 * and kpageflags cannot show history; the counts can, so they win where the two disagree. The
 * machine's blocks are retyped where the fit differs (ps_pageblock_set_mt moves their free
 * pages), so this runs again once the trace has shown which flagless pages were pcp pages.
 */
void ps_snapshot_fit_block_counts(PsSnapshot *snap, PsMachine *m, PsZone *z)
{
	static const enum ps_migratetype order[] = {PS_MT_UNMOVABLE, PS_MT_RECLAIMABLE};
	ps_pfn_t start = z->start_pfn, end = ps_zone_end_pfn(z);
	ps_pfn_t first = start & ~(ps_pfn_t)(m->pageblock_nr_pages - 1);
	g_autoptr(GArray) blocks = g_array_new(FALSE, FALSE, sizeof(ps_pfn_t));
	g_autofree uint8_t *target = g_new0(uint8_t, snap->nr_blocks); /* of the blocks below */
	uint64_t counts[PS_MT_TYPES] = {0};

	for (ps_pfn_t b = first; b < end; b += (ps_pfn_t)m->pageblock_nr_pages) {
		const uint16_t *v = ps_snapshot_block_votes(snap, m, b);

		if (v[0] || v[1] || v[2]) {
			g_array_append_val(blocks, b);
			TARGET(b) = PS_MT_MOVABLE;
		}
	}
	for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
		counts[mt] = 0;
	counts[PS_MT_MOVABLE] = blocks->len;
	if (snap->have_real_free[ZONE_INDEX(m, z)])
		fit_free_areas(snap, m, z, target, blocks, counts);
	for (size_t k = 0; k < G_N_ELEMENTS(order); k++) {
		enum ps_migratetype mt = order[k];
		uint64_t want = MIN(snap->real_blocks[ZONE_INDEX(m, z)][mt],
				    (uint64_t)counts[PS_MT_MOVABLE] + counts[mt]);
		g_autofree Ranked *rank =
		    counts[mt] < want ? rank_blocks(snap, m, blocks, mt) : NULL;
		guint cursor = 0;

		/* Take the still-Movable blocks with the largest share for mt, best first. */
		while (counts[mt] < want) {
			guint best_i = next_movable_block(m, target, blocks, rank, &cursor, NULL);

			if (best_i == G_MAXUINT)
				break;
			TARGET(g_array_index(blocks, ps_pfn_t, best_i)) = (uint8_t)mt;
			counts[mt]++;
			counts[PS_MT_MOVABLE]--;
		}
	}
	/* Apply, then count what the machine has (a free block past a pageblock moves whole). */
	for (guint i = 0; i < blocks->len; i++) {
		ps_pfn_t b = g_array_index(blocks, ps_pfn_t, i);

		if (ps_pageblock_mt(m, MAX(b, start)) != TARGET(b))
			ps_pageblock_set_mt(m, z, MAX(b, start), (enum ps_migratetype)TARGET(b));
	}
	for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
		counts[mt] = 0;
	for (guint i = 0; i < blocks->len; i++) {
		enum ps_migratetype mt =
		    ps_pageblock_mt(m, MAX(g_array_index(blocks, ps_pfn_t, i), start));

		if (mt < PS_MT_PCPTYPES)
			counts[mt]++;
	}
	if (snap->have_real_free[ZONE_INDEX(m, z)])
		fit_free_lists(snap, m, z, counts);
	count_type_blocks(snap, m, z->type);
}

#undef TARGET

char *ps_snapshot_sibling(const char *kpageflags, const char *dir, const char *name)
{
	g_autofree char *base = g_path_get_basename(kpageflags);
	const char *k = strstr(base, "kpageflags");
	g_autofree char *prefix = g_strndup(base, k ? (gsize)(k - base) : 0);
	g_autofree char *file = g_strconcat(prefix, name, NULL);

	return g_build_filename(dir, file, NULL);
}

/*
 * The recording machine against the snapshot's: a trace whose header names the machine it was
 * recorded on (pagesim import took it from pagesim-capture's MACHINE file) against the MACHINE
 * file in the snapshot's directory (--proc DIR, else the dump's own). Records with pfns (the
 * observed ones of a portable import, every one of an exact import) describe that boot's pages:
 * on another machine's snapshot the start state they rebuild (pcp lists, free LRU folios) and
 * a pinned replay's placement are wrong, and nothing else would show it. A warning on standard
 * error and summary.json's snapshot.machine.check: "same", "different", or "unknown" (the
 * snapshot's directory has no readable MACHINE). A trace without a machine is not checked.
 */
void ps_snapshot_check_machine(PsSnapshot *snap, const char *trace_machine)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;

	if (!trace_machine || !trace_machine[0] || !snap->machine_dir)
		return;
	path = g_build_filename(snap->machine_dir, "MACHINE", NULL);
	snap->machine[0] = '\0';
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		snap->machine_check = "unknown";
		fprintf(stderr,
			"pagesim: warning: the trace was recorded on \"%s\"; %s has no MACHINE "
			"file, so whether the snapshot %s is that machine's cannot be told\n",
			trace_machine, snap->machine_dir, snap->path);
		return;
	}
	if (!ps_trace_machine_read(path, snap->machine, sizeof(snap->machine), &error)) {
		snap->machine[0] = '\0';
		snap->machine_check = "unknown";
		fprintf(stderr, "pagesim: warning: %s; the recording machine is not checked\n",
			error->message);
		return;
	}
	if (strcmp(snap->machine, trace_machine) == 0) {
		snap->machine_check = "same";
		return;
	}
	snap->machine_check = "different";
	fprintf(stderr,
		"pagesim: warning: the trace was recorded on \"%s\", the snapshot %s on \"%s\": "
		"the trace's pfns (observed records, exact allocations) name the other machine's "
		"pages, so the start state rebuilt from them is not that machine's\n",
		trace_machine, snap->path, snap->machine);
}

/* --proc DIR: the same moment's pagetypeinfo (PREFIXpagetypeinfo beside PREFIXkpageflags first). */
static gboolean read_pagetypeinfo(PsSnapshot *snap, const PsMachine *m, const char *proc_dir,
				  GError **error)
{
	g_autofree char *ptpath = ps_snapshot_sibling(snap->path, proc_dir, "pagetypeinfo");
	g_autofree char *name = g_path_get_basename(ptpath);
	g_autofree char *text = NULL;

	if (!g_file_get_contents(ptpath, &text, NULL, NULL)) {
		g_free(ptpath);
		ptpath = g_build_filename(proc_dir, "pagetypeinfo", NULL);
		g_file_get_contents(ptpath, &text, NULL, NULL);
	}
	if (!text || !parse_pagetypeinfo_blocks(text, snap->real_blocks, snap->have_real)) {
		g_set_error(error, PS_SIM_SNAPSHOT_ERROR, 0,
			    "--proc %s: no readable %s or pagetypeinfo with a \"Number of blocks "
			    "type\" table",
			    proc_dir, name);
		return FALSE;
	}
	snap->pagetypeinfo_path = g_strdup(ptpath);
	parse_pagetypeinfo_free(text, m, snap->real_free, snap->have_real_free);
	return TRUE;
}

/*
 * Pages of a memory block of x86's (128 MiB, memory_block_size_bytes; a section on x86 and
 * arm64 4K): offlined blocks read back from kpageflags as pages with no flag at all on the
 * 6.18 VM (issue 14's recording (d): all 4 offline blocks, 131 072 pages, flags 0, not
 * KPF_NOPAGE).
 */
static ps_pfn_t flagless_block(const PsMachine *m)
{
	return (ps_pfn_t)((128u << 20) >> m->page_shift);
}

/* Whether the whole aligned block at p (inside the zone) has no flag on any page. */
static bool block_flagless(const PsSnapshot *snap, const PsMachine *m, ps_pfn_t p, ps_pfn_t end)
{
	if (end - p < flagless_block(m))
		return false;
	for (ps_pfn_t q = p; q < p + flagless_block(m); q++)
		if (flags_at(snap, q) != 0)
			return false;
	return true;
}

/*
 * Free, allocated or reserved for each page of a zone: free and flagged pages first, then the
 * lowest flagless pages until the zone's managed count, those outside whole flagless memory
 * blocks first (such a block is memory offline or not yet initialised, never all allocated). FALSE
 * when the dump has fewer pages the allocator could manage than the config says.
 */
static gboolean classify_zone(PsSnapshot *snap, const PsMachine *m, const PsZone *z,
			      PsSnapArrays *ls, GError **error)
{
	ps_pfn_t start = z->start_pfn, end = ps_zone_end_pfn(z), listed_end = start;
	uint64_t have = 0;

	for (ps_pfn_t p = start; p < end; p++) {
		uint64_t f = flags_at(snap, p), idx = p - m->map.base_pfn;

		if (KPF_NOT_MANAGED(f) || f == 0)
			continue;
		have++;
		if (KPF_BIT(f, KPF_BUDDY)) {
			ls->state[idx] = PS_SNAP_FREE;
			snap->free_pages[z->type] += 1;
			continue;
		}
		ls->state[idx] = PS_SNAP_ALLOCATED;
		ls->movable[idx] =
		    KPF_BIT(f, KPF_LRU) || (KPF_BIT(f, KPF_ANON) && !KPF_BIT(f, KPF_SLAB));
		snap->kind[idx] = (uint8_t)kind_of(f);
		if (KPF_BIT(f, KPF_COMPOUND_HEAD)) {
			ps_pfn_t q = p + 1;

			while (q < end && q - p < (1u << m->max_order) &&
			       KPF_BIT(flags_at(snap, q), KPF_COMPOUND_TAIL))
				q++;
			ls->head_order[idx] = (uint8_t)g_bit_nth_msf(q - p, -1);
		}
		/* a folio on an evictable LRU list: its head carries the folio's flags */
		if (KPF_BIT(f, KPF_LRU) && !KPF_BIT(f, KPF_UNEVICTABLE) && !KPF_BIT(f, KPF_SLAB) &&
		    !KPF_BIT(f, KPF_COMPOUND_TAIL) && ls->head_order[idx] <= PS_SNAP_LRU_ORDER) {
			snap->lru[idx] =
			    (uint8_t)(ls->head_order[idx] | PS_SNAP_LRU_ON |
				      (KPF_BIT(f, KPF_ACTIVE) ? PS_SNAP_LRU_ACTIVE : 0) |
				      lru_type(f));
			listed_end = p + (1ull << ls->head_order[idx]);
		} else if (p >= listed_end && lru_type(f) == PS_SNAP_LRU_SHMEM) {
			snap->lru[idx] = PS_SNAP_LRU_SHMEM; /* page cache on no evictable list */
		}
	}
	/* pass 0 leaves out whole flagless memory blocks (offline or uninitialised memory) */
	for (int pass = 0; pass < 2; pass++)
		for (ps_pfn_t p = start; p < end && have < z->managed; p++) {
			if (pass == 0 && !(p & (flagless_block(m) - 1)) &&
			    block_flagless(snap, m, p, end)) {
				p += flagless_block(m) - 1;
				continue;
			}
			if (flags_at(snap, p) != 0 ||
			    ls->state[p - m->map.base_pfn] == PS_SNAP_ALLOCATED)
				continue;
			ls->state[p - m->map.base_pfn] = PS_SNAP_ALLOCATED;
			snap->kind[p - m->map.base_pfn] = PS_KIND_KERNEL;
			snap->flagless_taken[z->type]++;
			have++;
		}
	if (have < z->managed) {
		g_set_error(error, PS_SIM_SNAPSHOT_ERROR, 0,
			    "%s: node %d zone %s has %" G_GUINT64_FORMAT
			    " pages the allocator could manage, the config says %" G_GUINT64_FORMAT
			    " managed (config made from another moment's zoneinfo?)",
			    snap->path, z->node, ps_zone_names[z->type], have, z->managed);
		return FALSE;
	}
	return TRUE;
}

/* Pageblock types by vote: every managed page votes, the plurality wins, ties go Movable. */
static void vote_zone(PsSnapshot *snap, const PsMachine *m, const PsZone *z, PsSnapArrays *ls)
{
	ps_pfn_t start = z->start_pfn, end = ps_zone_end_pfn(z);

	for (ps_pfn_t b = start & ~(ps_pfn_t)(m->pageblock_nr_pages - 1); b < end;
	     b += (ps_pfn_t)m->pageblock_nr_pages) {
		uint64_t votes[PS_MT_PCPTYPES] = {0}, total = 0;
		enum ps_migratetype best = PS_MT_MOVABLE;

		for (ps_pfn_t p = MAX(b, start); p < b + m->pageblock_nr_pages && p < end; p++) {
			if (ls->state[p - m->map.base_pfn] == PS_SNAP_RESERVED)
				continue;
			votes[vote_of(flags_at(snap, p))]++;
			total++;
		}
		if (!total)
			continue;
		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
			ps_snapshot_block_votes(snap, m, b)[mt] = (uint16_t)votes[mt];
		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
			if (votes[mt] > votes[best])
				best = (enum ps_migratetype)mt;
		ls->pbmt[(b - m->map.base_pfn) >> m->pageblock_order] = (uint8_t)best;
		snap->blocks[z->type][best]++;
	}
}

/*
 * The steps of the zone's pageblock walk that have no memory (PS_PAGEBLOCK_NOMEM in ls->pbmt):
 * pagetypeinfo_showblockcount_print (6.14 mm/vmstat.c) walks zone_start_pfn..zone_end_pfn a
 * pageblock at a time and skips a pfn pfn_to_online_page() gives no page for. In the dump such a
 * pfn is one classify_zone left reserved that reads KPF_NOPAGE (no memmap) or lies in a whole
 * flagless memory block (how this kernel reads back both a hole with a memmap and offline
 * memory: the x86 VM's DMA32 hole 0xc0000-0x100000, a Normal zone's offline blocks). On every
 * shipped recording with a kpageflags dump this gives before.pagetypeinfo's block count per
 * zone (the DMA32 steps 1528, not the span's 2040; Normal 1024 of 10752 on ftrace-compact).
 */
static void mark_holes(PsSnapshot *snap, const PsMachine *m, const PsZone *z, PsSnapArrays *ls)
{
	ps_pfn_t end = ps_zone_end_pfn(z), memblock = PS_PFN_NONE;
	bool memblock_flagless = false;

	for (ps_pfn_t p = z->start_pfn; p < end; p += (ps_pfn_t)m->pageblock_nr_pages) {
		uint64_t f = flags_at(snap, p);
		bool hole = KPF_BIT(f, KPF_NOPAGE);

		if (ls->state[p - m->map.base_pfn] != PS_SNAP_RESERVED)
			continue;
		if (!hole && f == 0) {
			/* one look at each memory block, not one a pageblock of it */
			ps_pfn_t b = p & ~(flagless_block(m) - 1);

			if (b != memblock) {
				memblock = b;
				memblock_flagless =
				    b >= z->start_pfn && block_flagless(snap, m, b, end);
			}
			hole = memblock_flagless;
		}
		if (hole)
			ls->pbmt[(p - m->map.base_pfn) >> m->pageblock_order] |= PS_PAGEBLOCK_NOMEM;
	}
}

/* The allocated pages become the run's "unknown at start"; LRU and anon ones movable by compaction.
 */
static void own_allocated(PsSnapshot *snap, PsMachine *m, const PsSnapArrays *ls)
{
	uint64_t npages = m->map.end_pfn - m->map.base_pfn;

	const uint8_t movable_head = PS_PAGE_ALLOCATED << PS_PAGE_STATE_SHIFT | PS_PAGE_MOVABLE_BIT;
	uint64_t i = 0;

	/* 8 pages a step: one byte of owned, and the movable heads among them */
	for (; i + 8 <= npages; i += 8) {
		unsigned own = ps_bytes8_match(ls->state + i, 0xff, PS_SNAP_ALLOCATED), mv;

		if (!own)
			continue;
		snap->owned[i / 8] |= (uint8_t)own; /* ps_snapshot_own, page by page */
		/* LRU and anon pages are compaction's to move, as the kernel's are */
		mv = own & ps_bytes8_match(m->map.flags + i,
					   PS_PAGE_STATE_MASK | PS_PAGE_MOVABLE_BIT, movable_head);
		for (; mv; mv &= mv - 1)
			ps_page_set_owner(m, m->map.base_pfn + (ps_pfn_t)(i + __builtin_ctz(mv)),
					  PS_OWNER_UNKNOWN_AT_START);
	}
	for (; i < npages; i++) {
		ps_pfn_t p = m->map.base_pfn + (ps_pfn_t)i;

		if (ls->state[i] != PS_SNAP_ALLOCATED)
			continue;
		snap->owned[i / 8] |= (uint8_t)(1u << (i % 8));
		if (ps_page_state(m, p) == PS_PAGE_ALLOCATED && ps_page_movable(m, p))
			ps_page_set_owner(m, p, PS_OWNER_UNKNOWN_AT_START);
	}
	for (int zi = 0; zi < m->nr_zones; zi++)
		snap->allocated_pages[m->zones[zi].type] += m->zones[zi].nr_allocated;
}

/* PsSnapshot.moved_blocks' index of pfn (in the map) */
static inline uint64_t moved_block(const PsMachine *m, ps_pfn_t pfn)
{
	return (pfn >> m->max_order) - (m->map.base_pfn >> m->max_order);
}

PsSnapshot *ps_snapshot_new(const PsMachine *m, const char *path)
{
	uint64_t npages = m->map.end_pfn - m->map.base_pfn;
	uint64_t nblocks = npages >> m->pageblock_order;
	PsSnapshot *snap = g_new0(PsSnapshot, 1);

	snap->path = g_strdup(path);
	snap->owned = g_new0(uint8_t, (npages + 7) / 8);
	snap->nr_blocks = nblocks;
	snap->votes = g_new0(uint16_t, nblocks * PS_MT_PCPTYPES);
	snap->moved_to = g_hash_table_new(g_direct_hash, g_direct_equal);
	snap->moved_from = g_hash_table_new(g_direct_hash, g_direct_equal);
	snap->moved_bits = g_new0(uint8_t, (npages + 7) / 8);
	snap->moved_blocks = g_new0(uint8_t, moved_block(m, m->map.end_pfn - 1) + 1);
	return snap;
}

void ps_snapshot_state(PsSnapshot *snap, const PsMachine *m, PsStateTable *t)
{
	bool load = ps_state_loading(t);
	uint64_t npages = m->map.end_pfn - m->map.base_pfn, n;
	char *str, *name;

	/* a start saved before compaction or a free of the trace moved anything */
	g_assert(load || (!g_hash_table_size(snap->moved_to) && !snap->moved_pages));
	g_assert(!snap->kpf_bytes);
	/*
	 * The --proc files the start read, by name only: every one is PROC_DIR/NAME, and the
	 * outputs print the path, so the directory is this run's (ps_snapshot_paths_restore), not
	 * that of the run that saved the entry (the same recording copied or spelled otherwise)
	 */
#define SNAP_NAME(field)                                                                           \
	name = snap->field && !load ? g_path_get_basename(snap->field) : NULL;                     \
	str = ps_state_string(t, "snap." #field, name);                                            \
	g_free(name);                                                                              \
	if (load) {                                                                                \
		g_free(snap->field);                                                               \
		snap->field = str;                                                                 \
	} else {                                                                                   \
		g_free(str);                                                                       \
	}
	SNAP_NAME(pagetypeinfo_path);
	SNAP_NAME(zoneinfo_path);
	SNAP_NAME(vmstat_path);
#undef SNAP_NAME
	/* kind and lru: not saved, a start has freed them (ps_snapshot_drop_start_arrays) */
	g_assert(!snap->kind && !snap->lru);
	ps_state_sparse(t, "snap.owned", snap->owned, (npages + 7) / 8);
	ps_state_array(t, "snap.votes", snap->votes,
		       snap->nr_blocks * PS_MT_PCPTYPES * sizeof(uint16_t));
	ps_state_array(t, "snap.nr_pfns", &snap->nr_pfns, sizeof(snap->nr_pfns));
	/* free_pages to foreign_blocks: values only */
	ps_state_array(t, "snap.counts", snap->free_pages,
		       offsetof(PsSnapshot, foreign_blocks) + sizeof(snap->foreign_blocks) -
			   offsetof(PsSnapshot, free_pages));
	ps_state_array(t, "snap.freed_pages", &snap->freed_pages, sizeof(snap->freed_pages));
	ps_state_array(t, "snap.freed", &snap->freed, sizeof(snap->freed));
	ps_state_array(t, "snap.pcp_count_at_start", &snap->pcp_count_at_start,
		       sizeof(snap->pcp_count_at_start));
	ps_state_array(t, "snap.boost_at_start", &snap->boost_at_start,
		       sizeof(snap->boost_at_start));
	n = ps_state_count(t, "snap.pcp_start", snap->pcp_start ? (uint64_t)m->nr_zones : 0);
	if (load && n)
		snap->pcp_start = g_new0(int, (gsize)m->nr_zones *(gsize)m->nr_cpus);
	if (n)
		ps_state_array(t, "snap.pcp_start", snap->pcp_start,
			       sizeof(int) * (gsize)m->nr_zones * (gsize)m->nr_cpus);
	n = ps_state_count(t, "snap.zoneinfo_free", snap->zoneinfo_free ? 1 : 0);
	if (load && n)
		snap->zoneinfo_free = g_new0(int64_t, (gsize)m->nr_zones);
	if (n)
		ps_state_array(t, "snap.zoneinfo_free", snap->zoneinfo_free,
			       sizeof(int64_t) * (gsize)m->nr_zones);
	ps_state_array(t, "snap.pcp_adopted", &snap->pcp_adopted, sizeof(snap->pcp_adopted));
	ps_state_array(t, "snap.pcp_taken_free", &snap->pcp_taken_free,
		       sizeof(snap->pcp_taken_free));
	n = ps_state_count(t, "snap.pcp_start_counts",
			   snap->pcp_start_counts ? snap->pcp_start_counts->len + 1 : 0);
	if (load && n)
		snap->pcp_start_counts =
		    g_array_sized_new(FALSE, TRUE, sizeof(PsPcpStartCount), (guint)(n - 1));
	if (n) {
		g_array_set_size(snap->pcp_start_counts, (guint)(n - 1));
		ps_state_array(t, "snap.pcp_start_counts", snap->pcp_start_counts->data,
			       sizeof(PsPcpStartCount) * (n - 1));
	}
	ps_state_array(t, "snap.pcp_untraced_refreed", &snap->pcp_untraced_refreed,
		       sizeof(snap->pcp_untraced_refreed));
	ps_state_array(t, "snap.stale_scanned", &snap->stale_scanned, sizeof(snap->stale_scanned));
	ps_state_array(t, "snap.stale_freed", &snap->stale_freed, sizeof(snap->stale_freed));
	ps_state_array(t, "snap.stale_freed_pages", &snap->stale_freed_pages,
		       sizeof(snap->stale_freed_pages));
	ps_state_array(t, "snap.compaction_skip_blocks", &snap->compaction_skip_blocks,
		       sizeof(snap->compaction_skip_blocks));
	ps_state_array(t, "snap.compaction_resume", &snap->compaction_resume,
		       sizeof(snap->compaction_resume));
	ps_state_array(t, "snap.compaction_cached_zones", &snap->compaction_cached_zones,
		       sizeof(snap->compaction_cached_zones));
	ps_state_array(t, "snap.freed_first_pages", &snap->freed_first_pages,
		       sizeof(snap->freed_first_pages));
	ps_state_array(t, "snap.freed_first_left", &snap->freed_first_left,
		       sizeof(snap->freed_first_left));
	ps_state_array(t, "snap.kcompactd_deferred", &snap->kcompactd_deferred,
		       sizeof(snap->kcompactd_deferred));
	ps_state_array(t, "snap.lru_ordered", &snap->lru_ordered, sizeof(snap->lru_ordered));
}

void ps_snapshot_paths_restore(PsSnapshot *snap, const char *proc_dir)
{
	char **fields[] = {&snap->pagetypeinfo_path, &snap->zoneinfo_path, &snap->vmstat_path};

	for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
		char *name = *fields[i];

		if (!name)
			continue;
		/* the key has "proc 1": an entry with --proc files is restored only with --proc */
		g_assert(proc_dir && !strchr(name, G_DIR_SEPARATOR));
		*fields[i] = g_build_filename(proc_dir, name, NULL);
		g_free(name);
	}
}

PsSnapshot *ps_snapshot_load(PsMachine *m, const char *path, const char *proc_dir, GError **error)
{
	return ps_snapshot_load_cached(m, path, proc_dir, NULL, error);
}

PsSnapshot *ps_snapshot_load_cached(PsMachine *m, const char *path, const char *proc_dir,
				    const char *cache_dir, GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(PsSnapshot) snap = NULL;
	uint64_t npages = m->map.end_pfn - m->map.base_pfn;
	uint64_t nblocks = npages >> m->pageblock_order, layout = 0;
	g_autofree uint8_t *pbmt = g_new(uint8_t, nblocks);
	/* the load's arrays when a classification makes them (else the cache entry's) */
	g_autofree uint8_t *state = NULL, *head_order = NULL, *movable = NULL;
	g_autofree char *entry = NULL, *digest = NULL;
	PsSnapArrays ls = {NULL, NULL, NULL, pbmt};
	PsMachineState st;
	gsize size = 0;

	for (uint64_t b = 0; b < nblocks; b++)
		pbmt[b] = (uint8_t)ps_pageblock_mt(m, m->map.base_pfn +
							  (ps_pfn_t)(b << m->pageblock_order));
	snap = ps_snapshot_new(m, path);
	if (proc_dir && !read_pagetypeinfo(snap, m, proc_dir, error))
		return NULL;
	/* the classification of a dump already seen on this layout, from the cache (never needed)
	 */
	entry = ps_snapshot_cache_entry(cache_dir, path, m, pbmt, nblocks, &digest, &layout);
	if (!entry || !ps_snapshot_cache_read(entry, digest, layout, snap, &ls, npages, nblocks)) {
		/* filled whole right away (ps_advise_huge: fewer page faults) */
		ls.state = state = ps_malloc0_huge(npages);
		ls.head_order = head_order = ps_malloc0_huge(npages);
		ls.movable = movable = ps_malloc0_huge(npages);
		snap->kind = ps_malloc0_huge(npages);
		snap->lru = ps_malloc0_huge(npages);
		/* gunzipped when it starts with the gzip magic, as every reader of a recording is
		 */
		bytes = ps_file_read_all_cached(path, cache_dir, error);
		if (!bytes)
			return NULL;
		snap->kpf_bytes = g_steal_pointer(&bytes);
		snap->kpf = g_bytes_get_data(snap->kpf_bytes, &size);
		snap->nr_pfns = size / 8;
		if (size % 8 || snap->nr_pfns == 0) {
			g_set_error(error, PS_SIM_SNAPSHOT_ERROR, 0,
				    "%s: %" G_GSIZE_FORMAT
				    " bytes is not a kpageflags dump (8 bytes a pfn)",
				    path, size);
			return NULL;
		}
		for (int i = 0; i < m->nr_zones; i++) {
			if (!ps_zone_populated(&m->zones[i]))
				continue;
			if (!classify_zone(snap, m, &m->zones[i], &ls, error))
				return NULL;
			vote_zone(snap, m, &m->zones[i], &ls);
			mark_holes(snap, m, &m->zones[i], &ls);
		}
		if (entry)
			ps_snapshot_cache_write(entry, digest, layout, snap, &ls, npages, nblocks);
		/* The flags are no longer needed; keep the memory low for the run. */
		g_clear_pointer(&snap->kpf_bytes, g_bytes_unref);
		snap->kpf = NULL;
	}
	st = (PsMachineState){m->map.base_pfn, m->map.end_pfn, ls.state,
			      ls.head_order,   ls.movable,     pbmt};
	if (!ps_machine_load_state(m, &st, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	for (int i = 0; i < m->nr_zones; i++)
		if (ps_zone_populated(&m->zones[i]) && snap->have_real[i])
			ps_snapshot_fit_block_counts(snap, m, &m->zones[i]);
	own_allocated(snap, m, &ls);
	return g_steal_pointer(&snap);
}

void ps_snapshot_free(PsSnapshot *snap)
{
	if (!snap)
		return;
	g_free(snap->path);
	g_free(snap->pagetypeinfo_path);
	g_free(snap->zoneinfo_path);
	g_free(snap->vmstat_path);
	g_free(snap->machine_dir);
	g_free(snap->pcp_start);
	g_clear_pointer(&snap->kpf_bytes, g_bytes_unref);
	g_free(snap->owned);
	g_clear_pointer(&snap->moved_to, g_hash_table_unref);
	g_clear_pointer(&snap->moved_from, g_hash_table_unref);
	g_free(snap->moved_bits);
	g_free(snap->moved_blocks);
	g_free(snap->votes);
	g_free(snap->zoneinfo_free);
	if (snap->pcp_start_counts)
		g_array_unref(snap->pcp_start_counts);
	if (snap->reclaim_order)
		g_array_unref(snap->reclaim_order);
	ps_snapshot_drop_start_arrays(snap);
	if (snap->state_map)
		g_mapped_file_unref(snap->state_map);
	g_free(snap);
}

void ps_snapshot_drop_start_arrays(PsSnapshot *snap)
{
	/* in the loaded-state cache's mapping (freed with it), else the snapshot's own */
	if (!snap->state_map) {
		g_free(snap->kind);
		g_free(snap->lru);
	}
	snap->kind = snap->lru = NULL;
}

/* pagetypeinfo's block counts of the zones of one type, all nodes; false when it has none. */
static bool real_type_blocks(const PsSnapshot *snap, int type, uint64_t real[PS_MT_TYPES])
{
	bool have = false;

	memset(real, 0, sizeof(uint64_t) * PS_MT_TYPES);
	for (int n = 0; n < PS_MAX_NODES; n++) {
		int zi = n * PS_MAX_NR_ZONES + type;

		if (!snap->have_real[zi])
			continue;
		have = true;
		for (int mt = 0; mt < PS_MT_TYPES; mt++)
			real[mt] += snap->real_blocks[zi][mt];
	}
	return have;
}

cJSON *ps_snapshot_to_json(const PsSnapshot *snap, const PsMachine *m)
{
	cJSON *o = cJSON_CreateObject(), *zones = cJSON_AddArrayToObject(o, "zones");

	cJSON_AddStringToObject(o, "kpageflags", snap->path);
	cJSON_AddStringToObject(o, "pageblock_rule",
				"plurality of page votes: free and user pages Movable, slab "
				"Reclaimable, flagless and page tables Unmovable; ties Movable");
	if (snap->pagetypeinfo_path)
		cJSON_AddStringToObject(o, "pagetypeinfo", snap->pagetypeinfo_path);
	cJSON_AddNumberToObject(o, "unknown_at_start_freed_pages", (double)snap->freed_pages);
	cJSON_AddNumberToObject(o, "unknown_at_start_moved_pages", (double)snap->moved_pages);
	if (snap->split_pages)
		cJSON_AddNumberToObject(o, "unknown_at_start_split_pages",
					(double)snap->split_pages);
	if (snap->stale_scanned) {
		/* snapshot-stale.c: allocated in the dump, free when the trace began */
		cJSON_AddNumberToObject(o, "stale_lru_freed_folios", (double)snap->stale_freed);
		cJSON_AddNumberToObject(o, "stale_lru_freed_pages",
					(double)snap->stale_freed_pages);
		/* free in the dump, freed first by the trace: allocated when the trace began */
		cJSON_AddNumberToObject(o, "free_in_snapshot_freed_first_pages",
					(double)snap->freed_first_pages);
		cJSON_AddNumberToObject(o, "free_in_snapshot_freed_first_left",
					(double)snap->freed_first_left);
		/* the LRU folios the kernel's reclaim freed, at their lists' tails in its order */
		cJSON_AddNumberToObject(o, "lru_reclaim_ordered_folios",
					(double)snap->lru_ordered.folios);
		cJSON_AddNumberToObject(o, "lru_reclaim_ordered_pages",
					(double)snap->lru_ordered.pages);
		cJSON_AddNumberToObject(o, "lru_reclaim_ordered_deactivated",
					(double)snap->lru_ordered.deactivated);
		/* zombies of a memcg with children, rebuilt from the kernel's reclaim passes */
		if (snap->lru_ordered.offline_memcgs)
			cJSON_AddNumberToObject(o, "offline_memcgs_from_reclaim_order",
						(double)snap->lru_ordered.offline_memcgs);
		/* shares of them not made: the memcg table was full (PS_MEMCG_MAX) */
		if (snap->lru_ordered.offline_shares_not_made)
			cJSON_AddNumberToObject(o, "offline_memcg_shares_not_made",
						(double)snap->lru_ordered.offline_shares_not_made);
		/* the first direct compaction crossed its zone empty: skip hints at the start */
		if (snap->compaction_skip_blocks)
			cJSON_AddNumberToObject(o, "compaction_skip_hint_blocks_at_start",
						(double)snap->compaction_skip_blocks);
		/* else the first kcompactd run resumed: its cached position, marks, deferral */
		if (snap->compaction_resume.seeded) {
			const char *const key[] = {"compaction_resume_pfn_at_start",
						   "compaction_resume_blocks_at_start",
						   "compaction_defer_shift_at_start"};
			const double val[] = {(double)snap->compaction_resume.pfn,
					      (double)snap->compaction_resume.blocks,
					      (double)snap->compaction_resume.defer_shift};

			for (size_t i = 0; i < G_N_ELEMENTS(key); i++)
				cJSON_AddNumberToObject(o, key[i], val[i]);
		}
		/* zones whose scanners start where the recording's first run of them began */
		if (snap->compaction_cached_zones)
			cJSON_AddNumberToObject(o, "compaction_cached_zones_at_start",
						(double)snap->compaction_cached_zones);
	}
	{
		uint64_t foreign = 0;

		for (int t = 0; t < PS_MAX_NR_ZONES; t++)
			foreign += snap->foreign_blocks[t];
		/* pagetypeinfo's lists: free blocks on another type's list (fit_free_lists) */
		if (foreign)
			cJSON_AddNumberToObject(o, "free_blocks_on_other_type_lists_at_start",
						(double)foreign);
	}
	if (snap->zoneinfo_path) {
		cJSON_AddStringToObject(o, "pcp_state_from", snap->zoneinfo_path);
		cJSON_AddNumberToObject(o, "pcp_pages_at_start", (double)snap->pcp_count_at_start);
		cJSON_AddNumberToObject(o, "watermark_boost_at_start",
					(double)snap->boost_at_start);
		cJSON_AddNumberToObject(o, "pcp_pages_rebuilt_from_trace",
					(double)snap->pcp_adopted);
		cJSON_AddNumberToObject(o, "pcp_pages_free_in_snapshot",
					(double)snap->pcp_taken_free);
		cJSON_AddNumberToObject(o, "pcp_pages_freed_again_untraced_alloc",
					(double)snap->pcp_untraced_refreed);
		if (snap->pcp_start_counts) {
			cJSON *a = cJSON_AddArrayToObject(o, "pcp_start_count_from_first_drain");

			for (guint i = 0; i < snap->pcp_start_counts->len; i++) {
				const PsPcpStartCount *c =
				    &g_array_index(snap->pcp_start_counts, PsPcpStartCount, i);
				cJSON *e = cJSON_CreateObject();

				cJSON_AddNumberToObject(e, "zone", c->zone);
				cJSON_AddNumberToObject(e, "cpu", c->cpu);
				cJSON_AddNumberToObject(e, "rebuilt", c->rebuilt);
				cJSON_AddNumberToObject(e, "implied", c->implied);
				cJSON_AddNumberToObject(e, "unnamed_added", c->added);
				cJSON_AddItemToArray(a, e);
			}
		}
	}
	if (snap->machine_check) {
		cJSON *mo = cJSON_AddObjectToObject(o, "machine");

		cJSON_AddStringToObject(mo, "check", snap->machine_check);
		if (snap->machine[0])
			cJSON_AddStringToObject(mo, "snapshot", snap->machine);
		else
			cJSON_AddNullToObject(mo, "snapshot");
	}
	if (snap->vmstat_path) {
		cJSON_AddStringToObject(o, "kcompactd_state_from", snap->vmstat_path);
		cJSON_AddNumberToObject(o, "kcompactd_nodes_in_backoff",
					(double)snap->kcompactd_deferred);
	}
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		cJSON *z, *b;

		uint64_t real[PS_MT_TYPES];

		if (!snap->free_pages[t] && !snap->allocated_pages[t])
			continue;
		z = cJSON_CreateObject();
		cJSON_AddStringToObject(z, "zone", ps_zone_names[t]);
		cJSON_AddNumberToObject(z, "free_pages", (double)snap->free_pages[t]);
		cJSON_AddNumberToObject(z, "allocated_pages", (double)snap->allocated_pages[t]);
		cJSON_AddNumberToObject(z, "flagless_taken_as_allocated",
					(double)snap->flagless_taken[t]);
		b = cJSON_AddObjectToObject(z, "pageblocks");
		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++)
			cJSON_AddNumberToObject(b, ps_migratetype_names[mt],
						(double)snap->blocks[t][mt]);
		if (real_type_blocks(snap, t, real)) {
			b = cJSON_AddObjectToObject(z, "pageblocks_pagetypeinfo");
			for (int mt = 0; mt < PS_MT_TYPES; mt++)
				cJSON_AddNumberToObject(b, ps_migratetype_names[mt],
							(double)real[mt]);
		}
		cJSON_AddItemToArray(zones, z);
	}
	(void)m;
	return o;
}

void ps_snapshot_format(const PsSnapshot *snap, GString *out)
{
	g_string_append_printf(out, "snapshot %s: pageblock types by vote", snap->path);
	if (snap->pagetypeinfo_path)
		g_string_append_printf(out, " vs %s", snap->pagetypeinfo_path);
	g_string_append(out, "\n");
	for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
		uint64_t real[PS_MT_TYPES];
		bool have = real_type_blocks(snap, t, real);

		if (!snap->free_pages[t] && !snap->allocated_pages[t])
			continue;
		g_string_append_printf(
		    out,
		    "  %-7s free %8" G_GUINT64_FORMAT " allocated %8" G_GUINT64_FORMAT "  blocks",
		    ps_zone_names[t], snap->free_pages[t], snap->allocated_pages[t]);
		for (int mt = 0; mt < PS_MT_PCPTYPES; mt++) {
			g_string_append_printf(out, " %s %" G_GUINT64_FORMAT,
					       ps_migratetype_names[mt], snap->blocks[t][mt]);
			if (have)
				g_string_append_printf(out, " (real %" G_GUINT64_FORMAT ")",
						       real[mt]);
		}
		g_string_append(out, "\n");
	}
}

/*
 * Where the pages a recording names by pfn are now: compaction may have moved the block that held
 * them (the pfn itself, or a block up to MAX_PAGE_ORDER around it, moved whole).
 */
static ps_pfn_t current_pfn(const PsSnapshot *snap, const PsMachine *m, ps_pfn_t pfn)
{
	if (!g_hash_table_size(snap->moved_to))
		return pfn;
	/* every head below is in pfn's MAX_PAGE_ORDER block: none moved when it is all in the map
	 */
	if (pfn < m->map.end_pfn &&
	    (pfn & ~(((ps_pfn_t)1 << m->max_order) - 1)) >= m->map.base_pfn &&
	    !snap->moved_blocks[moved_block(m, pfn)])
		return pfn;
	for (unsigned o = 0; o <= m->max_order; o++) {
		ps_pfn_t head = pfn & ~(((ps_pfn_t)1 << o) - 1);
		uint64_t i = head - m->map.base_pfn;
		gpointer to;

		/* moved_bits: the heads moved_to has (a pfn outside the map: the table itself) */
		if (head >= m->map.base_pfn && head < m->map.end_pfn &&
		    !(snap->moved_bits[i / 8] & (1u << (i % 8))))
			continue;
		if (g_hash_table_lookup_extended(snap->moved_to, GUINT_TO_POINTER(head), NULL,
						 &to)) {
			ps_pfn_t now = GPOINTER_TO_UINT(to);
			gpointer from;

			/* still that block there (another moved block may have taken the place) */
			if (g_hash_table_lookup_extended(snap->moved_from, to, NULL, &from) &&
			    GPOINTER_TO_UINT(from) == head &&
			    ps_page_state(m, now) == PS_PAGE_ALLOCATED &&
			    ps_page_order(m, now) >= o)
				return now + (pfn - head);
		}
	}
	return pfn;
}

void ps_snapshot_moved(PsSnapshot *snap, PsMachine *m, ps_pfn_t old_pfn, ps_pfn_t new_pfn)
{
	unsigned order = ps_page_order(m, new_pfn);
	gpointer orig_p;
	ps_pfn_t orig = old_pfn;

	if (g_hash_table_lookup_extended(snap->moved_from, GUINT_TO_POINTER(old_pfn), NULL,
					 &orig_p)) {
		orig = GPOINTER_TO_UINT(orig_p);
		g_hash_table_remove(snap->moved_from, GUINT_TO_POINTER(old_pfn));
	}
	g_hash_table_insert(snap->moved_to, GUINT_TO_POINTER(orig), GUINT_TO_POINTER(new_pfn));
	if (orig >= m->map.base_pfn && orig < m->map.end_pfn) {
		snap->moved_bits[(orig - m->map.base_pfn) / 8] |=
		    (uint8_t)(1u << ((orig - m->map.base_pfn) % 8));
		snap->moved_blocks[moved_block(m, orig)] = 1;
	}
	g_hash_table_insert(snap->moved_from, GUINT_TO_POINTER(new_pfn), GUINT_TO_POINTER(orig));
	ps_snapshot_disown(snap, m, old_pfn, order);
	ps_snapshot_own(snap, m, new_pfn, order);
	snap->moved_pages += 1ull << order;
}

bool ps_snapshot_split(PsSnapshot *snap, PsMachine *m, ps_pfn_t pfn)
{
	unsigned order;
	gpointer orig_p = NULL;
	bool moved;

	if (ps_page_state(m, pfn) != PS_PAGE_ALLOCATED)
		return false;
	order = ps_page_order(m, pfn);
	if (!order || !ps_snapshot_owns(snap, m, pfn, order))
		return false;
	moved =
	    g_hash_table_lookup_extended(snap->moved_from, GUINT_TO_POINTER(pfn), NULL, &orig_p);
	ps_page_split_allocated(m, pfn, order);
	for (ps_pfn_t p = pfn; p < pfn + (1u << order); p++)
		ps_page_set_owner(m, p, PS_OWNER_UNKNOWN_AT_START);
	/* a moved block's pieces: each page's recorded pfn follows it on its own */
	for (ps_pfn_t j = 1; moved && j < (1u << order); j++) {
		ps_pfn_t orig = GPOINTER_TO_UINT(orig_p) + j;

		g_hash_table_insert(snap->moved_to, GUINT_TO_POINTER(orig),
				    GUINT_TO_POINTER(pfn + j));
		g_hash_table_insert(snap->moved_from, GUINT_TO_POINTER(pfn + j),
				    GUINT_TO_POINTER(orig));
		if (orig >= m->map.base_pfn && orig < m->map.end_pfn)
			snap->moved_bits[(orig - m->map.base_pfn) / 8] |=
			    (uint8_t)(1u << ((orig - m->map.base_pfn) % 8));
	}
	snap->split_pages += 1ull << order;
	return true;
}

bool ps_snapshot_free_pages(PsSnapshot *snap, PsMachine *m, const PsTraceEvent *ev, int cpu)
{
	ps_pfn_t pfn;
	unsigned order;
	PsZone *z;

	if (!ev->has_pfn || ev->order < 0 || ev->pfn > UINT32_MAX)
		return false;
	pfn = (ps_pfn_t)ev->pfn;
	order = (unsigned)ev->order;
	if (order > m->max_order || (pfn & ((1u << order) - 1)))
		return false;
	{
		ps_pfn_t now = current_pfn(snap, m, pfn);

		/* a block moved to where this order is aligned, and still held for the trace */
		if (now != pfn && !(now & ((1u << order) - 1)) &&
		    ps_snapshot_owns(snap, m, now, order))
			pfn = now;
	}
	z = ps_pfn_zone(m, pfn);
	if (!z || !ps_snapshot_owns(snap, m, pfn, order) || !ps_alloc_reshape(m, z, pfn, order))
		return false;
	ps_snapshot_disown(snap, m, pfn, order);
	ps_free_pages(m, pfn, order, cpu);
	snap->freed++;
	snap->freed_pages += 1ull << order;
	return true;
}

G_DEFINE_QUARK(ps_sim_snapshot_error_quark, ps_sim_snapshot_error)
