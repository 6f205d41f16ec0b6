// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-khugepaged.c - sim/khugepaged.c's rules on hand-made portable traces (4 KiB pages: a PMD
 * range is 2 MiB, 512 pages; THP always). A task maps 64 KiB chunks one after the other from a
 * 2 MiB-aligned address, so that each chunk is a mapping of its own, too small for a THP fault:
 * its pages fault as base pages, and the chunks together make one merged VMA as the kernel's
 * vma_merge_new_range would. The chunks' touches leave some pages out. Then (the trigger) one
 * more chunk is mapped beside them: the merged mapping, which now has an anon_vma and holds
 * whole PMD ranges, registers the task with khugepaged (khugepaged_enter_vma), whose first pass
 * runs at once.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "../common/policy-run.h"

#define KB    ((uint64_t)1024)
#define MB    (KB * KB)
#define BASE  ((uint64_t)1 << 36)
#define CHUNK (64 * KB)

static char *tmp_dir;

typedef struct {
	unsigned ranges;      /* 2 MiB ranges the chunks cover */
	unsigned skip;	      /* pages left untouched in each range (the first ones of it) */
	const char *thp;      /* the config's "thp" */
	const char *khp;      /* the config's "khugepaged" object, NULL: none */
	bool trigger;	      /* map the chunk after them (else no registration) */
	uint64_t until_ns;    /* 0: the whole trace */
	uint64_t trigger_ns;  /* when the trigger chunk is mapped */
	bool touch_first;     /* touch each chunk right after its map (else all maps first) */
	bool madvise_trigger; /* the trigger maps with MADV_HUGEPAGE advice */
} Case;

static char *trace_text(const Case *c)
{
	GString *t = g_string_new("{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,"
				  "\"cpus\":2}\n"
				  "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"task\","
				  "\"oom_score_adj\":0}\n");
	uint64_t chunks = c->ranges * 2 * MB / CHUNK, t_ns = 1000;

	for (uint64_t i = 0; i < chunks; i++) {
		uint64_t a = BASE + i * CHUNK;

		g_string_append_printf(t,
				       "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"map\",\"pid\":10,"
				       "\"addr\":%" G_GUINT64_FORMAT ",\"len\":%" G_GUINT64_FORMAT
				       "}\n",
				       t_ns++, a, CHUNK);
		if (!c->touch_first)
			continue;
		for (uint64_t o = 0; o < CHUNK; o += 4 * KB)
			if ((a + o - BASE) % (2 * MB) / (4 * KB) >= c->skip)
				g_string_append_printf(t,
						       "{\"t\":%" G_GUINT64_FORMAT
						       ",\"op\":\"touch\",\"pid\":10,\"cpu\":0,"
						       "\"addr\":%" G_GUINT64_FORMAT
						       ",\"len\":4096}\n",
						       t_ns++, a + o);
	}
	if (!c->touch_first)
		for (uint64_t a = BASE; a < BASE + chunks * CHUNK; a += 4 * KB)
			if ((a - BASE) % (2 * MB) / (4 * KB) >= c->skip)
				g_string_append_printf(t,
						       "{\"t\":%" G_GUINT64_FORMAT
						       ",\"op\":\"touch\",\"pid\":10,\"cpu\":0,"
						       "\"addr\":%" G_GUINT64_FORMAT
						       ",\"len\":4096}\n",
						       t_ns++, a);
	if (c->trigger)
		g_string_append_printf(
		    t,
		    "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"map\",\"pid\":10,\"cpu\":0,"
		    "\"addr\":%" G_GUINT64_FORMAT ",\"len\":%" G_GUINT64_FORMAT "%s}\n",
		    MAX(t_ns, c->trigger_ns), BASE + chunks * CHUNK, CHUNK,
		    c->madvise_trigger ? ",\"thp\":true" : "");
	/* the end: 30 s on, so that later passes can run */
	g_string_append_printf(t,
			       "{\"t\":30000000000,\"op\":\"touch\",\"pid\":10,\"cpu\":0,"
			       "\"addr\":%" G_GUINT64_FORMAT ",\"len\":4096}\n",
			       BASE + chunks * CHUNK);
	return g_string_free(t, FALSE);
}

