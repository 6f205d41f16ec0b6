// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-press-compact-start.c - issue 14 item 2: a policy replay from a recording's snapshot starts
 * its compaction scanners where the recording kernel's had cached them
 * (workloads/ftrace-press-thp2-6.18; a missing recording skips with the reason).
 *
 * compact_zone takes a run's scanner starts from the zone's compact_cached_migrate_pfn[sync] and
 * compact_cached_free_pfn, left by the compactions before the trace; /proc shows neither, the
 * trace's first mm_compaction_begin of the zone prints both (sim/snapshot-stale.c note_first_begin,
 * policy/compaction.c ps_compaction_seed_cached). On this recording the kernel's first run (an
 * async direct compaction of a THP fault, 3.5 ms into the trace) began at migrate_pfn 0x151000,
 * free_pfn 0x4efc00 in Normal (zone 0x100000-0x640000) and succeeded after 0x151600; the model's
 * began at the zone's edges (0x100000, 0x63fe00) and, its scanners meeting no cached state, crossed
 * the low blocks the kernel's runs had left behind. Measured at this commit (fid.sh's replay):
 * pgmigrate_success 86,561 -> 79,422 (kernel 50,058), compact_success 29 -> 32 (49),
 * compact_fail 446 -> 430 (332), allocstall 161 -> 154 (119). And the runs of the first 20 ms
 * come as often as the kernel's once a run's time is charged per page looked at.
 *
 * And on ftrace-press-thp-6.18: a snapshot block no record holds is split when it gets no target,
 * so no run ends COMPACT_CONTENDED on one (test_unknown_folios_split).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/policy-run.h"
#include "../common/test-util.h"
#include "config/config.h"
#include "mm/mm.h"
#include "sim/sim.h"
#include "util/util.h"

#define REC "ftrace-press-thp2-6.18"
/* the recording's first mm_compaction_begin (727.137732 s, 3.5 ms into the trace) */
#define KERNEL_MIGRATE_PFN 0x151000
#define KERNEL_FREE_PFN	   0x4efc00
/* the model's first compaction of this recording comes 7.1 ms in */
#define UNTIL_NS 20000000ull
/*
 * The kernel's direct compactions that began in the first 20 ms (3.5, 8.9, 9.4, 9.5, 12.0, 12.8,
 * 15.0 ms), all of b.hog's THP faults.
 */
#define KERNEL_RUNS_BEFORE_UNTIL 7
/* the pages those runs migrated (mm_compaction_migratepages) */
#define KERNEL_MIGRATED_BEFORE_UNTIL 2145

/*
 * The first compact_zone event of the run's events.jsonl (cJSON_Delete it), NULL when none; the
 * number of them in *n, the pages they migrated in *migrated.
 */
static cJSON *first_compact_zone(const char *run, unsigned *n, double *migrated)
{
	g_autofree char *path = g_build_filename(run, "events.jsonl", NULL);
	g_autofree char *text = ps_test_slurp(path);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	cJSON *first = NULL;

	*n = 0;
	*migrated = 0;
	for (char **l = lines; *l; l++) {
		cJSON *e = cJSON_Parse(*l);
		const cJSON *type = e ? cJSON_GetObjectItem(e, "type") : NULL;

		if (type && cJSON_IsString(type) && !strcmp(type->valuestring, "compact_zone")) {
			++*n;
			*migrated += ps_test_json_num(e, "migrated");
			if (!first) {
				first = e;
				continue;
			}
		}
		cJSON_Delete(e);
	}
	return first;
}

