// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * writeback.c - the global dirty limits: how many dirty page-cache pages the machine allows
 * before background writeback starts (bg_thresh) and before dirtiers are throttled (thresh).
 *
 * Mirrors mm/page-writeback.c of Linux 6.18: global_dirtyable_memory (free pages less
 * totalreserve_pages, plus the file LRU pages) and domain_dirty_limits for the global domain
 * (the ratios converted to parts per PAGE_SIZE, so 20 % of a 4 KiB page is 819/4096; bg_thresh
 * halved to thresh / 2 when it is not below thresh), as global_dirty_limits gives them to
 * /proc/vmstat's nr_dirty_threshold and nr_dirty_background_threshold.
 *
 * Simplifications (why acceptable):
 * - vm.dirty_ratio and vm.dirty_background_ratio are the kernel defaults (20, 10) and the
 *   *_bytes forms unset: the configs do not carry them and the recording machines run the
 *   defaults (their vmstat thresholds are these formulas' figures, see
 * tests/policy/test-writeback.c).
 * - No highmem (vm_highmem_is_dirtyable): the modelled machines are 64-bit.
 * - The real-time reader's extra (rt_or_dl_task(current): each threshold grows by a quarter
 *   plus global_wb_domain.dirty_limit / 32) is left out: /proc is read by ordinary tasks.
 */
#include "policy/policy-private.h"

#define VM_DIRTY_RATIO	       20 /* vm.dirty_ratio default */
#define DIRTY_BACKGROUND_RATIO 10 /* vm.dirty_background_ratio default */

/* global_dirtyable_memory */
static uint64_t global_dirtyable_memory(const PsMachine *m)
{
	uint64_t free = 0, file = 0;

	for (int i = 0; i < m->nr_zones; i++) {
		const PsZone *z = &m->zones[i];

		free += (uint64_t)MAX(z->vm_stat[PS_NR_FREE_PAGES], 0);
		file += (uint64_t)MAX(z->vm_stat[PS_NR_ZONE_INACTIVE_FILE], 0);
		file += (uint64_t)MAX(z->vm_stat[PS_NR_ZONE_ACTIVE_FILE], 0);
	}
	free -= MIN(free, m->totalreserve_pages);
	return free + file + 1; /* never 0 */
}

void ps_global_dirty_limits(const PsMachine *m, uint64_t *bg_thresh, uint64_t *thresh)
{
	uint64_t avail = global_dirtyable_memory(m);
	uint64_t ratio = VM_DIRTY_RATIO * (uint64_t)m->page_size / 100;
	uint64_t bg_ratio = DIRTY_BACKGROUND_RATIO * (uint64_t)m->page_size / 100;

	*thresh = ratio * avail / m->page_size;
	*bg_thresh = bg_ratio * avail / m->page_size;
	*thresh = MIN(*thresh, UINT32_MAX); /* UINT_MAX, which also bounds bg_thresh below */
	if (*bg_thresh >= *thresh)
		*bg_thresh = *thresh / 2;
}
