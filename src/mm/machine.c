// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * machine.c - building the simulated machine: nodes, zones, the pfn-indexed page arrays, the
 * pageblock array and per-cpu pagesets, then releasing every managed page to the buddy
 * allocator as memblock_free_all() does at boot.
 *
 * Mirrors free_area_init(), memmap_init_range() (every pageblock starts MOVABLE) and
 * __free_pages_core() (boot memory is freed with FPI_TO_TAIL in naturally aligned chunks).
 *
 * Page-size rules (ps_page_size_defaults), as the arm64 lab kernels of 6.18.2 confirm:
 * - MAX_PAGE_ORDER per page size: arm64 ARCH_FORCE_MAX_ORDER is 10/11/13 for 4K/16K/64K
 *   (arch/arm64/Kconfig; include/linux/mmzone.h).
 * - pageblock order = min(HPAGE_PMD_ORDER, PAGE_BLOCK_MAX_ORDER) with THP built and no hugetlbfs
 *   (include/linux/pageblock-flags.h); CONFIG_PAGE_BLOCK_MAX_ORDER (6.16) defaults to
 *   MAX_PAGE_ORDER, so 9/11/13. A config's pageblock_order stands for a smaller setting.
 * - The zone types follow the kernel configuration (enum zone_type, MAX_NR_ZONES): a zone of a
 *   type the spec's zone_types lacks must be empty.
 *
 * Simplifications:
 * - A zone's pages that are spanned but not managed (holes, memblock reservations, the memmap)
 *   are modelled as one reserved range at the *start* of the zone, and the managed pages as the
 *   contiguous rest. The kernel's reservations are scattered, but most sit low (kernel image,
 *   early allocations), and only their count enters the formulas. With this choice a fresh
 *   x86-64 DMA zone (start_pfn 1, 3840 managed) has the free blocks the real one has
 *   (buddyinfo 0 0 0 0 0 0 0 0 1 1 3).
 * - Device zones never hold memory.
 * - Deferred pages (spec "deferred", CONFIG_DEFERRED_STRUCT_PAGE_INIT) are one run at the end of
 *   the node's highest zone, from first_deferred_pfn (a section boundary, as defer_init() picks
 *   it) to the zone's end, held as reserved until ps_deferred_grow_zone frees them. The kernel
 *   walks the free memblock ranges there (for_each_free_mem_pfn_range_in_zone_from), so holes
 *   and late reservations inside the deferred range are skipped; the model has none, which only
 *   matters for machines with holes above first_deferred_pfn. Read for this (6.18 mm/mm_init.c
 *   in the torvalds/linux copy of the search tools, commit 00c010e1): defer_init (the first
 *   section-aligned pfn after more than PAGES_PER_SECTION initialised pages, only in the node's
 *   last zone), deferred_grow_zone, deferred_init_maxorder, deferred_free_pages,
 *   deferred_init_memmap, page_alloc_init_late; mm/page_alloc.c _deferred_grow_zone and
 *   get_page_from_freelist's two deferred_pages_enabled() branches (patch threads, not a 6.18
 *   copy of page_alloc.c); __free_pages_core's MEMINIT_EARLY branch adds to managed_pages only
 *   ("memblock adjusts totalram_pages() manually", the 2024 patch that introduced it).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mm/mm-private.h"
#include "util/util.h"

/*
 * Page-state arrays are large (9 bytes per base page: 2.3 GiB for 1 TiB at 4 KiB pages) and are
 * touched densely during setup, so they are mappings of their own with transparent huge pages
 * requested (ps_map0_huge): 512x fewer page faults than malloc'd 4 KiB pages. Anonymous mappings
 * are zero-filled, which is what the flags array needs, and a restore maps the link and flag
 * arrays of a started state over them (ps_machine_state).
 */
gboolean ps_page_size_defaults(uint32_t page_size, unsigned *max_order, unsigned *pageblock_order,
			       unsigned *thp_order)
{
	/* kernel-facts §2.1: ARCH_FORCE_MAX_ORDER and the PMD order for each page size. */
	switch (page_size) {
	case 4096:
		*max_order = 10;
		*thp_order = 9;
		break;
	case 16384:
		*max_order = 11;
		*thp_order = 11;
		break;
	case 65536:
		*max_order = 13;
		*thp_order = 13;
		break;
	default:
		return FALSE;
	}
	/* pageblock_order = min(HPAGE_PMD_ORDER, PAGE_BLOCK_MAX_ORDER = MAX_PAGE_ORDER). */
	*pageblock_order = MIN(*thp_order, *max_order);
	return TRUE;
}

