// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-plot.c - end-to-end tests of the figures and comparisons: a run writes fallbacks.csv and
 * latency_hist.csv; `pagesim plot` renders every script of plots/ to a PNG of the size the
 * scripts promise (read from the PNG's IHDR chunk) and an SVG of that view box; `pagesim
 * compare` writes its table and overlays for runs of one trace on a 4K and a 64K machine, and
 * refuses runs of different traces. The rendering checks are skipped, with a message, when
 * gnuplot is not installed.
 *
 * argv[1] is the pagesim binary (meson passes it). The fixture is a 2-second kbuild trace on
 * the small test machines, made once.
 */
#include "../common/test-util.h"
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* The size plots/common.gpi draws every figure at. */
#define FIG_W 1200
#define FIG_H 800

static const char *pagesim;
static char *tmp_dir, *run_4k, *run_64k, *trace;
static gboolean have_gnuplot;

/* Runs pagesim; returns the exit status, stderr in *err when given. */
static int run_pagesim(const char *const *args, char **err)
{
	return ps_test_spawn(NULL, pagesim, args, NULL, err);
}

static char *src_path(const char *a, const char *b)
{
	return g_build_filename(g_getenv("PAGESIM_SRCDIR"), a, b, NULL);
}

static void make_fixture(void)
{
	g_autofree char *c4 = src_path("configs", "small-4k-64m.json");
	g_autofree char *c64 = src_path("configs", "small-64k-1g.json");

	trace = g_build_filename(tmp_dir, "kbuild.jsonl.gz", NULL);
	run_4k = g_build_filename(tmp_dir, "run-4k", NULL);
	run_64k = g_build_filename(tmp_dir, "run-64k", NULL);
	g_assert_cmpint(run_pagesim((const char *[]){"gen", "kbuild", "--seconds", "2", "--seed",
						     "1", "-o", trace, NULL},
				    NULL),
			==, 0);
	g_assert_cmpint(
	    run_pagesim((const char *[]){"run", "-q", "-c", c4, "-t", trace, "-o", run_4k, NULL},
			NULL),
	    ==, 0);
	g_assert_cmpint(
	    run_pagesim((const char *[]){"run", "-q", "-c", c64, "-t", trace, "-o", run_64k, NULL},
			NULL),
	    ==, 0);
}

/* The width and height of a PNG file from its IHDR chunk; FALSE if it is not a PNG. */
static gboolean png_size(const char *path, guint32 *w, guint32 *h)
{
	static const guchar sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	g_autofree guchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, (char **)&data, &len, NULL) || len < 33 ||
	    memcmp(data, sig, 8) || memcmp(data + 12, "IHDR", 4))
		return FALSE;
	*w = (guint32)data[16] << 24 | (guint32)data[17] << 16 | (guint32)data[18] << 8 | data[19];
	*h = (guint32)data[20] << 24 | (guint32)data[21] << 16 | (guint32)data[22] << 8 | data[23];
	return TRUE;
}

/* Every NAME.gp of scripts_dir (but sweep-*) has NAME.png and NAME.svg of the figure size. */
static void check_figures(const char *scripts_dir, const char *plots_dir)
{
	g_autoptr(GDir) d = g_dir_open(scripts_dir, 0, NULL);
	g_autofree char *viewbox = g_strdup_printf("viewBox=\"0 0 %d %d\"", FIG_W, FIG_H);
	const char *n;
	unsigned nfig = 0;

	g_assert_nonnull(d);
	while ((n = g_dir_read_name(d))) {
		g_autofree char *base = NULL, *png = NULL, *svg = NULL, *svgtext = NULL;
		guint32 w = 0, h = 0;

		if (!g_str_has_suffix(n, ".gp") || g_str_has_prefix(n, "sweep-"))
			continue;
		base = g_strndup(n, strlen(n) - 3);
		png = g_strdup_printf("%s/%s.png", plots_dir, base);
		svg = g_strdup_printf("%s/%s.svg", plots_dir, base);
		g_test_message("checking %s", png);
		g_assert_true(png_size(png, &w, &h));
		g_assert_cmpuint(w, ==, FIG_W);
		g_assert_cmpuint(h, ==, FIG_H);
		g_assert_true(g_file_get_contents(svg, &svgtext, NULL, NULL));
		g_assert_nonnull(strstr(svgtext, "<svg"));
		g_assert_nonnull(strstr(svgtext, viewbox));
		g_assert_nonnull(strstr(svgtext, "</svg>"));
		nfig++;
	}
	g_assert_cmpuint(nfig, >, 0);
}

static void test_run_outputs(void)
{
	g_autofree char *fb = g_build_filename(run_4k, "fallbacks.csv", NULL);
	g_autofree char *lh = g_build_filename(run_4k, "latency_hist.csv", NULL);
	g_autofree char *text = NULL, *htext = NULL;
	g_auto(GStrv) lines = NULL, hlines = NULL;
	guint rows = 0;
	const char *last = NULL;

	g_assert_true(g_file_get_contents(fb, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	g_assert_cmpstr(lines[0], ==, "alloc_mt,fallback_mt,fragmenting,claimed,count");
	for (int i = 1; lines[i] && *lines[i]; i++)
		rows++;
	g_assert_cmpuint(rows, ==, 3 * 3 * 2 * 2);

	g_assert_true(g_file_get_contents(lh, &htext, NULL, NULL));
	hlines = g_strsplit(htext, "\n", -1);
	g_assert_cmpstr(hlines[0], ==, "path,upper_ns,count,cum_fraction");
	g_assert_nonnull(hlines[1]);
	/* Each path's CDF ends at 1: the last row before another path (or the end). */
	for (int i = 1; hlines[i] && *hlines[i]; i++) {
		const char *next = hlines[i + 1];

		if (!next || !*next || strncmp(next, hlines[i], strcspn(hlines[i], ",") + 1)) {
			g_assert_true(g_str_has_suffix(hlines[i], ",1.000000"));
			last = hlines[i];
		}
	}
	g_assert_nonnull(last);
}

static void test_plot(void)
{
	g_autofree char *scripts = src_path("plots", NULL);
	g_autofree char *plots = g_build_filename(run_4k, "plots", NULL);

	if (!have_gnuplot) {
		g_test_skip("gnuplot is not installed: figures not rendered (scripts/deps.sh)");
		return;
	}
	g_assert_cmpint(run_pagesim((const char *[]){"plot", run_4k, NULL}, NULL), ==, 0);
	check_figures(scripts, plots);
}

/* The 4K and 64K values of compare.md's row `metric` (which must be there). */
static void md_row(const char *md, const char *metric, double *a, double *b)
{
	g_autofree char *key = g_strdup_printf("\n| %s | ", metric);
	const char *p = strstr(md, key);

	g_assert_nonnull(p);
	p = strchr(p + strlen(key), '|'); /* after the unit */
	g_assert_nonnull(p);
	g_assert_cmpint(sscanf(p, "| %lf | %lf", a, b), ==, 2);
}

static void test_compare(void)
{
	g_autofree char *out = g_build_filename(tmp_dir, "cmp", NULL);
	g_autofree char *md = g_build_filename(out, "compare.md", NULL);
	g_autofree char *csv = g_build_filename(out, "compare.csv", NULL);
	g_autofree char *scripts = src_path("plots", "compare");
	g_autofree char *plots = g_build_filename(out, "plots", NULL);
	g_autofree char *mdtext = NULL, *csvtext = NULL;

	g_assert_cmpint(run_pagesim((const char *[]){"compare", run_4k, run_64k, "-o", out,
						     have_gnuplot ? NULL : "--no-plots", NULL},
				    NULL),
			==, 0);
	g_assert_true(g_file_get_contents(md, &mdtext, NULL, NULL));
	g_assert_true(g_file_get_contents(csv, &csvtext, NULL, NULL));
	g_assert_nonnull(strstr(mdtext, "| page size | KiB | 4 | 64 (x16) |"));
	g_assert_true(g_str_has_prefix(csvtext, "metric,unit,run,label,value,ratio_to_first\n"));
	g_assert_nonnull(strstr(csvtext, "\npage size,KiB,2,"));
	/*
	 * Issue 15's table: per-path p50/p99, first-touch faults whole, and where the kernel time
	 * went. A 64K fault clears 16 times the bytes: it costs more, and zeroing takes a larger
	 * share of the time, while there are 16 times fewer faults.
	 */
	{
		double a, b, fa, fb;

		md_row(mdtext, "latency p50, pcp", &a, &b);
		md_row(mdtext, "latency p99, pcp", &a, &b);
		md_row(mdtext, "latency p50, first-touch faults", &a, &b);
		g_assert_cmpfloat(b, >, a);
		md_row(mdtext, "latency p99, first-touch faults", &a, &b);
		md_row(mdtext, "page faults (touch)", &fa, &fb);
		g_assert_cmpfloat(fb, <, fa);
		md_row(mdtext, "share of kernel time zeroing pages", &a, &b);
		g_assert_cmpfloat(b, >, a);
		g_assert_cmpfloat(b, <=, 100);
		md_row(mdtext, "share of kernel time in the page allocator", &a, &b);
		g_assert_cmpfloat(a, >, 0);
		g_assert_cmpfloat(a, <=, 100);
	}
	if (!have_gnuplot) {
		g_test_skip("gnuplot is not installed: comparison figures not rendered");
		return;
	}
	check_figures(scripts, plots);
}

static void test_compare_refuses_other_trace(void)
{
	g_autofree char *other = g_build_filename(tmp_dir, "other.jsonl.gz", NULL);
	g_autofree char *run = g_build_filename(tmp_dir, "run-other", NULL);
	g_autofree char *out = g_build_filename(tmp_dir, "cmp-bad", NULL);
	g_autofree char *c4 = src_path("configs", "small-4k-64m.json");
	g_autofree char *err = NULL;

	g_assert_cmpint(run_pagesim((const char *[]){"gen", "kbuild", "--seconds", "1", "--seed",
						     "2", "-o", other, NULL},
				    NULL),
			==, 0);
	g_assert_cmpint(
	    run_pagesim((const char *[]){"run", "-q", "-c", c4, "-t", other, "-o", run, NULL},
			NULL),
	    ==, 0);
	g_assert_cmpint(
	    run_pagesim((const char *[]){"compare", run_4k, run, "-o", out, NULL}, &err), ==, 1);
	g_assert_nonnull(strstr(err, "different traces"));
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
}

/* A run whose timeline.csv was cut mid-row (a full disk, a copy in progress) is refused. */
static void test_compare_refuses_cut_timeline(void)
{
	g_autofree char *run = g_build_filename(tmp_dir, "run-cut", NULL);
	g_autofree char *out = g_build_filename(tmp_dir, "cmp-cut", NULL);
	g_autofree char *tl = g_build_filename(run, "timeline.csv", NULL);
	g_autoptr(GDir) d = g_dir_open(run_64k, 0, NULL);
	g_autofree char *text = NULL, *err = NULL;
	const char *name;
	gsize len;

	g_assert_nonnull(d);
	g_assert_cmpint(g_mkdir(run, 0755), ==, 0);
	while ((name = g_dir_read_name(d))) {
		g_autofree char *from = g_build_filename(run_64k, name, NULL);
		g_autofree char *to = g_build_filename(run, name, NULL);
		g_autofree char *data = NULL;

		if (g_file_test(from, G_FILE_TEST_IS_REGULAR) &&
		    g_file_get_contents(from, &data, &len, NULL))
			g_assert_true(g_file_set_contents(to, data, (gssize)len, NULL));
	}
	g_assert_true(g_file_get_contents(tl, &text, &len, NULL));
	g_assert_cmpuint(len, >, 10);
	g_assert_true(g_file_set_contents(tl, text, (gssize)len - 5, NULL));
	g_assert_cmpint(
	    run_pagesim((const char *[]){"compare", run_4k, run, "-o", out, NULL}, &err), ==, 1);
	g_assert_nonnull(strstr(err, "timeline.csv:"));
	g_assert_nonnull(strstr(err, "the last row has no newline"));
	g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
	g_autofree char *gp = g_find_program_in_path("gnuplot");
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(argc, >=, 2);
	pagesim = argv[1];
	have_gnuplot = gp != NULL;
	if (!have_gnuplot)
		g_printerr("test-plot: gnuplot not found: rendering checks are skipped\n");
	tmp_dir = g_dir_make_tmp("pagesim-test-plot-XXXXXX", NULL);
	g_assert_nonnull(tmp_dir);
	make_fixture();
	g_test_add_func("/e2e/plot/run-writes-fallbacks-and-latency-hist", test_run_outputs);
	g_test_add_func("/e2e/plot/renders-every-figure", test_plot);
	g_test_add_func("/e2e/plot/compare-4k-64k", test_compare);
	g_test_add_func("/e2e/plot/compare-refuses-other-trace", test_compare_refuses_other_trace);
	g_test_add_func("/e2e/plot/compare-refuses-cut-timeline",
			test_compare_refuses_cut_timeline);
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	g_free(run_4k);
	g_free(run_64k);
	g_free(trace);
	return rc;
}
