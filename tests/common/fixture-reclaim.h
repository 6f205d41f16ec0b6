/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fixture-reclaim.h - one shrink_node pass on a fixture host (tests of policy/reclaim.c).
 */
#ifndef PS_TEST_FIXTURE_RECLAIM_H
#define PS_TEST_FIXTURE_RECLAIM_H

#include "fixture.h"
#include "policy/policy-private.h"

/* ps_shrink_node on node 0 at priority, for Normal-zone requests; its pages reclaimed. */
static inline uint64_t fixture_shrink_node(FixtureHost *h, int priority, uint64_t nr_to_reclaim,
					   bool may_swap, bool kswapd)
{
	PsScanControl sc = {
	    .nr_to_reclaim = nr_to_reclaim,
	    .gfp_mask = PS_GFP_KERNEL,
	    .priority = priority,
	    .highest_zoneidx = PS_ZONE_NORMAL,
	    .may_writepage = true,
	    .may_swap = may_swap,
	    .may_unmap = true,
	    .kswapd = kswapd,
	};

	return ps_shrink_node(h->p, 0, &sc);
}

#endif
