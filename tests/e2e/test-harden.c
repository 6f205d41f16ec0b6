// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-harden.c - end-to-end tests of `pagesim run` on inputs at the edges: times the clock
 * cannot hold, idle gaps of years, allocations of 2^64 bytes, a touch no OOM kill can satisfy,
 * nodes the machine lacks. Each case is a defect that once aborted, wrapped or wrote without
 * end, kept here so it stays fixed.
 *
 * argv[1] is the pagesim binary (meson passes it).
 */
#include <cjson/cJSON.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "../common/test-util.h"

static const char *pagesim;

#define HEADER "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n"

/* pagesim args...; the exit status, stderr into *err when given. */
static int pagesim_run(const char *const *args, char **err)
{
	return ps_test_spawn(NULL, pagesim, args, NULL, err);
}

/* Runs `trace` (the lines after the header) on a shipped config into dir/out. */
static int run_trace(const char *dir, const char *config, const char *lines, char **err)
{
	g_autofree char *trace = g_build_filename(dir, "trace.jsonl", NULL);
	g_autofree char *text = g_strconcat(HEADER, lines, NULL);
	g_autofree char *cfg =
	    g_build_filename(g_getenv("PAGESIM_SRCDIR"), "configs", config, NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	const char *args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};

	g_assert_true(g_file_set_contents(trace, text, -1, NULL));
	return pagesim_run(args, err);
}

static cJSON *out_summary(const char *dir)
{
	g_autofree char *out = g_build_filename(dir, "out", NULL);

	return ps_test_json_file(out, "summary.json");
}

static double field(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	x = cJSON_GetObjectItemCaseSensitive(x, b);
	g_assert_true(cJSON_IsNumber(x));
	return x->valuedouble;
}

static goffset out_size(const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename(dir, "out", name, NULL);
	GStatBuf st;

	g_assert_cmpint(g_stat(p, &st), ==, 0);
	return st.st_size;
}

/* t = 2^64-1 is no time the engine can hold: file:line: t:, and no file left behind. */
static void test_time_beyond_clock(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
	g_autofree char *err = NULL;
	g_autofree char *out = g_build_filename(dir, "out", NULL);

	g_assert_cmpint(run_trace(dir, "small-4k-64m.json",
				  "{\"t\":18446744073709551615,\"op\":\"compact\"}\n", &err),
			==, 1);
	g_assert_nonnull(strstr(err, "trace.jsonl:2: t: "));
	g_assert_null(strstr(err, "assertion"));
	if (g_file_test(out, G_FILE_TEST_IS_DIR)) {
		g_autofree char *names = ps_test_dir_listing(out);

		g_assert_cmpstr(names, ==, "");
	}
	ps_test_rm_rf(dir);
}

/*
 * Legal times far apart (10^15 ns, 2^62 ns): the run ends, the timeline does not sample the
 * idle gap row by row, and the summary and events say how many rows were left out.
 */
static void test_idle_gap(void)
{
	static const char *const times[] = {"1000000000000000", "4611686018427387904"};

	for (size_t i = 0; i < G_N_ELEMENTS(times); i++) {
		g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
		g_autofree char *lines = g_strdup_printf(
		    "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,"
		    "\"gfp\":\"GFP_KERNEL\"}\n{\"t\":%s,\"op\":\"compact\"}\n",
		    times[i]);
		g_autofree char *ev = NULL, *evp = NULL;
		cJSON *s;

		g_assert_cmpint(run_trace(dir, "small-4k-64m.json", lines, NULL), ==, 0);
		s = out_summary(dir);
		g_assert_cmpfloat(field(s, "totals", "idle_gaps"), ==, 1);
		g_assert_cmpfloat(field(s, "totals", "samples_skipped_idle"), >, 9e6);
		g_assert_cmpfloat(field(s, "totals", "events"), ==, 2);
		cJSON_Delete(s);
		/* 600 idle rows before the pause, a few around the end: well under a megabyte. */
		g_assert_cmpint(out_size(dir, "timeline.csv"), <, 1 << 20);
		evp = g_build_filename(dir, "out", "events.jsonl", NULL);
		g_assert_true(g_file_get_contents(evp, &ev, NULL, NULL));
		g_assert_nonnull(strstr(ev, "\"sampling_paused\""));
		g_assert_nonnull(strstr(ev, "\"sampling_resumed\""));
		ps_test_rm_rf(dir);
	}
}

