// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * snapshot.c - mechanism for starting from, and following, a real machine's physical memory:
 * replacing the boot-time free lists with a given free set, taking one exact block out of the
 * free lists, reshaping allocated blocks, and retyping a pageblock with its free pages.
 *
 * Mirrors, where the kernel has a counterpart:
 *   - ps_buddy_take_range: break_down_buddy_pages / take_page_off_buddy (mm/page_alloc.c): the
 *     enclosing free block is halved until the wanted block is reached; at each step the half
 *     that does not hold the target goes back on its free list at the head, with the block's
 *     migratetype. (expand() is the special case where the target is the lowest sub-block.)
 *   - ps_pageblock_set_mt: move_freepages_block + set_pageblock_migratetype, and for a block of
 *     pageblock order or more change_pageblock_range, as a claim does.
 *   - ps_alloc_give_back: __free_pages_ok without the pcp (free_one_page, split_large_buddy).
 * ps_machine_load_state, ps_alloc_reshape and ps_alloc_take_range have no kernel counterpart: they
 * rebuild state the kernel would have reached through a history we did not see.
 *
 * The loaded state keeps every invariant ps_machine_check verifies:
 *   - free pages are merged maximally: each maximal run of free pages of a zone is cut into the
 *     largest naturally aligned blocks (at most MAX_PAGE_ORDER, never crossing the zone's end),
 *     which is exactly what merging every buddy pair gives; above pageblock order two pageblocks
 *     of different types are not merged (they may stay apart, as check.c rule 5 allows);
 *   - every non-free managed page is in an allocated block: a page the state marks as the head
 *     of a block of order k (compound pages) heads one when the whole aligned block is allocated,
 *     every other allocated page is an order-0 block. The order-0 choice is the safe one: a
 *     recorded free of order k over such pages is first reshaped into one block
 *     (ps_alloc_reshape), whereas a guessed larger block would have to be split later;
 *   - pages that are not managed (holes, reservations, memory not yet initialised) are
 *     PS_PAGE_RESERVED anywhere in the zone's span, not only at its start as machine.c lays them
 *     out at boot; the count of managed pages must equal the zone's `managed`.
 * Free blocks go on their lists in ascending pfn order (to the tail), as boot-time freeing leaves
 * them: the real list order cannot be read from /proc/kpageflags.
 */
#include <string.h>

#include "mm/mm.h"
#include "util/util.h"

/* account_freepages, for the lists a block moves between. */
static void snap_account(PsZone *z, int64_t nr_pages, enum ps_migratetype mt)
{
	if (mt == PS_MT_ISOLATE)
		return;
	z->vm_stat[PS_NR_FREE_PAGES] += nr_pages;
	if (ps_is_migrate_highatomic(mt))
		z->nr_free_highatomic = (uint64_t)((int64_t)z->nr_free_highatomic + nr_pages);
}

static uint8_t state_at(const PsMachineState *st, ps_pfn_t pfn)
{
	if (pfn < st->base_pfn || pfn >= st->end_pfn)
		return PS_SNAP_RESERVED;
	return st->state[pfn - st->base_pfn];
}

/* The pageblock types of [pfn, pfn + 2^order) are all equal. */
static bool same_pageblock_types(const PsMachine *m, ps_pfn_t pfn, unsigned order)
{
	enum ps_migratetype mt = ps_pageblock_mt(m, pfn);

	if (order <= m->pageblock_order)
		return true;
	for (ps_pfn_t b = pfn; b < pfn + (1u << order); b += (ps_pfn_t)m->pageblock_nr_pages)
		if (ps_pageblock_mt(m, b) != mt)
			return false;
	return true;
}

/*
 * The first pfn from q on (below lim, inside the state) that is not an order-0 allocated page
 * of the state, lim when none: 8 pages a step.
 */
static ps_pfn_t alloc0_run_end(const PsMachineState *st, ps_pfn_t q, ps_pfn_t lim)
{
	for (; q + 8 <= lim; q += 8) {
		unsigned ok =
		    ps_bytes8_match(&st->state[q - st->base_pfn], 0xff, PS_SNAP_ALLOCATED);

		if (st->head_order)
			ok &= ps_bytes8_match(&st->head_order[q - st->base_pfn], 0xff, 0);
		if (ok != 0xff)
			return q + (ps_pfn_t)__builtin_ctz(~ok);
	}
	while (q < lim && st->state[q - st->base_pfn] == PS_SNAP_ALLOCATED &&
	       (!st->head_order || st->head_order[q - st->base_pfn] == 0))
		q++;
	return q;
}

/* Every page of [q, lim) (inside the state) is allocated in the state: 8 pages a step. */
static bool all_allocated(const PsMachineState *st, ps_pfn_t q, ps_pfn_t lim)
{
	for (; q + 8 <= lim; q += 8)
		if (ps_bytes8_match(&st->state[q - st->base_pfn], 0xff, PS_SNAP_ALLOCATED) != 0xff)
			return false;
	for (; q < lim; q++)
		if (st->state[q - st->base_pfn] != PS_SNAP_ALLOCATED)
			return false;
	return true;
}

static gboolean load_zone(PsMachine *m, PsZone *z, const PsMachineState *st, GError **error)
{
	ps_pfn_t start = z->start_pfn, end = ps_zone_end_pfn(z);
	uint64_t managed = 0;

	if (z->nr_pcp) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "node %d zone %s: cannot load a state while pages sit on pcp lists",
			    z->node, ps_zone_names[z->type]);
		return FALSE;
	}
	/* pfns outside the state are reserved; inside it, counted 16 bytes a step (SSE2) */
	if (start < st->end_pfn && end > st->base_pfn) {
		uint64_t i = MAX(start, st->base_pfn) - st->base_pfn;
		uint64_t n = MIN(end, st->end_pfn) - st->base_pfn;

		managed +=
		    (n - i) - ps_bytes_count_match(st->state + i, n - i, 0xff, PS_SNAP_RESERVED);
	}
	if (managed != z->managed) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "node %d zone %s: the state has %" G_GUINT64_FORMAT
			    " managed pages, the zone %" G_GUINT64_FORMAT
			    " (state and config from different moments?)",
			    z->node, ps_zone_names[z->type], managed, z->managed);
		return FALSE;
	}

	/* Empty the free lists and their counters. */
	for (unsigned o = 0; o < PS_NR_ORDERS_MAX; o++) {
		for (int mt = 0; mt < PS_MT_TYPES; mt++) {
			z->free_area[o].list[mt].head = z->free_area[o].list[mt].tail = PS_PFN_NONE;
			z->free_area[o].list[mt].len = 0;
		}
		z->free_area[o].nr_free = 0;
	}
	z->vm_stat[PS_NR_FREE_PAGES] = 0;
	z->vm_stat[PS_NR_FREE_PAGES_BLOCKS] = 0;
	z->nr_free_highatomic = 0;
	z->nr_reserved_highatomic = 0;
	z->nr_allocated = 0;

	if (st->pageblock_mt) {
		for (ps_pfn_t b = start & ~(ps_pfn_t)(m->pageblock_nr_pages - 1); b < end;
		     b += (ps_pfn_t)m->pageblock_nr_pages) {
			uint8_t mt = st->pageblock_mt[(b - m->map.base_pfn) >> m->pageblock_order] &
				     PS_PAGEBLOCK_MT_MASK;

			/* Reserves are rebuilt by the run itself; isolation is transient. */
			if (mt >= PS_MT_PCPTYPES)
				mt = PS_MT_MOVABLE;
			ps_set_pageblock_mt(m, b, (enum ps_migratetype)mt);
			ps_set_pageblock_nomem(
			    m, b,
			    st->pageblock_mt[(b - m->map.base_pfn) >> m->pageblock_order] &
				PS_PAGEBLOCK_NOMEM);
		}
	}

	for (ps_pfn_t p = start; p < end;) {
		uint8_t s = state_at(st, p);

		if (s == PS_SNAP_RESERVED) {
			ps_page_set(m, p, PS_PAGE_RESERVED, 0);
			p++;
		} else if (s == PS_SNAP_ALLOCATED &&
			   (!st->head_order || st->head_order[p - st->base_pfn] == 0)) {
			/* the common case (~90 % of a real machine's pages): a run of order-0
			 * allocated pages, what the branch below makes of each (ps_page_set, then
			 * the movable bit), found first and then written as whole arrays */
			ps_pfn_t q = p + 1, lim = MIN(end, st->end_pfn);
			uint8_t *f = &m->map.flags[p - m->map.base_pfn];
			uint64_t n;

			q = alloc0_run_end(st, q, lim);
			n = q - p;
			ps_page_set_run(m, p, n, PS_PAGE_ALLOCATED);
			if (st->movable) {
				const uint8_t *mv = &st->movable[p - st->base_pfn];

				for (uint64_t i = 0; i < n; i++)
					f[i] |= mv[i] ? PS_PAGE_MOVABLE_BIT : 0;
			}
			z->nr_allocated += n;
			p = q;
		} else if (s == PS_SNAP_ALLOCATED) {
			unsigned order = st->head_order ? st->head_order[p - st->base_pfn] : 0;
			ps_pfn_t q;

			if (order > m->max_order || (p & ((1u << order) - 1)) ||
			    (uint64_t)p + (1u << order) > end)
				order = 0;
			q = p + (1u << order);
			if (order && (q > st->end_pfn || !all_allocated(st, p + 1, q)))
				order = 0;
			ps_page_set(m, p, PS_PAGE_ALLOCATED, order);
			if (st->movable)
				ps_page_set_movable(m, p, st->movable[p - st->base_pfn]);
			ps_page_set_run(m, p + 1, (1u << order) - 1, PS_PAGE_TAIL);
			z->nr_allocated += 1ull << order;
			p += 1u << order;
		} else {
			/* A maximal run of free pages, cut into the largest aligned blocks. */
			ps_pfn_t run_end = p;

			while (run_end < end && run_end < st->end_pfn &&
			       st->state[run_end - st->base_pfn] == PS_SNAP_FREE)
				run_end++;
			while (p < run_end) {
				unsigned order = m->max_order;
				enum ps_migratetype mt;

				while (order > 0 &&
				       ((p & ((1u << order) - 1)) || p + (1u << order) > run_end ||
					!same_pageblock_types(m, p, order)))
					order--;
				ps_page_set_run(m, p + 1, (1u << order) - 1, PS_PAGE_TAIL);
				mt = ps_pageblock_mt(m, p);
				ps_free_list_add(m, z, p, order, mt, true);
				snap_account(z, 1ll << order, mt);
				p += 1u << order;
			}
		}
	}
	return TRUE;
}

