// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-memcg.c - per-memcg lruvecs (policy/reclaim.c): shrink_node_memcgs' walk in
 * mem_cgroup_iter's order (css_next_descendant_pre: a memcg, then its children's subtrees by
 * creation order), each lruvec scanned by its own size >> priority (get_scan_count), the shared
 * per-node iterator of partial walks (a direct reclaimer stops at the memcg that reached
 * nr_to_reclaim; the next one starts after it, and at the root after the tree's end), kswapd's
 * full walk, and ps_lru_set_memcg. Expected values follow mm/vmscan.c and mm/memcontrol.c of
 * 6.18 (shrink_node_memcgs, shrink_lruvec, get_scan_count, mem_cgroup_iter). One 256 MiB Normal
 * zone, clean unreferenced order-0 file folios, no swap.
 */
#include "fixture-reclaim.h"

static FixtureHost *host_new(void)
{
	PsReclaimConfig rc;

	ps_reclaim_config_default(&rc);
	rc.swap_pages = 0;
	return fixture_host_new(fixture_normal_only(0, 65536), &rc);
}

/* `pages` clean inactive file folios charged to memcg. */
static void add_file(FixtureHost *h, uint64_t pages, uint16_t memcg)
{
	uint32_t first = h->blocks->len;

	fixture_host_add_lru(h, fixture_host_normal(h), pages, PS_FOLIO_FILE, false);
	for (uint32_t i = first; i < h->blocks->len; i++)
		ps_lru_set_memcg(h->p, i, memcg);
}

static uint64_t file_pages(FixtureHost *h, uint16_t memcg)
{
	return ps_memcg_lru_pages(h->p, memcg, 0, PS_LRU_INACTIVE_FILE);
}

static uint64_t shrink(FixtureHost *h, int priority, uint64_t nr_to_reclaim, bool kswapd)
{
	return fixture_shrink_node(h, priority, nr_to_reclaim, true, kswapd);
}

/*
 * ps_lru_set_memcg moves a folio between lruvecs: the node's and zone's counts stay, the lruvecs'
 * move; the root memcg alone is where everything starts.
 */
static void test_set_memcg_moves(void)
{
	g_autoptr(FixtureHost) h = host_new();
	uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 100);

	g_assert_cmpuint(ps_memcg_count(h->p), ==, 2);
	fixture_host_add_lru(h, fixture_host_normal(h), 100, PS_FOLIO_FILE, false);
	g_assert_cmpuint(file_pages(h, PS_MEMCG_ROOT), ==, 100);
	for (uint32_t i = 0; i < 40; i++)
		ps_lru_set_memcg(h->p, i, a);
	g_assert_cmpuint(file_pages(h, PS_MEMCG_ROOT), ==, 60);
	g_assert_cmpuint(file_pages(h, a), ==, 40);
	g_assert_cmpint(fixture_host_normal(h)->vm_stat[PS_NR_ZONE_INACTIVE_FILE], ==, 100);
	ps_lru_del(h->p, 0);
	g_assert_cmpuint(file_pages(h, a), ==, 39);
	fixture_check(h->m);
}

/*
 * get_scan_count per lruvec: kswapd at priority 12 over root 40960 and A 8192 pages scans
 * 40960 >> 12 = 10 and 8192 >> 12 = 2; two memcgs of 3000 pages each scan nothing at priority 12
 * (3000 >> 12 = 0), where one list of their 6000 pages would have given 1.
 */
static void test_scan_per_lruvec(void)
{
	g_autoptr(FixtureHost) h = host_new();
	g_autoptr(FixtureHost) h2 = host_new();
	uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 100), b;

	add_file(h, 40960, PS_MEMCG_ROOT);
	add_file(h, 8192, a);
	g_assert_cmpuint(shrink(h, 12, UINT64_MAX, true), ==, 12);
	g_assert_cmpuint(file_pages(h, PS_MEMCG_ROOT), ==, 40950);
	g_assert_cmpuint(file_pages(h, a), ==, 8190);
	g_assert_cmpuint(fixture_host_vm(h, PS_PGSCAN_KSWAPD), ==, 12);
	g_assert_cmpuint(ps_memcg_pgsteal(h->p, PS_MEMCG_ROOT), ==, 10);
	g_assert_cmpuint(ps_memcg_pgsteal(h->p, a), ==, 2);

	b = ps_memcg_new(h2->p, PS_MEMCG_ROOT, 100);
	add_file(h2, 3000, PS_MEMCG_ROOT);
	add_file(h2, 3000, b);
	g_assert_cmpuint(shrink(h2, 12, UINT64_MAX, true), ==, 0);
	g_assert_cmpuint(shrink(h2, 11, UINT64_MAX, true), ==, 2);
}

