// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-zone-grow.c - issue 14 item 4: zone_grow records (memory coming online while recording).
 *
 * /sim/zone-grow/generated: a 256 MiB Normal zone with 64 MiB not managed; a trace fills it past
 * its watermarks, then grows it by 32 MiB. The policy replay puts the growth at the zone's highest
 * reserved pfns (the recorded pfn is managed already), managed grows, the watermarks follow
 * managed as setup_per_zone_wmarks computes them, and the pages are free; a growth larger than
 * the reserved room is refused and counted.
 * /sim/zone-grow/deferred: a config with deferred pages grows its zone by a section when the
 * watermark check fails (deferred_grow_zone), counted in summary.json; without the key it does not.
 * /sim/zone-grow/recording: workloads/ftrace-press-grow-6.18 (recording (d): four 128 MiB memory
 * blocks onlined while press-6.18/zone-grow.c wrote 640 MiB into a machine with ~400 MiB free).
 * Policy and pinned replay end with the zone's managed, present and watermarks of
 * after.zoneinfo and its free pages within 5 % (policy) and 1 % (pinned); the kernel reclaimed
 * nothing and the policy replay does not either, where the same trace without its zone_grow
 * records makes the model reclaim (what a config from before.zoneinfo did before this record).
 */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/policy-run.h"
#include "../common/test-util.h"
#include "config/config.h"
#include "sim/sim.h"
#include "trace/trace.h"

#define MB (1024ull * 1024ull)

static char *tmp_dir;

/* A number in the Normal zone's block of a zoneinfo text ("managed", "min", "pages free"). */
static uint64_t zoneinfo_normal(const char *path, const char *key)
{
	g_autofree char *text = NULL;
	g_autofree char *pat =
	    g_strdup_printf("\n%s%s ", strcmp(key, "pages free") ? "        " : "  ", key);
	const char *z, *p;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	z = strstr(text, "zone   Normal");
	p = z ? strstr(z, pat) : NULL;
	g_assert_nonnull(p);
	p += strlen(pat);
	while (*p == ' ')
		p++;
	return g_ascii_strtoull(p, NULL, 10);
}

/* Runs trace text on a machine of config text cfg_text; the run's summary.json. */
static cJSON *run_config(const char *cfg_text, const char *name, const char *body)
{
	g_autofree char *out = g_build_filename(tmp_dir, name, NULL);
	g_autofree char *trace = g_strdup_printf("%s/%s.jsonl", tmp_dir, name);
	g_autofree char *text =
	    g_strconcat("{\"pagesim_trace\":1,\"source\":\"test\",\"page_size\":4096,\"cpus\":2}\n",
			body, NULL);
	g_autoptr(PsConfig) cfg = ps_config_new();
	PsRunOptions opts = {.out_dir = out, .seed = 1};
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSim) s = NULL;

	g_assert_true(ps_config_parse(cfg, cfg_text, strlen(cfg_text), "test.json", &error));
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(trace, text, -1, NULL));
	s = ps_sim_new(cfg, &opts, &error);
	g_assert_no_error(error);
	g_assert_true(ps_sim_run(s, trace, &error));
	g_assert_no_error(error);
	return ps_test_read_summary(out);
}

/* summary.json's totals.OBJ has keys[i] == want[i] for each of the n keys. */
static void assert_totals(const cJSON *sum, const char *obj, const char *const *keys,
			  const double *want, size_t n)
{
	const cJSON *g = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "totals"), obj);

	g_assert_nonnull(g);
	for (size_t i = 0; i < n; i++) {
		if (g_test_verbose())
			g_printerr("%s.%s %g\n", obj, keys[i], ps_test_json_num(g, keys[i]));
		g_assert_cmpfloat(ps_test_json_num(g, keys[i]), ==, want[i]);
	}
}

/* Runs trace text on the generated machine; the run's summary.json. */
static cJSON *run_generated(const char *name, const char *body)
{
	static const char cfg_text[] =
	    "{\"page_size\":4096,\"cpus\":[0,0],\"nodes\":[{\"zones\":{\"Normal\":{"
	    "\"start_bytes\":1073741824,\"spanned_bytes\":268435456,\"managed_bytes\":201326592}}}"
	    "]}";

	return run_config(cfg_text, name, body);
}

