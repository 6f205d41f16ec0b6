// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-realdata.c - real /proc/zoneinfo files -> `config from-proc` -> simulated machine ->
 * simulated zoneinfo, compared zone by zone with the original.
 *
 * For each fixture the test computes the set of (check, node, zone) that differ and asserts that
 * it equals the documented set below, so a fixture stays exact where it is exact and every known
 * difference is named with its reason. Checks:
 *   wmark   min/low/high (and promo when printed), boost taken out, every zone incl. empty ones
 *   prot    the printed protection entries
 *   batch   pcp batch
 *   hminmax pcp high_min and high_max (printed since 6.7)
 *   high    on kernels without high_min: the printed pcp high against our high_min, which is the
 *           5.14-6.6 rule (high = low watermark / cpus of the node)
 *   thresh  the vm stats threshold
 * The comparison goes through ps_format_zoneinfo and ps_zoneinfo_parse, so the formatter's layout
 * is tested too.
 */
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "policy/policy.h"
#include "report/report.h"

typedef struct {
	const char *path; /* under PAGESIM_REALDATA */
	const char *differences;
	const char *why;
	const char *min_free_prov; /* expected start of provenance "sysctl.min_free_kbytes" */
} Fixture;

static const Fixture fixtures[] = {
    {"ftrace-build-6.18/before.zoneinfo", "", "6.18: everything exact", "inferred: reproduces"},
    {"ftrace-build-6.18/after.zoneinfo", "", "6.18: everything exact", "inferred: reproduces"},
    {"ftrace-compact-6.18/before.zoneinfo", "", "6.18: everything exact", "inferred: reproduces"},
    {"ftrace-compact-6.18/after.zoneinfo", "", "6.18: everything exact", "inferred: reproduces"},
    {"jc-fixture-x86-4G/zoneinfo",
     "high:0:DMA high:0:DMA32 high:0:Normal prot:0:DMA wmark:0:DMA wmark:0:DMA32 "
     "wmark:0:Movable wmark:0:Normal",
     "5.x: min_free_kbytes is inferred as the THP figure 67584 kB, but the printed shares "
     "were computed when DMA32/Normal had other managed sizes (memory freed or ballooned "
     "after boot), and DMA's protection likewise; an empty Movable zone got min 0 before "
     "Movable was treated like HighMem; pcp high was 6 * batch (no high_min/high_max)",
     "inferred, approximate"},
    {"pcp-qa-x86-1node-16G/zoneinfo",
     "batch:0:DMA32 batch:0:Normal high:0:DMA high:0:DMA32 high:0:Normal prot:0:DMA "
     "wmark:0:DMA wmark:0:DMA32 wmark:0:Normal",
     "3.10: low = min + min/4 and high = min + min/2 (no watermark_scale_factor), and no "
     "min_free_kbytes reproduces every share (the nearest to the THP estimate is taken), "
     "batch from 512 KiB instead of 1 MiB (31, not 63), pcp high = 6 * batch, protection of "
     "DMA computed before DMA32 grew",
     "inferred, approximate"},
    {"pcp-qa-x86-2node-128G/zoneinfo",
     "batch:0:DMA32 batch:0:Normal batch:1:Normal high:0:DMA high:0:DMA32 high:0:Normal "
     "high:1:Normal wmark:0:DMA wmark:0:DMA32 wmark:0:Normal",
     "3.10 with 2 nodes: watermark gaps without scale factor, 512 KiB batch rule, high = 6 * "
     "batch; the protection (4 entries printed) and node 1's watermarks match",
     "inferred, approximate"},
    {"pcp-qa-x86-2node-8G-recent/zoneinfo",
     "high:0:DMA32 high:0:Normal high:1:Normal prot:0:DMA wmark:0:DMA32 wmark:0:Movable "
     "wmark:0:Normal wmark:1:Movable wmark:1:Normal",
     "6.x before 6.7: pcp high = low / cpus of the node, exact where the low watermark is "
     "(DMA); min_free_kbytes is inferred as the THP figure 90112 kB, but node 0's DMA32 had "
     "another size when the tunables were computed, which shifts every share; empty Movable "
     "zones printed min 0",
     "inferred, approximate"},
    {"procfs-fixture-x86-8G/zoneinfo",
     "high:0:DMA high:0:DMA32 high:0:Normal prot:0:DMA prot:0:DMA32 wmark:0:DMA32 "
     "wmark:0:Movable wmark:0:Normal",
     "5.x with a live boost (not printed; inferred 13312 and 512): the unboosted watermarks "
     "and the protection were computed with other zone sizes; empty Movable min 0; pcp high "
     "= 6 * batch",
     "inferred, approximate"},
};

