// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-writeback.c - policy/writeback.c's global dirty limits against the recording kernels'
 * own: /proc/vmstat's nr_dirty_threshold and nr_dirty_background_threshold before and after
 * each pressure recording (workloads/, 4K x86-64 and the arm64 lab at 4K and 64K), computed from
 * the same vmstat's free and file LRU pages on the machine `config from-proc` builds from the
 * recording's before.zoneinfo (its totalreserve_pages). The model's vmstat is formatted and read
 * back, so the procfs lines are tested too. Exact: the recorded figures are fixed files, and a
 * page off (global_dirtyable_memory's "never 0" + 1 left out) must fail.
 */
#include <string.h>

#include "../common/policy-run.h"
#include "policy/policy.h"
#include "report/report.h"

static void check(const char *dir, const char *when)
{
	g_autofree char *name = g_strdup_printf("%s.vmstat", when);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *text = ps_test_slurp(path);
	g_autoptr(PsConfig) cfg = ps_test_config_from_dir(dir, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(PsMachine) m = ps_machine_setup(&cfg->spec, &error);
	g_autoptr(GString) out = g_string_new(NULL);
	int64_t thresh = ps_test_vmstat_in(text, "nr_dirty_threshold");
	int64_t bg = ps_test_vmstat_in(text, "nr_dirty_background_threshold");

	g_assert_no_error(error);
	g_assert_cmpint(thresh, >, 0);
	g_assert_cmpint(bg, >, 0);
	/* the recorded machine-wide counts, all in the first zone (the limits read the sums) */
	for (int i = 0; i < m->nr_zones; i++) {
		m->zones[i].vm_stat[PS_NR_FREE_PAGES] = 0;
		m->zones[i].vm_stat[PS_NR_ZONE_INACTIVE_FILE] = 0;
		m->zones[i].vm_stat[PS_NR_ZONE_ACTIVE_FILE] = 0;
	}
	m->zones[0].vm_stat[PS_NR_FREE_PAGES] = ps_test_vmstat_in(text, "nr_free_pages");
	m->zones[0].vm_stat[PS_NR_ZONE_INACTIVE_FILE] = ps_test_vmstat_in(text, "nr_inactive_file");
	m->zones[0].vm_stat[PS_NR_ZONE_ACTIVE_FILE] = ps_test_vmstat_in(text, "nr_active_file");
	ps_format_vmstat(m, out);
	if (g_test_verbose())
		g_printerr("%s %s: thresh %" G_GINT64_FORMAT " vs %" G_GINT64_FORMAT
			   ", bg %" G_GINT64_FORMAT " vs %" G_GINT64_FORMAT "\n",
			   dir, when, ps_test_vmstat_in(out->str, "nr_dirty_threshold"), thresh,
			   ps_test_vmstat_in(out->str, "nr_dirty_background_threshold"), bg);
	g_assert_cmpint(ps_test_vmstat_in(out->str, "nr_dirty_threshold"), ==, thresh);
	g_assert_cmpint(ps_test_vmstat_in(out->str, "nr_dirty_background_threshold"), ==, bg);
}

static void test_recording(gconstpointer data)
{
	const char *src = g_getenv("PAGESIM_SRCDIR");
	g_autofree char *dir = src ? g_build_filename(src, "workloads", data, NULL) : NULL;
	g_autofree char *zi = dir ? g_build_filename(dir, "before.zoneinfo", NULL) : NULL;

	if (!zi || !g_file_test(zi, G_FILE_TEST_EXISTS)) {
		g_test_skip("workloads/ not available (PAGESIM_SRCDIR)");
		return;
	}
	check(dir, "before");
	check(dir, "after");
}

int main(int argc, char **argv)
{
	static const char *const recs[] = {"ftrace-press-slab-6.18", "ftrace-press-kswapd-6.18",
					   "qemu-press-oom-4k-6.18", "qemu-press-oom-64k-6.18"};

	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(recs); i++) {
		g_autofree char *name =
		    g_strdup_printf("/policy/writeback/dirty-limits/%s", recs[i]);

		g_test_add_data_func(name, recs[i], test_recording);
	}
	return g_test_run();
}
