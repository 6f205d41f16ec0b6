// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check.c - the invariant checker: recomputes every counter the allocator keeps from the page
 * arrays and lists, and verifies the structural rules of the buddy allocator. Meant to run after
 * every event in property tests and with `pagesim run --check`; it is O(pages), not a hot path.
 *
 * Rules checked (per zone):
 *  1. every list is well linked (prev/next agree, head/tail ends, len matches the walk);
 *  2. each block on free_area[o].list[mt] is a PS_PAGE_BUDDY head of order o, aligned to 2^o,
 *     inside the zone's managed range, and its pageblock(s) have type mt, or PsZone.foreign
 *     says it is on mt's list; every entry of PsZone.foreign is a free head on that list, of
 *     a pageblock whose type is not that list's, and PsZone.foreign_nr counts them per
 *     pageblock;
 *  3. nr_free[o] equals the sum of list lengths of order o;
 *  4. blocks (free, pcp, allocated) do not overlap, and every managed (not reserved) page is
 *     covered by exactly one of them: free + pcp + allocated = managed;
 *  5. no two free buddies of equal order below pageblock order left unmerged (they share a
 *     pageblock, so __free_one_page always merges them); at or above pageblock order buddies
 *     of different types may stay apart (non-mergeable types, or a block retyped while free
 *     by unreserve_highatomic_pageblock, which does not merge);
 *  6. NR_FREE_PAGES, NR_FREE_PAGES_BLOCKS, nr_free_highatomic, nr_pcp, each pcp's count and
 *     nr_allocated equal the recomputed values;
 *  7. the pageblock type counts are consistent (nr_reserved_highatomic <= HIGHATOMIC blocks).
 * And for the whole map: PsMemMap.big_head is the summary of flags it says it is (a pageblock's
 * first page heads an allocated block of pageblock order or more).
 */
#include "mm/mm.h"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_INVARIANT, __VA_ARGS__);               \
		return FALSE;                                                                      \
	} while (0)

static gboolean check_list(PsMachine *m, const PsList *l, const char *what, GError **error)
{
	ps_pfn_t prev = PS_PFN_NONE, pfn = l->head;
	uint64_t n = 0;

	while (pfn != PS_PFN_NONE) {
		if (pfn < m->map.base_pfn || pfn >= m->map.end_pfn)
			FAIL("%s: pfn %u outside the memory map", what, pfn);
		if (*ps_list_prev_slot(m, l, pfn) != prev)
			FAIL("%s: pfn %u has prev %u, expected %u", what, pfn,
			     *ps_list_prev_slot(m, l, pfn), prev);
		prev = pfn;
		pfn = ps_list_next(m, l, pfn);
		if (++n > l->len)
			FAIL("%s: more than len %" G_GUINT64_FORMAT " entries", what, l->len);
	}
	if (l->tail != prev)
		FAIL("%s: tail %u, last entry %u", what, l->tail, prev);
	if (n != l->len)
		FAIL("%s: len %" G_GUINT64_FORMAT ", walked %" G_GUINT64_FORMAT, what, l->len, n);
	return TRUE;
}

/* What the walks of one zone counted, for the counters to be checked against. */
typedef struct {
	uint64_t free_pages, free_blocks_pages, free_ha, pcp_pages, alloc_pages;
} ZoneSums;

/* Rules 1-3 for the free lists; sums the free pages for rule 6. */
/* Rule 2's PsZone.foreign_nr: each pageblock's count is the table's entries in it. */
static gboolean check_foreign_nr(const PsMachine *m, const PsZone *z, GError **error)
{
	uint64_t nblocks = (m->map.end_pfn - m->map.base_pfn) >> m->pageblock_order;
	g_autofree uint16_t *nr = g_new0(uint16_t, nblocks);
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, z->foreign);
	while (g_hash_table_iter_next(&it, &k, NULL))
		nr[(GPOINTER_TO_UINT(k) - m->map.base_pfn) >> m->pageblock_order]++;
	for (uint64_t b = 0; b < nblocks; b++)
		if (nr[b] != z->foreign_nr[b])
			FAIL("node %d %s: pageblock %" G_GUINT64_FORMAT
			     " counts %u foreign blocks, "
			     "the table has %u",
			     z->node, ps_zone_names[z->type], b, z->foreign_nr[b], nr[b]);
	return TRUE;
}

