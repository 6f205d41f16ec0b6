// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-table-free.c - tlb_remove_table without its batch page (sim/process.c, tables_free).
 * A task maps 1.5 GiB and touches one page in each of 600 PMD ranges (600 PTE pages), then
 * GFP_ATOMIC kernel allocations take the 64 MiB zone below its min watermark (no swap: kswapd
 * has nothing to take back), and the task unmaps the whole range. Every GFP_NOWAIT batch page
 * fails, so in 6.18 tlb_remove_table asks again at each table (one failure a table) and, on
 * x86-64 with PT_RECLAIM, __tlb_remove_table_one queues each table alone with call_rcu: none is
 * freed by the unmap itself, all of them a grace period (RCU_TABLE_GP_NS, 24 ms) later.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../common/policy-run.h"

#define MB     (1024ull * 1024ull)
#define BASE   (1ull << 36)
#define RANGES 600

static char *tmp_dir;

/*
 * The trace, its last record `tail_ns` after the unmap at 1 s: a free of the filler's last
 * allocation, which failed (nothing is freed).
 */
static char *trace_text(uint64_t tail_ns)
{
	GString *t = g_string_new("{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,"
				  "\"cpus\":1}\n"
				  "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"mapper\","
				  "\"oom_score_adj\":0}\n"
				  "{\"t\":0,\"op\":\"proc\",\"pid\":11,\"comm\":\"filler\","
				  "\"oom_score_adj\":0}\n");
	static const unsigned orders[] = {9, 4, 0};
	static const unsigned counts[] = {40, 200, 1000};
	uint64_t id = 1, t_ns = 1000;

	g_string_append_printf(
	    t, "{\"t\":1,\"op\":\"map\",\"pid\":10,\"addr\":%llu,\"len\":%llu}\n", BASE, 1536 * MB);
	for (unsigned i = 0; i < RANGES; i++)
		g_string_append_printf(t,
				       "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"touch\",\"pid\":10,"
				       "\"addr\":%llu,\"len\":4096}\n",
				       t_ns++, BASE + i * 2 * MB);
	for (unsigned o = 0; o < G_N_ELEMENTS(orders); o++)
		for (unsigned i = 0; i < counts[o]; i++)
			g_string_append_printf(
			    t,
			    "{\"t\":%" G_GUINT64_FORMAT
			    ",\"op\":\"alloc\",\"id\":%" G_GUINT64_FORMAT
			    ",\"cpu\":0,\"pid\":11,\"order\":%u,\"gfp\":\"GFP_ATOMIC\","
			    "\"kind\":\"kernel\"}\n",
			    t_ns++, id++, orders[o]);
	g_string_append_printf(
	    t, "{\"t\":1000000000,\"op\":\"unmap\",\"pid\":10,\"addr\":%llu,\"len\":%llu}\n", BASE,
	    1536 * MB);
	g_string_append_printf(t,
			       "{\"t\":%" G_GUINT64_FORMAT
			       ",\"op\":\"free\",\"id\":%" G_GUINT64_FORMAT ",\"cpu\":0}\n",
			       1000000000 + tail_ns, id - 1);
	return g_string_free(t, FALSE);
}

/* Runs the trace ending tail_ns after the unmap; returns summary.json (free with cJSON_Delete). */
static cJSON *run(uint64_t tail_ns)
{
	static const char cfg_text[] =
	    "{\"page_size\":4096,\"cpus\":1,\"nodes\":[{\"zones\":{\"Normal\":{\"start_bytes\":"
	    "1073741824,\"spanned_bytes\":67108864}}}]}";
	g_autofree char *text = trace_text(tail_ns);

	return ps_test_text_summary(cfg_text, tmp_dir, text);
}

static double num(const cJSON *summary, const char *section, const char *key)
{
	return ps_test_json_num(cJSON_GetObjectItem(summary, section), key);
}

static void test_no_batch_page(void)
{
	cJSON *early = run(1000000), *late = run(50000000);
	double failed = num(late, "totals", "table_batch_failed");

	g_test_message("table_batch_failed %.0f, tables_rcu_freed %.0f; pages_freed_trace %.0f "
		       "(1 ms after the unmap) %.0f (50 ms)",
		       failed, num(late, "totals", "tables_rcu_freed"),
		       num(early, "totals", "pages_freed_trace"),
		       num(late, "totals", "pages_freed_trace"));
	/* one failure a table: the 600 PTE pages and the PMD and PUD pages above them */
	g_assert_cmpfloat(num(late, "totals", "table_batch_pages"), ==, 0);
	g_assert_cmpfloat(failed, >=, RANGES + 2);
	g_assert_cmpfloat(failed, ==, num(early, "totals", "table_batch_failed"));
	/* each table waits its grace period: none freed by the unmap, all of them 24 ms on */
	g_assert_cmpfloat(num(early, "totals", "tables_rcu_freed"), ==, 0);
	g_assert_cmpfloat(num(early, "totals", "pages_freed_trace"), ==, RANGES);
	g_assert_cmpfloat(num(late, "totals", "tables_rcu_freed"), ==, failed);
	g_assert_cmpfloat(num(late, "totals", "pages_freed_trace"), ==, RANGES + failed);
	cJSON_Delete(early);
	cJSON_Delete(late);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-table-free-XXXXXX");
	g_test_add_func("/sim/table-free/no-batch-page", test_no_batch_page);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
