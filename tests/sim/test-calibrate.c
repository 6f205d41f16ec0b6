// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-calibrate.c - the default costs reproduce the direction of every row of the measured
 * malloc benchmark, 4K against 64K pages on one arm64 machine (tests/common/calibrate.h: how the
 * simulated table is made; configs/README.md "costs": the measurements). A row's direction is
 * "4K slower", "equal within 10 %" or "64K slower"; and each row's magnitude is within 25 % of
 * the measured one at both page sizes.
 */
#include "calibrate.h"

static char *tmp_dir;

static void test_directions(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cal_run(g_getenv("PAGESIM_SRCDIR"), tmp_dir, &error));
	g_assert_no_error(error);
	for (size_t i = 0; i < G_N_ELEMENTS(cal_rows); i++) {
		const CalRow *r = &cal_rows[i];
		int want = cal_direction(r->measured_4k, r->measured_64k);
		int got = cal_direction(r->sim_4k, r->sim_64k);

		g_test_message("%s: measured %.3f vs %.3f (%s), simulated %.3f vs %.3f (%s)",
			       r->label, r->measured_4k, r->measured_64k, cal_direction_name(want),
			       r->sim_4k, r->sim_64k, cal_direction_name(got));
		g_assert_cmpint(got, ==, want);
		g_assert_true(cal_in_band(r->measured_4k, r->sim_4k));
		g_assert_true(cal_in_band(r->measured_64k, r->sim_64k));
	}
}

/* The band itself: what the directions mean. */
static void test_direction_rule(void)
{
	g_assert_cmpint(cal_direction(1.0, 1.09), ==, 0);
	g_assert_cmpint(cal_direction(1.0, 0.91), ==, 0);
	g_assert_cmpint(cal_direction(1.0, 1.2), ==, 1);
	g_assert_cmpint(cal_direction(1.0, 0.5), ==, -1);
	/* The measured table's own directions. */
	g_assert_cmpint(cal_direction(0.023, 0.023), ==, 0);
	g_assert_cmpint(cal_direction(0.290, 0.092), ==, -1);
	g_assert_cmpint(cal_direction(3.75, 4.47), ==, 1);
	/* The magnitude band. */
	g_assert_true(cal_in_band(4.0, 3.0));
	g_assert_true(cal_in_band(4.0, 5.0));
	g_assert_false(cal_in_band(4.0, 2.9));
	g_assert_false(cal_in_band(4.0, 5.1));
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = g_dir_make_tmp("pagesim-test-calibrate-XXXXXX", NULL);
	g_assert_nonnull(tmp_dir);
	g_test_add_func("/sim/calibrate/direction-rule", test_direction_rule);
	g_test_add_func("/sim/calibrate/mallocbench-4k-vs-64k", test_directions);
	rc = g_test_run();
	cal_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
