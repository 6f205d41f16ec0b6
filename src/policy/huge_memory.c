// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * huge_memory.c - the decisions of a transparent huge page fault, as mm/huge_memory.c and
 * mm/memory.c make them for an anonymous first touch: whether a PMD-order folio may back the
 * fault (thp_vma_allowable_order), which smaller orders (mTHP) alloc_anon_folio may try
 * (thp_vma_allowable_orders with the per-size hugepages-<size>kB/enabled settings, then
 * thp_vma_suitable_orders), with which GFP flags they are asked for (vma_thp_gfp_mask), and the
 * counters of the outcome (THP_FAULT_ALLOC, THP_FAULT_FALLBACK, and per size
 * MTHP_STAT_ANON_FAULT_ALLOC / _FALLBACK). The process model (sim/process.c) owns the mappings,
 * checks that the range is empty (pmd_none, pte_range_none) and asks; mm/ hands out the folio.
 * Also THREAD_SIZE, the size of a kernel stack (kernel_stack kind), per arch and page size.
 *
 * Per-size settings (__thp_vma_allowable_orders for anonymous memory): an order is allowed when
 * its setting is "always", "madvise" in a VM_HUGEPAGE mapping, or "inherit" while the top-level
 * `enabled` is "always" or is "madvise" in a VM_HUGEPAGE mapping. The boot default is inherit
 * for the PMD size and never for the others (huge_anon_orders_inherit = BIT(PMD_ORDER)).
 * Anonymous orders are 2..PMD order (THP_ORDERS_ALL_ANON leaves out 0 and 1).
 *
 * Simplifications (why acceptable):
 * - The `defrag` setting is its default, "madvise": direct reclaim and compaction
 *   (GFP_TRANSHUGE) for VM_HUGEPAGE mappings, none (GFP_TRANSHUGE_LIGHT) for the others. Configs
 *   have no key for it; the other four settings are a switch here when one is wanted.
 * - khugepaged's scan and collapse are sim/khugepaged.c's; its settings and VMA test are here.
 * - THREAD_SIZE: 16 KiB, or the page size when larger (x86-64 THREAD_SIZE_ORDER 2 on 4 KiB pages;
 *   arm64 THREAD_SHIFT = max(MIN_THREAD_SHIFT 14, PAGE_SHIFT) with CONFIG_VMAP_STACK), without
 *   KASAN's doubling. Config `thread_size` overrides it.
 */
#include "policy/policy.h"

int ps_thp_size_mode(const PsMachineSpec *spec, unsigned order)
{
	int mode = order < PS_NR_ORDERS_MAX ? spec->thp_size_mode[order] : PS_THP_SIZE_NEVER;

	if (mode == PS_THP_SIZE_DEFAULT)
		mode = order == spec->thp_order ? PS_THP_SIZE_INHERIT : PS_THP_SIZE_NEVER;
	return mode;
}

/* __thp_vma_allowable_orders' sysfs part for one anonymous order. */
static bool order_enabled(const PsMachineSpec *spec, const PsVma *vma, unsigned order)
{
	switch (ps_thp_size_mode(spec, order)) {
	case PS_THP_SIZE_ALWAYS:
		return true;
	case PS_THP_SIZE_MADVISE:
		return vma->hugepage;
	case PS_THP_SIZE_INHERIT:
		/* hugepage_global_always(), or VM_HUGEPAGE && hugepage_global_enabled() */
		return spec->thp_mode == 2 || (spec->thp_mode == 1 && vma->hugepage);
	default:
		return false;
	}
}

/* thp_vma_suitable_order: the order-aligned range around addr inside the mapping. */
static bool order_suitable(const PsMachine *m, const PsVma *vma, uint64_t addr, unsigned order)
{
	uint64_t bytes = (uint64_t)m->page_size << order;
	uint64_t haddr = addr & ~(bytes - 1);

	return vma->start <= haddr && haddr + bytes <= vma->end;
}

bool ps_thp_vma_allowable(const PsMachine *m, const PsVma *vma, uint64_t haddr)
{
	const PsMachineSpec *spec = &m->spec;

	/* CONFIG_TRANSPARENT_HUGEPAGE, and the PMD size's setting */
	/* an anonymous THP: not in a file mapping (do_cow_fault copies into an order-0 folio) */
	if (!spec->thp_built || !vma || vma->file || !order_enabled(spec, vma, spec->thp_order))
		return false;
	return order_suitable(m, vma, haddr, spec->thp_order);
}

