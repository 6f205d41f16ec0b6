// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-vmstat.c - mm/vmstat.c: the unusable free space index (unusable_free_index), the
 * fragmentation index (__fragmentation_index) and extfrag_for_order, on the worked examples of
 * kernel-facts §13 items 9-11 and the edge cases of their integer arithmetic. How they are
 * printed is report's (tests/report/test-metrics.c).
 */
#include <glib.h>

#include "kf13-zones.h"
#include "mm/mm.h"

static void test_unusable_13_9(void)
{
	static const int want[11] = {0, 4, 11, 21, 37, 58, 85, 115, 172, 288, 416};

	for (unsigned o = 0; o < 11; o++) {
		g_assert_cmpint(ps_unusable_index(kf13_normal_counts, 11, o), ==, want[o]);
		/* An order-10 block exists, so no request would fail for lack of contiguity. */
		g_assert_cmpint(ps_fragmentation_index(kf13_normal_counts, 11, o), ==, -1000);
	}
}

static void test_extfrag_13_10(void)
{
	static const int unusable[11] = {0, 176, 352, 492, 633, 774, 887, 1000, 1000, 1000, 1000};

	/* 568 free pages: 1000 - (1000 + 568 * 1000 / 128) / 188 = 1000 - 5437 / 188 = 972 */
	g_assert_cmpint(ps_fragmentation_index(kf13_synthetic_counts, 11, 7), ==, 972);
	g_assert_cmpint(ps_fragmentation_index(kf13_synthetic_counts, 11, 8), ==, 983);
	g_assert_cmpint(ps_fragmentation_index(kf13_synthetic_counts, 11, 9), ==, 989);
	g_assert_cmpint(ps_fragmentation_index(kf13_synthetic_counts, 11, 10), ==, 992);
	for (unsigned o = 0; o <= 6; o++)
		g_assert_cmpint(ps_fragmentation_index(kf13_synthetic_counts, 11, o), ==, -1000);
	/* Nothing of order >= 7 is free: all free memory is unusable from there up. */
	for (unsigned o = 0; o < 11; o++)
		g_assert_cmpint(ps_unusable_index(kf13_synthetic_counts, 11, o), ==, unusable[o]);
}

static void test_extfrag_for_order_13_11(void)
{
	/* S9 = 83 + 2 * 189 = 461; (331695 - 461 * 512) * 100 / 331695 = 28 */
	g_assert_cmpint(ps_extfrag_for_order(kf13_normal_counts, 11, 9), ==, 28);
	g_assert_cmpint(ps_extfrag_for_order(kf13_dma_counts, 11, 9), ==, 6);
	g_assert_cmpint(ps_extfrag_for_order(kf13_dma32_counts, 11, 9), ==, 0);
}

static void test_edge_cases(void)
{
	static const uint64_t none[11] = {0};
	static const uint64_t one_page[11] = {1};

	/* No free memory: unusable 1000, fragmentation 0, extfrag 0. */
	g_assert_cmpint(ps_unusable_index(none, 11, 0), ==, 1000);
	g_assert_cmpint(ps_fragmentation_index(none, 11, 3), ==, 0);
	g_assert_cmpint(ps_extfrag_for_order(none, 11, 9), ==, 0);
	/* One order-0 block asked for at order 1: 1000 - (1000 + 1 * 1000 / 2) / 1 = -500. */
	g_assert_cmpint(ps_fragmentation_index(one_page, 11, 1), ==, -500);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mm/vmstat/unusable-13.9", test_unusable_13_9);
	g_test_add_func("/mm/vmstat/fragmentation-13.10", test_extfrag_13_10);
	g_test_add_func("/mm/vmstat/extfrag-for-order-13.11", test_extfrag_for_order_13_11);
	g_test_add_func("/mm/vmstat/edge-cases", test_edge_cases);
	return g_test_run();
}
