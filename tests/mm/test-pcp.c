// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-pcp.c - per-cpu lists (mm/pcp.c): list indices, refill sizes with the alloc_factor
 * scaling, the high / batch drain on free, draining from the tail, free_high, decay,
 * ZONE_BELOW_HIGH and ZONE_RECLAIM_ACTIVE.
 */
#include "fixture.h"

static PsMachine *normal_only(uint64_t pages, int ncpus)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, ncpus);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, 0, pages, pages);
	return fixture_machine(&spec);
}

static ps_pfn_t alloc0(PsMachine *m, uint64_t gfp, int cpu, PsAllocOutcome *out)
{
	ps_alloc_pages(m, gfp, 0, cpu, NULL, out);
	g_assert_cmpint(out->result, ==, PS_ALLOC_OK);
	return out->pfn;
}

static void test_list_index(void)
{
	g_autoptr(PsMachine) m = normal_only(65536, 1);

	g_assert_cmpint(ps_pcp_list_index(m, 0, PS_MT_UNMOVABLE), ==, 0);
	g_assert_cmpint(ps_pcp_list_index(m, 0, PS_MT_MOVABLE), ==, 1);
	g_assert_cmpint(ps_pcp_list_index(m, 2, PS_MT_RECLAIMABLE), ==, 8);
	g_assert_cmpint(ps_pcp_list_index(m, 3, PS_MT_RECLAIMABLE), ==, 11);
	g_assert_cmpint(ps_pcp_list_index(m, 9, PS_MT_UNMOVABLE), ==, 12);
	g_assert_cmpint(ps_pcp_list_index(m, 9, PS_MT_RECLAIMABLE), ==, 12);
	g_assert_cmpint(ps_pcp_list_index(m, 9, PS_MT_MOVABLE), ==, 13);
	g_assert_true(ps_pcp_allowed_order(m, 3));
	g_assert_false(ps_pcp_allowed_order(m, 4));
	g_assert_true(ps_pcp_allowed_order(m, 9));
	g_assert_false(ps_pcp_allowed_order(m, 10));
}

static void test_refill_scaling(void)
{
	g_autoptr(PsMachine) m = normal_only(65536, 1);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsPcp *pcp = &z->pcp[0];
	int B = pcp->batch, hmin = pcp->high_min, hmax = pcp->high_max;
	int high;
	PsAllocOutcome out;

	g_assert_cmpint(B, >, 1);
	g_assert_cmpint(pcp->high, ==, 0);
	/* First allocation: high is clamped to high_min and grown by a batch; one batch refills,
	 * in physical order, and the head (lowest pfn) is handed out. */
	g_assert_cmpuint(alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 0, &out), ==, 0);
	g_assert_true(out.pcp_refill);
	g_assert_cmpint(out.path, ==, PS_PATH_PCP);
	g_assert_cmpuint(out.refill_pages, ==, (unsigned)B);
	high = MIN(hmin + B, hmax);
	g_assert_cmpint(pcp->high, ==, high);
	g_assert_cmpint(pcp->alloc_factor, ==, 1);
	g_assert_cmpint(pcp->count, ==, B - 1);
	g_assert_cmpuint(alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 0, &out), ==, 1);
	g_assert_false(out.pcp_refill);
	for (int i = 2; i < B; i++)
		g_assert_cmpuint(alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 0, &out), ==, (ps_pfn_t)i);
	g_assert_cmpint(pcp->count, ==, 0);
	/* Second refill without frees in between: the batch doubles (alloc_factor 1 -> 2). */
	alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 0, &out);
	g_assert_true(out.pcp_refill);
	high = MIN(high + (B << 1), hmax);
	g_assert_cmpint(pcp->high, ==, high);
	g_assert_cmpuint(out.refill_pages, ==, (unsigned)MIN(B << 1, MAX(high - B, B)));
	g_assert_cmpint(pcp->alloc_factor, ==, 2);
	g_assert_cmpuint(m->vm_events[PS_PGALLOC_NORMAL], ==, (uint64_t)B + 1);
	g_assert_cmpuint(z->numa_stat[PS_NUMA_HIT], ==, (uint64_t)B + 1);
	fixture_check(m);
}

