// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-touch-run.c - sim_op_touch's runs of pcp-served faults (process.c TouchRun, issue 16)
 * against the same faults one at a time. A run asks ps_alloc_pcp_hit's zone and watermark test
 * once (ps_alloc_pcp_hit_zone) and takes each page with ps_alloc_pcp_hit_take, and adds its
 * latency samples as runs of one value and its folios to the LRU at its end (ps_lru_add_run);
 * PsRunOptions.touch_run_off makes no runs (every fault
 * through ps_alloc_pcp_hit and ps_hist_add, the code before runs). Each case replays one trace both
 * ways on one machine and requires every output file to be the same bytes (summary with the totals,
 * latency histograms, per-process counts, the samples of the zones, vmstat and pcp lists). The
 * cases reach each place a run must end: the plain kbuild replay (page-table allocations and
 * pcp refills between runs), a small machine under pressure (direct reclaim, OOM kills and
 * waits, failed faults inside touches), the same with THP and a 64 KiB mTHP size always (each
 * fault ends its run when an mTHP size is on), the small machine with swap (anonymous folios
 * reclaimed from their lists' tails: the order a run links them in shows), and the portable
 * recording on its own machine.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../common/run-diff.h"

static char *tmp_dir;

/* PsTestRunSwitch of PsRunOptions.touch_run_off */
static void run_switch(PsRunOptions *o, bool off)
{
	o->touch_run_off = off;
}

static cJSON *same_both_ways(const PsConfig *cfg, const char *trace_name)
{
	return ps_test_same_both_ways(cfg, trace_name, tmp_dir, run_switch);
}

static void test_kbuild(void)
{
	g_autoptr(PsConfig) cfg = ps_test_config_edited("x86_64-4k-16g.json", NULL, NULL);
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	/* a million faults, nearly all in runs */
	g_assert_cmpfloat(ps_test_total(sum, "touch_faults"), >, 1e6);
	cJSON_Delete(sum);
}

/* 256 MiB: reclaim, OOM kills and waits, and failed faults land inside touches' runs. */
static void test_pressure(void)
{
	g_autoptr(PsConfig) cfg = ps_test_config_edited("small-4k-256m.json", NULL, NULL);
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	g_assert_cmpfloat(ps_test_total(sum, "direct_reclaims"), >, 0);
	g_assert_cmpfloat(ps_test_total(sum, "oom_kills"), >, 0);
	g_assert_cmpfloat(ps_test_total(sum, "oom_waits"), >, 0);
	g_assert_cmpfloat(ps_test_total(sum, "alloc_failed"), >, 0);
	cJSON_Delete(sum);
}

/* The same with THP and the 64 KiB mTHP size always: each fault ends its run. */
static void test_thp(void)
{
	g_autoptr(PsConfig) cfg =
	    ps_test_config_edited("small-4k-256m.json", "\"thp\": \"madvise\",",
				  "\"thp\": \"always\", \"hugepages\": {\"64kB\": \"always\"},");
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	g_assert_cmpfloat(ps_test_total(sum, "touch_faults"), >, 0);
	cJSON_Delete(sum);
}

/*
 * The pressure machine with swap: anonymous folios are reclaimed from their lists' tails, so the
 * order a run links its folios in reaches the outputs (which pages go, which refault).
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

	g_assert_cmpfloat(ps_test_total(sum, "touch_faults"), >, 0);
	cJSON_Delete(sum);
}

int main(int argc, char **argv)
{
	int rc;

	/*
	 * PAGESIM_TOUCH_RUN=off would make both sides per-page (ps_sim_new ORs it with the option)
	 * and the comparison empty: cleared here, before any thread exists.
	 */
	g_unsetenv("PAGESIM_TOUCH_RUN");
	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-touch-run-XXXXXX");
	g_test_add_func("/sim/touch-run/kbuild", test_kbuild);
	g_test_add_func("/sim/touch-run/pressure", test_pressure);
	g_test_add_func("/sim/touch-run/thp", test_thp);
	g_test_add_func("/sim/touch-run/swap", test_swap);
	g_test_add_func("/sim/touch-run/portable", test_portable);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
