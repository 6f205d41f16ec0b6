// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kf13-zones.h - the free block counts of kernel-facts §13's worked examples (items 8-11), shared
 * by the tests of the indices (tests/mm/test-vmstat.c), of their /proc and debugfs text
 * (tests/report/test-metrics.c) and of the compaction score (tests/policy/test-compaction.c).
 */
#ifndef PS_TEST_KF13_ZONES_H
#define PS_TEST_KF13_ZONES_H

#include <stdint.h>

/* kernel-facts §13.9: a Normal zone of the reference machine. */
static const uint64_t kf13_normal_counts[11] = {1543, 1162, 811, 655, 443, 276,
						159,  147,  150, 83,  189};
/* kernel-facts §13.8 and §13.11: DMA32 and DMA of the same machine. */
static const uint64_t kf13_dma32_counts[11] = {2, 2, 4, 2, 5, 4, 3, 3, 4, 2, 752};
static const uint64_t kf13_dma_counts[11] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3};
/* kernel-facts §13.10: a synthetic zone with nothing above order 6. */
static const uint64_t kf13_synthetic_counts[11] = {100, 50, 20, 10, 5, 2, 1, 0, 0, 0, 0};

#endif