static void test_free_drains_tail(void)
{
	g_autoptr(PsMachine) m = normal_only(65536, 1);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsPcp *pcp = &z->pcp[0];
	int B = pcp->batch;
	g_autofree ps_pfn_t *pfns = g_new(ps_pfn_t, 3 * B);
	int64_t free_before;
	PsAllocOutcome out;

	for (int i = 0; i < 3 * B; i++)
		pfns[i] = alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 0, &out);
	ps_pcp_drain_all(m, NULL);
	g_assert_cmpint(pcp->count, ==, 0);
	/* Fixed high of two batches. */
	pcp->high_min = pcp->high_max = pcp->high = 2 * B;
	pcp->free_count = 0;
	free_before = z->vm_stat[PS_NR_FREE_PAGES];
	for (int i = 0; i < 2 * B - 1; i++)
		ps_free_pages(m, pfns[i], 0, 0);
	g_assert_cmpint(pcp->count, ==, 2 * B - 1);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, free_before);
	/* Reaching high frees clamp(free_count, batch, high - batch) = batch pages, from the
	 * tail: the pages freed first. */
	ps_free_pages(m, pfns[2 * B - 1], 0, 0);
	g_assert_cmpint(pcp->count, ==, B);
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, free_before + B);
	for (int i = 0; i < B; i++)
		g_assert_cmpint(ps_page_state(m, pfns[i]), !=, PS_PAGE_PCP);
	for (int i = B; i < 2 * B; i++)
		g_assert_cmpint(ps_page_state(m, pfns[i]), ==, PS_PAGE_PCP);
	g_assert_cmpuint(m->vm_events[PS_PGFREE], ==, (uint64_t)(2 * B));
	fixture_check(m);
}

/* The pfns on list l, head first, in pfns[] (room for max); how many. */
static int list_pfns(const PsMachine *m, const PsList *l, ps_pfn_t *pfns, int max)
{
	int n = 0;

	for (ps_pfn_t p = l->head; p != PS_PFN_NONE && n < max; p = ps_list_next(m, l, p))
		pfns[n++] = p;
	return n;
}

/*
 * alloc_pages_bulk's untraced take (ps_pcp_take_untraced): a block on any cpu's pcp list of its
 * order, at the head, the tail or inside, is taken off that list and no other (the others'
 * order kept); a block not on a pcp list, or asked at another order, is not taken.
 */
static void test_take_untraced(void)
{
	g_autoptr(PsMachine) m = normal_only(65536, 3);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	int mov = ps_pcp_list_index(m, 0, PS_MT_MOVABLE);
	int unm = ps_pcp_list_index(m, 0, PS_MT_UNMOVABLE);
	ps_pfn_t before[256], after[256], taken, held;
	PsAllocOutcome out;
	int n, n2, count;

	/* each refill leaves batch - 1 pages on the list: cpu 1 movable, cpu 2 unmovable */
	held = alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 1, &out);
	alloc0(m, PS_GFP_KERNEL, 2, &out);
	n = list_pfns(m, &z->pcp[1].lists[mov], before, 256);
	g_assert_cmpint(n, >=, 5);
	g_assert_cmpint(list_pfns(m, &z->pcp[2].lists[unm], after, 256), >=, 5);
	/* not on a list (allocated), or of another order: left alone */
	g_assert_cmpint(ps_pcp_take_untraced(m, z, held, 0), ==, -1);
	g_assert_cmpint(ps_pcp_take_untraced(m, z, before[2], 1), ==, -1);
	g_assert_cmpint(z->pcp[1].count, ==, n);
	/* inside, at the tail and at the head of cpu 1's list */
	for (int k = 0; k < 3; k++) {
		int at = k == 0 ? n / 2 : k == 1 ? n - 1 : 0;

		n = list_pfns(m, &z->pcp[1].lists[mov], before, 256);
		count = z->pcp[1].count;
		taken = before[at];
		g_assert_cmpint(ps_pcp_take_untraced(m, z, taken, 0), ==, 1);
		g_assert_cmpint(z->pcp[1].count, ==, count - 1);
		g_assert_cmpint(ps_page_state(m, taken), ==, PS_PAGE_ALLOCATED);
		n2 = list_pfns(m, &z->pcp[1].lists[mov], after, 256);
		g_assert_cmpint(n2, ==, n - 1);
		for (int i = 0, j = 0; i < n; i++)
			if (i != at)
				g_assert_cmpuint(after[j++], ==, before[i]);
		ps_free_pages(m, taken, 0, 1); /* back on cpu 1's list, at its head */
	}
	/* another cpu's list of another migratetype, a block inside it */
	n = list_pfns(m, &z->pcp[2].lists[unm], before, 256);
	g_assert_cmpint(ps_pcp_take_untraced(m, z, before[1], 0), ==, 2);
	g_assert_cmpint(list_pfns(m, &z->pcp[2].lists[unm], after, 256), ==, n - 1);
	g_assert_cmpuint(after[0], ==, before[0]);
	g_assert_cmpuint(after[1], ==, before[2]);
	ps_free_pages(m, before[1], 0, 2);
	fixture_check(m);
}