static gboolean check_free_areas(PsMachine *m, PsZone *z, ZoneSums *sum, GError **error)
{
	ps_pfn_t mstart = z->start_pfn, end = ps_zone_end_pfn(z);
	char what[96];
	guint foreign = 0; /* PsZone.foreign entries met on the lists */

	for (unsigned o = 0; o < m->nr_orders; o++) {
		uint64_t total = 0;

		for (int mt = 0; mt < PS_MT_TYPES; mt++) {
			const PsList *l = &z->free_area[o].list[mt];

			g_snprintf(what, sizeof(what), "node %d %s free_area[%u].%s", z->node,
				   ps_zone_names[z->type], o, ps_migratetype_names[mt]);
			if (!check_list(m, l, what, error))
				return FALSE;
			total += l->len;
			for (ps_pfn_t p = l->head; p != PS_PFN_NONE; p = ps_list_next(m, l, p)) {
				if (ps_page_state(m, p) != PS_PAGE_BUDDY ||
				    ps_page_order(m, p) != o)
					FAIL("%s: pfn %u is not a buddy head of that order", what,
					     p);
				if (p & ((1u << o) - 1))
					FAIL("%s: pfn %u not aligned to order %u", what, p, o);
				if (p < mstart || p + (1u << o) > end)
					FAIL("%s: block at pfn %u outside the managed range", what,
					     p);
				if (z->foreign &&
				    ps_free_list_of(m, z, p) != (enum ps_migratetype)mt)
					FAIL("%s: block at pfn %u is recorded on the %s list", what,
					     p, ps_migratetype_names[ps_free_list_of(m, z, p)]);
				if (z->foreign &&
				    g_hash_table_contains(z->foreign, GUINT_TO_POINTER(p))) {
					if (ps_pageblock_mt(m, p) == (enum ps_migratetype)mt)
						FAIL(
						    "%s: block at pfn %u is recorded as foreign in "
						    "a pageblock of that type",
						    what, p);
					foreign++;
				}
				for (ps_pfn_t b = p; b < p + (1u << o);
				     b += (ps_pfn_t)m->pageblock_nr_pages) {
					if (ps_pageblock_mt(m, b) != (enum ps_migratetype)mt &&
					    ps_free_list_of(m, z, p) != (enum ps_migratetype)mt)
						FAIL("%s: block at pfn %u lies in a %s pageblock",
						     what, p,
						     ps_migratetype_names[ps_pageblock_mt(m, b)]);
					if (o < m->pageblock_order)
						break;
				}
				sum->free_pages += 1ull << o;
				if (o >= m->pageblock_order && mt != PS_MT_ISOLATE)
					sum->free_blocks_pages += 1ull << o;
				if (mt == PS_MT_HIGHATOMIC)
					sum->free_ha += 1ull << o;
			}
		}
		if (total != z->free_area[o].nr_free)
			FAIL("node %d %s: nr_free[%u] = %" G_GUINT64_FORMAT
			     " but the lists hold %" G_GUINT64_FORMAT,
			     z->node, ps_zone_names[z->type], o, z->free_area[o].nr_free, total);
	}
	if (z->foreign && foreign != g_hash_table_size(z->foreign))
		FAIL("node %d %s: %u blocks recorded on foreign lists, %u of them free heads there",
		     z->node, ps_zone_names[z->type], g_hash_table_size(z->foreign), foreign);
	return z->foreign ? check_foreign_nr(m, z, error) : TRUE;
}

