// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-watermark.c - policy/watermark.c against the figures the 6.18 VM of kernel-facts §11/§13
 * printed (checked there against the kernel's own tracepoints), plus the rules for user-set
 * min_free_kbytes, THP off, the pcp fraction mode, other page sizes and several nodes.
 */
#include <string.h>

#include "config/config.h"
#include "policy/policy.h"

static PsMachine *machine(const char *json)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(GError) error = NULL;
	PsMachine *m;

	if (!ps_config_parse(cfg, json, strlen(json), "test", &error))
		g_error("%s", error->message);
	m = ps_machine_setup(&cfg->spec, &error);
	g_assert_no_error(error);
	return m;
}

static char *vm_618(uint64_t normal_managed, const char *extra)
{
	return g_strdup_printf(
	    "{\"cpus\": 2, \"thp\": \"madvise\", \"nodes\": [{\"zones\": {\n"
	    "\"DMA\": {\"start_pfn\": 1, \"spanned\": 4095, \"present\": 3998, \"managed\": "
	    "3840},\n"
	    "\"DMA32\": {\"start_pfn\": 4096, \"spanned\": 1044480, \"present\": 782336, "
	    "\"managed\": 772918},\n"
	    "\"Normal\": {\"start_pfn\": 1048576, \"spanned\": 5505024, \"present\": 5505024, "
	    "\"managed\": %" G_GUINT64_FORMAT "}}}]%s}",
	    normal_managed, extra);
}

static void assert_wmarks(PsMachine *m, int node, enum ps_zone_type t, uint64_t min, uint64_t low,
			  uint64_t high, uint64_t promo)
{
	const PsZone *z = ps_machine_zone(m, node, t);

	g_assert_cmpuint(z->wmark[PS_WMARK_MIN], ==, min);
	g_assert_cmpuint(z->wmark[PS_WMARK_LOW], ==, low);
	g_assert_cmpuint(z->wmark[PS_WMARK_HIGH], ==, high);
	g_assert_cmpuint(z->wmark[PS_WMARK_PROMO], ==, promo);
	g_assert_cmpuint(z->watermark_boost, ==, 0);
}

static void assert_pcp(PsMachine *m, enum ps_zone_type t, int batch, int high_min, int high_max)
{
	const PsZone *z = ps_machine_zone(m, 0, t);

	g_assert_cmpint(z->pageset_batch, ==, batch);
	g_assert_cmpint(z->pageset_high_min, ==, high_min);
	g_assert_cmpint(z->pageset_high_max, ==, high_max);
	for (int cpu = 0; cpu < m->nr_cpus; cpu++) {
		g_assert_cmpint(z->pcp[cpu].batch, ==, batch);
		g_assert_cmpint(z->pcp[cpu].high_min, ==, high_min);
		g_assert_cmpint(z->pcp[cpu].high_max, ==, high_max);
	}
}

/* kernel-facts §13 items 1, 3-7: the later state, Normal managed 524288. */
static void test_vm_618(void)
{
	g_autofree char *json = vm_618(524288, "");
	g_autoptr(PsMachine) m = machine(json);
	const PsZone *dma = ps_machine_zone(m, 0, PS_ZONE_DMA);
	const PsZone *dma32 = ps_machine_zone(m, 0, PS_ZONE_DMA32);
	static const int64_t prot_dma[] = {0, 3019, 5067, 5067, 5067};
	static const int64_t prot_dma32[] = {0, 0, 2048, 2048, 2048};

	g_assert_cmpint(m->sysctl.min_free_kbytes, ==, 67584);
	assert_wmarks(m, 0, PS_ZONE_DMA, 49, 61, 73, 85);
	assert_wmarks(m, 0, PS_ZONE_DMA32, 10037, 12546, 15055, 17564);
	assert_wmarks(m, 0, PS_ZONE_NORMAL, 6808, 8510, 10212, 11914);
	assert_wmarks(m, 0, PS_ZONE_MOVABLE, 32, 32, 32, 32);
	assert_wmarks(m, 0, PS_ZONE_DEVICE, 0, 0, 0, 0);
	for (int j = 0; j < PS_MAX_NR_ZONES; j++) {
		g_assert_cmpint(dma->lowmem_reserve[j], ==, prot_dma[j]);
		g_assert_cmpint(dma32->lowmem_reserve[j], ==, prot_dma32[j]);
		g_assert_cmpint(ps_machine_zone(m, 0, PS_ZONE_NORMAL)->lowmem_reserve[j], ==, 0);
	}
	g_assert_cmpuint(m->totalreserve_pages, ==, 31155);
	assert_pcp(m, PS_ZONE_DMA, 1, 30, 240);
	assert_pcp(m, PS_ZONE_DMA32, 63, 6273, 48307);
	assert_pcp(m, PS_ZONE_NORMAL, 63, 4255, 32768);
	g_assert_cmpint(ps_calculate_normal_threshold(m, dma), ==, 4);
	g_assert_cmpint(ps_calculate_normal_threshold(m, dma32), ==, 24);
	g_assert_cmpint(ps_calculate_normal_threshold(m, ps_machine_zone(m, 0, PS_ZONE_NORMAL)), ==,
			24);
}

