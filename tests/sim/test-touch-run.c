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

#include "../common/policy-run.h"

static char *tmp_dir;

/* Every regular file of run a is in run b with the same bytes, and b has no other. */
static void assert_same_files(const char *a, const char *b)
{
	g_autoptr(GDir) d = g_dir_open(a, 0, NULL);
	g_autoptr(GDir) e = g_dir_open(b, 0, NULL);
	const char *n;
	guint files = 0, bfiles = 0;

	g_assert_nonnull(d);
	g_assert_nonnull(e);
	while ((n = g_dir_read_name(d))) {
		g_autofree char *pa = g_build_filename(a, n, NULL),
				*pb = g_build_filename(b, n, NULL);
		g_autofree char *ta = NULL, *tb = NULL;
		gsize la = 0, lb = 0;

		if (!g_file_test(pa, G_FILE_TEST_IS_REGULAR))
			continue;
		g_assert_true(g_file_get_contents(pa, &ta, &la, NULL));
		if (!g_file_get_contents(pb, &tb, &lb, NULL))
			g_error("%s: missing", pb);
		if (la != lb || memcmp(ta, tb, la))
			g_error("%s and %s differ: a run's counts or samples moved", pa, pb);
		files++;
	}
	g_assert_cmpuint(files, >=, 5);
	while ((n = g_dir_read_name(e))) {
		g_autofree char *pb = g_build_filename(b, n, NULL);

		bfiles += g_file_test(pb, G_FILE_TEST_IS_REGULAR);
	}
	g_assert_cmpuint(bfiles, ==, files);
}

/* A replay (no snapshot) of trace on cfg into out, with runs or not (PsRunOptions.touch_run_off).
 */
static void replay(const PsConfig *cfg, const char *trace, const char *out, bool runs)
{
	g_autoptr(GError) error = NULL;
	PsRunOptions o = {.out_dir = out, .seed = 1, .touch_run_off = !runs};
	g_autoptr(PsSim) s = NULL;

	s = ps_sim_new(cfg, &o, &error);
	g_assert_no_error(error);
	if (!ps_sim_run(s, trace, &error))
		g_error("run: %s", error->message);
}

/* The file under the source tree (PAGESIM_SRCDIR) */
static char *src_file(const char *dir, const char *name)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");

	g_assert_nonnull(src);
	return g_build_filename(src, dir, name, NULL);
}

static PsConfig *config_file(const char *name)
{
	g_autofree char *path = src_file("configs", name);
	g_autofree char *text = NULL;
	gsize len;

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	return ps_test_config_text(text);
}

/* Both replays of workloads/trace on cfg: the same outputs; the summary of the one with runs. */
static cJSON *same_both_ways(const PsConfig *cfg, const char *trace_name)
{
	g_autofree char *trace = src_file("workloads", trace_name);
	g_autofree char *a = g_build_filename(tmp_dir, "runs", NULL);
	g_autofree char *b = g_build_filename(tmp_dir, "pages", NULL);
	cJSON *sum;

	replay(cfg, trace, a, true);
	replay(cfg, trace, b, false);
	assert_same_files(a, b);
	sum = ps_test_read_summary(a);
	ps_test_rm_rf(a);
	ps_test_rm_rf(b);
	return sum;
}

static double total(const cJSON *sum, const char *name)
{
	return ps_test_json_num(cJSON_GetObjectItem(sum, "totals"), name);
}

static void test_kbuild(void)
{
	g_autoptr(PsConfig) cfg = config_file("x86_64-4k-16g.json");
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	/* a million faults, nearly all in runs */
	g_assert_cmpfloat(total(sum, "touch_faults"), >, 1e6);
	cJSON_Delete(sum);
}

/* 256 MiB: reclaim, OOM kills and waits, and failed faults land inside touches' runs. */
static void test_pressure(void)
{
	g_autoptr(PsConfig) cfg = config_file("small-4k-256m.json");
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	g_assert_cmpfloat(total(sum, "direct_reclaims"), >, 0);
	g_assert_cmpfloat(total(sum, "oom_kills"), >, 0);
	g_assert_cmpfloat(total(sum, "oom_waits"), >, 0);
	g_assert_cmpfloat(total(sum, "alloc_failed"), >, 0);
	cJSON_Delete(sum);
}

/* The same with THP and the 64 KiB mTHP size always: each fault ends its run. */
static void test_thp(void)
{
	g_autofree char *path = src_file("configs", "small-4k-256m.json");
	g_autofree char *text = NULL;
	g_autoptr(GString) t = NULL;
	g_autoptr(PsConfig) cfg = NULL;
	cJSON *sum;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	t = g_string_new(text);
	g_assert_cmpuint(
	    g_string_replace(t, "\"thp\": \"madvise\",",
			     "\"thp\": \"always\", \"hugepages\": {\"64kB\": \"always\"},", 1),
	    ==, 1);
	cfg = ps_test_config_text(t->str);
	sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");
	g_assert_cmpfloat(total(sum, "touch_faults"), >, 0);
	cJSON_Delete(sum);
}

/*
 * The pressure machine with swap: anonymous folios are reclaimed from their lists' tails, so the
 * order a run links its folios in reaches the outputs (which pages go, which refault).
 */
static void test_swap(void)
{
	g_autofree char *path = src_file("configs", "small-4k-256m.json");
	g_autofree char *text = NULL;
	g_autoptr(GString) t = NULL;
	g_autoptr(PsConfig) cfg = NULL;
	cJSON *sum;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	t = g_string_new(text);
	g_assert_cmpuint(g_string_replace(t, "\"seed\": 1",
					  "\"swap\": {\"size_bytes\": 268435456}, \"seed\": 1", 1),
			 ==, 1);
	cfg = ps_test_config_text(t->str);
	sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");
	g_assert_cmpfloat(total(sum, "swap_used_pages"), >, 0);
	cJSON_Delete(sum);
}

static void test_portable(void)
{
	g_autoptr(PsConfig) cfg = config_file("arm64-16k-16g.json");
	cJSON *sum = same_both_ways(cfg, "build-portable.jsonl.gz");

	g_assert_cmpfloat(total(sum, "touch_faults"), >, 0);
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
