// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watermark.c - min_free_kbytes, per-zone watermarks, lowmem reserves, totalreserve_pages, pcp
 * batch/high limits and vmstat thresholds (kernel-facts §3.2, §4.1-4.4, §4.8).
 *
 * Mirrors, in mm/page_alloc.c: calculate_min_free_kbytes, nr_free_buffer_pages (via
 * nr_free_zone_pages), __setup_per_zone_wmarks/setup_per_zone_wmarks,
 * setup_per_zone_lowmem_reserve, calculate_totalreserve_pages, zone_batchsize, zone_highsize,
 * zone_set_pageset_high_and_batch and init_per_zone_wmark_min; in mm/khugepaged.c:
 * set_recommended_min_free_kbytes; in mm/vmstat.c: calculate_normal_threshold.
 *
 * Page-size and NUMA rules, checked on the arm64 lab kernels (4K/16K/64K, 2 and 4 nodes):
 * - pcp batch cap (zone_batchsize): min(managed >> 10, SZ_1M / PAGE_SIZE) / 4 before the
 *   power-of-two rounding, so 64K zones of 1 GiB or more get batch 3, 16K ones 15, 4K ones 63.
 * - pcp high split (zone_highsize): over the cpus of the zone's node, or over every online cpu
 *   for a node without cpus (4 nodes, 2 cpus: two nodes split by 1, two by 2).
 * - Watermark shares (__setup_per_zone_wmarks): min_free_kbytes is split over the zones of every
 *   node by managed pages, so on NUMA each node's share moves when another node's zones grow.
 * - THP recommendation (set_recommended_min_free_kbytes): 11 pageblocks per populated zone up to
 *   Normal, capped at 5% of nr_free_buffer_pages(): 8192-page blocks at 64K hit the cap.
 * - Lowmem reserve (setup_per_zone_lowmem_reserve): one entry per zone type of the kernel
 *   (MAX_NR_ZONES, 4 on the arm64 lab kernels without ZONE_DEVICE).
 *
 * The boot order is the kernel's: init_per_zone_wmark_min (a postcore initcall) computes the
 * sqrt default while every watermark is still 0, so nr_free_buffer_pages() is then the sum of
 * managed pages of the zones up to Normal; it sets watermarks and reserves; later hugepage_init
 * starts khugepaged, whose set_recommended_min_free_kbytes reads nr_free_buffer_pages() against
 * the watermarks that now exist, raises min_free_kbytes if its figure is larger, and recomputes
 * the watermarks. A min_free_kbytes given in the config stands for a sysctl write after boot and
 * replaces both.
 *
 * Simplifications: no HighMem zone (64-bit only); no memory hotplug or cpu hotplug, so nr_split
 * never includes a cpu being onlined; the pressure threshold that applies while kswapd runs is not
 * modelled here (only the normal threshold that zoneinfo prints when kswapd sleeps).
 */
#include "policy/policy.h"

/* MIN_PERCPU_PAGELIST_HIGH_FRACTION: high_max is an eighth of the zone. */
#define PS_MIN_PCPU_HIGH_FRACTION 8

static uint64_t int_sqrt_u64(uint64_t x)
{
	uint64_t r = 0, bit = 1ull << 62;

	/* Digit-by-digit square root: exact floor for all 64-bit inputs. */
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static int fls_u64(uint64_t x)
{
	int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static uint64_t rounddown_pow_of_two(uint64_t x)
{
	return x ? 1ull << (fls_u64(x) - 1) : 0;
}

static bool zone_counts_as_lowmem(const PsZone *z)
{
	return z->type != PS_ZONE_MOVABLE;
}

uint64_t ps_nr_free_buffer_pages(const PsMachine *m)
{
	uint64_t sum = 0;

	/* nr_free_zone_pages(gfp_zone(GFP_USER)): every node's zones up to Normal. */
	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];
		uint64_t high = ps_wmark_pages(z, PS_WMARK_HIGH);

		if (z->type <= PS_ZONE_NORMAL && z->managed > high)
			sum += z->managed - high;
	}
	return sum;
}