/* §13 item 2: the first read, Normal managed 393216. */
static void test_vm_618_early(void)
{
	g_autofree char *json = vm_618(393216, "");
	g_autoptr(PsMachine) m = machine(json);

	g_assert_cmpint(m->sysctl.min_free_kbytes, ==, 67584);
	assert_wmarks(m, 0, PS_ZONE_DMA, 55, 68, 81, 94);
	assert_wmarks(m, 0, PS_ZONE_DMA32, 11161, 13951, 16741, 19531);
	assert_wmarks(m, 0, PS_ZONE_NORMAL, 5678, 7097, 8516, 9935);
	g_assert_cmpint(ps_machine_zone(m, 0, PS_ZONE_DMA)->lowmem_reserve[2], ==, 4555);
	g_assert_cmpint(ps_machine_zone(m, 0, PS_ZONE_DMA32)->lowmem_reserve[2], ==, 1536);
	assert_pcp(m, PS_ZONE_DMA, 1, 34, 240);
	assert_pcp(m, PS_ZONE_DMA32, 63, 6975, 48307);
	assert_pcp(m, PS_ZONE_NORMAL, 63, 3548, 24576);
	g_assert_cmpint(ps_calculate_normal_threshold(m, ps_machine_zone(m, 0, PS_ZONE_NORMAL)), ==,
			20);
}

/*
 * Without THP the sqrt rule stands: nr_free_buffer_pages at boot is every managed page up to
 * Normal (no watermark yet), 1301046 pages = 5204184 kB, isqrt(16 * that) = 9124.
 */
static void test_sqrt_default(void)
{
	const char *json =
	    "{\"cpus\": 2, \"thp\": \"never\", \"nodes\": [{\"zones\": {"
	    "\"DMA\": {\"start_pfn\": 1, \"spanned\": 4095, \"present\": 3998, \"managed\": "
	    "3840}, \"DMA32\": {\"start_pfn\": 4096, \"spanned\": 1044480, \"present\": 782336, "
	    "\"managed\": 772918}, \"Normal\": {\"start_pfn\": 1048576, \"spanned\": 5505024, "
	    "\"present\": 5505024, \"managed\": 524288}}}]}";
	g_autoptr(PsMachine) m = NULL;
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(ps_config_parse(cfg, json, strlen(json), "t", &error));
	m = ps_machine_setup(&cfg->spec, &error);
	g_assert_no_error(error);
	g_assert_cmpint(m->sysctl.min_free_kbytes, ==, 9125);
	/* With watermarks in place nr_free_buffer_pages subtracts every high watermark. */
	g_assert_cmpuint(ps_nr_free_buffer_pages(m), <, 1301046);
	/* The THP figure would be 5632 pages per zone: 16896 pages = 67584 kB. */
	g_assert_cmpint(ps_min_free_kbytes_thp_recommended(m), ==, 67584);
}

static void test_user_min_free(void)
{
	g_autofree char *json = NULL;
	g_autoptr(PsMachine) m = NULL;

	json =
	    g_strdup("{\"cpus\": 2, \"nodes\": [{\"zones\": {"
		     "\"DMA\": {\"start_pfn\": 1, \"spanned\": 4095, \"present\": 3998, "
		     "\"managed\": 3840}, \"DMA32\": {\"start_pfn\": 4096, \"spanned\": 1044480, "
		     "\"present\": 782336, \"managed\": 772918}, \"Normal\": {\"start_pfn\": "
		     "1048576, \"spanned\": 5505024, \"present\": 5505024, \"managed\": "
		     "524288}}}], \"sysctl\": {\"min_free_kbytes\": 1024, "
		     "\"watermark_scale_factor\": 100}}");
	m = machine(json);
	/* The user's value wins over the THP recommendation (it is a write after boot). */
	g_assert_cmpint(m->sysctl.min_free_kbytes, ==, 1024);
	/* pages_min 256: DMA32 share 256 * 772918 / 1301046 = 152; gap = 772918 * 100 / 10000. */
	assert_wmarks(m, 0, PS_ZONE_DMA32, 152, 152 + 7729, 152 + 2 * 7729, 152 + 3 * 7729);
}