static int cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *realdata_path(const char *rel)
{
	const char *dir = g_getenv("PAGESIM_REALDATA");

	return dir ? g_build_filename(dir, rel, NULL) : NULL;
}

static void add_diff(GPtrArray *diffs, const char *check, const PsZoneinfoZone *z)
{
	g_ptr_array_add(diffs, g_strdup_printf("%s:%d:%s", check, z->node, ps_zone_names[z->type]));
}

/* One zone, real (a) against simulated (b). */
static void compare_zone(const PsZoneinfoZone *a, const PsZoneinfoZone *b, uint64_t boost,
			 GPtrArray *diffs)
{
	bool wm_ok = true, prot_ok = true;

	for (int w = 0; w < PS_NR_WMARK; w++) {
		if (w == PS_WMARK_PROMO && !a->has_promo)
			continue;
		if (a->wmark[w] - boost != b->wmark[w])
			wm_ok = false;
	}
	if (!wm_ok)
		add_diff(diffs, "wmark", a);
	for (int j = 0; j < a->nr_protection; j++)
		if (a->protection[j] != b->protection[j])
			prot_ok = false;
	if (!prot_ok)
		add_diff(diffs, "prot", a);
	if (!a->present || a->nr_pagesets == 0)
		return;
	g_assert_cmpint(b->nr_pagesets, ==, a->nr_pagesets);
	g_assert_true(b->pcp_uniform);
	if (a->pcp_batch != b->pcp_batch)
		add_diff(diffs, "batch", a);
	if (a->pcp_high_min >= 0) {
		if (a->pcp_high_min != b->pcp_high_min || a->pcp_high_max != b->pcp_high_max)
			add_diff(diffs, "hminmax", a);
		/*
		 * The dynamic pcp->high is not checked against the limits: pageset_update()
		 * (mm/page_alloc.c, 6.18) writes high_min, high_max and batch but leaves
		 * pcp->high where it was until the next decay or free moves it, so after the
		 * limits are recomputed (a zone that grew, hugetlb pages reserved or released)
		 * a live zoneinfo shows high below high_min or above high_max.
		 */
	} else if (a->pcp_high != b->pcp_high_min) {
		add_diff(diffs, "high", a);
	}
	if (a->stat_threshold != b->stat_threshold)
		add_diff(diffs, "thresh", a);
}

/*
 * Mirror the zoneinfo text, set the machine up, and return the differences as a sorted
 * space-separated list. *cfg_out receives the config. Without history the machine gets the
 * formulas alone (the config's boot history dropped), which is what the fixtures document.
 */
