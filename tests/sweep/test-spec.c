// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-spec.c - sweep specs: parsing, errors with `spec.json:line: key: what`, JSON paths into
 * configs, ranges, the cartesian product and its order, and the run digests (stable across
 * parses and layouts of the spec, different whenever an input differs), and the order a plan's
 * runs go to the pool in.
 */
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sweep/sweep.h"

static char *tmp_dir;

static char *src_path(const char *rel)
{
	return g_build_filename(g_getenv("PAGESIM_SRCDIR"), rel, NULL);
}

/* Writes text to TMP/name and returns the path. */
static char *write_tmp(const char *name, const char *text)
{
	char *path = g_build_filename(tmp_dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* A minimal trace file the spec can name. */
static char *tiny_trace(void)
{
	return write_tmp("tiny.jsonl",
			 "{\"pagesim_trace\":1,\"source\":\"gen:test\",\"page_size\":4096,"
			 "\"cpus\":1}\n"
			 "{\"t\":0,\"op\":\"alloc\",\"id\":0,\"cpu\":0,\"order\":0,"
			 "\"gfp\":\"GFP_KERNEL\"}\n");
}

/* A spec around the shipped small config and the tiny trace; body adds keys. */
static char *spec_text(const char *body)
{
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *trace = tiny_trace();

	return g_strdup_printf("{\n\t\"configs\": [\"%s\"],\n\t\"traces\": [\"%s\"]%s%s\n}\n", cfg,
			       trace, *body ? ",\n" : "", body);
}

static PsSweepSpec *parse(const char *text, GError **error)
{
	return ps_sweep_spec_parse(text, strlen(text), "spec.json", error);
}

/* The spec must fail with exactly this message. */
static void expect_error(const char *body, const char *message)
{
	g_autofree char *text = spec_text(body);
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = parse(text, &error);

	g_assert_null(spec);
	g_assert_nonnull(error);
	if (!g_str_has_prefix(error->message, message))
		g_error("spec\n%s\nfailed with\n  %s\nexpected\n  %s", text, error->message,
			message);
}

static void test_minimal(void)
{
	g_autofree char *text = spec_text("");
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = parse(text, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(spec->configs->len, ==, 1);
	g_assert_cmpstr(((PsSweepConfig *)g_ptr_array_index(spec->configs, 0))->label, ==,
			"small-4k-64m");
	g_assert_cmpstr(((PsSweepTrace *)g_ptr_array_index(spec->traces, 0))->label, ==, "tiny");
	g_assert_cmpuint(spec->seeds->len, ==, 0);
	g_assert_cmpuint(spec->axes->len, ==, 0);
}

static void test_errors(void)
{
	/* Lines: 1 {, 2 configs, 3 traces, 4 the body's first line. */
	expect_error("\t\"axis\": {}", "spec.json:4: axis: unknown key (known here: name, ");
	expect_error("\t\"axes\": {\"sysctl.min_free_kbytes\": []}",
		     "spec.json:4: axes.sysctl.min_free_kbytes: expected a non-empty list");
	expect_error("\t\"axes\": {\n\t\t\"page_size\": [4096,\n\t\t\t16384, 4096]}",
		     "spec.json:6: axes.page_size[2]: value given twice");
	expect_error("\t\"axes\": {\"sysctl.min_free_kbytes\": {\"from\": 1, \"to\": 8}}",
		     "spec.json:4: axes.sysctl.min_free_kbytes: a range needs a number \"step\"");
	expect_error("\t\"axes\": {\n\"x\": {\"from\": 1, \"to\": 8, \"step\": -1}}",
		     "spec.json:5: axes.x: step -1 never goes from 1 to 8");
	expect_error("\t\"axes\": {\"x\": {\"from\": 1, \"to\": 1e9, \"step\": 1}}",
		     "spec.json:4: axes.x: more than 10000 values");
	expect_error("\t\"axes\": {\"nodes[3].zones.DMA.managed\": [1]}",
		     "spec.json:4: axes.nodes[3].zones.DMA.managed: in ");
	expect_error("\t\"axes\": {\"name..x\": [1]}", "spec.json:4: axes.name..x: in ");
	expect_error("\t\"seeds\": [1, -2]", "spec.json:4: seeds: seeds are integers >= 0");
	expect_error("\t\"seeds\": [3, 3]", "spec.json:4: seeds[1]: value given twice");
	expect_error("\t\"until_ns\": \"2s\"", "spec.json:4: until_ns: expected an integer");
	expect_error("\t\"axes\": {\"sysctl.swappiness\": [1],\n\t\"sysctl.swappiness\": [2]}",
		     "spec.json:5: axes.sysctl.swappiness: duplicate axis (first given on line 4)");
	expect_error("\t\"axes\": [1]", "spec.json:4: axes: expected an object");
}

static void test_trace_errors(void)
{
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	struct {
		const char *traces, *message;
	} cases[] = {
	    {"[{\"gen\": \"kbuild\"}]", "spec.json:3: traces[0].seconds: expected the trace"},
	    {"[{\"gen\": \"kbuild\", \"seconds\": 1, \"params\": {\"jobs\": [2]}}]",
	     "spec.json:3: traces[0].params.jobs: expected a string or a number"},
	    {"[\n{\"gen\": \"kbuild\", \"seconds\": 1},\n{\"gen\": \"kbuild\", \"seconds\": 2}]",
	     "spec.json:5: traces[1]: trace name 'kbuild' is also that of traces[0] (line 4)"},
	    {"[\"/nonexistent/trace.jsonl\"]", "spec.json:3: traces[0]: /nonexistent/trace."},
	    {"[]", "spec.json:3: traces: expected a non-empty array"},
	    {"[{\"gen\": \"kbuild\", \"seconds\": 1, \"sede\": 1}]",
	     "spec.json:3: traces[0].sede: unknown key"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf(
		    "{\n\t\"configs\": [\"%s\"],\n\t\"traces\": %s\n}\n", cfg, cases[i].traces);
		g_autoptr(GError) error = NULL;
		g_autoptr(PsSweepSpec) spec = parse(text, &error);

		g_assert_null(spec);
		if (!g_str_has_prefix(error->message, cases[i].message))
			g_error("case %zu: %s\nexpected %s", i, error->message, cases[i].message);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(PsSweepSpec) spec = parse("{\n\t\"configs\": [1,\n", &error);

		g_assert_null(spec);
		g_assert_true(g_str_has_prefix(error->message, "spec.json:"));
		g_assert_nonnull(strstr(error->message, "(json): syntax error"));
	}
}

static void test_ranges(void)
{
	g_autofree char *text = spec_text(
	    "\t\"seeds\": {\"from\": 1, \"to\": 3, \"step\": 1},\n"
	    "\t\"axes\": {\"page_size\": {\"from\": 4096, \"to\": 65536, \"factor\": 4},\n"
	    "\t\t\"sysctl.min_free_kbytes\": {\"from\": 1000, \"to\": 0, \"step\": -250},\n"
	    "\t\t\"sysctl.watermark_scale_factor\": {\"from\": 0.5, \"to\": 1.0, \"step\": 0.25},\n"
	    "\t\t\"thp\": [\"always\", \"never\"]}");
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = parse(text, &error);
	const PsSweepAxis *ps, *mf, *wsf;

	g_assert_no_error(error);
	g_assert_cmpuint(spec->seeds->len, ==, 3);
	g_assert_cmpuint(g_array_index(spec->seeds, uint64_t, 2), ==, 3);
	ps = g_ptr_array_index(spec->axes, 0);
	mf = g_ptr_array_index(spec->axes, 1);
	wsf = g_ptr_array_index(spec->axes, 2);
	g_assert_cmpuint(ps->values->len, ==, 3);
	g_assert_cmpfloat(((cJSON *)g_ptr_array_index(ps->values, 2))->valuedouble, ==, 65536);
	g_assert_cmpuint(mf->values->len, ==, 5);
	g_assert_cmpfloat(((cJSON *)g_ptr_array_index(mf->values, 4))->valuedouble, ==, 0);
	g_assert_cmpuint(wsf->values->len, ==, 3);
	g_assert_cmpfloat(((cJSON *)g_ptr_array_index(wsf->values, 1))->valuedouble, ==, 0.75);
}

static void test_json_path(void)
{
	cJSON *root = cJSON_Parse("{\"a\": 1, \"nodes\": [{\"zones\": {\"DMA\": {\"x\": 1}}}]}");
	cJSON *v = cJSON_CreateNumber(7);
	g_autofree char *why = NULL;
	g_autofree char *text = NULL;

	g_assert_true(ps_json_path_set(root, "nodes[0].zones.DMA.x", v, &why));
	g_assert_true(ps_json_path_set(root, "nodes[0].zones.Normal.managed_bytes", v, &why));
	g_assert_true(ps_json_path_set(root, "sysctl.min_free_kbytes", v, &why));
	g_assert_true(ps_json_path_set(root, "a", v, &why));
	text = cJSON_PrintUnformatted(root);
	g_assert_cmpstr(text, ==,
			"{\"a\":7,\"nodes\":[{\"zones\":{\"DMA\":{\"x\":7},\"Normal\":"
			"{\"managed_bytes\":7}}}],\"sysctl\":{\"min_free_kbytes\":7}}");
	g_assert_false(ps_json_path_set(root, "nodes[1].zones", v, &why));
	g_assert_cmpstr(why, ==, "the config has no element nodes[1]");
	g_clear_pointer(&why, g_free);
	g_assert_false(ps_json_path_set(root, "a.b", v, &why));
	g_assert_cmpstr(why, ==, "a is not an object");
	g_clear_pointer(&why, g_free);
	g_assert_false(ps_json_path_set(root, "x[0]", v, &why));
	g_assert_cmpstr(why, ==, "the config has no array x");
	g_clear_pointer(&why, g_free);
	g_assert_false(ps_json_path_set(root, "a[", v, &why));
	g_assert_nonnull(strstr(why, "is not a JSON path"));
	cJSON_Delete(v);
	cJSON_Delete(root);
}

static PsSweepPlan *plan_of(const PsSweepSpec *spec, GError **error)
{
	g_autofree char *dir = g_build_filename(tmp_dir, "out", NULL);

	return ps_sweep_plan_new(spec, dir, NULL, NULL, error);
}

static const PsSweepRun *run_at(const PsSweepPlan *plan, guint i)
{
	return g_ptr_array_index(plan->runs, i);
}

static void test_product(void)
{
	g_autofree char *text = spec_text("\t\"seeds\": [1, 2],\n"
					  "\t\"axes\": {\"page_size\": [4096, 65536],\n"
					  "\t\t\"sysctl.min_free_kbytes\": [1024, 2048, 4096]}");
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = parse(text, &error);
	g_autoptr(PsSweepPlan) plan = NULL;
	g_autoptr(GHashTable) digests = g_hash_table_new(g_str_hash, g_str_equal);

	g_assert_no_error(error);
	plan = plan_of(spec, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(plan->runs->len, ==, 2 * 2 * 3);
	/* seeds outside the axes, the last axis fastest */
	g_assert_cmpuint(run_at(plan, 0)->seed, ==, 1);
	g_assert_cmpstr(run_at(plan, 0)->values[0], ==, "4096");
	g_assert_cmpstr(run_at(plan, 0)->values[1], ==, "1024");
	g_assert_cmpstr(run_at(plan, 1)->values[1], ==, "2048");
	g_assert_cmpstr(run_at(plan, 3)->values[0], ==, "65536");
	g_assert_cmpuint(run_at(plan, 6)->seed, ==, 2);
	g_assert_cmpstr(run_at(plan, 11)->values[1], ==, "4096");
	for (guint i = 0; i < plan->runs->len; i++) {
		const PsSweepRun *run = run_at(plan, i);

		g_assert_cmpuint(run->index, ==, i);
		g_assert_cmpuint(strlen(run->digest), ==, 16);
		g_assert_false(g_hash_table_contains(digests, run->digest));
		g_hash_table_add(digests, (gpointer)run->digest);
		/* the values are in the run's config */
		g_assert_nonnull(strstr(run->config_json, "\"min_free_kbytes\""));
	}
	/* A 64K point's orders follow the page size: the canonical config leaves them out. */
	g_assert_nonnull(strstr(run_at(plan, 3)->config_json, "65536"));
	g_assert_null(strstr(run_at(plan, 3)->config_json, "\"max_order\""));
}

/*
 * Seeds and integer ranges above 2^53 stay exact from the spec to each run's config and point
 * (a double would round 9007199254740993 to ...992 and print it as 9.00719925474099e+15).
 */
static void test_int64_exact(void)
{
	g_autofree char *text =
	    spec_text("\t\"seeds\": {\"from\": 9007199254740993, \"to\": 9007199254740995, "
		      "\"step\": 1},\n"
		      "\t\"until_ns\": 9007199254740993");
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = parse(text, &error);
	g_autoptr(PsSweepPlan) plan = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(spec->seeds->len, ==, 3);
	g_assert_cmpuint(g_array_index(spec->seeds, uint64_t, 0), ==, 9007199254740993ull);
	g_assert_cmpuint(g_array_index(spec->seeds, uint64_t, 2), ==, 9007199254740995ull);
	g_assert_cmpuint(spec->until_ns, ==, 9007199254740993ull);
	plan = plan_of(spec, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(run_at(plan, 1)->seed, ==, 9007199254740994ull);
	g_assert_nonnull(strstr(run_at(plan, 1)->config_json, "9007199254740994"));

	expect_error("\t\"seeds\": [1, 9223372036854775808]",
		     "spec.json:4: seeds: 9223372036854775808 is out of range");
	expect_error("\t\"until_ns\": 9223372036854775808",
		     "spec.json:4: until_ns: 9223372036854775808 is out of range");
}

/* A point that is not a valid machine: the error names the spec line and the point. */
static void test_invalid_point(void)
{
	g_autofree char *text =
	    spec_text("\t\"axes\": {\n\t\t\"sysctl.watermark_scale_factor\": [10, 5000]}");
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = parse(text, &error);
	g_autoptr(PsSweepPlan) plan = NULL;

	g_assert_no_error(error);
	plan = plan_of(spec, &error);
	g_assert_null(plan);
	g_assert_true(g_str_has_prefix(error->message,
				       "spec.json:5: axes: config small-4k-64m, "
				       "sysctl.watermark_scale_factor=5000 is not a valid machine: "
				       "sysctl.watermark_scale_factor: "));
}

/*
 * A bad point fails before any trace is generated: the points were checked only after
 * generation, so a typo in an axis cost the whole generation time first.
 */
static void test_invalid_point_first(void)
{
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *text = g_strdup_printf(
	    "{\n\t\"configs\": [\"%s\"],\n"
	    "\t\"traces\": [{\"name\": \"k\", \"gen\": \"kbuild\", \"seconds\": 1}],\n"
	    "\t\"axes\": {\"sysctl.watermark_scale_factor\": [10, 5000]}\n}\n",
	    cfg);
	g_autofree char *dir = g_build_filename(tmp_dir, "gen-first", NULL);
	g_autofree char *traces = g_build_filename(dir, "traces", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = parse(text, &error);
	g_autoptr(PsSweepPlan) plan = NULL;

	g_assert_no_error(error);
	plan = ps_sweep_plan_new(spec, dir, NULL, NULL, &error);
	g_assert_null(plan);
	g_assert_nonnull(strstr(error->message, "sysctl.watermark_scale_factor=5000 is not a "
						"valid machine"));
	g_assert_false(g_file_test(traces, G_FILE_TEST_EXISTS));
}

static void test_digest_stable(void)
{
	g_autofree char *a = spec_text("\t\"axes\": {\"sysctl.min_free_kbytes\": [1024, 2048],\n"
				       "\t\t\"sysctl.swappiness\": [10]}");
	/* The same points laid out differently: axes reordered, a range for a list. */
	g_autofree char *b = spec_text(
	    "\"axes\":{\"sysctl.swappiness\":[10],"
	    "\"sysctl.min_free_kbytes\":{\"from\":1024,\"to\":2048,\"step\":1024}},\"seeds\":[1]");
	g_autofree char *c = spec_text("\t\"axes\": {\"sysctl.min_free_kbytes\": [1024, 2048],\n"
				       "\t\t\"sysctl.swappiness\": [11]}");
	g_autofree char *d = spec_text("\t\"seeds\": [2],\n"
				       "\t\"axes\": {\"sysctl.min_free_kbytes\": [1024, 2048],\n"
				       "\t\t\"sysctl.swappiness\": [10]}");
	g_autoptr(PsSweepSpec) sa = parse(a, NULL), sb = parse(b, NULL);
	g_autoptr(PsSweepSpec) sc = parse(c, NULL), sd = parse(d, NULL);
	g_autoptr(PsSweepPlan) pa = plan_of(sa, NULL), pa2 = plan_of(sa, NULL);
	g_autoptr(PsSweepPlan) pb = plan_of(sb, NULL), pc = plan_of(sc, NULL);
	g_autoptr(PsSweepPlan) pd = plan_of(sd, NULL);
	g_autoptr(PsSweepPlan) other_dir =
	    ps_sweep_plan_new(sa, "/nonexistent/elsewhere", NULL, NULL, NULL);

	g_assert_nonnull(pa);
	g_assert_nonnull(pb);
	g_assert_nonnull(other_dir);
	for (guint i = 0; i < 2; i++) {
		g_assert_cmpstr(run_at(pa, i)->digest, ==, run_at(pa2, i)->digest);
		g_assert_cmpstr(run_at(pa, i)->digest, ==, run_at(pb, i)->digest);
		g_assert_cmpstr(run_at(pa, i)->digest, ==, run_at(other_dir, i)->digest);
		g_assert_cmpstr(run_at(pa, i)->digest, !=, run_at(pc, i)->digest);
		g_assert_cmpstr(run_at(pa, i)->digest, !=, run_at(pd, i)->digest);
	}
	g_assert_cmpstr(run_at(pa, 0)->digest, !=, run_at(pa, 1)->digest);
}

/*
 * "placement" (pagesim run --placement): parsed, a sticky run is another run (digest) and the
 * recorded one given explicitly is the same run as none given; a bad name is refused.
 */
static void test_placement(void)
{
	g_autofree char *a = spec_text("\t\"seeds\": [1]");
	g_autofree char *b = spec_text("\t\"placement\": \"recorded\"");
	g_autofree char *c = spec_text("\t\"placement\": \"sticky\"");
	g_autoptr(PsSweepSpec) sa = parse(a, NULL), sb = parse(b, NULL), sc = parse(c, NULL);
	g_autoptr(PsSweepPlan) pa = plan_of(sa, NULL), pb = plan_of(sb, NULL),
			       pc = plan_of(sc, NULL);

	g_assert_cmpint(sb->placement, ==, PS_PLACEMENT_RECORDED);
	g_assert_cmpint(sc->placement, ==, PS_PLACEMENT_STICKY);
	g_assert_cmpstr(run_at(pa, 0)->digest, ==, run_at(pb, 0)->digest);
	g_assert_cmpstr(run_at(pa, 0)->digest, !=, run_at(pc, 0)->digest);
	expect_error("\t\"placement\": \"idle\"",
		     "spec.json:4: placement: expected \"recorded\" or \"sticky\"");
	expect_error("\t\"placement\": 1",
		     "spec.json:4: placement: expected \"recorded\" or \"sticky\"");
}

/* A different trace (by content, not by name) is a different run. */
static void test_digest_trace(void)
{
	g_autofree char *text = spec_text("");
	g_autoptr(PsSweepSpec) spec = parse(text, NULL);
	g_autoptr(PsSweepPlan) p1 = plan_of(spec, NULL), p2 = NULL;
	g_autofree char *trace = g_build_filename(tmp_dir, "tiny.jsonl", NULL);
	FILE *f = fopen(trace, "a");

	fputs("{\"t\":5,\"op\":\"free\",\"id\":0}\n", f);
	fclose(f);
	p2 = plan_of(spec, NULL);
	g_assert_cmpstr(run_at(p1, 0)->digest, !=, run_at(p2, 0)->digest);
	g_assert_cmpstr(p1->trace_digests[0], !=, p2->trace_digests[0]);
}

/* ps_sweep_execute's done callback: the order the runs ended in. */
static void note_done(void *data, const PsSweepRun *run, guint nr_done, guint nr_todo,
		      const GError *error)
{
	g_assert_no_error(error);
	g_array_append_val((GArray *)data, run->index);
}

/*
 * The runs go out longest first by estimate (trace size times machine state): with one worker
 * they end in that order, the runs of the longer trace (product indexes 2 and 3) before those of
 * the shorter, equal estimates in product order. In product order the test fails.
 */
static void test_longest_first(void)
{
	const char *head = "{\"pagesim_trace\":1,\"source\":\"gen:test\",\"page_size\":4096,"
			   "\"cpus\":1}\n";
	g_autoptr(GString) longer = g_string_new(head);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *dir = g_build_filename(tmp_dir, "order", NULL);
	g_autofree char *cache = g_build_filename(tmp_dir, "order-cache", NULL);
	g_autofree char *text = NULL, *short_path = NULL, *long_path = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PsSweepSpec) spec = NULL;
	g_autoptr(PsSweepPlan) plan = NULL;
	g_autoptr(GArray) order = g_array_new(FALSE, FALSE, sizeof(guint));
	PsSweepExecOptions eo = {.jobs = 1, .done = note_done, .trace_cache_dir = cache};
	guint skipped, failed;

	for (int i = 0; i < 64; i++)
		g_string_append_printf(longer,
				       "{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"pid\":1,\"cpu\":0,"
				       "\"order\":0,\"gfp\":\"GFP_KERNEL\"}\n",
				       i, i);
	short_path = write_tmp("short.jsonl", head);
	long_path = write_tmp("long.jsonl", longer->str);
	text = g_strdup_printf("{\"configs\": [\"%s\"], \"traces\": [\"%s\", \"%s\"],"
			       " \"axes\": {\"sysctl.min_free_kbytes\": [1024, 2048]}}",
			       cfg, short_path, long_path);
	spec = parse(text, &error);
	g_assert_no_error(error);
	eo.done_data = order;
	plan = ps_sweep_plan_new(spec, dir, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(ps_sweep_execute(plan, &eo, &skipped, &failed, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(failed, ==, 0);
	g_assert_cmpuint(order->len, ==, 4);
	g_assert_cmpuint(g_array_index(order, guint, 0), ==, 2);
	g_assert_cmpuint(g_array_index(order, guint, 1), ==, 3);
	g_assert_cmpuint(g_array_index(order, guint, 2), ==, 0);
	g_assert_cmpuint(g_array_index(order, guint, 3), ==, 1);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	tmp_dir = g_dir_make_tmp("pagesim-sweep-spec-XXXXXX", NULL);
	g_test_add_func("/sweep/spec/minimal", test_minimal);
	g_test_add_func("/sweep/spec/errors-have-lines", test_errors);
	g_test_add_func("/sweep/spec/trace-errors", test_trace_errors);
	g_test_add_func("/sweep/spec/ranges", test_ranges);
	g_test_add_func("/sweep/spec/int64-exact", test_int64_exact);
	g_test_add_func("/sweep/json-path/set", test_json_path);
	g_test_add_func("/sweep/plan/product-order", test_product);
	g_test_add_func("/sweep/plan/invalid-point", test_invalid_point);
	g_test_add_func("/sweep/plan/invalid-point-before-generation", test_invalid_point_first);
	g_test_add_func("/sweep/plan/digest-stable", test_digest_stable);
	g_test_add_func("/sweep/plan/digest-follows-trace", test_digest_trace);
	g_test_add_func("/sweep/plan/placement", test_placement);
	g_test_add_func("/sweep/exec/longest-first", test_longest_first);
	rc = g_test_run();
	{
		g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp_dir);

		g_assert_cmpint(system(cmd), ==, 0);
	}
	g_free(tmp_dir);
	return rc;
}