/* Rule 1 for the pcp lists, their pages' state and each cpu's count (rule 6). */
static gboolean check_pcp_lists(PsMachine *m, PsZone *z, ZoneSums *sum, GError **error)
{
	char what[96];

	if (z->pcp) {
		for (int c = 0; c < m->nr_cpus; c++) {
			PsPcp *pcp = &z->pcp[c];
			uint64_t cnt = 0;

			for (int l = 0; l < PS_NR_PCP_LISTS; l++) {
				g_snprintf(what, sizeof(what), "node %d %s cpu %d pcp list %d",
					   z->node, ps_zone_names[z->type], c, l);
				if (!check_list(m, &pcp->lists[l], what, error))
					return FALSE;
				for (ps_pfn_t p = pcp->lists[l].head; p != PS_PFN_NONE;
				     p = ps_list_next(m, &pcp->lists[l], p)) {
					if (ps_page_state(m, p) != PS_PAGE_PCP)
						FAIL("%s: pfn %u is not a pcp page", what, p);
					cnt += 1ull << ps_page_order(m, p);
				}
			}
			if (cnt != (uint64_t)pcp->count)
				FAIL("node %d %s cpu %d: pcp count %d, lists hold "
				     "%" G_GUINT64_FORMAT,
				     z->node, ps_zone_names[z->type], c, pcp->count, cnt);
			sum->pcp_pages += cnt;
		}
	}

	return TRUE;
}

/*
 * Rules 4 and 5, walking the managed range block by block: coverage, overlap, unmerged buddies.
 * Managed pages are the span's pages that are not PS_PAGE_RESERVED: at boot the last
 * `managed` pages of the span (machine.c), after a snapshot wherever the real ones were
 * (snapshot.c). The walk starts at the span's start and steps over reserved pages.
 */
static gboolean check_blocks(PsMachine *m, PsZone *z, ZoneSums *sum, GError **error)
{
	ps_pfn_t mstart = z->start_pfn, end = ps_zone_end_pfn(z);

	for (ps_pfn_t p = mstart; p < end;) {
		enum ps_page_state st = ps_page_state(m, p);
		unsigned o = ps_page_order(m, p);

		if (st == PS_PAGE_RESERVED) {
			p++;
			continue;
		}
		if (st == PS_PAGE_TAIL)
			FAIL("node %d %s: managed pfn %u is not covered by any block", z->node,
			     ps_zone_names[z->type], p);
		if (p & ((1u << o) - 1))
			FAIL("node %d %s: block at pfn %u not aligned to order %u", z->node,
			     ps_zone_names[z->type], p, o);
		if (p + (1u << o) > end)
			FAIL("node %d %s: block at pfn %u order %u runs past the zone", z->node,
			     ps_zone_names[z->type], p, o);
		for (ps_pfn_t t = p + 1; t < p + (1u << o); t++)
			if (ps_page_state(m, t) != PS_PAGE_TAIL)
				FAIL("node %d %s: pfn %u inside the order-%u block at %u is a "
				     "block head too",
				     z->node, ps_zone_names[z->type], t, o, p);
		if (st == PS_PAGE_ALLOCATED)
			sum->alloc_pages += 1ull << o;
		if (st == PS_PAGE_BUDDY && o < m->max_order) {
			ps_pfn_t b = p ^ (1u << o);

			if (b >= mstart && b < end && ps_page_state(m, b) == PS_PAGE_BUDDY &&
			    ps_page_order(m, b) == o) {
				bool apart = o >= m->pageblock_order &&
					     ps_pageblock_mt(m, p) != ps_pageblock_mt(m, b);

				if (!apart)
					FAIL(
					    "node %d %s: free buddies at pfn %u and %u of order %u "
					    "were not merged",
					    z->node, ps_zone_names[z->type], p, b, o);
			}
		}
		p += 1u << o;
	}

	return TRUE;
}

