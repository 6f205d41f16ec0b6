// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-vmstat-grid.c - the pcp decay runs on the grid of the recording's vmstat_update runs
 * (sim/replay.c, decay_at_or_after; the trace header's vmstat_update_ns, import.c).
 *
 * 400 order-0 allocations and frees on cpu 0 of small-4k-64m (the refills raise the DMA32
 * pcp's high to 750), replayed to 400 ms: a header that puts vmstat_update at 2.3 s puts the
 * decay at 0.3 s, so decay_pcp_high has cut high by an eighth (657) by then; without it the
 * first decay is at 1 s and high is still 750. Past 1 s both have decayed.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../common/test-util.h"
#include "config/config.h"
#include "sim/sim.h"

/* The DMA32 zone's cpu 0 pcp high in a run's zoneinfo. */
static int pcp_high(const char *run)
{
	g_autofree char *path = g_build_filename(run, "zoneinfo", NULL);
	char *text = NULL;
	const char *z =
	    g_file_get_contents(path, &text, NULL, NULL) ? strstr(text, "zone    DMA32") : NULL;
	const char *c = z ? strstr(z, "cpu: 0") : NULL;
	const char *h = c ? strstr(c, "high:") : NULL;
	int high = h ? atoi(h + 5) : -1;

	g_free(text);
	g_assert_cmpint(high, >=, 0);
	return high;
}

/* The pcp high after a replay to until_ns of the trace, with header extra `hdr_extra`. */
static int high_at(const char *dir, const char *name, const char *hdr_extra, uint64_t until_ns)
{
	const char *src = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *cfg_path = g_build_filename(src, "configs", "small-4k-64m.json", NULL);
	g_autofree char *trace = g_strdup_printf("%s/%s.jsonl", dir, name);
	g_autofree char *run = g_build_filename(dir, name, NULL);
	GString *t = g_string_new(NULL);
	g_autoptr(PsConfig) cfg = ps_config_new();
	PsRunOptions o = {.out_dir = run, .seed = 1, .until_ns = until_ns};
	g_autoptr(GError) error = NULL;
	PsSim *s;
	int high;

	g_string_append_printf(t,
			       "{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,"
			       "\"cpus\":1%s}\n",
			       hdr_extra);
	for (int i = 1; i <= 400; i++)
		g_string_append_printf(t,
				       "{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"cpu\":0,\"pid\":1,"
				       "\"order\":0,\"gfp\":\"GFP_KERNEL\"}\n",
				       1000000 + i * 1000, i);
	for (int i = 1; i <= 400; i++)
		g_string_append_printf(t, "{\"t\":%d,\"op\":\"free\",\"id\":%d,\"cpu\":0}\n",
				       2000000 + i * 1000, i);
	g_string_append(t, "{\"t\":1500000000,\"op\":\"alloc\",\"id\":1000,\"cpu\":0,\"pid\":1,"
			   "\"order\":0,\"gfp\":\"GFP_KERNEL\"}\n");
	g_assert_true(g_file_set_contents(trace, t->str, (gssize)t->len, NULL));
	g_string_free(t, TRUE);
	g_assert_true(ps_config_load(cfg, cfg_path, &error));
	g_assert_no_error(error);
	s = ps_sim_new(cfg, &o, &error);
	g_assert_no_error(error);
	g_assert_true(ps_sim_run(s, trace, &error));
	g_assert_no_error(error);
	ps_sim_free(s);
	high = pcp_high(run);
	if (g_test_verbose())
		g_printerr("%s to %.1f s: pcp high %d\n", name, until_ns / 1e9, high);
	return high;
}

static void test_grid(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-vmstat-grid-XXXXXX");
	const char *phase = ",\"vmstat_update_ns\":2300000000";

	g_assert_cmpint(high_at(dir, "start", "", 400000000), ==, 750);
	g_assert_cmpint(high_at(dir, "phase", phase, 400000000), ==, 750 - (750 >> 3));
	/* past 1 s the start's grid has decayed too, once; the phase's twice (0.3 s, 1.3 s) */
	g_assert_cmpint(high_at(dir, "start-late", "", 1400000000), ==, 750 - (750 >> 3));
	g_assert_cmpint(high_at(dir, "phase-late", phase, 1400000000), <, 750 - (750 >> 3));
	ps_test_rm_rf(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/vmstat-grid", test_grid);
	return g_test_run();
}
