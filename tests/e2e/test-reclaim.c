// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-reclaim.c - end-to-end tests of the slow path, reclaim, kswapd and the OOM killer through
 * the pagesim binary: page-cache overcommit absorbed by kswapd at a low rate and stalling in
 * direct reclaim at a high one; anonymous overcommit ending in an OOM kill of the task with the
 * largest badness without swap, and swapping instead with swap; page conservation in every run.
 *
 * argv[1] is the pagesim binary.
 */
#include "../common/test-util.h"
#include "report/report.h"
#include <cjson/cJSON.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>

static const char *pagesim;

static void run_ok(const char *const *args)
{
	g_autofree char *err = NULL;

	if (ps_test_spawn(NULL, pagesim, args, NULL, &err) != 0)
		g_error("pagesim %s failed: %s", args[0], err);
}

/* order-0 page cache reads (kind file, never freed by the trace) spread over `span_ns`. */
static char *pagecache_trace(const char *dir, const char *name, unsigned pages, uint64_t span_ns)
{
	g_autoptr(GString) t = g_string_new(
	    "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":0,\"comm\":\"swapper/0\",\"oom_score_adj\":-1000}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":50,\"comm\":\"reader\"}\n");
	char *path = g_build_filename(dir, name, NULL);

	for (unsigned i = 0; i < pages; i++)
		g_string_append_printf(
		    t,
		    "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"alloc\",\"id\":%u,\"cpu\":%u,\"pid\":0,"
		    "\"order\":0,\"gfp\":\"GFP_HIGHUSER_MOVABLE\",\"kind\":\"file\"}\n",
		    span_ns * i / pages, i, i % 2);
	g_assert_true(g_file_set_contents(path, t->str, (gssize)t->len, NULL));
	return path;
}

static cJSON *summary(const char *dir)
{
	g_autofree char *p = g_build_filename(dir, "summary.json", NULL);
	g_autofree char *text = NULL;
	cJSON *j;

	g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
	j = cJSON_Parse(text);
	g_assert_nonnull(j);
	return j;
}

static double num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);

	g_assert_true(cJSON_IsNumber(x));
	return x->valuedouble;
}

/* Every page the run allocated is accounted for. */
static void check_conservation(const cJSON *s)
{
	g_assert_cmpfloat(num(s, "totals", "pages_allocated"), ==,
			  num(s, "totals", "pages_freed_trace") +
			      num(s, "totals", "pages_freed_exit") +
			      num(s, "totals", "pages_freed_reclaim") +
			      num(s, "totals", "pages_freed_oom") + num(s, "totals", "pages_live"));
}

static char *src_path(const char *rel)
{
	return g_build_filename(g_getenv("PAGESIM_SRCDIR"), rel, NULL);
}

static void pagecache_rates(gconstpointer data)
{
	const char *config = data;
	g_autofree char *dir = g_dir_make_tmp("pagesim-reclaim-XXXXXX", NULL);
	/* 40000 pages of page cache: 2.5 times what either machine (16000 pages) has. */
	g_autofree char *slow = pagecache_trace(dir, "slow.jsonl", 40000, 20000000000ull);
	g_autofree char *fast = pagecache_trace(dir, "fast.jsonl", 40000, 20000000ull);
	g_autofree char *cfg = src_path(config);
	g_autofree char *a = g_build_filename(dir, "slow", NULL);
	g_autofree char *b = g_build_filename(dir, "fast", NULL);
	const char *args_a[] = {"run", "-q", "-c", cfg, "-t", slow, "-o", a, "--check", NULL};
	const char *args_b[] = {"run", "-q", "-c", cfg, "-t", fast, "-o", b, NULL};
	cJSON *sa, *sb;

	run_ok(args_a);
	run_ok(args_b);
	sa = summary(a);
	sb = summary(b);
	/* 2000 pages/s: kswapd keeps up, nobody stalls, nothing fails. */
	g_assert_cmpfloat(num(sa, "vm_events", "pgsteal_kswapd"), >, 20000);
	g_assert_cmpfloat(num(sa, "vm_events", "pgsteal_direct"), ==, 0);
	g_assert_cmpfloat(num(sa, "vm_events", "allocstall_movable"), ==, 0);
	g_assert_cmpfloat(num(sa, "vm_events", "allocstall_dma"), ==, 0);
	g_assert_cmpfloat(num(sa, "vm_events", "pageoutrun"), >, 0);
	g_assert_cmpfloat(num(sa, "totals", "alloc_failed"), ==, 0);
	/* 2 M pages/s: faster than kswapd reclaims, allocators stall in direct reclaim. */
	g_assert_cmpfloat(
	    num(sb, "vm_events", "allocstall_movable") + num(sb, "vm_events", "allocstall_normal") +
		num(sb, "vm_events", "allocstall_dma32") + num(sb, "vm_events", "allocstall_dma"),
	    >, 0);
	g_assert_cmpfloat(num(sb, "vm_events", "pgsteal_direct"), >, 0);
	g_assert_cmpfloat(num(sb, "totals", "direct_reclaims"), >, 0);
	g_assert_cmpfloat(num(sb, "totals", "alloc_failed"), ==, 0);
	check_conservation(sa);
	check_conservation(sb);
	cJSON_Delete(sa);
	cJSON_Delete(sb);
	ps_test_rm_rf(dir);
}