static void test_generated(void)
{
	/* 176 MiB of anon in a zone of 192 MiB managed, then 32 MiB more memory */
	g_autofree char *body = g_strdup_printf(
	    "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"hog\",\"oom_score_adj\":0}\n"
	    "{\"t\":1,\"op\":\"map\",\"pid\":10,\"addr\":68719476736,\"len\":%llu}\n"
	    "{\"t\":2,\"op\":\"touch\",\"pid\":10,\"addr\":68719476736,\"len\":%llu}\n"
	    "{\"t\":3,\"op\":\"zone_grow\",\"node\":0,\"zone\":\"Normal\",\"pages\":8192,"
	    "\"pfn\":327680}\n",
	    176 * MB, 176 * MB);
	g_autofree char *big = g_strdup_printf(
	    "%s{\"t\":4,\"op\":\"zone_grow\",\"node\":0,\"zone\":\"Normal\",\"pages\":16384}\n",
	    body);
	g_autofree char *grow_run = g_build_filename(tmp_dir, "grow", NULL);
	g_autofree char *nogrow_run = g_build_filename(tmp_dir, "nogrow", NULL);
	g_autofree char *zi = g_build_filename(tmp_dir, "grow", "zoneinfo", NULL);
	g_autofree char *zi_before = g_build_filename(tmp_dir, "nogrow", "zoneinfo", NULL);
	g_autoptr(GString) nogrow_body = g_string_new(body);
	cJSON *sum, *g;

	/* the same without the growth: the zone as it was */
	g_string_truncate(nogrow_body, strstr(nogrow_body->str, "{\"t\":3") - nogrow_body->str);
	cJSON_Delete(run_generated("nogrow", nogrow_body->str));
	sum = run_generated("grow", body);
	/* pfn 327680 (1.25 GiB) is managed in the model: the growth went below the managed pages */
	assert_totals(sum, "zone_growth",
		      (const char *[]){"records", "pages", "pages_moved", "refused"},
		      (const double[]){1, 8192, 8192, 0}, 4);
	cJSON_Delete(sum);
	g_assert_cmpuint(zoneinfo_normal(zi, "managed"), ==, 49152 + 8192);
	g_assert_cmpuint(zoneinfo_normal(zi_before, "managed"), ==, 49152);
	/* init_per_zone_wmark_min again: min_free_kbytes is THP's recommendation, which
	 * set_recommended_min_free_kbytes caps at 5 % of the lowmem pages (nr_free_buffer_pages /
	 * 20), so on this small zone min grows with managed */
	g_assert_cmpuint(zoneinfo_normal(zi, "min"), >, zoneinfo_normal(zi_before, "min"));
	/* low - min = max(min / 4, managed * watermark_scale_factor / 10000) of the new managed */
	g_assert_cmpuint(zoneinfo_normal(zi, "low") - zoneinfo_normal(zi, "min"), ==,
			 MAX(zoneinfo_normal(zi, "min") / 4, (49152 + 8192) * 10 / 10000));
	/* onlined pages are freed through __free_pages_ok, which counts pgfree */
	g_assert_cmpuint(ps_test_run_vmstat(grow_run, "pgfree"), ==,
			 ps_test_run_vmstat(nogrow_run, "pgfree") + 8192);
	/* the 8192 pages are free on top of what the zone had */
	g_assert_cmpuint(zoneinfo_normal(zi, "pages free"), >=,
			 zoneinfo_normal(zi_before, "pages free") + 8192 - 1024);

	/* 16384 more pages than the 8192 reserved ones left: refused, counted */
	sum = run_generated("grow-big", big);
	g = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "totals"), "zone_growth");
	g_assert_cmpfloat(ps_test_json_num(g, "records"), ==, 1);
	g_assert_cmpfloat(ps_test_json_num(g, "refused"), ==, 1);
	cJSON_Delete(sum);
}

/*
 * /sim/zone-grow/deferred: no record, but a config with deferred pages (zone key "deferred"): a
 * 256 MiB Normal zone with 64 MiB managed and its last 128 MiB section deferred. 100 MiB of anon
 * fail the watermark check, and the zone grows by that one section (deferred_grow_zone), which
 * summary.json counts; the same trace without the key leaves managed as it was and has no
 * deferred_growth object.
 */
