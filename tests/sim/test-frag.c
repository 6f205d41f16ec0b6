// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-frag.c - published anti-fragmentation effects (papers below) as directions that must
 * hold, on the small 4K test machines (bench/bench-frag prints the figures, on 4K and 64K):
 *   compaction turns most THP failures after the fragmenter into successes (Gorman 2010);
 *   watermark boosting cuts fragmenting fallbacks (Gorman 2018), by the boosted reclaim and
 *   the kcompactd run after it (each link asserted; the outcome: at least half gone);
 *   proactive compaction keeps the success rate but moves THP faults off direct compaction
 *   (Gupta 2020);
 *   grouping by mobility gives at least 1.5x the huge pages at rest (Gorman 2005-2007);
 *   the Unmovable+Reclaimable pageblock share stays in single digits under sustained order-3
 *   unmovable allocations and page-cache churn on a 2-node machine (FB 2016).
 */
#include "frag-exp.h"

static const FragOpts opts = {.page_size = 4096, .seed = 1};

static void test_compaction(void)
{
	FragExp x = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(frag_exp_compaction(&opts, &x, &error));
	g_assert_no_error(error);
	/* Without compaction most faults fail; with it, most of those failures succeed. */
	g_assert_cmpuint(x.a.probe_fail, >, x.a.probe_ok);
	g_assert_cmpuint(x.b.probe_fail * 2, <, x.a.probe_fail);
	g_assert_cmpfloat(x.b.probe_success, >, 0.9);
	/* ...by migrating, not by reclaiming more. */
	g_assert_cmpuint(x.b.migrated, >, 0);
	g_assert_cmpuint(x.b.pgsteal, <=, x.a.pgsteal);
}

/*
 * Watermark boosting (Gorman 2018, "mm: reclaim small amounts of memory when an external
 * fragmentation event occurs"), checked link by link as 6.18 does it:
 *   try_to_claim_block: a fallback below pageblock order calls boost_watermark (the zone's
 *   watermark_boost grows by a pageblock, up to high * watermark_boost_factor / 10000) and sets
 *   ZONE_BOOSTED_WATERMARK; rmqueue then wakes kswapd (wakeup_kswapd even for a balanced node:
 *   pgdat_watermark_boosted);
 *   balance_pgdat: nr_boost_reclaim = the boosts; boosted reclaim (no writeback, no swap, not
 *   below priority DEF_PRIORITY - 2) until that much is reclaimed; then the boosts are taken
 *   off and kcompactd is woken at pageblock_order;
 *   so the next fallbacks more often find a whole free pageblock to claim (not fragmenting).
 * The figure Gorman measured (-93 % and -98 % fragmenting fallbacks on his workloads) depends
 * on the workload and on how much the unboosted kernel's own kswapd and kcompactd already do;
 * on this small one it depends on model details the experiment is not about: 724 -> 66 (-91 %)
 * as the model stands, but its unboosted arm's one kcompactd run stops contended after 3,226
 * pfns (a large folio with no target ends the run); with migrate_pages_batch's split of such a
 * folio the unboosted kcompactd packs the zone and it is 165 -> 59 (-64 %), with the kernel's
 * kswapd_failures rules (kswapd.c) 248 -> 82 (-67 %). So each link is asserted, and the outcome
 * as a direction: at least half the fragmenting fallbacks gone, and a larger share of the
 * fallbacks claiming whole pageblocks.
 */
