// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-deferred.c - issue 14 item 4: deferred pages (CONFIG_DEFERRED_STRUCT_PAGE_INIT) grown on
 * demand as 6.18's deferred_grow_zone() does, when get_page_from_freelist's watermark check fails.
 *
 * /policy/deferred/grow-in-sections: ps_deferred_grow_zone (mm) adds a section at a time
 *   (ALIGN(1 << order, PAGES_PER_SECTION), stopping at a section boundary), in MAX_PAGE_ORDER
 *   blocks with MOVABLE pageblocks, a partial chunk page by page; managed grows, present does
 *   not; after the last growth it answers TRUE once more with no pages, then FALSE.
 * /policy/deferred/fast-path: on a DMA32 + Normal node whose Normal has two deferred sections,
 *   order-0 allocations grow Normal exactly on the allocations whose low-watermark check fails,
 *   by one section each, stay in Normal (no fallback to DMA32 while deferred pages remain), and
 *   the tunables afterwards equal those of a machine booted with the grown managed count; once
 *   all are in, one more allocation below the mark is served from Normal (the kernel's "retry
 *   only once" goes to try_this_zone), the next falls back to DMA32.
 * /policy/deferred/none: the same node without the key never grows.
 * /policy/deferred/config: the zone key "deferred" / "deferred_bytes" parsed, written back, and
 *   its three errors with file:line and the key path.
 */
#include "config/config.h"
#include "fixture.h"

#define NORMAL_START 1048576u /* 4 GiB at 4K: a section boundary */
#define SECTION	     32768u   /* PAGES_PER_SECTION at 4K */

/* DMA32 of 16384 pages, Normal of 4 sections: 1 reserved, 1 managed, `deferred` at the end. */
static PsMachine *node_with_deferred(uint64_t deferred, uint64_t tail)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 1);
	fixture_zone(&spec, 0, PS_ZONE_DMA32, 4096, 16384, 16384);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, NORMAL_START, 4 * SECTION + tail, SECTION);
	spec.zones[0][PS_ZONE_NORMAL].present = 4 * SECTION + tail;
	spec.zones[0][PS_ZONE_NORMAL].deferred = deferred;
	return fixture_machine(&spec);
}

static void test_grow_in_sections(void)
{
	/* 2 sections and 100 pages deferred: the zone does not end on a MAX_PAGE_ORDER boundary */
	g_autoptr(PsMachine) m = node_with_deferred(2 * SECTION + 100, 100);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	ps_pfn_t first = NORMAL_START + 2 * SECTION;
	uint64_t free0 = (uint64_t)z->vm_stat[PS_NR_FREE_PAGES];
	uint64_t top0 = z->free_area[10].nr_free, grown;

	g_assert_cmpuint(ps_pages_per_section(4096), ==, SECTION);
	g_assert_cmpuint(ps_pages_per_section(16384), ==, 8192);
	g_assert_cmpuint(ps_pages_per_section(65536), ==, 8192);
	g_assert_cmpuint(z->managed, ==, SECTION);
	g_assert_cmpuint(z->first_deferred_pfn, ==, first);
	g_assert_cmpint(ps_page_state(m, first), ==, PS_PAGE_RESERVED);
	g_assert_cmpint(ps_page_state(m, first - 1), !=, PS_PAGE_RESERVED);
	g_assert_cmpint(ps_page_state(m, NORMAL_START + SECTION - 1), ==, PS_PAGE_RESERVED);
	fixture_check(m);

	/* an order-10 request needs one section: 32 MAX_PAGE_ORDER blocks */
	ps_set_pageblock_mt(m, first, PS_MT_UNMOVABLE);
	g_assert_true(ps_deferred_grow_zone(m, z, 10, &grown));
	g_assert_cmpuint(grown, ==, SECTION);
	g_assert_cmpuint(z->managed, ==, 2 * SECTION);
	g_assert_cmpuint(z->present, ==, 4 * SECTION + 100);
	g_assert_cmpuint(z->first_deferred_pfn, ==, first + SECTION);
	g_assert_cmpuint((uint64_t)z->vm_stat[PS_NR_FREE_PAGES], ==, free0 + SECTION);
	g_assert_cmpuint(z->free_area[10].nr_free, ==, top0 + SECTION / 1024);
	g_assert_cmpint(ps_pageblock_mt(m, first), ==, PS_MT_MOVABLE);
	g_assert_cmpint(ps_page_state(m, first + SECTION), ==, PS_PAGE_RESERVED);
	fixture_check(m);

	/* order 0 also takes a whole section; it stops there, before the 100-page tail */
	g_assert_true(ps_deferred_grow_zone(m, z, 0, &grown));
	g_assert_cmpuint(grown, ==, SECTION);
	g_assert_cmpuint(z->first_deferred_pfn, ==, first + 2 * SECTION);
	fixture_check(m);
	/* the tail is a partial chunk: freed page by page, merging into the orders of 100 pages */
	g_assert_true(ps_deferred_grow_zone(m, z, 0, &grown));
	g_assert_cmpuint(grown, ==, 100);
	g_assert_cmpuint(z->managed, ==, 3 * SECTION + 100);
	g_assert_cmpuint(z->free_area[6].nr_free, >=, 1); /* 100 = 64 + 32 + 4 */
	fixture_check(m);
	/* "Retry only once": TRUE without pages, then FALSE */
	g_assert_true(ps_deferred_grow_zone(m, z, 0, &grown));
	g_assert_cmpuint(grown, ==, 0);
	g_assert_cmpuint(z->first_deferred_pfn, ==, PS_PFN_NONE);
	g_assert_false(ps_deferred_grow_zone(m, z, 0, &grown));
	g_assert_cmpuint(z->deferred_grows, ==, 3);
	g_assert_cmpuint(z->deferred_grow_pages, ==, 2 * SECTION + 100);
	/* DMA32 never had any */
	g_assert_false(ps_deferred_grow_zone(m, ps_machine_zone(m, 0, PS_ZONE_DMA32), 0, &grown));
}

