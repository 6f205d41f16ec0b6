// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-index.c - the pagesim binary (path in argv[1]): `pagesim index` prints the debugfs text
 * of a recorded buddyinfo exactly (one file with a flag, both under headings without), reads
 * stdin and the live /proc/buddyinfo, and rejects bad input with `file:line: what`.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

static const char *pagesim;

/* Runs pagesim with args, feeding `input` on stdin; returns the exit status. */
static int run(const char *const *args, const char *input, char **out, char **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) p = NULL;

	g_ptr_array_add(argv, (gpointer)pagesim);
	for (int i = 0; args[i]; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	p = g_subprocess_newv((const char *const *)argv->pdata,
			      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				  G_SUBPROCESS_FLAGS_STDERR_PIPE,
			      &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, input, NULL, out, err, &error));
	g_assert_no_error(error);
	return g_subprocess_get_exit_status(p);
}

static char *fb_buddyinfo(void)
{
	const char *rd = g_getenv("PAGESIM_REALDATA");
	char *path;

	if (!rd)
		return NULL;
	path = g_build_filename(rd, "linuxmm-fb-2node-3.10-vs-4.0", "buddyinfo-4.0.txt", NULL);
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_free(path);
		return NULL;
	}
	return path;
}

/* The 4.0 server's buddyinfo, as Linux 6.18's debugfs would print it. */
static const char fb40_unusable[] =
    "Node 0, zone      DMA 0.000 0.000 0.000 0.000 0.002 0.007 0.015 0.033 0.033 0.033 0.171 \n"
    "Node 0, zone    DMA32 0.000 0.303 0.698 0.993 1.000 1.000 1.000 1.000 1.000 1.000 1.000 \n"
    "Node 0, zone   Normal 0.000 0.594 0.927 0.996 0.999 1.000 1.000 1.000 1.000 1.000 1.000 \n"
    "Node 1, zone   Normal 0.000 0.524 0.949 0.992 0.999 1.000 1.000 1.000 1.000 1.000 1.000 \n";
static const char fb40_extfrag[] =
    "Node 0, zone      DMA -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 "
    "-1.000 \n"
    "Node 0, zone    DMA32 -1.000 -1.000 -1.000 -1.000  0.892  0.946  0.973  0.987  0.994  0.997 "
    " 0.999 \n"
    "Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000  0.960  0.980  0.990  0.995  0.998 "
    " 0.999 \n"
    "Node 1, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000  0.959  0.980  0.990  0.995  0.998 "
    " 0.999 \n";

static void test_realdata_formats(void)
{
	g_autofree char *path = fb_buddyinfo();
	g_autofree char *both = NULL, *text = NULL;

	if (!path) {
		g_test_skip("PAGESIM_REALDATA not available");
		return;
	}
	both =
	    g_strconcat("unusable_index:\n", fb40_unusable, "extfrag_index:\n", fb40_extfrag, NULL);
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", "--extfrag", path, NULL};

		g_assert_cmpint(run(args, NULL, &out, &err), ==, 0);
		g_assert_cmpstr(out, ==, fb40_extfrag);
		g_assert_cmpstr(err, ==, "");
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", path, "-u", NULL};

		g_assert_cmpint(run(args, NULL, &out, &err), ==, 0);
		g_assert_cmpstr(out, ==, fb40_unusable);
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", path, NULL};

		g_assert_cmpint(run(args, NULL, &out, &err), ==, 0);
		g_assert_cmpstr(out, ==, both);
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", "--unusable", "--extfrag", path, NULL};

		g_assert_cmpint(run(args, NULL, &out, &err), ==, 0);
		g_assert_cmpstr(out, ==, both);
	}
	/* The same bytes from stdin. */
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", "--extfrag", "-", NULL};

		g_assert_cmpint(run(args, text, &out, &err), ==, 0);
		g_assert_cmpstr(out, ==, fb40_extfrag);
	}
}

/* A 3.10-era file without trailing spaces reads the same way. */
static void test_realdata_no_trailing_space(void)
{
	const char *rd = g_getenv("PAGESIM_REALDATA");
	g_autofree char *path =
	    rd ? g_build_filename(rd, "pcp-qa-x86-1node-16G", "buddyinfo", NULL) : NULL;
	g_autofree char *out = NULL, *err = NULL;
	const char *args[] = {"index", "--unusable", path, NULL};

	if (!path || !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_test_skip("PAGESIM_REALDATA not available");
		return;
	}
	g_assert_cmpint(run(args, NULL, &out, &err), ==, 0);
	/* DMA 1 0 1 0 2 1 1 0 1 1 3: F = 3977, order 1: (3977 - 3976) * 1000 / 3977 = 0. */
	g_assert_true(g_str_has_prefix(out, "Node 0, zone      DMA 0.000 0.000 "));
	g_assert_nonnull(strstr(out, "\nNode 0, zone    DMA32 0.000 "));
	g_assert_nonnull(strstr(out, "\nNode 0, zone   Normal 0.000 "));
}