static void test_free_high(void)
{
	g_autoptr(PsMachine) m = normal_only(65536, 1);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsPcp *pcp = &z->pcp[0];
	int B = pcp->batch;
	PsAllocOutcome a, b;
	int high;

	ps_alloc_pages(m, PS_GFP_KERNEL, 1, 0, NULL, &a);
	ps_alloc_pages(m, PS_GFP_KERNEL, 1, 0, NULL, &b);
	g_assert_cmpint(a.result, ==, PS_ALLOC_OK);
	g_assert_cmpint(b.result, ==, PS_ALLOC_OK);
	ps_pcp_drain_all(m, NULL);
	/* A CPU with a small cache slice (no PCPF_FREE_HIGH_BATCH): a second high-order free in a
	 * row with free_count >= batch + high_min / 2 drains everything; one page less does not. */
	pcp->flags &= (uint8_t)~PS_PCPF_FREE_HIGH_BATCH;
	ps_free_pages(m, a.pfn, 1, 0);
	g_assert_cmpint(pcp->count, ==, 2);
	g_assert_true(pcp->flags & PS_PCPF_PREV_FREE_HIGH_ORDER);
	pcp->free_count = B + pcp->high_min / 2 - 1;
	high = pcp->high = pcp->high_max;
	ps_free_pages(m, b.pfn, 1, 0);
	g_assert_cmpint(pcp->count, ==, 4);
	ps_alloc_pages(m, PS_GFP_KERNEL, 1, 0, NULL, &b);
	g_assert_cmpint(pcp->count, ==, 2);
	pcp->free_count = B + pcp->high_min / 2;
	pcp->flags |= PS_PCPF_PREV_FREE_HIGH_ORDER;
	high = pcp->high = pcp->high_max;
	ps_free_pages(m, b.pfn, 1, 0);
	g_assert_cmpint(pcp->count, ==, 0);
	g_assert_cmpint(pcp->high, ==, MAX(high - (B << 5), pcp->high_min));
	/* An order-0 free clears the "previous free was high order" flag. */
	ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &a);
	ps_free_pages(m, a.pfn, 0, 0);
	g_assert_false(pcp->flags & PS_PCPF_PREV_FREE_HIGH_ORDER);
	fixture_check(m);
}

/*
 * With PCPF_FREE_HIGH_BATCH (the default: the cache slice holds 3 * batch pages) free_high also
 * needs a batch of pages on the pcp, so high-order frees onto a near-empty pcp stay there: the
 * kernel's behaviour on the recorded machine (ftrace-build-6.18 drains 4 times, not 118).
 */
static void test_free_high_batch(void)
{
	g_autoptr(PsMachine) m = normal_only(65536, 1);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsPcp *pcp = &z->pcp[0];
	int B = pcp->batch;
	PsAllocOutcome a, b;

	g_assert_true(pcp->flags & PS_PCPF_FREE_HIGH_BATCH);
	ps_alloc_pages(m, PS_GFP_KERNEL, 1, 0, NULL, &a);
	ps_alloc_pages(m, PS_GFP_KERNEL, 1, 0, NULL, &b);
	ps_pcp_drain_all(m, NULL);
	ps_free_pages(m, a.pfn, 1, 0);
	pcp->free_count = B + pcp->high_min / 2;
	pcp->high = pcp->high_max;
	ps_free_pages(m, b.pfn, 1, 0);
	g_assert_cmpint(pcp->count, ==, 4);
	g_assert_cmpint(pcp->high, ==, pcp->high_max);
	fixture_check(m);
}

static void test_decay(void)
{
	g_autoptr(PsMachine) m = normal_only(65536, 1);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsPcp *pcp = &z->pcp[0];
	PsAllocOutcome out;
	int high, expect;

	alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 0, &out);
	pcp->high = pcp->high_max;
	high = pcp->high;
	expect = MAX(MAX(pcp->count - (pcp->batch << 5), high - high / 8), pcp->high_min);
	ps_pcp_decay(m);
	g_assert_cmpint(pcp->high, ==, expect);
	for (int i = 0; i < 200; i++)
		ps_pcp_decay(m);
	g_assert_cmpint(pcp->high, ==, pcp->high_min);
	g_assert_cmpint(pcp->count, <=, pcp->high);
	fixture_check(m);
}

static void test_below_high(void)
{
	g_autoptr(PsMachine) m = normal_only(8192, 1);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	g_autoptr(GArray) live = g_array_new(FALSE, FALSE, sizeof(ps_pfn_t));
	PsAllocOutcome out;

	/* Allocate until the zone drops below its high watermark: the flag is set. */
	while (!(z->flags & PS_ZONE_BELOW_HIGH)) {
		ps_alloc_pages(m, PS_GFP_HIGHUSER_MOVABLE, 0, 0, NULL, &out);
		g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
		g_array_append_val(live, out.pfn);
	}
	g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], <=, (int64_t)z->wmark[PS_WMARK_HIGH] + 1);
	/* Freeing it all back clears the flag at the first drain above high. */
	for (guint i = 0; i < live->len; i++)
		ps_free_pages(m, g_array_index(live, ps_pfn_t, i), 0, 0);
	g_assert_false(z->flags & PS_ZONE_BELOW_HIGH);
	fixture_check(m);
}