gboolean ps_machine_load_state(PsMachine *m, const PsMachineState *st, GError **error)
{
	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];

		if (!ps_zone_populated(z))
			continue;
		if (!load_zone(m, z, st, error))
			return FALSE;
	}
	return TRUE;
}

ps_pfn_t ps_enclosing_free_block(const PsMachine *m, const PsZone *z, ps_pfn_t pfn,
				 unsigned min_order)
{
	for (unsigned o = min_order; o < m->nr_orders; o++) {
		ps_pfn_t head = pfn & ~((1u << o) - 1);

		if (head < z->start_pfn)
			break;
		if (ps_page_state(m, head) == PS_PAGE_BUDDY && ps_page_order(m, head) >= o)
			return pfn < head + (1u << ps_page_order(m, head)) ? head : PS_PFN_NONE;
	}
	return PS_PFN_NONE;
}

uint64_t ps_buddy_take_range(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	ps_pfn_t head = ps_enclosing_free_block(m, z, pfn, order);
	ps_pfn_t end = pfn + (1u << order);
	uint64_t taken = 0;

	if (head != PS_PFN_NONE) {
		unsigned high = ps_page_order(m, head);
		enum ps_migratetype mt = ps_free_list_of(m, z, head);

		/* break_down_buddy_pages: keep halving, the other half goes back at the head. */
		ps_free_list_del(m, z, head, high, mt);
		snap_account(z, -(1ll << high), mt);
		while (high > order) {
			ps_pfn_t other;

			high--;
			if (pfn >= head + (1u << high)) {
				other = head;
				head += 1u << high;
			} else {
				other = head + (1u << high);
			}
			ps_free_list_add(m, z, other, high, mt, false);
			snap_account(z, 1ll << high, mt);
		}
		return 1ull << order;
	}
	/* Otherwise the range holds whole free blocks, or none. */
	for (ps_pfn_t p = pfn; p < end;) {
		enum ps_page_state s = ps_page_state(m, p);
		unsigned o = ps_page_order(m, p);

		if (s == PS_PAGE_BUDDY) {
			enum ps_migratetype mt = ps_free_list_of(m, z, p);

			ps_free_list_del(m, z, p, o, mt);
			snap_account(z, -(1ll << o), mt);
			taken += 1ull << o;
			p += 1u << o;
		} else if (s == PS_PAGE_ALLOCATED || s == PS_PAGE_PCP) {
			p += 1u << o;
		} else {
			p++;
		}
	}
	return taken;
}

