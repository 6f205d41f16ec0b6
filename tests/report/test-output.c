// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-output.c - report/output.c: timeline.csv has one column per order of the machine and a
 * fresh machine's rows equal values worked out by hand; latency.csv and events.jsonl rows are
 * exact; the same inputs give the same bytes.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../common/fixture.h"
#include "report/report.h"
#include "../common/test-util.h"

static void rm_dir(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, n, NULL);

		g_assert_cmpint(g_unlink(p), ==, 0);
	}
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/*
 * A 4K machine with min_free_kbytes 1024 (pages_min 256): DMA [1, 4096) managing its last
 * 3840 pages and Normal [4096, 20480) with 16384. lowmem = 20224.
 *   DMA    min 256 * 3840 / 20224 = 48, gap max(12, 3) = 12 -> 48/60/72
 *   Normal min 256 * 16384 / 20224 = 207, gap max(51, 16) = 51 -> 207/258/309
 * Fresh free lists: DMA one block of order 8 (256), 9 (512), three of 10 (1024, 2048, 3072);
 * Normal sixteen of order 10. DMA at order 9: S = 1 + 3 * 2 = 7, unusable
 * (3840 - 7 * 512) * 1000 / 3840 = 66; whole free pageblocks 1 + 3 * 2 = 7; pageblocks by
 * type: ceil(3840 / 512) = 8 steps, all MOVABLE as booted.
 */
static PsMachine *timeline_machine(uint32_t page_size)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, page_size, 2);
	spec.sysctl.min_free_kbytes = 1024;
	spec.sysctl.user_min_free_kbytes = 1024;
	if (page_size == 4096) {
		fixture_zone(&spec, 0, PS_ZONE_DMA, 1, 4095, 3840);
		fixture_zone(&spec, 0, PS_ZONE_NORMAL, 4096, 16384, 16384);
	} else {
		fixture_zone(&spec, 0, PS_ZONE_NORMAL, 1u << spec.max_order, 2u << spec.max_order,
			     2u << spec.max_order);
	}
	return fixture_machine(&spec);
}

#define TIMELINE_TAIL                                                                              \
	"unusable_pb,fragindex_pb,unusable_2m,fragindex_2m,largest_free_bytes,free_pageblocks,"    \
	"pb_unmovable,pb_movable,pb_reclaimable,pb_highatomic,pb_isolate,mixed_pageblocks,"        \
	"wmark_min,wmark_low,wmark_high,boost,wmark_state,kswapd_active,kcompactd_active,"         \
	"direct_reclaims,oom_kills\n"

static const char timeline_4k_header[] =
    "t_ns,node,zone,free_pages,free_bytes,free_blocks_o0,free_blocks_o1,free_blocks_o2,"
    "free_blocks_o3,free_blocks_o4,free_blocks_o5,free_blocks_o6,free_blocks_o7,free_blocks_o8,"
    "free_blocks_o9,free_blocks_o10," TIMELINE_TAIL;