/* Would get_page_from_freelist's check at the low mark fail for an order-0 GFP_KERNEL request? */
static bool low_check_fails(const PsMachine *m, const PsZone *z)
{
	return !ps_zone_watermark_fast(m, z, 0, ps_wmark_pages(z, PS_WMARK_LOW), PS_ZONE_NORMAL,
				       PS_ALLOC_WMARK_LOW, PS_GFP_KERNEL);
}

static void test_fast_path(void)
{
	g_autoptr(PsMachine) m = node_with_deferred(2 * SECTION, 0);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsZone *dma32 = ps_machine_zone(m, 0, PS_ZONE_DMA32);
	unsigned grows = 0, checks_failed = 0;
	PsAllocOutcome out;

	while (z->first_deferred_pfn != PS_PFN_NONE) {
		bool fails = low_check_fails(m, z);
		uint64_t before = z->managed;

		checks_failed += fails;
		ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &out);
		g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
		g_assert_cmpint(out.zone, ==, z->idx);
		if (z->managed != before) {
			g_assert_true(fails);
			g_assert_cmpuint(z->managed - before, ==, SECTION);
			grows++;
			if (grows == 1) {
				/* the tunables of a machine booted with that many managed pages */
				PsMachineSpec spec;
				g_autoptr(PsMachine) ref = NULL;
				PsZone *rz;

				fixture_spec_1node(&spec, 4096, 1);
				fixture_zone(&spec, 0, PS_ZONE_DMA32, 4096, 16384, 16384);
				fixture_zone(&spec, 0, PS_ZONE_NORMAL, NORMAL_START, 4 * SECTION,
					     2 * SECTION);
				ref = fixture_machine(&spec);
				rz = ps_machine_zone(ref, 0, PS_ZONE_NORMAL);
				for (int w = 0; w < PS_NR_WMARK; w++)
					g_assert_cmpuint(z->wmark[w], ==, rz->wmark[w]);
				g_assert_cmpint(dma32->lowmem_reserve[PS_ZONE_NORMAL], ==,
						ps_machine_zone(ref, 0, PS_ZONE_DMA32)
						    ->lowmem_reserve[PS_ZONE_NORMAL]);
				g_assert_cmpint(z->pageset_high_max, ==, rz->pageset_high_max);
				g_assert_cmpint(m->sysctl.min_free_kbytes, ==,
						ref->sysctl.min_free_kbytes);
			}
		} else if (fails) {
			/* the last call: nothing left, TRUE once, served without a second check */
			g_assert_cmpuint(z->first_deferred_pfn, ==, PS_PFN_NONE);
		}
	}
	g_assert_cmpuint(grows, ==, 2);
	g_assert_cmpuint(checks_failed, ==, 3);
	g_assert_cmpuint(z->managed, ==, 3 * SECTION);
	g_assert_cmpuint(z->deferred_grow_pages, ==, 2 * SECTION);
	g_assert_true(low_check_fails(m, z));
	/* no deferred pages left: below its mark Normal falls back to DMA32 */
	ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &out);
	g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
	g_assert_cmpint(out.zone, ==, dma32->idx);
	g_assert_cmpuint(z->managed, ==, 3 * SECTION);
	fixture_check(m);
}