static gboolean check_zone(PsMachine *m, PsZone *z, GError **error)
{
	ps_pfn_t end = ps_zone_end_pfn(z);
	ZoneSums sum = {0};
	uint64_t ha_blocks = 0;

	if (!check_free_areas(m, z, &sum, error) || !check_pcp_lists(m, z, &sum, error) ||
	    !check_blocks(m, z, &sum, error))
		return FALSE;
	for (ps_pfn_t p = z->start_pfn & ~(ps_pfn_t)(m->pageblock_nr_pages - 1); p < end;
	     p += (ps_pfn_t)m->pageblock_nr_pages)
		if (p >= z->start_pfn && ps_pageblock_mt(m, p) == PS_MT_HIGHATOMIC)
			ha_blocks++;

	if ((int64_t)sum.free_pages != z->vm_stat[PS_NR_FREE_PAGES])
		FAIL("node %d %s: NR_FREE_PAGES %" G_GINT64_FORMAT
		     ", lists hold %" G_GUINT64_FORMAT,
		     z->node, ps_zone_names[z->type], z->vm_stat[PS_NR_FREE_PAGES], sum.free_pages);
	if ((int64_t)sum.free_blocks_pages != z->vm_stat[PS_NR_FREE_PAGES_BLOCKS])
		FAIL("node %d %s: NR_FREE_PAGES_BLOCKS %" G_GINT64_FORMAT
		     ", recomputed %" G_GUINT64_FORMAT,
		     z->node, ps_zone_names[z->type], z->vm_stat[PS_NR_FREE_PAGES_BLOCKS],
		     sum.free_blocks_pages);
	if (sum.free_ha != z->nr_free_highatomic)
		FAIL("node %d %s: nr_free_highatomic %" G_GUINT64_FORMAT
		     ", recomputed %" G_GUINT64_FORMAT,
		     z->node, ps_zone_names[z->type], z->nr_free_highatomic, sum.free_ha);
	if (sum.pcp_pages != z->nr_pcp)
		FAIL("node %d %s: nr_pcp %" G_GUINT64_FORMAT ", recomputed %" G_GUINT64_FORMAT,
		     z->node, ps_zone_names[z->type], z->nr_pcp, sum.pcp_pages);
	if (sum.alloc_pages != z->nr_allocated)
		FAIL("node %d %s: nr_allocated %" G_GUINT64_FORMAT
		     ", recomputed %" G_GUINT64_FORMAT,
		     z->node, ps_zone_names[z->type], z->nr_allocated, sum.alloc_pages);
	if (sum.free_pages + sum.pcp_pages + sum.alloc_pages != z->managed)
		FAIL("node %d %s: free %" G_GUINT64_FORMAT " + pcp %" G_GUINT64_FORMAT
		     " + allocated %" G_GUINT64_FORMAT " != managed %" G_GUINT64_FORMAT,
		     z->node, ps_zone_names[z->type], sum.free_pages, sum.pcp_pages,
		     sum.alloc_pages, z->managed);
	if (z->nr_reserved_highatomic > ha_blocks * m->pageblock_nr_pages)
		FAIL("node %d %s: %" G_GUINT64_FORMAT
		     " pages reserved highatomic but only %" G_GUINT64_FORMAT
		     " HighAtomic pageblocks",
		     z->node, ps_zone_names[z->type], z->nr_reserved_highatomic, ha_blocks);
	return TRUE;
}

static gboolean check_big_head(const PsMachine *m, GError **error)
{
	uint64_t nblocks = (uint64_t)(m->map.end_pfn - m->map.base_pfn) >> m->pageblock_order;

	for (uint64_t b = 0; b < nblocks; b++) {
		ps_pfn_t p = m->map.base_pfn + (ps_pfn_t)(b << m->pageblock_order);
		bool big = ps_page_state(m, p) == PS_PAGE_ALLOCATED &&
			   ps_page_order(m, p) >= m->pageblock_order;

		if (m->map.big_head[b] != big)
			FAIL("pfn %u: big_head %u, its flags say %u", p, m->map.big_head[b], big);
	}
	return TRUE;
}

gboolean ps_machine_check(PsMachine *m, GError **error)
{
	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];

		if (!ps_zone_populated(z))
			continue;
		if (!check_zone(m, z, error))
			return FALSE;
	}
	return check_big_head(m, error);
}
