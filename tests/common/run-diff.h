/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run-diff.h - differential replays of a speed path against its per-page reference
 * (tests/sim/test-touch-run.c, test-exit-run.c): one trace replayed twice on one machine, once
 * with the path and once with its PsRunOptions switch off, every output file the same bytes.
 */
#ifndef PS_TEST_RUN_DIFF_H
#define PS_TEST_RUN_DIFF_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <string.h>

#include "policy-run.h"

/* Sets the switch under test in o: off makes the run take the per-page reference path. */
typedef void (*PsTestRunSwitch)(PsRunOptions *o, bool off);

/* Every regular file of run a is in run b with the same bytes, and b has no other. */
static inline void ps_test_assert_same_run_files(const char *a, const char *b)
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

/* A replay (no snapshot) of trace on cfg into out, the switch under test off or not. */
static inline void ps_test_replay_switched(const PsConfig *cfg, const char *trace, const char *out,
					   PsTestRunSwitch sw, bool off)
{
	g_autoptr(GError) error = NULL;
	PsRunOptions o = {.out_dir = out, .seed = 1};
	g_autoptr(PsSim) s = NULL;

	sw(&o, off);
	s = ps_sim_new(cfg, &o, &error);
	g_assert_no_error(error);
	if (!ps_sim_run(s, trace, &error))
		g_error("run: %s", error->message);
}

/* The file under the source tree (PAGESIM_SRCDIR) */
static inline char *ps_test_src_file(const char *dir, const char *name)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");

	g_assert_nonnull(src);
	return g_build_filename(src, dir, name, NULL);
}

/* configs/NAME, with its one occurrence of `from` replaced by `to` when from is not NULL. */
static inline PsConfig *ps_test_config_edited(const char *name, const char *from, const char *to)
{
	g_autofree char *path = ps_test_src_file("configs", name);
	g_autofree char *text = NULL;
	g_autoptr(GString) t = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	t = g_string_new(text);
	if (from)
		g_assert_cmpuint(g_string_replace(t, from, to, 1), ==, 1);
	return ps_test_config_text(t->str);
}

/*
 * Both replays of workloads/TRACE_NAME on cfg, in directories under tmp_dir: the same outputs;
 * returns the summary of the one with the path on.
 */
static inline cJSON *ps_test_same_both_ways(const PsConfig *cfg, const char *trace_name,
					    const char *tmp_dir, PsTestRunSwitch sw)
{
	g_autofree char *trace = ps_test_src_file("workloads", trace_name);
	g_autofree char *a = g_build_filename(tmp_dir, "runs", NULL);
	g_autofree char *b = g_build_filename(tmp_dir, "pages", NULL);
	cJSON *sum;

	ps_test_replay_switched(cfg, trace, a, sw, false);
	ps_test_replay_switched(cfg, trace, b, sw, true);
	ps_test_assert_same_run_files(a, b);
	sum = ps_test_read_summary(a);
	ps_test_rm_rf(a);
	ps_test_rm_rf(b);
	return sum;
}

/* summary.json's totals.NAME */
static inline double ps_test_total(const cJSON *sum, const char *name)
{
	return ps_test_json_num(cJSON_GetObjectItem(sum, "totals"), name);
}

#endif /* PS_TEST_RUN_DIFF_H */