static void test_none(void)
{
	g_autoptr(PsMachine) m = node_with_deferred(0, 0);
	PsZone *z = ps_machine_zone(m, 0, PS_ZONE_NORMAL);
	PsAllocOutcome out;

	g_assert_cmpuint(z->first_deferred_pfn, ==, PS_PFN_NONE);
	do {
		ps_alloc_pages(m, PS_GFP_KERNEL, 0, 0, NULL, &out);
		g_assert_cmpint(out.result, ==, PS_ALLOC_OK);
		g_assert_cmpuint(z->managed, ==, SECTION);
	} while (out.zone == z->idx);
	g_assert_cmpint(out.zone, ==, ps_machine_zone(m, 0, PS_ZONE_DMA32)->idx);
	g_assert_cmpuint(z->deferred_grows, ==, 0);
	fixture_check(m);
}

/* Parses a one-node config whose Normal zone has the given extra keys; NULL error on success. */
static GError *parse_normal(const char *extra, const char *above, PsConfig *cfg)
{
	g_autofree char *text = g_strdup_printf(
	    "{\"page_size\":4096,\"cpus\":[0],\"nodes\":[{\"zones\":{\n"
	    "\"DMA32\":{\"start_pfn\":4096,\"spanned\":16384},\n"
	    "\"Normal\":{\"start_pfn\":1048576,\"spanned\":131072,\"managed\":32768,\n%s}%s}}]}",
	    extra, above);
	GError *error = NULL;

	ps_config_parse(cfg, text, strlen(text), "d.json", &error);
	return error;
}

static void test_config(void)
{
	g_autoptr(PsConfig) cfg = ps_config_new();
	g_autoptr(PsConfig) back = ps_config_new();
	g_autofree char *json = NULL;
	GError *error;

	error = parse_normal("\"deferred_bytes\":268435456", "", cfg);
	g_assert_no_error(error);
	g_assert_cmpuint(cfg->spec.zones[0][PS_ZONE_NORMAL].deferred, ==, 65536);
	json = ps_config_to_json_full(cfg);
	g_assert_nonnull(strstr(json, "\"deferred\""));
	g_assert_true(ps_config_parse(back, json, strlen(json), "back.json", NULL));
	g_assert_cmpuint(back->spec.zones[0][PS_ZONE_NORMAL].deferred, ==, 65536);

	error = parse_normal("\"deferred\":98305", "", cfg);
	g_assert_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_VALUE);
	g_assert_true(g_str_has_prefix(error->message, "d.json:"));
	g_assert_nonnull(strstr(error->message, ": nodes[0].zones.Normal.deferred: managed"));
	g_clear_error(&error);
	error = parse_normal("\"deferred\":60000", "", cfg);
	g_assert_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_VALUE);
	g_assert_nonnull(strstr(error->message, "not a section boundary (32768 pages)"));
	g_clear_error(&error);
	error = parse_normal("\"deferred\":32768",
			     ",\n\"Movable\":{\"start_pfn\":2097152,\"spanned\":32768}", cfg);
	g_assert_error(error, PS_CONFIG_ERROR, PS_CONFIG_ERROR_VALUE);
	g_assert_nonnull(strstr(error->message, "only the node's highest zone"));
	g_clear_error(&error);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/deferred/grow-in-sections", test_grow_in_sections);
	g_test_add_func("/policy/deferred/fast-path", test_fast_path);
	g_test_add_func("/policy/deferred/none", test_none);
	g_test_add_func("/policy/deferred/config", test_config);
	return g_test_run();
}
