// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * setup.c - boot-time policy setup of a freshly built machine, in the kernel's order:
 * build_all_zonelists (including the decision to disable grouping by mobility on tiny machines),
 * then the per-zone tunables (min_free_kbytes, watermarks, lowmem reserves, totalreserve, pcp
 * sizes).
 *
 * Grouping by mobility: build_all_zonelists disables it when the pages usable for
 * GFP_HIGHUSER_MOVABLE (nr_free_zone_pages, counted at boot when watermarks are still 0, so the
 * managed pages of the zones in node 0's zonelist) are fewer than pageblock_nr_pages *
 * MIGRATE_TYPES. At 64 KiB pages that is 2.5 GiB, so small 64K machines run without grouping,
 * as the kernel does. A config can also force it off (`sysctl.mobility_grouping`).
 */
#include "policy/policy.h"

static uint64_t boot_nr_free_zone_pages(const PsMachine *m, enum ps_zone_type highest)
{
	const PsZonelist *zl = &m->nodes[0].zonelist_fallback;
	uint64_t sum = 0;

	for (int i = 0; i < zl->nr; i++) {
		const PsZone *z = &m->zones[zl->zones[i]];

		if (z->type <= highest)
			sum += z->managed;
	}
	return sum;
}

PsMachine *ps_machine_setup(const PsMachineSpec *spec, GError **error)
{
	PsMachine *m = ps_machine_new(spec, error);

	if (!m)
		return NULL;
	ps_build_zonelists(m);
	if (boot_nr_free_zone_pages(m, ps_gfp_zone(PS_GFP_HIGHUSER_MOVABLE)) <
	    m->pageblock_nr_pages * PS_MT_TYPES)
		m->sysctl.page_group_by_mobility_disabled = true;
	ps_init_per_zone_tunables(m);
	return m;
}