static char *roundtrip(const PsProcInput *in, PsConfig **cfg_out, bool history)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(PsMachine) m = NULL;
	g_autoptr(PsZoneinfo) real = NULL, sim = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GPtrArray) diffs = g_ptr_array_new_with_free_func(g_free);
	const cJSON *boosts;

	if (!ps_config_from_proc(in, cfg, &error))
		g_error("%s", error->message);
	g_assert_true(cfg->spec.boot_history.set);
	cfg->spec.boot_history.set = history;
	m = ps_machine_setup(&cfg->spec, &error);
	g_assert_no_error(error);
	ps_format_zoneinfo(m, out);
	real = ps_zoneinfo_parse(in->zoneinfo_text, in->zoneinfo_path, &error);
	g_assert_no_error(error);
	sim = ps_zoneinfo_parse(out->str, "(simulated)", &error);
	g_assert_no_error(error);
	boosts = cJSON_GetObjectItem(cfg->provenance, "watermark_boost_observed");
	for (int i = 0; i < real->nr_zones; i++) {
		const PsZoneinfoZone *a = &real->zones[i];
		const PsZoneinfoZone *b = ps_zoneinfo_find(sim, a->node, a->type);
		uint64_t boost = a->boost;

		g_assert_nonnull(b);
		g_assert_cmpuint(a->spanned, ==, b->spanned);
		g_assert_cmpuint(a->present, ==, b->present);
		g_assert_cmpuint(a->managed, ==, b->managed);
		if (a->present)
			g_assert_cmpuint(a->start_pfn, ==, b->start_pfn);
		if (!a->has_boost && boosts) {
			/* "node N NAME BOOST (inferred)" entries. */
			g_autofree char *key =
			    g_strdup_printf("node %d %s ", a->node, ps_zone_names[a->type]);
			const char *at = strstr(boosts->valuestring, key);

			if (at)
				boost = g_ascii_strtoull(at + strlen(key), NULL, 10);
		}
		compare_zone(a, b, boost, diffs);
	}
	g_ptr_array_sort(diffs, cmp_strp);
	g_ptr_array_add(diffs, NULL);
	if (cfg_out)
		*cfg_out = g_steal_pointer(&cfg);
	return g_strjoinv(" ", (char **)diffs->pdata);
}

static char *sorted_words(const char *s)
{
	g_auto(GStrv) w = g_strsplit(s, " ", -1);
	g_autoptr(GPtrArray) a = g_ptr_array_new();

	for (int i = 0; w[i]; i++)
		if (*w[i])
			g_ptr_array_add(a, w[i]);
	g_ptr_array_sort(a, cmp_strp);
	g_ptr_array_add(a, NULL);
	return g_strjoinv(" ", (char **)a->pdata);
}

static void test_fixture(gconstpointer data)
{
	const Fixture *f = data;
	g_autofree char *path = realdata_path(f->path);
	g_autofree char *text = NULL, *got = NULL, *want = NULL;
	g_autoptr(PsConfig) cfg = NULL;
	const cJSON *prov;
	PsProcInput in;

	if (!path || !g_file_get_contents(path, &text, NULL, NULL)) {
		g_test_skip("realdata not available");
		return;
	}
	ps_proc_input_init(&in);
	in.zoneinfo_text = text;
	in.zoneinfo_path = path;
	in.page_size = 4096;
	got = roundtrip(&in, &cfg, false);
	want = sorted_words(f->differences);
	g_test_message("%s: %s", f->path, f->why);
	g_assert_cmpstr(got, ==, want);
	/*
	 * With the boot history the mirror prints what the machine printed, except the pcp high of
	 * kernels before 6.7 (not a limit: the live value) and the zones without memory (whose
	 * figures are not recorded; old kernels gave an empty Movable min 0).
	 */
	g_free(got);
	got = roundtrip(&in, NULL, true);
	{
		g_auto(GStrv) w = g_strsplit(got, " ", -1);

		g_test_message("with the boot history: %s", *got ? got : "exact");
		for (int i = 0; w[i]; i++)
			g_assert_true(!*w[i] || g_str_has_prefix(w[i], "high:") ||
				      g_str_has_suffix(w[i], ":Movable"));
	}
	prov = cJSON_GetObjectItem(cfg->provenance, "sysctl.min_free_kbytes");
	g_assert_nonnull(prov);
	g_assert_true(g_str_has_prefix(prov->valuestring, f->min_free_prov));
}

/* The 6.18 VM: min_free_kbytes is the THP recommendation, and inference finds that. */
static void test_ftrace_inferred_values(void)
{
	g_autofree char *path = realdata_path("ftrace-build-6.18/before.zoneinfo");
	g_autofree char *text = NULL, *diff = NULL;
	g_autoptr(PsConfig) cfg = NULL;
	PsProcInput in;

	if (!path || !g_file_get_contents(path, &text, NULL, NULL)) {
		g_test_skip("realdata not available");
		return;
	}
	ps_proc_input_init(&in);
	in.zoneinfo_text = text;
	in.zoneinfo_path = path;
	in.page_size = 4096;
	diff = roundtrip(&in, &cfg, false);
	g_assert_cmpstr(diff, ==, "");
	g_assert_cmpint(cfg->spec.sysctl.user_min_free_kbytes, ==, 67584);
	g_assert_cmpint(cfg->spec.sysctl.watermark_scale_factor, ==, 10);
	g_assert_cmpint(cfg->spec.sysctl.lowmem_reserve_ratio[0], ==, 256);
	g_assert_cmpint(cfg->spec.sysctl.lowmem_reserve_ratio[2], ==, 32);
	g_assert_cmpint(cfg->spec.nr_cpus, ==, 2);
	g_assert_true(cfg->spec.thp_built);
	g_assert_cmpint(cfg->spec.thp_mode, ==, 1);
	g_assert_true(g_str_has_prefix(
	    cJSON_GetObjectItem(cfg->provenance, "min_free_kbytes_origin")->valuestring,
	    "equals the THP recommendation"));
}

