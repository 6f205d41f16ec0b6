// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-reimport.c - the imported recordings shipped in workloads/ come back from their shipped
 * raw text with workloads/README.md's commands ("from a clean clone the same command gives the
 * same records"): `pagesim import --portable --observed` of build-portable/tree.txt.gz and
 * compact-portable/tree.txt.gz (each reads MACHINE and before.tasks beside its input) and
 * `pagesim import --portable` of probe-portable/trace.txt.gz. The records (the inflated text)
 * must be equal; the gzip bytes are not compared (../common/shipped.h says why). An
 * importer change that moves them must ship the re-imported file. Cost: build-portable's import
 * reads 949,069 lines, about 2 s (compact about 0.6 s, probe 0.1 s).
 *
 * argv[1] is the pagesim binary (meson passes it).
 */
#include <glib/gstdio.h>
#include <string.h>

#include "../common/shipped.h"
#include "../common/test-util.h"

static const char *pagesim;
static char *tmp_dir;

struct reimport {
	const char *shipped, *raw;
	bool observed;
};

static const struct reimport recordings[] = {
    {"build-portable.jsonl.gz", "build-portable/tree.txt.gz", true},
    {"compact-portable.jsonl.gz", "compact-portable/tree.txt.gz", true},
    {"probe-portable.jsonl.gz", "probe-portable/trace.txt.gz", false},
};

static void test_reimport(gconstpointer data)
{
	const struct reimport *r = data;
	const char *src = g_getenv("PAGESIM_SRCDIR");
	g_autofree char *raw = NULL, *want = NULL, *got = NULL, *err = NULL;
	const char *args[7];
	int n = 0;

	if (!src) {
		g_test_skip("PAGESIM_SRCDIR is not set");
		return;
	}
	raw = g_build_filename(src, "workloads", r->raw, NULL);
	want = g_build_filename(src, "workloads", r->shipped, NULL);
	got = g_build_filename(tmp_dir, r->shipped, NULL);
	if (!g_file_test(raw, G_FILE_TEST_EXISTS)) {
		g_autofree char *msg = g_strdup_printf("%s: the raw recording is absent", raw);

		g_test_skip(msg);
		return;
	}
	args[n++] = "import";
	args[n++] = "--portable";
	if (r->observed)
		args[n++] = "--observed";
	args[n++] = raw;
	args[n++] = "-o";
	args[n++] = got;
	args[n] = NULL;
	if (ps_test_spawn(NULL, pagesim, args, NULL, &err) != 0) {
		g_test_fail_printf("pagesim import %s: %s", r->raw, err);
		return;
	}
	ps_test_same_records(want, got);
	g_unlink(got);
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_assert_cmpint(argc, >=, 2);
	pagesim = argv[1];
	tmp_dir = g_dir_make_tmp("pagesim-reimport-XXXXXX", &error);
	g_assert_no_error(error);
	for (gsize i = 0; i < G_N_ELEMENTS(recordings); i++) {
		g_autofree char *name = g_strdup_printf("/e2e/reimport/%s", recordings[i].shipped);

		g_test_add_data_func(name, &recordings[i], test_reimport);
	}
	rc = g_test_run();
	ps_test_rm_rf(tmp_dir);
	g_free(tmp_dir);
	return rc;
}