int64_t ps_min_free_kbytes_default(const PsMachine *m)
{
	uint64_t lowmem_kbytes = ps_nr_free_buffer_pages(m) * (m->page_size >> 10);
	uint64_t v = int_sqrt_u64(lowmem_kbytes * 16);

	return (int64_t)CLAMP(v, 128, 262144);
}

int64_t ps_min_free_kbytes_thp_recommended(const PsMachine *m)
{
	uint64_t nr_zones = 0, rec, cap;

	/* Populated (present) zones a GFP_USER request may use, on every node. */
	for (int i = 0; i < m->nr_zones; i++)
		if (m->zones[i].type <= PS_ZONE_NORMAL && m->zones[i].present)
			nr_zones++;
	/*
	 * Two free pageblocks per zone for fragmentation avoidance, plus room for a fallback
	 * between each pair of pcp migratetypes; never more than 5% of lowmem.
	 */
	rec = m->pageblock_nr_pages * nr_zones * 2 +
	      m->pageblock_nr_pages * nr_zones * PS_MT_PCPTYPES * PS_MT_PCPTYPES;
	cap = ps_nr_free_buffer_pages(m) / 20;
	rec = MIN(rec, cap);
	return (int64_t)(rec << (m->page_shift - 10));
}

void ps_setup_per_zone_wmarks(PsMachine *m)
{
	uint64_t pages_min = (uint64_t)m->sysctl.min_free_kbytes >> (m->page_shift - 10);
	uint64_t lowmem = 0;
	uint64_t wsf = (uint64_t)m->sysctl.watermark_scale_factor;

	for (int i = 0; i < m->nr_zones; i++)
		if (zone_counts_as_lowmem(&m->zones[i]))
			lowmem += m->zones[i].managed;

	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];
		uint64_t share = lowmem ? pages_min * z->managed / lowmem : 0;
		uint64_t gap;

		if (z->type == PS_ZONE_MOVABLE)
			/* Like HighMem: a small fixed floor, the share is not reserved here. */
			z->wmark[PS_WMARK_MIN] = CLAMP(z->managed / 1024, PS_SWAP_CLUSTER_MAX, 128);
		else
			z->wmark[PS_WMARK_MIN] = share;
		/* The gap is the larger of a quarter of the share and the scale factor's part. */
		gap = MAX(share >> 2, z->managed * wsf / 10000);
		z->wmark[PS_WMARK_LOW] = z->wmark[PS_WMARK_MIN] + gap;
		z->wmark[PS_WMARK_HIGH] = z->wmark[PS_WMARK_LOW] + gap;
		z->wmark[PS_WMARK_PROMO] = z->wmark[PS_WMARK_HIGH] + gap;
		z->watermark_boost = 0;
	}
	ps_calculate_totalreserve_pages(m);
	for (int i = 0; i < m->nr_zones; i++)
		ps_zone_pcp_update(m, &m->zones[i]);
}

void ps_setup_per_zone_lowmem_reserve(PsMachine *m)
{
	for (int n = 0; n < m->nr_nodes; n++) {
		for (int i = 0; i < PS_MAX_NR_ZONES; i++) {
			PsZone *z = ps_machine_zone(m, n, (enum ps_zone_type)i);
			int ratio = m->sysctl.lowmem_reserve_ratio[i];
			bool clear = ratio <= 0 || !z->managed;
			uint64_t upper = 0;

			for (int j = 0; j <= i; j++)
				z->lowmem_reserve[j] = 0;
			/* Only the kernel's zone types have an entry (MAX_NR_ZONES). */
			for (int j = i + 1; j < PS_MAX_NR_ZONES; j++) {
				upper += ps_machine_zone(m, n, (enum ps_zone_type)j)->managed;
				z->lowmem_reserve[j] = clear || !ps_zone_type_built(&m->spec, j)
							   ? 0
							   : (int64_t)(upper / (uint64_t)ratio);
			}
		}
	}
	ps_calculate_totalreserve_pages(m);
}