/* Deferred pages: present beyond managed, in the node's highest zone, from a section boundary. */
static gboolean deferred_spec_ok(const PsMachineSpec *spec, int n, int t, GError **error)
{
	const PsZoneSpec *zs = &spec->zones[n][t];
	uint64_t first = (uint64_t)zs->start_pfn + zs->spanned - zs->deferred;

	if (!zs->managed || zs->deferred > zs->present - zs->managed) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "node %d zone %s: managed %" G_GUINT64_FORMAT
			    " + deferred %" G_GUINT64_FORMAT " exceeds present %" G_GUINT64_FORMAT,
			    n, ps_zone_names[t], zs->managed, zs->deferred, zs->present);
		return FALSE;
	}
	for (int u = t + 1; u < PS_MAX_NR_ZONES; u++)
		if (spec->zones[n][u].spanned) {
			g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
				    "node %d zone %s: only the node's highest zone has deferred "
				    "pages, and %s lies above it",
				    n, ps_zone_names[t], ps_zone_names[u]);
			return FALSE;
		}
	if (first % ps_pages_per_section(spec->page_size)) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "node %d zone %s: the first deferred pfn %" G_GUINT64_FORMAT
			    " is not a section boundary (%" G_GUINT64_FORMAT " pages)",
			    n, ps_zone_names[t], first, ps_pages_per_section(spec->page_size));
		return FALSE;
	}
	return TRUE;
}

static gboolean validate_spec(const PsMachineSpec *spec, GError **error)
{
	if (spec->page_size == 0 || (spec->page_size & (spec->page_size - 1)) ||
	    spec->page_size < 4096) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "page_size: %u is not a power of two >= 4096", spec->page_size);
		return FALSE;
	}
	if (spec->max_order >= PS_NR_ORDERS_MAX) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "max_order: %u is larger than the supported %d", spec->max_order,
			    PS_NR_ORDERS_MAX - 1);
		return FALSE;
	}
	if (spec->pageblock_order > spec->max_order) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "pageblock_order: %u is larger than max_order %u",
			    spec->pageblock_order, spec->max_order);
		return FALSE;
	}
	if (spec->nr_nodes < 1 || spec->nr_nodes > PS_MAX_NODES) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC, "nodes: %d nodes (1..%d)",
			    spec->nr_nodes, PS_MAX_NODES);
		return FALSE;
	}
	if (spec->nr_cpus < 1 || spec->nr_cpus > PS_MAX_CPUS) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC, "cpus: %d cpus (1..%d)",
			    spec->nr_cpus, PS_MAX_CPUS);
		return FALSE;
	}
	for (int c = 0; c < spec->nr_cpus; c++) {
		if (spec->cpu_node[c] < 0 || spec->cpu_node[c] >= spec->nr_nodes) {
			g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
				    "cpus: cpu %d is on node %d, which does not exist", c,
				    spec->cpu_node[c]);
			return FALSE;
		}
	}
	for (int n = 0; n < spec->nr_nodes; n++) {
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			const PsZoneSpec *zs = &spec->zones[n][t];

			if (zs->managed > zs->present || zs->present > zs->spanned) {
				g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
					    "node %d zone %s: managed %" G_GUINT64_FORMAT
					    " <= present %" G_GUINT64_FORMAT
					    " <= spanned %" G_GUINT64_FORMAT " does not hold",
					    n, ps_zone_names[t], zs->managed, zs->present,
					    zs->spanned);
				return FALSE;
			}
			if (zs->spanned && !ps_zone_type_built(spec, t)) {
				g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
					    "node %d zone %s: the kernel has no such zone type", n,
					    ps_zone_names[t]);
				return FALSE;
			}
			if (zs->deferred && !deferred_spec_ok(spec, n, t, error))
				return FALSE;
			if (t == PS_ZONE_DEVICE && zs->managed) {
				g_set_error(
				    error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
				    "node %d zone Device: ZONE_DEVICE never holds buddy pages", n);
				return FALSE;
			}
			if ((uint64_t)zs->start_pfn + zs->spanned > UINT32_MAX) {
				g_set_error(
				    error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
				    "node %d zone %s: ends beyond pfn 2^32-1, the model's limit", n,
				    ps_zone_names[t]);
				return FALSE;
			}
		}
	}
	/* No two zones with pages may overlap. */
	for (int a = 0; a < spec->nr_nodes * PS_MAX_NR_ZONES; a++) {
		const PsZoneSpec *za = &spec->zones[a / PS_MAX_NR_ZONES][a % PS_MAX_NR_ZONES];

		if (!za->spanned)
			continue;
		for (int b = a + 1; b < spec->nr_nodes * PS_MAX_NR_ZONES; b++) {
			const PsZoneSpec *zb =
			    &spec->zones[b / PS_MAX_NR_ZONES][b % PS_MAX_NR_ZONES];

			if (!zb->spanned)
				continue;
			if (za->start_pfn < zb->start_pfn + zb->spanned &&
			    zb->start_pfn < za->start_pfn + za->spanned) {
				g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
					    "zones overlap: node %d %s and node %d %s",
					    a / PS_MAX_NR_ZONES, ps_zone_names[a % PS_MAX_NR_ZONES],
					    b / PS_MAX_NR_ZONES,
					    ps_zone_names[b % PS_MAX_NR_ZONES]);
				return FALSE;
			}
		}
	}
	return TRUE;
}

