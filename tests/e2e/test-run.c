// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-run.c - end-to-end tests of `pagesim run`: every output file is written, the run is
 * deterministic (byte-identical outputs but for the wall section), pages are conserved, the
 * /proc-format files parse back and have the layout of a real 6.18 machine's, bad traces fail
 * with file:line, --until stops early, and a trace can come from standard input.
 *
 * argv[1] is the pagesim binary (meson passes it).
 */
#include <cjson/cJSON.h>
#include <glib/gstdio.h>
#include <string.h>

#include "../common/test-util.h"
#include "config/config.h"
#include "util/util.h"

static const char *pagesim;

static char *src_path(const char *rel)
{
	return g_build_filename(g_getenv("PAGESIM_SRCDIR"), rel, NULL);
}

/* Runs pagesim with args; returns the exit status, stderr into *err when given. */
static int run_pagesim(const char *const *args, const char *stdin_file, char **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *errtxt = NULL;
	g_autofree char *cmd = NULL;
	int status = 0;

	g_ptr_array_add(argv, (char *)pagesim);
	for (int i = 0; args[i]; i++)
		g_ptr_array_add(argv, (char *)args[i]);
	g_ptr_array_add(argv, NULL);
	if (stdin_file) {
		g_autofree char *joined = NULL;
		g_autoptr(GPtrArray) q = g_ptr_array_new_with_free_func(g_free);

		for (guint i = 0; i + 1 < argv->len; i++)
			g_ptr_array_add(q, g_shell_quote(g_ptr_array_index(argv, i)));
		g_ptr_array_add(q, NULL);
		joined = g_strjoinv(" ", (char **)q->pdata);
		cmd = g_strdup_printf("%s < %s", joined, stdin_file);
		g_assert_true(g_spawn_sync(NULL, (char *[]){"/bin/sh", "-c", cmd, NULL}, NULL, 0,
					   NULL, NULL, &out, &errtxt, &status, &error));
	} else {
		g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL, &out,
					   &errtxt, &status, &error));
	}
	g_assert_no_error(error);
	if (err)
		*err = g_steal_pointer(&errtxt);
	return g_spawn_check_wait_status(status, NULL)
		   ? 0
		   : (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* A small hand-written trace touching every op the model handles. */
static char *write_trace(const char *dir, unsigned n, uint64_t seed)
{
	g_autoptr(GString) t = g_string_new(
	    "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n");
	char *path = g_build_filename(dir, "trace.jsonl", NULL);
	static const char *const gfps[] = {"GFP_KERNEL", "GFP_HIGHUSER_MOVABLE|__GFP_ZERO",
					   "GFP_KERNEL|__GFP_RECLAIMABLE", "GFP_ATOMIC"};
	uint64_t x = seed * 2654435761u + 1, t_ns = 0;
	unsigned next_id = 0;

	g_string_append(t, "{\"t\":0,\"op\":\"proc\",\"pid\":7,\"comm\":\"cc1\"}\n");
	g_string_append(
	    t, "{\"t\":0,\"op\":\"proc\",\"pid\":8,\"comm\":\"ld\",\"oom_score_adj\":100}\n");
	g_string_append(t, "{\"t\":0,\"op\":\"map\",\"pid\":8,\"addr\":1073741824,\"len\":16777216,"
			   "\"thp\":true}\n");
	for (unsigned i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		t_ns += 1000 + (x >> 54);
		if ((x >> 33) % 10 < 6 || next_id < 8) {
			g_string_append_printf(t,
					       "{\"t\":%" G_GUINT64_FORMAT
					       ",\"op\":\"alloc\",\"id\":%u,\"cpu\":%u,"
					       "\"pid\":7,\"order\":%u,\"gfp\":\"%s\"}\n",
					       t_ns, next_id, (unsigned)(x >> 40) % 2,
					       (unsigned)((x >> 20) % 4), gfps[(x >> 12) % 4]);
			next_id++;
		} else if ((x >> 33) % 10 < 9) {
			g_string_append_printf(
			    t, "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"free\",\"id\":%u}\n", t_ns,
			    (unsigned)((x >> 8) % next_id));
		} else {
			g_string_append_printf(
			    t,
			    "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"touch\",\"pid\":8,"
			    "\"addr\":%" G_GUINT64_FORMAT ",\"len\":12288}\n",
			    t_ns, (uint64_t)(1073741824u + ((x >> 10) % (16u << 20))));
		}
	}
	g_string_append_printf(t,
			       "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"sysctl\",\"name\":"
			       "\"watermark_scale_factor\",\"value\":100}\n",
			       t_ns + 1);
	g_string_append_printf(t, "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"exit\",\"pid\":8}\n",
			       t_ns + 2);
	g_assert_true(g_file_set_contents(path, t->str, (gssize)t->len, NULL));
	return path;
}

static char *read_file(const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename(dir, name, NULL);
	char *text = NULL;

	if (!g_file_get_contents(p, &text, NULL, NULL))
		g_error("missing output %s", p);
	return text;
}

static cJSON *summary(const char *dir)
{
	g_autofree char *text = read_file(dir, "summary.json");
	cJSON *j = cJSON_Parse(text);

	g_assert_nonnull(j);
	return j;
}

static double num(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	g_assert_true(cJSON_IsNumber(x));
	return x->valuedouble;
}

static const char *const outputs[] = {"summary.json", "timeline.csv", "latency.csv", "events.jsonl",
				      "buddyinfo",    "pagetypeinfo", "zoneinfo",    "vmstat"};

static void test_outputs_and_determinism(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *trace = write_trace(dir, 20000, 1);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *a = g_build_filename(dir, "a", NULL);
	g_autofree char *b = g_build_filename(dir, "b", NULL);
	g_autofree char *c = g_build_filename(dir, "c", NULL);
	const char *args_a[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", a, "--seed", "5", NULL};
	const char *args_b[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", b, "--seed", "5", NULL};
	const char *args_c[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", c, "--check", NULL};
	cJSON *sa, *sb;
	char *ta, *tb;

	g_assert_cmpint(run_pagesim(args_a, NULL, NULL), ==, 0);
	g_assert_cmpint(run_pagesim(args_b, NULL, NULL), ==, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(outputs); i++) {
		g_autofree char *fa = read_file(a, outputs[i]);
		g_autofree char *fb = read_file(b, outputs[i]);

		g_assert_cmpuint(strlen(fa), >, 0);
		if (!strcmp(outputs[i], "summary.json"))
			continue;
		g_assert_cmpstr(fa, ==, fb);
	}
	/* summary.json: identical once the wall-clock section is removed. */
	sa = summary(a);
	sb = summary(b);
	g_assert_nonnull(cJSON_GetObjectItemCaseSensitive(sa, "wall"));
	cJSON_DeleteItemFromObject(sa, "wall");
	cJSON_DeleteItemFromObject(sb, "wall");
	ta = cJSON_Print(sa);
	tb = cJSON_Print(sb);
	g_assert_cmpstr(ta, ==, tb);
	cJSON_free(ta);
	cJSON_free(tb);

	/* Conservation: allocated = freed by the trace, at exit, by reclaim, by the OOM reaper,
	 * or still live. */
	g_assert_cmpfloat(
	    num(sa, "totals", "pages_allocated"), ==,
	    num(sa, "totals", "pages_freed_trace") + num(sa, "totals", "pages_freed_exit") +
		num(sa, "totals", "pages_freed_reclaim") + num(sa, "totals", "pages_freed_oom") +
		num(sa, "totals", "pages_live"));
	g_assert_cmpfloat(num(sa, "totals", "alloc_ok"), >, 0);
	g_assert_cmpfloat(num(sa, "totals", "touch_faults"), >, 0);
	g_assert_cmpfloat(num(sa, "seed", NULL), ==, 5);
	g_assert_cmpfloat(num(sa, "anomalies", "free_unknown_id"), >, 0);
	cJSON_Delete(sa);
	cJSON_Delete(sb);

	/* The invariant checker after every event stays clean. */
	g_assert_cmpint(run_pagesim(args_c, NULL, NULL), ==, 0);
	ps_test_rm_rf(dir);
}

/*
 * A seed above 2^53 is written to summary.json exactly: through a double, 9007199254740993
 * became 9.00719925474099e+15. A small seed keeps cJSON's plain form (the output guard's
 * digests depend on it).
 */
static void test_seed_exact(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *trace = write_trace(dir, 200, 1);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *a = g_build_filename(dir, "a", NULL);
	g_autofree char *b = g_build_filename(dir, "b", NULL);
	const char *args_a[] = {
	    "run", "-q", "-c", cfg, "-t", trace, "-o", a, "--seed", "9007199254740993", NULL};
	const char *args_b[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", b, "--seed", "7", NULL};
	g_autofree char *text = NULL;
	g_autofree char *small = NULL;
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	cJSON *j;
	uint64_t seed = 0;

	if (run_pagesim(args_a, NULL, &err) != 0)
		g_error("run failed: %s", err);
	text = read_file(a, "summary.json");
	g_assert_nonnull(strstr(text, "\"seed\":\t9007199254740993,"));
	j = ps_json_parse_exact(text, strlen(text), "summary.json", &error);
	g_assert_no_error(error);
	g_assert_true(ps_json_item_uint64(cJSON_GetObjectItemCaseSensitive(j, "seed"), &seed));
	g_assert_cmpuint(seed, ==, 9007199254740993ull);
	cJSON_Delete(j);
	g_assert_cmpint(run_pagesim(args_b, NULL, NULL), ==, 0);
	small = read_file(b, "summary.json");
	g_assert_nonnull(strstr(small, "\"seed\":\t7,"));
	ps_test_rm_rf(dir);
}

/* Runs the lines after a header on the small config into dir/name; the run must succeed. */
static void run_lines(const char *dir, const char *name, const char *lines)
{
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *trace = g_strdup_printf("%s/%s.jsonl", dir, name);
	g_autofree char *out = g_build_filename(dir, name, NULL);
	g_autofree char *text = g_strconcat(
	    "{\"pagesim_trace\":1,\"source\":\"gen:test\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":1,\"comm\":\"a\"}\n"
	    "{\"t\":1,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,"
	    "\"gfp\":\"GFP_KERNEL\"}\n",
	    lines, NULL);
	const char *args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};
	g_autofree char *err = NULL;

	g_assert_true(g_file_set_contents(trace, text, -1, NULL));
	if (run_pagesim(args, NULL, &err) != 0)
		g_error("run %s failed: %s", name, err);
}

/*
 * A sysctl write outside the range the kernel's handler accepts is refused as the kernel
 * refuses it (-EINVAL, no effect) and counted; it was clamped (watermark_scale_factor 5000 ran
 * as 3000) or rounded up (percpu_pagelist_high_fraction 5 ran as 8).
 */
static void test_sysctl_refused(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *ref = NULL, *bad = NULL, *zi_ref = NULL, *zi_bad = NULL, *ev = NULL;
	cJSON *sum;

	run_lines(dir, "ref", "{\"t\":2,\"op\":\"free\",\"id\":1}\n");
	run_lines(dir, "bad",
		  "{\"t\":2,\"op\":\"sysctl\",\"name\":\"watermark_scale_factor\","
		  "\"value\":5000}\n"
		  "{\"t\":3,\"op\":\"sysctl\",\"name\":\"percpu_pagelist_high_fraction\","
		  "\"value\":5}\n"
		  "{\"t\":4,\"op\":\"sysctl\",\"name\":\"swappiness\",\"value\":201}\n"
		  "{\"t\":5,\"op\":\"sysctl\",\"name\":\"min_free_kbytes\",\"value\":-1}\n"
		  "{\"t\":6,\"op\":\"sysctl\",\"name\":\"compaction_proactiveness\","
		  "\"value\":101}\n"
		  "{\"t\":7,\"op\":\"sysctl\",\"name\":\"extfrag_threshold\",\"value\":1001}\n"
		  "{\"t\":8,\"op\":\"sysctl\",\"name\":\"watermark_boost_factor\","
		  "\"value\":2147483648}\n"
		  "{\"t\":9,\"op\":\"free\",\"id\":1}\n");
	ref = g_build_filename(dir, "ref", NULL);
	bad = g_build_filename(dir, "bad", NULL);
	sum = summary(bad);
	g_assert_cmpfloat(num(sum, "anomalies", "sysctl_refused"), ==, 7);
	cJSON_Delete(sum);
	sum = summary(ref);
	g_assert_null(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(sum, "anomalies"), "sysctl_refused"));
	cJSON_Delete(sum);
	/* no effect: the watermarks and pcp limits are those of the run without the writes */
	zi_ref = read_file(ref, "zoneinfo");
	zi_bad = read_file(bad, "zoneinfo");
	g_assert_cmpstr(zi_bad, ==, zi_ref);
	ev = read_file(bad, "events.jsonl");
	g_assert_nonnull(strstr(ev, "\"name\":\"watermark_scale_factor\",\"value\":5000,"
				    "\"refused\":true"));
	ps_test_rm_rf(dir);
}

/* Lines of a /proc file with every number replaced by '#', runs of spaces folded. */
static char *layout(const char *text)
{
	GString *s = g_string_new(NULL);
	bool in_num = false, in_space = false;

	for (const char *p = text; *p; p++) {
		if (g_ascii_isdigit(*p) || (*p == '-' && g_ascii_isdigit(p[1]))) {
			if (!in_num)
				g_string_append_c(s, '#');
			in_num = true;
			in_space = false;
			continue;
		}
		if (in_num && (*p == '.' || *p == 'x') && g_ascii_isxdigit(p[1]))
			continue;
		in_num = false;
		if (*p == ' ') {
			if (!in_space)
				g_string_append_c(s, ' ');
			in_space = true;
			continue;
		}
		in_space = false;
		g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

static void test_proc_layout_matches_real(void)
{
	const char *real = g_getenv("PAGESIM_REALDATA");
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *zi = NULL, *cfg = NULL, *trace = NULL, *out = NULL;
	static const char *const files[] = {"buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat"};

	if (!real || !g_file_test(real, G_FILE_TEST_IS_DIR)) {
		g_test_skip("no ../shared/realdata");
		return;
	}
	zi = g_build_filename(real, "ftrace-build-6.18", "before.zoneinfo", NULL);
	cfg = g_build_filename(dir, "real.json", NULL);
	{
		const char *args[] = {"config", "from-proc", "--zoneinfo", zi, "-o", cfg, NULL};

		g_assert_cmpint(run_pagesim(args, NULL, NULL), ==, 0);
	}
	trace = write_trace(dir, 2000, 2);
	out = g_build_filename(dir, "run", NULL);
	{
		const char *args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};

		g_assert_cmpint(run_pagesim(args, NULL, NULL), ==, 0);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *rp =
		    g_strdup_printf("%s/ftrace-build-6.18/before.%s", real, files[i]);
		g_autofree char *rt = NULL;
		g_autofree char *ours = read_file(out, files[i]);
		g_autofree char *lr = NULL, *lo = NULL;

		g_assert_true(g_file_get_contents(rp, &rt, NULL, NULL));
		lr = layout(rt);
		lo = layout(ours);
		if (!strcmp(files[i], "zoneinfo")) {
			/* The per-cpu "high" of a never-used pcp and pcp counts vary; layout
			 * (every key in the same place) must not. */
		}
		g_assert_cmpstr(lo, ==, lr);
	}
	{
		/* zoneinfo parses back with the same zone sizes. */
		g_autofree char *ours = read_file(out, "zoneinfo");
		g_autoptr(GError) error = NULL;
		g_autoptr(PsZoneinfo) z = ps_zoneinfo_parse(ours, "zoneinfo", &error);
		g_autofree char *rt = NULL;
		g_autoptr(PsZoneinfo) r = NULL;

		g_assert_no_error(error);
		g_assert_true(g_file_get_contents(zi, &rt, NULL, NULL));
		r = ps_zoneinfo_parse(rt, zi, &error);
		g_assert_no_error(error);
		g_assert_cmpint(z->nr_zones, ==, r->nr_zones);
		for (int i = 0; i < z->nr_zones; i++) {
			g_assert_cmpuint(z->zones[i].managed, ==, r->zones[i].managed);
			g_assert_cmpuint(z->zones[i].spanned, ==, r->zones[i].spanned);
		}
	}
	ps_test_rm_rf(dir);
}

static void test_bad_trace(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *trace = g_build_filename(dir, "bad.jsonl", NULL);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autofree char *err = NULL;
	g_autofree char *summ = g_build_filename(out, "summary.json", NULL);
	const char *args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, NULL};
	const char *text =
	    "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":10,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,\"gfp\":\"GFP_"
	    "KERNEL\"}\n"
	    "{\"t\":20,\"op\":\"alloc\",\"id\":2,\"cpu\":0,\"pid\":1,\"order\":99,\"gfp\":\"GFP_"
	    "KERNEL\"}\n";

	g_assert_true(g_file_set_contents(trace, text, -1, NULL));
	g_assert_cmpint(run_pagesim(args, NULL, &err), ==, 1);
	g_assert_nonnull(strstr(err, "bad.jsonl:3:"));
	g_assert_nonnull(strstr(err, "order"));
	/* Nothing half-written under a final name. */
	g_assert_false(g_file_test(summ, G_FILE_TEST_EXISTS));
	g_clear_pointer(&err, g_free);

	/* A generated trace may not reuse a live id. */
	text = "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n"
	       "{\"t\":10,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,\"gfp\":\"GFP_"
	       "KERNEL\"}\n"
	       "{\"t\":20,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,\"gfp\":\"GFP_"
	       "KERNEL\"}\n";
	g_assert_true(g_file_set_contents(trace, text, -1, NULL));
	g_assert_cmpint(run_pagesim(args, NULL, &err), ==, 1);
	/* named by the line of the second alloc, though the error is found when it runs */
	g_assert_nonnull(strstr(err, "bad.jsonl:3: id: 1 is reused while still live"));
	g_clear_pointer(&err, g_free);

	/* A recorded trace may: counted as an anomaly. */
	text = "{\"pagesim_trace\":1,\"source\":\"ftrace\",\"page_size\":4096,\"cpus\":2}\n"
	       "{\"t\":10,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,\"gfp\":\"GFP_"
	       "KERNEL\"}\n"
	       "{\"t\":20,\"op\":\"alloc\",\"id\":1,\"cpu\":0,\"pid\":1,\"order\":0,\"gfp\":\"GFP_"
	       "KERNEL\"}\n"
	       "{\"t\":30,\"op\":\"free\",\"id\":5}\n";
	g_assert_true(g_file_set_contents(trace, text, -1, NULL));
	g_assert_cmpint(run_pagesim(args, NULL, NULL), ==, 0);
	{
		cJSON *s = summary(out);

		g_assert_cmpfloat(num(s, "anomalies", "alloc_live_id"), ==, 1);
		g_assert_cmpfloat(num(s, "anomalies", "free_unknown_id"), ==, 1);
		g_assert_cmpfloat(num(s, "totals", "pages_live"), ==, 1);
		cJSON_Delete(s);
	}
	ps_test_rm_rf(dir);
}

static void test_until_and_stdin(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *trace = write_trace(dir, 20000, 3);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *a = g_build_filename(dir, "a", NULL);
	g_autofree char *b = g_build_filename(dir, "b", NULL);
	const char *args_a[] = {"run", "-q", "-c",	cfg,   "-t", trace,
				"-o",  a,    "--until", "5ms", NULL};
	const char *args_b[] = {"run", "-q", "-c", cfg, "-t", "-", "-o", b, NULL};
	cJSON *sa, *sb;

	g_assert_cmpint(run_pagesim(args_a, NULL, NULL), ==, 0);
	g_assert_cmpint(run_pagesim(args_b, trace, NULL), ==, 0);
	sa = summary(a);
	sb = summary(b);
	g_assert_cmpfloat(num(sa, "totals", "end_ns"), ==, 5e6);
	g_assert_cmpfloat(num(sa, "totals", "events"), <, num(sb, "totals", "events"));
	/* Every record ran, or belonged to a task the OOM killer had taken. */
	g_assert_cmpfloat(num(sb, "totals", "events") + num(sb, "totals", "events_skipped_killed"),
			  ==, 20000 + 5);
	cJSON_Delete(sa);
	cJSON_Delete(sb);
	ps_test_rm_rf(dir);
}

/* The pcp count of cpu 1 in zone DMA32 of the run directory out's zoneinfo. */
static double dma32_cpu1_pcp(const char *out)
{
	g_autofree char *zi = read_file(out, "zoneinfo");
	const char *p = strstr(zi, "zone    DMA32");

	g_assert_nonnull(p);
	p = strstr(p, "cpu: 1");
	g_assert_nonnull(p);
	p = strstr(p, "count:");
	g_assert_nonnull(p);
	return g_ascii_strtod(p + strlen("count:"), NULL);
}

/*
 * Pages on cpu 1's pcp lists of zone DMA32 after a run of a task named comm whose first
 * record is on cpu 0 and its other eight allocations on cpu 1, each freed (the frees name no
 * cpu, so they run where their allocation ran), with --placement placement (NULL: none given).
 */
static double placement_cpu1_pcp(const char *comm, const char *placement, const char *want)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *trace = g_build_filename(dir, "trace.jsonl", NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autofree char *arg = placement ? g_strdup_printf("--placement=%s", placement) : NULL;
	g_autoptr(GString) t = g_string_new(
	    "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n");
	const char *args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, "--check", arg, NULL};
	cJSON *sum, *pl;
	double count;

	g_string_append_printf(t, "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"%s\"}\n", comm);
	for (int i = 1; i <= 9; i++)
		g_string_append_printf(t,
				       "{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"cpu\":%d,\"pid\":10,"
				       "\"order\":0,\"gfp\":\"GFP_KERNEL\"}\n",
				       i * 10, i, i > 1);
	for (int i = 1; i <= 9; i++)
		g_string_append_printf(t, "{\"t\":%d,\"op\":\"free\",\"id\":%d}\n", 100 + i * 10,
				       i);
	g_assert_true(g_file_set_contents(trace, t->str, (gssize)t->len, NULL));
	g_assert_cmpint(run_pagesim(args, NULL, NULL), ==, 0);
	sum = summary(out);
	pl = cJSON_GetObjectItemCaseSensitive(sum, "placement");
	/* named in summary.json when not the default */
	if (want)
		g_assert_cmpstr(cJSON_GetStringValue(pl), ==, want);
	else
		g_assert_null(pl);
	cJSON_Delete(sum);
	count = dma32_cpu1_pcp(out);
	ps_test_rm_rf(dir);
	return count;
}

/*
 * Pages on cpu 1's pcp lists of zone DMA32 after a sticky run where task 10 (first record on
 * cpu 0) forks children 11, 12 and 13, all alive to the end, every record on cpu 0, and only
 * child `who` allocates eight pages and frees them (where they were allocated). The fork rule
 * (replay.c sticky_fork_cpu: the fewest live tasks, the parent's cpu on a tie) puts 11 on cpu 1
 * (0 tasks against 1), 12 on cpu 0 (1 against 1: the parent's) and 13 on cpu 1 (1 against 2).
 */
static double fork_cpu1_pcp(int who)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *trace = g_build_filename(dir, "trace.jsonl", NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	g_autoptr(GString) t = g_string_new(
	    "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"parent\"}\n"
	    "{\"t\":1,\"op\":\"alloc\",\"id\":100,\"cpu\":0,\"pid\":10,\"order\":0,"
	    "\"gfp\":\"GFP_KERNEL\"}\n");
	const char *args[] = {
	    "run", "-q", "-c", cfg, "-t", trace, "-o", out, "--check", "--placement=sticky", NULL};
	double count;

	for (int c = 11; c <= 13; c++)
		g_string_append_printf(
		    t, "{\"t\":%d,\"op\":\"proc\",\"pid\":%d,\"comm\":\"child\",\"parent\":10}\n",
		    c, c);
	for (int i = 1; i <= 8; i++)
		g_string_append_printf(t,
				       "{\"t\":%d,\"op\":\"alloc\",\"id\":%d,\"cpu\":0,\"pid\":%d,"
				       "\"order\":0,\"gfp\":\"GFP_KERNEL\"}\n",
				       20 + i, i, who);
	for (int i = 1; i <= 8; i++)
		g_string_append_printf(t, "{\"t\":%d,\"op\":\"free\",\"id\":%d}\n", 40 + i, i);
	g_assert_true(g_file_set_contents(trace, t->str, (gssize)t->len, NULL));
	g_assert_cmpint(run_pagesim(args, NULL, NULL), ==, 0);
	count = dma32_cpu1_pcp(out);
	ps_test_rm_rf(dir);
	return count;
}

/*
 * --placement: sticky runs a task's records on the cpu of its first one, a forked child's on
 * the cpu fork balancing picks, a kernel thread's keep theirs; a bad name and sticky with the
 * pinned replay are refused.
 */
static void test_placement(void)
{
	g_autofree char *cfg = src_path("configs/small-4k-64m.json");
	g_autofree char *err = NULL, *err2 = NULL;
	const char *bad[] = {"run", "-q", "-c", cfg, "-t", "x", "-o", "y", "--placement=idle",
			     NULL};
	const char *pinned[] = {"run", "-q",	 "-c",	   cfg,		  "-t",	    "x", "-o",
				"y",   "--mode", "pinned", "--placement", "sticky", NULL};

	g_assert_cmpfloat(placement_cpu1_pcp("worker", NULL, NULL), >, 0);
	g_assert_cmpfloat(placement_cpu1_pcp("worker", "recorded", NULL), >, 0);
	g_assert_cmpfloat(placement_cpu1_pcp("worker", "sticky", "sticky"), ==, 0);
	g_assert_cmpfloat(placement_cpu1_pcp("kswapd0", "sticky", "sticky"), >, 0);
	g_assert_cmpfloat(fork_cpu1_pcp(11), >, 0);
	g_assert_cmpfloat(fork_cpu1_pcp(12), ==, 0);
	g_assert_cmpfloat(fork_cpu1_pcp(13), >, 0);
	g_assert_cmpint(run_pagesim(bad, NULL, &err), ==, 2);
	g_assert_nonnull(strstr(err, "--placement: 'idle' is not recorded or sticky"));
	g_assert_cmpint(run_pagesim(pinned, NULL, &err2), ==, 2);
	g_assert_nonnull(strstr(err2, "--placement sticky"));
}

/* The two-node machine of the mempolicy tests (16384 pages a node). */
static const char numa2_config[] =
    "{\"page_size\": 4096, \"cpus\": [0, 1],"
    " \"nodes\": [{\"zones\": {\"Normal\": {\"start_pfn\": 16384, \"spanned\": 16384}}},"
    "            {\"zones\": {\"Normal\": {\"start_pfn\": 32768, \"spanned\": 16384}}}]}";

/* Runs trace_text on config_text (with --check) and sums the allocated pages of each node. */
static void run_node_pages(const char *config_text, const GString *trace_text, double node_pages[2])
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *cfg = g_build_filename(dir, "numa.json", NULL);
	g_autofree char *trace = g_build_filename(dir, "trace.jsonl", NULL);
	g_autofree char *out = g_build_filename(dir, "out", NULL);
	const char *args[] = {"run", "-q", "-c", cfg, "-t", trace, "-o", out, "--check", NULL};
	cJSON *sum, *z;

	g_assert_true(g_file_set_contents(trace, trace_text->str, (gssize)trace_text->len, NULL));
	g_assert_true(g_file_set_contents(cfg, config_text, -1, NULL));
	g_assert_cmpint(run_pagesim(args, NULL, NULL), ==, 0);
	sum = summary(out);
	node_pages[0] = node_pages[1] = 0;
	cJSON_ArrayForEach(z, cJSON_GetObjectItem(sum, "final"))
	{
		int node = (int)cJSON_GetObjectItem(z, "node")->valuedouble;

		node_pages[node] += cJSON_GetObjectItem(z, "allocated_pages")->valuedouble;
	}
	cJSON_Delete(sum);
	ps_test_rm_rf(dir);
}

/* Per-task memory policies from `proc` records, on two nodes. */
static void test_mempolicy(void)
{
	g_autoptr(GString) t = g_string_new(
	    "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"spread\","
	    "\"mempolicy\":\"interleave:0,1\"}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":11,\"comm\":\"bound\",\"mempolicy\":\"bind:1\"}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":12,\"comm\":\"local\"}\n");
	uint64_t id = 0;
	double node_pages[2];

	for (int pid = 10; pid <= 12; pid++)
		for (int i = 0; i < 2000; i++, id++)
			g_string_append_printf(t,
					       "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"alloc\","
					       "\"id\":%" G_GUINT64_FORMAT ",\"cpu\":0,\"pid\":%d,"
					       "\"order\":0,\"gfp\":\"GFP_HIGHUSER_MOVABLE\"}\n",
					       1000 * (id + 1), id, pid);
	run_node_pages(numa2_config, t, node_pages);
	/* interleave: 1000 + 1000; bind:1: 2000 on node 1; default on cpu 0: 2000 on node 0. */
	g_assert_cmpfloat(node_pages[0], ==, 3000);
	g_assert_cmpfloat(node_pages[1], ==, 3000);
}

/*
 * MPOL_INTERLEAVE for faults in a VMA: the node is the page's interleave index (an anonymous
 * VMA's start page plus the page's offset) mod the nodes (get_vma_policy, interleave_nid), not
 * the task's round robin. Touching only the odd pages of an 8 MiB mapping puts all 1024 of them
 * on node 1; the page tables (no VMA) take the round robin.
 */
static void test_mempolicy_interleave_index(void)
{
	const uint64_t base = 0x7f0000000000ull;
	g_autoptr(GString) t = g_string_new(
	    "{\"pagesim_trace\":1,\"source\":\"gen:e2e\",\"page_size\":4096,\"cpus\":2}\n"
	    "{\"t\":0,\"op\":\"proc\",\"pid\":10,\"comm\":\"spread\","
	    "\"mempolicy\":\"interleave:0,1\"}\n");
	/* no THP: every page of the mapping is its own order-0 fault */
	g_autofree char *config = g_strdup_printf("%.*s, \"thp\": \"never\"}",
						  (int)strlen(numa2_config) - 1, numa2_config);
	double node_pages[2];

	g_string_append_printf(t,
			       "{\"t\":1000,\"op\":\"map\",\"pid\":10,\"addr\":%" G_GUINT64_FORMAT
			       ",\"len\":8388608}\n",
			       base);
	for (uint64_t i = 1; i < 2048; i += 2)
		g_string_append_printf(t,
				       "{\"t\":%" G_GUINT64_FORMAT ",\"op\":\"touch\",\"pid\":10,"
				       "\"addr\":%" G_GUINT64_FORMAT ",\"len\":4096}\n",
				       2000 + i, base + i * 4096);
	run_node_pages(config, t, node_pages);
	if (g_test_verbose())
		g_printerr("allocated: node 0 %.0f, node 1 %.0f\n", node_pages[0], node_pages[1]);
	/* 1024 odd pages on node 1; node 0 holds page tables only (a round robin: about 512) */
	g_assert_cmpfloat(node_pages[1], >=, 1024);
	g_assert_cmpfloat(node_pages[0], <, 16);
}

/*
 * `pagesim demo` replays the shipped portable build recording at 4K, 16K and 64K: each machine
 * faults its own pages (about 4x and 16x fewer faults, less where a page is partly used),
 * internal fragmentation grows anonymous memory with the page size, the simulator's page tables
 * (one PTE page per page_size/8 entries) grow with it, and the comparison is not refused as
 * page-size-bound. gnuplot is kept off the PATH: figures are not what this checks.
 */
static void test_demo_portable(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-demo-XXXXXX", NULL);
	g_autofree char *out = NULL, *err = NULL, *md = NULL;
	g_autofree char *md_path = g_build_filename(dir, "compare", "compare.md", NULL);
	g_autofree char *old_path = g_strdup(g_getenv("PATH"));
	const char *args[] = {"demo", "-o", dir, NULL};
	double faults[3] = {0}, anon[3] = {0}, ptables[3] = {0};
	unsigned page[3] = {0};
	int n = 0;
	g_auto(GStrv) lines = NULL;

	g_setenv("PATH", "/nonexistent", TRUE);
	g_assert_cmpint(ps_test_spawn(NULL, pagesim, args, &out, &err), ==, 0);
	g_setenv("PATH", old_path, TRUE);
	lines = g_strsplit(out, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		char name[64];
		double allocs, failed, mib, thp, cache, free_mib, largest;

		if (!g_str_has_prefix(lines[i], "arm64-"))
			continue;
		g_assert_cmpint(n, <, 3);
		g_assert_cmpint(sscanf(lines[i], "%63s %uK %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf",
				       name, &page[n], &allocs, &failed, &mib, &faults[n], &thp,
				       &anon[n], &cache, &ptables[n], &free_mib, &largest),
				==, 12);
		g_assert_cmpfloat(failed, ==, 0);
		n++;
	}
	g_assert_cmpint(n, ==, 3);
	g_assert_cmpuint(page[0], ==, 4);
	g_assert_cmpuint(page[2], ==, 64);
	g_assert_cmpfloat(faults[1] * 3, <, faults[0]);
	g_assert_cmpfloat(faults[1] * 4, >=, faults[0] * 0.8);
	g_assert_cmpfloat(faults[2] * 10, <, faults[0]);
	g_assert_cmpfloat(anon[0], <, anon[1]);
	g_assert_cmpfloat(anon[1], <, anon[2]);
	g_assert_cmpfloat(ptables[0], <, ptables[1]);
	g_assert_cmpfloat(ptables[1], <, ptables[2]);
	g_assert_true(g_file_get_contents(md_path, &md, NULL, NULL));
	g_assert_null(strstr(md, "page-size-bound"));
	ps_test_rm_rf(dir);
}

/* config show names a zone's deferred pages (key "deferred"); a config without them does not. */
static void test_config_show_deferred(void)
{
	g_autofree char *dir = g_dir_make_tmp("pagesim-e2e-XXXXXX", NULL);
	g_autofree char *cfg = g_build_filename(dir, "deferred.json", NULL);
	g_autofree char *plain = src_path("configs/small-4k-64m.json");
	g_autofree char *out = NULL, *out_plain = NULL;
	const char *text = "{\"page_size\":4096,\"cpus\":[0],\"nodes\":[{\"zones\":{\"Normal\":{"
			   "\"start_pfn\":1048576,\"spanned\":131072,\"managed\":32768,"
			   "\"deferred\":65536}}}]}";

	g_assert_true(g_file_set_contents(cfg, text, -1, NULL));
	{
		const char *args[] = {"config", "show", cfg, NULL};

		g_assert_cmpint(ps_test_spawn(NULL, pagesim, args, &out, NULL), ==, 0);
	}
	g_assert_nonnull(strstr(out, "deferred pages: node 0 Normal 65536 from first_deferred_pfn "
				     "1114112, grown on demand in sections of 32768 pages"));
	g_assert_nonnull(strstr(out, "        managed  32768"));
	{
		const char *args[] = {"config", "show", plain, NULL};

		g_assert_cmpint(ps_test_spawn(NULL, pagesim, args, &out_plain, NULL), ==, 0);
	}
	g_assert_null(strstr(out_plain, "deferred"));
	ps_test_rm_rf(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(argc, >=, 2);
	pagesim = argv[1];
	g_test_add_func("/e2e/run/outputs-and-determinism", test_outputs_and_determinism);
	g_test_add_func("/e2e/run/proc-layout-matches-real", test_proc_layout_matches_real);
	g_test_add_func("/e2e/run/bad-trace", test_bad_trace);
	g_test_add_func("/e2e/run/until-and-stdin", test_until_and_stdin);
	g_test_add_func("/e2e/run/placement", test_placement);
	g_test_add_func("/e2e/run/mempolicy", test_mempolicy);
	g_test_add_func("/e2e/run/mempolicy-interleave-index", test_mempolicy_interleave_index);
	g_test_add_func("/e2e/run/seed-exact", test_seed_exact);
	g_test_add_func("/e2e/run/sysctl-refused", test_sysctl_refused);
	g_test_add_func("/e2e/run/demo-portable", test_demo_portable);
	g_test_add_func("/e2e/run/config-show-deferred", test_config_show_deferred);
	return g_test_run();
}