/*
 * ZONE_RECLAIM_ACTIVE (nr_pcp_high while kswapd reclaims the zone): the list may hold only
 * min(batch << 2, pcp->high), each free cuts pcp->high by max(free_count, batch) down to
 * high_min, and a free at or over that drains clamp(free_count, batch, high - batch), the
 * freeing list first. So frees with no allocation between (kswapd's, on a cpu it has to itself)
 * drain a batch each from a full list and then more as free_count grows; an allocation between
 * halves free_count (rmqueue_pcplist). The lab's 4k-numa kernel shows the run: in
 * tests/data/lab-numa-policies/nr2 kswapd0's order-0 frees at 60.9449-60.9452 s each drain 15
 * pages from cpu 0's full list, then 16 and 17 (free_count past the batch of 15).
 */
static void test_reclaim_active(void)
{
	g_autoptr(PsMachine) m = normal_only(65536, 1);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsPcp *pcp = &z->pcp[0];
	int B = pcp->batch, n = 20 * B, count, high, fc = 0;
	g_autofree ps_pfn_t *pfns = g_new(ps_pfn_t, n + 32);
	PsAllocOutcome out;
	int64_t nr_free;
	int k;

	for (int i = 0; i < n + 32; i++)
		pfns[i] = alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 0, &out);
	ps_pcp_drain_all(m, NULL);
	/* a full list while no reclaim runs: n pages under a high of high_max, nothing drained */
	pcp->high = pcp->high_max;
	g_assert_cmpint(n, <, pcp->high_max);
	for (k = 0; k < n; k++)
		ps_free_pages(m, pfns[k], 0, 0);
	g_assert_cmpint(pcp->count, ==, n);
	g_assert_false(z->flags & (PS_ZONE_RECLAIM_ACTIVE | PS_ZONE_BELOW_HIGH));
	/* allocations since (each halves free_count) ended the run; kswapd starts on the zone */
	pcp->free_count = 0;
	nr_free = z->vm_stat[PS_NR_FREE_PAGES];
	z->flags |= PS_ZONE_RECLAIM_ACTIVE;
	count = n;
	high = pcp->high;
	for (;;) {
		int f = fc + 1, h = MAX(high - MAX(f, B), pcp->high_min), limit = MIN(B << 2, h);
		int nr = CLAMP(f, B, limit - B);

		if (count + 1 < limit)
			break; /* this free stays on the list */
		ps_free_pages(m, pfns[k++], 0, 0);
		fc = f;
		high = h;
		count += 1 - nr;
		g_assert_cmpint(pcp->free_count, ==, fc);
		g_assert_cmpint(pcp->high, ==, high);
		g_assert_cmpint(pcp->count, ==, count);
		nr_free += nr;
		g_assert_cmpint(z->vm_stat[PS_NR_FREE_PAGES], ==, nr_free);
		/* the drains run B, B, ..., then B + 1, B + 2 ... as in the recording */
		g_assert_cmpint(nr, ==, fc <= B ? B : fc);
	}
	g_assert_cmpint(fc, >, B); /* the run went past a batch */
	g_assert_cmpint(pcp->count, <, B << 2);
	/* an allocation between frees halves free_count: the next drain is a batch again */
	alloc0(m, PS_GFP_HIGHUSER_MOVABLE, 0, &out);
	g_assert_cmpint(pcp->free_count, ==, fc >> 1);
	/* without ZONE_RECLAIM_ACTIVE the same list keeps a free (count under pcp->high) */
	z->flags &= ~PS_ZONE_RECLAIM_ACTIVE;
	count = pcp->count;
	ps_free_pages(m, pfns[k++], 0, 0);
	g_assert_cmpint(pcp->count, ==, count + 1);
	fixture_check(m);
	while (k < n + 32)
		ps_free_pages(m, pfns[k++], 0, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mm/pcp/list-index", test_list_index);
	g_test_add_func("/mm/pcp/refill-scaling", test_refill_scaling);
	g_test_add_func("/mm/pcp/free-drains-tail", test_free_drains_tail);
	g_test_add_func("/mm/pcp/take-untraced", test_take_untraced);
	g_test_add_func("/mm/pcp/free-high", test_free_high);
	g_test_add_func("/mm/pcp/free-high-batch", test_free_high_batch);
	g_test_add_func("/mm/pcp/decay", test_decay);
	g_test_add_func("/mm/pcp/below-high", test_below_high);
	g_test_add_func("/mm/pcp/reclaim-active", test_reclaim_active);
	return g_test_run();
}