/*
 * The walk's order and the shared iterator. Memcgs made as root -> A (key 30), root -> B (key
 * 10), B -> C (key 50): css_next_descendant_pre visits root, B, C, A. Each of B, C, A holds 64
 * pages, the root none. Direct reclaim (partial walks) at priority 0 with nr_to_reclaim 32:
 * shrink_lruvec stops after one batch of 32 (not proportional below DEF_PRIORITY), the walk
 * breaks there (mem_cgroup_iter_break), and the next shrink_node starts after it: B, C, A, then
 * the root (nothing) and B again in one walk. kswapd walks everything every time.
 */
static void test_walk_order_and_partial(void)
{
	g_autoptr(FixtureHost) h = host_new();
	uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 30);
	uint16_t b = ps_memcg_new(h->p, PS_MEMCG_ROOT, 10);
	uint16_t c = ps_memcg_new(h->p, b, 50);

	add_file(h, 64, a);
	add_file(h, 64, b);
	add_file(h, 64, c);
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 32);
	g_assert_cmpuint(file_pages(h, b), ==, 32);
	g_assert_cmpuint(file_pages(h, c), ==, 64);
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 32);
	g_assert_cmpuint(file_pages(h, c), ==, 32);
	g_assert_cmpuint(file_pages(h, a), ==, 64);
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 32);
	g_assert_cmpuint(file_pages(h, a), ==, 32);
	/* the tree's end: the next walk starts at the root (empty), then B */
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 32);
	g_assert_cmpuint(file_pages(h, b), ==, 0);
	g_assert_cmpuint(file_pages(h, c), ==, 32);
	/* kswapd: the whole tree, each lruvec to its own nr_to_reclaim */
	g_assert_cmpuint(shrink(h, 0, 32, true), ==, 64);
	g_assert_cmpuint(file_pages(h, c), ==, 0);
	g_assert_cmpuint(file_pages(h, a), ==, 0);
	fixture_check(h->m);
}

/*
 * A partial walk that reaches the tree's end without meeting nr_to_reclaim clears the iterator:
 * with 8 pages in C only, each walk visits root, B, C, A and the next starts at the root again.
 */
static void test_partial_walk_end(void)
{
	g_autoptr(FixtureHost) h = host_new();
	uint16_t b = ps_memcg_new(h->p, PS_MEMCG_ROOT, 10);
	uint16_t c = ps_memcg_new(h->p, b, 50);

	ps_memcg_new(h->p, PS_MEMCG_ROOT, 30);
	add_file(h, 8, c);
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 8);
	g_assert_cmpint(h->p->memcg_iter[0], ==, -1);
	add_file(h, 40, b);
	add_file(h, 40, c);
	/* from the root: B gives 32 and the walk stops there */
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 32);
	g_assert_cmpuint(file_pages(h, b), ==, 8);
	g_assert_cmpuint(file_pages(h, c), ==, 40);
}

/*
 * A memcg created between two partial walks keeps the iterator on its memcg
 * (mem_cgroup_iter's iter->position is a css): with root, B(10), A(30), the first walk stops at
 * B; D(20), created then, sorts between B and A and is met next; E(5), before B in the walk,
 * moves nothing the iterator has left to visit. Resetting the iterator to the root would take the
 * second 32 pages from B again.
 */
static void test_new_memcg_keeps_iterator(void)
{
	g_autoptr(FixtureHost) h = host_new();
	uint16_t b = ps_memcg_new(h->p, PS_MEMCG_ROOT, 10);
	uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 30);
	uint16_t d, e;

	add_file(h, 64, b);
	add_file(h, 64, a);
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 32);
	g_assert_cmpuint(file_pages(h, b), ==, 32);
	e = ps_memcg_new(h->p, PS_MEMCG_ROOT, 5);
	d = ps_memcg_new(h->p, PS_MEMCG_ROOT, 20);
	add_file(h, 64, d);
	add_file(h, 64, e);
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 32);
	g_assert_cmpuint(file_pages(h, d), ==, 32);
	g_assert_cmpuint(file_pages(h, b), ==, 32);
	g_assert_cmpuint(file_pages(h, e), ==, 64);
	g_assert_cmpuint(shrink(h, 0, 32, false), ==, 32);
	g_assert_cmpuint(file_pages(h, a), ==, 32);
	fixture_check(h->m);
}