/* Releases [start, end) of zone z to the buddy in naturally aligned chunks, to the tail. */
static void free_range_to_buddy(PsMachine *m, PsZone *z, ps_pfn_t start, ps_pfn_t end)
{
	ps_pfn_t pfn = start;

	while (pfn < end) {
		unsigned order = m->max_order;

		while (order > 0 && ((pfn & ((1u << order) - 1)) || pfn + (1u << order) > end))
			order--;
		ps_buddy_free(m, z, pfn, order, PS_FPI_TO_TAIL);
		pfn += 1u << order;
	}
}

/*
 * The span's hole at boot (PS_PAGEBLOCK_NOMEM): pagetypeinfo_showblockcount_print walks the span
 * a pageblock at a time from zone_start_pfn and skips pfns with no online page. A config says
 * only how many pages the span lacks (spanned - present), and the model lays its unmanaged
 * pages out at the start of the zone, so the hole is the walk's first DIV_ROUND_UP(spanned) -
 * DIV_ROUND_UP(present) steps. A snapshot load replaces these marks with the dump's.
 */
static void mark_span_hole(PsMachine *m, const PsZone *z)
{
	uint64_t pb = m->pageblock_nr_pages;
	uint64_t steps = (z->spanned + pb - 1) / pb;
	uint64_t hole = steps - MIN(steps, (z->present + pb - 1) / pb);

	for (uint64_t k = 0; k < hole; k++)
		ps_set_pageblock_nomem(m, z->start_pfn + (ps_pfn_t)(k * pb), true);
}

enum ps_zone_grow_result ps_zone_grow(PsMachine *m, PsZone *z, ps_pfn_t pfn, uint64_t pages)
{
	ps_pfn_t end;

	if (!ps_zone_populated(z))
		return PS_ZONE_GROW_EMPTY_ZONE;
	if (pfn < z->start_pfn || pages > ps_zone_end_pfn(z) - pfn)
		return PS_ZONE_GROW_OUTSIDE_SPAN;
	/* deferred pages are present, not offline: only ps_deferred_grow_zone adds them */
	if (z->first_deferred_pfn != PS_PFN_NONE && pfn + pages > z->first_deferred_pfn)
		return PS_ZONE_GROW_NOT_RESERVED;
	end = pfn + (ps_pfn_t)pages;
	for (ps_pfn_t p = pfn; p < end; p++)
		if (ps_page_state(m, p) != PS_PAGE_RESERVED)
			return PS_ZONE_GROW_NOT_RESERVED;
	for (ps_pfn_t p = pfn; p < end; p++) {
		ps_page_set(m, p, PS_PAGE_TAIL, 0);
		if (!(p & (m->pageblock_nr_pages - 1)))
			ps_set_pageblock_mt(m, p, PS_MT_MOVABLE);
		/* online now: pagetypeinfo's walk counts the pageblock its step lands in */
		if (!((p - z->start_pfn) & (m->pageblock_nr_pages - 1)))
			ps_set_pageblock_nomem(m, p, false);
	}
	z->present = MIN(z->spanned, z->present + pages);
	z->managed += pages;
	free_range_to_buddy(m, z, pfn, end);
	/* __free_pages_core -> __free_pages_ok counts PGFREE for onlined pages as for any free */
	m->vm_events[PS_PGFREE] += pages;
	return PS_ZONE_GROW_OK;
}