static void test_deferred(void)
{
	static const char with_key[] =
	    "{\"page_size\":4096,\"cpus\":[0,0],\"nodes\":[{\"zones\":{\"Normal\":{"
	    "\"start_bytes\":1073741824,\"spanned_bytes\":268435456,\"managed_bytes\":67108864,"
	    "\"deferred_bytes\":134217728}}}]}";
	static const char without_key[] =
	    "{\"page_size\":4096,\"cpus\":[0,0],\"nodes\":[{\"zones\":{\"Normal\":{"
	    "\"start_bytes\":1073741824,\"spanned_bytes\":268435456,\"managed_bytes\":67108864"
	    "}}}]}";
	g_autofree char *body = g_strdup_printf(
	    "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"hog\",\"oom_score_adj\":0}\n"
	    "{\"t\":1,\"op\":\"map\",\"pid\":10,\"addr\":68719476736,\"len\":%llu}\n"
	    "{\"t\":2,\"op\":\"touch\",\"pid\":10,\"addr\":68719476736,\"len\":%llu}\n",
	    100 * MB, 100 * MB);
	g_autofree char *zi = g_build_filename(tmp_dir, "deferred", "zoneinfo", NULL);
	g_autofree char *zi_no = g_build_filename(tmp_dir, "deferred-no", "zoneinfo", NULL);
	cJSON *sum;

	sum = run_config(with_key, "deferred", body);
	assert_totals(sum, "deferred_growth",
		      (const char *[]){"declared", "grows", "pages", "remaining"},
		      (const double[]){32768, 1, 32768, 0}, 4);
	cJSON_Delete(sum);
	g_assert_cmpuint(zoneinfo_normal(zi, "managed"), ==, 16384 + 32768);
	g_assert_cmpuint(zoneinfo_normal(zi, "present"), ==, 65536);

	sum = run_config(without_key, "deferred-no", body);
	g_assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "totals"), "deferred_growth"));
	cJSON_Delete(sum);
	g_assert_cmpuint(zoneinfo_normal(zi_no, "managed"), ==, 16384);
}

/* workloads/ftrace-press-grow-6.18, or NULL (skipped) when it is not there. */
static char *grow_dir(void)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");
	char *dir = src ? g_build_filename(src, "workloads", "ftrace-press-grow-6.18", NULL) : NULL;
	g_autofree char *trace = dir ? g_build_filename(dir, "trace.jsonl.gz", NULL) : NULL;

	if (!trace || !g_file_test(trace, G_FILE_TEST_EXISTS)) {
		g_test_skip("workloads/ftrace-press-grow-6.18 not available (PAGESIM_SRCDIR)");
		g_free(dir);
		return NULL;
	}
	return dir;
}

/* Normal's managed, present, min, low, high of the run equal after.zoneinfo's; free within. */
static void check_after(const char *dir, const char *run, double free_within)
{
	g_autofree char *after = g_build_filename(dir, "after.zoneinfo", NULL);
	g_autofree char *model = g_build_filename(run, "zoneinfo", NULL);
	static const char *const keys[] = {"managed", "present", "spanned", "min", "low", "high"};
	double mf = (double)zoneinfo_normal(model, "pages free");
	double kf = (double)zoneinfo_normal(after, "pages free");

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (g_test_verbose())
			g_printerr("%s %s: model %" G_GUINT64_FORMAT " kernel %" G_GUINT64_FORMAT
				   "\n",
				   run, keys[i], zoneinfo_normal(model, keys[i]),
				   zoneinfo_normal(after, keys[i]));
		g_assert_cmpuint(zoneinfo_normal(model, keys[i]), ==,
				 zoneinfo_normal(after, keys[i]));
	}
	if (g_test_verbose())
		g_printerr("%s free: model %.0f kernel %.0f (%.3f)\n", run, mf, kf, mf / kf);
	g_assert_cmpfloat(fabs(mf / kf - 1), <=, free_within);
}