/* procfs-fixture prints no boost; SOURCE.md: DMA32 13312 and Normal 512 (pageblock multiples). */
static void test_procfs_boost(void)
{
	g_autofree char *path = realdata_path("procfs-fixture-x86-8G/zoneinfo");
	g_autofree char *text = NULL;
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(GError) error = NULL;
	const cJSON *b;
	PsProcInput in;

	if (!path || !g_file_get_contents(path, &text, NULL, NULL)) {
		g_test_skip("realdata not available");
		return;
	}
	ps_proc_input_init(&in);
	in.zoneinfo_text = text;
	in.zoneinfo_path = path;
	in.page_size = 4096;
	g_assert_true(ps_config_from_proc(&in, cfg, &error));
	b = cJSON_GetObjectItem(cfg->provenance, "watermark_boost_observed");
	g_assert_nonnull(b);
	g_assert_nonnull(strstr(b->valuestring, "node 0 DMA32 13312 (inferred)"));
	g_assert_nonnull(strstr(b->valuestring, "node 0 Normal 512 (inferred)"));
	g_assert_null(strstr(b->valuestring, "DMA "));
	/* 16895 unboosted min pages sit next to the THP figure 16896: 67584 kB. */
	g_assert_cmpint(cfg->spec.sysctl.user_min_free_kbytes, ==, 67584);
}

static int64_t read_sysctl(const char *name)
{
	g_autofree char *p = g_build_filename("/proc/sys/vm", name, NULL);
	g_autofree char *t = NULL;

	return g_file_get_contents(p, &t, NULL, NULL) ? g_ascii_strtoll(t, NULL, 10) : -1;
}

/*
 * The machine running the test. /proc/zoneinfo is read once (its Normal zone may grow between
 * reads on this kernel, kernel-facts §0.1). Both with the live sysctls and with everything
 * inferred from the zoneinfo alone, the result must be exact: same kernel generation as the
 * formulas (6.18). Skipped on other kernels, where formulas may differ.
 */
static void test_live(void)
{
	g_autofree char *text = NULL, *d1 = NULL, *d2 = NULL, *lrr = NULL;
	g_autofree char *osrel = NULL;
	PsProcInput in;

	if (!g_file_get_contents("/proc/zoneinfo", &text, NULL, NULL)) {
		g_test_skip("/proc/zoneinfo not readable");
		return;
	}
	if (!g_file_get_contents("/proc/sys/kernel/osrelease", &osrel, NULL, NULL) ||
	    !g_str_has_prefix(osrel, "6.18")) {
		g_test_skip("the live check needs a 6.18 kernel");
		return;
	}
	if (!strstr(text, "high_min")) {
		g_test_skip("zoneinfo without high_min");
		return;
	}
	ps_proc_input_init(&in);
	in.zoneinfo_text = text;
	in.zoneinfo_path = "/proc/zoneinfo";
	in.page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	/* Mirrored with its boot history (a hugetlb pool given back leaves the old tunables). */
	d1 = roundtrip(&in, NULL, true);
	g_assert_cmpstr(d1, ==, "");

	in.min_free_kbytes = read_sysctl("min_free_kbytes");
	in.watermark_scale_factor = (int)read_sysctl("watermark_scale_factor");
	in.percpu_pagelist_high_fraction = (int)read_sysctl("percpu_pagelist_high_fraction");
	if (g_file_get_contents("/proc/sys/vm/lowmem_reserve_ratio", &lrr, NULL, NULL)) {
		char *s = lrr;

		for (int i = 0; i < PS_MAX_NR_ZONES; i++) {
			char *end;

			in.lowmem_reserve_ratio[i] = (int)g_ascii_strtoll(s, &end, 10);
			s = end;
		}
	}
	in.nr_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	in.sysctl_source = "/proc/sys/vm";
	d2 = roundtrip(&in, NULL, true);
	g_assert_cmpstr(d2, ==, "");
}