/* 2^64-1 and 2^64-4095 bytes once wrapped to a one-page allocation: now invalid. */
static void test_alloc_bytes_wrap(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
	cJSON *s;

	g_assert_cmpint(run_trace(dir, "small-4k-64m.json",
				  "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,"
				  "\"bytes\":18446744073709551615,\"gfp\":\"GFP_KERNEL\"}\n"
				  "{\"t\":2000,\"op\":\"alloc\",\"id\":2,\"cpu\":0,\"pid\":1,"
				  "\"bytes\":18446744073709547521,\"gfp\":\"GFP_KERNEL\"}\n"
				  "{\"t\":3000,\"op\":\"alloc\",\"id\":3,\"cpu\":0,\"pid\":1,"
				  "\"bytes\":4097,\"gfp\":\"GFP_KERNEL\"}\n",
				  NULL),
			==, 0);
	s = out_summary(dir);
	g_assert_cmpfloat(field(s, "totals", "alloc_invalid"), ==, 2);
	g_assert_cmpfloat(field(s, "totals", "alloc_ok"), ==, 1);
	/* 4097 bytes: two pages */
	g_assert_cmpfloat(field(s, "totals", "pages_allocated"), ==, 2);
	cJSON_Delete(s);
	ps_test_rm_rf(dir);
}

/*
 * A 1 TiB touch by a task the OOM killer may not take (oom_score_adj -1000, or pid 0) on a
 * 64 MiB machine: the touch ends at the fault that fails, and oom_no_victim is logged once per
 * failure, not once per page of the range.
 */
static void test_touch_unkillable(void)
{
	static const char *const procs[] = {
	    "{\"t\":1,\"op\":\"proc\",\"pid\":5,\"comm\":\"x\",\"oom_score_adj\":-1000}\n"
	    "{\"t\":1000,\"op\":\"touch\",\"pid\":5,\"addr\":0,\"len\":1099511627776}\n",
	    "{\"t\":1,\"op\":\"proc\",\"pid\":0,\"comm\":\"swapper\"}\n"
	    "{\"t\":1000,\"op\":\"touch\",\"pid\":0,\"addr\":0,\"len\":1099511627776}\n",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(procs); i++) {
		g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
		cJSON *s;

		g_assert_cmpint(run_trace(dir, "small-4k-64m.json", procs[i], NULL), ==, 0);
		s = out_summary(dir);
		g_assert_cmpfloat(field(s, "totals", "touches_cut"), ==, 1);
		g_assert_cmpfloat(field(s, "totals", "oom_no_victim"), >=, 1);
		g_assert_cmpfloat(field(s, "totals", "oom_no_victim"), <=, 2);
		g_assert_cmpfloat(field(s, "totals", "alloc_failed"), ==, 1);
		cJSON_Delete(s);
		g_assert_cmpint(out_size(dir, "events.jsonl"), <, 1 << 16);
		ps_test_rm_rf(dir);
	}
}

/*
 * An alloc's node and a mempolicy's nodes past the machine's (one node here): counted as
 * anomalies, and the allocations still served, not a crash and not a silent clamp.
 */