static void test_live(void)
{
	g_autofree char *out = NULL, *err = NULL, *bi = NULL;
	g_auto(GStrv) bi_lines = NULL;
	const char *args[] = {"index", NULL};
	guint zones;

	if (!g_file_get_contents("/proc/buddyinfo", &bi, NULL, NULL)) {
		g_test_skip("/proc/buddyinfo not readable");
		return;
	}
	bi_lines = g_strsplit(bi, "\n", -1);
	zones = g_strv_length(bi_lines) - 1;
	g_assert_cmpint(run(args, NULL, &out, &err), ==, 0);
	g_assert_true(g_str_has_prefix(out, "unusable_index:\nNode "));
	g_assert_nonnull(strstr(out, "\nextfrag_index:\nNode "));
	/* Two headings and two lines per zone. */
	{
		g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

		g_assert_cmpuint(g_strv_length(lines) - 1, ==, 2 + 2 * zones);
	}
}

static void test_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("pagesim-index-XXXXXX", &error);
	g_autofree char *bad = g_build_filename(dir, "buddyinfo", NULL);
	g_autofree char *missing = g_build_filename(dir, "nothing", NULL);
	g_autofree char *want = NULL;

	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(
	    bad, "Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 x 3\n", -1, &error));
	want = g_strdup_printf("pagesim index: %s:2: a free block count is not a number: "
			       "'Node 0, zone Normal 1 x 3'\n",
			       bad);
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", bad, NULL};

		g_assert_cmpint(run(args, NULL, &out, &err), ==, 1);
		g_assert_cmpstr(err, ==, want);
		g_assert_cmpstr(out, ==, "");
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", missing, NULL};

		g_assert_cmpint(run(args, NULL, &out, &err), ==, 1);
		g_assert_nonnull(strstr(err, missing));
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", bad, missing, NULL};

		g_assert_cmpint(run(args, NULL, &out, &err), ==, 2);
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", "--bogus", NULL};

		g_assert_cmpint(run(args, NULL, &out, &err), ==, 2);
	}
	g_unlink(bad);
	g_rmdir(dir);
}

/* Input no kernel prints: refused, with the line quoted and its control bytes escaped. */
static void test_garbage(void)
{
	static const struct {
		const char *line, *err;
	} cases[] = {
	    {"Node 0, zone Normal \x01\x02junk 1 2\n",
	     "pagesim index: -:1: a free block count is not a number: "
	     "'Node 0, zone Normal \\001\\002junk 1 2'\n"},
	    {"Node 0, zone Nor\x1bmal 1 2\n",
	     "pagesim index: -:1: bad zone name: 'Node 0, zone Nor\\033mal 1 2'\n"},
	    /* 2^64-1 blocks of order 1 are 2^65-2 pages: not a count a kernel can print. */
	    {"Node 0, zone Normal 1 18446744073709551615\n",
	     "pagesim index: -:1: free block counts out of range (free pages x 1000 overflow 64 "
	     "bits): "
	     "'Node 0, zone Normal 1 18446744073709551615'\n"},
	    /* Each fits, their sum does not. */
	    {"Node 0, zone Normal 18446744073709551615 1\n",
	     "pagesim index: -:1: free block counts out of range (free pages x 1000 overflow 64 "
	     "bits): "
	     "'Node 0, zone Normal 18446744073709551615 1'\n"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", "-", NULL};

		g_assert_cmpint(run(args, cases[i].line, &out, &err), ==, 1);
		g_assert_cmpstr(err, ==, cases[i].err);
		g_assert_cmpstr(out, ==, "");
	}
	/* The largest count whose pages x 1000 fit in 64 bits is printed; one more is refused. */
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", "--unusable", "-", NULL};

		g_assert_cmpint(run(args, "Node 0, zone Normal 18446744073709551 0\n", &out, &err),
				==, 0);
		g_assert_cmpstr(out, ==, "Node 0, zone   Normal 0.000 1.000 \n");
	}
	{
		g_autofree char *out = NULL, *err = NULL;
		const char *args[] = {"index", "--unusable", "-", NULL};

		g_assert_cmpint(run(args, "Node 0, zone Normal 18446744073709552 0\n", &out, &err),
				==, 1);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (argc < 2)
		g_error("usage: %s PAGESIM", argv[0]);
	pagesim = argv[1];
	g_test_add_func("/e2e/index/realdata-formats", test_realdata_formats);
	g_test_add_func("/e2e/index/no-trailing-space", test_realdata_no_trailing_space);
	g_test_add_func("/e2e/index/live", test_live);
	g_test_add_func("/e2e/index/errors", test_errors);
	g_test_add_func("/e2e/index/garbage", test_garbage);
	return g_test_run();
}