uint64_t ps_pages_per_section(uint32_t page_size)
{
	unsigned section_bits = page_size == 65536 ? 29 : 27;
	unsigned page_shift = (unsigned)g_bit_nth_lsf(page_size, -1);

	return 1ull << (section_bits - MIN(page_shift, section_bits));
}

static bool range_reserved(const PsMachine *m, ps_pfn_t start, ps_pfn_t end)
{
	for (ps_pfn_t p = start; p < end; p++)
		if (ps_page_state(m, p) != PS_PAGE_RESERVED)
			return false;
	return true;
}

/* deferred_free_pages: [pfn, pfn + nr) of one MAX_PAGE_ORDER chunk joins the buddy. */
static void deferred_free_pages(PsMachine *m, PsZone *z, ps_pfn_t pfn, uint64_t nr)
{
	uint64_t max_nr = 1ull << m->max_order;

	for (ps_pfn_t p = pfn; p < pfn + nr; p++) {
		ps_page_set(m, p, PS_PAGE_TAIL, 0);
		if (!(p & (m->pageblock_nr_pages - 1)))
			ps_set_pageblock_mt(m, p, PS_MT_MOVABLE);
	}
	z->managed += nr;
	m->vm_events[PS_PGFREE] += nr;
	if (nr == max_nr && !(pfn & (max_nr - 1))) {
		ps_buddy_free(m, z, pfn, m->max_order, PS_FPI_TO_TAIL);
		return;
	}
	for (ps_pfn_t p = pfn; p < pfn + nr; p++)
		ps_buddy_free(m, z, p, 0, PS_FPI_TO_TAIL);
}

bool ps_deferred_grow_zone(PsMachine *m, PsZone *z, unsigned order, uint64_t *grown)
{
	uint64_t per_section = ps_pages_per_section(m->page_size);
	uint64_t needed = ((1ull << order) + per_section - 1) / per_section * per_section;
	uint64_t max_nr = 1ull << m->max_order;
	ps_pfn_t end = ps_zone_end_pfn(z), spfn = z->first_deferred_pfn;
	uint64_t nr = 0;
	bool blocked = false;

	*grown = 0;
	if (spfn == PS_PFN_NONE)
		return false;
	if (spfn >= end) {
		/* deferred_init_mem_pfn_range_in_zone found nothing: "Retry only once." */
		z->first_deferred_pfn = PS_PFN_NONE;
		return true;
	}
	while (spfn < end) {
		ps_pfn_t first = spfn;
		ps_pfn_t t =
		    (ps_pfn_t)MIN((uint64_t)end, ((uint64_t)spfn + max_nr) & ~(max_nr - 1));

		if (!range_reserved(m, spfn, t)) {
			/* a snapshot holds the rest as managed: nothing is deferred beyond */
			blocked = true;
			break;
		}
		deferred_free_pages(m, z, spfn, t - spfn);
		nr += t - spfn;
		spfn = t;
		/* We should only stop along section boundaries */
		if ((first ^ spfn) < per_section)
			continue;
		if (nr >= needed)
			break;
	}
	z->first_deferred_pfn = blocked ? (nr ? end : PS_PFN_NONE) : spfn;
	if (!nr)
		return false;
	z->deferred_grows++;
	z->deferred_grow_pages += nr;
	*grown = nr;
	return true;
}

bool ps_zone_reserved_top(const PsMachine *m, const PsZone *z, uint64_t pages, ps_pfn_t *pfn)
{
	ps_pfn_t p = MIN(ps_zone_end_pfn(z), z->first_deferred_pfn);

	while (p > z->start_pfn && ps_page_state(m, p - 1) != PS_PAGE_RESERVED)
		p--;
	if (p - z->start_pfn < pages)
		return false;
	for (ps_pfn_t q = p - (ps_pfn_t)pages; q < p; q++)
		if (ps_page_state(m, q) != PS_PAGE_RESERVED)
			return false;
	*pfn = p - (ps_pfn_t)pages;
	return true;
}