/* Slab is the root's whatever memcg asks: the node's reclaimable slab list. */
static void test_slab_in_root(void)
{
	g_autoptr(FixtureHost) h = host_new();
	uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 30);
	ps_pfn_t pfn = PS_PFN_NONE;

	for (int mt = 0; mt < PS_MT_PCPTYPES && pfn == PS_PFN_NONE; mt++)
		pfn = ps_rmqueue_smallest(h->m, fixture_host_normal(h), 0, (enum ps_migratetype)mt);
	g_assert_cmpuint(pfn, !=, PS_PFN_NONE);
	ps_page_mark_allocated(h->m, fixture_host_normal(h), pfn, 0);
	ps_page_set_owner(h->m, pfn, 0);
	g_array_append_val(h->blocks, ((FixtureBlock){pfn, 0, true}));
	ps_lru_add(h->p, 0, pfn, 0, PS_FOLIO_SLAB, false, a);
	g_assert_cmpuint(ps_memcg_lru_pages(h->p, PS_MEMCG_ROOT, 0, PS_LRU_SLAB), ==, 1);
	g_assert_cmpuint(ps_memcg_lru_pages(h->p, a, 0, PS_LRU_SLAB), ==, 0);
}

/* The walk made from scratch: each memcg, then its children by (key, id), subtrees first. */
static uint32_t ref_walk(const PsPolicy *p, uint16_t m, uint16_t *walk, uint32_t at)
{
	GArray *kids = g_array_new(FALSE, FALSE, sizeof(uint16_t));

	walk[at++] = m;
	for (uint32_t c = 1; c < p->nr_memcgs; c++)
		if (p->memcgs[c].parent == m) {
			uint16_t id = (uint16_t)c;
			guint i = kids->len;

			/* insertion by key; ids come in ascending order, so ties stay by id */
			while (i > 0 && p->memcgs[g_array_index(kids, uint16_t, i - 1)].key >
					    p->memcgs[id].key)
				i--;
			g_array_insert_val(kids, i, id);
		}
	for (guint i = 0; i < kids->len; i++)
		at = ref_walk(p, g_array_index(kids, uint16_t, i), walk, at);
	g_array_free(kids, TRUE);
	return at;
}

/*
 * ps_memcg_new keeps the walk in order as memcgs come, without rebuilding it: 3,000 memcgs under
 * parents picked across the tree so far (deep chains and wide fans), with keys that repeat,
 * come out of order (snapshot inode numbers) or grow past every earlier one (trace-born), give
 * the order a full rebuild gives.
 */
static void test_walk_incremental(void)
{
	g_autoptr(FixtureHost) h = host_new();
	const uint32_t n = 3000;
	g_autofree uint16_t *want = g_new(uint16_t, n + 1);
	uint64_t x = 12345;

	for (uint32_t i = 1; i <= n; i++) {
		uint16_t parent, id;
		uint64_t key;

		x = x * 6364136223846793005ull + 1442695040888963407ull; /* an LCG: fixed tree */
		/* half under one of the last few (chains), half anywhere (fans) */
		parent =
		    (uint16_t)((x >> 33) % 2 ? (i - 1) - (x >> 40) % MIN(i, 4u) : (x >> 40) % i);
		switch ((x >> 20) % 3) {
		case 0:
			key = (x >> 50) % 16; /* repeats */
			break;
		case 1:
			key = x >> 24; /* any order */
			break;
		default:
			key = (1ull << 63) + i; /* after all the others */
			break;
		}
		id = ps_memcg_new(h->p, parent, key);
		g_assert_cmpuint(id, ==, i);
		/* the rebuild scans every memcg for each one: after each of the first 300, then
		 * every 97th and the last */
		if (i > 300 && i % 97 && i != n)
			continue;
		g_assert_cmpuint(ref_walk(h->p, PS_MEMCG_ROOT, want, 0), ==, i + 1);
		g_assert_cmpmem(h->p->memcg_walk, (i + 1) * sizeof(uint16_t), want,
				(i + 1) * sizeof(uint16_t));
	}
}

