/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fixture.h - small machines for mm/ and policy/ unit tests, built straight from a PsMachineSpec
 * so these tests do not depend on the config parser.
 */
#ifndef PS_TEST_FIXTURE_H
#define PS_TEST_FIXTURE_H

#include <string.h>

#include "policy/policy.h"

/* Kernel-default sysctls (kernel-facts §0.1) with min_free_kbytes left to the kernel's rule. */
static inline void fixture_default_sysctl(PsSysctl *s)
{
	static const int ratio[PS_MAX_NR_ZONES] = {256, 256, 32, 0, 0};

	memset(s, 0, sizeof(*s));
	s->min_free_kbytes = -1;
	s->user_min_free_kbytes = -1;
	s->watermark_scale_factor = 10;
	s->watermark_boost_factor = 15000;
	memcpy(s->lowmem_reserve_ratio, ratio, sizeof(ratio));
	s->extfrag_threshold = 500;
	s->compaction_proactiveness = 20;
	s->swappiness = 60;
	s->stat_interval_ns = 1000000000ull;
}

/* One node; zones given as {start_pfn, spanned, managed} (present = managed). */
static inline void fixture_spec_1node(PsMachineSpec *spec, uint32_t page_size, int ncpus)
{
	memset(spec, 0, sizeof(*spec));
	spec->page_size = page_size;
	g_assert_true(ps_page_size_defaults(page_size, &spec->max_order, &spec->pageblock_order,
					    &spec->thp_order));
	spec->thp_built = true;
	spec->thp_mode = 1;
	spec->nr_cpus = ncpus;
	spec->nr_nodes = 1;
	spec->distance[0][0] = 10;
	spec->pcp_batch_scale_max = 5;
	spec->seed = 1;
	fixture_default_sysctl(&spec->sysctl);
}

static inline void fixture_zone(PsMachineSpec *spec, int node, enum ps_zone_type t, ps_pfn_t start,
				uint64_t spanned, uint64_t managed)
{
	spec->zones[node][t].start_pfn = start;
	spec->zones[node][t].spanned = spanned;
	spec->zones[node][t].present = managed;
	spec->zones[node][t].managed = managed;
}

static inline PsMachine *fixture_machine(const PsMachineSpec *spec)
{
	GError *error = NULL;
	PsMachine *m = ps_machine_setup(spec, &error);

	g_assert_no_error(error);
	g_assert_nonnull(m);
	return m;
}

/* A 4K machine with one CPU and one Normal zone of `pages` pages at `start`. */
static inline PsMachine *fixture_normal_only(ps_pfn_t start, uint64_t pages)
{
	PsMachineSpec spec;

	fixture_spec_1node(&spec, 4096, 1);
	fixture_zone(&spec, 0, PS_ZONE_NORMAL, start, pages, pages);
	return fixture_machine(&spec);
}

static inline void fixture_check(PsMachine *m)
{
	GError *error = NULL;

	if (!ps_machine_check(m, &error))
		g_error("invariant: %s", error->message);
}

#endif