static void test_timeline_fresh(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-output-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "timeline.csv", NULL);
	g_autoptr(PsMachine) m = timeline_machine(4096);
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL, *want = NULL;
	PsZoneSampleExtra *extra = g_new0(PsZoneSampleExtra, m->nr_zones);
	PsZone *normal = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsTimeline *tl = ps_timeline_new(path, m, &error);

	g_assert_no_error(error);
	ps_timeline_sample(tl, 0, m, NULL);
	/* The simulator's extra facts land in the zone's row; boosts raise every mark. */
	extra[normal->idx].mixed_pageblocks = 3;
	extra[normal->idx].kswapd_active = 1;
	extra[normal->idx].kcompactd_active = 1;
	extra[normal->idx].direct_reclaims = 4;
	extra[normal->idx].oom_kills = 2;
	normal->watermark_boost = 16100; /* 16307/16358/16409: 16384 free is below high */
	ps_timeline_sample(tl, 1000000000ull, m, extra);
	normal->watermark_boost = 16130; /* low 16388 */
	ps_timeline_sample(tl, 2000000000ull, m, NULL);
	normal->watermark_boost = 16177; /* min 16384: free == min fails the check */
	ps_timeline_sample(tl, 3000000000ull, m, NULL);
	normal->watermark_boost = 0;
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_true(ps_timeline_close(tl, &error));
	g_assert_no_error(error);

	want = g_strconcat(
	    timeline_4k_header,
	    "0,0,DMA,3840,15728640,0,0,0,0,0,0,0,0,1,1,3,0.066,-1.000,0.066,-1.000,4194304,7,"
	    "0,8,0,0,0,0,48,60,72,0,ok,0,0,0,0\n",
	    "0,0,Normal,16384,67108864,0,0,0,0,0,0,0,0,0,0,16,0.000,-1.000,0.000,-1.000,4194304,32,"
	    "0,32,0,0,0,0,207,258,309,0,ok,0,0,0,0\n",
	    "1000000000,0,DMA,3840,15728640,0,0,0,0,0,0,0,0,1,1,3,0.066,-1.000,0.066,-1.000,"
	    "4194304,7,0,8,0,0,0,0,48,60,72,0,ok,0,0,0,0\n",
	    "1000000000,0,Normal,16384,67108864,0,0,0,0,0,0,0,0,0,0,16,0.000,-1.000,0.000,-1.000,"
	    "4194304,32,0,32,0,0,0,3,16307,16358,16409,16100,below_high,1,1,4,2\n",
	    "2000000000,0,DMA,3840,15728640,0,0,0,0,0,0,0,0,1,1,3,0.066,-1.000,0.066,-1.000,"
	    "4194304,7,0,8,0,0,0,0,48,60,72,0,ok,0,0,0,0\n",
	    "2000000000,0,Normal,16384,67108864,0,0,0,0,0,0,0,0,0,0,16,0.000,-1.000,0.000,-1.000,"
	    "4194304,32,0,32,0,0,0,0,16337,16388,16439,16130,below_low,0,0,0,0\n",
	    "3000000000,0,DMA,3840,15728640,0,0,0,0,0,0,0,0,1,1,3,0.066,-1.000,0.066,-1.000,"
	    "4194304,7,0,8,0,0,0,0,48,60,72,0,ok,0,0,0,0\n",
	    "3000000000,0,Normal,16384,67108864,0,0,0,0,0,0,0,0,0,0,16,0.000,-1.000,0.000,-1.000,"
	    "4194304,32,0,32,0,0,0,0,16384,16435,16486,16177,below_min,0,0,0,0\n",
	    NULL);
	text = ps_test_slurp(path);
	g_assert_cmpstr(text, ==, want);
	g_free(extra);
	rm_dir(dir);
}

/* One free_blocks column per order: 12 at 16K (MAX_PAGE_ORDER 11), 14 at 64K (13). */
static void test_timeline_columns_per_order(void)
{
	static const uint32_t sizes[] = {16384, 65536};
	static const unsigned nr_orders[] = {12, 14};

	for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autofree char *dir = ps_test_make_dir("pagesim-output-XXXXXX");
		g_autofree char *path = g_build_filename(dir, "timeline.csv", NULL);
		g_autoptr(PsMachine) m = timeline_machine(sizes[i]);
		g_autoptr(GError) error = NULL;
		g_autofree char *text = NULL, *last = NULL, *next = NULL;
		g_auto(GStrv) lines = NULL, header = NULL, row = NULL;
		PsTimeline *tl = ps_timeline_new(path, m, &error);

		g_assert_no_error(error);
		ps_timeline_sample(tl, 7, m, NULL);
		g_assert_true(ps_timeline_close(tl, &error));
		text = ps_test_slurp(path);
		lines = g_strsplit(text, "\n", -1);
		header = g_strsplit(lines[0], ",", -1);
		row = g_strsplit(lines[1], ",", -1);
		last = g_strdup_printf("free_blocks_o%u", nr_orders[i] - 1);
		next = g_strdup_printf("free_blocks_o%u", nr_orders[i]);
		g_assert_cmpuint(g_strv_length(header), ==, 5 + nr_orders[i] + 21);
		g_assert_cmpuint(g_strv_length(row), ==, g_strv_length(header));
		g_assert_cmpstr(header[5 + nr_orders[i] - 1], ==, last);
		g_assert_false(g_strv_contains((const char *const *)header, next));
		g_assert_cmpstr(header[5 + nr_orders[i]], ==, "unusable_pb");
		/* Two max-order blocks; the 2 MiB order (7 at 16K, 5 at 64K) is fully usable. */
		g_assert_cmpstr(row[2], ==, "Normal");
		g_assert_cmpstr(row[5 + nr_orders[i] - 1], ==, "2");
		g_assert_cmpstr(row[5 + nr_orders[i] + 2], ==, "0.000");
		g_assert_cmpstr(row[5 + nr_orders[i] + 3], ==, "-1.000");
		g_assert_cmpstr(lines[2], ==, "");
		g_assert_null(lines[3]);
		rm_dir(dir);
	}
}