static cJSON *run(const Case *c)
{
	g_autofree char *cfg_text = g_strdup_printf(
	    "{\"page_size\":4096,\"cpus\":2,\"thp\":\"%s\"%s%s,\"nodes\":[{\"zones\":{\"Normal\":"
	    "{\"start_bytes\":1073741824,\"spanned_bytes\":268435456}}}]}",
	    c->thp, c->khp ? ",\"khugepaged\":" : "", c->khp ? c->khp : "");
	g_autofree char *text = trace_text(c);
	g_autofree char *out = g_build_filename(tmp_dir, "run", NULL);
	g_autofree char *trace = g_build_filename(tmp_dir, "t.jsonl", NULL);
	g_autoptr(GError) error = NULL;
	PsConfig *cfg = ps_test_config_text(cfg_text);
	PsRunOptions o = {0};
	PsSim *sim;
	cJSON *sum;

	g_assert_true(g_file_set_contents(trace, text, -1, &error));
	o.out_dir = out;
	o.until_ns = c->until_ns;
	sim = ps_sim_new(cfg, &o, &error);
	g_assert_no_error(error);
	g_assert_true(ps_sim_run(sim, trace, &error));
	g_assert_no_error(error);
	ps_sim_free(sim);
	ps_config_free(cfg);
	sum = ps_test_read_summary(out);
	ps_test_rm_rf(out);
	return sum;
}

static double num(const cJSON *sum, const char *section, const char *key)
{
	return ps_test_json_num(cJSON_GetObjectItem(sum, section), key);
}

static double collapsed(const cJSON *sum)
{
	double n = num(sum, "vm_events", "thp_collapse_alloc");

	g_test_message("passes %.0f, collapses %.0f, exceed_none %.0f, alloc_failed %.0f, "
		       "anon pages %.0f",
		       num(sum, "totals", "khugepaged_passes"), n,
		       num(sum, "vm_events", "thp_scan_exceed_none_pte"),
		       num(sum, "vm_events", "thp_collapse_alloc_failed"),
		       ps_test_json_num(cJSON_GetArrayItem(cJSON_GetObjectItem(sum, "procs"), 0),
					"anon_peak_bytes") /
			   4096);
	/* khugepaged/pages_collapsed counts the same ranges */
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_collapsed"), ==, n);
	return n;
}

/*
 * max_ptes_none: chunks touched as they are mapped. The last chunk's map makes the merged
 * mapping hold the range, so the registration and the first pass come before its pages are
 * touched (as in the 16K lab run 1, where the range's last pages were faulted within ms of the
 * wake): 31 chunks of 16 pages, less the 16 left out, are present, 32 PTEs empty. That collapses
 * with the default 511 and with 32, not with 31.
 */
static void test_max_ptes_none(void)
{
	Case c = {.ranges = 1, .skip = 16, .thp = "always", .touch_first = true};
	cJSON *sum = run(&c);

	g_assert_cmpfloat(collapsed(sum), ==, 1);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_mms"), ==, 1);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_passes"), >=, 1);
	/* the old pages freed; the range's 512 pages are the THP's (the last chunk's touches
	 * find them mapped) */
	g_assert_cmpfloat(num(sum, "totals", "pages_freed_trace"), ==, 31 * 16 - 16);
	g_assert_cmpfloat(num(sum, "totals", "touch_faults"), ==, 31 * 16 - 16 + 1);
	cJSON_Delete(sum);
	/* the first pass only (the next one would find the last chunk touched) */
	c.khp = "{\"max_ptes_none\":32}";
	c.until_ns = 5000000000;
	sum = run(&c);
	g_assert_cmpfloat(collapsed(sum), ==, 1);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_passes"), ==, 1);
	cJSON_Delete(sum);
	/* 31: the first pass leaves it; the next, scan_sleep_millisecs (10 s) later, finds the
	 * last chunk touched and collapses it */
	c.khp = "{\"max_ptes_none\":31}";
	c.until_ns = 5000000000;
	sum = run(&c);
	g_assert_cmpfloat(collapsed(sum), ==, 0);
	g_assert_cmpfloat(num(sum, "vm_events", "thp_scan_exceed_none_pte"), ==, 1);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_passes"), ==, 1);
	cJSON_Delete(sum);
	c.until_ns = 0;
	sum = run(&c);
	g_assert_cmpfloat(collapsed(sum), ==, 1);
	g_assert_cmpfloat(num(sum, "vm_events", "thp_scan_exceed_none_pte"), ==, 1);
	g_assert_cmpfloat(num(sum, "totals", "pages_freed_trace"), ==, 32 * 16 - 16);
	cJSON_Delete(sum);
}

