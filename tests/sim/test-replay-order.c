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

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-replay-order-XXXXXX");
	g_test_add_func("/sim/replay-order/read-before-held", test_read_before_held);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
