// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-shipped.c - the shipped exact conversions, workloads/ftrace-build-6.18.jsonl.gz and
 * ftrace-compact-6.18.jsonl.gz, are what the current importer makes of their recordings
 * (../shared/realdata/NAME/trace.txt.gz, as workloads/README.md's provenance rows say): each is
 * imported again and compared with the shipped file record for record (the inflated text), so an
 * importer change that moves them must ship them again. Skipped where ../shared/realdata is
 * absent (PAGESIM_REALDATA).
 */
#include <glib.h>
#include <string.h>
#include <zlib.h>

#include "../common/test-util.h"
#include "trace/trace.h"

/* The inflated bytes of a gzip'd file. */
static GByteArray *inflate_file(const char *path)
{
	gzFile gz = gzopen(path, "rb");
	GByteArray *out = g_byte_array_new();
	guint8 buf[65536];
	int got;

	g_assert_nonnull(gz);
	while ((got = gzread(gz, buf, sizeof(buf))) > 0)
		g_byte_array_append(out, buf, (guint)got);
	g_assert_cmpint(got, ==, 0);
	g_assert_cmpint(gzclose(gz), ==, Z_OK);
	return out;
}

/* The line of text that holds offset at, for the message. */
static char *line_at(const GByteArray *b, gsize at, gsize *lineno)
{
	gsize start = at, end = at;

	*lineno = 1;
	for (gsize i = 0; i < at && i < b->len; i++)
		*lineno += b->data[i] == '\n';
	while (start > 0 && start <= b->len && b->data[start - 1] != '\n')
		start--;
	while (end < b->len && b->data[end] != '\n')
		end++;
	return start <= b->len ? g_strndup((const char *)b->data + start, end - start)
			       : g_strdup("");
}

static void test_shipped(gconstpointer data)
{
	const char *name = data;
	const char *root = g_getenv("PAGESIM_REALDATA");
	const char *srcdir = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *rec = root ? g_build_filename(root, name, "trace.txt.gz", NULL) : NULL;
	g_autofree char *file = g_strconcat(name, ".jsonl.gz", NULL);
	g_autofree char *shipped = g_build_filename(srcdir, "workloads", file, NULL);
	g_autofree char *tmp = NULL, *out = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) want = NULL, got = NULL;
	PsImportOptions opts = {0};
	PsImportStats st;
	gsize at = 0, lineno;

	if (!rec || !g_file_test(rec, G_FILE_TEST_EXISTS)) {
		g_test_skip("../shared/realdata not available (PAGESIM_REALDATA): nothing to "
			    "import the shipped conversion from");
		return;
	}
	tmp = ps_test_make_dir("pagesim-shipped-XXXXXX");
	out = g_build_filename(tmp, file, NULL);
	g_assert_true(ps_trace_import(rec, out, &opts, &st, &error));
	g_assert_no_error(error);
	want = inflate_file(shipped);
	got = inflate_file(out);
	while (at < want->len && at < got->len && want->data[at] == got->data[at])
		at++;
	if (at < want->len || at < got->len) {
		g_autofree char *w = line_at(want, at, &lineno);
		g_autofree char *g = line_at(got, at, &lineno);

		g_printerr("%s differs from its import at line %" G_GSIZE_FORMAT
			   ":\n  shipped  %s\n  imported %s\n(workloads/README.md: "
			   "import it again and update its provenance row)",
			   shipped, lineno, w, g);
	}
	g_assert_cmpuint(want->len, ==, got->len);
	g_assert_cmpuint(at, ==, want->len);
	ps_test_rm_rf(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_data_func("/trace/shipped/ftrace-build-6.18", "ftrace-build-6.18", test_shipped);
	g_test_add_data_func("/trace/shipped/ftrace-compact-6.18", "ftrace-compact-6.18",
			     test_shipped);
	return g_test_run();
}
