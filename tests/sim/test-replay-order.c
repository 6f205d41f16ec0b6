// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-replay-order.c - the read loop's held exec event against a record read at its time
 * (sim/replay.c read_after_execs, review-model s16 item 1). Cpu 0 allocates at 0 and 1 (the
 * second waits for the first), and its third record, a later allocation of id 9, waits behind
 * them; cpu 1 frees id 9 exactly when cpu 0 is free again. The exec event on_exec holds for
 * cpu 0's third record then has the read's time and a later sequence number: the engine runs
 * the read first (as cpu_kick's queued event did before be0d3c8), so the free finds no id 9.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../common/policy-run.h"

static char *tmp_dir;

static const char cfg_text[] =
    "{\"page_size\":4096,\"cpus\":2,\"nodes\":[{\"zones\":{\"Normal\":{\"start_bytes\":"
    "1073741824,\"spanned_bytes\":67108864}}}]}";

/* cpu 0's two first allocations; with `free_at`, id 9 allocated on cpu 0 and freed on cpu 1 */
static char *trace_text(uint64_t free_at)
{
	GString *t = g_string_new("{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,"
				  "\"cpus\":2}\n"
				  "{\"t\":0,\"op\":\"proc\",\"pid\":11,\"comm\":\"a\","
				  "\"oom_score_adj\":0}\n");

	for (unsigned i = 0; i < 2; i++)
		g_string_append_printf(t,
				       "{\"t\":%u,\"op\":\"alloc\",\"id\":%u,\"cpu\":0,\"pid\":11,"
				       "\"order\":3,\"gfp\":\"GFP_KERNEL\",\"kind\":\"kernel\"}\n",
				       i, i + 1);
	if (free_at)
		g_string_append_printf(t,
				       "{\"t\":2,\"op\":\"alloc\",\"id\":9,\"cpu\":0,\"pid\":11,"
				       "\"order\":0,\"gfp\":\"GFP_KERNEL\",\"kind\":\"kernel\"}\n"
				       "{\"t\":%" G_GUINT64_FORMAT
				       ",\"op\":\"free\",\"id\":9,\"cpu\":1}\n",
				       free_at);
	return g_string_free(t, FALSE);
}

static cJSON *run(uint64_t free_at)
{
	g_autofree char *text = trace_text(free_at);

	return ps_test_text_summary(cfg_text, tmp_dir, text);
}

static void test_read_before_held(void)
{
	cJSON *two = run(0), *both;
	/* cpu 0 is free again when its two allocations' modelled costs have passed */
	double busy = ps_test_json_num(cJSON_GetObjectItem(two, "totals"), "latency_ns");
	double unknown;

	g_assert_cmpfloat(busy, >, 2);
	both = run((uint64_t)busy);
	unknown = ps_test_json_num(cJSON_GetObjectItem(both, "anomalies"), "free_unknown_id");
	g_test_message("cpu 0 busy until %.0f ns; free_unknown_id %.0f", busy, unknown);
	/* the second allocation waited, and so did the third, to the free's time */
	g_assert_cmpfloat(ps_test_json_num(cJSON_GetObjectItem(both, "totals"), "delayed_events"),
			  >=, 2);
	g_assert_cmpfloat(unknown, ==, 1);
	cJSON_Delete(two);
	cJSON_Delete(both);
}

/*
 * An allocation of task a on cpu 0 waits for the OOM victim (hog, on cpu 1) until the reaper;
 * behind it in cpu 0's queue comes a pid-less free of a 4 MiB block allocated before, by a
 * itself (own) or by task c. c's block is freed at its time past the waiting allocation and
 * its retry, brought forward, finds the pages (replay.c oom_wait_bypass). a's own block is not:
 * in the kernel a task looping in __alloc_pages_slowpath frees nothing until its allocation
 * returns, so the allocation waits for the reaper. Total stall (ns) of the run.
 */
static double oom_wait_stall(bool own)
{
	GString *t = g_string_new("{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,"
				  "\"cpus\":2}\n");
	g_autofree char *text = NULL;
	cJSON *sum;
	double stall, kills;

	for (int pid = 11; pid <= 13; pid++)
		g_string_append_printf(t,
				       "{\"t\":0,\"op\":\"proc\",\"pid\":%d,\"comm\":\"%s\","
				       "\"oom_score_adj\":0}\n",
				       pid,
				       pid == 11   ? "a"
				       : pid == 12 ? "hog"
						   : "c");
	g_string_append_printf(t,
			       "{\"t\":1,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":%d,"
			       "\"order\":10,\"gfp\":\"GFP_KERNEL\",\"kind\":\"kernel\"}\n",
			       own ? 11 : 13);
	/* 53 MiB of anon for hog, no swap: the largest task when cpu 0 runs out */
	for (int i = 0; i < 1700; i++)
		g_string_append_printf(t,
				       "{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"cpu\":1,\"pid\":12,"
				       "\"order\":3,\"gfp\":\"GFP_HIGHUSER_MOVABLE\","
				       "\"kind\":\"anon\"}\n",
				       10 + i, 100 + i);
	for (int i = 0; i < 210; i++)
		g_string_append_printf(t,
				       "{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"cpu\":0,\"pid\":11,"
				       "\"order\":3,\"gfp\":\"GFP_KERNEL\",\"kind\":\"kernel\"}\n",
				       1000000 + i, 5000 + i);
	g_string_append(t, "{\"t\":100000000,\"op\":\"free\",\"id\":1,\"cpu\":0}\n");
	text = g_string_free(g_steal_pointer(&t), FALSE);
	sum = ps_test_text_summary(cfg_text, tmp_dir, text);
	stall = ps_test_json_num(cJSON_GetObjectItem(sum, "totals"), "stall_ns");
	kills = ps_test_json_num(cJSON_GetObjectItem(sum, "totals"), "oom_kills");
	g_test_message("%s block: oom_kills %.0f, oom_waits %.0f, stall %.0f ns",
		       own ? "own" : "c's", kills,
		       ps_test_json_num(cJSON_GetObjectItem(sum, "totals"), "oom_waits"), stall);
	g_assert_cmpfloat(kills, ==, 1);
	cJSON_Delete(sum);
	return stall;
}

static void test_oom_wait_own_free(void)
{
	double own = oom_wait_stall(true), other = oom_wait_stall(false);

	/* OOM_REAPER_DELAY is 2 s: a's own block does not shorten the wait, c's does */
	g_assert_cmpfloat(own, >, 1e9);
	g_assert_cmpfloat(other, <, own / 2);
}

/*
 * The same wait on two nodes of 32 MiB (cpu N on node N): task a, bound to node 0 (MPOL_BIND),
 * runs node 0 out on cpu 0 and waits for the victim hog (largest on node 0); behind it on cpu 0
 * comes a pid-less free of task c's 4 MiB block, allocated on node `block_node`. On node 0 it
 * brings a's retry forward, as above; on node 1 it cannot help a request that may take pages
 * from node 0 only (oom_wait_bypass counts the free pages of the waiting allocation's zones), so
 * no retry comes before the reaper's: one OOM wait against two. Returns the run's oom_waits.
 */
static double oom_wait_bound(int block_node)
{
	static const char cfg2[] =
	    "{\"page_size\":4096,\"cpus\":[0,1],\"nodes\":[{\"zones\":{\"Normal\":{\"start_bytes\":"
	    "1073741824,\"spanned_bytes\":33554432}}},{\"zones\":{\"Normal\":{\"start_bytes\":"
	    "1107296256,\"spanned_bytes\":33554432}}}],\"distances\":[[10,20],[20,10]]}";
	GString *t = g_string_new("{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,"
				  "\"cpus\":2}\n"
				  "{\"t\":0,\"op\":\"proc\",\"pid\":11,\"comm\":\"a\","
				  "\"oom_score_adj\":0,\"mempolicy\":\"bind:0\"}\n"
				  "{\"t\":0,\"op\":\"proc\",\"pid\":12,\"comm\":\"hog\","
				  "\"oom_score_adj\":0}\n"
				  "{\"t\":0,\"op\":\"proc\",\"pid\":13,\"comm\":\"c\","
				  "\"oom_score_adj\":0}\n");
	g_autofree char *text = NULL;
	cJSON *sum;
	double waits, kills;

	g_string_append_printf(t,
			       "{\"t\":1,\"op\":\"alloc\",\"id\":1,\"cpu\":%d,\"pid\":13,"
			       "\"order\":10,\"gfp\":\"GFP_KERNEL\",\"kind\":\"kernel\"}\n",
			       block_node);
	/* 20 MiB of anon for hog on node 0, no swap: the largest task there */
	for (int i = 0; i < 640; i++)
		g_string_append_printf(t,
				       "{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"cpu\":0,\"pid\":12,"
				       "\"order\":3,\"gfp\":\"GFP_HIGHUSER_MOVABLE\","
				       "\"kind\":\"anon\"}\n",
				       10 + i, 100 + i);
	for (int i = 0; i < 400; i++)
		g_string_append_printf(t,
				       "{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"cpu\":0,\"pid\":11,"
				       "\"order\":3,\"gfp\":\"GFP_KERNEL\",\"kind\":\"kernel\"}\n",
				       1000000 + i, 5000 + i);
	g_string_append(t, "{\"t\":100000000,\"op\":\"free\",\"id\":1,\"cpu\":0}\n");
	text = g_string_free(g_steal_pointer(&t), FALSE);
	sum = ps_test_text_summary(cfg2, tmp_dir, text);
	waits = ps_test_json_num(cJSON_GetObjectItem(sum, "totals"), "oom_waits");
	kills = ps_test_json_num(cJSON_GetObjectItem(sum, "totals"), "oom_kills");
	g_test_message("c's block on node %d: oom_kills %.0f, oom_waits %.0f, stall %.0f ns",
		       block_node, kills, waits,
		       ps_test_json_num(cJSON_GetObjectItem(sum, "totals"), "stall_ns"));
	g_assert_cmpfloat(kills, ==, 1);
	cJSON_Delete(sum);
	return waits;
}

static void test_oom_wait_other_node(void)
{
	g_assert_cmpfloat(oom_wait_bound(0), ==, 2);
	g_assert_cmpfloat(oom_wait_bound(1), ==, 1);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-replay-order-XXXXXX");
	g_test_add_func("/sim/replay-order/read-before-held", test_read_before_held);
	g_test_add_func("/sim/replay-order/oom-wait-own-free", test_oom_wait_own_free);
	g_test_add_func("/sim/replay-order/oom-wait-other-node", test_oom_wait_other_node);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