static void test_boost(void)
{
	FragExp x = {0};
	g_autoptr(GError) error = NULL;
	double share_a, share_b;

	g_assert_true(frag_exp_boost(&opts, &x, &error));
	g_assert_no_error(error);
	for (int i = 0; i < 2; i++) {
		const FragRun *r = i ? &x.b : &x.a;

		g_test_message("%s: fragmenting %" G_GUINT64_FORMAT " claims %" G_GUINT64_FORMAT
			       " kswapd runs %" G_GUINT64_FORMAT " pgsteal %" G_GUINT64_FORMAT
			       " (kswapd %" G_GUINT64_FORMAT ")"
			       " kcompactd wakes %" G_GUINT64_FORMAT " scanned %" G_GUINT64_FORMAT
			       " migrated %" G_GUINT64_FORMAT,
			       i ? x.label_b : x.label_a, r->frag_fallbacks, r->claims,
			       r->kswapd_runs, r->pgsteal, r->pgsteal_kswapd, r->kcompactd_wakes,
			       r->daemon_scanned, r->migrated);
	}
	/* The workload fragments: unmovable requests steal from movable blocks. */
	g_assert_cmpuint(x.a.frag_fallbacks, >, 100);
	/* Boosted fallbacks wake kswapd on a node that is otherwise balanced... */
	g_assert_cmpuint(x.b.kswapd_runs, >=, 2 * x.a.kswapd_runs);
	/*
	 * ...whose boosted reclaim frees memory the unboosted kswapd leaves alone. kswapd's own
	 * reclaim: the unboosted arm's is nearly all direct, its order-4 Movable requests' async
	 * compaction failing (skip_on_failure gives up each chunk with a page it cannot isolate:
	 * 26,691 async runs and 537,072 pages reclaimed directly, 1,824 and 106,112 when the
	 * scanner went on isolating in chunks that could not become free).
	 */
	g_assert_cmpuint(x.b.pgsteal_kswapd, >, x.a.pgsteal_kswapd + x.a.pgsteal_kswapd / 2);
	/* ...and wakes kcompactd after each boosted run (boost 0: only kswapd's sleeps do). */
	g_assert_cmpuint(x.b.kcompactd_wakes, >, 4 * x.a.kcompactd_wakes);
	/* The outcome: fewer fragmenting fallbacks, more of the rest claim whole blocks. */
	g_assert_cmpuint(x.b.frag_fallbacks * 2, <, x.a.frag_fallbacks);
	share_a = (double)x.a.claims / (double)(x.a.claims + x.a.frag_fallbacks);
	share_b = (double)x.b.claims / (double)(x.b.claims + x.b.frag_fallbacks);
	g_assert_cmpfloat(share_b, >, share_a);
}

static void test_proactive(void)
{
	FragExp x = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(frag_exp_proactive(&opts, &x, &error));
	g_assert_no_error(error);
	/* Success about the same, and high. */
	g_assert_cmpfloat(x.a.probe_success, >, 0.9);
	g_assert_cmpfloat(x.b.probe_success, >=, x.a.probe_success - 0.05);
	/* Without proactive compaction most faults stall in direct compaction... */
	g_assert_cmpuint(x.a.slow_count * 2, >, x.a.probe_ok);
	g_assert_cmpuint(x.a.compaction_p50_ns, >, 100000);
	/* ...with it, few do: kcompactd did the work in the background. */
	g_assert_cmpuint(x.b.slow_count * 5, <, x.a.slow_count);
	g_assert_cmpuint(x.b.daemon_scanned, >, 0);
}

static void test_grouping(void)
{
	FragExp x = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(frag_exp_grouping(&opts, &x, &error));
	g_assert_no_error(error);
	g_assert_cmpfloat(x.b.probe_success, >=, 1.5 * x.a.probe_success);
	g_assert_cmpuint(x.b.probe_ok, >, 0);
}

static void test_stealing(void)
{
	FragExp x = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(frag_exp_stealing(&opts, &x, &error));
	g_assert_no_error(error);
	g_assert_cmpfloat(x.a.unmovable_block_share, <, 0.10);
	/* The page cache really churned: reclaim ran. */
	g_assert_cmpuint(x.a.pgsteal, >, 100000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/frag/compaction-vs-none", test_compaction);
	g_test_add_func("/sim/frag/watermark-boost", test_boost);
	g_test_add_func("/sim/frag/proactive", test_proactive);
	g_test_add_func("/sim/frag/grouping-by-mobility", test_grouping);
	g_test_add_func("/sim/frag/unmovable-share", test_stealing);
	return g_test_run();
}