/*
 * Offline memcgs rebuilt from a reclaim order (ps_memcg_split_offline) and get_scan_count's
 * "scrape out the remaining cache". A (key 35) holds handles 0-299 and has a child C (key 2972,
 * handles 300-309). The kernel's order: pass 1 frees A's 0-62 (63 pages: a 32-page share and
 * one of 31), root folio R (ends the share and stays the root's), then C's 300; pass 2 (C's 300
 * came later in the walk than A) frees A's 64-95 (the first share again), then C's 301. So two
 * offline children of A: the first gets 0-31 and 64-95 (64 pages), the second 32-62 (31 pages),
 * A keeps 63 and 96-299 (205). kswapd at priority 12: A's own 205 >> 12 = 0, each zombie's size
 * >> 12 = 0 but at least min(size, 32): 32 + 31; C 10 >> 12 = 0, the root's 1 >> 12 = 0.
 * Online, or not split, the same lists give nothing.
 */
static void test_split_offline(void)
{
	g_autoptr(FixtureHost) h = host_new();
	uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 35);
	uint16_t c = ps_memcg_new(h->p, a, 2972), parent = PS_MEMCG_NONE, z0, z1;
	uint32_t order[100], n = 0, r, not_made = 0;

	add_file(h, 300, a);
	add_file(h, 10, c);
	r = h->blocks->len;
	add_file(h, 1, PS_MEMCG_ROOT);
	for (uint32_t i = 0; i < 63; i++)
		order[n++] = i;
	order[n++] = r;
	order[n++] = 300;
	for (uint32_t i = 64; i < 96; i++)
		order[n++] = i;
	order[n++] = 301;
	/* nothing is scraped from online lists */
	g_assert_cmpuint(shrink(h, 12, UINT64_MAX, true), ==, 0);
	g_assert_cmpuint(ps_memcg_split_offline(h->p, order, n, &not_made), ==, 2);
	g_assert_cmpuint(not_made, ==, 0);
	z0 = (uint16_t)(ps_memcg_count(h->p) - 2);
	z1 = (uint16_t)(z0 + 1);
	g_assert_true(ps_memcg_offline(h->p, z0, &parent));
	g_assert_cmpuint(parent, ==, a);
	g_assert_true(ps_memcg_offline(h->p, z1, &parent));
	g_assert_false(ps_memcg_offline(h->p, a, &parent));
	g_assert_false(ps_memcg_offline(h->p, c, &parent));
	g_assert_cmpuint(file_pages(h, z0), ==, 64);
	g_assert_cmpuint(file_pages(h, z1), ==, 31);
	g_assert_cmpuint(file_pages(h, a), ==, 205);
	g_assert_cmpuint(file_pages(h, c), ==, 10);
	g_assert_cmpuint(file_pages(h, PS_MEMCG_ROOT), ==, 1);
	g_assert_cmpuint(shrink(h, 12, UINT64_MAX, true), ==, 63);
	g_assert_cmpuint(file_pages(h, z0), ==, 32);
	g_assert_cmpuint(file_pages(h, z1), ==, 0);
	g_assert_cmpuint(ps_memcg_pgsteal(h->p, z0), ==, 32);
	g_assert_cmpuint(shrink(h, 12, UINT64_MAX, true), ==, 32);
	g_assert_cmpuint(file_pages(h, z0), ==, 0);
	g_assert_cmpuint(file_pages(h, z1), ==, 0);
	fixture_check(h->m);
}

/*
 * kswapd's pass paused between steps while a memcg is made (a trace's proc record naming a new
 * one): its walk goes on from the css it is on (mem_cgroup_iter ->
 * css_next_descendant_pre), so a memcg made earlier in the walk is not visited and no lruvec is
 * scanned twice. Root children A (key 10) and B (key 20), 6,000 clean file pages each, priority
 * 6: each lruvec's targets are 6000 >> 6 = 93 pages, all reclaimed. The new memcg (key 5) goes in
 * before A; it is made once B's lruvec is open (mode 1) or just after A's lruvec ended and
 * before B's begins (mode 2). Either way A and B are reclaimed 93 each, as with no new memcg
 * (mode 0).
 */