static void test_first_run_starts_where_kernel_did(void)
{
	const char *srcdir = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *dir = g_build_filename(srcdir, "workloads", REC, NULL);
	g_autofree char *trace = g_build_filename(dir, "trace.jsonl.gz", NULL);
	g_autofree char *before = g_build_filename(dir, "before.kpageflags.gz", NULL);
	g_autofree char *tmp = NULL, *out = NULL;
	g_autoptr(PsConfig) cfg = NULL;
	cJSON *js, *first;
	unsigned runs;
	double migrated;

	if (!g_file_test(trace, G_FILE_TEST_EXISTS) || !g_file_test(before, G_FILE_TEST_EXISTS)) {
		g_test_skip("workloads/" REC
			    " (trace.jsonl.gz, before.kpageflags.gz) not available");
		return;
	}
	tmp = ps_test_make_dir("pagesim-press-compact-start-XXXXXX");
	out = g_build_filename(tmp, "run", NULL);
	cfg = ps_test_config_from_dir(dir, 0);
	js = ps_test_policy_run_until(cfg, trace, before, dir, out, UNTIL_NS);
	g_assert_cmpfloat(ps_test_json_num(cJSON_GetObjectItem(js, "snapshot"),
					   "compaction_cached_zones_at_start"),
			  ==, 1);
	first = first_compact_zone(out, &runs, &migrated);
	g_assert_nonnull(first);
	if (g_test_verbose())
		g_printerr("%s first run: migrate %#llx -> %#llx, free %#llx, migrated %.0f\n", REC,
			   (unsigned long long)ps_test_json_num(first, "migrate_start_pfn"),
			   (unsigned long long)ps_test_json_num(first, "migrate_end_pfn"),
			   (unsigned long long)ps_test_json_num(first, "free_start_pfn"),
			   ps_test_json_num(first, "migrated"));
	g_assert_cmpfloat(ps_test_json_num(first, "zone_idx"), ==, 2);
	g_assert_cmpfloat(ps_test_json_num(first, "mode"), ==, 0);
	g_assert_cmpfloat(ps_test_json_num(first, "whole_zone"), ==, 0);
	g_assert_cmpfloat(ps_test_json_num(first, "migrate_start_pfn"), ==, KERNEL_MIGRATE_PFN);
	g_assert_cmpfloat(ps_test_json_num(first, "free_start_pfn"), ==, KERNEL_FREE_PFN);
	/*
	 * The time a run costs is per page a scanner looks at, one for a compound page it steps
	 * over (policy/compaction.c add_cost): charged per pfn, the model's third run (8.7 ms, its
	 * free scanner over 2.65 M pfns, mostly the recording's hugetlb pool pages) took 57 ms, the
	 * faulting task's next fault came at 65.8 ms, and the first 20 ms had 3 runs.
	 */
	if (g_test_verbose())
		g_printerr("%s runs before %llu ms: %u (kernel %d)\n", REC, UNTIL_NS / 1000000,
			   runs, KERNEL_RUNS_BEFORE_UNTIL);
	g_assert_cmpuint(runs, >=, KERNEL_RUNS_BEFORE_UNTIL);
	/*
	 * Async direct compaction gives up on a pageblock at its first page it cannot isolate
	 * (skip_on_failure, policy/compaction.c isolate_migratepages_block): scanning on to the
	 * block's end, the model's runs of the first 20 ms migrated 4,535 pages from blocks that
	 * could not become free. Within half again the kernel's.
	 */
	if (g_test_verbose())
		g_printerr("%s pages migrated before %llu ms: %.0f (kernel %d)\n", REC,
			   UNTIL_NS / 1000000, migrated, KERNEL_MIGRATED_BEFORE_UNTIL);
	g_assert_cmpfloat(migrated, <=, KERNEL_MIGRATED_BEFORE_UNTIL * 1.5);
	cJSON_Delete(first);
	cJSON_Delete(js);
	ps_test_rm_rf(tmp);
}

/*
 * ftrace-press-thp-6.18: a snapshot block no record holds (what is left of a page-cache folio the
 * trace freed a part of) that gets no migration target is split and its pages migrated
 * (mm/migrate.c migrate_pages_batch -> try_split_folio; sim/snapshot.c ps_snapshot_split). None
 * of the kernel's 47 runs ended COMPACT_CONTENDED (mm_compaction_end); kept whole, such order-3
 * to order-7 pieces ended two of the model's first 300 ms that way (208.6 and 269.9 ms).
 */
#define REC_THP	     "ftrace-press-thp-6.18"
#define UNTIL_THP_NS 300000000ull

static void test_unknown_folios_split(void)
{
	const char *srcdir = g_getenv("PAGESIM_SRCDIR") ? g_getenv("PAGESIM_SRCDIR") : ".";
	g_autofree char *dir = g_build_filename(srcdir, "workloads", REC_THP, NULL);
	g_autofree char *trace = g_build_filename(dir, "trace.jsonl.gz", NULL);
	g_autofree char *before = g_build_filename(dir, "before.kpageflags.gz", NULL);
	g_autofree char *tmp = NULL, *out = NULL, *events = NULL, *text = NULL;
	g_autoptr(PsConfig) cfg = NULL;
	g_auto(GStrv) lines = NULL;
	const cJSON *split;
	unsigned runs = 0, contended = 0;
	cJSON *js;

	if (!g_file_test(trace, G_FILE_TEST_EXISTS) || !g_file_test(before, G_FILE_TEST_EXISTS)) {
		g_test_skip("workloads/" REC_THP
			    " (trace.jsonl.gz, before.kpageflags.gz) not available");
		return;
	}
	tmp = ps_test_make_dir("pagesim-press-split-XXXXXX");
	out = g_build_filename(tmp, "run", NULL);
	cfg = ps_test_config_from_dir(dir, 0);
	js = ps_test_policy_run_until(cfg, trace, before, dir, out, UNTIL_THP_NS);
	events = g_build_filename(out, "events.jsonl", NULL);
	text = ps_test_slurp(events);
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		cJSON *e = cJSON_Parse(*l);
		const cJSON *type = e ? cJSON_GetObjectItem(e, "type") : NULL;

		if (type && cJSON_IsString(type) && !strcmp(type->valuestring, "compact_zone")) {
			runs++;
			contended += ps_test_json_num(e, "status") == PS_COMPACT_RES_CONTENDED;
		}
		cJSON_Delete(e);
	}
	split = cJSON_GetObjectItem(cJSON_GetObjectItem(js, "snapshot"),
				    "unknown_at_start_split_pages");
	if (g_test_verbose())
		g_printerr("%s before %llu ms: %u runs, %u contended, %.0f pages split\n", REC_THP,
			   UNTIL_THP_NS / 1000000, runs, contended,
			   split ? split->valuedouble : 0.0);
	g_assert_cmpuint(runs, >, 0);
	g_assert_nonnull(split);
	g_assert_cmpfloat(split->valuedouble, >, 0);
	g_assert_cmpuint(contended, ==, 0);
	cJSON_Delete(js);
	ps_test_rm_rf(tmp);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/press-compact-start/first-run-starts-where-kernel-did",
			test_first_run_starts_where_kernel_did);
	g_test_add_func("/sim/press-compact-start/unknown-folios-split", test_unknown_folios_split);
	return g_test_run();
}