static void test_node_out_of_range(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
	cJSON *s;

	g_assert_cmpint(
	    run_trace(dir, "small-4k-64m.json",
		      "{\"t\":1,\"op\":\"proc\",\"pid\":5,\"comm\":\"x\",\"mempolicy\":"
		      "\"bind:3\"}\n"
		      "{\"t\":2,\"op\":\"proc\",\"pid\":6,\"comm\":\"y\",\"mempolicy\":"
		      "\"interleave:0,63\"}\n"
		      "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":5,\"order\":0,"
		      "\"gfp\":\"GFP_KERNEL\",\"node\":7}\n"
		      "{\"t\":2000,\"op\":\"alloc\",\"id\":2,\"cpu\":0,\"pid\":5,\"order\":0,"
		      "\"gfp\":\"GFP_HIGHUSER_MOVABLE\"}\n"
		      "{\"t\":3000,\"op\":\"touch\",\"pid\":6,\"addr\":0,\"len\":8192}\n",
		      NULL),
	    ==, 0);
	s = out_summary(dir);
	g_assert_cmpfloat(field(s, "anomalies", "node_out_of_range"), ==, 3);
	/*
	 * two allocs, the touch's two pages and the page tables the simulator makes for them:
	 * the PTE page and, 4 KiB with 48-bit addresses, the PMD, PUD and PGD pages above it
	 */
	g_assert_cmpfloat(field(s, "totals", "alloc_ok"), ==, 8);
	cJSON_Delete(s);
	ps_test_rm_rf(dir);
}

/* Runs trace_text on configs/<config> into dir/<name>. */
static void run_into(const char *dir, const char *name, const char *config, const char *trace)
{
	g_autofree char *cfg =
	    g_build_filename(g_getenv("PAGESIM_SRCDIR"), "configs", config, NULL);
	g_autofree char *out = g_build_filename(dir, name, NULL);
	const char *args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};

	g_assert_cmpint(pagesim_run(args, NULL), ==, 0);
}

/*
 * A recorded trace (records with `order`) replayed at 4K and 64K: summary.json says it is
 * page-size-bound, compare refuses it saying why, --force compares with a warning row; and
 * compare.md gives each run's total and managed memory.
 */
static void test_compare_page_size_bound(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
	g_autofree char *trace = g_build_filename(dir, "rec.jsonl", NULL);
	g_autofree char *r4 = g_build_filename(dir, "r4", NULL);
	g_autofree char *r64 = g_build_filename(dir, "r64", NULL);
	g_autofree char *cmp = g_build_filename(dir, "cmp", NULL);
	g_autofree char *err = NULL, *md = NULL, *mdp = g_build_filename(cmp, "compare.md", NULL);
	const char *refused[] = {"compare", "--no-plots", r4, r64, "-o", cmp, NULL};
	const char *forced[] = {"compare", "--no-plots", "--force", r4, r64, "-o", cmp, NULL};
	const char *same[] = {"compare", "--no-plots", r4, r4, "-o", cmp, NULL};
	cJSON *s;

	g_assert_true(g_file_set_contents(
	    trace,
	    "{\"pagesim_trace\":1,\"source\":\"ftrace\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":2,"
	    "\"gfp\":\"GFP_KERNEL\"}\n"
	    "{\"t\":2000,\"op\":\"free\",\"id\":1}\n",
	    -1, NULL));
	run_into(dir, "r4", "small-4k-1g.json", trace);
	run_into(dir, "r64", "small-64k-1g.json", trace);
	s = ps_test_json_file(r4, "summary.json");
	g_assert_true(
	    cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "trace"), "page_size_bound")));
	g_assert_cmpfloat(field(s, "trace", "recorded_page_size"), ==, 4096);
	cJSON_Delete(s);

	g_assert_cmpint(pagesim_run(refused, &err), ==, 1);
	g_assert_nonnull(strstr(err, "page-size-bound"));
	g_assert_nonnull(strstr(err, "--force"));
	g_assert_false(g_file_test(cmp, G_FILE_TEST_EXISTS));

	g_assert_cmpint(pagesim_run(forced, NULL), ==, 0);
	g_assert_true(g_file_get_contents(mdp, &md, NULL, NULL));
	g_assert_nonnull(strstr(md, "| **warning: the trace is page-size-bound"));
	g_assert_nonnull(strstr(md, "| total memory (present) | MiB | 1024 | 1024 (x1) |"));
	g_assert_nonnull(strstr(md, "| managed memory | MiB |"));
	g_clear_pointer(&md, g_free);

	/* One page size: nothing to refuse, no warning. */
	g_assert_cmpint(pagesim_run(same, NULL), ==, 0);
	g_assert_true(g_file_get_contents(mdp, &md, NULL, NULL));
	g_assert_null(strstr(md, "warning"));
	ps_test_rm_rf(dir);
}