/* The zoneinfo must be refused at file:line with want in the message. */
static void zoneinfo_refused(const char *text, const char *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsZoneinfo) zi = ps_zoneinfo_parse(text, "z", &error);

	g_assert_null(zi);
	g_assert_nonnull(error);
	if (!strstr(error->message, want))
		g_error("'%s' does not say '%s'", error->message, want);
}

/*
 * Numbers that do not fit their field: strtoull gave 2^64 - 1 for a longer one, and pcp values
 * were cut to 32 bits (high 4294967297 read as 1).
 */
static void test_zoneinfo_oversized(void)
{
	zoneinfo_refused("Node 0, zone   Normal\n  pages free     99999999999999999999999\n",
			 "z:2: zoneinfo: bad 'pages free' line");
	zoneinfo_refused("Node 0, zone   Normal\n  pages free     1\n"
			 "        spanned  18446744073709551616\n",
			 "z:3: zoneinfo: bad spanned");
	zoneinfo_refused("Node 0, zone   Normal\n  pages free     1\n  pagesets\n    cpu: 0\n"
			 "              count: 0\n              high:  4294967297\n",
			 "z:6: zoneinfo: high: the number does not fit an int");
	zoneinfo_refused("Node 0, zone   Normal\n  pages free     1\n"
			 "        protection: (0, 99999999999999999999, 0)\n",
			 "z:3: zoneinfo: bad protection value");
}

/*
 * Each cpu's pcp count and high, in the order listed (pinned --settle auto reads the after
 * dump's): the first cpu's high is also the zone's pcp_high, the others' are their own.
 */
static void test_zoneinfo_pagesets(void)
{
	static const char text[] = "Node 1, zone      DMA\n  pages free     214922\n  pagesets\n"
				   "    cpu: 0\n              count:    20899\n"
				   "              high:     22911\n              batch:    63\n"
				   "    cpu: 1\n              count:    380\n"
				   "              high:     7048\n              batch:    63\n"
				   "Node 1, zone    DMA32\n  pages free     0\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(PsZoneinfo) zi = ps_zoneinfo_parse(text, "z", &error);
	const PsZoneinfoZone *z;

	g_assert_no_error(error);
	z = ps_zoneinfo_find(zi, 1, PS_ZONE_DMA);
	g_assert_nonnull(z);
	g_assert_cmpint(z->nr_pagesets, ==, 2);
	g_assert_cmpint(z->pagesets[0].count, ==, 20899);
	g_assert_cmpint(z->pagesets[0].high, ==, 22911);
	g_assert_cmpint(z->pagesets[1].count, ==, 380);
	g_assert_cmpint(z->pagesets[1].high, ==, 7048);
	g_assert_cmpint(z->pcp_high, ==, 22911);
	z = ps_zoneinfo_find(zi, 1, PS_ZONE_DMA32);
	g_assert_nonnull(z);
	g_assert_cmpint(z->nr_pagesets, ==, 0);
	g_assert_null(z->pagesets);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(fixtures); i++) {
		g_autofree char *name = g_strdup_printf("/config/realdata/%s", fixtures[i].path);

		g_strdelimit(name + strlen("/config/realdata/"), "/.", '-');
		g_test_add_data_func(name, &fixtures[i], test_fixture);
	}
	g_test_add_func("/config/realdata/ftrace-inferred-values", test_ftrace_inferred_values);
	g_test_add_func("/config/realdata/procfs-boost", test_procfs_boost);
	g_test_add_func("/config/realdata/zoneinfo-oversized", test_zoneinfo_oversized);
	g_test_add_func("/config/realdata/zoneinfo-pagesets", test_zoneinfo_pagesets);
	g_test_add_func("/config/realdata/live", test_live);
	return g_test_run();
}