/*
 * Registration (khugepaged_enter_vma: a mapping with an anon_vma that holds a PMD range): all
 * chunks mapped first, touched after: no map found an anon_vma, so none without the trigger;
 * with it, one, and both ranges collapse in its pass. None with THP madvise (no VM_HUGEPAGE);
 * with THP madvise a MADV_HUGEPAGE trigger is a VMA of its own (other flags), too small: none.
 */
static void test_registration(void)
{
	Case c = {.ranges = 2, .thp = "always", .trigger = false, .touch_first = false};
	cJSON *sum = run(&c);

	g_assert_cmpfloat(num(sum, "totals", "khugepaged_mms"), ==, 0);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_passes"), ==, 0);
	g_assert_cmpfloat(collapsed(sum), ==, 0);
	cJSON_Delete(sum);
	c.trigger = true;
	sum = run(&c);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_mms"), ==, 1);
	g_assert_cmpfloat(collapsed(sum), ==, 2);
	cJSON_Delete(sum);
	c.thp = "madvise";
	sum = run(&c);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_mms"), ==, 0);
	g_assert_cmpfloat(collapsed(sum), ==, 0);
	cJSON_Delete(sum);
	c.madvise_trigger = true;
	sum = run(&c);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_mms"), ==, 0);
	cJSON_Delete(sum);
}

/*
 * pages_to_scan and scan_sleep_millisecs: two ranges ready at the first pass; with
 * pages_to_scan 513 (the mm's 1 and one range's 512) the first pass collapses one, the next
 * pass, scan_sleep_millisecs later, the other.
 */
static void test_pass_budget(void)
{
	Case c = {.ranges = 2,
		  .thp = "always",
		  .trigger = true,
		  .touch_first = false,
		  .trigger_ns = 1000000000,
		  .khp = "{\"pages_to_scan\":513,\"scan_sleep_millisecs\":2000}"};
	cJSON *sum;

	c.until_ns = 2900000000; /* before the second pass, at 3 s */
	sum = run(&c);
	g_assert_cmpfloat(collapsed(sum), ==, 1);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_passes"), ==, 1);
	cJSON_Delete(sum);
	c.until_ns = 3100000000;
	sum = run(&c);
	g_assert_cmpfloat(collapsed(sum), ==, 2);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_passes"), ==, 2);
	cJSON_Delete(sum);
	/* scan_sleep_millisecs 0: passes 1 ms apart (a pass takes no simulated time) */
	c.khp = "{\"pages_to_scan\":513,\"scan_sleep_millisecs\":0}";
	c.until_ns = 1500000000;
	sum = run(&c);
	g_assert_cmpfloat(collapsed(sum), ==, 2);
	cJSON_Delete(sum);
	c.until_ns = 3100000000;
	/* the default budget, 4096: both in the first pass */
	c.khp = NULL;
	sum = run(&c);
	g_assert_cmpfloat(collapsed(sum), ==, 2);
	g_assert_cmpfloat(num(sum, "totals", "khugepaged_passes"), ==, 1);
	cJSON_Delete(sum);
}

