// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hist.c - latency histograms of nanosecond values with bounded memory and bounded error.
 *
 * A value v < 32 has a bucket of its own. Above that, every power of two [2^e, 2^(e+1)) is cut
 * into 16 equal sub-buckets of width 2^(e-4), so a bucket's width is at most 1/16 of its lower
 * edge: reporting the upper edge overstates a value by less than 1/16 of it. 64-bit values need
 * 16 + 60 * 16 = 976 buckets; PS_HIST_BUCKETS leaves room. This is the HdrHistogram idea with
 * one significant hex digit; the rejected alternative, keeping every sample and sorting at the
 * end of a window, costs memory proportional to the allocation rate.
 *
 * Quantiles use the nearest-rank definition: the smallest value with at least ceil(q * count)
 * samples at or below it. The maximum and the count are exact.
 */
#include <math.h>
#include <string.h>

#include "report/report.h"

#define SUB_BITS 4u
#define SUB	 (1u << SUB_BITS) /* sub-buckets per power of two */

uint64_t ps_hist_bucket_upper(unsigned i)
{
	unsigned e, sub;
	uint64_t lower;

	if (i < 2 * SUB)
		return i;
	e = i / SUB + SUB_BITS - 1;
	sub = i % SUB;
	lower = (uint64_t)(SUB + sub) << (e - SUB_BITS);
	return lower + ((1ull << (e - SUB_BITS)) - 1);
}

void ps_hist_reset(PsHist *h)
{
	memset(h, 0, sizeof(*h));
}

void ps_hist_merge(PsHist *into, const PsHist *from)
{
	for (unsigned i = 0; i < PS_HIST_BUCKETS; i++) {
		g_assert((uint64_t)into->b[i] + from->b[i] <= UINT32_MAX);
		into->b[i] += from->b[i];
	}
	into->count += from->count;
	into->sum += from->sum;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t ps_hist_quantile(const PsHist *h, double q)
{
	uint64_t rank, seen = 0;
	double x;

	if (!h->count)
		return 0;
	q = CLAMP(q, 0.0, 1.0);
	/*
	 * ceil(q * count), minus a relative hair so that a product that is an integer in decimal
	 * (0.999 * 1000) but lands just above it in binary does not move up one rank.
	 */
	x = q * (double)h->count;
	rank = (uint64_t)ceil(x - x * 1e-12);
	if (rank == 0)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned i = 0; i < PS_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			return MIN(ps_hist_bucket_upper(i), h->max);
	}
	g_assert_not_reached();
}