static void test_timeline_abort_and_determinism(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-output-XXXXXX");
	g_autofree char *p1 = g_build_filename(dir, "a.csv", NULL);
	g_autofree char *p2 = g_build_filename(dir, "b.csv", NULL);
	g_autofree char *p3 = g_build_filename(dir, "c.csv", NULL);
	g_autofree char *t1 = NULL, *t2 = NULL, *listing = NULL;
	const char *paths[] = {p1, p2};

	for (int k = 0; k < 2; k++) {
		g_autoptr(PsMachine) m = timeline_machine(4096);
		g_autoptr(GError) error = NULL;
		PsTimeline *tl = ps_timeline_new(paths[k], m, &error);

		for (uint64_t t = 0; t < 5; t++)
			ps_timeline_sample(tl, t * 100, m, NULL);
		g_assert_true(ps_timeline_close(tl, &error));
	}
	t1 = ps_test_slurp(p1);
	t2 = ps_test_slurp(p2);
	g_assert_cmpstr(t1, ==, t2);
	{
		g_autoptr(PsMachine) m = timeline_machine(4096);
		PsTimeline *tl = ps_timeline_new(p3, m, NULL);

		ps_timeline_sample(tl, 0, m, NULL);
		ps_timeline_abort(tl);
	}
	listing = ps_test_dir_listing(dir);
	g_assert_cmpstr(listing, ==, "a.csv b.csv");
	rm_dir(dir);
}

static void test_latency_log(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-output-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "latency.csv", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	PsHist *h = g_new(PsHist, PS_NR_LAT_ROWS);
	PsLatencyLog *l = ps_latency_log_new(path, &error);

	g_assert_no_error(error);
	for (int p = 0; p < PS_NR_LAT_ROWS; p++)
		ps_hist_reset(&h[p]);
	ps_hist_add(&h[PS_PATH_PCP], 100);
	ps_hist_add(&h[PS_PATH_PCP], 200);
	ps_hist_add(&h[PS_PATH_PCP], 300);
	ps_hist_add(&h[PS_PATH_SLOW], 5000);
	ps_latency_log_window(l, 1000, 2000, h);
	for (int p = 0; p < PS_NR_LAT_ROWS; p++)
		ps_hist_reset(&h[p]);
	ps_latency_log_window(l, 2000, 3000, h); /* nothing allocated: no rows */
	ps_hist_add(&h[PS_PATH_COMPACTION], 20);
	ps_latency_log_window(l, 3000, 4000, h);
	g_assert_true(ps_latency_log_close(l, &error));
	text = ps_test_slurp(path);
	/*
	 * pcp p50 is the 2nd of 3 values, 200, in [200, 207]; p90 and up the 3rd, 300, in
	 * [288, 303], capped at the maximum. 5000 lies in [4864, 5119]. 20 is exact.
	 */
	g_assert_cmpstr(text, ==,
			"t_start_ns,t_end_ns,path,count,p50_ns,p90_ns,p99_ns,p999_ns,max_ns\n"
			"1000,2000,pcp,3,207,300,300,300,300\n"
			"1000,2000,slow,1,5000,5000,5000,5000,5000\n"
			"3000,4000,compaction,1,20,20,20,20,20\n");
	g_free(h);
	rm_dir(dir);
}

static void test_event_log(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-output-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "events.jsonl", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	PsEventLog *l = ps_event_log_new(path, &error);
	cJSON *f = cJSON_CreateObject();
	cJSON *g = cJSON_CreateObject();

	g_assert_no_error(error);
	cJSON_AddNumberToObject(f, "node", 0);
	cJSON_AddNumberToObject(f, "order", 3);
	ps_event_log_write(l, 5, "kswapd_wake", f);
	ps_event_log_write(l, 1000000000000000001ull, "odd \"type\"\n", NULL);
	cJSON_AddStringToObject(g, "result", "complete");
	cJSON_AddItemToObject(g, "zones", cJSON_CreateIntArray((const int[]){1, 2}, 2));
	ps_event_log_write(l, 6, "compaction", g);
	ps_event_log_write(l, 7, "empty", cJSON_CreateObject());
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_true(ps_event_log_close(l, &error));
	text = ps_test_slurp(path);
	g_assert_cmpstr(
	    text, ==,
	    "{\"t\":5,\"type\":\"kswapd_wake\",\"node\":0,\"order\":3}\n"
	    "{\"t\":1000000000000000001,\"type\":\"odd \\\"type\\\"\\n\"}\n"
	    "{\"t\":6,\"type\":\"compaction\",\"result\":\"complete\",\"zones\":[1,2]}\n"
	    "{\"t\":7,\"type\":\"empty\"}\n");
	/* Every line is a JSON object of its own. */
	lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i] && *lines[i]; i++) {
		cJSON *o = cJSON_Parse(lines[i]);

		g_assert_true(cJSON_IsObject(o));
		g_assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "type")));
		cJSON_Delete(o);
	}
	rm_dir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/report/output/timeline/fresh-machine", test_timeline_fresh);
	g_test_add_func("/report/output/timeline/columns-per-order",
			test_timeline_columns_per_order);
	g_test_add_func("/report/output/timeline/abort-and-determinism",
			test_timeline_abort_and_determinism);
	g_test_add_func("/report/output/latency", test_latency_log);
	g_test_add_func("/report/output/events", test_event_log);
	return g_test_run();
}