/*
 * A machine whose page state needs more than this one has (played with PAGESIM_MEM_AVAILABLE)
 * is refused with the figure it needs, by run and by sweep; --force runs it anyway.
 */
static void test_memory_refused(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
	g_autofree char *trace = g_build_filename(dir, "t.jsonl", NULL);
	g_autofree char *spec = g_build_filename(dir, "spec.json", NULL);
	g_autofree char *cfg =
	    g_build_filename(g_getenv("PAGESIM_SRCDIR"), "configs", "small-4k-1g.json", NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autofree char *sweep_out = g_build_filename(dir, "sweep", NULL);
	g_autofree char *spec_text = g_strdup_printf(
	    "{\"name\": \"mem\", \"configs\": [\"%s\"], \"traces\": [\"%s\"]}\n", cfg, trace);
	const char *run_args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};
	const char *forced[] = {"run", "-q", "--force", "-c", cfg, "-t", trace, "-o", out, NULL};
	const char *sweep_args[] = {"sweep", "-q", spec, "-o", sweep_out, "-j", "1", NULL};
	const char *sweep_forced[] = {"sweep",	 "-q", "--force", spec, "-o",
				      sweep_out, "-j", "1",	  NULL};
	g_autofree char *err = NULL;

	g_assert_true(
	    g_file_set_contents(trace, HEADER "{\"t\":1,\"op\":\"compact\"}\n", -1, NULL));
	g_assert_true(g_file_set_contents(spec, spec_text, -1, NULL));
	/* 1 GiB at 4 KiB: 262144 pages of about 9 bytes of state, 2.3 MiB */
	g_setenv("PAGESIM_MEM_AVAILABLE", "1048576", TRUE);
	g_assert_cmpint(pagesim_run(run_args, &err), ==, 1);
	g_assert_nonnull(strstr(err, "needs 2.3 MiB (2370048 bytes) of page state"));
	g_assert_nonnull(strstr(err, "more than the 1.0 MiB this machine has available"));
	g_assert_nonnull(strstr(err, "--force"));
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(pagesim_run(sweep_args, &err), ==, 1);
	g_assert_nonnull(strstr(err, "the sweep (1 runs at a time) needs"));
	g_clear_pointer(&err, g_free);

	g_assert_cmpint(pagesim_run(forced, &err), ==, 0);
	g_assert_nonnull(strstr(err, "warning (--force)"));
	g_assert_cmpint(pagesim_run(sweep_forced, NULL), ==, 0);
	g_unsetenv("PAGESIM_MEM_AVAILABLE");
	/* the real figure: a 1 GiB machine fits on any machine that builds pagesim */
	g_assert_cmpint(pagesim_run(run_args, NULL), ==, 0);
	ps_test_rm_rf(dir);
}

/*
 * A rerun into a run directory that fails midway leaves no part of the older run beside the
 * new files: no summary.json (the directory reads as incomplete), no older figures, no
 * temporary files of a run that died; what others keep there (a sweep's config.json) stays.
 */