/*
 * Every stalled nanosecond, the OOM waits included, is in the latency sample of the allocation
 * that stalled: the allocation rows' sums cover totals.stall_ns.
 */
static void check_stall_in_latency(cJSON *sum_json)
{
	const cJSON *lat = cJSON_GetObjectItem(sum_json, "latency"), *p;
	double sum = 0;

	/* the fault rows are not allocations: their stalls are in their allocations' rows */
	cJSON_ArrayForEach(p, lat) if (!ps_lat_row_is_fault(p->string)) sum +=
	    cJSON_GetObjectItem(p, "sum_ns")->valuedouble;
	g_test_message("allocation latency sum %.0f ns, stall %.0f ns", sum,
		       num(sum_json, "totals", "stall_ns"));
	g_assert_cmpfloat(sum, >=, num(sum_json, "totals", "stall_ns"));
}

/* kbuild-10s in 64 MiB: tasks other than the victims wait for the reaper, in their latency. */
static void test_oom_wait_latency(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-reclaim-XXXXXX", NULL);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *trace = src_path("workloads/kbuild-10s.jsonl.gz");
	g_autofree char *out = g_build_filename(dir, "run", NULL);
	const char *run[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};
	cJSON *s;

	run_ok(run);
	s = summary(out);
	g_assert_cmpfloat(num(s, "totals", "oom_kills"), >, 0);
	g_assert_cmpfloat(num(s, "totals", "oom_waits"), >, 0);
	check_stall_in_latency(s);
	check_conservation(s);
	cJSON_Delete(s);
	ps_test_rm_rf(dir);
}