static void test_new_memcg_mid_pass(void)
{
	for (int mode = 0; mode < 3; mode++) {
		g_autoptr(FixtureHost) h = host_new();
		uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 10);
		uint16_t b = ps_memcg_new(h->p, PS_MEMCG_ROOT, 20);
		PsKswapd *k = &h->p->kswapd[0];
		bool made = mode == 0;

		add_file(h, 6000, a);
		add_file(h, 6000, b);
		k->scan = (PsNodeScan){.sc = {.nr_to_reclaim = UINT64_MAX,
					      .priority = 6,
					      .highest_zoneidx = PS_ZONE_NORMAL,
					      .may_writepage = true,
					      .kswapd = true}};
		ps_shrink_node_begin(h->p, 0, &k->scan);
		k->in_pass = true;
		while (ps_shrink_node_step(h->p, 0, &k->scan)) {
			if (made || h->p->memcg_walk[k->scan.memcg_i] != b ||
			    k->scan.lruvec_open != (mode == 1))
				continue;
			g_assert_cmpuint(ps_memcg_new(h->p, PS_MEMCG_ROOT, 5), !=, PS_MEMCG_NONE);
			g_assert_cmpuint(h->p->memcg_walk[1], ==, ps_memcg_count(h->p) - 1);
			made = true;
		}
		k->in_pass = false;
		g_assert_true(made);
		g_assert_cmpuint(ps_memcg_pgsteal(h->p, a), ==, 6000 >> 6);
		g_assert_cmpuint(ps_memcg_pgsteal(h->p, b), ==, 6000 >> 6);
		fixture_check(h->m);
	}
}

/*
 * get_scan_count's SCAN_FRACT share of an offline memcg is rounded up (DIV64_U64_ROUND_UP: "Make
 * sure we don't miss the last page on the offlined memory cgroups because of a round-off error").
 * Swap on, swappiness 60, no reclaim cost yet (calculate_pressure_balance: ap = 60 * 1 / 1, fp =
 * 140 * 1 / 1, denominator 200); the node's 1 inactive file page >> 12 is 0, so no cache_trim_mode,
 * and free memory is far above the high marks (no file_is_tiny): SCAN_FRACT. Memcg Z holds 3
 * inactive anon pages and 1 inactive file page. kswapd at priority 12: online, 3 >> 12 = 1 >> 12
 * = 0 scans nothing; offline, scrape min(size, 32) = 3 and 1, then anon 3 * 60 / 200 = 0.9 and
 * file 1 * 140 / 200 = 0.7, which a floor makes 0 and the round-up 1 each.
 */
static void test_offline_fract_round_up(void)
{
	PsReclaimConfig rc;
	g_autoptr(FixtureHost) h = NULL;
	uint16_t z;
	uint32_t first;

	ps_reclaim_config_default(&rc);
	rc.swap_pages = 1024;
	h = fixture_host_new(fixture_normal_only(0, 65536), &rc);
	h->m->sysctl.swappiness = 60;
	z = ps_memcg_new(h->p, PS_MEMCG_ROOT, 10);
	first = h->blocks->len;
	fixture_host_add_lru(h, fixture_host_normal(h), 3, PS_FOLIO_ANON, false);
	for (uint32_t i = first; i < h->blocks->len; i++)
		ps_lru_set_memcg(h->p, i, z);
	add_file(h, 1, z);
	g_assert_cmpuint(ps_memcg_lru_pages(h->p, z, 0, PS_LRU_INACTIVE_ANON), ==, 3);
	fixture_shrink_node(h, 12, UINT64_MAX, true, true);
	g_assert_cmpuint(h->m->vm_events[PS_PGSCAN_ANON], ==, 0);
	g_assert_cmpuint(h->m->vm_events[PS_PGSCAN_FILE], ==, 0);
	h->p->memcgs[z].offline = true;
	fixture_shrink_node(h, 12, UINT64_MAX, true, true);
	g_assert_cmpuint(h->m->vm_events[PS_PGSCAN_ANON], ==, 1);
	g_assert_cmpuint(h->m->vm_events[PS_PGSCAN_FILE], ==, 1);
	fixture_check(h->m);
}

/*
 * ps_memcg_split_offline with two passes and no later-memcg free between them: A (key 35, no
 * later memcg with pages) frees 0-39 (shares of 32 and 8), then root folio R (the next pass's
 * walk starts at the root), then 40-71. R starts a new pass: 40-71 are the first share again, so
 * two zombies, 0-31 and 40-71 (64 pages) and 32-39 (8); R stays the root's. Joined to the share,
 * R would have made 32-39, R, 40-62 one share and 63-71 a third zombie. With no root folio
 * between them the two passes read as one (the limit the comment states): three zombies.
 */