static void test_rerun_fails_midway(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autofree char *plots = g_build_filename(out, "plots", NULL);
	g_autofree char *stale = g_build_filename(out, ".timeline.csv.ABC123.tmp", NULL);
	g_autofree char *png = g_build_filename(plots, "free.png", NULL);
	g_autofree char *keep = g_build_filename(out, "config.json", NULL);
	g_autofree char *names = NULL;
	const char *good = "{\"t\":1000,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,"
			   "\"order\":0,\"gfp\":\"GFP_KERNEL\"}\n";
	g_autofree char *bad = g_strconcat(good, "{\"t\":2000,\"op\":\"bogus\"}\n", NULL);

	g_assert_cmpint(run_trace(dir, "small-4k-64m.json", good, NULL), ==, 0);
	g_assert_cmpint(g_mkdir(plots, 0755), ==, 0);
	g_assert_true(g_file_set_contents(png, "old", -1, NULL));
	g_assert_true(g_file_set_contents(stale, "dead run", -1, NULL));
	g_assert_true(g_file_set_contents(keep, "{}", -1, NULL));
	g_assert_cmpint(run_trace(dir, "small-4k-64m.json", bad, NULL), ==, 1);
	names = ps_test_dir_listing(out);
	g_assert_cmpstr(names, ==, "config.json");
	ps_test_rm_rf(dir);
}

/* SIGTERM mid-run: exit 128+15, no summary.json, no temporary files left. */
static void test_signal_cleans_up(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-harden-XXXXXX", NULL);
	g_autofree char *trace = g_build_filename(dir, "trace.jsonl", NULL);
	g_autofree char *cfg =
	    g_build_filename(g_getenv("PAGESIM_SRCDIR"), "configs", "small-4k-1g.json", NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autofree char *names = NULL;
	const char *argv[] = {pagesim, "run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};
	g_autoptr(GString) t = g_string_new(HEADER);
	g_autoptr(GError) error = NULL;
	GPid pid;
	int status;

	/* 2000 touches of 256 MiB, each unmapped again: hundreds of millions of faults */
	for (int i = 0; i < 2000; i++)
		g_string_append_printf(
		    t,
		    "{\"t\":%d,\"op\":\"touch\",\"pid\":1,\"addr\":0,\"len\":268435456}\n"
		    "{\"t\":%d,\"op\":\"unmap\",\"pid\":1,\"addr\":0,\"len\":268435456}\n",
		    2 * i + 1, 2 * i + 2);
	g_assert_true(g_file_set_contents(trace, t->str, (gssize)t->len, NULL));
	g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
				    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
				    NULL, &pid, &error));
	g_assert_no_error(error);
	/*
	 * The handlers are installed before the run directory is made: wait for it (a loaded or
	 * sanitizer-built machine may take longer than any fixed delay to get there), then a
	 * little more so that the replay is under way.
	 */
	for (int i = 0; i < 600 && !g_file_test(out, G_FILE_TEST_IS_DIR); i++)
		g_usleep(50000);
	g_assert_true(g_file_test(out, G_FILE_TEST_IS_DIR));
	g_usleep(200000);
	kill(pid, SIGTERM);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_spawn_close_pid(pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 128 + SIGTERM);
	names = ps_test_dir_listing(out);
	g_assert_cmpstr(names, ==, "");
	ps_test_rm_rf(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(argc, >=, 2);
	pagesim = argv[1];
	g_test_add_func("/e2e/harden/time-beyond-clock", test_time_beyond_clock);
	g_test_add_func("/e2e/harden/idle-gap", test_idle_gap);
	g_test_add_func("/e2e/harden/alloc-bytes-wrap", test_alloc_bytes_wrap);
	g_test_add_func("/e2e/harden/touch-unkillable", test_touch_unkillable);
	g_test_add_func("/e2e/harden/node-out-of-range", test_node_out_of_range);
	g_test_add_func("/e2e/harden/compare-page-size-bound", test_compare_page_size_bound);
	g_test_add_func("/e2e/harden/memory-refused", test_memory_refused);
	g_test_add_func("/e2e/harden/rerun-fails-midway", test_rerun_fails_midway);
	g_test_add_func("/e2e/harden/signal-cleans-up", test_signal_cleans_up);
	return g_test_run();
}