static void test_high_fraction(void)
{
	g_autofree char *json = g_strdup(
	    "{\"cpus\": 4, \"nodes\": [{\"zones\": {\"Normal\": {\"start_pfn\": 0, "
	    "\"spanned\": 262144}}}], \"sysctl\": {\"percpu_pagelist_high_fraction\": 64}}");
	g_autoptr(PsMachine) m = machine(json);

	/* 262144 / 64 / 4 cpus = 1024 on both limits (auto-tuning off). */
	assert_pcp(m, PS_ZONE_NORMAL, 63, 1024, 1024);
}

/* 64 KiB pages: batch capped at 1 MiB / 64 KiB / 4 = 4 -> rounddown_pow_of_two(6) - 1 = 3. */
static void test_64k(void)
{
	g_autofree char *json = g_strdup(
	    "{\"page_size\": 65536, \"cpus\": 2, \"thp\": \"never\", \"nodes\": [{\"zones\": "
	    "{\"Normal\": {\"start_pfn\": 0, \"spanned\": 262144}}}]}");
	g_autoptr(PsMachine) m = machine(json);
	const PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);

	g_assert_cmpint(ps_zone_batchsize(m, z->managed), ==, 3);
	/* lowmem 16 GiB = 16777216 kB; isqrt(16 * that) = 16384 kB = 256 pages of 64 KiB. */
	g_assert_cmpint(m->sysctl.min_free_kbytes, ==, 16384);
	g_assert_cmpuint(z->wmark[PS_WMARK_MIN], ==, 256);
	/* gap = max(256 / 4, 262144 * 10 / 10000) = 262. */
	g_assert_cmpuint(z->wmark[PS_WMARK_LOW], ==, 256 + 262);
	/* vmstat threshold: managed >> (27 - 16) = 128, fls 8 -> 2 * 2 * 9 = 36. */
	g_assert_cmpint(ps_calculate_normal_threshold(m, z), ==, 36);
}

/* Two nodes: shares over all lowmem, reserves per node, pcp limits per node's cpus. */
static void test_two_nodes(void)
{
	g_autofree char *json = g_strdup(
	    "{\"cpus\": [0, 0, 0, 1], \"thp\": \"never\", \"sysctl\": {\"min_free_kbytes\": "
	    "16384}, \"nodes\": [\n"
	    "{\"zones\": {\"DMA32\": {\"start_pfn\": 0, \"spanned\": 262144}, \"Normal\": "
	    "{\"start_pfn\": 262144, \"spanned\": 262144}}},\n"
	    "{\"zones\": {\"Normal\": {\"start_pfn\": 524288, \"spanned\": 524288}}}]}");
	g_autoptr(PsMachine) m = machine(json);

	/* pages_min 4096 over 1048576 lowmem pages: 1024, 1024 and 2048. */
	g_assert_cmpuint(ps_machine_zone(m, 0, PS_ZONE_DMA32)->wmark[PS_WMARK_MIN], ==, 1024);
	g_assert_cmpuint(ps_machine_zone(m, 1, PS_ZONE_NORMAL)->wmark[PS_WMARK_MIN], ==, 2048);
	g_assert_cmpint(ps_machine_zone(m, 0, PS_ZONE_DMA32)->lowmem_reserve[PS_ZONE_NORMAL], ==,
			262144 / 256);
	g_assert_cmpint(ps_machine_zone(m, 1, PS_ZONE_NORMAL)->lowmem_reserve[PS_ZONE_MOVABLE], ==,
			0);
	/* high_min = low / cpus of the zone's node: node 0 has 3, node 1 has 1. */
	g_assert_cmpint(ps_machine_zone(m, 0, PS_ZONE_NORMAL)->pageset_high_min, ==,
			(int)(ps_machine_zone(m, 0, PS_ZONE_NORMAL)->wmark[PS_WMARK_LOW] / 3));
	g_assert_cmpint(ps_machine_zone(m, 1, PS_ZONE_NORMAL)->pageset_high_min, ==,
			(int)ps_machine_zone(m, 1, PS_ZONE_NORMAL)->wmark[PS_WMARK_LOW]);
	g_assert_cmpint(ps_machine_zone(m, 1, PS_ZONE_NORMAL)->pageset_high_max, ==, 524288 / 8);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/watermark/vm-618", test_vm_618);
	g_test_add_func("/config/watermark/vm-618-early", test_vm_618_early);
	g_test_add_func("/config/watermark/sqrt-default", test_sqrt_default);
	g_test_add_func("/config/watermark/user-min-free-kbytes", test_user_min_free);
	g_test_add_func("/config/watermark/high-fraction", test_high_fraction);
	g_test_add_func("/config/watermark/64k", test_64k);
	g_test_add_func("/config/watermark/two-nodes", test_two_nodes);
	return g_test_run();
}