uint64_t ps_machine_state_bytes(const PsMachineSpec *spec, uint64_t *nr_pages)
{
	unsigned align_order = MAX(spec->max_order, spec->pageblock_order);
	uint64_t lo = UINT64_MAX, hi = 0, pages;

	for (int n = 0; n < spec->nr_nodes; n++)
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			const PsZoneSpec *zs = &spec->zones[n][t];

			if (zs->spanned) {
				lo = MIN(lo, zs->start_pfn);
				hi = MAX(hi, zs->start_pfn + zs->spanned);
			}
		}
	if (!hi) {
		*nr_pages = 0;
		return 0;
	}
	/* ps_machine_new's alignment of the map */
	lo &= ~((1ull << align_order) - 1);
	hi = (hi + (1ull << align_order) - 1) & ~((1ull << align_order) - 1);
	pages = hi - lo;
	*nr_pages = pages;
	/*
	 * map.link (two uint32_t), map.flags (a byte); a block: pageblock_mt (a byte) and
	 * block_link (two uint32_t)
	 */
	return pages * (sizeof(PsPageLink) + 1) +
	       (pages >> spec->pageblock_order) * (1 + sizeof(PsPageLink));
}

/*
 * The boot's release of every managed page to the buddy (memblock_free_all), zone by zone: the
 * managed range is the top of the zone below its deferred pages (machine_build marked the rest
 * reserved). Boot frees call no observer (free_one_page_ has none), and their pgfree is not the
 * workload's.
 */
static void boot_free(PsMachine *m)
{
	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];
		ps_pfn_t mend;

		if (!ps_zone_populated(z))
			continue;
		mend = ps_zone_end_pfn(z) - (ps_pfn_t)m->spec.zones[z->node][z->type].deferred;
		free_range_to_buddy(m, z, mend - (ps_pfn_t)z->managed, mend);
	}
	m->vm_events[PS_PGFREE] = 0;
	m->boot_pending = false;
}

void ps_machine_boot(PsMachine *m)
{
	if (m->boot_pending)
		boot_free(m);
}

