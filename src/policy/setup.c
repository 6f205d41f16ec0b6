// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * setup.c - boot-time policy setup of a freshly built machine, in the kernel's order:
 * build_all_zonelists (including the decision to disable grouping by mobility on tiny machines),
 * then the per-zone tunables (min_free_kbytes, watermarks, lowmem reserves, totalreserve, pcp
 * sizes).
 *
 * Grouping by mobility: build_all_zonelists disables it when its vm_total_pages, the pages of
 * the zones GFP_HIGHUSER_MOVABLE may use in node 0's zonelist, are fewer than pageblock_nr_pages *
 * MIGRATE_TYPES. At boot a 6.18 kernel counts the zones' present pages there: the four qemu-lab
 * kernels (realdata/qemu-arm64-*-6.18.2/dmesg.txt) print "Total pages:" equal to the present
 * pages of their zones, not the managed ones (the 64K one: 32768 present, 32513 managed, and
 * grouping on). MIGRATE_TYPES follows the kernel build (spec.migrate_types: 4 without CMA and
 * MEMORY_ISOLATION, as on the arm64 lab kernels, whose pagetypeinfo has no Isolate column; 5 on
 * x86-64 distribution kernels). So a 2 GiB 64K machine, 4 pageblocks of 512 MiB, groups by
 * mobility (32768 >= 4 * 8192), as the recorded one did (its trace refills Movable pcp lists);
 * with 5 types it would need 2.5 GiB. A config can also force grouping off
 * (`sysctl.mobility_grouping`).
 *
 * Boot history (config "boot_history", written by `config from-proc`): a real kernel computes the
 * watermarks, lowmem reserves and pcp limits while it boots (init_per_zone_wmark_min,
 * set_recommended_min_free_kbytes, zone_pcp_update via setup_per_zone_wmarks) and frees the
 * initramfs afterwards, so its zones' managed counts grow by a few hundred pages that the printed
 * tunables never saw; on a NUMA machine that shifts every node's share of min_free_kbytes. A
 * hugetlb reservation given back later does the same on a larger scale. Mirroring such a machine
 * means mirroring what it printed: after the formulas ran, every zone whose managed count is the
 * printed one takes the printed watermarks, protection and pcp batch/high_min/high_max, as long
 * as the sysctls they derive from are the ones they were printed under (a changed sysctl
 * recomputes everything, as writing it does in the kernel). Later recalculations in a run use
 * the formulas, like the kernel's.
 */
#include <string.h>

#include "policy/policy.h"

static uint64_t boot_vm_total_pages(const PsMachine *m, enum ps_zone_type highest)
{
	const PsZonelist *zl = &m->nodes[0].zonelist_fallback;
	uint64_t sum = 0;

	for (int i = 0; i < zl->nr; i++) {
		const PsZone *z = &m->zones[zl->zones[i]];

		if (z->type <= highest)
			sum += z->present;
	}
	return sum;
}

/* The printed values of z, when the history applies to m and to this zone; else NULL. */
static const PsPrintedZone *printed_zone(const PsMachine *m, const PsZone *z)
{
	const PsBootHistory *h = &m->spec.boot_history;
	const PsPrintedZone *p = &h->zones[z->node][z->type];

	if (!h->set || h->min_free_kbytes != m->sysctl.min_free_kbytes ||
	    h->watermark_scale_factor != m->sysctl.watermark_scale_factor ||
	    h->percpu_pagelist_high_fraction != m->sysctl.percpu_pagelist_high_fraction ||
	    memcmp(h->lowmem_reserve_ratio, m->sysctl.lowmem_reserve_ratio,
		   sizeof(h->lowmem_reserve_ratio)))
		return NULL;
	return p->set && p->managed == z->managed ? p : NULL;
}

static void carry_boot_history(PsMachine *m)
{
	bool any = false;

	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];
		const PsPrintedZone *p = printed_zone(m, z);

		if (!p)
			continue;
		any = true;
		memcpy(z->wmark, p->wmark, sizeof(z->wmark));
		memcpy(z->lowmem_reserve, p->protection, sizeof(z->lowmem_reserve));
		if (p->batch > 0)
			z->pageset_batch = p->batch;
		if (p->high_min > 0 && p->high_max > 0) {
			z->pageset_high_min = p->high_min;
			z->pageset_high_max = p->high_max;
		}
		if (z->pcp)
			ps_zone_update_pagesets(m, z);
	}
	if (any)
		ps_calculate_totalreserve_pages(m);
}

/*
 * None of these reads free memory (the watermarks and pcp sizes follow managed and present
 * pages), so they come out the same before the boot's frees as after them.
 */
static PsMachine *setup(PsMachine *m)
{
	if (!m)
		return NULL;
	ps_build_zonelists(m);
	if (boot_vm_total_pages(m, ps_gfp_zone(PS_GFP_HIGHUSER_MOVABLE)) <
	    m->pageblock_nr_pages * (uint64_t)(m->spec.migrate_types ? m->spec.migrate_types : 5))
		m->sysctl.page_group_by_mobility_disabled = true;
	ps_init_per_zone_tunables(m);
	carry_boot_history(m);
	return m;
}

PsMachine *ps_machine_setup(const PsMachineSpec *spec, GError **error)
{
	return setup(ps_machine_new(spec, error));
}

PsMachine *ps_machine_setup_unbooted(const PsMachineSpec *spec, GError **error)
{
	return setup(ps_machine_new_unbooted(spec, error));
}

static void describe_value(GString *out, const PsZone *z, const char *what, int64_t printed,
			   int64_t computed)
{
	if (printed != computed)
		g_string_append_printf(
		    out, "node %d %s %s %" G_GINT64_FORMAT " (formulas: %" G_GINT64_FORMAT ")\n",
		    z->node, ps_zone_names[z->type], what, printed, computed);
}

char *ps_boot_history_describe(const PsMachineSpec *spec)
{
	static const char *const wm[PS_NR_WMARK] = {"min", "low", "high", "promo"};
	g_autoptr(PsMachine) m = NULL;
	PsMachineSpec *bare = g_memdup2(spec, sizeof(*spec));
	GString *out = g_string_new(NULL);

	/* The formulas alone: the same machine without its history, checked against it. */
	bare->boot_history.set = false;
	m = ps_machine_setup(bare, NULL);
	g_free(bare);
	if (m)
		memcpy(&m->spec.boot_history, &spec->boot_history, sizeof(spec->boot_history));
	for (int i = 0; m && i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];
		const PsPrintedZone *p = printed_zone(m, z);

		if (!p)
			continue;
		for (int w = 0; w < PS_NR_WMARK; w++)
			describe_value(out, z, wm[w], (int64_t)p->wmark[w], (int64_t)z->wmark[w]);
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			g_autofree char *what = NULL;

			if (!ps_zone_type_built(&m->spec, t))
				continue;
			what = g_strdup_printf("protection[%s]", ps_zone_names[t]);
			describe_value(out, z, what, p->protection[t], z->lowmem_reserve[t]);
		}
		if (p->batch > 0)
			describe_value(out, z, "batch", p->batch, z->pageset_batch);
		if (p->high_min > 0 && p->high_max > 0) {
			describe_value(out, z, "high_min", p->high_min, z->pageset_high_min);
			describe_value(out, z, "high_max", p->high_max, z->pageset_high_max);
		}
	}
	return g_string_free(out, out->len == 0);
}
