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

/* A replay (no snapshot) of trace on cfg into out, with runs or not (PsRunOptions.exit_run_off). */
static void replay(const PsConfig *cfg, const char *trace, const char *out, bool runs)
{
	g_autoptr(GError) error = NULL;
	PsRunOptions o = {.out_dir = out, .seed = 1, .exit_run_off = !runs};
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

	/* two million pages freed by exits, nearly all in runs */
	g_assert_cmpfloat(total(sum, "pages_freed_exit"), >, 1e6);
	cJSON_Delete(sum);
}

/* 256 MiB: exits of processes whose pages were reclaimed, swapped or OOM-killed in part. */
static void test_pressure(void)
{
	g_autoptr(PsConfig) cfg = config_file("small-4k-256m.json");
	cJSON *sum = same_both_ways(cfg, "kbuild-10s.jsonl.gz");

	g_assert_cmpfloat(total(sum, "direct_reclaims"), >, 0);
	g_assert_cmpfloat(total(sum, "pages_freed_exit"), >, 0);
	cJSON_Delete(sum);
}

/* The same with THP and the 64 KiB mTHP size always: large folios end runs. */
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
	g_assert_cmpfloat(total(sum, "pages_freed_exit"), >, 0);
	cJSON_Delete(sum);
}

/*
 * The pressure machine with swap: swapped-out records (no run: swap slots given back) among the
 * live ones of an exit.
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

	g_assert_cmpfloat(total(sum, "pages_freed_exit"), >, 0);
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