static void test_recording(void)
{
	g_autofree char *dir = grow_dir();
	g_autofree char *trace = NULL, *snap = NULL, *after = NULL, *pol = NULL, *pin = NULL;
	g_autofree char *nogrow = NULL, *nogrow_run = NULL;
	g_autoptr(GError) error = NULL;
	PsConfig *cfg;
	PsRunOptions o = {0};
	cJSON *sum, *g;
	double sim_v = 0, obs_v = 0;

	if (!dir)
		return;
	trace = g_build_filename(dir, "trace.jsonl.gz", NULL);
	snap = g_build_filename(dir, "before.kpageflags.gz", NULL);
	after = g_build_filename(dir, "after.kpageflags.gz", NULL);
	pol = g_build_filename(tmp_dir, "rec-policy", NULL);
	pin = g_build_filename(tmp_dir, "rec-pinned", NULL);
	cfg = ps_test_config_from_dir(dir, 0);

	sum = ps_test_policy_run(cfg, trace, snap, dir, pol);
	g = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "totals"), "zone_growth");
	g_assert_nonnull(g);
	g_assert_cmpfloat(ps_test_json_num(g, "records"), ==, 4);
	g_assert_cmpfloat(ps_test_json_num(g, "pages"), ==, 4 * 32768);
	/* the snapshot holds the four offline blocks as reserved: grown where the kernel did */
	g_assert_cmpfloat(ps_test_json_num(g, "pages_moved"), ==, 0);
	/* the kernel reclaimed nothing (vmstat deltas 0): nor does the model */
	g_assert_true(ps_test_fidelity_pair(sum, "allocstall", &sim_v, &obs_v));
	g_assert_cmpfloat(obs_v, ==, 0);
	g_assert_cmpfloat(sim_v, ==, 0);
	g_assert_true(ps_test_fidelity_pair(sum, "pgsteal_kswapd", &sim_v, &obs_v));
	g_assert_cmpfloat(obs_v, ==, 0);
	g_assert_cmpfloat(sim_v, ==, 0);
	cJSON_Delete(sum);
	check_after(dir, pol, 0.05);

	/* without the growth the model is short of 512 MiB and reclaims */
	{
		PsTraceHeader hdr;
		PsTraceEvent ev;
		PsTraceReader *r;
		PsTraceWriter *w;
		int got;

		nogrow = g_build_filename(tmp_dir, "nogrow.jsonl", NULL);
		nogrow_run = g_build_filename(tmp_dir, "rec-nogrow", NULL);
		r = ps_trace_reader_open(trace, &hdr, &error);
		g_assert_no_error(error);
		w = ps_trace_writer_new(nogrow, &hdr, &error);
		g_assert_no_error(error);
		while ((got = ps_trace_reader_next(r, &ev, &error)) == 1)
			if (ev.op != PS_OP_ZONE_GROW)
				g_assert_true(ps_trace_writer_write(w, &ev, &error));
		g_assert_no_error(error);
		g_assert_cmpint(got, ==, 0);
		ps_trace_reader_close(r);
		g_assert_true(ps_trace_writer_close(w, &error));
		sum = ps_test_policy_run(cfg, nogrow, snap, dir, nogrow_run);
		g_assert_true(ps_test_fidelity_pair(sum, "pgsteal_kswapd", &sim_v, &obs_v));
		if (g_test_verbose())
			g_printerr("without zone_grow: pgsteal_kswapd %.0f\n", sim_v);
		g_assert_cmpfloat(sim_v, >, 10000);
		cJSON_Delete(sum);
	}

	o.out_dir = pin;
	g_assert_true(ps_pinned_run(cfg, &o, trace, snap, dir, after, &error));
	g_assert_no_error(error);
	sum = ps_test_read_summary(pin);
	g = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "totals"), "zone_growth");
	g_assert_nonnull(g);
	g_assert_cmpfloat(ps_test_json_num(g, "records"), ==, 4);
	g_assert_cmpfloat(ps_test_json_num(g, "refused"), ==, 0);
	cJSON_Delete(sum);
	check_after(dir, pin, 0.01);
	ps_config_free(cfg);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = ps_test_make_dir("pagesim-zone-grow-XXXXXX");
	g_test_add_func("/sim/zone-grow/generated", test_generated);
	g_test_add_func("/sim/zone-grow/deferred", test_deferred);
	g_test_add_func("/sim/zone-grow/recording", test_recording);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