uint64_t ps_thp_anon_orders(const PsMachine *m, const PsVma *vma, uint64_t addr)
{
	const PsMachineSpec *spec = &m->spec;
	uint64_t orders = 0;

	if (!spec->thp_built || !vma || vma->file)
		return 0;
	/* BIT(PMD_ORDER) - 1, without orders 0 and 1 */
	for (unsigned o = 2; o < spec->thp_order && o <= spec->max_order; o++)
		if (order_enabled(spec, vma, o) && order_suitable(m, vma, addr, o))
			orders |= 1ull << o;
	return orders;
}

uint64_t ps_thp_fault_gfp(const PsMachine *m, const PsVma *vma)
{
	(void)m;
	return vma->hugepage ? PS_GFP_TRANSHUGE : PS_GFP_TRANSHUGE_LIGHT;
}

uint32_t ps_khugepaged_value(const PsMachineSpec *spec, enum ps_khugepaged_key key)
{
	uint32_t nr = 1u << spec->thp_order; /* HPAGE_PMD_NR */

	if (spec->khugepaged_given[key])
		return spec->khugepaged[key];
	switch (key) {
	case PS_KHUGEPAGED_DEFRAG:
		/* transparent_hugepage_flags starts with DEFRAG_KHUGEPAGED_FLAG set */
		return 1;
	case PS_KHUGEPAGED_MAX_PTES_NONE:
		return nr - 1;
	case PS_KHUGEPAGED_MAX_PTES_SWAP:
		return nr / 8;
	case PS_KHUGEPAGED_MAX_PTES_SHARED:
		return nr / 2;
	case PS_KHUGEPAGED_PAGES_TO_SCAN:
		return nr * 8;
	case PS_KHUGEPAGED_SCAN_SLEEP_MS:
		return 10000;
	case PS_KHUGEPAGED_ALLOC_SLEEP_MS:
		return 60000;
	default:
		g_assert_not_reached();
	}
}

bool ps_khugepaged_enabled(const PsMachine *m)
{
	const PsMachineSpec *spec = &m->spec;

	if (!spec->thp_built)
		return false;
	switch (ps_thp_size_mode(spec, spec->thp_order)) {
	case PS_THP_SIZE_ALWAYS:
	case PS_THP_SIZE_MADVISE:
		return true;
	case PS_THP_SIZE_INHERIT:
		return spec->thp_mode != 0;
	default:
		return false;
	}
}

bool ps_khugepaged_kind_allowable(const PsMachine *m, const PsVma *vma)
{
	return m->spec.thp_built && vma && !vma->file &&
	       order_enabled(&m->spec, vma, m->spec.thp_order);
}

bool ps_khugepaged_vma_allowable(const PsMachine *m, const PsVma *vma, bool has_anon)
{
	uint64_t bytes = (uint64_t)m->page_size << m->spec.thp_order;

	if (!m->spec.thp_built || !vma || vma->file || !has_anon ||
	    !order_enabled(&m->spec, vma, m->spec.thp_order) || vma->end - vma->start < bytes)
		return false;
	return order_suitable(m, vma, vma->end - bytes, m->spec.thp_order);
}

uint64_t ps_khugepaged_gfp(const PsMachine *m)
{
	return ps_khugepaged_value(&m->spec, PS_KHUGEPAGED_DEFRAG) ? PS_GFP_TRANSHUGE
								   : PS_GFP_TRANSHUGE_LIGHT;
}

void ps_thp_fault_account(PsMachine *m, bool allocated)
{
	m->vm_events[allocated ? PS_THP_FAULT_ALLOC : PS_THP_FAULT_FALLBACK]++;
	ps_mthp_fault_account(m, m->spec.thp_order, allocated);
}

void ps_mthp_fault_account(PsMachine *m, unsigned order, bool allocated)
{
	if (order >= PS_NR_ORDERS_MAX)
		return;
	if (allocated)
		m->mthp_anon_fault_alloc[order]++;
	else
		m->mthp_anon_fault_fallback[order]++;
}

uint64_t ps_thread_size(const PsMachineSpec *spec)
{
	if (spec->thread_size)
		return spec->thread_size;
	return MAX(16384u, spec->page_size);
}