/* A config's khugepaged keys: outside what the sysfs files accept, an error. */
static void test_config_keys(void)
{
	static const char *const good = "{\"max_ptes_none\":511,\"defrag\":0}";
	static const char *const bad[] = {"{\"max_ptes_none\":512}", "{\"pages_to_scan\":0}",
					  "{\"defrag\":2}", "{\"max_ptes_swapped\":1}",
					  "{\"max_ptes_shared\":-1}"};

	/* accepted, and written back by `config show` (a key not given stays out) */
	{
		g_autofree char *text = g_strdup_printf(
		    "{\"page_size\":4096,\"khugepaged\":%s,\"nodes\":[{\"zones\":{\"Normal\":"
		    "{\"start_bytes\":1073741824,\"spanned_bytes\":268435456}}}]}",
		    good);
		PsConfig *cfg = ps_test_config_text(text);
		g_autofree char *out = ps_config_to_json_full(cfg);

		g_test_message("%s", out);
		g_assert_nonnull(strstr(out, "\"max_ptes_none\":\t511"));
		g_assert_nonnull(strstr(out, "\"defrag\":\t0"));
		g_assert_null(strstr(out, "pages_to_scan"));
		g_assert_cmpuint(ps_khugepaged_value(&cfg->spec, PS_KHUGEPAGED_PAGES_TO_SCAN), ==,
				 8 * 512);
		g_assert_cmpuint(ps_khugepaged_value(&cfg->spec, PS_KHUGEPAGED_MAX_PTES_SWAP), ==,
				 64);
		g_assert_cmpuint(ps_khugepaged_value(&cfg->spec, PS_KHUGEPAGED_MAX_PTES_SHARED), ==,
				 256);
		ps_config_free(cfg);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *text = g_strdup_printf(
		    "{\"page_size\":4096,\"khugepaged\":%s,\"nodes\":[{\"zones\":{\"Normal\":"
		    "{\"start_bytes\":1073741824,\"spanned_bytes\":268435456}}}]}",
		    bad[i]);
		g_autoptr(GError) error = NULL;
		PsConfig *cfg = ps_config_new();

		g_assert_false(ps_config_parse(cfg, text, strlen(text), "k.json", &error));
		g_test_message("%s: %s", bad[i], error->message);
		g_assert_nonnull(strstr(error->message, "khugepaged"));
		ps_config_free(cfg);
	}
}

/*
 * A capture's THP file (tools/pagesim-capture writes every file under transparent_hugepage/,
 * khugepaged/ included): the settings are read, the counters (full_scans, pages_collapsed)
 * ignored; a value that is not a number is an error naming file:line.
 */
static void test_capture_lines(void)
{
	static const char text[] = "enabled: [always] madvise never\n"
				   "khugepaged/alloc_sleep_millisecs: 60000\n"
				   "khugepaged/defrag: 0\n"
				   "khugepaged/full_scans: 2284\n"
				   "khugepaged/max_ptes_none: 100\n"
				   "khugepaged/pages_collapsed: 9899\n"
				   "khugepaged/pages_to_scan: 4096\n";
	g_autoptr(GError) error = NULL;
	PsThpSettings t;

	g_assert_true(ps_thp_settings_parse(text, "THP", &t, &error));
	g_assert_no_error(error);
	g_assert_cmpint(t.enabled, ==, 2);
	g_assert_true(t.khugepaged_given[PS_KHUGEPAGED_DEFRAG]);
	g_assert_cmpuint(t.khugepaged[PS_KHUGEPAGED_DEFRAG], ==, 0);
	g_assert_cmpuint(t.khugepaged[PS_KHUGEPAGED_MAX_PTES_NONE], ==, 100);
	g_assert_cmpuint(t.khugepaged[PS_KHUGEPAGED_PAGES_TO_SCAN], ==, 4096);
	g_assert_cmpuint(t.khugepaged[PS_KHUGEPAGED_ALLOC_SLEEP_MS], ==, 60000);
	g_assert_false(t.khugepaged_given[PS_KHUGEPAGED_MAX_PTES_SWAP]);
	g_assert_false(t.khugepaged_given[PS_KHUGEPAGED_SCAN_SLEEP_MS]);
	g_assert_false(ps_thp_settings_parse("khugepaged/defrag: 1\nkhugepaged/max_ptes_swap: x\n",
					     "THP", &t, &error));
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, "THP:2: khugepaged/max_ptes_swap"));
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-khugepaged-XXXXXX");
	g_test_add_func("/sim/khugepaged/max-ptes-none", test_max_ptes_none);
	g_test_add_func("/sim/khugepaged/registration", test_registration);
	g_test_add_func("/sim/khugepaged/pass-budget", test_pass_budget);
	g_test_add_func("/sim/khugepaged/config-keys", test_config_keys);
	g_test_add_func("/sim/khugepaged/capture-lines", test_capture_lines);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