static PsMachine *machine_build(const PsMachineSpec *spec, GError **error)
{
	g_autoptr(PsMachine) m = NULL;
	ps_pfn_t lo = PS_PFN_NONE, hi = 0;
	uint64_t npages, nblocks;
	unsigned align_order;

	if (!validate_spec(spec, error))
		return NULL;

	m = g_new0(PsMachine, 1);
	m->spec = *spec;
	m->page_size = spec->page_size;
	m->page_shift = (unsigned)g_bit_nth_lsf(spec->page_size, -1);
	m->max_order = spec->max_order;
	m->nr_orders = spec->max_order + 1;
	m->pageblock_order = spec->pageblock_order;
	m->pageblock_nr_pages = 1ull << spec->pageblock_order;
	m->nr_cpus = spec->nr_cpus;
	m->nr_nodes = spec->nr_nodes;
	m->sysctl = spec->sysctl;
	m->nr_zones = spec->nr_nodes * PS_MAX_NR_ZONES;
	m->zones = g_new0(PsZone, m->nr_zones);
	m->cpu_vmstat_dirty = g_new0(uint8_t, m->nr_cpus);

	for (int n = 0; n < m->nr_nodes; n++) {
		m->nodes[n].id = n;
		for (int c = 0; c < m->nr_cpus; c++)
			if (spec->cpu_node[c] == n)
				m->nodes[n].nr_cpus++;
		for (int t = 0; t < PS_MAX_NR_ZONES; t++) {
			PsZone *z = ps_machine_zone(m, n, (enum ps_zone_type)t);
			const PsZoneSpec *zs = &spec->zones[n][t];

			z->node = n;
			z->type = (enum ps_zone_type)t;
			z->idx = n * PS_MAX_NR_ZONES + t;
			z->start_pfn = zs->start_pfn;
			z->spanned = zs->spanned;
			z->present = zs->present;
			z->managed = zs->managed;
			for (unsigned o = 0; o < PS_NR_ORDERS_MAX; o++)
				for (int mt = 0; mt < PS_MT_TYPES; mt++) {
					z->free_area[o].list[mt].head =
					    z->free_area[o].list[mt].tail = PS_PFN_NONE;
					z->free_area[o].list[mt].block_links =
					    o >= m->pageblock_order;
				}
			if (zs->spanned) {
				lo = MIN(lo, zs->start_pfn);
				hi = MAX(hi, zs->start_pfn + (ps_pfn_t)zs->spanned);
			}
		}
	}
	if (hi == 0) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC, "nodes: no zone has any pages");
		return NULL;
	}

	/* Align the map so that buddy and pageblock arithmetic works on absolute pfns. */
	align_order = MAX(m->max_order, m->pageblock_order);
	lo &= ~((1u << align_order) - 1);
	if ((uint64_t)hi + (1ull << align_order) > UINT32_MAX) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "nodes: the pfn range is too large for 32-bit pfns");
		return NULL;
	}
	hi = (ps_pfn_t)(((uint64_t)hi + (1u << align_order) - 1) & ~((1ull << align_order) - 1));
	npages = (uint64_t)hi - lo;
	nblocks = npages >> m->pageblock_order;
	m->map.base_pfn = lo;
	m->map.end_pfn = hi;
	/* links are only read for pages on a list; flags start zeroed (PS_PAGE_TAIL). */
	m->map.link = ps_map0_huge(npages * sizeof(PsPageLink));
	m->map.flags = ps_map0_huge(npages);
	/* zeroed: the links of blocks on no list stay the same bytes from run to run */
	m->map.block_link = g_try_new0(PsPageLink, MAX(nblocks, 1));
	m->map.block_shift = m->pageblock_order;
	/* zeroed: every page a tail, no big head */
	m->map.big_head = g_try_new0(uint8_t, MAX(nblocks, 1));
	m->pageblock_mt = g_try_new(uint8_t, nblocks);
	if (!m->map.link || !m->map.flags || !m->map.block_link || !m->map.big_head ||
	    !m->pageblock_mt) {
		g_set_error(error, PS_MM_ERROR, PS_MM_ERROR_SPEC,
			    "nodes: cannot allocate page state for %" G_GUINT64_FORMAT " pages",
			    npages);
		return NULL;
	}
	memset(m->pageblock_mt, PS_MT_MOVABLE, nblocks);

	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];
		ps_pfn_t mstart, mend;

		z->first_deferred_pfn = PS_PFN_NONE;
		if (!z->spanned)
			continue;
		mark_span_hole(m, z);
		mend = ps_zone_end_pfn(z) - (ps_pfn_t)spec->zones[z->node][z->type].deferred;
		mstart = mend - (ps_pfn_t)z->managed;
		if (mstart > z->start_pfn)
			ps_page_set_run(m, z->start_pfn, mstart - z->start_pfn, PS_PAGE_RESERVED);
		/* Deferred pages: present, not initialised (defer_init stopped memmap_init there).
		 */
		if (mend < ps_zone_end_pfn(z)) {
			ps_page_set_run(m, mend, ps_zone_end_pfn(z) - mend, PS_PAGE_RESERVED);
			z->first_deferred_pfn = mend;
		}
		if (!ps_zone_populated(z))
			continue;
		z->pcp = g_new0(PsPcp, m->nr_cpus);
		for (int c = 0; c < m->nr_cpus; c++)
			for (int l = 0; l < PS_NR_PCP_LISTS; l++)
				z->pcp[c].lists[l].head = z->pcp[c].lists[l].tail = PS_PFN_NONE;
		/* Boot pagesets: high 0, batch 1 until policy sizes them. */
		z->pageset_batch = 1;
		ps_zone_update_pagesets(m, z);
	}
	m->boot_pending = true;
	return g_steal_pointer(&m);
}

PsMachine *ps_machine_new(const PsMachineSpec *spec, GError **error)
{
	PsMachine *m = machine_build(spec, error);

	if (m)
		boot_free(m);
	return m;
}

PsMachine *ps_machine_new_unbooted(const PsMachineSpec *spec, GError **error)
{
	return machine_build(spec, error);
}