static void test_split_offline_root_pass(void)
{
	for (int with_root = 1; with_root >= 0; with_root--) {
		g_autoptr(FixtureHost) h = host_new();
		uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 35), z0;
		uint32_t order[80], n = 0, r, not_made = 0;

		ps_memcg_new(h->p, a, 2972); /* an online child: A has children */
		add_file(h, 100, a);
		r = h->blocks->len;
		add_file(h, 1, PS_MEMCG_ROOT);
		for (uint32_t i = 0; i < 40; i++)
			order[n++] = i;
		if (with_root)
			order[n++] = r;
		for (uint32_t i = 40; i < 72; i++)
			order[n++] = i;
		g_assert_cmpuint(ps_memcg_split_offline(h->p, order, n, &not_made), ==,
				 with_root ? 2 : 3);
		g_assert_cmpuint(not_made, ==, 0);
		z0 = (uint16_t)(ps_memcg_count(h->p) - (with_root ? 2 : 3));
		if (with_root) {
			g_assert_cmpuint(file_pages(h, z0), ==, 64);
			g_assert_cmpuint(file_pages(h, z0 + 1), ==, 8);
			g_assert_cmpuint(file_pages(h, PS_MEMCG_ROOT), ==, 1);
		} else {
			g_assert_cmpuint(file_pages(h, z0), ==, 32);
			g_assert_cmpuint(file_pages(h, z0 + 1), ==, 32);
			g_assert_cmpuint(file_pages(h, z0 + 2), ==, 8);
		}
		g_assert_cmpuint(file_pages(h, a), ==, 28);
		fixture_check(h->m);
	}
}

/*
 * ps_memcg_split_offline with the memcg table one short of PS_MEMCG_MAX: A (key 35, an online
 * child) frees 0-95 in one pass, three 32-page shares; the first gets the last free slot, the
 * other two are not made and counted (review-model s15 item 7), and their 64 pages stay A's.
 */
static void test_split_offline_full(void)
{
	g_autoptr(FixtureHost) h = host_new();
	uint16_t a = ps_memcg_new(h->p, PS_MEMCG_ROOT, 35), z0, parent = PS_MEMCG_NONE;
	uint32_t order[96], not_made = 0;

	ps_memcg_new(h->p, a, 2972);
	while (ps_memcg_count(h->p) < PS_MEMCG_MAX - 1)
		g_assert_cmpuint(ps_memcg_new(h->p, PS_MEMCG_ROOT, 1ull << 40), !=, PS_MEMCG_NONE);
	add_file(h, 100, a);
	for (uint32_t i = 0; i < 96; i++)
		order[i] = i;
	g_assert_cmpuint(ps_memcg_split_offline(h->p, order, 96, &not_made), ==, 1);
	g_assert_cmpuint(not_made, ==, 2);
	g_assert_cmpuint(ps_memcg_count(h->p), ==, PS_MEMCG_MAX);
	z0 = (uint16_t)(PS_MEMCG_MAX - 1);
	g_assert_true(ps_memcg_offline(h->p, z0, &parent));
	g_assert_cmpuint(parent, ==, a);
	g_assert_cmpuint(file_pages(h, z0), ==, 32);
	g_assert_cmpuint(file_pages(h, a), ==, 68);
	fixture_check(h->m);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/memcg/set-memcg-moves", test_set_memcg_moves);
	g_test_add_func("/policy/memcg/scan-per-lruvec", test_scan_per_lruvec);
	g_test_add_func("/policy/memcg/walk-order-and-partial", test_walk_order_and_partial);
	g_test_add_func("/policy/memcg/partial-walk-end", test_partial_walk_end);
	g_test_add_func("/policy/memcg/new-memcg-keeps-iterator", test_new_memcg_keeps_iterator);
	g_test_add_func("/policy/memcg/slab-in-root", test_slab_in_root);
	g_test_add_func("/policy/memcg/walk-incremental", test_walk_incremental);
	g_test_add_func("/policy/memcg/split-offline", test_split_offline);
	g_test_add_func("/policy/memcg/split-offline-root-pass", test_split_offline_root_pass);
	g_test_add_func("/policy/memcg/split-offline-full", test_split_offline_full);
	g_test_add_func("/policy/memcg/new-memcg-mid-pass", test_new_memcg_mid_pass);
	g_test_add_func("/policy/memcg/offline-fract-round-up", test_offline_fract_round_up);
	return g_test_run();
}