static void test_anon_overcommit(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-reclaim-XXXXXX", NULL);
	g_autofree char *trace = g_build_filename(dir, "oom.jsonl.gz", NULL);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *swapcfg = g_build_filename(dir, "swap.json", NULL);
	g_autofree char *a = g_build_filename(dir, "noswap", NULL);
	g_autofree char *b = g_build_filename(dir, "swap", NULL);
	g_autofree char *evp = g_build_filename(a, "events.jsonl", NULL);
	g_autofree char *cfgtext = NULL, *events = NULL;
	const char *gen[] = {"gen",	"oom-hog", "--seconds", "5", "--param",
			     "mem=64M", "-o",	   trace,	NULL};
	const char *run_a[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", a, NULL};
	const char *run_b[] = {"run", "-q", "-c", swapcfg, "-t", trace, "-o", b, NULL};
	cJSON *sa, *sb, *c;
	char *line;
	int kills = 0;

	run_ok(gen);
	/* The same machine with 256 MiB of swap. */
	g_assert_true(g_file_get_contents(cfg, &cfgtext, NULL, NULL));
	c = cJSON_Parse(cfgtext);
	cJSON_AddItemToObject(c, "swap", cJSON_Parse("{\"size_bytes\": 268435456}"));
	{
		char *t = cJSON_Print(c);

		g_assert_true(g_file_set_contents(swapcfg, t, -1, NULL));
		cJSON_free(t);
	}
	cJSON_Delete(c);

	run_ok(run_a);
	run_ok(run_b);
	sa = summary(a);
	sb = summary(b);
	/* No swap: one OOM kill, of the hog (largest badness), and the trace runs to its end. */
	g_assert_cmpfloat(num(sa, "vm_events", "oom_kill"), ==, 1);
	g_assert_cmpfloat(num(sa, "totals", "oom_kills"), ==, 1);
	g_assert_cmpfloat(num(sa, "totals", "events_skipped_killed"), >, 0);
	g_assert_cmpfloat(num(sa, "totals", "pages_freed_oom"), >, 0);
	g_assert_true(g_file_get_contents(evp, &events, NULL, NULL));
	for (line = strtok(events, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *e = cJSON_Parse(line);

		if (!strcmp(cJSON_GetObjectItem(e, "type")->valuestring, "oom_kill")) {
			g_assert_cmpstr(cJSON_GetObjectItem(e, "comm")->valuestring, ==, "hog");
			g_assert_cmpfloat(cJSON_GetObjectItem(e, "badness")->valuedouble, >, 0);
			kills++;
		}
		cJSON_Delete(e);
	}
	g_assert_cmpint(kills, ==, 1);
	/*
	 * The hog was killed in its own allocation: it retried with ALLOC_OOM and exited, so
	 * nothing waited for the reaper.
	 */
	g_assert_cmpfloat(num(sa, "totals", "oom_waits"), ==, 0);
	check_stall_in_latency(sa);
	/* With swap the same trace swaps instead. */
	g_assert_cmpfloat(num(sb, "vm_events", "oom_kill"), ==, 0);
	g_assert_cmpfloat(num(sb, "vm_events", "pswpout"), >, 0);
	g_assert_cmpfloat(num(sb, "vm_events", "pgsteal_anon"), >, 0);
	check_conservation(sa);
	check_conservation(sb);
	cJSON_Delete(sa);
	cJSON_Delete(sb);
	ps_test_rm_rf(dir);
}

/* drop_caches 3: clean page cache and reclaimable slab go, dirty page cache stays. */
static void test_drop_caches(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-reclaim-XXXXXX", NULL);
	g_autofree char *trace = g_build_filename(dir, "drop.jsonl", NULL);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autofree char *evp = g_build_filename(out, "events.jsonl", NULL);
	g_autofree char *events = NULL;
	const char *args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, "--check", NULL};
	g_autoptr(GString) t = g_string_new(
	    "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":0,\"comm\":\"swapper/0\",\"oom_score_adj\":-1000}\n");
	uint64_t id = 0, tt = 1000;
	cJSON *sum;
	const char *p;

	for (int i = 0; i < 1000; i++, id++, tt += 1000)
		g_string_append_printf(
		    t,
		    "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"alloc\",\"id\":%" G_GUINT64_FORMAT
		    ",\"cpu\":0,\"pid\":0,\"order\":0,\"gfp\":\"GFP_HIGHUSER_MOVABLE\","
		    "\"kind\":\"file\"}\n",
		    tt, id);
	for (int i = 0; i < 200; i++, id++, tt += 1000)
		g_string_append_printf(
		    t,
		    "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"alloc\",\"id\":%" G_GUINT64_FORMAT
		    ",\"cpu\":0,\"pid\":0,\"order\":0,"
		    "\"gfp\":\"GFP_HIGHUSER_MOVABLE|__GFP_WRITE\",\"kind\":\"file\"}\n",
		    tt, id);
	for (int i = 0; i < 300; i++, id++, tt += 1000)
		g_string_append_printf(
		    t,
		    "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"alloc\",\"id\":%" G_GUINT64_FORMAT
		    ",\"cpu\":1,\"pid\":0,\"order\":0,"
		    "\"gfp\":\"GFP_KERNEL|__GFP_RECLAIMABLE\",\"kind\":\"slab_reclaimable\"}\n",
		    tt, id);
	g_string_append_printf(
	    t, "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"drop_caches\",\"value\":3}\n", tt);
	g_assert_true(g_file_set_contents(trace, t->str, (gssize)t->len, NULL));
	run_ok(args);
	sum = summary(out);
	g_assert_cmpfloat(num(sum, "vm_events", "drop_pagecache"), ==, 1);
	g_assert_cmpfloat(num(sum, "vm_events", "drop_slab"), ==, 1);
	g_assert_cmpfloat(num(sum, "totals", "pages_live"), ==, 200);
	g_assert_cmpfloat(num(sum, "totals", "pages_freed_reclaim"), ==, 1300);
	check_conservation(sum);
	g_assert_true(g_file_get_contents(evp, &events, NULL, NULL));
	p = strstr(events, "\"type\":\"drop_caches\"");
	g_assert_nonnull(p);
	g_assert_nonnull(strstr(p, "\"freed_pages\":1300"));
	cJSON_Delete(sum);
	ps_test_rm_rf(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(argc, >=, 2);
	pagesim = argv[1];
	g_test_add_data_func("/e2e/reclaim/pagecache-kswapd-vs-direct/4k",
			     "configs/small-4k-64m.json", pagecache_rates);
	g_test_add_data_func("/e2e/reclaim/pagecache-kswapd-vs-direct/64k",
			     "configs/small-64k-1g.json", pagecache_rates);
	g_test_add_func("/e2e/reclaim/anon-overcommit-oom-or-swap", test_anon_overcommit);
	g_test_add_func("/e2e/reclaim/oom-wait-latency", test_oom_wait_latency);
	g_test_add_func("/e2e/reclaim/drop-caches", test_drop_caches);
	return g_test_run();
}
