// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-node-reclaim.c - vm.zone_reclaim_mode (issue 18 item 4): node_reclaim in
 * get_page_from_freelist. Two nodes of 256 MiB, both cpus on node 0; a reader fills node 0 with
 * 128 MiB of clean page cache, then a task touches 200 MiB of anonymous memory on node 0's cpu.
 * - Mode 0: node 0 fails its low watermark and the zonelist takes node 1 (numa_miss); the fast
 *   path wakes no kswapd, so the page cache stays and no node reclaim runs.
 * - Mode 1 (RECLAIM_ZONE): node_reclaim finds the node's file LRU above min_unmapped_pages
 *   (1 % of the node) and shrinks it from NODE_RECLAIM_PRIORITY, so the anonymous pages stay
 *   on node 0 (zone_reclaim_success counts the passes that freed enough).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../common/policy-run.h"

#define MB (1024ull * 1024ull)

static char *tmp_dir;

/* Runs the trace with zone_reclaim_mode `mode`, the cpus on nodes cpu_nodes; returns out dir. */
static char *run(int mode, const char *cpu_nodes)
{
	g_autofree char *cfg_text = g_strdup_printf(
	    "{\"page_size\":4096,\"cpus\":%s,\"nodes\":[{\"zones\":{\"Normal\":{\"start_bytes\":"
	    "1073741824,\"spanned_bytes\":268435456}}},{\"zones\":{\"Normal\":{\"start_bytes\":"
	    "1342177280,\"spanned_bytes\":268435456}}}],\"distances\":[[10,20],[20,10]],"
	    "\"sysctl\":{\"zone_reclaim_mode\":%d}}",
	    cpu_nodes, mode);
	g_autofree char *name = g_strdup_printf("run-%d", mode);
	char *out = g_build_filename(tmp_dir, name, NULL);
	g_autofree char *trace = g_build_filename(tmp_dir, "t.jsonl", NULL);
	g_autofree char *text = g_strdup_printf(
	    "{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"reader\",\"oom_score_adj\":0}\n"
	    "{\"t\":1,\"op\":\"cache_add\",\"file\":\"f\",\"offset\":0,\"len\":%llu,\"pid\":10}\n"
	    "{\"t\":2,\"op\":\"proc\",\"pid\":11,\"comm\":\"anon\",\"oom_score_adj\":0}\n"
	    "{\"t\":3,\"op\":\"map\",\"pid\":11,\"addr\":68719476736,\"len\":%llu}\n"
	    "{\"t\":4,\"op\":\"touch\",\"pid\":11,\"addr\":68719476736,\"len\":%llu}\n",
	    128 * MB, 200 * MB, 200 * MB);
	ps_test_text_run(cfg_text, trace, text, out);
	return out;
}

static void test_modes(void)
{
	g_autofree char *off = run(0, "[0,0]");
	g_autofree char *on = run(1, "[0,0]");
	uint64_t miss_off = ps_test_run_vmstat(off, "numa_miss"),
		 miss_on = ps_test_run_vmstat(on, "numa_miss");

	g_test_message("numa_miss: mode 0 %" G_GUINT64_FORMAT ", mode 1 %" G_GUINT64_FORMAT
		       "; zone_reclaim_success %" G_GUINT64_FORMAT " failed %" G_GUINT64_FORMAT,
		       miss_off, miss_on, ps_test_run_vmstat(on, "zone_reclaim_success"),
		       ps_test_run_vmstat(on, "zone_reclaim_failed"));
	/* mode 0: about 200 - (256 - 128) MiB of the anonymous pages spill to node 1 */
	g_assert_cmpuint(miss_off, >, 60 * MB / 4096);
	g_assert_cmpuint(ps_test_run_vmstat(off, "zone_reclaim_success"), ==, 0);
	g_assert_cmpuint(ps_test_run_vmstat(off, "zone_reclaim_failed"), ==, 0);
	g_assert_cmpuint(ps_test_run_vmstat(off, "pgsteal_direct"), ==, 0);
	/* mode 1: node 0's page cache makes room; hardly anything goes remote */
	g_assert_cmpuint(ps_test_run_vmstat(on, "zone_reclaim_success"), >, 0);
	g_assert_cmpuint(miss_on, <, miss_off / 20);
	ps_test_rm_rf(off);
	ps_test_rm_rf(on);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-node-reclaim-XXXXXX");
	g_test_add_func("/sim/node-reclaim/modes", test_modes);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