void ps_machine_free(PsMachine *m)
{
	size_t npages;

	if (!m)
		return;
	if (m->zones)
		for (int i = 0; i < m->nr_zones; i++) {
			g_free(m->zones[i].pcp);
			if (m->zones[i].foreign)
				g_hash_table_destroy(m->zones[i].foreign);
			g_free(m->zones[i].foreign_nr);
		}
	g_free(m->zones);
	g_free(m->cpu_vmstat_dirty);
	npages = (size_t)(m->map.end_pfn - m->map.base_pfn);
	ps_unmap_huge(m->map.link, npages * sizeof(PsPageLink));
	ps_unmap_huge(m->map.flags, npages);
	ps_pcp_slot_drop(m);
	g_free(m->map.block_link);
	g_free(m->map.big_head);
	g_free(m->pageblock_mt);
	g_free(m);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * PsZone.foreign as (pfn << 8 | list mt + 1), sorted: the table's iteration order is not a state.
 * An empty table is dropped first (the next removal would drop it: mm/buddy.c take_foreign_slow),
 * so the run that saves the state goes on as the one that restores it.
 */
static void zone_foreign_state(PsMachine *m, PsZone *z, PsStateTable *t)
{
	uint64_t n;
	g_autofree uint64_t *e = NULL;

	if (!ps_state_loading(t) && z->foreign && g_hash_table_size(z->foreign) == 0)
		ps_free_list_foreign_drop(z);
	n = ps_state_count(t, "zone.foreign", z->foreign ? g_hash_table_size(z->foreign) : 0);
	if (!n)
		return;
	e = g_new0(uint64_t, n);
	if (!ps_state_loading(t)) {
		GHashTableIter it;
		gpointer k, v;
		uint64_t i = 0;

		g_hash_table_iter_init(&it, z->foreign);
		while (g_hash_table_iter_next(&it, &k, &v))
			e[i++] = (uint64_t)GPOINTER_TO_UINT(k) << 8 | GPOINTER_TO_UINT(v);
		qsort(e, n, sizeof(*e), cmp_u64);
	}
	ps_state_array(t, "zone.foreign.blocks", e, n * sizeof(*e));
	if (!ps_state_loading(t))
		return;
	ps_free_list_foreign_init(m, z);
	/* a list mt + 1 is never 0: zeros are what a failed load (the restore is dropped) left */
	for (uint64_t i = 0; i < n; i++)
		if (e[i] & 0xff)
			ps_free_list_foreign_set(m, z, (ps_pfn_t)(e[i] >> 8),
						 (enum ps_migratetype)((e[i] & 0xff) - 1));
}

void ps_machine_state(PsMachine *m, PsStateTable *t)
{
	uint64_t npages = m->map.end_pfn - m->map.base_pfn;
	uint64_t nblocks = npages >> m->pageblock_order;

	g_assert(m->capture == NULL);
	g_assert(ps_state_loading(t) || !m->boot_pending);
	/* a restore replaces every array the boot's frees write: they need not run */
	if (ps_state_loading(t))
		m->boot_pending = false;
	/* an index of the pcp lists, which a restore replaces: rebuilt when next needed */
	ps_pcp_slot_drop(m);
	ps_state_array(t, "machine.sysctl", &m->sysctl, sizeof(m->sysctl));
	ps_state_array(t, "machine.totalreserve", &m->totalreserve_pages,
		       sizeof(m->totalreserve_pages));
	ps_state_array(t, "machine.nodes", m->nodes, sizeof(m->nodes));
	ps_state_array(t, "machine.zone_hint", &m->pfn_zone_hint, sizeof(m->pfn_zone_hint));
	ps_state_array(t, "machine.vm_events", m->vm_events, sizeof(m->vm_events));
	ps_state_array(t, "machine.mthp_alloc", m->mthp_anon_fault_alloc,
		       sizeof(m->mthp_anon_fault_alloc));
	ps_state_array(t, "machine.mthp_fallback", m->mthp_anon_fault_fallback,
		       sizeof(m->mthp_anon_fault_fallback));
	/* the counts without a vm event, split_levels_total to direct_reclaims_total */
	ps_state_array(t, "machine.totals", &m->split_levels_total,
		       offsetof(PsMachine, direct_reclaims_total) +
			   sizeof(m->direct_reclaims_total) -
			   offsetof(PsMachine, split_levels_total));
	ps_state_array(t, "machine.pcp_lock_held", &m->pcp_lock_held, sizeof(m->pcp_lock_held));
	ps_state_array(t, "machine.vmstat_dirty", m->cpu_vmstat_dirty, (gsize)m->nr_cpus);
	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];

		/* every field before pcp is a value (the pcp pointer itself stays) */
		ps_state_array(t, "zone", z, offsetof(PsZone, pcp));
		if (z->pcp)
			ps_state_array(t, "zone.pcp", z->pcp, sizeof(PsPcp) * (gsize)m->nr_cpus);
		zone_foreign_state(m, z, t);
	}
	ps_state_array(t, "map.block_link", m->map.block_link, sizeof(PsPageLink) * nblocks);
	ps_state_array(t, "map.pageblock_mt", m->pageblock_mt, nblocks);
	/* restored with map.flags, which it summarises */
	ps_state_array(t, "map.big_head", m->map.big_head, nblocks);
	/* ps_map0_huge'd: a restore from a file maps them (copy-on-write) */
	ps_state_mapped(t, "map.link", m->map.link, npages * sizeof(PsPageLink));
	ps_state_mapped(t, "map.flags", m->map.flags, npages);
}