void ps_calculate_totalreserve_pages(PsMachine *m)
{
	uint64_t total = 0;

	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];
		uint64_t max = 0;

		for (int j = z->type; j < PS_MAX_NR_ZONES; j++)
			if (z->lowmem_reserve[j] > 0 && (uint64_t)z->lowmem_reserve[j] > max)
				max = (uint64_t)z->lowmem_reserve[j];
		max += ps_wmark_pages(z, PS_WMARK_HIGH);
		total += MIN(max, z->managed);
	}
	m->totalreserve_pages = total;
}

int ps_zone_batchsize(const PsMachine *m, uint64_t managed)
{
	/* About 0.1% of the zone, at most 1 MiB worth of pages, then a quarter of that. */
	uint64_t batch = MIN(managed >> 10, (uint64_t)(1u << 20) / m->page_size);

	batch /= 4;
	if (batch < 1)
		batch = 1;
	/* One less than a power of two, so that batches do not alias with cache colouring. */
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	return (int)batch;
}

static int zone_nr_split_cpus(const PsMachine *m, const PsZone *z)
{
	int n = 0;

	for (int cpu = 0; cpu < m->nr_cpus; cpu++)
		if (m->spec.cpu_node[cpu] == z->node)
			n++;
	return n ? n : m->nr_cpus;
}

static int zone_highsize(const PsMachine *m, const PsZone *z, int batch, int fraction)
{
	uint64_t total =
	    fraction ? z->managed / (uint64_t)fraction : ps_wmark_pages(z, PS_WMARK_LOW);
	uint64_t high = total / (uint64_t)zone_nr_split_cpus(m, z);

	return (int)MAX(high, (uint64_t)batch << 2);
}

void ps_zone_pcp_update(PsMachine *m, PsZone *z)
{
	int fraction = m->sysctl.percpu_pagelist_high_fraction;
	int batch = MAX(1, ps_zone_batchsize(m, z->managed));

	z->pageset_batch = batch;
	if (fraction) {
		z->pageset_high_min = zone_highsize(m, z, batch, fraction);
		z->pageset_high_max = z->pageset_high_min;
	} else {
		z->pageset_high_min = zone_highsize(m, z, batch, 0);
		z->pageset_high_max = zone_highsize(m, z, batch, PS_MIN_PCPU_HIGH_FRACTION);
	}
	if (z->pcp)
		ps_zone_update_pagesets(m, z);
}

int ps_calculate_normal_threshold(const PsMachine *m, const PsZone *z)
{
	/* Grows with the log of the cpu count and of the zone size in 128 MiB units. */
	uint64_t mem = z->managed >> (27 - m->page_shift);
	int t = 2 * fls_u64((uint64_t)m->nr_cpus) * (1 + fls_u64(mem));

	return MIN(t, 125);
}

void ps_init_per_zone_tunables(PsMachine *m)
{
	int64_t user = m->sysctl.user_min_free_kbytes;

	if (user >= 0) {
		m->sysctl.min_free_kbytes = user;
		ps_setup_per_zone_wmarks(m);
		ps_setup_per_zone_lowmem_reserve(m);
		return;
	}

	/* init_per_zone_wmark_min at boot: no watermark exists yet. */
	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];

		for (int w = 0; w < PS_NR_WMARK; w++)
			z->wmark[w] = 0;
		z->watermark_boost = 0;
	}
	m->sysctl.min_free_kbytes = ps_min_free_kbytes_default(m);
	ps_setup_per_zone_wmarks(m);
	ps_setup_per_zone_lowmem_reserve(m);

	/* khugepaged starts later in boot and may raise the value (set_recommended_...). */
	if (m->spec.thp_built && m->spec.thp_mode != 0) {
		int64_t rec = ps_min_free_kbytes_thp_recommended(m);

		if (rec > m->sysctl.min_free_kbytes) {
			m->sysctl.min_free_kbytes = rec;
			ps_setup_per_zone_wmarks(m);
		}
	}
}
