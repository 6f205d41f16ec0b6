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
 * - khugepaged does not run, so a range that faulted base pages stays base pages.
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