/* The allocated block holding pfn (its head), or PS_PFN_NONE. */
static ps_pfn_t enclosing_alloc_block(const PsMachine *m, const PsZone *z, ps_pfn_t pfn)
{
	for (unsigned o = 0; o < m->nr_orders; o++) {
		ps_pfn_t head = pfn & ~((1u << o) - 1);
		enum ps_page_state s;

		if (head < z->start_pfn)
			break;
		s = ps_page_state(m, head);
		if (s == PS_PAGE_TAIL)
			continue;
		if (s == PS_PAGE_ALLOCATED && pfn < head + (1u << ps_page_order(m, head)))
			return head;
		return PS_PFN_NONE;
	}
	return PS_PFN_NONE;
}

bool ps_alloc_reshape(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	ps_pfn_t end = pfn + (1u << order), head = enclosing_alloc_block(m, z, pfn);
	bool movable;

	if (head == PS_PFN_NONE || end > ps_zone_end_pfn(z))
		return false;
	if (ps_page_order(m, head) >= order && head + (1u << ps_page_order(m, head)) >= end) {
		/* one block holds the range: split it down, every other half stays allocated */
		unsigned high = ps_page_order(m, head);
		uint32_t owner = ps_page_owner(m, head);

		movable = ps_page_movable(m, head);
		while (high > order) {
			ps_pfn_t other;

			high--;
			if (pfn >= head + (1u << high)) {
				other = head;
				ps_page_set(m, head, PS_PAGE_TAIL, 0);
				head += 1u << high;
			} else {
				other = head + (1u << high);
			}
			ps_page_set(m, other, PS_PAGE_ALLOCATED, high);
			ps_page_set_movable(m, other, movable);
			ps_page_set_owner(m, other, owner);
		}
		ps_page_set(m, head, PS_PAGE_ALLOCATED, order);
		ps_page_set_movable(m, head, movable);
		ps_page_set_owner(m, head, owner);
		return true;
	}
	if (head != pfn)
		return false;
	/* The range holds several blocks: all must be allocated; then they become one. */
	for (ps_pfn_t p = pfn; p < end;) {
		if (ps_page_state(m, p) != PS_PAGE_ALLOCATED)
			return false;
		p += 1u << ps_page_order(m, p);
	}
	movable = ps_page_movable(m, pfn);
	{
		uint32_t owner = ps_page_owner(m, pfn);

		for (ps_pfn_t p = pfn; p < end;) {
			unsigned o = ps_page_order(m, p);

			ps_page_set(m, p, PS_PAGE_TAIL, 0);
			p += 1u << o;
		}
		ps_page_set(m, pfn, PS_PAGE_ALLOCATED, order);
		ps_page_set_movable(m, pfn, movable);
		ps_page_set_owner(m, pfn, owner);
	}
	return true;
}

