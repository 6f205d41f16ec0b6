// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-exit-run.c - sim_op_exit's runs of frees (process.c ExitRun, issue 16) against the same
 * frees one at a time. A run frees order-0 pages of one zone to the pcp with ps_free_pcp_run up
 * to the first free that drains it, takes them off the LRU with ps_lru_del_run and adds the
 * process's and the lists' counts once; PsRunOptions.exit_run_off makes no runs (every page
 * through free_rec, the code before runs). Each case replays one trace both ways on one machine
 * and requires every output file to be the same bytes (summary with the totals and allocator
 * time, per-process counts, the zones' samples, vmstat, buddyinfo and pcp lists). The cases reach
 * each place a run must end: the plain kbuild replay (thousands of pcp drains inside exits), a
 * small machine under pressure (reclaimed records among the live ones, exits whose
 * pages lie in two zones: a run that kept its first zone frees pages onto the wrong zone's pcp),
 * the same with THP and a 64 KiB mTHP size always (large folios between order-0 pages), the
 * same machine with swap (swapped-out records between live ones), and the portable recording on
 * its own machine. Not reached: ps_lru_del_run's fallback for a dirty, writeback or shmem folio
 * (it unlinks such a folio with ps_lru_del, as the per-page path does): no case frees one inside
 * an exit run, so that branch is checked by reading, not by this test (review s26 should 4).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../common/run-diff.h"

static char *tmp_dir;

/* PsTestRunSwitch of PsRunOptions.exit_run_off */
static void run_switch(PsRunOptions *o, bool off)
{
	o->exit_run_off = off;
}

static cJSON *same_both_ways(const PsConfig *cfg, const char *trace_name)
{
	return ps_test_same_both_ways(cfg, trace_name, tmp_dir, run_switch);
}

static void test_kbuild(void)
{
	g_autoptr(PsConfig) cfg = ps_test_config_edited("x86_64-4k-16g.json", NULL, NULL);
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	/* two million pages freed by exits, nearly all in runs */
	g_assert_cmpfloat(ps_test_total(sum, "pages_freed_exit"), >, 1e6);
	cJSON_Delete(sum);
}

/* 256 MiB: exits of processes whose pages were reclaimed, swapped or OOM-killed in part. */
static void test_pressure(void)
{
	g_autoptr(PsConfig) cfg = ps_test_config_edited("small-4k-256m.json", NULL, NULL);
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	g_assert_cmpfloat(ps_test_total(sum, "direct_reclaims"), >, 0);
	g_assert_cmpfloat(ps_test_total(sum, "pages_freed_exit"), >, 0);
	cJSON_Delete(sum);
}

/* The same with THP and the 64 KiB mTHP size always: large folios end runs. */
static void test_thp(void)
{
	g_autoptr(PsConfig) cfg =
	    ps_test_config_edited("small-4k-256m.json", "\"thp\": \"madvise\",",
				  "\"thp\": \"always\", \"hugepages\": {\"64kB\": \"always\"},");
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	g_assert_cmpfloat(ps_test_total(sum, "pages_freed_exit"), >, 0);
	cJSON_Delete(sum);
}

/*
 * The pressure machine with swap: swapped-out records (no run: swap slots given back) among the
 * live ones of an exit.
 */
static void test_swap(void)
{
	g_autoptr(PsConfig) cfg =
	    ps_test_config_edited("small-4k-256m.json", "\"seed\": 1",
				  "\"swap\": {\"size_bytes\": 268435456}, \"seed\": 1");
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	g_assert_cmpfloat(ps_test_total(sum, "swap_used_pages"), >, 0);
	cJSON_Delete(sum);
}

static void test_portable(void)
{
	g_autoptr(PsConfig) cfg = ps_test_config_edited("arm64-16k-16g.json", NULL, NULL);
	cJSON *sum = same_both_ways(cfg, "build-portable.jsonl.gz");

	g_assert_cmpfloat(ps_test_total(sum, "pages_freed_exit"), >, 0);
	cJSON_Delete(sum);
}

int main(int argc, char **argv)
{
	int rc;

	/*
	 * PAGESIM_EXIT_RUN=off would make both sides per-page (ps_sim_new ORs it with the option)
	 * and the comparison empty: cleared here, before any thread exists.
	 */
	g_unsetenv("PAGESIM_EXIT_RUN");
	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-exit-run-XXXXXX");
	g_test_add_func("/sim/exit-run/kbuild", test_kbuild);
	g_test_add_func("/sim/exit-run/pressure", test_pressure);
	g_test_add_func("/sim/exit-run/thp", test_thp);
	g_test_add_func("/sim/exit-run/swap", test_swap);
	g_test_add_func("/sim/exit-run/portable", test_portable);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
