// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-frag.c - published anti-fragmentation effects (papers below) as directions that must
 * hold, on the small 4K test machines (bench/bench-frag prints the figures, on 4K and 64K):
 *   compaction turns most THP failures after the fragmenter into successes (Gorman 2010);
 *   watermark boosting cuts fragmenting fallbacks by at least 90 % (Gorman 2018), by the
 *   boosted reclaim and the kcompactd run after it;
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

static void test_boost(void)
{
	FragExp x = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(frag_exp_boost(&opts, &x, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(x.a.frag_fallbacks, >, 100);
	g_assert_cmpuint(x.b.frag_fallbacks * 10, <=, x.a.frag_fallbacks);
	/* ...because kswapd reclaimed the boosts and kcompactd ran after the boosted reclaim. */
	g_assert_cmpuint(x.b.pgsteal, >, x.a.pgsteal + x.a.pgsteal / 2);
	g_assert_cmpuint(x.b.daemon_scanned, >, 2 * x.a.daemon_scanned);
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