PsZone *ps_pfn_zone_search(PsMachine *m, ps_pfn_t pfn)
{
	for (int i = 0; i < m->nr_zones; i++) {
		PsZone *z = &m->zones[i];

		if (z->spanned && pfn >= z->start_pfn && pfn < ps_zone_end_pfn(z)) {
			m->pfn_zone_hint = i;
			return z;
		}
	}
	return NULL;
}

/*
 * The fan-out used once a second observer registers. One observer is called directly, so a run
 * with a single observer pays nothing; the alternative, a loop at every call site in buddy.c and
 * pcp.c, would put the observer list into the mechanism.
 */
static void fan_extfrag(void *data, PsZone *z, ps_pfn_t pfn, unsigned order, unsigned fb_order,
			enum ps_migratetype alloc_mt, enum ps_migratetype fb_mt, bool claimed)
{
	PsMachine *m = data;

	for (int i = 0; i < m->nr_observers; i++)
		if (m->observers[i].extfrag)
			m->observers[i].extfrag(m->observers[i].data, z, pfn, order, fb_order,
						alloc_mt, fb_mt, claimed);
}

static void fan_zone_locked(void *data, PsZone *z, unsigned order, enum ps_migratetype mt,
			    bool percpu_refill, unsigned nr)
{
	PsMachine *m = data;

	for (int i = 0; i < m->nr_observers; i++)
		if (m->observers[i].zone_locked)
			m->observers[i].zone_locked(m->observers[i].data, z, order, mt,
						    percpu_refill, nr);
}

static void fan_pcpu_drain(void *data, PsZone *z, const uint64_t pages[PS_MT_TYPES])
{
	PsMachine *m = data;

	for (int i = 0; i < m->nr_observers; i++)
		if (m->observers[i].pcpu_drain)
			m->observers[i].pcpu_drain(m->observers[i].data, z, pages);
}

/*
 * Each hook of m->hooks is resolved on its own: NULL when no observer has it, the observer's own
 * function and data when exactly one has it (the common case: the zone_locked and pcpu_drain
 * called once per bulk refill or drain then cost one direct call, not a walk over the
 * observers), the fan-out with m otherwise.
 */
#define PS_RESOLVE_HOOK(m, name, fan)                                                              \
	do {                                                                                       \
		int n_ = 0, at_ = 0;                                                               \
		for (int i_ = 0; i_ < (m)->nr_observers; i_++)                                     \
			if ((m)->observers[i_].name) {                                             \
				n_++;                                                              \
				at_ = i_;                                                          \
			}                                                                          \
		(m)->hooks.name = n_ == 0 ? NULL : n_ == 1 ? (m)->observers[at_].name : (fan);     \
		(m)->hook_data.name = n_ == 1 ? (m)->observers[at_].data : (void *)(m);            \
	} while (0)

void ps_machine_set_hooks(PsMachine *m, const PsMmHooks *hooks)
{
	if (!hooks) {
		memset(&m->hooks, 0, sizeof(m->hooks));
		memset(&m->hook_data, 0, sizeof(m->hook_data));
		m->nr_observers = 0;
		return;
	}
	g_assert(m->nr_observers < PS_MM_MAX_OBSERVERS);
	m->observers[m->nr_observers++] = *hooks;
	PS_RESOLVE_HOOK(m, extfrag, fan_extfrag);
	PS_RESOLVE_HOOK(m, zone_locked, fan_zone_locked);
	PS_RESOLVE_HOOK(m, pcpu_drain, fan_pcpu_drain);
	m->hooks.data = NULL; /* each hook's data is in m->hook_data */
}