uint64_t ps_alloc_take_range(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	uint64_t taken;

	if (ps_alloc_reshape(m, z, pfn, order))
		return 0;
	taken = ps_buddy_take_range(m, z, pfn, order);
	/* the allocated blocks inside join the one block; only the free pages are new */
	for (ps_pfn_t q = pfn; q < pfn + (1u << order); q++)
		if (ps_page_state(m, q) == PS_PAGE_ALLOCATED)
			ps_page_set(m, q, PS_PAGE_TAIL, 0);
	ps_page_set(m, pfn, PS_PAGE_ALLOCATED, order);
	z->nr_allocated += taken;
	return taken;
}

void ps_alloc_give_back(PsMachine *m, PsZone *z, ps_pfn_t pfn, unsigned order)
{
	g_assert(ps_page_state(m, pfn) == PS_PAGE_ALLOCATED && ps_page_order(m, pfn) == order);
	g_assert(z->nr_allocated >= 1ull << order);
	z->nr_allocated -= 1ull << order;
	ps_buddy_free(m, z, pfn, order, PS_FPI_NONE);
}

void ps_pageblock_set_mt(PsMachine *m, PsZone *z, ps_pfn_t pfn, enum ps_migratetype mt)
{
	ps_pfn_t start = pfn & ~(ps_pfn_t)(m->pageblock_nr_pages - 1);
	ps_pfn_t end = start + (ps_pfn_t)m->pageblock_nr_pages;
	ps_pfn_t big = ps_enclosing_free_block(m, z, start, m->pageblock_order + 1);
	g_autoptr(GArray) blocks = NULL;

	if (big != PS_PFN_NONE) {
		/* A free block larger than a pageblock covers it: retype all its pageblocks. */
		unsigned o = ps_page_order(m, big);
		enum ps_migratetype old = ps_free_list_of(m, z, big);

		start = big;
		end = big + (1u << o);
		if (old != mt || ps_pageblock_mt(m, big) != mt) {
			ps_free_list_del(m, z, big, o, old);
			snap_account(z, -(1ll << o), old);
			for (ps_pfn_t b = start; b < end; b += (ps_pfn_t)m->pageblock_nr_pages)
				ps_set_pageblock_mt(m, b, mt);
			ps_free_list_add(m, z, big, o, mt, true);
			snap_account(z, 1ll << o, mt);
		}
		return;
	}
	if (ps_pageblock_mt(m, start) == mt)
		return;
	/*
	 * each free block leaves the list it is on (ps_free_list_of: read while the pageblock has
	 * its old type), then the pageblock is retyped, then the blocks go on mt's list: on their
	 * pageblock's list, so none is recorded as foreign; blocks holds (pfn, order) pairs
	 */
	blocks = g_array_new(FALSE, FALSE, sizeof(ps_pfn_t));
	for (ps_pfn_t p = MAX(start, z->start_pfn); p < end && p < ps_zone_end_pfn(z);) {
		unsigned o;
		enum ps_migratetype old;

		if (ps_page_state(m, p) != PS_PAGE_BUDDY) {
			p++;
			continue;
		}
		o = ps_page_order(m, p);
		old = ps_free_list_of(m, z, p);
		ps_free_list_del(m, z, p, o, old);
		snap_account(z, -(1ll << o), old);
		g_array_append_val(blocks, p);
		g_array_append_val(blocks, o);
		p += 1u << o;
	}
	ps_set_pageblock_mt(m, start, mt);
	for (guint i = 0; i < blocks->len; i += 2) {
		ps_pfn_t p = g_array_index(blocks, ps_pfn_t, i);
		unsigned o = g_array_index(blocks, ps_pfn_t, i + 1);

		ps_free_list_add(m, z, p, o, mt, true);
		snap_account(z, 1ll << o, mt);
	}
}
