// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * huge_memory.c - the decisions of a transparent huge page fault, as mm/huge_memory.c makes them
 * for an anonymous first touch: whether a PMD-order folio may back the fault
 * (thp_vma_allowable_order), with which GFP flags it is asked for (vma_thp_gfp_mask), and the
 * vm events that count the outcome (THP_FAULT_ALLOC, THP_FAULT_FALLBACK). The process model
 * (sim/process.c) owns the mappings and asks; mm/ hands out the folio.
 *
 * Simplifications (why acceptable):
 * - Only PMD-sized THPs (no mTHP orders between base and PMD size): the recorded kernels run with
 *   the per-size controls off, which is the default.
 * - The `defrag` setting is its default, "madvise": direct reclaim and compaction
 *   (GFP_TRANSHUGE) for VM_HUGEPAGE mappings, none (GFP_TRANSHUGE_LIGHT) for the others. Configs
 *   have no key for it; the other four settings are a switch here when one is wanted.
 * - khugepaged does not run, so a range that faulted base pages stays base pages.
 */
#include "policy/policy.h"

bool ps_thp_vma_allowable(const PsMachine *m, const PsVma *vma, uint64_t haddr)
{
	const PsMachineSpec *spec = &m->spec;
	uint64_t hpage_bytes = (uint64_t)m->page_size << spec->thp_order;

	/* CONFIG_TRANSPARENT_HUGEPAGE, "never", and "madvise" without VM_HUGEPAGE */
	if (!spec->thp_built || spec->thp_mode == 0 || !vma)
		return false;
	if (spec->thp_mode == 1 && !vma->hugepage)
		return false;
	/* thp_vma_suitable_order: the whole aligned range inside the mapping */
	return vma->start <= haddr && haddr + hpage_bytes <= vma->end;
}

uint64_t ps_thp_fault_gfp(const PsMachine *m, const PsVma *vma)
{
	(void)m;
	return vma->hugepage ? PS_GFP_TRANSHUGE : PS_GFP_TRANSHUGE_LIGHT;
}

void ps_thp_fault_account(PsMachine *m, bool allocated)
{
	m->vm_events[allocated ? PS_THP_FAULT_ALLOC : PS_THP_FAULT_FALLBACK]++;
}
