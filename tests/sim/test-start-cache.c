// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-start-cache.c - the started-state cache (sim/start-cache.c) on a pressure recording
 * (workloads/ftrace-press-kswapd-6.18): a run that restores the started state writes the same
 * files, byte for byte, as one that builds it; the compare mode (PAGESIM_START_CACHE=compare)
 * builds it both ways and aborts unless they are the same bytes array by array; a corrupt entry
 * is ignored (the run starts cold, the same files) and written again.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "policy-run.h"
#include "sim/sim.h"
#include "test-util.h"

#define REC "ftrace-press-kswapd-6.18"

typedef struct {
	char *dir, *trace, *kpf, *cache;
	PsConfig *cfg;
} Rec;

static bool rec_open(Rec *r)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");

	if (!src)
		return false;
	r->dir = g_build_filename(src, "workloads", REC, NULL);
	r->trace = g_build_filename(r->dir, "trace.jsonl.gz", NULL);
	r->kpf = g_build_filename(r->dir, "before.kpageflags.gz", NULL);
	if (!g_file_test(r->trace, G_FILE_TEST_EXISTS) || !g_file_test(r->kpf, G_FILE_TEST_EXISTS))
		return false;
	r->cfg = ps_test_config_from_dir(r->dir, 0);
	r->cache = ps_test_make_dir("pagesim-start-cache-XXXXXX");
	return true;
}

static void rec_close(Rec *r)
{
	ps_test_rm_rf(r->cache);
	g_free(r->cache);
	g_free(r->dir);
	g_free(r->trace);
	g_free(r->kpf);
	ps_config_free(r->cfg);
}

/* `pagesim run` as cmd_run sets it up: trace cache, trace path; PAGESIM_START_CACHE=mode. */
static void run(const Rec *r, const char *out, const char *mode)
{
	g_autoptr(GError) error = NULL;
	PsRunOptions o = {0};
	PsSim *sim;

	if (mode)
		g_setenv("PAGESIM_START_CACHE", mode, TRUE);
	else
		g_unsetenv("PAGESIM_START_CACHE");
	o.out_dir = out;
	o.trace_cache_dir = r->cache;
	o.trace_path = r->trace;
	sim = ps_sim_new(r->cfg, &o, &error);
	g_assert_no_error(error);
	g_assert_true(ps_sim_load_snapshot(sim, r->kpf, r->dir, &error));
	g_assert_no_error(error);
	g_assert_true(ps_sim_run(sim, r->trace, &error));
	g_assert_no_error(error);
	ps_sim_free(sim);
	g_unsetenv("PAGESIM_START_CACHE");
}

/* Every file of run a is in run b with the same bytes (no wall section: no wall_ns given). */
static void assert_same_run(const char *a, const char *b)
{
	g_autoptr(GDir) d = g_dir_open(a, 0, NULL);
	const char *n;
	guint files = 0;

	g_assert_nonnull(d);
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
			g_error("%s and %s differ", pa, pb);
		files++;
	}
	g_assert_cmpuint(files, >=, 5);
}

/* The .start entry in the cache directory (there must be one). */
static char *start_entry(const char *cache)
{
	g_autoptr(GDir) d = g_dir_open(cache, 0, NULL);
	const char *n;
	char *found = NULL;

	while ((n = g_dir_read_name(d)))
		if (g_str_has_suffix(n, ".start")) {
			g_assert_null(found);
			found = g_build_filename(cache, n, NULL);
		}
	if (!found)
		g_error("no started-state entry in %s", cache);
	return found;
}

static void test_restored_same(void)
{
	Rec r = {0};
	g_autofree char *tmp = NULL, *off = NULL, *cold = NULL, *warm = NULL, *cmp = NULL;
	g_autofree char *bad = NULL, *entry = NULL, *bytes = NULL, *again = NULL, *other = NULL;
	gsize len = 0, len2 = 0;

	if (!rec_open(&r)) {
		g_test_skip("workloads/" REC " is not there");
		return;
	}
	tmp = ps_test_make_dir("pagesim-start-run-XXXXXX");
	off = g_build_filename(tmp, "off", NULL);
	cold = g_build_filename(tmp, "cold", NULL);
	warm = g_build_filename(tmp, "warm", NULL);
	cmp = g_build_filename(tmp, "compare", NULL);
	bad = g_build_filename(tmp, "bad", NULL);
	/* off: no entry written */
	run(&r, off, "off");
	{
		g_autoptr(GDir) d = g_dir_open(r.cache, 0, NULL);
		const char *n;

		while ((n = g_dir_read_name(d)))
			g_assert_false(g_str_has_suffix(n, ".start"));
	}
	run(&r, cold, NULL); /* builds the state and keeps it */
	entry = start_entry(r.cache);
	run(&r, warm, NULL); /* restores it */
	assert_same_run(off, cold);
	assert_same_run(off, warm);
	/* both ways, compared array by array (aborts on a difference) */
	run(&r, cmp, "compare");
	assert_same_run(off, cmp);
	/*
	 * a corrupt entry: ignored, the run starts cold, the entry is written again, and an entry
	 * of the same inputs from another build (another name after the '-') is removed
	 */
	{
		g_autofree char *stem = g_path_get_basename(entry);

		*strchr(stem, '-') = 0;
		other = g_strdup_printf("%s/%s-0123456789abcdef.start", r.cache, stem);
		g_assert_true(g_file_set_contents(other, "old build", -1, NULL));
	}
	g_assert_true(g_file_get_contents(entry, &bytes, &len, NULL));
	bytes[len / 2] ^= 0x40;
	g_assert_true(g_file_set_contents(entry, bytes, (gssize)len, NULL));
	run(&r, bad, NULL);
	assert_same_run(off, bad);
	g_assert_true(g_file_get_contents(entry, &again, &len2, NULL));
	g_assert_cmpuint(len2, ==, len);
	bytes[len / 2] ^= 0x40;
	g_assert_cmpmem(bytes, len, again, len2);
	g_assert_false(g_file_test(other, G_FILE_TEST_EXISTS));
	ps_test_rm_rf(tmp);
	rec_close(&r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/start-cache/restored-same", test_restored_same);
	return g_test_run();
}
